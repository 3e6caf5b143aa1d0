//! Plain-text and Markdown transcripts (speaker labels alone on a line or inline), the
//! speaker-label heuristics shared with the subtitle parsers, and importing transcript
//! files into a project (`gloss import transcript PATH...`).
//!
//! A label is the text before the first colon (`:` or the full-width `：`) of a line when
//! it looks like a name — short, at most four words, no sentence punctuation — and either
//! recurs in the file or is a known role (`Interviewer`, `Speaker 2`, `P3`, …). So
//! `Note: …` written once, or `No. [inaudible 00:06:59] …`, stays text. Labels are kept
//! as written minus surrounding whitespace and Markdown emphasis: `Interviewer1 :` gives
//! `Interviewer1`, `**Interviewer:**` gives `Interviewer`; variants are not merged.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::{ImportReport, TranscriptFormat, transcript_document};
use crate::corpus::load::transcript_id;
use crate::corpus::{DocKind, Turn, slug};
use crate::project::Project;
use crate::textio::{Utf8Policy, read_text, write_atomic};
use crate::{Error, Result};

/// A parsed transcript.
#[derive(Debug, Default)]
pub struct ParsedTranscript {
    pub turns: Vec<Turn>,
    /// False when no speaker labels were recognised (one turn per paragraph).
    pub labelled: bool,
}

/// The longest speaker label, in characters.
const MAX_LABEL_CHARS: usize = 30;
/// The most words in a speaker label.
const MAX_LABEL_WORDS: usize = 4;
/// How far into a line its label's colon is looked for, in bytes; bounds the work per line
/// so that a huge line without newlines is scanned in linear time.
const LABEL_SCAN_BYTES: usize = 160;

/// Role words that make a label a speaker even when it occurs once (lower case).
const ROLE_WORDS: &[&str] = &[
    "interviewer",
    "interviewee",
    "speaker",
    "participant",
    "leader",
    "moderator",
    "respondent",
    "facilitator",
    "researcher",
    "host",
    "guest",
    "subject",
    "entrevistador",
    "entrevistadora",
    "entrevistado",
    "entrevistada",
    "participante",
    "intervieweur",
    "enquêteur",
    "enquêtrice",
    "interviewé",
    "interviewée",
    "interviewerin",
    "befragter",
    "befragte",
];

/// Abbreviations whose dot is allowed in a label (`Dr. Silva:`), lower case, no dot.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "mx", "prof", "sr", "sra", "srta", "dra", "jr", "st", "hr", "fr",
];

/// Characters that never occur in a speaker label (sentence punctuation, brackets,
/// markup); Rev markers such as `[inaudible 00:06:59]` are rejected by them.
const NOT_IN_LABEL: &[char] = &[
    ',', '?', '!', ';', '"', '“', '”', '„', '[', ']', '{', '}', '<', '>', '…', '。', '，', '？',
    '！', '；', '、', '=', '|', '`', '*', '/', '\\', '@', '#', '~', '^', '$', '%', '+', ':', '：',
];

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn prefix(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Turns CRLF and lone CR line ends into LF (linear; borrows when there is no CR) and
/// drops a byte order mark.
pub(crate) fn normalize_newlines(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A label candidate found at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LabelCandidate<'a> {
    /// The label as written, without surrounding whitespace and emphasis markers.
    pub label: &'a str,
    /// The text after the colon (and after closing emphasis markers), untrimmed.
    pub rest: &'a str,
}

/// Splits a line into a plausible speaker label and the rest, or `None` when the text
/// before the line's first colon cannot be a label. Looks at most at the first
/// [`LABEL_SCAN_BYTES`] bytes.
pub(crate) fn label_candidate(line: &str) -> Option<LabelCandidate<'_>> {
    let t = line.trim_start();
    let (idx, colon) = prefix(t, LABEL_SCAN_BYTES)
        .char_indices()
        .find(|&(_, c)| c == ':' || c == '：')?;
    let before = t.get(..idx)?.trim();
    let mut rest = t.get(idx + colon.len_utf8()..)?;
    let is_marker = |c: char| c == '*' || c == '_';
    let core = before.trim_start_matches(is_marker);
    let open = before.len() - core.len();
    let label_closed = core.trim_end_matches(is_marker);
    let closed = core.len() - label_closed.len();
    if open > closed {
        // `**Interviewer:**`: the closing markers follow the colon.
        let n = rest
            .bytes()
            .take(open - closed)
            .take_while(|&b| b == b'*' || b == b'_')
            .count();
        rest = rest.get(n..)?;
    }
    let label = label_closed.trim();
    plausible_label(label, rest).then_some(LabelCandidate { label, rest })
}

