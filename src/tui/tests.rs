//! Whole-workbench tests: the real event loop driven by scripted keys on a test
//! backend, over a real project in a temporary folder (saves go through the real saver
//! thread; the loop returns only after they are durable), then assertions on the screen
//! and on the coder's file.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use gloss::coding::Entry;
use gloss::coding::store::{CoderLock, read_coder};
use gloss::project::Project;
use gloss::study::Study;

use super::app::App;
use super::background::Background;
use super::keymap::Keymap;
use super::theme::Theme;

const CODEBOOK: &str = "codes:
  - id: challenges
    name: Challenges
    children:
      - id: perf
        name: Performance debugging
        key: f
      - id: port
        name: Portability of DL operations
        description: Operations that behave differently across frameworks.
  - id: stage
    name: DL stage
    select: one
    children:
      - id: training
        name: Training
";

const TRANSCRIPT: &str = "Interviewer: How did the port go?\n\nP1: The loss went to NaN after two epochs, so we compared layer outputs.\n\nInterviewer: Anything else?\n\nP1: 我们用预训练模型 and it was fine.\n";

fn project(transcript: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    Project::init(tmp.path(), "tui-test").unwrap();
    std::fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    std::fs::write(tmp.path().join("transcripts/p1.txt"), transcript).unwrap();
    tmp
}

fn app_for(root: &std::path::Path) -> App {
    let project = Project::open(root).unwrap();
    let lock = CoderLock::take(&project, "tester").unwrap();
    let glance = Study::glance(project, "tester", None).unwrap();
    let background = Background::start(lock, root.to_path_buf(), None);
    App::new(glance, "tester".into(), Keymap::default_keys(), background)
}

/// Key events for a script: each whitespace-separated word is a key name as the
/// keymap writes it (`v`, `C-r`, `Enter`), except `"text"` which types its characters.
pub(super) fn keys(script: &str) -> Vec<Event> {
    let mut out = Vec::new();
    for word in script.split(' ').filter(|w| !w.is_empty()) {
        if let Some(text) = word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            for c in text.chars() {
                out.push(Event::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )));
            }
            continue;
        }
        let key = super::keymap::Key::parse(word).unwrap_or_else(|| panic!("key {word}"));
        let mut mods = KeyModifiers::NONE;
        if key.ctrl {
            mods |= KeyModifiers::CONTROL;
        }
        if key.alt {
            mods |= KeyModifiers::ALT;
        }
        out.push(Event::Key(KeyEvent::new(key.code, mods)));
    }
    out
}

/// Runs the event loop over the script (then `q`), returning the screen's text.
fn run(app: &mut App, width: u16, height: u16, script: &str) -> String {
    run_events(app, width, height, keys(script))
}

/// Runs the event loop over events (then `q`), returning the screen's text.
fn run_events(app: &mut App, width: u16, height: u16, events: Vec<Event>) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let theme = Theme {
        color: true,
        truecolor: false,
    };
    let mut events = events.into_iter();
    let stop = AtomicBool::new(false);
    let mut screen = String::new();
    super::event_loop(&mut terminal, app, &theme, &stop, |_| {
        Ok(Some(events.next().unwrap_or(Event::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )))))
    })
    .unwrap();
    screen.push_str(&text_of(terminal.backend().buffer()));
    screen
}

/// A buffer's text, a line per row, as a terminal shows it: the cell after a wide
/// character is covered by it.
pub(super) fn text_of(buffer: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut covered = 0;
        for x in 0..buffer.area.width {
            if covered > 0 {
                covered -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            covered = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            out.push_str(symbol);
        }
        out.push('\n');
    }
    out
}

/// Draws the current state at a size and returns the screen's text.
fn screen(app: &mut App, width: u16, height: u16) -> String {
    screen_and_cursor(app, width, height).0
}

/// Draws the current state at a size; the screen's text, and where the terminal's
/// cursor is when it is shown.
fn screen_and_cursor(app: &mut App, width: u16, height: u16) -> (String, Option<(u16, u16)>) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let theme = Theme {
        color: false,
        truecolor: false,
    };
    terminal
        .draw(|f| super::views::draw(f, app, &theme))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let out = text_of(buffer);
    let backend = terminal.backend();
    let cursor = backend
        .cursor_visible()
        .then(|| (backend.cursor_position().x, backend.cursor_position().y));
    (out, cursor)
}

