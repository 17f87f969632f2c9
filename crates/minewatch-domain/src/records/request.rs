//! The request record: an information request, complaint or appeal to an authority.
//! Its workflow (states, clock, due dates, letters) is in [`crate::requests`].

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, Section, Shape::*, Vocabulary};
use super::{Contact, FieldError, MAX_TEXT};
use super::{MAX_NAME, Record, RecordId, RecordKind};
use crate::requests::{Channel, RequestType, Step};

/// An information request, complaint or appeal to an authority (see [`crate::requests`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub request_type: RequestType,
    /// The addressee.
    pub authority_id: RecordId,
    pub channel: Channel,
    pub subject: String,
    /// What is asked.
    pub ask: String,
    /// The pack duty cited as the legal basis (e.g. the duty that makes the
    /// information disclosable).
    pub basis_duty: Option<String>,
    pub licence_id: Option<RecordId>,
    pub community_id: Option<RecordId>,
    /// The organisation whose request it is, when no community owns it (a CSO's).
    pub organisation_id: Option<RecordId>,
    /// For a complaint or appeal: the request it is about.
    pub about_request_id: Option<RecordId>,
    /// Who asks, as the letter names them (an organisation).
    pub requester: Option<String>,
    /// A private person's details: never shown in public views.
    pub requester_contact: Option<Contact>,
    /// Where an email goes (else the authority's address).
    pub email: Option<String>,
    /// The sender's outgoing letter number (its register's).
    pub outgoing_number: Option<String>,
    /// Who signs the letter: name and title (`Б. Баатарсүх, тэргүүн`).
    pub signatory: Option<String>,
    /// What happened, oldest first; none yet is a draft.
    pub steps: Vec<Step>,
}

pub static SCHEMA: KindSchema = KindSchema {
    page_order: &[
        "subject",
        "request_type",
        "authority_id",
        "channel",
        "ask",
        "basis_duty",
        "licence_id",
        "community_id",
        "about_request_id",
        "requester",
        "signatory",
        "outgoing_number",
        "email",
        "steps",
    ],
    label: &["subject"],
    summary: &["request_type", "channel"],
    list_path: Some("/requests"),
    owned_by_community: true,
    sections: &[Section::RequestClock],
    parse: Some(parse_request),
    ..KindSchema::new(
        "request",
        &[
            Field::new("request_type", Text)
                .required()
                .means(Vocabulary::Messages("request-type-")),
            Field::new("authority_id", Ref(RecordKind::Authority)).required(),
            Field::new("channel", Text)
                .required()
                .means(Vocabulary::Messages("channel-")),
            Field::new("subject", Text).required(),
            Field::new("ask", Text).required(),
            Field::new("basis_duty", Text).means(Vocabulary::Duty),
            Field::new("licence_id", Ref(RecordKind::Licence)),
            Field::new("community_id", Ref(RecordKind::Community)),
            Field::new("organisation_id", Ref(RecordKind::Organisation)),
            Field::new("about_request_id", Ref(RecordKind::Request)),
            Field::new("requester", Text),
            Field::new("requester_contact", Contact).restricted(),
            Field::new("email", Text),
            Field::new("outgoing_number", Text),
            Field::new("signatory", Text),
            Field::new("steps", Json).means(Vocabulary::RequestSteps),
        ],
    )
};

fn parse_request(f: &mut Fields<'_>) -> Option<Record> {
    let request_type = f.choice_of("request_type", Required, &RequestType::ALL);
    let authority_id = f.id("authority_id", Required);
    let channel = f.choice_of("channel", Required, &Channel::ALL);
    let subject = f.text("subject", Required, MAX_NAME);
    let ask = f.text("ask", Required, MAX_TEXT);
    let basis_duty = f.text("basis_duty", Optional, 100);
    let licence_id = f.id("licence_id", Optional);
    let community_id = f.id("community_id", Optional);
    let organisation_id = f.id("organisation_id", Optional);
    let about_request_id = f.id("about_request_id", Optional);
    let requester = f.text("requester", Optional, MAX_NAME);
    let requester_contact = f.contact("requester_contact");
    let email = f.email("email");
    let outgoing_number = f.text("outgoing_number", Optional, 60);
    let signatory = f.text("signatory", Optional, MAX_NAME);
    let steps = match f.value("steps", Optional) {
        None => Vec::new(),
        Some(v) => match crate::requests::parse_steps(v) {
            Ok(steps) => steps,
            Err((field, code, detail)) => {
                f.push(FieldError::new(field, code, detail));
                Vec::new()
            }
        },
    };
    Some(Record::Request(Request {
        request_type: request_type?,
        authority_id: authority_id?,
        channel: channel?,
        subject: subject?,
        ask: ask?,
        basis_duty,
        licence_id,
        community_id,
        organisation_id,
        about_request_id,
        requester,
        requester_contact,
        email,
        outgoing_number,
        signatory,
        steps,
    }))
    .filter(|_| f.ok())
}
