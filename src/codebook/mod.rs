//! The codebook: a tree of codes and instrument dimensions read from the YAML files
//! in the project's `codebooks/` folder, with lookups by id, label and shortcut key,
//! and the tree that `gloss codebook show` prints.
//!
//! # Format
//!
//! Every `*.yaml`/`*.yml` file in `codebooks/` is read in file-name order and the
//! files are merged into one tree. A file holds one key, `codes`, with a list of
//! codes; a code is a mapping:
//!
//! ```yaml
//! codes:
//!   - id: challenges                  # required; unique across all files
//!     name: Challenges                # required
//!     description: What gets in the way.
//!     include: When to apply it.      # inclusion criteria
//!     exclude: When not to.           # exclusion criteria
//!     example: A made-up example.
//!     color: "#d19a66"                # #rrggbb or #rgb; quote it (# starts a comment)
//!     key: c                          # a one-character shortcut
//!     aliases: [difficulties]         # other labels that mean this code
//!     retired: true                   # no longer used for new coding; old codings keep it
//!     children:
//!       - id: performance-debugging
//!         name: Performance debugging
//!   - id: stage
//!     name: DL stage
//!     select: one                     # a dimension: pick one value (or `many`)
//!     children:                       # its values; values may nest
//!       - id: stage-training
//!         name: Training
//! ```
//!
//! Ids may hold letters, digits, `-`, `_` and `.`. A label (id, name or alias,
//! compared case-insensitively with whitespace trimmed and collapsed) must name a
//! single code within its scope: the values of one dimension form a scope, and every
//! code outside dimensions shares one scope. So `Other` may be a value of several
//! dimensions. Shortcut keys are unique across the codebook. Memos on codes are kept
//! in coders' files, never here.
//!
//! `gloss codebook merge` keeps a merged code's id among the aliases of the code it
//! was merged into, so codings that still name the old id find their code through
//! [`Codebook::find_id`] and [`Codebook::resolve`].

mod check;
pub(crate) use check::parse_color;
pub mod edit;
mod scan;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::{Error, Result};

/// How many values of a dimension a record may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Select {
    /// Exactly one value per record.
    One,
    /// Any number of values per record (check all that apply).
    Many,
}

impl Select {
    /// The word used in the YAML file: `one` or `many`.
    pub fn as_str(self) -> &'static str {
        match self {
            Select::One => "one",
            Select::Many => "many",
        }
    }
}

/// One code of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// The code's id, unique across the codebook.
    pub id: String,
    /// The name shown to coders.
    pub name: String,
    /// What the code means (empty when not given).
    pub description: String,
    /// Inclusion criteria: when to apply the code (empty when not given).
    pub include: String,
    /// Exclusion criteria: when not to apply it (empty when not given).
    pub exclude: String,
    /// An example of a passage or record the code applies to (empty when not given).
    pub example: String,
    /// The display colour, normalised to lower-case `#rrggbb`.
    pub color: Option<String>,
    /// A one-character shortcut.
    pub key: Option<char>,
    /// Other labels that mean this code (e.g. spreadsheet spellings).
    pub aliases: Vec<String>,
    /// Set when the code is an instrument dimension; its descendants are its values.
    pub select: Option<Select>,
    /// Retired from the codebook (`retired: true`): kept so that old codings keep
    /// their meaning, shown as retired, still resolved by id, name and alias.
    pub retired: bool,
    /// Index in [`Codebook::codes`] of the parent code.
    pub parent: Option<usize>,
    /// Indices in [`Codebook::codes`] of the children, in file order.
    pub children: Vec<usize>,
    /// 0 for a top-level code.
    pub depth: usize,
    /// Index in [`Codebook::codes`] of the dimension this code is a value of.
    pub dimension: Option<usize>,
    /// The codebook file that defines the code.
    pub file: PathBuf,
    /// The 1-based line where the code's mapping starts.
    pub line: usize,
}

