//! Search: recall against a literal scan of real transcripts, stemming and CJK, filters
//! with queries, an index that is deleted or damaged between runs, auto-coding undone,
//! bad queries, and a second process while another holds the index writer.

use std::fs;
use std::path::Path;

use gloss::corpus::import::github::{IssueImportOptions, import_issues};
use gloss::search::{Filters, SearchIndex};
use gloss::study::Study;

use crate::common::{code, gloss, new_project, rest_issue, run, shared_data};
use crate::store::{CODEBOOK, project_with_transcript};

fn open_study(root: &Path) -> Study {
    Study::open(gloss::project::Project::open(root).unwrap()).unwrap()
}

fn synced_index(study: &Study) -> SearchIndex {
    let mut index = SearchIndex::open(&study.project.derived_dir()).unwrap();
    index.sync(study).unwrap();
    index
}

/// Turns (doc, turn) whose text holds `phrase` as whole words (as `grep -iw` sees them:
/// letters, digits and `_` make words), case-insensitively.
fn literal_turns(study: &Study, phrase: &str) -> Vec<(String, usize)> {
    let needle = phrase.to_lowercase();
    let mut out = Vec::new();
    for doc in &study.corpus.docs {
        for (i, turn) in doc.turns.iter().enumerate() {
            let hay = turn.text.to_lowercase();
            let found = hay.match_indices(&needle).any(|(at, m)| {
                let before = hay[..at].chars().next_back();
                let after = hay[at + m.len()..].chars().next();
                let word = |c: char| c.is_alphanumeric() || c == '_';
                !before.is_some_and(word) && !after.is_some_and(word)
            });
            if found {
                out.push((doc.id.clone(), i));
            }
        }
    }
    out.sort();
    out
}

