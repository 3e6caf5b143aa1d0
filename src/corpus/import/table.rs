//! CSV/JSONL tables of posts with a column mapping (`--map thread=issue_num,author=login,…`),
//! plus the helpers the issue and survey importers share: collecting input files,
//! reading CSV records with located errors, and merging documents into the project.
//!
//! A table holds one row per post. Rows are grouped into one issue document per
//! distinct thread id (per repo) in a file, in file order; the first row of a thread is
//! its opening post. Without a `thread` column every row is its own document, numbered
//! `row-N` by its data row (the nlbse classification CSV is such a table).
//!
//! The repo of a row comes from `--repo`, else the mapped `repo` column, else the file
//! name: `owner_repo__anything.csv` names `owner/repo` — the part before the first `__`,
//! split at its first `_`. GitHub owner names cannot contain `_` (repo names can), so
//! `h5bp_Front-end-Developer-Interview-Questions__x.csv` is
//! `h5bp/Front-end-Developer-Interview-Questions` and `a_b_c__x.csv` is `a/b_c`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::corpus::import::ImportReport;
use crate::corpus::import::github::{IssueDraft, valid_repo};
use crate::corpus::{Document, Turn, docfile};
use crate::project::Project;
use crate::{Error, Result};

/// Which column holds what, for tables of posts. Only `body` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// The thread (issue number) a post belongs to; absent: each row is a thread.
    pub thread: Option<String>,
    pub author: Option<String>,
    pub body: Option<String>,
    pub time: Option<String>,
    pub title: Option<String>,
    /// The close date (non-empty means closed).
    pub closed: Option<String>,
    /// `open`/`closed`; overrides what `closed` implies.
    pub state: Option<String>,
    /// Labels, separated by `,` or `;`.
    pub labels: Option<String>,
    /// `owner/name` per row.
    pub repo: Option<String>,
    /// The issue's web address.
    pub url: Option<String>,
}

/// The keys `--map` accepts.
pub const MAP_KEYS: [&str; 10] = [
    "thread", "author", "body", "time", "title", "closed", "state", "labels", "repo", "url",
];

impl ColumnMap {
    /// The format of the threads CSVs (`issue_num,datetime,body,login[,close_date]`).
    pub fn threads() -> ColumnMap {
        ColumnMap {
            thread: Some("issue_num".into()),
            author: Some("login".into()),
            body: Some("body".into()),
            time: Some("datetime".into()),
            closed: Some("close_date".into()),
            ..ColumnMap::default()
        }
    }

    /// Parses `key=column,key=column`.
    pub fn parse(s: &str) -> Result<ColumnMap> {
        let mut map = ColumnMap::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, column)) = part.split_once('=') else {
                return Err(Error::Input(format!(
                    "--map: {part:?} is not key=column; write e.g. --map thread=issue_num,author=login,body=body"
                )));
            };
            let (key, column) = (key.trim(), column.trim());
            if column.is_empty() {
                return Err(Error::Input(format!("--map: no column given for {key:?}")));
            }
            let slot = match key.to_ascii_lowercase().as_str() {
                "thread" | "issue" | "number" => &mut map.thread,
                "author" | "user" | "login" => &mut map.author,
                "body" | "text" => &mut map.body,
                "time" | "date" | "created" => &mut map.time,
                "title" => &mut map.title,
                "closed" => &mut map.closed,
                "state" => &mut map.state,
                "labels" | "label" => &mut map.labels,
                "repo" => &mut map.repo,
                "url" => &mut map.url,
                _ => {
                    return Err(Error::Input(format!(
                        "--map: unknown key {key:?}; the keys are {}",
                        MAP_KEYS.join(", ")
                    )));
                }
            };
            if slot.is_some() {
                return Err(Error::Input(format!("--map: {key:?} is given twice")));
            }
            *slot = Some(column.to_string());
        }
        if map.body.is_none() {
            return Err(Error::Input(
                "--map must name the post text column: add body=COLUMN".into(),
            ));
        }
        Ok(map)
    }

    fn entries(&self) -> Vec<(&'static str, &str)> {
        let all = [
            ("thread", &self.thread),
            ("author", &self.author),
            ("body", &self.body),
            ("time", &self.time),
            ("title", &self.title),
            ("closed", &self.closed),
            ("state", &self.state),
            ("labels", &self.labels),
            ("repo", &self.repo),
            ("url", &self.url),
        ];
        all.into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
            .collect()
    }
}

