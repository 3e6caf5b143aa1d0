//! Anchors: the quoted text of a span with a little context on each side, used to
//! find the span again after the document's text changed (re-anchoring).
//!
//! A span stays where it is when the text there still reads the same with the same
//! context. Otherwise the quote is searched for: one occurrence places it there;
//! several are told apart by how much of the stored context surrounds each, and a tie
//! (or no occurrence at all) leaves the coding orphaned — never silently moved.

use serde::{Deserialize, Serialize};

use crate::corpus::{Document, Position};

/// How many bytes of context (rounded to characters) an anchor keeps on each side.
pub const CONTEXT_BYTES: usize = 40;

/// A span's quoted text and its context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub quote: String,
    #[serde(default)]
    pub before: String,
    #[serde(default)]
    pub after: String,
}

/// Where an anchored span lies in the current text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The span is where it was stored.
    InPlace { start: Position, end: Position },
    /// The text changed and the span was found elsewhere by its quote and context.
    Moved { start: Position, end: Position },
    /// The span could not be placed; the reason says why.
    Orphaned(Orphan),
}

impl Placement {
    /// The span's current start and end, unless orphaned.
    pub fn span(&self) -> Option<(Position, Position)> {
        match *self {
            Placement::InPlace { start, end } | Placement::Moved { start, end } => {
                Some((start, end))
            }
            Placement::Orphaned(_) => None,
        }
    }
}

/// Why a span could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Orphan {
    /// The quoted text no longer occurs in the document.
    QuoteNotFound,
    /// The quote occurs this many times and its context does not single one out.
    Ambiguous(usize),
    /// The quote occurs once, but not where it was and not with its old context.
    ContextChanged,
}

impl std::fmt::Display for Orphan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Orphan::QuoteNotFound => f.write_str("quoted text no longer in the document"),
            Orphan::Ambiguous(n) => write!(
                f,
                "quoted text occurs {n} times and its context does not tell which"
            ),
            Orphan::ContextChanged => f.write_str(
                "quoted text is gone from its place; the same words elsewhere have other context",
            ),
        }
    }
}

/// A document's linear text with its turn starts, for anchoring many spans.
pub struct AnchorText<'a> {
    pub doc: &'a Document,
    pub text: String,
    pub starts: Vec<usize>,
}

impl<'a> AnchorText<'a> {
    pub fn new(doc: &'a Document) -> Self {
        AnchorText {
            doc,
            text: doc.linear_text(),
            starts: doc.turn_starts(),
        }
    }

    /// Makes the anchor of a span; `None` when a position lies outside the text, off a
    /// grapheme boundary, or the span is empty or reversed.
    pub fn anchor(&self, start: Position, end: Position) -> Option<Anchor> {
        if !self.doc.is_boundary(start) || !self.doc.is_boundary(end) {
            return None;
        }
        let s = self.doc.linear_offset(start)?;
        let e = self.doc.linear_offset(end)?;
        if s >= e {
            return None;
        }
        Some(Anchor {
            quote: self.text.get(s..e)?.to_string(),
            before: self
                .text
                .get(floor_char(&self.text, s.saturating_sub(CONTEXT_BYTES))..s)?
                .to_string(),
            after: self
                .text
                .get(e..ceil_char(&self.text, (e + CONTEXT_BYTES).min(self.text.len())))?
                .to_string(),
        })
    }

    /// Finds where an anchored span lies now; `stored` is the span as last saved.
    pub fn place(&self, anchor: &Anchor, stored: (Position, Position)) -> Placement {
        let quote = anchor.quote.as_str();
        if quote.is_empty() {
            return Placement::Orphaned(Orphan::QuoteNotFound);
        }
        if let Some(s) = self.doc.linear_offset(stored.0)
            && self.text.get(s..s + quote.len()) == Some(quote)
            && self.context_score(anchor, s) == anchor.before.len() + anchor.after.len()
            && let Some(span) = self.span_at(s, quote.len())
        {
            return Placement::InPlace {
                start: span.0,
                end: span.1,
            };
        }
        let mut candidates = Vec::new();
        let mut from = 0;
        while let Some(found) = self.text.get(from..).and_then(|t| t.find(quote)) {
            let at = from + found;
            if self.span_at(at, quote.len()).is_some() {
                candidates.push(at);
            }
            from = at + self.text[at..].chars().next().map_or(1, char::len_utf8);
            if candidates.len() > 100_000 {
                break;
            }
        }
        // A moved span must keep at least half of its stored context: a quote that was
        // deleted while the same words remain elsewhere is orphaned, not moved there.
        let needed = (anchor.before.len() + anchor.after.len()).div_ceil(2);
        let span = match candidates.as_slice() {
            [] => return Placement::Orphaned(Orphan::QuoteNotFound),
            [only] => {
                if self.context_score(anchor, *only) < needed {
                    return Placement::Orphaned(Orphan::ContextChanged);
                }
                *only
            }
            many => {
                let scores: Vec<usize> = many
                    .iter()
                    .map(|&at| self.context_score(anchor, at))
                    .collect();
                let best = scores.iter().copied().max().unwrap_or(0);
                let winners = scores.iter().filter(|&&s| s == best).count();
                if best < needed.max(1) || winners > 1 {
                    return Placement::Orphaned(Orphan::Ambiguous(many.len()));
                }
                many[scores.iter().position(|&s| s == best).unwrap_or(0)]
            }
        };
        match self.span_at(span, quote.len()) {
            Some((start, end)) => Placement::Moved { start, end },
            None => Placement::Orphaned(Orphan::QuoteNotFound),
        }
    }

