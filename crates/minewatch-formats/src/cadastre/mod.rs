//! Licence files as cadastres publish them: the EITI Mongolia portal's licence map, the
//! MRPAM cadastre's listing, or any CSV or GeoJSON with a mapping that says which of
//! its columns is which licence field.
//!
//! A mapping is a small TOML file (the presets are two of them, in `presets/`). Reading
//! turns the file into two tables the import takes in one transaction: the holders
//! (matched to companies already recorded by registration number or name, else new)
//! and the licences. Nothing is changed silently: mis-decoded names are repaired and
//! listed, shapes are made valid as GEOS `MakeValid` would with a note for each
//! licence, a status the file does not give is derived from the dates and said so, and
//! every column the mapping does not use is kept on the licence as a source attribute.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use minewatch_domain::geo::{Fix, make_valid};
use minewatch_domain::licence::LicenceNumber;
use minewatch_domain::places::aimag_of_soum_code;
use minewatch_domain::records::Polygon;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::sheet::{Place, Repair, Sheet, SheetError, SheetNote, repair_mojibake};
use crate::table::{parse_date, parse_wkt_polygon, polygon_wkt};

/// How a file lays out its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// A JSON list of objects, each maybe inside a wrapper key (EITI: `{"cordinate": {…}}`).
    JsonList,
    /// CSV with a header row.
    Csv,
    /// A GeoJSON FeatureCollection: properties are the columns, the geometry the area.
    Geojson,
    /// KML or KMZ: each Placemark's data are the columns, its polygons the area.
    Kml,
    /// A zipped Shapefile: the `.dbf`'s fields are the columns (names of at most ten
    /// characters), the shapes the area.
    Shapefile,
    /// A GeoPackage's first feature table (read from the file by the command line).
    Geopackage,
}

impl Layout {
    /// Whether each row's geometry is the area (no `area` column to name).
    fn has_geometry(self) -> bool {
        matches!(
            self,
            Layout::Geojson | Layout::Kml | Layout::Shapefile | Layout::Geopackage
        )
    }
}

/// What a licence file is read from: its bytes, or a GIS layer already read (a
/// GeoPackage, which is a database).
pub enum Input<'a> {
    Bytes(&'a [u8]),
    Layer(crate::gis::Layer),
}

/// How a column holds a licence's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AreaForm {
    /// `POLYGON ((…))` or `MULTIPOLYGON (((…)))`.
    Wkt,
    /// A MULTIPOLYGON's body without its keyword: `(((lon lat, …)))` (EITI's `poly`).
    WktMultipolygonBody,
}

/// The unit a file gives areas in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AreaUnit {
    #[default]
    Ha,
    M2,
    Km2,
}

/// What a file's columns are: a preset or a user's mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// What the file is, for reports.
    pub name: String,
    pub layout: Layout,
    /// With `json-list`: the key each row is wrapped in, if any.
    #[serde(default)]
    pub wrapper: Option<String>,
    /// Licence field → the file's column. Fields: see [`TARGETS`].
    pub columns: BTreeMap<String, String>,
    /// How the `area` column is written (not for `geojson`, whose geometry is the area).
    #[serde(default)]
    pub area_form: Option<AreaForm>,
    /// The unit of the `area_ha` column.
    #[serde(default)]
    pub area_unit: AreaUnit,
    /// The file's status values → minewatch's (`applied`, `granted`, `transferred`,
    /// `suspended`, `revoked`, `expired`).
    #[serde(default)]
    pub status: BTreeMap<String, String>,
    /// A `status` value the table does not list: an error, unless this says what it
    /// means.
    #[serde(default)]
    pub status_otherwise: Option<String>,
}

/// The licence fields a mapping may name, and what each takes.
pub const TARGETS: [(&str, &str); 13] = [
    ("number", "the licence number as issued (required)"),
    ("holder_name", "the holder's name"),
    (
        "holder_registration",
        "the holder's state registration number",
    ),
    (
        "minerals",
        "the minerals, one or several separated by `;` or `,`",
    ),
    ("aimag", "the aimag's name"),
    ("soum", "the soum's name"),
    (
        "soum_code",
        "the soum's statistical code (its first two digits name the aimag)",
    ),
    ("area_ha", "the area the cadastre reports (see area_unit)"),
    ("granted", "the date it was granted"),
    ("expires", "the date it expires"),
    ("status", "its status (see [status])"),
    ("area", "its shape (see area_form)"),
    ("licence_type", "not read: the number says the type"),
];

