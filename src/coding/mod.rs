//! Codings: span codings (a code on a stretch of text), instrument records (one per
//! defect, mapping dimensions to values), per-document status and exclusion, and memos —
//! the researcher's work, kept per coder in a crash-safe [`store`].

pub mod anchor;
pub mod set;
pub mod sheet;
pub mod store;
pub mod tally;

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

    /// Parses one entry from JSON. Entries as gloss writes them (`{"type":"coding",…}`,
    /// the tag first) are read straight into their variant's struct, which ignores the
    /// tag; serde's general path for internally tagged enums first copies every field
    /// into a buffer, and costs about twice as much on a file of 50,000 codings. Any
    /// other text, and any error, goes the general way, so results and error messages
    /// are exactly serde's.
    pub fn from_json(text: &str) -> serde_json::Result<Entry> {
        match Self::from_json_tag_first(text) {
            Some(entry) => Ok(entry),
            None => serde_json::from_str(text),
        }
    }

    fn from_json_tag_first(text: &str) -> Option<Entry> {
        let (tag, _) = text.strip_prefix("{\"type\":\"")?.split_once('"')?;
        match tag {
            "coding" => serde_json::from_str(text).ok().map(Entry::Coding),
            "record" => serde_json::from_str(text).ok().map(Entry::Record),
            "status" => serde_json::from_str(text).ok().map(Entry::Status),
            "memo" => serde_json::from_str(text).ok().map(Entry::Memo),
            _ => None,
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
    // Built by hand: this runs for every entry read, and `format!` costs twice as much.
    let mut key = String::with_capacity("coding ".len() + id.len());
    key.push_str("coding ");
    key.push_str(id);
    key
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

#[cfg(test)]
mod tests {
    use super::*;

    fn general(text: &str) -> Result<Entry, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    fn fast(text: &str) -> Result<Entry, String> {
        Entry::from_json(text).map_err(|e| e.to_string())
    }

    #[test]
    fn entries_read_the_fast_way_are_what_serde_reads() {
        let t = "2026-01-01T00:00:00Z".to_string();
        let entries = [
            Entry::Coding(SpanCoding {
                id: "a-1".into(),
                doc: "issues/o/r#1".into(),
                start: Position::new(0, 3),
                end: Position::new(2, 0),
                code: "c".into(),
                anchor: Anchor {
                    quote: "q \"x\"\n".into(),
                    before: "b".into(),
                    after: String::new(),
                },
                memo: Some("m".into()),
                star: true,
                batch: Some("b1".into()),
                created: t.clone(),
                modified: t.clone(),
            }),
            Entry::Record(Record {
                doc: "d".into(),
                number: 2,
                values: BTreeMap::from([("dim".into(), vec!["v".into()])]),
                evidence: Vec::new(),
                memo: None,
                created: t.clone(),
                modified: t.clone(),
            }),
            Entry::Status(DocStatus {
                doc: "d".into(),
                progress: Progress::Done,
                excluded: Some("why".into()),
                modified: t.clone(),
            }),
            Entry::Memo(Memo {
                about: MemoTarget::Code("c".into()),
                text: "memo".into(),
                modified: t,
            }),
        ];
        for entry in &entries {
            let text = serde_json::to_string(entry).unwrap();
            assert!(text.starts_with("{\"type\":"), "{text}");
            assert_eq!(fast(&text), Ok(entry.clone()));
            // The tag elsewhere: the general way.
            let moved = format!(
                "{{{},{}}}",
                &text[text.find(',').unwrap() + 1..text.len() - 1],
                &text[1..text.find(',').unwrap()]
            );
            assert_eq!(fast(&moved), general(&moved));
            assert_eq!(fast(&moved), Ok(entry.clone()));
        }
        for bad in [
            "{\"type\":\"coding\",\"id\":\"a-1\"}",
            "{\"type\":\"nonsense\",\"id\":\"a-1\"}",
            "{\"type\":\"status\",\"doc\":\"d\",\"progress\":\"half\",\"modified\":\"t\"}",
            "{\"type\":\"memo\"",
            "[1,2]",
            "",
        ] {
            assert!(fast(bad).is_err(), "{bad}");
            assert_eq!(fast(bad), general(bad), "{bad}");
        }
    }
}
