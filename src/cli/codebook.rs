//! `gloss codebook check|show|add|rename|move|merge|retire`: validate and print the
//! codebook, and edit it in place (only the lines an edit concerns change; see
//! `gloss::codebook::edit`).

use std::collections::HashMap;

use gloss::codebook::Codebook;
use gloss::codebook::edit::{self, NewCode, Op};
use gloss::coding::set::CodingSet;
use gloss::project::Project;

use super::{CliResult, Ctx, print_json};

/// Check, show or edit the codebook (the YAML files in codebooks/).
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Report every problem as file:line:column: message (unknown key, duplicate id,
    /// bad colour, alias used twice, …). Exits 1 when there is any.
    Check,
    /// Print the code tree with the number of codings (and record values) of each code.
    Show,
    Add(AddArgs),
    Rename(RenameArgs),
    Move(MoveArgs),
    Merge(MergeArgs),
    Retire(RetireArgs),
}

/// Add a code, as the last child of --parent or as the last top-level code. Only the
/// new lines are written; comments and layout of the file stay as they are.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The new code's id: letters, digits, `-`, `_` and `.`; not used by any code yet.
    pub id: String,
    /// The name coders will see.
    pub name: String,
    /// The id of the parent code (default: a top-level code in the first codebook file).
    #[arg(long, value_name = "ID")]
    pub parent: Option<String>,
    /// What the code means.
    #[arg(long)]
    pub description: Option<String>,
    /// A one-character shortcut.
    #[arg(long)]
    pub key: Option<String>,
    /// The display colour, #rrggbb or #rgb.
    #[arg(long)]
    pub color: Option<String>,
}

/// Change a code's name. Its id stays: codings refer to codes by id.
#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// The code's id.
    pub id: String,
    /// The new name.
    pub name: String,
}

/// Move a code, with its children and the comments above it, under another code or to
/// the top level.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("place").required(true).args(["to", "top"])))]
pub struct MoveArgs {
    /// The code's id.
    pub id: String,
    /// The id of the new parent; the code becomes its last child.
    #[arg(long, value_name = "PARENT")]
    pub to: Option<String>,
    /// Make it a top-level code.
    #[arg(long)]
    pub top: bool,
}

/// Merge code FROM into code INTO: FROM's children move under INTO, and FROM's id, name
/// and aliases become aliases of INTO, so codings that say FROM count for INTO. No
/// coding file is rewritten.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The id of the code that goes away.
    pub from: String,
    /// The id of the code that stays.
    pub into: String,
}

/// Retire a code (`retired: true`): kept so that its codings keep their meaning, and
/// marked (retired) in `gloss codebook show`.
#[derive(Debug, clap::Args)]
pub struct RetireArgs {
    /// The code's id.
    pub id: String,
    /// Take the code out of retirement.
    #[arg(long)]
    pub undo: bool,
}

pub fn run(ctx: &Ctx, action: &Action) -> CliResult {
    let project = ctx.project()?;
    let dir = project.codebooks_dir();
    let op = match action {
        Action::Check | Action::Show => None,
        Action::Add(a) => Some(Op::Add {
            parent: a.parent.clone(),
            code: NewCode {
                id: a.id.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                key: a.key.clone(),
                color: a.color.clone(),
            },
        }),
        Action::Rename(a) => Some(Op::Rename {
            id: a.id.clone(),
            name: a.name.clone(),
        }),
        Action::Move(a) => Some(Op::Move {
            id: a.id.clone(),
            to: if a.top { None } else { a.to.clone() },
        }),
        Action::Merge(a) => Some(Op::Merge {
            from: a.from.clone(),
            into: a.into.clone(),
        }),
        Action::Retire(a) if a.undo => Some(Op::Unretire { id: a.id.clone() }),
        Action::Retire(a) => Some(Op::Retire { id: a.id.clone() }),
    };
    if let Some(op) = op {
        return apply(ctx, &project, &op);
    }
    match action {
        Action::Check => {
            let (codebook, problems) = Codebook::check(&dir);
            if ctx.json {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                print_json(
                    &serde_json::json!({ "problems": list, "codes": codebook.map(|c| c.codes.len()) }),
                )?;
            } else if problems.is_empty() {
                outln!(
                    "codebook OK: {} codes",
                    codebook.map_or(0, |c| c.codes.len())
                );
            } else {
                for p in &problems {
                    outln!("{p}");
                }
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(
                    gloss::Error::Input(format!("{} problems in the codebook", problems.len()))
                        .into(),
                )
            }
        }
        Action::Show => {
            let codebook = Codebook::load(&dir)?;
            let codings = CodingSet::load(&project)?;
            // Codings of a code merged away count for the code it was merged into.
            let canonical = |id: &str| {
                codebook
                    .find_id(id)
                    .map_or(id, |c| c.id.as_str())
                    .to_string()
            };
            let mut counts: HashMap<String, usize> = HashMap::new();
            for (_, c) in codings.spans() {
                *counts.entry(canonical(&c.code)).or_insert(0) += 1;
            }
            for (_, r) in codings.records() {
                for values in r.values.values() {
                    for v in values {
                        *counts.entry(canonical(v)).or_insert(0) += 1;
                    }
                }
            }
            if ctx.json {
                let codes: Vec<_> = codebook
                    .codes
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.id,
                            "name": c.name,
                            "parent": c.parent.map(|p| codebook.codes[p].id.clone()),
                            "select": c.select.map(|s| format!("{s:?}").to_lowercase()),
                            "retired": c.retired,
                            "count": counts.get(&c.id).copied().unwrap_or(0),
                        })
                    })
                    .collect();
                return print_json(&codes);
            }
            outln!("{}", codebook.render_tree(&counts).trim_end());
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Works out an edit, writes the changed file durably (under the project's codebook
/// lock, so two gloss processes never lose each other's edits), then says what changed.
fn apply(ctx: &Ctx, project: &Project, op: &Op) -> CliResult {
    let _lock = gloss::codebook::edit::lock_codebook(project)?;
    let planned = edit::plan(&project.codebooks_dir(), op)?;
    if planned.changed {
        gloss::textio::write_atomic(&planned.path, planned.text.as_bytes())?;
    }
    if ctx.json {
        return print_json(&serde_json::json!({
            "file": project.relative(&planned.path),
            "changed": planned.changed,
            "message": planned.summary,
        }));
    }
    outln!("{}", planned.summary);
    Ok(())
}
