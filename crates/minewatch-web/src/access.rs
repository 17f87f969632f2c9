//! The one place the web app enforces access: every route is declared with a
//! [`RoutePolicy`] (see `routes.rs`), and the [`guard`] middleware, which wraps every
//! route, resolves the session, checks the policy, the CSRF token and the rate limits,
//! and hands handlers a [`Viewer`]. Handlers get record payloads only through
//! [`Viewer::record`] and [`Viewer::fields`], which apply the domain's access policy to
//! each record and field and write the audit entry when restricted data is shown.
//!
//! A route that is not in the policy table is refused (500) rather than served.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use minewatch_domain::{
    Action, FieldView, Principal, RecordAccess, RecordFilter, RecordId, RecordKind,
    RedactionOptions, view_payload,
};
use minewatch_store::{Account, Author, StoreError, StoredRecord, random_hex};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{AppError, PageError};
use crate::i18n::{Ui, negotiate, percent_encode};

/// The session cookie: a random token whose SHA-256 is the session's key.
pub const SESSION_COOKIE: &str = "mw_session";
/// The CSRF cookie of visitors without a session (double-submit token).
pub const CSRF_COOKIE: &str = "mw_csrf";
/// The form field (or `x-csrf-token` header) that must carry the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutePolicy {
    /// Anyone. What the page shows is filtered record by record for the viewer.
    Open,
    /// Shows the record named by the route's `{id}`: the record must be visible to the
    /// viewer (else 404, as if it did not exist), and of this kind where one is given.
    Record(Option<RecordKind>),
    /// Anyone, but posts are counted per connection (login, anonymous intake).
    Limited(Limit),
    /// A domain action ([`Principal::may`]); anonymous visitors are sent to log in.
    Action(Action),
    /// Correcting the record named by `{id}`, of this kind: anonymous visitors are sent
    /// to log in, a record the viewer may not see is not found, and one they may see but
    /// not write ([`Principal::may_write`]) is forbidden.
    Edit(RecordKind),
}

/// The rate-limit buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    Login,
    Intake,
    /// Pages read without an account: a few addresses must not be able to keep the
    /// server busy for everyone.
    Read,
}

/// At most `max` posts per `window` per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimit {
    pub max: u32,
    pub window: Duration,
}

/// Security settings of one server.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    pub session_ttl: Duration,
    pub login: LoginThrottlePolicy,
    pub intake_limit: WindowLimit,
    /// Pages an anonymous visitor may read per address (stylesheet and health check
    /// aside).
    pub read_limit: WindowLimit,
    /// Take the client address from `X-Forwarded-For` and TLS from `X-Forwarded-Proto`
    /// (only behind a proxy that sets them).
    pub trust_proxy: bool,
    /// Mark cookies `Secure` (set this when the server is reached over HTTPS).
    pub secure_cookies: bool,
    pub redaction: RedactionOptions,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            login: LoginThrottlePolicy::default(),
            intake_limit: WindowLimit {
                max: 30,
                window: Duration::from_secs(3600),
            },
            read_limit: WindowLimit {
                max: 300,
                window: Duration::from_secs(60),
            },
            trust_proxy: false,
            secure_cookies: false,
            redaction: RedactionOptions::default(),
        }
    }
}

/// Growing delays after wrong passwords, instead of a lock: failures for one account
/// from one address slow only that address's next tries at that account, so a stranger
/// elsewhere cannot keep its owner out; failures from one address at any account slow
/// that address. A right password is never counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottlePolicy {
    /// Wrong passwords for one account from one address before the delays start.
    pub account_free: u32,
    /// Wrong passwords from one address, at any account, before the delays start.
    pub address_free: u32,
    /// The first delay; each further wrong password doubles it.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Failures are forgotten after this long without another.
    pub forget_after: Duration,
}

impl Default for LoginThrottlePolicy {
    fn default() -> Self {
        LoginThrottlePolicy {
            account_free: 5,
            address_free: 20,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(3600),
        }
    }
}

