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
    // The same figure as a PNG: twice the SVG's size, its bars in the palette's colours.
    let (out, _, stderr) = run(gloss(dir).args([
        "export",
        "chart",
        "--by",
        "stage",
        "--by",
        "impact",
        "--percent",
        "-o",
        "fig.png",
    ]));
    assert!(out.status.success(), "{stderr}");
    let png = std::fs::read(dir.join("fig.png")).unwrap();
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
    let svg_width: f32 = svg
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .unwrap();
    assert_eq!(pixmap.width(), (svg_width * 2.0).ceil() as u32);
    let count = |rgb: (u8, u8, u8)| {
        pixmap
            .pixels()
            .iter()
            .filter(|p| (p.red(), p.green(), p.blue()) == rgb)
            .count()
    };
    assert!(count((0x00, 0x72, 0xB2)) > 1000, "the first series' blue");
    assert!(
        count((0xE6, 0x9F, 0x00)) > 1000,
        "the second series' orange"
    );
    let (out, _, stderr) = run(gloss(dir).args([
        "export", "chart", "--by", "stage", "--scale", "9", "-o", "big.png",
    ]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!dir.join("big.png").exists());
    let (out, _, stderr) =
        run(gloss(dir).args(["export", "counts", "--by", "stage", "-o", "x.png"]));
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

/// A project with the codebook and every real interview of ../shared/data imported;
/// `None` (with a note) when the data is absent.
fn project_with_real_interviews() -> Option<tempfile::TempDir> {
    let data = crate::common::shared_data()?;
    let tmp = project_with_codebook();
    for folder in ["cv-reengineering", "ml-quality"] {
        let path = data.join("transcripts").join(folder);
        ok(
            tmp.path(),
            &["import", "transcript", path.to_str().unwrap()],
        );
    }
    Some(tmp)
}

#[test]
fn latex_tables_of_real_transcript_quotes_compile() {
    // Every turn of the real interviews as a quote (the longest trimmed), which covers
    // every character the transcripts use.
    let Some(tmp) = project_with_real_interviews() else {
        return;
    };
    let dir = tmp.path();
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

/// A small coded project: two interviews (P1 at a lab, P2 at a company) and three
/// issues in two repositories, seven span codings.
///
/// | coding | document | turn | code |
/// |---|---|---|---|
/// | 1 | transcripts/a (P1, lab) | 2 | performance-debugging |
/// | 2 | transcripts/a | 2 | trustworthiness |
/// | 3 | transcripts/a | 4 | model-operationalization |
/// | 4 | transcripts/b (P2, company) | 2 | performance-debugging |
/// | 5 | issues/acme/widgets#1 | 1 | performance-debugging |
/// | 6 | issues/acme/widgets#2 | 1 | model-operationalization |
/// | 7 | issues/other/tool#5 | 1 | performance-debugging |
/// | 8 | issues/other/tool#5 | 1 | trustworthiness |
fn small_project() -> tempfile::TempDir {
    let tmp = project_with_codebook();
    let dir = tmp.path();
    let config = std::fs::read_to_string(dir.join("gloss.yaml")).unwrap();
    let config = config
        .replace("participants: {}", "participants: {P1: P1, P2: P2}")
        .replace(
            "participant_attributes: {}",
            "participant_attributes: {P1: {role: leader}}",
        )
        .replace(
            "attributes: {}",
            "attributes:\n  transcripts/a: {site: lab}\n  transcripts/b: {site: company}",
        )
        .replace("pseudonyms: {}", "pseudonyms: {Heidelberg: a city}");
    std::fs::write(dir.join("gloss.yaml"), config).unwrap();
    std::fs::write(
        dir.join("transcripts/a.txt"),
        "Interviewer: Tell me.\n\nP1: The loss diverged. We checked the data in Heidelberg.\n\nInterviewer: And then?\n\nP1: We ported it to PyTorch.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("transcripts/b.txt"),
        "Interviewer: Hi.\n\nP2: Debugging the accuracy took weeks.\n",
    )
    .unwrap();
    let issue = |repo: &str, n: u32, who: &str, text: &str| {
        format!(
            r#"{{"id":"issues/{repo}#{n}","kind":"issue","title":"t{n}","attributes":{{"repo":"{repo}"}},"turns":[{{"speaker":"{who}","text":"{text}"}}]}}"#
        )
    };
    std::fs::create_dir_all(dir.join("issues/acme")).unwrap();
    std::fs::create_dir_all(dir.join("issues/other")).unwrap();
    std::fs::write(
        dir.join("issues/acme/widgets.jsonl"),
        format!(
            "{}\n{}\n",
            issue("acme/widgets", 1, "ann", "Loss is NaN after porting."),
            issue("acme/widgets", 2, "bob", "Crash on import.")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("issues/other/tool.jsonl"),
        format!(
            "{}\n",
            issue(
                "other/tool",
                5,
                "cat",
                "Accuracy lower than the paper <script>x</script>."
            )
        ),
    )
    .unwrap();
    for (doc, code, turn, quote) in [
        (
            "transcripts/a",
            "performance-debugging",
            2,
            "The loss diverged.",
        ),
        (
            "transcripts/a",
            "trustworthiness",
            2,
            "We checked the data in Heidelberg.",
        ),
        (
            "transcripts/a",
            "model-operationalization",
            4,
            "We ported it to PyTorch.",
        ),
        (
            "transcripts/b",
            "performance-debugging",
            2,
            "Debugging the accuracy took weeks.",
        ),
        (
            "issues/acme/widgets#1",
            "performance-debugging",
            1,
            "Loss is NaN after porting.",
        ),
        (
            "issues/acme/widgets#2",
            "model-operationalization",
            1,
            "Crash on import.",
        ),
        (
            "issues/other/tool#5",
            "performance-debugging",
            1,
            "Accuracy lower than the paper",
        ),
        (
            "issues/other/tool#5",
            "trustworthiness",
            1,
            "<script>x</script>",
        ),
    ] {
        let (out, _, stderr) = crate::common::code(dir, doc, code, turn, quote);
        assert!(out.status.success(), "code {doc} {code}: {stderr}");
    }
    tmp
}

#[test]
fn span_codes_are_crossed_with_the_kind_as_documents_and_codings() {
    let tmp = small_project();
    let dir = tmp.path();
    let t = ok(dir, &["export", "counts", "--by", "code", "--by", "kind"]);
    assert_eq!(
        row(&t, "Code \\\\ kind"),
        ["Code \\\\ kind", "transcript", "issue", "Total"]
    );
    assert_eq!(row(&t, "Challenges")[1..], ["2", "3", "5"], "{t}");
    assert_eq!(row(&t, "  Model operationalization")[1..], ["1", "1", "2"]);
    assert_eq!(row(&t, "  Performance debugging")[1..], ["2", "2", "4"]);
    assert_eq!(row(&t, "  Judging trustworthiness")[1..], ["1", "1", "2"]);
    assert_eq!(row(&t, "n (documents)")[1..], ["2", "3", "5"]);

    let t = ok(
        dir,
        &[
            "export", "counts", "--by", "code", "--by", "kind", "--count", "codings",
        ],
    );
    assert_eq!(row(&t, "Challenges")[1..], ["3", "3", "6"], "{t}");
    assert_eq!(row(&t, "n (codings)")[1..], ["4", "4", "8"]);
}

#[test]
fn span_codes_are_crossed_with_participants_and_attributes() {
    let tmp = small_project();
    let dir = tmp.path();
    // By participant: each participant's own codings; issue posts are left out.
    let t = ok(
        dir,
        &["export", "counts", "--by", "code", "--by", "participant"],
    );
    assert_eq!(row(&t, "Code \\\\ participant")[1..], ["P1", "P2", "Total"]);
    assert_eq!(row(&t, "Challenges")[1..], ["2", "1", "3"], "{t}");
    assert_eq!(row(&t, "  Performance debugging")[1..], ["1", "1", "2"]);
    assert_eq!(row(&t, "  Judging trustworthiness")[1..], ["1", "0", "1"]);
    assert_eq!(row(&t, "n (codings)")[1..], ["3", "1", "4"]);
    assert!(t.contains("4 codings are not in the table"), "{t}");
    // As documents: n is the documents each participant speaks in (issues have none).
    let t = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "code",
            "--by",
            "participant",
            "--count",
            "documents",
        ],
    );
    assert_eq!(row(&t, "Challenges")[1..], ["1", "1", "2"], "{t}");
    assert_eq!(row(&t, "n (documents)")[1..], ["1", "1", "2"]);

    // A gloss.yaml attribute, counted as participants: documents without it are (none).
    let t = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "code",
            "--by",
            "site",
            "--count",
            "participants",
        ],
    );
    assert_eq!(
        row(&t, "Code \\\\ site")[1..],
        ["company", "lab", "(none)", "Total"]
    );
    assert_eq!(
        row(&t, "  Performance debugging")[1..],
        ["1", "1", "0", "2"],
        "{t}"
    );
    assert_eq!(
        row(&t, "  Model operationalization")[1..],
        ["0", "1", "0", "1"]
    );
    assert_eq!(row(&t, "n (participants)")[1..], ["1", "1", "0", "2"]);

    // A participant attribute: codes by who said them (P2 has no role).
    let t = ok(dir, &["export", "counts", "--by", "code", "--by", "role"]);
    assert_eq!(
        row(&t, "Code \\\\ role")[1..],
        ["leader", "(none)", "Total"],
        "{t}"
    );
    assert_eq!(
        row(&t, "  Performance debugging")[1..],
        ["1", "1", "2"],
        "{t}"
    );
    assert_eq!(row(&t, "  Judging trustworthiness")[1..], ["1", "0", "1"]);
    assert_eq!(row(&t, "n (documents)")[1..], ["1", "1", "2"]);
    assert!(t.contains("participants without a role attribute"), "{t}");

    // The repository, as documents with column percentages ("1 of 2 issues").
    let t = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "code",
            "--by",
            "repo",
            "--percent",
            "col",
            "--code",
            "performance-debugging",
        ],
    );
    assert_eq!(
        row(&t, "Performance debugging")[1..],
        ["1 (50.0%)", "1 (100.0%)", "2 (100.0%)", "4 (80.0%)"],
        "{t}"
    );
    assert_eq!(row(&t, "n (documents)")[1..], ["2", "1", "2", "5"]);

    // Mistakes are explained.
    let (out, _, stderr) =
        run(gloss(dir).args(["export", "counts", "--by", "code", "--by", "colour"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr
            .contains("no document has an attribute \"colour\"; use participant, kind, repo, site"),
        "{stderr}"
    );
    let (out, _, stderr) =
        run(gloss(dir).args(["export", "counts", "--by", "stage", "--cooccur", "turn"]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
}

#[test]
fn codes_co_occur_within_turns_and_documents() {
    let tmp = small_project();
    let dir = tmp.path();
    let args = |within: &str| {
        [
            "export",
            "counts",
            "--by",
            "code",
            "--cooccur",
            within,
            "--code",
            "performance-debugging",
            "--code",
            "trustworthiness",
            "--code",
            "model-operationalization",
            "--code",
            "challenges",
        ]
        .map(String::from)
    };
    let t = ok(dir, &args("turn").each_ref().map(String::as_str));
    assert_eq!(
        row(&t, "Performance debugging")[1..],
        ["4", "2", "0", "–"],
        "{t}"
    );
    assert_eq!(
        row(&t, "Judging trustworthiness")[1..],
        ["2", "2", "0", "2"]
    );
    assert_eq!(
        row(&t, "Model operationalization")[1..],
        ["0", "0", "2", "–"]
    );
    assert_eq!(row(&t, "Challenges")[1..], ["–", "2", "–", "6"]);
    let t = ok(dir, &args("document").each_ref().map(String::as_str));
    assert_eq!(
        row(&t, "Performance debugging")[1..],
        ["4", "2", "1", "–"],
        "{t}"
    );
    assert_eq!(
        row(&t, "Judging trustworthiness")[1..],
        ["2", "2", "1", "2"]
    );
    assert_eq!(
        row(&t, "Model operationalization")[1..],
        ["1", "1", "2", "–"]
    );
}

/// The quotes of `gloss export quotes ARGS --format json`, in row order, without the
/// typographic quotes around them.
fn quotes(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["export", "quotes", "--format", "json"];
    all.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(&ok(dir, &all)).unwrap();
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["Quote"]
                .as_str()
                .unwrap()
                .trim_matches(['“', '”'])
                .to_string()
        })
        .collect()
}

#[test]
fn quote_tables_sort_by_code_participant_length_or_id() {
    let tmp = small_project();
    let dir = tmp.path();
    let by_document = [
        "Loss is NaN after porting.",
        "Crash on import.",
        "Accuracy lower than the paper",
        "<script>x</script>",
        "The loss diverged.",
        "We checked the data in a city.",
        "We ported it to PyTorch.",
        "Debugging the accuracy took weeks.",
    ];
    assert_eq!(quotes(dir, &[]), by_document);
    assert_eq!(quotes(dir, &["--sort", "document"]), by_document);
    assert_eq!(
        quotes(dir, &["--sort", "length"]),
        [
            "Crash on import.",
            // Equal lengths: document order.
            "<script>x</script>",
            "The loss diverged.",
            "We ported it to PyTorch.",
            "Loss is NaN after porting.",
            "Accuracy lower than the paper",
            "We checked the data in a city.",
            "Debugging the accuracy took weeks.",
        ]
    );
    assert_eq!(
        quotes(dir, &["--sort", "id"]),
        [
            "The loss diverged.",
            "We checked the data in a city.",
            "We ported it to PyTorch.",
            "Debugging the accuracy took weeks.",
            "Loss is NaN after porting.",
            "Crash on import.",
            "Accuracy lower than the paper",
            "<script>x</script>",
        ]
    );
    assert_eq!(
        quotes(dir, &["--sort", "participant"]),
        [
            "The loss diverged.",
            "We checked the data in a city.",
            "We ported it to PyTorch.",
            "Debugging the accuracy took weeks.",
            "Loss is NaN after porting.",
            "Crash on import.",
            "Accuracy lower than the paper",
            "<script>x</script>",
        ]
    );
    assert_eq!(
        quotes(dir, &["--sort", "code"]),
        [
            "Crash on import.",
            "We ported it to PyTorch.",
            "Loss is NaN after porting.",
            "Accuracy lower than the paper",
            "The loss diverged.",
            "Debugging the accuracy took weeks.",
            "<script>x</script>",
            "We checked the data in a city.",
        ]
    );
    // Grouped, the order holds within each group.
    assert_eq!(
        quotes(dir, &["--group-by", "participant", "--sort", "length"]),
        [
            "Crash on import.",
            "<script>x</script>",
            "Loss is NaN after porting.",
            "Accuracy lower than the paper",
            "The loss diverged.",
            "We ported it to PyTorch.",
            "We checked the data in a city.",
            "Debugging the accuracy took weeks.",
        ]
    );
}

#[test]
fn the_report_holds_each_codes_counts_and_quotes_and_stays_inert() {
    let tmp = small_project();
    let dir = tmp.path();
    ok(dir, &["mark", "transcripts/a", "done"]);
    // Coding a document puts it in progress: tester has 1 done, 4 in progress.
    ok(dir, &["mark", "transcripts/b", "in-progress"]);
    ok(
        dir,
        &[
            "record",
            "issues/acme/widgets#1",
            "--set",
            "stage=training",
            "--set",
            "impact=crash",
        ],
    );
    ok(
        dir,
        &[
            "record",
            "issues/acme/widgets#2",
            "--set",
            "stage=environment",
            "--set",
            "impact=crash",
        ],
    );
    let (out, _, stderr) =
        run(gloss(dir)
            .env("GLOSS_CODER", "bob")
            .args(["mark", "issues/other/tool#5", "done"]));
    assert!(out.status.success(), "{stderr}");

    let (out, _, stderr) = run(gloss(dir).args(["report", "-o", "report.html"]));
    assert!(out.status.success(), "{stderr}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // Per code: definition, counts, breakdowns, quotes (pseudonymised).
    assert!(
        html.contains("<h3>Challenges &gt; Performance debugging</h3>"),
        "{html}"
    );
    assert!(
        html.contains("<p>4 codings in 4 of 5 documents and 2 of 2 participants.</p>"),
        "{html}"
    );
    assert!(html.contains("<li>By participant (codings): P1 1, P2 1</li>"));
    assert!(html.contains("<li>By document kind (codings): issue 2, transcript 2</li>"));
    assert!(html.contains("<li>By repository (codings): acme/widgets 1, other/tool 1</li>"));
    assert!(html.contains("“The loss diverged.”"), "{html}");
    assert!(html.contains(
        "“Loss is NaN after porting.”</p><footer>— acme/widgets#1 <small>(https://github.com/acme/widgets/issues/1)</small>"
    ) || html.contains("— acme/widgets#1 (https://github.com/acme/widgets/issues/1)"), "{html}");
    assert!(html.contains(
        "<p>6 codings in 5 of 5 documents and 2 of 2 participants (with the codes below it).</p>"
    ));
    assert!(html.contains("We checked the data in a city."));
    assert!(!html.contains("Heidelberg"));
    // Hostile text is inert.
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
    // Progress per coder, and the instrument.
    assert!(
        html.contains("<tr><td>tester</td><td class=\"r\">1</td><td class=\"r\">4</td><td class=\"r\">0</td><td class=\"r\">0</td><td class=\"r\">8</td><td class=\"r\">2</td></tr>"),
        "{html}"
    );
    assert!(html.contains(
        "<tr><td>bob</td><td class=\"r\">1</td><td class=\"r\">0</td><td class=\"r\">4</td>"
    ));
    assert!(
        html.contains("<caption>DL stage (n = 2)</caption>"),
        "{html}"
    );

    // Markdown on standard output, the same figures.
    let md = ok(dir, &["report"]);
    assert!(
        md.contains("4 codings in 4 of 5 documents and 2 of 2 participants."),
        "{md}"
    );
    assert!(
        md.contains("> “The loss diverged.” — P1 (Q-tester-1)"),
        "{md}"
    );
    assert!(!md.contains("<script>"));
}

#[test]
fn findings_are_supported_by_codes_and_searches_and_bad_files_are_located() {
    let tmp = small_project();
    let dir = tmp.path();
    std::fs::write(
        dir.join("findings.yaml"),
        "findings:\n  - id: F1\n    text: Reengineers debug performance <b>everywhere</b>.\n    codes: [performance-debugging]\n    quotes: 2\n  - id: F2\n    text: Losses go wrong.\n    search: loss\n  - id: F3\n    text: Defects show in training.\n    counts:\n      by: stage\n",
    )
    .unwrap();
    // Two records; the one in training has evidence, which the finding quotes.
    ok(
        dir,
        &[
            "record",
            "issues/acme/widgets#1",
            "--set",
            "stage=training",
            "--evidence-turn",
            "1",
            "--evidence-quote",
            "NaN after porting",
        ],
    );
    ok(
        dir,
        &["record", "issues/acme/widgets#2", "--set", "stage=training"],
    );
    ok(
        dir,
        &["record", "issues/other/tool#5", "--set", "stage=modeling"],
    );
    let (out, _, stderr) = run(gloss(dir).args(["export", "findings", "-o", "findings.html"]));
    assert!(out.status.success(), "{stderr}");
    let html = std::fs::read_to_string(dir.join("findings.html")).unwrap();
    assert!(
        html.contains("<h2>F1: Reengineers debug performance &lt;b&gt;everywhere&lt;/b&gt;.</h2>"),
        "{html}"
    );
    assert!(
        html.contains(
            "4 codings of Performance debugging in 2 of 2 participants (4 of 5 documents)."
        ),
        "{html}"
    );
    assert_eq!(html.matches("<blockquote>").count(), 2 + 2 + 1, "{html}");
    assert!(
        html.contains("Training: 2 of 3 records = 66.7% (DL stage; records by tester)."),
        "{html}"
    );
    assert!(
        html.contains("<blockquote><p>“NaN after porting”</p>"),
        "{html}"
    );
    assert!(html.contains("2 turns match the search &quot;loss&quot;, in 2 of 5 documents."));
    assert!(
        html.contains("“The loss diverged. We checked the data in a city.”"),
        "{html}"
    );
    let md = ok(dir, &["export", "findings"]);
    assert!(md.contains("## F2: Losses go wrong."), "{md}");
    let latex = ok(dir, &["export", "findings", "--format", "latex"]);
    assert!(
        latex.contains("\\subsection*{F2: Losses go wrong.}"),
        "{latex}"
    );

    // A mistake: one line naming the file and line, exit status 1.
    std::fs::write(
        dir.join("findings.yaml"),
        "findings:\n  - id: F1\n    text: x\n    codes: [no-such-code]\n",
    )
    .unwrap();
    let (out, _, stderr) = run(gloss(dir).args(["export", "findings"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("findings.yaml:4: finding \"F1\": no span code \"no-such-code\""),
        "{stderr}"
    );
    std::fs::write(
        dir.join("findings.yaml"),
        "findings:\n  - id: F1\n    text: [x\n",
    )
    .unwrap();
    let (out, _, stderr) = run(gloss(dir).args(["export", "findings"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("findings.yaml:"), "{stderr}");
    std::fs::remove_file(dir.join("findings.yaml")).unwrap();
    let (out, _, stderr) = run(gloss(dir).args(["export", "findings"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("findings.yaml does not exist"), "{stderr}");
}

#[test]
fn a_finding_on_the_published_defect_study_gives_26_of_38() {
    let Some(data) = crate::common::shared_data() else {
        return;
    };
    let tmp = project_with_codebook();
    let dir = tmp.path();
    let csv = data.join("coding/cv-reengineering-defects.csv");
    ok(
        dir,
        &[
            "import",
            "codings",
            csv.to_str().unwrap(),
            "--doc",
            "URL",
            "--map",
            "stage=Part of Implementation",
            "--map",
            "impact=Impacts",
            "--map",
            "manifestation=Manifestation",
        ],
    );
    std::fs::write(
        dir.join("findings.yaml"),
        "findings:\n  - id: repro-training\n    text: Most reproducibility defects are found in training.\n    counts:\n      by: [stage]\n      where: {manifestation: reproducibility}\n      value: training\n  - id: env-crash\n    text: Environment defects mostly crash.\n    counts:\n      by: impact\n      where: {stage: environment}\n",
    )
    .unwrap();
    let md = ok(dir, &["export", "findings"]);
    assert!(
        md.contains(
            "Training: 26 of 38 records = 68.4% (DL stage, where Manifestation is Reproducibility"
        ),
        "{md}"
    );
    // Without value:, the largest category.
    assert!(md.contains("Crash: 130 of 157 records = 82.8%"), "{md}");
    let html = ok(dir, &["export", "findings", "--format", "html"]);
    assert!(
        html.contains("26 of 38") && html.contains("68.4%"),
        "{html}"
    );
    let latex = ok(dir, &["export", "findings", "--format", "latex"]);
    assert!(
        latex.contains("26 of 38") && latex.contains("68.4\\%"),
        "{latex}"
    );
    if let Some(result) = compile("pdflatex", &latex) {
        result.unwrap();
    }
}

#[test]
fn code_crosstabs_and_co_occurrence_agree_with_code_counts_on_the_real_interviews() {
    let Some(tmp) = project_with_real_interviews() else {
        return;
    };
    let dir = tmp.path();
    // Code the real interviews by search: every sentence about reproducing, and every
    // sentence about documentation.
    ok(
        dir,
        &["autocode", "reproduce", "--code", "performance-debugging"],
    );
    ok(
        dir,
        &[
            "autocode",
            "documentation",
            "--code",
            "papers-and-documentation",
        ],
    );
    let cell = |table: &str, first: &str, col: usize| -> usize {
        row(table, first)[col]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let codes = ok(dir, &["export", "counts", "--by", "code"]);
    let docs_of = |name: &str| -> usize { cell(&codes, name, 2) };
    let perf = docs_of("  Performance debugging");
    let papers = docs_of("  Using papers and documentation");
    assert!(perf > 3 && papers > 3, "{codes}");
    // The Total column of a crosstab in documents is the code's documents.
    let by_kind = ok(dir, &["export", "counts", "--by", "code", "--by", "kind"]);
    assert_eq!(
        cell(&by_kind, "  Performance debugging", 2),
        perf,
        "{by_kind}"
    );
    assert_eq!(
        cell(&by_kind, "  Using papers and documentation", 2),
        papers
    );
    // The diagonal of the co-occurrence matrix too; the pair is symmetric and no larger.
    let co = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "code",
            "--cooccur",
            "document",
            "--code",
            "performance-debugging",
            "--code",
            "papers-and-documentation",
        ],
    );
    assert_eq!(cell(&co, "Performance debugging", 1), perf, "{co}");
    assert_eq!(cell(&co, "Using papers and documentation", 2), papers);
    let both = cell(&co, "Performance debugging", 2);
    assert_eq!(both, cell(&co, "Using papers and documentation", 1));
    assert!(both <= perf.min(papers));
    // Per participant, codings add up to the codings said by participants.
    let by_person = ok(
        dir,
        &["export", "counts", "--by", "code", "--by", "participant"],
    );
    let total = row(&by_person, "  Performance debugging");
    let sum: usize = total[1..total.len() - 1]
        .iter()
        .map(|c| c.parse::<usize>().unwrap())
        .sum();
    assert_eq!(sum, total.last().unwrap().parse::<usize>().unwrap());
    assert!(sum > 0 && sum <= cell(&codes, "  Performance debugging", 1));
}
