//! The company page's own section: its licences, every violation and decision about it
//! or its licences, its subsidiaries, its agreements' totals, and whether it is a
//! repeat violator by the pack's threshold duty (the number of violations within a
//! window that makes revocation a question; a policy default the coalition can change).

use jiff::civil::Date;
use minewatch_domain::engine::first_cluster;
use minewatch_domain::pack::DutyKind;
use minewatch_domain::{RecordId, RecordKind};
use minewatch_store::{StoreError, StoredRecord};
use serde_json::Value;

use crate::AppState;
use crate::access::Viewer;
use crate::i18n::Ui;
use crate::tracker::{Book, TotalRow, visible};
use crate::views::RecordLink;

pub struct CompanySection {
    /// Set when the company is a repeat violator: what the flag rests on.
    pub repeat: Option<String>,
    /// Its licences, violations, decisions and subsidiaries, each under a heading.
    pub lists: Vec<LinkList>,
    pub totals: Vec<TotalRow>,
}

pub struct LinkList {
    pub heading: String,
    pub items: Vec<RecordLink>,
}

fn date_of(r: &StoredRecord) -> Option<Date> {
    r.payload
        .get("date")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

pub async fn section(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    id: &RecordId,
    book: &Book,
) -> Result<CompanySection, StoreError> {
    // The store's link index finds what refers to the company (its licences by holder,
    // its subsidiaries by parent, findings by company) and to each of its licences.
    let licences = visible(state, viewer, RecordKind::Licence, Some(id)).await?;
    let subsidiaries = visible(state, viewer, RecordKind::Company, Some(id)).await?;
    let mut about = vec![id];
    about.extend(licences.iter().map(|l| &l.id));
    let findings = async |kind| -> Result<Vec<StoredRecord>, StoreError> {
        let mut out: Vec<StoredRecord> = Vec::new();
        for target in &about {
            for r in visible(state, viewer, kind, Some(*target)).await? {
                if !out.iter().any(|o| o.id == r.id) {
                    out.push(r);
                }
            }
        }
        out.sort_by_key(date_of);
        Ok(out)
    };
    let violations = findings(RecordKind::Violation).await?;
    let decisions = findings(RecordKind::Decision).await?;
    let dates: Vec<Date> = violations.iter().filter_map(date_of).collect();
    let repeat = state
        .pack
        .duties
        .iter()
        .find(|d| d.kind == DutyKind::Threshold && d.finding.as_deref() == Some("violation"))
        .and_then(|duty| {
            let (count, window) = (duty.count? as usize, duty.window_days?);
            let last = first_cluster(&dates, |d| *d, count, window)?;
            let first = dates[last + 1 - count.max(1)];
            Some(ui.t_args(
                "company-repeat-flag",
                &[
                    ("count", count.to_string()),
                    ("days", window.to_string()),
                    ("first", first.to_string()),
                    ("last", dates[last].to_string()),
                    ("duty", ui.pick(&duty.title).to_owned()),
                ],
            ))
        });
    let list = |key: &str, rs: &[StoredRecord]| LinkList {
        heading: ui.t(key),
        items: rs.iter().map(|r| RecordLink::new(ui, r)).collect(),
    };
    Ok(CompanySection {
        repeat,
        lists: vec![
            list("nav-licences", &licences),
            list("nav-violations", &violations),
            list("nav-decisions", &decisions),
            list("company-subsidiaries", &subsidiaries),
        ],
        totals: book.company_totals(ui, id),
    })
}
