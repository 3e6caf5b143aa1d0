//! Tests: importing survey CSVs (`gloss import survey`) through the library — documents
//! per respondent, re-imports, and bad inputs that must leave the project untouched.

use std::fs;
use std::path::{Path, PathBuf};

use gloss::corpus::import::survey::{SurveyImportOptions, import_survey};
use gloss::corpus::{AttrValue, DocKind, docfile};
use gloss::project::Project;

use crate::common;
use crate::common::snapshot;

fn open(dir: &Path) -> Project {
    Project::open(dir).expect("open project")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn opts(text: &[&str]) -> SurveyImportOptions {
    SurveyImportOptions {
        text_columns: text.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

const EXIT: &str = "respondent,team,Why did you leave?,What would bring you back?\n\
                    R1,data,\"Pay.\nAnd hours.\",Remote work\n\
                    R2,web,,\n\
                    R10,,\"Entrevista, ñandú 访谈\",nothing\n";

#[test]
fn import_survey_rows_as_documents() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let f = write(input.path(), "Exit Survey 2024.csv", EXIT);
    let o = opts(&["Why did you leave?", "What would bring you back?"]);
    let r = import_survey(&open(proj.path()), std::slice::from_ref(&f), &o).unwrap();
    assert_eq!(
        r.added,
        [
            "surveys/exit-survey-2024/R1",
            "surveys/exit-survey-2024/R2",
            "surveys/exit-survey-2024/R10"
        ]
    );
    let docs = docfile::read(&proj.path().join("surveys/exit-survey-2024.jsonl")).unwrap();
    assert_eq!(docs[0].kind, DocKind::Survey);
    assert_eq!(docs[0].turns.len(), 2);
    assert_eq!(docs[0].turns[0].speaker, "Why did you leave?");
    assert_eq!(docs[0].turns[0].text, "Pay.\nAnd hours.");
    assert_eq!(
        docs[0].attributes.get("team"),
        Some(&AttrValue::One("data".into()))
    );
    assert!(docs[1].turns.is_empty(), "empty answers are skipped");
    assert!(docs[2].attributes.is_empty());
    assert!(
        open(proj.path())
            .load_corpus()
            .unwrap()
            .get("surveys/exit-survey-2024/R10")
            .is_some()
    );
    // Re-import: unchanged, file untouched; then an edited answer: updated.
    let before = snapshot(proj.path());
    let r = import_survey(&open(proj.path()), &[f], &o).unwrap();
    assert_eq!(r.unchanged.len(), 3);
    assert_eq!(snapshot(proj.path()), before);
    let g = write(
        input.path(),
        "edited.csv",
        &EXIT.replace("Remote work", "Remote"),
    );
    let named = SurveyImportOptions {
        name: Some("Exit Survey 2024".into()),
        ..o
    };
    let r = import_survey(&open(proj.path()), &[g], &named).unwrap();
    assert_eq!(r.updated, ["surveys/exit-survey-2024/R1"]);
    assert_eq!(r.unchanged.len(), 2);
}

#[test]
fn import_survey_with_id_column_and_name() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let f = write(input.path(), "s.csv", "Participant,Q1\nP-1,yes\n");
    let err = import_survey(&open(proj.path()), std::slice::from_ref(&f), &opts(&["Q1"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--id") && err.contains("Participant, Q1"),
        "{err}"
    );
    let o = SurveyImportOptions {
        id_column: Some("participant".into()),
        name: Some("pilot".into()),
        ..opts(&["Q1"])
    };
    let r = import_survey(&open(proj.path()), &[f], &o).unwrap();
    assert_eq!(r.added, ["surveys/pilot/P-1"]);
    assert!(proj.path().join("surveys/pilot.jsonl").is_file());
}

#[test]
fn import_survey_bad_inputs_leave_the_project_untouched() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let good = write(input.path(), "exit.csv", EXIT);
    let o = opts(&["Why did you leave?"]);
    import_survey(&open(proj.path()), std::slice::from_ref(&good), &o).unwrap();
    let before = snapshot(proj.path());
    let changed = write(input.path(), "other.csv", "id,Why did you leave?\nX1,pay\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dup.csv",
            b"id,Why did you leave?\nA,x\nB,y\nA,z\n".to_vec(),
            "dup.csv:4: respondent \"A\" appears twice (lines 2 and 4)",
        ),
        (
            "ragged.csv",
            b"id,Why did you leave?\nA,x\nB\n".to_vec(),
            "ragged.csv:3:",
        ),
        (
            "cols.csv",
            b"id,Why?\nA,x\n".to_vec(),
            "the columns are: id, Why?",
        ),
        (
            "utf8.csv",
            b"id,Why did you leave?\nA,\xff\n".to_vec(),
            "utf8.csv:byte 24:",
        ),
        ("empty.csv", b"\n".to_vec(), "empty"),
        ("bin.csv", b"id\0\n".to_vec(), "binary"),
    ];
    for (name, bytes, expect) in cases {
        let p = input.path().join(name);
        fs::write(&p, bytes).unwrap();
        let err = import_survey(&open(proj.path()), &[changed.clone(), p], &o)
            .expect_err(name)
            .to_string();
        assert!(err.contains(expect), "{name}: {err}");
        assert_eq!(snapshot(proj.path()), before, "{name} changed the project");
    }
    // One survey name, the same respondent in two files: both are named.
    let again = write(
        input.path(),
        "again.csv",
        "respondent,Why did you leave?\nR2,x\n",
    );
    let named = SurveyImportOptions {
        name: Some("exit".into()),
        ..o.clone()
    };
    let err = import_survey(&open(proj.path()), &[good, again], &named)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("exit.csv:4") && err.contains("again.csv:2"),
        "{err}"
    );
    assert_eq!(snapshot(proj.path()), before);
}
