//! `gloss compact`: fold the coder's journal into the sorted coding file.

use gloss::coding::store::{Writer, coding_path};

use super::{CliResult, Ctx, print_json};

/// Fold your journal (coding/<coder>.journal) into your sorted coding file
/// (coding/<coder>.jsonl). gloss does this by itself every 1000 changes; run it before
/// a commit for the smallest diff.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: &Args) -> CliResult {
    let project = ctx.project()?;
    let coder = ctx.coder()?;
    let mut writer = Writer::open(&project, &coder)?;
    let lines = writer.data().journal_lines;
    writer.compact()?;
    if ctx.json {
        return print_json(&serde_json::json!({ "coder": coder, "folded": lines }));
    }
    outln!(
        "folded {lines} journal lines into {}",
        project
            .relative(&coding_path(&project.coding_dir(), &coder))
            .display()
    );
    Ok(())
}
