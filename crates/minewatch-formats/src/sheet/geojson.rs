//! GeoJSON feature collections as sheets: properties as cells, the geometry as the
//! kind's area field (OCHA's COD-AB boundaries recognised), and back.

use super::*;

/// A GeoJSON FeatureCollection: properties named as the kind's columns, the geometry in
/// the kind's geometry field (a licence's area, a community's centre).
pub(super) fn read_geojson(text: &str, kind: RecordKind) -> Result<Sheet, SheetError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| fail(Some(Place::Line(e.line())), format!("not valid JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(fail(None, "expected a GeoJSON FeatureCollection"));
    }
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| fail(None, "expected \"features\": a list"))?;
    let mut notes = Vec::new();
    let cod_ab = CodAb::detect(kind, features);
    let properties: Vec<Option<Map<String, Value>>> = features
        .iter()
        .map(|f| match (f.get("properties"), &cod_ab) {
            (Some(Value::Object(p)), Some(c)) => Some(c.map(p)),
            (Some(Value::Object(p)), None) => Some(p.clone()),
            _ => None,
        })
        .collect();
    if let Some(c) = &cod_ab {
        notes.extend(c.notes(features));
    }
    let geometry = geometry_field(kind);
    // The kind's columns that some feature has (in the kind's order): a column no
    // feature has is not in the file, so a correction leaves that field as it was. A
    // file with no features (an export of a kind with no public records) has them all.
    let mut header: Vec<String> = columns(kind)
        .into_iter()
        .filter(|c| Some(c.field) != geometry)
        .map(|c| c.header)
        .filter(|h| features.is_empty() || properties.iter().flatten().any(|p| p.contains_key(h)))
        .collect();
    let geometry_columns: Vec<String> = match geometry {
        Some(g) if g.shape == Shape::Point => {
            vec![format!("{}.lat", g.name), format!("{}.lon", g.name)]
        }
        Some(g) => vec![g.name.to_owned()],
        None => Vec::new(),
    };
    // Properties that are not columns become columns, so the header check names them.
    for props in properties.iter().flatten() {
        {
            for key in props.keys() {
                if !header.contains(key) && !geometry_columns.contains(key) {
                    header.push(key.clone());
                }
            }
        }
    }
    let mut sheet = Sheet {
        header: header.clone(),
        ..Sheet::default()
    };
    sheet.header.extend(geometry_columns.iter().cloned());
    let mut repeated: Vec<(usize, usize)> = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let place = Place::Feature(i + 1);
        if feature.get("type").and_then(Value::as_str) != Some("Feature") {
            return Err(fail(Some(place), "expected \"type\": \"Feature\""));
        }
        let empty = Map::new();
        let props = match (feature.get("properties"), &properties[i]) {
            (_, Some(p)) => p,
            (None | Some(Value::Null), _) => &empty,
            (Some(_), None) => return Err(fail(Some(place), "\"properties\" is not an object")),
        };
        let mut cells: Vec<String> = header
            .iter()
            .map(|h| match props.get(h) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        let geom = feature.get("geometry").filter(|g| !g.is_null());
        match (geometry, geom) {
            (_, None) => cells.extend(geometry_columns.iter().map(|_| String::new())),
            (None, Some(_)) => {
                return Err(fail(
                    Some(place),
                    format!("a {kind} has no geometry; leave \"geometry\": null"),
                ));
            }
            (Some(g), Some(v)) => {
                let ty = v.get("type").and_then(Value::as_str).unwrap_or("(none)");
                match (g.shape, ty) {
                    (Shape::Polygon, "Polygon" | "MultiPolygon") => {
                        let (v, removed) = without_repeated_positions(v);
                        if removed > 0 {
                            repeated.push((i + 1, removed));
                        }
                        cells.push(polygon_wkt(&v).ok_or_else(|| {
                            fail(
                                Some(place),
                                format!("broken geometry: {}: the coordinates are not rings of [longitude, latitude]", g.name),
                            )
                        })?)
                    }
                    (Shape::Point, "Point") => {
                        let c = v.get("coordinates").and_then(Value::as_array);
                        let pos = c
                            .filter(|c| c.len() == 2)
                            .and_then(|c| Some((c[0].as_number()?, c[1].as_number()?)));
                        let Some((lon, lat)) = pos else {
                            return Err(fail(
                                Some(place),
                                format!(
                                    "broken geometry: {}: expected [longitude, latitude]",
                                    g.name
                                ),
                            ));
                        };
                        cells.push(lat.to_string());
                        cells.push(lon.to_string());
                    }
                    (_, other) => {
                        let want = match (g.shape, kind) {
                            (Shape::Point, _) => "Point",
                            (_, RecordKind::Zone) => "Polygon or MultiPolygon",
                            _ => "Polygon",
                        };
                        return Err(fail(
                            Some(place),
                            format!(
                                "broken geometry: a {kind}'s {} is a {want}, not {other}",
                                g.name
                            ),
                        ));
                    }
                }
            }
        }
        sheet.rows.push((place, cells));
    }
    if !repeated.is_empty() {
        let total: usize = repeated.iter().map(|(_, n)| n).sum();
        let list: Vec<String> = repeated
            .iter()
            .map(|(f, n)| format!("feature {f}: {n}"))
            .collect();
        notes.push(SheetNote {
            code: "repeated-positions",
            detail: format!(
                "removed {total} repeated consecutive position(s) from {} feature(s) ({})",
                repeated.len(),
                list.join(", ")
            ),
        });
    }
    sheet.notes = notes;
    Ok(sheet)
}

