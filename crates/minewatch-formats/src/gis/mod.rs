//! Records as the files GIS people open: KML 2.2, zipped ESRI Shapefiles and the
//! geometry blobs of GeoPackage 1.3 (the GeoPackage file itself is an SQLite database,
//! written by the store's `geopackage` module). All in WGS 84 longitude/latitude.
//!
//! A [`Layer`] is the table an export makes (the same columns as CSV) with the kind's
//! geometry column taken out as each feature's geometry. Reading a layer back gives the
//! same header and rows, so the files import as CSV does.

use minewatch_domain::RecordKind;
use minewatch_domain::records::Polygon;
use serde_json::{Value, json};

use crate::table::{Cell, Shape, columns, geometry_field, parse_wkt_polygon, polygon_wkt};

pub mod kml;
pub mod shp;
pub mod wkb;

/// A feature's geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    None,
    Point([f64; 2]),
    /// One polygon or several (written as a MultiPolygon).
    Polygons(Vec<Polygon>),
}

impl Geometry {
    /// The box around it: `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let points: Vec<&[f64; 2]> = match self {
            Geometry::None => return None,
            Geometry::Point(p) => vec![p],
            Geometry::Polygons(ps) => ps.iter().flat_map(|p| p.rings.iter().flatten()).collect(),
        };
        minewatch_domain::geo::BBox::of(points).map(|b| b.0)
    }
}

/// One record: its attribute cells (in the layer's columns) and its geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub cells: Vec<Cell>,
    pub geometry: Geometry,
}

/// A table of features of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// The layer's name (the kind's name).
    pub name: String,
    /// The attribute columns (the kind's table columns without the geometry's).
    pub columns: Vec<String>,
    /// The geometry column's names in the table: `["area"]`, `["location.lat",
    /// "location.lon"]`, or none.
    pub geometry_columns: Vec<String>,
    /// Polygons, points or nothing.
    pub geometry_kind: GeometryKind,
    pub features: Vec<Feature>,
}

/// What a layer's geometries are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    None,
    Point,
    MultiPolygon,
}

/// A GeoJSON Polygon or MultiPolygon value as polygons.
pub fn polygons_of(v: &Value) -> Vec<Polygon> {
    let parts: Vec<Value> = match v.get("type").and_then(Value::as_str) {
        Some("MultiPolygon") => v["coordinates"].as_array().cloned().unwrap_or_default(),
        Some("Polygon") => vec![v["coordinates"].clone()],
        _ => Vec::new(),
    };
    parts
        .into_iter()
        .filter_map(|rings| serde_json::from_value(json!({ "rings": rings })).ok())
        .collect()
}

/// Polygons as WKT (`MULTIPOLYGON` when there are several, `POLYGON` for one).
pub fn polygons_wkt(polygons: &[Polygon]) -> String {
    let value = match polygons {
        [one] => json!({"type": "Polygon", "coordinates": one.rings}),
        many => json!({
            "type": "MultiPolygon",
            "coordinates": many.iter().map(|p| &p.rings).collect::<Vec<_>>(),
        }),
    };
    polygon_wkt(&value).unwrap_or_default()
}

/// The layer an export's table makes: `header` and `rows` as [`crate::table`] gives
/// them for `kind`, extra columns (a holder's name) after them.
pub fn layer(kind: RecordKind, header: &[String], rows: &[Vec<Cell>]) -> Layer {
    let geometry = geometry_field(kind);
    let cols = columns(kind);
    let is_geometry = |h: &str| {
        cols.iter()
            .find(|c| c.header == h)
            .is_some_and(|c| Some(c.field) == geometry)
    };
    let geometry_columns: Vec<String> = header.iter().filter(|h| is_geometry(h)).cloned().collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|i| !is_geometry(&header[*i]))
        .collect();
    let geometry_kind = match geometry.map(|g| g.shape) {
        Some(Shape::Point) => GeometryKind::Point,
        Some(Shape::Polygon) => GeometryKind::MultiPolygon,
        _ => GeometryKind::None,
    };
    let features = rows
        .iter()
        .map(|row| {
            let cell = |name: &str| {
                header
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| row.get(i))
            };
            let geometry = match geometry_kind {
                GeometryKind::Point => {
                    let n = |c: Option<&Cell>| match c {
                        Some(Cell::Number(n)) => n.as_f64(),
                        Some(Cell::Text(s)) => s.parse().ok(),
                        _ => None,
                    };
                    let name = geometry.map(|g| g.name).unwrap_or_default();
                    match (
                        n(cell(&format!("{name}.lon"))),
                        n(cell(&format!("{name}.lat"))),
                    ) {
                        (Some(lon), Some(lat)) => Geometry::Point([lon, lat]),
                        _ => Geometry::None,
                    }
                }
                GeometryKind::MultiPolygon => {
                    match geometry_columns.first().and_then(|g| cell(g)) {
                        Some(Cell::Text(wkt)) => {
                            let ps = parse_wkt_polygon(wkt)
                                .map(|v| polygons_of(&v))
                                .unwrap_or_default();
                            if ps.is_empty() {
                                Geometry::None
                            } else {
                                Geometry::Polygons(ps)
                            }
                        }
                        _ => Geometry::None,
                    }
                }
                GeometryKind::None => Geometry::None,
            };
            Feature {
                cells: keep
                    .iter()
                    .map(|i| row.get(*i).cloned().unwrap_or(Cell::Empty))
                    .collect(),
                geometry,
            }
        })
        .collect();
    Layer {
        name: kind.as_str().to_owned(),
        columns: keep.iter().map(|i| header[*i].clone()).collect(),
        geometry_columns,
        geometry_kind,
        features,
    }
}

