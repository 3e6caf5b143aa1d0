//! WebVTT and SRT subtitle transcripts: one turn per run of cues by the same speaker.
//!
//! A cue's speaker is its first `<v Name>` voice tag, else a `Name:` prefix accepted by
//! the same rules as in text transcripts (recurring, or a known role). Other tags are
//! removed. Consecutive cues of one speaker merge into one turn (texts joined by a
//! space) whose time is the first cue's start as written (`00:01:02.500`, or
//! `00:01:02,500` in SRT). Cues without a speaker stay one turn each.

use std::collections::HashMap;

use super::LineError;
use super::transcript::{accepted_labels, label_candidate, normalize_newlines};
use crate::corpus::Turn;

/// One cue: its start time as written, its voice (if tagged) and its text without tags.
#[derive(Debug)]
struct Cue {
    start: String,
    voice: Option<String>,
    text: String,
}

/// The format-specific parts of a timing line.
#[derive(Clone, Copy)]
enum Flavor {
    Vtt,
    Srt,
}

impl Flavor {
    fn example(self) -> &'static str {
        match self {
            Flavor::Vtt => "00:00:01.000 --> 00:00:04.000",
            Flavor::Srt => "00:00:01,000 --> 00:00:04,000",
        }
    }
}

/// Parses WebVTT.
pub fn parse_vtt(text: &str) -> Result<Vec<Turn>, LineError> {
    let text = normalize_newlines(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let header = lines.first().map_or("", |l| l.trim_end());
    let rest = header.strip_prefix("WEBVTT");
    if !rest.is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t'])) {
        return Err(LineError::new(
            1,
            "not a WebVTT file: the first line must be `WEBVTT`; add that line, or rename the file if it is another format",
        ));
    }
    let mut cues = Vec::new();
    let mut blocks = blocks(&lines);
    blocks.next(); // the header block
    for (first, block) in blocks {
        let head = block.first().map_or("", |l| l.trim());
        if ["NOTE", "STYLE", "REGION"].iter().any(|k| {
            head.strip_prefix(k)
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
        }) {
            continue;
        }
        let timing = if head.contains("-->") {
            0
        } else if block.get(1).is_some_and(|l| l.contains("-->")) {
            1
        } else {
            let at = first + block.len().min(2) - 1;
            return Err(LineError::new(
                at + 1,
                format!(
                    "expected a cue timing line such as `{}`",
                    Flavor::Vtt.example()
                ),
            ));
        };
        let start = parse_timing(
            block.get(timing).copied().unwrap_or(""),
            first + timing,
            Flavor::Vtt,
        )?;
        push_cue(&mut cues, start, block.get(timing + 1..).unwrap_or(&[]));
    }
    Ok(merge(cues))
}

/// Parses SRT.
pub fn parse_srt(text: &str) -> Result<Vec<Turn>, LineError> {
    let text = normalize_newlines(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut cues: Vec<Cue> = Vec::new();
    for (first, block) in blocks(&lines) {
        let head = block.first().map_or("", |l| l.trim());
        let timing = if head.contains("-->") {
            0
        } else if head.bytes().all(|b| b.is_ascii_digit()) {
            if !block.get(1).is_some_and(|l| l.contains("-->")) {
                return Err(LineError::new(
                    first + 2,
                    format!(
                        "expected the timing line of subtitle {head}, such as `{}`",
                        Flavor::Srt.example()
                    ),
                ));
            }
            1
        } else if let Some(prev) = cues.last_mut() {
            // A blank line inside a subtitle's text: keep the text with that subtitle.
            let more = cue_text(block).1;
            if !more.is_empty() {
                prev.text.push(' ');
                prev.text.push_str(&more);
            }
            continue;
        } else {
            return Err(LineError::new(
                first + 1,
                format!(
                    "expected a subtitle number or a timing line such as `{}`",
                    Flavor::Srt.example()
                ),
            ));
        };
        let start = parse_timing(
            block.get(timing).copied().unwrap_or(""),
            first + timing,
            Flavor::Srt,
        )?;
        push_cue(&mut cues, start, block.get(timing + 1..).unwrap_or(&[]));
    }
    Ok(merge(cues))
}

/// The blocks of non-blank lines, each with the 0-based index of its first line.
fn blocks<'a>(lines: &'a [&'a str]) -> impl Iterator<Item = (usize, &'a [&'a str])> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while lines.get(i).is_some_and(|l| l.trim().is_empty()) {
            i += 1;
        }
        if i >= lines.len() {
            return None;
        }
        let start = i;
        while lines.get(i).is_some_and(|l| !l.trim().is_empty()) {
            i += 1;
        }
        Some((start, lines.get(start..i).unwrap_or(&[])))
    })
}

