//! ESRI Shapefiles (ESRI Shapefile Technical Description, 1998), zipped: `.shp` and
//! `.shx` with the shapes (Polygon, type 5, or Point, type 1), `.dbf` (dBASE III) with
//! the attributes in UTF-8 (said by `.cpg`), `.prj` with WGS 84.
//!
//! dBASE limits what a Shapefile can hold, and the export says where it bites: field
//! names of at most 10 characters (each column gets a short name, unique, that the
//! reader maps back for a kind it knows), and texts of at most 254 bytes (longer ones
//! are refused rather than cut). Reading takes the encoding `.cpg` names (UTF-8,
//! Windows-1251, …), as GDAL and ArcGIS write it.

use std::io::{Cursor, Read as _, Write as _};

use minewatch_domain::records::Polygon;

use super::{Feature, Geometry, GeometryKind, Layer};
use crate::table::Cell;

const WGS84_PRJ: &str = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

/// A dBASE field name for a column: letters, digits and `_`, at most 10 characters,
/// unique among `taken`.
fn short_name(column: &str, taken: &[String]) -> String {
    let base: String = column
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(10)
        .collect();
    if !taken.contains(&base) {
        return base;
    }
    (1..)
        .map(|n| {
            let suffix = n.to_string();
            format!("{}{suffix}", &base[..base.len().min(10 - suffix.len())])
        })
        .find(|c| !taken.contains(c))
        .expect("a free name")
}

/// The dBASE field names of `columns`, in order.
pub fn field_names(columns: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in columns {
        let n = short_name(c, &names);
        names.push(n);
    }
    names
}

