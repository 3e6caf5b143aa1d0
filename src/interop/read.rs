//! Reading `project.qde` and `.qdc` files: untrusted XML into the [`QdeProject`] model.
//!
//! The XML is read by quick-xml, which never expands entities declared in a DTD and
//! never fetches anything: a document type declaration is refused outright (it is how
//! external entities and "billion laughs" expansion get in), and an entity reference
//! other than the five predefined ones and character references is an error. Nesting
//! is bounded, and every error names the line.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::qde::{
    Case, Coding, Note, QdeCode, QdeProject, Selection, TextSource, User, Variable, VariableValue,
};

/// How deeply elements may nest (codes nest; nothing else goes deep).
const MAX_DEPTH: usize = 256;

/// A parsed element: local name, attributes, child elements and its own text.
#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    /// Byte offset of the start tag, for messages.
    pub at: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

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

/// Parses XML text into its root element.
pub fn parse_xml(bytes: &[u8]) -> Result<Element, XmlError> {
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
    let err = |at: u64, message: String| XmlError {
        line: line_of(text, usize::try_from(at).unwrap_or(usize::MAX)),
        message,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| err(reader.error_position(), format!("is not well-formed XML: {e}")))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(err(at, "has content after its root element".into()));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        at,
                        format!("nests elements more than {MAX_DEPTH} deep"),
                    ));
                }
                stack.push(element(&start, at).map_err(|m| err(at, m))?);
            }
            Event::Empty(start) => {
                let el = element(&start, at).map_err(|m| err(at, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(err(at, "closes an element that was never opened".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(err(at, "has text outside its root element".into()));
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or_else(|| format!("has a bad character reference &{};", r.xml10_content()))
                } else {
                    match r.xml10_content().as_ref() {
                        "amp" => Ok('&'),
                        "lt" => Ok('<'),
                        "gt" => Ok('>'),
                        "quot" => Ok('"'),
                        "apos" => Ok('\''),
                        other => Err(format!(
                            "uses the entity &{other};, which is not one of XML's five; gloss never expands entities declared in a DTD"
                        )),
                    }
                };
                let c = resolved.map_err(|m| err(at, m))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push(c);
                }
            }
            Event::DocType(_) => {
                return Err(err(
                    at,
                    "has a document type declaration (<!DOCTYPE …>); gloss refuses DTDs, which can pull in external entities or expand without bound".into(),
                ));
            }
            Event::Decl(decl) => {
                if let Some(Ok(enc)) = decl.encoding() {
                    let enc = enc.to_ascii_lowercase();
                    if enc != "utf-8" && enc != "utf8" {
                        return Err(err(
                            at,
                            format!("declares the encoding {enc}; gloss reads QDA-XML in UTF-8"),
                        ));
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(err(
            text.len() as u64,
            format!("ends before <{}> is closed", stack[stack.len() - 1].name),
        ));
    }
    root.ok_or_else(|| err(0, "holds no XML element".into()))
}

fn element(start: &BytesStart<'_>, at: u64) -> Result<Element, String> {
    let name = start.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("has a malformed attribute in <{name}>: {e}"))?;
        let key = attr.key.local_name().as_ref().to_string();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("has a bad attribute value in <{name} {key}=…>: {e}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        at: usize::try_from(at).unwrap_or(usize::MAX),
    })
}

/// Reads a `project.qde`.
pub fn read_project(bytes: &[u8]) -> Result<QdeProject, XmlError> {
    let text_for_lines = std::str::from_utf8(bytes).unwrap_or("");
    let root = parse_xml(bytes)?;
    let err = |el: &Element, message: String| XmlError {
        line: line_of(text_for_lines, el.at),
        message,
    };
    if root.name != "Project" {
        return Err(err(
            &root,
            format!(
                "has <{}> as its root element, not <Project>; is this a project.qde?",
                root.name
            ),
        ));
    }
    let mut p = QdeProject {
        name: root.attr("name").unwrap_or_default().to_string(),
        origin: root.attr("origin").map(str::to_string),
        ..QdeProject::default()
    };
    let guid = |el: &Element| -> Result<String, XmlError> {
        match el.attr("guid") {
            Some(g) if !g.trim().is_empty() => Ok(normalize_guid(g)),
            _ => Err(err(el, format!("has a <{}> without a guid", el.name))),
        }
    };
    for part in &root.children {
        match part.name.as_str() {
            "Users" => {
                for u in part.children_named("User") {
                    p.users.push(User {
                        guid: guid(u)?,
                        name: u.attr("name").unwrap_or_default().to_string(),
                    });
                }
            }
            "CodeBook" => {
                if let Some(codes) = part.child("Codes") {
                    p.codes = read_codes(codes, &guid)?;
                }
            }
            "Variables" => {
                for v in part.children_named("Variable") {
                    p.variables.push(Variable {
                        guid: guid(v)?,
                        name: v.attr("name").unwrap_or_default().to_string(),
                        kind: v.attr("typeOfVariable").unwrap_or("Text").to_string(),
                    });
                }
            }
            "Cases" => {
                for c in part.children_named("Case") {
                    p.cases.push(Case {
                        guid: guid(c)?,
                        name: c.attr("name").unwrap_or_default().to_string(),
                        values: read_values(c),
                        sources: refs(c, "SourceRef"),
                    });
                }
            }
            "Sources" => {
                for s in &part.children {
                    if s.name == "TextSource" {
                        p.sources.push(read_source(s, &guid)?);
                    } else {
                        p.other_sources.push((
                            s.name.clone(),
                            s.attr("name").unwrap_or_default().to_string(),
                            count_codings(s),
                        ));
                    }
                }
            }
            "Notes" => {
                for n in part.children_named("Note") {
                    p.notes.push(Note {
                        guid: guid(n)?,
                        name: n.attr("name").unwrap_or_default().to_string(),
                        text: n
                            .child("PlainTextContent")
                            .map(|c| c.text.clone())
                            .unwrap_or_default(),
                        creating_user: n.attr("creatingUser").map(normalize_guid),
                        created: n.attr("creationDateTime").map(str::to_string),
                        modified: n.attr("modifiedDateTime").map(str::to_string),
                    });
                }
            }
            "NoteRef" => p.note_refs.extend(part.attr("targetGUID").map(normalize_guid)),
            _ => {}
        }
    }
    Ok(p)
}

/// Reads a `.qdc` codebook (or the codebook of a project file, if given one).
pub fn read_codebook(bytes: &[u8]) -> Result<Vec<QdeCode>, XmlError> {
    let text_for_lines = std::str::from_utf8(bytes).unwrap_or("");
    let root = parse_xml(bytes)?;
    let err = |el: &Element, message: String| XmlError {
        line: line_of(text_for_lines, el.at),
        message,
    };
    let guid = |el: &Element| -> Result<String, XmlError> {
        match el.attr("guid") {
            Some(g) if !g.trim().is_empty() => Ok(normalize_guid(g)),
            _ => Err(err(el, format!("has a <{}> without a guid", el.name))),
        }
    };
    let codes = match root.name.as_str() {
        "CodeBook" => root.child("Codes"),
        "Project" => root.child("CodeBook").and_then(|c| c.child("Codes")),
        other => {
            return Err(err(
                &root,
                format!("has <{other}> as its root element, not <CodeBook>; is this a .qdc file?"),
            ));
        }
    };
    match codes {
        Some(codes) => read_codes(codes, &guid),
        None => Err(err(&root, "holds no <Codes>: there is no codebook in it".into())),
    }
}

/// GUIDs compared without braces and case (`{ABC…}` and `abc…` are one GUID).
pub fn normalize_guid(g: &str) -> String {
    g.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

fn read_codes(
    codes: &Element,
    guid: &dyn Fn(&Element) -> Result<String, XmlError>,
) -> Result<Vec<QdeCode>, XmlError> {
    codes
        .children_named("Code")
        .map(|c| read_code(c, guid))
        .collect()
}

fn read_code(
    c: &Element,
    guid: &dyn Fn(&Element) -> Result<String, XmlError>,
) -> Result<QdeCode, XmlError> {
    Ok(QdeCode {
        guid: guid(c)?,
        name: c.attr("name").unwrap_or_default().to_string(),
        codable: c
            .attr("isCodable")
            .is_none_or(|v| v.trim() == "true" || v.trim() == "1"),
        color: c.attr("color").map(str::to_string),
        description: c.child("Description").map(|d| d.text.clone()),
        note_refs: refs(c, "NoteRef"),
        children: c
            .children_named("Code")
            .map(|k| read_code(k, guid))
            .collect::<Result<_, _>>()?,
    })
}

fn refs(el: &Element, name: &str) -> Vec<String> {
    el.children_named(name)
        .filter_map(|r| r.attr("targetGUID"))
        .map(normalize_guid)
        .collect()
}

fn read_values(el: &Element) -> Vec<VariableValue> {
    el.children_named("VariableValue")
        .filter_map(|v| {
            let variable = v.child("VariableRef")?.attr("targetGUID")?;
            let value = v.children.iter().find(|c| c.name != "VariableRef")?;
            Some(VariableValue {
                variable: normalize_guid(variable),
                kind: value.name.clone(),
                value: value.text.clone(),
            })
        })
        .collect()
}

fn count_codings(el: &Element) -> usize {
    el.children
        .iter()
        .map(|c| usize::from(c.name == "Coding") + count_codings(c))
        .sum()
}

fn read_source(
    s: &Element,
    guid: &dyn Fn(&Element) -> Result<String, XmlError>,
) -> Result<TextSource, XmlError> {
    let coding = |c: &Element| -> Result<Option<Coding>, XmlError> {
        let Some(code) = c.child("CodeRef").and_then(|r| r.attr("targetGUID")) else {
            return Ok(None);
        };
        Ok(Some(Coding {
            guid: guid(c)?,
            code: normalize_guid(code),
            creating_user: c.attr("creatingUser").map(normalize_guid),
            created: c.attr("creationDateTime").map(str::to_string),
            note_refs: refs(c, "NoteRef"),
        }))
    };
    let mut selections = Vec::new();
    for sel in s.children_named("PlainTextSelection") {
        let mut codings = Vec::new();
        for c in sel.children_named("Coding") {
            codings.extend(coding(c)?);
        }
        selections.push(Selection {
            guid: guid(sel)?,
            name: sel.attr("name").unwrap_or_default().to_string(),
            start: sel.attr("startPosition").unwrap_or_default().to_string(),
            end: sel.attr("endPosition").unwrap_or_default().to_string(),
            creating_user: sel.attr("creatingUser").map(normalize_guid),
            created: sel.attr("creationDateTime").map(str::to_string),
            modified: sel.attr("modifiedDateTime").map(str::to_string),
            codings,
            note_refs: refs(sel, "NoteRef"),
        });
    }
    let mut whole = Vec::new();
    for c in s.children_named("Coding") {
        whole.extend(coding(c)?);
    }
    Ok(TextSource {
        guid: guid(s)?,
        name: s.attr("name").unwrap_or_default().to_string(),
        plain_text_path: s.attr("plainTextPath").map(str::to_string),
        content: s.child("PlainTextContent").map(|c| c.text.clone()),
        creating_user: s.attr("creatingUser").map(normalize_guid),
        created: s.attr("creationDateTime").map(str::to_string),
        modified: s.attr("modifiedDateTime").map(str::to_string),
        selections,
        codings: whole,
        note_refs: refs(s, "NoteRef"),
        values: read_values(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project name="&xxe;"/>"#;
        let e = parse_xml(xxe).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("DTD"), "{e:?}");
        let laughs = br#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><Project>&lol2;</Project>"#;
        assert!(parse_xml(laughs).unwrap_err().message.contains("DTD"));
        let undeclared = b"<Project>&lol;</Project>";
        assert!(parse_xml(undeclared).unwrap_err().message.contains("&lol;"));
        let in_attr = b"<Project name=\"&lol;\"/>";
        assert!(parse_xml(in_attr).is_err());
    }

    #[test]
    fn reads_references_and_keeps_escaped_line_breaks_in_attributes() {
        let el = parse_xml(
            "<a n=\"x&#10;y&amp;z\nw\">1 &lt; 2 &#x1F643; <![CDATA[<b>]]></a>".as_bytes(),
        )
        .unwrap();
        assert_eq!(el.attr("n"), Some("x\ny&z w"));
        assert_eq!(el.text, "1 < 2 🙃 <b>");
    }

    #[test]
    fn reports_lines_of_malformed_xml() {
        let e = parse_xml(b"<a>\n<b>\n</a>").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(parse_xml(b"\xff<a/>").unwrap_err().message.contains("UTF-8"));
        assert!(parse_xml(b"").is_err());
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        assert!(parse_xml(deep.as_bytes()).unwrap_err().message.contains("deep"));
    }
}
