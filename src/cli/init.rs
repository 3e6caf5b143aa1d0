//! `gloss init [DIR]`: create a project folder.

use std::path::PathBuf;

use gloss::project::Project;

use super::{CliResult, Ctx, print_json};

/// Create a new project: gloss.yaml, codebooks/, transcripts/, issues/, surveys/,
/// coding/ and the git-ignored .gloss/ folder.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create the project in (default: the current folder).
    dir: Option<PathBuf>,
    /// The study's name (default: the folder's name).
    #[arg(long)]
    name: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let name = args.name.clone().unwrap_or_else(|| {
        std::path::absolute(&dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "study".into())
    });
    let created = Project::init(&dir, &name)?;
    if ctx.json {
        return print_json(&serde_json::json!({ "project": dir, "created": created }));
    }
    outln!("Created gloss project {name:?} in {}", dir.display());
    outln!("Next: put a codebook in codebooks/, then `gloss import transcript FILE...`");
    Ok(())
}
