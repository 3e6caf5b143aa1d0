//! Findings: the claims of a paper, each with the evidence that supports it, read from
//! `findings.yaml` and computed from the current codings — so every claim can be traced
//! to its evidence and rerun after recoding.
//!
//! ```yaml
//! findings:
//!   - id: repro-in-training
//!     text: Most reproducibility defects are found in training.
//!     counts:                         # a selection of instrument records
//!       by: stage                     # the dimension counted (or [stage])
//!       where: {manifestation: reproducibility}   # records kept (values: one or a list)
//!       value: training               # the category reported (default: the largest)
//!       of: alice                     # whose records (when several coders made some)
//!   - id: gaps
//!     text: Papers leave out details that reengineers must guess.
//!     codes: [model-operationalization]   # span codes (each with the codes below it)
//!     quotes: 3                       # supporting quotes shown (default 3)
//!   - id: diverge
//!     text: Losses that diverge are a common symptom.
//!     search: '"loss diverged" OR NaN'    # a search query; its hits are counted
//! ```
//!
//! A finding needs at least one of `codes`, `counts` and `search`; it may have several.
//! Its quotes are drawn from its codes' codings, the evidence passages of the records
//! counted in the reported category, and its search hits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::codebook::Code;
use crate::coding::Record;
use crate::project::config::yaml_error;
use crate::search::{Filters, SearchView};
use crate::study::Study;
use crate::{Error, Result};

use super::codes::{corpus_reach, span_facts};
use super::counts::{record_categories, records_of};
use super::page::{Block, Page};
use super::quotes::{self, Excerpt, QuoteOptions};
use super::table::{Column, Table};

/// The file findings are read from, in the project root.
pub const FINDINGS_FILE: &str = "findings.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingsFile {
    findings: Vec<Finding>,
}

/// One claim and what supports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub id: String,
    pub text: String,
    /// Span codes whose codings support the claim.
    #[serde(default)]
    pub codes: Vec<String>,
    /// A selection of instrument records.
    pub counts: Option<CountsSpec>,
    /// A search query whose hits support the claim.
    pub search: Option<String>,
    /// How many supporting quotes to show (default 3).
    pub quotes: Option<usize>,
}

/// A selection of instrument records and the dimension counted in it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsSpec {
    pub by: OneOrMany,
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, OneOrMany>,
    pub value: Option<String>,
    pub of: Option<String>,
}

/// One label or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// Findings read from a file, with the file's text for locating problems.
#[derive(Debug, Clone)]
pub struct Findings {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    text: String,
}

