//! Instrument records from a spreadsheet (`gloss import codings`): many bug studies code
//! in a spreadsheet first. Each row becomes a record of the document its doc column
//! names (an issue URL, a document id, or a bare value under a prefix); each mapped cell
//! becomes a dimension's value through the codebook's ids, names and aliases. The whole
//! file is checked before anything is written: all rows or none.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::codebook::{Codebook, Select, normalize_label};
use crate::coding::store::Op;
use crate::coding::{Entry, Record, record_key};
use crate::corpus::load::Corpus;
use crate::corpus::{AttrValue, DocKind, Document, Turn};
use crate::{Error, Result};

/// How to read the spreadsheet.
#[derive(Debug, Clone, Default)]
pub struct SheetOptions {
    /// The column naming each row's document.
    pub doc_column: String,
    /// Prefix for bare doc values (`issues/pilot#` makes `48` into `issues/pilot#48`).
    pub doc_prefix: Option<String>,
    /// Dimension (id, name or alias) → column, in the order given.
    pub map: Vec<(String, String)>,
    /// Cell texts that mean "missing" (compared like labels); the empty cell always is.
    pub missing: Vec<String>,
    /// Splits a cell into several values (for `select: many` dimensions).
    pub separator: Option<String>,
}

/// A label that maps to no value of its dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// The dimension's id.
    pub dimension: String,
    pub column: String,
    /// The label as written (trimmed).
    pub label: String,
    /// File line numbers (the header is line 1) where it occurs.
    pub lines: Vec<usize>,
}

/// What an import will do, computed without writing anything.
#[derive(Debug, Default)]
pub struct SheetPlan {
    /// Records by document, numbered 1, 2, … in file order.
    pub records: Vec<Record>,
    /// Documents named by the sheet but not in the project: created as stubs.
    pub stubs: Vec<Document>,
    /// Labels that map to nothing (the import stops unless they are created).
    pub unmapped: Vec<Unmapped>,
    /// Data rows read.
    pub rows: usize,
}

impl SheetPlan {
    /// The store changes for `coder`: the sheet's records replace that coder's records
    /// of the same documents (so importing the same sheet again changes nothing).
    pub fn ops(&self, existing: Option<&crate::coding::store::CoderFile>) -> Vec<Op> {
        let mut ops = Vec::new();
        let mut highest: BTreeMap<&str, u32> = BTreeMap::new();
        for r in &self.records {
            let n = highest.entry(r.doc.as_str()).or_default();
            *n = (*n).max(r.number);
        }
        if let Some(file) = existing {
            for entry in file.values_unordered() {
                if let Entry::Record(r) = entry
                    && let Some(&n) = highest.get(r.doc.as_str())
                    && r.number > n
                {
                    ops.push(Op::Delete(record_key(&r.doc, r.number)));
                }
            }
        }
        for r in &self.records {
            let same = existing
                .and_then(|f| f.get(&record_key(&r.doc, r.number)))
                .is_some_and(|e| matches!(e, Entry::Record(old) if old.values == r.values));
            if !same {
                ops.push(Op::Put(Entry::Record(r.clone())));
            }
        }
        ops
    }
}

/// The document id a doc cell names: a GitHub issue or pull request URL
/// (`https://github.com/o/r/issues/42` → `issues/o/r#42`), an existing document id, or a
/// bare value under `prefix` (numbers written `48.0` read as `48`).
pub fn doc_id_of(
    cell: &str,
    prefix: Option<&str>,
    corpus: &Corpus,
) -> std::result::Result<String, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err("the doc cell is empty".into());
    }
    if cell.contains("://") {
        let rest = cell.split_once("://").map_or(cell, |(_, r)| r);
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        // host/owner/repo/(issues|pull)/N[#fragment]
        if parts.len() >= 5 && (parts[3] == "issues" || parts[3] == "pull") {
            let number = parts[4].split(['#', '?']).next().unwrap_or("");
            let repo = format!("{}/{}", parts[1], parts[2]);
            if crate::corpus::import::github::valid_repo(&repo)
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
            {
                return Ok(format!("issues/{repo}#{number}"));
            }
        }
        return Err(format!(
            "{cell:?} is not a GitHub issue or pull request address"
        ));
    }
    if corpus.get(cell).is_some() {
        return Ok(cell.to_string());
    }
    let bare = match cell.strip_suffix(".0") {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => cell,
    };
    match prefix {
        Some(p) => Ok(format!("{p}{bare}")),
        None if cell.contains('/') => Ok(cell.to_string()),
        None => Err(format!(
            "{cell:?} is neither an issue address nor a document id; pass --doc-prefix (e.g. issues/pilot#) to name documents by it"
        )),
    }
}

