//! A study opened for work: the project with its corpus, codebook and every coder's
//! codings loaded together, and the summaries that `gloss status` and `gloss list` show.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Result;
use crate::codebook::Codebook;
use crate::coding::set::{CodingSet, Resolved};
use crate::coding::{Entry, Progress};
use crate::corpus::DocKind;
use crate::corpus::load::Corpus;
use crate::project::Project;

/// A project with everything loaded.
pub struct Study {
    pub project: Project,
    pub corpus: Corpus,
    pub codebook: Codebook,
    pub codings: CodingSet,
}

impl Study {
    /// Loads corpus, codebook and codings of a project.
    pub fn open(project: Project) -> Result<Study> {
        let corpus = project.load_corpus()?;
        let codebook = Codebook::load(&project.codebooks_dir())?;
        let codings = CodingSet::load(&project)?;
        Ok(Study {
            project,
            corpus,
            codebook,
            codings,
        })
    }

    /// Loads corpus and codebook only, for commands that write one coder's store and need
    /// no other coder's work (`codings` is left empty).
    pub fn open_without_codings(project: Project) -> Result<Study> {
        let corpus = project.load_corpus()?;
        let codebook = Codebook::load(&project.codebooks_dir())?;
        Ok(Study {
            project,
            corpus,
            codebook,
            codings: CodingSet::default(),
        })
    }

    /// Counts and problems across the whole study.
    pub fn summary(&self) -> Summary {
        let mut documents = BTreeMap::new();
        for doc in &self.corpus.docs {
            *documents.entry(doc.kind.name().to_string()).or_insert(0) += 1;
        }
        let mut coders: BTreeMap<String, CoderSummary> = BTreeMap::new();
        for file in &self.codings.coders {
            let s = coders.entry(file.coder.clone()).or_default();
            s.journal_lines = file.journal_lines;
            for entry in file.entries.values() {
                match entry {
                    Entry::Coding(_) => s.codings += 1,
                    Entry::Record(_) => s.records += 1,
                    Entry::Status(st) => {
                        if st.excluded.is_some() {
                            s.excluded += 1;
                        }
                        match st.progress {
                            Progress::Done => s.done += 1,
                            Progress::InProgress => s.in_progress += 1,
                            Progress::NotStarted => {}
                        }
                    }
                    Entry::Memo(_) => s.memos += 1,
                }
            }
        }
        let mut problems = Vec::new();
        let mut moved = 0;
        for r in self.codings.resolve(&self.project, &self.corpus) {
            let problem = |kind: &str, message: String| Problem {
                kind: kind.to_string(),
                coder: r.coder.to_string(),
                id: r.coding.id.clone(),
                doc: r.doc.clone(),
                message,
            };
            match &r.placement {
                Resolved::Placed { moved: m, .. } => {
                    if *m {
                        moved += 1;
                    }
                }
                Resolved::Orphaned(why) => problems.push(problem("orphaned", why.to_string())),
                Resolved::MissingDocument => {
                    problems.push(problem("dangling", "document not in the project".into()));
                }
            }
            if self.codebook.find_id(&r.coding.code).is_none() {
                problems.push(problem(
                    "dangling",
                    format!("code {:?} is not in the codebook", r.coding.code),
                ));
            }
        }
        for (coder, record) in self.codings.records() {
            let doc = self.project.meta.current_id(&record.doc);
            let mut problem = |kind: &str, id: String, message: String| {
                problems.push(Problem {
                    kind: kind.to_string(),
                    coder: coder.to_string(),
                    id,
                    doc: doc.to_string(),
                    message,
                });
            };
            let record_id = format!("record {}", record.number);
            match self.corpus.get(doc) {
                Some(d) => {
                    let text = crate::coding::anchor::AnchorText::new(d);
                    for (i, e) in record.evidence.iter().enumerate() {
                        if let crate::coding::anchor::Placement::Orphaned(why) =
                            text.place(&e.anchor, (e.start, e.end))
                        {
                            problem(
                                "orphaned",
                                format!("{record_id} evidence {}", i + 1),
                                why.to_string(),
                            );
                        }
                    }
                }
                None => problem(
                    "dangling",
                    record_id.clone(),
                    "document not in the project".into(),
                ),
            }
            for (dim, values) in &record.values {
                if self.codebook.find_id(dim).is_none() {
                    problem(
                        "dangling",
                        record_id.clone(),
                        format!("dimension {dim:?} is not in the codebook"),
                    );
                }
                for v in values.iter().filter(|v| self.codebook.find_id(v).is_none()) {
                    problem(
                        "dangling",
                        record_id.clone(),
                        format!("value {v:?} of {dim} is not in the codebook"),
                    );
                }
            }
        }
        let mut unreadable = self.corpus.warnings.clone();
        unreadable.extend(self.codings.unreadable.iter().cloned());
        Summary {
            unreadable,
            name: self.project.config.name.clone(),
            documents,
            total_documents: self.corpus.docs.len(),
            codes: self.codebook.codes.len(),
            coders,
            moved,
            problems,
        }
    }

