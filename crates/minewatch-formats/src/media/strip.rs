//! Public copies: JPEG, PNG and WebP files with their metadata removed, segment by
//! segment, without re-encoding the image.

use super::*;

/// Why no public copy could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    #[error("{0} files cannot be stripped of their metadata here; no public copy is made")]
    Unsupported(&'static str),
    #[error("the image is damaged: {0}")]
    Damaged(String),
}

/// A copy of the image with its metadata removed (EXIF, GPS, XMP, IPTC, comments,
/// thumbnails and anything after the image), the picture's bytes unchanged.
pub fn strip_metadata(bytes: &[u8], kind: MediaType) -> Result<Vec<u8>, StripError> {
    match kind.mime {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        "image/webp" => strip_webp(bytes),
        other => Err(StripError::Unsupported(other)),
    }
}

pub(super) fn damaged(what: &str) -> StripError {
    StripError::Damaged(what.to_owned())
}

/// Keeps the JPEG's coding segments (quantisation and Huffman tables, frame and scan
/// headers, restart intervals), JFIF's header (APP0, without its thumbnail), Adobe's
/// colour transform (APP14) and colour profiles (APP2 `ICC_PROFILE`); drops every other
/// segment, known or not, and whatever follows the end-of-image marker (where phones
/// put extra pictures that carry their own EXIF).
pub(super) fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, StripError> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(damaged("no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut frames = 0usize;
    loop {
        // Fill bytes may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return Err(damaged(&format!("expected a marker at byte {i}")));
        }
        let marker = *b
            .get(i + 1)
            .ok_or_else(|| damaged("cut off before the end of the image"))?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = match b.get(i + 2..i + 4) {
            Some(l) => u16::from_be_bytes([l[0], l[1]]) as usize,
            None => return Err(damaged("cut off in a segment header")),
        };
        if len < 2 || i + 2 + len > b.len() {
            return Err(damaged(&format!("a segment at byte {i} runs past the end")));
        }
        let segment = &b[i..i + 2 + len];
        let data = &segment[4..];
        // Only what decoding needs is kept, by an allow-list: an unknown or damaged
        // marker could carry anything.
        let coding = matches!(
            marker,
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xC4 | 0xCC | 0xDB | 0xDD | 0xDC | 0xDA
        );
        if coding {
            // A coding segment must have its exact structure, so nothing else can
            // travel in one; a second frame header is refused too.
            let is_frame = !matches!(marker, 0xC4 | 0xCC | 0xDB | 0xDD | 0xDC | 0xDA);
            if !coding_segment_ok(marker, data) || (is_frame && frames > 0) {
                return Err(damaged(&format!("a malformed coding segment at byte {i}")));
            }
            frames += usize::from(is_frame);
        }
        let keep = coding
            || (marker == 0xE2 && data.starts_with(b"ICC_PROFILE\0"))
            || (marker == 0xEE && data.len() == 12 && data.starts_with(b"Adobe"));
        if marker == 0xE0 && data.starts_with(b"JFIF\0") && data.len() >= 14 {
            // JFIF's header without its thumbnail (which can be any picture).
            out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
            out.extend_from_slice(&data[..12]);
            out.extend_from_slice(&[0, 0]);
        } else if keep {
            out.extend_from_slice(segment);
        }
        i += 2 + len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed zero
            // or a restart marker.
            let start = i;
            while i + 1 < b.len() {
                if b[i] == 0xFF && b[i + 1] != 0 && !(0xD0..=0xD7).contains(&b[i + 1]) {
                    break;
                }
                i += 1;
            }
            if i + 1 >= b.len() {
                return Err(damaged("cut off in the image data"));
            }
            out.extend_from_slice(&b[start..i]);
        }
    }
}

