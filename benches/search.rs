//! Search benchmark over the real data of `../shared/data` (or `GLOSS_SHARED_DATA`).
//! Run with `cargo bench --bench search`; `GLOSS_BENCH_1GB=1 cargo bench --bench search`
//! adds corpus B (corpus A repeated under other repo names until it holds ≥ 1 GB of text).
//!
//! For each corpus it prints (times are medians unless said otherwise):
//! * the corpus: documents, turns, text bytes (sum of the turns' text lengths);
//! * index build: `SearchIndex::open` + `sync` from empty, MB/s of turn text, and the
//!   size of `.gloss/index` relative to the text;
//! * in-process query latency (the library API the TUI uses, index opened once) over a
//!   fixed list of word, phrase, boolean, fuzzy and filtered queries, p50 and p99;
//! * ripgrep (`rg -i -F -c PATTERN DIR` over one file per document) against the in-process
//!   search and against whole `gloss search QUERY --limit 20` processes, for the word and
//!   phrase queries;
//! * (corpus A) the re-index time after one coding change.
//!
//! 1 MB = 10^6 bytes. When the data folder is absent the bench prints a note and exits
//! successfully; the whole-process part needs `cargo build --release` first.

#[path = "shared/mod.rs"]
mod shared;
use shared::{R, data_dir, s, size_of};

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use gloss::coding::anchor::AnchorText;
use gloss::coding::set::CodingSet;
use gloss::coding::store::Writer;
use gloss::coding::{Entry, SpanCoding};
use gloss::corpus::import::github::{IssueImportOptions, import_issues};
use gloss::corpus::import::table::ColumnMap;
use gloss::corpus::import::transcript::{TranscriptImportOptions, import_transcripts};
use gloss::corpus::{DocKind, Position};
use gloss::project::Project;
use gloss::search::{Filters, SearchIndex, analysis};
use gloss::study::Study;
use tantivy::tokenizer::TokenStream;

const CMD: &str = "cargo bench --bench search";
const ONE_GB: u64 = 1_000_000_000;
const NLBSE_MAP: &str = "repo=repo,time=created_at,labels=label,title=title,body=body";
const REINDEX_RUNS: usize = 20;

/// `GLOSS_BENCH_ONLY=build` measures only the index build of corpus A,
/// `GLOSS_BENCH_ONLY=reindex` the build and the re-index after a coding change, and
/// `GLOSS_BENCH_ONLY=build-b` only corpus B's build (for profiling one part with
/// `perf record`). `GLOSS_BENCH_B_DIR=DIR` keeps corpus B's project in DIR and reuses
/// it on the next run instead of importing a gigabyte again.
fn only(part: &str) -> bool {
    std::env::var("GLOSS_BENCH_ONLY").is_ok_and(|v| v == part)
}

fn build_only() -> bool {
    only("build") || only("reindex") || only("build-b")
}

// ---------------------------------------------------------------------------------------
// Statistics

fn pct(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// CPU time (user + system, all threads) this process has used so far, from
/// `/proc/self/stat` (0 where that is not available).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

fn median(v: &[f64]) -> f64 {
    pct(v, 0.5)
}

fn ms(secs: f64) -> String {
    let m = secs * 1e3;
    if m >= 100.0 {
        format!("{m:.0}")
    } else if m >= 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.2}")
    }
}

// ---------------------------------------------------------------------------------------
// Queries

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cat {
    Word,
    Phrase,
    Boolean,
    Fuzzy,
    Filtered,
}

impl Cat {
    fn name(self) -> &'static str {
        match self {
            Cat::Word => "word",
            Cat::Phrase => "phrase",
            Cat::Boolean => "boolean",
            Cat::Fuzzy => "fuzzy",
            Cat::Filtered => "filtered",
        }
    }
}

struct Query {
    cat: Cat,
    /// The query in gloss's syntax.
    text: String,
    filters: Filters,
    /// A label for the table (query plus filters).
    label: String,
    /// The literal pattern given to rg (word and phrase queries only).
    rg: Option<String>,
}

