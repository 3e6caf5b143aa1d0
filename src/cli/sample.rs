//! `gloss sample --n 60 --seed 7 --assign alice,bob --round pilot`: a reproducible sample
//! of documents to double-code, kept as a named round in rounds.yaml.

use std::collections::BTreeSet;

use gloss::agree::sample::{Round, Rounds, SampleOptions, draw};
use gloss::corpus::DocKind;
use gloss::time::now_rfc3339;

use super::{CliError, CliResult, Ctx, print_json};

/// Draw documents for several coders to code independently, and name the coding round.
///
/// The same seed over the same documents draws the same sample on any machine
/// (SplitMix64 over the document ids in sorted order). Documents of earlier rounds are
/// not drawn again. The round — its documents, coders, seed — is written to rounds.yaml
/// (commit it): `gloss list --round NAME` lists a round's documents, `gloss agree
/// --round NAME` reports its agreement, `gloss agree --by-round` the change across
/// rounds.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many documents to draw.
    #[arg(long)]
    pub n: usize,
    /// The seed of the random draw (any whole number; keep it to redraw the same sample).
    #[arg(long)]
    pub seed: u64,
    /// Draw from each value of this document attribute (repo, or any attribute; `kind`
    /// for the document kind) in proportion to its size.
    #[arg(long, value_name = "ATTR")]
    pub stratify_by: Option<String>,
    /// The coders who code every drawn document, comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_name = "A,B[,C…]")]
    pub assign: Vec<String>,
    /// The round's name (pilot, refine, final, …).
    #[arg(long, value_name = "NAME")]
    pub round: String,
    /// Only documents of this kind: transcript, issue or survey.
    #[arg(long)]
    pub kind: Option<String>,
    /// Show the draw; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let name = args.round.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(CliError::Usage("--round takes a name, e.g. pilot".into()));
    }
    let mut coders: Vec<String> = Vec::new();
    for c in args
        .assign
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        gloss::coding::store::validate_coder(c)?;
        if !coders.iter().any(|x| x == c) {
            coders.push(c.to_string());
        }
    }
    if coders.is_empty() {
        return Err(CliError::Usage(
            "--assign names the coders: alice,bob".into(),
        ));
    }
    let kind = match &args.kind {
        Some(k) => Some(DocKind::parse(k).ok_or_else(|| {
            CliError::Usage(format!(
                "--kind takes transcript, issue or survey, not {k:?}"
            ))
        })?),
        None => None,
    };
    let rounds = Rounds::load(&project)?;
    if rounds.get(name).is_some() {
        return Err(gloss::Error::Input(format!(
            "there is already a round {name:?} in rounds.yaml; name the new one differently"
        ))
        .into());
    }
    let corpus = project.load_corpus()?;
    let skip: BTreeSet<String> = rounds
        .rounds
        .iter()
        .flat_map(|r| {
            r.documents
                .iter()
                .map(|d| project.meta.current_id(d).to_string())
        })
        .collect();
    let opts = SampleOptions {
        n: args.n,
        seed: args.seed,
        stratify_by: args.stratify_by.clone(),
        kind,
        skip,
    };
    let (documents, strata) = draw(&corpus, &opts)?;
    let round = Round {
        name: name.to_string(),
        coders,
        seed: args.seed,
        n: args.n,
        stratify_by: args.stratify_by.clone(),
        kind: kind.map(|k| k.name().to_string()),
        created: now_rfc3339(),
        documents,
    };
    if !args.dry_run {
        Rounds::add(&project, round.clone())?;
    }
    if ctx.json {
        return print_json(&serde_json::json!({
            "round": round,
            "strata": strata.iter().map(|(s, (k, of))| serde_json::json!({"stratum": s, "drawn": k, "of": of})).collect::<Vec<_>>(),
            "dry_run": args.dry_run,
        }));
    }
    outln!(
        "{}round {}: {} documents drawn with seed {}, assigned to {}{}",
        if args.dry_run { "dry run: " } else { "" },
        round.name,
        round.documents.len(),
        round.seed,
        round.coders.join(", "),
        if args.dry_run { "" } else { " (rounds.yaml)" }
    );
    if let Some(attr) = &round.stratify_by {
        let parts: Vec<String> = strata
            .iter()
            .map(|(s, (k, of))| format!("{} {k} of {of}", gloss::textio::sanitize_line(s)))
            .collect();
        outln!("stratified by {attr}: {}", parts.join(", "));
    }
    for d in &round.documents {
        outln!("  {d}");
    }
    Ok(())
}