fn codings(root: &std::path::Path) -> Vec<gloss::coding::SpanCoding> {
    let file = read_coder(&root.join("coding"), "tester").unwrap();
    file.values()
        .filter_map(|e| match e {
            Entry::Coding(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn select_code_through_the_picker_memo_undo_redo_and_quit_saves_everything() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    // Second turn ("P1: The loss went…"): select "The loss", code it as port via the
    // picker, write a memo, undo the memo and redo it.
    let shown = run(
        &mut app,
        120,
        40,
        "} v w e a \"port\" Enter m \"why?\" Esc u C-r",
    );
    let saved = codings(tmp.path());
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0].code, "port");
    assert_eq!(saved[0].anchor.quote, "The loss");
    assert_eq!(saved[0].memo.as_deref(), Some("why?"));
    assert!(app.unsaved.is_empty() && app.save_error.is_none());
    // The margin labels the coded line with the code's name and a memo mark.
    assert!(shown.contains("▌✎Portability"), "{shown}");
    // The status line names the coder and the place (the last frame may still say
    // "saving": the loop saves after the final key).
    assert!(
        shown.contains(" tester  transcripts/p1 turn 2/4"),
        "{shown}"
    );
}

#[test]
fn a_code_shortcut_key_codes_whole_turns_and_undo_removes_the_coding() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    run(&mut app, 100, 30, "} V c f");
    let saved = codings(tmp.path());
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].code, "perf");
    assert!(saved[0].anchor.quote.starts_with("The loss went to NaN"));
    assert!(saved[0].anchor.quote.ends_with("layer outputs."));
    let mut app = app_for(tmp.path());
    run(&mut app, 100, 30, "} x");
    assert!(codings(tmp.path()).is_empty());
    // Undo in the same session brings it back; redo removes it again.
    let mut app = app_for(tmp.path());
    run(&mut app, 100, 30, "} V c f u");
    assert!(codings(tmp.path()).is_empty());
}

#[test]
fn search_as_you_type_jumps_to_the_hit_with_the_match_selected() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    // Wait (without sleeping) for the index to be ready.
    while matches!(app.index, super::app::IndexState::Building) {
        assert!(
            app.wait_background(Duration::from_secs(60)),
            "index never ready"
        );
    }
    run(&mut app, 120, 40, "s \"epochs\" Enter a \"perf\" Enter");
    let saved = codings(tmp.path());
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].anchor.quote, "epochs");
    assert_eq!(saved[0].code, "perf");
}

#[test]
fn every_size_draws_without_panicking_and_small_ones_say_so() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    for w in (0..=130).step_by(7) {
        for h in (0..=45).step_by(4) {
            screen(&mut app, w, h);
        }
    }
    assert!(screen(&mut app, 20, 5).contains("too small"));
    let wide = screen(&mut app, 120, 40);
    assert!(
        wide.contains("documents") && wide.contains("codebook"),
        "{wide}"
    );
    let narrow = screen(&mut app, 80, 24);
    assert!(!narrow.contains(" codebook "), "{narrow}");
    assert!(narrow.contains("Interviewer"), "{narrow}");
    app.finish();
}

#[test]
fn escape_sequences_in_a_transcript_never_reach_the_screen_raw() {
    let tmp = project(
        "Interviewer: hi\x1b]52;c;SGVsbG8=\x07 there\x1b[2J\x1b]0;title\x07\r bell\x07 end\u{202e}rtl\n\nP1: ok\n",
    );
    let mut app = app_for(tmp.path());
    let shown = screen(&mut app, 120, 40);
    for c in shown.chars() {
        assert!(
            c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control {c:?} on screen:\n{shown}"
        );
    }
    assert!(shown.contains('␛'), "{shown}");
    app.finish();
}