/// The failed logins this server has seen, per (account, address) and per address,
/// keyed by salted hashes (the salt is new at every start, as the rate limiter's).
pub struct LoginThrottle {
    salt: [u8; 16],
    failures: Mutex<HashMap<[u8; 16], Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// No attempt is checked before this.
    not_before: Instant,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system provides random bytes");
        LoginThrottle {
            salt,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl LoginThrottle {
    fn keys(&self, username: &str, client: &str) -> [[u8; 16]; 2] {
        let key = |parts: &[&str]| {
            let mut hasher = Sha256::new();
            hasher.update(self.salt);
            for p in parts {
                hasher.update(p.as_bytes());
                hasher.update([0]);
            }
            let mut key = [0u8; 16];
            key.copy_from_slice(&hasher.finalize()[..16]);
            key
        };
        let username = username.trim().to_lowercase();
        [
            key(&["account", &username, client]),
            key(&["address", client]),
        ]
    }

    /// Takes one try at `username` from `client`: `Err(wait)` while this address must
    /// wait (the guess is not to be checked). A try is counted as a wrong password
    /// before the password is checked, so a burst of guesses sent at once is slowed as
    /// one sent in turn; a right password takes its try back ([`Self::succeeded`]).
    pub fn attempt(
        &self,
        username: &str,
        client: &str,
        policy: LoginThrottlePolicy,
    ) -> Result<(), Duration> {
        let now = Instant::now();
        let keys = self.keys(username, client);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.not_before.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(wait);
        }
        if failures.len() > 100_000 {
            failures.retain(|_, f| now.duration_since(f.last) < policy.forget_after);
        }
        for (key, free) in keys
            .into_iter()
            .zip([policy.account_free, policy.address_free])
        {
            let slot = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                not_before: now,
            });
            if now.duration_since(slot.last) >= policy.forget_after {
                slot.count = 0;
            }
            slot.count += 1;
            slot.last = now;
            if slot.count > free {
                let doublings = (slot.count - free - 1).min(20);
                slot.not_before = now
                    + policy
                        .first_delay
                        .saturating_mul(1 << doublings)
                        .min(policy.max_delay);
            }
        }
        Ok(())
    }

    /// How long this address must now wait before another try at this account.
    pub fn wait(&self, username: &str, client: &str) -> Duration {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        self.keys(username, client)
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.not_before.saturating_duration_since(now))
            .max()
            .unwrap_or_default()
    }

    /// A right password: its try was no failure. The address's failures at this
    /// account are forgotten; its count at all accounts loses this try.
    pub fn succeeded(&self, username: &str, client: &str, policy: LoginThrottlePolicy) {
        let now = Instant::now();
        let [account, address] = self.keys(username, client);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&account);
        if let Some(slot) = failures.get_mut(&address) {
            slot.count = slot.count.saturating_sub(1);
            if slot.count <= policy.address_free {
                slot.not_before = now;
            }
        }
    }
}

/// Fixed-window counters per (bucket, connection). Connections are keyed by a salted
/// hash of their address, so not even memory holds the addresses of anonymous reporters,
/// and the salt is new at every start.
pub struct RateLimiter {
    salt: [u8; 16],
    counters: Mutex<HashMap<(Limit, [u8; 16]), Window>>,
}

/// When a connection's window started and how many attempts it has used.
type Window = (Instant, u32);

impl Default for RateLimiter {
    fn default() -> Self {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system provides random bytes");
        RateLimiter {
            salt,
            counters: Mutex::new(HashMap::new()),
        }
    }
}

impl RateLimiter {
    /// Counts one attempt; `Err(retry_after)` once the window's budget is spent.
    pub fn check(&self, bucket: Limit, client: &str, limit: WindowLimit) -> Result<(), Duration> {
        let mut hasher = Sha256::new();
        hasher.update(self.salt);
        hasher.update(client.as_bytes());
        let digest = hasher.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if counters.len() > 100_000 {
            counters.retain(|_, (start, _)| now.duration_since(*start) < limit.window);
        }
        let slot = counters.entry((bucket, key)).or_insert((now, 0));
        if now.duration_since(slot.0) >= limit.window {
            *slot = (now, 0);
        }
        if slot.1 >= limit.max {
            return Err(limit.window.saturating_sub(now.duration_since(slot.0)));
        }
        slot.1 += 1;
        Ok(())
    }
}

/// Who is asking, as every handler sees it.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who it is: private, so that handlers ask the viewer (`may_see`, `may_write`,
    /// `record`, `fields`…) instead of deciding access by hand.
    principal: Principal,
    pub account: Option<Account>,
    /// The CSRF token forms must carry.
    pub csrf: String,
    pub redaction: RedactionOptions,
    /// The path that was asked for (what audit entries record as `via`).
    pub path: String,
}

