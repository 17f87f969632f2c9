//! The duty engine: which legal duties were met, which are overdue, which were
//! breached, and which nobody knows yet.
//!
//! `evaluate(pack, facts, as_of)` is a pure, deterministic function. Facts are typed:
//! licences, dated events about a subject (a request sent, a reply, a consultation, an
//! inspection, a licence revoked…), measurements, and checks of licences against zones.
//! Records become facts in the store; measurements and zone overlaps that later issues
//! compute enter as the same typed facts.
//!
//! Statuses (DESIGN.md §5): `pending` (not due yet), `overdue` (due, not done, and we
//! would know if it had been), `breached` (a record shows it was not done, or done out
//! of order, or a limit was exceeded), `met`, `met_late`, and `unverified` (nothing is
//! recorded either way: we do not know, and say so).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{DayCount, DueDate};
use crate::explain::{Explanation, Extension, Limit, Why};
use crate::pack::{Due, Duty, DutyKind, Every, Pack, Rule, Silence, Standard};
use crate::text::{Lang, Localized};

/// An id or text shared between facts and gaps: cloning it is a counter increment, so
/// an evaluation of a million facts does not copy its strings.
pub type Text = Arc<str>;

/// A licence as the engine sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceFact {
    pub id: Text,
    #[serde(default)]
    pub number: Option<String>,
    /// `exploration` or `mining`.
    pub licence_type: String,
    #[serde(default)]
    pub holder: Option<Text>,
    #[serde(default)]
    pub granted: Option<Date>,
    #[serde(default)]
    pub expires: Option<Date>,
    /// The record ids of the authorities over this licence, by authority type.
    #[serde(default)]
    pub authorities: BTreeMap<String, Text>,
}

/// Something that happened (or a record that it did not happen) on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: Text,
    pub kind: String,
    /// What it is about: a licence, request, company, station or authority id.
    pub subject: Text,
    pub date: Date,
    /// Who acted, where known (a record id).
    #[serde(default)]
    pub by: Option<Text>,
    /// To whom (the addressee of a request).
    #[serde(default)]
    pub to: Option<Text>,
    /// A record that the action did NOT happen (e.g. a reply saying no consultation
    /// took place).
    #[serde(default)]
    pub negative: bool,
    /// Retracted records count for nothing.
    #[serde(default)]
    pub retracted: bool,
    /// For a `deadline-extended` event: the days the bearer added to the subject's
    /// deadline (counted as the duty counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// The event kind of an extension granted to a deadline (e.g. an authority giving
/// itself more time to answer a request); its `days` move the due date on. It moves
/// every deadline owed about its subject that was triggered on or before its date, so
/// give it a subject with one deadline (a request), not a licence.
pub const EXTENSION_KIND: &str = "deadline-extended";

/// A measured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    pub id: Text,
    /// A monitoring station or licence id.
    pub subject: Text,
    pub parameter: String,
    pub value: f64,
    /// The period the value averages: `20min`, `1h`, `8h`, `24h`, `annual`, `sample`.
    pub averaging: String,
    pub date: Date,
    #[serde(default)]
    pub retracted: bool,
}

/// A check of a licence's area against a zone type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneCheck {
    pub id: Text,
    pub licence: Text,
    pub zone: String,
    /// Whether the licence overlaps the zone.
    pub overlaps: bool,
    pub date: Date,
    #[serde(default)]
    pub retracted: bool,
}

/// Everything the engine reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    #[serde(default)]
    pub licences: Vec<LicenceFact>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    #[serde(default)]
    pub zones: Vec<ZoneCheck>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Overdue,
    Breached,
    Met,
    MetLate,
    Unverified,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Overdue,
        Status::Breached,
        Status::Met,
        Status::MetLate,
        Status::Unverified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Overdue => "overdue",
            Status::Breached => "breached",
            Status::Met => "met",
            Status::MetLate => "met_late",
            Status::Unverified => "unverified",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One duty applied to one subject (and trigger): its status and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub duty: Text,
    pub kind: DutyKind,
    pub status: Status,
    pub bearer: Text,
    pub subject: Text,
    /// The event (or measurement, or finding) that made the duty owed.
    pub trigger: Option<Text>,
    pub due: Option<Date>,
    /// How the due date (or the measure) was worked out.
    pub why: Option<Arc<Why>>,
    /// Ids of the facts behind the status.
    pub evidence: Vec<Text>,
    pub confidence: crate::pack::Confidence,
}

impl Gap {
    /// The provisions the duty rests on ("not set by law" for policy defaults).
    pub fn citation(&self, pack: &Pack, lang: Lang) -> String {
        pack.duty(&self.duty)
            .map(|d| pack.citation(d, lang))
            .unwrap_or_default()
    }

    /// What the gap means, as parts a reader's language makes a sentence of. (Made
    /// when shown, not for every gap of an evaluation: a million facts make hundreds
    /// of thousands of gaps.)
    pub fn explanation(&self, pack: &Pack) -> Option<Explanation> {
        self.explanation_with(pack, &|id| Some(id.to_owned()))
    }

    /// The explanation with records named by `name` (a display name for an id), which
    /// returns `None` for a record the reader may not see: such evidence is left out.
    pub fn explanation_with(
        &self,
        pack: &Pack,
        name: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Explanation> {
        pack.duty(&self.duty).map(|duty| explain(duty, self, name))
    }

    /// The suggested next step.
    pub fn next_step(&self, pack: &Pack) -> Localized {
        pack.duty(&self.duty)
            .map(|d| d.next_step.clone())
            .unwrap_or_default()
    }
}

/// A problem with the facts the engine noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub duty: Option<String>,
    pub fact: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub as_of: Option<Date>,
    pub gaps: Gaps,
    pub diagnostics: Vec<Diagnostic>,
}

/// The gaps of an evaluation, in order: held as the duties made them (one part per
/// duty), so an evaluation's hundreds of megabytes are neither copied into one block
/// nor faulted in page by page when the block is fresh from the system.
#[derive(Debug, Clone, Default)]
pub struct Gaps {
    parts: Vec<Vec<Gap>>,
    len: usize,
}