/// A layer read back as a table: the columns, then the geometry's, each row as text
/// cells (as [`crate::sheet`] reads a CSV).
pub fn to_table(layer: &Layer) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = layer.columns.clone();
    header.extend(layer.geometry_columns.iter().cloned());
    let rows = layer
        .features
        .iter()
        .map(|f| {
            let mut cells: Vec<String> = f.cells.iter().map(Cell::text).collect();
            match (&f.geometry, layer.geometry_columns.len()) {
                (Geometry::Polygons(ps), 1) => cells.push(polygons_wkt(ps)),
                (Geometry::Point([lon, lat]), 2) => {
                    // The table's order: `.lat` before `.lon`.
                    let lat_first = layer.geometry_columns[0].ends_with(".lat");
                    let (a, b) = if lat_first { (lat, lon) } else { (lon, lat) };
                    cells.push(a.to_string());
                    cells.push(b.to_string());
                }
                (_, n) => cells.extend(std::iter::repeat_n(String::new(), n)),
            }
            cells
        })
        .collect();
    (header, rows)
}

/// XML text escaped for element content and attribute values.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> Layer {
        let square = |x: f64| Polygon {
            rings: vec![vec![
                [x, 48.0],
                [x + 1.0, 48.0],
                [x + 1.0, 49.0],
                [x, 49.0],
                [x, 48.0],
            ]],
        };
        let mut holed = square(106.0);
        holed.rings.push(vec![
            [106.2, 48.2],
            [106.2, 48.4],
            [106.4, 48.4],
            [106.4, 48.2],
            [106.2, 48.2],
        ]);
        Layer {
            name: "licence".into(),
            columns: vec![
                "number".into(),
                "holder_name".into(),
                "source_attributes".into(),
            ],
            geometry_columns: vec!["area".into()],
            geometry_kind: GeometryKind::MultiPolygon,
            features: vec![
                Feature {
                    cells: vec![
                        Cell::Text("MV-00021252".into()),
                        Cell::Text("Алт & <Мөнгө> \"ХХК\"".into()),
                        Cell::Text("{\"a\":\"b\"}".into()),
                    ],
                    geometry: Geometry::Polygons(vec![holed, square(110.0)]),
                },
                Feature {
                    cells: vec![Cell::Text("ГТБХГ-23".into()), Cell::Empty, Cell::Empty],
                    geometry: Geometry::None,
                },
            ],
        }
    }

    fn without_columns(mut l: Layer) -> Layer {
        l.geometry_columns.clear();
        l
    }

    #[test]
    fn kml_and_shapefiles_read_back_what_they_wrote() {
        let original = layer();
        let kml = kml::read(&kml::write(&original), "licence").unwrap();
        assert_eq!(kml, without_columns(original.clone()));
        let shp = shp::read(&shp::write(&original).unwrap()).unwrap();
        assert_eq!(shp.features, original.features);
        // dBASE names: at most ten characters, unique.
        assert_eq!(shp.columns, ["number", "holder_nam", "source_att"]);
    }

    #[test]
    fn geopackage_blobs_read_back_and_say_their_envelope() {
        for f in layer().features {
            match wkb::gpkg_blob(&f.geometry) {
                Some(blob) => {
                    assert_eq!(&blob[..2], b"GP");
                    assert_eq!(wkb::read_gpkg_blob(&blob).unwrap(), f.geometry);
                    // The envelope: min x, max x, min y, max y.
                    let min_x = f64::from_le_bytes(blob[8..16].try_into().unwrap());
                    let max_x = f64::from_le_bytes(blob[16..24].try_into().unwrap());
                    assert_eq!((min_x, max_x), (106.0, 111.0));
                }
                None => assert_eq!(f.geometry, Geometry::None),
            }
        }
        assert!(wkb::read_gpkg_blob(b"GP\0\x03").is_err());
    }

    #[test]
    fn a_text_a_shapefile_cannot_hold_is_refused_not_cut() {
        let mut l = layer();
        l.features[0].cells[2] = Cell::Text("я".repeat(200));
        let err = shp::write(&l).unwrap_err();
        assert!(
            err.contains("record 1, column source_attributes: 400 bytes"),
            "{err}"
        );
    }
}