/// A record as one viewer may see it.
pub struct Shown {
    pub record: StoredRecord,
    pub access: RecordAccess,
    pub payload: Value,
}

impl Viewer {
    /// An anonymous visitor: what the public sees.
    pub fn public(redaction: RedactionOptions) -> Viewer {
        Viewer {
            principal: Principal::Anonymous,
            account: None,
            csrf: String::new(),
            redaction,
            path: String::new(),
        }
    }

    pub fn filter(&self) -> RecordFilter {
        self.principal.record_filter()
    }

    /// Who is asking, for the decisions kept indexes make about many records at once
    /// (the gaps); a payload is shown only through `record`, `fields` or `old_fields`.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Whether this viewer may see `record` at all (its name, a link to it).
    pub fn may_see(&self, record: &StoredRecord) -> bool {
        RecordAccess::of(record.kind, &record.id, &record.payload).visible_to(&self.principal)
    }

    /// Whether this viewer may see something at `level` owned by `owner`.
    pub fn can_see(&self, level: minewatch_domain::Visibility, owner: Option<&RecordId>) -> bool {
        self.principal.can_see(level, owner)
    }

    /// Whether this viewer may change records owned by `owner`.
    pub fn may_write(&self, owner: Option<&RecordId>) -> bool {
        self.principal.may_write(owner)
    }

    /// The owner this viewer's new records get by default (its community or
    /// organisation).
    pub fn home(&self) -> Option<minewatch_domain::Scope> {
        self.principal.home()
    }

    /// Whether what this viewer files is reviewed (a staff role), not raw intake.
    pub fn is_staff(&self) -> bool {
        self.principal.grants().iter().any(|g| g.role.is_staff())
    }

    /// Whether this viewer may see a record with these access settings.
    pub fn may_see_access(&self, access: &RecordAccess) -> bool {
        access.visible_to(&self.principal)
    }

    /// Whether this viewer may have a media item's original file (see
    /// [`RecordAccess::original_visible_to`]).
    pub fn may_have_original(
        &self,
        access: &RecordAccess,
        media: &minewatch_domain::Media,
    ) -> bool {
        access.original_visible_to(&self.principal, media.original_published)
    }

    /// Whether this viewer may see a media item's capture metadata (see
    /// [`RecordAccess::capture_visible_to`]).
    pub fn may_see_capture(&self, access: &RecordAccess) -> bool {
        access.capture_visible_to(&self.principal)
    }

    pub fn is_signed_in(&self) -> bool {
        self.principal.is_signed_in()
    }

    pub fn may(&self, action: Action) -> bool {
        self.principal.may(action)
    }

    /// The ledger author of this viewer's changes.
    pub fn author(&self) -> Author {
        match &self.account {
            Some(a) => Author::named(&format!("user:{}", a.username)),
            None => Author::anonymous(),
        }
    }

    /// The record `id` if this viewer may see it (else not found, as if it did not
    /// exist), with the fields they may see. Showing restricted fields to an account is
    /// written to the ledger's audit.
    pub async fn record(&self, state: &AppState, id: &str) -> Result<Shown, AppError> {
        let id = RecordId::parse(id).ok_or(AppError::NotFound)?;
        let record = state.store.get(&id).await?;
        let access = RecordAccess::of(record.kind, &record.id, &record.payload);
        if !access.visible_to(&self.principal) {
            return Err(AppError::NotFound);
        }
        let view = self.fields(&record, &access);
        if !view.restricted_shown.is_empty() && self.is_signed_in() {
            state
                .store
                .record_view(
                    &self.author(),
                    &record.id,
                    &self.path,
                    &view.restricted_shown,
                )
                .await?;
        }
        Ok(Shown {
            payload: view.payload,
            access,
            record,
        })
    }

    /// The record `id` if this viewer may see it, for naming or placing it only (its
    /// label, a cursor): no fields are shown, so no audit entry is written.
    pub async fn sees(&self, state: &AppState, id: &str) -> Option<StoredRecord> {
        let record = state.store.get(&RecordId::parse(id)?).await.ok()?;
        RecordAccess::of(record.kind, &record.id, &record.payload)
            .visible_to(&self.principal)
            .then_some(record)
    }