/// Turns whose words (split at every character that is not a letter, digit or `_`),
/// lower-cased, hold the words of `phrase` one after the other.
fn word_sequence_turns(study: &Study, phrase: &str) -> Vec<(String, usize)> {
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let needle = words(phrase);
    let mut out = Vec::new();
    for doc in &study.corpus.docs {
        for (i, turn) in doc.turns.iter().enumerate() {
            if words(&turn.text).windows(needle.len()).any(|w| w == needle) {
                out.push((doc.id.clone(), i));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_turn_that_holds_a_word_or_phrase_literally_is_found() {
    let Some(data) = shared_data() else { return };
    let tmp = new_project();
    let mut files = Vec::new();
    for dir in ["transcripts/cv-reengineering", "transcripts/ml-quality"] {
        for e in fs::read_dir(data.join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    let project = gloss::project::Project::open(tmp.path()).unwrap();
    gloss::corpus::import::transcript::import_transcripts(&project, &files, &Default::default())
        .unwrap();
    let study = open_study(tmp.path());
    let index = synced_index(&study);
    let queries = [
        "model",
        "accuracy",
        "pytorch",
        "tensorflow",
        "data",
        "paper",
        "testing",
        "documentation",
        "GPU",
        "reproduce",
        "the model",
        "pre-trained",
        "open source",
        "code review",
        "data quality",
    ];
    for q in queries {
        let expected = literal_turns(&study, q);
        assert!(!expected.is_empty(), "{q} occurs in the corpus");
        let query = if q.contains([' ', '-']) {
            format!("\"{q}\"")
        } else {
            q.to_string()
        };
        let results = index
            .search(&query, &Filters::default(), 100_000, false)
            .unwrap();
        let mut found: Vec<(String, usize)> = results
            .hits
            .iter()
            .map(|h| (h.doc.clone(), h.turn))
            .collect();
        found.sort();
        let missing: Vec<_> = expected
            .iter()
            .filter(|t| found.binary_search(t).is_err())
            .collect();
        assert!(
            missing.is_empty(),
            "{q}: {} of {} literal turns not found, e.g. {:?}",
            missing.len(),
            expected.len(),
            missing.first()
        );
        // Exact mode finds the same literal turns too.
        let exact = index
            .search(&query, &Filters::default(), 100_000, true)
            .unwrap();
        let mut found: Vec<(String, usize)> =
            exact.hits.iter().map(|h| (h.doc.clone(), h.turn)).collect();
        found.sort();
        assert!(
            expected.iter().all(|t| found.binary_search(t).is_ok()),
            "{q} (exact)"
        );
        // ... and only turns with those words in that order: "model" as written is not
        // "models" (words are compared as the index splits them only roughly, by any
        // character that is not a letter, digit or `_`, so "open-source" holds the
        // phrase "open source").
        let in_order = word_sequence_turns(&study, q);
        let stray: Vec<_> = found
            .iter()
            .filter(|t| in_order.binary_search(t).is_err())
            .collect();
        assert!(
            stray.is_empty(),
            "{q} (exact): {} turns without it, e.g. {:?}",
            stray.len(),
            stray.first()
        );
    }
}

#[test]
fn one_text_field_answers_stemmed_and_exact_words_phrases_prefixes_and_fuzzy_words() {
    let tmp = new_project();
    fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    fs::write(
        tmp.path().join("transcripts/p3.txt"),
        "Interviewer: What happened?\n\n\
         P3: We reproduced the models from the paper.\n\n\
         Interviewer: And then?\n\n\
         P3: Reproducing a model takes weeks.\n\n\
         Interviewer: Which one?\n\n\
         P3: The model reproduction failed on the GPU.\n",
    )
    .unwrap();
    let study = open_study(tmp.path());
    let index = synced_index(&study);
    let turns = |q: &str, exact: bool| -> Vec<usize> {
        let r = index.search(q, &Filters::default(), 50, exact).unwrap();
        assert!(r.warnings.is_empty(), "{q}: {:?}", r.warnings);
        let mut t: Vec<usize> = r.hits.iter().map(|h| h.turn).collect();
        t.sort();
        t
    };
    // Stemmed: every form of the word.
    assert_eq!(turns("model", false), [1, 3, 5]);
    assert_eq!(turns("reproduce", false), [1, 3]);
    // As written: only that form.
    assert_eq!(turns("model", true), [3, 5]);
    assert_eq!(turns("models", true), [1]);
    assert_eq!(turns("reproducing", true), [3]);
    assert_eq!(turns("exact:models", false), [1]);
    assert_eq!(turns("text:models", true), [1, 3, 5]);
    // Phrases: stemmed phrases match other forms, exact ones only the words written.
    assert_eq!(turns("\"reproducing the model\"", false), [1]);
    assert_eq!(
        turns("\"reproducing the model\"", true),
        Vec::<usize>::new()
    );
    assert_eq!(turns("\"reproduced the models\"", true), [1]);
    assert_eq!(turns("\"reproducing a model\"", true), [3]);
    assert_eq!(turns("\"reproduce model\"~2", false), [1, 3]);
    // A phrase ending in a prefix, booleans, exclusion, boosts.
    assert_eq!(turns("\"the model repro\"*", false), [5]);
    assert_eq!(turns("model AND gpu", false), [5]);
    assert_eq!(turns("model -gpu", false), [1, 3]);
    assert_eq!(turns("-model", false), [0, 2, 4]);
    assert_eq!(turns("gpu^3 OR weeks", false), [3, 5]);
    // Fuzzy words match the words as written.
    assert_eq!(turns("modle~1", false), [3, 5]);
    assert_eq!(turns("modles~1", false), [1]);
    // Highlights cover the forms that matched, in both modes.
    let marked = |q: &str, exact: bool| -> Vec<String> {
        let r = index.search(q, &Filters::default(), 50, exact).unwrap();
        let mut words: Vec<String> = r
            .hits
            .iter()
            .flat_map(|h| h.matches.iter().map(|&(s, e)| h.text[s..e].to_string()))
            .collect();
        words.sort();
        words
    };
    assert_eq!(marked("model", false), ["model", "model", "models"]);
    assert_eq!(marked("model", true), ["model", "model"]);
    assert_eq!(marked("reproduce", false), ["Reproducing", "reproduced"]);
    // Issues' titles and urls are not attribute keywords: a filter on them says where
    // to look instead.
    let filters = Filters {
        attrs: vec![("url".into(), "https://github.com/o/r/issues/1".into())],
        ..Filters::default()
    };
    let r = index.search("model", &filters, 50, false).unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("--doc")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn attribute_filters_pick_issues_by_repo_labels_and_state_and_name_what_is_not_a_keyword() {
    let tmp = new_project();
    fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    let other = rest_issue(2, "Slow", "")
        .replace("acme/widgets", "acme/gadgets")
        .replace(r#""name":"bug""#, r#""name":"Docs""#)
        .replace(r#""state":"closed""#, r#""state":"open""#);
    let input = tmp.path().join("in.jsonl");
    fs::write(&input, format!("{}\n{other}\n", rest_issue(1, "Crash", ""))).unwrap();
    let project = gloss::project::Project::open(tmp.path()).unwrap();
    import_issues(&project, &[input], &IssueImportOptions::default()).unwrap();
    let study = open_study(tmp.path());
    let index = synced_index(&study);
    let found = |k: &str, v: &str| -> (Vec<String>, Vec<String>) {
        let filters = Filters {
            attrs: vec![(k.into(), v.into())],
            ..Filters::default()
        };
        let r = index.search("body", &filters, 50, false).unwrap();
        let mut docs: Vec<String> = r.hits.into_iter().map(|h| h.doc).collect();
        docs.sort();
        (docs, r.warnings)
    };
    let widgets = ["issues/acme/widgets#1".to_string()];
    let gadgets = ["issues/acme/gadgets#2".to_string()];
    // Repo and labels live in fields of their own; --attr finds them there, any case.
    assert_eq!(found("repo", "acme/widgets"), (widgets.to_vec(), vec![]));
    assert_eq!(found("repo", "ACME/Gadgets"), (gadgets.to_vec(), vec![]));
    assert_eq!(found("labels", "bug"), (widgets.to_vec(), vec![]));
    assert_eq!(found("label", "docs"), (gadgets.to_vec(), vec![]));
    // Other attributes are keywords of their own.
    assert_eq!(found("state", "open"), (gadgets.to_vec(), vec![]));
    assert_eq!(found("comments", "2").0.len(), 2);
    // Values unique to one issue are not: the filter says what to use instead.
    let (docs, warnings) = found("number", "1");
    assert!(docs.is_empty(), "{docs:?}");
    assert!(warnings.iter().any(|w| w.contains("--doc")), "{warnings:?}");
    let (docs, warnings) = found("created", "2024-01-01T10:00:00Z");
    assert!(docs.is_empty(), "{docs:?}");
    assert!(
        warnings.iter().any(|w| w.contains("timestamps")),
        "{warnings:?}"
    );
}

#[test]
fn a_document_in_another_language_is_stemmed_in_it_and_found_by_query_words_in_any() {
    let tmp = new_project();
    fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    fs::write(
        tmp.path().join("transcripts/es.txt"),
        "Entrevistador: ¿Qué hicisteis?\n\n\
         P4: Entrenamos los modelos durante semanas.\n\n\
         Entrevistador: ¿Y después?\n\n\
         P4: El entrenamiento falló con los datos nuevos.\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("transcripts/en.txt"),
        "Interviewer: What happened?\n\nP1: We were reproducing the models for weeks.\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("transcripts/xx.txt"),
        "Interviewer: Anything else?\n\nP9: Nothing else.\n",
    )
    .unwrap();
    let config = tmp.path().join("gloss.yaml");
    let yaml = fs::read_to_string(&config).unwrap().replace(
        "attributes: {}",
        "attributes:\n  transcripts/es:\n    language: Spanish\n  transcripts/xx:\n    language: klingon",
    );
    fs::write(&config, yaml).unwrap();
    let study = open_study(tmp.path());
    let mut index = SearchIndex::open(&study.project.derived_dir()).unwrap();
    index.sync(&study).unwrap();
    // A language gloss has no stemmer for is named once, with the known ones.
    assert!(
        index.notices.iter().any(|n| n.contains("transcripts/xx")
            && n.contains("\"klingon\"")
            && n.contains("es (spanish)")),
        "{:?}",
        index.notices
    );
    let hits = |q: &str, exact: bool| -> Vec<(String, usize, Vec<String>)> {
        let r = index.search(q, &Filters::default(), 50, exact).unwrap();
        assert!(r.warnings.is_empty(), "{q}: {:?}", r.warnings);
        let mut out: Vec<_> = r
            .hits
            .iter()
            .map(|h| {
                let marked = h.matches.iter().map(|&(s, e)| h.text[s..e].to_string());
                (h.doc.clone(), h.turn, marked.collect())
            })
            .collect();
        out.sort();
        out
    };
    let es = "transcripts/es".to_string();
    // Spanish stems join "entrenamos" and "entrenamiento" (English stemming does not).
    assert_eq!(
        hits("entrenamiento", false),
        [
            (es.clone(), 1, vec!["Entrenamos".to_string()]),
            (es.clone(), 3, vec!["entrenamiento".to_string()])
        ]
    );
    assert_eq!(
        hits("\"entrenar los modelos\"", false),
        [(
            es.clone(),
            1,
            ["Entrenamos", "los", "modelos"].map(String::from).to_vec()
        )]
    );
    // Exact search finds the word as written only, in any language.
    assert_eq!(
        hits("entrenamos", true),
        [(es.clone(), 1, vec!["Entrenamos".to_string()])]
    );
    assert_eq!(hits("\"los modelos\"", true).len(), 1);
    // English text is stemmed in English as before, in the same index.
    assert_eq!(
        hits("reproduce", false),
        [(
            "transcripts/en".to_string(),
            1,
            vec!["reproducing".to_string()]
        )]
    );
    // The language is a field: lang:es picks the Spanish turns.
    assert_eq!(hits("modelos AND lang:es", false).len(), 1);
    // The unknown language's words are found as written (unstemmed).
    assert_eq!(hits("nothing", false).len(), 1);
}

#[test]
fn the_projects_language_stems_every_document_that_names_none_and_a_bad_one_is_refused() {
    let tmp = new_project();
    fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    fs::write(
        tmp.path().join("transcripts/es.txt"),
        "Entrevistador: ¿Qué hicisteis?\n\nP4: Entrenamos los modelos durante semanas.\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("transcripts/en.txt"),
        "Interviewer: What happened?\n\nP1: We were reproducing the models for weeks.\n",
    )
    .unwrap();
    let config = tmp.path().join("gloss.yaml");
    let plain = fs::read_to_string(&config).unwrap();
    let search = |q: &str| -> Vec<String> {
        let (out, stdout, stderr) = run(gloss(tmp.path()).args(["--json", "search", q]));
        assert!(out.status.success(), "{q}: {stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let mut docs: Vec<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["doc"].as_str().unwrap().to_string())
            .collect();
        docs.sort();
        docs
    };
    // English by default: "entrenamiento" does not reach "Entrenamos".
    assert!(search("entrenamiento").is_empty());
    // The project is Spanish, one document says it is English: the index follows both.
    fs::write(
        &config,
        plain.replace(
            "\nattributes: {}",
            "\nlanguage: es\nattributes:\n  transcripts/en:\n    language: en",
        ),
    )
    .unwrap();
    assert_eq!(search("entrenamiento"), ["transcripts/es"]);
    assert_eq!(search("reproduce"), ["transcripts/en"]);
    let (_, shown, _) = run(gloss(tmp.path()).args(["show", "transcripts/es"]));
    assert!(
        shown.contains("language") && shown.contains("es"),
        "{shown}"
    );
    // A language gloss does not know: one line naming the file and line, exit 1, and
    // the index and codings untouched.
    let bad = plain.replace("\nattributes: {}", "\nattributes: {}\nlanguage: klingon");
    let line = bad.lines().position(|l| l == "language: klingon").unwrap() + 1;
    fs::write(&config, bad).unwrap();
    let (out, _, stderr) = run(gloss(tmp.path()).args(["search", "models"]));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("gloss.yaml:{line}")) && stderr.contains("\"klingon\""),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

fn small_project() -> tempfile::TempDir {
    let tmp = new_project();
    fs::write(tmp.path().join("codebooks/test.yaml"), CODEBOOK).unwrap();
    fs::write(
        tmp.path().join("transcripts/p1.txt"),
        "Interviewer: Did reproducing the paper work?\n\nP1: We were reproducing it for weeks; the Café team helped.\n\nInterviewer: And the data?\n\nP1: 我们用预训练模型 and the loss went to NaN.\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("transcripts/p2.txt"),
        "Interviewer: Tell me about porting.\n\nP2: Porting the model to PyTorch changed the padding.\n",
    )
    .unwrap();
    tmp
}

#[test]
fn stemming_accents_and_cjk_words_are_found() {
    let tmp = small_project();
    let study = open_study(tmp.path());
    let index = synced_index(&study);
    let hits = |q: &str| {
        let r = index.search(q, &Filters::default(), 50, false).unwrap();
        r.hits
            .iter()
            .map(|h| (h.doc.clone(), h.turn))
            .collect::<Vec<_>>()
    };
    assert_eq!(hits("reproduce").len(), 2, "reproduce finds reproducing");
    assert_eq!(
        hits("cafe"),
        [("transcripts/p1".to_string(), 1)],
        "accents folded"
    );
    assert_eq!(
        hits("训练"),
        [("transcripts/p1".to_string(), 3)],
        "a two-character word in running CJK text"
    );
    assert_eq!(hits("\"预训练模型\""), [("transcripts/p1".to_string(), 3)]);
    assert!(
        hits("训模").is_empty(),
        "no bigram across a word it does not contain"
    );
    // Exact mode does not stem.
    let exact = index
        .search("reproduce", &Filters::default(), 50, true)
        .unwrap();
    assert_eq!(exact.total, 0);
    let r = index
        .search("reproducing", &Filters::default(), 50, false)
        .unwrap();
    let hit = &r.hits[0];
    assert!(
        hit.matches
            .iter()
            .all(|&(s, e)| hit.text[s..e].to_lowercase().starts_with("reproduc"))
    );
}

#[test]
fn filters_combine_with_queries_and_coding_changes_show_at_once() {
    let tmp = small_project();
    let dir = tmp.path();
    let (out, _, stderr) = code(dir, "transcripts/p2", "port", 2, "changed the padding");
    assert!(out.status.success(), "{stderr}");
    let json = |args: &[&str]| -> serde_json::Value {
        let (out, stdout, stderr) = run(gloss(dir).arg("search").args(args).arg("--json"));
        assert!(out.status.success(), "{args:?}: {stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    // A parent code finds its descendants' codings.
    assert_eq!(json(&["the", "--code", "challenges"])["total"], 1);
    assert_eq!(
        json(&["the", "--code", "port"])["hits"][0]["doc"],
        "transcripts/p2"
    );
    assert_eq!(json(&["", "--code", "port", "--by", "tester"])["total"], 1);
    assert_eq!(
        json(&["", "--code", "port", "--by", "someone-else"])["total"],
        0
    );
    assert_eq!(
        json(&["the", "--uncoded"])["total"],
        json(&["the"])["total"].as_u64().unwrap() - 1
    );
    assert_eq!(json(&["the", "--speaker", "interviewer"])["total"], 2);
    assert_eq!(json(&["the", "--speaker", "P1"])["total"], 2);
    assert_eq!(json(&["the", "--doc", "transcripts/p2*"])["total"], 1);
    assert_eq!(json(&["the", "--kind", "issue"])["total"], 0);
    assert_eq!(json(&["speaker:p2 AND padding"])["total"], 1);
    // Uncoding shows at once.
    run(gloss(dir).args(["uncode", "tester-1"]));
    assert_eq!(json(&["", "--code", "port"])["total"], 0);
}

#[test]
fn a_deleted_truncated_or_garbled_index_is_rebuilt_with_the_same_results() {
    let tmp = small_project();
    let dir = tmp.path();
    let search = || {
        let (out, stdout, stderr) = run(gloss(dir).args(["search", "the", "--json"]));
        assert!(out.status.success(), "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        (v["hits"].to_string(), stderr)
    };
    let (baseline, _) = search();
    let index_dir = dir.join(".gloss/index");
    // Deleted.
    fs::remove_dir_all(&index_dir).unwrap();
    assert_eq!(search().0, baseline);
    // Every index file truncated to half, then garbled.
    for damage in [0u8, 1] {
        for e in fs::read_dir(&index_dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.') {
                let bytes = fs::read(&p).unwrap();
                let damaged: Vec<u8> = if damage == 0 {
                    bytes[..bytes.len() / 2].to_vec()
                } else {
                    bytes
                        .iter()
                        .enumerate()
                        .map(|(i, b)| if i % 7 == 3 { b ^ 0x5a } else { *b })
                        .collect()
                };
                fs::write(&p, damaged).unwrap();
            }
        }
        let (again, stderr) = search();
        assert_eq!(again, baseline, "damage {damage}");
        assert!(stderr.contains("search index rebuilt"), "{stderr}");
    }
}

#[test]
fn autocode_then_undo_leaves_the_coding_file_as_before() {
    let tmp = project_with_transcript();
    let dir = tmp.path();
    code(dir, "transcripts/p1", "perf", 2, "NaN");
    run(gloss(dir).arg("compact"));
    // The entries, without the header (whose id high-water mark rightly moves on).
    let entries = || -> Vec<String> {
        fs::read_to_string(dir.join("coding/tester.jsonl"))
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    let before = entries();
    let (out, stdout, stderr) =
        run(gloss(dir).args(["autocode", "loss OR port", "--code", "port", "--dry-run"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("2 spans would be coded"), "{stdout}");
    assert_eq!(entries(), before);
    let (out, stdout, stderr) = run(gloss(dir).args([
        "autocode",
        "loss OR port",
        "--code",
        "port",
        "--unit",
        "sentence",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let batch = v["batch"].as_str().unwrap().to_string();
    assert_eq!(v["codings"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["codings"][1]["anchor"]["quote"],
        "The loss went to NaN after two epochs, so we compared layer outputs."
    );
    let (_, stdout, _) = run(gloss(dir).args(["search", "", "--code", "port", "--json"]));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["total"],
        2
    );
    let (out, _, stderr) = run(gloss(dir).args(["undo", &batch]));
    assert!(out.status.success(), "{stderr}");
    run(gloss(dir).arg("compact"));
    assert_eq!(entries(), before);
    let (out, _, _) = run(gloss(dir).args(["undo", &batch]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_queries_get_one_clear_line_and_exit_1() {
    let tmp = small_project();
    let dir = tmp.path();
    let long = "model ".repeat(2000);
    let cases: [(&[&str], &str); 6] = [
        (&["search", ""], "empty query"),
        (&["search", "\"unbalanced"], "position"),
        (&["search", "(open"], "mistake"),
        (
            &["search", "nosuchfield:x"],
            "unknown field \"nosuchfield\"",
        ),
        (
            &["search", "x", "--code", "no-such-code"],
            "no code \"no-such-code\"",
        ),
        (&["search", &long], "longer than 10,000"),
    ];
    for (args, expected) in cases {
        let (out, _, stderr) = run(gloss(dir).args(args));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{:?}",
            &args[..2.min(args.len())]
        );
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // Only punctuation or stop words: a sensible (empty or full) result, exit 0.
    let (out, _, _) = run(gloss(dir).args(["search", "the and of"]));
    assert!(out.status.success());
}

#[test]
fn while_another_process_holds_the_writer_search_shows_what_is_committed() {
    let tmp = small_project();
    let dir = tmp.path();
    run(gloss(dir).args(["search", "padding"]));
    code(dir, "transcripts/p2", "port", 2, "changed the padding");
    let study = open_study(dir);
    let mut holder = SearchIndex::open(&study.project.derived_dir()).unwrap();
    assert!(holder.acquire_writer().unwrap());
    let (out, stdout, stderr) = run(gloss(dir).args(["search", "padding"]));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("being updated by another gloss process"),
        "{stderr}"
    );
    assert!(stdout.contains("transcripts/p2"), "{stdout}");
    drop(holder);
    let (_, _, stderr) = run(gloss(dir).args(["search", "padding"]));
    assert!(!stderr.contains("being updated"), "{stderr}");
}

#[test]
fn moving_a_code_in_the_codebook_reindexes_its_turns() {
    let tmp = small_project();
    let dir = tmp.path();
    code(dir, "transcripts/p2", "port", 2, "changed the padding");
    let total = |code: &str| -> u64 {
        let (out, stdout, stderr) = run(gloss(dir).args(["search", "", "--code", code, "--json"]));
        assert!(out.status.success(), "{stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(total("challenges"), 1);
    let moved = CODEBOOK.replace(
        "      - id: port\n        name: Portability of DL operations\n",
        "",
    ) + "  - id: practices\n    name: Practices\n    children:\n      - id: port\n        name: Portability of DL operations\n";
    fs::write(dir.join("codebooks/test.yaml"), moved).unwrap();
    assert_eq!(total("challenges"), 0);
    assert_eq!(total("practices"), 1);
}

#[test]
fn updating_only_the_changed_documents_shows_codings_and_removals_at_once() {
    let tmp = small_project();
    let dir = tmp.path();
    let study = open_study(dir);
    let mut index = synced_index(&study);
    let port = Filters {
        codes: vec!["port".into()],
        ..Filters::default()
    };
    assert_eq!(index.search("", &port, 10, false).unwrap().total, 0);

    let (out, _, stderr) = code(dir, "transcripts/p2", "port", 2, "changed the padding");
    assert!(out.status.success(), "{stderr}");
    let study = open_study(dir);
    let report = index.update_documents(&study, &["transcripts/p2"]).unwrap();
    assert_eq!((report.indexed, report.turns), (1, 2));
    let hits = index.search("", &port, 10, false).unwrap();
    assert_eq!(hits.total, 1);
    assert_eq!(hits.hits[0].doc, "transcripts/p2");
    // Nothing else was stale: a whole sync finds nothing left to do.
    assert_eq!(index.sync(&study).unwrap(), Default::default());

    fs::remove_file(dir.join("transcripts/p2.txt")).unwrap();
    let study = open_study(dir);
    let report = index.update_documents(&study, &["transcripts/p2"]).unwrap();
    assert_eq!(report.removed, 1);
    assert_eq!(
        index
            .search("padding", &Filters::default(), 10, false)
            .unwrap()
            .total,
        0
    );
    assert_eq!(index.sync(&study).unwrap(), Default::default());
    // The bookkeeping written after each update is what a new process starts from.
    drop(index);
    let mut reopened = SearchIndex::open(&study.project.derived_dir()).unwrap();
    assert!(reopened.notices.is_empty(), "{:?}", reopened.notices);
    assert_eq!(reopened.sync(&study).unwrap(), Default::default());
}
