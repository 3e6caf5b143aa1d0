//! One table model for every export (quotes, counts, records) and its renderings:
//! LaTeX (booktabs, longtable when long), Markdown, CSV (RFC 4180, formula-defused),
//! self-contained HTML and JSON. Every cell is untrusted text: each format escapes all
//! of it, so a quote can never become markup, a TeX command or a spreadsheet formula.

use std::fmt::Write as _;

use serde::Serialize;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Latex,
    Markdown,
    Csv,
    Html,
    Json,
}

impl Format {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Latex => "tex",
            Format::Markdown => "md",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

/// How a column is laid out in LaTeX and HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    Right,
    /// Long text: a wrapping paragraph column in LaTeX.
    Wrap,
}

/// A column: its heading and alignment.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub heading: String,
    pub align: Align,
}

impl Column {
    pub fn left(heading: impl Into<String>) -> Column {
        Column {
            heading: heading.into(),
            align: Align::Left,
        }
    }
    pub fn right(heading: impl Into<String>) -> Column {
        Column {
            heading: heading.into(),
            align: Align::Right,
        }
    }
    pub fn wrap(heading: impl Into<String>) -> Column {
        Column {
            heading: heading.into(),
            align: Align::Wrap,
        }
    }
}

/// A table: a title, columns, rows of text cells, and notes printed below it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// A row index before which a rule is drawn (e.g. a totals row), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_before: Option<usize>,
    pub notes: Vec<String>,
}

/// The style sheet of every HTML export: readable on screen and in print.
const HTML_STYLE: &str = "<style>\nbody{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;color:#111}\n\
table{border-collapse:collapse;width:100%;margin:1em 0}caption{font-weight:bold;text-align:left;margin-bottom:.5em}\n\
th,td{border-top:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:left}\n\
th{border-bottom:2px solid #333}td.r,th.r{text-align:right}tr.rule td{border-top:2px solid #333}\n\
blockquote{margin:.5em 0 .5em 1.5em;padding-left:.8em;border-left:3px solid #999}\n\
@media print{body{margin:0;max-width:none}tr,blockquote{page-break-inside:avoid}}\n</style>\n";

/// The start of a self-contained HTML file, up to and including `<body>`: UTF-8, the
/// escaped title, [`HTML_STYLE`].
pub fn html_head(title: &str) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>{}</title>", html_escape(title));
    out.push_str(HTML_STYLE);
    out.push_str("</head>\n<body>\n");
    out
}

/// Above this many rows a LaTeX table is a `longtable` (which breaks across pages).
pub const LONGTABLE_ROWS: usize = 30;

