//! Several coders on one study: agreement through the whole command line — the
//! study's own pilot rounds reproduced from their spreadsheets, Krippendorff's worked
//! example entered as records, the loop of a blind double-coded sample (draw, code
//! blind, agree, list disagreements, reconcile into a consensus coder, export its
//! counts), and `gloss check` after a merge.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{gloss, new_project, run};

pub fn ok(dir: &Path, args: &[&str]) -> String {
    let (out, stdout, stderr) = run(gloss(dir).args(args));
    assert!(out.status.success(), "gloss {args:?} failed: {stderr}");
    stdout
}

/// Runs a command that must fail with exit status 1; its standard error.
fn fails(dir: &Path, args: &[&str]) -> String {
    let (out, stdout, stderr) = run(gloss(dir).args(args));
    assert_eq!(
        out.status.code(),
        Some(1),
        "gloss {args:?} should fail: {stdout}{stderr}"
    );
    stderr
}

/// The rows of a CSV table as maps of column → cell.
pub fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

/// The row of a subject (and coders, when given).
pub fn line<'a>(
    rows: &'a [BTreeMap<String, String>],
    subject: &str,
    coders: &str,
) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["Subject"] == subject && r["Coders"] == coders)
        .unwrap_or_else(|| panic!("no line {subject} / {coders} in {rows:#?}"))
}

const PILOT_CODEBOOK: &str = "codes:
  - id: stage
    name: DL Stage
    select: one
  - id: impact
    name: Impacts
    select: one
  - id: general
    name: General Code Error Type
    select: one
  - id: specific
    name: DL Specific Error Type
    select: one
  - id: manifestation
    name: Manifestation
    select: one
";

