//! `gloss import transcript|issues|survey PATH...`: bring documents into the project.

use std::path::{Path, PathBuf};

use gloss::corpus::import::ImportReport;
use gloss::corpus::import::github::{IssueImportOptions, import_issues};
use gloss::corpus::import::survey::{SurveyImportOptions, import_survey};
use gloss::corpus::import::table::ColumnMap;
use gloss::corpus::import::transcript::{TranscriptImportOptions, import_transcripts};
use gloss::project::Project;
use gloss::textio::Utf8Policy;

use super::{CliError, CliResult, Ctx, print_json};

/// Import documents.
///
/// Re-importing an unchanged file changes nothing; a changed one updates its documents
/// and their codings are re-anchored.
#[derive(Debug, clap::Subcommand)]
pub enum Kind {
    /// Interview transcripts: .txt, .md (speaker labels alone on a line or inline),
    /// .vtt (WebVTT) and .srt. Files are copied into transcripts/.
    Transcript {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The document id's name (default: from the file name); one file only.
        #[arg(long)]
        id: Option<String>,
        /// Replace invalid UTF-8 with U+FFFD (with a warning) instead of refusing the file.
        #[arg(long)]
        lossy: bool,
    },
    /// GitHub issue threads: REST JSON/JSONL (with comment files), `gh issue view --json`
    /// output, or CSV/JSONL of posts with --map. Stored in issues/<owner>/<repo>.jsonl.
    Issues {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// OWNER/NAME of the repository, where the file does not say.
        #[arg(long)]
        repo: Option<String>,
        /// Column mapping for CSV/JSONL posts: thread=COL,author=COL,body=COL,time=COL,title=COL,...
        #[arg(long)]
        map: Option<String>,
        /// Import pull requests too (skipped by default).
        #[arg(long)]
        include_prs: bool,
        /// Only threads in this state (open or closed).
        #[arg(long)]
        state: Option<String>,
        /// Only threads with at least this many comments.
        #[arg(long)]
        min_comments: Option<usize>,
        /// Only threads with this label (repeatable: any of them).
        #[arg(long = "label")]
        labels: Vec<String>,
        /// An attribute set on every imported thread: KEY=VALUE (repeatable).
        #[arg(long = "attr", value_parser = parse_key_value)]
        attrs: Vec<(String, String)>,
        /// Replace invalid UTF-8 instead of refusing the file.
        #[arg(long)]
        lossy: bool,
    },
    /// Survey answers: CSV, one row per respondent. Stored in surveys/<name>.jsonl.
    Survey {
        /// CSV files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The column holding respondent ids.
        #[arg(long = "id")]
        id_column: Option<String>,
        /// Open-ended question columns; each answer becomes a turn (repeatable).
        #[arg(long = "text", required = true)]
        text_columns: Vec<String>,
        /// The survey's name in document ids (default: from the file name).
        #[arg(long)]
        name: Option<String>,
        /// Replace invalid UTF-8 instead of refusing the file.
        #[arg(long)]
        lossy: bool,
    },
    /// Instrument records from a spreadsheet: each row a record of the document its
    /// --doc column names; each --map DIM=COLUMN cell mapped to a value through the
    /// codebook's ids, names and aliases. All rows or none.
    Codings(super::import_codings::Args),
    /// A REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or gloss:
    /// sources become documents (transcripts/<name>.txt), codes codebook entries,
    /// codings span codings of their users, notes memos. Everything is checked first:
    /// a selection outside its text, or a coding of an unknown code, stops the import
    /// with nothing changed. Into the current project, or a new one with --new DIR.
    Qdpx {
        /// The .qdpx file.
        file: PathBuf,
        /// Import what can be placed and list what cannot, instead of importing nothing.
        #[arg(long)]
        skip_bad: bool,
        /// Create a new project in DIR (a folder that does not exist yet, or is empty)
        /// and import into it; if the import fails, the folder is removed again.
        #[arg(long, value_name = "DIR")]
        new: Option<PathBuf>,
    },
    /// A REFI-QDA codebook (.qdc): its codes become codebook entries (a new file in
    /// codebooks/; codes already there by name are reused).
    Qdc {
        /// The .qdc file.
        file: PathBuf,
    },
}

/// Parses `KEY=VALUE`.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err(format!("expected KEY=VALUE, got {s:?}"));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

/// `gloss import qdpx FILE --new DIR`: a new project named after the file, in a folder
/// that is new or empty, removed again (with all it holds) when the import fails.
fn qdpx_into_new_project(ctx: &Ctx, file: &Path, skip_bad: bool, dir: &Path) -> CliResult {
    let existed = dir.exists();
    if existed {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| gloss::Error::io(dir, e))?
            .next()
            .is_none();
        if !empty {
            return Err(gloss::Error::Project(format!(
                "{} exists and is not empty; give --new a new folder, or import into the project there without --new",
                dir.display()
            ))
            .into());
        }
    }
    let name = file
        .file_stem()
        .map_or_else(|| "study".into(), |s| s.to_string_lossy().into_owned());
    let mut opts = gloss::interop::ImportOptions::new(&ctx.coder()?);
    opts.skip_bad = skip_bad;
    let imported = Project::init(dir, &name)
        .and_then(|_| Project::open(dir))
        .and_then(|project| gloss::interop::import_qdpx(&project, file, &opts));
    match imported {
        Ok(report) => print_qda_report(ctx, &report),
        Err(e) => {
            // Only what this command created goes: the folder's contents, and the folder
            // itself when it did not exist before.
            let cleaned = if existed {
                std::fs::read_dir(dir).and_then(|entries| {
                    entries.flatten().try_for_each(|entry| {
                        let path = entry.path();
                        if entry.file_type()?.is_dir() {
                            std::fs::remove_dir_all(path)
                        } else {
                            std::fs::remove_file(path)
                        }
                    })
                })
            } else {
                std::fs::remove_dir_all(dir)
            };
            if let Err(c) = cleaned {
                eprintln!(
                    "gloss: warning: {} could not be removed ({c})",
                    dir.display()
                );
            }
            Err(e.into())
        }
    }
}

