//! What the search index remembers beside tantivy's own files — per-document
//! fingerprints and stamps of the project — in a compact binary file written after every
//! commit. Binary because it is rewritten on every coding change and read by every
//! `gloss search`: for 27,000 documents it is written and read in a few milliseconds,
//! where JSON took fifteen. A checksum guards it; any damage means a rebuild.

use std::path::Path;

use crate::{Error, Result};

/// The file's name inside the index folder.
pub const FILE: &str = "gloss-index.bin";
const MAGIC: &[u8; 12] = b"gloss-index\n";

/// What the index knows of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocPrint {
    pub id: String,
    /// Fingerprint of the document's text and attributes, valid while the bookkeeping's
    /// `sources_stamp` matches the project: then a sync after a coding change hashes no
    /// text.
    pub text: u64,
    /// Fingerprint of text and codings as last indexed; [`NOT_INDEXED`] when the
    /// document is not in the index (yet).
    pub indexed: u64,
}

/// [`DocPrint::indexed`] of a document the index does not hold.
pub const NOT_INDEXED: u64 = 0;

/// The bookkeeping of one index.
#[derive(Debug, Default)]
pub struct Bookkeeping {
    pub schema_version: u32,
    /// One entry per document of the corpus at the last sync, in the corpus's order (so
    /// the next sync walks both lists side by side, without hashing ids).
    pub docs: Vec<DocPrint>,
    /// `project_stamp` of the project when the index was last brought in step.
    pub stamp: u64,
    /// Sizes and modification times of the index's own files after the last commit:
    /// when they still match, opening skips reading every stored turn.
    pub files_stamp: u64,
    /// `sources_stamp` of the project when the `text` fingerprints were taken.
    pub sources_stamp: u64,
}

impl Bookkeeping {
    pub fn new(schema_version: u32) -> Bookkeeping {
        Bookkeeping {
            schema_version,
            ..Bookkeeping::default()
        }
    }

    /// Reads the file; `Err` with a reason when it is missing or damaged.
    pub fn read(dir: &Path) -> std::result::Result<Bookkeeping, String> {
        let bytes = std::fs::read(dir.join(FILE))
            .map_err(|_| "its bookkeeping file is missing".to_string())?;
        decode(&bytes).ok_or_else(|| "its bookkeeping file is damaged".to_string())
    }

    /// Writes the file by write-then-rename, without fsync: the index is derived data,
    /// and a file lost or cut short by a crash only means a rebuild.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(FILE);
        let tmp = dir.join(format!(".{FILE}.tmp{}", std::process::id()));
        std::fs::write(&tmp, self.encode())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::io(&path, e))
    }

    fn encode(&self) -> Vec<u8> {
        let ids: usize = self.docs.iter().map(|d| d.id.len() + 20).sum();
        let mut out = Vec::with_capacity(MAGIC.len() + 40 + ids);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.schema_version.to_le_bytes());
        for stamp in [self.stamp, self.files_stamp, self.sources_stamp] {
            out.extend_from_slice(&stamp.to_le_bytes());
        }
        out.extend_from_slice(&(self.docs.len() as u32).to_le_bytes());
        for doc in &self.docs {
            out.extend_from_slice(&(doc.id.len() as u32).to_le_bytes());
            out.extend_from_slice(doc.id.as_bytes());
            out.extend_from_slice(&doc.text.to_le_bytes());
            out.extend_from_slice(&doc.indexed.to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }
}

/// Decodes the file; `None` when anything is off (wrong magic, short, bad checksum).
fn decode(bytes: &[u8]) -> Option<Bookkeeping> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader(body.strip_prefix(MAGIC)?);
    let schema_version = r.u32()?;
    let (stamp, files_stamp, sources_stamp) = (r.u64()?, r.u64()?, r.u64()?);
    let n = r.u32()? as usize;
    let mut docs = Vec::with_capacity(n.min(body.len() / 20));
    for _ in 0..n {
        let len = r.u32()? as usize;
        let id = std::str::from_utf8(r.take(len)?).ok()?.to_string();
        docs.push(DocPrint {
            id,
            text: r.u64()?,
            indexed: r.u64()?,
        });
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(Bookkeeping {
        schema_version,
        docs,
        stamp,
        files_stamp,
        sources_stamp,
    })
}

/// The unread rest of the file.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// FNV-1a over 8-byte words: stable across builds, and fast enough for a few megabytes.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        h = (h ^ word).wrapping_mul(0x0100_0000_01b3);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bookkeeping {
        let mut b = Bookkeeping::new(3);
        b.stamp = 7;
        b.files_stamp = 8;
        b.sources_stamp = 9;
        for (id, text, indexed) in [("issues/a/b#1", 11, 12), ("transcripts/é", u64::MAX, 0)] {
            b.docs.push(DocPrint {
                id: id.into(),
                text,
                indexed,
            });
        }
        b
    }

    #[test]
    fn round_trips() {
        let b = sample();
        let back = decode(&b.encode()).unwrap();
        assert_eq!(back.schema_version, 3);
        assert_eq!(
            (back.stamp, back.files_stamp, back.sources_stamp),
            (7, 8, 9)
        );
        assert_eq!(back.docs, b.docs);
    }

    #[test]
    fn any_cut_or_flipped_byte_is_refused() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_none(), "cut at {len}");
        }
        for at in 0..bytes.len() {
            let mut garbled = bytes.clone();
            garbled[at] ^= 0x20;
            assert!(decode(&garbled).is_none(), "flipped at {at}");
        }
    }
}
