//! Queries: tantivy's syntax parsed leniently (a mistake is reported with where it is,
//! never a crash), combined with filters (kind, code and its descendants, uncoded,
//! coder, speaker, document glob, attribute), ranked hits with highlight ranges.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, QueryParser,
    QueryParserError, RegexPhraseQuery, RegexQuery, TermQuery, wildcard_query_to_regex_str,
};
use tantivy::query_grammar::{UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::{Language, TextAnalyzer, TokenStream, TokenizerManager};
use tantivy::{TantivyDocument, Term};

use super::analysis::{self, EXACT_MARK, STEM_MARK, marked_stem, matching_ranges};
use super::index::SearchView;
use super::schema::Fields;
use crate::corpus::DocKind;
use crate::{Error, Result};

/// Filters on top of the query text.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kind: Option<DocKind>,
    /// Code ids: a turn matches when it has any of them (or a descendant).
    pub codes: Vec<String>,
    pub uncoded: bool,
    pub coder: Option<String>,
    /// Speaker label, participant alias or role (case-insensitive).
    pub speaker: Option<String>,
    /// Glob over document ids (`transcripts/leader*`).
    pub doc_glob: Option<String>,
    /// `key=value` attribute filters (all must match).
    pub attrs: Vec<(String, String)>,
}

/// One ranked hit: a turn.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub doc: String,
    pub kind: String,
    /// 0-based turn index.
    pub turn: usize,
    pub speaker: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub codes: Vec<String>,
    pub score: f32,
    /// The turn's whole text.
    #[serde(skip)]
    pub text: String,
    /// Byte ranges of the matches in the turn's text.
    pub matches: Vec<(usize, usize)>,
}

/// The results of a search.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Matching turns in all (not only the hits shown).
    pub total: usize,
    /// Matching turns per document kind.
    pub per_kind: BTreeMap<String, usize>,
    /// Parts of the query that were not understood (the rest was searched).
    pub warnings: Vec<String>,
}

/// The field names a query may use, for error messages.
pub const QUERY_FIELDS: &str =
    "text, exact, speaker, title, memo, kind, doc, repo, label, attr, lang, code, coder";

