//! JSON Canonicalization Scheme (RFC 8785): one byte sequence for one JSON value.
//!
//! The ledger hashes and signs these bytes, so two programs that agree on a value agree
//! on its hash. Rules: no insignificant white space; object members sorted by the UTF-16
//! code units of their names; strings with only the mandatory escapes; numbers printed as
//! ECMAScript's `Number.prototype.toString` prints IEEE-754 doubles.

use std::fmt::Write as _;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("integer {0} is outside the range a JSON number can carry exactly (±2^53)")]
    UnsafeInteger(String),
}

/// Largest integer an IEEE-754 double holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The canonical bytes of `value`.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out.into_bytes())
}

/// The canonical text of `value`.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::UnsafeInteger(n.to_string()));
                }
                write!(out, "{u}").expect("writing to a String cannot fail");
            } else if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::UnsafeInteger(n.to_string()));
                }
                write!(out, "{i}").expect("writing to a String cannot fail");
            } else {
                let f = n.as_f64().expect("a JSON number is u64, i64 or f64");
                out.push_str(&format_double(f));
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, item)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => {
                write!(out, "\\u{:04x}", u32::from(c)).expect("writing to a String cannot fail")
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript `Number.prototype.toString` for a finite double (ECMA-262 §6.1.6.1.20).
fn format_double(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    // Rust's `{:e}` prints the shortest digits that round-trip, as ECMAScript requires.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let k = i32::try_from(digits.len()).expect("a double has at most 17 digits");
    let n = exp + 1;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        write!(out, "{}", (n - 1).abs()).expect("writing to a String cannot fail");
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_print_as_ecmascript_does() {
        // Values from RFC 8785 Appendix B and ECMAScript's own examples.
        for (bits, want) in [
            (0x0000000000000000u64, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x4024000000000000, "10"),
        ] {
            assert_eq!(format_double(f64::from_bits(bits)), want, "bits {bits:#x}");
        }
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(-0.1), "-0.1");
        assert_eq!(format_double(104.567891), "104.567891");
    }

    #[test]
    fn rfc8785_example_object() {
        let v: Value = serde_json::from_str(
            r#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],
                "string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals":[null,true,false]}"#,
        )
        .unwrap();
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn members_sort_by_utf16_code_units() {
        // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16,
        // though after it in UTF-8.
        let v = json!({"\u{fb33}": 1, "\u{1f600}": 2, "a": 3, "Ө": 4});
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            "{\"a\":3,\"Ө\":4,\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }

    #[test]
    fn unsafe_integers_are_refused() {
        assert!(to_canonical_bytes(&json!(9007199254740993u64)).is_err());
        assert!(to_canonical_bytes(&json!(-9007199254740993i64)).is_err());
        assert!(to_canonical_bytes(&json!(9007199254740991u64)).is_ok());
    }

    proptest! {
        #[test]
        fn doubles_round_trip(f in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL) {
            let text = format_double(f);
            prop_assert_eq!(text.parse::<f64>().unwrap(), f);
        }

        #[test]
        fn canonical_text_is_a_fixed_point(s in "\\PC{0,20}", x in -1e6f64..1e6, n in any::<i32>()) {
            let v = json!({"s": s, "x": x, "n": n, "nested": {"b": [1, 2], "a": null}});
            let once = to_canonical_string(&v).unwrap();
            let reparsed: Value = serde_json::from_str(&once).unwrap();
            prop_assert_eq!(to_canonical_string(&reparsed).unwrap(), once);
        }
    }
}
