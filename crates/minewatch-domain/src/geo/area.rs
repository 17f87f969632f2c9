//! Areas in square metres: an area's own size, the size of two areas' overlap, and the
//! distance between them, on the equal-area plane of [`super::project`].
//!
//! The overlap is measured without building it: by Green's theorem, the area of
//! `A ∩ B` is the sum over its boundary of `(x₁y₂ − x₂y₁)/2`, and that boundary is the
//! part of A's boundary inside B and the part of B's boundary inside A (where the two
//! run along each other the same way, that stretch is counted once). Each edge is cut
//! where the other area's edges meet it, and each piece is kept or left by whether its
//! middle lies inside the other area. Edges are found through bands of latitude, so a
//! soum outline of thousands of points costs only the edges near the licence.

use super::BBox;
use super::project::Albers;
use crate::records::Polygon;

type P = [f64; 2];

/// Two points closer than this (in metres) are one: far below what a surveyed corner
/// says, far above the rounding of a projection.
const TOLERANCE: f64 = 1e-6;

/// An area on the equal-area plane, ready to measure: shells counter-clockwise, holes
/// clockwise, and its edges indexed by bands of `y`.
#[derive(Debug, Clone)]
pub struct PlaneArea {
    edges: Vec<(P, P)>,
    bbox: BBox,
    y0: f64,
    band: f64,
    bands: Vec<Vec<u32>>,
    area: f64,
}

fn cross(a: P, b: P) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

fn sub(a: P, b: P) -> P {
    [a[0] - b[0], a[1] - b[1]]
}

fn dot(a: P, b: P) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

fn signed_area(ring: &[P]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    ring.windows(2)
        .map(|w| cross(sub(w[0], o), sub(w[1], o)))
        .sum::<f64>()
        / 2.0
}

impl PlaneArea {
    /// An area (one polygon or several) in longitude and latitude, projected. `None` for
    /// an area without a ring.
    pub fn new(area: &[Polygon], projection: &Albers) -> Option<PlaneArea> {
        PlaneArea::with(area, |p| projection.project(p))
    }

    /// An area whose positions `project` takes to the plane.
    fn with(area: &[Polygon], project: impl Fn(P) -> P) -> Option<PlaneArea> {
        let mut edges = Vec::new();
        let mut total = 0.0;
        for polygon in area {
            for (r, ring) in polygon.rings.iter().enumerate() {
                let mut pts: Vec<P> = ring.iter().map(|&p| project(p)).collect();
                let a = signed_area(&pts);
                // Shells turn left, holes right, whatever the file said.
                if (r == 0) != (a > 0.0) {
                    pts.reverse();
                }
                total += a.abs() * if r == 0 { 1.0 } else { -1.0 };
                edges.extend(pts.windows(2).map(|w| (w[0], w[1])));
            }
        }
        let bbox = BBox::of(edges.iter().map(|(a, _)| a))?;
        let [_, y0, _, y1] = bbox.0;
        let count = (edges.len() / 4).clamp(1, 4096);
        let band = ((y1 - y0) / count as f64).max(f64::MIN_POSITIVE);
        let mut this = PlaneArea {
            edges,
            bbox,
            y0,
            band,
            bands: vec![Vec::new(); count],
            area: total,
        };
        for i in 0..this.edges.len() {
            let (a, b) = this.edges[i];
            let (lo, hi) = (this.band_of(a[1].min(b[1])), this.band_of(a[1].max(b[1])));
            for slot in &mut this.bands[lo..=hi] {
                slot.push(i as u32);
            }
        }
        Some(this)
    }

    /// Its size in square metres.
    pub fn area(&self) -> f64 {
        self.area
    }

    pub fn bbox(&self) -> BBox {
        self.bbox
    }

    fn band_of(&self, y: f64) -> usize {
        (((y - self.y0) / self.band).floor().max(0.0) as usize).min(self.bands.len() - 1)
    }

