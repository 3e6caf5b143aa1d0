//! The reconciliation screen: progress, the disagreement shown with each coder's side
//! in a column (values, memos, evidence), what the consensus holds, the text of the
//! turn, the keys; and the new-value chooser over it. Every text from the project is
//! sanitised before it reaches the terminal.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use gloss::agree::{Disagreement, Kind, Place, Side};
use gloss::coding::{Entry, record_key};
use gloss::corpus::{Document, Position};
use gloss::text::layout::sanitize;

use super::{fit, panel};
use crate::tui::app::{App, ReconcileScreen, ValueChooser};
use crate::tui::theme::Theme;

/// At most this many characters of one piece of evidence are shown.
const EVIDENCE_CHARS: usize = 300;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(screen) = &app.reconcile else {
        return;
    };
    let n = screen.settled.len();
    let title = format!(
        " reconcile {} → {} — {} / {n} resolved ",
        screen.plan.coders.join(" · "),
        screen.plan.consensus,
        screen.settled_count()
    );
    let block = panel("", true).title(Span::styled(
        fit(&title, usize::from(area.width.saturating_sub(4))),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let Some(item) = screen.plan.items.get(screen.current) else {
        frame.render_widget(
            Paragraph::new("nothing to reconcile: the coders agree on everything compared"),
            inner,
        );
        return;
    };
    let doc = app.study.corpus.get(&item.doc);
    // The sides as tall as their longest (memos and evidence wrap), at most half.
    let side_width = usize::from(inner.width) / item.sides.len().max(1);
    let side_rows = item
        .sides
        .iter()
        .map(|s| side_height(s, doc, side_width.saturating_sub(2).max(1)))
        .max()
        .unwrap_or(1);
    let sides_height = (side_rows as u16 + 2).clamp(4, (inner.height / 2).max(4));
    let [head, sides_area, text_area, keys] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(sides_height),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);

    // Where we are, and what the consensus holds.
    let settled = screen.settled[screen.current];
    let state = if settled {
        Span::styled("✓ resolved", Style::default().add_modifier(Modifier::BOLD))
    } else {
        Span::styled("· open", theme.dim())
    };
    let place = format!("{} of {n}  ", screen.current + 1,);
    let what = format!("  {} — {}", item.link(), item.subject);
    let room = width.saturating_sub(place.len() + state.width());
    let first = Line::from(vec![
        Span::raw(place),
        state,
        Span::styled(
            fit(&what, room),
            Style::default().add_modifier(Modifier::BOLD),
        ),
    ]);
    let consensus = format!(
        "{}: {}",
        screen.plan.consensus,
        consensus_holds(app, screen)
    );
    frame.render_widget(
        Paragraph::new(vec![
            first,
            Line::styled(fit(&consensus, width), theme.dim()),
        ]),
        head,
    );

    // One column per coder.
    let m = item.sides.len().max(1);
    let columns = Layout::horizontal(vec![Constraint::Ratio(1, m as u32); m]).split(sides_area);
    for (k, (side, column)) in item.sides.iter().zip(columns.iter()).enumerate() {
        side_column(frame, *column, k, item.kind, side, doc, theme);
    }

    // The text of the turn, the unit of text in bold.
    turn_text(frame, text_area, item, doc, theme);

    let hint = format!(
        "1–{m} take a side · b both · n new value · Space skip · ] [ unsettled · j k all · Enter read · A agreed · u undo · ? keys"
    );
    frame.render_widget(
        Paragraph::new(Span::styled(fit(&hint, width), theme.dim())),
        keys,
    );

    if let Some(chooser) = &screen.chooser {
        chooser_popup(frame, area, item, chooser, theme);
    }
}

