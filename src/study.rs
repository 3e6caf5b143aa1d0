//! A study opened for work: the project with its corpus, codebook and every coder's
//! codings loaded together, and the summaries that `gloss status` and `gloss list` show.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Result;
use crate::codebook::Codebook;
use crate::coding::set::{CodingSet, Resolved};
use crate::coding::store::{CoderFile, CoderLock, JournalWriter};
use crate::coding::tally::tally;
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
        Self::load(project, None)
    }

    /// Opens a study for `coder` to work in (the workbench). The coder's lock is taken
    /// first, so the coder's entries loaded with the rest are the ones on disk and stay
    /// so; the coder's own file is read strictly (a problem there is an error, as for
    /// [`crate::coding::store::Writer::open`]); and the returned writer appends to the
    /// coder's journal without a second copy of the entries — the study's are the
    /// coder's. Changes the writer made at open (entries moved to renamed documents'
    /// new ids) are applied to the study's copy too.
    pub fn open_for_coder(project: Project, coder: &str) -> Result<(Study, JournalWriter)> {
        let lock = CoderLock::take(&project, coder)?;
        Self::open_locked(project, lock)
    }

    /// [`Study::open_for_coder`] with the coder's lock already taken.
    pub fn open_locked(project: Project, lock: CoderLock) -> Result<(Study, JournalWriter)> {
        let coder = lock.coder().to_string();
        let coder = coder.as_str();
        let mut study = Self::load(project, Some(coder))?;
        let none = CoderFile::new(coder);
        let read = study.codings.coder(coder).unwrap_or(&none);
        let (writer, moved) = JournalWriter::open(&study.project, lock, read)?;
        if let Some(file) = study.codings.coder_mut(coder) {
            for op in moved {
                file.apply(op);
            }
        }
        Ok((study, writer))
    }

    /// A quick first look at a project for `coder`, for the workbench's first frame (see
    /// [`Glance`]): every document without its turns except the one to open, the
    /// codebook, the counts the document list and codebook panel show, and every coder's
    /// entries about the document to open. `wanted` names that document (renames
    /// followed); the first document opens when it is not given or not there. The
    /// coder's lock should be held (as for [`Study::open_locked`], which reads the rest):
    /// the coder's own files are read strictly.
    pub fn glance(project: Project, coder: &str, wanted: Option<&str>) -> Result<Glance> {
        let first = project.first_document_id()?;
        let renamed = wanted.map(|w| project.meta.current_id(w).to_string());
        let keep: Vec<&str> = wanted
            .into_iter()
            .chain(renamed.as_deref())
            .chain(first.as_deref())
            .collect();
        let (corpus, rest) = std::thread::scope(|s| {
            let rest = s.spawn(|| -> Result<_> {
                let codebook = Codebook::load(&project.codebooks_dir())?;
                Ok((codebook, tally(&project, coder, &keep)?))
            });
            let keep_turns = |id: &str| wanted == Some(id) || renamed.as_deref() == Some(id);
            let corpus = project.load_corpus_headers(&keep_turns);
            let rest = rest
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (corpus, rest)
        });
        let corpus = corpus?;
        let (codebook, mut tally) = rest?;
        let open = wanted
            .and_then(|w| project.find_document(&corpus, w).ok())
            .or((!corpus.docs.is_empty()).then_some(0));
        // The document to open is not one whose entries were kept (the first source
        // file could not be read): count again, keeping its entries.
        if let Some(i) = open
            && !keep.contains(&corpus.docs[i].id.as_str())
        {
            let id = corpus.docs[i].id.as_str();
            tally.kept = crate::coding::tally::tally(&project, coder, &[id])?.kept;
        }
        let rows = corpus
            .docs
            .iter()
            .map(|doc| {
                let counted = tally.documents.remove(&doc.id).unwrap_or_default();
                let (progress, excluded) = counted.status.unwrap_or_default();
                DocumentRow {
                    id: doc.id.clone(),
                    kind: doc.kind,
                    title: doc.title.clone(),
                    turns: doc.turns.len(),
                    progress,
                    codings: counted.codings,
                    records: counted.records,
                    excluded,
                }
            })
            .collect();
        Ok(Glance {
            study: Study {
                project,
                corpus,
                codebook,
                codings: tally.kept,
            },
            open,
            rows,
            code_counts: tally.codes.into_iter().collect(),
        })
    }

    /// Reads the corpus on this thread while the codebook and codings are read on
    /// another (the two are independent; on a large project each takes a while).
    fn load(project: Project, strict: Option<&str>) -> Result<Study> {
        let (corpus, rest) = std::thread::scope(|s| {
            let rest = std::thread::Builder::new()
                .name("gloss-load".into())
                .spawn_scoped(s, || -> Result<(Codebook, CodingSet)> {
                    let codebook = Codebook::load(&project.codebooks_dir())?;
                    Ok((codebook, CodingSet::load_for(&project, strict)?))
                });
            let corpus = project.load_corpus();
            let rest = match rest {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had: read them here.
                Err(_) => Codebook::load(&project.codebooks_dir())
                    .and_then(|c| Ok((c, CodingSet::load_for(&project, strict)?))),
            };
            (corpus, rest)
        });
        let corpus = corpus?;
        let (codebook, codings) = rest?;
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
            for entry in file.values_unordered() {
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

    /// Per-document progress of one coder, for `gloss list`. Reads each document's
    /// entries through the coder's document index (following renames).
    pub fn document_rows(&self, coder: &str) -> Vec<DocumentRow> {
        let file = self.codings.coder(coder);
        let old_ids = self.project.meta.old_ids();
        self.corpus
            .docs
            .iter()
            .map(|doc| {
                let mut row = DocumentRow {
                    id: doc.id.clone(),
                    kind: doc.kind,
                    title: doc.title.clone(),
                    turns: doc.turns.len(),
                    progress: Progress::NotStarted,
                    codings: 0,
                    records: 0,
                    excluded: None,
                };
                let Some(file) = file else { return row };
                // Entries under an id renamed away belong to the new id's row.
                let ids = std::iter::once(doc.id.as_str())
                    .filter(|id| self.project.meta.current_id(id) == *id)
                    .chain(old_ids.get(doc.id.as_str()).into_iter().flatten().copied());
                // Of several statuses (under old and new ids), the one last in key order.
                let mut status: Option<&crate::coding::DocStatus> = None;
                for entry in ids.flat_map(|id| file.of_document(id)) {
                    match entry {
                        Entry::Coding(_) => row.codings += 1,
                        Entry::Record(_) => row.records += 1,
                        // Status keys differ only by their document ids.
                        Entry::Status(s) => {
                            if status.is_none_or(|old| old.doc < s.doc) {
                                status = Some(s);
                            }
                        }
                        Entry::Memo(_) => {}
                    }
                }
                if let Some(s) = status {
                    row.progress = s.progress;
                    row.excluded.clone_from(&s.excluded);
                }
                row
            })
            .collect()
    }
}

/// A study as far as a first look reads it (see [`Study::glance`]).
pub struct Glance {
    /// Every document, without its turns but for the one to open (and the first); the
    /// codebook; and only the entries about the document to open.
    pub study: Study,
    /// The document to open (an index into the corpus), unless there are none.
    pub open: Option<usize>,
    /// The coder's rows, as [`Study::document_rows`] on the whole study gives them —
    /// but for the number of turns, 0 for the documents not read whole.
    pub rows: Vec<DocumentRow>,
    /// Span codings per code id (as stored), all coders.
    pub code_counts: std::collections::HashMap<String, usize>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::store::{Op, Writer};
    use crate::coding::{Anchor, DocStatus, Record, SpanCoding};
    use crate::corpus::{Document, Position, Turn};

    const T: &str = "2026-01-01T00:00:00Z";

    fn doc(id: &str) -> Document {
        Document {
            id: id.into(),
            kind: DocKind::Issue,
            title: format!("title of {id}"),
            attributes: Default::default(),
            turns: vec![Turn {
                speaker: "a".into(),
                time: None,
                text: "some text".into(),
            }],
        }
    }

    fn coding(id: &str, doc: &str) -> Entry {
        Entry::Coding(SpanCoding {
            id: id.into(),
            doc: doc.into(),
            start: Position::new(0, 0),
            end: Position::new(0, 4),
            code: "c".into(),
            anchor: Anchor {
                quote: "some".into(),
                before: String::new(),
                after: " text".into(),
            },
            memo: None,
            star: false,
            batch: None,
            created: T.into(),
            modified: T.into(),
        })
    }

    fn status(doc: &str, progress: Progress, excluded: Option<&str>) -> Entry {
        Entry::Status(DocStatus {
            doc: doc.into(),
            progress,
            excluded: excluded.map(Into::into),
            modified: T.into(),
        })
    }

    #[test]
    fn document_rows_count_each_documents_entries_following_renames() {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        let mut project = Project::open(tmp.path()).unwrap();
        let mut w = Writer::open(&project, "alice").unwrap();
        let record = Entry::Record(Record {
            doc: "i/o/r#1".into(),
            number: 1,
            values: Default::default(),
            evidence: Vec::new(),
            memo: None,
            created: T.into(),
            modified: T.into(),
        });
        w.apply(
            [
                coding("alice-1", "i/o/r#1"),
                coding("alice-2", "i/o/r#1"),
                coding("alice-3", "i/o/r#0"),
                coding("alice-4", "i/o/r#2"),
                record,
                status("i/o/r#1", Progress::Done, None),
                status("i/o/r#0", Progress::InProgress, Some("off topic")),
                status("i/o/r#2", Progress::InProgress, None),
            ]
            .into_iter()
            .map(Op::Put)
            .collect(),
        )
        .unwrap();
        let mut bob = Writer::open(&project, "bob").unwrap();
        bob.put(coding("bob-1", "i/o/r#2")).unwrap();
        drop((w, bob));
        // #0 was renamed to #2, whose own status ("status i/o/r#2") is last in key order.
        project
            .meta
            .renamed
            .insert("i/o/r#0".into(), "i/o/r#2".into());
        let corpus = Corpus::from_docs(
            vec![doc("i/o/r#1"), doc("i/o/r#2"), doc("i/o/r#3")],
            vec!["x".into(); 3],
        )
        .unwrap();
        let study = Study {
            codebook: Codebook::default(),
            codings: CodingSet::load(&project).unwrap(),
            project,
            corpus,
        };
        let rows: Vec<_> = study
            .document_rows("alice")
            .into_iter()
            .map(|r| (r.id, r.codings, r.records, r.progress, r.excluded))
            .collect();
        assert_eq!(
            rows,
            [
                ("i/o/r#1".into(), 2, 1, Progress::Done, None),
                ("i/o/r#2".into(), 2, 0, Progress::InProgress, None),
                ("i/o/r#3".into(), 0, 0, Progress::NotStarted, None),
            ]
        );
        assert_eq!(study.document_rows("bob")[1].codings, 1);
        assert_eq!(study.document_rows("nobody")[0].codings, 0);
    }

    #[test]
    fn opening_for_a_coder_locks_first_and_reads_the_coders_file_strictly() {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        let root = tmp.path();
        // Another coder's broken file is left out; the coder's own is an error.
        let conflict = "{\"gloss\":\"coding\",\"version\":1,\"coder\":\"bob\"}\n<<<<<<< HEAD\n";
        std::fs::write(root.join("coding/bob.jsonl"), conflict).unwrap();
        let (study, writer) = Study::open_for_coder(Project::open(root).unwrap(), "alice").unwrap();
        assert_eq!(study.codings.unreadable.len(), 1);
        assert_eq!(writer.coder(), "alice");
        // Alice's lock is held by that writer.
        let err = Study::open_for_coder(Project::open(root).unwrap(), "alice")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("already writing"), "{err}");
        drop(writer);
        let err = Study::open_for_coder(Project::open(root).unwrap(), "bob")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("bob.jsonl:2: git conflict marker"), "{err}");
    }

    #[test]
    fn opening_for_a_coder_moves_entries_of_renamed_documents_in_the_study_too() {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        let root = tmp.path();
        let mut project = Project::open(root).unwrap();
        Writer::open(&project, "alice")
            .unwrap()
            .apply(vec![
                Op::Put(coding("alice-1", "i/o/r#1")),
                Op::Put(status("i/o/r#1", Progress::Done, None)),
            ])
            .unwrap();
        project
            .meta
            .renamed
            .insert("i/o/r#1".into(), "i/o/r#2".into());
        project
            .meta
            .save(&project.root.join(crate::project::META_FILE))
            .unwrap();
        let (study, writer) = Study::open_for_coder(Project::open(root).unwrap(), "alice").unwrap();
        drop(writer);
        let on_disk =
            crate::coding::store::read_coder(&study.project.coding_dir(), "alice").unwrap();
        let mine = study.codings.coder("alice").unwrap();
        assert!(mine.entries().eq(on_disk.entries()));
        let mut keys: Vec<_> = mine.of_document("i/o/r#2").map(Entry::key).collect();
        keys.sort();
        assert_eq!(keys, ["coding alice-1", "status i/o/r#2"]);
        assert_eq!(mine.of_document("i/o/r#1").count(), 0);
    }

    /// A project with three documents (one with a quote and an accent in its id), two
    /// coders, a journal that replaces, moves and removes entries, a rename and a broken
    /// third coder.
    fn busy_project() -> (tempfile::TempDir, Project) {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        let root = tmp.path();
        let ids = ["i/o/r#1", "i/o/r#2 \"é\"", "i/o/r#3"];
        let mut docs: Vec<Document> = ids.iter().map(|id| doc(id)).collect();
        std::fs::create_dir_all(root.join("issues/o")).unwrap();
        crate::corpus::docfile::write(&root.join("issues/o/r.jsonl"), &mut docs).unwrap();
        let mut project = Project::open(root).unwrap();
        let mut w = Writer::open(&project, "alice").unwrap();
        let memo = Entry::Memo(crate::coding::Memo {
            about: crate::coding::MemoTarget::Document(ids[0].into()),
            text: "a memo".into(),
            modified: T.into(),
        });
        let mut ops: Vec<Op> = (1..=30)
            .map(|i| Op::Put(coding(&format!("alice-{i}"), ids[i % 3])))
            .collect();
        ops.extend([
            Op::Put(status(ids[0], Progress::Done, None)),
            Op::Put(status(ids[1], Progress::InProgress, Some("off \"topic\""))),
            Op::Put(status("i/o/r#0", Progress::Done, None)),
            Op::Put(coding("alice-99", "i/o/r#0")),
            Op::Put(memo),
        ]);
        w.apply(ops).unwrap();
        w.compact().unwrap();
        // In the journal: a recode, a coding moved to another document, removals.
        let mut moved = coding("alice-3", ids[1]);
        if let Entry::Coding(c) = &mut moved {
            c.code = "other".into();
        }
        w.apply(vec![
            Op::Put(moved),
            Op::Delete("coding alice-4".into()),
            Op::Delete(format!("status {}", ids[1])),
            Op::Put(coding("alice-31", ids[2])),
            Op::Put(status(ids[2], Progress::InProgress, None)),
        ])
        .unwrap();
        drop(w);
        let mut bob = Writer::open(&project, "bob").unwrap();
        bob.put(coding("bob-1", ids[0])).unwrap();
        bob.put(status(ids[0], Progress::InProgress, None)).unwrap();
        drop(bob);
        std::fs::write(root.join("coding/carol.jsonl"), "{\"gloss\":\"coding\",\"version\":1,\"coder\":\"carol\"}\n{\"type\":\"coding\",\"id\":\n").unwrap();
        project.meta.renamed.insert("i/o/r#0".into(), ids[2].into());
        project
            .meta
            .save(&root.join(crate::project::META_FILE))
            .unwrap();
        let project = Project::open(root).unwrap();
        (tmp, project)
    }

    #[test]
    fn a_glance_counts_what_the_whole_study_counts() {
        let (_tmp, project) = busy_project();
        let root = project.root.clone();
        let full = Study::open(Project::open(&root).unwrap()).unwrap();
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        for (_, c) in full.codings.spans() {
            *counts.entry(c.code.clone()).or_insert(0) += 1;
        }
        for coder in ["alice", "bob"] {
            for wanted in [
                None,
                Some("i/o/r#3"),
                Some("i/o/r#0"),
                Some("i/o/r#2 \"é\""),
                Some("nothing"),
            ] {
                let glance = Study::glance(Project::open(&root).unwrap(), coder, wanted).unwrap();
                // The same rows, but for the turns of documents not read whole.
                let rows = |r: &[DocumentRow], whole: &dyn Fn(usize) -> bool| -> Vec<String> {
                    r.iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let mut r = r.clone();
                            if !whole(i) {
                                r.turns = 0;
                            }
                            format!("{r:?}")
                        })
                        .collect()
                };
                let whole = |i: usize| !glance.study.corpus.docs[i].turns.is_empty();
                assert_eq!(
                    rows(&glance.rows, &|_| true),
                    rows(&full.document_rows(coder), &whole),
                    "{coder} {wanted:?}"
                );
                assert_eq!(glance.code_counts, counts);
                assert_eq!(glance.study.codings.unreadable.len(), 1);
                assert_eq!(glance.study.codings.unreadable, full.codings.unreadable);
                // The document to open is whole, with every entry about it.
                let i = glance.open.unwrap();
                let expected = match wanted {
                    Some("i/o/r#0") => 2,
                    Some("i/o/r#3") => 2,
                    Some("i/o/r#2 \"é\"") => 1,
                    _ => 0,
                };
                assert_eq!(i, expected, "{wanted:?}");
                let opened = &glance.study.corpus.docs[i];
                assert_eq!(opened, &full.corpus.docs[i]);
                let summary = |s: &Study| -> Vec<String> {
                    s.codings
                        .resolve_document(&s.project, &s.corpus, &opened.id)
                        .iter()
                        .map(|r| format!("{} {} {:?}", r.coder, r.coding.id, r.placement))
                        .collect()
                };
                assert_eq!(summary(&glance.study), summary(&full));
                for name in ["alice", "bob"] {
                    let (g, f) = (
                        glance.study.codings.coder(name).unwrap(),
                        full.codings.coder(name).unwrap(),
                    );
                    // The opened document's entries, and the first document's (kept in
                    // case the one asked for is not there).
                    let mut ids = full.project.meta.ids_of(&opened.id);
                    ids.extend(full.project.meta.ids_of(&full.corpus.docs[0].id));
                    ids.sort();
                    ids.dedup();
                    let mut want: Vec<String> = ids
                        .iter()
                        .flat_map(|id| f.of_document(id))
                        .map(Entry::key)
                        .collect();
                    let mut got: Vec<String> = g.values().map(Entry::key).collect();
                    want.sort();
                    got.sort();
                    assert_eq!(got, want, "{name} {wanted:?}");
                    assert!(g.values().all(|e| f.get(&e.key()) == Some(e)));
                }
                // The others are there without their turns.
                for (j, d) in glance.study.corpus.docs.iter().enumerate() {
                    assert_eq!(d.id, full.corpus.docs[j].id);
                    assert!(j == i || j == 0 || d.turns.is_empty());
                }
            }
        }
        // The coder's own broken file: the full read's error.
        let err = Study::glance(Project::open(&root).unwrap(), "carol", None)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("carol.jsonl:2:"), "{err}");
    }
}
