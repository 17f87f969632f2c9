//! The agreements tracker: every current agreement with its commitments, how far each
//! is kept (on track, late, unfulfilled, fulfilled), totals per agreement and per
//! company, and a renegotiated agreement's versions side by side.
//!
//! Everything is computed from the records the viewer may see, as they read to this
//! viewer, on `as_of` (today in the pack's time zone unless the page asks for another
//! day).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;
use minewatch_domain::agreement::{
    CommitmentStatus, Delivery, Progress, Terms, Totals, VersionItem, compare_versions, progress,
};
use minewatch_domain::{DatedDetail, DatedRecord, Record, RecordId, RecordKind};
use minewatch_store::{ListQuery, StoreError, StoredRecord};
use serde::Deserialize;

use crate::AppState;
use crate::access::Viewer;
use crate::error::{OrPage, PageError};
use crate::i18n::Ui;
use crate::views::{display_name, format_amount, record_href};

/// A case record of the tracker's kinds, as the viewer sees it.
struct Case {
    stored: StoredRecord,
    case: DatedRecord,
}

type PageResult = Result<Response, PageError>;

/// The visible agreements, commitments and payments, read once per page.
pub struct Book {
    agreements: Vec<Case>,
    commitments: Vec<Case>,
    deliveries: HashMap<RecordId, Vec<Delivery>>,
    names: HashMap<RecordId, (String, Option<String>)>,
    pub as_of: Date,
}

/// The current records of `kind` the viewer may see (those that refer to `about`, if
/// given), each cut to the fields they may see.
pub(crate) async fn visible(
    state: &AppState,
    viewer: &Viewer,
    kind: RecordKind,
    about: Option<&RecordId>,
) -> Result<Vec<StoredRecord>, StoreError> {
    let mut q = ListQuery::all(kind).visible_to(&viewer.filter());
    q.linked_to.extend(about.cloned());
    q.limit = 100_000;
    let mut out = state.store.list(&q).await?;
    for r in &mut out {
        let access = minewatch_domain::RecordAccess::of(r.kind, &r.id, &r.payload);
        r.payload = viewer.fields(r, &access).payload;
    }
    Ok(out)
}

fn cases(records: Vec<StoredRecord>) -> Vec<Case> {
    records
        .into_iter()
        .filter_map(
            |stored| match Record::from_payload(stored.kind, &stored.payload) {
                Ok(Record::Dated(case)) => Some(Case { stored, case }),
                _ => None,
            },
        )
        .collect()
}

impl Book {
    pub async fn load(
        state: &AppState,
        viewer: &Viewer,
        ui: &Ui,
        as_of: Date,
    ) -> Result<Book, StoreError> {
        let agreements = cases(visible(state, viewer, RecordKind::Agreement, None).await?);
        let commitments = cases(visible(state, viewer, RecordKind::Commitment, None).await?);
        let mut deliveries: HashMap<RecordId, Vec<Delivery>> = HashMap::new();
        for p in cases(visible(state, viewer, RecordKind::Payment, None).await?) {
            if let (DatedDetail::Payment { commitment_id, .. }, Some(d)) =
                (&p.case.detail, Delivery::of(&p.case))
            {
                deliveries.entry(commitment_id.clone()).or_default().push(d);
            }
        }
        let mut names = HashMap::new();
        for kind in [RecordKind::Company, RecordKind::Authority] {
            for r in visible(state, viewer, kind, None).await? {
                names.insert(
                    r.id.clone(),
                    (display_name(&r, ui.lang), record_href(r.kind, &r.id)),
                );
            }
        }
        Ok(Book {
            agreements,
            commitments,
            deliveries,
            names,
            as_of,
        })
    }

    fn agreement(&self, id: &RecordId) -> Option<&Case> {
        self.agreements.iter().find(|a| &a.stored.id == id)
    }

