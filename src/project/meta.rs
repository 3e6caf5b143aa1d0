//! `documents.yaml`: per-document metadata that commands write — speaker maps
//! (`gloss speakers`), attributes, and renames (`gloss rename`), so that codings made
//! under an old id follow the document without rewriting any coder's file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::corpus::Attributes;
use crate::project::config::yaml_error;
use crate::textio::write_atomic;
use crate::{Error, Result};

/// Who a speaker label is in one document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeakerInfo {
    /// The participant alias (`P4`, `L1`), if the speaker is a participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// `interviewer`, `participant` or another role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Metadata of one document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocMeta {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub speakers: BTreeMap<String, SpeakerInfo>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: Attributes,
}

/// The contents of `documents.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsMeta {
    /// Document id → metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<String, DocMeta>,
    /// Old document id → new id, recorded by `gloss rename`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub renamed: BTreeMap<String, String>,
}

impl DocumentsMeta {
    /// Reads `documents.yaml`; a missing file is empty metadata.
    pub fn load(path: &Path) -> Result<DocumentsMeta> {
        match std::fs::read_to_string(path) {
            Ok(text) if text.trim().is_empty() => Ok(DocumentsMeta::default()),
            Ok(text) => serde_yaml::from_str(&text).map_err(|e| yaml_error(path, &e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DocumentsMeta::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Writes `documents.yaml` atomically and durably.
    pub fn save(&self, path: &Path) -> Result<()> {
        let body = serde_yaml::to_string(self)
            .map_err(|e| Error::parse(path, format!("cannot serialise: {e}")))?;
        let text = format!("# Written by gloss (speakers, rename); safe to edit by hand.\n{body}");
        write_atomic(path, text.as_bytes())
    }

    /// Follows renames from `id` to the document's current id.
    pub fn current_id<'a>(&'a self, mut id: &'a str) -> &'a str {
        for _ in 0..64 {
            match self.renamed.get(id) {
                Some(next) => id = next,
                None => break,
            }
        }
        id
    }
}
