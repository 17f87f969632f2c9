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
//! of order, or a limit was exceeded), `met`, `met_late`, `unverified` (nothing is
//! recorded either way: we do not know, and say so), and `not_owed` (what would make
//! the duty owed did not happen: a limit a warning waits on was never reached).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::explain::{Explanation, Extension, Limit, Why};
use crate::law::calendar::{DayCount, DueDate};
use crate::law::pack::{Due, Duty, DutyKind, Every, InForce, Pack, Rule, Silence, Standard};
use crate::text::{Lang, Localized};

mod index;
mod rules;

use index::*;
use rules::*;

pub use rules::first_cluster;

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
    /// Its life as recorded: each change of status with its day (applied, operating,
    /// suspended, revoked…), each read as the status's event (`operation-started`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<LicenceChange>,
}

/// A licence's change of status on a day; `event` is the engine's event kind
/// (`licence-applied`, `operation-started`, `licence-revoked`…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceChange {
    pub event: String,
    pub date: Date,
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
    /// The zone types whose layer is on record (some zone of the type exists), so
    /// that a licence clear of them can be told from one never screened. A type with
    /// no layer and no check is not evaluated: one diagnostic says so.
    #[serde(default)]
    pub zone_layers: Vec<String>,
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
    /// Nothing was owed: the event that would make the duty owed did not happen (a
    /// limit that makes a warning owed was never reached). Not "met": nobody acted.
    NotOwed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::Overdue,
        Status::Breached,
        Status::Met,
        Status::MetLate,
        Status::Unverified,
        Status::NotOwed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Overdue => "overdue",
            Status::Breached => "breached",
            Status::Met => "met",
            Status::MetLate => "met_late",
            Status::Unverified => "unverified",
            Status::NotOwed => "not_owed",
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
    pub confidence: crate::law::pack::Confidence,
    /// The day the duty became owed (its trigger's, a period's due date, a
    /// measurement's): the law in force that day is the one cited.
    pub on: Option<Date>,
}

impl Gap {
    /// The provisions the duty rests on as they stood on the day it became owed ("not
    /// set by law" for policy defaults).
    pub fn citation(&self, pack: &Pack, lang: Lang) -> String {
        pack.duty(&self.duty)
            .map(|d| pack.citation_on(d, lang, self.on))
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
                in_force: pack.duty_in_force(duty),
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
                    multiple, respond, ..
                }) => {
                    for standard in duty.limit_standards() {
                        ctx.limit(&mut d, facts, standard, multiple, respond);
                    }
                }
                Some(Rule::Threshold {
                    finding,
                    count,
                    window_days,
                    consequence,
                    respond,
                }) => ctx.threshold(&mut d, finding, count, window_days, consequence, respond),
                Some(Rule::Spatial { zone }) => ctx.spatial(&mut d, facts, zone, &mut diagnostics),
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
                    history: Vec::new(),
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
