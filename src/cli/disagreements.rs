//! `gloss disagreements --coders a,b`: every unit where the coders differ, each side's
//! values, and where to read it.

use gloss::agree::{self, Disagreement, Options, Place};
use gloss::export::quotes::{span_text, trim_quote};
use gloss::study::Study;
use gloss::textio::sanitize_line;

use super::agree::{Comparison, open_for_comparison};
use super::{CliResult, Ctx, print_json};

/// List each unit where the coders differ: a record's dimension (records paired as
/// `gloss agree` pairs them), or a span code present for one coder and absent for
/// another in a turn (sentence, document), with every coder's values, memos and the
/// text they point to, and the document and turn to read (`gloss show DOC`).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub compare: Comparison,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let (study, rounds) = open_for_comparison(ctx, "gloss disagreements")?;
    let opts = Options {
        disagreements: true,
        ..args.compare.options(&rounds)?
    };
    let result = agree::agree(&study, &rounds, &opts)?;
    if ctx.json {
        return print_json(&result.disagreements);
    }
    let width = opts
        .coders
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    for d in &result.disagreements {
        outln!(
            "{} — {}",
            sanitize_line(&d.link()),
            sanitize_line(&d.subject)
        );
        for side in &d.sides {
            outln!(
                "  {:<width$}  {}",
                side.coder,
                sanitize_line(&describe(&study, d, side))
            );
        }
    }
    let records = result
        .disagreements
        .iter()
        .filter(|d| matches!(d.place, Place::Record { .. }))
        .count();
    let spans = result.disagreements.len() - records;
    outln!(
        "{} disagreements ({records} on records, {spans} on span codes) between {}",
        result.disagreements.len(),
        opts.coders.join(" and ")
    );
    Ok(())
}

/// One side: its values (or that it has none), its memos and the text it points to.
fn describe(study: &Study, d: &Disagreement, side: &agree::Side) -> String {
    let mut out = match (&d.place, side.record) {
        (Place::Record { .. }, None) => "(no record)".to_string(),
        (Place::Record { .. }, Some(_)) if side.labels.is_empty() => "(not filled in)".into(),
        (Place::Record { .. }, Some(_)) => side.labels.join(", "),
        (Place::Text { .. }, _) if side.values.is_empty() => "not coded".into(),
        (Place::Text { .. }, _) => format!("coded ({})", side.codings.join(", ")),
    };
    if let Some(doc) = study.corpus.get(&d.doc) {
        for (start, end) in side.spans.iter().take(2) {
            let quote = trim_quote(&span_text(doc, *start, *end), 120);
            out.push_str(&format!("  “{quote}”"));
        }
    }
    for memo in &side.memos {
        out.push_str(&format!("  memo: {}", trim_quote(memo, 120)));
    }
    out
}
