//! The part of QDA-XML 1.0 (REFI-QDA) that gloss reads and writes — users, codes,
//! variables, cases, text sources with selections and codings, notes — and the writer
//! of `project.qde` and `.qdc` files.
//!
//! The writer puts elements in the order the schema's sequences require, escapes every
//! value (in attributes also tabs and line breaks, which a parser would otherwise turn
//! into spaces), and writes nothing that depends on the time or the machine.

/// The namespace of `project.qde`.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The namespace of `.qdc` codebook files.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// A `project.qde` (or, with only codes, a `.qdc`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QdeProject {
    pub name: String,
    pub origin: Option<String>,
    pub users: Vec<User>,
    pub codes: Vec<QdeCode>,
    pub variables: Vec<Variable>,
    pub cases: Vec<Case>,
    pub sources: Vec<TextSource>,
    /// Sources of kinds gloss does not read (pictures, PDFs, audio, video), by element
    /// name, with their number of codings.
    pub other_sources: Vec<(String, String, usize)>,
    pub notes: Vec<Note>,
    /// Notes about the project as a whole.
    pub note_refs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub guid: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QdeCode {
    pub guid: String,
    pub name: String,
    pub codable: bool,
    pub color: Option<String>,
    pub description: Option<String>,
    pub note_refs: Vec<String>,
    pub children: Vec<QdeCode>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variable {
    pub guid: String,
    pub name: String,
    /// `Text`, `Boolean`, `Integer`, `Float`, `Date` or `DateTime`.
    pub kind: String,
}

/// A variable's value: the variable's GUID, the value element's name (`TextValue`, …)
/// and the value as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariableValue {
    pub variable: String,
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Case {
    pub guid: String,
    pub name: String,
    pub values: Vec<VariableValue>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextSource {
    pub guid: String,
    pub name: String,
    pub plain_text_path: Option<String>,
    /// The text given inline (`PlainTextContent`) instead of a file.
    pub content: Option<String>,
    pub creating_user: Option<String>,
    pub created: Option<String>,
    pub modified: Option<String>,
    pub selections: Vec<Selection>,
    /// Codings of the whole source.
    pub codings: Vec<Coding>,
    pub note_refs: Vec<String>,
    pub values: Vec<VariableValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub guid: String,
    pub name: String,
    /// As written: a number, perhaps negative or not a number at all (checked on import).
    pub start: String,
    pub end: String,
    pub creating_user: Option<String>,
    pub created: Option<String>,
    pub modified: Option<String>,
    pub codings: Vec<Coding>,
    pub note_refs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coding {
    pub guid: String,
    pub code: String,
    pub creating_user: Option<String>,
    pub created: Option<String>,
    pub note_refs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Note {
    pub guid: String,
    pub name: String,
    pub text: String,
    pub creating_user: Option<String>,
    pub created: Option<String>,
    pub modified: Option<String>,
}

/// Escapes text for element content.
pub fn escape_text(out: &mut String, s: &str) {
    if plain(s, false) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
}

/// True when `s` needs no escaping: no markup characters, no control characters
/// (in attributes not even tabs and line breaks), nothing XML cannot hold (U+FFFE and
/// U+FFFF are the only such characters above U+001F that a Rust string can hold; they
/// start with byte 0xEF, which is checked the slow way).
fn plain(s: &str, attr: bool) -> bool {
    s.bytes().all(|b| match b {
        b'&' | b'<' | b'>' | b'\r' | 0xEF => false,
        b'"' => !attr,
        b'\t' | b'\n' => !attr,
        b => b >= 0x20,
    })
}

/// Escapes text for an attribute value in double quotes, keeping tabs and line breaks
/// as character references so that they survive attribute normalisation.
pub fn escape_attr(out: &mut String, s: &str) {
    if plain(s, true) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
}

/// True for characters XML 1.0 allows in a document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Text with the characters XML cannot hold replaced by U+FFFD (and so the text that a
/// source file must hold for its positions to agree with what a tool reads).
pub fn xml_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(is_xml_char) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{fffd}' })
                .collect(),
        )
    }
}

/// An element being written: `<name a="v"` … then `/>` or `>` … `</name>`.
struct Tag<'a> {
    out: &'a mut String,
}