    /// The fields of a record this viewer may see (for lists and summaries, which show
    /// no restricted field and so write no audit entry).
    pub fn fields(&self, record: &StoredRecord, access: &RecordAccess) -> FieldView {
        view_payload(
            record.kind,
            access,
            &record.payload,
            &self.principal,
            self.redaction,
        )
    }

    /// An old version's fields, judged by the stricter of its own settings and the
    /// record's current ones (a field hidden later stays hidden in the history).
    pub fn old_fields(&self, kind: RecordKind, current: &RecordAccess, payload: &Value) -> Value {
        let mut access = RecordAccess::with_owner(kind, current.owner.clone(), payload);
        for (field, level) in &current.fields {
            let slot = access.fields.entry(field.clone()).or_insert(*level);
            *slot = (*slot).max(*level);
        }
        access.visibility = access.visibility.max(current.visibility);
        view_payload(kind, &access, payload, &self.principal, self.redaction).payload
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or_else(|| AppError::Internal("the access guard did not run".into()))
    }
}

/// What the guard needs: the app state and the policy of every route.
#[derive(Clone)]
pub struct GuardState {
    pub app: AppState,
    pub table: Arc<PolicyTable>,
}

/// The policy of each (method, route pattern).
pub type PolicyTable = HashMap<(Method, String), RoutePolicy>;

/// The value of cookie `name`.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every cookie of ours gets.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("cookie values are ASCII")
}

