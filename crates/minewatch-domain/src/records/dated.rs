//! Dated records: the dated facts a coalition collects about licences and authorities
//! (consultations, disclosures, inspections, violations, decisions, agreements and
//! complaints), and the events the duty engine reads from them.
//!
//! Which event a record makes is named by the pack where the law decides it: a
//! disclosure names the document (`licence-published`, `emp-report-submitted`…), a
//! decision names what was decided (`licence-revoked`, `deia-approved`…). A record
//! that something did NOT happen (a consultation not held, a document requested and
//! not found) is a negative event: evidence of absence, not the absence of evidence.

use jiff::civil::Date;

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, Section, Shape::*, Vocabulary};
use super::{FieldError, MAX_NAME, MAX_TEXT, Record, RecordId, RecordKind};
use crate::engine::Event;
use crate::text::Localized;

/// Where a record's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceSource {
    OfficialDocument,
    AuthorityReply,
    CommunityAttestation,
    FieldObservation,
    Instrument,
}

impl EvidenceSource {
    pub const ALL: [(&'static str, EvidenceSource); 5] = [
        ("official-document", EvidenceSource::OfficialDocument),
        ("authority-reply", EvidenceSource::AuthorityReply),
        (
            "community-attestation",
            EvidenceSource::CommunityAttestation,
        ),
        ("field-observation", EvidenceSource::FieldObservation),
        ("instrument", EvidenceSource::Instrument),
    ];
}

/// What a consultation was about.
pub const CONSULTATION_PURPOSES: [&str; 3] = ["licensing", "eia", "other"];
/// Who found a violation.
pub const VIOLATION_FINDERS: [&str; 2] = ["authority", "community"];

/// What only one kind of case record holds.
#[derive(Debug, Clone, PartialEq)]
pub enum DatedDetail {
    Consultation {
        held: bool,
        purpose: &'static str,
        attendees: Option<u32>,
        minutes: Option<String>,
    },
    Disclosure {
        /// The document, as the pack's event name (e.g. `licence-published`).
        document: String,
        /// False: requested or searched for and not found.
        found: bool,
        place: Option<String>,
    },
    Inspection {
        findings: Option<String>,
    },
    Violation {
        found_by: &'static str,
        basis: Option<String>,
        penalty: Option<String>,
    },
    Decision {
        /// What was decided, as the pack's event name (e.g. `licence-revoked`).
        decision: String,
        number: Option<String>,
    },
    Agreement {
        title: String,
        signed: bool,
        /// The earlier version this one replaces, when the agreement was renegotiated.
        supersedes: Option<RecordId>,
    },
    Complaint {
        subject: String,
        answered: Option<Date>,
    },
    /// A promise made in an agreement. The party responsible for it is the record's
    /// company, else its authority.
    Commitment {
        agreement_id: RecordId,
        what: String,
        /// The total promised, in `unit`; `None` for something that is not counted
        /// (it is fulfilled by a delivery marked as completing it).
        amount: Option<f64>,
        /// A currency code (`MNT`, `USD`) or what is counted (`trees`, `houses`).
        unit: Option<String>,
        /// What falls due when, oldest first; empty: due on the record's date.
        schedule: Vec<Installment>,
    },
    /// A payment or delivery made against a commitment.
    Payment {
        commitment_id: RecordId,
        amount: Option<f64>,
        /// This delivery completes the commitment (for one that is not counted).
        completes: bool,
    },
    /// A note about a licence, company, authority or community.
    Note {
        text: String,
    },
}

/// A part of a commitment that falls due on a date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Installment {
    pub due: Date,
    /// How much of the commitment's amount falls due; `None`: the rest of it.
    pub amount: Option<f64>,
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// A dated fact about a licence or an authority, with its evidence source and links.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedRecord {
    pub date: Date,
    pub source: EvidenceSource,
    pub summary: Option<String>,
    pub licence_id: Option<RecordId>,
    pub company_id: Option<RecordId>,
    pub authority_id: Option<RecordId>,
    pub community_id: Option<RecordId>,
    pub detail: DatedDetail,
}

impl DatedRecord {
    pub fn kind(&self) -> RecordKind {
        match self.detail {
            DatedDetail::Consultation { .. } => RecordKind::Consultation,
            DatedDetail::Disclosure { .. } => RecordKind::Disclosure,
            DatedDetail::Inspection { .. } => RecordKind::Inspection,
            DatedDetail::Violation { .. } => RecordKind::Violation,
            DatedDetail::Decision { .. } => RecordKind::Decision,
            DatedDetail::Agreement { .. } => RecordKind::Agreement,
            DatedDetail::Complaint { .. } => RecordKind::Complaint,
            DatedDetail::Commitment { .. } => RecordKind::Commitment,
            DatedDetail::Payment { .. } => RecordKind::Payment,
            DatedDetail::Note { .. } => RecordKind::Note,
        }
    }

