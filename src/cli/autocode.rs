//! `gloss autocode QUERY --code ID`: code every search hit, as one undoable batch.

use gloss::coding::anchor::AnchorText;
use gloss::coding::store::Op;
use gloss::coding::{DocStatus, Entry, Progress, SpanCoding, status_key};
use gloss::corpus::Position;
use gloss::search::Hit;
use gloss::study::Study;
use gloss::textio::sanitize_line;
use gloss::time::now_rfc3339;
use unicode_segmentation::UnicodeSegmentation;

use super::search::{FilterArgs, open_index};
use super::{CliError, CliResult, Ctx, open_writer, print_json};

/// Code every hit of a search (text search → code results).
///
/// All codings of one run share a batch id that `gloss undo BATCH` removes again. A
/// span you already coded with this code is skipped.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The search (same syntax as `gloss search`).
    query: String,
    /// The code to apply: id, name or alias.
    #[arg(long = "code", value_name = "CODE", required = true)]
    apply: String,
    /// Only turns that already have this code or a descendant (repeatable: any).
    #[arg(long = "within", value_name = "CODE")]
    within: Vec<String>,
    /// What to code: the matched words, the sentence around each match, or the whole turn.
    #[arg(long, value_enum, default_value_t = Unit::Sentence)]
    unit: Unit,
    /// List what would be coded; change nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    filters: FilterArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Unit {
    Match,
    Sentence,
    Turn,
}

/// The byte spans of one hit's turn to code.
fn spans(hit: &Hit, unit: Unit) -> Vec<(usize, usize)> {
    let text = &hit.text;
    let mut out: Vec<(usize, usize)> = match unit {
        Unit::Turn => vec![(0, text.trim_end().len())],
        Unit::Match => hit.matches.clone(),
        Unit::Sentence => {
            let sentences: Vec<(usize, &str)> = text.split_sentence_bound_indices().collect();
            let mut v = Vec::new();
            for &(s, e) in &hit.matches {
                for &(at, sentence) in &sentences {
                    let end = at + sentence.len();
                    if at < e && s < end {
                        v.push((at, at + sentence.trim_end().len()));
                    }
                }
            }
            v
        }
    };
    out.retain(|(s, e)| e > s);
    out.sort_unstable();
    out.dedup();
    // Merge overlaps.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let study = Study::open(ctx.project()?)?;
    let coder = ctx.coder()?;
    let code = study.codebook.resolve(&args.apply).ok_or_else(|| {
        CliError::Gloss(gloss::Error::Input(format!(
            "no code {:?} in the codebook; `gloss codebook show` lists them",
            args.apply
        )))
    })?;
    if code.retired {
        return Err(gloss::Error::Input(format!(
            "{} is retired; pick another code, or bring it back with `gloss codebook retire {} --undo`",
            code.id, code.id
        ))
        .into());
    }
    if code.select.is_some() {
        return Err(gloss::Error::Input(format!(
            "{} is an instrument dimension; use `gloss record`",
            code.id
        ))
        .into());
    }
    let mut filters = args.filters.resolve(&study.codebook, &args.within)?;
    if let Some(me) = ctx.blind(&study.project)? {
        super::search::blind_filters(&mut filters, &args.query, &me)?;
    }
    let index = open_index(&study)?;
    let all = index.search(&args.query, &filters, 0, args.filters.exact)?;
    let results = index.search(&args.query, &filters, all.total, args.filters.exact)?;
    let batch = format!("{coder}-{}", now_rfc3339().replace([':', '-'], ""));
    let now = now_rfc3339();
    let mut writer = if args.dry_run {
        None
    } else {
        Some(open_writer(&study.project, &coder)?)
    };
    let existing: Vec<(String, Position, Position)> = writer
        .as_ref()
        .map(|w| {
            w.data()
                .values_unordered()
                .filter_map(|e| match e {
                    Entry::Coding(c) if c.code == code.id => Some((c.doc.clone(), c.start, c.end)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut planned: Vec<SpanCoding> = Vec::new();
    let mut skipped = 0;
    for hit in &results.hits {
        let Some(doc) = study.corpus.get(&hit.doc) else {
            continue;
        };
        let anchors = AnchorText::new(doc);
        for (s, e) in spans(hit, args.unit) {
            let (start, end) = (Position::new(hit.turn, s), Position::new(hit.turn, e));
            if existing
                .iter()
                .any(|(d, a, b)| *d == doc.id && *a == start && *b == end)
            {
                skipped += 1;
                continue;
            }
            let Some(anchor) = anchors.anchor(start, end) else {
                continue;
            };
            let id = match writer.as_mut() {
                Some(w) => w.next_coding_id(),
                None => format!("(dry run {})", planned.len() + 1),
            };
            planned.push(SpanCoding {
                id,
                doc: doc.id.clone(),
                start,
                end,
                code: code.id.clone(),
                anchor,
                memo: None,
                star: false,
                batch: Some(batch.clone()),
                created: now.clone(),
                modified: now.clone(),
            });
        }
    }
    if let Some(w) = writer.as_mut() {
        let mut ops = Vec::new();
        let mut marked = std::collections::HashSet::new();
        for c in &planned {
            if !w.data().contains_key(&status_key(&c.doc)) && marked.insert(c.doc.clone()) {
                ops.push(Op::Put(Entry::Status(DocStatus {
                    doc: c.doc.clone(),
                    progress: Progress::InProgress,
                    excluded: None,
                    modified: now.clone(),
                })));
            }
            ops.push(Op::Put(Entry::Coding(c.clone())));
        }
        w.apply(ops)?;
    }
    if ctx.json {
        return print_json(&serde_json::json!({
            "batch": if args.dry_run { None } else { Some(&batch) },
            "dry_run": args.dry_run,
            "skipped_already_coded": skipped,
            "codings": planned,
        }));
    }
    for c in &planned {
        outln!(
            "{}  turn {}  “{}”",
            c.doc,
            c.start.turn + 1,
            sanitize_line(&c.anchor.quote)
        );
    }
    if args.dry_run {
        outln!(
            "{} spans would be coded {} (dry run: nothing saved); {skipped} already coded",
            planned.len(),
            code.id
        );
    } else {
        outln!(
            "coded {} spans {} in batch {batch}; {skipped} already coded; `gloss undo {batch}` removes them",
            planned.len(),
            code.id
        );
    }
    Ok(())
}
