//! The codebook (temporary stub until the codebook module lands).
use std::collections::HashMap;
use std::path::{Path, PathBuf};
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    One,
    Many,
}
#[derive(Debug, Clone)]
pub struct Code {
    pub id: String,
    pub name: String,
    pub select: Option<Select>,
    pub parent: Option<usize>,
}
#[derive(Debug, Clone, Default)]
pub struct Codebook {
    pub codes: Vec<Code>,
}
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}
impl Codebook {
    pub fn load(_dir: &Path) -> crate::Result<Codebook> {
        Ok(Codebook {
            codes: vec![Code {
                id: "perf".into(),
                name: "Perf".into(),
                select: None,
                parent: None,
            }],
        })
    }
    pub fn check(dir: &Path) -> (Option<Codebook>, Vec<Problem>) {
        (Codebook::load(dir).ok(), vec![])
    }
    pub fn get(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }
    pub fn resolve(&self, l: &str) -> Option<&Code> {
        self.get(l)
    }
    pub fn dimension(&self, l: &str) -> Option<&Code> {
        self.get(l).filter(|c| c.select.is_some())
    }
    pub fn dimension_value(&self, _d: &str, l: &str) -> Option<&Code> {
        self.get(l)
    }
    pub fn render_tree(&self, _c: &HashMap<String, usize>) -> String {
        String::new()
    }
}
