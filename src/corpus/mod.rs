//! The corpus: documents (ordered turns plus attributes), their ids and kinds, and
//! loading them from a project's source files.
//!
//! Text is UTF-8; a position in a document is a [`Position`]: a turn index and a
//! byte offset into that turn's text, always on a grapheme boundary.

pub mod docfile;
pub mod import;
pub mod load;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// The three kinds of document, named the same everywhere (CLI, files, exports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Transcript,
    Issue,
    Survey,
}

impl DocKind {
    /// All kinds, in display order.
    pub const ALL: [DocKind; 3] = [DocKind::Transcript, DocKind::Issue, DocKind::Survey];

    /// The kind's name: `transcript`, `issue` or `survey`.
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Transcript => "transcript",
            DocKind::Issue => "issue",
            DocKind::Survey => "survey",
        }
    }

    /// The project folder holding documents of this kind (`transcripts`, `issues`, `surveys`).
    pub fn folder(self) -> &'static str {
        match self {
            DocKind::Transcript => "transcripts",
            DocKind::Issue => "issues",
            DocKind::Survey => "surveys",
        }
    }

    /// Parses a kind name; accepts the plural folder name too.
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL
            .into_iter()
            .find(|k| s.eq_ignore_ascii_case(k.name()) || s.eq_ignore_ascii_case(k.folder()))
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An attribute value: one string or a list of strings (such as an issue's labels).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    One(String),
    Many(Vec<String>),
}

impl AttrValue {
    /// True when the value equals `s` or, for a list, contains it (case-insensitive).
    pub fn matches(&self, s: &str) -> bool {
        match self {
            AttrValue::One(v) => v.eq_ignore_ascii_case(s),
            AttrValue::Many(vs) => vs.iter().any(|v| v.eq_ignore_ascii_case(s)),
        }
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::One(v) => f.write_str(v),
            AttrValue::Many(vs) => f.write_str(&vs.join(", ")),
        }
    }
}

/// Document attributes, sorted by name so that files written from them are deterministic.
pub type Attributes = BTreeMap<String, AttrValue>;

/// One turn: what one speaker (or issue author, or survey question) said, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Turn {
    /// The speaker label as written in the source (`Interviewer`, `Speaker 2`, a GitHub login,
    /// or a survey question).
    pub speaker: String,
    /// A timestamp as found in the source (`00:19:00`, `2021-03-04T10:00:00Z`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The turn's text, UTF-8.
    pub text: String,
}

/// A document: an id, a kind, a title, attributes and an ordered list of turns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Document {
    /// Stable, readable id: `transcripts/leader1`, `issues/ultralytics/yolov5#1234`,
    /// `surveys/exit-2024/R17`.
    pub id: String,
    pub kind: DocKind,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: Attributes,
    #[serde(deserialize_with = "exact_turns")]
    pub turns: Vec<Turn>,
}

/// Reads a list of turns into a vector of exactly its length: the turns are collected in
/// a reused per-thread vector first, so a document's list is allocated once instead of
/// growing (and being copied, and leaving up to half its capacity unused) 4, 8, 16, …
fn exact_turns<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Turn>, D::Error> {
    struct Turns;
    impl<'de> serde::de::Visitor<'de> for Turns {
        type Value = Vec<Turn>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of turns")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Vec<Turn>, A::Error> {
            thread_local! {
                static SCRATCH: std::cell::RefCell<Vec<Turn>> = const { std::cell::RefCell::new(Vec::new()) };
            }
            // Taken out while in use: a turn never holds turns, but a panic or an error
            // must not leave anything behind in it.
            let mut scratch = SCRATCH.with_borrow_mut(std::mem::take);
            scratch.clear();
            let result = (|| {
                while let Some(turn) = seq.next_element()? {
                    scratch.push(turn);
                }
                Ok(())
            })();
            let mut turns = Vec::with_capacity(scratch.len());
            turns.append(&mut scratch);
            SCRATCH.with_borrow_mut(|s| *s = scratch);
            result.map(|()| turns)
        }
    }
    d.deserialize_seq(Turns)
}

/// A place in a document: a turn index and a byte offset into that turn's text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Position {
    pub turn: usize,
    pub byte: usize,
}

impl Position {
    pub fn new(turn: usize, byte: usize) -> Self {
        Position { turn, byte }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.turn, self.byte)
    }
}

/// The separator placed between turns in a document's linear text.
pub const TURN_SEPARATOR: &str = "\n";

