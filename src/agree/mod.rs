//! Agreement between coders who coded the same documents independently.
//!
//! * **Instrument records**: the records of each document are paired across coders
//!   ([`pairing::pair_records`]); per dimension, each unit (a record pair) holds each
//!   coder's category — the dimension's direct child the chosen value lies under, as
//!   counts tally it — or nothing (no record, or the dimension left empty). A `select:
//!   many` dimension is compared per value: present or absent in each record.
//!   Documents count when every compared coder made records on them or marked them
//!   done.
//! * **Span codes**: per code (with the codes below it), each unit of text — turn,
//!   sentence or document — holds, per coder, whether a coding of the code overlaps it.
//!   Only documents every compared coder marked done, or that a round of `gloss sample`
//!   assigned to all of them, count, so unread text does not inflate agreement. The
//!   overlap of the coded spans is given in characters: coded by all / coded by any.
//!
//! For each subject there is a pooled line (all coders) and, with three coders or
//! more, a line per pair: n, percent agreement, Cohen's kappa (pairs) or Fleiss' kappa
//! (pooled, three or more), Krippendorff's alpha (nominal) and a Landis & Koch band
//! ([`stats`]). Documents any compared coder excluded are left out. Every unit where
//! the coders differ is a [`Disagreement`], with both sides, for listing or for a
//! reconcile screen to walk.

pub mod pairing;
pub mod reconcile;
pub mod sample;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::codebook::{Code, Codebook, Select};
use crate::coding::Record;
use crate::coding::set::Resolved;
use crate::corpus::Position;
use crate::corpus::docfile::natural_cmp;
use crate::export::table::{Column, Table};
use crate::study::Study;
use crate::{Error, Result};

pub use pairing::Unit;
use pairing::{Pairing, TextUnit};
use sample::Rounds;
use stats::{Estimate, Ratings};

/// At most this many coders are compared at once.
pub const MAX_CODERS: usize = 32;

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The coders, two or more.
    pub coders: Vec<String>,
    /// Dimensions (id, name or alias). With neither dimensions nor codes, every
    /// dimension and code the coders used.
    pub dimensions: Vec<String>,
    /// Span codes (id, name or alias), each with the codes below it.
    pub codes: Vec<String>,
    pub unit: Unit,
    /// Only the documents of this round (`gloss sample`).
    pub round: Option<String>,
    /// Confusion matrices of each pair of coders.
    pub confusion: bool,
    /// The units where the coders differ.
    pub disagreements: bool,
}

/// What a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A `select: one` dimension of the records.
    Dimension,
    /// One value of a `select: many` dimension, present or absent.
    Value,
    /// A span code, present or absent per unit of text.
    Code,
}

/// Characters of coded text: coded by every coder compared, and by any of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Overlap {
    pub shared: u64,
    pub coded: u64,
}

impl Overlap {
    /// Shared over coded, if anything was coded.
    pub fn ratio(self) -> Option<f64> {
        (self.coded > 0).then(|| self.shared as f64 / self.coded as f64)
    }

    /// `412/530 (0.777)`, or `–` when nothing was coded.
    pub fn text(self) -> String {
        match self.ratio() {
            Some(r) => format!("{}/{} ({})", self.shared, self.coded, stats::three(r)),
            None => "–".into(),
        }
    }
}

/// One line of the agreement table.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub kind: Kind,
    /// The dimension's or code's id.
    pub id: String,
    /// For [`Kind::Value`]: the value (category) id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is shown: `DL Stage`, `Impacts: Crash`, `Performance debugging`.
    pub subject: String,
    /// The coders of this line: all of them (pooled) or a pair.
    pub coders: Vec<String>,
    pub pooled: bool,
    /// Units with values of at least two of the line's coders.
    pub n: u64,
    /// Units with values of all the line's coders (what Fleiss' kappa counts).
    pub complete: u64,
    pub agreement: Estimate,
    /// Two coders (a pair line, or the pooled line of two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohen: Option<Estimate>,
    /// The pooled line of three coders or more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleiss: Option<Estimate>,
    pub alpha: Estimate,
    /// Span codes: characters coded by all of the line's coders / by any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<Overlap>,
}

impl Line {
    /// The line's kappa: Cohen's for two coders, Fleiss' for more.
    pub fn kappa(&self) -> Estimate {
        self.cohen
            .or(self.fleiss)
            .unwrap_or(Estimate::Undefined(stats::Undefined::TooFewCoders))
    }

    /// The Landis & Koch band of the kappa, else of alpha; `–` when both are undefined.
    pub fn band(&self) -> &'static str {
        self.kappa()
            .band()
            .or_else(|| self.alpha.band())
            .unwrap_or("–")
    }

    /// `alice–bob`, or for a pooled line of three or more `all (alice, bob, carol)`.
    pub fn coders_label(&self) -> String {
        if self.coders.len() == 2 {
            self.coders.join("–")
        } else {
            format!("all ({})", self.coders.join(", "))
        }
    }
}

/// The confusion matrix of two coders on one subject.
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    pub subject: String,
    /// Rows are the first coder's values, columns the second's.
    pub coders: [String; 2],
    pub categories: Vec<String>,
    pub matrix: Vec<Vec<u64>>,
}

/// Where a disagreement is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "place", rename_all = "lowercase")]
pub enum Place {
    /// Paired records: each coder's record number, if that coder has one in the pair.
    Record { numbers: Vec<Option<u32>> },
    /// A unit of text (turn, sentence or whole document) from `start` to `end`.
    Text {
        unit: Unit,
        start: Position,
        end: Position,
    },
}

