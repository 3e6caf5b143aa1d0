//! `gloss import codings FILE.csv --doc COLUMN --map DIM=COLUMN...`: instrument records
//! from a spreadsheet, all rows or none.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gloss::codebook::edit::{self, NewCode};
use gloss::codebook::{Codebook, normalize_label};
use gloss::coding::sheet::{self, SheetOptions};
use gloss::corpus::slug;
use gloss::study::Study;
use gloss::textio::Utf8Policy;
use gloss::time::now_rfc3339;

use super::{CliError, CliResult, Ctx, open_writer, print_json};

/// What `gloss import codings` takes (see `gloss import codings --help`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The CSV file (header row first).
    pub path: PathBuf,
    /// The column naming each row's document: an issue URL, a document id, or a bare
    /// value such as an issue number (with --doc-prefix).
    #[arg(long = "doc", value_name = "COLUMN")]
    pub doc_column: String,
    /// Prefix for bare doc values: `--doc-prefix 'issues/pilot#'` makes 48 `issues/pilot#48`.
    #[arg(long)]
    pub doc_prefix: Option<String>,
    /// DIMENSION=COLUMN (repeatable): the column holding that dimension's labels.
    #[arg(long = "map", value_name = "DIM=COLUMN", required = true)]
    pub map: Vec<String>,
    /// Cell texts that mean "missing", comma-separated (the empty cell always is): `nan,NA`.
    #[arg(long, value_name = "LIST", default_value = "")]
    pub missing: String,
    /// Split cells on this text into several values (for select: many dimensions).
    #[arg(long, value_name = "TEXT")]
    pub separator: Option<String>,
    /// Add labels that map to no value as new values under their dimension.
    #[arg(long)]
    pub create_missing: bool,
    /// Show what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(serde::Serialize)]
