//! A line index of a block-style codebook file: where each code's mapping starts and
//! where each of its keys sits, in document order. `yaml_serde` locates only the
//! first error of a file, so the checker takes every other position from here.
//!
//! The scanner understands the subset of YAML layout that matters for positions:
//! block mappings and sequences by indentation, comments, document markers, block
//! scalars (`|`, `>`), quoted scalars and flow collections that span lines. Codes
//! written in flow style (`children: [{id: a}]`) are not found; the checker then
//! falls back to the nearest position it knows. It never fails.

/// A key of a code's mapping, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScannedKey {
    pub name: String,
    pub line: usize,
    pub column: usize,
}

/// One code's mapping: where it starts, its keys and the plain text of its `id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ScannedCode {
    pub line: usize,
    pub column: usize,
    pub keys: Vec<ScannedKey>,
    pub id_text: Option<String>,
}

impl ScannedCode {
    /// The position of `key` in this mapping, if it was found.
    #[cfg(test)]
    pub fn key(&self, key: &str) -> Option<(usize, usize)> {
        self.keys
            .iter()
            .find(|k| k.name == key)
            .map(|k| (k.line, k.column))
    }
}

/// The result of scanning a file: codes in pre-order and the top-level keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scan {
    pub codes: Vec<ScannedCode>,
    pub top_keys: Vec<ScannedKey>,
}

/// An open code mapping while scanning.
struct Frame {
    code: usize,
    dash_col: usize,
    key_col: Option<usize>,
    last_key: Option<String>,
}

impl Frame {
    /// Whether a line indented by `indent` closes this mapping.
    fn closed_by(&self, indent: usize) -> bool {
        match self.key_col {
            Some(col) => col > indent,
            None => self.dash_col >= indent,
        }
    }
}

/// What the lines after the current one continue, if anything.
pub(super) enum Continuation {
    None,
    /// A block scalar: lines indented more than this (or blank) belong to it.
    Block(usize),
    /// A quoted scalar still open, with its quote character.
    Quote(char),
    /// A flow collection still open, with its nesting depth.
    Flow(usize),
}

/// Scans `text` for the positions of codes and keys.
pub(crate) fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut root_key: Option<String> = None;
    let mut cont = Continuation::None;

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.trim_start_matches(' ');

        match cont {
            Continuation::Block(min) => {
                if content.trim().is_empty() || indent > min {
                    continue;
                }
                cont = Continuation::None;
            }
            Continuation::Quote(q) => {
                if close_quote(line, q).is_some() {
                    cont = Continuation::None;
                }
                continue;
            }
            Continuation::Flow(depth) => {
                cont = match flow_depth(line, depth) {
                    0 => Continuation::None,
                    d => Continuation::Flow(d),
                };
                continue;
            }
            Continuation::None => {}
        }

        if content.is_empty()
            || content.starts_with('#')
            || content.starts_with('%')
            || (indent == 0 && (content.starts_with("---") || content.starts_with("...")))
        {
            continue;
        }

        if content == "-" || content.starts_with("- ") {
            let dash_col = indent;
            while frames.last().is_some_and(|f| f.closed_by(dash_col)) {
                frames.pop();
            }
            let is_code = match frames.last() {
                Some(top) => top.last_key.as_deref() == Some("children"),
                None => root_key.as_deref() == Some("codes"),
            };
            let rest = content.get(1..).unwrap_or("");
            let item_col = dash_col + 1 + (rest.len() - rest.trim_start_matches(' ').len());
            let rest = rest.trim_start_matches(' ');
            if is_code {
                out.codes.push(ScannedCode {
                    line: line_no,
                    column: item_col + 1,
                    ..ScannedCode::default()
                });
                frames.push(Frame {
                    code: out.codes.len() - 1,
                    dash_col,
                    key_col: None,
                    last_key: None,
                });
                if rest.is_empty() || rest.starts_with('#') {
                    continue;
                }
                if let Some((key, value)) = split_key(rest) {
                    if let Some(top) = frames.last_mut() {
                        top.key_col = Some(item_col);
                        record_key(&mut out, top, &key, value, line_no, item_col);
                    }
                    cont = value_start(value, item_col);
                } else {
                    cont = value_start(rest, dash_col);
                }
            } else {
                cont = value_start(rest, dash_col);
            }
            continue;
        }

        let Some((key, value)) = split_key(content) else {
            // A continuation line of a plain scalar, or something we need not place.
            continue;
        };
        while frames.last().is_some_and(|f| f.closed_by(indent)) {
            frames.pop();
        }
        match frames.last_mut() {
            Some(top) => {
                if top.key_col.is_none() && indent > top.dash_col {
                    top.key_col = Some(indent);
                    if let Some(code) = out.codes.get_mut(top.code) {
                        code.line = line_no;
                        code.column = indent + 1;
                    }
                }
                if top.key_col == Some(indent) {
                    record_key(&mut out, top, &key, value, line_no, indent);
                }
            }
            None => {
                if indent == 0 {
                    out.top_keys.push(ScannedKey {
                        name: key.clone(),
                        line: line_no,
                        column: 1,
                    });
                    root_key = Some(key);
                }
            }
        }
        cont = value_start(value, indent);
    }
    out
}

/// Records `key` (at 0-based column `col`) as a key of the frame's code.
fn record_key(out: &mut Scan, frame: &mut Frame, key: &str, value: &str, line: usize, col: usize) {
    if let Some(code) = out.codes.get_mut(frame.code) {
        if key == "id" {
            code.id_text = Some(scalar_text(value));
        }
        code.keys.push(ScannedKey {
            name: key.to_string(),
            line,
            column: col + 1,
        });
    }
    frame.last_key = Some(key.to_string());
}

