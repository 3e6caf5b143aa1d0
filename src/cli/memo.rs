//! `gloss memo`: write a memo on a document, a code, a coding or a record.

use gloss::coding::{Entry, Memo, MemoTarget, coding_key, memo_key, record_key};
use gloss::study::Study;
use gloss::time::now_rfc3339;

use super::{CliError, CliResult, Ctx, open_writer, print_json};

/// Write (or, with an empty text, remove) a memo of the current coder on a document,
/// a code, one of your codings, or one of your records.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["doc", "code", "coding"])))]
pub struct Args {
    /// A memo on this document (with --record K: on that record).
    #[arg(long)]
    doc: Option<String>,
    /// A memo on this code (id, name or alias).
    #[arg(long)]
    code: Option<String>,
    /// A memo on this coding (its id).
    #[arg(long)]
    coding: Option<String>,
    /// With --doc: the record's number.
    #[arg(long, requires = "doc")]
    record: Option<u32>,
    /// The memo text ("" removes the memo).
    text: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> CliResult {
    let study = Study::open(ctx.project()?)?;
    let coder = ctx.coder()?;
    let mut writer = open_writer(&study.project, &coder)?;
    let text = args.text.trim().to_string();
    let memo = (!text.is_empty()).then(|| text.clone());
    let now = now_rfc3339();
    let what = if let Some(id) = &args.coding {
        let mut coding = match writer.data().get(&coding_key(id)) {
            Some(Entry::Coding(c)) => c.clone(),
            _ => {
                return Err(
                    gloss::Error::Input(format!("coder {coder} has no coding {id:?}")).into(),
                );
            }
        };
        coding.memo = memo;
        coding.modified = now;
        writer.put(Entry::Coding(coding))?;
        format!("coding {id}")
    } else if let Some(doc) = &args.doc {
        let id = study.corpus.docs[study.project.find_document(&study.corpus, doc)?]
            .id
            .clone();
        if let Some(k) = args.record {
            let mut record = match writer.data().get(&record_key(&id, k)) {
                Some(Entry::Record(r)) => r.clone(),
                _ => {
                    return Err(gloss::Error::Input(format!(
                        "coder {coder} has no record {k} on {id}"
                    ))
                    .into());
                }
            };
            record.memo = memo;
            record.modified = now;
            writer.put(Entry::Record(record))?;
            format!("record {k} of {id}")
        } else {
            put_memo(&mut writer, MemoTarget::Document(id.clone()), memo, now)?;
            id
        }
    } else if let Some(label) = &args.code {
        let code = study.codebook.resolve(label).ok_or_else(|| {
            CliError::Gloss(gloss::Error::Input(format!(
                "no code {label:?} in the codebook; `gloss codebook show` lists them"
            )))
        })?;
        put_memo(&mut writer, MemoTarget::Code(code.id.clone()), memo, now)?;
        format!("code {}", code.id)
    } else {
        return Err(CliError::Usage("give --doc, --code or --coding".into()));
    };
    if ctx.json {
        return print_json(&serde_json::json!({ "memo": what, "text": text }));
    }
    outln!(
        "memo {} on {what}",
        if text.is_empty() { "removed" } else { "saved" }
    );
    Ok(())
}

fn put_memo(
    writer: &mut gloss::coding::store::Writer,
    about: MemoTarget,
    memo: Option<String>,
    now: String,
) -> CliResult {
    match memo {
        Some(text) => writer.put(Entry::Memo(Memo {
            about,
            text,
            modified: now,
        }))?,
        None => {
            writer.delete(&memo_key(&about))?;
        }
    }
    Ok(())
}