/// The study's two pilot rounds: each rater's spreadsheet imported as one coder into a
/// codebook whose five dimensions have no values yet (`--create-missing` makes each
/// distinct label one), then `gloss agree` gives the Cohen's kappas of
/// ../shared/data/README.md to three decimals — rows paired by issue and order within
/// the issue, labels compared trimmed, spaces collapsed and case folded, `nan` and
/// empty cells missing and their pairs skipped.
#[test]
fn the_studys_pilot_kappas_are_reproduced_from_its_spreadsheets() {
    let Some(data) = crate::common::shared_data() else {
        return;
    };
    let tmp = new_project();
    let dir = tmp.path();
    std::fs::write(dir.join("codebooks/pilot.yaml"), PILOT_CODEBOOK).unwrap();
    let import = |file: &str, coder: &str, prefix: &str| {
        let path = data.join("coding").join(file);
        ok(
            dir,
            &[
                "--coder",
                coder,
                "import",
                "codings",
                path.to_str().unwrap(),
                "--doc",
                "Issue #",
                "--doc-prefix",
                prefix,
                "--missing",
                "nan",
                "--create-missing",
                "--map",
                "stage=DL Stage",
                "--map",
                "impact=Impacts",
                "--map",
                "general=General Code Error Type",
                "--map",
                "specific=DL Specific Error Type",
                "--map",
                "manifestation=Manifestation",
            ],
        )
    };
    import("Pilot_re1.csv", "re1", "issues/pilot-re#");
    // Pilot_re2.csv line 23 has the typo `other'`: it becomes a value of its own.
    let second = import("Pilot_re2.csv", "re2", "issues/pilot-re#");
    assert!(second.contains("specific-other-2 (\"other'\")"), "{second}");
    import("Pilot1.csv", "p1", "issues/pilot#");
    import("Pilot2.csv", "p2", "issues/pilot#");
    ok(dir, &["codebook", "check"]);

    let expected = [
        (
            "re1,re2",
            [
                ("DL Stage", "0.342", "64"),
                ("Impacts", "0.888", "64"),
                ("General Code Error Type", "0.811", "64"),
                ("DL Specific Error Type", "0.650", "63"),
                ("Manifestation", "0.687", "64"),
            ],
        ),
        (
            "p1,p2",
            [
                ("DL Stage", "0.275", "11"),
                ("Impacts", "0.381", "13"),
                ("General Code Error Type", "0.346", "13"),
                ("DL Specific Error Type", "0.186", "8"),
                ("Manifestation", "0.852", "13"),
            ],
        ),
    ];
    for (coders, columns) in expected {
        let rows = csv_rows(&ok(dir, &["agree", "--coders", coders, "--format", "csv"]));
        assert_eq!(rows.len(), 5, "{rows:#?}");
        let pair = coders.replace(',', "–");
        for (subject, kappa, n) in columns {
            let l = line(&rows, subject, &pair);
            assert_eq!(l["Cohen's κ"], kappa, "{coders} {subject}");
            assert_eq!(l["n"], n, "{coders} {subject}");
        }
    }
    // The text report says the same, with a band.
    let text = ok(
        dir,
        &["agree", "--coders", "re1,re2", "--dimension", "impact"],
    );
    assert!(
        text.lines().any(|l| l.starts_with("Impacts")
            && l.contains("0.888")
            && l.ends_with("almost perfect")),
        "{text}"
    );
    // Every disagreement is listed with both labels; the typo is one of them.
    let listed = ok(
        dir,
        &[
            "disagreements",
            "--coders",
            "re1,re2",
            "--dimension",
            "specific",
        ],
    );
    assert!(
        listed.contains("issues/pilot-re#104 record 1 — DL Specific Error Type"),
        "{listed}"
    );
    assert!(listed.contains("re2  other'"), "{listed}");
    // 63 pairs at 0.683 agreement: 20 differ, and one pair has a side missing.
    assert!(
        listed.ends_with("21 disagreements (21 on records, 0 on span codes) between re1 and re2\n"),
        "{listed}"
    );
    // The confusion matrix: the diagonal holds the 43 agreeing pairs.
    let json = ok(
        dir,
        &[
            "--json",
            "agree",
            "--coders",
            "re1,re2",
            "--dimension",
            "specific",
            "--confusion",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let m = &v["confusions"][0]["matrix"];
    let diagonal: u64 = (0..m.as_array().unwrap().len())
        .map(|i| m[i][i].as_u64().unwrap())
        .sum();
    assert_eq!(diagonal, 43);
    assert_eq!(
        v["lines"][0]["cohen"].as_f64().map(|k| format!("{k:.3}")),
        Some("0.650".into())
    );
}

/// Krippendorff's worked example (4 coders × 12 units, missing values) entered as one
/// record per unit with `gloss record`: α = 0.743 through the whole pipeline; Fleiss'
/// kappa over the 8 units all four coded and Cohen's kappa per pair as statsmodels and
/// scikit-learn compute them on the same data (see the values below).
#[test]
fn krippendorffs_example_entered_as_records_gives_his_alpha() {
    let tmp = new_project();
    let dir = tmp.path();
    std::fs::write(
        dir.join("codebooks/k.yaml"),
        "codes:\n  - id: v\n    name: Value\n    select: one\n    children:\n      - {id: v1, name: one}\n      - {id: v2, name: two}\n      - {id: v3, name: three}\n      - {id: v4, name: four}\n      - {id: v5, name: five}\n  - id: seen\n    name: Seen\n    select: one\n    children:\n      - {id: yes, name: yes}\n",
    )
    .unwrap();
    let docs: Vec<String> = (1..=12)
        .map(|i| {
            format!(
                r#"{{"id":"issues/k/units#{i}","kind":"issue","title":"unit {i}","turns":[{{"speaker":"x","text":"Unit {i}."}}]}}"#
            )
        })
        .collect();
    std::fs::create_dir_all(dir.join("issues/k")).unwrap();
    std::fs::write(dir.join("issues/k/units.jsonl"), docs.join("\n") + "\n").unwrap();
    // A = 1 2 3 3 2 1 4 1 2 · · ·; B = 1 2 3 3 2 2 4 1 2 5 · 3;
    // C = · 3 3 3 2 3 4 2 2 5 1 ·; D = 1 2 3 3 2 4 4 1 2 5 1 · (0 = missing).
    let data = [
        ("a", [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0]),
        ("b", [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3]),
        ("c", [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0]),
        ("d", [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0]),
    ];
    for (coder, values) in data {
        for (i, v) in values.iter().enumerate() {
            let doc = format!("issues/k/units#{}", i + 1);
            let value = format!("v=v{v}");
            let mut args = vec!["--coder", coder, "record", &doc, "--set", "seen=yes"];
            if *v > 0 {
                args.extend(["--set", &value]);
            }
            ok(dir, &args);
        }
    }
    let rows = csv_rows(&ok(
        dir,
        &[
            "agree",
            "--coders",
            "a,b,c,d",
            "--dimension",
            "v",
            "--format",
            "csv",
        ],
    ));
    let pooled = line(&rows, "Value", "all (a, b, c, d)");
    assert_eq!(pooled["Krippendorff's α"], "0.743");
    assert_eq!(pooled["n"], "11");
    // statsmodels 0.15.0: fleiss_kappa(aggregate_raters(the 8 complete units)[0])
    // = 0.6414565826330533.
    assert_eq!(pooled["Fleiss' κ"], "0.641");
    assert_eq!(pooled["Cohen's κ"], "–");
    // scikit-learn 1.9.1: cohen_kappa_score over each pair's units coded by both.
    for (pair, kappa, n) in [
        ("a–b", "0.845", "9"),
        ("a–c", "0.478", "8"),
        ("a–d", "0.850", "9"),
        ("b–c", "0.542", "9"),
        ("b–d", "0.870", "10"),
        ("c–d", "0.615", "10"),
    ] {
        let l = line(&rows, "Value", pair);
        assert_eq!(
            (l["Cohen's κ"].as_str(), l["n"].as_str()),
            (kappa, n),
            "{pair}"
        );
        assert_eq!(l["Fleiss' κ"], "–");
    }
    // `seen` holds one category only: its kappas are undefined, said so, not NaN.
    let text = ok(dir, &["agree", "--coders", "a,b", "--dimension", "seen"]);
    assert!(text.contains("undefined"), "{text}");
    assert!(
        text.contains("Seen: Cohen's kappa and Krippendorff's alpha are undefined, because every value is the same category"),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("nan"), "{text}");
}

/// A small project for the loop: a codebook with a single-valued and a many-valued
/// dimension and two span codes, and eight issues of two repositories.
pub fn loop_project() -> tempfile::TempDir {
    let tmp = new_project();
    let dir = tmp.path();
    std::fs::write(
        dir.join("codebooks/bugs.yaml"),
        "codes:
  - id: stage
    name: Stage
    select: one
    children:
      - {id: training, name: Training}
      - {id: data, name: Data pipeline}
      - {id: model, name: Modeling}
  - id: impact
    name: Impact
    select: many
    children:
      - {id: crash, name: Crash}
      - {id: slow, name: Slow}
      - {id: wrong, name: Wrong output}
  - id: perf
    name: Performance
  - id: port
    name: Porting
",
    )
    .unwrap();
    let mut lines = Vec::new();
    for (repo, n) in [
        ("acme/net", 1),
        ("acme/net", 2),
        ("acme/net", 3),
        ("acme/net", 4),
        ("acme/net", 5),
        ("beta/lib", 6),
        ("beta/lib", 7),
        ("beta/lib", 8),
    ] {
        lines.push(format!(
            r#"{{"id":"issues/{repo}#{n}","kind":"issue","title":"issue {n}","attributes":{{"repo":"{repo}"}},"turns":[{{"speaker":"u","text":"Training is slow on issue {n}. It crashed too."}},{{"speaker":"m","text":"We ported the model for issue {n}."}},{{"speaker":"u","text":"Thanks."}}]}}"#
        ));
    }
    std::fs::create_dir_all(dir.join("issues/acme")).unwrap();
    std::fs::create_dir_all(dir.join("issues/beta")).unwrap();
    let (acme, beta): (Vec<&String>, Vec<&String>) =
        lines.iter().partition(|l| l.contains("acme/net"));
    let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(dir.join("issues/acme/net.jsonl"), join(acme)).unwrap();
    std::fs::write(dir.join("issues/beta/lib.jsonl"), join(beta)).unwrap();
    tmp
}

/// The two coders' blind work on a sample (blind mode must already be on). Stage: they
/// differ on the second document; impact: bob adds `slow` on the third; perf: both code
/// turn 1 everywhere and mark each document done; port: only alice, on the first, with
/// a memo.
pub fn code_the_sample_blind(dir: &Path, docs: &[String]) {
    for (k, doc) in docs.iter().enumerate() {
        let bob_stage = if k == 1 { "data" } else { "training" };
        let bob_impact = if k == 2 { "crash,slow" } else { "crash" };
        for (coder, stage, impact) in [
            ("alice", "training", "crash"),
            ("bob", bob_stage, bob_impact),
        ] {
            let (stage, impact) = (format!("stage={stage}"), format!("impact={impact}"));
            ok(
                dir,
                &[
                    "--coder", coder, "record", doc, "--set", &stage, "--set", &impact,
                ],
            );
            ok(
                dir,
                &[
                    "--coder",
                    coder,
                    "code",
                    doc,
                    "perf",
                    "--turn",
                    "1",
                    "--quote",
                    "Training is slow",
                ],
            );
            ok(dir, &["--coder", coder, "mark", doc, "done"]);
        }
    }
    ok(
        dir,
        &[
            "--coder",
            "alice",
            "code",
            &docs[0],
            "port",
            "--turn",
            "2",
            "--quote",
            "We ported the model",
            "--memo",
            "porting to a new framework",
        ],
    );
}

pub fn set_blind(dir: &Path, on: bool) {
    let path = dir.join("gloss.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace("blind: false", &format!("blind: {on}"))
        .replace("blind: true", &format!("blind: {on}"));
    std::fs::write(path, text).unwrap();
}

/// The whole loop on the command line: draw a sample for two coders, code it blind
/// (neither sees the other's work in lists, exports or search), compute agreement,
/// list the disagreements, write the reconciled values as a third coder, export its
/// counts, and compare rounds.
#[test]
fn two_coders_code_a_sample_blind_agree_reconcile_and_export_consensus_counts() {
    let tmp = loop_project();
    let dir = tmp.path();
    // A reproducible draw, stratified by repository, assigned to both.
    let draw = ok(
        dir,
        &[
            "--json",
            "sample",
            "--n",
            "4",
            "--seed",
            "7",
            "--stratify-by",
            "repo",
            "--assign",
            "alice,bob",
            "--round",
            "pilot",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&draw).unwrap();
    let docs: Vec<String> = v["round"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    assert_eq!(docs.len(), 4);
    // 5 of 8 documents are acme's: 2.5 → 3 (largest remainder, first by name), 1.5 → 1.
    let acme = docs.iter().filter(|d| d.contains("acme")).count();
    assert_eq!(acme, 3, "{docs:?}");
    let dry = ok(
        dir,
        &[
            "--json",
            "sample",
            "--n",
            "4",
            "--seed",
            "7",
            "--stratify-by",
            "repo",
            "--assign",
            "alice,bob",
            "--round",
            "again",
            "--dry-run",
        ],
    );
    let again: serde_json::Value = serde_json::from_str(&dry).unwrap();
    // Documents of earlier rounds are not drawn again.
    assert!(
        again["round"]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| !docs.contains(&d.as_str().unwrap().to_string()))
    );
    assert!(
        fails(
            dir,
            &[
                "sample", "--n", "1", "--seed", "1", "--assign", "x", "--round", "pilot"
            ]
        )
        .contains("already a round")
    );
    let listed = ok(dir, &["--coder", "alice", "list", "--round", "pilot"]);
    assert!(listed.contains("4 documents (coder alice)"), "{listed}");

    set_blind(dir, true);
    code_the_sample_blind(dir, &docs);
    // While blind, alice sees her own work only.
    let quotes = ok(
        dir,
        &[
            "--coder",
            "alice",
            "export",
            "quotes",
            "--format",
            "csv",
            "--columns",
            "coder",
        ],
    );
    assert!(
        quotes.contains("alice") && !quotes.contains("bob"),
        "{quotes}"
    );
    let counts = ok(
        dir,
        &["--coder", "alice", "export", "records", "--format", "csv"],
    );
    assert!(!counts.contains("Data pipeline"), "{counts}");
    let status = ok(dir, &["--coder", "alice", "status"]);
    assert!(
        status.contains("alice") && !status.contains("bob"),
        "{status}"
    );
    let hits = ok(
        dir,
        &["--coder", "alice", "--json", "search", "", "--code", "port"],
    );
    let hits: serde_json::Value = serde_json::from_str(&hits).unwrap();
    assert_eq!(hits["total"], 1);
    let hits = ok(
        dir,
        &["--coder", "bob", "--json", "search", "", "--code", "port"],
    );
    let hits: serde_json::Value = serde_json::from_str(&hits).unwrap();
    assert_eq!(hits["total"], 0, "bob must not find alice's coding: {hits}");
    let hits = ok(dir, &["--coder", "bob", "--json", "search", "ported"]);
    let hits: serde_json::Value = serde_json::from_str(&hits).unwrap();
    assert!(
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["codes"].as_array().unwrap().is_empty()),
        "{hits}"
    );
    assert!(fails(dir, &["--coder", "bob", "search", "x", "--by", "alice"]).contains("blind mode"));
    assert!(fails(dir, &["--coder", "bob", "search", "coder:alice"]).contains("blind mode"));
    assert!(
        fails(dir, &["--coder", "bob", "agree", "--coders", "alice,bob"]).contains("blind mode")
    );
    assert!(
        fails(
            dir,
            &["--coder", "bob", "disagreements", "--coders", "alice,bob"]
        )
        .contains("blind mode")
    );

    // The round is coded: unblind and compare.
    set_blind(dir, false);
    // `--by` names whose codings to search, whoever runs the search.
    let hits = ok(
        dir,
        &[
            "--coder", "bob", "--json", "search", "", "--code", "port", "--by", "alice",
        ],
    );
    let hits: serde_json::Value = serde_json::from_str(&hits).unwrap();
    assert_eq!(hits["total"], 1, "{hits}");
    let json = ok(dir, &["--json", "agree", "--round", "pilot"]);
    let a: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(a["coders"], serde_json::json!(["alice", "bob"]));
    let by_subject: BTreeMap<String, &serde_json::Value> = a["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["subject"].as_str().unwrap().to_string(), l))
        .collect();
    // Stage: 3 of 4 alike; alice always training, bob training ×3 and data once:
    // p_o = 0.75, p_e = 0.75 → kappa 0.
    assert_eq!(by_subject["Stage"]["n"], 4);
    assert_eq!(by_subject["Stage"]["agreement"], 0.75);
    assert_eq!(by_subject["Stage"]["cohen"], 0.0);
    // Impact is many-valued: per value. Crash everywhere: undefined (one category).
    assert_eq!(
        by_subject["Impact: Crash"]["cohen"]["undefined"],
        "one-category"
    );
    assert_eq!(by_subject["Impact: Slow"]["agreement"], 0.75);
    // Span codes over the 12 turns of the 4 documents: perf alike everywhere,
    // port in one turn by alice only.
    assert_eq!(by_subject["Performance"]["n"], 12);
    assert_eq!(by_subject["Performance"]["cohen"], 1.0);
    assert_eq!(by_subject["Performance"]["overlap"]["shared"], 4 * 16);
    assert_eq!(
        by_subject["Porting"]["agreement"].as_f64().unwrap(),
        11.0 / 12.0
    );
    assert_eq!(by_subject["Porting"]["overlap"]["shared"], 0);
    let text = ok(dir, &["agree", "--coders", "alice,bob", "--round", "pilot"]);
    assert!(
        text.contains("Impact takes several values: it is compared per value"),
        "{text}"
    );

    // The disagreements: stage on document 2, slow on document 3, port on document 1.
    let d = ok(dir, &["--json", "disagreements", "--round", "pilot"]);
    let d: Vec<serde_json::Value> = serde_json::from_str(&d).unwrap();
    let found: Vec<(String, String)> = d
        .iter()
        .map(|x| {
            (
                x["doc"].as_str().unwrap().to_string(),
                x["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.contains(&(docs[1].clone(), "stage".into())));
    assert!(found.contains(&(docs[2].clone(), "impact".into())));
    assert!(found.contains(&(docs[0].clone(), "port".into())));
    let port = d.iter().find(|x| x["id"] == "port").unwrap();
    assert_eq!(port["turn"], 2);
    assert_eq!(port["sides"][0]["memos"][0], "porting to a new framework");
    let text = ok(
        dir,
        &[
            "disagreements",
            "--coders",
            "alice,bob",
            "--dimension",
            "stage",
        ],
    );
    assert!(
        text.contains(&format!("{} record 1 — Stage", docs[1])),
        "{text}"
    );
    assert!(
        text.contains("alice  Training") && text.contains("bob    Data pipeline"),
        "{text}"
    );

    // Reconcile: the consensus coder takes the agreed values and decides the rest.
    for (k, doc) in docs.iter().enumerate() {
        let stage = if k == 1 { "data" } else { "training" };
        let impact = if k == 2 { "crash,slow" } else { "crash" };
        ok(
            dir,
            &[
                "--coder",
                "consensus",
                "record",
                doc,
                "--set",
                &format!("stage={stage}"),
                "--set",
                &format!("impact={impact}"),
            ],
        );
        ok(dir, &["--coder", "consensus", "mark", doc, "done"]);
    }
    let counts = ok(
        dir,
        &[
            "export",
            "counts",
            "--by",
            "stage",
            "--of",
            "consensus",
            "--format",
            "csv",
        ],
    );
    let rows = csv_rows(&counts);
    let n = |name: &str| {
        rows.iter()
            .find(|r| r["Stage"] == name)
            .map(|r| r["n"].clone())
    };
    assert_eq!(n("Training").as_deref(), Some("3"));
    assert_eq!(n("Data pipeline").as_deref(), Some("1"));
    assert_eq!(n("Total").as_deref(), Some("4"));
    // Consensus is compared like any coder: bob agrees with it on stage.
    let rows = csv_rows(&ok(
        dir,
        &[
            "agree",
            "--coders",
            "bob,consensus",
            "--dimension",
            "stage",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(line(&rows, "Stage", "bob–consensus")["Cohen's κ"], "1.000");
    // Three coders: a pooled Fleiss line and a line per pair.
    let rows = csv_rows(&ok(
        dir,
        &[
            "agree",
            "--coders",
            "alice,bob,consensus",
            "--dimension",
            "stage",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(rows.len(), 4);
    assert_eq!(line(&rows, "Stage", "alice–bob")["Cohen's κ"], "0.000");

    // Rounds side by side.
    let rounds = ok(
        dir,
        &[
            "agree",
            "--coders",
            "alice,bob",
            "--by-round",
            "--format",
            "markdown",
        ],
    );
    assert!(rounds.contains("| Subject | pilot |"), "{rounds}");
    assert!(rounds.contains("| Stage | κ 0.000 α"), "{rounds}");
}

/// After a merge gone wrong: conflict markers, a duplicated entry, a duplicate
/// document id, codings of a code and a document that are gone — each at file:line.
#[test]
fn check_finds_what_a_merge_broke_at_file_and_line() {
    let tmp = loop_project();
    let dir = tmp.path();
    assert!(ok(dir, &["check"]).contains("no problems found"));
    let doc = "issues/acme/net#1";
    ok(
        dir,
        &[
            "--coder",
            "alice",
            "code",
            doc,
            "perf",
            "--turn",
            "1",
            "--quote",
            "Training is slow",
        ],
    );
    ok(
        dir,
        &[
            "--coder",
            "alice",
            "code",
            doc,
            "port",
            "--turn",
            "2",
            "--quote",
            "We ported",
        ],
    );
    ok(
        dir,
        &[
            "--coder",
            "alice",
            "record",
            "issues/beta/lib#6",
            "--set",
            "stage=model",
        ],
    );
    ok(dir, &["--coder", "alice", "compact"]);
    ok(
        dir,
        &[
            "--coder", "bob", "code", doc, "perf", "--turn", "1", "--quote", "Training",
        ],
    );
    ok(dir, &["--coder", "bob", "compact"]);
    // The merge: bob's file in conflict; a line of alice's twice; the `port` code and
    // document #6 removed on the other branch; #1 imported twice.
    let bob = dir.join("coding/bob.jsonl");
    let text = std::fs::read_to_string(&bob).unwrap();
    let (head, rest) = text.split_once('\n').unwrap();
    std::fs::write(
        &bob,
        format!("{head}\n<<<<<<< HEAD\n{rest}=======\n{rest}>>>>>>> theirs\n"),
    )
    .unwrap();
    let middle = 3 + rest.lines().count();
    let alice = dir.join("coding/alice.jsonl");
    let text = std::fs::read_to_string(&alice).unwrap();
    let second = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&alice, format!("{text}{second}\n")).unwrap();
    let duplicate = text.lines().count() + 1;
    let book = dir.join("codebooks/bugs.yaml");
    let yaml = std::fs::read_to_string(&book).unwrap();
    std::fs::write(&book, yaml.replace("  - id: port\n    name: Porting\n", "")).unwrap();
    let lib = dir.join("issues/beta/lib.jsonl");
    let docs = std::fs::read_to_string(&lib).unwrap();
    let first_acme = std::fs::read_to_string(dir.join("issues/acme/net.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let kept: Vec<&str> = docs.lines().filter(|l| !l.contains("lib#6")).collect();
    std::fs::write(&lib, format!("{}\n{first_acme}\n", kept.join("\n"))).unwrap();

    let (out, stdout, stderr) = run(gloss(dir).args(["check"]));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("problems found"), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let has = |prefix: &str, words: &str| {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(prefix) && l.contains(words)),
            "no {prefix} … {words} in\n{stdout}"
        );
    };
    has("coding/bob.jsonl:2:", "git conflict marker <<<<<<<");
    has(
        &format!("coding/bob.jsonl:{middle}:"),
        "git conflict marker =======",
    );
    has(
        &format!("coding/alice.jsonl:{duplicate}:"),
        "duplicate entry \"coding alice-1\" (also line 2)",
    );
    has(
        "coding/alice.jsonl:",
        "points to code \"port\", which is not in the codebook",
    );
    has(
        "coding/alice.jsonl:",
        "record 1 of issues/beta/lib#6: the document is not in the project",
    );
    has(
        "issues/beta/lib.jsonl:3:",
        "duplicate document id issues/acme/net#1 (also issues/acme/net.jsonl:1)",
    );
    // The same lines as JSON.
    let (_, json, _) = run(gloss(dir).args(["--json", "check"]));
    let v: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(v.len(), lines.len());
}

/// `--create-missing` makes each distinct label (trimmed, spaces collapsed, case
/// folded) one value; labels whose ids would collide (`other`, `other'`) get ids of
/// their own, and no label is left without its value.
#[test]
fn create_missing_gives_every_distinct_label_its_own_value() {
    let tmp = new_project();
    let dir = tmp.path();
    std::fs::write(
        dir.join("codebooks/c.yaml"),
        "codes:\n  - id: kind\n    name: Kind\n    select: one\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("sheet.csv"),
        "n,kind\n1,Other\n2,other'\n3,  OTHER \n4,other\n5,Data  Bug\n6,data bug\n7,nan\n",
    )
    .unwrap();
    let out = ok(
        dir,
        &[
            "import",
            "codings",
            "sheet.csv",
            "--doc",
            "n",
            "--doc-prefix",
            "issues/s#",
            "--map",
            "kind=kind",
            "--missing",
            "nan",
            "--create-missing",
        ],
    );
    assert!(out.contains("kind-other (\"Other\")"), "{out}");
    assert!(out.contains("kind-other-2 (\"other'\")"), "{out}");
    assert!(out.contains("kind-data-bug (\"Data Bug\")"), "{out}");
    assert_eq!(out.matches("new value:").count(), 3, "{out}");
    let records = ok(dir, &["export", "records", "--format", "csv"]);
    let rows = csv_rows(&records);
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Other", "other'", "Other", "Other", "Data Bug", "Data Bug", ""
        ]
    );
}
