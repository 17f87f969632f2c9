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
        "licence-suspended",
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
