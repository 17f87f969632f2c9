//! Media files: their type from their first bytes, the capture metadata they carry
//! (EXIF time, GPS and device), and public copies with that metadata removed.
//!
//! A public copy is made without re-encoding: the file's metadata segments or chunks
//! are dropped and the image data is copied byte for byte, so the picture is the one
//! the reporter took. Formats where that cannot be done safely get no public copy.

use std::io::Cursor;

use minewatch_domain::Capture;
use minewatch_domain::records::Point;

/// How many leading bytes [`sniff`] needs to tell every supported type apart.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What a file is, by its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub mime: &'static str,
    /// The usual file extension, without the dot.
    pub ext: &'static str,
    pub class: MediaClass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaClass {
    Image,
    Video,
    Audio,
    Document,
}

impl MediaClass {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaClass::Image => "image",
            MediaClass::Video => "video",
            MediaClass::Audio => "audio",
            MediaClass::Document => "document",
        }
    }
}

const fn t(mime: &'static str, ext: &'static str, class: MediaClass) -> MediaType {
    MediaType { mime, ext, class }
}

/// Every type minewatch stores.
pub const TYPES: &[MediaType] = &[
    t("image/jpeg", "jpg", MediaClass::Image),
    t("image/png", "png", MediaClass::Image),
    t("image/webp", "webp", MediaClass::Image),
    t("image/gif", "gif", MediaClass::Image),
    t("image/heic", "heic", MediaClass::Image),
    t("image/tiff", "tif", MediaClass::Image),
    t("video/mp4", "mp4", MediaClass::Video),
    t("video/quicktime", "mov", MediaClass::Video),
    t("video/3gpp", "3gp", MediaClass::Video),
    t("video/webm", "webm", MediaClass::Video),
    t("video/x-msvideo", "avi", MediaClass::Video),
    t("audio/mpeg", "mp3", MediaClass::Audio),
    t("audio/mp4", "m4a", MediaClass::Audio),
    t("audio/ogg", "ogg", MediaClass::Audio),
    t("audio/wav", "wav", MediaClass::Audio),
    t("audio/amr", "amr", MediaClass::Audio),
    t("audio/flac", "flac", MediaClass::Audio),
    t("application/pdf", "pdf", MediaClass::Document),
    t(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        MediaClass::Document,
    ),
    t(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        MediaClass::Document,
    ),
    t(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        MediaClass::Document,
    ),
    t(
        "application/vnd.oasis.opendocument.text",
        "odt",
        MediaClass::Document,
    ),
    t(
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
        MediaClass::Document,
    ),
    t("application/msword", "doc", MediaClass::Document),
    t("text/plain", "txt", MediaClass::Document),
];

fn by_mime(mime: &str) -> MediaType {
    *TYPES
        .iter()
        .find(|t| t.mime == mime)
        .expect("sniff returns only listed types")
}

/// The type by extension, for telling a file whose name and bytes disagree.
pub fn type_of_extension(ext: &str) -> Option<MediaType> {
    let ext = ext.to_ascii_lowercase();
    let ext = match ext.as_str() {
        "jpeg" | "jpe" => "jpg",
        "tiff" => "tif",
        "heif" => "heic",
        "qt" => "mov",
        "csv" | "text" => "txt",
        "xls" | "ppt" => "doc",
        other => other,
    };
    TYPES.iter().copied().find(|t| t.ext == ext)
}

/// What the file is, from its first bytes (at least [`SNIFF_BYTES`] of them when the
/// file is that long). `None`: a type minewatch does not store.
pub fn sniff(head: &[u8]) -> Option<MediaType> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    let mime = if starts(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        "image/webp"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        "image/tiff"
    } else if at(4, b"ftyp") {
        let brand = head.get(8..12).unwrap_or_default();
        match brand {
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heim" | b"heis" | b"hevc" => "image/heic",
            b"qt  " => "video/quicktime",
            b"3gp4" | b"3gp5" | b"3gp6" | b"3g2a" => "video/3gpp",
            b"M4A " | b"M4B " => "audio/mp4",
            _ => "video/mp4",
        }
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "video/webm"
    } else if starts(b"RIFF") && at(8, b"AVI ") {
        "video/x-msvideo"
    } else if starts(b"RIFF") && at(8, b"WAVE") {
        "audio/wav"
    } else if starts(b"ID3") || (head.len() > 1 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
        "audio/mpeg"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if starts(b"#!AMR") {
        "audio/amr"
    } else if starts(b"fLaC") {
        "audio/flac"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        "application/msword"
    } else if starts(b"PK\x03\x04") {
        office_zip(head)?
    } else if is_text(head) {
        "text/plain"
    } else {
        return None;
    };
    Some(by_mime(mime))
}

