//! The rules: one per kind of duty (deadline, precondition, periodic, limit, threshold,
//! spatial), each reading the index and pushing findings with their `Why`.

use super::*;

/// Due dates (with their derivation) by start date and count.
pub(super) type DueCache = FastMap<(Date, DayCount), Arc<DueDate>>;

pub(super) struct Ctx<'a, 'f> {
    pub(super) pack: &'a Pack,
    pub(super) index: &'a Index<'f>,
    pub(super) as_of: Date,
    /// Due dates already computed: many facts share a start date.
    pub(super) due_cache: std::cell::RefCell<DueCache>,
    /// Measurements aggregated per standard.
    pub(super) aggregates: std::cell::RefCell<HashMap<String, Rc<Aggregates<'f>>>>,
}

/// One duty being evaluated: what every gap of it shares, and the gaps.
pub(super) struct DutyRun<'d> {
    pub(super) duty: &'d Duty,
    pub(super) id: Text,
    pub(super) bearer: Text,
    /// The action kinds, numbered.
    pub(super) actions: Vec<u32>,
    /// The licence type the duty is limited to, numbered (`NOT_LICENCE` for a type no
    /// licence has).
    pub(super) licence_type: Option<u32>,
    /// Derivations already made, by date.
    pub(super) whys: FastMap<Date, Arc<Why>>,
    /// Where texts are written before they become a `Text` (one allocation, not two).
    pub(super) buf: String,
    pub(super) gaps: Vec<Gap>,
    /// The days the duty can be owed (its law's, and its own).
    pub(super) in_force: InForce,
}

impl DutyRun<'_> {
    /// A formatted text, made through the reused buffer.
    pub(super) fn fmt(&mut self, args: fmt::Arguments) -> Text {
        use fmt::Write as _;
        self.buf.clear();
        // Writing to a String cannot fail.
        let _ = self.buf.write_fmt(args);
        Text::from(self.buf.as_str())
    }

    pub(super) fn why(&mut self, date: Date, make: impl FnOnce() -> Why) -> Arc<Why> {
        self.whys
            .entry(date)
            .or_insert_with(|| Arc::new(make()))
            .clone()
    }
}

/// What a status decision found.
pub(super) struct Finding {
    pub(super) status: Status,
    pub(super) due: Option<Date>,
    pub(super) why: Option<Arc<Why>>,
    pub(super) evidence: Vec<Text>,
    pub(super) trigger: Option<Text>,
    /// The day the duty became owed (a trigger's, a period's due date, a measurement's),
    /// which decides the law that applies; `None`: the evaluation's day.
    pub(super) on: Option<Date>,
}

/// The evidence of a gap: the fact that made it owed, and the one that decided it.
pub(super) fn evidence(first: &Text, decided: Option<Ev>) -> Vec<Text> {
    let mut v = Vec::with_capacity(2);
    v.push(first.clone());
    v.extend(decided.map(|e| e.id.clone()));
    v
}

