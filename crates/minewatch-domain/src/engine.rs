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

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::rc::Rc;

use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{DayCount, DueDate};
use crate::pack::{Duty, DutyKind, Pack, Silence, Standard};
use crate::text::{Lang, Localized};

/// A licence as the engine sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceFact {
    pub id: String,
    #[serde(default)]
    pub number: Option<String>,
    /// `exploration` or `mining`.
    pub licence_type: String,
    #[serde(default)]
    pub holder: Option<String>,
    #[serde(default)]
    pub granted: Option<Date>,
    #[serde(default)]
    pub expires: Option<Date>,
    /// The record ids of the authorities over this licence, by authority type.
    #[serde(default)]
    pub authorities: BTreeMap<String, String>,
}

/// Something that happened (or a record that it did not happen) on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: String,
    pub kind: String,
    /// What it is about: a licence, request, company, station or authority id.
    pub subject: String,
    pub date: Date,
    /// Who acted, where known (a record id).
    #[serde(default)]
    pub by: Option<String>,
    /// To whom (the addressee of a request).
    #[serde(default)]
    pub to: Option<String>,
    /// A record that the action did NOT happen (e.g. a reply saying no consultation
    /// took place).
    #[serde(default)]
    pub negative: bool,
    /// Retracted records count for nothing.
    #[serde(default)]
    pub retracted: bool,
}

/// A measured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    pub id: String,
    /// A monitoring station or licence id.
    pub subject: String,
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
    pub id: String,
    pub licence: String,
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
    pub duty: String,
    pub kind: DutyKind,
    pub status: Status,
    pub bearer: String,
    pub subject: String,
    /// The event (or measurement, or finding) that made the duty owed.
    pub trigger: Option<String>,
    pub due: Option<Date>,
    pub due_derivation: Option<String>,
    /// Ids of the facts behind the status.
    pub evidence: Vec<String>,
    pub confidence: crate::pack::Confidence,
}

impl Gap {
    /// The provisions the duty rests on ("not set by law" for policy defaults).
    pub fn citation(&self, pack: &Pack, lang: Lang) -> String {
        pack.duty(&self.duty)
            .map(|d| pack.citation(d, lang))
            .unwrap_or_default()
    }

    /// What the gap means, in both languages. (Computed when shown, not for every gap
    /// of an evaluation: a million facts make hundreds of thousands of gaps.)
    pub fn explanation(&self, pack: &Pack) -> Localized {
        match pack.duty(&self.duty) {
            Some(duty) => explain(duty, self),
            None => Localized::default(),
        }
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
    pub gaps: Vec<Gap>,
    pub diagnostics: Vec<Diagnostic>,
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
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Events of one kind about one subject, oldest first.
struct Index<'f> {
    by_kind_subject: FastMap<&'f str, FastMap<&'f str, Vec<&'f Event>>>,
    licences: FastMap<&'f str, &'f LicenceFact>,
}

impl<'f> Index<'f> {
    fn events(&self, kind: &str, subject: &str) -> &[&'f Event] {
        self.by_kind_subject
            .get(kind)
            .and_then(|m| m.get(subject))
            .map_or(&[], Vec::as_slice)
    }

    /// The subjects with events of `kind`, in no particular order (`evaluate` sorts the
    /// gaps of each duty at the end).
    fn subjects(&self, kind: &str) -> Vec<&'f str> {
        self.by_kind_subject
            .get(kind)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    fn events_of(&self, kinds: &[String], subject: &str) -> Vec<&'f Event> {
        if let [kind] = kinds {
            return self.events(kind, subject).to_vec();
        }
        let mut out: Vec<&Event> = kinds
            .iter()
            .flat_map(|k| self.events(k, subject).iter().copied())
            .collect();
        out.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        out
    }
}

