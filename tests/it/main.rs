//! gloss's integration tests, built into one test binary (as ripgrep does).

mod common;

mod cli;
mod codebook;
mod crash;
mod import_issues;
mod import_surveys;
mod import_transcripts;
mod store;
