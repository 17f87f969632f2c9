//! Plane geometry on longitude/latitude degrees, enough for the questions the toolkit
//! asks of areas: is a ring simple, does a licence overlap a zone, which soum holds a
//! point. Degrees are treated as plane coordinates, which is exact for these
//! yes-or-no questions as long as no edge crosses the antimeridian (none in Mongolia).

use crate::records::Polygon;

mod area;
mod buffer;
mod project;
mod rtree;
mod valid;

pub use area::PlaneArea;
pub use buffer::{WaterShape, buffer};
pub use project::{Albers, MONGOLIA_PROJ};
pub use rtree::RTree;
pub use valid::{Fix, make_valid};

/// A bounding box: `[min_lon, min_lat, max_lon, max_lat]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox(pub [f64; 4]);

impl BBox {
    pub fn of<'a>(points: impl IntoIterator<Item = &'a [f64; 2]>) -> Option<BBox> {
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in points {
            b = [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ];
        }
        (b[0] <= b[2]).then_some(BBox(b))
    }

    pub fn of_area(area: &[Polygon]) -> Option<BBox> {
        BBox::of(area.iter().filter_map(|p| p.rings.first()).flatten())
    }

    pub fn meets(&self, other: &BBox) -> bool {
        let (a, b) = (self.0, other.0);
        a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
    }
}

fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Whether segments `ab` and `cd` cross at a point inside both (touching at an end or
/// running along each other does not count).
fn cross(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// Whether segments `ab` and `cd` share any point.
fn meet(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let on = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        orient(p, q, r) == 0.0
            && r[0] >= p[0].min(q[0])
            && r[0] <= p[0].max(q[0])
            && r[1] >= p[1].min(q[1])
            && r[1] <= p[1].max(q[1])
    };
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    (d1 * d2 < 0.0 && d3 * d4 < 0.0) || on(c, d, a) || on(c, d, b) || on(a, b, c) || on(a, b, d)
}

/// Where a polygon's edges cross: `(ring, position)` of the two edges' first ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossing {
    pub first: (usize, usize),
    pub second: (usize, usize),
}

/// The first place where two edges of a polygon cross each other (within a ring or
/// between rings), or `None` if its edges only meet at their shared ends.
///
/// A sweep along longitude: edges are sorted by their west end and each is compared
/// with the edges still open, so a soum outline of thousands of points takes
/// milliseconds. Repeated positions are allowed (a zero-length edge crosses nothing).
pub fn first_crossing(polygon: &Polygon) -> Option<Crossing> {
    struct Edge {
        ring: usize,
        pos: usize,
        len: usize,
        a: [f64; 2],
        b: [f64; 2],
        west: f64,
        east: f64,
    }
    let mut edges: Vec<Edge> = Vec::new();
    for (r, ring) in polygon.rings.iter().enumerate() {
        let len = ring.len().saturating_sub(1);
        for (i, w) in ring.windows(2).enumerate() {
            edges.push(Edge {
                ring: r,
                pos: i,
                len,
                a: w[0],
                b: w[1],
                west: w[0][0].min(w[1][0]),
                east: w[0][0].max(w[1][0]),
            });
        }
    }
    edges.sort_by(|x, y| x.west.total_cmp(&y.west));
    let mut open: Vec<usize> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        open.retain(|&j| edges[j].east >= e.west);
        for &j in &open {
            let o = &edges[j];
            if o.ring == e.ring {
                let gap = o.pos.abs_diff(e.pos);
                // Neighbours share an end, and so do the first and the last edge.
                if gap <= 1 || gap == e.len - 1 {
                    continue;
                }
            }
            if cross(o.a, o.b, e.a, e.b) {
                let (p, q) = ((o.ring, o.pos), (e.ring, e.pos));
                return Some(Crossing {
                    first: p.min(q),
                    second: p.max(q),
                });
            }
        }
        open.push(i);
    }
    None
}

/// Whether `p` lies inside `ring` (even-odd rule; a point on the edge may go either way).
pub(crate) fn in_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Whether `p` lies inside the polygon: inside its outline and outside its holes.
pub fn contains(polygon: &Polygon, p: [f64; 2]) -> bool {
    let mut rings = polygon.rings.iter();
    rings.next().is_some_and(|outer| in_ring(p, outer)) && !rings.any(|hole| in_ring(p, hole))
}

/// Whether two areas (each one or more polygons) share any point: an edge of one
/// meets an edge of the other, or one lies inside the other.
pub fn areas_meet(a: &[Polygon], b: &[Polygon]) -> bool {
    a.iter().any(|p| b.iter().any(|q| polygons_meet(p, q)))
}