impl FromStr for ColumnMap {
    type Err = Error;
    fn from_str(s: &str) -> Result<ColumnMap> {
        ColumnMap::parse(s)
    }
}

impl fmt::Display for ColumnMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .entries()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// True when a CSV header is the threads format.
pub fn is_threads_header(columns: &[&str]) -> bool {
    ["issue_num", "datetime", "body", "login"]
        .iter()
        .all(|c| columns.iter().any(|h| h.trim() == *c))
}

/// The repo named by a file name `owner_repo__anything.ext` (see the module docs).
pub fn repo_from_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let (head, _) = stem.split_once("__")?;
    let (owner, name) = head.split_once('_')?;
    let repo = format!("{owner}/{name}");
    valid_repo(&repo).then_some(repo)
}

/// Input files under `paths`: files as given, folders searched recursively for files
/// with one of `exts` (hidden entries skipped), each file once, in order.
pub(crate) fn collect_files(paths: &[PathBuf], exts: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut found = Vec::new();
        if meta.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
                for entry in entries {
                    let entry = entry.map_err(|e| Error::io(&dir, e))?;
                    let p = entry.path();
                    if entry.file_name().to_string_lossy().starts_with('.') {
                        continue;
                    }
                    let ft = entry.file_type().map_err(|e| Error::io(&p, e))?;
                    if ft.is_dir() {
                        stack.push(p);
                    } else if p
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
                    {
                        found.push(p);
                    }
                }
            }
            if found.is_empty() {
                return Err(Error::Input(format!(
                    "{}: no .{} files in this folder",
                    path.display(),
                    exts.join(", .")
                )));
            }
            found.sort();
        } else {
            found.push(path.clone());
        }
        for p in found {
            let key = p.canonicalize().unwrap_or_else(|_| p.clone());
            if seen.insert(key) {
                out.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Input("no input files given".into()));
    }
    Ok(out)
}

/// A CSV error as a located gloss error.
pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "this row has {len} fields but the header has {expected_len}; check the quoting on this line and the rows above it"
        ),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8 in this row".to_string(),
        _ => format!("not valid CSV: {e}"),
    };
    match line {
        Some(line) => Error::at_line(path, line, message),
        None => Error::parse(path, message),
    }
}

/// A CSV reader over text, with a header row, refusing ragged rows.
pub(crate) fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes())
}

/// The header row of a CSV, as strings.
pub(crate) fn csv_headers(path: &Path, rdr: &mut csv::Reader<&[u8]>) -> Result<Vec<String>> {
    let headers = rdr.byte_headers().map_err(|e| csv_error(path, &e))?;
    Ok(headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect())
}

/// The index of `column` among `headers` (exact, then trimmed case-insensitive), or an
/// error listing the available columns.
pub(crate) fn find_column(
    path: &Path,
    headers: &[String],
    column: &str,
    what: &str,
) -> Result<usize> {
    headers
        .iter()
        .position(|h| h == column)
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(column.trim()))
        })
        .ok_or_else(|| {
            Error::parse(
                path,
                format!(
                    "no column {column:?} (given for {what}); the columns are: {}",
                    headers.join(", ")
                ),
            )
        })
}

/// One post row, as strings, by mapped key.
#[derive(Default)]
struct Row<'r> {
    thread: Option<&'r str>,
    author: Option<&'r str>,
    body: &'r str,
    time: Option<&'r str>,
    title: Option<&'r str>,
    closed: Option<&'r str>,
    state: Option<&'r str>,
    labels: Option<&'r str>,
    repo: Option<&'r str>,
    url: Option<&'r str>,
}

/// Groups rows into threads.
struct Threads<'a> {
    path: &'a Path,
    map: &'a ColumnMap,
    repo_override: Option<&'a str>,
    file_repo: Option<String>,
    drafts: Vec<IssueDraft>,
    index: HashMap<(String, String), usize>,
    rows: usize,
}

impl<'a> Threads<'a> {
    fn new(path: &'a Path, map: &'a ColumnMap, repo_override: Option<&'a str>) -> Self {
        Threads {
            path,
            map,
            repo_override,
            file_repo: repo_from_file_name(path),
            drafts: Vec::new(),
            index: HashMap::new(),
            rows: 0,
        }
    }

