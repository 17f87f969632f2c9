//! Longitude and latitude to metres on a plane that keeps areas: the Albers equal-area
//! conic projection on the WGS 84 ellipsoid (Snyder, *Map Projections — A Working
//! Manual*, USGS Professional Paper 1395, 1987, pp. 98–103).
//!
//! The parameters suit Mongolia (41.5–52.2° N, 87.7–119.9° E): standard parallels at
//! 43° and 51° N, origin at 47° N 103° E. As a PROJ string (what a GIS uses to check the
//! figures): `+proj=aea +lat_0=47 +lon_0=103 +lat_1=43 +lat_2=51 +datum=WGS84 +units=m`.
//! Areas are exact on the ellipsoid for shapes drawn with straight edges on this plane;
//! an edge a few kilometres long bends by centimetres between the projections a GIS
//! may use, far below what the cadastre's coordinates say.

/// The PROJ definition of [`Albers::MONGOLIA`], for scripts that check the figures.
pub const MONGOLIA_PROJ: &str =
    "+proj=aea +lat_0=47 +lon_0=103 +lat_1=43 +lat_2=51 +datum=WGS84 +units=m +no_defs";

/// An Albers equal-area conic projection on the WGS 84 ellipsoid.
#[derive(Debug, Clone, Copy)]
pub struct Albers {
    lon0: f64,
    n: f64,
    c: f64,
    rho0: f64,
}

const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;

fn e2() -> f64 {
    F * (2.0 - F)
}

/// Snyder's q (eq. 3-12).
fn q(phi: f64) -> f64 {
    let e2 = e2();
    let e = e2.sqrt();
    let s = phi.sin();
    (1.0 - e2) * (s / (1.0 - e2 * s * s) - (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln())
}

/// Snyder's m (eq. 14-15).
fn m(phi: f64) -> f64 {
    let s = phi.sin();
    phi.cos() / (1.0 - e2() * s * s).sqrt()
}

impl Albers {
    /// Standard parallels `lat1`, `lat2`, origin `lat0`, `lon0`, in degrees.
    pub fn new(lat0: f64, lon0: f64, lat1: f64, lat2: f64) -> Albers {
        let (p0, p1, p2) = (lat0.to_radians(), lat1.to_radians(), lat2.to_radians());
        let (m1, m2) = (m(p1), m(p2));
        let (q0, q1, q2) = (q(p0), q(p1), q(p2));
        let n = (m1 * m1 - m2 * m2) / (q2 - q1);
        let c = m1 * m1 + n * q1;
        let rho0 = A * (c - n * q0).sqrt() / n;
        Albers {
            lon0: lon0.to_radians(),
            n,
            c,
            rho0,
        }
    }

    /// The projection for Mongolia (see the module's documentation).
    pub fn mongolia() -> Albers {
        Albers::new(47.0, 103.0, 43.0, 51.0)
    }

    /// `[lon, lat]` in degrees to `[x, y]` in metres.
    pub fn project(&self, [lon, lat]: [f64; 2]) -> [f64; 2] {
        let rho = A * (self.c - self.n * q(lat.to_radians())).sqrt() / self.n;
        let theta = self.n * (lon.to_radians() - self.lon0);
        [rho * theta.sin(), self.rho0 - rho * theta.cos()]
    }

    /// `[x, y]` in metres back to `[lon, lat]` in degrees (Snyder eqs. 14-8 to 14-11;
    /// the latitude from q by eq. 3-16, iterated).
    pub fn unproject(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let (dy, n) = (self.rho0 - y, self.n);
        let sign = n.signum();
        let rho = (x * x + dy * dy).sqrt() * sign;
        let theta = (x * sign).atan2(dy * sign);
        let q_target = (self.c - (rho * n / A).powi(2)) / n;
        let (e2, e) = (e2(), e2().sqrt());
        let mut phi = (q_target / 2.0).clamp(-1.0, 1.0).asin();
        for _ in 0..15 {
            let s = phi.sin();
            let w = 1.0 - e2 * s * s;
            let next = phi
                + w * w / (2.0 * phi.cos())
                    * (q_target / (1.0 - e2) - s / w
                        + (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln());
            let done = (next - phi).abs() < 1e-13;
            phi = next;
            if done {
                break;
            }
        }
        [(self.lon0 + theta / n).to_degrees(), phi.to_degrees()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_agrees_with_proj() {
        // pyproj 3.7 (PROJ 9), `Transformer.from_crs("EPSG:4326", MONGOLIA_PROJ,
        // always_xy=True)`, gave these.
        let p = Albers::mongolia();
        for (ll, want) in [
            ([103.0, 47.0], [0.0, 0.0]),
            ([106.9, 47.9], [290_798.37, 107_525.02]),
            ([90.0, 50.0], [-926_748.83, 411_157.73]),
            ([119.0, 42.0], [1_318_110.32, -421_502.15]),
        ] {
            let got = p.project(ll);
            assert!(
                (got[0] - want[0]).abs() < 0.05 && (got[1] - want[1]).abs() < 0.05,
                "{ll:?}: {got:?}, PROJ says {want:?}"
            );
            let back = p.unproject(got);
            assert!(
                (back[0] - ll[0]).abs() < 1e-9 && (back[1] - ll[1]).abs() < 1e-9,
                "{ll:?} came back as {back:?}"
            );
        }
    }
}
