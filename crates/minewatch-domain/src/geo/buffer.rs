//! The land within a distance of a river, a lake or a spring: the protection zones a
//! pack's widths make of water bodies.
//!
//! Buffers are drawn on the Albers equal-area plane of [`super::Albers::mongolia`]. Its
//! scale differs from the ellipsoid's by at most 0.25% anywhere in Mongolia (PROJ's
//! `get_factors`: 1.0024 along the meridian at 47° N, 0.9980 at 41.5° N), so a 200 m zone
//! is drawn within 0.5 m of its true width. Round ends and bends are polygons whose
//! edges stray less than 1 cm from the arc (areas within 0.01%). The union of overlapping pieces (a river's
//! bends, a lake's bays) is computed by `i_overlay`, the engine `geo` uses for its own
//! buffers.

use i_overlay::mesh::float::outline::offset::OutlineOffset;
use i_overlay::mesh::float::stroke::offset::StrokeOffset;
use i_overlay::mesh::float::style::{LineCap, LineJoin, OutlineStyle, StrokeStyle};

use super::Albers;
use crate::records::Polygon;

type P = [f64; 2];

/// A water body's shape, in longitude and latitude.
#[derive(Debug, Clone, PartialEq)]
pub enum WaterShape {
    /// A river as one line or several (a MultiLineString).
    Lines(Vec<Vec<P>>),
    /// A lake's outline (its islands as holes).
    Area(Vec<Polygon>),
    /// A spring or a well.
    Point(P),
}

/// The step, in radians, between points of a round end or bend of `width` metres: the
/// chord strays at most 1 cm from the arc (`r (1 - cos(θ/2)) ≤ 0.01`).
fn arc_step(width: f64) -> f64 {
    (2.0 * (1.0 - 0.01 / width.max(0.02)).acos()).clamp(0.005, 0.5)
}

fn signed_area(ring: &[P]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - a[1] * b[0]
        })
        .sum::<f64>()
        / 2.0
}

/// An open ring (no repeated last point) with its first point repeated at the end.
fn closed(mut ring: Vec<P>) -> Vec<P> {
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}

/// A ring of the plane without its closing point, turned `ccw` or not.
fn open_plane(ring: &[P], projection: &Albers, ccw: bool) -> Vec<P> {
    let mut pts: Vec<P> = ring.iter().map(|&p| projection.project(p)).collect();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if (signed_area(&pts) > 0.0) != ccw {
        pts.reverse();
    }
    pts
}