fn records(root: &std::path::Path) -> Vec<gloss::coding::Record> {
    let file = read_coder(&root.join("coding"), "tester").unwrap();
    file.values()
        .filter_map(|e| match e {
            Entry::Record(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_instrument_form_fills_records_with_evidence_and_a_second_record() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    // Select "The loss" in turn 2, open the form, pick the first value, attach the
    // selection as evidence, save; then a new record 2 with the same value.
    let shown = run(&mut app, 120, 40, "} v w e R Space e Esc R n Space Esc");
    let saved = records(tmp.path());
    assert_eq!(saved.len(), 2, "{saved:?}");
    assert_eq!(saved[0].number, 1);
    assert_eq!(
        saved[0].values.get("stage"),
        Some(&vec!["training".to_string()])
    );
    assert_eq!(saved[0].evidence.len(), 1);
    assert_eq!(saved[0].evidence[0].anchor.quote, "The loss");
    assert_eq!(saved[1].number, 2);
    assert!(saved[1].evidence.is_empty());
    assert!(shown.contains("0c 2r"), "{shown}");
}

#[test]
fn the_form_shows_each_dimension_its_values_and_the_definition() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    app.act(super::action::Action::Records);
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("record 1 of transcripts/p1"), "{shown}");
    assert!(shown.contains("DL stage  (one of)"), "{shown}");
    assert!(shown.contains("○ Training"), "{shown}");
    app.finish();
}

#[test]
fn the_excerpts_view_lists_a_code_and_its_subcodes_and_uncodes_from_there() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    // Code two spans (perf via its key, port via the picker), then open the excerpts of
    // the parent code "challenges" from the codebook panel (Tab, top, Enter).
    run(&mut app, 120, 40, "} v w c f } v w a \"portab\" Enter");
    assert_eq!(codings(tmp.path()).len(), 2);
    let mut app = app_for(tmp.path());
    app.act(super::action::Action::NextPanel);
    app.act(super::action::Action::Top);
    app.act(super::action::Action::Open);
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("2 excerpts of Challenges"), "{shown}");
    assert!(
        shown.contains("“The l”") && shown.contains("“Anything e”"),
        "{shown}"
    );
    // x removes the selected excerpt's coding (the first, by document order).
    app.on_key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    assert!(screen(&mut app, 120, 40).contains("1 excerpts of Challenges"));
    app.finish();
    assert_eq!(codings(tmp.path()).len(), 1);
}

#[test]
fn a_mouse_drag_selects_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    let mouse = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // At 120x40 the reader's panel starts at column 24, its text at 27 (border and
    // indent); turn 2's text ("The loss went…") is on screen row 5. Drag over "loss"
    // (columns 31-34), scroll down and back, then code the selection with a key.
    let mut events = vec![
        mouse(MouseEventKind::Down(MouseButton::Left), 31, 5),
        mouse(MouseEventKind::Drag(MouseButton::Left), 34, 5),
        mouse(MouseEventKind::Up(MouseButton::Left), 34, 5),
        mouse(MouseEventKind::ScrollDown, 40, 10),
        mouse(MouseEventKind::ScrollUp, 40, 10),
    ];
    events.extend(keys("c f"));
    run_events(&mut app, 120, 40, events);
    let saved = codings(tmp.path());
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0].anchor.quote, "loss");
}

