//! Quote tables: the coded excerpts that support a finding, one row per excerpt, with a
//! stable quote id, the code path, the quote (pseudonymised, optionally trimmed at a
//! sentence or word boundary with "[…]" marking every cut) and its source (participant
//! alias, or `owner/repo#123` with its address).

use std::collections::{BTreeMap, BTreeSet};

use unicode_segmentation::UnicodeSegmentation;

use crate::coding::set::Resolved;
use crate::corpus::{AttrValue, DocKind, Document, Position};
use crate::study::Study;
use crate::{Error, Result};

use super::table::{Column, Table};

/// Which excerpts, and how they are shown.
#[derive(Debug, Clone, Default)]
pub struct QuoteOptions {
    /// Codes (id, name or alias); each includes the codes below it. Empty: every code.
    pub codes: Vec<String>,
    pub coder: Option<String>,
    pub kind: Option<DocKind>,
    /// `key=value` document attributes, all of which must hold.
    pub attrs: Vec<(String, String)>,
    pub group_by: Option<GroupBy>,
    /// The order of the rows (within groups, when grouped).
    pub sort: Sort,
    /// At most this many excerpts per code: starred ones first, then spread over
    /// different participants and documents.
    pub max_per_code: Option<usize>,
    /// Trim quotes longer than this many characters.
    pub max_chars: Option<usize>,
    /// Extra columns: `coder`, `memo`, `document`, or a document attribute's name.
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    Code,
    Document,
    Participant,
}

/// Orders of a quote table. Every order is total and stable: ties fall back to
/// document order (document, then position), then the quote id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Sort {
    /// Documents in id order, excerpts in text order (the default).
    #[default]
    Document,
    /// Codes in codebook order.
    Code,
    /// Participants by alias (P2 before P10); excerpts without one last.
    Participant,
    /// Shortest quote first.
    Length,
    /// Quote id: by coder, then coding number.
    Id,
}

/// Sorts excerpts in `order` (stable, total).
pub fn sort_excerpts(excerpts: &mut [Excerpt], order: Sort, book: &crate::codebook::Codebook) {
    use crate::corpus::docfile::natural_cmp;
    let document = |a: &Excerpt, b: &Excerpt| {
        (a.doc_index, a.start)
            .cmp(&(b.doc_index, b.start))
            .then_with(|| natural_cmp(&a.quote_id, &b.quote_id))
    };
    match order {
        Sort::Document => excerpts.sort_by(document),
        Sort::Code => excerpts.sort_by(|a, b| {
            let rank = |e: &Excerpt| book.find_id(&e.code).and_then(|c| book.index(&c.id));
            // Unknown codes (not in the codebook) last.
            let (x, y) = (rank(a), rank(b));
            (x.is_none(), x)
                .cmp(&(y.is_none(), y))
                .then_with(|| document(a, b))
        }),
        Sort::Participant => excerpts.sort_by(|a, b| {
            match (&a.participant, &b.participant) {
                (Some(x), Some(y)) => natural_cmp(x, y),
                (x, y) => x.is_none().cmp(&y.is_none()),
            }
            .then_with(|| document(a, b))
        }),
        Sort::Length => excerpts.sort_by(|a, b| {
            a.quote
                .chars()
                .count()
                .cmp(&b.quote.chars().count())
                .then_with(|| document(a, b))
        }),
        Sort::Id => excerpts
            .sort_by(|a, b| natural_cmp(&a.quote_id, &b.quote_id).then_with(|| document(a, b))),
    }
}

/// One excerpt, before it becomes a row.
#[derive(Debug, Clone)]
pub struct Excerpt {
    /// Stable: derived from the coding's id, which is unique across coders.
    pub quote_id: String,
    pub code: String,
    pub code_path: String,
    pub quote: String,
    pub source: String,
    pub url: Option<String>,
    pub participant: Option<String>,
    pub doc: String,
    pub coder: String,
    pub memo: String,
    pub star: bool,
    /// Where the document is in the corpus (which is in natural id order).
    pub doc_index: usize,
    pub start: Position,
}

/// The quote id of a coding: `Q` and the coding id (`ann-17` → `Q-ann-17`), so it
/// never changes when other quotes are added and stays unique when branches merge.
pub fn quote_id(coding_id: &str) -> String {
    format!("Q-{coding_id}")
}

