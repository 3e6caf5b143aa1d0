//! `gloss check`: the project validated after a git merge.

use super::{CliResult, Ctx, print_json};

/// Check the whole project after coders merge their branches: git conflict markers in
/// any project file, duplicate ids (documents, codes, entries of a coding file, coding
/// ids across coders), codings, records and memos that point to codes or documents that
/// no longer exist, and rounds naming removed documents — each as file:line: message.
/// Changes nothing; exit status 1 when there is a problem.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: &Args) -> CliResult {
    let root = ctx.project_root()?;
    let problems = gloss::check::check(&root)?;
    if ctx.json {
        print_json(&problems)?;
    } else {
        for p in &problems {
            outln!("{}", gloss::textio::sanitize_line(&p.to_string()));
        }
    }
    if problems.is_empty() {
        if !ctx.json {
            outln!("no problems found");
        }
        Ok(())
    } else {
        Err(gloss::Error::Project(format!(
            "{} problem{} found",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ))
        .into())
    }
}
