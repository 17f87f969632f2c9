//! Tables in files: CSV, XLSX and GeoJSON read into rows of text cells, and rows of
//! [`Cell`]s written out. What the columns mean is [`crate::table`]'s business.
//!
//! Reading repairs text that was decoded with the wrong encoding on its way into the
//! file (UTF-8 read as Latin-1/Windows-1252, or as Windows-1251), which is common in
//! Mongolian spreadsheets, and says where it did so.

use std::fmt;
use std::io::Cursor;

use jiff::civil::Date;
use minewatch_domain::RecordKind;
use serde_json::{Map, Value};

pub use encoding_rs::Encoding;

use crate::table::{Cell, Shape, columns, geometry_field, parse_wkt_polygon, polygon_wkt};

mod geojson;
mod repair;

pub use geojson::write_geojson;
use geojson::*;
pub use repair::repair_mojibake;

/// The file formats of tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    GeoJson,
    /// KML or KMZ.
    Kml,
    /// A zipped ESRI Shapefile.
    Shapefile,
    /// GeoPackage: an SQLite database, read and written by the store's `geopackage`.
    GeoPackage,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "geojson" | "json" => Some(Format::GeoJson),
            "kml" | "kmz" => Some(Format::Kml),
            "shp" | "shapefile" | "zip" => Some(Format::Shapefile),
            "gpkg" | "geopackage" => Some(Format::GeoPackage),
            _ => None,
        }
    }

    /// The format a file name's extension says.
    pub fn of_path(name: &str) -> Option<Format> {
        Format::parse(name.rsplit_once('.')?.1)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::GeoJson => "geojson",
            Format::Kml => "kml",
            Format::Shapefile => "shp.zip",
            Format::GeoPackage => "gpkg",
        }
    }
}

/// Where in a file a row is: a line of CSV, a row of a worksheet, a GeoJSON feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Line(usize),
    Row(usize),
    Feature(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Row(n) => write!(f, "row {n}"),
            Place::Feature(n) => write!(f, "feature {n}"),
        }
    }
}

/// A table read from a file: the header and the rows, each with its place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub header: Vec<String>,
    /// Where the header is (a GeoJSON file has none of its own).
    pub header_place: Option<Place>,
    pub rows: Vec<(Place, Vec<String>)>,
    /// Text repaired from a wrong decoding.
    pub repairs: Vec<Repair>,
    /// What reading did to the file as a whole: a known layout recognised, data
    /// dropped or repaired.
    pub notes: Vec<SheetNote>,
}

/// Something reading did to a whole file, for the import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetNote {
    /// `cod-ab` (a known layout of boundaries was recognised), `names-lost` (a column
    /// held only question marks), `repeated-positions` (geometry repaired).
    pub code: &'static str,
    pub detail: String,
}

/// A cell whose text was decoded with the wrong encoding before, and what it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub place: Place,
    pub column: String,
    pub from: String,
    pub to: String,
    /// How the text had been misread: `UTF-8 read as Latin-1` or `… as Windows-1251`.
    pub how: &'static str,
}

/// Why a file could not be read as a table at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", place.map(|p| format!("{p}: ")).unwrap_or_default())]
pub struct SheetError {
    pub place: Option<Place>,
    pub reason: String,
}

fn fail(place: Option<Place>, reason: impl Into<String>) -> SheetError {
    SheetError {
        place,
        reason: reason.into(),
    }
}

/// Text encodings a CSV file may be declared to have instead of UTF-8.
pub fn encoding(label: &str) -> Option<&'static encoding_rs::Encoding> {
    match label.to_lowercase().as_str() {
        "cp1251" | "windows-1251" => Some(encoding_rs::WINDOWS_1251),
        "latin-1" | "latin1" | "cp1252" | "windows-1252" => Some(encoding_rs::WINDOWS_1252),
        "utf-8" | "utf8" => Some(encoding_rs::UTF_8),
        "utf-16" | "utf-16le" => Some(encoding_rs::UTF_16LE),
        _ => None,
    }
}

