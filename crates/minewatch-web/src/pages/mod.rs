//! The HTML pages: dashboard, record lists and pages, the field report form, and the
//! language switch. Handlers parse, ask the store, and render; nothing else.

pub(crate) mod account;
pub(crate) mod company;
pub(crate) mod forms;
pub(crate) mod gaps;
pub(crate) mod hub;
pub(crate) mod import;
pub(crate) mod law;
pub(crate) mod media;
pub(crate) mod overview;
pub(crate) mod requests;
pub(crate) mod tracker;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minewatch_domain::records::Section;
use minewatch_domain::{FieldError, Record, RecordAccess, RecordId, RecordKind};
use minewatch_store::{ListQuery, random_code, token_hash};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::access::Viewer;
use crate::error::{AppError, OrPage, PageError};
use crate::i18n::{LANG_COOKIE, Ui};
use crate::templates::{
    DashboardPage, DetailPage, FormError, ListPage, ReceiptPage, ReportForm, ReportPage,
};
use crate::views::{self, Choice, CountCard, ListRow, RecordLink, list_path};

type PageResult = Result<Response, PageError>;

fn render(ui: &Ui, page: impl Template) -> PageResult {
    Ok(Html(page.render().page(ui)?).into_response())
}

pub async fn dashboard(State(state): State<AppState>, viewer: Viewer, ui: Ui) -> PageResult {
    let filter = viewer.filter();
    let workspaces = state
        .store
        .list(&ListQuery::all(RecordKind::Workspace).visible_to(&filter))
        .await
        .page(&ui)?;
    let (workspace_name, workspace_description) = match workspaces.first().map(|w| w.typed()) {
        Some(Ok(Record::Workspace(w))) => (
            ui.pick(&w.name).to_owned(),
            w.description.as_ref().map(|d| ui.pick(d).to_owned()),
        ),
        _ => (ui.t("dashboard-title"), None),
    };
    let counts = crate::kept::per_kind(&state, &filter)
        .await
        .page(&ui)?
        .into_iter()
        .filter_map(|(kind, count)| {
            list_path(kind).map(|href| CountCard {
                label: ui.t(&format!("nav-{}", &href[1..])),
                count,
                href,
            })
        })
        .collect();
    let latest = state
        .store
        .latest(10, Some(&filter))
        .await
        .page(&ui)?
        .iter()
        .map(|r| RecordLink::new(&ui, r))
        .collect();
    render(
        &ui,
        DashboardPage {
            ui: &ui,
            workspace_name,
            workspace_description,
            counts,
            latest,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    /// Only records linked to this licence / company / authority / community.
    #[serde(default)]
    licence: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    authority: String,
    #[serde(default)]
    community: String,
    /// Field values to filter by (`status=expired`), for the kind's value filters.
    #[serde(flatten)]
    values: std::collections::HashMap<String, String>,
    /// The next page starts after this record.
    #[serde(default)]
    after: Option<String>,
}

/// The linked-record filters a list of `kind` offers: (parameter, kind filtered by).
fn list_filters(kind: RecordKind) -> &'static [(&'static str, RecordKind)] {
    kind.schema().filters
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Query(params): Query<ListParams>,
    kind: RecordKind,
) -> PageResult {
    let mut query = ListQuery::all(kind).visible_to(&viewer.filter());
    // Text that reads as the kind's natural key (a licence number typed any way) is
    // searched as its key.
    let key = kind
        .schema()
        .natural_key
        .and_then(|k| k.of_text)
        .and_then(|of_text| of_text(&params.q));
    query.search = Some(key.unwrap_or_else(|| params.q.clone()));
    query.limit = ROWS_PER_PAGE as i64;
    query.unshaped = true;
    let mut filters = Vec::new();
    for (name, target) in list_filters(kind) {
        let chosen = match *name {
            "licence" => &params.licence,
            "company" => &params.company,
            "authority" => &params.authority,
            _ => &params.community,
        };
        let chosen = chosen.trim();
        // A filter offers its choices while they fit in a drop-down; past that it
        // takes an id, a number or a name typed in, and finds the record it means.
        let mut choices = ListQuery::all(*target).visible_to(&viewer.filter());
        choices.limit = MAX_CHOICES as i64;
        choices.unshaped = true;
        let typed = crate::kept::count(&state, &choices).await.page(&ui)? > MAX_CHOICES as i64;
        let records = if typed {
            Vec::new()
        } else {
            state.store.list(&choices).await.page(&ui)?
        };
        if !chosen.is_empty() {
            let id = match RecordId::parse(chosen) {
                Some(id) if records.iter().any(|r| r.id == id) => Some(id),
                Some(id) if viewer.sees(&state, id.as_str()).await.is_some() => Some(id),
                _ => {
                    let mut found = ListQuery::all(*target).visible_to(&viewer.filter());
                    found.search = Some(chosen.to_owned());
                    found.limit = 1;
                    let found = state.store.list(&found).await.page(&ui)?;
                    found.into_iter().next().map(|r| r.id)
                }
            };
            // A filter naming nothing the viewer may see finds nothing.
            query
                .linked_to
                .push(id.unwrap_or_else(|| RecordId::parse("none").expect("a valid id")));
        }
        let options = if typed {
            Vec::new()
        } else {
            records
                .iter()
                .map(|r| Choice {
                    value: r.id.to_string(),
                    label: views::display_name(r, ui.lang),
                    selected: r.id.as_str() == chosen,
                })
                .collect()
        };
        filters.push(crate::templates::ListFilter {
            name,
            label: ui.kind_label(*target),
            options,
            typed: typed.then(|| chosen.to_owned()),
        });
    }
    // Filters by a field's value: a licence's status (its choices), aimag, soum and
    // minerals (the values recorded, with how many records have each).
    let schema = kind.schema();
    for vf in schema.value_filters {
        let name = &vf.name;
        let Some(field) = schema.field(name) else {
            continue;
        };
        let chosen = params.values.get(*name).map(|s| s.trim()).unwrap_or("");
        let path = vf.path;
        let options: Vec<Choice> = if field.choices.is_empty() {
            let prefix = format!("{kind}|{path}|{:?}", viewer.filter());
            let base = ListQuery::all(kind).visible_to(&viewer.filter());
            let values = state
                .kept
                .choices
                .get(
                    &state,
                    prefix,
                    async || -> Result<_, minewatch_store::StoreError> {
                        Ok(std::sync::Arc::new(
                            state.store.distinct_values(&base, path).await?,
                        ))
                    },
                )
                .await
                .page(&ui)?;
            values
                .iter()
                .map(|(v, n)| Choice {
                    value: v.clone(),
                    label: format!("{v} ({})", ui.number(*n as usize)),
                    selected: v == chosen,
                })
                .collect()
        } else {
            let prefix = match field.vocabulary {
                minewatch_domain::records::Vocabulary::Messages(p) => p,
                _ => "",
            };
            field
                .choices
                .iter()
                .map(|c| Choice {
                    value: (*c).to_owned(),
                    label: ui.t_or(&format!("{prefix}{c}"), c),
                    selected: *c == chosen,
                })
                .collect()
        };
        // A value the choices do not hold (a link from elsewhere, a hand-typed
        // address) filters all the same: it finds what has it, maybe nothing.
        let known = !chosen.is_empty()
            && (field.choices.is_empty() || field.choices.contains(&chosen))
            && chosen.chars().count() <= 200;
        if known {
            query.fields.push(minewatch_store::FieldFilter {
                field: path,
                values: vec![chosen.to_owned()],
                negate: false,
            });
        }
        filters.push(crate::templates::ListFilter {
            name,
            label: ui.t(&format!("field-{name}")),
            options,
            typed: None,
        });
    }
    let total = crate::kept::count(&state, &query).await.page(&ui)?;
    // The next page starts after the last record of this one (a keyset cursor: rows
    // added meanwhile neither repeat nor skip a record).
    // Only a record the viewer may see places the cursor: a hidden one is ignored, as
    // one that does not exist.
    if let Some(after) = params.after.as_deref()
        && let Some(r) = viewer.sees(&state, after).await
        && r.kind == kind
    {
        query.after = Some((r.label, r.id.to_string()));
    }
    let records = state.store.list(&query).await.page(&ui)?;
    let path = list_path(kind).expect("listed kinds have a path");
    let rows: Vec<ListRow> = records
        .iter()
        .map(|r| ListRow {
            name: views::display_name(r, ui.lang),
            href: format!("{path}/{}", r.id),
            summary: views::summary(&ui, &state.pack, r, &viewer),
        })
        .collect();
    let href = |after: Option<&str>| {
        let mut pairs: Vec<(&str, &str)> = vec![("q", params.q.as_str())];
        for (k, v) in [
            ("licence", &params.licence),
            ("company", &params.company),
            ("authority", &params.authority),
            ("community", &params.community),
        ] {
            pairs.push((k, v.as_str()));
        }
        for vf in schema.value_filters {
            if let Some(v) = params.values.get(vf.name) {
                pairs.push((vf.name, v.as_str()));
            }
        }
        if let Some(a) = after {
            pairs.push(("after", a));
        }
        pairs.retain(|(_, v)| !v.is_empty());
        match serde_urlencoded::to_string(pairs) {
            Ok(q) if !q.is_empty() => format!("{path}?{q}"),
            _ => path.to_owned(),
        }
    };
    let pager = views::Pager {
        shown: if total as usize > rows.len() || query.after.is_some() {
            ui.t_args(
                "list-shown",
                &[
                    ("count", ui.number(rows.len())),
                    ("total", ui.number(total as usize)),
                ],
            )
        } else {
            String::new()
        },
        previous: None,
        next: (rows.len() == ROWS_PER_PAGE)
            .then(|| records.last().map(|r| href(Some(r.id.as_str()))))
            .flatten(),
        first: query.after.is_some().then(|| href(None)),
    };
    render(
        &ui,
        ListPage {
            ui: &ui,
            title: ui.t(&format!("nav-{}", &path[1..])),
            path,
            query: params.q,
            count_label: ui.t_count("list-count", total),
            rows,
            kind_is_observation: kind == RecordKind::Observation,
            filters,
            pager,
            map_link: (kind == RecordKind::Licence).then_some("/map"),
        },
    )
}

