//! `gloss undo BATCH`: remove every coding of one auto-coding batch.

use gloss::coding::store::Op;
use gloss::coding::{Entry, coding_key};

use super::{CliResult, Ctx, open_writer, print_json};

/// Remove all your codings made by one `gloss autocode` run (its batch id).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The batch id printed by `gloss autocode`.
    batch: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let coder = ctx.coder()?;
    let mut writer = open_writer(&project, &coder)?;
    let ids: Vec<String> = writer
        .data()
        .values()
        .filter_map(|e| match e {
            Entry::Coding(c) if c.batch.as_deref() == Some(args.batch.as_str()) => {
                Some(c.id.clone())
            }
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Err(gloss::Error::Input(format!(
            "coder {coder} has no codings in batch {:?}; nothing was removed",
            args.batch
        ))
        .into());
    }
    writer.apply(ids.iter().map(|id| Op::Delete(coding_key(id))).collect())?;
    if ctx.json {
        return print_json(&serde_json::json!({ "batch": args.batch, "removed": ids.len() }));
    }
    outln!("removed {} codings of batch {}", ids.len(), args.batch);
    Ok(())
}
