//! Codebook tests: the shipped `dl-reengineering.yaml` loads clean and maps every
//! label of the real bug-study spreadsheet, each kind of problem is reported at its
//! exact `file:line:column`, and `gloss codebook add|rename|move|merge|retire` change
//! only the lines they concern, never a coding file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gloss::codebook::{Codebook, Select};

use crate::common;

/// The shipped codebook file in the repository.
fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("codebooks/dl-reengineering.yaml")
}

/// A temporary project-like folder with the shipped codebook copied under `codebooks/`.
fn shipped_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("codebooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(shipped(), dir.join("dl-reengineering.yaml")).expect("copy codebook");
    (tmp, dir)
}

/// A `codebooks/` folder holding the given files.
fn folder(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("codebooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    (tmp, dir)
}

/// The problems of a folder, as displayed.
fn problems(dir: &Path) -> Vec<String> {
    let (_, problems) = Codebook::check(dir);
    problems.iter().map(ToString::to_string).collect()
}

#[test]
fn codebook_shipped_checks_clean() {
    let (_tmp, dir) = shipped_copy();
    let (book, problems) = Codebook::check(&dir);
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(shown.is_empty(), "problems:\n{}", shown.join("\n"));
    let book = book.expect("codebook");
    assert!(book.codes.len() > 100, "{} codes", book.codes.len());
    Codebook::load(&dir).expect("load");
}

#[test]
fn codebook_shipped_positions_point_at_each_id() {
    let (_tmp, dir) = shipped_copy();
    let book = Codebook::load(&dir).expect("load");
    let text = std::fs::read_to_string(shipped()).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    for code in &book.codes {
        let line = lines.get(code.line - 1).copied().unwrap_or("");
        assert!(
            line.trim_start().trim_start_matches("- ") == format!("id: {}", code.id),
            "{} points at line {}: {line:?}",
            code.id,
            code.line
        );
    }
}

#[test]
fn codebook_shipped_has_the_instrument_dimensions() {
    let (_tmp, dir) = shipped_copy();
    let book = Codebook::load(&dir).expect("load");
    let expected = [
        ("reengineering", Select::One),
        ("framework", Select::One),
        ("project-type", Select::One),
        ("reporter", Select::One),
        ("same-data", Select::One),
        ("same-code", Select::One),
        ("stage", Select::One),
        ("manifestation", Select::One),
        ("impact", Select::Many),
        ("defect-type", Select::One),
        ("root-cause", Select::One),
    ];
    for (id, select) in expected {
        let dim = book
            .dimension(id)
            .unwrap_or_else(|| panic!("no dimension {id}"));
        assert_eq!(dim.select, Some(select), "{id}");
        assert!(!dim.children.is_empty(), "{id} has no values");
    }
    assert_eq!(book.dimensions().len(), expected.len());
    // Values are defined, the root cause nests, and labels resolve per dimension.
    for dim in book.dimensions() {
        for value in book.descendants(&dim.id).into_iter().skip(1) {
            assert!(
                !value.description.is_empty(),
                "{} has no definition",
                value.id
            );
        }
    }
    let gpu = book
        .dimension_value("root cause", "GPU usage bug")
        .expect("gpu");
    assert_eq!(
        book.path(&gpu.id).as_deref(),
        Some("root-cause/rc-environment/rc-gpu-usage")
    );
    assert_eq!(
        book.dimension_value("stage", "Data Pipeline")
            .map(|c| c.id.as_str()),
        Some("stage-data-pipeline")
    );
    assert_eq!(
        book.dimension_value("impact", "Low frequency type")
            .map(|c| c.id.as_str()),
        Some("impact-low-frequency")
    );
    assert_eq!(
        book.dimension_value("root-cause", "low frequency type")
            .map(|c| c.id.as_str()),
        Some("rc-low-frequency")
    );
    // The interview codes have criteria, colours and keys.
    for id in ["challenges", "practices"] {
        let top = book.get(id).unwrap_or_else(|| panic!("no {id}"));
        assert!(top.select.is_none());
        assert!(top.color.is_some() && top.key.is_some(), "{id}");
        for code in book.descendants(id).into_iter().skip(1) {
            for (what, text) in [
                ("description", &code.description),
                ("include", &code.include),
                ("exclude", &code.exclude),
                ("example", &code.example),
            ] {
                assert!(!text.is_empty(), "{} has no {what}", code.id);
            }
        }
    }
    assert_eq!(
        book.resolve("performance debugging").map(|c| c.id.as_str()),
        Some("performance-debugging")
    );
}

/// Reads a CSV file's rows as maps from header to cell.
fn read_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("open csv");
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

/// Every distinct non-empty label (trimmed, lower-cased) of `column`.
fn labels(headers: &[String], rows: &[Vec<String>], column: &str) -> BTreeSet<String> {
    let i = headers
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    rows.iter()
        .filter_map(|r| r.get(i))
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The labels of the given columns that no value of their dimension resolves.
fn unresolved(book: &Codebook, csv: &Path, columns: &[(&str, &str)], skip: &[&str]) -> Vec<String> {
    let (headers, rows) = read_rows(csv);
    let mut missing = Vec::new();
    for (column, dim) in columns {
        for label in labels(&headers, &rows, column) {
            if skip.contains(&label.as_str()) {
                continue;
            }
            if book.dimension_value(dim, &label).is_none() {
                missing.push(format!("{column} → {dim}: {label:?}"));
            }
        }
    }
    missing
}

#[test]
fn codebook_resolves_every_label_of_the_published_defects() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let (_tmp, dir) = shipped_copy();
    let book = Codebook::load(&dir).expect("load");
    let columns = [
        ("Part of Implementation", "stage"),
        ("Impacts", "impact"),
        ("Defect types", "defect-type"),
        ("Root Causes", "root-cause"),
        ("Manifestation", "manifestation"),
        ("Reporter", "reporter"),
        ("Repo type", "project-type"),
        ("Framework", "framework"),
        ("Same Code?", "same-code"),
        ("Same Data?", "same-data"),
    ];
    let csv = data.join("coding/cv-reengineering-defects.csv");
    let missing = unresolved(&book, &csv, &columns, &[]);
    assert!(
        missing.is_empty(),
        "unresolved labels:\n{}",
        missing.join("\n")
    );
}

#[test]
fn codebook_resolves_the_labels_of_the_refined_pilots() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let (_tmp, dir) = shipped_copy();
    let book = Codebook::load(&dir).expect("load");
    let columns = [
        ("DL Stage", "stage"),
        ("Impacts", "impact"),
        ("General Code Error Type", "defect-type"),
        ("DL Specific Error Type", "root-cause"),
        ("Manifestation", "manifestation"),
    ];
    // `nan` is an empty cell; `other'` a typo with a stray quote.
    let skip = ["nan", "other'"];
    for name in ["Pilot_re1.csv", "Pilot_re2.csv"] {
        let missing = unresolved(&book, &data.join("coding").join(name), &columns, &skip);
        assert!(
            missing.is_empty(),
            "{name}: unresolved labels:\n{}",
            missing.join("\n")
        );
    }
}

