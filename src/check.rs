//! `gloss check`: the whole project validated after coders merge their branches — git
//! conflict markers in any project file, duplicate ids (documents, codes, entries of a
//! coding file, coding ids across coders), and codings, records and memos that point
//! to codes or documents that no longer exist — each at file:line. It reads files as
//! text, line by line, so one broken file never hides the problems of another; it
//! changes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::codebook::Codebook;
use crate::coding::store::{CoderFile, Op, coders_in, coding_path, journal_path, read_header};
use crate::coding::{Entry, MemoTarget};
use crate::corpus::load::{source_files, transcript_id};
use crate::project::config::{Config, default_sources};
use crate::project::{CONFIG_FILE, DocumentsMeta, META_FILE, Project};
use crate::{Error, Result};

/// One problem, at a file's line (0: the whole file) and column (0: unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// Relative to the project folder.
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

struct Checker<'r> {
    root: &'r Path,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.root).unwrap_or(path).to_path_buf()
    }

    fn at(&mut self, path: &Path, line: usize, message: impl Into<String>) {
        let path = self.rel(path);
        self.problems.push(Problem {
            path,
            line,
            column: 0,
            message: message.into(),
        });
    }

    /// A library error as a problem (its file, line and column when it has them).
    fn error(&mut self, fallback: &Path, e: &Error) {
        match e {
            Error::Parse {
                path,
                location,
                message,
            } => {
                let mut parts = location
                    .as_deref()
                    .unwrap_or("")
                    .split(':')
                    .map(|p| p.parse::<usize>().unwrap_or(0));
                let (line, column) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
                let path = self.rel(path);
                self.problems.push(Problem {
                    path,
                    line,
                    column,
                    message: message.clone(),
                });
            }
            Error::Conflict { path, line } => self.at(&path.clone(), *line, "git conflict marker"),
            other => self.at(fallback, 0, other.to_string()),
        }
    }

    /// Reports the git conflict markers of a file's text; true when there are any.
    fn conflicts(&mut self, path: &Path, text: &str) -> bool {
        let mut found = false;
        let mut open = false;
        for (i, line) in text.lines().enumerate() {
            let marker = |m: &str| {
                line.strip_prefix(m)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\r']))
            };
            let what = if marker("<<<<<<<") {
                open = true;
                Some("<<<<<<<")
            } else if marker(">>>>>>>") {
                open = false;
                Some(">>>>>>>")
            } else if marker("|||||||") {
                Some("|||||||")
            } else if open && line.trim_end() == "=======" {
                Some("=======")
            } else {
                None
            };
            if let Some(m) = what {
                found = true;
                self.at(
                    path,
                    i + 1,
                    format!("git conflict marker {m}: resolve the merge conflict in this file"),
                );
            }
        }
        found
    }

    /// Reads a file as text; a missing file is `None`, an unreadable one a problem.
    fn read(&mut self, path: &Path) -> Option<String> {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => Some(t),
                Err(e) => {
                    let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    self.at(path, line, "invalid UTF-8");
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.at(path, 0, format!("cannot be read: {e}"));
                None
            }
        }
    }
}

/// An entry of a coder's folded state and where it was last written.
struct Located {
    entry: Entry,
    path: PathBuf,
    line: usize,
}

