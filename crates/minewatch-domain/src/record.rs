//! Record kinds, record ids and the validation of record payloads.
//!
//! A record's payload is a JSON object. Validation turns it into a typed [`Record`] or
//! into a list of [`FieldError`]s, one per wrong field, each with a stable code the user
//! interface translates. Validation is strict about unknown fields so that a typo in an
//! import ("holdr_id") is reported instead of silently dropped.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::access::{FIELD_VISIBILITY_KEY, VISIBILITY_KEY, Visibility};
use crate::case::{
    CONSULTATION_PURPOSES, CaseDetail, CaseRecord, EvidenceSource, Installment, VIOLATION_FINDERS,
};
use crate::licence::{LicenceNumber, LicenceType};
use crate::media::{Capture, Media, PublicCopy, is_sha256_hex};
use crate::request::{Channel, RequestType, Step};
use crate::text::Localized;

/// The years a record's date may fall in: the mining law and its records are of the
/// 20th and 21st centuries.
pub const FIRST_YEAR: i16 = 1900;
pub const LAST_YEAR: i16 = 2100;

/// The kinds of record the ledger holds so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Workspace,
    Organisation,
    Community,
    Authority,
    Company,
    Licence,
    Zone,
    Request,
    Observation,
    Consultation,
    Disclosure,
    Inspection,
    Violation,
    Decision,
    Agreement,
    Complaint,
    Commitment,
    Payment,
    Note,
    Media,
}

impl RecordKind {
    pub const ALL: [RecordKind; 20] = [
        RecordKind::Workspace,
        RecordKind::Organisation,
        RecordKind::Community,
        RecordKind::Authority,
        RecordKind::Company,
        RecordKind::Licence,
        RecordKind::Zone,
        RecordKind::Request,
        RecordKind::Observation,
        RecordKind::Consultation,
        RecordKind::Disclosure,
        RecordKind::Inspection,
        RecordKind::Violation,
        RecordKind::Decision,
        RecordKind::Agreement,
        RecordKind::Complaint,
        RecordKind::Commitment,
        RecordKind::Payment,
        RecordKind::Note,
        RecordKind::Media,
    ];

    /// The dated case records (see [`CaseRecord`]), most of which the duty engine reads.
    pub const CASE: [RecordKind; 10] = [
        RecordKind::Consultation,
        RecordKind::Disclosure,
        RecordKind::Inspection,
        RecordKind::Violation,
        RecordKind::Decision,
        RecordKind::Agreement,
        RecordKind::Complaint,
        RecordKind::Commitment,
        RecordKind::Payment,
        RecordKind::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Workspace => "workspace",
            RecordKind::Organisation => "organisation",
            RecordKind::Community => "community",
            RecordKind::Authority => "authority",
            RecordKind::Company => "company",
            RecordKind::Licence => "licence",
            RecordKind::Zone => "zone",
            RecordKind::Request => "request",
            RecordKind::Observation => "observation",
            RecordKind::Consultation => "consultation",
            RecordKind::Disclosure => "disclosure",
            RecordKind::Inspection => "inspection",
            RecordKind::Violation => "violation",
            RecordKind::Decision => "decision",
            RecordKind::Agreement => "agreement",
            RecordKind::Complaint => "complaint",
            RecordKind::Commitment => "commitment",
            RecordKind::Payment => "payment",
            RecordKind::Note => "note",
            RecordKind::Media => "media",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds whose records belong to the community their `community_id` names (see
    /// [`crate::RecordAccess::of`]); without one they are shared.
    pub fn is_owned_by_community(self) -> bool {
        matches!(
            self,
            RecordKind::Observation | RecordKind::Request | RecordKind::Media
        ) || RecordKind::CASE.contains(&self)
    }

    /// Fields that hold personal data or exact places and never appear in a public view.
    pub fn restricted_fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Community => &["contact"],
            RecordKind::Observation => &["reporter"],
            RecordKind::Request => &["requester_contact"],
            // Capture metadata holds the exact place a photo was taken (often a herder
            // camp) and the reporter's device; an uploaded name may name a person.
            RecordKind::Media => &["filename", "capture"],
            _ => &[],
        }
    }

    /// Fields the record's name (list label) is made of: they are as visible as the
    /// record, never more restricted, so a list never shows a hidden field.
    pub fn label_fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Licence => &["number"],
            RecordKind::Request => &["subject"],
            RecordKind::Observation => &["observed_on", "description"],
            RecordKind::Consultation => &["date", "purpose"],
            RecordKind::Disclosure => &["date", "document"],
            RecordKind::Inspection | RecordKind::Violation => &["date"],
            RecordKind::Decision => &["date", "decision"],
            RecordKind::Agreement => &["date", "title"],
            RecordKind::Complaint => &["date", "subject"],
            RecordKind::Commitment => &["date", "what"],
            RecordKind::Payment => &["date"],
            RecordKind::Note => &["date", "text"],
            RecordKind::Media => &["date", "caption", "content_type"],
            _ => &["name"],
        }
    }

    /// Fields holding an exact location that a public view shows only approximately.
    pub fn approximate_fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Observation => &["location"],
            _ => &[],
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record's id: 1 to 64 characters of ASCII letters, digits, `-`, `_`, `.` or `:`.
///
/// New records get UUIDs (v7); imported and demo records may carry stable ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

impl RecordId {
    pub fn parse(s: &str) -> Option<RecordId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        ok.then(|| RecordId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RecordId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RecordId::parse(&s).ok_or_else(|| format!("invalid record id {s:?}"))
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> String {
        id.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a field of a payload was refused. `code` is stable and translated by the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    /// An English explanation with the specifics (allowed values, limits, what was found).
    pub detail: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}

/// A reference from one record to another, derived from the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The payload field the link comes from, e.g. `holder_id`.
    pub rel: &'static str,
    pub target: RecordId,
    /// The kind the target must have.
    pub target_kind: RecordKind,
}

/// A point given as latitude and longitude in degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// A polygon as GeoJSON writes it: rings of `[lon, lat]` positions, the first the outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// A person's contact details. Always restricted: never shown in public views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Where reminders reach the person (e.g. a requester told of an overdue request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A plausible email address: something@host.domain, no spaces.
pub fn is_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !s.contains(' '))
}

