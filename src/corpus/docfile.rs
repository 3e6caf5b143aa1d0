//! gloss document files (`*.jsonl` under `issues/` and `surveys/`): one document per
//! line as JSON, sorted by id, so that files are deterministic and git diffs small.

use std::io::Read;
use std::path::Path;

use crate::corpus::Document;
use crate::textio::write_atomic;
use crate::{Error, Result};

/// Reads a document file; every line must be one JSON document. The file is read in
/// blocks of whole lines, each parsed on all cores, so a large file is never held in
/// memory whole next to its documents.
pub fn read(path: &Path) -> Result<Vec<Document>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_from(path, file, BLOCK, parse_line)
}

/// Reads the documents of a file without their turns (left empty), except the documents
/// `keep` says yes to, which are read whole. A quick look for what a list of documents
/// shows: each line is read only as far as its turns (which gloss writes last).
pub fn read_headers(path: &Path, keep: impl Fn(&str) -> bool + Sync) -> Result<Vec<Document>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_from(path, file, BLOCK, |raw| {
        let Some(doc) = read_header(raw)? else {
            return Ok(None);
        };
        if keep(&doc.id) {
            return parse_line(raw);
        }
        Ok(Some(doc))
    })
}

/// The fields of a document's line that come before its turns.
#[derive(Default)]
struct HeaderFields {
    id: Option<String>,
    kind: Option<crate::corpus::DocKind>,
    title: String,
    attributes: crate::corpus::Attributes,
    /// The turns were reached: reading stopped there.
    stopped: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut HeaderFields {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for &mut HeaderFields {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a gloss document")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        use serde::de::Error as _;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "id" => self.id = Some(map.next_value()?),
                "kind" => self.kind = Some(map.next_value()?),
                "title" => self.title = map.next_value()?,
                "attributes" => self.attributes = map.next_value()?,
                "turns" => {
                    self.stopped = true;
                    return Err(A::Error::custom("stopped at the turns"));
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A document without its turns, reading its line only up to them; `None` for a blank
/// line.
fn read_header(raw: &[u8]) -> std::result::Result<Option<Document>, LineError> {
    use serde::de::{DeserializeSeed, Error as _};
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if [&b"<<<<<<<"[..], b">>>>>>>", b"======="]
        .iter()
        .any(|m| raw.starts_with(m))
    {
        return Err(LineError::Conflict);
    }
    let mut fields = HeaderFields::default();
    let mut de = serde_json::Deserializer::from_slice(raw);
    match (&mut fields).deserialize(&mut de) {
        Err(_) if fields.stopped => {}
        Err(e) => return Err(LineError::Json(e)),
        Ok(()) => {}
    }
    let id = fields
        .id
        .ok_or_else(|| LineError::Json(serde_json::Error::missing_field("id")))?;
    let kind = fields
        .kind
        .ok_or_else(|| LineError::Json(serde_json::Error::missing_field("kind")))?;
    Ok(Some(Document {
        id,
        kind,
        title: fields.title,
        attributes: fields.attributes,
        turns: Vec::new(),
    }))
}

/// Reads the first document of a file (its first line that is not blank), whole.
pub fn read_first(path: &Path) -> Result<Option<Document>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::new(file);
    let mut raw = Vec::new();
    for line in 1.. {
        raw.clear();
        if reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| Error::io(path, e))?
            == 0
        {
            return Ok(None);
        }
        let body = raw.strip_suffix(b"\n").unwrap_or(&raw);
        if let Some(doc) = parse_line(body).map_err(|e| e.at(path, line))? {
            return Ok(Some(doc));
        }
    }
    Ok(None)
}

/// How much of a document file is read at a time.
const BLOCK: usize = 8 << 20;

fn read_from<T: Send>(
    path: &Path,
    mut file: impl Read,
    block: usize,
    parse: impl Fn(&[u8]) -> std::result::Result<Option<T>, LineError> + Sync,
) -> Result<Vec<T>> {
    let mut docs = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut lines_before = 0;
    loop {
        let had = buf.len();
        let read = (&mut file)
            .take(block as u64)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(path, e))?;
        let end = read == 0;
        // Parse up to the last complete line; keep the rest for the next block.
        let complete = if end {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf[had..]) {
                Some(i) => had + i + 1,
                None => continue,
            }
        };
        let (parsed, lines) = crate::parallel::parse_lines(&buf[..complete], &parse)
            .map_err(|(line, e)| e.at(path, lines_before + line))?;
        docs.extend(parsed);
        lines_before += lines;
        buf.drain(..complete);
        if end {
            return Ok(docs);
        }
    }
}

