//! Export for papers: the published study's figures reproduced from its spreadsheet,
//! spreadsheet imports that are all-or-nothing, hostile quotes inert in every format,
//! and LaTeX output compiled with pdflatex and lualatex.

use std::path::Path;
use std::process::Command;

use crate::common::{gloss, new_project, run, snapshot};

const SHIPPED_CODEBOOK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/codebooks/dl-reengineering.yaml"
);

/// A new project with the shipped codebook.
fn project_with_codebook() -> tempfile::TempDir {
    let tmp = new_project();
    std::fs::copy(
        SHIPPED_CODEBOOK,
        tmp.path().join("codebooks/dl-reengineering.yaml"),
    )
    .unwrap();
    tmp
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (out, stdout, stderr) = run(gloss(dir).args(args));
    assert!(out.status.success(), "gloss {args:?} failed: {stderr}");
    stdout
}

/// A row of a Markdown table as its cells.
fn row<'a>(table: &'a str, first: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.starts_with(&format!("| {first} |")))
        .unwrap_or_else(|| panic!("no row {first:?} in\n{table}"))
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .collect()
}

#[test]
fn the_published_defect_study_figures_are_reproduced() {
    let Some(data) = crate::common::shared_data() else {
        return;
    };
    let tmp = project_with_codebook();
    let dir = tmp.path();
    let csv = data.join("coding/cv-reengineering-defects.csv");
    let csv = csv.to_str().unwrap();
    let import = [
        "import",
        "codings",
        csv,
        "--doc",
        "URL",
        "--map",
        "stage=Part of Implementation",
        "--map",
        "impact=Impacts",
        "--map",
        "manifestation=Manifestation",
        "--map",
        "reporter=Reporter",
    ];
    let out = ok(dir, &import);
    assert!(
        out.contains("348 rows → 348 records of 334 documents"),
        "{out}"
    );
    // Importing the same sheet again changes nothing.
    let before = snapshot(&dir.join("coding"));
    let again = ok(dir, &import);
    assert!(again.contains("(0 changed)"), "{again}");
    assert_eq!(before, snapshot(&dir.join("coding")));

    let stages = ok(dir, &["export", "counts", "--by", "stage"]);
    assert_eq!(row(&stages, "Environment")[1], "157");
    assert_eq!(row(&stages, "Training")[1], "90");
    assert_eq!(row(&stages, "Data pipeline")[1], "68");
    assert_eq!(row(&stages, "Modeling")[1], "33");
    assert_eq!(row(&stages, "Total")[1], "348");

    let by_impact = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "stage",
            "--by",
            "impact",
            "--percent",
            "row",
        ],
    );
    let header: Vec<&str> = by_impact
        .lines()
        .find(|l| l.starts_with("| DL stage"))
        .unwrap()
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row(&by_impact, "Environment")[col("Crash")], "130 (82.8%)");
    assert_eq!(
        row(&by_impact, "Training")[col("Lower accuracy")],
        "31 (34.4%)"
    );

    let manifestation = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "manifestation",
            "--by",
            "stage",
            "--percent",
            "row",
        ],
    );
    assert!(
        row(&manifestation, "Reproducibility").contains(&"26 (68.4%)"),
        "{manifestation}"
    );
    assert_eq!(
        row(&manifestation, "Reproducibility").last(),
        Some(&"38 (100.0%)")
    );

    let reporters = ok(dir, &["export", "counts", "--by", "reporter"]);
    assert_eq!(row(&reporters, "Re-user")[1..], ["203", "58.3%"]);

    // The figure: bars carry their values.
    let svg = ok(
        dir,
        &[
            "export",
            "chart",
            "--by",
            "stage",
            "--by",
            "impact",
            "--percent",
        ],
    );
    assert!(
        svg.contains(r#"data-row="Environment" data-series="Crash" data-value="82.8""#),
        "{svg}"
    );
    assert!(svg.contains(r#"data-row="Training" data-series="Lower accuracy" data-value="34.4""#));
    let (out, _, stderr) =
        run(gloss(dir).args(["export", "chart", "--by", "stage", "-o", "x.png"]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");

    // The raw records, parsed back.
    let records = ok(dir, &["export", "records", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(records.as_bytes());
    assert_eq!(reader.records().count(), 348);
}

#[test]
fn a_sheet_with_unknown_labels_imports_nothing_and_names_them() {
    let tmp = project_with_codebook();
    let dir = tmp.path();
    let sheet = dir.join("sheet.csv");
    std::fs::write(
        &sheet,
        "issue,stage,impact\n48.0,Training,crash\n48,Trainnig,Crash\n49,nan,hang\n",
    )
    .unwrap();
    let before = snapshot(dir);
    let (out, _, stderr) = run(gloss(dir).args([
        "import",
        "codings",
        sheet.to_str().unwrap(),
        "--doc",
        "issue",
        "--doc-prefix",
        "issues/pilot#",
        "--map",
        "stage=stage",
        "--map",
        "impact=impact",
    ]));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("\"Trainnig\" in column \"stage\""),
        "{stderr}"
    );
    assert!(stderr.contains("line(s) 3"), "{stderr}");
    assert!(stderr.contains("\"nan\""), "{stderr}");
    assert_eq!(before, snapshot(dir), "a refused import changed files");

    // With `nan` as missing and the typo created as a new value, it goes through:
    // rows of issue 48 become its records 1 and 2.
    let out = ok(
        dir,
        &[
            "import",
            "codings",
            sheet.to_str().unwrap(),
            "--doc",
            "issue",
            "--doc-prefix",
            "issues/pilot#",
            "--map",
            "stage=stage",
            "--map",
            "impact=impact",
            "--missing",
            "nan",
            "--create-missing",
        ],
    );
    assert!(out.contains("3 rows → 3 records of 2 documents"), "{out}");
    assert!(out.contains("stage-trainnig"), "{out}");
    let list = ok(dir, &["list"]);
    assert!(list.contains("issues/pilot#48"), "{list}");
    let records = ok(dir, &["export", "records", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&records).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["document"], "issues/pilot#48");
    assert_eq!(rows[1]["record"], "2");
    assert_eq!(rows[1]["stage"], "Trainnig");
    assert_eq!(rows[2]["stage"], "");
}

const HOSTILE: &str = "We ran \\input{/etc/passwd} and \\write18{rm x}, 100% & a_b {x} $y$ #1 ~ ^ =cmd|' /C calc'!A0 <script>alert(1)</script> done";

/// A project with one transcript whose coded quote is hostile, and the other
/// coded quote in several scripts.
fn hostile_project() -> tempfile::TempDir {
    let tmp = project_with_codebook();
    let dir = tmp.path();
    let t = dir.join("t.txt");
    std::fs::write(
        &t,
        format!(
            "Interviewer: Tell me.\n\nP1: {HOSTILE}\n\nP1: Café “quoted” – dash — and 模型移植 and Ελληνικά.\n"
        ),
    )
    .unwrap();
    ok(dir, &["import", "transcript", t.to_str().unwrap()]);
    ok(
        dir,
        &[
            "code",
            "transcripts/t",
            "challenges",
            "--turn",
            "2",
            "--quote",
            HOSTILE,
        ],
    );
    ok(
        dir,
        &[
            "code",
            "transcripts/t",
            "practices",
            "--turn",
            "3",
            "--quote",
            "Café “quoted” – dash — and 模型移植 and Ελληνικά.",
        ],
    );
    tmp
}

#[test]
fn hostile_quotes_come_out_inert_in_every_format() {
    let tmp = hostile_project();
    let dir = tmp.path();
    let latex = ok(dir, &["export", "quotes", "--format", "latex"]);
    assert!(!latex.contains("\\input{"), "{latex}");
    assert!(!latex.contains("\\write18{"), "{latex}");
    assert!(
        latex.contains("100\\% \\& a\\_b \\{x\\} \\$y\\$ \\#1"),
        "{latex}"
    );

    let csv_text = ok(dir, &["export", "quotes", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let quotes: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert!(quotes.iter().any(|q| q.contains(HOSTILE)), "{quotes:?}");

    let html = ok(dir, &["export", "quotes", "--format", "html"]);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");

    let md = ok(dir, &["export", "quotes", "--format", "markdown"]);
    for line in md.lines().filter(|l| l.starts_with("| Q-")) {
        assert_eq!(line.replace("\\|", "").matches('|').count(), 5, "{line}");
    }
    let json = ok(dir, &["export", "quotes", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["Quote"].as_str().unwrap().contains(HOSTILE))
    );
}

/// Compiles `body` (a table to `\input`) with `engine`, under the test preamble.
fn compile(engine: &str, table: &str) -> Option<Result<(), String>> {
    if Command::new(engine).arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{engine} is missing, and CI=true requires the LaTeX tests to run (.ci/run installs it)"
        );
        eprintln!("note: {engine} is not installed; skipping a LaTeX compile test");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("table.tex"), table).unwrap();
    let preamble = if engine == "lualatex" {
        // Text in scripts the default font lacks (CJK) must not stop the build.
        "\\documentclass{article}\\usepackage{booktabs,longtable,array}"
    } else {
        "\\documentclass{article}\\usepackage[utf8]{inputenc}\\usepackage{booktabs,longtable,array}"
    };
    std::fs::write(
        tmp.path().join("doc.tex"),
        format!("{preamble}\n\\begin{{document}}\n\\input{{table}}\n\\end{{document}}\n"),
    )
    .unwrap();
    let out = Command::new(engine)
        .args([
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            "doc.tex",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    if out.status.success() {
        Some(Ok(()))
    } else {
        let log = std::fs::read_to_string(tmp.path().join("doc.log")).unwrap_or_default();
        let errors: Vec<&str> = log.lines().filter(|l| l.starts_with('!')).collect();
        Some(Err(format!("{engine} failed: {errors:?}")))
    }
}

#[test]
fn latex_quote_tables_compile_with_pdflatex_and_lualatex() {
    let tmp = hostile_project();
    let dir = tmp.path();
    // pdflatex: Latin-script text with typographic quotes and dashes.
    let latin = ok(
        dir,
        &[
            "export",
            "quotes",
            "--code",
            "challenges",
            "--format",
            "latex",
        ],
    );
    if let Some(result) = compile("pdflatex", &latin) {
        result.unwrap();
    }
    // lualatex: every script.
    let all = ok(dir, &["export", "quotes", "--format", "latex"]);
    if let Some(result) = compile("lualatex", &all) {
        result.unwrap();
    }
}

#[test]
fn latex_tables_of_real_transcript_quotes_compile() {
    let Some(data) = crate::common::shared_data() else {
        return;
    };
    // Every turn of the real interviews as a quote (the longest trimmed), which covers
    // every character the transcripts use.
    let tmp = project_with_codebook();
    let dir = tmp.path();
    for folder in ["cv-reengineering", "ml-quality"] {
        let path = data.join("transcripts").join(folder);
        ok(dir, &["import", "transcript", path.to_str().unwrap()]);
    }
    let study = gloss::study::Study::open(gloss::project::Project::open(dir).unwrap()).unwrap();
    let mut table = gloss::export::table::Table {
        title: "Real quotes".into(),
        columns: vec![
            gloss::export::table::Column::left("Source"),
            gloss::export::table::Column::wrap("Quote"),
        ],
        ..Default::default()
    };
    for doc in &study.corpus.docs {
        for turn in &doc.turns {
            table.rows.push(vec![
                doc.id.clone(),
                gloss::export::quotes::trim_quote(&turn.text, 300),
            ]);
        }
    }
    assert!(table.rows.len() > 1000);
    let latex = table.render(gloss::export::table::Format::Latex);
    for engine in ["pdflatex", "lualatex"] {
        if let Some(result) = compile(engine, &latex) {
            result.unwrap();
        }
    }
}
