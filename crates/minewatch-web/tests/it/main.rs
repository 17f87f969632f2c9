//! The web app's integration tests: in-process HTTP against a real SQLite store with the
//! demo loaded, the translations, and one test in real headless Chromium.

mod access;
mod browser;
mod http;
mod i18n;
mod import;
mod matrix;
mod media;
mod public;
mod records;
mod requests;
mod safety;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use minewatch_domain::{Grant, Role, Scope};
use minewatch_store::{DeviceKey, NewAccount, Store};
use minewatch_web::{AppState, SecurityConfig, app, builtin_pack};
use tower::ServiceExt as _;

pub struct TestApp {
    pub store: Store,
    pub blobs: minewatch_store::blobs::BlobStore,
    pub router: Router,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// A fresh SQLite store with the demo workspace.
    pub async fn demo() -> TestApp {
        TestApp::demo_with(SecurityConfig::default()).await
    }

    /// The demo with a mailer for email requests.
    pub async fn demo_with_mailer(mailer: minewatch_store::mail::SmtpMailer) -> TestApp {
        TestApp::build(SecurityConfig::default(), Some(mailer)).await
    }

    /// The demo with these security settings (rate limits, lockout).
    pub async fn demo_with(security: SecurityConfig) -> TestApp {
        TestApp::build(security, None).await
    }

    async fn build(
        security: SecurityConfig,
        mailer: Option<minewatch_store::mail::SmtpMailer>,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
        let store = Store::open(&url, DeviceKey::generate())
            .await
            .expect("opening the store");
        minewatch_store::demo::load(&store)
            .await
            .expect("loading the demo");
        let blobs = minewatch_store::blobs::BlobStore::open(
            &minewatch_store::blobs::BlobConfig::local(&dir.path().join("blobs")),
        )
        .expect("a blob store");
        minewatch_store::demo::load_media(&store, &blobs)
            .await
            .expect("loading the demo's photo");
        let mut state = AppState::with_security(store.clone(), builtin_pack(), security)
            .with_blobs(blobs.clone())
            .with_uploads(minewatch_store::uploads::Uploads::new(
                &dir.path().join("uploads"),
            ));
        if let Some(m) = mailer {
            state = state.with_mailer(m);
        }
        TestApp {
            router: app(state),
            store,
            blobs,
            _dir: dir,
        }
    }

    pub fn state(&self) -> AppState {
        AppState::new(self.store.clone(), builtin_pack())
            .with_blobs(self.blobs.clone())
            .with_uploads(minewatch_store::uploads::Uploads::new(
                &self._dir.path().join("uploads"),
            ))
    }

    /// An account with one grant; returns its password.
    pub async fn add_user(&self, username: &str, role: Role, scope: Scope) -> String {
        let password = format!("pw-{username}-0123456789");
        self.store
            .create_account(NewAccount {
                username,
                display_name: username,
                grants: vec![Grant { role, scope }],
                password: &password,
                must_change_password: false,
            })
            .await
            .expect("creating an account");
        password
    }

    /// A browser without an account: it keeps cookies.
    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: Mutex::new(BTreeMap::new()),
            addr: None,
        }
    }

    /// A browser signed in as `username`.
    /// A new account with `role` in `scope`, signed in.
    pub async fn signed_in(&self, username: &str, role: Role, scope: Scope) -> Client<'_> {
        let password = self.add_user(username, role, scope).await;
        self.login(username, &password).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Client<'_> {
        let client = self.client();
        let r = client
            .post_form(
                "/login",
                &format!(
                    "username={username}&password={}",
                    minewatch_web::i18n::percent_encode(password)
                ),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.body
        );
        assert!(client.cookie("mw_session").is_some(), "a session cookie");
        client
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("reading the body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_lang(path, "en").await
    }

    pub async fn get_lang(&self, path: &str, lang: &str) -> Reply {
        let request = Request::get(path)
            .header("accept-language", lang)
            .body(Body::empty())
            .expect("a valid request");
        self.send(request).await
    }

    pub async fn post(&self, path: &str, content_type: &str, body: impl Into<Body>) -> Reply {
        let request = Request::post(path)
            .header("content-type", content_type)
            .header("accept-language", "en")
            .body(body.into())
            .expect("a valid request");
        self.send(request).await
    }

    /// The SQLite file of this app.
    pub fn db_path(&self) -> std::path::PathBuf {
        self._dir.path().join("test.db")
    }

    pub async fn entries(&self) -> i64 {
        self.store.ledger_size().await.expect("counting entries").0
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (a PDF, a zip).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A test browser: keeps cookies, sends forms with their CSRF token.
pub struct Client<'a> {
    pub app: &'a TestApp,
    cookies: Mutex<BTreeMap<String, String>>,
    /// The client's address, as the server's connection info would give it.
    pub addr: Option<SocketAddr>,
}

impl Client<'_> {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        let jar: String = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !jar.is_empty() {
            request
                .headers_mut()
                .insert("cookie", jar.parse().expect("a cookie header"));
        }
        if let Some(addr) = self.addr {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        let reply = self.app.send(request).await;
        for value in reply.headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let (pair, attrs) = value.split_once(';').unwrap_or((value, ""));
            let (name, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.lock().unwrap().remove(name);
            } else {
                self.set_cookie(name, v);
            }
        }
        reply
    }

    pub async fn get(&self, path: &str) -> Reply {
        let request = Request::get(path)
            .header("accept-language", "en")
            .body(Body::empty())
            .expect("a valid request");
        self.send(request).await
    }

    /// The CSRF token of this browser, as its pages carry it.
    pub async fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        // An account with a one-time password reaches only its password page.
        for path in ["/receipt", "/account/password"] {
            let page = self.get(path).await;
            if let Some(start) = page.body.find(marker) {
                let start = start + marker.len();
                return page.body[start..start + 64].to_owned();
            }
        }
        panic!("no page with a CSRF token")
    }

    /// Posts a form with this browser's CSRF token.
    pub async fn post_form(&self, path: &str, body: &str) -> Reply {
        let token = self.csrf().await;
        self.post_raw(path, &format!("{body}&csrf={token}")).await
    }

    /// Posts a form as given (no token added).
    pub async fn post_raw(&self, path: &str, body: &str) -> Reply {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept-language", "en")
            .body(Body::from(body.to_owned()))
            .expect("a valid request");
        self.send(request).await
    }

    /// Posts JSON; a signed-in browser sends its CSRF token as a header.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        let mut request = Request::post(path)
            .header("content-type", "application/json")
            .header("accept-language", "en");
        if self.cookie("mw_session").is_some() {
            request = request.header("x-csrf-token", self.csrf().await);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }
}