/// Parses a document file's text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Document>> {
    crate::parallel::parse_lines(text.as_bytes(), parse_line)
        .map(|(docs, _)| docs)
        .map_err(|(line, e)| e.at(path, line))
}

/// What is wrong with a line of a document file.
enum LineError {
    Utf8(usize),
    Conflict,
    Json(serde_json::Error),
}

impl LineError {
    fn at(self, path: &Path, line: usize) -> Error {
        match self {
            LineError::Utf8(byte) => Error::Parse {
                path: path.into(),
                location: Some(format!("{line}")),
                message: format!("invalid UTF-8 at byte {byte} of the line"),
            },
            LineError::Conflict => Error::Conflict {
                path: path.into(),
                line,
            },
            LineError::Json(e) => Error::Parse {
                path: path.into(),
                location: Some(format!("{line}:{}", e.column())),
                message: format!("not a gloss document: {e}"),
            },
        }
    }
}

fn parse_line(raw: &[u8]) -> std::result::Result<Option<Document>, LineError> {
    match line_text(raw)? {
        Some(line) => serde_json::from_str(line)
            .map(Some)
            .map_err(LineError::Json),
        None => Ok(None),
    }
}

/// The text of a line, `None` for a blank one.
fn line_text(raw: &[u8]) -> std::result::Result<Option<&str>, LineError> {
    let line = raw.strip_suffix(b"\r").unwrap_or(raw);
    let line = std::str::from_utf8(line).map_err(|e| LineError::Utf8(e.valid_up_to()))?;
    if line.trim().is_empty() {
        return Ok(None);
    }
    if line.starts_with("<<<<<<<") || line.starts_with(">>>>>>>") || line.starts_with("=======") {
        return Err(LineError::Conflict);
    }
    Ok(Some(line))
}