/// One coder's side of a disagreement.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub coder: String,
    /// Value ids (records), or the code's id when the coder applied it here (spans).
    pub values: Vec<String>,
    /// The names of `values`.
    pub labels: Vec<String>,
    /// The record of this side, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u32>,
    /// The record's memo, or the memos of the codings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub memos: Vec<String>,
    /// The record's evidence, or the codings' spans, in the current text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<(Position, Position)>,
    /// The span codings of this side that touch the unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codings: Vec<String>,
}

/// A unit where the coders differ, with every coder's side: a plain list a screen can
/// walk through, reconciling one at a time.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub doc: String,
    pub kind: Kind,
    /// The dimension's or code's id.
    pub id: String,
    /// The dimension's or code's name.
    pub subject: String,
    pub place: Place,
    /// The turn to read (from 1), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn: Option<usize>,
    pub sides: Vec<Side>,
}

impl Disagreement {
    /// Where to read it: `issues/o/r#12 turn 3`, `issues/o/r#12 record 1`.
    pub fn link(&self) -> String {
        let mut out = self.doc.clone();
        if let Place::Record { numbers } = &self.place {
            let mut ns: Vec<u32> = numbers.iter().flatten().copied().collect();
            ns.dedup();
            if ns.len() == 1 {
                out.push_str(&format!(" record {}", ns[0]));
            } else {
                let each: Vec<String> = numbers
                    .iter()
                    .map(|n| n.map_or("–".into(), |n| n.to_string()))
                    .collect();
                out.push_str(&format!(" records {}", each.join("/")));
            }
        }
        if let Some(t) = self.turn {
            out.push_str(&format!(" turn {t}"));
        }
        out
    }
}

/// The result of [`agree`].
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub coders: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    pub unit: Unit,
    /// Documents whose records were compared, and the record units paired in them.
    pub record_documents: usize,
    pub record_units: usize,
    /// Documents whose span codes were compared, and their units of text.
    pub span_documents: usize,
    pub span_units: u64,
    pub lines: Vec<Line>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub confusions: Vec<Confusion>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<Disagreement>,
    pub notes: Vec<String>,
    /// The documents whose records were compared (current ids, in order).
    #[serde(skip)]
    pub record_docs: Vec<String>,
    /// The documents whose span codes were compared.
    #[serde(skip)]
    pub span_docs: Vec<String>,
}

/// The category a value counts for: the dimension's direct child it is or lies below
/// (merged-away ids resolved); an unknown value is its own category.
fn category_of<'a>(book: &'a Codebook, dim: &Code, value: &'a str) -> &'a str {
    let Some(code) = book.find_id(value) else {
        return value;
    };
    let mut id = code.id.as_str();
    for ancestor in book.ancestors(&code.id) {
        if ancestor.id == dim.id {
            return id;
        }
        id = ancestor.id.as_str();
    }
    // Not below the dimension at all: its own category.
    code.id.as_str()
}

/// The name of a code id (the id itself when it is not in the codebook).
fn name_of(book: &Codebook, id: &str) -> String {
    book.find_id(id)
        .map_or_else(|| id.to_string(), |c| c.name.clone())
}

/// One dimension's values in the paired records: per unit and coder a key — the
/// record's categories (numbered as met; each value id looked up in the codebook
/// once), interned so that a cell is one number — or nothing.
struct DimCells<'a> {
    book: &'a Codebook,
    dim: &'a Code,
    by_value: foldhash::HashMap<&'a str, u32>,
    by_id: foldhash::HashMap<&'a str, u32>,
    /// Category ids by number.
    ids: Vec<&'a str>,
    /// Key → its category numbers, sorted.
    keys: Vec<Vec<u32>>,
    /// Category number → the key of that category alone.
    single: Vec<Option<u32>>,
    multi: foldhash::HashMap<Vec<u32>, u32>,
    /// Unit × coder (row-major): the key, or `None` when not filled in.
    cells: Vec<Option<u32>>,
}

impl<'a> DimCells<'a> {
    fn new(book: &'a Codebook, dim: &'a Code, cells: usize) -> Self {
        DimCells {
            book,
            dim,
            by_value: Default::default(),
            by_id: Default::default(),
            ids: Vec::new(),
            keys: Vec::new(),
            single: Vec::new(),
            multi: Default::default(),
            cells: vec![None; cells],
        }
    }

    fn category(&mut self, value: &'a str) -> u32 {
        if let Some(&n) = self.by_value.get(value) {
            return n;
        }
        let id = category_of(self.book, self.dim, value);
        let n = match self.by_id.get(id) {
            Some(&n) => n,
            None => {
                let n = self.ids.len() as u32;
                self.ids.push(id);
                self.by_id.insert(id, n);
                self.single.push(None);
                n
            }
        };
        self.by_value.insert(value, n);
        n
    }

    fn intern(&mut self, cats: Vec<u32>) -> u32 {
        if let Some(&k) = self.multi.get(&cats) {
            return k;
        }
        let k = self.keys.len() as u32;
        self.keys.push(cats.clone());
        self.multi.insert(cats, k);
        k
    }

    /// The key of a record's values of the dimension (`None` when there are none).
    fn key(&mut self, values: &'a [String]) -> Option<u32> {
        match values {
            [] => None,
            [one] => {
                let c = self.category(one);
                Some(match self.single[c as usize] {
                    Some(k) => k,
                    None => {
                        let k = self.intern(vec![c]);
                        self.single[c as usize] = Some(k);
                        k
                    }
                })
            }
            many => {
                let mut cats: Vec<u32> = many.iter().map(|v| self.category(v)).collect();
                cats.sort_unstable();
                cats.dedup();
                if let [c] = cats[..]
                    && let Some(k) = self.single[c as usize]
                {
                    return Some(k);
                }
                Some(self.intern(cats))
            }
        }
    }

