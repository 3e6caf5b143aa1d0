//! Span codes across the corpus: each code (with the codes below it) crossed with a
//! document attribute, the document kind or the participant — counted as codings,
//! documents or participants — and codes crossed with codes (co-occurrence within a
//! turn or a document).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::codebook::Codebook;
use crate::coding::set::Resolved;
use crate::corpus::docfile::natural_cmp;
use crate::corpus::{AttrValue, DocKind, Document};
use crate::study::Study;
use crate::{Error, Result};

use super::counts::Percent;
use super::table::{Column, Table};

/// What a code × attribute table counts in each cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    /// Span codings.
    Codings,
    /// Documents with at least one coding of the code.
    Documents,
    /// Participants who said at least one coded passage.
    Participants,
}

impl Unit {
    fn plural(self) -> &'static str {
        match self {
            Unit::Codings => "codings",
            Unit::Documents => "documents",
            Unit::Participants => "participants",
        }
    }
}

/// What the columns of a code crosstab are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Across {
    /// Who said the coded passage (participant alias, else speaker in document).
    Participant,
    /// The document kind: transcript, issue, survey.
    Kind,
    /// A document attribute (`repo`, `labels`, or one set in gloss.yaml).
    Attribute(String),
    /// An attribute of the participant who said the passage (gloss.yaml
    /// `participant_attributes:`).
    ParticipantAttribute(String),
}

impl Across {
    /// `participant`, `kind`, or an attribute name: a participant attribute when some
    /// participant has it in gloss.yaml, else a document attribute.
    pub fn parse(study: &Study, name: &str) -> Across {
        match name.to_lowercase().as_str() {
            "participant" | "participants" => Across::Participant,
            "kind" => Across::Kind,
            _ => {
                let of_participant = study
                    .project
                    .config
                    .participant_attributes
                    .values()
                    .any(|a| a.keys().any(|k| k.eq_ignore_ascii_case(name)));
                if of_participant {
                    Across::ParticipantAttribute(name.to_string())
                } else {
                    Across::Attribute(name.to_string())
                }
            }
        }
    }

    /// True when a column is a property of the speaker rather than of the document.
    fn per_participant(&self) -> bool {
        matches!(self, Across::Participant | Across::ParticipantAttribute(_))
    }

    fn heading(&self) -> String {
        match self {
            Across::Participant => "participant".into(),
            Across::Kind => "kind".into(),
            Across::Attribute(a) | Across::ParticipantAttribute(a) => a.clone(),
        }
    }

    /// The default unit: participants' own codings when the columns are participants
    /// (each column is one person), else documents — what papers report.
    pub fn default_unit(&self) -> Unit {
        match self {
            Across::Participant => Unit::Codings,
            _ => Unit::Documents,
        }
    }
}

/// Where co-occurring codes must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Within {
    /// The same turn (a coding covers every turn from its start to its end).
    Turn,
    /// The same document.
    Document,
}

/// One placed span coding, as counted.
#[derive(Debug, Clone)]
pub struct SpanFact {
    /// The coding's code (canonical id) and every code above it.
    pub lineage: Vec<String>,
    pub doc_index: usize,
    pub first_turn: usize,
    pub last_turn: usize,
    /// Who speaks where the coding starts, as a participant.
    pub participant: Option<String>,
    pub coder: String,
    pub coding_id: String,
}

/// Every placed span coding (of one coder, when given), with its code lineage and
/// participant. Codings of codes no longer in the codebook are left out.
pub fn span_facts(study: &Study, coder: Option<&str>) -> Vec<SpanFact> {
    let book = &study.codebook;
    let mut lineages: HashMap<&str, Option<Vec<String>>> = HashMap::new();
    let mut out = Vec::new();
    for span in study.codings.resolve(&study.project, &study.corpus) {
        if coder.is_some_and(|c| c != span.coder) {
            continue;
        }
        let Resolved::Placed { start, end, .. } = span.placement else {
            continue;
        };
        let Some(doc_index) = study.corpus.position(&span.doc) else {
            continue;
        };
        let Some(lineage) = lineages
            .entry(span.coding.code.as_str())
            .or_insert_with(|| lineage(book, &span.coding.code))
            .clone()
        else {
            continue;
        };
        let doc = &study.corpus.docs[doc_index];
        out.push(SpanFact {
            lineage,
            doc_index,
            first_turn: start.turn,
            last_turn: end.turn.max(start.turn),
            participant: participant_of(study, doc, start.turn),
            coder: span.coder.to_string(),
            coding_id: span.coding.id.clone(),
        });
    }
    out
}