/// True when `label` (followed by `rest` after the colon) looks like a speaker's name.
fn plausible_label(label: &str, rest: &str) -> bool {
    if label.is_empty()
        || label.chars().count() > MAX_LABEL_CHARS
        || label.split_whitespace().count() > MAX_LABEL_WORDS
        || label
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
        || label
            .chars()
            .any(|c| NOT_IN_LABEL.contains(&c) || c.is_control())
    {
        return false;
    }
    let dots_ok = label.split_whitespace().all(|w| {
        !w.contains('.')
            || w.strip_suffix('.').is_some_and(|a| {
                !a.contains('.') && ABBREVIATIONS.contains(&a.to_lowercase().as_str())
            })
    });
    if !dots_ok {
        return false;
    }
    // A clock time (`At 10:30`) or a URL (`http://…`) is not a label.
    let digit_before = label.ends_with(|c: char| c.is_ascii_digit());
    let digit_after = rest.starts_with(|c: char| c.is_ascii_digit());
    let clock = digit_before && digit_after;
    let url = rest.starts_with("//");
    !clock && !url
}

/// True when `label` is a role that is a speaker even if it occurs once: a role word
/// with an optional number or letter (`Interviewer`, `Interviewer1`, `Speaker 2`,
/// `Leader B`), `Unknown Speaker`, or a short code (`P3`, `R12`).
pub(crate) fn is_known_role(label: &str) -> bool {
    let lower = label.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let is_id = |w: &str| {
        (!w.is_empty() && w.len() <= 3 && w.bytes().all(|b| b.is_ascii_digit()))
            || (w.chars().count() == 1 && w.chars().all(char::is_alphabetic))
    };
    match words.as_slice() {
        [w] => is_role_word(w) || is_short_code(w),
        [w, id] => (is_role_word(w) && is_id(id)) || (*w == "unknown" && is_role_word(id)),
        [u, w, id] => *u == "unknown" && is_role_word(w) && is_id(id),
        _ => false,
    }
}

/// A role word, optionally with digits glued on (`interviewer1`).
fn is_role_word(w: &str) -> bool {
    let base = w.trim_end_matches(|c: char| c.is_ascii_digit());
    ROLE_WORDS.contains(&base)
}

/// A one-letter code with a number: `p3`, `r12` (single letters such as `I:` or `R:`
/// count as labels only when they recur).
fn is_short_code(w: &str) -> bool {
    let mut chars = w.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let digits = chars.as_str();
    first.is_ascii_alphabetic()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.is_empty()
}

/// The labels accepted among candidates counted by lower-cased label: those that recur
/// or are known roles.
pub(crate) fn accepted_labels(counts: &HashMap<String, usize>) -> HashSet<String> {
    counts
        .iter()
        .filter(|(label, n)| **n >= 2 || is_known_role(label))
        .map(|(label, _)| label.clone())
        .collect()
}

/// A timestamp at the very start of `s`: `[00:19:00]`, `(00:19)`, `00:19:00`,
/// `00:19:00.500`; bracketed ones may be `MM:SS`, bare ones need `H:MM:SS`. Returns the
/// timestamp as written (without brackets) and the text after it, left-trimmed.
pub(crate) fn leading_timestamp(s: &str) -> Option<(&str, &str)> {
    let close = match s.as_bytes().first()? {
        b'[' => Some(b']'),
        b'(' => Some(b')'),
        _ => None,
    };
    let body = if close.is_some() { s.get(1..)? } else { s };
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut groups = 0;
    loop {
        let start = i;
        while i < bytes.len() && i - start < 3 && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let width = i - start;
        let ok = if groups == 0 {
            (1..=2).contains(&width)
        } else {
            width == 2
        };
        if !ok {
            return None;
        }
        groups += 1;
        if groups < 3
            && bytes.get(i) == Some(&b':')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            i += 1;
        } else {
            break;
        }
    }
    if groups < 2 || (close.is_none() && groups < 3) {
        return None;
    }
    if matches!(bytes.get(i), Some(b'.' | b',')) && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    {
        i += 1;
        let start = i;
        while i < bytes.len() && i - start < 3 && bytes[i].is_ascii_digit() {
            i += 1;
        }
    }
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let time = body.get(..i)?;
    let after = match close {
        Some(c) if bytes.get(i) == Some(&c) => body.get(i + 1..)?,
        Some(_) => return None,
        None => body.get(i..)?,
    };
    Some((time, after.trim_start()))
}

