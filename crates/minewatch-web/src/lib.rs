//! minewatch's web app: server-rendered pages that work on a cheap phone without
//! JavaScript, a JSON API, and Mongolian and English throughout.
//!
//! Key design decision: handlers only parse, call the store and render; what may be
//! shown to whom is decided in one place (`views::public`, on top of the domain's
//! `public_payload`), so no page can show a restricted field by forgetting a check.

mod api;
mod error;
pub mod i18n;
mod pages;
mod templates;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use minewatch_domain::Pack;
use minewatch_store::Store;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::AppError;

/// Largest request body accepted: forms and JSON records are small; media uploads get
/// their own streamed route and limit.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub pack: Arc<Pack>,
}

/// The Mongolian pack, built into the binary so a fresh install needs no files.
pub fn builtin_pack() -> Pack {
    Pack::from_toml(
        "packs/mn/pack.toml",
        include_str!("../../../packs/mn/pack.toml"),
    )
    .expect("the built-in pack is checked by the tests")
}

/// The whole app, for `serve` and for in-process tests.
pub fn app(state: AppState) -> Router {
    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(self)",
        ),
    ];
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(stylesheet))
        .merge(pages::router())
        .merge(api::router())
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ));
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

async fn not_found(ui: i18n::Ui) -> impl IntoResponse {
    error::PageError {
        ui,
        error: AppError::NotFound,
    }
}
