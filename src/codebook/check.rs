//! Reading and checking the codebook files: every problem is reported with its file,
//! line and column, and the codes that survive are merged into one [`Codebook`].
//!
//! Each file is parsed by `yaml_serde` into a `Value` (so only YAML syntax errors stop
//! a file) and walked by hand; positions come from the line index in `scan`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::scan::{Scan, ScannedCode, scan};
use super::{Code, Codebook, Problem, Select, normalize_label};

/// The keys a code may have, in the order the documentation lists them.
const CODE_KEYS: [&str; 12] = [
    "id",
    "name",
    "description",
    "include",
    "exclude",
    "example",
    "color",
    "key",
    "aliases",
    "select",
    "retired",
    "children",
];

/// Checks every `*.yaml`/`*.yml` file in `dir` (see [`Codebook::check`]).
pub(super) fn check_dir(dir: &Path) -> (Option<Codebook>, Vec<Problem>) {
    let files = match codebook_files(dir) {
        Ok(files) => files,
        Err(problem) => return (None, vec![problem]),
    };
    let texts = files.iter().map(|path| read_file(path)).collect();
    check_texts(&files, texts)
}

/// Checks codebook files given with their text (or the problem met reading them), in
/// the order given: the same checks as [`check_dir`], for text not yet written.
pub(super) fn check_texts(
    files: &[PathBuf],
    texts: Vec<Result<String, Problem>>,
) -> (Option<Codebook>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut all_parsed = true;
    for (path, text) in files.iter().zip(texts) {
        match text {
            Ok(text) => {
                if !check_file(path, &text, &mut nodes, &mut problems) {
                    all_parsed = false;
                }
            }
            Err(problem) => {
                all_parsed = false;
                problems.push(problem);
            }
        }
    }
    let codebook = check_tree(files, nodes, &mut problems);
    let order: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_path(), i))
        .collect();
    problems.sort_by_key(|p| {
        (
            order.get(p.file.as_path()).copied().unwrap_or(usize::MAX),
            p.line,
            p.column,
        )
    });
    (all_parsed.then_some(codebook), problems)
}

/// The codebook files of `dir` in file-name order (hidden files skipped). A missing
/// folder has none.
pub(super) fn codebook_files(dir: &Path) -> Result<Vec<PathBuf>, Problem> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(whole_file(
                dir,
                format!("cannot list the codebook folder: {e}"),
            ));
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| whole_file(dir, format!("cannot list the codebook folder: {e}")))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if name.starts_with('.') || !(name.ends_with(".yaml") || name.ends_with(".yml")) {
            continue;
        }
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A problem about a whole file (no position).
fn whole_file(path: &Path, message: String) -> Problem {
    Problem {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        message,
    }
}

