//! Errors of requests, and the one place that turns them into status codes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minewatch_domain::{FieldError, Lang};
use minewatch_store::StoreError;
use serde_json::json;

use crate::i18n::Ui;
use crate::templates::ErrorPage;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// A request that could not be read: its status (400, 413, 415, 422) and why.
    BadRequest(StatusCode, String),
    Invalid(Vec<FieldError>),
    Conflict(String),
    /// Signed in, but the policy does not allow it (or a form without its CSRF token).
    Forbidden(&'static str),
    /// Too many attempts from one connection (login, anonymous intake): retry after this
    /// many seconds.
    TooMany {
        retry_after_s: u64,
    },
    Internal(String),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(status, _) => *status,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn add_headers(&self, response: &mut Response) {
        if let AppError::TooMany { retry_after_s } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after_s),
            );
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(error = %detail, "request failed");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound,
            StoreError::Conflict(why) => AppError::Conflict(why),
            StoreError::Invalid(fields) => AppError::Invalid(fields),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("rendering a template: {e}"))
    }
}

/// JSON errors, for the API: `{"error": {"status", "message", "fields"}}`.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let (message, fields) = match &self {
            AppError::NotFound => ("not found".to_owned(), vec![]),
            AppError::BadRequest(_, why) | AppError::Conflict(why) => (why.clone(), vec![]),
            AppError::Invalid(fields) => ("invalid record".to_owned(), fields.clone()),
            AppError::Forbidden(key) => {
                (crate::i18n::text(minewatch_domain::Lang::En, key), vec![])
            }
            AppError::TooMany { retry_after_s } => (
                format!("too many requests; try again in {retry_after_s} seconds"),
                vec![],
            ),
            AppError::Internal(_) => ("internal error".to_owned(), vec![]),
        };
        let body =
            json!({"error": {"status": status.as_u16(), "message": message, "fields": fields}});
        let mut response = (status, Json(body)).into_response();
        self.add_headers(&mut response);
        response
    }
}

/// An error on a page: the same mapping to a status, rendered as a translated page.
#[derive(Debug)]
pub struct PageError {
    pub ui: Ui,
    pub error: AppError,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.error.log();
        let status = self.error.status();
        let ui = self.ui;
        let (title, body) = match &self.error {
            AppError::NotFound => (ui.t("page-not-found-title"), ui.t("page-not-found-body")),
            // The specifics are English (for the API's clients); a Mongolian page says
            // what kind of problem it is.
            AppError::BadRequest(status, why) => {
                let body = if *status == StatusCode::PAYLOAD_TOO_LARGE {
                    "too-large-body"
                } else {
                    "bad-request-body"
                };
                (ui.t("bad-request-title"), in_english(&ui, why, body))
            }
            AppError::Invalid(fields) => (
                ui.t("bad-request-title"),
                fields
                    .iter()
                    .map(|f| {
                        let what = ui.t(&format!("error-{}", f.code));
                        // English readers get the field's name as files and the API
                        // write it, with the specifics; others its label.
                        match ui.lang {
                            Lang::En if !f.detail.is_empty() => {
                                format!("{}: {what} ({})", f.field, f.detail)
                            }
                            Lang::En => format!("{}: {what}", f.field),
                            _ => format!(
                                "{}: {what}",
                                ui.t_or(&format!("field-{}", f.field), &f.field)
                            ),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::Conflict(why) => (
                ui.t("conflict-title"),
                in_english(&ui, why, "conflict-body"),
            ),
            AppError::Forbidden(key) => (ui.t("forbidden-title"), ui.t(key)),
            AppError::TooMany { retry_after_s } => (
                ui.t("too-many-title"),
                ui.t_count("too-many-body", retry_after_s.div_ceil(60).max(1) as i64),
            ),
            AppError::Internal(_) => (ui.t("internal-error-title"), ui.t("internal-error-body")),
        };
        let page = ErrorPage {
            ui: &ui,
            title,
            body,
        };
        let mut response = match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, "error").into_response(),
        };
        self.error.add_headers(&mut response);
        response
    }
}

/// Turns any error into a [`PageError`] in the request's language.
pub trait OrPage<T> {
    fn page(self, ui: &Ui) -> Result<T, PageError>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn page(self, ui: &Ui) -> Result<T, PageError> {
        self.map_err(|e| PageError {
            ui: ui.clone(),
            error: e.into(),
        })
    }
}

/// An English explanation for English readers; for others, the translated `key`.
fn in_english(ui: &Ui, why: &str, key: &str) -> String {
    match ui.lang {
        Lang::En if !why.is_empty() => why.to_owned(),
        _ => ui.t(key),
    }
}