fn polygons_meet(p: &Polygon, q: &Polygon) -> bool {
    let (Some(bp), Some(bq)) = (
        BBox::of_area(std::slice::from_ref(p)),
        BBox::of_area(std::slice::from_ref(q)),
    ) else {
        return false;
    };
    if !bp.meets(&bq) {
        return false;
    }
    // Edges near the other's box only.
    let near = |ring: &[[f64; 2]], bb: &BBox| -> Vec<([f64; 2], [f64; 2])> {
        ring.windows(2)
            .filter(|w| BBox::of([&w[0], &w[1]]).is_some_and(|e| e.meets(bb)))
            .map(|w| (w[0], w[1]))
            .collect()
    };
    let pe: Vec<_> = p.rings.iter().flat_map(|r| near(r, &bq)).collect();
    let qe: Vec<_> = q.rings.iter().flat_map(|r| near(r, &bp)).collect();
    for &(a, b) in &pe {
        for &(c, d) in &qe {
            if meet(a, b, c, d) {
                return true;
            }
        }
    }
    // No edges meet: either one lies wholly inside the other, or they are apart.
    let first = |x: &Polygon| x.rings.first().and_then(|r| r.first()).copied();
    first(p).is_some_and(|v| contains(q, v)) || first(q).is_some_and(|v| contains(p, v))
}

/// At most `max` positions of a ring, evenly picked, for drawing (the first and last
/// are kept so it stays closed).
pub fn thin(ring: &[[f64; 2]], max: usize) -> Vec<[f64; 2]> {
    if ring.len() <= max || max < 4 {
        return ring.to_vec();
    }
    let step = (ring.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| ring[((i as f64 * step).round() as usize).min(ring.len() - 1)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A polygon from rings of `(x, y)`, for the geometry tests.
    pub(super) fn poly(rings: &[&[(f64, f64)]]) -> Polygon {
        Polygon {
            rings: rings
                .iter()
                .map(|r| r.iter().map(|&(x, y)| [x, y]).collect())
                .collect(),
        }
    }

    const SQUARE: &[(f64, f64)] = &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];

    #[test]
    fn simple_rings_pass_and_a_bowtie_is_found_with_its_edges() {
        assert_eq!(first_crossing(&poly(&[SQUARE])), None);
        // A repeated position is not a crossing.
        let repeated = [
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ];
        assert_eq!(first_crossing(&poly(&[&repeated])), None);
        let bowtie = [(0.0, 0.0), (4.0, 4.0), (4.0, 0.0), (0.0, 4.0), (0.0, 0.0)];
        assert_eq!(
            first_crossing(&poly(&[&bowtie])),
            Some(Crossing {
                first: (0, 0),
                second: (0, 2)
            })
        );
        // A hole poking out of its outline crosses it.
        let hole = [(1.0, 1.0), (5.0, 1.0), (5.0, 2.0), (1.0, 2.0), (1.0, 1.0)];
        let found = first_crossing(&poly(&[SQUARE, &hole])).expect("crossing");
        assert_eq!((found.first.0, found.second.0), (0, 1));
    }

    #[test]
    fn containment_respects_holes() {
        let hole = [(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)];
        let p = poly(&[SQUARE, &hole]);
        assert!(contains(&p, [0.5, 0.5]));
        assert!(!contains(&p, [2.0, 2.0]));
        assert!(!contains(&p, [5.0, 2.0]));
    }

    #[test]
    fn areas_meet_by_crossing_by_containment_and_not_when_apart() {
        let square = poly(&[SQUARE]);
        let crossing = poly(&[&[(3.0, 3.0), (6.0, 3.0), (6.0, 6.0), (3.0, 6.0), (3.0, 3.0)]]);
        let inside = poly(&[&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)]]);
        let apart = poly(&[&[(5.0, 5.0), (6.0, 5.0), (6.0, 6.0), (5.0, 5.0)]]);
        // Boxes meet but the shapes do not: a triangle beyond the square's corner.
        let near = poly(&[&[(4.5, 3.0), (6.0, 3.0), (6.0, 1.0), (4.5, 3.0)]]);
        let touching = poly(&[&[(4.0, 1.0), (6.0, 1.0), (6.0, 2.0), (4.0, 1.0)]]);
        let one = |p: &Polygon| vec![p.clone()];
        assert!(areas_meet(&one(&square), &one(&crossing)));
        assert!(areas_meet(&one(&square), &one(&inside)));
        assert!(areas_meet(&one(&inside), &one(&square)));
        assert!(!areas_meet(&one(&square), &one(&apart)));
        assert!(!areas_meet(&one(&square), &one(&near)));
        assert!(areas_meet(&one(&square), &one(&touching)));
        // Any part of a multi-part area counts.
        assert!(areas_meet(&[apart, square.clone()], &[square]));
    }

    #[test]
    fn thinning_keeps_the_ring_closed() {
        let ring: Vec<[f64; 2]> = (0..=1000)
            .map(|i| {
                let t = (i % 1000) as f64 / 1000.0 * std::f64::consts::TAU;
                [t.cos(), t.sin()]
            })
            .collect();
        let thin = thin(&ring, 100);
        assert_eq!(thin.len(), 100);
        assert_eq!(thin.first(), thin.last());
    }
}
