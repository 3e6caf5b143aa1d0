//! Tests: importing GitHub issue threads (`gloss import issues`) through the library —
//! REST JSON with comment files, JSONL, `gh issue view` output, mapped CSVs, filters,
//! re-imports, bad inputs that must leave the project untouched, and the real data.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use gloss::corpus::import::github::{IssueImportOptions, import_issues};
use gloss::corpus::import::table::ColumnMap;
use gloss::corpus::{AttrValue, DocKind, Document, docfile};
use gloss::project::Project;
use gloss::textio::Utf8Policy;

use crate::common;
use crate::common::{rest_issue, snapshot};

fn open(dir: &Path) -> Project {
    Project::open(dir).expect("open project")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap();
    p
}

fn docs(root: &Path, rel: &str) -> Vec<Document> {
    docfile::read(&root.join(rel)).expect("read document file")
}

const PR: &str = r#"{"repository_url":"https://api.github.com/repos/acme/widgets","html_url":"https://github.com/acme/widgets/pull/3","number":3,"title":"A PR","user":{"login":"bob"},"labels":[],"state":"open","comments":0,"created_at":"2024-01-03T00:00:00Z","closed_at":null,"body":"diff","pull_request":{"url":"x"}}"#;

fn comment(n: u64, who: &str, when: &str, body: &str) -> String {
    format!(
        r#"{{"url":"https://api.github.com/repos/acme/widgets/issues/comments/9","issue_url":"https://api.github.com/repos/acme/widgets/issues/{n}","user":{{"login":"{who}"}},"created_at":"{when}","body":"{body}"}}"#
    )
}

#[test]
fn import_rest_array_with_comment_file() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "in/issues.json",
        &format!("[\n{},\n{}\n]\n", rest_issue(1, "Crash on load", ""), PR),
    );
    // Comments out of order, in a separate file of the same folder.
    write(
        input.path(),
        "in/comments-1.json",
        &format!(
            "[{},\n{}]",
            comment(1, "cy", "2024-01-05T00:00:00Z", "second"),
            comment(1, "bob", "2024-01-02T00:00:00Z", "first")
        ),
    );
    let report = import_issues(
        &open(proj.path()),
        &[input.path().join("in")],
        &IssueImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.added, ["issues/acme/widgets#1"]);
    assert_eq!(report.skipped, 1, "the PR is skipped");
    assert_eq!(
        report.written,
        [proj.path().join("issues/acme/widgets.jsonl")]
    );
    let d = &docs(proj.path(), "issues/acme/widgets.jsonl")[0];
    assert_eq!(d.kind, DocKind::Issue);
    assert_eq!(d.title, "Crash on load");
    let speakers: Vec<_> = d.turns.iter().map(|t| t.speaker.as_str()).collect();
    assert_eq!(speakers, ["ann", "bob", "cy"]);
    assert_eq!(d.turns[0].text, "Body of 1\r\nwith é");
    assert_eq!(d.turns[0].time.as_deref(), Some("2024-01-01T10:00:00Z"));
    let a = |k: &str| d.attributes.get(k).cloned();
    assert_eq!(a("repo"), Some(AttrValue::One("acme/widgets".into())));
    assert_eq!(a("number"), Some(AttrValue::One("1".into())));
    assert_eq!(a("state"), Some(AttrValue::One("closed".into())));
    assert_eq!(a("labels"), Some(AttrValue::Many(vec!["bug".into()])));
    assert_eq!(a("comments"), Some(AttrValue::One("2".into())));
    assert_eq!(
        a("closed"),
        Some(AttrValue::One("2024-02-01T00:00:00Z".into()))
    );
    assert_eq!(
        a("url"),
        Some(AttrValue::One(
            "https://github.com/acme/widgets/issues/1".into()
        ))
    );
    // The project loads them.
    let corpus = open(proj.path()).load_corpus().unwrap();
    assert!(corpus.get("issues/acme/widgets#1").is_some());
}

#[test]
fn import_prs_only_when_asked_and_extra_attrs() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let f = write(
        input.path(),
        "i.jsonl",
        &format!("{}\n{}\n", rest_issue(1, "a", ""), PR),
    );
    let opts = IssueImportOptions {
        include_prs: true,
        attrs: vec![("wave".into(), "1".into())],
        ..Default::default()
    };
    let report = import_issues(&open(proj.path()), &[f], &opts).unwrap();
    assert_eq!(
        report.added,
        ["issues/acme/widgets#1", "issues/acme/widgets#3"]
    );
    assert_eq!(report.skipped, 0);
    let d = docs(proj.path(), "issues/acme/widgets.jsonl");
    assert_eq!(
        d[1].attributes.get("wave"),
        Some(&AttrValue::One("1".into()))
    );
}

