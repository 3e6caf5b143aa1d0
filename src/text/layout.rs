//! Wrapping a text into screen rows with an exact byte ↔ column map, and showing
//! untrusted text so that nothing in it reaches the terminal raw.
//!
//! # What is drawn
//!
//! Text is drawn one grapheme cluster (UAX #29, extended) at a time. A grapheme takes
//! the columns `unicode-width` gives for what is shown, but at least one, so every
//! grapheme has a cell the cursor can sit on. Characters that a terminal would act on
//! are shown as visible placeholders instead:
//!
//! * a C0 control (U+0000–U+001F) as its Control Pictures symbol (U+2400 + code:
//!   ESC `␛`, BEL `␇`, NUL `␀`, a CR not followed by LF `␍`);
//! * a TAB as a single `→` one column wide (tabs are not expanded to tab stops: a
//!   column map that depends on where the row starts would change with the width);
//! * DEL (U+007F) as `␡`;
//! * a C1 control (U+0080–U+009F) and a bidi embedding, override or isolate control
//!   (U+202A–U+202E, U+2066–U+2069) as `�`, so text cannot reorder the line.
//!
//! An ESC-led sequence is therefore shown as `␛` followed by the rest of it as plain
//! characters. A line break (`\n` or `\r\n`) is not drawn: it ends its row.
//!
//! # Wrapping
//!
//! [`wrap`] is greedy. A row may break after a run of whitespace (Unicode `White_Space`
//! other than the no-break spaces and the control characters, plus TAB) and before and
//! after a wide glyph (so CJK text, which has no spaces, breaks between characters; no
//! line-breaking rules beyond that, so a row may start with a closing bracket); a word
//! is a run of glyphs with no such opportunity inside it. A word that does not
//! fit on the rest of a row goes to the next; a word wider than a whole row is broken
//! between graphemes. Whitespace that does not fit at the end of a row stays in that
//! row but is not drawn (it takes no columns in [`Row::width`]). A glyph wider than a
//! whole row (only possible at a width of 1) gets a row to itself, counted as the row's
//! full width; it is clipped when drawn. Rows tile the text: the first starts at 0, each
//! starts where the previous one ends, the last ends at `text.len()`.

use std::borrow::Cow;
use std::ops::Range;

use unicode_segmentation::{GraphemeIndices, UnicodeSegmentation};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The Control Pictures symbols for the C0 controls, U+2400 + code.
const C0_PICTURES: [&str; 32] = [
    "␀", "␁", "␂", "␃", "␄", "␅", "␆", "␇", "␈", "␉", "␊", "␋", "␌", "␍", "␎", "␏", "␐", "␑", "␒",
    "␓", "␔", "␕", "␖", "␗", "␘", "␙", "␚", "␛", "␜", "␝", "␞", "␟",
];
/// How a TAB is shown.
const TAB: &str = "→";
/// How DEL is shown.
const DEL: &str = "␡";
/// How a line break is shown by [`sanitize`].
const NEWLINE: &str = "⏎";
/// How C1 controls and bidi controls are shown.
const REPLACEMENT: &str = "\u{fffd}";

/// What to show instead of `c`, when `c` must not reach the terminal raw.
fn picture(c: char) -> Option<&'static str> {
    match c {
        '\t' => Some(TAB),
        '\n' => Some(NEWLINE),
        '\u{0}'..='\u{1f}' => C0_PICTURES.get(c as usize).copied(),
        '\u{7f}' => Some(DEL),
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Some(REPLACEMENT)
        }
        _ => None,
    }
}

/// What is drawn for the grapheme `g` (never a line break: those are not drawn).
fn shown(g: &str) -> Cow<'_, str> {
    let mut chars = g.chars();
    let Some(first) = chars.next() else {
        return Cow::Borrowed(g);
    };
    if chars.as_str().is_empty() {
        return picture(first).map_or(Cow::Borrowed(g), Cow::Borrowed);
    }
    // Control characters are grapheme clusters of their own (UAX #29 GB4, GB5), CR LF
    // excepted, so this only guards against a future change of the rules.
    if g.chars().any(|c| picture(c).is_some()) {
        let mut out = String::with_capacity(g.len() + 8);
        g.chars().for_each(|c| push_shown(&mut out, c));
        return Cow::Owned(out);
    }
    Cow::Borrowed(g)
}

/// Appends `c`, or its placeholder.
fn push_shown(out: &mut String, c: char) {
    match picture(c) {
        Some(p) => out.push_str(p),
        None => out.push(c),
    }
}

/// The columns a shown grapheme takes: its `unicode-width`, at least 1.
fn columns(shown: &str) -> u16 {
    u16::try_from(shown.width()).unwrap_or(u16::MAX).max(1)
}

