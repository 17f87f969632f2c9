//! The machinery that makes the rules fast: subjects interned in name order, events
//! radix-sorted by subject, then kind and date, each with its date beside it, so each
//! rule walks its subjects and their events in memory order. The rules
//! (`rules.rs`) read it through `Index::subjects`, `events` and `events_of`.

use super::*;

/// FNV-1a: the index hashes millions of short ids; SipHash's protection against
/// hash flooding is not needed for facts the coalition entered itself.
#[derive(Default, Clone, Copy)]
pub(super) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn write_u64(&mut self, n: u64) {
        // One multiply-xorshift round for the index's (kind, subject) keys.
        let h = (n ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }
}

pub(super) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// A subject (licence, request, station, authority…) numbered once per evaluation.
pub(super) type Sid = u32;

/// The licence type number of a subject that is not a licence.
pub(super) const NOT_LICENCE: u32 = u32::MAX;

/// Event kinds that end a licence's obligations.
pub(super) const END_KINDS: [&str; 4] = [
    "licence-revoked",
    "licence-expires",
    "licence-expired",
    "licence-ended",
];

/// Subject names numbered in the order met. The names are copied into one buffer, the
/// table holds half of each name's hash beside its number, and a lookup compares a
/// 16-byte key of the name (`key`) rather than reading the facts, which a million
/// records spread over far more memory than the processor's caches hold.
#[derive(Default)]
pub(super) struct Interner {
    /// Open addressing: (the hash's high half, number + 1), 0 for an empty slot; a
    /// power of two long. The high half places a name, so growing needs no rehash.
    pub(super) slots: Vec<(u32, Sid)>,
    /// Every name's bytes, one after another, and where each name ends.
    pub(super) bytes: Vec<u8>,
    pub(super) ends: Vec<u32>,
    /// Every name's `key`, by number.
    pub(super) keys: Vec<u128>,
}