/// A problem at a 1-based position.
fn at(path: &Path, (line, column): (usize, usize), message: String) -> Problem {
    Problem {
        file: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// Reads a codebook file as UTF-8 text.
pub(super) fn read_file(path: &Path) -> Result<String, Problem> {
    let bytes =
        std::fs::read(path).map_err(|e| whole_file(path, format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        whole_file(
            path,
            format!(
                "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// One list item under `codes:` or `children:`, as found in a file.
struct Node {
    path: PathBuf,
    /// Index in the node list of the parent code.
    parent: Option<usize>,
    /// The item's start, and the positions of its keys.
    start: (usize, usize),
    keys: HashMap<String, (usize, usize)>,
    /// The interpreted code (links not set yet); `None` for an item that is not a
    /// mapping.
    code: Option<Code>,
    /// The id as written (`None` when missing or not text).
    id: Option<String>,
    name_given: bool,
}

impl Node {
    /// The position of `key`, or the item's start.
    fn pos(&self, key: &str) -> (usize, usize) {
        self.keys.get(key).copied().unwrap_or(self.start)
    }

    /// How messages refer to this code.
    fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("`{id}`"),
            None => "this code".into(),
        }
    }
}

/// Parses and walks one file, pushing its codes (pre-order) to `nodes`. Returns
/// false when the file is not valid YAML.
fn check_file(path: &Path, text: &str, nodes: &mut Vec<Node>, problems: &mut Vec<Problem>) -> bool {
    let value: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = yaml_message(&e.to_string());
            let pos = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            problems.push(at(path, pos, format!("YAML syntax error: {message}")));
            return false;
        }
    };
    let scanned = scan(text);
    let mut walker = Walker {
        path,
        items: Vec::new(),
        problems,
    };
    let top = match &value {
        Value::Null => return true,
        Value::Mapping(m) => m,
        _ => {
            walker.problems.push(at(
                path,
                (1, 1),
                "a codebook file must be a mapping with the key `codes:` holding a list of codes"
                    .into(),
            ));
            return true;
        }
    };
    let top_pos = |key: &str| {
        scanned
            .top_keys
            .iter()
            .find(|k| k.name == key)
            .map_or((1, 1), |k| (k.line, k.column))
    };
    for (k, v) in top {
        let key = key_text(k);
        if key == "codes" {
            walker.collect(v, None, top_pos("codes"));
        } else {
            let hint = match suggest(&key, &["codes"]) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => "; a codebook file has only the key `codes`".into(),
            };
            walker.problems.push(at(
                path,
                top_pos(&key),
                format!("unknown top-level key `{key}`{hint}"),
            ));
        }
    }
    let items = std::mem::take(&mut walker.items);
    let positions = match_positions(&items, &scanned);
    let base = nodes.len();
    for (i, (value, parent)) in items.into_iter().enumerate() {
        let scanned_code = positions.get(i).copied().flatten();
        let fallback = parent
            .and_then(|p: usize| nodes.get(base + p))
            .map_or_else(|| top_pos("codes"), |n: &Node| n.start);
        let node = walker.interpret(value, parent.map(|p| base + p), scanned_code, fallback);
        nodes.push(node);
    }
    true
}

/// Walks the `Value` tree, collecting list items in pre-order.
struct Walker<'a, 'v> {
    path: &'a Path,
    /// Each item with the index (in `items`) of its parent.
    items: Vec<(&'v Value, Option<usize>)>,
    problems: &'a mut Vec<Problem>,
}

impl<'v> Walker<'_, 'v> {
    /// Collects the codes of a `codes:` or `children:` value.
    fn collect(&mut self, list: &'v Value, parent: Option<usize>, pos: (usize, usize)) {
        match list {
            Value::Null => {}
            Value::Sequence(seq) => {
                for item in seq {
                    self.items.push((item, parent));
                    let me = self.items.len() - 1;
                    if let Some(children) = item.as_mapping().and_then(|m| m.get("children")) {
                        self.collect(children, Some(me), pos);
                    }
                }
            }
            _ => {
                // Reported by `interpret` for `children`; here only for `codes`.
                if parent.is_none() {
                    self.problems.push(at(
                        self.path,
                        pos,
                        "`codes` must be a list of codes, each starting with `- id:`".into(),
                    ));
                }
            }
        }
    }

    /// Interprets one item as a code, reporting the problems local to it.
    fn interpret(
        &mut self,
        value: &Value,
        parent: Option<usize>,
        scanned: Option<&ScannedCode>,
        fallback: (usize, usize),
    ) -> Node {
        let mut node = Node {
            path: self.path.to_path_buf(),
            parent,
            start: scanned.map_or(fallback, |s| (s.line, s.column)),
            keys: scanned
                .map(|s| {
                    s.keys
                        .iter()
                        .rev()
                        .map(|k| (k.name.clone(), (k.line, k.column)))
                        .collect()
                })
                .unwrap_or_default(),
            code: None,
            id: None,
            name_given: false,
        };
        let Some(map) = value.as_mapping() else {
            self.problems.push(at(
                self.path,
                node.start,
                format!(
                    "a code must be a mapping with at least `id` and `name`, not {}",
                    describe(value)
                ),
            ));
            return node;
        };
        node.id = match map.get("id") {
            Some(v) => scalar(v),
            None => None,
        };
        let mut code = Code {
            id: node.id.clone().unwrap_or_default(),
            name: String::new(),
            description: String::new(),
            include: String::new(),
            exclude: String::new(),
            example: String::new(),
            color: None,
            key: None,
            aliases: Vec::new(),
            select: None,
            retired: false,
            parent: None,
            children: Vec::new(),
            depth: 0,
            dimension: None,
            file: self.path.to_path_buf(),
            line: node.start.0,
        };
        self.fields(map, &mut node, &mut code);
        node.code = Some(code);
        node
    }

    /// Reads the keys of a code's mapping into `code`.
    fn fields(&mut self, map: &Mapping, node: &mut Node, code: &mut Code) {
        let me = node.label();
        for (k, v) in map {
            let key = key_text(k);
            let pos = node.pos(&key);
            let text_of = |problems: &mut Vec<Problem>| -> Option<String> {
                if matches!(v, Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_)) {
                    problems.push(at(
                        self.path,
                        pos,
                        format!("`{key}` of {me} must be text, not {}", describe(v)),
                    ));
                    return None;
                }
                scalar(v)
            };
            match key.as_str() {
                "id" => match text_of(self.problems) {
                    Some(id) if valid_id(&id) => {}
                    Some(id) => self.problems.push(at(
                        self.path,
                        pos,
                        format!(
                            "id `{id}` may hold only letters, digits, `-`, `_` and `.`; write e.g. `{}`",
                            slug(&id)
                        ),
                    )),
                    None => {}
                },
                "name" => {
                    if let Some(name) = text_of(self.problems).filter(|n| !n.trim().is_empty()) {
                        code.name = name.trim().to_string();
                        node.name_given = true;
                    }
                }
                "description" => code.description = text_of(self.problems).unwrap_or_default(),
                "include" => code.include = text_of(self.problems).unwrap_or_default(),
                "exclude" => code.exclude = text_of(self.problems).unwrap_or_default(),
                "example" => code.example = text_of(self.problems).unwrap_or_default(),
                "color" => {
                    if v.is_null() {
                        self.problems.push(at(
                            self.path,
                            pos,
                            format!(
                                "`color` of {me} is empty; quote the colour, since an unquoted `#` starts a YAML comment: color: \"#d19a66\""
                            ),
                        ));
                    } else if let Some(c) = text_of(self.problems) {
                        match parse_color(&c) {
                            Some(c) => code.color = Some(c),
                            None => self.problems.push(at(
                                self.path,
                                pos,
                                format!(
                                    "color `{c}` of {me} is not a colour; write `#rrggbb` or `#rgb` in hex, e.g. \"#d19a66\""
                                ),
                            )),
                        }
                    }
                }
                "key" => {
                    if let Some(k) = text_of(self.problems) {
                        let mut chars = k.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) if !c.is_whitespace() && !c.is_control() => {
                                code.key = Some(c);
                            }
                            _ => self.problems.push(at(
                                self.path,
                                pos,
                                format!("key `{k}` of {me} is not one character; a shortcut is a single letter, digit or sign"),
                            )),
                        }
                    }
                }
                "aliases" => match v {
                    Value::Null => {}
                    Value::Sequence(seq) => {
                        for item in seq {
                            match item {
                                Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => {
                                    self.problems.push(at(
                                        self.path,
                                        pos,
                                        format!("each alias of {me} must be text, not {}", describe(item)),
                                    ));
                                }
                                _ => code.aliases.extend(scalar(item).filter(|a| !a.trim().is_empty())),
                            }
                        }
                    }
                    _ => code.aliases.extend(text_of(self.problems).filter(|a| !a.trim().is_empty())),
                },
                "select" => {
                    let s = text_of(self.problems).unwrap_or_default();
                    match s.trim() {
                        "one" => code.select = Some(Select::One),
                        "many" => code.select = Some(Select::Many),
                        other => self.problems.push(at(
                            self.path,
                            pos,
                            format!(
                                "select `{other}` of {me} must be `one` (pick one value) or `many` (check all that apply)"
                            ),
                        )),
                    }
                }
                "retired" => match v {
                    Value::Bool(b) => code.retired = *b,
                    _ => self.problems.push(at(
                        self.path,
                        pos,
                        format!(
                            "`retired` of {me} must be `true` or `false`, not {}",
                            describe(v)
                        ),
                    )),
                },
                "children" => {
                    if !matches!(v, Value::Null | Value::Sequence(_)) {
                        self.problems.push(at(
                            self.path,
                            pos,
                            format!("`children` of {me} must be a list of codes, each starting with `- id:`"),
                        ));
                    }
                }
                _ => self
                    .problems
                    .push(at(self.path, pos, unknown_key_message(&key, &me))),
            }
        }
        if node.id.is_none() {
            let example = if code.name.is_empty() {
                "my-code".to_string()
            } else {
                slug(&code.name)
            };
            self.problems.push(at(
                self.path,
                node.start,
                format!("code has no `id`; add one, e.g. `id: {example}`"),
            ));
        }
        if !node.name_given {
            code.name = code.id.clone();
            self.problems.push(at(
                self.path,
                node.start,
                format!("{me} has no `name`; add the name coders will see, e.g. `name: ...`"),
            ));
        }
    }
}

