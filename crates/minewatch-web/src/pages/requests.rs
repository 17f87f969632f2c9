//! A request's own pages and actions: its printable letter, sending it by email,
//! recording what happened next (each a ledger entry), and the calendar feeds of open
//! deadlines behind secret URLs.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minewatch_domain::requests::{self, State as RequestState};
use minewatch_domain::{Lang, Record, RecordKind};
use minewatch_formats::ics::{self, IcsEvent};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::AppState;
use crate::access::Viewer;
use crate::error::{AppError, OrPage, PageError};
use crate::i18n::Ui;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage<'a> {
    ui: &'a Ui,
    back: String,
    pdf: String,
    lang_code: &'static str,
    title: String,
    body: String,
    missing: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LetterQuery {
    lang: Option<String>,
}

/// The id of a request the viewer may correct (the letter and the actions are for
/// the people who run the request: it carries the requester's name).
async fn editable(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<minewatch_domain::RecordId, AppError> {
    let shown = viewer.record(state, id).await?;
    if shown.record.kind != RecordKind::Request {
        return Err(AppError::NotFound);
    }
    if shown.record.retracted || !viewer.may_write(shown.access.owner.as_ref()) {
        return Err(AppError::Forbidden("forbidden-body"));
    }
    Ok(shown.record.id)
}

/// `GET /requests/{id}/letter[?lang=mn|en]`: the letter, ready to print.
pub async fn letter(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<LetterQuery>,
) -> PageResult {
    let (id, lang, letter) = load_letter(&state, &viewer, &id, &q).await.page(&ui)?;
    let page = LetterPage {
        ui: &ui,
        back: format!("/requests/{id}"),
        pdf: format!("/requests/{id}/letter.pdf?lang={}", lang.code()),
        lang_code: lang.code(),
        title: letter.title,
        body: letter.body,
        missing: letter
            .missing
            .iter()
            .map(|m| ui.t(&format!("letter-field-{m}")))
            .collect(),
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}

/// `GET /requests/{id}/letter.pdf[?lang=mn|en]`: the letter as a PDF (A4, the font
/// embedded, so Cyrillic prints and extracts as written).
pub async fn letter_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<LetterQuery>,
) -> PageResult {
    let (id, lang, letter) = load_letter(&state, &viewer, &id, &q).await.page(&ui)?;
    // No internal id on paper: the letter is the sender's, with its own number.
    let footer = "minewatch".to_owned();
    let bytes = minewatch_report::letter(&minewatch_report::LetterDoc {
        title: &letter.title,
        body: &letter.body,
        footer: &footer,
        lang: lang.code(),
    });
    let disposition = format!("inline; filename=\"letter-{id}.pdf\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The letter of a request the viewer may correct, in the language asked for.
async fn load_letter(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    q: &LetterQuery,
) -> Result<
    (
        minewatch_domain::RecordId,
        Lang,
        minewatch_domain::law::letter::Letter,
    ),
    AppError,
> {
    let id = editable(state, viewer, id).await?;
    let lang = match q.lang.as_deref() {
        Some("en") => Lang::En,
        Some("mn") => Lang::Mn,
        _ => minewatch_store::LETTER_LANG,
    };
    let today = state.pack.today(jiff::Timestamp::now());
    let letter = state
        .store
        .request_letter(&state.pack, &id, lang, today)
        .await?;
    Ok((id, lang, letter))
}

/// `POST /requests/{id}/send`: sends an email request now; the page then shows it
/// sent, or failed with the server's error.
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
) -> PageResult {
    let id = editable(&state, &viewer, &id).await.page(&ui)?;
    let Some(mailer) = state.mailer.clone() else {
        return Err(AppError::BadRequest(
            StatusCode::CONFLICT,
            ui.t("request-mail-off"),
        ))
        .page(&ui);
    };
    let today = state.pack.today(jiff::Timestamp::now());
    state
        .store
        .send_request(&viewer.author(), &state.pack, &*mailer, &id, today)
        .await
        .map_err(AppError::from)
        .page(&ui)?;
    Ok(Redirect::to(&format!("/requests/{id}")).into_response())
}

/// `POST /requests/{id}/step`: records one step (state, date, note, days, finding).
pub async fn step(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = editable(&state, &viewer, &id).await.page(&ui)?;
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut step = Map::new();
    for k in requests::STEP_FIELDS {
        let Some(v) = get(k) else { continue };
        let value = if k == "days" {
            match v.parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    return Err(AppError::BadRequest(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("days: {v:?} is not a whole number of days"),
                    ))
                    .page(&ui);
                }
            }
        } else {
            Value::String(v.to_owned())
        };
        step.insert(k.to_owned(), value);
    }
    state
        .store
        .add_request_step(&viewer.author(), &id, Value::Object(step), get("base"))
        .await
        .map_err(AppError::from)
        .page(&ui)?;
    Ok(Redirect::to(&format!("/requests/{id}?saved=1")).into_response())
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage<'a> {
    ui: &'a Ui,
    workspace: String,
    mine: Option<String>,
}