impl Contact {
    /// The contact as stored.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a contact serialises")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub name: Localized,
    pub pack: String,
    pub description: Option<Localized>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub workspace_id: RecordId,
    pub name: Localized,
    pub org_type: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub workspace_id: RecordId,
    pub name: Localized,
    pub aimag: Localized,
    pub soum: Localized,
    pub bagh: Option<String>,
    pub households: Option<u32>,
    /// The soum or bagh centre: a public place, not a herder camp.
    pub centre: Option<Point>,
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Authority {
    pub name: Localized,
    /// An authority type id from the pack, e.g. `soum-governor`.
    pub authority_type: String,
    pub jurisdiction: Localized,
    /// Where it governs, when it is an aimag or soum body: licences in that aimag
    /// (and soum) are under it. A national authority has neither.
    pub aimag: Option<Localized>,
    pub soum: Option<Localized>,
    pub address: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Authority {
    /// How closely this authority governs a place: 2 for its soum body, 1 for its
    /// aimag body, 0 for a national one; `None` if the place is outside it.
    pub fn governs(&self, aimag: &Localized, soum: &Localized) -> Option<u8> {
        match (&self.aimag, &self.soum) {
            (None, None) => Some(0),
            (Some(a), None) => a.same_as(aimag).then_some(1),
            (a, Some(s)) => {
                (s.same_as(soum) && a.as_ref().is_none_or(|a| a.same_as(aimag))).then_some(2)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub name: Localized,
    pub registration_number: Option<String>,
    pub parent_id: Option<RecordId>,
    /// The people or entities who ultimately own or control it, where known.
    pub beneficial_owners: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceStatus {
    Applied,
    Granted,
    Transferred,
    Suspended,
    Revoked,
    Expired,
}

impl LicenceStatus {
    pub const ALL: [(&'static str, LicenceStatus); 6] = [
        ("applied", LicenceStatus::Applied),
        ("granted", LicenceStatus::Granted),
        ("transferred", LicenceStatus::Transferred),
        ("suspended", LicenceStatus::Suspended),
        ("revoked", LicenceStatus::Revoked),
        ("expired", LicenceStatus::Expired),
    ];

    pub fn as_str(self) -> &'static str {
        LicenceStatus::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(name, _)| *name)
            .expect("every status is listed in ALL")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Licence {
    pub number: LicenceNumber,
    pub holder_id: RecordId,
    pub minerals: Vec<String>,
    pub aimag: Localized,
    pub soum: Localized,
    pub area_ha: Option<f64>,
    pub granted: Option<Date>,
    pub expires: Option<Date>,
    pub status: LicenceStatus,
    /// Dated changes of status (applied, granted, transferred…), oldest first.
    pub status_history: Vec<StatusChange>,
    pub area: Option<Polygon>,
}

/// A licence's status from a date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub date: Date,
    pub status: LicenceStatus,
}

/// An area the law or the administration draws: a soum or aimag, a water-protection
/// zone, a river headwater, forest-fund land, a protected area.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub name: Localized,
    /// What it is: `soum`, `aimag`, `bagh` (administrative units), or a zone type a
    /// spatial duty of the pack names (`water-protection`, `headwater`, `forest-fund`…).
    pub zone_type: String,
    /// Its official code: a P-code for an administrative unit, a resolution number for
    /// a protection zone.
    pub code: Option<String>,
    /// The aimag it lies in (for a soum or bagh; for a zone, where it was designated).
    pub aimag: Option<Localized>,
    /// When it was designated (a Khural resolution's date).
    pub designated: Option<Date>,
    /// Where the boundary comes from (a dataset, a resolution and its map).
    pub data_source: Option<String>,
    /// One or more polygons.
    pub boundary: Vec<Polygon>,
}

/// Zone types that are administrative units (every licence lies in some), not zones a
/// duty keeps licences out of.
pub const ADMIN_ZONE_TYPES: [&str; 3] = ["aimag", "soum", "bagh"];

impl Zone {
    pub fn is_admin(&self) -> bool {
        ADMIN_ZONE_TYPES.contains(&self.zone_type.as_str())
    }
}

/// An information request, complaint or appeal to an authority (see [`crate::request`]).
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
    /// What happened, oldest first; none yet is a draft.
    pub steps: Vec<Step>,
}

impl Licence {
    pub fn licence_type(&self) -> LicenceType {
        self.number.licence_type()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservationCategory {
    Dust,
    Water,
    Livestock,
    Blasting,
    Pasture,
    Rehabilitation,
    Other,
}

impl ObservationCategory {
    pub const ALL: [(&'static str, ObservationCategory); 7] = [
        ("dust", ObservationCategory::Dust),
        ("water", ObservationCategory::Water),
        ("livestock", ObservationCategory::Livestock),
        ("blasting", ObservationCategory::Blasting),
        ("pasture", ObservationCategory::Pasture),
        ("rehabilitation", ObservationCategory::Rehabilitation),
        ("other", ObservationCategory::Other),
    ];

    pub fn as_str(self) -> &'static str {
        ObservationCategory::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(name, _)| *name)
            .expect("every category is listed in ALL")
    }
}

/// A field report of something seen, by a named or an anonymous reporter.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub workspace_id: Option<RecordId>,
    pub community_id: Option<RecordId>,
    pub licence_id: Option<RecordId>,
    pub observed_on: Date,
    pub category: ObservationCategory,
    pub description: String,
    /// Where it happened in words (soum, bagh, landmark): public.
    pub place: Option<String>,
    /// The exact location: public views show it rounded.
    pub location: Option<Point>,
    pub reporter: Option<Contact>,
    /// What the reporter added later (with their receipt code), oldest first.
    pub follow_ups: Vec<String>,
}

/// A validated record of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Workspace(Workspace),
    Organisation(Organisation),
    Community(Community),
    Authority(Authority),
    Company(Company),
    Licence(Licence),
    Zone(Zone),
    Request(Request),
    Observation(Observation),
    Case(CaseRecord),
    Media(Media),
}

const MAX_NAME: usize = 300;
const MAX_TEXT: usize = 10_000;

impl Record {
    /// Validates `payload` as a record of `kind`, reporting every wrong field.
    pub fn from_payload(kind: RecordKind, payload: &Value) -> Result<Record, Vec<FieldError>> {
        let mut f = Fields::new(payload)?;
        let record = match kind {
            RecordKind::Workspace => parse_workspace(&mut f),
            RecordKind::Organisation => parse_organisation(&mut f),
            RecordKind::Community => parse_community(&mut f),
            RecordKind::Authority => parse_authority(&mut f),
            RecordKind::Company => parse_company(&mut f),
            RecordKind::Licence => parse_licence(&mut f),
            RecordKind::Zone => parse_zone(&mut f),
            RecordKind::Request => parse_request(&mut f),
            RecordKind::Observation => parse_observation(&mut f),
            RecordKind::Media => parse_media(&mut f),
            case => parse_case(&mut f, case),
        };
        f.access_settings(kind);
        f.finish()?;
        // `finish` returned Ok, so no field failed and every required value was present.
        Ok(record.expect("a payload without field errors yields a record"))
    }

    /// Every field a record of `kind` reads, in the order it reads them (the access
    /// settings last): what an export must carry for nothing to be lost.
    pub fn field_names(kind: RecordKind) -> Vec<&'static str> {
        let empty = Value::Object(Map::new());
        let mut f = Fields::new(&empty).expect("an object");
        match kind {
            RecordKind::Workspace => drop(parse_workspace(&mut f)),
            RecordKind::Organisation => drop(parse_organisation(&mut f)),
            RecordKind::Community => drop(parse_community(&mut f)),
            RecordKind::Authority => drop(parse_authority(&mut f)),
            RecordKind::Company => drop(parse_company(&mut f)),
            RecordKind::Licence => drop(parse_licence(&mut f)),
            RecordKind::Zone => drop(parse_zone(&mut f)),
            RecordKind::Request => drop(parse_request(&mut f)),
            RecordKind::Observation => drop(parse_observation(&mut f)),
            RecordKind::Media => drop(parse_media(&mut f)),
            case => drop(parse_case(&mut f, case)),
        }
        f.access_settings(kind);
        let mut names = Vec::new();
        for name in f.read {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Workspace(_) => RecordKind::Workspace,
            Record::Organisation(_) => RecordKind::Organisation,
            Record::Community(_) => RecordKind::Community,
            Record::Authority(_) => RecordKind::Authority,
            Record::Company(_) => RecordKind::Company,
            Record::Licence(_) => RecordKind::Licence,
            Record::Zone(_) => RecordKind::Zone,
            Record::Request(_) => RecordKind::Request,
            Record::Observation(_) => RecordKind::Observation,
            Record::Case(r) => r.kind(),
            Record::Media(_) => RecordKind::Media,
        }
    }

    /// The record's name for lists and links.
    pub fn name(&self) -> Localized {
        match self {
            Record::Workspace(r) => r.name.clone(),
            Record::Organisation(r) => r.name.clone(),
            Record::Community(r) => r.name.clone(),
            Record::Authority(r) => r.name.clone(),
            Record::Company(r) => r.name.clone(),
            Record::Zone(r) => r.name.clone(),
            Record::Request(r) => Localized {
                mn: Some(r.subject.clone()),
                en: Some(r.subject.clone()),
            },
            Record::Licence(r) => Localized {
                mn: Some(r.number.to_string()),
                en: Some(r.number.to_string()),
            },
            Record::Observation(r) => {
                let mut summary: String = r.description.chars().take(80).collect();
                if r.description.chars().count() > 80 {
                    summary.push('…');
                }
                let label = format!("{} · {}", r.observed_on, summary);
                Localized {
                    mn: Some(label.clone()),
                    en: Some(label),
                }
            }
            Record::Case(r) => r.name(),
            Record::Media(r) => {
                let what = r.caption.clone().unwrap_or_else(|| r.content_type.clone());
                let label = format!("{} · {}", r.date, what.chars().take(80).collect::<String>());
                Localized {
                    mn: Some(label.clone()),
                    en: Some(label),
                }
            }
        }
    }

    /// One line with both languages, used to sort and search.
    pub fn search_label(&self) -> String {
        self.name().search_label()
    }

    /// The records this one refers to.
    pub fn links(&self) -> Vec<Link> {
        let link = |rel, target: &RecordId, target_kind| Link {
            rel,
            target: target.clone(),
            target_kind,
        };
        let mut links = Vec::new();
        match self {
            Record::Workspace(_) | Record::Authority(_) | Record::Zone(_) => {}
            Record::Organisation(r) => {
                links.push(link("workspace_id", &r.workspace_id, RecordKind::Workspace))
            }
            Record::Community(r) => {
                links.push(link("workspace_id", &r.workspace_id, RecordKind::Workspace))
            }
            Record::Company(r) => {
                if let Some(p) = &r.parent_id {
                    links.push(link("parent_id", p, RecordKind::Company));
                }
            }
            Record::Licence(r) => links.push(link("holder_id", &r.holder_id, RecordKind::Company)),
            Record::Request(r) => {
                links.push(link("authority_id", &r.authority_id, RecordKind::Authority));
                for (rel, target, kind) in [
                    ("licence_id", &r.licence_id, RecordKind::Licence),
                    ("community_id", &r.community_id, RecordKind::Community),
                    (
                        "organisation_id",
                        &r.organisation_id,
                        RecordKind::Organisation,
                    ),
                    ("about_request_id", &r.about_request_id, RecordKind::Request),
                ] {
                    if let Some(t) = target {
                        links.push(link(rel, t, kind));
                    }
                }
                for step in &r.steps {
                    if let Some(m) = &step.media_id
                        && !links.iter().any(|l| l.target == *m)
                    {
                        links.push(link("step_media", m, RecordKind::Media));
                    }
                }
            }
            Record::Observation(r) => {
                if let Some(w) = &r.workspace_id {
                    links.push(link("workspace_id", w, RecordKind::Workspace));
                }
                if let Some(c) = &r.community_id {
                    links.push(link("community_id", c, RecordKind::Community));
                }
                if let Some(l) = &r.licence_id {
                    links.push(link("licence_id", l, RecordKind::Licence));
                }
            }
            Record::Media(r) => {
                for (kind, id) in &r.about {
                    links.push(link("about", id, *kind));
                }
                if let Some(c) = &r.community_id {
                    links.push(link("community_id", c, RecordKind::Community));
                }
            }
            Record::Case(r) => {
                match &r.detail {
                    CaseDetail::Agreement {
                        supersedes: Some(a),
                        ..
                    } => links.push(link("supersedes", a, RecordKind::Agreement)),
                    CaseDetail::Commitment { agreement_id, .. } => {
                        links.push(link("agreement_id", agreement_id, RecordKind::Agreement))
                    }
                    CaseDetail::Payment { commitment_id, .. } => {
                        links.push(link("commitment_id", commitment_id, RecordKind::Commitment))
                    }
                    _ => {}
                }
                for (rel, target, kind) in [
                    ("licence_id", &r.licence_id, RecordKind::Licence),
                    ("company_id", &r.company_id, RecordKind::Company),
                    ("authority_id", &r.authority_id, RecordKind::Authority),
                    ("community_id", &r.community_id, RecordKind::Community),
                ] {
                    if let Some(t) = target {
                        links.push(link(rel, t, kind));
                    }
                }
            }
        }
        links
    }
}

fn parse_workspace(f: &mut Fields<'_>) -> Option<Record> {
    let name = f.localized("name", Required);
    let pack = f.text("pack", Required, 16);
    let description = f.localized("description", Optional);
    Some(Record::Workspace(Workspace {
        name: name?,
        pack: pack?,
        description,
    }))
    .filter(|_| f.ok())
}

fn parse_organisation(f: &mut Fields<'_>) -> Option<Record> {
    let workspace_id = f.id("workspace_id", Required);
    let name = f.localized("name", Required);
    let org_type = f.choice(
        "org_type",
        Required,
        &["cso", "coalition", "community-group", "law-firm", "other"],
    );
    Some(Record::Organisation(Organisation {
        workspace_id: workspace_id?,
        name: name?,
        org_type: org_type?.to_owned(),
    }))
    .filter(|_| f.ok())
}

fn parse_community(f: &mut Fields<'_>) -> Option<Record> {
    let workspace_id = f.id("workspace_id", Required);
    let name = f.localized("name", Required);
    let aimag = f.localized("aimag", Required);
    let soum = f.localized("soum", Required);
    let bagh = f.text("bagh", Optional, MAX_NAME);
    let households = f.count("households", 1_000_000);
    let centre = f.point("centre");
    let contact = f.contact("contact");
    Some(Record::Community(Community {
        workspace_id: workspace_id?,
        name: name?,
        aimag: aimag?,
        soum: soum?,
        bagh,
        households,
        centre,
        contact,
    }))
    .filter(|_| f.ok())
}

fn parse_authority(f: &mut Fields<'_>) -> Option<Record> {
    let name = f.localized("name", Required);
    let authority_type = f.slug("authority_type", Required);
    let jurisdiction = f.localized("jurisdiction", Required);
    let aimag = f.localized("aimag", Optional);
    let soum = f.localized("soum", Optional);
    let address = f.text("address", Optional, MAX_NAME);
    let email = f.email("email");
    let phone = f.text("phone", Optional, 40);
    Some(Record::Authority(Authority {
        name: name?,
        authority_type: authority_type?,
        jurisdiction: jurisdiction?,
        aimag,
        soum,
        address,
        email,
        phone,
    }))
    .filter(|_| f.ok())
}

fn parse_company(f: &mut Fields<'_>) -> Option<Record> {
    let name = f.localized("name", Required);
    let registration_number = f.text("registration_number", Optional, 40);
    let parent_id = f.id("parent_id", Optional);
    let beneficial_owners = f.text_list("beneficial_owners");
    Some(Record::Company(Company {
        name: name?,
        registration_number,
        parent_id,
        beneficial_owners,
    }))
    .filter(|_| f.ok())
}

fn parse_licence(f: &mut Fields<'_>) -> Option<Record> {
    let number = f.licence_number("number");
    let holder_id = f.id("holder_id", Required);
    let minerals = f.text_list("minerals");
    let aimag = f.localized("aimag", Required);
    let soum = f.localized("soum", Required);
    let area_ha = f.number("area_ha", Optional, 0.0, 10_000_000.0);
    let granted = f.date("granted", Optional);
    let expires = f.date("expires", Optional);
    let status = f.choice_of("status", Required, &LicenceStatus::ALL);
    let status_history = f
        .dated("status_history", "status", true, |v| {
            v.as_str()
                .and_then(|s| LicenceStatus::ALL.iter().find(|(n, _)| *n == s))
                .map(|(_, st)| *st)
                .ok_or("expected applied, granted, transferred, suspended, revoked or expired")
        })
        .into_iter()
        .map(
            |(date, status): (Date, Option<LicenceStatus>)| StatusChange {
                date,
                status: status.expect("a status is required in each entry"),
            },
        )
        .collect();
    let area = f.polygon("area");
    if let (Some(g), Some(e)) = (granted, expires)
        && e < g
    {
        f.push(FieldError::new(
            "expires",
            "before-start",
            format!("expires {e} is before granted {g}"),
        ));
    }
    Some(Record::Licence(Licence {
        number: number?,
        holder_id: holder_id?,
        minerals,
        aimag: aimag?,
        soum: soum?,
        area_ha,
        granted,
        expires,
        status: status?,
        status_history,
        area,
    }))
    .filter(|_| f.ok())
}

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
    let steps = match f.value("steps", Optional) {
        None => Vec::new(),
        Some(v) => match crate::request::parse_steps(v) {
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
        steps,
    }))
    .filter(|_| f.ok())
}