/// The land within `metres` of `shape`, as polygons in longitude and latitude (shells
/// counter-clockwise, holes clockwise, rings closed). A lake's zone holds the lake. Empty
/// for a shape with no positions or a width that is not a positive number.
pub fn buffer(shape: &WaterShape, metres: f64, projection: &Albers) -> Vec<Polygon> {
    if !(metres.is_finite() && metres > 0.0) {
        return Vec::new();
    }
    let step = arc_step(metres);
    let shapes: Vec<Vec<Vec<P>>> = match shape {
        WaterShape::Lines(lines) => {
            let paths: Vec<Vec<P>> = lines
                .iter()
                .map(|l| {
                    let mut pts: Vec<P> = l.iter().map(|&p| projection.project(p)).collect();
                    pts.dedup();
                    pts
                })
                .filter(|l| !l.is_empty())
                .collect();
            if paths.is_empty() {
                return Vec::new();
            }
            // A line of one point is a circle: give it a length the stroke can hold.
            let paths: Vec<Vec<P>> = paths
                .into_iter()
                .map(|mut l| {
                    if l.len() == 1 {
                        l.push([l[0][0] + 1e-3, l[0][1]]);
                    }
                    l
                })
                .collect();
            let style = StrokeStyle::new(2.0 * metres)
                .line_join(LineJoin::Round(step))
                .start_cap(LineCap::Round(step))
                .end_cap(LineCap::Round(step));
            paths.stroke_as::<i64>(style, false)
        }
        WaterShape::Area(polygons) => {
            let shapes: Vec<Vec<Vec<P>>> = polygons
                .iter()
                .filter(|p| p.rings.first().is_some_and(|r| r.len() >= 3))
                .map(|p| {
                    p.rings
                        .iter()
                        .enumerate()
                        .map(|(i, r)| open_plane(r, projection, i == 0))
                        .collect()
                })
                .collect();
            if shapes.is_empty() {
                return Vec::new();
            }
            shapes.outline_as::<i64>(&OutlineStyle::new(metres).line_join(LineJoin::Round(step)))
        }
        WaterShape::Point(p) => {
            let c = projection.project(*p);
            let n = ((std::f64::consts::TAU / step).ceil() as usize).max(16);
            let ring = (0..n)
                .map(|i| {
                    let a = std::f64::consts::TAU * i as f64 / n as f64;
                    [c[0] + metres * a.cos(), c[1] + metres * a.sin()]
                })
                .collect();
            vec![vec![ring]]
        }
    };
    shapes
        .into_iter()
        .map(|contours| Polygon {
            rings: contours
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut c = c;
                    if (signed_area(&c) > 0.0) != (i == 0) {
                        c.reverse();
                    }
                    closed(c.into_iter().map(|p| projection.unproject(p)).collect())
                })
                .collect(),
        })
        .filter(|p| p.rings.first().is_some_and(|r| r.len() >= 4))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::PlaneArea;
    use std::f64::consts::PI;

    fn area(polygons: &[Polygon]) -> f64 {
        PlaneArea::new(polygons, &Albers::mongolia()).map_or(0.0, |a| a.area())
    }

    /// A point `dx`, `dy` metres east and north of `origin` on the plane.
    fn at(origin: P, dx: f64, dy: f64) -> P {
        let p = Albers::mongolia();
        let o = p.project(origin);
        p.unproject([o[0] + dx, o[1] + dy])
    }

    #[test]
    fn a_spring_makes_a_disc_of_its_radius() {
        let zone = buffer(
            &WaterShape::Point([106.9, 47.9]),
            200.0,
            &Albers::mongolia(),
        );
        assert_eq!(zone.len(), 1);
        let want = PI * 200.0 * 200.0;
        assert!((area(&zone) - want).abs() / want < 1e-4, "{}", area(&zone));
    }

    #[test]
    fn a_bent_river_makes_one_zone_with_round_ends_and_bends() {
        let o = [106.9, 47.9];
        let river = WaterShape::Lines(vec![vec![o, at(o, 1000.0, 0.0), at(o, 1000.0, 1000.0)]]);
        let zone = buffer(&river, 200.0, &Albers::mongolia());
        assert_eq!(zone.len(), 1, "one piece, the bend's overlap merged");
        assert_eq!(zone[0].rings.len(), 1);
        // Two 1 km legs of 400 m, less the square they share inside the bend, plus a
        // quarter disc outside it and two half discs at the ends.
        let want = 2.0 * 1000.0 * 400.0 - 200.0 * 200.0 + PI * 200.0 * 200.0 * 1.25;
        assert!(
            (area(&zone) - want).abs() / want < 1e-4,
            "{} vs {want}",
            area(&zone)
        );
        let ring = &zone[0].rings[0];
        assert_eq!(ring.first(), ring.last(), "closed");
    }

    #[test]
    fn a_lake_zone_holds_the_lake_and_a_ring_around_it() {
        let o = [100.5, 51.0];
        let lake = Polygon {
            rings: vec![vec![
                o,
                at(o, 0.0, 1000.0),
                at(o, 1000.0, 1000.0),
                at(o, 1000.0, 0.0),
                o,
            ]],
        };
        let zone = buffer(&WaterShape::Area(vec![lake]), 200.0, &Albers::mongolia());
        let want = 1000.0 * 1000.0 + 4.0 * 200.0 * 1000.0 + PI * 200.0 * 200.0;
        assert!(
            (area(&zone) - want).abs() / want < 1e-4,
            "{} vs {want}",
            area(&zone)
        );
    }

    #[test]
    fn nothing_comes_of_no_width_or_no_shape() {
        let p = Albers::mongolia();
        assert!(buffer(&WaterShape::Point([106.9, 47.9]), 0.0, &p).is_empty());
        assert!(buffer(&WaterShape::Point([106.9, 47.9]), f64::NAN, &p).is_empty());
        assert!(buffer(&WaterShape::Lines(vec![]), 200.0, &p).is_empty());
        assert!(buffer(&WaterShape::Area(vec![]), 200.0, &p).is_empty());
    }
}
