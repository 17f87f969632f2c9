//! The agreements tracker: how far each commitment of an agreement has been kept, from
//! its schedule and the payments and deliveries recorded against it, and what changed
//! between two versions of a renegotiated agreement.
//!
//! A commitment is
//! - **fulfilled** when what was delivered by `as_of` adds up to its amount, or a
//!   delivery is marked as completing it (for a promise that is not counted);
//! - **on track** when every instalment that fell due before `as_of` was delivered in
//!   full (an instalment due on `as_of` itself is not yet late);
//! - **late** when an instalment that fell due was not delivered in full, but the last
//!   instalment is still to come;
//! - **unfulfilled** when the last instalment fell due and the whole was not delivered.
//!
//! An instalment without an amount is "the rest": everything promised is due by then.
//! A commitment without a schedule is due in one go on its own date.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::records::dated::{DatedDetail, DatedRecord, Installment};

/// How far a commitment has been kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommitmentStatus {
    OnTrack,
    Late,
    Unfulfilled,
    Fulfilled,
}

impl CommitmentStatus {
    pub const ALL: [CommitmentStatus; 4] = [
        CommitmentStatus::OnTrack,
        CommitmentStatus::Late,
        CommitmentStatus::Unfulfilled,
        CommitmentStatus::Fulfilled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentStatus::OnTrack => "on-track",
            CommitmentStatus::Late => "late",
            CommitmentStatus::Unfulfilled => "unfulfilled",
            CommitmentStatus::Fulfilled => "fulfilled",
        }
    }
}

/// A payment or delivery as the tracker reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    pub date: Date,
    pub amount: Option<f64>,
    pub completes: bool,
}

impl Delivery {
    /// The delivery a payment record describes; `None` for other records.
    pub fn of(record: &DatedRecord) -> Option<Delivery> {
        match record.detail {
            DatedDetail::Payment {
                amount, completes, ..
            } => Some(Delivery {
                date: record.date,
                amount,
                completes,
            }),
            _ => None,
        }
    }
}

/// The terms of a commitment that the tracker needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub date: Date,
    pub amount: Option<f64>,
    pub unit: Option<String>,
    pub schedule: Vec<Installment>,
}

impl Terms {
    /// The terms of a commitment record; `None` for other records.
    pub fn of(record: &DatedRecord) -> Option<Terms> {
        match &record.detail {
            DatedDetail::Commitment {
                amount,
                unit,
                schedule,
                ..
            } => Some(Terms {
                date: record.date,
                amount: *amount,
                unit: unit.clone(),
                schedule: schedule.clone(),
            }),
            _ => None,
        }
    }

    /// The instalments, with a commitment without a schedule due in one go on its date.
    fn instalments(&self) -> Vec<Installment> {
        if self.schedule.is_empty() {
            vec![Installment {
                due: self.date,
                amount: None,
            }]
        } else {
            self.schedule.clone()
        }
    }

    /// The last date anything falls due.
    pub fn final_due(&self) -> Date {
        self.instalments().last().map_or(self.date, |i| i.due)
    }
}

/// Where a commitment stands on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub status: CommitmentStatus,
    /// How much fell due before `as_of` (counted commitments only).
    pub due: Option<f64>,
    /// How much was delivered by `as_of` (counted commitments only).
    pub delivered: Option<f64>,
    /// The first instalment that fell due and was not delivered in full.
    pub behind_since: Option<Date>,
    /// The next instalment still to fall due.
    pub next_due: Option<Date>,
    pub final_due: Date,
    /// When it was fulfilled: the delivery that completed it.
    pub fulfilled_on: Option<Date>,
}

const EPSILON: f64 = 1e-9;

/// Where a commitment with `terms` stands on `as_of`, given every delivery recorded
/// against it (those after `as_of` are not counted).
pub fn progress(terms: &Terms, deliveries: &[Delivery], as_of: Date) -> Progress {
    let mut delivered_by: Vec<Delivery> = deliveries
        .iter()
        .filter(|d| d.date <= as_of)
        .copied()
        .collect();
    delivered_by.sort_by_key(|d| d.date);
    let instalments = terms.instalments();
    let final_due = terms.final_due();
    let next_due = instalments.iter().map(|i| i.due).find(|d| *d >= as_of);
    // What is due by each instalment, cumulatively; `None` means "everything".
    let mut cumulative = Vec::with_capacity(instalments.len());
    let mut sum = 0.0;
    for (n, i) in instalments.iter().enumerate() {
        let last = n + 1 == instalments.len();
        match (i.amount, terms.amount) {
            (Some(a), _) if !last => {
                sum += a;
                cumulative.push(Some(sum));
            }
            // The last instalment always completes the whole.
            (_, total) => cumulative.push(total),
        }
    }
    let total = terms.amount;
    let mut running = 0.0;
    let mut fulfilled_on = None;
    for d in &delivered_by {
        running += d.amount.unwrap_or(0.0);
        let whole = total.is_some_and(|t| running + EPSILON >= t);
        if fulfilled_on.is_none() && (d.completes || whole) {
            fulfilled_on = Some(d.date);
        }
    }
    let delivered = total.map(|_| running);
    let due = total.map(|t| {
        instalments
            .iter()
            .zip(&cumulative)
            .filter(|(i, _)| i.due < as_of)
            .map(|(_, c)| c.unwrap_or(t))
            .fold(0.0, f64::max)
    });
    let covered = |owed: Option<f64>| match (owed, total) {
        // A counted commitment: covered when the deliveries reach what is owed.
        (Some(owed), Some(_)) => running + EPSILON >= owed,
        // An uncounted one is covered only once completed.
        _ => fulfilled_on.is_some(),
    };
    let behind_since = instalments
        .iter()
        .zip(&cumulative)
        .filter(|(i, _)| i.due < as_of)
        .find(|(_, c)| !covered(c.or(total)))
        .map(|(i, _)| i.due);
    let status = if fulfilled_on.is_some() {
        CommitmentStatus::Fulfilled
    } else if behind_since.is_none() {
        CommitmentStatus::OnTrack
    } else if final_due < as_of {
        CommitmentStatus::Unfulfilled
    } else {
        CommitmentStatus::Late
    };
    Progress {
        status,
        due,
        delivered,
        behind_since,
        next_due,
        final_due,
        fulfilled_on,
    }
}