fn parse_zone(f: &mut Fields<'_>) -> Option<Record> {
    let name = f.localized("name", Required);
    let zone_type = f.slug("zone_type", Required);
    let code = f.text("code", Optional, 64);
    let aimag = f.localized("aimag", Optional);
    let designated = f.date("designated", Optional);
    let data_source = f.text("data_source", Optional, MAX_NAME);
    let boundary = f.area("boundary", Required);
    Some(Record::Zone(Zone {
        name: name?,
        zone_type: zone_type?,
        code,
        aimag,
        designated,
        data_source,
        boundary: boundary?,
    }))
    .filter(|_| f.ok())
}

fn parse_observation(f: &mut Fields<'_>) -> Option<Record> {
    let workspace_id = f.id("workspace_id", Optional);
    let community_id = f.id("community_id", Optional);
    let licence_id = f.id("licence_id", Optional);
    let observed_on = f.date("observed_on", Required);
    let category = f.choice_of("category", Required, &ObservationCategory::ALL);
    let description = f.text("description", Required, MAX_TEXT);
    let place = f.text("place", Optional, MAX_NAME);
    let location = f.point("location");
    let reporter = f.contact("reporter");
    let follow_ups = f.long_text_list("follow_ups");
    Some(Record::Observation(Observation {
        workspace_id,
        community_id,
        licence_id,
        observed_on: observed_on?,
        category: category?,
        description: description?,
        place,
        location,
        reporter,
        follow_ups,
    }))
    .filter(|_| f.ok())
}

