//! Drawing the workbench from its state: the panel layout for the terminal's size, the
//! status line, and the overlays. Views only read the state (the reader's viewport
//! size is the one thing they record, for paging), so each can be drawn into a test
//! buffer without a terminal.

mod lists;
mod overlays;
mod reader;
mod reconcile;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Focus, IndexState, Overlay};
use super::theme::Theme;
use gloss::text::layout::{Glyph, sanitize};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

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
    if app.reconcile_shown() {
        reconcile::draw(frame, main, app, theme);
    } else if area.width >= WIDE {
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

/// Columns a string takes on screen.
fn columns(s: &str) -> usize {
    s.width()
}

/// `text` made safe for the terminal and cut to at most `width` columns; a text that
/// was cut ends in `…`.
fn fit(text: &str, width: usize) -> String {
    let shown = sanitize(text);
    if columns(&shown) <= width {
        return shown.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in shown.graphemes(true) {
        let w = columns(g);
        if used + w + 1 > width {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// A document id made safe and cut to at most `width` columns keeping its end, which
/// tells documents apart: whole leading folders go first (`…detectkit#412`), then
/// characters from the start.
fn fit_id(id: &str, width: usize) -> String {
    let shown = sanitize(id);
    if columns(&shown) <= width {
        return shown.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut rest: &str = &shown;
    while let Some((_, tail)) = rest.split_once('/') {
        rest = tail;
        if columns(rest) < width {
            return format!("…{rest}");
        }
    }
    let graphemes: Vec<&str> = rest.graphemes(true).collect();
    let mut from = graphemes.len();
    let mut used = 1;
    while let Some(g) = from.checked_sub(1).and_then(|i| graphemes.get(i)) {
        if used + columns(g) > width {
            break;
        }
        used += columns(g);
        from -= 1;
    }
    format!("…{}", graphemes.get(from..).unwrap_or_default().concat())
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

/// coder · document · position · saved state · index state · message, or the key
/// hint when there is no message and no overlay. What does not fit gives way: the hint first, then the
/// document id (its start), then the end of the message.
fn status_line(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let coder = Span::styled(
        format!(" {} ", sanitize(&app.coder)),
        Style::default().add_modifier(Modifier::REVERSED),
    );
    let saved = if let Some(e) = &app.save_error {
        Span::styled(format!(" {} ", sanitize(e)), theme.error())
    } else if app.unsaved.is_empty() {
        Span::raw(" saved ")
    } else {
        Span::styled(format!(" saving {} ", app.unsaved.len()), theme.dim())
    };
    let index = Span::styled(
        match &app.index {
            IndexState::Building => " index: building ".to_string(),
            IndexState::Ready(_) => " index: ready ".to_string(),
            IndexState::Failed(e) => format!(" index: unavailable ({}) ", sanitize(e)),
        },
        theme.dim(),
    );
    let message = app.message.as_ref().map(|(m, error)| {
        Span::styled(
            format!(" {}", sanitize(m)),
            if *error {
                theme.error()
            } else {
                Style::default()
            },
        )
    });
    let mut used = coder.width() + saved.width() + index.width();
    let place = app.doc().map(|doc| {
        let turn = format!(" turn {}/{} ", app.reader.cursor.turn + 1, doc.turns.len());
        let room = width
            .saturating_sub(used + columns(&turn) + message.as_ref().map_or(0, Span::width) + 1)
            .max(12);
        let place = format!(" {}{turn}", fit_id(&doc.id, room));
        used += columns(&place);
        Span::raw(place)
    });
    // The hint is for the panels: over an overlay (a question waiting for y or n, the
    // memo editor) these keys mean something else.
    let hints: &[&'static str] = if matches!(app.overlay, Overlay::None) {
        &[" ? keys  : commands  q quit", " ? keys"]
    } else {
        &[]
    };
    let tail = message.unwrap_or_else(|| {
        let hint = hints
            .iter()
            .copied()
            .find(|h| used + columns(h) <= width)
            .unwrap_or("");
        Span::styled(hint, theme.dim())
    });
    let spans: Vec<Span> = [Some(coder), place, Some(saved), Some(index), Some(tail)]
        .into_iter()
        .flatten()
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
