//! Record pages beyond the generic ones: the agreements tracker, an agreement's
//! versions side by side, a company's repeat-violator flag, a licence's status history.

use axum::http::StatusCode;
use minewatch_domain::{RecordId, RecordKind};
use minewatch_store::Author;
use serde_json::json;

use crate::TestApp;

/// The status class of the commitment row whose text contains `what`.
fn status_of(body: &str, what: &str) -> String {
    let at = body
        .find(what)
        .unwrap_or_else(|| panic!("{what} not in {body}"));
    let row_start = body[..at].rfind("<tr class=\"commitment ").expect("a row");
    let class = &body[row_start + "<tr class=\"commitment ".len()..];
    class[..class.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_tracker_shows_each_commitment_by_its_schedule_and_deliveries() {
    let app = TestApp::demo().await;
    let page = app.get("/tracker?as_of=2026-11-26").await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert_eq!(status_of(b, "Small business fund"), "on-track", "{b}");
    assert_eq!(status_of(b, "Plant trees"), "late");
    assert_eq!(status_of(b, "Water the haul road"), "unfulfilled");
    assert_eq!(status_of(b, "Houses for ten families"), "fulfilled");
    // Totals per unit over the company's current agreement: 150 of 300 million paid.
    assert!(
        b.contains("<td>MNT</td><td>300\u{202f}000\u{202f}000</td><td>150\u{202f}000\u{202f}000</td><td>150\u{202f}000\u{202f}000</td>"),
        "{b}"
    );
    // The replaced 2023 version is not a current agreement.
    assert!(!b.contains("2023-06-01"), "{b}");

    // Earlier, the housing was not yet due, and the trees were on schedule.
    let before = app.get("/tracker?as_of=2025-10-01").await.body;
    assert_eq!(status_of(&before, "Houses for ten families"), "on-track");
    assert_eq!(status_of(&before, "Plant trees"), "on-track");
    assert_eq!(status_of(&before, "Water the haul road"), "unfulfilled");

    // A delivery marked as completing the dust protection fulfils it.
    app.store
        .put(
            &Author::system(),
            RecordKind::Payment,
            json!({
                "date": "2026-06-01", "source": "community-attestation",
                "commitment_id": "demo-commitment-dust", "completes": true
            }),
        )
        .await
        .unwrap();
    let after = app.get("/tracker?as_of=2026-11-26").await.body;
    assert_eq!(status_of(&after, "Water the haul road"), "fulfilled");

    let mn = app.get_lang("/tracker?as_of=2026-11-26", "mn").await.body;
    assert!(mn.contains("хоцорсон") && mn.contains("биелсэн"), "{mn}");
}

#[tokio::test]
async fn a_renegotiated_agreement_shows_what_changed_side_by_side() {
    let app = TestApp::demo().await;
    let v2 = app
        .get("/agreements/demo-agreement-mv900101-v2?as_of=2026-11-26")
        .await
        .body;
    let line = |what: &str| -> String {
        let at = v2
            .find(&format!("<th scope=\"row\">{what}"))
            .unwrap_or_else(|| panic!("{what}: {v2}"));
        let start = v2[..at].rfind("<tr class=\"v-").unwrap();
        v2[start..start + v2[start..].find("</tr>").unwrap()].to_owned()
    };
    let fund = line("Small business fund");
    assert!(fund.starts_with("<tr class=\"v-changed\""), "{fund}");
    assert!(
        fund.contains("200\u{202f}000\u{202f}000 MNT")
            && fund.contains("300\u{202f}000\u{202f}000 MNT"),
        "{fund}"
    );
    assert!(line("Houses for ten families").starts_with("<tr class=\"v-added\""));
    assert!(line("Water the haul road").starts_with("<tr class=\"v-added\""));
    assert!(line("Plant trees").starts_with("<tr class=\"v-changed\""));
    // The agreement's own terms: the title changed.
    assert!(v2.contains("Zaamar soum, renegotiated (demo)"));
    // The first version says it was replaced, and links the new one.
    let v1 = app.get("/agreements/demo-agreement-mv900101").await.body;
    assert!(
        v1.contains("/agreements/demo-agreement-mv900101-v2"),
        "{v1}"
    );
    assert!(!v1.contains("<table class=\"versions\""), "{v1}");
}

#[tokio::test]
async fn a_company_page_flags_a_repeat_violator_by_the_packs_threshold() {
    let app = TestApp::demo().await;
    let tuul = app.get("/companies/demo-company-tuul-gold").await.body;
    assert!(tuul.contains("class=\"flag repeat-violator\""), "{tuul}");
    assert!(
        tuul.contains("3 violations within 730 days (2024-05-10 – 2025-06-03)"),
        "{tuul}"
    );
    // Its licences, violations and the suspension are listed.
    for needle in [
        "MV-900101",
        "MV-900104",
        "Violation · 2024-11-20",
        "Decision · 2025-10-01 · Licence suspended",
    ] {
        assert!(tuul.contains(needle), "{needle}: {tuul}");
    }
    let mn = app
        .get_lang("/companies/demo-company-tuul-gold", "mn")
        .await
        .body;
    assert!(mn.contains("Давтан зөрчигч"), "{mn}");
    // Two violations in the window are not enough: retract one and the flag goes.
    app.store
        .retract(
            &Author::system(),
            &RecordId::parse("demo-violation-mv900104-2").unwrap(),
            "entered twice",
        )
        .await
        .unwrap();
    let after = app.get("/companies/demo-company-tuul-gold").await.body;
    assert!(!after.contains("repeat-violator"), "{after}");
    // A parent lists its subsidiaries and is not flagged for them.
    let parent = app
        .get("/companies/demo-company-steppe-holdings")
        .await
        .body;
    assert!(
        parent.contains("Elsen Khöndii Mining LLC (fictional)"),
        "{parent}"
    );
    assert!(parent.contains("B. Jishee"), "beneficial owners: {parent}");
    assert!(!parent.contains("repeat-violator"));
}

#[tokio::test]
async fn a_licence_page_shows_its_status_history_and_current_agreement() {
    let app = TestApp::demo().await;
    let b = app.get("/licences/demo-licence-mv900104").await.body;
    let list = &b[b
        .find("<ol class=\"timeline status-history\">")
        .expect("history")..];
    let list = &list[..list.find("</ol>").unwrap()];
    let applied = list.find("<time>2008-03-02</time>").expect("applied");
    let granted = list.find("<time>2008-09-01</time>").expect("granted");
    let suspended = list.find("<time>2025-10-01</time>").expect("suspended");
    assert!(applied < granted && granted < suspended, "{list}");
    // The suspension links the decision that made it.
    assert!(list.contains("/decisions/demo-decision-mv900104"), "{list}");

    let hub = app
        .get("/licences/demo-licence-mv900101?as_of=2026-11-26")
        .await
        .body;
    assert!(hub.contains("class=\"agreement-block\""), "{hub}");
    assert!(hub.contains("renegotiated (demo)"), "{hub}");
    assert_eq!(status_of(&hub, "Plant trees"), "late");
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn a_coordinator_creates_a_record_and_wrong_fields_are_named_in_their_language() {
    let app = TestApp::demo().await;
    let client = app
        .signed_in(
            "coord",
            minewatch_domain::Role::Coordinator,
            minewatch_domain::Scope::Community(
                RecordId::parse("demo-community-zaamar-tuul").unwrap(),
            ),
        )
        .await;
    let list = client.get("/consultations").await.body;
    assert!(list.contains("href=\"/consultations/new\""), "{list}");
    let page = client.get("/consultations/new").await;
    assert_eq!(page.status, StatusCode::OK);
    for input in [
        "name=\"date\"",
        "name=\"held\"",
        "name=\"licence_id\"",
        "name=\"source\"",
    ] {
        assert!(page.body.contains(input), "{input}: {}", page.body);
    }
    // A licence to choose from, by its number.
    assert!(page.body.contains(">MV-900101</option>"));

    let entries = app.entries().await;
    client.set_cookie("lang", "mn");
    let bad = client
        .post_form(
            "/consultations",
            &form(&[
                ("date", "31.02.2025"),
                ("source", "official-document"),
                ("held", "false"),
                ("purpose", "licensing"),
                ("attendees", "many"),
                ("community_id", "demo-community-zaamar-tuul"),
            ]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let b = &bad.body;
    // Each wrong field, beside its input and in the list above, in Mongolian.
    assert!(b.contains("Огноог ОООО-СС-ӨӨ хэлбэрээр оруулна уу."), "{b}");
    assert!(b.contains("0 буюу түүнээс их бүхэл тоо оруулна уу."), "{b}");
    assert!(
        b.contains("href=\"#f-licence_id\""),
        "the missing licence: {b}"
    );
    assert!(b.contains("aria-invalid=\"true\""));
    // What was typed is kept.
    assert!(b.contains("value=\"31.02.2025\""), "{b}");
    assert_eq!(
        app.entries().await,
        entries,
        "a refused form writes nothing"
    );

    client.set_cookie("lang", "en");
    let good = client
        .post_form(
            "/consultations",
            &form(&[
                ("date", "02.03.2025"),
                ("source", "community-attestation"),
                ("held", "false"),
                ("purpose", "licensing"),
                ("licence_id", "demo-licence-mv900102"),
                ("community_id", "demo-community-zaamar-tuul"),
                // Typed into a form, text that starts like a formula is just text.
                ("summary", "- nobody was invited"),
            ]),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let location = good.header("location").to_owned();
    assert!(location.starts_with("/consultations/") && location.ends_with("?saved=1"));
    let id = location
        .trim_start_matches("/consultations/")
        .trim_end_matches("?saved=1");
    let stored = app.store.get(&RecordId::parse(id).unwrap()).await.unwrap();
    assert_eq!(stored.payload["date"], "2025-03-02");
    assert_eq!(stored.payload["summary"], "- nobody was invited");
    assert_eq!(stored.created_by, "user:coord");

    // Out of scope: a record owned by another community is refused.
    let other = client
        .post_form(
            "/notes",
            &form(&[
                ("date", "2025-03-02"),
                ("source", "community-attestation"),
                ("text", "x"),
                ("community_id", "demo-community-erdenetsagaan"),
            ]),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    // A member may not open the forms at all.
    let mpw = app
        .add_user(
            "member",
            minewatch_domain::Role::Member,
            minewatch_domain::Scope::Workspace,
        )
        .await;
    let member = app.login("member", &mpw).await;
    assert_eq!(member.get("/notes/new").await.status, StatusCode::FORBIDDEN);
    assert!(!member.get("/notes").await.body.contains("/notes/new"));
}

#[tokio::test]
async fn a_correction_is_a_new_version_keeps_what_the_editor_cannot_see_and_refuses_stale_forms() {
    let app = TestApp::demo().await;
    // The community's contact person is private: coordinators see it, paralegals not.
    let id = RecordId::parse("demo-community-zaamar-tuul").unwrap();
    let mut payload = app.store.get(&id).await.unwrap().payload;
    payload["field_visibility"] = json!({"contact": "private"});
    app.store
        .correct(&Author::system(), &id, payload, None)
        .await
        .unwrap();
    let client = app
        .signed_in(
            "para",
            minewatch_domain::Role::Paralegal,
            minewatch_domain::Scope::Community(id.clone()),
        )
        .await;
    let page = client
        .get("/communities/demo-community-zaamar-tuul")
        .await
        .body;
    assert!(page.contains("href=\"/communities/demo-community-zaamar-tuul/edit\""));
    let edit = client
        .get("/communities/demo-community-zaamar-tuul/edit")
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    let body = &edit.body;
    assert!(
        body.contains("value=\"65\""),
        "households prefilled: {body}"
    );
    assert!(
        !body.contains("contact.name") && !body.contains("Жишээцэцэг"),
        "{body}"
    );
    let base_at = body.find("name=\"base\" value=\"").unwrap() + "name=\"base\" value=\"".len();
    let base = &body[base_at..base_at + body[base_at..].find('"').unwrap()];

    let fields = |households: &str, base: &str| {
        form(&[
            ("base", base),
            ("workspace_id", "demo-workspace"),
            ("name.mn", "Туулын хөвөөний малчид, Заамар"),
            ("name.en", "Tuul riverbank herders, Zaamar"),
            ("aimag.mn", "Төв"),
            ("aimag.en", "Töv"),
            ("soum.mn", "Заамар"),
            ("soum.en", "Zaamar"),
            ("bagh", "4-р баг"),
            ("households", households),
            ("centre.lat", "48.15"),
            ("centre.lon", "104.55"),
        ])
    };
    let saved = client
        .post_form(
            "/communities/demo-community-zaamar-tuul/edit",
            &fields("71", base),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let now = app.store.get(&id).await.unwrap();
    assert_eq!(now.payload["households"], 71);
    // The contact the paralegal could not see is still there, still private.
    assert_eq!(now.payload["contact"]["name"], "Б. Жишээцэцэг (зохиомол)");
    assert_eq!(now.payload["field_visibility"]["contact"], "private");
    // The old version stays in the history.
    let history = app.store.history(&id).await.unwrap();
    assert_eq!(history.len(), 3, "put, the private setting, the correction");

    // The same (now stale) form again: refused, nothing written.
    let entries = app.entries().await;
    let stale = client
        .post_form(
            "/communities/demo-community-zaamar-tuul/edit",
            &fields("80", base),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("Someone else corrected this record"));
    assert_eq!(app.entries().await, entries);
    assert_eq!(app.store.get(&id).await.unwrap().payload["households"], 71);

    // A community the paralegal's scope does not cover: visible, but not theirs to edit.
    let other = client
        .get("/communities/demo-community-erdenetsagaan/edit")
        .await;
    assert!(
        matches!(other.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        other.status
    );
}

#[tokio::test]
async fn lists_filter_by_the_licence_or_company_they_are_about() {
    let app = TestApp::demo().await;
    let b = app
        .get("/violations?licence=demo-licence-mv900104")
        .await
        .body;
    assert_eq!(
        b.matches("href=\"/violations/demo-violation-").count(),
        3,
        "{b}"
    );
    assert!(
        b.contains("<option value=\"demo-licence-mv900104\" selected>"),
        "{b}"
    );
    let none = app
        .get("/violations?licence=demo-licence-mv900101")
        .await
        .body;
    assert!(
        !none.contains("href=\"/violations/demo-violation-"),
        "{none}"
    );
    let licences = app
        .get("/licences?company=demo-company-east-steppe")
        .await
        .body;
    assert_eq!(
        licences.matches("href=\"/licences/demo-licence-").count(),
        3,
        "{licences}"
    );
    // Search and a filter together.
    let one = app
        .get("/licences?company=demo-company-east-steppe&q=900103")
        .await
        .body;
    assert_eq!(
        one.matches("href=\"/licences/demo-licence-").count(),
        1,
        "{one}"
    );
}

#[tokio::test]
async fn a_licence_is_drawn_in_its_soum_and_a_protection_zone_it_meets_is_a_breach() {
    let app = TestApp::demo().await;
    let hub = app.get("/licences/demo-licence-mv900101").await.body;
    let svg = &hub[hub.find("<svg class=\"licence-map\"").expect("a map")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    // The soum's real outline at the bottom, the zone over it, the licence on top.
    let soum = svg.find("class=\"map-soum\"").expect("the soum outline");
    let zone = svg.find("class=\"map-zone\"").expect("the protection zone");
    let licence = svg.find("class=\"map-licence\"").expect("the licence");
    assert!(soum < zone && zone < licence, "{svg}");
    assert!(svg.contains("<title>Zaamar (soum)</title>"), "{svg}");
    assert!(svg.contains("href=\"/zones/demo-zone-zaamar\""), "{svg}");
    // The map frames the licence (every point of it inside the 480×320 view) and the
    // whole soum is in the inset (every point inside its 110×80 box, top left).
    let points_of = |at: usize| -> Vec<(f64, f64)> {
        let points = &svg[at..];
        let points = &points[points.find("points=\"").unwrap() + 8..];
        let points = &points[..points.find('"').unwrap()];
        points
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    };
    for (x, y) in points_of(licence) {
        assert!(
            (0.0..=480.0).contains(&x) && (0.0..=320.0).contains(&y),
            "{x},{y}"
        );
    }
    let inset = svg
        .find("class=\"map-soum inset\"")
        .expect("the soum in the inset");
    let outline = points_of(inset);
    assert!(outline.len() > 100, "the outline, thinned, not a box");
    for (x, y) in outline {
        assert!(
            (2.0..=112.0).contains(&x) && (2.0..=82.0).contains(&y),
            "{x},{y}"
        );
    }
    // The engine reads the overlap: the water-protection duty is breached, citing
    // the zone; a licence clear of it is not.
    let gap = |body: &str| {
        let title = "No licence in a water-protection zone";
        let at = body
            .find(title)
            .unwrap_or_else(|| panic!("{title} in {body}"));
        let li = &body[body[..at].rfind("<li class=\"gap ").unwrap()..at];
        li[li.find("gap-").unwrap()..li.find("\">").unwrap()].to_owned()
    };
    assert_eq!(gap(&hub), "gap-breached", "{hub}");
    let other = app.get("/licences/demo-licence-mv900102").await.body;
    assert_eq!(gap(&other), "gap-unverified");

    // The zone's page: drawn, with the licences that meet it.
    let page = app.get("/zones/demo-zone-tuul-protection").await;
    assert_eq!(page.status, StatusCode::OK);
    let z = &page.body;
    let list = &z[z
        .find("<ul class=\"records zone-licences\">")
        .expect("licences")..];
    let list = &list[..list.find("</ul>").unwrap()];
    assert!(list.contains("/licences/demo-licence-mv900101"), "{list}");
    assert!(!list.contains("mv900102"), "{list}");
    assert!(z.contains("water-protection zone"), "{z}");
    let mn = app
        .get_lang("/zones/demo-zone-tuul-protection", "mn")
        .await
        .body;
    assert!(
        mn.contains("усны сан бүхий газрын хамгаалалтын бүс"),
        "{mn}"
    );
    assert!(mn.contains("Энэ бүсэд хамаарах тусгай зөвшөөрлүүд"), "{mn}");
    let zones = app.get("/zones").await.body;
    for id in [
        "demo-zone-zaamar",
        "demo-zone-erdenetsagaan",
        "demo-zone-tuul-protection",
    ] {
        assert!(zones.contains(&format!("/zones/{id}")), "{id} in {zones}");
    }
}

#[tokio::test]
async fn a_request_page_shows_its_state_due_date_and_derivation_and_hides_a_private_requester() {
    let app = TestApp::demo().await;
    let page = app
        .get("/requests/demo-request-licences?as_of=2026-11-26")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("class=\"request-state state-overdue\""), "{b}");
    assert!(
        b.contains("Mon 9 Nov 2026 + 7 working days, skipping 10 Nov 2026 (Chinggis Khaan Day) and 2 weekend days → Thu 19 Nov 2026"),
        "{b}"
    );
    assert!(
        b.contains("Answer an information request"),
        "the duty that sets the deadline: {b}"
    );
    // Before its due date it is only sent; long after, long overdue.
    let early = app
        .get("/requests/demo-request-licences?as_of=2026-11-12")
        .await
        .body;
    assert!(early.contains("class=\"request-state state-sent\""));
    let minutes = app
        .get_lang("/requests/demo-request-minutes?as_of=2026-11-26", "mn")
        .await
        .body;
    assert!(minutes.contains("class=\"request-state state-very_overdue\""));
    assert!(minutes.contains("хугацаа удаан хэтэрсэн"), "{minutes}");
    // A person asking in their own name stays private in public views.
    let written = app
        .store
        .put(
            &Author::system(),
            RecordKind::Request,
            json!({
                "request_type": "information", "authority_id": "demo-auth-mrpam", "channel": "paper",
                "subject": "Water permit of MV-900102", "ask": "A copy of the water-use permit.",
                "requester_contact": {"name": "Бат-Эрдэнэ Жишээ", "phone": "+976 9911 2233"},
                "steps": [{"date": "2026-11-02", "state": "sent"}, {"date": "2026-11-04", "state": "delivered"}]
            }),
        )
        .await
        .unwrap();
    let href = written.record_id.to_string();
    assert!(app.get("/requests").await.body.contains(&href));
    let public = app.get(&format!("/requests/{href}")).await.body;
    assert!(public.contains("Water permit of MV-900102"));
    for secret in ["Бат-Эрдэнэ", "9911"] {
        assert!(!public.contains(secret), "{secret} shown publicly");
    }
}

/// A licence is found by its number however it is typed: with a space, in lower case,
/// with the cadastre's eight digits or in Cyrillic letters.
#[tokio::test]
async fn a_licence_is_found_by_any_spelling_of_its_number() {
    let app = TestApp::demo().await;
    for typed in [
        "mv+900101",
        "MV-00900101",
        "%D0%9C%D0%92-900101",
        "MV-900101",
    ] {
        let b = app.get(&format!("/licences?q={typed}")).await.body;
        assert!(
            b.contains("href=\"/licences/demo-licence-mv900101\""),
            "{typed}: {b}"
        );
        assert!(
            !b.contains("href=\"/licences/demo-licence-mv900102\""),
            "{typed}"
        );
    }
    // Text that is not a number is searched as text.
    let b = app.get("/licences?q=zzzz").await.body;
    assert!(!b.contains("href=\"/licences/demo-licence-"), "{b}");
}

/// The licence list filters by status, named in the reader's language, and its pages
/// keep the filter.
#[tokio::test]
async fn the_licence_list_filters_by_status() {
    let app = TestApp::demo().await;
    let b = app.get("/licences?status=suspended").await.body;
    assert_eq!(
        b.matches("href=\"/licences/demo-licence-").count(),
        1,
        "{b}"
    );
    assert!(
        b.contains("href=\"/licences/demo-licence-mv900104\""),
        "{b}"
    );
    assert!(b.contains("<option value=\"suspended\" selected>"), "{b}");
    let b = app.get("/licences?status=applied&q=xv").await.body;
    assert_eq!(
        b.matches("href=\"/licences/demo-licence-").count(),
        1,
        "{b}"
    );
    // Every licence without one; an unknown value filters nothing out.
    for path in ["/licences", "/licences?status=nonsense"] {
        let b = app.get(path).await.body;
        assert_eq!(
            b.matches("href=\"/licences/demo-licence-").count(),
            7,
            "{path}"
        );
    }
    // In Mongolian, the statuses by their names.
    let b = app.get_lang("/licences", "mn").await.body;
    assert!(
        b.contains(">түдгэлзүүлсэн<") || b.contains("түдгэлз"),
        "{b}"
    );
}

#[tokio::test]
async fn the_licence_list_filters_by_aimag_soum_and_mineral_together() {
    let app = TestApp::demo().await;
    let count = |b: &str| b.matches("href=\"/licences/demo-licence-").count();
    let b = app
        .get("/licences?aimag=%D0%A1%D2%AF%D1%85%D0%B1%D0%B0%D0%B0%D1%82%D0%B0%D1%80")
        .await
        .body;
    assert_eq!(count(&b), 3, "Сүхбаатар: {b}");
    // The choices are the values recorded, with how many licences have each.
    assert!(
        b.contains(">Сүхбаатар (3)</option>") && b.contains(">Төв (4)</option>"),
        "{b}"
    );
    assert!(b.contains("<option value=\"Сүхбаатар\" selected>"), "{b}");
    // Two filters at once.
    let b = app
        .get("/licences?soum=%D0%97%D0%B0%D0%B0%D0%BC%D0%B0%D1%80&status=granted")
        .await
        .body;
    assert_eq!(count(&b), 3, "Заамар, granted: {b}");
    // An item of a licence's minerals.
    let lead =
        "/licences?minerals=%D1%85%D0%B0%D1%80+%D1%82%D1%83%D0%B3%D0%B0%D0%BB%D0%B3%D0%B0+%2F+lead";
    let b = app.get(lead).await.body;
    assert_eq!(count(&b), 1, "lead: {b}");
    assert!(
        b.contains("href=\"/licences/demo-licence-mv900103\""),
        "{b}"
    );
    // Filters that exclude each other find nothing, and say so with a count of 0.
    let b = app
        .get("/licences?aimag=%D0%A2%D3%A9%D0%B2&minerals=%D0%BD%D2%AF%D2%AF%D1%80%D1%81+%2F+coal")
        .await
        .body;
    assert_eq!(count(&b), 0, "Төв and coal: {b}");
}

#[tokio::test]
async fn a_licence_page_says_where_it_lies_and_a_soum_page_how_much_of_each_licence() {
    let app = TestApp::demo().await;
    let b = app.get("/licences/demo-licence-mv900101").await.body;
    let section = b
        .split("id=\"lies-in\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .unwrap_or_else(|| panic!("no lies-in section: {b}"));
    assert!(
        section.contains("href=\"/zones/demo-zone-zaamar\""),
        "{section}"
    );
    assert!(section.contains("100% of the licence"), "{section}");
    // The area drawn, measured, against the area recorded.
    assert!(b.contains("id=\"drawn-area\""), "{b}");
    assert!(b.contains("Area drawn: 1\u{202f}241.42 ha"), "{b}");
    // A map a person can read: scale, north, a legend of what is drawn; and the
    // boundary's corners as the cadastre lists them.
    assert!(
        b.contains("class=\"map-scale\"") && b.contains(" km</text>"),
        "{b}"
    );
    assert!(b.contains("class=\"map-north\""), "{b}");
    assert!(
        b.contains(">This licence</text>") && b.contains(">Soum</text>"),
        "{b}"
    );
    let corners = b
        .split("id=\"corners\"")
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .unwrap_or_else(|| panic!("no corners: {b}"));
    assert!(corners.contains("<th>Latitude</th>"), "{corners}");
    assert!(
        corners.contains("°") && corners.contains("′") && corners.contains("″"),
        "{corners}"
    );
    let b = app.get("/zones/demo-zone-zaamar").await.body;
    let list = b
        .split("class=\"records zone-licences\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .unwrap_or_else(|| panic!("no licences: {b}"));
    assert!(
        list.contains("href=\"/licences/demo-licence-mv900101\""),
        "{list}"
    );
    assert!(list.contains("ha, 100% of the licence"), "{list}");
    // In Mongolian, without English or a percent sign standing for a word.
    let b = app
        .get_lang("/licences/demo-licence-mv900101", "mn")
        .await
        .body;
    assert!(b.contains("тусгай зөвшөөрлийн талбайн 100 хувь"), "{b}");
    assert!(b.contains("Зурагдсан талбай:"), "{b}");
}

#[tokio::test]
async fn the_national_map_draws_every_visible_licence_by_status() {
    let app = TestApp::demo().await;
    let list = app.get("/licences").await.body;
    assert!(list.contains("href=\"/map\""), "{list}");
    let page = app.get("/map").await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("<svg class=\"overview-map\""), "{b}");
    // Squares coloured by the status most of their licences have, with their counts.
    assert!(b.contains("class=\"overview-granted\""), "{b}");
    assert!(b.contains("licences: ") || b.contains("licence: "), "{b}");
    assert!(b.contains("7 licences drawn."), "{b}");
    assert!(b.contains(">granted</text>"), "the legend: {b}");
    assert!(b.len() < 500_000);
    let mn = app.get_lang("/map", "mn").await.body;
    assert!(mn.contains("тусгай зөвшөөрлийг зурсан"), "{mn}");
    assert!(!mn.contains("licences drawn"), "{mn}");
}
