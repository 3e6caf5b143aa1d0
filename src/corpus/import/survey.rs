//! Survey CSV files: one row per respondent, imported as survey documents stored in
//! `surveys/<name>.jsonl` (name: `--name`, else the slug of the file stem).
//!
//! Each respondent is a document `surveys/<name>/<respondent id>` with one turn per
//! `--text` column (speaker = the column header, i.e. the question; empty answers are
//! left out); every other non-empty column is an attribute.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::corpus::import::ImportReport;
use crate::corpus::import::table;
use crate::corpus::{AttrValue, Attributes, DocKind, Document, Turn, slug};
use crate::project::Project;
use crate::textio::{Utf8Policy, decode_text};
use crate::{Error, Result};

/// Options of `gloss import survey`.
#[derive(Debug, Clone, Default)]
pub struct SurveyImportOptions {
    /// The respondent id column (default: a column named `id` or `respondent`).
    pub id_column: Option<String>,
    /// The open-ended answer columns, imported as text.
    pub text_columns: Vec<String>,
    /// The survey's name (default: the file stem).
    pub name: Option<String>,
    pub utf8: Utf8Policy,
}

/// Column names taken as the respondent id when `--id` is not given.
const ID_NAMES: [&str; 4] = ["id", "respondent", "respondent_id", "respondent id"];

/// A respondent id usable in a document id: kept when it is plain, else slugged.
fn respondent_id(raw: &str) -> String {
    if raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && raw != "."
        && raw != ".."
    {
        raw.to_string()
    } else {
        slug(raw)
    }
}

