//! Requests through the web app, end to end: a request drafted from a gap's page, sent
//! by email to a real SMTP server (aiosmtpd, STARTTLS), its letter printed, its
//! deadline in a calendar feed read by a real iCalendar parser, a reply recorded with
//! its finding, and the gap and the authority's statistics changed by it.

use std::process::Command;

use axum::http::StatusCode;
use minewatch_domain::engine::evaluate;
use minewatch_domain::{Role, Scope};
use minewatch_store::mail::{MailConfig, SmtpMailer};
use minewatch_testing::SmtpServer;
use minewatch_web::builtin_pack;

use crate::TestApp;

fn mailer(toml_text: &str) -> SmtpMailer {
    let t: toml::Table = toml::from_str(toml_text).unwrap();
    SmtpMailer::new(&MailConfig::from_table(t["mail"].as_table().unwrap()).unwrap()).unwrap()
}

/// The value of the form field `name` in a page (inputs and textareas).
fn field<'a>(page: &'a str, name: &str) -> Option<&'a str> {
    let input = format!("name=\"{name}\" value=\"");
    if let Some(i) = page.find(&input) {
        let rest = &page[i + input.len()..];
        return rest.split('"').next();
    }
    let area = format!("name=\"{name}\"");
    let i = page.find(&area)?;
    let rest = &page[i..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</textarea>")?;
    Some(&rest[open..close])
}

