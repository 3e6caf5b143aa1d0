//! Editing codebook files from gloss — add, rename, move, merge, retire — by changing
//! only the lines an edit concerns, so that comments, key order, blank lines and quoting
//! stay byte for byte as the researcher wrote them.
//!
//! `yaml_serde` drops comments, so edits work on the text: a small line-oriented
//! locator finds each code's block (its `- id:` list item, its indentation and its
//! extent, with the comment lines directly above it) in block-style YAML as gloss and
//! people write it. Codes written in flow style (`- {id: a}`), anchors, aliases and
//! tags are refused with the line to rewrite. Every edit is checked like `gloss
//! codebook check` checks the file before its result is returned: an edit that would
//! leave the codebook invalid is an error and changes nothing.
//!
//! The text functions ([`add`], [`rename`], [`move_code`], [`merge`], [`retire`],
//! [`unretire`]) work on one file's text; [`plan`] works out an edit for a project's
//! `codebooks/` folder (which file it goes to, checked with the other files). Writing
//! the result is the caller's job.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::check::{codebook_files, parse_color, read_file, slug, valid_id};
use super::scan::{Continuation, close_quote, flow_depth, scalar_text, split_key, value_start};
use super::{Code, Codebook, Problem, normalize_label};
use crate::{Error, Result};

/// Stands for the file's path in messages made before the path is known; replaced by
/// [`EditError::in_file`].
const PLACEHOLDER: &str = "<codebook>";

/// Why an edit of a codebook text was refused: the 1-based line it concerns (0 when
/// none) and what the user must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    pub line: usize,
    pub message: String,
}

impl EditError {
    fn new(line: usize, message: impl Into<String>) -> EditError {
        EditError {
            line,
            message: message.into(),
        }
    }

    /// The error as it concerns the file at `path`.
    pub fn in_file(self, path: &Path) -> Error {
        let message = self
            .message
            .replace(PLACEHOLDER, &path.display().to_string());
        if self.line > 0 {
            Error::at_line(path, self.line, message)
        } else {
            Error::Input(message)
        }
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "{}", self.message)
        }
    }
}

impl std::error::Error for EditError {}

type EditResult<T> = std::result::Result<T, EditError>;

/// A code to add: an id and a name, and optionally a description, a shortcut key and
/// a colour (`#rrggbb` or `#rgb`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCode {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub key: Option<String>,
    pub color: Option<String>,
}

// ---------------------------------------------------------------------------- text edits

/// Adds `new` as the last child of `parent` (creating its `children:` key when it has
/// none), or as the last top-level code. The id must be a valid id and must not be the
/// id or an alias of any code in the text.
pub fn add(text: &str, parent: Option<&str>, new: &NewCode) -> EditResult<String> {
    let book = checked(text)?;
    validate_new(new)?;
    if let Some(message) = id_taken(&book, &new.id) {
        return Err(EditError::new(0, message));
    }
    let parent_code = match parent {
        Some(p) => Some(known(&book, p)?),
        None => None,
    };
    let mut lines = Lines::new(text);
    let tree = Tree::build(&lines)?;
    tree.verify(&book)?;
    let parent_item = match parent_code {
        Some(code) => Some(tree.find(&code.id)?),
        None => None,
    };
    let block = new_block(&lines, &tree, new);
    insert_under(&mut lines, &tree, parent_item, block)?;
    finish(lines.render(), &format!("adding `{}`", new.id))
}

/// Changes the `name:` of code `id` to `new_name`, quoted when YAML needs it (keeping
/// the old value's quote style where it can). The id never changes: codings refer to
/// codes by id.
pub fn rename(text: &str, id: &str, new_name: &str) -> EditResult<String> {
    let book = checked(text)?;
    let code = known(&book, id)?;
    let name = valid_name(new_name)?;
    if code.name == name {
        return Ok(text.to_string());
    }
    let mut lines = Lines::new(text);
    let tree = Tree::build(&lines)?;
    tree.verify(&book)?;
    let item = tree.item(tree.find(id)?)?;
    let key = item.key("name").ok_or_else(|| {
        EditError::new(
            item.dash_line + 1,
            format!("`{id}` has no `name:` line that gloss can change; edit it by hand"),
        )
    })?;
    let old = lines.text(key.line);
    let style = old.get(key.value_at..).and_then(|v| v.chars().next());
    let value = match style {
        Some('"') => double_quoted(&name),
        Some('\'') if !name.chars().any(char::is_control) => {
            format!("'{}'", name.replace('\'', "''"))
        }
        _ => block_scalar(&name),
    };
    let single_line = key.last == key.line && !matches!(style, Some('|' | '>'));
    if single_line {
        set_inline_value(&mut lines, key.line, key.value_at, &value);
    } else {
        let head = old
            .get(..key.value_at)
            .unwrap_or(old)
            .trim_end()
            .to_string();
        let new_line = lines.make(format!("{head} {value}"));
        lines.splice(key.line..key.last + 1, vec![new_line]);
    }
    finish(lines.render(), &format!("renaming `{id}`"))
}

/// Moves code `id` — its whole block, with its children and the comment lines directly
/// above it — to be the last child of `new_parent`, or the last top-level code,
/// re-indented. Refuses to move a code under itself or one of its descendants. A code
/// already in that place is left where it is (the text comes back unchanged).
pub fn move_code(text: &str, id: &str, new_parent: Option<&str>) -> EditResult<String> {
    let book = checked(text)?;
    let code = known(&book, id)?;
    if let Some(p) = new_parent {
        let parent = known(&book, p)?;
        if parent.id == code.id {
            return Err(EditError::new(
                0,
                format!("cannot move `{id}` under itself; name another parent, or --top"),
            ));
        }
        if book.descendants(id).iter().any(|c| c.id == parent.id) {
            return Err(EditError::new(
                0,
                format!(
                    "cannot move `{id}` under `{}`, which is inside `{id}`; move `{}` out first, or choose another parent",
                    parent.id, parent.id
                ),
            ));
        }
    }
    let current = code
        .parent
        .and_then(|p| book.codes.get(p))
        .map(|c| c.id.as_str());
    if current == new_parent {
        return Ok(text.to_string());
    }
    let mut lines = Lines::new(text);
    let tree = Tree::build(&lines)?;
    tree.verify(&book)?;
    let block = cut(&mut lines, &tree, tree.find(id)?)?;
    let tree = Tree::build(&lines)?;
    let parent_item = match new_parent {
        Some(p) => Some(tree.find(p)?),
        None => None,
    };
    insert_under(&mut lines, &tree, parent_item, block)?;
    finish(lines.render(), &format!("moving `{id}`"))
}

/// Merges code `from` into code `into`: removes `from`'s block, moves its children to
/// the end of `into`'s children, and adds `from`'s id, name and aliases to `into`'s
/// `aliases:`, so that codings and imports naming `from` resolve to `into` (see
/// [`Codebook::find_id`]). Both must be codes of the same kind in the same scope
/// (two values of one dimension, two dimensions, or two codes outside dimensions).
pub fn merge(text: &str, from: &str, into: &str) -> EditResult<String> {
    let book = checked(text)?;
    let from_code = known(&book, from)?;
    let into_code = known(&book, into)?;
    if from_code.id == into_code.id {
        return Err(EditError::new(
            0,
            format!("cannot merge `{from}` into itself; name two different codes"),
        ));
    }
    if book.descendants(from).iter().any(|c| c.id == into_code.id) {
        return Err(EditError::new(
            0,
            format!(
                "cannot merge `{from}` into `{into}`, which is inside `{from}`; move `{into}` out of `{from}` first, or merge `{into}` into `{from}`"
            ),
        ));
    }
    if from_code.select.is_some() != into_code.select.is_some() {
        return Err(EditError::new(
            0,
            format!(
                "cannot merge `{from}` into `{into}`: only one of them is a dimension (has `select`); merge codes of the same kind"
            ),
        ));
    }
    let dimension = |c: &Code| {
        c.dimension
            .and_then(|d| book.codes.get(d))
            .map(|d| d.id.clone())
    };
    if dimension(from_code) != dimension(into_code) {
        let scope = |d: Option<String>| match d {
            Some(d) => format!("a value of dimension `{d}`"),
            None => "not a dimension value".to_string(),
        };
        return Err(EditError::new(
            0,
            format!(
                "cannot merge `{from}` ({}) into `{into}` ({}): records keep values per dimension, so merge values of the same dimension",
                scope(dimension(from_code)),
                scope(dimension(into_code))
            ),
        ));
    }
    let labels = merged_labels(from_code, into_code);

    let mut lines = Lines::new(text);
    let tree = Tree::build(&lines)?;
    tree.verify(&book)?;
    let from_index = tree.find(from)?;
    let from_item = tree.item(from_index)?;
    let children = match (from_item.children.first(), from_item.children.last()) {
        (Some(&first), Some(&last)) => {
            let (first, last) = (tree.item(first)?, tree.item(last)?);
            Some(Block {
                raw: lines.raw_range(first.first..last.end + 1),
                dash_col: first.dash_col,
            })
        }
        _ => None,
    };
    cut(&mut lines, &tree, from_index)?;
    if let Some(children) = children {
        let tree = Tree::build(&lines)?;
        let into_index = tree.find(into)?;
        insert_under(&mut lines, &tree, Some(into_index), children)?;
    }
    let tree = Tree::build(&lines)?;
    let into_index = tree.find(into)?;
    add_aliases(&mut lines, &tree, into_index, &into_code.aliases, &labels)?;
    finish(lines.render(), &format!("merging `{from}` into `{into}`"))
}