#[test]
fn codebook_reports_every_problem_of_a_file_at_its_position() {
    let text = "\
codes:
  - id: alpha
    name: Alpha
    colour: \"#ffffff\"
    descripton: first
    key: k
  - id: beta
    name: Beta
    color: \"#12\"
    key: k
    aliases: [ALPHA ]
  - name: Gamma Ray
  - id: alpha
    name: Alpha again
  - id: delta
    select: some
  - id: dim
    name: Dim
    select: one
    children:
      - id: value
        name: Value
        select: many
        memo: no memos here
";
    let (_tmp, dir) = folder(&[("a.yaml", text)]);
    let f = dir.join("a.yaml").display().to_string();
    let expected = vec![
        format!("{f}:4:5: unknown key `colour` in `alpha`; did you mean `color`?"),
        format!("{f}:5:5: unknown key `descripton` in `alpha`; did you mean `description`?"),
        format!(
            "{f}:9:5: color `#12` of `beta` is not a colour; write `#rrggbb` or `#rgb` in hex, e.g. \"#d19a66\""
        ),
        format!(
            "{f}:10:5: key `k` of `beta` is already the shortcut of `alpha` at {f}:6; choose another key"
        ),
        format!(
            "{f}:11:5: alias `ALPHA` of `beta` is already the id of `alpha` at {f}:2; a label (compared ignoring case and spaces) must name one code, so change or remove one of them"
        ),
        format!("{f}:12:5: code has no `id`; add one, e.g. `id: gamma-ray`"),
        format!(
            "{f}:13:5: duplicate id `alpha`: already used at {f}:2; ids must be unique across all codebook files, so rename one of them"
        ),
        format!("{f}:15:5: `delta` has no `name`; add the name coders will see, e.g. `name: ...`"),
        format!(
            "{f}:16:5: select `some` of `delta` must be `one` (pick one value) or `many` (check all that apply)"
        ),
        format!(
            "{f}:23:9: `value` has `select` but is a value of dimension `dim`; a value cannot be a dimension, so remove `select` here or move `value` out of `dim`"
        ),
        format!(
            "{f}:24:9: unknown key `memo` in `value`; memos on codes are not part of the codebook: write them in gloss, which keeps them in your coder file"
        ),
    ];
    assert_eq!(problems(&dir), expected);
    // `load` fails with the first problem and counts the others.
    let err = Codebook::load(&dir).expect_err("problems").to_string();
    assert_eq!(
        err,
        format!(
            "{f}:4:5: unknown key `colour` in `alpha`; did you mean `color`? (and 10 more problems; run `gloss codebook check` to list them all)"
        )
    );
    // The checked codebook keeps what it can: the first `alpha`, `beta` and the rest.
    let (book, _) = Codebook::check(&dir);
    let book = book.expect("valid YAML gives a codebook");
    let ids: Vec<&str> = book.codes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["alpha", "beta", "delta", "dim", "value"]);
    assert_eq!(book.get("value").and_then(|c| c.select), None);
}

