//! PDF letters: a title and plain text, wrapped to A4 pages, in DejaVu Sans (embedded,
//! so Mongolian Cyrillic prints everywhere), with a ToUnicode map so the text can be
//! copied, searched and extracted (`pdftotext`) exactly as written.
//!
//! Deliberately small: a letter needs line breaking and pages, not a layout engine.
//! The font is embedded whole (compressed, about 380 KB).

use std::collections::BTreeMap;
use std::io::Write as _;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use ttf_parser::{Face, GlyphId};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 64.0;
const BODY_SIZE: f32 = 11.0;
const TITLE_SIZE: f32 = 14.0;
const FOOT_SIZE: f32 = 8.0;
const LEADING: f32 = 1.4;

/// A letter to render.
#[derive(Debug, Clone)]
pub struct LetterDoc<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// A line at the foot of every page (e.g. the request's reference).
    pub footer: &'a str,
    /// The document's language tag (`mn`, `en`).
    pub lang: &'a str,
}

/// A line placed on a page: font size, position and text.
struct Placed {
    size: f32,
    x: f32,
    y: f32,
    text: String,
}

struct Font<'f> {
    face: Face<'f>,
    scale: f32,
}

impl Font<'_> {
    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(GlyphId(0))
    }

    /// Width of `text` at `size`, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0)))
            .sum::<f32>()
            * self.scale
            * size
    }

    /// Breaks `paragraph` into lines no wider than `max` (a word longer than a line
    /// is broken between characters).
    fn wrap(&self, paragraph: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone: split it if it is wider than a line.
            let mut part = String::new();
            for c in word.chars() {
                part.push(c);
                if self.width(&part, size) > max && part.chars().count() > 1 {
                    part.pop();
                    lines.push(std::mem::take(&mut part));
                    part.push(c);
                }
            }
            line = part;
        }
        lines.push(line);
        lines
    }
}

/// The letter as PDF bytes.
pub fn letter(doc: &LetterDoc<'_>) -> Vec<u8> {
    let font_data = dejavu::sans::regular();
    let face = Face::parse(font_data, 0).expect("the embedded DejaVu Sans parses");
    let font = Font {
        scale: 1.0 / f32::from(face.units_per_em()),
        face,
    };
    let width = PAGE_W - 2.0 * MARGIN;
    let top = PAGE_H - MARGIN;
    let bottom = MARGIN + 2.0 * FOOT_SIZE;

    // Lay out: the title, a gap, then the body's paragraphs, page after page.
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = top;
    let place = |pages: &mut Vec<Vec<Placed>>, y: &mut f32, size: f32, text: String| {
        let step = size * LEADING;
        if *y - step < bottom {
            pages.push(Vec::new());
            *y = top;
        }
        *y -= step;
        pages.last_mut().expect("a page").push(Placed {
            size,
            x: MARGIN,
            y: *y,
            text,
        });
    };
    for line in font.wrap(doc.title, TITLE_SIZE, width) {
        place(&mut pages, &mut y, TITLE_SIZE, line);
    }
    y -= BODY_SIZE;
    for paragraph in doc.body.replace("\r\n", "\n").split('\n') {
        for line in font.wrap(paragraph.trim_end(), BODY_SIZE, width) {
            place(&mut pages, &mut y, BODY_SIZE, line);
        }
    }
    let count = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let foot = format!("{} · {}/{}", doc.footer, i + 1, count);
        page.push(Placed {
            size: FOOT_SIZE,
            x: MARGIN,
            y: MARGIN,
            text: foot,
        });
    }

    // The glyphs used, for the widths and the ToUnicode map.
    // A character the font lacks prints as glyph 0 (a box) and is left out of the
    // ToUnicode map: several such characters share that glyph, so no one of them may
    // claim it.
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    for p in pages.iter().flatten() {
        for c in p.text.chars() {
            used.entry(font.glyph(c).0).or_insert(c);
        }
    }
    let widths = used.clone();
    used.remove(&0);

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let type0 = alloc();
    let cid = alloc();
    let descriptor = alloc();
    let file = alloc();
    let cmap_ref = alloc();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr(doc.lang));
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(count as i32);
    pdf.document_info(info)
        .title(TextStr(doc.title))
        .producer(TextStr("minewatch"));

    let name = Name(b"DejaVuSans");
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap_ref);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let per_em = 1000.0 * font.scale;
    {
        let mut c = pdf.cid_font(cid);
        c.subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut w = c.widths();
        for gid in widths.keys() {
            let adv = f32::from(font.face.glyph_hor_advance(GlyphId(*gid)).unwrap_or(0));
            w.consecutive(*gid, [adv * per_em]);
        }
    }
    let bbox = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * per_em,
            f32::from(bbox.y_min) * per_em,
            f32::from(bbox.x_max) * per_em,
            f32::from(bbox.y_max) * per_em,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(font.face.ascender()) * per_em)
        .descent(f32::from(font.face.descender()) * per_em)
        .cap_height(f32::from(font.face.capital_height().unwrap_or(700)) * per_em)
        .stem_v(80.0)
        .font_file2(file);
    let packed = deflate(font_data);
    pdf.stream(file, &packed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), font_data.len() as i32);

    let mut cmap = UnicodeCmap::new(Name(b"minewatch-ucs"), system);
    for (gid, c) in &used {
        cmap.pair(*gid, *c);
    }
    let cmap = cmap.finish();
    pdf.cmap(cmap_ref, &cmap);

    for (lines, (page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_ref);
        page.resources().fonts().pair(Name(b"F1"), type0);
        page.finish();
        let mut content = Content::new();
        for l in lines {
            let glyphs: Vec<u8> = l
                .text
                .chars()
                .flat_map(|c| font.glyph(c).0.to_be_bytes())
                .collect();
            content
                .begin_text()
                .set_font(Name(b"F1"), l.size)
                .next_line(l.x, l.y)
                .show(Str(&glyphs))
                .end_text();
        }
        let bytes = deflate(&content.finish());
        pdf.stream(*content_ref, &bytes).filter(Filter::FlateDecode);
    }
    pdf.finish()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("writing to memory");
    e.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_within_the_margins_and_flows_onto_more_pages() {
        let body = "Заамар сумын Засаг дарга-д мэдээлэл хүсэж байна. ".repeat(200);
        let pdf = letter(&LetterDoc {
            title: "Мэдээлэл хүсэх албан бичиг",
            body: &body,
            footer: "minewatch",
            lang: "mn",
        });
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/Count 3") || text.contains("/Count 4"),
            "pages"
        );
        let face = Face::parse(dejavu::sans::regular(), 0).unwrap();
        let font = Font {
            scale: 1.0 / f32::from(face.units_per_em()),
            face,
        };
        for line in font.wrap(&body, BODY_SIZE, PAGE_W - 2.0 * MARGIN) {
            assert!(font.width(&line, BODY_SIZE) <= PAGE_W - 2.0 * MARGIN);
        }
        let long = "ө".repeat(400);
        assert!(font.wrap(&long, BODY_SIZE, 100.0).len() > 5);
    }
}
