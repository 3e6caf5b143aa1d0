//! GitHub issue threads: REST API JSON (issue lists and comment lists), `gh issue view
//! --json` output, and mapped tables of posts, imported as issue documents stored in
//! `issues/<owner>/<repo>.jsonl`.
//!
//! Formats are told apart by content. Without `--map`: a file starting with `[` is a
//! JSON array, one whose first line is a whole JSON object is JSONL, any other `{` file
//! is one (possibly pretty-printed) object or a stream of them, and anything else is a
//! CSV that must be in the threads format (`issue_num,datetime,body,login`). Each JSON
//! record is an issue (it has `number`; REST or `gh` shape), or a REST comment (it has
//! `issue_url` and no `number`), matched to its issue by the repo and number in
//! `issue_url`. With `--map` every file is a table of posts (see [`super::table`]).
//!
//! The repo of a JSON issue comes from its `repository_url`, `html_url` or `url`, else
//! from `--repo`; without either the import stops and asks for `--repo`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::corpus::import::ImportReport;
use crate::corpus::import::table::{self, ColumnMap};
use crate::corpus::{AttrValue, Attributes, DocKind, Document, Turn};
use crate::project::Project;
use crate::textio::{Utf8Policy, decode_text};
use crate::{Error, Result};

/// Options of `gloss import issues`.
#[derive(Debug, Clone, Default)]
pub struct IssueImportOptions {
    /// `owner/name`, for files that do not say (always used for tables of posts).
    pub repo: Option<String>,
    /// Column mapping: read every input as a table of posts.
    pub map: Option<ColumnMap>,
    /// Import pull requests too (skipped by default).
    pub include_prs: bool,
    /// Keep only issues in this state (`open`, `closed`; `all` keeps all).
    pub state: Option<String>,
    /// Keep only issues with at least this many comments.
    pub min_comments: Option<usize>,
    /// Keep only issues with one of these labels (case-insensitive).
    pub labels: Vec<String>,
    /// Attributes added to every imported document.
    pub attrs: Vec<(String, String)>,
    pub utf8: Utf8Policy,
}

/// An issue read from any input format, before filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssueDraft {
    /// `owner/name`.
    pub repo: String,
    /// The issue number (or thread id of a table).
    pub number: String,
    pub title: String,
    /// Lower case `open`/`closed`, if known.
    pub state: Option<String>,
    pub labels: Vec<String>,
    /// The source's comment count, if it gives one.
    pub comment_count: Option<u64>,
    pub created: Option<String>,
    pub closed: Option<String>,
    pub url: Option<String>,
    pub is_pr: bool,
    /// The opening post, then comments.
    pub turns: Vec<Turn>,
    /// Where the issue was read (`file:line` or `file:record N`), for messages.
    pub origin: String,
}

impl IssueDraft {
    fn id(&self) -> String {
        format!("issues/{}#{}", self.repo, self.number)
    }

    fn comments(&self) -> u64 {
        self.comment_count
            .unwrap_or(self.turns.len().saturating_sub(1) as u64)
    }
}

/// A REST comment, waiting for its issue.
#[derive(Debug)]
struct CommentDraft {
    repo: String,
    number: String,
    turn: Turn,
    origin: String,
}

/// One record of a JSON input.
#[derive(Debug)]
enum Item {
    Issue(IssueDraft),
    Comment(CommentDraft),
}

/// True for `owner/name` with GitHub's characters (owner: letters, digits, `-`; name:
/// also `.` and `_`; neither `.` nor `..`).
pub(crate) fn valid_repo(repo: &str) -> bool {
    let Some((owner, name)) = repo.split_once('/') else {
        return false;
    };
    !owner.is_empty()
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A serde_json error as a located gloss error, without serde's own position suffix.
pub(crate) fn json_error(
    path: &Path,
    line: usize,
    column: Option<usize>,
    e: &serde_json::Error,
) -> Error {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    Error::Parse {
        path: path.into(),
        location: Some(match column {
            Some(c) if c > 0 => format!("{line}:{c}"),
            _ => line.to_string(),
        }),
        message: format!("not valid JSON here: {message}"),
    }
}

/// The repo in a GitHub address: `…/repos/OWNER/NAME…` (API) or `https://host/OWNER/NAME/…`.
fn repo_from_url(url: &str) -> Option<String> {
    let rest = match url.find("/repos/") {
        Some(at) => &url[at + "/repos/".len()..],
        None => {
            let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
            after_scheme.split_once('/')?.1
        }
    };
    let mut parts = rest.split('/');
    let repo = format!("{}/{}", parts.next()?, parts.next()?);
    valid_repo(&repo).then_some(repo)
}

/// The repo and issue number in a REST `issue_url` (`…/repos/o/r/issues/12`).
fn issue_of_url(url: &str) -> Option<(String, String)> {
    let repo = repo_from_url(url)?;
    let number = url.trim_end_matches('/').rsplit('/').next()?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (repo, number.to_string()))
}

