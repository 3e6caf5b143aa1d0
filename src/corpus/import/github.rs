//! GitHub issue threads (stub).
use super::ImportReport;
use super::table::ColumnMap;
use crate::project::Project;
use crate::textio::Utf8Policy;
use std::path::PathBuf;
#[derive(Debug, Default)]
pub struct IssueImportOptions {
    pub repo: Option<String>,
    pub map: Option<ColumnMap>,
    pub include_prs: bool,
    pub state: Option<String>,
    pub min_comments: Option<usize>,
    pub labels: Vec<String>,
    pub attrs: Vec<(String, String)>,
    pub utf8: Utf8Policy,
}
pub fn import_issues(
    _p: &Project,
    _paths: &[PathBuf],
    _o: &IssueImportOptions,
) -> crate::Result<ImportReport> {
    Err(crate::Error::Input("todo".into()))
}
