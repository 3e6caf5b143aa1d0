//! Import throughput benchmark: imports the real GitHub data of `../shared/data/issues`
//! (the huggingface REST JSONL with pull requests, and all threads CSVs) into fresh
//! temporary projects several times and prints the median MB/s (1 MB = 10^6 bytes of
//! input) with the input sizes. Run with `cargo bench --bench import_throughput`.
//! The data folder may be given with `GLOSS_SHARED_DATA`; when it is absent the bench
//! prints a note and exits successfully.

#[path = "shared/mod.rs"]
mod shared;
use shared::{data_dir, size_of};

use std::path::Path;
use std::time::Instant;

use gloss::corpus::import::github::{IssueImportOptions, import_issues};
use gloss::project::Project;

const RUNS: usize = 7;

/// Imports `input` into a fresh project `RUNS` times; returns the median MB/s and the
/// number of documents of the last run.
fn bench(input: &Path, opts: &IssueImportOptions) -> Result<(f64, usize), String> {
    let bytes = size_of(input) as f64;
    let mut rates = Vec::with_capacity(RUNS);
    let mut docs = 0;
    for _ in 0..RUNS {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        Project::init(tmp.path(), "bench").map_err(|e| e.to_string())?;
        let project = Project::open(tmp.path()).map_err(|e| e.to_string())?;
        let start = Instant::now();
        let report =
            import_issues(&project, &[input.to_path_buf()], opts).map_err(|e| e.to_string())?;
        let secs = start.elapsed().as_secs_f64();
        docs = report.added.len();
        rates.push(bytes / 1e6 / secs);
    }
    rates.sort_by(f64::total_cmp);
    Ok((rates[rates.len() / 2], docs))
}

fn main() {
    let Some(data) = data_dir() else {
        println!(
            "note: ../shared/data is absent (set GLOSS_SHARED_DATA to its path); import_throughput skipped"
        );
        return;
    };
    let cases = [
        (
            "huggingface REST JSONL (with PRs)",
            data.join("issues/rest/huggingface-datasets-issues.jsonl"),
            IssueImportOptions {
                include_prs: true,
                ..Default::default()
            },
        ),
        (
            "threads CSVs (25 files)",
            data.join("issues/threads"),
            IssueImportOptions::default(),
        ),
    ];
    println!(
        "import_throughput: median of {RUNS} runs, each into a fresh project (parse, merge, write, fsync)"
    );
    let mut failed = false;
    for (name, path, opts) in cases {
        if !path.exists() {
            println!("note: {} is absent; skipped", path.display());
            continue;
        }
        let size = size_of(&path);
        match bench(&path, &opts) {
            Ok((rate, docs)) => println!(
                "{name}: {:.1} MB input, {docs} documents, median {rate:.0} MB/s",
                size as f64 / 1e6
            ),
            Err(e) => {
                println!("{name}: import failed: {e}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
