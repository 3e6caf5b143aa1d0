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

/// Places the span codings of one document (by its current id) in its current text.
fn place<'a>(
    corpus: &Corpus,
    doc_id: &str,
    codings: impl Iterator<Item = (&'a str, &'a SpanCoding)>,
    out: &mut Vec<ResolvedSpan<'a>>,
) {
    let Some(doc) = corpus.get(doc_id) else {
        out.extend(codings.map(|(coder, coding)| ResolvedSpan {
            coder,
            coding,
            doc: doc_id.to_string(),
            placement: Resolved::MissingDocument,
        }));
        return;
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
            doc: doc_id.to_string(),
            placement,
        });
    }
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
        Self::load_for(project, None)
    }

    /// Like [`CodingSet::load`], but a problem in the file of `strict` (the coder about
    /// to write) is an error instead of a line in `unreadable`.
    pub fn load_for(project: &Project, strict: Option<&str>) -> Result<CodingSet> {
        let dir = project.coding_dir();
        let mut set = CodingSet::default();
        for coder in coders_in(&dir)? {
            match read_coder(&dir, &coder) {
                Ok(file) => set.coders.push(file),
                Err(e) if strict == Some(coder.as_str()) => return Err(e),
                Err(e) => set
                    .unreadable
                    .push(format!("{e} (coder {coder} left out until fixed)")),
            }
        }
        Ok(set)
    }

    /// Keeps only one coder's entries (blind coding: every view then shows that coder's
    /// work alone). Problems reading other coders' files are dropped too.
    pub fn keep_only(&mut self, coder: &str) {
        self.coders.retain(|c| c.coder == coder);
        let mine = format!("(coder {coder} left out");
        self.unreadable.retain(|u| u.contains(&mine));
    }

    /// The entries of one coder, if that coder has any.
    pub fn coder(&self, coder: &str) -> Option<&CoderFile> {
        self.coders.iter().find(|c| c.coder == coder)
    }

    /// The entries of one coder, to change them in memory.
    pub fn coder_mut(&mut self, coder: &str) -> Option<&mut CoderFile> {
        self.coders.iter_mut().find(|c| c.coder == coder)
    }

    /// All span codings with their coder, in no particular order.
    pub fn spans(&self) -> impl Iterator<Item = (&str, &SpanCoding)> {
        self.coders.iter().flat_map(|c| {
            c.values_unordered().filter_map(move |e| match e {
                Entry::Coding(s) => Some((c.coder.as_str(), s)),
                _ => None,
            })
        })
    }

    /// All records with their coder, coder by coder, each coder's in key order.
    pub fn records(&self) -> impl Iterator<Item = (&str, &Record)> {
        self.coders.iter().flat_map(|c| {
            let mut records: Vec<&Record> = c
                .values_unordered()
                .filter_map(|e| match e {
                    Entry::Record(r) => Some(r),
                    _ => None,
                })
                .collect();
            records.sort_by_cached_key(|r| crate::coding::record_key(&r.doc, r.number));
            records.into_iter().map(move |r| (c.coder.as_str(), r))
        })
    }

    /// All document statuses with their coder, in no particular order.
    pub fn statuses(&self) -> impl Iterator<Item = (&str, &DocStatus)> {
        self.coders.iter().flat_map(|c| {
            c.values_unordered().filter_map(move |e| match e {
                Entry::Status(s) => Some((c.coder.as_str(), s)),
                _ => None,
            })
        })
    }

    /// Resolves every span coding against the corpus (following renames).
    pub fn resolve<'a>(&'a self, project: &Project, corpus: &Corpus) -> Vec<ResolvedSpan<'a>> {
        type ByDoc<'a, 'p> = HashMap<&'p str, Vec<(usize, &'a str, &'a SpanCoding)>>;
        let mut by_doc: ByDoc<'a, '_> = HashMap::new();
        for (n, file) in self.coders.iter().enumerate() {
            for entry in file.values_unordered() {
                if let Entry::Coding(coding) = entry {
                    by_doc
                        .entry(project.meta.current_id(&coding.doc))
                        .or_default()
                        .push((n, file.coder.as_str(), coding));
                }
            }
        }
        let mut docs: Vec<_> = by_doc.into_iter().collect();
        docs.sort_by(|a, b| a.0.cmp(b.0));
        // Documents are placed independently: on all cores, results in document order.
        let placed = crate::parallel::map(docs, |(doc_id, mut codings)| {
            // Coder by coder, each coder's in key order (coding keys differ by id only).
            codings.sort_by(|a, b| (a.0, &a.2.id).cmp(&(b.0, &b.2.id)));
            let mut out = Vec::with_capacity(codings.len());
            let codings = codings.into_iter().map(|(_, coder, c)| (coder, c));
            place(corpus, doc_id, codings, &mut out);
            out
        });
        placed.into_iter().flatten().collect()
    }

    /// Resolves the span codings of one document (by its current id). Costs only that
    /// document's entries (see [`CoderFile::of_document`]), not the whole set's.
    pub fn resolve_document<'a>(
        &'a self,
        project: &Project,
        corpus: &Corpus,
        doc_id: &str,
    ) -> Vec<ResolvedSpan<'a>> {
        let ids = project.meta.ids_of(doc_id);
        let mut codings = Vec::new();
        for file in &self.coders {
            let from = codings.len();
            for id in &ids {
                codings.extend(file.of_document(id).filter_map(|e| match e {
                    Entry::Coding(c) => Some((file.coder.as_str(), c)),
                    _ => None,
                }));
            }
            // In key order, as in the file: coding keys differ only by their ids.
            codings[from..].sort_by(|a, b| a.1.id.cmp(&b.1.id));
        }
        let mut out = Vec::with_capacity(codings.len());
        place(corpus, doc_id, codings.into_iter(), &mut out);
        out
    }

    /// A coder's progress on a document (not started when there is no status).
    pub fn progress(&self, coder: &str, doc: &str) -> Progress {
        self.coder(coder)
            .and_then(|c| c.get(&crate::coding::status_key(doc)))
            .and_then(|e| match e {
                Entry::Status(s) => Some(s.progress),
                _ => None,
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::store::{Op, Writer};
    use crate::corpus::{DocKind, Document, Turn};

    fn doc(id: &str, text: &str) -> Document {
        Document {
            id: id.into(),
            kind: DocKind::Issue,
            title: String::new(),
            attributes: Default::default(),
            turns: vec![Turn {
                speaker: "a".into(),
                time: None,
                text: text.into(),
            }],
        }
    }

    fn coding(n: usize, doc: &Document, start: usize, end: usize) -> Entry {
        let (start, end) = (Position::new(0, start), Position::new(0, end));
        Entry::Coding(SpanCoding {
            id: format!("alice-{n}"),
            doc: doc.id.clone(),
            start,
            end,
            code: "c".into(),
            anchor: AnchorText::new(doc).anchor(start, end).unwrap(),
            memo: None,
            star: false,
            batch: None,
            created: "2026-01-01T00:00:00Z".into(),
            modified: "2026-01-01T00:00:00Z".into(),
        })
    }

    /// What `resolve` gives for one document, which `resolve_document` must equal.
    fn summary(spans: &[ResolvedSpan<'_>]) -> Vec<(String, String, String, Resolved)> {
        spans
            .iter()
            .map(|r| {
                (
                    r.coder.to_string(),
                    r.coding.id.clone(),
                    r.doc.clone(),
                    r.placement.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn one_document_resolves_as_in_the_whole_set_renames_included() {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        let mut project = Project::open(tmp.path()).unwrap();
        let (a, old, b) = (
            doc("issues/o/r#1", "one two three four"),
            doc("issues/o/r#2", "five six seven eight"),
            doc("issues/o/r#3", "five six seven eight"),
        );
        let mut w = Writer::open(&project, "alice").unwrap();
        let mut ops = vec![
            coding(1, &a, 0, 3),
            coding(2, &old, 5, 8),
            coding(3, &b, 0, 4),
            coding(10, &a, 4, 7),
            coding(4, &old, 0, 4),
        ];
        ops.push(Entry::Status(crate::coding::DocStatus {
            doc: a.id.clone(),
            progress: Progress::Done,
            excluded: None,
            modified: "2026-01-01T00:00:00Z".into(),
        }));
        w.apply(ops.into_iter().map(Op::Put).collect()).unwrap();
        drop(w);
        // #2 was renamed to #3: its codings belong to #3 now.
        project.meta.renamed.insert(old.id.clone(), b.id.clone());
        let corpus =
            Corpus::from_docs(vec![a.clone(), b.clone()], vec!["x".into(), "x".into()]).unwrap();
        let set = CodingSet::load(&project).unwrap();
        let all = set.resolve(&project, &corpus);
        for id in [&a.id, &b.id, &old.id, "issues/o/r#9"] {
            let expected: Vec<_> = all.iter().filter(|r| r.doc == *id).cloned().collect();
            let got = set.resolve_document(&project, &corpus, id);
            assert_eq!(summary(&got), summary(&expected), "{id}");
        }
        assert_eq!(set.resolve_document(&project, &corpus, &b.id).len(), 3);
        assert_eq!(set.resolve_document(&project, &corpus, &a.id).len(), 2);
    }
}