/// Parses an iCalendar text with Python's `icalendar` package; returns its events as
/// (uid, date, summary) JSON.
fn parse_ics(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.ics");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import icalendar, json, sys\n\
             cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
             print(json.dumps([{'uid': str(e['UID']), 'date': e.decoded('DTSTART').isoformat(), \
             'end': e.decoded('DTEND').isoformat(), 'summary': str(e['SUMMARY']), \
             'description': str(e['DESCRIPTION'])} for e in cal.walk('VEVENT')]))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The text of a PDF as `pdftotext` (poppler) reads it.
fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_request_from_a_gap_is_sent_printed_in_the_calendar_and_its_reply_settles_the_gap() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let has_icalendar = Command::new("python3")
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    let has_pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    if !has_icalendar || !has_pdftotext {
        minewatch_testing::skip_or_fail(
            "the request end-to-end test",
            "pip install icalendar and apt-get install poppler-utils to run it",
        );
        return;
    }
    let app = TestApp::demo_with_mailer(mailer(&smtp.mail_toml())).await;
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let pack = builtin_pack();
    let today = pack.today(jiff::Timestamp::now());

    // The consultation gap of MV-900101 is unverified, and its page offers a request.
    let facts = app.store.facts(&pack).await.unwrap();
    let gap = evaluate(&pack, &facts, today)
        .gaps
        .into_iter()
        .find(|g| {
            &*g.duty == "mn.consultation-before-licensing" && &*g.subject == "demo-licence-mv900101"
        })
        .unwrap();
    let gap_href = format!("/gaps/{}", minewatch_web::gap_id(&gap));
    let page = coord.get(&gap_href).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("class=\"gap gap-unverified\""),
        "{}",
        page.body
    );
    let marker = "id=\"draft-request\" href=\"";
    let i = page.body.find(marker).expect("a draft-request link") + marker.len();
    let draft_href = page.body[i..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    // Readers are not offered it.
    assert!(
        !app.client()
            .get(&gap_href)
            .await
            .body
            .contains("draft-request")
    );

    // The new-request form comes filled in from the gap.
    let form = coord.get(&draft_href).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let b = &form.body;
    assert!(
        b.contains("<option value=\"demo-auth-zaamar-governor\" selected"),
        "addressee"
    );
    // The legal basis is chosen from the pack's duties, by title.
    assert!(
        b.contains("<option value=\"mn.consultation-before-licensing\" selected>"),
        "basis"
    );
    assert!(
        b.contains("<option value=\"demo-licence-mv900101\" selected"),
        "licence"
    );
    // It asks for the record of the act the duty asks (by the pack's name), not for
    // the coalition's own next-step advice.
    assert!(
        field(b, "ask").is_some_and(|a| a.contains("Community consulted on the licence")),
        "ask: {:?}",
        field(b, "ask")
    );
    let subject = field(b, "subject").unwrap().to_owned();
    let post = coord
        .post_form(
            "/requests",
            &format!(
                "request_type=information&authority_id=demo-auth-zaamar-governor&channel=email\
                 &subject={}&ask={}&basis_duty=mn.consultation-before-licensing\
                 &licence_id=demo-licence-mv900101&requester={}&email=governor%40zaamar.example\
                 &requester_contact.name=Bat&requester_contact.email=bat%40coalition.example\
                 &requester_contact.phone=99112233&signatory={}&outgoing_number=25%2F014",
                // The requester writes the title in the letter's language.
                minewatch_web::i18n::percent_encode(&format!(
                    "{subject} / Зөвлөлдсөн хурлын баримт"
                )),
                minewatch_web::i18n::percent_encode("Зөвлөлдсөн хурлын тэмдэглэл, ирцийн хуулбар"),
                minewatch_web::i18n::percent_encode("Заамарын иргэдийн хяналтын бүлэг"),
                minewatch_web::i18n::percent_encode("Б. Батбаяр, тэргүүн"),
            ),
        )
        .await;
    assert_eq!(post.status, StatusCode::SEE_OTHER, "{}", post.body);
    let location = post.header("location").to_owned();
    let id = location
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The requester's private email (where reminders go) is kept, and the correction
    // form shows it, so correcting the request does not drop it.
    let rid = minewatch_domain::RecordId::parse(&id).unwrap();
    let (_, q) = app.store.request(&rid).await.unwrap();
    let contact = q.requester_contact.expect("the private contact");
    assert_eq!(contact.email.as_deref(), Some("bat@coalition.example"));
    let edit = coord.get(&format!("/requests/{id}/edit")).await.body;
    assert_eq!(
        field(&edit, "requester_contact.email"),
        Some("bat@coalition.example")
    );
    // …and it never reaches the public page.
    assert!(
        !app.client()
            .get(&location)
            .await
            .body
            .contains("bat@coalition.example")
    );

    // The letter, ready to print, in Mongolian and in English.
    let letter = coord.get(&format!("/requests/{id}/letter")).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(
        letter
            .body
            .contains("Хүлээн авагч: Заамар сумын Засаг дарга"),
        "{}",
        letter.body
    );
    assert!(
        letter
            .body
            .contains("Зөвлөлдсөн хурлын тэмдэглэл, ирцийн хуулбар")
    );
    let en = coord.get(&format!("/requests/{id}/letter?lang=en")).await;
    assert!(
        en.body.contains("To: Governor of Zaamar soum"),
        "{}",
        en.body
    );
    // And as a PDF, whose text pdftotext (poppler) extracts as written, Cyrillic too.
    let pdf = coord.get(&format!("/requests/{id}/letter.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    let text = pdftotext(&pdf.bytes);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // A letter a paralegal can sign and send: who writes and where the reply goes,
    // the number, the addressee, the licence, the law in force today with its
    // article, the deadline and how it is counted, the signature and stamp lines.
    for want in [
        "Мэдээлэл хүсэх тухай",
        "Заамарын иргэдийн хяналтын бүлэг",
        "Албан бичгийн дугаар: 25/014",
        "Хүлээн авагч: Заамар сумын Засаг дарга",
        "Тусгай зөвшөөрөл: MV-900101",
        "Зөвлөлдсөн хурлын тэмдэглэл, ирцийн хуулбар",
        "Нийтийн мэдээллийн ил тод байдлын тухай хууль, 13 дугаар зүйл",
        "Хариу өгөх эцсийн хугацаа:",
        "ажлын 7 өдөр",
        "Гарын үсэг:",
        "Б. Батбаяр, тэргүүн",
        "Тамга",
    ] {
        assert!(
            text.contains(want),
            "{want:?} not in the PDF's text:\n{text}"
        );
    }
    // A private person's contact never goes to the authority: with no organisation
    // on the request, the reply address is a blank to fill in by hand.
    assert!(
        !text.contains("99112233") && !text.contains("bat@coalition.example"),
        "{text}"
    );
    assert!(
        letter.body.contains("id=\"letter-missing\"")
            && letter.body.contains("reply address, phone and email"),
        "{}",
        letter.body
    );
    // No internal id, no English words in the Mongolian letter (beyond the licence
    // number's prefix and the demo's fictional company name), no suffix glued to a name.
    assert!(!text.contains(&id), "{text}");
    assert!(!text.contains("-д\n") && !text.contains("Art."), "{text}");
    let english: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 2)
        .filter(|w| *w != "minewatch")
        .filter(|w| !subject.contains(w))
        .collect();
    assert!(
        english.is_empty(),
        "English in the Mongolian letter: {english:?}\n{text}"
    );
    let text_en = pdftotext(
        &coord
            .get(&format!("/requests/{id}/letter.pdf?lang=en"))
            .await
            .bytes,
    );
    assert!(text_en.contains("To: Governor of Zaamar soum"), "{text_en}");
    assert!(
        text_en.contains("Signature:") && text_en.contains("working days"),
        "{text_en}"
    );
    assert_ne!(
        app.client()
            .get(&format!("/requests/{id}/letter.pdf"))
            .await
            .status,
        StatusCode::OK
    );
    // The public may not print it (it names the requester), nor send it.
    assert_ne!(
        app.client()
            .get(&format!("/requests/{id}/letter"))
            .await
            .status,
        StatusCode::OK
    );

    // Sent by email: the message arrives, and the page shows the clock running.
    let page = coord.get(&location).await;
    assert!(page.body.contains("id=\"request-send\""), "{}", page.body);
    let sent = coord.post_form(&format!("/requests/{id}/send"), "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let raw = String::from_utf8_lossy(&mails[0]);
    assert!(raw.contains("X-Was-Tls: True"));
    assert!(raw.contains("X-Envelope-To: governor@zaamar.example"));
    let page = coord.get(&format!("/requests/{id}")).await.body;
    assert!(
        page.contains("class=\"request-state state-sent\""),
        "{page}"
    );
    assert!(!page.contains("id=\"request-send\""), "not offered twice");

    // The deadline is in the workspace's calendar feed, read by a real parser.
    let cal = coord.get("/requests/calendar").await;
    assert_eq!(cal.status, StatusCode::OK);
    let marker = "id=\"feed-workspace\" href=\"";
    let i = cal.body.find(marker).unwrap() + marker.len();
    let feed_href = cal.body[i..].split('"').next().unwrap().to_owned();
    let feed = app.client().get(&feed_href).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.header("content-type").starts_with("text/calendar"));
    let events = parse_ics(&feed.body);
    let mine = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uid"] == format!("{id}@minewatch"))
        .expect("the request's deadline in the feed");
    let (_, q) = app
        .store
        .request(&minewatch_domain::RecordId::parse(&id).unwrap())
        .await
        .unwrap();
    let due =
        minewatch_domain::requests::standing(&pack, q.request_type, q.channel, &q.steps, today)
            .due
            .unwrap();
    assert_eq!(mine["date"], due.to_string());
    assert_eq!(mine["end"], due.tomorrow().unwrap().to_string());
    assert!(
        mine["summary"]
            .as_str()
            .unwrap()
            .contains("Заамар сумын Засаг дарга")
    );
    assert!(
        mine["description"]
            .as_str()
            .unwrap()
            .contains("working days")
    );
    // The overdue demo request is there too; a wrong token finds nothing.
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["uid"] == "demo-request-licences@minewatch")
    );
    let wrong = feed_href
        .replace("/workspace/", "/workspace/0")
        .replace("/deadlines", "0/deadlines");
    assert_eq!(app.client().get(&wrong).await.status, StatusCode::NOT_FOUND);
    // The coordinator's own feed has only the requests they created.
    let marker = "id=\"feed-mine\" href=\"";
    let i = cal.body.find(marker).unwrap() + marker.len();
    let own = parse_ics(
        &app.client()
            .get(cal.body[i..].split('"').next().unwrap())
            .await
            .body,
    );
    let uids: Vec<&str> = own
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, [format!("{id}@minewatch")]);

    // The reply: no consultation took place. The gap turns breached, citing the request.
    let step = coord
        .post_form(
            &format!("/requests/{id}/step"),
            &format!(
                "state=answered&date={today}&note={}&finding=not-done",
                minewatch_web::i18n::percent_encode("Хурал хийгдээгүй гэж хариулсан")
            ),
        )
        .await;
    assert_eq!(step.status, StatusCode::SEE_OTHER, "{}", step.body);
    let gap_page = coord.get(&gap_href).await.body;
    assert!(
        gap_page.contains("class=\"gap gap-breached\""),
        "{gap_page}"
    );
    assert!(
        gap_page.contains(&format!("/requests/{id}")),
        "the reply is the evidence"
    );
    // A move the states do not allow is refused with the step named.
    let bad = coord
        .post_form(
            &format!("/requests/{id}/step"),
            &format!("state=sent&date={today}"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("cannot go from answered to sent"),
        "{}",
        bad.body
    );

    // The authority's page counts it: sent and answered in time.
    let auth = app.get("/authorities/demo-auth-zaamar-governor").await.body;
    assert!(auth.contains("id=\"request-stats\""), "{auth}");
    let stats = &auth[auth.find("id=\"request-stats\"").unwrap()..];
    assert!(
        stats.contains("<dt>Answered in time</dt><dd>1</dd>"),
        "{stats}"
    );
    assert!(
        stats.contains("<dt>Never answered (overdue)</dt><dd>1</dd>"),
        "the demo's minutes request: {stats}"
    );
}

