//! The command line as a user meets it: exit codes, --json, who the coder is, and
//! what `gloss` with no command prints.

use std::fs;

use crate::common::{gloss, new_project, run};
use crate::store::project_with_transcript;

#[test]
fn usage_errors_exit_2_and_bad_input_exits_1() {
    let tmp = new_project();
    let (out, _, _) = run(gloss(tmp.path()).arg("no-such-command"));
    assert_eq!(out.status.code(), Some(2));
    let (out, _, stderr) = run(gloss(tmp.path()).args(["show", "transcripts/nothing"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr.trim(),
        "gloss: no document \"transcripts/nothing\" in this project; `gloss list` shows the ids"
    );
    let (out, _, _) = run(gloss(tmp.path()).args(["list", "--kind", "poem"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn outside_a_project_the_error_says_to_run_init() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (out, _, stderr) = run(gloss(tmp.path()).arg("status"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("run `gloss init`"), "{stderr}");
}

#[test]
fn init_creates_the_project_layout_and_refuses_to_run_twice() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("study");
    let (out, _, stderr) =
        run(gloss(tmp.path()).args(["init", "study", "--name", "Reengineering"]));
    assert!(out.status.success(), "{stderr}");
    for sub in [
        "codebooks",
        "transcripts",
        "issues",
        "surveys",
        "coding",
        ".gloss",
    ] {
        assert!(dir.join(sub).is_dir(), "{sub} missing");
    }
    assert!(
        fs::read_to_string(dir.join(".gitignore"))
            .expect("gitignore")
            .contains("/.gloss/")
    );
    let (out, _, _) = run(gloss(tmp.path()).args(["init", "study"]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_coder_comes_from_flag_then_env_then_user_config_then_user() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let home = dir.join(".home");
    fs::create_dir_all(home.join(".config/gloss")).expect("mkdir");
    fs::write(home.join(".config/gloss/config.yaml"), "coder: carol\n").expect("config");
    let coder_of = |cmd: &mut std::process::Command| -> String {
        let (_, stdout, stderr) = run(cmd.args(["mark", "transcripts/p1", "done", "--json"]));
        let v: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
        v["coder"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(coder_of(gloss(dir).args(["--coder", "alice"])), "alice");
    assert_eq!(coder_of(&mut gloss(dir)), "tester");
    assert_eq!(coder_of(gloss(dir).env_remove("GLOSS_CODER")), "carol");
    fs::remove_file(home.join(".config/gloss/config.yaml")).expect("rm");
    assert_eq!(
        coder_of(gloss(dir).env_remove("GLOSS_CODER").env("USER", "dave")),
        "dave"
    );
}

#[test]
fn no_command_prints_the_status() {
    let tmp = project_with_transcript();
    let (out, stdout, _) = run(&mut gloss(tmp.path()));
    assert!(out.status.success());
    assert!(stdout.contains("documents: 1 (1 transcript)"), "{stdout}");
}

#[test]
fn speakers_are_mapped_per_document() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let (out, _, stderr) =
        run(gloss(dir).args(["speakers", "transcripts/p1", "--set", "P1=P4:participant"]));
    assert!(out.status.success(), "{stderr}");
    let (_, stdout, _) = run(gloss(dir).args(["speakers", "transcripts/p1", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let p1 = v
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["speaker"] == "P1")
        .expect("P1");
    assert_eq!(p1["participant"], "P4");
    let interviewer = v
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["speaker"] == "Interviewer")
        .expect("I");
    assert_eq!(interviewer["role"], "interviewer");
    let (out, _, stderr) =
        run(gloss(dir).args(["speakers", "transcripts/p1", "--set", "Nobody=P9"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("has no speaker \"Nobody\""), "{stderr}");
}

#[test]
fn a_50_mb_file_without_newlines_imports_as_one_turn_with_a_warning() {
    let tmp = new_project();
    let words = ["model ", "loss ", "the ", "weights ", "NaN "];
    let mut text = String::with_capacity(50_000_010);
    let mut i = 0;
    while text.len() < 50_000_000 {
        text.push_str(words[i % words.len()]);
        i += 1;
    }
    let input = tmp.path().join("huge.txt");
    fs::write(&input, &text).expect("write");
    let (out, stdout, stderr) = run(gloss(tmp.path()).args(["import", "transcript", "huge.txt"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("1 added"), "{stdout}");
    assert!(stderr.contains("no speaker labels recognised"), "{stderr}");
    let (_, stdout, _) = run(gloss(tmp.path()).args(["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(rows[0]["turns"], 1);
}

#[test]
fn bad_inputs_name_the_file_and_line_and_change_nothing() {
    let tmp = new_project();
    let dir = tmp.path();
    fs::write(dir.join("bad.json"), "[{\"number\": 1,\n  \"title\": }]").expect("write");
    fs::write(dir.join("bin.txt"), b"Interviewer: hi\0\x01\x02").expect("write");
    fs::write(dir.join("latin1.txt"), b"P1: caf\xe9\n").expect("write");
    fs::write(dir.join("empty.txt"), "").expect("write");
    let cases: [(&[&str], &str); 4] = [
        (
            &["import", "issues", "bad.json", "--repo", "o/r"],
            "bad.json:2:",
        ),
        (
            &["import", "transcript", "bin.txt"],
            "bin.txt:byte 15: binary file",
        ),
        (
            &["import", "transcript", "latin1.txt"],
            "latin1.txt:byte 7: invalid UTF-8",
        ),
        (
            &["import", "transcript", "empty.txt"],
            "empty.txt: the file is empty",
        ),
    ];
    for (args, expected) in cases {
        let (out, _, stderr) = run(gloss(dir).args(args));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    assert!(
        fs::read_dir(dir.join("transcripts"))
            .expect("dir")
            .next()
            .is_none()
    );
    assert!(
        fs::read_dir(dir.join("issues"))
            .expect("dir")
            .next()
            .is_none()
    );
    let (out, _, stderr) = run(gloss(dir).args(["import", "transcript", "latin1.txt", "--lossy"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning"), "{stderr}");
}
