//! Importers: turn transcripts, issue threads and survey answers into documents and
//! store them in the project (`gloss import transcript|issues|survey PATH...`).
//!
//! Every importer parses all its inputs before writing anything, so a bad input leaves
//! the project untouched.

pub mod github;
pub mod subtitles;
pub mod survey;
pub mod table;
pub mod transcript;

use std::path::{Path, PathBuf};

use crate::corpus::{DocKind, Document, Turn};
use crate::{Error, Result};

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Ids of documents new to the project.
    pub added: Vec<String>,
    /// Ids of documents whose text or attributes changed (their codings re-anchor).
    pub updated: Vec<String>,
    /// Ids of documents that were already there unchanged.
    pub unchanged: Vec<String>,
    /// Records skipped by filters (pull requests, state, comment count, label).
    pub skipped: usize,
    /// Warnings to show the user (one line each).
    pub warnings: Vec<String>,
    /// Files written.
    pub written: Vec<PathBuf>,
}

/// A line-located problem found by a parser; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl LineError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        LineError {
            line,
            message: message.into(),
        }
    }

    /// Attaches the file name.
    pub fn in_file(self, path: &Path) -> Error {
        Error::at_line(path, self.line, self.message)
    }
}

/// A transcript document parsed from a file, with any warning.
#[derive(Debug)]
pub struct ParsedDocument {
    pub document: Document,
    pub warnings: Vec<String>,
}

/// Refuses to import a document under an id that an earlier `gloss rename` moved away
/// from: codings made before the rename follow the renamed document, so the old id
/// cannot name a new one.
pub fn refuse_renamed(project: &crate::project::Project, id: &str) -> Result<()> {
    match project.meta.renamed.get(id) {
        Some(new) => Err(Error::Input(format!(
            "{id} was renamed to {new}, and its codings followed it; import this document under another id (--id NAME for transcripts)"
        ))),
        None => Ok(()),
    }
}

/// Transcript file formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptFormat {
    /// Plain text or Markdown with speaker labels.
    Text,
    WebVtt,
    Srt,
}

impl TranscriptFormat {
    /// The format of a file by its extension; `None` if gloss does not read it.
    pub fn of(path: &Path) -> Option<TranscriptFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "md" | "markdown" | "text" => Some(TranscriptFormat::Text),
            "vtt" => Some(TranscriptFormat::WebVtt),
            "srt" => Some(TranscriptFormat::Srt),
            _ => None,
        }
    }
}

/// Parses transcript text read from `path` into a document with id `id`.
pub fn transcript_document(path: &Path, id: String, text: &str) -> Result<ParsedDocument> {
    let format = TranscriptFormat::of(path).ok_or_else(|| {
        Error::parse(
            path,
            "unknown transcript format; use .txt, .md, .vtt or .srt",
        )
    })?;
    let mut warnings = Vec::new();
    let turns: Vec<Turn> = match format {
        TranscriptFormat::Text => {
            let parsed = transcript::parse(text);
            if !parsed.labelled {
                warnings.push(format!(
                    "{}: no speaker labels recognised; imported as one turn per paragraph",
                    path.display()
                ));
            }
            parsed.turns
        }
        TranscriptFormat::WebVtt => subtitles::parse_vtt(text).map_err(|e| e.in_file(path))?,
        TranscriptFormat::Srt => subtitles::parse_srt(text).map_err(|e| e.in_file(path))?,
    };
    let title = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(ParsedDocument {
        document: Document {
            id,
            kind: DocKind::Transcript,
            title,
            attributes: Default::default(),
            turns,
        },
        warnings,
    })
}
