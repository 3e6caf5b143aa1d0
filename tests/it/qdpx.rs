//! REFI-QDA exchange: exports validated against the QDA-XML schemas with xmllint, the
//! demo project's round trip, the real files in ../shared/data/refi-qda, other tools'
//! position readings, and untrusted archives refused without changing the project.

use std::path::{Path, PathBuf};
use std::process::Command;

use gloss::coding::Entry;
use gloss::coding::store::read_coder;
use gloss::interop::zipsafe;
use gloss::project::Project;
use gloss::study::Study;

use crate::common::{gloss, new_project, run, shared_data, snapshot};

/// The demo project (the repository itself).
fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn refi(data: &Path) -> PathBuf {
    data.join("refi-qda")
}

/// Exports `project` with the CLI to `out`.
fn export_qdpx(project: &Path, out: &Path) {
    let (o, _, err) = run(gloss(project).args(["export", "qdpx", "-o"]).arg(out));
    assert!(o.status.success(), "{err}");
}

/// Imports `file` with the CLI into `project`; returns stdout and stderr.
fn import(project: &Path, kind: &str, file: &Path, extra: &[&str]) -> (bool, String, String) {
    let (o, out, err) = run(gloss(project).args(["import", kind]).arg(file).args(extra));
    (o.status.success(), out, err)
}

/// True when xmllint is installed; otherwise a note (and, under CI=true, a failure:
/// `.ci/run` installs it).
fn have_xmllint() -> bool {
    if Command::new("xmllint").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "xmllint is missing, and CI=true requires the schema tests to run (.ci/run installs libxml2-utils)"
    );
    eprintln!("note: xmllint is not installed; skipping schema validation");
    false
}

/// Validates an XML file against a schema with xmllint, failing with its messages.
fn assert_valid(xml: &Path, schema: &Path) {
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(xml)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}",
        xml.display(),
        schema.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The entries of a .qdpx.
fn entries(qdpx: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    zipsafe::read(&std::fs::read(qdpx).unwrap(), &zipsafe::Limits::default())
        .unwrap()
        .entries
}

/// Checks a .qdpx's layout and validates its project.qde (when xmllint is there).
fn check_qdpx(qdpx: &Path, data: &Path, tmp: &Path) {
    let files = entries(qdpx);
    assert!(files.contains_key("project.qde"), "{:?}", files.keys());
    for (name, bytes) in &files {
        if name == "project.qde" {
            continue;
        }
        let guid = name
            .strip_prefix("sources/")
            .and_then(|n| n.strip_suffix(".txt"))
            .unwrap_or_else(|| panic!("unexpected entry {name}"));
        assert_eq!(guid.len(), 36, "{name}");
        assert!(std::str::from_utf8(bytes).is_ok(), "{name} is not UTF-8");
        let qde = std::str::from_utf8(&files["project.qde"]).unwrap();
        assert!(
            qde.contains(&format!("plainTextPath=\"internal://{guid}.txt\"")),
            "{name} is not referenced"
        );
    }
    if have_xmllint() {
        let xml = tmp.join("project.qde");
        std::fs::write(&xml, &files["project.qde"]).unwrap();
        assert_valid(&xml, &refi(data).join("Project.xsd"));
    }
}

#[test]
fn exports_validate_against_the_schemas_and_repeat_byte_for_byte() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.qdpx"), tmp.path().join("b.qdpx"));
    export_qdpx(&demo(), &a);
    export_qdpx(&demo(), &b);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    check_qdpx(&a, &data, tmp.path());

    let qdc = tmp.path().join("codebook.qdc");
    let (o, _, err) = run(gloss(&demo()).args(["export", "qdc", "-o"]).arg(&qdc));
    assert!(o.status.success(), "{err}");
    let text = std::fs::read_to_string(&qdc).unwrap();
    assert!(text.contains("xmlns=\"urn:QDA-XML:codebook:1.0\""));
    // Dimensions are categories; their values are codable.
    assert!(
        text.contains("name=\"DL stage\" isCodable=\"false\""),
        "{text}"
    );
    if have_xmllint() {
        assert_valid(
            &qdc,
            &refi(&data).join("Codebook_from_QualCoder_xsd_py.xsd"),
        );
    }
}

