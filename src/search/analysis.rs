//! Text analysis for search: words by Unicode rules (UAX #29), runs of CJK characters
//! as overlapping bigrams (so a two-character word is found), lower case, accents
//! folded, stemming in the document's language (English unless its `language`
//! attribute says otherwise) — and an "exact" analyzer without stemming or folding. The
//! turn text is indexed once for both: see [`text_index`].

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};
use unicode_segmentation::UnicodeSegmentation;

/// The name of the stemming, accent-folding analyzer used for turn text.
pub const STEMMED: &str = "gloss_stemmed";
/// The name of the analyzer for exact (unstemmed, unfolded) matching of short fields.
pub const EXACT: &str = "gloss_exact";
/// The name of the turn text's analyzer: [`text_index`] when indexing, [`stemmed`]
/// when parsing queries.
pub const TEXT: &str = "gloss_text";
/// The name of the virtual `exact` field's query analyzer, [`text_exact_query`].
pub const EXACT_TEXT: &str = "gloss_exact_text";

/// The stemming analyzer (English: issue titles, memos, and the stems of query words).
pub fn stemmed() -> TextAnalyzer {
    stemmed_in(ENGLISH)
}

/// The stemming analyzer of one language (`None`: accents folded, no stemming).
pub fn stemmed_in(language: Option<Language>) -> TextAnalyzer {
    TextAnalyzer::builder(LowerWords)
        .filter(AsciiFoldingFilter)
        .filter(CachedStemmer { language })
        .build()
}

/// The language of most texts, and of any without a `language` attribute.
pub const ENGLISH: Option<Language> = Some(Language::English);

/// The languages a document's `language` attribute may name, by ISO 639-1 code or
/// English name, with their stemmer (tantivy's Snowball stemmers); `None`: words are
/// not stemmed (languages written without spaces, whose text is searched by character
/// pairs, and `none`).
const LANGUAGES: &[(&str, &str, Option<Language>)] = &[
    ("ar", "arabic", Some(Language::Arabic)),
    ("da", "danish", Some(Language::Danish)),
    ("de", "german", Some(Language::German)),
    ("el", "greek", Some(Language::Greek)),
    ("en", "english", Some(Language::English)),
    ("es", "spanish", Some(Language::Spanish)),
    ("fi", "finnish", Some(Language::Finnish)),
    ("fr", "french", Some(Language::French)),
    ("hu", "hungarian", Some(Language::Hungarian)),
    ("it", "italian", Some(Language::Italian)),
    ("nl", "dutch", Some(Language::Dutch)),
    ("no", "norwegian", Some(Language::Norwegian)),
    ("pt", "portuguese", Some(Language::Portuguese)),
    ("ro", "romanian", Some(Language::Romanian)),
    ("ru", "russian", Some(Language::Russian)),
    ("sv", "swedish", Some(Language::Swedish)),
    ("ta", "tamil", Some(Language::Tamil)),
    ("tr", "turkish", Some(Language::Turkish)),
    ("ja", "japanese", None),
    ("ko", "korean", None),
    ("zh", "chinese", None),
    ("none", "none", None),
];

/// A `language` attribute's value (`es`, `Spanish`, `es-MX`): its code and stemmer;
/// `None` when gloss has no such language.
pub fn language_named(value: &str) -> Option<(&'static str, Option<Language>)> {
    let value = value.trim().to_lowercase();
    // A region or script after the language (`pt-BR`, `zh_Hant`) does not change it.
    let base = value.split(['-', '_']).next().unwrap_or("");
    LANGUAGES
        .iter()
        .find(|(code, name, _)| *code == base || *name == value)
        .map(|&(code, _, language)| (code, language))
}

/// The stemmer of a language code as [`language_named`] gives it.
pub fn language_of_code(code: &str) -> Option<Language> {
    LANGUAGES
        .iter()
        .find(|(c, _, _)| *c == code)
        .and_then(|&(_, _, language)| language)
}

