//! The coding workbench (`gloss` on a terminal, or `gloss tui`): state and actions in
//! `app`, keys in `keymap`, the memo editor's text and cursor in `editor`, drawing in
//! `views`, slow work (saving, indexing) in `background`, the terminal's lifecycle in
//! `terminal`. The event loop here is generic
//! over where events come from, so tests drive it with scripted keys.

pub mod action;
pub mod app;
pub mod background;
pub mod editor;
pub mod keymap;
pub mod reader;
pub mod terminal;
pub mod theme;
pub mod views;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

use app::App;
use theme::Theme;

/// Runs the loop until the user quits or `stop` is raised: draw when something changed,
/// wait for the next event (or a background report), act on it. Returns after every
/// queued change is saved. `next_event` returns `Ok(None)` when nothing came within the
/// timeout, and an error when input is gone (the loop then ends, saving first).
pub fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    theme: &Theme,
    stop: &AtomicBool,
    mut next_event: impl FnMut(Duration) -> std::io::Result<Option<Event>>,
) -> std::io::Result<()>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let mut dirty = true;
    let result = loop {
        app.poll_background();
        if dirty || app.take_redraw() {
            terminal
                .draw(|frame| views::draw(frame, app, theme))
                .map_err(std::io::Error::other)?;
            dirty = false;
        }
        if app.quit || stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        // Wake up often while saves are in flight (to show them saved), rarely otherwise.
        let timeout = if app.unsaved.is_empty() {
            Duration::from_millis(250)
        } else {
            Duration::from_millis(10)
        };
        match next_event(timeout) {
            Ok(Some(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                app.on_key(key);
                dirty = true;
            }
            Ok(Some(Event::Paste(text))) => {
                app.on_paste(&text);
                dirty = true;
            }
            Ok(Some(Event::Mouse(mouse))) => {
                app.on_mouse(mouse);
                dirty = true;
            }
            Ok(Some(Event::Resize(..))) => dirty = true,
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    app.finish();
    result
}

#[cfg(test)]
mod bench;
#[cfg(test)]
mod screens;
#[cfg(test)]
mod tests;