/// The presets minewatch knows.
pub const PRESETS: [(&str, &str); 2] = [
    ("eiti", include_str!("presets/eiti.toml")),
    ("mrpam", include_str!("presets/mrpam.toml")),
];

impl Mapping {
    /// A named preset (`eiti`, `mrpam`).
    pub fn preset(name: &str) -> Option<Mapping> {
        PRESETS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, text)| Mapping::parse(text).expect("the presets are valid mappings"))
    }

    /// A mapping file's text, checked.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| e.to_string())?;
        for target in m.columns.keys() {
            if !TARGETS.iter().any(|(t, _)| t == target) {
                return Err(format!(
                    "[columns] {target}: not a licence field; expected one of {}",
                    TARGETS.map(|(t, _)| t).join(", ")
                ));
            }
        }
        if !m.columns.contains_key("number") {
            return Err("[columns] needs number = \"<the column of licence numbers>\"".into());
        }
        if m.columns.contains_key("area") && m.area_form.is_none() && !m.layout.has_geometry() {
            return Err(
                "area_form must say how the area column is written: wkt or wkt-multipolygon-body"
                    .into(),
            );
        }
        for (from, to) in m
            .status
            .iter()
            .chain(m.status_otherwise.as_ref().map(|s| (s, s)))
        {
            if !STATUSES.contains(&to.as_str()) {
                return Err(format!(
                    "[status] {from:?} = {to:?}: expected one of {}",
                    STATUSES.join(", ")
                ));
            }
        }
        Ok(m)
    }
}

const STATUSES: [&str; 6] = [
    "applied",
    "granted",
    "transferred",
    "suspended",
    "revoked",
    "expired",
];

/// A company already recorded, for holders to be matched to.
#[derive(Debug, Clone)]
pub struct KnownCompany {
    pub id: String,
    pub names: Vec<String>,
    pub registration: Option<String>,
}

/// A licence already recorded, as reading a file about it needs it.
#[derive(Debug, Clone, Default)]
pub struct KnownLicence {
    pub holder_id: String,
    pub source_attributes: BTreeMap<String, String>,
}

/// The file read: the holders to create, the licences, and what reading did.
#[derive(Debug, Clone, Default)]
pub struct Cadastre {
    pub companies: Sheet,
    pub licences: Sheet,
    /// Holders matched to companies already recorded.
    pub matched_companies: usize,
    /// The file's columns the mapping does not use, kept as source attributes.
    pub kept_columns: Vec<String>,
    /// Licences already recorded whose holder the file names otherwise without a
    /// registration number: the recorded holder is kept.
    pub holders_kept: usize,
}

