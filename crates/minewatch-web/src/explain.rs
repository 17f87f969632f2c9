//! The engine's findings and due dates said in the reader's language: the domain gives
//! their parts ([`Why`], [`Explanation`], [`DueDate`]); the sentences are Fluent
//! messages (`why-…`, `due-…`, `gap-says-…`).

use jiff::civil::{Date, Weekday};
use minewatch_domain::Lang;
use minewatch_domain::explain::{Explanation, Limit, Why, number};
use minewatch_domain::law::calendar::{DayCount, DueDate};

use crate::i18n::Ui;

/// A day as a reader checks a deadline: its weekday and date ("Tue 8 Jul 2025",
/// "2025-07-08 (Мягмар)").
pub fn day(ui: &Ui, d: Date) -> String {
    let weekday = match d.weekday() {
        Weekday::Monday => "weekday-1",
        Weekday::Tuesday => "weekday-2",
        Weekday::Wednesday => "weekday-3",
        Weekday::Thursday => "weekday-4",
        Weekday::Friday => "weekday-5",
        Weekday::Saturday => "weekday-6",
        Weekday::Sunday => "weekday-7",
    };
    ui.t_args("day", &[("weekday", ui.t(weekday)), ("date", date(ui, d))])
}

/// A date as the reader's language writes it in a sentence: "8 Jul 2025" in English,
/// "2025-07-08" in Mongolian (as official letters write it).
pub fn date(ui: &Ui, d: Date) -> String {
    match ui.lang {
        Lang::En => d.strftime("%-d %b %Y").to_string(),
        Lang::Mn => d.to_string(),
    }
}

/// Days in a row: "11–15 Jul 2025", "30 Jan – 2 Feb 2025", "2025-07-11 – 2025-07-15".
fn days(ui: &Ui, first: Date, last: Date) -> String {
    match ui.lang {
        Lang::En if first.year() == last.year() && first.month() == last.month() => {
            format!("{}–{}", first.day(), date(ui, last))
        }
        _ => format!("{} – {}", date(ui, first), date(ui, last)),
    }
}

/// "a, b and c".
fn list(ui: &Ui, mut items: Vec<String>) -> String {
    match items.len() {
        0 | 1 => items.pop().unwrap_or_default(),
        _ => {
            let last = items.pop().expect("two or more");
            ui.t_args("list-and", &[("items", items.join(", ")), ("last", last)])
        }
    }
}

/// "10 working days", "30 days".
pub fn count(ui: &Ui, c: DayCount) -> String {
    match c {
        DayCount::Working(n) => ui.t_count("count-working-days", i64::from(n)),
        DayCount::Calendar(n) => ui.t_count("count-calendar-days", i64::from(n)),
    }
}

/// How a calendar counted a due date: the start, the count, the days it skipped and
/// why, and the day it reached.
pub fn due_date(ui: &Ui, due: &DueDate) -> String {
    let d = &due.derivation;
    let mut skipped: Vec<String> = d
        .holiday_runs()
        .into_iter()
        .map(|(first, last, name)| {
            let when = if first == last {
                date(ui, first)
            } else {
                days(ui, first, last)
            };
            format!("{when} ({})", ui.pick(name))
        })
        .collect();
    if d.weekend_days_skipped > 0 {
        skipped.push(ui.t_count("due-weekend-days", i64::from(d.weekend_days_skipped)));
    }
    let mut how = String::new();
    if !skipped.is_empty() {
        how.push_str(", ");
        how.push_str(&ui.t_args("due-skipped", &[("days", list(ui, skipped))]));
    }
    if let Some(from) = d.moved_from {
        how.push_str("; ");
        how.push_str(&ui.t_args("due-moved", &[("day", day(ui, from))]));
    }
    let mut out = ui.t_args(
        "due-count",
        &[
            ("start", day(ui, d.start)),
            ("count", count(ui, d.count)),
            ("how", how),
            ("due", day(ui, due.date)),
        ],
    );
    if d.outside_calendar {
        out.push(' ');
        out.push_str(&ui.t("due-outside-calendar"));
    }
    out
}

/// A standard's limit: "≤ 50 µg/m³ (24-hour average)".
pub fn limit(ui: &Ui, l: &Limit) -> String {
    let averaging = ui.t_or(&format!("averaging-{}", l.averaging), &l.averaging);
    let mut out = format!(
        "{} {} {} ({averaging})",
        if l.minimum { "≥" } else { "≤" },
        number(l.value),
        l.unit
    );
    if l.multiple != 1.0 {
        out.push_str(&format!(" × {}", number(l.multiple)));
    }
    out
}

/// How a finding's due date or measure was worked out.
pub fn why(ui: &Ui, why: &Why) -> String {
    match why {
        Why::Deadline { due, extensions } => {
            let mut out = due_date(ui, due);
            for x in extensions {
                out.push_str("; ");
                out.push_str(&ui.t_args(
                    "why-extended",
                    &[
                        ("on", x.on.to_string()),
                        ("count", count(ui, x.by)),
                        ("due", x.to.to_string()),
                    ],
                ));
            }
            out
        }
        Why::MonthsBefore { from, months, due } => ui.t_args(
            "why-months-before",
            &[
                ("from", from.to_string()),
                ("months", months.to_string()),
                ("due", day(ui, *due)),
            ],
        ),
        Why::Before { event, date } => ui.t_args(
            "why-before",
            &[("event", event.to_string()), ("date", date.to_string())],
        ),
        Why::EveryYear { by, since } => ui.t_args(
            "why-every-year",
            &[("by", by.to_string()), ("since", since.to_string())],
        ),
        Why::EveryDays { days, since } => ui.t_args(
            "why-every-days",
            &[("days", days.to_string()), ("since", since.to_string())],
        ),
        Why::WithinLimit { values, limit: l } => ui.t_args(
            "why-within-limit",
            &[("values", ui.number(*values)), ("limit", limit(ui, l))],
        ),
        Why::OverLimit {
            value,
            date,
            limit: l,
            then,
        } => {
            let mut out = ui.t_args(
                "why-over-limit",
                &[
                    ("value", format!("{} {}", number(*value), l.unit)),
                    ("date", date.to_string()),
                    ("limit", limit(ui, l)),
                ],
            );
            if let Some(due) = then {
                out.push_str("; ");
                out.push_str(&due_date(ui, due));
            }
            out
        }
        Why::Repeated {
            count,
            finding,
            window,
            first,
            last,
            then,
        } => format!(
            "{}; {}",
            ui.t_args(
                "why-repeated",
                &[
                    ("count", count.to_string()),
                    ("finding", finding.to_string()),
                    ("window", window.to_string()),
                    ("first", first.to_string()),
                    ("last", last.to_string()),
                ],
            ),
            due_date(ui, then)
        ),
    }
}

/// What a finding means, in a sentence of the reader's language after the duty's title.
pub fn explanation(ui: &Ui, e: &Explanation) -> String {
    let due = e
        .due
        .map(|d| format!(" {}", ui.t_args("gap-says-due", &[("due", d.to_string())])))
        .unwrap_or_default();
    let evidence = if e.evidence.is_empty() {
        String::new()
    } else {
        format!(
            " {}",
            ui.t_args("gap-says-evidence", &[("records", e.evidence.join(", "))])
        )
    };
    let sentence = ui.t_args(
        &format!("gap-says-{}", e.status.as_str()),
        &[
            ("bearer", e.bearer.clone()),
            ("subject", e.subject.clone()),
            ("due", due),
            ("evidence", evidence),
        ],
    );
    format!("{}. {sentence}", ui.pick(&e.title))
}