/// Whether cookies of this request should be `Secure`.
pub fn secure(config: &SecurityConfig, headers: &HeaderMap) -> bool {
    config.secure_cookies
        || (config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")))
}

/// The client's address as the guard saw it (behind a trusted proxy, the forwarded
/// one), for the handlers that slow a client down.
#[derive(Debug, Clone)]
pub struct ClientKey(pub String);

/// The client key of a request that came with no connection's address.
const UNKNOWN_CLIENT: &str = "unknown";

/// The connection's address as the rate limiter keys it.
pub(crate) fn client_key(config: &SecurityConfig, parts: &Parts) -> String {
    if config.trust_proxy
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
    {
        return forwarded.trim().to_owned();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| UNKNOWN_CLIENT.to_owned())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn reject(path: &str, ui: &Ui, error: AppError) -> Response {
    if is_api(path) {
        error.into_response()
    } else {
        PageError {
            ui: ui.clone(),
            error,
        }
        .into_response()
    }
}

/// Paths an account with a one-time password may still reach.
fn allowed_before_password_change(path: &str) -> bool {
    path == "/account/password"
        || path == "/logout"
        || path == "/healthz"
        || path.starts_with("/static/")
        || path.starts_with("/lang/")
}

/// The methods `route` answers, as an `Allow` header lists them (`None`: a route that
/// has no policy for any method).
fn allowed_methods(table: &PolicyTable, route: &str) -> Option<String> {
    let mut methods: Vec<&str> = Vec::new();
    for (method, path) in table.keys() {
        if path == route {
            if *method == Method::GET {
                methods.extend(["GET", "HEAD"]);
            } else {
                methods.push(method.as_str());
            }
        }
    }
    if methods.is_empty() {
        return None;
    }
    methods.sort_unstable();
    methods.dedup();
    Some(methods.join(", "))
}

/// Constant-time comparison of two tokens.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The middleware that wraps every route: session, policy, rate limits, CSRF.
/// The route's `{id}` parameter, if it has one.
async fn route_id(parts: &mut axum::http::request::Parts) -> Option<String> {
    RawPathParams::from_request_parts(parts, &())
        .await
        .ok()
        .and_then(|p| {
            p.iter()
                .find(|(k, _)| *k == "id")
                .map(|(_, v)| v.to_owned())
        })
}

pub async fn guard(State(guard): State<GuardState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let here = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let ui = Ui::new(negotiate(&parts), &here);
    let method = if parts.method == Method::HEAD {
        Method::GET
    } else {
        parts.method.clone()
    };
    let matched = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let policy = match &matched {
        // The fallback (not found) has no matched path: open, it shows nothing; with
        // another method than GET it is not found either (not a CSRF refusal).
        None if method != Method::GET => return reject(&path, &ui, AppError::NotFound),
        None => RoutePolicy::Open,
        Some(route) => match guard.table.get(&(method.clone(), route.clone())) {
            Some(p) => *p,
            None if method == Method::OPTIONS || allowed_methods(&guard.table, route).is_some() => {
                // A client's mistake (or a probe), not ours: say what the path takes.
                let allow = allowed_methods(&guard.table, route).unwrap_or_default();
                tracing::debug!(%route, %method, "method not allowed");
                let status = if method == Method::OPTIONS {
                    axum::http::StatusCode::NO_CONTENT
                } else {
                    axum::http::StatusCode::METHOD_NOT_ALLOWED
                };
                let mut response = if status == axum::http::StatusCode::NO_CONTENT {
                    status.into_response()
                } else {
                    reject(
                        &path,
                        &ui,
                        AppError::BadRequest(status, ui.t("method-not-allowed")),
                    )
                };
                if let Ok(value) = HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                return response;
            }
            None => {
                tracing::error!(%route, %method, "route without an access policy refused");
                return reject(
                    &path,
                    &ui,
                    AppError::Internal(format!("no access policy for {method} {route}")),
                );
            }
        },
    };
    let state = &guard.app;
    let config = &state.security;

    // Who is asking.
    let session = match cookie_value(&parts.headers, SESSION_COOKIE) {
        Some(token) => match state.store.session(token).await {
            Ok(s) => s,
            Err(e) => return reject(&path, &ui, AppError::from(e)),
        },
        None => None,
    };
    let (principal, account, csrf, new_csrf) = match session {
        Some(s) => (
            Principal::Account {
                id: s.account.id.clone(),
                grants: s.account.grants.clone(),
            },
            Some(s.account),
            s.csrf,
            false,
        ),
        None => match cookie_value(&parts.headers, CSRF_COOKIE)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(token) => (Principal::Anonymous, None, token.to_owned(), false),
            None => (Principal::Anonymous, None, random_hex(32), true),
        },
    };
    let unsafe_method = !matches!(method, Method::GET | Method::OPTIONS);

    if let Some(a) = &account
        && a.must_change_password
        && !allowed_before_password_change(&path)
    {
        if unsafe_method {
            return reject(&path, &ui, AppError::Forbidden("forbidden-change-password"));
        }
        return Redirect::to("/account/password").into_response();
    }

    // Anonymous reading, per address. (A request with no address comes from inside the
    // process, not from a connection: `serve` always has one.)
    let client = client_key(config, &parts);
    if !principal.is_signed_in()
        && method == Method::GET
        && client != UNKNOWN_CLIENT
        && !matches!(path.as_str(), "/healthz" | "/static/app.css")
        && let Err(retry) = state.limiter.check(Limit::Read, &client, config.read_limit)
    {
        return reject(
            &path,
            &ui,
            AppError::TooMany {
                retry_after_s: retry.as_secs().max(1),
            },
        );
    }

    // The route's policy.
    match policy {
        RoutePolicy::Open => {}
        RoutePolicy::Record(kind) => {
            let id = route_id(&mut parts).await;
            let visible = match id.as_deref().and_then(RecordId::parse) {
                None => false,
                Some(id) => match state.store.get(&id).await {
                    Ok(r) => {
                        kind.is_none_or(|k| k == r.kind)
                            && RecordAccess::of(r.kind, &r.id, &r.payload).visible_to(&principal)
                    }
                    Err(StoreError::NotFound { .. }) => false,
                    Err(e) => return reject(&path, &ui, AppError::from(e)),
                },
            };
            if !visible {
                return reject(&path, &ui, AppError::NotFound);
            }
        }
        RoutePolicy::Edit(kind) => {
            if !principal.is_signed_in() {
                if unsafe_method {
                    return reject(&path, &ui, AppError::Forbidden("forbidden-sign-in"));
                }
                return Redirect::to(&format!("/login?next={}", percent_encode(&here)))
                    .into_response();
            }
            let id = route_id(&mut parts).await;
            let access = match id.as_deref().and_then(RecordId::parse) {
                None => None,
                Some(id) => match state.store.get(&id).await {
                    Ok(r) if r.kind == kind => Some(RecordAccess::of(r.kind, &r.id, &r.payload))
                        .filter(|a| a.visible_to(&principal)),
                    Ok(_) | Err(StoreError::NotFound { .. }) => None,
                    Err(e) => return reject(&path, &ui, AppError::from(e)),
                },
            };
            let Some(access) = access else {
                return reject(&path, &ui, AppError::NotFound);
            };
            if !principal.may_write(access.owner.as_ref()) {
                return reject(&path, &ui, AppError::Forbidden("forbidden-body"));
            }
        }
        RoutePolicy::Limited(bucket) => {
            if unsafe_method {
                // Logins are slowed by their failures, in the handler
                // (`LoginThrottle`): a right password never counts.
                let limit = match bucket {
                    Limit::Login => None,
                    Limit::Intake => Some(config.intake_limit),
                    Limit::Read => Some(config.read_limit),
                };
                if let Some(limit) = limit
                    && let Err(retry) =
                        state
                            .limiter
                            .check(bucket, &client_key(config, &parts), limit)
                {
                    return reject(
                        &path,
                        &ui,
                        AppError::TooMany {
                            retry_after_s: retry.as_secs().max(1),
                        },
                    );
                }
            }
        }
        RoutePolicy::Action(action) => {
            if !principal.may(action) {
                if principal.is_signed_in() {
                    return reject(&path, &ui, AppError::Forbidden("forbidden-body"));
                }
                if unsafe_method || is_api(&path) {
                    return reject(&path, &ui, AppError::Forbidden("forbidden-sign-in"));
                }
                return Redirect::to(&format!("/login?next={}", percent_encode(&here)))
                    .into_response();
            }
        }
    }

    // CSRF: a state-changing request must prove it comes from our own page.
    let body = if unsafe_method {
        let cross_site = parts
            .headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site");
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if cross_site {
            return reject(&path, &ui, AppError::Forbidden("forbidden-csrf"));
        }
        let url_form = content_type.starts_with("application/x-www-form-urlencoded");
        let streamed = content_type.starts_with("multipart/form-data")
            && crate::media::is_streamed(&parts.method, &path);
        if streamed {
            // A media upload is never read whole: its form carries the token in the
            // query (`?csrf=`), or a script sends it as a header.
            let sent = parts
                .uri
                .query()
                .and_then(|q| form_field(&Bytes::copy_from_slice(q.as_bytes()), CSRF_FIELD))
                .or(header_token);
            if !sent.is_some_and(|t| same_token(&t, &csrf)) || new_csrf {
                return reject(&path, &ui, AppError::Forbidden("forbidden-csrf"));
            }
            body
        } else if url_form || content_type.starts_with("multipart/form-data") {
            // A form from our own page carries the token as a field: read the body
            // (within its path's limit) to find it, then hand the body on.
            let bytes = match axum::body::to_bytes(body, crate::body_limit_of(&path)).await {
                Ok(b) => b,
                Err(_) => {
                    return reject(
                        &path,
                        &ui,
                        AppError::BadRequest(
                            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                            "the form is too large".into(),
                        ),
                    );
                }
            };
            // A form field that is not UTF-8 would be stored as U+FFFD: refuse it,
            // naming the field.
            if url_form && let Some(field) = field_not_utf8(&bytes) {
                return reject(
                    &path,
                    &ui,
                    AppError::Invalid(vec![minewatch_domain::FieldError::new(
                        field,
                        "not-utf8",
                        "the text is not UTF-8",
                    )]),
                );
            }
            let sent = if url_form {
                form_field(&bytes, CSRF_FIELD)
            } else {
                // The boundary is case-sensitive: read it from the header as sent.
                let raw_type = parts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                multipart_text_field(raw_type, &bytes, CSRF_FIELD)
            };
            if !sent.is_some_and(|t| same_token(&t, &csrf)) || new_csrf {
                return reject(&path, &ui, AppError::Forbidden("forbidden-csrf"));
            }
            Body::from(bytes)
        } else if content_type.starts_with("application/json") {
            // Browsers cannot send JSON across sites without a CORS preflight, which
            // this server never grants; a signed-in caller must still send the token.
            if account.is_some() && !header_token.is_some_and(|t| same_token(&t, &csrf)) {
                return reject(&path, &ui, AppError::Forbidden("forbidden-csrf"));
            }
            body
        } else {
            if !header_token.is_some_and(|t| same_token(&t, &csrf)) || new_csrf {
                return reject(&path, &ui, AppError::Forbidden("forbidden-csrf"));
            }
            body
        }
    } else {
        body
    };

    let viewer = Viewer {
        principal,
        account,
        csrf: csrf.clone(),
        redaction: config.redaction,
        path: path.clone(),
    };
    let secure = secure(config, &parts.headers);
    let client = ClientKey(client_key(config, &parts));
    parts.extensions.insert(client);
    parts.extensions.insert(viewer);
    parts
        .extensions
        .insert(crate::i18n::LocalTime(state.pack.time_zone()));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if new_csrf {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &csrf, 31_536_000, secure),
        );
    }
    response
}