/// The scope of a feed: the whole workspace, or one account's requests.
fn feed_path(state: &AppState, scope: &str) -> String {
    let token = state.store.secret_token(&format!("calendar:{scope}"));
    format!("/calendar/{scope}/{token}/deadlines.ics")
}

/// `GET /requests/calendar`: the feeds' secret addresses, for people who run requests.
pub async fn calendar_page(State(state): State<AppState>, viewer: Viewer, ui: Ui) -> PageResult {
    let mine = viewer
        .account
        .as_ref()
        .filter(|a| {
            a.username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
        .map(|a| feed_path(&state, &format!("u-{}", a.username)));
    let page = CalendarPage {
        ui: &ui,
        workspace: feed_path(&state, "workspace"),
        mine,
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}

/// `GET /calendar/{scope}/{token}/deadlines.ics`: the open requests' due dates as an
/// iCalendar feed. The token is the only key: a wrong one is not found.
pub async fn feed(
    State(state): State<AppState>,
    Path((scope, token)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let expected = state.store.secret_token(&format!("calendar:{scope}"));
    if !constant_time_eq(expected.as_bytes(), token.as_bytes()) {
        return Err(AppError::NotFound);
    }
    let author = match scope.strip_prefix("u-") {
        None if scope == "workspace" => None,
        Some(user) => match state.store.account(user).await? {
            Some(a) if !a.disabled => Some(format!("user:{}", a.username)),
            _ => return Err(AppError::NotFound),
        },
        None => return Err(AppError::NotFound),
    };
    let today = state.pack.today(jiff::Timestamp::now());
    let mut events = Vec::new();
    let mut names: std::collections::HashMap<minewatch_domain::RecordId, String> =
        std::collections::HashMap::new();
    for r in state.store.all_of(RecordKind::Request).await? {
        if author.as_ref().is_some_and(|a| *a != r.created_by) {
            continue;
        }
        let Ok(Record::Request(q)) = r.typed() else {
            continue;
        };
        let st = requests::standing(&state.pack, q.request_type, q.channel, &q.steps, today);
        let (Some(due), true) = (
            st.due,
            st.state.awaiting()
                || matches!(st.state, RequestState::Overdue | RequestState::VeryOverdue),
        ) else {
            continue;
        };
        // Many requests go to the same few authorities: read each name once.
        if !names.contains_key(&q.authority_id) {
            let name = match state.store.get(&q.authority_id).await.map(|a| a.typed()) {
                Ok(Ok(Record::Authority(a))) => {
                    let (mn, en) = (a.name.get(Lang::Mn), a.name.get(Lang::En));
                    if mn == en {
                        mn.to_owned()
                    } else {
                        format!("{mn} / {en}")
                    }
                }
                _ => q.authority_id.to_string(),
            };
            names.insert(q.authority_id.clone(), name);
        }
        let authority = &names[&q.authority_id];
        events.push(IcsEvent {
            uid: format!("{}@minewatch", r.id),
            date: due,
            summary: format!("Хариу / Answer due: {} — {authority}", q.subject),
            // A feed has no reader's language: both, Mongolian first.
            description: st
                .why()
                .map(|w| {
                    [Lang::Mn, Lang::En]
                        .map(|lang| crate::explain::why(&Ui::new(lang, "/"), &w))
                        .join("\n")
                })
                .unwrap_or_default(),
            url: None,
        });
    }
    events.sort_by(|a, b| a.date.cmp(&b.date).then(a.uid.cmp(&b.uid)));
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let body = ics::calendar("minewatch", &stamp, &events);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