#[test]
fn codebook_reports_problems_across_files_in_file_order() {
    let first = "\
codes:
  - id: crash
    name: Crash
    key: c
";
    let second = "\
# a second codebook
codes:
  - id: impact
    name: Impact
    select: many
    children:
      - id: crash
        name: Crash!
      - id: impact-crash
        name: crash
";
    let broken = "codes:\n  - id: x\n    name: [unclosed\n";
    let (_tmp, dir) = folder(&[
        ("b.yml", second),
        ("a.yaml", first),
        ("c.yaml", broken),
        ("notes.txt", "ignored"),
    ]);
    let a = dir.join("a.yaml").display().to_string();
    let b = dir.join("b.yml").display().to_string();
    let c = dir.join("c.yaml").display().to_string();
    let shown = problems(&dir);
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert_eq!(
        shown[0],
        format!(
            "{b}:7:9: duplicate id `crash`: already used at {a}:2; ids must be unique across all codebook files, so rename one of them"
        )
    );
    // The YAML error keeps yaml_serde's message, position and context.
    assert_eq!(
        shown[1],
        format!(
            "{c}:4:1: YAML syntax error: did not find expected ',' or ']', while parsing a flow sequence at line 3 column 11"
        )
    );
    // A value's label may repeat a label outside its dimension (`crash`), and a file
    // that is not valid YAML leaves no codebook.
    let (book, _) = Codebook::check(&dir);
    assert!(book.is_none());
    let err = Codebook::load(&dir).expect_err("problems").to_string();
    assert!(err.starts_with(&format!("{b}:7:9: duplicate id")), "{err}");
}

#[test]
fn codebook_labels_clash_only_within_one_scope() {
    let text = "\
codes:
  - id: stage
    name: Stage
    select: one
    children:
      - id: stage-other
        name: Other
      - id: stage-misc
        name: Misc
        aliases:
          - other
  - id: impact
    name: Impact
    select: many
    children: [{id: impact-other, name: Other}]
  - id: other
    name: Something else
";
    let (_tmp, dir) = folder(&[("a.yaml", text)]);
    let f = dir.join("a.yaml").display().to_string();
    assert_eq!(
        problems(&dir),
        vec![format!(
            "{f}:10:9: alias `other` of `stage-misc` is already the name of `stage-other` at {f}:7; a label (compared ignoring case and spaces) must name one code within dimension `stage`, so change or remove one of them"
        )]
    );
}

