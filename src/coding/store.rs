//! The coding store: one file per coder under `coding/`, plus that coder's journal.
//!
//! * `coding/<coder>.jsonl` — a header line, then one entry per line, sorted by key:
//!   deterministic, so git diffs are small and two coders' files never conflict.
//! * `coding/<coder>.journal` — changes since the last compaction, one JSON line each
//!   (`{"put":{…}}` or `{"del":"key"}`). A change is acknowledged only after its line is
//!   appended and fsynced; replaying the journal over the sorted file gives the state.
//!
//! Compaction writes the folded state to a temporary file, fsyncs it, renames it over
//! `<coder>.jsonl`, fsyncs the folder, then empties the journal. Replaying a journal is
//! idempotent (each line sets or removes one key), so a crash between the rename and
//! the truncation loses nothing. A crash in the middle of an append leaves a torn last
//! line without a newline: it was never acknowledged, readers ignore it and the next
//! writer cuts it off. One process writes a coder's files at a time (an OS file lock
//! in `.gloss/locks/<coder>.lock`, released by the kernel even on `kill -9`).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::coding::Entry;
use crate::corpus::docfile::natural_cmp;
use crate::project::Project;
use crate::textio::{sync_dir, write_atomic};
use crate::{Error, Result};

/// Compact after this many journal lines unless told otherwise.
pub const DEFAULT_COMPACT_AFTER: usize = 1000;
/// The version written in the header of coding files.
pub const FORMAT_VERSION: u32 = 1;

/// The first line of a coding file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    gloss: String,
    version: u32,
    coder: String,
    /// The highest n of coding ids `<coder>-<n>` ever given, so removed ids are not reused.
    #[serde(default, skip_serializing_if = "is_zero")]
    last_id: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // ops are short-lived; boxing would only add noise
pub enum Op {
    /// Sets the entry with this entry's key.
    #[serde(rename = "put")]
    Put(Entry),
    /// Removes the entry with this key.
    #[serde(rename = "del")]
    Delete(String),
}

impl Op {
    /// Parses one journal line; `{"put":{…}}` with the entry as gloss writes it takes the
    /// fast path of [`Entry::from_json`], anything else (and any error) serde's.
    pub fn from_json(text: &str) -> serde_json::Result<Op> {
        let fast = text
            .strip_prefix("{\"put\":")
            .and_then(|rest| rest.strip_suffix('}'))
            .and_then(|entry| Entry::from_json(entry).ok());
        match fast {
            Some(entry) => Ok(Op::Put(entry)),
            None => serde_json::from_str(text),
        }
    }
}

/// A coder's entries, keyed (see [`Entry::key`]), with an index from document ids to
/// that document's entries, so one document's codings are found without reading — or
/// looking up — every entry. Entries change only through [`CoderFile::apply`], which
/// keeps the index in step.
#[derive(Debug, Clone, Default)]
pub struct CoderFile {
    pub coder: String,
    /// The entries, in no order; a removed entry's slot is reused.
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    /// Key → slot.
    keys: foldhash::HashMap<String, u32>,
    /// Document id (as stored in the entries, before renames) → slots of its entries.
    by_doc: foldhash::HashMap<String, Vec<u32>>,
    /// Number of lines in the journal (changes not yet compacted).
    pub journal_lines: usize,
    /// Bytes of a torn (unacknowledged) last journal line, if any.
    pub torn_tail: usize,
    /// The highest n of this coder's coding ids `<coder>-<n>` seen anywhere (header,
    /// entries, removals in the journal), so that ids are never reused.
    pub last_id: u64,
}

impl CoderFile {
    /// No entries yet.
    pub fn new(coder: &str) -> CoderFile {
        CoderFile {
            coder: coder.to_string(),
            ..CoderFile::default()
        }
    }