/// The name of the first field of an urlencoded form whose name or value, decoded, is
/// not UTF-8.
fn field_not_utf8(body: &[u8]) -> Option<String> {
    // The form decoding the handlers use replaces bad bytes with U+FFFD; decode to
    // bytes here and check them.
    let decode = |part: &[u8]| -> Vec<u8> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        percent_encoding::percent_decode(&spaced).collect()
    };
    body.split(|b| *b == b'&').find_map(|pair| {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let name = decode(halves.next().unwrap_or_default());
        let value = decode(halves.next().unwrap_or_default());
        (std::str::from_utf8(&name).is_err() || std::str::from_utf8(&value).is_err())
            .then(|| String::from_utf8_lossy(&name).into_owned())
    })
}

/// The first value of `name` in an urlencoded form.
fn form_field(bytes: &Bytes, name: &str) -> Option<String> {
    serde_urlencoded_pairs(bytes)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn serde_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
}

/// The value of a short text field of a `multipart/form-data` body, if it has one.
fn multipart_text_field(content_type: &str, body: &[u8], name: &str) -> Option<String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    for part in text.split(delimiter.as_str()).skip(1) {
        let (headers, value) = part.split_once("\r\n\r\n")?;
        let wanted = format!("name=\"{name}\"");
        let is_field = headers.lines().any(|h| {
            h.to_ascii_lowercase().starts_with("content-disposition:")
                && h.split(';').any(|p| p.trim() == wanted)
        });
        if is_field {
            return Some(value.trim_end_matches("\r\n").to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LoginThrottlePolicy {
        LoginThrottlePolicy {
            account_free: 3,
            address_free: 10,
            first_delay: Duration::from_secs(60),
            ..LoginThrottlePolicy::default()
        }
    }

    /// Guesses sent at once are slowed as guesses sent in turn: a try counts before its
    /// password is checked, so the fourth of a burst waits even though no answer came.
    #[test]
    fn a_burst_of_guesses_is_counted_before_any_is_checked() {
        let throttle = LoginThrottle::default();
        for _ in 0..3 {
            assert!(throttle.attempt("saraa", "10.0.0.1", policy()).is_ok());
        }
        let wait = throttle
            .attempt("saraa", "10.0.0.1", policy())
            .and_then(|()| throttle.attempt("saraa", "10.0.0.1", policy()))
            .expect_err("the fifth try of a burst waits");
        assert!(wait > Duration::from_secs(50), "{wait:?}");
        // Another address, and another account from here, are not slowed.
        assert!(throttle.attempt("saraa", "10.0.0.2", policy()).is_ok());
        assert!(throttle.attempt("bat", "10.0.0.1", policy()).is_ok());
    }

    /// A right password takes its try back: an office signs in as often as it needs.
    #[test]
    fn right_passwords_take_their_try_back() {
        let throttle = LoginThrottle::default();
        for i in 0..50 {
            let name = format!("user{}", i % 7);
            assert!(
                throttle.attempt(&name, "192.0.2.7", policy()).is_ok(),
                "{i}"
            );
            throttle.succeeded(&name, "192.0.2.7", policy());
        }
        assert!(throttle.wait("user1", "192.0.2.7").is_zero());
    }

    #[test]
    fn form_text_that_is_not_utf8_is_named() {
        assert_eq!(field_not_utf8(b"a=1&b=caf%C3%A9+ok&csrf=x"), None);
        assert_eq!(
            field_not_utf8(b"a=1&description=bad%FFtext"),
            Some("description".to_owned())
        );
        assert_eq!(field_not_utf8(b"%FF=1"), Some("\u{fffd}".to_owned()));
        // A lone % is text, not an escape.
        assert_eq!(field_not_utf8(b"q=100%"), None);
    }
}