    /// Per-document progress of one coder, for `gloss list`.
    pub fn document_rows(&self, coder: &str) -> Vec<DocumentRow> {
        let mut codings: BTreeMap<&str, usize> = BTreeMap::new();
        let mut records: BTreeMap<&str, usize> = BTreeMap::new();
        let mut status: BTreeMap<&str, (Progress, Option<String>)> = BTreeMap::new();
        if let Some(file) = self.codings.coder(coder) {
            for entry in file.entries.values() {
                match entry {
                    Entry::Coding(c) => {
                        *codings
                            .entry(self.project.meta.current_id(&c.doc))
                            .or_insert(0) += 1
                    }
                    Entry::Record(r) => {
                        *records
                            .entry(self.project.meta.current_id(&r.doc))
                            .or_insert(0) += 1
                    }
                    Entry::Status(s) => {
                        status.insert(
                            self.project.meta.current_id(&s.doc),
                            (s.progress, s.excluded.clone()),
                        );
                    }
                    Entry::Memo(_) => {}
                }
            }
        }
        self.corpus
            .docs
            .iter()
            .map(|doc| {
                let (progress, excluded) = status.get(doc.id.as_str()).cloned().unwrap_or_default();
                DocumentRow {
                    id: doc.id.clone(),
                    kind: doc.kind,
                    title: doc.title.clone(),
                    turns: doc.turns.len(),
                    progress,
                    codings: codings.get(doc.id.as_str()).copied().unwrap_or(0),
                    records: records.get(doc.id.as_str()).copied().unwrap_or(0),
                    excluded,
                }
            })
            .collect()
    }
}

/// One line of `gloss list`.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRow {
    pub id: String,
    pub kind: DocKind,
    pub title: String,
    pub turns: usize,
    pub progress: Progress,
    pub codings: usize,
    pub records: usize,
    pub excluded: Option<String>,
}

/// What `gloss status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub name: String,
    pub documents: BTreeMap<String, usize>,
    pub total_documents: usize,
    pub codes: usize,
    pub coders: BTreeMap<String, CoderSummary>,
    /// Codings re-anchored to a new place because their text changed.
    pub moved: usize,
    pub problems: Vec<Problem>,
    /// Files that could not be read and are left out until fixed.
    pub unreadable: Vec<String>,
}

/// One coder's counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoderSummary {
    pub codings: usize,
    pub records: usize,
    pub excluded: usize,
    pub done: usize,
    pub in_progress: usize,
    pub memos: usize,
    pub journal_lines: usize,
}

/// An orphaned or dangling coding.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `orphaned` or `dangling`.
    pub kind: String,
    pub coder: String,
    pub id: String,
    pub doc: String,
    pub message: String,
}