fn parse_media(f: &mut Fields<'_>) -> Option<Record> {
    let date = f.date("date", Required);
    let sha256 = f.text("sha256", Required, 64);
    if let Some(h) = &sha256
        && !is_sha256_hex(h)
    {
        f.push(FieldError::new(
            "sha256",
            "bad-hash",
            "expected 64 lowercase hexadecimal digits",
        ));
    }
    let size = f.number("size", Required, 0.0, 1e15);
    if size.is_some_and(|n| n.fract() != 0.0) {
        f.push(FieldError::new(
            "size",
            "not-count",
            "expected a whole number of bytes",
        ));
    }
    let content_type = f.text("content_type", Required, 100);
    let filename = f.text("filename", Optional, MAX_NAME);
    let caption = f.text("caption", Optional, MAX_TEXT);
    let about = f.about("about");
    let community_id = f.id("community_id", Optional);
    let capture = f.value("capture", Optional).and_then(|v| {
        match serde_json::from_value::<Capture>(v.clone()) {
            Ok(c) if c.taken_at.is_none() || c.taken().is_some() => Some(c),
            _ => {
                f.push(FieldError::new(
                    "capture",
                    "bad-capture",
                    "expected {\"taken_at\": \"YYYY-MM-DDTHH:MM:SS\", \"offset\", \"location\": {\"lat\", \"lon\"}, \"device\", \"software\"}",
                ));
                None
            }
        }
    });
    let public_copy = f.value("public_copy", Optional).and_then(|v| {
        match serde_json::from_value::<PublicCopy>(v.clone()) {
            Ok(c) if is_sha256_hex(&c.sha256) => Some(c),
            _ => {
                f.push(FieldError::new(
                    "public_copy",
                    "bad-hash",
                    "expected {\"sha256\": 64 lowercase hex digits, \"size\": bytes}",
                ));
                None
            }
        }
    });
    let original_published = f.flag("original_published", Optional).unwrap_or(false);
    let provenance = f.text("provenance", Optional, MAX_TEXT);
    Some(Record::Media(Media {
        date: date?,
        sha256: sha256?,
        size: size? as u64,
        content_type: content_type?,
        filename,
        caption,
        about,
        community_id,
        capture: capture.filter(|c| !c.is_empty()),
        public_copy,
        original_published,
        provenance,
    }))
    .filter(|_| f.ok())
}