    /// Each edge whose box meets `b`, once.
    fn edges_near(&self, b: &BBox) -> impl Iterator<Item = (P, P)> + '_ {
        let [x0, y0, x1, y1] = b.0;
        let (lo, hi) = (self.band_of(y0), self.band_of(y1));
        (lo..=hi).flat_map(move |band| {
            self.bands[band].iter().filter_map(move |&i| {
                let (a, c) = self.edges[i as usize];
                // An edge in several bands is given by the first one the query reaches.
                let first = self.band_of(a[1].min(c[1])).max(lo);
                (first == band
                    && a[0].min(c[0]) <= x1
                    && a[0].max(c[0]) >= x0
                    && a[1].min(c[1]) <= y1
                    && a[1].max(c[1]) >= y0)
                    .then_some((a, c))
            })
        })
    }

    /// Whether `p` is inside (even-odd over every ring).
    pub fn contains(&self, p: P) -> bool {
        if !self.bbox.meets(&BBox([p[0], p[1], p[0], p[1]])) {
            return false;
        }
        let mut inside = false;
        for &i in &self.bands[self.band_of(p[1])] {
            let (a, b) = self.edges[i as usize];
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// The area, in square metres, that this and `other` share.
    pub fn overlap(&self, other: &PlaneArea) -> f64 {
        if !self.bbox.meets(&other.bbox) {
            return 0.0;
        }
        let origin = [self.bbox.0[0], self.bbox.0[1]];
        let twice =
            inside_part(self, other, origin, true) + inside_part(other, self, origin, false);
        (twice / 2.0).max(0.0)
    }

    /// The shortest distance in metres between the two areas' boundaries, 0 when they
    /// meet or one holds the other; `None` when farther apart than `within`.
    pub fn distance(&self, other: &PlaneArea, within: f64) -> Option<f64> {
        let grow = |b: BBox| {
            BBox([
                b.0[0] - within,
                b.0[1] - within,
                b.0[2] + within,
                b.0[3] + within,
            ])
        };
        if !grow(self.bbox).meets(&other.bbox) {
            return None;
        }
        let mut best = f64::INFINITY;
        for (a, b) in self.edges_near(&grow(other.bbox)) {
            let near = BBox([
                a[0].min(b[0]) - within,
                a[1].min(b[1]) - within,
                a[0].max(b[0]) + within,
                a[1].max(b[1]) + within,
            ]);
            for (c, d) in other.edges_near(&near) {
                best = best.min(segment_distance(a, b, c, d));
                if best == 0.0 {
                    return Some(0.0);
                }
            }
        }
        let first = |x: &PlaneArea| x.edges.first().map(|e| e.0);
        if first(self).is_some_and(|p| other.contains(p))
            || first(other).is_some_and(|p| self.contains(p))
        {
            return Some(0.0);
        }
        (best <= within).then_some(best)
    }
}

/// Twice the signed area swept by the pieces of `x`'s boundary inside `y`. Pieces that
/// run along `y`'s boundary count only from the first area (`first`), and only when
/// both boundaries run the same way there.
fn inside_part(x: &PlaneArea, y: &PlaneArea, o: P, first: bool) -> f64 {
    let mut sum = 0.0;
    let mut cuts: Vec<f64> = Vec::new();
    let mut along: Vec<(f64, f64, bool)> = Vec::new();
    for (p, q) in x.edges_near(&y.bbox) {
        let d = sub(q, p);
        let len2 = dot(d, d);
        if len2 == 0.0 {
            continue;
        }
        cuts.clear();
        along.clear();
        cuts.extend([0.0, 1.0]);
        let edge_box = BBox([
            p[0].min(q[0]) - TOLERANCE,
            p[1].min(q[1]) - TOLERANCE,
            p[0].max(q[0]) + TOLERANCE,
            p[1].max(q[1]) + TOLERANCE,
        ]);
        for (r, s) in y.edges_near(&edge_box) {
            let e = sub(s, r);
            let denom = cross(d, e);
            let rp = sub(r, p);
            let len = len2.sqrt();
            if denom.abs() <= 1e-12 * len * dot(e, e).sqrt()
                || cross(d, rp).abs() / len <= TOLERANCE
                    && cross(d, sub(s, p)).abs() / len <= TOLERANCE
            {
                // Parallel: along the same line or apart.
                if cross(d, rp).abs() / len > TOLERANCE
                    || cross(d, sub(s, p)).abs() / len > TOLERANCE
                {
                    continue;
                }
                let (t0, t1) = (dot(rp, d) / len2, dot(sub(s, p), d) / len2);
                let (lo, hi) = (t0.min(t1).max(0.0), t0.max(t1).min(1.0));
                if hi > lo {
                    cuts.extend([lo, hi]);
                    along.push((lo, hi, dot(d, e) > 0.0));
                }
                continue;
            }
            let t = cross(rp, e) / denom;
            let u = cross(rp, d) / denom;
            let slack = TOLERANCE / len;
            if (-slack..=1.0 + slack).contains(&t) && (-1e-12..=1.0 + 1e-12).contains(&u) {
                cuts.push(t.clamp(0.0, 1.0));
            }
        }
        cuts.sort_by(f64::total_cmp);
        for w in cuts.windows(2) {
            let (ta, tb) = (w[0], w[1]);
            if tb <= ta {
                continue;
            }
            let mid = (ta + tb) / 2.0;
            let keep = match along.iter().find(|(lo, hi, _)| *lo <= mid && mid <= *hi) {
                Some(&(_, _, same_way)) => first && same_way,
                None => y.contains([p[0] + mid * d[0], p[1] + mid * d[1]]),
            };
            if keep {
                let a = [p[0] + ta * d[0] - o[0], p[1] + ta * d[1] - o[1]];
                let b = [p[0] + tb * d[0] - o[0], p[1] + tb * d[1] - o[1]];
                sum += cross(a, b);
            }
        }
    }
    sum
}

fn point_segment(p: P, a: P, b: P) -> f64 {
    let d = sub(b, a);
    let len2 = dot(d, d);
    let t = if len2 == 0.0 {
        0.0
    } else {
        (dot(sub(p, a), d) / len2).clamp(0.0, 1.0)
    };
    let c = [a[0] + t * d[0], a[1] + t * d[1]];
    dot(sub(p, c), sub(p, c)).sqrt()
}

fn segment_distance(a: P, b: P, c: P, d: P) -> f64 {
    let (d1, d2) = (cross(sub(b, a), sub(c, a)), cross(sub(b, a), sub(d, a)));
    let (d3, d4) = (cross(sub(d, c), sub(a, c)), cross(sub(d, c), sub(b, c)));
    if d1 * d2 < 0.0 && d3 * d4 < 0.0 {
        return 0.0;
    }
    point_segment(a, c, d)
        .min(point_segment(b, c, d))
        .min(point_segment(c, a, b))
        .min(point_segment(d, a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shape drawn by hand on the plane, in metres.
    fn plane(rings: &[&[(f64, f64)]]) -> PlaneArea {
        let polygon = Polygon {
            rings: rings
                .iter()
                .map(|r| r.iter().map(|&(x, y)| [x, y]).collect())
                .collect(),
        };
        PlaneArea::with(&[polygon], |p| p).expect("rings")
    }

    const SQUARE: &[(f64, f64)] = &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn overlaps_are_measured_in_every_arrangement() {
        let square = plane(&[SQUARE]);
        assert!(close(square.area(), 16.0));
        // Crossing corners: a 1×1 overlap, either order, either ring direction.
        let corner = plane(&[&[(3.0, 3.0), (3.0, 6.0), (6.0, 6.0), (6.0, 3.0), (3.0, 3.0)]]);
        assert!(close(square.overlap(&corner), 1.0));
        assert!(close(corner.overlap(&square), 1.0));
        // One inside the other.
        let inner = plane(&[&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)]]);
        assert!(close(square.overlap(&inner), 1.0));
        assert!(close(inner.overlap(&square), 1.0));
        // A hole takes its part away.
        let holed = plane(&[
            SQUARE,
            &[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)],
        ]);
        assert!(close(holed.area(), 12.0));
        assert!(close(holed.overlap(&inner), 0.0));
        assert!(
            close(holed.overlap(&corner), 1.0),
            "{}",
            holed.overlap(&corner)
        );
        let over_hole = plane(&[&[(2.0, 2.0), (6.0, 2.0), (6.0, 6.0), (2.0, 6.0), (2.0, 2.0)]]);
        assert!(close(holed.overlap(&over_hole), 3.0));
        assert!(close(over_hole.overlap(&holed), 3.0));
        // Sharing an edge the same way (a strip inside along the bottom) and the
        // opposite way (a neighbour below).
        let strip = plane(&[&[(0.0, 0.0), (4.0, 0.0), (4.0, 1.0), (0.0, 1.0), (0.0, 0.0)]]);
        assert!(close(square.overlap(&strip), 4.0));
        assert!(close(strip.overlap(&square), 4.0));
        let below = plane(&[&[
            (0.0, -1.0),
            (4.0, -1.0),
            (4.0, 0.0),
            (0.0, 0.0),
            (0.0, -1.0),
        ]]);
        assert!(close(square.overlap(&below), 0.0));
        // A triangle across the square's corner, with a vertex on its edge.
        let wedge = plane(&[&[(2.0, 4.0), (6.0, 0.0), (6.0, 4.0), (2.0, 4.0)]]);
        assert!(close(square.overlap(&wedge), 2.0));
        // The same square: all of it.
        assert!(close(square.overlap(&plane(&[SQUARE])), 16.0));
    }

    #[test]
    fn distances_are_zero_when_meeting_and_none_beyond_reach() {
        let square = plane(&[SQUARE]);
        let apart = plane(&[&[(7.0, 0.0), (9.0, 0.0), (9.0, 4.0), (7.0, 4.0), (7.0, 0.0)]]);
        assert_eq!(square.distance(&apart, 10.0), Some(3.0));
        assert_eq!(square.distance(&apart, 2.0), None);
        let inner = plane(&[&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)]]);
        assert_eq!(square.distance(&inner, 10.0), Some(0.0));
    }

    #[test]
    fn a_square_degree_has_the_area_a_gis_gives_it() {
        // 106–107° E, 47–48° N. shapely 2.1 on the corners projected by pyproj 3.7 with
        // MONGOLIA_PROJ: 8,376,406,155.5 m². The zone of the ellipsoid between those
        // parallels and meridians (authalic latitude, closed form) is 8,376,632,528 m²:
        // 0.003% more, the parallels being arcs on the plane, not the chords drawn.
        let p = Polygon {
            rings: vec![vec![
                [106.0, 47.0],
                [107.0, 47.0],
                [107.0, 48.0],
                [106.0, 48.0],
                [106.0, 47.0],
            ]],
        };
        let a = PlaneArea::new(&[p], &Albers::mongolia()).unwrap();
        assert!((a.area() - 8_376_406_155.5).abs() < 5.0, "{} m²", a.area());
        assert!((a.area() / 8_376_632_528.0 - 1.0).abs() < 1e-4);
    }
}
