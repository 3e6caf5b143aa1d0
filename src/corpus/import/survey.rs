//! Surveys (stub).
use super::ImportReport;
use crate::project::Project;
use crate::textio::Utf8Policy;
use std::path::PathBuf;
#[derive(Debug, Default)]
pub struct SurveyImportOptions {
    pub id_column: Option<String>,
    pub text_columns: Vec<String>,
    pub name: Option<String>,
    pub utf8: Utf8Policy,
}
pub fn import_survey(
    _p: &Project,
    _paths: &[PathBuf],
    _o: &SurveyImportOptions,
) -> crate::Result<ImportReport> {
    Err(crate::Error::Input("todo".into()))
}