/// An office document is a zip whose member names say which: OpenDocument puts its
/// type in a first, stored `mimetype` member; Office Open XML has `word/`, `xl/` or
/// `ppt/` members. Any other zip is refused.
fn office_zip(head: &[u8]) -> Option<&'static str> {
    if head.get(30..38) == Some(b"mimetype") {
        let rest = head.get(38..).unwrap_or_default();
        for (needle, mime) in [
            (
                &b"application/vnd.oasis.opendocument.text"[..],
                "application/vnd.oasis.opendocument.text",
            ),
            (
                &b"application/vnd.oasis.opendocument.spreadsheet"[..],
                "application/vnd.oasis.opendocument.spreadsheet",
            ),
        ] {
            if rest.starts_with(needle) && rest.get(needle.len()) != Some(&b'-') {
                return Some(mime);
            }
        }
        return None;
    }
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if !has(b"[Content_Types].xml") {
        return None;
    }
    if has(b"word/") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if has(b"xl/") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if has(b"ppt/") {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        None
    }
}

/// UTF-8 text (a cut last character allowed) without NUL or other binary controls.
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => head.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => return false,
    };
    head[..valid]
        .iter()
        .all(|&b| b >= 0x20 || matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
}

/// The capture metadata an image carries, if any (EXIF in JPEG, PNG, WebP, HEIC and
/// TIFF). A file without metadata, or with metadata that does not parse, gives an empty
/// capture: pages then say it has none.
pub fn read_capture(bytes: &[u8]) -> Capture {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return Capture::default();
    };
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY)
            .and_then(|f| match &f.value {
                exif::Value::Ascii(v) => v
                    .first()
                    .map(|s| {
                        String::from_utf8_lossy(s)
                            .trim()
                            .trim_end_matches('\0')
                            .to_owned()
                    })
                    .filter(|s| !s.is_empty()),
                _ => None,
            })
    };
    let taken_at = text(exif::Tag::DateTimeOriginal)
        .or_else(|| text(exif::Tag::DateTimeDigitized))
        .or_else(|| text(exif::Tag::DateTime))
        .and_then(|s| exif_datetime(&s));
    let offset = text(exif::Tag::OffsetTimeOriginal).filter(|o| {
        o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && o.as_bytes()[3] == b':'
    });
    let device = match (text(exif::Tag::Make), text(exif::Tag::Model)) {
        (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (a, b) => a.or(b),
    };
    let location = gps(&exif);
    Capture {
        taken_at,
        offset,
        location,
        device,
        software: text(exif::Tag::Software),
    }
}

/// `2025:07:08 14:03:21` as `2025-07-08T14:03:21`, if it is a real time.
fn exif_datetime(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 19 || !b[..19].is_ascii() || b[4] != b':' || b[7] != b':' || b[10] != b' ' {
        return None;
    }
    let iso = format!("{}-{}-{}T{}", &s[0..4], &s[5..7], &s[8..10], &s[11..19]);
    iso.parse::<jiff::civil::DateTime>().ok().map(|_| iso)
}

fn gps(exif: &exif::Exif) -> Option<Point> {
    let degrees = |tag, ref_tag, negative: u8| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(parts) = &field.value else {
            return None;
        };
        if parts.len() < 3 || parts.iter().any(|r| r.denom == 0) {
            return None;
        }
        let value = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
        let sign = match exif.get_field(ref_tag, exif::In::PRIMARY).map(|f| &f.value) {
            Some(exif::Value::Ascii(v)) if v.first().and_then(|s| s.first()) == Some(&negative) => {
                -1.0
            }
            _ => 1.0,
        };
        Some(sign * value)
    };
    let lat = degrees(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S')?;
    let lon = degrees(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && (lat, lon) != (0.0, 0.0))
        .then_some(Point { lat, lon })
}

/// Why no public copy could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    #[error("{0} files cannot be stripped of their metadata here; no public copy is made")]
    Unsupported(&'static str),
    #[error("the image is damaged: {0}")]
    Damaged(String),
}