/// Where one code occurs: its codings (with those of the codes below it), the
/// documents (corpus indices) and the participants they are in.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub codings: usize,
    pub documents: BTreeSet<usize>,
    pub participants: BTreeSet<String>,
}

/// Each code's [`Reach`], by code id (every code above a coding counts it too).
pub fn reach(facts: &[SpanFact]) -> BTreeMap<String, Reach> {
    let mut out: BTreeMap<String, Reach> = BTreeMap::new();
    for f in facts {
        for code in &f.lineage {
            let r = out.entry(code.clone()).or_default();
            r.codings += 1;
            r.documents.insert(f.doc_index);
            if let Some(p) = &f.participant {
                r.participants.insert(p.clone());
            }
        }
    }
    out
}

/// The denominators: how many documents and participants the corpus holds.
pub fn corpus_reach(study: &Study) -> (usize, usize) {
    let mut people = BTreeSet::new();
    for doc in &study.corpus.docs {
        people.extend(participants_of(study, doc));
    }
    (study.corpus.docs.len(), people.len())
}

/// A code's canonical id and its ancestors' ids, or `None` for an unknown code.
fn lineage(book: &Codebook, code: &str) -> Option<Vec<String>> {
    let code = book.find_id(code)?;
    let mut out = vec![code.id.clone()];
    out.extend(book.ancestors(&code.id).iter().map(|c| c.id.clone()));
    Some(out)
}

/// Who speaks in a turn, as a participant: the alias from the speaker maps, else (for
/// a transcript or survey speaker who is not an interviewer) the speaker label within
/// the document. Issue authors and interviewers are not participants.
pub fn participant_of(study: &Study, doc: &Document, turn: usize) -> Option<String> {
    let label = &doc.turns.get(turn)?.speaker;
    let who = study.project.speaker(&doc.id, label);
    if let Some(p) = who.participant {
        return Some(p);
    }
    let interviewer = who.role.as_deref() == Some("interviewer");
    (doc.kind != DocKind::Issue && !interviewer).then(|| format!("{} ({label})", doc.id))
}

/// Every participant of a document.
pub fn participants_of(study: &Study, doc: &Document) -> BTreeSet<String> {
    (0..doc.turns.len())
        .filter_map(|t| participant_of(study, doc, t))
        .collect()
}

/// The value a document takes for an attribute (several for a list); `None` when the
/// document lacks it.
fn attribute_values(doc: &Document, key: &str) -> Option<Vec<String>> {
    attribute_in(&doc.attributes, key)
}

/// The value an attribute takes in `attributes` (several for a list), by name
/// ignoring case.
fn attribute_in(attributes: &crate::corpus::Attributes, key: &str) -> Option<Vec<String>> {
    let found = attributes
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)?;
    Some(match found {
        AttrValue::One(v) => vec![v.clone()],
        AttrValue::Many(vs) => vs.clone(),
    })
}

const NONE: &str = "(none)";

/// The column values a coding (or, with no participant, a document) falls in.
fn columns_of(
    study: &Study,
    across: &Across,
    doc: &Document,
    participant: Option<&str>,
) -> Vec<String> {
    match across {
        Across::Participant => participant.map(|p| vec![p.to_string()]).unwrap_or_default(),
        Across::ParticipantAttribute(key) => match participant {
            Some(p) => study
                .project
                .config
                .participant_attributes
                .get(p)
                .and_then(|a| attribute_in(a, key))
                .unwrap_or_else(|| vec![NONE.to_string()]),
            None => Vec::new(),
        },
        Across::Kind => vec![doc.kind.name().to_string()],
        Across::Attribute(key) => {
            attribute_values(doc, key).unwrap_or_else(|| vec![NONE.to_string()])
        }
    }
}

