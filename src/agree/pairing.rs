//! What is compared: each coder's work per document (renames followed), records paired
//! into units across coders, and the units of text (turns, sentences, documents) that
//! span codes are present in or absent from.

use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation;

use crate::coding::anchor::{AnchorText, Placement};
use crate::coding::{DocStatus, Entry, Progress, Record, SpanCoding};
use crate::corpus::{Document, Position};
use crate::study::Study;

/// One coder's entries about one document (under its current id).
#[derive(Debug, Default, Clone)]
pub struct CoderDoc<'a> {
    /// Records, by number.
    pub records: Vec<&'a Record>,
    /// The status; of several (under old and new ids) the one last written.
    pub status: Option<&'a DocStatus>,
    pub codings: Vec<&'a SpanCoding>,
}

impl CoderDoc<'_> {
    /// Marked done.
    pub fn done(&self) -> bool {
        self.status.is_some_and(|s| s.progress == Progress::Done)
    }

    /// Excluded as not relevant.
    pub fn excluded(&self) -> bool {
        self.status.is_some_and(|s| s.excluded.is_some())
    }
}

/// Each coder's entries per document (current id), in the order of `coders`; a coder
/// with no file has none.
pub fn by_document<'a>(study: &'a Study, coders: &[String]) -> Vec<HashMap<String, CoderDoc<'a>>> {
    coders
        .iter()
        .map(|coder| {
            let mut out: HashMap<String, CoderDoc<'a>> = HashMap::new();
            let Some(file) = study.codings.coder(coder) else {
                return out;
            };
            for entry in file.values_unordered() {
                let Some(doc) = entry.doc() else { continue };
                let doc = study.project.meta.current_id(doc);
                let slot = out.entry(doc.to_string()).or_default();
                match entry {
                    Entry::Record(r) => slot.records.push(r),
                    Entry::Status(s) => {
                        if slot.status.is_none_or(|old| old.modified <= s.modified) {
                            slot.status = Some(s);
                        }
                    }
                    Entry::Coding(c) => slot.codings.push(c),
                    Entry::Memo(_) => {}
                }
            }
            for slot in out.values_mut() {
                slot.records.sort_by_key(|r| (r.number, r.doc.as_str()));
                slot.codings.sort_by(|a, b| a.id.cmp(&b.id));
            }
            out
        })
        .collect()
}

/// Records of one document paired across coders: one per coder, or none where that
/// coder has no record in the unit.
#[derive(Debug, Clone)]
pub struct RecordUnit<'a> {
    pub doc: String,
    pub records: Vec<Option<&'a Record>>,
}

/// How a document's records were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// By record number (every coder numbered the same records, or evidence is missing).
    Number,
    /// By the overlap of the records' evidence (the coders' numbering differs).
    Evidence,
}

