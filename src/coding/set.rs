//! All coders' work in a project, resolved against the current corpus: where each
//! span coding lies now (re-anchored if the text changed), which codings are orphaned
//! (their text is gone or ambiguous) and which are dangling (their document or code no
//! longer exists). Nothing here is ever dropped: problems are reported, not repaired.

use std::collections::HashMap;

use crate::Result;
use crate::coding::anchor::{AnchorText, Orphan, Placement};
use crate::coding::store::{CoderFile, coders_in, read_coder};
use crate::coding::{DocStatus, Entry, Progress, Record, SpanCoding};
use crate::corpus::Position;
use crate::corpus::load::Corpus;
use crate::project::Project;

/// A span coding and where it lies in the current text.
#[derive(Debug, Clone)]
pub struct ResolvedSpan<'a> {
    pub coder: &'a str,
    pub coding: &'a SpanCoding,
    /// The document's current id (after renames).
    pub doc: String,
    pub placement: Resolved,
}

/// The outcome of resolving one span coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Placed at these positions (moved is true when re-anchored to a new place).
    Placed {
        start: Position,
        end: Position,
        moved: bool,
    },
    /// The quote could not be placed.
    Orphaned(Orphan),
    /// The document does not exist (removed, or never imported here).
    MissingDocument,
}

/// Every coder's entries in a project.
#[derive(Debug, Default)]
pub struct CodingSet {
    pub coders: Vec<CoderFile>,
    /// Coders whose files cannot be read (e.g. git conflict markers), one line each:
    /// their work is left out of views until the file is fixed; it is never rewritten.
    pub unreadable: Vec<String>,
}

impl CodingSet {
    /// Reads every coder's file and journal under `coding/`.
    pub fn load(project: &Project) -> Result<CodingSet> {
        let dir = project.coding_dir();
        let mut set = CodingSet::default();
        for coder in coders_in(&dir)? {
            match read_coder(&dir, &coder) {
                Ok(file) => set.coders.push(file),
                Err(e) => set
                    .unreadable
                    .push(format!("{e} (coder {coder} left out until fixed)")),
            }
        }
        Ok(set)
    }

    /// The entries of one coder, if that coder has any.
    pub fn coder(&self, coder: &str) -> Option<&CoderFile> {
        self.coders.iter().find(|c| c.coder == coder)
    }

    /// All span codings with their coder.
    pub fn spans(&self) -> impl Iterator<Item = (&str, &SpanCoding)> {
        self.coders.iter().flat_map(|c| {
            c.entries.values().filter_map(move |e| match e {
                Entry::Coding(s) => Some((c.coder.as_str(), s)),
                _ => None,
            })
        })
    }

    /// All records with their coder.
    pub fn records(&self) -> impl Iterator<Item = (&str, &Record)> {
        self.coders.iter().flat_map(|c| {
            c.entries.values().filter_map(move |e| match e {
                Entry::Record(r) => Some((c.coder.as_str(), r)),
                _ => None,
            })
        })
    }

    /// All document statuses with their coder.
    pub fn statuses(&self) -> impl Iterator<Item = (&str, &DocStatus)> {
        self.coders.iter().flat_map(|c| {
            c.entries.values().filter_map(move |e| match e {
                Entry::Status(s) => Some((c.coder.as_str(), s)),
                _ => None,
            })
        })
    }

    /// Resolves every span coding against the corpus (following renames).
    pub fn resolve<'a>(&'a self, project: &Project, corpus: &Corpus) -> Vec<ResolvedSpan<'a>> {
        self.resolve_where(project, corpus, |_| true)
    }

    /// Resolves the span codings of one document (by its current id).
    pub fn resolve_document<'a>(
        &'a self,
        project: &Project,
        corpus: &Corpus,
        doc_id: &str,
    ) -> Vec<ResolvedSpan<'a>> {
        self.resolve_where(project, corpus, |id| id == doc_id)
    }

    fn resolve_where<'a>(
        &'a self,
        project: &Project,
        corpus: &Corpus,
        wanted: impl Fn(&str) -> bool,
    ) -> Vec<ResolvedSpan<'a>> {
        let mut by_doc: HashMap<String, Vec<(&'a str, &'a SpanCoding)>> = HashMap::new();
        for (coder, coding) in self.spans() {
            let doc = project.meta.current_id(&coding.doc);
            if wanted(doc) {
                by_doc
                    .entry(doc.to_string())
                    .or_default()
                    .push((coder, coding));
            }
        }
        let mut out = Vec::new();
        let mut docs: Vec<_> = by_doc.into_iter().collect();
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        for (doc_id, codings) in docs {
            let Some(doc) = corpus.get(&doc_id) else {
                out.extend(codings.into_iter().map(|(coder, coding)| ResolvedSpan {
                    coder,
                    coding,
                    doc: doc_id.clone(),
                    placement: Resolved::MissingDocument,
                }));
                continue;
            };
            let text = AnchorText::new(doc);
            for (coder, coding) in codings {
                let placement = match text.place(&coding.anchor, (coding.start, coding.end)) {
                    Placement::InPlace { start, end } => Resolved::Placed {
                        start,
                        end,
                        moved: false,
                    },
                    Placement::Moved { start, end } => Resolved::Placed {
                        start,
                        end,
                        moved: true,
                    },
                    Placement::Orphaned(why) => Resolved::Orphaned(why),
                };
                out.push(ResolvedSpan {
                    coder,
                    coding,
                    doc: doc_id.clone(),
                    placement,
                });
            }
        }
        out
    }

    /// A coder's progress on a document (not started when there is no status).
    pub fn progress(&self, coder: &str, doc: &str) -> Progress {
        self.coder(coder)
            .and_then(|c| c.entries.get(&crate::coding::status_key(doc)))
            .and_then(|e| match e {
                Entry::Status(s) => Some(s.progress),
                _ => None,
            })
            .unwrap_or_default()
    }
}