impl Table {
    /// Renders the table in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Latex => self.latex(),
            Format::Markdown => self.markdown(),
            Format::Csv => self.csv(),
            Format::Html => self.html(),
            Format::Json => self.json(),
        }
    }

    fn latex(&self) -> String {
        let long = self.rows.len() > LONGTABLE_ROWS;
        let mut out = String::new();
        out.push_str(
            "% Written by gloss. Needs \\usepackage{booktabs,longtable,array} (and, with\n",
        );
        out.push_str(
            "% pdflatex, \\usepackage[utf8]{inputenc}; text in other scripts needs lualatex).\n",
        );
        let wraps = self
            .columns
            .iter()
            .filter(|c| c.align == Align::Wrap)
            .count()
            .max(1);
        // Wrapping columns share what the fixed ones leave of the line.
        let share = 0.62 / wraps as f64;
        let spec: String = self
            .columns
            .iter()
            .map(|c| match c.align {
                Align::Left => "l".to_string(),
                Align::Right => "r".to_string(),
                Align::Wrap => {
                    format!(">{{\\raggedright\\arraybackslash}}p{{{share:.2}\\linewidth}}")
                }
            })
            .collect();
        let head: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("\\textbf{{{}}}", latex_escape(&c.heading)))
            .collect();
        let head = head.join(" & ");
        let title = latex_escape(&self.title);
        if long {
            let _ = writeln!(out, "\\begin{{longtable}}{{{spec}}}");
            if !title.is_empty() {
                let _ = writeln!(out, "\\caption{{{title}}}\\\\");
            }
            let _ = writeln!(out, "\\toprule\n{head} \\\\\n\\midrule\n\\endfirsthead");
            let _ = writeln!(out, "\\toprule\n{head} \\\\\n\\midrule\n\\endhead");
            let _ = writeln!(out, "\\bottomrule\n\\endlastfoot");
        } else {
            out.push_str("\\begin{table}[htbp]\n\\centering\n");
            if !title.is_empty() {
                let _ = writeln!(out, "\\caption{{{title}}}");
            }
            let _ = writeln!(
                out,
                "\\begin{{tabular}}{{{spec}}}\n\\toprule\n{head} \\\\\n\\midrule"
            );
        }
        for (i, row) in self.rows.iter().enumerate() {
            if self.rule_before == Some(i) {
                out.push_str("\\midrule\n");
            }
            for (j, cell) in row.iter().enumerate() {
                if j > 0 {
                    out.push_str(" & ");
                }
                latex_escape_into(&mut out, cell);
            }
            out.push_str(" \\\\\n");
        }
        if long {
            out.push_str("\\end{longtable}\n");
        } else {
            out.push_str("\\bottomrule\n\\end{tabular}\n");
        }
        for note in &self.notes {
            let _ = writeln!(
                out,
                "\\par\\smallskip{{\\footnotesize {}}}",
                latex_escape(note)
            );
        }
        if !long {
            out.push_str("\\end{table}\n");
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            let _ = writeln!(out, "**{}**\n", markdown_escape(&self.title));
        }
        let head: Vec<String> = self
            .columns
            .iter()
            .map(|c| markdown_escape(&c.heading))
            .collect();
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let rule: Vec<&str> = self
            .columns
            .iter()
            .map(|c| match c.align {
                Align::Right => "---:",
                _ => "---",
            })
            .collect();
        let _ = writeln!(out, "| {} |", rule.join(" | "));
        for row in &self.rows {
            out.push('|');
            for cell in row {
                out.push(' ');
                markdown_escape_into(&mut out, cell);
                out.push_str(" |");
            }
            out.push('\n');
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n{}", markdown_escape(note));
        }
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        let head: Vec<String> = self.columns.iter().map(|c| csv_cell(&c.heading)).collect();
        out.push_str(&head.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }

    fn html(&self) -> String {
        let mut out = html_head(&self.title);
        self.html_fragment_into(&mut out);
        out.push_str("</body>\n</html>\n");
        out
    }

    /// The table as an HTML `<table>` element with its notes, for a page that holds
    /// several (the report); [`HTML_STYLE`] styles it.
    pub fn html_fragment(&self) -> String {
        let mut out = String::new();
        self.html_fragment_into(&mut out);
        out
    }

    fn html_fragment_into(&self, out: &mut String) {
        out.push_str("<table>\n");
        if !self.title.is_empty() {
            let _ = writeln!(out, "<caption>{}</caption>", html_escape(&self.title));
        }
        out.push_str("<thead><tr>");
        for c in &self.columns {
            let class = if c.align == Align::Right {
                " class=\"r\""
            } else {
                ""
            };
            let _ = write!(out, "<th{class}>{}</th>", html_escape(&c.heading));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(if self.rule_before == Some(i) {
                "<tr class=\"rule\">"
            } else {
                "<tr>"
            });
            for (j, cell) in row.iter().enumerate() {
                let right = self.columns.get(j).is_some_and(|c| c.align == Align::Right);
                let class = if right { " class=\"r\"" } else { "" };
                let _ = write!(out, "<td{class}>");
                html_escape_into(out, cell);
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        for note in &self.notes {
            let _ = writeln!(out, "<p><small>{}</small></p>", html_escape(note));
        }
    }

    fn json(&self) -> String {
        // Written directly (one row object per line) rather than through a
        // serde_json::Value tree: tens of thousands of rows stay fast.
        let string = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let keys: Vec<String> = self.columns.iter().map(|c| string(&c.heading)).collect();
        let mut out = String::with_capacity(self.rows.len() * 256);
        let _ = write!(
            out,
            "{{\n  \"title\": {},\n  \"columns\": [{}],\n  \"rows\": [",
            string(&self.title),
            keys.join(", ")
        );
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(if i == 0 { "\n    {" } else { ",\n    {" });
            for (j, (key, cell)) in keys.iter().zip(row).enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push_str(": ");
                out.push_str(&string(cell));
            }
            out.push('}');
        }
        out.push_str(if self.rows.is_empty() { "]" } else { "\n  ]" });
        if !self.notes.is_empty() {
            let notes: Vec<String> = self.notes.iter().map(|n| string(n)).collect();
            let _ = write!(out, ",\n  \"notes\": [{}]", notes.join(", "));
        }
        out.push_str("\n}\n");
        out
    }
}

/// Escapes text for LaTeX (text mode): the ten special characters, plus control
/// characters dropped and newlines as spaces, so no input can run a command (`\input`,
/// `\write18`) or break the table. Non-ASCII text passes through as UTF-8.
pub fn latex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    latex_escape_into(&mut out, text);
    out
}

