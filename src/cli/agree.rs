//! `gloss agree --coders a,b[,c…]`: inter-rater agreement on instrument records and span
//! codes, as text or as a table for a paper.

use std::path::PathBuf;

use gloss::agree::sample::Rounds;
use gloss::agree::{self, Options, Unit};
use gloss::export::table::{Align, Format, Table};
use gloss::study::Study;

use super::{CliError, CliResult, Ctx, print_json};

/// Agreement between coders who coded the same documents: per dimension of the
/// instrument (records paired by document and record number, or by evidence when the
/// numbering differs) and per span code (present or absent per turn, sentence or
/// document): n, percent agreement, Cohen's kappa (two coders), Fleiss' kappa (three or
/// more), Krippendorff's alpha (nominal, missing values allowed) and, for span codes,
/// the overlap of the coded text. A pooled line and, with three coders or more, one
/// line per pair; three decimals and a Landis & Koch band.
///
/// Only documents every coder compared made records on or marked done count for
/// records; for span codes, documents every coder marked done or that `gloss sample`
/// assigned to all of them. Documents any of them excluded are left out.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub compare: Comparison,
    /// Add the confusion matrix of each pair of coders per dimension.
    #[arg(long)]
    pub confusion: bool,
    /// Each round's agreement side by side, to see it change from round to round.
    #[arg(long, conflicts_with = "round")]
    pub by_round: bool,
    /// text (aligned columns), markdown, latex, csv, html or json.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AgreeFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What `gloss agree` and `gloss disagreements` compare: which coders, dimensions,
/// codes, unit and round.
#[derive(Debug, clap::Args)]
pub struct Comparison {
    /// The coders, comma-separated (two or more); with --round, default: the round's.
    #[arg(long, value_delimiter = ',', value_name = "A,B[,C…]")]
    pub coders: Vec<String>,
    /// Only this dimension (id, name or alias; repeatable).
    #[arg(long = "dimension", value_name = "DIM")]
    pub dimensions: Vec<String>,
    /// Only this span code, with the codes below it (id, name or alias; repeatable).
    #[arg(long = "code", value_name = "ID")]
    pub codes: Vec<String>,
    /// The unit span codes are present in or absent from.
    #[arg(long, value_enum, default_value = "turn")]
    pub unit: Unit,
    /// Only the documents of this round (`gloss sample --round NAME`).
    #[arg(long, value_name = "NAME")]
    pub round: Option<String>,
}

impl Comparison {
    /// The library's options for this comparison (no confusion matrices, no list of
    /// disagreements: the command adds what it shows).
    pub fn options(&self, rounds: &Rounds) -> CliResult<Options> {
        Ok(Options {
            coders: coders_of(&self.coders, self.round.as_deref(), rounds)?,
            dimensions: self.dimensions.clone(),
            codes: self.codes.clone(),
            unit: self.unit,
            round: self.round.clone(),
            confusion: false,
            disagreements: false,
        })
    }
}

/// Output formats: aligned text for the terminal, or a table export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AgreeFormat {
    Text,
    Markdown,
    Latex,
    Csv,
    Html,
    Json,
}

impl AgreeFormat {
    fn table_format(self) -> Option<Format> {
        match self {
            AgreeFormat::Text => None,
            AgreeFormat::Markdown => Some(Format::Markdown),
            AgreeFormat::Latex => Some(Format::Latex),
            AgreeFormat::Csv => Some(Format::Csv),
            AgreeFormat::Html => Some(Format::Html),
            AgreeFormat::Json => Some(Format::Json),
        }
    }
}

/// Opens the study for a comparison of coders: refused in blind mode; files that
/// cannot be read are named on standard error.
pub fn open_for_comparison(ctx: &Ctx, what: &str) -> CliResult<(Study, Rounds)> {
    let project = ctx.project()?;
    ctx.refuse_blind(&project, what)?;
    let rounds = Rounds::load(&project)?;
    let study = Study::open(project)?;
    for w in study
        .codings
        .unreadable
        .iter()
        .chain(&study.corpus.warnings)
    {
        eprintln!("gloss: warning: {w}");
    }
    Ok((study, rounds))
}

/// The coders named, or the round's when none are.
pub fn coders_of(
    coders: &[String],
    round: Option<&str>,
    rounds: &Rounds,
) -> CliResult<Vec<String>> {
    let named: Vec<String> = coders
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if !named.is_empty() {
        for c in &named {
            gloss::coding::store::validate_coder(c)?;
        }
        return Ok(named);
    }
    match round {
        Some(name) => Ok(rounds.find(name)?.coders.clone()),
        None => Err(CliError::Usage(
            "name the coders to compare: --coders alice,bob (or --round NAME for a round's)".into(),
        )),
    }
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let (study, rounds) = open_for_comparison(ctx, "gloss agree")?;
    let opts = Options {
        confusion: args.confusion,
        ..args.compare.options(&rounds)?
    };
    if args.by_round {
        let table = agree::across_rounds(&study, &rounds, &opts)?;
        if ctx.json {
            return print_json(&table);
        }
        return emit(&[table], args);
    }
    let result = agree::agree(&study, &rounds, &opts)?;
    if ctx.json {
        return print_json(&result);
    }
    let mut tables = vec![result.table()];
    tables.extend(result.confusion_tables());
    emit(&tables, args)
}

/// Writes the tables in the chosen format, to the file or standard output.
fn emit(tables: &[Table], args: &Args) -> CliResult {
    let text = match args.format.table_format() {
        None => tables.iter().map(text_table).collect::<Vec<_>>().join("\n"),
        Some(Format::Json) if tables.len() > 1 => {
            let parts: Vec<String> = tables
                .iter()
                .map(|t| t.render(Format::Json).trim_end().to_string())
                .collect();
            format!("[\n{}\n]\n", parts.join(",\n"))
        }
        Some(f) => tables
            .iter()
            .map(|t| t.render(f))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let ext = match args.format {
        AgreeFormat::Text => "txt",
        f => f.table_format().map_or("txt", Format::extension),
    };
    super::export::write_text(&text, args.output.as_deref(), ext)
}

/// A table as aligned plain text: the title, the columns padded to their widest cell
/// (right-aligned columns to the right), then the notes.
pub fn text_table(table: &Table) -> String {
    use unicode_width::UnicodeWidthStr;
    let cell = |s: &str| gloss::textio::sanitize_line(s);
    let widths: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| {
            table
                .rows
                .iter()
                .filter_map(|r| r.get(j))
                .map(|s| cell(s).width())
                .chain(std::iter::once(c.heading.width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let mut out = String::new();
        for (j, text) in cells.iter().enumerate() {
            let pad = widths[j].saturating_sub(text.width());
            let right = table.columns[j].align == Align::Right;
            if j > 0 {
                out.push_str("  ");
            }
            if right {
                out.push_str(&" ".repeat(pad));
            }
            out.push_str(text);
            if !right && j + 1 < cells.len() {
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = String::new();
    if !table.title.is_empty() {
        out.push_str(&cell(&table.title));
        out.push('\n');
    }
    out.push_str(&line(
        table.columns.iter().map(|c| c.heading.clone()).collect(),
    ));
    out.push('\n');
    for (i, row) in table.rows.iter().enumerate() {
        if table.rule_before == Some(i) {
            out.push_str(
                &"-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)),
            );
            out.push('\n');
        }
        out.push_str(&line(row.iter().map(|c| cell(c)).collect()));
        out.push('\n');
    }
    for note in &table.notes {
        out.push_str(&format!("  {}\n", cell(note)));
    }
    out
}
