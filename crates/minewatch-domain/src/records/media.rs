//! The media record: a stored file (photo, scan, video) and what it is evidence of.
//! What a file carries and its public copy are in [`crate::evidence`].

use super::fields::{Fields, Optional, Required};
use super::schema::{Field, KindSchema, Shape::*};
use super::{FieldError, MAX_TEXT};
use super::{MAX_NAME, Record, RecordKind};
use crate::evidence::{Capture, Media, PublicCopy, is_sha256_hex};

pub static SCHEMA: KindSchema = KindSchema {
    label: &["date", "caption", "content_type"],
    owned_by_community: true,
    parse: Some(parse_media),
    ..KindSchema::new(
        "media",
        &[
            Field::new("date", Date).required(),
            Field::new("sha256", Text).required(),
            Field::new("size", Number).required(),
            Field::new("content_type", Text).required(),
            // An uploaded file's name may name a person.
            Field::new("filename", Text).restricted(),
            Field::new("caption", Text),
            Field::new("about", Json),
            Field::new("community_id", Ref(RecordKind::Community)),
            // Capture metadata holds the exact place a photo was taken (often a herder
            // camp) and the reporter's device.
            Field::new("capture", Json).restricted(),
            Field::new("public_copy", Json),
            Field::new("original_published", Flag),
            Field::new("provenance", Text),
        ],
    )
};

fn parse_media(f: &mut Fields<'_>) -> Option<Record> {
    let date = f.date("date", Required);
    let sha256 = f.text("sha256", Required, 64);
    if let Some(h) = &sha256
        && !is_sha256_hex(h)
    {
        f.push(FieldError::new(
            "sha256",
            "bad-hash",
            "expected 64 lowercase hexadecimal digits",
        ));
    }
    let size = f.number("size", Required, 0.0, 1e15);
    if size.is_some_and(|n| n.fract() != 0.0) {
        f.push(FieldError::new(
            "size",
            "not-count",
            "expected a whole number of bytes",
        ));
    }
    let content_type = f.text("content_type", Required, 100);
    let filename = f.text("filename", Optional, MAX_NAME);
    let caption = f.text("caption", Optional, MAX_TEXT);
    let about = f.about("about");
    let community_id = f.id("community_id", Optional);
    let capture = f.value("capture", Optional).and_then(|v| {
        match serde_json::from_value::<Capture>(v.clone()) {
            Ok(c) if c.taken_at.is_none() || c.taken().is_some() => Some(c),
            _ => {
                f.push(FieldError::new(
                    "capture",
                    "bad-capture",
                    "expected {\"taken_at\": \"YYYY-MM-DDTHH:MM:SS\", \"offset\", \"location\": {\"lat\", \"lon\"}, \"device\", \"software\"}",
                ));
                None
            }
        }
    });
    let public_copy = f.value("public_copy", Optional).and_then(|v| {
        match serde_json::from_value::<PublicCopy>(v.clone()) {
            Ok(c) if is_sha256_hex(&c.sha256) => Some(c),
            _ => {
                f.push(FieldError::new(
                    "public_copy",
                    "bad-hash",
                    "expected {\"sha256\": 64 lowercase hex digits, \"size\": bytes}",
                ));
                None
            }
        }
    });
    let original_published = f.flag("original_published", Optional).unwrap_or(false);
    let provenance = f.text("provenance", Optional, MAX_TEXT);
    Some(Record::Media(Media {
        date: date?,
        sha256: sha256?,
        size: size? as u64,
        content_type: content_type?,
        filename,
        caption,
        about,
        community_id,
        capture: capture.filter(|c| !c.is_empty()),
        public_copy,
        original_published,
        provenance,
    }))
    .filter(|_| f.ok())
}