fn policy(lossy: bool) -> Utf8Policy {
    if lossy {
        Utf8Policy::Lossy
    } else {
        Utf8Policy::Strict
    }
}

pub fn run(ctx: &Ctx, kind: &Kind) -> CliResult {
    if let Kind::Qdpx {
        file,
        skip_bad,
        new: Some(dir),
    } = kind
    {
        return qdpx_into_new_project(ctx, file, *skip_bad, dir);
    }
    let project = ctx.project()?;
    let report = match kind {
        Kind::Transcript { paths, id, lossy } => {
            if id.is_some() && paths.len() != 1 {
                return Err(CliError::Usage(
                    "--id names one document: give one file".into(),
                ));
            }
            let opts = TranscriptImportOptions {
                utf8: policy(*lossy),
                id: id.clone(),
            };
            import_transcripts(&project, paths, &opts)?
        }
        Kind::Issues {
            paths,
            repo,
            map,
            include_prs,
            state,
            min_comments,
            labels,
            attrs,
            lossy,
        } => {
            let map = match map {
                Some(m) => Some(ColumnMap::parse(m).map_err(|e| CliError::Usage(e.to_string()))?),
                None => None,
            };
            let opts = IssueImportOptions {
                repo: repo.clone(),
                map,
                include_prs: *include_prs,
                state: state.clone(),
                min_comments: *min_comments,
                labels: labels.clone(),
                attrs: attrs.clone(),
                utf8: policy(*lossy),
            };
            import_issues(&project, paths, &opts)?
        }
        Kind::Survey {
            paths,
            id_column,
            text_columns,
            name,
            lossy,
        } => {
            let opts = SurveyImportOptions {
                id_column: id_column.clone(),
                text_columns: text_columns.clone(),
                name: name.clone(),
                utf8: policy(*lossy),
            };
            import_survey(&project, paths, &opts)?
        }
        Kind::Codings(args) => return super::import_codings::run(ctx, args),
        Kind::Qdpx { file, skip_bad, .. } => {
            let mut opts = gloss::interop::ImportOptions::new(&ctx.coder()?);
            opts.skip_bad = *skip_bad;
            let report = gloss::interop::import_qdpx(&project, file, &opts)?;
            return print_qda_report(ctx, &report);
        }
        Kind::Qdc { file } => {
            let opts = gloss::interop::ImportOptions::new(&ctx.coder()?);
            let report = gloss::interop::import_qdc(&project, file, &opts)?;
            return print_qda_report(ctx, &report);
        }
    };
    for w in &report.warnings {
        eprintln!("gloss: warning: {w}");
    }
    if ctx.json {
        return print_json(&report);
    }
    print_report(&report)
}

fn print_report(report: &ImportReport) -> CliResult {
    let list = |ids: &[String]| -> String {
        if ids.len() <= 5 {
            ids.join(", ")
        } else {
            format!("{}, … and {} more", ids[..4].join(", "), ids.len() - 4)
        }
    };
    outln!(
        "{} added, {} updated, {} unchanged{}",
        report.added.len(),
        report.updated.len(),
        report.unchanged.len(),
        if report.skipped > 0 {
            format!(", {} skipped by filters", report.skipped)
        } else {
            String::new()
        }
    );
    if !report.added.is_empty() {
        outln!("  added: {}", list(&report.added));
    }
    if !report.updated.is_empty() {
        outln!("  updated (codings re-anchored): {}", list(&report.updated));
    }
    Ok(())
}

fn print_qda_report(ctx: &Ctx, report: &gloss::interop::ImportReport) -> CliResult {
    for w in &report.warnings {
        eprintln!("gloss: warning: {w}");
    }
    for s in &report.skipped {
        eprintln!("gloss: skipped: {s}");
    }
    if ctx.json {
        return print_json(report);
    }
    let codings: usize = report.codings.values().sum();
    outln!(
        "{} documents added, {} unchanged; {} codes added, {} found in the codebook; {} codings added ({} there already), {} records, {} memos",
        report.documents_added.len(),
        report.documents_unchanged.len(),
        report.codes_added.len(),
        report.codes_reused,
        codings,
        report.codings_unchanged,
        report.records,
        report.memos
    );
    for (coder, n) in &report.codings {
        outln!("  {coder}: {n} codings");
    }
    if !report.readings.is_empty() {
        let readings: Vec<String> = report
            .readings
            .iter()
            .map(|(how, n)| format!("{n} {how}"))
            .collect();
        outln!("  positions read: {}", readings.join(", "));
    }
    if !report.skipped.is_empty() {
        outln!("  {} left out (listed above)", report.skipped.len());
    }
    Ok(())
}
