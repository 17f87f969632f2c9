//! Working-day calendars and due dates that explain how they were computed.
//!
//! A deadline in law counts calendar days or working days after a trigger (a request
//! sent, an application filed). Working days skip the weekend and public holidays, which
//! the pack lists per year as dates: lunar holidays such as Tsagaan Sar move every year,
//! so no rule in code could compute them. The day of the trigger itself is not counted.
//!
//! Where a calendar-day deadline ends on a non-working day, the pack says what happens
//! ([`NonWorkingDue`]); the usual rule moves it to the next working day.

use std::collections::BTreeMap;
use std::fmt;

use jiff::ToSpan as _;
use jiff::civil::{Date, Weekday};
use serde::Serialize;

use crate::text::Localized;

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "unit", content = "count", rename_all = "lowercase")]
pub enum DayCount {
    Calendar(u32),
    Working(u32),
}

impl fmt::Display for DayCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DayCount::Calendar(1) => write!(f, "1 calendar day"),
            DayCount::Calendar(n) => write!(f, "{n} calendar days"),
            DayCount::Working(1) => write!(f, "1 working day"),
            DayCount::Working(n) => write!(f, "{n} working days"),
        }
    }
}

/// What happens when a calendar-day deadline ends on a non-working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonWorkingDue {
    /// The deadline moves to the next working day.
    NextWorkingDay,
    /// The deadline stays on the non-working day.
    Keep,
}

/// A jurisdiction's working days: weekend days and dated public holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    weekend: Vec<Weekday>,
    holidays: BTreeMap<Date, Localized>,
    /// The years whose holidays the calendar lists; outside them it knows only weekends.
    first_year: i16,
    last_year: i16,
}

impl Calendar {
    /// A calendar of `weekend` days and `holidays` (date and name), whose holiday table
    /// covers the years `first_year..=last_year`.
    pub fn new(
        weekend: Vec<Weekday>,
        holidays: impl IntoIterator<Item = (Date, Localized)>,
        first_year: i16,
        last_year: i16,
    ) -> Calendar {
        Calendar {
            weekend,
            holidays: holidays.into_iter().collect(),
            first_year,
            last_year,
        }
    }

    pub fn is_weekend(&self, d: Date) -> bool {
        self.weekend.contains(&d.weekday())
    }

    pub fn holiday(&self, d: Date) -> Option<&Localized> {
        self.holidays.get(&d)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        !self.is_weekend(d) && self.holiday(d).is_none()
    }

    fn covers(&self, d: Date) -> bool {
        (self.first_year..=self.last_year).contains(&d.year())
    }

    /// The due date `count` after `start`, with how it was computed.
    pub fn due_date(&self, start: Date, count: DayCount, rule: NonWorkingDue) -> DueDate {
        let mut skipped = Skipped::default();
        let mut day = start;
        let mut moved_from = None;
        match count {
            DayCount::Working(n) => {
                let mut counted = 0;
                while counted < n {
                    day = next(day);
                    if self.is_working_day(day) {
                        counted += 1;
                    } else {
                        skipped.note(self, day);
                    }
                }
            }
            DayCount::Calendar(n) => {
                day = start.checked_add(i64::from(n).days()).unwrap_or(Date::MAX);
                if rule == NonWorkingDue::NextWorkingDay && !self.is_working_day(day) {
                    moved_from = Some(day);
                    while !self.is_working_day(day) && day < Date::MAX {
                        skipped.note(self, day);
                        day = next(day);
                    }
                }
            }
        }
        let outside_calendar = !self.covers(start) || !self.covers(day);
        DueDate {
            date: day,
            derivation: Derivation {
                start,
                count,
                holidays_skipped: skipped.holidays,
                weekend_days_skipped: skipped.weekend_days,
                moved_from,
                outside_calendar,
            },
        }
    }
}

fn next(d: Date) -> Date {
    d.tomorrow().unwrap_or(Date::MAX)
}

#[derive(Default)]
struct Skipped {
    holidays: Vec<(Date, Localized)>,
    weekend_days: u32,
}

impl Skipped {
    fn note(&mut self, calendar: &Calendar, d: Date) {
        match calendar.holiday(d) {
            Some(name) => self.holidays.push((d, name.clone())),
            None => self.weekend_days += 1,
        }
    }
}