/// A line's label: the candidate after an optional leading timestamp
/// (`[00:01:02] Speaker 1: …`), with that timestamp.
fn line_label(line: &str) -> Option<(LabelCandidate<'_>, Option<&str>)> {
    let t = line.trim_start();
    if let Some((time, after)) = leading_timestamp(t)
        && let Some(c) = label_candidate(after)
    {
        return Some((c, Some(time)));
    }
    if let Some(found) = label_with_time(t) {
        return Some(found);
    }
    label_candidate(t).map(|c| (c, None))
}

/// A label followed by a timestamp in brackets before the colon, as Rev and Otter write
/// them: `Speaker 1 (00:02):`, `Ana [01:02:03]:`.
fn label_with_time(t: &str) -> Option<(LabelCandidate<'_>, Option<&str>)> {
    let window = prefix(t, LABEL_SCAN_BYTES);
    let open = window
        .char_indices()
        .find(|&(_, c)| c == '(' || c == '[')
        .map(|(i, _)| i)?;
    let (time, after) = leading_timestamp(t.get(open..)?)?;
    let rest = after
        .strip_prefix(':')
        .or_else(|| after.strip_prefix('：'))?;
    let label = t.get(..open)?.trim();
    plausible_label(label, rest).then_some((LabelCandidate { label, rest }, Some(time)))
}

/// A turn being built.
struct TurnBuf {
    speaker: String,
    time: Option<String>,
    text: String,
    /// A blank line was seen since the last text line.
    paragraph_break: bool,
}

impl TurnBuf {
    fn new(speaker: &str, time: Option<&str>) -> Self {
        TurnBuf {
            speaker: speaker.to_string(),
            time: time.map(str::to_string),
            text: String::new(),
            paragraph_break: false,
        }
    }

    /// Adds a line of text: a leading timestamp at the turn's start sets the time and is
    /// removed; later lines are joined by `\n`, or `\n\n` after a blank line.
    fn push_line(&mut self, line: &str) {
        let mut line = line.trim_end();
        if self.text.is_empty() {
            line = line.trim_start();
            if let Some((time, after)) = leading_timestamp(line) {
                if self.time.is_none() {
                    self.time = Some(time.to_string());
                }
                line = after;
            }
            if line.is_empty() {
                return;
            }
        } else {
            self.text
                .push_str(if self.paragraph_break { "\n\n" } else { "\n" });
        }
        self.paragraph_break = false;
        self.text.push_str(line);
    }

    fn finish(self) -> Turn {
        Turn {
            speaker: self.speaker,
            time: self.time,
            text: self.text.trim().to_string(),
        }
    }
}

/// Emphasis markers and whitespace around a line that may be a label without a colon.
fn bare_label(line: &str) -> &str {
    line.trim()
        .trim_matches(|c: char| c == '*' || c == '_')
        .trim()
}

