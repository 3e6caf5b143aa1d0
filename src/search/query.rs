//! Queries: tantivy's syntax parsed leniently (a mistake is reported with where it is,
//! never a crash), combined with filters (kind, code and its descendants, uncoded,
//! coder, speaker, document glob, attribute), ranked hits with highlight ranges.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, FuzzyTermQuery, Occur, Query, QueryParser, RegexQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TokenStream;
use tantivy::{TantivyDocument, Term};

use super::analysis::{self, matching_ranges};
use super::index::SearchView;
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
    "text, exact, speaker, title, memo, kind, doc, repo, label, attr, code, coder";

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
        let mut parser = QueryParser::for_index(&self.index, vec![default_field]);
        parser.set_conjunction_by_default();
        let trimmed = query.trim();
        let mut warnings = Vec::new();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // `word~N` (fuzzy) is not in tantivy's grammar: take those words out and match
        // them as fuzzy terms against the unstemmed text.
        let (rest, fuzzy) = split_fuzzy(trimmed);
        let mut exact_analyzer = analysis::exact();
        for (word, distance, negated) in fuzzy {
            let mut stream = exact_analyzer.token_stream(&word);
            while let Some(t) = stream.next() {
                let q =
                    FuzzyTermQuery::new(Term::from_field_text(f.exact, &t.text), distance, true);
                clauses.push((
                    if negated { Occur::MustNot } else { Occur::Must },
                    Box::new(q),
                ));
            }
        }
        let trimmed = rest.trim();
        if !trimmed.is_empty() {
            let (parsed, errors) = parser.parse_query_lenient(trimmed);
            for e in &errors {
                if let tantivy::query::QueryParserError::FieldDoesNotExist(name) = e {
                    return Err(Error::Input(format!(
                        "unknown field {name:?} in the query; fields are: {QUERY_FIELDS}"
                    )));
                }
                warnings.push(format!("the query has a mistake: {e}"));
            }
            clauses.push((Occur::Must, parsed));
        }
        let filter_clauses = self.filter_clauses(filters)?;
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
        let searcher = self.reader.searcher();
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

        // Terms to highlight, analysed as the field analyses text.
        let mut terms = Vec::new();
        combined.query_terms(&mut |term, _| {
            if term.field() == default_field
                && let Some(s) = term.value().as_str()
            {
                terms.push(s.to_string());
            }
        });
        let mut analyzer = if exact {
            analysis::exact()
        } else {
            analysis::stemmed()
        };
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
                let text = text_of(f.text);
                let matches = matching_ranges(&mut analyzer, &text, &terms);
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
            out.push(term(
                f.attr,
                &format!("{}={}", k.trim().to_lowercase(), v.trim().to_lowercase()),
            ));
        }
        if let Some(glob) = &filters.doc_glob {
            let q = RegexQuery::from_pattern(&glob_to_regex(glob), f.doc)
                .map_err(|e| Error::Input(format!("bad --doc pattern {glob:?}: {e}")))?;
            out.push(Box::new(q));
        }
        Ok(out)
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