/// Marks code `id` as retired (`retired: true`): kept so that its codings keep their
/// meaning, shown as retired. A code already retired is left as it is.
pub fn retire(text: &str, id: &str) -> EditResult<String> {
    let book = checked(text)?;
    let code = known(&book, id)?;
    if code.retired {
        return Ok(text.to_string());
    }
    let mut lines = Lines::new(text);
    let tree = Tree::build(&lines)?;
    tree.verify(&book)?;
    let index = tree.find(id)?;
    let item = tree.item(index)?;
    match item.key("retired") {
        Some(key) if key.last == key.line => {
            set_inline_value(&mut lines, key.line, key.value_at, "true");
        }
        Some(key) => {
            let new_line = lines.make(format!("{}retired: true", " ".repeat(key.col)));
            lines.splice(key.line..key.last + 1, vec![new_line]);
        }
        None => {
            let at = key_insert_at(&lines, &tree, index)?;
            let new_line = lines.make(format!("{}retired: true", " ".repeat(item.key_col)));
            lines.splice(at..at, vec![new_line]);
        }
    }
    finish(lines.render(), &format!("retiring `{id}`"))
}

/// Takes code `id` out of retirement by removing its `retired:` line. A code that is
/// not retired is left as it is.
pub fn unretire(text: &str, id: &str) -> EditResult<String> {
    let book = checked(text)?;
    let code = known(&book, id)?;
    if !code.retired {
        return Ok(text.to_string());
    }
    let mut lines = Lines::new(text);
    let tree = Tree::build(&lines)?;
    tree.verify(&book)?;
    let item = tree.item(tree.find(id)?)?;
    let key = item.key("retired").ok_or_else(|| {
        EditError::new(
            item.dash_line + 1,
            format!("`{id}` has no `retired:` line that gloss can change; edit it by hand"),
        )
    })?;
    if key.line == item.dash_line {
        set_inline_value(&mut lines, key.line, key.value_at, "false");
    } else {
        lines.splice(key.line..key.last + 1, Vec::new());
    }
    finish(lines.render(), &format!("taking `{id}` out of retirement"))
}

// ---------------------------------------------------------------------- folder edits

/// An edit of a project's codebook, as the `gloss codebook` subcommands ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Add {
        parent: Option<String>,
        code: NewCode,
    },
    Rename {
        id: String,
        name: String,
    },
    Move {
        id: String,
        to: Option<String>,
    },
    Merge {
        from: String,
        into: String,
    },
    Retire {
        id: String,
    },
    Unretire {
        id: String,
    },
}

/// Takes `.gloss/locks/codebook.lock`, waiting for another gloss process editing the
/// codebook; released when the file is dropped (or the process ends).
pub fn lock_codebook(project: &crate::project::Project) -> Result<std::fs::File> {
    let locks = project.locks_dir();
    std::fs::create_dir_all(&locks).map_err(|e| Error::io(&locks, e))?;
    let path = locks.join("codebook.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    file.lock().map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// An edit worked out and checked with every codebook file, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The file to write.
    pub path: PathBuf,
    /// Its new text.
    pub text: String,
    /// False when there was nothing to change (then nothing needs writing).
    pub changed: bool,
    /// One line saying what changed.
    pub summary: String,
}

/// Works out `op` on the codebook files in `dir` (a project's `codebooks/` folder).
/// The codebook must pass `gloss codebook check` first. The edit goes to the file that
/// defines the code (for `add`, the parent's file, or the first file; a new
/// `codebook.yaml` when there is none); moves and merges stay within one file. The
/// result is checked together with the other files.
pub fn plan(dir: &Path, op: &Op) -> Result<Planned> {
    let files = codebook_files(dir).map_err(problem_error)?;
    let mut sources = Vec::new();
    for path in &files {
        let text = read_file(path).map_err(problem_error)?;
        sources.push((path.clone(), text));
    }
    let (book, problems) = Codebook::check_sources(&sources);
    if let Some(first) = problems.first() {
        let mut p = first.clone();
        p.message = format!(
            "{}{}; gloss edits a codebook only when `gloss codebook check` passes, so fix this first",
            p.message,
            more(problems.len())
        );
        return Err(problem_error(p));
    }
    let book = book.ok_or_else(|| {
        Error::Project(format!("could not read the codebooks in {}", dir.display()))
    })?;
    let shown = |path: &Path| {
        path.strip_prefix(dir.parent().unwrap_or(dir))
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let code_of = |id: &str| -> Result<&Code> {
        book.get(id).ok_or_else(|| {
            let hint = match book.resolve(id) {
                Some(c) => format!("; did you mean `{}` ({})?", c.id, c.name),
                None => "; `gloss codebook show` lists the ids".to_string(),
            };
            Error::Input(format!("no code with id `{id}` in the codebook{hint}"))
        })
    };
    let same_file = |a: &Code, b: &Code, what: &str| -> Result<()> {
        if a.file == b.file {
            return Ok(());
        }
        Err(Error::Input(format!(
            "`{}` is defined in {} and `{}` in {}; gloss {what} codes within one codebook file, so move the block of `{}` to {} by hand first",
            a.id,
            shown(&a.file),
            b.id,
            shown(&b.file),
            a.id,
            shown(&b.file)
        )))
    };

    // The file the edit goes to, and what to say once it is written.
    let (path, summary): (PathBuf, String) = match op {
        Op::Add { parent, code } => {
            if let Some(message) = id_taken(&book, &code.id) {
                return Err(Error::Input(message));
            }
            let path = match parent {
                Some(p) => code_of(p)?.file.clone(),
                None => files
                    .first()
                    .cloned()
                    .unwrap_or_else(|| dir.join("codebook.yaml")),
            };
            let place = match parent {
                Some(p) => format!("under `{p}`"),
                None => "as a top-level code".to_string(),
            };
            let summary = format!(
                "added `{}` ({}) {place} in {}",
                code.id,
                code.name.trim(),
                shown(&path)
            );
            (path, summary)
        }
        Op::Rename { id, name } => {
            let code = code_of(id)?;
            let summary = format!(
                "renamed `{id}`: {} → {} in {}",
                code.name,
                name.trim(),
                shown(&code.file)
            );
            (code.file.clone(), summary)
        }
        Op::Move { id, to } => {
            let code = code_of(id)?;
            if let Some(p) = to {
                same_file(code, code_of(p)?, "moves")?;
            }
            let place = match to {
                Some(p) => format!("under `{p}`"),
                None => "to the top level".to_string(),
            };
            let summary = format!("moved `{id}` {place} in {}", shown(&code.file));
            (code.file.clone(), summary)
        }
        Op::Merge { from, into } => {
            let from_code = code_of(from)?;
            let into_code = code_of(into)?;
            same_file(from_code, into_code, "merges")?;
            let moved = match from_code.children.len() {
                0 => String::new(),
                1 => format!(", its child moved under `{into}`"),
                n => format!(", its {n} children moved under `{into}`"),
            };
            let summary = format!(
                "merged `{from}` into `{into}`{moved}; `{from}` is now an alias of `{into}`, so its codings count for `{into}` ({})",
                shown(&from_code.file)
            );
            (from_code.file.clone(), summary)
        }
        Op::Retire { id } => {
            let code = code_of(id)?;
            let summary = format!(
                "retired `{id}` in {}; its codings keep it, `gloss codebook show` marks it (retired)",
                shown(&code.file)
            );
            (code.file.clone(), summary)
        }
        Op::Unretire { id } => {
            let code = code_of(id)?;
            let summary = format!("`{id}` is no longer retired ({})", shown(&code.file));
            (code.file.clone(), summary)
        }
    };

    let old = sources
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let edited = match op {
        Op::Add { parent, code } => add(&old, parent.as_deref(), code),
        Op::Rename { id, name } => rename(&old, id, name),
        Op::Move { id, to } => move_code(&old, id, to.as_deref()),
        Op::Merge { from, into } => merge(&old, from, into),
        Op::Retire { id } => retire(&old, id),
        Op::Unretire { id } => unretire(&old, id),
    };
    let text = edited.map_err(|e| e.in_file(&path))?;
    if text == old {
        let summary = match op {
            Op::Rename { id, name } => {
                format!("`{id}` is already named {}; nothing changed", name.trim())
            }
            Op::Move { id, to: Some(p) } => {
                format!("`{id}` is already under `{p}`; nothing changed")
            }
            Op::Move { id, to: None } => {
                format!("`{id}` is already a top-level code; nothing changed")
            }
            Op::Retire { id } => format!("`{id}` is retired already; nothing changed"),
            Op::Unretire { id } => format!("`{id}` is not retired; nothing changed"),
            _ => "nothing changed".to_string(),
        };
        return Ok(Planned {
            path,
            text,
            changed: false,
            summary,
        });
    }

    // The edited file together with the others: ids, labels and keys across files.
    let mut after: Vec<(PathBuf, String)> =
        sources.into_iter().filter(|(p, _)| *p != path).collect();
    after.push((path.clone(), text.clone()));
    after.sort_by(|a, b| a.0.cmp(&b.0));
    let (book, problems) = Codebook::check_sources(&after);
    if let Some(first) = problems.first() {
        let mut p = first.clone();
        p.message = format!(
            "the edit would leave the codebook invalid: {}; nothing was changed",
            p.message
        );
        p.line = 0;
        return Err(problem_error(p));
    }
    if book.is_none() {
        return Err(Error::Input(
            "the edit would leave the codebook unreadable; nothing was changed".into(),
        ));
    }
    Ok(Planned {
        summary,
        path,
        text,
        changed: true,
    })
}

/// A problem as an error with its file and position.
fn problem_error(p: Problem) -> Error {
    Error::Parse {
        path: p.file,
        location: (p.line > 0).then(|| format!("{}:{}", p.line, p.column)),
        message: p.message,
    }
}

/// ` (and N more problems)` when there are more than one.
fn more(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        2 => " (and 1 more problem)".to_string(),
        n => format!(" (and {} more problems)", n - 1),
    }
}

// ---------------------------------------------------------------------- checks

/// Checks one file's text as `gloss codebook check` would.
fn check_text(text: &str) -> (Option<Codebook>, Vec<Problem>) {
    Codebook::check_sources(&[(PathBuf::from(PLACEHOLDER), text.to_string())])
}

/// The codebook of a text that must be valid before it is edited.
fn checked(text: &str) -> EditResult<Codebook> {
    let (book, problems) = check_text(text);
    if let Some(p) = problems.first() {
        return Err(EditError::new(
            p.line,
            format!(
                "{}{}; gloss edits a codebook only when `gloss codebook check` passes, so fix this first",
                p.message,
                more(problems.len())
            ),
        ));
    }
    book.ok_or_else(|| EditError::new(0, "the codebook file is not valid YAML; fix it first"))
}

/// The edited text, if it passes the checks.
fn finish(text: String, what: &str) -> EditResult<String> {
    let (book, problems) = check_text(&text);
    if let Some(p) = problems.first() {
        return Err(EditError::new(
            0,
            format!(
                "{what} would leave the codebook invalid: {}; nothing was changed",
                p.message
            ),
        ));
    }
    if book.is_none() {
        return Err(EditError::new(
            0,
            format!("{what} would leave the codebook unreadable; nothing was changed"),
        ));
    }
    Ok(text)
}

/// The code with this id, or an error saying there is none.
fn known<'b>(book: &'b Codebook, id: &str) -> EditResult<&'b Code> {
    book.get(id).ok_or_else(|| {
        let hint = match book.resolve(id) {
            Some(c) => format!("; did you mean `{}` ({})?", c.id, c.name),
            None => "; `gloss codebook show` lists the ids".to_string(),
        };
        EditError::new(0, format!("no code with id `{id}` in the codebook{hint}"))
    })
}

