//! The JSON API under `/api/v1`. Records are shown as the caller may see them (the
//! public view without a session); restricted fields shown to an account are audited.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
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
    body: Result<Json<Value>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Json(payload) = body.map_err(|e| AppError::BadRequest(e.status(), e.body_text()))?;
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