/// A Polygon or MultiPolygon without positions that repeat the one before them (they
/// add nothing to the shape, and some tools call such a ring invalid), and how many
/// were removed.
pub(super) fn without_repeated_positions(v: &Value) -> (Value, usize) {
    fn ring(r: &Value, removed: &mut usize) -> Value {
        match r.as_array() {
            Some(positions) => {
                let mut out: Vec<Value> = Vec::with_capacity(positions.len());
                for p in positions {
                    if out.last() == Some(p) {
                        *removed += 1;
                    } else {
                        out.push(p.clone());
                    }
                }
                Value::Array(out)
            }
            None => r.clone(),
        }
    }
    fn rings(rs: &Value, removed: &mut usize) -> Value {
        match rs.as_array() {
            Some(list) => Value::Array(list.iter().map(|r| ring(r, removed)).collect()),
            None => rs.clone(),
        }
    }
    let mut removed = 0;
    let mut out = v.clone();
    if let Some(c) = v.get("coordinates") {
        let fixed = if v.get("type").and_then(Value::as_str) == Some("MultiPolygon") {
            match c.as_array() {
                Some(ps) => Value::Array(ps.iter().map(|p| rings(p, &mut removed)).collect()),
                None => c.clone(),
            }
        } else {
            rings(c, &mut removed)
        };
        out["coordinates"] = fixed;
    }
    (out, removed)
}

/// The layout of OCHA's Common Operational Datasets of administrative boundaries
/// (COD-AB, as published on HDX): `ADM<n>_EN`, `ADM<n>_<lang>` names and `ADM<n>_PCODE`
/// codes for each level up to the feature's own. Read as zones of that level.
pub(super) struct CodAb {
    pub(super) level: u8,
    /// The local language's suffix besides `EN` (`MN` for Mongolia).
    pub(super) local: Option<String>,
}

impl CodAb {
    /// Mongolia's administrative levels: 1 aimag, 2 soum, 3 bagh.
    const ZONE_TYPES: [&'static str; 3] = ["aimag", "soum", "bagh"];

    fn detect(kind: RecordKind, features: &[Value]) -> Option<CodAb> {
        if kind != RecordKind::Zone {
            return None;
        }
        let props = features.first()?.get("properties")?.as_object()?;
        let level = (1..=3u8)
            .rev()
            .find(|n| props.contains_key(&format!("ADM{n}_PCODE")))?;
        let prefix = format!("ADM{level}_");
        let local = props
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .find(|s| s.len() == 2 && *s != "EN" && s.chars().all(|c| c.is_ascii_uppercase()))
            .map(str::to_owned);
        Some(CodAb { level, local })
    }

    /// A name or code as text: P-codes may come as numbers (`4625.0`).
    fn text(props: &Map<String, Value>, key: &str) -> Option<String> {
        let s = match props.get(key)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => match n.as_f64() {
                Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
                _ => n.to_string(),
            },
            _ => return None,
        };
        (!s.is_empty() && !CodAb::lost(&s)).then_some(s)
    }

