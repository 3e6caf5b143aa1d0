//! The search index under `.gloss/index/`: derived and disposable. Opened (or rebuilt,
//! with a one-line notice, when missing, unreadable or of an older schema), then kept in
//! step with the project incrementally: only documents whose text or codings changed are
//! re-indexed. tantivy allows one writer; a process that cannot get it searches what is
//! committed and says the index is being updated elsewhere.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use tantivy::collector::Count;
use tantivy::query::AllQuery;
use tantivy::tokenizer::{PreTokenizedString, TokenStream as _};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analysis;
use super::bookkeeping::{self, Bookkeeping, DocPrint, NOT_INDEXED};
use super::schema::{Fields, SCHEMA_VERSION};
use crate::coding::set::Resolved;
use crate::corpus::Document;
use crate::study::Study;
use crate::{Error, Result};

/// The default memory budget of the index writer (`GLOSS_INDEX_MEMORY_MB` overrides,
/// 16 to 4096). tantivy takes memory as it indexes, up to the budget, so small updates
/// cost no more with a large one; a build of a large corpus makes fewer, larger
/// segments with it: corpus B (1 GB) took 166 s of CPU at 256 MB against 193 s at 64 MB.
pub const DEFAULT_WRITER_MEMORY_MB: usize = 256;
/// A stamp of the index folder's files (tantivy's data files; not locks or our meta).
fn files_stamp(dir: &Path) -> u64 {
    let mut entries: Vec<(String, u64, u128)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') || name == bookkeeping::FILE {
                        return None;
                    }
                    let m = e.metadata().ok()?;
                    let t = m
                        .modified()
                        .ok()?
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()?
                        .as_nanos();
                    Some((name, m.len(), t))
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let mut h = std::hash::DefaultHasher::new();
    entries.hash(&mut h);
    h.finish().max(1)
}

/// A handle for searching the index: cheap to clone and usable from any thread. It sees
/// each commit of the [`SearchIndex`] it came from as soon as that commit is done (the
/// clones share one reader), so a TUI can search on its input thread while another
/// thread writes.
#[derive(Clone)]
pub struct SearchView {
    pub(super) index: Index,
    pub(super) fields: Fields,
    pub(super) reader: IndexReader,
}

impl SearchView {
    /// Number of turns in the index.
    pub fn num_turns(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// The project's search index: opens, rebuilds, syncs and writes; searching goes
/// through its [`SearchView`] (which it dereferences to).
pub struct SearchIndex {
    view: SearchView,
    writer: Option<IndexWriter>,
    dir: PathBuf,
    meta: Bookkeeping,
    /// One-line notices for the user (rebuilt, read-only, catching up).
    pub notices: Vec<String>,
}

/// What a sync did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncReport {
    pub indexed: usize,
    pub removed: usize,
    pub turns: usize,
    /// Changes were found but another process holds the writer: the index lags.
    pub lagging: bool,
}

/// A re-index of some documents, prepared from the study on any thread (it needs the
/// study, which stays there) and written by [`SearchIndex::apply_update`] on the thread
/// that holds the index writer.
pub struct PreparedUpdate {
    docs: Vec<PreparedDocument>,
    /// Ids no longer in the study.
    gone: Vec<String>,
}

struct PreparedDocument {
    id: String,
    text: u64,
    fingerprint: u64,
    turns: Vec<TantivyDocument>,
}

/// Prepares the re-index of the named documents (microseconds per turn).
pub fn prepare_update(study: &Study, ids: &[&str]) -> PreparedUpdate {
    let only: HashSet<&str> = ids.iter().copied().collect();
    let marks = document_marks(study, Some(&only));
    let fields = Fields::new();
    let none = DocumentMarks::default();
    let mut update = PreparedUpdate {
        docs: Vec::new(),
        gone: Vec::new(),
    };
    for &id in &only {
        let Some(doc) = study.corpus.get(id) else {
            update.gone.push(id.to_string());
            continue;
        };
        let doc_marks = marks.get(id);
        let text = text_fingerprint(doc);
        update.docs.push(PreparedDocument {
            id: doc.id.clone(),
            text,
            fingerprint: fingerprint(text, doc_marks),
            turns: turn_documents(&fields, study, doc, doc_marks.unwrap_or(&none)),
        });
    }
    update
}

fn tantivy_error(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::Project(format!("search index {}: {e}", dir.display()))
}

/// The analyzers used when indexing (and by tantivy's own checks of the schema).
fn register(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(analysis::STEMMED, analysis::stemmed());
    tokenizers.register(analysis::EXACT, analysis::exact());
    tokenizers.register(analysis::TEXT, analysis::text_index());
    tokenizers.register(analysis::EXACT_TEXT, analysis::text_exact_query());
}

impl SearchIndex {
    /// Opens the index of a project, rebuilding it from scratch when it is missing,
    /// unreadable or of another schema version. Never fails because of the index's
    /// state alone; only when the folder cannot be written at all.
    pub fn open(derived: &Path) -> Result<SearchIndex> {
        let dir = derived.join("index");
        let mut notices = Vec::new();
        match Self::try_open(&dir) {
            Ok(Some(open)) => return Ok(open),
            Ok(None) => {}
            Err(reason) => notices.push(format!("search index rebuilt ({reason})")),
        }
        let mut fresh = Self::create(&dir)?;
        fresh.notices.extend(notices);
        Ok(fresh)
    }