    /// Each category number's place in the order shown: the dimension's values in
    /// codebook order, then others by id.
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.ids.len() as u32).collect();
        order.sort_by_key(|&n| {
            let id = self.ids[n as usize];
            (self.book.index(id).unwrap_or(usize::MAX), id)
        });
        let mut rank = vec![0; order.len()];
        for (place, &n) in order.iter().enumerate() {
            rank[n as usize] = place as u32;
        }
        rank
    }
}

/// The cells of every dimension, in one pass over the paired records.
fn dim_cells<'a>(
    book: &'a Codebook,
    dims: &[&'a Code],
    units: &[pairing::RecordUnit<'a>],
    m: usize,
) -> Vec<DimCells<'a>> {
    let mut out: Vec<DimCells<'a>> = dims
        .iter()
        .map(|d| DimCells::new(book, d, units.len() * m))
        .collect();
    let position: foldhash::HashMap<&str, usize> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    for (u, unit) in units.iter().enumerate() {
        for (k, record) in unit.records.iter().enumerate() {
            let Some(record) = record else { continue };
            for (dim, values) in &record.values {
                if let Some(&d) = position.get(dim.as_str()) {
                    let key = out[d].key(values);
                    out[d].cells[u * m + k] = key;
                }
            }
        }
    }
    out
}

/// The lines of one subject: pooled, then every pair when there are three coders or more.
fn lines_for(
    ratings: &Ratings,
    coders: &[String],
    head: (Kind, &str, Option<&str>, &str),
    overlaps: Option<&[Overlap]>,
) -> Vec<Line> {
    let (kind, id, value, subject) = head;
    let m = coders.len();
    let line = |r: &Ratings, who: Vec<String>, pooled: bool, overlap: Option<Overlap>| {
        let two = who.len() == 2;
        Line {
            kind,
            id: id.to_string(),
            value: value.map(String::from),
            subject: subject.to_string(),
            coders: who,
            pooled,
            n: r.pairable(),
            complete: r.complete(),
            agreement: stats::percent_agreement(r),
            cohen: two.then(|| stats::cohen_kappa(r, 0, 1)),
            fleiss: (!two).then(|| stats::fleiss_kappa(r)),
            alpha: stats::krippendorff_alpha(r),
            overlap,
        }
    };
    let mut out = vec![line(
        ratings,
        coders.to_vec(),
        true,
        overlaps.and_then(|o| o.first().copied()),
    )];
    if m >= 3 {
        let mut p = 1;
        for a in 0..m {
            for b in a + 1..m {
                let pair = ratings.pair(a, b);
                out.push(line(
                    &pair,
                    vec![coders[a].clone(), coders[b].clone()],
                    false,
                    overlaps.and_then(|o| o.get(p).copied()),
                ));
                p += 1;
            }
        }
    }
    out
}

/// The pairs of coder indices, in line order.
fn pairs(m: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for a in 0..m {
        for b in a + 1..m {
            out.push((a, b));
        }
    }
    out
}

