//! Requests end to end against a real SMTP server on loopback: composed from a gap,
//! sent with STARTTLS, overdue when the (injected) clock passes the due date, a
//! complaint drafted once, and a reply's finding changing the gap.

use std::process::Command;

use jiff::civil::{Date, date};
use minewatch_domain::engine::{Status, evaluate};
use minewatch_domain::requests::{self, Finding, State, Step};
use minewatch_domain::{Lang, Pack, RecordId, RecordKind};
use minewatch_store::demo;
use minewatch_store::mail::{MailConfig, SmtpMailer};
use minewatch_store::{Author, SendOutcome, Store, StoreError};
use minewatch_testing::SmtpServer;

fn mailer(toml_text: &str) -> SmtpMailer {
    let t: toml::Table = toml::from_str(toml_text).unwrap();
    let mail = t["mail"].as_table().unwrap();
    SmtpMailer::new(&MailConfig::from_table(mail).unwrap()).unwrap()
}

async fn gap_status(store: &Store, pack: &Pack, as_of: Date) -> (Status, Vec<String>) {
    let facts = store.facts(pack).await.unwrap();
    let eval = evaluate(pack, &facts, as_of);
    let g = eval
        .gaps
        .iter()
        .find(|g| {
            &*g.duty == "mn.consultation-before-licensing" && &*g.subject == "demo-licence-mv900101"
        })
        .expect("the consultation gap");
    (g.status, g.evidence.iter().map(|e| e.to_string()).collect())
}

async fn state_of(store: &Store, pack: &Pack, r: &RecordId, day: Date) -> State {
    let (_, q) = store.request(r).await.unwrap();
    requests::standing(pack, q.request_type, q.channel, &q.steps, day).state
}