impl SearchView {
    /// Searches turns. With `exact`, unprefixed words match the text as written (no
    /// stemming or accent folding).
    pub fn search(
        &self,
        query: &str,
        filters: &Filters,
        limit: usize,
        exact: bool,
    ) -> Result<Results> {
        let f = &self.fields;
        let default_field = if exact { f.exact } else { f.text };
        let mut parser =
            QueryParser::new(self.index.schema(), vec![default_field], query_tokenizers());
        parser.set_conjunction_by_default();
        let trimmed = query.trim();
        let mut warnings = Vec::new();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let searcher = self.reader.searcher();
        let languages = self.languages(&searcher);
        let mut builder = TextQueries::new(f, &parser, exact, &languages);
        // `word~N` (fuzzy) is not in tantivy's grammar: take those words out and match
        // them as fuzzy terms against the words as written.
        let (rest, fuzzy) = split_fuzzy(trimmed);
        for (word, distance, negated) in fuzzy {
            let occur = if negated { Occur::MustNot } else { Occur::Must };
            for q in builder.fuzzy(&word, distance) {
                clauses.push((occur, q));
            }
        }
        let trimmed = rest.trim();
        if !trimmed.is_empty() {
            let (ast, syntax_errors) = tantivy::query_grammar::parse_query_lenient(trimmed);
            for e in syntax_errors {
                warnings.push(format!(
                    "the query has a mistake: {} at position {}",
                    e.message, e.pos
                ));
            }
            let parsed = builder.build(ast, false);
            for e in &builder.errors {
                if let tantivy::query::QueryParserError::FieldDoesNotExist(name) = e {
                    return Err(Error::Input(format!(
                        "unknown field {name:?} in the query; fields are: {QUERY_FIELDS}"
                    )));
                }
                warnings.push(format!("the query has a mistake: {e}"));
            }
            if let Some(parsed) = parsed {
                clauses.push((Occur::Must, parsed));
            }
        }
        let highlight = std::mem::take(&mut builder.highlight);
        let filter_clauses = self.filter_clauses(filters)?;
        for (k, _) in &filters.attrs {
            if let Some(instead) = super::index::unindexed_issue_attribute(&k.trim().to_lowercase())
            {
                warnings.push(format!(
                    "issues' {k} attributes are not indexed for --attr: {instead}"
                ));
            }
        }
        if clauses.is_empty() && filter_clauses.is_empty() {
            return Err(Error::Input(
                "empty query: give words to search for, or a filter such as --code ID".into(),
            ));
        }
        if !clauses.iter().any(|(occur, _)| *occur != Occur::MustNot) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        clauses.extend(filter_clauses.into_iter().map(|q| (Occur::Must, q)));
        let combined = BooleanQuery::new(clauses);
        let top = searcher
            .search(
                &combined,
                &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
            )
            .map_err(|e| Error::Project(format!("search failed: {e}")))?;
        let (top_docs, total) = top;

        // Per-kind counts of all matches.
        let mut per_kind = BTreeMap::new();
        for kind in DocKind::ALL {
            let q = BooleanQuery::new(vec![
                (Occur::Must, Box::new(combined.clone()) as Box<dyn Query>),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.kind, kind.name()),
                        IndexRecordOption::Basic,
                    )),
                ),
            ]);
            let n = searcher
                .search(&q, &Count)
                .map_err(|e| Error::Project(format!("search failed: {e}")))?;
            if n > 0 {
                per_kind.insert(kind.name().to_string(), n);
            }
        }

        // The turn text is analysed as it was indexed; a word is highlighted when one
        // of its forms is among the query's terms.
        let terms = highlight;
        let mut analyzers: Vec<(String, TextAnalyzer)> = Vec::new();
        let mut hits = Vec::with_capacity(top_docs.len());
        if limit > 0 {
            for (score, address) in top_docs {
                let doc: TantivyDocument = searcher
                    .doc(address)
                    .map_err(|e| Error::Project(format!("search failed: {e}")))?;
                let text_of = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                // Text in another language was given to the index as its tokens.
                let text = doc.get_first(f.text).map_or_else(String::new, |v| {
                    v.as_str().map_or_else(
                        || {
                            v.as_pre_tokenized_text()
                                .map(|p| p.text)
                                .unwrap_or_default()
                        },
                        str::to_string,
                    )
                });
                let lang = text_of(f.lang);
                let slot = match analyzers.iter().position(|(code, _)| *code == lang) {
                    Some(slot) => slot,
                    None => {
                        let language = if lang.is_empty() {
                            analysis::ENGLISH
                        } else {
                            analysis::language_of_code(&lang)
                        };
                        analyzers.push((lang, analysis::text_index_in(language)));
                        analyzers.len() - 1
                    }
                };
                let matches = matching_ranges(&mut analyzers[slot].1, &text, &terms);
                hits.push(Hit {
                    doc: text_of(f.doc),
                    kind: text_of(f.kind),
                    turn: doc.get_first(f.turn).and_then(|v| v.as_u64()).unwrap_or(0) as usize,
                    speaker: text_of(f.speaker),
                    time: doc
                        .get_first(f.time)
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                    codes: doc
                        .get_all(f.code)
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    score,
                    text,
                    matches,
                });
            }
        }
        Ok(Results {
            hits,
            total,
            per_kind,
            warnings,
        })
    }

    /// The languages of the indexed text, English first: the `lang` field's terms (few,
    /// read from each segment's term dictionary).
    fn languages(&self, searcher: &tantivy::Searcher) -> Vec<Option<Language>> {
        let mut languages = vec![analysis::ENGLISH];
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.lang) else {
                continue;
            };
            let Ok(mut terms) = inverted.terms().stream() else {
                continue;
            };
            while terms.advance() {
                let code = std::str::from_utf8(terms.key()).unwrap_or("none");
                let language = analysis::language_of_code(code);
                if !languages.contains(&language) {
                    languages.push(language);
                }
            }
        }
        languages
    }

    fn filter_clauses(&self, filters: &Filters) -> Result<Vec<Box<dyn Query>>> {
        let f = &self.fields;
        let term = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        if let Some(kind) = filters.kind {
            out.push(term(f.kind, kind.name()));
        }
        if !filters.codes.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = filters
                .codes
                .iter()
                .map(|c| match &filters.coder {
                    Some(coder) => (Occur::Should, term(f.code_coder, &format!("{c}@{coder}"))),
                    None => (Occur::Should, term(f.code, c)),
                })
                .collect();
            out.push(Box::new(BooleanQuery::new(any)));
        } else if let Some(coder) = &filters.coder {
            out.push(term(f.coder, coder));
        }
        if filters.uncoded {
            out.push(Box::new(TermQuery::new(
                Term::from_field_u64(f.uncoded, 1),
                IndexRecordOption::Basic,
            )));
        }
        if let Some(s) = &filters.speaker {
            out.push(term(f.who, &s.trim().to_lowercase()));
        }
        for (k, v) in &filters.attrs {
            let (key, value) = (k.trim().to_lowercase(), v.trim().to_lowercase());
            // Repo and labels have fields of their own (see `attribute_is_indexed`).
            out.push(match key.as_str() {
                "repo" => term(f.repo, &value),
                "labels" | "label" => term(f.labels, &value),
                _ => term(f.attr, &format!("{key}={value}")),
            });
        }
        if let Some(glob) = &filters.doc_glob {
            let q = RegexQuery::from_pattern(&glob_to_regex(glob), f.doc)
                .map_err(|e| Error::Input(format!("bad --doc pattern {glob:?}: {e}")))?;
            out.push(Box::new(q));
        }
        Ok(out)
    }
}