/// Checks the project in `root` (see the module documentation). Problems come sorted
/// by file and line; none means the project is sound.
pub fn check(root: &Path) -> Result<Vec<Problem>> {
    let mut c = Checker {
        root,
        problems: Vec::new(),
    };
    // The project's own files: conflicts first, then whether they parse.
    let config_path = root.join(CONFIG_FILE);
    let config = match c.read(&config_path) {
        Some(text) if !c.conflicts(&config_path, &text) => match Config::load(&config_path) {
            Ok(config) => Some(config),
            Err(e) => {
                c.error(&config_path, &e);
                None
            }
        },
        Some(_) => None,
        None => {
            return Err(Error::Project(format!(
                "{} is not a gloss project (no gloss.yaml)",
                root.display()
            )));
        }
    };
    let meta_path = root.join(META_FILE);
    let meta = match c.read(&meta_path) {
        Some(text) if c.conflicts(&meta_path, &text) => DocumentsMeta::default(),
        _ => DocumentsMeta::load(&meta_path).unwrap_or_else(|e| {
            c.error(&meta_path, &e);
            DocumentsMeta::default()
        }),
    };
    for name in [crate::agree::sample::ROUNDS_FILE, "findings.yaml"] {
        let path = root.join(name);
        if let Some(text) = c.read(&path) {
            c.conflicts(&path, &text);
        }
    }
    let project = Project {
        root: root.to_path_buf(),
        config: config.unwrap_or_else(|| Config {
            sources: default_sources(),
            ..Config::default()
        }),
        meta,
    };

    // The codebook: its own checker, after the conflict scan.
    let codebooks = project.codebooks_dir();
    let mut codebook_conflict = false;
    if let Ok(entries) = std::fs::read_dir(&codebooks) {
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files {
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                && let Some(text) = c.read(&path)
            {
                codebook_conflict |= c.conflicts(&path, &text);
            }
        }
    }
    let codebook: Option<Codebook> = if codebook_conflict {
        None
    } else {
        let (book, problems) = Codebook::check(&codebooks);
        for p in problems {
            let path = c.rel(&p.file);
            c.problems.push(Problem {
                path,
                line: p.line,
                column: p.column,
                message: p.message,
            });
        }
        book
    };

    // Documents: ids from every source file, line by line.
    let mut doc_ids: HashMap<String, (PathBuf, usize)> = HashMap::new();
    let files = match source_files(&project) {
        Ok(f) => f,
        Err(e) => {
            c.error(&config_path, &e);
            Vec::new()
        }
    };
    for path in files {
        let Some(text) = c.read(&path) else { continue };
        c.conflicts(&path, &text);
        if path.extension().is_some_and(|e| e == "jsonl") {
            #[derive(serde::Deserialize)]
            struct IdOnly {
                id: String,
            }
            for (i, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || is_marker(line) {
                    continue;
                }
                match serde_json::from_str::<IdOnly>(line) {
                    Ok(d) => c.document(&mut doc_ids, d.id, &path, i + 1),
                    Err(e) => c.problems.push(Problem {
                        path: c.rel(&path),
                        line: i + 1,
                        column: e.column(),
                        message: format!("not a gloss document: {e}"),
                    }),
                }
            }
        } else {
            let id = transcript_id(root, &path);
            c.document(&mut doc_ids, id, &path, 0);
        }
    }

    // Coding files: each line parsed; duplicate keys in a sorted file; the folded state.
    let coding_dir = project.coding_dir();
    let mut states: Vec<(String, BTreeMap<String, Located>)> = Vec::new();
    for coder in coders_in(&coding_dir)? {
        let mut state: BTreeMap<String, Located> = BTreeMap::new();
        let path = coding_path(&coding_dir, &coder);
        if let Some(text) = c.read(&path) {
            c.conflicts(&path, &text);
            let mut lines = text.lines().enumerate();
            if let Some((_, header)) = lines.next()
                && !is_marker(header)
                && let Err(e) = read_header(&path, header, &coder, &mut CoderFile::new(&coder))
            {
                c.error(&path, &e);
            }
            for (i, line) in lines {
                if line.trim().is_empty() || is_marker(line) {
                    continue;
                }
                match Entry::from_json(line) {
                    Ok(entry) => {
                        let key = entry.key();
                        if let Some(prev) = state.get(&key) {
                            let first = prev.line;
                            c.at(
                                &path,
                                i + 1,
                                format!(
                                    "duplicate entry {key:?} (also line {first}): keep one of the two"
                                ),
                            );
                        }
                        state.insert(
                            key,
                            Located {
                                entry,
                                path: path.clone(),
                                line: i + 1,
                            },
                        );
                    }
                    Err(e) => c.problems.push(Problem {
                        path: c.rel(&path),
                        line: i + 1,
                        column: e.column(),
                        message: format!("not a coding entry: {e}"),
                    }),
                }
            }
        }
        let jpath = journal_path(&coding_dir, &coder);
        if let Some(text) = c.read(&jpath) {
            c.conflicts(&jpath, &text);
            // A last line without a newline is a torn, unacknowledged write: ignored.
            let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
            for (i, line) in complete.lines().enumerate() {
                if line.trim().is_empty() || is_marker(line) {
                    continue;
                }
                match Op::from_json(line) {
                    Ok(Op::Put(entry)) => {
                        state.insert(
                            entry.key(),
                            Located {
                                entry,
                                path: jpath.clone(),
                                line: i + 1,
                            },
                        );
                    }
                    Ok(Op::Delete(key)) => {
                        state.remove(&key);
                    }
                    Err(e) => c.problems.push(Problem {
                        path: c.rel(&jpath),
                        line: i + 1,
                        column: e.column(),
                        message: format!("not a journal entry: {e}"),
                    }),
                }
            }
        }
        states.push((coder, state));
    }

    // Coding ids are unique across coders.
    let mut coding_ids: HashMap<&str, (&Path, usize)> = HashMap::new();
    let mut dup = Vec::new();
    for (_, state) in &states {
        for l in state.values() {
            if let Entry::Coding(s) = &l.entry {
                if let Some(&(p, n)) = coding_ids.get(s.id.as_str()) {
                    dup.push((l.path.clone(), l.line, s.id.clone(), p.to_path_buf(), n));
                } else {
                    coding_ids.insert(&s.id, (&l.path, l.line));
                }
            }
        }
    }
    for (path, line, id, other, n) in dup {
        let other = c.rel(&other);
        c.at(
            &path,
            line,
            format!("coding id {id} is also used at {}:{n}", other.display()),
        );
    }

    // What the entries point to.
    let exists = |id: &str| doc_ids.contains_key(project.meta.current_id(id));
    for (_, state) in &states {
        for l in state.values() {
            let say = |m: String| (l.path.clone(), l.line, m);
            let mut found: Vec<(PathBuf, usize, String)> = Vec::new();
            let code_missing =
                |id: &str| codebook.as_ref().is_some_and(|b| b.find_id(id).is_none());
            match &l.entry {
                Entry::Coding(s) => {
                    if !exists(&s.doc) {
                        found.push(say(format!(
                            "coding {} points to document {}, which is not in the project",
                            s.id, s.doc
                        )));
                    }
                    if code_missing(&s.code) {
                        found.push(say(format!(
                            "coding {} points to code {:?}, which is not in the codebook",
                            s.id, s.code
                        )));
                    }
                }
                Entry::Record(r) => {
                    let what = format!("record {} of {}", r.number, r.doc);
                    if !exists(&r.doc) {
                        found.push(say(format!("{what}: the document is not in the project")));
                    }
                    for (dim, values) in &r.values {
                        if code_missing(dim) {
                            found.push(say(format!(
                                "{what}: dimension {dim:?} is not in the codebook"
                            )));
                        }
                        for v in values.iter().filter(|v| code_missing(v)) {
                            found.push(say(format!(
                                "{what}: value {v:?} of {dim} is not in the codebook"
                            )));
                        }
                    }
                }
                Entry::Memo(m) => match &m.about {
                    MemoTarget::Code(id) if code_missing(id) => found.push(say(format!(
                        "memo on code {id:?}, which is not in the codebook"
                    ))),
                    MemoTarget::Document(d) if !exists(d) => found.push(say(format!(
                        "memo on document {d}, which is not in the project"
                    ))),
                    _ => {}
                },
                Entry::Status(_) => {}
            }
            for (path, line, message) in found {
                c.at(&path, line, message);
            }
        }
    }

    // Rounds that name documents no longer there.
    let rounds_path = root.join(crate::agree::sample::ROUNDS_FILE);
    if let Some(text) = std::fs::read_to_string(&rounds_path)
        .ok()
        .filter(|t| !has_marker(t))
    {
        match crate::agree::sample::Rounds::parse(&rounds_path, &text) {
            Ok(rounds) => {
                let mut reported = HashSet::new();
                for r in &rounds.rounds {
                    for d in r.documents.iter().filter(|d| !exists(d)) {
                        if !reported.insert(d.clone()) {
                            continue;
                        }
                        let line = text
                            .lines()
                            .position(|l| l.contains(d.as_str()))
                            .map_or(0, |i| i + 1);
                        c.at(
                            &rounds_path,
                            line,
                            format!(
                                "round {} lists document {d}, which is not in the project",
                                r.name
                            ),
                        );
                    }
                }
            }
            Err(e) => c.error(&rounds_path, &e),
        }
    }

    let mut problems = c.problems;
    problems.sort();
    problems.dedup();
    Ok(problems)
}

