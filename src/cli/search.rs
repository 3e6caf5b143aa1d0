//! `gloss search QUERY [filters]`: ranked hits with highlighted snippets.

use std::io::IsTerminal;

use gloss::codebook::Codebook;
use gloss::corpus::DocKind;
use gloss::project::Project;
use gloss::search::{Filters, Hit, SearchIndex, project_stamp};
use gloss::study::Study;
use gloss::textio::sanitize_line;

use super::import::parse_key_value;
use super::{CliError, CliResult, Ctx, print_json};

/// Search every turn.
///
/// The query uses tantivy's syntax: words (all must occur), `OR`, `NOT`/`-word`, `"a
/// phrase"`, `"a phrase"~2`, `field:value` (fields: text, exact, speaker, title, memo,
/// kind, doc, repo, label, attr, code, coder), `term~1` (fuzzy). English words match
/// their other forms (`reproduce` finds "reproducing"); accents are ignored; Chinese
/// and Japanese words are found without spaces.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to search for ("" with a filter lists everything that matches the filter).
    #[arg(default_value = "")]
    pub query: String,
    /// Only turns with this code or one of its descendants (id, name or alias; repeatable: any).
    #[arg(long = "code", value_name = "CODE")]
    pub codes: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// At most this many hits.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

/// Filters shared by `search` and `autocode`.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only documents of this kind: transcript, issue or survey.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only turns that no one has coded.
    #[arg(long)]
    pub uncoded: bool,
    /// Only turns coded by this coder (with --code: coded with that code by this coder).
    #[arg(long = "by", id = "by_coder", value_name = "CODER")]
    pub coder: Option<String>,
    /// Only turns of this speaker: label, participant alias or role (interviewer, participant).
    #[arg(long)]
    pub speaker: Option<String>,
    /// Only documents whose id matches this glob (e.g. 'transcripts/leader*').
    #[arg(long = "doc", value_name = "GLOB")]
    pub doc_glob: Option<String>,
    /// Only documents with this attribute value: KEY=VALUE (repeatable: all).
    #[arg(long = "attr", value_parser = parse_key_value)]
    pub attrs: Vec<(String, String)>,
    /// Match words exactly as written: no stemming, no accent folding.
    #[arg(long)]
    pub exact: bool,
}

impl FilterArgs {
    /// Resolves the filters against the codebook (codes by id, name or alias).
    pub fn resolve(&self, codebook: &Codebook, code_labels: &[String]) -> CliResult<Filters> {
        let kind = match &self.kind {
            Some(k) => Some(DocKind::parse(k).ok_or_else(|| {
                CliError::Usage(format!(
                    "unknown kind {k:?}; use transcript, issue or survey"
                ))
            })?),
            None => None,
        };
        let mut codes = Vec::new();
        for label in code_labels {
            let code = codebook.resolve(label).ok_or_else(|| {
                CliError::Gloss(gloss::Error::Input(format!(
                    "no code {label:?} in the codebook; `gloss codebook show` lists them"
                )))
            })?;
            codes.push(code.id.clone());
        }
        Ok(Filters {
            kind,
            codes,
            uncoded: self.uncoded,
            coder: self.coder.clone(),
            speaker: self.speaker.clone(),
            doc_glob: self.doc_glob.clone(),
            attrs: self.attrs.clone(),
        })
    }
}

/// Opens the index and brings it in step with the study, printing its notices.
pub fn open_index(study: &Study) -> CliResult<SearchIndex> {
    let stamp = project_stamp(&study.project)?;
    let mut index = SearchIndex::open(&study.project.derived_dir())?;
    index.sync_stamped(study, stamp)?;
    for notice in index.notices.drain(..) {
        eprintln!("gloss: {notice}");
    }
    Ok(index)
}

/// Opens the index for a search; loads the whole study and catches up only when the
/// project changed since the index was last updated (the common case is instant).
fn open_index_for_search(project: Project) -> CliResult<SearchIndex> {
    let stamp = project_stamp(&project)?;
    let mut index = SearchIndex::open(&project.derived_dir())?;
    if !index.is_current(stamp) {
        let study = Study::open(project)?;
        index.sync_stamped(&study, stamp)?;
    }
    for notice in index.notices.drain(..) {
        eprintln!("gloss: {notice}");
    }
    Ok(index)
}

