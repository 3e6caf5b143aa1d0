//! Counting every coder's work without keeping it: what a list of documents and a
//! codebook panel show (codings per code, one coder's codings, records and status per
//! document) and every entry about a few documents, read in a fraction of the time a
//! full [`CodingSet::load`] takes. Lines are only stepped through for the fields counted;
//! the journal is replayed over them exactly as reading does, so the counts are the ones
//! the full set gives. Two things only the full read finds — a line this light reading
//! accepts but the full one would not (a missing or mistyped field it does not look at),
//! and a key written twice in the sorted file (which gloss never does) — so the full
//! read stays the authority.

use std::borrow::Cow;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::Result;
use crate::coding::set::CodingSet;
use crate::coding::store::{
    CoderFile, Op, coders_in, coding_path, journal_ops, journal_path, read_coder, read_header,
};
use crate::coding::{Entry, Progress, coding_key, record_key, status_key};
use crate::project::Project;

/// One coder's entries about one document, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentTally {
    pub codings: usize,
    pub records: usize,
    /// The document's status: progress and exclusion (of several statuses, under old
    /// and new ids, the one last in key order, as [`crate::study::Study::document_rows`]).
    pub status: Option<(Progress, Option<String>)>,
    /// The stored id of that status, to compare with another.
    status_doc: Option<String>,
}

impl DocumentTally {
    fn status(&mut self, doc: &str, progress: Progress, excluded: Option<String>) {
        if self.status_doc.as_deref().is_none_or(|old| old < doc) {
            self.status = Some((progress, excluded));
            self.status_doc = Some(doc.to_string());
        }
    }
}

/// What [`tally`] found.
#[derive(Debug, Default)]
pub struct Tally {
    /// Span codings per code id (as stored), all readable coders.
    pub codes: foldhash::HashMap<String, usize>,
    /// The counting coder's entries per document (by current id).
    pub documents: foldhash::HashMap<String, DocumentTally>,
    /// Every readable coder's entries about the documents asked for, whole: a set that
    /// holds only those (its `unreadable` lists the coders left out, as the full set's).
    pub kept: CodingSet,
}

/// A string read in place when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Coding,
    Record,
    Status,
    Memo,
}

/// The fields of an entry that are counted.
#[derive(Default)]
struct Light<'a> {
    kind: Option<Kind>,
    id: Option<Text<'a>>,
    doc: Option<Text<'a>>,
    code: Option<Text<'a>>,
    number: Option<u32>,
    progress: Option<Progress>,
    excluded: Option<Text<'a>>,
    /// Everything counted was read: the rest of the line was not.
    stopped: bool,
}

impl<'a> Light<'a> {
    /// Reads the counted fields of a line, stopping as soon as they are all there (gloss
    /// writes them first: a coding's type, id, document and code come before its quote).
    fn read(line: &'a str) -> Option<Light<'a>> {
        use serde::de::DeserializeSeed;
        let mut light = Light::default();
        let mut de = serde_json::Deserializer::from_str(line);
        match (&mut light).deserialize(&mut de) {
            Ok(()) => {}
            Err(_) if light.stopped => {}
            Err(_) => return None,
        }
        light.kind.is_some().then_some(light)
    }

    fn complete(&self) -> bool {
        match self.kind {
            Some(Kind::Coding) => self.id.is_some() && self.doc.is_some() && self.code.is_some(),
            Some(Kind::Record) => self.doc.is_some() && self.number.is_some(),
            // A status's exclusion may follow its progress: read it whole.
            Some(Kind::Status) | None => false,
            // Read whole anyway.
            Some(Kind::Memo) => true,
        }
    }
}

impl<'de, 'a> serde::de::DeserializeSeed<'de> for &mut Light<'a>
where
    'de: 'a,
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'a> serde::de::Visitor<'de> for &mut Light<'a>
where
    'de: 'a,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a coding entry")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        use serde::de::Error as _;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.0.as_ref() {
                "type" => self.kind = Some(map.next_value()?),
                "id" => self.id = Some(map.next_value()?),
                "doc" => self.doc = Some(map.next_value()?),
                "code" => self.code = Some(map.next_value()?),
                "number" => self.number = Some(map.next_value()?),
                "progress" => self.progress = Some(map.next_value()?),
                "excluded" => self.excluded = map.next_value()?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            if self.complete() {
                self.stopped = true;
                return Err(A::Error::custom("read what is counted"));
            }
        }
        Ok(())
    }
}

