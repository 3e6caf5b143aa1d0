//! Loading a project's corpus: every file matched by the `sources` globs of
//! `gloss.yaml` is read — transcripts (text, Markdown, WebVTT, SRT) are parsed, gloss
//! document files (`*.jsonl`) are read — and attributes from `gloss.yaml` and
//! `documents.yaml` are merged in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSetBuilder};

use crate::corpus::import::transcript_document;
use crate::corpus::{AttrValue, Document, docfile};
use crate::project::{Project, SpeakerInfo};
use crate::textio::{Utf8Policy, read_text};
use crate::{Error, Result};

/// All documents of a project, by id.
#[derive(Debug, Default)]
pub struct Corpus {
    pub docs: Vec<Document>,
    /// The file each document was read from (parallel to `docs`).
    pub sources: Vec<PathBuf>,
    index: HashMap<String, usize>,
    /// Source files that could not be read, one line each; they are skipped (their
    /// codings show as dangling) until fixed, so one bad file never blocks the project.
    pub warnings: Vec<String>,
}

impl Corpus {
    /// Builds a corpus from documents, refusing duplicate ids.
    pub fn from_docs(docs: Vec<Document>, sources: Vec<PathBuf>) -> Result<Corpus> {
        let mut index = HashMap::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            if let Some(prev) = index.insert(doc.id.clone(), i) {
                return Err(Error::Project(format!(
                    "duplicate document id {} in {} and {}; rename one of them",
                    doc.id,
                    sources[prev].display(),
                    sources[i].display()
                )));
            }
        }
        Ok(Corpus {
            docs,
            sources,
            index,
            warnings: Vec::new(),
        })
    }

    /// The document with this id.
    pub fn get(&self, id: &str) -> Option<&Document> {
        self.index.get(id).map(|&i| &self.docs[i])
    }

    /// The index of the document with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