// ---------------------------------------------------------------------------------------
// Borrowing serde shapes: only the fields gloss uses; strings borrow from the input
// unless they hold escapes.

#[derive(Deserialize)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

impl Str<'_> {
    fn owned(self) -> String {
        self.0.into_owned()
    }
}

fn text(s: Option<Str<'_>>) -> Option<String> {
    s.map(Str::owned)
}

#[derive(Deserialize)]
struct Login<'a> {
    #[serde(default, borrow)]
    login: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Label<'a> {
    #[serde(default, borrow)]
    name: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct GhComment<'a> {
    #[serde(default, borrow)]
    author: Option<Login<'a>>,
    #[serde(default, borrow)]
    body: Option<Str<'a>>,
    #[serde(default, borrow, rename = "createdAt", alias = "created_at")]
    created_at: Option<Str<'a>>,
}

/// `comments`: a count (REST) or the comments themselves (`gh`).
enum Comments<'a> {
    Count(u64),
    List(Vec<GhComment<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Comments<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Comments<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a comment count or a list of comments")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(Comments::Count(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(Comments::Count(v.max(0) as u64))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(c) = seq.next_element()? {
                    out.push(c);
                }
                Ok(Comments::List(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(default)]
    number: Option<u64>,
    #[serde(default, borrow)]
    title: Option<Str<'a>>,
    #[serde(default, borrow)]
    body: Option<Str<'a>>,
    #[serde(default, borrow)]
    user: Option<Login<'a>>,
    #[serde(default, borrow)]
    author: Option<Login<'a>>,
    #[serde(default, borrow)]
    labels: Option<Vec<Label<'a>>>,
    #[serde(default, borrow)]
    state: Option<Str<'a>>,
    #[serde(default, borrow)]
    comments: Option<Comments<'a>>,
    #[serde(default, borrow, alias = "createdAt")]
    created_at: Option<Str<'a>>,
    #[serde(default, borrow, alias = "closedAt")]
    closed_at: Option<Str<'a>>,
    #[serde(default, borrow)]
    html_url: Option<Str<'a>>,
    #[serde(default, borrow)]
    url: Option<Str<'a>>,
    #[serde(default, borrow)]
    repository_url: Option<Str<'a>>,
    #[serde(default, borrow)]
    issue_url: Option<Str<'a>>,
    #[serde(default)]
    pull_request: Option<IgnoredAny>,
}

fn login(l: Option<Login<'_>>) -> String {
    l.and_then(|l| l.login)
        .map(Str::owned)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "ghost".into())
}

