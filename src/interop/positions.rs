//! Positions between gloss and QDA-XML.
//!
//! gloss places a span by (turn, byte offset into the turn's text); QDA-XML by
//! character offsets (Unicode code points, from 0) into a source's plain text. The
//! export renders a document as one text — each turn a `Speaker: text` line — and
//! converts; the import maps offsets back to turns.
//!
//! Tools disagree on what the offsets mean: the standard's text reads the end as
//! inclusive, QualCoder (and qc) write it exclusive, and ATLAS.ti counts a CR LF line
//! break as one character. [`read_selections`] tries each reading where a selection's
//! name holds its text and takes the one that matches; where names are not the text
//! (qc names selections `line:6`) it takes the reading that matched the source's other
//! selections, else the exclusive one, and reports every selection that then falls
//! outside the text or splits a character instead of guessing.

use crate::corpus::{Document, Position, Turn};

/// A document rendered as a source's plain text: each turn `Speaker: text` and a line
/// break (no `Speaker: ` when the speaker is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Byte range in `text` of each turn's text.
    pub turns: Vec<(usize, usize)>,
}

/// The label a turn's speaker gets in a rendering (line breaks and tabs as spaces).
pub fn speaker_label(speaker: &str) -> String {
    speaker
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Renders turns as text.
pub fn render(turns: &[Turn]) -> Rendered {
    let mut text = String::with_capacity(turns.iter().map(|t| t.text.len() + 24).sum());
    let mut ranges = Vec::with_capacity(turns.len());
    for turn in turns {
        if !turn.speaker.is_empty() {
            text.push_str(&speaker_label(&turn.speaker));
            text.push_str(": ");
        }
        let start = text.len();
        text.push_str(&turn.text);
        ranges.push((start, text.len()));
        text.push('\n');
    }
    Rendered {
        text,
        turns: ranges,
    }
}

impl Rendered {
    /// The byte offset in the rendering of a position in the document.
    pub fn offset(&self, pos: Position) -> Option<usize> {
        let (start, end) = *self.turns.get(pos.turn)?;
        (start + pos.byte <= end).then_some(start + pos.byte)
    }

    /// The map from offsets in this rendering to the document's positions.
    pub fn map(&self) -> TurnMap {
        TurnMap {
            pieces: self
                .turns
                .iter()
                .enumerate()
                .map(|(turn, &(s, e))| Piece {
                    start: s,
                    end: e,
                    turn,
                    byte: 0,
                })
                .collect(),
        }
    }
}

/// Code point offsets of byte offsets of `text` (each must be a char boundary; others
/// count the characters before them). `offsets` in any order; result in that order.
pub fn chars_at(text: &str, offsets: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let mut out = vec![0; offsets.len()];
    let (mut byte, mut chars) = (0usize, 0usize);
    for i in order {
        let target = offsets[i].min(text.len());
        if target > byte {
            let slice = text.get(byte..target).unwrap_or("");
            chars += count_chars(slice);
            byte = target;
        }
        out[i] = chars;
    }
    out
}

fn count_chars(s: &str) -> usize {
    // Bytes that do not continue a UTF-8 sequence each start a character.
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// A stretch of a source's text that is the text of a turn (or part of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// Byte range in the source text.
    start: usize,
    end: usize,
    /// The turn, and the byte offset in its text where the stretch starts.
    turn: usize,
    byte: usize,
}

/// Maps byte ranges of a source's text to positions in a document whose turns hold
/// stretches of it. Offsets between stretches (speaker labels, line breaks, blank
/// lines) move inwards: a start to the next stretch, an end back to the previous one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnMap {
    pieces: Vec<Piece>,
}

impl TurnMap {
    /// The positions of the byte range `a..b`; `None` when nothing of a turn's text
    /// lies in it.
    pub fn span(&self, a: usize, b: usize) -> Option<(Position, Position)> {
        let first = self.pieces.partition_point(|p| p.end <= a);
        let p = self.pieces.get(first)?;
        let start = if p.start <= a {
            Position::new(p.turn, p.byte + (a - p.start))
        } else {
            Position::new(p.turn, p.byte)
        };
        let last = self
            .pieces
            .partition_point(|p| p.start < b)
            .checked_sub(1)?;
        let q = self.pieces.get(last)?;
        let end = if b <= q.end {
            Position::new(q.turn, q.byte + (b - q.start))
        } else {
            Position::new(q.turn, q.byte + (q.end - q.start))
        };
        (start < end).then_some((start, end))
    }

