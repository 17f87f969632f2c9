//! Licences: a holder's right to explore or mine an area, with its status over time.

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, NaturalKey, Section, Shape::*, ValueFilter, Vocabulary};
use super::{FieldError, Polygon};
use super::{Record, RecordId, RecordKind};
use crate::licence::{LicenceNumber, LicenceType};
use crate::text::Localized;
use jiff::civil::Date;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceStatus {
    Applied,
    Granted,
    /// Mining (or exploration work) began on the licence.
    Operating,
    /// Its term was extended.
    Extended,
    Transferred,
    Suspended,
    Revoked,
    Expired,
}

impl LicenceStatus {
    pub const ALL: [(&'static str, LicenceStatus); 8] = [
        ("applied", LicenceStatus::Applied),
        ("granted", LicenceStatus::Granted),
        ("operating", LicenceStatus::Operating),
        ("extended", LicenceStatus::Extended),
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

    /// The event the duty engine reads when a licence takes this status.
    pub fn event(self) -> &'static str {
        match self {
            LicenceStatus::Applied => "licence-applied",
            LicenceStatus::Granted => "licence-granted",
            LicenceStatus::Operating => "operation-started",
            LicenceStatus::Extended => "licence-extended",
            LicenceStatus::Transferred => "licence-transferred",
            LicenceStatus::Suspended => "licence-suspended",
            LicenceStatus::Revoked => "licence-revoked",
            LicenceStatus::Expired => "licence-expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Licence {
    pub number: LicenceNumber,
    pub holder_id: RecordId,
    pub minerals: Vec<String>,
    /// Where it lies; empty when the file it came from does not say (the MRPAM
    /// listing names no place).
    pub aimag: Localized,
    pub soum: Localized,
    pub area_ha: Option<f64>,
    pub granted: Option<Date>,
    pub expires: Option<Date>,
    pub status: LicenceStatus,
    /// Dated changes of status (applied, granted, transferred…), oldest first.
    pub status_history: Vec<StatusChange>,
    /// Its area: one polygon or several (the cadastre draws every licence as a
    /// MultiPolygon, and some have separate parts); empty when not recorded.
    pub area: Vec<Polygon>,
    /// What the file it came from said beyond these fields (a cadastre's own columns),
    /// kept as it was: column name to text.
    pub source_attributes: BTreeMap<String, String>,
}

/// At most this many source attributes, each at most this long.
const MAX_ATTRIBUTES: usize = 64;
const MAX_ATTRIBUTE: usize = 2_000;

/// A licence's status from a date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub date: Date,
    pub status: LicenceStatus,
}

impl Licence {
    pub fn licence_type(&self) -> LicenceType {
        self.number.licence_type()
    }
}

/// The statuses' names (as `LicenceStatus::ALL` has them), for lists to filter by.
const STATUSES: [&str; 8] = [
    LicenceStatus::ALL[0].0,
    LicenceStatus::ALL[1].0,
    LicenceStatus::ALL[2].0,
    LicenceStatus::ALL[3].0,
    LicenceStatus::ALL[4].0,
    LicenceStatus::ALL[5].0,
    LicenceStatus::ALL[6].0,
    LicenceStatus::ALL[7].0,
];

pub static SCHEMA: KindSchema = KindSchema {
    page_order: &[
        "number",
        "holder_id",
        "status",
        "minerals",
        "aimag",
        "soum",
        "area_ha",
        "granted",
        "expires",
        "status_history",
        "area",
        "source_attributes",
    ],
    label: &["number"],
    summary: &["status", "soum", "minerals"],
    list_path: Some("/licences"),
    filters: &[("company", RecordKind::Company)],
    value_filters: &[
        ValueFilter::text("status"),
        ValueFilter {
            name: "aimag",
            path: "aimag.mn",
            list: false,
        },
        ValueFilter {
            name: "soum",
            path: "soum.mn",
            list: false,
        },
        ValueFilter {
            name: "minerals",
            path: "minerals",
            list: true,
        },
    ],
    sections: &[Section::Gaps, Section::LicenceHub],
    // The official number, however it was written (see `LicenceNumber::parse`).
    natural_key: Some(NaturalKey {
        of_payload: |p| {
            p.get("number")
                .and_then(serde_json::Value::as_str)
                .and_then(number_key)
        },
        of_text: Some(number_key),
        field: "number",
        named_by: "number",
    }),
    parse: Some(parse_licence),
    ..KindSchema::new(
        "licence",
        &[
            Field::new("number", Text)
                .required()
                .means(Vocabulary::LicenceNumber),
            Field::new("holder_id", Ref(RecordKind::Company)).required(),
            Field::new("minerals", List),
            Field::new("aimag", Localized),
            Field::new("soum", Localized),
            Field::new("area_ha", Number),
            Field::new("granted", Date),
            Field::new("expires", Date),
            Field::new("status", Text)
                .required()
                .choice(&STATUSES, "status-"),
            Field::new(
                "status_history",
                Dated {
                    key: "status",
                    number: false,
                },
            )
            .means(Vocabulary::Messages("status-")),
            Field::new("area", Polygon),
            Field::new("source_attributes", Json),
        ],
    )
};

fn parse_licence(f: &mut Fields<'_>) -> Option<Record> {
    let number = f.licence_number("number");
    let holder_id = f.id("holder_id", Required);
    let minerals = f.text_list("minerals");
    let aimag = f.localized("aimag", Optional).unwrap_or_default();
    let soum = f.localized("soum", Optional).unwrap_or_default();
    let area_ha = f.number("area_ha", Optional, 0.0, 10_000_000.0);
    let granted = f.date("granted", Optional);
    let expires = f.date("expires", Optional);
    let status = f.choice_of("status", Required, &LicenceStatus::ALL);
    let status_history = f
        .dated("status_history", "status", true, |v| {
            v.as_str()
                .and_then(|s| LicenceStatus::ALL.iter().find(|(n, _)| *n == s))
                .map(|(_, st)| *st)
                .ok_or("expected applied, granted, operating, extended, transferred, suspended, revoked or expired")
        })
        .into_iter()
        .map(
            |(date, status): (Date, Option<LicenceStatus>)| StatusChange {
                date,
                status: status.expect("a status is required in each entry"),
            },
        )
        .collect();
    let area = f.area("area", Optional).unwrap_or_default();
    let source_attributes = f.attributes("source_attributes", MAX_ATTRIBUTES, MAX_ATTRIBUTE);
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
        aimag,
        soum,
        area_ha,
        granted,
        expires,
        status: status?,
        status_history,
        area,
        source_attributes,
    }))
    .filter(|_| f.ok())
}

/// What finds a licence by its number however it was typed: the prefix and the
/// number without leading zeros (`MV-21252` for `MV-00021252` and `mv 021252`).
fn number_key(text: &str) -> Option<String> {
    LicenceNumber::parse(text.trim())
        .ok()
        .map(|n| n.key().to_owned())
}
