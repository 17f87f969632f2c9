//! Repairing polygons the way GEOS `MakeValid` (its "linework" method, the one
//! PostGIS's `ST_MakeValid` and shapely's `make_valid` use by default) does: a ring is
//! cut where it meets itself, each loop becomes a shell or a hole by how many other
//! loops hold it (even-odd), and nothing of the drawn area is added or dropped. A ring
//! that touches itself at a corner becomes two shells, or a shell with a hole; a
//! bow-tie becomes its two triangles; an unclosed ring is closed; repeated positions and
//! loops without area go; shells are turned counter-clockwise and holes clockwise, as
//! GeoJSON (RFC 7946) has them.
//!
//! Each repair is said ([`Fix`]), so an import can report it per record: a cadastre's
//! shape is evidence, and a program may not change it silently.

use std::collections::HashMap;

use super::orient;
use crate::records::Polygon;

type P = [f64; 2];

/// What a repair did to a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fix {
    /// A ring's last position was not its first.
    Unclosed,
    /// The same position twice in a row, or a spike going back on itself.
    Repeated,
    /// A ring touched itself at a point: cut there.
    SelfTouching,
    /// A ring crossed itself: cut where it crosses.
    SelfCrossing,
    /// A shell drawn clockwise or a hole counter-clockwise.
    Orientation,
    /// A loop or ring without area (fewer than three distinct positions) left out.
    Collapsed,
}

impl Fix {
    pub fn as_str(self) -> &'static str {
        match self {
            Fix::Unclosed => "unclosed",
            Fix::Repeated => "repeated-positions",
            Fix::SelfTouching => "self-touching",
            Fix::SelfCrossing => "self-crossing",
            Fix::Orientation => "orientation",
            Fix::Collapsed => "collapsed",
        }
    }
}

fn key(p: P) -> (u64, u64) {
    // -0.0 and 0.0 are one position.
    ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits())
}

fn signed_area(ring: &[P]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    ring.windows(2)
        .map(|w| (w[0][0] - o[0]) * (w[1][1] - o[1]) - (w[1][0] - o[0]) * (w[0][1] - o[1]))
        .sum::<f64>()
        / 2.0
}

