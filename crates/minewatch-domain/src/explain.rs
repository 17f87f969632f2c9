//! What a finding rests on, as data: the dates, counts, skipped days, limits and
//! records behind a status. The web app, the CLI, letters and exports say it in the
//! reader's language (Fluent messages); nothing here is a sentence.

use std::fmt;
use std::sync::Arc;

use jiff::civil::Date;
use serde::Serialize;

use crate::engine::Status;
use crate::law::calendar::{DayCount, DueDate};
use crate::text::Localized;

/// How a finding's due date (or its measure) was worked out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Why {
    /// A deadline counted from its trigger by the pack's calendar, then extended.
    Deadline {
        due: Arc<DueDate>,
        extensions: Vec<Extension>,
    },
    /// Owed some months before an event (a plan before the season it covers).
    MonthsBefore { from: Date, months: u32, due: Date },
    /// Owed before an event (an opinion before a grant): the event's day.
    Before { event: Arc<str>, date: Date },
    /// Owed every year by a day of the year (`MM-DD`) since a start.
    EveryYear { by: Arc<str>, since: Date },
    /// Owed every so many days since a start.
    EveryDays { days: u32, since: Date },
    /// All of a subject's measured values were within the limit.
    WithinLimit { values: usize, limit: Arc<Limit> },
    /// A value over the limit, and the deadline it started, if the duty asks an action.
    OverLimit {
        value: f64,
        date: Date,
        limit: Arc<Limit>,
        then: Option<Arc<DueDate>>,
    },
    /// A finding repeated `count` times within `window` days, and the deadline the last
    /// one started.
    Repeated {
        count: u32,
        finding: Arc<str>,
        window: u32,
        first: Date,
        last: Date,
        then: Arc<DueDate>,
    },
}

/// An extension of a deadline: granted on a day, by a count, to a new due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub on: Date,
    pub by: DayCount,
    pub to: Date,
}

/// A limit of a standard as a duty applies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// The standard is a minimum (`≥`), not a maximum.
    pub minimum: bool,
    pub value: f64,
    pub unit: String,
    /// How values are averaged (`daily`, `annual`…), as the pack writes it.
    pub averaging: String,
    /// The multiple of the limit the duty reads (a warning at twice the limit).
    pub multiple: f64,
}

/// What a finding means, with the names of its records as the reader may see them: the
/// parts a sentence is made of in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The duty's title.
    pub title: Localized,
    pub status: Status,
    /// Who owes it, named.
    pub bearer: String,
    /// What it is owed for, named.
    pub subject: String,
    pub due: Option<Date>,
    pub why: Option<Arc<Why>>,
    /// The records behind it the reader may see, named.
    pub evidence: Vec<String>,
}

/// A number as the pack writes it: whole numbers without a decimal point.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}, {})",
            if self.minimum { "≥" } else { "≤" },
            number(self.value),
            self.unit,
            self.averaging
        )?;
        if self.multiple != 1.0 {
            write!(f, " × {}", number(self.multiple))?;
        }
        Ok(())
    }
}

/// English, for logs, tests and the command line's machine-readable output; readers
/// get the same parts through their language's messages.
impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Deadline { due, extensions } => {
                write!(f, "{due}")?;
                for x in extensions {
                    write!(f, "; extended on {} by {}, to {}", x.on, x.by, x.to)?;
                }
                Ok(())
            }
            Why::MonthsBefore { from, months, due } => write!(
                f,
                "{from} − {months} month{} → {due}",
                if *months == 1 { "" } else { "s" }
            ),
            Why::Before { event, date } => write!(f, "before {event} on {date}"),
            Why::EveryYear { by, since } => write!(f, "every year by {by} since {since}"),
            Why::EveryDays { days, since } => write!(f, "every {days} days since {since}"),
            Why::WithinLimit { values, limit } => write!(f, "{values} values within {limit}"),
            Why::OverLimit {
                value,
                date,
                limit,
                then,
            } => {
                write!(
                    f,
                    "{} {} on {date} against {limit}",
                    number(*value),
                    limit.unit
                )?;
                match then {
                    Some(due) => write!(f, "; {due}"),
                    None => Ok(()),
                }
            }
            Why::Repeated {
                count,
                finding,
                window,
                first,
                last,
                then,
            } => write!(
                f,
                "{count} × {finding} within {window} days ({first} … {last}); {then}"
            ),
        }
    }
}