impl Interner {
    pub(super) fn hash_bytes(name: &[u8]) -> u64 {
        use std::hash::Hasher as _;
        let mut h = Fnv::default();
        h.write(name);
        // FNV's low bits mix poorly for names that differ in their last byte.
        h.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// A name's first fifteen bytes (zero-padded), then its length, or 255 for a
    /// name longer than fifteen bytes: names of up to fifteen bytes are equal if their
    /// keys are, and keys without their last byte order names by their beginnings.
    /// (A lookup compares keys, one array read, rather than reading where a name ends
    /// and then its bytes.)
    pub(super) fn key(name: &[u8]) -> u128 {
        let mut b = [0u8; 16];
        let n = name.len().min(15);
        b[..n].copy_from_slice(&name[..n]);
        b[15] = if name.len() <= 15 {
            name.len() as u8
        } else {
            255
        };
        u128::from_be_bytes(b)
    }

    /// The name a key holds whole (one of up to fifteen bytes).
    pub(super) fn short(key: u128) -> Option<Text> {
        let bytes = key.to_be_bytes();
        let len = usize::from(bytes[15]);
        let name = bytes.get(..len).filter(|_| len <= 15)?;
        std::str::from_utf8(name).ok().map(Text::from)
    }

    pub(super) fn name(&self, s: Sid) -> &[u8] {
        let start = if s == 0 { 0 } else { self.ends[s as usize - 1] };
        &self.bytes[start as usize..self.ends[s as usize] as usize]
    }

    /// The slot of `name` (with its `hash` and `key`): where it is, or the empty slot
    /// where it would go.
    pub(super) fn slot(&self, name: &[u8], hash: u64, key: u128) -> usize {
        let mask = self.slots.len() - 1;
        let tag = (hash >> 32) as u32;
        let mut i = tag as usize & mask;
        loop {
            let (t, s) = self.slots[i];
            if s == 0
                || (t == tag
                    && self.keys[s as usize - 1] == key
                    && (name.len() <= 15 || self.name(s - 1) == name))
            {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn str(&self, s: Sid) -> &str {
        // The bytes of each name were copied from a `str`, whole.
        std::str::from_utf8(self.name(s)).unwrap_or_default()
    }

    /// Reads the slots of the names of `hashes`: a batch of loads the processor
    /// overlaps, so the lookups that follow find the slots in cache.
    pub(super) fn touch(&self, hashes: &[u64]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        let mut x = 0;
        for h in hashes {
            x ^= self.slots[(h >> 32) as usize & mask].1;
        }
        std::hint::black_box(x);
    }

    /// The number in the first slot of `hash`'s probe whose tag is the hash's: the
    /// name's number if it has one (or, rarely, another name's); `None` if no slot
    /// has the tag, so the name is new.
    pub(super) fn by_tag(&self, hash: u64) -> Option<Sid> {
        let mask = self.slots.len().checked_sub(1)?;
        let tag = (hash >> 32) as u32;
        let mut i = tag as usize & mask;
        loop {
            match self.slots[i] {
                (_, 0) => return None,
                (t, s) if t == tag => return Some(s - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Whether number `s` is the name `name` (whose key is `key`).
    pub(super) fn is(&self, s: Sid, name: &[u8], key: u128) -> bool {
        self.keys[s as usize] == key && (name.len() <= 15 || self.name(s) == name)
    }

    /// The number of `name`, numbering it if it is new.
    pub(super) fn intern(&mut self, name: &str) -> Sid {
        let name = name.as_bytes();
        self.intern_keyed(name, Self::hash_bytes(name), Self::key(name))
    }

    /// `intern` of a name whose hash and key are known.
    pub(super) fn intern_keyed(&mut self, name: &[u8], hash: u64, key: u128) -> Sid {
        // At most half full, so a probe ends soon.
        if self.ends.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let i = self.slot(name, hash, key);
        if let Some(s) = self.slots[i].1.checked_sub(1) {
            return s;
        }
        let s = self.ends.len() as Sid;
        self.bytes.extend_from_slice(name);
        self.ends.push(self.bytes.len() as u32);
        self.keys.push(key);
        self.slots[i] = ((hash >> 32) as u32, s + 1);
        s
    }

    pub(super) fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![(0, 0); len]);
        let mask = self.slots.len() - 1;
        for (tag, s) in old.into_iter().filter(|x| x.1 != 0) {
            let mut i = tag as usize & mask;
            while self.slots[i].1 != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = (tag, s);
        }
    }
}

/// An event as the index holds it: what the duties compare (date, whether it records
/// that something did not happen) beside a reference to the whole event, so scanning
/// a subject's events reads one compact array and not the facts.
#[derive(Clone, Copy)]
pub(super) struct Ev<'f> {
    pub(super) date: Date,
    pub(super) negative: bool,
    pub(super) e: &'f Event,
}

impl std::ops::Deref for Ev<'_> {
    type Target = Event;

    fn deref(&self) -> &Event {
        self.e
    }
}

/// The facts, indexed once: subjects are numbered in name order, and the events of
/// the kinds the pack reads lie in one array sorted by (subject, kind, date, id), so
/// a subject's events are a slice, and those of one kind a slice of that, oldest
/// first.
pub(super) struct Index<'f> {
    /// Subject names by number; a duty that walks subjects in number order makes its
    /// gaps sorted. (Fresh copies, made in that order: the gaps of a duty share them
    /// from one compact stretch of memory.)
    pub(super) names: Vec<Text>,
    /// Subject numbers in the order met, renumbered.
    pub(super) rank: Vec<Sid>,
    /// The event kinds the pack's duties read, numbered.
    pub(super) kinds: FastMap<String, u32>,
    /// The number of `EXTENSION_KIND`, looked up once (every deadline trigger reads it).
    pub(super) extension: Option<u32>,
    /// The events by subject, kind, date and id, with their kind numbers.
    pub(super) events: Vec<Ev<'f>>,
    pub(super) event_kinds: Vec<u32>,
    /// Where each subject's events start in `events` (one more entry than subjects).
    pub(super) subject_start: Vec<u32>,
    /// The subjects with events of each kind, with the range of their events.
    pub(super) subjects: Vec<Vec<(Sid, u32, u32)>>,
    pub(super) licences: Vec<Option<&'f LicenceFact>>,
    /// What duties read of a licence, by subject: its type (numbered in
    /// `licence_types`; `NOT_LICENCE` for other subjects) and its holder (one copy per
    /// holder name).
    pub(super) licence_kind: Vec<u32>,
    pub(super) holders: Vec<Option<Text>>,
    pub(super) licence_types: Vec<String>,
    /// The subjects that are licences, in name order.
    pub(super) licence_order: Vec<Sid>,
    /// The subject of each measurement (`NOT_NUMBERED` for a retracted one).
    pub(super) measurement_subjects: Vec<Sid>,
}

/// The subject number of a fact the index left out.
pub(super) const NOT_NUMBERED: Sid = Sid::MAX;

/// Sorts by subject number, keeping the order of equal subjects: a least significant
/// digit radix sort, each pass writing to at most 2048 places at once, where sorting a
/// million events by comparison or scattering them one by one would reach into memory
/// at random.
pub(super) fn radix_sort_by_subject<T: Copy>(
    mut v: Vec<(Sid, u32, T)>,
    subjects: usize,
) -> Vec<(Sid, u32, T)> {
    // As few passes as eleven-bit digits allow, each with digits as narrow as they can
    // be: every bucket is a place written to at once, and a million elements spread
    // over more places than the processor's address cache (TLB) holds slow each write.
    let need = (usize::BITS - subjects.saturating_sub(1).leading_zeros()).max(1);
    let passes = need.div_ceil(11);
    let bits = need.div_ceil(passes);
    let Some(&first) = v.first() else {
        return v;
    };
    let mask = (1usize << bits) - 1;
    // Every pass's counts, from one reading.
    let mut counts = vec![vec![0usize; 1 << bits]; passes as usize];
    for x in &v {
        for (p, c) in counts.iter_mut().enumerate() {
            c[(x.0 as usize >> (p as u32 * bits)) & mask] += 1;
        }
    }
    let mut tmp = vec![first; v.len()];
    for (p, mut counts) in counts.into_iter().enumerate() {
        let shift = p as u32 * bits;
        let mut sum = 0;
        for c in &mut counts {
            (*c, sum) = (sum, sum + *c);
        }
        for x in &v {
            let at = &mut counts[(x.0 as usize >> shift) & mask];
            tmp[*at] = *x;
            *at += 1;
        }
        std::mem::swap(&mut v, &mut tmp);
    }
    v
}

/// Sorts each subject's events (a slice of `events` from `starts[s]` to
/// `starts[s + 1]`) by kind, date and id, and lists, for each kind, the subjects with
/// events of it and where those lie. On two threads, each taking half the events.
pub(super) fn sort_each_subject(
    events: &mut [(u32, Ev)],
    starts: &[u32],
    kinds: usize,
    threads: usize,
) -> Vec<Vec<(Sid, u32, u32)>> {
    let sort = |events: &mut [(u32, Ev)], subjects: std::ops::Range<usize>| {
        let base = starts[subjects.start];
        let mut by_kind: Vec<Vec<(Sid, u32, u32)>> = vec![Vec::new(); kinds];
        for s in subjects {
            let (a, b) = (starts[s], starts[s + 1]);
            let slice = &mut events[(a - base) as usize..(b - base) as usize];
            slice.sort_unstable_by(|x, y| {
                (x.0, x.1.date)
                    .cmp(&(y.0, y.1.date))
                    .then_with(|| x.1.id.cmp(&y.1.id))
            });
            let mut from = a;
            for run in slice.chunk_by(|x, y| x.0 == y.0) {
                let to = from + run.len() as u32;
                by_kind[run[0].0 as usize].push((s as Sid, from, to));
                from = to;
            }
        }
        by_kind
    };
    let subjects = starts.len() - 1;
    if threads < 2 {
        return sort(events, 0..subjects);
    }
    // The first subject whose events start in the second half.
    let mid = starts
        .partition_point(|&x| (x as usize) < events.len() / 2)
        .min(subjects);
    let halves = std::thread::scope(|scope| {
        let (low, high) = events.split_at_mut(starts[mid] as usize);
        // A thread the system will not start leaves the work to this one.
        let high = spawn(scope, move || sort(high, mid..subjects))?;
        let low = sort(low, 0..mid);
        Some((low, join(high)))
    });
    let Some((mut by_kind, high)) = halves else {
        return sort(events, 0..subjects);
    };
    for (all, more) in by_kind.iter_mut().zip(high) {
        all.extend(more);
    }
    by_kind
}

impl<'f> Index<'f> {
    pub(super) fn build(
        pack: &Pack,
        facts: &'f Facts,
        implied: &'f [Event],
        threads: usize,
    ) -> Index<'f> {
        let mut kinds: FastMap<String, u32> = FastMap::default();
        let mut add = |k: &str| {
            let n = kinds.len() as u32;
            kinds.entry(k.to_owned()).or_insert(n);
        };
        for d in &pack.duties {
            let named = [&d.trigger, &d.before, &d.from, &d.finding, &d.consequence];
            named.into_iter().flatten().for_each(|k| add(k));
            d.action.iter().for_each(|k| add(k));
        }
        END_KINDS.iter().for_each(|k| add(k));
        add(EXTENSION_KIND);
        let mut interner = Interner::default();
        // Number every subject in the order met (licences first)...
        let licence_sids: Vec<Sid> = facts
            .licences
            .iter()
            .map(|l| interner.intern(&l.id))
            .collect();
        // (subject, kind, event) for the events of the kinds the duties read: a kind no
        // duty reads cannot change a gap.
        // (Sized at once: grown by doubling, a million events would be copied.)
        let mut keyed: Vec<(Sid, u32, Ev<'f>)> =
            Vec::with_capacity(facts.events.len() + implied.len());
        // One pass over the events, sixteen at a time: those of the kinds read are
        // kept, then their subjects numbered while the events are still in cache (a
        // million events do not stay in the caches for a second pass).
        let mut events = facts
            .events
            .iter()
            .chain(implied)
            .filter(|e| !e.retracted)
            .filter_map(|e| Some((*kinds.get(e.kind.as_str())?, e)));
        loop {
            let start = keyed.len();
            keyed.extend(events.by_ref().take(16).map(|(kind, e)| {
                let ev = Ev {
                    date: e.date,
                    negative: e.negative,
                    e,
                };
                (0, kind, ev)
            }));
            let chunk = &mut keyed[start..];
            if chunk.is_empty() {
                break;
            }
            let mut hashes = [0u64; 16];
            let mut keys = [0u128; 16];
            for ((h, key), k) in hashes.iter_mut().zip(&mut keys).zip(chunk.iter()) {
                let name = k.2.subject.as_bytes();
                (*h, *key) = (Interner::hash_bytes(name), Interner::key(name));
            }
            interner.touch(&hashes[..chunk.len()]);
            // Each name's number as the slots alone suggest, then those checked against
            // the names' keys: loads that do not wait on one another. A name new, or
            // not confirmed, is looked up in full.
            let mut found = [None; 16];
            for (f, h) in found.iter_mut().zip(&hashes[..chunk.len()]) {
                *f = interner.by_tag(*h);
            }
            for (i, k) in chunk.iter_mut().enumerate() {
                let name = k.2.subject.as_bytes();
                k.0 = match found[i] {
                    Some(s) if interner.is(s, name, keys[i]) => s,
                    _ => interner.intern_keyed(name, hashes[i], keys[i]),
                };
            }
        }
        let measurement_subjects: Vec<Sid> = facts
            .measurements
            .iter()
            .map(|m| match m.retracted {
                true => NOT_NUMBERED,
                false => interner.intern(&m.subject),
            })
            .collect();
        // ...then renumber them in name order. Comparing the first fifteen bytes of
        // names as a number settles most comparisons; the rest are settled in the
        // interner's compact copy of the names.
        let subjects = interner.len();
        let mut order: Vec<(u128, Sid)> = (0..subjects as Sid)
            .map(|s| (interner.keys[s as usize], s))
            .collect();
        order.sort_unstable_by(|a, b| {
            (a.0 >> 8)
                .cmp(&(b.0 >> 8))
                .then_with(|| interner.name(a.1).cmp(interner.name(b.1)))
        });
        let mut rank = vec![0 as Sid; subjects];
        for (r, (_, s)) in order.iter().enumerate() {
            rank[*s as usize] = r as Sid;
        }
        // A name of up to fifteen bytes is whole in its key, which the order holds.
        let make_names = || -> Vec<Text> {
            order
                .iter()
                .map(|&(key, s)| Interner::short(key).unwrap_or_else(|| interner.str(s).into()))
                .collect()
        };
        let (names, sorted, subject_start, by_kind) = std::thread::scope(|scope| {
            // The names are made on another thread while the events are sorted.
            let names = (threads > 1).then(|| spawn(scope, make_names)).flatten();
            // Events by subject (a radix sort: subjects are numbered densely), then
            // within a subject by kind, date and id.
            for k in &mut keyed {
                k.0 = rank[k.0 as usize];
            }
            let sorted = radix_sort_by_subject(keyed, subjects);
            let mut subject_start = vec![0u32; subjects + 1];
            let mut at = 0;
            for (s, start) in subject_start.iter_mut().enumerate() {
                while at < sorted.len() && (sorted[at].0 as usize) < s {
                    at += 1;
                }
                *start = at as u32;
            }
            let mut sorted: Vec<(u32, Ev<'f>)> =
                sorted.into_iter().map(|(_, kind, ev)| (kind, ev)).collect();
            let by_kind = sort_each_subject(&mut sorted, &subject_start, kinds.len(), threads);
            let names = names.map_or_else(make_names, join);
            (names, sorted, subject_start, by_kind)
        });
        drop(order);
        let event_kinds = sorted.iter().map(|x| x.0).collect();
        let events = sorted.into_iter().map(|x| x.1).collect();
        let mut index = Index {
            names,
            rank,
            extension: kinds.get(EXTENSION_KIND).copied(),
            kinds,
            events,
            event_kinds,
            subject_start,
            subjects: by_kind,
            licences: vec![None; subjects],
            licence_kind: vec![NOT_LICENCE; subjects],
            holders: vec![None; subjects],
            licence_types: Vec::new(),
            licence_order: Vec::new(),
            measurement_subjects,
        };
        let mut holders: FastMap<&str, Text> = FastMap::default();
        for (l, s) in facts.licences.iter().zip(licence_sids) {
            let s = index.rank[s as usize] as usize;
            index.licences[s] = Some(l);
            let types = &mut index.licence_types;
            index.licence_kind[s] = match types.iter().position(|t| *t == l.licence_type) {
                Some(k) => k as u32,
                None => {
                    types.push(l.licence_type.clone());
                    types.len() as u32 - 1
                }
            };
            index.holders[s] = l
                .holder
                .as_ref()
                .map(|h| holders.entry(h).or_insert_with(|| h.clone()).clone());
        }
        index.licence_order = (0..subjects as Sid)
            .filter(|&s| index.licences[s as usize].is_some())
            .collect();
        index
    }

    /// About how many gaps `duty` makes, so its vector is sized once rather than
    /// copied as it doubles: one per trigger, per subject that needs a precondition,
    /// per licence checked against a zone. (Other duties' vectors grow.)
    pub(super) fn room(&self, duty: &Duty) -> usize {
        let of_kind = |k: &str| {
            let k = self.kind(k);
            k.map_or(&[][..], |k| &self.subjects[k as usize][..])
        };
        match duty.rule() {
            Some(Rule::Deadline { trigger, .. }) => of_kind(trigger)
                .iter()
                .map(|(_, a, b)| (b - a) as usize)
                .sum(),
            Some(Rule::Precondition { before }) => of_kind(before).len(),
            Some(Rule::Periodic { from, .. }) => of_kind(from).len(),
            Some(Rule::Spatial { .. }) => self.licence_order.len(),
            _ => 0,
        }
    }

    pub(super) fn kind(&self, kind: &str) -> Option<u32> {
        self.kinds.get(kind).copied()
    }

    pub(super) fn licence(&self, s: Sid) -> Option<&'f LicenceFact> {
        self.licences.get(s as usize).copied().flatten()
    }

    /// Events of one kind about one subject, oldest first.
    pub(super) fn events(&self, kind: Option<u32>, s: Sid) -> &[Ev<'f>] {
        let (Some(kind), Some(ends)) = (kind, self.subject_start.get(s as usize..s as usize + 2))
        else {
            return &[];
        };
        let (a, b) = (ends[0] as usize, ends[1] as usize);
        let kinds = &self.event_kinds[a..b];
        let from = a + kinds.partition_point(|k| *k < kind);
        let to = a + kinds.partition_point(|k| *k <= kind);
        &self.events[from..to]
    }

    /// The subjects with events of `kind`, each with those events (oldest first).
    pub(super) fn subjects(&self, kind: Option<u32>) -> impl Iterator<Item = (Sid, &[Ev<'f>])> {
        kind.map_or(&[][..], |k| &self.subjects[k as usize])
            .iter()
            .map(|&(s, a, b)| (s, &self.events[a as usize..b as usize]))
    }

    /// Events of any of `kinds` about a subject, oldest first.
    pub(super) fn events_of(&self, kinds: &[u32], s: Sid) -> Cow<'_, [Ev<'f>]> {
        if let [kind] = kinds {
            return Cow::Borrowed(self.events(Some(*kind), s));
        }
        let mut out: Vec<Ev<'f>> = kinds
            .iter()
            .flat_map(|k| self.events(Some(*k), s).iter().copied())
            .collect();
        out.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        Cow::Owned(out)
    }
}

/// Events the licences imply: granted and expiry dates.
pub(super) fn licence_events(facts: &Facts) -> Vec<Event> {
    let mut out = Vec::with_capacity(2 * facts.licences.len());
    let event = |l: &LicenceFact, kind: &str, date: Date| Event {
        id: format!("{}#{}", l.id, kind.trim_start_matches("licence-")).into(),
        kind: kind.into(),
        subject: l.id.clone(),
        date,
        by: None,
        to: None,
        negative: false,
        retracted: false,
        days: None,
    };
    for l in &facts.licences {
        if let Some(d) = l.granted {
            out.push(event(l, "licence-granted", d));
        }
        if let Some(d) = l.expires {
            out.push(event(l, "licence-expires", d));
        }
        // The recorded history: each change its event, named by the day (a licence
        // suspended twice is suspended on two days); the grant once.
        for c in &l.history {
            if c.event == "licence-granted" && l.granted.is_some() {
                continue;
            }
            let mut e = event(l, &c.event, c.date);
            e.id = format!(
                "{}#{}@{}",
                l.id,
                c.event.trim_start_matches("licence-"),
                c.date
            )
            .into();
            out.push(e);
        }
    }
    out
}
