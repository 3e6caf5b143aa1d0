//! REFI-QDA benchmark (printed figures, not a timed test): a generated project of
//! 10,000 documents and 50,000 span codings (plus 1,000 records) exported as a `.qdpx`
//! and imported into an empty project — the library calls and the whole `gloss export
//! qdpx` / `gloss import qdpx` processes (target < 2 s each, release build).
//! Run with `cargo bench --bench qdpx` (after `cargo build --release` for the process
//! figures).

mod shared;
use shared::{R, median, s};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gloss::coding::anchor::AnchorText;
use gloss::coding::store::{Op, Writer};
use gloss::coding::{Entry, Record, SpanCoding};
use gloss::corpus::{DocKind, Document, Position, Turn, docfile};
use gloss::interop::{ImportOptions, import_qdpx, project_qdpx};
use gloss::project::Project;
use gloss::study::Study;

const DOCS: usize = 10_000;
const CODINGS: usize = 50_000;
const RECORDS: usize = 1_000;
const TURNS: usize = 6;
const RUNS: usize = 3;

const WORDS: &[&str] = &[
    "the",
    "model",
    "training",
    "loss",
    "diverged",
    "after",
    "we",
    "ported",
    "weights",
    "from",
    "TensorFlow",
    "and",
    "accuracy",
    "dropped",
    "two",
    "points",
    "café",
    "naïve",
    "—",
    "🙃",
    "batch",
    "norm",
    "layer",
    "was",
    "frozen",
    "GPU",
    "memory",
    "ran",
    "out",
    "again",
];

