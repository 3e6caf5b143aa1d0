//! The `gloss` binary: parses the command line, runs the command, and turns errors
//! into one line on stderr and an exit code (0 ok, 1 bad input, 2 usage error).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod tui;

/// mimalloc instead of the system allocator: loading, importing and exporting a study
/// allocate and free millions of small strings, which glibc's malloc spends a tenth of
/// the time on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gloss: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
