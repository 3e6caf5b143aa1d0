//! The terminal's lifecycle: raw mode, the alternate screen and bracketed paste on the
//! way in; all of it undone on the way out — on a normal exit, on a panic (the hook
//! restores before the message prints) and after SIGTERM/SIGHUP/SIGINT (the event loop
//! sees the flag, lets the saver finish, and returns through the same guard). When the
//! terminal itself is gone, crossterm's input reader can spin on end-of-file without
//! returning (crossterm-rs/crossterm#793); a watchdog thread then ends the process
//! once the saver is idle, so a dropped SSH connection never leaves a process burning
//! a core.

use std::io::{Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Takes over the terminal; with `mouse`, mouse events are captured too (the
    /// terminal's own text selection then needs Shift).
    pub fn enter(mouse: bool) -> std::io::Result<TerminalGuard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        let mut out = std::io::stdout();
        if let Err(e) = crossterm::execute!(out, EnterAlternateScreen, EnableBracketedPaste) {
            restore();
            return Err(e);
        }
        if mouse && let Err(e) = crossterm::execute!(out, EnableMouseCapture) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(out)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Undoes everything `enter` did (errors ignored: the terminal may be gone).
pub fn restore() {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// A flag raised by SIGTERM, SIGHUP, SIGINT or SIGQUIT.
pub fn stop_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGQUIT,
    ] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
    }
    flag
}

/// Starts the watchdog: once `stop` has been raised for `grace` without the process
/// ending (the event loop is stuck in the terminal's input reader), it waits up to ten
/// seconds for `in_flight` saves to reach zero, restores what it can and exits with
/// status 1.
pub fn watchdog(stop: Arc<AtomicBool>, in_flight: Arc<AtomicUsize>, grace: Duration) {
    let _ = std::thread::Builder::new()
        .name("gloss-watchdog".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
            }
            std::thread::sleep(grace);
            let deadline = Instant::now() + Duration::from_secs(10);
            while in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            restore();
            std::process::exit(1);
        });
}
