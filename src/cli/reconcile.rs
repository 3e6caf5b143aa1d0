//! `gloss reconcile --coders a,b [--as consensus]`: the workbench opened on the
//! reconciliation screen, walking through the coders' disagreements and writing each
//! decision as a coder of its own.

use std::io::IsTerminal;

use gloss::agree::reconcile::Reconciliation;
use gloss::coding::store::CoderLock;
use gloss::study::Study;

use super::agree::{Comparison, open_for_comparison};
use super::{CliError, CliResult, Ctx, compact_after_from_env};
use crate::tui;

/// Walk through the disagreements of two coders (or more) side by side — each coder's
/// values, memos and evidence, and the text — and settle each: take one coder's side
/// (1, 2, …), both (b), or a new value (n). Decisions are written as a coder of their
/// own (`--as`, default `consensus`), saved as they are made, so `gloss export` and
/// `gloss agree` treat that coder like any other. Reopening starts at the first
/// disagreement not yet settled; the progress is on screen. `?` lists the keys.
///
/// The consensus starts from the first coder's work on a document, less what is
/// disputed: the first decision on a document copies the rest; `A` copies the
/// documents without disagreements. Refused in blind mode.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub compare: Comparison,
    /// The coder the decisions are written as (not one of the coders compared).
    #[arg(long = "as", value_name = "CODER", default_value = "consensus")]
    pub consensus: String,
    /// Leave the mouse to the terminal.
    #[arg(long)]
    pub no_mouse: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let (study, rounds) = open_for_comparison(ctx, "gloss reconcile")?;
    let opts = args.compare.options(&rounds)?;
    let plan = Reconciliation::plan(&study, &rounds, &opts, &args.consensus)?;
    if plan.items.is_empty() {
        outln!(
            "nothing to reconcile: {} agree on everything compared",
            plan.coders.join(" and ")
        );
        return Ok(());
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "the reconciliation screen needs a terminal; `gloss disagreements --coders {}` lists the {} disagreements",
            plan.coders.join(","),
            plan.items.len()
        )));
    }
    let project = study.project.clone();
    drop(study);
    // The consensus coder's lock first, before the screen changes.
    let lock = CoderLock::take(&project, &plan.consensus)?;
    let first = plan.items.first().map(|d| d.doc.clone());
    let glance = Study::glance(project, &plan.consensus, first.as_deref())?;
    let root = glance.study.project.root.clone();
    let background = tui::background::Background::start(lock, root, compact_after_from_env());
    let (keymap, warning) = tui::keymap::Keymap::load();
    let mut app = tui::app::App::new(glance, plan.consensus.clone(), keymap, background);
    app.start_reconcile(plan);
    if let Some(w) = warning {
        app.message = Some((w, true));
    }
    super::tui::run_workbench(&mut app, !args.no_mouse)?;
    if let Some(e) = &app.save_error {
        return Err(CliError::Gloss(gloss::Error::Project(e.clone())));
    }
    Ok(())
}
