//! Text analysis for search: words by Unicode rules (UAX #29), runs of CJK characters
//! as overlapping bigrams (so a two-character word is found), lower case, accents
//! folded, English stemming — and an "exact" analyzer without stemming or folding.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
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
        .filter(Stemmer::new(Language::English))
        .build()
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
/// CJK runs as overlapping pairs of characters (a lone character alone). A run is
/// contiguous in the text, so each pair is one slice of it.
fn spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(text.len() / 5);
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
    for (at, word) in text.split_word_bound_indices() {
        let Some(first) = word.chars().next() else {
            continue;
        };
        if is_cjk(first) {
            for (i, c) in word.char_indices() {
                if is_cjk(c) {
                    if let Some(&(prev, pc)) = run.last()
                        && prev + pc.len_utf8() != at + i
                    {
                        // Not adjacent (a mark in between): start a new run.
                        flush(&mut run, &mut out);
                    }
                    run.push((at + i, c));
                }
            }
            continue;
        }
        flush(&mut run, &mut out);
        // Apostrophes split words ("model's" → "model", "s"), as grep -w sees them.
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
    flush(&mut run, &mut out);
    out
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
