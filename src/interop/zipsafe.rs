//! Zip archives: reading an untrusted `.qdpx` into memory under limits, and writing
//! one deterministically.
//!
//! Nothing is ever extracted to disk: entries are read into memory by name, so an
//! entry name cannot place a file anywhere. Names that would leave the archive's folder
//! (`..`, absolute paths, drive letters — "zip slip"), symbolic links, encrypted or
//! duplicate entries are refused all the same, so a crafted file is reported rather
//! than half-read. Every entry is decompressed through a counter: reading stops, with
//! an error, as soon as an entry grows past its limit, the archive past the total limit,
//! or an entry past the ratio limit (a "zip bomb"), whatever the sizes its headers
//! claim.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

/// Size limits for reading an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most entries an archive may hold.
    pub max_entries: usize,
    /// The largest an entry may be once decompressed, in bytes.
    pub max_entry_bytes: u64,
    /// The largest all entries together may be once decompressed, in bytes.
    pub max_total_bytes: u64,
    /// The largest ratio of decompressed to compressed size, checked for entries past
    /// [`RATIO_FROM`] bytes.
    pub max_ratio: u64,
}

/// Entries smaller than this are not held to the ratio limit (tiny files compress
/// extremely well and cannot hurt).
pub const RATIO_FROM: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 200_000,
            max_entry_bytes: 512 << 20,
            max_total_bytes: 1 << 30,
            max_ratio: 250,
        }
    }
}

/// The entries of an archive, by normalised name (`sources/a.txt`).
#[derive(Debug, Default)]
pub struct Archive {
    pub entries: BTreeMap<String, Vec<u8>>,
}

impl Archive {
    /// The entry with this name, compared as written and then ignoring ASCII case
    /// (tools differ on `Sources/` and `sources/`).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        if let Some(data) = self.entries.get(name) {
            return Some(data);
        }
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// Reads every file entry of a zip archive into memory, refusing what is unsafe. The
/// error is one sentence without the archive's name (the caller adds it).
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Archive, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable zip archive ({e})"))?;
    if zip.len() > limits.max_entries {
        return Err(format!(
            "holds {} entries, more than the {} gloss reads; refusing it as a possible zip bomb",
            zip.len(),
            limits.max_entries
        ));
    }
    let mut archive = Archive::default();
    let mut total: u64 = 0;
    // One inflater for every entry: making one costs more than inflating a small file.
    let mut inflater = flate2::Decompress::new(false);
    let mut compressed_buf = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip
            .by_index_raw(i)
            .map_err(|e| format!("entry {} cannot be read ({e})", i + 1))?;
        let raw = file
            .name()
            .map_err(|e| format!("entry {} has an unreadable name ({e})", i + 1))?
            .into_owned();
        let name = safe_name(&raw)?;
        if file.is_symlink() {
            return Err(format!(
                "entry {raw:?} is a symbolic link; gloss refuses links in an archive"
            ));
        }
        if file.is_dir() {
            continue;
        }
        if file.encrypted() {
            return Err(format!(
                "entry {raw:?} is encrypted; export the project again without a password"
            ));
        }
        let compressed = file.compressed_size();
        let left = limits.max_total_bytes.saturating_sub(total);
        let limit = limits.max_entry_bytes.min(left);
        if file.size() > limit {
            return Err(too_big(&raw, file.size(), limits, total));
        }
        let method = file.compression();
        let crc = file.crc32();
        compressed_buf.clear();
        (&mut file)
            .take(limit.saturating_add(1).max(compressed))
            .read_to_end(&mut compressed_buf)
            .map_err(|e| format!("entry {raw:?} cannot be read ({e})"))?;
        drop(file);
        let data = match method {
            zip::CompressionMethod::Stored => {
                if compressed_buf.len() as u64 > limit {
                    return Err(too_big(&raw, compressed_buf.len() as u64, limits, total));
                }
                std::mem::take(&mut compressed_buf)
            }
            zip::CompressionMethod::Deflated => inflate(
                &mut inflater,
                &compressed_buf,
                &raw,
                limit,
                compressed,
                limits,
                total,
            )?,
            other => {
                return Err(format!(
                    "entry {raw:?} is compressed with {other}; gloss reads stored or deflated entries"
                ));
            }
        };
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&data);
        if hasher.finalize() != crc {
            return Err(format!(
                "entry {raw:?} is damaged (its checksum does not match)"
            ));
        }
        total += data.len() as u64;
        if archive.entries.insert(name.clone(), data).is_some() {
            return Err(format!(
                "holds two entries named {name:?}; refusing an ambiguous archive"
            ));
        }
    }
    Ok(archive)
}

/// Inflates one entry, stopping with an error as soon as it passes a limit.
fn inflate(
    inflater: &mut flate2::Decompress,
    input: &[u8],
    name: &str,
    limit: u64,
    compressed: u64,
    limits: &Limits,
    total: u64,
) -> Result<Vec<u8>, String> {
    inflater.reset(false);
    let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(4).min(64 << 20));
    let mut consumed = 0usize;
    loop {
        if out.capacity() - out.len() < 64 * 1024 {
            out.reserve(out.len().max(64 * 1024));
        }
        let before_in = inflater.total_in();
        let before_out = inflater.total_out();
        let status = inflater
            .decompress_vec(
                &input[consumed..],
                &mut out,
                flate2::FlushDecompress::Finish,
            )
            .map_err(|e| format!("entry {name:?} cannot be decompressed ({e})"))?;
        consumed += usize::try_from(inflater.total_in() - before_in).unwrap_or(0);
        let size = out.len() as u64;
        if size > limit {
            return Err(too_big(name, size, limits, total));
        }
        if size > RATIO_FROM && size / compressed.max(1) > limits.max_ratio {
            return Err(format!(
                "entry {name:?} decompresses to more than {} times its compressed size; refusing it as a zip bomb",
                limits.max_ratio
            ));
        }
        match status {
            flate2::Status::StreamEnd => return Ok(out),
            _ if inflater.total_in() == before_in && inflater.total_out() == before_out => {
                return Err(format!("entry {name:?} is cut short or damaged"));
            }
            _ => {}
        }
    }
}

