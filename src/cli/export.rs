//! `gloss export quotes|counts|chart|codebook|findings|records`: paper-ready tables as
//! LaTeX, Markdown, CSV, HTML or JSON (charts as SVG; findings as LaTeX, Markdown or
//! HTML), to standard output or a file (written atomically).

use std::path::PathBuf;

use gloss::corpus::DocKind;
use gloss::export::codes::{self, Across, Unit, Within};
use gloss::export::counts::{self, Percent};
use gloss::export::findings;
use gloss::export::page::PageFormat;
use gloss::export::quotes::{GroupBy, QuoteOptions, Sort, quote_table};
use gloss::export::table::{Format, Table};
use gloss::study::Study;

use super::import::parse_key_value;
use super::{CliError, CliResult, Ctx};

/// Export tables for a paper.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// The coded excerpts as a quote table: one row per excerpt with a stable quote id,
    /// the code path, the quote (pseudonymised) and its source.
    Quotes {
        /// Only these codes, each with the codes below it (repeatable).
        #[arg(long = "code", value_name = "ID")]
        codes: Vec<String>,
        /// Only this coder's codings.
        #[arg(long = "by", value_name = "CODER")]
        by: Option<String>,
        /// Only documents of this kind: transcript, issue or survey.
        #[arg(long)]
        kind: Option<String>,
        /// Only documents with this attribute (KEY=VALUE, repeatable).
        #[arg(long = "attr", value_parser = parse_key_value)]
        attrs: Vec<(String, String)>,
        /// Group rows by code, document or participant.
        #[arg(long, value_enum)]
        group_by: Option<GroupBy>,
        /// Row order (within groups): document (text order, the default), code
        /// (codebook order), participant (by alias), length (shortest first) or id.
        #[arg(long, value_enum, default_value = "document")]
        sort: Sort,
        /// At most N excerpts per code: starred first, then spread over participants.
        #[arg(long, value_name = "N")]
        max_per_code: Option<usize>,
        /// Trim quotes to N characters at a sentence or word boundary, marking cuts "[…]".
        #[arg(long, value_name = "N")]
        max_chars: Option<usize>,
        /// Extra columns: coder, memo, document, or an attribute name (comma-separated).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        #[command(flatten)]
        out: Output,
    },
    /// Counts of instrument records by one dimension or crossed by two (--by stage
    /// --by impact); of span codes (--by code) as codings, documents and participants;
    /// of span codes by a document attribute, the kind or the participant (--by code
    /// --by repo); or of codes with codes (--by code --cooccur turn).
    Counts {
        /// A dimension (id, name or alias), or `code`; with `code`, the second may be
        /// `participant`, `kind`, a participant attribute (gloss.yaml
        /// participant_attributes) or a document attribute (repeatable, at most two).
        #[arg(long = "by", value_name = "DIM", required = true)]
        by: Vec<String>,
        /// Percentages of the row, column (its n) or total.
        #[arg(long, value_enum)]
        percent: Option<Percent>,
        /// With --by code --by ATTR: what each cell counts (default: documents;
        /// codings with --by participant).
        #[arg(long, value_enum)]
        count: Option<Unit>,
        /// With --by code: codes crossed with codes, counting the turns or documents
        /// that carry both.
        #[arg(long, value_enum, value_name = "turn|document")]
        cooccur: Option<Within>,
        /// With --by code: only these codes, each with the codes below it (repeatable).
        #[arg(long = "code", value_name = "ID")]
        codes: Vec<String>,
        /// Whose records (needed when several coders made records).
        #[arg(long = "of", value_name = "CODER")]
        of: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// A bar chart (SVG, or PNG when the file is named .png) of records by one
    /// dimension, or by two: bars of the first, segments of the second, like the
    /// study's figures.
    Chart {
        /// One or two dimensions (id, name or alias).
        #[arg(long = "by", value_name = "DIM", required = true)]
        by: Vec<String>,
        /// Percentages of each bar's records instead of counts.
        #[arg(long)]
        percent: bool,
        /// stacked (default) or grouped bars.
        #[arg(long, value_enum, default_value = "stacked")]
        layout: gloss::export::chart::Layout,
        /// Whose records (needed when several coders made records).
        #[arg(long = "of", value_name = "CODER")]
        of: Option<String>,
        /// The file to write: FILE.svg, or FILE.png for a bitmap (default: the SVG on
        /// standard output).
        #[arg(short, long, value_name = "FILE.svg|FILE.png")]
        output: Option<PathBuf>,
        /// PNG pixels per SVG unit (2 suits print; 1 to 8).
        #[arg(long, default_value_t = 2.0, value_parser = parse_scale)]
        scale: f32,
    },
    /// The codebook as a table: code path, definition, include/exclude, optional
    /// example, and counts of codings and documents.
    Codebook {
        /// Add the codebook's example column.
        #[arg(long)]
        examples: bool,
        #[command(flatten)]
        out: Output,
    },
    /// The findings of findings.yaml: per finding its statement, the supporting figure
    /// computed from the current codings (e.g. "26 of 38 records = 68.4%"), and its best
    /// supporting quotes with their sources.
    Findings {
        /// The findings file (default: findings.yaml in the project folder).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// latex, markdown or html (default: from -o's extension, else markdown).
        #[arg(long, value_enum)]
        format: Option<PageFormat>,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Trim quotes to N characters at a sentence or word boundary (0: never).
        #[arg(long, value_name = "N", default_value_t = 400)]
        max_chars: usize,
    },
    /// The project as a REFI-QDA project file (.qdpx) for NVivo, ATLAS.ti, MAXQDA or
    /// QualCoder: coders, codebook, one text source per document (turns as `Speaker:
    /// text` lines), span codings and records as codings, memos as notes, attributes
    /// as variables. Exporting twice gives the same file.
    Qdpx {
        /// The file to write.
        #[arg(short, long, value_name = "FILE.qdpx", required = true)]
        output: PathBuf,
    },
    /// The codebook as a REFI-QDA codebook file (.qdc): names, colours, descriptions,
    /// the tree.
    Qdc {
        /// The file to write (default: standard output).
        #[arg(short, long, value_name = "FILE.qdc")]
        output: Option<PathBuf>,
    },
    /// The raw instrument records, one row per record with a column per dimension.
    Records {
        /// Whose records (needed when several coders made records).
        #[arg(long = "of", value_name = "CODER")]
        of: Option<String>,
        #[command(flatten)]
        out: Output,
    },
}

