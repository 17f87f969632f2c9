//! The JSON API under `/api/v1`. It shows the public view of records only, until
//! accounts and roles exist.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use minewatch_domain::{RecordId, RecordKind};
use minewatch_store::Author;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::AppError;
use crate::views;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/records/{id}", get(show))
        .route("/api/v1/observations", post(create_observation))
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = RecordId::parse(&id).ok_or(AppError::NotFound)?;
    let r = state.store.get(&id).await?;
    Ok(Json(json!({
        "id": r.id,
        "kind": r.kind,
        "label": r.label,
        "version": r.version,
        "retracted": r.retracted,
        // RFC 3339 in UTC: machines read the API; pages show local time.
        "updated_at": jiff::Timestamp::from_millisecond(r.updated_at_ms)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        "payload": views::public(r.kind, &r.payload),
    })))
}

/// Takes a field report as JSON (the observation payload). Anonymous, as the form.
async fn create_observation(
    State(state): State<AppState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Json(payload) = body.map_err(|e| AppError::BadRequest(e.status(), e.body_text()))?;
    let written = state
        .store
        .put(&Author::anonymous(), RecordKind::Observation, payload)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": written.record_id,
            "entry": written.entry_id,
            "version": written.version,
        })),
    ))
}
