//! Shared helpers: locating the real data in `../shared/data`, running the `gloss`
//! binary, and making scratch projects.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real data folder `../shared/data`, or `None` with a printed note when it is
/// absent. Under `CI=true` its absence is a failure: CI must test on real data.
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "../shared/data is missing, and CI=true requires the real-data tests to run"
    );
    eprintln!("note: ../shared/data is absent; skipping a real-data test");
    None
}

/// The path of the built `gloss` binary.
pub fn gloss_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gloss"))
}

/// A `gloss` command run in `dir`, with the coder set and colours off.
pub fn gloss(dir: &Path) -> Command {
    let mut cmd = Command::new(gloss_bin());
    cmd.current_dir(dir)
        .env("GLOSS_CODER", "tester")
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env("HOME", dir.join(".home"));
    cmd
}

/// Runs a command and returns its output, stdout and stderr as text.
pub fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run gloss");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// A fresh project in a temporary folder (`gloss init`).
pub fn new_project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    gloss::project::Project::init(tmp.path(), "test study").expect("init");
    tmp
}

/// Every file under `root`, by relative path, with its bytes: compare two snapshots to
/// check that a refused command changed nothing.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// Runs `gloss code DOC CODE --turn TURN --quote QUOTE` in `dir`.
pub fn code(
    dir: &Path,
    doc: &str,
    code: &str,
    turn: usize,
    quote: &str,
) -> (Output, String, String) {
    run(gloss(dir).args([
        "code",
        doc,
        code,
        "--turn",
        &turn.to_string(),
        "--quote",
        quote,
    ]))
}

/// Issue `n` of acme/widgets in GitHub's REST JSON: by ann, labelled bug, closed, two
/// comments; `extra` is appended to the object (`,"k":v`).
pub fn rest_issue(n: u64, title: &str, extra: &str) -> String {
    format!(
        r#"{{"url":"https://api.github.com/repos/acme/widgets/issues/{n}","repository_url":"https://api.github.com/repos/acme/widgets","html_url":"https://github.com/acme/widgets/issues/{n}","number":{n},"title":"{title}","user":{{"login":"ann","id":1}},"labels":[{{"id":5,"name":"bug","color":"f00"}}],"state":"closed","comments":2,"created_at":"2024-01-0{n}T10:00:00Z","closed_at":"2024-02-01T00:00:00Z","body":"Body of {n}\r\nwith é"{extra}}}"#
    )
}
