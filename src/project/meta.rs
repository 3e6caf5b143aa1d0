//! `documents.yaml`: per-document metadata that commands write — speaker maps
//! (`gloss speakers`), attributes, and renames (`gloss rename`), so that codings made
//! under an old id follow the document without rewriting any coder's file.

use std::collections::{BTreeMap, HashMap};
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

    /// The ids under which entries about the document now called `current` may be
    /// stored: `current` itself and every old id renamed (perhaps in steps) to it.
    pub fn ids_of<'a>(&'a self, current: &'a str) -> Vec<&'a str> {
        std::iter::once(current)
            .chain(self.renamed.keys().map(String::as_str))
            .filter(|id| self.current_id(id) == current)
            .collect()
    }

    /// Every old id by the current id it was renamed (perhaps in steps) to.
    pub fn old_ids(&self) -> HashMap<&str, Vec<&str>> {
        let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
        for old in self.renamed.keys() {
            out.entry(self.current_id(old)).or_default().push(old);
        }
        out
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