/// Why `id` cannot be a new code's id: it is the id or an alias of a code (compared as
/// labels are, ignoring case and spaces).
fn id_taken(book: &Codebook, id: &str) -> Option<String> {
    let wanted = normalize_label(id);
    for code in &book.codes {
        if normalize_label(&code.id) == wanted {
            return Some(format!(
                "id `{id}` is already used by `{}` ({}); choose another id",
                code.id, code.name
            ));
        }
        if let Some(alias) = code.aliases.iter().find(|a| normalize_label(a) == wanted) {
            return Some(format!(
                "id `{id}` is already an alias of `{}` (`{alias}`); choose another id, or code with `{}`",
                code.id, code.id
            ));
        }
    }
    None
}

/// Checks a new code's fields, saying how to fix the first bad one.
fn validate_new(new: &NewCode) -> EditResult<()> {
    if !valid_id(&new.id) {
        let example = if new.id.trim().is_empty() {
            slug(&new.name)
        } else {
            slug(&new.id)
        };
        return Err(EditError::new(
            0,
            format!(
                "id `{}` may hold only letters, digits, `-`, `_` and `.`; write e.g. `{example}`",
                new.id
            ),
        ));
    }
    valid_name(&new.name)?;
    if let Some(key) = &new.key {
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_whitespace() && !c.is_control() => {}
            _ => {
                return Err(EditError::new(
                    0,
                    format!(
                        "key `{key}` is not one character; a shortcut is a single letter, digit or sign"
                    ),
                ));
            }
        }
    }
    if let Some(color) = &new.color
        && parse_color(color).is_none()
    {
        return Err(EditError::new(
            0,
            format!(
                "color `{color}` is not a colour; write `#rrggbb` or `#rgb` in hex, e.g. #d19a66"
            ),
        ));
    }
    if new
        .description
        .as_deref()
        .is_some_and(|d| d.contains(['\n', '\r']))
    {
        return Err(EditError::new(
            0,
            "give the description on one line (edit the file for longer text)",
        ));
    }
    Ok(())
}

/// A code name: trimmed, not empty, one line.
fn valid_name(name: &str) -> EditResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(EditError::new(
            0,
            "the name is empty; give the name coders will see",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(EditError::new(
            0,
            "a name is one line of text without control characters; give it without line breaks or tabs",
        ));
    }
    Ok(name.to_string())
}

/// The labels `from` leaves to `into`: its id (always, exactly, so that stored ids
/// find their code), then its name and aliases unless `into` already answers to them.
fn merged_labels(from: &Code, into: &Code) -> Vec<String> {
    let mut seen: Vec<String> = std::iter::once(&into.id)
        .chain(std::iter::once(&into.name))
        .chain(into.aliases.iter())
        .map(|l| normalize_label(l))
        .collect();
    let mut out = Vec::new();
    if !into.aliases.iter().any(|a| a.trim() == from.id) {
        out.push(from.id.clone());
        seen.push(normalize_label(&from.id));
    }
    for label in std::iter::once(&from.name).chain(from.aliases.iter()) {
        let norm = normalize_label(label);
        if norm.is_empty() || seen.contains(&norm) {
            continue;
        }
        seen.push(norm);
        out.push(label.trim().to_string());
    }
    out
}

// ---------------------------------------------------------------------- lines

/// A file's lines, kept exactly as written (a `\r` before each newline stays part of
/// its line), so that untouched lines come out byte for byte.
struct Lines {
    raw: Vec<String>,
    trailing_newline: bool,
    /// Whether new lines end in `\r\n` (the file's first line does).
    crlf: bool,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let trailing_newline = text.ends_with('\n');
        let body = text.strip_suffix('\n').unwrap_or(text);
        let raw: Vec<String> = if text.is_empty() {
            Vec::new()
        } else {
            body.split('\n').map(String::from).collect()
        };
        let crlf = raw.first().is_some_and(|l| l.ends_with('\r'));
        Lines {
            raw,
            trailing_newline,
            crlf,
        }
    }

    fn len(&self) -> usize {
        self.raw.len()
    }

    /// Line `i` without its `\r` (and without a byte-order mark on the first line).
    fn text(&self, i: usize) -> &str {
        let line = self.raw.get(i).map_or("", String::as_str);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        }
    }

    /// A new line with this content, ending as the file's lines end.
    fn make(&self, content: String) -> String {
        if self.crlf { content + "\r" } else { content }
    }

    /// Replaces the text of line `i`, keeping its `\r` and byte-order mark.
    fn set_text(&mut self, i: usize, text: &str) {
        if let Some(raw) = self.raw.get_mut(i) {
            let bom = if i == 0 && raw.starts_with('\u{feff}') {
                "\u{feff}"
            } else {
                ""
            };
            let cr = if raw.ends_with('\r') { "\r" } else { "" };
            *raw = format!("{bom}{text}{cr}");
        }
    }

    /// The raw lines of `range`.
    fn raw_range(&self, range: Range<usize>) -> Vec<String> {
        self.raw
            .get(range)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }

    /// Replaces the lines of `range` (clamped to the file) with `new`.
    fn splice(&mut self, range: Range<usize>, new: Vec<String>) {
        if self.raw.is_empty() && !new.is_empty() {
            self.trailing_newline = true;
        }
        let end = range.end.min(self.raw.len());
        let start = range.start.min(end);
        self.raw.splice(start..end, new);
    }

    fn render(&self) -> String {
        let mut out = self.raw.join("\n");
        if self.trailing_newline && !self.raw.is_empty() {
            out.push('\n');
        }
        out
    }
}

// ---------------------------------------------------------------------- the locator

/// What a line is, for finding where blocks start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    /// A comment line, with its indentation.
    Comment(usize),
    /// A document marker or directive.
    Marker,
    /// Anything else: keys, list items, and the lines of multi-line values.
    Content,
}

/// A key of a mapping: its 0-based line and column, the byte where its value starts
/// on that line, and the last content line of its value.
#[derive(Debug, Clone)]
struct KeyAt {
    name: String,
    line: usize,
    col: usize,
    value_at: usize,
    last: usize,
}

