//! Counts behind a paper's figures: instrument records by one dimension or crossed by
//! two (with row, column or total percentages, totals and n), span codes counted both as
//! codings and as the documents and participants they occur in, and the raw records as a
//! replication package's spreadsheet.

use std::collections::{BTreeMap, BTreeSet};

use crate::codebook::{Code, Codebook, Select};
use crate::coding::Record;
use crate::study::Study;
use crate::{Error, Result};

use super::table::{Column, Table};

/// Which percentages a crosstab shows beside its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Percent {
    Row,
    Col,
    Total,
}

/// The records one coder made, leaving out documents that coder excluded. With no
/// coder named, the study must hold one coder's records only.
pub fn records_of<'a>(study: &'a Study, coder: Option<&str>) -> Result<(String, Vec<&'a Record>)> {
    let coders: BTreeSet<&str> = study.codings.records().map(|(c, _)| c).collect();
    let coder = match coder {
        Some(c) => c.to_string(),
        None => {
            match coders.iter().collect::<Vec<_>>().as_slice() {
                [] => return Err(Error::Input(
                    "no coder has made instrument records yet (gloss record, gloss import codings)"
                        .into(),
                )),
                [one] => one.to_string(),
                many => {
                    return Err(Error::Input(format!(
                        "{} coders made records ({}); choose whose to count with --of CODER (of: in findings.yaml)",
                        many.len(),
                        many.iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    };
    let excluded: BTreeSet<&str> = study
        .codings
        .statuses()
        .filter(|(c, s)| *c == coder && s.excluded.is_some())
        .map(|(_, s)| s.doc.as_str())
        .collect();
    let mut records: Vec<&Record> = study
        .codings
        .records()
        .filter(|(c, r)| *c == coder && !excluded.contains(r.doc.as_str()))
        .map(|(_, r)| r)
        .collect();
    records.sort_by(|a, b| {
        crate::corpus::docfile::natural_cmp(&a.doc, &b.doc).then(a.number.cmp(&b.number))
    });
    Ok((coder, records))
}

/// The dimension's values as counted: its direct children, in codebook order (a value
/// chosen below one of them counts for it).
fn categories<'a>(book: &'a Codebook, dim: &Code) -> Vec<&'a Code> {
    dim.children
        .iter()
        .filter_map(|&i| book.codes.get(i))
        .collect()
}

/// The categories of `dim` that a record's values fall in (several for `select: many`).
pub(crate) fn record_categories(book: &Codebook, dim: &Code, record: &Record) -> Vec<String> {
    let mut out = Vec::new();
    for value in record.values.get(&dim.id).into_iter().flatten() {
        let mut id = value.as_str();
        // Walk up to the dimension's direct child.
        for ancestor in book.ancestors(value) {
            if ancestor.id == dim.id {
                break;
            }
            id = ancestor.id.as_str();
        }
        if !out.iter().any(|o: &String| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// Records counted by one dimension, or crossed by two.
pub fn record_counts(
    study: &Study,
    by: &[String],
    pct: Option<Percent>,
    coder: Option<&str>,
) -> Result<Table> {
    let book = &study.codebook;
    let dims: Vec<&Code> = by
        .iter()
        .map(|d| {
            book.dimension(d).ok_or_else(|| {
                Error::Input(format!(
                    "no dimension {d:?} in the codebook; `gloss codebook show` lists them"
                ))
            })
        })
        .collect::<Result<_>>()?;
    let (coder, records) = records_of(study, coder)?;
    let n = records.len();
    let mut notes = vec![format!(
        "n = {n} records by {coder}{}.",
        excluded_note(study, &coder)
    )];
    for dim in &dims {
        if dim.select == Some(Select::Many) {
            notes.push(format!(
                "{} takes several values: a record is counted once under each of its values, so counts can add up to more than n.",
                dim.name
            ));
        }
    }
    match dims.as_slice() {
        [dim] => {
            let cats = categories(book, dim);
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            let mut none = 0;
            for r in &records {
                let cs = record_categories(book, dim, r);
                if cs.is_empty() {
                    none += 1;
                }
                for c in cs {
                    *counts.entry(c).or_default() += 1;
                }
            }
            let mut table = Table {
                title: format!("{} (n = {n})", dim.name),
                columns: vec![
                    Column::left(dim.name.clone()),
                    Column::right("n"),
                    Column::right("%"),
                ],
                ..Table::default()
            };
            for c in cats {
                let k = counts.get(&c.id).copied().unwrap_or(0);
                table
                    .rows
                    .push(vec![c.name.clone(), k.to_string(), percent(k, n)]);
            }
            if none > 0 {
                table.rows.push(vec![
                    "(not coded)".into(),
                    none.to_string(),
                    percent(none, n),
                ]);
            }
            table.rule_before = Some(table.rows.len());
            table
                .rows
                .push(vec!["Total".into(), n.to_string(), percent(n, n)]);
            table.notes = notes;
            Ok(table)
        }
        [rows_dim, cols_dim] => {
            let Cross {
                row_cats,
                col_cats,
                cells,
                row_totals,
                col_totals,
                uncoded,
            } = cross(book, rows_dim, cols_dim, &records);
            let counted = n - uncoded;
            if uncoded > 0 {
                notes.push(format!(
                    "{uncoded} records lack a value for {} or {} and are not in the table.",
                    rows_dim.name, cols_dim.name
                ));
            }
            let mut columns = vec![Column::left(format!(
                "{} \\ {}",
                rows_dim.name, cols_dim.name
            ))];
            columns.extend(col_cats.iter().map(|c| Column::right(c.name.clone())));
            columns.push(Column::right("Total"));
            let cell = |k: usize, row_total: usize, col_total: usize| match pct {
                None => k.to_string(),
                Some(Percent::Row) => format!("{k} ({})", percent(k, row_total)),
                Some(Percent::Col) => format!("{k} ({})", percent(k, col_total)),
                Some(Percent::Total) => format!("{k} ({})", percent(k, counted)),
            };
            let mut table = Table {
                title: format!("{} by {} (n = {counted})", rows_dim.name, cols_dim.name),
                columns,
                ..Table::default()
            };
            let grand: usize = counted;
            for a in &row_cats {
                let rt = row_totals.get(&a.id).copied().unwrap_or(0);
                let mut row = vec![a.name.clone()];
                for b in &col_cats {
                    let ct = col_totals.get(&b.id).copied().unwrap_or(0);
                    let k = cells
                        .get(&(a.id.clone(), b.id.clone()))
                        .copied()
                        .unwrap_or(0);
                    row.push(cell(k, rt, ct));
                }
                row.push(cell(rt, rt, grand));
                table.rows.push(row);
            }
            table.rule_before = Some(table.rows.len());
            let mut total_row = vec!["Total".to_string()];
            for b in &col_cats {
                let ct = col_totals.get(&b.id).copied().unwrap_or(0);
                total_row.push(cell(ct, grand, ct));
            }
            total_row.push(cell(grand, grand, grand));
            table.rows.push(total_row);
            if let Some(p) = pct {
                notes.push(match p {
                    Percent::Row => "Percentages are of the row total.".to_string(),
                    Percent::Col => "Percentages are of the column total.".to_string(),
                    Percent::Total => format!("Percentages are of all {counted} records."),
                });
            }
            table.notes = notes;
            Ok(table)
        }
        _ => Err(Error::Input(
            "give one or two dimensions with --by (e.g. --by stage --by impact)".into(),
        )),
    }
}

/// Records crossed by two dimensions: counts per pair of categories, per row and per
/// column (a record counted once in each), and how many records lack either value.
pub struct Cross<'a> {
    pub row_cats: Vec<&'a Code>,
    pub col_cats: Vec<&'a Code>,
    pub cells: BTreeMap<(String, String), usize>,
    pub row_totals: BTreeMap<String, usize>,
    pub col_totals: BTreeMap<String, usize>,
    pub uncoded: usize,
}

/// Crosses `records` by two dimensions.
pub fn cross<'a>(
    book: &'a Codebook,
    rows_dim: &Code,
    cols_dim: &Code,
    records: &[&Record],
) -> Cross<'a> {
    let mut out = Cross {
        row_cats: categories(book, rows_dim),
        col_cats: categories(book, cols_dim),
        cells: BTreeMap::new(),
        row_totals: BTreeMap::new(),
        col_totals: BTreeMap::new(),
        uncoded: 0,
    };
    for r in records {
        let rs = record_categories(book, rows_dim, r);
        let cs = record_categories(book, cols_dim, r);
        if rs.is_empty() || cs.is_empty() {
            out.uncoded += 1;
            continue;
        }
        for a in &rs {
            *out.row_totals.entry(a.clone()).or_default() += 1;
        }
        for b in &cs {
            *out.col_totals.entry(b.clone()).or_default() += 1;
        }
        for a in &rs {
            for b in &cs {
                *out.cells.entry((a.clone(), b.clone())).or_default() += 1;
            }
        }
    }
    out
}

fn excluded_note(study: &Study, coder: &str) -> String {
    let n = study
        .codings
        .statuses()
        .filter(|(c, s)| *c == coder && s.excluded.is_some())
        .count();
    if n == 0 {
        String::new()
    } else {
        format!("; {n} excluded documents left out")
    }
}

/// Span codes: per code (its codings and those of codes below it), the number of
/// codings, of documents and of participants it occurs in ("7 of 12 participants").
/// With `codes`, only those codes (each with the codes below it).
pub fn code_counts(study: &Study, codes: &[String], coder: Option<&str>) -> Result<Table> {
    let book = &study.codebook;
    let facts = super::codes::span_facts(study, coder);
    let reach = super::codes::reach(&facts);
    let (all_docs, all_people) = super::codes::corpus_reach(study);
    let coded: BTreeSet<&str> = reach.keys().map(String::as_str).collect();
    let rows = super::codes::row_codes(book, codes, &coded)?;
    let mut table = Table {
        title: "Codes".into(),
        columns: vec![
            Column::left("Code"),
            Column::right("Codings"),
            Column::right("Documents"),
            Column::right("Participants"),
        ],
        ..Table::default()
    };
    let none = super::codes::Reach::default();
    for code in rows {
        let r = reach.get(&code.id).unwrap_or(&none);
        table.rows.push(vec![
            super::codes::row_label(code, codes),
            r.codings.to_string(),
            format!("{} of {all_docs}", r.documents.len()),
            format!("{} of {all_people}", r.participants.len()),
        ]);
    }
    table.notes.push(format!(
        "A code counts its own codings and those of the codes below it{}.",
        coder.map_or(String::new(), |c| format!("; codings by {c} only"))
    ));
    Ok(table)
}

/// The raw records, one row per record with a column per dimension (values joined by
/// `; `), like a replication package's spreadsheet.
pub fn records_table(study: &Study, coder: Option<&str>) -> Result<Table> {
    let book = &study.codebook;
    let (coder, records) = records_of(study, coder)?;
    let dims = book.dimensions();
    let mut columns = vec![Column::left("document"), Column::right("record")];
    columns.extend(dims.iter().map(|d| Column::left(d.id.clone())));
    columns.push(Column::wrap("memo"));
    let mut table = Table {
        title: format!("Records by {coder}"),
        columns,
        ..Table::default()
    };
    for r in records {
        let mut row = vec![r.doc.clone(), r.number.to_string()];
        for d in &dims {
            let names: Vec<String> = r
                .values
                .get(&d.id)
                .into_iter()
                .flatten()
                .map(|v| book.get(v).map_or_else(|| v.clone(), |c| c.name.clone()))
                .collect();
            row.push(names.join("; "));
        }
        row.push(r.memo.clone().unwrap_or_default());
        table.rows.push(row);
    }
    Ok(table)
}

/// The codebook as a table: code path, definition, include / exclude criteria, an
/// example (optional), and how many codings and documents each code has (its own and
/// those of the codes below it).
pub fn codebook_table(study: &Study, examples: bool) -> Table {
    let book = &study.codebook;
    let mut codings: BTreeMap<&str, usize> = BTreeMap::new();
    let mut documents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, span) in study.codings.spans() {
        let doc = study.project.meta.current_id(&span.doc);
        let mut lineage = vec![span.code.as_str()];
        lineage.extend(book.ancestors(&span.code).iter().map(|c| c.id.as_str()));
        for id in lineage {
            *codings.entry(id).or_default() += 1;
            documents.entry(id).or_default().insert(doc);
        }
    }
    let mut columns = vec![
        Column::left("Code"),
        Column::wrap("Definition"),
        Column::wrap("Include"),
        Column::wrap("Exclude"),
    ];
    if examples {
        columns.push(Column::wrap("Example"));
    }
    columns.push(Column::right("Codings"));
    columns.push(Column::right("Documents"));
    let mut table = Table {
        title: "Codebook".into(),
        columns,
        ..Table::default()
    };
    for code in &book.codes {
        if code.retired || code.select.is_some() || code.dimension.is_some() {
            continue;
        }
        let mut row = vec![
            book.name_path(&code.id)
                .unwrap_or_else(|| code.name.clone()),
            code.description.clone(),
            code.include.clone(),
            code.exclude.clone(),
        ];
        if examples {
            row.push(code.example.clone());
        }
        row.push(
            codings
                .get(code.id.as_str())
                .copied()
                .unwrap_or(0)
                .to_string(),
        );
        row.push(
            documents
                .get(code.id.as_str())
                .map_or(0, BTreeSet::len)
                .to_string(),
        );
        table.rows.push(row);
    }
    table.notes.push(
        "Counts include the codings of codes below each code. Instrument dimensions are exported with `gloss export counts`."
            .into(),
    );
    table
}

/// A bar chart of records by one dimension, or by two (bars of the first, segments of
/// the second), in counts or — with `percent` — percentages of each bar's records.
pub fn record_chart(
    study: &Study,
    by: &[String],
    percent: bool,
    layout: super::chart::Layout,
    coder: Option<&str>,
) -> Result<super::chart::Chart> {
    let book = &study.codebook;
    let dims: Vec<&Code> = by
        .iter()
        .map(|d| {
            book.dimension(d).ok_or_else(|| {
                Error::Input(format!(
                    "no dimension {d:?} in the codebook; `gloss codebook show` lists them"
                ))
            })
        })
        .collect::<Result<_>>()?;
    let (_, records) = records_of(study, coder)?;
    let share = |k: usize, total: usize| {
        if percent && total > 0 {
            100.0 * k as f64 / total as f64
        } else {
            k as f64
        }
    };
    let (title, rows, series, values) = match dims.as_slice() {
        [dim] => {
            let cats = categories(book, dim);
            let n = records.len();
            let values = cats
                .iter()
                .map(|c| {
                    let k = records
                        .iter()
                        .filter(|r| record_categories(book, dim, r).contains(&c.id))
                        .count();
                    vec![share(k, n)]
                })
                .collect();
            (
                format!("{} (n = {n})", dim.name),
                cats.iter().map(|c| c.name.clone()).collect(),
                vec![if percent {
                    "% of records".to_string()
                } else {
                    "records".to_string()
                }],
                values,
            )
        }
        [rows_dim, cols_dim] => {
            let x = cross(book, rows_dim, cols_dim, &records);
            let values = x
                .row_cats
                .iter()
                .map(|a| {
                    let total = x.row_totals.get(&a.id).copied().unwrap_or(0);
                    x.col_cats
                        .iter()
                        .map(|b| {
                            let k = x
                                .cells
                                .get(&(a.id.clone(), b.id.clone()))
                                .copied()
                                .unwrap_or(0);
                            share(k, total)
                        })
                        .collect()
                })
                .collect();
            (
                format!(
                    "{} by {}{} (n = {})",
                    cols_dim.name,
                    rows_dim.name,
                    if percent { ", % of each row" } else { "" },
                    records.len() - x.uncoded
                ),
                x.row_cats.iter().map(|c| c.name.clone()).collect(),
                x.col_cats.iter().map(|c| c.name.clone()).collect(),
                values,
            )
        }
        _ => {
            return Err(Error::Input(
                "give one or two dimensions with --by (e.g. --by stage --by impact)".into(),
            ));
        }
    };
    Ok(super::chart::Chart {
        title,
        rows,
        series,
        values,
        percent,
        layout,
    })
}
