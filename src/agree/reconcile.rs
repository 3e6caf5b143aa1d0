//! Reconciling disagreements into a consensus coder: the plan (every disagreement of
//! the coders compared, with the consensus record each record unit becomes), which of
//! them the consensus coder has already settled, and the entries a decision writes.
//!
//! * **The consensus starts from the first coder's work, less what is disputed.** The
//!   first decision on a document (or [`Reconciliation::seed`], for documents without
//!   disagreements) copies the first coder's records — as many as there are record
//!   units, numbered 1, 2, … in pairing order, with the values of the compared
//!   dimensions that are not disputed in that unit and the first record's evidence —
//!   and the first coder's codings of compared codes that touch no disputed unit.
//! * **A record disagreement** (one dimension of one record unit) is settled when the
//!   consensus record of the unit has that dimension, even empty: `"impact": []` is the
//!   decision "no value".
//! * **A span disagreement** (one code in one unit of text) is settled when the
//!   consensus coder has a coding of the code (or a code below it) overlapping the unit,
//!   or has marked the document done. Taking a side that did not code the unit writes
//!   nothing, so the coding file holds that decision only once every disagreement of
//!   the document is settled and the document is marked done for the consensus coder
//!   (the workbench remembers it meanwhile in the consensus coder's state folder).

use std::collections::{BTreeSet, HashMap};

use super::pairing::{self, Pairing};
use super::sample::Rounds;
use super::{Disagreement, Kind, Options, Place, agree};
use crate::codebook::{Code, Select};
use crate::coding::anchor::AnchorText;
use crate::coding::set::Resolved;
use crate::coding::{Entry, Record, SpanCoding, coding_key, record_key};
use crate::corpus::Position;
use crate::study::Study;
use crate::{Error, Result};

/// What the reconciler decides for one disagreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// The side of the coder at this index (the values, or the codings, of that coder).
    Side(usize),
    /// Every side together: the union of the values (a dimension that takes several),
    /// every coder's codings (span codes).
    Both,
    /// These values of the dimension (none: the decision "no value").
    Values(Vec<String>),
}

/// The disagreements of a comparison, to be settled one by one as a consensus coder.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// The coders compared.
    pub coders: Vec<String>,
    /// The coder the decisions are written as.
    pub consensus: String,
    pub items: Vec<Disagreement>,
    /// Per item: the number of the consensus record of its record unit (records only).
    numbers: Vec<Option<u32>>,
    /// Per document: its record units, each coder's record (or none) per unit.
    units: HashMap<String, Vec<Vec<Option<Record>>>>,
    /// Documents whose span codes were compared.
    span_docs: BTreeSet<String>,
    /// The dimensions and codes compared.
    dimensions: BTreeSet<String>,
    codes: BTreeSet<String>,
}

