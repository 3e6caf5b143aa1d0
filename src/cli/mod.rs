//! The command line: global options, one module per subcommand (each an `Args` struct
//! whose doc comments are its help, and a `run`), and the shared context they use.

/// `println!` that returns an error on a closed pipe instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod agree;
mod autocode;
mod check;
mod code;
mod codebook;
mod compact;
mod disagreements;
mod export;
mod import;
mod import_codings;
mod init;
mod list;
mod mark;
mod memo;
mod reconcile;
mod record;
mod remove;
mod rename;
mod report;
mod sample;
mod search;
mod show;
mod speakers;
mod status;
mod tui;
mod uncode;
mod undo;

use std::io::Write;
use std::path::PathBuf;

use std::io::IsTerminal;

use clap::{Parser, Subcommand};
use gloss::project::Project;

/// gloss — qualitative coding of interview transcripts, surveys and GitHub issue
/// threads, in the terminal.
#[derive(Debug, Parser)]
#[command(name = "gloss", version, propagate_version = true)]
pub struct Cli {
    /// The project folder (default: the nearest folder with a gloss.yaml, walking up).
    #[arg(long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    /// Who is coding (default: $GLOSS_CODER, then `coder:` in ~/.config/gloss/config.yaml, then $USER).
    #[arg(long, global = true, value_name = "NAME")]
    coder: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Blind coding: show only your own codings and records (as `blind: true` in gloss.yaml).
    #[arg(long, global = true)]
    blind: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(init::Args),
    #[command(subcommand)]
    Import(import::Kind),
    #[command(subcommand)]
    Export(export::What),
    List(list::Args),
    Show(show::Args),
    #[command(subcommand)]
    Codebook(codebook::Action),
    Code(code::Args),
    Uncode(uncode::Args),
    Record(record::Args),
    Mark(mark::Args),
    Memo(memo::Args),
    Status(status::Args),
    Speakers(speakers::Args),
    Rename(rename::Args),
    Report(report::Args),
    Remove(remove::Args),
    Compact(compact::Args),
    Search(search::Args),
    Autocode(autocode::Args),
    Undo(undo::Args),
    Tui(tui::Args),
    Agree(agree::Args),
    Disagreements(disagreements::Args),
    Reconcile(reconcile::Args),
    Sample(sample::Args),
    Check(check::Args),
}