/// Reads a table of `kind` records from a file's bytes. CSV is UTF-8 (a byte-order mark
/// is skipped; UTF-16 with a mark is read too) unless `declared` names its encoding.
pub fn read(
    format: Format,
    bytes: &[u8],
    kind: RecordKind,
    declared: Option<&'static encoding_rs::Encoding>,
) -> Result<Sheet, SheetError> {
    if bytes.is_empty() {
        return Err(fail(
            None,
            "the file is empty: expected a header row naming the columns",
        ));
    }
    let mut sheet = match format {
        Format::Csv => read_csv(&decode(bytes, declared)?)?,
        Format::Xlsx => read_xlsx(bytes)?,
        Format::GeoJson => read_geojson(&decode(bytes, declared)?, kind)?,
        Format::Kml => from_layer(
            kind,
            crate::gis::kml::read(bytes, kind.as_str()).map_err(|e| fail(None, e))?,
        ),
        Format::Shapefile => from_layer(
            kind,
            crate::gis::shp::read(bytes).map_err(|e| fail(None, e))?,
        ),
        Format::GeoPackage => {
            return Err(fail(
                None,
                "a GeoPackage is a database: import it with `minewatch import KIND FILE.gpkg`",
            ));
        }
    };
    if sheet.header.iter().all(|h| h.trim().is_empty()) {
        return Err(fail(
            None,
            "the file has no header row: expected the column names on the first line",
        ));
    }
    for (place, cells) in &mut sheet.rows {
        for (i, cell) in cells.iter_mut().enumerate() {
            if let Some((fixed, how)) = repair_mojibake(cell) {
                sheet.repairs.push(Repair {
                    place: *place,
                    column: sheet
                        .header
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| (i + 1).to_string()),
                    from: std::mem::replace(cell, fixed.clone()),
                    to: fixed,
                    how,
                });
            }
        }
    }
    Ok(sheet)
}

/// A GIS layer (KML, Shapefile, GeoPackage) as a table of `kind`: its columns by the
/// names minewatch exports (a Shapefile's 10-character names mapped back to the kind's
/// columns), columns an export adds for people (a licence's `holder_name`) left out,
/// and the geometry in the kind's geometry columns.
pub fn from_layer(kind: RecordKind, mut layer: crate::gis::Layer) -> Sheet {
    let mut headers: Vec<String> = columns(kind).into_iter().map(|c| c.header).collect();
    headers.extend(
        crate::table::ANNOTATIONS
            .iter()
            .filter(|(k, _)| *k == kind.as_str())
            .map(|(_, c)| (*c).to_owned()),
    );
    for c in &mut layer.columns {
        if headers.contains(c) {
            continue;
        }
        // A Shapefile's short name: the column whose name it is cut from.
        if let Some(h) = headers.iter().find(|h| {
            crate::gis::shp::field_names(std::slice::from_ref(*h))[0].eq_ignore_ascii_case(c)
        }) {
            *c = h.clone();
        }
    }
    let keep: Vec<usize> = (0..layer.columns.len())
        .filter(|i| !crate::table::annotation(kind, &layer.columns[*i]))
        .collect();
    layer.columns = keep.iter().map(|i| layer.columns[*i].clone()).collect();
    for f in &mut layer.features {
        f.cells = keep
            .iter()
            .map(|i| f.cells.get(*i).cloned().unwrap_or(Cell::Empty))
            .collect();
    }
    layer.geometry_columns = match geometry_field(kind) {
        Some(g) if g.shape == Shape::Point => {
            vec![format!("{}.lat", g.name), format!("{}.lon", g.name)]
        }
        Some(g) if layer.geometry_kind != crate::gis::GeometryKind::None => vec![g.name.to_owned()],
        _ => Vec::new(),
    };
    let (header, rows) = crate::gis::to_table(&layer);
    Sheet {
        header,
        header_place: None,
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (Place::Feature(i + 1), r))
            .collect(),
        ..Sheet::default()
    }
}

/// The file's text: UTF-8 (or UTF-16 with a byte-order mark), or `declared`.
fn decode(
    bytes: &[u8],
    declared: Option<&'static encoding_rs::Encoding>,
) -> Result<String, SheetError> {
    if let Some(enc) = declared {
        let (text, _, had_errors) = enc.decode(bytes);
        if had_errors {
            return Err(fail(
                None,
                format!("the file has bytes that are not {}", enc.name()),
            ));
        }
        return Ok(text.into_owned());
    }
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes)
        && enc != encoding_rs::UTF_8
    {
        let (text, _, had_errors) = enc.decode(bytes);
        if !had_errors {
            return Ok(text.into_owned());
        }
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
            Err(fail(
                Some(Place::Line(line)),
                format!(
                    "the file is not UTF-8 text (byte 0x{:02X} at offset {at}). Save it as \"CSV UTF-8\", or give its encoding (for Windows Cyrillic: --encoding cp1251)",
                    bytes[at]
                ),
            ))
        }
    }
}