/// The analyzers queries are parsed with: the turn text's words are stemmed (see
/// [`TextQueries`] for how they are looked up), the other fields as when indexing.
fn query_tokenizers() -> TokenizerManager {
    let tokenizers = TokenizerManager::default();
    tokenizers.register(analysis::STEMMED, analysis::stemmed());
    tokenizers.register(analysis::EXACT, analysis::exact());
    tokenizers.register(analysis::TEXT, analysis::stemmed());
    tokenizers.register(analysis::EXACT_TEXT, analysis::text_exact_query());
    tokenizers
}

/// Which forms of the turn text's words a query word is looked up in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forms {
    /// Stemmed (the `text` field): a word's stem `s` is indexed as `s` or `~s`.
    Stems,
    /// As written (the `exact` field): `w` or `=w`, as [`analysis::text_exact_query`]
    /// gives it.
    Written,
}

/// Builds the query from tantivy's parse of what was typed: words and phrases on the
/// turn text by gloss (the text field holds two forms of each word, see
/// [`analysis::text_index`]); every other part by tantivy's query parser. Collects the
/// terms to highlight and the parser's complaints.
struct TextQueries<'a> {
    fields: &'a Fields,
    parser: &'a QueryParser,
    /// Unprefixed words search the words as written.
    exact_by_default: bool,
    /// The stemming analyzer of each language in the index, English first.
    stems: Vec<TextAnalyzer>,
    /// The written-form analyzer ([`analysis::text_exact_query_in`]) of each language.
    written: Vec<TextAnalyzer>,
    /// Tokens of the text field that count as matches, for highlighting.
    highlight: Vec<String>,
    errors: Vec<QueryParserError>,
}

/// A word of a query on the turn text: where it is, and the tokens of the text field
/// any of which matches it (its forms in every language the index holds).
struct QueryWord {
    position: usize,
    offset_from: usize,
    offset_to: usize,
    forms: Vec<String>,
}

