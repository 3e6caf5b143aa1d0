//! `gloss list`: documents with the coder's progress.

use gloss::corpus::DocKind;
use gloss::study::Study;

use super::{CliError, CliResult, Ctx, print_json};

/// List documents with kind, title, turns, and the coder's progress (status, codings,
/// records, excluded).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only documents of this kind: transcript, issue or survey.
    #[arg(long)]
    kind: Option<String>,
    /// Only documents the coder has not coded yet (no codings, records or exclusion).
    #[arg(long)]
    uncoded: bool,
    /// Only the documents of this round (`gloss sample --round NAME`).
    #[arg(long, value_name = "NAME")]
    round: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let kind = match &args.kind {
        Some(k) => Some(DocKind::parse(k).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown kind {k:?}; use transcript, issue or survey"
            ))
        })?),
        None => None,
    };
    let coder = ctx.coder()?;
    let study = Study::open(ctx.project()?)?;
    let round: Option<std::collections::HashSet<String>> = match &args.round {
        Some(name) => Some(
            gloss::agree::sample::Rounds::load(&study.project)?
                .find(name)?
                .documents
                .iter()
                .map(|d| study.project.meta.current_id(d).to_string())
                .collect(),
        ),
        None => None,
    };
    for w in study
        .corpus
        .warnings
        .iter()
        .chain(&study.codings.unreadable)
    {
        eprintln!("gloss: warning: {w}");
    }
    let rows: Vec<_> = study
        .document_rows(&coder)
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| round.as_ref().is_none_or(|docs| docs.contains(&r.id)))
        .filter(|r| !args.uncoded || (r.codings == 0 && r.records == 0 && r.excluded.is_none()))
        .collect();
    if ctx.json {
        return print_json(&rows);
    }
    let width = rows
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(2)
        .max(2);
    outln!(
        "{:<width$}  {:<10}  {:>5}  {:<11}  {:>7}  {:>7}  title",
        "id",
        "kind",
        "turns",
        "status",
        "codings",
        "records"
    );
    for r in &rows {
        let status = if r.excluded.is_some() {
            "excluded"
        } else {
            r.progress.label()
        };
        outln!(
            "{:<width$}  {:<10}  {:>5}  {:<11}  {:>7}  {:>7}  {}",
            r.id,
            r.kind.name(),
            r.turns,
            status,
            r.codings,
            r.records,
            gloss::textio::sanitize_line(&r.title)
        );
    }
    outln!("{} documents (coder {coder})", rows.len());
    Ok(())
}