/// The files of the project matched by its source globs, sorted.
pub fn source_files(project: &Project) -> Result<Vec<PathBuf>> {
    let mut builder = GlobSetBuilder::new();
    for pattern in &project.config.sources {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                Error::parse(
                    project.root.join(crate::project::CONFIG_FILE),
                    format!("bad source glob {pattern:?}: {e}"),
                )
            })?;
        builder.add(glob);
    }
    let set = builder
        .build()
        .map_err(|e| Error::Project(format!("bad source globs: {e}")))?;
    let mut files = Vec::new();
    // Walk only the folders the globs can match in (their literal leading parts).
    let mut stack: Vec<PathBuf> = Vec::new();
    for pattern in &project.config.sources {
        let literal: Vec<&str> = pattern
            .split('/')
            .take_while(|part| !part.contains(['*', '?', '[', '{']))
            .collect();
        let literal = if literal.len() == pattern.split('/').count() {
            &literal[..literal.len().saturating_sub(1)]
        } else {
            &literal[..]
        };
        let base = project.root.join(literal.join("/"));
        if base.is_dir() && !stack.iter().any(|b| base.starts_with(b)) {
            stack.retain(|b| !b.starts_with(&base));
            stack.push(base);
        }
    }
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let file_type = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() {
                let rel = path.strip_prefix(&project.root).unwrap_or(&path);
                if set.is_match(rel) {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The document id of a transcript file: its path relative to the project root,
/// without extension, with `/` separators (`transcripts/leader1`).
pub fn transcript_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

impl Project {
    /// Loads every document of the project.
    pub fn load_corpus(&self) -> Result<Corpus> {
        self.load_documents(None)
    }

    /// The id of the project's first document (the first of its first source file), read
    /// without loading the rest; `None` when there are no sources or the first cannot be
    /// read.
    pub fn first_document_id(&self) -> Result<Option<String>> {
        let Some(path) = source_files(self)?.into_iter().next() else {
            return Ok(None);
        };
        if path.extension().is_some_and(|e| e == "jsonl") {
            Ok(docfile::read_first(&path).ok().flatten().map(|d| d.id))
        } else {
            Ok(Some(transcript_id(&self.root, &path)))
        }
    }

    /// Loads every document without its turns (left empty), except the first document
    /// and those `keep` says yes to. A quick look for a list of documents (gloss
    /// document files are read only up to each document's turns; the other sources are
    /// small and read whole).
    pub fn load_corpus_headers(&self, keep: &(dyn Fn(&str) -> bool + Sync)) -> Result<Corpus> {
        let mut corpus = self.load_documents(Some(keep))?;
        // The first document is what opens when nothing else is asked for.
        if let Some(first) = corpus.docs.first()
            && first.turns.is_empty()
            && let Some(path) = corpus.sources.first()
            && path.extension().is_some_and(|e| e == "jsonl")
            && let Some(mut doc) = docfile::read_first(path)?
            && doc.id == first.id
        {
            self.merge_attributes(&mut doc);
            corpus.docs[0] = doc;
        }
        Ok(corpus)
    }

    fn load_documents(&self, headers: Option<&(dyn Fn(&str) -> bool + Sync)>) -> Result<Corpus> {
        let mut docs = Vec::new();
        let mut sources = Vec::new();
        let mut warnings = Vec::new();
        for path in source_files(self)? {
            let is_docfile = path.extension().is_some_and(|e| e == "jsonl");
            let loaded = if is_docfile {
                match headers {
                    Some(keep) => docfile::read_headers(&path, keep),
                    None => docfile::read(&path),
                }
            } else {
                read_text(&path, Utf8Policy::Lossy).and_then(|file| {
                    let id = transcript_id(&self.root, &path);
                    Ok(vec![transcript_document(&path, id, &file.text)?.document])
                })
            };
            match loaded {
                Ok(list) => {
                    for doc in list {
                        docs.push(doc);
                        sources.push(path.clone());
                    }
                }
                Err(e) => warnings.push(format!("{e} (skipped until fixed)")),
            }
        }
        for doc in &mut docs {
            self.merge_attributes(doc);
        }
        let mut corpus = Corpus::from_docs(docs, sources)?;
        corpus.warnings = warnings;
        Ok(corpus)
    }

    /// Merges the attributes `gloss.yaml` and `documents.yaml` give a document, and the
    /// project's `language` where the document names none.
    fn merge_attributes(&self, doc: &mut Document) {
        if let Some(attrs) = self.config.attributes.get(&doc.id) {
            doc.attributes.extend(attrs.clone());
        }
        if let Some(meta) = self.meta.documents.get(&doc.id) {
            doc.attributes.extend(meta.attributes.clone());
        }
        if let Some(language) = &self.config.language {
            doc.attributes
                .entry("language".into())
                .or_insert_with(|| AttrValue::One(language.clone()));
        }
    }

    /// The index in `corpus` of the document a user named `id`: the document with
    /// exactly that id if there is one, else where `gloss rename` moved it.
    pub fn find_document(&self, corpus: &Corpus, id: &str) -> Result<usize> {
        corpus
            .position(id)
            .or_else(|| corpus.position(self.meta.current_id(id)))
            .ok_or_else(|| {
                Error::Input(format!(
                    "no document {id:?} in this project; `gloss list` shows the ids"
                ))
            })
    }

    /// Who `label` is in document `doc_id`: the participant alias and role, from the
    /// document's speaker map, then the project's participant aliases, then a guess
    /// from the label (`Interviewer…` is an interviewer).
    pub fn speaker(&self, doc_id: &str, label: &str) -> SpeakerInfo {
        let mapped = self
            .meta
            .documents
            .get(doc_id)
            .and_then(|m| m.speakers.get(label))
            .cloned()
            .unwrap_or_default();
        let participant = mapped
            .participant
            .or_else(|| self.config.participants.get(label).cloned());
        let role = mapped.role.or_else(|| {
            let lower = label.to_lowercase();
            const INTERVIEWER: [&str; 7] = [
                "interviewer",
                "entrevistador",
                "moderator",
                "intervieweur",
                "enquêteur",
                "interviewerin",
                "采访者",
            ];
            Some(if INTERVIEWER.iter().any(|w| lower.starts_with(w)) {
                "interviewer".to_string()
            } else {
                "participant".to_string()
            })
        });
        SpeakerInfo { participant, role }
    }
}
