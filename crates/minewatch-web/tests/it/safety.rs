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

/// A request made on the web belongs to its author's community: staff of another
/// community neither read its requester's contact nor edit it, and its author cannot
/// edit theirs; a coordinator of the whole workspace sees and edits both.
#[tokio::test]
async fn requests_made_on_the_web_belong_to_their_authors_community() {
    use minewatch_domain::{RecordId, Role, Scope};
    let app = TestApp::demo().await;
    let community = |id: &str| Scope::Community(RecordId::parse(id).unwrap());
    let erdenetsagaan = "demo-community-erdenetsagaan";
    let zaamar = "demo-community-zaamar-tuul";
    let paralegal = app
        .signed_in("e-paralegal", Role::Paralegal, community(erdenetsagaan))
        .await;
    let z_monitor = app
        .signed_in("z-monitor", Role::Monitor, community(zaamar))
        .await;
    let z_coord = app
        .signed_in("z-coord", Role::Coordinator, community(zaamar))
        .await;
    let national = app
        .signed_in("national", Role::Coordinator, Scope::Workspace)
        .await;
    let make = |who: &'static str| {
        format!(
            "request_type=information&authority_id=demo-auth-zaamar-governor&channel=email\
             &subject=Minutes+{who}&ask=The+minutes&requester_contact.name=Private+{who}\
             &requester_contact.phone=%2B976+9911+{}",
            if who == "e" { "0001" } else { "0002" }
        )
    };
    let r = paralegal.post_form("/requests", &make("e")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e_path = r.header("location").split('?').next().unwrap().to_owned();
    let e_id = RecordId::parse(e_path.trim_start_matches("/requests/")).unwrap();
    assert_eq!(
        app.store.get(&e_id).await.unwrap().payload["community_id"],
        erdenetsagaan,
        "the author's community owns the request"
    );
    let r = z_coord.post_form("/requests", &make("z")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let z_path = r.header("location").split('?').next().unwrap().to_owned();

    // Another community's staff: no private contact, no editing.
    for (who, client) in [("z-monitor", &z_monitor), ("z-coord", &z_coord)] {
        let page = client.get(&e_path).await;
        assert!(!page.body.contains("Private e"), "{who} sees the requester");
        assert!(!page.body.contains("9911 0001"), "{who} sees the phone");
        // The request is a draft (no step yet): the case team's, so to another
        // community it does not exist.
        let edit = client.get(&format!("{e_path}/edit")).await;
        assert_eq!(edit.status, StatusCode::NOT_FOUND, "{who} edits");
        let letter = client.get(&format!("{e_path}/letter")).await;
        assert_eq!(
            letter.status,
            StatusCode::NOT_FOUND,
            "{who} prints the letter"
        );
    }
    // The paralegal cannot edit Zaamar's request, nor see its requester.
    let page = paralegal.get(&z_path).await;
    assert!(!page.body.contains("Private z"));
    assert_eq!(
        paralegal.get(&format!("{z_path}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    // Each community's own staff, and the national coordinator, do.
    assert!(paralegal.get(&e_path).await.body.contains("Private e"));
    assert!(z_monitor.get(&z_path).await.body.contains("Private z"));
    for path in [&e_path, &z_path] {
        assert_eq!(
            national.get(&format!("{path}/edit")).await.status,
            StatusCode::OK
        );
    }
    // A scoped author cannot give a request to another community.
    let r = paralegal
        .post_form("/requests", &format!("{}&community_id={zaamar}", make("e")))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A few addresses must not keep the server busy for everyone: anonymous reading is
/// limited per address, and accounts are not.
#[tokio::test]
async fn anonymous_reading_is_limited_per_address() {
    use minewatch_web::{SecurityConfig, WindowLimit};
    let app = TestApp::demo_with(SecurityConfig {
        read_limit: WindowLimit {
            max: 5,
            window: std::time::Duration::from_secs(60),
        },
        ..SecurityConfig::default()
    })
    .await;
    let mut crawler = app.client();
    crawler.addr = Some("198.51.100.9:4000".parse().unwrap());
    for i in 0..5 {
        assert_eq!(
            crawler.get("/gaps").await.status,
            StatusCode::OK,
            "read {i}"
        );
    }
    let r = crawler.get("/licences").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
    // The stylesheet still comes, and another address reads on.
    assert_eq!(crawler.get("/static/app.css").await.status, StatusCode::OK);
    let mut other = app.client();
    other.addr = Some("198.51.100.10:4000".parse().unwrap());
    assert_eq!(other.get("/gaps").await.status, StatusCode::OK);
}

/// The smaller holes: a key given twice, text that is not UTF-8, dates no one means,
/// and errors that tell an anonymous client what a hidden id is.
#[tokio::test]
async fn bad_input_is_refused_with_its_field_and_hidden_records_stay_unknown() {
    let app = TestApp::demo().await;
    let before = app.entries().await;
    // A key twice: refused, naming it (serde_json alone keeps the last one).
    let r = app
        .post(
            "/api/v1/observations",
            "application/json",
            r#"{"observed_on":"2025-05-01","category":"dust","description":"d",
                "reporter":{"name":"Bat","name":"Someone else"}}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("\"field\":\"reporter.name\""), "{}", r.body);
    assert!(r.body.contains("key-twice"));
    // Dates no one means.
    for date in ["0000-01-01", "9999-12-31"] {
        let r = app
            .post(
                "/api/v1/observations",
                "application/json",
                json!({"observed_on": date, "category": "dust", "description": "d"}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert!(r.body.contains("date-out-of-range"), "{}", r.body);
    }
    // Form text that is not UTF-8 (%FF) is refused with its field, in the page's
    // language, not stored as U+FFFD.
    let client = app.client();
    let r = client
        .post_form(
            "/observations",
            "observed_on=2025-05-01&category=dust&description=bad%FFtext",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("description"), "{}", r.body);
    assert!(r.body.contains("not UTF-8"), "{}", r.body);
    // A reference to a record the public may not see (a case team's inspection), or
    // of another kind, is answered as one that does not exist: nothing of its kind.
    let hidden = app
        .post(
            "/api/v1/observations",
            "application/json",
            json!({"observed_on": "2025-05-01", "category": "dust", "description": "d",
                   "licence_id": "demo-inspection-mv900102"})
            .to_string(),
        )
        .await;
    let missing = app
        .post(
            "/api/v1/observations",
            "application/json",
            json!({"observed_on": "2025-05-01", "category": "dust", "description": "d",
                   "licence_id": "demo-no-such-record"})
            .to_string(),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!hidden.body.contains("inspection"), "{}", hidden.body);
    assert_eq!(
        hidden.body.replace("demo-inspection-mv900102", "ID"),
        missing.body.replace("demo-no-such-record", "ID")
    );
    // …and so is a hidden record of the right kind (a case team's report as the
    // report's community would be a community; here a community the public may not
    // see).
    let secret = app
        .store
        .put(
            &minewatch_store::Author::system(),
            minewatch_domain::RecordKind::Community,
            json!({"workspace_id": "demo-workspace", "name": {"en": "Secret camp group"},
                   "aimag": {"en": "Töv"}, "soum": {"en": "Zaamar"}, "visibility": "case_team"}),
        )
        .await
        .unwrap();
    let r = app
        .post(
            "/api/v1/observations",
            "application/json",
            json!({"observed_on": "2025-05-01", "category": "dust", "description": "d",
                   "community_id": secret.record_id.as_str()})
            .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("unknown-reference"));
    // A hidden record does not place a list's cursor (it would tell that it exists,
    // and where its name falls): the list starts at its beginning, as for a missing one.
    for after in ["demo-obs-4", "demo-no-such-record"] {
        let page = app.get(&format!("/observations?after={after}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("First page"), "{after}");
    }
    // A hidden record and a missing one look alike from outside.
    let a = app.get("/api/v1/records/demo-inspection-mv900102").await;
    let b = app.get("/api/v1/records/demo-no-such-record").await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    assert_eq!(
        app.entries().await,
        before + 1,
        "nothing bad was stored (the one entry is the hidden community)"
    );
}

/// Several `serve` processes on one PostgreSQL database each keep an evaluation: a
/// write through one is seen by the next page of the other.
#[tokio::test]
async fn the_shared_evaluation_follows_writes_made_by_another_process() {
    use minewatch_store::{Author, DeviceKey, Store};
    use minewatch_testing::PgServer;
    use minewatch_web::{AppState, app, builtin_pack};
    let Some(server) = PgServer::start() else {
        return;
    };
    let url = server.create_database().await;
    let first = Store::open(&url, DeviceKey::generate()).await.unwrap();
    minewatch_store::demo::load(&first).await.unwrap();
    let second = Store::open(&url, DeviceKey::generate()).await.unwrap();
    let reader = app(AppState::new(second.clone(), builtin_pack()));
    // The second process has made its evaluation, without the licence to come.
    let before = body(&reader, "/gaps").await;
    assert!(!before.contains("MV-777001"));
    // The first process writes a licence (granted with no consultation on record).
    let written = first
        .put(
            &Author::system(),
            minewatch_domain::RecordKind::Licence,
            json!({"number": "MV-777001", "holder_id": "demo-company-tuul-gold",
                   "aimag": {"en": "Töv", "mn": "Төв"}, "soum": {"en": "Zaamar", "mn": "Заамар"},
                   "status": "granted", "granted": "2024-01-10"}),
        )
        .await
        .unwrap();
    let after = body(&reader, &format!("/gaps?licence={}", written.record_id)).await;
    assert!(
        after.contains("<li class=\"gap gap-"),
        "the other process's write is in the next page: {after}"
    );
    first.close().await;
    second.close().await;
}

/// The body of a page as an anonymous visitor sees it.
async fn body(router: &axum::Router, path: &str) -> String {
    use tower::ServiceExt as _;
    let response = router
        .clone()
        .oneshot(
            axum::http::Request::get(path)
                .header("accept-language", "en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A workspace of 100,000 records: every list and page is a page (with its count and a
/// way on), and no page grows with the data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_records_page_and_stay_small() {
    use minewatch_domain::RecordKind;
    use minewatch_store::Author;
    let app = TestApp::demo().await;
    let author = Author::system();
    let mut batch = app.store.begin().await.unwrap();
    for i in 0..20_000 {
        batch
            .put(
                &author,
                RecordKind::Licence,
                Some(minewatch_domain::RecordId::parse(&format!("big-licence-{i:05}")).unwrap()),
                json!({"number": format!("MV-{:06}", 200_000 + i),
                       "holder_id": "demo-company-tuul-gold",
                       "aimag": {"mn": "Төв", "en": "Töv"}, "soum": {"mn": "Заамар", "en": "Zaamar"},
                       "status": "granted", "granted": "2019-05-01"}),
            )
            .await
            .unwrap();
    }
    for i in 0..80_000 {
        let visibility = if i % 4 == 0 { "case_team" } else { "public" };
        batch
            .put(
                &author,
                RecordKind::Observation,
                None,
                json!({"observed_on": "2025-06-01", "category": "dust",
                       "description": format!("big report {i}"),
                       "licence_id": format!("big-licence-{:05}", i % 20_000),
                       "community_id": "demo-community-zaamar-tuul",
                       "reporter": {"name": format!("Hidden Reporter {i}")},
                       "visibility": visibility}),
            )
            .await
            .unwrap();
    }
    batch.commit().await.unwrap();

    const MAX_PAGE: usize = 1_000_000;
    // Lists: 100 rows, the count of all, and a next page that goes on.
    let first = app.get("/licences").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.len() < MAX_PAGE, "{} bytes", first.body.len());
    assert!(
        first.body.contains("of 20,007") || first.body.contains("of 20007"),
        "the count of all"
    );
    let next = first
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next page")
        .replace("&amp;", "&");
    let second = app.get(&next).await;
    let names = |body: &str| -> Vec<String> {
        body.split("<li><a href=\"/licences/")
            .skip(1)
            .filter_map(|r| r.split('"').next().map(str::to_owned))
            .collect()
    };
    let (a, b) = (names(&first.body), names(&second.body));
    assert_eq!((a.len(), b.len()), (50, 50));
    assert!(a.iter().all(|id| !b.contains(id)), "pages do not repeat");
    assert!(
        a.last() < b.first(),
        "the second page goes on from the first"
    );
    // Reports: the public count leaves out the case team's.
    let reports = app.get("/observations").await;
    assert!(
        reports.body.contains("of 60,0") || reports.body.contains("of 600"),
        "public reports counted"
    );
    assert!(!reports.body.contains("Hidden Reporter"));
    // Gaps: a page of them, with counts of all and the next page.
    let gaps = app.get("/gaps").await;
    assert_eq!(gaps.status, StatusCode::OK);
    assert!(
        gaps.body.len() < MAX_PAGE,
        "/gaps is {} bytes",
        gaps.body.len()
    );
    assert_eq!(gaps.body.matches("<li class=\"gap gap-").count(), 100);
    assert!(gaps.body.contains("rel=\"next\""));
    let page3 = app.get("/gaps?page=3").await;
    assert_eq!(page3.body.matches("<li class=\"gap gap-").count(), 100);
    // A licence and the company that holds all 20,000: bounded pages.
    for path in [
        "/licences/big-licence-00042",
        "/companies/demo-company-tuul-gold",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.len() < MAX_PAGE,
            "{path} is {} bytes",
            page.body.len()
        );
        assert!(!page.body.contains("Hidden Reporter"), "{path}");
    }
}

/// A request made by a CSO's paralegal (scoped to an organisation, not a community)
/// belongs to that organisation: other staff see neither its requester nor edit it.
#[tokio::test]
async fn a_request_made_for_an_organisation_belongs_to_it() {
    use minewatch_domain::{RecordId, Role, Scope};
    let app = TestApp::demo().await;
    let org = |id: &str| Scope::Organisation(RecordId::parse(id).unwrap());
    let cso = app
        .signed_in(
            "cso-paralegal",
            Role::Paralegal,
            org("demo-org-erdenetsagaan"),
        )
        .await;
    let other = app
        .signed_in("other-cso", Role::Coordinator, org("demo-org-zaamar"))
        .await;
    let r = cso
        .post_form(
            "/requests",
            "request_type=information&authority_id=demo-auth-zaamar-governor&channel=email\
             &subject=CSO+minutes&ask=The+minutes&requester_contact.name=Private+Cso\
             &requester_contact.phone=%2B976+9911+0003",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.header("location").split('?').next().unwrap().to_owned();
    let id = RecordId::parse(path.trim_start_matches("/requests/")).unwrap();
    assert_eq!(
        app.store.get(&id).await.unwrap().payload["organisation_id"],
        "demo-org-erdenetsagaan"
    );
    assert!(cso.get(&path).await.body.contains("Private Cso"));
    let seen = other.get(&path).await;
    assert!(!seen.body.contains("Private Cso"));
    assert!(!seen.body.contains("9911 0003"));
    // A draft is the case team's: another organisation may not edit it, nor learn
    // that it exists.
    assert_eq!(
        other.get(&format!("{path}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
}
