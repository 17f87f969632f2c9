//! Legal packs: a jurisdiction's legal content as data.
//!
//! A pack is a folder of TOML files (`pack.toml`, `laws.toml`, `duties.toml`,
//! `standards.toml`, `calendar.toml`, `templates.toml`; any section may sit in any
//! file). It holds laws and their articles, the duties the engine checks, numeric
//! standards, the working-day calendar with dated public holidays, the types of
//! authority that bear duties, and letter templates. Every law, article, duty, standard
//! and holiday carries its `source` and `confidence`, because a paralegal must be able
//! to show where a rule comes from and how sure we are of it. A value the law does not
//! settle is marked `basis = "policy"`: a default a coalition may change.
//!
//! Loading checks everything and reports each problem with file, line and field.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::law::calendar::{Calendar, DayCount, NonWorkingDue};
use crate::text::{Lang, Localized};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// Whether a value comes from the law or is a default the coalition chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    #[default]
    Law,
    Policy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    pub code: String,
    pub name: Localized,
    pub version: String,
    #[serde(default)]
    pub description: Option<Localized>,
    /// The jurisdiction's offset from UTC in hours, for what "today" means when a
    /// deadline is counted (UTC when not given).
    #[serde(default)]
    pub utc_offset_hours: Option<i8>,
}

/// A kind of public body that holds duties, e.g. a soum governor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityType {
    pub id: String,
    pub name: Localized,
    /// `national`, `aimag` or `soum`.
    pub level: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    /// The type of body that hears complaints about this one (complaints about a
    /// missed deadline go there), with its source; none where our sources do not say.
    #[serde(default)]
    pub supervisor: Option<String>,
    #[serde(default)]
    pub supervisor_source: Option<String>,
}

/// A law (or regulation, order, standard-setting act).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Law {
    pub id: String,
    pub title: Localized,
    /// Adoption date, `YYYY-MM-DD`; left out where our sources do not give it.
    #[serde(default)]
    pub date: Option<Date>,
    /// The first day it applies (its entry into force); left out: from its adoption,
    /// or always where that is unknown too.
    #[serde(default)]
    pub in_force_from: Option<Date>,
    /// The last day it applies; left out while it is in force.
    #[serde(default)]
    pub in_force_until: Option<Date>,
    /// The law that replaced it (an id of this pack).
    #[serde(default)]
    pub replaced_by: Option<String>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

/// The days something applies: from and until (both inclusive), either open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InForce {
    pub from: Option<Date>,
    pub until: Option<Date>,
}

impl InForce {
    /// Always.
    pub const ALWAYS: InForce = InForce {
        from: None,
        until: None,
    };

    pub fn contains(&self, day: Date) -> bool {
        self.from.is_none_or(|f| day >= f) && self.until.is_none_or(|u| day <= u)
    }

    /// The days both apply.
    pub fn and(self, other: InForce) -> InForce {
        InForce {
            from: match (self.from, other.from) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            until: match (self.until, other.until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// The days from the earliest start to the latest end of several (always, for none).
    pub fn span(all: impl IntoIterator<Item = InForce>) -> InForce {
        let mut it = all.into_iter();
        let Some(first) = it.next() else {
            return InForce::ALWAYS;
        };
        it.fold(first, |a, b| InForce {
            from: a.from.zip(b.from).map(|(x, y)| x.min(y)),
            until: a.until.zip(b.until).map(|(x, y)| x.max(y)),
        })
    }
}

impl Law {
    /// The days it applies: from its entry into force (else its adoption) until its end.
    pub fn in_force(&self) -> InForce {
        InForce {
            from: self.in_force_from.or(self.date),
            until: self.in_force_until,
        }
    }
}

/// A provision of a law. `citation` is `unknown` where our sources do not give the
/// article number; we never invent one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub id: String,
    pub law: String,
    pub citation: String,
    /// The citation as Mongolian texts write it (`42 дугаар зүйлийн 42.1`); the
    /// English one where absent.
    #[serde(default)]
    pub citation_mn: Option<String>,
    pub summary: Localized,
    pub source: String,
    pub confidence: Confidence,
}

/// The six kinds of duty (see the engine for what each checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DutyKind {
    /// `action` must happen before `before`.
    Precondition,
    /// `action` within `days` after `trigger`.
    Deadline,
    /// `action` every period while the subject is active.
    Periodic,
    /// Measurements must not exceed a standard (times `multiple`); with an `action`,
    /// an exceedance makes that action owed within `days`.
    Limit,
    /// `count` findings within `window_days` make `consequence` owed within `days`.
    Threshold,
    /// A licence must not overlap a `zone` type.
    Spatial,
}

impl DutyKind {
    pub const ALL: [DutyKind; 6] = [
        DutyKind::Precondition,
        DutyKind::Deadline,
        DutyKind::Periodic,
        DutyKind::Limit,
        DutyKind::Threshold,
        DutyKind::Spatial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DutyKind::Precondition => "precondition",
            DutyKind::Deadline => "deadline",
            DutyKind::Periodic => "periodic",
            DutyKind::Limit => "limit",
            DutyKind::Threshold => "threshold",
            DutyKind::Spatial => "spatial",
        }
    }
}

/// What the absence of any record means for a duty whose time has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Silence {
    /// We would know if it happened (a reply to our own request): absence is overdue.
    Overdue,
    /// Nobody has recorded either way: absence is unverified, never overdue.
    #[default]
    Unverified,
}

/// How a day count is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Counting {
    #[default]
    Calendar,
    Working,
}

/// One duty: who must do what, when, under which provision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duty {
    pub id: String,
    pub kind: DutyKind,
    pub title: Localized,
    /// Article ids; empty only for `basis = "policy"` duties.
    #[serde(default)]
    pub articles: Vec<String>,
    /// `licence-holder`, `addressee` (of a request) or an authority type id.
    pub bearer: String,
    /// What the duty is about: `licence`, `request`, `station`, `company`, `authority`.
    pub subject: String,
    /// Only for licences of this type (`exploration` or `mining`).
    #[serde(default)]
    pub licence_type: Option<String>,
    #[serde(default)]
    pub trigger: Option<String>,
    /// The event kinds that perform the duty.
    #[serde(default)]
    pub action: Vec<String>,
    #[serde(default)]
    pub before: Option<String>,
    /// Deadline duties: an action before the trigger also performs the duty (an
    /// agreement signed before operations started).
    #[serde(default)]
    pub count_earlier: bool,
    /// Days after the trigger the action is due (deadline), or, for limit and threshold
    /// duties, the days the owed action or consequence has.
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub counting: Counting,
    /// Requests: a silence this many days (counted as `counting` says) past the due
    /// date is very overdue. A coalition's policy, not the law's.
    #[serde(default)]
    pub very_late_days: Option<u32>,
    /// The action is due this many months before the trigger (e.g. an extension filed
    /// one month before the licence expires).
    #[serde(default)]
    pub months_before: Option<u32>,

    /// Periodic: `year` (due on `due` each year) or `days` (every `days`).
    #[serde(default)]
    pub every: Option<String>,
    /// Periodic yearly due date, `MM-DD`.
    #[serde(default)]
    pub due: Option<String>,
    /// Periodic: the event kind that starts the obligation (e.g. operation start).
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub standard: Option<String>,
    /// Limit duties: several standards the same party keeps to (each read as
    /// `standard` would be).
    #[serde(default)]
    pub standards: Vec<String>,
    #[serde(default)]
    pub multiple: Option<f64>,
    #[serde(default)]
    pub finding: Option<String>,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub window_days: Option<u32>,
    #[serde(default)]
    pub consequence: Option<String>,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub silence: Silence,
    #[serde(default)]
    pub basis: Basis,
    /// Why the value is a policy default (required with `basis = "policy"`): text in
    /// both languages, or English alone.
    #[serde(default, deserialize_with = "text_or_localized")]
    pub basis_note: Option<Localized>,
    /// The first day the duty can be owed (a trigger before it owes nothing), where it
    /// starts later than its law (a new procedure under an old law).
    #[serde(default)]
    pub in_force_from: Option<Date>,
    /// The last day a trigger makes it owed, where it ends before its law.
    #[serde(default)]
    pub in_force_until: Option<Date>,
    pub next_step: Localized,
    pub source: String,
    pub confidence: Confidence,
    /// What a reader should know of how the duty is modelled.
    #[serde(default)]
    pub note: Option<String>,
}

/// A text given in both languages (`{ mn = "…", en = "…" }`) or as one English string.
fn text_or_localized<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Localized>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Both(Localized),
    }
    Ok(Some(match Either::deserialize(d)? {
        Either::Text(en) => Localized {
            mn: None,
            en: Some(en),
        },
        Either::Both(l) => l,
    }))
}

