//! Zones: areas the law or the administration draws (soums, aimags, water-protection
//! zones, headwaters, forest-fund land, protected areas).

use super::Polygon;
use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, NaturalKey, Section, Shape::*, Vocabulary};
use super::{MAX_NAME, Record};
use crate::text::Localized;
use jiff::civil::Date;

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

pub static SCHEMA: KindSchema = KindSchema {
    page_order: &[
        "name",
        "zone_type",
        "code",
        "aimag",
        "designated",
        "data_source",
        "boundary",
    ],
    summary: &["zone_type", "aimag", "code"],
    list_path: Some("/zones"),
    sections: &[Section::ZoneMap],
    // Its type and official code (a P-code, a resolution number); references name a
    // zone by its id.
    natural_key: Some(NaturalKey {
        of_payload: |p| {
            let text = |f: &str| p.get(f).and_then(serde_json::Value::as_str).map(str::trim);
            text("zone_type")
                .zip(text("code").filter(|s| !s.is_empty()))
                .map(|(t, c)| format!("{t}:{}", c.to_uppercase()))
        },
        of_text: None,
        field: "code",
        named_by: "",
    }),
    parse: Some(parse_zone),
    ..KindSchema::new(
        "zone",
        &[
            Field::new("name", Localized).required(),
            Field::new("zone_type", Text)
                .required()
                .means(Vocabulary::MessagesOr("zone-type-")),
            Field::new("code", Text),
            Field::new("aimag", Localized),
            Field::new("designated", Date),
            Field::new("data_source", Text),
            Field::new("boundary", Polygon).required(),
        ],
    )
};

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
