//! What the benchmarks share: the gloss binary's allocator, where the real data is, and
//! how big a file or folder is. Not every bench uses every helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The allocator the `gloss` binary uses (src/main.rs), so that in-process figures are
/// those of the program people run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
