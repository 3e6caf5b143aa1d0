//! gloss's integration tests, built into one test binary (as ripgrep does).

// Tests may unwrap: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

mod common;

mod agree;
mod cli;
mod codebook;
mod crash;
mod export;
mod import_issues;
mod import_surveys;
mod import_transcripts;
mod qdpx;
mod search;
mod store;
mod tui;
