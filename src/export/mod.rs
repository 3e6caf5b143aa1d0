//! Output for papers: quote tables, counts and crosstabs (of records and of span codes),
//! and raw records, each built as one [`table::Table`] and rendered as LaTeX, Markdown,
//! CSV, HTML or JSON; and the documents built from them (the report, the findings),
//! each a [`page::Page`] rendered as HTML, Markdown or LaTeX.

pub mod chart;
pub mod codes;
pub mod counts;
pub mod findings;
pub mod page;
pub mod png;
pub mod quotes;
pub mod report;
pub mod table;