    /// The positions of a linear span if both ends are grapheme boundaries of their turns.
    fn span_at(&self, at: usize, len: usize) -> Option<(Position, Position)> {
        let start = self.doc.position_of(&self.starts, at);
        let end_off = at + len;
        // An end right after a turn separator belongs to the end of the previous turn.
        let end = self.doc.position_of(&self.starts, end_off);
        let ok = self.doc.linear_offset(start) == Some(at)
            && self.doc.linear_offset(end) == Some(end_off)
            && self.doc.is_boundary(start)
            && self.doc.is_boundary(end);
        ok.then_some((start, end))
    }

    /// How many bytes of the stored context match around a candidate at `at`.
    fn context_score(&self, anchor: &Anchor, at: usize) -> usize {
        let before = self.text.get(..at).unwrap_or("");
        let after = self.text.get(at + anchor.quote.len()..).unwrap_or("");
        common_suffix(before, &anchor.before) + common_prefix(after, &anchor.after)
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .take_while(|((_, x), y)| x == y)
        .last()
        .map_or(0, |((i, c), _)| i + c.len_utf8())
}

fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(c, _)| c.len_utf8())
        .sum()
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::corpus::testing::doc;

    fn anchored(turns: &[&str], turn: usize, quote: &str) -> (Anchor, (Position, Position)) {
        let d = doc(turns);
        let at = d.turns[turn].text.find(quote).unwrap();
        let span = (
            Position::new(turn, at),
            Position::new(turn, at + quote.len()),
        );
        (AnchorText::new(&d).anchor(span.0, span.1).unwrap(), span)
    }

    #[test]
    fn unchanged_text_is_in_place() {
        let turns = ["We reused the pretrained weights.", "Then it crashed."];
        let (anchor, span) = anchored(&turns, 1, "crashed");
        let d = doc(&turns);
        assert_eq!(
            AnchorText::new(&d).place(&anchor, span),
            Placement::InPlace {
                start: span.0,
                end: span.1
            }
        );
    }

    #[test]
    fn insertion_before_moves_the_span() {
        let (anchor, span) = anchored(&["one", "the loss went to NaN here"], 1, "NaN");
        let edited = doc(&["zero", "one", "the loss went to NaN here"]);
        let placed = AnchorText::new(&edited).place(&anchor, span);
        assert_eq!(
            placed,
            Placement::Moved {
                start: Position::new(2, 17),
                end: Position::new(2, 20)
            }
        );
    }

    #[test]
    fn changed_quote_is_orphaned() {
        let (anchor, span) = anchored(&["the loss went to NaN here"], 0, "went to NaN");
        let edited = doc(&["the loss went to infinity here"]);
        assert_eq!(
            AnchorText::new(&edited).place(&anchor, span),
            Placement::Orphaned(Orphan::QuoteNotFound)
        );
    }

    #[test]
    fn duplicate_is_placed_by_context_or_orphaned() {
        let (anchor, span) = anchored(
            &["alpha beta the model crashed gamma"],
            0,
            "the model crashed",
        );
        // A copy with other context inserted before: placed at the original by context.
        let edited = doc(&[
            "xx the model crashed yy",
            "alpha beta the model crashed gamma",
        ]);
        assert_eq!(
            AnchorText::new(&edited).place(&anchor, span),
            Placement::Moved {
                start: Position::new(1, 11),
                end: Position::new(1, 28)
            }
        );
        // Two copies with identical context, neither at the stored place: orphaned.
        let edited = doc(&[
            "new",
            "alpha beta the model crashed gamma",
            "alpha beta the model crashed gamma",
        ]);
        assert_eq!(
            AnchorText::new(&edited).place(&anchor, span),
            Placement::Orphaned(Orphan::Ambiguous(2))
        );
    }

    #[test]
    fn a_deleted_quote_is_not_moved_to_the_same_words_elsewhere() {
        let turns = [
            "the GPU broke on Monday",
            "later the GPU broke again",
            "and finally the GPU broke for good",
        ];
        let (anchor, span) = anchored(&turns, 2, "the GPU broke");
        let one_left = doc(&["the GPU broke on Monday", "later", "and finally for good"]);
        assert_eq!(
            AnchorText::new(&one_left).place(&anchor, span),
            Placement::Orphaned(Orphan::ContextChanged)
        );
        let two_left = doc(&[
            "the GPU broke on Monday",
            "later the GPU broke again",
            "and finally for good",
        ]);
        assert!(matches!(
            AnchorText::new(&two_left).place(&anchor, span),
            Placement::Orphaned(Orphan::Ambiguous(2))
        ));
    }

    #[test]
    fn spans_across_turns_and_multibyte_text() {
        let d = doc(&["中文的句子", "über alles"]);
        let t = AnchorText::new(&d);
        let a = t.anchor(Position::new(0, 6), Position::new(1, 5)).unwrap();
        assert_eq!(a.quote, "的句子\nüber");
        assert_eq!(a.before, "中文");
        let edited = doc(&["前言", "中文的句子", "über alles"]);
        assert_eq!(
            AnchorText::new(&edited).place(&a, (Position::new(0, 6), Position::new(1, 5))),
            Placement::Moved {
                start: Position::new(1, 6),
                end: Position::new(2, 5)
            }
        );
        assert!(
            t.anchor(Position::new(0, 1), Position::new(0, 6)).is_none(),
            "inside a character"
        );
    }
}