fn parse_case(f: &mut Fields<'_>, kind: RecordKind) -> Option<Record> {
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
                .map(|(held, purpose)| CaseDetail::Consultation {
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
                .map(|(document, found)| CaseDetail::Disclosure {
                    document,
                    found,
                    place,
                })
        }
        RecordKind::Inspection => {
            needs(f, "licence_id", licence_id.is_some());
            let findings = f.text("findings", Optional, MAX_TEXT);
            Some(CaseDetail::Inspection { findings })
        }
        RecordKind::Violation => {
            needs(f, "licence_id", licence_id.is_some());
            let found_by = f.choice("found_by", Required, &VIOLATION_FINDERS);
            let basis = f.text("basis", Optional, MAX_NAME);
            let penalty = f.text("penalty", Optional, MAX_NAME);
            found_by.map(|found_by| CaseDetail::Violation {
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
            decision.map(|decision| CaseDetail::Decision { decision, number })
        }
        RecordKind::Agreement => {
            needs(f, "licence_id", licence_id.is_some());
            let title = f.text("title", Required, MAX_NAME);
            let signed = f.flag("signed", Required);
            let supersedes = f.id("supersedes", Optional);
            title
                .zip(signed)
                .map(|(title, signed)| CaseDetail::Agreement {
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
            subject.map(|subject| CaseDetail::Complaint { subject, answered })
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
                .map(|(agreement_id, what)| CaseDetail::Commitment {
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
            commitment_id.map(|commitment_id| CaseDetail::Payment {
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
            text.map(|text| CaseDetail::Note { text })
        }
        other => unreachable!("{other} is not a case record kind"),
    };
    Some(Record::Case(CaseRecord {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
}
use Presence::{Optional, Required};

/// Reads the fields of one payload object, collecting every problem instead of stopping
/// at the first, and remembering which fields were read so unknown ones can be reported.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    read: Vec<&'static str>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    fn new(payload: &'a Value) -> Result<Self, Vec<FieldError>> {
        match payload {
            Value::Object(obj) => Ok(Fields {
                obj,
                read: Vec::new(),
                errors: Vec::new(),
            }),
            other => Err(vec![FieldError::new(
                "",
                "not-object",
                format!("expected a JSON object, found {}", json_type(other)),
            )]),
        }
    }

    fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// The value of `name`, treating `null` as absent; reports a missing required field.
    fn value(&mut self, name: &'static str, presence: Presence) -> Option<&'a Value> {
        self.read.push(name);
        match self.obj.get(name) {
            None | Some(Value::Null) => {
                if presence == Required {
                    self.push(FieldError::new(name, "required", "this field is required"));
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    fn wrong_type(&mut self, name: &str, expected: &str, found: &Value) {
        self.push(FieldError::new(
            name,
            "wrong-type",
            format!("expected {expected}, found {}", json_type(found)),
        ));
    }

    fn text(&mut self, name: &'static str, presence: Presence, max: usize) -> Option<String> {
        let v = self.value(name, presence)?;
        let Value::String(s) = v else {
            self.wrong_type(name, "text", v);
            return None;
        };
        let s = s.trim();
        if s.is_empty() {
            if presence == Required {
                self.push(FieldError::new(name, "required", "this field is required"));
            }
            return None;
        }
        if s.chars().count() > max {
            self.push(FieldError::new(
                name,
                "too-long",
                format!("at most {max} characters"),
            ));
            return None;
        }
        if s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.push(FieldError::new(
                name,
                "control-character",
                "contains a control character",
            ));
            return None;
        }
        Some(s.to_owned())
    }

    fn localized(&mut self, name: &'static str, presence: Presence) -> Option<Localized> {
        let v = self.value(name, presence)?;
        let Value::Object(obj) = v else {
            self.wrong_type(name, "an object with \"mn\" and/or \"en\" text", v);
            return None;
        };
        let mut out = Localized::default();
        for (lang, text) in obj {
            let field = format!("{name}.{lang}");
            let slot = match lang.as_str() {
                "mn" => &mut out.mn,
                "en" => &mut out.en,
                _ => {
                    self.push(FieldError::new(
                        field,
                        "unknown-field",
                        "expected only \"mn\" and \"en\"",
                    ));
                    continue;
                }
            };
            match text {
                Value::String(s) if s.trim().chars().count() > MAX_NAME => self.push(
                    FieldError::new(field, "too-long", format!("at most {MAX_NAME} characters")),
                ),
                Value::String(s) if s.chars().any(char::is_control) => self.push(FieldError::new(
                    field,
                    "control-character",
                    "contains a control character",
                )),
                Value::String(s) if !s.trim().is_empty() => *slot = Some(s.trim().to_owned()),
                Value::String(_) | Value::Null => {}
                other => self.wrong_type(&field, "text", other),
            }
        }
        if out.is_empty() {
            if presence == Required {
                self.push(FieldError::new(
                    name,
                    "required",
                    "give the text in Mongolian or English",
                ));
            }
            return None;
        }
        Some(out)
    }

    fn id(&mut self, name: &'static str, presence: Presence) -> Option<RecordId> {
        let s = self.text(name, presence, 64)?;
        let id = RecordId::parse(&s);
        if id.is_none() {
            self.push(FieldError::new(
                name,
                "bad-id",
                format!("{s:?} is not a record id"),
            ));
        }
        id
    }

    fn slug(&mut self, name: &'static str, presence: Presence) -> Option<String> {
        let s = self.text(name, presence, 64)?;
        if s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            Some(s)
        } else {
            self.push(FieldError::new(
                name,
                "bad-slug",
                format!("{s:?}: expected lowercase letters, digits and dashes"),
            ));
            None
        }
    }

    fn email(&mut self, name: &'static str) -> Option<String> {
        let s = self.text(name, Optional, 254)?;
        if is_email(&s) {
            Some(s)
        } else {
            self.push(FieldError::new(
                name,
                "bad-email",
                format!("{s:?} is not an email address"),
            ));
            None
        }
    }

    fn licence_number(&mut self, name: &'static str) -> Option<LicenceNumber> {
        let s = self.text(name, Required, 32)?;
        match LicenceNumber::parse(&s) {
            Ok(n) => Some(n),
            Err(e) => {
                self.push(FieldError::new(name, "bad-licence-number", e.to_string()));
                None
            }
        }
    }

    fn choice(
        &mut self,
        name: &'static str,
        presence: Presence,
        options: &[&'static str],
    ) -> Option<&'static str> {
        let s = self.text(name, presence, 64)?;
        let found = options.iter().copied().find(|o| *o == s);
        if found.is_none() {
            self.push(FieldError::new(
                name,
                "unknown-value",
                format!("{s:?}: expected one of {}", options.join(", ")),
            ));
        }
        found
    }

    fn choice_of<T: Copy>(
        &mut self,
        name: &'static str,
        presence: Presence,
        options: &[(&'static str, T)],
    ) -> Option<T> {
        let names: Vec<&'static str> = options.iter().map(|(n, _)| *n).collect();
        let chosen = self.choice(name, presence, &names)?;
        options.iter().find(|(n, _)| *n == chosen).map(|(_, v)| *v)
    }

    fn number(
        &mut self,
        name: &'static str,
        presence: Presence,
        min: f64,
        max: f64,
    ) -> Option<f64> {
        let v = self.value(name, presence)?;
        let Some(x) = v.as_f64() else {
            self.wrong_type(name, "a number", v);
            return None;
        };
        if !(min..=max).contains(&x) {
            self.push(FieldError::new(
                name,
                "out-of-range",
                format!("{x} is outside {min}..{max}"),
            ));
            return None;
        }
        Some(x)
    }

    fn count(&mut self, name: &'static str, max: u32) -> Option<u32> {
        let v = self.value(name, Optional)?;
        match v.as_u64() {
            Some(n) if n <= u64::from(max) => Some(u32::try_from(n).expect("checked against max")),
            Some(n) => {
                self.push(FieldError::new(
                    name,
                    "out-of-range",
                    format!("{n} is more than {max}"),
                ));
                None
            }
            None => {
                self.wrong_type(name, "a whole number of 0 or more", v);
                None
            }
        }
    }

    fn flag(&mut self, name: &'static str, presence: Presence) -> Option<bool> {
        let v = self.value(name, presence)?;
        match v.as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(name, "true or false", v);
                None
            }
        }
    }

    fn date(&mut self, name: &'static str, presence: Presence) -> Option<Date> {
        let s = self.text(name, presence, 10)?;
        match s.parse::<Date>() {
            Ok(d) if s.len() == 10 && (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) => Some(d),
            Ok(_) if s.len() == 10 => {
                // 0000-01-01 or 9999-12-31 is a typing slip or a client's placeholder,
                // and a deadline counted from it would mislead.
                self.push(FieldError::new(
                    name,
                    "date-out-of-range",
                    format!("{s:?}: expected a date from {FIRST_YEAR} to {LAST_YEAR}"),
                ));
                None
            }
            _ => {
                self.push(FieldError::new(
                    name,
                    "bad-date",
                    format!("{s:?}: expected a date as YYYY-MM-DD"),
                ));
                None
            }
        }
    }

    fn text_list(&mut self, name: &'static str) -> Vec<String> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of text", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(str::trim) {
                Some(s) if !s.is_empty() && s.chars().count() <= MAX_NAME => out.push(s.to_owned()),
                _ => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "wrong-type",
                    "expected non-empty text",
                )),
            }
        }
        out
    }

    /// A list of texts of up to `MAX_TEXT` characters each.
    fn long_text_list(&mut self, name: &'static str) -> Vec<String> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of text", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(str::trim) {
                Some("") => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "required",
                    "empty text",
                )),
                Some(s) if s.chars().count() > MAX_TEXT => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "too-long",
                    format!("at most {MAX_TEXT} characters"),
                )),
                Some(s) => out.push(s.to_owned()),
                None => self.wrong_type(&format!("{name}[{i}]"), "text", item),
            }
        }
        out
    }

    /// A list of dated entries, `[{"date": "YYYY-MM-DD", key: value}, …]`, returned
    /// sorted by date. `read` checks an entry's value; with `value_required`, an entry
    /// without one is refused.
    fn dated<T>(
        &mut self,
        name: &'static str,
        key: &'static str,
        value_required: bool,
        read: impl Fn(&Value) -> Result<T, &'static str>,
    ) -> Vec<(Date, Option<T>)> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of dated entries", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let field = format!("{name}[{i}]");
            let Some(obj) = item.as_object() else {
                self.wrong_type(&field, &format!("{{\"date\": …, \"{key}\": …}}"), item);
                continue;
            };
            if let Some(other) = obj.keys().find(|k| *k != "date" && *k != key) {
                self.push(FieldError::new(
                    format!("{field}.{other}"),
                    "unknown-field",
                    format!("an entry has only \"date\" and \"{key}\""),
                ));
                continue;
            }
            let date = obj
                .get("date")
                .and_then(Value::as_str)
                .filter(|s| s.len() == 10)
                .and_then(|s| s.parse::<Date>().ok());
            let Some(date) = date else {
                self.push(FieldError::new(
                    format!("{field}.date"),
                    "bad-date",
                    "expected a date as YYYY-MM-DD",
                ));
                continue;
            };
            let value = match obj.get(key) {
                None | Some(Value::Null) if value_required => {
                    self.push(FieldError::new(
                        format!("{field}.{key}"),
                        "required",
                        "this field is required",
                    ));
                    continue;
                }
                None | Some(Value::Null) => None,
                Some(v) => match read(v) {
                    Ok(t) => Some(t),
                    Err(why) => {
                        self.push(FieldError::new(
                            format!("{field}.{key}"),
                            "unknown-value",
                            why,
                        ));
                        continue;
                    }
                },
            };
            out.push((date, value));
        }
        out.sort_by_key(|(d, _)| *d);
        out
    }

    /// The access settings every kind may carry: `visibility` (the record's level) and
    /// `field_visibility` (levels of single fields).
    fn access_settings(&mut self, kind: RecordKind) {
        let levels: Vec<&'static str> = Visibility::CHOICES.iter().map(|(n, _)| *n).collect();
        self.choice(VISIBILITY_KEY, Optional, &levels);
        let Some(v) = self.value(FIELD_VISIBILITY_KEY, Optional) else {
            return;
        };
        let Value::Object(map) = v else {
            self.wrong_type(FIELD_VISIBILITY_KEY, "an object of field: level", v);
            return;
        };
        for (field, level) in map {
            let name = format!("{FIELD_VISIBILITY_KEY}.{field}");
            if field == VISIBILITY_KEY
                || field == FIELD_VISIBILITY_KEY
                || !self.obj.contains_key(field)
            {
                self.push(FieldError::new(
                    name,
                    "unknown-field",
                    "a visibility can be set only for a field the record has",
                ));
            } else if kind.label_fields().contains(&field.as_str()) {
                self.push(FieldError::new(
                    name,
                    "label-field",
                    "the record's name is as visible as the record: set the record's visibility",
                ));
            } else if level.as_str().and_then(Visibility::parse).is_none() {
                self.push(FieldError::new(
                    name,
                    "unknown-value",
                    format!("expected one of {}", levels.join(", ")),
                ));
            }
        }
    }

    fn point(&mut self, name: &'static str) -> Option<Point> {
        let v = self.value(name, Optional)?;
        let parsed = v.as_object().and_then(|o| {
            let lat = o.get("lat")?.as_f64()?;
            let lon = o.get("lon")?.as_f64()?;
            (o.len() == 2).then_some(Point { lat, lon })
        });
        match parsed {
            Some(p) if (-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon) => {
                Some(p)
            }
            _ => {
                self.push(FieldError::new(
                    name,
                    "bad-location",
                    "expected {\"lat\": degrees -90..90, \"lon\": degrees -180..180}",
                ));
                None
            }
        }
    }

    fn polygon(&mut self, name: &'static str) -> Option<Polygon> {
        let v = self.value(name, Optional)?;
        match parse_polygon(v) {
            Ok(p) => Some(p),
            Err(why) => {
                self.push(FieldError::new(name, "bad-polygon", why));
                None
            }
        }
    }

    /// A GeoJSON Polygon or MultiPolygon, as its polygons.
    fn area(&mut self, name: &'static str, presence: Presence) -> Option<Vec<Polygon>> {
        let v = self.value(name, presence)?;
        let parsed = match v.get("type").and_then(Value::as_str) {
            Some("MultiPolygon") => parse_multipolygon(v),
            _ => parse_polygon(v).map(|p| vec![p]),
        };
        match parsed {
            Ok(p) => Some(p),
            Err(why) => {
                self.push(FieldError::new(name, "bad-polygon", why));
                None
            }
        }
    }

    /// A list of records as `[{"kind": …, "id": …}, …]`.
    fn about(&mut self, name: &'static str) -> Vec<(RecordKind, RecordId)> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of {\"kind\", \"id\"}", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let kind = item
                .get("kind")
                .and_then(Value::as_str)
                .and_then(RecordKind::parse);
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .and_then(RecordId::parse);
            match (kind, id) {
                (Some(k), Some(id)) if item.as_object().is_some_and(|o| o.len() == 2) => {
                    if !out.iter().any(|(_, o)| *o == id) {
                        out.push((k, id));
                    }
                }
                _ => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "wrong-reference",
                    "expected {\"kind\": a record kind, \"id\": a record id}",
                )),
            }
        }
        out
    }

    fn contact(&mut self, name: &'static str) -> Option<Contact> {
        let v = self.value(name, Optional)?;
        let Value::Object(obj) = v else {
            self.wrong_type(
                name,
                "an object with \"name\", \"phone\" and/or \"email\"",
                v,
            );
            return None;
        };
        let mut contact = Contact {
            name: None,
            phone: None,
            email: None,
        };
        for (key, val) in obj {
            let field = format!("{name}.{key}");
            let slot = match key.as_str() {
                "name" => &mut contact.name,
                "phone" => &mut contact.phone,
                "email" => &mut contact.email,
                _ => {
                    self.push(FieldError::new(
                        field,
                        "unknown-field",
                        "expected only \"name\", \"phone\" and \"email\"",
                    ));
                    continue;
                }
            };
            if key == "email"
                && let Value::String(s) = val
                && !s.trim().is_empty()
                && !is_email(s.trim())
            {
                self.push(FieldError::new(
                    field,
                    "bad-email",
                    format!("{s:?} is not an email address"),
                ));
                continue;
            }
            match val {
                Value::String(s) if s.chars().count() <= MAX_NAME => {
                    let s = s.trim();
                    if !s.is_empty() {
                        *slot = Some(s.to_owned());
                    }
                }
                Value::Null => {}
                other => self.wrong_type(&field, "text", other),
            }
        }
        (contact.name.is_some() || contact.phone.is_some() || contact.email.is_some())
            .then_some(contact)
    }

    fn finish(mut self) -> Result<(), Vec<FieldError>> {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !self.read.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.push(FieldError::new(
                key,
                "unknown-field",
                "this field is not part of the record",
            ));
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

fn parse_polygon(v: &Value) -> Result<Polygon, String> {
    let obj = v.as_object().ok_or("expected a GeoJSON Polygon object")?;
    match obj.get("type").and_then(Value::as_str) {
        Some("Polygon") => {}
        Some("MultiPolygon") => {
            return Err("a MultiPolygon: a licence's area is one Polygon".into());
        }
        _ => return Err("expected \"type\": \"Polygon\"".into()),
    }
    let rings = obj
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("expected \"coordinates\": a list of rings")?;
    if rings.is_empty() {
        return Err("a polygon needs at least its outer ring".into());
    }
    let mut out = Vec::new();
    for (r, ring) in rings.iter().enumerate() {
        let positions = ring.as_array().ok_or(format!("ring {r} is not a list"))?;
        let mut pts = Vec::new();
        for (i, pos) in positions.iter().enumerate() {
            let pair = pos
                .as_array()
                .filter(|a| a.len() == 2)
                .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]))
                .ok_or(format!(
                    "ring {r} position {i}: expected [longitude, latitude]"
                ))?;
            if !(-180.0..=180.0).contains(&pair[0]) || !(-90.0..=90.0).contains(&pair[1]) {
                return Err(format!(
                    "ring {r} position {i}: [{}, {}] is not a longitude and latitude",
                    pair[0], pair[1]
                ));
            }
            pts.push(pair);
        }
        if pts.len() < 4 {
            return Err(format!(
                "ring {r} has {} positions; at least 4 are needed",
                pts.len()
            ));
        }
        if pts.first() != pts.last() {
            return Err(format!(
                "ring {r} is not closed: its last position must equal its first"
            ));
        }
        out.push(pts);
    }
    if obj.keys().any(|k| k != "type" && k != "coordinates") {
        return Err("expected only \"type\" and \"coordinates\"".into());
    }
    let polygon = Polygon { rings: out };
    if let Some(c) = crate::geo::first_crossing(&polygon) {
        return Err(format!(
            "the edges cross themselves: ring {} from position {} crosses ring {} from position {}",
            c.first.0, c.first.1, c.second.0, c.second.1
        ));
    }
    Ok(polygon)
}