/// Events the licences imply: granted and expiry dates.
fn licence_events(facts: &Facts) -> Vec<Event> {
    let mut out = Vec::new();
    for l in &facts.licences {
        if let Some(d) = l.granted {
            out.push(Event {
                id: format!("{}#granted", l.id),
                kind: "licence-granted".into(),
                subject: l.id.clone(),
                date: d,
                by: None,
                to: None,
                negative: false,
                retracted: false,
            });
        }
        if let Some(d) = l.expires {
            out.push(Event {
                id: format!("{}#expires", l.id),
                kind: "licence-expires".into(),
                subject: l.id.clone(),
                date: d,
                by: None,
                to: None,
                negative: false,
                retracted: false,
            });
        }
    }
    out
}

/// Evaluates every duty of `pack` against `facts` as of `as_of`.
pub fn evaluate(pack: &Pack, facts: &Facts, as_of: Date) -> Evaluation {
    let implied = licence_events(facts);
    let mut index = Index {
        by_kind_subject: FastMap::default(),
        licences: facts.licences.iter().map(|l| (l.id.as_str(), l)).collect(),
    };
    for e in facts.events.iter().chain(&implied) {
        if e.retracted {
            continue;
        }
        index
            .by_kind_subject
            .entry(e.kind.as_str())
            .or_default()
            .entry(e.subject.as_str())
            .or_default()
            .push(e);
    }
    // Per subject, oldest first (the per-kind lists only feed loops whose gaps are
    // sorted at the end, so they stay in arrival order).
    for list in index
        .by_kind_subject
        .values_mut()
        .flat_map(|m| m.values_mut())
    {
        if list.len() > 1 {
            list.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        }
    }
    let mut eval = Evaluation {
        as_of: Some(as_of),
        ..Evaluation::default()
    };
    let ctx = Ctx {
        pack,
        index: &index,
        as_of,
        due_cache: Default::default(),
    };
    for duty in &pack.duties {
        match duty.kind {
            DutyKind::Deadline => ctx.deadline(duty, &mut eval),
            DutyKind::Precondition => ctx.precondition(duty, &mut eval),
            DutyKind::Periodic => ctx.periodic(duty, &mut eval),
            DutyKind::Limit => ctx.limit(duty, facts, &mut eval),
            DutyKind::Threshold => ctx.threshold(duty, &mut eval),
            DutyKind::Spatial => ctx.spatial(duty, facts, &mut eval),
        }
    }
    // Gaps come out duty by duty in pack order; within a duty, by subject, trigger, due.
    let mut start = 0;
    while start < eval.gaps.len() {
        let duty = eval.gaps[start].duty.clone();
        let end = eval.gaps[start..]
            .iter()
            .position(|g| g.duty != duty)
            .map_or(eval.gaps.len(), |n| start + n);
        eval.gaps[start..end].sort_unstable_by(|a, b| {
            (&a.subject, &a.trigger, a.due).cmp(&(&b.subject, &b.trigger, b.due))
        });
        start = end;
    }
    eval
}

/// Due dates (with their derivation text) by start date and count.
type DueCache = HashMap<(Date, DayCount), Rc<(DueDate, String)>>;

struct Ctx<'a, 'f> {
    pack: &'a Pack,
    index: &'a Index<'f>,
    as_of: Date,
    /// Due dates already computed: many facts share a start date.
    due_cache: std::cell::RefCell<DueCache>,
}

/// What a status decision found.
struct Finding {
    status: Status,
    due: Option<Date>,
    derivation: Option<String>,
    evidence: Vec<String>,
    trigger: Option<String>,
}

