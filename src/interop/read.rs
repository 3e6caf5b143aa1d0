//! Reading `project.qde` and `.qdc` files: untrusted XML into the [`QdeProject`] model,
//! streamed (no tree of the whole document is built).
//!
//! The XML is read by quick-xml, which never expands entities declared in a DTD and
//! never fetches anything: a document type declaration is refused outright (it is how
//! external entities and "billion laughs" expansion get in), and an entity reference
//! other than the five predefined ones and character references is an error. Nesting
//! is bounded, and every error names the line.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::qde::{
    Case, Coding, Note, QdeCode, QdeProject, Selection, TextSource, User, Variable, VariableValue,
};

/// How deeply elements may nest (codes nest; nothing else goes deep).
const MAX_DEPTH: usize = 256;

/// A problem in an XML file: the 1-based line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub message: String,
}

/// The line of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count()
}

/// GUIDs compared without braces and case (`{ABC…}` and `abc…` are one GUID).
pub fn normalize_guid(g: &str) -> String {
    g.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// What the reader hands on: an element's start (its local name and attributes), its
/// end, or the end of the input. Empty elements come as a start and an end.
enum Ev {
    Start(String, Attrs, usize),
    End,
    Eof,
}

/// The attributes gloss reads; others are skipped without being decoded.
const KNOWN_ATTRS: [&str; 14] = [
    "guid",
    "name",
    "startPosition",
    "endPosition",
    "creatingUser",
    "creationDateTime",
    "modifiedDateTime",
    "targetGUID",
    "plainTextPath",
    "isCodable",
    "color",
    "typeOfVariable",
    "origin",
    "id",
];

/// An element's attributes by local name, values unescaped and normalised.
struct Attrs(Vec<(&'static str, String)>);

impl Attrs {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value, moved out (each attribute is read once).
    fn string(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|(k, _)| *k == name)?;
        Some(std::mem::take(&mut self.0[i].1))
    }

    fn guid_of(&self, name: &str) -> Option<String> {
        self.get(name).map(normalize_guid)
    }
}

/// A pull reader over an XML text with gloss's safety rules.
struct Xml<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    text: &'a str,
    depth: usize,
    root_done: bool,
}

impl<'a> Xml<'a> {
    fn new(bytes: &'a [u8]) -> Result<Xml<'a>, XmlError> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| XmlError {
            line: line_of(
                std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
                e.valid_up_to(),
            ),
            message: format!(
                "is not UTF-8 (invalid byte at offset {}); gloss reads QDA-XML in UTF-8",
                e.valid_up_to()
            ),
        })?;
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        reader.config_mut().expand_empty_elements = true;
        Ok(Xml {
            reader,
            text,
            depth: 0,
            root_done: false,
        })
    }

    fn err(&self, at: usize, message: impl Into<String>) -> XmlError {
        XmlError {
            line: line_of(self.text, at),
            message: message.into(),
        }
    }

    /// The next start, end or end of input; text between elements is skipped.
    fn next(&mut self) -> Result<Ev, XmlError> {
        loop {
            match self.event()? {
                Raw::Start(start, at) => return Ok(Ev::Start(start.0, start.1, at)),
                Raw::End => return Ok(Ev::End),
                Raw::Eof => return Ok(Ev::Eof),
                Raw::Text(_) => {}
            }
        }
    }

    /// Checks that nothing but comments and white space follows the root element.
    fn end(&mut self) -> Result<(), XmlError> {
        match self.next()? {
            Ev::Eof => Ok(()),
            _ => Err(self.err(self.text.len(), "has content after its root element")),
        }
    }

    /// The text of the element just started, up to its end (child elements skipped).
    fn text(&mut self) -> Result<String, XmlError> {
        let mut out = String::new();
        loop {
            match self.event()? {
                Raw::Text(t) => out.push_str(&t),
                Raw::Start(..) => self.skip()?,
                Raw::End => return Ok(out),
                Raw::Eof => return Ok(out),
            }
        }
    }

    /// Skips the rest of the element just started.
    fn skip(&mut self) -> Result<(), XmlError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.event()? {
                Raw::Start(..) => depth += 1,
                Raw::End => depth -= 1,
                Raw::Eof => return Ok(()),
                Raw::Text(_) => {}
            }
        }
        Ok(())
    }

    fn event(&mut self) -> Result<Raw<'a>, XmlError> {
        loop {
            let at = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
            let event = self.reader.read_event().map_err(|e| {
                let pos = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                self.err(pos, format!("is not well-formed XML: {e}"))
            })?;
            match event {
                Event::Start(start) => {
                    if self.root_done && self.depth == 0 {
                        return Err(self.err(at, "has content after its root element"));
                    }
                    if self.depth >= MAX_DEPTH {
                        return Err(
                            self.err(at, format!("nests elements more than {MAX_DEPTH} deep"))
                        );
                    }
                    self.depth += 1;
                    let el = element(start).map_err(|m| self.err(at, m))?;
                    return Ok(Raw::Start(el, at));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.root_done = true;
                    }
                    return Ok(Raw::End);
                }
                Event::Empty(_) => unreachable_empty(),
                Event::Text(t) => {
                    let content = t.xml10_content();
                    if self.depth == 0 {
                        if !content.trim().is_empty() {
                            return Err(self.err(at, "has text outside its root element"));
                        }
                        continue;
                    }
                    return Ok(Raw::Text(content));
                }
                Event::CData(t) => {
                    let content = t.xml10_content();
                    return Ok(Raw::Text(content));
                }
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        r.resolve_char_ref().ok().flatten().ok_or_else(|| {
                            self.err(
                                at,
                                format!("has a bad character reference &{};", r.xml10_content()),
                            )
                        })?
                    } else {
                        match r.xml10_content().as_ref() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => {
                                return Err(self.err(
                                    at,
                                    format!(
                                        "uses the entity &{other};, which is not one of XML's five; gloss never expands entities declared in a DTD"
                                    ),
                                ));
                            }
                        }
                    };
                    return Ok(Raw::Text(Cow::Owned(c.to_string())));
                }
                Event::DocType(_) => {
                    return Err(self.err(
                        at,
                        "has a document type declaration (<!DOCTYPE …>); gloss refuses DTDs, which can pull in external entities or expand without bound",
                    ));
                }
                Event::Decl(decl) => {
                    if let Some(Ok(enc)) = decl.encoding() {
                        let enc = enc.to_ascii_lowercase();
                        if enc != "utf-8" && enc != "utf8" {
                            return Err(self.err(
                                at,
                                format!(
                                    "declares the encoding {enc}; gloss reads QDA-XML in UTF-8"
                                ),
                            ));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(
                            self.err(self.text.len(), "ends before its elements are closed")
                        );
                    }
                    if !self.root_done {
                        return Err(self.err(0, "holds no XML element"));
                    }
                    return Ok(Raw::Eof);
                }
            }
        }
    }
}