/// Where and how a table is written.
#[derive(Debug, clap::Args)]
pub struct Output {
    /// latex, markdown, csv, html or json (default: from -o's extension, else markdown).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Opens the whole study for an export, warning about files it could not read; in blind
/// mode only the coder's own work is in it.
pub(super) fn open_study(ctx: &Ctx) -> Result<Study, super::CliError> {
    let mut study = Study::open(ctx.project()?)?;
    ctx.hide_others(&mut study)?;
    for w in study
        .codings
        .unreadable
        .iter()
        .chain(&study.corpus.warnings)
    {
        eprintln!("gloss: warning: {w}");
    }
    Ok(study)
}

pub fn run(ctx: &Ctx, what: &What) -> CliResult {
    let study = open_study(ctx)?;
    if let What::Chart {
        by,
        percent,
        layout,
        of,
        output,
        scale,
    } = what
    {
        let chart = counts::record_chart(&study, by, *percent, *layout, of.as_deref())?;
        if let Some(path) = output
            .as_deref()
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")))
        {
            let png = gloss::export::png::svg_to_png(&chart.svg(), *scale)?;
            gloss::textio::write_atomic(path, &png)?;
            eprintln!("wrote {} (png)", path.display());
            return Ok(());
        }
        return write_text(&chart.svg(), output.as_deref(), "svg");
    }
    if let What::Qdpx { output } = what {
        let exported = gloss::interop::project_qdpx(&study)?;
        let bytes = exported.zip()?;
        gloss::textio::write_atomic(output, &bytes)?;
        let r = &exported.report;
        eprintln!(
            "wrote {} (qdpx): {} documents, {} codes, {} codings, {} records, {} notes, {} coders",
            output.display(),
            r.documents,
            r.codes,
            r.codings,
            r.records,
            r.notes,
            r.users
        );
        for line in &r.left_out {
            eprintln!("gloss: warning: left out {line}");
        }
        return Ok(());
    }
    if let What::Qdc { output } = what {
        return write_text(
            &gloss::interop::codebook_qdc(&study),
            output.as_deref(),
            "qdc",
        );
    }
    if let What::Findings {
        file,
        format,
        output,
        max_chars,
    } = what
    {
        let path = file
            .clone()
            .unwrap_or_else(|| study.project.root.join(findings::FINDINGS_FILE));
        let list = findings::Findings::load(&path)?;
        let index = if list.needs_search() {
            Some(super::search::open_index(&study)?)
        } else {
            None
        };
        let view = index.as_ref().map(|i| i.view());
        let evidence = findings::evaluate(
            &study,
            &list,
            view.as_ref(),
            (*max_chars > 0).then_some(*max_chars),
        )?;
        let format = format
            .or_else(|| output.as_deref().and_then(PageFormat::from_extension))
            .unwrap_or(PageFormat::Markdown);
        let page = findings::findings_page(&study, &evidence);
        return write_text(&page.render(format), output.as_deref(), "findings");
    }
    let (table, out) = match what {
        What::Quotes {
            codes,
            by,
            kind,
            attrs,
            group_by,
            sort,
            max_per_code,
            max_chars,
            columns,
            out,
        } => {
            let kind = match kind {
                Some(k) => Some(DocKind::parse(k).ok_or_else(|| {
                    CliError::Usage(format!(
                        "--kind takes transcript, issue or survey, not {k:?}"
                    ))
                })?),
                None => None,
            };
            let opts = QuoteOptions {
                codes: codes.clone(),
                coder: by.clone(),
                kind,
                attrs: attrs.clone(),
                group_by: *group_by,
                sort: *sort,
                max_per_code: *max_per_code,
                max_chars: *max_chars,
                columns: columns.clone(),
            };
            (quote_table(&study, &opts)?, out)
        }
        What::Counts {
            by,
            percent,
            count,
            cooccur,
            codes,
            of,
            out,
        } => (
            counts_table(&study, by, *percent, *count, *cooccur, codes, of.as_deref())?,
            out,
        ),
        What::Chart { .. } | What::Findings { .. } | What::Qdpx { .. } | What::Qdc { .. } => {
            return Ok(());
        }
        What::Codebook { examples, out } => (counts::codebook_table(&study, *examples), out),
        What::Records { of, out } => (counts::records_table(&study, of.as_deref())?, out),
    };
    write(&table, out)
}

/// `gloss export counts`: records by dimensions, or span codes (alone, by an
/// attribute, or with each other).
fn counts_table(
    study: &Study,
    by: &[String],
    percent: Option<Percent>,
    count: Option<Unit>,
    cooccur: Option<Within>,
    codes: &[String],
    of: Option<&str>,
) -> CliResult<Table> {
    let is_code = |b: &String| b.eq_ignore_ascii_case("code") || b.eq_ignore_ascii_case("codes");
    let Some(at) = by.iter().position(is_code) else {
        if count.is_some() || cooccur.is_some() || !codes.is_empty() {
            return Err(CliError::Usage(
                "--count, --cooccur and --code count span codes: add --by code".into(),
            ));
        }
        return Ok(counts::record_counts(study, by, percent, of)?);
    };
    let other: Vec<&String> = by
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, b)| b)
        .collect();
    match (other.as_slice(), cooccur) {
        ([], None) => {
            if count.is_some() || percent.is_some() {
                return Err(CliError::Usage(
                    "--by code alone counts codings, documents and participants at once; --count and --percent need a second --by (e.g. --by code --by kind)".into(),
                ));
            }
            Ok(counts::code_counts(study, codes, of)?)
        }
        ([], Some(within)) => {
            if count.is_some() || percent.is_some() {
                return Err(CliError::Usage(
                    "--cooccur counts turns or documents with both codes; it takes no --count or --percent".into(),
                ));
            }
            Ok(codes::cooccurrence(study, within, codes, of)?)
        }
        ([attr], None) => {
            let across = Across::parse(study, attr);
            let unit = count.unwrap_or_else(|| across.default_unit());
            Ok(codes::code_crosstab(
                study, &across, unit, percent, codes, of,
            )?)
        }
        ([_], Some(_)) => Err(CliError::Usage(
            "--cooccur crosses codes with codes; give --by code alone".into(),
        )),
        _ => Err(CliError::Usage(
            "give --by code with at most one of participant, kind or an attribute".into(),
        )),
    }
}