/// Parses one survey CSV into documents named `surveys/<name>/…`; each comes with the
/// line it was read from.
fn parse_survey(
    path: &Path,
    text: &str,
    name: &str,
    opts: &SurveyImportOptions,
) -> Result<Vec<(Document, usize)>> {
    let mut rdr = table::csv_reader(text);
    let headers = table::csv_headers(path, &mut rdr)?;
    let headers: Vec<String> = headers
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h
            }
        })
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if let Some(j) = headers[..i].iter().position(|g| g == h) {
            return Err(Error::at_line(
                path,
                1,
                format!(
                    "column {h:?} appears twice (columns {} and {}); rename one",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    let id_col = match &opts.id_column {
        Some(c) => table::find_column(path, &headers, c, "--id")?,
        None => headers
            .iter()
            .position(|h| ID_NAMES.iter().any(|n| h.eq_ignore_ascii_case(n)))
            .ok_or_else(|| {
                Error::parse(
                    path,
                    format!(
                        "no respondent id column (id or respondent); name it with --id COLUMN; the columns are: {}",
                        headers.join(", ")
                    ),
                )
            })?,
    };
    if opts.text_columns.is_empty() {
        return Err(Error::Input(format!(
            "name the open-ended answer columns with --text COLUMN (repeatable); the columns of {} are: {}",
            path.display(),
            headers.join(", ")
        )));
    }
    let mut text_cols = Vec::new();
    for c in &opts.text_columns {
        let i = table::find_column(path, &headers, c, "--text")?;
        if i == id_col {
            return Err(Error::Input(format!(
                "--text {c:?} is the respondent id column; name an answer column"
            )));
        }
        if !text_cols.contains(&i) {
            text_cols.push(i);
        }
    }
    let mut docs: Vec<(Document, usize)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(table::csv_error(path, &e)),
        }
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let raw = rec.get(id_col).unwrap_or("").trim();
        if raw.is_empty() {
            return Err(Error::at_line(
                path,
                line,
                format!("empty respondent id in column {:?}", headers[id_col]),
            ));
        }
        let rid = respondent_id(raw);
        if rid.is_empty() {
            return Err(Error::at_line(
                path,
                line,
                format!("respondent id {raw:?} holds no letter or digit"),
            ));
        }
        if let Some(prev) = seen.insert(rid.clone(), line) {
            return Err(Error::at_line(
                path,
                line,
                format!(
                    "respondent {raw:?} appears twice (lines {prev} and {line}); respondent ids must be unique"
                ),
            ));
        }
        let turns = text_cols
            .iter()
            .filter_map(|&i| {
                let answer = rec.get(i).unwrap_or("");
                (!answer.trim().is_empty()).then(|| Turn {
                    speaker: headers[i].clone(),
                    time: None,
                    text: answer.to_string(),
                })
            })
            .collect();
        let mut attributes = Attributes::new();
        for (i, value) in rec.iter().enumerate() {
            if i == id_col || text_cols.contains(&i) || value.trim().is_empty() {
                continue;
            }
            if let Some(h) = headers.get(i) {
                attributes.insert(h.clone(), AttrValue::One(value.trim().to_string()));
            }
        }
        docs.push((
            Document {
                id: format!("surveys/{name}/{rid}"),
                kind: DocKind::Survey,
                title: raw.to_string(),
                attributes,
                turns,
            },
            line,
        ));
    }
    if docs.is_empty() {
        return Err(Error::parse(
            path,
            "the CSV has a header but no rows; nothing to import",
        ));
    }
    Ok(docs)
}

/// Imports survey CSV files (folders: every `.csv` in them) into `surveys/<name>.jsonl`.
/// Everything is parsed and checked first; nothing is written unless every input is good.
pub fn import_survey(
    project: &Project,
    paths: &[PathBuf],
    opts: &SurveyImportOptions,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let given_name = match &opts.name {
        Some(n) => {
            let s = slug(n);
            if s.is_empty() {
                return Err(Error::Input(format!(
                    "--name {n:?}: give a name with letters or digits"
                )));
            }
            Some(s)
        }
        None => None,
    };
    let files = table::collect_files(paths, &["csv"])?;
    let mut out: BTreeMap<PathBuf, Vec<Document>> = BTreeMap::new();
    let mut origin: HashMap<String, String> = HashMap::new();
    for path in &files {
        let name = match &given_name {
            Some(n) => n.clone(),
            None => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let s = slug(&stem);
                if s.is_empty() {
                    return Err(Error::Input(format!(
                        "{}: the file name gives no survey name; pass --name NAME",
                        path.display()
                    )));
                }
                s
            }
        };
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let file = decode_text(path, bytes, opts.utf8)?;
        report.warnings.extend(file.warnings);
        let docs = parse_survey(path, &file.text, &name, opts)?;
        let target = out
            .entry(PathBuf::from("surveys").join(format!("{name}.jsonl")))
            .or_default();
        for (doc, line) in docs {
            let here = format!("{}:{line}", path.display());
            if let Some(prev) = origin.insert(doc.id.clone(), here.clone()) {
                return Err(Error::Input(format!(
                    "{} is in the input twice: {prev} and {here}; respondent ids must be unique within a survey",
                    doc.id
                )));
            }
            target.push(doc);
        }
    }
    table::store_documents(project, out, &mut report)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(text: &[&str]) -> SurveyImportOptions {
        SurveyImportOptions {
            text_columns: text.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn rows_become_documents() {
        let csv =
            "ID,age,Why did you leave?,Anything else?\nR1,30,\"pay,\nmostly\",\nR 2,,hours,no\n";
        let docs = parse_survey(
            Path::new("s.csv"),
            csv,
            "exit",
            &opts(&["Why did you leave?", "anything else?"]),
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let (d, line) = &docs[0];
        assert_eq!(d.id, "surveys/exit/R1");
        assert_eq!(*line, 2);
        assert_eq!(d.turns.len(), 1);
        assert_eq!(d.turns[0].speaker, "Why did you leave?");
        assert_eq!(d.turns[0].text, "pay,\nmostly");
        assert_eq!(d.attributes.get("age"), Some(&AttrValue::One("30".into())));
        assert_eq!(docs[1].0.id, "surveys/exit/r-2");
        assert_eq!(docs[1].1, 4);
        assert!(docs[1].0.attributes.is_empty());
    }

    #[test]
    fn located_errors() {
        let p = Path::new("s.csv");
        let err = parse_survey(p, "id,a\n1,x\n1,y\n", "s", &opts(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.csv:3:") && err.contains("lines 2 and 3"),
            "{err}"
        );
        let err = parse_survey(p, "id,a\n1,x\n2\n", "s", &opts(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.csv:3:"), "{err}");
        let err = parse_survey(p, "who,a\n1,x\n", "s", &opts(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--id") && err.contains("who, a"), "{err}");
        let err = parse_survey(p, "id,a\n1,x\n", "s", &opts(&["b"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("the columns are: id, a"), "{err}");
        let err = parse_survey(p, "id,a\n1,x\n", "s", &opts(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--text"), "{err}");
        let err = parse_survey(p, "id,a,a\n1,x,y\n", "s", &opts(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("appears twice"), "{err}");
    }
}
