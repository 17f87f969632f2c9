//! Records as tables: the columns of each record kind, and a record's payload as a row
//! of cells and back. CSV, XLSX and GeoJSON files (see [`crate::sheet`]) are such tables.
//!
//! The column names are the payload's field names; a field with parts takes one column
//! per part: `name.mn` and `name.en` for text in both languages, `centre.lat` and
//! `centre.lon` for a point, `contact.name`, `contact.phone` and `contact.email` for a
//! contact. A polygon
//! is one column of WKT (`POLYGON ((lon lat, …))`); in GeoJSON it is the geometry. The
//! README lists every kind's columns.
//!
//! Reading a row checks the cells' shapes (dates, numbers, yes/no, geometry, formulas);
//! the record's own rules are [`Record::from_payload`]'s, whose field errors
//! [`column_of`] maps back to a column.

use jiff::civil::Date;
use minewatch_domain::access::{FIELD_VISIBILITY_KEY, VISIBILITY_KEY};
use minewatch_domain::{Record, RecordKind};
use serde_json::{Map, Number, Value};

mod cells;
mod wkt;

pub use cells::parse_date;

/// A field-visibility cell (`summary=case_team; reporter=private`) as pairs, in order;
/// empty for text that does not read.
pub fn parse_levels_text(text: &str) -> Vec<(String, String)> {
    match cells::parse_levels(text) {
        Some(serde_json::Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        _ => Vec::new(),
    }
}
use cells::*;
pub use wkt::{parse_wkt_polygon, polygon_wkt};

pub use minewatch_domain::records::{Field, Shape};

/// The fields of `kind`, in column order: `id` first, the kind's own fields as its
/// schema declares them, the access settings last.
pub fn fields(kind: RecordKind) -> Vec<Field> {
    let mut out = vec![Field::new("id", Shape::Id)];
    out.extend_from_slice(kind.schema().fields);
    out.push(Field::new(VISIBILITY_KEY, Shape::Text));
    out.push(Field::new(FIELD_VISIBILITY_KEY, Shape::Levels));
    out
}

/// The field a GeoJSON feature's geometry belongs to, if the kind has one.
pub fn geometry_field(kind: RecordKind) -> Option<Field> {
    fields(kind)
        .into_iter()
        .find(|f| matches!(f.shape, Shape::Polygon | Shape::Point))
}

/// A column: a field, or one part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub field: Field,
    /// The part of the field (`mn`, `lat`, `name`…), for fields with parts.
    pub part: Option<&'static str>,
}

fn parts(shape: Shape) -> &'static [&'static str] {
    match shape {
        Shape::Localized => &["mn", "en"],
        Shape::Point => &["lat", "lon"],
        Shape::Contact => &["name", "phone", "email"],
        _ => &[],
    }
}

/// The columns of `kind`, in order.
pub fn columns(kind: RecordKind) -> Vec<Column> {
    let mut out = Vec::new();
    for field in fields(kind) {
        match parts(field.shape) {
            [] => out.push(Column {
                header: field.name.to_owned(),
                field,
                part: None,
            }),
            ps => out.extend(ps.iter().map(|p| Column {
                header: format!("{}.{p}", field.name),
                field,
                part: Some(p),
            })),
        }
    }
    out
}

/// A cell as written: text, or a number or flag that formats that have types keep typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(Number),
    Flag(bool),
}

impl Cell {
    /// The cell as text, as CSV writes it.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Flag(b) => b.to_string(),
        }
    }
}

