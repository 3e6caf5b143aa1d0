//! The workbench end to end: the real `gloss` binary in a pseudo-terminal, its screen
//! parsed by a terminal emulator (vt100). Keys go in as bytes; every step waits for the
//! screen to show its result (no sleeps); then the coding file is checked.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use gloss::coding::Entry;
use gloss::coding::store::read_coder;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use crate::common::{gloss, gloss_bin, new_project, run};
use crate::store::CODEBOOK;

const ROWS: u16 = 30;
const COLS: u16 = 100;

/// A running workbench and what its terminal shows.
struct Session {
    screen: Arc<(Mutex<vt100::Parser>, Condvar)>,
    /// Every byte the program wrote to the terminal.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    master: Option<Box<dyn MasterPty + Send>>,
    child: Box<dyn Child + Send + Sync>,
}

impl Session {
    fn start(root: &Path, args: &[&str]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(gloss_bin());
        cmd.arg("--project");
        cmd.arg(root);
        cmd.args(args);
        cmd.cwd(root);
        cmd.env("GLOSS_CODER", "tester");
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", root);
        cmd.env_remove("NO_COLOR");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new((
            Mutex::new(vt100::Parser::new(ROWS, COLS, 0)),
            Condvar::new(),
        ));
        let feed = Arc::clone(&screen);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_feed = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let (parser, changed) = &*feed;
                raw_feed.lock().unwrap().extend_from_slice(&buf[..n]);
                parser.lock().unwrap().process(&buf[..n]);
                changed.notify_all();
            }
        });
        Session {
            screen,
            raw,
            writer,
            master: Some(pair.master),
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.0.lock().unwrap().screen().contents()
    }

    /// Waits until the screen holds `text` (30 s at most; then fails with the screen).
    fn wait_for(&self, text: &str) {
        let (parser, changed) = &*self.screen;
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut guard = parser.lock().unwrap();
        while !guard.screen().contents().contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {text:?}; the screen:\n{}",
                guard.screen().contents()
            );
            guard = changed.wait_timeout(guard, left).unwrap().0;
        }
    }

    /// Waits until `ok` holds for the screen (30 s at most; then fails with the screen).
    fn wait_until(&self, what: &str, ok: impl Fn(&vt100::Screen) -> bool) {
        let (parser, changed) = &*self.screen;
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut guard = parser.lock().unwrap();
        while !ok(guard.screen()) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; the cursor at {:?}, the screen:\n{}",
                guard.screen().cursor_position(),
                guard.screen().contents()
            );
            guard = changed.wait_timeout(guard, left).unwrap().0;
        }
    }

    fn keys(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the process to end, at most `limit`; its exit success.
    fn wait_exit(mut self, limit: Duration) -> bool {
        let (tx, rx) = mpsc::channel();
        let mut child = self.child;
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|s| s.success()).unwrap_or(false));
        });
        // Keep the terminal open while waiting (unless the test closed it).
        let result = rx.recv_timeout(limit);
        drop(self.master.take());
        result.unwrap_or_else(|_| panic!("gloss did not exit within {limit:?}"))
    }
}

fn project(transcript: &str) -> tempfile::TempDir {
    let tmp = new_project();
    std::fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    std::fs::write(tmp.path().join("transcripts/p1.txt"), transcript).unwrap();
    tmp
}

const TRANSCRIPT: &str = "Interviewer: How did the port go?\n\nP1: The loss went to NaN after two epochs, so we compared layer outputs.\n\nInterviewer: Anything else?\n\nP1: The padding differed between the frameworks.\n";

/// One GitHub issue (REST API JSON), for the instrument form.
const ISSUE: &str = r#"{"html_url":"https://github.com/acme/widgets/issues/7","repository_url":"https://api.github.com/repos/acme/widgets","number":7,"title":"Crash when loading weights","user":{"login":"ann"},"labels":[],"state":"closed","comments":0,"created_at":"2024-01-02T10:00:00Z","closed_at":null,"body":"Loading the checkpoint crashes with a segfault."}"#;