    /// The newer version that replaces agreement `id`, if one is recorded.
    fn superseded_by(&self, id: &RecordId) -> Option<&Case> {
        self.agreements.iter().find(|a| {
            matches!(&a.case.detail, DatedDetail::Agreement { supersedes: Some(s), .. } if s == id)
        })
    }

    fn commitments_of(&self, agreement: &RecordId) -> Vec<&Case> {
        self.commitments
            .iter()
            .filter(|c| {
                matches!(&c.case.detail, DatedDetail::Commitment { agreement_id, .. } if agreement_id == agreement)
            })
            .collect()
    }

    fn name(&self, id: Option<&RecordId>) -> Option<Named> {
        let id = id?;
        let (name, href) = self
            .names
            .get(id)
            .cloned()
            .unwrap_or_else(|| (id.to_string(), None));
        Some(Named { name, href })
    }

    /// Where commitment `c` stands.
    fn progress_of(&self, c: &Case) -> Option<(Terms, Progress)> {
        let terms = Terms::of(&c.case)?;
        let deliveries = self
            .deliveries
            .get(&c.stored.id)
            .map_or(&[][..], Vec::as_slice);
        let p = progress(&terms, deliveries, self.as_of);
        Some((terms, p))
    }

    fn row(&self, ui: &Ui, c: &Case) -> Option<CommitmentRow> {
        let (terms, p) = self.progress_of(c)?;
        let DatedDetail::Commitment { what, .. } = &c.case.detail else {
            return None;
        };
        let unit = terms.unit.clone().unwrap_or_default();
        let with_unit = |x: f64| format!("{} {unit}", format_amount(x)).trim().to_owned();
        Some(CommitmentRow {
            what: what.clone(),
            href: record_href(c.stored.kind, &c.stored.id),
            status: p.status.as_str(),
            status_label: ui.t(&format!("commitment-{}", p.status.as_str())),
            promised: terms.amount.map(with_unit).unwrap_or_default(),
            due: p.due.map(with_unit).unwrap_or_default(),
            delivered: p.delivered.map(with_unit).unwrap_or_default(),
            schedule: schedule_text(&terms),
            when: match p.status {
                CommitmentStatus::Fulfilled => p
                    .fulfilled_on
                    .map(|d| format!("{} {d}", ui.t("commitment-fulfilled-on")))
                    .unwrap_or_default(),
                CommitmentStatus::OnTrack => p
                    .next_due
                    .map(|d| format!("{} {d}", ui.t("commitment-next-due")))
                    .unwrap_or_default(),
                _ => p
                    .behind_since
                    .map(|d| format!("{} {d}", ui.t("commitment-behind-since")))
                    .unwrap_or_default(),
            },
            responsible: self.name(c.case.company_id.as_ref().or(c.case.authority_id.as_ref())),
        })
    }

    /// An agreement with its commitments and their totals.
    pub fn block(&self, ui: &Ui, agreement_id: &RecordId) -> Option<AgreementBlock> {
        let a = self.agreement(agreement_id)?;
        let mut totals = Totals::default();
        let mut commitments = Vec::new();
        for c in self.commitments_of(agreement_id) {
            if let Some((terms, p)) = self.progress_of(c) {
                totals.add(&terms, &p);
            }
            commitments.extend(self.row(ui, c));
        }
        Some(AgreementBlock {
            name: display_name(&a.stored, ui.lang),
            href: record_href(a.stored.kind, &a.stored.id),
            superseded_by: self.superseded_by(agreement_id).map(|n| Named {
                name: display_name(&n.stored, ui.lang),
                href: record_href(n.stored.kind, &n.stored.id),
            }),
            commitments,
            totals: total_rows(ui, &totals),
            raw_totals: totals,
        })
    }

