//! `gloss status`: documents, codebook, each coder's progress, and every orphaned or
//! dangling coding.

use gloss::study::Study;
use gloss::textio::sanitize_line;

use super::{CliResult, Ctx, print_json};

/// Show the study at a glance: documents per kind, codes, each coder's codings,
/// records, exclusions and progress, and every coding that is orphaned (its quoted
/// text is gone or ambiguous) or dangling (its document or code no longer exists).
#[derive(Debug, Default, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: &Args) -> CliResult {
    let mut study = Study::open(ctx.project()?)?;
    ctx.hide_others(&mut study)?;
    let summary = study.summary();
    if ctx.json {
        return print_json(&summary);
    }
    outln!(
        "{}  ({})",
        sanitize_line(&summary.name),
        study.project.root.display()
    );
    let kinds: Vec<String> = summary
        .documents
        .iter()
        .map(|(k, n)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    outln!(
        "documents: {}{}",
        summary.total_documents,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    );
    outln!("codebook:  {} codes", summary.codes);
    if summary.coders.is_empty() {
        outln!("coders:    none yet");
    } else {
        outln!(
            "\n{:<16} {:>8} {:>8} {:>9} {:>6} {:>12} {:>6}",
            "coder",
            "codings",
            "records",
            "excluded",
            "done",
            "in progress",
            "memos"
        );
        for (coder, s) in &summary.coders {
            outln!(
                "{:<16} {:>8} {:>8} {:>9} {:>6} {:>12} {:>6}",
                coder,
                s.codings,
                s.records,
                s.excluded,
                s.done,
                s.in_progress,
                s.memos
            );
        }
    }
    if !summary.unreadable.is_empty() {
        outln!(
            "\n{} files cannot be read and are left out until fixed:",
            summary.unreadable.len()
        );
        for line in &summary.unreadable {
            outln!("  {line}");
        }
    }
    if summary.moved > 0 {
        outln!(
            "\n{} codings re-anchored after their document's text changed",
            summary.moved
        );
    }
    if summary.problems.is_empty() {
        outln!("\nno orphaned or dangling codings");
    } else {
        outln!(
            "\n{} codings need attention (kept, never dropped):",
            summary.problems.len()
        );
        for p in &summary.problems {
            outln!(
                "  {:<9} {:<14} {:<10} {}: {}",
                p.kind,
                p.id,
                p.coder,
                p.doc,
                p.message
            );
        }
    }
    Ok(())
}