/// Every coder's entries, keyed, in key order.
fn all_entries(root: &Path) -> Vec<(String, Vec<(String, Entry)>)> {
    let dir = root.join("coding");
    gloss::coding::store::coders_in(&dir)
        .unwrap()
        .into_iter()
        .map(|c| {
            let file = read_coder(&dir, &c).unwrap();
            let entries = file
                .entries()
                .map(|(k, e)| (k.to_string(), e.clone()))
                .collect();
            (c, entries)
        })
        .collect()
}

#[test]
fn the_demo_project_survives_a_round_trip() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first.qdpx");
    export_qdpx(&demo(), &first);

    let original = Project::open(&demo()).unwrap();
    let target = tmp.path().join("copy");
    Project::init(&target, &original.config.name).unwrap();
    let (ok, out, err) = import(&target, "qdpx", &first, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("24 documents added"), "{out}");

    // Exporting again gives the same file: codings, codes, texts, notes, GUIDs.
    let second = tmp.path().join("second.qdpx");
    export_qdpx(&target, &second);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
        "the second export differs"
    );
    check_qdpx(&second, &data, tmp.path());

    // In gloss: documents with their turns, speakers and attributes; every coder's
    // codings, records (dimensions, values, evidence), statuses and memos.
    let a = Study::open(original).unwrap();
    let b = Study::open(Project::open(&target).unwrap()).unwrap();
    assert_eq!(a.corpus.docs, b.corpus.docs);
    // (A document without a speaker map may come back with an empty one: attributes
    // from gloss.yaml, such as the Spanish interview's language, return in
    // documents.yaml.)
    let speakers = |s: &Study, id: &str| {
        s.project
            .meta
            .documents
            .get(id)
            .map(|m| m.speakers.clone())
            .unwrap_or_default()
    };
    for doc in &a.corpus.docs {
        assert_eq!(speakers(&a, &doc.id), speakers(&b, &doc.id), "{}", doc.id);
    }
    let (ea, eb) = (all_entries(&demo()), all_entries(&target));
    assert_eq!(
        ea.iter().map(|(c, _)| c).collect::<Vec<_>>(),
        vec!["alice", "bob"]
    );
    assert_eq!(ea, eb);
    assert!(
        ea.iter()
            .flat_map(|(_, e)| e)
            .any(|(_, e)| matches!(e, Entry::Record(r) if !r.evidence.is_empty())),
        "the demo has records with evidence"
    );
    // The codebook: same codes, fields and order.
    let ids = |s: &Study| {
        s.codebook
            .codes
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.name.clone(),
                    c.description.clone(),
                    c.include.clone(),
                    c.exclude.clone(),
                    c.example.clone(),
                    c.color.clone(),
                    c.key,
                    c.aliases.clone(),
                    c.select,
                    c.retired,
                    c.depth,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));

    // Importing it again changes nothing.
    let before = snapshot(&target);
    let (ok, out, err) = import(&target, "qdpx", &first, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("0 documents added, 24 unchanged"), "{out}");
    assert!(out.contains("0 codings added"), "{out}");
    assert_eq!(before, snapshot(&target));
}

#[test]
fn minimal_example_quotes_the_text_after_an_em_dash_and_an_emoji() {
    let Some(data) = shared_data() else { return };
    let project = new_project();
    let file = refi(&data).join("minimal_example.qdpx");
    let (ok, out, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("coder1: 1 codings"), "{out}");
    let study = Study::open(Project::open(project.path()).unwrap()).unwrap();
    let doc = study.corpus.get("transcripts/p1_interview").unwrap();
    let speakers: Vec<&str> = doc.turns.iter().map(|t| t.speaker.as_str()).collect();
    assert_eq!(speakers, ["Interviewer", "P1"]);
    let spans: Vec<_> = study.codings.spans().collect();
    assert_eq!(spans.len(), 1);
    let (coder, c) = spans[0];
    assert_eq!(coder, "coder1");
    assert_eq!(c.anchor.quote, "We lost a day");
    assert!(c.anchor.before.ends_with("— again. 🙃 "), "{:?}", c.anchor);
    let code = study.codebook.get(&c.code).unwrap();
    assert_eq!(code.name, "stale_cache");
    assert_eq!(code.color.as_deref(), Some("#ff8800"));
    assert_eq!(code.description, "Build failure blamed on caching");
    assert_eq!(
        study.codebook.ancestors(&c.code)[0].name,
        "build",
        "the category keeps its child"
    );
    // Placed where the file says, in the current text.
    let placed = study.codings.resolve(&study.project, &study.corpus);
    assert!(matches!(
        placed[0].placement,
        gloss::coding::set::Resolved::Placed { moved: false, .. }
    ));
    // And exported again, it validates.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("again.qdpx");
    export_qdpx(project.path(), &out);
    check_qdpx(&out, &data, tmp.path());
}