/// The language names a `language` attribute may give, for messages.
pub fn language_names() -> String {
    LANGUAGES
        .iter()
        .map(|(code, name, _)| format!("{code} ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Snowball stemming that remembers recent words in a small direct-mapped table: a
/// corpus repeats its vocabulary, and finding a word in a table that stays in the
/// processor's cache costs a fraction of running the stemmer.
#[derive(Clone, Copy)]
pub struct CachedStemmer {
    /// `None`: no stemming.
    language: Option<Language>,
}

/// Slots in the table (a power of two); words longer than [`SLOT_BYTES`] bypass it.
const STEM_SLOTS: usize = 16_384;
const SLOT_BYTES: usize = 15;
/// Words stemmed without the table before it is made.
const TABLE_AFTER_WORDS: u32 = 2_000;
/// A slot's `stem_len` when the word is its own stem.
const OWN_STEM: u8 = u8::MAX;

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

/// Accent folding and English stemming of one lower-cased word, with the table of
/// recent stems described at [`CachedStemmer`].
#[derive(Clone)]
struct StemCache {
    /// Stems one word (tantivy's Snowball stemmer on the whole input).
    stem_word: TextAnalyzer,
    /// Folds accents of one word (only run on words that are not plain ASCII).
    fold_word: TextAnalyzer,
    /// Empty until [`TABLE_AFTER_WORDS`] words went through the stemmer uncached, so
    /// the analyzers built (and cloned) for each query allocate nothing.
    slots: Vec<StemSlot>,
    uncached: u32,
    /// The last stem that did not come from the table, and a folded word.
    stemmed: String,
    folded: String,
}

impl StemCache {
    fn new(language: Option<Language>) -> StemCache {
        let raw = TextAnalyzer::builder(RawTokenizer::default());
        StemCache {
            stem_word: match language {
                Some(language) => raw.filter(Stemmer::new(language)).build(),
                None => raw.build(),
            },
            fold_word: TextAnalyzer::builder(RawTokenizer::default())
                .filter(AsciiFoldingFilter)
                .build(),
            slots: Vec::new(),
            uncached: 0,
            stemmed: String::new(),
            folded: String::new(),
        }
    }

    /// Replaces `word` (already folded) by its stem.
    fn stem_in_place(&mut self, word: &mut String) {
        if let Some(stem) = self.lookup(word) {
            word.clear();
            word.push_str(stem);
        }
    }

    /// The stem of `word` (lower-cased, accents folded), or `None` when the word is its
    /// own stem — most words, answered from the table without copying anything.
    fn lookup(&mut self, word: &str) -> Option<&str> {
        let bytes = word.as_bytes();
        if self.slots.is_empty() {
            // The table (512 KB) pays for itself on a corpus, not on a query: it is
            // made once this analyzer has stemmed more words than a query holds.
            self.uncached += 1;
            if self.uncached >= TABLE_AFTER_WORDS {
                self.slots = vec![EMPTY_SLOT; STEM_SLOTS];
            }
        }
        if self.slots.is_empty() || bytes.len() > SLOT_BYTES {
            self.stemmed = self.stem_of(word);
            return (self.stemmed != word).then_some(self.stemmed.as_str());
        }
        let index = slot_index(bytes);
        let slot = &self.slots[index];
        let hit = usize::from(slot.word_len) == bytes.len()
            && slot.word.get(..bytes.len()) == Some(bytes);
        if !hit {
            let stem = self.stem_of(word);
            let slot = &mut self.slots[index];
            slot.word_len = bytes.len() as u8;
            slot.word[..bytes.len()].copy_from_slice(bytes);
            if stem == word {
                slot.stem_len = OWN_STEM;
            } else if stem.len() <= SLOT_BYTES {
                slot.stem_len = stem.len() as u8;
                slot.stem[..stem.len()].copy_from_slice(stem.as_bytes());
            } else {
                slot.word_len = 0;
                self.stemmed = stem;
                return Some(self.stemmed.as_str());
            }
        }
        let slot = &self.slots[index];
        if slot.stem_len == OWN_STEM {
            return None;
        }
        slot.stem
            .get(..usize::from(slot.stem_len))
            .and_then(|s| std::str::from_utf8(s).ok())
    }

    /// The stem of one word, by the stemmer itself.
    fn stem_of(&mut self, word: &str) -> String {
        let mut stream = self.stem_word.token_stream(word);
        if stream.advance() {
            stream.token().text.clone()
        } else {
            word.to_string()
        }
    }

    /// The searchable stem of a lower-cased word — accents folded, then stemmed — or
    /// `None` when that is the word itself.
    fn searchable_stem(&mut self, lower: &str) -> Option<&str> {
        if lower.is_ascii() {
            return self.lookup(lower);
        }
        let mut folded = std::mem::take(&mut self.folded);
        folded.clear();
        let mut stream = self.fold_word.token_stream(lower);
        folded.push_str(if stream.advance() {
            &stream.token().text
        } else {
            lower
        });
        drop(stream);
        let mut stem = std::mem::take(&mut self.stemmed);
        stem.clear();
        stem.push_str(self.lookup(&folded).unwrap_or(&folded));
        self.folded = folded;
        self.stemmed = stem;
        (self.stemmed != lower).then_some(self.stemmed.as_str())
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner,
            cache: StemCache::new(self.language),
        }
    }
}

/// See [`CachedStemmer`].
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: StemCache,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
        }
    }
}