#[test]
fn codebook_edits_from_the_panel_ask_first_and_undo_restores_the_file() {
    let tmp = project(TRANSCRIPT);
    let file = tmp.path().join("codebooks/test.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let mut app = app_for(tmp.path());
    // Highlight "perf" in the codebook panel and rename it; then merge it into port
    // (answering y), undo the merge, and undo the rename.
    run(
        &mut app,
        120,
        40,
        "Tab j : \"rename\" Space \"Perf\" Space \"issues\" Enter",
    );
    let renamed = std::fs::read_to_string(&file).unwrap();
    assert!(renamed.contains("name: Perf issues"), "{renamed}");
    assert_eq!(renamed.lines().count(), original.lines().count());

    let mut app = app_for(tmp.path());
    run(
        &mut app,
        120,
        40,
        "Tab j : \"merge\" Space \"port\" Enter n",
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        renamed,
        "n must not merge"
    );
    let mut app = app_for(tmp.path());
    let shown = run(
        &mut app,
        120,
        40,
        "Tab j : \"merge\" Space \"port\" Enter y",
    );
    let merged = std::fs::read_to_string(&file).unwrap();
    assert!(!merged.contains("id: perf"), "{merged}");
    assert!(
        merged.contains("perf"),
        "the old id stays as an alias: {merged}"
    );
    assert!(!shown.contains("Perf issues"), "{shown}");
    // In one session: merge, then undo — the file is as before the merge.
    let tmp = project(TRANSCRIPT);
    let file = tmp.path().join("codebooks/test.yaml");
    let mut app = app_for(tmp.path());
    run(
        &mut app,
        120,
        40,
        "Tab j : \"merge\" Space \"port\" Enter y u",
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    let mut app = app_for(tmp.path());
    run(
        &mut app,
        120,
        40,
        "Tab j : \"merge\" Space \"port\" Enter y u C-r",
    );
    let redone = std::fs::read_to_string(&file).unwrap();
    assert!(
        redone.contains("aliases: [perf, Performance debugging]"),
        "{redone}"
    );
    assert!(!redone.contains("id: perf"), "{redone}");
}

#[test]
fn help_lists_every_action_and_scrolls_at_80_by_24() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    app.act(super::action::Action::Help);
    let mut seen = String::new();
    for _ in 0..super::app::help_lines() {
        seen.push_str(&screen(&mut app, 80, 24));
        app.on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    }
    for action in super::action::Action::ALL
        .iter()
        .chain(super::action::Action::EDITOR)
    {
        let text: String = action.describe().chars().take(30).collect();
        assert!(seen.contains(&text), "{action:?} never shown in the help");
    }
    assert!(seen.contains("A-b C-Left  previous word"), "{seen}");
    app.on_key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    assert!(!screen(&mut app, 80, 24).contains("any other key closes"));
    app.finish();
}

#[test]
fn the_memo_editor_edits_at_its_cursor_and_shows_it_on_wide_characters() {
    let tmp = project(TRANSCRIPT);
    let mut app = app_for(tmp.path());
    let press = |app: &mut App, script: &str| {
        for event in keys(script) {
            if let Event::Key(k) = event {
                app.on_key(k);
            }
        }
    };
    // A memo on the document: pasted text (CR LF becomes a line break), then two words
    // back with Ctrl-Left, onto 们 (after "second " and 我, column 9 of the second row).
    press(&mut app, "m");
    app.on_paste("first line\r\nsecond 我们 line");
    press(&mut app, "C-Left C-Left");
    // At 100x30 the editor's 70x12 box sits at (15, 8); its text starts at (16, 9).
    let (shown, cursor) = screen_and_cursor(&mut app, 100, 30);
    assert!(shown.contains("second 我们 line"), "{shown}");
    assert_eq!(cursor, Some((16 + 9, 10)), "{shown}");
    // Backspace removes 我; Alt-b goes back a word; Home, Up, End; then type at the end
    // of the first line. q and s are letters here, not quit and search.
    press(&mut app, "Backspace A-b Home Up End \"!qs\"");
    let (shown, cursor) = screen_and_cursor(&mut app, 100, 30);
    assert_eq!(cursor, Some((16 + 13, 9)), "{shown}");
    // Down keeps column 13: the last letter of the second row.
    press(&mut app, "Down Delete Home Delete C-e \"?\" Esc");
    app.finish();
    let file = read_coder(&tmp.path().join("coding"), "tester").unwrap();
    let memo = file.values().find_map(|e| match e {
        Entry::Memo(m) => Some(m.text.clone()),
        _ => None,
    });
    assert_eq!(memo.as_deref(), Some("first line!qs\necond 们 lin?"));
    // Closed: the terminal's cursor is hidden again.
    assert_eq!(screen_and_cursor(&mut app, 100, 30).1, None);
}

#[test]
fn the_first_frame_is_drawn_from_a_first_look_and_the_whole_study_changes_nothing() {
    let tmp = project(TRANSCRIPT);
    std::fs::write(
        tmp.path().join("transcripts/p2.txt"),
        "Interviewer: And then?\n\nP2: We ported the weights.\n",
    )
    .unwrap();
    let mut app = app_for(tmp.path());
    run(&mut app, 120, 40, "} V c f j j V c f");
    assert_eq!(codings(tmp.path()).len(), 2);
    // A new session: the first frame comes from the first look (no report has been
    // taken yet), the next from the whole study; only the status line may differ.
    let mut app = app_for(tmp.path());
    let first = screen(&mut app, 120, 40);
    assert!(first.contains("▌Performance debu"), "{first}");
    assert!(first.contains("p1 2c"), "{first}");
    app.finish_loading();
    let loaded = screen(&mut app, 120, 40);
    let panels = |s: &str| s.lines().take(39).collect::<Vec<_>>().join("\n");
    assert_eq!(panels(&first), panels(&loaded));
    // The other document, not read whole in the first look, opens whole.
    let shown = run(&mut app, 120, 40, "Tab Tab j Enter");
    assert!(shown.contains("We ported the weights."), "{shown}");
}

const RECONCILE_CODEBOOK: &str = "codes:
  - id: stage
    name: DL stage
    select: one
    children:
      - {id: training, name: Training}
      - {id: data, name: Data pipeline}
      - {id: model, name: Modeling}
  - id: impact
    name: Impact
    select: many
    children:
      - {id: crash, name: Crash}
      - {id: slow, name: Slow}
  - id: perf
    name: Performance debugging
  - id: port
    name: Portability of DL operations
";

/// Writes a coder's entries on transcripts/p1: one record, span codings (turn from 0,
/// quote, code), the document marked done.
fn coder_work(
    root: &std::path::Path,
    coder: &str,
    values: &[(&str, &[&str])],
    spans: &[(usize, &str, &str)],
) {
    use gloss::coding::anchor::AnchorText;
    use gloss::coding::store::{Op, Writer};
    use gloss::coding::{DocStatus, Progress, Record, SpanCoding};
    use gloss::corpus::Position;
    let study = Study::open(Project::open(root).unwrap()).unwrap();
    let doc = study.corpus.get("transcripts/p1").unwrap();
    let mut writer = Writer::open(&study.project, coder).unwrap();
    let t = "2025-01-01T00:00:00Z".to_string();
    let mut ops = vec![
        Op::Put(Entry::Record(Record {
            doc: doc.id.clone(),
            number: 1,
            values: values
                .iter()
                .map(|(d, v)| (d.to_string(), v.iter().map(|x| x.to_string()).collect()))
                .collect(),
            evidence: Vec::new(),
            memo: None,
            created: t.clone(),
            modified: t.clone(),
        })),
        Op::Put(Entry::Status(DocStatus {
            doc: doc.id.clone(),
            progress: Progress::Done,
            excluded: None,
            modified: t.clone(),
        })),
    ];
    for &(turn, quote, code) in spans {
        let at = doc.turns[turn].text.find(quote).unwrap();
        let (start, end) = (
            Position::new(turn, at),
            Position::new(turn, at + quote.len()),
        );
        ops.push(Op::Put(Entry::Coding(SpanCoding {
            id: writer.next_coding_id(),
            doc: doc.id.clone(),
            start,
            end,
            code: code.into(),
            anchor: AnchorText::new(doc).anchor(start, end).unwrap(),
            memo: None,
            star: false,
            batch: None,
            created: t.clone(),
            modified: t.clone(),
        })));
    }
    writer.apply(ops).unwrap();
}

/// The workbench of `consensus` on the reconciliation of alice and bob.
fn reconciling(root: &std::path::Path) -> App {
    let project = Project::open(root).unwrap();
    let lock = CoderLock::take(&project, "consensus").unwrap();
    let glance = Study::glance(project, "consensus", None).unwrap();
    let background = Background::start(lock, root.to_path_buf(), None);
    let mut app = App::new(
        glance,
        "consensus".into(),
        Keymap::default_keys(),
        background,
    );
    app.finish_loading();
    let opts = gloss::agree::Options {
        coders: vec!["alice".into(), "bob".into()],
        ..Default::default()
    };
    let plan = gloss::agree::reconcile::Reconciliation::plan(
        &app.study,
        &gloss::agree::sample::Rounds::default(),
        &opts,
        "consensus",
    )
    .unwrap();
    app.start_reconcile(plan);
    app
}

/// Keys straight to the app, without the event loop (whose last key is `q`).
fn press(app: &mut App, script: &str) {
    for event in keys(script) {
        if let Event::Key(k) = event {
            app.on_key(k);
        }
    }
}

/// The consensus coder's entries, by key.
fn consensus_entries(root: &std::path::Path) -> std::collections::BTreeMap<String, Entry> {
    read_coder(&root.join("coding"), "consensus")
        .unwrap()
        .values()
        .map(|e| (e.key(), e.clone()))
        .collect()
}

#[test]
fn reconciling_takes_sides_both_and_a_new_value_and_resumes_at_the_first_unsettled() {
    let tmp = project(TRANSCRIPT);
    let root = tmp.path();
    std::fs::write(root.join("codebooks/test.yaml"), RECONCILE_CODEBOOK).unwrap();
    // They agree on perf in turn 2; only alice codes port in turn 4; stage and impact
    // differ in record 1.
    coder_work(
        root,
        "alice",
        &[("stage", &["training"]), ("impact", &["crash"])],
        &[(1, "The loss went", "perf"), (3, "预训练模型", "port")],
    );
    coder_work(
        root,
        "bob",
        &[("stage", &["data"]), ("impact", &["crash", "slow"])],
        &[(1, "The loss went to NaN", "perf")],
    );
    let mut app = reconciling(root);
    let first = screen(&mut app, 120, 40);
    assert!(first.contains("0 / 3 resolved"), "{first}");
    assert!(first.contains("1 of 3"), "{first}");
    assert!(first.contains("Portability of DL operations"), "{first}");
    // Port: alice's side (her coding is copied); stage: skipped; impact: both.
    let shown = run(&mut app, 120, 40, "1 Space b");
    assert!(shown.contains("2 / 3 resolved"), "{shown}");
    assert!(app.unsaved.is_empty() && app.save_error.is_none());
    let saved = consensus_entries(root);
    let record = match saved.get("record transcripts/p1 1") {
        Some(Entry::Record(r)) => r.clone(),
        other => panic!("no consensus record: {other:?} in {saved:#?}"),
    };
    assert_eq!(record.values.get("impact").unwrap(), &["crash", "slow"]);
    assert!(!record.values.contains_key("stage"), "{record:?}");
    let codes: Vec<(String, String)> = saved
        .values()
        .filter_map(|e| match e {
            Entry::Coding(c) => Some((c.code.clone(), c.anchor.quote.clone())),
            _ => None,
        })
        .collect();
    // The agreed coding comes from the first coder (alice), with port.
    assert_eq!(
        codes,
        [
            ("perf".to_string(), "The loss went".to_string()),
            ("port".to_string(), "预训练模型".to_string())
        ]
    );
    assert!(!saved.contains_key("status transcripts/p1"));

    // Reopened: at the one left, stage; a new value, undone, then bob's side.
    let mut app = reconciling(root);
    let again = screen(&mut app, 80, 24);
    assert!(again.contains("2 / 3 resolved"), "{again}");
    assert!(again.contains("DL stage"), "{again}");
    let shown = run(&mut app, 80, 24, "n j j Enter u 2");
    assert!(shown.contains("3 / 3 resolved"), "{shown}");
    let saved = consensus_entries(root);
    match saved.get("record transcripts/p1 1") {
        Some(Entry::Record(r)) => assert_eq!(r.values.get("stage").unwrap(), &["data"]),
        other => panic!("{other:?}"),
    }
    // The document's last disagreement settled: done for the consensus coder.
    assert!(
        matches!(saved.get("status transcripts/p1"), Some(Entry::Status(s)) if s.progress == gloss::coding::Progress::Done),
        "{saved:#?}"
    );
    // A span code takes no new value; the message says what to do.
    let mut app = reconciling(root);
    press(&mut app, "k k n");
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("span code, present or absent"), "{shown}");
}