#[test]
fn qc_demo_places_every_coding_on_the_line_its_name_gives() {
    let Some(data) = shared_data() else { return };
    let project = new_project();
    let file = refi(&data).join("qc-demo.qdpx");
    let (ok, out, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(ok, "{err}");
    // qc's names are `line:N`, not the text: every selection read end-exclusive.
    assert!(out.contains("positions read: 158 end exclusive"), "{out}");

    // The file's selections, in order, with the line each names and its codings.
    let files = entries(&file);
    let qde = gloss::interop::read::read_project(&files["project.qde"]).unwrap();
    let mut expected = Vec::new();
    for source in &qde.sources {
        let path = source.plain_text_path.as_deref().unwrap();
        let text = String::from_utf8(files[&format!("sources/{path}")].clone()).unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        for sel in &source.selections {
            let n: usize = sel.name.strip_prefix("line:").unwrap().parse().unwrap();
            for _ in &sel.codings {
                expected.push((source.name.clone(), lines[n].trim_end().to_string()));
            }
        }
    }
    let coder = read_coder(&project.path().join("coding"), "cp").unwrap();
    let mut codings: Vec<_> = coder
        .values()
        .filter_map(|e| match e {
            Entry::Coding(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    codings.sort_by_key(|c| c.id["cp-".len()..].parse::<usize>().unwrap());
    assert_eq!(codings.len(), expected.len());
    assert_eq!(codings.len(), 205);
    for (c, (source, line)) in codings.iter().zip(&expected) {
        // The quote is the line, less a speaker label at its start.
        let q = &c.anchor.quote;
        assert!(
            !q.is_empty() && line.ends_with(q.as_str()),
            "{} in {source}",
            c.id
        );
        let before = line[..line.len() - q.len()].trim();
        assert!(
            before.is_empty() || before.ends_with(':'),
            "{}: more than a label left out",
            c.id
        );
        assert!(c.doc.starts_with("transcripts/"), "{}", c.doc);
    }
    let study = Study::open(Project::open(project.path()).unwrap()).unwrap();
    assert!(
        study
            .codings
            .resolve(&study.project, &study.corpus)
            .iter()
            .all(|s| matches!(
                s.placement,
                gloss::coding::set::Resolved::Placed { moved: false, .. }
            )),
        "every coding in place"
    );
    // Names that repeat in the tree stay apart in gloss's codebook (it checks).
    let (o, _, err) = run(gloss(project.path()).args(["codebook", "check"]));
    assert!(o.status.success(), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let again = tmp.path().join("again.qdpx");
    export_qdpx(project.path(), &again);
    check_qdpx(&again, &data, tmp.path());
}

/// A .qdpx of one project.qde and source files (name, text).
fn qdpx(dir: &Path, qde: &str, sources: &[(&str, &str)]) -> PathBuf {
    let mut list = vec![("project.qde".to_string(), qde.as_bytes().to_vec())];
    for (name, text) in sources {
        list.push(((*name).to_string(), text.as_bytes().to_vec()));
    }
    let path = dir.join("in.qdpx");
    std::fs::write(&path, zipsafe::write(&list).unwrap()).unwrap();
    path
}

const U: &str = "11111111-1111-1111-1111-111111111111";
const C: &str = "22222222-2222-2222-2222-222222222222";
const S: &str = "33333333-3333-3333-3333-333333333333";

/// A project.qde with one user, one code, one source and these selections
/// (start, end, name), each coded with the code.
fn project_qde(selections: &[(&str, &str, &str)]) -> String {
    let mut sels = String::new();
    for (i, (s, e, name)) in selections.iter().enumerate() {
        sels.push_str(&format!(
            "<PlainTextSelection guid=\"44444444-4444-4444-4444-{i:012}\" name=\"{name}\" startPosition=\"{s}\" endPosition=\"{e}\" creatingUser=\"{U}\"><Coding guid=\"55555555-5555-5555-5555-{i:012}\" creatingUser=\"{U}\"><CodeRef targetGUID=\"{C}\"/></Coding></PlainTextSelection>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"t\"><Users><User guid=\"{U}\" name=\"Ann Lee\"/></Users><CodeBook><Codes><Code guid=\"{C}\" name=\"Delay\" isCodable=\"true\"/></Codes></CodeBook><Sources><TextSource guid=\"{S}\" name=\"Talk\" plainTextPath=\"internal://{S}.txt\">{sels}</TextSource></Sources></Project>"
    )
}

fn quotes(root: &Path, coder: &str) -> Vec<String> {
    let file = read_coder(&root.join("coding"), coder).unwrap();
    let mut out: Vec<(String, String)> = file
        .values()
        .filter_map(|e| match e {
            Entry::Coding(c) => Some((c.id.clone(), c.anchor.quote.clone())),
            _ => None,
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, q)| q).collect()
}

#[test]
fn other_tools_positions_are_read_by_the_names_they_give() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "Interviewer: Why late?\r\nP1: We shipped it late.\r\nInterviewer: Ok.\r\n";
    let cp = |s: &str| text[..text.find(s).unwrap()].chars().count();
    let crlf_one = |s: &str| {
        text[..text.find(s).unwrap()]
            .replace("\r\n", "\n")
            .chars()
            .count()
    };
    let (a, b) = (cp("shipped"), cp("shipped") + "shipped".len());
    let (c, d) = (crlf_one("Ok"), crlf_one("Ok") + 2);
    let sels = [
        // End exclusive, end inclusive, CR LF as one (ATLAS.ti), and a bare name.
        (a.to_string(), b.to_string(), "shipped"),
        (a.to_string(), (b - 1).to_string(), "shipped"),
        (c.to_string(), d.to_string(), "Ok"),
        (a.to_string(), b.to_string(), "line:2"),
    ];
    let sels: Vec<(&str, &str, &str)> = sels
        .iter()
        .map(|(s, e, n)| (s.as_str(), e.as_str(), *n))
        .collect();
    let file = qdpx(
        tmp.path(),
        &project_qde(&sels),
        &[(&format!("sources/{S}.txt"), text)],
    );
    let project = new_project();
    let (ok, out, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(ok, "{err}");
    assert!(err.contains("\"Ann Lee\" codes as coder ann-lee"), "{err}");
    assert!(
        out.contains("end exclusive, CR LF as one character"),
        "{out}"
    );
    // Each reading found its text; the bare name took the reading most names matched
    // (a tie: end exclusive). Codings of one code on one span by one coder count once.
    assert!(
        out.contains("positions read: 2 end exclusive, 1 end exclusive, CR LF as one character, 1 end inclusive"),
        "{out}"
    );
    assert!(out.contains("2 codings added (2 there already)"), "{out}");
    assert_eq!(quotes(project.path(), "ann-lee"), ["shipped", "Ok"]);
}

#[test]
fn bad_selections_are_refused_listed_or_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "P1: thumbs 👍🏽 up\n";
    let thumb = text[..text.find('👍').unwrap()].chars().count();
    let sels = [
        ("4".to_string(), "10".to_string(), "thumbs"),
        ("4".to_string(), "999".to_string(), "far"),
        (
            (thumb).to_string(),
            (thumb + 1).to_string(),
            "half an emoji",
        ),
        ("0".to_string(), "3".to_string(), "P1:"),
        ("7".to_string(), "5".to_string(), "backwards"),
    ];
    let sels: Vec<(&str, &str, &str)> = sels
        .iter()
        .map(|(s, e, n)| (s.as_str(), e.as_str(), *n))
        .collect();
    let file = qdpx(
        tmp.path(),
        &project_qde(&sels),
        &[(&format!("sources/{S}.txt"), text)],
    );
    let project = new_project();
    let before = snapshot(project.path());
    let (ok, _, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(!ok);
    assert!(
        err.contains("4 problems found; nothing was imported"),
        "{err}"
    );
    assert!(
        err.contains("lies outside the text, which has 17 characters"),
        "{err}"
    );
    assert!(err.contains("splits a character"), "{err}");
    assert!(err.contains("only a speaker label"), "{err}");
    assert!(err.contains("ends where it starts, or before"), "{err}");
    assert_eq!(before, snapshot(project.path()), "nothing changed");

    let (ok, out, err) = import(project.path(), "qdpx", &file, &["--skip-bad"]);
    assert!(ok, "{err}");
    assert!(out.contains("4 left out"), "{out}");
    assert_eq!(err.matches("gloss: skipped:").count(), 4, "{err}");
    assert_eq!(quotes(project.path(), "ann-lee"), ["thumbs"]);
}

#[test]
fn unknown_codes_and_missing_texts_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let qde = project_qde(&[("4", "7", "yes")]).replace(
        &format!("targetGUID=\"{C}\""),
        "targetGUID=\"99999999-9999-9999-9999-999999999999\"",
    );
    let project = new_project();
    let before = snapshot(project.path());
    let file = qdpx(
        tmp.path(),
        &qde,
        &[(&format!("sources/{S}.txt"), "P1: yes\n")],
    );
    let (ok, _, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(!ok);
    assert!(err.contains("not in the project's codebook"), "{err}");
    let file = qdpx(tmp.path(), &project_qde(&[]), &[]);
    let (ok, _, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(!ok);
    assert!(err.contains("is not in the archive"), "{err}");
    assert_eq!(before, snapshot(project.path()));
}

/// Writes a zip of raw entries with the zip crate, names as given.
fn raw_zip(path: &Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    std::fs::write(path, zip.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn untrusted_archives_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let project = new_project();
    let before = snapshot(project.path());
    let good = project_qde(&[("4", "7", "yes")]);
    let source = format!("sources/{S}.txt");
    let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"&x;\"/>".to_string();
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n<Project name=\"&c;\"/>".to_string();
    let undeclared = "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"&c;\"/>".to_string();
    let zeros = vec![b' '; 8 << 20];
    type Files = Vec<(String, Vec<u8>)>;
    let cases: Vec<(&str, Files, &str)> = vec![
        (
            "zip slip",
            vec![
                ("project.qde".into(), good.clone().into_bytes()),
                ("../../evil.txt".into(), b"x".to_vec()),
            ],
            "zip slip",
        ),
        (
            "absolute path",
            vec![
                ("project.qde".into(), good.clone().into_bytes()),
                ("/tmp/evil.txt".into(), b"x".to_vec()),
            ],
            "absolute path",
        ),
        (
            "zip bomb",
            vec![
                ("project.qde".into(), good.clone().into_bytes()),
                (source.clone(), zeros),
            ],
            "zip bomb",
        ),
        (
            "no project.qde",
            vec![(source.clone(), b"P1: yes\n".to_vec())],
            "holds no project.qde",
        ),
        (
            "external entity",
            vec![("project.qde".into(), xxe.into_bytes())],
            "DTD",
        ),
        (
            "billion laughs",
            vec![("project.qde".into(), laughs.into_bytes())],
            "DTD",
        ),
        (
            "undeclared entity",
            vec![("project.qde".into(), undeclared.into_bytes())],
            "unrecognized entity `c`",
        ),
        (
            "not XML",
            vec![("project.qde".into(), b"<Project><Users></Project>".to_vec())],
            "project.qde:1: the file is not well-formed XML",
        ),
    ];
    for (what, files, expected) in cases {
        let path = work.join(format!("{}.qdpx", what.replace(' ', "-")));
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        raw_zip(&path, &refs);
        let (ok, _, err) = import(project.path(), "qdpx", &path, &[]);
        assert!(!ok, "{what}: accepted");
        assert!(err.contains(expected), "{what}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{what}: one line: {err}");
    }
    // A symbolic link.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.add_symlink(
        &source,
        "/etc/passwd",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let link = work.join("link.qdpx");
    std::fs::write(&link, zip.finish().unwrap().into_inner()).unwrap();
    let (ok, _, err) = import(project.path(), "qdpx", &link, &[]);
    assert!(!ok && err.contains("symbolic link"), "{err}");
    // Not a zip at all.
    let junk = work.join("junk.qdpx");
    std::fs::write(&junk, b"<Project/>").unwrap();
    let (ok, _, err) = import(project.path(), "qdpx", &junk, &[]);
    assert!(!ok && err.contains("not a readable zip"), "{err}");

    assert_eq!(before, snapshot(project.path()), "the project is unchanged");
    let outside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, ["work"], "nothing written beside the archive");
    assert!(!Path::new("/tmp/evil.txt").exists());
}

#[test]
fn a_codebook_file_adds_codes_once() {
    let tmp = tempfile::tempdir().unwrap();
    let qdc = tmp.path().join("book.qdc");
    let (o, _, err) = run(gloss(&demo()).args(["export", "qdc", "-o"]).arg(&qdc));
    assert!(o.status.success(), "{err}");
    let project = new_project();
    let (ok, out, err) = import(project.path(), "qdc", &qdc, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("111 codes added"), "{out}");
    let book = gloss::codebook::Codebook::load(&project.path().join("codebooks")).unwrap();
    let code = book.resolve("Performance debugging").unwrap();
    assert!(!code.description.is_empty());
    assert!(
        !code.include.is_empty(),
        "criteria come back from the description"
    );
    let (ok, out, err) = import(project.path(), "qdc", &qdc, &[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("0 codes added, 111 found in the codebook"),
        "{out}"
    );
    // Not a codebook: one line, exit 1.
    std::fs::write(&qdc, "<Project name=\"x\"><Other/></Project>").unwrap();
    let (o, _, err) = run(gloss(project.path()).args(["import", "qdc"]).arg(&qdc));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("holds no <Codes>"), "{err}");
    std::fs::write(&qdc, "<Nope/>").unwrap();
    let (o, _, err) = run(gloss(project.path()).args(["import", "qdc"]).arg(&qdc));
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("not <CodeBook>"), "{err}");
}

#[test]
fn a_document_the_project_has_with_other_text_is_imported_beside_it() {
    let Some(data) = shared_data() else { return };
    let project = new_project();
    std::fs::write(
        project.path().join("transcripts/p1_interview.txt"),
        "Interviewer: Something else entirely.\n",
    )
    .unwrap();
    let before = std::fs::read(project.path().join("transcripts/p1_interview.txt")).unwrap();
    let file = refi(&data).join("minimal_example.qdpx");
    let (ok, _, err) = import(project.path(), "qdpx", &file, &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("imported as transcripts/p1_interview-2"),
        "{err}"
    );
    assert_eq!(
        before,
        std::fs::read(project.path().join("transcripts/p1_interview.txt")).unwrap()
    );
    assert_eq!(quotes(project.path(), "coder1"), ["We lost a day"]);
}

/// `--new DIR`: the demo exported and imported into a new project that holds the same
/// codings; a failed import leaves no folder behind, and a folder with files in it is
/// refused untouched.
#[test]
fn import_with_new_creates_the_project_or_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("demo.qdpx");
    export_qdpx(&demo(), &file);
    let fresh = tmp.path().join("fresh");
    let (o, out, err) = run(gloss(tmp.path())
        .args(["import", "qdpx"])
        .arg(&file)
        .arg("--new")
        .arg(&fresh));
    assert!(o.status.success(), "{err}");
    assert!(out.contains("codings"), "{out}");
    let imported = Study::open(Project::open(&fresh).unwrap()).unwrap();
    let original = Study::open(Project::open(&demo()).unwrap()).unwrap();
    assert_eq!(imported.corpus.docs.len(), original.corpus.docs.len());
    assert_eq!(
        imported.codings.spans().count(),
        original.codings.spans().count()
    );
    // A bad archive: the new folder is gone again.
    let bad = qdpx(
        tmp.path(),
        &project_qde(&[("4", "7", "yes")]).replace(
            &format!("targetGUID=\"{C}\""),
            "targetGUID=\"99999999-9999-9999-9999-999999999999\"",
        ),
        &[(&format!("sources/{S}.txt"), "P1: yes\n")],
    );
    let gone = tmp.path().join("gone");
    let (o, _, err) = run(gloss(tmp.path())
        .args(["import", "qdpx"])
        .arg(&bad)
        .arg("--new")
        .arg(&gone));
    assert!(!o.status.success());
    assert!(err.contains("not in the project's codebook"), "{err}");
    assert!(!gone.exists());
    // A folder with something in it is refused, and keeps what it had.
    let busy = tmp.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let (o, _, err) = run(gloss(tmp.path())
        .args(["import", "qdpx"])
        .arg(&file)
        .arg("--new")
        .arg(&busy));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1);
}