/// One code's list item (0-based lines).
#[derive(Debug, Clone)]
struct Item {
    id: String,
    parent: Option<usize>,
    dash_line: usize,
    dash_col: usize,
    key_col: usize,
    keys: Vec<KeyAt>,
    /// The first line of the block: the dash line, or the comments directly above it.
    first: usize,
    /// The last content line of the block (its last key's value, or last descendant).
    last: usize,
    /// `last`, or the last of the comment lines right after it, indented deeper than
    /// the dash.
    end: usize,
    children: Vec<usize>,
}

impl Item {
    fn key(&self, name: &str) -> Option<&KeyAt> {
        self.keys.iter().find(|k| k.name == name)
    }
}

/// An open code mapping while locating.
struct Frame {
    item: usize,
    dash_col: usize,
    key_col: Option<usize>,
}

impl Frame {
    /// Whether a line indented by `indent` closes this mapping.
    fn closed_by(&self, indent: usize) -> bool {
        match self.key_col {
            Some(col) => col > indent,
            None => self.dash_col >= indent,
        }
    }
}

/// Where every code of a file is, in pre-order.
struct Tree {
    kinds: Vec<Kind>,
    items: Vec<Item>,
    top: Vec<usize>,
    /// The top-level `codes:` key.
    codes: Option<KeyAt>,
}

impl Tree {
    /// Locates the codes of a block-style codebook file; refuses flow-style codes,
    /// anchors, aliases, tags and several documents.
    fn build(lines: &Lines) -> EditResult<Tree> {
        let n = lines.len();
        let mut kinds = vec![Kind::Blank; n];
        let mut items: Vec<Item> = Vec::new();
        let mut top: Vec<usize> = Vec::new();
        let mut top_keys: Vec<KeyAt> = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut cont = Continuation::None;
        let mut seen_content = false;

        for i in 0..n {
            let line = lines.text(i);
            let indent = line.len() - line.trim_start_matches(' ').len();
            let content = line.get(indent..).unwrap_or("");
            match cont {
                Continuation::Block(min) => {
                    if content.trim().is_empty() {
                        continue;
                    }
                    if indent > min {
                        mark(&mut kinds, i, Kind::Content);
                        touch(&mut items, &frames, &mut top_keys, i);
                        continue;
                    }
                    cont = Continuation::None;
                }
                Continuation::Quote(q) => {
                    mark(&mut kinds, i, Kind::Content);
                    touch(&mut items, &frames, &mut top_keys, i);
                    if close_quote(line, q).is_some() {
                        cont = Continuation::None;
                    }
                    continue;
                }
                Continuation::Flow(depth) => {
                    mark(&mut kinds, i, Kind::Content);
                    touch(&mut items, &frames, &mut top_keys, i);
                    cont = match flow_depth(line, depth) {
                        0 => Continuation::None,
                        d => Continuation::Flow(d),
                    };
                    continue;
                }
                Continuation::None => {}
            }
            if content.trim().is_empty() {
                continue;
            }
            if content.starts_with('#') {
                mark(&mut kinds, i, Kind::Comment(indent));
                continue;
            }
            if content.starts_with('%')
                || (indent == 0 && (content.starts_with("---") || content.starts_with("...")))
            {
                if seen_content {
                    return Err(EditError::new(
                        i + 1,
                        "this file holds more than one YAML document; gloss edits codebook files with one document, so split it into two files",
                    ));
                }
                mark(&mut kinds, i, Kind::Marker);
                continue;
            }
            seen_content = true;
            mark(&mut kinds, i, Kind::Content);

            if content == "-" || content.starts_with("- ") {
                let dash_col = indent;
                while frames.last().is_some_and(|f| f.closed_by(dash_col)) {
                    frames.pop();
                }
                let is_code = match frames.last() {
                    Some(f) => items
                        .get(f.item)
                        .and_then(|it| it.keys.last())
                        .is_some_and(|k| k.name == "children"),
                    None => top_keys.last().is_some_and(|k| k.name == "codes"),
                };
                let after = content.get(1..).unwrap_or("");
                let rest = after.trim_start_matches(' ');
                let item_col = dash_col + 1 + (after.len() - rest.len());
                refuse_special(rest, i)?;
                if !is_code {
                    touch(&mut items, &frames, &mut top_keys, i);
                    cont = value_start(rest, dash_col);
                    continue;
                }
                if rest.starts_with('{') || rest.starts_with('[') {
                    return Err(EditError::new(
                        i + 1,
                        "this code is written in flow style (`- {id: ..., name: ...}`); gloss edits block-style codebooks, so write it as `- id: ...` with one key per line, then run the command again",
                    ));
                }
                let parent = frames.last().map(|f| f.item);
                items.push(Item {
                    id: String::new(),
                    parent,
                    dash_line: i,
                    dash_col,
                    key_col: dash_col + 2,
                    keys: Vec::new(),
                    first: i,
                    last: i,
                    end: i,
                    children: Vec::new(),
                });
                let me = items.len() - 1;
                match parent.and_then(|p| items.get_mut(p)) {
                    Some(p) => p.children.push(me),
                    None => top.push(me),
                }
                frames.push(Frame {
                    item: me,
                    dash_col,
                    key_col: None,
                });
                if rest.is_empty() || rest.starts_with('#') {
                    touch(&mut items, &frames, &mut top_keys, i);
                    continue;
                }
                match split_key(rest) {
                    Some((key, value)) => {
                        if let Some(f) = frames.last_mut() {
                            f.key_col = Some(item_col);
                        }
                        let value_at = line.len() - value.trim_start_matches(' ').len();
                        record(&mut items, me, &key, value, i, item_col, value_at)?;
                        touch(&mut items, &frames, &mut top_keys, i);
                        cont = value_start(value, item_col);
                    }
                    None => {
                        touch(&mut items, &frames, &mut top_keys, i);
                        cont = value_start(rest, dash_col);
                    }
                }
                continue;
            }

            let Some((key, value)) = split_key(content) else {
                // A continuation line of a plain scalar.
                touch(&mut items, &frames, &mut top_keys, i);
                continue;
            };
            if key == "<<" {
                return Err(EditError::new(
                    i + 1,
                    "a merge key (`<<:`) is not supported when gloss edits a codebook; write the keys out in full",
                ));
            }
            refuse_special(value.trim_start_matches(' '), i)?;
            while frames.last().is_some_and(|f| f.closed_by(indent)) {
                frames.pop();
            }
            let value_at = line.len() - value.trim_start_matches(' ').len();
            match frames.last_mut() {
                Some(f) => {
                    if f.key_col.is_none() && indent > f.dash_col {
                        f.key_col = Some(indent);
                    }
                    if f.key_col == Some(indent) {
                        record(&mut items, f.item, &key, value, i, indent, value_at)?;
                    }
                }
                None if indent == 0 => {
                    if key == "codes" {
                        refuse_flow_list(&key, value, i, "the codebook")?;
                    }
                    top_keys.push(KeyAt {
                        name: key.clone(),
                        line: i,
                        col: 0,
                        value_at,
                        last: i,
                    });
                }
                None => {}
            }
            touch(&mut items, &frames, &mut top_keys, i);
            cont = value_start(value, indent);
        }

        // Comments right after a block, indented deeper than its dash, end it; the
        // comments directly above a dash that no block ends with start it.
        let mut claimed = vec![false; n];
        for item in &mut items {
            let mut end = item.last;
            while matches!(kinds.get(end + 1), Some(Kind::Comment(c)) if *c > item.dash_col) {
                end += 1;
            }
            item.end = end;
            for c in claimed.iter_mut().take(end + 1).skip(item.last + 1) {
                *c = true;
            }
        }
        for item in &mut items {
            let mut first = item.dash_line;
            while first > 0
                && matches!(kinds.get(first - 1), Some(Kind::Comment(_)))
                && !claimed.get(first - 1).copied().unwrap_or(true)
            {
                first -= 1;
            }
            item.first = first;
        }
        let codes = top_keys.into_iter().find(|k| k.name == "codes");
        Ok(Tree {
            kinds,
            items,
            top,
            codes,
        })
    }

    /// Checks that the codes located are those the checker read, in the same order.
    fn verify(&self, book: &Codebook) -> EditResult<()> {
        let located: Vec<&str> = self.items.iter().map(|i| i.id.as_str()).collect();
        let read: Vec<&str> = book.codes.iter().map(|c| c.id.as_str()).collect();
        if located == read {
            return Ok(());
        }
        let at = located
            .iter()
            .zip(&read)
            .position(|(a, b)| a != b)
            .unwrap_or(located.len().min(read.len()));
        let line = self.items.get(at).map_or(0, |i| i.dash_line + 1);
        Err(EditError::new(
            line,
            "gloss cannot follow the layout of the codebook here (it edits block-style YAML, one `- id:` item per code); make this change by hand",
        ))
    }

    /// The index of the item with this id.
    fn find(&self, id: &str) -> EditResult<usize> {
        self.items.iter().position(|i| i.id == id).ok_or_else(|| {
            EditError::new(
                0,
                format!(
                    "gloss could not find the block of `{id}` in the file; make this change by hand"
                ),
            )
        })
    }

