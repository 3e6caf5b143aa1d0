//! `gloss report`: the study in one file a co-author can read — per code its
//! definition, where it occurs (codings, documents, participants; by participant,
//! document kind and repository) and its top quotes; per instrument dimension its
//! counts and its crosstab with the first dimension; and each coder's progress.

use std::collections::BTreeMap;

use crate::codebook::Code;
use crate::coding::Progress;
use crate::corpus::DocKind;
use crate::corpus::docfile::natural_cmp;
use crate::study::Study;

use super::codes::{corpus_reach, reach, span_facts};
use super::counts::{self, Percent};
use super::page::{Block, Page};
use super::quotes::{self, Excerpt, QuoteOptions};
use super::table::{Column, Table};

/// What a report holds.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Quotes shown per code.
    pub quotes_per_code: usize,
    /// Quotes trimmed to this many characters.
    pub max_chars: Option<usize>,
    /// Whose instrument records are counted (needed when several coders made some).
    pub records_of: Option<String>,
    /// The dimension every other dimension is crossed with (default: the first).
    pub cross_with: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            quotes_per_code: 3,
            max_chars: Some(400),
            records_of: None,
            cross_with: None,
        }
    }
}

/// Builds the report of a study from its current codings.
pub fn report(study: &Study, opts: &ReportOptions) -> crate::Result<Page> {
    if let Some(dim) = &opts.cross_with
        && study.codebook.dimension(dim).is_none()
    {
        return Err(crate::Error::Input(format!(
            "no dimension {dim:?} in the codebook; `gloss codebook show` lists them"
        )));
    }
    let mut page = Page {
        title: format!("{} — coding report", study.project.config.name),
        blocks: Vec::new(),
    };
    let mut kinds: BTreeMap<DocKind, usize> = BTreeMap::new();
    for d in &study.corpus.docs {
        *kinds.entry(d.kind).or_default() += 1;
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(k, n)| format!("{n} {}{}", k.name(), if *n == 1 { "" } else { "s" }))
        .collect();
    let (all_docs, all_people) = corpus_reach(study);
    page.push(Block::Text(format!(
        "{all_docs} documents ({}), {all_people} participants, {} coders. Computed from the current codings: rerun `gloss report` after recoding.",
        if kinds.is_empty() {
            "none".to_string()
        } else {
            kinds.join(", ")
        },
        study.codings.coders.len()
    )));
    progress(study, &mut page);
    codes_section(study, opts, &mut page)?;
    instrument(study, opts, &mut page);
    Ok(page)
}

/// Per coder: documents done, in progress, not started and excluded; codings, records.
fn progress(study: &Study, page: &mut Page) {
    page.push(Block::Heading(1, "Coding progress".into()));
    if study.codings.coders.is_empty() {
        page.push(Block::Text("No one has coded yet.".into()));
        return;
    }
    let mut table = Table {
        title: format!("Progress per coder ({} documents)", study.corpus.docs.len()),
        columns: vec![
            Column::left("Coder"),
            Column::right("Done"),
            Column::right("In progress"),
            Column::right("Not started"),
            Column::right("Excluded"),
            Column::right("Codings"),
            Column::right("Records"),
        ],
        ..Table::default()
    };
    let mut coders: Vec<&str> = study
        .codings
        .coders
        .iter()
        .map(|c| c.coder.as_str())
        .collect();
    coders.sort_by(|a, b| natural_cmp(a, b));
    for coder in coders {
        let rows = study.document_rows(coder);
        let count = |p: Progress| rows.iter().filter(|r| r.progress == p).count();
        table.rows.push(vec![
            coder.to_string(),
            count(Progress::Done).to_string(),
            count(Progress::InProgress).to_string(),
            count(Progress::NotStarted).to_string(),
            rows.iter()
                .filter(|r| r.excluded.is_some())
                .count()
                .to_string(),
            rows.iter().map(|r| r.codings).sum::<usize>().to_string(),
            rows.iter().map(|r| r.records).sum::<usize>().to_string(),
        ]);
    }
    table
        .notes
        .push("Progress is what each coder marked (gloss mark, or D in the workbench).".into());
    page.push(Block::Table(table));
}

/// "a 3, b 1" from counts, largest first (ties in natural order).
fn breakdown(counts: BTreeMap<String, usize>) -> String {
    let mut list: Vec<(String, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| natural_cmp(&a.0, &b.0)));
    list.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One part per code outside the instrument.