/// What a duty asks, by kind: the fields of the TOML form its kind needs, read once, so
/// that the engine's rules get them typed instead of checking each `Option` again.
/// (`check_duty` refuses a pack whose duty lacks one, so a checked pack's duties all
/// have a rule.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule<'d> {
    /// The action is owed before the first `before` event (an opinion before a grant).
    Precondition { before: &'d str },
    /// The action is owed after each `trigger` event, by `due`.
    Deadline { trigger: &'d str, due: Due },
    /// The action is owed periodically once a `from` event has happened.
    Periodic { from: &'d str, every: Every<'d> },
    /// Measurements must keep within a standard (times `multiple`); with actions, a
    /// value over it makes them owed within `respond`.
    Limit {
        standard: &'d str,
        multiple: f64,
        respond: DayCount,
    },
    /// `count` findings within `window_days` make a `consequence` owed within `respond`.
    Threshold {
        finding: &'d str,
        count: u32,
        window_days: u32,
        consequence: &'d str,
        respond: DayCount,
    },
    /// A licence must keep out of zones of this type.
    Spatial { zone: &'d str },
}

/// When a deadline falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A count of days after the trigger.
    After(DayCount),
    /// Months before the trigger.
    MonthsBefore(u32),
}

/// How often a periodic duty is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every<'d> {
    /// Each year by a day (`MM-DD`).
    Year { by: &'d str },
    /// Every so many days.
    Days(u32),
}

impl Duty {
    /// What the duty asks, if the duty has the fields its kind needs.
    pub fn rule(&self) -> Option<Rule<'_>> {
        let respond = self.day_count().unwrap_or(DayCount::Calendar(0));
        Some(match self.kind {
            DutyKind::Precondition => Rule::Precondition {
                before: self.before.as_deref()?,
            },
            DutyKind::Deadline => Rule::Deadline {
                trigger: self.trigger.as_deref()?,
                due: match (self.months_before, self.day_count()) {
                    (Some(m), _) => Due::MonthsBefore(m),
                    (None, Some(count)) => Due::After(count),
                    (None, None) => return None,
                },
            },
            DutyKind::Periodic => Rule::Periodic {
                from: self.from.as_deref()?,
                every: match self.every.as_deref()? {
                    "year" => Every::Year {
                        by: self.due.as_deref()?,
                    },
                    _ => Every::Days(self.days?),
                },
            },
            DutyKind::Limit => Rule::Limit {
                standard: self
                    .standard
                    .as_deref()
                    .or(self.standards.first().map(String::as_str))?,
                multiple: self.multiple.unwrap_or(1.0),
                respond,
            },
            DutyKind::Threshold => Rule::Threshold {
                finding: self.finding.as_deref()?,
                count: self.count?.max(1),
                window_days: self.window_days?,
                consequence: self.consequence.as_deref()?,
                respond,
            },
            DutyKind::Spatial => Rule::Spatial {
                zone: self.zone.as_deref()?,
            },
        })
    }

    /// A limit duty's standards: `standard` and `standards`, each once.
    pub fn limit_standards(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in self.standard.iter().chain(&self.standards) {
            if !out.contains(&s.as_str()) {
                out.push(s);
            }
        }
        out
    }

    /// The day count of a deadline-like duty.
    pub fn day_count(&self) -> Option<DayCount> {
        self.days.map(|n| match self.counting {
            Counting::Calendar => DayCount::Calendar(n),
            Counting::Working => DayCount::Working(n),
        })
    }
}

/// A numeric limit of a standard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub id: String,
    /// The standard's code, e.g. `MNS 4585:2016`.
    pub code: String,
    /// `air`, `water`, `noise`, `soil`.
    pub medium: String,
    pub parameter: String,
    pub name: Localized,
    pub limit: f64,
    pub unit: String,
    /// `20min`, `1h`, `8h`, `24h`, `annual`, `day16h`, `night8h`.
    pub averaging: String,
    /// `max` (the default: a value must not exceed the limit) or `min` (must not fall
    /// below, e.g. dissolved oxygen).
    #[serde(default)]
    pub direction: Option<String>,
    /// The first day the limit applies (a value measured before it is not compared).
    #[serde(default)]
    pub in_force_from: Option<Date>,
    /// The last day it applies.
    #[serde(default)]
    pub in_force_until: Option<Date>,
    pub source: String,
    pub confidence: Confidence,
}

impl Standard {
    pub fn in_force(&self) -> InForce {
        InForce {
            from: self.in_force_from,
            until: self.in_force_until,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Weekend days, e.g. `["sat", "sun"]`.
    pub weekend: Vec<String>,
    /// The first and last year the holiday table covers.
    pub years: [i16; 2],
    /// `next-working-day` or `keep`: a calendar-day deadline on a non-working day.
    pub non_working_due: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub basis: Basis,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: Date,
    pub name: Localized,
    pub source: String,
    pub confidence: Confidence,
}

/// A letter template (requests and complaints use them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub id: String,
    pub title: Localized,
    /// Text with `{placeholders}`.
    pub body: Localized,
    #[serde(default)]
    pub duties: Vec<String>,
    pub source: String,
    pub confidence: Confidence,
}

/// What makes the engine's events: the records (and fields) it reads them from. A
/// pack's events name these in `produced_by`; `disclosure` and `decision` records name
/// their event themselves (the document disclosed, what was decided), chosen from the
/// events the pack lets them produce.
pub const PRODUCERS: [(&str, &str); 13] = [
    ("licence.granted", "a licence's grant date"),
    ("licence.expires", "a licence's expiry date"),
    (
        "licence.history",
        "a licence's recorded change of status (applied, operating, extended, transferred, suspended, revoked, expired)",
    ),
    (
        "consultation",
        "a consultation record (licensing: community-consultation; EIA: public-consultation)",
    ),
    ("disclosure", "a disclosure record naming the document"),
    ("decision", "a decision record naming what was decided"),
    ("inspection", "an inspection record"),
    ("violation", "a violation record"),
    ("agreement", "a signed agreement record"),
    ("complaint", "a complaint or appeal, and its answer"),
    ("commitment", "each due day of a commitment's schedule"),
    ("payment", "a payment or delivery against a commitment"),
    (
        "request",
        "the steps of a request: sent, extended, answered",
    ),
];

/// The built-in (Mongolian) pack's name of an event, for records that name one (a
/// disclosure's document, a decision) in their labels.
pub fn builtin_event_name(id: &str) -> Option<Localized> {
    static PACK: std::sync::OnceLock<Option<Pack>> = std::sync::OnceLock::new();
    PACK.get_or_init(|| Pack::mongolian().ok())
        .as_ref()?
        .event(id)
        .map(|e| e.name.clone())
}

/// The events a producer with a fixed vocabulary makes (the code decides them); `None`
/// for `disclosure` and `decision`, whose records name their event from the pack's.
pub fn fixed_events(producer: &str) -> Option<Vec<&'static str>> {
    use crate::records::LicenceStatus;
    use crate::requests::RequestType;
    Some(match producer {
        "licence.granted" => vec!["licence-granted"],
        "licence.expires" => vec!["licence-expires"],
        "licence.history" => LicenceStatus::ALL.iter().map(|(_, s)| s.event()).collect(),
        "consultation" => vec!["community-consultation", "public-consultation"],
        "inspection" => vec!["inspection"],
        "violation" => vec!["violation"],
        "agreement" => vec!["agreement-signed"],
        "complaint" => vec!["complaint-sent", "complaint-answered"],
        "commitment" => vec!["commitment-due"],
        "payment" => vec!["commitment-fulfilled"],
        "request" => {
            let mut v: Vec<&'static str> = RequestType::ALL
                .iter()
                .flat_map(|(_, t)| {
                    let (a, b) = t.events();
                    [a, b]
                })
                .collect();
            v.push(crate::engine::EXTENSION_KIND);
            v
        }
        _ => return None,
    })
}

/// The events records may name themselves, from a pack: the documents a disclosure
/// may name and what a decision may decide. An import or a form naming another is
/// refused with the nearest known name, so a typo never imports silently to be read
/// by no duty.
#[derive(Debug, Clone, Default)]
pub struct EventNames {
    documents: Vec<String>,
    decisions: Vec<String>,
}

impl EventNames {
    /// `None` for a pack that declares no events (nothing to check against).
    pub fn of(pack: &Pack) -> Option<EventNames> {
        if pack.events.is_empty() {
            return None;
        }
        let ids = |p: &str| pack.events_of(p).iter().map(|e| e.id.clone()).collect();
        Some(EventNames {
            documents: ids("disclosure"),
            decisions: ids("decision"),
        })
    }