/// A copy of the image with its metadata removed (EXIF, GPS, XMP, IPTC, comments,
/// thumbnails and anything after the image), the picture's bytes unchanged.
pub fn strip_metadata(bytes: &[u8], kind: MediaType) -> Result<Vec<u8>, StripError> {
    match kind.mime {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        "image/webp" => strip_webp(bytes),
        other => Err(StripError::Unsupported(other)),
    }
}

fn damaged(what: &str) -> StripError {
    StripError::Damaged(what.to_owned())
}

/// Keeps the JPEG's coding segments (quantisation and Huffman tables, frame and scan
/// headers, restart intervals), JFIF's header (APP0, without its thumbnail), Adobe's
/// colour transform (APP14) and colour profiles (APP2 `ICC_PROFILE`); drops every other
/// segment, known or not, and whatever follows the end-of-image marker (where phones
/// put extra pictures that carry their own EXIF).
fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, StripError> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(damaged("no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut frames = 0usize;
    loop {
        // Fill bytes may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return Err(damaged(&format!("expected a marker at byte {i}")));
        }
        let marker = *b
            .get(i + 1)
            .ok_or_else(|| damaged("cut off before the end of the image"))?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = match b.get(i + 2..i + 4) {
            Some(l) => u16::from_be_bytes([l[0], l[1]]) as usize,
            None => return Err(damaged("cut off in a segment header")),
        };
        if len < 2 || i + 2 + len > b.len() {
            return Err(damaged(&format!("a segment at byte {i} runs past the end")));
        }
        let segment = &b[i..i + 2 + len];
        let data = &segment[4..];
        // Only what decoding needs is kept, by an allow-list: an unknown or damaged
        // marker could carry anything.
        let coding = matches!(
            marker,
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xC4 | 0xCC | 0xDB | 0xDD | 0xDC | 0xDA
        );
        if coding {
            // A coding segment must have its exact structure, so nothing else can
            // travel in one; a second frame header is refused too.
            let is_frame = !matches!(marker, 0xC4 | 0xCC | 0xDB | 0xDD | 0xDC | 0xDA);
            if !coding_segment_ok(marker, data) || (is_frame && frames > 0) {
                return Err(damaged(&format!("a malformed coding segment at byte {i}")));
            }
            frames += usize::from(is_frame);
        }
        let keep = coding
            || (marker == 0xE2 && data.starts_with(b"ICC_PROFILE\0"))
            || (marker == 0xEE && data.len() == 12 && data.starts_with(b"Adobe"));
        if marker == 0xE0 && data.starts_with(b"JFIF\0") && data.len() >= 14 {
            // JFIF's header without its thumbnail (which can be any picture).
            out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
            out.extend_from_slice(&data[..12]);
            out.extend_from_slice(&[0, 0]);
        } else if keep {
            out.extend_from_slice(segment);
        }
        i += 2 + len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed zero
            // or a restart marker.
            let start = i;
            while i + 1 < b.len() {
                if b[i] == 0xFF && b[i + 1] != 0 && !(0xD0..=0xD7).contains(&b[i + 1]) {
                    break;
                }
                i += 1;
            }
            if i + 1 >= b.len() {
                return Err(damaged("cut off in the image data"));
            }
            out.extend_from_slice(&b[start..i]);
        }
    }
}

/// Whether a JPEG coding segment's payload has exactly its structure (ITU T.81 B.2).
fn coding_segment_ok(marker: u8, d: &[u8]) -> bool {
    match marker {
        // Huffman tables: class and id, 16 counts, then that many values; repeated.
        0xC4 => {
            let mut i = 0;
            while i < d.len() {
                if d[i] >> 4 > 1 || d[i] & 0x0F > 3 || i + 17 > d.len() {
                    return false;
                }
                let n: usize = d[i + 1..i + 17].iter().map(|&c| usize::from(c)).sum();
                i += 17 + n;
            }
            i == d.len() && !d.is_empty()
        }
        // Quantisation tables: precision and id, then 64 values of 1 or 2 bytes.
        0xDB => {
            let mut i = 0;
            while i < d.len() {
                if d[i] >> 4 > 1 || d[i] & 0x0F > 3 {
                    return false;
                }
                i += 1 + 64 * (1 + usize::from(d[i] >> 4));
            }
            i == d.len() && !d.is_empty()
        }
        0xDD | 0xDC => d.len() == 2,
        0xCC => !d.is_empty() && d.len().is_multiple_of(2),
        // Scan header: component count, two bytes each, then three.
        0xDA => !d.is_empty() && (1..=4).contains(&d[0]) && d.len() == 4 + 2 * usize::from(d[0]),
        // Frame header: precision, height, width, component count, three bytes each.
        _ => d.len() >= 6 && (1..=4).contains(&d[5]) && d.len() == 6 + 3 * usize::from(d[5]),
    }
}

