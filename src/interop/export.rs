//! A study as a REFI-QDA project (`.qdpx`) or codebook (`.qdc`).
//!
//! * Users: the coders with work in the project.
//! * Codebook: every code with its colour and description (with the inclusion and
//!   exclusion criteria and the example as labelled paragraphs); instrument dimensions
//!   and parent codes never used on their own are categories (`isCodable="false"`).
//! * Sources: one text source per document, its turns as `Speaker: text` lines in
//!   `sources/<guid>.txt`; document attributes as variables, on the source and on a
//!   case per document.
//! * Selections: one per span coding, placed where the coding lies now (re-anchored),
//!   in code points with the end exclusive, named by the text they select (cut at 200
//!   characters with `…`), with its coding by its coder and times. Instrument records
//!   are codings of their values on their evidence spans, or on the whole text, so
//!   counts by code survive in any tool.
//! * Notes: memos on documents, codes, codings and records, by their coders; and the
//!   [`super::gloss_data`] note with what only gloss reads.
//!
//! GUIDs derive from ids and nothing depends on the time, so exporting twice gives the
//! same bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::gloss_data::{
    CodeData, CodingData, DocData, GlossData, NOTE_NAME, RecordData, StatusData, TurnData,
};
use super::guid::guid;
use super::positions::{Rendered, chars_at, render};
use super::qde::{
    Case, Coding, Note, QdeCode, QdeProject, Selection, TextSource, User, Variable, VariableValue,
};
use crate::Result;
use crate::codebook::Codebook;
use crate::coding::anchor::AnchorText;
use crate::coding::set::Resolved;
use crate::coding::{Entry, MemoTarget};
use crate::corpus::{AttrValue, DocKind, Document, Position};
use crate::study::Study;

/// The longest selection name, in characters, before it is cut with `…`.
pub const NAME_CHARS: usize = 200;

/// What an export wrote and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    pub users: usize,
    pub codes: usize,
    pub documents: usize,
    pub codings: usize,
    pub records: usize,
    pub notes: usize,
    /// One line per kind of thing left out, with its count.
    pub left_out: Vec<String>,
}

/// The `origin` written in exports.
pub fn origin() -> String {
    format!("gloss {}", env!("CARGO_PKG_VERSION"))
}

/// A project export: the `.qdpx` file's entries and the report.
pub struct Exported {
    pub entries: Vec<(String, Vec<u8>)>,
    pub report: ExportReport,
}

impl Exported {
    /// The `.qdpx` file.
    pub fn zip(&self) -> Result<Vec<u8>> {
        super::zipsafe::write(&self.entries)
            .map_err(|e| crate::Error::Input(format!("cannot build the .qdpx archive: {e}")))
    }
}

/// The study's codebook as a `.qdc` file.
pub fn codebook_qdc(study: &Study) -> String {
    let used = used_codes(study);
    let codes = code_tree(&study.codebook, &used, &HashMap::new());
    super::qde::write_codebook(&codes, &origin())
}

/// The ids of codes used by span codings or record values.
fn used_codes(study: &Study) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let book = &study.codebook;
    let mut add = |id: &str| {
        if let Some(c) = book.find_id(id) {
            used.insert(c.id.clone());
        }
    };
    for (_, c) in study.codings.spans() {
        add(&c.code);
    }
    for (_, r) in study.codings.records() {
        for v in r.values.values().flatten() {
            add(v);
        }
    }
    used
}

