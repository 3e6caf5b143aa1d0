//! A page of several parts — headings, paragraphs, lists, tables and quotes — for the
//! exports that are documents rather than one table (the report, the findings),
//! rendered as one self-contained HTML file, Markdown or LaTeX. Every piece of text is
//! untrusted and escaped with the table module's escapers.

use std::fmt::Write as _;

use super::table::{Format, Table, html_escape, html_head, latex_escape, markdown_escape};

/// The formats a page is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PageFormat {
    Html,
    Markdown,
    Latex,
}

impl PageFormat {
    /// The format `path`'s extension names (`.html`, `.md`, `.tex`), if any.
    pub fn from_extension(path: &std::path::Path) -> Option<PageFormat> {
        let ext = path.extension()?.to_string_lossy().to_lowercase();
        match ext.as_str() {
            "html" | "htm" => Some(PageFormat::Html),
            "md" | "markdown" => Some(PageFormat::Markdown),
            "tex" => Some(PageFormat::Latex),
            _ => None,
        }
    }
}

/// One part of a page.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading of level 1 (the page's sections) to 3.
    Heading(u8, String),
    /// A paragraph.
    Text(String),
    /// A paragraph whose first words are emphasised (`Include:` …).
    Labelled(String, String),
    /// A bulleted list.
    List(Vec<String>),
    Table(Table),
    /// An excerpt with its quote id and source.
    Quote {
        id: String,
        text: String,
        source: String,
    },
}

/// A titled sequence of blocks.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Page {
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// Renders the page in `format`.
    pub fn render(&self, format: PageFormat) -> String {
        match format {
            PageFormat::Html => self.html(),
            PageFormat::Markdown => self.markdown(),
            PageFormat::Latex => self.latex(),
        }
    }

    fn html(&self) -> String {
        let mut out = html_head(&self.title);
        let _ = writeln!(out, "<h1>{}</h1>", html_escape(&self.title));
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let h = (level + 1).clamp(2, 4);
                    let _ = writeln!(out, "<h{h}>{}</h{h}>", html_escape(text));
                }
                Block::Text(text) => {
                    let _ = writeln!(out, "<p>{}</p>", html_escape(text));
                }
                Block::Labelled(label, text) => {
                    let _ = writeln!(
                        out,
                        "<p><em>{}</em> {}</p>",
                        html_escape(label),
                        html_escape(text)
                    );
                }
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for item in items {
                        let _ = writeln!(out, "<li>{}</li>", html_escape(item));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(table) => out.push_str(&table.html_fragment()),
                Block::Quote { id, text, source } => {
                    let _ = writeln!(
                        out,
                        "<blockquote><p>“{}”</p><footer>— {} <small>({})</small></footer></blockquote>",
                        html_escape(text),
                        html_escape(source),
                        html_escape(id)
                    );
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", markdown_escape(&self.title));
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let hashes = "#".repeat(usize::from(level + 1).clamp(2, 4));
                    let _ = writeln!(out, "{hashes} {}\n", markdown_escape(text));
                }
                Block::Text(text) => {
                    let _ = writeln!(out, "{}\n", markdown_escape(text));
                }
                Block::Labelled(label, text) => {
                    let _ = writeln!(
                        out,
                        "*{}* {}\n",
                        markdown_escape(label),
                        markdown_escape(text)
                    );
                }
                Block::List(items) => {
                    for item in items {
                        let _ = writeln!(out, "- {}", markdown_escape(item));
                    }
                    out.push('\n');
                }
                Block::Table(table) => {
                    out.push_str(&table.render(Format::Markdown));
                    out.push('\n');
                }
                Block::Quote { id, text, source } => {
                    let _ = writeln!(
                        out,
                        "> “{}” — {} ({})\n",
                        markdown_escape(text),
                        markdown_escape(source),
                        markdown_escape(id)
                    );
                }
            }
        }
        out
    }

    fn latex(&self) -> String {
        let mut out = String::from(
            "% Written by gloss. \\input it into a document that loads \\usepackage{booktabs,longtable,array}\n% (and, with pdflatex, \\usepackage[utf8]{inputenc}; text in other scripts needs lualatex).\n",
        );
        let _ = writeln!(out, "\\section*{{{}}}", latex_escape(&self.title));
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let command = match level {
                        1 => "subsection*",
                        2 => "subsubsection*",
                        _ => "paragraph*",
                    };
                    let _ = writeln!(out, "\\{command}{{{}}}", latex_escape(text));
                }
                Block::Text(text) => {
                    let _ = writeln!(out, "{}\n", latex_escape(text));
                }
                Block::Labelled(label, text) => {
                    let _ = writeln!(
                        out,
                        "\\emph{{{}}} {}\n",
                        latex_escape(label),
                        latex_escape(text)
                    );
                }
                Block::List(items) => {
                    out.push_str("\\begin{itemize}\n");
                    for item in items {
                        let _ = writeln!(out, "\\item {}", latex_escape(item));
                    }
                    out.push_str("\\end{itemize}\n");
                }
                Block::Table(table) => out.push_str(&table.render(Format::Latex)),
                Block::Quote { id, text, source } => {
                    let _ = writeln!(
                        out,
                        "\\begin{{quote}}\n“{}” --- {} ({})\n\\end{{quote}}",
                        latex_escape(text),
                        latex_escape(source),
                        latex_escape(id)
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_is_escaped_in_every_format() {
        let hostile = "<script>alert(1)</script> \\input{x} | *y* # 100%";
        let page = Page {
            title: hostile.into(),
            blocks: vec![
                Block::Heading(1, hostile.into()),
                Block::Text(hostile.into()),
                Block::Labelled(hostile.into(), hostile.into()),
                Block::List(vec![hostile.into()]),
                Block::Quote {
                    id: hostile.into(),
                    text: hostile.into(),
                    source: hostile.into(),
                },
            ],
        };
        let html = page.render(PageFormat::Html);
        assert!(!html.contains("<script>"), "{html}");
        let latex = page.render(PageFormat::Latex);
        assert!(!latex.contains("\\input{"), "{latex}");
        assert!(!latex.contains(" 100%"), "{latex}");
        let md = page.render(PageFormat::Markdown);
        assert!(!md.contains("<script>"), "{md}");
        assert!(!md.contains(" | "), "{md}");
    }
}
