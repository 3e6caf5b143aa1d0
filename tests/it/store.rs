//! The coding store seen through the CLI: durable codings and records, one writer per
//! coder, conflict markers refused, and codings re-anchored (or orphaned, never
//! dropped) when a real transcript is edited.

use std::fs;
use std::path::Path;

use gloss::coding::set::{CodingSet, Resolved};
use gloss::project::Project;

use crate::common::{code, gloss, new_project, run, shared_data};

pub const CODEBOOK: &str = "codes:
  - id: challenges
    name: Challenges
    children:
      - id: perf
        name: Performance debugging
        aliases: [perf debugging]
      - id: port
        name: Portability of DL operations
  - id: stage
    name: DL stage
    select: one
    children:
      - id: training
        name: Training
      - id: environment
        name: Environment
  - id: impact
    name: Impact
    select: many
    children:
      - id: crash
        name: Crash
      - id: hang
        name: Hang
";

/// A project with a codebook and one small transcript.
pub fn project_with_transcript() -> tempfile::TempDir {
    let tmp = new_project();
    fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).expect("codebook");
    fs::write(
        tmp.path().join("transcripts/p1.txt"),
        "Interviewer: How did the port go?\n\nP1: The loss went to NaN after two epochs, so we compared layer outputs.\n",
    )
    .expect("transcript");
    tmp
}

fn resolved(root: &Path) -> Vec<(String, Resolved)> {
    let project = Project::open(root).expect("open");
    let corpus = project.load_corpus().expect("corpus");
    let set = CodingSet::load(&project).expect("codings");
    set.resolve(&project, &corpus)
        .into_iter()
        .map(|r| (r.coding.id.clone(), r.placement))
        .collect()
}

