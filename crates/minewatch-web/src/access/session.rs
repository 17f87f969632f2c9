//! Sessions and cookies: the session and CSRF cookies, whether a request came over
//! HTTPS, who the client is (its address), and comparing tokens in constant time.

use super::*;

/// The session cookie: a random token whose SHA-256 is the session's key.
pub const SESSION_COOKIE: &str = "mw_session";
/// The CSRF cookie of visitors without a session (double-submit token).
pub const CSRF_COOKIE: &str = "mw_csrf";
/// The form field (or `x-csrf-token` header) that must carry the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

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
pub(super) const UNKNOWN_CLIENT: &str = "unknown";

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

/// Constant-time comparison of two tokens.
pub(super) fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
