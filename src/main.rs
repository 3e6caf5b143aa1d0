//! The `gloss` binary: parses the command line, runs the command, and turns errors
//! into one line on stderr and an exit code (0 ok, 1 bad input, 2 usage error).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod tui;

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