fn is_newline(g: &str) -> bool {
    matches!(g.as_bytes(), b"\n" | b"\r\n")
}

/// Whitespace a row may break after: `White_Space` except the no-break spaces and the
/// controls (which are shown as visible placeholders), plus TAB.
fn is_break_space(c: char) -> bool {
    c == '\t'
        || (c.is_whitespace()
            && !c.is_control()
            && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}'))
}

/// One grapheme cluster as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glyph<'a> {
    /// Offset of the grapheme in the text.
    pub byte: usize,
    /// Its length in bytes.
    pub len: usize,
    /// Columns it takes on screen: the `unicode-width` of what is shown, at least 1
    /// (so every grapheme stays reachable); 2 for wide CJK and emoji.
    pub width: u16,
    /// What to draw: the grapheme itself, or a visible placeholder.
    pub shown: Cow<'a, str>,
}

/// The graphemes of `text[range]` as drawn, line breaks left out (they are not drawn).
/// The range is clamped to the text and moved down to character boundaries.
pub fn glyphs(text: &str, range: Range<usize>) -> impl Iterator<Item = Glyph<'_>> {
    let start = floor_char(text, range.start);
    let end = floor_char(text, range.end).max(start);
    let part = text.get(start..end).unwrap_or_default();
    Graphemes::new(part).filter_map(move |(i, g)| {
        if is_newline(g) {
            return None;
        }
        let shown = shown(g);
        Some(Glyph {
            byte: start + i,
            len: g.len(),
            width: columns(&shown),
            shown,
        })
    })
}

/// One screen row of wrapped text: the byte range `[start, end)` of the text it
/// shows, and its width in columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub start: usize,
    pub end: usize,
    pub width: u16,
}

/// How a grapheme takes part in wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Newline,
    Space,
    Other,
}

/// The columns of a grapheme (as [`glyphs`] gives them) and its kind, quickly.
#[inline]
fn measure(g: &str) -> (u16, Kind) {
    match g.as_bytes() {
        b"\n" | b"\r\n" => (0, Kind::Newline),
        b" " | b"\t" => (1, Kind::Space),
        // One byte is ASCII: printable, or a control shown as a one-column picture.
        [_] => (1, Kind::Other),
        _ => {
            let mut chars = g.chars();
            let (Some(c), true) = (chars.next(), chars.as_str().is_empty()) else {
                let kind = if g.chars().all(is_break_space) {
                    Kind::Space
                } else {
                    Kind::Other
                };
                return (columns(&shown(g)), kind);
            };
            if is_simple(c) {
                return (if c >= '\u{3000}' { 2 } else { 1 }, Kind::Other);
            }
            let kind = if is_break_space(c) {
                Kind::Space
            } else {
                Kind::Other
            };
            // A lone character's width as a string is its width as a character: they
            // differ only for controls, and those are shown as one-column pictures.
            let width = if picture(c).is_some() {
                1
            } else {
                c.width().unwrap_or(0)
            };
            (u16::try_from(width).unwrap_or(u16::MAX).max(1), kind)
        }
    }
}

/// The greedy line breaker behind [`wrap`]: the rows so far and the row being built,
/// fed one grapheme at a time.
struct Breaker {
    max: u16,
    rows: Vec<Row>,
    /// Where the row being built starts, and the columns drawn on it so far.
    start: usize,
    used: u16,
    /// Nothing more fits on the row: whitespace was dropped or a glyph clipped.
    full: bool,
    /// The last place the row may break: (byte, columns drawn before it).
    brk: Option<(usize, u16)>,
    /// The last glyph was wide (a row may break after it).
    after_wide: bool,
}

impl Breaker {
    fn new(width: u16, len: usize) -> Self {
        let max = width.max(1);
        Breaker {
            max,
            rows: Vec::with_capacity(len / usize::from(max) + 1),
            start: 0,
            used: 0,
            full: false,
            brk: None,
            after_wide: false,
        }
    }

    /// A line break ending at `end`.
    #[inline]
    fn newline(&mut self, end: usize) {
        self.rows.push(Row {
            start: self.start,
            end,
            width: self.used,
        });
        self.start = end;
        self.used = 0;
        self.full = false;
        self.brk = None;
        self.after_wide = false;
    }

    /// Whitespace `w` columns wide ending at `end`: drawn if it fits, a break after it.
    #[inline]
    fn space(&mut self, end: usize, w: u16) {
        if !self.full && self.used.saturating_add(w) <= self.max {
            self.used += w;
        } else {
            self.full = true;
        }
        self.brk = Some((end, self.used));
        self.after_wide = false;
    }

    /// Any other glyph, `w` columns wide, at `at`.
    #[inline]
    fn other(&mut self, at: usize, w: u16) {
        if w >= 2 || self.after_wide {
            self.brk = Some((at, self.used));
        }
        if !self.full && self.used.saturating_add(w) <= self.max {
            self.used += w;
        } else {
            self.overflow(at, w);
        }
        self.after_wide = w >= 2;
    }

