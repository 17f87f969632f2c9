//! The HTML pages: dashboard, record lists and pages, the field report form, and the
//! language switch. Handlers parse, ask the store, and render; nothing else.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use minewatch_domain::{FieldError, Record, RecordId, RecordKind};
use minewatch_store::{Author, ListQuery};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::{AppError, OrPage, PageError};
use crate::i18n::{LANG_COOKIE, Ui};
use crate::templates::{DashboardPage, DetailPage, FormError, ListPage, ReportForm, ReportPage};
use crate::views::{self, Choice, CountCard, ListRow, RecordLink, list_path};

type PageResult = Result<Response, PageError>;

pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(dashboard))
        .route("/lang/{code}", get(switch_language))
        .route("/observations/new", get(report_form))
        .route("/observations", axum::routing::post(report_create));
    for kind in [
        RecordKind::Community,
        RecordKind::Authority,
        RecordKind::Company,
        RecordKind::Licence,
        RecordKind::Observation,
    ] {
        let path = list_path(kind).expect("these kinds have list pages");
        router = router
            .route(
                path,
                get(
                    move |state: State<AppState>, ui: Ui, q: Query<ListParams>| {
                        list(state, ui, q, kind)
                    },
                ),
            )
            .route(
                &format!("{path}/{{id}}"),
                get(
                    move |state: State<AppState>,
                          ui: Ui,
                          id: Path<String>,
                          q: Query<ShowParams>| {
                        show(state, ui, id, q, kind)
                    },
                ),
            );
    }
    router
}

fn render(ui: &Ui, page: impl Template) -> PageResult {
    Ok(Html(page.render().page(ui)?).into_response())
}

async fn dashboard(State(state): State<AppState>, ui: Ui) -> PageResult {
    let workspaces = state
        .store
        .list(&ListQuery::all(RecordKind::Workspace))
        .await
        .page(&ui)?;
    let (workspace_name, workspace_description) = match workspaces.first().map(|w| w.typed()) {
        Some(Ok(Record::Workspace(w))) => (
            ui.pick(&w.name).to_owned(),
            w.description.as_ref().map(|d| ui.pick(d).to_owned()),
        ),
        _ => (ui.t("dashboard-title"), None),
    };
    let counts = state
        .store
        .counts()
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
        .latest(10)
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
struct ListParams {
    #[serde(default)]
    q: String,
}

async fn list(
    State(state): State<AppState>,
    ui: Ui,
    Query(params): Query<ListParams>,
    kind: RecordKind,
) -> PageResult {
    let mut query = ListQuery::all(kind);
    query.search = Some(params.q.clone());
    let records = state.store.list(&query).await.page(&ui)?;
    let path = list_path(kind).expect("listed kinds have a path");
    let rows: Vec<ListRow> = records
        .iter()
        .map(|r| ListRow {
            name: views::display_name(r, ui.lang),
            href: format!("{path}/{}", r.id),
            summary: views::summary(&ui, &state.pack, r),
        })
        .collect();
    render(
        &ui,
        ListPage {
            ui: &ui,
            title: ui.t(&format!("nav-{}", &path[1..])),
            path,
            query: params.q,
            count_label: ui.t_count("list-count", rows.len() as i64),
            rows,
            kind_is_observation: kind == RecordKind::Observation,
        },
    )
}

#[derive(Debug, Deserialize)]
struct ShowParams {
    #[serde(default)]
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ShowParams>,
    kind: RecordKind,
) -> PageResult {
    let id = RecordId::parse(&id).ok_or(AppError::NotFound).page(&ui)?;
    let record = state.store.get(&id).await.page(&ui)?;
    if record.kind != kind {
        return Err(AppError::NotFound).page(&ui);
    }
    let public = views::public(kind, &record.payload);
    let names = views::referenced_names(&state.store, &ui, &[&public]).await;
    let fields = views::field_rows(&ui, &state.pack, kind, &public, &names);
    let linked = state
        .store
        .linked_to(&id)
        .await
        .page(&ui)?
        .iter()
        .map(|(_, r)| RecordLink::new(&ui, r))
        .collect();
    let entries = state.store.history(&id).await.page(&ui)?;
    let history = views::history_rows(&state.store, &ui, &state.pack, &entries).await;
    let path = list_path(kind).expect("shown kinds have a path");
    render(
        &ui,
        DetailPage {
            ui: &ui,
            title: views::display_name(&record, ui.lang),
            kind_plural: ui.t(&format!("nav-{}", &path[1..])),
            list_href: path,
            saved: params.saved.is_some(),
            retracted: record.retracted,
            fields,
            linked,
            history,
        },
    )
}

#[derive(Debug, Deserialize)]
struct LangParams {
    next: Option<String>,
}

/// Sets the language cookie and returns to the page the user came from.
async fn switch_language(
    ui: Ui,
    Path(code): Path<String>,
    Query(params): Query<LangParams>,
) -> PageResult {
    let lang = minewatch_domain::Lang::parse(&code)
        .ok_or(AppError::NotFound)
        .page(&ui)?;
    // Only a local path is followed, so the switch cannot be used to send people
    // elsewhere; the pages make `next` from the request's own (ASCII) URI, so anything
    // else (control characters, raw non-ASCII) is not ours and goes to the dashboard.
    let next = params
        .next
        .filter(|n| {
            n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.bytes().all(|b| b.is_ascii_graphic())
        })
        .unwrap_or_else(|| "/".to_owned());
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

async fn report_form(State(state): State<AppState>, ui: Ui) -> PageResult {
    report_page(
        &state,
        &ui,
        ReportForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn report_page(
    state: &AppState,
    ui: &Ui,
    form: ReportForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> PageResult {
    let choices = async |kind: RecordKind, selected: &str| -> Result<Vec<Choice>, PageError> {
        Ok(state
            .store
            .list(&ListQuery::all(kind))
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
    let categories = minewatch_domain::record::ObservationCategory::ALL
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

/// Accepts a field report from the form. Reports are anonymous until accounts exist:
/// the entry's author is `anonymous` and nothing about the sender (address, browser)
/// is recorded.
async fn report_create(
    State(state): State<AppState>,
    ui: Ui,
    form: Result<Form<ReportForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let Form(form) = form
        .map_err(|e| AppError::BadRequest(e.status(), e.body_text()))
        .page(&ui)?;
    let (payload, mut errors) = report_payload(&state, &form).await;
    if errors.is_empty() {
        match state
            .store
            .put(&Author::anonymous(), RecordKind::Observation, payload)
            .await
        {
            Ok(written) => {
                let to = format!("/observations/{}?saved=1", written.record_id);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(minewatch_store::StoreError::Invalid(fields)) => errors = fields,
            Err(e) => return Err(AppError::from(e)).page(&ui),
        }
    }
    report_page(&state, &ui, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The observation payload a form describes, and the form-level problems (numbers that
/// are not numbers) the domain cannot see.
async fn report_payload(state: &AppState, form: &ReportForm) -> (Value, Vec<FieldError>) {
    let mut payload = Map::new();
    let mut errors = Vec::new();
    let mut set = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            payload.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    set("observed_on", &form.observed_on);
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
        .list(&ListQuery::all(RecordKind::Workspace))
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
