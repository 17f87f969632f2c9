//! Field reports: something seen, by a named or an anonymous reporter.

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, Section, Shape::*, Vocabulary};
use super::{Contact, MAX_TEXT, Point};
use super::{MAX_NAME, Record, RecordId, RecordKind};
use jiff::civil::Date;

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

pub static SCHEMA: KindSchema = KindSchema {
    page_order: &[
        "observed_on",
        "category",
        "description",
        "place",
        "location",
        "community_id",
        "licence_id",
        "workspace_id",
    ],
    label: &["observed_on", "description"],
    summary: &["category", "place"],
    list_path: Some("/observations"),
    edited_on_the_web: false,
    owned_by_community: true,
    filters: &[
        ("licence", RecordKind::Licence),
        ("community", RecordKind::Community),
    ],
    sections: &[Section::ReportSoum],
    parse: Some(parse_observation),
    ..KindSchema::new(
        "observation",
        &[
            Field::new("workspace_id", Ref(RecordKind::Workspace)),
            Field::new("community_id", Ref(RecordKind::Community)),
            Field::new("licence_id", Ref(RecordKind::Licence)),
            Field::new("observed_on", Date).required(),
            Field::new("category", Text)
                .required()
                .means(Vocabulary::Messages("category-")),
            Field::new("description", Text).required(),
            Field::new("place", Text),
            Field::new("location", Point).approximate(),
            Field::new("reporter", Contact).restricted(),
            Field::new("follow_ups", List),
        ],
    )
};

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