/// The ring without repeated positions and spikes, closed.
fn clean(ring: &[P], fixes: &mut Vec<Fix>) -> Vec<P> {
    let mut out: Vec<P> = Vec::with_capacity(ring.len() + 1);
    for &p in ring {
        if out.last().is_some_and(|&q| key(q) == key(p)) {
            if out.len() > 1 || ring.len() > 1 {
                fixes.push(Fix::Repeated);
            }
            continue;
        }
        out.push(p);
    }
    if out.len() > 1 && key(out[0]) == key(out[out.len() - 1]) {
        out.pop();
    } else if !ring.is_empty() && ring.first() != ring.last() {
        fixes.push(Fix::Unclosed);
    }
    // Spikes: a → b → a along one line.
    let mut changed = true;
    while changed && out.len() >= 3 {
        changed = false;
        let n = out.len();
        for i in 0..n {
            let (a, b, c) = (out[(i + n - 1) % n], out[i], out[(i + 1) % n]);
            if key(a) == key(b) {
                out.remove(i);
                changed = true;
                break;
            }
            let back = orient(a, b, c) == 0.0
                && (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) < 0.0;
            if back || key(a) == key(c) {
                out.remove(i);
                fixes.push(Fix::Repeated);
                changed = true;
                break;
            }
        }
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    out
}

/// Where segments `ab` and `cd` meet, as a point: a crossing inside both, or an end of
/// one lying on the other. `None` if they do not meet or only run along each other.
fn meeting(a: P, b: P, c: P, d: P) -> Option<(P, bool)> {
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    if d1 * d2 < 0.0 && d3 * d4 < 0.0 {
        let t = d1 / (d1 - d2);
        return Some(([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], true));
    }
    let on = |p: P, q: P, r: P| {
        orient(p, q, r) == 0.0
            && r[0] >= p[0].min(q[0])
            && r[0] <= p[0].max(q[0])
            && r[1] >= p[1].min(q[1])
            && r[1] <= p[1].max(q[1])
    };
    [(c, d, a), (c, d, b), (a, b, c), (a, b, d)]
        .into_iter()
        .find(|&(p, q, r)| on(p, q, r))
        .map(|(_, _, r)| (r, false))
}

/// The ring (closed, clean) cut into simple loops where it meets itself.
fn loops(ring: &[P], fixes: &mut Vec<Fix>) -> Vec<Vec<P>> {
    let n = ring.len() - 1;
    // Points to insert into each edge.
    let mut cuts: Vec<Vec<P>> = vec![Vec::new(); n];
    let mut order: Vec<usize> = (0..n).collect();
    let west = |i: usize| ring[i][0].min(ring[i + 1][0]);
    let east = |i: usize| ring[i][0].max(ring[i + 1][0]);
    order.sort_by(|&x, &y| west(x).total_cmp(&west(y)));
    let mut open: Vec<usize> = Vec::new();
    for &i in &order {
        open.retain(|&j| east(j) >= west(i));
        for &j in &open {
            let gap = i.abs_diff(j);
            if gap == 1 || gap == n - 1 {
                continue;
            }
            if let Some((p, crossing)) = meeting(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                fixes.push(if crossing {
                    Fix::SelfCrossing
                } else {
                    Fix::SelfTouching
                });
                cuts[i].push(p);
                cuts[j].push(p);
            }
        }
        open.push(i);
    }
    // The ring with every meeting point on it.
    let mut seq: Vec<P> = Vec::with_capacity(n * 2);
    for i in 0..n {
        let a = ring[i];
        seq.push(a);
        let mut inner: Vec<P> = cuts[i]
            .iter()
            .copied()
            .filter(|p| key(*p) != key(a) && key(*p) != key(ring[i + 1]))
            .collect();
        let dist = |p: &P| (p[0] - a[0]).powi(2) + (p[1] - a[1]).powi(2);
        inner.sort_by(|x, y| dist(x).total_cmp(&dist(y)));
        inner.dedup_by(|x, y| key(*x) == key(*y));
        seq.extend(inner);
    }
    seq.push(ring[0]);
    // Walk it; each return to a position already on the way closes a loop.
    let mut out = Vec::new();
    let mut stack: Vec<P> = Vec::new();
    let mut at: HashMap<(u64, u64), usize> = HashMap::new();
    for p in seq {
        if let Some(&k) = at.get(&key(p)) {
            let mut lp: Vec<P> = stack.drain(k + 1..).collect();
            for q in &lp {
                at.remove(&key(*q));
            }
            lp.insert(0, stack[k]);
            lp.push(p);
            out.push(lp);
        } else {
            at.insert(key(p), stack.len());
            stack.push(p);
        }
    }
    out
}

/// A point of `inner` to test against `outer`: a position of `inner` that is not one of
/// `outer`'s, else the middle of its first edge.
fn probe(inner: &[P], outer: &[P]) -> P {
    let theirs: std::collections::HashSet<(u64, u64)> = outer.iter().map(|p| key(*p)).collect();
    inner
        .iter()
        .copied()
        .find(|p| !theirs.contains(&key(*p)))
        .unwrap_or([
            (inner[0][0] + inner[1][0]) / 2.0,
            (inner[0][1] + inner[1][1]) / 2.0,
        ])
}

fn in_ring(p: P, ring: &[P]) -> bool {
    super::in_ring(p, ring)
}

/// The polygon made valid, and what was done (empty when it was valid already).
pub fn make_valid(polygon: &Polygon) -> (Vec<Polygon>, Vec<Fix>) {
    let mut fixes = Vec::new();
    let mut all: Vec<(Vec<P>, f64)> = Vec::new();
    for (r, ring) in polygon.rings.iter().enumerate() {
        let cleaned = clean(ring, &mut fixes);
        if cleaned.len() < 4 {
            fixes.push(Fix::Collapsed);
            continue;
        }
        let pieces = loops(&cleaned, &mut fixes);
        for lp in pieces {
            let a = signed_area(&lp);
            if lp.len() < 4 || a == 0.0 {
                fixes.push(Fix::Collapsed);
                continue;
            }
            // A single loop whose turn is wrong for its place (a shell clockwise, a
            // hole counter-clockwise) is turned; loops cut from a ring are placed by
            // nesting below.
            if (r == 0) != (a > 0.0) {
                fixes.push(Fix::Orientation);
            }
            all.push((lp, a.abs()));
        }
    }
    // Each loop's depth: how many other loops hold it.
    let depth: Vec<usize> = (0..all.len())
        .map(|i| {
            (0..all.len())
                .filter(|&j| j != i)
                .filter(|&j| in_ring(probe(&all[i].0, &all[j].0), &all[j].0))
                .count()
        })
        .collect();
    let mut shells: Vec<(usize, Polygon)> = Vec::new();
    for (i, (lp, _)) in all.iter().enumerate() {
        if depth[i].is_multiple_of(2) {
            let mut ring = lp.clone();
            if signed_area(&ring) < 0.0 {
                ring.reverse();
            }
            shells.push((i, Polygon { rings: vec![ring] }));
        }
    }
    for (i, (lp, _)) in all.iter().enumerate() {
        if !depth[i].is_multiple_of(2) {
            // The smallest shell holding it, one level up.
            let holder = shells
                .iter_mut()
                .filter(|(s, _)| depth[*s] + 1 == depth[i])
                .filter(|(s, _)| in_ring(probe(lp, &all[*s].0), &all[*s].0))
                .min_by(|a, b| all[a.0].1.total_cmp(&all[b.0].1));
            if let Some((_, shell)) = holder {
                let mut ring = lp.clone();
                if signed_area(&ring) > 0.0 {
                    ring.reverse();
                }
                shell.rings.push(ring);
            }
        }
    }
    fixes.sort();
    fixes.dedup();
    // Cut loops were placed by nesting: their turn is not a separate repair.
    if fixes.contains(&Fix::SelfCrossing) || fixes.contains(&Fix::SelfTouching) {
        fixes.retain(|f| *f != Fix::Orientation);
    }
    (shells.into_iter().map(|(_, p)| p).collect(), fixes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::tests::poly;

    fn area(ps: &[Polygon]) -> f64 {
        ps.iter()
            .map(|p| p.rings.iter().map(|r| signed_area(r)).sum::<f64>())
            .sum()
    }

    #[test]
    fn a_valid_polygon_is_left_alone() {
        let square = poly(&[&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]]);
        let (out, fixes) = make_valid(&square);
        assert!(fixes.is_empty(), "{fixes:?}");
        assert_eq!(out, vec![square]);
    }

    #[test]
    fn each_kind_of_fault_is_repaired_and_named() {
        // Clockwise and unclosed.
        let (out, fixes) = make_valid(&poly(&[&[(0.0, 0.0), (0.0, 4.0), (4.0, 4.0), (4.0, 0.0)]]));
        assert_eq!(fixes, [Fix::Unclosed, Fix::Orientation]);
        assert_eq!(area(&out), 16.0);
        // A bow-tie: two triangles of 4 each (shapely: MULTIPOLYGON, area 8).
        let (out, fixes) = make_valid(&poly(&[&[
            (0.0, 0.0),
            (4.0, 4.0),
            (4.0, 0.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]]));
        assert_eq!(fixes, [Fix::SelfCrossing]);
        assert_eq!(out.len(), 2);
        assert_eq!(area(&out), 8.0);
        // Touching itself at a corner, the loop outside: two shells.
        let (out, fixes) = make_valid(&poly(&[&[
            (0.0, 0.0),
            (2.0, 0.0),
            (2.0, 2.0),
            (3.0, 2.0),
            (3.0, 3.0),
            (2.0, 3.0),
            (2.0, 2.0),
            (0.0, 2.0),
            (0.0, 0.0),
        ]]));
        assert_eq!(fixes, [Fix::SelfTouching]);
        assert_eq!(out.len(), 2);
        assert_eq!(area(&out), 5.0);
        // Touching itself with the loop inside: a shell with a hole (an "inverted"
        // shell, as ESRI draws holes).
        let (out, fixes) = make_valid(&poly(&[&[
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (2.0, 4.0),
            (1.0, 2.0),
            (3.0, 2.0),
            (2.0, 4.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]]));
        assert_eq!(fixes, [Fix::SelfTouching]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rings.len(), 2);
        assert_eq!(area(&out), 16.0 - 2.0);
        // Repeated positions and a spike.
        let (out, fixes) = make_valid(&poly(&[&[
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (6.0, 4.0),
            (4.0, 4.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]]));
        assert_eq!(fixes, [Fix::Repeated]);
        assert_eq!(area(&out), 16.0);
        assert_eq!(out[0].rings[0].len(), 5);
    }
}
