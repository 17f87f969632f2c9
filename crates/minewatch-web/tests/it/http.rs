//! Pages and API in-process: content, languages, bad input, headers and public views.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::TestApp;

#[tokio::test]
async fn health_check_answers_ok() {
    let app = TestApp::demo().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
}

#[tokio::test]
async fn dashboard_shows_counts_and_latest_in_both_languages() {
    let app = TestApp::demo().await;
    let en = app.get_lang("/", "en-US,en;q=0.9").await;
    assert_eq!(en.status, StatusCode::OK);
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Tuul–Erdenetsagaan community coalition"));
    assert!(
        en.body
            .contains("href=\"/licences\"><span class=\"n\">7</span>"),
        "{}",
        en.body
    );
    let mn = app.get_lang("/", "mn").await;
    assert!(mn.body.contains("<html lang=\"mn\">"));
    assert!(mn.body.contains("Хянах самбар"));
    assert!(mn.body.contains("Тусгай зөвшөөрөл"));
    // No browser preference at all: Mongolian, the first users' language.
    let none = app
        .send(
            axum::http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(none.body.contains("<html lang=\"mn\">"));
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_and_returns_only_to_local_pages() {
    let app = TestApp::demo().await;
    let r = app.get("/lang/mn?next=/licences%3Fq%3DMV").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/licences?q=MV");
    let cookie = r.header("set-cookie");
    assert!(
        cookie.starts_with("lang=mn;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\r\nSet-Cookie: lang=x",
        "/licences?q=заамар",
    ] {
        let r = app
            .get(&format!(
                "/lang/en?next={}",
                minewatch_web::i18n::percent_encode(evil)
            ))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{evil:?}");
        assert_eq!(r.header("location"), "/", "{evil:?} must not be followed");
    }
    // The cookie wins over the browser's preference.
    let request = axum::http::Request::get("/")
        .header("accept-language", "en")
        .header("cookie", "other=1; lang=mn")
        .body(axum::body::Body::empty())
        .unwrap();
    assert!(app.send(request).await.body.contains("<html lang=\"mn\">"));
    assert_eq!(app.get("/lang/fr").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_and_detail_pages_show_records_with_history_and_links() {
    let app = TestApp::demo().await;
    for path in [
        "/communities",
        "/authorities",
        "/companies",
        "/licences",
        "/observations",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("class=\"records\""), "{path}");
    }
    let licences = app.get("/licences?q=mv-9001").await;
    assert!(
        licences.body.contains("MV-900101") && !licences.body.contains("XV-900201"),
        "search filters"
    );

    let company = app.get("/companies/demo-company-east-steppe").await;
    assert_eq!(company.status, StatusCode::OK);
    for licence in ["XV-900202", "MV-900103", "XV-900203"] {
        assert!(
            company.body.contains(licence),
            "the company page lists licence {licence}"
        );
    }
    assert!(
        company
            .body
            .contains("Example Steppe Holdings LLC (fictional)"),
        "parent company shown"
    );

    let authority = app.get_lang("/authorities/demo-auth-mrpam", "mn").await;
    assert!(authority.body.contains("Ашигт малтмал, газрын тосны газар"));

    // A correction shows in the history with the changed field; the old value stays.
    let id = minewatch_domain::RecordId::parse("demo-licence-mv900102").unwrap();
    let mut payload = app.store.get(&id).await.unwrap().payload;
    payload["status"] = json!("revoked");
    app.store
        .correct(
            &minewatch_store::Author::named("cli:test"),
            &id,
            payload,
            None,
        )
        .await
        .unwrap();
    let licence = app.get("/licences/demo-licence-mv900102").await;
    assert!(licence.body.contains("Corrected"));
    assert!(licence.body.contains("<dd>revoked</dd>"));
    assert_eq!(
        licence.body.matches("class=\"hash\"").count(),
        2,
        "two entries in the history"
    );
    assert!(
        licence.body.contains("mining"),
        "licence type from the MV- prefix"
    );
}

#[tokio::test]
async fn unknown_records_and_pages_are_404_in_the_users_language() {
    let app = TestApp::demo().await;
    for path in [
        "/licences/no-such-licence",
        "/licences/demo-company-tuul-gold", // exists, but is not a licence
        "/companies/%3Cscript%3E",
        "/no/such/page",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.body.contains("Page not found"), "{path}");
    }
    let r = app.get_lang("/nothing", "mn").await;
    assert!(r.body.contains("Хуудас олдсонгүй"));
    let api = app.get("/api/v1/records/nope").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(
        serde_json::from_str::<Value>(&api.body).unwrap()["error"]["status"],
        404
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::demo().await;
    for path in [
        "/",
        "/licences",
        "/nope",
        "/static/app.css",
        "/api/v1/records/demo-workspace",
    ] {
        let r = app.get(path).await;
        assert!(
            r.header("content-security-policy")
                .contains("default-src 'none'"),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(r.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(r.header("referrer-policy"), "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn bad_requests_get_a_clear_4xx_and_write_nothing() {
    let app = TestApp::demo().await;
    let before = app.entries().await;

    let r = app
        .post(
            "/api/v1/observations",
            "application/json",
            "{\"observed_on\": ",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("\"status\":400"));

    // Bodies other than JSON and forms need a CSRF header (a cross-site form can send
    // text/plain), so this one is refused before the handler would say 415.
    let r = app.post("/api/v1/observations", "text/plain", "{}").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let huge = json!({"observed_on": "2025-01-01", "category": "dust", "description": "x".repeat(200_000)});
    let r = app
        .post("/api/v1/observations", "application/json", huge.to_string())
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = app
        .post(
            "/observations",
            "application/x-www-form-urlencoded",
            format!("description={}", "x".repeat(200_000)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    let r = app
        .post(
            "/api/v1/observations",
            "application/json",
            json!({"observed_on": "2025-13-40", "category": "aliens", "licence_id": "no-such-licence"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for want in ["observed_on", "category", "description"] {
        assert!(fields.contains(&want), "{want} missing in {fields:?}");
    }

    let r = app
        .post(
            "/api/v1/observations",
            "application/json",
            json!({"observed_on": "2025-01-01", "category": "dust", "description": "d", "licence_id": "no-such-licence"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("unknown-reference"));
    assert_eq!(app.entries().await, before, "no bad request wrote anything");
}

#[tokio::test]
async fn a_report_through_the_api_is_signed_stored_and_shown_publicly_without_the_reporter() {
    let app = TestApp::demo().await;
    let r = app
        .post(
            "/api/v1/observations",
            "application/json",
            json!({
                "observed_on": "2025-11-02",
                "category": "water",
                "description": "River brown below the dam",
                "licence_id": "demo-licence-mv900101",
                "location": {"lat": 48.123456, "lon": 104.567891},
                "reporter": {"name": "Secret Herder", "phone": "+976 8800 1234"}
            })
            .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created: Value = serde_json::from_str(&r.body).unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["entry"].as_str().unwrap().len(), 64);

    let page = app.get(&format!("/observations/{id}")).await;
    assert!(page.body.contains("River brown below the dam"));
    assert!(
        page.body.contains("48.1, 104.6"),
        "approximate location shown"
    );
    let api = app.get(&format!("/api/v1/records/{id}")).await;
    for body in [&page.body, &api.body] {
        assert!(!body.contains("Secret Herder") && !body.contains("8800 1234"));
        assert!(!body.contains("48.123456") && !body.contains("104.567891"));
    }
    // The ledger has the full report: it is restricted, not lost.
    let stored = app
        .store
        .get(&minewatch_domain::RecordId::parse(id).unwrap())
        .await
        .unwrap();
    assert_eq!(stored.payload["reporter"]["name"], "Secret Herder");
    assert_eq!(stored.created_by, "anonymous");
    assert!(app.store.verify().await.unwrap().is_ok());
}

#[tokio::test]
async fn no_public_page_or_api_response_shows_restricted_demo_data() {
    let app = TestApp::demo().await;
    // Every restricted value in the demo: reporters, contact people, exact locations.
    let mut secrets = Vec::new();
    for kind in [
        minewatch_domain::RecordKind::Observation,
        minewatch_domain::RecordKind::Community,
    ] {
        for r in app
            .store
            .list(&minewatch_store::ListQuery::all(kind))
            .await
            .unwrap()
        {
            for field in ["reporter", "contact"] {
                if let Some(person) = r.payload.get(field) {
                    for part in ["name", "phone"] {
                        if let Some(s) = person.get(part).and_then(Value::as_str) {
                            secrets.push(s.to_owned());
                        }
                    }
                }
            }
            if let Some(loc) = r.payload.get("location") {
                secrets.push(loc["lat"].to_string());
                secrets.push(loc["lon"].to_string());
            }
        }
    }
    // The demo photo's capture metadata and file name, as stored and as a page would
    // print them; any of them in a public page or file is a leak.
    let photos = app
        .store
        .list(&minewatch_store::ListQuery::all(
            minewatch_domain::RecordKind::Media,
        ))
        .await
        .unwrap();
    assert!(!photos.is_empty(), "the demo has a public photo");
    for m in &photos {
        let c = &m.payload["capture"];
        let (lat, lon) = (
            c["location"]["lat"].as_f64().unwrap(),
            c["location"]["lon"].as_f64().unwrap(),
        );
        secrets.extend([
            format!("{lat:.5}"),
            format!("{lon:.5}"),
            c["device"].as_str().unwrap().to_owned(),
            "Demo phone".to_owned(),
            "16:20:05".to_owned(),
            m.payload["filename"].as_str().unwrap().to_owned(),
        ]);
    }
    assert!(
        secrets.len() >= 12,
        "the demo holds restricted data, so a leak would show"
    );
    // Crawl every page reachable from the dashboard in both languages, plus the API.
    let mut queue = vec!["/".to_owned()];
    let mut seen = std::collections::HashSet::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        for lang in ["en", "mn"] {
            let r = app.get_lang(&path, lang).await;
            for s in &secrets {
                assert!(
                    !r.body.contains(s.as_str()),
                    "{path} ({lang}) shows restricted {s:?}"
                );
            }
            for href in r
                .body
                .split("href=\"")
                .skip(1)
                .filter_map(|s| s.split('"').next())
            {
                if href.starts_with('/')
                    && !href.starts_with("/lang/")
                    && !href.starts_with("/static/")
                {
                    queue.push(href.to_owned());
                }
            }
        }
        if let Some(id) = path
            .rsplit('/')
            .next()
            .filter(|_| path.matches('/').count() == 2)
        {
            let r = app.get(&format!("/api/v1/records/{id}")).await;
            for s in &secrets {
                assert!(
                    !r.body.contains(s.as_str()),
                    "API record {id} shows restricted {s:?}"
                );
            }
        }
    }
    assert!(
        seen.len() > 30,
        "the crawl reached the record pages ({})",
        seen.len()
    );
    for m in &photos {
        assert!(
            seen.contains(&format!("/media/{}", m.id)),
            "the crawl reached the photo's page"
        );
        assert!(
            seen.contains(&format!("/media/{}/public", m.id)),
            "and its public copy"
        );
        // GPS is stored as binary numbers, which no text search finds: read the copy.
        let copy = app.get(&format!("/media/{}/public", m.id)).await;
        assert_eq!(copy.status, StatusCode::OK);
        assert_eq!(
            copy.header("content-type"),
            "image/jpeg",
            "the public copy is the picture"
        );
        assert!(
            minewatch_formats::media::read_capture(&copy.bytes).is_empty(),
            "the public copy carries capture metadata"
        );
    }
}

#[tokio::test]
async fn the_report_form_saves_a_report_or_says_what_is_wrong() {
    let app = TestApp::demo().await;
    let browser = app.client();
    let form = browser.get("/observations/new").await;
    assert!(form.body.contains("name=\"description\""));
    assert!(
        form.body.contains("value=\"demo-licence-mv900101\""),
        "licences to choose from"
    );
    let before = app.entries().await;

    let bad = "observed_on=2025-02-30&category=&description=&lat=abc&lon=1";
    let r = browser.post_form("/observations", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The report was not saved"));
    assert!(r.body.contains("Expected a date as YYYY-MM-DD."));
    assert!(r.body.contains("This field is required."));
    assert!(r.body.contains("Give latitude"));
    assert_eq!(app.entries().await, before);
    // What a tired person types: a day that has not come, a place in another country
    // (New York's numbers): both named, nothing written.
    let slips = "observed_on=2030-03-01&category=dust&description=Dust&lat=40.71&lon=-74.0";
    let r = browser.post_form("/observations", slips).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This day has not come yet"), "{}", r.body);
    assert!(
        r.body.contains("This place is outside Mongolia"),
        "{}",
        r.body
    );
    assert_eq!(app.entries().await, before);

    let xss = "<script>alert('x')</script>";
    let good = format!(
        "observed_on=2025-03-01&category=dust&description={}&place=Bagh+4&licence_id=demo-licence-mv900101&lat=48.1&lon=104.6&reporter_name=Hidden+Name",
        minewatch_web::i18n::percent_encode(xss)
    );
    let r = browser.post_form("/observations", &good).await;
    // Anonymous: the answer is the receipt page, with the code shown once.
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("The report was saved and signed"));
    assert!(r.body.contains("id=\"receipt-code\""));
    let id = app.store.latest(1, None).await.unwrap().remove(0).id;
    let page = app.get(&format!("/observations/{id}")).await;
    assert!(!page.body.contains(xss), "text is escaped");
    assert!(
        page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Hidden Name"));
    assert_eq!(app.entries().await, before + 1);
}

#[tokio::test]
async fn the_law_library_shows_laws_articles_and_duties_with_sources() {
    let app = TestApp::demo().await;
    let en = app.get("/law").await;
    assert_eq!(en.status, StatusCode::OK);
    for want in [
        "Law on Minerals",
        "Art. 42.1",
        "Conclude the local development agreement",
        "Policy default, not law:",
        "Confidence",
        "https://www.mrpam.gov.mn/news/107/",
        "Consult the community before a licence is granted",
    ] {
        assert!(en.body.contains(want), "{want} missing");
    }
    // The widths of water protection zones: the sourced one, and the unknown one said
    // to be unknown rather than guessed.
    assert!(
        en.body
            .contains("A protection zone within 200 m of rivers, lakes, springs.")
    );
    assert!(en.body.contains(
        "The width of the protection zone of rivers, lakes, springs is not in our sources"
    ));
    let mn = app.get_lang("/law", "mn").await;
    assert!(mn.body.contains("Ашигт малтмалын тухай хууль"));
    assert!(mn.body.contains("Орон нутагтай гэрээ байгуулах"));
    assert!(
        mn.body
            .contains("Хамгаалалтын бүсийн өргөн: усны эргээс 200 метр (гол, нуур, булаг).")
    );
    // Search narrows to what matches, across laws, articles and duties.
    let q = app.get("/law?q=Naadam").await;
    assert!(
        q.body.contains("No records found."),
        "no duty mentions Naadam"
    );
    let q = app.get("/law?q=56.1.5").await;
    assert!(
        q.body
            .contains("Conclude on revocation after repeated violations")
    );
    assert!(
        !q.body
            .contains("Annual Environmental Management Plan report")
    );
}

#[tokio::test]
async fn the_gaps_page_lists_duties_of_visible_records_by_status() {
    let app = TestApp::demo().await;
    let r = app.get("/gaps").await;
    assert_eq!(r.status, StatusCode::OK);
    // The demo's exploration licences owe yearly work plans; nobody recorded them.
    assert!(
        r.body.contains("Annual exploration work plan"),
        "{}",
        r.body
    );
    assert!(r.body.contains("unverified"));
    assert!(r.body.contains("href=\"/licences/demo-licence-xv900201\""));
    let only = app.get("/gaps?status=pending").await;
    assert!(!only.body.contains("<strong>unverified</strong>"));
    // Another day: the law and the records as they stood then; a bad date is refused.
    // (A visitor gets today's: another day is evaluated afresh, for people signed in.)
    let visitor = app.get("/gaps?as_of=2019-01-01").await;
    assert!(
        !visitor.body.contains("value=\"2019-01-01\""),
        "{}",
        visitor.body
    );
    let coord = app
        .signed_in(
            "coord",
            minewatch_domain::Role::Coordinator,
            minewatch_domain::Scope::Workspace,
        )
        .await;
    let then = coord.get("/gaps?as_of=2019-01-01&status=pending").await;
    assert_eq!(then.status, StatusCode::OK);
    assert!(then.body.contains("2019-01-01"), "{}", then.body);
    assert!(
        then.body.contains("name=\"status\" value=\"pending\""),
        "the form keeps the filter"
    );
    let bad = app.get("/gaps?as_of=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("YYYY-MM-DD"), "{}", bad.body);
    // Exploration extensions and work plans of XV-900201 and XV-900202, and the two
    // instalments of MV-900101's agreement not due yet.
    let pending = "<span class=\"n\">6</span>not due yet";
    assert!(r.body.contains(pending), "{}", r.body);
    // A licence the public may not see brings no gap to the public page.
    let mut payload = app
        .store
        .get(&minewatch_domain::RecordId::parse("demo-licence-xv900201").unwrap())
        .await
        .unwrap()
        .payload;
    payload["visibility"] = json!("case_team");
    app.store
        .correct(
            &minewatch_store::Author::system(),
            &minewatch_domain::RecordId::parse("demo-licence-xv900201").unwrap(),
            payload,
            None,
        )
        .await
        .unwrap();
    let r = app.get("/gaps").await;
    assert!(!r.body.contains("demo-licence-xv900201") && !r.body.contains("XV-900201"));
    // Nor is it counted: the counts say nothing of records the viewer may not see.
    assert!(
        r.body.contains("<span class=\"n\">4</span>not due yet"),
        "{}",
        r.body
    );
    let mn = app.get_lang("/gaps", "mn").await;
    assert!(mn.body.contains("тодорхойгүй"));
}

/// Corrects one demo record's payload with `change`.
async fn correct(app: &TestApp, id: &str, change: impl FnOnce(&mut serde_json::Value)) {
    let id = minewatch_domain::RecordId::parse(id).unwrap();
    let mut payload = app.store.get(&id).await.unwrap().payload;
    change(&mut payload);
    app.store
        .correct(&minewatch_store::Author::system(), &id, payload, None)
        .await
        .unwrap();
}

/// The `/gaps/…` link of the first gap in a page that mentions `needle` after it.
fn gap_link(body: &str, needle: &str) -> String {
    let at = body
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {body}"));
    let start = body[..at].rfind("href=\"/gaps/").expect("a gap link") + 6;
    let end = start + body[start..].find('"').unwrap();
    body[start..end].to_owned()
}

#[tokio::test]
async fn every_status_shows_with_its_explanation_a_scorecard_and_recomputes() {
    let app = TestApp::demo().await;
    // The demo's records produce every status.
    let all = app.get("/gaps").await;
    for status in [
        "not due yet",
        "overdue",
        "breached",
        "met",
        "met late",
        "unverified",
    ] {
        assert!(
            all.body.contains(&format!("<strong>{status}</strong>")),
            "{status} missing"
        );
    }
    // The unanswered complaint: overdue, borne by the Zaamar governor.
    let overdue = app.get("/gaps?status=overdue").await;
    assert!(
        overdue.body.contains("Governor of Zaamar soum"),
        "{}",
        overdue.body
    );
    let link = gap_link(&overdue.body, "Answer a complaint within 30 days");
    let page = app.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "overdue",
        "2025-10-15",
        "Mon 15 Sep 2025 + 30 calendar days → Wed 15 Oct 2025",
        "href=\"/authorities/demo-auth-zaamar-governor\"",
        "href=\"/complaints/demo-complaint-dust\"",
        "Next step",
    ] {
        assert!(
            page.body.contains(want),
            "{want} missing from {}",
            page.body
        );
    }
    // The authority's page is its scorecard.
    let card = app.get("/authorities/demo-auth-zaamar-governor").await;
    assert!(card.body.contains("Scorecard"), "{}", card.body);
    // Two overdue: the dust complaint, and the request for the consultation minutes.
    assert!(card.body.contains(
        "href=\"/gaps?status=overdue&#38;authority=demo-auth-zaamar-governor\"><span class=\"n\">2</span>overdue"
    ));
    assert!(
        card.body
            .contains("href=\"/requests/demo-request-minutes\""),
        "{}",
        card.body
    );
    // Licences get their soum's governor as the bearer of the soum governor's duties
    // (from the authorities' aimag and soum): Zaamar's licences, not Erdenetsagaan's.
    assert!(
        card.body
            .contains("href=\"/licences/demo-licence-mv900101\"")
    );
    assert!(
        !card
            .body
            .contains("href=\"/licences/demo-licence-xv900202\"")
    );
    let other = app
        .get("/authorities/demo-auth-erdenetsagaan-governor")
        .await;
    assert!(
        other
            .body
            .contains("href=\"/licences/demo-licence-xv900202\"")
    );
    assert!(
        !other
            .body
            .contains("href=\"/licences/demo-licence-mv900101\"")
    );
    // Licence and company pages carry their gaps too.
    let licence = app.get("/licences/demo-licence-xv900202").await;
    assert!(licence.body.contains("Duties on this licence"));
    assert!(licence.body.contains("<strong>breached</strong>"));
    let company = app.get("/companies/demo-company-east-steppe").await;
    assert!(
        company.body.contains("<strong>met late</strong>"),
        "{}",
        company.body
    );
    // A reply recorded late turns the overdue gap into met late, at once, on the same
    // page (its id stays).
    correct(&app, "demo-complaint-dust", |p| {
        p["answered"] = json!("2025-11-03")
    })
    .await;
    let page = app.get(&link).await;
    assert!(
        page.body.contains("<strong>met late</strong>"),
        "{}",
        page.body
    );
    // Evidence the viewer may not see is counted, never named.
    correct(&app, "demo-consultation-xv900202", |p| {
        p["visibility"] = json!("case_team")
    })
    .await;
    let breached = app.get("/gaps?status=breached").await;
    let link = gap_link(
        &breached.body,
        "Consult the community before a licence is granted",
    );
    let page = app.get(&link).await;
    assert!(
        page.body.contains("one record you may not see"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("demo-consultation-xv900202"));
    assert!(!page.body.contains("Herders of the southern pastures"));
    // An unknown gap is a 404; the page is in Mongolian too.
    assert_eq!(
        app.get("/gaps/0000000000000000").await.status,
        StatusCode::NOT_FOUND
    );
    let mn = app.get_lang(&link, "mn").await;
    assert!(mn.body.contains("Дараагийн алхам"));
}

#[tokio::test]
async fn a_licence_page_maps_its_area_among_the_soums_licences_and_dates_its_records() {
    let app = TestApp::demo().await;
    let page = app.get("/licences/demo-licence-mv900103").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("<svg class=\"licence-map\""), "{body}");
    assert_eq!(body.matches("class=\"map-licence\"").count(), 1, "{body}");
    // The other Erdenetsagaan licences, linked; none from Zaamar.
    assert!(body.contains("XV-900202</title>"), "{body}");
    assert!(!body.contains("MV-900101</title>"), "{body}");
    // The two Erdenetsagaan communities, by their (public) centres; none from Zaamar.
    assert_eq!(body.matches("class=\"map-community\"").count(), 2, "{body}");
    assert!(
        !body.contains("Zaamar soum centre (Bat-Ölziit)</title>"),
        "{body}"
    );
    // The timeline: the consultation before the grant, in date order.
    let consultation = body
        .find("<time>2014-10-01</time>")
        .expect("the consultation");
    let granted = body.find("<time>2014-11-05</time>").expect("the grant");
    assert!(consultation < granted, "{body}");
    // No field report's place is drawn or listed.
    assert!(
        !body.contains("map-observation") && !body.contains("115.41"),
        "{body}"
    );
}