/// A line of a coding file as counted: the light fields, or the whole entry (for the
/// documents kept, and for memos, which are few and say what they are about in a nested
/// field).
enum Line<'a> {
    Light(Light<'a>),
    Whole(Entry),
}

impl Line<'_> {
    fn key(&self) -> Option<String> {
        match self {
            Line::Whole(e) => Some(e.key()),
            Line::Light(l) => Some(match l.kind? {
                Kind::Coding => coding_key(&l.id.as_ref()?.0),
                Kind::Record => record_key(&l.doc.as_ref()?.0, l.number?),
                Kind::Status => status_key(&l.doc.as_ref()?.0),
                Kind::Memo => return None,
            }),
        }
    }
}

/// Counts the work of every coder in `project` (see [`Tally`]): the codings per code of
/// all coders, `coder`'s entries per document, and every entry about the documents in
/// `keep` (current ids) whole. A problem in `coder`'s own files is an error (with the
/// message a full read gives); other coders' unreadable files are left out.
pub fn tally(project: &Project, coder: &str, keep: &[&str]) -> Result<Tally> {
    let dir = project.coding_dir();
    let mut out = Tally::default();
    for name in coders_in(&dir)? {
        let own = name == coder;
        match tally_coder(project, &dir, &name, own, keep, &mut out) {
            Ok(file) => out.kept.coders.push(file),
            Err(_) => {
                // The full read says what is wrong, and is what the full set reports.
                let e = match read_coder(&dir, &name) {
                    Err(e) => e,
                    Ok(_) => crate::Error::Project(format!(
                        "the coding files of {name} could not be read"
                    )),
                };
                if own {
                    return Err(e);
                }
                out.kept
                    .unreadable
                    .push(format!("{e} (coder {name} left out until fixed)"));
            }
        }
    }
    Ok(out)
}

/// Counts one coder's files into `out`; returns that coder's entries about the kept
/// documents.
fn tally_coder(
    project: &Project,
    dir: &Path,
    coder: &str,
    own: bool,
    keep: &[&str],
    out: &mut Tally,
) -> Result<CoderFile> {
    let meta = &project.meta;
    let kept = |doc: &str| keep.contains(&meta.current_id(doc));
    let mut file = CoderFile::new(coder);
    // The journal first: the keys it sets or removes are taken from it, not the file.
    let jpath = journal_path(dir, coder);
    let ops = match fs::read(&jpath) {
        Ok(bytes) => journal_ops(&jpath, &bytes)?.0,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(crate::Error::io(&jpath, e)),
    };
    let mut last: foldhash::HashMap<String, Option<Entry>> = Default::default();
    for op in ops {
        match op {
            Op::Put(e) => last.insert(e.key(), Some(e)),
            Op::Delete(k) => last.insert(k, None),
        };
    }
    let path = coding_path(dir, coder);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(crate::Error::io(&path, e)),
    };
    let (first, rest) = match memchr::memchr(b'\n', &bytes) {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (&bytes[..], &[][..]),
    };
    let header = std::str::from_utf8(first).map_err(|_| bad(&path))?;
    if !header.trim().is_empty() {
        read_header(&path, header, coder, &mut file)?;
    }
    let pieces = crate::parallel::fold_lines(rest, Partial::default, |partial, raw| {
        let line = std::str::from_utf8(raw).map_err(|_| ())?;
        if line.trim().is_empty() {
            return Ok(());
        }
        let light = Light::read(line).ok_or(())?;
        let whole =
            light.kind == Some(Kind::Memo) || light.doc.as_ref().is_some_and(|d| kept(&d.0));
        let line = if whole {
            Line::Whole(Entry::from_json(line).map_err(|_| ())?)
        } else {
            Line::Light(light)
        };
        // A key the journal sets or removes is counted from the journal.
        if !last.is_empty()
            && let Some(key) = line.key()
            && last.contains_key(&key)
        {
            return Ok(());
        }
        match line {
            Line::Whole(entry) => partial.whole.push(entry),
            Line::Light(l) => partial.count(meta, own, l),
        }
        Ok(())
    })
    .map_err(|_: (usize, ())| bad(&path))?;
    for (partial, _) in pieces {
        for (code, n) in partial.codes {
            *out.codes.entry(code.into_owned()).or_insert(0) += n;
        }
        for (doc, counted) in partial.documents {
            let row = out.documents.entry(doc.into_owned()).or_default();
            row.codings += counted.codings;
            row.records += counted.records;
            if let (Some(doc), Some((progress, excluded))) = (counted.status_doc, counted.status) {
                row.status(&doc, progress, excluded);
            }
        }
        for entry in partial.whole {
            count_entry(project, own, &entry, out, &mut file, &kept);
        }
    }
    for entry in last.into_values().flatten() {
        count_entry(project, own, &entry, out, &mut file, &kept);
    }
    Ok(file)
}

