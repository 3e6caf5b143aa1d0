//! Agreement benchmark (printed figures, not a timed test): a generated project of
//! 10,000 issue documents, each with one instrument record of 10 dimensions (5 values
//! each, one `select: many`) by each of 3 coders, the second and third agreeing with
//! the first about four times in five. Measured: opening the study, the library call
//! (`gloss::agree::agree`, pooled and pair lines for every dimension, with the
//! disagreements list), and the whole `gloss agree` process (target < 1 s). Run with
//! `cargo bench --bench agree` (after `cargo build --release` for the process figure).

mod shared;
use shared::{R, median, s};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gloss::agree::sample::{Rounds, SplitMix64};
use gloss::agree::{Options, Unit, agree};
use gloss::coding::store::{Op, Writer};
use gloss::coding::{DocStatus, Entry, Progress, Record};
use gloss::corpus::{DocKind, Document, Turn, docfile};
use gloss::project::Project;
use gloss::study::Study;

const DOCS: usize = 10_000;
const CODERS: [&str; 3] = ["alice", "bob", "carol"];
const DIMS: usize = 10;
const VALUES: usize = 5;

fn codebook() -> String {
    let mut out = String::from("codes:\n");
    for d in 0..DIMS {
        let select = if d == DIMS - 1 { "many" } else { "one" };
        out.push_str(&format!(
            "  - id: dim{d}\n    name: Dimension {d}\n    select: {select}\n    children:\n"
        ));
        for v in 0..VALUES {
            out.push_str(&format!(
                "      - {{id: d{d}v{v}, name: value {v} of {d}}}\n"
            ));
        }
    }
    out
}

fn generate(root: &Path) -> R<()> {
    Project::init(root, "agree-bench").map_err(s)?;
    std::fs::write(root.join("codebooks/bench.yaml"), codebook()).map_err(s)?;
    let mut docs: Vec<Document> = (0..DOCS)
        .map(|i| Document {
            id: format!("issues/bench/repo{}#{i}", i % 10),
            kind: DocKind::Issue,
            title: format!("Issue {i}"),
            attributes: Default::default(),
            turns: vec![Turn {
                speaker: "u".into(),
                time: None,
                text: format!("Issue {i}: the loss diverges after porting."),
            }],
        })
        .collect();
    for r in 0..10 {
        let mut mine: Vec<Document> = docs
            .iter()
            .filter(|d| d.id.starts_with(&format!("issues/bench/repo{r}#")))
            .cloned()
            .collect();
        docfile::write(&root.join(format!("issues/bench/repo{r}.jsonl")), &mut mine).map_err(s)?;
    }
    docs.clear();
    let project = Project::open(root).map_err(s)?;
    let mut rng = SplitMix64::new(2024);
    // The first coder's values; the others copy them 4 times in 5.
    let base: Vec<Vec<usize>> = (0..DOCS)
        .map(|_| {
            (0..DIMS)
                .map(|_| rng.below(VALUES as u64) as usize)
                .collect()
        })
        .collect();
    let t = "2026-01-01T00:00:00Z".to_string();
    for (k, coder) in CODERS.iter().enumerate() {
        let mut ops = Vec::with_capacity(2 * DOCS);
        for (i, values) in base.iter().enumerate() {
            let doc = format!("issues/bench/repo{}#{i}", i % 10);
            let record = Record {
                doc: doc.clone(),
                number: 1,
                values: (0..DIMS)
                    .map(|d| {
                        let v = if k == 0 || rng.below(5) > 0 {
                            values[d]
                        } else {
                            rng.below(VALUES as u64) as usize
                        };
                        (format!("dim{d}"), vec![format!("d{d}v{v}")])
                    })
                    .collect(),
                evidence: Vec::new(),
                memo: None,
                created: t.clone(),
                modified: t.clone(),
            };
            ops.push(Op::Put(Entry::Record(record)));
            ops.push(Op::Put(Entry::Status(DocStatus {
                doc,
                progress: Progress::Done,
                excluded: None,
                modified: t.clone(),
            })));
        }
        let mut w = Writer::open(&project, coder).map_err(s)?;
        w.apply(ops).map_err(s)?;
        w.compact().map_err(s)?;
    }
    Ok(())
}

fn release_binary() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/gloss");
    p.is_file().then_some(p)
}

fn main() -> R<()> {
    let tmp = tempfile::tempdir().map_err(s)?;
    let root = tmp.path();
    let t = Instant::now();
    generate(root)?;
    println!(
        "generated {DOCS} documents × {} coders × {DIMS} dimensions in {:.1} s",
        CODERS.len(),
        t.elapsed().as_secs_f64()
    );
    let opts = Options {
        coders: CODERS.iter().map(|c| c.to_string()).collect(),
        unit: Unit::Turn,
        disagreements: true,
        ..Options::default()
    };
    let mut open = Vec::new();
    let mut compute = Vec::new();
    let mut lines = 0;
    let mut disagreements = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let study = Study::open(Project::open(root).map_err(s)?).map_err(s)?;
        open.push(t.elapsed().as_secs_f64() * 1000.0);
        let rounds = Rounds::load(&study.project).map_err(s)?;
        let t = Instant::now();
        let result = agree(&study, &rounds, &opts).map_err(s)?;
        compute.push(t.elapsed().as_secs_f64() * 1000.0);
        lines = result.lines.len();
        disagreements = result.disagreements.len();
        assert_eq!(result.record_units, DOCS);
    }
    println!(
        "open the study: median {:.0} ms; agreement (library, {lines} lines, {disagreements} disagreements): median {:.0} ms",
        median(open),
        median(compute)
    );
    match release_binary() {
        Some(bin) => {
            let mut times = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                let out = Command::new(&bin)
                    .args(["agree", "--coders", "alice,bob,carol"])
                    .current_dir(root)
                    .output()
                    .map_err(s)?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if !out.status.success() {
                    return Err(String::from_utf8_lossy(&out.stderr).into_owned());
                }
            }
            println!(
                "whole `gloss agree --coders alice,bob,carol` process: median {:.0} ms (target < 1000 ms)",
                median(times)
            );
        }
        None => println!(
            "note: no target/release/gloss; run `cargo build --release` for the process figure"
        ),
    }
    Ok(())
}