/// Whether a cell's text starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab or
/// carriage return), which a spreadsheet would run when the file is opened.
fn starts_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Text as exported: a value that starts like a formula gets a leading `'`, which
/// spreadsheets show as text (OWASP's advice on CSV injection). Imports take the `'`
/// off again.
pub fn neutralise(s: &str) -> String {
    if starts_like_formula(s) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Whether an imported text cell is a formula rather than text: it starts with `=` or
/// `@`, or with `+` or `-` and is not a number or a phone number.
fn is_formula(s: &str) -> bool {
    match s.chars().next() {
        Some('=' | '@') => true,
        Some('+' | '-') => !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.')),
        _ => false,
    }
}

/// Columns an export adds for people, which imports leave out: a licence's holder by
/// name beside its `holder_id` (which GIS exports give as the registration number).
pub const ANNOTATIONS: [(&str, &str); 1] = [("licence", "holder_name")];

/// Whether `column` is one of [`ANNOTATIONS`] of `kind`.
pub fn annotation(kind: RecordKind, column: &str) -> bool {
    ANNOTATIONS
        .iter()
        .any(|(k, c)| *k == kind.as_str() && *c == column)
}

/// A record as a row of cells, one per column of [`columns`].
pub fn to_row(kind: RecordKind, id: &str, payload: &Value) -> Vec<Cell> {
    let text = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(neutralise(s))
        }
    };
    columns(kind)
        .into_iter()
        .map(|c| {
            if c.field.shape == Shape::Id {
                return text(id);
            }
            let Some(v) = payload.get(c.field.name).filter(|v| !v.is_null()) else {
                return Cell::Empty;
            };
            let v = match c.part {
                Some(p) => match v.get(p) {
                    Some(v) if !v.is_null() => v,
                    _ => return Cell::Empty,
                },
                None => v,
            };
            match (c.field.shape, v) {
                (_, Value::Number(n)) => Cell::Number(n.clone()),
                (_, Value::Bool(b)) => Cell::Flag(*b),
                (_, Value::String(s)) => text(s),
                (Shape::List, Value::Array(items)) => {
                    let items: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    if items.iter().any(|i| i.contains(';') || i.starts_with('[')) {
                        text(&Value::from(items).to_string())
                    } else {
                        text(&items.join("; "))
                    }
                }
                (Shape::Polygon, v) => polygon_wkt(v).map_or(Cell::Empty, Cell::Text),
                (Shape::Dated { key, .. }, Value::Array(items)) => text(&dated_text(items, key)),
                (Shape::Json, v @ (Value::Array(_) | Value::Object(_))) => text(&v.to_string()),
                (Shape::Levels, Value::Object(m)) => text(
                    &m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                (_, other) => text(&other.to_string()),
            }
        })
        .collect()
}

/// A problem with one cell of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    pub column: String,
    /// Stable and translated by the UI (`error-<code>`): the record's own
    /// [`minewatch_domain::FieldError`] codes, and those of cell shapes.
    pub code: &'static str,
    /// An English explanation with the specifics.
    pub reason: String,
}

/// How the columns of a file map to the kind's columns: `mapping[i]` is the kind's
/// column that the file's column `i` holds.
#[derive(Debug, Clone)]
pub struct Header {
    pub kind: RecordKind,
    pub columns: Vec<Column>,
    pub mapping: Vec<usize>,
}

impl Header {
    /// Copies into `new` what `old` holds in the columns this file does not have: a
    /// file with some of a kind's columns corrects those and leaves the rest as it was
    /// (a boundary file without Mongolian names keeps the names already recorded).
    pub fn keep_absent(&self, old: &Value, new: &mut Value) {
        let (Some(old), Some(new)) = (old.as_object(), new.as_object_mut()) else {
            return;
        };
        let present = |name: &str, part: Option<&str>| {
            self.mapping
                .iter()
                .any(|&i| self.columns[i].field.name == name && self.columns[i].part == part)
        };
        for field in fields(self.kind) {
            let Some(was) = old.get(field.name) else {
                continue;
            };
            match parts(field.shape) {
                [] => {
                    if !present(field.name, None) {
                        new.insert(field.name.to_owned(), was.clone());
                    }
                }
                parts => {
                    for part in parts {
                        let Some(v) = was.get(*part) else { continue };
                        if present(field.name, Some(part)) {
                            continue;
                        }
                        let slot = new
                            .entry(field.name.to_owned())
                            .or_insert_with(|| Value::Object(Map::new()));
                        if let Some(obj) = slot.as_object_mut() {
                            obj.insert((*part).to_owned(), v.clone());
                        }
                    }
                }
            }
        }
    }