    /// Aligns the turns a transcript parser made of `text` with the text: each line of
    /// a turn's text is the end of one of the source's lines (after a label or a
    /// timestamp), in order. `None` when a line cannot be found (never for turns parsed
    /// from this text).
    pub fn align(text: &str, turns: &[Turn]) -> Option<TurnMap> {
        let lines = lines(text);
        let mut cursor = 0;
        let mut pieces = Vec::new();
        for (t, turn) in turns.iter().enumerate() {
            let mut byte = 0;
            for piece in turn.text.split('\n') {
                let at = byte;
                byte += piece.len() + 1;
                if piece.is_empty() {
                    continue;
                }
                loop {
                    let &(start, line) = lines.get(cursor)?;
                    cursor += 1;
                    let trimmed = line.trim_end();
                    if trimmed.ends_with(piece) {
                        let s = start + trimmed.len() - piece.len();
                        pieces.push(Piece {
                            start: s,
                            end: s + piece.len(),
                            turn: t,
                            byte: at,
                        });
                        break;
                    }
                }
            }
        }
        Some(TurnMap { pieces })
    }
}

/// The lines of a text with their byte offsets (line ends: LF, CR LF or a lone CR).
fn lines(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push((start, &text[start..i]));
                start = i + 1;
            }
            b'\r' => {
                out.push((start, &text[start..i]));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, &text[start..]));
    out
}

/// How a tool meant a selection's offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reading {
    /// End exclusive, every code point counted (QualCoder, qc, gloss).
    Exclusive,
    /// End exclusive, CR LF counted as one character (ATLAS.ti).
    ExclusiveCrlf,
    /// End inclusive (the standard's text).
    Inclusive,
    /// End inclusive, CR LF counted as one character.
    InclusiveCrlf,
}

impl Reading {
    /// In the order they are tried.
    pub const ALL: [Reading; 4] = [
        Reading::Exclusive,
        Reading::ExclusiveCrlf,
        Reading::Inclusive,
        Reading::InclusiveCrlf,
    ];

    /// How the reading is described in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Reading::Exclusive => "end exclusive",
            Reading::ExclusiveCrlf => "end exclusive, CR LF as one character",
            Reading::Inclusive => "end inclusive",
            Reading::InclusiveCrlf => "end inclusive, CR LF as one character",
        }
    }

    fn crlf_one(self) -> bool {
        matches!(self, Reading::ExclusiveCrlf | Reading::InclusiveCrlf)
    }

    fn inclusive(self) -> bool {
        matches!(self, Reading::Inclusive | Reading::InclusiveCrlf)
    }
}

/// A selection's offsets as written, and its name.
#[derive(Debug, Clone, Copy)]
pub struct RawSelection<'a> {
    pub start: &'a str,
    pub end: &'a str,
    pub name: &'a str,
}

/// Why a selection's offsets cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NotANumber,
    /// Outside a text of this many characters.
    OutOfRange(usize),
    /// Ends where it starts, or before.
    Empty,
    /// Starts or ends between the CR and the LF of a line break.
    SplitsLineBreak,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NotANumber => f.write_str("its positions are not whole numbers"),
            Problem::OutOfRange(n) => write!(f, "lies outside the text, which has {n} characters"),
            Problem::Empty => f.write_str("ends where it starts, or before"),
            Problem::SplitsLineBreak => {
                f.write_str("starts or ends between the two characters of a CR LF line break")
            }
        }
    }
}

/// Where a selection lies: a byte range of the text and the reading used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub start: usize,
    pub end: usize,
    pub reading: Reading,
    /// True when the selection's name matched its text under this reading.
    pub name_matched: bool,
}

/// A reading of a selection and the byte range it gives (or why it gives none).
type Candidate = (Reading, Result<(usize, usize), Problem>);