    /// A glyph at `at`, `w` columns wide, that does not fit on the row.
    fn overflow(&mut self, at: usize, w: u16) {
        if at > self.start {
            match self.brk {
                Some((b, before)) if b > self.start => {
                    self.rows.push(Row {
                        start: self.start,
                        end: b,
                        width: before,
                    });
                    self.start = b;
                    self.used -= before;
                    // The word's start did not leave room for this glyph.
                    if self.start < at && self.used.saturating_add(w) > self.max {
                        self.rows.push(Row {
                            start: self.start,
                            end: at,
                            width: self.used,
                        });
                        self.start = at;
                        self.used = 0;
                    }
                }
                _ => {
                    self.rows.push(Row {
                        start: self.start,
                        end: at,
                        width: self.used,
                    });
                    self.start = at;
                    self.used = 0;
                }
            }
            self.brk = None;
            self.full = false;
        }
        if self.used.saturating_add(w) > self.max {
            // Alone on its row and still too wide: clipped when drawn.
            self.used = self.max;
            self.full = true;
        } else {
            self.used += w;
        }
    }

    /// Any grapheme `g` at `at`.
    #[inline]
    fn grapheme(&mut self, at: usize, g: &str) {
        match measure(g) {
            (_, Kind::Newline) => self.newline(at + g.len()),
            (w, Kind::Space) => self.space(at + g.len(), w),
            (w, Kind::Other) => self.other(at, w),
        }
    }

    fn finish(mut self, len: usize) -> Vec<Row> {
        self.rows.push(Row {
            start: self.start,
            end: len,
            width: self.used,
        });
        self.rows
    }
}

/// Wraps `text` into rows at most `width` columns wide (a width of 0 is treated as 1).
///
/// See the module documentation for the rules. Linear in the length of the text:
/// ASCII followed by ASCII is taken a byte at a time, everything else a grapheme at a
/// time up to the next such pair.
pub fn wrap(text: &str, width: u16) -> Vec<Row> {
    let mut line = Breaker::new(width, text.len());
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&c) = bytes.get(at) {
        let next = bytes.get(at + 1);
        if c.is_ascii() && next.is_none_or(u8::is_ascii) {
            match c {
                b'\n' => line.newline(at + 1),
                b'\r' if next == Some(&b'\n') => {
                    line.newline(at + 2);
                    at += 1;
                }
                b' ' | b'\t' => line.space(at + 1, 1),
                // Printable, or a control shown as a one-column picture.
                _ => line.other(at, 1),
            }
            at += 1;
        } else {
            let end = bytes
                .get(at + 1..)
                .and_then(|rest| rest.windows(2).position(is_restart))
                .map_or(bytes.len(), |k| at + k + 2);
            for (i, g) in Graphemes::new(text.get(at..end).unwrap_or_default()) {
                line.grapheme(at + i, g);
            }
            at = end;
        }
    }
    line.finish(text.len())
}

/// Whether segmentation can restart between these two bytes: both ASCII, not CR LF.
fn is_restart(pair: &[u8]) -> bool {
    match pair {
        [a, b] => a.is_ascii() && b.is_ascii() && !(*a == b'\r' && *b == b'\n'),
        _ => false,
    }
}

/// The column of the grapheme containing `byte` within `row`. A byte inside a grapheme
/// maps to that grapheme's column; a byte at or past `row.end` (or in whitespace that
/// does not fit, or in the row's line break) maps to `row.width`; a byte before
/// `row.start` maps to 0.
pub fn column_of(text: &str, row: &Row, byte: usize) -> u16 {
    let mut col: u16 = 0;
    for g in glyphs(text, row.start..row.end) {
        if byte < g.byte + g.len {
            return col.min(row.width);
        }
        col = col.saturating_add(g.width);
    }
    row.width
}

/// The byte offset of the grapheme drawn at column `col` of `row`. A column inside a
/// wide glyph gives that glyph; a column at or past `row.width` gives the offset of the
/// row's last grapheme (its line break, if it has one), or `row.start` for an empty row.
pub fn byte_at(text: &str, row: &Row, col: u16) -> usize {
    let start = floor_char(text, row.start);
    let end = floor_char(text, row.end).max(start);
    let part = text.get(start..end).unwrap_or_default();
    let mut last = start;
    let mut left = col;
    for (i, g) in Graphemes::new(part) {
        last = start + i;
        if col < row.width && !is_newline(g) {
            let (w, _) = measure(g);
            if left < w {
                return last;
            }
            left -= w;
        }
    }
    last
}

