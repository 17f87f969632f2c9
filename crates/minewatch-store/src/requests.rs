//! The request workflow: moving a request from state to state (each move a ledger
//! entry, checked against the allowed moves), its letter from the pack's template,
//! sending it by email, and the daily job that retries failed sends, drafts a
//! complaint for every overdue request and reminds the requester.
//!
//! Overdue is never stored: it is computed from the steps and the pack on every read,
//! so the job "marks" nothing; it acts on what it finds overdue, once. Its actions are
//! idempotent: a complaint is drafted only for a request no complaint is about yet.

use std::collections::BTreeMap;

use jiff::civil::Date;
use minewatch_domain::law::letter::{self, Letter};
use minewatch_domain::records::Request;
use minewatch_domain::requests::{self, RequestType, State, Step};
use minewatch_domain::{Lang, Pack, Record, RecordId, RecordKind};
use serde_json::{Value, json};

use crate::mail::{Mailer, OutgoingMail};
use crate::{Author, Store, StoreError, StoredRecord, Written};

/// What sending a request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server accepted it; the request is `sent` (the clock runs).
    Sent,
    /// It was not sent; the request is `failed` with this error, and will be retried.
    Failed(String),
}

/// What one run of the daily job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyReport {
    pub today: Option<Date>,
    /// Requests overdue or very overdue today.
    pub overdue: Vec<RecordId>,
    /// Complaints drafted: (the overdue request, the new draft).
    pub drafted: Vec<(RecordId, RecordId)>,
    /// Sends retried, with their outcome.
    pub retried: Vec<(RecordId, SendOutcome)>,
    /// Reminders sent to requesters (the overdue request), and failures.
    pub reminded: Vec<RecordId>,
    pub reminder_errors: Vec<(RecordId, String)>,
    /// Complaints that could not be drafted, and why (the job goes on with the rest).
    pub errors: Vec<(RecordId, String)>,
}

/// The language letters are written in when none is asked for: the pack's country's.
pub const LETTER_LANG: Lang = Lang::Mn;

impl Store {
    /// A request record, typed.
    pub async fn request(&self, id: &RecordId) -> Result<(StoredRecord, Request), StoreError> {
        let r = self.get(id).await?;
        match r.typed() {
            Ok(Record::Request(q)) if !r.retracted => Ok((r, q)),
            Ok(Record::Request(_)) => {
                Err(StoreError::Conflict(format!("request {id} was retracted")))
            }
            _ => Err(StoreError::NotFound { id: id.to_string() }),
        }
    }

    /// Moves a request on by one step (`{date, state, …}` as stored; a correction in
    /// the ledger, by `author`). The move is checked against the allowed moves; `base` (the version the user saw)
    /// refuses a move on a request someone else changed meanwhile.
    pub async fn add_request_step(
        &self,
        author: &Author,
        id: &RecordId,
        step: Value,
        base: Option<&str>,
    ) -> Result<Written, StoreError> {
        let (r, _) = self.request(id).await?;
        // A step's evidence file must be one attached to this request.
        if let Some(m) = step.get("media_id").and_then(Value::as_str) {
            let about_this = match RecordId::parse(m) {
                Some(mid) => self
                    .media_about(id, None)
                    .await?
                    .iter()
                    .any(|media| media.id == mid),
                None => false,
            };
            if !about_this {
                return Err(StoreError::Invalid(vec![
                    minewatch_domain::FieldError::new(
                        "media_id",
                        "wrong-reference",
                        format!(
                            "{m} is not an evidence file of this request: add the file on the request's page first"
                        ),
                    ),
                ]));
            }
        }
        let mut payload = r.payload.clone();
        let obj = payload
            .as_object_mut()
            .ok_or_else(|| StoreError::Corrupt(format!("request {id}: payload")))?;
        let steps = obj
            .entry("steps")
            .or_insert_with(|| Value::Array(Vec::new()));
        match steps {
            Value::Array(list) => list.push(step),
            _ => return Err(StoreError::Corrupt(format!("request {id}: steps"))),
        }
        self.correct(author, id, payload, Some(base.unwrap_or(&r.head)))
            .await
    }

