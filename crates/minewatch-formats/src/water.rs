//! Rivers, lakes and springs from a GeoJSON file, and the protection zones a width
//! makes of them, as a sheet of zone records to import.
//!
//! A line (LineString, MultiLineString) is a river, a polygon a lake, a point a spring,
//! unless the caller says what they all are. Each water feature becomes one zone record:
//! named after the feature, of the rule's zone type, counting from the rule's date, its
//! data source naming the file, the feature, the width and where the width comes from.
//! A feature's record id is derived from the rule, the width, the file's feature number
//! and its name, so importing the same file again changes nothing.

use minewatch_domain::geo::{Albers, WaterShape, buffer};
use minewatch_domain::records::Polygon;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::gis::polygons_wkt;
use crate::sheet::{Place, Sheet, SheetNote};

/// A kind of water body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Water {
    River,
    Lake,
    Spring,
}

impl Water {
    pub const ALL: [Water; 3] = [Water::River, Water::Lake, Water::Spring];

    pub fn as_str(self) -> &'static str {
        match self {
            Water::River => "river",
            Water::Lake => "lake",
            Water::Spring => "spring",
        }
    }

    pub fn parse(s: &str) -> Option<Water> {
        Water::ALL.into_iter().find(|w| w.as_str() == s)
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Water::River => ("гол", "river"),
            Water::Lake => ("нуур", "lake"),
            Water::Spring => ("булаг", "spring"),
        }
    }
}

/// One water body read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterFeature {
    pub place: Place,
    pub name: Option<String>,
    pub water: Water,
    pub shape: WaterShape,
}

/// The properties that name a feature, in the order they are tried: Mongolian first,
/// then the names Natural Earth and OpenStreetMap exports use.
const NAME_KEYS: [&str; 6] = ["name_mn", "name:mn", "name", "NAME", "name_en", "name_alt"];

fn positions(v: &Value) -> Option<Vec<[f64; 2]>> {
    v.as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            let (lon, lat) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
            ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some([lon, lat])
        })
        .collect()
}

fn polygon(v: &Value) -> Option<Polygon> {
    let rings = v
        .as_array()?
        .iter()
        .map(positions)
        .collect::<Option<Vec<_>>>()?;
    (!rings.is_empty()).then_some(Polygon { rings })
}

fn list<T>(v: &Value, each: impl Fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    v.as_array()?.iter().map(each).collect()
}

/// A GeoJSON geometry as a water shape and the kind of water its type suggests.
fn shape_of(geometry: &Value) -> Result<(WaterShape, Water), String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let c = geometry.get("coordinates").unwrap_or(&Value::Null);
    let bad = || format!("its {kind} has coordinates that are not [longitude, latitude] pairs");
    Ok(match kind {
        "LineString" => (
            WaterShape::Lines(vec![positions(c).ok_or_else(bad)?]),
            Water::River,
        ),
        "MultiLineString" => (
            WaterShape::Lines(list(c, positions).ok_or_else(bad)?),
            Water::River,
        ),
        "Polygon" => (
            WaterShape::Area(vec![polygon(c).ok_or_else(bad)?]),
            Water::Lake,
        ),
        "MultiPolygon" => (
            WaterShape::Area(list(c, polygon).ok_or_else(bad)?),
            Water::Lake,
        ),
        "Point" => {
            let p = positions(&Value::Array(vec![c.clone()])).ok_or_else(bad)?;
            (WaterShape::Point(p[0]), Water::Spring)
        }
        "" => return Err("it has no geometry".into()),
        other => {
            return Err(format!(
                "its geometry is a {other}; expected a LineString or MultiLineString (a river), a Polygon or MultiPolygon (a lake) or a Point (a spring)"
            ));
        }
    })
}

/// The water bodies of a GeoJSON FeatureCollection. `water` says what they all are
/// (else each feature's geometry says). Every feature is read or the file is refused,
/// naming the feature and what is wrong with it.
pub fn read(bytes: &[u8], water: Option<Water>) -> Result<Vec<WaterFeature>, String> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("line {}: not valid JSON: {e}", e.line()))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err("expected a GeoJSON FeatureCollection of rivers, lakes or springs".into());
    }
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or("expected \"features\": a list")?;
    if features.is_empty() {
        return Err("the file has no features: nothing to draw zones around".into());
    }
    let mut out = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let place = Place::Feature(i + 1);
        let name = NAME_KEYS.iter().find_map(|k| {
            f.get("properties")?
                .get(*k)?
                .as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        });
        match shape_of(f.get("geometry").unwrap_or(&Value::Null)) {
            Ok((shape, guessed)) => out.push(WaterFeature {
                place,
                name,
                water: water.unwrap_or(guessed),
                shape,
            }),
            Err(e) => problems.push(format!(
                "{place}{}: {e}",
                name.map(|n| format!(" ({n})")).unwrap_or_default()
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("\n"))
    }
}

/// The width a zone is drawn with and where it comes from.
#[derive(Debug, Clone)]
pub struct Width {
    /// A pack's water zone id, or `None` for a width a person gave.
    pub rule: Option<String>,
    pub metres: f64,
    /// The zone type the zones take.
    pub zone_type: String,
    /// When the zones count from (the law's date, a resolution's), if known.
    pub since: Option<jiff::civil::Date>,
    /// Where the width comes from.
    pub source: String,
}