/// Matches the collected items with the scanned codes: by index when the counts
/// agree (the usual block-style file), else by id text in order.
fn match_positions<'s>(
    items: &[(&Value, Option<usize>)],
    scanned: &'s Scan,
) -> Vec<Option<&'s ScannedCode>> {
    if items.len() == scanned.codes.len() {
        return scanned.codes.iter().map(Some).collect();
    }
    let mut cursor = 0;
    items
        .iter()
        .map(|(value, _)| {
            let id = value
                .as_mapping()
                .and_then(|m| m.get("id"))
                .and_then(scalar)?;
            let found = scanned
                .codes
                .iter()
                .enumerate()
                .skip(cursor)
                .find(|(_, s)| s.id_text.as_deref() == Some(id.as_str()))?;
            cursor = found.0 + 1;
            Some(found.1)
        })
        .collect()
}

/// The checks across codes and files (ids, labels, keys, nested dimensions), then
/// the merged codebook of the codes kept.
fn check_tree(files: &[PathBuf], mut nodes: Vec<Node>, problems: &mut Vec<Problem>) -> Codebook {
    let mut keep = vec![true; nodes.len()];
    let mut first_id: HashMap<String, usize> = HashMap::new();
    for i in 0..nodes.len() {
        let parent_kept = nodes
            .get(i)
            .and_then(|n| n.parent)
            .is_none_or(|p| keep.get(p).copied().unwrap_or(false));
        let Some(node) = nodes.get(i) else { continue };
        let Some(id) = node.code.as_ref().and(node.id.clone()) else {
            keep[i] = false;
            continue;
        };
        if let Some(&first) = first_id.get(&id) {
            let first_pos = nodes
                .get(first)
                .map(|f| (f.path.display().to_string(), f.pos("id").0));
            let (file, line) = first_pos.unwrap_or_default();
            problems.push(at(
                &node.path,
                node.pos("id"),
                format!(
                    "duplicate id `{id}`: already used at {file}:{line}; ids must be unique across all codebook files, so rename one of them"
                ),
            ));
            keep[i] = false;
        } else {
            first_id.insert(id, i);
            keep[i] = parent_kept;
        }
    }

    // Dimensions: the nearest ancestor with a select; a value cannot have one.
    let mut dimension: Vec<Option<usize>> = vec![None; nodes.len()];
    for i in 0..nodes.len() {
        let parent = nodes.get(i).and_then(|n| n.parent);
        let inherited = parent.and_then(|p| {
            let pd = dimension.get(p).copied().flatten();
            let p_is_dim = nodes
                .get(p)
                .and_then(|n| n.code.as_ref())
                .is_some_and(|c| c.select.is_some());
            if p_is_dim { Some(p) } else { pd }
        });
        dimension[i] = inherited;
        let Some(dim) = inherited else { continue };
        let dim_label = nodes.get(dim).map(|d| d.label()).unwrap_or_default();
        let Some(node) = nodes.get_mut(i) else {
            continue;
        };
        let me = node.label();
        let pos = node.pos("select");
        if let Some(code) = node.code.as_mut().filter(|c| c.select.is_some()) {
            code.select = None;
            problems.push(at(
                &node.path,
                pos,
                format!(
                    "{me} has `select` but is a value of dimension {dim_label}; a value cannot be a dimension, so remove `select` here or move {me} out of {dim_label}"
                ),
            ));
        }
    }

    // Labels (id, name, aliases) must name one code per scope; keys one code overall.
    let mut labels: HashMap<(Option<usize>, String), (usize, &'static str)> = HashMap::new();
    let mut keys: HashMap<char, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if !keep.get(i).copied().unwrap_or(false) {
            // Left out (no id, a duplicate id, or below one): reported already.
            continue;
        }
        let Some(code) = node.code.as_ref() else {
            continue;
        };
        let scope = dimension.get(i).copied().flatten();
        let mut mine: Vec<(String, &'static str, &str)> = vec![(code.id.clone(), "id", "id")];
        if node.name_given {
            mine.push((code.name.clone(), "name", "name"));
        }
        mine.extend(code.aliases.iter().map(|a| (a.clone(), "alias", "aliases")));
        let mut seen_here: Vec<String> = Vec::new();
        for (raw, kind, key) in mine {
            let norm = normalize_label(&raw);
            if norm.is_empty() || seen_here.contains(&norm) {
                continue;
            }
            seen_here.push(norm.clone());
            match labels.get(&(scope, norm.clone())) {
                Some(&(first, first_kind)) => {
                    let Some(f) = nodes.get(first) else { continue };
                    let first_key = match first_kind {
                        "id" => "id",
                        "name" => "name",
                        _ => "aliases",
                    };
                    let article = match first_kind {
                        "id" => "the id",
                        "name" => "the name",
                        _ => "an alias",
                    };
                    let within = scope
                        .and_then(|d| nodes.get(d))
                        .map(|d| format!(" within dimension {}", d.label()))
                        .unwrap_or_default();
                    problems.push(at(
                        &node.path,
                        node.pos(key),
                        format!(
                            "{kind} `{raw}` of {} is already {article} of {} at {}:{}; a label (compared ignoring case and spaces) must name one code{within}, so change or remove one of them",
                            node.label(),
                            f.label(),
                            f.path.display(),
                            f.pos(first_key).0
                        ),
                    ));
                }
                None => {
                    labels.insert((scope, norm), (i, kind));
                }
            }
        }
        if let Some(k) = code.key {
            match keys.get(&k) {
                Some(&first) => {
                    let Some(f) = nodes.get(first) else { continue };
                    problems.push(at(
                        &node.path,
                        node.pos("key"),
                        format!(
                            "key `{k}` of {} is already the shortcut of {} at {}:{}; choose another key",
                            node.label(),
                            f.label(),
                            f.path.display(),
                            f.pos("key").0
                        ),
                    ));
                }
                None => {
                    keys.insert(k, i);
                }
            }
        }
    }

    // Build the codebook from the kept codes, in pre-order.
    let mut new_index: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut codes: Vec<Code> = Vec::new();
    for (i, node) in nodes.iter_mut().enumerate() {
        if !keep.get(i).copied().unwrap_or(false) {
            continue;
        }
        let Some(mut code) = node.code.take() else {
            continue;
        };
        code.parent = node
            .parent
            .and_then(|p| new_index.get(p).copied().flatten());
        code.dimension = dimension
            .get(i)
            .copied()
            .flatten()
            .and_then(|d| new_index.get(d).copied().flatten());
        let me = codes.len();
        if let Some(parent) = code.parent.and_then(|p| codes.get_mut(p)) {
            parent.children.push(me);
            code.depth = parent.depth + 1;
        }
        new_index[i] = Some(me);
        codes.push(code);
    }
    Codebook::from_codes(codes, files.to_vec())
}

/// A yaml_serde message without its first ` at line N column M` (the problem's own
/// position, shown in front), keeping any context such as `, while parsing a flow
/// sequence at line 3 column 11`.
fn yaml_message(message: &str) -> String {
    let Some(start) = message.find(" at line ") else {
        return message.to_string();
    };
    let head = message.get(..start).unwrap_or(message);
    let tail = message.get(start..).unwrap_or("");
    match tail.find(',') {
        Some(comma) => format!("{head}{}", tail.get(comma..).unwrap_or("")),
        None => head.to_string(),
    }
}

/// The text of a mapping key.
fn key_text(k: &Value) -> String {
    scalar(k).unwrap_or_else(|| describe(k))
}

/// The text of a scalar (string, number or boolean); `None` for null and collections.
pub(super) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A short description of a value's kind, for messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("`{s}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged `{}`", t.tag),
    }
}