#[test]
fn code_uncode_and_record_are_saved_and_listed() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let (out, stdout, stderr) = code(dir, "transcripts/p1", "perf debugging", 2, "went to NaN");
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("tester-1: perf on transcripts/p1 turn 2"),
        "{stdout}"
    );
    let (out, _, stderr) = run(gloss(dir).args([
        "record",
        "transcripts/p1",
        "--set",
        "DL stage=Training",
        "--set",
        "impact=crash,hang",
    ]));
    assert!(out.status.success(), "{stderr}");
    let (_, stdout, _) = run(gloss(dir).args(["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(rows[0]["codings"], 1);
    assert_eq!(rows[0]["records"], 1);
    assert_eq!(rows[0]["progress"], "in-progress");
    // A one-valued dimension refuses two values, and nothing changes.
    let before = fs::read(dir.join("coding/tester.journal")).expect("journal");
    let (out, _, stderr) = run(gloss(dir).args([
        "record",
        "transcripts/p1",
        "--set",
        "stage=training,environment",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("takes one value"), "{stderr}");
    assert_eq!(
        fs::read(dir.join("coding/tester.journal")).expect("journal"),
        before
    );
    let (out, _, _) = run(gloss(dir).args(["uncode", "tester-1"]));
    assert!(out.status.success());
    let (_, stdout, _) = run(gloss(dir).args(["status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(status["coders"]["tester"]["codings"], 0);
    assert_eq!(status["coders"]["tester"]["records"], 1);
}

#[test]
fn a_second_writer_for_the_same_coder_is_refused_other_coders_are_not() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let project = Project::open(dir).expect("open");
    let _held = gloss::coding::store::Writer::open(&project, "tester").expect("lock");
    let (out, _, stderr) = code(dir, "transcripts/p1", "perf", 2, "NaN");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("coder tester is already writing in another gloss process"),
        "{stderr}"
    );
    let (out, _, stderr) = run(gloss(dir).args([
        "--coder",
        "bob",
        "code",
        "transcripts/p1",
        "perf",
        "--turn",
        "2",
        "--quote",
        "NaN",
    ]));
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn a_coding_file_with_conflict_markers_is_refused_and_left_alone() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let path = dir.join("coding/tester.jsonl");
    let text = "{\"gloss\":\"coding\",\"version\":1,\"coder\":\"tester\"}\n<<<<<<< HEAD\n=======\n>>>>>>> theirs\n";
    fs::write(&path, text).expect("write");
    let (out, _, stderr) = code(dir, "transcripts/p1", "perf", 2, "NaN");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("coding/tester.jsonl:2: git conflict marker"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).expect("read"), text);
    assert!(
        !dir.join("coding/tester.journal").exists()
            || fs::read(dir.join("coding/tester.journal"))
                .expect("j")
                .is_empty()
    );
}

#[test]
fn removed_document_keeps_its_codings_as_dangling_and_rename_carries_them() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    code(dir, "transcripts/p1", "perf", 2, "NaN");
    let (out, _, stderr) =
        run(gloss(dir).args(["rename", "transcripts/p1", "transcripts/participant1"]));
    assert!(out.status.success(), "{stderr}");
    let r = resolved(dir);
    assert!(
        matches!(r[0].1, Resolved::Placed { moved: false, .. }),
        "{r:?}"
    );
    let (out, stdout, _) = run(gloss(dir).args(["remove", "transcripts/participant1"]));
    assert!(out.status.success());
    assert!(
        stdout.contains("1 codings/records/statuses on it are kept")
            || stdout.contains("2 codings/records/statuses"),
        "{stdout}"
    );
    let (out, stdout, _) = run(gloss(dir).args(["status"]));
    assert!(out.status.success());
    assert!(
        stdout.contains("dangling") && stdout.contains("tester-1"),
        "{stdout}"
    );
    let data = gloss::coding::store::read_coder(&dir.join("coding"), "tester").expect("read");
    assert!(data.contains_key("coding tester-1"));
}

/// Copies a real transcript into a scratch project, codes a quote in it, edits the
/// file four ways, and checks where the coding lands each time.
#[test]
fn codings_on_a_real_transcript_are_reanchored_or_orphaned_after_edits() {
    let Some(data) = shared_data() else { return };
    let source = data.join("transcripts/cv-reengineering/Interview_leader1.txt");
    let original = fs::read_to_string(&source).expect("real transcript");
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let target = dir.join("transcripts/leader1.txt");
    fs::write(&target, &original).expect("copy");
    let project = Project::open(dir).expect("open");
    let corpus = project.load_corpus().expect("corpus");
    let doc = corpus.get("transcripts/leader1").expect("imported");
    // Pick a later turn with a sentence long enough to be unique.
    let (turn, quote) = doc
        .turns
        .iter()
        .enumerate()
        .skip(5)
        .find_map(|(i, t)| {
            // Away from both ends of the turn, so that a copy of the whole turn has the
            // same context around the quote.
            let s = t.text.split(". ").find(|s| {
                let at = t.text.find(*s).unwrap_or(0);
                s.len() > 40
                    && at > 45
                    && at + s.len() + 45 < t.text.len()
                    && t.text.matches(*s).count() == 1
            })?;
            (original.matches(s).count() == 1).then(|| (i, s.to_string()))
        })
        .expect("a unique sentence");
    let (out, _, stderr) = run(gloss(dir).args([
        "code",
        "transcripts/leader1",
        "perf",
        "--turn",
        &(turn + 1).to_string(),
        "--quote",
        &quote,
    ]));
    assert!(out.status.success(), "{stderr}");

    // 1. Text inserted before the quote: the coding moves with its text.
    let newline = if original.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let inserted =
        format!("Interviewer:{newline}A new opening question.{newline}{newline}{original}");
    fs::write(&target, &inserted).expect("edit");
    let r = resolved(dir);
    let Resolved::Placed { start, moved, .. } = r[0].1 else {
        panic!("{r:?}")
    };
    assert!(moved);
    assert_eq!(start.turn, turn + 1, "moved to the shifted turn");

    // 2. The quote itself changed: orphaned, listed by status, never dropped.
    let changed = original.replacen(&quote, &quote.to_uppercase(), 1);
    fs::write(&target, &changed).expect("edit");
    assert!(matches!(resolved(dir)[0].1, Resolved::Orphaned(_)));
    let (_, stdout, _) = run(gloss(dir).args(["status"]));
    assert!(
        stdout.contains("orphaned") && stdout.contains("tester-1"),
        "{stdout}"
    );

    // 3. The whole turn duplicated right after itself, and text inserted before both:
    //    the quote now occurs twice with the same context on both sides — orphaned, not
    //    put on the first match.
    let turn_text = &doc.turns[turn].text;
    let duplicated = inserted.replacen(
        turn_text,
        &format!("{turn_text}{newline}{newline}{turn_text}"),
        1,
    );
    fs::write(&target, &duplicated).expect("edit");
    let r = resolved(dir);
    assert!(
        matches!(
            r[0].1,
            Resolved::Orphaned(gloss::coding::anchor::Orphan::Ambiguous(2))
        ),
        "{r:?}"
    );

    // 4. The quote deleted: orphaned.
    fs::write(&target, original.replacen(&quote, "", 1)).expect("edit");
    assert!(matches!(resolved(dir)[0].1, Resolved::Orphaned(_)));

    // Restoring the text brings the coding back in place.
    fs::write(&target, &original).expect("restore");
    assert!(matches!(
        resolved(dir)[0].1,
        Resolved::Placed { moved: false, .. }
    ));
}

#[test]
fn after_a_rename_your_entries_follow_and_the_old_id_cannot_be_reused() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    code(dir, "transcripts/p1", "perf", 2, "NaN");
    run(gloss(dir).args(["record", "transcripts/p1", "--set", "stage=training"]));
    let (out, _, stderr) = run(gloss(dir).args(["rename", "transcripts/p1", "transcripts/p1b"]));
    assert!(out.status.success(), "{stderr}");
    // Marking and recording under the new id update the same status and record.
    run(gloss(dir).args(["mark", "transcripts/p1b", "done"]));
    run(gloss(dir).args(["record", "transcripts/p1b", "--set", "impact=hang"]));
    let (_, stdout, _) = run(gloss(dir).args(["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows[0]["id"], "transcripts/p1b");
    assert_eq!(rows[0]["progress"], "done");
    assert_eq!(rows[0]["records"], 1);
    assert_eq!(rows[0]["codings"], 1);
    // A new document under the old id is refused.
    fs::write(dir.join("p1.txt"), "P1: another interview\n").unwrap();
    let (out, _, stderr) = run(gloss(dir).args(["import", "transcript", "p1.txt"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("was renamed to transcripts/p1b"),
        "{stderr}"
    );
    // Hidden names are refused.
    let (out, _, _) = run(gloss(dir).args(["rename", "transcripts/p1b", "transcripts/.hidden"]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn coding_ids_are_never_reused() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    code(dir, "transcripts/p1", "perf", 2, "NaN");
    run(gloss(dir).args(["uncode", "tester-1"]));
    run(gloss(dir).arg("compact"));
    let (_, stdout, _) = run(gloss(dir).args([
        "code",
        "transcripts/p1",
        "perf",
        "--turn",
        "2",
        "--quote",
        "loss",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["id"], "tester-2");
}

#[test]
fn one_unreadable_file_does_not_block_the_project() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    fs::write(dir.join("transcripts/notes.txt"), "").unwrap();
    fs::write(dir.join("coding/bob.journal"), "<<<<<<< HEAD\n").unwrap();
    let (out, stdout, _) = run(gloss(dir).arg("status"));
    assert!(out.status.success());
    assert!(stdout.contains("2 files cannot be read"), "{stdout}");
    assert!(
        stdout.contains("notes.txt") && stdout.contains("bob.journal:1: git conflict marker"),
        "{stdout}"
    );
    let (out, _, _) = code(dir, "transcripts/p1", "perf", 2, "NaN");
    assert!(out.status.success());
    assert_eq!(
        fs::read_to_string(dir.join("coding/bob.journal")).unwrap(),
        "<<<<<<< HEAD\n"
    );
}

#[test]
fn batch_coding_speaks_json_and_record_without_changes_is_a_usage_error() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let batch = dir.join("batch.jsonl");
    fs::write(
        &batch,
        "{\"doc\":\"transcripts/p1\",\"turn\":2,\"quote\":\"NaN\",\"code\":\"perf\"}\n",
    )
    .unwrap();
    let (out, stdout, stderr) = run(gloss(dir).args(["code", "--batch", "batch.jsonl", "--json"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), "{\"id\":\"tester-1\",\"line\":1}");
    let (out, _, _) = run(gloss(dir).args(["record", "transcripts/p1"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn record_evidence_picks_an_occurrence_and_is_reported_when_its_text_goes() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    let transcript = dir.join("transcripts/p1.txt");
    fs::write(
        &transcript,
        "Interviewer: How did the port go?\n\nP1: It crashed on load. Then, after the fix, it crashed on load again.\n",
    )
    .unwrap();
    let args = [
        "record",
        "transcripts/p1",
        "--set",
        "stage=training",
        "--evidence-turn",
        "2",
        "--evidence-quote",
        "crashed on load",
    ];
    let (out, _, stderr) = run(gloss(dir).args(args));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("occurs 2 times"), "{stderr}");
    let (out, stdout, stderr) =
        run(gloss(dir)
            .args(args)
            .args(["--evidence-occurrence", "2", "--json"]));
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["record"]["evidence"][0]["start"][1], 44);
    let (_, stdout, _) = run(gloss(dir).arg("status"));
    assert!(
        stdout.contains("no orphaned or dangling codings"),
        "{stdout}"
    );
    fs::write(
        &transcript,
        "Interviewer: How did the port go?\n\nP1: It crashed on load. Then we fixed it.\n",
    )
    .unwrap();
    let (_, stdout, _) = run(gloss(dir).arg("status"));
    assert!(stdout.contains("record 1 evidence 1"), "{stdout}");
}