impl<'a> TextQueries<'a> {
    fn new(
        fields: &'a Fields,
        parser: &'a QueryParser,
        exact_by_default: bool,
        languages: &[Option<Language>],
    ) -> Self {
        TextQueries {
            fields,
            parser,
            exact_by_default,
            stems: languages.iter().map(|&l| analysis::stemmed_in(l)).collect(),
            written: languages
                .iter()
                .map(|&l| analysis::text_exact_query_in(l))
                .collect(),
            highlight: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The words of a literal, each with the tokens that match it: a stem `s` is
    /// indexed as `s` or `~s`; a written form as [`analysis::text_exact_query_in`]
    /// gives it — in each language, whose stemmer may tell them apart differently.
    fn query_words(&mut self, phrase: &str, forms: Forms) -> Vec<QueryWord> {
        let analyzers = match forms {
            Forms::Stems => &mut self.stems,
            Forms::Written => &mut self.written,
        };
        let mut words: Vec<QueryWord> = Vec::new();
        for (l, analyzer) in analyzers.iter_mut().enumerate() {
            let mut stream = analyzer.token_stream(phrase);
            let mut k = 0;
            while let Some(t) = stream.next() {
                if l == 0 {
                    words.push(QueryWord {
                        position: t.position,
                        offset_from: t.offset_from,
                        offset_to: t.offset_to,
                        forms: Vec::new(),
                    });
                }
                // Every language splits words alike; only their forms differ.
                if let Some(word) = words.get_mut(k) {
                    let candidates = match forms {
                        Forms::Stems => vec![t.text.clone(), marked_stem(&t.text)],
                        Forms::Written => vec![t.text.clone()],
                    };
                    for form in candidates {
                        if !word.forms.contains(&form) {
                            word.forms.push(form);
                        }
                    }
                }
                k += 1;
            }
        }
        words
    }

    /// The query of a part of the parse; `None` when it holds no searchable word.
    fn build(&mut self, ast: UserInputAst, negated: bool) -> Option<Box<dyn Query>> {
        match ast {
            UserInputAst::Clause(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occur, child) in children {
                    // Words without AND/OR must all match (conjunction by default).
                    let occur = occur.unwrap_or(Occur::Must);
                    if let Some(q) = self.build(child, negated || occur == Occur::MustNot) {
                        clauses.push((occur, q));
                    }
                }
                if clauses.is_empty() {
                    return None;
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    // `-word` alone: every turn but those.
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                if clauses.len() == 1 && clauses[0].0 != Occur::MustNot {
                    return clauses.pop().map(|(_, q)| q);
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            UserInputAst::Boost(inner, boost) => {
                let q = self.build(*inner, negated)?;
                Some(Box::new(BoostQuery::new(q, boost.into_inner() as f32)))
            }
            UserInputAst::Leaf(leaf) => match *leaf {
                UserInputLeaf::Literal(literal) => match self.forms_of(&literal) {
                    Some(forms) => self.words(&literal, forms, negated),
                    None => self.by_parser(UserInputLeaf::Literal(literal)),
                },
                other => self.by_parser(other),
            },
        }
    }

    /// Whether a literal searches the turn text, and in which forms.
    fn forms_of(&self, literal: &UserInputLiteral) -> Option<Forms> {
        match literal.field_name.as_deref() {
            None if self.exact_by_default => Some(Forms::Written),
            None | Some("text") => Some(Forms::Stems),
            Some("exact") => Some(Forms::Written),
            Some(_) => None,
        }
    }

    /// Any other part of the query, as tantivy's parser makes it.
    fn by_parser(&mut self, leaf: UserInputLeaf) -> Option<Box<dyn Query>> {
        let (q, errors) = self
            .parser
            .build_query_from_user_input_ast_lenient(UserInputAst::Leaf(Box::new(leaf)));
        let failed = !errors.is_empty();
        self.errors.extend(errors);
        if failed { None } else { Some(q) }
    }

    /// A word or phrase on the turn text.
    fn words(
        &mut self,
        literal: &UserInputLiteral,
        forms: Forms,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let mut words = self.query_words(&literal.phrase, forms);
        let text = self.fields.text;
        let term = |s: &str| Term::from_field_text(text, s);
        if !negated {
            for word in &words {
                self.highlight.extend(word.forms.iter().cloned());
            }
        }
        // A trailing `*` on a quoted phrase: its last word is a prefix of any form.
        let prefix = literal.prefix.then(|| words.pop()).flatten().map(|w| {
            let typed = literal
                .phrase
                .get(w.offset_from..w.offset_to)
                .unwrap_or("")
                .to_lowercase();
            (
                w.position,
                format!(
                    "[{EXACT_MARK}{STEM_MARK}]?{}.*",
                    wildcard_query_to_regex_str(&typed)
                ),
            )
        });
        let any_of = |word: &QueryWord| -> Box<dyn Query> {
            match word.forms.as_slice() {
                [one] => Box::new(TermQuery::new(term(one), IndexRecordOption::WithFreqs)),
                many => Box::new(BooleanQuery::new(
                    many.iter()
                        .map(|f| {
                            (
                                Occur::Should,
                                Box::new(TermQuery::new(term(f), IndexRecordOption::WithFreqs))
                                    as Box<dyn Query>,
                            )
                        })
                        .collect(),
                )),
            }
        };
        // A phrase position matches any of the word's forms.
        let pattern = |word: &QueryWord| {
            let alternatives: Vec<String> = word
                .forms
                .iter()
                .map(|f| wildcard_query_to_regex_str(f))
                .collect();
            format!("({})", alternatives.join("|"))
        };
        match (words.as_slice(), prefix) {
            ([], None) => None,
            ([], Some((_, re))) => match RegexQuery::from_pattern(&re, text) {
                Ok(q) => Some(Box::new(q)),
                Err(e) => {
                    self.errors
                        .push(QueryParserError::UnsupportedQuery(e.to_string()));
                    None
                }
            },
            ([one], None) => Some(any_of(one)),
            (many, None) if many.iter().all(|w| w.forms.len() == 1) => {
                Some(Box::new(PhraseQuery::new_with_offset_and_slop(
                    many.iter()
                        .map(|w| (w.position, term(&w.forms[0])))
                        .collect(),
                    literal.slop,
                )))
            }
            (many, prefix) => {
                let mut patterns: Vec<(usize, String)> =
                    many.iter().map(|w| (w.position, pattern(w))).collect();
                patterns.extend(prefix);
                Some(Box::new(RegexPhraseQuery::new_with_offset_and_slop(
                    text,
                    patterns,
                    literal.slop,
                )))
            }
        }
    }

    /// `word~N`: words within N edits of the word, as written.
    fn fuzzy(&mut self, word: &str, distance: u8) -> Vec<Box<dyn Query>> {
        let text = self.fields.text;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let Some(written) = self.written.first_mut() else {
            return out;
        };
        let mut stream = written.token_stream(word);
        while let Some(t) = stream.next() {
            // The written form is indexed bare or marked (when its stem differs): a
            // word near the one typed may be either.
            let bare = t.text.trim_start_matches(EXACT_MARK);
            let either: Vec<(Occur, Box<dyn Query>)> =
                [bare.to_string(), format!("{EXACT_MARK}{bare}")]
                    .into_iter()
                    .map(|form| {
                        (
                            Occur::Should,
                            Box::new(FuzzyTermQuery::new(
                                Term::from_field_text(text, &form),
                                distance,
                                true,
                            )) as Box<dyn Query>,
                        )
                    })
                    .collect();
            out.push(Box::new(BooleanQuery::new(either)));
        }
        out
    }
}

/// Takes `word~N` terms (N from 0 to 2; `-word~N` excludes) out of a query, outside
/// quotes; returns the rest of the query and the fuzzy words.
pub fn split_fuzzy(query: &str) -> (String, Vec<(String, u8, bool)>) {
    let mut rest = String::with_capacity(query.len());
    let mut fuzzy = Vec::new();
    let mut in_quotes = false;
    let mut word = String::new();
    let flush = |word: &mut String, rest: &mut String, fuzzy: &mut Vec<(String, u8, bool)>| {
        let w = std::mem::take(word);
        if let Some((base, n)) = w.rsplit_once('~')
            && let Ok(distance) = n.parse::<u8>()
            && distance <= 2
        {
            let (negated, base) = match base.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, base.strip_prefix('+').unwrap_or(base)),
            };
            if !base.is_empty() && !base.contains([':', '"', '(', ')']) {
                fuzzy.push((base.to_string(), distance, negated));
                return;
            }
        }
        rest.push_str(&w);
    };
    for c in query.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if !in_quotes && c.is_whitespace() {
            flush(&mut word, &mut rest, &mut fuzzy);
            rest.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut rest, &mut fuzzy);
    (rest, fuzzy)
}

/// Translates a glob (`*`, `?`) into an anchored regular expression for the FST.
pub fn glob_to_regex(glob: &str) -> String {
    let mut re = String::with_capacity(glob.len() * 2);
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c if "\\.+()[]{}|^$#&-~\"".contains(c) => {
                re.push('\\');
                re.push(c);
            }
            c => re.push(c),
        }
    }
    re
}