impl<'a> Tag<'a> {
    fn open(out: &'a mut String, name: &str) -> Tag<'a> {
        out.push('<');
        out.push_str(name);
        Tag { out }
    }

    fn attr(self, name: &str, value: &str) -> Self {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_attr(self.out, value);
        self.out.push('"');
        self
    }

    fn opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    fn empty(self) {
        self.out.push_str("/>\n");
    }

    fn start(self) {
        self.out.push_str(">\n");
    }
}

fn end(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

fn text_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_text(out, text);
    end(out, name);
}

fn refs(out: &mut String, name: &str, guids: &[String]) {
    for g in guids {
        Tag::open(out, name).attr("targetGUID", g).empty();
    }
}

/// Writes `project.qde`.
pub fn write_project(p: &QdeProject) -> String {
    let mut out = String::with_capacity(
        4096 + p
            .sources
            .iter()
            .map(|s| s.selections.len() * 600)
            .sum::<usize>(),
    );
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    Tag::open(&mut out, "Project")
        .attr("xmlns", PROJECT_NS)
        .attr("name", &p.name)
        .opt("origin", p.origin.as_deref())
        .start();
    if !p.users.is_empty() {
        Tag::open(&mut out, "Users").start();
        for u in &p.users {
            Tag::open(&mut out, "User")
                .attr("guid", &u.guid)
                .attr("name", &u.name)
                .empty();
        }
        end(&mut out, "Users");
    }
    if !p.codes.is_empty() {
        Tag::open(&mut out, "CodeBook").start();
        write_codes(&mut out, &p.codes, true);
        end(&mut out, "CodeBook");
    }
    if !p.variables.is_empty() {
        Tag::open(&mut out, "Variables").start();
        for v in &p.variables {
            Tag::open(&mut out, "Variable")
                .attr("guid", &v.guid)
                .attr("name", &v.name)
                .attr("typeOfVariable", &v.kind)
                .empty();
        }
        end(&mut out, "Variables");
    }
    if !p.cases.is_empty() {
        Tag::open(&mut out, "Cases").start();
        for c in &p.cases {
            Tag::open(&mut out, "Case")
                .attr("guid", &c.guid)
                .attr("name", &c.name)
                .start();
            write_values(&mut out, &c.values);
            refs(&mut out, "SourceRef", &c.sources);
            end(&mut out, "Case");
        }
        end(&mut out, "Cases");
    }
    if !p.sources.is_empty() {
        Tag::open(&mut out, "Sources").start();
        for s in &p.sources {
            write_source(&mut out, s);
        }
        end(&mut out, "Sources");
    }
    if !p.notes.is_empty() {
        Tag::open(&mut out, "Notes").start();
        for n in &p.notes {
            Tag::open(&mut out, "Note")
                .attr("guid", &n.guid)
                .attr("name", &n.name)
                .opt("creatingUser", n.creating_user.as_deref())
                .opt("creationDateTime", n.created.as_deref())
                .opt("modifiedDateTime", n.modified.as_deref())
                .start();
            text_element(&mut out, "PlainTextContent", &n.text);
            end(&mut out, "Note");
        }
        end(&mut out, "Notes");
    }
    refs(&mut out, "NoteRef", &p.note_refs);
    end(&mut out, "Project");
    out
}

/// Writes a `.qdc` codebook file.
pub fn write_codebook(codes: &[QdeCode], origin: &str) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    Tag::open(&mut out, "CodeBook")
        .attr("xmlns", CODEBOOK_NS)
        .attr("origin", origin)
        .start();
    write_codes(&mut out, codes, false);
    end(&mut out, "CodeBook");
    out
}

fn write_codes(out: &mut String, codes: &[QdeCode], with_notes: bool) {
    Tag::open(out, "Codes").start();
    for c in codes {
        write_code(out, c, with_notes);
    }
    end(out, "Codes");
}

fn write_code(out: &mut String, c: &QdeCode, with_notes: bool) {
    let tag = Tag::open(out, "Code")
        .attr("guid", &c.guid)
        .attr("name", &c.name)
        .attr("isCodable", if c.codable { "true" } else { "false" })
        .opt("color", c.color.as_deref());
    let notes = with_notes && !c.note_refs.is_empty();
    if c.description.is_none() && !notes && c.children.is_empty() {
        tag.empty();
        return;
    }
    tag.start();
    if let Some(d) = &c.description {
        text_element(out, "Description", d);
    }
    if with_notes {
        refs(out, "NoteRef", &c.note_refs);
    }
    for child in &c.children {
        write_code(out, child, with_notes);
    }
    end(out, "Code");
}

fn write_values(out: &mut String, values: &[VariableValue]) {
    for v in values {
        Tag::open(out, "VariableValue").start();
        Tag::open(out, "VariableRef")
            .attr("targetGUID", &v.variable)
            .empty();
        text_element(out, &v.kind, &v.value);
        end(out, "VariableValue");
    }
}

fn write_codings(out: &mut String, codings: &[Coding]) {
    for c in codings {
        Tag::open(out, "Coding")
            .attr("guid", &c.guid)
            .opt("creatingUser", c.creating_user.as_deref())
            .opt("creationDateTime", c.created.as_deref())
            .start();
        Tag::open(out, "CodeRef")
            .attr("targetGUID", &c.code)
            .empty();
        refs(out, "NoteRef", &c.note_refs);
        end(out, "Coding");
    }
}

fn write_source(out: &mut String, s: &TextSource) {
    Tag::open(out, "TextSource")
        .attr("guid", &s.guid)
        .attr("name", &s.name)
        .opt("plainTextPath", s.plain_text_path.as_deref())
        .opt("creatingUser", s.creating_user.as_deref())
        .opt("creationDateTime", s.created.as_deref())
        .opt("modifiedDateTime", s.modified.as_deref())
        .start();
    if let Some(content) = &s.content {
        text_element(out, "PlainTextContent", content);
    }
    for sel in &s.selections {
        Tag::open(out, "PlainTextSelection")
            .attr("guid", &sel.guid)
            .attr("name", &sel.name)
            .attr("startPosition", &sel.start)
            .attr("endPosition", &sel.end)
            .opt("creatingUser", sel.creating_user.as_deref())
            .opt("creationDateTime", sel.created.as_deref())
            .opt("modifiedDateTime", sel.modified.as_deref())
            .start();
        write_codings(out, &sel.codings);
        refs(out, "NoteRef", &sel.note_refs);
        end(out, "PlainTextSelection");
    }
    write_codings(out, &s.codings);
    refs(out, "NoteRef", &s.note_refs);
    write_values(out, &s.values);
    end(out, "TextSource");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_attributes_and_text() {
        let mut a = String::new();
        escape_attr(&mut a, "a \"b\" <c> & d\ne\tf\u{1}");
        assert_eq!(a, "a &quot;b&quot; &lt;c&gt; &amp; d&#10;e&#9;f\u{fffd}");
        let mut t = String::new();
        escape_text(&mut t, "x < y & \"z\"\r\n");
        assert_eq!(t, "x &lt; y &amp; \"z\"&#13;\n");
    }
}
