//! The workbench benchmark (printed figures, not a timed test): a generated project of
//! 10,000 documents, 200,000 turns and 50,000 codings with its index built; time to the
//! first frame, key-to-frame latency for moving, selecting, coding and opening search,
//! and peak memory. Run it with
//! `cargo test --release --bin gloss bench_workbench -- --ignored --nocapture`.
//! The project is generated (and its index built) by a child process running
//! [`generate_bench_project`], so the peak memory measured is the workbench's own.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use gloss::coding::anchor::AnchorText;
use gloss::coding::store::{CoderLock, Op, Writer};
use gloss::coding::{Entry, SpanCoding};
use gloss::corpus::{DocKind, Document, Position, Turn, docfile};
use gloss::project::Project;
use gloss::search::SearchIndex;
use gloss::study::Study;

use super::app::{App, IndexState};
use super::background::Background;
use super::keymap::Keymap;
use super::theme::Theme;

const DOCS: usize = 10_000;
const TURNS_PER_DOC: usize = 20;
const CODINGS: usize = 50_000;
const WORDS: &[&str] = &[
    "model",
    "training",
    "loss",
    "the",
    "weights",
    "pretrained",
    "we",
    "ported",
    "layer",
    "accuracy",
    "dataset",
    "GPU",
    "memory",
    "and",
    "then",
    "reproduce",
    "paper",
    "results",
    "batch",
    "size",
    "checkpoint",
    "PyTorch",
    "TensorFlow",
    "converged",
    "slowly",
    "because",
    "of",
    "a",
    "bug",
    "in",
    "preprocessing",
    "it",
    "was",
    "fine",
    "after",
    "fixing",
];

/// A deterministic word stream.
struct Words(u64);

