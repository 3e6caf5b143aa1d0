//! Drawing the workbench from its state: the panel layout for the terminal's size, the
//! status line, and the overlays. Views only read the state (the reader's viewport
//! size is the one thing they record, for paging), so each can be drawn into a test
//! buffer without a terminal.

mod lists;
mod overlays;
mod reader;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Focus, IndexState};
use super::theme::Theme;
use gloss::text::layout::{Glyph, sanitize};

/// Below this size only a notice is drawn.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
/// From this width the three panels stand side by side.
pub const WIDE: u16 = 100;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &mut App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small ({}×{}); gloss needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    if area.width >= WIDE {
        let docs_w = (area.width / 5).clamp(20, 40);
        let codebook_w = (area.width / 5).clamp(20, 36);
        let [docs, reader, codebook] = Layout::horizontal([
            Constraint::Length(docs_w),
            Constraint::Min(20),
            Constraint::Length(codebook_w),
        ])
        .areas(main);
        lists::documents(frame, docs, app, theme);
        reader::draw(frame, reader, app, theme);
        lists::codebook(frame, codebook, app, theme);
    } else {
        match app.focus {
            Focus::Documents => lists::documents(frame, main, app, theme),
            Focus::Reader => reader::draw(frame, main, app, theme),
            Focus::Codebook => lists::codebook(frame, main, app, theme),
        }
    }
    status_line(frame, status, app, theme);
    overlays::draw(frame, main, app, theme);
}

/// Draws one glyph with its left edge at (x, y): a wide glyph's second cell is left
/// for the terminal to fill, and a glyph that takes no columns of its own (a combining
/// mark with nothing to combine with) is shown on a dotted circle.
fn put_glyph(buf: &mut Buffer, x: u16, y: u16, g: &Glyph, style: Style) {
    let shown = if unicode_width::UnicodeWidthStr::width(g.shown.as_ref()) == 0 {
        format!("◌{}", g.shown)
    } else {
        g.shown.to_string()
    };
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(&shown).set_style(style);
    }
    for extra in 1..g.width {
        if let Some(cell) = buf.cell_mut((x + extra, y)) {
            cell.reset();
        }
    }
}

/// A bordered panel, its title bold when it has the focus.
fn panel(title: &str, focused: bool) -> Block<'_> {
    let style = if focused {
        Style::default().add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, style))
        .border_style(if focused {
            Style::default()
        } else {
            Style::default().add_modifier(Modifier::DIM)
        })
}

/// coder · document · position · saved state · index state · message.
fn status_line(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans: Vec<Span> = Vec::new();
    spans.push(Span::styled(
        format!(" {} ", app.coder),
        Style::default().add_modifier(Modifier::REVERSED),
    ));
    if let Some(doc) = app.doc() {
        spans.push(Span::raw(format!(
            " {} turn {}/{} ",
            sanitize(&doc.id),
            app.reader.cursor.turn + 1,
            doc.turns.len()
        )));
    }
    let saved = if let Some(e) = &app.save_error {
        Span::styled(format!(" {e} "), theme.error())
    } else if app.unsaved.is_empty() {
        Span::raw(" saved ")
    } else {
        Span::styled(format!(" saving {} ", app.unsaved.len()), theme.dim())
    };
    spans.push(saved);
    spans.push(Span::styled(
        match &app.index {
            IndexState::Building => " index: building ".to_string(),
            IndexState::Ready(_) => " index: ready ".to_string(),
            IndexState::Failed(e) => format!(" index: unavailable ({}) ", sanitize(e)),
        },
        theme.dim(),
    ));
    if let Some((m, error)) = &app.message {
        spans.push(Span::styled(
            format!(" {}", sanitize(m)),
            if *error {
                theme.error()
            } else {
                Style::default()
            },
        ));
    } else {
        spans.push(Span::styled(" ? keys  : commands  q quit", theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