struct Report {
    rows: usize,
    records: usize,
    documents: usize,
    stubs: Vec<String>,
    created_codes: Vec<String>,
    changes: usize,
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let coder = ctx.coder()?;
    let text = gloss::textio::read_text(&args.path, Utf8Policy::Strict)?.text;
    let mut map = Vec::new();
    for m in &args.map {
        let (dim, col) = m
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--map takes DIM=COLUMN, got {m:?}")))?;
        map.push((dim.trim().to_string(), col.trim().to_string()));
    }
    let opts = SheetOptions {
        doc_column: args.doc_column.clone(),
        doc_prefix: args.doc_prefix.clone(),
        map,
        missing: args
            .missing
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        separator: args.separator.clone(),
    };
    let now = now_rfc3339();
    let mut study = Study::open_without_codings(project)?;
    let mut plan = sheet::plan(
        &args.path,
        &text,
        &opts,
        &study.codebook,
        &study.corpus,
        &now,
    )?;
    let mut created = Vec::new();
    if !plan.unmapped.is_empty() {
        if !args.create_missing {
            let mut lines = vec![format!(
                "{}: {} label(s) map to no value of their dimension; nothing was imported:",
                args.path.display(),
                plan.unmapped.len()
            )];
            for u in &plan.unmapped {
                lines.push(format!(
                    "  {:?} in column {:?} (dimension {}), line(s) {}",
                    u.label,
                    u.column,
                    u.dimension,
                    list_lines(&u.lines)
                ));
            }
            lines.push(
                "add them as aliases in the codebook, list them with --missing, or pass --create-missing to add them as new values"
                    .into(),
            );
            return Err(gloss::Error::Input(lines.join("\n")).into());
        }
        created = create_values(&study, &plan.unmapped, args.dry_run)?;
        if !args.dry_run {
            study.codebook = Codebook::load(&study.project.codebooks_dir())?;
            plan = sheet::plan(
                &args.path,
                &text,
                &opts,
                &study.codebook,
                &study.corpus,
                &now,
            )?;
            if let Some(u) = plan.unmapped.first() {
                return Err(gloss::Error::Input(format!(
                    "{}: the label {:?} (column {:?}, line(s) {}) still maps to no value after the new values were added; add it to the codebook by hand",
                    args.path.display(),
                    u.label,
                    u.column,
                    list_lines(&u.lines)
                ))
                .into());
            }
        }
    }
    let documents = plan
        .records
        .iter()
        .map(|r| r.doc.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let stubs: Vec<String> = plan.stubs.iter().map(|d| d.id.clone()).collect();
    let mut changes = plan.records.len();
    if !args.dry_run {
        // Stubs first: a record of a document that is not there would dangle.
        sheet::write_stubs(&study.project, &plan.stubs)?;
        let mut writer = open_writer(&study.project, &coder)?;
        let ops = plan.ops(Some(writer.data()));
        changes = ops.len();
        if !ops.is_empty() {
            writer.apply(ops)?;
        }
    }
    let report = Report {
        rows: plan.rows,
        records: plan.records.len(),
        documents,
        stubs,
        created_codes: created,
        changes,
        dry_run: args.dry_run,
    };
    if ctx.json {
        return print_json(&report);
    }
    outln!(
        "{}{} rows → {} records of {} documents by {coder} ({} changed){}",
        if args.dry_run { "dry run: " } else { "" },
        report.rows,
        report.records,
        report.documents,
        report.changes,
        if report.stubs.is_empty() {
            String::new()
        } else {
            format!("; {} documents created as stubs", report.stubs.len())
        }
    );
    for c in &report.created_codes {
        outln!("  new value: {c}");
    }
    Ok(())
}

fn list_lines(lines: &[usize]) -> String {
    if lines.len() <= 8 {
        lines
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        let first: Vec<String> = lines[..6].iter().map(ToString::to_string).collect();
        format!("{}, … ({} in all)", first.join(", "), lines.len())
    }
}

/// Adds each unmapped label as a new value under its dimension: all edits are made on
/// the codebook files' text first, then each changed file is written once.
fn create_values(
    study: &Study,
    unmapped: &[sheet::Unmapped],
    dry_run: bool,
) -> CliResult<Vec<String>> {
    let _lock = if dry_run {
        None
    } else {
        Some(edit::lock_codebook(&study.project)?)
    };
    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut created = Vec::new();
    // Labels are told apart as the sheet compares them (trimmed, spaces collapsed,
    // case folded): each distinct one becomes one value. Ids come from the label's
    // slug; labels whose slugs collide (`other` and `other'`) get `-2`, `-3`, …
    // Each value is named by the label as first written in the file (spaces collapsed),
    // and values are added in the order their labels first occur.
    let mut first: BTreeMap<(String, String), &sheet::Unmapped> = BTreeMap::new();
    for u in unmapped {
        let key = (u.dimension.clone(), normalize_label(&u.label));
        let line = |u: &sheet::Unmapped| u.lines.first().copied().unwrap_or(usize::MAX);
        if first.get(&key).is_none_or(|f| line(u) < line(f)) {
            first.insert(key, u);
        }
    }
    let mut groups: Vec<&sheet::Unmapped> = first.into_values().collect();
    groups.sort_by_key(|u| {
        (
            u.lines.first().copied().unwrap_or(usize::MAX),
            u.dimension.clone(),
        )
    });
    let mut ids = std::collections::BTreeSet::new();
    for u in groups {
        let Some(dim) = study.codebook.get(&u.dimension) else {
            continue;
        };
        let label = u.label.split_whitespace().collect::<Vec<_>>().join(" ");
        let slug = slug(&label);
        let base = format!(
            "{}-{}",
            dim.id,
            if slug.is_empty() { "value" } else { &slug }
        );
        let mut id = base.clone();
        let mut n = 2;
        while study.codebook.get(&id).is_some() || ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.insert(id.clone());
        let text = match texts.get(&dim.file) {
            Some(t) => t.clone(),
            None => {
                std::fs::read_to_string(&dim.file).map_err(|e| gloss::Error::io(&dim.file, e))?
            }
        };
        let new = NewCode {
            id: id.clone(),
            name: label.clone(),
            description: Some(format!(
                "Added by gloss import codings from the label {label:?}."
            )),
            key: None,
            color: None,
        };
        let changed = edit::add(&text, Some(&dim.id), &new).map_err(|e| {
            gloss::Error::Input(format!("{}: cannot add {id}: {e}", dim.file.display()))
        })?;
        texts.insert(dim.file.clone(), changed);
        created.push(format!("{id} ({label:?}) under {}", dim.id));
    }
    if !dry_run {
        for (path, text) in &texts {
            gloss::textio::write_atomic(path, text.as_bytes())?;
        }
    }
    Ok(created)
}
