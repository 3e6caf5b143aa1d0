//! `gloss record DOC --set DIM=VALUE...`: scriptable instrument coding.

use std::collections::BTreeMap;

use gloss::codebook::Select;
use gloss::coding::anchor::AnchorText;
use gloss::coding::store::Op;
use gloss::coding::{DocStatus, Entry, Evidence, Progress, Record, record_key, status_key};
use gloss::corpus::Position;
use gloss::study::Study;
use gloss::time::now_rfc3339;

use super::{CliError, CliResult, Ctx, open_writer, print_json};

/// Fill in an instrument record of a document (one record per defect): set dimensions
/// to values (`--set stage=training --set impact=crash,hang`), by id, name or alias.
///
/// Without --record, record 1 is edited; --new starts the next one. --exclude marks the
/// whole document "not relevant" with a reason.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document id.
    doc: String,
    /// DIMENSION=VALUE[,VALUE...] (repeatable). A `select: one` dimension takes one value.
    #[arg(long = "set", value_name = "DIM=VALUES")]
    set: Vec<String>,
    /// Remove a dimension's values from the record (repeatable).
    #[arg(long = "clear", value_name = "DIM")]
    clear: Vec<String>,
    /// The record's number (default 1).
    #[arg(long, conflicts_with = "new")]
    record: Option<u32>,
    /// Start a new record, numbered one past the highest.
    #[arg(long)]
    new: bool,
    /// A memo on the record.
    #[arg(long)]
    memo: Option<String>,
    /// Attach evidence: the turn (from 1) holding --evidence-quote.
    #[arg(long, requires = "evidence_quote")]
    evidence_turn: Option<usize>,
    /// Attach evidence: the exact text in --evidence-turn.
    #[arg(long, requires = "evidence_turn")]
    evidence_quote: Option<String>,
    /// Which occurrence of --evidence-quote in the turn, from 1, when it occurs more than once.
    #[arg(long, requires = "evidence_quote")]
    evidence_occurrence: Option<usize>,
    /// Delete the record.
    #[arg(long, conflicts_with_all = ["set", "clear", "new", "memo"])]
    delete: bool,
    /// Exclude the document ("not relevant") with this reason.
    #[arg(long, value_name = "REASON", conflicts_with = "include")]
    exclude: Option<String>,
    /// Undo an exclusion.
    #[arg(long)]
    include: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let study = Study::open_without_codings(ctx.project()?)?;
    let coder = ctx.coder()?;
    let doc = &study.corpus.docs[study.project.find_document(&study.corpus, &args.doc)?];
    let doc_id = doc.id.clone();
    let input = |m: String| CliError::Gloss(gloss::Error::Input(m));

    // Resolve every --set before anything is written.
    let mut sets: Vec<(String, Vec<String>)> = Vec::new();
    for s in &args.set {
        let (dim_label, values) = s
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("expected DIM=VALUE, got {s:?}")))?;
        let dim = study.codebook.dimension(dim_label.trim()).ok_or_else(|| {
            input(format!(
                "no dimension {:?} in the codebook; `gloss codebook show` lists them",
                dim_label.trim()
            ))
        })?;
        let mut ids = Vec::new();
        for label in values.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            let value = study
                .codebook
                .dimension_value(&dim.id, label)
                .ok_or_else(|| {
                    input(format!(
                        "{label:?} is not a value of {}; `gloss codebook show` lists its values",
                        dim.id
                    ))
                })?;
            if !ids.contains(&value.id) {
                ids.push(value.id.clone());
            }
        }
        if ids.is_empty() {
            return Err(input(format!("no value given for {}", dim.id)));
        }
        if dim.select == Some(Select::One) && ids.len() > 1 {
            return Err(input(format!(
                "{} takes one value (select: one), got {}",
                dim.id,
                ids.join(", ")
            )));
        }
        sets.push((dim.id.clone(), ids));
    }
    let mut clears = Vec::new();
    for label in &args.clear {
        let dim = study
            .codebook
            .dimension(label)
            .ok_or_else(|| input(format!("no dimension {label:?} in the codebook")))?;
        clears.push(dim.id.clone());
    }
    let evidence = match (args.evidence_turn, &args.evidence_quote) {
        (Some(turn), Some(quote)) => {
            if turn == 0 || turn > doc.turns.len() {
                return Err(input(format!(
                    "{} has turns 1 to {}, not {turn}",
                    doc.id,
                    doc.turns.len()
                )));
            }
            let text = &doc.turns[turn - 1].text;
            let hits: Vec<usize> = if quote.is_empty() {
                Vec::new()
            } else {
                text.match_indices(quote.as_str()).map(|(i, _)| i).collect()
            };
            let at = match (hits.len(), args.evidence_occurrence) {
                (0, _) => {
                    return Err(input(format!(
                        "the evidence quote does not occur in turn {turn}"
                    )));
                }
                (1, None | Some(1)) => hits[0],
                (n, None) => {
                    return Err(input(format!(
                        "the evidence quote occurs {n} times in turn {turn}; pass --evidence-occurrence 1..{n} or a longer quote"
                    )));
                }
                (n, Some(k)) if k == 0 || k > n => {
                    return Err(input(format!(
                        "the evidence quote occurs {n} times in turn {turn}, not {k}"
                    )));
                }
                (_, Some(k)) => hits[k - 1],
            };
            let (start, end) = (
                Position::new(turn - 1, at),
                Position::new(turn - 1, at + quote.len()),
            );
            let anchor = AnchorText::new(doc).anchor(start, end).ok_or_else(|| {
                input("the evidence quote starts or ends inside a character".into())
            })?;
            Some(Evidence { start, end, anchor })
        }
        _ => None,
    };

    let mut writer = open_writer(&study.project, &coder)?;
    let now = now_rfc3339();
    let mut ops = Vec::new();
    let status = match writer.data().get(&status_key(&doc_id)) {
        Some(Entry::Status(s)) => Some(s.clone()),
        _ => None,
    };
    let mut new_status = status.clone().unwrap_or(DocStatus {
        doc: doc_id.clone(),
        progress: Progress::InProgress,
        excluded: None,
        modified: now.clone(),
    });
    if let Some(reason) = &args.exclude {
        new_status.excluded = Some(reason.trim().to_string())
            .filter(|r| !r.is_empty())
            .or(Some("not relevant".into()));
    }
    if args.include {
        new_status.excluded = None;
    }
    if sets.is_empty()
        && clears.is_empty()
        && args.memo.is_none()
        && evidence.is_none()
        && !args.delete
        && !args.new
        && args.exclude.is_none()
        && !args.include
    {
        return Err(CliError::Usage("nothing to do: give --set DIM=VALUE, --clear, --memo, --evidence-*, --new, --delete, --exclude or --include".into()));
    }
    let touches_record = !sets.is_empty()
        || !clears.is_empty()
        || args.memo.is_some()
        || evidence.is_some()
        || args.delete
        || args.new;
    let mut shown: Option<Record> = None;
    if touches_record {
        let highest = writer
            .data()
            .values_unordered()
            .filter_map(|e| match e {
                Entry::Record(r) if r.doc == doc_id => Some(r.number),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let number = if args.new {
            highest + 1
        } else {
            args.record.unwrap_or(1)
        };
        if number == 0 {
            return Err(input("records are numbered from 1".into()));
        }
        let key = record_key(&doc_id, number);
        if args.delete {
            if !writer.data().contains_key(&key) {
                return Err(input(format!(
                    "coder {coder} has no record {number} on {doc_id}"
                )));
            }
            ops.push(Op::Delete(key));
        } else {
            let mut record = match writer.data().get(&key) {
                Some(Entry::Record(r)) => r.clone(),
                _ => Record {
                    doc: doc_id.clone(),
                    number,
                    values: BTreeMap::new(),
                    evidence: Vec::new(),
                    memo: None,
                    created: now.clone(),
                    modified: now.clone(),
                },
            };
            for dim in clears {
                record.values.remove(&dim);
            }
            for (dim, ids) in sets {
                record.values.insert(dim, ids);
            }
            if let Some(m) = &args.memo {
                record.memo = Some(m.trim().to_string()).filter(|m| !m.is_empty());
            }
            if let Some(e) = evidence {
                record.evidence.push(e);
            }
            record.modified.clone_from(&now);
            shown = Some(record.clone());
            ops.push(Op::Put(Entry::Record(record)));
        }
    }
    if status.as_ref() != Some(&new_status) {
        new_status.modified = now;
        ops.push(Op::Put(Entry::Status(new_status.clone())));
    }
    writer.apply(ops)?;
    if ctx.json {
        return print_json(&serde_json::json!({ "record": shown, "status": new_status }));
    }
    if let Some(r) = &shown {
        let values: Vec<String> = r
            .values
            .iter()
            .map(|(d, v)| format!("{d}={}", v.join(",")))
            .collect();
        outln!("{doc_id} record {}: {}", r.number, values.join("  "));
    } else if args.delete {
        outln!("{doc_id}: record deleted");
    }
    if let Some(reason) = &new_status.excluded {
        outln!("{doc_id}: excluded ({reason})");
    }
    Ok(())
}