    /// Reads a file's header row, reporting every unknown, duplicate or missing column.
    pub fn read(kind: RecordKind, names: &[String]) -> Result<Header, Vec<CellProblem>> {
        let columns = columns(kind);
        let mut problems = Vec::new();
        let mut mapping = Vec::new();
        for (i, raw) in names.iter().enumerate() {
            let name = raw.trim().trim_start_matches('\u{feff}').to_lowercase();
            let shown = if name.is_empty() {
                (i + 1).to_string()
            } else {
                name.clone()
            };
            match columns.iter().position(|c| c.header == name) {
                Some(_) if name.is_empty() => {}
                Some(c) if mapping.contains(&c) => problems.push(CellProblem {
                    column: shown,
                    code: "duplicate-column",
                    reason: "this column appears twice".into(),
                }),
                Some(c) => mapping.push(c),
                None => {
                    let hint = closest(&name, columns.iter().map(|c| c.header.as_str()))
                        .map(|c| format!(" (did you mean {c}?)"))
                        .unwrap_or_default();
                    problems.push(CellProblem {
                        column: shown,
                        code: "unknown-column",
                        reason: if name.is_empty() {
                            "a column without a name".into()
                        } else {
                            format!(
                                "not a column of a {kind}{hint}; the columns are {}",
                                columns
                                    .iter()
                                    .map(|c| c.header.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        },
                    });
                }
            }
        }
        for field in fields(kind).into_iter().filter(|f| f.required) {
            if !mapping.iter().any(|c| columns[*c].field.name == field.name) {
                let wanted: Vec<&str> = columns
                    .iter()
                    .filter(|c| c.field.name == field.name)
                    .map(|c| c.header.as_str())
                    .collect();
                problems.push(CellProblem {
                    column: wanted.join(" / "),
                    code: "missing-column",
                    reason: "a required column is missing".into(),
                });
            }
        }
        if problems.is_empty() {
            Ok(Header {
                kind,
                columns,
                mapping,
            })
        } else {
            Err(problems)
        }
    }

    /// The header of a file in the kind's own column order (what exports write).
    pub fn of(kind: RecordKind) -> Header {
        let columns = columns(kind);
        Header {
            kind,
            mapping: (0..columns.len()).collect(),
            columns,
        }
    }

    /// The names of the file's columns.
    pub fn names(&self) -> Vec<String> {
        self.mapping
            .iter()
            .map(|c| self.columns[*c].header.clone())
            .collect()
    }

    /// Turns a file row into an id (if given) and a payload, reporting each cell whose
    /// text does not fit its column. The payload is not yet validated as a record.
    pub fn payload(&self, cells: &[String]) -> Result<(Option<String>, Value), Vec<CellProblem>> {
        let (id, payload, problems) = self.read_row(cells);
        if problems.is_empty() {
            Ok((id, payload))
        } else {
            Err(problems)
        }
    }

    /// Like [`Header::payload`], but always returns the payload of the cells that were
    /// read, beside the problems of those that were not, so a row's other checks (its
    /// references, its record rules) can report their problems too.
    pub fn read_row(&self, cells: &[String]) -> (Option<String>, Value, Vec<CellProblem>) {
        let mut problems = Vec::new();
        let mut obj = Map::new();
        let mut id = None;
        if cells.len() > self.mapping.len()
            && cells[self.mapping.len()..]
                .iter()
                .any(|c| !c.trim().is_empty())
        {
            problems.push(CellProblem {
                column: (self.mapping.len() + 1).to_string(),
                code: "extra-cells",
                reason: format!(
                    "the row has {} cells; the header has {} columns",
                    cells.len(),
                    self.mapping.len()
                ),
            });
        }
        for (i, c) in self.mapping.iter().enumerate() {
            let column = &self.columns[*c];
            let raw = cells.get(i).map_or("", |s| s.trim());
            if raw.is_empty() {
                continue;
            }
            let mut fail = |code: &'static str, reason: String| {
                problems.push(CellProblem {
                    column: column.header.clone(),
                    code,
                    reason,
                })
            };
            let numeric = matches!(
                (column.field.shape, column.part),
                (Shape::Count | Shape::Number | Shape::Amount, _) | (Shape::Point, _)
            );
            // Our own exports write `'` before text that starts like a formula.
            let cell = match raw.strip_prefix('\'') {
                Some(rest) if starts_like_formula(rest) => rest,
                _ if !numeric && is_formula(raw) => {
                    fail(
                        "formula",
                        format!(
                            "{:?} is a spreadsheet formula; formulas are not imported (start the cell with ' to keep it as text)",
                            clip(raw)
                        ),
                    );
                    continue;
                }
                _ => raw,
            };
            let value = match column.field.shape {
                Shape::Id => {
                    id = Some(cell.to_owned());
                    continue;
                }
                Shape::Text | Shape::Localized | Shape::Contact | Shape::Ref(_) => {
                    Value::String(cell.to_owned())
                }
                Shape::Date => match parse_date(cell) {
                    Some(d) => Value::String(d.to_string()),
                    None => {
                        fail(
                            "bad-date",
                            format!(
                                "{:?} is not a date: expected YYYY-MM-DD or DD.MM.YYYY",
                                clip(cell)
                            ),
                        );
                        continue;
                    }
                },
                Shape::Count => match cell.parse::<u64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        fail(
                            "not-count",
                            format!("{:?} is not a whole number of 0 or more", clip(cell)),
                        );
                        continue;
                    }
                },
                Shape::Number | Shape::Amount | Shape::Point => match parse_number(cell) {
                    Some(n) => n,
                    None => {
                        fail("not-number", format!("{:?} is not a number", clip(cell)));
                        continue;
                    }
                },
                Shape::Flag => match parse_flag(cell) {
                    Some(b) => Value::Bool(b),
                    None => {
                        fail(
                            "not-flag",
                            format!(
                                "{:?}: expected true or false (yes/no, тийм/үгүй, 1/0)",
                                clip(cell)
                            ),
                        );
                        continue;
                    }
                },
                Shape::List => match parse_list(cell) {
                    Some(items) => items,
                    None => {
                        fail("not-list", format!("{:?} is not a list", clip(cell)));
                        continue;
                    }
                },
                Shape::Polygon => match parse_wkt_polygon(cell) {
                    Ok(p) => p,
                    Err(why) => {
                        fail("bad-polygon", format!("broken geometry: {why}"));
                        continue;
                    }
                },
                Shape::Dated { key, number } => match parse_dated(cell, key, number) {
                    Ok(items) => items,
                    Err(why) => {
                        fail("bad-dated", format!("{:?}: {why}", clip(cell)));
                        continue;
                    }
                },
                Shape::Json => match serde_json::from_str::<Value>(cell) {
                    Ok(v) => v,
                    Err(e) => {
                        fail("bad-json", format!("{:?}: not JSON ({e})", clip(cell)));
                        continue;
                    }
                },
                Shape::Levels => match parse_levels(cell) {
                    Some(m) => m,
                    None => {
                        fail(
                            "bad-levels",
                            format!(
                                "{:?}: expected field=level pairs separated by ;",
                                clip(cell)
                            ),
                        );
                        continue;
                    }
                },
            };
            match column.part {
                Some(p) => {
                    let slot = obj
                        .entry(column.field.name)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(m) = slot {
                        m.insert(p.to_owned(), value);
                    }
                }
                None => {
                    obj.insert(column.field.name.to_owned(), value);
                }
            }
        }
        (id, Value::Object(obj), problems)
    }
}

