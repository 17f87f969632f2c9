//! Companies: licence holders and their parents and owners.

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, NaturalKey, Section, Shape::*};
use super::{Record, RecordId, RecordKind};
use crate::text::Localized;

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub name: Localized,
    pub registration_number: Option<String>,
    pub parent_id: Option<RecordId>,
    /// The people or entities who ultimately own or control it, where known.
    pub beneficial_owners: Vec<String>,
}

pub static SCHEMA: KindSchema = KindSchema {
    page_order: &[
        "name",
        "registration_number",
        "parent_id",
        "beneficial_owners",
    ],
    summary: &["registration_number"],
    list_path: Some("/companies"),
    sections: &[Section::Gaps, Section::CompanyRecord],
    // The state registration number, in capitals.
    natural_key: Some(NaturalKey {
        of_payload: |p| {
            p.get("registration_number")
                .and_then(serde_json::Value::as_str)
                .and_then(registration_key)
        },
        of_text: Some(registration_key),
        field: "registration_number",
        named_by: "registration number",
    }),
    parse: Some(parse_company),
    ..KindSchema::new(
        "company",
        &[
            Field::new("name", Localized).required(),
            Field::new("registration_number", Text),
            Field::new("parent_id", Ref(RecordKind::Company)),
            Field::new("beneficial_owners", List),
        ],
    )
};

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

fn registration_key(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_uppercase())
}