impl Checker<'_> {
    /// Notes a document id; a second file or line with the same id is a problem.
    fn document(
        &mut self,
        ids: &mut HashMap<String, (PathBuf, usize)>,
        id: String,
        path: &Path,
        line: usize,
    ) {
        if let Some((other, n)) = ids.get(&id) {
            let other = self.rel(other);
            let at = if *n > 0 {
                format!("{}:{n}", other.display())
            } else {
                other.display().to_string()
            };
            self.at(
                path,
                line,
                format!("duplicate document id {id} (also {at}); rename or remove one"),
            );
        } else {
            ids.insert(id, (path.to_path_buf(), line));
        }
    }
}

fn is_marker(line: &str) -> bool {
    ["<<<<<<<", ">>>>>>>", "=======", "|||||||"]
        .iter()
        .any(|m| line.starts_with(m))
}

fn has_marker(text: &str) -> bool {
    text.lines().any(is_marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_markers_are_found_only_as_git_writes_them() {
        let mut c = Checker {
            root: Path::new("/p"),
            problems: Vec::new(),
        };
        let text = "a\n=======\nb\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> theirs\n<<<<<<<<< not\n";
        assert!(c.conflicts(Path::new("/p/t.txt"), text));
        let lines: Vec<usize> = c.problems.iter().map(|p| p.line).collect();
        // The first ======= (a Markdown heading rule) is outside a conflict.
        assert_eq!(lines, [4, 6, 8]);
        assert_eq!(
            c.problems[0].to_string(),
            "t.txt:4: git conflict marker <<<<<<<: resolve the merge conflict in this file"
        );
    }
}