    /// The record's name for lists: its kind, date and what it is about (made only of
    /// the kind's label fields).
    pub fn name(&self) -> Localized {
        let (mn, en, what) = match &self.detail {
            DatedDetail::Consultation { purpose, .. } => {
                let (mn_what, en_what) = match *purpose {
                    "licensing" => ("тусгай зөвшөөрлийн талаар", "on licensing"),
                    "eia" => ("БОНБҮ-ний талаар", "on the EIA"),
                    _ => ("бусад", "other"),
                };
                return Localized {
                    mn: Some(format!("Зөвлөлдөх уулзалт · {} · {mn_what}", self.date)),
                    en: Some(format!("Consultation · {} · {en_what}", self.date)),
                };
            }
            DatedDetail::Disclosure { document, .. } => {
                return self.named("Мэдээлэл ил болгох", "Disclosure", document);
            }
            DatedDetail::Inspection { .. } => ("Хяналт шалгалт", "Inspection", String::new()),
            DatedDetail::Violation { .. } => ("Зөрчил", "Violation", String::new()),
            DatedDetail::Decision { decision, .. } => {
                return self.named("Шийдвэр", "Decision", decision);
            }
            DatedDetail::Agreement { title, .. } => ("Гэрээ", "Agreement", title.clone()),
            DatedDetail::Complaint { subject, .. } => ("Гомдол", "Complaint", subject.clone()),
            DatedDetail::Commitment { what, .. } => ("Амлалт", "Commitment", clip(what, 80)),
            DatedDetail::Payment { .. } => ("Төлбөр, нийлүүлэлт", "Payment", String::new()),
            DatedDetail::Note { text } => ("Тэмдэглэл", "Note", clip(text, 80)),
        };
        let label = |kind: &str| {
            if what.is_empty() {
                format!("{kind} · {}", self.date)
            } else {
                format!("{kind} · {} · {what}", self.date)
            }
        };
        Localized {
            mn: Some(label(mn)),
            en: Some(label(en)),
        }
    }

    /// A disclosure's or a decision's name: its kind, date and the event it names, by the
    /// built-in pack's name for it in each language (the event's id when the pack has
    /// none).
    fn named(&self, mn: &str, en: &str, event: &str) -> Localized {
        let names = crate::law::pack::builtin_event_name(event);
        let pick = |lang: crate::Lang| {
            names
                .as_ref()
                .map(|n| n.get(lang).to_owned())
                .unwrap_or_else(|| event.to_owned())
        };
        Localized {
            mn: Some(format!("{mn} · {} · {}", self.date, pick(crate::Lang::Mn))),
            en: Some(format!("{en} · {} · {}", self.date, pick(crate::Lang::En))),
        }
    }

