//! Wrapping with a byte ↔ screen map (TEMPORARY shim).

use std::borrow::Cow;
use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

pub struct Glyph<'a> {
    pub byte: usize,
    pub len: usize,
    pub width: u16,
    pub shown: Cow<'a, str>,
}

fn placeholder(g: &str) -> Option<&'static str> {
    let c = g.chars().next()?;
    Some(match c as u32 {
        0x1b => "␛",
        0x07 => "␇",
        0x00 => "␀",
        0x0d => "␍",
        0x09 => "→",
        0x7f => "␡",
        0x01..=0x1f => "␦",
        0x80..=0x9f | 0x202a..=0x202e | 0x2066..=0x2069 => "�",
        _ => return None,
    })
}

pub fn glyphs(text: &str, range: Range<usize>) -> impl Iterator<Item = Glyph<'_>> {
    let start = range.start.min(text.len());
    let part = text.get(start..range.end.min(text.len())).unwrap_or("");
    part.grapheme_indices(true)
        .filter(|(_, g)| *g != "\n" && *g != "\r\n")
        .map(move |(i, g)| {
            let shown: Cow<str> = match placeholder(g) {
                Some(p) => Cow::Borrowed(p),
                None => Cow::Borrowed(g),
            };
            Glyph {
                byte: start + i,
                len: g.len(),
                width: (UnicodeWidthStr::width(shown.as_ref()) as u16).max(1),
                shown,
            }
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub start: usize,
    pub end: usize,
    pub width: u16,
}

pub fn wrap(text: &str, width: u16) -> Vec<Row> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut start = 0;
    let mut w: u16 = 0;
    let mut last_space: Option<(usize, u16)> = None;
    for (i, g) in text.grapheme_indices(true) {
        if g == "\n" || g == "\r\n" {
            rows.push(Row {
                start,
                end: i + g.len(),
                width: w,
            });
            start = i + g.len();
            w = 0;
            last_space = None;
            continue;
        }
        let gw = glyphs(g, 0..g.len()).next().map_or(1, |x| x.width);
        if w + gw > width && i > start {
            match last_space {
                Some((at, aw)) if at > start => {
                    rows.push(Row {
                        start,
                        end: at,
                        width: aw,
                    });
                    w -= aw;
                    start = at;
                }
                _ => {
                    rows.push(Row {
                        start,
                        end: i,
                        width: w,
                    });
                    start = i;
                    w = 0;
                }
            }
            last_space = None;
        }
        w += gw;
        if g.chars().all(char::is_whitespace) {
            last_space = Some((i + g.len(), w));
        }
    }
    rows.push(Row {
        start,
        end: text.len(),
        width: w,
    });
    rows
}

pub fn column_of(text: &str, row: &Row, byte: usize) -> u16 {
    let mut col = 0;
    for g in glyphs(text, row.start..row.end) {
        if byte < g.byte + g.len {
            return col;
        }
        col += g.width;
    }
    col
}

pub fn byte_at(text: &str, row: &Row, col: u16) -> usize {
    let mut c = 0;
    let mut last = row.start;
    for g in glyphs(text, row.start..row.end) {
        if col < c + g.width {
            return g.byte;
        }
        c += g.width;
        last = g.byte;
    }
    last
}

pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| {
        c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for g in text.graphemes(true) {
        if g == "\n" || g == "\r\n" {
            out.push('⏎');
        } else {
            out.push_str(placeholder(g).unwrap_or(g));
        }
    }
    Cow::Owned(out)
}
