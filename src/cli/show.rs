//! `gloss show DOC`: a document's turns with speakers.

use gloss::textio::sanitize_line;

use super::{CliResult, Ctx, print_json};

/// Print a document: its attributes, then every turn numbered from 1 with its speaker
/// (participant alias and role) and timestamp.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document id, e.g. transcripts/leader1 or issues/owner/repo#12.
    doc: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let corpus = project.load_corpus()?;
    let doc = &corpus.docs[project.find_document(&corpus, &args.doc)?];
    if ctx.json {
        return print_json(doc);
    }
    outln!("{}  ({}) {}", doc.id, doc.kind, sanitize_line(&doc.title));
    for (k, v) in &doc.attributes {
        outln!("  {k}: {}", sanitize_line(&v.to_string()));
    }
    for (i, turn) in doc.turns.iter().enumerate() {
        let who = project.speaker(&doc.id, &turn.speaker);
        let alias = who
            .participant
            .map(|p| format!(" = {p}"))
            .unwrap_or_default();
        let time = turn
            .time
            .as_deref()
            .map(|t| format!(" [{t}]"))
            .unwrap_or_default();
        outln!(
            "\n[{}] {}{alias} ({}){time}",
            i + 1,
            sanitize_line(&turn.speaker),
            who.role.unwrap_or_default()
        );
        for line in turn.text.lines() {
            outln!("  {}", sanitize_line(line));
        }
    }
    Ok(())
}