impl Words {
    fn sentence(&mut self, words: usize) -> String {
        let mut out = String::new();
        for i in 0..words {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[(self.0 >> 33) as usize % WORDS.len()]);
        }
        out.push('.');
        out
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn p99(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get((v.len() * 99 / 100).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

fn memory_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// The environment variable that tells [`generate_bench_project`] where to generate.
const GENERATE_INTO: &str = "GLOSS_BENCH_GENERATE";

/// Generates the benchmark's project (documents, codings, the built index) into the
/// folder named by `GLOSS_BENCH_GENERATE`; does nothing without it. The benchmark runs
/// this as a child process, so that its allocations (the generated documents, the
/// index build) are not counted in the workbench's peak memory.
#[test]
#[ignore = "the benchmark's generator, run by bench_workbench in a child process"]
fn generate_bench_project() {
    let Some(root) = std::env::var_os(GENERATE_INTO) else {
        return;
    };
    generate(std::path::Path::new(&root));
    println!(
        "  generating: peak memory {:.0} MB (a separate process)",
        memory_mb("VmHWM:")
    );
}

fn generate(root: &std::path::Path) {
    Project::init(root, "bench").unwrap();
    std::fs::write(
        root.join("codebooks/bench.yaml"),
        "codes:\n  - id: challenge\n    name: Challenge\n    key: f\n  - id: practice\n    name: Practice\n",
    )
    .unwrap();
    let t = Instant::now();
    let mut words = Words(7);
    let mut docs: Vec<Document> = (0..DOCS)
        .map(|i| Document {
            id: format!("issues/bench/repo{}#{}", i % 50, i),
            kind: DocKind::Issue,
            title: words.sentence(6),
            attributes: Default::default(),
            turns: (0..TURNS_PER_DOC)
                .map(|k| Turn {
                    speaker: format!("user{}", k % 7),
                    time: None,
                    text: format!(
                        "{} {} {}",
                        words.sentence(12),
                        words.sentence(15),
                        words.sentence(10)
                    ),
                })
                .collect(),
        })
        .collect();
    std::fs::create_dir_all(root.join("issues/bench")).unwrap();
    docfile::write(&root.join("issues/bench/all.jsonl"), &mut docs).unwrap();
    let project = Project::open(root).unwrap();
    let mut writer = Writer::open(&project, "bench").unwrap();
    let mut ops = Vec::with_capacity(CODINGS);
    for n in 0..CODINGS {
        let doc = &docs[(n * 7919) % DOCS];
        let turn = n % TURNS_PER_DOC;
        let (start, end) = (Position::new(turn, 0), Position::new(turn, 20));
        let anchor = AnchorText::new(doc).anchor(start, end).unwrap();
        ops.push(Op::Put(Entry::Coding(SpanCoding {
            id: writer.next_coding_id(),
            doc: doc.id.clone(),
            start,
            end,
            code: if n % 2 == 0 { "challenge" } else { "practice" }.into(),
            anchor,
            memo: None,
            star: false,
            batch: None,
            created: "2026-01-01T00:00:00Z".into(),
            modified: "2026-01-01T00:00:00Z".into(),
        })));
    }
    writer.apply(ops).unwrap();
    writer.compact().unwrap();
    drop(writer);
    let text: usize = docs
        .iter()
        .flat_map(|d| &d.turns)
        .map(|t| t.text.len())
        .sum();
    drop(docs);
    println!(
        "workbench bench: {DOCS} documents, {} turns, {:.1} MB of text, {CODINGS} codings; generated in {:.1} s",
        DOCS * TURNS_PER_DOC,
        text as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    {
        let t = Instant::now();
        let study = Study::open(Project::open(root).unwrap()).unwrap();
        let mut index = SearchIndex::open(&study.project.derived_dir()).unwrap();
        let stamp = gloss::search::project_stamp(&study.project).unwrap();
        index.sync_stamped(&study, stamp).unwrap();
        println!("  index built in {:.1} s", t.elapsed().as_secs_f64());
    }
}

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture in a release build"]
fn bench_workbench() {
    // GLOSS_BENCH_PROJECT=DIR keeps the generated project in DIR and reuses it on the
    // next run (for profiling); by default it is generated afresh in a temporary folder.
    let tmp = tempfile::tempdir().unwrap();
    let root = match std::env::var_os("GLOSS_BENCH_PROJECT") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => tmp.path().to_path_buf(),
    };
    if root.join("coding/bench.jsonl").exists() {
        println!(
            "workbench bench: reusing {} (it grows by the codings of each run)",
            root.display()
        );
    } else {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "tui::bench::generate_bench_project",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(GENERATE_INTO, &root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "generating the project failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The generator's own lines, without the test harness's.
        for line in stdout.lines() {
            if let Some(at) = line.find("workbench bench") {
                println!("{}", &line[at..]);
            } else if line.starts_with("  ") {
                println!("{line}");
            }
        }
    }
    let root = root.as_path();
    let theme = Theme {
        color: true,
        truecolor: false,
    };

    // Time to the first frame: take the lock, take a first look at the study (every
    // document's title, the open one whole, the counts the list and the codebook show),
    // start the threads (the loader reads the whole study meanwhile), draw.
    let t = Instant::now();
    let project = Project::open(root).unwrap();
    let lock = CoderLock::take(&project, "bench").unwrap();
    let glance = Study::glance(project, "bench", None).unwrap();
    let looked = t.elapsed();
    let background = Background::start(lock, root.to_path_buf(), None);
    let mut app = App::new(glance, "bench".into(), Keymap::default_keys(), background);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|f| super::views::draw(f, &mut app, &theme))
        .unwrap();
    let first = t.elapsed();
    let shown = format!("{:?}", terminal.backend().buffer());
    assert!(
        shown.contains("repo0#0") && shown.contains("documents 10000"),
        "the first frame shows the open document and the list"
    );
    println!(
        "  time to first frame: {:.0} ms (of which the first look at the study {:.0} ms) [target < 150 ms] {}",
        first.as_secs_f64() * 1e3,
        looked.as_secs_f64() * 1e3,
        if first < Duration::from_millis(150) {
            "ok"
        } else {
            "MISSED"
        }
    );
    // Keys wait for the whole study; it is read while the first frame is on screen.
    app.finish_loading();
    println!(
        "  the whole study read (keys answered from then on) after {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    while matches!(app.index, IndexState::Building) {
        assert!(app.wait_background(Duration::from_secs(120)));
    }

    // Key to finished frame.
    let mut frame = |app: &mut App, keys: &[KeyEvent]| -> f64 {
        let t = Instant::now();
        for k in keys {
            app.on_key(*k);
        }
        terminal
            .draw(|f| super::views::draw(f, app, &theme))
            .unwrap();
        t.elapsed().as_secs_f64() * 1e3
    };
    let report = |name: &str, v: &mut Vec<f64>| {
        let (m, p) = (median(v), p99(v));
        println!(
            "  {name:<28} median {m:.2} ms, p99 {p:.2} ms [targets < 5 / < 16 ms] {}",
            if m < 5.0 && p < 16.0 { "ok" } else { "MISSED" }
        );
    };
    let mut moving = Vec::new();
    for i in 0..400 {
        let k = if (i / 100) % 2 == 0 { 'j' } else { 'w' };
        moving.push(frame(&mut app, &[key(k)]));
    }
    report("move (j, w)", &mut moving);
    let mut selecting = Vec::new();
    for _ in 0..100 {
        selecting.push(frame(&mut app, &[key('v')]));
        for _ in 0..3 {
            selecting.push(frame(&mut app, &[key('w')]));
        }
        frame(&mut app, &[KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)]);
    }
    report("select (v, w)", &mut selecting);
    let mut coding = Vec::new();
    for _ in 0..100 {
        frame(&mut app, &[key('j'), key('v'), key('w')]);
        // c then the code's key: the frame after the second key holds the coding.
        frame(&mut app, &[key('c')]);
        coding.push(frame(&mut app, &[key('f')]));
        // A coder codes every few seconds, not every millisecond: let the saver and the
        // indexer finish before the next one, so their work (on the other core) is not
        // measured as the input thread's.
        while !app.unsaved.is_empty() {
            assert!(app.wait_background(Duration::from_secs(10)));
        }
        while app.wait_background(Duration::from_millis(200)) {}
    }
    report("code (c f; saved in the background)", &mut coding);
    let mut search = Vec::new();
    for _ in 0..100 {
        search.push(frame(&mut app, &[key('s')]));
        frame(&mut app, &[KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)]);
    }
    report("open the search panel", &mut search);
    let mut typing = Vec::new();
    frame(&mut app, &[key('s')]);
    for c in "pretrained weights".chars() {
        typing.push(frame(&mut app, &[key(c)]));
    }
    frame(&mut app, &[KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)]);
    report("search as you type", &mut typing);
    app.finish();
    // This process did nothing but run the workbench (the project was generated in a
    // child process), so its peak is the workbench's.
    let peak = memory_mb("VmHWM:");
    println!(
        "  memory: peak of the workbench process {peak:.0} MB, resident at the end {:.0} MB ({:.0} MB of it mapped files: the index) [target < 300 MB] {}",
        memory_mb("VmRSS:"),
        memory_mb("RssFile:"),
        if peak < 300.0 { "ok" } else { "MISSED" }
    );
}