/// See [`CachedStemmer`].
pub struct CachedStemmerStream<'a, T> {
    tail: T,
    cache: &'a mut StemCache,
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
        self.cache.stem_in_place(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Marks a token that holds a word as written (lower-cased) where it differs from its
/// stem, in the turn text field.
pub const EXACT_MARK: char = '=';
/// Marks a token that holds a word's stem where it differs from the word as written.
pub const STEM_MARK: char = '~';

/// The turn text's indexing analyzer: one field serves both stemmed and exact search.
/// A word whose lower-cased form is its own stem (most words: "the", "model", "nan")
/// is indexed once, unmarked; any other word twice at the same position, as written
/// (`=reproducing`) and as its stem (`~reproduc`). A stemmed search for `s` then
/// looks for `s` or `~s`, an exact search for `w` for `w` when `w` is its own stem,
/// else `=w` — each word's postings written once instead of once per field.
pub fn text_index() -> TextAnalyzer {
    text_index_in(ENGLISH)
}

/// [`text_index`] for text in another language (`None`: accents folded, no stemming).
pub fn text_index_in(language: Option<Language>) -> TextAnalyzer {
    TextAnalyzer::builder(LowerWords)
        .filter(Forms {
            mode: FormsMode::Index,
            language,
        })
        .build()
}

/// The query analyzer of the virtual `exact` field: each word as [`text_index`]
/// indexes its written form (`w`, or `=w` when its stem differs).
pub fn text_exact_query() -> TextAnalyzer {
    text_exact_query_in(ENGLISH)
}

/// [`text_exact_query`] for the words of texts in another language: which of a word's
/// written forms is marked depends on that language's stem of it.
pub fn text_exact_query_in(language: Option<Language>) -> TextAnalyzer {
    TextAnalyzer::builder(LowerWords)
        .filter(Forms {
            mode: FormsMode::ExactQuery,
            language,
        })
        .build()
}

/// The token a stemmed search for `stem` looks for besides `stem` itself.
pub fn marked_stem(stem: &str) -> String {
    format!("{STEM_MARK}{stem}")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FormsMode {
    /// Both forms where they differ (indexing).
    Index,
    /// The written form only, marked where it differs from the stem (exact queries).
    ExactQuery,
}

/// See [`text_index`].
#[derive(Clone, Copy)]
struct Forms {
    mode: FormsMode,
    /// The stemmer (`None`: no stemming).
    language: Option<Language>,
}

impl TokenFilter for Forms {
    type Tokenizer<T: Tokenizer> = FormsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> FormsFilter<T> {
        FormsFilter {
            inner,
            mode: self.mode,
            cache: StemCache::new(self.language),
        }
    }
}

/// See [`text_index`].
#[derive(Clone)]
pub struct FormsFilter<T> {
    inner: T,
    mode: FormsMode,
    cache: StemCache,
}

impl<T: Tokenizer> Tokenizer for FormsFilter<T> {
    type TokenStream<'a> = FormsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FormsStream {
            tail: self.inner.token_stream(text),
            mode: self.mode,
            cache: &mut self.cache,
            stem: String::new(),
            stem_pending: false,
        }
    }
}

/// See [`text_index`].
pub struct FormsStream<'a, T> {
    tail: T,
    mode: FormsMode,
    cache: &'a mut StemCache,
    /// The current word's stem, marked, when it is still to be given out.
    stem: String,
    stem_pending: bool,
}

impl<T: TokenStream> TokenStream for FormsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if self.stem_pending {
            // The stem of the word just given out, at the same position.
            self.stem_pending = false;
            std::mem::swap(&mut self.tail.token_mut().text, &mut self.stem);
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.cache.searchable_stem(&token.text) {
            if self.mode == FormsMode::Index {
                self.stem.clear();
                self.stem.push(STEM_MARK);
                self.stem.push_str(stem);
                self.stem_pending = true;
            }
            token.text.insert(0, EXACT_MARK);
        }
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
    TextAnalyzer::builder(LowerWords).build()
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

/// Words no longer than this many bytes are indexed; longer ones (hashes, base64,
/// minified code) are left out, as tantivy's `RemoveLongFilter` would.
const MAX_WORD_BYTES: usize = 80;

/// Splits text into lower-cased words (UAX #29 word boundaries, words with a letter or
/// digit; see [`split`]); CJK runs become overlapping character bigrams (a lone
/// character stays a unigram). Words of [`MAX_WORD_BYTES`] or more are skipped.
/// Lower-casing is tantivy's `LowerCaser`'s (character by character), done while the
/// word is copied into the token.
#[derive(Clone, Default)]
pub struct LowerWords;

/// The tokens of one text: their byte spans are found up front, and one reused
/// [`Token`] is filled for each in turn (no allocation per token).
pub struct LowerWordTokens<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
    next: usize,
    token: Token,
}

