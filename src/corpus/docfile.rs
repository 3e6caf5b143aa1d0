//! gloss document files (`*.jsonl` under `issues/` and `surveys/`): one document per
//! line as JSON, sorted by id, so that files are deterministic and git diffs small.

use std::path::Path;

use crate::corpus::Document;
use crate::textio::write_atomic;
use crate::{Error, Result};

/// Reads a document file; every line must be one JSON document.
pub fn read(path: &Path) -> Result<Vec<Document>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(path, &text)
}

/// Parses a document file's text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with("<<<<<<<") || line.starts_with(">>>>>>>") || line.starts_with("=======")
        {
            return Err(Error::Conflict {
                path: path.into(),
                line: i + 1,
            });
        }
        let doc: Document = serde_json::from_str(line).map_err(|e| Error::Parse {
            path: path.into(),
            location: Some(format!("{}:{}", i + 1, e.column())),
            message: format!("not a gloss document: {e}"),
        })?;
        docs.push(doc);
    }
    Ok(docs)
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