/// Zone records, one per water feature of a kind `applies` accepts, with the
/// features left out counted in a note. `file` names the source in each record.
pub fn zones(
    features: &[WaterFeature],
    width: &Width,
    applies: impl Fn(Water) -> bool,
    file: &str,
) -> Sheet {
    let projection = Albers::mongolia();
    let mut sheet = Sheet {
        header: [
            "id",
            "name.mn",
            "name.en",
            "zone_type",
            "designated",
            "data_source",
            "boundary",
        ]
        .map(String::from)
        .to_vec(),
        ..Sheet::default()
    };
    let metres = width.metres;
    let shown = if metres.fract() == 0.0 {
        format!("{metres:.0}")
    } else {
        format!("{metres}")
    };
    let mut skipped: Vec<String> = Vec::new();
    for f in features {
        if !applies(f.water) {
            skipped.push(format!("{} ({})", f.place, f.water.as_str()));
            continue;
        }
        let area = buffer(&f.shape, metres, &projection);
        if area.is_empty() {
            skipped.push(format!("{} (no positions)", f.place));
            continue;
        }
        let (mn, en) = f.water.names();
        let number = match f.place {
            Place::Feature(n) | Place::Line(n) | Place::Row(n) => n,
        };
        let (name_mn, name_en) = match &f.name {
            Some(n) => (
                format!("{n} {mn}: {shown} м"),
                format!("{n} {en}: {shown} m"),
            ),
            None => (
                format!("Нэргүй {mn} №{number}: {shown} м"),
                format!("Unnamed {en} no. {number}: {shown} m"),
            ),
        };
        let key = format!(
            "{}|{metres}|{}|{number}|{}",
            width.rule.as_deref().unwrap_or("given"),
            f.water.as_str(),
            f.name.as_deref().unwrap_or("")
        );
        let id = format!(
            "zone-water-{}",
            &hex::encode(Sha256::digest(key.as_bytes()))[..20]
        );
        let source = format!(
            "{file}, {}{}: {shown} m ({})",
            f.place,
            f.name
                .as_deref()
                .map(|n| format!(" {n}"))
                .unwrap_or_default(),
            match &width.rule {
                Some(rule) => format!("{rule}: {}", width.source),
                None => width.source.clone(),
            }
        );
        sheet.rows.push((
            f.place,
            vec![
                id,
                name_mn,
                name_en,
                width.zone_type.clone(),
                width.since.map(|d| d.to_string()).unwrap_or_default(),
                source,
                polygons_wkt(&area),
            ],
        ));
    }
    if !skipped.is_empty() {
        sheet.notes.push(SheetNote {
            code: "water-not-covered",
            detail: format!(
                "no zone drawn for {} feature(s) the width does not cover: {}",
                skipped.len(),
                skipped.join(", ")
            ),
        });
    }
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Orhon"},
         "geometry": {"type": "LineString", "coordinates": [[104.0, 48.0], [104.1, 48.05]]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [104.2, 48.1]}},
        {"type": "Feature", "properties": {"name": "Airag"},
         "geometry": {"type": "Polygon", "coordinates": [[[93.0, 48.8], [93.1, 48.8], [93.1, 48.9], [93.0, 48.8]]]}}
    ]}"#;

    fn width() -> Width {
        Width {
            rule: Some("mn.long-name-200m".into()),
            metres: 200.0,
            zone_type: "water-protection".into(),
            since: Some(jiff::civil::date(2009, 7, 16)),
            source: "a source".into(),
        }
    }

    #[test]
    fn each_water_body_becomes_a_named_zone_with_its_source() {
        let features = read(FILE.as_bytes(), None).unwrap();
        let kinds: Vec<Water> = features.iter().map(|f| f.water).collect();
        assert_eq!(kinds, [Water::River, Water::Spring, Water::Lake]);
        let sheet = zones(&features, &width(), |_| true, "rivers.geojson");
        assert_eq!(sheet.rows.len(), 3);
        let row = &sheet.rows[0].1;
        assert_eq!(row[1], "Orhon гол: 200 м");
        assert_eq!(row[2], "Orhon river: 200 m");
        assert_eq!(row[3], "water-protection");
        assert_eq!(row[4], "2009-07-16");
        assert!(row[5].contains("rivers.geojson, feature 1 Orhon: 200 m (mn.long-name-200m"));
        assert!(row[6].starts_with("POLYGON (("), "{}", row[6]);
        assert_eq!(sheet.rows[1].1[2], "Unnamed spring no. 2: 200 m");
        // The same file gives the same ids; another width, others.
        let again = zones(&features, &width(), |_| true, "rivers.geojson");
        assert_eq!(again.rows[0].1[0], row[0]);
        let wider = Width {
            metres: 500.0,
            ..width()
        };
        assert_ne!(zones(&features, &wider, |_| true, "x").rows[0].1[0], row[0]);
    }

    #[test]
    fn water_the_width_does_not_cover_is_counted_not_drawn() {
        let features = read(FILE.as_bytes(), None).unwrap();
        let sheet = zones(&features, &width(), |w| w == Water::River, "f");
        assert_eq!(sheet.rows.len(), 1);
        assert!(
            sheet.notes[0]
                .detail
                .contains("feature 2 (spring), feature 3 (lake)")
        );
    }

    #[test]
    fn a_feature_that_is_not_water_is_refused_by_number() {
        let bad = FILE.replace(
            r#""type": "Point", "coordinates": [104.2, 48.1]"#,
            r#""type": "Point", "coordinates": [404.2, 48.1]"#,
        );
        let e = read(bad.as_bytes(), None).unwrap_err();
        assert!(e.starts_with("feature 2: its Point has coordinates"), "{e}");
        let e = read(br#"{"type": "FeatureCollection", "features": []}"#, None).unwrap_err();
        assert!(e.contains("no features"), "{e}");
        let e = read(b"{\n\"type\": ", None).unwrap_err();
        assert!(e.starts_with("line 2: not valid JSON"), "{e}");
    }
}
