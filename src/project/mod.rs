//! The project folder: finding it, creating it with `gloss init`, its configuration
//! (`gloss.yaml`), the per-document metadata that commands write (`documents.yaml`),
//! and the paths of everything inside it.

pub mod config;
pub mod meta;

use std::fs;
use std::path::{Path, PathBuf};

pub use config::Config;
pub use meta::{DocMeta, DocumentsMeta, SpeakerInfo};

use crate::textio::write_atomic;
use crate::{Error, Result};

/// The name of the project file that marks a project's root.
pub const CONFIG_FILE: &str = "gloss.yaml";
/// The command-written per-document metadata (speaker maps, attributes, renames).
pub const META_FILE: &str = "documents.yaml";
/// The folder of derived, disposable data (index, caches, per-user state, locks).
pub const DERIVED_DIR: &str = ".gloss";

/// An open project: its root folder, configuration and document metadata.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub meta: DocumentsMeta,
}

impl Project {
    /// Finds the project containing `start` by walking up to the first folder with a
    /// `gloss.yaml`, and opens it.
    pub fn find(start: &Path) -> Result<Project> {
        let start = start.canonicalize().map_err(|e| Error::io(start, e))?;
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if d.join(CONFIG_FILE).is_file() {
                return Project::open(d);
            }
            dir = d.parent();
        }
        Err(Error::Project(format!(
            "no gloss project in {} or any folder above it; run `gloss init` to create one, or pass --project DIR",
            start.display()
        )))
    }

    /// Opens the project whose root is `root`.
    pub fn open(root: &Path) -> Result<Project> {
        let config = Config::load(&root.join(CONFIG_FILE))?;
        let meta = DocumentsMeta::load(&root.join(META_FILE))?;
        Ok(Project {
            root: root.to_path_buf(),
            config,
            meta,
        })
    }

    /// Creates a new project in `dir` (created if missing). Refuses a folder that
    /// already holds a `gloss.yaml`. Returns the paths it created.
    pub fn init(dir: &Path, name: &str) -> Result<Vec<PathBuf>> {
        if dir.join(CONFIG_FILE).exists() {
            return Err(Error::Project(format!(
                "{} already holds a gloss project; nothing was changed",
                dir.display()
            )));
        }
        let mut created = Vec::new();
        for sub in [
            "codebooks",
            "transcripts",
            "issues",
            "surveys",
            "coding",
            DERIVED_DIR,
        ] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
            created.push(path);
        }
        let config_path = dir.join(CONFIG_FILE);
        write_atomic(&config_path, config::template(name).as_bytes())?;
        created.push(config_path);
        let gitignore = dir.join(".gitignore");
        let mut ignore = fs::read_to_string(&gitignore).unwrap_or_default();
        if !ignore
            .lines()
            .any(|l| l.trim() == "/.gloss/" || l.trim() == ".gloss/")
        {
            if !ignore.is_empty() && !ignore.ends_with('\n') {
                ignore.push('\n');
            }
            ignore.push_str(
                "# derived data of gloss: search index, caches, per-user state, locks\n/.gloss/\n",
            );
            write_atomic(&gitignore, ignore.as_bytes())?;
            created.push(gitignore);
        }
        Ok(created)
    }

    /// `coding/`: one file (plus journal) per coder.
    pub fn coding_dir(&self) -> PathBuf {
        self.root.join("coding")
    }

    /// `codebooks/`: the YAML codebooks.
    pub fn codebooks_dir(&self) -> PathBuf {
        self.root.join("codebooks")
    }

    /// `.gloss/`: derived, disposable data.
    pub fn derived_dir(&self) -> PathBuf {
        self.root.join(DERIVED_DIR)
    }

    /// `.gloss/state/<coder>/`: per-user state such as the last position.
    pub fn state_dir(&self, coder: &str) -> PathBuf {
        self.derived_dir().join("state").join(coder)
    }

    /// `.gloss/locks/`: one lock file per coder writing at the moment.
    pub fn locks_dir(&self) -> PathBuf {
        self.derived_dir().join("locks")
    }

    /// Changes `documents.yaml` under a lock: the file is re-read after the lock is
    /// taken, changed by `change`, and saved atomically, so two processes editing it at
    /// once (a shared folder on a server) never lose each other's changes.
    pub fn update_meta(&mut self, change: impl FnOnce(&mut DocumentsMeta)) -> Result<()> {
        let locks = self.locks_dir();
        fs::create_dir_all(&locks).map_err(|e| Error::io(&locks, e))?;
        let lock_path = locks.join("documents.lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
        let path = self.root.join(META_FILE);
        let mut meta = DocumentsMeta::load(&path)?;
        change(&mut meta);
        meta.save(&path)?;
        self.meta = meta;
        Ok(())
    }

    /// A path relative to the project root, for messages.
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_then_find_from_a_subfolder() {
        let tmp = tempfile::tempdir().unwrap();
        Project::init(tmp.path(), "Study").unwrap();
        let sub = tmp.path().join("transcripts");
        let project = Project::find(&sub).unwrap();
        assert_eq!(project.config.name, "Study");
        assert_eq!(project.root, tmp.path().canonicalize().unwrap());
        let ignore = fs::read_to_string(tmp.path().join(".gitignore")).unwrap();
        assert!(ignore.contains("/.gloss/"));
        assert!(Project::init(tmp.path(), "again").is_err());
    }

    #[test]
    fn find_outside_a_project_says_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Project::find(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("gloss init"), "{err}");
    }
}
