//! Importing a REFI-QDA project (`.qdpx`) or codebook (`.qdc`) into a gloss project.
//!
//! * Codes become codebook entries: a code already in the codebook under the same name
//!   and parent is reused; a new one gets an id made from its name (`-2`, `-3` … when
//!   taken) and, when another code of its scope has its name, its parent's name in
//!   brackets. New top-level codes go to a new file in `codebooks/`, new codes under
//!   existing ones into their parent's file.
//! * Sources become documents. A source gloss exported (the [`super::gloss_data`] note
//!   says so, and its text is unchanged) comes back as it was: its id, kind, file,
//!   turns, speakers, attributes. Any other text source becomes a transcript,
//!   `transcripts/<name>.txt`, holding the text as written, read by gloss's transcript
//!   parser (speaker labels, paragraphs). A document whose id the project has with the
//!   same turns is reused; with other turns, the import takes the next free id.
//! * Selections' codings become span codings of their users (coders named after them),
//!   placed by [`super::positions::read_selections`]; stretches outside the turns'
//!   text (speaker labels, blank lines) are left out of the span. Notes become memos.
//!   A coding the coder already has (same document, code and span) is not added again.
//!
//! Everything is read, placed and checked before anything is written: a problem (an
//! unsafe archive, bad XML, a selection outside its text, a coding of an unknown code)
//! is an error naming each case, and the project is left as it was. `skip_bad` imports
//! the rest and lists what was left out. The writes come last: codebook files,
//! document files, `documents.yaml`, then each coder's entries in one durable batch.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::gloss_data::{DocData, GlossData, NOTE_NAME};
use super::positions::{Placed, RawSelection, TurnMap, read_selections, render};
use super::qde::{Coding, Note, QdeCode, QdeProject, Selection, TextSource};
use super::read::{XmlError, normalize_guid, read_codebook, read_project};
use super::zipsafe::{Archive, Limits};
use crate::codebook::{Codebook, Select, normalize_label};
use crate::coding::anchor::AnchorText;
use crate::coding::store::{Op, Writer, validate_coder};
use crate::coding::{
    DocStatus, Entry, Evidence, Memo, MemoTarget, Progress, Record, SpanCoding, memo_key,
};
use crate::corpus::{AttrValue, Attributes, DocKind, Document, Position, Turn, docfile, slug};
use crate::project::{Project, SpeakerInfo};
use crate::study::Study;
use crate::{Error, Result};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The coder of codings, notes and records whose user is not known.
    pub coder: String,
    /// Import what can be placed and list the rest, instead of refusing the file.
    pub skip_bad: bool,
    /// Size limits for the archive.
    pub limits: Limits,
}

