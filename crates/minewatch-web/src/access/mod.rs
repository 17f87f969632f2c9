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

mod forms;
mod limits;
mod session;
mod viewer;

use forms::*;
pub use limits::*;
pub use session::*;
pub use viewer::*;

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

/// What the guard needs: the app state and the policy of every route.
#[derive(Clone)]
pub struct GuardState {
    pub app: AppState,
    pub table: Arc<PolicyTable>,
}

/// The policy of each (method, route pattern).
pub type PolicyTable = HashMap<(Method, String), RoutePolicy>;

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
            && crate::pages::media::is_streamed(&parts.method, &path);
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
