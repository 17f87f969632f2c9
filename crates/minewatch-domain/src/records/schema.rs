//! What a record kind is, written once: its fields (with their shape, whether they are
//! required, what they refer to, who may see them and what their values mean), its
//! name in lists, its list page and the sections its page shows.
//!
//! Everything else that depends on a kind is derived from its [`KindSchema`]: the table
//! columns of imports and exports (`minewatch_formats::table`), the order and rendering
//! of a record's page, the list filters, the routes, the restricted and approximate
//! fields of public views, and, for kinds without a typed parser, validation itself.

use serde_json::Value;

use super::{Fields, Record, RecordKind};

/// A list filter by a field's value: its query parameter (the field's name), the
/// payload path it reads (`soum.mn` for a localized name) and whether the field is a
/// list of texts (a licence's minerals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueFilter {
    pub name: &'static str,
    pub path: &'static str,
    pub list: bool,
}

impl ValueFilter {
    /// A filter by a text field.
    pub const fn text(name: &'static str) -> ValueFilter {
        ValueFilter {
            name,
            path: name,
            list: false,
        }
    }

    /// The values of this filter's field in `payload`.
    pub fn values(&self, payload: &serde_json::Value) -> Vec<String> {
        let mut v = payload;
        for part in self.path.split('.') {
            match v.get(part) {
                Some(next) => v = next,
                None => return Vec::new(),
            }
        }
        let mut out: Vec<String> = match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(items) if self.list => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        out.sort();
        out.dedup();
        out
    }
}

/// What a field holds, and so how it is validated, written as table cells and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The record's id (the first column of a table).
    Id,
    Text,
    /// Text in Mongolian and English: two columns, `.mn` and `.en`.
    Localized,
    /// The id of a record of this kind; imports also take its natural key (a licence
    /// number, a company's registration number).
    Ref(RecordKind),
    /// `YYYY-MM-DD`; imports also take `DD.MM.YYYY`.
    Date,
    /// A whole number of 0 or more.
    Count,
    Number,
    /// A sum of money or of things counted: shown with thousands grouped.
    Amount,
    /// `true` or `false`; imports also take yes/no, 1/0 and тийм/үгүй.
    Flag,
    /// Texts separated by `; ` (a JSON list when an item holds a `;`).
    List,
    /// Latitude and longitude: two columns, `.lat` and `.lon`.
    Point,
    /// A person: three columns, `.name`, `.phone` and `.email`.
    Contact,
    /// An area as WKT: a `POLYGON`, or a `MULTIPOLYGON` where the kind allows one.
    Polygon,
    /// Field visibility levels as `field=level; field=level`.
    Levels,
    /// Structured entries written as compact JSON (a request's steps).
    Json,
    /// Dated entries as `YYYY-MM-DD value; YYYY-MM-DD value`, each a `{"date", key}`
    /// object; `number`: the values are numbers (and may be left out).
    Dated {
        key: &'static str,
        number: bool,
    },
}

/// What a field's values mean to a reader, so that a page can name them in the reader's
/// language instead of showing the stored code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// Shown as stored.
    Plain,
    /// A code named by the message `{prefix}{value}` (`status-` + `granted`).
    Messages(&'static str),
    /// A code named by a message when there is one, else shown as stored (zone types
    /// a pack may add).
    MessagesOr(&'static str),
    /// An authority type of the pack.
    AuthorityType,
    /// A duty of the pack, named with its citation.
    Duty,
    /// A request's steps (their states are `request-state-` messages).
    RequestSteps,
    /// A licence number, whose form tells the licence's type.
    LicenceNumber,
    /// An event of the pack (a disclosure's document, a decision), by its name.
    Event,
}

/// A field of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    pub required: bool,
    /// Holds personal data or an exact place: never in a public view, and shown only to
    /// the case team unless the record's own settings say otherwise.
    pub restricted: bool,
    /// Holds an exact location that a public view shows only rounded.
    pub approximate: bool,
    pub vocabulary: Vocabulary,
    /// For a text field of a kind validated from its schema: the values it takes.
    pub choices: &'static [&'static str],
}

