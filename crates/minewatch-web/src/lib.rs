//! minewatch's web app: server-rendered pages that work on a cheap phone without
//! JavaScript, a JSON API, and Mongolian and English throughout.
//!
//! Key design decision: handlers only parse, call the store and render; who may see
//! and do what is decided in one place. Every route is declared with an access policy
//! (`routes.rs`), one middleware enforces it with sessions, CSRF tokens and rate limits,
//! and record payloads reach handlers only through `access::Viewer`, which applies the
//! domain's policy to each record and field (`access.rs`).

pub mod access;
mod api;
mod error;
pub mod explain;
pub mod i18n;
mod kept;
mod pages;
mod routes;
mod templates;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use minewatch_domain::Pack;
use minewatch_store::Store;
use minewatch_store::blobs::BlobStore;
use minewatch_store::mail::SmtpMailer;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use access::{
    Limit, LoginThrottle, LoginThrottlePolicy, RateLimiter, RoutePolicy, SecurityConfig,
    WindowLimit,
};
pub use error::AppError;
pub use pages::gaps::gap_id;
pub use routes::RouteInfo;

/// Largest request body accepted: forms and JSON records are small; media uploads get
/// their own streamed route and limit.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Largest file the import page takes (the CLI takes larger ones).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// The routes that take a file upload, with the larger limit.
pub const UPLOAD_PATHS: [&str; 1] = ["/import"];

/// The body limit of a path.
pub fn body_limit_of(path: &str) -> usize {
    if UPLOAD_PATHS.contains(&path) {
        MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Refuses a body over its path's limit (by its declared length at once, else as it
/// streams in).
async fn body_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    // Streamed media bodies are limited by the blob store as they arrive.
    if pages::media::is_streamed(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let limit = body_limit_of(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the request is too large").into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// Answers 408 when a request takes over 30 s, except streamed media uploads and
/// downloads, which take as long as the connection needs.
async fn timeout(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if pages::media::is_streamed(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(Duration::from_secs(30), next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub pack: Arc<Pack>,
    pub security: Arc<SecurityConfig>,
    pub limiter: Arc<RateLimiter>,
    /// What pages show that is slow to make (the evaluation, counts, maps), kept until
    /// the ledger moves.
    pub kept: Arc<kept::PageCache>,
    /// Wrong passwords seen, for the growing delays of logins.
    pub login_throttle: Arc<LoginThrottle>,
    /// Uploaded files waiting between their preview and their import.
    pub uploads: Arc<pages::import::Stash>,
    /// Sends email requests, when `[mail]` is configured.
    pub mailer: Option<Arc<SmtpMailer>>,
    /// Where media files are kept; without it, uploads are refused.
    pub blobs: Option<Arc<BlobStore>>,
    /// Where resumable uploads wait until their last byte.
    pub resumable: Option<Arc<minewatch_store::uploads::Uploads>>,
}

impl AppState {
    /// A state with the default security settings.
    pub fn new(store: Store, pack: Pack) -> AppState {
        AppState::with_security(store, pack, SecurityConfig::default())
    }

    pub fn with_security(store: Store, pack: Pack, security: SecurityConfig) -> AppState {
        AppState {
            // Records naming an event the pack does not know are refused.
            store: store.with_events_of(&pack),
            pack: Arc::new(pack),
            security: Arc::new(security),
            limiter: Arc::new(RateLimiter::default()),
            login_throttle: Arc::new(LoginThrottle::default()),
            kept: Arc::new(kept::PageCache::default()),
            uploads: Arc::new(pages::import::Stash::default()),
            mailer: None,
            blobs: None,
            resumable: None,
        }
    }

    /// The state with a folder for resumable uploads.
    pub fn with_uploads(mut self, uploads: minewatch_store::uploads::Uploads) -> AppState {
        self.resumable = Some(Arc::new(uploads));
        self
    }

    /// The state with a blob store for media.
    pub fn with_blobs(mut self, blobs: BlobStore) -> AppState {
        self.blobs = Some(Arc::new(blobs));
        self
    }

    /// The state with a mailer for email requests.
    pub fn with_mailer(mut self, mailer: SmtpMailer) -> AppState {
        self.mailer = Some(Arc::new(mailer));
        self
    }
}

/// Every route of the app and its access policy.
pub fn routes() -> Vec<RouteInfo> {
    routes::build().into_parts().2
}

/// The Mongolian pack, built into the binary so a fresh install needs no files.
pub fn builtin_pack() -> Pack {
    Pack::mongolian().expect("the built-in pack is checked by the tests")
}

/// The whole app, for `serve` and for in-process tests.
pub fn app(state: AppState) -> Router {
    app_with_unlisted(state, Router::new())
}

/// The app plus `extra` routes that have no access policy. Only for the test that shows
/// such routes are refused; never use it to serve.
#[doc(hidden)]
pub fn app_with_unlisted(state: AppState, extra: Router<AppState>) -> Router {
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
    let (routes, table, _) = routes::build().into_parts();
    let guard = access::GuardState {
        app: state.clone(),
        table,
    };
    let mut router = routes
        .merge(extra)
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(guard, access::guard))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(axum::middleware::from_fn(body_limit))
        .layer(axum::middleware::from_fn(timeout));
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
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

pub(crate) async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

pub(crate) async fn stylesheet() -> impl IntoResponse {
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