/// A code's description with its criteria and example as labelled paragraphs.
pub fn compose_description(c: &crate::codebook::Code) -> Option<String> {
    let mut parts = Vec::new();
    if !c.description.is_empty() {
        parts.push(c.description.clone());
    }
    for (label, text) in [
        ("Include", &c.include),
        ("Exclude", &c.exclude),
        ("Example", &c.example),
    ] {
        if !text.is_empty() {
            parts.push(format!("{label}: {text}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

fn code_tree(
    book: &Codebook,
    used: &BTreeSet<String>,
    notes: &HashMap<String, Vec<String>>,
) -> Vec<QdeCode> {
    fn build(
        book: &Codebook,
        i: usize,
        used: &BTreeSet<String>,
        notes: &HashMap<String, Vec<String>>,
    ) -> QdeCode {
        let c = &book.codes[i];
        let category = c.select.is_some() || (!c.children.is_empty() && !used.contains(&c.id));
        QdeCode {
            guid: guid("code", &c.id),
            name: c.name.clone(),
            codable: !category,
            color: c.color.clone(),
            description: compose_description(c),
            note_refs: notes.get(&c.id).cloned().unwrap_or_default(),
            children: c
                .children
                .iter()
                .map(|&k| build(book, k, used, notes))
                .collect(),
        }
    }
    book.codes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.parent.is_none())
        .map(|(i, _)| build(book, i, used, notes))
        .collect()
}

/// A selection's name: its text, cut at [`NAME_CHARS`] characters with `…`.
pub fn selection_name(text: &str) -> String {
    match text.char_indices().nth(NAME_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The name a document's source gets: its id without the kind's folder, `/` as `_`.
pub fn source_name(doc: &Document) -> String {
    let id = doc
        .id
        .strip_prefix(doc.kind.folder())
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(&doc.id);
    id.replace('/', "_")
}

/// One selection being built for a document, before positions become code points.
struct PendingSelection {
    start: Position,
    end: Position,
    guid: String,
    creating_user: String,
    created: String,
    modified: String,
    codings: Vec<Coding>,
    /// Sorts selections of equal span.
    order: (String, String),
}

/// Exports the study as a `.qdpx`'s entries: `project.qde` and `sources/<guid>.txt`.
pub fn project_qdpx(study: &Study) -> Result<Exported> {
    let project = &study.project;
    let corpus = &study.corpus;
    let book = &study.codebook;
    let mut report = ExportReport::default();
    let mut data = GlossData::new();
    let mut notes: Vec<Note> = Vec::new();
    let mut left_out: BTreeMap<&str, usize> = BTreeMap::new();

    // Users: coders with any entry.
    let coders: Vec<&str> = study
        .codings
        .coders
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| c.coder.as_str())
        .collect();
    let user_guids: HashMap<&str, String> = study
        .codings
        .coders
        .iter()
        .map(|c| (c.coder.as_str(), guid("user", &c.coder)))
        .collect();
    let user = |coder: &str| {
        user_guids
            .get(coder)
            .cloned()
            .unwrap_or_else(|| guid("user", coder))
    };
    let code_guids: HashMap<&str, String> = book
        .codes
        .iter()
        .map(|c| (c.id.as_str(), guid("code", &c.id)))
        .collect();
    let code_guid = |id: &str| {
        code_guids
            .get(id)
            .cloned()
            .unwrap_or_else(|| guid("code", id))
    };

    // Memos, by what they are about, in a fixed order.
    let mut code_notes: HashMap<String, Vec<String>> = HashMap::new();
    let mut doc_notes: HashMap<String, Vec<String>> = HashMap::new();
    let mut statuses = Vec::new();
    for file in &study.codings.coders {
        let mut memos: Vec<&crate::coding::Memo> = Vec::new();
        for entry in file.values_unordered() {
            match entry {
                Entry::Memo(m) => memos.push(m),
                Entry::Status(s) => statuses.push((file.coder.as_str(), s)),
                _ => {}
            }
        }
        memos.sort_by(|a, b| a.about.cmp(&b.about));
        for m in memos {
            let (about, key) = match &m.about {
                MemoTarget::Document(d) => {
                    let d = project.meta.current_id(d);
                    if corpus.get(d).is_none() {
                        *left_out
                            .entry("memos on documents not in the project")
                            .or_default() += 1;
                        continue;
                    }
                    (format!("document:{d}"), (false, d.to_string()))
                }
                MemoTarget::Code(c) => match book.find_id(c) {
                    Some(code) => (format!("code:{}", code.id), (true, code.id.clone())),
                    None => {
                        *left_out
                            .entry("memos on codes not in the codebook")
                            .or_default() += 1;
                        continue;
                    }
                },
            };
            let g = guid("note", &format!("memo:{}:{about}", file.coder));
            notes.push(Note {
                guid: g.clone(),
                name: format!("Memo by {}", file.coder),
                text: m.text.clone(),
                creating_user: Some(user(&file.coder)),
                created: Some(m.modified.clone()),
                modified: Some(m.modified.clone()),
            });
            let target = if key.0 {
                &mut code_notes
            } else {
                &mut doc_notes
            };
            target.entry(key.1).or_default().push(g);
        }
    }

    // The codebook.
    let used = used_codes(study);
    let codes = code_tree(book, &used, &code_notes);
    for c in &book.codes {
        data.codes.push(CodeData {
            code: guid("code", &c.id),
            id: c.id.clone(),
            file: c
                .parent
                .is_none()
                .then(|| c.file.file_name().map(|f| f.to_string_lossy().into_owned()))
                .flatten(),
            select: c.select.map(|s| s.as_str().to_string()),
            key: c.key,
            aliases: c.aliases.clone(),
            retired: c.retired,
        });
    }
    report.codes = book.codes.len();

    // Span codings, by document.
    let mut by_doc: HashMap<usize, Vec<PendingSelection>> = HashMap::new();
    let mut coding_notes: Vec<Note> = Vec::new();
    for span in study.codings.resolve(project, corpus) {
        let (start, end) = match span.placement {
            Resolved::Placed { start, end, .. } => (start, end),
            Resolved::Orphaned(_) => {
                *left_out
                    .entry("orphaned codings (their text changed)")
                    .or_default() += 1;
                continue;
            }
            Resolved::MissingDocument => {
                *left_out
                    .entry("codings of documents not in the project")
                    .or_default() += 1;
                continue;
            }
        };
        let Some(code) = book.find_id(&span.coding.code) else {
            *left_out
                .entry("codings of codes not in the codebook")
                .or_default() += 1;
            continue;
        };
        let Some(doc) = corpus.position(&span.doc) else {
            continue;
        };
        let c = span.coding;
        let mut note_refs = Vec::new();
        if let Some(memo) = &c.memo {
            let g = guid("note", &format!("coding:{}", c.id));
            coding_notes.push(Note {
                guid: g.clone(),
                name: format!("Memo by {}", span.coder),
                text: memo.clone(),
                creating_user: Some(user(span.coder)),
                created: Some(c.created.clone()),
                modified: Some(c.modified.clone()),
            });
            note_refs.push(g);
        }
        let coding_guid = guid("coding", &c.id);
        data.codings.push(CodingData {
            coding: coding_guid.clone(),
            id: c.id.clone(),
            star: c.star,
            batch: c.batch.clone(),
            modified: (c.modified != c.created).then(|| c.modified.clone()),
        });
        by_doc.entry(doc).or_default().push(PendingSelection {
            start,
            end,
            guid: guid("selection", &c.id),
            creating_user: user(span.coder),
            created: c.created.clone(),
            modified: c.modified.clone(),
            codings: vec![Coding {
                guid: coding_guid,
                code: code_guid(&code.id),
                creating_user: Some(user(span.coder)),
                created: Some(c.created.clone()),
                note_refs,
            }],
            order: (span.coder.to_string(), c.id.clone()),
        });
        report.codings += 1;
    }
    data.codings.sort_by(|a, b| a.id.cmp(&b.id));

    // Records: their values as codings of their evidence, or of the whole text.
    let mut record_notes: Vec<Note> = Vec::new();
    let mut pending_records: Vec<(usize, RecordData, Vec<Position>)> = Vec::new();
    for (coder, r) in study.codings.records() {
        let doc_id = project.meta.current_id(&r.doc);
        let Some(di) = corpus.position(doc_id) else {
            *left_out
                .entry("records of documents not in the project")
                .or_default() += 1;
            continue;
        };
        let doc = &corpus.docs[di];
        let anchors = AnchorText::new(doc);
        let mut spans = Vec::new();
        for ev in &r.evidence {
            match anchors.place(&ev.anchor, (ev.start, ev.end)).span() {
                Some(span) => spans.push(span),
                None => {
                    *left_out
                        .entry("record evidence whose text changed")
                        .or_default() += 1;
                }
            }
        }
        let key = format!("record:{coder}:{doc_id}:{}", r.number);
        let mut record = RecordData {
            coder: coder.to_string(),
            source: guid("source", doc_id),
            number: r.number,
            values: r.values.clone(),
            evidence: Vec::new(),
            memo: r.memo.clone(),
            created: r.created.clone(),
            modified: r.modified.clone(),
            codings: Vec::new(),
        };
        let mut note_ref = r.memo.as_ref().map(|memo| {
            let g = guid("note", &key);
            record_notes.push(Note {
                guid: g.clone(),
                name: format!("Record {} memo by {coder}", r.number),
                text: memo.clone(),
                creating_user: Some(user(coder)),
                created: Some(r.created.clone()),
                modified: Some(r.modified.clone()),
            });
            g
        });
        let whole = doc.turns.last().map(|t| {
            (
                Position::new(0, 0),
                Position::new(doc.turns.len() - 1, t.text.len()),
            )
        });
        let targets: Vec<_> = if spans.is_empty() {
            whole.into_iter().filter(|(s, e)| s < e).collect()
        } else {
            spans.clone()
        };
        for (k, (start, end)) in targets.iter().enumerate() {
            let sel_key = format!("{key}:{k}");
            let mut codings = Vec::new();
            for (dim, values) in &r.values {
                for v in values {
                    let Some(code) = book.find_id(v) else {
                        *left_out
                            .entry("record values not in the codebook")
                            .or_default() += 1;
                        continue;
                    };
                    let g = guid("coding", &format!("{sel_key}:{dim}:{v}"));
                    record.codings.push(g.clone());
                    codings.push(Coding {
                        guid: g,
                        code: code_guid(&code.id),
                        creating_user: Some(user(coder)),
                        created: Some(r.created.clone()),
                        note_refs: note_ref.take().into_iter().collect(),
                    });
                }
            }
            if codings.is_empty() {
                continue;
            }
            by_doc.entry(di).or_default().push(PendingSelection {
                start: *start,
                end: *end,
                guid: guid("selection", &sel_key),
                creating_user: user(coder),
                created: r.created.clone(),
                modified: r.modified.clone(),
                codings,
                order: (coder.to_string(), sel_key),
            });
        }
        // Evidence positions become code points once the document is rendered.
        let ends = spans.iter().flat_map(|&(s, e)| [s, e]).collect();
        pending_records.push((di, record, ends));
        report.records += 1;
    }

    // Sources, with their selections in text order.
    let mut sources = Vec::with_capacity(corpus.docs.len());
    let mut entries: Vec<(String, Vec<u8>)> = Vec::with_capacity(corpus.docs.len() + 1);
    let mut variables: BTreeSet<&str> = BTreeSet::new();
    let mut cases = Vec::new();
    let mut renders: Vec<Rendered> = Vec::with_capacity(corpus.docs.len());
    for (di, doc) in corpus.docs.iter().enumerate() {
        let rendered = render(&doc.turns);
        let source_guid = guid("source", &doc.id);
        let mut pending = by_doc.remove(&di).unwrap_or_default();
        // Positions → code points, in one pass over the text.
        let mut offsets = Vec::with_capacity(pending.len() * 2);
        for p in &pending {
            offsets.push(rendered.offset(p.start).unwrap_or(0));
            offsets.push(rendered.offset(p.end).unwrap_or(0));
        }
        let chars = chars_at(&rendered.text, &offsets);
        let mut selections: Vec<(usize, usize, (String, String), Selection)> = pending
            .drain(..)
            .enumerate()
            .map(|(i, p)| {
                let (a, b) = (offsets[2 * i], offsets[2 * i + 1]);
                let (ca, cb) = (chars[2 * i], chars[2 * i + 1]);
                let name = selection_name(rendered.text.get(a..b).unwrap_or(""));
                (
                    ca,
                    cb,
                    p.order.clone(),
                    Selection {
                        guid: p.guid,
                        name,
                        start: ca.to_string(),
                        end: cb.to_string(),
                        creating_user: Some(p.creating_user),
                        created: Some(p.created),
                        modified: Some(p.modified),
                        codings: p.codings,
                        note_refs: Vec::new(),
                    },
                )
            })
            .collect();
        selections.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        let values: Vec<VariableValue> = doc
            .attributes
            .iter()
            .map(|(k, v)| {
                variables.insert(k.as_str());
                VariableValue {
                    variable: guid("variable", k),
                    kind: "TextValue".into(),
                    value: v.to_string(),
                }
            })
            .collect();
        if !values.is_empty() {
            cases.push(Case {
                guid: guid("case", &doc.id),
                name: source_name(doc),
                values: values.clone(),
                sources: vec![source_guid.clone()],
            });
        }
        let file = &corpus.sources[di];
        let original = if doc.kind == DocKind::Transcript {
            Some(crate::textio::read_text(file, crate::textio::Utf8Policy::Lossy).map(|t| t.text)?)
        } else {
            None
        };
        data.documents.push(DocData {
            source: source_guid.clone(),
            id: doc.id.clone(),
            kind: doc.kind.name().to_string(),
            title: doc.title.clone(),
            file: project
                .relative(file)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
            original,
            turns: doc
                .turns
                .iter()
                .map(|t| TurnData {
                    speaker: t.speaker.clone(),
                    time: t.time.clone(),
                    chars: t.text.chars().count(),
                })
                .collect(),
            lists: doc
                .attributes
                .iter()
                .filter_map(|(k, v)| match v {
                    AttrValue::Many(list) => Some((k.clone(), list.clone())),
                    AttrValue::One(_) => None,
                })
                .collect(),
            speakers: project
                .meta
                .documents
                .get(&doc.id)
                .map(|m| m.speakers.clone())
                .unwrap_or_default(),
        });
        sources.push(TextSource {
            guid: source_guid.clone(),
            name: source_name(doc),
            plain_text_path: Some(format!("internal://{source_guid}.txt")),
            selections: selections.into_iter().map(|s| s.3).collect(),
            note_refs: doc_notes.remove(&doc.id).unwrap_or_default(),
            values,
            ..TextSource::default()
        });
        entries.push((
            format!("sources/{source_guid}.txt"),
            rendered.text.clone().into_bytes(),
        ));
        renders.push(rendered);
    }
    report.documents = corpus.docs.len();

    // Record evidence as code points of the rendered texts.
    for (di, mut record, ends) in pending_records {
        if let Some(rendered) = renders.get(di) {
            let offsets: Vec<usize> = ends
                .iter()
                .map(|&p| rendered.offset(p).unwrap_or(0))
                .collect();
            let chars = chars_at(&rendered.text, &offsets);
            record.evidence = chars.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        }
        data.records.push(record);
    }
    statuses.sort_by(|a, b| (a.0, &a.1.doc).cmp(&(b.0, &b.1.doc)));
    for (coder, s) in statuses {
        let doc = project.meta.current_id(&s.doc);
        if corpus.get(doc).is_none() {
            continue;
        }
        data.statuses.push(StatusData {
            coder: coder.to_string(),
            source: guid("source", doc),
            progress: match s.progress {
                crate::coding::Progress::NotStarted => "not-started",
                crate::coding::Progress::InProgress => "in-progress",
                crate::coding::Progress::Done => "done",
            }
            .into(),
            excluded: s.excluded.clone(),
            modified: s.modified.clone(),
        });
    }

    notes.extend(coding_notes);
    notes.extend(record_notes);
    let data_guid = guid("note", NOTE_NAME);
    notes.push(Note {
        guid: data_guid.clone(),
        name: NOTE_NAME.into(),
        text: data.render(),
        creating_user: None,
        created: None,
        modified: None,
    });
    report.notes = notes.len() - 1;
    report.users = coders.len();
    let qde = QdeProject {
        name: project.config.name.clone(),
        origin: Some(origin()),
        users: coders
            .iter()
            .map(|c| User {
                guid: user(c),
                name: (*c).to_string(),
            })
            .collect(),
        codes,
        variables: variables
            .iter()
            .map(|v| Variable {
                guid: guid("variable", v),
                name: (*v).to_string(),
                kind: "Text".into(),
            })
            .collect(),
        cases,
        sources,
        other_sources: Vec::new(),
        notes,
        note_refs: vec![data_guid],
    };
    report.left_out = left_out
        .into_iter()
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    entries.insert(
        0,
        (
            "project.qde".to_string(),
            super::qde::write_project(&qde).into_bytes(),
        ),
    );
    Ok(Exported { entries, report })
}