fn parse_multipolygon(v: &Value) -> Result<Vec<Polygon>, String> {
    let obj = v
        .as_object()
        .ok_or("expected a GeoJSON MultiPolygon object")?;
    let parts = obj
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("expected \"coordinates\": a list of polygons")?;
    if parts.is_empty() {
        return Err("a MultiPolygon needs at least one polygon".into());
    }
    if obj.keys().any(|k| k != "type" && k != "coordinates") {
        return Err("expected only \"type\" and \"coordinates\"".into());
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, rings)| {
            let mut one = Map::new();
            one.insert("type".into(), Value::String("Polygon".into()));
            one.insert("coordinates".into(), rings.clone());
            parse_polygon(&Value::Object(one)).map_err(|why| format!("polygon {i}: {why}"))
        })
        .collect()
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn licence() -> Value {
        json!({
            "number": "MV-017038",
            "holder_id": "company-1",
            "minerals": ["gold"],
            "aimag": {"mn": "Төв", "en": "Töv"},
            "soum": {"mn": "Заамар", "en": "Zaamar"},
            "granted": "2010-05-01",
            "status": "granted",
            "area": {"type": "Polygon", "coordinates": [[[104.4, 48.1], [104.5, 48.1], [104.5, 48.2], [104.4, 48.1]]]}
        })
    }

    #[test]
    fn a_valid_licence_parses_with_its_link() {
        let r = Record::from_payload(RecordKind::Licence, &licence()).unwrap();
        assert_eq!(r.links()[0].target.as_str(), "company-1");
        assert_eq!(r.links()[0].target_kind, RecordKind::Company);
        let Record::Licence(l) = r else { panic!() };
        assert_eq!(l.licence_type(), LicenceType::Mining);
    }

    #[test]
    fn zones_take_polygons_and_multipolygons_and_licences_one_polygon() {
        let part = json!([[[104.4, 48.1], [104.5, 48.1], [104.5, 48.2], [104.4, 48.1]]]);
        let far = json!([[[110.0, 45.0], [110.1, 45.0], [110.1, 45.1], [110.0, 45.0]]]);
        let zone = |boundary: Value| json!({"name": {"en": "Tuul"}, "zone_type": "water-protection", "code": "42", "boundary": boundary});
        let multi = json!({"type": "MultiPolygon", "coordinates": [part, far]});
        let Record::Zone(z) = Record::from_payload(RecordKind::Zone, &zone(multi.clone())).unwrap()
        else {
            panic!()
        };
        assert_eq!((z.boundary.len(), z.is_admin()), (2, false));
        let one = json!({"type": "Polygon", "coordinates": part});
        assert!(Record::from_payload(RecordKind::Zone, &zone(one)).is_ok());
        // A part that is not a polygon is named.
        let broken = json!({"type": "MultiPolygon", "coordinates": [part, [[[1, 2], [3, 4]]]]});
        let errs = Record::from_payload(RecordKind::Zone, &zone(broken)).unwrap_err();
        assert!(
            errs[0]
                .detail
                .starts_with("polygon 1: ring 0 has 2 positions"),
            "{errs:?}"
        );
        // A zone without a boundary is refused.
        let mut none = zone(Value::Null);
        none.as_object_mut().unwrap().remove("boundary");
        let errs = Record::from_payload(RecordKind::Zone, &none).unwrap_err();
        assert_eq!(
            (errs[0].field.as_str(), errs[0].code),
            ("boundary", "required")
        );
        // A licence's area is one polygon.
        let mut l = licence();
        l["area"] = multi;
        let errs = Record::from_payload(RecordKind::Licence, &l).unwrap_err();
        assert_eq!(
            errs[0].detail,
            "a MultiPolygon: a licence's area is one Polygon"
        );
    }

    #[test]
    fn a_ring_that_crosses_itself_is_refused_with_where() {
        let mut l = licence();
        // A bow tie: the edges 0 and 2 cross.
        l["area"] = json!({"type": "Polygon", "coordinates": [[[104.4, 48.1], [104.5, 48.2], [104.5, 48.1], [104.4, 48.2], [104.4, 48.1]]]});
        let errs = Record::from_payload(RecordKind::Licence, &l).unwrap_err();
        assert_eq!(errs[0].code, "bad-polygon");
        assert_eq!(
            errs[0].detail,
            "the edges cross themselves: ring 0 from position 0 crosses ring 0 from position 2"
        );
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let mut p = licence();
        p["number"] = json!("AB-1");
        p["status"] = json!("lost");
        p["granted"] = json!("2010-13-01");
        p["holdr_id"] = json!("x");
        p.as_object_mut().unwrap().remove("soum");
        let errs = Record::from_payload(RecordKind::Licence, &p).unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        for want in [
            ("number", "bad-licence-number"),
            ("status", "unknown-value"),
            ("granted", "bad-date"),
            ("holdr_id", "unknown-field"),
            ("soum", "required"),
        ] {
            assert!(fields.contains(&want), "{want:?} missing from {fields:?}");
        }
    }

    #[test]
    fn case_records_say_which_field_is_wrong_and_make_the_engines_events() {
        // Every wrong field at once: a missing licence, a bad date, an unknown source
        // and purpose, a string for a flag, an unknown field.
        let bad = json!({
            "date": "2025-02-30", "source": "rumour", "purpose": "party",
            "held": "yes", "minits": "x"
        });
        let errs = Record::from_payload(RecordKind::Consultation, &bad).unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        for want in [
            ("licence_id", "required"),
            ("date", "bad-date"),
            ("source", "unknown-value"),
            ("purpose", "unknown-value"),
            ("held", "wrong-type"),
            ("minits", "unknown-field"),
        ] {
            assert!(fields.contains(&want), "{want:?} missing from {fields:?}");
        }
        // A consultation not held is a negative event on its licence.
        let p = json!({"date": "2022-01-20", "source": "community-attestation",
            "purpose": "licensing", "held": false, "licence_id": "lic-1",
            "community_id": "c-1"});
        let Record::Case(c) = Record::from_payload(RecordKind::Consultation, &p).unwrap() else {
            panic!()
        };
        let e = c.events(&RecordId::parse("cons-1").unwrap());
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].kind.as_str(), &*e[0].subject, e[0].negative),
            ("community-consultation", "lic-1", true)
        );
        // A disclosure needs a licence or an authority; "not found" is negative.
        let p = json!({"date": "2025-01-01", "source": "authority-reply",
            "document": "licence-published", "found": false});
        let errs = Record::from_payload(RecordKind::Disclosure, &p).unwrap_err();
        assert_eq!(errs[0].field, "licence_id");
        // A complaint is its own subject, addressed to its authority; its answer is a
        // second event, and an answer before it was sent is refused.
        let p = json!({"date": "2025-09-15", "source": "official-document",
            "subject": "dust", "authority_id": "auth-1", "answered": "2025-10-20"});
        let Record::Case(c) = Record::from_payload(RecordKind::Complaint, &p).unwrap() else {
            panic!()
        };
        let e = c.events(&RecordId::parse("cmp-1").unwrap());
        let kinds: Vec<(&str, &str, Option<&str>)> = e
            .iter()
            .map(|e| (e.kind.as_str(), &*e.subject, e.to.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("complaint-sent", "cmp-1", Some("auth-1")),
                ("complaint-answered", "cmp-1", None)
            ]
        );
        assert_eq!(&*e[1].id, "cmp-1#answered");
        let mut early = p.clone();
        early["answered"] = json!("2025-09-01");
        let errs = Record::from_payload(RecordKind::Complaint, &early).unwrap_err();
        assert_eq!(
            (errs[0].field.as_str(), errs[0].code),
            ("answered", "before-start")
        );
        // An unsigned agreement makes no event.
        let p = json!({"date": "2023-06-01", "source": "official-document",
            "title": "draft", "signed": false, "licence_id": "lic-1"});
        let Record::Case(c) = Record::from_payload(RecordKind::Agreement, &p).unwrap() else {
            panic!()
        };
        assert!(c.events(&RecordId::parse("a-1").unwrap()).is_empty());
    }

    #[test]
    fn polygons_must_be_closed_rings_of_positions() {
        let mut p = licence();
        p["area"]["coordinates"][0][3] = json!([104.0, 48.0]);
        let errs = Record::from_payload(RecordKind::Licence, &p).unwrap_err();
        assert_eq!(errs[0].code, "bad-polygon");
        assert!(errs[0].detail.contains("not closed"), "{}", errs[0].detail);
    }

    #[test]
    fn expiry_before_grant_is_refused() {
        let mut p = licence();
        p["expires"] = json!("2009-01-01");
        let errs = Record::from_payload(RecordKind::Licence, &p).unwrap_err();
        assert_eq!(errs[0].field, "expires");
    }

    #[test]
    fn non_objects_are_refused() {
        let errs = Record::from_payload(RecordKind::Company, &json!([1])).unwrap_err();
        assert_eq!(errs[0].code, "not-object");
    }

    #[test]
    fn record_ids_are_restricted_to_safe_characters() {
        assert!(RecordId::parse("0193b2c4-8f1e-7c3a-9a55-3f1d2e4b5c6d").is_some());
        assert!(RecordId::parse("").is_none());
        assert!(RecordId::parse("a/b").is_none());
        assert!(RecordId::parse("<script>").is_none());
        assert!(RecordId::parse(&"a".repeat(65)).is_none());
    }

    #[test]
    fn status_history_is_dated_and_checked() {
        let mut p = licence();
        p["status_history"] = json!([
            {"date": "2016-09-15", "status": "granted"},
            {"date": "2016-03-02", "status": "applied"}
        ]);
        let Record::Licence(l) = Record::from_payload(RecordKind::Licence, &p).unwrap() else {
            panic!("a licence")
        };
        // Oldest first, whatever the order given.
        assert_eq!(
            l.status_history
                .iter()
                .map(|c| c.status.as_str())
                .collect::<Vec<_>>(),
            ["applied", "granted"]
        );
        p["status_history"] = json!([
            {"date": "2016-09-15", "status": "mined out"},
            {"date": "15.09.2016", "status": "granted"},
            {"date": "2016-09-15"},
            {"date": "2016-09-15", "status": "granted", "by": "x"}
        ]);
        let errs = Record::from_payload(RecordKind::Licence, &p).unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("status_history[0].status", "unknown-value"),
                ("status_history[1].date", "bad-date"),
                ("status_history[2].status", "required"),
                ("status_history[3].by", "unknown-field"),
            ]
        );
    }

    #[test]
    fn commitments_payments_and_notes_are_checked() {
        let commitment = json!({
            "date": "2025-06-15", "source": "official-document",
            "agreement_id": "a1", "what": "Small business fund",
            "amount": 300, "unit": "MNT",
            "schedule": [{"date": "2025-12-31", "amount": 150}, {"date": "2026-12-31"}]
        });
        let r = Record::from_payload(RecordKind::Commitment, &commitment).unwrap();
        assert_eq!(r.kind(), RecordKind::Commitment);
        assert!(
            r.links()
                .iter()
                .any(|l| l.rel == "agreement_id" && l.target_kind == RecordKind::Agreement)
        );
        let codes = |kind, p: &Value| -> Vec<(String, &'static str)> {
            Record::from_payload(kind, p)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        let mut no_unit = commitment.clone();
        no_unit.as_object_mut().unwrap().remove("unit");
        assert_eq!(
            codes(RecordKind::Commitment, &no_unit),
            [("unit".into(), "required")]
        );
        let mut too_much = commitment.clone();
        too_much["schedule"][1]["amount"] = json!(200);
        assert_eq!(
            codes(RecordKind::Commitment, &too_much),
            [("schedule".into(), "out-of-range")]
        );
        let mut early = commitment.clone();
        early["schedule"][0]["date"] = json!("2025-01-01");
        assert_eq!(
            codes(RecordKind::Commitment, &early),
            [("schedule".into(), "before-start")]
        );
        let payment = json!({"date": "2025-12-20", "source": "official-document", "amount": 150});
        assert_eq!(
            codes(RecordKind::Payment, &payment),
            [("commitment_id".into(), "required")]
        );
        let note = json!({"date": "2025-07-02", "source": "community-attestation", "text": "x"});
        assert_eq!(
            codes(RecordKind::Note, &note),
            [("licence_id".into(), "required")]
        );
        let mut v2 = json!({"date": "2025-06-15", "source": "official-document", "title": "v2",
            "signed": true, "licence_id": "l1", "supersedes": "a1"});
        let r = Record::from_payload(RecordKind::Agreement, &v2).unwrap();
        assert!(r.links().iter().any(|l| l.rel == "supersedes"));
        v2["supersedes"] = json!("not an id!");
        assert_eq!(
            codes(RecordKind::Agreement, &v2),
            [("supersedes".into(), "bad-id")]
        );
    }
}