#[test]
fn codebook_missing_folder_and_odd_files_do_not_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (book, found) = Codebook::check(&tmp.path().join("absent"));
    assert!(found.is_empty());
    assert!(book.expect("empty codebook").codes.is_empty());
    for text in [
        "",
        "# only a comment\n",
        "- a\n- b\n",
        "codes: 3\n",
        "codes:\n  - just text\n  - [a, list]\n",
        "codes:\n  - id: a\n    name: A\n    children: text\n    color:\n    key: ab\n    aliases: [[x]]\n",
        "codez:\n  - id: a\n",
        "codes:\n  - {id: a, name: A, colour: red}\n",
        "\u{feff}codes:\n  - id: é\n    name: Ü\n",
    ] {
        let (_tmp, dir) = folder(&[("x.yaml", text)]);
        let shown = problems(&dir);
        for p in &shown {
            assert!(p.contains("x.yaml"), "{p}");
        }
    }
    let (_tmp, dir) = folder(&[("x.yaml", "codez:\n  - id: a\n")]);
    let f = dir.join("x.yaml").display().to_string();
    assert_eq!(
        problems(&dir),
        vec![format!(
            "{f}:1:1: unknown top-level key `codez`; did you mean `codes`?"
        )]
    );
    let (_tmp, dir) = folder(&[(
        "x.yaml",
        "codes:\n  - id: a\n    name: A\n    color: #fff\n",
    )]);
    let f = dir.join("x.yaml").display().to_string();
    assert_eq!(
        problems(&dir),
        vec![format!(
            "{f}:4:5: `color` of `a` is empty; quote the colour, since an unquoted `#` starts a YAML comment: color: \"#d19a66\""
        )]
    );
    let (_tmp, dir) = folder(&[("x.yaml", "codes:\n  - id: a b\n    name: A\n")]);
    let f = dir.join("x.yaml").display().to_string();
    assert_eq!(
        problems(&dir),
        vec![format!(
            "{f}:2:5: id `a b` may hold only letters, digits, `-`, `_` and `.`; write e.g. `a-b`"
        )]
    );
}

// ------------------------------------------------------------------ editing

/// The lines removed from `a` (`-line`) and added in `b` (`+line`), by a longest
/// common subsequence of lines.
fn line_diff(a: &str, b: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("-{}", a[i]));
            i += 1;
        } else {
            out.push(format!("+{}", b[j]));
            j += 1;
        }
    }
    out
}

/// A codebook as people write it: comments, blank lines, a folded description and
/// both quote styles.
const COMMENTED: &str = "\
# Interview codes for the pilot.
# Keep ids stable: codings refer to them.

codes:
  # -------- challenges
  - id: challenges
    name: Challenges
    color: \"#e06c75\"   # red
    children:
      # Accuracy or speed below the reference.
      - id: perf
        name: Performance debugging
        aliases: [perf debugging]
      - id: slow
        name: Slow training
        description: >-
          Training takes much longer
          than the paper says.
      - id: port
        name: 'Portability'

  # -------- practices
  - id: practices
    name: Practices
    children:
      - id: testing
        name: Testing
        key: t
";

/// A project with the commented codebook in `codebooks/pilot.yaml` and a transcript.
fn commented_project() -> tempfile::TempDir {
    let tmp = common::new_project();
    std::fs::write(tmp.path().join("codebooks/pilot.yaml"), COMMENTED).expect("codebook");
    std::fs::write(
        tmp.path().join("transcripts/p1.txt"),
        "Interviewer: How did the port go?\n\nP1: The loss went to NaN after two epochs, so we compared layer outputs.\n",
    )
    .expect("transcript");
    tmp
}

/// Runs `gloss codebook ARGS` and returns its stdout, failing the test on an error.
fn edit_ok(dir: &Path, args: &[&str]) -> String {
    let (out, stdout, stderr) = common::run(common::gloss(dir).arg("codebook").args(args));
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    stdout
}