/// Serialises documents one per line, sorted by id (numbers within ids sort by value,
/// so `#9` comes before `#10`).
pub fn render(docs: &mut [Document]) -> String {
    docs.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    let mut out = String::new();
    for doc in docs.iter() {
        // Serialising a Document cannot fail: it holds only strings, maps and lists.
        out.push_str(&serde_json::to_string(doc).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Writes documents to `path` atomically, sorted by id.
pub fn write(path: &Path, docs: &mut [Document]) -> Result<()> {
    write_atomic(path, render(docs).as_bytes())
}

/// Compares strings with runs of ASCII digits compared by numeric value.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let la = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let lb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (&a[..la], &b[..lb]);
                let na_trim = trim_zeros(na);
                let nb_trim = trim_zeros(nb);
                let ord = na_trim
                    .len()
                    .cmp(&nb_trim.len())
                    .then(na_trim.cmp(nb_trim))
                    .then(la.cmp(&lb));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                a = &a[la..];
                b = &b[lb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Attributes, DocKind, Turn};

    #[test]
    fn round_trips_sorted_naturally() {
        let mk = |id: &str| Document {
            id: id.into(),
            kind: DocKind::Issue,
            title: "t".into(),
            attributes: Attributes::new(),
            turns: vec![Turn {
                speaker: "a".into(),
                time: None,
                text: "x\ny".into(),
            }],
        };
        let mut docs = vec![mk("issues/o/r#10"), mk("issues/o/r#9")];
        let text = render(&mut docs);
        let back = parse(Path::new("f.jsonl"), &text).unwrap();
        assert_eq!(back[0].id, "issues/o/r#9");
        assert_eq!(back, docs);
    }

    #[test]
    fn read_in_small_blocks_is_read_whole() {
        let mk = |i: usize| Document {
            id: format!("issues/o/r#{i}"),
            kind: DocKind::Issue,
            title: "t".repeat(i % 40),
            attributes: Attributes::new(),
            turns: vec![Turn {
                speaker: "a".into(),
                time: None,
                text: "x\ny é ".repeat(i % 30),
            }],
        };
        let mut docs: Vec<_> = (0..500).map(mk).collect();
        let text = render(&mut docs);
        let path = Path::new("f.jsonl");
        for block in [1, 7, 100, 4096, 1 << 20] {
            let back = read_from(path, text.as_bytes(), block, parse_line).unwrap();
            assert_eq!(back, docs, "{block}");
        }
        // Without a newline at the end, and with an error far in: its line number.
        let cut = text.trim_end();
        assert_eq!(
            read_from(path, cut.as_bytes(), 100, parse_line).unwrap(),
            docs
        );
        let bad = format!("{text}\n{{\"id\":1}}\n");
        for block in [50, 1 << 20] {
            let err = read_from(path, bad.as_bytes(), block, parse_line)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("f.jsonl:502:"), "{err}");
        }
        let mut latin1 = text.clone().into_bytes();
        latin1.extend(b"{\"id\":\"caf\xe9\"}\n");
        let err = read_from(path, &latin1[..], 64, parse_line)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.jsonl:501: invalid UTF-8 at byte 10"),
            "{err}"
        );
    }

    #[test]
    fn headers_leave_turns_out_but_for_the_documents_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f.jsonl");
        let mk = |i: usize| Document {
            id: format!("issues/o/r#{i}"),
            kind: DocKind::Issue,
            title: format!("title {i}"),
            attributes: Attributes::from([(
                "repo".into(),
                crate::corpus::AttrValue::One("o/r".into()),
            )]),
            turns: (0..i % 5)
                .map(|k| Turn {
                    speaker: format!("s{k}"),
                    time: None,
                    text: "text".into(),
                })
                .collect(),
        };
        let mut docs: Vec<_> = (0..50).map(mk).collect();
        write(&path, &mut docs).unwrap();
        assert_eq!(read_first(&path).unwrap().as_ref(), docs.first());
        let headers = read_headers(&path, |id| id == "issues/o/r#7").unwrap();
        assert_eq!(headers.len(), docs.len());
        for (h, d) in headers.iter().zip(&docs) {
            assert_eq!(
                (&h.id, h.kind, &h.title, &h.attributes),
                (&d.id, d.kind, &d.title, &d.attributes)
            );
            if d.id == "issues/o/r#7" {
                assert_eq!(h, d);
            } else {
                assert!(h.turns.is_empty());
            }
        }
        // Fields in another order (a hand-edited file) are found all the same; a line
        // that is not a document is an error.
        std::fs::write(
            &path,
            "{\"title\":\"t\",\"kind\":\"issue\",\"x\":[1,{\"y\":2}],\"id\":\"a\",\"turns\":[]}\n\n[1]\n",
        )
        .unwrap();
        let err = read_headers(&path, |_| false).unwrap_err().to_string();
        assert!(err.contains(":3:"), "{err}");
        std::fs::write(
            &path,
            "{\"title\":\"t\",\"kind\":\"issue\",\"id\":\"a\",\"turns\":[]}\n",
        )
        .unwrap();
        let read = read_headers(&path, |_| false).unwrap();
        assert_eq!((read[0].id.as_str(), read[0].title.as_str()), ("a", "t"));
    }

    #[test]
    fn bad_line_reports_its_number() {
        let err = parse(Path::new("f.jsonl"), "\n{\"id\":1}\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.jsonl:2:"), "{err}");
        let err = parse(Path::new("f.jsonl"), "<<<<<<< HEAD\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.jsonl:1: git conflict"), "{err}");
    }
}