impl Reconciliation {
    /// Compares the coders of `opts` and lists their disagreements; `consensus` must be
    /// a coder name of its own, not one of those compared.
    pub fn plan(
        study: &Study,
        rounds: &Rounds,
        opts: &Options,
        consensus: &str,
    ) -> Result<Reconciliation> {
        crate::coding::store::validate_coder(consensus)?;
        if opts.coders.len() < 2 {
            return Err(Error::Input(
                "reconciling needs two coders or more: --coders alice,bob".into(),
            ));
        }
        if opts.coders.iter().any(|c| c == consensus) {
            return Err(Error::Input(format!(
                "{consensus} is one of the coders compared; the decisions need a coder of their own: --as consensus (or another new name)"
            )));
        }
        let opts = Options {
            disagreements: true,
            confusion: false,
            ..opts.clone()
        };
        let mut result = agree(study, rounds, &opts)?;
        // Document by document, in text order: one document's disagreements together.
        result.disagreements.sort_by(|a, b| {
            crate::corpus::docfile::natural_cmp(&a.doc, &b.doc).then_with(|| {
                let at = |d: &Disagreement| match &d.place {
                    Place::Text { start, .. } => (0, Some(*start), Vec::new()),
                    Place::Record { numbers } => (1, None, numbers.clone()),
                };
                at(a).cmp(&at(b))
            })
        });
        let per = pairing::by_document(study, &opts.coders);
        let mut units = HashMap::new();
        for doc in &result.record_docs {
            let lists: Vec<Vec<&Record>> = per
                .iter()
                .map(|m| m.get(doc).map(|d| d.records.clone()).unwrap_or_default())
                .collect();
            let slices: Vec<&[&Record]> = lists.iter().map(Vec::as_slice).collect();
            let (paired, _how): (_, Pairing) =
                pairing::pair_records(doc, study.corpus.get(doc), &slices);
            let owned: Vec<Vec<Option<Record>>> = paired
                .into_iter()
                .map(|u| u.records.into_iter().map(|r| r.cloned()).collect())
                .collect();
            units.insert(doc.clone(), owned);
        }
        let numbers = result
            .disagreements
            .iter()
            .map(|d| match &d.place {
                Place::Record { numbers } => units.get(&d.doc).and_then(|list| {
                    list.iter()
                        .position(|u| {
                            u.iter()
                                .map(|r| r.as_ref().map(|r| r.number))
                                .eq(numbers.iter().copied())
                        })
                        .map(|k| k as u32 + 1)
                }),
                Place::Text { .. } => None,
            })
            .collect();
        let mut dimensions = BTreeSet::new();
        let mut codes = BTreeSet::new();
        for line in &result.lines {
            match line.kind {
                Kind::Code => codes.insert(line.id.clone()),
                Kind::Dimension | Kind::Value => dimensions.insert(line.id.clone()),
            };
        }
        Ok(Reconciliation {
            coders: opts.coders.clone(),
            consensus: consensus.to_string(),
            items: result.disagreements,
            numbers,
            units,
            span_docs: result.span_docs.into_iter().collect(),
            dimensions,
            codes,
        })
    }

    /// The documents compared, records' first, in order, each once.
    pub fn documents(&self) -> Vec<String> {
        let mut out: Vec<String> = self.units.keys().cloned().collect();
        out.extend(self.span_docs.iter().cloned());
        out.sort_by(|a, b| crate::corpus::docfile::natural_cmp(a, b));
        out.dedup();
        out
    }

    /// The number of the consensus record that settles item `i` (records only).
    pub fn record_number(&self, i: usize) -> Option<u32> {
        self.numbers.get(i).copied().flatten()
    }

    /// True when the consensus coder's entries settle item `i` (see the module
    /// documentation).
    pub fn settled(&self, study: &Study, i: usize) -> bool {
        let Some(d) = self.items.get(i) else {
            return false;
        };
        let Some(file) = study.codings.coder(&self.consensus) else {
            return false;
        };
        match &d.place {
            Place::Record { .. } => self.record_number(i).is_some_and(|n| {
                matches!(file.get(&record_key(&d.doc, n)), Some(Entry::Record(r)) if r.values.contains_key(&d.id))
            }),
            Place::Text { start, end, .. } => {
                if study.codings.progress(&self.consensus, &d.doc) == crate::coding::Progress::Done
                {
                    return true;
                }
                study
                    .project
                    .meta
                    .ids_of(&d.doc)
                    .into_iter()
                    .flat_map(|id| file.of_document(id))
                    .any(|e| match e {
                        Entry::Coding(c) => {
                            c.start < *end && *start < c.end && counts_for(study, &c.code, &d.id)
                        }
                        _ => false,
                    })
            }
        }
    }

    /// True when the consensus coder has any entry on the document.
    pub fn has_work_on(&self, study: &Study, doc: &str) -> bool {
        study.codings.coder(&self.consensus).is_some_and(|f| {
            study
                .project
                .meta
                .ids_of(doc)
                .into_iter()
                .any(|id| f.of_document(id).next().is_some())
        })
    }