/// Reads the selections of one source's text (without a byte order mark), as the
/// module docs say. Results in the order given.
pub fn read_selections(text: &str, sels: &[RawSelection<'_>]) -> Vec<Result<Placed, Problem>> {
    let has_crlf = text.contains("\r\n");
    let parsed: Vec<Option<(u64, u64)>> = sels
        .iter()
        .map(|s| Some((parse_pos(s.start)?, parse_pos(s.end)?)))
        .collect();
    // Every code point offset asked for under either counting, mapped at once.
    let mut wanted: Vec<u64> = Vec::with_capacity(parsed.len() * 3);
    for &(s, e) in parsed.iter().flatten() {
        wanted.extend([s, e, e.saturating_add(1)]);
    }
    let raw = Offsets::new(text, &wanted, false);
    let crlf = if has_crlf {
        Some(Offsets::new(text, &wanted, true))
    } else {
        None
    };
    let total = count_chars(text);
    let candidates: Vec<Vec<Candidate>> = parsed
        .iter()
        .map(|p| {
            let Some((s, e)) = *p else {
                return Vec::new();
            };
            Reading::ALL
                .iter()
                .filter(|r| has_crlf || !r.crlf_one())
                .map(|&r| {
                    let offsets = if r.crlf_one() {
                        crlf.as_ref().unwrap_or(&raw)
                    } else {
                        &raw
                    };
                    let e = if r.inclusive() {
                        e.saturating_add(1)
                    } else {
                        e
                    };
                    (r, offsets.range(s, e, total))
                })
                .collect()
        })
        .collect();
    // Readings that match names, per selection; the source's most frequent one is the
    // reading for selections whose names say nothing.
    let matched: Vec<Option<Reading>> = candidates
        .iter()
        .zip(sels)
        .map(|(cands, sel)| {
            cands.iter().find_map(|(r, range)| match range {
                Ok((a, b)) if name_matches(sel.name, &text[*a..*b]) => Some(*r),
                _ => None,
            })
        })
        .collect();
    let mut counts = [0usize; 4];
    for r in matched.iter().flatten() {
        counts[Reading::ALL.iter().position(|x| x == r).unwrap_or(0)] += 1;
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    let fallback = if best == 0 {
        Reading::Exclusive
    } else {
        Reading::ALL[counts.iter().position(|&c| c == best).unwrap_or(0)]
    };
    candidates
        .iter()
        .zip(matched)
        .map(|(cands, matched)| {
            if cands.is_empty() {
                return Err(Problem::NotANumber);
            }
            let reading = matched.unwrap_or(fallback);
            let range = cands
                .iter()
                .find(|(r, _)| *r == reading)
                .map(|(_, range)| range.clone())
                .unwrap_or(Err(Problem::NotANumber))?;
            Ok(Placed {
                start: range.0,
                end: range.1,
                reading,
                name_matched: matched.is_some(),
            })
        })
        .collect()
}

fn parse_pos(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok()
}

/// True when a selection's name is its text: equal once runs of whitespace are one
/// space, or — for a name cut short with `…` or `...` — the start of it.
pub fn name_matches(name: &str, text: &str) -> bool {
    let name = collapse(name);
    if name.is_empty() {
        return false;
    }
    let text = collapse(text);
    if name == text {
        return true;
    }
    let cut = name
        .strip_suffix('…')
        .or_else(|| name.strip_suffix("..."))
        .map(str::trim_end);
    matches!(cut, Some(c) if !c.is_empty() && text.starts_with(c))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Byte offsets of code point offsets, counting CR LF as one or two.
struct Offsets {
    sorted: Vec<u64>,
    bytes: Vec<Option<usize>>,
    /// The byte offset falls between CR and LF.
    split: Vec<bool>,
}

impl Offsets {
    fn new(text: &str, wanted: &[u64], crlf_one: bool) -> Offsets {
        let mut sorted = wanted.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut bytes = Vec::with_capacity(sorted.len());
        let mut split = Vec::with_capacity(sorted.len());
        let b = text.as_bytes();
        let mut units: u64 = 0;
        let mut iter = text.char_indices().peekable();
        let mut at = 0usize;
        for &want in &sorted {
            while units < want {
                let Some((i, c)) = iter.next() else { break };
                at = i + c.len_utf8();
                if crlf_one && c == '\r' && iter.peek().is_some_and(|&(_, n)| n == '\n') {
                    iter.next();
                    at += 1;
                }
                units += 1;
            }
            if units < want {
                bytes.push(None);
                split.push(false);
            } else {
                bytes.push(Some(at));
                split.push(at > 0 && b.get(at) == Some(&b'\n') && b[at - 1] == b'\r');
            }
        }
        Offsets {
            sorted,
            bytes,
            split,
        }
    }

    fn get(&self, cp: u64) -> (Option<usize>, bool) {
        match self.sorted.binary_search(&cp) {
            Ok(i) => (self.bytes[i], self.split[i]),
            Err(_) => (None, false),
        }
    }

    fn range(&self, s: u64, e: u64, total: usize) -> Result<(usize, usize), Problem> {
        let (a, sa) = self.get(s);
        let (b, sb) = self.get(e);
        let (Some(a), Some(b)) = (a, b) else {
            return Err(Problem::OutOfRange(total));
        };
        if sa || sb {
            return Err(Problem::SplitsLineBreak);
        }
        if a >= b {
            return Err(Problem::Empty);
        }
        Ok((a, b))
    }
}

/// The turns of a document that `text` renders, if it does (the check that a source
/// exported by gloss was not changed on the way).
pub fn matches_rendering(doc: &Document, text: &str) -> Option<Rendered> {
    let rendered = render(&doc.turns);
    (rendered.text == text).then_some(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: &str, text: &str) -> Turn {
        Turn {
            speaker: speaker.into(),
            time: None,
            text: text.into(),
        }
    }

    fn sel<'a>(start: &'a str, end: &'a str, name: &'a str) -> RawSelection<'a> {
        RawSelection { start, end, name }
    }

    #[test]
    fn renders_turns_as_speaker_lines() {
        let r = render(&[turn("Ana", "Hi.\nThere"), turn("", "plain")]);
        assert_eq!(r.text, "Ana: Hi.\nThere\nplain\n");
        assert_eq!(r.turns, vec![(5, 14), (15, 20)]);
        assert_eq!(r.offset(Position::new(1, 2)), Some(17));
        let map = r.map();
        // Inside, across turns, and from the label inwards.
        assert_eq!(
            map.span(5, 8),
            Some((Position::new(0, 0), Position::new(0, 3)))
        );
        assert_eq!(
            map.span(0, 17),
            Some((Position::new(0, 0), Position::new(1, 2)))
        );
        assert_eq!(
            map.span(12, 15),
            Some((Position::new(0, 7), Position::new(0, 9)))
        );
        assert_eq!(map.span(0, 4), None, "only the label");
    }

    #[test]
    fn counts_chars_at_offsets() {
        let t = "a—🙃b";
        assert_eq!(chars_at(t, &[8, 0, 1, 4]), vec![3, 0, 1, 2]);
    }

    #[test]
    fn readings_follow_names_then_the_sources_majority() {
        let text = "The cache was stale — again. 🙃 We lost a day.\n";
        let at = |s: &str| text[..text.find(s).unwrap()].chars().count();
        let s = at("We lost");
        let e = s + "We lost a day".chars().count();
        let (ss, es) = (s.to_string(), e.to_string());
        let e_incl = (e - 1).to_string();
        let out = read_selections(
            text,
            &[
                sel(&ss, &es, "We lost a day"),
                sel(&ss, &e_incl, "We lost a day"),
                sel(&ss, &es, "line:3"),
            ],
        );
        let quote = |r: &Result<Placed, Problem>| {
            let p = r.as_ref().unwrap();
            &text[p.start..p.end]
        };
        assert_eq!(quote(&out[0]), "We lost a day");
        assert_eq!(out[0].as_ref().unwrap().reading, Reading::Exclusive);
        assert_eq!(quote(&out[1]), "We lost a day");
        assert_eq!(out[1].as_ref().unwrap().reading, Reading::Inclusive);
        // A name that says nothing: the reading most names matched (a tie: exclusive).
        assert_eq!(out[2].as_ref().unwrap().reading, Reading::Exclusive);
        assert!(!out[2].as_ref().unwrap().name_matched);
    }

    #[test]
    fn crlf_counted_as_one_character() {
        let text = "one\r\ntwo\r\nthree";
        // ATLAS.ti: "three" starts at 8 with CR LF as one, 10 counting both.
        let out = read_selections(text, &[sel("8", "13", "three"), sel("10", "15", "three")]);
        assert_eq!(out[0].as_ref().unwrap().reading, Reading::ExclusiveCrlf);
        assert_eq!(out[1].as_ref().unwrap().reading, Reading::Exclusive);
        for r in &out {
            let p = r.as_ref().unwrap();
            assert_eq!(&text[p.start..p.end], "three");
        }
        // A position between CR and LF, outside the text, reversed, not a number.
        let bad = read_selections(
            text,
            &[
                sel("4", "6", "x"),
                sel("2", "99", "x"),
                sel("5", "2", "x"),
                sel("a", "2", "x"),
            ],
        );
        assert_eq!(bad[0], Err(Problem::SplitsLineBreak));
        assert_eq!(bad[1], Err(Problem::OutOfRange(15)));
        assert_eq!(bad[2], Err(Problem::Empty));
        assert_eq!(bad[3], Err(Problem::NotANumber));
    }

    #[test]
    fn names_cut_short_match_their_start() {
        assert!(name_matches("We lost a…", "We lost a day"));
        assert!(name_matches("  We  lost\na day ", "We lost a day"));
        assert!(!name_matches("line:6", "We lost a day"));
        assert!(!name_matches("", ""));
    }

    #[test]
    fn aligns_parsed_transcript_turns_with_their_text() {
        let text = "Interviewer: Why?\r\n\r\nP1:  Because\r\nit broke.  \r\nInterviewer: Ok\r\n";
        let turns = crate::corpus::import::transcript::parse(text).turns;
        assert_eq!(turns[1].text, "Because\nit broke.");
        let map = TurnMap::align(text, &turns).unwrap();
        let because = text.find("Because").unwrap();
        let broke = text.find("broke.").unwrap() + "broke.".len();
        assert_eq!(
            map.span(because, broke),
            Some((Position::new(1, 0), Position::new(1, 17)))
        );
        // The whole second line with its line break: the turn's text up to its end.
        let line = text.find("it broke").unwrap();
        assert_eq!(
            map.span(line, line + "it broke.  \r\n".len()),
            Some((Position::new(1, 8), Position::new(1, 17)))
        );
    }
}