/// What the consensus coder holds for the disagreement shown: the record's values of
/// the dimension, or whether the unit is settled.
fn consensus_holds(app: &App, screen: &ReconcileScreen) -> String {
    let item = &screen.plan.items[screen.current];
    let file = app.study.codings.coder(&screen.plan.consensus);
    match &item.place {
        Place::Record { .. } => {
            let values = screen.plan.record_number(screen.current).and_then(|n| {
                match file?.get(&record_key(&item.doc, n))? {
                    Entry::Record(r) => r.values.get(&item.id).cloned(),
                    _ => None,
                }
            });
            match values {
                None => "not decided yet".into(),
                Some(v) if v.is_empty() => "no value".into(),
                Some(v) => v
                    .iter()
                    .map(|id| {
                        app.study
                            .codebook
                            .find_id(id)
                            .map_or_else(|| id.clone(), |c| c.name.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        }
        Place::Text { .. } if screen.settled[screen.current] => "decided".into(),
        Place::Text { .. } => "not decided yet".into(),
    }
}

/// Rows a side takes at `width` columns, roughly (each line wrapped).
fn side_height(side: &Side, doc: Option<&Document>, width: usize) -> usize {
    let rows = |chars: usize| chars.div_ceil(width).max(1);
    let quotes: usize = doc.map_or(0, |doc| {
        side.spans
            .iter()
            .map(|&(a, b)| rows(quote_of(doc, a, b).chars().count() + 12))
            .sum()
    });
    2 + side
        .memos
        .iter()
        .map(|m| rows(m.chars().count() + 6))
        .sum::<usize>()
        + quotes
}

/// One coder's side: the values, the memos, the evidence text.
fn side_column(
    frame: &mut Frame,
    area: Rect,
    k: usize,
    kind: Kind,
    side: &Side,
    doc: Option<&Document>,
    theme: &Theme,
) {
    let title = format!(" {} {} ", k + 1, side.coder);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        fit(&title, usize::from(area.width.saturating_sub(2))),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let mut lines: Vec<Line> = Vec::new();
    let values = match (side.labels.is_empty(), kind, side.record) {
        (false, _, _) => side.labels.join(", "),
        (true, Kind::Code, _) => "(not coded)".to_string(),
        (true, _, Some(_)) => "(no value)".to_string(),
        (true, _, None) => "(no record)".to_string(),
    };
    lines.push(Line::styled(
        sanitize(&values).into_owned(),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    if let Some(n) = side.record {
        lines.push(Line::styled(format!("record {n}"), theme.dim()));
    }
    for memo in &side.memos {
        lines.push(Line::from(vec![
            Span::styled("memo: ", theme.dim()),
            Span::raw(sanitize(memo).into_owned()),
        ]));
    }
    if let Some(doc) = doc {
        for &(start, end) in &side.spans {
            let quote = quote_of(doc, start, end);
            lines.push(Line::from(vec![
                Span::styled(format!("turn {}: ", start.turn + 1), theme.dim()),
                Span::raw(format!("“{}”", sanitize(&quote))),
            ]));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// The text from `start` to `end` (to the end of the first turn when it goes on), cut
/// to [`EVIDENCE_CHARS`] characters.
fn quote_of(doc: &Document, start: Position, end: Position) -> String {
    let Some(turn) = doc.turns.get(start.turn) else {
        return String::new();
    };
    let stop = if end.turn == start.turn {
        end.byte
    } else {
        turn.text.len()
    };
    let text = turn.text.get(start.byte..stop).unwrap_or_default();
    let mut out: String = text.chars().take(EVIDENCE_CHARS).collect();
    if out.len() < text.len() || end.turn > start.turn {
        out.push('…');
    }
    out
}

/// The document from the disagreement's turn on, line by line, each turn under its
/// number and speaker: the unit of text (span codes) or every side's evidence
/// (records) in bold.
fn turn_text(
    frame: &mut Frame,
    area: Rect,
    item: &Disagreement,
    doc: Option<&Document>,
    theme: &Theme,
) {
    // A record without evidence: the document from its start.
    let first = match &item.place {
        Place::Text { start, .. } => start.turn,
        Place::Record { .. } => item.turn.map_or(0, |t| t.saturating_sub(1)),
    };
    let Some(doc) = doc.filter(|d| first < d.turns.len()) else {
        let block = Block::default().borders(Borders::ALL).title(" text ");
        frame.render_widget(
            Paragraph::new(Span::styled(
                "the document is not in the project any more",
                theme.dim(),
            ))
            .block(block),
            area,
        );
        return;
    };
    let block = Block::default().borders(Borders::ALL).title(Span::raw(fit(
        &format!(" {} from turn {} ", item.doc, first + 1),
        usize::from(area.width.saturating_sub(2)),
    )));
    let marked: Vec<(Position, Position)> = match &item.place {
        Place::Text { start, end, .. } => vec![(*start, *end)],
        Place::Record { .. } => item
            .sides
            .iter()
            .flat_map(|s| s.spans.iter().copied())
            .collect(),
    };
    let bold = Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    let rows = usize::from(area.height);
    let mut lines: Vec<Line> = Vec::new();
    // The first line with marked text, to scroll to.
    let mut first_marked: Option<usize> = None;
    for (t, turn) in doc.turns.iter().enumerate().skip(first) {
        if lines.len() > rows * 4 {
            break;
        }
        let text = turn.text.as_str();
        // The marked byte ranges within this turn.
        let ranges: Vec<(usize, usize)> = marked
            .iter()
            .filter(|(a, b)| a.turn <= t && b.turn >= t)
            .map(|(a, b)| {
                let from = if a.turn == t { a.byte } else { 0 };
                let to = if b.turn == t { b.byte } else { text.len() };
                (from.min(text.len()), to.min(text.len()))
            })
            .collect();
        lines.push(Line::styled(
            format!("turn {} · {}", t + 1, sanitize(&turn.speaker)),
            theme.dim(),
        ));
        let mut at = 0;
        for row in text.split('\n') {
            let end = at + row.len();
            let mut spans = Vec::new();
            let mut x = at;
            while x < end {
                let inside = ranges.iter().any(|&(a, b)| a <= x && x < b);
                // The next place the marking changes.
                let next = ranges
                    .iter()
                    .flat_map(|&(a, b)| [a, b])
                    .filter(|&p| p > x && p < end)
                    .min()
                    .unwrap_or(end);
                let piece = sanitize(text.get(x..next).unwrap_or_default()).into_owned();
                spans.push(if inside {
                    first_marked.get_or_insert(lines.len());
                    Span::styled(piece, bold)
                } else {
                    Span::raw(piece)
                });
                x = next;
            }
            lines.push(Line::from(spans));
            at = end + 1;
        }
    }
    // Scrolled so the marked text shows with two rows before it (rows counted as the
    // lines wrap, roughly: a word carried over may add one).
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let before: usize = lines
        .iter()
        .take(first_marked.unwrap_or(0))
        .map(|l| l.width().div_ceil(width).max(1))
        .sum();
    let scroll = u16::try_from(before.saturating_sub(2)).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

/// The chooser of a new value: the dimension's values (marked ones ticked) and "no
/// value".
fn chooser_popup(
    frame: &mut Frame,
    area: Rect,
    item: &Disagreement,
    chooser: &ValueChooser,
    theme: &Theme,
) {
    let height = (chooser.values.len() as u16 + 3).min(area.height);
    let width = 60.min(area.width);
    let r = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, r);
    let how = if chooser.many {
        "Space marks, Enter saves"
    } else {
        "Enter chooses"
    };
    let title = format!(" {} — {how} ", item.subject);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(fit(&title, usize::from(width.saturating_sub(4))));
    let room = usize::from(width.saturating_sub(6));
    let mut items: Vec<ListItem> = chooser
        .values
        .iter()
        .zip(&chooser.marked)
        .map(|((_, name), marked)| {
            let mark = match (chooser.many, marked) {
                (true, true) => "[x] ",
                (true, false) => "[ ] ",
                (false, _) => "",
            };
            ListItem::new(format!("{mark}{}", fit(name, room)))
        })
        .collect();
    items.push(ListItem::new(Span::styled("(no value)", theme.dim())));
    let mut state = ListState::default().with_selected(Some(chooser.cursor));
    frame.render_stateful_widget(
        List::new(items)
            .block(block)
            .highlight_style(theme.selected()),
        r,
        &mut state,
    );
}
