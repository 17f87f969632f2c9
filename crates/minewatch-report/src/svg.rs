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

/// The words a map shows, in the reader's language.
#[derive(Debug, Clone, Default)]
pub struct MapText {
    /// The north arrow's letter ("N", "Х").
    pub north: String,
    /// The unit after the scale bar's length ("km", "км").
    pub km: String,
    /// What each layer drawn is, for the legend (layers not drawn are left out).
    pub legend: Vec<(Layer, String)>,
    /// What the dots are (communities), for the legend.
    pub dots: Option<String>,
}

/// Other shapes labelled on the map at most (the largest on it).
const MAX_LABELS: usize = 6;

/// The scale bar's length in km: the longest of 1, 2 and 5 times a power of ten that
/// takes at most `max_px` pixels at `px_per_km`.
fn scale_length(px_per_km: f64, max_px: f64) -> f64 {
    let mut best = 0.01;
    for exp in -2..5 {
        for m in [1.0, 2.0, 5.0] {
            let km = m * 10f64.powi(exp);
            if km * px_per_km <= max_px {
                best = km;
            }
        }
    }
    best
}

fn number(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A map's scale bar (bottom left) and north arrow (top right). `scale` is pixels per
/// degree of latitude, which is 111.32 km (to 0.5% anywhere).
fn furniture(out: &mut String, (w, h): (f64, f64), scale: f64, text: &MapText) {
    let px_per_km = scale / 111.32;
    let km = scale_length(px_per_km, 110.0);
    let len = km * px_per_km;
    let (sx, sy) = (12.0, h - 12.0);
    out.push_str(&format!(
        "<g class=\"map-scale\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"22\" class=\"map-box\"/><path d=\"M{sx:.1},{:.1} V{sy:.1} H{:.1} V{:.1}\"/><text x=\"{sx:.1}\" y=\"{:.1}\">{} {}</text></g>",
        sx - 4.0,
        sy - 18.0,
        len.max(40.0) + 8.0,
        sy - 5.0,
        sx + len,
        sy - 5.0,
        sy - 8.0,
        number(km),
        escape(&text.km)
    ));
    let nx = w - 22.0;
    out.push_str(&format!(
        "<g class=\"map-north\"><path d=\"M{nx:.1},10 l7,18 l-7,-5 l-7,5 z\"/><text x=\"{nx:.1}\" y=\"42\" text-anchor=\"middle\">{}</text></g>",
        escape(&text.north)
    ));
}

/// A legend in the bottom right corner: each entry's swatch (SVG markup) and label.
fn legend_box(out: &mut String, (w, h): (f64, f64), entries: &[(String, &str)]) {
    if entries.is_empty() {
        return;
    }
    let widest = entries
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let bw = 26.0 + widest * 7.0;
    let bh = 8.0 + 15.0 * entries.len() as f64;
    let (bx, by) = (w - bw - 6.0, h - bh - 6.0);
    out.push_str(&format!(
        "<g class=\"map-legend\"><rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" class=\"map-box\"/>"
    ));
    for (i, (swatch, l)) in entries.iter().enumerate() {
        let y = by + 6.0 + 15.0 * i as f64;
        out.push_str(&format!(
            "<g transform=\"translate({:.1},{y:.1})\">{swatch}<text x=\"17\" y=\"9\">{}</text></g>",
            bx + 5.0,
            escape(l)
        ));
    }
    out.push_str("</g>");
}

/// Draws shapes and dots into a 480×320 SVG labelled `label`, north up, with a scale
/// bar, a north arrow, a legend and the largest other shapes named. Zones do not widen
/// the map; what lies outside it is cut off. `None` when there is nothing to draw.
pub fn map(shapes: &[MapShape], dots: &[MapDot], label: &str, text: &MapText) -> Option<String> {
    let bounds = |points: &mut dyn Iterator<Item = (f64, f64)>| {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        (x0 <= x1).then_some((x0, y0, x1, y1))
    };
    let all = bounds(
        &mut shapes
            .iter()
            .filter(|s| s.layer != Layer::Zone)
            .flat_map(|s| s.ring.iter().copied())
            .chain(dots.iter().map(|d| d.at)),
    )?;
    // A licence is framed: the map shows it with room around (half again its size on
    // each side, at least 1.5 km), the soum and neighbours as far as they reach, and
    // the whole soum in an inset.
    let main = bounds(
        &mut shapes
            .iter()
            .filter(|s| s.layer == Layer::Main)
            .flat_map(|s| s.ring.iter().copied()),
    );
    let framed = main.map(|(a, b, c, d)| {
        let k = ((b + d) / 2.0).to_radians().cos().max(0.1);
        let pad_y = ((d - b).max((c - a) * k) * 1.5).max(1.5 / 111.32);
        let pad_x = pad_y / k;
        (
            (a - pad_x).max(all.0),
            (b - pad_y).max(all.1),
            (c + pad_x).min(all.2),
            (d + pad_y).min(all.3),
        )
    });
    let (x0, y0, x1, y1) = framed.unwrap_or(all);
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
    // The largest other shapes, named where they are.
    let mut others: Vec<(f64, (f64, f64), &str)> = shapes
        .iter()
        .filter(|s| s.layer == Layer::Other && !s.title.is_empty())
        .filter_map(|s| {
            let pts: Vec<(f64, f64)> = s.ring.iter().map(|p| at(*p)).collect();
            let (mut a, mut b, mut c, mut d) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for (x, y) in &pts {
                (a, b, c, d) = (a.min(*x), b.min(*y), c.max(*x), d.max(*y));
            }
            let centre = ((a + c) / 2.0, (b + d) / 2.0);
            let inside = (0.0..w).contains(&centre.0) && (0.0..h).contains(&centre.1);
            inside.then_some(((c - a) * (d - b), centre, s.title.as_str()))
        })
        .collect();
    others.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut named: Vec<&str> = Vec::new();
    for (_, (x, y), title) in others {
        if named.len() >= MAX_LABELS || named.contains(&title) {
            continue;
        }
        named.push(title);
        out.push_str(&format!(
            "<text class=\"map-label map-label-other\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{}</text>",
            escape(title)
        ));
    }
    // The inset, top left: everything, with the frame of the map marked.
    let cut = framed.is_some_and(|f| f != all);
    if cut {
        let (iw, ih) = (110.0, 80.0);
        let ik = ((all.1 + all.3) / 2.0).to_radians().cos().max(0.1);
        let isx = ((all.2 - all.0) * ik).max(1e-4);
        let isy = (all.3 - all.1).max(1e-4);
        let is = ((iw - 8.0) / isx).min((ih - 8.0) / isy);
        let (iox, ioy) = (6.0 + (iw - isx * is) / 2.0, 6.0 + (ih - isy * is) / 2.0);
        let iat = |(x, y): (f64, f64)| {
            (
                iox + (x - all.0) * ik * is,
                ioy + ih - 8.0 - (y - all.1) * is,
            )
        };
        out.push_str(&format!(
            "<g class=\"map-inset\"><rect x=\"2\" y=\"2\" width=\"{iw}\" height=\"{ih}\" class=\"map-box\"/>"
        ));
        for s in shapes
            .iter()
            .filter(|s| matches!(s.layer, Layer::Ground | Layer::Main))
        {
            let pts: Vec<String> = s
                .ring
                .iter()
                .map(|p| {
                    let (x, y) = iat(*p);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            out.push_str(&format!(
                "<polygon class=\"{} inset\" points=\"{}\"/>",
                s.layer.class(),
                pts.join(" ")
            ));
        }
        let (fx0, fy1) = iat((x0, y0));
        let (fx1, fy0) = iat((x1, y1));
        out.push_str(&format!(
            "<rect class=\"map-frame\" x=\"{fx0:.1}\" y=\"{fy0:.1}\" width=\"{:.1}\" height=\"{:.1}\"/></g>",
            (fx1 - fx0).max(2.0),
            (fy1 - fy0).max(2.0)
        ));
    }
    furniture(&mut out, (w, h), scale, text);
    // Legend, bottom right: what is drawn.
    let mut entries: Vec<(String, &str)> = text
        .legend
        .iter()
        .filter(|(layer, _)| shapes.iter().any(|s| s.layer == *layer))
        .map(|(layer, l)| {
            (
                // `swatch` too: a legend's key is not one of the shapes drawn.
                format!(
                    "<rect width=\"12\" height=\"9\" class=\"{} swatch\"/>",
                    layer.class()
                ),
                l.as_str(),
            )
        })
        .collect();
    if let Some(d) = text.dots.as_deref().filter(|_| !dots.is_empty()) {
        entries.push((
            "<circle cx=\"6\" cy=\"4.5\" r=\"4\" class=\"map-community swatch\"/>".into(),
            d,
        ));
    }
    legend_box(&mut out, (w, h), &entries);
    out.push_str("</svg>");
    Some(out)
}

/// A square of the national map: its south-west corner and size in degrees, the class
/// it is coloured by, and what a pointer over it says.
#[derive(Debug, Clone)]
pub struct OverviewCell {
    pub at: (f64, f64),
    pub size: f64,
    pub class: String,
    pub title: String,
}

/// The national map: outlines (aimags) and squares of licences, 600×300, north up,
/// with a scale bar, a north arrow and a legend of `(class, label)`.
pub fn overview(
    outlines: &[Vec<(f64, f64)>],
    cells: &[OverviewCell],
    label: &str,
    text: &MapText,
    legend: &[(String, String)],
) -> Option<String> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let corners = cells
        .iter()
        .flat_map(|c| [c.at, (c.at.0 + c.size, c.at.1 + c.size)]);
    for (x, y) in outlines.iter().flatten().copied().chain(corners) {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 > x1 {
        return None;
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
    let (w, h) = (600.0, 300.0);
    let scale = ((w - 20.0) / ((x1 - x0) * k).max(1e-4)).min((h - 20.0) / (y1 - y0).max(1e-4));
    let ox = (w - (x1 - x0) * k * scale) / 2.0;
    let oy = (h - (y1 - y0) * scale) / 2.0;
    let at = |(x, y): (f64, f64)| (ox + (x - x0) * k * scale, h - (oy + (y - y0) * scale));
    let mut out = format!(
        "<svg class=\"overview-map\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"{w}\" height=\"{h}\" class=\"map-ground\"/>",
        escape(label)
    );
    for ring in outlines {
        let pts: Vec<String> = ring
            .iter()
            .map(|p| {
                let (x, y) = at(*p);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        out.push_str(&format!(
            "<polygon class=\"map-aimag\" points=\"{}\"/>",
            pts.join(" ")
        ));
    }
    for c in cells {
        let (x, y) = at((c.at.0, c.at.1 + c.size));
        let (x2, y2) = at((c.at.0 + c.size, c.at.1));
        out.push_str(&format!(
            "<rect class=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
            escape(&c.class),
            x2 - x,
            y2 - y,
            escape(&c.title)
        ));
    }
    furniture(&mut out, (w, h), scale, text);
    let entries: Vec<(String, &str)> = legend
        .iter()
        .map(|(class, l)| {
            (
                format!(
                    "<rect width=\"12\" height=\"9\" class=\"{} swatch\"/>",
                    escape(class)
                ),
                l.as_str(),
            )
        })
        .collect();
    legend_box(&mut out, (w, h), &entries);
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_bar_has_a_round_length() {
        // 0.1° across 440 px: about 4 km per 100 px.
        assert_eq!(scale_length(40.0, 110.0), 2.0);
        assert_eq!(scale_length(1.0, 110.0), 100.0);
        assert_eq!(scale_length(0.3, 110.0), 200.0);
    }

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
            &MapText {
                north: "N".into(),
                km: "km".into(),
                legend: vec![
                    (Layer::Main, "Licence".into()),
                    (Layer::Ground, "Soum".into()),
                ],
                dots: Some("Community".into()),
            },
        )
        .unwrap();
        // A scale bar in kilometres, a north arrow, a legend of what is drawn only.
        assert!(
            svg.contains("class=\"map-scale\"") && svg.contains(" km</text>"),
            "{svg}"
        );
        assert!(
            svg.contains("class=\"map-north\"") && svg.contains(">N</text>"),
            "{svg}"
        );
        assert!(
            svg.contains(">Licence</text>") && svg.contains(">Community</text>"),
            "{svg}"
        );
        assert!(!svg.contains(">Soum</text>"), "no soum is drawn: {svg}");
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
