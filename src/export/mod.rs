//! Output for papers: quote tables, counts and crosstabs (of records and of span codes),
//! and raw records, each built as one [`table::Table`] and rendered as LaTeX, Markdown,
//! CSV, HTML or JSON.

pub mod chart;
pub mod codes;
pub mod counts;
pub mod quotes;
pub mod table;
