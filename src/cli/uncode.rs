//! `gloss uncode ID`: remove one of your span codings.

use gloss::coding::set::CodingSet;
use gloss::coding::{Entry, coding_key};

use super::{CliResult, Ctx, open_writer, print_json};

/// Remove a span coding by its id (shown by `gloss code` and in --json output).
///
/// Only your own codings: gloss never writes another coder's file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Coding ids.
    #[arg(required = true)]
    ids: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let coder = ctx.coder()?;
    let mut writer = open_writer(&project, &coder)?;
    for id in &args.ids {
        if !matches!(writer.data().get(&coding_key(id)), Some(Entry::Coding(_))) {
            let others = CodingSet::load(&project)?;
            let owner = others
                .spans()
                .find(|(_, c)| c.id == *id)
                .map(|(c, _)| c.to_string());
            let msg = match owner {
                Some(o) => format!("coding {id} belongs to coder {o}; only {o} can remove it"),
                None => format!("no coding {id:?}; nothing was removed"),
            };
            return Err(gloss::Error::Input(msg).into());
        }
    }
    let ops = args
        .ids
        .iter()
        .map(|id| gloss::coding::store::Op::Delete(coding_key(id)))
        .collect();
    writer.apply(ops)?;
    if ctx.json {
        return print_json(&serde_json::json!({ "removed": args.ids }));
    }
    outln!("removed {}", args.ids.join(", "));
    Ok(())
}
