//! Cells as people type them: dates in two forms, numbers, flags in three languages,
//! lists, dated entries and visibility levels.

use super::*;

/// A date as `YYYY-MM-DD` or `DD.MM.YYYY` (also `D.M.YYYY` and `YYYY.MM.DD`).
pub fn parse_date(s: &str) -> Option<Date> {
    if s.len() == 10
        && let Ok(d) = s.parse::<Date>()
    {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['.', '/']).collect();
    let [a, b, c] = parts[..] else { return None };
    let num = |x: &str| {
        x.parse::<i16>()
            .ok()
            .filter(|_| x.bytes().all(|c| c.is_ascii_digit()))
    };
    let (y, m, d) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if c.len() == 4 {
        (num(c)?, num(b)?, num(a)?)
    } else {
        return None;
    };
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// A number as JSON keeps it; a decimal comma is taken when there is no point.
pub(super) fn parse_number(s: &str) -> Option<Value> {
    let s = if s.contains('.') {
        s.to_owned()
    } else {
        s.replacen(',', ".", 1)
    };
    if let Ok(n) = s.parse::<i64>() {
        return Some(Value::from(n));
    }
    let x = s.parse::<f64>().ok().filter(|x| x.is_finite())?;
    Number::from_f64(x).map(Value::Number)
}

pub(super) fn parse_flag(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "тийм" | "үнэн" => Some(true),
        "false" | "no" | "n" | "0" | "үгүй" | "худал" => Some(false),
        _ => None,
    }
}

pub(super) fn parse_list(s: &str) -> Option<Value> {
    if s.starts_with('[') {
        let v: Value = serde_json::from_str(s).ok()?;
        return v
            .as_array()
            .filter(|a| a.iter().all(Value::is_string))
            .map(|_| v.clone());
    }
    Some(Value::from(
        s.split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>(),
    ))
}

/// Dated entries as one cell: `2015-03-01 applied; 2016-01-10 granted`.
pub(super) fn dated_text(items: &[Value], key: &str) -> String {
    items
        .iter()
        .map(|item| {
            let date = item.get("date").and_then(Value::as_str).unwrap_or_default();
            match item.get(key) {
                Some(Value::String(s)) => format!("{date} {s}"),
                Some(Value::Number(n)) => format!("{date} {n}"),
                _ => date.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn parse_dated(s: &str, key: &'static str, number: bool) -> Result<Value, String> {
    let mut out = Vec::new();
    for item in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (date, value) = match item.split_once(char::is_whitespace) {
            Some((d, v)) => (d, v.trim()),
            None => (item, ""),
        };
        let Some(date) = parse_date(date) else {
            return Err(format!(
                "{date:?} is not a date: expected entries like \"2024-05-01 {}\" separated by ;",
                if number { "1000" } else { "granted" }
            ));
        };
        let mut entry = Map::new();
        entry.insert("date".into(), Value::String(date.to_string()));
        if !value.is_empty() {
            let v = if number {
                parse_number(value).ok_or_else(|| format!("{value:?} is not a number"))?
            } else {
                Value::String(value.to_owned())
            };
            entry.insert(key.to_owned(), v);
        }
        out.push(Value::Object(entry));
    }
    Ok(Value::Array(out))
}

pub(super) fn parse_levels(s: &str) -> Option<Value> {
    let mut m = Map::new();
    for pair in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=')?;
        m.insert(k.trim().to_owned(), Value::String(v.trim().to_owned()));
    }
    Some(Value::Object(m))
}