    /// `Ok(None)`: there is no index yet. `Err(reason)`: there is one, unusable.
    fn try_open(dir: &Path) -> std::result::Result<Option<SearchIndex>, String> {
        if !dir.exists() {
            return Ok(None);
        }
        let meta = Bookkeeping::read(dir)?;
        if meta.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "it was made by another version of gloss (schema {})",
                meta.schema_version
            ));
        }
        let fields = Fields::new();
        let index = Index::open_in_dir(dir).map_err(|e| format!("it cannot be opened: {e}"))?;
        if index.schema() != fields.schema {
            return Err("its schema differs".into());
        }
        register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| format!("it cannot be read: {e}"))?;
        let open = SearchIndex {
            view: SearchView {
                index,
                fields,
                reader,
            },
            writer: None,
            dir: dir.to_path_buf(),
            meta,
            notices: Vec::new(),
        };
        let mut open = open;
        let now = files_stamp(dir);
        if open.meta.files_stamp != now {
            open.verify().map_err(|e| format!("it is damaged: {e}"))?;
            // Verified as it is now (e.g. after background merges): remember that.
            open.meta.files_stamp = now;
            let _ = open.save_meta();
        }
        Ok(Some(open))
    }

    /// Reads every stored document once: a garbled segment fails here, not mid-search.
    fn verify(&self) -> std::result::Result<(), String> {
        let check = || -> tantivy::Result<()> {
            let searcher = self.view.reader.searcher();
            let n = searcher.search(&AllQuery, &Count)?;
            if n != searcher.num_docs() as usize {
                return Err(tantivy::TantivyError::InternalError(
                    "document count mismatch".into(),
                ));
            }
            for segment in searcher.segment_readers() {
                let store = segment.get_store_reader(1)?;
                for doc in segment.doc_ids_alive() {
                    let _: TantivyDocument = store.get(doc)?;
                }
                let inverted = segment.inverted_index(self.view.fields.text)?;
                let _ = inverted.terms().num_terms();
            }
            Ok(())
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("reading it failed".into()),
        }
    }

    fn create(dir: &Path) -> Result<SearchIndex> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let fields = Fields::new();
        let index =
            Index::create_in_dir(dir, fields.schema.clone()).map_err(|e| tantivy_error(dir, e))?;
        register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| tantivy_error(dir, e))?;
        let index = SearchIndex {
            view: SearchView {
                index,
                fields,
                reader,
            },
            writer: None,
            dir: dir.to_path_buf(),
            meta: Bookkeeping::new(SCHEMA_VERSION),
            notices: Vec::new(),
        };
        index.save_meta()?;
        Ok(index)
    }

    fn save_meta(&self) -> Result<()> {
        self.meta.write(&self.dir)
    }

    /// Takes tantivy's single writer if it is free. `false` (with a notice) when another
    /// process holds it: this one then only searches what is committed.
    pub fn acquire_writer(&mut self) -> Result<bool> {
        if self.writer.is_some() {
            return Ok(true);
        }
        let mb = std::env::var("GLOSS_INDEX_MEMORY_MB")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(DEFAULT_WRITER_MEMORY_MB)
            .clamp(16, 4096);
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, 4);
        match self
            .view
            .index
            .writer_with_num_threads(threads, mb * 1_000_000)
        {
            Ok(w) => {
                self.writer = Some(w);
                Ok(true)
            }
            Err(tantivy::TantivyError::LockFailure(..)) => {
                self.notices.push(
                    "the search index is being updated by another gloss process; searching what it has committed so far".into(),
                );
                Ok(false)
            }
            Err(e) => Err(tantivy_error(&self.dir, e)),
        }
    }

    /// True when the index was last brought in step with a project that had this
    /// [`project_stamp`]: nothing changed since, so the study need not be loaded.
    pub fn is_current(&self, stamp: u64) -> bool {
        stamp != 0 && self.meta.stamp == stamp
    }

    /// [`SearchIndex::sync`], then records `stamp` (taken before the study was loaded)
    /// as the state the index now reflects.
    pub fn sync_stamped(&mut self, study: &Study, stamp: u64) -> Result<SyncReport> {
        let report = self.sync(study)?;
        if !report.lagging && self.meta.stamp != stamp {
            self.meta.stamp = stamp;
            self.save_meta()?;
        }
        Ok(report)
    }

    /// Brings the index in step with the study: (re)indexes documents whose text or
    /// codings changed, removes documents that are gone, commits, and reloads.
    pub fn sync(&mut self, study: &Study) -> Result<SyncReport> {
        let marks = document_marks(study, None);
        let sources_stamp = sources_stamp(&study.project)?;
        let reuse_text = sources_stamp == self.meta.sources_stamp;
        let previous = std::mem::take(&mut self.meta.docs);
        // Usually the corpus is the one of the last sync, in the same order: then the two
        // lists are walked side by side; from the first difference on, ids are looked up.
        let mut by_id: Option<foldhash::HashMap<&str, &DocPrint>> = None;
        let mut docs = Vec::with_capacity(study.corpus.docs.len());
        let mut stale: Vec<(usize, u64)> = Vec::new();
        for (i, doc) in study.corpus.docs.iter().enumerate() {
            let before = match previous.get(i) {
                Some(p) if p.id == doc.id && by_id.is_none() => Some(p),
                _ => by_id
                    .get_or_insert_with(|| previous.iter().map(|p| (p.id.as_str(), p)).collect())
                    .get(doc.id.as_str())
                    .copied(),
            };
            let text = match before {
                Some(p) if reuse_text => p.text,
                _ => text_fingerprint(doc),
            };
            let indexed = before.map_or(NOT_INDEXED, |p| p.indexed);
            let wanted = fingerprint(text, marks.get(doc.id.as_str()));
            if wanted != indexed {
                stale.push((i, wanted));
            }
            docs.push(DocPrint {
                id: doc.id.clone(),
                text,
                indexed,
            });
        }
        let aligned = by_id.is_none() && previous.len() == docs.len();
        drop(by_id);
        let gone: Vec<DocPrint> = if aligned {
            Vec::new()
        } else {
            previous
                .into_iter()
                .filter(|p| p.indexed != NOT_INDEXED && study.corpus.get(&p.id).is_none())
                .collect()
        };
        self.meta.docs = docs;
        self.meta.sources_stamp = sources_stamp;
        if stale.is_empty() && gone.is_empty() {
            if !reuse_text {
                // Remember the text fingerprints for the next sync.
                self.save_meta()?;
            }
            return Ok(SyncReport::default());
        }
        self.note_unknown_languages(stale.iter().map(|&(i, _)| &study.corpus.docs[i]));
        let fields = self.view.fields.clone();
        let none = DocumentMarks::default();
        let count = stale.len();
        let turns = stale.into_iter().map(|(i, fingerprint)| {
            let doc = &study.corpus.docs[i];
            let doc_marks = marks.get(doc.id.as_str()).unwrap_or(&none);
            (
                doc.id.clone(),
                fingerprint,
                turn_documents(&fields, study, doc, doc_marks),
            )
        });
        self.write(gone, count, turns)
    }

    /// One notice for documents whose `language` attribute names a language gloss does
    /// not know: their words are indexed unstemmed.
    fn note_unknown_languages<'d>(&mut self, docs: impl Iterator<Item = &'d Document>) {
        let unknown: Vec<(&str, String)> = docs
            .filter_map(|d| document_language(d).err().map(|v| (d.id.as_str(), v)))
            .collect();
        if let Some((id, value)) = unknown.first() {
            let more = match unknown.len() {
                1 => String::new(),
                n => format!(" (and {} more documents)", n - 1),
            };
            self.notices.push(format!(
                "{id}{more}: language {value:?} is not one gloss stems, so its words are searched unstemmed; give one of {}",
                analysis::language_names()
            ));
        }
    }

    /// Re-indexes just the named documents (those a coding action touched), without
    /// looking at the rest of the study. See [`prepare_update`] and
    /// [`Self::apply_update`], its two halves, for writing on another thread.
    pub fn update_documents(&mut self, study: &Study, ids: &[&str]) -> Result<SyncReport> {
        self.apply_update(prepare_update(study, ids))
    }

    /// Writes a [`PreparedUpdate`]: documents whose fingerprint differs from what the
    /// index holds are replaced, documents gone from the study removed; then commit,
    /// reload (every [`SearchView`] sees it) and save the bookkeeping. The rest of the
    /// project is not looked at, so the next [`Self::sync`] still does.
    pub fn apply_update(&mut self, update: PreparedUpdate) -> Result<SyncReport> {
        let mut gone = Vec::new();
        for id in &update.gone {
            if let Some(slot) = self.meta.docs.iter().position(|p| &p.id == id) {
                gone.push(self.meta.docs.remove(slot));
            }
        }
        let mut stale = Vec::new();
        for doc in update.docs {
            let slot = match self.meta.docs.iter().position(|p| p.id == doc.id) {
                Some(slot) => slot,
                None => {
                    self.meta.docs.push(DocPrint {
                        id: doc.id.clone(),
                        text: doc.text,
                        indexed: NOT_INDEXED,
                    });
                    self.meta.docs.len() - 1
                }
            };
            self.meta.docs[slot].text = doc.text;
            if self.meta.docs[slot].indexed != doc.fingerprint {
                stale.push((doc.id, doc.fingerprint, doc.turns));
            }
        }
        if stale.is_empty() && gone.is_empty() {
            return Ok(SyncReport::default());
        }
        let count = stale.len();
        self.write(gone, count, stale.into_iter())
    }

    /// Replaces the `stale` documents (id, the fingerprint it will have, its turns;
    /// `count` of them) and deletes the `gone` ones, commits, reloads the reader and
    /// records the new fingerprints in the bookkeeping (which holds entries for `stale`,
    /// none for `gone`).
    fn write(
        &mut self,
        gone: Vec<DocPrint>,
        count: usize,
        stale: impl Iterator<Item = (String, u64, Vec<TantivyDocument>)>,
    ) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        if !self.acquire_writer()? {
            self.notices.push(format!(
                "{} documents changed since the index was last updated; results may lag",
                count + gone.len()
            ));
            report.lagging = true;
            // Keep what is known — the text fingerprints, and the documents the index
            // still holds although they are gone — for the next attempt.
            self.meta.docs.extend(gone);
            self.save_meta()?;
            return Ok(report);
        }
        let doc_field = self.view.fields.doc;
        let dir = self.dir.clone();
        let Some(writer) = self.writer.as_mut() else {
            return Ok(report);
        };
        for doc in &gone {
            writer.delete_term(Term::from_field_text(doc_field, &doc.id));
            report.removed += 1;
        }
        // Into an empty index (a build from scratch) nothing needs replacing.
        let empty = self.view.reader.searcher().num_docs() == 0 && gone.is_empty();
        let mut indexed = Vec::with_capacity(count);
        for (id, fingerprint, turns) in stale {
            if !empty {
                writer.delete_term(Term::from_field_text(doc_field, &id));
            }
            for turn in turns {
                writer
                    .add_document(turn)
                    .map_err(|e| tantivy_error(&dir, e))?;
                report.turns += 1;
            }
            report.indexed += 1;
            indexed.push((id, fingerprint));
        }
        writer.commit().map_err(|e| tantivy_error(&dir, e))?;
        self.view
            .reader
            .reload()
            .map_err(|e| tantivy_error(&dir, e))?;
        // The documents are usually found in the bookkeeping in the same order.
        let mut from = 0;
        for (id, fingerprint) in indexed {
            let n = self.meta.docs.len();
            let slot = (from..n)
                .chain(0..from)
                .find(|&i| self.meta.docs[i].id == id);
            if let Some(slot) = slot {
                self.meta.docs[slot].indexed = fingerprint;
                from = slot + 1;
            }
        }
        self.meta.files_stamp = files_stamp(&self.dir);
        self.save_meta()?;
        Ok(report)
    }

    /// A handle for searching from another thread.
    pub fn view(&self) -> SearchView {
        self.view.clone()
    }
}