impl Gaps {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Gap> + Clone {
        self.parts.iter().flatten()
    }

    pub fn get(&self, mut i: usize) -> Option<&Gap> {
        for p in &self.parts {
            match p.get(i) {
                Some(g) => return Some(g),
                None => i -= p.len(),
            }
        }
        None
    }

    fn push_part(&mut self, part: Vec<Gap>) {
        if !part.is_empty() {
            self.len += part.len();
            self.parts.push(part);
        }
    }
}

/// Gaps are equal when they are the same gaps in the same order, however held.
impl PartialEq for Gaps {
    fn eq(&self, other: &Gaps) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl std::ops::Index<usize> for Gaps {
    type Output = Gap;

    fn index(&self, i: usize) -> &Gap {
        self.get(i).expect("a gap index within the evaluation")
    }
}

impl From<Vec<Gap>> for Gaps {
    fn from(part: Vec<Gap>) -> Gaps {
        let mut gaps = Gaps::default();
        gaps.push_part(part);
        gaps
    }
}

impl FromIterator<Gap> for Gaps {
    fn from_iter<I: IntoIterator<Item = Gap>>(iter: I) -> Gaps {
        Gaps::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl IntoIterator for Gaps {
    type Item = Gap;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<Gap>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.parts.into_iter().flatten()
    }
}

impl<'a> IntoIterator for &'a Gaps {
    type Item = &'a Gap;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Gap>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.parts.iter().flatten()
    }
}

impl Serialize for Gaps {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// FNV-1a: the index hashes millions of short ids; SipHash's protection against
/// hash flooding is not needed for facts the coalition entered itself.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

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

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// A subject (licence, request, station, authority…) numbered once per evaluation.
type Sid = u32;

/// The licence type number of a subject that is not a licence.
const NOT_LICENCE: u32 = u32::MAX;

/// Event kinds that end a licence's obligations.
const END_KINDS: [&str; 3] = ["licence-revoked", "licence-expires", "licence-ended"];

/// Subject names numbered in the order met. The names are copied into one buffer, the
/// table holds half of each name's hash beside its number, and a lookup compares a
/// 16-byte key of the name (`key`) rather than reading the facts, which a million
/// records spread over far more memory than the processor's caches hold.
#[derive(Default)]
struct Interner {
    /// Open addressing: (the hash's high half, number + 1), 0 for an empty slot; a
    /// power of two long. The high half places a name, so growing needs no rehash.
    slots: Vec<(u32, Sid)>,
    /// Every name's bytes, one after another, and where each name ends.
    bytes: Vec<u8>,
    ends: Vec<u32>,
    /// Every name's `key`, by number.
    keys: Vec<u128>,
}

impl Interner {
    fn hash_bytes(name: &[u8]) -> u64 {
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
    fn key(name: &[u8]) -> u128 {
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
    fn short(key: u128) -> Option<Text> {
        let bytes = key.to_be_bytes();
        let len = usize::from(bytes[15]);
        let name = bytes.get(..len).filter(|_| len <= 15)?;
        std::str::from_utf8(name).ok().map(Text::from)
    }

    fn name(&self, s: Sid) -> &[u8] {
        let start = if s == 0 { 0 } else { self.ends[s as usize - 1] };
        &self.bytes[start as usize..self.ends[s as usize] as usize]
    }

    /// The slot of `name` (with its `hash` and `key`): where it is, or the empty slot
    /// where it would go.
    fn slot(&self, name: &[u8], hash: u64, key: u128) -> usize {
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

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn str(&self, s: Sid) -> &str {
        // The bytes of each name were copied from a `str`, whole.
        std::str::from_utf8(self.name(s)).unwrap_or_default()
    }

    /// Reads the slots of the names of `hashes`: a batch of loads the processor
    /// overlaps, so the lookups that follow find the slots in cache.
    fn touch(&self, hashes: &[u64]) {
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
    fn by_tag(&self, hash: u64) -> Option<Sid> {
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
    fn is(&self, s: Sid, name: &[u8], key: u128) -> bool {
        self.keys[s as usize] == key && (name.len() <= 15 || self.name(s) == name)
    }

    /// The number of `name`, numbering it if it is new.
    fn intern(&mut self, name: &str) -> Sid {
        let name = name.as_bytes();
        self.intern_keyed(name, Self::hash_bytes(name), Self::key(name))
    }

    /// `intern` of a name whose hash and key are known.
    fn intern_keyed(&mut self, name: &[u8], hash: u64, key: u128) -> Sid {
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

    fn grow(&mut self) {
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
struct Ev<'f> {
    date: Date,
    negative: bool,
    e: &'f Event,
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
struct Index<'f> {
    /// Subject names by number; a duty that walks subjects in number order makes its
    /// gaps sorted. (Fresh copies, made in that order: the gaps of a duty share them
    /// from one compact stretch of memory.)
    names: Vec<Text>,
    /// Subject numbers in the order met, renumbered.
    rank: Vec<Sid>,
    /// The event kinds the pack's duties read, numbered.
    kinds: FastMap<String, u32>,
    /// The number of `EXTENSION_KIND`, looked up once (every deadline trigger reads it).
    extension: Option<u32>,
    /// The events by subject, kind, date and id, with their kind numbers.
    events: Vec<Ev<'f>>,
    event_kinds: Vec<u32>,
    /// Where each subject's events start in `events` (one more entry than subjects).
    subject_start: Vec<u32>,
    /// The subjects with events of each kind, with the range of their events.
    subjects: Vec<Vec<(Sid, u32, u32)>>,
    licences: Vec<Option<&'f LicenceFact>>,
    /// What duties read of a licence, by subject: its type (numbered in
    /// `licence_types`; `NOT_LICENCE` for other subjects) and its holder (one copy per
    /// holder name).
    licence_kind: Vec<u32>,
    holders: Vec<Option<Text>>,
    licence_types: Vec<String>,
    /// The subjects that are licences, in name order.
    licence_order: Vec<Sid>,
    /// The subject of each measurement (`NOT_NUMBERED` for a retracted one).
    measurement_subjects: Vec<Sid>,
}

/// The subject number of a fact the index left out.
const NOT_NUMBERED: Sid = Sid::MAX;

/// Sorts by subject number, keeping the order of equal subjects: a least significant
/// digit radix sort, each pass writing to at most 2048 places at once, where sorting a
/// million events by comparison or scattering them one by one would reach into memory
/// at random.
fn radix_sort_by_subject<T: Copy>(
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
fn sort_each_subject(
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
    fn build(pack: &Pack, facts: &'f Facts, implied: &'f [Event], threads: usize) -> Index<'f> {
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
    fn room(&self, duty: &Duty) -> usize {
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

    fn kind(&self, kind: &str) -> Option<u32> {
        self.kinds.get(kind).copied()
    }

    fn licence(&self, s: Sid) -> Option<&'f LicenceFact> {
        self.licences.get(s as usize).copied().flatten()
    }

    /// Events of one kind about one subject, oldest first.
    fn events(&self, kind: Option<u32>, s: Sid) -> &[Ev<'f>] {
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
    fn subjects(&self, kind: Option<u32>) -> impl Iterator<Item = (Sid, &[Ev<'f>])> {
        kind.map_or(&[][..], |k| &self.subjects[k as usize])
            .iter()
            .map(|&(s, a, b)| (s, &self.events[a as usize..b as usize]))
    }

    /// Events of any of `kinds` about a subject, oldest first.
    fn events_of(&self, kinds: &[u32], s: Sid) -> Cow<'_, [Ev<'f>]> {
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
fn licence_events(facts: &Facts) -> Vec<Event> {
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
    }
    out
}

/// How an evaluation runs; what it finds is the same whatever they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Threads to use, the calling one among them; `None`: one below 20,000 facts,
    /// else as many as the machine has cores, up to four.
    pub threads: Option<usize>,
}

/// Evaluates every duty of `pack` against `facts` as of `as_of`.
pub fn evaluate(pack: &Pack, facts: &Facts, as_of: Date) -> Evaluation {
    evaluate_with(pack, facts, as_of, Options::default())
}

/// Below this many records an evaluation takes a few milliseconds, and starting
/// threads repays little.
const PARALLEL_FROM: usize = 20_000;
const MAX_THREADS: usize = 4;

/// `evaluate`, with `options`.
pub fn evaluate_with(pack: &Pack, facts: &Facts, as_of: Date, options: Options) -> Evaluation {
    let records = facts.events.len() + facts.measurements.len() + facts.licences.len();
    let threads = options.threads.unwrap_or_else(|| {
        if records < PARALLEL_FROM {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
        }
    });
    let implied = licence_events(facts);
    let index = Index::build(pack, facts, &implied, threads);
    let index = &index;
    // Each thread takes the next task not taken: a duty, or the limit duties that read
    // one standard's measurements (one thread then averages them once). A duty's gaps
    // are one part of the result, put back in pack order at the end.
    let mut tasks: Vec<Vec<usize>> = Vec::with_capacity(pack.duties.len());
    let mut by_standard: HashMap<&str, usize> = HashMap::new();
    for (at, duty) in pack.duties.iter().enumerate() {
        let standard = match duty.rule() {
            Some(Rule::Limit { standard, .. }) => Some(standard),
            _ => None,
        };
        match standard {
            Some(standard) => match by_standard.get(standard) {
                Some(&task) => tasks[task].push(at),
                None => {
                    by_standard.insert(standard, tasks.len());
                    tasks.push(vec![at]);
                }
            },
            None => tasks.push(vec![at]),
        }
    }
    let next = AtomicUsize::new(0);
    let run = || {
        let ctx = Ctx {
            pack,
            index,
            as_of,
            due_cache: Default::default(),
            aggregates: Default::default(),
        };
        let mut done = Vec::new();
        let task = || tasks.get(next.fetch_add(1, Ordering::Relaxed));
        for at in std::iter::from_fn(task).flatten().copied() {
            let duty = &pack.duties[at];
            let mut diagnostics = Vec::new();
            let mut d = DutyRun {
                duty,
                id: Text::from(duty.id.as_str()),
                bearer: Text::from(duty.bearer.as_str()),
                actions: duty.action.iter().filter_map(|k| index.kind(k)).collect(),
                licence_type: duty.licence_type.as_ref().map(|t| {
                    let types = &index.licence_types;
                    types
                        .iter()
                        .position(|x| x == t)
                        .map_or(NOT_LICENCE, |k| k as u32)
                }),
                whys: FastMap::default(),
                buf: String::new(),
                gaps: Vec::with_capacity(index.room(duty)),
            };
            // A checked pack's duties all have a rule (`check_duty`); one built by
            // hand without its fields makes no gaps.
            match duty.rule() {
                Some(Rule::Deadline { trigger, due }) => {
                    ctx.deadline(&mut d, trigger, due, &mut diagnostics)
                }
                Some(Rule::Precondition { before }) => ctx.precondition(&mut d, before),
                Some(Rule::Periodic { from, every }) => ctx.periodic(&mut d, from, every),
                Some(Rule::Limit {
                    standard,
                    multiple,
                    respond,
                }) => ctx.limit(&mut d, facts, standard, multiple, respond),
                Some(Rule::Threshold {
                    finding,
                    count,
                    window_days,
                    consequence,
                    respond,
                }) => ctx.threshold(&mut d, finding, count, window_days, consequence, respond),
                Some(Rule::Spatial { zone }) => ctx.spatial(&mut d, facts, zone),
                None => {}
            }
            done.push((at, d.gaps, diagnostics));
        }
        done
    };
    let mut parts = std::thread::scope(|scope| {
        // Threads the system will not start leave their duties to the others.
        let others: Vec<_> = (1..threads).filter_map(|_| spawn(scope, run)).collect();
        let mut parts = run();
        for other in others {
            parts.extend(join(other));
        }
        parts
    });
    parts.sort_unstable_by_key(|p| p.0);
    let mut eval = Evaluation {
        as_of: Some(as_of),
        ..Evaluation::default()
    };
    for (_, gaps, diagnostics) in parts {
        eval.gaps.push_part(gaps);
        eval.diagnostics.extend(diagnostics);
    }
    eval
}

/// `work` on a new thread of `scope`, or `None` if the system will not start one.
fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
    std::thread::Builder::new().spawn_scoped(scope, work).ok()
}

/// What a thread made. A panic in it is a bug, and reaches the caller as it would
/// have on one thread.
fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Due dates (with their derivation) by start date and count.
type DueCache = FastMap<(Date, DayCount), Arc<DueDate>>;

struct Ctx<'a, 'f> {
    pack: &'a Pack,
    index: &'a Index<'f>,
    as_of: Date,
    /// Due dates already computed: many facts share a start date.
    due_cache: std::cell::RefCell<DueCache>,
    /// Measurements aggregated per standard.
    aggregates: std::cell::RefCell<HashMap<String, Rc<Aggregates<'f>>>>,
}

/// One duty being evaluated: what every gap of it shares, and the gaps.
struct DutyRun<'d> {
    duty: &'d Duty,
    id: Text,
    bearer: Text,
    /// The action kinds, numbered.
    actions: Vec<u32>,
    /// The licence type the duty is limited to, numbered (`NOT_LICENCE` for a type no
    /// licence has).
    licence_type: Option<u32>,
    /// Derivations already made, by date.
    whys: FastMap<Date, Arc<Why>>,
    /// Where texts are written before they become a `Text` (one allocation, not two).
    buf: String,
    gaps: Vec<Gap>,
}

impl DutyRun<'_> {
    /// A formatted text, made through the reused buffer.
    fn fmt(&mut self, args: fmt::Arguments) -> Text {
        use fmt::Write as _;
        self.buf.clear();
        // Writing to a String cannot fail.
        let _ = self.buf.write_fmt(args);
        Text::from(self.buf.as_str())
    }

    fn why(&mut self, date: Date, make: impl FnOnce() -> Why) -> Arc<Why> {
        self.whys
            .entry(date)
            .or_insert_with(|| Arc::new(make()))
            .clone()
    }
}

/// What a status decision found.
struct Finding {
    status: Status,
    due: Option<Date>,
    why: Option<Arc<Why>>,
    evidence: Vec<Text>,
    trigger: Option<Text>,
}

/// The evidence of a gap: the fact that made it owed, and the one that decided it.
fn evidence(first: &Text, decided: Option<Ev>) -> Vec<Text> {
    let mut v = Vec::with_capacity(2);
    v.push(first.clone());
    v.extend(decided.map(|e| e.id.clone()));
    v
}

impl<'f> Ctx<'_, 'f> {
    /// Whether a duty applies to a subject: a licence duty needs a licence (of the
    /// duty's licence type, if it names one).
    fn applies(&self, d: &DutyRun, s: Sid) -> bool {
        if d.duty.subject != "licence" {
            return true;
        }
        match self.index.licence_kind.get(s as usize) {
            Some(&NOT_LICENCE) | None => false,
            Some(&k) => d.licence_type.is_none_or(|t| t == k),
        }
    }

    fn bearer(&self, d: &DutyRun, s: Sid, trigger: Option<Ev>) -> Text {
        let to = || trigger.and_then(|t| t.to.clone());
        match d.duty.bearer.as_str() {
            "licence-holder" => self.index.holders[s as usize]
                .clone()
                .unwrap_or_else(|| self.index.names[s as usize].clone()),
            "addressee" => to().unwrap_or_else(|| d.bearer.clone()),
            authority => self
                .index
                .licence(s)
                .and_then(|l| l.authorities.get(authority).cloned())
                .or_else(to)
                .unwrap_or_else(|| d.bearer.clone()),
        }
    }

    /// The due date `count` after `start`, with its derivation.
    fn due(&self, start: Date, count: DayCount) -> Arc<DueDate> {
        if let Some(d) = self.due_cache.borrow().get(&(start, count)) {
            return Arc::clone(d);
        }
        let due = Arc::new(self.compute_due(start, count));
        self.due_cache
            .borrow_mut()
            .insert((start, count), Arc::clone(&due));
        due
    }

    fn compute_due(&self, start: Date, count: DayCount) -> DueDate {
        match self.pack.calendar() {
            Some(c) => c.due_date(start, count, self.pack.non_working_due()),
            None => crate::calendar::Calendar::new(vec![], [], 0, 0).due_date(
                start,
                count,
                crate::calendar::NonWorkingDue::Keep,
            ),
        }
    }

    /// Status from the performing events after a trigger and a due date, and the
    /// event that decided it.
    fn decide<'e>(
        &self,
        duty: &Duty,
        due: Date,
        actions: impl Iterator<Item = Ev<'e>> + Clone,
    ) -> (Status, Option<Ev<'e>>) {
        if let Some(a) = actions.clone().find(|a| !a.negative) {
            let status = if a.date <= due {
                Status::Met
            } else {
                Status::MetLate
            };
            return (status, Some(a));
        }
        if let Some(n) = actions.into_iter().find(|a| a.negative) {
            return (Status::Breached, Some(n));
        }
        if self.as_of <= due {
            return (Status::Pending, None);
        }
        match duty.silence {
            Silence::Overdue => (Status::Overdue, None),
            Silence::Unverified => (Status::Unverified, None),
        }
    }

    fn push(&self, d: &mut DutyRun, s: Sid, trigger: Option<Ev>, f: Finding) {
        let bearer = self.bearer(d, s, trigger);
        d.gaps.push(Gap {
            duty: d.id.clone(),
            kind: d.duty.kind,
            status: f.status,
            bearer,
            subject: self.index.names[s as usize].clone(),
            trigger: f.trigger,
            due: f.due,
            why: f.why,
            evidence: f.evidence,
            confidence: d.duty.confidence,
        });
    }

    fn deadline(
        &self,
        d: &mut DutyRun,
        trigger: &str,
        due: Due,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let kind = self.index.kind(trigger);
        // Which of a subject's actions have performed a trigger already.
        let mut used: Vec<bool> = Vec::new();
        for (s, triggers) in self.index.subjects(kind) {
            if !self.applies(d, s) {
                continue;
            }
            // Triggers oldest first; an action performs one trigger only (one payment
            // does not settle two instalments).
            let actions = self.index.events_of(&d.actions, s);
            used.clear();
            used.resize(actions.len(), false);
            for t in triggers {
                self.one_deadline(d, due, s, *t, &actions, &mut used, diagnostics);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn one_deadline<'e>(
        &self,
        d: &mut DutyRun,
        rule_due: Due,
        s: Sid,
        t: Ev<'f>,
        actions: &[Ev<'e>],
        used: &mut [bool],
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let duty = d.duty;
        let (due, derivation, window_start) = if let Due::MonthsBefore(m) = rule_due {
            let due = t.date.checked_sub(i64::from(m).months()).unwrap_or(t.date);
            let why = d.why(t.date, || Why::MonthsBefore {
                from: t.date,
                months: m,
                due,
            });
            (due, why, None)
        } else {
            let count = match rule_due {
                Due::After(count) => count,
                Due::MonthsBefore(_) => unreachable!("handled above"),
            };
            let cached = self.due(t.date, count);
            if cached.derivation.outside_calendar {
                diagnostics.push(Diagnostic {
                    duty: Some(duty.id.clone()),
                    fact: Some(t.id.to_string()),
                    message: format!(
                        "the due date of {} reaches a year without a holiday table: holidays may be missed",
                        t.id
                    ),
                });
            }
            // Extensions granted after the trigger (and known by `as_of`), oldest first.
            let mut due = cached.date;
            let mut extended = Vec::new();
            let extensions = self.index.events(self.index.extension, s);
            for x in extensions
                .iter()
                .filter(|x| x.date >= t.date && x.date <= self.as_of)
            {
                let Some(days) = x.days else { continue };
                let more = match count {
                    DayCount::Working(_) => DayCount::Working(days),
                    DayCount::Calendar(_) => DayCount::Calendar(days),
                };
                due = self.due(due, more).date;
                extended.push(Extension {
                    on: x.date,
                    by: more,
                    to: due,
                });
            }
            let why = if extended.is_empty() {
                d.why(t.date, || Why::Deadline {
                    due: cached,
                    extensions: Vec::new(),
                })
            } else {
                Arc::new(Why::Deadline {
                    due: cached,
                    extensions: extended,
                })
            };
            (due, why, Some(t.date))
        };
        let open = actions
            .iter()
            .zip(used.iter())
            .filter(|(_, used)| !**used)
            .map(|(a, _)| *a)
            .filter(|a| match window_start {
                _ if duty.count_earlier => true,
                Some(start) => a.date >= start,
                None => a.date <= t.date,
            });
        let (status, decided) = self.decide(duty, due, open);
        if matches!(status, Status::Met | Status::MetLate)
            && let Some(a) = decided
            && let Some(i) = actions.iter().position(|x| std::ptr::eq(x.e, a.e))
        {
            used[i] = true;
        }
        self.push(
            d,
            s,
            Some(t),
            Finding {
                status,
                due: Some(due),
                why: Some(derivation),
                evidence: evidence(&t.id, decided),
                trigger: Some(t.id.clone()),
            },
        );
    }

    fn precondition(&self, d: &mut DutyRun, before_kind: &str) {
        let duty = d.duty;
        let kind = self.index.kind(before_kind);
        for (s, events) in self.index.subjects(kind) {
            if !self.applies(d, s) {
                continue;
            }
            // Only the first such event of a subject needs the precondition.
            let b = events[0];
            let actions = self.index.events_of(&d.actions, s);
            let done_before = actions.iter().find(|a| !a.negative && a.date <= b.date);
            let negative = actions.iter().find(|a| a.negative);
            let late = actions.iter().find(|a| !a.negative && a.date > b.date);
            let (status, decided) = match (done_before, negative, late) {
                (Some(a), _, _) => (Status::Met, Some(*a)),
                (None, Some(n), _) => (Status::Breached, Some(*n)),
                (None, None, Some(a)) => (Status::Breached, Some(*a)),
                (None, None, None) => match duty.silence {
                    Silence::Overdue => (Status::Breached, None),
                    Silence::Unverified => (Status::Unverified, None),
                },
            };
            let derivation = d.why(b.date, || Why::Before {
                event: before_kind.into(),
                date: b.date,
            });
            self.push(
                d,
                s,
                Some(b),
                Finding {
                    status,
                    due: Some(b.date),
                    why: Some(derivation),
                    evidence: evidence(&b.id, decided),
                    trigger: Some(b.id.clone()),
                },
            );
        }
    }

    fn periodic(&self, d: &mut DutyRun, from_kind: &str, every: Every) {
        let duty = d.duty;
        let kind = self.index.kind(from_kind);
        let ends: Vec<Option<u32>> = END_KINDS.iter().map(|k| self.index.kind(k)).collect();
        // An action belongs to the period whose due date it is nearest after half a
        // period: a report a few days after 1 November is that year's, late; one
        // months later is next year's, early.
        let half = match every {
            Every::Year { .. } => 182,
            Every::Days(days) => i64::from(days.max(2) / 2),
        };
        let shift = |d: Date| d.checked_add(half.days()).unwrap_or(Date::MAX);
        for (s, events) in self.index.subjects(kind) {
            if !self.applies(d, s) {
                continue;
            }
            let start = events[0];
            // The obligation ends when the licence does.
            let end = ends
                .iter()
                .flat_map(|k| self.index.events(*k, s).first())
                .map(|e| e.date)
                .min();
            let dues = period_dues(every, start.date, self.as_of, end);
            let actions = self.index.events_of(&d.actions, s);
            let derivation = d.why(start.date, || match every {
                Every::Year { by } => Why::EveryYear {
                    by: by.into(),
                    since: start.date,
                },
                Every::Days(days) => Why::EveryDays {
                    days,
                    since: start.date,
                },
            });
            for (i, (window_start, due)) in dues.iter().enumerate() {
                let opens = if i == 0 {
                    *window_start
                } else {
                    shift(*window_start)
                };
                let closes = shift(*due);
                let in_window = actions
                    .iter()
                    .copied()
                    .filter(|a| a.date > opens && a.date <= closes);
                let (status, decided) = self.decide(duty, *due, in_window);
                let trigger = d.fmt(format_args!("{}@{due}", start.id));
                self.push(
                    d,
                    s,
                    Some(start),
                    Finding {
                        status,
                        due: Some(*due),
                        why: Some(derivation.clone()),
                        evidence: evidence(&start.id, decided),
                        trigger: Some(trigger),
                    },
                );
            }
        }
    }

    fn limit(
        &self,
        d: &mut DutyRun,
        facts: &'f Facts,
        standard: &str,
        multiple: f64,
        respond: DayCount,
    ) {
        let duty = d.duty;
        // A checked pack's limit duties name a standard it has.
        let Some(standard) = self.pack.standard(standard) else {
            return;
        };
        // Several duties read one standard (an inspection owed, a public warning).
        let aggregates = Rc::clone(
            self.aggregates
                .borrow_mut()
                .entry(standard.id.clone())
                .or_insert_with(|| Rc::new(aggregate(self.index, standard, &facts.measurements))),
        );
        let minimum = standard.direction.as_deref() == Some("min");
        let bound = standard.limit * multiple;
        let exceeds = |v: f64| if minimum { v <= bound } else { v > bound };
        let limit = Arc::new(Limit {
            minimum,
            value: standard.limit,
            unit: standard.unit.clone(),
            averaging: standard.averaging.clone(),
            multiple,
        });
        let (mut touched, mut at) = (0, 0);
        for values in aggregates.values.chunk_by(|a, b| a.subject == b.subject) {
            // The ids of values a little further on are read now, so the copies taken
            // of them later find them in cache.
            at += values.len();
            let ahead = (at + 64).min(aggregates.values.len()).max(touched);
            aggregates.touch(touched..ahead);
            touched = ahead;
            let s = values[0].subject;
            if !self.applies(d, s) && duty.subject == "licence" {
                continue;
            }
            let mut exceeded = values.iter().filter(|v| exceeds(v.value)).peekable();
            if exceeded.peek().is_none() {
                let derivation = Arc::new(Why::WithinLimit {
                    values: values.len(),
                    limit: Arc::clone(&limit),
                });
                self.push(
                    d,
                    s,
                    None,
                    Finding {
                        status: Status::Met,
                        due: None,
                        why: Some(derivation),
                        evidence: values.iter().flat_map(|v| aggregates.ids(v)).collect(),
                        trigger: None,
                    },
                );
                continue;
            }
            let actions = self.index.events_of(&d.actions, s);
            for v in exceeded {
                // One value's id is shared, several are joined.
                let trigger = Some(match aggregates.members(v) {
                    [one] => one.id.clone(),
                    several => {
                        let ids: Vec<&str> = several.iter().map(|m| &*m.id).collect();
                        Text::from(ids.join("+"))
                    }
                });
                if duty.action.is_empty() {
                    let text = Arc::new(Why::OverLimit {
                        value: v.value,
                        date: v.date,
                        limit: Arc::clone(&limit),
                        then: None,
                    });
                    self.push(
                        d,
                        s,
                        None,
                        Finding {
                            status: Status::Breached,
                            due: Some(v.date),
                            why: Some(text),
                            evidence: aggregates.ids(v).collect(),
                            trigger,
                        },
                    );
                } else {
                    let cached = self.due(v.date, respond);
                    let due = &cached;
                    let after = actions.iter().copied().filter(|a| a.date >= v.date);
                    let (status, decided) = self.decide(duty, due.date, after);
                    let mut ids = Vec::with_capacity(v.members.len() + 1);
                    ids.extend(aggregates.ids(v));
                    ids.extend(decided.map(|e| e.id.clone()));
                    let derivation = Arc::new(Why::OverLimit {
                        value: v.value,
                        date: v.date,
                        limit: Arc::clone(&limit),
                        then: Some(Arc::clone(&cached)),
                    });
                    self.push(
                        d,
                        s,
                        None,
                        Finding {
                            status,
                            due: Some(due.date),
                            why: Some(derivation),
                            evidence: ids,
                            trigger,
                        },
                    );
                }
            }
        }
    }

    fn threshold(
        &self,
        d: &mut DutyRun,
        finding: &str,
        count: u32,
        window: u32,
        consequence: &str,
        respond: DayCount,
    ) {
        let duty = d.duty;
        let count = count.max(1) as usize;
        let (finding_kind, consequence_kind) =
            (self.index.kind(finding), self.index.kind(consequence));
        for (s, events) in self.index.subjects(finding_kind) {
            if !self.applies(d, s) {
                continue;
            }
            let findings: Vec<Ev> = events.iter().copied().filter(|e| !e.negative).collect();
            let Some(i) = first_cluster(&findings, |e| e.date, count, window) else {
                continue;
            };
            let t = findings[i];
            let cached = self.due(t.date, respond);
            let due = &cached;
            let first = findings[i + 1 - count].date;
            let actions = self
                .index
                .events(consequence_kind, s)
                .iter()
                .copied()
                .filter(|a| a.date >= first);
            let (status, decided) = self.decide(duty, due.date, actions);
            let mut ids: Vec<Text> = findings[i + 1 - count..=i]
                .iter()
                .map(|e| e.id.clone())
                .collect();
            ids.extend(decided.map(|e| e.id.clone()));
            self.push(
                d,
                s,
                Some(t),
                Finding {
                    status,
                    due: Some(due.date),
                    why: Some(Arc::new(Why::Repeated {
                        count: count as u32,
                        finding: finding.into(),
                        window,
                        first,
                        last: t.date,
                        then: Arc::clone(&cached),
                    })),
                    evidence: ids,
                    trigger: Some(t.id.clone()),
                },
            );
        }
    }

    fn spatial(&self, d: &mut DutyRun, facts: &'f Facts, zone: &str) {
        let mut checks: FastMap<&str, Vec<&ZoneCheck>> = FastMap::default();
        for c in facts
            .zones
            .iter()
            .filter(|c| !c.retracted && c.zone == zone)
        {
            checks.entry(&c.licence).or_default().push(c);
        }
        for &s in &self.index.licence_order {
            if !self.applies(d, s) {
                continue;
            }
            let found = checks
                .get(&*self.index.names[s as usize])
                .map_or(&[][..], Vec::as_slice);
            let overlap = found.iter().find(|c| c.overlaps);
            let (status, evidence) = match (overlap, found.first()) {
                (Some(c), _) => (Status::Breached, vec![c.id.clone()]),
                (None, Some(_)) => (Status::Met, found.iter().map(|c| c.id.clone()).collect()),
                (None, None) => (Status::Unverified, vec![]),
            };
            self.push(
                d,
                s,
                None,
                Finding {
                    status,
                    due: None,
                    why: None,
                    evidence,
                    trigger: overlap.map(|c| c.id.clone()),
                },
            );
        }
    }
}

/// The due dates of a periodic duty from `start` up to the first one after `as_of`,
/// each with the start of its window: `(window_start, due)`.
fn period_dues(every: Every, start: Date, as_of: Date, end: Option<Date>) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    let mut window_start = start;
    match every {
        Every::Year { by } => {
            let Some((m, d)) = Some(by)
                .and_then(|s| s.split_once('-'))
                .and_then(|(m, d)| Some((m.parse::<i8>().ok()?, d.parse::<i8>().ok()?)))
            else {
                return out;
            };
            let mut year = start.year();
            loop {
                let Ok(due) = Date::new(year, m, d) else {
                    break;
                };
                year += 1;
                if due <= start {
                    continue;
                }
                if end.is_some_and(|e| due > e) {
                    break;
                }
                out.push((window_start, due));
                window_start = due;
                if due > as_of || out.len() > 200 {
                    break;
                }
            }
        }
        Every::Days(days) => {
            let step = i64::from(days.max(1));
            let mut due = start;
            loop {
                due = due.checked_add(step.days()).unwrap_or(Date::MAX);
                if end.is_some_and(|e| due > e) || due == Date::MAX {
                    break;
                }
                out.push((window_start, due));
                window_start = due;
                if due > as_of || out.len() > 10_000 {
                    break;
                }
            }
        }
    }
    out
}

/// A value compared with a standard: one measurement, or the mean of finer ones.
struct Aggregate {
    subject: Sid,
    date: Date,
    value: f64,
    /// The measurements behind the value (a range of `Aggregates::members`).
    members: std::ops::Range<usize>,
}

/// The values of one standard's parameter, and the measurements behind them.
struct Aggregates<'f> {
    values: Vec<Aggregate>,
    members: Vec<&'f Measurement>,
}

impl<'f> Aggregates<'f> {
    fn members(&self, v: &Aggregate) -> &[&'f Measurement] {
        &self.members[v.members.clone()]
    }

    fn ids(&self, v: &Aggregate) -> impl Iterator<Item = Text> + '_ {
        self.members(v).iter().map(|m| m.id.clone())
    }

    /// Reads the ids of the measurements behind `values`: a batch of loads the
    /// processor overlaps, so copies taken of them later find them in cache.
    fn touch(&self, values: std::ops::Range<usize>) {
        let mut x = 0u8;
        for v in &self.values[values] {
            for m in self.members(v) {
                x ^= m.id.as_bytes().first().copied().unwrap_or(0);
            }
        }
        std::hint::black_box(x);
    }
}

/// Measurements of a standard's parameter, averaged to the standard's period where
/// they are finer (hourly values to daily means, any to annual means); by subject
/// (in name order), then as given, then the means by date.
fn aggregate<'f>(
    index: &Index,
    standard: &Standard,
    measurements: &'f [Measurement],
) -> Aggregates<'f> {
    let finer = |a: &str| crate::stats::is_finer(&standard.averaging, a);
    // (subject, whether it joins a mean, the mean's period, position): sorted, these
    // put a subject's values as given first, then each period's values together.
    let mut rows: Vec<(Sid, u32, (bool, Date))> = Vec::with_capacity(measurements.len());
    for (i, (m, &s)) in measurements
        .iter()
        .zip(&index.measurement_subjects)
        .enumerate()
    {
        if s == NOT_NUMBERED || m.parameter != standard.parameter {
            continue;
        }
        let s = index.rank[s as usize];
        if m.averaging == standard.averaging {
            rows.push((s, i as u32, (false, Date::MIN)));
        } else if finer(&m.averaging) {
            let period = crate::stats::period(&standard.averaging, m.date);
            rows.push((s, i as u32, (true, period)));
        }
    }
    // By subject (radix, keeping the order given), then within a subject.
    let mut rows = radix_sort_by_subject(rows, index.names.len());
    for subject in rows.chunk_by_mut(|a, b| a.0 == b.0) {
        subject.sort_unstable_by_key(|&(_, i, (mean, period))| (mean, period, i));
    }
    let members: Vec<&'f Measurement> = rows.iter().map(|r| &measurements[r.1 as usize]).collect();
    let mut values = Vec::with_capacity(rows.len());
    let mut at = 0;
    for group in rows.chunk_by(|a, b| a.2.0 && b.2.0 && (a.0, a.2.1) == (b.0, b.2.1)) {
        let range = at..at + group.len();
        at = range.end;
        let (subject, _, (mean, period)) = group[0];
        let value = match mean {
            true => crate::stats::mean(members[range.clone()].iter().map(|m| m.value))
                .unwrap_or_default(),
            false => members[range.start].value,
        };
        values.push(Aggregate {
            subject,
            date: if mean {
                period
            } else {
                members[range.start].date
            },
            value,
            members: range,
        });
    }
    Aggregates { values, members }
}

/// What a gap means: its parts, with its records named.
fn explain(duty: &Duty, f: &Gap, name: &dyn Fn(&str) -> Option<String>) -> Explanation {
    let named = |id: &str| name(id).unwrap_or_else(|| id.to_owned());
    Explanation {
        title: Localized {
            mn: Some(duty.title.mn.clone().unwrap_or_else(|| duty.id.clone())),
            en: Some(duty.title.en.clone().unwrap_or_else(|| duty.id.clone())),
        },
        status: f.status,
        bearer: named(&f.bearer),
        subject: named(&f.subject),
        due: f.due,
        why: f.why.clone(),
        evidence: f.evidence.iter().filter_map(|e| name(e)).collect(),
    }
}

/// The first time `count` of the dated findings (oldest first) fall within `window_days`
/// of each other: the index of the finding that completes the cluster. This is the
/// threshold duties' rule (e.g. three violations within two years).
pub fn first_cluster<T>(
    findings: &[T],
    date: impl Fn(&T) -> Date,
    count: usize,
    window_days: u32,
) -> Option<usize> {
    let count = count.max(1);
    (count - 1..findings.len()).find(|&i| {
        let first = date(&findings[i + 1 - count]);
        date(&findings[i])
            <= first
                .checked_add(i64::from(window_days).days())
                .unwrap_or(Date::MAX)
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_interner_numbers_each_name_once_and_tells_names_apart() {
        let mut i = Interner::default();
        // Enough names to grow the table several times, sharing long beginnings.
        let names: Vec<String> = (0..5000)
            .map(|n| format!("лицензийн-дугаар-{}", n % 2500))
            .collect();
        let sids: Vec<Sid> = names.iter().map(|n| i.intern(n)).collect();
        assert_eq!(i.len(), 2500);
        for (n, s) in names.iter().zip(&sids) {
            assert_eq!(i.str(*s), n);
            assert_eq!(i.intern(n), *s, "the same name, the same number");
        }
        let (a, a0, empty) = (i.intern("a"), i.intern("a\0"), i.intern(""));
        assert_ne!(a, a0);
        assert_eq!((i.str(a0), i.str(empty)), ("a\0", ""));
        // Names around the fifteen bytes a key holds whole, and longer ones that share
        // those fifteen bytes.
        let near = [
            "fifteen-bytes-1",
            "fifteen-bytes-1\0",
            "fifteen-bytes-12",
            "fifteen-bytes-13",
            "fifteen-bytes-123",
            "fifteen-bytes-",
        ];
        let sids: Vec<Sid> = near.iter().map(|n| i.intern(n)).collect();
        for (n, s) in near.iter().zip(&sids) {
            assert_eq!(i.intern(n), *s);
            assert_eq!(i.str(*s), *n);
            // A key gives back a name of up to fifteen bytes whole, and no other.
            let short = Interner::short(i.keys[*s as usize]);
            assert_eq!(short.as_deref(), (n.len() <= 15).then_some(*n));
        }
        // A slot's tag only suggests a name: another name with the same tag (a hash
        // that agrees in its high half) is not taken for it.
        let lic = i.intern("lic-1");
        let same_tag = Interner::hash_bytes(b"lic-1");
        assert_eq!(i.by_tag(same_tag), Some(lic));
        for other in ["lic-2", "lic-1 ", "fifteen-bytes-12", "fifteen-bytes-123"] {
            let key = Interner::key(other.as_bytes());
            assert!(!i.is(lic, other.as_bytes(), key), "{other}");
        }
        let long = i.intern("fifteen-bytes-12");
        assert!(i.is(
            long,
            b"fifteen-bytes-12",
            Interner::key(b"fifteen-bytes-12")
        ));
        assert!(!i.is(
            long,
            b"fifteen-bytes-13",
            Interner::key(b"fifteen-bytes-13")
        ));
        assert_eq!(i.by_tag(Interner::hash_bytes(b"never-interned")), None);
        let mut distinct = sids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), near.len());
    }

    #[test]
    fn the_radix_sort_orders_by_subject_and_keeps_the_order_of_equal_subjects() {
        // One subject, one pass of few bits, two passes, three passes of eight bits;
        // the second field counts the input.
        for subjects in [1u32, 2, 300, 2049, 200_000, 1 << 23] {
            let input: Vec<(Sid, u32, ())> = (0..20_000u32)
                .map(|n| ((n.wrapping_mul(2_654_435_761) >> 9) % subjects, n, ()))
                .collect();
            let sorted = radix_sort_by_subject(input.clone(), subjects as usize);
            let mut expected = input;
            expected.sort_by_key(|x| x.0);
            assert!(sorted == expected, "{subjects} subjects");
        }
    }

    /// Gaps come out by subject name in byte order, whatever the names share or
    /// whichever order the facts give them in.
    #[test]
    fn gaps_follow_subject_names_in_byte_order() {
        let pack = Pack::mongolian().expect("the built-in pack is valid");
        let names = [
            "лиценз-0001-ачааны-зам-b",
            "лиценз-0001-ачааны-зам-a",
            "lic-a",
            "lic-a\u{0}",
            "lic",
            "лиценз-0001",
            "Zaamar-licence-with-a-long-shared-beginning-2",
            "Zaamar-licence-with-a-long-shared-beginning-10",
        ];
        let facts = Facts {
            licences: names
                .iter()
                .map(|n| LicenceFact {
                    id: Text::from(*n),
                    number: None,
                    licence_type: "mining".into(),
                    holder: None,
                    granted: Some(date(2020, 1, 1)),
                    expires: None,
                    authorities: Default::default(),
                })
                .collect(),
            ..Facts::default()
        };
        let eval = evaluate(&pack, &facts, date(2025, 6, 1));
        let mut sorted: Vec<&str> = names.to_vec();
        sorted.sort_unstable();
        let duty = &eval.gaps[0].duty;
        let got: Vec<&str> = eval
            .gaps
            .iter()
            .filter(|g| &g.duty == duty)
            .map(|g| &*g.subject)
            .collect();
        assert_eq!(got, sorted);
    }
}
