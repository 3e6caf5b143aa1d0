//! `gloss.yaml`: the project's hand-written configuration (name, coders, participant
//! aliases and attributes, source globs, document attributes, pseudonyms).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::corpus::Attributes;
use crate::{Error, Result};

/// The contents of `gloss.yaml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The study's name.
    pub name: String,
    /// The coders of this study (informational; anyone may code).
    #[serde(default)]
    pub coders: Vec<String>,
    /// Speaker label → participant alias, for every document (`Leader 1: L1`).
    #[serde(default)]
    pub participants: BTreeMap<String, String>,
    /// Participant alias → attribute → value (`L1: {role: leader}`), for counting codes
    /// by a property of who said them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub participant_attributes: BTreeMap<String, Attributes>,
    /// Globs, relative to the project root, of the files that hold documents.
    #[serde(default = "default_sources")]
    pub sources: Vec<String>,
    /// Document attributes written by hand: document id → attribute → value.
    #[serde(default)]
    pub attributes: BTreeMap<String, Attributes>,
    /// Real names → pseudonyms, applied in every export.
    #[serde(default)]
    pub pseudonyms: BTreeMap<String, String>,
    /// Hide other coders' work while coding (blind parallel coding).
    #[serde(default)]
    pub blind: bool,
    /// The language of documents that have no `language` attribute (`es`, `German`,
    /// `pt-BR`; English when unset): search stems their words in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The default source globs: every transcript file, and gloss document files of
/// issues and surveys.
pub fn default_sources() -> Vec<String> {
    vec![
        "transcripts/**/*.{txt,md,markdown,vtt,srt}".into(),
        "issues/**/*.jsonl".into(),
        "surveys/**/*.jsonl".into(),
    ]
}

impl Config {
    /// Reads and validates `gloss.yaml`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let config: Config = serde_yaml::from_str(&text).map_err(|e| yaml_error(path, &e))?;
        if let Some(language) = &config.language
            && crate::search::analysis::language_named(language).is_none()
        {
            let line = text
                .lines()
                .position(|l| l.starts_with("language:"))
                .map_or(1, |i| i + 1);
            return Err(Error::Parse {
                path: path.into(),
                location: Some(line.to_string()),
                message: format!(
                    "language {language:?} is not one gloss knows; give one of {} (or remove the line for English)",
                    crate::search::analysis::language_names()
                ),
            });
        }
        Ok(config)
    }
}

/// Converts a YAML error into a parse error with `line:column`.
pub fn yaml_error(path: &Path, err: &serde_yaml::Error) -> Error {
    let message = err.to_string();
    // serde_yaml appends " at line N column M" to the message; keep only the message.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    Error::Parse {
        path: path.into(),
        location: err
            .location()
            .map(|l| format!("{}:{}", l.line(), l.column())),
        message,
    }
}

/// The `gloss.yaml` that `gloss init` writes.
pub fn template(name: &str) -> String {
    let name = serde_json::to_string(name).unwrap_or_else(|_| "\"study\"".into());
    format!(
        r#"# gloss project file. See the README for every key.
name: {name}

# Who codes in this study. Each coder's work is kept in coding/<coder>.jsonl.
coders: []

# Speaker labels as they appear in transcripts, and the alias to show and export.
participants: {{}}
#  Leader 1: L1

# Attributes of participants by alias, e.g. role or years of experience
# (`gloss export counts --by code --by role`).
participant_attributes: {{}}
#  L1:
#    role: leader

# Files that hold documents (globs relative to this folder).
sources:
  - "transcripts/**/*.{{txt,md,markdown,vtt,srt}}"
  - "issues/**/*.jsonl"
  - "surveys/**/*.jsonl"

# Document attributes by document id, e.g. a participant's role or company size.
# `language: es` (or another language) stems a document's words in that language when
# searching; without it, English.
attributes: {{}}
#  transcripts/leader1:
#    role: leader

# Real names (people, companies, places) and the pseudonym exports use instead.
pseudonyms: {{}}

# Hide other coders' codings while coding (blind parallel coding).
blind: false

# The language of every document without a `language` attribute (English if unset),
# e.g. `language: es` for a study whose interviews are in Spanish.
# language: es
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_and_names_the_study() {
        let c: Config = serde_yaml::from_str(&template("A \"quoted\" study")).unwrap();
        assert_eq!(c.name, "A \"quoted\" study");
        assert_eq!(c.sources, default_sources());
    }

    #[test]
    fn unknown_key_reports_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("gloss.yaml");
        std::fs::write(&path, "name: x\ncoderz: [a]\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("gloss.yaml:2:1: unknown field `coderz`"),
            "{err}"
        );
    }
}