/// A due date and its derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueDate {
    pub date: Date,
    pub derivation: Derivation,
}

/// How a due date was computed, for people to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Derivation {
    pub start: Date,
    pub count: DayCount,
    /// Holidays the count stepped over, in order.
    pub holidays_skipped: Vec<(Date, Localized)>,
    /// Weekend days (that were not also holidays) the count stepped over.
    pub weekend_days_skipped: u32,
    /// For a calendar-day deadline moved off a non-working day: where it fell first.
    pub moved_from: Option<Date>,
    /// The count reached a year whose holidays the calendar does not list, so a
    /// holiday may have been missed.
    pub outside_calendar: bool,
}

impl Derivation {
    /// Runs of consecutive holidays with one name: (first, last, name).
    pub fn holiday_runs(&self) -> Vec<(Date, Date, &Localized)> {
        let mut runs: Vec<(Date, Date, &Localized)> = Vec::new();
        for (d, name) in &self.holidays_skipped {
            match runs.last_mut() {
                Some((_, last, run_name)) if *run_name == name && next(*last) == *d => *last = *d,
                _ => runs.push((*d, *d, name)),
            }
        }
        runs
    }
}

/// English, e.g. "Tue 8 Jul 2025 + 10 working days, skipping 11–15 Jul 2025 (Naadam)
/// and 4 weekend days → Fri 25 Jul 2025". The web layer translates the same parts.
impl fmt::Display for DueDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.derivation;
        write!(f, "{} + {}", day_label(d.start), d.count)?;
        let mut skips: Vec<String> = d
            .holiday_runs()
            .into_iter()
            .map(|(first, last, name)| {
                let name = name.get(crate::text::Lang::En);
                if first == last {
                    format!("{} ({name})", short_date(first))
                } else if first.month() == last.month() {
                    format!("{}–{} ({name})", first.day(), short_date(last))
                } else {
                    format!("{}–{} ({name})", short_date(first), short_date(last))
                }
            })
            .collect();
        match d.weekend_days_skipped {
            0 => {}
            1 => skips.push("1 weekend day".to_owned()),
            n => skips.push(format!("{n} weekend days")),
        }
        if !skips.is_empty() {
            let last = skips.pop().expect("not empty");
            if skips.is_empty() {
                write!(f, ", skipping {last}")?;
            } else {
                write!(f, ", skipping {} and {last}", skips.join(", "))?;
            }
        }
        if let Some(from) = d.moved_from {
            write!(
                f,
                "; {} is not a working day, so the next working day counts",
                day_label(from)
            )?;
        }
        write!(f, " → {}", day_label(self.date))?;
        if d.outside_calendar {
            write!(
                f,
                " (holidays of that year are not in the calendar: check it)"
            )?;
        }
        Ok(())
    }
}

fn short_date(d: Date) -> String {
    d.strftime("%-d %b %Y").to_string()
}

