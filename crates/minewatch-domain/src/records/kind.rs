//! Record kinds: the built-in ones, and those registered by a program that embeds the
//! toolkit (or by a test) before it opens a store or builds the web app.

use std::fmt;
use std::sync::RwLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::schema::KindSchema;
use super::{authority, coalition, company, dated, licence, media, observation, request, zone};

/// A kind of record: its name, and through it its [`KindSchema`].
///
/// The built-in kinds are the associated constants (`RecordKind::Licence`); two kinds
/// are equal when their names are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordKind(&'static str);

/// The built-in kinds, in the order lists, counts and exports go through them.
static BUILT_IN: [&KindSchema; 20] = [
    &coalition::WORKSPACE,
    &coalition::ORGANISATION,
    &coalition::COMMUNITY,
    &authority::SCHEMA,
    &company::SCHEMA,
    &licence::SCHEMA,
    &zone::SCHEMA,
    &request::SCHEMA,
    &observation::SCHEMA,
    &dated::CONSULTATION,
    &dated::DISCLOSURE,
    &dated::INSPECTION,
    &dated::VIOLATION,
    &dated::DECISION,
    &dated::AGREEMENT,
    &dated::COMPLAINT,
    &dated::COMMITMENT,
    &dated::PAYMENT,
    &dated::NOTE,
    &media::SCHEMA,
];

/// Kinds registered at run time, after the built-in ones.
static REGISTERED: RwLock<Vec<&'static KindSchema>> = RwLock::new(Vec::new());

#[allow(non_upper_case_globals)]
impl RecordKind {
    pub const Workspace: RecordKind = RecordKind("workspace");
    pub const Organisation: RecordKind = RecordKind("organisation");
    pub const Community: RecordKind = RecordKind("community");
    pub const Authority: RecordKind = RecordKind("authority");
    pub const Company: RecordKind = RecordKind("company");
    pub const Licence: RecordKind = RecordKind("licence");
    pub const Zone: RecordKind = RecordKind("zone");
    pub const Request: RecordKind = RecordKind("request");
    pub const Observation: RecordKind = RecordKind("observation");
    pub const Consultation: RecordKind = RecordKind("consultation");
    pub const Disclosure: RecordKind = RecordKind("disclosure");
    pub const Inspection: RecordKind = RecordKind("inspection");
    pub const Violation: RecordKind = RecordKind("violation");
    pub const Decision: RecordKind = RecordKind("decision");
    pub const Agreement: RecordKind = RecordKind("agreement");
    pub const Complaint: RecordKind = RecordKind("complaint");
    pub const Commitment: RecordKind = RecordKind("commitment");
    pub const Payment: RecordKind = RecordKind("payment");
    pub const Note: RecordKind = RecordKind("note");
    pub const Media: RecordKind = RecordKind("media");

    /// The dated records (see [`DatedRecord`](super::dated::DatedRecord)), most of which
    /// the duty engine reads.
    pub const DATED: [RecordKind; 10] = [
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

    /// Every kind: the built-in ones, then those registered.
    pub fn all() -> Vec<RecordKind> {
        let registered = REGISTERED
            .read()
            .expect("the kind registry is never poisoned");
        BUILT_IN
            .iter()
            .chain(registered.iter())
            .map(|s| RecordKind(s.name))
            .collect()
    }

    /// Adds a kind defined outside this crate. Call it before the store or the web app
    /// is made; registering the same schema again is harmless.
    ///
    /// # Panics
    /// If another kind already has the schema's name, or the name is not a lowercase
    /// ASCII word.
    pub fn register(schema: &'static KindSchema) -> RecordKind {
        assert!(
            !schema.name.is_empty() && schema.name.bytes().all(|b| b.is_ascii_lowercase()),
            "a kind's name is a lowercase ASCII word: {:?}",
            schema.name
        );
        let mut registered = REGISTERED
            .write()
            .expect("the kind registry is never poisoned");
        match Self::lookup(schema.name, &registered) {
            Some(existing) if std::ptr::eq(existing, schema) => {}
            Some(_) => panic!("a record kind named {:?} exists already", schema.name),
            None => registered.push(schema),
        }
        RecordKind(schema.name)
    }

    fn lookup(name: &str, registered: &[&'static KindSchema]) -> Option<&'static KindSchema> {
        BUILT_IN
            .iter()
            .chain(registered.iter())
            .find(|s| s.name == name)
            .copied()
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        if let Some(schema) = BUILT_IN.iter().find(|k| k.name == s) {
            return Some(RecordKind(schema.name));
        }
        let registered = REGISTERED
            .read()
            .expect("the kind registry is never poisoned");
        Self::lookup(s, &registered).map(|schema| RecordKind(schema.name))
    }

    /// What this kind is.
    pub fn schema(self) -> &'static KindSchema {
        if let Some(schema) = BUILT_IN.iter().find(|k| k.name == self.0) {
            return schema;
        }
        let registered = REGISTERED
            .read()
            .expect("the kind registry is never poisoned");
        Self::lookup(self.0, &registered)
            .expect("a RecordKind is made only from a known or registered schema")
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Where the kind comes in [`RecordKind::all`].
    fn ordinal(self) -> usize {
        if let Some(i) = BUILT_IN.iter().position(|k| k.name == self.0) {
            return i;
        }
        let registered = REGISTERED
            .read()
            .expect("the kind registry is never poisoned");
        BUILT_IN.len()
            + registered
                .iter()
                .position(|k| k.name == self.0)
                .unwrap_or(registered.len())
    }

    /// Kinds whose records belong to the community their `community_id` names (see
    /// [`crate::RecordAccess::of`]); without one they are shared.
    pub fn is_owned_by_community(self) -> bool {
        self.schema().owned_by_community
    }

    /// Fields that hold personal data or exact places and never appear in a public view.
    pub fn restricted_fields(self) -> impl Iterator<Item = &'static str> {
        self.schema()
            .fields
            .iter()
            .filter(|f| f.restricted)
            .map(|f| f.name)
    }

    /// Fields the record's name (list label) is made of: they are as visible as the
    /// record, never more restricted, so a list never shows a hidden field.
    pub fn label_fields(self) -> &'static [&'static str] {
        self.schema().label
    }

    /// Fields holding an exact location that a public view shows only approximately.
    pub fn approximate_fields(self) -> impl Iterator<Item = &'static str> {
        self.schema()
            .fields
            .iter()
            .filter(|f| f.approximate)
            .map(|f| f.name)
    }
}

impl PartialOrd for RecordKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.ordinal()
            .cmp(&other.ordinal())
            .then_with(|| self.0.cmp(other.0))
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for RecordKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for RecordKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        RecordKind::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown record kind {name:?}")))
    }
}