#[test]
fn import_reimport_is_unchanged_then_updated_and_keeps_other_docs() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let f = write(
        input.path(),
        "i.jsonl",
        &format!("{}\n{}\n", rest_issue(2, "b", ""), rest_issue(1, "a", "")),
    );
    let opts = IssueImportOptions::default();
    let r1 = import_issues(&open(proj.path()), std::slice::from_ref(&f), &opts).unwrap();
    assert_eq!(r1.added, ["issues/acme/widgets#1", "issues/acme/widgets#2"]);
    let before = snapshot(proj.path());
    let r2 = import_issues(&open(proj.path()), &[f], &opts).unwrap();
    assert_eq!(r2.unchanged.len(), 2);
    assert!(r2.added.is_empty() && r2.updated.is_empty() && r2.written.is_empty());
    assert_eq!(snapshot(proj.path()), before);
    // Only issue 2, retitled: updated; issue 1 is kept.
    let g = write(input.path(), "j.jsonl", &rest_issue(2, "b renamed", ""));
    let r3 = import_issues(&open(proj.path()), &[g], &opts).unwrap();
    assert_eq!(r3.updated, ["issues/acme/widgets#2"]);
    let d = docs(proj.path(), "issues/acme/widgets.jsonl");
    assert_eq!(d.len(), 2);
    assert_eq!(d[1].title, "b renamed");
}

#[test]
fn import_gh_issue_view_json() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let f = write(
        input.path(),
        "gh.json",
        r#"{"author":{"login":"ann"},"body":"","closedAt":null,"comments":[{"author":{"login":"bob"},"authorAssociation":"NONE","body":"me too","createdAt":"2024-03-02T00:00:00Z"}],"createdAt":"2024-03-01T00:00:00Z","labels":[{"id":"x","name":"question"}],"number":42,"state":"OPEN","title":"How?","url":"https://github.com/o-x/r.js/issues/42"}
"#,
    );
    let report = import_issues(&open(proj.path()), &[f], &IssueImportOptions::default()).unwrap();
    assert_eq!(report.added, ["issues/o-x/r.js#42"]);
    let d = &docs(proj.path(), "issues/o-x/r.js.jsonl")[0];
    assert_eq!(d.turns.len(), 2);
    assert_eq!(d.turns[0].text, "", "an empty body is an empty turn");
    assert_eq!(d.turns[1].text, "me too");
    assert_eq!(
        d.attributes.get("state"),
        Some(&AttrValue::One("open".into()))
    );
    assert_eq!(
        d.attributes.get("comments"),
        Some(&AttrValue::One("1".into()))
    );
}

#[test]
fn import_mapped_csv_and_threads_csv_by_header() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let f = write(
        input.path(),
        "posts.csv",
        "n,who,text,when,head\n7,ann,\"open, post\",t1,Title seven\n8,bob,other,t2,Eight\n7,cy,reply,t3,\n",
    );
    let opts = IssueImportOptions {
        repo: Some("acme/forum".into()),
        map: Some(ColumnMap::parse("thread=n,author=who,body=text,time=when,title=head").unwrap()),
        ..Default::default()
    };
    let report = import_issues(&open(proj.path()), std::slice::from_ref(&f), &opts).unwrap();
    assert_eq!(report.added, ["issues/acme/forum#7", "issues/acme/forum#8"]);
    let d = docs(proj.path(), "issues/acme/forum.jsonl");
    assert_eq!(d[0].title, "Title seven");
    assert_eq!(d[0].turns.len(), 2);
    assert_eq!(d[0].turns[1].speaker, "cy");
    // Without --map or --repo the CSV is refused, naming its columns.
    let err = import_issues(&open(proj.path()), &[f], &IssueImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--map") && err.contains("n, who, text"),
        "{err}"
    );
    // The threads format is recognised by its header; the repo comes from the file name.
    let t = write(
        input.path(),
        "some_thing.js__issue_comments.csv",
        "issue_num,datetime,body,login,close_date\n5,2017-01-01 00:00:00,hi,ann,2017-02-01\n5,2017-01-02 00:00:00,yo,bob,2017-02-01\n",
    );
    let report = import_issues(
        &open(proj.path()),
        std::slice::from_ref(&t),
        &IssueImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.added, ["issues/some/thing.js#5"]);
    let d = &docs(proj.path(), "issues/some/thing.js.jsonl")[0];
    assert_eq!(
        d.attributes.get("state"),
        Some(&AttrValue::One("closed".into()))
    );
    assert_eq!(d.title, "hi");
    // --repo wins over the file name.
    let opts = IssueImportOptions {
        repo: Some("x/y".into()),
        ..Default::default()
    };
    let report = import_issues(&open(proj.path()), &[t], &opts).unwrap();
    assert_eq!(report.added, ["issues/x/y#5"]);
}