/// A row's label for a code from [`row_codes`]: indented by its depth in the tree when
/// the rows are the whole tree (no codes named), as named otherwise.
pub fn row_label(code: &crate::codebook::Code, named: &[String]) -> String {
    if named.is_empty() {
        format!("{}{}", "  ".repeat(code.depth), code.name)
    } else {
        code.name.clone()
    }
}

/// The codes a table's rows show: those named (each with the codes below it), else
/// every code outside the instrument that has codings, in codebook order.
pub fn row_codes<'a>(
    book: &'a Codebook,
    named: &[String],
    coded: &BTreeSet<&str>,
) -> Result<Vec<&'a crate::codebook::Code>> {
    if named.is_empty() {
        return Ok(book
            .codes
            .iter()
            .filter(|c| c.select.is_none() && c.dimension.is_none())
            .filter(|c| coded.contains(c.id.as_str()))
            .collect());
    }
    named
        .iter()
        .map(|label| {
            book.find_id(label)
                .or_else(|| book.resolve(label))
                .ok_or_else(|| {
                    Error::Input(format!(
                        "no code {label:?} in the codebook; `gloss codebook show` lists them"
                    ))
                })
        })
        .collect()
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// A unit counted in a cell: a coding, a document or a participant.
type Key = String;

/// Span codes crossed with a document attribute, the kind or the participant: per
/// code (with the codes below it) and column value, the codings, documents or
/// participants it occurs in. Columns show their n (all documents or participants
/// with that value, or all codings in it); `pct` adds percentages of the row, the
/// column's n or the total.
pub fn code_crosstab(
    study: &Study,
    across: &Across,
    unit: Unit,
    pct: Option<Percent>,
    codes: &[String],
    coder: Option<&str>,
) -> Result<Table> {
    let book = &study.codebook;
    if let Across::Attribute(key) = across {
        let known = study
            .corpus
            .docs
            .iter()
            .any(|d| attribute_values(d, key).is_some());
        if !known {
            let mut names: BTreeSet<&str> = BTreeSet::new();
            for d in &study.corpus.docs {
                names.extend(d.attributes.keys().map(String::as_str));
            }
            return Err(Error::Input(format!(
                "no document has an attribute {key:?}; use participant, kind{}",
                names.iter().map(|n| format!(", {n}")).collect::<String>()
            )));
        }
    }
    if unit == Unit::Participants && *across == Across::Participant {
        return Err(Error::Input(
            "--count participants with --by participant would count each participant once; use --count codings or documents".into(),
        ));
    }
    let facts = span_facts(study, coder);
    // The denominators: every unit in each column, over the whole corpus.
    let mut column_n: BTreeMap<String, BTreeSet<Key>> = BTreeMap::new();
    let mut all_n: BTreeSet<Key> = BTreeSet::new();
    match unit {
        Unit::Codings => {
            for f in &facts {
                let doc = &study.corpus.docs[f.doc_index];
                let cols = columns_of(study, across, doc, f.participant.as_deref());
                if cols.is_empty() {
                    continue;
                }
                all_n.insert(f.coding_id.clone());
                for c in cols {
                    column_n.entry(c).or_default().insert(f.coding_id.clone());
                }
            }
        }
        Unit::Documents | Unit::Participants => {
            for doc in &study.corpus.docs {
                let units: Vec<Key> = if unit == Unit::Documents {
                    vec![doc.id.clone()]
                } else {
                    participants_of(study, doc).into_iter().collect()
                };
                if across.per_participant() {
                    // Per participant who speaks in the document: the documents (or
                    // participants) of each column; n counts only those.
                    for p in participants_of(study, doc) {
                        let key = if unit == Unit::Documents {
                            doc.id.clone()
                        } else {
                            p.clone()
                        };
                        for c in columns_of(study, across, doc, Some(&p)) {
                            column_n.entry(c).or_default().insert(key.clone());
                        }
                        all_n.insert(key);
                    }
                    continue;
                }
                for c in columns_of(study, across, doc, None) {
                    column_n.entry(c).or_default().extend(units.iter().cloned());
                }
                all_n.extend(units);
            }
        }
    }
    // The numerators: per code and column, the units its codings fall in.
    let mut cells: BTreeMap<(String, String), BTreeSet<Key>> = BTreeMap::new();
    let mut row_units: BTreeMap<String, BTreeSet<Key>> = BTreeMap::new();
    let mut left_out = 0;
    for f in &facts {
        let doc = &study.corpus.docs[f.doc_index];
        let cols = columns_of(study, across, doc, f.participant.as_deref());
        let key = match unit {
            Unit::Codings => Some(f.coding_id.clone()),
            Unit::Documents => Some(doc.id.clone()),
            Unit::Participants => f.participant.clone(),
        };
        let Some(key) = key.filter(|_| !cols.is_empty()) else {
            left_out += 1;
            continue;
        };
        for code in &f.lineage {
            row_units
                .entry(code.clone())
                .or_default()
                .insert(key.clone());
            for c in &cols {
                cells
                    .entry((code.clone(), c.clone()))
                    .or_default()
                    .insert(key.clone());
            }
        }
    }
    let coded: BTreeSet<&str> = row_units.keys().map(String::as_str).collect();
    let rows = row_codes(book, codes, &coded)?;
    let mut values: Vec<String> = column_n.keys().cloned().collect();
    values.sort_by(|a, b| {
        let kind_rank = |v: &str| DocKind::parse(v).map(|k| k as usize);
        (a == NONE)
            .cmp(&(b == NONE))
            .then_with(|| match (kind_rank(a), kind_rank(b)) {
                (Some(x), Some(y)) if *across == Across::Kind => x.cmp(&y),
                _ => natural_cmp(a, b),
            })
    });
    let grand = all_n.len();
    let cell = |k: usize, row_total: usize, col_total: usize| match pct {
        None => k.to_string(),
        Some(Percent::Row) => format!("{k} ({})", percent(k, row_total)),
        Some(Percent::Col) => format!("{k} ({})", percent(k, col_total)),
        Some(Percent::Total) => format!("{k} ({})", percent(k, grand)),
    };
    let mut columns = vec![Column::left(format!("Code \\ {}", across.heading()))];
    columns.extend(values.iter().map(|v| Column::right(v.clone())));
    columns.push(Column::right("Total"));
    let mut table = Table {
        title: format!("Codes by {} ({})", across.heading(), unit.plural()),
        columns,
        ..Table::default()
    };
    for code in &rows {
        let rt = row_units.get(&code.id).map_or(0, BTreeSet::len);
        let mut row = vec![row_label(code, codes)];
        for v in &values {
            let k = cells
                .get(&(code.id.clone(), v.clone()))
                .map_or(0, BTreeSet::len);
            let ct = column_n.get(v).map_or(0, BTreeSet::len);
            row.push(cell(k, rt, ct));
        }
        row.push(cell(rt, rt, grand));
        table.rows.push(row);
    }
    table.rule_before = Some(table.rows.len());
    let mut n_row = vec![format!("n ({})", unit.plural())];
    n_row.extend(
        values
            .iter()
            .map(|v| column_n.get(v).map_or(0, BTreeSet::len).to_string()),
    );
    n_row.push(grand.to_string());
    table.rows.push(n_row);
    table.notes.push(format!(
        "Each cell counts the {} with a coding of the code or of a code below it{}; n is all {} in the column{}.",
        unit.plural(),
        match across {
            Across::Participant => ", said by that participant".to_string(),
            Across::Kind => String::new(),
            Across::Attribute(a) => format!(", in documents whose {a} is the column's value"),
            Across::ParticipantAttribute(a) =>
                format!(", said by a participant whose {a} is the column's value"),
        },
        unit.plural(),
        if unit == Unit::Codings {
            ""
        } else {
            " (coded or not)"
        },
    ));
    if let Across::ParticipantAttribute(a) = across
        && values.iter().any(|v| v == NONE)
    {
        table
            .notes
            .push(format!("{NONE}: participants without a {a} attribute."));
    }
    if let Across::Attribute(a) = across {
        if values.iter().any(|v| v == NONE) {
            table
                .notes
                .push(format!("{NONE}: documents without a {a} attribute."));
        }
        let many = study
            .corpus
            .docs
            .iter()
            .any(|d| matches!(d.attributes.get(a), Some(AttrValue::Many(_))));
        if many {
            table.notes.push(format!(
                "{a} takes several values: a document counts under each, so a row can add up to more than its total."
            ));
        }
    }
    if left_out > 0 {
        table.notes.push(format!(
            "{left_out} codings are not in the table: they are not said by a participant (issue posts, interviewers)."
        ));
    }
    if let Some(p) = pct {
        table.notes.push(match p {
            Percent::Row => "Percentages are of the row total.".to_string(),
            Percent::Col => "Percentages are of the column's n.".to_string(),
            Percent::Total => format!("Percentages are of all {grand} {}.", unit.plural()),
        });
    }
    if let Some(c) = coder {
        table.notes.push(format!("Codings by {c} only."));
    }
    Ok(table)
}