/// Parses transcript text.
///
/// Labelled text gives one turn per label (text before the first label becomes a turn
/// with an empty speaker); paragraphs without a label belong to the turn before them. A
/// line holding only an accepted label without its colon (`Interviewee`, `Unknown
/// Speaker`) after a blank line and before text also starts a turn. Without labels, each
/// paragraph is a turn with an empty speaker.
pub fn parse(text: &str) -> ParsedTranscript {
    let text = normalize_newlines(text);
    let lines: Vec<&str> = text.split('\n').collect();

    let mut counts: HashMap<String, usize> = HashMap::new();
    for line in &lines {
        if let Some((c, _)) = line_label(line) {
            *counts.entry(c.label.to_lowercase()).or_default() += 1;
        }
    }
    let accepted = accepted_labels(&counts);
    let labelled_mode = !accepted.is_empty();

    let mut turns = Vec::new();
    let mut current: Option<TurnBuf> = None;
    let mut labelled = false;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            if let Some(turn) = current.as_mut() {
                turn.paragraph_break = true;
                if !labelled_mode && !turn.text.is_empty() {
                    turns.extend(current.take().map(TurnBuf::finish));
                }
            }
            continue;
        }
        if labelled_mode {
            if let Some((c, time)) = line_label(line)
                && accepted.contains(&c.label.to_lowercase())
            {
                turns.extend(current.take().map(TurnBuf::finish));
                let mut turn = TurnBuf::new(c.label, time);
                turn.push_line(c.rest);
                current = Some(turn);
                labelled = true;
                continue;
            }
            let bare = bare_label(line);
            let after_blank = i == 0 || lines.get(i - 1).is_some_and(|l| l.trim().is_empty());
            let before_text = lines.get(i + 1).is_some_and(|l| !l.trim().is_empty());
            if after_blank
                && before_text
                && bare.len() <= LABEL_SCAN_BYTES
                && !bare.contains([':', '：'])
                && plausible_label(bare, "")
                && (accepted.contains(&bare.to_lowercase())
                    || (is_known_role(bare) && !is_short_code(&bare.to_lowercase())))
            {
                turns.extend(current.take().map(TurnBuf::finish));
                current = Some(TurnBuf::new(bare, None));
                labelled = true;
                continue;
            }
        }
        current
            .get_or_insert_with(|| TurnBuf::new("", None))
            .push_line(line);
    }
    turns.extend(current.take().map(TurnBuf::finish));
    if !labelled {
        turns.retain(|t| !t.text.is_empty() || t.time.is_some());
    }
    ParsedTranscript { turns, labelled }
}

/// Options of `gloss import transcript`.
#[derive(Debug, Clone, Default)]
pub struct TranscriptImportOptions {
    /// How to treat invalid UTF-8 (`--lossy`).
    pub utf8: Utf8Policy,
    /// The document name to use instead of the file name (`--id`; one file only).
    pub id: Option<String>,
}

/// One planned write of an import.
struct Planned {
    dest: PathBuf,
    id: String,
    text: String,
    outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Added,
    Updated,
    Unchanged,
}

