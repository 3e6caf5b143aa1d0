//! `gloss codebook check|show`: validate and print the codebook.

use std::collections::HashMap;

use gloss::codebook::Codebook;
use gloss::coding::set::CodingSet;

use super::{CliResult, Ctx, print_json};

/// Check or show the codebook (the YAML files in codebooks/).
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Report every problem as file:line:column: message (unknown key, duplicate id,
    /// bad colour, alias used twice, …). Exits 1 when there is any.
    Check,
    /// Print the code tree with the number of codings (and record values) of each code.
    Show,
}

pub fn run(ctx: &Ctx, action: &Action) -> CliResult {
    let project = ctx.project()?;
    let dir = project.codebooks_dir();
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
            let mut counts: HashMap<String, usize> = HashMap::new();
            for (_, c) in codings.spans() {
                *counts.entry(c.code.clone()).or_insert(0) += 1;
            }
            for (_, r) in codings.records() {
                for values in r.values.values() {
                    for v in values {
                        *counts.entry(v.clone()).or_insert(0) += 1;
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
                            "count": counts.get(&c.id).copied().unwrap_or(0),
                        })
                    })
                    .collect();
                return print_json(&codes);
            }
            outln!("{}", codebook.render_tree(&counts).trim_end());
            Ok(())
        }
    }
}
