//! Security tests: CSRF, sessions and fixation, brute force, rate limits, escaping,
//! literal storage, one-time passwords, receipts, the audit, and what anonymous intake
//! keeps about the sender.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use minewatch_domain::{RecordId, RecordKind, Role, Scope};
use minewatch_store::{Author, NewAccount};
use minewatch_web::{SecurityConfig, WindowLimit};
use serde_json::{Value, json};

use crate::TestApp;

fn community(id: &str) -> Scope {
    Scope::Community(RecordId::parse(id).unwrap())
}

const ZAAMAR: &str = "demo-community-zaamar-centre";
/// The community of the demo's field report `demo-obs-1`.
const TUUL: &str = "demo-community-zaamar-tuul";

fn report(description: &str) -> String {
    format!(
        "observed_on=2025-03-01&category=dust&description={}&community_id={ZAAMAR}",
        minewatch_web::i18n::percent_encode(description)
    )
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_write_nothing() {
    let app = TestApp::demo().await;
    let before = app.entries().await;
    let browser = app.client();
    // Never loaded a form: no token at all.
    let r = browser.post_raw("/observations", &report("no token")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("did not come from this site"), "{}", r.body);
    // A token cookie, but the form carries another token.
    browser.csrf().await;
    let r = browser
        .post_raw(
            "/observations",
            &format!("{}&csrf={}", report("wrong token"), "0".repeat(64)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The right token from a cross-site page is refused too.
    let token = browser.csrf().await;
    let request = axum::http::Request::post("/observations")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!(
            "{}&csrf={token}",
            report("x")
        )))
        .unwrap();
    assert_eq!(browser.send(request).await.status, StatusCode::FORBIDDEN);
    // Any other body type needs the token in a header.
    let request = axum::http::Request::post("/observations")
        .header("content-type", "multipart/form-data; boundary=x")
        .body(axum::body::Body::from("--x--"))
        .unwrap();
    assert_eq!(browser.send(request).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.entries().await, before);
    // With the token the same form is accepted.
    let r = browser
        .post_form("/observations", &report("with token"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.entries().await, before + 1);

    // Signed in: the session's token, not the anonymous cookie's, is required; logout
    // without it is refused.
    let password = app
        .add_user("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let coord = app.login("coord", &password).await;
    let anon_token = coord.cookie("mw_csrf").unwrap();
    let r = coord
        .post_raw("/logout", &format!("csrf={anon_token}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(coord.get("/account/password").await.status == StatusCode::OK);
    // JSON from a signed-in browser needs the header token.
    let request = axum::http::Request::post("/api/v1/observations")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    assert_eq!(coord.send(request).await.status, StatusCode::FORBIDDEN);
    let r = coord.post_form("/logout", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(coord.cookie("mw_session").is_none());
}

#[tokio::test]
async fn login_makes_a_new_session_and_never_adopts_one_it_was_given() {
    let app = TestApp::demo().await;
    let password = app.add_user("lawyer", Role::Lawyer, Scope::Workspace).await;
    let browser = app.client();
    // An attacker plants a session id in the victim's browser before login.
    let planted = "ab".repeat(32);
    browser.set_cookie("mw_session", &planted);
    let r = browser
        .post_form("/login", &format!("username=lawyer&password={password}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let first = browser.cookie("mw_session").unwrap();
    assert_ne!(first, planted);
    let cookie = r.header("set-cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");
    assert!(app.store.session(&planted).await.unwrap().is_none());
    assert!(browser.get("/").await.body.contains("Signed in as"));
    // Logging in again replaces the session and ends the old one.
    let r = browser
        .post_form("/login", &format!("username=lawyer&password={password}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = browser.cookie("mw_session").unwrap();
    assert_ne!(first, second);
    assert!(app.store.session(&first).await.unwrap().is_none());
    assert!(app.store.session(&second).await.unwrap().is_some());
    // The database holds only hashes of tokens.
    let path = app.db_path();
    let bytes = std::fs::read(&path).unwrap();
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap_or_default();
    for hay in [&bytes, &wal] {
        assert!(
            !hay.windows(64).any(|w| w == second.as_bytes()),
            "the raw session token is stored"
        );
    }
}

#[tokio::test]
async fn brute_force_on_login_is_slowed_where_it_comes_from_and_cannot_lock_the_owner_out() {
    let app = TestApp::demo_with(SecurityConfig {
        login: minewatch_web::LoginThrottlePolicy {
            account_free: 4,
            address_free: 5,
            first_delay: Duration::from_secs(60),
            ..Default::default()
        },
        ..SecurityConfig::default()
    })
    .await;
    let password = app
        .add_user("monitor", Role::Monitor, Scope::Workspace)
        .await;
    let mut attacker = app.client();
    attacker.addr = Some("10.0.0.1:5000".parse().unwrap());
    for i in 0..4 {
        let r = attacker
            .post_form("/login", "username=monitor&password=guess-guess-guess")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(r.body.contains("Wrong username or password."));
    }
    // The fifth wrong password makes this address wait, with a clear message.
    let r = attacker
        .post_form("/login", "username=monitor&password=guess-guess-guess")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Try again in 60 seconds"), "{}", r.body);
    assert_eq!(r.header("retry-after"), "60");
    // While it waits, not even the right password is checked from there.
    let r = attacker
        .post_form("/login", &format!("username=monitor&password={password}"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(attacker.cookie("mw_session").is_none());
    // The owner, elsewhere, is not locked out by the stranger.
    let mut owner = app.client();
    owner.addr = Some("10.0.0.2:5000".parse().unwrap());
    let r = owner
        .post_form("/login", &format!("username=monitor&password={password}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(owner.cookie("mw_session").is_some());
    // The attacker's address is slowed at other accounts too, once it has used its
    // budget of wrong passwords at any account.
    let r = attacker
        .post_form("/login", "username=nobody&password=guess-guess-guess")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let retry: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
}

/// A training room or a soum office behind one address: many right logins in a row
/// never count against anyone.
#[tokio::test]
async fn right_passwords_from_one_address_never_count() {
    let app = TestApp::demo().await;
    let password = app
        .add_user("trainee", Role::Member, Scope::Workspace)
        .await;
    for i in 0..40 {
        let mut office = app.client();
        office.addr = Some("192.0.2.7:4000".parse().unwrap());
        let r = office
            .post_form("/login", &format!("username=trainee&password={password}"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {i}: {}", r.body);
    }
    // Nor does one trainee's typo slow the others down.
    let mut office = app.client();
    office.addr = Some("192.0.2.7:4000".parse().unwrap());
    let r = office
        .post_form("/login", "username=trainee&password=typo-typo-typo")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = office
        .post_form("/login", &format!("username=trainee&password={password}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn anonymous_intake_is_limited_per_connection() {
    let app = TestApp::demo_with(SecurityConfig {
        intake_limit: WindowLimit {
            max: 2,
            window: Duration::from_secs(3600),
        },
        ..SecurityConfig::default()
    })
    .await;
    let mut one = app.client();
    one.addr = Some("10.1.1.1:1".parse().unwrap());
    for _ in 0..2 {
        assert_eq!(
            one.post_form("/observations", &report("r")).await.status,
            StatusCode::OK
        );
    }
    let before = app.entries().await;
    let r = one.post_form("/observations", &report("r")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = one
        .post_json(
            "/api/v1/observations",
            &json!({"observed_on": "2025-01-01", "category": "dust", "description": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.entries().await, before);
    let mut other = app.client();
    other.addr = Some("10.1.1.2:1".parse().unwrap());
    assert_eq!(
        other.post_form("/observations", &report("r")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn anonymous_reports_keep_nothing_about_the_sender_and_give_a_receipt() {
    let app = TestApp::demo().await;
    let mut browser = app.client();
    browser.addr = Some(SocketAddr::from(([10, 97, 13, 211], 40123)));
    let mut request = axum::http::Request::post("/observations")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "user-agent",
            "Mozilla/5.0 (Linux; Android 9; UniqueAgent-7731)",
        )
        .header("x-forwarded-for", "10.55.66.77")
        .body(axum::body::Body::from(format!(
            "{}&reporter_name=Цэцэг&reporter_phone=99887766&lat=47.912345&lon=104.723456&csrf={}",
            report("Night blasting near the well"),
            browser.csrf().await
        )))
        .unwrap();
    request
        .headers_mut()
        .insert("accept-language", "en".parse().unwrap());
    let r = browser.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code_start = r.body.find("id=\"receipt-code\">").unwrap() + "id=\"receipt-code\">".len();
    let code = r.body[code_start..code_start + 19].to_owned();
    assert_eq!(code.len(), 19, "{code}");
    // The ledger entry's author is "anonymous"; nothing about the connection is stored.
    let latest = app.store.latest(1, None).await.unwrap().remove(0);
    assert_eq!(latest.created_by, "anonymous");
    let path = app.db_path();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
    // The port alone (five digits) turns up by chance in random ids and hashes; stored
    // as part of an address it would follow a colon.
    for needle in ["10.97.13.211", "10.55.66.77", "UniqueAgent-7731", ":40123"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is stored"
        );
    }
    // The code is stored only as a hash.
    assert!(!bytes.windows(code.len()).any(|w| w == code.as_bytes()));

    // With the code the reporter sees their report (as the public does) and adds to it.
    let later = app.client();
    let r = later
        .post_form("/receipt", &format!("code={}", code.to_uppercase()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Night blasting near the well"));
    assert!(!r.body.contains("Цэцэг") && !r.body.contains("99887766"));
    // The public view of a report says which soum it is from.
    let public = app.get(&format!("/observations/{}", latest.id)).await.body;
    assert!(
        public.contains("<dt>Soum</dt>") && public.contains("Zaamar"),
        "{public}"
    );
    assert!(public.contains("47.9, 104.7"), "the approximate place");
    assert!(!r.body.contains("47.912345"));
    let r = later
        .post_form(
            "/receipt/add",
            &format!(
                "code={code}&text={}",
                minewatch_web::i18n::percent_encode("It happened again <b>today</b>")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Your information was added."));
    assert!(
        r.body
            .contains("It happened again &lt;b&gt;today&lt;/b&gt;")
            || r.body.contains("&#60;b&#62;"),
        "{}",
        r.body
    );
    let history = app.store.history(&latest.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].author, "anonymous");
    assert_eq!(
        history[1].payload["follow_ups"],
        json!(["It happened again <b>today</b>"])
    );
    // The reporter's details are still there, for the case team only.
    assert_eq!(history[1].payload["reporter"]["phone"], json!("99887766"));
    // A wrong code opens nothing.
    let r = later
        .post_form("/receipt", "code=aaaa-bbbb-cccc-dddd")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("No report has this receipt code"));
}

#[tokio::test]
async fn text_is_escaped_everywhere_and_sql_metacharacters_stay_literal() {
    let app = TestApp::demo().await;
    let xss = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "'; drop table record; --",
        "javascript:alert(3)//</textarea><svg onload=alert(4)>",
    ];
    let sys = Author::system();
    let mut ids = Vec::new();
    for (i, x) in xss.iter().enumerate() {
        let c = app
            .store
            .put(
                &sys,
                RecordKind::Community,
                json!({
                    "workspace_id": "demo-workspace",
                    "name": {"en": format!("C{i} {x}"), "mn": format!("Х{i} {x}")},
                    "aimag": {"en": x}, "soum": {"en": x}, "bagh": x,
                    "contact": {"name": x, "phone": x}
                }),
            )
            .await
            .unwrap();
        let o = app
            .store
            .put(
                &sys,
                RecordKind::Observation,
                json!({
                    "observed_on": "2025-01-01", "category": "other",
                    "description": format!("D{i} {x}"), "place": x,
                    "community_id": c.record_id.as_str(),
                    "reporter": {"name": x, "phone": x},
                    "follow_ups": [x]
                }),
            )
            .await
            .unwrap();
        ids.push((c.record_id, o.record_id));
    }
    // Every other kind's text fields too.
    let x = xss[0];
    let company = app
        .store
        .put(
            &sys,
            RecordKind::Company,
            json!({"name": {"en": x, "mn": x}, "registration_number": x}),
        )
        .await
        .unwrap()
        .record_id;
    let authority = app
        .store
        .put(
            &sys,
            RecordKind::Authority,
            json!({"name": {"en": x}, "authority_type": "soum-governor",
            "jurisdiction": {"en": x}, "address": x, "phone": x}),
        )
        .await
        .unwrap()
        .record_id;
    let licence = app
        .store
        .put(
            &sys,
            RecordKind::Licence,
            json!({"number": "MV-990999", "holder_id": company.as_str(),
            "minerals": [x], "aimag": {"en": x}, "soum": {"mn": x}, "status": "granted"}),
        )
        .await
        .unwrap()
        .record_id;
    let password = app.add_user("admin", Role::Admin, Scope::Workspace).await;
    let admin = app.login("admin", &password).await;
    let anonymous = app.client();
    for (c, o) in &ids {
        for browser in [&admin, &anonymous] {
            for path in [
                format!("/communities/{c}"),
                format!("/observations/{o}"),
                format!("/companies/{company}"),
                format!("/authorities/{authority}"),
                format!("/licences/{licence}"),
                "/communities".to_owned(),
                "/observations".to_owned(),
                "/companies".to_owned(),
                "/authorities".to_owned(),
                "/licences".to_owned(),
                "/".to_owned(),
            ] {
                let page = browser.get(&path).await;
                assert_eq!(page.status, StatusCode::OK, "{path}");
                for x in &xss[..2] {
                    assert!(!page.body.contains(x), "{path} shows {x} unescaped");
                }
                assert!(!page.body.contains("<svg onload"), "{path}");
                assert!(!page.body.contains("<img src=x"), "{path}");
            }
        }
    }
    // The admin sees the restricted fields (the reporter), escaped.
    let page = admin.get(&format!("/observations/{}", ids[0].1)).await;
    let escaped =
        page.body.matches("&#60;script&#62;").count() + page.body.matches("&lt;script&gt;").count();
    assert!(
        escaped >= 3,
        "description, place and reporter, escaped: {}",
        page.body
    );
    // SQL metacharacters are stored and found literally; the table is intact.
    let got = app.store.get(&ids[2].1).await.unwrap();
    assert_eq!(
        got.payload["description"],
        json!("D2 '; drop table record; --")
    );
    let r = anonymous
        .get(&format!(
            "/observations?q={}",
            minewatch_web::i18n::percent_encode("'; drop table")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("1 record"), "{}", r.body);
    let r = anonymous.get("/observations?q=%25").await;
    assert!(
        r.body.contains("No records found"),
        "a literal % matches nothing"
    );
}

#[tokio::test]
async fn one_time_passwords_must_be_changed_first() {
    let app = TestApp::demo().await;
    app.store
        .create_account(NewAccount {
            username: "newbie",
            display_name: "Newbie",
            grants: vec![minewatch_domain::Grant {
                role: Role::Paralegal,
                scope: community(ZAAMAR),
            }],
            password: "one-time-pass-123",
            must_change_password: true,
        })
        .await
        .unwrap();
    let browser = app.client();
    let r = browser
        .post_form("/login", "username=newbie&password=one-time-pass-123")
        .await;
    assert_eq!(r.header("location"), "/account/password");
    for path in ["/", "/observations", "/observations/demo-obs-1"] {
        let r = browser.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.header("location"), "/account/password");
    }
    let page = browser.get("/account/password").await;
    assert!(page.body.contains("one-time password"));
    let r = browser
        .post_form(
            "/account/password",
            "current=one-time-pass-123&new=short&confirm=short",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = browser
        .post_form(
            "/account/password",
            "current=wrong-wrong-wrong&new=my+own+good+password&confirm=my+own+good+password",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The current password is wrong."));
    let old_session = browser.cookie("mw_session").unwrap();
    let r = browser
        .post_form(
            "/account/password",
            "current=one-time-pass-123&new=my+own+good+password&confirm=my+own+good+password",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_ne!(browser.cookie("mw_session").unwrap(), old_session);
    assert!(app.store.session(&old_session).await.unwrap().is_none());
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn restricted_views_are_audited_and_only_admins_see_the_audit() {
    let app = TestApp::demo().await;
    let coord = app
        .signed_in("coord-zaamar", Role::Coordinator, community(TUUL))
        .await;
    let before = app.entries().await;
    // demo-obs-1 is a Zaamar report with a restricted reporter.
    let obs: Value = serde_json::to_value(
        app.store
            .get(&RecordId::parse("demo-obs-1").unwrap())
            .await
            .unwrap()
            .payload,
    )
    .unwrap();
    let reporter = obs["reporter"]["name"].as_str().unwrap().to_owned();
    let marker = app.store.ledger_marker().await.unwrap();
    let page = coord.get("/observations/demo-obs-1").await;
    assert_eq!(page.status, StatusCode::OK);
    // The audit entry changes no record: what pages keep (the evaluation, counts) stays.
    assert_eq!(app.store.ledger_marker().await.unwrap(), marker);
    assert!(
        page.body.contains(&reporter),
        "the case team sees the reporter"
    );
    assert_eq!(app.entries().await, before + 1, "the view is in the ledger");
    let events = app.store.access_events(10).await.unwrap();
    assert_eq!(events[0].author, "user:coord-zaamar");
    assert_eq!(events[0].record_id, "demo-obs-1");
    assert!(events[0].fields.contains(&"reporter".to_owned()));
    // Public views write no audit entry.
    app.get("/observations/demo-obs-1").await;
    assert_eq!(app.entries().await, before + 1);
    // Reading the same page again within the hour adds nothing (the ledger would grow
    // with every refresh); another account's view is its own entry.
    for _ in 0..5 {
        coord.get("/observations/demo-obs-1").await;
    }
    assert_eq!(app.entries().await, before + 1, "views are coalesced");
    let other = app
        .signed_in("coord-two", Role::Coordinator, community(TUUL))
        .await;
    other.get("/observations/demo-obs-1").await;
    other.get("/observations/demo-obs-1").await;
    assert_eq!(app.entries().await, before + 2, "one entry per account");
    // A report filed by the coordinator names them to the coalition, not the public.
    let r = coord
        .post_form(
            "/observations",
            &format!(
                "observed_on=2025-03-01&category=dust&description=by+coord&community_id={TUUL}"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_ne!(
        app.store.ledger_marker().await.unwrap(),
        marker,
        "a new record moves it"
    );
    let own = r.header("location").split('?').next().unwrap().to_owned();
    assert!(coord.get(&own).await.body.contains("user:coord-zaamar"));
    let public = app.get(&own).await.body;
    assert!(
        !public.contains("coord-zaamar"),
        "the public sees no coalition usernames"
    );
    assert!(public.contains("a coalition member"));
    // The coordinator cannot read the audit; the admin can, and sees who looked.
    assert_eq!(
        coord.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.client().get("/admin/audit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/login?next=/admin/audit"));
    let admin = app.signed_in("root", Role::Admin, Scope::Workspace).await;
    let audit = admin.get("/admin/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("user:coord-zaamar"));
    assert!(audit.body.contains("/observations/demo-obs-1"));
    let users = admin.get("/admin/users").await;
    assert!(users.body.contains("coord-zaamar") && users.body.contains("coordinator"));
}

#[tokio::test]
async fn a_route_without_a_policy_is_refused() {
    let app = TestApp::demo().await;
    let extra = axum::Router::new().route("/unlisted", axum::routing::get(|| async { "secret" }));
    let router = minewatch_web::app_with_unlisted(app.state(), extra);
    let response = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::get("/unlisted")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