impl Findings {
    /// Reads `path`. A YAML mistake is reported with its line and column.
    pub fn load(path: &Path) -> Result<Findings> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Input(format!(
                "{} does not exist; write the findings there (see the README, \"Findings\")",
                path.display()
            )),
            _ => Error::io(path, e),
        })?;
        Findings::parse(path, text)
    }

    /// Parses findings from `text` (read from `path`).
    pub fn parse(path: &Path, text: String) -> Result<Findings> {
        let file: FindingsFile = serde_yaml::from_str(&text).map_err(|e| yaml_error(path, &e))?;
        let findings = Findings {
            path: path.to_path_buf(),
            findings: file.findings,
            text,
        };
        findings.check_ids()?;
        Ok(findings)
    }

    /// The 1-based line where finding `index` starts (its `id:` line), if found.
    fn line_of(&self, index: usize) -> Option<usize> {
        let id = &self.findings.get(index)?.id;
        let mut seen = 0;
        for (n, line) in self.text.lines().enumerate() {
            let t = line.trim_start().trim_start_matches('-').trim_start();
            let Some(rest) = t.strip_prefix("id:") else {
                continue;
            };
            if rest.trim().trim_matches(['"', '\'']) == id {
                // The same id twice: the n-th occurrence for the n-th finding with it.
                let before = self.findings[..index]
                    .iter()
                    .filter(|f| &f.id == id)
                    .count();
                if seen == before {
                    return Some(n + 1);
                }
                seen += 1;
            }
        }
        None
    }

    /// The 1-based line of `key` within finding `index` (else the finding's line).
    fn key_line(&self, index: usize, key: &str) -> Option<usize> {
        let start = self.line_of(index)?;
        let end = (index + 1..self.findings.len())
            .find_map(|i| self.line_of(i))
            .unwrap_or(usize::MAX);
        self.text
            .lines()
            .enumerate()
            .skip(start - 1)
            .take_while(|(n, _)| n + 1 < end)
            .find(|(_, l)| {
                l.trim_start()
                    .trim_start_matches('-')
                    .trim_start()
                    .starts_with(&format!("{key}:"))
            })
            .map(|(n, _)| n + 1)
            .or(Some(start))
    }

    /// An error about finding `index`, at its `key` line.
    fn error(&self, index: usize, key: &str, message: String) -> Error {
        match self.key_line(index, key) {
            Some(line) => Error::at_line(&self.path, line, message),
            None => Error::parse(&self.path, message),
        }
    }

    fn check_ids(&self) -> Result<()> {
        let mut seen = BTreeSet::new();
        for (i, f) in self.findings.iter().enumerate() {
            if f.id.trim().is_empty() {
                return Err(self.error(
                    i,
                    "id",
                    "a finding has an empty id; give each finding a unique id".into(),
                ));
            }
            if !seen.insert(f.id.as_str()) {
                return Err(self.error(
                    i,
                    "id",
                    format!(
                        "finding id {:?} is used twice; give each finding a unique id",
                        f.id
                    ),
                ));
            }
            if f.text.trim().is_empty() {
                return Err(self.error(
                    i,
                    "text",
                    format!(
                        "finding {:?} has no text; write the claim under text:",
                        f.id
                    ),
                ));
            }
            if f.codes.is_empty() && f.counts.is_none() && f.search.is_none() {
                return Err(self.error(
                    i,
                    "id",
                    format!(
                        "finding {:?} has no support; give it codes:, counts: or search:",
                        f.id
                    ),
                ));
            }
        }
        Ok(())
    }

    /// True when some finding is supported by a search (the caller then opens the index).
    pub fn needs_search(&self) -> bool {
        self.findings.iter().any(|f| f.search.is_some())
    }
}

/// What supports one finding, computed from the current codings.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub id: String,
    pub text: String,
    /// One sentence per kind of support ("26 of 38 records = 68.4% …").
    pub figures: Vec<String>,
    /// The breakdown behind a counts figure.
    pub tables: Vec<Table>,
    pub quotes: Vec<Excerpt>,
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// Computes every finding's support. `search` is needed when a finding has a query.
pub fn evaluate(
    study: &Study,
    findings: &Findings,
    search: Option<&SearchView>,
    max_chars: Option<usize>,
) -> Result<Vec<Evidence>> {
    let mut out = Vec::new();
    for (i, f) in findings.findings.iter().enumerate() {
        let mut ev = Evidence {
            id: f.id.clone(),
            text: f.text.clone(),
            figures: Vec::new(),
            tables: Vec::new(),
            quotes: Vec::new(),
        };
        let want = f.quotes.unwrap_or(3);
        let mut candidates: Vec<Excerpt> = Vec::new();
        if !f.codes.is_empty() {
            let (figure, excerpts) = codes_support(study, findings, i, f)?;
            ev.figures.push(figure);
            candidates.extend(excerpts);
        }
        if let Some(spec) = &f.counts {
            let (figure, table, evidence) = counts_support(study, findings, i, spec)?;
            ev.figures.push(figure);
            ev.tables.push(table);
            candidates.extend(evidence);
        }
        if let Some(query) = &f.search {
            let Some(view) = search else {
                return Err(Error::Input(
                    "findings with search: need the search index".into(),
                ));
            };
            let (figure, hits) = search_support(study, findings, i, query, view)?;
            ev.figures.push(figure);
            candidates.extend(hits);
        }
        ev.quotes = quotes::best(candidates, want);
        if let Some(max) = max_chars {
            for q in &mut ev.quotes {
                q.quote = quotes::trim_quote(&q.quote, max);
            }
        }
        out.push(ev);
    }
    Ok(out)
}