#[test]
fn codebook_edits_keep_comments_and_change_only_their_lines() {
    let tmp = commented_project();
    let dir = tmp.path();
    let file = dir.join("codebooks/pilot.yaml");
    let read = || std::fs::read_to_string(&file).expect("read");

    // A coding with `perf` before the codebook changes.
    let (out, _, stderr) = common::code(dir, "transcripts/p1", "perf", 2, "went to NaN");
    assert!(out.status.success(), "{stderr}");
    let total = |code: &str| -> serde_json::Value {
        let (out, stdout, stderr) =
            common::run(common::gloss(dir).args(["search", "", "--code", code, "--json"]));
        assert!(out.status.success(), "{stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).expect("json")["total"].clone()
    };
    // The search index is built now, so it must follow the codebook edits below.
    assert_eq!(total("perf"), 1);
    assert_eq!(total("slow"), 0);
    let codings_before = common::snapshot(&dir.join("coding"));

    let before = read();
    let said = edit_ok(dir, &["rename", "port", "Portability: frameworks"]);
    assert_eq!(
        said.trim(),
        "renamed `port`: Portability → Portability: frameworks in codebooks/pilot.yaml"
    );
    assert_eq!(
        line_diff(&before, &read()),
        [
            "-        name: 'Portability'",
            "+        name: 'Portability: frameworks'"
        ]
    );

    let before = read();
    let said = edit_ok(
        dir,
        &[
            "add",
            "layer-tests",
            "Layer tests",
            "--parent",
            "testing",
            "--key",
            "l",
        ],
    );
    assert_eq!(
        said.trim(),
        "added `layer-tests` (Layer tests) under `testing` in codebooks/pilot.yaml"
    );
    assert_eq!(
        line_diff(&before, &read()),
        [
            "+        children:",
            "+          - id: layer-tests",
            "+            name: Layer tests",
            "+            key: l",
        ]
    );

    let before = read();
    let said = edit_ok(dir, &["move", "port", "--to", "practices"]);
    assert_eq!(
        said.trim(),
        "moved `port` under `practices` in codebooks/pilot.yaml"
    );
    assert_eq!(
        line_diff(&before, &read()),
        [
            "-      - id: port",
            "-        name: 'Portability: frameworks'",
            "+      - id: port",
            "+        name: 'Portability: frameworks'",
        ]
    );

    let before = read();
    let said = edit_ok(dir, &["merge", "perf", "slow"]);
    assert!(
        said.starts_with("merged `perf` into `slow`; `perf` is now an alias of `slow`"),
        "{said}"
    );
    assert_eq!(
        line_diff(&before, &read()),
        [
            "-      # Accuracy or speed below the reference.",
            "-      - id: perf",
            "-        name: Performance debugging",
            "-        aliases: [perf debugging]",
            "+        aliases: [perf, Performance debugging, perf debugging]",
        ]
    );

    let expected = "\
# Interview codes for the pilot.
# Keep ids stable: codings refer to them.

codes:
  # -------- challenges
  - id: challenges
    name: Challenges
    color: \"#e06c75\"   # red
    children:
      - id: slow
        name: Slow training
        description: >-
          Training takes much longer
          than the paper says.
        aliases: [perf, Performance debugging, perf debugging]

  # -------- practices
  - id: practices
    name: Practices
    children:
      - id: testing
        name: Testing
        key: t
        children:
          - id: layer-tests
            name: Layer tests
            key: l
      - id: port
        name: 'Portability: frameworks'
";
    assert_eq!(read(), expected);
    let (out, stdout, _) = common::run(common::gloss(dir).args(["codebook", "check"]));
    assert!(out.status.success(), "{stdout}");
    let book = Codebook::load(&dir.join("codebooks")).expect("load");
    assert_eq!(book.resolve("perf").map(|c| c.id.as_str()), Some("slow"));
    assert_eq!(book.path("port").as_deref(), Some("practices/port"));

    // No coding file changed, and the old coding counts for `slow` everywhere.
    assert_eq!(common::snapshot(&dir.join("coding")), codings_before);
    assert_eq!(total("perf"), 1);
    assert_eq!(total("slow"), 1);
    assert_eq!(total("challenges"), 1);
    let (_, stdout, _) = common::run(common::gloss(dir).args(["status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&stdout).expect("status json");
    assert_eq!(status["problems"], serde_json::json!([]), "{stdout}");
    let (_, stdout, _) = common::run(common::gloss(dir).args(["codebook", "show"]));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("  slow ") && l.ends_with(" 1")),
        "{stdout}"
    );
    assert_eq!(common::snapshot(&dir.join("coding")), codings_before);
    // Coding with the merged-away id codes `slow`.
    let (out, stdout, stderr) =
        common::code(dir, "transcripts/p1", "perf", 2, "compared layer outputs");
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains(": slow on transcripts/p1"), "{stdout}");

    // Retire and back: the text is as before.
    let before = read();
    edit_ok(dir, &["retire", "testing"]);
    assert_eq!(line_diff(&before, &read()), ["+        retired: true"]);
    let (_, stdout, _) = common::run(common::gloss(dir).args(["codebook", "show"]));
    assert!(stdout.contains("Testing [t] (retired)"), "{stdout}");
    let (_, stdout, _) = common::run(common::gloss(dir).args(["codebook", "show", "--json"]));
    assert!(stdout.contains("\"retired\": true"), "{stdout}");
    let said = edit_ok(dir, &["retire", "testing"]);
    assert_eq!(said.trim(), "`testing` is retired already; nothing changed");
    edit_ok(dir, &["retire", "testing", "--undo"]);
    assert_eq!(read(), before);
}

#[test]
fn codebook_edits_on_the_shipped_codebook_pass_the_check() {
    let tmp = common::new_project();
    let dir = tmp.path();
    let file = dir.join("codebooks/dl-reengineering.yaml");
    std::fs::copy(shipped(), &file).expect("copy");
    let original = std::fs::read_to_string(&file).expect("read");

    edit_ok(
        dir,
        &[
            "rename",
            "model-operationalization",
            "Model operationalisation",
        ],
    );
    edit_ok(
        dir,
        &["move", "challenge-documentation", "--to", "practices"],
    );
    edit_ok(
        dir,
        &["merge", "challenge-evaluation", "challenge-optimization"],
    );
    // A value with children merged into another value of its dimension.
    edit_ok(dir, &["merge", "fw-other", "fw-caffe"]);
    edit_ok(dir, &["move", "rc-documentation", "--to", "rc-environment"]);

    let (out, stdout, stderr) = common::run(common::gloss(dir).args(["codebook", "check"]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let text = std::fs::read_to_string(&file).expect("read");
    // Every comment line is still there, in order.
    let comments = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(comments(&text), comments(&original));
    // Only the lines of the edits changed: the merged blocks went, alias lines came,
    // moved blocks left and arrived re-indented, and one name changed.
    assert_eq!(
        line_diff(&original, &text),
        [
            "+        aliases: [fw-other, Other]",
            "-      - id: fw-other",
            "-        name: Other",
            "-        description: Any other framework.",
            "-        children:",
            "-      - id: rc-documentation",
            "-        name: Insufficient or incorrect documentation",
            "-        aliases: [insufficient/incorrect documentation, documentation]",
            "-        description: The documentation is missing a needed step or states something wrong.",
            "+          - id: rc-documentation",
            "+            name: Insufficient or incorrect documentation",
            "+            aliases: [insufficient/incorrect documentation, documentation]",
            "+            description: The documentation is missing a needed step or states something wrong.",
            "-        name: Model operationalization",
            "+        name: Model operationalisation",
            "-      - id: challenge-evaluation",
            "-        name: Evaluation",
            "-        description: Measuring a model's results in a way comparable with the reference.",
            "-        include: Metrics, test protocols and benchmarks that are hard to reproduce or compare.",
            "-        exclude: Judging whether someone else's implementation can be trusted (a practice).",
            "-        example: Two evaluation scripts gave different scores for the same weights. (invented)",
            "-      - id: challenge-documentation",
            "-        name: Documentation",
            "-        description: Documentation of code, models or libraries that is missing, outdated or wrong.",
            "-        include: Problems caused by what the documentation says or leaves out.",
            "-        exclude: Ambiguities in the paper itself (model operationalization).",
            "-        example: The README listed a flag that the code no longer accepted. (invented)",
            "+        aliases: [challenge-evaluation, Evaluation]",
            "+      - id: challenge-documentation",
            "+        name: Documentation",
            "+        description: Documentation of code, models or libraries that is missing, outdated or wrong.",
            "+        include: Problems caused by what the documentation says or leaves out.",
            "+        exclude: Ambiguities in the paper itself (model operationalization).",
            "+        example: The README listed a flag that the code no longer accepted. (invented)",
        ]
    );
    let book = Codebook::load(&dir.join("codebooks")).expect("load");
    assert_eq!(
        book.get("model-operationalization")
            .map(|c| c.name.as_str()),
        Some("Model operationalisation")
    );
    assert_eq!(
        book.path("challenge-documentation").as_deref(),
        Some("practices/challenge-documentation")
    );
    assert_eq!(
        book.path("fw-mxnet").as_deref(),
        Some("framework/fw-caffe/fw-mxnet")
    );
    assert_eq!(
        book.dimension_value("framework", "fw-other")
            .map(|c| c.id.as_str()),
        Some("fw-caffe")
    );
    assert_eq!(
        book.resolve("challenge-evaluation").map(|c| c.id.as_str()),
        Some("challenge-optimization")
    );
    assert_eq!(
        book.path("rc-documentation").as_deref(),
        Some("root-cause/rc-environment/rc-documentation")
    );
}

#[test]
fn codebook_bad_edits_exit_1_with_one_line_and_change_nothing() {
    let tmp = commented_project();
    let dir = tmp.path();
    std::fs::write(
        dir.join("codebooks/zz-flow.yaml"),
        "codes:\n  - id: flowing\n    name: Flowing\n    children:\n      - {id: inline, name: Inline}\n",
    )
    .expect("flow file");
    // The project's files, without `.gloss/` (derived data, where the edit lock lives).
    let files = || {
        let mut all = common::snapshot(dir);
        all.retain(|p, _| !p.starts_with(".gloss"));
        all
    };
    let before = files();
    let cases: [(&[&str], &str); 9] = [
        (
            &["rename", "nope", "X"],
            "no code with id `nope` in the codebook; `gloss codebook show` lists the ids",
        ),
        (
            &["rename", "perf debugging", "X"],
            "no code with id `perf debugging` in the codebook; did you mean `perf` (Performance debugging)?",
        ),
        (
            &["add", "perf", "Another"],
            "id `perf` is already used by `perf` (Performance debugging); choose another id",
        ),
        (
            &["add", "inline", "Another"],
            "id `inline` is already used by `inline` (Inline); choose another id",
        ),
        (
            &["move", "challenges", "--to", "perf"],
            "cannot move `challenges` under `perf`, which is inside `challenges`; move `perf` out first, or choose another parent",
        ),
        (
            &["merge", "challenges", "slow"],
            "cannot merge `challenges` into `slow`, which is inside `challenges`; move `slow` out of `challenges` first, or merge `slow` into `challenges`",
        ),
        (
            &["rename", "flowing", "Flow"],
            "zz-flow.yaml:5: this code is written in flow style",
        ),
        (
            &["add", "x", "X", "--parent", "practices", "--color", "red"],
            "color `red` is not a colour",
        ),
        (
            &["move", "perf", "--to", "flowing"],
            "`perf` is defined in codebooks/pilot.yaml and `flowing` in codebooks/zz-flow.yaml; gloss moves codes within one codebook file",
        ),
    ];
    for (args, expected) in cases {
        let (out, stdout, stderr) = common::run(common::gloss(dir).arg("codebook").args(args));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("gloss: "), "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(files() == before, "{args:?} changed the project");
    }
    // A codebook with a problem is refused before any edit, naming the problem.
    std::fs::write(
        dir.join("codebooks/zz-flow.yaml"),
        "codes:\n  - id: x\n    name: X\n    colour: red\n",
    )
    .expect("bad file");
    let before = files();
    let (out, _, stderr) =
        common::run(common::gloss(dir).args(["codebook", "rename", "perf", "Perf"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("zz-flow.yaml:4:5: unknown key `colour` in `x`; did you mean `color`?; gloss edits a codebook only when `gloss codebook check` passes, so fix this first"),
        "{stderr}"
    );
    assert!(files() == before, "a refused rename changed the project");
}

#[test]
fn codebook_retired_codes_are_refused_for_new_codings_and_old_ones_stay() {
    let tmp = crate::store::project_with_transcript();
    let dir = tmp.path();
    let (out, _, stderr) = crate::common::code(dir, "transcripts/p1", "perf", 2, "NaN");
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) =
        crate::common::run(crate::common::gloss(dir).args(["codebook", "retire", "perf"]));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = crate::common::code(dir, "transcripts/p1", "perf", 2, "two epochs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("perf is retired") && stderr.lines().count() == 1,
        "{stderr}"
    );
    let (out, _, stderr) = crate::common::run(crate::common::gloss(dir).args([
        "autocode",
        "epochs",
        "--code",
        "perf",
        "--dry-run",
    ]));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("perf is retired"), "{stderr}");
    // The existing coding keeps its code and is still found by it.
    let (out, stdout, stderr) = crate::common::run(
        crate::common::gloss(dir).args(["search", "", "--code", "perf", "--json"]),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("\"total\": 1"), "{stdout}");
}
