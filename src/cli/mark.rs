//! `gloss mark DOC STATUS`: set the coder's progress on a document.

use gloss::coding::{DocStatus, Entry, Progress, status_key};
use gloss::time::now_rfc3339;

use super::{CliError, CliResult, Ctx, open_writer, print_json};

/// Mark a document not-started, in-progress or done for the current coder (progress,
/// "next document" and agreement use it).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document id.
    doc: String,
    /// not-started, in-progress or done.
    status: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let progress = Progress::parse(&args.status).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown status {:?}; use not-started, in-progress or done",
            args.status
        ))
    })?;
    let project = ctx.project()?;
    let corpus = project.load_corpus()?;
    let id = corpus.docs[project.find_document(&corpus, &args.doc)?]
        .id
        .clone();
    let coder = ctx.coder()?;
    let mut writer = open_writer(&project, &coder)?;
    let excluded = match writer.data().get(&status_key(&id)) {
        Some(Entry::Status(s)) => s.excluded.clone(),
        _ => None,
    };
    writer.put(Entry::Status(DocStatus {
        doc: id.clone(),
        progress,
        excluded,
        modified: now_rfc3339(),
    }))?;
    if ctx.json {
        return print_json(&serde_json::json!({ "doc": id, "coder": coder, "progress": progress }));
    }
    outln!("{id}: {} (coder {coder})", progress.label());
    Ok(())
}