/// Checks the coders: two or more, distinct, at most [`MAX_CODERS`], each with work
/// in the project that can be read.
fn check_coders(study: &Study, coders: &[String]) -> Result<()> {
    if coders.len() < 2 {
        return Err(Error::Input(
            "agreement needs two coders or more: --coders alice,bob".into(),
        ));
    }
    if coders.len() > MAX_CODERS {
        return Err(Error::Input(format!(
            "at most {MAX_CODERS} coders can be compared at once"
        )));
    }
    let mut seen = BTreeSet::new();
    for c in coders {
        if !seen.insert(c) {
            return Err(Error::Input(format!("coder {c} is named twice")));
        }
        if study.codings.coder(c).is_none() {
            if let Some(problem) = study
                .codings
                .unreadable
                .iter()
                .find(|u| u.contains(&format!("(coder {c} left out")))
            {
                return Err(Error::Input(problem.clone()));
            }
            let known: Vec<&str> = study
                .codings
                .coders
                .iter()
                .map(|f| f.coder.as_str())
                .collect();
            return Err(Error::Input(format!(
                "coder {c} has no coding file in coding/; the coders are {}",
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    Ok(())
}

/// The documents compared, and why others were left out.
struct Documents {
    /// Documents whose records are compared (every coder made records or marked done).
    records: Vec<String>,
    /// Documents whose span codes are compared.
    spans: Vec<String>,
    excluded: usize,
    /// Span documents counted because they were assigned, though not every coder
    /// marked them done.
    assigned_not_done: usize,
}

fn documents(
    study: &Study,
    rounds: &Rounds,
    per: &[HashMap<String, pairing::CoderDoc<'_>>],
    coders: &[String],
    round: Option<&str>,
) -> Result<Documents> {
    let current = |id: &str| study.project.meta.current_id(id).to_string();
    let round_docs: Option<HashSet<String>> = match round {
        Some(name) => Some(
            rounds
                .find(name)?
                .documents
                .iter()
                .map(|d| current(d))
                .collect(),
        ),
        None => None,
    };
    let assigned: HashSet<String> = rounds
        .assigned_to_all(coders)
        .into_iter()
        .map(current)
        .collect();
    let mut all: BTreeSet<&str> = per
        .iter()
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    all.extend(assigned.iter().map(String::as_str));
    if let Some(r) = &round_docs {
        all.extend(r.iter().map(String::as_str));
    }
    let mut all: Vec<&str> = all.into_iter().collect();
    all.sort_by(|a, b| natural_cmp(a, b));
    let mut out = Documents {
        records: Vec::new(),
        spans: Vec::new(),
        excluded: 0,
        assigned_not_done: 0,
    };
    let none = pairing::CoderDoc::default();
    for doc in all {
        if round_docs.as_ref().is_some_and(|r| !r.contains(doc)) {
            continue;
        }
        let sides: Vec<&pairing::CoderDoc<'_>> =
            per.iter().map(|m| m.get(doc).unwrap_or(&none)).collect();
        if sides.iter().any(|s| s.excluded()) {
            out.excluded += 1;
            continue;
        }
        if sides.iter().all(|s| !s.records.is_empty() || s.done()) {
            out.records.push(doc.to_string());
        }
        if study.corpus.get(doc).is_none() {
            continue;
        }
        let done = sides.iter().all(|s| s.done());
        let assigned_here = assigned.contains(doc) || round_docs.is_some();
        if done || assigned_here {
            out.spans.push(doc.to_string());
            if !done {
                out.assigned_not_done += 1;
            }
        }
    }
    Ok(out)
}

/// Computes agreement between coders (see the module documentation).
pub fn agree(study: &Study, rounds: &Rounds, opts: &Options) -> Result<Agreement> {
    let coders = &opts.coders;
    check_coders(study, coders)?;
    let book = &study.codebook;
    let per = pairing::by_document(study, coders);
    let docs = documents(study, rounds, &per, coders, opts.round.as_deref())?;
    let mut result = Agreement {
        coders: coders.clone(),
        round: opts.round.clone(),
        unit: opts.unit,
        record_documents: 0,
        record_units: 0,
        span_documents: 0,
        span_units: 0,
        lines: Vec::new(),
        confusions: Vec::new(),
        disagreements: Vec::new(),
        notes: Vec::new(),
        record_docs: Vec::new(),
        span_docs: Vec::new(),
    };
    let everything = opts.dimensions.is_empty() && opts.codes.is_empty();
    let mut dims: Vec<&Code> = Vec::new();
    for d in &opts.dimensions {
        dims.push(book.dimension(d).ok_or_else(|| {
            Error::Input(format!(
                "no dimension {d:?} in the codebook; `gloss codebook show` lists them"
            ))
        })?);
    }
    let mut codes: Vec<&Code> = Vec::new();
    for c in &opts.codes {
        let code = book.resolve(c).ok_or_else(|| {
            Error::Input(format!(
                "no code {c:?} in the codebook; `gloss codebook show` lists them"
            ))
        })?;
        if code.select.is_some() {
            return Err(Error::Input(format!(
                "{} is an instrument dimension: compare it with --dimension",
                code.id
            )));
        }
        codes.push(code);
    }

    // Instrument records.
    let mut units: Vec<pairing::RecordUnit<'_>> = Vec::new();
    let mut by_evidence = 0;
    let no_records: Vec<&Record> = Vec::new();
    if everything || !dims.is_empty() {
        for doc in &docs.records {
            let lists: Vec<&[&Record]> = per
                .iter()
                .map(|m| {
                    m.get(doc)
                        .map_or(no_records.as_slice(), |d| d.records.as_slice())
                })
                .collect();
            let (mut u, how) = pairing::pair_records(doc, study.corpus.get(doc), &lists);
            if how == Pairing::Evidence {
                by_evidence += 1;
            }
            units.append(&mut u);
        }
        if everything {
            let used: HashSet<&str> = units
                .iter()
                .flat_map(|u| u.records.iter().flatten())
                .flat_map(|r| r.values.keys().map(String::as_str))
                .collect();
            dims = book
                .dimensions()
                .into_iter()
                .filter(|d| used.contains(d.id.as_str()))
                .collect();
        }
        result.record_documents = docs.records.len();
        result.record_units = units.len();
        result.record_docs.clone_from(&docs.records);
    }
    let cells = dim_cells(book, &dims, &units, coders.len());
    for (dim, index) in dims.iter().zip(&cells) {
        compare_dimension(study, dim, index, &units, opts, &mut result);
    }

    // Span codes.
    if everything || !codes.is_empty() {
        let spans = SpanInput {
            study,
            coders,
            docs: &docs.spans,
            unit: opts.unit,
            disagreements: opts.disagreements,
        };
        if everything {
            codes = spans.codes_used(&per);
        }
        if !codes.is_empty() {
            spans.compare(&codes, &mut result);
            result.span_documents = docs.spans.len();
            result.span_docs.clone_from(&docs.spans);
        }
    }

    // Notes.
    let notes = &mut result.notes;
    if !dims.is_empty() {
        notes.push(format!(
            "Records: {} records paired in {} documents that every coder made records on or marked done; a record's value counts for the dimension's value it is or lies under; a pair with a missing side is not counted (kappa), or counted as unpairable (alpha).",
            result.record_units, result.record_documents
        ));
        if by_evidence > 0 {
            notes.push(format!(
                "In {by_evidence} documents the coders numbered their records differently; their records were paired by the overlap of their evidence."
            ));
        }
        for dim in dims.iter().filter(|d| d.select == Some(Select::Many)) {
            notes.push(format!(
                "{} takes several values: it is compared per value, present or absent in each record.",
                dim.name
            ));
        }
    }
    if !codes.is_empty() {
        notes.push(format!(
            "Span codes: {} {}s of {} documents every coder marked done or was assigned by `gloss sample`; a code (with the codes below it) is present in a {} when a coding of it overlaps it. Overlap: characters coded by all / by any.",
            result.span_units,
            opts.unit.name(),
            result.span_documents,
            opts.unit.name()
        ));
        if docs.assigned_not_done > 0 {
            notes.push(format!(
                "{} of these documents are not yet marked done by every coder.",
                docs.assigned_not_done
            ));
        }
    }
    if everything && codes.is_empty() && docs.spans.is_empty() && spans_anywhere(&per) {
        notes.push(
            "Span codes are not compared: no document was marked done by every coder or assigned to all of them by `gloss sample`.".into(),
        );
    }
    match docs.excluded {
        0 => {}
        1 => notes.push("1 document excluded by at least one coder is left out.".into()),
        n => notes.push(format!(
            "{n} documents excluded by at least one coder are left out."
        )),
    }
    if dims.is_empty() && codes.is_empty() {
        notes.push(
            "Nothing to compare: the coders have no records or span codings on documents they all coded (marked done, or assigned by `gloss sample`).".into(),
        );
    }
    // Undefined statistics: one note per subject and reason, naming the statistics.
    let mut reasons: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for l in &result.lines {
        for (what, e) in [
            ("agreement", Some(l.agreement)),
            ("Cohen's kappa", l.cohen),
            ("Fleiss' kappa", l.fleiss),
            ("Krippendorff's alpha", Some(l.alpha)),
        ] {
            if let Some(Estimate::Undefined(why)) = e {
                let list = reasons
                    .entry((l.subject.clone(), why.to_string()))
                    .or_default();
                if !list.contains(&what) {
                    list.push(what);
                }
            }
        }
    }
    for ((subject, why), what) in reasons {
        let (last, rest) = what.split_last().map_or(("", &[][..]), |(l, r)| (*l, r));
        let named = if rest.is_empty() {
            format!("{last} is")
        } else {
            format!("{} and {last} are", rest.join(", "))
        };
        notes.push(format!("{subject}: {named} undefined, because {why}."));
    }
    notes.push("Bands after Landis & Koch (1977): below 0 poor, to 0.20 slight, to 0.40 fair, to 0.60 moderate, to 0.80 substantial, above almost perfect.".into());
    Ok(result)
}

/// True when some coder compared has a span coding anywhere.
fn spans_anywhere(per: &[HashMap<String, pairing::CoderDoc<'_>>]) -> bool {
    per.iter()
        .any(|m| m.values().any(|d| !d.codings.is_empty()))
}

/// Leaves out the categories neither coder used in the units both coded.
fn trim_confusion(names: &[String], matrix: Vec<Vec<u64>>) -> (Vec<String>, Vec<Vec<u64>>) {
    let k = names.len();
    let keep: Vec<usize> = (0..k)
        .filter(|&i| (0..k).any(|j| matrix[i][j] > 0 || matrix[j][i] > 0))
        .collect();
    let names = keep.iter().map(|&i| names[i].clone()).collect();
    let matrix = keep
        .iter()
        .map(|&i| keep.iter().map(|&j| matrix[i][j]).collect())
        .collect();
    (names, matrix)
}

/// Compares one dimension over the paired records.
fn compare_dimension<'a>(
    study: &'a Study,
    dim: &'a Code,
    index: &DimCells<'a>,
    units: &[pairing::RecordUnit<'a>],
    opts: &Options,
    result: &mut Agreement,
) {
    let book = &study.codebook;
    let m = opts.coders.len();
    let rank = index.ranks();
    let name = |n: u32| name_of(book, index.ids[n as usize]);
    if dim.select == Some(Select::Many) {
        let mut cats: Vec<u32> = (0..index.ids.len() as u32).collect();
        cats.sort_by_key(|&n| rank[n as usize]);
        for cat in cats {
            // Per key: does it hold the category?
            let holds: Vec<u32> = index
                .keys
                .iter()
                .map(|cs| u32::from(cs.contains(&cat)))
                .collect();
            let mut r = Ratings::new(m);
            let mut row: Vec<Option<u32>> = vec![None; m];
            for unit in index.cells.chunks(m) {
                for (cell, v) in row.iter_mut().zip(unit) {
                    *cell = v.map(|k| holds[k as usize]);
                }
                r.add(&row, 1);
            }
            let subject = format!("{}: {}", dim.name, name(cat));
            let value = index.ids[cat as usize];
            result.lines.extend(lines_for(
                &r,
                &opts.coders,
                (Kind::Value, &dim.id, Some(value), &subject),
                None,
            ));
            if opts.confusion {
                for (a, b) in pairs(m) {
                    result.confusions.push(Confusion {
                        subject: subject.clone(),
                        coders: [opts.coders[a].clone(), opts.coders[b].clone()],
                        categories: vec!["absent".into(), "present".into()],
                        matrix: stats::confusion(&r, a, b, 2),
                    });
                }
            }
        }
    } else {
        // A record holding several values of a one-value dimension is its own category
        // (the values together); keys are put in display order.
        let key_list: Vec<&[u32]> = index.keys.iter().map(Vec::as_slice).collect();
        let ranked = |k: &[u32]| -> Vec<u32> {
            let mut r: Vec<u32> = k.iter().map(|&c| rank[c as usize]).collect();
            r.sort_unstable();
            r
        };
        let mut order: Vec<u32> = (0..key_list.len() as u32).collect();
        order.sort_by_key(|&k| ranked(key_list[k as usize]));
        let mut place = vec![0u32; order.len()];
        for (p, &k) in order.iter().enumerate() {
            place[k as usize] = p as u32;
        }
        let mut r = Ratings::new(m);
        let mut row: Vec<Option<u32>> = vec![None; m];
        for unit in index.cells.chunks(m) {
            for (cell, v) in row.iter_mut().zip(unit) {
                *cell = v.map(|k| place[k as usize]);
            }
            r.add(&row, 1);
        }
        result.lines.extend(lines_for(
            &r,
            &opts.coders,
            (Kind::Dimension, &dim.id, None, &dim.name),
            None,
        ));
        if opts.confusion {
            let names: Vec<String> = order
                .iter()
                .map(|&k| {
                    let mut cs = key_list[k as usize].to_vec();
                    cs.sort_by_key(|&c| rank[c as usize]);
                    cs.iter().map(|&c| name(c)).collect::<Vec<_>>().join(" + ")
                })
                .collect();
            for (a, b) in pairs(m) {
                let (categories, matrix) =
                    trim_confusion(&names, stats::confusion(&r, a, b, names.len()));
                result.confusions.push(Confusion {
                    subject: dim.name.clone(),
                    coders: [opts.coders[a].clone(), opts.coders[b].clone()],
                    categories,
                    matrix,
                });
            }
        }
    }
    if opts.disagreements {
        for (unit, vals) in units.iter().zip(index.cells.chunks(m)) {
            if vals.windows(2).all(|w| w[0] == w[1]) {
                continue;
            }
            let sides: Vec<Side> = unit
                .records
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let raw: Vec<String> = r
                        .and_then(|r| r.values.get(&dim.id))
                        .cloned()
                        .unwrap_or_default();
                    Side {
                        coder: opts.coders[k].clone(),
                        labels: raw.iter().map(|v| name_of(book, v)).collect(),
                        values: raw,
                        record: r.map(|r| r.number),
                        memos: r.and_then(|r| r.memo.clone()).into_iter().collect(),
                        spans: r
                            .map(|r| r.evidence.iter().map(|e| (e.start, e.end)).collect())
                            .unwrap_or_default(),
                        codings: Vec::new(),
                    }
                })
                .collect();
            let turn = sides
                .iter()
                .flat_map(|s| s.spans.first())
                .map(|(start, _)| start.turn + 1)
                .min();
            result.disagreements.push(Disagreement {
                doc: unit.doc.clone(),
                kind: if dim.select == Some(Select::Many) {
                    Kind::Value
                } else {
                    Kind::Dimension
                },
                id: dim.id.clone(),
                subject: dim.name.clone(),
                place: Place::Record {
                    numbers: unit.records.iter().map(|r| r.map(|r| r.number)).collect(),
                },
                turn,
                sides,
            });
        }
    }
}

/// What span codes are compared over.
struct SpanInput<'s> {
    study: &'s Study,
    coders: &'s [String],
    docs: &'s [String],
    unit: Unit,
    disagreements: bool,
}

/// A placed coding of a compared coder that counts for a selected code.
struct Placed<'a> {
    coder: usize,
    start: usize,
    end: usize,
    positions: (Position, Position),
    coding: &'a crate::coding::SpanCoding,
}

impl<'s> SpanInput<'s> {
    /// The codes the coders applied in the compared documents (as the codebook knows
    /// them), in codebook order.
    fn codes_used(&self, per: &[HashMap<String, pairing::CoderDoc<'_>>]) -> Vec<&'s Code> {
        let book: &'s Codebook = &self.study.codebook;
        let mut used: BTreeSet<usize> = BTreeSet::new();
        for doc in self.docs {
            for m in per {
                for c in m.get(doc).map(|d| d.codings.as_slice()).unwrap_or(&[]) {
                    if let Some(i) = book.find_id(&c.code).and_then(|code| book.index(&code.id)) {
                        used.insert(i);
                    }
                }
            }
        }
        used.into_iter().filter_map(|i| book.codes.get(i)).collect()
    }

    fn compare(&self, codes: &[&Code], result: &mut Agreement) {
        let study = self.study;
        let book = &study.codebook;
        let m = self.coders.len();
        let full: u32 = if m == 32 { u32::MAX } else { (1u32 << m) - 1 };
        let selected: HashMap<usize, usize> = codes
            .iter()
            .enumerate()
            .filter_map(|(s, c)| book.index(&c.id).map(|i| (i, s)))
            .collect();
        let pair_list = pairs(m);
        let mut ratings: Vec<Ratings> = vec![Ratings::new(m); codes.len()];
        let mut touched: Vec<u64> = vec![0; codes.len()];
        // Per code: overlap of all coders, then of each pair.
        let mut overlaps: Vec<Vec<Overlap>> =
            vec![vec![Overlap::default(); 1 + pair_list.len()]; codes.len()];
        let mut total_units: u64 = 0;
        let (mut orphaned, mut unknown) = (0usize, 0usize);
        for doc_id in self.docs {
            let Some(doc) = study.corpus.get(doc_id) else {
                continue;
            };
            let units = pairing::text_units(doc, self.unit);
            total_units += units.iter().filter(|u| u.start < u.end).count() as u64;
            let starts = doc.turn_starts();
            let mut placed: Vec<Vec<Placed<'_>>> = (0..codes.len()).map(|_| Vec::new()).collect();
            for r in study
                .codings
                .resolve_document(&study.project, &study.corpus, doc_id)
            {
                let Some(k) = self.coders.iter().position(|c| c == r.coder) else {
                    continue;
                };
                let Resolved::Placed { start, end, .. } = r.placement else {
                    orphaned += 1;
                    continue;
                };
                let Some(code) = book.find_id(&r.coding.code) else {
                    unknown += 1;
                    continue;
                };
                let mut chain = vec![code];
                chain.extend(book.ancestors(&code.id));
                for c in chain {
                    if let Some(&s) = book.index(&c.id).and_then(|i| selected.get(&i)) {
                        placed[s].push(Placed {
                            coder: k,
                            start: starts.get(start.turn).copied().unwrap_or(0) + start.byte,
                            end: starts.get(end.turn).copied().unwrap_or(0) + end.byte,
                            positions: (start, end),
                            coding: r.coding,
                        });
                    }
                }
            }
            if placed.iter().all(Vec::is_empty) {
                continue;
            }
            let text = doc.linear_text();
            let chars = |ranges: &[(usize, usize)]| -> u64 {
                ranges
                    .iter()
                    .map(|&(s, e)| text.get(s..e).map_or(0, |t| t.chars().count() as u64))
                    .sum()
            };
            for (s, list) in placed.iter().enumerate() {
                if list.is_empty() {
                    continue;
                }
                let mut masks: BTreeMap<usize, u32> = BTreeMap::new();
                for p in list {
                    for u in pairing::units_overlapping(&units, p.start, p.end) {
                        *masks.entry(u).or_insert(0) |= 1 << p.coder;
                    }
                }
                let mut row = vec![None; m];
                for &mask in masks.values() {
                    for (k, cell) in row.iter_mut().enumerate() {
                        *cell = Some((mask >> k) & 1);
                    }
                    ratings[s].add(&row, 1);
                }
                touched[s] += masks.len() as u64;
                // Characters coded by each coder, then shared and in all.
                let per_coder: Vec<Vec<(usize, usize)>> = (0..m)
                    .map(|k| {
                        pairing::merge(
                            list.iter()
                                .filter(|p| p.coder == k)
                                .map(|p| (p.start, p.end))
                                .collect(),
                        )
                    })
                    .collect();
                let group = |members: &[usize]| -> Overlap {
                    let mut shared = per_coder[members[0]].clone();
                    let mut any = per_coder[members[0]].clone();
                    for &k in &members[1..] {
                        shared = pairing::intersect(&shared, &per_coder[k]);
                        any.extend(per_coder[k].iter().copied());
                    }
                    Overlap {
                        shared: chars(&shared),
                        coded: chars(&pairing::merge(any)),
                    }
                };
                let all: Vec<usize> = (0..m).collect();
                let mut add = |slot: usize, o: Overlap| {
                    overlaps[s][slot].shared += o.shared;
                    overlaps[s][slot].coded += o.coded;
                };
                add(0, group(&all));
                for (p, &(a, b)) in pair_list.iter().enumerate() {
                    add(p + 1, group(&[a, b]));
                }
                if self.disagreements {
                    for (&u, &mask) in &masks {
                        if mask == full {
                            continue;
                        }
                        result.disagreements.push(
                            self.span_disagreement(doc_id, codes[s], &units[u], list, &starts),
                        );
                    }
                }
            }
        }
        result.span_units = total_units;
        for (s, code) in codes.iter().enumerate() {
            let absent = total_units.saturating_sub(touched[s]);
            ratings[s].add(&vec![Some(0); m], absent);
            result.lines.extend(lines_for(
                &ratings[s],
                self.coders,
                (Kind::Code, &code.id, None, &code.name),
                Some(&overlaps[s]),
            ));
        }
        if orphaned > 0 {
            result.notes.push(format!(
                "{orphaned} codings whose text could not be found (orphaned; see `gloss status`) are left out."
            ));
        }
        if unknown > 0 {
            result.notes.push(format!(
                "{unknown} codings of codes no longer in the codebook are left out (see `gloss check`)."
            ));
        }
    }

    fn span_disagreement(
        &self,
        doc_id: &str,
        code: &Code,
        unit: &TextUnit,
        list: &[Placed<'_>],
        starts: &[usize],
    ) -> Disagreement {
        let pos = |offset: usize| {
            let turn = unit.turn;
            Position::new(turn, offset - starts.get(turn).copied().unwrap_or(0))
        };
        let sides = self
            .coders
            .iter()
            .enumerate()
            .map(|(k, coder)| {
                let here: Vec<&Placed<'_>> = list
                    .iter()
                    .filter(|p| p.coder == k && p.start < unit.end && unit.start < p.end)
                    .collect();
                let present = !here.is_empty();
                Side {
                    coder: coder.clone(),
                    values: if present {
                        vec![code.id.clone()]
                    } else {
                        Vec::new()
                    },
                    labels: if present {
                        vec![code.name.clone()]
                    } else {
                        Vec::new()
                    },
                    record: None,
                    memos: here.iter().filter_map(|p| p.coding.memo.clone()).collect(),
                    spans: here.iter().map(|p| p.positions).collect(),
                    codings: here.iter().map(|p| p.coding.id.clone()).collect(),
                }
            })
            .collect();
        let (start, end) = if self.unit == Unit::Document {
            let last = self
                .study
                .corpus
                .get(doc_id)
                .map_or(0, |d| d.turns.len().saturating_sub(1));
            let len = self
                .study
                .corpus
                .get(doc_id)
                .and_then(|d| d.turns.last())
                .map_or(0, |t| t.text.len());
            (Position::new(0, 0), Position::new(last, len))
        } else {
            (pos(unit.start), pos(unit.end))
        };
        Disagreement {
            doc: doc_id.to_string(),
            kind: Kind::Code,
            id: code.id.clone(),
            subject: code.name.clone(),
            place: Place::Text {
                unit: self.unit,
                start,
                end,
            },
            turn: (self.unit != Unit::Document).then_some(unit.turn + 1),
            sides,
        }
    }
}

impl Agreement {
    /// True when some line is about span codes (the overlap column is shown).
    fn has_spans(&self) -> bool {
        self.lines.iter().any(|l| l.kind == Kind::Code)
    }

    /// The agreement table: a line per subject (pooled) and per pair of coders, values
    /// with three decimals.
    pub fn table(&self) -> Table {
        let many = self.coders.len() > 2;
        let spans = self.has_spans();
        let mut columns = vec![
            Column::left("Subject"),
            Column::left("Coders"),
            Column::right("n"),
            Column::right("Agreement"),
            Column::right("Cohen's κ"),
        ];
        if many {
            columns.push(Column::right("Fleiss' κ"));
        }
        columns.push(Column::right("Krippendorff's α"));
        if spans {
            columns.push(Column::right("Overlap (chars)"));
        }
        columns.push(Column::left("Band"));
        let dash = || "–".to_string();
        let rows = self
            .lines
            .iter()
            .map(|l| {
                let mut row = vec![
                    l.subject.clone(),
                    l.coders_label(),
                    l.n.to_string(),
                    l.agreement.three(),
                    l.cohen.map_or_else(dash, Estimate::three),
                ];
                if many {
                    row.push(l.fleiss.map_or_else(dash, Estimate::three));
                }
                row.push(l.alpha.three());
                if spans {
                    row.push(l.overlap.map_or_else(dash, Overlap::text));
                }
                row.push(l.band().to_string());
                row
            })
            .collect();
        Table {
            title: format!(
                "Agreement of {}{}",
                self.coders.join(", "),
                self.round
                    .as_ref()
                    .map(|r| format!(" (round {r})"))
                    .unwrap_or_default()
            ),
            columns,
            rows,
            rule_before: None,
            notes: self.notes.clone(),
        }
    }

    /// A table per confusion matrix (rows the first coder's values, columns the
    /// second's, with totals).
    pub fn confusion_tables(&self) -> Vec<Table> {
        self.confusions
            .iter()
            .map(|c| {
                let [a, b] = &c.coders;
                let k = c.categories.len();
                let mut columns = vec![Column::left(format!("{a} \\ {b}"))];
                columns.extend(c.categories.iter().map(|n| Column::right(n.clone())));
                columns.push(Column::right("Total"));
                let mut rows = Vec::new();
                let mut col_totals = vec![0u64; k];
                for (i, name) in c.categories.iter().enumerate() {
                    let mut row = vec![name.clone()];
                    let mut total = 0;
                    for (sum, &v) in col_totals.iter_mut().zip(&c.matrix[i]) {
                        total += v;
                        *sum += v;
                        row.push(v.to_string());
                    }
                    row.push(total.to_string());
                    rows.push(row);
                }
                let mut last = vec!["Total".to_string()];
                last.extend(col_totals.iter().map(u64::to_string));
                last.push(col_totals.iter().sum::<u64>().to_string());
                rows.push(last);
                Table {
                    title: format!("{}: {a} (rows) × {b} (columns)", c.subject),
                    columns,
                    rule_before: Some(k),
                    rows,
                    notes: vec![format!(
                        "Diagonal: the units both coded alike. Units only one of them coded are not counted."
                    )],
                }
            })
            .collect()
    }
}

/// Agreement per round, side by side: per subject (pooled lines), each round's kappa
/// (Cohen's for two coders, Fleiss' for more) with its n, then alpha, so that the
/// change from pilot to final reads along a row. Rounds that did not assign every
/// compared coder are left out.
pub fn across_rounds(study: &Study, rounds: &Rounds, opts: &Options) -> Result<Table> {
    let chosen: Vec<&sample::Round> = rounds
        .rounds
        .iter()
        .filter(|r| opts.coders.iter().all(|c| r.coders.contains(c)))
        .collect();
    if chosen.is_empty() {
        return Err(Error::Input(format!(
            "no round assigned {}: `gloss sample --assign {} --round NAME` draws one",
            opts.coders.join(" and "),
            opts.coders.join(",")
        )));
    }
    let mut subjects: Vec<String> = Vec::new();
    let mut cells: HashMap<(String, usize), String> = HashMap::new();
    for (i, round) in chosen.iter().enumerate() {
        let mut o = opts.clone();
        o.round = Some(round.name.clone());
        o.confusion = false;
        o.disagreements = false;
        let a = agree(study, rounds, &o)?;
        for l in a.lines.iter().filter(|l| l.pooled) {
            if !subjects.contains(&l.subject) {
                subjects.push(l.subject.clone());
            }
            cells.insert(
                (l.subject.clone(), i),
                format!("κ {} α {} (n {})", l.kappa().three(), l.alpha.three(), l.n),
            );
        }
    }
    let mut columns = vec![Column::left("Subject")];
    columns.extend(chosen.iter().map(|r| Column::right(r.name.clone())));
    let rows = subjects
        .iter()
        .map(|s| {
            let mut row = vec![s.clone()];
            for i in 0..chosen.len() {
                row.push(
                    cells
                        .get(&(s.clone(), i))
                        .cloned()
                        .unwrap_or_else(|| "–".into()),
                );
            }
            row
        })
        .collect();
    Ok(Table {
        title: format!("Agreement of {} across rounds", opts.coders.join(", ")),
        columns,
        rows,
        rule_before: None,
        notes: vec![format!(
            "κ is {}; α is Krippendorff's (nominal); n counts the units of each round.",
            if opts.coders.len() == 2 {
                "Cohen's kappa"
            } else {
                "Fleiss' kappa"
            }
        )],
    })
}