/// A one-line string made safe for the terminal (speaker names, titles, code names,
/// snippets): controls as in [`glyphs`], line breaks (`\n`, `\r\n`) shown as `⏎`.
/// Borrowed when nothing needed replacing.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| picture(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        push_shown(&mut out, c);
    }
    Cow::Owned(out)
}

/// `byte` clamped to the text and moved down to a character boundary.
fn floor_char(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

/// A character that is a grapheme cluster by itself when the next one is also simple
/// (CR LF excepted), and after which segmentation can start afresh: ASCII, the Latin
/// letters and signs of U+00A0..=U+024F, the dashes, quotes and dots of general
/// punctuation, CJK punctuation, kana, CJK ideographs and fullwidth forms. All are
/// Grapheme_Cluster_Break=Other (© and ® are Extended_Pictographic and the soft hyphen
/// a control, so they are left out, as are U+3030 and U+303D) and none is an Indic
/// conjunct consonant, so no UAX #29 rule joins two of them or looks back across one.
/// Those from U+3000 up are two columns wide, the others one.
fn is_simple(c: char) -> bool {
    c.is_ascii()
        || matches!(c,
            '\u{a0}'..='\u{a8}' | '\u{aa}'..='\u{ac}' | '\u{af}'..='\u{24f}' // Latin
            | '\u{2010}'..='\u{2027}' // dashes, quotes, bullets, ellipsis
            | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' // CJK punctuation
            | '\u{3041}'..='\u{3096}' // hiragana
            | '\u{30a1}'..='\u{30fa}' // katakana
            | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
            | '\u{ff01}'..='\u{ff5e}' // fullwidth forms
        )
}

/// The grapheme clusters of a text with their byte offsets: the same as
/// `grapheme_indices(true)` (the tests hold it to that), but a simple character (see
/// [`is_simple`]) followed by another is stepped over without the segmentation tables;
/// whatever lies between such pairs is handed to `unicode-segmentation` as one stretch.
struct Graphemes<'a> {
    text: &'a str,
    /// Where the next grapheme starts, after the current stretch.
    pos: usize,
    /// The stretch being segmented by `unicode-segmentation`, and its offset.
    stretch: Option<(usize, GraphemeIndices<'a>)>,
}

impl<'a> Graphemes<'a> {
    fn new(text: &'a str) -> Self {
        Graphemes {
            text,
            pos: 0,
            stretch: None,
        }
    }

    /// The length of the grapheme at `at` if it is a simple character followed by
    /// another (or by nothing), or CR LF; 0 otherwise (and at the end).
    #[inline]
    fn simple_len(&self, at: usize) -> usize {
        let bytes = self.text.as_bytes();
        match (bytes.get(at), bytes.get(at + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(b), None) if b.is_ascii() => 1,
            (Some(b), Some(n)) if b.is_ascii() && n.is_ascii() => 1,
            (Some(_), _) => {
                let mut chars = self.text.get(at..).unwrap_or_default().chars();
                match (chars.next(), chars.next()) {
                    (Some(c), next) if is_simple(c) && next.is_none_or(is_simple) => c.len_utf8(),
                    _ => 0,
                }
            }
            _ => 0,
        }
    }

    /// Starts segmenting the stretch at `at`: up to the next boundary between two
    /// simple characters.
    #[inline(never)]
    fn start_stretch(&mut self, at: usize) -> Option<(usize, &'a str)> {
        let rest = self.text.get(at..)?;
        let mut chars = rest.chars();
        let mut prev = chars.next()?;
        let end = rest
            .char_indices()
            .skip(1)
            .find(|&(_, c)| {
                let restart = is_simple(prev) && is_simple(c) && !(prev == '\r' && c == '\n');
                prev = c;
                restart
            })
            .map_or(rest.len(), |(k, _)| k);
        let mut stretch = rest.get(..end)?.grapheme_indices(true);
        self.pos = at + end;
        let first = stretch.next();
        self.stretch = Some((at, stretch));
        first.map(|(i, g)| (at + i, g))
    }

    /// The next grapheme of the stretch being segmented, if any is left.
    #[inline(never)]
    fn next_in_stretch(&mut self) -> Option<(usize, &'a str)> {
        let (base, stretch) = self.stretch.as_mut()?;
        match stretch.next() {
            Some((i, g)) => Some((*base + i, g)),
            None => {
                self.stretch = None;
                None
            }
        }
    }
}

impl<'a> Iterator for Graphemes<'a> {
    type Item = (usize, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'a str)> {
        if self.stretch.is_some()
            && let Some(next) = self.next_in_stretch()
        {
            return Some(next);
        }
        let at = self.pos;
        let len = self.simple_len(at);
        if len > 0 {
            self.pos = at + len;
            return self.text.get(at..at + len).map(|g| (at, g));
        }
        self.start_stretch(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::{Path, PathBuf};
    use std::time::Instant;

    /// Texts mixing everything the layout must survive.
    const SAMPLES: &[&str] = &[
        "",
        "\n",
        "a",
        "Hello, world. It's 3.14 — fine!",
        "the quick brown fox jumps over the lazy dog",
        "我们用预训练模型",
        "mixed 我们用 text with 预训练模型 inside",
        "👩‍🔬 scientist 👩‍🔬👩‍🔬 🇫🇷🇩🇪🇯🇵",
        "cafe\u{301} e\u{301}e\u{301}e\u{301} \u{301}lone mark",
        "tab\there\tand\t\ttwo",
        "crlf\r\nline two\r\n\r\nlast\r",
        "lone\rcr and \u{0}nul \u{7f}del \u{85}nel \u{9b}csi",
        "\x1b]52;c;SGVsbG8=\x07 clipboard",
        "\x1b[2J\x1b[H cleared \x1b[31mred\x1b[0m",
        "bidi \u{202e}reversed\u{202c} and \u{2066}isolate\u{2069}",
        "supercalifragilisticexpialidocious and a longwordthatneverends",
        "spaces   between    words     here      ",
        "     leading spaces",
        "ideographic\u{3000}space and no\u{a0}break\u{a0}space",
        "\u{600}1 prepend, ज्ञ conjunct, \u{ac01} hangul, \u{1100}\u{1161}\u{11a8} jamo",
        "trailing newline\n",
        "\n\nblank lines\n\n",
        "x\u{200b}y zero\u{200d}width\u{feff}",
        "Ça va? «très» bien — “quoted” … ｆｕｌｌ，wide！ ©® soft\u{ad}hyphen",
        "か\u{3099}ｶﾞ kana with voicing marks, 「括弧」と。",
        "\u{fe0f}\u{301}\u{200d} marks with nothing to sit on",
    ];

    fn row_text<'a>(text: &'a str, row: &Row) -> &'a str {
        text.get(row.start..row.end).unwrap()
    }

    fn boundaries(text: &str) -> Vec<usize> {
        let mut b: Vec<usize> = text.grapheme_indices(true).map(|(i, _)| i).collect();
        b.push(text.len());
        b
    }

    /// Every invariant of the layout of `text` at `width`.
    fn check(text: &str, width: u16) {
        let rows = wrap(text, width);
        let ctx = format!("{text:?} at width {width}: {rows:?}");
        let bounds = boundaries(text);
        assert!(!rows.is_empty(), "{ctx}");
        assert_eq!(rows.first().unwrap().start, 0, "{ctx}");
        assert_eq!(rows.last().unwrap().end, text.len(), "{ctx}");
        for pair in rows.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "rows must tile: {ctx}");
        }
        for (n, row) in rows.iter().enumerate() {
            assert!(row.start <= row.end, "{ctx}");
            assert!(row.width <= width.max(1), "row {n} too wide: {ctx}");
            assert!(
                bounds.binary_search(&row.start).is_ok(),
                "row {n} starts inside a grapheme: {ctx}"
            );
            // A line break only ever ends a row, and every row but the last ends at one
            // or at a wrap.
            let graphemes: Vec<_> = row_text(text, row).grapheme_indices(true).collect();
            for (k, (_, g)) in graphemes.iter().enumerate() {
                if is_newline(g) {
                    assert_eq!(k + 1, graphemes.len(), "line break inside row {n}: {ctx}");
                }
            }
            // The row's width is what is drawn: the glyphs that fit, or the full width
            // for a lone glyph too wide for any row.
            let glyphs: Vec<_> = glyphs(text, row.start..row.end).collect();
            let mut col = 0u16;
            let mut drawn = 0u16;
            for g in &glyphs {
                assert!(g.width >= 1);
                assert_eq!(
                    g.width,
                    measure(text.get(g.byte..g.byte + g.len).unwrap()).0
                );
                if col + g.width <= row.width {
                    drawn = col + g.width;
                }
                col += g.width;
            }
            let clipped = glyphs.first().is_some_and(|g| g.width > width.max(1));
            if clipped {
                assert_eq!(row.width, width.max(1), "{ctx}");
            } else {
                assert_eq!(row.width, drawn, "row {n} width: {ctx}");
            }
            // Only whitespace may be left undrawn at the end of a row.
            let mut col = 0u16;
            for (k, g) in glyphs.iter().enumerate() {
                if col + g.width > row.width && !(clipped && k == 0) {
                    assert!(
                        g.shown.chars().all(char::is_whitespace) || g.shown == TAB,
                        "{:?} dropped from row {n}: {ctx}",
                        g.shown
                    );
                }
                col += g.width;
            }
            check_column_map(text, row, &glyphs, &ctx);
        }
    }

    /// `column_of` and `byte_at` agree with the glyphs and with each other.
    fn check_column_map(text: &str, row: &Row, glyphs: &[Glyph], ctx: &str) {
        let mut col = 0u16;
        for g in glyphs {
            let expected = col.min(row.width);
            for b in g.byte..g.byte + g.len {
                assert_eq!(column_of(text, row, b), expected, "byte {b}: {ctx}");
            }
            if col < row.width {
                for c in col..(col + g.width).min(row.width) {
                    assert_eq!(byte_at(text, row, c), g.byte, "column {c}: {ctx}");
                }
            }
            col += g.width;
        }
        assert_eq!(column_of(text, row, row.end), row.width, "{ctx}");
        let last = row_text(text, row)
            .grapheme_indices(true)
            .next_back()
            .map_or(row.start, |(i, _)| row.start + i);
        assert_eq!(byte_at(text, row, row.width), last, "{ctx}");
        assert_eq!(byte_at(text, row, u16::MAX), last, "{ctx}");
    }

    fn assert_safe(shown: &str) {
        for c in shown.chars() {
            assert!(
                c >= ' ' && !('\u{7f}'..='\u{9f}').contains(&c),
                "{c:?} would reach the terminal raw in {shown:?}"
            );
            assert!(
                !('\u{202a}'..='\u{202e}').contains(&c) && !('\u{2066}'..='\u{2069}').contains(&c),
                "bidi control {c:?} in {shown:?}"
            );
        }
    }

    #[test]
    fn graphemes_match_unicode_segmentation() {
        for text in SAMPLES {
            for start in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let part = text.get(start..).unwrap();
                let ours: Vec<_> = Graphemes::new(part).collect();
                let theirs: Vec<_> = part.grapheme_indices(true).collect();
                assert_eq!(ours, theirs, "{part:?}");
            }
        }
    }

    /// `wrap` with every grapheme fed through the breaker, no byte loop.
    fn wrap_grapheme_by_grapheme(text: &str, width: u16) -> Vec<Row> {
        let mut line = Breaker::new(width, text.len());
        for (i, g) in text.grapheme_indices(true) {
            line.grapheme(i, g);
        }
        line.finish(text.len())
    }

    #[test]
    fn the_byte_loop_wraps_like_the_grapheme_loop() {
        for text in SAMPLES {
            for width in (0..=12).chain([80]) {
                assert_eq!(
                    wrap(text, width),
                    wrap_grapheme_by_grapheme(text, width),
                    "{text:?} at {width}"
                );
            }
        }
    }

    #[test]
    fn placeholders_are_the_control_pictures_and_one_column_wide() {
        for (code, p) in C0_PICTURES.iter().enumerate() {
            let expected = char::from_u32(0x2400 + u32::try_from(code).unwrap()).unwrap();
            assert_eq!(*p, expected.to_string());
        }
        for p in C0_PICTURES.iter().chain(&[TAB, DEL, NEWLINE, REPLACEMENT]) {
            assert_eq!(p.width(), 1, "{p}");
        }
        // The quick one-byte path of `measure` agrees with what `glyphs` draws.
        for b in 0u8..0x80 {
            let s = String::from(char::from(b));
            let drawn: Vec<_> = glyphs(&s, 0..s.len()).collect();
            if b == b'\n' {
                assert!(drawn.is_empty());
                assert_eq!(measure(&s), (0, Kind::Newline));
            } else {
                assert_eq!(drawn.len(), 1);
                assert_eq!(drawn[0].width, measure(&s).0, "byte {b}");
                assert_safe(&drawn[0].shown);
            }
        }
    }

    #[test]
    fn quick_measure_agrees_with_what_is_drawn_for_every_character() {
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            let g = c.to_string();
            if is_newline(&g) {
                continue;
            }
            assert_eq!(measure(&g).0, columns(&shown(&g)), "{c:?}");
            if is_simple(c) && !c.is_ascii() {
                assert_eq!(measure(&g).1, Kind::Other, "{c:?}");
            }
        }
    }

    #[test]
    fn simple_characters_segment_like_unicode_segmentation() {
        // Every simple character, then followers that join it or not.
        let followers = [
            "a",
            "\u{301}",
            "\u{3099}",
            "\u{200d}👩",
            "\r\n",
            "我",
            "\u{600}",
            "🇫",
        ];
        let mut text = String::new();
        for c in (0..0x11_0000)
            .filter_map(char::from_u32)
            .filter(|&c| is_simple(c))
        {
            text.push(c);
            text.push_str(followers[c as usize % followers.len()]);
        }
        let ours: Vec<_> = Graphemes::new(&text).collect();
        let theirs: Vec<_> = text.grapheme_indices(true).collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn rows_tile_fit_and_map_back_at_every_width() {
        for text in SAMPLES {
            for width in 0..=12 {
                check(text, width);
            }
            check(text, 80);
        }
    }

    #[test]
    fn controls_escapes_and_bidi_never_reach_the_terminal() {
        for text in SAMPLES {
            for g in glyphs(text, 0..text.len()) {
                assert_safe(&g.shown);
            }
            assert_safe(&sanitize(text));
        }
        let shown = |t: &str| -> Vec<String> {
            glyphs(t, 0..t.len())
                .map(|g| g.shown.into_owned())
                .collect()
        };
        assert_eq!(shown("\x1b]52;c;SGVsbG8=\x07").concat(), "␛]52;c;SGVsbG8=␇");
        assert_eq!(shown("\x1b[2J").concat(), "␛[2J");
        assert_eq!(shown("\0\r\x7f").concat(), "␀␍␡");
        assert_eq!(shown("\u{85}\u{9b}\u{202e}\u{2067}"), ["�"; 4]);
        assert_eq!(shown("a\r\nb"), ["a", "b"]);
        let tab: Vec<_> = glyphs("\t", 0..1).collect();
        assert_eq!((tab[0].shown.as_ref(), tab[0].width), ("→", 1));
    }

    #[test]
    fn graphemes_are_never_split_and_wide_ones_take_two_columns() {
        let text = "e\u{301}👩‍🔬我";
        let g: Vec<_> = glyphs(text, 0..text.len()).collect();
        assert_eq!(
            g.iter()
                .map(|g| (g.byte, g.len, g.width))
                .collect::<Vec<_>>(),
            [(0, 3, 1), (3, 11, 2), (14, 3, 2)]
        );
        assert!(matches!(g[1].shown, Cow::Borrowed(_)));
        // A range starting inside a character is moved to its start.
        assert_eq!(glyphs(text, 15..99).next().unwrap().byte, 14);
    }

    fn texts(text: &str, width: u16) -> Vec<&str> {
        wrap(text, width)
            .iter()
            .map(|r| row_text(text, r))
            .collect()
    }

    #[test]
    fn wraps_after_whitespace() {
        let text = "the quick brown fox";
        assert_eq!(texts(text, 10), ["the quick ", "brown fox"]);
        assert_eq!(wrap(text, 10)[0].width, 10);
        // The space after a full row stays in it, undrawn.
        assert_eq!(texts(text, 9), ["the quick ", "brown fox"]);
        assert_eq!(wrap(text, 9)[0].width, 9);
        assert_eq!(texts(text, 8), ["the ", "quick ", "brown ", "fox"]);
        assert_eq!(wrap(text, 8)[1].width, 6);
        assert_eq!(texts(text, 80), [text]);
    }

    #[test]
    fn spaces_past_the_width_stay_in_their_row_undrawn() {
        let text = "abc   def";
        let rows = wrap(text, 4);
        assert_eq!(texts(text, 4), ["abc   ", "def"]);
        assert_eq!(rows[0].width, 4);
        // The cursor on an undrawn space is at the row's end.
        assert_eq!(column_of(text, &rows[0], 4), 4);
        assert_eq!(column_of(text, &rows[0], 5), 4);
        assert_eq!(byte_at(text, &rows[0], 4), 5);
    }

    #[test]
    fn a_long_word_is_split_between_graphemes() {
        assert_eq!(texts("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(texts("a bcdefghij", 4), ["a ", "bcde", "fghi", "j"]);
        let text = "e\u{301}e\u{301}e\u{301}";
        assert_eq!(texts(text, 2), ["e\u{301}e\u{301}", "e\u{301}"]);
    }

    #[test]
    fn a_wide_glyph_at_the_row_end_moves_down() {
        let rows = wrap("ab我", 3);
        assert_eq!(texts("ab我", 3), ["ab", "我"]);
        assert_eq!((rows[0].width, rows[1].width), (2, 2));
        assert_eq!(
            texts("我们用预训练模型", 5),
            ["我们", "用预", "训练", "模型"]
        );
        assert_eq!(texts("ab👩‍🔬", 3), ["ab", "👩‍🔬"]);
        // CJK breaks between characters, but a Latin word stays whole.
        assert_eq!(texts("我们abc", 5), ["我们", "abc"]);
        // At width 1 a wide glyph gets a row of its own, counted as one column.
        let rows = wrap("我们", 1);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.width == 1));
    }

    #[test]
    fn line_breaks_end_rows_and_take_no_columns() {
        assert_eq!(
            wrap("", 10),
            [Row {
                start: 0,
                end: 0,
                width: 0
            }]
        );
        assert_eq!(
            wrap("ab\n", 10),
            [
                Row {
                    start: 0,
                    end: 3,
                    width: 2
                },
                Row {
                    start: 3,
                    end: 3,
                    width: 0
                }
            ]
        );
        assert_eq!(texts("a\r\nb\n\nc", 10), ["a\r\n", "b\n", "\n", "c"]);
        assert_eq!(wrap("a\r\nb", 10)[0].width, 1);
        // A line break right after a full row does not make an empty row.
        assert_eq!(texts("abcd\nef", 4), ["abcd\n", "ef"]);
        // A lone CR is drawn, not a line break.
        assert_eq!(texts("a\rb", 10), ["a\rb"]);
        // The cursor on a line break sits after the row's text.
        let rows = wrap("ab\ncd", 10);
        assert_eq!(column_of("ab\ncd", &rows[0], 2), 2);
        assert_eq!(byte_at("ab\ncd", &rows[0], 2), 2);
        assert_eq!(byte_at("ab\ncd", &rows[0], 1), 1);
    }

    #[test]
    fn column_of_and_byte_at_handle_wide_glyphs_and_odd_input() {
        let text = "a我b";
        let row = wrap(text, 10)[0];
        assert_eq!(row.width, 4);
        let cols: Vec<_> = (0..=6).map(|b| column_of(text, &row, b)).collect();
        assert_eq!(cols, [0, 1, 1, 1, 3, 4, 4]);
        let bytes: Vec<_> = (0..=5).map(|c| byte_at(text, &row, c)).collect();
        assert_eq!(bytes, [0, 1, 1, 4, 4, 4]);
        let empty = Row {
            start: 0,
            end: 0,
            width: 0,
        };
        assert_eq!(byte_at("", &empty, 3), 0);
        assert_eq!(column_of("", &empty, 3), 0);
        // Rows that do not fit the text are clamped rather than trusted.
        let bogus = Row {
            start: 2,
            end: 99,
            width: 9,
        };
        assert_eq!(byte_at(text, &bogus, 0), 1);
        assert_eq!(column_of(text, &bogus, 0), 0);
    }

    #[test]
    fn sanitize_makes_one_safe_line() {
        assert!(matches!(sanitize("Plain — ok 我们"), Cow::Borrowed(_)));
        assert_eq!(sanitize("Ann\tB\r\nC\nD\x1b[2J\u{7}\r"), "Ann→B⏎C⏎D␛[2J␇␍");
        assert_eq!(sanitize("\u{202e}evil\u{9b}"), "�evil�");
    }

    /// A megabyte of mixed text wraps in linear time; the figure is printed, not
    /// asserted (debug build, shared machine).
    #[test]
    fn a_megabyte_wraps_and_tiles() {
        let unit = "The model was fine-tuned on 我们的数据 — results: 3.14 ± 0.2 👩‍🔬.\tNext:\r\n";
        let text = unit.repeat(1_000_000 / unit.len() + 1);
        let began = Instant::now();
        let rows = wrap(&text, 80);
        let took = began.elapsed();
        eprintln!("wrap of {} bytes: {took:?}", text.len());
        assert_eq!(rows.first().unwrap().start, 0);
        assert_eq!(rows.last().unwrap().end, text.len());
        assert!(rows.windows(2).all(|p| p[0].end == p[1].start));
        assert!(rows.iter().all(|r| r.width <= 80));
        let ascii = "lorem ipsum dolor sit amet ".repeat(40_000);
        let began = Instant::now();
        let rows = wrap(&ascii, 80);
        eprintln!("wrap of {} ASCII bytes: {:?}", ascii.len(), began.elapsed());
        assert!(rows.iter().all(|r| r.width <= 80));
    }

    fn transcript_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                transcript_files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// The layout invariants over every line of the real transcripts in
    /// `../shared/data/transcripts` (or `/work/shared/data/transcripts`).
    #[test]
    fn real_transcripts_lay_out() {
        let candidates = [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/transcripts"),
            PathBuf::from("/work/shared/data/transcripts"),
        ];
        let Some(dir) = candidates.iter().find(|d| d.is_dir()) else {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "the real transcripts are missing, and CI=true requires real-data tests"
            );
            eprintln!("note: ../shared/data/transcripts is absent; skipping a real-data test");
            return;
        };
        let mut files = Vec::new();
        transcript_files(dir, &mut files);
        assert!(!files.is_empty(), "no files under {}", dir.display());
        let mut lines = 0;
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for line in text.split('\n') {
                for width in [1, 7, 12, 80] {
                    check(line, width);
                }
                lines += 1;
            }
            assert_eq!(wrap(&text, 60), wrap_grapheme_by_grapheme(&text, 60));
            for width in [40, 100] {
                let rows = wrap(&text, width);
                assert_eq!(rows.last().unwrap().end, text.len());
                assert!(rows.windows(2).all(|p| p[0].end == p[1].start));
                assert!(rows.iter().all(|r| r.width <= width));
            }
        }
        eprintln!("laid out {lines} lines of {} transcripts", files.len());
    }
}
