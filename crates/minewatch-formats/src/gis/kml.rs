//! KML 2.2 (OGC 07-147r2): a Document with a Schema of the layer's columns and a
//! Folder of Placemarks, each with its cells as `SimpleData` and its geometry as a
//! `Point` or a `MultiGeometry` of `Polygon`s. Reading takes KML and KMZ as Google
//! Earth, QGIS and GDAL write them (`SimpleData` or `Data`/`value`).

use std::fmt::Write as _;
use std::io::Read as _;

use minewatch_domain::records::Polygon;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use super::{Feature, Geometry, GeometryKind, Layer, xml_escape};
use crate::table::Cell;

fn coordinates(out: &mut String, ring: &[[f64; 2]]) {
    out.push_str("<coordinates>");
    for (i, [x, y]) in ring.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{x},{y}");
    }
    out.push_str("</coordinates>");
}

/// The layer as a KML document.
pub fn write(layer: &Layer) -> Vec<u8> {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document id=\"root_doc\">\n");
    let name = xml_escape(&layer.name);
    let _ = writeln!(out, "<Schema name=\"{name}\" id=\"{name}\">");
    for c in &layer.columns {
        let _ = writeln!(
            out,
            "<SimpleField name=\"{}\" type=\"string\"/>",
            xml_escape(c)
        );
    }
    out.push_str("</Schema>\n");
    let _ = writeln!(out, "<Folder><name>{name}</name>");
    for f in &layer.features {
        out.push_str("<Placemark>");
        if let Some(label) = f.cells.iter().find(|c| !matches!(c, Cell::Empty)) {
            let _ = write!(out, "<name>{}</name>", xml_escape(&label.text()));
        }
        let _ = write!(out, "<ExtendedData><SchemaData schemaUrl=\"#{name}\">");
        for (c, cell) in layer.columns.iter().zip(&f.cells) {
            if matches!(cell, Cell::Empty) {
                continue;
            }
            let _ = write!(
                out,
                "<SimpleData name=\"{}\">{}</SimpleData>",
                xml_escape(c),
                xml_escape(&cell.text())
            );
        }
        out.push_str("</SchemaData></ExtendedData>");
        match &f.geometry {
            Geometry::None => {}
            Geometry::Point([x, y]) => {
                let _ = write!(out, "<Point><coordinates>{x},{y}</coordinates></Point>");
            }
            Geometry::Polygons(ps) => {
                out.push_str("<MultiGeometry>");
                for p in ps {
                    out.push_str("<Polygon>");
                    for (r, ring) in p.rings.iter().enumerate() {
                        let side = if r == 0 {
                            "outerBoundaryIs"
                        } else {
                            "innerBoundaryIs"
                        };
                        let _ = write!(out, "<{side}><LinearRing>");
                        coordinates(&mut out, ring);
                        let _ = write!(out, "</LinearRing></{side}>");
                    }
                    out.push_str("</Polygon>");
                }
                out.push_str("</MultiGeometry>");
            }
        }
        out.push_str("</Placemark>\n");
    }
    out.push_str("</Folder>\n</Document>\n</kml>\n");
    out.into_bytes()
}

/// A KMZ's KML: the archive's `doc.kml`, else its first `.kml` file.
fn unzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a KMZ archive: {e}"))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let name = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("doc.kml"))
        .or_else(|| names.iter().find(|n| n.to_lowercase().ends_with(".kml")))
        .ok_or("the KMZ archive holds no .kml file")?
        .clone();
    let mut file = zip.by_name(&name).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    file.by_ref()
        .take(200_000_000)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn parse_coordinates(text: &str) -> Result<Vec<[f64; 2]>, String> {
    text.split_whitespace()
        .map(|tuple| {
            let mut parts = tuple.split(',');
            let x = parts.next().and_then(|s| s.parse::<f64>().ok());
            let y = parts.next().and_then(|s| s.parse::<f64>().ok());
            match (x, y) {
                (Some(x), Some(y)) => Ok([x, y]),
                _ => Err(format!("{tuple:?} is not longitude,latitude")),
            }
        })
        .collect()
}