    /// The letter of a request in `lang`, filled from the pack's template for its type.
    pub async fn request_letter(
        &self,
        pack: &Pack,
        id: &RecordId,
        lang: Lang,
        today: Date,
    ) -> Result<Letter, StoreError> {
        let (_, q) = self.request(id).await?;
        // The law of the day the request went (or goes, if it goes today).
        let sent = requests::standing(pack, q.request_type, q.channel, &q.steps, today)
            .clock_start
            .unwrap_or(today);
        let template = letter::template_for(pack, q.request_type, sent).ok_or_else(|| {
            StoreError::Config(format!(
                "the pack has no letter template for {} requests (templates.toml)",
                q.request_type.as_str()
            ))
        })?;
        let mut values: BTreeMap<&str, String> = BTreeMap::new();
        values.insert(
            "addressee",
            self.authority_name(&q.authority_id, lang).await,
        );
        if let Some(who) = q
            .requester
            .clone()
            .or_else(|| q.requester_contact.as_ref().and_then(|c| c.name.clone()))
        {
            values.insert("requester", who);
        }
        values.insert("basis", basis(pack, &q, lang, sent));
        values.insert("ask", q.ask.clone());
        values.insert("subject", q.subject.clone());
        // Who writes and where the reply goes: the organisation's office. A private
        // person's name and contact never go to the authority (reprisals): without an
        // organisation those lines stay blank, to fill in by hand.
        let org = match &q.organisation_id {
            Some(id) => match self.get(id).await.map(|r| r.typed()) {
                Ok(Ok(Record::Organisation(o))) => Some(o),
                _ => None,
            },
            None => None,
        };
        let sender = org
            .as_ref()
            .map(|o| o.name.get(lang).to_owned())
            .or_else(|| q.requester.clone());
        if let Some(s) = &sender {
            values.insert("sender", s.clone());
        }
        let contact_lines: Vec<String> = org
            .iter()
            .flat_map(|o| [&o.address, &o.phone, &o.email])
            .flatten()
            .cloned()
            .collect();
        if !contact_lines.is_empty() {
            values.insert("sender_contact", contact_lines.join("\n"));
        }
        if let Some(n) = &q.outgoing_number {
            values.insert("number", n.clone());
        }
        if let Some(who) = &q.signatory {
            values.insert("signatory", who.clone());
        }
        if let Some(l) = &q.licence_id {
            values.insert("licence", self.licence_line(l, lang).await);
        }
        if let Some(count) =
            requests::duty_for(pack, q.request_type, sent).and_then(|d| d.day_count())
        {
            use minewatch_domain::law::calendar::DayCount;
            let text = match (count, lang) {
                (DayCount::Working(n), Lang::Mn) => format!("ажлын {n} өдөр"),
                (DayCount::Working(n), Lang::En) => format!("{n} working days"),
                (DayCount::Calendar(n), Lang::Mn) => format!("{n} хоног"),
                (DayCount::Calendar(n), Lang::En) => format!("{n} days"),
            };
            values.insert("due_count", text);
        }
        let st = requests::standing(pack, q.request_type, q.channel, &q.steps, today);
        let (date, due) = match (st.clock_start, st.due) {
            (Some(start), due) => (start, due),
            // Not sent yet: the due date if it went today.
            (None, _) => {
                let as_if = [Step {
                    date: today,
                    state: clock_state(q.channel),
                    note: None,
                    days: None,
                    finding: None,
                    media_id: None,
                }];
                let st = requests::standing(pack, q.request_type, q.channel, &as_if, today);
                (today, st.due)
            }
        };
        values.insert("date", date.to_string());
        if let Some(due) = due {
            values.insert("due", due.to_string());
        }
        if let Some(about) = &q.about_request_id
            && let Ok((_, first)) = self.request(about).await
        {
            let st =
                requests::standing(pack, first.request_type, first.channel, &first.steps, today);
            if let Some(sent) = st.clock_start {
                values.insert("sent", sent.to_string());
            }
            if let Some(due) = st.due {
                // The complaint's {due} is the missed deadline.
                values.insert("due", due.to_string());
            }
            values.insert(
                "original_addressee",
                self.authority_name(&first.authority_id, lang).await,
            );
            values.insert("original_ask", first.ask.clone());
            values.insert("subject", first.subject.clone());
        }
        Ok(letter::fill(template, lang, &values))
    }