/// Blind mode: a search may not reach other coders' work. Filters on codes are
/// narrowed to the coder's own codings; `--by` another coder, `--uncoded` (which looks
/// at every coder's codings) and the query fields `code:`, `coder:` and `memo:` are
/// refused.
pub fn blind_filters(filters: &mut Filters, query: &str, me: &str) -> CliResult {
    let refuse = |what: String| {
        Err(CliError::Gloss(gloss::Error::Input(format!(
            "blind mode hides other coders' work: {what} is not available while coding blind"
        ))))
    };
    if let Some(other) = filters.coder.as_deref().filter(|c| *c != me) {
        return refuse(format!("--by {other}"));
    }
    if filters.uncoded {
        return refuse("--uncoded (turns no coder coded)".into());
    }
    for field in ["code", "coder", "memo"] {
        let pattern = format!("{field}:");
        let used = query.match_indices(&pattern).any(|(at, _)| {
            !query[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if used {
            return refuse(format!("the query field {pattern}"));
        }
    }
    if !filters.codes.is_empty() {
        filters.coder = Some(me.to_string());
    }
    Ok(())
}

/// Blind mode: each hit's codes become the coder's own codes on that turn (with their
/// ancestors, as the index lists them).
fn own_codes(project: &Project, codebook: &Codebook, me: &str, hits: &mut [Hit]) -> CliResult {
    let file = gloss::coding::store::read_coder(&project.coding_dir(), me)?;
    let mut mine: std::collections::HashSet<(String, usize, String)> = Default::default();
    for entry in file.values_unordered() {
        if let gloss::coding::Entry::Coding(c) = entry {
            let doc = project.meta.current_id(&c.doc).to_string();
            let last = if c.end.byte == 0 && c.end.turn > c.start.turn {
                c.end.turn - 1
            } else {
                c.end.turn
            };
            let mut lineage = vec![c.code.clone()];
            if let Some(code) = codebook.find_id(&c.code) {
                lineage.push(code.id.clone());
                lineage.extend(codebook.ancestors(&code.id).iter().map(|a| a.id.clone()));
            }
            for turn in c.start.turn..=last {
                for code in &lineage {
                    mine.insert((doc.clone(), turn, code.clone()));
                }
            }
        }
    }
    for hit in hits {
        let (doc, turn) = (hit.doc.clone(), hit.turn);
        hit.codes
            .retain(|code| mine.contains(&(doc.clone(), turn, code.clone())));
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let project = ctx.project()?;
    let codebook = Codebook::load(&project.codebooks_dir())?;
    let mut filters = args.filters.resolve(&codebook, &args.codes)?;
    let blind = ctx.blind(&project)?;
    if let Some(me) = &blind {
        blind_filters(&mut filters, &args.query, me)?;
    }
    if args.query.chars().count() > 10_000 {
        return Err(gloss::Error::Input(
            "the query is longer than 10,000 characters; search for fewer words".into(),
        )
        .into());
    }
    let index = open_index_for_search(project.clone())?;
    let mut results = index.search(&args.query, &filters, args.limit, args.filters.exact)?;
    if let Some(me) = &blind {
        own_codes(&project, &codebook, me, &mut results.hits)?;
    }
    if let Some(first) = results.warnings.first() {
        // The library is lenient (search-as-you-type shows what it can); a typed command
        // with a mistake in its query is an error, with where the mistake is.
        return Err(gloss::Error::Input(format!(
            "{first}; fix the query (quotes and parentheses must be balanced)"
        ))
        .into());
    }
    if ctx.json {
        return print_json(&serde_json::json!({
            "total": results.total,
            "per_kind": results.per_kind,
            "hits": results.hits.iter().map(|h| serde_json::json!({
                "doc": h.doc,
                "kind": h.kind,
                "turn": h.turn + 1,
                "speaker": h.speaker,
                "time": h.time,
                "codes": h.codes,
                "score": h.score,
                "text": h.text,
                "matches": h.matches,
            })).collect::<Vec<_>>(),
        }));
    }
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for hit in &results.hits {
        let codes = if hit.codes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", hit.codes.join(", "))
        };
        outln!(
            "{}  turn {}  {}{codes}",
            hit.doc,
            hit.turn + 1,
            sanitize_line(&hit.speaker)
        );
        outln!("    {}", snippet(hit, 220, color));
    }
    let kinds: Vec<String> = results
        .per_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    outln!(
        "{} matching turns{}{}",
        results.total,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        },
        if results.total > results.hits.len() {
            format!("; showing {}", results.hits.len())
        } else {
            String::new()
        }
    );
    Ok(())
}

/// A window of about `width` bytes of the hit's text around its first match, with the
/// matches in bold (or plain when not on a terminal), on one safe line.
pub fn snippet(hit: &Hit, width: usize, color: bool) -> String {
    let text = &hit.text;
    let first = hit.matches.first().map_or(0, |m| m.0);
    let mut start = first.saturating_sub(width / 3);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + width).min(text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e) in &hit.matches {
        if e <= start || s >= end {
            continue;
        }
        let (s, e) = (s.max(start), e.min(end));
        out.push_str(&sanitize_line(text.get(at..s).unwrap_or("")));
        let m = sanitize_line(text.get(s..e).unwrap_or(""));
        if color {
            out.push_str(&format!("\x1b[1;31m{m}\x1b[0m"));
        } else {
            out.push_str(&m);
        }
        at = e;
    }
    out.push_str(&sanitize_line(text.get(at..end).unwrap_or("")));
    if end < text.len() {
        out.push('…');
    }
    out
}
