//! Media evidence: a photo, video, recording or document, stored once by its SHA-256
//! and linked to the records it proves.
//!
//! The record holds what was measured at intake (hash, size, the type sniffed from the
//! bytes), what the file says of itself (EXIF time, place and device: the capture), and
//! the hash of its public copy, a derivative with that metadata removed. The capture
//! holds an exact place, so it is restricted like a reporter's name; public views and
//! exports only ever use the public copy.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::records::{Point, RecordId, RecordKind};

/// What the file's own metadata says about when, where and with what it was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// When it was taken, as the device's clock gave it (local time), e.g.
    /// `2025-07-08T14:03:21`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    /// The offset the device gave with that time, e.g. `+08:00`, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Point>,
    /// The camera or phone: make and model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The program that last wrote the file (an editor here may mean the file was changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
}

impl Capture {
    pub fn is_empty(&self) -> bool {
        self == &Capture::default()
    }

    /// The time taken, when it parses.
    pub fn taken(&self) -> Option<DateTime> {
        self.taken_at.as_deref()?.parse::<DateTime>().ok()
    }
}

/// The stripped derivative of an original, safe to show publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCopy {
    pub sha256: String,
    pub size: u64,
}

/// A media item: the record of one stored file.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// The day it entered minewatch.
    pub date: Date,
    /// Hex SHA-256 of the original's bytes: the blob's address.
    pub sha256: String,
    pub size: u64,
    /// The type sniffed from the bytes (never the name's), e.g. `image/jpeg`.
    pub content_type: String,
    /// The name it was uploaded with. Names can name people, so it is restricted.
    pub filename: Option<String>,
    pub caption: Option<String>,
    /// The records it proves.
    pub about: Vec<(RecordKind, RecordId)>,
    /// The community whose records it proves, if they belong to one: it owns the file
    /// as it owns them, so its case team, not every community's staff, sees a
    /// case-team file (with its place and device).
    pub community_id: Option<RecordId>,
    pub capture: Option<Capture>,
    pub public_copy: Option<PublicCopy>,
    /// A person with the right role chose to publish the original itself (with its
    /// metadata); until then only the public copy leaves the instance.
    pub original_published: bool,
    /// Where it came from when it was not uploaded here: the evidence bundle it was
    /// imported from, its exporting device, its record there and signed entries.
    pub provenance: Option<String>,
}

/// Whether `s` is a lowercase hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a linked record reported about the same event.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reported {
    pub date: Option<Date>,
    pub location: Option<Point>,
}

/// How far the file's metadata may be from the report before it is flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Days between the capture day and the reported day (a report is often written
    /// the day after).
    pub days: i64,
    pub km: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { days: 1, km: 5.0 }
    }
}

/// A disagreement between a file's metadata and what was reported.
#[derive(Debug, Clone, PartialEq)]
pub enum Disagreement {
    /// Taken on `taken`, reported as seen on `reported`: `days` apart.
    Time {
        taken: Date,
        reported: Date,
        days: i64,
    },
    /// Taken at `taken`, reported at `reported`: `km` apart.
    Place {
        taken: Point,
        reported: Point,
        km: f64,
    },
}

/// Where the capture disagrees with a report beyond the tolerance. Missing metadata is
/// not a disagreement (many apps strip it); pages say separately that it is missing.
pub fn disagreements(capture: &Capture, reported: &Reported, tol: Tolerance) -> Vec<Disagreement> {
    let mut out = Vec::new();
    if let (Some(taken), Some(day)) = (capture.taken(), reported.date) {
        let taken = taken.date();
        let days = taken
            .until(day)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(i64::MAX)
            .abs();
        if days > tol.days {
            out.push(Disagreement::Time {
                taken,
                reported: day,
                days,
            });
        }
    }
    if let (Some(taken), Some(at)) = (capture.location, reported.location) {
        let km = distance_km(taken, at);
        if km > tol.km {
            out.push(Disagreement::Place {
                taken,
                reported: at,
                km,
            });
        }
    }
    out
}

/// Great-circle distance (haversine, mean Earth radius).
pub fn distance_km(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    // Rounding can carry `h` just past 1 for points at opposite ends of the Earth,
    // where `asin` would give NaN and a NaN distance would flag nothing.
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn capture(at: &str, lat: f64, lon: f64) -> Capture {
        Capture {
            taken_at: Some(at.into()),
            location: Some(Point { lat, lon }),
            ..Capture::default()
        }
    }

    #[test]
    fn time_and_place_beyond_the_tolerance_are_flagged() {
        let c = capture("2025-07-08T14:03:21", 47.7043, 105.9124);
        let near = Reported {
            date: Some(date(2025, 7, 9)),
            location: Some(Point {
                lat: 47.71,
                lon: 105.92,
            }),
        };
        assert!(disagreements(&c, &near, Tolerance::default()).is_empty());
        let far = Reported {
            date: Some(date(2025, 7, 12)),
            location: Some(Point {
                lat: 46.0,
                lon: 105.9124,
            }),
        };
        let d = disagreements(&c, &far, Tolerance::default());
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(matches!(d[0], Disagreement::Time { days: 4, .. }));
        match d[1] {
            // 1.7043° of latitude is about 189.5 km.
            Disagreement::Place { km, .. } => assert!((km - 189.5).abs() < 1.0, "{km}"),
            _ => panic!("{d:?}"),
        }
    }

    #[test]
    fn missing_metadata_is_no_disagreement() {
        let r = Reported {
            date: Some(date(2020, 1, 1)),
            location: Some(Point { lat: 0.0, lon: 0.0 }),
        };
        assert!(disagreements(&Capture::default(), &r, Tolerance::default()).is_empty());
    }

    #[test]
    fn hashes_are_lowercase_hex_of_64() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex(&"a".repeat(63)));
        assert!(
            !is_sha256_hex(&"g".repeat(64)),
            "a blob path takes hex digits only"
        );
        assert!(!is_sha256_hex(&format!("../{}", "a".repeat(61))));
    }

    #[test]
    fn antipodes_are_half_the_earth_away_and_flagged() {
        let (a, b) = (
            Point { lat: 0.0, lon: 0.0 },
            Point {
                lat: 0.0,
                lon: 180.0,
            },
        );
        let km = distance_km(a, b);
        assert!((km - 20_015.1).abs() < 1.0, "{km}");
        let c = capture("2025-07-08T14:03:21", 47.9, 106.9);
        let other_side = Reported {
            date: None,
            location: Some(Point {
                lat: -47.9,
                lon: -73.1,
            }),
        };
        assert_eq!(
            disagreements(&c, &other_side, Tolerance::default()).len(),
            1
        );
    }
}