/// `expand_empty_elements` turns every empty element into a start and an end.
fn unreachable_empty() -> ! {
    unreachable!("quick-xml expands empty elements")
}

enum Raw<'a> {
    Start((String, Attrs), usize),
    End,
    Text(Cow<'a, str>),
    Eof,
}

fn element(start: BytesStart<'_>) -> Result<(String, Attrs), String> {
    let name = start.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("has a malformed attribute in <{name}>: {e}"))?;
        let key = attr.key.local_name();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| {
                format!(
                    "has a bad attribute value in <{name} {}=…>: {e}",
                    key.as_ref()
                )
            })?;
        if let Some(&known) = KNOWN_ATTRS.iter().find(|k| **k == key.as_ref()) {
            attrs.push((known, value.into_owned()));
        }
    }
    Ok((name, Attrs(attrs)))
}

/// Reads a `project.qde`.
pub fn read_project(bytes: &[u8]) -> Result<QdeProject, XmlError> {
    let mut x = Xml::new(bytes)?;
    let Ev::Start(root, mut attrs, at) = x.next()? else {
        return Err(x.err(0, "holds no XML element"));
    };
    if root != "Project" {
        return Err(x.err(
            at,
            format!("has <{root}> as its root element, not <Project>; is this a project.qde?"),
        ));
    }
    let mut p = QdeProject {
        name: attrs.string("name").unwrap_or_default(),
        origin: attrs.string("origin"),
        ..QdeProject::default()
    };
    while let Ev::Start(name, attrs, at) = x.next()? {
        match name.as_str() {
            "Users" => {
                while let Ev::Start(n, mut a, at) = x.next()? {
                    if n == "User" {
                        p.users.push(User {
                            guid: guid(&x, &a, &n, at)?,
                            name: a.string("name").unwrap_or_default(),
                        });
                    }
                    x.skip()?;
                }
            }
            "CodeBook" => {
                while let Ev::Start(n, _, _) = x.next()? {
                    if n == "Codes" {
                        p.codes = read_codes(&mut x)?;
                    } else {
                        x.skip()?;
                    }
                }
            }
            "Variables" => {
                while let Ev::Start(n, mut a, at) = x.next()? {
                    if n == "Variable" {
                        p.variables.push(Variable {
                            guid: guid(&x, &a, &n, at)?,
                            name: a.string("name").unwrap_or_default(),
                            kind: a.string("typeOfVariable").unwrap_or_else(|| "Text".into()),
                        });
                    }
                    x.skip()?;
                }
            }
            "Cases" => {
                while let Ev::Start(n, mut a, at) = x.next()? {
                    if n != "Case" {
                        x.skip()?;
                        continue;
                    }
                    let mut case = Case {
                        guid: guid(&x, &a, &n, at)?,
                        name: a.string("name").unwrap_or_default(),
                        ..Case::default()
                    };
                    while let Ev::Start(c, ca, _) = x.next()? {
                        match c.as_str() {
                            "VariableValue" => case.values.extend(read_value(&mut x)?),
                            "SourceRef" => {
                                case.sources.extend(ca.guid_of("targetGUID"));
                                x.skip()?;
                            }
                            _ => x.skip()?,
                        }
                    }
                    p.cases.push(case);
                }
            }
            "Sources" => {
                while let Ev::Start(n, mut a, at) = x.next()? {
                    if n == "TextSource" {
                        p.sources.push(read_source(&mut x, &mut a, at)?);
                    } else {
                        let codings = count_codings(&mut x)?;
                        p.other_sources
                            .push((n, a.string("name").unwrap_or_default(), codings));
                    }
                }
            }
            "Notes" => {
                while let Ev::Start(n, mut a, at) = x.next()? {
                    if n != "Note" {
                        x.skip()?;
                        continue;
                    }
                    let mut note = Note {
                        guid: guid(&x, &a, &n, at)?,
                        name: a.string("name").unwrap_or_default(),
                        creating_user: a.guid_of("creatingUser"),
                        created: a.string("creationDateTime"),
                        modified: a.string("modifiedDateTime"),
                        ..Note::default()
                    };
                    while let Ev::Start(c, _, _) = x.next()? {
                        if c == "PlainTextContent" {
                            note.text = x.text()?;
                        } else {
                            x.skip()?;
                        }
                    }
                    p.notes.push(note);
                }
            }
            "NoteRef" => {
                p.note_refs.extend(attrs.guid_of("targetGUID"));
                x.skip()?;
            }
            _ => {
                let _ = at;
                x.skip()?;
            }
        }
    }
    x.end()?;
    Ok(p)
}

