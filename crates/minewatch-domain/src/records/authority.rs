//! Authorities: the bodies that owe the duties (a soum governor, a ministry, an agency).

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, Section, Shape::*, Vocabulary};
use super::{MAX_NAME, Record};
use crate::text::Localized;

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

pub static SCHEMA: KindSchema = KindSchema {
    page_order: &[
        "name",
        "authority_type",
        "jurisdiction",
        "address",
        "email",
        "phone",
    ],
    summary: &["authority_type", "jurisdiction"],
    list_path: Some("/authorities"),
    sections: &[Section::Gaps, Section::RequestStats],
    parse: Some(parse_authority),
    ..KindSchema::new(
        "authority",
        &[
            Field::new("name", Localized).required(),
            Field::new("authority_type", Text)
                .required()
                .means(Vocabulary::AuthorityType),
            Field::new("jurisdiction", Localized).required(),
            Field::new("aimag", Localized),
            Field::new("soum", Localized),
            Field::new("address", Text),
            Field::new("email", Text),
            Field::new("phone", Text),
        ],
    )
};

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
