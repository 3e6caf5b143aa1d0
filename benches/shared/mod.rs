//! What the benchmarks share: the gloss binary's allocator, error and median helpers,
//! where the real data is, and how big a file or folder is. Not every bench uses every
//! helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The allocator the `gloss` binary uses (src/main.rs), so that in-process figures are
/// those of the program people run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What a bench step returns: its error as the line to print.
pub type R<T> = Result<T, String>;

/// Any error as that line.
pub fn s<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The middle of the timings (the upper one of the two middles for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `../shared/data` (or `$GLOSS_SHARED_DATA`), if it exists.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("GLOSS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.is_dir().then_some(dir)
}

/// Bytes in a file, or in all files under a folder.
pub fn size_of(path: &Path) -> u64 {
    if path.is_dir() {
        std::fs::read_dir(path)
            .map(|entries| entries.flatten().map(|e| size_of(&e.path())).sum())
            .unwrap_or(0)
    } else {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }
}
