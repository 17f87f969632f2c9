//! Reading a form before its handler does: the CSRF field of a URL-encoded or multipart
//! body, and fields that are not UTF-8.

use super::*;

/// The name of the first field of an urlencoded form whose name or value, decoded, is
/// not UTF-8.
pub(super) fn field_not_utf8(body: &[u8]) -> Option<String> {
    // The form decoding the handlers use replaces bad bytes with U+FFFD; decode to
    // bytes here and check them.
    let decode = |part: &[u8]| -> Vec<u8> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        percent_encoding::percent_decode(&spaced).collect()
    };
    body.split(|b| *b == b'&').find_map(|pair| {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let name = decode(halves.next().unwrap_or_default());
        let value = decode(halves.next().unwrap_or_default());
        (std::str::from_utf8(&name).is_err() || std::str::from_utf8(&value).is_err())
            .then(|| String::from_utf8_lossy(&name).into_owned())
    })
}

/// The first value of `name` in an urlencoded form.
pub(super) fn form_field(bytes: &Bytes, name: &str) -> Option<String> {
    serde_urlencoded_pairs(bytes)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub(super) fn serde_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
}

/// The value of a short text field of a `multipart/form-data` body, if it has one.
pub(super) fn multipart_text_field(content_type: &str, body: &[u8], name: &str) -> Option<String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    for part in text.split(delimiter.as_str()).skip(1) {
        let (headers, value) = part.split_once("\r\n\r\n")?;
        let wanted = format!("name=\"{name}\"");
        let is_field = headers.lines().any(|h| {
            h.to_ascii_lowercase().starts_with("content-disposition:")
                && h.split(';').any(|p| p.trim() == wanted)
        });
        if is_field {
            return Some(value.trim_end_matches("\r\n").to_owned());
        }
    }
    None
}