impl Document {
    /// The document's text as one string, turns joined by [`TURN_SEPARATOR`]; with
    /// [`Document::turn_starts`] this maps positions to linear offsets and back.
    pub fn linear_text(&self) -> String {
        let mut out = String::with_capacity(self.turns.iter().map(|t| t.text.len() + 1).sum());
        for (i, turn) in self.turns.iter().enumerate() {
            if i > 0 {
                out.push_str(TURN_SEPARATOR);
            }
            out.push_str(&turn.text);
        }
        out
    }

    /// The linear offset at which each turn starts.
    pub fn turn_starts(&self) -> Vec<usize> {
        let mut starts = Vec::with_capacity(self.turns.len());
        let mut at = 0;
        for turn in &self.turns {
            starts.push(at);
            at += turn.text.len() + TURN_SEPARATOR.len();
        }
        starts
    }

    /// The linear offset of a position, or `None` when it lies outside the text.
    pub fn linear_offset(&self, pos: Position) -> Option<usize> {
        let turn = self.turns.get(pos.turn)?;
        if pos.byte > turn.text.len() {
            return None;
        }
        Some(
            self.turns[..pos.turn]
                .iter()
                .map(|t| t.text.len() + TURN_SEPARATOR.len())
                .sum::<usize>()
                + pos.byte,
        )
    }

    /// The position of a linear offset. An offset on a separator maps to the end of the
    /// turn before it.
    pub fn position_of(&self, starts: &[usize], offset: usize) -> Position {
        let turn = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let byte = (offset - starts.get(turn).copied().unwrap_or(0))
            .min(self.turns.get(turn).map_or(0, |t| t.text.len()));
        Position { turn, byte }
    }

    /// True when `pos` is inside the document and on a grapheme boundary of its turn.
    pub fn is_boundary(&self, pos: Position) -> bool {
        self.turns
            .get(pos.turn)
            .is_some_and(|t| is_grapheme_boundary(&t.text, pos.byte))
    }

    /// A text's total size in bytes (all turns).
    pub fn text_len(&self) -> usize {
        self.turns.iter().map(|t| t.text.len()).sum()
    }
}

/// True when `byte` is a grapheme boundary of `text` (0 and `text.len()` are).
pub fn is_grapheme_boundary(text: &str, byte: usize) -> bool {
    if byte == 0 || byte == text.len() {
        return true;
    }
    if !text.is_char_boundary(byte) {
        return false;
    }
    let mut cursor = unicode_segmentation::GraphemeCursor::new(byte, text.len(), true);
    cursor.is_boundary(text, 0).unwrap_or(false)
}

/// Makes a readable, file-name-safe id part: lower case, runs of other characters
/// turned into `-` (letters of any script are kept).
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for g in s.graphemes(true) {
        let keep = g
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
        if keep {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push_str(&g.to_lowercase());
        } else {
            dash = true;
        }
    }
    out.trim_matches('.').to_string()
}

/// Documents for unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Attributes, DocKind, Document, Turn};

    /// A transcript whose turns have these texts, all by speaker `A`.
    pub fn doc(texts: &[&str]) -> Document {
        Document {
            id: "transcripts/t".into(),
            kind: DocKind::Transcript,
            title: String::new(),
            attributes: Attributes::new(),
            turns: texts
                .iter()
                .map(|t| Turn {
                    speaker: "A".into(),
                    time: None,
                    text: (*t).into(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::testing::doc;

    #[test]
    fn linear_offsets_round_trip() {
        let d = doc(&["héllo", "", "wörld"]);
        let starts = d.turn_starts();
        assert_eq!(d.linear_text(), "héllo\n\nwörld");
        for (turn, t) in d.turns.iter().enumerate() {
            for byte in 0..=t.text.len() {
                let p = Position::new(turn, byte);
                let off = d.linear_offset(p).unwrap();
                assert_eq!(d.position_of(&starts, off), p);
            }
        }
        assert_eq!(d.linear_offset(Position::new(0, 99)), None);
    }

    #[test]
    fn grapheme_boundaries() {
        let t = "e\u{301}x👍🏽";
        assert!(is_grapheme_boundary(t, 0));
        assert!(!is_grapheme_boundary(t, 1));
        assert!(is_grapheme_boundary(t, 3));
        assert!(!is_grapheme_boundary(t, 8));
        assert!(is_grapheme_boundary(t, t.len()));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Interview_leader2&3"), "interview_leader2-3");
        assert_eq!(slug("Entrevista Ñandú 2"), "entrevista-ñandú-2");
        assert_eq!(slug("访谈 一"), "访谈-一");
    }
}
