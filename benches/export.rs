//! Export benchmark (printed figures, not a timed test): a generated project with 50,000
//! coded excerpts, exported as a quote table in each format — the library call and the
//! whole `gloss export quotes` process (target < 1 s each, release build). Quotes are
//! real sentences from ../shared/data's transcripts when present, else generated.
//! Run with `cargo bench --bench export` (after `cargo build --release` for the process
//! figures).

mod shared;
use shared::{R, median, s};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gloss::coding::anchor::AnchorText;
use gloss::coding::store::{Op, Writer};
use gloss::coding::{Entry, SpanCoding};
use gloss::corpus::{DocKind, Document, Position, Turn, docfile};
use gloss::export::quotes::{QuoteOptions, quote_table};
use gloss::export::table::Format;
use gloss::project::Project;
use gloss::study::Study;

const EXCERPTS: usize = 50_000;
const DOCS: usize = 500;
const TURNS: usize = 100;

/// Lines of real interview text to quote, or generated ones.
fn sentences() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/transcripts/ml-quality");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                out.extend(
                    text.lines()
                        .map(|l| l.split_once(':').map_or(l, |(_, r)| r).trim().to_string())
                        .filter(|l| l.len() > 40 && l.len() < 600),
                );
            }
        }
    }
    if out.is_empty() {
        println!("note: ../shared/data is absent; quoting generated text");
        out = (0..1000)
            .map(|i| format!("Sentence {i} about porting the model & its 100% \"accuracy\" — with a_b {{x}} and <tags>."))
            .collect();
    }
    out
}

fn generate(root: &Path) -> R<()> {
    Project::init(root, "export-bench").map_err(s)?;
    std::fs::write(
        root.join("codebooks/bench.yaml"),
        "codes:\n  - id: challenges\n    name: Challenges\n    children:\n      - id: performance\n        name: Performance debugging\n      - id: portability\n        name: Portability of DL operations\n  - id: practices\n    name: Practices\n",
    )
    .map_err(s)?;
    let lines = sentences();
    let mut docs: Vec<Document> = (0..DOCS)
        .map(|i| Document {
            id: format!("issues/bench/repo{}#{}", i % 20, i),
            kind: DocKind::Issue,
            title: format!("Issue {i}"),
            attributes: Default::default(),
            turns: (0..TURNS)
                .map(|k| Turn {
                    speaker: format!("user{}", k % 9),
                    time: None,
                    text: lines[(i * TURNS + k) % lines.len()].clone(),
                })
                .collect(),
        })
        .collect();
    std::fs::create_dir_all(root.join("issues/bench")).map_err(s)?;
    docfile::write(&root.join("issues/bench/all.jsonl"), &mut docs).map_err(s)?;
    let project = Project::open(root).map_err(s)?;
    let mut writer = Writer::open(&project, "bench").map_err(s)?;
    let codes = ["performance", "portability", "practices", "challenges"];
    let mut ops = Vec::with_capacity(EXCERPTS);
    for n in 0..EXCERPTS {
        let doc = &docs[n % DOCS];
        let turn = (n / DOCS) % TURNS;
        let len = doc.turns[turn].text.len();
        let (start, end) = (Position::new(turn, 0), Position::new(turn, len));
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
            memo: None,
            star: n % 97 == 0,
            batch: None,
            created: "2026-01-01T00:00:00Z".into(),
            modified: "2026-01-01T00:00:00Z".into(),
        })));
    }
    writer.apply(ops).map_err(s)?;
    writer.compact().map_err(s)?;
    Ok(())
}

fn run() -> R<()> {
    let tmp = tempfile::tempdir().map_err(s)?;
    let root = tmp.path();
    let t = Instant::now();
    generate(root)?;
    println!(
        "export bench (`cargo bench --bench export`): {EXCERPTS} excerpts in {DOCS} documents, generated in {:.1} s; medians of 5 runs",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let study = Study::open(Project::open(root).map_err(s)?).map_err(s)?;
    println!("  Study::open {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let resolved = study.codings.resolve(&study.project, &study.corpus).len();
    println!(
        "  of which resolving the {resolved} codings against the text: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let opts = QuoteOptions::default();
    let mut select = Vec::new();
    let mut table = None;
    for _ in 0..5 {
        let t = Instant::now();
        table = Some(quote_table(&study, &opts).map_err(s)?);
        select.push(t.elapsed().as_secs_f64());
    }
    let table = table.ok_or("no table")?;
    println!(
        "  selecting {} excerpts (resolve, pseudonymise, sort): {:.0} ms",
        table.rows.len(),
        median(select) * 1e3
    );
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/gloss");
    println!(
        "    format     render ms   MB   whole `gloss export quotes` process ms [target < 1000]"
    );
    for format in [
        Format::Latex,
        Format::Markdown,
        Format::Csv,
        Format::Html,
        Format::Json,
    ] {
        let mut render = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let t = Instant::now();
            size = table.render(format).len();
            render.push(t.elapsed().as_secs_f64());
        }
        let process = if bin.exists() {
            let out = root.join(format!("quotes.{}", format.extension()));
            let mut runs = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                let status = Command::new(&bin)
                    .current_dir(root)
                    .args(["export", "quotes", "-o"])
                    .arg(&out)
                    .output()
                    .map_err(s)?;
                if !status.status.success() {
                    return Err(String::from_utf8_lossy(&status.stderr).into_owned());
                }
                runs.push(t.elapsed().as_secs_f64());
            }
            let m = median(runs) * 1e3;
            format!("{m:.0} {}", if m < 1000.0 { "ok" } else { "MISSED" })
        } else {
            "(run `cargo build --release` first)".into()
        };
        println!(
            "    {:<9} {:>9.0} {:>5.1}   {process}",
            format.extension(),
            median(render) * 1e3,
            size as f64 / 1e6
        );
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        println!("export bench failed: {e}");
        std::process::exit(1);
    }
}
