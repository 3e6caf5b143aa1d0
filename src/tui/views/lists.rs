//! The document list (kind, status, title, coding progress; filtered) and the codebook
//! tree (codes with their shortcut keys and how often each is coded).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};

use gloss::coding::Progress;
use gloss::text::layout::sanitize;

use super::{columns, fit, fit_id, panel};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;

pub fn documents(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Documents;
    let title = if app.filter.is_empty() {
        format!(" documents {} ", app.visible.len())
    } else {
        format!(
            " documents {}/{} [{}] ",
            app.visible.len(),
            app.rows.len(),
            sanitize(&app.filter)
        )
    };
    let open_id = app.doc().map(|d| d.id.as_str());
    let inner = usize::from(area.width.saturating_sub(2));
    // Only the rows in view are built (a study may hold tens of thousands).
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let first = (app.list_selected + 1).saturating_sub(height);
    let items: Vec<ListItem> = app
        .visible
        .iter()
        .skip(first)
        .take(height)
        .map(|&i| {
            let r = &app.rows[i];
            let mark = match (&r.excluded, r.progress) {
                (Some(_), _) => "✗",
                (None, Progress::Done) => "✓",
                (None, Progress::InProgress) => "◐",
                (None, Progress::NotStarted) => "·",
            };
            let counts = if r.records > 0 {
                format!(" {}c {}r", r.codings, r.records)
            } else if r.codings > 0 {
                format!(" {}c", r.codings)
            } else {
                String::new()
            };
            // The kind is in the list already: `issues/owner/repo#3` shows as `owner/repo#3`.
            // The id and the counts always show (an id cut at its start, `…repo#3`); the
            // title takes what room is left.
            let short = r.id.split_once('/').map_or(r.id.as_str(), |(_, rest)| rest);
            let room = inner.saturating_sub(2 + columns(&counts));
            let id = fit_id(short, room);
            let title_room = room.saturating_sub(columns(&id) + 1);
            let name = if r.title.is_empty()
                || r.title == r.id
                || short.ends_with(&r.title)
                || title_room < 2
            {
                id
            } else {
                format!("{id} {}", fit(&r.title, title_room))
            };
            let style = if Some(r.id.as_str()) == open_id {
                Style::default().add_modifier(ratatui::style::Modifier::BOLD)
            } else {
                Style::default()
            };
            ListItem::new(Line::from(vec![
                Span::raw(format!("{mark} ")),
                Span::styled(name, style),
                Span::styled(counts, theme.dim()),
            ]))
        })
        .collect();
    let list = List::new(items)
        .block(panel(&title, focused))
        .highlight_style(if focused {
            theme.selected()
        } else {
            Style::default()
        });
    let mut state = ListState::default().with_selected(Some(app.list_selected - first));
    frame.render_stateful_widget(list, area, &mut state);
}

pub fn codebook(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Codebook;
    let counts = &app.code_counts;
    let inner = usize::from(area.width.saturating_sub(2));
    let items: Vec<ListItem> = app
        .study
        .codebook
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let rgb = Theme::code_rgb(c.color.as_deref(), i);
            let key = c.key.map(|k| format!(" [{k}]")).unwrap_or_default();
            let n = counts.get(c.id.as_str()).copied().unwrap_or(0);
            let retired = if c.retired { " (retired)" } else { "" };
            let count = if n > 0 {
                format!(" {n}")
            } else {
                String::new()
            };
            // The name gives way to the key and the count.
            let room = inner
                .saturating_sub(2 * c.depth + 2 + columns(retired) + columns(&key))
                .saturating_sub(columns(&count));
            ListItem::new(Line::from(vec![
                Span::raw("  ".repeat(c.depth)),
                Span::styled("■ ", theme.label(rgb)),
                Span::raw(fit(&c.name, room)),
                Span::styled(retired, theme.dim()),
                Span::styled(key, theme.dim()),
                Span::styled(count, theme.dim()),
            ]))
        })
        .collect();
    let list = List::new(items)
        .block(panel(" codebook ", focused))
        .highlight_style(if focused {
            theme.selected()
        } else {
            Style::default()
        });
    let mut state = ListState::default().with_selected(Some(app.codebook_selected));
    frame.render_stateful_widget(list, area, &mut state);
}
