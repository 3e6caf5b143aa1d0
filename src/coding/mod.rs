//! Codings: span codings (a code on a stretch of text), instrument records (one per
//! defect, mapping dimensions to values), per-document status and exclusion, and memos —
//! the researcher's work, kept per coder in a crash-safe [`store`].

pub mod anchor;
pub mod set;
pub mod sheet;
pub mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::corpus::Position;
pub use anchor::Anchor;

/// A code applied to a span of a document by one coder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanCoding {
    /// Stable id, unique across coders: `<coder>-<n>`.
    pub id: String,
    /// The document id.
    pub doc: String,
    /// Start position (turn, byte offset into the turn's text).
    #[serde(with = "pos_pair")]
    pub start: Position,
    /// End position, exclusive; may lie in a later turn.
    #[serde(with = "pos_pair")]
    pub end: Position,
    /// The code's id in the codebook.
    pub code: String,
    /// The quoted text with a little context, used to re-anchor after the text changes.
    pub anchor: Anchor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// Starred by the researcher as an exemplar quote.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub star: bool,
    /// The batch (`gloss autocode`) that made this coding, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    pub created: String,
    pub modified: String,
}

/// A text span used as evidence for a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(with = "pos_pair")]
    pub start: Position,
    #[serde(with = "pos_pair")]
    pub end: Position,
    pub anchor: Anchor,
}

/// One instrument record (e.g. one defect of an issue): dimension id → value ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub doc: String,
    /// 1-based number of the record within the document.
    pub number: u32,
    /// Dimension id → chosen value ids (one for `select: one`).
    pub values: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    pub created: String,
    pub modified: String,
}

/// How far a coder has got with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Progress {
    #[default]
    NotStarted,
    InProgress,
    Done,
}

impl Progress {
    /// `not started`, `in progress`, `done`.
    pub fn label(self) -> &'static str {
        match self {
            Progress::NotStarted => "not started",
            Progress::InProgress => "in progress",
            Progress::Done => "done",
        }
    }

    /// Parses `not-started`, `in-progress`, `done` (spaces or dashes).
    pub fn parse(s: &str) -> Option<Progress> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '_'], "-")
            .as_str()
        {
            "not-started" | "todo" => Some(Progress::NotStarted),
            "in-progress" | "started" => Some(Progress::InProgress),
            "done" => Some(Progress::Done),
            _ => None,
        }
    }
}

/// A coder's status for one document, and whether it is excluded ("not relevant").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocStatus {
    pub doc: String,
    pub progress: Progress,
    /// Set when the coder excluded the document, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    pub modified: String,
}

/// What a memo is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoTarget {
    Document(String),
    Code(String),
}

/// A memo on a document or a code (memos on codings and records live in them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memo {
    pub about: MemoTarget,
    pub text: String,
    pub modified: String,
}

/// One line of a coder's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Entry {
    Coding(SpanCoding),
    Record(Record),
    Status(DocStatus),
    Memo(Memo),
}

impl Entry {
    /// The entry's key: a later entry with the same key replaces an earlier one.
    pub fn key(&self) -> String {
        match self {
            Entry::Coding(c) => coding_key(&c.id),
            Entry::Record(r) => record_key(&r.doc, r.number),
            Entry::Status(s) => status_key(&s.doc),
            Entry::Memo(m) => memo_key(&m.about),
        }
    }

    /// The document this entry is about, if any.
    pub fn doc(&self) -> Option<&str> {
        match self {
            Entry::Coding(c) => Some(&c.doc),
            Entry::Record(r) => Some(&r.doc),
            Entry::Status(s) => Some(&s.doc),
            Entry::Memo(Memo {
                about: MemoTarget::Document(d),
                ..
            }) => Some(d),
            Entry::Memo(_) => None,
        }
    }
}

/// The key of a span coding.
pub fn coding_key(id: &str) -> String {
    format!("coding {id}")
}

/// The key of a record.
pub fn record_key(doc: &str, number: u32) -> String {
    format!("record {doc} {number}")
}

/// The key of a document status.
pub fn status_key(doc: &str) -> String {
    format!("status {doc}")
}

/// The key of a memo.
pub fn memo_key(about: &MemoTarget) -> String {
    match about {
        MemoTarget::Document(d) => format!("memo document {d}"),
        MemoTarget::Code(c) => format!("memo code {c}"),
    }
}

/// Positions serialised compactly as `[turn, byte]`.
mod pos_pair {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::corpus::Position;

    pub fn serialize<S: Serializer>(pos: &Position, s: S) -> Result<S::Ok, S::Error> {
        [pos.turn, pos.byte].serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Position, D::Error> {
        let [turn, byte] = <[usize; 2]>::deserialize(d)?;
        Ok(Position { turn, byte })
    }
}