/// A stub for a document the sheet names but the project lacks: an issue with one
/// turn saying where it came from, stored where `gloss import issues` would put it.
pub fn stub(id: &str, source: &Path, url: Option<&str>) -> Result<Document> {
    let rest = id.strip_prefix("issues/").ok_or_else(|| {
        Error::Input(format!(
            "document {id} is not in the project, and only issue documents (issues/…) can be created as stubs; import it first"
        ))
    })?;
    let (container, number) = rest.rsplit_once('#').ok_or_else(|| {
        Error::Input(format!(
            "document {id} is not in the project and is not an issue id (issues/OWNER/REPO#N); import it first"
        ))
    })?;
    let safe = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if !container.split('/').all(safe) || container.split('/').count() > 2 || number.is_empty() {
        return Err(Error::Input(format!(
            "document {id} cannot be created as a stub: use letters, digits, - _ . in its name"
        )));
    }
    let mut attributes = BTreeMap::new();
    if let Some(url) = url {
        attributes.insert("url".to_string(), AttrValue::One(url.to_string()));
    }
    attributes.insert("stub".to_string(), AttrValue::One("yes".into()));
    let doc = Document {
        id: id.to_string(),
        kind: DocKind::Issue,
        title: String::new(),
        attributes,
        turns: vec![Turn {
            speaker: "gloss".into(),
            time: None,
            text: format!(
                "Stub created by `gloss import codings` from {}: import the issue thread to read it here.",
                source.file_name().map_or_else(
                    || source.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
        }],
    };
    Ok(doc)
}

/// Writes the stub documents of a plan where `gloss import issues` keeps issues.
pub fn write_stubs(project: &crate::project::Project, stubs: &[Document]) -> Result<()> {
    if stubs.is_empty() {
        return Ok(());
    }
    let mut files: BTreeMap<PathBuf, Vec<Document>> = BTreeMap::new();
    for doc in stubs {
        files
            .entry(stub_file(&doc.id)?)
            .or_default()
            .push(doc.clone());
    }
    crate::corpus::import::table::store_documents(
        project,
        files,
        &mut crate::corpus::import::ImportReport::default(),
    )
}

/// The file a stub issue document is stored in: `issues/<owner>/<repo>.jsonl`.
fn stub_file(id: &str) -> Result<PathBuf> {
    let container = id
        .strip_prefix("issues/")
        .and_then(|rest| rest.rsplit_once('#'))
        .map(|(c, _)| c)
        .ok_or_else(|| Error::Input(format!("{id} is not an issue id")))?;
    Ok(PathBuf::from("issues").join(format!("{container}.jsonl")))
}

/// Reads and checks the sheet; writes nothing.
pub fn plan(
    path: &Path,
    text: &str,
    opts: &SheetOptions,
    codebook: &Codebook,
    corpus: &Corpus,
    now: &str,
) -> Result<SheetPlan> {
    let located = |line: usize, message: String| Error::Parse {
        path: path.into(),
        location: Some(line.to_string()),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| located(1, format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let column = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h == name.trim())
            .or_else(|| {
                headers
                    .iter()
                    .position(|h| normalize_label(h) == normalize_label(name))
            })
            .ok_or_else(|| {
                Error::Input(format!(
                    "{}: no column {name:?}; its columns are: {}",
                    path.display(),
                    headers
                        .iter()
                        .filter(|h| !h.is_empty())
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    };
    let doc_col = column(&opts.doc_column)?;
    let mut dims = Vec::new();
    for (dim, col) in &opts.map {
        let code = codebook.dimension(dim).ok_or_else(|| {
            Error::Input(format!(
                "no dimension {dim:?} in the codebook; `gloss codebook show` lists them"
            ))
        })?;
        dims.push((code, column(col)?, col.clone()));
    }
    let missing: Vec<String> = opts.missing.iter().map(|m| normalize_label(m)).collect();
    let mut plan = SheetPlan::default();
    let mut numbers: HashMap<String, u32> = HashMap::new();
    let mut unmapped: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    let mut stubs: BTreeMap<String, Document> = BTreeMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            located(line, format!("not valid CSV here: {e}"))
        })?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        plan.rows += 1;
        let cell = row.get(doc_col).unwrap_or("").trim();
        let doc =
            doc_id_of(cell, opts.doc_prefix.as_deref(), corpus).map_err(|m| located(line, m))?;
        if corpus.get(&doc).is_none() && !stubs.contains_key(&doc) {
            let url = cell.contains("://").then_some(cell);
            let d = stub(&doc, path, url).map_err(|e| located(line, e.to_string()))?;
            stubs.insert(doc.clone(), d);
        }
        let number = numbers.entry(doc.clone()).or_default();
        *number += 1;
        let mut values = BTreeMap::new();
        for (dim, col, col_name) in &dims {
            let raw = row.get(*col).unwrap_or("").trim();
            let labels: Vec<&str> = match &opts.separator {
                Some(sep) if !sep.is_empty() => raw.split(sep.as_str()).map(str::trim).collect(),
                _ => vec![raw],
            };
            let mut ids: Vec<String> = Vec::new();
            for label in labels {
                if label.is_empty() || missing.contains(&normalize_label(label)) {
                    continue;
                }
                match codebook.dimension_value(&dim.id, label) {
                    Some(v) => {
                        if !ids.contains(&v.id) {
                            ids.push(v.id.clone());
                        }
                    }
                    None => unmapped
                        .entry((dim.id.clone(), col_name.clone(), label.to_string()))
                        .or_default()
                        .push(line),
                }
            }
            if ids.len() > 1 && dim.select == Some(Select::One) {
                return Err(located(
                    line,
                    format!(
                        "column {col_name:?} gives {} values ({}) but dimension {} takes one",
                        ids.len(),
                        ids.join(", "),
                        dim.id
                    ),
                ));
            }
            if !ids.is_empty() {
                values.insert(dim.id.clone(), ids);
            }
        }
        plan.records.push(Record {
            doc,
            number: *number,
            values,
            evidence: Vec::new(),
            memo: None,
            created: now.to_string(),
            modified: now.to_string(),
        });
    }
    plan.unmapped = unmapped
        .into_iter()
        .map(|((dimension, column, label), lines)| Unmapped {
            dimension,
            column,
            label,
            lines,
        })
        .collect();
    plan.stubs = stubs.into_values().collect();
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Corpus {
        Corpus::default()
    }

    #[test]
    fn doc_ids_from_urls_numbers_and_ids() {
        let c = corpus();
        assert_eq!(
            doc_id_of("https://github.com/o/r/issues/42", None, &c).unwrap(),
            "issues/o/r#42"
        );
        assert_eq!(
            doc_id_of("https://github.com/o/r.js/pull/7#issuecomment-1", None, &c).unwrap(),
            "issues/o/r.js#7"
        );
        assert_eq!(
            doc_id_of("48.0", Some("issues/pilot#"), &c).unwrap(),
            "issues/pilot#48"
        );
        assert!(doc_id_of("48", None, &c).is_err());
        assert!(doc_id_of("https://github.com/o/../issues/1", None, &c).is_err());
        assert!(doc_id_of("", None, &c).is_err());
    }

    #[test]
    fn stubs_refuse_unsafe_names() {
        assert!(stub("issues/o/r#1", Path::new("f.csv"), None).is_ok());
        assert!(stub("issues/pilot#48", Path::new("f.csv"), None).is_ok());
        assert!(stub("issues/../x#1", Path::new("f.csv"), None).is_err());
        assert!(stub("transcripts/x", Path::new("f.csv"), None).is_err());
    }
}