#[test]
fn import_filters_count_skipped_records() {
    let input = tempfile::tempdir().unwrap();
    let open_issue = r#"{"number":10,"title":"o","body":"b","user":{"login":"a"},"labels":[{"name":"Question"}],"state":"open","comments":0,"repository_url":"https://api.github.com/repos/acme/widgets"}"#;
    let f = write(
        input.path(),
        "i.jsonl",
        &format!(
            "{}\n{}\n{}\n{open_issue}\n",
            rest_issue(1, "a", ""),
            rest_issue(2, "b", ""),
            PR
        ),
    );
    let run = |opts: IssueImportOptions| {
        let proj = common::new_project();
        let r = import_issues(&open(proj.path()), std::slice::from_ref(&f), &opts).unwrap();
        (r.added.len(), r.skipped)
    };
    assert_eq!(run(IssueImportOptions::default()), (3, 1));
    assert_eq!(
        run(IssueImportOptions {
            state: Some("closed".into()),
            ..Default::default()
        }),
        (2, 2)
    );
    assert_eq!(
        run(IssueImportOptions {
            min_comments: Some(1),
            ..Default::default()
        }),
        (2, 2)
    );
    assert_eq!(
        run(IssueImportOptions {
            labels: vec!["question".into(), "nope".into()],
            ..Default::default()
        }),
        (1, 3)
    );
}

#[test]
fn import_bad_inputs_leave_the_project_untouched() {
    let proj = common::new_project();
    let input = tempfile::tempdir().unwrap();
    let good = write(
        input.path(),
        "good.jsonl",
        &format!("{}\n", rest_issue(1, "a", "")),
    );
    import_issues(
        &open(proj.path()),
        std::slice::from_ref(&good),
        &IssueImportOptions::default(),
    )
    .unwrap();
    let before = snapshot(proj.path());
    let changed = write(
        input.path(),
        "changed.jsonl",
        &format!("{}\n", rest_issue(1, "changed", "")),
    );

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bad.jsonl",
            format!("{}\n{{\"number\": 2,\n", rest_issue(2, "b", "")).into_bytes(),
            "bad.jsonl:2:",
        ),
        (
            "bad.json",
            format!("[\n{},\n{{\"number\": oops}}\n]", rest_issue(2, "b", "")).into_bytes(),
            "bad.json:3:",
        ),
        (
            "o_r__bad.csv",
            b"issue_num,datetime,body,login\n1,t,x,a\n2,t\n".to_vec(),
            "o_r__bad.csv:3:",
        ),
        (
            "utf8.jsonl",
            b"{\"number\":2,\"title\":\"\xff\"}\n".to_vec(),
            "utf8.jsonl:byte 21:",
        ),
        ("empty.json", b"  \n".to_vec(), "empty"),
        ("binary.json", b"{\0\0\0".to_vec(), "binary"),
        (
            "norepo.json",
            br#"[{"number":2,"title":"t","body":"b"}]"#.to_vec(),
            "--repo",
        ),
    ];
    for (name, bytes, expect) in cases {
        let p = input.path().join(name);
        fs::write(&p, bytes).unwrap();
        // The good, changed file first: it must not be written either.
        let err = import_issues(
            &open(proj.path()),
            &[changed.clone(), p],
            &IssueImportOptions::default(),
        )
        .expect_err(name)
        .to_string();
        assert!(err.contains(expect), "{name}: {err}");
        assert_eq!(snapshot(proj.path()), before, "{name} changed the project");
    }
    // The same issue in two files: an error naming both.
    let err = import_issues(
        &open(proj.path()),
        &[changed.clone(), good.clone()],
        &IssueImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("changed.jsonl:1") && err.contains("good.jsonl:1"),
        "{err}"
    );
    assert_eq!(snapshot(proj.path()), before);
    // Lossy decoding imports what strict refused, with a warning.
    let p = write(input.path(), "lossy.jsonl", "");
    fs::write(&p, b"{\"number\":2,\"title\":\"\xff\",\"repository_url\":\"https://api.github.com/repos/acme/widgets\"}\n").unwrap();
    let opts = IssueImportOptions {
        utf8: Utf8Policy::Lossy,
        ..Default::default()
    };
    let r = import_issues(&open(proj.path()), &[p], &opts).unwrap();
    assert_eq!(r.added, ["issues/acme/widgets#2"]);
    assert_eq!(r.warnings.len(), 1);
}