impl std::ops::Deref for SearchIndex {
    type Target = SearchView;

    fn deref(&self) -> &SearchView {
        &self.view
    }
}

/// A cheap summary of everything the index is derived from — the size and modification
/// time of every source file, coding file and journal, codebook, `gloss.yaml` and
/// `documents.yaml` — so a search can tell, without loading the corpus, that nothing
/// changed since the index was last updated.
pub fn project_stamp(project: &crate::project::Project) -> Result<u64> {
    let mut files = crate::corpus::load::source_files(project)?;
    for dir in [project.coding_dir(), project.codebooks_dir()] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.flatten().map(|e| e.path()));
        }
    }
    files.push(project.root.join(crate::project::CONFIG_FILE));
    files.push(project.root.join(crate::project::META_FILE));
    Ok(stamp_of(files))
}

/// Hashes the paths, sizes and modification times of files.
fn stamp_of(mut files: Vec<PathBuf>) -> u64 {
    files.sort();
    let mut h = std::hash::DefaultHasher::new();
    SCHEMA_VERSION.hash(&mut h);
    for path in files {
        path.hash(&mut h);
        if let Ok(m) = std::fs::metadata(&path) {
            m.len().hash(&mut h);
            if let Ok(t) = m.modified()
                && let Ok(d) = t.duration_since(std::time::UNIX_EPOCH)
            {
                d.as_nanos().hash(&mut h);
            }
        }
    }
    h.finish().max(1)
}