impl Field {
    pub const fn new(name: &'static str, shape: Shape) -> Field {
        Field {
            name,
            shape,
            required: false,
            restricted: false,
            approximate: false,
            vocabulary: Vocabulary::Plain,
            choices: &[],
        }
    }

    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub const fn restricted(mut self) -> Field {
        self.restricted = true;
        self
    }

    pub const fn approximate(mut self) -> Field {
        self.approximate = true;
        self
    }

    pub const fn means(mut self, vocabulary: Vocabulary) -> Field {
        self.vocabulary = vocabulary;
        self
    }

    /// A text field that takes one of `choices`, each named by `{prefix}{choice}`.
    pub const fn choice(mut self, choices: &'static [&'static str], prefix: &'static str) -> Field {
        self.choices = choices;
        self.vocabulary = Vocabulary::Messages(prefix);
        self
    }
}

/// A section a record's page shows besides its fields, linked records, media and
/// history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The duty engine's findings about the record (licence, company, authority).
    Gaps,
    /// A licence's map, status history, timeline and agreements.
    LicenceHub,
    /// A zone's map and the licences in it.
    ZoneMap,
    /// A request's state, clock, due date and actions.
    RequestClock,
    /// An authority's record of answering requests.
    RequestStats,
    /// A company's licences, violations, decisions and repeat-violator flag.
    CompanyRecord,
    /// An agreement's commitments and totals, and its versions side by side.
    AgreementTracker,
    /// A commitment's standing.
    CommitmentStanding,
    /// Where a field report is from, at soum level.
    ReportSoum,
}

/// How imports name a record of a kind besides its id: a licence by its number, a
/// company by its registration number, a zone by its type and official code.
#[derive(Debug, Clone, Copy)]
pub struct NaturalKey {
    /// A record's key from its payload, normalised; `None` when it has none.
    pub of_payload: fn(&Value) -> Option<String>,
    /// The key a reference's text gives, normalised; `None`: references to this kind
    /// name a record by its id only.
    pub of_text: Option<fn(&str) -> Option<String>>,
    /// The field that holds the key (`number`).
    pub field: &'static str,
    /// What references may give instead of the id (`number`), for error messages.
    pub named_by: &'static str,
}

/// A message of a kind defined outside this crate: `(id, Mongolian, English)`.
pub type Message = (&'static str, &'static str, &'static str);

/// A record kind, defined once.
#[derive(Debug)]
pub struct KindSchema {
    /// The kind's name in the ledger, URLs and files (`licence`).
    pub name: &'static str,
    /// Its fields in column order (the id and the access settings are added around).
    pub fields: &'static [Field],
    /// The order of fields on its page, when it differs from the column order; fields
    /// not named come last.
    pub page_order: &'static [&'static str],
    /// The fields its name in lists is made of: as visible as the record, never more
    /// restricted.
    pub label: &'static [&'static str],
    /// The fields of its one-line summary in lists.
    pub summary: &'static [&'static str],
    /// Its list page (`/licences`); `None`: it has no list of its own.
    pub list_path: Option<&'static str>,
    /// Whether its pages offer a correction form (a field report is corrected through
    /// its receipt instead).
    pub edited_on_the_web: bool,
    /// Records of this kind belong to the community their `community_id` names (see
    /// [`crate::RecordAccess::of`]); without one they are shared.
    pub owned_by_community: bool,
    /// The linked-record filters its list offers: (query parameter, kind filtered by).
    pub filters: &'static [(&'static str, RecordKind)],
    /// The fields its list filters by value, each offered as a drop-down: a field with
    /// `choices` by their names (a licence's status); a localized name (`aimag`,
    /// `soum`: by its Mongolian text) or a list of texts (`minerals`) by the values
    /// recorded, with how many records have each. The store indexes these values.
    pub value_filters: &'static [ValueFilter],
    /// The sections its page shows.
    pub sections: &'static [Section],
    /// How imports name its records besides their ids.
    pub natural_key: Option<NaturalKey>,
    /// Its typed parser; `None`: validated from the fields above and kept as an
    /// [`OtherRecord`](super::OtherRecord).
    pub parse: Option<fn(&mut Fields<'_>) -> Option<Record>>,
    /// Messages of a kind defined outside the built-in ones (its name, plural and field
    /// labels); the built-in kinds' messages are in the web crate's Fluent files.
    pub messages: &'static [Message],
}