/// Whether `id` is non-empty and holds only letters, digits, `-`, `_` and `.`.
pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A suggested id for a name: lower-case, with runs of other characters as `-`.
pub(super) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "my-code".into()
    } else {
        out
    }
}

/// `#rrggbb` or `#rgb` → lower-case `#rrggbb`.
pub(crate) fn parse_color(c: &str) -> Option<String> {
    let hex = c.trim().strip_prefix('#')?;
    if !hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    match hex.len() {
        6 => Some(format!("#{hex}")),
        3 => Some(format!(
            "#{}",
            hex.chars().flat_map(|ch| [ch, ch]).collect::<String>()
        )),
        _ => None,
    }
}

/// The message for an unknown key of a code, with a suggestion when one is close.
fn unknown_key_message(key: &str, me: &str) -> String {
    let lower = key.to_lowercase();
    if matches!(lower.as_str(), "memo" | "memos" | "note" | "notes") {
        return format!(
            "unknown key `{key}` in {me}; memos on codes are not part of the codebook: write them in gloss, which keeps them in your coder file"
        );
    }
    match suggest(key, &CODE_KEYS) {
        Some(s) => format!("unknown key `{key}` in {me}; did you mean `{s}`?"),
        None => format!(
            "unknown key `{key}` in {me}; a code's keys are {}",
            CODE_KEYS.join(", ")
        ),
    }
}