/// Turns one JSON record into an issue or a comment.
fn item(rec: Record<'_>, path: &Path, origin: String, repo_opt: Option<&str>) -> Result<Item> {
    let url_repo = |r: &Record<'_>| {
        [&r.repository_url, &r.html_url, &r.url]
            .into_iter()
            .flatten()
            .find_map(|u| repo_from_url(&u.0))
    };
    let Some(number) = rec.number else {
        if let Some(issue_url) = &rec.issue_url {
            let Some((repo, number)) = issue_of_url(&issue_url.0) else {
                return Err(Error::Parse {
                    path: path.into(),
                    location: Some(origin),
                    message: format!(
                        "issue_url {:?} is not a GitHub issue address (…/repos/OWNER/NAME/issues/N)",
                        issue_url.0
                    ),
                });
            };
            let turn = Turn {
                speaker: login(rec.user.or(rec.author)),
                time: text(rec.created_at),
                text: text(rec.body).unwrap_or_default(),
            };
            return Ok(Item::Comment(CommentDraft {
                repo,
                number,
                turn,
                origin,
            }));
        }
        return Err(Error::Parse {
            path: path.into(),
            location: Some(origin),
            message:
                "neither a GitHub issue (no \"number\") nor an issue comment (no \"issue_url\"); \
                      for other tables of posts pass --map"
                    .into(),
        });
    };
    let repo = match url_repo(&rec).or_else(|| repo_opt.map(str::to_string)) {
        Some(r) => r,
        None => {
            return Err(Error::Parse {
                path: path.into(),
                location: Some(origin),
                message: "the record does not say which repo it belongs to; pass --repo OWNER/NAME"
                    .into(),
            });
        }
    };
    let html = rec
        .html_url
        .as_ref()
        .or(rec.url.as_ref().filter(|u| !u.0.contains("/repos/")))
        .map(|u| u.0.to_string());
    let is_pr = rec.pull_request.is_some() || html.as_deref().is_some_and(|u| u.contains("/pull/"));
    let mut turns = vec![Turn {
        speaker: login(rec.user.or(rec.author)),
        time: rec.created_at.as_ref().map(|s| s.0.to_string()),
        text: text(rec.body).unwrap_or_default(),
    }];
    let comment_count = match rec.comments {
        Some(Comments::Count(n)) => Some(n),
        Some(Comments::List(list)) => {
            let n = list.len() as u64;
            turns.extend(list.into_iter().map(|c| Turn {
                speaker: login(c.author),
                time: text(c.created_at),
                text: text(c.body).unwrap_or_default(),
            }));
            Some(n)
        }
        None => None,
    };
    Ok(Item::Issue(IssueDraft {
        repo,
        number: number.to_string(),
        title: text(rec.title).unwrap_or_default(),
        state: rec.state.map(|s| s.0.to_lowercase()),
        labels: rec
            .labels
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| l.name.map(Str::owned))
            .collect(),
        comment_count,
        created: rec.created_at.map(Str::owned),
        closed: text(rec.closed_at),
        url: html,
        is_pr,
        turns,
        origin: format!("{}:{origin}", path.display()),
    }))
}

/// Parses JSONL lines (1-based line numbers) into items.
fn parse_lines(path: &Path, lines: &[(usize, &str)], repo: Option<&str>) -> Result<Vec<Item>> {
    let mut out = Vec::with_capacity(lines.len());
    for &(n, line) in lines {
        let rec: Record<'_> =
            serde_json::from_str(line).map_err(|e| json_error(path, n, Some(e.column()), &e))?;
        out.push(item(rec, path, n.to_string(), repo)?);
    }
    Ok(out)
}

/// Files larger than this are parsed on two threads.
const PARALLEL_BYTES: usize = 1 << 20;

/// Parses a JSON input (array, JSONL, or one object or a stream of objects).
fn parse_json(path: &Path, text: &str, repo: Option<&str>) -> Result<Vec<Item>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let recs: Vec<Record<'_>> = serde_json::from_str(text)
            .map_err(|e| json_error(path, e.line(), Some(e.column()), &e))?;
        return recs
            .into_iter()
            .enumerate()
            .map(|(i, r)| item(r, path, format!("record {}", i + 1), repo))
            .collect();
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    let is_jsonl = serde_json::from_str::<IgnoredAny>(first_line).is_ok();
    if !is_jsonl {
        let mut out = Vec::new();
        let stream = serde_json::Deserializer::from_str(text).into_iter::<Record<'_>>();
        for (i, r) in stream.enumerate() {
            let r = r.map_err(|e| json_error(path, e.line(), Some(e.column()), &e))?;
            out.push(item(r, path, format!("record {}", i + 1), repo)?);
        }
        return Ok(out);
    }
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    if text.len() < PARALLEL_BYTES || lines.len() < 2 {
        return parse_lines(path, &lines, repo);
    }
    // Split at the line where half the bytes are behind.
    let half = text.len() / 2;
    let mut acc = 0;
    let split = lines
        .iter()
        .position(|(_, l)| {
            acc += l.len() + 1;
            acc >= half
        })
        .map_or(lines.len() / 2, |i| i + 1)
        .min(lines.len());
    let (a, b) = lines.split_at(split);
    let (ra, rb) = std::thread::scope(|s| {
        let hb = s.spawn(|| parse_lines(path, b, repo));
        let ra = parse_lines(path, a, repo);
        let rb = hb.join().unwrap_or_else(|_| {
            Err(Error::parse(
                path,
                "internal error: the parser thread stopped",
            ))
        });
        (ra, rb)
    });
    let mut items = ra?;
    items.extend(rb?);
    Ok(items)
}