impl Tokenizer for LowerWords {
    type TokenStream<'a> = LowerWordTokens<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> LowerWordTokens<'a> {
        LowerWordTokens {
            text,
            spans: split(text),
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for LowerWordTokens<'_> {
    fn advance(&mut self) -> bool {
        while let Some(&(from, to)) = self.spans.get(self.next) {
            let position = self.next;
            self.next += 1;
            if to - from >= MAX_WORD_BYTES {
                continue;
            }
            let word = self.text.get(from..to).unwrap_or("");
            let token = &mut self.token;
            token.offset_from = from;
            token.offset_to = to;
            token.position = position;
            token.position_length = 1;
            token.text.clear();
            if word.is_ascii() {
                token.text.push_str(word);
                token.text.make_ascii_lowercase();
            } else {
                for c in word.chars() {
                    token.text.extend(c.to_lowercase());
                }
            }
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Splits a text into token spans: words (split at apostrophes), and CJK runs as
/// overlapping pairs of characters (a lone character alone).
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

    /// Raw words by the Unicode tables alone, for the reference analyzers below.
    #[derive(Clone)]
    struct ReferenceWords;

    impl Tokenizer for ReferenceWords {
        type TokenStream<'a> = ReferenceTokens;

        fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
            let tokens = reference_spans(text)
                .into_iter()
                .enumerate()
                .map(|(position, (from, to))| Token {
                    offset_from: from,
                    offset_to: to,
                    position,
                    text: text[from..to].to_string(),
                    position_length: 1,
                })
                .collect();
            ReferenceTokens { tokens, next: 0 }
        }
    }

    struct ReferenceTokens {
        tokens: Vec<Token>,
        next: usize,
    }

    impl TokenStream for ReferenceTokens {
        fn advance(&mut self) -> bool {
            self.next += 1;
            self.next <= self.tokens.len()
        }

        fn token(&self) -> &Token {
            &self.tokens[self.next - 1]
        }

        fn token_mut(&mut self) -> &mut Token {
            &mut self.tokens[self.next - 1]
        }
    }

    /// (position, text) of every token.
    fn positioned(a: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut s = a.token_stream(text);
        while let Some(t) = s.next() {
            out.push((t.position, t.text.clone()));
        }
        out
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
        // gloss's analyzers against tantivy's own filters over the plain Unicode rules.
        let mut cached = stemmed();
        let mut lower = exact();
        let mut forms = text_index();
        let mut written = text_exact_query();
        let reference = |stem: bool| {
            let b = TextAnalyzer::builder(ReferenceWords)
                .filter(tantivy::tokenizer::RemoveLongFilter::limit(80))
                .filter(tantivy::tokenizer::LowerCaser);
            if stem {
                b.filter(AsciiFoldingFilter)
                    .filter(Stemmer::new(Language::English))
                    .build()
            } else {
                b.build()
            }
        };
        let mut uncached = reference(true);
        let mut unfolded = reference(false);
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
                    split(line),
                    reference_spans(line),
                    "{}: {line:?}",
                    path.display()
                );
                let stems = positioned(&mut uncached, line);
                let words = positioned(&mut unfolded, line);
                assert_eq!(positioned(&mut cached, line), stems);
                assert_eq!(positioned(&mut lower, line), words);
                // The text field's forms: each word once where it is its own stem,
                // else `=word` and `~stem` at its position.
                let mut expected = Vec::new();
                let mut exact_forms = Vec::new();
                for ((position, word), (_, stem)) in words.iter().zip(&stems) {
                    if word == stem {
                        expected.push((*position, word.clone()));
                        exact_forms.push((*position, word.clone()));
                    } else {
                        expected.push((*position, format!("={word}")));
                        expected.push((*position, format!("~{stem}")));
                        exact_forms.push((*position, format!("={word}")));
                    }
                }
                assert_eq!(positioned(&mut forms, line), expected, "{line:?}");
                assert_eq!(positioned(&mut written, line), exact_forms, "{line:?}");
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
