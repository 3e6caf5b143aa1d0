//! Text analysis for search: words by Unicode rules (UAX #29), runs of CJK characters
//! as overlapping bigrams (so a two-character word is found), lower case, accents
//! folded, English stemming — and an "exact" analyzer without stemming or folding.

use std::cell::RefCell;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use unicode_segmentation::UnicodeSegmentation;

/// The name of the stemming, accent-folding analyzer used for turn text.
pub const STEMMED: &str = "gloss_stemmed";
/// The name of the analyzer for exact (unstemmed, unfolded) matching.
pub const EXACT: &str = "gloss_exact";

/// The stemming analyzer.
pub fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer)
        .filter(RemoveLongFilter::limit(80))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedStemmer)
        .build()
}

/// English (Snowball) stemming that remembers recent words in a small direct-mapped
/// table: a corpus repeats its vocabulary, and finding a word in a table that stays in
/// the processor's cache costs a fraction of running the stemmer.
#[derive(Clone, Copy, Default)]
pub struct CachedStemmer;

/// Slots in the table (a power of two); words longer than [`SLOT_BYTES`] bypass it.
const STEM_SLOTS: usize = 4096;
const SLOT_BYTES: usize = 15;

/// A word and its stem, held inline so a lookup follows no pointer.
#[derive(Clone, Copy)]
struct StemSlot {
    word_len: u8,
    word: [u8; SLOT_BYTES],
    stem_len: u8,
    stem: [u8; SLOT_BYTES],
}

const EMPTY_SLOT: StemSlot = StemSlot {
    word_len: 0,
    word: [0; SLOT_BYTES],
    stem_len: 0,
    stem: [0; SLOT_BYTES],
};

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner,
            stem_word: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            slots: vec![EMPTY_SLOT; STEM_SLOTS],
        }
    }
}

/// See [`CachedStemmer`].
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    /// Stems one word (tantivy's Snowball stemmer on the whole input).
    stem_word: TextAnalyzer,
    slots: Vec<StemSlot>,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stem_word: &mut self.stem_word,
            slots: &mut self.slots,
        }
    }
}

/// See [`CachedStemmer`].
pub struct CachedStemmerStream<'a, T> {
    tail: T,
    stem_word: &'a mut TextAnalyzer,
    slots: &'a mut [StemSlot],
}

/// FNV-1a: a short word's slot.
fn slot_index(word: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in word {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 16)) as usize & (STEM_SLOTS - 1)
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let word = token.text.as_bytes();
        let cacheable = word.len() <= SLOT_BYTES;
        let index = if cacheable { slot_index(word) } else { 0 };
        if cacheable {
            let slot = &self.slots[index];
            if usize::from(slot.word_len) == word.len()
                && slot.word.get(..word.len()) == Some(word)
                && let Some(stem) = slot
                    .stem
                    .get(..usize::from(slot.stem_len))
                    .and_then(|s| std::str::from_utf8(s).ok())
            {
                token.text.clear();
                token.text.push_str(stem);
                return true;
            }
        }
        let stem = {
            let mut stream = self.stem_word.token_stream(&token.text);
            if stream.advance() {
                stream.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if cacheable && stem.len() <= SLOT_BYTES {
            let slot = &mut self.slots[index];
            slot.word_len = token.text.len() as u8;
            slot.word[..token.text.len()].copy_from_slice(token.text.as_bytes());
            slot.stem_len = stem.len() as u8;
            slot.stem[..stem.len()].copy_from_slice(stem.as_bytes());
        }
        token.text = stem;
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The exact analyzer: words and CJK bigrams, lower-cased only.
pub fn exact() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer)
        .filter(RemoveLongFilter::limit(80))
        .filter(LowerCaser)
        .build()
}

/// True for characters written without spaces between words (Han, Hiragana, Katakana).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FFFF  // CJK Extensions B–F
        | 0xFF66..=0xFF9F) // half-width Katakana
}

/// Splits text into words (UAX #29 word boundaries, words with a letter or digit);
/// CJK runs become overlapping character bigrams (a lone character stays a unigram).
#[derive(Clone, Default)]
pub struct WordTokenizer;