/// Reads a `.qdc` codebook (or the codebook of a project file, if given one).
pub fn read_codebook(bytes: &[u8]) -> Result<Vec<QdeCode>, XmlError> {
    let mut x = Xml::new(bytes)?;
    let Ev::Start(root, _, at) = x.next()? else {
        return Err(x.err(0, "holds no XML element"));
    };
    let in_project = match root.as_str() {
        "CodeBook" => false,
        "Project" => true,
        other => {
            return Err(x.err(
                at,
                format!("has <{other}> as its root element, not <CodeBook>; is this a .qdc file?"),
            ));
        }
    };
    let mut found = None;
    while let Ev::Start(n, _, _) = x.next()? {
        match (in_project, n.as_str()) {
            (true, "CodeBook") => {
                while let Ev::Start(c, _, _) = x.next()? {
                    if c == "Codes" && found.is_none() {
                        found = Some(read_codes(&mut x)?);
                    } else {
                        x.skip()?;
                    }
                }
            }
            (false, "Codes") if found.is_none() => found = Some(read_codes(&mut x)?),
            _ => x.skip()?,
        }
    }
    x.end()?;
    found.ok_or_else(|| x.err(at, "holds no <Codes>: there is no codebook in it"))
}

fn guid(x: &Xml<'_>, a: &Attrs, name: &str, at: usize) -> Result<String, XmlError> {
    match a.get("guid") {
        Some(g) if !g.trim().is_empty() => Ok(normalize_guid(g)),
        _ => Err(x.err(at, format!("has a <{name}> without a guid"))),
    }
}

/// The codes inside a `<Codes>` just started, to its end.
fn read_codes(x: &mut Xml<'_>) -> Result<Vec<QdeCode>, XmlError> {
    let mut codes = Vec::new();
    while let Ev::Start(n, mut a, at) = x.next()? {
        if n == "Code" {
            codes.push(read_code(x, &mut a, at)?);
        } else {
            x.skip()?;
        }
    }
    Ok(codes)
}

