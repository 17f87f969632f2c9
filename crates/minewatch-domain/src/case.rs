//! Case records: the dated facts a coalition collects about licences and authorities
//! (consultations, disclosures, inspections, violations, decisions, agreements and
//! complaints), and the events the duty engine reads from them.
//!
//! Which event a record makes is named by the pack where the law decides it: a
//! disclosure names the document (`licence-published`, `emp-report-submitted`…), a
//! decision names what was decided (`licence-revoked`, `deia-approved`…). A record
//! that something did NOT happen (a consultation not held, a document requested and
//! not found) is a negative event: evidence of absence, not the absence of evidence.

use jiff::civil::Date;

use crate::engine::Event;
use crate::record::{RecordId, RecordKind};
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
pub enum CaseDetail {
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
pub struct CaseRecord {
    pub date: Date,
    pub source: EvidenceSource,
    pub summary: Option<String>,
    pub licence_id: Option<RecordId>,
    pub company_id: Option<RecordId>,
    pub authority_id: Option<RecordId>,
    pub community_id: Option<RecordId>,
    pub detail: CaseDetail,
}

impl CaseRecord {
    pub fn kind(&self) -> RecordKind {
        match self.detail {
            CaseDetail::Consultation { .. } => RecordKind::Consultation,
            CaseDetail::Disclosure { .. } => RecordKind::Disclosure,
            CaseDetail::Inspection { .. } => RecordKind::Inspection,
            CaseDetail::Violation { .. } => RecordKind::Violation,
            CaseDetail::Decision { .. } => RecordKind::Decision,
            CaseDetail::Agreement { .. } => RecordKind::Agreement,
            CaseDetail::Complaint { .. } => RecordKind::Complaint,
            CaseDetail::Commitment { .. } => RecordKind::Commitment,
            CaseDetail::Payment { .. } => RecordKind::Payment,
            CaseDetail::Note { .. } => RecordKind::Note,
        }
    }

    /// The record's name for lists: its kind, date and what it is about (made only of
    /// the kind's label fields).
    pub fn name(&self) -> Localized {
        let (mn, en, what) = match &self.detail {
            CaseDetail::Consultation { purpose, .. } => {
                ("Зөвлөлдөх уулзалт", "Consultation", (*purpose).to_owned())
            }
            CaseDetail::Disclosure { document, .. } => {
                ("Мэдээлэл ил болгох", "Disclosure", document.clone())
            }
            CaseDetail::Inspection { .. } => ("Хяналт шалгалт", "Inspection", String::new()),
            CaseDetail::Violation { .. } => ("Зөрчил", "Violation", String::new()),
            CaseDetail::Decision { decision, .. } => ("Шийдвэр", "Decision", decision.clone()),
            CaseDetail::Agreement { title, .. } => ("Гэрээ", "Agreement", title.clone()),
            CaseDetail::Complaint { subject, .. } => ("Гомдол", "Complaint", subject.clone()),
            CaseDetail::Commitment { what, .. } => ("Амлалт", "Commitment", clip(what, 80)),
            CaseDetail::Payment { .. } => ("Төлбөр, нийлүүлэлт", "Payment", String::new()),
            CaseDetail::Note { text } => ("Тэмдэглэл", "Note", clip(text, 80)),
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
            CaseDetail::Consultation { held, purpose, .. } => match *purpose {
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
            CaseDetail::Disclosure {
                document, found, ..
            } => event(document, on_licence_or_authority, self.date, !found),
            CaseDetail::Inspection { .. } => {
                event("inspection", self.licence_id.as_ref(), self.date, false)
            }
            CaseDetail::Violation { .. } => {
                event("violation", self.licence_id.as_ref(), self.date, false)
            }
            CaseDetail::Decision { decision, .. } => {
                event(decision, on_licence_or_authority, self.date, false)
            }
            CaseDetail::Agreement { signed, .. } => signed
                .then(|| {
                    event(
                        "agreement-signed",
                        self.licence_id.as_ref(),
                        self.date,
                        false,
                    )
                })
                .flatten(),
            CaseDetail::Complaint { answered, .. } => {
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
            // Promises and what was paid against them are tracked by the agreements
            // tracker, notes by people: the duty engine reads none of them.
            CaseDetail::Commitment { .. }
            | CaseDetail::Payment { .. }
            | CaseDetail::Note { .. } => None,
        };
        one.into_iter().collect()
    }
}