    /// This agreement beside the version it replaced, if it replaced one.
    pub fn versions(&self, ui: &Ui, agreement_id: &RecordId) -> Option<Versions> {
        let after = self.agreement(agreement_id)?;
        let DatedDetail::Agreement {
            supersedes: Some(before_id),
            ..
        } = &after.case.detail
        else {
            return None;
        };
        let before = self.agreement(before_id)?;
        let items = |id: &RecordId| -> Vec<VersionItem> {
            self.commitments_of(id)
                .into_iter()
                .filter_map(|c| match (&c.case.detail, Terms::of(&c.case)) {
                    (DatedDetail::Commitment { what, .. }, Some(terms)) => Some(VersionItem {
                        what: what.clone(),
                        terms,
                    }),
                    _ => None,
                })
                .collect()
        };
        let agreement_line = |label: &str, f: &dyn Fn(&Case) -> String| {
            let (b, a) = (f(before), f(after));
            VersionLine {
                what: label.to_owned(),
                change: if a == b { "same" } else { "changed" },
                change_label: ui.t(if a == b {
                    "version-same"
                } else {
                    "version-changed"
                }),
                before: b,
                after: a,
            }
        };
        let title = |c: &Case| match &c.case.detail {
            DatedDetail::Agreement { title, .. } => title.clone(),
            _ => String::new(),
        };
        let mut lines = vec![
            agreement_line(&ui.t("field-title"), &title),
            agreement_line(&ui.t("field-date"), &|c: &Case| c.case.date.to_string()),
            agreement_line(&ui.t("field-summary"), &|c: &Case| {
                c.case.summary.clone().unwrap_or_default()
            }),
        ];
        for row in compare_versions(&items(before_id), &items(agreement_id)) {
            let change = row.change();
            lines.push(VersionLine {
                what: row.what.clone(),
                before: row.before.as_ref().map(terms_text).unwrap_or_default(),
                after: row.after.as_ref().map(terms_text).unwrap_or_default(),
                change,
                change_label: ui.t(&format!("version-{change}")),
            });
        }
        Some(Versions {
            before: Named {
                name: display_name(&before.stored, ui.lang),
                href: record_href(before.stored.kind, &before.stored.id),
            },
            after: Named {
                name: display_name(&after.stored, ui.lang),
                href: record_href(after.stored.kind, &after.stored.id),
            },
            lines,
        })
    }

    /// The commitment `id`'s own row, for its page.
    pub fn commitment_row(&self, ui: &Ui, id: &RecordId) -> Option<CommitmentRow> {
        let c = self.commitments.iter().find(|c| &c.stored.id == id)?;
        self.row(ui, c)
    }

    /// Current agreements (not replaced by a newer version), grouped by company.
    pub fn by_company(&self, ui: &Ui) -> Vec<CompanyBlock> {
        // By company id (two companies may share a name), shown in name order.
        let mut groups: BTreeMap<(String, String), CompanyBlock> = BTreeMap::new();
        for a in &self.agreements {
            if self.superseded_by(&a.stored.id).is_some() {
                continue;
            }
            let Some(block) = self.block(ui, &a.stored.id) else {
                continue;
            };
            let company = self.name(a.case.company_id.as_ref());
            let key = match (&company, &a.case.company_id) {
                (Some(c), Some(id)) => (c.name.clone(), id.to_string()),
                _ => ("\u{10ffff}".to_owned(), String::new()),
            };
            let group = groups.entry(key).or_insert_with(|| CompanyBlock {
                id: a.case.company_id.clone(),
                company,
                agreements: Vec::new(),
                totals: Vec::new(),
                raw_totals: Totals::default(),
            });
            group.raw_totals.merge(&block.raw_totals);
            group.agreements.push(block);
        }
        groups
            .into_values()
            .map(|mut g| {
                g.totals = total_rows(ui, &g.raw_totals);
                g
            })
            .collect()
    }

    /// Totals over the current agreements of company `id`.
    pub fn company_totals(&self, ui: &Ui, id: &RecordId) -> Vec<TotalRow> {
        self.by_company(ui)
            .into_iter()
            .find(|g| g.id.as_ref() == Some(id))
            .map(|g| g.totals)
            .unwrap_or_default()
    }
}