impl ImportOptions {
    pub fn new(coder: &str) -> ImportOptions {
        ImportOptions {
            coder: coder.to_string(),
            skip_bad: false,
            limits: Limits::default(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Documents new to the project.
    pub documents_added: Vec<String>,
    /// Documents the project already had with the same text.
    pub documents_unchanged: Vec<String>,
    /// Ids of codes added to the codebook.
    pub codes_added: Vec<String>,
    /// Codes found in the codebook already.
    pub codes_reused: usize,
    /// Span codings added, per coder.
    pub codings: BTreeMap<String, usize>,
    /// Codings the coders had already.
    pub codings_unchanged: usize,
    pub records: usize,
    pub memos: usize,
    pub statuses: usize,
    /// How selections' positions were read, with how many were read each way.
    pub readings: BTreeMap<String, usize>,
    /// Selections, codings and sources left out (with `skip_bad`), one line each.
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    pub written: Vec<PathBuf>,
}

/// Reads an archive from disk under the limits.
fn read_archive(path: &Path, limits: &Limits) -> Result<Archive> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > limits.max_total_bytes {
        return Err(Error::Input(format!(
            "{}: the file is larger than {} MiB; gloss refuses it",
            path.display(),
            limits.max_total_bytes >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    super::zipsafe::read(&bytes, limits)
        .map_err(|m| Error::Input(format!("{}: {m}", path.display())))
}

fn xml_error(path: &Path, inner: &str, e: XmlError) -> Error {
    Error::Parse {
        path: path.join(inner),
        location: Some(e.line.to_string()),
        message: format!("the file {}", e.message),
    }
}

/// Imports a `.qdpx` file into the project.
pub fn import_qdpx(project: &Project, path: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let archive = read_archive(path, &opts.limits)?;
    let qde = archive.get("project.qde").ok_or_else(|| {
        Error::Input(format!(
            "{}: the archive holds no project.qde; is it a REFI-QDA project (.qdpx)?",
            path.display()
        ))
    })?;
    let qde = read_project(qde).map_err(|e| xml_error(path, "project.qde", e))?;
    let data = gloss_data(&qde).map_err(|m| Error::Input(format!("{}: {m}", path.display())))?;
    let study = Study::open(project.clone())?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut plan = Plan::new(&study, opts, &stem);
    plan.users(&qde);
    plan.codes(&qde.codes, data.as_ref());
    plan.documents(&qde, &archive, data.as_ref());
    plan.codings(&qde, data.as_ref());
    if let Some(data) = &data {
        plan.records(data);
    }
    plan.finish(path)
}

/// Imports a `.qdc` codebook file into the project's codebook.
pub fn import_qdc(project: &Project, path: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > opts.limits.max_entry_bytes {
        return Err(Error::Input(format!(
            "{}: the file is larger than {} MiB; gloss refuses it",
            path.display(),
            opts.limits.max_entry_bytes >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let codes = read_codebook(&bytes).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        location: Some(e.line.to_string()),
        message: format!("the file {}", e.message),
    })?;
    let study = Study::open(project.clone())?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut plan = Plan::new(&study, opts, &stem);
    plan.codes(&codes, None);
    plan.finish(path)
}

/// The gloss data note of a project, if it has one.
fn gloss_data(qde: &QdeProject) -> std::result::Result<Option<GlossData>, String> {
    let by_ref = qde
        .notes
        .iter()
        .filter(|n| qde.note_refs.contains(&n.guid) || n.name == NOTE_NAME);
    for note in by_ref {
        if let Some(data) = GlossData::parse(&note.text)? {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// A code to add, as it will be written.
#[derive(Debug, Clone, Default, Serialize)]
struct NewCode {
    /// The name in the file imported (a clash may change `name`).
    #[serde(skip)]
    original: String,
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    select: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    include: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    exclude: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    example: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    retired: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<NewCode>,
}

/// Where a new code's parent is.
#[derive(Debug, Clone)]
enum Parent {
    Top,
    /// A code the codebook already has (its id).
    Existing(String),
    /// A new code: the path of indices to it in `Plan::new_files[file].codes`.
    New(usize, Vec<usize>),
}

/// A new codebook file.
struct NewFile {
    path: PathBuf,
    codes: Vec<NewCode>,
}

/// A document to write (or reuse), and how to place selections in its source text.
struct PlannedDoc {
    doc: Document,
    /// The source text, without a byte order mark.
    text: String,
    map: TurnMap,
    /// A source gloss exported (read back from its rendering).
    rendered: bool,
}

/// A document file to write.
enum DocWrite {
    /// A transcript file: its text.
    Transcript { path: PathBuf, text: String },
    /// Documents to add to a gloss document file (by their sources' GUIDs; the
    /// documents are taken from the plan when written).
    Docfile { path: PathBuf, sources: Vec<String> },
}

/// Everything an import will do, worked out before anything is written.
struct Plan<'a> {
    study: &'a Study,
    opts: &'a ImportOptions,
    stem: String,
    report: ImportReport,
    /// Problems that stop the import unless `skip_bad`.
    bad: Vec<String>,
    /// User GUID → coder.
    users: HashMap<String, String>,
    unknown_users: HashSet<String>,
    // Codes.
    code_ids: HashMap<String, String>,
    /// Original gloss id → id here (for records' values).
    gloss_code_ids: HashMap<String, String>,
    code_scope: HashMap<String, Option<String>>,
    ids_taken: HashSet<String>,
    labels: HashMap<Option<String>, HashSet<String>>,
    keys_taken: HashSet<char>,
    new_files: Vec<NewFile>,
    /// Codebook files changed by adding codes under existing ones: path → text.
    edits: BTreeMap<PathBuf, String>,
    /// Names of codes (for messages): guid → name.
    code_names: HashMap<String, String>,
    // Documents.
    docs: HashMap<String, PlannedDoc>,
    writes: Vec<DocWrite>,
    meta: BTreeMap<String, (Attributes, BTreeMap<String, SpeakerInfo>)>,
    ids_planned: HashSet<String>,
    paths_planned: HashSet<PathBuf>,
    /// The project's source globs.
    globs: Option<globset::GlobSet>,
    /// Index in `writes` of each gloss document file.
    docfiles: HashMap<PathBuf, usize>,
    // Codings etc., per coder.
    ops: BTreeMap<String, Vec<Op>>,
    new_codings: BTreeMap<String, Vec<SpanCoding>>,
    /// Codings that stand for records (skipped: the records come from the data).
    record_codings: HashSet<String>,
}

impl<'a> Plan<'a> {
    fn new(study: &'a Study, opts: &'a ImportOptions, stem: &str) -> Plan<'a> {
        let book = &study.codebook;
        let mut ids_taken = HashSet::new();
        let mut labels: HashMap<Option<String>, HashSet<String>> = HashMap::new();
        let mut keys_taken = HashSet::new();
        for c in &book.codes {
            ids_taken.insert(c.id.clone());
            ids_taken.extend(c.aliases.iter().cloned());
            let scope = c.dimension.map(|d| book.codes[d].id.clone());
            let set = labels.entry(scope).or_default();
            set.insert(normalize_label(&c.id));
            set.insert(normalize_label(&c.name));
            set.extend(c.aliases.iter().map(|a| normalize_label(a)));
            keys_taken.extend(c.key);
        }
        Plan {
            study,
            opts,
            stem: stem.to_string(),
            report: ImportReport::default(),
            bad: Vec::new(),
            users: HashMap::new(),
            unknown_users: HashSet::new(),
            code_ids: HashMap::new(),
            gloss_code_ids: HashMap::new(),
            code_scope: HashMap::new(),
            ids_taken,
            labels,
            keys_taken,
            new_files: Vec::new(),
            edits: BTreeMap::new(),
            code_names: HashMap::new(),
            docs: HashMap::new(),
            writes: Vec::new(),
            meta: BTreeMap::new(),
            ids_planned: HashSet::new(),
            paths_planned: HashSet::new(),
            globs: source_globs(&study.project),
            docfiles: HashMap::new(),
            ops: BTreeMap::new(),
            new_codings: BTreeMap::new(),
            record_codings: HashSet::new(),
        }
    }

    fn warn(&mut self, message: String) {
        self.report.warnings.push(message);
    }

    // ------------------------------------------------------------------ users

    fn users(&mut self, qde: &QdeProject) {
        let mut taken: HashSet<String> = HashSet::new();
        for u in &qde.users {
            let base = coder_name(&u.name, &u.guid);
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}-{n}");
                n += 1;
            }
            if name != u.name {
                self.warn(format!(
                    "user {:?} codes as coder {name} (coder names are file names)",
                    u.name
                ));
            }
            taken.insert(name.clone());
            self.users.insert(u.guid.clone(), name);
        }
    }

    /// The coder of a GUID (the first known of the candidates), else the importing coder.
    fn coder_of(&mut self, candidates: &[Option<&String>]) -> String {
        for guid in candidates.iter().flatten() {
            if let Some(name) = self.users.get(guid.as_str()) {
                return name.clone();
            }
            if self.unknown_users.insert((*guid).clone()) {
                let coder = self.opts.coder.clone();
                self.warn(format!(
                    "user {guid} is not among the project's users; their work is imported as {coder}'s"
                ));
            }
        }
        self.opts.coder.clone()
    }

    // ------------------------------------------------------------------ codes

    fn codes(&mut self, codes: &[QdeCode], data: Option<&GlossData>) {
        let extra: HashMap<&str, &super::gloss_data::CodeData> = data
            .map(|d| d.codes.iter().map(|c| (c.code.as_str(), c)).collect())
            .unwrap_or_default();
        for code in codes {
            self.code(code, Parent::Top, None, &extra);
        }
    }

    fn code(
        &mut self,
        code: &QdeCode,
        parent: Parent,
        scope: Option<String>,
        extra: &HashMap<&str, &super::gloss_data::CodeData>,
    ) {
        let book = &self.study.codebook;
        let gd = extra.get(code.guid.as_str()).copied();
        let name = clean_name(&code.name);
        self.code_names.insert(code.guid.clone(), name.clone());
        let parent_id = match &parent {
            Parent::Top => None,
            Parent::Existing(id) => Some(id.clone()),
            Parent::New(..) => Some(String::new()),
        };
        // Reuse a code the codebook has under the same name and parent.
        if !matches!(parent, Parent::New(..)) {
            let same_parent =
                |c: &crate::codebook::Code| c.parent.map(|p| book.codes[p].id.clone()) == parent_id;
            let by_id = gd
                .and_then(|g| book.get(&g.id))
                .filter(|c| normalize_label(&c.name) == normalize_label(&name));
            // Its name, or the name an earlier import gave it (`Name (Parent)`, `… 2`).
            let norm = normalize_label(&name);
            let renamed = format!("{norm} (");
            let found = by_id.or_else(|| {
                let all: Vec<_> = book
                    .codes
                    .iter()
                    .filter(|c| same_parent(c))
                    .filter(|c| {
                        let n = normalize_label(&c.name);
                        n == norm || n.starts_with(&renamed)
                    })
                    .collect();
                match all.as_slice() {
                    [one] => Some(*one),
                    many => many
                        .iter()
                        .find(|c| normalize_label(&c.name) == norm)
                        .copied(),
                }
            });
            if let Some(existing) = found {
                let id = existing.id.clone();
                self.code_ids.insert(code.guid.clone(), id.clone());
                if let Some(g) = gd {
                    self.gloss_code_ids.insert(g.id.clone(), id.clone());
                }
                let scope = existing.dimension.map(|d| book.codes[d].id.clone());
                self.code_scope.insert(id.clone(), scope.clone());
                self.report.codes_reused += 1;
                let child_scope = if existing.select.is_some() {
                    Some(id.clone())
                } else {
                    scope
                };
                for child in &code.children {
                    self.code(
                        child,
                        Parent::Existing(id.clone()),
                        child_scope.clone(),
                        extra,
                    );
                }
                return;
            }
        }
        // A new code: a free id and a name unique in its scope.
        let base = gd
            .map(|g| g.id.clone())
            .filter(|id| valid_id(id))
            .unwrap_or_else(|| {
                let s = slug(&name);
                if s.is_empty() { "code".to_string() } else { s }
            });
        let mut id = base.clone();
        let mut n = 2;
        while self.ids_taken.contains(&id)
            || self
                .labels
                .get(&scope)
                .is_some_and(|l| l.contains(&normalize_label(&id)))
        {
            id = format!("{base}-{n}");
            n += 1;
        }
        let mut unique = name.clone();
        let clash = |plan: &Plan, label: &str| {
            plan.labels
                .get(&scope)
                .is_some_and(|l| l.contains(&normalize_label(label)))
        };
        if clash(self, &unique) {
            let parent_name = match &parent {
                Parent::Existing(p) => self.study.codebook.get(p).map(|c| c.name.clone()),
                Parent::New(..) => self.new_code_name(&parent),
                Parent::Top => None,
            };
            if let Some(p) = parent_name {
                unique = format!("{name} ({p})");
            }
            let base_name = unique.clone();
            let mut n = 2;
            while clash(self, &unique) {
                unique = format!("{base_name} {n}");
                n += 1;
            }
        }
        let labels = self.labels.entry(scope.clone()).or_default();
        labels.insert(normalize_label(&id));
        labels.insert(normalize_label(&unique));
        self.ids_taken.insert(id.clone());
        if unique != name {
            self.warn(format!(
                "code {name:?} is called {unique:?} in gloss: another code has its name"
            ));
        }
        let (description, include, exclude, example) =
            split_description(code.description.as_deref().unwrap_or(""));
        let mut new = NewCode {
            original: name.clone(),
            id: id.clone(),
            name: unique,
            description,
            include,
            exclude,
            example,
            color: code.color.as_deref().and_then(crate::codebook::parse_color),
            ..NewCode::default()
        };
        if let Some(g) = gd {
            new.select = g
                .select
                .clone()
                .filter(|s| s == Select::One.as_str() || s == Select::Many.as_str());
            if let Some(k) = g.key {
                if self.keys_taken.insert(k) {
                    new.key = Some(k.to_string());
                } else {
                    self.warn(format!(
                        "code {id}: its shortcut key {k:?} is taken in this codebook; left out"
                    ));
                }
            }
            for alias in &g.aliases {
                let norm = normalize_label(alias);
                // An alias may repeat the code's own id or name.
                let own = norm == normalize_label(&id) || norm == normalize_label(&new.name);
                let labels = self.labels.entry(scope.clone()).or_default();
                if own || (labels.insert(norm) && !self.ids_taken.contains(alias)) {
                    new.aliases.push(alias.clone());
                } else {
                    self.warn(format!(
                        "code {id}: its alias {alias:?} names another code here; left out"
                    ));
                }
            }
            new.retired = g.retired;
            self.gloss_code_ids.insert(g.id.clone(), id.clone());
        }
        let child_scope = if new.select.is_some() {
            Some(id.clone())
        } else {
            scope.clone()
        };
        self.code_ids.insert(code.guid.clone(), id.clone());
        self.code_scope.insert(id.clone(), scope);
        self.report.codes_added.push(id.clone());
        // Place it.
        let me = match parent {
            Parent::Top => {
                let file = self.file_for(gd.and_then(|g| g.file.as_deref()));
                self.new_files[file].codes.push(new);
                Parent::New(file, vec![self.new_files[file].codes.len() - 1])
            }
            Parent::New(file, path) => {
                let list = self.new_children(file, &path);
                list.push(new);
                let mut p = path.clone();
                p.push(list.len() - 1);
                Parent::New(file, p)
            }
            Parent::Existing(parent_id) => {
                self.add_under_existing(&parent_id, &new);
                Parent::Existing(id.clone())
            }
        };
        for child in &code.children {
            self.code(child, me.clone(), child_scope.clone(), extra);
        }
    }

    fn new_code_name(&mut self, parent: &Parent) -> Option<String> {
        let Parent::New(file, path) = parent else {
            return None;
        };
        let (last, up) = path.split_last()?;
        let list = self.new_children(*file, up);
        list.get(*last).map(|c| c.original.clone())
    }

    fn new_children(&mut self, file: usize, path: &[usize]) -> &mut Vec<NewCode> {
        let mut list = &mut self.new_files[file].codes;
        for &i in path {
            list = &mut list[i].children;
        }
        list
    }

    /// The new codebook file for top-level codes (`wanted`: the file they came from).
    fn file_for(&mut self, wanted: Option<&str>) -> usize {
        let dir = self.study.project.codebooks_dir();
        let ok = |f: &str| {
            (f.ends_with(".yaml") || f.ends_with(".yml"))
                && !f.contains(['/', '\\'])
                && !f.starts_with('.')
        };
        let name = wanted
            .filter(|f| ok(f))
            .map(str::to_string)
            .unwrap_or_else(|| {
                let s = slug(&self.stem);
                format!("{}.yaml", if s.is_empty() { "imported" } else { &s })
            });
        if let Some(i) = self
            .new_files
            .iter()
            .position(|f| f.path.file_name().is_some_and(|n| n == name.as_str()))
        {
            return i;
        }
        let (base, ext) = name.rsplit_once('.').unwrap_or((&name, "yaml"));
        let mut path = dir.join(&name);
        let mut n = 2;
        while path.exists() || self.new_files.iter().any(|f| f.path == path) {
            path = dir.join(format!("{base}-{n}.{ext}"));
            n += 1;
        }
        self.new_files.push(NewFile {
            path,
            codes: Vec::new(),
        });
        self.new_files.len() - 1
    }

    /// Adds a new code under a code the codebook has, editing its file's text.
    fn add_under_existing(&mut self, parent: &str, new: &NewCode) {
        let Some(file) = self.study.codebook.get(parent).map(|c| c.file.clone()) else {
            return;
        };
        let text = match self.edits.get(&file) {
            Some(t) => t.clone(),
            None => match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    self.bad
                        .push(format!("{}: cannot read it: {e}", file.display()));
                    return;
                }
            },
        };
        let lost: Vec<&str> = [
            (!new.include.is_empty(), "inclusion criteria"),
            (!new.exclude.is_empty(), "exclusion criteria"),
            (!new.example.is_empty(), "example"),
            (!new.aliases.is_empty(), "aliases"),
            (new.select.is_some(), "select"),
        ]
        .iter()
        .filter(|(lost, _)| *lost)
        .map(|(_, what)| *what)
        .collect();
        if !lost.is_empty() {
            self.warn(format!(
                "code {} goes under {parent} in {}; its {} are left out (add them by hand)",
                new.id,
                file.display(),
                lost.join(", ")
            ));
        }
        let code = crate::codebook::edit::NewCode {
            id: new.id.clone(),
            name: new.name.clone(),
            description: (!new.description.is_empty()).then(|| new.description.clone()),
            key: new.key.clone(),
            color: new.color.clone(),
        };
        match crate::codebook::edit::add(&text, Some(parent), &code) {
            Ok(t) => {
                self.edits.insert(file, t);
            }
            Err(e) => self.bad.push(format!(
                "code {}: cannot add it under {parent}: {}",
                new.id,
                e.in_file(&file)
            )),
        }
    }

    // -------------------------------------------------------------- documents

    fn documents(&mut self, qde: &QdeProject, archive: &Archive, data: Option<&GlossData>) {
        let docs_data: HashMap<&str, &DocData> = data
            .map(|d| d.documents.iter().map(|x| (x.source.as_str(), x)).collect())
            .unwrap_or_default();
        let variables: HashMap<&str, &str> = qde
            .variables
            .iter()
            .map(|v| (v.guid.as_str(), v.name.as_str()))
            .collect();
        for (kind, name, codings) in &qde.other_sources {
            if *codings > 0 {
                self.bad.push(format!(
                    "{kind} {name:?}: gloss reads text sources only; its {codings} codings cannot be imported"
                ));
            } else {
                self.warn(format!(
                    "{kind} {name:?}: gloss reads text sources only; left out"
                ));
            }
        }
        for source in &qde.sources {
            let Some(text) = self.source_text(source, archive) else {
                continue;
            };
            let gd = docs_data.get(source.guid.as_str()).copied();
            let mut attrs = Attributes::new();
            for v in &source.values {
                if let Some(name) = variables.get(v.variable.as_str()) {
                    attrs.insert((*name).to_string(), AttrValue::One(v.value.clone()));
                }
            }
            if gd.is_none() {
                // Cases that hold the source lend it their values and their name.
                let mut case_names = Vec::new();
                for case in qde
                    .cases
                    .iter()
                    .filter(|c| c.sources.contains(&source.guid))
                {
                    for v in &case.values {
                        if let Some(name) = variables.get(v.variable.as_str()) {
                            attrs
                                .entry((*name).to_string())
                                .or_insert_with(|| AttrValue::One(v.value.clone()));
                        }
                    }
                    if !case.name.is_empty() {
                        case_names.push(case.name.clone());
                    }
                }
                match case_names.len() {
                    0 => {}
                    1 => {
                        attrs
                            .entry("case".into())
                            .or_insert(AttrValue::One(case_names.remove(0)));
                    }
                    _ => {
                        attrs
                            .entry("case".into())
                            .or_insert(AttrValue::Many(case_names));
                    }
                }
            }
            let from_gloss = gd.and_then(|gd| self.gloss_document(gd, &text, &mut attrs));
            if gd.is_some() && from_gloss.is_none() {
                self.warn(format!(
                    "source {:?} changed since gloss exported it; imported as a transcript",
                    source.name
                ));
            }
            let planned = match from_gloss {
                Some(p) => Some(p),
                None => self.foreign_document(source, &text),
            };
            let Some((mut doc, file_text, map, rendered, dest)) = planned else {
                continue;
            };
            self.place_document(&source.guid, &mut doc, file_text, dest, attrs, gd);
            self.docs.insert(
                source.guid.clone(),
                PlannedDoc {
                    doc,
                    text,
                    map,
                    rendered,
                },
            );
        }
    }

    /// A source's text (without a byte order mark), or `None` (and a problem).
    fn source_text(&mut self, source: &TextSource, archive: &Archive) -> Option<String> {
        let bytes: Vec<u8> = if let Some(content) = &source.content {
            content.clone().into_bytes()
        } else if let Some(path) = &source.plain_text_path {
            let file = path.strip_prefix("internal://").unwrap_or(path);
            let file = file.replace('\\', "/");
            let found = archive
                .get(&format!("sources/{file}"))
                .or_else(|| archive.get(&file))
                .or_else(|| {
                    let base = file.rsplit('/').next().unwrap_or(&file);
                    archive.get(&format!("sources/{base}"))
                });
            match found {
                Some(b) => b.to_vec(),
                None => {
                    self.bad.push(format!(
                        "source {:?}: its text {path:?} is not in the archive",
                        source.name
                    ));
                    return None;
                }
            }
        } else {
            self.bad.push(format!(
                "source {:?}: has no plain text (gloss reads plainTextPath or PlainTextContent)",
                source.name
            ));
            return None;
        };
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        match String::from_utf8(bytes.to_vec()) {
            Ok(t) => Some(t),
            Err(e) => {
                self.bad.push(format!(
                    "source {:?}: its text is not UTF-8 (invalid byte at offset {})",
                    source.name,
                    e.utf8_error().valid_up_to()
                ));
                None
            }
        }
    }

    /// A document gloss exported, read back from the data when the text is unchanged:
    /// the document, the file's text, the map, and where it goes.
    #[allow(clippy::type_complexity)]
    fn gloss_document(
        &mut self,
        gd: &DocData,
        text: &str,
        attrs: &mut Attributes,
    ) -> Option<(Document, Option<String>, TurnMap, bool, PathBuf)> {
        let kind = DocKind::parse(&gd.kind)?;
        for (k, list) in &gd.lists {
            if attrs.contains_key(k) {
                attrs.insert(k.clone(), AttrValue::Many(list.clone()));
            }
        }
        let file = safe_relative(&gd.file)?;
        if kind == DocKind::Transcript
            && crate::corpus::load::transcript_id(Path::new(""), &file) != gd.id
        {
            return None;
        }
        let doc = if kind == DocKind::Transcript {
            let original = gd.original.as_ref()?;
            let parsed =
                crate::corpus::import::transcript_document(&file, gd.id.clone(), original).ok()?;
            parsed.document
        } else {
            // The turns are the source's lines: `Speaker: ` and so many characters.
            let mut turns = Vec::with_capacity(gd.turns.len());
            let mut rest = text;
            for t in &gd.turns {
                if !t.speaker.is_empty() {
                    let label = format!("{}: ", super::positions::speaker_label(&t.speaker));
                    rest = rest.strip_prefix(label.as_str())?;
                }
                let end = rest
                    .char_indices()
                    .nth(t.chars)
                    .map_or(rest.len(), |(i, _)| i);
                turns.push(Turn {
                    speaker: t.speaker.clone(),
                    time: t.time.clone(),
                    text: rest[..end].to_string(),
                });
                rest = rest[end..].strip_prefix('\n')?;
            }
            Document {
                id: gd.id.clone(),
                kind,
                title: gd.title.clone(),
                attributes: Attributes::new(),
                turns,
            }
        };
        let rendered = render(&doc.turns);
        if rendered.text != text {
            return None;
        }
        let file_text =
            (kind == DocKind::Transcript).then(|| gd.original.clone().unwrap_or_default());
        Some((doc, file_text, rendered.map(), true, file))
    }

    /// Any other text source: a transcript holding the text as written.
    #[allow(clippy::type_complexity)]
    fn foreign_document(
        &mut self,
        source: &TextSource,
        text: &str,
    ) -> Option<(Document, Option<String>, TurnMap, bool, PathBuf)> {
        let stem = if source.name.trim().is_empty() {
            source
                .plain_text_path
                .as_deref()
                .and_then(|p| p.rsplit(['/', '\\']).next())
                .map(|p| p.rsplit_once('.').map_or(p, |(s, _)| s))
                .unwrap_or("source")
                .to_string()
        } else {
            source.name.clone()
        };
        let stem = match slug(&stem) {
            s if s.is_empty() => "source".to_string(),
            s => s,
        };
        let file = PathBuf::from(format!("transcripts/{stem}.txt"));
        let id = format!("transcripts/{stem}");
        let parsed = match crate::corpus::import::transcript_document(&file, id, text) {
            Ok(p) => p.document,
            Err(e) => {
                self.bad
                    .push(format!("source {:?}: cannot be read: {e}", source.name));
                return None;
            }
        };
        if parsed.turns.is_empty() {
            let n = source.selections.len();
            self.warn(format!(
                "source {:?} has no text; left out{}",
                source.name,
                if n > 0 {
                    format!(" with its {n} selections")
                } else {
                    String::new()
                }
            ));
            return None;
        }
        let Some(map) = TurnMap::align(text, &parsed.turns) else {
            self.bad.push(format!(
                "source {:?}: gloss could not match its turns to its text",
                source.name
            ));
            return None;
        };
        Some((parsed, Some(text.to_string()), map, false, file))
    }

    /// Gives a document its final id and file (the next free ones when the project has
    /// another document under its id), or reuses the project's identical document.
    fn place_document(
        &mut self,
        source: &str,
        doc: &mut Document,
        file_text: Option<String>,
        dest: PathBuf,
        attrs: Attributes,
        gd: Option<&DocData>,
    ) {
        let corpus = &self.study.corpus;
        let project = &self.study.project;
        // The project has this very document: reuse it.
        if let Some(existing) = corpus.get(&doc.id)
            && existing.turns == doc.turns
            && existing.kind == doc.kind
            && !self.ids_planned.contains(&doc.id)
        {
            self.ids_planned.insert(doc.id.clone());
            self.report.documents_unchanged.push(doc.id.clone());
            return;
        }
        let is_transcript = file_text.is_some();
        let (stem, ext) = split_ext(&dest);
        let mut n = 1;
        loop {
            let (id, path) = if n == 1 {
                (doc.id.clone(), dest.clone())
            } else if is_transcript {
                let p = PathBuf::from(format!("{stem}-{n}.{ext}"));
                (crate::corpus::load::transcript_id(Path::new(""), &p), p)
            } else {
                (format!("{}-{n}", doc.id), dest.clone())
            };
            let taken = corpus.get(&id).is_some()
                || self.ids_planned.contains(&id)
                || project.meta.renamed.contains_key(&id)
                || (is_transcript
                    && (project.root.join(&path).exists() || self.paths_planned.contains(&path)));
            if !taken {
                if n > 1 {
                    self.warn(format!(
                        "document {} is in the project already with other text; imported as {id}",
                        doc.id
                    ));
                }
                doc.id = id;
                self.ids_planned.insert(doc.id.clone());
                if !self.globs_match(&path) {
                    self.bad.push(format!(
                        "document {} would be written to {}, which the sources of gloss.yaml do not include; add a glob for it under sources:",
                        doc.id,
                        path.display()
                    ));
                    return;
                }
                self.report.documents_added.push(doc.id.clone());
                let speakers = gd.map(|g| g.speakers.clone()).unwrap_or_default();
                match file_text {
                    Some(text) => {
                        self.paths_planned.insert(path.clone());
                        self.writes.push(DocWrite::Transcript {
                            path: project.root.join(&path),
                            text,
                        });
                        if !attrs.is_empty() || !speakers.is_empty() {
                            self.meta.insert(doc.id.clone(), (attrs, speakers));
                        }
                    }
                    None => {
                        doc.attributes = attrs;
                        let full = project.root.join(&path);
                        match self
                            .docfiles
                            .get(&full)
                            .and_then(|&i| self.writes.get_mut(i))
                        {
                            Some(DocWrite::Docfile { sources, .. }) => {
                                sources.push(source.to_string());
                            }
                            _ => {
                                self.docfiles.insert(full.clone(), self.writes.len());
                                self.writes.push(DocWrite::Docfile {
                                    path: full,
                                    sources: vec![source.to_string()],
                                });
                            }
                        }
                        if !speakers.is_empty() {
                            self.meta
                                .insert(doc.id.clone(), (Attributes::new(), speakers));
                        }
                    }
                }
                return;
            }
            n += 1;
        }
    }

    /// True when the project's source globs match a path relative to its root.
    fn globs_match(&self, rel: &Path) -> bool {
        self.globs.as_ref().is_some_and(|set| set.is_match(rel))
    }

    // ---------------------------------------------------------------- codings

    fn codings(&mut self, qde: &QdeProject, data: Option<&GlossData>) {
        if let Some(d) = data {
            self.record_codings = d
                .records
                .iter()
                .flat_map(|r| r.codings.iter().map(|g| normalize_guid(g)))
                .collect();
        }
        let extra: HashMap<String, &super::gloss_data::CodingData> = data
            .map(|d| {
                d.codings
                    .iter()
                    .map(|c| (normalize_guid(&c.coding), c))
                    .collect()
            })
            .unwrap_or_default();
        let notes: HashMap<&str, &Note> = qde.notes.iter().map(|n| (n.guid.as_str(), n)).collect();
        let mut readings = [0usize; 4];
        // Existing codings per (coder, doc, code, start, end), so none is added twice.
        let mut existing: foldhash::HashSet<(String, String, String, Position, Position)> =
            foldhash::HashSet::default();
        for (coder, c) in self.study.codings.spans() {
            existing.insert((
                coder.to_string(),
                c.doc.clone(),
                c.code.clone(),
                c.start,
                c.end,
            ));
        }
        for source in &qde.sources {
            // Taken out while its codings are placed (and put back), so that the plan can
            // change meanwhile without copying the document.
            let Some(planned) = self.docs.remove(&source.guid) else {
                continue;
            };
            let raws: Vec<RawSelection> = source
                .selections
                .iter()
                .map(|s| RawSelection {
                    start: &s.start,
                    end: &s.end,
                    name: &s.name,
                })
                .collect();
            let placed = read_selections(&planned.text, &raws);
            let doc_id = planned.doc.id.clone();
            let doc = &planned.doc;
            let map = &planned.map;
            let anchors = AnchorText::new(doc);
            let whole = doc.turns.last().map(|t| {
                (
                    Position::new(0, 0),
                    Position::new(doc.turns.len() - 1, t.text.len()),
                )
            });
            let mut work: Vec<(&Selection, Option<(Position, Position)>)> = Vec::new();
            for (sel, p) in source.selections.iter().zip(placed) {
                let describe = |why: &str| {
                    format!(
                        "source {:?}, selection {:?} ({}–{}): {why}",
                        source.name,
                        short(&sel.name),
                        sel.start,
                        sel.end
                    )
                };
                let relevant = sel
                    .codings
                    .iter()
                    .any(|c| !self.record_codings.contains(&c.guid));
                if !relevant {
                    continue;
                }
                let p: Placed = match p {
                    Ok(p) => p,
                    Err(problem) => {
                        self.bad.push(describe(&problem.to_string()));
                        continue;
                    }
                };
                readings[p.reading as usize] += 1;
                let Some((s, e)) = map.span(p.start, p.end) else {
                    self.bad.push(describe(
                        "selects only a speaker label or blank lines, which gloss does not keep as text",
                    ));
                    continue;
                };
                if !doc.is_boundary(s) || !doc.is_boundary(e) {
                    self.bad.push(describe(
                        "splits a character (such as an emoji with a modifier, or a letter with its accent)",
                    ));
                    continue;
                }
                work.push((sel, Some((s, e))));
            }
            let whole_codings: Vec<&Coding> = source
                .codings
                .iter()
                .filter(|c| !self.record_codings.contains(&c.guid))
                .collect();
            let mut todo: Vec<(Option<&Selection>, &Coding, (Position, Position))> = Vec::new();
            for (sel, span) in &work {
                for c in &sel.codings {
                    if self.record_codings.contains(&c.guid) {
                        continue;
                    }
                    if let Some(span) = span {
                        todo.push((Some(sel), c, *span));
                    }
                }
            }
            if let Some(whole) = whole {
                for c in whole_codings {
                    todo.push((None, c, whole));
                }
            }
            for (sel, c, (s, e)) in todo {
                let Some(code) = self.code_ids.get(&c.code).cloned() else {
                    self.bad.push(format!(
                        "source {:?}, coding {}: codes with {}, which is not in the project's codebook",
                        source.name, c.guid, c.code
                    ));
                    continue;
                };
                let coder = self.coder_of(&[
                    c.creating_user.as_ref(),
                    sel.and_then(|s| s.creating_user.as_ref()),
                    source.creating_user.as_ref(),
                ]);
                let key = (coder.clone(), doc_id.clone(), code.clone(), s, e);
                if existing.contains(&key) {
                    self.report.codings_unchanged += 1;
                    continue;
                }
                existing.insert(key);
                let Some(anchor) = anchors.anchor(s, e) else {
                    continue;
                };
                let extra = extra.get(&c.guid);
                let mut memo_parts: Vec<String> = Vec::new();
                for r in c
                    .note_refs
                    .iter()
                    .chain(sel.map(|s| s.note_refs.as_slice()).unwrap_or_default())
                {
                    if let Some(n) = notes.get(r.as_str())
                        && !n.text.trim().is_empty()
                    {
                        memo_parts.push(n.text.clone());
                    }
                }
                let created = c
                    .created
                    .clone()
                    .or_else(|| sel.and_then(|s| s.created.clone()))
                    .map(|t| t.trim().to_string())
                    .filter(|t| looks_like_time(t))
                    .unwrap_or_else(crate::time::now_rfc3339);
                let modified = extra
                    .and_then(|x| x.modified.clone())
                    .or_else(|| sel.and_then(|s| s.modified.clone()))
                    .map(|t| t.trim().to_string())
                    .filter(|t| looks_like_time(t))
                    .unwrap_or_else(|| created.clone());
                let wanted_id = extra.map(|x| x.id.clone());
                let coding = SpanCoding {
                    id: wanted_id.unwrap_or_default(),
                    doc: doc_id.clone(),
                    start: s,
                    end: e,
                    code,
                    anchor,
                    memo: (!memo_parts.is_empty()).then(|| memo_parts.join("\n\n")),
                    star: extra.is_some_and(|x| x.star),
                    batch: extra.and_then(|x| x.batch.clone()),
                    created,
                    modified,
                };
                self.new_codings.entry(coder).or_default().push(coding);
            }
            self.docs.insert(source.guid.clone(), planned);
        }
        for (r, n) in super::positions::Reading::ALL.iter().zip(readings) {
            if n > 0 {
                *self
                    .report
                    .readings
                    .entry(r.describe().to_string())
                    .or_default() += n;
            }
        }
        // Memos on documents and codes.
        for source in &qde.sources {
            let Some(planned) = self.docs.get(&source.guid) else {
                continue;
            };
            let doc = planned.doc.id.clone();
            for r in &source.note_refs {
                if let Some(n) = notes.get(r.as_str()) {
                    self.memo(n, MemoTarget::Document(doc.clone()));
                }
            }
        }
        let mut stack: Vec<&QdeCode> = qde.codes.iter().collect();
        while let Some(code) = stack.pop() {
            if let Some(id) = self.code_ids.get(&code.guid).cloned() {
                for r in &code.note_refs {
                    if let Some(n) = notes.get(r.as_str()) {
                        self.memo(n, MemoTarget::Code(id.clone()));
                    }
                }
            }
            stack.extend(code.children.iter());
        }
    }

    /// A memo from a note; an existing memo of the coder on the same thing is kept.
    fn memo(&mut self, note: &Note, about: MemoTarget) {
        if note.name == NOTE_NAME || note.text.trim().is_empty() {
            return;
        }
        let coder = self.coder_of(&[note.creating_user.as_ref()]);
        let key = memo_key(&about);
        if let Some(Entry::Memo(old)) = self.study.codings.coder(&coder).and_then(|f| f.get(&key)) {
            if old.text != note.text {
                self.warn(format!(
                    "{coder} has a memo on {} already; kept it, the imported one is left out",
                    match &about {
                        MemoTarget::Document(d) => format!("document {d}"),
                        MemoTarget::Code(c) => format!("code {c}"),
                    }
                ));
            }
            return;
        }
        // Several notes on one thing by one coder: one memo.
        let ops = self.ops.entry(coder).or_default();
        let modified = note
            .modified
            .clone()
            .or_else(|| note.created.clone())
            .filter(|t| looks_like_time(t))
            .unwrap_or_else(crate::time::now_rfc3339);
        for op in ops.iter_mut() {
            if let Op::Put(Entry::Memo(m)) = op
                && m.about == about
            {
                m.text.push_str("\n\n");
                m.text.push_str(&note.text);
                return;
            }
        }
        ops.push(Op::Put(Entry::Memo(Memo {
            about,
            text: note.text.clone(),
            modified,
        })));
        self.report.memos += 1;
    }

    // ---------------------------------------------------------------- records

    fn records(&mut self, data: &GlossData) {
        for r in &data.records {
            let Some(planned) = self.docs.get(&r.source) else {
                continue;
            };
            if !planned.rendered {
                continue;
            }
            let doc = &planned.doc;
            let doc_id = doc.id.clone();
            let anchors = AnchorText::new(doc);
            let cps: Vec<usize> = r.evidence.iter().flat_map(|e| [e[0], e[1]]).collect();
            let bytes = bytes_at(&planned.text, &cps);
            let mut evidence = Vec::new();
            for pair in bytes.chunks_exact(2) {
                let (Some(a), Some(b)) = (pair[0], pair[1]) else {
                    continue;
                };
                if let Some((s, e)) = planned.map.span(a, b)
                    && let Some(anchor) = anchors.anchor(s, e)
                {
                    evidence.push(Evidence {
                        start: s,
                        end: e,
                        anchor,
                    });
                }
            }
            let mut values = BTreeMap::new();
            for (dim, vals) in &r.values {
                let dim = self.gloss_code_ids.get(dim).cloned().unwrap_or(dim.clone());
                let vals: Vec<String> = vals
                    .iter()
                    .map(|v| self.gloss_code_ids.get(v).cloned().unwrap_or(v.clone()))
                    .collect();
                values.insert(dim, vals);
            }
            let coder = match validate_coder(&r.coder) {
                Ok(()) => r.coder.clone(),
                Err(_) => self.opts.coder.clone(),
            };
            let mut record = Record {
                doc: doc_id.clone(),
                number: r.number,
                values,
                evidence,
                memo: r.memo.clone(),
                created: r.created.clone(),
                modified: r.modified.clone(),
            };
            let existing = self.study.codings.coder(&coder);
            if let Some(Entry::Record(old)) =
                existing.and_then(|f| f.get(&crate::coding::record_key(&doc_id, r.number)))
            {
                if old.values == record.values {
                    continue;
                }
                let mut n = r.number + 1;
                while existing
                    .and_then(|f| f.get(&crate::coding::record_key(&doc_id, n)))
                    .is_some()
                {
                    n += 1;
                }
                self.warn(format!(
                    "{coder} has record {} of {} already; the imported one is record {n}",
                    r.number, doc_id
                ));
                record.number = n;
            }
            self.ops
                .entry(coder)
                .or_default()
                .push(Op::Put(Entry::Record(record)));
            self.report.records += 1;
        }
        for s in &data.statuses {
            let Some(planned) = self.docs.get(&s.source) else {
                continue;
            };
            let Some(progress) = Progress::parse(&s.progress) else {
                continue;
            };
            let coder = match validate_coder(&s.coder) {
                Ok(()) => s.coder.clone(),
                Err(_) => continue,
            };
            let doc = planned.doc.id.clone();
            if self
                .study
                .codings
                .coder(&coder)
                .is_some_and(|f| f.contains_key(&crate::coding::status_key(&doc)))
            {
                continue;
            }
            self.ops
                .entry(coder)
                .or_default()
                .push(Op::Put(Entry::Status(DocStatus {
                    doc,
                    progress,
                    excluded: s.excluded.clone(),
                    modified: s.modified.clone(),
                })));
            self.report.statuses += 1;
        }
    }

    // ------------------------------------------------------------ write it all

    fn finish(mut self, path: &Path) -> Result<ImportReport> {
        // The codebook as it will be: checked with every file before anything is written.
        let book = &self.study.codebook;
        let mut sources: BTreeMap<PathBuf, String> = BTreeMap::new();
        for file in &book.files {
            let text = match self.edits.get(file) {
                Some(t) => t.clone(),
                None => std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?,
            };
            sources.insert(file.clone(), text);
        }
        let mut new_texts = Vec::new();
        for f in &self.new_files {
            if f.codes.is_empty() {
                continue;
            }
            let text = render_codebook(&f.codes, &self.stem)?;
            sources.insert(f.path.clone(), text.clone());
            new_texts.push((f.path.clone(), text));
        }
        if !new_texts.is_empty() || !self.edits.is_empty() {
            let ordered: Vec<(PathBuf, String)> = sources.into_iter().collect();
            let (_, problems) = Codebook::check_sources(&ordered);
            if let Some(p) = problems.first() {
                return Err(Error::Input(format!(
                    "{}: the imported codes would not make a valid codebook ({p}); nothing was imported",
                    path.display()
                )));
            }
        }
        if !self.bad.is_empty() {
            if self.opts.skip_bad {
                self.report.skipped = std::mem::take(&mut self.bad);
            } else {
                const SHOWN: usize = 20;
                let n = self.bad.len();
                let mut lines: Vec<String> = self
                    .bad
                    .iter()
                    .take(SHOWN)
                    .map(|l| format!("  {l}"))
                    .collect();
                if n > SHOWN {
                    lines.push(format!("  … and {} more", n - SHOWN));
                }
                return Err(Error::Input(format!(
                    "{}: {n} problem{} found; nothing was imported (--skip-bad imports the rest and lists these):\n{}",
                    path.display(),
                    if n == 1 { "" } else { "s" },
                    lines.join("\n")
                )));
            }
        }
        // Coding ids: a gloss id is kept when it is the coder's and never used; others
        // get the coder's next ids.
        let mut writers: BTreeMap<String, Writer> = BTreeMap::new();
        let coders: Vec<String> = self
            .new_codings
            .keys()
            .chain(self.ops.keys())
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for coder in &coders {
            validate_coder(coder)?;
            writers.insert(coder.clone(), Writer::open(&self.study.project, coder)?);
        }
        for (coder, codings) in std::mem::take(&mut self.new_codings) {
            let Some(writer) = writers.get(&coder) else {
                continue;
            };
            let data = writer.data();
            let mut next = data.last_id;
            let keep: Vec<bool> = codings
                .iter()
                .map(|c| {
                    id_number(&c.id, &coder).is_some_and(|n| n > data.last_id)
                        && !data.contains_key(&crate::coding::coding_key(&c.id))
                })
                .collect();
            let mut used: HashSet<String> = HashSet::new();
            for (c, k) in codings.iter().zip(&keep) {
                if *k {
                    next = next.max(id_number(&c.id, &coder).unwrap_or(0));
                    used.insert(c.id.clone());
                }
            }
            let ops = self.ops.entry(coder.clone()).or_default();
            let mut count = 0;
            for (mut c, k) in codings.into_iter().zip(keep) {
                if !k || !used.contains(&c.id) {
                    next += 1;
                    c.id = format!("{coder}-{next}");
                } else {
                    used.remove(&c.id);
                }
                ops.push(Op::Put(Entry::Coding(c)));
                count += 1;
            }
            *self.report.codings.entry(coder).or_default() += count;
        }
        // Document files: the planned documents, with those the file has (read before
        // anything is written).
        let mut docfiles: Vec<(PathBuf, Vec<Document>)> = Vec::new();
        for w in &self.writes {
            if let DocWrite::Docfile { path, sources } = w {
                let mut docs = if path.exists() {
                    docfile::read(path)?
                } else {
                    Vec::new()
                };
                docs.extend(
                    sources
                        .iter()
                        .filter_map(|g| self.docs.remove(g))
                        .map(|p| p.doc),
                );
                docfiles.push((path.clone(), docs));
            }
        }
        // Write: codebook, documents, documents.yaml, coders' entries.
        let project = &self.study.project;
        if !new_texts.is_empty() || !self.edits.is_empty() {
            let _lock = crate::codebook::edit::lock_codebook(project)?;
            let dir = project.codebooks_dir();
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            for (p, text) in self.edits.iter() {
                crate::textio::write_atomic(p, text.as_bytes())?;
                self.report.written.push(p.clone());
            }
            for (p, text) in &new_texts {
                crate::textio::write_atomic(p, text.as_bytes())?;
                self.report.written.push(p.clone());
            }
        }
        for w in std::mem::take(&mut self.writes) {
            match w {
                DocWrite::Transcript { path, text } => {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                    }
                    crate::textio::write_atomic(&path, text.as_bytes())?;
                    self.report.written.push(path);
                }
                DocWrite::Docfile { .. } => {}
            }
        }
        // Document files and coders' files are independent: written side by side.
        let mut jobs: Vec<WriteJob<'_>> = docfiles
            .into_iter()
            .map(|(path, docs)| WriteJob::Docfile(path, docs))
            .collect();
        let mut ops = std::mem::take(&mut self.ops);
        for (coder, writer) in writers.iter_mut() {
            if let Some(ops) = ops.remove(coder)
                && !ops.is_empty()
            {
                let path = crate::coding::store::coding_path(&project.coding_dir(), coder);
                jobs.push(WriteJob::Coder(writer, ops, path));
            }
        }
        for done in crate::parallel::map(jobs, WriteJob::run) {
            self.report.written.push(done?);
        }
        if !self.meta.is_empty() {
            let meta = std::mem::take(&mut self.meta);
            let mut project = project.clone();
            project.update_meta(|m| {
                for (id, (attrs, speakers)) in meta {
                    let entry = m.documents.entry(id).or_default();
                    entry.attributes.extend(attrs);
                    entry.speakers.extend(speakers);
                }
            })?;
            self.report
                .written
                .push(project.root.join(crate::project::META_FILE));
        }
        Ok(self.report)
    }
}

/// One of the last writes of an import.
enum WriteJob<'w> {
    /// A gloss document file and all its documents.
    Docfile(PathBuf, Vec<Document>),
    /// A coder's changes, folded into the coder's file.
    Coder(&'w mut Writer, Vec<Op>, PathBuf),
}

impl WriteJob<'_> {
    /// Does the write; returns the file written.
    fn run(self) -> Result<PathBuf> {
        match self {
            WriteJob::Docfile(path, mut docs) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                }
                docfile::write(&path, &mut docs)?;
                Ok(path)
            }
            WriteJob::Coder(writer, ops, path) => {
                writer.apply_and_compact(ops)?;
                Ok(path)
            }
        }
    }
}

/// Byte offsets of code point offsets of `text` (`None` past its end).
fn bytes_at(text: &str, cps: &[usize]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..cps.len()).collect();
    order.sort_unstable_by_key(|&i| cps[i]);
    let mut out = vec![None; cps.len()];
    let mut iter = text.char_indices();
    let (mut n, mut at) = (0usize, 0usize);
    for i in order {
        while n < cps[i] {
            match iter.next() {
                Some((j, c)) => {
                    at = j + c.len_utf8();
                    n += 1;
                }
                None => break,
            }
        }
        if n == cps[i] {
            out[i] = Some(at);
        }
    }
    out
}

