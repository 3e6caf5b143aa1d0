//! Codebook tests: the shipped `dl-reengineering.yaml` loads clean and maps every
//! label of the real bug-study spreadsheet, and each kind of problem is reported at
//! its exact `file:line:column`.

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
