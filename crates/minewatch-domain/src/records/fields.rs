//! Reading a payload's fields: every problem collected instead of stopping at the first,
//! and the fields read remembered so that unknown ones are reported.

use jiff::civil::Date;
use serde_json::{Map, Value};

use super::{
    Contact, FIRST_YEAR, FieldError, LAST_YEAR, MAX_NAME, MAX_TEXT, Point, Polygon, RecordId,
    RecordKind, is_email,
};
use crate::access::{FIELD_VISIBILITY_KEY, VISIBILITY_KEY, Visibility};
use crate::licence::LicenceNumber;
use crate::text::Localized;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Required,
    Optional,
}
pub(crate) use Presence::{Optional, Required};

/// Reads the fields of one payload object, collecting every problem instead of stopping
/// at the first, and remembering which fields were read so unknown ones can be reported.
pub struct Fields<'a> {
    pub(crate) obj: &'a Map<String, Value>,
    pub(crate) read: Vec<&'static str>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(payload: &'a Value) -> Result<Self, Vec<FieldError>> {
        match payload {
            Value::Object(obj) => Ok(Fields {
                obj,
                read: Vec::new(),
                errors: Vec::new(),
            }),
            other => Err(vec![FieldError::new(
                "",
                "not-object",
                format!("expected a JSON object, found {}", json_type(other)),
            )]),
        }
    }

    pub(crate) fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// The value of `name`, treating `null` as absent; reports a missing required field.
    pub(crate) fn value(&mut self, name: &'static str, presence: Presence) -> Option<&'a Value> {
        self.read.push(name);
        match self.obj.get(name) {
            None | Some(Value::Null) => {
                if presence == Required {
                    self.push(FieldError::new(name, "required", "this field is required"));
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    pub(crate) fn wrong_type(&mut self, name: &str, expected: &str, found: &Value) {
        self.push(FieldError::new(
            name,
            "wrong-type",
            format!("expected {expected}, found {}", json_type(found)),
        ));
    }

    pub(crate) fn text(
        &mut self,
        name: &'static str,
        presence: Presence,
        max: usize,
    ) -> Option<String> {
        let v = self.value(name, presence)?;
        let Value::String(s) = v else {
            self.wrong_type(name, "text", v);
            return None;
        };
        let s = s.trim();
        if s.is_empty() {
            if presence == Required {
                self.push(FieldError::new(name, "required", "this field is required"));
            }
            return None;
        }
        if s.chars().count() > max {
            self.push(FieldError::new(
                name,
                "too-long",
                format!("at most {max} characters"),
            ));
            return None;
        }
        if s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.push(FieldError::new(
                name,
                "control-character",
                "contains a control character",
            ));
            return None;
        }
        Some(s.to_owned())
    }

    /// An object of text values (a file's own columns kept on a record): at most `max`
    /// of them, each at most `max_len` characters. Absent: none.
    pub(crate) fn attributes(
        &mut self,
        name: &'static str,
        max: usize,
        max_len: usize,
    ) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        let Some(v) = self.value(name, Optional) else {
            return out;
        };
        let Value::Object(obj) = v else {
            self.wrong_type(name, "an object of names and texts", v);
            return out;
        };
        if obj.len() > max {
            self.push(FieldError::new(
                name,
                "too-many",
                format!("{} entries; at most {max}", obj.len()),
            ));
            return out;
        }
        for (k, v) in obj {
            match v.as_str() {
                Some(text) if text.chars().count() <= max_len && k.chars().count() <= 200 => {
                    out.insert(k.clone(), text.to_owned());
                }
                Some(_) => self.push(FieldError::new(
                    format!("{name}.{k}"),
                    "too-long",
                    format!("at most {max_len} characters"),
                )),
                None => self.wrong_type(name, "text values", v),
            }
        }
        out
    }

    pub(crate) fn localized(
        &mut self,
        name: &'static str,
        presence: Presence,
    ) -> Option<Localized> {
        let v = self.value(name, presence)?;
        let Value::Object(obj) = v else {
            self.wrong_type(name, "an object with \"mn\" and/or \"en\" text", v);
            return None;
        };
        let mut out = Localized::default();
        for (lang, text) in obj {
            let field = format!("{name}.{lang}");
            let slot = match lang.as_str() {
                "mn" => &mut out.mn,
                "en" => &mut out.en,
                _ => {
                    self.push(FieldError::new(
                        field,
                        "unknown-field",
                        "expected only \"mn\" and \"en\"",
                    ));
                    continue;
                }
            };
            match text {
                Value::String(s) if s.trim().chars().count() > MAX_NAME => self.push(
                    FieldError::new(field, "too-long", format!("at most {MAX_NAME} characters")),
                ),
                Value::String(s) if s.chars().any(char::is_control) => self.push(FieldError::new(
                    field,
                    "control-character",
                    "contains a control character",
                )),
                Value::String(s) if !s.trim().is_empty() => *slot = Some(s.trim().to_owned()),
                Value::String(_) | Value::Null => {}
                other => self.wrong_type(&field, "text", other),
            }
        }
        if out.is_empty() {
            if presence == Required {
                self.push(FieldError::new(
                    name,
                    "required",
                    "give the text in Mongolian or English",
                ));
            }
            return None;
        }
        Some(out)
    }

    pub(crate) fn id(&mut self, name: &'static str, presence: Presence) -> Option<RecordId> {
        let s = self.text(name, presence, 64)?;
        let id = RecordId::parse(&s);
        if id.is_none() {
            self.push(FieldError::new(
                name,
                "bad-id",
                format!("{s:?} is not a record id"),
            ));
        }
        id
    }

    pub(crate) fn slug(&mut self, name: &'static str, presence: Presence) -> Option<String> {
        let s = self.text(name, presence, 64)?;
        if s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            Some(s)
        } else {
            self.push(FieldError::new(
                name,
                "bad-slug",
                format!("{s:?}: expected lowercase letters, digits and dashes"),
            ));
            None
        }
    }

    pub(crate) fn email(&mut self, name: &'static str) -> Option<String> {
        let s = self.text(name, Optional, 254)?;
        if is_email(&s) {
            Some(s)
        } else {
            self.push(FieldError::new(
                name,
                "bad-email",
                format!("{s:?} is not an email address"),
            ));
            None
        }
    }

    pub(crate) fn licence_number(&mut self, name: &'static str) -> Option<LicenceNumber> {
        let s = self.text(name, Required, 32)?;
        match LicenceNumber::parse(&s) {
            Ok(n) => Some(n),
            Err(e) => {
                self.push(FieldError::new(name, "bad-licence-number", e.to_string()));
                None
            }
        }
    }

    pub(crate) fn choice(
        &mut self,
        name: &'static str,
        presence: Presence,
        options: &[&'static str],
    ) -> Option<&'static str> {
        let s = self.text(name, presence, 64)?;
        let found = options.iter().copied().find(|o| *o == s);
        if found.is_none() {
            self.push(FieldError::new(
                name,
                "unknown-value",
                format!("{s:?}: expected one of {}", options.join(", ")),
            ));
        }
        found
    }

    pub(crate) fn choice_of<T: Copy>(
        &mut self,
        name: &'static str,
        presence: Presence,
        options: &[(&'static str, T)],
    ) -> Option<T> {
        let names: Vec<&'static str> = options.iter().map(|(n, _)| *n).collect();
        let chosen = self.choice(name, presence, &names)?;
        options.iter().find(|(n, _)| *n == chosen).map(|(_, v)| *v)
    }

    pub(crate) fn number(
        &mut self,
        name: &'static str,
        presence: Presence,
        min: f64,
        max: f64,
    ) -> Option<f64> {
        let v = self.value(name, presence)?;
        let Some(x) = v.as_f64() else {
            self.wrong_type(name, "a number", v);
            return None;
        };
        if !(min..=max).contains(&x) {
            self.push(FieldError::new(
                name,
                "out-of-range",
                format!("{x} is outside {min}..{max}"),
            ));
            return None;
        }
        Some(x)
    }

    pub(crate) fn count(&mut self, name: &'static str, max: u32) -> Option<u32> {
        let v = self.value(name, Optional)?;
        match v.as_u64() {
            Some(n) if n <= u64::from(max) => Some(u32::try_from(n).expect("checked against max")),
            Some(n) => {
                self.push(FieldError::new(
                    name,
                    "out-of-range",
                    format!("{n} is more than {max}"),
                ));
                None
            }
            None => {
                self.wrong_type(name, "a whole number of 0 or more", v);
                None
            }
        }
    }

    pub(crate) fn flag(&mut self, name: &'static str, presence: Presence) -> Option<bool> {
        let v = self.value(name, presence)?;
        match v.as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(name, "true or false", v);
                None
            }
        }
    }

    pub(crate) fn date(&mut self, name: &'static str, presence: Presence) -> Option<Date> {
        let s = self.text(name, presence, 10)?;
        match s.parse::<Date>() {
            Ok(d) if s.len() == 10 && (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) => Some(d),
            Ok(_) if s.len() == 10 => {
                // 0000-01-01 or 9999-12-31 is a typing slip or a client's placeholder,
                // and a deadline counted from it would mislead.
                self.push(FieldError::new(
                    name,
                    "date-out-of-range",
                    format!("{s:?}: expected a date from {FIRST_YEAR} to {LAST_YEAR}"),
                ));
                None
            }
            _ => {
                self.push(FieldError::new(
                    name,
                    "bad-date",
                    format!("{s:?}: expected a date as YYYY-MM-DD"),
                ));
                None
            }
        }
    }

    pub(crate) fn text_list(&mut self, name: &'static str) -> Vec<String> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of text", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(str::trim) {
                Some(s) if !s.is_empty() && s.chars().count() <= MAX_NAME => out.push(s.to_owned()),
                _ => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "wrong-type",
                    "expected non-empty text",
                )),
            }
        }
        out
    }

    /// A list of texts of up to `MAX_TEXT` characters each.
    pub(crate) fn long_text_list(&mut self, name: &'static str) -> Vec<String> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of text", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(str::trim) {
                Some("") => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "required",
                    "empty text",
                )),
                Some(s) if s.chars().count() > MAX_TEXT => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "too-long",
                    format!("at most {MAX_TEXT} characters"),
                )),
                Some(s) => out.push(s.to_owned()),
                None => self.wrong_type(&format!("{name}[{i}]"), "text", item),
            }
        }
        out
    }

    /// A list of dated entries, `[{"date": "YYYY-MM-DD", key: value}, …]`, returned
    /// sorted by date. `read` checks an entry's value; with `value_required`, an entry
    /// without one is refused.
    pub(crate) fn dated<T>(
        &mut self,
        name: &'static str,
        key: &'static str,
        value_required: bool,
        read: impl Fn(&Value) -> Result<T, &'static str>,
    ) -> Vec<(Date, Option<T>)> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of dated entries", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let field = format!("{name}[{i}]");
            let Some(obj) = item.as_object() else {
                self.wrong_type(&field, &format!("{{\"date\": …, \"{key}\": …}}"), item);
                continue;
            };
            if let Some(other) = obj.keys().find(|k| *k != "date" && *k != key) {
                self.push(FieldError::new(
                    format!("{field}.{other}"),
                    "unknown-field",
                    format!("an entry has only \"date\" and \"{key}\""),
                ));
                continue;
            }
            let date = obj
                .get("date")
                .and_then(Value::as_str)
                .filter(|s| s.len() == 10)
                .and_then(|s| s.parse::<Date>().ok());
            let Some(date) = date else {
                self.push(FieldError::new(
                    format!("{field}.date"),
                    "bad-date",
                    "expected a date as YYYY-MM-DD",
                ));
                continue;
            };
            let value = match obj.get(key) {
                None | Some(Value::Null) if value_required => {
                    self.push(FieldError::new(
                        format!("{field}.{key}"),
                        "required",
                        "this field is required",
                    ));
                    continue;
                }
                None | Some(Value::Null) => None,
                Some(v) => match read(v) {
                    Ok(t) => Some(t),
                    Err(why) => {
                        self.push(FieldError::new(
                            format!("{field}.{key}"),
                            "unknown-value",
                            why,
                        ));
                        continue;
                    }
                },
            };
            out.push((date, value));
        }
        out.sort_by_key(|(d, _)| *d);
        out
    }

    /// The access settings every kind may carry: `visibility` (the record's level) and
    /// `field_visibility` (levels of single fields).
    pub(crate) fn access_settings(&mut self, kind: RecordKind) {
        let levels: Vec<&'static str> = Visibility::CHOICES.iter().map(|(n, _)| *n).collect();
        self.choice(VISIBILITY_KEY, Optional, &levels);
        let Some(v) = self.value(FIELD_VISIBILITY_KEY, Optional) else {
            return;
        };
        let Value::Object(map) = v else {
            self.wrong_type(FIELD_VISIBILITY_KEY, "an object of field: level", v);
            return;
        };
        for (field, level) in map {
            let name = format!("{FIELD_VISIBILITY_KEY}.{field}");
            if field == VISIBILITY_KEY
                || field == FIELD_VISIBILITY_KEY
                || !self.obj.contains_key(field)
            {
                self.push(FieldError::new(
                    name,
                    "unknown-field",
                    "a visibility can be set only for a field the record has",
                ));
            } else if kind.label_fields().contains(&field.as_str()) {
                self.push(FieldError::new(
                    name,
                    "label-field",
                    "the record's name is as visible as the record: set the record's visibility",
                ));
            } else if level.as_str().and_then(Visibility::parse).is_none() {
                self.push(FieldError::new(
                    name,
                    "unknown-value",
                    format!("expected one of {}", levels.join(", ")),
                ));
            }
        }
    }

    pub(crate) fn point(&mut self, name: &'static str) -> Option<Point> {
        let v = self.value(name, Optional)?;
        let parsed = v.as_object().and_then(|o| {
            let lat = o.get("lat")?.as_f64()?;
            let lon = o.get("lon")?.as_f64()?;
            (o.len() == 2).then_some(Point { lat, lon })
        });
        match parsed {
            Some(p) if (-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon) => {
                Some(p)
            }
            _ => {
                self.push(FieldError::new(
                    name,
                    "bad-location",
                    "expected {\"lat\": degrees -90..90, \"lon\": degrees -180..180}",
                ));
                None
            }
        }
    }

    /// A GeoJSON Polygon or MultiPolygon, as its polygons.
    pub(crate) fn area(&mut self, name: &'static str, presence: Presence) -> Option<Vec<Polygon>> {
        let v = self.value(name, presence)?;
        let parsed = match v.get("type").and_then(Value::as_str) {
            Some("MultiPolygon") => parse_multipolygon(v),
            _ => parse_polygon(v).map(|p| vec![p]),
        };
        match parsed {
            Ok(p) => Some(p),
            Err(why) => {
                self.push(FieldError::new(name, "bad-polygon", why));
                None
            }
        }
    }

    /// A list of records as `[{"kind": …, "id": …}, …]`.
    pub(crate) fn about(&mut self, name: &'static str) -> Vec<(RecordKind, RecordId)> {
        let Some(v) = self.value(name, Optional) else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.wrong_type(name, "a list of {\"kind\", \"id\"}", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let kind = item
                .get("kind")
                .and_then(Value::as_str)
                .and_then(RecordKind::parse);
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .and_then(RecordId::parse);
            match (kind, id) {
                (Some(k), Some(id)) if item.as_object().is_some_and(|o| o.len() == 2) => {
                    if !out.iter().any(|(_, o)| *o == id) {
                        out.push((k, id));
                    }
                }
                _ => self.push(FieldError::new(
                    format!("{name}[{i}]"),
                    "wrong-reference",
                    "expected {\"kind\": a record kind, \"id\": a record id}",
                )),
            }
        }
        out
    }

    pub(crate) fn contact(&mut self, name: &'static str) -> Option<Contact> {
        let v = self.value(name, Optional)?;
        let Value::Object(obj) = v else {
            self.wrong_type(
                name,
                "an object with \"name\", \"phone\" and/or \"email\"",
                v,
            );
            return None;
        };
        let mut contact = Contact {
            name: None,
            phone: None,
            email: None,
        };
        for (key, val) in obj {
            let field = format!("{name}.{key}");
            let slot = match key.as_str() {
                "name" => &mut contact.name,
                "phone" => &mut contact.phone,
                "email" => &mut contact.email,
                _ => {
                    self.push(FieldError::new(
                        field,
                        "unknown-field",
                        "expected only \"name\", \"phone\" and \"email\"",
                    ));
                    continue;
                }
            };
            if key == "email"
                && let Value::String(s) = val
                && !s.trim().is_empty()
                && !is_email(s.trim())
            {
                self.push(FieldError::new(
                    field,
                    "bad-email",
                    format!("{s:?} is not an email address"),
                ));
                continue;
            }
            match val {
                Value::String(s) if s.chars().count() <= MAX_NAME => {
                    let s = s.trim();
                    if !s.is_empty() {
                        *slot = Some(s.to_owned());
                    }
                }
                Value::Null => {}
                other => self.wrong_type(&field, "text", other),
            }
        }
        (contact.name.is_some() || contact.phone.is_some() || contact.email.is_some())
            .then_some(contact)
    }

    pub(crate) fn finish(mut self) -> Result<(), Vec<FieldError>> {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !self.read.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.push(FieldError::new(
                key,
                "unknown-field",
                "this field is not part of the record",
            ));
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

pub(crate) fn parse_polygon(v: &Value) -> Result<Polygon, String> {
    let obj = v.as_object().ok_or("expected a GeoJSON Polygon object")?;
    match obj.get("type").and_then(Value::as_str) {
        Some("Polygon") => {}
        _ => return Err("expected \"type\": \"Polygon\"".into()),
    }
    let rings = obj
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("expected \"coordinates\": a list of rings")?;
    if rings.is_empty() {
        return Err("a polygon needs at least its outer ring".into());
    }
    let mut out = Vec::new();
    for (r, ring) in rings.iter().enumerate() {
        let positions = ring.as_array().ok_or(format!("ring {r} is not a list"))?;
        let mut pts = Vec::new();
        for (i, pos) in positions.iter().enumerate() {
            let pair = pos
                .as_array()
                .filter(|a| a.len() == 2)
                .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]))
                .ok_or(format!(
                    "ring {r} position {i}: expected [longitude, latitude]"
                ))?;
            if !(-180.0..=180.0).contains(&pair[0]) || !(-90.0..=90.0).contains(&pair[1]) {
                return Err(format!(
                    "ring {r} position {i}: [{}, {}] is not a longitude and latitude",
                    pair[0], pair[1]
                ));
            }
            pts.push(pair);
        }
        if pts.len() < 4 {
            return Err(format!(
                "ring {r} has {} positions; at least 4 are needed",
                pts.len()
            ));
        }
        if pts.first() != pts.last() {
            return Err(format!(
                "ring {r} is not closed: its last position must equal its first"
            ));
        }
        out.push(pts);
    }
    if obj.keys().any(|k| k != "type" && k != "coordinates") {
        return Err("expected only \"type\" and \"coordinates\"".into());
    }
    let polygon = Polygon { rings: out };
    if let Some(c) = crate::geo::first_crossing(&polygon) {
        return Err(format!(
            "the edges cross themselves: ring {} from position {} crosses ring {} from position {}",
            c.first.0, c.first.1, c.second.0, c.second.1
        ));
    }
    Ok(polygon)
}

pub(crate) fn parse_multipolygon(v: &Value) -> Result<Vec<Polygon>, String> {
    let obj = v
        .as_object()
        .ok_or("expected a GeoJSON MultiPolygon object")?;
    let parts = obj
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("expected \"coordinates\": a list of polygons")?;
    if parts.is_empty() {
        return Err("a MultiPolygon needs at least one polygon".into());
    }
    if obj.keys().any(|k| k != "type" && k != "coordinates") {
        return Err("expected only \"type\" and \"coordinates\"".into());
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, rings)| {
            let mut one = Map::new();
            one.insert("type".into(), Value::String("Polygon".into()));
            one.insert("coordinates".into(), rings.clone());
            parse_polygon(&Value::Object(one)).map_err(|why| format!("polygon {i}: {why}"))
        })
        .collect()
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