/// Parses one input file into items.
fn parse_file(
    path: &Path,
    opts: &IssueImportOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<Item>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let file = decode_text(path, bytes, opts.utf8)?;
    warnings.extend(file.warnings);
    let text = file.text.as_str();
    let repo = opts.repo.as_deref();
    if let Some(map) = &opts.map {
        let drafts = table::parse_posts(path, text, map, repo)?;
        return Ok(drafts.into_iter().map(Item::Issue).collect());
    }
    if text.trim_start().starts_with(['[', '{']) {
        return parse_json(path, text, repo);
    }
    // A CSV: only the threads format is known without --map.
    let mut rdr = table::csv_reader(text);
    let headers = table::csv_headers(path, &mut rdr)?;
    let cols: Vec<&str> = headers.iter().map(String::as_str).collect();
    if !table::is_threads_header(&cols) {
        return Err(Error::parse(
            path,
            format!(
                "not GitHub JSON, and a CSV with unknown columns ({}); pass --map thread=COL,author=COL,body=COL,time=COL to say which column holds what",
                headers.join(", ")
            ),
        ));
    }
    let mut map = ColumnMap::threads();
    if !cols.contains(&"close_date") {
        map.closed = None;
    }
    let drafts = table::parse_posts(path, text, &map, repo)?;
    Ok(drafts.into_iter().map(Item::Issue).collect())
}

fn check_options(opts: &IssueImportOptions) -> Result<()> {
    if let Some(repo) = &opts.repo
        && !valid_repo(repo)
    {
        return Err(Error::Input(format!(
            "--repo {repo:?}: give the repo as OWNER/NAME, e.g. --repo huggingface/datasets"
        )));
    }
    if let Some(state) = &opts.state
        && !["open", "closed", "all"].contains(&state.to_ascii_lowercase().as_str())
    {
        return Err(Error::Input(format!(
            "--state {state:?}: use open, closed or all"
        )));
    }
    for (k, _) in &opts.attrs {
        if k.trim().is_empty() {
            return Err(Error::Input(
                "--attr: the attribute name is empty; write --attr name=value".into(),
            ));
        }
    }
    Ok(())
}

/// True when the draft passes the filters.
fn keep(d: &IssueDraft, opts: &IssueImportOptions) -> bool {
    if d.is_pr && !opts.include_prs {
        return false;
    }
    if let Some(state) = &opts.state
        && !state.eq_ignore_ascii_case("all")
        && !d
            .state
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(state))
    {
        return false;
    }
    if let Some(min) = opts.min_comments
        && d.comments() < min as u64
    {
        return false;
    }
    if !opts.labels.is_empty()
        && !d
            .labels
            .iter()
            .any(|l| opts.labels.iter().any(|w| w.eq_ignore_ascii_case(l)))
    {
        return false;
    }
    true
}

/// The document of an issue.
fn document(d: IssueDraft, extra: &[(String, String)]) -> Document {
    let id = d.id();
    let mut attributes = Attributes::new();
    let mut one = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            attributes.insert(k.to_string(), AttrValue::One(v));
        }
    };
    one("repo", Some(d.repo.clone()));
    one("number", Some(d.number.clone()));
    one("title", Some(d.title.clone()));
    one("state", d.state.clone());
    one("comments", Some(d.comments().to_string()));
    one("created", d.created.clone());
    one("closed", d.closed.clone());
    one("url", d.url.clone());
    if !d.labels.is_empty() {
        attributes.insert("labels".into(), AttrValue::Many(d.labels));
    }
    for (k, v) in extra {
        attributes.insert(k.trim().to_string(), AttrValue::One(v.clone()));
    }
    Document {
        id,
        kind: DocKind::Issue,
        title: d.title,
        attributes,
        turns: d.turns,
    }
}