impl<'f> Ctx<'_, 'f> {
    /// Whether a duty applies to a subject: a licence duty needs a licence of the
    /// duty's licence type, or, when it names none, a mineral licence (a petroleum
    /// contract is under the Petroleum Law, not the Minerals Law the pack's licence
    /// duties come from, unless a duty names it).
    pub(super) fn applies(&self, d: &DutyRun, s: Sid) -> bool {
        if d.duty.subject != "licence" {
            return true;
        }
        match self.index.licence_kind.get(s as usize) {
            Some(&NOT_LICENCE) | None => false,
            Some(&k) => match d.licence_type {
                Some(t) => t == k,
                None => self.index.licence_types[k as usize] != "petroleum",
            },
        }
    }

    pub(super) fn bearer(&self, d: &DutyRun, s: Sid, trigger: Option<Ev>) -> Text {
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
    pub(super) fn due(&self, start: Date, count: DayCount) -> Arc<DueDate> {
        if let Some(d) = self.due_cache.borrow().get(&(start, count)) {
            return Arc::clone(d);
        }
        let due = Arc::new(self.compute_due(start, count));
        self.due_cache
            .borrow_mut()
            .insert((start, count), Arc::clone(&due));
        due
    }

    pub(super) fn compute_due(&self, start: Date, count: DayCount) -> DueDate {
        match self.pack.calendar() {
            Some(c) => c.due_date(start, count, self.pack.non_working_due()),
            None => crate::law::calendar::Calendar::new(vec![], [], 0, 0).due_date(
                start,
                count,
                crate::law::calendar::NonWorkingDue::Keep,
            ),
        }
    }

    /// Status from the performing events after a trigger and a due date, and the
    /// event that decided it.
    pub(super) fn decide<'e>(
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

    pub(super) fn push(&self, d: &mut DutyRun, s: Sid, trigger: Option<Ev>, f: Finding) {
        // A duty is owed under the law in force on the day it arose; on another day
        // (before the law, or after it was replaced) this duty owes nothing.
        if !d.in_force.contains(f.on.unwrap_or(self.as_of)) {
            return;
        }
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
            on: f.on,
        });
    }

    pub(super) fn deadline(
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
    pub(super) fn one_deadline<'e>(
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
                on: Some(t.date),
            },
        );
    }

    pub(super) fn precondition(&self, d: &mut DutyRun, before_kind: &str) {
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
                    on: Some(b.date),
                },
            );
        }
    }

    pub(super) fn periodic(&self, d: &mut DutyRun, from_kind: &str, every: Every) {
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
                        on: Some(*due),
                    },
                );
            }
        }
    }

    pub(super) fn limit(
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
        let window = standard.in_force();
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
            // A value measured before the standard applied (or after it ended) is
            // compared with nothing.
            let counted = values.iter().filter(|v| window.contains(v.date)).count();
            if counted == 0 {
                continue;
            }
            let mut exceeded = values
                .iter()
                .filter(|v| window.contains(v.date) && exceeds(v.value))
                .peekable();
            if exceeded.peek().is_none() {
                // Within the limit: the party the limit binds complied (met); an action
                // an exceedance would have made owed was never owed.
                let status = if duty.action.is_empty() {
                    Status::Met
                } else {
                    Status::NotOwed
                };
                let derivation = Arc::new(Why::WithinLimit {
                    values: counted,
                    limit: Arc::clone(&limit),
                });
                self.push(
                    d,
                    s,
                    None,
                    Finding {
                        status,
                        due: None,
                        why: Some(derivation),
                        evidence: values
                            .iter()
                            .filter(|v| window.contains(v.date))
                            .flat_map(|v| aggregates.ids(v))
                            .collect(),
                        trigger: None,
                        on: None,
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
                            on: Some(v.date),
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
                            on: Some(v.date),
                        },
                    );
                }
            }
        }
    }

    pub(super) fn threshold(
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
                    on: Some(t.date),
                },
            );
        }
    }

    pub(super) fn spatial(
        &self,
        d: &mut DutyRun,
        facts: &'f Facts,
        zone: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        // Without a layer of the zone type nothing can be said of any licence: one
        // diagnostic, not one unverified gap per licence.
        let layer = facts.zone_layers.iter().any(|z| z == zone)
            || facts.zones.iter().any(|c| !c.retracted && c.zone == zone);
        if !layer {
            let licences = self
                .index
                .licence_order
                .iter()
                .filter(|&&s| self.applies(d, s))
                .count();
            if licences > 0 {
                diagnostics.push(Diagnostic {
                    duty: Some(d.duty.id.clone()),
                    fact: None,
                    message: format!(
                        "no {zone} layer on record: {licences} licence(s) not screened for {}; import the zones (minewatch import zone FILE, or import water FILE for water-protection zones)",
                        d.duty.id
                    ),
                });
            }
            return;
        }
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
                    on: None,
                },
            );
        }
    }
}

/// The due dates of a periodic duty from `start` up to the first one after `as_of`,
/// each with the start of its window: `(window_start, due)`.
pub(super) fn period_dues(
    every: Every,
    start: Date,
    as_of: Date,
    end: Option<Date>,
) -> Vec<(Date, Date)> {
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
pub(super) struct Aggregate {
    pub(super) subject: Sid,
    pub(super) date: Date,
    pub(super) value: f64,
    /// The measurements behind the value (a range of `Aggregates::members`).
    pub(super) members: std::ops::Range<usize>,
}

/// The values of one standard's parameter, and the measurements behind them.
pub(super) struct Aggregates<'f> {
    pub(super) values: Vec<Aggregate>,
    pub(super) members: Vec<&'f Measurement>,
}

impl<'f> Aggregates<'f> {
    pub(super) fn members(&self, v: &Aggregate) -> &[&'f Measurement] {
        &self.members[v.members.clone()]
    }

    pub(super) fn ids(&self, v: &Aggregate) -> impl Iterator<Item = Text> + '_ {
        self.members(v).iter().map(|m| m.id.clone())
    }

    /// Reads the ids of the measurements behind `values`: a batch of loads the
    /// processor overlaps, so copies taken of them later find them in cache.
    pub(super) fn touch(&self, values: std::ops::Range<usize>) {
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
pub(super) fn aggregate<'f>(
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
pub(super) fn explain(duty: &Duty, f: &Gap, name: &dyn Fn(&str) -> Option<String>) -> Explanation {
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
