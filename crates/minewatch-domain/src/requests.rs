//! Information requests, complaints and appeals to authorities: their states, which
//! moves between states are allowed, when the clock starts, the due date from the
//! pack's duty and calendar (with every extension), and the events the duty engine
//! reads.
//!
//! Nothing here is stored that can be computed: the due date, "overdue" and "very
//! overdue" are worked out on every read from the request's steps and the pack, so a
//! corrected date or a holiday added to the pack's calendar changes every open
//! deadline at once. The states follow Alaveteli's (see shared/reference/anchors.md)
//! and add what paper delivery and extensions need.

use std::fmt;

use jiff::civil::Date;
use serde_json::Value;

use crate::engine::Event;
use crate::explain::{Extension, Why};
use crate::law::calendar::{DayCount, DueDate};
use crate::law::pack::{Duty, Pack};
use crate::records::RecordId;

/// What is asked for, which decides the duty whose deadline applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestType {
    /// A request for information (the access-to-information law).
    Information,
    /// A complaint (the petitions law), e.g. about a missed deadline.
    Complaint,
    /// An appeal to a superior body or a court about a refusal or a silence.
    Appeal,
    /// A report of a violation to the body that must act on it (the Law on
    /// Environmental Protection's citizen's report).
    Report,
}

impl RequestType {
    pub const ALL: [(&'static str, RequestType); 4] = [
        ("information", RequestType::Information),
        ("complaint", RequestType::Complaint),
        ("appeal", RequestType::Appeal),
        ("report", RequestType::Report),
    ];

    pub fn as_str(self) -> &'static str {
        RequestType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .expect("every type is listed")
    }

    /// The event kinds of sending and answering it, as the pack's duties name them.
    pub fn events(self) -> (&'static str, &'static str) {
        match self {
            RequestType::Information => ("request-sent", "request-answered"),
            RequestType::Complaint | RequestType::Appeal => {
                ("complaint-sent", "complaint-answered")
            }
            RequestType::Report => ("violation-reported", "official-action"),
        }
    }
}

/// How the request reaches the authority. Email starts the clock when it is sent;
/// paper and hand delivery when the stamped receipt says it was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Paper,
    Hand,
}

impl Channel {
    pub const ALL: [(&'static str, Channel); 3] = [
        ("email", Channel::Email),
        ("paper", Channel::Paper),
        ("hand", Channel::Hand),
    ];

    pub fn as_str(self) -> &'static str {
        Channel::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(n, _)| *n)
            .expect("every channel is listed")
    }
}

/// A request's state: the stored ones, and `Overdue` / `VeryOverdue`, which are only
/// ever computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    Draft,
    /// Handed to the mail server; not yet accepted.
    Sending,
    /// The mail server refused it or it bounced: nothing was sent.
    Failed,
    Sent,
    /// Delivered on paper or by hand (the stamped receipt's date).
    Delivered,
    Acknowledged,
    /// The authority extended its deadline (the step says by how many days).
    Extended,
    /// The authority sent it on to another body.
    Transferred,
    PartiallyAnswered,
    Answered,
    /// Refused, citing a ground.
    Refused,
    /// The authority says it does not hold the information.
    NotHeld,
    /// The requester asked the authority to review its answer or silence.
    InternalReview,
    /// Taken to a superior body, the ombudsman or a court.
    Appealed,
    Withdrawn,
    Closed,
    Overdue,
    VeryOverdue,
}

impl State {
    /// The stored states, by their names.
    pub const STORED: [(&'static str, State); 16] = [
        ("draft", State::Draft),
        ("sending", State::Sending),
        ("failed", State::Failed),
        ("sent", State::Sent),
        ("delivered", State::Delivered),
        ("acknowledged", State::Acknowledged),
        ("extended", State::Extended),
        ("transferred", State::Transferred),
        ("partially_answered", State::PartiallyAnswered),
        ("answered", State::Answered),
        ("refused", State::Refused),
        ("not_held", State::NotHeld),
        ("internal_review", State::InternalReview),
        ("appealed", State::Appealed),
        ("withdrawn", State::Withdrawn),
        ("closed", State::Closed),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Overdue => "overdue",
            State::VeryOverdue => "very_overdue",
            s => State::STORED
                .iter()
                .find(|(_, t)| *t == s)
                .map(|(n, _)| *n)
                .expect("every stored state is listed"),
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "overdue" => Some(State::Overdue),
            "very_overdue" => Some(State::VeryOverdue),
            _ => State::STORED.iter().find(|(n, _)| *n == s).map(|(_, t)| *t),
        }
    }

    /// Waiting for the authority: the clock runs.
    pub fn awaiting(self) -> bool {
        matches!(
            self,
            State::Sent
                | State::Delivered
                | State::Acknowledged
                | State::Extended
                | State::Transferred
        )
    }

    /// An answer of some kind came (the duty to answer was performed).
    pub fn is_answer(self) -> bool {
        matches!(
            self,
            State::PartiallyAnswered | State::Answered | State::Refused | State::NotHeld
        )
    }

