//! Records: their kinds, ids and the validation of their payloads.
//!
//! A record's payload is a JSON object. Validation turns it into a typed [`Record`] or
//! into a list of [`FieldError`]s, one per wrong field, each with a stable code the user
//! interface translates. Validation is strict about unknown fields so that a typo in an
//! import ("holdr_id") is reported instead of silently dropped.
//!
//! Each kind is defined once, by its [`KindSchema`] in the module of its family
//! (`licence`, `request`, `dated`…), beside its typed form and parser.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod authority;
pub mod coalition;
pub mod company;
pub mod dated;
mod fields;
mod kind;
pub mod licence;
pub mod media;
pub mod observation;
pub mod request;
pub mod schema;
pub mod zone;

pub use authority::Authority;
pub use coalition::{Community, Organisation, Workspace};
pub use company::Company;
pub use dated::{DatedDetail, DatedRecord, Installment};
pub use fields::Fields;
pub use kind::RecordKind;
pub use licence::{Licence, LicenceStatus, StatusChange};
pub use observation::{Observation, ObservationCategory};
pub use request::Request;
pub use schema::{Field, KindSchema, Section, Shape, ValueFilter, Vocabulary};
pub use zone::{ADMIN_ZONE_TYPES, Zone};

use crate::evidence::Media;
use crate::text::Localized;

/// The years a record's date may fall in: the mining law and its records are of the
/// 20th and 21st centuries.
pub const FIRST_YEAR: i16 = 1900;
pub const LAST_YEAR: i16 = 2100;

pub(crate) const MAX_NAME: usize = 300;
pub(crate) const MAX_TEXT: usize = 10_000;

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
    Dated(DatedRecord),
    Media(Media),
    /// A record of a kind validated from its schema alone (see [`KindSchema::parse`]).
    Other(OtherRecord),
}

/// A record of a kind without a typed parser: its validated fields as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherRecord {
    pub kind: RecordKind,
    pub fields: Map<String, Value>,
}

/// Reads a payload as a record of `kind`, by its typed parser or by its schema.
fn read(kind: RecordKind, f: &mut Fields<'_>) -> Option<Record> {
    let schema = kind.schema();
    match schema.parse {
        Some(parse) => parse(f),
        None => schema::parse_by_schema(f, schema).map(|v| {
            Record::Other(OtherRecord {
                kind,
                fields: match v {
                    Value::Object(o) => o,
                    _ => Map::new(),
                },
            })
        }),
    }
}

