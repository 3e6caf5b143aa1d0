//! Plain-text and Markdown transcripts: speaker labels alone on a line or inline.

use crate::corpus::Turn;

/// A parsed transcript.
#[derive(Debug, Default)]
pub struct ParsedTranscript {
    pub turns: Vec<Turn>,
    /// False when no speaker labels were recognised (one turn per paragraph).
    pub labelled: bool,
}

/// Parses transcript text.
pub fn parse(text: &str) -> ParsedTranscript {
    let turns = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| Turn {
            speaker: String::new(),
            time: None,
            text: p.trim().to_string(),
        })
        .collect();
    ParsedTranscript {
        turns,
        labelled: false,
    }
}
/// Options (stub).
#[derive(Debug, Default)]
pub struct TranscriptImportOptions {
    pub utf8: crate::textio::Utf8Policy,
    pub id: Option<String>,
}
/// Import (stub).
pub fn import_transcripts(
    _p: &crate::project::Project,
    _paths: &[std::path::PathBuf],
    _o: &TranscriptImportOptions,
) -> crate::Result<super::ImportReport> {
    Err(crate::Error::Input("todo".into()))
}