/// [`latex_escape`] appending to `out`.
pub fn latex_escape_into(out: &mut String, text: &str) {
    if is_plain(text, b"\\{}$&#%_^~<>|\"") {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '$' => out.push_str("\\$"),
            '&' => out.push_str("\\&"),
            '#' => out.push_str("\\#"),
            '%' => out.push_str("\\%"),
            '_' => out.push_str("\\_"),
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            // Ligature-forming and spacing characters that change meaning in TeX.
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            // U+00A0 and other spaces: a plain space is safe in every engine.
            '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => {
                out.push(' ')
            }
            c if c.is_control() => {}
            // Zero-width and bidi format characters have no glyph in TeX fonts.
            '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}' => {}
            c => out.push(c),
        }
    }
}

/// True when `text` is printable ASCII (spaces allowed) without any of `special`:
/// such text needs no escaping (the common case, copied at once).
fn is_plain(text: &str, special: &[u8]) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && !special.contains(&b))
}

/// Escapes a Markdown table cell: pipes, backslashes, and characters that start markup
/// (`*_`<>[]`), with newlines as `<br>`-free spaces.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    markdown_escape_into(&mut out, text);
    out
}

/// [`markdown_escape`] appending to `out`.
pub fn markdown_escape_into(out: &mut String, text: &str) {
    if is_plain(text, b"|\\*_`[]<>#~") {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    html_escape_into(&mut out, text);
    out
}

/// [`html_escape`] appending to `out`.
pub fn html_escape_into(out: &mut String, text: &str) {
    if is_plain(text, b"&<>\"'") {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// One RFC 4180 cell: quoted when it holds a comma, quote or line break; a cell that a
/// spreadsheet would run as a formula (starting with `= + - @`, a tab or a carriage
/// return) is prefixed with `'` so it stays text.
pub fn csv_cell(text: &str) -> String {
    let defused;
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        defused = format!("'{text}");
        defused.as_str()
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cells: &[&str]) -> Table {
        Table {
            title: "T".into(),
            columns: vec![Column::left("a"), Column::wrap("b")],
            rows: cells
                .iter()
                .map(|c| vec![c.to_string(), c.to_string()])
                .collect(),
            ..Table::default()
        }
    }

    const HOSTILE: &[&str] = &[
        "\\input{/etc/passwd}",
        "\\write18{rm -rf /}",
        "100% & more_{x}^2 $5 #1 ~",
        "=cmd|' /C calc'!A0",
        "<script>alert(1)</script>",
        "a | b",
        "+1",
        "-2",
        "@SUM(A1)",
        "\tx",
    ];

    #[test]
    fn latex_escapes_every_special_character() {
        let out = table(HOSTILE).render(Format::Latex);
        assert!(!out.contains("\\input{"), "{out}");
        assert!(!out.contains("\\write18"), "{out}");
        assert!(out.contains("\\textbackslash{}input\\{/etc/passwd\\}"));
        assert!(out.contains(
            "100\\% \\& more\\_\\{x\\}\\textasciicircum{}2 \\$5 \\#1 \\textasciitilde{}"
        ));
        // Every row ends with \\ and has exactly one & (two columns) outside escapes.
        for line in out
            .lines()
            .filter(|l| l.ends_with(" \\\\") && !l.contains("textbf"))
        {
            let unescaped = line.replace("\\&", "");
            assert_eq!(unescaped.matches('&').count(), 1, "{line}");
        }
    }

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        let out = table(HOSTILE).render(Format::Csv);
        let mut reader = csv::ReaderBuilder::new().from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), HOSTILE.len());
        for (row, input) in rows.iter().zip(HOSTILE) {
            let cell = &row[0];
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t']), "{cell:?}");
            assert_eq!(cell.trim_start_matches('\''), *input);
        }
    }

    #[test]
    fn html_and_markdown_are_inert() {
        let html = table(HOSTILE).render(Format::Html);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let md = table(HOSTILE).render(Format::Markdown);
        for line in md.lines().filter(|l| l.starts_with('|')) {
            let unescaped = line.replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 3, "{line}");
        }
        assert!(!md.contains("<script>"));
    }

    #[test]
    fn json_keeps_text_exact() {
        let out = table(HOSTILE).render(Format::Json);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["rows"][0]["a"], HOSTILE[0]);
    }

    #[test]
    fn long_tables_are_longtables() {
        let many: Vec<&str> = vec!["x"; LONGTABLE_ROWS + 1];
        assert!(
            table(&many)
                .render(Format::Latex)
                .contains("\\begin{longtable}")
        );
        assert!(
            table(&["x"])
                .render(Format::Latex)
                .contains("\\begin{tabular}")
        );
    }
}