fn read_code(x: &mut Xml<'_>, a: &mut Attrs, at: usize) -> Result<QdeCode, XmlError> {
    let mut code = QdeCode {
        guid: guid(x, a, "Code", at)?,
        name: a.string("name").unwrap_or_default(),
        codable: a
            .get("isCodable")
            .is_none_or(|v| v.trim() == "true" || v.trim() == "1"),
        color: a.string("color"),
        ..QdeCode::default()
    };
    while let Ev::Start(n, mut ca, cat) = x.next()? {
        match n.as_str() {
            "Description" => code.description = Some(x.text()?),
            "NoteRef" => {
                code.note_refs.extend(ca.guid_of("targetGUID"));
                x.skip()?;
            }
            "Code" => code.children.push(read_code(x, &mut ca, cat)?),
            _ => x.skip()?,
        }
    }
    Ok(code)
}

/// A `<VariableValue>` just started: its variable and value.
fn read_value(x: &mut Xml<'_>) -> Result<Option<VariableValue>, XmlError> {
    let mut variable = None;
    let mut value = None;
    while let Ev::Start(n, a, _) = x.next()? {
        if n == "VariableRef" {
            variable = a.guid_of("targetGUID");
            x.skip()?;
        } else {
            value = Some((n, x.text()?));
        }
    }
    Ok(match (variable, value) {
        (Some(variable), Some((kind, value))) => Some(VariableValue {
            variable,
            kind,
            value,
        }),
        _ => None,
    })
}

/// A `<Coding>` just started.
fn read_coding(x: &mut Xml<'_>, a: &mut Attrs, at: usize) -> Result<Option<Coding>, XmlError> {
    let mut coding = Coding {
        guid: guid(x, a, "Coding", at)?,
        creating_user: a.guid_of("creatingUser"),
        created: a.string("creationDateTime"),
        ..Coding::default()
    };
    let mut code = None;
    while let Ev::Start(n, ca, _) = x.next()? {
        match n.as_str() {
            "CodeRef" => code = ca.guid_of("targetGUID"),
            "NoteRef" => coding.note_refs.extend(ca.guid_of("targetGUID")),
            _ => {}
        }
        x.skip()?;
    }
    Ok(code.map(|code| Coding { code, ..coding }))
}

/// Counts the codings of a source of a kind gloss does not read, to its end.
fn count_codings(x: &mut Xml<'_>) -> Result<usize, XmlError> {
    let mut n = 0;
    let mut depth = 1usize;
    while depth > 0 {
        match x.next()? {
            Ev::Start(name, ..) => {
                depth += 1;
                n += usize::from(name == "Coding");
            }
            Ev::End => depth -= 1,
            Ev::Eof => break,
        }
    }
    Ok(n)
}