/// The number of a coding id `<coder>-<n>`.
fn id_number(id: &str, coder: &str) -> Option<u64> {
    id.strip_prefix(coder)?.strip_prefix('-')?.parse().ok()
}

/// A coder name for a user: the name when it is usable as a file name, else its
/// letters and digits joined by `-`, else `user-<guid>`.
fn coder_name(name: &str, guid: &str) -> String {
    if validate_coder(name).is_ok() {
        return name.to_string();
    }
    let s = slug(name);
    let s = s.trim_start_matches(['.', '-']).to_string();
    if !s.is_empty() && validate_coder(&s).is_ok() {
        return s;
    }
    format!(
        "user-{}",
        &guid
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(8)
            .collect::<String>()
    )
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A code name without control characters or surrounding space.
fn clean_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        "Unnamed code".into()
    } else {
        s
    }
}

/// Splits a description written by [`super::export::compose_description`] back into
/// description, inclusion and exclusion criteria and example.
pub fn split_description(text: &str) -> (String, String, String, String) {
    let mut parts: [String; 4] = Default::default();
    let mut current = 0;
    for (i, para) in text.split("\n\n").enumerate() {
        let labelled = [("Include: ", 1), ("Exclude: ", 2), ("Example: ", 3)]
            .iter()
            .find_map(|(label, slot)| para.strip_prefix(label).map(|rest| (rest, *slot)));
        match labelled {
            Some((rest, slot)) if slot > current || (slot == current && parts[slot].is_empty()) => {
                current = slot;
                parts[slot] = rest.to_string();
            }
            _ => {
                if i > 0 {
                    parts[current].push_str("\n\n");
                }
                parts[current].push_str(para);
            }
        }
    }
    let [a, b, c, d] = parts;
    (a.trim().to_string(), b, c, d)
}