    /// The body that hears complaints about `authority`: a recorded authority of the
    /// type the pack names as its supervisor, governing the same place (the aimag
    /// governor over a soum governor). `None` where the pack names none or none is
    /// recorded, or two are equally close.
    pub async fn supervisor_of(
        &self,
        pack: &Pack,
        authority: &RecordId,
    ) -> Result<Option<RecordId>, StoreError> {
        let Ok(Record::Authority(a)) = self.get(authority).await?.typed() else {
            return Ok(None);
        };
        let Some(sup) = pack
            .authority_type(&a.authority_type)
            .and_then(|t| t.supervisor.clone())
        else {
            return Ok(None);
        };
        let all: Vec<(RecordId, minewatch_domain::records::Authority)> = self
            .all_of(RecordKind::Authority)
            .await?
            .into_iter()
            .filter_map(|r| match r.typed() {
                Ok(Record::Authority(x)) if x.authority_type == sup => Some((r.id, x)),
                _ => None,
            })
            .collect();
        let aimag = a.aimag.clone().unwrap_or_default();
        let soum = a.soum.clone().unwrap_or_default();
        let governing = minewatch_domain::spatial::governing(
            all.iter().map(|(id, x)| (id.as_str(), x)),
            &aimag,
            &soum,
        );
        Ok(governing.get(&sup).and_then(|id| RecordId::parse(id)))
    }

    /// A licence as a letter names it: its number, its holder and its place.
    async fn licence_line(&self, id: &RecordId, lang: Lang) -> String {
        let Ok(Ok(Record::Licence(l))) = self.get(id).await.map(|r| r.typed()) else {
            return id.to_string();
        };
        let holder = match self.get(&l.holder_id).await.map(|r| r.typed()) {
            Ok(Ok(Record::Company(c))) => Some(c.name.get(lang).to_owned()),
            _ => None,
        };
        let place: Vec<&str> = [l.aimag.get(lang), l.soum.get(lang)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let mut parts = vec![l.number.to_string()];
        parts.extend(holder);
        if !place.is_empty() {
            parts.push(place.join(", "));
        }
        match parts.as_slice() {
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} ({})", rest.join("; ")),
            [] => String::new(),
        }
    }

    async fn authority_name(&self, id: &RecordId, lang: Lang) -> String {
        match self.get(id).await.map(|r| r.typed()) {
            Ok(Ok(Record::Authority(a))) => a.name.get(lang).to_owned(),
            _ => id.to_string(),
        }
    }

    /// Where an email request goes: its own address, else the authority's.
    async fn request_address(&self, q: &Request) -> Option<String> {
        if let Some(e) = &q.email {
            return Some(e.clone());
        }
        match self.get(&q.authority_id).await.map(|r| r.typed()) {
            Ok(Ok(Record::Authority(a))) => a.email,
            _ => None,
        }
    }

    /// Sends an email request: records `sending`, hands the letter to `mailer`, then
    /// records `sent` (the clock starts) or `failed` with the server's error. Nothing
    /// is recorded sent that the server did not accept; a crash between the two leaves
    /// it `sending`, which the daily job retries.
    pub async fn send_request<M: Mailer>(
        &self,
        author: &Author,
        pack: &Pack,
        mailer: &M,
        id: &RecordId,
        today: Date,
    ) -> Result<SendOutcome, StoreError> {
        let (r, q) = self.request(id).await?;
        if q.channel != requests::Channel::Email {
            return Err(StoreError::Conflict(format!(
                "request {id} goes by {}: record its delivery instead of sending it",
                q.channel.as_str()
            )));
        }
        let last = q.steps.last().map_or(State::Draft, |s| s.state);
        // A `sending` step of today may be a send still in flight (a second click, the
        // job): only one left from an earlier day (a crash) is resumed.
        let stale_sending = q
            .steps
            .last()
            .is_some_and(|s| s.state == State::Sending && s.date < today);
        if last == State::Sending && !stale_sending {
            return Err(StoreError::Conflict(format!(
                "request {id} is being sent; if nothing changes, it is retried tomorrow"
            )));
        }
        if !matches!(last, State::Draft | State::Failed | State::Sending) {
            return Err(StoreError::Conflict(format!(
                "request {id} is {last}; only a draft or a failed request is sent"
            )));
        }
        // Attempts are numbered by their `sending` step; a resumed attempt keeps its
        // number, so its Message-ID is the one the crashed attempt may have used.
        let earlier = q.steps.iter().filter(|s| s.state == State::Sending).count();
        let attempt = if stale_sending { earlier } else { earlier + 1 };
        let mut head = r.head.clone();
        if !stale_sending {
            head = self
                .add_request_step(
                    author,
                    id,
                    step(today, State::Sending, None).to_json(),
                    Some(&head),
                )
                .await?
                .entry_id;
        }
        let result = match self.request_address(&q).await {
            None => {
                Err("no email address: give the request an email, or the authority one".to_owned())
            }
            Some(to) => {
                let letter = self.request_letter(pack, id, LETTER_LANG, today).await?;
                let mail = OutgoingMail {
                    to,
                    subject: q.subject.clone(),
                    body: letter.body,
                    message_id: format!("<{id}.{attempt}@minewatch.invalid>"),
                };
                mailer.send(&mail).await
            }
        };
        let (state, note, outcome) = match result {
            Ok(()) => (State::Sent, None, SendOutcome::Sent),
            Err(e) => {
                tracing::warn!(request = %id, error = %e, "sending a request failed");
                let e: String = e.chars().take(1_500).collect();
                (State::Failed, Some(e.clone()), SendOutcome::Failed(e))
            }
        };
        self.add_request_step(author, id, step(today, state, note).to_json(), Some(&head))
            .await?;
        Ok(outcome)
    }

