//! The reader panel: the open document's turns with speaker lines, text laid out by
//! `gloss::text::layout` (so every cell maps back to a byte), coded spans in their
//! code's colour, the selection and cursor, and a right-hand margin of code labels.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use gloss::corpus::Position;
use gloss::text::layout::{glyphs, sanitize};

use super::{fit, panel, put_glyph};
use crate::tui::app::{App, Focus};
use crate::tui::reader::{INDENT, Line, text_width};
use crate::tui::theme::Theme;

/// Width of the code-label margin (none on narrow panels).
fn margin_width(area_width: u16) -> u16 {
    match area_width {
        70.. => 18,
        50..70 => 14,
        _ => 0,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App, theme: &Theme) {
    let focused = app.focus == Focus::Reader;
    let room = usize::from(area.width.saturating_sub(4));
    let title = match app.doc() {
        Some(doc) => format!(" {} ", fit(&format!("{} — {}", doc.id, doc.title), room)),
        None => " no document ".to_string(),
    };
    let block = panel(&title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let margin = margin_width(inner.width);
    app.reader.width = text_width(inner.width, margin);
    app.reader.height = inner.height;
    let Some(doc) = app.study.corpus.docs.get(app.reader.doc) else {
        return;
    };
    app.reader.scroll_to_cursor(doc);
    let lines = app.reader.visible_lines(doc);
    app.reader.origin = (inner.x, inner.y);
    app.reader.shown = lines.clone();
    let selection = app.reader.selection(doc);
    let cursor = app.reader.cursor;
    let codes = &app.study.codebook;
    let code_style = |code: &str| {
        let index = codes.codes.iter().position(|c| c.id == code).unwrap_or(0);
        let hex = codes.codes.get(index).and_then(|c| c.color.as_deref());
        Theme::code_rgb(hex, index)
    };
    let buf = frame.buffer_mut();
    for (y, line) in lines.iter().enumerate() {
        let y = inner.y + y as u16;
        match *line {
            Line::Header(turn) => {
                let Some(t) = doc.turns.get(turn) else {
                    continue;
                };
                let who = app.study.project.speaker(&doc.id, &t.speaker);
                let mut label = sanitize(&t.speaker).into_owned();
                if let Some(p) = &who.participant {
                    label.push_str(&format!(" ({})", sanitize(p)));
                }
                if let Some(time) = &t.time {
                    label.push_str(&format!("  {}", sanitize(time)));
                }
                buf.set_stringn(
                    inner.x,
                    y,
                    &label,
                    usize::from(inner.width),
                    Style::default().add_modifier(Modifier::BOLD),
                );
            }
            Line::Blank(_) => {}
            Line::Text(turn, row) => {
                let text = doc.turns.get(turn).map_or("", |t| t.text.as_str());
                let mut x = inner.x + INDENT;
                let right = inner.x + INDENT + app.reader.width;
                let mut cursor_drawn = false;
                for g in glyphs(text, row.start..row.end) {
                    if x + g.width > right {
                        break;
                    }
                    let at = Position::new(turn, g.byte);
                    let mut style = Style::default();
                    // The innermost coding covering the glyph gives its colour.
                    if let Some(p) = app
                        .placed
                        .iter()
                        .filter(|p| p.covers(at))
                        .min_by_key(|p| p.extent())
                    {
                        style = style.patch(theme.coded(code_style(&p.code)));
                    }
                    if selection.is_some_and(|(a, b)| a <= at && at < b) {
                        style = style.patch(theme.selected());
                    }
                    if focused && at == cursor {
                        style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
                        cursor_drawn = true;
                    }
                    put_glyph(buf, x, y, &g, style);
                    x += g.width;
                }
                // A cursor with no glyph of its own — on a newline, on a space not drawn
                // at a break, at the end of a turn, on an empty turn — is drawn after the
                // row's text (at the last column when the row is full).
                let on_this_row = cursor.turn == turn
                    && cursor.byte >= row.start
                    && (cursor.byte < row.end || row.end == text.len());
                if focused
                    && on_this_row
                    && !cursor_drawn
                    && let Some(cell) = buf.cell_mut((x.min(right.saturating_sub(1)), y))
                {
                    cell.set_style(Style::default().add_modifier(Modifier::REVERSED));
                    if x < right {
                        cell.set_symbol(" ");
                    }
                }
                if margin > 0 {
                    let row_start = Position::new(turn, row.start);
                    let row_end = Position::new(turn, row.end.max(row.start + 1));
                    let here: Vec<&crate::tui::app::Placed> = app
                        .placed
                        .iter()
                        .filter(|p| p.start < row_end && p.end > row_start)
                        .collect();
                    if let Some(first) = here.first() {
                        let name = codes
                            .resolve(&first.code)
                            .map_or(first.code.as_str(), |c| c.name.as_str());
                        // ★ starred, ✎ with a memo; +N more codings on the line.
                        let marks = format!(
                            "{}{}",
                            if first.star { "★" } else { "" },
                            if first.memo.is_some() { "✎" } else { "" }
                        );
                        let more = if here.len() > 1 {
                            format!("+{} ", here.len() - 1)
                        } else {
                            String::new()
                        };
                        let label = fit(&format!("▌{more}{marks}{name}"), usize::from(margin));
                        buf.set_stringn(
                            inner.x + inner.width - margin,
                            y,
                            &label,
                            usize::from(margin),
                            theme.label(code_style(&first.code)),
                        );
                    }
                }
            }
        }
    }
}