impl KindSchema {
    /// A kind with no list, sections or typed parser: fill in what it has.
    pub const fn new(name: &'static str, fields: &'static [Field]) -> KindSchema {
        KindSchema {
            name,
            fields,
            page_order: &[],
            label: &["name"],
            summary: &[],
            list_path: None,
            edited_on_the_web: true,
            owned_by_community: false,
            filters: &[],
            value_filters: &[],
            sections: &[],
            natural_key: None,
            parse: None,
            messages: &[],
        }
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn has(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }

    /// Where a field comes on the record's page: its place in `page_order`, else after
    /// every named one in column order.
    pub fn page_position(&self, name: &str) -> usize {
        if let Some(i) = self.page_order.iter().position(|n| *n == name) {
            return i;
        }
        let column = self
            .fields
            .iter()
            .position(|f| f.name == name)
            .unwrap_or(self.fields.len());
        self.page_order.len() + column
    }
}

/// Validates a payload of a kind without a typed parser, field by field from its schema.
pub(crate) fn parse_by_schema(f: &mut Fields<'_>, schema: &'static KindSchema) -> Option<Value> {
    use super::fields::Presence::{Optional, Required};
    let mut out = serde_json::Map::new();
    for field in schema.fields {
        let presence = if field.required { Required } else { Optional };
        let name = field.name;
        // The readers of these shapes have no "required" of their own: a required one
        // that is missing is reported here.
        if field.required
            && matches!(
                field.shape,
                Shape::Count | Shape::List | Shape::Point | Shape::Contact
            )
            && f.value(name, Required).is_none()
        {
            continue;
        }
        let value: Option<Value> = match field.shape {
            Shape::Id | Shape::Levels => None,
            Shape::Text if !field.choices.is_empty() => f
                .choice(name, presence, field.choices)
                .map(|s| Value::String(s.to_owned())),
            Shape::Text => f.text(name, presence, super::MAX_TEXT).map(Value::String),
            Shape::Localized => f
                .localized(name, presence)
                .map(|l| serde_json::to_value(l).expect("text serialises")),
            Shape::Ref(_) => f.id(name, presence).map(|id| Value::String(id.into())),
            Shape::Date => f.date(name, presence).map(|d| Value::String(d.to_string())),
            Shape::Count => f.count(name, u32::MAX).map(Value::from),
            Shape::Number | Shape::Amount => f.number(name, presence, -1e15, 1e15).map(Value::from),
            Shape::Flag => f.flag(name, presence).map(Value::Bool),
            Shape::List => Some(f.text_list(name))
                .filter(|l| !l.is_empty())
                .map(Value::from),
            Shape::Point => f
                .point(name)
                .map(|p| serde_json::to_value(p).expect("a point serialises")),
            Shape::Contact => f.contact(name).map(|c| c.to_json()),
            Shape::Polygon => {
                let raw = f.obj.get(name).cloned();
                f.area(name, presence).and(raw)
            }
            Shape::Json => f.value(name, presence).cloned(),
            Shape::Dated { key, number } => {
                let entries = f.dated(name, key, !number, |v| {
                    if number {
                        v.as_f64().map(Value::from).ok_or("expected a number")
                    } else {
                        v.as_str()
                            .map(|s| Value::String(s.to_owned()))
                            .ok_or("expected text")
                    }
                });
                (!entries.is_empty()).then(|| {
                    Value::Array(
                        entries
                            .into_iter()
                            .map(|(date, v)| {
                                let mut o = serde_json::Map::new();
                                o.insert("date".into(), Value::String(date.to_string()));
                                if let Some(v) = v {
                                    o.insert(key.into(), v);
                                }
                                Value::Object(o)
                            })
                            .collect(),
                    )
                })
            }
        };
        if let Some(v) = value {
            out.insert(name.to_owned(), v);
        }
    }
    f.ok().then_some(Value::Object(out))
}