fn write(table: &Table, out: &Output) -> CliResult {
    let format = out.format.unwrap_or_else(|| {
        let ext = out
            .output
            .as_ref()
            .and_then(|p| p.extension())
            .map(|e| e.to_string_lossy().to_lowercase());
        match ext.as_deref() {
            Some("tex") => Format::Latex,
            Some("csv") => Format::Csv,
            Some("html" | "htm") => Format::Html,
            Some("json") => Format::Json,
            _ => Format::Markdown,
        }
    });
    write_text(
        &table.render(format),
        out.output.as_deref(),
        format.extension(),
    )
}

/// `--scale`: a number from 1 to 8.
fn parse_scale(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (1.0..=8.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a scale from 1 to 8")),
    }
}

/// Writes `text` to `path` (atomically) or to standard output.
pub(super) fn write_text(text: &str, path: Option<&std::path::Path>, what: &str) -> CliResult {
    match path {
        Some(path) => {
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
            {
                return Err(CliError::Usage(format!(
                    "gloss writes {what} as text, not PNG: name the file .{what} (only charts are drawn as PNG)"
                )));
            }
            gloss::textio::write_atomic(path, text.as_bytes())?;
            eprintln!("wrote {} ({what})", path.display());
        }
        None => {
            use std::io::Write as _;
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(())
}