/// Codes crossed with codes: how many turns (or documents) carry both, each code
/// counting the codes below it. The diagonal is how many carry the code at all; a code
/// and one of its own descendants always co-occur, so their cells show "–".
pub fn cooccurrence(
    study: &Study,
    within: Within,
    codes: &[String],
    coder: Option<&str>,
) -> Result<Table> {
    let book = &study.codebook;
    let facts = span_facts(study, coder);
    let mut units: BTreeMap<String, BTreeSet<(usize, usize)>> = BTreeMap::new();
    for f in &facts {
        for code in &f.lineage {
            let set = units.entry(code.clone()).or_default();
            match within {
                Within::Turn => set.extend((f.first_turn..=f.last_turn).map(|t| (f.doc_index, t))),
                Within::Document => {
                    set.insert((f.doc_index, 0));
                }
            }
        }
    }
    let coded: BTreeSet<&str> = units.keys().map(String::as_str).collect();
    let codes = row_codes(book, codes, &coded)?;
    let unit = match within {
        Within::Turn => "turns",
        Within::Document => "documents",
    };
    let mut columns = vec![Column::left("Code")];
    columns.extend(codes.iter().map(|c| Column::right(c.name.clone())));
    let mut table = Table {
        title: format!("Code co-occurrence ({unit} with both codes)"),
        columns,
        ..Table::default()
    };
    let empty = BTreeSet::new();
    let related = |a: &str, b: &str| {
        a != b
            && (book.ancestors(a).iter().any(|c| c.id == b)
                || book.ancestors(b).iter().any(|c| c.id == a))
    };
    for a in &codes {
        let ua = units.get(&a.id).unwrap_or(&empty);
        let mut row = vec![a.name.clone()];
        for b in &codes {
            if related(&a.id, &b.id) {
                row.push("–".into());
                continue;
            }
            let ub = units.get(&b.id).unwrap_or(&empty);
            row.push(ua.intersection(ub).count().to_string());
        }
        table.rows.push(row);
    }
    table.notes.push(format!(
        "Each cell counts the {unit} coded with both codes (each code with the codes below it); the diagonal counts the {unit} coded with the code.{}",
        match within {
            Within::Turn => " A coding counts for every turn it covers.",
            Within::Document => "",
        }
    ));
    if codes
        .iter()
        .enumerate()
        .any(|(i, a)| codes.iter().skip(i + 1).any(|b| related(&a.id, &b.id)))
    {
        table
            .notes
            .push("–: a code and a code below it, which always co-occur.".into());
    }
    if let Some(c) = coder {
        table.notes.push(format!("Codings by {c} only."));
    }
    Ok(table)
}
