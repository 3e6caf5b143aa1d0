//! What a `.qdpx` from gloss carries beyond QDA-XML, so that gloss reads back what the
//! standard has no place for: document ids, kinds, files and turn boundaries; code ids
//! and codebook fields (dimensions, aliases, keys); coding ids and stars; instrument
//! records (dimensions, values, evidence); document statuses. It rides as JSON in one
//! project note named [`NOTE_NAME`]; other tools show it as a memo and may drop it, and
//! then gloss reads the file as any other tool's.
//!
//! Positions here are code point offsets into the sources' texts, like selections'.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::project::SpeakerInfo;

/// The name of the note that carries gloss's data.
pub const NOTE_NAME: &str = "gloss data";
/// The `gloss` value of the data.
pub const TAG: &str = "qdpx";
/// The version written.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossData {
    pub gloss: String,
    pub version: u32,
    #[serde(default)]
    pub documents: Vec<DocData>,
    #[serde(default)]
    pub codes: Vec<CodeData>,
    #[serde(default)]
    pub codings: Vec<CodingData>,
    #[serde(default)]
    pub records: Vec<RecordData>,
    #[serde(default)]
    pub statuses: Vec<StatusData>,
}

/// A document: its source's GUID, id, kind, title, the project file it came from and
/// its turns (speaker, time and length of the text in code points, in the order of the
/// source's `Speaker: text` lines).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocData {
    pub source: String,
    pub id: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The file, relative to the project folder (`transcripts/leader1.vtt`).
    pub file: String,
    /// A transcript file's text as written, so that it is read back the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    pub turns: Vec<TurnData>,
    /// Attributes whose values are lists (the source's variables hold them joined).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, Vec<String>>,
    /// Who each speaker label is (`gloss speakers`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub speakers: BTreeMap<String, SpeakerInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnData {
    pub speaker: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub chars: usize,
}

/// A code's id and the fields of a gloss codebook QDA-XML has no place for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeData {
    pub code: String,
    pub id: String,
    /// The codebook file of a top-level code (`dl-reengineering.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<char>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
}

/// A span coding's gloss id and the fields QDA-XML has no place for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingData {
    pub coding: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub star: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
}

/// An instrument record; `codings` are the GUIDs of the codings it was exported as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordData {
    pub coder: String,
    pub source: String,
    pub number: u32,
    pub values: BTreeMap<String, Vec<String>>,
    /// Evidence spans as code point ranges of the source's text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<[usize; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    pub created: String,
    pub modified: String,
    #[serde(default)]
    pub codings: Vec<String>,
}

/// A coder's progress on a document and whether it was excluded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusData {
    pub coder: String,
    pub source: String,
    pub progress: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    pub modified: String,
}

impl GlossData {
    pub fn new() -> GlossData {
        GlossData {
            gloss: TAG.into(),
            version: VERSION,
            ..GlossData::default()
        }
    }

    /// Reads the data from a note's text; `None` when it is not gloss's (or from a
    /// later gloss), and an error when it claims to be but cannot be read.
    pub fn parse(text: &str) -> Result<Option<GlossData>, String> {
        let trimmed = text.trim_start();
        if !trimmed.starts_with('{') || !trimmed.contains("\"gloss\"") {
            return Ok(None);
        }
        let data: GlossData = serde_json::from_str(trimmed)
            .map_err(|e| format!("the note {NOTE_NAME:?} is not gloss data gloss can read: {e}"))?;
        if data.gloss != TAG {
            return Ok(None);
        }
        if data.version > VERSION {
            return Err(format!(
                "the note {NOTE_NAME:?} was written by a later gloss (version {}); upgrade gloss",
                data.version
            ));
        }
        Ok(Some(data))
    }

    /// The data as the note's text: one JSON object, one item a line, so that a diff of
    /// two exports shows what changed.
    pub fn render(&self) -> String {
        fn list<T: Serialize>(out: &mut String, key: &str, items: &[T], last: bool) {
            out.push_str(&format!("\"{key}\":["));
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&serde_json::to_string(item).unwrap_or_default());
            }
            out.push_str(if last { "]\n" } else { "],\n" });
        }
        let mut out = format!(
            "{{\"gloss\":\"{}\",\"version\":{},\n",
            self.gloss, self.version
        );
        list(&mut out, "documents", &self.documents, false);
        list(&mut out, "codes", &self.codes, false);
        list(&mut out, "codings", &self.codings, false);
        list(&mut out, "records", &self.records, false);
        list(&mut out, "statuses", &self.statuses, true);
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let mut data = GlossData::new();
        data.codes.push(CodeData {
            code: "g".into(),
            id: "c".into(),
            key: Some('k'),
            ..CodeData::default()
        });
        data.records.push(RecordData {
            coder: "a".into(),
            source: "s".into(),
            number: 1,
            values: BTreeMap::from([("d".into(), vec!["v".into()])]),
            evidence: vec![[1, 4]],
            created: "t".into(),
            modified: "t".into(),
            ..RecordData::default()
        });
        let text = data.render();
        assert_eq!(GlossData::parse(&text), Ok(Some(data)));
        assert_eq!(GlossData::parse("just a memo"), Ok(None));
        assert!(GlossData::parse("{\"gloss\":\"qdpx\",\"version\":99}").is_err());
    }
}