// ----------------------------------------------------------------------------------
// The real data in ../shared/data/issues.

#[test]
fn import_real_huggingface_rest_jsonl() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let file = data.join("issues/rest/huggingface-datasets-issues.jsonl");
    let proj = common::new_project();
    let r = import_issues(
        &open(proj.path()),
        std::slice::from_ref(&file),
        &IssueImportOptions::default(),
    )
    .unwrap();
    // 7,258 records, 4,239 of them pull requests (README of the data).
    assert_eq!(r.added.len(), 7258 - 4239);
    assert_eq!(r.skipped, 4239);
    let d = docs(proj.path(), "issues/huggingface/datasets.jsonl");
    assert_eq!(d.len(), 3019);
    assert!(
        d.iter()
            .all(|d| d.id.starts_with("issues/huggingface/datasets#") && !d.turns.is_empty())
    );
    let proj = common::new_project();
    let opts = IssueImportOptions {
        include_prs: true,
        ..Default::default()
    };
    let r = import_issues(&open(proj.path()), &[file], &opts).unwrap();
    assert_eq!(r.added.len(), 7258);
    assert_eq!(r.skipped, 0);
}

/// Distinct `issue_num` values of a threads CSV, read independently with the csv crate.
fn distinct_threads(path: &Path) -> usize {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "issue_num")
        .unwrap();
    let mut set = HashSet::new();
    for rec in rdr.records() {
        set.insert(rec.unwrap()[col].to_string());
    }
    set.len()
}

#[test]
fn import_real_threads_csvs() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let dir = data.join("issues/threads");
    let proj = common::new_project();
    let r = import_issues(
        &open(proj.path()),
        std::slice::from_ref(&dir),
        &IssueImportOptions::default(),
    )
    .unwrap();
    let mut total = 0;
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 25);
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let head = name.split_once("__").unwrap().0;
        let (owner, repo) = head.split_once('_').unwrap();
        let expected = distinct_threads(f);
        let got = docs(proj.path(), &format!("issues/{owner}/{repo}.jsonl"));
        assert_eq!(got.len(), expected, "{name}");
        total += expected;
    }
    assert_eq!(r.added.len(), total);
    // Hand-checked with:
    //   python3 -c "import csv,sys; print(len({r['issue_num'] for r in csv.DictReader(open(sys.argv[1], newline=''))}))" \
    //     ../shared/data/issues/threads/jwagner_smartcrop.js__issue_comments_REPLACECODE.csv
    // → 55 (158 posts); Thibaut_devdocs → 604.
    assert_eq!(
        docs(proj.path(), "issues/jwagner/smartcrop.js.jsonl").len(),
        55
    );
    assert_eq!(docs(proj.path(), "issues/Thibaut/devdocs.jsonl").len(), 604);
    let h5bp = docs(
        proj.path(),
        "issues/h5bp/Front-end-Developer-Interview-Questions.jsonl",
    );
    assert_eq!(
        h5bp.iter().map(|d| d.turns.len()).sum::<usize>(),
        918,
        "every post is a turn"
    );
}

#[test]
fn import_real_nlbse_rows_without_thread_ids() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let file = data.join("issues/nlbse/issues_train.csv");
    let proj = common::new_project();
    let opts = IssueImportOptions {
        map: Some(
            ColumnMap::parse("repo=repo,time=created_at,labels=label,title=title,body=body")
                .unwrap(),
        ),
        ..Default::default()
    };
    let r = import_issues(&open(proj.path()), &[file], &opts).unwrap();
    assert_eq!(r.added.len(), 1500);
    assert_eq!(r.written.len(), 5, "one file per repo");
    let react = docs(proj.path(), "issues/facebook/react.jsonl");
    assert!(
        react
            .iter()
            .all(|d| d.id.contains("#row-") && d.turns.len() == 1)
    );
    assert!(
        react.iter().all(
            |d| matches!(d.attributes.get("labels"), Some(AttrValue::Many(l)) if l.len() == 1)
        )
    );
}