/// Whether a JPEG coding segment's payload has exactly its structure (ITU T.81 B.2).
pub(super) fn coding_segment_ok(marker: u8, d: &[u8]) -> bool {
    match marker {
        // Huffman tables: class and id, 16 counts, then that many values; repeated.
        0xC4 => {
            let mut i = 0;
            while i < d.len() {
                if d[i] >> 4 > 1 || d[i] & 0x0F > 3 || i + 17 > d.len() {
                    return false;
                }
                let n: usize = d[i + 1..i + 17].iter().map(|&c| usize::from(c)).sum();
                i += 17 + n;
            }
            i == d.len() && !d.is_empty()
        }
        // Quantisation tables: precision and id, then 64 values of 1 or 2 bytes.
        0xDB => {
            let mut i = 0;
            while i < d.len() {
                if d[i] >> 4 > 1 || d[i] & 0x0F > 3 {
                    return false;
                }
                i += 1 + 64 * (1 + usize::from(d[i] >> 4));
            }
            i == d.len() && !d.is_empty()
        }
        0xDD | 0xDC => d.len() == 2,
        0xCC => !d.is_empty() && d.len().is_multiple_of(2),
        // Scan header: component count, two bytes each, then three.
        0xDA => !d.is_empty() && (1..=4).contains(&d[0]) && d.len() == 4 + 2 * usize::from(d[0]),
        // Frame header: precision, height, width, component count, three bytes each.
        _ => d.len() >= 6 && (1..=4).contains(&d[5]) && d.len() == 6 + 3 * usize::from(d[5]),
    }
}

/// Keeps PNG's image chunks and those that only change how it looks; drops text,
/// EXIF, time and any chunk it does not know.
pub(super) fn strip_png(b: &[u8]) -> Result<Vec<u8>, StripError> {
    const KEEP: [&[u8; 4]; 14] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"bKGD", b"acTL", b"fcTL",
    ];
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(damaged("no PNG signature"));
    }
    let mut out = b[..8].to_vec();
    let mut i = 8;
    while i < b.len() {
        let head = b
            .get(i..i + 8)
            .ok_or_else(|| damaged("cut off in a chunk header"))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = i
            .checked_add(12 + len)
            .filter(|e| *e <= b.len())
            .ok_or_else(|| damaged(&format!("a chunk at byte {i} runs past the end")))?;
        let name = &head[4..8];
        if KEEP.iter().any(|k| &k[..] == name) || name == b"fdAT" {
            // A kept chunk must be what its checksum says: a damaged name or length
            // could otherwise pass other bytes off as image data.
            let stored = u32::from_be_bytes([b[end - 4], b[end - 3], b[end - 2], b[end - 1]]);
            if crc32fast::hash(&b[i + 4..end - 4]) != stored {
                return Err(damaged(&format!(
                    "the chunk at byte {i} fails its checksum"
                )));
            }
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if name == b"IEND" {
            return Ok(out);
        }
    }
    Err(damaged("no IEND chunk"))
}

/// Keeps WebP's image, alpha, animation and colour-profile chunks (an allow-list: an
/// unknown chunk could carry anything), so `EXIF` and `XMP ` go, and clears their flags
/// in the `VP8X` header.
pub(super) fn strip_webp(b: &[u8]) -> Result<Vec<u8>, StripError> {
    if b.len() < 12 || !b.starts_with(b"RIFF") || &b[8..12] != b"WEBP" {
        return Err(damaged("no RIFF WEBP header"));
    }
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let mut i = 12;
    while i < b.len() {
        let head = b
            .get(i..i + 8)
            .ok_or_else(|| damaged("cut off in a chunk header"))?;
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let padded = len + (len & 1);
        let end = (i + 8 + padded).min(b.len());
        if i + 8 + len > b.len() {
            return Err(damaged(&format!("a chunk at byte {i} runs past the end")));
        }
        let name = &head[..4];
        if name == b"ANIM" || name == b"ANMF" {
            // Frames nest chunks of their own: not stripped here.
            return Err(StripError::Unsupported("animated WebP"));
        }
        const KEEP: [&[u8; 4]; 5] = [b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ICCP"];
        if name == b"VP8X" && len != 10 {
            // Its size is fixed; a wrong one would carry the chunks after it along.
            return Err(damaged(&format!(
                "the VP8X chunk at byte {i} is not 10 bytes"
            )));
        }
        if KEEP.iter().any(|k| &k[..] == name) {
            let at = out.len();
            out.extend_from_slice(&b[i..end]);
            if name == b"VP8X" {
                // Flags: bit 3 EXIF, bit 2 XMP, bit 1 animation.
                if out[at + 8] & 0b0000_0010 != 0 {
                    return Err(StripError::Unsupported("animated WebP"));
                }
                out[at + 8] &= !0b0000_1100;
            }
        }
        i = end;
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}