    fn add(&mut self, line: usize, row: Row<'_>) -> Result<()> {
        self.rows += 1;
        let repo = match (
            self.repo_override,
            row.repo.map(str::trim).filter(|r| !r.is_empty()),
        ) {
            (Some(r), _) => r.to_string(),
            (None, Some(r)) => {
                if !valid_repo(r) {
                    return Err(Error::at_line(
                        self.path,
                        line,
                        format!(
                            "{r:?} is not a repo name owner/name; fix the repo column or pass --repo OWNER/NAME"
                        ),
                    ));
                }
                r.to_string()
            }
            (None, None) => match &self.file_repo {
                Some(r) => r.clone(),
                None => {
                    return Err(Error::at_line(
                        self.path,
                        line,
                        "the file does not say which repo its posts belong to; pass --repo OWNER/NAME (or map a repo column)",
                    ));
                }
            },
        };
        let thread = match (self.map.thread.is_some(), row.thread.map(str::trim)) {
            (false, _) => format!("row-{}", self.rows),
            (true, Some(t)) if !t.is_empty() => thread_id(t),
            (true, _) => {
                return Err(Error::at_line(
                    self.path,
                    line,
                    "empty thread id; every post needs its thread (issue number)",
                ));
            }
        };
        if thread.is_empty() {
            return Err(Error::at_line(
                self.path,
                line,
                "the thread id holds no letter or digit",
            ));
        }
        let nonempty = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let turn = Turn {
            speaker: match (self.map.author.is_some(), nonempty(row.author)) {
                (false, _) => "unknown".into(),
                (true, Some(a)) => a,
                (true, None) => "ghost".into(),
            },
            time: nonempty(row.time),
            text: row.body.to_string(),
        };
        let key = (repo, thread);
        if let Some(&i) = self.index.get(&key) {
            let d = &mut self.drafts[i];
            d.turns.push(turn);
            if d.closed.is_none() {
                d.closed = nonempty(row.closed);
            }
            return Ok(());
        }
        let title = nonempty(row.title).unwrap_or_else(|| title_from_body(row.body));
        let labels = row
            .labels
            .map(|l| {
                l.split([',', ';'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let (repo, thread) = key.clone();
        self.index.insert(key, self.drafts.len());
        self.drafts.push(IssueDraft {
            repo,
            number: thread,
            title,
            state: nonempty(row.state).map(|s| s.to_lowercase()),
            labels,
            comment_count: None,
            created: turn.time.clone(),
            closed: nonempty(row.closed),
            url: nonempty(row.url),
            is_pr: false,
            turns: vec![turn],
            origin: format!("{}:{line}", self.path.display()),
        });
        Ok(())
    }

    fn finish(mut self) -> Vec<IssueDraft> {
        let has_state = self.map.state.is_some();
        let has_closed = self.map.closed.is_some();
        for d in &mut self.drafts {
            if d.state.is_none() && (has_closed || has_state) {
                d.state = Some(if d.closed.is_some() { "closed" } else { "open" }.into());
            }
        }
        self.drafts
    }
}

/// A thread id usable in a document id: digits as they are, anything else slugged.
fn thread_id(t: &str) -> String {
    let t = t.strip_prefix('#').unwrap_or(t);
    if t.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        t.to_string()
    } else {
        crate::corpus::slug(t)
    }
}

/// A title for a thread without one: the first non-empty line of its opening post,
/// at most 80 characters.
fn title_from_body(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    match line.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", line[..at].trim_end()),
        None => line.to_string(),
    }
}

/// Reads a table of posts (CSV, JSONL or a JSON array of flat objects) into issue drafts.
pub(crate) fn parse_posts(
    path: &Path,
    text: &str,
    map: &ColumnMap,
    repo_override: Option<&str>,
) -> Result<Vec<IssueDraft>> {
    let first = text.trim_start().chars().next();
    let mut threads = Threads::new(path, map, repo_override);
    match first {
        Some('{') => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
                    .map_err(|e| super::github::json_error(path, i + 1, Some(e.column()), &e))?;
                json_row(&mut threads, i + 1, &obj)?;
            }
        }
        Some('[') => {
            let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)
                .map_err(|e| super::github::json_error(path, e.line(), Some(e.column()), &e))?;
            for (i, obj) in rows.iter().enumerate() {
                json_row(&mut threads, i + 1, obj)?;
            }
        }
        _ => csv_posts(&mut threads, text)?,
    }
    Ok(threads.finish())
}