/// Promised, fallen due and delivered amounts, per unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub by_unit: BTreeMap<String, Amounts>,
    pub by_status: BTreeMap<CommitmentStatus, usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Amounts {
    pub promised: f64,
    pub due: f64,
    pub delivered: f64,
}

impl Totals {
    /// Adds one commitment's terms and progress.
    pub fn add(&mut self, terms: &Terms, progress: &Progress) {
        *self.by_status.entry(progress.status).or_default() += 1;
        if let (Some(promised), Some(unit)) = (terms.amount, &terms.unit) {
            let a = self.by_unit.entry(unit.clone()).or_default();
            a.promised += promised;
            a.due += progress.due.unwrap_or(0.0);
            a.delivered += progress.delivered.unwrap_or(0.0);
        }
    }

    pub fn merge(&mut self, other: &Totals) {
        for (unit, a) in &other.by_unit {
            let mine = self.by_unit.entry(unit.clone()).or_default();
            mine.promised += a.promised;
            mine.due += a.due;
            mine.delivered += a.delivered;
        }
        for (status, n) in &other.by_status {
            *self.by_status.entry(*status).or_default() += n;
        }
    }
}

/// One commitment of one agreement version, for comparing versions.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionItem {
    pub what: String,
    pub terms: Terms,
}

/// A line of two versions side by side: a commitment in the older, the newer or both.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub what: String,
    pub before: Option<Terms>,
    pub after: Option<Terms>,
}

impl VersionRow {
    pub fn change(&self) -> &'static str {
        match (&self.before, &self.after) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(a), Some(b))
                if a.amount != b.amount || a.unit != b.unit || a.schedule != b.schedule =>
            {
                "changed"
            }
            _ => "same",
        }
    }
}

/// How a commitment's text is matched across versions: case, spacing and punctuation
/// at the ends do not count.
fn match_key(what: &str) -> String {
    what.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c.is_ascii_punctuation())
        .to_lowercase()
}