/// The text between two positions of a document, turns joined by a space.
pub fn span_text(doc: &Document, start: Position, end: Position) -> String {
    let mut out = String::new();
    for t in start.turn..=end.turn.min(doc.turns.len().saturating_sub(1)) {
        let Some(turn) = doc.turns.get(t) else { break };
        let from = if t == start.turn { start.byte } else { 0 };
        let to = if t == end.turn {
            end.byte
        } else {
            turn.text.len()
        };
        if let Some(part) = turn.text.get(from.min(to)..to.min(turn.text.len())) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(part.trim());
        }
    }
    out
}

/// Replaces every name listed in `pseudonyms` (longest first, whole words only, case
/// as listed) by its pseudonym.
pub fn pseudonymise(text: &str, pseudonyms: &BTreeMap<String, String>) -> String {
    let mut names: Vec<(&String, &String)> =
        pseudonyms.iter().filter(|(k, _)| !k.is_empty()).collect();
    names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out = text.to_string();
    for (name, pseudonym) in names {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(name.as_str()) {
            let before = rest[..at].chars().next_back();
            let after = rest[at + name.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            result.push_str(&rest[..at]);
            if boundary(before) && boundary(after) {
                result.push_str(pseudonym);
            } else {
                result.push_str(name);
            }
            rest = &rest[at + name.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Trims `text` to at most `max` characters (plus the cut marks), cutting at a sentence
/// boundary when one is near, else at a word boundary; "[…]" marks the cut.
pub fn trim_quote(text: &str, max: usize) -> String {
    if text.chars().count() <= max || max == 0 {
        return text.to_string();
    }
    let limit = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    // The last sentence end within the limit, if it keeps at least half the budget.
    let sentence_end = text
        .split_sentence_bound_indices()
        .map(|(i, s)| i + s.len())
        .take_while(|&end| end <= limit)
        .last()
        .filter(|&end| end >= limit / 2);
    let cut = sentence_end.unwrap_or_else(|| {
        text.split_word_bound_indices()
            .map(|(i, _)| i)
            .take_while(|&i| i <= limit)
            .last()
            .filter(|&i| i > 0)
            .unwrap_or(limit)
    });
    format!("{} […]", text[..cut].trim_end())
}

/// The excerpts the options select, in document order.
pub fn excerpts(study: &Study, opts: &QuoteOptions) -> Result<Vec<Excerpt>> {
    let book = &study.codebook;
    let mut wanted: Option<BTreeSet<String>> = None;
    for code in &opts.codes {
        let found = book
            .get(code)
            .or_else(|| book.resolve(code))
            .ok_or_else(|| {
                Error::Input(format!(
                    "no code {code:?} in the codebook; `gloss codebook show` lists them"
                ))
            })?;
        let set = wanted.get_or_insert_with(BTreeSet::new);
        set.extend(book.descendants(&found.id).iter().map(|c| c.id.clone()));
    }
    let pseudonyms = &study.project.config.pseudonyms;
    let mut out = Vec::new();
    let mut paths: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    let resolved = study.codings.resolve(&study.project, &study.corpus);
    for span in &resolved {
        if opts.coder.as_deref().is_some_and(|c| c != span.coder) {
            continue;
        }
        if wanted
            .as_ref()
            .is_some_and(|w| !w.contains(&span.coding.code))
        {
            continue;
        }
        let Resolved::Placed { start, end, .. } = span.placement else {
            continue;
        };
        let Some(doc_index) = study.corpus.position(&span.doc) else {
            continue;
        };
        let doc = &study.corpus.docs[doc_index];
        if opts.kind.is_some_and(|k| k != doc.kind) {
            continue;
        }
        if !opts.attrs.iter().all(|(k, v)| attr_matches(doc, k, v)) {
            continue;
        }
        let speaker = doc
            .turns
            .get(start.turn)
            .map(|t| t.speaker.as_str())
            .unwrap_or("");
        let participant = study.project.speaker(&doc.id, speaker).participant;
        let (source, url) = source_of(doc, participant.as_deref());
        out.push(Excerpt {
            quote_id: quote_id(&span.coding.id),
            code: span.coding.code.clone(),
            code_path: paths
                .entry(span.coding.code.as_str())
                .or_insert_with(|| {
                    book.name_path(&span.coding.code)
                        .unwrap_or_else(|| span.coding.code.clone())
                })
                .clone(),
            quote: pseudonymise(&span_text(doc, start, end), pseudonyms),
            source: pseudonymise(&source, pseudonyms),
            url,
            participant,
            doc: doc.id.clone(),
            coder: span.coder.to_string(),
            memo: pseudonymise(span.coding.memo.as_deref().unwrap_or(""), pseudonyms),
            star: span.coding.star,
            doc_index,
            start,
        });
    }
    out.sort_by(|a, b| {
        (a.doc_index, a.start)
            .cmp(&(b.doc_index, b.start))
            .then_with(|| a.quote_id.cmp(&b.quote_id))
    });
    if let Some(max) = opts.max_per_code {
        out = limit_per_code(out, max);
    }
    if let Some(max) = opts.max_chars {
        for e in &mut out {
            e.quote = trim_quote(&e.quote, max);
        }
    }
    Ok(out)
}

fn attr_matches(doc: &Document, key: &str, value: &str) -> bool {
    doc.attributes.get(key).is_some_and(|v| match v {
        AttrValue::One(s) => s.eq_ignore_ascii_case(value),
        AttrValue::Many(list) => list.iter().any(|s| s.eq_ignore_ascii_case(value)),
    })
}

/// Where a quote comes from: the participant's alias, or for an issue `owner/repo#N`
/// and its address; else the document id.
pub fn source_of(doc: &Document, participant: Option<&str>) -> (String, Option<String>) {
    let url = doc.attributes.get("url").and_then(|v| match v {
        AttrValue::One(s) => Some(s.clone()),
        AttrValue::Many(_) => None,
    });
    if let Some(p) = participant {
        return (p.to_string(), None);
    }
    match doc.kind {
        DocKind::Issue => {
            let short = doc
                .id
                .strip_prefix("issues/")
                .unwrap_or(&doc.id)
                .to_string();
            let url = url.or_else(|| {
                let (repo, n) = short.rsplit_once('#')?;
                repo.contains('/')
                    .then(|| format!("https://github.com/{repo}/issues/{n}"))
            });
            (short, url)
        }
        _ => (doc.id.clone(), url),
    }
}

/// Keeps at most `max` excerpts per code: starred first, then round-robin over
/// participants (or documents) so one talkative source does not fill the table.
fn limit_per_code(all: Vec<Excerpt>, max: usize) -> Vec<Excerpt> {
    let mut by_code: BTreeMap<String, Vec<Excerpt>> = BTreeMap::new();
    for e in all {
        by_code.entry(e.code.clone()).or_default().push(e);
    }
    let mut out: Vec<Excerpt> = by_code
        .into_values()
        .flat_map(|list| best(list, max))
        .collect();
    out.sort_by(|a, b| {
        (a.doc_index, a.start)
            .cmp(&(b.doc_index, b.start))
            .then_with(|| a.quote_id.cmp(&b.quote_id))
    });
    out
}

/// The best `max` of `list` (in document order) as supporting quotes: starred first,
/// then round-robin over participants (or documents, for excerpts without one) so
/// that one talkative source does not fill the selection. Returned in choice order.
pub fn best(list: Vec<Excerpt>, max: usize) -> Vec<Excerpt> {
    let (starred, rest): (Vec<Excerpt>, Vec<Excerpt>) = list.into_iter().partition(|e| e.star);
    let mut chosen: Vec<Excerpt> = starred.into_iter().take(max).collect();
    // Round-robin over sources, each source's excerpts in document order.
    let mut queues: BTreeMap<String, std::collections::VecDeque<Excerpt>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for e in rest {
        let key = e.participant.clone().unwrap_or_else(|| e.doc.clone());
        if !queues.contains_key(&key) {
            order.push(key.clone());
        }
        queues.entry(key).or_default().push_back(e);
    }
    // Sources already represented by a starred quote come last.
    let used: BTreeSet<String> = chosen
        .iter()
        .map(|e| e.participant.clone().unwrap_or_else(|| e.doc.clone()))
        .collect();
    order.sort_by_key(|k| used.contains(k));
    while chosen.len() < max && queues.values().any(|q| !q.is_empty()) {
        for key in &order {
            if chosen.len() >= max {
                break;
            }
            if let Some(e) = queues.get_mut(key).and_then(|q| q.pop_front()) {
                chosen.push(e);
            }
        }
    }
    chosen
}

/// The source of an excerpt as printed: the participant, or the document with its
/// address.
pub fn source_line(e: &Excerpt) -> String {
    match &e.url {
        Some(url) if e.participant.is_none() => format!("{} ({url})", e.source),
        _ => e.source.clone(),
    }
}

/// The quote table.
pub fn quote_table(study: &Study, opts: &QuoteOptions) -> Result<Table> {
    let mut excerpts = excerpts(study, opts)?;
    sort_excerpts(&mut excerpts, opts.sort, &study.codebook);
    let group_key = |e: &Excerpt| -> String {
        match opts.group_by {
            Some(GroupBy::Code) => e.code_path.clone(),
            Some(GroupBy::Document) => e.source.clone(),
            Some(GroupBy::Participant) => e
                .participant
                .clone()
                .unwrap_or_else(|| "(no participant)".into()),
            None => String::new(),
        }
    };
    if opts.group_by.is_some() {
        // Stable: within a group, rows keep the --sort order.
        excerpts.sort_by_cached_key(|e| group_key(e));
    }
    let mut columns = Vec::new();
    if let Some(g) = opts.group_by {
        columns.push(Column::left(match g {
            GroupBy::Code => "Code",
            GroupBy::Document => "Document",
            GroupBy::Participant => "Participant",
        }));
    }
    columns.push(Column::left("ID"));
    if opts.group_by != Some(GroupBy::Code) {
        columns.push(Column::wrap("Code"));
    }
    columns.push(Column::wrap("Quote"));
    columns.push(Column::left("Source"));
    for extra in &opts.columns {
        columns.push(match extra.as_str() {
            "memo" => Column::wrap("Memo"),
            other => Column::left(other.to_string()),
        });
    }
    let mut table = Table {
        title: "Quotes".into(),
        columns,
        ..Table::default()
    };
    let mut last_group = None;
    for e in &excerpts {
        let mut row = Vec::new();
        if opts.group_by.is_some() {
            let key = group_key(e);
            // The group's name on its first row only, as papers print it.
            row.push(if last_group.as_ref() == Some(&key) {
                String::new()
            } else {
                key.clone()
            });
            last_group = Some(key);
        }
        row.push(e.quote_id.clone());
        if opts.group_by != Some(GroupBy::Code) {
            row.push(e.code_path.clone());
        }
        row.push(format!("“{}”", e.quote));
        row.push(source_line(e));
        for extra in &opts.columns {
            row.push(match extra.as_str() {
                "coder" => e.coder.clone(),
                "memo" => e.memo.clone(),
                "document" => e.doc.clone(),
                attr => study
                    .corpus
                    .get(&e.doc)
                    .and_then(|d| d.attributes.get(attr))
                    .map(|v| match v {
                        AttrValue::One(s) => s.clone(),
                        AttrValue::Many(list) => list.join(", "),
                    })
                    .unwrap_or_default(),
            });
        }
        table.rows.push(row);
    }
    table.notes.push(format!(
        "{} excerpts. Quote ids are stable across exports.",
        excerpts.len()
    ));
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_cuts_at_sentences_then_words() {
        let text = "We ported the model. Then the loss diverged after two epochs of training.";
        assert_eq!(trim_quote(text, 200), text);
        assert_eq!(trim_quote(text, 30), "We ported the model. […]");
        let cut = trim_quote("alpha beta gamma delta epsilon", 13);
        assert_eq!(cut, "alpha beta […]");
        // Never inside a multi-byte character.
        let cjk = trim_quote("模型移植之后损失发散了。我们检查了数据。", 5);
        assert!(cjk.ends_with("[…]"));
    }

    #[test]
    fn pseudonyms_replace_whole_words_only() {
        let mut p = BTreeMap::new();
        p.insert("Ann".to_string(), "P1".to_string());
        p.insert("Acme Corp".to_string(), "Company A".to_string());
        assert_eq!(
            pseudonymise("Ann at Acme Corp met Anna.", &p),
            "P1 at Company A met Anna."
        );
    }
}