    /// The fields of a record of `kind` that name an unknown event.
    pub fn check(
        &self,
        kind: crate::RecordKind,
        payload: &serde_json::Value,
    ) -> Vec<crate::records::FieldError> {
        let (field, known, what) = match kind {
            crate::RecordKind::Disclosure => ("document", &self.documents, "document"),
            crate::RecordKind::Decision => ("decision", &self.decisions, "decision"),
            _ => return Vec::new(),
        };
        let Some(name) = payload.get(field).and_then(serde_json::Value::as_str) else {
            return Vec::new();
        };
        if known.iter().any(|k| k == name) {
            return Vec::new();
        }
        let near = crate::text::nearest(name, known.iter().map(String::as_str));
        vec![crate::records::FieldError::new(
            field,
            "unknown-event",
            format!(
                "{name:?} is not a {what} the legal pack knows{}; expected one of {}",
                near.map(|n| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default(),
                known.join(", ")
            ),
        )]
    }
}

/// An event a duty reads: its names, what produces it, and whether its absence is
/// something we would know of (a reply to our own request) or not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub id: String,
    pub name: Localized,
    /// Names from [`PRODUCERS`].
    pub produced_by: Vec<String>,
    #[serde(default)]
    pub absence_knowable: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// The kinds of water a [`WaterZone`] draws a zone around.
pub const WATER_KINDS: [&str; 3] = ["river", "lake", "spring"];

/// A protection zone the law draws around water: every river, lake or spring of the
/// kinds listed gets a zone of type `zone` reaching `metres` from it. `metres` is left
/// out where our sources do not give the width; then zones are drawn only with a width
/// a person gives with its own source (a Khural resolution), never a guessed one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaterZone {
    pub id: String,
    pub title: Localized,
    /// The zone type it makes: one a spatial duty keeps licences out of.
    pub zone: String,
    /// `river`, `lake`, `spring`.
    pub water: Vec<String>,
    #[serde(default)]
    pub metres: Option<f64>,
    /// The law that sets it; the zone counts from the law's date.
    pub law: String,
    /// The article, where our sources give it.
    #[serde(default)]
    pub article: Option<String>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    #[serde(default)]
    pack: Option<PackInfo>,
    #[serde(default)]
    authority_type: Vec<AuthorityType>,
    #[serde(default)]
    law: Vec<Law>,
    #[serde(default)]
    article: Vec<Article>,
    #[serde(default)]
    duty: Vec<Duty>,
    #[serde(default)]
    standard: Vec<Standard>,
    #[serde(default)]
    calendar: Option<CalendarSpec>,
    #[serde(default)]
    holiday: Vec<Holiday>,
    #[serde(default)]
    template: Vec<Template>,
    #[serde(default)]
    water_zone: Vec<WaterZone>,
    #[serde(default)]
    event: Vec<EventSpec>,
}

/// A loaded, checked pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub info: PackInfo,
    pub authority_types: Vec<AuthorityType>,
    pub laws: Vec<Law>,
    pub articles: Vec<Article>,
    pub duties: Vec<Duty>,
    pub standards: Vec<Standard>,
    pub calendar_spec: Option<CalendarSpec>,
    pub holidays: Vec<Holiday>,
    pub templates: Vec<Template>,
    pub water_zones: Vec<WaterZone>,
    /// The events duties read (empty in a pack that does not declare them).
    pub events: Vec<EventSpec>,
    calendar: Option<Calendar>,
}

/// A problem found in a pack file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackDiagnostic {
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for PackDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.file, line, self.field, self.message
            ),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

/// Where each item came from, for diagnostics.
struct Origin<'a> {
    file: &'a str,
    text: &'a str,
}

impl Origin<'_> {
    /// The line of the first occurrence of `needle` (1-based).
    fn line_of(&self, needle: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
    }
}

/// Collects problems.
struct Checker<'a> {
    origins: Vec<Origin<'a>>,
    problems: Vec<PackDiagnostic>,
}

impl Checker<'_> {
    fn at(&mut self, origin: usize, needle: &str, field: &str, message: String) {
        let o = &self.origins[origin];
        self.problems.push(PackDiagnostic {
            file: o.file.to_owned(),
            line: o.line_of(needle),
            field: field.to_owned(),
            message,
        });
    }
}