impl<'f> Ctx<'_, 'f> {
    /// Subjects a licence duty applies to, or `None` if the subject is not a licence
    /// duty; filters by licence type.
    fn applies(&self, duty: &Duty, subject: &str) -> bool {
        if duty.subject != "licence" {
            return true;
        }
        match self.index.licences.get(subject) {
            Some(l) => duty
                .licence_type
                .as_deref()
                .is_none_or(|t| t == l.licence_type),
            None => false,
        }
    }

    fn bearer(&self, duty: &Duty, subject: &str, trigger: Option<&Event>) -> String {
        let licence = self.index.licences.get(subject);
        match duty.bearer.as_str() {
            "licence-holder" => licence
                .and_then(|l| l.holder.clone())
                .unwrap_or_else(|| subject.to_owned()),
            "addressee" => trigger
                .and_then(|t| t.to.clone())
                .unwrap_or_else(|| "addressee".to_owned()),
            authority => licence
                .and_then(|l| l.authorities.get(authority).cloned())
                .or_else(|| trigger.and_then(|t| t.to.clone()))
                .unwrap_or_else(|| authority.to_owned()),
        }
    }

    /// The due date `count` after `start`, with its derivation.
    fn due(&self, start: Date, count: DayCount) -> Rc<(DueDate, String)> {
        if let Some(d) = self.due_cache.borrow().get(&(start, count)) {
            return Rc::clone(d);
        }
        let computed = self.compute_due(start, count);
        let text = computed.to_string();
        let due = Rc::new((computed, text));
        self.due_cache
            .borrow_mut()
            .insert((start, count), Rc::clone(&due));
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

    /// Status from the performing events after a trigger and a due date.
    fn decide(&self, duty: &Duty, due: Date, actions: &[&Event]) -> (Status, Vec<String>) {
        if let Some(a) = actions.iter().find(|a| !a.negative) {
            let status = if a.date <= due {
                Status::Met
            } else {
                Status::MetLate
            };
            return (status, vec![a.id.clone()]);
        }
        if let Some(n) = actions.iter().find(|a| a.negative) {
            return (Status::Breached, vec![n.id.clone()]);
        }
        if self.as_of <= due {
            return (Status::Pending, vec![]);
        }
        match duty.silence {
            Silence::Overdue => (Status::Overdue, vec![]),
            Silence::Unverified => (Status::Unverified, vec![]),
        }
    }

    fn push(
        &self,
        eval: &mut Evaluation,
        duty: &Duty,
        subject: &str,
        trigger: Option<&Event>,
        f: Finding,
    ) {
        let bearer = self.bearer(duty, subject, trigger);
        eval.gaps.push(Gap {
            duty: duty.id.clone(),
            kind: duty.kind,
            status: f.status,
            bearer,
            subject: subject.to_owned(),
            trigger: f.trigger,
            due: f.due,
            due_derivation: f.derivation,
            evidence: f.evidence,
            confidence: duty.confidence,
        });
    }

    fn deadline(&self, duty: &Duty, eval: &mut Evaluation) {
        let Some(trigger_kind) = duty.trigger.as_deref() else {
            return;
        };
        for subject in self.index.subjects(trigger_kind) {
            if !self.applies(duty, subject) {
                continue;
            }
            // Triggers oldest first; an action performs one trigger only (one payment
            // does not settle two instalments).
            let mut used: Vec<&str> = Vec::new();
            for t in self.index.events(trigger_kind, subject) {
                self.one_deadline(duty, t, &mut used, eval);
            }
        }
    }

    fn one_deadline(
        &self,
        duty: &Duty,
        t: &'f Event,
        used: &mut Vec<&'f str>,
        eval: &mut Evaluation,
    ) {
        {
            let (due, derivation, window_start) = if let Some(m) = duty.months_before {
                let due = t.date.checked_sub(i64::from(m).months()).unwrap_or(t.date);
                let text = format!(
                    "{} − {m} month{} → {}",
                    t.date,
                    if m == 1 { "" } else { "s" },
                    due
                );
                (due, text, None)
            } else {
                let count = duty.day_count().unwrap_or(DayCount::Calendar(0));
                let cached = self.due(t.date, count);
                let (d, text) = (&cached.0, &cached.1);
                if d.derivation.outside_calendar {
                    eval.diagnostics.push(Diagnostic {
                        duty: Some(duty.id.clone()),
                        fact: Some(t.id.clone()),
                        message: format!(
                            "the due date of {} reaches a year without a holiday table: holidays may be missed",
                            t.id
                        ),
                    });
                }
                (d.date, text.clone(), Some(t.date))
            };
            let actions: Vec<&Event> = self
                .index
                .events_of(&duty.action, &t.subject)
                .into_iter()
                .filter(|a| !used.contains(&a.id.as_str()))
                .filter(|a| match window_start {
                    _ if duty.count_earlier => true,
                    Some(start) => a.date >= start,
                    None => a.date <= t.date,
                })
                .collect();
            let (status, mut evidence) = self.decide(duty, due, &actions);
            if matches!(status, Status::Met | Status::MetLate)
                && let Some(a) = actions.iter().find(|a| !a.negative)
            {
                used.push(a.id.as_str());
            }
            evidence.insert(0, t.id.clone());
            self.push(
                eval,
                duty,
                &t.subject,
                Some(t),
                Finding {
                    status,
                    due: Some(due),
                    derivation: Some(derivation),
                    evidence,
                    trigger: Some(t.id.clone()),
                },
            );
        }
    }

    fn precondition(&self, duty: &Duty, eval: &mut Evaluation) {
        let Some(before_kind) = duty.before.as_deref() else {
            return;
        };
        for subject in self.index.subjects(before_kind) {
            if !self.applies(duty, subject) {
                continue;
            }
            // Only the first such event of a subject needs the precondition.
            let b = self.index.events(before_kind, subject)[0];
            let actions = self.index.events_of(&duty.action, &b.subject);
            let done_before = actions.iter().find(|a| !a.negative && a.date <= b.date);
            let negative = actions.iter().find(|a| a.negative);
            let late = actions.iter().find(|a| !a.negative && a.date > b.date);
            let (status, evidence) = match (done_before, negative, late) {
                (Some(a), _, _) => (Status::Met, vec![b.id.clone(), a.id.clone()]),
                (None, Some(n), _) => (Status::Breached, vec![b.id.clone(), n.id.clone()]),
                (None, None, Some(a)) => (Status::Breached, vec![b.id.clone(), a.id.clone()]),
                (None, None, None) => match duty.silence {
                    Silence::Overdue => (Status::Breached, vec![b.id.clone()]),
                    Silence::Unverified => (Status::Unverified, vec![b.id.clone()]),
                },
            };
            self.push(
                eval,
                duty,
                &b.subject,
                Some(b),
                Finding {
                    status,
                    due: Some(b.date),
                    derivation: Some(format!("before {before_kind} on {}", b.date)),
                    evidence,
                    trigger: Some(b.id.clone()),
                },
            );
        }
    }

    fn periodic(&self, duty: &Duty, eval: &mut Evaluation) {
        let Some(from_kind) = duty.from.as_deref() else {
            return;
        };
        for subject in self.index.subjects(from_kind) {
            if !self.applies(duty, subject) {
                continue;
            }
            let start = self.index.events(from_kind, subject)[0];
            // The obligation ends when the licence does.
            let end = ["licence-revoked", "licence-expires", "licence-ended"]
                .iter()
                .flat_map(|k| self.index.events(k, subject).first())
                .map(|e| e.date)
                .min();
            let dues = period_dues(duty, start.date, self.as_of, end);
            let actions = self.index.events_of(&duty.action, subject);
            // An action belongs to the period whose due date it is nearest after half a
            // period: a report a few days after 1 November is that year's, late; one
            // months later is next year's, early.
            let half = match duty.every.as_deref() {
                Some("year") => 182,
                _ => i64::from(duty.days.unwrap_or(2).max(2) / 2),
            };
            let shift = |d: Date| d.checked_add(half.days()).unwrap_or(Date::MAX);
            for (i, (window_start, due)) in dues.iter().enumerate() {
                let opens = if i == 0 {
                    *window_start
                } else {
                    shift(*window_start)
                };
                let closes = shift(*due);
                let in_window: Vec<&Event> = actions
                    .iter()
                    .copied()
                    .filter(|a| a.date > opens && a.date <= closes)
                    .collect();
                let (status, mut evidence) = self.decide(duty, *due, &in_window);
                evidence.insert(0, start.id.clone());
                self.push(
                    eval,
                    duty,
                    subject,
                    Some(start),
                    Finding {
                        status,
                        due: Some(*due),
                        derivation: Some(match duty.every.as_deref() {
                            Some("year") => format!(
                                "every year by {} since {}",
                                duty.due.as_deref().unwrap_or(""),
                                start.date
                            ),
                            _ => format!(
                                "every {} days since {}",
                                duty.days.unwrap_or(0),
                                start.date
                            ),
                        }),
                        evidence,
                        trigger: Some(format!("{}@{due}", start.id)),
                    },
                );
            }
        }
    }

    fn limit(&self, duty: &Duty, facts: &Facts, eval: &mut Evaluation) {
        let Some(standard) = duty.standard.as_deref().and_then(|s| self.pack.standard(s)) else {
            return;
        };
        let multiple = duty.multiple.unwrap_or(1.0);
        let values = aggregate(standard, &facts.measurements);
        let mut by_subject: BTreeMap<&str, Vec<&Aggregate>> = BTreeMap::new();
        for v in &values {
            by_subject.entry(v.subject.as_str()).or_default().push(v);
        }
        for (subject, values) in by_subject {
            if !self.applies(duty, subject) && duty.subject == "licence" {
                continue;
            }
            let minimum = standard.direction.as_deref() == Some("min");
            let bound = standard.limit * multiple;
            let exceeds = |v: f64| if minimum { v <= bound } else { v > bound };
            let exceeded: Vec<&&Aggregate> = values.iter().filter(|v| exceeds(v.value)).collect();
            let limit_text = format!(
                "{} {} ({}, {}){}",
                if minimum { "≥" } else { "≤" },
                fmt_num(standard.limit),
                standard.unit,
                standard.averaging,
                if multiple == 1.0 {
                    String::new()
                } else {
                    format!(" × {}", fmt_num(multiple))
                }
            );
            if exceeded.is_empty() {
                self.push(
                    eval,
                    duty,
                    subject,
                    None,
                    Finding {
                        status: Status::Met,
                        due: None,
                        derivation: Some(format!("{} values within {limit_text}", values.len())),
                        evidence: values.iter().flat_map(|v| v.ids.clone()).collect(),
                        trigger: None,
                    },
                );
                continue;
            }
            for v in exceeded {
                let trigger = Some(v.ids.join("+"));
                let text = format!(
                    "{} {} on {} against {limit_text}",
                    fmt_num(v.value),
                    standard.unit,
                    v.date
                );
                if duty.action.is_empty() {
                    self.push(
                        eval,
                        duty,
                        subject,
                        None,
                        Finding {
                            status: Status::Breached,
                            due: Some(v.date),
                            derivation: Some(text),
                            evidence: v.ids.clone(),
                            trigger,
                        },
                    );
                } else {
                    let cached =
                        self.due(v.date, duty.day_count().unwrap_or(DayCount::Calendar(0)));
                    let (due, due_text) = (&cached.0, &cached.1);
                    let actions: Vec<&Event> = self
                        .index
                        .events_of(&duty.action, subject)
                        .into_iter()
                        .filter(|a| a.date >= v.date)
                        .collect();
                    let (status, mut evidence) = self.decide(duty, due.date, &actions);
                    let mut ids = v.ids.clone();
                    ids.append(&mut evidence);
                    self.push(
                        eval,
                        duty,
                        subject,
                        None,
                        Finding {
                            status,
                            due: Some(due.date),
                            derivation: Some(format!("{text}; {due_text}")),
                            evidence: ids,
                            trigger,
                        },
                    );
                }
            }
        }
    }

    fn threshold(&self, duty: &Duty, eval: &mut Evaluation) {
        let (Some(finding), Some(count), Some(window), Some(consequence)) = (
            duty.finding.as_deref(),
            duty.count,
            duty.window_days,
            duty.consequence.as_deref(),
        ) else {
            return;
        };
        let count = count.max(1) as usize;
        for subject in self.index.subjects(finding) {
            if !self.applies(duty, subject) {
                continue;
            }
            let findings: Vec<&Event> = self
                .index
                .events(finding, subject)
                .iter()
                .copied()
                .filter(|e| !e.negative)
                .collect();
            // The first time `count` findings fall within the window.
            let hit = (count - 1..findings.len()).find(|&i| {
                let first = findings[i + 1 - count].date;
                findings[i].date
                    <= first
                        .checked_add(i64::from(window).days())
                        .unwrap_or(Date::MAX)
            });
            let Some(i) = hit else { continue };
            let t = findings[i];
            let cached = self.due(t.date, duty.day_count().unwrap_or(DayCount::Calendar(0)));
            let (due, due_text) = (&cached.0, &cached.1);
            let actions: Vec<&Event> = self
                .index
                .events(consequence, subject)
                .iter()
                .copied()
                .filter(|a| a.date >= findings[i + 1 - count].date)
                .collect();
            let (status, mut evidence) = self.decide(duty, due.date, &actions);
            let mut ids: Vec<String> = findings[i + 1 - count..=i]
                .iter()
                .map(|e| e.id.clone())
                .collect();
            ids.append(&mut evidence);
            self.push(
                eval,
                duty,
                subject,
                Some(t),
                Finding {
                    status,
                    due: Some(due.date),
                    derivation: Some(format!(
                        "{count} × {finding} within {window} days ({} … {}); {due_text}",
                        findings[i + 1 - count].date,
                        t.date
                    )),
                    evidence: ids,
                    trigger: Some(t.id.clone()),
                },
            );
        }
    }

    fn spatial(&self, duty: &Duty, facts: &Facts, eval: &mut Evaluation) {
        let Some(zone) = duty.zone.as_deref() else {
            return;
        };
        let mut checks: BTreeMap<&str, Vec<&ZoneCheck>> = BTreeMap::new();
        for c in facts
            .zones
            .iter()
            .filter(|c| !c.retracted && c.zone == zone)
        {
            checks.entry(c.licence.as_str()).or_default().push(c);
        }
        let mut licences: Vec<&str> = self.index.licences.keys().copied().collect();
        licences.sort_unstable();
        for licence in licences {
            if !self.applies(duty, licence) {
                continue;
            }
            let found = checks.get(licence).map_or(&[][..], Vec::as_slice);
            let overlap = found.iter().find(|c| c.overlaps);
            let (status, evidence) = match (overlap, found.first()) {
                (Some(c), _) => (Status::Breached, vec![c.id.clone()]),
                (None, Some(_)) => (Status::Met, found.iter().map(|c| c.id.clone()).collect()),
                (None, None) => (Status::Unverified, vec![]),
            };
            self.push(
                eval,
                duty,
                licence,
                None,
                Finding {
                    status,
                    due: None,
                    derivation: None,
                    evidence,
                    trigger: overlap.map(|c| c.id.clone()),
                },
            );
        }
    }
}

