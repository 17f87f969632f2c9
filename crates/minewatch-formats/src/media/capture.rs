//! The capture metadata a photo carries (EXIF: when, where, with what), read so the
//! server can keep it from the public.

use super::*;

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
pub(super) fn exif_datetime(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 19 || !b[..19].is_ascii() || b[4] != b':' || b[7] != b':' || b[10] != b' ' {
        return None;
    }
    let iso = format!("{}-{}-{}T{}", &s[0..4], &s[5..7], &s[8..10], &s[11..19]);
    iso.parse::<jiff::civil::DateTime>().ok().map(|_| iso)
}

pub(super) fn gps(exif: &exif::Exif) -> Option<Point> {
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