fn both_languages(text: &Localized) -> bool {
    text.mn.as_deref().is_some_and(|s| !s.trim().is_empty())
        && text.en.as_deref().is_some_and(|s| !s.trim().is_empty())
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// The files of the Mongolian pack (`packs/mn`), built into the binary so a fresh
/// install needs no files.
pub const MONGOLIAN_PACK_FILES: [(&str, &str); 8] = [
    (
        "packs/mn/pack.toml",
        include_str!("../../../../packs/mn/pack.toml"),
    ),
    (
        "packs/mn/laws.toml",
        include_str!("../../../../packs/mn/laws.toml"),
    ),
    (
        "packs/mn/duties.toml",
        include_str!("../../../../packs/mn/duties.toml"),
    ),
    (
        "packs/mn/standards.toml",
        include_str!("../../../../packs/mn/standards.toml"),
    ),
    (
        "packs/mn/calendar.toml",
        include_str!("../../../../packs/mn/calendar.toml"),
    ),
    (
        "packs/mn/templates.toml",
        include_str!("../../../../packs/mn/templates.toml"),
    ),
    (
        "packs/mn/zones.toml",
        include_str!("../../../../packs/mn/zones.toml"),
    ),
    (
        "packs/mn/events.toml",
        include_str!("../../../../packs/mn/events.toml"),
    ),
];

/// Bearers that are not authority types.
pub const SPECIAL_BEARERS: [&str; 2] = ["licence-holder", "addressee"];
/// Subjects the engine knows.
pub const SUBJECTS: [&str; 5] = ["licence", "request", "station", "company", "authority"];

impl Pack {
    /// The built-in Mongolian pack.
    pub fn mongolian() -> Result<Pack, Vec<PackDiagnostic>> {
        Pack::from_files(&MONGOLIAN_PACK_FILES)
    }

    /// Parses one file holding a whole pack. `file` names it in diagnostics.
    pub fn from_toml(file: &str, text: &str) -> Result<Pack, Vec<PackDiagnostic>> {
        Pack::from_files(&[(file, text)])
    }

    /// Parses and checks the files of a pack (`(name, text)` pairs).
    pub fn from_files(files: &[(&str, &str)]) -> Result<Pack, Vec<PackDiagnostic>> {
        let mut checker = Checker {
            origins: files
                .iter()
                .map(|(file, text)| Origin { file, text })
                .collect(),
            problems: Vec::new(),
        };
        let mut parsed = Vec::new();
        for (i, (file, text)) in files.iter().enumerate() {
            match toml::from_str::<PackFile>(text) {
                Ok(p) => parsed.push((i, p)),
                Err(e) => {
                    let line = e
                        .span()
                        .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
                    checker.problems.push(PackDiagnostic {
                        file: (*file).to_owned(),
                        line,
                        field: String::new(),
                        message: e.message().to_owned(),
                    });
                }
            }
        }
        if !checker.problems.is_empty() {
            return Err(checker.problems);
        }
        // Merge, remembering each item's file.
        let mut info: Option<(usize, PackInfo)> = None;
        let mut authority_types = Vec::new();
        let mut laws = Vec::new();
        let mut articles = Vec::new();
        let mut duties = Vec::new();
        let mut standards = Vec::new();
        let mut calendar_spec: Option<(usize, CalendarSpec)> = None;
        let mut holidays = Vec::new();
        let mut templates = Vec::new();
        let mut water_zones = Vec::new();
        let mut events = Vec::new();
        for (i, p) in parsed {
            if let Some(pi) = p.pack {
                if info.is_some() {
                    checker.at(i, "[pack]", "pack", "a second [pack] section".into());
                }
                info = Some((i, pi));
            }
            if let Some(c) = p.calendar {
                if calendar_spec.is_some() {
                    checker.at(
                        i,
                        "[calendar]",
                        "calendar",
                        "a second [calendar] section".into(),
                    );
                }
                calendar_spec = Some((i, c));
            }
            authority_types.extend(p.authority_type.into_iter().map(|x| (i, x)));
            laws.extend(p.law.into_iter().map(|x| (i, x)));
            articles.extend(p.article.into_iter().map(|x| (i, x)));
            duties.extend(p.duty.into_iter().map(|x| (i, x)));
            standards.extend(p.standard.into_iter().map(|x| (i, x)));
            holidays.extend(p.holiday.into_iter().map(|x| (i, x)));
            templates.extend(p.template.into_iter().map(|x| (i, x)));
            water_zones.extend(p.water_zone.into_iter().map(|x| (i, x)));
            events.extend(p.event.into_iter().map(|x| (i, x)));
        }
        let Some((info_origin, info)) = info else {
            checker.problems.push(PackDiagnostic {
                file: files.first().map(|f| f.0).unwrap_or("pack.toml").to_owned(),
                line: None,
                field: "pack".into(),
                message: "no [pack] section: give code, name and version".into(),
            });
            return Err(checker.problems);
        };
        if !both_languages(&info.name) {
            checker.at(
                info_origin,
                "[pack]",
                "pack.name",
                "give the name in both mn and en".into(),
            );
        }
        if info
            .utc_offset_hours
            .is_some_and(|h| !(-12..=14).contains(&h))
        {
            checker.at(
                info_origin,
                "[pack]",
                "pack.utc_offset_hours",
                "give an offset between -12 and 14 hours".into(),
            );
        }

        // Ids are unique within their kind.
        fn unique<'t, T>(
            checker: &mut Checker,
            items: &'t [(usize, T)],
            kind: &str,
            id: impl Fn(&T) -> &str,
        ) -> HashSet<&'t str> {
            let mut seen = HashSet::new();
            for (o, item) in items {
                let id = id(item);
                if !seen.insert(id) {
                    checker.at(
                        *o,
                        &format!("\"{id}\""),
                        &format!("{kind}.id"),
                        format!("duplicate id {id:?}"),
                    );
                }
            }
            seen
        }
        let authority_ids = unique(&mut checker, &authority_types, "authority_type", |t| &t.id);
        let law_ids = unique(&mut checker, &laws, "law", |l| &l.id);
        let article_ids = unique(&mut checker, &articles, "article", |a| &a.id);
        let duty_ids = unique(&mut checker, &duties, "duty", |d| &d.id);
        let standard_ids = unique(&mut checker, &standards, "standard", |s| &s.id);
        unique(&mut checker, &templates, "template", |t| &t.id);
        unique(&mut checker, &water_zones, "water_zone", |w| &w.id);
        let event_ids = unique(&mut checker, &events, "event", |e| &e.id);

        let sourced = |checker: &mut Checker, o: usize, id: &str, kind: &str, source: &str| {
            if source.trim().is_empty() {
                checker.at(
                    o,
                    &format!("\"{id}\""),
                    &format!("{kind}.source"),
                    format!("{id:?}: a source is required"),
                );
            }
        };
        for (o, t) in &authority_types {
            if !both_languages(&t.name) {
                checker.at(
                    *o,
                    &format!("\"{}\"", t.id),
                    "authority_type.name",
                    format!("{:?}: give the name in both mn and en", t.id),
                );
            }
            if !["national", "aimag", "soum"].contains(&t.level.as_str()) {
                checker.at(
                    *o,
                    &format!("\"{}\"", t.id),
                    "authority_type.level",
                    format!("{:?}: expected national, aimag or soum", t.level),
                );
            }
            sourced(&mut checker, *o, &t.id, "authority_type", &t.source);
            if let Some(sup) = &t.supervisor {
                if !authority_ids.contains(sup.as_str()) || sup == &t.id {
                    checker.at(
                        *o,
                        &format!("\"{}\"", t.id),
                        "authority_type.supervisor",
                        format!("{:?}: unknown authority type {sup:?}", t.id),
                    );
                }
                if t.supervisor_source
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
                {
                    checker.at(
                        *o,
                        &format!("\"{}\"", t.id),
                        "authority_type.supervisor_source",
                        format!("{:?}: say where the supervision is written", t.id),
                    );
                }
            }
        }
        for (o, l) in &laws {
            if !both_languages(&l.title) {
                checker.at(
                    *o,
                    &format!("\"{}\"", l.id),
                    "law.title",
                    format!("{:?}: give the title in both mn and en", l.id),
                );
            }
            sourced(&mut checker, *o, &l.id, "law", &l.source);
            let here = format!("\"{}\"", l.id);
            if let (Some(from), Some(until)) = (l.in_force().from, l.in_force_until)
                && until < from
            {
                checker.at(
                    *o,
                    &here,
                    "law.in_force_until",
                    format!("{:?}: ends on {until}, before it starts on {from}", l.id),
                );
            }
            if let Some(r) = &l.replaced_by {
                if !law_ids.contains(r.as_str()) || r == &l.id {
                    checker.at(
                        *o,
                        &here,
                        "law.replaced_by",
                        format!("{:?}: unknown law {r:?}", l.id),
                    );
                }
                if l.in_force_until.is_none() {
                    checker.at(
                        *o,
                        &here,
                        "law.in_force_until",
                        format!(
                            "{:?}: replaced by {r:?}: give the last day it applied",
                            l.id
                        ),
                    );
                }
            }
        }
        for (o, a) in &articles {
            let here = format!("\"{}\"", a.id);
            if !law_ids.contains(a.law.as_str()) {
                checker.at(
                    *o,
                    &here,
                    "article.law",
                    format!("{:?}: unknown law {:?}", a.id, a.law),
                );
            }
            if !both_languages(&a.summary) {
                checker.at(
                    *o,
                    &here,
                    "article.summary",
                    format!("{:?}: give the summary in both mn and en", a.id),
                );
            }
            if a.citation.trim().is_empty() {
                checker.at(
                    *o,
                    &here,
                    "article.citation",
                    format!("{:?}: write the citation, or \"unknown\"", a.id),
                );
            }
            sourced(&mut checker, *o, &a.id, "article", &a.source);
        }
        for (o, s) in &standards {
            let here = format!("\"{}\"", s.id);
            if !both_languages(&s.name) {
                checker.at(
                    *o,
                    &here,
                    "standard.name",
                    format!("{:?}: give the name in both mn and en", s.id),
                );
            }
            if !s.limit.is_finite() {
                checker.at(
                    *o,
                    &here,
                    "standard.limit",
                    format!("{:?}: a number is required", s.id),
                );
            }
            if ![
                "20min", "1h", "8h", "24h", "annual", "day16h", "night8h", "sample",
            ]
            .contains(&s.averaging.as_str())
            {
                checker.at(
                    *o,
                    &here,
                    "standard.averaging",
                    format!("{:?}: unknown averaging period {:?}", s.id, s.averaging),
                );
            }
            if let Some(d) = &s.direction
                && d != "max"
                && d != "min"
            {
                checker.at(
                    *o,
                    &here,
                    "standard.direction",
                    format!("{:?}: expected max or min", s.id),
                );
            }
            sourced(&mut checker, *o, &s.id, "standard", &s.source);
        }
        if let Some((o, c)) = &calendar_spec {
            for d in &c.weekend {
                if weekday(d).is_none() {
                    checker.at(
                        *o,
                        "weekend",
                        "calendar.weekend",
                        format!("{d:?}: expected mon, tue, … sun"),
                    );
                }
            }
            if c.years[0] > c.years[1] {
                checker.at(
                    *o,
                    "years",
                    "calendar.years",
                    "the first year comes after the last".into(),
                );
            }
            if !["next-working-day", "keep"].contains(&c.non_working_due.as_str()) {
                checker.at(
                    *o,
                    "non_working_due",
                    "calendar.non_working_due",
                    "expected next-working-day or keep".into(),
                );
            }
            sourced(&mut checker, *o, "calendar", "calendar", &c.source);
            let mut years_with_holidays: HashSet<i16> = HashSet::new();
            let mut seen_dates = HashSet::new();
            for (ho, h) in &holidays {
                let here = format!("{}", h.date);
                if !seen_dates.insert(h.date) {
                    checker.at(
                        *ho,
                        &here,
                        "holiday.date",
                        format!("{} is listed twice", h.date),
                    );
                }
                if !both_languages(&h.name) {
                    checker.at(
                        *ho,
                        &here,
                        "holiday.name",
                        format!("{}: give the name in both mn and en", h.date),
                    );
                }
                if h.source.trim().is_empty() {
                    checker.at(
                        *ho,
                        &here,
                        "holiday.source",
                        format!("{}: a source is required", h.date),
                    );
                }
                years_with_holidays.insert(h.date.year());
            }
            for year in c.years[0]..=c.years[1] {
                if !years_with_holidays.contains(&year) {
                    checker.at(
                        *o,
                        "years",
                        "calendar.years",
                        format!("no holidays listed for {year}, which the calendar says it covers"),
                    );
                }
            }
        } else if !holidays.is_empty() {
            let (ho, h) = &holidays[0];
            checker.at(
                *ho,
                &format!("{}", h.date),
                "holiday",
                "holidays without a [calendar] section".into(),
            );
        }
        for (o, d) in &duties {
            check_duty(
                &mut checker,
                *o,
                d,
                &article_ids,
                &authority_ids,
                &standard_ids,
                calendar_spec.is_some(),
            );
        }
        for (o, t) in &templates {
            let here = format!("\"{}\"", t.id);
            if !both_languages(&t.title) || !both_languages(&t.body) {
                checker.at(
                    *o,
                    &here,
                    "template",
                    format!("{:?}: give title and body in both mn and en", t.id),
                );
            }
            for d in &t.duties {
                if !duty_ids.contains(d.as_str()) {
                    checker.at(
                        *o,
                        &here,
                        "template.duties",
                        format!("{:?}: unknown duty {d:?}", t.id),
                    );
                }
            }
            for lang in Lang::ALL {
                for p in crate::law::letter::unknown_placeholders(t.body.get(lang)) {
                    checker.at(
                        *o,
                        &here,
                        "template.body",
                        format!(
                            "{:?}: unknown placeholder {{{p}}} in {}; known: {}",
                            t.id,
                            lang.code(),
                            crate::law::letter::PLACEHOLDERS.map(|(k, _)| k).join(", ")
                        ),
                    );
                }
            }
            sourced(&mut checker, *o, &t.id, "template", &t.source);
        }
        // Each duty within its laws' days, and a duty whose law was replaced followed
        // by one under the new law.
        let law_days = |id: &str| {
            laws.iter()
                .find(|(_, l)| l.id == id)
                .map(|(_, l)| l.in_force())
        };
        let duty_days = |d: &Duty| {
            let own = InForce {
                from: d.in_force_from,
                until: d.in_force_until,
            };
            let of_laws: Vec<InForce> = d
                .articles
                .iter()
                .filter_map(|a| articles.iter().find(|(_, x)| &x.id == a))
                .filter_map(|(_, a)| law_days(&a.law))
                .collect();
            (own, (!of_laws.is_empty()).then(|| InForce::span(of_laws)))
        };
        fn starts(d: &Duty) -> Option<&str> {
            d.trigger
                .as_deref()
                .or(d.before.as_deref())
                .or(d.from.as_deref())
        }
        for (o, d) in &duties {
            let here = format!("\"{}\"", d.id);
            let (own, laws_span) = duty_days(d);
            let Some(span) = laws_span else { continue };
            if let (Some(f), Some(lf)) = (own.from, span.from)
                && f < lf
            {
                checker.at(
                    *o,
                    &here,
                    "duty.in_force_from",
                    format!("{:?}: starts on {f}, before its law applies ({lf})", d.id),
                );
            }
            if let (Some(u), Some(lu)) = (own.until, span.until)
                && u > lu
            {
                checker.at(
                    *o,
                    &here,
                    "duty.in_force_until",
                    format!(
                        "{:?}: ends on {u}, after its law stopped applying ({lu})",
                        d.id
                    ),
                );
            }
            let days = own.and(span);
            if let (Some(from), Some(until)) = (days.from, days.until)
                && until < from
            {
                checker.at(
                    *o,
                    &here,
                    "duty.articles",
                    format!(
                        "{:?}: its days and its law's do not meet ({from} to {until})",
                        d.id
                    ),
                );
            }
            // The law ended and was replaced: some duty must carry on from the next day.
            let Some(end) = days.until.filter(|_| own.until.is_none()) else {
                continue;
            };
            let Some(next) = end.tomorrow().ok() else {
                continue;
            };
            let replaced: Vec<&str> = d
                .articles
                .iter()
                .filter_map(|a| articles.iter().find(|(_, x)| &x.id == a))
                .filter_map(|(_, a)| laws.iter().find(|(_, l)| l.id == a.law))
                .filter_map(|(_, l)| l.replaced_by.as_deref())
                .collect();
            if replaced.is_empty() {
                continue;
            }
            let carried = duties.iter().any(|(_, other)| {
                other.id != d.id && other.subject == d.subject && starts(other) == starts(d) && {
                    let (own, span) = duty_days(other);
                    span.map_or(own, |s| own.and(s)).contains(next)
                }
            });
            if !carried {
                checker.at(
                    *o,
                    &here,
                    "duty.articles",
                    format!(
                        "{:?}: its law applied until {end} and was replaced by {}, but no duty under it takes over from {next}",
                        d.id,
                        replaced.join(", ")
                    ),
                );
            }
        }
        // The event vocabulary: every event a duty reads is declared, and every event a
        // duty starts from can be produced by some record.
        for (o, e) in &events {
            let here = format!("\"{}\"", e.id);
            if !both_languages(&e.name) {
                checker.at(
                    *o,
                    &here,
                    "event.name",
                    format!("{:?}: give the name in both mn and en", e.id),
                );
            }
            for p in &e.produced_by {
                if let Some(made) = fixed_events(p)
                    && !made.contains(&e.id.as_str())
                {
                    checker.at(
                        *o,
                        &here,
                        "event.produced_by",
                        format!(
                            "{:?}: {p} makes only {}, not this event",
                            e.id,
                            made.join(", ")
                        ),
                    );
                }
                if !PRODUCERS.iter().any(|(k, _)| k == p) {
                    checker.at(
                        *o,
                        &here,
                        "event.produced_by",
                        format!(
                            "{:?}: unknown producer {p:?}; expected one of {}",
                            e.id,
                            PRODUCERS.map(|(k, _)| k).join(", ")
                        ),
                    );
                }
            }
        }
        if !events.is_empty() {
            let produced = |id: &str| {
                events
                    .iter()
                    .any(|(_, e)| e.id == id && !e.produced_by.is_empty())
            };
            for (o, d) in &duties {
                let here = format!("\"{}\"", d.id);
                let starts = [
                    ("trigger", d.trigger.as_deref()),
                    ("before", d.before.as_deref()),
                    ("from", d.from.as_deref()),
                    ("finding", d.finding.as_deref()),
                ];
                let others = d
                    .action
                    .iter()
                    .map(|a| ("action", Some(a.as_str())))
                    .chain([("consequence", d.consequence.as_deref())]);
                // "Overdue" claims we would know of the action: its event must say so.
                if d.silence == Silence::Overdue {
                    for a in &d.action {
                        if events
                            .iter()
                            .any(|(_, e)| &e.id == a && !e.absence_knowable)
                        {
                            checker.at(
                                *o,
                                &here,
                                "duty.silence",
                                format!(
                                    "{:?}: silence = \"overdue\" needs an action whose absence we would know of, but {a:?} is not absence_knowable",
                                    d.id
                                ),
                            );
                        }
                    }
                }
                for (field, name) in starts.into_iter().chain(others) {
                    let Some(name) = name else { continue };
                    if !event_ids.contains(name) {
                        checker.at(
                            *o,
                            &here,
                            &format!("duty.{field}"),
                            format!(
                                "{:?}: unknown event {name:?}{}",
                                d.id,
                                crate::text::nearest(name, event_ids.iter().copied())
                                    .map(|n| format!("; did you mean {n:?}?"))
                                    .unwrap_or_default()
                            ),
                        );
                    } else if starts.iter().any(|(f, _)| *f == field) && !produced(name) {
                        checker.at(
                            *o,
                            &here,
                            &format!("duty.{field}"),
                            format!(
                                "{:?}: nothing can produce {name:?} (its produced_by is empty), so the duty is never owed",
                                d.id
                            ),
                        );
                    }
                }
            }
        }
        // Every standard is read by some duty: a limit nobody is held to is a gap in
        // the pack, not in the world.
        for (o, st) in &standards {
            let used = duties.iter().any(|(_, d)| {
                d.standard.as_deref() == Some(st.id.as_str()) || d.standards.contains(&st.id)
            });
            if !used && !duties.is_empty() {
                checker.at(
                    *o,
                    &format!("\"{}\"", st.id),
                    "standard.id",
                    format!("{:?}: no duty uses this standard", st.id),
                );
            }
        }
        let spatial_zones: HashSet<&str> = duties
            .iter()
            .filter_map(|(_, d)| d.zone.as_deref())
            .collect();
        for (o, w) in &water_zones {
            let here = format!("\"{}\"", w.id);
            let mut wrong = |field: &str, message: String| {
                checker.at(*o, &here, &format!("water_zone.{field}"), message);
            };
            if !both_languages(&w.title) {
                wrong(
                    "title",
                    format!("{:?}: give the title in both mn and en", w.id),
                );
            }
            if !spatial_zones.contains(w.zone.as_str()) {
                wrong(
                    "zone",
                    format!(
                        "{:?}: no spatial duty keeps licences out of {:?} zones",
                        w.id, w.zone
                    ),
                );
            }
            if w.water.is_empty() || w.water.iter().any(|k| !WATER_KINDS.contains(&k.as_str())) {
                wrong(
                    "water",
                    format!("{:?}: expected a list of {}", w.id, WATER_KINDS.join(", ")),
                );
            }
            if w.metres.is_some_and(|m| !(m.is_finite() && m > 0.0)) {
                wrong(
                    "metres",
                    format!(
                        "{:?}: a width in metres above 0, or none where the law's is unknown",
                        w.id
                    ),
                );
            }
            if !law_ids.contains(w.law.as_str()) {
                wrong("law", format!("{:?}: unknown law {:?}", w.id, w.law));
            }
            if w.article
                .as_deref()
                .is_some_and(|a| !article_ids.contains(a))
            {
                wrong(
                    "article",
                    format!("{:?}: unknown article {:?}", w.id, w.article),
                );
            }
            sourced(&mut checker, *o, &w.id, "water_zone", &w.source);
        }
        if !checker.problems.is_empty() {
            return Err(checker.problems);
        }
        let calendar = calendar_spec.as_ref().map(|(_, c)| {
            Calendar::new(
                c.weekend.iter().filter_map(|d| weekday(d)).collect(),
                holidays.iter().map(|(_, h)| (h.date, h.name.clone())),
                c.years[0],
                c.years[1],
            )
        });
        let strip = |v: Vec<(usize, _)>| v.into_iter().map(|(_, x)| x).collect();
        Ok(Pack {
            info,
            authority_types: authority_types.into_iter().map(|(_, x)| x).collect(),
            laws: strip(laws),
            articles: articles.into_iter().map(|(_, x)| x).collect(),
            duties: duties.into_iter().map(|(_, x)| x).collect(),
            standards: standards.into_iter().map(|(_, x)| x).collect(),
            calendar_spec: calendar_spec.map(|(_, c)| c),
            holidays: holidays.into_iter().map(|(_, x)| x).collect(),
            templates: templates.into_iter().map(|(_, x)| x).collect(),
            water_zones: water_zones.into_iter().map(|(_, x)| x).collect(),
            events: events.into_iter().map(|(_, x)| x).collect(),
            calendar,
        })
    }

    /// The jurisdiction's time: its offset from UTC (the pack's `utc_offset_hours`;
    /// Mongolia has kept UTC+8 without daylight saving since 2017).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        let hours = self.info.utc_offset_hours.unwrap_or(0).clamp(-12, 14);
        jiff::tz::TimeZone::fixed(jiff::tz::offset(hours))
    }

    /// The date in the jurisdiction at the instant `now` (the caller reads the clock).
    pub fn today(&self, now: jiff::Timestamp) -> jiff::civil::Date {
        now.to_zoned_datetime(self.time_zone()).date()
    }

    pub fn authority_type(&self, id: &str) -> Option<&AuthorityType> {
        self.authority_types.iter().find(|t| t.id == id)
    }

    pub fn law(&self, id: &str) -> Option<&Law> {
        self.laws.iter().find(|l| l.id == id)
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.id == id)
    }

    pub fn duty(&self, id: &str) -> Option<&Duty> {
        self.duties.iter().find(|d| d.id == id)
    }

    pub fn event(&self, id: &str) -> Option<&EventSpec> {
        self.events.iter().find(|e| e.id == id)
    }

    /// The event an implied fact's id names after its record (`lic-1#granted`,
    /// `lic-1#operation-started@2018-06-01`, `com-1#due@2020-06-01`): the event itself,
    /// or the licence's or the commitment's event of that name.
    pub fn fact_event(&self, what: &str) -> Option<&EventSpec> {
        self.event(what)
            .or_else(|| self.event(&format!("licence-{what}")))
            .or_else(|| self.event(&format!("commitment-{what}")))
    }

    /// The events records of `producer` (`disclosure`, `decision`) may name.
    pub fn events_of(&self, producer: &str) -> Vec<&EventSpec> {
        self.events
            .iter()
            .filter(|e| e.produced_by.iter().any(|p| p == producer))
            .collect()
    }

    pub fn water_zone(&self, id: &str) -> Option<&WaterZone> {
        self.water_zones.iter().find(|w| w.id == id)
    }

    pub fn standard(&self, id: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.id == id)
    }

    /// The working-day calendar, if the pack has one.
    pub fn calendar(&self) -> Option<&Calendar> {
        self.calendar.as_ref()
    }

    /// The rule for calendar-day deadlines that end on a non-working day.
    pub fn non_working_due(&self) -> NonWorkingDue {
        match self
            .calendar_spec
            .as_ref()
            .map(|c| c.non_working_due.as_str())
        {
            Some("keep") => NonWorkingDue::Keep,
            _ => NonWorkingDue::NextWorkingDay,
        }
    }

    /// "Law title, Art. x" for each article of a duty.
    pub fn citation(&self, duty: &Duty, lang: crate::Lang) -> String {
        self.citation_on(duty, lang, None)
    }

    /// The days `duty` can be owed: its own days, within the days of the laws its
    /// articles are in (any of them: a duty resting on a law and on the law that
    /// replaced it is owed under each in turn).
    pub fn duty_in_force(&self, duty: &Duty) -> InForce {
        let own = InForce {
            from: duty.in_force_from,
            until: duty.in_force_until,
        };
        let laws: Vec<InForce> = duty
            .articles
            .iter()
            .filter_map(|a| self.article(a))
            .filter_map(|a| self.law(&a.law))
            .map(Law::in_force)
            .collect();
        if laws.is_empty() {
            own
        } else {
            own.and(InForce::span(laws))
        }
    }

    /// The provisions `duty` rests on as they stood on `day`: the articles of the laws
    /// in force that day (all of them when none was, or no day is given).
    pub fn citation_on(&self, duty: &Duty, lang: crate::Lang, day: Option<Date>) -> String {
        let articles: Vec<&Article> = duty
            .articles
            .iter()
            .filter_map(|id| self.article(id))
            .collect();
        let in_force: Vec<&Article> = match day {
            Some(day) => articles
                .iter()
                .copied()
                .filter(|a| self.law(&a.law).is_some_and(|l| l.in_force().contains(day)))
                .collect(),
            None => Vec::new(),
        };
        let chosen = if in_force.is_empty() {
            articles
        } else {
            in_force
        };
        let mut parts: Vec<String> = Vec::new();
        for a in chosen {
            let law = self
                .law(&a.law)
                .map(|l| l.title.get(lang).to_owned())
                .unwrap_or_default();
            // An article whose number our sources do not give is cited by its law.
            let cited = match (lang, &a.citation_mn) {
                (crate::Lang::Mn, Some(mn)) => mn.as_str(),
                _ => a.citation.as_str(),
            };
            let part = if a.citation.starts_with("unknown") {
                law
            } else {
                format!("{law}, {cited}")
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        if parts.is_empty() {
            return match lang {
                crate::Lang::Mn => "хуульд заагаагүй: эвслийн бодлогын утга".into(),
                crate::Lang::En => "not set by law: a coalition policy default".into(),
            };
        }
        parts.join("; ")
    }

    /// Counts per section, for `pack check` and the law library.
    pub fn summary(&self) -> BTreeMap<&'static str, usize> {
        BTreeMap::from([
            ("laws", self.laws.len()),
            ("articles", self.articles.len()),
            ("duties", self.duties.len()),
            ("standards", self.standards.len()),
            ("holidays", self.holidays.len()),
            ("templates", self.templates.len()),
            ("water zones", self.water_zones.len()),
            ("events", self.events.len()),
            ("authority types", self.authority_types.len()),
        ])
    }
}