    /// The states a request may move to from this one.
    pub fn next(self) -> &'static [State] {
        use State::*;
        const ANSWERS: [State; 4] = [PartiallyAnswered, Answered, Refused, NotHeld];
        match self {
            Draft => &[Sending, Sent, Delivered, Withdrawn],
            Sending => &[Sent, Failed, Withdrawn],
            Failed => &[Sending, Sent, Delivered, Withdrawn],
            Sent => &[
                Sending,
                Failed,
                Delivered,
                Acknowledged,
                Extended,
                Transferred,
                ANSWERS[0],
                ANSWERS[1],
                ANSWERS[2],
                ANSWERS[3],
                InternalReview,
                Appealed,
                Withdrawn,
            ],
            Delivered | Acknowledged | Extended | Transferred => &[
                Acknowledged,
                Extended,
                Transferred,
                ANSWERS[0],
                ANSWERS[1],
                ANSWERS[2],
                ANSWERS[3],
                InternalReview,
                Appealed,
                Withdrawn,
            ],
            PartiallyAnswered | Refused | NotHeld => {
                &[Answered, InternalReview, Appealed, Closed, Withdrawn]
            }
            Answered => &[InternalReview, Appealed, Closed],
            InternalReview => &[
                ANSWERS[0], ANSWERS[1], ANSWERS[2], ANSWERS[3], Appealed, Closed, Withdrawn,
            ],
            Appealed => &[Answered, PartiallyAnswered, Refused, Closed, Withdrawn],
            Withdrawn | Closed | Overdue | VeryOverdue => &[],
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One move of a request: on `date` it entered `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub date: Date,
    pub state: State,
    /// The ground cited by a refusal; what was said; the bounce message.
    pub note: Option<String>,
    /// An extension's length, counted as the duty counts.
    pub days: Option<u32>,
    /// What an answer says about the duty the request asked about (its basis duty and
    /// licence): that the action was not done, or that it was done on a day.
    pub finding: Option<Finding>,
    /// The evidence file of the step: the photo of a stamped receipt, the scan of a
    /// paper reply. It must be a media item attached to the request.
    pub media_id: Option<crate::records::RecordId>,
}

/// What a reply establishes about the duty a request asked about. A reply saying no
/// consultation took place turns that gap from unverified into breached, citing the
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    NotDone,
    Done(Date),
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::NotDone => "not-done",
            Finding::Done(_) => "done",
        }
    }
}

/// The fields of a step.
pub const STEP_FIELDS: [&str; 7] = [
    "date", "state", "note", "days", "finding", "done_on", "media_id",
];

/// Reads the steps of a request (a JSON list of `{date, state, note?, days?}`),
/// checking each move against the one before. Errors name the step:
/// `(field, code, detail)`.
pub fn parse_steps(v: &Value) -> Result<Vec<Step>, (String, &'static str, String)> {
    let items = v.as_array().ok_or((
        "steps".to_owned(),
        "wrong-type",
        "expected a list of {\"date\", \"state\"} steps".to_owned(),
    ))?;
    let mut steps: Vec<Step> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("steps[{i}].{f}");
        let obj = item.as_object().ok_or((
            format!("steps[{i}]"),
            "wrong-type",
            "expected {\"date\", \"state\"}".to_owned(),
        ))?;
        if let Some(k) = obj.keys().find(|k| !STEP_FIELDS.contains(&k.as_str())) {
            return Err((
                at(k),
                "unknown-field",
                format!("a step has {}", STEP_FIELDS.join(", ")),
            ));
        }
        let date = obj
            .get("date")
            .and_then(Value::as_str)
            .filter(|s| s.len() == 10)
            .and_then(|s| s.parse::<Date>().ok())
            .ok_or((
                at("date"),
                "bad-date",
                "expected a date as YYYY-MM-DD".to_owned(),
            ))?;
        let state = obj
            .get("state")
            .and_then(Value::as_str)
            .and_then(|s| State::STORED.iter().find(|(n, _)| *n == s))
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                let names: Vec<&str> = State::STORED.iter().map(|(n, _)| *n).collect();
                (
                    at("state"),
                    "unknown-value",
                    format!("expected one of {}", names.join(", ")),
                )
            })?;
        let note = match obj.get("note") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= 2_000 => {
                Some(s.trim().to_owned()).filter(|s| !s.is_empty())
            }
            Some(_) => {
                return Err((
                    at("note"),
                    "wrong-type",
                    "expected text (at most 2000 characters)".into(),
                ));
            }
        };
        let days = match obj.get("days") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n @ 1..=365) => Some(n as u32),
                _ => {
                    return Err((
                        at("days"),
                        "out-of-range",
                        "expected a whole number of days, 1 to 365".into(),
                    ));
                }
            },
        };
        match (state, days) {
            (State::Extended, None) => {
                return Err((
                    at("days"),
                    "required",
                    "an extension says by how many days".into(),
                ));
            }
            (s, Some(_)) if s != State::Extended => {
                return Err((
                    at("days"),
                    "unexpected",
                    "only an extension has days".into(),
                ));
            }
            _ => {}
        }
        let finding = match obj.get("finding").and_then(|v| (!v.is_null()).then_some(v)) {
            None => None,
            Some(v) => {
                if !state.is_answer() {
                    return Err((
                        at("finding"),
                        "unexpected",
                        "only an answer (answered, partially answered, refused, not held) has a finding".into(),
                    ));
                }
                let done_on = obj.get("done_on").and_then(Value::as_str);
                match (v.as_str(), done_on) {
                    (Some("not-done"), None) => Some(Finding::NotDone),
                    (Some("not-done"), Some(_)) => {
                        return Err((
                            at("done_on"),
                            "unexpected",
                            "a not-done finding has no date".into(),
                        ));
                    }
                    (Some("done"), Some(d)) => match d.parse::<Date>() {
                        Ok(d) if d <= date => Some(Finding::Done(d)),
                        Ok(d) => {
                            return Err((
                                at("done_on"),
                                "after-answer",
                                format!("{d} is after the answer's date ({date})"),
                            ));
                        }
                        Err(_) => {
                            return Err((
                                at("done_on"),
                                "bad-date",
                                "expected a date as YYYY-MM-DD".into(),
                            ));
                        }
                    },
                    (Some("done"), None) => {
                        return Err((
                            at("done_on"),
                            "required",
                            "a done finding says when it was done".into(),
                        ));
                    }
                    _ => {
                        return Err((
                            at("finding"),
                            "unknown-value",
                            "expected not-done or done".into(),
                        ));
                    }
                }
            }
        };
        if finding.is_none() && obj.get("done_on").is_some_and(|v| !v.is_null()) {
            return Err((
                at("done_on"),
                "unexpected",
                "done_on goes with finding = done".into(),
            ));
        }
        let media_id = match obj.get("media_id") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_str().and_then(crate::records::RecordId::parse) {
                Some(id) => Some(id),
                None => {
                    return Err((
                        at("media_id"),
                        "wrong-reference",
                        "expected the id of an evidence file".into(),
                    ));
                }
            },
        };
        if state == State::Refused && note.is_none() {
            return Err((at("note"), "required", "a refusal cites its ground".into()));
        }
        let from = steps.last().map_or(State::Draft, |s| s.state);
        if let Some(prev) = steps.last()
            && date < prev.date
        {
            return Err((
                at("date"),
                "before-previous",
                format!("{date} is before the step before it ({})", prev.date),
            ));
        }
        // The first step may be any state a draft can reach, or the draft itself.
        let allowed = (steps.is_empty() && state == State::Draft) || from.next().contains(&state);
        if !allowed {
            return Err((
                at("state"),
                "not-allowed",
                format!("a request cannot go from {from} to {state}"),
            ));
        }
        steps.push(Step {
            date,
            state,
            note,
            days,
            finding,
            media_id,
        });
    }
    Ok(steps)
}

/// Where a request stands on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The stored state of the last step on or before the day, or overdue / very overdue.
    pub state: State,
    /// The day the clock started: the last sending (email) or the delivery (paper, hand).
    pub clock_start: Option<Date>,
    /// The due date, extensions included.
    pub due: Option<Date>,
    /// The due date before any extension, with how it was counted.
    pub base: Option<DueDate>,
    /// The extensions granted: (date granted, days, new due date).
    pub extensions: Vec<(Date, u32, Date)>,
    /// From this day on a silence is very overdue (if the duty says when).
    pub very_overdue_from: Option<Date>,
    /// The day the answer came.
    pub answered: Option<Date>,
    /// The duty whose deadline applies.
    pub duty: Option<String>,
    /// Sent on paper or by hand with no delivery recorded: the clock waits for the
    /// stamped receipt's date, and the requester is told so rather than left without a
    /// clock and without a word.
    pub awaiting_delivery: bool,
}

impl Standing {
    /// How the due date was worked out: the calendar's count from the clock's start,
    /// then each extension.
    pub fn why(&self) -> Option<Why> {
        let base = self.base.as_ref()?;
        Some(Why::Deadline {
            due: std::sync::Arc::new(base.clone()),
            extensions: self
                .extensions
                .iter()
                .map(|(granted, days, until)| Extension {
                    on: *granted,
                    by: count_like(base.derivation.count, *days),
                    to: *until,
                })
                .collect(),
        })
    }

    /// The derivation in English, for logs and tests ("Tue 8 Jul 2025 + 7 working days,
    /// skipping … → Thu 17 Jul 2025; extended on 2025-07-15 by 5 working days, to
    /// 2025-07-24"); readers get it through their language's messages.
    pub fn derivation(&self) -> Option<String> {
        self.why().map(|w| w.to_string())
    }
}

fn count_like(count: DayCount, n: u32) -> DayCount {
    match count {
        DayCount::Working(_) => DayCount::Working(n),
        DayCount::Calendar(_) => DayCount::Calendar(n),
    }
}

/// The pack's deadline duty for requests of `t` sent on `on`: the `request` duty its
/// sending triggers under the law in force that day (the 2011 information law's, or
/// the 2021 law's that replaced it).
pub fn duty_for(pack: &Pack, t: RequestType, on: Date) -> Option<&Duty> {
    let (sent, _) = t.events();
    pack.duties.iter().find(|d| {
        d.subject == "request"
            && d.trigger.as_deref() == Some(sent)
            && d.days.is_some()
            && pack.duty_in_force(d).contains(on)
    })
}

/// The step that started the clock: the last sending by email (resending restarts
/// it), the last delivery on paper or by hand (the stamped receipt).
fn clock_step<'s>(
    channel: Channel,
    steps: impl DoubleEndedIterator<Item = &'s Step>,
) -> Option<&'s Step> {
    let starts = match channel {
        Channel::Email => State::Sent,
        Channel::Paper | Channel::Hand => State::Delivered,
    };
    steps.rev().find(|s| s.state == starts)
}

/// Where a request with `steps`, sent through `channel`, stands on `as_of`.
pub fn standing(
    pack: &Pack,
    t: RequestType,
    channel: Channel,
    steps: &[Step],
    as_of: Date,
) -> Standing {
    let seen: Vec<&Step> = steps.iter().filter(|s| s.date <= as_of).collect();
    let last = seen.last().map_or(State::Draft, |s| s.state);
    let clock_start = clock_step(channel, seen.iter().copied()).map(|s| s.date);
    let answered = seen.iter().find(|s| s.state.is_answer()).map(|s| s.date);
    let duty = duty_for(pack, t, clock_start.unwrap_or(as_of));
    let awaiting_delivery = channel != Channel::Email
        && clock_start.is_none()
        && answered.is_none()
        && seen.iter().any(|s| s.state == State::Sent);
    let mut standing = Standing {
        awaiting_delivery,
        state: last,
        clock_start,
        due: None,
        base: None,
        extensions: Vec::new(),
        very_overdue_from: None,
        answered,
        duty: duty.map(|d| d.id.clone()),
    };
    let (Some(start), Some(duty), Some(calendar)) = (clock_start, duty, pack.calendar()) else {
        return standing;
    };
    let Some(count) = duty.day_count() else {
        return standing;
    };
    let rule = pack.non_working_due();
    let base = calendar.due_date(start, count, rule);
    let mut due = base.date;
    for s in seen
        .iter()
        .filter(|s| s.state == State::Extended && s.date >= start)
    {
        let days = s.days.unwrap_or(0);
        due = calendar.due_date(due, count_like(count, days), rule).date;
        standing.extensions.push((s.date, days, due));
    }
    if let Some(n) = duty.very_late_days {
        standing.very_overdue_from = Some(
            calendar
                .due_date(due, count_like(count, n), rule)
                .date
                .tomorrow()
                .unwrap_or(Date::MAX),
        );
    }
    // A day counts as late once the due day is over.
    if last.awaiting() {
        if standing.very_overdue_from.is_some_and(|v| as_of >= v) {
            standing.state = State::VeryOverdue;
        } else if as_of > due {
            standing.state = State::Overdue;
        }
    }
    standing.base = Some(base);
    standing.due = Some(due);
    standing
}

/// The engine's events of a request: its sending (from the day the clock started, to
/// the addressee) and its answer. A request withdrawn before any answer makes none.
pub fn events(
    id: &RecordId,
    t: RequestType,
    channel: Channel,
    authority: &RecordId,
    steps: &[Step],
) -> Vec<Event> {
    let Some(last) = steps.last() else {
        return Vec::new();
    };
    let answered = steps.iter().find(|s| s.state.is_answer());
    if last.state == State::Withdrawn && answered.is_none() {
        return Vec::new();
    }
    let Some(start) = clock_step(channel, steps.iter()) else {
        return Vec::new();
    };
    let (sent, answer) = t.events();
    let event = |kind: &str, date: Date, days: Option<u32>| Event {
        id: id.as_str().into(),
        kind: kind.to_owned(),
        subject: id.as_str().into(),
        date,
        by: None,
        to: Some(authority.as_str().into()),
        negative: false,
        retracted: false,
        days,
    };
    let mut out = vec![event(sent, start.date, None)];
    // Extensions granted after the clock started and before the answer.
    for x in steps.iter().filter(|s| {
        s.state == State::Extended
            && s.date >= start.date
            && answered.is_none_or(|a| s.date <= a.date)
    }) {
        out.push(event(crate::engine::EXTENSION_KIND, x.date, x.days));
    }
    if let Some(a) = answered {
        out.push(event(answer, a.date, None));
    }
    out
}

/// The engine event of what the last answer with a finding says about the request's
/// basis duty for its licence: the duty's action, not done (a negative event) or done
/// on a day. Its id is the request's, so the gap cites the request as its evidence.
pub fn finding_event(
    pack: &Pack,
    id: &RecordId,
    basis_duty: Option<&str>,
    subject: Option<&RecordId>,
    steps: &[Step],
) -> Option<Event> {
    let duty = pack.duty(basis_duty?)?;
    let kind = duty.action.first()?;
    let subject = subject?;
    let (step, finding) = steps.iter().rev().find_map(|s| s.finding.map(|f| (s, f)))?;
    let (date, negative) = match finding {
        Finding::NotDone => (step.date, true),
        Finding::Done(d) => (d, false),
    };
    Some(Event {
        id: id.as_str().into(),
        kind: kind.clone(),
        subject: subject.as_str().into(),
        date,
        by: None,
        to: None,
        negative,
        retracted: false,
        days: None,
    })
}

/// A draft information request for a gap: to the duty's bearer (when the bearer is
/// a record), asking what the duty's next step says, citing the duty as its basis and
/// naming the licence, so the answer's finding settles that gap. The payload is a
/// draft to edit, not a record yet.
pub fn draft_for_gap(pack: &Pack, gap: &crate::engine::Gap, lang: crate::text::Lang) -> Value {
    let duty = pack.duty(&gap.duty);
    let mut o = serde_json::Map::new();
    o.insert(
        "request_type".into(),
        Value::from(RequestType::Information.as_str()),
    );
    o.insert("channel".into(), Value::from(Channel::Email.as_str()));
    if RecordId::parse(&gap.bearer).is_some() {
        o.insert("authority_id".into(), Value::from(&*gap.bearer));
    }
    if let Some(d) = duty {
        o.insert("subject".into(), Value::from(d.title.get(lang)));
        // What to ask the bearer for: the record of the act the duty asks of it, by
        // the pack's name (not the next-step note, which is advice to the coalition).
        let acts: Vec<String> = d
            .action
            .iter()
            .chain(d.consequence.iter())
            .map(|a| {
                pack.event(a)
                    .map(|e| e.name.get(lang).to_owned())
                    .unwrap_or_else(|| a.clone())
            })
            .collect();
        let ask = match (lang, acts.is_empty()) {
            (crate::text::Lang::Mn, false) => format!(
                "Дараах үйл ажиллагааг баримтжуулсан бичиг баримтын хуулбар (огноо, дугаартай): {}. Холбогдох үүрэг: {}.",
                acts.join("; "),
                d.title.get(lang)
            ),
            (crate::text::Lang::En, false) => format!(
                "A copy of the documents recording (with their dates and numbers): {}. The duty concerned: {}.",
                acts.join("; "),
                d.title.get(lang)
            ),
            (_, true) => d.title.get(lang).to_owned(),
        };
        o.insert("ask".into(), Value::from(ask));
        if d.subject == "licence" {
            o.insert("licence_id".into(), Value::from(&*gap.subject));
        }
    }
    o.insert("basis_duty".into(), Value::from(&*gap.duty));
    Value::Object(o)
}

/// How an authority treats the requests sent to it, on a day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Requests whose clock started (sent by email, delivered on paper or by hand).
    pub sent: usize,
    pub answered_in_time: usize,
    pub answered_late: usize,
    /// Overdue or very overdue, no answer.
    pub never: usize,
    /// Refusals (counted among the answers as well).
    pub refused: usize,
    /// Not answered and not yet due.
    pub waiting: usize,
    /// The median of calendar days from the clock's start to the answer.
    pub median_days: Option<f64>,
}

/// [`Stats`] of `requests` (type, channel, steps) on `as_of`. A withdrawn request
/// without an answer counts for nothing.
pub fn stats<'a>(
    pack: &Pack,
    requests: impl IntoIterator<Item = (RequestType, Channel, &'a [Step])>,
    as_of: Date,
) -> Stats {
    let mut out = Stats::default();
    let mut days: Vec<i32> = Vec::new();
    for (t, channel, steps) in requests {
        let st = standing(pack, t, channel, steps, as_of);
        let Some(start) = st.clock_start else {
            continue;
        };
        if st.answered.is_none() && st.state == State::Withdrawn {
            continue;
        }
        out.sent += 1;
        match st.answered {
            Some(a) => {
                if st.due.is_none_or(|due| a <= due) {
                    out.answered_in_time += 1;
                } else {
                    out.answered_late += 1;
                }
                if steps
                    .iter()
                    .any(|s| s.state == State::Refused && s.date <= as_of)
                {
                    out.refused += 1;
                }
                days.push((a - start).get_days());
            }
            None if matches!(st.state, State::Overdue | State::VeryOverdue) => out.never += 1,
            None => out.waiting += 1,
        }
    }
    days.sort_unstable();
    out.median_days = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(f64::from(days[n / 2])),
        n => Some(f64::from(days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    out
}

impl Step {
    /// The step as stored (`{date, state, note?, days?, finding?, done_on?, media_id?}`).
    pub fn to_json(&self) -> Value {
        let mut o = serde_json::Map::new();
        o.insert("date".into(), Value::String(self.date.to_string()));
        o.insert("state".into(), Value::String(self.state.as_str().into()));
        if let Some(n) = &self.note {
            o.insert("note".into(), Value::String(n.clone()));
        }
        if let Some(d) = self.days {
            o.insert("days".into(), Value::from(d));
        }
        if let Some(f) = self.finding {
            o.insert("finding".into(), Value::String(f.as_str().into()));
            if let Finding::Done(d) = f {
                o.insert("done_on".into(), Value::String(d.to_string()));
            }
        }
        if let Some(m) = &self.media_id {
            o.insert("media_id".into(), Value::String(m.to_string()));
        }
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde_json::json;

    use super::*;
    use crate::law::pack::MONGOLIAN_PACK_FILES;

    fn pack() -> Pack {
        Pack::mongolian().expect("the Mongolian pack")
    }

    fn steps(v: Value) -> Vec<Step> {
        parse_steps(&v).expect("valid steps")
    }

    fn due(pack: &Pack, t: RequestType, channel: Channel, s: &[Step], as_of: Date) -> Standing {
        standing(pack, t, channel, s, as_of)
    }

    #[test]
    fn a_hand_delivered_request_without_a_delivery_date_says_it_has_no_clock() {
        let p = pack();
        let sent = steps(json!([{"date": "2025-03-03", "state": "sent"}]));
        let st = due(
            &p,
            RequestType::Information,
            Channel::Hand,
            &sent,
            date(2025, 4, 1),
        );
        assert!(st.awaiting_delivery);
        assert_eq!((st.clock_start, st.due), (None, None));
        let delivered = steps(json!([
            {"date": "2025-03-03", "state": "sent"},
            {"date": "2025-03-04", "state": "delivered"},
        ]));
        let st = due(
            &p,
            RequestType::Information,
            Channel::Hand,
            &delivered,
            date(2025, 4, 1),
        );
        assert!(!st.awaiting_delivery);
        assert_eq!(st.clock_start, Some(date(2025, 3, 4)));
        // Email starts its clock when it is sent: nothing awaited.
        let st = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &sent,
            date(2025, 4, 1),
        );
        assert!(!st.awaiting_delivery && st.due.is_some());
    }

    #[test]
    fn deadlines_skip_weekends_naadam_and_tsagaan_sar_and_say_how() {
        let p = pack();
        // Tue 8 Jul 2025 + 7 working days: 10–15 Jul is Naadam, 19–20 a weekend.
        let s = steps(json!([{"date": "2025-07-08", "state": "sent"}]));
        let st = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 7, 9),
        );
        assert_eq!(st.due, Some(date(2025, 7, 23)));
        assert_eq!(st.state, State::Sent);
        assert_eq!(
            st.duty.as_deref(),
            Some("mn.information-request-reply-2021")
        );
        let how = st.derivation().unwrap();
        assert!(
            how.starts_with("Tue 8 Jul 2025 + 7 working days, skipping 10–15 Jul 2025 (Naadam)"),
            "{how}"
        );
        assert!(how.ends_with("→ Wed 23 Jul 2025"), "{how}");
        // Due on the 23rd: still waiting that day, overdue the next.
        let on_due = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 7, 23),
        );
        assert_eq!(on_due.state, State::Sent);
        let late = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 7, 24),
        );
        assert_eq!(late.state, State::Overdue);
        // Very overdue after 7 more working days (the pack's policy): from 2 Aug.
        assert_eq!(late.very_overdue_from, Some(date(2025, 8, 2)));
        let very = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 8, 2),
        );
        assert_eq!(very.state, State::VeryOverdue);

        // Tsagaan Sar 2026: sent on the Monday before it.
        let s = steps(json!([{"date": "2026-02-16", "state": "sent"}]));
        let st = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2026, 2, 16),
        );
        let how = st.derivation().unwrap();
        assert!(how.contains("Tsagaan Sar"), "{how}");
        assert_eq!(st.due, Some(date(2026, 3, 3)), "{how}");

        // A complaint: 30 calendar days; ending on a Sunday it moves to Monday.
        let s = steps(json!([{"date": "2025-09-05", "state": "sent"}]));
        let st = due(
            &p,
            RequestType::Complaint,
            Channel::Email,
            &s,
            date(2025, 9, 6),
        );
        assert_eq!(st.due, Some(date(2025, 10, 6)), "{:?}", st.derivation());
        assert!(st.derivation().unwrap().contains("not a working day"));
    }

    #[test]
    fn adding_a_holiday_to_the_calendar_moves_every_open_deadline() {
        let extra = "\n[[holiday]]\ndate = \"2025-07-17\"\nname = { mn = \"Туршилт\", en = \"Test day off\" }\nsource = \"test\"\nconfidence = \"low\"\n";
        let files: Vec<(&str, String)> = MONGOLIAN_PACK_FILES
            .iter()
            .map(|(f, t)| {
                let text = if f.ends_with("calendar.toml") {
                    format!("{t}{extra}")
                } else {
                    (*t).to_owned()
                };
                (*f, text)
            })
            .collect();
        let refs: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
        let changed = Pack::from_files(&refs).expect("the pack with one more holiday");
        let s = steps(json!([{"date": "2025-07-08", "state": "sent"}]));
        let before = due(
            &pack(),
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 7, 9),
        );
        let after = due(
            &changed,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 7, 9),
        );
        assert_eq!(before.due, Some(date(2025, 7, 23)));
        assert_eq!(after.due, Some(date(2025, 7, 24)));
        assert!(
            after
                .derivation()
                .unwrap()
                .contains("17 Jul 2025 (Test day off)")
        );
    }

    #[test]
    fn paper_starts_the_clock_on_delivery_resending_restarts_it_and_extensions_add() {
        let p = pack();
        // On paper, posted on the 1st, stamped as received on the 3rd.
        let s = steps(json!([
            {"date": "2025-09-01", "state": "sent"},
            {"date": "2025-09-03", "state": "delivered", "note": "stamp no. 114"},
        ]));
        let st = due(
            &p,
            RequestType::Information,
            Channel::Paper,
            &s,
            date(2025, 9, 4),
        );
        assert_eq!(st.clock_start, Some(date(2025, 9, 3)));
        assert_eq!(st.due, Some(date(2025, 9, 12)));
        // By email, a bounce and a resend: the clock starts at the resend.
        let s = steps(json!([
            {"date": "2025-09-01", "state": "sending"},
            {"date": "2025-09-01", "state": "failed", "note": "550 mailbox unavailable"},
            {"date": "2025-09-02", "state": "sending"},
            {"date": "2025-09-02", "state": "sent"},
            {"date": "2025-09-05", "state": "extended", "days": 5},
        ]));
        let st = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 9, 5),
        );
        assert_eq!(st.clock_start, Some(date(2025, 9, 2)));
        // 2 Sep + 7 working days → 11 Sep; + 5 working days → 18 Sep.
        assert_eq!(
            st.extensions,
            vec![(date(2025, 9, 5), 5, date(2025, 9, 18))]
        );
        assert_eq!(st.due, Some(date(2025, 9, 18)));
        assert!(
            st.derivation()
                .unwrap()
                .ends_with("; extended on 2025-09-05 by 5 working days, to 2025-09-18")
        );
        assert_eq!(
            due(
                &p,
                RequestType::Information,
                Channel::Email,
                &s,
                date(2025, 9, 18)
            )
            .state,
            State::Extended
        );
        assert_eq!(
            due(
                &p,
                RequestType::Information,
                Channel::Email,
                &s,
                date(2025, 9, 19)
            )
            .state,
            State::Overdue
        );
        // A draft or a failed send has no clock; an answer stops it.
        let failed = steps(
            json!([{"date": "2025-09-01", "state": "sending"}, {"date": "2025-09-01", "state": "failed", "note": "connection refused"}]),
        );
        let st = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &failed,
            date(2026, 1, 1),
        );
        assert_eq!((st.state, st.due), (State::Failed, None));
        let answered = steps(
            json!([{"date": "2025-09-02", "state": "sent"}, {"date": "2025-09-30", "state": "answered"}]),
        );
        let st = due(
            &p,
            RequestType::Information,
            Channel::Email,
            &answered,
            date(2026, 1, 1),
        );
        assert_eq!(
            (st.state, st.answered),
            (State::Answered, Some(date(2025, 9, 30)))
        );
    }

    #[test]
    fn moves_are_checked_and_named() {
        let err = |v: Value| parse_steps(&v).unwrap_err();
        assert_eq!(
            err(
                json!([{"date": "2025-01-02", "state": "draft"}, {"date": "2025-01-03", "state": "answered"}])
            ),
            (
                "steps[1].state".to_owned(),
                "not-allowed",
                "a request cannot go from draft to answered".to_owned()
            )
        );
        assert_eq!(err(json!([{"date": "2025-01-02", "state": "sent"}, {"date": "2025-01-03", "state": "refused"}])).0, "steps[1].note");
        assert_eq!(err(json!([{"date": "2025-01-02", "state": "sent"}, {"date": "2025-01-03", "state": "extended"}])).0, "steps[1].days");
        assert_eq!(err(json!([{"date": "2025-01-02", "state": "sent"}, {"date": "2025-01-01", "state": "answered"}])).1, "before-previous");
        assert_eq!(
            err(json!([{"date": "2025-01-02", "state": "overdue"}])).1,
            "unknown-value"
        );
        assert_eq!(
            err(json!([{"date": "2025-01-02", "state": "sent"}, {"date": "2025-01-03", "state": "closed"}])).2,
            "a request cannot go from sent to closed"
        );
        // Every stored state but a terminal one leads somewhere; terminal ones nowhere.
        for (name, s) in State::STORED {
            assert_eq!(
                s.next().is_empty(),
                matches!(s, State::Withdrawn | State::Closed),
                "{name}"
            );
        }
    }

    #[test]
    fn the_engine_counts_an_extension_as_the_request_page_does() {
        use crate::engine::{Facts, Status, evaluate};
        let p = pack();
        let id = RecordId::parse("req-1").unwrap();
        let to = RecordId::parse("auth-1").unwrap();
        let s = steps(json!([
            {"date": "2025-09-02", "state": "sent"},
            {"date": "2025-09-05", "state": "extended", "days": 5},
            {"date": "2025-09-17", "state": "answered"},
        ]));
        let facts = Facts {
            events: events(&id, RequestType::Information, Channel::Email, &to, &s),
            ..Facts::default()
        };
        let eval = evaluate(&p, &facts, date(2025, 10, 1));
        let gap = eval
            .gaps
            .iter()
            .find(|g| &*g.duty == "mn.information-request-reply-2021")
            .unwrap();
        let page = standing(
            &p,
            RequestType::Information,
            Channel::Email,
            &s,
            date(2025, 10, 1),
        );
        assert_eq!(gap.due, page.due);
        assert_eq!(gap.due, Some(date(2025, 9, 18)));
        // Answered on the 17th, before the extended due date: on time.
        assert_eq!(gap.status, Status::Met);
        assert_eq!(gap.why.as_deref(), page.why().as_ref());
        assert_eq!(&*gap.bearer, "auth-1");
    }

    #[test]
    fn the_engine_sees_the_sending_and_the_answer() {
        let id = RecordId::parse("req-1").unwrap();
        let to = RecordId::parse("auth-1").unwrap();
        let s = steps(json!([
            {"date": "2025-09-01", "state": "sent"},
            {"date": "2025-09-03", "state": "delivered"},
            {"date": "2025-09-20", "state": "refused", "note": "state secret"},
        ]));
        let ev = events(&id, RequestType::Information, Channel::Hand, &to, &s);
        let got: Vec<(&str, Date)> = ev.iter().map(|e| (e.kind.as_str(), e.date)).collect();
        assert_eq!(
            got,
            vec![
                ("request-sent", date(2025, 9, 3)),
                ("request-answered", date(2025, 9, 20))
            ]
        );
        assert_eq!(ev[0].to.as_deref(), Some("auth-1"));
        let withdrawn = steps(
            json!([{"date": "2025-09-01", "state": "sent"}, {"date": "2025-09-02", "state": "withdrawn"}]),
        );
        assert!(events(&id, RequestType::Complaint, Channel::Email, &to, &withdrawn).is_empty());
        let c = events(&id, RequestType::Appeal, Channel::Email, &to, &s[..1]);
        assert_eq!(c[0].kind, "complaint-sent");
    }

    #[test]
    fn an_answers_finding_becomes_an_event_about_the_basis_duty() {
        let p = pack();
        let id = RecordId::parse("req-1").unwrap();
        let lic = RecordId::parse("lic-1").unwrap();
        let s = steps(json!([
            {"date": "2025-03-03", "state": "sent"},
            {"date": "2025-03-10", "state": "answered", "note": "no meeting was held",
             "finding": "not-done"}
        ]));
        let e = finding_event(
            &p,
            &id,
            Some("mn.consultation-before-licensing"),
            Some(&lic),
            &s,
        )
        .expect("an event");
        assert_eq!(e.kind, "community-consultation");
        assert_eq!(&*e.subject, "lic-1");
        assert_eq!(&*e.id, "req-1");
        assert!(e.negative);
        assert_eq!(e.date, date(2025, 3, 10));
        // A later answer saying it was done, on a day, wins.
        let s2 = steps(json!([
            {"date": "2025-03-03", "state": "sent"},
            {"date": "2025-03-10", "state": "partially_answered", "finding": "not-done"},
            {"date": "2025-03-20", "state": "answered", "finding": "done", "done_on": "2024-12-01"}
        ]));
        let e2 = finding_event(
            &p,
            &id,
            Some("mn.consultation-before-licensing"),
            Some(&lic),
            &s2,
        )
        .unwrap();
        assert!(!e2.negative);
        assert_eq!(e2.date, date(2024, 12, 1));
        // Without a basis duty, a licence or a finding there is nothing to say.
        assert!(finding_event(&p, &id, None, Some(&lic), &s).is_none());
        assert!(
            finding_event(&p, &id, Some("mn.consultation-before-licensing"), None, &s).is_none()
        );
        // Round trip through JSON.
        let back: Vec<Value> = s2.iter().map(Step::to_json).collect();
        assert_eq!(parse_steps(&Value::Array(back)).unwrap(), s2);
        // Findings belong to answers, and a done finding needs its day.
        for (bad, field) in [
            (
                json!([{"date": "2025-03-03", "state": "sent", "finding": "not-done"}]),
                "steps[0].finding",
            ),
            (
                json!([{"date": "2025-03-03", "state": "sent"},
                    {"date": "2025-03-04", "state": "answered", "finding": "done"}]),
                "steps[1].done_on",
            ),
            (
                json!([{"date": "2025-03-03", "state": "sent"},
                    {"date": "2025-03-04", "state": "answered", "finding": "done", "done_on": "2025-04-01"}]),
                "steps[1].done_on",
            ),
            (
                json!([{"date": "2025-03-03", "state": "sent"},
                    {"date": "2025-03-04", "state": "answered", "finding": "maybe"}]),
                "steps[1].finding",
            ),
        ] {
            assert_eq!(parse_steps(&bad).unwrap_err().0, field, "{bad}");
        }
    }

    #[test]
    fn an_authoritys_stats_count_in_time_late_never_refused_and_the_median() {
        let p = pack();
        let lists = [
            // Sent Tue 3 Mar 2026, answered two days later: in time.
            json!([{"date": "2026-03-03", "state": "sent"}, {"date": "2026-03-05", "state": "answered"}]),
            // Answered a month later: late.
            json!([{"date": "2026-03-03", "state": "sent"}, {"date": "2026-04-03", "state": "answered"}]),
            // Refused in time.
            json!([{"date": "2026-03-03", "state": "sent"}, {"date": "2026-03-09", "state": "refused", "note": "secret"}]),
            // Never answered.
            json!([{"date": "2026-03-03", "state": "sent"}]),
            // Sent yesterday: waiting.
            json!([{"date": "2026-05-31", "state": "sent"}]),
            // A draft and a withdrawn request count for nothing.
            json!([]),
            json!([{"date": "2026-03-03", "state": "sent"}, {"date": "2026-03-04", "state": "withdrawn"}]),
        ];
        let parsed: Vec<Vec<Step>> = lists.iter().map(|v| steps(v.clone())).collect();
        let st = stats(
            &p,
            parsed
                .iter()
                .map(|s| (RequestType::Information, Channel::Email, s.as_slice())),
            date(2026, 6, 1),
        );
        assert_eq!(
            st,
            Stats {
                sent: 5,
                answered_in_time: 2,
                answered_late: 1,
                never: 1,
                refused: 1,
                waiting: 1,
                median_days: Some(6.0),
            }
        );
    }
}