/// Pairs the records of one document. When every coder has the same record numbers,
/// record k goes with record k. When the numbering differs and every record has
/// evidence, records are paired by how much their evidence overlaps (in bytes of the
/// document's text; greedily, largest overlap first, each record used once; the first
/// coder's records seed the units and an unmatched record starts its own). Otherwise
/// by number, a number a coder lacks leaving that coder's side empty.
pub fn pair_records<'a>(
    doc_id: &str,
    doc: Option<&Document>,
    per_coder: &[&[&'a Record]],
) -> (Vec<RecordUnit<'a>>, Pairing) {
    let numbers: Vec<Vec<u32>> = per_coder
        .iter()
        .map(|rs| rs.iter().map(|r| r.number).collect())
        .collect();
    let same = numbers.windows(2).all(|w| w[0] == w[1]);
    let with_evidence = per_coder
        .iter()
        .all(|rs| rs.iter().all(|r| !r.evidence.is_empty()));
    if !same
        && with_evidence
        && let Some(doc) = doc
    {
        return (by_evidence(doc_id, doc, per_coder), Pairing::Evidence);
    }
    let mut all: Vec<u32> = numbers.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let units = all
        .into_iter()
        .map(|n| RecordUnit {
            doc: doc_id.to_string(),
            records: per_coder
                .iter()
                .map(|rs| rs.iter().find(|r| r.number == n).copied())
                .collect(),
        })
        .collect();
    (units, Pairing::Number)
}

/// The linear byte ranges of a record's evidence in the document's current text.
fn evidence_ranges(text: &AnchorText<'_>, record: &Record) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = record
        .evidence
        .iter()
        .filter_map(|e| match text.place(&e.anchor, (e.start, e.end)) {
            Placement::InPlace { start, end } | Placement::Moved { start, end } => {
                Some((linear(text, start), linear(text, end)))
            }
            Placement::Orphaned(_) => None,
        })
        .collect();
    out.sort_unstable();
    out
}

fn linear(text: &AnchorText<'_>, pos: Position) -> usize {
    text.starts.get(pos.turn).copied().unwrap_or(0) + pos.byte
}

/// Bytes shared by two sets of ranges.
fn overlap(a: &[(usize, usize)], b: &[(usize, usize)]) -> usize {
    let mut total = 0;
    for &(s1, e1) in a {
        for &(s2, e2) in b {
            total += e1.min(e2).saturating_sub(s1.max(s2));
        }
    }
    total
}

fn by_evidence<'a>(
    doc_id: &str,
    doc: &Document,
    per_coder: &[&[&'a Record]],
) -> Vec<RecordUnit<'a>> {
    let text = AnchorText::new(doc);
    let coders = per_coder.len();
    let mut units: Vec<RecordUnit<'a>> = Vec::new();
    // Per unit, the evidence of its members so far.
    let mut spans: Vec<Vec<(usize, usize)>> = Vec::new();
    for (k, records) in per_coder.iter().enumerate() {
        let ranges: Vec<Vec<(usize, usize)>> =
            records.iter().map(|r| evidence_ranges(&text, r)).collect();
        let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            for (u, s) in spans.iter().enumerate() {
                let o = overlap(r, s);
                if o > 0 {
                    candidates.push((o, u, i));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut used_unit = vec![false; units.len()];
        let mut used_record = vec![false; records.len()];
        for (_, u, i) in candidates {
            if used_unit[u] || used_record[i] {
                continue;
            }
            used_unit[u] = true;
            used_record[i] = true;
            units[u].records[k] = Some(records[i]);
            spans[u].extend(ranges[i].iter().copied());
        }
        for (i, r) in records.iter().enumerate() {
            if !used_record[i] {
                let mut members = vec![None; coders];
                members[k] = Some(*r);
                units.push(RecordUnit {
                    doc: doc_id.to_string(),
                    records: members,
                });
                spans.push(ranges[i].clone());
            }
        }
    }
    units
}

/// What span codes are compared over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Document,
    #[default]
    Turn,
    Sentence,
}

impl Unit {
    /// `turn`, `sentence`, `document`.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Document => "document",
            Unit::Turn => "turn",
            Unit::Sentence => "sentence",
        }
    }
}

/// One unit of text: its turn and its linear byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextUnit {
    pub turn: usize,
    pub start: usize,
    pub end: usize,
}

/// The units of a document, in text order, as linear byte ranges (turns joined by one
/// byte): the whole text; each turn; or each sentence (Unicode sentence boundaries,
/// trailing spaces left out, blank sentences skipped).
pub fn text_units(doc: &Document, unit: Unit) -> Vec<TextUnit> {
    let starts = doc.turn_starts();
    match unit {
        Unit::Document => {
            let end = starts
                .last()
                .zip(doc.turns.last())
                .map_or(0, |(s, t)| s + t.text.len());
            vec![TextUnit {
                turn: 0,
                start: 0,
                end,
            }]
        }
        Unit::Turn => doc
            .turns
            .iter()
            .enumerate()
            .map(|(i, t)| TextUnit {
                turn: i,
                start: starts[i],
                end: starts[i] + t.text.len(),
            })
            .collect(),
        Unit::Sentence => {
            let mut out = Vec::new();
            for (i, t) in doc.turns.iter().enumerate() {
                for (at, sentence) in t.text.split_sentence_bound_indices() {
                    let len = sentence.trim_end().len();
                    if sentence.trim().is_empty() {
                        continue;
                    }
                    out.push(TextUnit {
                        turn: i,
                        start: starts[i] + at,
                        end: starts[i] + at + len,
                    });
                }
            }
            out
        }
    }
}

/// The indices of the units a range `[start, end)` overlaps by at least one byte
/// (`units` in text order, not overlapping each other; empty units overlap nothing).
pub fn units_overlapping(
    units: &[TextUnit],
    start: usize,
    end: usize,
) -> impl Iterator<Item = usize> + '_ {
    let first = units.partition_point(|u| u.end <= start);
    let last = units.partition_point(|u| u.start < end).max(first);
    let range = if start < end { first..last } else { 0..0 };
    range.filter(move |&i| units[i].start < units[i].end)
}