fn read_csv(text: &str) -> Result<Sheet, SheetError> {
    let first = text.lines().next().unwrap_or_default();
    // Spreadsheets set to a locale with a decimal comma write `;` between cells.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .filter(|d| first.as_bytes().contains(d))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| p.line() as usize);
            fail(Some(Place::Line(line)), format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map_or(i + 1, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if i == 0 {
            sheet.header = cells;
            sheet.header_place = Some(Place::Line(line));
        } else if cells.iter().any(|c| !c.trim().is_empty()) {
            sheet.rows.push((Place::Line(line), cells));
        }
    }
    Ok(sheet)
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, SheetError> {
    use calamine::{Data, Reader as _};
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        fail(
            None,
            format!("not a spreadsheet this program can read (XLSX, XLS or ODS): {e}"),
        )
    })?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| fail(None, "the workbook has no worksheet"))?
        .map_err(|e| fail(None, format!("the first worksheet cannot be read: {e}")))?;
    let top = range.start().map_or(0, |(r, _)| r as usize);
    let left = range.start().map_or(0, |(_, c)| c as usize);
    let mut sheet = Sheet::default();
    for (i, row) in range.rows().enumerate() {
        let number = top + i + 1;
        let place = Place::Row(number);
        let mut cells: Vec<String> = vec![String::new(); left];
        for (j, cell) in row.iter().enumerate() {
            let text = match cell {
                Data::Empty => String::new(),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::Int(n) => n.to_string(),
                Data::Float(x) => x.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => {
                    let (y, m, day, h, min, s, ms) = d.to_ymd_hms_milli();
                    let date = Date::new(y as i16, m as i8, day as i8)
                        .map_err(|e| fail(Some(place), format!("cell {}: {e}", j + left + 1)))?;
                    if (h, min, s, ms) != (0, 0, 0, 0) {
                        format!("{date}T{h:02}:{min:02}:{s:02}")
                    } else {
                        date.to_string()
                    }
                }
                Data::Error(e) => {
                    return Err(fail(
                        Some(place),
                        format!(
                            "column {}: the cell holds a spreadsheet error ({e})",
                            j + left + 1
                        ),
                    ));
                }
            };
            cells.push(text);
        }
        if i == 0 {
            sheet.header = cells;
            sheet.header_place = Some(place);
        } else if cells.iter().any(|c| !c.trim().is_empty()) {
            sheet.rows.push((place, cells));
        }
    }
    Ok(sheet)
}

