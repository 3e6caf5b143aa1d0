//! `gloss remove DOC`: take a document out of the project; its codings are kept.

use gloss::coding::set::CodingSet;
use gloss::corpus::{DocKind, docfile};

use super::{CliResult, Ctx, print_json};

/// Remove a document from the project.
///
/// Codings and records made on it are never deleted: they stay in the coders' files,
/// and `gloss status` lists them as dangling (re-import the document to bring them
/// back).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document id.
    doc: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let corpus = project.load_corpus()?;
    let index = project.find_document(&corpus, &args.doc)?;
    let id = corpus.docs[index].id.clone();
    let source = &corpus.sources[index];
    if corpus.docs[index].kind == DocKind::Transcript
        && source.extension().is_some_and(|e| e != "jsonl")
    {
        std::fs::remove_file(source).map_err(|e| gloss::Error::io(source, e))?;
    } else {
        let mut docs = docfile::read(source)?;
        docs.retain(|d| d.id != id);
        if docs.is_empty() {
            std::fs::remove_file(source).map_err(|e| gloss::Error::io(source, e))?;
        } else {
            docfile::write(source, &mut docs)?;
        }
    }
    let codings = CodingSet::load(&project)?;
    let kept = codings
        .coders
        .iter()
        .flat_map(|c| c.values_unordered())
        .filter(|e| e.doc().is_some_and(|d| project.meta.current_id(d) == id))
        .count();
    if ctx.json {
        return print_json(&serde_json::json!({ "removed": id, "entries_kept": kept }));
    }
    outln!(
        "removed {id}; {kept} codings/records/statuses on it are kept and listed by `gloss status`"
    );
    Ok(())
}
