//! `gloss speakers DOC [--set LABEL=ALIAS:ROLE]`: who each speaker is in a document.

use gloss::project::SpeakerInfo;
use gloss::textio::sanitize_line;

use super::{CliError, CliResult, Ctx, print_json};

/// List a document's speakers (turns, participant alias, role), or map speaker labels
/// to participants and roles for this document only.
///
/// "Speaker 1" can be the interviewer in one transcript and a participant in the next.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document id.
    doc: String,
    /// LABEL=ALIAS[:ROLE] or LABEL=:ROLE, e.g. "Speaker 2=P4:participant" or
    /// "Speaker 1=:interviewer" (repeatable).
    #[arg(long = "set", value_name = "LABEL=ALIAS:ROLE")]
    set: Vec<String>,
}

/// Parses `LABEL=ALIAS[:ROLE]`.
fn parse_mapping(s: &str) -> Result<(String, SpeakerInfo), String> {
    let (label, rest) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected LABEL=ALIAS:ROLE, got {s:?}"))?;
    let (alias, role) = match rest.split_once(':') {
        Some((a, r)) => (a.trim(), Some(r.trim())),
        None => (rest.trim(), None),
    };
    let label = label.trim();
    if label.is_empty() {
        return Err(format!("no speaker label in {s:?}"));
    }
    let nonempty = |x: &str| (!x.is_empty()).then(|| x.to_string());
    Ok((
        label.to_string(),
        SpeakerInfo {
            participant: nonempty(alias),
            role: role.and_then(nonempty),
        },
    ))
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let mut project = ctx.project()?;
    let corpus = project.load_corpus()?;
    let doc = &corpus.docs[project.find_document(&corpus, &args.doc)?];
    let id = doc.id.clone();
    let labels: Vec<&str> = {
        let mut seen = Vec::new();
        for t in &doc.turns {
            if !seen.contains(&t.speaker.as_str()) {
                seen.push(t.speaker.as_str());
            }
        }
        seen
    };
    if !args.set.is_empty() {
        let mut changes = Vec::new();
        for s in &args.set {
            let (label, info) = parse_mapping(s).map_err(CliError::Usage)?;
            if !labels.contains(&label.as_str()) {
                return Err(gloss::Error::Input(format!(
                    "{id} has no speaker {label:?}; its speakers are: {}",
                    labels.join(", ")
                ))
                .into());
            }
            changes.push((label, info));
        }
        project.update_meta(|all| {
            let meta = all.documents.entry(id.clone()).or_default();
            for (label, info) in changes {
                meta.speakers.insert(label, info);
            }
        })?;
    }
    let rows: Vec<_> = labels
        .iter()
        .map(|label| {
            let info = project.speaker(&id, label);
            let turns = doc.turns.iter().filter(|t| t.speaker == *label).count();
            serde_json::json!({
                "speaker": label,
                "turns": turns,
                "participant": info.participant,
                "role": info.role,
            })
        })
        .collect();
    if ctx.json {
        return print_json(&rows);
    }
    outln!(
        "{:<24} {:>6}  {:<12} role",
        "speaker",
        "turns",
        "participant"
    );
    for r in &rows {
        outln!(
            "{:<24} {:>6}  {:<12} {}",
            sanitize_line(r["speaker"].as_str().unwrap_or("")),
            r["turns"],
            r["participant"].as_str().unwrap_or("-"),
            r["role"].as_str().unwrap_or("-")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mappings() {
        let (l, i) = parse_mapping("Speaker 2=P4:participant").unwrap();
        assert_eq!(l, "Speaker 2");
        assert_eq!(i.participant.as_deref(), Some("P4"));
        assert_eq!(i.role.as_deref(), Some("participant"));
        let (_, i) = parse_mapping("Speaker 1=:interviewer").unwrap();
        assert_eq!(i.participant, None);
        assert_eq!(i.role.as_deref(), Some("interviewer"));
        assert!(parse_mapping("nothing").is_err());
    }
}
