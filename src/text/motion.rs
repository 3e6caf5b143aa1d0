//! Cursor motions by byte offset (TEMPORARY shim).

use unicode_segmentation::UnicodeSegmentation;

pub fn snap_to_grapheme(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    let mut last = 0;
    for (i, _) in text.grapheme_indices(true) {
        if i > byte {
            break;
        }
        last = i;
    }
    if byte == text.len() { byte } else { last }
}

pub fn next_grapheme(text: &str, byte: usize) -> usize {
    let at = snap_to_grapheme(text, byte);
    text.get(at..)
        .and_then(|r| r.graphemes(true).next())
        .map_or(text.len(), |g| at + g.len())
}

pub fn prev_grapheme(text: &str, byte: usize) -> usize {
    let at = snap_to_grapheme(text, byte);
    text.get(..at)
        .and_then(|r| r.grapheme_indices(true).next_back())
        .map_or(0, |(i, _)| i)
}

fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_word_bound_indices()
        .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
}

pub fn next_word(text: &str, byte: usize) -> usize {
    words(text)
        .map(|(i, _)| i)
        .find(|&i| i > byte)
        .unwrap_or(text.len())
}

pub fn prev_word(text: &str, byte: usize) -> usize {
    words(text)
        .map(|(i, _)| i)
        .filter(|&i| i < byte)
        .last()
        .unwrap_or(0)
}

pub fn word_end(text: &str, byte: usize) -> usize {
    words(text)
        .map(|(i, w)| i + w.len())
        .find(|&e| e > byte)
        .unwrap_or(text.len())
}

fn sentences(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.split_sentence_bound_indices()
        .map(|(i, s)| i + (s.len() - s.trim_start().len()))
}

pub fn next_sentence(text: &str, byte: usize) -> usize {
    sentences(text).find(|&i| i > byte).unwrap_or(text.len())
}

pub fn prev_sentence(text: &str, byte: usize) -> usize {
    sentences(text).filter(|&i| i < byte).last().unwrap_or(0)
}

pub fn sentence_bounds(text: &str, byte: usize) -> (usize, usize) {
    for (i, s) in text.split_sentence_bound_indices() {
        if byte < i + s.len() {
            let lead = s.len() - s.trim_start().len();
            return (i + lead, i + s.trim_end().len());
        }
    }
    (text.len(), text.len())
}
