//! The holes found by probing the running app as an attacker and as a careless user
//! would (issue 19): each test here failed before its fix.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::TestApp;

/// Every visibility key a client could send, set as wide as it goes.
#[tokio::test]
async fn anonymous_intake_cannot_publish_a_reporter_or_an_exact_place() {
    let app = TestApp::demo().await;
    for levels in [
        json!({"reporter": "public", "location": "public"}),
        json!({"reporter": "coalition", "location": "coalition"}),
        json!({"reporter": "public", "location": "public", "place": "public",
               "category": "public"}),
    ] {
        let r = app
            .post(
                "/api/v1/observations",
                "application/json",
                json!({
                    "observed_on": "2025-11-02",
                    "category": "water",
                    "description": "River brown below the dam",
                    "place": "Zaamar",
                    "location": {"lat": 48.123456, "lon": 104.567891},
                    "reporter": {"name": "Secret Herder", "phone": "+976 8800 1234"},
                    "visibility": "public",
                    "field_visibility": levels,
                })
                .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = serde_json::from_str::<Value>(&r.body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for path in [
            format!("/api/v1/records/{id}"),
            format!("/observations/{id}"),
        ] {
            let shown = app.get(&path).await;
            assert_eq!(shown.status, StatusCode::OK, "{path}");
            for secret in ["Secret Herder", "8800 1234", "48.123456", "104.567891"] {
                assert!(
                    !shown.body.contains(secret),
                    "{path} shows {secret} ({levels})"
                );
            }
        }
        // The case team still sees it whole.
        let stored = app
            .store
            .get(&minewatch_domain::RecordId::parse(&id).unwrap())
            .await
            .unwrap();
        assert_eq!(stored.payload["reporter"]["name"], "Secret Herder");
    }
}

/// Unlisted methods are the client's mistake: 405 with the methods the path takes, and
/// no ERROR in the log.
#[tokio::test]
async fn unlisted_methods_get_405_with_allow() {
    let app = TestApp::demo().await;
    for (method, path, allow) in [
        ("DELETE", "/licences", "GET, HEAD, POST"),
        ("PUT", "/licences/demo-licence-mv900101", "GET, HEAD"),
        (
            "PATCH",
            "/api/v1/records/demo-licence-mv900101",
            "GET, HEAD",
        ),
        ("TRACE", "/", "GET, HEAD"),
        ("DELETE", "/login", "GET, HEAD, POST"),
    ] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("accept-language", "en")
            .body(axum::body::Body::empty())
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {}",
            r.body
        );
        assert_eq!(r.header("allow"), allow, "{method} {path}");
    }
    let request = axum::http::Request::builder()
        .method("OPTIONS")
        .uri("/gaps")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.header("allow"), "GET, HEAD");
    // A path that does not exist is not found, whatever the method.
    let request = axum::http::Request::builder()
        .method("DELETE")
        .uri("/no-such-page")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::NOT_FOUND);
}