fn check_duty(
    checker: &mut Checker,
    o: usize,
    d: &Duty,
    articles: &HashSet<&str>,
    authorities: &HashSet<&str>,
    standards: &HashSet<&str>,
    has_calendar: bool,
) {
    let here = format!("\"{}\"", d.id);
    let mut err = |field: &str, message: String| {
        checker.at(
            o,
            &here,
            &format!("duty.{field}"),
            format!("{:?}: {message}", d.id),
        );
    };
    if !both_languages(&d.title) {
        err("title", "give the title in both mn and en".into());
    }
    if !both_languages(&d.next_step) {
        err("next_step", "give the next step in both mn and en".into());
    }
    if d.source.trim().is_empty() {
        err("source", "a source is required".into());
    }
    for a in &d.articles {
        if !articles.contains(a.as_str()) {
            err("articles", format!("unknown article {a:?}"));
        }
    }
    if d.articles.is_empty() && d.basis != Basis::Policy {
        err(
            "articles",
            "cite at least one article, or mark the duty basis = \"policy\"".into(),
        );
    }
    let note_en = d.basis_note.as_ref().and_then(|n| n.en.as_deref());
    if d.basis == Basis::Policy && note_en.is_none_or(|n| n.trim().is_empty()) {
        err(
            "basis_note",
            "say why this is a policy default and not law".into(),
        );
    } else if d.basis_note.as_ref().is_some_and(|n| !both_languages(n)) {
        err(
            "basis_note",
            "give the note in both mn and en: readers see it in theirs".into(),
        );
    }
    if !SPECIAL_BEARERS.contains(&d.bearer.as_str()) && !authorities.contains(d.bearer.as_str()) {
        err(
            "bearer",
            format!(
                "unknown bearer {:?}: an authority type, licence-holder or addressee",
                d.bearer
            ),
        );
    }
    if !SUBJECTS.contains(&d.subject.as_str()) {
        err(
            "subject",
            format!(
                "unknown subject {:?}: expected one of {}",
                d.subject,
                SUBJECTS.join(", ")
            ),
        );
    }
    if let Some(t) = &d.licence_type
        && !crate::licence::LicenceType::ALL
            .iter()
            .any(|x| x.as_str() == t)
    {
        err(
            "licence_type",
            "expected exploration, mining or petroleum".into(),
        );
    }
    let mut need = |field: &str, present: bool| {
        if !present {
            checker.at(
                o,
                &here,
                &format!("duty.{field}"),
                format!("{:?}: a {} duty needs {field}", d.id, d.kind.as_str()),
            );
        }
    };
    match d.kind {
        DutyKind::Precondition => {
            need("action", !d.action.is_empty());
            need("before", d.before.is_some());
        }
        DutyKind::Deadline => {
            need("trigger", d.trigger.is_some());
            need("action", !d.action.is_empty());
            need("days", d.days.is_some() || d.months_before.is_some());
        }
        DutyKind::Periodic => {
            need("action", !d.action.is_empty());
            need("every", d.every.is_some());
            need("from", d.from.is_some());
        }
        DutyKind::Limit => {
            need("standard", d.standard.is_some() || !d.standards.is_empty());
        }
        DutyKind::Threshold => {
            need("finding", d.finding.is_some());
            need("count", d.count.is_some());
            need("window_days", d.window_days.is_some());
            need("consequence", d.consequence.is_some());
        }
        DutyKind::Spatial => {
            need("zone", d.zone.is_some());
        }
    }
    let mut err = |field: &str, message: String| {
        checker.at(
            o,
            &here,
            &format!("duty.{field}"),
            format!("{:?}: {message}", d.id),
        );
    };
    for s in d.standard.iter().chain(&d.standards) {
        if !standards.contains(s.as_str()) {
            err("standard", format!("unknown standard {s:?}"));
        }
    }
    if let Some(every) = &d.every {
        match every.as_str() {
            "year" => {
                let ok = d.due.as_deref().is_some_and(|m| {
                    m.split_once('-').is_some_and(|(mm, dd)| {
                        mm.parse::<i8>().is_ok_and(|m| (1..=12).contains(&m))
                            && dd.parse::<i8>().is_ok_and(|d| (1..=31).contains(&d))
                    })
                });
                if !ok {
                    err("due", "a yearly duty needs due = \"MM-DD\"".into());
                }
            }
            "days" => {
                if d.days.is_none() {
                    err("days", "every = \"days\" needs days".into());
                }
            }
            other => err("every", format!("{other:?}: expected year or days")),
        }
    }
    if d.counting == Counting::Working && !has_calendar {
        err(
            "counting",
            "working days need a [calendar] in the pack".into(),
        );
    }
    if d.days.is_some() && d.months_before.is_some() {
        err(
            "months_before",
            "give days or months_before, not both".into(),
        );
    }
}