/// Splits `key: value` (or `key:`) into the unquoted key and the rest after the colon.
pub(super) fn split_key(content: &str) -> Option<(String, &str)> {
    let first = content.chars().next()?;
    if first == '"' || first == '\'' {
        let end = close_quote(content.get(1..)?, first)? + 1;
        let key = content.get(1..end - 1)?.replace("''", "'");
        let after = content.get(end..)?.trim_start_matches(' ');
        let value = after.strip_prefix(':')?;
        return (value.is_empty() || value.starts_with(' ')).then_some((key, value));
    }
    if matches!(first, '[' | '{' | '#' | '&' | '*' | '!' | '|' | '>' | '?') {
        return None;
    }
    let bytes = content.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' && bytes.get(i + 1).is_none_or(|&n| n == b' ' || n == b'\t') {
            let key = content.get(..i)?.trim_end();
            return Some((key.to_string(), content.get(i + 1..)?));
        }
        if b == b'#' && i > 0 && bytes.get(i - 1) == Some(&b' ') {
            return None;
        }
    }
    None
}

/// What a value starting with `value` continues onto the following lines.
/// `owner` is the 0-based column of the key or dash that owns the value.
pub(super) fn value_start(value: &str, owner: usize) -> Continuation {
    let v = value.trim_start_matches(' ');
    match v.chars().next() {
        Some('|' | '>') => Continuation::Block(owner),
        Some(q @ ('"' | '\'')) => match v.get(1..).and_then(|rest| close_quote(rest, q)) {
            Some(_) => Continuation::None,
            None => Continuation::Quote(q),
        },
        Some('[' | '{') => match flow_depth(v, 0) {
            0 => Continuation::None,
            d => Continuation::Flow(d),
        },
        _ => Continuation::None,
    }
}

/// The byte index just past the closing quote `q` in `s` (which starts after the
/// opening quote), or `None` if the quote stays open.
pub(super) fn close_quote(s: &str, q: char) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
            } else {
                return Some(i + c.len_utf8());
            }
        }
    }
    None
}

/// The flow nesting depth after reading `s`, starting from `depth`.
pub(super) fn flow_depth(s: &str, mut depth: usize) -> usize {
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            '"' | '\'' => {
                if let Some(end) = rest.get(len..).and_then(|r| close_quote(r, c)) {
                    rest = rest.get(len + end..).unwrap_or("");
                    continue;
                }
                return depth;
            }
            '#' => return depth,
            _ => {}
        }
        rest = rest.get(len..).unwrap_or("");
    }
    depth
}

/// The text of a scalar value as written on its line: unquoted, without a comment.
pub(super) fn scalar_text(value: &str) -> String {
    let v = value.trim();
    if let Some(q @ ('"' | '\'')) = v.chars().next()
        && let Some(end) = v.get(1..).and_then(|rest| close_quote(rest, q))
    {
        return v.get(1..end).unwrap_or("").replace("''", "'");
    }
    let v = match v.find(" #") {
        Some(i) => v.get(..i).unwrap_or(v),
        None => v,
    };
    v.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(code: &ScannedCode) -> Vec<(String, usize, usize)> {
        code.keys
            .iter()
            .map(|k| (k.name.clone(), k.line, k.column))
            .collect()
    }

    #[test]
    fn finds_codes_and_keys_in_preorder() {
        let text = "\
# comment
codes:
  - id: a
    name: A
    description: |
      not: a key
      - not an item
    children:
    - id: b          # same indent as the key
      name: \"B: quoted\"
      aliases:
        - x
        - 'y'
    -
      id: c
      name: >-
        folded
  - id: \"d\"
    name: D
";
        let s = scan(text);
        assert_eq!(s.codes.len(), 4);
        assert_eq!(
            keys(&s.codes[0]),
            vec![
                ("id".into(), 3, 5),
                ("name".into(), 4, 5),
                ("description".into(), 5, 5),
                ("children".into(), 8, 5)
            ]
        );
        assert_eq!((s.codes[1].line, s.codes[1].column), (9, 7));
        assert_eq!(s.codes[1].id_text.as_deref(), Some("b"));
        assert_eq!(
            keys(&s.codes[1]),
            vec![
                ("id".into(), 9, 7),
                ("name".into(), 10, 7),
                ("aliases".into(), 11, 7)
            ]
        );
        assert_eq!((s.codes[2].line, s.codes[2].column), (15, 7));
        assert_eq!(s.codes[2].key("name"), Some((16, 7)));
        assert_eq!(s.codes[3].id_text.as_deref(), Some("d"));
        assert_eq!(s.codes[3].key("name"), Some((19, 5)));
        assert_eq!(s.top_keys.len(), 1);
    }

    #[test]
    fn multi_line_quotes_and_flows_are_skipped() {
        let text = "\
codes:
- id: a
  description: \"starts here
    id: not a key
    ends here\"
  aliases: [one,
    two]
  children:
  - {id: flow}
  - id: b
";
        let s = scan(text);
        assert_eq!(s.codes.len(), 3);
        assert_eq!(
            keys(&s.codes[0]),
            vec![
                ("id".into(), 2, 3),
                ("description".into(), 3, 3),
                ("aliases".into(), 6, 3),
                ("children".into(), 8, 3)
            ]
        );
        // The flow-style code is seen as a code with no keys.
        assert!(s.codes[1].keys.is_empty());
        assert_eq!(s.codes[2].id_text.as_deref(), Some("b"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "-",
            "- - -",
            ":",
            "codes:\n-\n",
            "codes:\n  - \"unterminated\n",
            "codes: [\n",
            "\u{feff}codes:\n - id: é\n   name: ü\n",
            "codes:\n\t- id: tab\n",
        ] {
            let _ = scan(text);
        }
    }
}
