//! Areas as WKT: a GeoJSON polygon or multipolygon to `POLYGON`/`MULTIPOLYGON` text
//! and back, with where a malformed one goes wrong.

use super::*;

/// A GeoJSON Polygon or MultiPolygon object as WKT, or `None` if it is neither.
pub fn polygon_wkt(v: &Value) -> Option<String> {
    let coordinates = v.get("coordinates")?.as_array()?;
    let mut out = String::new();
    if v.get("type").and_then(Value::as_str) == Some("MultiPolygon") {
        out.push_str("MULTIPOLYGON (");
        for (i, rings) in coordinates.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            rings_wkt(&mut out, rings.as_array()?)?;
        }
        out.push(')');
    } else {
        out.push_str("POLYGON ");
        rings_wkt(&mut out, coordinates)?;
    }
    Some(out)
}

/// `((x y, …), (x y, …))`
pub(super) fn rings_wkt(out: &mut String, rings: &[Value]) -> Option<()> {
    out.push('(');
    for (r, ring) in rings.iter().enumerate() {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for (i, pos) in ring.as_array()?.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let pos = pos.as_array()?;
            out.push_str(&number_text(pos.first()?)?);
            out.push(' ');
            out.push_str(&number_text(pos.get(1)?)?);
        }
        out.push(')');
    }
    out.push(')');
    Some(())
}

pub(super) fn number_text(v: &Value) -> Option<String> {
    v.as_number().map(Number::to_string)
}

/// WKT `POLYGON ((x y, …), …)` or `MULTIPOLYGON (((x y, …)), …)` as a GeoJSON object.
/// Ring closure, ranges and whether a kind takes a MultiPolygon are the record's rules
/// and are checked there.
pub fn parse_wkt_polygon(s: &str) -> Result<Value, String> {
    let s = s.trim();
    // ASCII only, so byte offsets in `upper` are offsets in `s`.
    let upper = s.to_ascii_uppercase();
    let (ty, rest) = if let Some(rest) = upper.strip_prefix("MULTIPOLYGON") {
        ("MultiPolygon", rest)
    } else if let Some(rest) = upper.strip_prefix("POLYGON") {
        ("Polygon", rest)
    } else {
        return Err(format!(
            "{:?}: expected WKT like POLYGON ((lon lat, lon lat, …))",
            clip(s)
        ));
    };
    let body = s[s.len() - rest.len()..].trim();
    if body.eq_ignore_ascii_case("EMPTY") {
        return Err(format!("the {} is EMPTY", ty.to_lowercase()));
    }
    let coordinates = if ty == "Polygon" {
        parse_rings(body, "")?
    } else {
        let inner = body
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .ok_or("expected the polygons in parentheses: MULTIPOLYGON (((…)), ((…)))")?;
        let mut polygons = Vec::new();
        let mut rest = inner.trim();
        while !rest.is_empty() {
            let n = polygons.len();
            if !rest.starts_with('(') {
                return Err(format!("polygon {n}: expected '('"));
            }
            // The polygon's closing parenthesis: where the depth comes back to 0.
            let mut depth = 0;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .ok_or_else(|| format!("polygon {n}: no closing ')'"))?;
            polygons.push(parse_rings(&rest[..=end], &format!("polygon {n}: "))?);
            rest = rest[end + 1..].trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        }
        Value::Array(polygons)
    };
    let mut obj = Map::new();
    obj.insert("type".into(), Value::String(ty.into()));
    obj.insert("coordinates".into(), coordinates);
    Ok(Value::Object(obj))
}

/// `((x y, …), …)` as a list of rings; `at` prefixes the place in messages.
pub(super) fn parse_rings(body: &str, at: &str) -> Result<Value, String> {
    let inner = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .ok_or_else(|| format!("{at}expected the rings in parentheses: ((…))"))?;
    let mut rings = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let open = rest
            .strip_prefix('(')
            .ok_or_else(|| format!("{at}ring {}: expected '('", rings.len()))?;
        let close = open
            .find(')')
            .ok_or_else(|| format!("{at}ring {}: no closing ')'", rings.len()))?;
        let mut ring = Vec::new();
        for (i, pair) in open[..close].split(',').enumerate() {
            let nums: Vec<&str> = pair.split_whitespace().collect();
            // Whole numbers stay whole, so GeoJSON's `[104, 48]` comes back as it was.
            let pos = match nums[..] {
                [x, y] => parse_number(x).zip(parse_number(y)),
                _ => None,
            };
            let Some((x, y)) = pos else {
                return Err(format!(
                    "{at}ring {} position {i}: {:?} is not \"longitude latitude\"",
                    rings.len(),
                    pair.trim()
                ));
            };
            ring.push(Value::Array(vec![x, y]));
        }
        rings.push(Value::Array(ring));
        rest = open[close + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(Value::Array(rings))
}