    /// Applies one change in memory (what reading a journal line does).
    pub fn apply(&mut self, op: Op) {
        let id = match &op {
            Op::Put(Entry::Coding(c)) => Some(c.id.as_str()),
            Op::Delete(key) => key.strip_prefix("coding "),
            Op::Put(_) => None,
        };
        if let Some(n) = id
            .and_then(|id| id.strip_prefix(self.coder.as_str()))
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok())
        {
            self.last_id = self.last_id.max(n);
        }
        match op {
            Op::Put(entry) => self.put(entry),
            Op::Delete(key) => {
                if let Some(slot) = self.keys.remove(&key) {
                    if let Some(doc) = self.slots[slot as usize]
                        .take()
                        .as_ref()
                        .and_then(Entry::doc)
                    {
                        unindex(&mut self.by_doc, doc, slot);
                    }
                    self.free.push(slot);
                }
            }
        }
    }

    fn put(&mut self, entry: Entry) {
        use std::collections::hash_map::Entry as Slot;
        match self.keys.entry(entry.key()) {
            Slot::Occupied(o) => {
                let slot = *o.get();
                let old = self.slots[slot as usize].replace(entry);
                let old_doc = old.as_ref().and_then(Entry::doc);
                if old_doc != self.slots[slot as usize].as_ref().and_then(Entry::doc) {
                    if let Some(doc) = old_doc {
                        unindex(&mut self.by_doc, doc, slot);
                    }
                    index(&self.slots, &mut self.by_doc, slot);
                }
            }
            Slot::Vacant(v) => {
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.slots[slot as usize] = Some(entry);
                        slot
                    }
                    None => {
                        // More than u32::MAX entries would not fit in memory anyway.
                        let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                        self.slots.push(Some(entry));
                        slot
                    }
                };
                v.insert(slot);
                index(&self.slots, &mut self.by_doc, slot);
            }
        }
    }

    /// Room for `n` more entries (reading a file whose size is known).
    fn reserve(&mut self, n: usize) {
        self.slots.reserve(n.saturating_sub(self.free.len()));
        self.keys.reserve(n);
    }

    fn entry(&self, slot: u32) -> Option<&Entry> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// The entry with this key.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.keys.get(key).and_then(|&slot| self.entry(slot))
    }

    /// True when there is an entry with this key.
    pub fn contains_key(&self, key: &str) -> bool {
        self.keys.contains_key(key)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every entry with its key, in key order (sorted on each call).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        let mut v: Vec<_> = self
            .keys
            .iter()
            .filter_map(|(k, &slot)| Some((k.as_str(), self.entry(slot)?)))
            .collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        v.into_iter()
    }

    /// Every entry, in key order (sorted on each call).
    pub fn values(&self) -> impl Iterator<Item = &Entry> {
        self.entries().map(|(_, e)| e)
    }

    /// Every entry, in no particular order (cheap: for counting and collecting).
    pub fn values_unordered(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter().flatten()
    }

    /// The entries about the document stored under id `doc` (codings, records, its
    /// status and memo), in no particular order. Costs only those entries: no key is
    /// looked up. Renames are not followed here: see
    /// [`crate::project::DocumentsMeta::ids_of`].
    pub fn of_document<'a>(&'a self, doc: &str) -> impl Iterator<Item = &'a Entry> {
        self.by_doc
            .get(doc)
            .into_iter()
            .flatten()
            .filter_map(|&slot| self.entry(slot))
    }

    /// Entries in file order (sorted by key, numbers by value).
    pub fn sorted(&self) -> Vec<(&str, &Entry)> {
        let mut v: Vec<_> = self
            .keys
            .iter()
            .filter_map(|(k, &slot)| Some((k.as_str(), self.entry(slot)?)))
            .collect();
        v.sort_by(|a, b| natural_cmp(a.0, b.0));
        v
    }
}

/// Adds the entry in `slot` to its document's list.
fn index(slots: &[Option<Entry>], by_doc: &mut foldhash::HashMap<String, Vec<u32>>, slot: u32) {
    let Some(doc) = slots[slot as usize].as_ref().and_then(Entry::doc) else {
        return;
    };
    match by_doc.get_mut(doc) {
        Some(list) => list.push(slot),
        None => {
            by_doc.insert(doc.to_string(), vec![slot]);
        }
    }
}

/// Removes `slot` from the list of document `doc`.
fn unindex(by_doc: &mut foldhash::HashMap<String, Vec<u32>>, doc: &str, slot: u32) {
    if let Some(list) = by_doc.get_mut(doc) {
        list.retain(|&s| s != slot);
        if list.is_empty() {
            by_doc.remove(doc);
        }
    }
}

/// `coding/<coder>.jsonl`.
pub fn coding_path(dir: &Path, coder: &str) -> PathBuf {
    dir.join(format!("{coder}.jsonl"))
}

/// `coding/<coder>.journal`.
pub fn journal_path(dir: &Path, coder: &str) -> PathBuf {
    dir.join(format!("{coder}.journal"))
}

/// Checks that a coder name is safe as a file name.
pub fn validate_coder(coder: &str) -> Result<()> {
    let ok = !coder.is_empty()
        && coder.len() <= 64
        && !coder.starts_with(['.', '-'])
        && coder
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "coder name {coder:?} is not usable as a file name; use letters, digits, '-', '_' or '.'"
        )))
    }
}

/// The coders that have a file or a journal in `dir`, sorted.
pub fn coders_in(dir: &Path) -> Result<Vec<String>> {
    let mut coders = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(coders),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let coder = name
            .strip_suffix(".jsonl")
            .or_else(|| name.strip_suffix(".journal"));
        if let Some(c) = coder
            && validate_coder(c).is_ok()
        {
            coders.push(c.to_string());
        }
    }
    coders.sort();
    coders.dedup();
    Ok(coders)
}

