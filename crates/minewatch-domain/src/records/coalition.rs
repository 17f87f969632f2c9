//! The coalition's own records: its workspace, the organisations in it and the
//! communities it works with.

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, Shape::*};
use super::{Contact, Point};
use super::{MAX_NAME, MAX_TEXT, Record, RecordId, RecordKind};
use crate::text::Localized;

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub name: Localized,
    pub pack: String,
    pub description: Option<Localized>,
}

pub static WORKSPACE: KindSchema = KindSchema {
    page_order: &["name", "description", "pack"],
    parse: Some(parse_workspace),
    ..KindSchema::new(
        "workspace",
        &[
            Field::new("name", Localized).required(),
            Field::new("pack", Text).required(),
            Field::new("description", Localized),
        ],
    )
};

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

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub workspace_id: RecordId,
    pub name: Localized,
    pub org_type: String,
    /// Where replies to its letters go: postal address, phone and email.
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The kinds of organisation a coalition is made of.
pub const ORG_TYPES: [&str; 5] = ["cso", "coalition", "community-group", "law-firm", "other"];

pub static ORGANISATION: KindSchema = KindSchema {
    page_order: &[
        "name",
        "org_type",
        "address",
        "phone",
        "email",
        "workspace_id",
    ],
    parse: Some(parse_organisation),
    ..KindSchema::new(
        "organisation",
        &[
            Field::new("workspace_id", Ref(RecordKind::Workspace)).required(),
            Field::new("name", Localized).required(),
            Field::new("org_type", Text)
                .required()
                .choice(&ORG_TYPES, "org-type-"),
            // The office a letter's reply goes to: restricted like every contact.
            Field::new("address", Text).restricted(),
            Field::new("phone", Text).restricted(),
            Field::new("email", Text).restricted(),
        ],
    )
};

fn parse_organisation(f: &mut Fields<'_>) -> Option<Record> {
    let workspace_id = f.id("workspace_id", Required);
    let name = f.localized("name", Required);
    let org_type = f.choice("org_type", Required, &ORG_TYPES);
    let address = f.text("address", Optional, MAX_TEXT);
    let phone = f.text("phone", Optional, 40);
    let email = f.email("email");
    Some(Record::Organisation(Organisation {
        workspace_id: workspace_id?,
        name: name?,
        org_type: org_type?.to_owned(),
        address,
        phone,
        email,
    }))
    .filter(|_| f.ok())
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

pub static COMMUNITY: KindSchema = KindSchema {
    page_order: &[
        "name",
        "aimag",
        "soum",
        "bagh",
        "households",
        "centre",
        "workspace_id",
    ],
    summary: &["soum", "aimag"],
    list_path: Some("/communities"),
    parse: Some(parse_community),
    ..KindSchema::new(
        "community",
        &[
            Field::new("workspace_id", Ref(RecordKind::Workspace)).required(),
            Field::new("name", Localized).required(),
            Field::new("aimag", Localized).required(),
            Field::new("soum", Localized).required(),
            Field::new("bagh", Text),
            Field::new("households", Count),
            Field::new("centre", Point),
            Field::new("contact", Contact).restricted(),
        ],
    )
};

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