/// The placemarks of a KML or KMZ file as a layer named `name`, the columns in the
/// order they first appear. `Err` says where the file goes wrong.
pub fn read(bytes: &[u8], name: &str) -> Result<Layer, String> {
    let owned;
    let bytes = if bytes.starts_with(b"PK") {
        owned = unzip(bytes)?;
        &owned[..]
    } else {
        bytes
    };
    let mut reader = Reader::from_reader(bytes);
    // Text as written: a value with `&amp;` comes in three pieces, whose spaces count.
    reader.config_mut().trim_text(false);
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<(Vec<(String, String)>, Geometry)> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    // The placemark being read.
    let mut cells: Vec<(String, String)> = Vec::new();
    let mut polygons: Vec<Polygon> = Vec::new();
    let mut point: Option<[f64; 2]> = None;
    let mut data_name: Option<String> = None;
    let mut text = String::new();
    let mut buf = Vec::new();
    let mut in_placemark = false;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid XML near byte {position}: {e}"))?;
        match event {
            Event::Start(e) => {
                let tag = e.local_name().as_ref().to_owned();
                let attr = |key: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .and_then(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                match tag.as_str() {
                    "Placemark" => {
                        in_placemark = true;
                        cells.clear();
                        polygons.clear();
                        point = None;
                    }
                    "SimpleData" | "Data" => data_name = attr("name"),
                    "Polygon" if in_placemark => polygons.push(Polygon { rings: Vec::new() }),
                    _ => {}
                }
                text.clear();
                path.push(tag);
            }
            Event::Text(t) => {
                text.push_str(&t);
            }
            Event::GeneralRef(r) => {
                let name: &str = &r;
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                text.extend(c);
            }
            Event::CData(t) => text.push_str(&t),
            Event::End(_) => {
                let tag = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                match tag.as_str() {
                    "SimpleData" => {
                        if let Some(n) = data_name.take() {
                            cells.push((n, std::mem::take(&mut text)));
                        }
                    }
                    "value" if parent == "Data" => {
                        if let Some(n) = data_name.take() {
                            cells.push((n, std::mem::take(&mut text)));
                        }
                    }
                    "coordinates" if in_placemark => {
                        let points = parse_coordinates(&text)
                            .map_err(|e| format!("placemark {}: {e}", rows.len() + 1))?;
                        if path.iter().any(|t| t == "Polygon") {
                            if let Some(p) = polygons.last_mut() {
                                p.rings.push(points);
                            }
                        } else if path.iter().any(|t| t == "Point") {
                            point = points.first().copied();
                        }
                    }
                    "Placemark" => {
                        in_placemark = false;
                        for (c, _) in &cells {
                            if !columns.contains(c) {
                                columns.push(c.clone());
                            }
                        }
                        let geometry = if !polygons.is_empty() {
                            Geometry::Polygons(std::mem::take(&mut polygons))
                        } else if let Some(p) = point {
                            Geometry::Point(p)
                        } else {
                            Geometry::None
                        };
                        rows.push((std::mem::take(&mut cells), geometry));
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let geometry_kind = if rows.iter().any(|(_, g)| matches!(g, Geometry::Polygons(_))) {
        GeometryKind::MultiPolygon
    } else if rows.iter().any(|(_, g)| matches!(g, Geometry::Point(_))) {
        GeometryKind::Point
    } else {
        GeometryKind::None
    };
    let features = rows
        .into_iter()
        .map(|(cells, geometry)| Feature {
            cells: columns
                .iter()
                .map(|c| {
                    cells
                        .iter()
                        .find(|(n, _)| n == c)
                        .map_or(Cell::Empty, |(_, v)| Cell::Text(v.clone()))
                })
                .collect(),
            geometry,
        })
        .collect();
    Ok(Layer {
        name: name.to_owned(),
        columns,
        geometry_columns: Vec::new(),
        geometry_kind,
        features,
    })
}