/// Merges ranges into sorted disjoint ones.
pub fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.retain(|r| r.0 < r.1);
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The intersection of two sets of sorted disjoint ranges.
pub fn intersect(a: &[(usize, usize)], b: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let (s, e) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if s < e {
            out.push((s, e));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::Evidence;
    use crate::corpus::testing;

    fn record(doc: &Document, number: u32, evidence: &[(usize, usize, usize)]) -> Record {
        let text = AnchorText::new(doc);
        Record {
            doc: doc.id.clone(),
            number,
            values: Default::default(),
            evidence: evidence
                .iter()
                .map(|&(turn, s, e)| {
                    let (start, end) = (Position::new(turn, s), Position::new(turn, e));
                    Evidence {
                        start,
                        end,
                        anchor: text.anchor(start, end).unwrap(),
                    }
                })
                .collect(),
            memo: None,
            created: String::new(),
            modified: String::new(),
        }
    }

    #[test]
    fn records_pair_by_number_or_by_evidence_when_numbering_differs() {
        let doc = testing::doc(&["first defect here", "second defect there", "third one"]);
        let a = [record(&doc, 1, &[(0, 0, 5)]), record(&doc, 2, &[(2, 0, 5)])];
        let b = [
            record(&doc, 1, &[(1, 0, 6)]),
            record(&doc, 2, &[(2, 0, 9)]),
            record(&doc, 3, &[(0, 0, 12)]),
        ];
        let (ra, rb): (Vec<&Record>, Vec<&Record>) = (a.iter().collect(), b.iter().collect());
        // Same numbers: by number.
        let (units, how) = pair_records(&doc.id, Some(&doc), &[&ra, &ra[..]]);
        assert_eq!(how, Pairing::Number);
        assert_eq!(units.len(), 2);
        // Different numbers, evidence everywhere: a1 ↔ b3 (turn 1), a2 ↔ b2 (turn 3),
        // b1 alone.
        let (units, how) = pair_records(&doc.id, Some(&doc), &[&ra, &rb]);
        assert_eq!(how, Pairing::Evidence);
        let pairs: Vec<(Option<u32>, Option<u32>)> = units
            .iter()
            .map(|u| {
                (
                    u.records[0].map(|r| r.number),
                    u.records[1].map(|r| r.number),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [(Some(1), Some(3)), (Some(2), Some(2)), (None, Some(1))]
        );
        // Without evidence: by number, the missing number empty.
        let plain = [record(&doc, 1, &[])];
        let rp: Vec<&Record> = plain.iter().collect();
        let (units, how) = pair_records(&doc.id, Some(&doc), &[&rp, &rb]);
        assert_eq!(how, Pairing::Number);
        assert_eq!(units.len(), 3);
        assert!(units[2].records[0].is_none());
    }

    #[test]
    fn units_of_text_and_what_a_range_overlaps() {
        let doc = testing::doc(&["One. Two two.  Three?", "", "Four"]);
        let turns = text_units(&doc, Unit::Turn);
        assert_eq!(turns.len(), 3);
        assert_eq!((turns[2].start, turns[2].end), (23, 27));
        let sentences = text_units(&doc, Unit::Sentence);
        let texts: Vec<&str> = sentences
            .iter()
            .map(|u| {
                &doc.turns[u.turn].text
                    [u.start - doc.turn_starts()[u.turn]..u.end - doc.turn_starts()[u.turn]]
            })
            .collect();
        assert_eq!(texts, ["One.", "Two two.", "Three?", "Four"]);
        // "two.  Thr" touches sentences 2 and 3; the turn separator and an empty turn
        // touch nothing.
        let over = |units: &[TextUnit], s, e| units_overlapping(units, s, e).collect::<Vec<_>>();
        assert_eq!(over(&sentences, 9, 18), [1, 2]);
        assert!(over(&turns, 21, 23).is_empty());
        assert_eq!(over(&turns, 20, 24), [0, 2]);
        assert_eq!(text_units(&doc, Unit::Document)[0].end, 27);
        assert_eq!(
            merge(vec![(5, 9), (0, 2), (1, 3), (9, 10)]),
            [(0, 3), (5, 10)]
        );
        assert_eq!(
            intersect(&[(0, 3), (5, 10)], &[(2, 6), (8, 20)]),
            [(2, 3), (5, 6), (8, 10)]
        );
    }
}