/// Checks a timing line (0-based index `at`) and returns the cue's start as written.
fn parse_timing(line: &str, at: usize, flavor: Flavor) -> Result<String, LineError> {
    let bad = || {
        let shown: String = line.trim().chars().take(60).collect();
        LineError::new(
            at + 1,
            format!(
                "malformed cue timing {shown:?}; expected `{}`",
                flavor.example()
            ),
        )
    };
    let (left, right) = line.split_once("-->").ok_or_else(bad)?;
    let start = left.trim();
    let end = right.split_whitespace().next().unwrap_or("");
    if is_time(start, flavor) && is_time(end, flavor) {
        Ok(start.to_string())
    } else {
        Err(bad())
    }
}

/// True for `HH:MM:SS.mmm` or `MM:SS.mmm` (VTT) and `HH:MM:SS,mmm` (SRT; a dot is
/// accepted too).
fn is_time(s: &str, flavor: Flavor) -> bool {
    let sep = |c: char| match flavor {
        Flavor::Vtt => c == '.',
        Flavor::Srt => c == ',' || c == '.',
    };
    let Some((clock, frac)) = s.split_once(sep) else {
        return false;
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let sixty = |p: &str| digits(p, 2, 2) && p < "60";
    let parts: Vec<&str> = clock.split(':').collect();
    let clock_ok = match (flavor, parts.as_slice()) {
        (Flavor::Vtt, [m, s]) => sixty(m) && sixty(s),
        (_, [h, m, s]) => digits(h, 1, 4) && sixty(m) && sixty(s),
        _ => false,
    };
    let frac_ok = match flavor {
        Flavor::Vtt => digits(frac, 3, 3),
        Flavor::Srt => digits(frac, 1, 3),
    };
    clock_ok && frac_ok
}

/// Adds a cue from its text lines (nothing when it has no text).
fn push_cue(cues: &mut Vec<Cue>, start: String, lines: &[&str]) {
    let (voice, text) = cue_text(lines);
    if !text.is_empty() {
        cues.push(Cue { start, voice, text });
    }
}

/// A cue's voice (first `<v Name>` tag) and its text: lines joined by a space, tags
/// (`<i>`, `</v>`, `<c.x>`, `<00:00:01.000>`, `{\an8}`) removed, entities decoded.
fn cue_text(lines: &[&str]) -> (Option<String>, String) {
    let mut voice = None;
    let mut text = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        let mut rest = line;
        while !rest.is_empty() {
            let next = rest.find(['<', '{']);
            let Some(at) = next else {
                text.push_str(rest);
                break;
            };
            text.push_str(rest.get(..at).unwrap_or(""));
            let tail = rest.get(at..).unwrap_or("");
            let (close, is_tag) = if tail.starts_with('<') {
                ('>', true)
            } else {
                ('}', tail.starts_with("{\\"))
            };
            match tail.find(close).filter(|_| is_tag) {
                Some(end) => {
                    let tag = tail.get(1..end).unwrap_or("");
                    if voice.is_none()
                        && let Some(v) = tag.strip_prefix('v')
                        && v.starts_with([' ', '\t', '.'])
                    {
                        let name = v.split_once([' ', '\t']).map_or("", |(_, n)| n.trim());
                        if !name.is_empty() {
                            voice = Some(decode_entities(name));
                        }
                    }
                    rest = tail.get(end + close.len_utf8()..).unwrap_or("");
                }
                None => {
                    // Not a tag: keep the character.
                    text.push_str(tail.get(..1).unwrap_or(""));
                    rest = tail.get(1..).unwrap_or("");
                }
            }
        }
    }
    let text = decode_entities(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
    );
    (voice, text)
}