/// The tokens of one text: their byte spans are found up front, and one reused
/// [`Token`] is filled for each in turn (no allocation per token).
pub struct WordTokens<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
    next: usize,
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokens<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokens<'a> {
        WordTokens {
            text,
            spans: spans(text),
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for WordTokens<'_> {
    fn advance(&mut self) -> bool {
        let Some(&(from, to)) = self.spans.get(self.next) else {
            return false;
        };
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.next;
        self.token.position_length = 1;
        self.token.text.clear();
        self.token
            .text
            .push_str(self.text.get(from..to).unwrap_or(""));
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Tokenizes text into owned tokens: see [`WordTokenizer`].
pub fn tokenize(text: &str) -> Vec<Token> {
    spans(text)
        .into_iter()
        .enumerate()
        .map(|(position, (from, to))| Token {
            offset_from: from,
            offset_to: to,
            position,
            text: text.get(from..to).unwrap_or("").to_string(),
            position_length: 1,
        })
        .collect()
}

/// The byte spans of the tokens of `text`, in order: words (split at apostrophes), and
/// CJK runs as overlapping pairs of characters (a lone character alone). See [`split`].
fn spans(text: &str) -> Vec<(usize, usize)> {
    thread_local! {
        /// The last text split on this thread and its spans: tantivy analyses a turn's
        /// text for the stemmed and the exact field one after the other.
        static LAST: RefCell<(String, Vec<(usize, usize)>)> = const {
            RefCell::new((String::new(), Vec::new()))
        };
    }
    LAST.with_borrow_mut(|(last_text, last_spans)| {
        if last_text.as_str() != text {
            *last_spans = split(text);
            last_text.clear();
            last_text.push_str(text);
        }
        last_spans.clone()
    })
}

/// Splits a text into token spans (the work behind [`spans`], uncached).
///
/// Words follow UAX #29 within each stretch between ASCII whitespace (a word never
/// spans whitespace): a stretch of plain ASCII — most of an English corpus — goes
/// through [`ascii_words`], which applies the same rules several times faster than the
/// general Unicode tables; any other stretch through [`unicode_words`].
fn split(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(text.len() / 5);
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if is_space(bytes[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && !is_space(bytes[at]) {
            at += 1;
        }
        // Whitespace bytes are ASCII, so `start..at` lies on character boundaries.
        let stretch = text.get(start..at).unwrap_or("");
        if stretch.is_ascii() {
            ascii_words(stretch, start, &mut out);
        } else {
            unicode_words(stretch, start, &mut out);
        }
    }
    out
}

/// ASCII whitespace, vertical tab included: UAX #29 breaks on both sides of each.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The words of an ASCII stretch without whitespace, by the UAX #29 rules as they apply
/// to ASCII: letters, digits and `_` always join (WB5, WB8–WB10, WB13a/b); `:` joins two
/// letters (WB6/7, MidLetter), `,` and `;` two digits (WB11/12, MidNum), `.` and `'`
/// two letters or two digits (MidNumLetQ); everything else stands alone.
fn ascii_words(stretch: &str, offset: usize, out: &mut Vec<(usize, usize)>) {
    let b = stretch.as_bytes();
    let word_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // A part of a word between apostrophes, pushed when it holds a letter or digit.
    let mut push = |from: usize, to: usize| {
        if b.get(from..to)
            .is_some_and(|part| part.iter().any(u8::is_ascii_alphanumeric))
        {
            out.push((offset + from, offset + to));
        }
    };
    let mut i = 0;
    while i < b.len() {
        if !word_char(b[i]) {
            i += 1;
            continue;
        }
        let mut part = i;
        i += 1;
        while i < b.len() {
            if word_char(b[i]) {
                i += 1;
                continue;
            }
            let (Some(&prev), Some(&next)) = (b.get(i - 1), b.get(i + 1)) else {
                break;
            };
            let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
            let digits = prev.is_ascii_digit() && next.is_ascii_digit();
            let joins = match b[i] {
                b':' => letters,
                b',' | b';' => digits,
                b'.' | b'\'' => letters || digits,
                _ => false,
            };
            if !joins {
                break;
            }
            if b[i] == b'\'' {
                // Apostrophes split words ("model's" → "model", "s"), as grep -w does.
                push(part, i);
                part = i + 1;
            }
            i += 2;
        }
        push(part, i);
    }
}

/// Pushes the parts of a word between apostrophes that hold a letter or digit
/// ("model's" → "model", "s"), as grep -w sees them.
fn split_at_apostrophes(word: &str, at: usize, out: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    for (i, c) in word
        .char_indices()
        .chain(std::iter::once((word.len(), '\'')))
    {
        if c == '\'' || c == '\u{2019}' {
            if word
                .get(from..i)
                .is_some_and(|part| part.chars().any(char::is_alphanumeric))
            {
                out.push((at + from, at + i));
            }
            from = i + c.len_utf8();
        }
    }
}

/// The words of any stretch by the Unicode word-boundary tables; runs of CJK characters
/// become overlapping pairs of characters.
fn unicode_words(stretch: &str, offset: usize, out: &mut Vec<(usize, usize)>) {
    // Pending CJK characters: (byte offset, char).
    let mut run: Vec<(usize, char)> = Vec::new();
    let flush = |run: &mut Vec<(usize, char)>, out: &mut Vec<(usize, usize)>| {
        match run.len() {
            0 => {}
            1 => out.push((run[0].0, run[0].0 + run[0].1.len_utf8())),
            _ => {
                for pair in run.windows(2) {
                    out.push((pair[0].0, pair[1].0 + pair[1].1.len_utf8()));
                }
            }
        }
        run.clear();
    };
    for (i, word) in stretch.split_word_bound_indices() {
        let at = offset + i;
        let Some(first) = word.chars().next() else {
            continue;
        };
        if is_cjk(first) {
            for (j, c) in word.char_indices() {
                if is_cjk(c) {
                    if let Some(&(prev, pc)) = run.last()
                        && prev + pc.len_utf8() != at + j
                    {
                        // Not adjacent (a mark in between): start a new run.
                        flush(&mut run, out);
                    }
                    run.push((at + j, c));
                }
            }
            continue;
        }
        flush(&mut run, out);
        split_at_apostrophes(word, at, out);
    }
    flush(&mut run, out);
}

/// The byte ranges in `text` whose analysed tokens are among `terms` (already analysed
/// with the same analyzer), merged where they touch: used for highlighting and for
/// auto-coding at the match.
pub fn matching_ranges(
    analyzer: &mut TextAnalyzer,
    text: &str,
    terms: &[String],
) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    if terms.is_empty() {
        return ranges;
    }
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        if terms.contains(&t.text) {
            match ranges.last_mut() {
                Some(last) if t.offset_from <= last.1 => last.1 = last.1.max(t.offset_to),
                _ => ranges.push((t.offset_from, t.offset_to)),
            }
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(a: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut s = a.token_stream(text);
        while let Some(t) = s.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn stems_folds_and_lowercases() {
        let mut a = stemmed();
        assert_eq!(
            terms(&mut a, "Reproducing the Café's models"),
            ["reproduc", "the", "cafe", "s", "model"]
        );
        assert_eq!(terms(&mut a, "reproduce"), ["reproduc"]);
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        let mut a = exact();
        assert_eq!(
            terms(&mut a, "我们用预训练模型"),
            ["我们", "们用", "用预", "预训", "训练", "练模", "模型"]
        );
        assert_eq!(terms(&mut a, "训练"), ["训练"]);
        assert_eq!(terms(&mut a, "GPU 显存 out"), ["gpu", "显存", "out"]);
        assert_eq!(terms(&mut a, "字"), ["字"]);
    }

    /// The spans by the Unicode tables alone, over the whole text: what the ASCII
    /// shortcut must reproduce.
    fn reference_spans(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        unicode_words(text, 0, &mut out);
        out
    }

    #[test]
    fn ascii_shortcut_agrees_with_the_unicode_rules_on_every_short_string() {
        let alphabet = [
            'a', 'Z', '1', '_', '.', ':', '\'', ',', ';', ' ', '\n', '-', 'é', '’',
        ];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for s in &longer {
                assert_eq!(split(s), reference_spans(s), "{s:?}");
            }
            strings = longer;
        }
    }

    #[test]
    fn shortcuts_agree_with_the_full_rules_on_the_real_data() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            println!("note: {} is absent; real-data check skipped", dir.display());
            return;
        };
        let mut files: Vec<std::path::PathBuf> = entries.flatten().map(|e| e.path()).collect();
        let mut lines = 0;
        let mut cached = stemmed();
        let mut uncached = TextAnalyzer::builder(WordTokenizer)
            .filter(RemoveLongFilter::limit(80))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(
                    std::fs::read_dir(&path)
                        .unwrap()
                        .flatten()
                        .map(|e| e.path()),
                );
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for line in text.lines() {
                assert_eq!(
                    spans(line),
                    reference_spans(line),
                    "{}: {line:?}",
                    path.display()
                );
                assert_eq!(terms(&mut cached, line), terms(&mut uncached, line));
                lines += 1;
            }
        }
        assert!(lines > 0);
    }

    #[test]
    fn ranges_point_at_the_original_text() {
        let mut a = stemmed();
        let text = "We kept reproducing; the reproduction failed.";
        let r = matching_ranges(&mut a, text, &["reproduc".into()]);
        assert_eq!(
            r.iter().map(|&(s, e)| &text[s..e]).collect::<Vec<_>>(),
            ["reproducing"]
        );
    }
}