/// A short form of a selection's name for messages.
fn short(name: &str) -> String {
    let one_line = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// True for an `xsd:dateTime`-like value (`2024-08-01T17:48:00…`).
fn looks_like_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[..4].iter().all(u8::is_ascii_digit)
}

/// A path relative to the project, without `..` or a root; `None` otherwise.
fn safe_relative(file: &str) -> Option<PathBuf> {
    let name = super::zipsafe::safe_name(file).ok()?;
    let first = name.split('/').next()?;
    let ok_folder = ["transcripts", "issues", "surveys"].contains(&first);
    ok_folder.then(|| PathBuf::from(name))
}

fn split_ext(path: &Path) -> (String, String) {
    let s = path.to_string_lossy().into_owned();
    match s.rsplit_once('.') {
        Some((a, b)) if !b.contains('/') => (a.to_string(), b.to_string()),
        _ => (s, "txt".into()),
    }
}

/// A new codebook file's text.
fn render_codebook(codes: &[NewCode], stem: &str) -> Result<String> {
    #[derive(Serialize)]
    struct File<'a> {
        codes: &'a [NewCode],
    }
    let body = serde_yaml::to_string(&File { codes })
        .map_err(|e| Error::Input(format!("cannot write the imported codes as YAML: {e}")))?;
    Ok(format!(
        "# Codes imported by gloss from {stem} (REFI-QDA). Check with `gloss codebook check`.\n{body}"
    ))
}

/// The project's source globs, as the corpus loader builds them.
fn source_globs(project: &Project) -> Option<globset::GlobSet> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in &project.config.sources {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .ok()?;
        builder.add(glob);
    }
    builder.build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_split_back_into_their_parts() {
        let (d, i, e, x) =
            split_description("What it is.\n\nMore.\n\nInclude: when\n\nExample: ex");
        assert_eq!(d, "What it is.\n\nMore.");
        assert_eq!((i.as_str(), e.as_str(), x.as_str()), ("when", "", "ex"));
        let (d, i, ..) = split_description("Include: only");
        assert_eq!((d.as_str(), i.as_str()), ("", "only"));
    }

    #[test]
    fn coder_names_from_users() {
        assert_eq!(coder_name("cp", "x"), "cp");
        assert_eq!(coder_name("Jane Doe", "x"), "jane-doe");
        assert_eq!(coder_name("", "39633935-3331"), "user-39633935");
    }

    #[test]
    fn bytes_of_code_points() {
        assert_eq!(
            bytes_at("a—b", &[3, 0, 2, 9]),
            vec![Some(5), Some(0), Some(4), None]
        );
    }
}