/// Keeps PNG's image chunks and those that only change how it looks; drops text,
/// EXIF, time and any chunk it does not know.
fn strip_png(b: &[u8]) -> Result<Vec<u8>, StripError> {
    const KEEP: [&[u8; 4]; 14] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"bKGD", b"acTL", b"fcTL",
    ];
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(damaged("no PNG signature"));
    }
    let mut out = b[..8].to_vec();
    let mut i = 8;
    while i < b.len() {
        let head = b
            .get(i..i + 8)
            .ok_or_else(|| damaged("cut off in a chunk header"))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = i
            .checked_add(12 + len)
            .filter(|e| *e <= b.len())
            .ok_or_else(|| damaged(&format!("a chunk at byte {i} runs past the end")))?;
        let name = &head[4..8];
        if KEEP.iter().any(|k| &k[..] == name) || name == b"fdAT" {
            // A kept chunk must be what its checksum says: a damaged name or length
            // could otherwise pass other bytes off as image data.
            let stored = u32::from_be_bytes([b[end - 4], b[end - 3], b[end - 2], b[end - 1]]);
            if crc32fast::hash(&b[i + 4..end - 4]) != stored {
                return Err(damaged(&format!(
                    "the chunk at byte {i} fails its checksum"
                )));
            }
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if name == b"IEND" {
            return Ok(out);
        }
    }
    Err(damaged("no IEND chunk"))
}

