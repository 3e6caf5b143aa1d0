//! Cursor motions over one text by byte offset: by grapheme cluster, word and sentence
//! (UAX #29, as `unicode-segmentation` implements it).
//!
//! Every function accepts any `byte` (past the end, inside a multi-byte character,
//! inside a grapheme) and returns a grapheme boundary of the text, in `0..=text.len()`.
//! A byte inside a grapheme counts as that grapheme.
//!
//! * A *word* is a UAX #29 word segment holding a letter or a digit: `It's` and `3.14`
//!   are one word each, punctuation and spaces are none, and each CJK ideograph is a
//!   word of its own (UAX #29 has no dictionary).
//! * A *sentence* is a UAX #29 sentence segment without the whitespace around it.
//!
//! Words and sentences are segmented from a nearby point where segmentation can start
//! afresh (after an ASCII space, tab or newline for words, after a newline for
//! sentences) instead of from the start of the text, so a motion in a long turn costs
//! about the distance it covers; the tests hold the results to segmenting the whole text.

use unicode_segmentation::{GraphemeCursor, UnicodeSegmentation};

/// `byte` clamped to the text and moved down to a character boundary.
fn floor_char(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

/// The start of the grapheme containing `byte` (`text.len()` for a byte at or past
/// the end).
pub fn snap_to_grapheme(text: &str, byte: usize) -> usize {
    let b = floor_char(text, byte);
    // The whole text is the chunk, so the cursor never asks for more context.
    match GraphemeCursor::new(b, text.len(), true).is_boundary(text, 0) {
        Ok(true) => b,
        Ok(false) => GraphemeCursor::new(b, text.len(), true)
            .prev_boundary(text, 0)
            .ok()
            .flatten()
            .unwrap_or(0),
        Err(_) => text
            .grapheme_indices(true)
            .map(|(i, _)| i)
            .take_while(|&i| i <= b)
            .last()
            .unwrap_or(0),
    }
}

/// The start of the next grapheme after the one containing `byte` (`text.len()` at
/// the end).
pub fn next_grapheme(text: &str, byte: usize) -> usize {
    let at = snap_to_grapheme(text, byte);
    if at >= text.len() {
        return text.len();
    }
    GraphemeCursor::new(at, text.len(), true)
        .next_boundary(text, 0)
        .ok()
        .flatten()
        .unwrap_or(text.len())
}

/// The start of the grapheme before the one containing `byte` (0 at the start).
pub fn prev_grapheme(text: &str, byte: usize) -> usize {
    let at = snap_to_grapheme(text, byte);
    if at == 0 {
        return 0;
    }
    GraphemeCursor::new(at, text.len(), true)
        .prev_boundary(text, 0)
        .ok()
        .flatten()
        .unwrap_or(0)
}

/// `byte` if it is a grapheme boundary, else the end of the grapheme containing it.
fn ceil_to_grapheme(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    let at = snap_to_grapheme(text, byte);
    if at == byte {
        at
    } else {
        next_grapheme(text, at)
    }
}

/// The last point at or before `byte` where word segmentation can start afresh: the
/// start of the text, or an ASCII space, tab or newline followed by a printable ASCII
/// character. Such a point is a word boundary (WB3a, WB999), and no rule that looks
/// back (WB4, WB7, WB7c, WB12, WB15–16, WB3c) can see past the whitespace.
fn word_restart(text: &str, byte: usize) -> usize {
    let bytes = text.as_bytes();
    let mut p = byte.min(bytes.len().saturating_sub(1));
    while p > 0 {
        if let (Some(b' ' | b'\t' | b'\n'), Some(0x21..=0x7e)) = (bytes.get(p - 1), bytes.get(p)) {
            return p;
        }
        p -= 1;
    }
    0
}

/// The words of `text` from `from` (a restart point) on, as byte ranges.
fn words_from(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    text.get(from..)
        .unwrap_or_default()
        .split_word_bound_indices()
        .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
        .map(move |(i, w)| (from + i, from + i + w.len()))
}

/// The start of the next word after the one at `byte` (the first word starting after
/// `byte`); `text.len()` if there is none.
pub fn next_word(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    words_from(text, word_restart(text, byte))
        .map(|(start, _)| snap_to_grapheme(text, start))
        .find(|&start| start > byte)
        .unwrap_or(text.len())
}

/// The start of the word before `byte`, or of the word `byte` is in when it is past
/// that word's start (the last word starting before `byte`); 0 if there is none.
pub fn prev_word(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    // Look at the stretch before `upto` from a restart point, then further back.
    let mut upto = byte;
    let mut from = word_restart(text, byte);
    loop {
        let last = words_from(text, from)
            .map(|(start, _)| start)
            .take_while(|&start| start < upto)
            .last();
        if let Some(start) = last {
            return snap_to_grapheme(text, start);
        }
        if from == 0 {
            return 0;
        }
        upto = from;
        from = word_restart(text, from - 1);
    }
}

/// The end (exclusive) of the word containing `byte`, or of the first word after it;
/// `text.len()` if there is none.
pub fn word_end(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    words_from(text, word_restart(text, byte))
        .map(|(_, end)| ceil_to_grapheme(text, end))
        .find(|&end| end > byte)
        .unwrap_or(text.len())
}

/// The last point at or before `byte` where sentence segmentation can start afresh:
/// the start of the text or of a line. A line break always ends a sentence (SB4), and
/// the rules that look back (SB8–SB11) stop at one.
fn sentence_restart(text: &str, byte: usize) -> usize {
    text.as_bytes()
        .get(..byte.min(text.len()))
        .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
        .map_or(0, |p| p + 1)
}

/// The sentence segment `s` found at `start`, trimmed of surrounding whitespace, as a
/// byte range (an all-whitespace segment becomes the empty range at its end).
fn trimmed(start: usize, s: &str) -> (usize, usize) {
    let body = s.trim();
    if body.is_empty() {
        return (start + s.len(), start + s.len());
    }
    let lead = s.len() - s.trim_start().len();
    (start + lead, start + lead + body.len())
}

/// The sentence segments of `text` from `from` (a restart point) on, with their offsets.
fn segments_from(text: &str, from: usize) -> impl Iterator<Item = (usize, &str)> {
    text.get(from..)
        .unwrap_or_default()
        .split_sentence_bound_indices()
        .map(move |(i, s)| (from + i, s))
}

/// The sentences of `text` from `from` (a restart point) on, trimmed; whitespace
/// between paragraphs is no sentence.
fn sentences_from(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    segments_from(text, from)
        .map(|(start, s)| trimmed(start, s))
        .filter(|(start, end)| start < end)
}

/// The start of the next sentence after `byte` (leading whitespace skipped);
/// `text.len()` if there is none.
pub fn next_sentence(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    sentences_from(text, sentence_restart(text, byte))
        .map(|(start, _)| snap_to_grapheme(text, start))
        .find(|&start| start > byte)
        .unwrap_or(text.len())
}

/// The start of the sentence before `byte`, or of the sentence `byte` is in when it is
/// past that sentence's start; 0 if there is none.
pub fn prev_sentence(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    let mut upto = byte;
    let mut from = sentence_restart(text, byte);
    loop {
        let last = sentences_from(text, from)
            .map(|(start, _)| start)
            .take_while(|&start| start < upto)
            .last();
        if let Some(start) = last {
            return snap_to_grapheme(text, start);
        }
        if from == 0 {
            return 0;
        }
        upto = from;
        from = sentence_restart(text, from - 1);
    }
}

/// The sentence around `byte`, trimmed of surrounding whitespace, as `(start, end)`
/// with `end` exclusive. A byte at or past the end counts as the text's last
/// character. When `byte` is in whitespace that belongs to no sentence (a blank line),
/// the result is the empty range at the grapheme containing `byte`.
pub fn sentence_bounds(text: &str, byte: usize) -> (usize, usize) {
    if text.is_empty() {
        return (0, 0);
    }
    let at = floor_char(text, byte.min(text.len() - 1));
    let around = segments_from(text, sentence_restart(text, at))
        .find(|(start, s)| start + s.len() > at)
        .map(|(start, s)| trimmed(start, s));
    match around {
        Some((start, end)) if start < end => {
            (snap_to_grapheme(text, start), ceil_to_grapheme(text, end))
        }
        _ => {
            let at = snap_to_grapheme(text, at);
            (at, at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Hello, world. It's 3.14 — fine! 我们";

    /// Everything the motions must survive, with restart points and without.
    const MIXED: &str = "Hello, world. It's 3.14 — fine! 我们\r\n\te\u{301}x 👩‍🔬 🇫🇷🇩🇪 \
        \u{600}1 a.b don't\n\n  B? \x1b[2J \u{202e}z  ज्ञान  \"Quoted.\"  Next  \u{5d0}\"\u{5d1} \
        e.g. this. 3 .5 — end.\n";

    fn boundaries(text: &str) -> Vec<usize> {
        let mut b: Vec<usize> = text.grapheme_indices(true).map(|(i, _)| i).collect();
        b.push(text.len());
        b
    }

    #[test]
    fn words_in_a_sentence() {
        assert_eq!(TEXT.len(), 40);
        let next: Vec<_> = [0, 3, 5, 7, 12, 14, 19, 20, 24, 28, 34, 37, 40, 99]
            .iter()
            .map(|&b| next_word(TEXT, b))
            .collect();
        assert_eq!(next, [7, 7, 7, 14, 14, 19, 28, 28, 28, 34, 37, 40, 40, 40]);
        let prev: Vec<_> = [99, 40, 38, 37, 34, 30, 28, 24, 15, 14, 7, 3, 0]
            .iter()
            .map(|&b| prev_word(TEXT, b))
            .collect();
        assert_eq!(prev, [37, 37, 37, 34, 28, 28, 19, 19, 14, 7, 0, 0, 0]);
        let end: Vec<_> = [0, 4, 5, 12, 14, 19, 24, 33, 34, 37, 40]
            .iter()
            .map(|&b| word_end(TEXT, b))
            .collect();
        assert_eq!(end, [5, 5, 12, 18, 18, 23, 32, 37, 37, 40, 40]);
    }

    #[test]
    fn sentences_in_a_text() {
        let next: Vec<_> = [0, 13, 14, 33, 34, 40]
            .iter()
            .map(|&b| next_sentence(TEXT, b))
            .collect();
        assert_eq!(next, [14, 14, 34, 34, 40, 40]);
        let prev: Vec<_> = [40, 35, 34, 20, 14, 3, 0]
            .iter()
            .map(|&b| prev_sentence(TEXT, b))
            .collect();
        assert_eq!(prev, [34, 34, 14, 14, 0, 0, 0]);
        assert_eq!(sentence_bounds(TEXT, 3), (0, 13));
        assert_eq!(sentence_bounds(TEXT, 13), (0, 13));
        assert_eq!(sentence_bounds(TEXT, 20), (14, 33));
        assert_eq!(sentence_bounds(TEXT, 35), (34, 40));
        assert_eq!(sentence_bounds(TEXT, 99), (34, 40));
        // Whitespace between paragraphs belongs to no sentence.
        let text = "One.\n\n  Two.";
        assert_eq!(next_sentence(text, 0), 8);
        assert_eq!(prev_sentence(text, 8), 0);
        assert_eq!(sentence_bounds(text, 5), (5, 5));
        assert_eq!(sentence_bounds(text, 6), (8, 12));
        assert_eq!(sentence_bounds(text, 9), (8, 12));
        assert_eq!(sentence_bounds("", 5), (0, 0));
    }

    #[test]
    fn graphemes_step_over_clusters() {
        let text = "e\u{301}👩‍🔬🇫🇷a\r\nb";
        let mut at = 0;
        let mut forward = vec![at];
        while at < text.len() {
            at = next_grapheme(text, at);
            forward.push(at);
        }
        assert_eq!(forward, [0, 3, 14, 22, 23, 25, 26]);
        let mut backward = vec![at];
        while at > 0 {
            at = prev_grapheme(text, at);
            backward.push(at);
        }
        forward.reverse();
        assert_eq!(backward, forward);
        // Inside a grapheme counts as that grapheme.
        assert_eq!(snap_to_grapheme(text, 2), 0);
        assert_eq!(snap_to_grapheme(text, 9), 3);
        assert_eq!(snap_to_grapheme(text, 24), 23);
        assert_eq!(next_grapheme(text, 9), 14);
        assert_eq!(prev_grapheme(text, 9), 0);
        assert_eq!(snap_to_grapheme(text, 99), text.len());
        assert_eq!(prev_grapheme(text, 99), 25);
        for f in [
            next_grapheme,
            prev_grapheme,
            snap_to_grapheme,
            next_word,
            prev_word,
        ] {
            assert_eq!(f("", 3), 0);
        }
    }

    /// The same motions segmenting the whole text every time.
    mod reference {
        use super::super::{ceil_to_grapheme, snap_to_grapheme};
        use unicode_segmentation::UnicodeSegmentation;

        fn words(text: &str) -> Vec<(usize, usize)> {
            text.split_word_bound_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
                .map(|(i, w)| (i, i + w.len()))
                .collect()
        }

        fn sentences(text: &str) -> Vec<(usize, usize)> {
            text.split_sentence_bound_indices()
                .filter(|(_, s)| !s.trim().is_empty())
                .map(|(i, s)| {
                    let lead = s.len() - s.trim_start().len();
                    (i + lead, i + lead + s.trim().len())
                })
                .collect()
        }

        fn next(text: &str, byte: usize, starts: &[(usize, usize)]) -> usize {
            let byte = byte.min(text.len());
            starts
                .iter()
                .map(|&(s, _)| snap_to_grapheme(text, s))
                .find(|&s| s > byte)
                .unwrap_or(text.len())
        }

        fn prev(text: &str, byte: usize, starts: &[(usize, usize)]) -> usize {
            starts
                .iter()
                .map(|&(s, _)| s)
                .rfind(|&s| s < byte.min(text.len()))
                .map_or(0, |s| snap_to_grapheme(text, s))
        }

        pub fn next_word(text: &str, byte: usize) -> usize {
            next(text, byte, &words(text))
        }
        pub fn prev_word(text: &str, byte: usize) -> usize {
            prev(text, byte, &words(text))
        }
        pub fn word_end(text: &str, byte: usize) -> usize {
            words(text)
                .iter()
                .map(|&(_, e)| ceil_to_grapheme(text, e))
                .find(|&e| e > byte.min(text.len()))
                .unwrap_or(text.len())
        }
        pub fn next_sentence(text: &str, byte: usize) -> usize {
            next(text, byte, &sentences(text))
        }
        pub fn prev_sentence(text: &str, byte: usize) -> usize {
            prev(text, byte, &sentences(text))
        }
    }

    #[test]
    fn every_offset_lands_on_a_grapheme_boundary() {
        for text in [MIXED, TEXT, "", "a", "\n", " \u{301}", "x\u{600}", "🇫🇷🇩🇪🇯"] {
            let bounds = boundaries(text);
            let on_boundary = |b: usize| bounds.binary_search(&b).is_ok();
            for byte in 0..=text.len() + 3 {
                let clamped = byte.min(text.len());
                let snapped = snap_to_grapheme(text, byte);
                assert!(
                    on_boundary(snapped) && snapped <= clamped,
                    "{text:?} {byte}"
                );
                assert!(text.get(snapped..).is_some());
                for (name, f, forward) in [
                    (
                        "next_grapheme",
                        next_grapheme as fn(&str, usize) -> usize,
                        true,
                    ),
                    ("prev_grapheme", prev_grapheme, false),
                    ("next_word", next_word, true),
                    ("prev_word", prev_word, false),
                    ("word_end", word_end, true),
                    ("next_sentence", next_sentence, true),
                    ("prev_sentence", prev_sentence, false),
                ] {
                    let to = f(text, byte);
                    let ctx = format!("{name}({text:?}, {byte}) = {to}");
                    assert!(on_boundary(to), "not a grapheme boundary: {ctx}");
                    if forward {
                        assert!(to > clamped || to == text.len(), "{ctx}");
                    } else {
                        assert!(to < clamped || to == 0, "{ctx}");
                    }
                }
                assert!(
                    next_grapheme(text, byte) == text.len() || next_grapheme(text, byte) > snapped
                );
                let (s, e) = sentence_bounds(text, byte);
                assert!(
                    s <= e && on_boundary(s) && on_boundary(e),
                    "sentence_bounds({byte}) = ({s}, {e})"
                );
                // Trimmed, but for whitespace inside a grapheme (a space and a mark).
                let body = text.get(s..e).unwrap();
                let blank = |g: &str| g.chars().all(char::is_whitespace);
                let mut graphemes = body.graphemes(true);
                assert!(
                    !graphemes.next().is_some_and(blank),
                    "sentence_bounds({byte})"
                );
                assert!(
                    !graphemes.next_back().is_some_and(blank),
                    "sentence_bounds({byte})"
                );
            }
        }
    }

    #[test]
    fn segmenting_from_restart_points_matches_the_whole_text() {
        let long = MIXED.repeat(3);
        for text in [MIXED, TEXT, long.as_str(), "a b\tc\nd"] {
            for byte in 0..=text.len() + 1 {
                let ctx = format!("{text:?} at {byte}");
                assert_eq!(
                    next_word(text, byte),
                    reference::next_word(text, byte),
                    "next_word {ctx}"
                );
                assert_eq!(
                    prev_word(text, byte),
                    reference::prev_word(text, byte),
                    "prev_word {ctx}"
                );
                assert_eq!(
                    word_end(text, byte),
                    reference::word_end(text, byte),
                    "word_end {ctx}"
                );
                assert_eq!(
                    next_sentence(text, byte),
                    reference::next_sentence(text, byte),
                    "next_sentence {ctx}"
                );
                assert_eq!(
                    prev_sentence(text, byte),
                    reference::prev_sentence(text, byte),
                    "prev_sentence {ctx}"
                );
            }
        }
    }

    #[test]
    fn word_motions_walk_a_text_both_ways() {
        let mut at = 0;
        let mut forward = vec![];
        while at < TEXT.len() {
            forward.push(at);
            at = next_word(TEXT, at);
        }
        assert_eq!(forward, [0, 7, 14, 19, 28, 34, 37]);
        let mut backward = vec![];
        while at > 0 {
            at = prev_word(TEXT, at);
            backward.push(at);
        }
        forward.reverse();
        assert_eq!(backward, forward);
    }
}
