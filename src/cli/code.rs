//! `gloss code`: scriptable span coding, one coding or a batch from JSON lines.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use gloss::coding::anchor::AnchorText;
use gloss::coding::store::{Op, Writer};
use gloss::coding::{DocStatus, Entry, Progress, SpanCoding, status_key};
use gloss::corpus::Position;
use gloss::study::Study;
use gloss::time::now_rfc3339;

use super::{CliError, CliResult, Ctx, open_writer, print_json};

/// Code a span of text: the QUOTE's exact text in turn N of DOC gets CODE.
///
/// With --batch, read one coding per line as JSON
/// ({"doc":…,"turn":N,"quote":…,"code":…, "memo":…}) and print `ok LINE ID` (with
/// --json: {"line":N,"id":ID}) as each one is durably saved.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document id.
    #[arg(required_unless_present = "batch")]
    doc: Option<String>,
    /// The code: its id, name or alias.
    #[arg(required_unless_present = "batch")]
    code: Option<String>,
    /// The turn holding the quote, numbered from 1 as `gloss show` prints them.
    #[arg(long, required_unless_present = "batch")]
    turn: Option<usize>,
    /// The exact text to code (must occur in the turn).
    #[arg(long, required_unless_present = "batch")]
    quote: Option<String>,
    /// Which occurrence of the quote in the turn, from 1, when it occurs more than once.
    #[arg(long)]
    occurrence: Option<usize>,
    /// A memo on the coding.
    #[arg(long)]
    memo: Option<String>,
    /// Star the coding as an exemplar quote.
    #[arg(long)]
    star: bool,
    /// Read codings from this JSON-lines file ("-" for standard input).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["doc", "code", "turn", "quote", "occurrence"])]
    batch: Option<PathBuf>,
}

/// One coding request.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    doc: String,
    turn: usize,
    quote: String,
    code: String,
    #[serde(default)]
    occurrence: Option<usize>,
    #[serde(default)]
    memo: Option<String>,
    #[serde(default)]
    star: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let study = Study::open_without_codings(ctx.project()?)?;
    let coder = ctx.coder()?;
    let mut writer = open_writer(&study.project, &coder)?;
    if let Some(path) = &args.batch {
        return run_batch(&study, &mut writer, path, ctx.json);
    }
    let request = Request {
        doc: args.doc.clone().unwrap_or_default(),
        turn: args.turn.unwrap_or(0),
        quote: args.quote.clone().unwrap_or_default(),
        code: args.code.clone().unwrap_or_default(),
        occurrence: args.occurrence,
        memo: args.memo.clone(),
        star: args.star,
    };
    let coding = build(&study, &mut writer, &request)
        .map_err(|m| CliError::Gloss(gloss::Error::Input(m)))?;
    let id = coding.id.clone();
    save(&mut writer, coding.clone())?;
    if ctx.json {
        return print_json(&coding);
    }
    outln!(
        "{id}: {} on {} turn {} “{}”",
        coding.code,
        coding.doc,
        request.turn,
        gloss::textio::sanitize_line(&coding.anchor.quote)
    );
    Ok(())
}

fn run_batch(study: &Study, writer: &mut Writer, path: &PathBuf, json: bool) -> CliResult {
    let name = path.display().to_string();
    let input: Box<dyn BufRead> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|e| gloss::Error::io(path, e))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut out = std::io::stdout().lock();
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| gloss::Error::Parse {
            path: path.clone(),
            location: Some(line_no.to_string()),
            message: format!("cannot read: {e}"),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Request = serde_json::from_str(&line).map_err(|e| gloss::Error::Parse {
            path: path.clone(),
            location: Some(format!("{line_no}:{}", e.column())),
            message: format!("not a coding request: {e}"),
        })?;
        let coding = build(study, writer, &request).map_err(|m| gloss::Error::Parse {
            path: path.clone(),
            location: Some(line_no.to_string()),
            message: m,
        })?;
        let id = coding.id.clone();
        save(writer, coding)?;
        if json {
            writeln!(out, "{}", serde_json::json!({ "line": line_no, "id": id }))?;
        } else {
            writeln!(out, "ok {line_no} {id}")?;
        }
        out.flush()?;
    }
    Ok(())
}

/// Checks a request against the corpus and codebook and builds the coding.
fn build(study: &Study, writer: &mut Writer, r: &Request) -> Result<SpanCoding, String> {
    let doc = &study.corpus.docs[study
        .project
        .find_document(&study.corpus, &r.doc)
        .map_err(|e| e.to_string())?];
    let code = study.codebook.resolve(&r.code).ok_or_else(|| {
        format!(
            "no code {:?} in the codebook; `gloss codebook show` lists them",
            r.code
        )
    })?;
    if code.retired {
        return Err(format!(
            "{} is retired; pick another code, or bring it back with `gloss codebook retire {} --undo`",
            code.id, code.id
        ));
    }
    if code.select.is_some() {
        return Err(format!(
            "{} is an instrument dimension; code it with `gloss record {} --set {}=VALUE`",
            code.id, doc.id, code.id
        ));
    }
    if r.turn == 0 || r.turn > doc.turns.len() {
        return Err(format!(
            "{} has turns 1 to {}, not {}",
            doc.id,
            doc.turns.len(),
            r.turn
        ));
    }
    let turn = r.turn - 1;
    let text = &doc.turns[turn].text;
    if r.quote.is_empty() {
        return Err("the quote is empty".into());
    }
    let hits: Vec<usize> = text
        .match_indices(r.quote.as_str())
        .map(|(i, _)| i)
        .collect();
    let at = match (hits.len(), r.occurrence) {
        (0, _) => {
            return Err(format!(
                "the quote does not occur in turn {} of {}",
                r.turn, doc.id
            ));
        }
        (1, None | Some(1)) => hits[0],
        (n, None) => {
            return Err(format!(
                "the quote occurs {n} times in turn {}; pass --occurrence 1..{n} or a longer quote",
                r.turn
            ));
        }
        (n, Some(k)) if k == 0 || k > n => {
            return Err(format!(
                "the quote occurs {n} times in turn {}, not {k}",
                r.turn
            ));
        }
        (_, Some(k)) => hits[k - 1],
    };
    let start = Position::new(turn, at);
    let end = Position::new(turn, at + r.quote.len());
    let anchor = AnchorText::new(doc).anchor(start, end).ok_or_else(|| {
        "the quote starts or ends inside a character; extend it to whole characters".to_string()
    })?;
    let now = now_rfc3339();
    Ok(SpanCoding {
        id: writer.next_coding_id(),
        doc: doc.id.clone(),
        start,
        end,
        code: code.id.clone(),
        anchor,
        memo: r.memo.clone().filter(|m| !m.trim().is_empty()),
        star: r.star,
        batch: None,
        created: now.clone(),
        modified: now,
    })
}

/// Saves a coding, and marks its document in progress if the coder had not started it —
/// both in one durable append.
pub fn save(writer: &mut Writer, coding: SpanCoding) -> CliResult {
    let mut ops = Vec::with_capacity(2);
    if !writer.data().contains_key(&status_key(&coding.doc)) {
        ops.push(Op::Put(Entry::Status(DocStatus {
            doc: coding.doc.clone(),
            progress: Progress::InProgress,
            excluded: None,
            modified: coding.created.clone(),
        })));
    }
    ops.push(Op::Put(Entry::Coding(coding)));
    writer.apply(ops)?;
    Ok(())
}