#[test]
fn blind_mode_shows_only_the_coders_own_codings_and_refuses_search_fields() {
    let tmp = project(TRANSCRIPT);
    let root = tmp.path();
    coder_work(root, "alice", &[], &[(1, "The loss went", "port")]);
    // Without blind mode, alice's coding is in tester's reader.
    let mut app = app_for(root);
    run(&mut app, 120, 40, "");
    assert!(app.placed.iter().any(|p| p.coder == "alice"));
    drop(app);
    let project = Project::open(root).unwrap();
    let lock = CoderLock::take(&project, "tester").unwrap();
    let mut glance = Study::glance(project, "tester", None).unwrap();
    glance.study.codings.keep_only("tester");
    glance.code_counts.clear();
    let background = Background::start(lock, root.to_path_buf(), None);
    let mut app = App::new(glance, "tester".into(), Keymap::default_keys(), background);
    app.blind = true;
    app.finish_loading();
    while matches!(app.index, super::app::IndexState::Building) {
        assert!(
            app.wait_background(Duration::from_secs(60)),
            "index never ready"
        );
    }
    assert!(app.placed.is_empty(), "{:?}", app.placed);
    assert!(app.study.codings.coder("alice").is_none());
    assert_eq!(app.code_counts.get("port"), None);
    // Keys straight to the app: in the search panel, the `q` that ends `run` would
    // type.
    press(&mut app, "s \"code:port\"");
    let shown = screen(&mut app, 120, 40);
    assert!(
        shown.contains("blind mode hides other coders' work: the query field code:"),
        "{shown}"
    );
    assert!(!shown.contains("▌Portability"), "{shown}");
}

