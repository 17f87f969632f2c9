//! GeoPackage geometry blobs (OGC 12-128r18, §2.1.3): the `GP` header with the SRS id
//! and the envelope, then ISO Well-Known Binary, little-endian.

use minewatch_domain::records::Polygon;

use super::Geometry;

/// EPSG:4326, WGS 84 longitude/latitude.
pub const WGS84: i32 = 4326;

/// A geometry as a GeoPackage blob (`None` for no geometry: a NULL column).
pub fn gpkg_blob(g: &Geometry) -> Option<Vec<u8>> {
    let bbox = g.bbox()?;
    let mut b = Vec::new();
    b.extend(b"GP");
    b.push(0); // version 1
    // Flags: little-endian (bit 0), envelope [minx, maxx, miny, maxy] (code 1, bits 1–3).
    b.push(0b0000_0011);
    b.extend(WGS84.to_le_bytes());
    for v in [bbox[0], bbox[2], bbox[1], bbox[3]] {
        b.extend(v.to_le_bytes());
    }
    match g {
        Geometry::None => return None,
        Geometry::Point([x, y]) => {
            b.push(1);
            b.extend(1u32.to_le_bytes());
            b.extend(x.to_le_bytes());
            b.extend(y.to_le_bytes());
        }
        Geometry::Polygons(ps) => {
            b.push(1);
            b.extend(6u32.to_le_bytes());
            b.extend((ps.len() as u32).to_le_bytes());
            for p in ps {
                b.push(1);
                b.extend(3u32.to_le_bytes());
                b.extend((p.rings.len() as u32).to_le_bytes());
                for r in &p.rings {
                    b.extend((r.len() as u32).to_le_bytes());
                    for [x, y] in r {
                        b.extend(x.to_le_bytes());
                        b.extend(y.to_le_bytes());
                    }
                }
            }
        }
    }
    Some(b)
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
    little: bool,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let s = self
            .b
            .get(self.at..self.at + n)
            .ok_or("the geometry ends early")?;
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let s: [u8; 4] = self.take(4)?.try_into().expect("4 bytes");
        Ok(if self.little {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }

    fn f64(&mut self) -> Result<f64, String> {
        let s: [u8; 8] = self.take(8)?.try_into().expect("8 bytes");
        Ok(if self.little {
            f64::from_le_bytes(s)
        } else {
            f64::from_be_bytes(s)
        })
    }

    fn order(&mut self) -> Result<(), String> {
        self.little = self.take(1)?[0] == 1;
        Ok(())
    }

    fn count(&mut self) -> Result<usize, String> {
        let n = self.u32()? as usize;
        // No count larger than the bytes left could hold.
        if n > self.b.len() {
            return Err("a count larger than the geometry".into());
        }
        Ok(n)
    }

    fn polygon(&mut self) -> Result<Polygon, String> {
        let rings = self.count()?;
        let mut out = Vec::with_capacity(rings);
        for _ in 0..rings {
            let n = self.count()?;
            let mut ring = Vec::with_capacity(n);
            for _ in 0..n {
                ring.push([self.f64()?, self.f64()?]);
            }
            out.push(ring);
        }
        Ok(Polygon { rings: out })
    }
}

/// A GeoPackage blob (or plain WKB) read back: points, polygons and multipolygons.
pub fn read_gpkg_blob(b: &[u8]) -> Result<Geometry, String> {
    let wkb = if b.starts_with(b"GP") {
        let flags = *b.get(3).ok_or("the geometry ends early")?;
        if flags & 0b1_0000 != 0 {
            return Ok(Geometry::None);
        }
        let envelope = match (flags >> 1) & 0b111 {
            0 => 0,
            1 => 32,
            2 | 3 => 48,
            4 => 64,
            other => return Err(format!("envelope code {other} is not GeoPackage's")),
        };
        b.get(8 + envelope..).ok_or("the geometry ends early")?
    } else {
        b
    };
    let mut c = Cursor {
        b: wkb,
        at: 0,
        little: true,
    };
    c.order()?;
    let kind = c.u32()?;
    if kind > 1000 {
        return Err(format!(
            "geometry type {kind}: heights and measures (Z, M) are not read; save the layer in 2D"
        ));
    }
    match kind {
        1 => Ok(Geometry::Point([c.f64()?, c.f64()?])),
        3 => Ok(Geometry::Polygons(vec![c.polygon()?])),
        6 => {
            let n = c.count()?;
            let mut ps = Vec::with_capacity(n);
            for _ in 0..n {
                c.order()?;
                if c.u32()? != 3 {
                    return Err("a MultiPolygon part that is not a Polygon".into());
                }
                ps.push(c.polygon()?);
            }
            Ok(Geometry::Polygons(ps))
        }
        other => Err(format!(
            "geometry type {other}: expected a point or polygons"
        )),
    }
}