/// A sentence of `n` words chosen by `seed`.
fn sentence(seed: usize, n: usize) -> String {
    (0..n)
        .map(|k| WORDS[(seed * 31 + k * 7 + k * k) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate(root: &Path) -> R<()> {
    Project::init(root, "qdpx-bench").map_err(s)?;
    std::fs::write(
        root.join("codebooks/bench.yaml"),
        "codes:\n  - id: challenges\n    name: Challenges\n    color: \"#d19a66\"\n    description: What gets in the way.\n    children:\n      - id: performance\n        name: Performance debugging\n      - id: portability\n        name: Portability of DL operations\n  - id: practices\n    name: Practices\n  - id: stage\n    name: DL stage\n    select: one\n    children:\n      - id: stage-training\n        name: Training\n      - id: stage-inference\n        name: Inference\n",
    )
    .map_err(s)?;
    let mut docs: Vec<Document> = (0..DOCS)
        .map(|i| Document {
            id: format!("issues/bench/repo{}#{}", i % 20, i),
            kind: DocKind::Issue,
            title: format!("Issue {i}"),
            attributes: [(
                "repo".to_string(),
                gloss::corpus::AttrValue::One(format!("bench/repo{}", i % 20)),
            )]
            .into_iter()
            .collect(),
            turns: (0..TURNS)
                .map(|k| Turn {
                    speaker: format!("user{}", (i + k) % 17),
                    time: None,
                    text: sentence(i * TURNS + k, 20 + (i + k) % 25),
                })
                .collect(),
        })
        .collect();
    std::fs::create_dir_all(root.join("issues/bench")).map_err(s)?;
    docfile::write(&root.join("issues/bench/all.jsonl"), &mut docs).map_err(s)?;
    let project = Project::open(root).map_err(s)?;
    let codes = ["performance", "portability", "practices", "challenges"];
    for (coder, share) in [("alice", 0), ("bob", 1)] {
        let mut writer = Writer::open(&project, coder).map_err(s)?;
        let mut ops = Vec::new();
        for n in (share..CODINGS).step_by(2) {
            let doc = &docs[n % DOCS];
            let turn = (n / DOCS) % TURNS;
            let text = &doc.turns[turn].text;
            // A few words from the middle of the turn.
            let from = text.find(' ').map_or(0, |i| i + 1);
            let to = text[from..]
                .match_indices(' ')
                .nth(3)
                .map_or(text.len(), |(i, _)| from + i);
            let (start, end) = (Position::new(turn, from), Position::new(turn, to));
            let anchor = AnchorText::new(doc)
                .anchor(start, end)
                .ok_or("cannot anchor")?;
            ops.push(Op::Put(Entry::Coding(SpanCoding {
                id: writer.next_coding_id(),
                doc: doc.id.clone(),
                start,
                end,
                code: codes[n % codes.len()].into(),
                anchor,
                memo: (n % 50 == 0).then(|| format!("memo {n}")),
                star: n % 97 == 0,
                batch: None,
                created: "2026-01-01T00:00:00Z".into(),
                modified: "2026-01-01T00:00:00Z".into(),
            })));
        }
        for n in (share..RECORDS).step_by(2) {
            ops.push(Op::Put(Entry::Record(Record {
                doc: docs[n * 7 % DOCS].id.clone(),
                number: 1,
                values: BTreeMap::from([(
                    "stage".to_string(),
                    vec![
                        if n % 2 == 0 {
                            "stage-training"
                        } else {
                            "stage-inference"
                        }
                        .to_string(),
                    ],
                )]),
                evidence: Vec::new(),
                memo: None,
                created: "2026-01-01T00:00:00Z".into(),
                modified: "2026-01-01T00:00:00Z".into(),
            })));
        }
        writer.apply(ops).map_err(s)?;
        writer.compact().map_err(s)?;
    }
    Ok(())
}

fn process(bin: &Path, dir: &Path, args: &[&str]) -> R<f64> {
    let t = Instant::now();
    let out = Command::new(bin)
        .current_dir(dir)
        .env("GLOSS_CODER", "bench")
        .args(args)
        .output()
        .map_err(s)?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(t.elapsed().as_secs_f64())
}

fn verdict(secs: f64) -> String {
    format!(
        "{:.0} ms {}",
        secs * 1e3,
        if secs < 2.0 { "ok" } else { "MISSED" }
    )
}

fn run() -> R<()> {
    let tmp = tempfile::tempdir().map_err(s)?;
    let root = tmp.path().join("source");
    let t = Instant::now();
    generate(&root)?;
    println!(
        "qdpx bench (`cargo bench --bench qdpx`): {DOCS} documents, {CODINGS} codings, {RECORDS} records, generated in {:.1} s; medians of {RUNS} runs [target < 2000 ms]",
        t.elapsed().as_secs_f64()
    );
    // Export: the library (open the study, build the XML, zip it).
    let file = tmp.path().join("bench.qdpx");
    let mut open = Vec::new();
    let mut build = Vec::new();
    let mut whole = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let study = Study::open(Project::open(&root).map_err(s)?).map_err(s)?;
        open.push(t.elapsed().as_secs_f64());
        let t2 = Instant::now();
        let bytes = project_qdpx(&study).map_err(s)?.zip().map_err(s)?;
        build.push(t2.elapsed().as_secs_f64());
        size = bytes.len();
        std::fs::write(&file, &bytes).map_err(s)?;
        whole.push(t.elapsed().as_secs_f64());
    }
    println!(
        "  export (library): open the study {:.0} ms, build and zip {:.0} ms, total {} — {:.1} MB",
        median(open) * 1e3,
        median(build) * 1e3,
        verdict(median(whole)),
        size as f64 / 1e6
    );
    // Import: the library, into an empty project each time.
    let mut times = Vec::new();
    for i in 0..RUNS {
        let target = tmp.path().join(format!("lib{i}"));
        Project::init(&target, "target").map_err(s)?;
        let project = Project::open(&target).map_err(s)?;
        let t = Instant::now();
        let report = import_qdpx(&project, &file, &ImportOptions::new("bench")).map_err(s)?;
        times.push(t.elapsed().as_secs_f64());
        let codings: usize = report.codings.values().sum();
        if codings != CODINGS || report.records != RECORDS {
            return Err(format!(
                "imported {codings} codings, {} records",
                report.records
            ));
        }
    }
    println!(
        "  import (library, into an empty project): {}",
        verdict(median(times))
    );
    // `GLOSS_BENCH_BIN=PATH` times another build of gloss (to compare two versions).
    let bin = std::env::var_os("GLOSS_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/gloss"),
        PathBuf::from,
    );
    if !bin.exists() {
        println!("  processes: run `cargo build --release` first");
        return Ok(());
    }
    let mut export = Vec::new();
    let mut import = Vec::new();
    for i in 0..RUNS {
        let out = tmp.path().join(format!("cli{i}.qdpx"));
        let out_s = out.to_string_lossy().into_owned();
        export.push(process(&bin, &root, &["export", "qdpx", "-o", &out_s])?);
        let target = tmp.path().join(format!("cli{i}"));
        Project::init(&target, "target").map_err(s)?;
        import.push(process(&bin, &target, &["import", "qdpx", &out_s])?);
    }
    println!(
        "  `gloss export qdpx` process: {}; `gloss import qdpx` process: {}",
        verdict(median(export)),
        verdict(median(import))
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        println!("qdpx bench failed: {e}");
        std::process::exit(1);
    }
}