/// A problem found while checking the codebook, at a 1-based line and column
/// (both 0 when the problem concerns the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// The merged code tree of a project.
#[derive(Debug, Clone, Default)]
pub struct Codebook {
    /// Every code, in pre-order (a parent before its children, files in name order).
    pub codes: Vec<Code>,
    /// The files read, in the order they were merged.
    pub files: Vec<PathBuf>,
    by_id: HashMap<String, usize>,
    by_alias: HashMap<String, usize>,
    by_label: HashMap<String, Vec<usize>>,
    by_key: HashMap<char, usize>,
}

/// Normalises a label for comparison: trimmed, inner whitespace collapsed to one
/// space, lower-cased (`"  Bad  Performance "` → `"bad performance"`).
pub fn normalize_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Codebook {
    /// Reads every codebook file in `dir`. Fails with the first problem found (a YAML
    /// syntax error, or any other problem [`Codebook::check`] reports), saying how
    /// many more there are. A missing folder is an empty codebook.
    pub fn load(dir: &Path) -> Result<Codebook> {
        let (codebook, problems) = Codebook::check(dir);
        if let Some(first) = problems.first() {
            let more = problems.len() - 1;
            let mut message = first.message.clone();
            if more > 0 {
                message.push_str(&format!(
                    " (and {more} more problem{}; run `gloss codebook check` to list them all)",
                    if more == 1 { "" } else { "s" }
                ));
            }
            return Err(Error::Parse {
                path: first.file.clone(),
                location: (first.line > 0).then(|| format!("{}:{}", first.line, first.column)),
                message,
            });
        }
        codebook.ok_or_else(|| {
            Error::Project(format!("could not read the codebooks in {}", dir.display()))
        })
    }

    /// Checks every codebook file in `dir` and reports every problem, in file order
    /// then position order. The codebook is returned whenever every file is valid
    /// YAML; codes with problems are kept where possible (a code without an id, or
    /// with an id already used, is left out with its subtree).
    pub fn check(dir: &Path) -> (Option<Codebook>, Vec<Problem>) {
        check::check_dir(dir)
    }

    /// Checks codebook files given as `(path, text)`, in the order given, exactly as
    /// [`Codebook::check`] checks the files of a folder: for an edit checked before
    /// it is written.
    pub fn check_sources(sources: &[(PathBuf, String)]) -> (Option<Codebook>, Vec<Problem>) {
        let files: Vec<PathBuf> = sources.iter().map(|(p, _)| p.clone()).collect();
        let texts = sources.iter().map(|(_, t)| Ok(t.clone())).collect();
        check::check_texts(&files, texts)
    }

    /// Builds the indices from `codes` (already in pre-order with links set).
    fn from_codes(codes: Vec<Code>, files: Vec<PathBuf>) -> Codebook {
        let mut book = Codebook {
            codes,
            files,
            ..Codebook::default()
        };
        for (i, code) in book.codes.iter().enumerate() {
            book.by_id.entry(code.id.clone()).or_insert(i);
            for alias in &code.aliases {
                book.by_alias.entry(alias.trim().to_string()).or_insert(i);
            }
            if let Some(k) = code.key {
                book.by_key.entry(k).or_insert(i);
            }
            let mut labels: Vec<String> = std::iter::once(&code.id)
                .chain(std::iter::once(&code.name))
                .chain(code.aliases.iter())
                .map(|l| normalize_label(l))
                .filter(|l| !l.is_empty())
                .collect();
            labels.sort();
            labels.dedup();
            for label in labels {
                book.by_label.entry(label).or_default().push(i);
            }
        }
        book
    }

    /// The index of the code with this exact id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The code with this exact id.
    pub fn get(&self, id: &str) -> Option<&Code> {
        self.index(id).and_then(|i| self.codes.get(i))
    }

    /// The code an id stored in a coding file means: the code with this id, else the
    /// code that lists it, exactly, among its aliases (where `gloss codebook merge`
    /// keeps the id of a code merged away).
    pub fn find_id(&self, id: &str) -> Option<&Code> {
        self.get(id).or_else(|| {
            self.by_alias
                .get(id)
                .and_then(|&i| self.codes.get(i))
                .filter(|_| !self.by_id.contains_key(id))
        })
    }

    /// Every code whose id, name or alias matches `label` (normalised), in pre-order.
    pub fn resolve_all(&self, label: &str) -> Vec<&Code> {
        self.by_label
            .get(&normalize_label(label))
            .map(|v| v.iter().filter_map(|&i| self.codes.get(i)).collect())
            .unwrap_or_default()
    }

    /// The code a label means: an exact id first (or an id merged away, kept as an
    /// alias: [`Codebook::find_id`]), then an id, name or alias compared
    /// case-insensitively with whitespace trimmed and collapsed. A label shared by
    /// codes of several scopes resolves to the one outside dimensions if there is
    /// exactly one, else to nothing: use [`Codebook::dimension_value`] for values.
    pub fn resolve(&self, label: &str) -> Option<&Code> {
        if let Some(code) = self.find_id(label) {
            return Some(code);
        }
        let all = self.resolve_all(label);
        if all.len() == 1 {
            return all.first().copied();
        }
        let open: Vec<&Code> = all.into_iter().filter(|c| c.dimension.is_none()).collect();
        match open.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The ancestors of `id`, nearest first (empty for a top-level or unknown code).
    pub fn ancestors(&self, id: &str) -> Vec<&Code> {
        let mut out = Vec::new();
        let mut next = self.get(id).and_then(|c| c.parent);
        while let Some(i) = next {
            let Some(code) = self.codes.get(i) else { break };
            out.push(code);
            next = code.parent;
        }
        out
    }

    /// `id` and every code below it, in pre-order (empty for an unknown id).
    pub fn descendants(&self, id: &str) -> Vec<&Code> {
        let Some(start) = self.index(id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            let Some(code) = self.codes.get(i) else {
                continue;
            };
            out.push(code);
            stack.extend(code.children.iter().rev());
        }
        out
    }

    /// Whether the code at index `i` lies strictly below the code at index `ancestor`.
    fn is_below(&self, i: usize, ancestor: usize) -> bool {
        let mut next = self.codes.get(i).and_then(|c| c.parent);
        while let Some(p) = next {
            if p == ancestor {
                return true;
            }
            next = self.codes.get(p).and_then(|c| c.parent);
        }
        false
    }

    /// The ids from the top-level code down to `id`, joined by `/`
    /// (`challenges/performance-debugging`); `None` for an unknown id.
    pub fn path(&self, id: &str) -> Option<String> {
        let code = self.get(id)?;
        let mut parts: Vec<&str> = self.ancestors(id).iter().map(|c| c.id.as_str()).collect();
        parts.reverse();
        parts.push(&code.id);
        Some(parts.join("/"))
    }

    /// The names from the top-level code down to `id`, joined by ` > `
    /// (`Challenges > Performance debugging`); `None` for an unknown id.
    pub fn name_path(&self, id: &str) -> Option<String> {
        let code = self.get(id)?;
        let mut parts: Vec<&str> = self.ancestors(id).iter().map(|c| c.name.as_str()).collect();
        parts.reverse();
        parts.push(&code.name);
        Some(parts.join(" > "))
    }

    /// The instrument dimensions (codes with `select`), in pre-order.
    pub fn dimensions(&self) -> Vec<&Code> {
        self.codes.iter().filter(|c| c.select.is_some()).collect()
    }

    /// The dimension with this id, name or alias (normalised).
    pub fn dimension(&self, id_or_name: &str) -> Option<&Code> {
        if let Some(code) = self.get(id_or_name).filter(|c| c.select.is_some()) {
            return Some(code);
        }
        self.resolve_all(id_or_name)
            .into_iter()
            .find(|c| c.select.is_some())
    }

    /// The value of dimension `dim` (id, name or alias) that `label` names, looking
    /// only at the dimension's descendants: `dimension_value("impact", "crash")`.
    pub fn dimension_value(&self, dim: &str, label: &str) -> Option<&Code> {
        let dim = self.dimension(dim)?;
        let dim_index = self.index(&dim.id)?;
        if let Some(i) = self.index(label).filter(|&i| self.is_below(i, dim_index)) {
            return self.codes.get(i);
        }
        self.by_label
            .get(&normalize_label(label))?
            .iter()
            .find(|&&i| self.is_below(i, dim_index))
            .and_then(|&i| self.codes.get(i))
    }

    /// The code with this shortcut key.
    pub fn by_key(&self, key: char) -> Option<&Code> {
        self.by_key.get(&key).and_then(|&i| self.codes.get(i))
    }

    /// The tree for `gloss codebook show`: one line per code, indented by depth,
    /// with id, name, `(select one|many)`, `[key]`, `(retired)` and the count from `counts`
    /// (by code id; 0 when absent), right-aligned. Deterministic, without colours.
    pub fn render_tree(&self, counts: &HashMap<String, usize>) -> String {
        let rows: Vec<(String, String, String)> = self
            .codes
            .iter()
            .map(|c| {
                let left = format!("{}{}", "  ".repeat(c.depth), c.id);
                let mut name = c.name.clone();
                if let Some(s) = c.select {
                    name.push_str(&format!(" (select {})", s.as_str()));
                }
                if let Some(k) = c.key {
                    name.push_str(&format!(" [{k}]"));
                }
                if c.retired {
                    name.push_str(" (retired)");
                }
                let count = counts.get(&c.id).copied().unwrap_or(0).to_string();
                (left, name, count)
            })
            .collect();
        let width = |s: &str| s.chars().count();
        let left_w = rows.iter().map(|r| width(&r.0)).max().unwrap_or(0);
        let name_w = rows.iter().map(|r| width(&r.1)).max().unwrap_or(0);
        let count_w = rows.iter().map(|r| width(&r.2)).max().unwrap_or(0);
        let mut out = String::new();
        for (left, name, count) in rows {
            out.push_str(&format!(
                "{left}{}  {name}{}  {}{count}\n",
                " ".repeat(left_w - width(&left)),
                " ".repeat(name_w - width(&name)),
                " ".repeat(count_w - width(&count)),
            ));
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
codes:
  - id: challenges
    name: Challenges
    key: c
    children:
      - id: performance-debugging
        name: Performance debugging
        aliases: [perf debugging, \"Performance  Debug\"]
        key: p
  - id: stage
    name: DL stage
    select: one
    children:
      - id: stage-training
        name: Training
      - id: stage-other
        name: Other
  - id: impact
    name: Impact
    select: many
    children:
      - id: impact-crash
        name: Crash
      - id: impact-other
        name: Other
        children:
          - id: impact-hang
            name: Hang
";

    fn sample() -> Codebook {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.yaml"), SAMPLE).unwrap();
        Codebook::load(tmp.path()).unwrap()
    }

    #[test]
    fn codebook_loads_tree_in_preorder_with_links() {
        let cb = sample();
        let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "challenges",
                "performance-debugging",
                "stage",
                "stage-training",
                "stage-other",
                "impact",
                "impact-crash",
                "impact-other",
                "impact-hang"
            ]
        );
        let hang = cb.get("impact-hang").unwrap();
        assert_eq!(hang.depth, 2);
        assert_eq!(hang.dimension, Some(5));
        assert_eq!(hang.line, 27);
        assert_eq!(cb.codes[0].children, vec![1]);
        assert_eq!(cb.codes[1].parent, Some(0));
    }

    #[test]
    fn codebook_resolve_labels() {
        let cb = sample();
        assert_eq!(
            cb.resolve("  PERF   debugging ").unwrap().id,
            "performance-debugging"
        );
        assert_eq!(
            cb.resolve("performance debug").unwrap().id,
            "performance-debugging"
        );
        assert_eq!(cb.resolve("Crash").unwrap().id, "impact-crash");
        // `Other` names values of two dimensions: ambiguous.
        assert!(cb.resolve("other").is_none());
        assert_eq!(cb.resolve_all("other").len(), 2);
        assert!(cb.resolve("nothing").is_none());
    }

    #[test]
    fn codebook_tree_lookups() {
        let cb = sample();
        let anc: Vec<&str> = cb
            .ancestors("impact-hang")
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(anc, ["impact-other", "impact"]);
        let desc: Vec<&str> = cb
            .descendants("impact")
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            desc,
            ["impact", "impact-crash", "impact-other", "impact-hang"]
        );
        assert!(cb.descendants("nope").is_empty());
        assert_eq!(
            cb.path("performance-debugging").unwrap(),
            "challenges/performance-debugging"
        );
        assert_eq!(
            cb.name_path("impact-hang").unwrap(),
            "Impact > Other > Hang"
        );
        assert_eq!(cb.by_key('p').unwrap().id, "performance-debugging");
        assert!(cb.by_key('z').is_none());
    }

    #[test]
    fn codebook_dimensions_and_values() {
        let cb = sample();
        let dims: Vec<&str> = cb.dimensions().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(dims, ["stage", "impact"]);
        assert_eq!(cb.dimension("dl  STAGE").unwrap().id, "stage");
        assert!(cb.dimension("challenges").is_none());
        assert_eq!(
            cb.dimension_value("stage", "other").unwrap().id,
            "stage-other"
        );
        assert_eq!(
            cb.dimension_value("Impact", "OTHER").unwrap().id,
            "impact-other"
        );
        assert_eq!(
            cb.dimension_value("impact", "hang").unwrap().id,
            "impact-hang"
        );
        assert!(cb.dimension_value("stage", "crash").is_none());
        assert!(cb.dimension_value("stage", "stage").is_none());
        assert!(cb.dimension_value("nope", "crash").is_none());
    }

    #[test]
    fn codebook_render_tree_is_aligned_and_deterministic() {
        let cb = sample();
        let mut counts = HashMap::new();
        counts.insert("impact-crash".to_string(), 208);
        counts.insert("challenges".to_string(), 3);
        let tree = cb.render_tree(&counts);
        let expected = "\
challenges               Challenges [c]               3
  performance-debugging  Performance debugging [p]    0
stage                    DL stage (select one)        0
  stage-training         Training                     0
  stage-other            Other                        0
impact                   Impact (select many)         0
  impact-crash           Crash                      208
  impact-other           Other                        0
    impact-hang          Hang                         0
";
        assert_eq!(tree, expected);
        assert_eq!(cb.render_tree(&counts), tree);
        assert_eq!(Codebook::default().render_tree(&counts), "");
    }

    #[test]
    fn codebook_ids_kept_as_aliases_resolve_to_their_code() {
        // `perf` was merged into `slowness`, and `crash` into `failure`; the label
        // `crash` is also a value of a dimension, so only the exact id decides.
        let text = "\
codes:
  - id: slowness
    name: Slowness
    aliases: [perf, Performance debugging]
  - id: failure
    name: Failure
    aliases: [crash]
    retired: true
  - id: impact
    name: Impact
    select: many
    children:
      - id: impact-crash
        name: Crash
      - id: impact-hang
        name: Hang
        aliases: [Crash2]
";
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.yaml"), text).unwrap();
        let cb = Codebook::load(tmp.path()).unwrap();
        assert_eq!(cb.find_id("perf").unwrap().id, "slowness");
        assert_eq!(cb.resolve("perf").unwrap().id, "slowness");
        assert_eq!(cb.find_id("crash").unwrap().id, "failure");
        assert_eq!(cb.resolve("crash").unwrap().id, "failure");
        // An exact id always wins over an alias; aliases match exactly only.
        assert_eq!(cb.find_id("impact-crash").unwrap().id, "impact-crash");
        assert!(cb.find_id("PERF").is_none());
        assert_eq!(cb.resolve("PERF").unwrap().id, "slowness");
        assert!(cb.find_id("nothing").is_none());
        // A retired code still resolves, and the tree marks it.
        let failure = cb.resolve("Failure").unwrap();
        assert!(failure.retired);
        assert!(!cb.get("slowness").unwrap().retired);
        let tree = cb.render_tree(&HashMap::new());
        assert!(tree.contains("failure         Failure (retired)"), "{tree}");
    }

    #[test]
    fn codebook_retired_must_be_a_boolean() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("a.yaml"),
            "codes:\n  - id: a\n    name: A\n    retired: sometimes\n",
        )
        .unwrap();
        let (_, problems) = Codebook::check(tmp.path());
        let shown: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(
            shown,
            ["`retired` of `a` must be `true` or `false`, not `sometimes`"]
        );
    }

    #[test]
    fn codebook_normalize_label() {
        assert_eq!(
            normalize_label("  Bad \u{a0} Performance\t"),
            "bad performance"
        );
        assert_eq!(normalize_label(""), "");
    }
}