/// Reads a coder's file and journal (read-only; no lock needed).
pub fn read_coder(dir: &Path, coder: &str) -> Result<CoderFile> {
    let mut data = CoderFile::new(coder);
    let path = coding_path(dir, coder);
    match fs::read(&path) {
        Ok(bytes) => read_sorted(&path, &bytes, coder, &mut data)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path, e)),
    }
    let jpath = journal_path(dir, coder);
    match fs::read(&jpath) {
        Ok(bytes) => read_journal(&jpath, &bytes, &mut data)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&jpath, e)),
    }
    Ok(data)
}

/// Reads every coder's file in `dir`.
pub fn read_all(dir: &Path) -> Result<Vec<CoderFile>> {
    coders_in(dir)?.iter().map(|c| read_coder(dir, c)).collect()
}

fn is_conflict_marker(line: &str) -> bool {
    line.starts_with("<<<<<<<")
        || line.starts_with("=======")
        || line.starts_with(">>>>>>>")
        || line.starts_with("|||||||")
}

fn check_conflict(path: &Path, line_no: usize, line: &str) -> Result<()> {
    if is_conflict_marker(line) {
        return Err(Error::Conflict {
            path: path.into(),
            line: line_no,
        });
    }
    Ok(())
}

fn utf8_line<'a>(path: &Path, line_no: usize, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| Error::Parse {
        path: path.into(),
        location: Some(format!("{line_no}")),
        message: format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()),
    })
}

fn read_sorted(path: &Path, bytes: &[u8], coder: &str, data: &mut CoderFile) -> Result<()> {
    // The header, then the entries, parsed on all cores in pieces of whole lines.
    let (first, rest) = match memchr::memchr(b'\n', bytes) {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &[][..]),
    };
    let line = utf8_line(path, 1, first)?;
    check_conflict(path, 1, line)?;
    if !line.trim().is_empty() {
        read_header(path, line, coder, data)?;
    }
    let (entries, _) = crate::parallel::parse_lines(rest, |raw| {
        let Ok(line) = std::str::from_utf8(raw) else {
            return Err(None);
        };
        if is_conflict_marker(line) {
            return Err(None);
        }
        if line.trim().is_empty() {
            return Ok(None);
        }
        Entry::from_json(line).map(Some).map_err(Some)
    })
    .map_err(|(n, e)| {
        // Line n of the entries is line n + 1 of the file; a UTF-8 or conflict problem is
        // described by the same checks as the header's.
        let line_no = n + 1;
        let raw = rest.split(|&b| b == b'\n').nth(n - 1).unwrap_or_default();
        match e {
            Some(e) => Error::Parse {
                path: path.into(),
                location: Some(format!("{line_no}:{}", e.column())),
                message: format!("not a coding entry: {e}"),
            },
            None => utf8_line(path, line_no, raw)
                .and_then(|line| check_conflict(path, line_no, line))
                .err()
                .unwrap_or_else(|| Error::at_line(path, line_no, "unreadable line")),
        }
    })?;
    data.reserve(entries.len());
    for entry in entries {
        data.apply(Op::Put(entry));
    }
    Ok(())
}

/// Checks a coding file's header line (the format, the coder) and takes its `last_id`.
pub(crate) fn read_header(
    path: &Path,
    line: &str,
    coder: &str,
    data: &mut CoderFile,
) -> Result<()> {
    let header: Header = serde_json::from_str(line).map_err(|e| Error::Parse {
        path: path.into(),
        location: Some(format!("1:{}", e.column())),
        message: format!("not a gloss coding file header: {e}"),
    })?;
    if header.gloss != "coding" || header.version > FORMAT_VERSION {
        return Err(Error::at_line(
            path,
            1,
            format!(
                "not a coding file this gloss can read (gloss {:?}, version {}); upgrade gloss",
                header.gloss, header.version
            ),
        ));
    }
    data.last_id = data.last_id.max(header.last_id);
    if header.coder != coder {
        return Err(Error::at_line(
            path,
            1,
            format!(
                "the file belongs to coder {:?}, but its name says {coder:?}; rename it back",
                header.coder
            ),
        ));
    }
    Ok(())
}

fn read_journal(path: &Path, bytes: &[u8], data: &mut CoderFile) -> Result<()> {
    let (ops, torn_tail) = journal_ops(path, bytes)?;
    data.torn_tail = torn_tail;
    data.journal_lines += ops.len();
    for op in ops {
        data.apply(op);
    }
    Ok(())
}

/// The changes in a journal, in order, and the length of a torn last line (ignored).
pub(crate) fn journal_ops(path: &Path, bytes: &[u8]) -> Result<(Vec<Op>, usize)> {
    let complete = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let mut ops = Vec::new();
    for (i, raw) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let line = utf8_line(path, line_no, raw)?;
        check_conflict(path, line_no, line)?;
        if line.trim().is_empty() {
            continue;
        }
        ops.push(Op::from_json(line).map_err(|e| Error::Parse {
            path: path.into(),
            location: Some(format!("{line_no}:{}", e.column())),
            message: format!("not a journal entry: {e}"),
        })?);
    }
    Ok((ops, bytes.len() - complete))
}

