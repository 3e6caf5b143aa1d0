//! `gloss tui [DOC]` (and `gloss` alone on a terminal): opens the coding workbench.

use std::io::IsTerminal;

use gloss::corpus::Position;
use gloss::study::Study;

use super::{CliError, CliResult, Ctx, open_writer};
use crate::tui;

/// Open the coding workbench: read, select, code, search (keys: `?` inside).
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The document to open first.
    doc: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "the workbench needs a terminal; use the other commands (`gloss --help`) in scripts"
                .into(),
        ));
    }
    let study = Study::open(ctx.project()?)?;
    let coder = ctx.coder()?;
    let start = match &args.doc {
        Some(d) => Some(study.project.find_document(&study.corpus, d)?),
        None => None,
    };
    // Taking the coder's lock before the screen changes: a second workbench for the same
    // coder fails here with a plain message.
    let writer = open_writer(&study.project, &coder)?;
    let root = study.project.root.clone();
    let background = tui::background::Background::start(writer, root);
    let (keymap, warning) = tui::keymap::Keymap::load();
    let mut app = tui::app::App::new(study, coder, keymap, background);
    if let Some(i) = start {
        app.open_document(i, Position::new(0, 0));
    }
    if let Some(w) = warning {
        app.message = Some((w, true));
    }
    let theme = tui::theme::Theme::from_env();
    let stop = tui::terminal::stop_flag();
    let mut guard = tui::terminal::TerminalGuard::enter()?;
    let result = tui::event_loop(&mut guard.terminal, &mut app, &theme, &stop, |timeout| {
        if crossterm::event::poll(timeout)? {
            crossterm::event::read().map(Some)
        } else {
            Ok(None)
        }
    });
    drop(guard);
    result?;
    if let Some(e) = &app.save_error {
        return Err(CliError::Gloss(gloss::Error::Project(e.clone())));
    }
    Ok(())
}
