//! CSV tables (stub).
#[derive(Debug, Default)]
pub struct ColumnMap;
impl ColumnMap {
    pub fn parse(_s: &str) -> Result<ColumnMap, String> {
        Ok(ColumnMap)
    }
}