/// "N codings in M of K participants (D of E documents)" and the codes' excerpts.
fn codes_support(
    study: &Study,
    findings: &Findings,
    index: usize,
    f: &Finding,
) -> Result<(String, Vec<Excerpt>)> {
    let book = &study.codebook;
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut names = Vec::new();
    for label in &f.codes {
        let code = book
            .find_id(label)
            .or_else(|| book.resolve(label))
            .filter(|c| c.select.is_none() && c.dimension.is_none())
            .ok_or_else(|| {
                findings.error(
                    index,
                    "codes",
                    format!(
                        "finding {:?}: no span code {label:?} in the codebook; `gloss codebook show` lists them (dimensions go under counts:)",
                        f.id
                    ),
                )
            })?;
        wanted.insert(code.id.clone());
        names.push(code.name.clone());
    }
    let facts = span_facts(study, None);
    let mut codings = 0;
    let mut docs = BTreeSet::new();
    let mut people = BTreeSet::new();
    for fact in facts
        .iter()
        .filter(|x| x.lineage.iter().any(|c| wanted.contains(c)))
    {
        codings += 1;
        docs.insert(fact.doc_index);
        if let Some(p) = &fact.participant {
            people.insert(p.clone());
        }
    }
    let (all_docs, all_people) = corpus_reach(study);
    let figure = if people.is_empty() {
        format!(
            "{codings} coding{} of {} in {} of {all_docs} documents.",
            if codings == 1 { "" } else { "s" },
            names.join(", "),
            docs.len()
        )
    } else {
        format!(
            "{codings} coding{} of {} in {} of {all_people} participants ({} of {all_docs} documents).",
            if codings == 1 { "" } else { "s" },
            names.join(", "),
            people.len(),
            docs.len()
        )
    };
    let excerpts = quotes::excerpts(
        study,
        &QuoteOptions {
            codes: wanted.into_iter().collect(),
            ..QuoteOptions::default()
        },
    )?;
    Ok((figure, excerpts))
}

/// True when one of the record's values of `dim` is `value` or below it.
fn record_has(study: &Study, record: &Record, dim: &Code, value: &Code) -> bool {
    record
        .values
        .get(&dim.id)
        .into_iter()
        .flatten()
        .any(|v| v == &value.id || study.codebook.ancestors(v).iter().any(|a| a.id == value.id))
}