    /// A name lost upstream: question marks where the letters were (`????-????`).
    fn lost(s: &str) -> bool {
        s.contains('?') && s.chars().all(|c| c == '?' || c == '-' || c.is_whitespace())
    }

    fn map(&self, props: &Map<String, Value>) -> Map<String, Value> {
        let n = self.level;
        let mut out = Map::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.insert(k.to_owned(), Value::String(v));
            }
        };
        let local = |level: u8| {
            self.local
                .as_ref()
                .and_then(|l| CodAb::text(props, &format!("ADM{level}_{l}")))
        };
        put("name.en", CodAb::text(props, &format!("ADM{n}_EN")));
        put("name.mn", local(n));
        put(
            "zone_type",
            Some(CodAb::ZONE_TYPES[usize::from(n) - 1].to_owned()),
        );
        put("code", CodAb::text(props, &format!("ADM{n}_PCODE")));
        if n >= 2 {
            put("aimag.en", CodAb::text(props, "ADM1_EN"));
            put("aimag.mn", local(1));
        }
        put(
            "data_source",
            Some(format!("OCHA COD-AB administrative boundaries, level {n}")),
        );
        out
    }

    fn notes(&self, features: &[Value]) -> Vec<SheetNote> {
        let n = self.level;
        let mut read = vec![format!("ADM{n}_EN")];
        read.extend(self.local.iter().map(|l| format!("ADM{n}_{l}")));
        read.push(format!("ADM{n}_PCODE"));
        if n >= 2 {
            read.push("ADM1 as the aimag".to_owned());
        }
        let mut notes = vec![SheetNote {
            code: "cod-ab",
            detail: format!(
                "OCHA COD-AB boundaries, level {n}: read as {} zones from {}; other properties are not kept",
                CodAb::ZONE_TYPES[usize::from(n) - 1],
                read.join(", "),
            ),
        }];
        if let Some(l) = &self.local {
            for key in [format!("ADM{n}_{l}"), format!("ADM1_{l}")] {
                let lost = features
                    .iter()
                    .filter_map(|f| f.get("properties")?.get(&key)?.as_str())
                    .filter(|s| CodAb::lost(s))
                    .count();
                if lost > 0 {
                    notes.push(SheetNote {
                        code: "names-lost",
                        detail: format!(
                            "{key} holds only question marks in {lost} feature(s) (the names were lost before the file was made): left empty"
                        ),
                    });
                }
            }
        }
        notes
    }
}

/// Rows of cells as a GeoJSON FeatureCollection (RFC 7946): the kind's geometry field
/// as each feature's geometry, the other columns as its properties.
pub fn write_geojson(kind: RecordKind, header: &[String], rows: &[Vec<Cell>]) -> Vec<u8> {
    let geometry = geometry_field(kind);
    let cols = columns(kind);
    let mut features = Vec::with_capacity(rows.len());
    for row in rows {
        let mut props = Map::new();
        let mut geom = Value::Null;
        let (mut lat, mut lon) = (None, None);
        for ((h, cell), col) in header.iter().zip(row).zip(&cols) {
            if Some(col.field) == geometry {
                match (col.part, cell) {
                    (Some("lat"), Cell::Number(n)) => lat = Some(n.clone()),
                    (Some("lon"), Cell::Number(n)) => lon = Some(n.clone()),
                    (None, Cell::Text(wkt)) => {
                        geom = parse_wkt_polygon(wkt).unwrap_or(Value::Null);
                    }
                    _ => {}
                }
                continue;
            }
            let v = match cell {
                Cell::Empty => Value::Null,
                Cell::Text(s) => Value::String(s.clone()),
                Cell::Number(n) => Value::Number(n.clone()),
                Cell::Flag(b) => Value::Bool(*b),
            };
            props.insert(h.clone(), v);
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            geom = serde_json::json!({"type": "Point", "coordinates": [lon, lat]});
        }
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": props,
            "geometry": geom,
        }));
    }
    // One feature per line: compact for boundaries of thousands of points, and a
    // change to one record is a change to one line.
    let mut out = format!(
        "{{\"type\": \"FeatureCollection\", \"name\": {}, \"features\": [\n",
        Value::String(kind.as_str().to_owned())
    )
    .into_bytes();
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut out, f).expect("JSON values serialise");
    }
    out.extend_from_slice(b"\n]}\n");
    out
}