impl Record {
    /// Validates `payload` as a record of `kind`, reporting every wrong field.
    pub fn from_payload(kind: RecordKind, payload: &Value) -> Result<Record, Vec<FieldError>> {
        let mut f = Fields::new(payload)?;
        let record = read(kind, &mut f);
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
        drop(read(kind, &mut f));
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
            Record::Dated(r) => r.kind(),
            Record::Media(_) => RecordKind::Media,
            Record::Other(r) => r.kind,
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
            Record::Dated(r) => r.name(),
            Record::Other(r) => {
                let schema = r.kind.schema();
                let pick = |lang: fn(&Localized) -> Option<&String>| {
                    let parts: Vec<String> = schema
                        .label
                        .iter()
                        .filter_map(|name| match r.fields.get(*name)? {
                            Value::String(s) => Some(s.clone()),
                            v @ Value::Object(_) => {
                                let text: Localized = serde_json::from_value(v.clone()).ok()?;
                                lang(&text)
                                    .or(text.mn.as_ref())
                                    .or(text.en.as_ref())
                                    .cloned()
                            }
                            other => Some(other.to_string()),
                        })
                        .collect();
                    (!parts.is_empty()).then(|| parts.join(" · "))
                };
                Localized {
                    mn: pick(|t| t.mn.as_ref()),
                    en: pick(|t| t.en.as_ref()),
                }
            }
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

    /// What a list's search matches: the label, and for a licence its number's key
    /// (`MV-21252` for `MV-00021252`), so any spelling a person types finds it.
    pub fn search_text(&self) -> String {
        match self {
            Record::Licence(l) => format!("{} {}", self.search_label(), l.number.key()),
            _ => self.search_label(),
        }
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
            Record::Other(r) => {
                for field in r.kind.schema().fields {
                    if let schema::Shape::Ref(kind) = field.shape
                        && let Some(id) = r
                            .fields
                            .get(field.name)
                            .and_then(Value::as_str)
                            .and_then(RecordId::parse)
                    {
                        links.push(link(field.name, &id, kind));
                    }
                }
            }
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
            Record::Dated(r) => {
                match &r.detail {
                    DatedDetail::Agreement {
                        supersedes: Some(a),
                        ..
                    } => links.push(link("supersedes", a, RecordKind::Agreement)),
                    DatedDetail::Commitment { agreement_id, .. } => {
                        links.push(link("agreement_id", agreement_id, RecordKind::Agreement))
                    }
                    DatedDetail::Payment { commitment_id, .. } => {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::licence::LicenceType;

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
    fn every_kind_reads_the_fields_its_schema_declares_and_requires_the_required() {
        // The schema is what imports, exports and pages derive from: a field the parser
        // reads without declaring it would be lost in a round trip.
        for kind in RecordKind::all() {
            let schema = kind.schema();
            let mut read = Record::field_names(kind);
            read.retain(|n| {
                *n != crate::access::VISIBILITY_KEY && *n != crate::access::FIELD_VISIBILITY_KEY
            });
            let mut declared: Vec<&str> = schema.fields.iter().map(|f| f.name).collect();
            read.sort_unstable();
            declared.sort_unstable();
            assert_eq!(read, declared, "{kind}");
            let errors = Record::from_payload(kind, &json!({})).unwrap_err();
            for field in schema.fields.iter().filter(|f| f.required) {
                assert!(
                    errors
                        .iter()
                        .any(|e| e.field == field.name && e.code == "required"),
                    "{kind}.{} is declared required but an empty payload is not refused for it: {errors:?}",
                    field.name
                );
            }
            for name in schema.label.iter().chain(schema.summary) {
                assert!(
                    schema.field(name).is_some(),
                    "{kind} names an undeclared field {name}"
                );
            }
        }
    }

    static SAMPLE: KindSchema = KindSchema {
        label: &["name", "measured"],
        ..KindSchema::new(
            "samplekind",
            &[
                Field::new("name", Shape::Text).required(),
                Field::new("measured", Shape::Date).required(),
                Field::new("level", Shape::Text).choice(&["low", "high"], "level-"),
                Field::new("licence_id", Shape::Ref(RecordKind::Licence)),
                Field::new("value", Shape::Number),
                Field::new("reporter", Shape::Contact).restricted(),
                Field::new("sites", Shape::List).required(),
            ],
        )
    };

    #[test]
    fn a_kind_without_a_parser_is_validated_from_its_schema() {
        let kind = RecordKind::register(&SAMPLE);
        assert_eq!(
            RecordKind::register(&SAMPLE),
            kind,
            "registering twice is harmless"
        );
        assert_eq!(RecordKind::parse("samplekind"), Some(kind));
        assert!(RecordKind::all().contains(&kind));
        assert!(
            kind > RecordKind::Media,
            "registered kinds come after the built-in ones"
        );
        assert_eq!(kind.restricted_fields().collect::<Vec<_>>(), ["reporter"]);
        let r = Record::from_payload(
            kind,
            &json!({"name": "Well 3", "measured": "2026-05-01", "level": "high",
                    "licence_id": "lic-1", "value": 4.5, "sites": ["a"],
                    "visibility": "coalition"}),
        )
        .unwrap();
        assert_eq!(r.kind(), kind);
        assert_eq!(r.name().mn.as_deref(), Some("Well 3 · 2026-05-01"));
        assert_eq!(r.links()[0].rel, "licence_id");
        assert_eq!(r.links()[0].target_kind, RecordKind::Licence);
        let errors = Record::from_payload(
            kind,
            &json!({"measured": "2026-13-01", "level": "medium", "value": "x", "colour": 1}),
        )
        .unwrap_err();
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        for expected in [
            ("name", "required"),
            ("measured", "bad-date"),
            ("level", "unknown-value"),
            ("value", "wrong-type"),
            ("colour", "unknown-field"),
            ("sites", "required"),
        ] {
            assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
        }
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
        // A licence's area may be in parts, as the cadastre draws it.
        let mut l = licence();
        l["area"] = multi;
        let Record::Licence(l) = Record::from_payload(RecordKind::Licence, &l).unwrap() else {
            panic!("a licence")
        };
        assert_eq!(l.area.len(), 2);
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
        p.as_object_mut().unwrap().remove("holder_id");
        let errs = Record::from_payload(RecordKind::Licence, &p).unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        for want in [
            ("number", "bad-licence-number"),
            ("status", "unknown-value"),
            ("granted", "bad-date"),
            ("holdr_id", "unknown-field"),
            ("holder_id", "required"),
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
        let Record::Dated(c) = Record::from_payload(RecordKind::Consultation, &p).unwrap() else {
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
        let Record::Dated(c) = Record::from_payload(RecordKind::Complaint, &p).unwrap() else {
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
        let Record::Dated(c) = Record::from_payload(RecordKind::Agreement, &p).unwrap() else {
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
