//! Media files: their type from their first bytes, the capture metadata they carry
//! (EXIF time, GPS and device), and public copies with that metadata removed.
//!
//! A public copy is made without re-encoding: the file's metadata segments or chunks
//! are dropped and the image data is copied byte for byte, so the picture is the one
//! the reporter took. Formats where that cannot be done safely get no public copy.

use std::io::Cursor;

use minewatch_domain::Capture;
use minewatch_domain::records::Point;

mod capture;
mod strip;

pub use capture::*;
pub use strip::*;

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const JPEG: &[u8] = include_bytes!("../../tests/data/dust.jpg");
    const PNG: &[u8] = include_bytes!("../../tests/data/dust.png");
    const WEBP: &[u8] = include_bytes!("../../tests/data/dust.webp");

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