/// Reads a received message with Python's `email` package (an independent parser):
/// the decoded headers and the decoded text body.
fn parse_mail(raw: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.eml");
    std::fs::write(&path, raw).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import email, email.policy, json, sys\n\
             m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)\n\
             print(json.dumps({k: str(m[k]) for k in ['From', 'To', 'Subject', 'Message-ID', 'Content-Type', 'Date', 'X-Was-Tls', 'X-Envelope-To']} | {'body': m.get_content()}))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub async fn compose_send_overdue_complain_and_settle(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let pack = Pack::mongolian().unwrap();
    let me = Author::system();
    demo::load(&store).await.unwrap();
    let d0 = date(2026, 12, 1);
    assert_eq!(gap_status(&store, &pack, d0).await.0, Status::Unverified);

    // Compose from the gap: addressee, basis and licence come from it.
    let facts = store.facts(&pack).await.unwrap();
    let gap = evaluate(&pack, &facts, d0)
        .gaps
        .into_iter()
        .find(|g| {
            &*g.duty == "mn.consultation-before-licensing" && &*g.subject == "demo-licence-mv900101"
        })
        .unwrap();
    let mut draft = requests::draft_for_gap(&pack, &gap, Lang::Mn);
    assert_eq!(draft["authority_id"], "demo-auth-zaamar-governor");
    assert_eq!(draft["licence_id"], "demo-licence-mv900101");
    assert_eq!(draft["basis_duty"], "mn.consultation-before-licensing");
    draft["requester"] = "Заамарын иргэдийн хяналтын бүлэг".into();
    draft["email"] = "governor@zaamar.example".into();
    draft["requester_contact"] =
        serde_json::json!({"name": "Бат-Эрдэнэ", "email": "bat@coalition.example"});
    let r = store
        .put(&me, RecordKind::Request, draft)
        .await
        .unwrap()
        .record_id;
    let letter = store.request_letter(&pack, &r, Lang::Mn, d0).await.unwrap();
    assert!(
        letter
            .body
            .contains("Хүлээн авагч: Заамар сумын Засаг дарга"),
        "{}",
        letter.body
    );
    // What only a person can give is left blank: the reply address (no organisation
    // on the request, and a private contact never goes to the authority), the
    // outgoing number and who signs.
    assert_eq!(letter.missing, ["sender_contact", "number", "signatory"]);
    assert!(
        letter.body.contains("Тусгай зөвшөөрөл: MV-900101"),
        "{}",
        letter.body
    );

    // Send over SMTP with STARTTLS: it arrives with the right headers and Cyrillic.
    let good = mailer(&smtp.mail_toml());
    let outcome = store.send_request(&me, &pack, &good, &r, d0).await.unwrap();
    assert_eq!(outcome, SendOutcome::Sent);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let m = parse_mail(&mails[0]);
    assert_eq!(m["X-Was-Tls"], "True", "{m}");
    assert_eq!(m["X-Envelope-To"], "governor@zaamar.example");
    assert_eq!(m["To"], "governor@zaamar.example");
    assert_eq!(m["From"], "Zaamar coalition <coalition@example.org>");
    assert_eq!(m["Message-ID"], format!("<{r}.1@minewatch.invalid>"));
    let ct = m["Content-Type"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .replace('"', "");
    assert!(
        ct.starts_with("text/plain") && ct.contains("charset=utf-8"),
        "{m}"
    );
    assert!(
        !body_of(&m).contains("хуульд заагаагүй"),
        "policy is not cited to an authority"
    );
    assert_eq!(m["Subject"], gap_title(&pack));
    let body = m["body"].as_str().unwrap();
    assert!(
        body.contains("Хүлээн авагч: Заамар сумын Засаг дарга"),
        "{body}"
    );
    assert!(body.contains("Заамарын иргэдийн хяналтын бүлэг"), "{body}");
    // The private contact never goes to the authority.
    assert!(!body.contains("bat@coalition.example"));
    let (_, q) = store.request(&r).await.unwrap();
    let states: Vec<State> = q.steps.iter().map(|s| s.state).collect();
    assert_eq!(states, [State::Sending, State::Sent]);

    // Time passes: on the due date it is still awaited, the day after it is overdue.
    let st = requests::standing(&pack, q.request_type, q.channel, &q.steps, d0);
    let due = st.due.unwrap();
    assert_eq!(state_of(&store, &pack, &r, due).await, State::Sent);
    let late = due.tomorrow().unwrap();
    assert_eq!(state_of(&store, &pack, &r, late).await, State::Overdue);
    let nothing = store.run_daily(&pack, Some(&good), due).await.unwrap();
    assert!(!nothing.overdue.contains(&r), "{nothing:?}");
    let report = store.run_daily(&pack, Some(&good), late).await.unwrap();
    assert!(report.overdue.contains(&r), "{report:?}");
    let (_, complaint) = report
        .drafted
        .iter()
        .find(|(of, _)| *of == r)
        .cloned()
        .expect("a complaint drafted");
    assert_eq!(report.reminded, vec![r.clone()]);
    // Idempotent: a second run the same day (or later) drafts and reminds nothing new.
    let again = store.run_daily(&pack, Some(&good), late).await.unwrap();
    assert!(again.overdue.contains(&r));
    assert!(again.drafted.iter().all(|(of, _)| *of != r), "{again:?}");
    assert!(again.reminded.is_empty());
    let reminder = parse_mail(smtp.messages().last().unwrap());
    assert_eq!(reminder["To"], "bat@coalition.example");
    assert!(
        reminder["body"]
            .as_str()
            .unwrap()
            .contains(complaint.as_str())
    );
    let (c_record, c) = store.request(&complaint).await.unwrap();
    assert_eq!(c.request_type, requests::RequestType::Complaint);
    // It goes to the body that supervises the silent one (the aimag governor over
    // the soum governor), restates what was asked, and stays with the case team.
    assert_eq!(c.authority_id.as_str(), "demo-auth-tov-governor");
    assert!(c.ask.contains(&q.ask), "{}", c.ask);
    assert_eq!(c_record.payload["visibility"], "case_team");
    assert_eq!(c.about_request_id.as_ref(), Some(&r));
    assert!(c.steps.is_empty(), "a draft");
    let cl = store
        .request_letter(&pack, &complaint, Lang::En, late)
        .await
        .unwrap();
    assert!(!cl.body.contains("unknown"), "{}", cl.body);
    assert!(
        cl.body.contains(&format!("Reply due by: {due}")),
        "{}",
        cl.body
    );
    assert!(
        cl.body.contains("No reply came by the due date."),
        "{}",
        cl.body
    );
    assert!(cl.body.contains("To: Governor of Töv aimag"), "{}", cl.body);

    // The reply comes on paper: no consultation was held. Its scan is attached to the
    // request, and the answer step cites it. The gap turns breached, citing the request.
    let blob_dir = tempfile::tempdir().unwrap();
    let blobs = minewatch_store::blobs::BlobStore::open(
        &minewatch_store::blobs::BlobConfig::local(blob_dir.path()),
    )
    .unwrap();
    let scan = |about: &RecordId| minewatch_store::media::NewMedia {
        about: vec![about.clone()],
        filename: Some("reply-scan.jpg".into()),
        caption: Some("The governor's reply".into()),
        declared_type: None,
        visibility: None,
        today: late,
        provenance: None,
    };
    let jpeg = || {
        Box::pin(futures::stream::iter([Ok::<_, String>(
            bytes::Bytes::from_static(include_bytes!(
                "../../../minewatch-formats/tests/data/dust.jpg"
            )),
        )]))
    };
    let reply_scan = store
        .add_media(&blobs, &me, scan(&r), jpeg())
        .await
        .unwrap();
    let elsewhere = RecordId::parse("demo-licence-mv900101").unwrap();
    let other_scan = store
        .add_media(&blobs, &me, scan(&elsewhere), jpeg())
        .await
        .unwrap();
    let mut reply = Step {
        date: late,
        state: State::Answered,
        note: Some("The governor writes that no consultation meeting was held.".into()),
        days: None,
        finding: Some(Finding::NotDone),
        media_id: Some(other_scan.written.record_id.clone()),
    };
    let refused = store.add_request_step(&me, &r, reply.to_json(), None).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(f)) if f[0].field == "media_id"),
        "{refused:?}"
    );
    reply.media_id = Some(reply_scan.written.record_id.clone());
    store
        .add_request_step(&me, &r, reply.to_json(), None)
        .await
        .unwrap();
    let stored = store.get(&r).await.unwrap();
    assert_eq!(
        stored.payload["steps"].as_array().unwrap().last().unwrap()["media_id"],
        reply_scan.written.record_id.as_str()
    );
    let (status, evidence) = gap_status(&store, &pack, late).await;
    assert_eq!(status, Status::Breached);
    assert!(evidence.contains(&r.to_string()), "{evidence:?}");
    assert_eq!(state_of(&store, &pack, &r, late).await, State::Answered);
    // Every move is a ledger entry by its author.
    let history = store.history(&r).await.unwrap();
    assert_eq!(history.len(), 4, "put, sending, sent, answered");
}