/// One coding as it concerns one turn.
#[derive(Debug, Clone, Hash)]
struct TurnCoding {
    turn: usize,
    /// The code and its ancestors, nearest first (so a codebook move re-indexes).
    lineage: Vec<String>,
    coder: String,
    memo: Option<String>,
}

/// What coders added to one document, as the index holds it.
#[derive(Debug, Default, Hash)]
struct DocumentMarks {
    /// One entry per coding and covered turn, sorted.
    codings: Vec<TurnCoding>,
    /// Memos on the document (indexed with its first turn).
    memos: Vec<String>,
}

/// What coders added to each document, by document id.
type MarksByDocument<'a> = foldhash::HashMap<&'a str, DocumentMarks>;

/// The codings and memos of every document (or of `only` these), by document id.
fn document_marks<'a>(study: &'a Study, only: Option<&HashSet<&str>>) -> MarksByDocument<'a> {
    let mut out = MarksByDocument::default();
    let wanted = |id: &str| only.is_none_or(|only| only.contains(id));
    let resolved = match only {
        None => study.codings.resolve(&study.project, &study.corpus),
        Some(ids) => ids
            .iter()
            .flat_map(|id| {
                study
                    .codings
                    .resolve_document(&study.project, &study.corpus, id)
            })
            .collect(),
    };
    for r in resolved {
        let Resolved::Placed { start, end, .. } = r.placement else {
            continue;
        };
        let Some(doc) = study.corpus.get(&r.doc) else {
            continue;
        };
        // A code merged into another is found through its id kept as an alias.
        let code = study
            .codebook
            .find_id(&r.coding.code)
            .map_or(r.coding.code.as_str(), |c| c.id.as_str());
        let mut lineage = vec![code.to_string()];
        lineage.extend(
            study
                .codebook
                .ancestors(code)
                .into_iter()
                .map(|a| a.id.clone()),
        );
        // A span ending at byte 0 of a turn does not cover that turn.
        let last = if end.byte == 0 && end.turn > start.turn {
            end.turn - 1
        } else {
            end.turn
        };
        let codings = &mut out.entry(doc.id.as_str()).or_default().codings;
        for turn in start.turn..=last {
            codings.push(TurnCoding {
                turn,
                lineage: lineage.clone(),
                coder: r.coder.to_string(),
                memo: r.coding.memo.clone(),
            });
        }
    }
    for file in &study.codings.coders {
        // For a few documents (and no renames), look their memos up by key instead of
        // reading every entry.
        let entries: Box<dyn Iterator<Item = &crate::coding::Entry>> = match only {
            Some(ids) if study.project.meta.renamed.is_empty() => {
                Box::new(ids.iter().filter_map(|id| {
                    file.get(&crate::coding::memo_key(
                        &crate::coding::MemoTarget::Document((*id).to_string()),
                    ))
                }))
            }
            _ => Box::new(file.values_unordered()),
        };
        for entry in entries {
            if let crate::coding::Entry::Memo(crate::coding::Memo {
                about: crate::coding::MemoTarget::Document(id),
                text,
                ..
            }) = entry
                && let Some(doc) = study.corpus.get(study.project.meta.current_id(id))
                && wanted(&doc.id)
            {
                out.entry(doc.id.as_str())
                    .or_default()
                    .memos
                    .push(text.clone());
            }
        }
    }
    for marks in out.values_mut() {
        marks
            .codings
            .sort_by(|a, b| (a.turn, &a.lineage, &a.coder).cmp(&(b.turn, &b.lineage, &b.coder)));
        marks.memos.sort();
    }
    out
}