/// Rows of cells as CSV (UTF-8 with a byte-order mark, so that spreadsheets open
/// Cyrillic text correctly; CRLF line ends as RFC 4180 says).
pub fn write_csv(header: &[String], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = b"\xef\xbb\xbf".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(header).expect("writing to memory");
        for row in rows {
            w.write_record(row.iter().map(Cell::text))
                .expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}

/// The most characters a cell of an XLSX worksheet may hold.
pub const XLSX_CELL_MAX: usize = 32_767;

/// Rows of cells as an XLSX workbook with one worksheet named after the kind.
pub fn write_xlsx(
    kind: RecordKind,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(kind.as_str()).map_err(|e| e.to_string())?;
    let bold = XFormat::new().set_bold();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(e)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                // Strings are written as strings: never as formulas.
                Cell::Text(s) => {
                    let len = s.chars().count();
                    if len > XLSX_CELL_MAX {
                        return Err(format!(
                            "row {}, column {}: {len} characters, more than the {XLSX_CELL_MAX} a spreadsheet cell holds (a large boundary?): export this kind as CSV or GeoJSON",
                            r + 1,
                            header.get(usize::from(c)).map_or("?", String::as_str),
                        ));
                    }
                    sheet.write_string(r, c, s).map_err(e)?;
                }
                Cell::Number(n) => match n.as_f64() {
                    // Whole numbers beyond 2^53 would lose digits as a spreadsheet number.
                    Some(x) if n.is_f64() || x.abs() < 9.0e15 => {
                        sheet.write_number(r, c, x).map_err(e)?;
                    }
                    _ => {
                        sheet.write_string(r, c, n.to_string()).map_err(e)?;
                    }
                },
                Cell::Flag(b) => {
                    sheet.write_boolean(r, c, *b).map_err(e)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(e)?;
    book.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cod_ab_boundaries_read_as_zones_with_notes() {
        // The layout of OCHA's HDX files: P-codes as numbers, lost names as question
        // marks, a repeated position, and properties that are not kept.
        let text = r#"{"type": "FeatureCollection", "features": [
          {"type": "Feature", "properties": {"ADM0_EN": "Mongolia", "ADM1_EN": "To'v", "ADM1_PCODE": "41",
             "ADM2_EN": "Zaamar", "ADM2_MN": "????-???", "ADM2_PCODE": 4152.0, "REGION": "Central"},
           "geometry": {"type": "Polygon", "coordinates": [[[104, 48], [105, 48], [105, 48], [105, 49], [104, 48]]]}},
          {"type": "Feature", "properties": {"ADM1_EN": "To'v", "ADM1_PCODE": "41", "ADM2_EN": "Bayan", "ADM2_MN": "Баян", "ADM2_PCODE": 4101.0},
           "geometry": {"type": "MultiPolygon", "coordinates": [[[[106, 47], [107, 47], [107, 48], [106, 47]]], [[[108, 47], [109, 47], [109, 48], [108, 47]]]]}}
        ]}"#;
        let sheet = read(Format::GeoJson, text.as_bytes(), RecordKind::Zone, None).unwrap();
        let cell = |row: usize, col: &str| {
            let i = sheet
                .header
                .iter()
                .position(|h| h == col)
                .unwrap_or_else(|| panic!("{col}"));
            sheet.rows[row].1[i].clone()
        };
        assert!(
            !sheet
                .header
                .iter()
                .any(|h| h.starts_with("ADM") || h == "REGION")
        );
        assert_eq!(cell(0, "name.en"), "Zaamar");
        assert_eq!(cell(0, "name.mn"), "");
        assert_eq!(cell(1, "name.mn"), "Баян");
        assert_eq!(cell(0, "code"), "4152");
        assert_eq!(cell(0, "zone_type"), "soum");
        assert_eq!(cell(0, "aimag.en"), "To'v");
        assert_eq!(
            cell(0, "boundary"),
            "POLYGON ((104 48, 105 48, 105 49, 104 48))"
        );
        assert!(cell(1, "boundary").starts_with("MULTIPOLYGON (((106 47"));
        let codes: Vec<&str> = sheet.notes.iter().map(|n| n.code).collect();
        assert_eq!(codes, ["cod-ab", "names-lost", "repeated-positions"]);
        assert!(
            sheet.notes[1]
                .detail
                .contains("ADM2_MN holds only question marks in 1 feature")
        );
        assert!(
            sheet.notes[2].detail.contains("feature 1: 1"),
            "{:?}",
            sheet.notes[2]
        );
        // The same properties for a licence are not a known layout: they are unknown
        // columns, which the header check reports.
        let as_licence = read(Format::GeoJson, text.as_bytes(), RecordKind::Licence, None).unwrap();
        assert!(as_licence.header.iter().any(|h| h == "ADM2_PCODE"));
        assert!(as_licence.notes.iter().all(|n| n.code != "cod-ab"));
    }

    #[test]
    fn misread_cyrillic_is_repaired_and_correct_text_is_left_alone() {
        let right = "Хөвсгөл аймаг, Улаанбаатар";
        // UTF-8 bytes read as Latin-1.
        let latin1: String = right.bytes().map(|b| b as char).collect();
        assert_eq!(
            repair_mojibake(&latin1),
            Some((right.to_owned(), "UTF-8 read as Latin-1"))
        );
        // UTF-8 bytes read as Windows-1251.
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.decode(right.as_bytes());
        assert_eq!(
            repair_mojibake(&cp1251),
            Some((right.to_owned(), "UTF-8 read as Windows-1251"))
        );
        for fine in [right, "Café Zaamar", "Заамар сум", "MV-017038", "Ёөүъ"] {
            assert_eq!(repair_mojibake(fine), None, "{fine}");
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_names_its_line() {
        let bytes = b"id,name.mn\nc1,ok\nc2,\xc0\xe9\n";
        let err = read(Format::Csv, bytes, RecordKind::Company, None).unwrap_err();
        assert_eq!(err.place, Some(Place::Line(3)));
        assert!(err.reason.contains("--encoding cp1251"), "{err}");
        // Declared as Windows-1251, the same bytes read.
        let sheet = read(Format::Csv, bytes, RecordKind::Company, encoding("cp1251")).unwrap();
        assert_eq!(sheet.rows[1].1[1], "Ай");
    }

    #[test]
    fn xlsx_keeps_cyrillic_numbers_and_flags() {
        let header = vec![
            "id".to_owned(),
            "name.mn".to_owned(),
            "households".to_owned(),
        ];
        let rows = vec![vec![
            Cell::Text("c1".into()),
            Cell::Text("Заамар".into()),
            Cell::Number(120.into()),
        ]];
        let bytes = write_xlsx(RecordKind::Community, &header, &rows).unwrap();
        let sheet = read(Format::Xlsx, &bytes, RecordKind::Community, None).unwrap();
        assert_eq!(sheet.header, header);
        assert_eq!(
            sheet.rows,
            vec![(
                Place::Row(2),
                vec!["c1".into(), "Заамар".into(), "120".into()]
            )]
        );
    }
}