#[tokio::test]
async fn sending_without_mail_set_up_or_to_a_refusing_server_marks_nothing_sent() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::demo_with_mailer(mailer(&smtp.mail_toml())).await;
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let post = coord
        .post_form(
            "/requests",
            "request_type=information&authority_id=demo-auth-mrpam&channel=email\
             &subject=Licences&ask=The+list&email=bounce%40mrpam.example",
        )
        .await;
    assert_eq!(post.status, StatusCode::SEE_OTHER, "{}", post.body);
    let id = post
        .header("location")
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = coord.post_form(&format!("/requests/{id}/send"), "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = coord.get(&format!("/requests/{id}")).await.body;
    assert!(
        page.contains("class=\"request-state state-failed\""),
        "{page}"
    );
    assert!(page.contains("id=\"send-error\""), "the error is shown");
    assert!(page.contains("550"), "with the server's words: {page}");
    assert!(
        page.contains("id=\"request-send\""),
        "and sending is offered again"
    );
    assert!(smtp.messages().is_empty());

    // Without [mail], sending is refused with a message that says what to do.
    let plain = TestApp::demo().await;
    let pw = plain
        .add_user("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let coord = plain.login("coord", &pw).await;
    let r = coord
        .post_form(
            "/requests/demo-request-complaint/step",
            "state=withdrawn&date=2026-11-26",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let post = coord
        .post_form(
            "/requests",
            "request_type=information&authority_id=demo-auth-mrpam&channel=email&subject=X&ask=Y&email=a%40b.example",
        )
        .await;
    let id = post
        .header("location")
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = coord.post_form(&format!("/requests/{id}/send"), "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("[mail]"), "{}", r.body);
    let page = coord.get(&format!("/requests/{id}")).await.body;
    assert!(
        page.contains("class=\"request-state state-draft\""),
        "{page}"
    );
}

/// The request form has no JSON or codes: steps come from the page's buttons and are
/// kept by a correction, the legal basis is a duty by its title and law, and who may see
/// each field is a choice per field.
#[tokio::test]
async fn the_request_form_asks_nothing_in_json_or_codes() {
    let app = TestApp::demo().await;
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let edit = coord.get("/requests/demo-request-emp/edit").await;
    assert_eq!(edit.status, StatusCode::OK);
    let b = &edit.body;
    assert!(!b.contains("name=\"steps\""), "no steps to type");
    assert!(
        !b.contains("summary=case_team") && !b.contains("field=level"),
        "{b}"
    );
    assert!(b.contains("<select id=\"f-basis_duty\""), "{b}");
    assert!(
        b.contains("Answer an information request (2021 law) (Law on Transparency of Public Information, Art. 13)"),
        "the basis by its title and law: {b}"
    );
    assert!(b.contains("name=\"field_visibility.ask\""), "{b}");
    // Correct it through the form as a browser would post it, hiding `ask` from
    // anyone outside the case team: the steps stay, the level is stored per field.
    let (before, q) = app
        .store
        .request(&minewatch_domain::RecordId::parse("demo-request-emp").unwrap())
        .await
        .unwrap();
    let mut form: Vec<(String, String)> = vec![
        ("base".into(), before.head.clone()),
        ("request_type".into(), "information".into()),
        ("authority_id".into(), q.authority_id.to_string()),
        ("channel".into(), q.channel.as_str().into()),
        ("subject".into(), q.subject.clone()),
        ("ask".into(), q.ask.clone()),
        ("field_visibility.ask".into(), "case_team".into()),
    ];
    if let Some(l) = &q.licence_id {
        form.push(("licence_id".into(), l.to_string()));
    }
    if let Some(c) = &q.community_id {
        form.push(("community_id".into(), c.to_string()));
    }
    let body = serde_urlencoded::to_string(&form).unwrap();
    let post = coord
        .post_form("/requests/demo-request-emp/edit", &body)
        .await;
    assert_eq!(post.status, StatusCode::SEE_OTHER, "{}", post.body);
    let (after, q2) = app
        .store
        .request(&minewatch_domain::RecordId::parse("demo-request-emp").unwrap())
        .await
        .unwrap();
    assert_eq!(q2.steps.len(), q.steps.len(), "the steps are kept");
    assert_eq!(
        after.payload["field_visibility"],
        serde_json::json!({"ask": "case_team"})
    );
    // The list says where each request stands and when its answer is due.
    let list = coord.get("/requests").await.body;
    assert!(list.contains("Answer due 20"), "{list}");
    assert!(
        list.contains("overdue") || list.contains("answered"),
        "{list}"
    );

    // A request drafted from a gap goes on paper where no mail server is set up, and
    // is the drafting paralegal's community's.
    let para = app
        .signed_in(
            "para",
            Role::Paralegal,
            Scope::Community(
                minewatch_domain::RecordId::parse("demo-community-zaamar-centre").unwrap(),
            ),
        )
        .await;
    let gaps = para
        .get("/gaps?licence=demo-licence-mv900101&status=unverified")
        .await
        .body;
    let at = gaps.find("href=\"/gaps/").expect("a gap of MV-900101") + 6;
    let gap_href = gaps[at..].split('"').next().unwrap().to_owned();
    let page = para.get(&gap_href).await.body;
    let marker = "id=\"draft-request\" href=\"";
    let i = page.find(marker).expect("a draft-request link") + marker.len();
    let draft_href = page[i..].split('"').next().unwrap().replace("&amp;", "&");
    let draft = para.get(&draft_href).await.body;
    assert!(
        draft.contains("<option value=\"paper\" selected"),
        "{draft}"
    );
    assert!(
        draft.contains("<option value=\"demo-community-zaamar-centre\" selected"),
        "{draft}"
    );
}