/// Keeps WebP's image, alpha, animation and colour-profile chunks (an allow-list: an
/// unknown chunk could carry anything), so `EXIF` and `XMP ` go, and clears their flags
/// in the `VP8X` header.
fn strip_webp(b: &[u8]) -> Result<Vec<u8>, StripError> {
    if b.len() < 12 || !b.starts_with(b"RIFF") || &b[8..12] != b"WEBP" {
        return Err(damaged("no RIFF WEBP header"));
    }
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let mut i = 12;
    while i < b.len() {
        let head = b
            .get(i..i + 8)
            .ok_or_else(|| damaged("cut off in a chunk header"))?;
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let padded = len + (len & 1);
        let end = (i + 8 + padded).min(b.len());
        if i + 8 + len > b.len() {
            return Err(damaged(&format!("a chunk at byte {i} runs past the end")));
        }
        let name = &head[..4];
        if name == b"ANIM" || name == b"ANMF" {
            // Frames nest chunks of their own: not stripped here.
            return Err(StripError::Unsupported("animated WebP"));
        }
        const KEEP: [&[u8; 4]; 5] = [b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ICCP"];
        if name == b"VP8X" && len != 10 {
            // Its size is fixed; a wrong one would carry the chunks after it along.
            return Err(damaged(&format!(
                "the VP8X chunk at byte {i} is not 10 bytes"
            )));
        }
        if KEEP.iter().any(|k| &k[..] == name) {
            let at = out.len();
            out.extend_from_slice(&b[i..end]);
            if name == b"VP8X" {
                // Flags: bit 3 EXIF, bit 2 XMP, bit 1 animation.
                if out[at + 8] & 0b0000_0010 != 0 {
                    return Err(StripError::Unsupported("animated WebP"));
                }
                out[at + 8] &= !0b0000_1100;
            }
        }
        i = end;
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const JPEG: &[u8] = include_bytes!("../tests/data/dust.jpg");
    const PNG: &[u8] = include_bytes!("../tests/data/dust.png");
    const WEBP: &[u8] = include_bytes!("../tests/data/dust.webp");

    #[test]
    fn types_come_from_bytes() {
        assert_eq!(sniff(JPEG).unwrap().mime, "image/jpeg");
        assert_eq!(sniff(PNG).unwrap().mime, "image/png");
        assert_eq!(sniff(WEBP).unwrap().mime, "image/webp");
        assert_eq!(sniff(b"%PDF-1.7\n").unwrap().ext, "pdf");
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0").unwrap().mime, "video/mp4");
        assert_eq!(sniff("Тайлан\n".as_bytes()).unwrap().mime, "text/plain");
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None, "an executable");
        assert_eq!(
            sniff(b"PK\x03\x04\x14\0\0\0plain.zip"),
            None,
            "a zip that is no document"
        );
        assert_eq!(type_of_extension("JPEG").unwrap().mime, "image/jpeg");
    }

    #[test]
    fn capture_is_read_from_exif() {
        let c = read_capture(JPEG);
        assert_eq!(c.taken_at.as_deref(), Some("2025-07-08T14:03:21"));
        assert_eq!(c.offset.as_deref(), Some("+08:00"));
        assert_eq!(c.device.as_deref(), Some("TestPhone TP-1 (fixture)"));
        let p = c.location.expect("GPS");
        assert!(
            (p.lat - 47.7043).abs() < 1e-4 && (p.lon - 105.9124).abs() < 1e-4,
            "{p:?}"
        );
        assert!(read_capture(PNG).location.is_some());
        assert!(read_capture(WEBP).location.is_some());
    }

    #[test]
    fn public_copies_carry_no_metadata_and_the_same_picture() {
        for (bytes, name) in [(JPEG, "jpeg"), (PNG, "png"), (WEBP, "webp")] {
            let kind = sniff(bytes).unwrap();
            let copy = strip_metadata(bytes, kind).unwrap();
            assert!(
                read_capture(&copy).is_empty(),
                "{name}: {:?}",
                read_capture(&copy)
            );
            for needle in [
                &b"Reporter Name Fixture"[..],
                b"camp of reporter",
                b"TestPhone",
            ] {
                assert!(
                    !copy.windows(needle.len()).any(|w| w == needle),
                    "{name} still holds {:?}",
                    String::from_utf8_lossy(needle)
                );
            }
            assert_eq!(sniff(&copy), Some(kind));
            assert!(copy.len() < bytes.len(), "{name}");
            // The picture itself is kept byte for byte: the JPEG scan, the PNG image
            // chunk, the WebP bitstream chunk.
            let find = |needle: &[u8]| {
                bytes
                    .windows(needle.len())
                    .position(|w| w == needle)
                    .unwrap_or_else(|| panic!("{name}: no {needle:?}"))
            };
            let picture = match name {
                "jpeg" => &bytes[find(&[0xFF, 0xDA])..],
                "png" => {
                    let at = find(b"IDAT") - 4;
                    let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
                    &bytes[at..at + 12 + len]
                }
                _ => {
                    let at = find(b"VP8 ");
                    let len =
                        u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
                    &bytes[at..at + 8 + len]
                }
            };
            assert!(picture.len() > 100, "{name}: the picture is found");
            assert!(
                copy.windows(picture.len()).any(|w| w == picture),
                "{name}: the copy lost the picture"
            );
        }
        assert!(matches!(
            strip_metadata(b"GIF89a", sniff(b"GIF89a").unwrap()),
            Err(StripError::Unsupported("image/gif"))
        ));
        assert!(matches!(
            strip_metadata(&JPEG[..JPEG.len() / 2], sniff(JPEG).unwrap()),
            Err(StripError::Damaged(_))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Damaged or hostile images never panic the readers, and whatever public copy
        /// comes out of one carries no capture metadata.
        #[test]
        fn damaged_images_never_panic_nor_leak(
            which in 0..3usize,
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..12),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let mut bytes = [JPEG, PNG, WEBP][which].to_vec();
            for (at, x) in flips {
                let i = at % bytes.len();
                bytes[i] ^= x;
            }
            if let Some(c) = cut {
                bytes.truncate(c % (bytes.len() + 1));
            }
            let _ = read_capture(&bytes);
            if let Some(kind) = sniff(&bytes)
                && let Ok(copy) = strip_metadata(&bytes, kind)
            {
                prop_assert!(read_capture(&copy).location.is_none());
                for needle in [&b"TestPhone"[..], b"Reporter Name Fixture", b"camp of reporter"] {
                    prop_assert!(
                        !copy.windows(needle.len()).any(|w| w == needle),
                        "{} leaks into a public copy",
                        String::from_utf8_lossy(needle)
                    );
                }
            }
        }
    }
}
