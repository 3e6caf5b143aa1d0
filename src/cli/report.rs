//! `gloss report`: the study in one file — codes with their definitions, counts and
//! top quotes, the instrument's counts and crosstabs, and each coder's progress.

use std::path::PathBuf;

use gloss::export::page::PageFormat;
use gloss::export::report::{ReportOptions, report};

use super::export::{open_study, write_text};
use super::{CliResult, Ctx};

/// Write a report of the study for co-authors: per code its definition, where it occurs
/// (by participant, document kind and repository) and its top quotes (starred first,
/// spread over sources, pseudonyms applied); per instrument dimension its counts and
/// crosstab; and each coder's progress.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// html, markdown or latex (default: from -o's extension, else markdown).
    #[arg(long, value_enum)]
    pub format: Option<PageFormat>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Quotes per code.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub quotes: usize,
    /// Trim quotes to N characters at a sentence or word boundary.
    #[arg(long, value_name = "N", default_value_t = 400)]
    pub max_chars: usize,
    /// Whose instrument records are counted (needed when several coders made records).
    #[arg(long = "of", value_name = "CODER")]
    pub of: Option<String>,
    /// The dimension every other dimension is crossed with (default: the first).
    #[arg(long, value_name = "DIM")]
    pub cross: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let study = open_study(ctx)?;
    let opts = ReportOptions {
        quotes_per_code: args.quotes,
        max_chars: (args.max_chars > 0).then_some(args.max_chars),
        records_of: args.of.clone(),
        cross_with: args.cross.clone(),
    };
    let page = report(&study, &opts)?;
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(PageFormat::from_extension))
        .unwrap_or(PageFormat::Markdown);
    write_text(&page.render(format), args.output.as_deref(), "report")
}