fn schedule_text(terms: &Terms) -> String {
    if terms.schedule.is_empty() {
        return terms.date.to_string();
    }
    terms
        .schedule
        .iter()
        .map(|i| match i.amount {
            Some(a) => format!("{}: {}", i.due, format_amount(a)),
            None => i.due.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn terms_text(terms: &Terms) -> String {
    let amount = terms
        .amount
        .map(|a| {
            format!(
                "{} {}",
                format_amount(a),
                terms.unit.clone().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let schedule = schedule_text(terms);
    if amount.is_empty() {
        schedule
    } else {
        format!("{amount} ({schedule})")
    }
}

fn total_rows(ui: &Ui, totals: &Totals) -> Vec<TotalRow> {
    let mut rows: Vec<TotalRow> = totals
        .by_unit
        .iter()
        .map(|(unit, a)| TotalRow {
            unit: unit.clone(),
            promised: format_amount(a.promised),
            due: format_amount(a.due),
            delivered: format_amount(a.delivered),
        })
        .collect();
    let counts: Vec<String> = CommitmentStatus::ALL
        .iter()
        .filter_map(|s| {
            totals
                .by_status
                .get(s)
                .map(|n| format!("{}: {n}", ui.t(&format!("commitment-{}", s.as_str()))))
        })
        .collect();
    if !counts.is_empty() {
        rows.push(TotalRow {
            unit: ui.t("tracker-commitments"),
            promised: counts.join(", "),
            due: String::new(),
            delivered: String::new(),
        });
    }
    rows
}

pub struct Named {
    pub name: String,
    pub href: Option<String>,
}

pub struct CommitmentRow {
    pub what: String,
    pub href: Option<String>,
    /// `on-track`, `late`, `unfulfilled` or `fulfilled` (also the CSS class).
    pub status: &'static str,
    pub status_label: String,
    pub promised: String,
    pub due: String,
    pub delivered: String,
    pub schedule: String,
    /// The next due date, since when it is behind, or when it was fulfilled.
    pub when: String,
    pub responsible: Option<Named>,
}

#[derive(Clone)]
pub struct TotalRow {
    pub unit: String,
    pub promised: String,
    pub due: String,
    pub delivered: String,
}

pub struct AgreementBlock {
    pub name: String,
    pub href: Option<String>,
    pub superseded_by: Option<Named>,
    pub commitments: Vec<CommitmentRow>,
    pub totals: Vec<TotalRow>,
    raw_totals: Totals,
}

pub struct CompanyBlock {
    id: Option<RecordId>,
    pub company: Option<Named>,
    pub agreements: Vec<AgreementBlock>,
    pub totals: Vec<TotalRow>,
    raw_totals: Totals,
}

pub struct VersionLine {
    pub what: String,
    pub before: String,
    pub after: String,
    /// `same`, `changed`, `added` or `removed` (also the CSS class).
    pub change: &'static str,
    pub change_label: String,
}

pub struct Versions {
    pub before: Named,
    pub after: Named,
    pub lines: Vec<VersionLine>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TrackerParams {
    as_of: Option<String>,
}

/// The day a page computes statuses on: `as_of` if given and valid, else today.
pub fn as_of(state: &AppState, given: Option<&str>) -> Date {
    given
        .and_then(|s| s.parse::<Date>().ok())
        .unwrap_or_else(|| state.pack.today(jiff::Timestamp::now()))
}

#[derive(Template)]
#[template(path = "tracker.html")]
struct TrackerPage<'a> {
    ui: &'a Ui,
    as_of: String,
    companies: Vec<CompanyBlock>,
}

/// `/tracker`: every current agreement and its commitments, by company.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Query(params): Query<TrackerParams>,
) -> PageResult {
    let day = as_of(&state, params.as_of.as_deref());
    let book = Book::load(&state, &viewer, &ui, day).await.page(&ui)?;
    let page = TrackerPage {
        ui: &ui,
        as_of: day.to_string(),
        companies: book.by_company(&ui),
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}
