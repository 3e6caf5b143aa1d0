//! The index schema: one tantivy document per turn, every field handle in one struct,
//! built once, with a version that forces a rebuild when it changes.

use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analysis::{EXACT, EXACT_TEXT, STEMMED, TEXT};

/// Bump when the schema or the analysis changes: older indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 6;

/// The schema and its fields.
#[derive(Clone)]
pub struct Fields {
    pub schema: Schema,
    /// Document id (`transcripts/leader1`), not tokenized.
    pub doc: Field,
    /// transcript | issue | survey.
    pub kind: Field,
    /// Turn index (0-based), stored only: hits report it, nothing searches by it.
    pub turn: Field,
    /// Speaker label as written (searchable as words, stored).
    pub speaker: Field,
    /// Speaker role and participant alias, lower-cased keywords.
    pub who: Field,
    pub time: Field,
    /// The turn's text, stored for snippets, indexed with positions once for both
    /// stemmed and exact search (see [`super::analysis::text_index`]).
    pub text: Field,
    /// A query-only field: `exact:word` and `--exact` search the text field's written
    /// forms through this field's analyzer. Nothing is indexed into it.
    pub exact: Field,
    pub title: Field,
    pub repo: Field,
    pub labels: Field,
    /// Attributes as lower-cased `key=value` keywords.
    pub attr: Field,
    /// The code of the document's language (`es`) when its text is not English: its
    /// words were stemmed in that language (and a query looks for their stems too).
    pub lang: Field,
    /// Codes on the turn, with their ancestors.
    pub code: Field,
    /// Coders with a coding on the turn.
    pub coder: Field,
    /// `code@coder` pairs, for --code combined with --coder.
    pub code_coder: Field,
    /// 1 when the turn has no coding.
    pub uncoded: Field,
    /// Memos of codings on the turn (and of the document, on turn 0).
    pub memo: Field,
}

impl Fields {
    pub fn new() -> Fields {
        let mut b = Schema::builder();
        let text_with = |analyzer: &str, stored: bool| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let opts = TextOptions::default().set_indexing_options(indexing);
            if stored { opts.set_stored() } else { opts }
        };
        let doc = b.add_text_field("doc", STRING | STORED);
        let kind = b.add_text_field("kind", STRING | STORED);
        let turn = b.add_u64_field("turn", STORED);
        let speaker = b.add_text_field("speaker", text_with(EXACT, true));
        let who = b.add_text_field("who", STRING);
        let time = b.add_text_field("time", STORED);
        let text = b.add_text_field("text", text_with(TEXT, true));
        let exact = b.add_text_field("exact", text_with(EXACT_TEXT, false));
        let title = b.add_text_field("title", text_with(STEMMED, true));
        let repo = b.add_text_field("repo", STRING | STORED);
        let labels = b.add_text_field("label", STRING);
        let attr = b.add_text_field("attr", STRING);
        let lang = b.add_text_field("lang", STRING | STORED);
        let code = b.add_text_field("code", STRING | STORED);
        let coder = b.add_text_field("coder", STRING);
        let code_coder = b.add_text_field("code_coder", STRING);
        let uncoded = b.add_u64_field("uncoded", INDEXED);
        let memo = b.add_text_field("memo", text_with(STEMMED, false));
        Fields {
            schema: b.build(),
            doc,
            kind,
            turn,
            speaker,
            who,
            time,
            text,
            exact,
            title,
            repo,
            labels,
            attr,
            lang,
            code,
            coder,
            code_coder,
            uncoded,
            memo,
        }
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}