    /// The events the duty engine reads from this record (`id` is the record's id).
    pub fn events(&self, id: &RecordId) -> Vec<Event> {
        let on_licence_or_authority = self.licence_id.as_ref().or(self.authority_id.as_ref());
        let event = |kind: &str, subject: Option<&RecordId>, date: Date, negative: bool| {
            subject.map(|s| Event {
                id: id.as_str().into(),
                kind: kind.to_owned(),
                subject: s.as_str().into(),
                date,
                by: self.authority_id.as_ref().map(|a| a.as_str().into()),
                to: None,
                negative,
                retracted: false,
                days: None,
            })
        };
        let one = match &self.detail {
            DatedDetail::Consultation { held, purpose, .. } => match *purpose {
                "licensing" => event(
                    "community-consultation",
                    self.licence_id.as_ref(),
                    self.date,
                    !held,
                ),
                "eia" => event(
                    "public-consultation",
                    self.licence_id.as_ref(),
                    self.date,
                    !held,
                ),
                _ => None,
            },
            DatedDetail::Disclosure {
                document, found, ..
            } => event(document, on_licence_or_authority, self.date, !found),
            DatedDetail::Inspection { .. } => {
                event("inspection", self.licence_id.as_ref(), self.date, false)
            }
            DatedDetail::Violation { .. } => {
                event("violation", self.licence_id.as_ref(), self.date, false)
            }
            DatedDetail::Decision { decision, .. } => {
                event(decision, on_licence_or_authority, self.date, false)
            }
            DatedDetail::Agreement { signed, .. } => signed
                .then(|| {
                    event(
                        "agreement-signed",
                        self.licence_id.as_ref(),
                        self.date,
                        false,
                    )
                })
                .flatten(),
            DatedDetail::Complaint { answered, .. } => {
                // A complaint is its own subject: the reply is owed to it.
                let mut sent = event("complaint-sent", Some(id), self.date, false);
                if let Some(e) = &mut sent {
                    e.by = None;
                    e.to = self.authority_id.as_ref().map(|a| a.as_str().into());
                }
                let mut out: Vec<Event> = sent.into_iter().collect();
                if let Some(day) = answered {
                    out.extend(
                        event("complaint-answered", Some(id), *day, false).map(|mut e| {
                            e.id = format!("{id}#answered").into();
                            e
                        }),
                    );
                }
                return out;
            }
            // A commitment falls due on each day of its schedule (or on its own
            // day); each payment or delivery performs one instalment, oldest first.
            // The agreements tracker weighs the amounts; the engine the days.
            DatedDetail::Commitment { schedule, .. } => {
                let days: Vec<Date> = if schedule.is_empty() {
                    vec![self.date]
                } else {
                    schedule.iter().map(|i| i.due).collect()
                };
                return days
                    .into_iter()
                    .filter_map(|day| {
                        event("commitment-due", self.licence_id.as_ref(), day, false).map(
                            |mut e| {
                                e.id = format!("{id}#due@{day}").into();
                                e
                            },
                        )
                    })
                    .collect();
            }
            DatedDetail::Payment { .. } => event(
                "commitment-fulfilled",
                self.licence_id.as_ref(),
                self.date,
                false,
            ),
            // Notes are for people: the duty engine reads none.
            DatedDetail::Note { .. } => None,
        };
        one.into_iter().collect()
    }
}

/// The fields every dated record has, then its own.
macro_rules! dated_fields {
    ($($own:expr),* $(,)?) => {
        &[
            Field::new("date", Date).required(),
            Field::new("source", Text)
                .required()
                .means(Vocabulary::Messages("source-")),
            Field::new("summary", Text),
            Field::new("licence_id", Ref(RecordKind::Licence)),
            Field::new("company_id", Ref(RecordKind::Company)),
            Field::new("authority_id", Ref(RecordKind::Authority)),
            Field::new("community_id", Ref(RecordKind::Community)),
            $($own),*
        ]
    };
}

/// A dated kind: what happened and when, then what it is about.
const fn dated(
    name: &'static str,
    list_path: &'static str,
    label: &'static [&'static str],
    fields: &'static [Field],
    parse: fn(&mut Fields<'_>) -> Option<Record>,
) -> KindSchema {
    KindSchema {
        page_order: &[
            "date",
            "title",
            "what",
            "text",
            "agreement_id",
            "commitment_id",
            "amount",
            "unit",
            "schedule",
            "completes",
            "supersedes",
            "subject",
            "purpose",
            "held",
            "document",
            "found",
            "decision",
            "decision_number",
            "signed",
            "answered",
            "found_by",
            "licence_id",
            "company_id",
            "authority_id",
            "community_id",
            "source",
            "summary",
        ],
        label,
        summary: &["source"],
        list_path: Some(list_path),
        owned_by_community: true,
        filters: &[
            ("licence", RecordKind::Licence),
            ("company", RecordKind::Company),
            ("authority", RecordKind::Authority),
            ("community", RecordKind::Community),
        ],
        parse: Some(parse),
        ..KindSchema::new(name, fields)
    }
}

pub static CONSULTATION: KindSchema = dated(
    "consultation",
    "/consultations",
    &["date", "purpose"],
    dated_fields![
        Field::new("held", Flag).required(),
        Field::new("purpose", Text)
            .required()
            .choice(&CONSULTATION_PURPOSES, "purpose-"),
        Field::new("attendees", Count),
        Field::new("minutes", Text),
    ],
    |f| parse_dated(f, RecordKind::Consultation),
);

pub static DISCLOSURE: KindSchema = dated(
    "disclosure",
    "/disclosures",
    &["date", "document"],
    dated_fields![
        Field::new("document", Text)
            .required()
            .means(Vocabulary::Event),
        Field::new("found", Flag).required(),
        Field::new("place", Text),
    ],
    |f| parse_dated(f, RecordKind::Disclosure),
);

pub static INSPECTION: KindSchema = dated(
    "inspection",
    "/inspections",
    &["date"],
    dated_fields![Field::new("findings", Text)],
    |f| parse_dated(f, RecordKind::Inspection),
);