/// A row of the file: its place, its cells by column, and its geometry (GeoJSON).
struct Row {
    place: Place,
    cells: BTreeMap<String, String>,
    geometry: Option<Value>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A GIS layer's features as rows: cells by column, polygons as GeoJSON.
fn rows_of_layer(layer: crate::gis::Layer) -> Vec<Row> {
    layer
        .features
        .into_iter()
        .enumerate()
        .map(|(i, f)| Row {
            place: Place::Feature(i + 1),
            cells: layer
                .columns
                .iter()
                .cloned()
                .zip(f.cells.iter().map(crate::table::Cell::text))
                .collect(),
            geometry: match f.geometry {
                crate::gis::Geometry::Polygons(ps) => Some(json!({
                    "type": "MultiPolygon",
                    "coordinates": ps.iter().map(|p| &p.rings).collect::<Vec<_>>(),
                })),
                _ => None,
            },
        })
        .collect()
}

fn rows(mapping: &Mapping, input: Input<'_>) -> Result<Vec<Row>, SheetError> {
    let fail = |place: Option<Place>, reason: String| SheetError { place, reason };
    let bytes = match input {
        Input::Layer(layer) => return Ok(rows_of_layer(layer)),
        Input::Bytes(b) => b,
    };
    match mapping.layout {
        Layout::Kml => {
            return crate::gis::kml::read(bytes, "licences")
                .map(rows_of_layer)
                .map_err(|e| fail(None, e));
        }
        Layout::Shapefile => {
            return crate::gis::shp::read(bytes)
                .map(rows_of_layer)
                .map_err(|e| fail(None, e));
        }
        Layout::Geopackage => {
            return Err(fail(
                None,
                "a GeoPackage is a database: give its path to `minewatch import licence FILE.gpkg --preset …`".into(),
            ));
        }
        _ => {}
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| fail(None, format!("the file is not UTF-8 text: {e}")))?;
    match mapping.layout {
        Layout::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| fail(Some(Place::Line(1)), format!("not valid CSV: {e}")))?
                .iter()
                .map(str::to_owned)
                .collect();
            let mut out = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let record = record
                    .map_err(|e| fail(Some(Place::Line(i + 2)), format!("not valid CSV: {e}")))?;
                let line = record.position().map_or(i + 2, |p| p.line() as usize);
                let cells = header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect();
                out.push(Row {
                    place: Place::Line(line),
                    cells,
                    geometry: None,
                });
            }
            Ok(out)
        }
        Layout::Kml | Layout::Shapefile | Layout::Geopackage => unreachable!("read above"),
        Layout::JsonList | Layout::Geojson => {
            let doc: Value = serde_json::from_str(text)
                .map_err(|e| fail(Some(Place::Line(e.line())), format!("not valid JSON: {e}")))?;
            let items = if mapping.layout == Layout::Geojson {
                doc.get("features")
                    .and_then(Value::as_array)
                    .ok_or_else(|| fail(None, "expected a GeoJSON FeatureCollection".into()))?
            } else {
                doc.as_array()
                    .ok_or_else(|| fail(None, "expected a JSON list of licences".into()))?
            };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let place = Place::Feature(i + 1);
                let object = match (mapping.layout, &mapping.wrapper) {
                    (Layout::Geojson, _) => item.get("properties"),
                    (_, Some(w)) => item.get(w),
                    (_, None) => Some(item),
                };
                let Some(Value::Object(object)) = object else {
                    return Err(fail(
                        Some(place),
                        match &mapping.wrapper {
                            Some(w) => format!("expected an object under {w:?}"),
                            None => "expected an object".into(),
                        },
                    ));
                };
                out.push(Row {
                    place,
                    cells: object
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), text_of(v)?)))
                        .collect(),
                    geometry: item.get("geometry").filter(|g| !g.is_null()).cloned(),
                });
            }
            Ok(out)
        }
    }
}

fn is_cyrillic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// A name in the language its script says.
fn localized(s: &str) -> (String, String) {
    if is_cyrillic(s) {
        (s.to_owned(), String::new())
    } else {
        (String::new(), s.to_owned())
    }
}

/// A name compared with others: letters and digits only, lower case.
fn name_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a file's shape became: the area as WKT, and what was repaired.
fn area_of(mapping: &Mapping, row: &Row) -> Result<Option<(String, Vec<Fix>)>, String> {
    let geometry = match (mapping.layout, mapping.columns.get("area")) {
        (l, _) if l.has_geometry() => match &row.geometry {
            Some(g) => g.clone(),
            None => return Ok(None),
        },
        (_, Some(column)) => match row.cells.get(column).map(|s| s.trim()) {
            None | Some("") => return Ok(None),
            Some(text) => {
                let wkt = match mapping.area_form {
                    Some(AreaForm::WktMultipolygonBody) => format!("MULTIPOLYGON {text}"),
                    _ => text.to_owned(),
                };
                parse_wkt_polygon(&wkt)?
            }
        },
        (_, None) => return Ok(None),
    };
    let polygons: Vec<Value> = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![geometry["coordinates"].clone()],
        Some("MultiPolygon") => geometry["coordinates"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
        other => {
            return Err(format!(
                "expected a Polygon or MultiPolygon, found {}",
                other.unwrap_or("no type")
            ));
        }
    };
    let mut parts = Vec::new();
    let mut fixes = Vec::new();
    for rings in polygons {
        let polygon: Polygon = serde_json::from_value(json!({ "rings": rings }))
            .map_err(|_| "expected rings of [longitude, latitude] positions".to_owned())?;
        let (valid, fixed) = make_valid(&polygon);
        fixes.extend(fixed);
        parts.extend(valid);
    }
    fixes.sort();
    fixes.dedup();
    if parts.is_empty() {
        return Err("the shape has no area".into());
    }
    let value = json!({
        "type": "MultiPolygon",
        "coordinates": parts.iter().map(|p| &p.rings).collect::<Vec<_>>(),
    });
    Ok(Some((
        polygon_wkt(&value).expect("a MultiPolygon writes as WKT"),
        fixes,
    )))
}

