//! JSON read strictly: a key given twice in one object is refused, where serde_json
//! keeps the last one. A client that sends `{"reporter": …, "reporter": …}` may mean
//! either, and a record must not hold what nobody chose.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a body is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrictJsonError {
    /// A key given twice in one object (its path, e.g. `reporter.name`).
    Duplicate(String),
    /// Not JSON at all: serde_json's message, with line and column.
    Syntax(String),
}

impl fmt::Display for StrictJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrictJsonError::Duplicate(key) => write!(f, "the key {key:?} is given twice"),
            StrictJsonError::Syntax(why) => f.write_str(why),
        }
    }
}

const DUPLICATE: &str = "\u{0}duplicate key\u{0}";

/// Parses `bytes` as JSON, refusing a key given twice in any object.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(v)) => Ok(v),
        Err(e) => {
            let text = e.to_string();
            match text.strip_prefix(DUPLICATE) {
                Some(rest) => Err(StrictJsonError::Duplicate(
                    rest.split(DUPLICATE).next().unwrap_or(rest).to_owned(),
                )),
                None => Err(StrictJsonError::Syntax(text)),
            }
        }
    }
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match map.next_value::<Strict>() {
                Ok(Strict(v)) => v,
                // A duplicate deeper down: name it from here.
                Err(e) => {
                    let text = e.to_string();
                    return Err(match text.strip_prefix(DUPLICATE) {
                        Some(inner) => de::Error::custom(format!(
                            "{DUPLICATE}{key}.{}{DUPLICATE}",
                            inner.split(DUPLICATE).next().unwrap_or(inner)
                        )),
                        None => e,
                    });
                }
            };
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key}{DUPLICATE}")));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_key_twice_is_refused_and_named() {
        assert_eq!(
            parse_strict(br#"{"a": 1, "b": {"c": 2}}"#),
            Ok(json!({"a": 1, "b": {"c": 2}}))
        );
        assert_eq!(
            parse_strict(br#"{"reporter": "x", "reporter": "y"}"#),
            Err(StrictJsonError::Duplicate("reporter".into()))
        );
        assert_eq!(
            parse_strict(br#"{"reporter": {"name": "a", "name": "b"}}"#),
            Err(StrictJsonError::Duplicate("reporter.name".into()))
        );
        assert_eq!(
            parse_strict(br#"[{"k": 1}, {"k": 1, "k": 2}]"#),
            Err(StrictJsonError::Duplicate("k".into()))
        );
        assert!(matches!(
            parse_strict(br#"{"a": "#),
            Err(StrictJsonError::Syntax(_))
        ));
        // Numbers keep their value (integers stay integers).
        assert_eq!(parse_strict(b"[1, -2, 2.5]"), Ok(json!([1, -2, 2.5])));
    }
}
