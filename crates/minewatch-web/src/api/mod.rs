//! The JSON API under `/api/v1`. Records are shown as the caller may see them (the
//! public view without a session); restricted fields shown to an account are audited.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use minewatch_domain::FieldError;
use minewatch_formats::json::{StrictJsonError, parse_strict};
use serde_json::{Value, json};

use crate::AppState;
use crate::access::Viewer;
use crate::error::AppError;
use crate::pages::save_report;

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let shown = viewer.record(&state, &id).await?;
    let r = &shown.record;
    Ok(Json(json!({
        "id": r.id,
        "kind": r.kind,
        "label": r.label,
        "version": r.version,
        "retracted": r.retracted,
        "visibility": shown.access.visibility.as_str(),
        // RFC 3339 in UTC: machines read the API; pages show local time.
        "updated_at": jiff::Timestamp::from_millisecond(r.updated_at_ms)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        "payload": shown.payload,
    })))
}

/// Takes a field report as JSON (the observation payload). Without a session it is
/// anonymous, and the answer carries the receipt code.
pub async fn create_observation(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let payload = strict_json(&headers, &body)?;
    let (id, receipt) = save_report(&state, &viewer, payload).await?;
    let record = state.store.get(&id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "entry": record.head,
            "version": record.version,
            "receipt": receipt,
        })),
    ))
}

/// A JSON body read strictly: sent as `application/json`, and no key given twice (a
/// client that sends a field twice is told so, not answered with the last one).
fn strict_json(headers: &HeaderMap, body: &[u8]) -> Result<Value, AppError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if !json {
        return Err(AppError::BadRequest(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a body of content type application/json".into(),
        ));
    }
    match parse_strict(body) {
        Ok(v) => Ok(v),
        Err(StrictJsonError::Duplicate(key)) => Err(AppError::Invalid(vec![FieldError::new(
            key,
            "key-twice",
            "this field is given twice: give it once",
        )])),
        Err(StrictJsonError::Syntax(why)) => Err(AppError::BadRequest(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {why}"),
        )),
    }
}