/// An error from a command: a library error, or a usage problem found after parsing.
#[derive(Debug)]
pub enum CliError {
    Gloss(gloss::Error),
    Usage(String),
    Io(std::io::Error),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Gloss(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<gloss::Error> for CliError {
    fn from(e: gloss::Error) -> Self {
        CliError::Gloss(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

impl CliError {
    /// True when output went to a closed pipe (`gloss list | head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// What every command may need: the project, the coder, the output mode.
pub struct Ctx {
    project_arg: Option<PathBuf>,
    coder_arg: Option<String>,
    pub json: bool,
    blind_arg: bool,
}

impl Ctx {
    /// Opens the project named by `--project`, or found by walking up from here.
    pub fn project(&self) -> CliResult<Project> {
        Ok(match &self.project_arg {
            Some(dir) => {
                if !dir.join(gloss::project::CONFIG_FILE).is_file() {
                    return Err(gloss::Error::Project(format!(
                        "{} is not a gloss project (no gloss.yaml); run `gloss init {}` first",
                        dir.display(),
                        dir.display()
                    ))
                    .into());
                }
                Project::open(dir)?
            }
            None => Project::find(&std::env::current_dir()?)?,
        })
    }

    /// The coder: `--coder`, `$GLOSS_CODER`, `coder:` in the user's own config, `$USER`/`$LOGNAME`,
    /// else the login name of the process's user.
    pub fn coder(&self) -> CliResult<String> {
        let from_env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let coder = self
            .coder_arg
            .clone()
            .or_else(|| from_env("GLOSS_CODER"))
            .or_else(user_config_coder)
            .or_else(|| from_env("USER"))
            .or_else(|| from_env("LOGNAME"))
            .or_else(login_name)
            .ok_or_else(|| {
                CliError::Usage("no coder name: pass --coder NAME or set GLOSS_CODER".into())
            })?;
        gloss::coding::store::validate_coder(&coder)?;
        Ok(coder)
    }

    /// The project folder (named by `--project`, or the nearest with a gloss.yaml walking
    /// up), without reading any of its files: for `gloss check`, which must work when
    /// gloss.yaml itself holds a merge conflict.
    pub fn project_root(&self) -> CliResult<PathBuf> {
        let start = match &self.project_arg {
            Some(dir) => dir.clone(),
            None => std::env::current_dir()?,
        };
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if d.join(gloss::project::CONFIG_FILE).is_file() {
                return Ok(d.to_path_buf());
            }
            if self.project_arg.is_some() {
                break;
            }
            dir = d.parent();
        }
        Err(gloss::Error::Project(format!(
            "{} is not in a gloss project (no gloss.yaml here or above)",
            start.display()
        ))
        .into())
    }

    /// In blind mode (`--blind`, or `blind: true` in gloss.yaml), the coder whose work
    /// alone is shown; `None` when every coder's work may be shown.
    pub fn blind(&self, project: &Project) -> CliResult<Option<String>> {
        if self.blind_arg || project.config.blind {
            Ok(Some(self.coder()?))
        } else {
            Ok(None)
        }
    }

    /// Leaves only the coder's own work in a study when blind mode is on, saying so on
    /// standard error.
    pub fn hide_others(&self, study: &mut gloss::study::Study) -> CliResult {
        if let Some(me) = self.blind(&study.project)? {
            study.codings.keep_only(&me);
            eprintln!("gloss: blind mode: showing {me}'s work only");
        }
        Ok(())
    }

    /// Refuses a command that shows other coders' work side by side, in blind mode.
    pub fn refuse_blind(&self, project: &Project, what: &str) -> CliResult {
        if self.blind(project)?.is_some() {
            return Err(gloss::Error::Input(format!(
                "blind mode is on (--blind or `blind: true` in gloss.yaml), and {what} shows other coders' work; when the round is coded, set `blind: false` in gloss.yaml and run it again"
            ))
            .into());
        }
        Ok(())
    }
}

/// The login name of this process's user, from /etc/passwd (for when neither USER nor
/// LOGNAME is set, as in some containers).
fn login_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid && !name.is_empty()).then(|| name.to_string())
    })
}

/// `coder:` from `~/.config/gloss/config.yaml` (or `$XDG_CONFIG_HOME/gloss/config.yaml`).
fn user_config_coder() -> Option<String> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    let text = std::fs::read_to_string(base.join("gloss/config.yaml")).ok()?;
    #[derive(serde::Deserialize)]
    struct UserConfig {
        coder: Option<String>,
    }
    serde_yaml::from_str::<UserConfig>(&text).ok()?.coder
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> CliResult {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| CliError::Io(std::io::Error::other(e)))?;
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> CliResult {
    let ctx = Ctx {
        project_arg: cli.project,
        coder_arg: cli.coder,
        json: cli.json,
        blind_arg: cli.blind,
    };
    match cli.command {
        // On a terminal, `gloss` alone opens the workbench; in a pipe it prints the status.
        None if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() => {
            tui::run(&ctx, &tui::Args::default())
        }
        None => status::run(&ctx, &status::Args::default()),
        Some(Command::Tui(args)) => tui::run(&ctx, &args),
        Some(Command::Init(args)) => init::run(&ctx, &args),
        Some(Command::Import(kind)) => import::run(&ctx, &kind),
        Some(Command::Export(what)) => export::run(&ctx, &what),
        Some(Command::List(args)) => list::run(&ctx, &args),
        Some(Command::Show(args)) => show::run(&ctx, &args),
        Some(Command::Codebook(action)) => codebook::run(&ctx, &action),
        Some(Command::Code(args)) => code::run(&ctx, &args),
        Some(Command::Uncode(args)) => uncode::run(&ctx, &args),
        Some(Command::Record(args)) => record::run(&ctx, &args),
        Some(Command::Mark(args)) => mark::run(&ctx, &args),
        Some(Command::Memo(args)) => memo::run(&ctx, &args),
        Some(Command::Status(args)) => status::run(&ctx, &args),
        Some(Command::Speakers(args)) => speakers::run(&ctx, &args),
        Some(Command::Rename(args)) => rename::run(&ctx, &args),
        Some(Command::Report(args)) => report::run(&ctx, &args),
        Some(Command::Remove(args)) => remove::run(&ctx, &args),
        Some(Command::Compact(args)) => compact::run(&ctx, &args),
        Some(Command::Search(args)) => search::run(&ctx, &args),
        Some(Command::Autocode(args)) => autocode::run(&ctx, &args),
        Some(Command::Undo(args)) => undo::run(&ctx, &args),
        Some(Command::Agree(args)) => agree::run(&ctx, &args),
        Some(Command::Disagreements(args)) => disagreements::run(&ctx, &args),
        Some(Command::Reconcile(args)) => reconcile::run(&ctx, &args),
        Some(Command::Sample(args)) => sample::run(&ctx, &args),
        Some(Command::Check(args)) => check::run(&ctx, &args),
    }
}

/// Opens the coder's store for writing. `GLOSS_COMPACT_AFTER=N` changes how many journal
/// lines trigger a compaction (used by the crash tests).
pub fn open_writer(project: &Project, coder: &str) -> CliResult<gloss::coding::store::Writer> {
    let mut writer = gloss::coding::store::Writer::open(project, coder)?;
    if let Some(n) = compact_after_from_env() {
        writer.compact_after = n;
    }
    Ok(writer)
}

/// `GLOSS_COMPACT_AFTER=N`, if set: compact after N journal lines (at least 1).
pub fn compact_after_from_env() -> Option<usize> {
    std::env::var("GLOSS_COMPACT_AFTER")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map(|n| n.max(1))
}