/// The column a validation error's field names: `name.mn` → `name.mn`, `minerals[2]` →
/// `minerals`, `centre` → `centre.lat`.
pub fn column_of(kind: RecordKind, field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    let columns = columns(kind);
    if let Some(c) = columns.iter().find(|c| c.header == base) {
        return c.header.clone();
    }
    let top = base.split('.').next().unwrap_or(base);
    columns
        .iter()
        .find(|c| c.field.name == top)
        .map_or_else(|| base.to_owned(), |c| c.header.clone())
}

/// Validates a row's payload as a record, with each problem named by its column.
pub fn validate(kind: RecordKind, payload: &Value) -> Result<Record, Vec<CellProblem>> {
    Record::from_payload(kind, payload).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| CellProblem {
                column: column_of(kind, &e.field),
                code: e.code,
                reason: e.detail,
            })
            .collect()
    })
}

fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// The known name closest to `name` by edit distance, if it is close enough to be a typo.
fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let edit_distance = minewatch_domain::text::edit_distance;
    known
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_field_a_record_reads_has_a_column() {
        // A field the record reads without a column here would be dropped by exports
        // and lost in a round trip; a column the record does not read would be
        // refused as an unknown field by every import.
        for kind in RecordKind::all() {
            let mut read = Record::field_names(kind);
            let mut cols: Vec<&str> = fields(kind)
                .iter()
                .filter(|f| f.shape != Shape::Id)
                .map(|f| f.name)
                .collect();
            read.sort_unstable();
            cols.sort_unstable();
            assert_eq!(cols, read, "{kind}");
        }
        assert_eq!(
            Header::of(RecordKind::Licence).names(),
            [
                "id",
                "number",
                "holder_id",
                "minerals",
                "aimag.mn",
                "aimag.en",
                "soum.mn",
                "soum.en",
                "area_ha",
                "granted",
                "expires",
                "status",
                "status_history",
                "area",
                "source_attributes",
                "visibility",
                "field_visibility"
            ]
        );
    }

    #[test]
    fn the_documented_columns_are_the_columns() {
        let doc = include_str!("../../../../docs/import-export.md");
        for kind in RecordKind::all() {
            let line = format!(
                "| `{kind}` | {} |",
                Header::of(kind)
                    .names()
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            assert!(doc.contains(&line), "docs/import-export.md lacks:\n{line}");
        }
    }

    #[test]
    fn a_row_reads_back_as_the_payload_it_came_from() {
        let payload = json!({
            "number": "MV-017038", "holder_id": "c1", "minerals": ["gold", "copper"],
            "aimag": {"mn": "Төв", "en": "Tuv"}, "soum": {"mn": "Заамар"},
            "area_ha": 125.5, "granted": "2019-03-01", "status": "granted",
            "area": {"type": "Polygon", "coordinates": [[[104.1, 48.2], [104.3, 48.2], [104.3, 48.4], [104.1, 48.2]]]},
            "field_visibility": {"area_ha": "coalition"}
        });
        let row = to_row(RecordKind::Licence, "l1", &payload);
        let cells: Vec<String> = row.iter().map(Cell::text).collect();
        let header = Header::of(RecordKind::Licence);
        let (id, back) = header.payload(&cells).unwrap();
        assert_eq!(id.as_deref(), Some("l1"));
        assert_eq!(back, payload);
    }

    #[test]
    fn formulas_are_refused_on_import_and_neutralised_on_export() {
        let header = Header::read(
            RecordKind::Company,
            &["name.en".into(), "registration_number".into()],
        )
        .unwrap();
        let err = header
            .payload(&[
                "=HYPERLINK(\"http://x\",\"a\")".into(),
                "+1-cmd|' /C calc'!A0".into(),
            ])
            .unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert!(err[0].reason.contains("formula"), "{err:?}");
        let (_, ok) = header
            .payload(&["'=literally".into(), "+976 9911 2233".into()])
            .unwrap();
        assert_eq!(ok["name"]["en"], "=literally");
        let row = to_row(RecordKind::Company, "c", &json!({"name": {"en": "=cmd"}}));
        assert_eq!(row[1], Cell::Empty);
        assert_eq!(row[2], Cell::Text("'=cmd".into()));
    }

    #[test]
    fn headers_are_checked_with_a_hint_for_typos() {
        let err = Header::read(
            RecordKind::Licence,
            &["number".into(), "holdr_id".into(), "number".into()],
        )
        .unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("did you mean holder_id"), "{text}");
        assert!(text.contains("appears twice"), "{text}");
        // A required name in two languages: either column will do.
        let err = Header::read(RecordKind::Company, &["registration_number".into()]).unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("name.mn / name.en"), "{text}");
    }

    #[test]
    fn dates_read_in_both_forms_and_wrong_ones_are_named() {
        assert_eq!(
            parse_date("2025-07-08"),
            Some(jiff::civil::date(2025, 7, 8))
        );
        assert_eq!(
            parse_date("08.07.2025"),
            Some(jiff::civil::date(2025, 7, 8))
        );
        assert_eq!(parse_date("8.7.2025"), Some(jiff::civil::date(2025, 7, 8)));
        assert_eq!(parse_date("31.02.2025"), None);
        assert_eq!(parse_date("07/08/25"), None);
    }

    #[test]
    fn wkt_polygons_read_and_write() {
        let p = parse_wkt_polygon("polygon ((104 48, 105 48, 105 49.5, 104 48), (104.2 48.1, 104.3 48.1, 104.3 48.2, 104.2 48.1))").unwrap();
        assert_eq!(p["coordinates"][1][2], json!([104.3, 48.2]));
        assert_eq!(
            polygon_wkt(&p).unwrap(),
            "POLYGON ((104 48, 105 48, 105 49.5, 104 48), (104.2 48.1, 104.3 48.1, 104.3 48.2, 104.2 48.1))"
        );
        assert!(parse_wkt_polygon("POLYGON ((104 48, 105))").is_err());
        let wkt = "MULTIPOLYGON (((1 2, 3 4, 5 6, 1 2)), ((10 20, 30 40, 50 60, 10 20), (11 21, 12 22, 13 23, 11 21)))";
        let m = parse_wkt_polygon(&wkt.to_lowercase()).unwrap();
        assert_eq!(m["type"], "MultiPolygon");
        assert_eq!(m["coordinates"][1][1][2], json!([13, 23]));
        assert_eq!(polygon_wkt(&m).unwrap(), wkt);
        for bad in [
            "MULTIPOLYGON ((1 2, 3 4, 5 6, 1 2))",
            "MULTIPOLYGON (((1 2, 3 4, 5 6, 1 2))",
            "MULTIPOLYGON EMPTY",
            "POLYGON ((104 48, 105 48, x 49, 104 48))",
        ] {
            assert!(parse_wkt_polygon(bad).is_err(), "{bad}");
        }
    }
}