/// "Training: 26 of 38 records = 68.4% (…)", the breakdown table, and the evidence
/// passages of the records counted in the reported category.
fn counts_support(
    study: &Study,
    findings: &Findings,
    index: usize,
    spec: &CountsSpec,
) -> Result<(String, Table, Vec<Excerpt>)> {
    let book = &study.codebook;
    let id = &findings.findings[index].id;
    let err = |key: &str, message: String| {
        findings.error(index, key, format!("finding {id:?}: {message}"))
    };
    let by = match spec.by.items().as_slice() {
        [one] => *one,
        _ => {
            return Err(err(
                "by",
                "counts: takes one dimension under by: (e.g. by: stage)".into(),
            ));
        }
    };
    let unknown_dim =
        |d: &str| format!("no dimension {d:?} in the codebook; `gloss codebook show` lists them");
    let dim = book
        .dimension(by)
        .ok_or_else(|| err("by", unknown_dim(by)))?;
    let mut filters: Vec<(&Code, Vec<&Code>)> = Vec::new();
    for (d, values) in &spec.filter {
        let fdim = book
            .dimension(d)
            .ok_or_else(|| err("where", unknown_dim(d)))?;
        let mut vs = Vec::new();
        for v in values.items() {
            vs.push(book.dimension_value(&fdim.id, v).ok_or_else(|| {
                err(
                    "where",
                    format!(
                        "{} has no value {v:?}; `gloss codebook show` lists them",
                        fdim.name
                    ),
                )
            })?);
        }
        filters.push((fdim, vs));
    }
    let (coder, records) =
        records_of(study, spec.of.as_deref()).map_err(|e| err("counts", e.to_string()))?;
    let selected: Vec<&Record> = records
        .into_iter()
        .filter(|r| {
            filters
                .iter()
                .all(|(d, vs)| vs.iter().any(|v| record_has(study, r, d, v)))
        })
        .collect();
    let n = selected.len();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &selected {
        for c in record_categories(book, dim, r) {
            *counts.entry(c).or_default() += 1;
        }
    }
    let categories: Vec<&Code> = dim
        .children
        .iter()
        .filter_map(|&i| book.codes.get(i))
        .collect();
    let chosen: &Code = match &spec.value {
        Some(v) => {
            let value = book.dimension_value(&dim.id, v).ok_or_else(|| {
                err(
                    "value",
                    format!(
                        "{} has no value {v:?}; `gloss codebook show` lists them",
                        dim.name
                    ),
                )
            })?;
            // A value below a category is reported as its category.
            categories
                .iter()
                .copied()
                .find(|c| {
                    c.id == value.id || book.ancestors(&value.id).iter().any(|a| a.id == c.id)
                })
                .unwrap_or(value)
        }
        None => match categories.iter().copied().max_by_key(|c| {
            (
                counts.get(&c.id).copied().unwrap_or(0),
                std::cmp::Reverse(book.index(&c.id)),
            )
        }) {
            Some(c) => c,
            None => return Err(err("by", format!("{} has no values", dim.name))),
        },
    };
    let k = counts.get(&chosen.id).copied().unwrap_or(0);
    let selection = if filters.is_empty() {
        String::new()
    } else {
        format!(
            ", where {}",
            filters
                .iter()
                .map(|(d, vs)| format!(
                    "{} is {}",
                    d.name,
                    vs.iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ))
                .collect::<Vec<_>>()
                .join(" and ")
        )
    };
    let figure = format!(
        "{}: {k} of {n} records = {} ({}{selection}; records by {coder}).",
        chosen.name,
        percent(k, n),
        dim.name
    );
    let mut table = Table {
        title: format!("{}{selection} (n = {n})", dim.name),
        columns: vec![
            Column::left(dim.name.clone()),
            Column::right("n"),
            Column::right("%"),
        ],
        ..Table::default()
    };
    for c in categories {
        let k = counts.get(&c.id).copied().unwrap_or(0);
        table
            .rows
            .push(vec![c.name.clone(), k.to_string(), percent(k, n)]);
    }
    if dim.select == Some(crate::codebook::Select::Many) {
        table.notes.push(format!(
            "{} takes several values: a record counts under each of its values.",
            dim.name
        ));
    }
    let evidence = selected
        .iter()
        .filter(|r| record_categories(book, dim, r).contains(&chosen.id))
        .flat_map(|r| evidence_excerpts(study, r))
        .collect();
    Ok((figure, table, evidence))
}

/// The evidence passages of a record that are still in place, as excerpts.
fn evidence_excerpts(study: &Study, record: &Record) -> Vec<Excerpt> {
    let doc_id = study.project.meta.current_id(&record.doc);
    let Some(doc_index) = study.corpus.position(doc_id) else {
        return Vec::new();
    };
    let doc = &study.corpus.docs[doc_index];
    let text = crate::coding::anchor::AnchorText::new(doc);
    let mut out = Vec::new();
    for (n, e) in record.evidence.iter().enumerate() {
        let (start, end) = match text.place(&e.anchor, (e.start, e.end)) {
            crate::coding::anchor::Placement::InPlace { start, end }
            | crate::coding::anchor::Placement::Moved { start, end } => (start, end),
            crate::coding::anchor::Placement::Orphaned(_) => continue,
        };
        out.push(passage(
            study,
            doc_index,
            start,
            format!("{} record {} evidence {}", doc.id, record.number, n + 1),
            &quotes::span_text(doc, start, end),
        ));
    }
    out
}

/// A passage that supports a finding without being a coding (a record's evidence, a
/// search hit) as an excerpt: its source from who speaks at `start`, pseudonyms applied.
fn passage(
    study: &Study,
    doc_index: usize,
    start: crate::corpus::Position,
    quote_id: String,
    text: &str,
) -> Excerpt {
    let doc = &study.corpus.docs[doc_index];
    let pseudonyms = &study.project.config.pseudonyms;
    let speaker = doc.turns.get(start.turn).map_or("", |t| t.speaker.as_str());
    let participant = study.project.speaker(&doc.id, speaker).participant;
    let (source, url) = quotes::source_of(doc, participant.as_deref());
    Excerpt {
        quote_id,
        code: String::new(),
        code_path: String::new(),
        quote: quotes::pseudonymise(text, pseudonyms),
        source: quotes::pseudonymise(&source, pseudonyms),
        url,
        participant,
        doc: doc.id.clone(),
        coder: String::new(),
        memo: String::new(),
        star: false,
        doc_index,
        start,
    }
}