pub static VIOLATION: KindSchema = dated(
    "violation",
    "/violations",
    &["date"],
    dated_fields![
        Field::new("found_by", Text)
            .required()
            .choice(&VIOLATION_FINDERS, "found-by-"),
        Field::new("basis", Text),
        Field::new("penalty", Text),
    ],
    |f| parse_dated(f, RecordKind::Violation),
);

pub static DECISION: KindSchema = dated(
    "decision",
    "/decisions",
    &["date", "decision"],
    dated_fields![
        Field::new("decision", Text)
            .required()
            .means(Vocabulary::Event),
        Field::new("decision_number", Text),
    ],
    |f| parse_dated(f, RecordKind::Decision),
);

pub static AGREEMENT: KindSchema = KindSchema {
    sections: &[Section::AgreementTracker],
    ..dated(
        "agreement",
        "/agreements",
        &["date", "title"],
        dated_fields![
            Field::new("title", Text).required(),
            Field::new("signed", Flag).required(),
            Field::new("supersedes", Ref(RecordKind::Agreement)),
        ],
        |f| parse_dated(f, RecordKind::Agreement),
    )
};

pub static COMPLAINT: KindSchema = dated(
    "complaint",
    "/complaints",
    &["date", "subject"],
    dated_fields![
        Field::new("subject", Text).required(),
        Field::new("answered", Date),
    ],
    |f| parse_dated(f, RecordKind::Complaint),
);

pub static COMMITMENT: KindSchema = KindSchema {
    sections: &[Section::CommitmentStanding],
    ..dated(
        "commitment",
        "/commitments",
        &["date", "what"],
        dated_fields![
            Field::new("agreement_id", Ref(RecordKind::Agreement)).required(),
            Field::new("what", Text).required(),
            Field::new("amount", Amount),
            Field::new("unit", Text),
            Field::new(
                "schedule",
                Dated {
                    key: "amount",
                    number: true,
                },
            ),
        ],
        |f| parse_dated(f, RecordKind::Commitment),
    )
};

pub static PAYMENT: KindSchema = dated(
    "payment",
    "/payments",
    &["date"],
    dated_fields![
        Field::new("commitment_id", Ref(RecordKind::Commitment)).required(),
        Field::new("amount", Amount),
        Field::new("completes", Flag),
    ],
    |f| parse_dated(f, RecordKind::Payment),
);

pub static NOTE: KindSchema = dated(
    "note",
    "/notes",
    &["date", "text"],
    dated_fields![Field::new("text", Text).required()],
    |f| parse_dated(f, RecordKind::Note),
);