/// Decodes the character references WebVTT allows.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Gives each cue its speaker and merges consecutive cues of the same speaker.
fn merge(cues: Vec<Cue>) -> Vec<Turn> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for cue in cues.iter().filter(|c| c.voice.is_none()) {
        if let Some(c) = label_candidate(&cue.text) {
            *counts.entry(c.label.to_lowercase()).or_default() += 1;
        }
    }
    let accepted = accepted_labels(&counts);
    let mut turns: Vec<Turn> = Vec::new();
    for cue in cues {
        let (speaker, text) = match cue.voice {
            Some(v) => (v, cue.text),
            None => match label_candidate(&cue.text) {
                Some(c) if accepted.contains(&c.label.to_lowercase()) => {
                    (c.label.to_string(), c.rest.trim().to_string())
                }
                _ => (String::new(), cue.text),
            },
        };
        if let Some(last) = turns.last_mut()
            && !speaker.is_empty()
            && last.speaker == speaker
        {
            if !text.is_empty() {
                if !last.text.is_empty() {
                    last.text.push(' ');
                }
                last.text.push_str(&text);
            }
            continue;
        }
        turns.push(Turn {
            speaker,
            time: Some(cue.start),
            text,
        });
    }
    turns
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;

    #[test]
    fn vtt_voices_merge_and_tags_are_stripped() {
        let vtt = "WEBVTT - interview\r\nKind: captions\r\n\r\nNOTE written by hand\r\nover two lines\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\n1\r\n00:00:01.000 --> 00:00:04.000 align:start\r\n<v Ana Lima>Hello <i>there</i>,</v>\r\nhow are you?\r\n\r\n00:00:04.500 --> 00:00:06.000\r\n<v.loud Ana Lima><c.yellow>Fine</c> &amp; you?\r\n\r\n01:00:06.000 --> 01:00:08.000\r\n<v Bo>Good.\r\n\r\n01:00:08.000 --> 01:00:09.000\r\n<v Ana Lima><01:00:08.500>Great.\r\n";
        let turns = parse_vtt(vtt).unwrap();
        let got: Vec<(&str, Option<&str>, &str)> = turns
            .iter()
            .map(|t| (t.speaker.as_str(), t.time.as_deref(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Ana Lima",
                    Some("00:00:01.000"),
                    "Hello there, how are you? Fine & you?"
                ),
                ("Bo", Some("01:00:06.000"), "Good."),
                ("Ana Lima", Some("01:00:08.000"), "Great."),
            ]
        );
    }

    #[test]
    fn vtt_name_prefixes_and_cues_without_speaker() {
        let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nBob: hi\n\n00:02.000 --> 00:03.000\nBob: again\n\n00:03.000 --> 00:04.000\nNote: not a speaker\n\n00:04.000 --> 00:05.000\nplain\n";
        let turns = parse_vtt(vtt).unwrap();
        let got: Vec<(&str, &str)> = turns
            .iter()
            .map(|t| (t.speaker.as_str(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Bob", "hi again"),
                ("", "Note: not a speaker"),
                ("", "plain")
            ]
        );
        assert_eq!(turns[0].time.as_deref(), Some("00:01.000"));
    }

    #[test]
    fn vtt_errors_name_the_line() {
        let err = parse_vtt("00:00:01.000 --> 00:00:02.000\nhi\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("WEBVTT"), "{}", err.message);
        let err = parse_vtt(
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03 --> 00:00:04.000\nbad\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 6);
        assert!(
            err.message.contains("malformed cue timing"),
            "{}",
            err.message
        );
        let err = parse_vtt("WEBVTT\n\nid\ntext without timing\n").unwrap_err();
        assert_eq!(err.line, 4);
        assert!(parse_vtt("WEBVTTX\n").is_err());
        assert_eq!(parse_vtt("\u{feff}WEBVTT\n").unwrap(), []);
    }

    #[test]
    fn srt_cues() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,500\r\nInterviewer: <i>Hello</i>\r\nthere.\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nInterviewer: Still me.\r\n\r\n3\r\n00:00:05,000 --> 00:00:06,000\r\n{\\an8}P1: Hi.\r\n\r\nafter a stray blank line\r\n";
        let turns = parse_srt(srt).unwrap();
        let got: Vec<(&str, Option<&str>, &str)> = turns
            .iter()
            .map(|t| (t.speaker.as_str(), t.time.as_deref(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Interviewer",
                    Some("00:00:01,000"),
                    "Hello there. Still me."
                ),
                ("P1", Some("00:00:05,000"), "Hi. after a stray blank line"),
            ]
        );
    }

    #[test]
    fn srt_errors_name_the_line() {
        let err = parse_srt(
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nbad\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 6);
        let err = parse_srt("1\n00:00:01,000 --> 00:00:0x,000\nbad\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("malformed cue timing"),
            "{}",
            err.message
        );
        let err = parse_srt("hello\n").unwrap_err();
        assert_eq!(err.line, 1);
    }
}