/// Records a record page lists as referring to it.
const MAX_LINKED: usize = 100;

/// Records a list page shows at once.
pub const ROWS_PER_PAGE: usize = 50;

/// Choices a filter's drop-down offers at most; past that the filter is typed in.
const MAX_CHOICES: usize = 300;

#[derive(Debug, Deserialize)]
pub struct ShowParams {
    #[serde(default)]
    saved: Option<String>,
    /// The day agreement statuses are computed on (default: today).
    #[serde(default)]
    as_of: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ShowParams>,
    kind: RecordKind,
) -> PageResult {
    let shown = viewer.record(&state, &id).await.page(&ui)?;
    if shown.record.kind != kind {
        return Err(AppError::NotFound).page(&ui);
    }
    let (record, id) = (&shown.record, &shown.record.id);
    let names = views::referenced_names(&state.store, &ui, &viewer, &[&shown.payload]).await;
    let schema = kind.schema();
    let mut fields = views::field_rows(&ui, &state.pack, kind, &shown.payload, &names);
    if schema.has(Section::ReportSoum)
        && let Some(soum) =
            views::observation_soum(&state.store, &ui, &viewer, &shown.payload).await
    {
        // Everyone sees where a report is from at soum level, even when the exact place
        // is withheld.
        fields.insert(
            1.min(fields.len()),
            views::FieldRow {
                label: ui.t("field-soum"),
                value: soum,
                href: None,
            },
        );
    }
    // What refers to the record: the first ones (a company may hold thousands of
    // licences; its own section and the filtered lists have them all).
    let filter = viewer.filter();
    let linked_records = state
        .kept
        .linked
        .get(&state, format!("{id}|{filter:?}"), async || {
            let first = state
                .store
                .linked_to_first(id, Some(&filter), MAX_LINKED as i64 + 1)
                .await?;
            Ok::<_, minewatch_store::StoreError>(std::sync::Arc::new(first))
        })
        .await
        .page(&ui)?;
    let linked_more =
        (linked_records.len() > MAX_LINKED).then(|| ui.t_count("list-first", MAX_LINKED as i64));
    let linked = linked_records
        .iter()
        .take(MAX_LINKED)
        .map(|(_, r)| RecordLink::new(&ui, r))
        .collect();
    // A licence's hub (status history, timeline, agreements) reads every record about
    // it, not the first hundred.
    let all_linked = if schema.has(Section::LicenceHub) {
        Some(state.store.linked_to(id, Some(&filter)).await.page(&ui)?)
    } else {
        None
    };
    let hub_linked: &[(String, minewatch_store::StoredRecord)] =
        all_linked.as_deref().unwrap_or(&linked_records);
    let hub = if schema.has(Section::LicenceHub) {
        Some(
            crate::pages::hub::licence_hub(
                &state,
                &viewer,
                &ui,
                record,
                &shown.payload,
                hub_linked,
            )
            .await
            .page(&ui)?,
        )
    } else {
        None
    };
    let zone = if schema.has(Section::ZoneMap) {
        crate::pages::hub::zone_section(&state, &viewer, &ui, record)
            .await
            .page(&ui)?
    } else {
        None
    };
    let day = crate::pages::tracker::as_of(&state, params.as_of.as_deref());
    let may_edit = !record.retracted && viewer.may_write(shown.access.owner.as_ref());
    let request = schema
        .has(Section::RequestClock)
        .then(|| views::request_section(&ui, &state.pack, record, day, may_edit))
        .flatten();
    let request_stats = if schema.has(Section::RequestStats) {
        let mut q = ListQuery::all(RecordKind::Request).visible_to(&viewer.filter());
        q.fields = vec![minewatch_store::FieldFilter::one_of(
            "authority_id",
            vec![id.to_string()],
        )];
        q.limit = 100_000;
        let requests = state.store.list(&q).await.page(&ui)?;
        views::request_stats(&ui, &state.pack, &requests, day)
    } else {
        None
    };
    // The tracker reads every visible agreement, commitment and payment: only for the
    // pages that show them (a licence's, when it has an agreement).
    // A company's section is kept with its own (see below).
    let needs_book = (schema.has(Section::LicenceHub)
        && hub_linked
            .iter()
            .any(|(_, r)| r.kind == RecordKind::Agreement))
        || schema.has(Section::AgreementTracker)
        || schema.has(Section::CommitmentStanding);
    let book = if needs_book {
        Some(
            crate::pages::tracker::Book::load(&state, &viewer, &ui, day)
                .await
                .page(&ui)?,
        )
    } else {
        None
    };
    let mut hub = hub;
    if let (Some(h), Some(book)) = (&mut hub, &book) {
        h.agreements = hub_linked
            .iter()
            .filter(|(_, r)| r.kind == RecordKind::Agreement)
            .filter_map(|(_, r)| book.block(&ui, &r.id))
            .filter(|b| b.superseded_by.is_none())
            .collect();
    }
    // A company's section reads every licence it holds and every finding about them:
    // kept until the ledger moves, per viewer's reach, language and day.
    let company = if schema.has(Section::CompanyRecord) {
        let key = format!("{id}|{:?}|{}|{day}", viewer.filter(), ui.lang.code());
        let section = state
            .kept
            .company
            .get(&state, key, async || -> Result<_, AppError> {
                let book = crate::pages::tracker::Book::load(&state, &viewer, &ui, day).await?;
                let section =
                    crate::pages::company::section(&state, &viewer, &ui, id, &book).await?;
                Ok(std::sync::Arc::new(section))
            })
            .await
            .page(&ui)?;
        Some((*section).clone())
    } else {
        None
    };
    let (agreement, versions) = match &book {
        Some(book) if schema.has(Section::AgreementTracker) => {
            (book.block(&ui, id), book.versions(&ui, id))
        }
        _ => (None, None),
    };
    let commitment = match &book {
        Some(book) if schema.has(Section::CommitmentStanding) => book.commitment_row(&ui, id),
        _ => None,
    };
    let gaps = if schema.has(Section::Gaps) {
        crate::pages::gaps::for_record(&state, &viewer, &ui, kind, id)
            .await
            .page(&ui)?
    } else {
        None
    };
    let entries = state.store.history(id).await.page(&ui)?;
    let history = views::history_rows(
        &state.store,
        &ui,
        &viewer,
        &state.pack,
        &shown.access,
        &entries,
    )
    .await;
    let (media, upload) = crate::pages::media::section(&state, &viewer, &ui, record, may_edit)
        .await
        .page(&ui)?;
    let mut request = request;
    if let Some(actions) = request.as_mut().and_then(|q| q.actions.as_mut()) {
        // A step may cite one of the request's evidence files.
        actions.media = state
            .store
            .media_about(id, Some(&viewer.filter()))
            .await
            .page(&ui)?
            .iter()
            .map(|m| views::Choice {
                value: m.id.to_string(),
                label: views::display_name(m, ui.lang),
                selected: false,
            })
            .collect();
    }
    let path = list_path(kind).expect("shown kinds have a path");
    let edit_href = (schema.edited_on_the_web && may_edit).then(|| format!("{path}/{id}/edit"));
    render(
        &ui,
        DetailPage {
            edit_href,
            ui: &ui,
            title: views::display_name(record, ui.lang),
            kind_plural: ui.t(&format!("nav-{}", &path[1..])),
            list_href: path,
            saved: params.saved.is_some(),
            retracted: record.retracted,
            fields,
            linked,
            linked_more,
            gaps,
            hub,
            request,
            request_stats,
            zone,
            company,
            agreement,
            versions,
            commitment,
            as_of: day.to_string(),
            media,
            upload,
            history,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct LangParams {
    next: Option<String>,
}

/// `next` if it is a local path of ours, else the dashboard: the pages make `next` from
/// the request's own (ASCII) URI, so anything else (another site, control characters,
/// raw non-ASCII) is not ours.
pub fn local_next(next: Option<String>) -> String {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.starts_with("/\\")
            && n.bytes().all(|b| b.is_ascii_graphic())
    })
    .unwrap_or_else(|| "/".to_owned())
}

/// Sets the language cookie and returns to the page the user came from.
pub async fn switch_language(
    ui: Ui,
    Path(code): Path<String>,
    Query(params): Query<LangParams>,
) -> PageResult {
    let lang = minewatch_domain::Lang::parse(&code)
        .ok_or(AppError::NotFound)
        .page(&ui)?;
    // Only a local path is followed, so the switch cannot send people elsewhere.
    let next = local_next(params.next);
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    );
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("the cookie is ASCII"),
    );
    Ok(response)
}