/// Renders a coder's sorted file.
pub fn render(data: &CoderFile) -> String {
    let header = Header {
        gloss: "coding".into(),
        version: FORMAT_VERSION,
        coder: data.coder.clone(),
        last_id: data.last_id,
    };
    let mut out = serde_json::to_string(&header).unwrap_or_default();
    out.push('\n');
    for (_, entry) in data.sorted() {
        out.push_str(&serde_json::to_string(entry).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// The lock on one coder's files (an OS lock on `.gloss/locks/<coder>.lock`), held
/// until dropped; the kernel releases it when the process dies, even by `kill -9`.
#[derive(Debug)]
pub struct CoderLock {
    coder: String,
    _file: File,
}

impl CoderLock {
    /// Takes the lock of `coder`, refusing (and saying who holds it) when another process
    /// has it.
    pub fn take(project: &Project, coder: &str) -> Result<CoderLock> {
        validate_coder(coder)?;
        Ok(CoderLock {
            coder: coder.to_string(),
            _file: lock_coder(&project.locks_dir(), coder)?,
        })
    }

    /// The coder whose files this lock guards.
    pub fn coder(&self) -> &str {
        &self.coder
    }
}

/// A coder's journal open for appending, under the coder's lock.
#[derive(Debug)]
struct Journal {
    dir: PathBuf,
    file: File,
    /// Lines in the journal (changes not yet compacted).
    lines: usize,
    lock: CoderLock,
}

impl Journal {
    /// Opens the journal of the coder whose files `read` holds (read after `lock` was
    /// taken): cuts off a torn last line and removes what a killed compaction left.
    fn open(project: &Project, lock: CoderLock, read: &CoderFile) -> Result<Journal> {
        let dir = project.coding_dir();
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let jpath = journal_path(&dir, lock.coder());
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&jpath)
            .map_err(|e| Error::io(&jpath, e))?;
        if read.torn_tail > 0 {
            let len = file.metadata().map_err(|e| Error::io(&jpath, e))?.len();
            file.set_len(len.saturating_sub(read.torn_tail as u64))
                .and_then(|()| file.sync_all())
                .map_err(|e| Error::io(&jpath, e))?;
        }
        sync_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        remove_stale_temporaries(&dir, lock.coder());
        Ok(Journal {
            dir,
            file,
            lines: read.journal_lines,
            lock,
        })
    }

    /// Appends the changes in one write and fsyncs.
    fn append(&mut self, ops: &[Op]) -> Result<()> {
        let mut buf = Vec::new();
        for op in ops {
            serde_json::to_writer(&mut buf, op)
                .map_err(|e| Error::Input(format!("cannot serialise a change: {e}")))?;
            buf.push(b'\n');
        }
        self.file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(journal_path(&self.dir, self.lock.coder()), e))?;
        self.lines += ops.len();
        Ok(())
    }

    /// Writes `data` (the folded state) as the sorted file, then empties the journal (see
    /// the module docs for the crash argument).
    fn compact(&mut self, data: &CoderFile) -> Result<()> {
        write_atomic(
            &coding_path(&self.dir, self.lock.coder()),
            render(data).as_bytes(),
        )?;
        self.file
            .set_len(0)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| Error::io(journal_path(&self.dir, self.lock.coder()), e))?;
        self.lines = 0;
        Ok(())
    }
}

/// The changes that move a coder's entries on renamed documents to the documents'
/// current ids, so that later changes update them instead of duplicating them. Other
/// coders' files are never touched: readers follow renames for them.
fn rename_ops(meta: &crate::project::DocumentsMeta, data: &CoderFile) -> Vec<Op> {
    let mut ops = Vec::new();
    if meta.renamed.is_empty() {
        return ops;
    }
    let mut taken: std::collections::HashSet<String> = data.keys.keys().cloned().collect();
    for (key, entry) in data.entries() {
        let Some(old) = entry.doc() else { continue };
        let new = meta.current_id(old);
        if new == old {
            continue;
        }
        let mut moved = entry.clone();
        match &mut moved {
            Entry::Coding(c) => c.doc = new.to_string(),
            Entry::Status(s) => s.doc = new.to_string(),
            Entry::Memo(m) => m.about = crate::coding::MemoTarget::Document(new.to_string()),
            Entry::Record(r) => {
                r.doc = new.to_string();
                while taken.contains(&crate::coding::record_key(new, r.number)) {
                    r.number += 1;
                }
            }
        }
        if let Entry::Status(_) | Entry::Memo(_) = moved
            && taken.contains(&moved.key())
        {
            // The current id already has its own status or memo: keep that one.
            ops.push(Op::Delete(key.to_string()));
            continue;
        }
        taken.insert(moved.key());
        ops.push(Op::Delete(key.to_string()));
        ops.push(Op::Put(moved));
    }
    ops
}