    /// The dimension's values a new value may be chosen from (records only), in
    /// codebook order.
    pub fn values_for<'s>(&self, study: &'s Study, i: usize) -> Vec<&'s Code> {
        let Some(d) = self.items.get(i) else {
            return Vec::new();
        };
        if d.kind == Kind::Code {
            return Vec::new();
        }
        study
            .codebook
            .descendants(&d.id)
            .into_iter()
            .filter(|c| c.id != d.id && !c.retired)
            .collect()
    }

    /// The first coder's work on a document less what is disputed: the consensus
    /// coder's starting point there (see the module documentation). `next_id` gives
    /// each new coding its id; `now` is the time written.
    pub fn seed(
        &self,
        study: &Study,
        doc: &str,
        next_id: &mut dyn FnMut() -> String,
        now: &str,
    ) -> Vec<Entry> {
        let mut out = Vec::new();
        if let Some(units) = self.units.get(doc) {
            for k in 0..units.len() {
                if let Some(r) = self.unit_record(doc, k, now) {
                    out.push(Entry::Record(r));
                }
            }
        }
        if self.span_docs.contains(doc) {
            let disputed: BTreeSet<&str> = self
                .items
                .iter()
                .filter(|d| d.doc == doc && d.kind == Kind::Code)
                .flat_map(|d| d.sides.iter().flat_map(|s| s.codings.iter()))
                .map(String::as_str)
                .collect();
            let first = self.coders.first().map(String::as_str);
            for r in study
                .codings
                .resolve_document(&study.project, &study.corpus, doc)
            {
                if Some(r.coder) != first || disputed.contains(r.coding.id.as_str()) {
                    continue;
                }
                if !self
                    .codes
                    .iter()
                    .any(|c| counts_for(study, &r.coding.code, c))
                {
                    continue;
                }
                if let Resolved::Placed { start, end, .. } = r.placement
                    && let Some(c) = copy_coding(study, doc, r.coding, (start, end), next_id, now)
                {
                    push_new_coding(&mut out, c);
                }
            }
        }
        out
    }

    /// The consensus record of record unit `k` of a document before any decision: the
    /// first record of the unit, with the values of compared dimensions not disputed in
    /// the unit and its evidence.
    fn unit_record(&self, doc: &str, k: usize, now: &str) -> Option<Record> {
        let unit = self.units.get(doc)?.get(k)?;
        let first = unit.iter().flatten().next()?;
        let number = k as u32 + 1;
        let disputed: BTreeSet<&str> = self
            .items
            .iter()
            .enumerate()
            .filter(|(i, d)| d.doc == doc && self.record_number(*i) == Some(number))
            .map(|(_, d)| d.id.as_str())
            .collect();
        let values = first
            .values
            .iter()
            .filter(|(dim, _)| self.dimensions.contains(*dim) && !disputed.contains(dim.as_str()))
            .map(|(dim, v)| (dim.clone(), v.clone()))
            .collect();
        Some(Record {
            doc: doc.to_string(),
            number,
            values,
            evidence: first.evidence.clone(),
            memo: None,
            created: now.to_string(),
            modified: now.to_string(),
        })
    }

    /// The entries that settle item `i` with `choice`, for the consensus coder: the
    /// document's starting point first when the consensus coder has nothing on it yet.
    /// An error says what to choose instead.
    pub fn decide(
        &self,
        study: &Study,
        i: usize,
        choice: &Choice,
        next_id: &mut dyn FnMut() -> String,
        now: &str,
    ) -> Result<Vec<Entry>> {
        let d = self
            .items
            .get(i)
            .ok_or_else(|| Error::Input(format!("there is no disagreement {}", i + 1)))?;
        if let Choice::Side(k) = choice
            && *k >= d.sides.len()
        {
            return Err(Error::Input(format!(
                "there are {} coders: take side 1 to {}",
                d.sides.len(),
                d.sides.len()
            )));
        }
        let mut out = if self.has_work_on(study, &d.doc) {
            Vec::new()
        } else {
            self.seed(study, &d.doc, next_id, now)
        };
        match &d.place {
            Place::Record { .. } => {
                let values = self.chosen_values(study, d, choice)?;
                let n = self.record_number(i).ok_or_else(|| {
                    Error::Input(format!(
                        "the records of {} changed since the comparison; reopen the reconciliation",
                        d.doc
                    ))
                })?;
                let key = record_key(&d.doc, n);
                let seeded = out.iter().position(|e| e.key() == key);
                let mut record = match seeded {
                    Some(p) => match out.remove(p) {
                        Entry::Record(r) => r,
                        _ => empty_record(&d.doc, n, now),
                    },
                    None => match study
                        .codings
                        .coder(&self.consensus)
                        .and_then(|f| f.get(&key))
                    {
                        Some(Entry::Record(r)) => r.clone(),
                        _ => self
                            .unit_record(&d.doc, n as usize - 1, now)
                            .unwrap_or_else(|| empty_record(&d.doc, n, now)),
                    },
                };
                record.values.insert(d.id.clone(), values);
                record.modified = now.to_string();
                out.push(Entry::Record(record));
            }
            Place::Text { .. } => {
                let sides: Vec<usize> = match choice {
                    Choice::Side(k) => vec![*k],
                    Choice::Both => (0..d.sides.len()).collect(),
                    Choice::Values(_) => {
                        return Err(Error::Input(format!(
                            "{} is a span code, present or absent: take a coder's side (1–{}) or both (b)",
                            d.subject,
                            d.sides.len()
                        )));
                    }
                };
                for k in sides {
                    let side = &d.sides[k];
                    let Some(file) = study.codings.coder(&side.coder) else {
                        continue;
                    };
                    for (id, at) in side.codings.iter().zip(&side.spans) {
                        let Some(Entry::Coding(c)) = file.get(&coding_key(id)) else {
                            continue;
                        };
                        let exists = study.codings.coder(&self.consensus).is_some_and(|f| {
                            f.values_unordered().any(|e| {
                                matches!(e, Entry::Coding(x) if x.code == c.code && (x.start, x.end) == *at && study.project.meta.current_id(&x.doc) == d.doc)
                            })
                        });
                        if exists {
                            continue;
                        }
                        if let Some(copy) = copy_coding(study, &d.doc, c, *at, next_id, now) {
                            push_new_coding(&mut out, copy);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The values a choice gives a record disagreement.
    fn chosen_values(
        &self,
        study: &Study,
        d: &Disagreement,
        choice: &Choice,
    ) -> Result<Vec<String>> {
        Ok(match choice {
            Choice::Side(k) => d.sides[*k].values.clone(),
            Choice::Values(v) => v.clone(),
            Choice::Both => {
                let mut all: Vec<String> = Vec::new();
                for s in &d.sides {
                    for v in &s.values {
                        if !all.contains(v) {
                            all.push(v.clone());
                        }
                    }
                }
                let one = study
                    .codebook
                    .find_id(&d.id)
                    .is_some_and(|c| c.select != Some(Select::Many));
                if one && all.len() > 1 {
                    return Err(Error::Input(format!(
                        "{} takes one value: take a coder's side (1–{}) or a new value (n)",
                        d.subject,
                        d.sides.len()
                    )));
                }
                all
            }
        })
    }
}

/// An empty consensus record (only when a unit has no record at all, which pairing
/// never gives).
fn empty_record(doc: &str, number: u32, now: &str) -> Record {
    Record {
        doc: doc.to_string(),
        number,
        values: Default::default(),
        evidence: Vec::new(),
        memo: None,
        created: now.to_string(),
        modified: now.to_string(),
    }
}

/// True when a coding of `code` counts for `target`: it is the code or lies below it.
fn counts_for(study: &Study, code: &str, target: &str) -> bool {
    let book = &study.codebook;
    let own = book.find_id(code).map_or(code, |c| c.id.as_str());
    own == target || book.ancestors(own).iter().any(|a| a.id == target)
}

/// A copy of a coding for the consensus coder, at its place in the current text.
fn copy_coding(
    study: &Study,
    doc: &str,
    coding: &SpanCoding,
    (start, end): (Position, Position),
    next_id: &mut dyn FnMut() -> String,
    now: &str,
) -> Option<SpanCoding> {
    let document = study.corpus.get(doc)?;
    let anchor = AnchorText::new(document).anchor(start, end)?;
    Some(SpanCoding {
        id: next_id(),
        doc: doc.to_string(),
        start,
        end,
        code: coding.code.clone(),
        anchor,
        memo: None,
        star: false,
        batch: None,
        created: now.to_string(),
        modified: now.to_string(),
    })
}

/// Adds a coding unless one of the same code at the same place is already there.
fn push_new_coding(out: &mut Vec<Entry>, coding: SpanCoding) {
    let dup = out.iter().any(|e| {
        matches!(e, Entry::Coding(c) if c.code == coding.code && c.start == coding.start && c.end == coding.end)
    });
    if !dup {
        out.push(Entry::Coding(coding));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::store::{CoderFile, Op, Writer};
    use crate::coding::{DocStatus, Progress};
    use crate::project::Project;

    const CODEBOOK: &str = "codes:
  - id: stage
    name: Stage
    select: one
    children:
      - {id: training, name: Training}
      - {id: data, name: Data pipeline}
  - id: impact
    name: Impact
    select: many
    children:
      - {id: crash, name: Crash}
      - {id: slow, name: Slow}
  - id: perf
    name: Performance
";

    const DOC: &str = "transcripts/p1";

    /// A project where alice and bob made record 1 of one transcript (with these
    /// values), alice coded perf in its second turn when `perf` is set, and both
    /// marked it done.
    fn study(
        alice: &[(&str, &[&str])],
        bob: &[(&str, &[&str])],
        perf: bool,
    ) -> (tempfile::TempDir, Study) {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "t").unwrap();
        std::fs::write(tmp.path().join("codebooks/c.yaml"), CODEBOOK).unwrap();
        std::fs::write(
            tmp.path().join("transcripts/p1.txt"),
            "I: Hello.\n\nP1: The loss went to NaN.\n",
        )
        .unwrap();
        let project = Project::open(tmp.path()).unwrap();
        let corpus = project.load_corpus().unwrap();
        let doc = corpus.get(DOC).unwrap();
        for (coder, values) in [("alice", alice), ("bob", bob)] {
            let mut w = Writer::open(&project, coder).unwrap();
            let mut ops = vec![
                Op::Put(Entry::Record(Record {
                    doc: DOC.into(),
                    number: 1,
                    values: values
                        .iter()
                        .map(|(d, v)| (d.to_string(), v.iter().map(|s| s.to_string()).collect()))
                        .collect(),
                    evidence: Vec::new(),
                    memo: None,
                    created: "t".into(),
                    modified: "t".into(),
                })),
                Op::Put(Entry::Status(DocStatus {
                    doc: DOC.into(),
                    progress: Progress::Done,
                    excluded: None,
                    modified: "t".into(),
                })),
            ];
            if perf && coder == "alice" {
                let (start, end) = (Position::new(1, 0), Position::new(1, 8));
                ops.push(Op::Put(Entry::Coding(SpanCoding {
                    id: w.next_coding_id(),
                    doc: DOC.into(),
                    start,
                    end,
                    code: "perf".into(),
                    anchor: AnchorText::new(doc).anchor(start, end).unwrap(),
                    memo: None,
                    star: false,
                    batch: None,
                    created: "t".into(),
                    modified: "t".into(),
                })));
            }
            w.apply(ops).unwrap();
        }
        let study = Study::open(Project::open(tmp.path()).unwrap()).unwrap();
        (tmp, study)
    }

    fn options() -> Options {
        Options {
            coders: vec!["alice".into(), "bob".into()],
            ..Default::default()
        }
    }

    /// Applies entries to the consensus coder's entries in memory.
    fn apply(study: &mut Study, entries: Vec<Entry>) {
        if study.codings.coder("consensus").is_none() {
            study.codings.coders.push(CoderFile::new("consensus"));
        }
        let file = study.codings.coder_mut("consensus").unwrap();
        for e in entries {
            file.apply(Op::Put(e));
        }
    }

    #[test]
    fn a_record_disagreement_is_settled_by_its_dimension_even_empty() {
        let (_tmp, mut study) = study(
            &[("stage", &["training"]), ("impact", &["crash"])],
            &[("stage", &["data"]), ("impact", &["crash", "slow"])],
            false,
        );
        let rounds = Rounds::default();
        let err = Reconciliation::plan(&study, &rounds, &options(), "bob").unwrap_err();
        assert!(
            err.to_string().contains("one of the coders compared"),
            "{err}"
        );
        let plan = Reconciliation::plan(&study, &rounds, &options(), "consensus").unwrap();
        let ids: Vec<&str> = plan.items.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["stage", "impact"]);
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("consensus-{n}")
        };
        // Both values of a one-value dimension: refused, saying what to do.
        let err = plan
            .decide(&study, 0, &Choice::Both, &mut next, "t")
            .unwrap_err();
        assert!(err.to_string().contains("takes one value"), "{err}");
        // Impact: both. The record starts from alice's, less the disputed dimensions.
        let entries = plan
            .decide(&study, 1, &Choice::Both, &mut next, "t")
            .unwrap();
        let Entry::Record(r) = &entries[0] else {
            panic!("{entries:?}")
        };
        assert_eq!(r.number, 1);
        assert_eq!(r.values.get("impact").unwrap(), &["crash", "slow"]);
        assert!(!r.values.contains_key("stage"));
        apply(&mut study, entries);
        assert!(plan.settled(&study, 1));
        assert!(!plan.settled(&study, 0));
        // Stage: no value at all is a decision too.
        let entries = plan
            .decide(&study, 0, &Choice::Values(Vec::new()), &mut next, "t")
            .unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        apply(&mut study, entries);
        assert!(plan.settled(&study, 0));
    }

    #[test]
    fn a_span_disagreement_is_settled_by_a_coding_or_the_document_done() {
        let same: &[(&str, &[&str])] = &[("stage", &["training"])];
        let (_tmp, mut study) = study(same, same, true);
        let plan =
            Reconciliation::plan(&study, &Rounds::default(), &options(), "consensus").unwrap();
        assert_eq!(plan.items.len(), 1);
        assert_eq!(plan.items[0].kind, Kind::Code);
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("consensus-{n}")
        };
        assert!(
            plan.decide(
                &study,
                0,
                &Choice::Values(vec!["perf".into()]),
                &mut next,
                "t"
            )
            .is_err()
        );
        // Bob's side (not coded): only the starting point, the agreed record.
        let entries = plan
            .decide(&study, 0, &Choice::Side(1), &mut next, "t")
            .unwrap();
        assert!(
            entries.iter().all(|e| matches!(e, Entry::Record(_))),
            "{entries:?}"
        );
        apply(&mut study, entries);
        assert!(!plan.settled(&study, 0));
        // Alice's side: her coding, copied.
        let entries = plan
            .decide(&study, 0, &Choice::Side(0), &mut next, "t")
            .unwrap();
        assert!(
            matches!(&entries[..], [Entry::Coding(c)] if c.code == "perf" && c.anchor.quote == "The loss"),
            "{entries:?}"
        );
        apply(&mut study, entries);
        assert!(plan.settled(&study, 0));
    }
}