fn ring_area2(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

/// The layer as a zip of `name.shp`, `.shx`, `.dbf`, `.prj` and `.cpg`. `Err` names a
/// value a Shapefile cannot hold.
pub fn write(layer: &Layer) -> Result<Vec<u8>, String> {
    let shape_type: i32 = match layer.geometry_kind {
        GeometryKind::MultiPolygon => 5,
        GeometryKind::Point => 1,
        GeometryKind::None => 0,
    };
    // .shp records.
    let mut records: Vec<Vec<u8>> = Vec::with_capacity(layer.features.len());
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for f in &layer.features {
        let mut c = Vec::new();
        match &f.geometry {
            Geometry::None => c.extend(0i32.to_le_bytes()),
            Geometry::Point([x, y]) => {
                c.extend(1i32.to_le_bytes());
                c.extend(x.to_le_bytes());
                c.extend(y.to_le_bytes());
            }
            Geometry::Polygons(ps) => {
                let b = f.geometry.bbox().expect("a polygon has points");
                bbox = [
                    bbox[0].min(b[0]),
                    bbox[1].min(b[1]),
                    bbox[2].max(b[2]),
                    bbox[3].max(b[3]),
                ];
                // Shapefile rings: outer rings clockwise, holes counter-clockwise.
                let rings: Vec<Vec<[f64; 2]>> = ps
                    .iter()
                    .flat_map(|p| {
                        p.rings.iter().enumerate().map(|(i, r)| {
                            let clockwise = ring_area2(r) < 0.0;
                            if (i == 0) == clockwise {
                                r.clone()
                            } else {
                                r.iter().rev().copied().collect()
                            }
                        })
                    })
                    .collect();
                let points: usize = rings.iter().map(Vec::len).sum();
                c.extend(5i32.to_le_bytes());
                for v in b {
                    c.extend(v.to_le_bytes());
                }
                c.extend((rings.len() as i32).to_le_bytes());
                c.extend((points as i32).to_le_bytes());
                let mut start = 0i32;
                for r in &rings {
                    c.extend(start.to_le_bytes());
                    start += r.len() as i32;
                }
                for r in &rings {
                    for [x, y] in r {
                        c.extend(x.to_le_bytes());
                        c.extend(y.to_le_bytes());
                    }
                }
            }
        }
        if let Geometry::Point([x, y]) = f.geometry {
            bbox = [
                bbox[0].min(x),
                bbox[1].min(y),
                bbox[2].max(x),
                bbox[3].max(y),
            ];
        }
        records.push(c);
    }
    if bbox[0] > bbox[2] {
        bbox = [0.0; 4];
    }
    let header = |length_words: usize| {
        let mut h = Vec::with_capacity(100);
        h.extend(9994i32.to_be_bytes());
        h.extend([0u8; 20]);
        h.extend((length_words as i32).to_be_bytes());
        h.extend(1000i32.to_le_bytes());
        h.extend(shape_type.to_le_bytes());
        for v in bbox {
            h.extend(v.to_le_bytes());
        }
        h.extend([0u8; 32]);
        h
    };
    let shp_len: usize = 100 + records.iter().map(|r| 8 + r.len()).sum::<usize>();
    let mut shp = header(shp_len / 2);
    let mut shx = header((100 + 8 * records.len()) / 2);
    for (i, r) in records.iter().enumerate() {
        shx.extend(((shp.len() / 2) as i32).to_be_bytes());
        shx.extend(((r.len() / 2) as i32).to_be_bytes());
        shp.extend(((i + 1) as i32).to_be_bytes());
        shp.extend(((r.len() / 2) as i32).to_be_bytes());
        shp.extend(r);
    }
    // .dbf
    let names = field_names(&layer.columns);
    let texts: Vec<Vec<String>> = layer
        .features
        .iter()
        .map(|f| f.cells.iter().map(Cell::text).collect())
        .collect();
    let mut widths: Vec<usize> = vec![1; layer.columns.len()];
    for (n, row) in texts.iter().enumerate() {
        for (i, t) in row.iter().enumerate() {
            if t.len() > 254 {
                return Err(format!(
                    "record {}, column {}: {} bytes; a Shapefile's text holds at most 254 (export as GeoPackage or GeoJSON)",
                    n + 1,
                    layer.columns[i],
                    t.len()
                ));
            }
            widths[i] = widths[i].max(t.len());
        }
    }
    let mut dbf = Vec::new();
    let record_len = 1 + widths.iter().sum::<usize>();
    dbf.push(0x03);
    dbf.extend([126u8, 1, 1]);
    dbf.extend((layer.features.len() as u32).to_le_bytes());
    dbf.extend(((32 + 32 * names.len() + 1) as u16).to_le_bytes());
    dbf.extend((record_len as u16).to_le_bytes());
    dbf.extend([0u8; 20]);
    for (name, w) in names.iter().zip(&widths) {
        let mut field = [0u8; 32];
        field[..name.len()].copy_from_slice(name.as_bytes());
        field[11] = b'C';
        field[16] = *w as u8;
        dbf.extend(field);
    }
    dbf.push(0x0D);
    for row in &texts {
        dbf.push(b' ');
        for (t, w) in row.iter().zip(&widths) {
            dbf.extend(t.as_bytes());
            dbf.extend(std::iter::repeat_n(b' ', w - t.len()));
        }
    }
    dbf.push(0x1A);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (ext, bytes) in [
        ("shp", shp),
        ("shx", shx),
        ("dbf", dbf),
        ("prj", WGS84_PRJ.as_bytes().to_vec()),
        ("cpg", b"UTF-8".to_vec()),
    ] {
        zip.start_file(format!("{}.{ext}", layer.name), options)
            .map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

fn le_i32(b: &[u8], at: usize) -> Result<i32, String> {
    b.get(at..at + 4)
        .map(|s| i32::from_le_bytes(s.try_into().expect("4 bytes")))
        .ok_or_else(|| "the .shp file ends early".to_owned())
}

fn be_i32(b: &[u8], at: usize) -> Result<i32, String> {
    b.get(at..at + 4)
        .map(|s| i32::from_be_bytes(s.try_into().expect("4 bytes")))
        .ok_or_else(|| "the .shp file ends early".to_owned())
}

fn le_f64(b: &[u8], at: usize) -> Result<f64, String> {
    b.get(at..at + 8)
        .map(|s| f64::from_le_bytes(s.try_into().expect("8 bytes")))
        .ok_or_else(|| "the .shp file ends early".to_owned())
}

/// Rings as a Shapefile gives them (outer rings clockwise, each followed by its holes)
/// as polygons: a clockwise ring starts a polygon, a counter-clockwise one is a hole of
/// the polygon before it. Rings are turned as GeoJSON has them.
fn polygons_of_rings(rings: Vec<Vec<[f64; 2]>>) -> Vec<Polygon> {
    let mut out: Vec<Polygon> = Vec::new();
    for mut r in rings {
        let clockwise = ring_area2(&r) < 0.0;
        if clockwise || out.is_empty() {
            if clockwise {
                r.reverse();
            }
            out.push(Polygon { rings: vec![r] });
        } else {
            r.reverse();
            out.last_mut().expect("a polygon").rings.push(r);
        }
    }
    out
}

/// A zipped Shapefile's first layer (`.shp` with its `.dbf`), with the `.dbf`'s field
/// names as columns. Text is UTF-8 (what `.cpg` says, and what minewatch writes).
pub fn read(bytes: &[u8]) -> Result<Layer, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a zip archive of a Shapefile: {e}"))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let shp_name = names
        .iter()
        .find(|n| n.to_lowercase().ends_with(".shp"))
        .ok_or("the archive holds no .shp file")?
        .clone();
    let stem = &shp_name[..shp_name.len() - 4];
    let mut file = |ext: &str| -> Result<Vec<u8>, String> {
        let name = names
            .iter()
            .find(|n| {
                n.len() == stem.len() + 4
                    && n.starts_with(stem)
                    && n[stem.len()..].eq_ignore_ascii_case(&format!(".{ext}"))
            })
            .ok_or(format!("the archive holds no {stem}.{ext}"))?
            .clone();
        let mut out = Vec::new();
        zip.by_name(&name)
            .map_err(|e| e.to_string())?
            .take(500_000_000)
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    };
    let shp = file("shp")?;
    let dbf = file("dbf")?;
    // The text encoding: what `.cpg` says (GDAL writes one), else UTF-8 where the
    // bytes are UTF-8 and Windows-1252 (ISO 8859-1's superset, GDAL's default) where
    // they are not; Cyrillic from old ArcView files by the `.dbf`'s language driver.
    let declared = file("cpg").ok().and_then(|c| {
        let label = String::from_utf8_lossy(&c).trim().to_owned();
        let label = match label.as_str() {
            "1251" => "windows-1251".to_owned(),
            "1252" => "windows-1252".to_owned(),
            "866" => "ibm866".to_owned(),
            other => other.to_owned(),
        };
        encoding_rs::Encoding::for_label(label.as_bytes())
    });
    let declared = declared.or(match dbf.get(29) {
        Some(0xC9) => Some(encoding_rs::WINDOWS_1251),
        Some(0x26 | 0x65) => Some(encoding_rs::IBM866),
        _ => None,
    });
    if be_i32(&shp, 0)? != 9994 {
        return Err(format!("{shp_name} is not a Shapefile (no file code 9994)"));
    }
    let mut geometries = Vec::new();
    let mut kind = GeometryKind::None;
    let mut at = 100;
    while at + 8 <= shp.len() {
        let len = be_i32(&shp, at + 4)? as usize * 2;
        let c = at + 8;
        let end = c + len;
        if end > shp.len() {
            return Err(format!(
                "{shp_name}: record {} ends past the file",
                geometries.len() + 1
            ));
        }
        let g = match le_i32(&shp, c)? {
            0 => Geometry::None,
            1 | 11 | 21 => {
                kind = GeometryKind::Point;
                Geometry::Point([le_f64(&shp, c + 4)?, le_f64(&shp, c + 12)?])
            }
            5 | 15 | 25 => {
                kind = GeometryKind::MultiPolygon;
                let parts = le_i32(&shp, c + 36)? as usize;
                let points = le_i32(&shp, c + 40)? as usize;
                if parts > len || points > len {
                    return Err(format!(
                        "{shp_name}: record {} is malformed",
                        geometries.len() + 1
                    ));
                }
                let starts: Vec<usize> = (0..parts)
                    .map(|i| le_i32(&shp, c + 44 + 4 * i).map(|v| v as usize))
                    .collect::<Result<_, _>>()?;
                let base = c + 44 + 4 * parts;
                let mut rings = Vec::new();
                for (i, s) in starts.iter().enumerate() {
                    let e = starts.get(i + 1).copied().unwrap_or(points);
                    let ring: Vec<[f64; 2]> = (*s..e)
                        .map(|k| {
                            Ok([
                                le_f64(&shp, base + 16 * k)?,
                                le_f64(&shp, base + 16 * k + 8)?,
                            ])
                        })
                        .collect::<Result<_, String>>()?;
                    rings.push(ring);
                }
                Geometry::Polygons(polygons_of_rings(rings))
            }
            other => {
                return Err(format!(
                    "{shp_name}: record {}: shape type {other}; expected polygons or points",
                    geometries.len() + 1
                ));
            }
        };
        geometries.push(g);
        at = end;
    }
    // .dbf
    if dbf.len() < 32 {
        return Err(format!("{stem}.dbf is too short"));
    }
    let count = u32::from_le_bytes(dbf[4..8].try_into().expect("4 bytes")) as usize;
    let header_len = u16::from_le_bytes(dbf[8..10].try_into().expect("2 bytes")) as usize;
    let record_len = u16::from_le_bytes(dbf[10..12].try_into().expect("2 bytes")) as usize;
    let mut fields: Vec<(String, usize)> = Vec::new();
    let mut f = 32;
    while f + 32 <= header_len && dbf.get(f) != Some(&0x0D) {
        let name: String = String::from_utf8_lossy(&dbf[f..f + 11])
            .trim_end_matches('\0')
            .to_owned();
        fields.push((name, dbf[f + 16] as usize));
        f += 32;
    }
    let mut features = Vec::with_capacity(count);
    for (n, geometry) in geometries.into_iter().enumerate().take(count) {
        let start = header_len + n * record_len;
        let record = dbf
            .get(start..start + record_len)
            .ok_or(format!("{stem}.dbf ends before record {}", n + 1))?;
        let mut at = 1;
        let mut cells = Vec::with_capacity(fields.len());
        for (_, w) in &fields {
            let raw = &record[at..(at + w).min(record.len())];
            let text = match (declared, std::str::from_utf8(raw)) {
                (Some(enc), _) => enc.decode_without_bom_handling(raw).0.into_owned(),
                (None, Ok(t)) => t.to_owned(),
                (None, Err(_)) => encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(raw)
                    .0
                    .into_owned(),
            };
            let text = text
                .trim_end_matches(' ')
                .trim_start_matches(' ')
                .to_owned();
            cells.push(if text.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(text)
            });
            at += w;
        }
        features.push(Feature { cells, geometry });
    }
    Ok(Layer {
        name: stem.rsplit('/').next().unwrap_or(stem).to_owned(),
        columns: fields.into_iter().map(|(n, _)| n).collect(),
        geometry_columns: Vec::new(),
        geometry_kind: kind,
        features,
    })
}
