//! Where licences lie: the protection zones a licence's area meets, and the authorities
//! that govern its place. The store reads the records; these decisions are the domain's.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::engine::{Text, ZoneCheck};
use crate::geo::{self, BBox, PlaneArea, RTree};
use crate::records::{Authority, Polygon, Zone};
use crate::text::Localized;

/// A zone a licence may have to stay out of, ready to be screened against: its box
/// computed once, and the date it counts from (its designation, else when it was
/// recorded).
pub struct ScreenZone<'z> {
    pub id: Text,
    pub zone: &'z Zone,
    pub bbox: Option<BBox>,
    pub since: Date,
}

impl<'z> ScreenZone<'z> {
    pub fn new(id: &str, zone: &'z Zone, recorded: Date) -> ScreenZone<'z> {
        ScreenZone {
            id: id.into(),
            zone,
            bbox: BBox::of_area(&zone.boundary),
            since: zone.designated.unwrap_or(recorded),
        }
    }
}

/// The zones a licence's area meets, each as an overlap the engine's spatial duties
/// read. A licence clear of every zone recorded is not "checked clear": the zones on
/// record may not be all there are, so nothing is said for it.
pub fn screen(licence: &str, area: &[Polygon], zones: &[ScreenZone<'_>]) -> Vec<ZoneCheck> {
    let bbox = BBox::of_area(area);
    zones
        .iter()
        .filter(|z| bbox.zip(z.bbox).is_some_and(|(a, b)| a.meets(&b)))
        .filter(|z| geo::areas_meet(area, &z.zone.boundary))
        .map(|z| ZoneCheck {
            id: z.id.clone(),
            licence: licence.into(),
            zone: z.zone.zone_type.clone(),
            overlaps: true,
            date: z.since,
            retracted: false,
        })
        .collect()
}

/// How a licence and a zone lie to each other, in metres on the equal-area plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Positions in the lists given to [`measure`].
    pub licence: usize,
    pub zone: usize,
    /// The area they share, in square metres (0 for a zone near but apart).
    pub overlap_m2: f64,
    /// The shortest distance between them, 0 when they meet.
    pub distance_m: f64,
}

/// A zone to measure licences against: its area, and whether a zone near but apart
/// counts (a protection zone within `within_m`), or only one that overlaps (a soum).
pub struct MeasureZone<'a> {
    pub area: &'a PlaneArea,
    pub near_counts: bool,
}

/// Every licence against every zone it overlaps, and those `near_counts` zones within
/// `within_m` metres of it; an R-tree of the zones' boxes finds the candidates, and
/// the work is shared by `threads` threads. In licence order, then zone order.
pub fn measure(
    licences: &[Option<PlaneArea>],
    zones: &[MeasureZone<'_>],
    within_m: f64,
    threads: usize,
) -> Vec<Measured> {
    let reach = |z: &MeasureZone<'_>| if z.near_counts { within_m } else { 0.0 };
    let tree = RTree::new(zones.iter().map(|z| {
        let [a, b, c, d] = z.area.bbox().0;
        let r = reach(z);
        Some(BBox([a - r, b - r, c + r, d + r]))
    }));
    let one = |i: usize, licence: &PlaneArea| -> Vec<Measured> {
        let mut found: Vec<Measured> = tree
            .query(&licence.bbox())
            .into_iter()
            .filter_map(|z| {
                let zone = &zones[z];
                let overlap = licence.overlap(zone.area);
                if overlap > 0.0 {
                    return Some(Measured {
                        licence: i,
                        zone: z,
                        overlap_m2: overlap,
                        distance_m: 0.0,
                    });
                }
                let distance = licence.distance(zone.area, reach(zone))?;
                (zone.near_counts || distance == 0.0).then_some(Measured {
                    licence: i,
                    zone: z,
                    overlap_m2: 0.0,
                    distance_m: distance,
                })
            })
            .collect();
        found.sort_by_key(|m| m.zone);
        found
    };
    let threads = threads.clamp(1, 64);
    let chunk = licences.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = licences
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let one = &one;
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .filter_map(|(j, l)| Some(one(c * chunk + j, l.as_ref()?)))
                        .flatten()
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a measuring thread does not panic"))
            .collect()
    })
}

