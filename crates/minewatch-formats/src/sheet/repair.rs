//! Cyrillic text misread through the wrong encoding, repaired where the repair is sure.

/// Text that was UTF-8, decoded as Latin-1/Windows-1252 or as Windows-1251 (and saved
/// again as UTF-8), decoded as it should have been; `None` if the text looks right.
pub fn repair_mojibake(s: &str) -> Option<(String, &'static str)> {
    if s.is_ascii() {
        return None;
    }
    let as_latin1 = || -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(s.len());
        for c in s.chars() {
            if (c as u32) < 0x100 {
                out.push(c as u32 as u8);
            } else {
                let mut buf = [0u8; 4];
                let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
                if bad || bytes.len() != 1 {
                    return None;
                }
                out.push(bytes[0]);
            }
        }
        Some(out)
    };
    let as_cp1251 = || -> Option<Vec<u8>> {
        let (bytes, _, bad) = encoding_rs::WINDOWS_1251.encode(s);
        (!bad).then(|| bytes.into_owned())
    };
    let candidates: [(&'static str, Option<Vec<u8>>); 2] = [
        ("UTF-8 read as Latin-1", as_latin1()),
        ("UTF-8 read as Windows-1251", as_cp1251()),
    ];
    for (how, bytes) in candidates {
        let Some(bytes) = bytes else { continue };
        let Ok(fixed) = String::from_utf8(bytes) else {
            continue;
        };
        // Misread UTF-8 is longer than the text it came from, and ours is Cyrillic.
        let cyrillic = fixed
            .chars()
            .any(|c| ('\u{0400}'..='\u{04ff}').contains(&c));
        if fixed != s && fixed.chars().count() < s.chars().count() && cyrillic {
            return Some((fixed, how));
        }
    }
    None
}