fn queries() -> Vec<Query> {
    let mut out = Vec::new();
    let words = [
        "model",
        "accuracy",
        "crash",
        "install",
        "memory",
        "gpu",
        "dataset",
        "tokenizer",
        "error",
        "training",
        "performance",
        "version",
        "python",
        "cuda",
        "documentation",
        "interview",
        "deploy",
        "pipeline",
        "label",
        "download",
        "cache",
        "test",
        "bug",
        "windows",
        "webpack",
    ];
    for w in words {
        out.push(Query {
            cat: Cat::Word,
            text: w.into(),
            filters: Filters::default(),
            label: w.into(),
            rg: Some(w.into()),
        });
    }
    let phrases = [
        "pull request",
        "out of memory",
        "data loader",
        "stack trace",
        "machine learning",
        "unit tests",
        "error message",
        "data quality",
        "training data",
        "new version",
        "feature request",
        "the same issue",
    ];
    for p in phrases {
        out.push(Query {
            cat: Cat::Phrase,
            text: format!("\"{p}\""),
            filters: Filters::default(),
            label: format!("\"{p}\""),
            rg: Some(p.into()),
        });
    }
    for b in [
        "crash AND gpu",
        "memory OR leak",
        "error -warning",
        "(install OR setup) AND windows",
        "dataset AND (cache OR download)",
        "\"pull request\" AND review",
    ] {
        out.push(Query {
            cat: Cat::Boolean,
            text: b.into(),
            filters: Filters::default(),
            label: b.into(),
            rg: None,
        });
    }
    for f in ["tokeniser~1", "acurracy~1", "memmory~1", "instal~1"] {
        out.push(Query {
            cat: Cat::Fuzzy,
            text: f.into(),
            filters: Filters::default(),
            label: f.into(),
            rg: None,
        });
    }
    let kind = |k| Filters {
        kind: Some(k),
        ..Default::default()
    };
    let speaker = |sp: &str| Filters {
        speaker: Some(sp.into()),
        ..Default::default()
    };
    let glob = |g: &str| Filters {
        doc_glob: Some(g.into()),
        ..Default::default()
    };
    let filtered: Vec<(&str, Filters, &str)> = vec![
        ("model", kind(DocKind::Issue), "--kind issue"),
        ("crash", kind(DocKind::Issue), "--kind issue"),
        ("error", kind(DocKind::Transcript), "--kind transcript"),
        ("data", speaker("interviewer"), "--speaker interviewer"),
        ("quality", speaker("interviewer"), "--speaker interviewer"),
        (
            "dataset",
            glob("issues/huggingface/*"),
            "--doc issues/huggingface/*",
        ),
        (
            "memory",
            glob("issues/huggingface/*"),
            "--doc issues/huggingface/*",
        ),
        (
            "test",
            Filters {
                kind: Some(DocKind::Issue),
                doc_glob: Some("issues/huggingface/*".into()),
                ..Default::default()
            },
            "--kind issue --doc issues/huggingface/*",
        ),
    ];
    for (q, filters, label) in filtered {
        out.push(Query {
            cat: Cat::Filtered,
            text: q.into(),
            filters,
            label: format!("{q} {label}"),
            rg: None,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Corpus A

struct Imported {
    /// Ids of the threads CSV and huggingface JSONL documents (what corpus B repeats).
    repeatable: HashSet<String>,
    secs: f64,
}

struct Inputs {
    transcripts: Vec<PathBuf>,
    threads: PathBuf,
    rest: PathBuf,
    nlbse: PathBuf,
}

impl Inputs {
    fn of(data: &Path) -> Option<Inputs> {
        let inputs = Inputs {
            transcripts: vec![
                data.join("transcripts/cv-reengineering"),
                data.join("transcripts/ml-quality"),
            ],
            threads: data.join("issues/threads"),
            rest: data.join("issues/rest/huggingface-datasets-issues.jsonl"),
            nlbse: data.join("issues/nlbse/issues_train.csv"),
        };
        let mut all = inputs.transcripts.clone();
        all.extend([
            inputs.threads.clone(),
            inputs.rest.clone(),
            inputs.nlbse.clone(),
        ]);
        for p in &all {
            if !p.exists() {
                println!("note: {} is absent; search bench skipped", p.display());
                return None;
            }
        }
        Some(inputs)
    }
}

/// Imports corpus A into `project`.
fn import_a(project: &Project, inputs: &Inputs) -> R<Imported> {
    let start = Instant::now();
    import_transcripts(
        project,
        &inputs.transcripts,
        &TranscriptImportOptions::default(),
    )
    .map_err(|e| format!("importing transcripts: {e}"))?;
    let mut repeatable = HashSet::new();
    let threads = import_issues(
        project,
        std::slice::from_ref(&inputs.threads),
        &IssueImportOptions::default(),
    )
    .map_err(|e| format!("importing threads CSVs: {e}"))?;
    repeatable.extend(threads.added);
    let rest = import_issues(
        project,
        std::slice::from_ref(&inputs.rest),
        &IssueImportOptions {
            include_prs: true,
            ..Default::default()
        },
    )
    .map_err(|e| format!("importing the huggingface JSONL: {e}"))?;
    repeatable.extend(rest.added);
    let map = ColumnMap::parse(NLBSE_MAP).map_err(|e| format!("--map {NLBSE_MAP}: {e}"))?;
    import_issues(
        project,
        std::slice::from_ref(&inputs.nlbse),
        &IssueImportOptions {
            map: Some(map),
            ..Default::default()
        },
    )
    .map_err(|e| format!("importing nlbse/issues_train.csv: {e}"))?;
    Ok(Imported {
        repeatable,
        secs: start.elapsed().as_secs_f64(),
    })
}

/// The turn text of the documents corpus B repeats.
fn repeatable_text(study: &Study, repeatable: &HashSet<String>) -> u64 {
    study
        .corpus
        .docs
        .iter()
        .filter(|d| repeatable.contains(&d.id))
        .flat_map(|d| &d.turns)
        .map(|t| t.text.len() as u64)
        .sum()
}

fn text_bytes(study: &Study) -> u64 {
    study
        .corpus
        .docs
        .iter()
        .flat_map(|d| &d.turns)
        .map(|t| t.text.len() as u64)
        .sum()
}

/// Opens the project again (imports change `documents.yaml`) and loads the study.
fn load_study(root: &Path) -> R<(Study, f64)> {
    let start = Instant::now();
    let project = Project::open(root).map_err(s)?;
    let study = Study::open(project).map_err(s)?;
    Ok((study, start.elapsed().as_secs_f64()))
}

// ---------------------------------------------------------------------------------------
// The measurements shared by both corpora

struct Plan {
    /// Index builds from empty.
    builds: usize,
    /// Runs of each query in process.
    query_runs: usize,
    /// Runs of each rg process and each gloss process.
    process_runs: usize,
    rg_target: f64,
}

fn print_corpus(name: &str, study: &Study, text: u64, import_secs: f64, load_secs: f64) {
    let turns: usize = study.corpus.docs.iter().map(|d| d.turns.len()).sum();
    let mut kinds = std::collections::BTreeMap::new();
    for d in &study.corpus.docs {
        *kinds.entry(d.kind.name()).or_insert(0usize) += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "{name}: {} documents ({}), {turns} turns, {:.1} MB of turn text; import {:.1} s, Study::open {:.2} s",
        study.corpus.docs.len(),
        kinds.join(", "),
        text as f64 / 1e6,
        import_secs,
        load_secs
    );
}

/// What the build made: segments, and per text field its distinct terms (and how many
/// of them are long: those are mostly code, hashes and URLs).
fn index_shape(dir: &Path) -> R<()> {
    let index = tantivy::Index::open_in_dir(dir).map_err(s)?;
    let searcher = index.reader().map_err(s)?.searcher();
    let schema = index.schema();
    let mut line = format!(
        "    index shape: {} segments;",
        searcher.segment_readers().len()
    );
    for name in [
        "text", "title", "speaker", "who", "memo", "doc", "kind", "repo", "label", "attr", "code",
    ] {
        let field = schema.get_field(name).map_err(s)?;
        let (mut terms, mut long, mut bytes) = (0u64, 0u64, 0u64);
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field).map_err(s)?;
            let mut stream = inverted.terms().stream().map_err(s)?;
            while stream.advance() {
                terms += 1;
                bytes += stream.key().len() as u64;
                if stream.key().len() > 40 {
                    long += 1;
                }
            }
        }
        line.push_str(&format!(
            " {name} {terms} terms ({long} over 40 bytes, {:.1} MB of term text);",
            bytes as f64 / 1e6
        ));
    }
    println!("{line}");
    Ok(())
}

/// Index build, queries, rg and whole-process comparisons. Returns the open index.
fn measure(name: &str, study: &Study, text: u64, plan: &Plan) -> R<SearchIndex> {
    let derived = study.project.derived_dir();
    let index_dir = derived.join("index");
    if index_dir.exists() {
        std::fs::remove_dir_all(&index_dir).map_err(s)?;
    }
    // Index build from empty, `plan.builds` times (timings on a shared machine vary by
    // a quarter from run to run): the median counts.
    let mut builds = Vec::new();
    let mut cpu = Vec::new();
    let (index, report) = loop {
        if index_dir.exists() {
            std::fs::remove_dir_all(&index_dir).map_err(s)?;
        }
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let mut index = SearchIndex::open(&derived).map_err(s)?;
        let report = index.sync(study).map_err(s)?;
        builds.push(start.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - cpu_start);
        if builds.len() >= plan.builds {
            break (index, report);
        }
    };
    let build = median(&builds);
    let slowest = builds.iter().copied().fold(0.0, f64::max);
    let fastest = builds.iter().copied().fold(f64::INFINITY, f64::min);
    let size = size_of(&index_dir);
    let rate = text as f64 / 1e6 / build;
    println!(
        "  index build (open + sync from empty, median of {}): {:.1} s (range {:.1}-{:.1}), {} documents, {} turns -> {rate:.1} MB/s of turn text [target >= 10] {}",
        builds.len(),
        build,
        fastest,
        slowest,
        report.indexed,
        report.turns,
        if rate >= 10.0 { "ok" } else { "MISSED" }
    );
    println!(
        "    CPU time of the build (all threads; steadier than the wall clock on a busy machine): {:.1} s median",
        median(&cpu)
    );
    println!(
        "  index size: {:.1} MB = {:.2}x the turn text ({} turns in the index)",
        size as f64 / 1e6,
        size as f64 / text as f64,
        index.num_turns()
    );
    index_shape(&index_dir)?;
    // Where the build time goes: the analysis of the turn text alone (one analyzer gives
    // each word's written form and, where it differs, its stem), single-threaded as
    // each of the index writer's threads is.
    let t = Instant::now();
    let (mut tokens, mut words) = (0usize, 0usize);
    let mut analyzer = analysis::text_index();
    for turn in study.corpus.docs.iter().flat_map(|d| &d.turns) {
        let mut stream = analyzer.token_stream(&turn.text);
        let mut last = usize::MAX;
        while stream.advance() {
            tokens += 1;
            if stream.token().position != last {
                words += 1;
                last = stream.token().position;
            }
        }
    }
    let analysis_secs = t.elapsed().as_secs_f64();
    println!(
        "    build breakdown: analysing the turn text alone takes {:.1} s ({words} words, {tokens} tokens: {:.2} per word; {:.0}% of the build)",
        analysis_secs,
        tokens as f64 / words.max(1) as f64,
        100.0 * analysis_secs / build
    );
    if build_only() {
        return Ok(index);
    }
    // What every `gloss search` process pays before its query: the stamp and reopening
    // the index (which reads every stored document to verify it).
    let t = Instant::now();
    let stamp = gloss::search::project_stamp(&study.project).map_err(s)?;
    let stamp_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reopened = SearchIndex::open(&derived).map_err(s)?;
    let open_secs = t.elapsed().as_secs_f64();
    std::hint::black_box((stamp, reopened.num_turns()));
    drop(reopened);
    println!(
        "    per-process fixed cost: project_stamp {} ms, SearchIndex::open of the built index (verifies every stored turn) {} ms",
        ms(stamp_secs),
        ms(open_secs)
    );

    // In-process queries.
    let qs = queries();
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); qs.len()];
    let mut totals = vec![0usize; qs.len()];
    let mut warned = Vec::new();
    for run in 0..plan.query_runs {
        for (i, q) in qs.iter().enumerate() {
            let t = Instant::now();
            let results = index
                .search(&q.text, &q.filters, 20, false)
                .map_err(|e| format!("query {}: {e}", q.label))?;
            per_query[i].push(t.elapsed().as_secs_f64());
            totals[i] = results.total;
            if run == 0 && !results.warnings.is_empty() {
                warned.push(format!("{}: {}", q.label, results.warnings.join("; ")));
            }
        }
    }
    println!(
        "  in-process search, limit 20, {} queries x {} runs (index opened once):",
        qs.len(),
        plan.query_runs
    );
    println!(
        "    {:<9} {:>3} {:>9} {:>9}",
        "kind", "n", "p50 ms", "p99 ms"
    );
    let mut all = Vec::new();
    for cat in [
        Cat::Word,
        Cat::Phrase,
        Cat::Boolean,
        Cat::Fuzzy,
        Cat::Filtered,
    ] {
        let runs: Vec<f64> = qs
            .iter()
            .zip(&per_query)
            .filter(|(q, _)| q.cat == cat)
            .flat_map(|(_, r)| r.iter().copied())
            .collect();
        let n = qs.iter().filter(|q| q.cat == cat).count();
        println!(
            "    {:<9} {n:>3} {:>9} {:>9}",
            cat.name(),
            ms(median(&runs)),
            ms(pct(&runs, 0.99))
        );
        all.extend(runs);
    }
    println!(
        "    {:<9} {:>3} {:>9} {:>9}   <- all {} query runs",
        "ALL",
        qs.len(),
        ms(median(&all)),
        ms(pct(&all, 0.99)),
        all.len()
    );
    let slowest = per_query
        .iter()
        .enumerate()
        .max_by(|a, b| median(a.1).total_cmp(&median(b.1)))
        .map(|(i, r)| format!("{} ({} ms, {} hits)", qs[i].label, ms(median(r)), totals[i]))
        .unwrap_or_default();
    println!("    slowest query by median: {slowest}");
    let other: Vec<String> = qs
        .iter()
        .zip(&totals)
        .filter(|(q, _)| q.rg.is_none())
        .map(|(q, n)| format!("{} {n}", q.label))
        .collect();
    println!("    hits of the other queries: {}", other.join(" | "));
    for w in &warned {
        println!("    note: query warning: {w}");
    }

    // ripgrep over one file per document.
    let rg_tmp = tempfile::tempdir().map_err(s)?;
    let start = Instant::now();
    let (files, written) = write_rg_corpus(study, rg_tmp.path())?;
    println!(
        "  rg corpus: {files} files, {:.1} MB written in {:.1} s (one file per document, turns joined by newlines)",
        written as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let rg_ok = Command::new("rg")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/gloss");
    let have_bin = bin.is_file();
    if !have_bin {
        println!(
            "  note: {} is absent; run `cargo build --release` first for the whole-process comparison",
            bin.display()
        );
    }
    let mut gloss_proc_ok = have_bin;
    if have_bin {
        // Warm-up: syncs the index stamp so later processes do not load the study.
        let t = Instant::now();
        match gloss_search(&bin, &study.project.root, "model") {
            Ok(()) => println!(
                "  gloss search warm-up (loads the study once, records the index stamp): {:.2} s",
                t.elapsed().as_secs_f64()
            ),
            Err(e) => {
                println!("  note: `gloss search` failed ({e}); whole-process comparison skipped");
                gloss_proc_ok = false;
            }
        }
    }
    if !rg_ok {
        println!("  note: rg is not on PATH; ripgrep comparison skipped");
        return Ok(index);
    }
    println!(
        "  word/phrase queries, whole processes x {} runs (medians, ms):",
        plan.process_runs
    );
    println!(
        "    {:<20} {:>7} {:>10} {:>9} {:>8} {:>11} {:>8}",
        "query", "hits", "gloss lib", "rg proc", "rg/lib", "gloss proc", "rg/proc"
    );
    let mut lib_meds = Vec::new();
    let mut rg_meds = Vec::new();
    let mut proc_meds = Vec::new();
    for (i, q) in qs.iter().enumerate() {
        let Some(pattern) = &q.rg else { continue };
        let mut rg_runs = Vec::new();
        for _ in 0..plan.process_runs {
            let t = Instant::now();
            let out = Command::new("rg")
                .args(["-i", "-F", "-c", pattern.as_str()])
                .arg(rg_tmp.path())
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("rg: {e}"))?;
            rg_runs.push(t.elapsed().as_secs_f64());
            if !matches!(out.status.code(), Some(0 | 1)) {
                return Err(format!(
                    "rg {pattern:?} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let lib = median(&per_query[i]);
        let rg = median(&rg_runs);
        lib_meds.push(lib);
        rg_meds.push(rg);
        let mut proc_cell = ("-".to_string(), "-".to_string());
        if gloss_proc_ok {
            let mut runs = Vec::new();
            for _ in 0..plan.process_runs {
                let t = Instant::now();
                gloss_search(&bin, &study.project.root, &q.text)?;
                runs.push(t.elapsed().as_secs_f64());
            }
            let p = median(&runs);
            proc_meds.push(p);
            proc_cell = (ms(p), format!("{:.1}x", rg / p));
        }
        println!(
            "    {:<20} {:>7} {:>10} {:>9} {:>7.0}x {:>11} {:>8}",
            q.label,
            totals[i],
            ms(lib),
            ms(rg),
            rg / lib,
            proc_cell.0,
            proc_cell.1
        );
    }
    let (lib, rg) = (median(&lib_meds), median(&rg_meds));
    let ratio = rg / lib;
    println!(
        "  {name} rg vs in-process (median over the {} word/phrase queries of each one's median): rg {} ms, gloss {} ms -> {ratio:.0}x [target >= {:.0}x] {}",
        lib_meds.len(),
        ms(rg),
        ms(lib),
        plan.rg_target,
        if ratio >= plan.rg_target {
            "ok"
        } else {
            "MISSED"
        }
    );
    if gloss_proc_ok {
        let p = median(&proc_meds);
        println!(
            "  {name} rg vs whole `gloss search --limit 20` process: rg {} ms, gloss {} ms -> gloss {} [target: gloss faster]",
            ms(rg),
            ms(p),
            if p < rg {
                format!("{:.1}x faster, ok", rg / p)
            } else {
                format!("{:.1}x SLOWER, MISSED", p / rg)
            }
        );
    }
    Ok(index)
}

/// Runs `gloss --project ROOT search QUERY --limit 20` to completion.
fn gloss_search(bin: &Path, root: &Path, query: &str) -> R<()> {
    let out = Command::new(bin)
        .arg("--project")
        .arg(root)
        .args(["search", query, "--limit", "20"])
        .env("GLOSS_CODER", "bench")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "gloss search {query:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

/// Writes each document's turns, joined by newlines, to its own file (1000 per folder).
fn write_rg_corpus(study: &Study, dir: &Path) -> R<(usize, u64)> {
    let mut bytes = 0u64;
    for (i, doc) in study.corpus.docs.iter().enumerate() {
        let sub = dir.join(format!("{:04}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).map_err(s)?;
        }
        let file = std::fs::File::create(sub.join(format!("{i}.txt"))).map_err(s)?;
        let mut w = std::io::BufWriter::new(file);
        for (k, turn) in doc.turns.iter().enumerate() {
            if k > 0 {
                w.write_all(b"\n").map_err(s)?;
                bytes += 1;
            }
            w.write_all(turn.text.as_bytes()).map_err(s)?;
            bytes += turn.text.len() as u64;
        }
        w.flush().map_err(s)?;
    }
    Ok((study.corpus.docs.len(), bytes))
}

// ---------------------------------------------------------------------------------------
// Re-index after one coding change

fn reindex(study: &mut Study, index: &mut SearchIndex) -> R<()> {
    let mut writer = Writer::open(&study.project, "bench").map_err(s)?;
    let candidates: Vec<usize> = study
        .corpus
        .docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.turns.first().is_some_and(|t| t.text.len() >= 8))
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        println!("  note: no document to code; re-index skipped");
        return Ok(());
    }
    let mut targeted = Vec::new();
    let mut syncs = Vec::new();
    let mut loads = Vec::new();
    let mut turns_reindexed = Vec::new();
    for k in 0..2 * REINDEX_RUNS {
        let coding = {
            let doc = &study.corpus.docs[candidates[k * candidates.len() / (2 * REINDEX_RUNS)]];
            let text = &doc.turns[0].text;
            let mut end = text.len().min(40);
            while end < text.len() && !doc.is_boundary(Position::new(0, end)) {
                end += 1;
            }
            let (start, end) = (Position::new(0, 0), Position::new(0, end));
            let Some(anchor) = AnchorText::new(doc).anchor(start, end) else {
                continue;
            };
            let now = gloss::time::now_rfc3339();
            SpanCoding {
                id: writer.next_coding_id(),
                doc: doc.id.clone(),
                start,
                end,
                code: "bench-code".into(),
                anchor,
                memo: None,
                star: false,
                batch: None,
                created: now.clone(),
                modified: now,
            }
        };
        let doc_id = coding.doc.clone();
        writer.put(Entry::Coding(coding)).map_err(s)?;
        let t = Instant::now();
        study.codings = CodingSet::load(&study.project).map_err(s)?;
        loads.push(t.elapsed().as_secs_f64());
        // First half: the TUI's path (it knows the document it changed); second half: a
        // whole sync, as a `gloss search` after a `gloss code` does.
        let t = Instant::now();
        let report = if k < REINDEX_RUNS {
            index.update_documents(study, &[doc_id.as_str()])
        } else {
            index.sync(study)
        }
        .map_err(s)?;
        let secs = t.elapsed().as_secs_f64();
        if k < REINDEX_RUNS {
            targeted.push(secs);
        } else {
            syncs.push(secs);
        }
        turns_reindexed.push(report.turns as f64);
    }
    // Where the time goes: a sync with nothing to do still fingerprints every document.
    let mut noop = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        index.sync(study).map_err(s)?;
        noop.push(t.elapsed().as_secs_f64());
    }
    let med = median(&targeted);
    println!(
        "  re-index after one coding change ({} changes, each on another document; median {:.0} turns re-indexed):",
        targeted.len(),
        median(&turns_reindexed),
    );
    println!(
        "    the TUI's path (update_documents of the changed document): {} ms (p99 {}) [target < 50 ms] {}",
        ms(med),
        ms(pct(&targeted, 0.99)),
        if med < 50.0e-3 { "ok" } else { "MISSED" }
    );
    println!(
        "    a whole sync (what `gloss search` does after `gloss code`): {} ms (p99 {})",
        ms(median(&syncs)),
        ms(pct(&syncs, 0.99)),
    );
    println!(
        "    breakdown: CodingSet::load {} ms (not in these times); a whole sync with nothing changed {} ms",
        ms(median(&loads)),
        ms(median(&noop))
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Corpus B

fn corpus_b(inputs: &Inputs, per_copy: u64, text_a: u64) -> R<()> {
    let tmp = tempfile::tempdir().map_err(s)?;
    let kept = std::env::var_os("GLOSS_BENCH_B_DIR").map(PathBuf::from);
    let root = kept.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    if kept.is_some() && root.join("gloss.yaml").exists() {
        println!("corpus B: reusing the project in {}", root.display());
        let (study, load) = load_study(&root)?;
        let text = text_bytes(&study);
        print_corpus("corpus B", &study, text, 0.0, load);
        return measure_b(&study, text);
    }
    std::fs::create_dir_all(&root).map_err(s)?;
    Project::init(&root, "bench-1gb").map_err(s)?;
    let project = Project::open(&root).map_err(s)?;
    let start = Instant::now();
    import_a(&project, inputs)?;
    if per_copy == 0 {
        return Err("corpus A has no threads or huggingface text to repeat".into());
    }
    // A first estimate; corrected after the first copy (below).
    let mut copies = ONE_GB.saturating_sub(text_a).div_ceil(per_copy);
    let rest = std::fs::read_to_string(&inputs.rest).map_err(s)?;
    let mut threads: Vec<PathBuf> = std::fs::read_dir(&inputs.threads)
        .map_err(s)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    threads.sort();
    let mut k = 1;
    while k <= copies {
        let dir = tempfile::tempdir().map_err(s)?;
        for src in &threads {
            let name = src.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name else { continue };
            std::fs::copy(src, dir.path().join(format!("c{k}-{name}"))).map_err(s)?;
        }
        let copy = rest.replace(
            "huggingface/datasets",
            &format!("c{k}-huggingface/datasets"),
        );
        std::fs::write(dir.path().join("rest.jsonl"), copy).map_err(s)?;
        import_issues(
            &project,
            &[dir.path().to_path_buf()],
            &IssueImportOptions {
                include_prs: true,
                ..Default::default()
            },
        )
        .map_err(|e| format!("importing copy {k}: {e}"))?;
        if k == 1 {
            // Some thread CSVs name their repository in a column, so their copies replace
            // documents instead of adding them: measure what one copy really adds.
            let corpus = project.load_corpus().map_err(s)?;
            let total: u64 = corpus
                .docs
                .iter()
                .flat_map(|d| &d.turns)
                .map(|t| t.text.len() as u64)
                .sum();
            let added = total.saturating_sub(text_a).max(1);
            copies = 1 + ONE_GB.saturating_sub(total).div_ceil(added);
            println!(
                "corpus B: corpus A plus {copies} copies of the threads CSVs and the huggingface JSONL under other owners (c<k>-<owner>), {:.1} MB of new text each",
                added as f64 / 1e6
            );
        }
        k += 1;
    }
    drop(rest);
    let import_secs = start.elapsed().as_secs_f64();
    let (study, load) = load_study(&root)?;
    let text = text_bytes(&study);
    print_corpus("corpus B", &study, text, import_secs, load);
    measure_b(&study, text)
}

fn measure_b(study: &Study, text: u64) -> R<()> {
    let plan = Plan {
        builds: 1,
        query_runs: 5,
        process_runs: 3,
        rg_target: 100.0,
    };
    let index = measure("corpus B", study, text, &plan)?;
    drop(index);
    Ok(())
}

// ---------------------------------------------------------------------------------------

fn run(data: &Path) -> R<()> {
    let Some(inputs) = Inputs::of(data) else {
        return Ok(());
    };
    let tmp = tempfile::tempdir().map_err(s)?;
    Project::init(tmp.path(), "bench").map_err(s)?;
    let project = Project::open(tmp.path()).map_err(s)?;
    let imported = import_a(&project, &inputs)?;
    drop(project);
    let (mut study, load) = load_study(tmp.path())?;
    let text = text_bytes(&study);
    print_corpus("corpus A", &study, text, imported.secs, load);
    let plan = Plan {
        builds: 3,
        query_runs: 10,
        process_runs: 5,
        rg_target: 20.0,
    };
    if only("build-b") {
        let per_copy = repeatable_text(&study, &imported.repeatable);
        drop(study);
        return corpus_b(&inputs, per_copy, text);
    }
    let mut index = measure("corpus A", &study, text, &plan)?;
    if only("build") {
        return Ok(());
    }
    reindex(&mut study, &mut index)?;
    if only("reindex") {
        return Ok(());
    }
    let per_copy = repeatable_text(&study, &imported.repeatable);
    drop(index);
    drop(study);
    drop(tmp);
    if std::env::var("GLOSS_BENCH_1GB").is_ok_and(|v| v == "1") {
        corpus_b(&inputs, per_copy, text)?;
    } else {
        println!(
            "corpus B (>= 1 GB of text) skipped; run it with `GLOSS_BENCH_1GB=1 {CMD}` (several minutes, a few GB of memory and disk)"
        );
    }
    Ok(())
}

fn main() {
    let Some(data) = data_dir() else {
        println!(
            "note: ../shared/data is absent (set GLOSS_SHARED_DATA to its path); search bench skipped"
        );
        return;
    };
    println!(
        "search bench (`{CMD}`): medians unless said; 1 MB = 10^6 bytes; data {}",
        data.display()
    );
    if let Err(e) = run(&data) {
        println!("search bench failed: {e}");
        std::process::exit(1);
    }
}