/// A fingerprint of what the index holds for a document.
fn fingerprint(text: u64, marks: Option<&DocumentMarks>) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    marks.hash(&mut h);
    h.finish()
}

/// A fingerprint of a document's text and attributes.
fn text_fingerprint(doc: &Document) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    doc.hash(&mut h);
    h.finish()
}

/// Like [`project_stamp`] but only for what document texts come from: source files,
/// `gloss.yaml` (attributes) and `documents.yaml` (speaker maps, attributes).
fn sources_stamp(project: &crate::project::Project) -> Result<u64> {
    let mut files = crate::corpus::load::source_files(project)?;
    files.push(project.root.join(crate::project::CONFIG_FILE));
    files.push(project.root.join(crate::project::META_FILE));
    Ok(stamp_of(files))
}

/// Attributes that `--attr key=value` can filter on through the `attr` field: all but
/// those another field already holds (`repo`, `labels`: `--attr` looks them up in the
/// `repo` and `label` fields) and an issue's values unique to it — its `title`
/// (searchable as `title:WORDS`), `url` and `number` (the document id holds them:
/// `--doc`) and its `created`/`closed` timestamps. Each of those would be one more term
/// on every turn, most of them distinct, on every rebuild.
pub fn attribute_is_indexed(key: &str, value: &crate::corpus::AttrValue, doc: &Document) -> bool {
    let issue = doc.kind == crate::corpus::DocKind::Issue;
    match key {
        "repo" | "labels" => false,
        "url" | "number" | "created" | "closed" => !issue,
        "title" => !matches!(value, crate::corpus::AttrValue::One(t) if *t == doc.title),
        _ => true,
    }
}

