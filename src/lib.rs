//! gloss: qualitative coding of interview transcripts, surveys and GitHub issue threads.
//!
//! The library core holds no terminal code. A [`project::Project`] is a folder with a
//! `gloss.yaml`; its [`corpus`] is a set of documents (ordered turns plus attributes)
//! read from the project's source files; its [`codebook`] is a tree of codes and
//! instrument dimensions from YAML; its [`coding`] store keeps each coder's span codings,
//! instrument records, statuses and memos in one crash-safe file per coder. [`agree`]
//! measures agreement between coders and draws the samples they double-code;
//! [`check`] validates a project after coders merge their branches.

pub mod agree;
pub mod check;
pub mod codebook;
pub mod coding;
pub mod corpus;
pub mod error;
pub mod export;
pub mod interop;
pub mod parallel;
pub mod project;
pub mod search;
pub mod study;
pub mod text;
pub mod textio;
pub mod time;

pub use error::{Error, Result};