/// For each authority type, the authority that governs a place most closely (a soum
/// body over an aimag one over a national one). Two equally close ones of a type leave
/// the type unassigned: which of them owes the duty is not for the toolkit to guess.
pub fn governing<'a>(
    authorities: impl IntoIterator<Item = (&'a str, &'a Authority)>,
    aimag: &Localized,
    soum: &Localized,
) -> BTreeMap<String, Text> {
    let mut best: BTreeMap<&str, (u8, Vec<&str>)> = BTreeMap::new();
    for (id, a) in authorities {
        let Some(level) = a.governs(aimag, soum) else {
            continue;
        };
        let slot = best
            .entry(a.authority_type.as_str())
            .or_insert((level, Vec::new()));
        if level > slot.0 {
            *slot = (level, Vec::new());
        }
        if level == slot.0 {
            slot.1.push(id);
        }
    }
    best.into_iter()
        .filter_map(|(t, (_, ids))| match ids[..] {
            [one] => Some((t.to_owned(), one.into())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Record, RecordKind};

    fn authority(kind: &str, aimag: Option<&str>, soum: Option<&str>) -> Authority {
        let mut p =
            json!({"name": {"en": "x"}, "authority_type": kind, "jurisdiction": {"en": "x"}});
        if let Some(a) = aimag {
            p["aimag"] = json!({"en": a});
        }
        if let Some(s) = soum {
            p["soum"] = json!({"en": s});
        }
        match Record::from_payload(RecordKind::Authority, &p).unwrap() {
            Record::Authority(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_closest_authority_governs_and_a_tie_names_none() {
        let soum = authority("governor", Some("Töv"), Some("Zaamar"));
        let aimag = authority("governor", Some("Töv"), None);
        let national = authority("agency", None, None);
        let other_soum = authority("governor", Some("Töv"), Some("Bornuur"));
        let (a, s) = (Localized::new("", "Töv"), Localized::new("", "Zaamar"));
        let got = governing(
            [
                ("s", &soum),
                ("a", &aimag),
                ("n", &national),
                ("o", &other_soum),
            ],
            &a,
            &s,
        );
        assert_eq!(got.get("governor").map(|t| &**t), Some("s"));
        assert_eq!(got.get("agency").map(|t| &**t), Some("n"));
        let twin = authority("governor", Some("Töv"), Some("Zaamar"));
        let got = governing([("s", &soum), ("t", &twin)], &a, &s);
        assert!(!got.contains_key("governor"), "two soum governors: neither");
    }

    #[test]
    fn a_licence_meets_the_zones_its_area_crosses_and_no_other() {
        let square = |x: f64, y: f64| Polygon {
            rings: vec![vec![
                [x, y],
                [x + 1.0, y],
                [x + 1.0, y + 1.0],
                [x, y + 1.0],
                [x, y],
            ]],
        };
        let zone = |p: Polygon| Zone {
            name: Localized::new("", "z"),
            zone_type: "water-protection".into(),
            code: None,
            aimag: None,
            designated: Some(jiff::civil::date(2015, 1, 1)),
            data_source: None,
            boundary: vec![p],
        };
        let (near, far) = (zone(square(0.5, 0.5)), zone(square(5.0, 5.0)));
        let zones = [
            ScreenZone::new("near", &near, jiff::civil::date(2020, 1, 1)),
            ScreenZone::new("far", &far, jiff::civil::date(2020, 1, 1)),
        ];
        let checks = screen("lic", &[square(0.0, 0.0)], &zones);
        // A licence in two parts meets what either part meets.
        let parts = [square(10.0, 10.0), square(5.2, 5.2)];
        assert_eq!(&*screen("lic", &parts, &zones)[0].id, "far");
        assert_eq!(checks.len(), 1);
        assert_eq!(&*checks[0].id, "near");
        assert_eq!(
            checks[0].date,
            jiff::civil::date(2015, 1, 1),
            "from its designation"
        );
    }
}