fn too_big(name: &str, size: u64, limits: &Limits, total: u64) -> String {
    if size > limits.max_entry_bytes {
        format!(
            "entry {name:?} decompresses to more than {} MiB; refusing it as a possible zip bomb",
            limits.max_entry_bytes >> 20
        )
    } else {
        format!(
            "its entries decompress to more than {} MiB together (at {name:?}, after {} MiB); refusing it as a possible zip bomb",
            limits.max_total_bytes >> 20,
            total >> 20
        )
    }
}

/// An entry's name as a relative path with `/` separators, or why it is refused.
pub fn safe_name(raw: &str) -> Result<String, String> {
    if raw.contains('\0') {
        return Err(format!("entry {raw:?} has a NUL byte in its name"));
    }
    let name = raw.replace('\\', "/");
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.starts_with('/') || drive {
        return Err(format!(
            "entry {raw:?} has an absolute path; refusing an archive that could write outside its folder (zip slip)"
        ));
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "entry {raw:?} climbs out of the archive with `..`; refusing an archive that could write outside its folder (zip slip)"
                ));
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(format!("entry {raw:?} has an empty name"));
    }
    Ok(parts.join("/"))
}

/// Writes a zip archive of `entries` (name, content), in the order given, deflated,
/// with fixed times and permissions, so the same entries always give the same bytes.
pub fn write(entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // The fastest level: text still shrinks about fourfold, in a third of the time.
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .large_file(false);
    for (name, data) in entries {
        let opts = if data.len() as u64 >= u64::from(u32::MAX) {
            options.large_file(true)
        } else {
            options
        };
        zip.start_file(name.as_str(), opts)
            .map_err(std::io::Error::other)?;
        zip.write_all(data)?;
    }
    let cursor = zip.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip with the given raw entries written by the zip crate as they are.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let owned: Vec<(String, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| ((*n).to_string(), d.to_vec()))
            .collect();
        write(&owned).unwrap()
    }

    #[test]
    fn reads_entries_and_normalises_names() {
        let bytes = zip_of(&[("project.qde", b"<x/>"), ("./sources\\a.txt", b"hi")]);
        let archive = read(&bytes, &Limits::default()).unwrap();
        assert_eq!(archive.get("project.qde"), Some(&b"<x/>"[..]));
        assert_eq!(archive.get("sources/a.txt"), Some(&b"hi"[..]));
        assert_eq!(archive.get("Sources/A.TXT"), Some(&b"hi"[..]));
    }

    #[test]
    fn writing_is_deterministic() {
        let entries = vec![("a.txt".to_string(), b"same".to_vec())];
        assert_eq!(write(&entries).unwrap(), write(&entries).unwrap());
    }

    #[test]
    fn refuses_zip_slip_names() {
        for bad in [
            "../evil.txt",
            "sources/../../evil.txt",
            "/etc/passwd",
            "C:\\evil.txt",
            "..\\evil.txt",
        ] {
            let err = safe_name(bad).unwrap_err();
            assert!(err.contains("zip slip"), "{bad}: {err}");
            let bytes = zip_of(&[("project.qde", b"<x/>"), (bad, b"x")]);
            let err = read(&bytes, &Limits::default()).unwrap_err();
            assert!(err.contains("zip slip"), "{bad}: {err}");
        }
        assert_eq!(safe_name("a/./b//c").unwrap(), "a/b/c");
    }

    #[test]
    fn refuses_symlinks() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.add_symlink(
            "sources/link.txt",
            "/etc/passwd",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let err = read(&bytes, &Limits::default()).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
    }

    #[test]
    fn refuses_bombs_by_size_ratio_and_total() {
        let zeros = vec![0u8; 4 << 20];
        let bytes = zip_of(&[("project.qde", &zeros)]);
        // Ratio: 4 MiB of zeros deflate to a few KiB (the fastest level gives about
        // 240:1; a real bomb, at the best level, about 1000:1).
        let tight = Limits {
            max_ratio: 100,
            ..Limits::default()
        };
        let err = read(&bytes, &tight).unwrap_err();
        assert!(err.contains("zip bomb"), "{err}");
        // Entry size, and total size, with the ratio check out of the way.
        let small = Limits {
            max_entry_bytes: 1 << 20,
            max_ratio: u64::MAX,
            ..Limits::default()
        };
        let err = read(&bytes, &small).unwrap_err();
        assert!(err.contains("more than 1 MiB"), "{err}");
        let total = Limits {
            max_total_bytes: 6 << 20,
            max_ratio: u64::MAX,
            ..Limits::default()
        };
        let two = zip_of(&[("a", &zeros), ("b", &zeros)]);
        let err = read(&two, &total).unwrap_err();
        assert!(err.contains("together"), "{err}");
        let few = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let err = read(&two, &few).unwrap_err();
        assert!(err.contains("2 entries"), "{err}");
    }

    #[test]
    fn refuses_what_is_not_a_zip_and_duplicates() {
        assert!(
            read(b"not a zip", &Limits::default())
                .unwrap_err()
                .contains("not a readable zip")
        );
        let bytes = zip_of(&[("a.txt", b"1"), ("./a.txt", b"2")]);
        let err = read(&bytes, &Limits::default()).unwrap_err();
        assert!(err.contains("two entries"), "{err}");
    }
}