fn codes_section(study: &Study, opts: &ReportOptions, page: &mut Page) -> crate::Result<()> {
    let book = &study.codebook;
    page.push(Block::Heading(1, "Codes".into()));
    let facts = span_facts(study, None);
    let reached = reach(&facts);
    let (all_docs, all_people) = corpus_reach(study);
    // Every excerpt once; each code takes its own and its descendants'.
    let all = quotes::excerpts(study, &QuoteOptions::default())?;
    let mut by_code: BTreeMap<String, Vec<&Excerpt>> = BTreeMap::new();
    for e in &all {
        let Some(code) = book.find_id(&e.code) else {
            continue;
        };
        by_code.entry(code.id.clone()).or_default().push(e);
        for a in book.ancestors(&code.id) {
            by_code.entry(a.id.clone()).or_default().push(e);
        }
    }
    let codes: Vec<&Code> = book
        .codes
        .iter()
        .filter(|c| c.select.is_none() && c.dimension.is_none())
        .filter(|c| !c.retired || reached.contains_key(&c.id))
        .collect();
    if codes.is_empty() {
        page.push(Block::Text(
            "The codebook has no codes for passages.".into(),
        ));
        return Ok(());
    }
    for code in codes {
        page.push(Block::Heading(
            2,
            book.name_path(&code.id)
                .unwrap_or_else(|| code.name.clone()),
        ));
        if !code.description.is_empty() {
            page.push(Block::Text(code.description.clone()));
        }
        if !code.include.is_empty() {
            page.push(Block::Labelled("Include:".into(), code.include.clone()));
        }
        if !code.exclude.is_empty() {
            page.push(Block::Labelled("Exclude:".into(), code.exclude.clone()));
        }
        let Some(r) = reached.get(&code.id) else {
            page.push(Block::Text("No codings yet.".into()));
            continue;
        };
        page.push(Block::Text(format!(
            "{} coding{} in {} of {all_docs} documents and {} of {all_people} participants{}.",
            r.codings,
            if r.codings == 1 { "" } else { "s" },
            r.documents.len(),
            r.participants.len(),
            if code.children.is_empty() {
                ""
            } else {
                " (with the codes below it)"
            }
        )));
        let mut by_participant: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_repo: BTreeMap<String, usize> = BTreeMap::new();
        for f in facts.iter().filter(|f| f.lineage.contains(&code.id)) {
            let doc = &study.corpus.docs[f.doc_index];
            if let Some(p) = &f.participant {
                *by_participant.entry(p.clone()).or_default() += 1;
            }
            *by_kind.entry(doc.kind.name().to_string()).or_default() += 1;
            if let Some(repo) = doc.attributes.get("repo") {
                *by_repo.entry(repo.to_string()).or_default() += 1;
            }
        }
        let mut items = Vec::new();
        if !by_participant.is_empty() {
            items.push(format!(
                "By participant (codings): {}",
                breakdown(by_participant)
            ));
        }
        items.push(format!(
            "By document kind (codings): {}",
            breakdown(by_kind)
        ));
        if !by_repo.is_empty() {
            items.push(format!("By repository (codings): {}", breakdown(by_repo)));
        }
        page.push(Block::List(items));
        let list: Vec<Excerpt> = by_code
            .get(&code.id)
            .map(|l| l.iter().map(|e| (*e).clone()).collect())
            .unwrap_or_default();
        for e in quotes::best(list, opts.quotes_per_code) {
            let text = match opts.max_chars {
                Some(max) => quotes::trim_quote(&e.quote, max),
                None => e.quote.clone(),
            };
            page.push(Block::Quote {
                id: e.quote_id.clone(),
                text,
                source: quotes::source_line(&e),
            });
        }
    }
    Ok(())
}

/// Per dimension, its counts; then each other dimension crossed with the first (or
/// the one chosen), with row percentages.
fn instrument(study: &Study, opts: &ReportOptions, page: &mut Page) {
    let dims = study.codebook.dimensions();
    // Top-level dimensions only: a dimension nested in another is one of its values.
    let dims: Vec<&Code> = dims.into_iter().filter(|d| d.dimension.is_none()).collect();
    if dims.is_empty() {
        return;
    }
    page.push(Block::Heading(1, "Instrument".into()));
    let of = opts.records_of.as_deref();
    if let Err(e) = counts::records_of(study, of) {
        page.push(Block::Text(format!("No counts: {e}.")));
        return;
    }
    let first = match &opts.cross_with {
        Some(d) => study.codebook.dimension(d).unwrap_or(dims[0]),
        None => dims[0],
    };
    for dim in &dims {
        page.push(Block::Heading(2, dim.name.clone()));
        if !dim.description.is_empty() {
            page.push(Block::Text(dim.description.clone()));
        }
        if let Ok(table) = counts::record_counts(study, std::slice::from_ref(&dim.id), None, of) {
            page.push(Block::Table(table));
        }
        if dim.id != first.id {
            let by = [dim.id.clone(), first.id.clone()];
            if let Ok(table) = counts::record_counts(study, &by, Some(Percent::Row), of) {
                page.push(Block::Table(table));
            }
        }
    }
}