/// Imports transcript files (and the transcript files of folders, recursively) into the
/// project's `transcripts/` folder as `transcripts/<slug of the name>.<ext>`; files
/// already in that folder stay where they are. Every file is read and parsed first, so
/// nothing is written when any input is bad.
pub fn import_transcripts(
    project: &Project,
    paths: &[PathBuf],
    opts: &TranscriptImportOptions,
) -> Result<ImportReport> {
    let files = collect_files(paths)?;
    if files.is_empty() {
        return Err(Error::Input(
            "no transcript files found; pass .txt, .md, .vtt or .srt files or folders holding them"
                .into(),
        ));
    }
    if opts.id.is_some() && files.len() != 1 {
        return Err(Error::Input(format!(
            "--id names a single document, but {} transcript files were given; import them without --id or one at a time",
            files.len()
        )));
    }
    let folder = DocKind::Transcript.folder();
    let root = project
        .root
        .canonicalize()
        .map_err(|e| Error::io(&project.root, e))?;
    let transcripts_dir = root.join(folder);

    let mut report = ImportReport::default();
    let mut plans: Vec<Planned> = Vec::new();
    let mut by_id: HashMap<String, PathBuf> = HashMap::new();
    for file in files {
        let decoded = read_text(&file, opts.utf8)?;
        report.warnings.extend(decoded.warnings);
        let (dest, id) = if file.starts_with(&transcripts_dir) {
            if opts.id.is_some() {
                return Err(Error::Input(format!(
                    "{} is already in the project's {folder}/ folder; rename the file instead of passing --id",
                    file.display()
                )));
            }
            let id = transcript_id(&root, &file);
            (file.clone(), id)
        } else {
            let stem = match &opts.id {
                Some(id) => id
                    .strip_prefix(&format!("{folder}/"))
                    .unwrap_or(id)
                    .to_string(),
                None => file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            let name = slug(&stem);
            if name.is_empty() {
                return Err(Error::Input(format!(
                    "{}: cannot make a document name from {stem:?}; pass --id NAME",
                    file.display()
                )));
            }
            let mut ext = file
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if ext == "text" {
                // `.text` is read but not matched by the default source globs.
                ext = "txt".into();
            }
            (
                transcripts_dir.join(format!("{name}.{ext}")),
                format!("{folder}/{name}"),
            )
        };
        let parsed = transcript_document(&file, id.clone(), &decoded.text)?;
        report.warnings.extend(parsed.warnings);
        if let Some(other) = by_id.insert(id.clone(), file.clone()) {
            return Err(Error::Input(format!(
                "{} and {} would both become document {id}; rename one of them or import it on its own with --id NAME",
                other.display(),
                file.display()
            )));
        }
        super::refuse_renamed(project, &id)?;
        if let Some(existing) = same_id_other_file(&dest)? {
            return Err(Error::Input(format!(
                "{} would become document {id}, which the project already has as {}; remove that file or import with --id NAME",
                file.display(),
                existing.display()
            )));
        }
        let outcome = match fs::read(&dest) {
            Ok(bytes) if bytes == decoded.text.as_bytes() => Outcome::Unchanged,
            Ok(_) => Outcome::Updated,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Added,
            Err(e) => return Err(Error::io(&dest, e)),
        };
        plans.push(Planned {
            dest,
            id,
            text: decoded.text,
            outcome,
        });
    }

    for plan in plans {
        match plan.outcome {
            Outcome::Unchanged => report.unchanged.push(plan.id),
            Outcome::Added | Outcome::Updated => {
                write_atomic(&plan.dest, plan.text.as_bytes())?;
                report.written.push(plan.dest);
                if plan.outcome == Outcome::Added {
                    report.added.push(plan.id);
                } else {
                    report.updated.push(plan.id);
                }
            }
        }
    }
    Ok(report)
}

/// Another transcript file next to `dest` with the same stem (`a.md` for `a.txt`), which
/// would give a second document with the same id.
fn same_id_other_file(dest: &Path) -> Result<Option<PathBuf>> {
    let (Some(dir), Some(stem)) = (dest.parent(), dest.file_stem()) else {
        return Ok(None);
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path != dest && path.file_stem() == Some(stem) && TranscriptFormat::of(&path).is_some() {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// The transcript files named by `paths`, canonical, sorted within each folder and
/// without repeats. A file given by name must be a transcript format; folders are
/// searched recursively for transcript files (hidden entries and symlinked folders are
/// skipped).
fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            for file in found {
                let canonical = file.canonicalize().map_err(|e| Error::io(&file, e))?;
                if seen.insert(canonical.clone()) {
                    files.push(canonical);
                }
            }
        } else {
            if TranscriptFormat::of(path).is_none() {
                return Err(Error::Input(format!(
                    "{}: not a transcript file; gloss reads .txt, .md, .vtt and .srt",
                    path.display()
                )));
            }
            let canonical = path.canonicalize().map_err(|e| Error::io(path, e))?;
            if seen.insert(canonical.clone()) {
                files.push(canonical);
            }
        }
    }
    Ok(files)
}

/// Collects the transcript files under `dir`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if file_type.is_dir() {
            walk(&path, out)?;
        } else if TranscriptFormat::of(&path).is_some()
            && (file_type.is_file() || fs::metadata(&path).is_ok_and(|m| m.is_file()))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;

    fn speakers(p: &ParsedTranscript) -> Vec<&str> {
        p.turns.iter().map(|t| t.speaker.as_str()).collect()
    }

    fn texts(p: &ParsedTranscript) -> Vec<&str> {
        p.turns.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn labels_alone_on_their_line_with_crlf() {
        let p = parse(
            "Interviewer:\r\nSo first, tell me.\r\n\r\nLeader 1:\r\nContributed to?\r\n\r\nLeader 1:\r\nYes.\r\nMore.\r\n",
        );
        assert!(p.labelled);
        assert_eq!(speakers(&p), ["Interviewer", "Leader 1", "Leader 1"]);
        assert_eq!(
            texts(&p),
            ["So first, tell me.", "Contributed to?", "Yes.\nMore."]
        );
        assert!(p.turns.iter().all(|t| !t.text.contains('\r')));
    }

    #[test]
    fn inline_labels_without_blank_lines_and_variants() {
        let p = parse(
            "Interviewer1 : Hello.\nInterviewee: Hi.\nmore of it\n interviewee: lower case\nInterviewer 1: again\nP3: yes\n",
        );
        assert_eq!(
            speakers(&p),
            [
                "Interviewer1",
                "Interviewee",
                "interviewee",
                "Interviewer 1",
                "P3"
            ]
        );
        assert_eq!(texts(&p)[1], "Hi.\nmore of it");
    }

    #[test]
    fn a_single_note_and_rev_markers_stay_text() {
        let p = parse(
            "Speaker 1:\nQuestion?\n\nSpeaker 2:\nAnswer.\n\nNote: the model was retrained.\n\nNo. [inaudible 00:06:59] again it was fine.\n\nSpeaker 1:\nOk.",
        );
        assert_eq!(speakers(&p), ["Speaker 1", "Speaker 2", "Speaker 1"]);
        assert_eq!(
            p.turns[1].text,
            "Answer.\n\nNote: the model was retrained.\n\nNo. [inaudible 00:06:59] again it was fine."
        );
        assert_eq!(p.turns[1].time, None);
    }

    #[test]
    fn recurring_names_are_labels_and_single_names_are_not() {
        let p = parse("Maria: one\nJoão: two\nMaria: three\nJoão: four\nWarning: once\n");
        assert_eq!(speakers(&p), ["Maria", "João", "Maria", "João"]);
        assert_eq!(p.turns[3].text, "four\nWarning: once");
        let p = parse("Note: the model is fine.\n\nAnother paragraph.");
        assert!(!p.labelled);
        assert_eq!(
            texts(&p),
            ["Note: the model is fine.", "Another paragraph."]
        );
    }

    #[test]
    fn label_candidates() {
        assert!(label_candidate("At 10:30 we met").is_none());
        assert!(label_candidate("00:19:00 text").is_none());
        assert!(label_candidate("See http://example.org").is_none());
        assert!(label_candidate("Well, the thing is: no").is_none());
        assert!(label_candidate("one two three four five: no").is_none());
        assert_eq!(
            label_candidate("Dr. Silva: sim").map(|c| c.label),
            Some("Dr. Silva")
        );
        assert_eq!(
            label_candidate("**Interviewer:** hi").map(|c| c.rest),
            Some(" hi")
        );
        assert!(is_known_role("Interviewer 2"));
        assert!(is_known_role("Unknown Speaker"));
        assert!(is_known_role("P12"));
        assert!(!is_known_role("Note"));
        assert!(!is_known_role("Maria"));
    }

    #[test]
    fn timestamps_at_turn_start() {
        let p = parse(
            "Interviewee: [00:19:00]So we did it [crosstalk 00:10:11] then.\nInterviewer: 00:20:05 Next.\n[00:21:00] Interviewee: Sure.\nInterviewer: Fine [00:22:00] yes.\n",
        );
        assert_eq!(p.turns[0].time.as_deref(), Some("00:19:00"));
        assert_eq!(p.turns[0].text, "So we did it [crosstalk 00:10:11] then.");
        assert_eq!(p.turns[1].time.as_deref(), Some("00:20:05"));
        assert_eq!(p.turns[1].text, "Next.");
        assert_eq!(p.turns[2].speaker, "Interviewee");
        assert_eq!(p.turns[2].time.as_deref(), Some("00:21:00"));
        assert_eq!(p.turns[3].time, None);
        assert_eq!(p.turns[3].text, "Fine [00:22:00] yes.");
        // Label alone on its line, timestamp on the next line.
        let p = parse("Speaker 1 (00:02):\nHi.\n\nSpeaker 2 [00:00:05]: Hello.\n");
        assert_eq!(speakers(&p), ["Speaker 1", "Speaker 2"]);
        assert_eq!(p.turns[0].time.as_deref(), Some("00:02"));
        assert_eq!(p.turns[1].time.as_deref(), Some("00:00:05"));
        assert_eq!(texts(&p), ["Hi.", "Hello."]);
        let p = parse("Speaker 1:\n(01:02) Hello\n");
        assert_eq!(p.turns[0].time.as_deref(), Some("01:02"));
        assert_eq!(p.turns[0].text, "Hello");
        assert_eq!(leading_timestamp("10:30 is late"), None);
        assert_eq!(
            leading_timestamp("[00:19:00.500]x"),
            Some(("00:19:00.500", "x"))
        );
    }

    #[test]
    fn any_script_and_full_width_colon() {
        let p = parse("采访者：你好。\n受访者：你好！\n采访者：再见。\n受访者：再见。");
        assert_eq!(speakers(&p), ["采访者", "受访者", "采访者", "受访者"]);
        assert_eq!(p.turns[1].text, "你好！");
        let p = parse("Entrevistador: ¿Hola?\n\nEntrevistada: Sí.");
        assert_eq!(speakers(&p), ["Entrevistador", "Entrevistada"]);
    }

    #[test]
    fn markdown_bold_labels() {
        let p = parse(
            "# Interview 3\n\n**Interviewer:** Hello.\n\n**Participant**: Hi.\n\nStill me.\n",
        );
        assert_eq!(speakers(&p), ["", "Interviewer", "Participant"]);
        assert_eq!(texts(&p), ["# Interview 3", "Hello.", "Hi.\n\nStill me."]);
    }

    #[test]
    fn bare_label_lines_of_known_speakers() {
        let p = parse(
            "Interviewer 1: Question?\n\nInterviewee \nAnswer.\n\nUnknown Speaker\nAre you there?\n\nInterviewee: Yes.\n",
        );
        assert_eq!(
            speakers(&p),
            [
                "Interviewer 1",
                "Interviewee",
                "Unknown Speaker",
                "Interviewee"
            ]
        );
        assert_eq!(p.turns[1].text, "Answer.");
    }

    #[test]
    fn text_before_the_first_label_is_its_own_turn() {
        let p = parse("All right.\n\nInterviewer 1: To start.\n\nInterviewee: Yes.");
        assert_eq!(speakers(&p), ["", "Interviewer 1", "Interviewee"]);
    }

    #[test]
    fn unlabelled_text_gives_one_turn_per_paragraph() {
        let p = parse("\r\n[00:00:05] First paragraph\r\nsecond line.\r\n\r\n\r\nSecond one.\r\n");
        assert!(!p.labelled);
        assert_eq!(texts(&p), ["First paragraph\nsecond line.", "Second one."]);
        assert_eq!(p.turns[0].time.as_deref(), Some("00:00:05"));
        assert!(speakers(&p).iter().all(|s| s.is_empty()));
        assert!(parse("").turns.is_empty());
    }

    #[test]
    fn odd_inputs_never_panic() {
        let pieces = [
            "Interviewer",
            ":",
            "：",
            " ",
            "\r",
            "\n",
            "\r\n",
            "[",
            "]",
            "(",
            "00",
            "1",
            ":00",
            "**",
            "_",
            "é",
            "采访者",
            "👍🏽",
            "e\u{301}",
            "-->",
            "WEBVTT",
            "<v",
            ">",
            "<",
            "{\\",
            "}",
            "&amp;",
            "NOTE",
            ".",
            ",",
            "00:00:01.000",
            "00:00:01,000",
            "\u{feff}",
            "\t",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = seed % 40;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[usize::try_from(seed).unwrap() % pieces.len()]);
            }
            let p = parse(&text);
            assert!(p.turns.iter().all(|t| !t.text.contains('\r')), "{text:?}");
            let _ = super::super::subtitles::parse_vtt(&text);
            let _ = super::super::subtitles::parse_srt(&text);
            let _ = leading_timestamp(&text);
        }
    }

    #[test]
    fn a_huge_single_line_parses_in_linear_time() {
        let text = "word ".repeat(10 * 1024 * 1024);
        let started = std::time::Instant::now();
        let p = parse(&text);
        assert_eq!(p.turns.len(), 1);
        assert_eq!(p.turns[0].text.len(), text.len() - 1);
        let colons = "a: ".repeat(17 * 1024 * 1024);
        let p = parse(&colons);
        assert_eq!(p.turns.len(), 1);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
    }
}