fn bad(path: &Path) -> crate::Error {
    crate::Error::parse(path, "unreadable line")
}

/// What one piece of a coding file counted: by code and by document (current ids),
/// with strings read in place where they can be, and the entries kept whole.
#[derive(Default)]
struct Partial<'a> {
    codes: foldhash::HashMap<Cow<'a, str>, usize>,
    documents: foldhash::HashMap<Cow<'a, str>, DocumentTally>,
    whole: Vec<Entry>,
}

impl<'a> Partial<'a> {
    fn count(&mut self, meta: &crate::project::DocumentsMeta, own: bool, l: Light<'a>) {
        let Some(kind) = l.kind else { return };
        if kind == Kind::Coding
            && let Some(code) = l.code
        {
            *self.codes.entry(code.0).or_insert(0) += 1;
        }
        let (true, Some(doc)) = (own, l.doc) else {
            return;
        };
        let current = meta.current_id(&doc.0);
        let key = if current == doc.0 {
            doc.0.clone()
        } else {
            Cow::Owned(current.to_string())
        };
        let row = self.documents.entry(key).or_default();
        match kind {
            Kind::Coding => row.codings += 1,
            Kind::Record => row.records += 1,
            Kind::Status => {
                if let Some(progress) = l.progress {
                    row.status(&doc.0, progress, l.excluded.map(|e| e.0.into_owned()));
                }
            }
            Kind::Memo => {}
        }
    }
}

fn count_entry(
    project: &Project,
    own: bool,
    entry: &Entry,
    out: &mut Tally,
    file: &mut CoderFile,
    kept: &impl Fn(&str) -> bool,
) {
    if let Entry::Coding(c) = entry {
        *out.codes.entry(c.code.clone()).or_insert(0) += 1;
    }
    // (A memo on a document is about that document; a memo on a code is not kept.)
    if entry.doc().is_some_and(kept) {
        file.apply(Op::Put(entry.clone()));
    }
    let (true, Some(doc)) = (own, entry.doc()) else {
        return;
    };
    let row = out
        .documents
        .entry(project.meta.current_id(doc).to_string())
        .or_default();
    match entry {
        Entry::Coding(_) => row.codings += 1,
        Entry::Record(_) => row.records += 1,
        Entry::Status(s) => row.status(&s.doc, s.progress, s.excluded.clone()),
        Entry::Memo(_) => {}
    }
}
