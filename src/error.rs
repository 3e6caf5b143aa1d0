//! The library's error type: each variant says what went wrong and where, so that
//! `main` can print one clear line and pick the exit code.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
///
/// Variants fall in three groups by what the user must do: fix the input
/// (`Input`, `Parse`), fix the project or its configuration (`Project`, `Locked`,
/// `Conflict`), or retry/report (`Io`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file's content is malformed; `location` is `line N`, `line N, column M` or `byte N`.
    #[error("{}{}: {message}", path.display(), location.as_ref().map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        path: PathBuf,
        location: Option<String>,
        message: String,
    },
    /// A request that cannot be carried out as given (unknown document, bad argument value).
    #[error("{0}")]
    Input(String),
    /// The project folder is missing or inconsistent.
    #[error("{0}")]
    Project(String),
    /// Another process holds the write lock of this coder.
    #[error("{0}")]
    Locked(String),
    /// A coding file holds git conflict markers.
    #[error("{}:{line}: git conflict marker; resolve the merge conflict in this file, then run the command again", path.display())]
    Conflict { path: PathBuf, line: usize },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A parse error at a 1-based line.
    pub fn at_line(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            location: Some(format!("{line}")),
            message: message.into(),
        }
    }

    /// A parse error with no known location.
    pub fn parse(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            location: None,
            message: message.into(),
        }
    }
}