/// The one process that writes a coder's files: holds the coder's lock for its lifetime
/// and the coder's entries in memory.
#[derive(Debug)]
pub struct Writer {
    journal: Journal,
    data: CoderFile,
    /// Compact when the journal holds this many lines.
    pub compact_after: usize,
}

impl Writer {
    /// Opens the store of `coder` for writing: takes the coder's lock (refusing if another
    /// process holds it), reads the file and journal (refusing conflict markers or bad
    /// lines, before anything is written), cuts off a torn last journal line, and moves
    /// the coder's entries on renamed documents to their current ids (one durable batch).
    pub fn open(project: &Project, coder: &str) -> Result<Writer> {
        let lock = CoderLock::take(project, coder)?;
        let mut data = read_coder(&project.coding_dir(), coder)?;
        let journal = Journal::open(project, lock, &data)?;
        data.torn_tail = 0;
        let mut writer = Writer {
            journal,
            data,
            compact_after: DEFAULT_COMPACT_AFTER,
        };
        writer.apply(rename_ops(&project.meta, &writer.data))?;
        Ok(writer)
    }

    /// The coder's current entries.
    pub fn data(&self) -> &CoderFile {
        &self.data
    }

    /// The coder this writer writes for.
    pub fn coder(&self) -> &str {
        &self.data.coder
    }

    /// Applies changes durably: all lines are appended in one write and fsynced before
    /// this returns; only then is the in-memory state changed. Compacts when the journal
    /// has grown past `compact_after`.
    pub fn apply(&mut self, ops: Vec<Op>) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        self.journal.append(&ops)?;
        self.data.journal_lines = self.journal.lines;
        for op in ops {
            self.data.apply(op);
        }
        if self.journal.lines >= self.compact_after {
            self.compact()?;
        }
        Ok(())
    }

    /// Applies many changes at once (an import) by folding them straight into the
    /// sorted file — one write, without writing each change to the journal first. The
    /// end state and its durability are those of [`Writer::apply`] then
    /// [`Writer::compact`]; a crash before the file is renamed into place leaves the
    /// coder's files as they were.
    pub fn apply_and_compact(&mut self, ops: Vec<Op>) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        for op in ops {
            self.data.apply(op);
        }
        self.compact()
    }

    /// Sets one entry durably.
    pub fn put(&mut self, entry: Entry) -> Result<()> {
        self.apply(vec![Op::Put(entry)])
    }

    /// Removes one entry durably; returns it, or `None` if there was none.
    pub fn delete(&mut self, key: &str) -> Result<Option<Entry>> {
        let old = self.data.get(key).cloned();
        if old.is_some() {
            self.apply(vec![Op::Delete(key.to_string())])?;
        }
        Ok(old)
    }

    /// Folds the journal into the sorted file (see the module docs for the crash argument).
    pub fn compact(&mut self) -> Result<()> {
        self.journal.compact(&self.data)?;
        self.data.journal_lines = 0;
        Ok(())
    }

    /// A new coding id, unique for this coder: `<coder>-<n>` with n one past the highest
    /// ever seen by this writer (ids of removed codings are not reused in a session).
    pub fn next_coding_id(&mut self) -> String {
        self.data.last_id += 1;
        format!("{}-{}", self.data.coder, self.data.last_id)
    }
}

/// The writer of a process that keeps the coder's entries itself — the workbench, whose
/// study holds them. It appends and fsyncs exactly as [`Writer`] does, but holds no
/// second copy of the entries and reads nothing at open: compaction reads the folded
/// state back from the files, which no one else can change while the lock is held.
#[derive(Debug)]
pub struct JournalWriter {
    journal: Journal,
    /// Compact when the journal holds this many lines.
    pub compact_after: usize,
}

impl JournalWriter {
    /// Opens the journal of the coder `lock` guards; `read` is that coder's file and
    /// journal as read after the lock was taken (strictly: see [`read_coder`]). Moves the
    /// coder's entries on renamed documents to their current ids, as [`Writer::open`]
    /// does, and returns those changes (already durable) for the caller to apply to its
    /// copy of the entries.
    pub fn open(
        project: &Project,
        lock: CoderLock,
        read: &CoderFile,
    ) -> Result<(JournalWriter, Vec<Op>)> {
        let mut writer = JournalWriter {
            journal: Journal::open(project, lock, read)?,
            compact_after: DEFAULT_COMPACT_AFTER,
        };
        let ops = rename_ops(&project.meta, read);
        writer.apply(&ops)?;
        Ok((writer, ops))
    }

    /// The coder this writer writes for.
    pub fn coder(&self) -> &str {
        self.journal.lock.coder()
    }