/// What each repair means, for the note.
fn fix_text(f: Fix) -> &'static str {
    match f {
        Fix::Unclosed => "a ring was not closed (closed)",
        Fix::Repeated => "a position repeated or a spike (removed)",
        Fix::SelfTouching => "a ring touches itself (cut into parts where it touches)",
        Fix::SelfCrossing => "a ring crosses itself (cut into parts where it crosses)",
        Fix::Orientation => "rings turned the wrong way (turned)",
        Fix::Collapsed => "a ring without area (left out)",
    }
}

/// Reads a licence file by `mapping`. `companies` are those recorded, for holders to be
/// matched to; `existing` gives a licence already recorded (by number key): its holder
/// stays unless the file names one by registration number or a known name, and its
/// source attributes are added to; `today` is the day a status is derived for.
pub fn read(
    mapping: &Mapping,
    input: Input<'_>,
    companies: &[KnownCompany],
    existing: &dyn Fn(&str) -> Option<KnownLicence>,
    today: Date,
) -> Result<Cadastre, SheetError> {
    let mut rows = rows(mapping, input)?;
    // A file that is not what the mapping reads (the wrong preset, an empty export) says
    // so, instead of importing nothing without a word.
    if rows.is_empty() {
        return Err(SheetError {
            place: None,
            reason: format!("the file holds no licences to read as {}", mapping.name),
        });
    }
    let present: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.cells.keys().map(String::as_str))
        .collect();
    let missing: Vec<String> = mapping
        .columns
        .iter()
        .filter(|(target, column)| {
            // A GIS layer's area is its geometry, not a column.
            let geometry = target.as_str() == "area" && mapping.layout.has_geometry();
            !(geometry || present.contains(column.as_str()))
        })
        .map(|(target, column)| format!("{column} (for {target})"))
        .collect();
    if !missing.is_empty() {
        return Err(SheetError {
            place: None,
            reason: format!(
                "the file has no column {} that {} names; its columns are {}",
                missing.join(", "),
                mapping.name,
                present
                    .iter()
                    .take(30)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let mut out = Cadastre::default();
    let mut repairs: Vec<Repair> = Vec::new();
    for row in &mut rows {
        for (column, cell) in row.cells.iter_mut() {
            if let Some((fixed, how)) = repair_mojibake(cell) {
                repairs.push(Repair {
                    place: row.place,
                    column: column.clone(),
                    from: std::mem::replace(cell, fixed.clone()),
                    to: fixed,
                    how,
                });
            }
        }
    }
    let col = |target: &str| mapping.columns.get(target).map(String::as_str);
    let used: Vec<&str> = mapping.columns.values().map(String::as_str).collect();
    let mut kept: Vec<String> = rows
        .iter()
        .flat_map(|r| r.cells.keys())
        .filter(|c| !used.contains(&c.as_str()))
        .cloned()
        .collect();
    kept.sort();
    kept.dedup();
    out.kept_columns = kept.clone();

    // Holders: matched by registration number, else by name, else new.
    let by_registration: HashMap<String, &KnownCompany> = companies
        .iter()
        .filter_map(|c| Some((name_key(c.registration.as_deref()?), c)))
        .collect();
    let by_name: HashMap<String, &KnownCompany> = companies
        .iter()
        .flat_map(|c| c.names.iter().map(move |n| (name_key(n), c)))
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let mut new_companies: BTreeMap<String, (Place, Vec<String>)> = BTreeMap::new();
    let mut matched: std::collections::BTreeSet<String> = Default::default();

    let has = |t: &str| mapping.columns.contains_key(t);
    let mut header = vec!["number".to_owned()];
    if has("holder_name") || has("holder_registration") {
        header.push("holder_id".into());
    }
    if has("minerals") {
        header.push("minerals".into());
    }
    if has("aimag") || has("soum_code") {
        header.extend(["aimag.mn".into(), "aimag.en".into()]);
    }
    if has("soum") {
        header.extend(["soum.mn".into(), "soum.en".into()]);
    }
    if has("area_ha") {
        header.push("area_ha".into());
    }
    if has("granted") {
        header.push("granted".into());
    }
    if has("expires") {
        header.push("expires".into());
    }
    header.push("status".into());
    let derive_status = !has("status");
    if derive_status {
        header.push("status_history".into());
    }
    let has_area = has("area") || mapping.layout.has_geometry();
    if has_area {
        header.push("area".into());
    }
    header.push("source_attributes".into());

    let mut derived: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut orientation = 0usize;
    let mut problems: Vec<SheetError> = Vec::new();
    for row in &rows {
        let get = |target: &str| -> String {
            col(target)
                .and_then(|c| row.cells.get(c))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let number = get("number");
        let key = LicenceNumber::parse(&number)
            .ok()
            .map(|n| n.key().to_owned());
        let recorded = key.as_deref().and_then(existing);
        let mut cells: Vec<String> = vec![number.clone()];
        if has("holder_name") || has("holder_registration") {
            let (name, registration) = (get("holder_name"), get("holder_registration"));
            let known = by_registration
                .get(&name_key(&registration))
                .filter(|_| !registration.is_empty())
                .or_else(|| by_name.get(&name_key(&name)).filter(|_| !name.is_empty()));
            let holder = match known {
                Some(c) => {
                    matched.insert(c.id.clone());
                    c.id.clone()
                }
                None if recorded.is_some() && registration.is_empty() => {
                    out.holders_kept += 1;
                    recorded
                        .as_ref()
                        .map(|r| r.holder_id.clone())
                        .unwrap_or_default()
                }
                None if !registration.is_empty() => {
                    new_companies
                        .entry(registration.clone())
                        .or_insert_with(|| (row.place, vec![name.clone(), registration.clone()]));
                    registration
                }
                None if !name.is_empty() => {
                    // No registration number: the holder is named by its name alone, and
                    // one name is one company.
                    let id = format!("company-{}", &hex_digest(&name_key(&name))[..16]);
                    new_companies
                        .entry(id.clone())
                        .or_insert_with(|| (row.place, vec![name.clone(), String::new()]));
                    id
                }
                None => String::new(),
            };
            cells.push(holder);
        }
        if has("minerals") {
            let list: Vec<String> = get("minerals")
                .split([';', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            cells.push(list.join("; "));
        }
        if has("aimag") || has("soum_code") {
            let named = get("aimag");
            let (mn, en) = if !named.is_empty() {
                localized(&named)
            } else {
                aimag_of_soum_code(&get("soum_code"))
                    .map(|a| (a.mn.unwrap_or_default(), a.en.unwrap_or_default()))
                    .unwrap_or_default()
            };
            cells.extend([mn, en]);
        }
        if has("soum") {
            let (mn, en) = localized(&get("soum"));
            cells.extend([mn, en]);
        }
        if has("area_ha") {
            let raw = get("area_ha");
            cells.push(match raw.replace(',', ".").parse::<f64>() {
                Ok(v) => {
                    let ha = match mapping.area_unit {
                        AreaUnit::Ha => v,
                        AreaUnit::M2 => v / 10_000.0,
                        AreaUnit::Km2 => v * 100.0,
                    };
                    format!("{}", (ha * 10_000.0).round() / 10_000.0)
                }
                Err(_) => raw,
            });
        }
        let date = |t: &str| parse_date(&get(t));
        if has("granted") {
            cells.push(
                date("granted")
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| get("granted")),
            );
        }
        if has("expires") {
            cells.push(
                date("expires")
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| get("expires")),
            );
        }
        if derive_status {
            let (granted, expires) = (date("granted"), date("expires"));
            let status = match (granted, expires) {
                (_, Some(e)) if e < today => "expired",
                (Some(g), _) if g <= today => "granted",
                _ => "applied",
            };
            *derived.entry(status).or_default() += 1;
            cells.push(status.into());
            let mut history = Vec::new();
            if let Some(g) = granted.filter(|g| *g <= today) {
                history.push(format!("{g} granted"));
            }
            if let Some(e) = expires.filter(|e| *e < today) {
                history.push(format!("{e} expired"));
            }
            cells.push(history.join("; "));
        } else {
            let raw = get("status");
            let status = mapping
                .status
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&raw))
                .map(|(_, v)| v.clone())
                .or_else(|| mapping.status_otherwise.clone());
            match status {
                Some(s) => cells.push(s),
                None => {
                    problems.push(SheetError {
                        place: Some(row.place),
                        reason: format!(
                            "column {}: status {raw:?} is not in the mapping's [status] ({})",
                            col("status").unwrap_or("status"),
                            mapping
                                .status
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                    cells.push(raw);
                }
            }
        }
        if has_area {
            match area_of(mapping, row) {
                Ok(Some((wkt, fixes))) => {
                    cells.push(wkt);
                    if fixes == [Fix::Orientation] {
                        orientation += 1;
                    } else if !fixes.is_empty() {
                        out.licences.notes.push(SheetNote {
                            code: "repaired-geometry",
                            detail: format!(
                                "{} ({number}): the shape was made valid as GEOS MakeValid does: {}",
                                row.place,
                                fixes
                                    .iter()
                                    .filter(|f| **f != Fix::Orientation)
                                    .map(|f| fix_text(*f))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ),
                        });
                    }
                }
                Ok(None) => cells.push(String::new()),
                Err(why) => {
                    problems.push(SheetError {
                        place: Some(row.place),
                        reason: format!("column {}: {why}", col("area").unwrap_or("geometry")),
                    });
                    cells.push(String::new());
                }
            }
        }
        // The file's own columns, added to what earlier files said.
        let mut attributes: BTreeMap<String, String> =
            recorded.map(|r| r.source_attributes).unwrap_or_default();
        for column in &kept {
            if let Some(v) = row.cells.get(column).filter(|v| !v.trim().is_empty()) {
                attributes.insert(column.clone(), v.clone());
            }
        }
        cells.push(if attributes.is_empty() {
            String::new()
        } else {
            Value::Object(
                attributes
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect::<Map<_, _>>(),
            )
            .to_string()
        });
        out.licences.rows.push((row.place, cells));
    }
    if !problems.is_empty() {
        // Each line names its own place.
        return Err(SheetError {
            place: None,
            reason: problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    out.licences.header = header;
    out.licences.repairs = repairs;
    if derive_status && !derived.is_empty() {
        out.licences.notes.push(SheetNote {
            code: "status-from-dates",
            detail: format!(
                "the file gives no status: derived from the dates as of {today}: {}",
                derived
                    .iter()
                    .map(|(s, n)| format!("{n} {s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if orientation > 0 {
        out.licences.notes.push(SheetNote {
            code: "orientation",
            detail: format!(
                "{orientation} licences' rings were drawn clockwise: turned counter-clockwise, as GeoJSON (RFC 7946) has them"
            ),
        });
    }
    if !kept.is_empty() {
        out.licences.notes.push(SheetNote {
            code: "source-attributes",
            detail: format!(
                "columns kept on each licence as source attributes: {}",
                kept.join(", ")
            ),
        });
    }
    out.matched_companies = matched.len();
    out.companies.header = vec![
        "id".into(),
        "name.mn".into(),
        "name.en".into(),
        "registration_number".into(),
    ];
    for (key, (place, v)) in new_companies {
        let (mn, en) = localized(&v[0]);
        let id = if v[1].is_empty() { key } else { String::new() };
        out.companies
            .rows
            .push((place, vec![id, mn, en, v[1].clone()]));
    }
    Ok(out)
}

fn hex_digest(s: &str) -> String {
    use sha2::{Digest as _, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}