fn json_row(
    threads: &mut Threads<'_>,
    line: usize,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let map = threads.map;
    let get = |col: &Option<String>| -> Option<String> {
        let v = obj.get(col.as_deref()?)?;
        Some(match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        })
    };
    let body_col = map.body.as_deref().unwrap_or("body");
    if !obj.contains_key(body_col) {
        return Err(Error::at_line(
            threads.path,
            line,
            format!(
                "no field {body_col:?} (mapped to body); this record's fields are: {}",
                obj.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let (thread, author, body, time, title, closed, state, labels, repo, url) = (
        get(&map.thread),
        get(&map.author),
        get(&map.body).unwrap_or_default(),
        get(&map.time),
        get(&map.title),
        get(&map.closed),
        get(&map.state),
        get(&map.labels),
        get(&map.repo),
        get(&map.url),
    );
    threads.add(
        line,
        Row {
            thread: thread.as_deref(),
            author: author.as_deref(),
            body: &body,
            time: time.as_deref(),
            title: title.as_deref(),
            closed: closed.as_deref(),
            state: state.as_deref(),
            labels: labels.as_deref(),
            repo: repo.as_deref(),
            url: url.as_deref(),
        },
    )
}

fn csv_posts(threads: &mut Threads<'_>, text: &str) -> Result<()> {
    let path = threads.path;
    let mut rdr = csv_reader(text);
    let headers = csv_headers(path, &mut rdr)?;
    let mut cols: Vec<(&'static str, usize)> = Vec::new();
    for (key, column) in threads.map.entries() {
        cols.push((
            key,
            find_column(path, &headers, column, &format!("--map {key}"))?,
        ));
    }
    let col = |key: &str| cols.iter().find(|(k, _)| *k == key).map(|&(_, i)| i);
    let idx = [
        col("thread"),
        col("author"),
        col("body"),
        col("time"),
        col("title"),
        col("closed"),
        col("state"),
        col("labels"),
        col("repo"),
        col("url"),
    ];
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let mut f: [Option<&str>; 10] = [None; 10];
        for (slot, i) in f.iter_mut().zip(idx) {
            if let Some(i) = i {
                let bytes = rec.get(i).unwrap_or_default();
                *slot = Some(
                    std::str::from_utf8(bytes)
                        .map_err(|_| Error::at_line(path, line, "invalid UTF-8 in this row"))?,
                );
            }
        }
        threads.add(
            line,
            Row {
                thread: f[0],
                author: f[1],
                body: f[2].unwrap_or(""),
                time: f[3],
                title: f[4],
                closed: f[5],
                state: f[6],
                labels: f[7],
                repo: f[8],
                url: f[9],
            },
        )?;
    }
    if threads.rows == 0 {
        return Err(Error::parse(
            path,
            "the CSV has a header but no rows; nothing to import",
        ));
    }
    Ok(())
}

/// Merges documents into the project's document files (path relative to the root →
/// documents): a document with a known id replaces the old one when it differs, other
/// documents in the file are kept. Every file is read and checked before any is
/// written; files with nothing new are not rewritten.
pub(crate) fn store_documents(
    project: &Project,
    files: BTreeMap<PathBuf, Vec<Document>>,
    report: &mut ImportReport,
) -> Result<()> {
    let mut plans = Vec::new();
    for docs in files.values() {
        for doc in docs {
            super::refuse_renamed(project, &doc.id)?;
        }
    }
    for (rel, docs) in files {
        let path = project.root.join(&rel);
        let mut merged = if path.exists() {
            docfile::read(&path)?
        } else {
            Vec::new()
        };
        let mut index: HashMap<String, usize> = merged
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        let mut changed = false;
        for doc in docs {
            match index.get(&doc.id) {
                Some(&i) if merged[i] == doc => report.unchanged.push(doc.id),
                Some(&i) => {
                    report.updated.push(doc.id.clone());
                    merged[i] = doc;
                    changed = true;
                }
                None => {
                    report.added.push(doc.id.clone());
                    index.insert(doc.id.clone(), merged.len());
                    merged.push(doc);
                    changed = true;
                }
            }
        }
        if changed {
            plans.push((path, merged));
        }
    }
    let written = crate::parallel::map(plans, |(path, mut docs)| {
        docfile::write(&path, &mut docs).map(|()| path)
    });
    for path in written {
        report.written.push(path?);
    }
    for list in [
        &mut report.added,
        &mut report.updated,
        &mut report.unchanged,
    ] {
        list.sort_by(|a, b| docfile::natural_cmp(a, b));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_column_maps() {
        let m = ColumnMap::parse("thread=issue_num, author=login,body=body,time=datetime").unwrap();
        assert_eq!(m.thread.as_deref(), Some("issue_num"));
        assert_eq!(
            m.to_string(),
            "thread=issue_num,author=login,body=body,time=datetime"
        );
        assert!(
            ColumnMap::parse("thread=a")
                .unwrap_err()
                .to_string()
                .contains("body=COLUMN")
        );
        assert!(
            ColumnMap::parse("body=a,colour=b")
                .unwrap_err()
                .to_string()
                .contains("unknown key")
        );
        assert!(ColumnMap::parse("body=a,body=b").is_err());
        assert!(ColumnMap::parse("body").is_err());
    }

    #[test]
    fn repo_from_file_names() {
        let r = |s: &str| repo_from_file_name(Path::new(s));
        assert_eq!(
            r("Thibaut_devdocs__issue_comments.csv").as_deref(),
            Some("Thibaut/devdocs")
        );
        assert_eq!(
            r("h5bp_Front-end-Developer-Interview-Questions__x.csv").as_deref(),
            Some("h5bp/Front-end-Developer-Interview-Questions")
        );
        assert_eq!(
            r("alvarotrigo_fullPage.js__x.csv").as_deref(),
            Some("alvarotrigo/fullPage.js")
        );
        assert_eq!(r("a_b_c__x.csv").as_deref(), Some("a/b_c"));
        assert_eq!(r("posts.csv"), None);
        assert_eq!(r("my_posts.csv"), None);
    }

    #[test]
    fn groups_posts_by_thread_in_file_order() {
        let csv = "issue_num,datetime,body,login,close_date\n\
                   2,t1,\"opening\n two\",ann,\n1,t2,other,bob,d\n2,t3,reply,cy,\n";
        let drafts =
            parse_posts(Path::new("o_r__x.csv"), csv, &ColumnMap::threads(), None).unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].repo, "o/r");
        assert_eq!(drafts[0].number, "2");
        assert_eq!(drafts[0].title, "opening");
        assert_eq!(drafts[0].turns.len(), 2);
        assert_eq!(drafts[0].turns[1].speaker, "cy");
        assert_eq!(drafts[0].state.as_deref(), Some("open"));
        assert_eq!(drafts[1].state.as_deref(), Some("closed"));
        assert_eq!(drafts[0].origin, "o_r__x.csv:2");
    }

    #[test]
    fn rows_without_thread_are_their_own_documents() {
        let csv = "repo,title,body\nfacebook/react,A,x\nfacebook/react,B,y\n";
        let map = ColumnMap::parse("repo=repo,title=title,body=body").unwrap();
        let drafts = parse_posts(Path::new("t.csv"), csv, &map, None).unwrap();
        let ids: Vec<_> = drafts.iter().map(|d| d.number.as_str()).collect();
        assert_eq!(ids, ["row-1", "row-2"]);
        assert_eq!(drafts[0].turns[0].speaker, "unknown");
    }

    #[test]
    fn located_table_errors() {
        let err = parse_posts(
            Path::new("t.csv"),
            "a,body\n1,x\n2\n",
            &ColumnMap::parse("thread=a,body=body").unwrap(),
            Some("o/r"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("t.csv:3:"), "{err}");
        let err = parse_posts(
            Path::new("t.csv"),
            "a,b\n1,x\n",
            &ColumnMap::parse("body=body").unwrap(),
            Some("o/r"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("the columns are: a, b"), "{err}");
        let err = parse_posts(
            Path::new("t.csv"),
            "body\nx\n",
            &ColumnMap::parse("body=body").unwrap(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--repo"), "{err}");
        let err = parse_posts(
            Path::new("t.jsonl"),
            "{\"body\":\"x\"}\n{\"body\":\n",
            &ColumnMap::parse("body=body").unwrap(),
            Some("o/r"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("t.jsonl:2:"), "{err}");
    }
}