/// Issue attributes `--attr` cannot filter on (see [`attribute_is_indexed`]), and what
/// to use instead.
pub fn unindexed_issue_attribute(key: &str) -> Option<&'static str> {
    match key {
        "title" => Some("search an issue's title with title:WORDS"),
        "url" | "number" => Some("pick issues by id with --doc 'issues/OWNER/REPO#N'"),
        "created" | "closed" => Some(
            "an issue's timestamps are kept as attributes (exports show them) but are not search keywords",
        ),
        _ => None,
    }
}

/// The language of a document's text, from its `language` attribute (English when it
/// has none): its code and stemmer, or the value gloss does not know.
pub fn document_language(
    doc: &Document,
) -> std::result::Result<(&'static str, Option<tantivy::tokenizer::Language>), String> {
    match doc.attributes.get("language") {
        None => Ok(("en", analysis::ENGLISH)),
        Some(value) => {
            let value = value.to_string();
            analysis::language_named(&value).ok_or(value)
        }
    }
}

/// The tantivy documents (one per turn) of a document.
fn turn_documents(
    f: &Fields,
    study: &Study,
    doc: &Document,
    marks: &DocumentMarks,
) -> Vec<TantivyDocument> {
    let mut out = Vec::with_capacity(doc.turns.len());
    let repo = doc
        .attributes
        .get("repo")
        .map(|r| r.to_string().to_lowercase());
    // The document's labels and `key=value` attribute keywords, the same on every turn.
    let mut labels = Vec::new();
    let mut attrs = Vec::new();
    for (k, v) in &doc.attributes {
        let values: &[String] = match v {
            crate::corpus::AttrValue::One(s) => std::slice::from_ref(s),
            crate::corpus::AttrValue::Many(list) => list,
        };
        if k == "labels" {
            labels.extend(values.iter().map(|l| l.to_lowercase()));
        }
        if attribute_is_indexed(k, v, doc) {
            for value in values {
                attrs.push(format!("{}={}", k.to_lowercase(), value.to_lowercase()));
            }
        }
    }
    let mut other_language = match document_language(doc) {
        Ok(("en", _)) => None,
        Ok((code, language)) => Some((code, analysis::text_index_in(language))),
        Err(_) => Some(("none", analysis::text_index_in(None))),
    };
    for (i, turn) in doc.turns.iter().enumerate() {
        let mut d = TantivyDocument::default();
        d.add_text(f.doc, &doc.id);
        d.add_text(f.kind, doc.kind.name());
        d.add_u64(f.turn, i as u64);
        d.add_text(f.speaker, &turn.speaker);
        let who = study.project.speaker(&doc.id, &turn.speaker);
        if let Some(role) = who.role {
            d.add_text(f.who, role.to_lowercase());
        }
        if let Some(p) = who.participant {
            d.add_text(f.who, p.to_lowercase());
        }
        d.add_text(f.who, turn.speaker.to_lowercase());
        if let Some(t) = &turn.time {
            d.add_text(f.time, t);
        }
        match &mut other_language {
            None => d.add_text(f.text, &turn.text),
            Some((code, analyzer)) => {
                // Text in another language is analysed here, with its own stemmer.
                let mut tokens = Vec::new();
                let mut stream = analyzer.token_stream(&turn.text);
                while let Some(token) = stream.next() {
                    tokens.push(token.clone());
                }
                d.add_pre_tokenized_text(
                    f.text,
                    PreTokenizedString {
                        text: turn.text.clone(),
                        tokens,
                    },
                );
                d.add_text(f.lang, *code);
            }
        }
        if i == 0 {
            d.add_text(f.title, &doc.title);
        }
        if let Some(r) = &repo {
            d.add_text(f.repo, r);
        }
        for label in &labels {
            d.add_text(f.labels, label);
        }
        for attr in &attrs {
            d.add_text(f.attr, attr);
        }
        let mut seen_codes = HashSet::new();
        let mut seen_coders = HashSet::new();
        let mut any = false;
        if i == 0 {
            for m in &marks.memos {
                d.add_text(f.memo, m);
            }
        }
        for c in marks.codings.iter().filter(|c| c.turn == i) {
            any = true;
            for code in c.lineage.iter().cloned() {
                d.add_text(f.code_coder, format!("{code}@{}", c.coder));
                if seen_codes.insert(code.clone()) {
                    d.add_text(f.code, code);
                }
            }
            if seen_coders.insert(c.coder.clone()) {
                d.add_text(f.coder, &c.coder);
            }
            if let Some(m) = &c.memo {
                d.add_text(f.memo, m);
            }
        }
        d.add_u64(f.uncoded, u64::from(!any));
        out.push(d);
    }
    out
}