/// The known key that `key` most likely means: a synonym, or one within two edits.
fn suggest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_lowercase();
    let synonym = match lower.as_str() {
        "colour" | "colours" | "colors" => "color",
        "shortcut" | "hotkey" | "keys" => "key",
        "alias" | "synonyms" | "labels" => "aliases",
        "title" | "label" => "name",
        "definition" | "desc" | "meaning" => "description",
        "includes" | "inclusion" | "when" => "include",
        "excludes" | "exclusion" | "when-not" => "exclude",
        "examples" => "example",
        "values" | "subcodes" | "codes" | "child" => "children",
        "code" => "codes",
        "dimension" | "choose" | "pick" => "select",
        _ => "",
    };
    if let Some(s) = known.iter().find(|k| **k == synonym) {
        return Some(s);
    }
    known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let up = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = (prev + cost).min(up + 1).min(left + 1);
            prev = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codebook_helpers() {
        assert_eq!(parse_color("#ABC").as_deref(), Some("#aabbcc"));
        assert_eq!(parse_color("#d19a66").as_deref(), Some("#d19a66"));
        assert_eq!(parse_color("#12"), None);
        assert_eq!(parse_color("red"), None);
        assert_eq!(
            slug("Performance Debugging (GPU)"),
            "performance-debugging-gpu"
        );
        assert_eq!(edit_distance("descripton", "description"), 1);
        assert_eq!(suggest("colour", &CODE_KEYS), Some("color"));
        assert_eq!(suggest("descripton", &CODE_KEYS), Some("description"));
        assert_eq!(suggest("zzzzzz", &CODE_KEYS), None);
        assert!(valid_id("perf-debugging_2.0"));
        assert_eq!(
            yaml_message(
                "did not find expected ',' or ']' at line 4 column 1, while parsing a flow sequence at line 3 column 11"
            ),
            "did not find expected ',' or ']', while parsing a flow sequence at line 3 column 11"
        );
        assert_eq!(
            yaml_message("invalid type: string \"x\", expected a map at line 1 column 1"),
            "invalid type: string \"x\", expected a map"
        );
        assert!(!valid_id("perf debugging"));
        assert!(!valid_id("a/b"));
    }
}
