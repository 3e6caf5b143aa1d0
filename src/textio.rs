//! Reading untrusted text files: refuses empty and binary files, reports invalid
//! UTF-8 with its byte offset (or replaces it with `--lossy`), and writes files
//! atomically and durably.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// How to treat invalid UTF-8 when reading a text file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Utf8Policy {
    /// Refuse the file, naming the byte offset of the first invalid sequence.
    #[default]
    Strict,
    /// Replace invalid sequences with U+FFFD and report a warning.
    Lossy,
}

/// A text file's content, with any warning produced while decoding it.
#[derive(Debug)]
pub struct TextFile {
    pub text: String,
    pub warnings: Vec<String>,
}

/// Reads a whole file as UTF-8 text, refusing empty and binary files.
pub fn read_text(path: &Path, policy: Utf8Policy) -> Result<TextFile> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_text(path, bytes, policy)
}

/// Decodes bytes read from `path` (used for error messages) as UTF-8 text.
pub fn decode_text(path: &Path, bytes: Vec<u8>, policy: Utf8Policy) -> Result<TextFile> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::parse(path, "the file is empty; nothing to import"));
    }
    let probe = &bytes[..bytes.len().min(8192)];
    if let Some(offset) = probe.iter().position(|&b| b == 0) {
        return Err(Error::Parse {
            path: path.into(),
            location: Some(format!("byte {offset}")),
            message: "binary file (NUL byte); gloss imports text files only".into(),
        });
    }
    let mut warnings = Vec::new();
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            match policy {
                Utf8Policy::Strict => {
                    return Err(Error::Parse {
                        path: path.into(),
                        location: Some(format!("byte {offset}")),
                        message: "invalid UTF-8; convert the file to UTF-8 or pass --lossy to replace bad bytes".into(),
                    });
                }
                Utf8Policy::Lossy => {
                    warnings.push(format!(
                        "{}: invalid UTF-8 from byte {offset} replaced with U+FFFD",
                        path.display()
                    ));
                    String::from_utf8_lossy(err.as_bytes()).into_owned()
                }
            }
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(TextFile { text, warnings })
}

/// Makes text from a document safe to print on one terminal line: control characters
/// (escape sequences included) become U+FFFD, tabs and newlines become spaces.
pub fn sanitize_line(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder is
/// written and fsynced, renamed over the target, and the folder is fsynced, so the
/// file is either the old or the new content after a crash, never a mix.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::io(path, e))
}

/// Fsyncs a directory so that a rename or a new file in it is durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_empty_binary_and_invalid_utf8() {
        let p = Path::new("x.txt");
        assert!(decode_text(p, b"  \n".to_vec(), Utf8Policy::Strict).is_err());
        let err = decode_text(p, b"ab\0cd".to_vec(), Utf8Policy::Strict).unwrap_err();
        assert!(err.to_string().contains("byte 2"), "{err}");
        let err = decode_text(p, b"abc\xffdef".to_vec(), Utf8Policy::Strict).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.txt:byte 3: invalid UTF-8; convert the file to UTF-8 or pass --lossy to replace bad bytes"
        );
        let ok = decode_text(p, b"abc\xffdef".to_vec(), Utf8Policy::Lossy).unwrap();
        assert_eq!(ok.text, "abc\u{fffd}def");
        assert_eq!(ok.warnings.len(), 1);
    }

    #[test]
    fn sanitize_removes_escape_sequences() {
        assert_eq!(sanitize_line("a\u{1b}[31mred\tb"), "a\u{fffd}[31mred b");
    }

    #[test]
    fn strips_byte_order_mark() {
        let ok = decode_text(
            Path::new("x"),
            "\u{feff}hi".as_bytes().to_vec(),
            Utf8Policy::Strict,
        )
        .unwrap();
        assert_eq!(ok.text, "hi");
    }
}