fn day_label(d: Date) -> String {
    d.strftime("%a %-d %b %Y").to_string()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn named(en: &str) -> Localized {
        Localized::new("", en)
    }

    /// A test calendar: Saturday and Sunday off; Naadam 11–15 July 2025 and New Year.
    fn calendar() -> Calendar {
        let mut holidays: Vec<(Date, Localized)> = (11..=15)
            .map(|d| (date(2025, 7, d), named("Naadam")))
            .collect();
        holidays.push((date(2025, 1, 1), named("New Year")));
        holidays.push((date(2026, 1, 1), named("New Year")));
        Calendar::new(
            vec![Weekday::Saturday, Weekday::Sunday],
            holidays,
            2025,
            2026,
        )
    }

    #[test]
    fn working_days_skip_naadam_and_weekends() {
        let due = calendar().due_date(
            date(2025, 7, 8),
            DayCount::Working(10),
            NonWorkingDue::NextWorkingDay,
        );
        // 9, 10 | 11–15 Naadam (12, 13 a weekend inside it) | 16, 17, 18 | 21–25.
        assert_eq!(due.date, date(2025, 7, 25));
        assert_eq!(due.derivation.holidays_skipped.len(), 5);
        assert_eq!(due.derivation.weekend_days_skipped, 2);
        assert_eq!(
            due.to_string(),
            "Tue 8 Jul 2025 + 10 working days, skipping 11–15 Jul 2025 (Naadam) and 2 weekend days → Fri 25 Jul 2025"
        );
    }

    #[test]
    fn calendar_days_ending_on_a_holiday_move_to_the_next_working_day() {
        let cal = calendar();
        // 1 Jul + 10 days = 11 Jul (Naadam) → the next working day is Wed 16 Jul.
        let due = cal.due_date(
            date(2025, 7, 1),
            DayCount::Calendar(10),
            NonWorkingDue::NextWorkingDay,
        );
        assert_eq!(due.date, date(2025, 7, 16));
        assert_eq!(due.derivation.moved_from, Some(date(2025, 7, 11)));
        assert!(
            due.to_string()
                .contains("Fri 11 Jul 2025 is not a working day"),
            "{due}"
        );
        let kept = cal.due_date(
            date(2025, 7, 1),
            DayCount::Calendar(10),
            NonWorkingDue::Keep,
        );
        assert_eq!(kept.date, date(2025, 7, 11));
        assert_eq!(kept.derivation.moved_from, None);
    }

    #[test]
    fn a_count_past_the_holiday_table_says_so() {
        let due = calendar().due_date(
            date(2026, 12, 20),
            DayCount::Working(30),
            NonWorkingDue::NextWorkingDay,
        );
        assert!(due.derivation.outside_calendar);
        assert!(due.to_string().ends_with("check it)"), "{due}");
        let inside = calendar().due_date(
            date(2025, 3, 3),
            DayCount::Working(5),
            NonWorkingDue::NextWorkingDay,
        );
        assert!(!inside.derivation.outside_calendar);
        assert_eq!(
            inside.to_string(),
            "Mon 3 Mar 2025 + 5 working days, skipping 2 weekend days → Mon 10 Mar 2025"
        );
    }

    #[test]
    fn zero_days_is_the_start() {
        let due = calendar().due_date(
            date(2025, 7, 12),
            DayCount::Working(0),
            NonWorkingDue::NextWorkingDay,
        );
        assert_eq!(due.date, date(2025, 7, 12));
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..800).prop_map(|n| date(2025, 1, 1).checked_add(n.days()).unwrap())
    }

    proptest! {
        #[test]
        fn working_day_deadlines_count_exactly_n_working_days(start in any_date(), n in 1u32..60) {
            let cal = calendar();
            let due = cal.due_date(start, DayCount::Working(n), NonWorkingDue::NextWorkingDay);
            prop_assert!(cal.is_working_day(due.date));
            let mut working = 0;
            let mut d = start;
            while d < due.date {
                d = d.tomorrow().unwrap();
                working += u32::from(cal.is_working_day(d));
            }
            prop_assert_eq!(working, n);
            let skipped = due.derivation.holidays_skipped.len() as u32 + due.derivation.weekend_days_skipped;
            prop_assert_eq!(skipped + n, u32::try_from((due.date - start).get_days()).unwrap());
        }

        #[test]
        fn calendar_deadlines_land_on_the_first_working_day_from_start_plus_n(start in any_date(), n in 0u32..60) {
            let cal = calendar();
            let due = cal.due_date(start, DayCount::Calendar(n), NonWorkingDue::NextWorkingDay);
            let nominal = start.checked_add(i64::from(n).days()).unwrap();
            prop_assert!(due.date >= nominal);
            prop_assert!(cal.is_working_day(due.date));
            let mut d = nominal;
            while d < due.date {
                prop_assert!(!cal.is_working_day(d));
                d = d.tomorrow().unwrap();
            }
        }

        #[test]
        fn a_longer_count_is_never_earlier(start in any_date(), n in 0u32..60) {
            let cal = calendar();
            for count in [DayCount::Working, DayCount::Calendar] {
                let a = cal.due_date(start, count(n), NonWorkingDue::NextWorkingDay).date;
                let b = cal.due_date(start, count(n + 1), NonWorkingDue::NextWorkingDay).date;
                prop_assert!(b >= a);
            }
        }
    }
}