#[test]
fn select_code_memo_undo_redo_search_record_and_quit_in_a_real_terminal() {
    let tmp = project(TRANSCRIPT);
    std::fs::write(tmp.path().join("issue.json"), ISSUE).unwrap();
    let (out, _, stderr) = run(gloss(tmp.path()).args(["import", "issues", "issue.json"]));
    assert!(out.status.success(), "{stderr}");
    let mut s = Session::start(tmp.path(), &["tui", "transcripts/p1"]);
    s.wait_for("How did the port go?");
    s.wait_for("index: ready");
    // Next turn, select "The loss", pick the code by typing part of its name.
    s.keys("}vwea");
    s.wait_for("code as");
    s.keys("portab\r");
    s.wait_for("coded Portability of DL operations");
    s.wait_for(" saved ");
    // A memo on the coding under the cursor; undo it and redo it.
    s.keys("mwhy?\x1b");
    s.wait_for("memo saved");
    s.keys("u");
    s.wait_for("undid: memo saved");
    s.keys("\x12");
    s.wait_for("redid: memo saved");
    // Search every document; Enter opens the hit with the match selected; code it.
    s.keys("spadding");
    s.wait_for("turn 4");
    s.keys("\ra");
    s.wait_for("code as");
    s.keys("perf\r");
    s.wait_for("coded Performance debugging");
    // The issue: select "the checkpoint", open the instrument form, choose the stage's
    // first value (Training), attach the selection as evidence, close (saves).
    s.keys(":doc issues/acme/widgets#7\r");
    s.wait_for("Loading the checkpoint crashes");
    s.keys("wvwe");
    s.keys("R");
    s.wait_for("record 1 of issues/acme/widgets#7");
    s.keys(" e\x1b");
    s.wait_for("record 1 saved");
    s.wait_for(" saved ");
    s.keys("q");
    assert!(
        s.wait_exit(Duration::from_secs(30)),
        "gloss exited with an error"
    );

    let file = read_coder(&tmp.path().join("coding"), "tester").unwrap();
    let codings: Vec<_> = file
        .values()
        .filter_map(|e| match e {
            Entry::Coding(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(codings.len(), 2, "{codings:?}");
    let port = codings.iter().find(|c| c.code == "port").unwrap();
    assert_eq!(port.anchor.quote, "The loss");
    assert_eq!(port.memo.as_deref(), Some("why?"));
    let perf = codings.iter().find(|c| c.code == "perf").unwrap();
    assert_eq!(perf.anchor.quote, "padding");
    let records: Vec<_> = file
        .values()
        .filter_map(|e| match e {
            Entry::Record(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].doc, "issues/acme/widgets#7");
    assert_eq!(
        records[0].values.get("stage"),
        Some(&vec!["training".to_string()])
    );
    assert_eq!(records[0].evidence[0].anchor.quote, "the checkpoint");
}

#[test]
fn the_memo_editor_shows_the_terminal_cursor_on_wide_characters() {
    let tmp = project(TRANSCRIPT);
    let mut s = Session::start(tmp.path(), &["tui", "transcripts/p1"]);
    s.wait_for("How did the port go?");
    // A memo on the document, pasted (bracketed paste), then three characters left and
    // a word back (Ctrl-Left): onto 们, two columns after the start of the text.
    s.keys("m");
    s.wait_for("memo on the document");
    s.keys("\x1b[200~我们 fix\x1b[201~");
    s.wait_for("我们 fix");
    s.keys("\x1b[D\x1b[D\x1b[D\x1b[1;5D");
    // At 100x30 the editor's 70x12 box is centred over rows 0-28: text from (16, 9).
    s.wait_until("the cursor on 们", |screen| {
        !screen.hide_cursor() && screen.cursor_position() == (9, 18)
    });
    s.keys("X\x1b");
    s.wait_for("memo saved");
    s.wait_until("the cursor hidden", vt100::Screen::hide_cursor);
    s.keys("q");
    assert!(
        s.wait_exit(Duration::from_secs(30)),
        "gloss exited with an error"
    );
    let file = read_coder(&tmp.path().join("coding"), "tester").unwrap();
    let memo = file.values().find_map(|e| match e {
        Entry::Memo(m) => Some(m.text.clone()),
        _ => None,
    });
    assert_eq!(memo.as_deref(), Some("我X们 fix"));
}

#[test]
fn escape_sequences_in_a_transcript_do_not_change_the_terminal() {
    let tmp = project(
        "Interviewer: before\x1b]52;c;SGVsbG8=\x07 middle\x1b[2J\x1b[H\x1b]0;pwned\x07 after\x1b[31m red\n\nP1: fine\n",
    );
    let mut s = Session::start(tmp.path(), &["tui", "transcripts/p1"]);
    s.wait_for("P1");
    let screen = s.contents();
    // The text around the sequences is all there, in one place: the clear-screen and
    // cursor-home sequences did not run, and they show as placeholders.
    assert!(screen.contains("before␛]52;c;SGVsbG8=␇"), "{screen}");
    assert!(screen.contains("middle␛[2J␛[H␛]0;pwned␇"), "{screen}");
    assert!(screen.contains("after␛[31m red"), "{screen}");
    // None of the document's sequences reached the terminal: no clipboard write (OSC
    // 52), no title change (OSC 0), no bell.
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    for forbidden in ["\x1b]52", "\x1b]0;", "\x07"] {
        assert!(
            !raw.contains(forbidden),
            "{forbidden:?} reached the terminal"
        );
    }
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(30)));
}

#[test]
fn a_hangup_saves_what_was_coded_and_ends_the_process_promptly() {
    let tmp = project(TRANSCRIPT);
    let mut s = Session::start(tmp.path(), &["tui", "transcripts/p1"]);
    s.wait_for("How did the port go?");
    s.keys("v$a");
    s.wait_for("code as");
    s.keys("portab\r");
    s.wait_for("coded Portability");
    // SIGHUP, as the kernel sends when an SSH connection drops — without waiting for
    // the status line to say "saved".
    let pid = s.child.process_id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    s.wait_exit(Duration::from_secs(10));
    assert!(started.elapsed() < Duration::from_secs(10));
    let file = read_coder(&tmp.path().join("coding"), "tester").unwrap();
    assert!(
        file.values()
            .any(|e| matches!(e, Entry::Coding(c) if c.code == "port")),
        "the coding made before the hangup was lost"
    );
}

/// The loop of issue 7 end to end, through the real binary and the real workbench: two
/// coders code the same sample blind (neither sees the other's work, in the workbench
/// either), agree, reconcile into `consensus` on the reconciliation screen (one side,
/// the other side, both, the agreed documents copied), and the consensus counts are
/// exported and compared like any coder's; reopening shows everything resolved.
#[test]
fn two_coders_code_a_sample_blind_agree_reconcile_on_screen_and_export_consensus_counts() {
    use crate::agree::{code_the_sample_blind, csv_rows, line, loop_project, ok, set_blind};
    let tmp = loop_project();
    let dir = tmp.path();
    let draw = ok(
        dir,
        &[
            "--json",
            "sample",
            "--n",
            "4",
            "--seed",
            "7",
            "--assign",
            "alice,bob",
            "--round",
            "pilot",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&draw).unwrap();
    let mut docs: Vec<String> = v["round"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    docs.sort_by(|a, b| gloss::corpus::docfile::natural_cmp(a, b));
    // Blind coding (see `code_the_sample_blind`): they differ on the second document's
    // stage and the third's impact; only alice codes port, on the first.
    set_blind(dir, true);
    code_the_sample_blind(dir, &docs);
    // Bob's workbench, blind: alice's port coding is not in his reader.
    let mut s = Session::start(dir, &["--coder", "bob", "tui", &docs[0]]);
    s.wait_for("blind mode: only your own codings");
    s.wait_for("We ported the model");
    let screen = s.contents();
    assert!(!screen.contains("▌Porting"), "{screen}");
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(30)));
    // The reconciliation screen is refused while blind.
    let (out, _, stderr) = run(gloss(dir).args(["reconcile", "--round", "pilot"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("blind mode is on"), "{stderr}");

    // Unblind, agree, reconcile on screen.
    set_blind(dir, false);
    let agreement = ok(dir, &["agree", "--round", "pilot"]);
    assert!(agreement.contains("Stage"), "{agreement}");
    let mut s = Session::start(dir, &["reconcile", "--round", "pilot"]);
    s.wait_for("0 / 3 resolved");
    s.wait_for("Porting");
    // Port on the first document: bob's side (not coded).
    s.keys("2");
    s.wait_for("1 / 3 resolved");
    s.wait_for("Stage");
    // Stage on the second: bob's Data pipeline.
    s.keys("2");
    s.wait_for("2 / 3 resolved");
    // Impact on the third: both (crash and slow).
    s.keys("b");
    s.wait_for("3 / 3 resolved");
    // The fourth document has no disagreement: its agreed work is copied.
    s.keys("A");
    s.wait_for("copied the agreed work of 1 document");
    s.wait_for(" saved ");
    s.keys("q");
    assert!(
        s.wait_exit(Duration::from_secs(30)),
        "gloss reconcile failed"
    );

    // Consensus counts, like any coder's.
    let rows = csv_rows(&ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "stage",
            "--of",
            "consensus",
            "--format",
            "csv",
        ],
    ));
    let n = |name: &str| {
        rows.iter()
            .find(|r| r["Stage"] == name)
            .map(|r| r["n"].clone())
    };
    assert_eq!(n("Training").as_deref(), Some("3"), "{rows:?}");
    assert_eq!(n("Data pipeline").as_deref(), Some("1"));
    assert_eq!(n("Total").as_deref(), Some("4"));
    let rows = csv_rows(&ok(
        dir,
        &[
            "agree",
            "--coders",
            "bob,consensus",
            "--round",
            "pilot",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(line(&rows, "Stage", "bob–consensus")["Cohen's κ"], "1.000");
    // Neither bob nor consensus coded port: no line for it.
    assert!(rows.iter().all(|r| r["Subject"] != "Porting"), "{rows:?}");
    assert_eq!(
        line(&rows, "Impact: Slow", "bob–consensus")["Agreement"],
        "1.000"
    );
    // Nothing is left between alice and bob that consensus has not settled.
    let mut s = Session::start(dir, &["reconcile", "--round", "pilot"]);
    s.wait_for("3 / 3 resolved");
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(30)));
    // The consensus coder cannot be one of the coders compared.
    let (out, _, stderr) = run(gloss(dir).args(["reconcile", "--round", "pilot", "--as", "bob"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("bob is one of the coders compared"),
        "{stderr}"
    );
}