/// The commitments of two versions side by side, matched by what was promised: the
/// older version's order first, then what the newer one added.
pub fn compare_versions(before: &[VersionItem], after: &[VersionItem]) -> Vec<VersionRow> {
    let mut rows: Vec<VersionRow> = before
        .iter()
        .map(|b| VersionRow {
            what: b.what.clone(),
            before: Some(b.terms.clone()),
            after: None,
        })
        .collect();
    for a in after {
        let key = match_key(&a.what);
        match rows
            .iter_mut()
            .find(|r| r.after.is_none() && r.before.is_some() && match_key(&r.what) == key)
        {
            Some(row) => {
                row.after = Some(a.terms.clone());
                row.what = a.what.clone();
            }
            None => rows.push(VersionRow {
                what: a.what.clone(),
                before: None,
                after: Some(a.terms.clone()),
            }),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn terms(amount: Option<f64>, schedule: &[(Date, Option<f64>)]) -> Terms {
        Terms {
            date: date(2025, 1, 1),
            amount,
            unit: amount.map(|_| "MNT".to_owned()),
            schedule: schedule
                .iter()
                .map(|(due, amount)| Installment {
                    due: *due,
                    amount: *amount,
                })
                .collect(),
        }
    }

    fn paid(d: Date, amount: f64) -> Delivery {
        Delivery {
            date: d,
            amount: Some(amount),
            completes: false,
        }
    }

    #[test]
    fn instalments_decide_on_track_late_unfulfilled_and_fulfilled() {
        let t = terms(
            Some(300.0),
            &[
                (date(2025, 12, 31), Some(150.0)),
                (date(2026, 12, 31), Some(150.0)),
            ],
        );
        let status = |ds: &[Delivery], as_of| progress(&t, ds, as_of).status;
        // Nothing due yet; due on the day itself is not late.
        assert_eq!(status(&[], date(2025, 6, 1)), CommitmentStatus::OnTrack);
        assert_eq!(status(&[], date(2025, 12, 31)), CommitmentStatus::OnTrack);
        // The day after, the first instalment is missed.
        let p = progress(&t, &[], date(2026, 1, 1));
        assert_eq!(p.status, CommitmentStatus::Late);
        assert_eq!(p.behind_since, Some(date(2025, 12, 31)));
        assert_eq!((p.due, p.delivered), (Some(150.0), Some(0.0)));
        assert_eq!(p.next_due, Some(date(2026, 12, 31)));
        // Paid in part: still late; paid in full: on track.
        assert_eq!(
            status(&[paid(date(2025, 12, 1), 100.0)], date(2026, 1, 1)),
            CommitmentStatus::Late
        );
        assert_eq!(
            status(&[paid(date(2025, 12, 1), 150.0)], date(2026, 1, 1)),
            CommitmentStatus::OnTrack
        );
        // A payment after as_of does not count yet.
        assert_eq!(
            status(&[paid(date(2026, 2, 1), 150.0)], date(2026, 1, 1)),
            CommitmentStatus::Late
        );
        // The last instalment passed without the whole: unfulfilled.
        assert_eq!(
            status(&[paid(date(2025, 12, 1), 150.0)], date(2027, 1, 1)),
            CommitmentStatus::Unfulfilled
        );
        // The whole delivered, even late and in pieces: fulfilled, on the last payment.
        let p = progress(
            &t,
            &[
                paid(date(2025, 12, 1), 150.0),
                paid(date(2027, 3, 1), 150.0),
            ],
            date(2027, 6, 1),
        );
        assert_eq!(p.status, CommitmentStatus::Fulfilled);
        assert_eq!(p.fulfilled_on, Some(date(2027, 3, 1)));
    }

    #[test]
    fn an_uncounted_promise_needs_a_completing_delivery() {
        let t = terms(None, &[(date(2025, 9, 30), None)]);
        let partial = Delivery {
            date: date(2025, 7, 1),
            amount: None,
            completes: false,
        };
        assert_eq!(
            progress(&t, &[partial], date(2025, 9, 30)).status,
            CommitmentStatus::OnTrack
        );
        assert_eq!(
            progress(&t, &[partial], date(2025, 10, 1)).status,
            CommitmentStatus::Unfulfilled
        );
        let done = Delivery {
            completes: true,
            ..partial
        };
        let p = progress(&t, &[done], date(2025, 10, 1));
        assert_eq!(p.status, CommitmentStatus::Fulfilled);
        assert_eq!((p.due, p.delivered), (None, None));
    }

    #[test]
    fn no_schedule_means_due_on_its_date_and_a_rest_instalment_owes_the_whole() {
        let once = terms(Some(10.0), &[]);
        assert_eq!(
            progress(&once, &[], date(2025, 1, 2)).status,
            CommitmentStatus::Unfulfilled
        );
        // 100 in all: 40 by March, the rest by December.
        let t = terms(
            Some(100.0),
            &[(date(2025, 3, 1), Some(40.0)), (date(2025, 12, 1), None)],
        );
        let p = progress(&t, &[paid(date(2025, 2, 1), 40.0)], date(2025, 6, 1));
        assert_eq!((p.status, p.due), (CommitmentStatus::OnTrack, Some(40.0)));
        let p = progress(&t, &[paid(date(2025, 2, 1), 90.0)], date(2025, 12, 2));
        assert_eq!(
            (p.status, p.due),
            (CommitmentStatus::Unfulfilled, Some(100.0))
        );
    }

    #[test]
    fn totals_add_per_unit_and_status() {
        let t = terms(
            Some(300.0),
            &[
                (date(2025, 12, 31), Some(150.0)),
                (date(2026, 12, 31), None),
            ],
        );
        let p = progress(&t, &[paid(date(2025, 12, 1), 150.0)], date(2026, 1, 1));
        let mut totals = Totals::default();
        totals.add(&t, &p);
        totals.add(&t, &p);
        let mnt = totals.by_unit["MNT"];
        assert_eq!(
            (mnt.promised, mnt.due, mnt.delivered),
            (600.0, 300.0, 300.0)
        );
        assert_eq!(totals.by_status[&CommitmentStatus::OnTrack], 2);
    }

    #[test]
    fn versions_match_commitments_by_what_was_promised() {
        let item = |what: &str, amount| VersionItem {
            what: what.to_owned(),
            terms: terms(Some(amount), &[]),
        };
        let rows = compare_versions(
            &[
                item("Small business fund", 200.0),
                item("Trees", 2000.0),
                item("Road", 1.0),
            ],
            &[
                item("small  business fund.", 300.0),
                item("Road", 1.0),
                item("Housing", 10.0),
            ],
        );
        let changes: Vec<(&str, &str)> =
            rows.iter().map(|r| (r.what.as_str(), r.change())).collect();
        assert_eq!(
            changes,
            [
                ("small  business fund.", "changed"),
                ("Trees", "removed"),
                ("Road", "same"),
                ("Housing", "added")
            ]
        );
    }
}