    /// The daily job (idempotent; `today` is injected so tests need no clock): retries
    /// email requests left `failed`, or `sending` since an earlier day (a crash), drafts a complaint (or, for an
    /// overdue complaint, an appeal) for every overdue request no complaint is about
    /// yet, and sends the requester a reminder where their email is known.
    pub async fn run_daily<M: Mailer>(
        &self,
        pack: &Pack,
        mailer: Option<&M>,
        today: Date,
    ) -> Result<DailyReport, StoreError> {
        let author = Author::system();
        let mut report = DailyReport {
            today: Some(today),
            ..DailyReport::default()
        };
        let requests = self.all_of(RecordKind::Request).await?;
        let about: Vec<RecordId> = requests
            .iter()
            .filter_map(|r| match r.typed() {
                Ok(Record::Request(q)) => q.about_request_id,
                _ => None,
            })
            .collect();
        for r in &requests {
            let Ok(Record::Request(q)) = r.typed() else {
                continue;
            };
            let retry = q.steps.last().is_some_and(|s| {
                s.state == State::Failed || (s.state == State::Sending && s.date < today)
            });
            if let Some(m) = mailer
                && q.channel == requests::Channel::Email
                && retry
            {
                // One request's trouble (a conflicting edit, a pack without a
                // template) is reported and does not stop the others.
                let outcome = match self.send_request(&author, pack, m, &r.id, today).await {
                    Ok(o) => o,
                    Err(e) => SendOutcome::Failed(e.to_string()),
                };
                report.retried.push((r.id.clone(), outcome));
                continue;
            }
            let st = requests::standing(pack, q.request_type, q.channel, &q.steps, today);
            if !matches!(st.state, State::Overdue | State::VeryOverdue) {
                continue;
            }
            report.overdue.push(r.id.clone());
            if about.contains(&r.id) {
                continue;
            }
            let to = self
                .supervisor_of(pack, &q.authority_id)
                .await?
                .unwrap_or_else(|| q.authority_id.clone());
            let draft = complaint_draft(&r.id, &q, &to, st.clock_start, st.due);
            let written = match self.put(&author, RecordKind::Request, draft).await {
                Ok(w) => w,
                Err(e) => {
                    report.errors.push((r.id.clone(), e.to_string()));
                    continue;
                }
            };
            report
                .drafted
                .push((r.id.clone(), written.record_id.clone()));
            // The requester's own address: never the authority's.
            let to = q.requester_contact.as_ref().and_then(|c| c.email.clone());
            if let (Some(m), Some(to)) = (mailer, to) {
                let mail = OutgoingMail {
                    to,
                    subject: format!("Overdue / Хугацаа хэтэрсэн: {}", q.subject),
                    body: reminder_body(&q, st.due, &written.record_id),
                    message_id: format!("<{}.reminder@minewatch.invalid>", r.id),
                };
                match m.send(&mail).await {
                    Ok(()) => report.reminded.push(r.id.clone()),
                    Err(e) => report.reminder_errors.push((r.id.clone(), e)),
                }
            }
        }
        Ok(report)
    }
}

fn step(date: Date, state: State, note: Option<String>) -> Step {
    Step {
        date,
        state,
        note,
        days: None,
        finding: None,
        media_id: None,
    }
}

/// The state that starts the clock on a channel.
fn clock_state(channel: requests::Channel) -> State {
    match channel {
        requests::Channel::Email => State::Sent,
        _ => State::Delivered,
    }
}