/// "T matching turns in D of E documents" and the top hits as excerpts.
fn search_support(
    study: &Study,
    findings: &Findings,
    index: usize,
    query: &str,
    view: &SearchView,
) -> Result<(String, Vec<Excerpt>)> {
    let id = &findings.findings[index].id;
    let err =
        |message: String| findings.error(index, "search", format!("finding {id:?}: {message}"));
    let filters = Filters::default();
    let first = view
        .search(query, &filters, 1, false)
        .map_err(|e| err(e.to_string()))?;
    if let Some(w) = first.warnings.first() {
        return Err(err(format!(
            "{w}; fix the query (quotes and parentheses must be balanced)"
        )));
    }
    let all = view
        .search(query, &filters, first.total.max(1), false)
        .map_err(|e| err(e.to_string()))?;
    let docs: BTreeSet<&str> = all.hits.iter().map(|h| h.doc.as_str()).collect();
    let figure = format!(
        "{} turn{} match the search {query:?}, in {} of {} documents.",
        all.total,
        if all.total == 1 { "" } else { "s" },
        docs.len(),
        study.corpus.docs.len()
    );
    let mut excerpts = Vec::new();
    for hit in &all.hits {
        let Some(doc_index) = study.corpus.position(&hit.doc) else {
            continue;
        };
        let doc = &study.corpus.docs[doc_index];
        let Some(turn) = doc.turns.get(hit.turn) else {
            continue;
        };
        excerpts.push(passage(
            study,
            doc_index,
            crate::corpus::Position::new(hit.turn, 0),
            format!("{} turn {}", doc.id, hit.turn + 1),
            turn.text.trim(),
        ));
    }
    Ok((figure, excerpts))
}

/// The findings as a page: per finding its statement, its figures, the breakdown
/// behind a count, and its best supporting quotes with their sources.
pub fn findings_page(study: &Study, evidence: &[Evidence]) -> Page {
    let mut page = Page {
        title: format!("{} — findings", study.project.config.name),
        blocks: Vec::new(),
    };
    for ev in evidence {
        page.push(Block::Heading(1, format!("{}: {}", ev.id, ev.text)));
        for figure in &ev.figures {
            page.push(Block::Labelled("Support:".into(), figure.clone()));
        }
        for table in &ev.tables {
            page.push(Block::Table(table.clone()));
        }
        for q in &ev.quotes {
            page.push(Block::Quote {
                id: q.quote_id.clone(),
                text: q.quote.clone(),
                source: quotes::source_line(q),
            });
        }
    }
    if evidence.is_empty() {
        page.push(Block::Text(format!("{FINDINGS_FILE} lists no findings.")));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Findings> {
        Findings::parse(Path::new("findings.yaml"), text.to_string())
    }

    #[test]
    fn mistakes_are_reported_with_their_line() {
        let err = parse("findings:\n  - id: a\n    text: x\n    codez: [b]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("findings.yaml:4:"), "{err}");
        assert!(err.contains("unknown field `codez`"), "{err}");
        let err = parse("findings:\n  - id: a\n    text: x\n    codes: [b]\n  - id: a\n    text: y\n    search: z\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "findings.yaml:5: finding id \"a\" is used twice; give each finding a unique id"
        );
        let err = parse("findings:\n  - id: a\n    text: x\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "findings.yaml:2: finding \"a\" has no support; give it codes:, counts: or search:"
        );
        let ok = parse("findings:\n  - id: a\n    text: x\n    counts:\n      by: [stage]\n      where: {manifestation: reproducibility}\n").unwrap();
        assert_eq!(ok.key_line(0, "counts"), Some(4));
        assert!(!ok.needs_search());
    }
}