    fn item(&self, index: usize) -> EditResult<&Item> {
        self.items.get(index).ok_or_else(|| {
            EditError::new(0, "internal error: no such code block; please report this")
        })
    }

    fn kind(&self, line: usize) -> Option<Kind> {
        self.kinds.get(line).copied()
    }

    /// How far a code's list is indented past its `children:` (or `codes:`) key.
    fn child_offset(&self) -> usize {
        for item in &self.items {
            let parent_key = match item.parent {
                Some(p) => self.items.get(p).and_then(|p| p.key("children")),
                None => self.codes.as_ref(),
            };
            if let Some(k) = parent_key {
                return item.dash_col.saturating_sub(k.col);
            }
        }
        2
    }

    /// How far a code's keys are indented past its dash.
    fn key_offset(&self) -> usize {
        self.items
            .first()
            .map_or(2, |i| i.key_col.saturating_sub(i.dash_col).max(2))
    }
}

/// Sets what line `i` is.
fn mark(kinds: &mut [Kind], i: usize, kind: Kind) {
    if let Some(k) = kinds.get_mut(i) {
        *k = kind;
    }
}

/// Records `key` of item `index` (0-based line and column).
fn record(
    items: &mut [Item],
    index: usize,
    key: &str,
    value: &str,
    line: usize,
    col: usize,
    value_at: usize,
) -> EditResult<()> {
    let Some(item) = items.get_mut(index) else {
        return Ok(());
    };
    if item.keys.is_empty() {
        item.key_col = col;
    }
    if key == "id" {
        item.id = scalar_text(value);
    }
    if key == "children" {
        let who = if item.id.is_empty() {
            "this code".to_string()
        } else {
            format!("`{}`", item.id)
        };
        refuse_flow_list(key, value, line, &who)?;
    }
    item.keys.push(KeyAt {
        name: key.to_string(),
        line,
        col,
        value_at,
        last: line,
    });
    Ok(())
}

/// Marks line `i` as part of every open block and of the last key of each.
fn touch(items: &mut [Item], frames: &[Frame], top_keys: &mut [KeyAt], i: usize) {
    for f in frames {
        if let Some(item) = items.get_mut(f.item) {
            item.last = i;
            if let Some(k) = item.keys.last_mut() {
                k.last = i;
            }
        }
    }
    if let Some(k) = top_keys.last_mut() {
        k.last = i;
    }
}

/// Refuses a value that starts with an anchor, an alias or a tag.
fn refuse_special(value: &str, line: usize) -> EditResult<()> {
    let what = match value.chars().next() {
        Some('&') => "an anchor (`&`)",
        Some('*') => "an alias (`*`)",
        Some('!') => "a tag (`!`)",
        _ => return Ok(()),
    };
    Err(EditError::new(
        line + 1,
        format!(
            "{what} is not supported when gloss edits a codebook; write the value out in full, then run the command again"
        ),
    ))
}