pub async fn report_form(State(state): State<AppState>, viewer: Viewer, ui: Ui) -> PageResult {
    report_page(
        &state,
        &viewer,
        &ui,
        ReportForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn report_page(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    form: ReportForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> PageResult {
    let choices = async |kind: RecordKind, selected: &str| -> Result<Vec<Choice>, PageError> {
        Ok(state
            .store
            .list(&ListQuery::all(kind).visible_to(&viewer.filter()))
            .await
            .page(ui)?
            .iter()
            .map(|r| Choice {
                value: r.id.to_string(),
                label: views::display_name(r, ui.lang),
                selected: r.id.as_str() == selected,
            })
            .collect())
    };
    let communities = choices(RecordKind::Community, &form.community_id).await?;
    let licences = choices(RecordKind::Licence, &form.licence_id).await?;
    let categories = minewatch_domain::records::ObservationCategory::ALL
        .iter()
        .map(|(value, _)| Choice {
            value: (*value).to_owned(),
            label: ui.t(&format!("category-{value}")),
            selected: form.category == *value,
        })
        .collect();
    let errors = errors
        .into_iter()
        .map(|e| {
            let top = e.field.split('.').next().unwrap_or_default().to_owned();
            FormError {
                label: ui.t(&format!("field-{top}")),
                message: ui.t(&format!("error-{}", e.code)),
                field: e.field,
            }
        })
        .collect();
    let page = ReportPage {
        ui,
        form,
        errors,
        categories,
        communities,
        licences,
    };
    let html = page.render().page(ui)?;
    Ok((status, Html(html)).into_response())
}

/// Accepts a field report from the form. From someone without an account the entry's
/// author is `anonymous` and nothing about the sender (address, browser) is kept; they
/// get a receipt code to see their report and add to it later.
pub async fn report_create(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    form: Result<Form<ReportForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let Form(form) = form
        .map_err(|e| AppError::BadRequest(e.status(), e.body_text()))
        .page(&ui)?;
    let (payload, mut errors) = report_payload(&state, &form).await;
    if errors.is_empty() {
        match save_report(&state, &viewer, payload).await {
            Ok((id, None)) => {
                let to = format!("/observations/{id}?saved=1");
                return Ok(Redirect::to(&to).into_response());
            }
            Ok((id, Some(code))) => {
                let shown = viewer.record(&state, id.as_str()).await.ok();
                return receipt_page(
                    &state,
                    &viewer,
                    &ui,
                    ReceiptView {
                        code: Some(code),
                        new_code: true,
                        shown,
                        ..ReceiptView::default()
                    },
                )
                .await;
            }
            Err(AppError::Invalid(fields)) => errors = fields,
            Err(e) => return Err(e).page(&ui),
        }
    }
    report_page(
        &state,
        &viewer,
        &ui,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Saves a report; an anonymous one gets a receipt code, stored (hashed) in the same
/// transaction as the report.
pub(crate) async fn save_report(
    state: &AppState,
    viewer: &Viewer,
    mut payload: Value,
) -> Result<(RecordId, Option<String>), AppError> {
    // Whoever is not on a case team files without review: the server, not the client,
    // keeps the reporter and the exact place restricted.
    let reviewed = viewer.is_staff();
    if !reviewed {
        let raised = minewatch_domain::access::clamp_intake_visibility(
            RecordKind::Observation,
            &mut payload,
        );
        if !raised.is_empty() {
            tracing::debug!(fields = ?raised, "intake visibility raised back to the default");
        }
    }
    // …nor whether a record it may not see exists: a reference to one is unknown.
    if !reviewed && let Ok(record) = Record::from_payload(RecordKind::Observation, &payload) {
        let mut hidden = Vec::new();
        for link in record.links() {
            if viewer.sees(state, link.target.as_str()).await.is_none() {
                hidden.push(FieldError::new(
                    link.rel,
                    "unknown-reference",
                    "no such record",
                ));
            }
        }
        if !hidden.is_empty() {
            return Err(AppError::Invalid(hidden));
        }
    }
    let mut batch = state.store.begin().await?;
    let written = match batch
        .put(&viewer.author(), RecordKind::Observation, None, payload)
        .await
    {
        Ok(w) => w,
        // Whoever files without review learns nothing of records they may not see: a
        // reference to another kind of record, or a withdrawn one, is as unknown as
        // one that never was.
        Err(minewatch_store::StoreError::Invalid(fields)) if !reviewed => {
            let fields = fields
                .into_iter()
                .map(|f| match f.code {
                    "wrong-reference" | "unknown-reference" => {
                        FieldError::new(f.field, "unknown-reference", "no such record")
                    }
                    _ => f,
                })
                .collect();
            return Err(AppError::Invalid(fields));
        }
        Err(e) => return Err(e.into()),
    };
    let code = if viewer.is_signed_in() {
        None
    } else {
        let code = random_code(4);
        batch
            .add_receipt(&token_hash(&code), &written.record_id)
            .await?;
        Some(code)
    };
    batch.commit().await?;
    Ok((written.record_id, code))
}

#[derive(Default)]
pub(crate) struct ReceiptView {
    code: Option<String>,
    new_code: bool,
    added: bool,
    not_found: bool,
    error: Option<String>,
    shown: Option<crate::access::Shown>,
}

async fn receipt_page(state: &AppState, viewer: &Viewer, ui: &Ui, view: ReceiptView) -> PageResult {
    let (fields, follow_ups) = match &view.shown {
        Some(shown) => {
            let names = views::referenced_names(&state.store, ui, viewer, &[&shown.payload]).await;
            let mut payload = shown.payload.clone();
            let follow_ups: Vec<String> = payload
                .as_object_mut()
                .and_then(|o| o.remove("follow_ups"))
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            (
                views::field_rows(ui, &state.pack, RecordKind::Observation, &payload, &names),
                follow_ups,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let status = if view.not_found {
        StatusCode::NOT_FOUND
    } else if view.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ReceiptPage {
        ui,
        code: view.code.unwrap_or_default(),
        new_code: view.new_code,
        added: view.added,
        not_found: view.not_found,
        error: view.error,
        found: view.shown.is_some(),
        fields,
        follow_ups,
    };
    Ok((status, Html(page.render().page(ui)?)).into_response())
}

pub async fn receipt_form(State(state): State<AppState>, viewer: Viewer, ui: Ui) -> PageResult {
    receipt_page(&state, &viewer, &ui, ReceiptView::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    code: String,
    text: String,
}

/// The report a receipt code opens, as the public sees it (the reporter's own details are
/// not shown back: whoever holds the phone may not be the reporter).
async fn report_of_receipt(
    state: &AppState,
    code: &str,
) -> Result<Option<crate::access::Shown>, AppError> {
    let Some(id) = state.store.receipt_record(&token_hash(code)).await? else {
        return Ok(None);
    };
    let public = Viewer::public(state.security.redaction);
    let record = state.store.get(&id).await?;
    let access = RecordAccess::of(record.kind, &record.id, &record.payload);
    let payload = public.fields(&record, &access).payload;
    Ok(Some(crate::access::Shown {
        record,
        access,
        payload,
    }))
}

pub async fn receipt_open(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Form(form): Form<ReceiptForm>,
) -> PageResult {
    let shown = report_of_receipt(&state, &form.code).await.page(&ui)?;
    let view = ReceiptView {
        not_found: shown.is_none(),
        code: shown.as_ref().map(|_| form.code.trim().to_owned()),
        shown,
        ..ReceiptView::default()
    };
    receipt_page(&state, &viewer, &ui, view).await
}

/// Adds the reporter's follow-up text to their report, as a correction by `anonymous`.
pub async fn receipt_add(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Form(form): Form<ReceiptForm>,
) -> PageResult {
    let Some(shown) = report_of_receipt(&state, &form.code).await.page(&ui)? else {
        return receipt_page(
            &state,
            &viewer,
            &ui,
            ReceiptView {
                not_found: true,
                ..ReceiptView::default()
            },
        )
        .await;
    };
    let mut payload = shown.record.payload.clone();
    let mut follow_ups: Vec<Value> = payload
        .get("follow_ups")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    follow_ups.push(Value::String(form.text.clone()));
    payload["follow_ups"] = Value::Array(follow_ups);
    let result = state
        .store
        .correct(
            &minewatch_store::Author::anonymous(),
            &shown.record.id,
            payload,
            Some(&shown.record.head),
        )
        .await;
    let error = match result {
        Ok(_) => None,
        Err(minewatch_store::StoreError::Invalid(fields)) => Some(
            fields
                .iter()
                .map(|f| ui.t(&format!("error-{}", f.code)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(e) => return Err(AppError::from(e)).page(&ui),
    };
    let added = error.is_none();
    let shown = report_of_receipt(&state, &form.code).await.page(&ui)?;
    receipt_page(
        &state,
        &viewer,
        &ui,
        ReceiptView {
            code: Some(form.code.trim().to_owned()),
            added,
            error,
            shown,
            ..ReceiptView::default()
        },
    )
    .await
}

/// The observation payload a form describes, and the form-level problems (numbers that
/// are not numbers) the domain cannot see.
/// Mongolia's extent (41.6–52.2° N, 87.7–119.9° E), with a little room.
const MONGOLIA_LAT: std::ops::RangeInclusive<f64> = 41.4..=52.3;
const MONGOLIA_LON: std::ops::RangeInclusive<f64> = 87.6..=120.0;

async fn report_payload(state: &AppState, form: &ReportForm) -> (Value, Vec<FieldError>) {
    let mut payload = Map::new();
    let mut errors = Vec::new();
    let mut set = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            payload.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    set("observed_on", &form.observed_on);
    // A day that has not come yet (in Ulaanbaatar) is a slip, not a report.
    let today = state.pack.today(jiff::Timestamp::now());
    if let Ok(day) = form.observed_on.trim().parse::<jiff::civil::Date>()
        && day > today
    {
        errors.push(FieldError::new(
            "observed_on",
            "future-date",
            format!("{day} is after today ({today})"),
        ));
    }
    set("category", &form.category);
    set("description", &form.description);
    set("place", &form.place);
    set("community_id", &form.community_id);
    set("licence_id", &form.licence_id);
    let (lat, lon) = (form.lat.trim(), form.lon.trim());
    if !lat.is_empty() || !lon.is_empty() {
        match (
            lat.replace(',', ".").parse::<f64>(),
            lon.replace(',', ".").parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon)) => {
                // A place outside Mongolia is a slip (swapped or mistyped numbers).
                if !(MONGOLIA_LAT.contains(&lat) && MONGOLIA_LON.contains(&lon)) {
                    errors.push(FieldError::new(
                        "location",
                        "outside-country",
                        format!("{lat}, {lon} is outside Mongolia"),
                    ));
                }
                payload.insert("location".into(), json!({"lat": lat, "lon": lon}));
            }
            _ => errors.push(FieldError::new(
                "location",
                "bad-location",
                "latitude and longitude must be numbers",
            )),
        }
    }
    let mut reporter = Map::new();
    for (key, value) in [
        ("name", &form.reporter_name),
        ("phone", &form.reporter_phone),
    ] {
        if !value.trim().is_empty() {
            reporter.insert(key.to_owned(), Value::String(value.clone()));
        }
    }
    if !reporter.is_empty() {
        payload.insert("reporter".into(), Value::Object(reporter));
    }
    if let Ok(workspaces) = state
        .store
        .list(&ListQuery::all(RecordKind::Workspace).everything())
        .await
        && let Some(w) = workspaces.first()
    {
        payload.insert("workspace_id".into(), Value::String(w.id.to_string()));
    }
    let payload = Value::Object(payload);
    if let Err(mut domain_errors) = Record::from_payload(RecordKind::Observation, &payload) {
        errors.append(&mut domain_errors);
    }
    (payload, errors)
}