fn read_source(x: &mut Xml<'_>, a: &mut Attrs, at: usize) -> Result<TextSource, XmlError> {
    let mut s = TextSource {
        guid: guid(x, a, "TextSource", at)?,
        name: a.string("name").unwrap_or_default(),
        plain_text_path: a.string("plainTextPath"),
        creating_user: a.guid_of("creatingUser"),
        created: a.string("creationDateTime"),
        modified: a.string("modifiedDateTime"),
        ..TextSource::default()
    };
    while let Ev::Start(n, mut ca, cat) = x.next()? {
        match n.as_str() {
            "PlainTextContent" => s.content = Some(x.text()?),
            "PlainTextSelection" => {
                let mut sel = Selection {
                    guid: guid(x, &ca, &n, cat)?,
                    name: ca.string("name").unwrap_or_default(),
                    start: ca.string("startPosition").unwrap_or_default(),
                    end: ca.string("endPosition").unwrap_or_default(),
                    creating_user: ca.guid_of("creatingUser"),
                    created: ca.string("creationDateTime"),
                    modified: ca.string("modifiedDateTime"),
                    ..Selection::default()
                };
                while let Ev::Start(k, mut ka, kat) = x.next()? {
                    match k.as_str() {
                        "Coding" => sel.codings.extend(read_coding(x, &mut ka, kat)?),
                        "NoteRef" => {
                            sel.note_refs.extend(ka.guid_of("targetGUID"));
                            x.skip()?;
                        }
                        _ => x.skip()?,
                    }
                }
                s.selections.push(sel);
            }
            "Coding" => s.codings.extend(read_coding(x, &mut ca, cat)?),
            "NoteRef" => {
                s.note_refs.extend(ca.guid_of("targetGUID"));
                x.skip()?;
            }
            "VariableValue" => s.values.extend(read_value(x)?),
            _ => x.skip()?,
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(xml: &str) -> Result<QdeProject, XmlError> {
        read_project(xml.as_bytes())
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project name="&xxe;"/>"#;
        let e = project(xxe).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("DTD"), "{e:?}");
        let laughs = r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><Project>&lol2;</Project>"#;
        assert!(project(laughs).unwrap_err().message.contains("DTD"));
        let undeclared = "<Project name=\"p\"><Notes><Note guid=\"a\"><PlainTextContent>&lol;</PlainTextContent></Note></Notes></Project>";
        assert!(project(undeclared).unwrap_err().message.contains("&lol;"));
        assert!(project("<Project name=\"&lol;\"/>").is_err());
    }

    #[test]
    fn reads_references_and_keeps_escaped_line_breaks_in_attributes() {
        let p = project(
            "<Project name=\"x&#10;y&amp;z\nw\"><Notes><Note guid=\"{AB}\" name=\"n\"><PlainTextContent>1 &lt; 2 &#x1F643; <![CDATA[<b>]]></PlainTextContent></Note></Notes></Project>",
        )
        .unwrap();
        assert_eq!(p.name, "x\ny&z w");
        assert_eq!(p.notes[0].text, "1 < 2 🙃 <b>");
        assert_eq!(p.notes[0].guid, "ab");
    }

    #[test]
    fn reads_the_parts_gloss_uses() {
        let p = project(
            r##"<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Users><User guid="U" name="ann"/></Users>
<CodeBook><Codes><Code guid="C1" name="a" isCodable="false"><Description>d</Description><Code guid="C2" name="b" isCodable="true" color="#fff"/></Code></Codes></CodeBook>
<Variables><Variable guid="V" name="role" typeOfVariable="Text"/></Variables>
<Cases><Case guid="K" name="case 1"><VariableValue><VariableRef targetGUID="V"/><TextValue>lead</TextValue></VariableValue><SourceRef targetGUID="S"/></Case></Cases>
<Sources><TextSource guid="S" name="s" plainTextPath="internal://S.txt"><PlainTextSelection guid="P" name="q" startPosition="1" endPosition="3" creatingUser="U"><Coding guid="G" creatingUser="U"><CodeRef targetGUID="C2"/><NoteRef targetGUID="N"/></Coding></PlainTextSelection><Coding guid="W"><CodeRef targetGUID="C1"/></Coding><VariableValue><VariableRef targetGUID="V"/><TextValue>x</TextValue></VariableValue></TextSource>
<PDFSource guid="F" name="pdf"><PDFSelection guid="Q" page="1" firstX="0" firstY="0" secondX="1" secondY="1"><Coding guid="H"><CodeRef targetGUID="C2"/></Coding></PDFSelection></PDFSource></Sources>
<NoteRef targetGUID="N"/></Project>"##,
        )
        .unwrap();
        assert_eq!(p.users[0].name, "ann");
        assert!(!p.codes[0].codable);
        assert_eq!(p.codes[0].description.as_deref(), Some("d"));
        assert_eq!(p.codes[0].children[0].color.as_deref(), Some("#fff"));
        assert_eq!(p.cases[0].values[0].value, "lead");
        assert_eq!(p.cases[0].sources, ["s"]);
        let s = &p.sources[0];
        assert_eq!(
            (s.selections[0].start.as_str(), s.selections[0].end.as_str()),
            ("1", "3")
        );
        assert_eq!(s.selections[0].codings[0].code, "c2");
        assert_eq!(s.selections[0].codings[0].note_refs, ["n"]);
        assert_eq!(s.codings[0].code, "c1");
        assert_eq!(s.values[0].kind, "TextValue");
        assert_eq!(
            p.other_sources,
            [("PDFSource".to_string(), "pdf".to_string(), 1)]
        );
        assert_eq!(p.note_refs, ["n"]);
    }

    #[test]
    fn reports_lines_of_malformed_xml() {
        let e = project("<Project>\n<Users>\n</Project>").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(
            read_project(b"\xff<a/>")
                .unwrap_err()
                .message
                .contains("UTF-8")
        );
        assert!(project("").is_err());
        let deep = "<Project><CodeBook><Codes>".to_string()
            + &"<Code guid=\"a\" name=\"a\" isCodable=\"true\">".repeat(300)
            + &"</Code>".repeat(300)
            + "</Codes></CodeBook></Project>";
        assert!(project(&deep).unwrap_err().message.contains("deep"));
        assert!(project("<Project/><Project/>").is_err());
        assert!(
            read_codebook(b"<Nope/>")
                .unwrap_err()
                .message
                .contains("not <CodeBook>")
        );
    }
}