/// The legal basis a letter cites: the articles of the duty to answer and of the
/// duty the request asks about. A duty the pack holds as coalition policy (no article)
/// is not cited to an authority, and an article whose number the pack does not know
/// is cited by its law's title alone.
fn basis(pack: &Pack, q: &Request, lang: Lang, on: Date) -> String {
    let mut parts: Vec<String> = Vec::new();
    let duties = [
        requests::duty_for(pack, q.request_type, on),
        q.basis_duty.as_deref().and_then(|id| pack.duty(id)),
    ];
    for d in duties.into_iter().flatten() {
        for a in d.articles.iter().filter_map(|id| pack.article(id)) {
            let Some(law) = pack.law(&a.law) else {
                continue;
            };
            // An article the pack does not know the number of is cited by its law.
            let cited = match (lang, &a.citation_mn) {
                (Lang::Mn, Some(mn)) => mn.as_str(),
                _ => a.citation.as_str(),
            };
            let c = if a.citation.starts_with("unknown") {
                law.title.get(lang).to_owned()
            } else {
                format!("{}, {cited}", law.title.get(lang))
            };
            if !parts.contains(&c) {
                parts.push(c);
            }
        }
    }
    parts.join("; ")
}

/// A complaint about an overdue request (an appeal about an overdue complaint), to
/// `to`: the body the pack names as the addressee's supervisor, else the addressee
/// itself (the text then says to check the addressee). It restates what was asked and
/// when, in Mongolian (the letter's language is chosen when it is printed), and stays
/// with the case team while it is a draft.
fn complaint_draft(
    id: &RecordId,
    q: &Request,
    to: &RecordId,
    sent: Option<Date>,
    due: Option<Date>,
) -> Value {
    let kind = match q.request_type {
        RequestType::Information | RequestType::Report => RequestType::Complaint,
        RequestType::Complaint | RequestType::Appeal => RequestType::Appeal,
    };
    let when = |d: Option<Date>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let check = if *to == q.authority_id {
        "\n\n(minewatch-ийн бэлтгэсэн төсөл: гомдлыг хянах дээд шатны байгууллагыг хуулийн багц заагаагүй тул хүлээн авагчийг илгээхээс өмнө шалгана уу.)"
    } else {
        ""
    };
    let mut v = json!({
        "request_type": kind.as_str(),
        "authority_id": to.as_str(),
        "channel": q.channel.as_str(),
        "subject": format!("Хариу ирээгүй тухай гомдол: {}", q.subject)
            .chars()
            .take(200)
            .collect::<String>(),
        "ask": format!(
            "Бид {} өдөр «{}» гэсэн хүсэлт илгээсэн бөгөөд хариу өгөх эцсийн хугацаа {} байсан боловч хариу ирээгүй. \
             Хүссэн мэдээлэл: {}\n\nХүсэлтэд хуульд заасан хугацаанд хариу өгүүлж, холбогдох арга хэмжээ авахыг хүсье.{check}",
            when(sent),
            q.subject,
            when(due),
            q.ask
        ),
        "about_request_id": id.as_str(),
        // A draft is the case team's until a person sends it.
        "visibility": "case_team",
    });
    let o = v.as_object_mut().expect("an object");
    if let Some(b) = &q.basis_duty {
        o.insert("basis_duty".into(), json!(b));
    }
    if let Some(l) = &q.licence_id {
        o.insert("licence_id".into(), json!(l.as_str()));
    }
    if let Some(c) = &q.community_id {
        o.insert("community_id".into(), json!(c.as_str()));
    }
    if let Some(c) = &q.organisation_id {
        o.insert("organisation_id".into(), json!(c.as_str()));
    }
    if let Some(r) = &q.requester {
        o.insert("requester".into(), json!(r));
    }
    if let Some(e) = &q.email {
        o.insert("email".into(), json!(e));
    }
    if let Some(c) = &q.requester_contact {
        o.insert("requester_contact".into(), c.to_json());
    }
    v
}

fn reminder_body(q: &Request, due: Option<Date>, draft: &RecordId) -> String {
    let due = due.map_or_else(|| "—".to_owned(), |d| d.to_string());
    format!(
        "Таны хүсэлт \"{subject}\" хариугүй байна: хариу өгөх хугацаа {due}-нд дууссан.\n\
         Гомдлын төсөл бэлэн: /requests/{draft}\n\n\
         Your request \"{subject}\" has no answer: it was due by {due}.\n\
         A complaint is drafted for you to check and send: /requests/{draft}\n",
        subject = q.subject,
    )
}