/// The pack's own day-count rules for lookups by name.
pub fn duty_index(pack: &Pack) -> HashMap<&str, &Duty> {
    pack.duties.iter().map(|d| (d.id.as_str(), d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[pack]
code = "xx"
name = { mn = "Туршилт", en = "Test" }
version = "0.1.0"

[[authority_type]]
id = "soum-governor"
name = { mn = "Сумын Засаг дарга", en = "Soum Governor" }
level = "soum"
source = "https://example.org/law"
confidence = "medium"
"#;

    #[test]
    fn a_good_pack_loads() {
        let pack = Pack::from_toml("pack.toml", GOOD).unwrap();
        assert_eq!(pack.info.code, "xx");
        assert_eq!(
            pack.authority_type("soum-governor").unwrap().confidence,
            Confidence::Medium
        );
    }

    #[test]
    fn problems_name_file_line_and_field() {
        let bad = GOOD.replace("confidence = \"medium\"", "confidence = \"sure\"");
        let errs = Pack::from_toml("packs/xx/pack.toml", &bad).unwrap_err();
        assert_eq!(errs[0].file, "packs/xx/pack.toml");
        assert_eq!(errs[0].line, Some(12), "{errs:?}");

        let dup = format!(
            "{GOOD}\n{}",
            &GOOD[GOOD.find("[[authority_type]]").unwrap()..]
        );
        let errs = Pack::from_toml("pack.toml", &dup).unwrap_err();
        assert!(
            errs.iter().any(|e| e.message.contains("duplicate id")),
            "{errs:?}"
        );

        let missing = GOOD.replace("en = \"Soum Governor\"", "");
        let errs = Pack::from_toml("pack.toml", &missing).unwrap_err();
        assert_eq!(errs[0].field, "authority_type.name");
    }

    const DUTIES: &str = r#"
[[law]]
id = "info-law"
title = { mn = "Мэдээллийн хууль", en = "Information law" }
date = "2011-06-16"
source = "https://example.org/info"
confidence = "high"

[[article]]
id = "info-11"
law = "info-law"
citation = "Art. 11"
summary = { mn = "Мэдээлэл авах эрх", en = "Right to obtain information" }
source = "https://example.org/info"
confidence = "high"

[[duty]]
id = "reply"
kind = "deadline"
title = { mn = "Хариу өгөх", en = "Reply" }
articles = ["info-11"]
bearer = "addressee"
subject = "request"
trigger = "request-sent"
action = ["request-answered"]
days = 7
counting = "working"
silence = "overdue"
next_step = { mn = "Гомдол гаргах", en = "Complain" }
source = "https://example.org/info"
confidence = "low"
"#;

    const CALENDAR: &str = r#"
[calendar]
weekend = ["sat", "sun"]
years = [2025, 2025]
non_working_due = "next-working-day"
source = "https://example.org/labour"
confidence = "high"

[[holiday]]
date = "2025-07-11"
name = { mn = "Наадам", en = "Naadam" }
source = "https://example.org/holidays"
confidence = "high"
"#;

    #[test]
    fn a_pack_of_several_files_loads_with_its_calendar() {
        let pack = Pack::from_files(&[
            ("pack.toml", GOOD),
            ("laws.toml", DUTIES),
            ("calendar.toml", CALENDAR),
        ])
        .unwrap();
        let duty = pack.duty("reply").unwrap();
        assert_eq!(duty.day_count(), Some(DayCount::Working(7)));
        assert_eq!(
            pack.citation(duty, crate::Lang::En),
            "Information law, Art. 11"
        );
        assert!(
            !pack
                .calendar()
                .unwrap()
                .is_working_day(jiff::civil::date(2025, 7, 11))
        );
    }

    #[test]
    fn today_is_the_date_at_the_packs_offset_from_utc() {
        // 17:00 UTC on 8 July is already 9 July in Ulaanbaatar (UTC+8).
        let now: jiff::Timestamp = "2025-07-08T17:00:00Z".parse().unwrap();
        let utc = Pack::from_files(&[("pack.toml", GOOD)]).unwrap();
        assert_eq!(utc.today(now), jiff::civil::date(2025, 7, 8));
        let mn = Pack::mongolian().unwrap();
        assert_eq!(mn.info.utc_offset_hours, Some(8));
        assert_eq!(mn.today(now), jiff::civil::date(2025, 7, 9));
        let far = GOOD.replace(
            "version = \"0.1.0\"",
            "version = \"0.1.0\"\nutc_offset_hours = 20",
        );
        let errs = Pack::from_files(&[("pack.toml", &far)]).unwrap_err();
        assert_eq!(errs[0].field, "pack.utc_offset_hours");
    }

    #[test]
    fn every_kind_of_problem_is_reported_with_file_line_and_field() {
        let broken = DUTIES
            .replace("law = \"info-law\"", "law = \"no-such-law\"")
            .replace("bearer = \"addressee\"", "bearer = \"the-king\"")
            .replace("articles = [\"info-11\"]", "articles = [\"info-99\"]")
            .replace("en = \"Complain\"", "");
        let errs = Pack::from_files(&[("pack.toml", GOOD), ("duties.toml", &broken)]).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        let has = |field: &str| {
            errs.iter()
                .any(|e| e.field == field && e.file == "duties.toml" && e.line.is_some())
        };
        assert!(has("article.law"), "{text:?}");
        assert!(has("duty.bearer"), "{text:?}");
        assert!(has("duty.articles"), "{text:?}");
        assert!(has("duty.next_step"), "{text:?}");
        // Working days without a calendar.
        assert!(has("duty.counting"), "{text:?}");
        // A duplicate and a holiday-less covered year.
        let dup_calendar = CALENDAR.replace("years = [2025, 2025]", "years = [2025, 2026]");
        let errs = Pack::from_files(&[
            ("pack.toml", GOOD),
            ("c.toml", &dup_calendar),
            ("d.toml", DUTIES),
            ("e.toml", DUTIES),
        ])
        .unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.message.contains("no holidays listed for 2026")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.field == "duty.id" && e.file == "e.toml"),
            "{errs:?}"
        );
        // A policy default must say why.
        let policy = DUTIES.replace("articles = [\"info-11\"]", "basis = \"policy\"");
        let errs = Pack::from_files(&[
            ("pack.toml", GOOD),
            ("c.toml", CALENDAR),
            ("d.toml", &policy),
        ])
        .unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "duty.basis_note");
    }

    #[test]
    fn a_water_zone_gives_a_sourced_width_or_none() {
        let mn = Pack::mongolian().unwrap();
        let long_name = mn.water_zone("mn.long-name-200m").unwrap();
        assert_eq!(long_name.metres, Some(200.0));
        assert_eq!(long_name.zone, "water-protection");
        // The Water Law's widths are not in our sources: no width is made up.
        assert_eq!(
            mn.water_zone("mn.water-law-protection-zone")
                .unwrap()
                .metres,
            None
        );
        let bad = r#"
[[water_zone]]
id = "x.bad"
title = { mn = "Муу", en = "Bad" }
zone = "mud"
water = ["ocean"]
metres = -5
law = "no-law"
source = ""
confidence = "low"
"#;
        let mut files = MONGOLIAN_PACK_FILES.to_vec();
        files.push(("bad.toml", bad));
        let errs = Pack::from_files(&files).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "water_zone.zone",
            "water_zone.water",
            "water_zone.metres",
            "water_zone.law",
            "water_zone.source",
        ] {
            assert!(fields.contains(&field), "{field} not in {errs:?}");
        }
        assert!(
            errs.iter()
                .all(|e| e.file == "bad.toml" && e.line.is_some()),
            "{errs:?}"
        );
    }

    #[test]
    fn laws_have_their_days_and_duties_keep_within_them() {
        let mn = Pack::mongolian().unwrap();
        // The information-request duty of each law, each in its own days.
        let old = mn.duty("mn.information-request-reply").unwrap();
        let new = mn.duty("mn.information-request-reply-2021").unwrap();
        let (d, day) = (jiff::civil::date, |y, m, dd| jiff::civil::date(y, m, dd));
        assert!(mn.duty_in_force(old).contains(d(2020, 3, 2)));
        assert!(!mn.duty_in_force(old).contains(day(2022, 5, 1)));
        assert!(mn.duty_in_force(new).contains(day(2022, 5, 1)));
        assert!(!mn.duty_in_force(new).contains(day(2022, 4, 30)));
        // A duty resting on laws of several periods cites those in force on the day.
        let publication = mn.duty("mn.licence-publication").unwrap();
        let in_2019 = mn.citation_on(publication, crate::Lang::En, Some(day(2019, 1, 1)));
        assert!(
            in_2019.contains("No. 106") && in_2019.contains("No. 411"),
            "{in_2019}"
        );
        assert!(
            !in_2019.contains("Transparency of Public Information"),
            "{in_2019}"
        );
        let in_2023 = mn.citation_on(publication, crate::Lang::En, Some(day(2023, 1, 1)));
        assert!(
            in_2023.contains("Transparency of Public Information"),
            "{in_2023}"
        );
        assert!(!in_2023.contains("No. 411"), "{in_2023}");

        // A duty that starts before its law, and a replaced law with no duty under the
        // law that replaced it, are refused.
        let laws = MONGOLIAN_PACK_FILES[1].1.to_owned();
        let duties = MONGOLIAN_PACK_FILES[2].1.replace(
            "id = \"mn.information-request-reply\"\n",
            "id = \"mn.information-request-reply\"\nin_force_from = \"2005-01-01\"\n",
        );
        let without_2021 = duties.replace(
            "articles = [\"public-info-2021-13\"]",
            "articles = [\"public-info-2021-13\"]\nin_force_from = \"2022-06-01\"",
        );
        let mut files = MONGOLIAN_PACK_FILES.to_vec();
        files[1] = ("laws.toml", &laws);
        files[2] = ("duties.toml", &without_2021);
        let errs = Pack::from_files(&files).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|e| e.starts_with("duties.toml:")
                && e.contains("duty.in_force_from")
                && e.contains("starts on 2005-01-01, before its law applies (2011-12-01)")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|e| e.contains("duty.articles")
                && e.contains("replaced by public-info-law-2021, but no duty under it takes over from 2022-05-01")),
            "{text:?}"
        );
        let bad_law = laws.replace(
            "replaced_by = \"public-info-law-2021\"",
            "replaced_by = \"no-such-law\"",
        );
        let mut files = MONGOLIAN_PACK_FILES.to_vec();
        files[1] = ("laws.toml", &bad_law);
        let errs = Pack::from_files(&files).unwrap_err();
        assert!(
            errs.iter().any(|e| e.field == "law.replaced_by"),
            "{errs:?}"
        );
    }

    #[test]
    fn every_event_a_duty_reads_is_declared_and_can_be_produced() {
        let mn = Pack::mongolian().unwrap();
        assert!(mn.event("operation-started").is_some());
        let documents: Vec<&str> = mn
            .events_of("disclosure")
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert!(documents.contains(&"emp-report-submitted"), "{documents:?}");
        // A misspelt trigger, a trigger nothing produces, a fixed producer claimed for
        // an event it does not make, and a standard no duty reads: each refused.
        let duties = MONGOLIAN_PACK_FILES[2]
            .1
            .replace("from = \"operation-started\"", "from = \"operation-start\"");
        let standards = format!(
            "{}\n[[standard]]\nid = \"x.unused\"\ncode = \"X\"\nmedium = \"air\"\nparameter = \"x\"\nname = {{ mn = \"X\", en = \"X\" }}\nlimit = 1\nunit = \"µg/m³\"\naveraging = \"24h\"\nsource = \"s\"\nconfidence = \"low\"\n",
            MONGOLIAN_PACK_FILES[3].1
        );
        let events = MONGOLIAN_PACK_FILES[7]
            .1
            .replace(
                "id = \"water-use-started\"\nname = { mn = \"Ус ашиглаж эхэлсэн\", en = \"Water use started\" }\nproduced_by = [\"decision\", \"disclosure\"]",
                "id = \"water-use-started\"\nname = { mn = \"Ус ашиглаж эхэлсэн\", en = \"Water use started\" }\nproduced_by = []",
            )
            .replace(
                "id = \"deia-approved\"\nname = { mn = \"БОНБНҮ баталсан\", en = \"Detailed EIA approved\" }\nproduced_by = [\"decision\"]",
                "id = \"deia-approved\"\nname = { mn = \"БОНБНҮ баталсан\", en = \"Detailed EIA approved\" }\nproduced_by = [\"inspection\"]",
            );
        let mut files = MONGOLIAN_PACK_FILES.to_vec();
        files[2] = ("duties.toml", &duties);
        files[7] = ("events.toml", &events);
        files[3] = ("standards.toml", &standards);
        let errs = Pack::from_files(&files).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        let has = |want: &str| text.iter().any(|e| e.contains(want));
        assert!(
            has(
                "duty.from: \"mn.emp-annual-report\": unknown event \"operation-start\"; did you mean \"operation-started\"?"
            ),
            "{text:?}"
        );
        assert!(has("nothing can produce \"water-use-started\""), "{text:?}");
        assert!(
            has("\"deia-approved\": inspection makes only inspection, not this event"),
            "{text:?}"
        );
        assert!(
            has("standards.toml:") && has("\"x.unused\": no duty uses this standard"),
            "{text:?}"
        );
        assert_eq!(errs.len(), 4, "nothing else: {text:?}");
    }
}
