//! `gloss tui [DOC]` (and `gloss` alone on a terminal): opens the coding workbench.

use std::io::IsTerminal;

use gloss::coding::store::CoderLock;
use gloss::corpus::Position;
use gloss::study::{Glance, Study};

use super::{CliError, CliResult, Ctx, compact_after_from_env};
use crate::tui;

/// Open the coding workbench: read, select, code, search (keys: `?` inside).
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The document to open first.
    doc: Option<String>,
    /// Leave the mouse to the terminal (its own text selection and copy) instead of
    /// clicking, dragging and scrolling in gloss.
    #[arg(long)]
    no_mouse: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "the workbench needs a terminal; use the other commands (`gloss --help`) in scripts"
                .into(),
        ));
    }
    let coder = ctx.coder()?;
    let project = ctx.project()?;
    // The coder's lock is taken first, before the screen changes: a second workbench for
    // the same coder fails at once with a plain message.
    let lock = CoderLock::take(&project, &coder)?;
    let state_file = project.state_dir(&coder).join("workbench.json");
    let place = match &args.doc {
        Some(_) => None,
        None => read_place(&state_file),
    };
    let wanted = args
        .doc
        .as_deref()
        .or(place.as_ref().map(|p| p.doc.as_str()));
    // A first look (every document's title, the open one whole, the counts shown) is
    // drawn while the loader thread reads the rest.
    let blind = ctx.blind(&project)?.is_some();
    let mut glance = Study::glance(project, &coder, wanted)?;
    if blind {
        blind_glance(&mut glance, &coder)?;
    }
    if let Some(d) = &args.doc {
        glance
            .study
            .project
            .find_document(&glance.study.corpus, d)?;
    }
    let root = glance.study.project.root.clone();
    let background = tui::background::Background::start(lock, root, compact_after_from_env());
    let (keymap, warning) = tui::keymap::Keymap::load();
    let mut app = tui::app::App::new(glance, coder, keymap, background);
    app.blind = blind;
    if blind {
        app.message = Some((
            "blind mode: only your own codings and records are shown".into(),
            false,
        ));
    }
    if let Some(place) = place {
        restore_place(&mut app, &place);
    }
    if let Some(w) = warning {
        app.message = Some((w, true));
    }
    let result = run_workbench(&mut app, !args.no_mouse);
    save_place(&app, &state_file);
    result?;
    if let Some(e) = &app.save_error {
        return Err(CliError::Gloss(gloss::Error::Project(e.clone())));
    }
    Ok(())
}

/// Runs the workbench on the terminal until the user quits: the watchdog, the screen
/// taken and given back, the event loop on crossterm's events.
pub fn run_workbench(app: &mut tui::app::App, mouse: bool) -> CliResult {
    let theme = tui::theme::Theme::from_env();
    let stop = tui::terminal::stop_flag();
    if let Some(in_flight) = app.in_flight() {
        tui::terminal::watchdog(
            std::sync::Arc::clone(&stop),
            in_flight,
            std::time::Duration::from_secs(1),
        );
    }
    let mut guard = tui::terminal::TerminalGuard::enter(mouse)?;
    let result = tui::event_loop(&mut guard.terminal, app, &theme, &stop, |timeout| {
        if crossterm::event::poll(timeout)? {
            crossterm::event::read().map(Some)
        } else {
            Ok(None)
        }
    });
    drop(guard);
    Ok(result?)
}

/// Blind mode: the first look keeps only the coder's own entries, and counts only the
/// coder's own codings per code (the whole study, when it comes, is cut the same way).
fn blind_glance(glance: &mut Glance, coder: &str) -> CliResult {
    glance.study.codings.keep_only(coder);
    let own = gloss::coding::store::read_coder(&glance.study.project.coding_dir(), coder)?;
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for entry in own.values_unordered() {
        if let gloss::coding::Entry::Coding(c) = entry {
            *counts.entry(c.code.clone()).or_insert(0) += 1;
        }
    }
    glance.code_counts = counts;
    Ok(())
}

/// Where the coder was: the document and the cursor, to reopen there next time.
#[derive(serde::Serialize, serde::Deserialize)]
struct Place {
    doc: String,
    turn: usize,
    byte: usize,
}

/// The last place, if it was saved.
fn read_place(file: &std::path::Path) -> Option<Place> {
    std::fs::read(file)
        .ok()
        .and_then(|b| serde_json::from_slice::<Place>(&b).ok())
}

/// Reopens the last place, if its document still exists (positions are clamped to it).
fn restore_place(app: &mut tui::app::App, place: &Place) {
    let Some(i) = app.study.corpus.position(&place.doc) else {
        return;
    };
    let doc = &app.study.corpus.docs[i];
    let turn = place.turn.min(doc.turns.len().saturating_sub(1));
    let text = doc.turns.get(turn).map_or("", |t| t.text.as_str());
    let byte = gloss::text::motion::snap_to_grapheme(text, place.byte);
    app.open_document(i, Position::new(turn, byte));
}

/// Remembers the place (best effort: it is a convenience, not the researcher's work).
fn save_place(app: &tui::app::App, file: &std::path::Path) {
    let Some(doc) = app.doc() else { return };
    let place = Place {
        doc: doc.id.clone(),
        turn: app.reader.cursor.turn,
        byte: app.reader.cursor.byte,
    };
    if let Ok(bytes) = serde_json::to_vec(&place) {
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = gloss::textio::write_atomic(file, &bytes);
    }
}
