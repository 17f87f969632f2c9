//! The company page's own section: its licences, every violation and decision about it
//! or its licences, its subsidiaries, its agreements' totals, and whether it is a
//! repeat violator by the pack's threshold duty (the number of violations within a
//! window that makes revocation a question; a policy default the coalition can change).

use jiff::civil::Date;
use minewatch_domain::engine::first_cluster;
use minewatch_domain::law::pack::DutyKind;
use minewatch_domain::{RecordId, RecordKind};
use minewatch_store::{ListQuery, StoreError, StoredRecord};
use serde_json::Value;

use crate::AppState;
use crate::access::Viewer;
use crate::i18n::Ui;
use crate::pages::tracker::{Book, TotalRow, visible};
use crate::views::RecordLink;

#[derive(Clone)]
pub struct CompanySection {
    /// Set when the company is a repeat violator: what the flag rests on.
    pub repeat: Option<String>,
    /// Its licences, violations, decisions and subsidiaries, each under a heading.
    pub lists: Vec<LinkList>,
    pub totals: Vec<TotalRow>,
}

#[derive(Clone)]
pub struct LinkList {
    pub heading: String,
    pub items: Vec<RecordLink>,
    /// When it is cut short: "Showing 1–50 of N", and where the whole list is.
    pub more: Option<(String, Option<String>)>,
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
    // Findings about the company or any of its licences, in one query however many
    // licences it holds.
    let mut about = vec![id.clone()];
    about.extend(licences.iter().map(|l| l.id.clone()));
    let findings = async |kind| -> Result<Vec<StoredRecord>, StoreError> {
        let mut q = ListQuery::all(kind).visible_to(&viewer.filter());
        q.linked_to_any = about.clone();
        q.limit = 100_000;
        let mut out = state.store.list(&q).await?;
        for r in &mut out {
            let access = minewatch_domain::RecordAccess::of(r.kind, &r.id, &r.payload);
            r.payload = viewer.fields(r, &access).payload;
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
    // A list shows its first fifty; the whole list is a filtered list page.
    let list = |key: &str, rs: &[StoredRecord], all: Option<String>| LinkList {
        heading: ui.t(key),
        items: rs
            .iter()
            .take(crate::pages::ROWS_PER_PAGE)
            .map(|r| RecordLink::new(ui, r))
            .collect(),
        more: (rs.len() > crate::pages::ROWS_PER_PAGE).then(|| {
            (
                crate::views::shown(ui, 1, crate::pages::ROWS_PER_PAGE, rs.len()),
                all,
            )
        }),
    };
    Ok(CompanySection {
        repeat,
        lists: vec![
            list(
                "nav-licences",
                &licences,
                Some(format!("/licences?company={id}")),
            ),
            list("nav-violations", &violations, None),
            list("nav-decisions", &decisions, None),
            list("company-subsidiaries", &subsidiaries, None),
        ],
        totals: book.company_totals(ui, id),
    })
}
