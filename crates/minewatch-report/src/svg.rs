//! Maps as SVG: outlines and points in degrees, drawn north up in an equirectangular
//! projection scaled by the cosine of the middle latitude, so that areas keep their
//! shape. Text comes in already translated; everything written is escaped.

/// A shape to draw: an outline in (lon, lat) degrees.
#[derive(Debug, Clone)]
pub struct MapShape {
    pub ring: Vec<(f64, f64)>,
    /// What a pointer over it says (a `<title>`).
    pub title: String,
    /// Where it links to (not for the main shape, which is the page itself).
    pub href: Option<String>,
    pub layer: Layer,
}

/// What a shape is, bottom to top as drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// The soum (or the zone a zone page is about): the map's extent.
    Ground,
    /// A protection zone: drawn, but it does not widen the map (it may be vast).
    Zone,
    Other,
    Main,
}

impl Layer {
    fn class(self) -> &'static str {
        match self {
            Layer::Ground => "map-soum",
            Layer::Zone => "map-zone",
            Layer::Other => "map-other",
            Layer::Main => "map-licence",
        }
    }
}

/// A labelled point (a community's centre).
#[derive(Debug, Clone)]
pub struct MapDot {
    pub at: (f64, f64),
    pub title: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Draws shapes and dots into a 480×320 SVG labelled `label`. Zones do not widen the
/// map; what lies outside it is cut off. `None` when there is nothing to draw.
pub fn map(shapes: &[MapShape], dots: &[MapDot], label: &str) -> Option<String> {
    let points = shapes
        .iter()
        .filter(|s| s.layer != Layer::Zone)
        .flat_map(|s| s.ring.iter().copied())
        .chain(dots.iter().map(|d| d.at));
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 > x1 {
        return None;
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
    let (w, h) = (480.0, 320.0);
    let span_x = ((x1 - x0) * k).max(1e-4);
    let span_y = (y1 - y0).max(1e-4);
    let scale = ((w - 40.0) / span_x).min((h - 40.0) / span_y);
    let ox = (w - span_x * scale) / 2.0;
    let oy = (h - span_y * scale) / 2.0;
    let at = |(x, y): (f64, f64)| {
        (
            ox + (x - x0) * k * scale,
            // North up: latitude grows upwards, SVG's y downwards.
            h - (oy + (y - y0) * scale),
        )
    };
    let mut out = format!(
        "<svg class=\"licence-map\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(label)
    );
    out.push_str(&format!(
        "<rect width=\"{w}\" height=\"{h}\" class=\"map-ground\"/>"
    ));
    // The soum at the bottom, the licence itself on top.
    let mut ordered: Vec<&MapShape> = shapes.iter().collect();
    ordered.sort_by_key(|s| s.layer);
    for s in ordered {
        let pts: Vec<String> = s
            .ring
            .iter()
            .map(|p| {
                let (x, y) = at(*p);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let class = s.layer.class();
        let polygon = format!(
            "<polygon class=\"{class}\" points=\"{}\"><title>{}</title></polygon>",
            pts.join(" "),
            escape(&s.title)
        );
        match &s.href {
            Some(h) if s.layer != Layer::Main => {
                out.push_str(&format!("<a href=\"{}\">{polygon}</a>", escape(h)))
            }
            _ => out.push_str(&polygon),
        }
    }
    for d in dots {
        let (x, y) = at(d.at);
        out.push_str(&format!(
            "<circle class=\"map-community\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"><title>{}</title></circle><text class=\"map-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            escape(&d.title),
            x + 6.0,
            y + 4.0,
            escape(&d.title)
        ));
    }
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_fits_every_shape_with_north_up_and_escapes_titles() {
        let square = vec![
            (104.0, 48.0),
            (104.1, 48.0),
            (104.1, 48.1),
            (104.0, 48.1),
            (104.0, 48.0),
        ];
        let svg = map(
            &[MapShape {
                ring: square,
                title: "<MV-1>".into(),
                href: None,
                layer: Layer::Main,
            }],
            &[MapDot {
                at: (104.05, 48.2),
                title: "Bagh \"3\"".into(),
            }],
            "map",
        )
        .unwrap();
        assert!(
            svg.contains("&lt;MV-1&gt;") && svg.contains("Bagh &quot;3&quot;"),
            "{svg}"
        );
        // The community north of the licence is drawn above it (smaller y).
        let cy: f64 = svg
            .split("cy=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let pts = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let ys: Vec<f64> = pts
            .split(' ')
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert!(ys.iter().all(|y| *y > cy), "{svg}");
        assert!(
            ys.iter()
                .chain([cy].iter())
                .all(|y| (0.0..=320.0).contains(y)),
            "{svg}"
        );
    }
}