fn body_of(m: &serde_json::Value) -> &str {
    m["body"].as_str().unwrap()
}

fn gap_title(pack: &Pack) -> String {
    pack.duty("mn.consultation-before-licensing")
        .unwrap()
        .title
        .get(Lang::Mn)
        .to_owned()
}

pub async fn failed_sends_stay_unsent_and_are_retried(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let pack = Pack::mongolian().unwrap();
    let me = Author::system();
    demo::load(&store).await.unwrap();
    let today = date(2026, 12, 1);
    let new = |email: &str| {
        serde_json::json!({
            "request_type": "information",
            "authority_id": "demo-auth-mrpam",
            "channel": "email",
            "subject": "Лицензийн жагсаалт",
            "ask": "Заамар сумын лицензийн жагсаалт",
            "email": email,
        })
    };
    // A recipient the server refuses: failed, with the server's words, not sent.
    let bounce = store
        .put(&me, RecordKind::Request, new("bounce@mrpam.example"))
        .await
        .unwrap()
        .record_id;
    let good = mailer(&smtp.mail_toml());
    let SendOutcome::Failed(why) = store
        .send_request(&me, &pack, &good, &bounce, today)
        .await
        .unwrap()
    else {
        panic!("a refused recipient is not sent");
    };
    assert!(why.contains("550"), "{why}");
    let (_, q) = store.request(&bounce).await.unwrap();
    assert_eq!(q.steps.last().unwrap().state, State::Failed);
    assert_eq!(q.steps.last().unwrap().note.as_deref(), Some(why.as_str()));
    assert!(q.steps.iter().all(|s| s.state != State::Sent));
    assert!(smtp.messages().is_empty());

    // The server is down: failed, and the daily job sends it once the server is back.
    let down_port = minewatch_testing::free_port();
    let down = mailer(&smtp.mail_toml().replace(
        &format!("port = {}", smtp.port),
        &format!("port = {down_port}"),
    ));
    let r = store
        .put(&me, RecordKind::Request, new("info@mrpam.example"))
        .await
        .unwrap()
        .record_id;
    let outcome = store
        .send_request(&me, &pack, &down, &r, today)
        .await
        .unwrap();
    assert!(matches!(outcome, SendOutcome::Failed(_)), "{outcome:?}");
    assert_eq!(state_of(&store, &pack, &r, today).await, State::Failed);
    let retry = store.run_daily(&pack, Some(&down), today).await.unwrap();
    assert!(
        retry
            .retried
            .iter()
            .any(|(x, o)| *x == r && matches!(o, SendOutcome::Failed(_)))
    );
    let next_day = today.tomorrow().unwrap();
    let retry = store.run_daily(&pack, Some(&good), next_day).await.unwrap();
    assert!(
        retry.retried.contains(&(r.clone(), SendOutcome::Sent)),
        "{retry:?}"
    );
    let (_, q) = store.request(&r).await.unwrap();
    let st = requests::standing(&pack, q.request_type, q.channel, &q.steps, next_day);
    assert_eq!(
        st.clock_start,
        Some(next_day),
        "the clock starts when it was really sent"
    );
    assert_eq!(smtp.messages().len(), 1);

    // A crash mid-send leaves `sending`: the same day a second send is refused (it may
    // still be in flight) and the job leaves it; the next day it is resumed with the
    // crashed attempt's Message-ID, so the receiving side can tell a duplicate.
    let crashed = store
        .put(&me, RecordKind::Request, new("info2@mrpam.example"))
        .await
        .unwrap()
        .record_id;
    let sending = Step {
        date: today,
        state: State::Sending,
        note: None,
        days: None,
        finding: None,
        media_id: None,
    };
    store
        .add_request_step(&me, &crashed, sending.to_json(), None)
        .await
        .unwrap();
    let err = store
        .send_request(&me, &pack, &good, &crashed, today)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is being sent"), "{err}");
    let same_day = store.run_daily(&pack, Some(&good), today).await.unwrap();
    assert!(
        same_day.retried.iter().all(|(x, _)| *x != crashed),
        "{same_day:?}"
    );
    let resumed = store.run_daily(&pack, Some(&good), next_day).await.unwrap();
    assert!(
        resumed
            .retried
            .contains(&(crashed.clone(), SendOutcome::Sent)),
        "{resumed:?}"
    );
    let (_, q) = store.request(&crashed).await.unwrap();
    let states: Vec<State> = q.steps.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [State::Sending, State::Sent],
        "no second sending step"
    );
    let raw = smtp.messages().pop().unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains(&format!("<{crashed}.1@minewatch.invalid>")),
        "{text}"
    );
    let before = smtp.messages().len();

    // Without an address anywhere: failed with a message that says what to do.
    let mut no_addr = new("x@y.example");
    no_addr.as_object_mut().unwrap().remove("email");
    let r2 = store
        .put(&me, RecordKind::Request, no_addr)
        .await
        .unwrap()
        .record_id;
    let SendOutcome::Failed(why) = store
        .send_request(&me, &pack, &good, &r2, today)
        .await
        .unwrap()
    else {
        panic!("nowhere to send");
    };
    assert!(why.contains("no email address"), "{why}");
    // A paper request is not sent by email, and a sent one is not sent again.
    let err = store
        .send_request(&me, &pack, &good, &r, next_day)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("only a draft or a failed request"),
        "{err}"
    );
    assert_eq!(smtp.messages().len(), before, "nothing sent twice");
    // Nothing is sent by a job without a mailer, and it drafts without reminding.
    let report = store
        .run_daily::<SmtpMailer>(&pack, None, next_day)
        .await
        .unwrap();
    assert!(report.retried.is_empty());
}
