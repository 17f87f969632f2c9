//! The web app's integration tests: in-process HTTP against a real SQLite store with the
//! demo loaded, the translations, and one test in real headless Chromium.

mod browser;
mod http;
mod i18n;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use minewatch_store::{DeviceKey, Store};
use minewatch_web::{AppState, app, builtin_pack};
use tower::ServiceExt as _;

pub struct TestApp {
    pub store: Store,
    pub router: Router,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// A fresh SQLite store with the demo workspace.
    pub async fn demo() -> TestApp {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
        let store = Store::open(&url, DeviceKey::generate())
            .await
            .expect("opening the store");
        minewatch_store::demo::load(&store)
            .await
            .expect("loading the demo");
        let state = AppState {
            store: store.clone(),
            pack: Arc::new(builtin_pack()),
        };
        TestApp {
            router: app(state),
            store,
            _dir: dir,
        }
    }

    pub fn state(&self) -> AppState {
        AppState {
            store: self.store.clone(),
            pack: Arc::new(builtin_pack()),
        }
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

    pub async fn entries(&self) -> i64 {
        self.store.ledger_size().await.expect("counting entries").0
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}
