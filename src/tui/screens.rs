//! Snapshot tests of every view (insta): the screen drawn into a test backend at 120×40
//! and 80×24 — its text, the styled runs that carry meaning (coded spans, selection,
//! margin labels, focus) and the terminal cursor — over a fixture project written here
//! with fixed timestamps, so nothing on screen varies between runs or machines. At
//! 20×5 every view is the same "terminal too small" notice, held to one snapshot.
//!
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`, then
//! read the diff); under `CI=true` a missing or different snapshot fails.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use gloss::coding::anchor::AnchorText;
use gloss::coding::store::{CoderLock, Op, Writer};
use gloss::coding::{DocStatus, Entry, Evidence, Memo, MemoTarget, Progress, Record, SpanCoding};
use gloss::corpus::Position;
use gloss::project::Project;
use gloss::study::Study;

use super::app::{App, IndexState};
use super::background::Background;
use super::keymap::Keymap;
use super::tests::{keys, text_of};
use super::theme::Theme;

const THEME: Theme = Theme {
    color: true,
    truecolor: false,
};

/// A fixed time for every entry written by the fixture.
const TIME: &str = "2025-03-01T10:00:00Z";

const CODEBOOK: &str = r##"codes:
  - id: reengineering
    name: Reengineering defect?
    select: one
    description: Whether the issue reports a defect met while reusing or adapting a published model.
    children:
      - id: re-yes
        name: "Yes"
        description: The issue describes a defect that arose in reengineering work.
      - id: re-no
        name: "No"
        description: Not a reengineering defect (a feature request, a usage question).
  - id: symptom
    name: Symptom
    select: many
    description: What the reporter saw go wrong.
    children:
      - id: sym-crash
        name: Crash
        description: The program stops with an error.
      - id: sym-accuracy
        name: Lower accuracy
        description: The model runs, but its accuracy is below the published number.
  - id: challenges
    name: Challenges
    description: What made reengineering hard.
    children:
      - id: perf
        name: Performance debugging
        key: f
        color: "#e06c75"
        description: Finding why a reimplemented model trains or runs worse than the original.
        include: Comparing layer outputs, loss curves or accuracy against the original.
        exclude: Speed problems with no accuracy difference.
        example: The loss went to NaN after two epochs, so we compared layer outputs.
      - id: port
        name: Portability of DL operations
        key: p
        color: "#61afef"
        description: Operations that behave differently across frameworks.
      - id: legacy
        name: Legacy environment
        retired: true
  - id: practices
    name: Practices
    children:
      - id: pairing
        name: Pair debugging
        key: d
"##;

const LEADER: &str = "Interviewer:
Thanks for making time for this. (An invented interview for the gloss tests.) Could you tell me about your role on the team?

Leader 1:
I lead the reengineering team in our lab. We take published detection models and re-implement them in one PyTorch code base, with the same training recipe and the same evaluation.

Interviewer:
What was the hardest part?

Leader 1:
The loss went to NaN after two epochs, so we compared layer outputs one by one against the TensorFlow checkpoint. It took three weeks to find that the padding was different: TensorFlow pads \"SAME\" asymmetrically and PyTorch does not.

Interviewer:
And how did you find it in the end?

Leader 1:
Pair debugging, mostly. Two of us at one screen, one reading the reference code aloud.
";

const PRACTITIONER: &str = "Interviewer:
你们团队怎么复现论文的？

P2:
我们用预训练模型 and compared the outputs 🔬 layer by layer; the café's Wi-Fi was slow.
";

const ISSUES: &str = r#"{"id":"issues/visionlab/detectkit#412","kind":"issue","title":"UnpicklingError when loading the FCOS checkpoint with PyTorch 2.6","attributes":{"number":"412","repo":"visionlab/detectkit","state":"closed"},"turns":[{"speaker":"tomasz-kw","time":"2025-02-03T09:14:27Z","text":"Loading the released fcos_r50 checkpoint crashes with _pickle.UnpicklingError: Weights only load failed. Same command works with torch 2.4."},{"speaker":"mgarcia-dev","time":"2025-02-03T11:02:10Z","text":"PyTorch 2.6 changed the default of weights_only to True. Pass weights_only=False for checkpoints you trust; we will re-save ours."}]}
{"id":"issues/visionlab/detectkit#415","kind":"issue","title":"Feature request: export to ONNX","attributes":{"number":"415","repo":"visionlab/detectkit","state":"open"},"turns":[{"speaker":"lin-q","time":"2025-02-10T08:00:00Z","text":"It would be great to export detectors to ONNX."}]}
"#;

const SURVEY: &str = r#"{"id":"surveys/exit-2024/R1","kind":"survey","title":"R1","attributes":{"role":"PhD student"},"turns":[{"speaker":"hardest_part","text":"Getting the last 1-2 AP. Everything runs, the loss looks fine, and the number is still below the paper."}]}
"#;

/// Where a quote is: its turn in the document and its byte range there.
fn find(study: &Study, doc: &str, turn: usize, quote: &str) -> (Position, Position) {
    let d = study.corpus.position(doc).expect(doc);
    let text = &study.corpus.docs[d].turns[turn].text;
    let at = text
        .find(quote)
        .unwrap_or_else(|| panic!("{quote:?} in {doc}"));
    (
        Position::new(turn, at),
        Position::new(turn, at + quote.len()),
    )
}

/// A span coding to write: the quote in a turn of a document, and its code.
struct Coded<'a> {
    doc: &'a str,
    turn: usize,
    quote: &'a str,
    code: &'a str,
    memo: Option<&'a str>,
    star: bool,
}

fn coded<'a>(doc: &'a str, turn: usize, quote: &'a str, code: &'a str) -> Coded<'a> {
    Coded {
        doc,
        turn,
        quote,
        code,
        memo: None,
        star: false,
    }
}

/// Writes a coder's entries: span codings, then whatever else is given.
fn write_entries(root: &Path, coder: &str, spans: &[Coded], other: Vec<Entry>) {
    let study = Study::open(Project::open(root).unwrap()).unwrap();
    let mut writer = Writer::open(&study.project, coder).unwrap();
    let mut ops = Vec::new();
    for &Coded {
        doc,
        turn,
        quote,
        code,
        memo,
        star,
    } in spans
    {
        let (start, end) = find(&study, doc, turn, quote);
        let d = study.corpus.position(doc).unwrap();
        let anchor = AnchorText::new(&study.corpus.docs[d])
            .anchor(start, end)
            .unwrap();
        ops.push(Op::Put(Entry::Coding(SpanCoding {
            id: writer.next_coding_id(),
            doc: doc.to_string(),
            start,
            end,
            code: code.to_string(),
            anchor,
            memo: memo.map(str::to_string),
            star,
            batch: None,
            created: TIME.into(),
            modified: TIME.into(),
        })));
    }
    ops.extend(other.into_iter().map(Op::Put));
    writer.apply(ops).unwrap();
}

fn status(doc: &str, progress: Progress, excluded: Option<&str>) -> Entry {
    Entry::Status(DocStatus {
        doc: doc.into(),
        progress,
        excluded: excluded.map(str::to_string),
        modified: TIME.into(),
    })
}

const LEADER_ID: &str = "transcripts/leader1";
const ISSUE_ID: &str = "issues/visionlab/detectkit#412";

/// The fixture project: two interviews (one in Chinese and English, with an emoji),
/// two issues and a survey answer; codings by `bob` and by `tester` (overlapping, one
/// starred with a memo), statuses, two records with evidence on an issue.
fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    Project::init(root, "Snapshot study").unwrap();
    let config = std::fs::read_to_string(root.join("gloss.yaml")).unwrap();
    let config = config.replacen("participants: {}", "participants:\n  Leader 1: L1", 1);
    std::fs::write(root.join("gloss.yaml"), config).unwrap();
    std::fs::write(root.join("codebooks/study.yaml"), CODEBOOK).unwrap();
    std::fs::write(root.join("transcripts/leader1.txt"), LEADER).unwrap();
    std::fs::write(root.join("transcripts/practitioner2.txt"), PRACTITIONER).unwrap();
    std::fs::create_dir_all(root.join("issues/visionlab")).unwrap();
    std::fs::write(root.join("issues/visionlab/detectkit.jsonl"), ISSUES).unwrap();
    std::fs::write(root.join("surveys/exit-2024.jsonl"), SURVEY).unwrap();

    write_entries(
        root,
        "bob",
        &[
            coded(LEADER_ID, 3, "we compared layer outputs one by one", "port"),
            coded(LEADER_ID, 5, "Two of us at one screen", "pairing"),
        ],
        vec![status(LEADER_ID, Progress::Done, None)],
    );
    let study = Study::open(Project::open(root).unwrap()).unwrap();
    let (start, end) = find(&study, ISSUE_ID, 0, "_pickle.UnpicklingError");
    let issue = &study.corpus.docs[study.corpus.position(ISSUE_ID).unwrap()];
    let evidence = Evidence {
        start,
        end,
        anchor: AnchorText::new(issue).anchor(start, end).unwrap(),
    };
    let record = |number: u32, values: &[(&str, &[&str])], evidence: Vec<Evidence>| {
        Entry::Record(Record {
            doc: ISSUE_ID.into(),
            number,
            values: values
                .iter()
                .map(|(d, v)| (d.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            evidence,
            memo: None,
            created: TIME.into(),
            modified: TIME.into(),
        })
    };
    write_entries(
        root,
        "tester",
        &[
            Coded {
                memo: Some("Classic symptom.\n先看 loss 曲线, then compare layer outputs 🔬."),
                star: true,
                ..coded(
                    LEADER_ID,
                    3,
                    "The loss went to NaN after two epochs, so we compared layer outputs",
                    "perf",
                )
            },
            coded(
                LEADER_ID,
                3,
                "TensorFlow pads \"SAME\" asymmetrically and PyTorch does not",
                "port",
            ),
            coded(LEADER_ID, 5, "Pair debugging, mostly", "pairing"),
            coded("transcripts/practitioner2", 1, "预训练模型", "port"),
        ],
        vec![
            status(LEADER_ID, Progress::InProgress, None),
            status(ISSUE_ID, Progress::Done, None),
            status(
                "issues/visionlab/detectkit#415",
                Progress::Done,
                Some("not a reengineering defect"),
            ),
            record(
                1,
                &[("reengineering", &["re-yes"]), ("symptom", &["sym-crash"])],
                vec![evidence],
            ),
            record(2, &[("symptom", &["sym-accuracy"])], Vec::new()),
            Entry::Memo(Memo {
                about: MemoTarget::Document(LEADER_ID.into()),
                text: "Ask about the sponsor.".into(),
                modified: TIME.into(),
            }),
        ],
    );
    tmp
}

/// The workbench for `tester` on a fresh fixture, drawn at one size after every key
/// as the event loop does (so scrolling is what a person would see), with the search
/// index ready (so the status line does not depend on how fast it was built).
struct Screen {
    app: App,
    width: u16,
    height: u16,
    /// Dropped after the app, whose threads write into it until they end.
    _project: tempfile::TempDir,
}

impl Screen {
    fn new(width: u16, height: u16) -> Screen {
        Screen::open(fixture(), "tester", width, height, |_| {})
    }

    /// The workbench of `coder` on a project, with `setup` done once the whole study
    /// is read, drawn at one size once the index is ready.
    fn open(
        project: tempfile::TempDir,
        coder: &str,
        width: u16,
        height: u16,
        setup: impl FnOnce(&mut App),
    ) -> Screen {
        let root = project.path();
        let opened = Project::open(root).unwrap();
        let lock = CoderLock::take(&opened, coder).unwrap();
        let glance = Study::glance(opened, coder, None).unwrap();
        let background = Background::start(lock, root.to_path_buf(), None);
        let mut app = App::new(glance, coder.into(), Keymap::default_keys(), background);
        app.finish_loading();
        setup(&mut app);
        while matches!(app.index, IndexState::Building) {
            assert!(
                app.wait_background(Duration::from_secs(60)),
                "the index was never ready"
            );
        }
        assert!(
            matches!(app.index, IndexState::Ready(_)),
            "the index failed to open"
        );
        let mut screen = Screen {
            app,
            width,
            height,
            _project: project,
        };
        screen.render();
        screen
    }

    /// Presses keys (the script language of `tests.rs`), drawing after each.
    fn press(&mut self, script: &str) {
        for event in keys(script) {
            if let Event::Key(k) = event {
                self.app.on_key(k);
                self.render();
            }
        }
    }

    fn render(&mut self) -> String {
        render(&mut self.app, self.width, self.height)
    }
}

/// Opens leader1 (the workbench opens the first document, an issue).
const OPEN_LEADER: &str = ": \"doc\" Space \"transcripts/leader1\" Enter";

/// A style's meaningful parts: colours and modifiers.
fn describe(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut parts = Vec::new();
    if fg != Color::Reset {
        parts.push(format!("fg:{fg:?}"));
    }
    if bg != Color::Reset {
        parts.push(format!("bg:{bg:?}"));
    }
    parts.extend(modifier.iter_names().map(|(name, _)| name.to_lowercase()));
    parts.join(" ")
}

/// The screen at `width`×`height`: its text, then per row the runs of styled cells
/// (`x-x style`; panel borders left out, whose only style is dim when unfocused), then
/// where the terminal's cursor is, if it is shown.
fn render(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| super::views::draw(f, app, &THEME))
        .unwrap();
    let backend = terminal.backend();
    let buffer = backend.buffer();
    let mut out = text_of(buffer);
    out.push_str("--- styles (row: first-last column style)\n");
    for y in 0..height {
        let mut runs: Vec<(u16, u16, String)> = Vec::new();
        for x in 0..width {
            let cell = &buffer[(x, y)];
            let border = cell
                .symbol()
                .chars()
                .all(|c| ('\u{2500}'..='\u{257f}').contains(&c));
            let style = if border {
                String::new()
            } else {
                describe(cell.fg, cell.bg, cell.modifier)
            };
            match runs.last_mut() {
                Some((_, last, s)) if *s == style && *last + 1 == x => *last = x,
                _ if style.is_empty() => {}
                _ => runs.push((x, x, style)),
            }
        }
        if !runs.is_empty() {
            let runs: Vec<String> = runs
                .iter()
                .map(|(a, b, s)| format!("{a}-{b} {s}"))
                .collect();
            let _ = writeln!(out, "{y:>2}: {}", runs.join(", "));
        }
    }
    if backend.cursor_visible() {
        let p = backend.cursor_position();
        let _ = writeln!(out, "--- cursor at column {}, row {}", p.x, p.y);
    }
    out
}

/// Snapshots the view that `setup` opens, at 120×40 and at 80×24 (each from the start
/// on a fresh fixture), and checks that at 20×5 it is the notice.
fn check(name: &str, setup: impl Fn(&mut Screen)) {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut screen = Screen::new(width, height);
        setup(&mut screen);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen.render());
        insta::assert_snapshot!("too_small_20x5", render(&mut screen.app, 20, 5));
    }
}

#[test]
fn document_list() {
    // Tab twice: reader → codebook → documents; down to the survey answer.
    check("documents", |s| s.press("Tab Tab j j"));
}

#[test]
fn reader_with_codings_and_a_selection() {
    // Turn 4 of leader1 (codings by tester and bob, overlapping), then a selection from
    // "It took" over three words.
    check("reader", |s| {
        s.press(OPEN_LEADER);
        s.press("} } } ) v w w e");
    });
}

#[test]
fn code_picker() {
    check("picker", |s| {
        s.press(OPEN_LEADER);
        // Down to the second match, whose definition has every part.
        s.press("} } } ) v w w e a \"debug\" Down");
    });
}

#[test]
fn search_panel_with_results() {
    check("search", |s| s.press("s \"layer\" Space \"outputs\" Down"));
}

#[test]
fn memo_editor_with_the_cursor_on_a_wide_character() {
    // The starred coding at the start of turn 4 has a two-line memo; Home goes to the
    // start of its second line, C-Right to the next word: 看 (column 2).
    check("memo", |s| {
        s.press(OPEN_LEADER);
        s.press("} } } m Home C-Right");
    });
}

#[test]
fn instrument_form_on_an_issue() {
    // The issue's first record: two values chosen, one piece of evidence; the
    // highlight moved to a value with a definition.
    check("form", |s| s.press("R j j"));
}

#[test]
fn excerpts_of_a_code_and_its_subcodes() {
    check("excerpts", |s| {
        s.press("Tab");
        s.app.codebook_selected = s.app.study.codebook.index("challenges").unwrap();
        s.press("Enter j");
    });
}

#[test]
fn help() {
    check("help", |s| s.press("?"));
}

#[test]
fn confirm_prompt() {
    check("confirm", |s| {
        s.press("Tab");
        s.app.codebook_selected = s.app.study.codebook.index("perf").unwrap();
        s.press(": \"retire\" Enter");
    });
}

/// The reconciliation screen of tester and bob as `consensus`: the fixture with bob's
/// record on the issue (record 1 differs on Reengineering defect?, tester's record 2
/// has no partner) and leader1 marked done by both (tester's starred coding of
/// Performance debugging, with its memo, is tester's alone).
fn reconciling(width: u16, height: u16) -> Screen {
    let project = fixture();
    let root = project.path();
    let study = Study::open(Project::open(root).unwrap()).unwrap();
    let (start, end) = find(&study, ISSUE_ID, 1, "weights_only to True");
    let issue = &study.corpus.docs[study.corpus.position(ISSUE_ID).unwrap()];
    let evidence = Evidence {
        start,
        end,
        anchor: AnchorText::new(issue).anchor(start, end).unwrap(),
    };
    write_entries(
        root,
        "bob",
        &[],
        vec![
            Entry::Record(Record {
                doc: ISSUE_ID.into(),
                number: 1,
                values: [
                    ("reengineering".to_string(), vec!["re-no".to_string()]),
                    ("symptom".to_string(), vec!["sym-crash".to_string()]),
                ]
                .into_iter()
                .collect(),
                evidence: vec![evidence],
                memo: Some("A changed default in PyTorch, not a port.".into()),
                created: TIME.into(),
                modified: TIME.into(),
            }),
            status(ISSUE_ID, Progress::Done, None),
        ],
    );
    write_entries(
        root,
        "tester",
        &[],
        vec![status(LEADER_ID, Progress::Done, None)],
    );
    Screen::open(project, "consensus", width, height, |app| {
        let study = &app.study;
        let opts = gloss::agree::Options {
            coders: vec!["tester".into(), "bob".into()],
            ..Default::default()
        };
        let plan = gloss::agree::reconcile::Reconciliation::plan(
            study,
            &gloss::agree::sample::Rounds::default(),
            &opts,
            "consensus",
        )
        .unwrap();
        assert_eq!(plan.items.len(), 3, "{:#?}", plan.items);
        app.start_reconcile(plan);
    })
}

/// Snapshots a view of the reconciliation screen at both sizes.
fn check_reconcile(name: &str, script: &str) {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut screen = reconciling(width, height);
        screen.press(script);
        // Saved, so the status line says so whatever the saver's speed.
        while !screen.app.unsaved.is_empty() {
            assert!(screen.app.wait_background(Duration::from_secs(60)));
        }
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen.render());
    }
}

#[test]
fn reconciliation_of_a_record() {
    check_reconcile("reconcile_record", "");
}

#[test]
fn reconciliation_of_a_span_code_with_a_memo() {
    // The first decided (tester's side), the second skipped: the span code.
    check_reconcile("reconcile_span", "1 Space");
}

#[test]
fn reconciliation_new_value_chooser() {
    check_reconcile("reconcile_chooser", "n j");
}

#[test]
fn terminal_too_small() {
    let mut screen = Screen::new(20, 5);
    insta::assert_snapshot!("too_small_20x5", screen.render());
    // One column or one row short of the minimum.
    insta::assert_snapshot!("too_small_39x10", render(&mut screen.app, 39, 10));
    insta::assert_snapshot!("too_small_40x9", render(&mut screen.app, 40, 9));
}

#[test]
fn every_view_draws_at_every_size_without_panicking() {
    let views: [&dyn Fn(&mut Screen); 8] = [
        &|s| s.press("Tab Tab"),
        &|s| s.press("} ) v w a"),
        &|s| s.press("s \"loss\""),
        &|s| s.press(": \"doc\" Space \"transcripts/leader1\" Enter } } } m"),
        &|s| s.press("R"),
        &|s| s.press("Tab Enter"),
        &|s| s.press("?"),
        &|s| s.press("Tab : \"retire\" Enter"),
    ];
    for setup in views {
        let mut screen = Screen::new(120, 40);
        setup(&mut screen);
        for width in (0..=130).step_by(9) {
            for height in (0..=45).step_by(5) {
                render(&mut screen.app, width, height);
            }
        }
    }
}