#[test]
fn the_reconciliation_screen_never_shows_control_characters_raw() {
    let tmp = project("Interviewer: hi\n\nP1: it broke \x1b]0;title\x07 at \x1b[2J once\n");
    let root = tmp.path();
    std::fs::write(root.join("codebooks/test.yaml"), RECONCILE_CODEBOOK).unwrap();
    coder_work(
        root,
        "alice",
        &[("stage", &["training"])],
        &[(1, "broke \x1b]0;title\x07 at", "perf")],
    );
    coder_work(root, "bob", &[("stage", &["data"])], &[]);
    let mut app = reconciling(root);
    for script in ["", "j"] {
        press(&mut app, script);
        let shown = screen(&mut app, 120, 40);
        assert!(shown.contains("it broke"), "{shown}");
        for c in shown.chars() {
            assert!(!c.is_control() || c == '\n', "{c:?} on screen:\n{shown}");
        }
    }
    app.finish();
}

#[test]
fn a_side_that_did_not_code_is_remembered_when_reconciling_again() {
    let tmp = project(TRANSCRIPT);
    let root = tmp.path();
    std::fs::write(root.join("codebooks/test.yaml"), RECONCILE_CODEBOOK).unwrap();
    let same: &[(&str, &[&str])] = &[("stage", &["training"])];
    coder_work(
        root,
        "alice",
        same,
        &[(1, "The loss went", "perf"), (3, "预训练模型", "port")],
    );
    coder_work(root, "bob", same, &[]);
    // Bob's side on the first (nothing is written for it); the second left open.
    let mut app = reconciling(root);
    let shown = run(&mut app, 120, 40, "2");
    assert!(shown.contains("1 / 2 resolved"), "{shown}");
    assert!(
        !consensus_entries(root)
            .values()
            .any(|e| matches!(e, Entry::Coding(_)))
    );
    let mut app = reconciling(root);
    let again = screen(&mut app, 120, 40);
    assert!(again.contains("1 / 2 resolved"), "{again}");
    assert!(again.contains("2 of 2"), "{again}");
    app.finish();
    // Decided again (alice's side: her coding) and undone: open again.
    let mut app = reconciling(root);
    press(&mut app, "k 1");
    assert!(screen(&mut app, 120, 40).contains("1 / 2 resolved"));
    press(&mut app, "u");
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("0 / 2 resolved"), "{shown}");
    app.finish();
    let mut app = reconciling(root);
    assert!(screen(&mut app, 120, 40).contains("0 / 2 resolved"));
    app.finish();
}
