//! `gloss rename OLD NEW`: give a document a new id; its codings follow it.

use gloss::corpus::{DocKind, docfile};

use super::{CliResult, Ctx, print_json};

/// Rename a document.
///
/// Its codings, in every coder's file, follow it: the rename is recorded in
/// documents.yaml, so no coder's file is rewritten.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The current id.
    old: String,
    /// The new id, in the same kind folder (e.g. transcripts/leader1).
    new: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let mut project = ctx.project()?;
    let corpus = project.load_corpus()?;
    let index = project.find_document(&corpus, &args.old)?;
    let old = corpus.docs[index].id.clone();
    let doc = &corpus.docs[index];
    let new = args.new.trim().trim_matches('/').to_string();
    let folder = format!("{}/", doc.kind.folder());
    let hidden = new
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.') || part == "target");
    if !new.starts_with(&folder) || new.len() == folder.len() || hidden {
        return Err(gloss::Error::Input(format!(
            "the new id must stay in {folder} with no part starting with '.' (e.g. {folder}new-name), got {new:?}"
        ))
        .into());
    }
    if corpus.get(&new).is_some() {
        return Err(gloss::Error::Input(format!("a document {new:?} already exists")).into());
    }
    let source = &corpus.sources[index];
    if doc.kind == DocKind::Transcript && source.extension().is_some_and(|e| e != "jsonl") {
        let ext = source
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = project.root.join(format!("{new}.{ext}"));
        if target.exists() {
            return Err(gloss::Error::Input(format!("{} already exists", target.display())).into());
        }
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| gloss::Error::io(dir, e))?;
        }
        std::fs::rename(source, &target).map_err(|e| gloss::Error::io(source, e))?;
    } else {
        let mut docs = docfile::read(source)?;
        for d in &mut docs {
            if d.id == old {
                d.id = new.clone();
            }
        }
        docfile::write(source, &mut docs)?;
    }
    project.update_meta(|meta| {
        if let Some(m) = meta.documents.remove(&old) {
            meta.documents.insert(new.clone(), m);
        }
        for target in meta.renamed.values_mut() {
            if *target == old {
                target.clone_from(&new);
            }
        }
        meta.renamed.insert(old.clone(), new.clone());
    })?;
    if ctx.json {
        return print_json(&serde_json::json!({ "renamed": old, "to": new }));
    }
    outln!("renamed {old} to {new}; its codings follow it");
    if project.config.attributes.contains_key(&old) {
        outln!("note: gloss.yaml still lists attributes under {old}; move them to {new} by hand");
    }
    Ok(())
}