/// Imports GitHub issue threads from files or folders (`.json`, `.jsonl`, `.csv` in
/// folders) into `issues/<owner>/<repo>.jsonl`. Everything is parsed and checked first;
/// nothing is written unless every input is good.
pub fn import_issues(
    project: &Project,
    paths: &[PathBuf],
    opts: &IssueImportOptions,
) -> Result<ImportReport> {
    check_options(opts)?;
    let mut report = ImportReport::default();
    let files = table::collect_files(paths, &["json", "jsonl", "csv"])?;
    let mut issues = Vec::new();
    let mut comments = Vec::new();
    // Files are parsed in parallel; the first error in file order is reported.
    let parsed = crate::parallel::map(files.iter().collect(), |path| {
        let mut warnings = Vec::new();
        parse_file(path, opts, &mut warnings).map(|items| (items, warnings))
    });
    for result in parsed {
        let (items, warnings) = result?;
        report.warnings.extend(warnings);
        for item in items {
            match item {
                Item::Issue(d) => issues.push(d),
                Item::Comment(c) => comments.push(c),
            }
        }
    }

    // Duplicates: one issue from two places is an error naming both.
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(issues.len());
    for (i, d) in issues.iter().enumerate() {
        if let Some(prev) = seen.insert(d.id(), i) {
            return Err(Error::Input(format!(
                "{} is in the input twice: {} and {}; import one of them",
                d.id(),
                issues[prev].origin,
                d.origin
            )));
        }
    }

    // REST comments go to their issues, oldest first.
    let had_comments = !comments.is_empty();
    let mut by_issue: HashMap<(String, String), Vec<CommentDraft>> = HashMap::new();
    for c in comments {
        by_issue
            .entry((c.repo.clone(), c.number.clone()))
            .or_default()
            .push(c);
    }
    for d in &mut issues {
        if let Some(mut cs) = by_issue.remove(&(d.repo.clone(), d.number.clone())) {
            cs.sort_by(|a, b| a.turn.time.cmp(&b.turn.time));
            d.turns.extend(cs.into_iter().map(|c| c.turn));
        }
    }
    if let Some(((repo, number), cs)) = by_issue.iter().min_by_key(|(k, _)| (*k).clone()) {
        let n: usize = by_issue.values().map(Vec::len).sum();
        report.warnings.push(format!(
            "{n} comment(s) belong to issues not in the input (first: {repo}#{number} from {}); they were not imported — pass the issue list too",
            cs.first().map_or(String::new(), |c| c.origin.clone())
        ));
    }
    if !had_comments
        && issues
            .iter()
            .any(|d| d.turns.len() == 1 && d.comment_count.is_some_and(|n| n > 0))
    {
        report.warnings.push(
            "the input holds issues with comments but no comment bodies; to import comments pass the comment lists too (GET /repos/OWNER/NAME/issues/N/comments, or gh issue view --json …,comments)"
                .into(),
        );
    }

    let mut out: BTreeMap<PathBuf, Vec<Document>> = BTreeMap::new();
    for d in issues {
        if !keep(&d, opts) {
            report.skipped += 1;
            continue;
        }
        let file = PathBuf::from("issues").join(format!("{}.jsonl", d.repo));
        out.entry(file).or_default().push(document(d, &opts.attrs));
    }
    table::store_documents(project, out, &mut report)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<Item> {
        parse_json(Path::new("f.json"), text, None).unwrap()
    }

    #[test]
    fn repos_from_urls() {
        assert_eq!(
            repo_from_url("https://api.github.com/repos/o/r").as_deref(),
            Some("o/r")
        );
        assert_eq!(
            repo_from_url("https://github.com/o/r.js/pull/3").as_deref(),
            Some("o/r.js")
        );
        assert_eq!(
            repo_from_url("https://ghe.example/api/v3/repos/a-b/c/issues/1").as_deref(),
            Some("a-b/c")
        );
        assert_eq!(repo_from_url("https://github.com/o"), None);
        assert_eq!(
            issue_of_url("https://api.github.com/repos/o/r/issues/12"),
            Some(("o/r".into(), "12".into()))
        );
        assert!(!valid_repo("o/.."));
        assert!(!valid_repo("o/r/x"));
    }

    #[test]
    fn rest_issue_with_escapes_and_pr() {
        let jsonl = concat!(
            r#"{"number":1,"title":"A \"q\"","body":null,"user":{"login":"ann"},"labels":[{"name":"bug"}],"state":"open","comments":2,"created_at":"t","closed_at":null,"html_url":"https:\/\/github.com\/o\/r\/issues\/1","repository_url":"https://api.github.com/repos/o/r"}"#,
            "\n",
            r#"{"number":2,"title":"p","body":"x","user":null,"pull_request":{"url":"u"},"html_url":"https://github.com/o/r/pull/2"}"#,
            "\n"
        );
        let v = items(jsonl);
        let Item::Issue(a) = &v[0] else { panic!() };
        assert_eq!(a.title, "A \"q\"");
        assert_eq!(a.turns[0].text, "");
        assert_eq!(a.labels, ["bug"]);
        assert_eq!(a.comments(), 2);
        assert_eq!(a.url.as_deref(), Some("https://github.com/o/r/issues/1"));
        assert_eq!(a.origin, "f.json:1");
        let Item::Issue(b) = &v[1] else { panic!() };
        assert!(b.is_pr);
        assert_eq!(b.turns[0].speaker, "ghost");
    }

    #[test]
    fn gh_view_object_pretty() {
        let gh = r#"{
  "number": 7, "title": "T", "body": "b", "author": {"login": "ann"},
  "comments": [{"author": {"login": "bob"}, "body": "c1", "createdAt": "t2"}],
  "labels": [], "state": "CLOSED", "createdAt": "t1", "closedAt": "t3",
  "url": "https://github.com/o/r/issues/7"
}"#;
        let v = items(gh);
        let Item::Issue(d) = &v[0] else { panic!() };
        assert_eq!(d.repo, "o/r");
        assert_eq!(d.state.as_deref(), Some("closed"));
        assert_eq!(d.turns.len(), 2);
        assert_eq!(d.turns[1].speaker, "bob");
        assert_eq!(d.comments(), 1);
    }

    #[test]
    fn json_errors_are_located() {
        let err = parse_json(
            Path::new("f.jsonl"),
            "{\"number\":1}\n{\"number\":\n",
            Some("o/r"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("f.jsonl:2:"), "{err}");
        let err = parse_json(
            Path::new("f.json"),
            "[\n{\"number\":1},\n{\"number\":x}\n]",
            Some("o/r"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("f.json:3:"), "{err}");
        let err = parse_json(Path::new("f.json"), "[{\"number\":1}]", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--repo"), "{err}");
        let err = parse_json(Path::new("f.json"), "[{\"x\":1}]", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("f.json:record 1:"), "{err}");
    }

    #[test]
    fn parallel_parse_keeps_order_and_lines() {
        let mut text = String::new();
        let pad = "x".repeat(2000);
        for n in 1..=1200 {
            text.push_str(&format!(
                "{{\"number\":{n},\"title\":\"t\",\"body\":\"{pad}\",\"repository_url\":\"https://api.github.com/repos/o/r\"}}\n"
            ));
        }
        assert!(text.len() > PARALLEL_BYTES);
        let v = items(&text);
        assert_eq!(v.len(), 1200);
        for (i, it) in v.iter().enumerate() {
            let Item::Issue(d) = it else { panic!() };
            assert_eq!(d.number, (i + 1).to_string());
        }
        text.push_str("{bad\n");
        let err = parse_json(Path::new("f.jsonl"), &text, None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.jsonl:1201:"), "{err}");
    }

    #[test]
    fn filters() {
        let mut d = IssueDraft {
            repo: "o/r".into(),
            number: "1".into(),
            title: String::new(),
            state: Some("open".into()),
            labels: vec!["Bug".into()],
            comment_count: None,
            created: None,
            closed: None,
            url: None,
            is_pr: false,
            turns: vec![Turn {
                speaker: "a".into(),
                time: None,
                text: String::new(),
            }],
            origin: String::new(),
        };
        let mut o = IssueImportOptions::default();
        assert!(keep(&d, &o));
        o.state = Some("closed".into());
        assert!(!keep(&d, &o));
        o.state = Some("all".into());
        o.labels = vec!["bug".into()];
        assert!(keep(&d, &o));
        o.min_comments = Some(1);
        assert!(!keep(&d, &o));
        d.turns.push(d.turns[0].clone());
        assert!(keep(&d, &o));
        d.is_pr = true;
        assert!(!keep(&d, &o));
    }
}