    /// Appends changes durably (one write, one fsync); compacts when the journal has
    /// grown past `compact_after`.
    pub fn apply(&mut self, ops: &[Op]) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        self.journal.append(ops)?;
        if self.journal.lines >= self.compact_after {
            self.compact()?;
        }
        Ok(())
    }

    /// Folds the journal into the sorted file, reading the state back from the files.
    pub fn compact(&mut self) -> Result<()> {
        let data = read_coder(&self.journal.dir, self.journal.lock.coder())?;
        self.journal.compact(&data)
    }
}

/// Takes the lock of `coder`, or says who holds it.
fn lock_coder(locks: &Path, coder: &str) -> Result<File> {
    fs::create_dir_all(locks).map_err(|e| Error::io(locks, e))?;
    let path = locks.join(format!("{coder}.lock"));
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            return Err(Error::Locked(format!(
                "coder {coder} is already writing in another gloss process{}; close it, or use another --coder",
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" ({holder})")
                }
            )));
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
    }
    let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let _ = file.set_len(0);
    let _ = write!(file, "pid {} on {}", std::process::id(), host.trim());
    Ok(file)
}

/// Removes temporary files a killed compaction left behind.
fn remove_stale_temporaries(dir: &Path, coder: &str) {
    let prefix = format!(".{coder}.jsonl.tmp");
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::{DocStatus, Progress};
    use std::collections::BTreeMap;

    fn status(doc: &str, progress: Progress) -> Entry {
        Entry::Status(DocStatus {
            doc: doc.into(),
            progress,
            excluded: None,
            modified: "2026-01-01T00:00:00Z".into(),
        })
    }

    fn project() -> (tempfile::TempDir, Project) {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        let p = Project::open(tmp.path()).unwrap();
        (tmp, p)
    }

    #[test]
    fn journal_then_compaction_keeps_state() {
        let (_tmp, p) = project();
        let mut w = Writer::open(&p, "alice").unwrap();
        w.put(status("transcripts/a", Progress::InProgress))
            .unwrap();
        w.put(status("transcripts/b", Progress::Done)).unwrap();
        w.put(status("transcripts/a", Progress::Done)).unwrap();
        w.delete("status transcripts/b").unwrap();
        let before = read_coder(&p.coding_dir(), "alice").unwrap();
        assert_eq!(before.journal_lines, 4);
        assert_eq!(before.len(), 1);
        w.compact().unwrap();
        let after = read_coder(&p.coding_dir(), "alice").unwrap();
        assert!(after.entries().eq(before.entries()));
        assert_eq!(after.journal_lines, 0);
        let text = fs::read_to_string(coding_path(&p.coding_dir(), "alice")).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    fn coding(id: &str, doc: &str) -> Entry {
        Entry::Coding(crate::coding::SpanCoding {
            id: id.into(),
            doc: doc.into(),
            start: crate::corpus::Position::new(0, 0),
            end: crate::corpus::Position::new(0, 1),
            code: "c".into(),
            anchor: crate::coding::Anchor {
                quote: "x".into(),
                before: String::new(),
                after: String::new(),
            },
            memo: None,
            star: false,
            batch: None,
            created: "2026-01-01T00:00:00Z".into(),
            modified: "2026-01-01T00:00:00Z".into(),
        })
    }

    fn keys_of(file: &CoderFile, doc: &str) -> Vec<String> {
        let mut keys: Vec<String> = file.of_document(doc).map(Entry::key).collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_document_index_follows_every_change() {
        let mut file = CoderFile::new("alice");
        file.apply(Op::Put(coding("alice-1", "d/a")));
        file.apply(Op::Put(coding("alice-2", "d/a")));
        file.apply(Op::Put(coding("alice-3", "d/b")));
        file.apply(Op::Put(status("d/a", Progress::Done)));
        assert_eq!(
            keys_of(&file, "d/a"),
            ["coding alice-1", "coding alice-2", "status d/a"]
        );
        assert_eq!(keys_of(&file, "d/b"), ["coding alice-3"]);
        // A coding put again on another document moves in the index.
        file.apply(Op::Put(coding("alice-2", "d/b")));
        assert_eq!(keys_of(&file, "d/a"), ["coding alice-1", "status d/a"]);
        assert_eq!(keys_of(&file, "d/b"), ["coding alice-2", "coding alice-3"]);
        // Replaced in place, removed, removed twice.
        file.apply(Op::Put(status("d/a", Progress::InProgress)));
        file.apply(Op::Delete("coding alice-1".into()));
        file.apply(Op::Delete("coding alice-1".into()));
        assert_eq!(keys_of(&file, "d/a"), ["status d/a"]);
        file.apply(Op::Delete("status d/a".into()));
        assert!(keys_of(&file, "d/a").is_empty());
        assert!(!file.by_doc.contains_key("d/a"));
        check(&file);
    }

    /// The slots, the key map and the document index agree.
    fn check(file: &CoderFile) {
        for (key, &slot) in &file.keys {
            assert_eq!(
                file.slots[slot as usize].as_ref().map(Entry::key).as_ref(),
                Some(key)
            );
        }
        let empty = file.slots.iter().filter(|s| s.is_none()).count();
        assert_eq!(file.keys.len() + empty, file.slots.len());
        assert_eq!(empty, file.free.len());
        let mut indexed = 0;
        for (doc, list) in &file.by_doc {
            let mut unique = list.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), list.len());
            for entry in file.of_document(doc) {
                assert_eq!(entry.doc(), Some(doc.as_str()));
                assert_eq!(file.get(&entry.key()), Some(entry));
            }
            indexed += list.len();
        }
        assert_eq!(indexed, file.values().filter(|e| e.doc().is_some()).count());
    }

    #[test]
    fn the_document_index_agrees_with_a_plain_map_after_many_changes() {
        let mut file = CoderFile::new("alice");
        let mut model: BTreeMap<String, Entry> = BTreeMap::new();
        let mut x: u64 = 42;
        for _ in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = (x >> 33) % 60;
            let doc = format!("d/{}", (x >> 40) % 7);
            let op = match (x >> 50) % 4 {
                0 => Op::Delete(format!("coding alice-{n}")),
                1 => Op::Put(status(&doc, Progress::Done)),
                2 if n.is_multiple_of(5) => Op::Delete(format!("status {doc}")),
                _ => Op::Put(coding(&format!("alice-{n}"), &doc)),
            };
            match &op {
                Op::Put(e) => {
                    model.insert(e.key(), e.clone());
                }
                Op::Delete(k) => {
                    model.remove(k);
                }
            }
            file.apply(op);
        }
        check(&file);
        assert!(
            file.entries()
                .map(|(k, e)| (k.to_string(), e.clone()))
                .eq(model.into_iter())
        );
    }

    #[test]
    fn the_document_index_survives_reading_and_compaction() {
        let (_tmp, p) = project();
        let mut w = Writer::open(&p, "alice").unwrap();
        w.apply(vec![
            Op::Put(coding("alice-1", "d/a")),
            Op::Put(coding("alice-2", "d/b")),
            Op::Put(status("d/a", Progress::Done)),
        ])
        .unwrap();
        w.compact().unwrap();
        w.apply(vec![
            Op::Put(coding("alice-2", "d/a")),
            Op::Delete("status d/a".into()),
        ])
        .unwrap();
        for file in [w.data(), &read_coder(&p.coding_dir(), "alice").unwrap()] {
            assert_eq!(keys_of(file, "d/a"), ["coding alice-1", "coding alice-2"]);
            assert!(keys_of(file, "d/b").is_empty());
        }
    }

    #[test]
    fn a_journal_writer_writes_what_a_writer_would() {
        let (_tmp, p) = project();
        let changes = |n: usize| -> Vec<Op> {
            (0..n)
                .flat_map(|i| {
                    let doc = format!("d/{}", i % 3);
                    [
                        Op::Put(coding(&format!("alice-{i}"), &doc)),
                        Op::Put(status(&doc, Progress::InProgress)),
                    ]
                })
                .chain([Op::Delete("coding alice-4".into())])
                .collect()
        };
        {
            let lock = CoderLock::take(&p, "alice").unwrap();
            let read = read_coder(&p.coding_dir(), "alice").unwrap();
            let (mut w, moved) = JournalWriter::open(&p, lock, &read).unwrap();
            assert!(moved.is_empty());
            assert_eq!(w.coder(), "alice");
            w.compact_after = 7;
            // Holding the lock: no second writer.
            assert!(Writer::open(&p, "alice").is_err());
            for op in changes(10) {
                w.apply(&[op]).unwrap();
            }
        }
        let journal_state = read_coder(&p.coding_dir(), "alice").unwrap();
        // Compacted after 7, 14: 21 changes leave none in the journal.
        assert_eq!(journal_state.journal_lines, 21 % 7);
        let mut w = Writer::open(&p, "bob").unwrap();
        for op in changes(10) {
            let op = match op {
                Op::Put(Entry::Coding(mut c)) => {
                    c.id = c.id.replace("alice", "bob");
                    Op::Put(Entry::Coding(c))
                }
                Op::Delete(k) => Op::Delete(k.replace("alice", "bob")),
                op => op,
            };
            w.apply(vec![op]).unwrap();
        }
        w.compact().unwrap();
        let a = fs::read_to_string(coding_path(&p.coding_dir(), "alice")).unwrap();
        let b = fs::read_to_string(coding_path(&p.coding_dir(), "bob")).unwrap();
        assert_eq!(a.replace("alice", "bob"), b);
        assert_eq!(journal_state.len(), 10 - 1 + 3);
    }

    #[test]
    fn a_journal_writer_cuts_a_torn_tail() {
        let (_tmp, p) = project();
        Writer::open(&p, "alice")
            .unwrap()
            .put(status("d/a", Progress::Done))
            .unwrap();
        let jpath = journal_path(&p.coding_dir(), "alice");
        let mut f = OpenOptions::new().append(true).open(&jpath).unwrap();
        f.write_all(b"{\"put\":{\"type\":\"sta").unwrap();
        let lock = CoderLock::take(&p, "alice").unwrap();
        let read = read_coder(&p.coding_dir(), "alice").unwrap();
        assert!(read.torn_tail > 0);
        let (mut w, _) = JournalWriter::open(&p, lock, &read).unwrap();
        w.apply(&[Op::Put(status("d/b", Progress::Done))]).unwrap();
        let back = read_coder(&p.coding_dir(), "alice").unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back.torn_tail, 0);
    }

    #[test]
    fn journal_lines_read_the_fast_way_are_what_serde_reads() {
        let general = |t: &str| serde_json::from_str::<Op>(t).map_err(|e| e.to_string());
        let fast = |t: &str| Op::from_json(t).map_err(|e| e.to_string());
        for op in [
            Op::Put(coding("alice-1", "d/a")),
            Op::Put(status("d/a", Progress::Done)),
            Op::Delete("coding alice-1".into()),
        ] {
            let text = serde_json::to_string(&op).unwrap();
            assert_eq!(fast(&text), Ok(op));
        }
        for bad in [
            "{\"put\":{\"type\":\"coding\"}}",
            "{\"put\":{\"type\":\"status\",\"doc\":\"d\",\"progress\":\"done\",\"modified\":\"t\"},\"x\":1}",
            "{\"del\":3}",
            "{\"put\":}",
        ] {
            assert_eq!(fast(bad), general(bad), "{bad}");
        }
    }

    #[test]
    fn second_writer_for_the_same_coder_is_refused() {
        let (_tmp, p) = project();
        let _w = Writer::open(&p, "alice").unwrap();
        let err = Writer::open(&p, "alice").unwrap_err().to_string();
        assert!(err.contains("already writing"), "{err}");
        assert!(Writer::open(&p, "bob").is_ok());
    }

    #[test]
    fn torn_tail_is_ignored_and_cut() {
        let (_tmp, p) = project();
        {
            let mut w = Writer::open(&p, "alice").unwrap();
            w.put(status("transcripts/a", Progress::Done)).unwrap();
        }
        let jpath = journal_path(&p.coding_dir(), "alice");
        let mut f = OpenOptions::new().append(true).open(&jpath).unwrap();
        f.write_all(b"{\"put\":{\"type\":\"sta").unwrap();
        let read = read_coder(&p.coding_dir(), "alice").unwrap();
        assert_eq!(read.len(), 1);
        let mut w = Writer::open(&p, "alice").unwrap();
        w.put(status("transcripts/b", Progress::Done)).unwrap();
        assert_eq!(read_coder(&p.coding_dir(), "alice").unwrap().len(), 2);
    }

    #[test]
    fn conflict_markers_are_refused_and_left_alone() {
        let (_tmp, p) = project();
        let path = coding_path(&p.coding_dir(), "alice");
        let text = "{\"gloss\":\"coding\",\"version\":1,\"coder\":\"alice\"}\n<<<<<<< HEAD\n=======\n>>>>>>> other\n";
        fs::write(&path, text).unwrap();
        let err = Writer::open(&p, "alice").unwrap_err().to_string();
        assert!(err.ends_with("alice.jsonl:2: git conflict marker; resolve the merge conflict in this file, then run the command again"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn a_bad_line_deep_in_a_large_file_is_reported_at_its_line() {
        let (_tmp, p) = project();
        let mut file = CoderFile::new("alice");
        for i in 1..=20_000 {
            file.apply(Op::Put(coding(
                &format!("alice-{i}"),
                &format!("d/{}", i % 97),
            )));
        }
        let text = render(&file);
        let path = coding_path(&p.coding_dir(), "alice");
        fs::write(&path, &text).unwrap();
        let back = read_coder(&p.coding_dir(), "alice").unwrap();
        assert!(back.entries().eq(file.entries()));
        assert_eq!(back.last_id, 20_000);
        let mut lines: Vec<&str> = text.lines().collect();
        for (at, bad, want) in [
            (
                15_000,
                "{\"type\":\"coding\"}",
                ":15000:0: not a coding entry: missing field `id`",
            ),
            (12_345, "=======", ":12345: git conflict marker"),
        ] {
            let old = lines[at - 1];
            lines[at - 1] = bad;
            fs::write(&path, lines.join("\n")).unwrap();
            let err = read_coder(&p.coding_dir(), "alice")
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err}");
            lines[at - 1] = old;
        }
    }

    #[test]
    fn coder_names_must_be_file_safe() {
        assert!(validate_coder("alice").is_ok());
        assert!(validate_coder("../x").is_err());
        assert!(validate_coder(".hidden").is_err());
        assert!(validate_coder("").is_err());
    }
}