fn parse_dated(f: &mut Fields<'_>, kind: RecordKind) -> Option<Record> {
    let date = f.date("date", Required);
    let source = f.choice_of("source", Required, &EvidenceSource::ALL);
    let summary = f.text("summary", Optional, MAX_TEXT);
    let licence_id = f.id("licence_id", Optional);
    let company_id = f.id("company_id", Optional);
    let authority_id = f.id("authority_id", Optional);
    let community_id = f.id("community_id", Optional);
    // Which links a kind cannot do without.
    let needs = |f: &mut Fields<'_>, field: &'static str, present: bool| {
        if !present {
            f.push(FieldError::new(field, "required", "this field is required"));
        }
    };
    let detail = match kind {
        RecordKind::Consultation => {
            needs(f, "licence_id", licence_id.is_some());
            let held = f.flag("held", Required);
            let purpose = f.choice("purpose", Required, &CONSULTATION_PURPOSES);
            let attendees = f.count("attendees", 1_000_000);
            let minutes = f.text("minutes", Optional, MAX_TEXT);
            held.zip(purpose)
                .map(|(held, purpose)| DatedDetail::Consultation {
                    held,
                    purpose,
                    attendees,
                    minutes,
                })
        }
        RecordKind::Disclosure => {
            let document = f.slug("document", Required);
            let found = f.flag("found", Required);
            let place = f.text("place", Optional, MAX_NAME);
            if licence_id.is_none() && authority_id.is_none() {
                f.push(FieldError::new(
                    "licence_id",
                    "required",
                    "a disclosure is about a licence or by an authority: give licence_id or authority_id",
                ));
            }
            document
                .zip(found)
                .map(|(document, found)| DatedDetail::Disclosure {
                    document,
                    found,
                    place,
                })
        }
        RecordKind::Inspection => {
            needs(f, "licence_id", licence_id.is_some());
            let findings = f.text("findings", Optional, MAX_TEXT);
            Some(DatedDetail::Inspection { findings })
        }
        RecordKind::Violation => {
            needs(f, "licence_id", licence_id.is_some());
            let found_by = f.choice("found_by", Required, &VIOLATION_FINDERS);
            let basis = f.text("basis", Optional, MAX_NAME);
            let penalty = f.text("penalty", Optional, MAX_NAME);
            found_by.map(|found_by| DatedDetail::Violation {
                found_by,
                basis,
                penalty,
            })
        }
        RecordKind::Decision => {
            let decision = f.slug("decision", Required);
            let number = f.text("decision_number", Optional, 80);
            if licence_id.is_none() && authority_id.is_none() {
                f.push(FieldError::new(
                    "licence_id",
                    "required",
                    "a decision is about a licence or by an authority: give licence_id or authority_id",
                ));
            }
            decision.map(|decision| DatedDetail::Decision { decision, number })
        }
        RecordKind::Agreement => {
            needs(f, "licence_id", licence_id.is_some());
            let title = f.text("title", Required, MAX_NAME);
            let signed = f.flag("signed", Required);
            let supersedes = f.id("supersedes", Optional);
            title
                .zip(signed)
                .map(|(title, signed)| DatedDetail::Agreement {
                    title,
                    signed,
                    supersedes,
                })
        }
        RecordKind::Complaint => {
            needs(f, "authority_id", authority_id.is_some());
            let subject = f.text("subject", Required, MAX_NAME);
            let answered = f.date("answered", Optional);
            if let (Some(sent), Some(a)) = (date, answered)
                && a < sent
            {
                f.push(FieldError::new(
                    "answered",
                    "before-start",
                    format!("answered {a} is before sent {sent}"),
                ));
            }
            subject.map(|subject| DatedDetail::Complaint { subject, answered })
        }
        RecordKind::Commitment => {
            let agreement_id = f.id("agreement_id", Required);
            let what = f.text("what", Required, MAX_TEXT);
            let amount = f.number("amount", Optional, 0.0, 1e15);
            let unit = f.text("unit", Optional, 40);
            let schedule: Vec<Installment> = f
                .dated("schedule", "amount", false, |v| {
                    v.as_f64()
                        .filter(|x| (0.0..=1e15).contains(x))
                        .ok_or("expected an amount of 0 or more")
                })
                .into_iter()
                .map(|(due, amount)| Installment { due, amount })
                .collect();
            if amount.is_some() && unit.is_none() {
                f.push(FieldError::new(
                    "unit",
                    "required",
                    "an amount needs its unit: a currency code (MNT, USD) or what is counted",
                ));
            }
            if let Some(total) = amount {
                let scheduled: f64 = schedule.iter().filter_map(|i| i.amount).sum();
                if scheduled > total * (1.0 + 1e-9) {
                    f.push(FieldError::new(
                        "schedule",
                        "out-of-range",
                        format!(
                            "the schedule adds up to {scheduled}, more than the amount {total}"
                        ),
                    ));
                }
            } else if schedule.iter().any(|i| i.amount.is_some()) {
                f.push(FieldError::new(
                    "amount",
                    "required",
                    "a schedule with amounts needs the total amount",
                ));
            }
            if let (Some(start), Some(first)) = (date, schedule.first())
                && first.due < start
            {
                f.push(FieldError::new(
                    "schedule",
                    "before-start",
                    format!("due {} is before the commitment's date {start}", first.due),
                ));
            }
            agreement_id
                .zip(what)
                .map(|(agreement_id, what)| DatedDetail::Commitment {
                    agreement_id,
                    what,
                    amount,
                    unit,
                    schedule,
                })
        }
        RecordKind::Payment => {
            let commitment_id = f.id("commitment_id", Required);
            let amount = f.number("amount", Optional, 0.0, 1e15);
            let completes = f.flag("completes", Optional).unwrap_or(false);
            commitment_id.map(|commitment_id| DatedDetail::Payment {
                commitment_id,
                amount,
                completes,
            })
        }
        RecordKind::Note => {
            if licence_id.is_none()
                && company_id.is_none()
                && authority_id.is_none()
                && community_id.is_none()
            {
                f.push(FieldError::new(
                    "licence_id",
                    "required",
                    "a note is about a licence, company, authority or community: link one",
                ));
            }
            let text = f.text("text", Required, MAX_TEXT);
            text.map(|text| DatedDetail::Note { text })
        }
        other => unreachable!("{other} is not a case record kind"),
    };
    Some(Record::Dated(DatedRecord {
        date: date?,
        source: source?,
        summary,
        licence_id,
        company_id,
        authority_id,
        community_id,
        detail: detail?,
    }))
    .filter(|_| f.ok())
}