/// Refuses a list of codes written in flow style (`[...]`), except an empty `[]`.
fn refuse_flow_list(key: &str, value: &str, line: usize, who: &str) -> EditResult<()> {
    let v = value.trim();
    let v = match v.find(" #") {
        Some(i) => v.get(..i).unwrap_or(v).trim_end(),
        None => v,
    };
    if (v.starts_with('[') || v.starts_with('{')) && v.replace(' ', "") != "[]" {
        return Err(EditError::new(
            line + 1,
            format!(
                "`{key}` of {who} is written in flow style (`[...]`); gloss edits block-style codebooks, so write each code as `- id: ...` on its own lines, then run the command again"
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------- blocks

/// Lines cut from a file (or made new), with the column of their code's dash.
struct Block {
    raw: Vec<String>,
    dash_col: usize,
}

impl Block {
    /// The lines shifted so that the dash sits at column `to`. Blank lines stay as
    /// they are; a line with less indentation than a shift to the left loses what it
    /// has.
    fn reindent(self, to: usize) -> Vec<String> {
        let from = self.dash_col;
        self.raw
            .into_iter()
            .map(|raw| {
                let (body, cr) = match raw.strip_suffix('\r') {
                    Some(b) => (b.to_string(), "\r"),
                    None => (raw.clone(), ""),
                };
                if body.trim().is_empty() || to == from {
                    return raw;
                }
                let indent = body.len() - body.trim_start_matches(' ').len();
                let rest = body.get(indent..).unwrap_or("");
                let new_indent = if to > from {
                    indent + (to - from)
                } else {
                    indent.saturating_sub(from - to)
                };
                format!("{}{rest}{cr}", " ".repeat(new_indent))
            })
            .collect()
    }
}

/// Removes the block of item `index` (with the comments directly above it) and
/// returns it. A blank line that separated it from its neighbours goes with it, and a
/// `children:` key left with no codes is removed.
fn cut(lines: &mut Lines, tree: &Tree, index: usize) -> EditResult<Block> {
    let item = tree.item(index)?;
    let block = Block {
        raw: lines.raw_range(item.first..item.end + 1),
        dash_col: item.dash_col,
    };
    let siblings: &[usize] = match item.parent {
        Some(p) => &tree.item(p)?.children,
        None => &tree.top,
    };
    let is_first = siblings.first() == Some(&index);
    let is_last = siblings.last() == Some(&index);
    let blank_before = item.first > 0 && tree.kind(item.first - 1) == Some(Kind::Blank);
    let after = item.end + 1;
    let blank_after = tree.kind(after) == Some(Kind::Blank);
    let at_eof = after >= lines.len();
    let mut range = item.first..after;
    if blank_before && (blank_after || at_eof || is_last) {
        range.start -= 1;
    } else if blank_after && is_first && !is_last {
        range.end += 1;
    }
    // A `children:` key whose only code this was goes too.
    let mut empty_key = None;
    if let Some(parent) = item.parent.and_then(|p| tree.items.get(p))
        && parent.children.len() == 1
        && let Some(k) = parent.key("children")
        && k.line != parent.dash_line
        && k.line < range.start
        && lines.text(k.line).trim() == "children:"
    {
        empty_key = Some(k.line);
    }
    lines.splice(range, Vec::new());
    if let Some(line) = empty_key {
        lines.splice(line..line + 1, Vec::new());
    }
    Ok(block)
}

/// Inserts `block` as the last child of item `parent` (or the last top-level code),
/// re-indented to its new siblings, creating the `children:` (or `codes:`) key when
/// there is none.
fn insert_under(
    lines: &mut Lines,
    tree: &Tree,
    parent: Option<usize>,
    block: Block,
) -> EditResult<()> {
    let (siblings, list_key): (&[usize], Option<&KeyAt>) = match parent {
        Some(p) => {
            let item = tree.item(p)?;
            (&item.children, item.key("children"))
        }
        None => (&tree.top, tree.codes.as_ref()),
    };
    let mut new_lines = Vec::new();
    let at;
    let dash_col;
    if let (Some(&first), Some(&last)) = (siblings.first(), siblings.last()) {
        let (first, last_item) = (tree.item(first)?, tree.item(last)?);
        dash_col = first.dash_col;
        at = last_item.end + 1;
        let separated = siblings.len() >= 2
            && last_item.first > 0
            && tree.kind(last_item.first - 1) == Some(Kind::Blank);
        if separated {
            new_lines.push(lines.make(String::new()));
        }
    } else if let Some(key) = list_key {
        // `children:` or `codes:` with nothing (or `[]`) as its value.
        let text = lines.text(key.line).to_string();
        if let Some(v) = text.get(key.value_at..)
            && v.starts_with('[')
        {
            let close = v.find(']').map_or(text.len(), |i| key.value_at + i + 1);
            let head = text.get(..key.value_at).unwrap_or("").trim_end();
            let tail = text.get(close..).unwrap_or("");
            lines.set_text(key.line, &format!("{head}{tail}"));
        }
        dash_col = key.col + tree.child_offset();
        at = key.last + 1;
    } else {
        match parent {
            Some(p) => {
                let item = tree.item(p)?;
                new_lines.push(lines.make(format!("{}children:", " ".repeat(item.key_col))));
                dash_col = item.key_col + tree.child_offset();
                at = item.last + 1;
            }
            None => {
                new_lines.push(lines.make("codes:".to_string()));
                dash_col = tree.child_offset();
                at = lines.len();
            }
        }
    }
    new_lines.extend(block.reindent(dash_col));
    lines.splice(at..at, new_lines);
    Ok(())
}

/// The lines of a new code, with its dash at column 0.
fn new_block(lines: &Lines, tree: &Tree, new: &NewCode) -> Block {
    let offset = tree.key_offset();
    let pad = " ".repeat(offset);
    let mut raw = vec![lines.make(format!(
        "-{}id: {}",
        " ".repeat(offset - 1),
        block_scalar(&new.id)
    ))];
    raw.push(lines.make(format!("{pad}name: {}", block_scalar(new.name.trim()))));
    if let Some(d) = new
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        raw.push(lines.make(format!("{pad}description: {}", block_scalar(d))));
    }
    if let Some(c) = &new.color {
        raw.push(lines.make(format!("{pad}color: {}", double_quoted(c.trim()))));
    }
    if let Some(k) = &new.key {
        raw.push(lines.make(format!("{pad}key: {}", block_scalar(k))));
    }
    Block { raw, dash_col: 0 }
}

/// Where a new key of item `index` goes: before its `children:` (and the comments
/// directly above it), else after its last line.
fn key_insert_at(lines: &Lines, tree: &Tree, index: usize) -> EditResult<usize> {
    let item = tree.item(index)?;
    match item.key("children") {
        Some(k) if k.line > item.dash_line => {
            let mut at = k.line;
            while at > item.dash_line + 1
                && tree
                    .kind(at - 1)
                    .is_some_and(|c| matches!(c, Kind::Comment(_)))
            {
                at -= 1;
            }
            Ok(at)
        }
        _ => Ok((item.last + 1).min(lines.len())),
    }
}

/// Replaces the one-line value of a key whose value starts at byte `at` of `line`,
/// keeping any comment after it.
fn set_inline_value(lines: &mut Lines, line: usize, at: usize, value: &str) {
    let text = lines.text(line).to_string();
    let end = value_end(&text, at);
    let head = text.get(..at).unwrap_or(&text);
    let tail = text.get(end..).unwrap_or("");
    let mut out = head.to_string();
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out.push_str(value);
    if !tail.is_empty() && !tail.starts_with(' ') {
        out.push(' ');
    }
    out.push_str(tail);
    lines.set_text(line, &out);
}

/// The byte just past a one-line value starting at byte `at` (before a comment and
/// trailing spaces).
fn value_end(text: &str, at: usize) -> usize {
    let v = text.get(at..).unwrap_or("");
    match v.chars().next() {
        None | Some('#') => at,
        Some(q @ ('"' | '\'')) => v
            .get(1..)
            .and_then(|rest| close_quote(rest, q))
            .map_or(text.len(), |e| at + 1 + e),
        Some(_) => {
            let plain = match v.find(" #") {
                Some(i) => v.get(..i).unwrap_or(v),
                None => v,
            };
            at + plain.trim_end().len()
        }
    }
}

/// Adds `labels` to the `aliases:` of item `index` (whose aliases are `existing`):
/// appended to a flow list (`[a, b]`) or a block list (`- a`) as written, or a new
/// `aliases:` key before `children:`.
fn add_aliases(
    lines: &mut Lines,
    tree: &Tree,
    index: usize,
    existing: &[String],
    labels: &[String],
) -> EditResult<()> {
    if labels.is_empty() {
        return Ok(());
    }
    let item = tree.item(index)?;
    let flow_items = |list: &[String]| -> String {
        list.iter()
            .map(|l| flow_scalar(l))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(key) = item.key("aliases") else {
        let at = key_insert_at(lines, tree, index)?;
        let pad = " ".repeat(item.key_col);
        let flow = format!("{pad}aliases: [{}]", flow_items(labels));
        let new_lines = if flow.chars().count() <= 100 {
            vec![lines.make(flow)]
        } else {
            let mut v = vec![lines.make(format!("{pad}aliases:"))];
            for l in labels {
                v.push(lines.make(format!("{pad}  - {}", block_scalar(l))));
            }
            v
        };
        lines.splice(at..at, new_lines);
        return Ok(());
    };
    let text = lines.text(key.line).to_string();
    let inline = text.get(key.value_at..).unwrap_or("");
    if inline.starts_with('[') {
        let end = flow_end(lines, key.line, key.value_at, key.last).ok_or_else(|| {
            EditError::new(
                key.line + 1,
                "gloss cannot find the end of this `aliases: [...]` list; check its brackets",
            )
        })?;
        let (line, byte, c) = end;
        let insert = match c {
            '[' => flow_items(labels),
            ',' => format!(" {},", flow_items(labels)),
            _ => format!(", {}", flow_items(labels)),
        };
        let t = lines.text(line).to_string();
        let (head, tail) = (t.get(..byte).unwrap_or(&t), t.get(byte..).unwrap_or(""));
        lines.set_text(line, &format!("{head}{insert}{tail}"));
        return Ok(());
    }
    let empty_inline = value_end(&text, key.value_at) == key.value_at;
    if empty_inline && key.last > key.line {
        // A block list: `- alias` lines below the key.
        let dash = (key.line + 1..=key.last).find_map(|l| {
            let t = lines.text(l);
            let c = t.trim_start_matches(' ');
            (c == "-" || c.starts_with("- ")).then(|| t.len() - c.len())
        });
        if let Some(indent) = dash {
            let new_lines = labels
                .iter()
                .map(|l| lines.make(format!("{}- {}", " ".repeat(indent), block_scalar(l))))
                .collect();
            lines.splice(key.last + 1..key.last + 1, new_lines);
            return Ok(());
        }
    }
    // Nothing, or one alias as a plain value: write the whole list in flow style.
    let mut all: Vec<String> = existing.to_vec();
    all.extend(labels.iter().cloned());
    let list = format!("[{}]", flow_items(&all));
    if key.last == key.line {
        set_inline_value(lines, key.line, key.value_at, &list);
    } else {
        let head = text
            .get(..key.value_at)
            .unwrap_or(&text)
            .trim_end()
            .to_string();
        let new_line = lines.make(format!("{head} {list}"));
        lines.splice(key.line..key.last + 1, vec![new_line]);
    }
    Ok(())
}

/// For a flow list opening at byte `at` of line `from` (and ending by line `to`): the
/// line and byte just after its last item character before the closing `]`, and that
/// character (`[` for an empty list).
fn flow_end(lines: &Lines, from: usize, at: usize, to: usize) -> Option<(usize, usize, char)> {
    let mut depth = 0usize;
    let mut last: Option<(usize, usize, char)> = None;
    let mut quote: Option<char> = None;
    for l in from..=to {
        let text = lines.text(l);
        let start = if l == from { at } else { 0 };
        let mut chars = text
            .char_indices()
            .skip_while(|(i, _)| *i < start)
            .peekable();
        let mut prev_space = true;
        while let Some((i, c)) = chars.next() {
            let after = i + c.len_utf8();
            if let Some(q) = quote {
                if q == '"' && c == '\\' {
                    chars.next();
                } else if c == q {
                    if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                last = Some((l, after, c));
                continue;
            }
            match c {
                '#' if prev_space => break,
                ' ' | '\t' => {}
                '[' | '{' => {
                    depth += 1;
                    last = Some((l, after, c));
                }
                ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return last;
                    }
                    last = Some((l, after, c));
                }
                '"' | '\'' => {
                    quote = Some(c);
                    last = Some((l, after, c));
                }
                _ => last = Some((l, after, c)),
            }
            prev_space = c == ' ' || c == '\t';
        }
    }
    None
}

// ---------------------------------------------------------------------- scalars

/// `s` as a YAML value in block context: plain when YAML reads it back as this very
/// text (and no YAML 1.1 reader would take it for a boolean), else double-quoted.
fn block_scalar(s: &str) -> String {
    if plain_ok(s, false) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// `s` as an item of a flow list (`[a, b]`).
fn flow_scalar(s: &str) -> String {
    if plain_ok(s, true) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether `s` can be written without quotes.
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains('#') || s.ends_with(':') {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~"
    ) {
        return false;
    }
    // What YAML itself makes of it: numbers, booleans and nulls are not text.
    let doc = if flow {
        format!("k: [{s}]")
    } else {
        format!("k: {s}")
    };
    let read = serde_yaml::from_str::<serde_yaml::Value>(&doc).ok();
    let value = read.as_ref().and_then(|v| v.get("k"));
    let value = if flow {
        value
            .and_then(|v| v.as_sequence())
            .and_then(|seq| match seq.as_slice() {
                [one] => Some(one),
                _ => None,
            })
    } else {
        value
    };
    value.and_then(serde_yaml::Value::as_str) == Some(s)
}

/// `s` in double quotes, with `\` escapes where YAML needs them.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# Test codebook: comments, blank lines and quoting must survive every edit.
codes:
  # ---- themes
  - id: challenges
    name: Challenges
    key: c
    children:
      # the first one
      - id: perf
        name: Performance debugging   # renamed once
        aliases: [perf debugging]
      - id: port
        name: \"Portability\"
        description: >-
          Operations that differ
          across frameworks.

  - id: practices
    name: Practices
    children:
      - id: testing
        name: Testing
        aliases:
          - unit tests

  - id: stage
    name: DL stage
    select: one
    children:
      - id: training
        name: Training
      - id: eval
        name: Evaluation
";

    /// The lines removed from `a` and added in `b`, by a plain line diff (the longest
    /// common subsequence), as `-line` and `+line`.
    fn diff(a: &str, b: &str) -> Vec<String> {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = if a[i] == b[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                i += 1;
                j += 1;
            } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                out.push(format!("-{}", a[i]));
                i += 1;
            } else {
                out.push(format!("+{}", b[j]));
                j += 1;
            }
        }
        out
    }

    fn loads(text: &str) -> Codebook {
        let (book, problems) = check_text(text);
        assert!(problems.is_empty(), "{problems:?}\n{text}");
        book.unwrap()
    }

    #[test]
    fn edit_rename_changes_only_the_name_value() {
        let out = rename(TEXT, "perf", "Perf: GPU").unwrap();
        assert_eq!(
            diff(TEXT, &out),
            [
                "-        name: Performance debugging   # renamed once",
                "+        name: \"Perf: GPU\"   # renamed once",
            ]
        );
        // A double-quoted name stays double-quoted; YAML words are quoted.
        let out = rename(TEXT, "port", "Port").unwrap();
        assert_eq!(
            diff(TEXT, &out),
            ["-        name: \"Portability\"", "+        name: \"Port\""]
        );
        for (name, written) in [
            ("Yes", "\"Yes\""),
            ("no", "\"no\""),
            ("C# code", "\"C# code\""),
            ("12", "\"12\""),
            ("null", "\"null\""),
            ("Re-user", "Re-user"),
            ("- dash", "\"- dash\""),
            ("Say \"hi\"", "Say \"hi\""),
            ("\"quoted\"", "\"\\\"quoted\\\"\""),
        ] {
            let out = rename(TEXT, "training", name).unwrap();
            assert_eq!(
                diff(TEXT, &out),
                [
                    "-        name: Training".to_string(),
                    format!("+        name: {written}")
                ],
                "{name}"
            );
            assert_eq!(loads(&out).get("training").unwrap().name, name);
        }
        // The same name changes nothing; the id is never touched.
        assert_eq!(rename(TEXT, "perf", "Performance debugging").unwrap(), TEXT);
        // A multi-line name becomes one line.
        let folded = TEXT.replace(
            "name: Training\n",
            "name: >-\n          Train\n          ing\n",
        );
        let out = rename(&folded, "training", "Fitting").unwrap();
        assert_eq!(out, TEXT.replace("name: Training\n", "name: Fitting\n"));
    }

    #[test]
    fn edit_add_appends_as_last_child_or_top_level_code() {
        let new = NewCode {
            id: "gpu".into(),
            name: "GPU trouble".into(),
            description: Some("Devices: CUDA and drivers.".into()),
            key: Some("g".into()),
            color: Some("#E06C75".into()),
        };
        let out = add(TEXT, Some("challenges"), &new).unwrap();
        assert_eq!(
            diff(TEXT, &out),
            [
                "+      - id: gpu",
                "+        name: GPU trouble",
                "+        description: \"Devices: CUDA and drivers.\"",
                "+        color: \"#E06C75\"",
                "+        key: g",
            ]
        );
        assert!(out.contains("          across frameworks.\n      - id: gpu\n"));
        assert_eq!(
            loads(&out).get("gpu").unwrap().parent,
            loads(&out).index("challenges")
        );
        // A code with no children gets a `children:` key.
        let new = NewCode {
            id: "unit".into(),
            name: "Unit tests of layers".into(),
            ..NewCode::default()
        };
        let out = add(TEXT, Some("testing"), &new).unwrap();
        assert!(
            out.contains(
                "          - unit tests\n        children:\n          - id: unit\n            name: Unit tests of layers\n\n  - id: stage"
            ),
            "{out}"
        );
        // Top-level codes separated by blank lines get one too.
        let new = NewCode {
            id: "other".into(),
            name: "Other".into(),
            ..NewCode::default()
        };
        let out = add(TEXT, None, &new).unwrap();
        assert_eq!(out, format!("{TEXT}\n  - id: other\n    name: Other\n"));
        // Into an empty file, and a file with `codes: []`.
        let out = add("# mine\n", None, &new).unwrap();
        assert_eq!(out, "# mine\ncodes:\n  - id: other\n    name: Other\n");
        let out = add("codes: []  # none yet\n", None, &new).unwrap();
        assert_eq!(out, "codes:  # none yet\n  - id: other\n    name: Other\n");
        let out = add("", None, &new).unwrap();
        assert_eq!(out, "codes:\n  - id: other\n    name: Other\n");
    }

    #[test]
    fn edit_add_refuses_taken_or_bad_ids_and_fields() {
        let code = |id: &str| NewCode {
            id: id.into(),
            name: "A name".into(),
            ..NewCode::default()
        };
        let err = add(TEXT, None, &code("perf")).unwrap_err();
        assert_eq!(
            err.message,
            "id `perf` is already used by `perf` (Performance debugging); choose another id"
        );
        let err = add(TEXT, None, &code("Unit  Tests")).unwrap_err();
        assert!(err.message.contains("may hold only letters"), "{err}");
        let err = add(TEXT, None, &code("PERF")).unwrap_err();
        assert!(
            err.message
                .starts_with("id `PERF` is already used by `perf`"),
            "{err}"
        );
        let aliased = TEXT.replace("[perf debugging]", "[perf debugging, gpu-perf]");
        let err = add(&aliased, None, &code("GPU-perf")).unwrap_err();
        assert_eq!(
            err.message,
            "id `GPU-perf` is already an alias of `perf` (`gpu-perf`); choose another id, or code with `perf`"
        );
        let err = add(TEXT, Some("nope"), &code("x")).unwrap_err();
        assert_eq!(
            err.message,
            "no code with id `nope` in the codebook; `gloss codebook show` lists the ids"
        );
        let mut bad = code("x");
        bad.key = Some("ab".into());
        assert!(
            add(TEXT, None, &bad)
                .unwrap_err()
                .message
                .contains("not one character")
        );
        let mut bad = code("x");
        bad.color = Some("red".into());
        assert!(
            add(TEXT, None, &bad)
                .unwrap_err()
                .message
                .contains("not a colour")
        );
        // A name another code has in the same scope: the check refuses the result.
        let mut clash = code("x");
        clash.name = "practices".into();
        let err = add(TEXT, None, &clash).unwrap_err();
        assert!(
            err.message
                .starts_with("adding `x` would leave the codebook invalid: name `practices`"),
            "{err}"
        );
        // A key already used.
        let mut clash = code("x");
        clash.key = Some("c".into());
        assert!(
            add(TEXT, None, &clash)
                .unwrap_err()
                .message
                .contains("already the shortcut")
        );
    }

    #[test]
    fn edit_move_cuts_the_block_with_its_comments_and_reindents_it() {
        // `port` (with its folded description) under `practices`.
        let out = move_code(TEXT, "port", Some("practices")).unwrap();
        let expected = TEXT
            .replace(
                "      - id: port\n        name: \"Portability\"\n        description: >-\n          Operations that differ\n          across frameworks.\n",
                "",
            )
            .replace(
                "          - unit tests\n",
                "          - unit tests\n      - id: port\n        name: \"Portability\"\n        description: >-\n          Operations that differ\n          across frameworks.\n",
            );
        assert_eq!(out, expected);
        // `perf` (with the comment above it) to the top level, re-indented.
        let out = move_code(TEXT, "perf", None).unwrap();
        let expected = format!(
            "{}\n  # the first one\n  - id: perf\n    name: Performance debugging   # renamed once\n    aliases: [perf debugging]\n",
            TEXT.replace(
                "      # the first one\n      - id: perf\n        name: Performance debugging   # renamed once\n        aliases: [perf debugging]\n",
                ""
            )
        );
        assert_eq!(out, expected);
        let book = loads(&out);
        assert_eq!(book.get("perf").unwrap().depth, 0);
        // A whole top-level code with its children goes under another, and its blank
        // line with it.
        let out = move_code(TEXT, "practices", Some("stage")).unwrap();
        assert_eq!(
            diff(TEXT, &out),
            [
                "-  - id: practices",
                "-    name: Practices",
                "-    children:",
                "-      - id: testing",
                "-        name: Testing",
                "-        aliases:",
                "-          - unit tests",
                "-",
                "+      - id: practices",
                "+        name: Practices",
                "+        children:",
                "+          - id: testing",
                "+            name: Testing",
                "+            aliases:",
                "+              - unit tests",
            ]
        );
        // Moving back to the top level restores the text.
        let back = move_code(
            &move_code(TEXT, "eval", None).unwrap(),
            "eval",
            Some("stage"),
        )
        .unwrap();
        assert_eq!(back, TEXT);
        // The only child: its `children:` key goes.
        let out = move_code(TEXT, "testing", Some("challenges")).unwrap();
        assert!(
            out.contains("  - id: practices\n    name: Practices\n\n"),
            "{out}"
        );
        // Already there: unchanged.
        assert_eq!(move_code(TEXT, "perf", Some("challenges")).unwrap(), TEXT);
    }

    #[test]
    fn edit_move_refuses_a_place_inside_the_code() {
        let err = move_code(TEXT, "challenges", Some("perf")).unwrap_err();
        assert_eq!(
            err.message,
            "cannot move `challenges` under `perf`, which is inside `challenges`; move `perf` out first, or choose another parent"
        );
        let err = move_code(TEXT, "perf", Some("perf")).unwrap_err();
        assert!(err.message.contains("under itself"), "{err}");
        let err = move_code(TEXT, "nothing", None).unwrap_err();
        assert!(
            err.message.starts_with("no code with id `nothing`"),
            "{err}"
        );
        // A label that names a code: the error says which id is meant.
        let err = move_code(TEXT, "perf debugging", None).unwrap_err();
        assert_eq!(
            err.message,
            "no code with id `perf debugging` in the codebook; did you mean `perf` (Performance debugging)?"
        );
    }

    #[test]
    fn edit_merge_moves_children_and_keeps_the_old_labels_as_aliases() {
        // Into a code without aliases: a new `aliases:` key, before any children.
        let out = merge(TEXT, "perf", "port").unwrap();
        assert_eq!(
            diff(TEXT, &out),
            [
                "-      # the first one",
                "-      - id: perf",
                "-        name: Performance debugging   # renamed once",
                "-        aliases: [perf debugging]",
                "+        aliases: [perf, Performance debugging, perf debugging]",
            ]
        );
        let book = loads(&out);
        assert!(book.get("perf").is_none());
        assert_eq!(book.find_id("perf").unwrap().id, "port");
        assert_eq!(book.resolve("perf").unwrap().id, "port");
        assert_eq!(book.resolve("performance  debugging").unwrap().id, "port");
        // Into a code with a block list of aliases; children move along.
        let out = merge(TEXT, "challenges", "practices").unwrap();
        let book = loads(&out);
        let practices = book.get("practices").unwrap();
        let kids: Vec<&str> = practices
            .children
            .iter()
            .map(|&i| book.codes[i].id.as_str())
            .collect();
        assert_eq!(kids, ["testing", "perf", "port"]);
        // `Challenges` is the id again, ignoring case: only the id is kept.
        assert_eq!(practices.aliases, ["challenges"]);
        assert!(out.starts_with("# Test codebook: comments, blank lines and quoting must survive every edit.\ncodes:\n  - id: practices\n"), "{out}");
        // Into a flow list that has items.
        let out = merge(TEXT, "port", "perf").unwrap();
        assert!(
            out.contains("        aliases: [perf debugging, port, Portability]\n"),
            "{out}"
        );
        // Merging twice keeps every old id findable.
        let twice = merge(&out, "perf", "testing").unwrap();
        let book = loads(&twice);
        for old in ["perf", "port"] {
            assert_eq!(book.find_id(old).unwrap().id, "testing", "{old}");
        }
        assert!(twice.contains("          - unit tests\n          - perf\n          - Performance debugging\n          - perf debugging\n          - port\n          - Portability\n"), "{twice}");
    }

    #[test]
    fn edit_merge_refuses_mismatched_codes() {
        let err = merge(TEXT, "challenges", "perf").unwrap_err();
        assert!(
            err.message.contains("which is inside `challenges`"),
            "{err}"
        );
        let err = merge(TEXT, "perf", "perf").unwrap_err();
        assert!(err.message.contains("into itself"), "{err}");
        let err = merge(TEXT, "training", "perf").unwrap_err();
        assert!(
            err.message.contains("a value of dimension `stage`"),
            "{err}"
        );
        let err = merge(TEXT, "stage", "practices").unwrap_err();
        assert!(
            err.message.contains("only one of them is a dimension"),
            "{err}"
        );
        // Two values of one dimension merge.
        let out = merge(TEXT, "eval", "training").unwrap();
        assert!(
            out.contains("        name: Training\n        aliases: [eval, Evaluation]\n"),
            "{out}"
        );
    }

    #[test]
    fn edit_retire_and_unretire_round_trip() {
        let out = retire(TEXT, "challenges").unwrap();
        assert_eq!(diff(TEXT, &out), ["+    retired: true"]);
        assert!(out.contains("    key: c\n    retired: true\n    children:\n"));
        assert!(loads(&out).get("challenges").unwrap().retired);
        assert_eq!(retire(&out, "challenges").unwrap(), out);
        assert_eq!(unretire(&out, "challenges").unwrap(), TEXT);
        assert_eq!(unretire(TEXT, "challenges").unwrap(), TEXT);
        // A leaf gets it last; `retired: false` is switched.
        let out = retire(TEXT, "eval").unwrap();
        assert!(
            out.ends_with("        name: Evaluation\n        retired: true\n"),
            "{out}"
        );
        let falsy = TEXT.replace(
            "name: Evaluation\n",
            "name: Evaluation\n        retired: false # for now\n",
        );
        let out = retire(&falsy, "eval").unwrap();
        assert!(out.ends_with("        retired: true # for now\n"), "{out}");
    }

    #[test]
    fn edit_refuses_flow_items_anchors_and_invalid_codebooks() {
        let flow = "codes:\n  - id: a\n    name: A\n    children:\n      - {id: b, name: B}\n";
        let err = rename(flow, "a", "Alpha").unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.message.contains("flow style"), "{err}");
        let flow = "codes:\n  - id: a\n    name: A\n    children: [{id: b, name: B}]\n";
        let err = rename(flow, "a", "Alpha").unwrap_err();
        assert_eq!(err.line, 4);
        assert!(
            err.message
                .starts_with("`children` of `a` is written in flow style"),
            "{err}"
        );
        let anchored = "codes:\n  - id: a\n    name: &n A\n";
        let err = rename(anchored, "a", "Alpha").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(
            err.message.starts_with("an anchor (`&`) is not supported"),
            "{err}"
        );
        let bad = "codes:\n  - id: a\n    name: A\n    colour: red\n";
        let err = rename(bad, "a", "Alpha").unwrap_err();
        assert_eq!(err.line, 4);
        assert!(err.message.contains("fix this first"), "{err}");
        assert_eq!(
            err.in_file(Path::new("codebooks/x.yaml")).to_string(),
            "codebooks/x.yaml:4: unknown key `colour` in `a`; did you mean `color`?; gloss edits a codebook only when `gloss codebook check` passes, so fix this first"
        );
    }

    #[test]
    fn edit_keeps_crlf_line_ends_and_a_missing_final_newline() {
        let crlf = TEXT.replace('\n', "\r\n");
        let out = rename(&crlf, "eval", "Evaluation of models").unwrap();
        assert_eq!(
            out,
            TEXT.replace("name: Evaluation\n", "name: Evaluation of models\n")
                .replace('\n', "\r\n")
        );
        let out = retire(&crlf, "eval").unwrap();
        assert_eq!(out, retire(TEXT, "eval").unwrap().replace('\n', "\r\n"));
        let bare = TEXT.trim_end_matches('\n');
        let out = rename(bare, "eval", "Eval").unwrap();
        assert_eq!(out, bare.replace("name: Evaluation", "name: Eval"));
    }

    #[test]
    fn edit_follows_other_block_layouts() {
        // Items at column 0, a bare dash, children at their key's column, keys after
        // `children:`, a flow list over two lines, and non-ASCII text.
        let text = "\
codes:
- id: a
  name: Älpha
  children:
  - id: b
    name: B
    aliases: [one,
      two]
  -
    id: c
    name: C
  description: after the children
- id: d
  name: D
";
        let out = merge(text, "c", "b").unwrap();
        assert_eq!(
            diff(text, &out),
            [
                "-      two]",
                "-  -",
                "-    id: c",
                "-    name: C",
                "+      two, c]",
            ]
        );
        let out = move_code(text, "d", Some("b")).unwrap();
        assert!(
            out.contains(
                "      two]
    children:
    - id: d
      name: D
  -
"
            ),
            "{out}"
        );
        let out = move_code(text, "c", None).unwrap();
        assert!(
            out.ends_with(
                "  name: D
-
  id: c
  name: C
"
            ),
            "{out}"
        );
        let out = rename(text, "a", "Ålpha: ü").unwrap();
        assert!(out.contains("  name: \"Ålpha: ü\"\n"), "{out}");
        let out = retire(text, "a").unwrap();
        assert!(
            out.contains("  name: Älpha\n  retired: true\n  children:\n"),
            "{out}"
        );
        let new = NewCode {
            id: "e".into(),
            name: "E".into(),
            ..NewCode::default()
        };
        let out = add(text, Some("a"), &new).unwrap();
        assert!(
            out.contains("    name: C\n  - id: e\n    name: E\n  description:"),
            "{out}"
        );
        // `children: []` gets its first code.
        let empty = text.replace(
            "- id: d\n  name: D\n",
            "- id: d\n  name: D\n  children: []\n",
        );
        let out = add(&empty, Some("d"), &new).unwrap();
        assert!(
            out.ends_with("  name: D\n  children:\n  - id: e\n    name: E\n"),
            "{out}"
        );
    }

    #[test]
    fn edit_scalars_read_back_as_written() {
        for s in [
            "plain",
            "Yes",
            "on",
            "1.0",
            "0x1f",
            "~",
            "a: b",
            "a #b",
            "#x",
            "[x]",
            "x, y",
            "'q'",
            "tab\there",
            "line\nbreak",
            "back\\slash",
            "é ü",
            " pad ",
            "-",
            "@at",
        ] {
            let doc = format!("a: {}\nb: [{}]\n", block_scalar(s), flow_scalar(s));
            let v: serde_yaml::Value = serde_yaml::from_str(&doc).unwrap();
            assert_eq!(v["a"].as_str(), Some(s), "{doc}");
            assert_eq!(v["b"][0].as_str(), Some(s), "{doc}");
        }
        assert_eq!(flow_scalar("x, y"), "\"x, y\"");
        assert_eq!(block_scalar("x, y"), "x, y");
    }
}