/// The due dates of a periodic duty from `start` up to the first one after `as_of`,
/// each with the start of its window: `(window_start, due)`.
fn period_dues(duty: &Duty, start: Date, as_of: Date, end: Option<Date>) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    let mut window_start = start;
    match duty.every.as_deref() {
        Some("year") => {
            let Some((m, d)) = duty
                .due
                .as_deref()
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
        _ => {
            let step = i64::from(duty.days.unwrap_or(0).max(1));
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

/// A value compared with a standard: a measurement, or the mean of finer ones.
struct Aggregate {
    subject: String,
    date: Date,
    value: f64,
    ids: Vec<String>,
}

/// Measurements of a standard's parameter, averaged to the standard's period where
/// they are finer (hourly values to daily means, any to annual means).
fn aggregate(standard: &Standard, measurements: &[Measurement]) -> Vec<Aggregate> {
    let finer = |a: &str| match standard.averaging.as_str() {
        "24h" => matches!(a, "20min" | "1h"),
        "annual" => matches!(a, "20min" | "1h" | "8h" | "24h"),
        "8h" => matches!(a, "20min" | "1h"),
        _ => false,
    };
    let mut out = Vec::new();
    let mut groups: BTreeMap<(String, Date), (f64, usize, Vec<String>)> = BTreeMap::new();
    for m in measurements
        .iter()
        .filter(|m| !m.retracted && m.parameter == standard.parameter)
    {
        if m.averaging == standard.averaging {
            out.push(Aggregate {
                subject: m.subject.clone(),
                date: m.date,
                value: m.value,
                ids: vec![m.id.clone()],
            });
        } else if finer(&m.averaging) {
            let key_date = if standard.averaging == "annual" {
                Date::new(m.date.year(), 1, 1).unwrap_or(m.date)
            } else {
                m.date
            };
            let slot = groups
                .entry((m.subject.clone(), key_date))
                .or_insert((0.0, 0, Vec::new()));
            slot.0 += m.value;
            slot.1 += 1;
            slot.2.push(m.id.clone());
        }
    }
    for ((subject, date), (sum, n, ids)) in groups {
        out.push(Aggregate {
            subject,
            date,
            value: sum / n as f64,
            ids,
        });
    }
    out
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// What a gap means, in both languages.
fn explain(duty: &Duty, f: &Gap) -> Localized {
    let (bearer, subject) = (f.bearer.as_str(), f.subject.as_str());
    let title_en = duty.title.en.as_deref().unwrap_or(&duty.id);
    let title_mn = duty.title.mn.as_deref().unwrap_or(&duty.id);
    let due_en = f
        .due
        .map(|d| {
            format!(
                " (due {d}{})",
                f.due_derivation
                    .as_deref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let due_mn = f
        .due
        .map(|d| format!(" (эцсийн хугацаа {d})"))
        .unwrap_or_default();
    let evidence = if f.evidence.is_empty() {
        String::new()
    } else {
        format!(" [{}]", f.evidence.join(", "))
    };
    let (en, mn) = match f.status {
        Status::Pending => (
            format!("Not due yet: {bearer} must still act for {subject}{due_en}."),
            format!(
                "Хугацаа болоогүй: {bearer} {subject}-д хамаарах үүргээ биелүүлэх ёстой{due_mn}."
            ),
        ),
        Status::Overdue => (
            format!(
                "Overdue: nothing shows that {bearer} acted for {subject}{due_en}, and we would know if it had."
            ),
            format!(
                "Хугацаа хэтэрсэн: {bearer} {subject}-д хамаарах үүргээ биелүүлсэн нь харагдахгүй байна{due_mn}."
            ),
        ),
        Status::Breached => (
            format!(
                "Breached: the records show the duty was not performed as required for {subject}{due_en}{evidence}."
            ),
            format!(
                "Зөрчигдсөн: {subject}-д хамаарах үүрэг шаардлагын дагуу биелээгүй нь бүртгэлээс харагдаж байна{due_mn}{evidence}."
            ),
        ),
        Status::Met => (
            format!("Met: {bearer} acted in time for {subject}{due_en}{evidence}."),
            format!("Биелсэн: {bearer} хугацаандаа биелүүлсэн{due_mn}{evidence}."),
        ),
        Status::MetLate => (
            format!(
                "Met late: {bearer} acted for {subject}, but after the due date{due_en}{evidence}."
            ),
            format!("Хоцорч биелсэн: {bearer} хугацаа хэтрүүлж биелүүлсэн{due_mn}{evidence}."),
        ),
        Status::Unverified => (
            format!(
                "Unverified: nothing is recorded either way for {subject}{due_en}. Find out whether {bearer} acted."
            ),
            format!(
                "Тодорхойгүй: {subject}-ийн талаар аль ч талын бүртгэл алга{due_mn}. {bearer} биелүүлсэн эсэхийг тодруулна уу."
            ),
        ),
    };
    Localized {
        mn: Some(format!("{title_mn}. {mn}")),
        en: Some(format!("{title_en}. {en}")),
    }
}
