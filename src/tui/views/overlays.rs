//! What opens over the panels: help (every key, from the keymap), the code picker with
//! the code's definition beside it, the search panel with highlighted snippets, the
//! memo editor and one-line prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use gloss::text::layout::{glyphs, sanitize};
use gloss::text::motion;

use super::{columns, fit, put_glyph};
use crate::tui::action::Action;
use crate::tui::app::{App, MemoEditor, Overlay, PromptKind};
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App, theme: &Theme) {
    if let Overlay::Memo(m) = &mut app.overlay {
        memo(frame, area, m, app.reader.cursor_screen_row());
        return;
    }
    let app = &*app;
    match &app.overlay {
        Overlay::None | Overlay::CodeKey => {}
        Overlay::Help(scroll) => help(frame, area, app, *scroll, theme),
        Overlay::Form(f) => form(frame, area, app, f, theme),
        Overlay::Excerpts(x) => excerpts(frame, area, app, x, theme),
        Overlay::Confirm(question, _) => {
            bottom_line(
                frame,
                area,
                Paragraph::new(Span::styled(sanitize(question).into_owned(), theme.error())),
            );
        }
        Overlay::Picker(p) => picker(frame, area, app, p, theme),
        Overlay::Search(s) => search(frame, area, s, theme),
        Overlay::Memo(_) => {}
        Overlay::Prompt(kind, input) => {
            let prefix = match kind {
                PromptKind::Find => "/",
                PromptKind::Filter => "filter: ",
                PromptKind::Command => ":",
            };
            bottom_line(
                frame,
                area,
                Paragraph::new(format!("{prefix}{}▏", sanitize(&input.text))),
            );
        }
    }
}

/// Draws one line over the last row of `area` (prompts and questions).
fn bottom_line(frame: &mut Frame, area: Rect, line: Paragraph) {
    let r = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(1),
        width: area.width,
        height: 1.min(area.height),
    };
    frame.render_widget(Clear, r);
    frame.render_widget(line, r);
}

/// The memo editor: the text wrapped as `gloss::text::layout` wraps it (one column
/// kept free at the right for the cursor after a row's last character), scrolled to the
/// cursor, which is the terminal's own cursor placed on the cursor's cell. The box
/// keeps clear of the reader's line at `keep_clear` (the passage the memo is about):
/// below it when it is in the top half, else above.
fn memo(frame: &mut Frame, area: Rect, m: &mut MemoEditor, keep_clear: Option<u16>) {
    let mut r = centered(area, 70, 12);
    if let Some(y) = keep_clear
        && (r.y..r.bottom()).contains(&y)
    {
        r.y = if y < area.y + area.height / 2 {
            (y + 2).min(area.bottom().saturating_sub(r.height))
        } else {
            y.saturating_sub(r.height + 1).max(area.y)
        };
    }
    frame.render_widget(Clear, r);
    let what = if m.coding.is_some() {
        "memo on the coding"
    } else {
        "memo on the document"
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {what} — Esc saves "));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if inner.width < 2 || inner.height == 0 {
        return;
    }
    let editor = &mut m.editor;
    editor.width = inner.width - 1;
    let rows = editor.rows();
    let (row, col) = editor.cursor_cell(&rows);
    editor.keep_in_view(row, usize::from(inner.height));
    let text = editor.text();
    let buf = frame.buffer_mut();
    for (y, r) in (inner.y..inner.bottom()).zip(rows.iter().skip(editor.scroll)) {
        let mut x = inner.x;
        for g in glyphs(text, r.start..r.end) {
            if x + g.width > inner.right() {
                break;
            }
            put_glyph(buf, x, y, &g, Style::default());
            x += g.width;
        }
    }
    if let Some(y) = row.checked_sub(editor.scroll) {
        let x = inner.x + col.min(inner.width - 1);
        frame.set_cursor_position((x, inner.y + y as u16));
    }
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// One entry of the help screen.
enum HelpItem {
    /// The keys bound to an action, and what it does.
    Keys(String, &'static str),
    Blank,
    Heading(&'static str),
}

/// The help screen's entries: every action with its keys in the reader and the lists,
/// then the memo editor's (as many as `app::help_lines` counts).
fn help_items(app: &App) -> Vec<HelpItem> {
    let mut items: Vec<HelpItem> = Action::ALL
        .iter()
        .map(|&a| {
            let mut keys = app.keymap.keys_for(Mode::Reader, a);
            for k in app.keymap.keys_for(Mode::List, a) {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            HelpItem::Keys(keys.join(" "), a.describe())
        })
        .collect();
    items.push(HelpItem::Blank);
    items.push(HelpItem::Heading("in the memo editor (other keys type)"));
    items.extend(
        Action::EDITOR
            .iter()
            .map(|&a| HelpItem::Keys(app.keymap.keys_for(Mode::Editor, a).join(" "), a.describe())),
    );
    items.push(HelpItem::Blank);
    items.push(HelpItem::Heading(
        "on the reconciliation screen (gloss reconcile)",
    ));
    items.extend(Action::RECONCILE.iter().map(|&a| {
        HelpItem::Keys(
            app.keymap.keys_for(Mode::Reconcile, a).join(" "),
            a.describe_reconcile(),
        )
    }));
    items
}

/// Columns of the help's key column (right-aligned) and the gap after it.
const HELP_KEYS: usize = 16;

/// An entry as lines `width` columns wide: the description wrapped under itself.
fn help_lines(item: &HelpItem, width: usize) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    match item {
        HelpItem::Blank => vec![Line::default()],
        HelpItem::Heading(h) => vec![Line::from(Span::styled(fit(h, width), bold))],
        HelpItem::Keys(keys, text) => {
            let text = *text;
            let room = width.saturating_sub(HELP_KEYS + 2).max(10);
            let rows = gloss::text::layout::wrap(text, u16::try_from(room).unwrap_or(u16::MAX));
            rows.iter()
                .enumerate()
                .map(|(i, row)| {
                    let part = text.get(row.start..row.end).unwrap_or_default().trim_end();
                    let keys = if i == 0 {
                        fit(keys, HELP_KEYS)
                    } else {
                        String::new()
                    };
                    Line::from(vec![
                        Span::styled(format!("{keys:>HELP_KEYS$}  "), bold),
                        Span::raw(sanitize(part).into_owned()),
                    ])
                })
                .collect()
        }
    }
}

/// Every key, from the keymap: entries from `scroll` on, in two columns when there is
/// room (filled top to bottom, then the next), descriptions wrapped; which entries are
/// shown is said at the bottom when they are not all.
fn help(frame: &mut Frame, area: Rect, app: &App, scroll: usize, theme: &Theme) {
    let r = centered(area, 120, area.height);
    frame.render_widget(Clear, r);
    let items = help_items(app);
    let mut block = Block::default().borders(Borders::ALL).title(format!(
        " {} ",
        fit(
            "keys (change them in ~/.config/gloss/keymap.yaml)",
            usize::from(r.width.saturating_sub(4))
        )
    ));
    let inner = block.inner(r);
    let cols: u16 = if inner.width >= 110 { 2 } else { 1 };
    let areas = Layout::horizontal(vec![
        Constraint::Ratio(1, u32::from(cols));
        usize::from(cols)
    ])
    .spacing(1)
    .split(inner);
    let height = usize::from(inner.height);
    let mut columns: Vec<Vec<Line>> = vec![Vec::new(); areas.len()];
    let mut column = 0;
    let mut shown = 0;
    for item in items.iter().skip(scroll) {
        let width = areas.get(column).map_or(0, |a| usize::from(a.width));
        let lines = help_lines(item, width);
        if columns[column].len() + lines.len() > height {
            column += 1;
            if column >= columns.len() {
                break;
            }
        }
        columns[column].extend(lines);
        shown += 1;
    }
    let mut bottom = "j/k scroll, any other key closes".to_string();
    if scroll > 0 || scroll + shown < items.len() {
        bottom = format!(
            "{}–{} of {} · {bottom}",
            scroll + 1,
            scroll + shown,
            items.len()
        );
    }
    block = block.title_bottom(format!(
        " {} ",
        fit(&bottom, usize::from(r.width.saturating_sub(4)))
    ));
    frame.render_widget(block, r);
    for (lines, a) in columns.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(lines), *a);
    }
    let _ = theme;
}

fn picker(frame: &mut Frame, area: Rect, app: &App, p: &crate::tui::app::Picker, theme: &Theme) {
    let r = centered(area, 100, 20);
    frame.render_widget(Clear, r);
    let title = if p.recode.is_some() {
        "recode as "
    } else {
        "code as "
    };
    let room = usize::from(r.width.saturating_sub(4));
    let block = Block::default().borders(Borders::ALL).title(format!(
        " {} ",
        fit(
            &format!("{title}— type to filter, 1-9 or Enter picks, Esc cancels"),
            room
        )
    ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [left, right] = if inner.width >= 60 {
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(inner)
    } else {
        [inner, Rect::default()]
    };
    let [query, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(left);
    frame.render_widget(
        Paragraph::new(format!("> {}▏", sanitize(&p.query.text))),
        query,
    );
    let codes = &app.study.codebook.codes;
    let items: Vec<ListItem> = p
        .matches
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let c = &codes[i];
            let number = if n < 9 && p.query.text.is_empty() {
                format!("{} ", n + 1)
            } else {
                "  ".into()
            };
            let rgb = Theme::code_rgb(c.color.as_deref(), i);
            ListItem::new(Line::from(vec![
                Span::styled(number, theme.dim()),
                Span::styled("■ ", theme.label(rgb)),
                Span::raw(sanitize(&c.name).into_owned()),
                Span::styled(format!("  {}", c.id), theme.dim()),
            ]))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(p.selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        list_area,
        &mut state,
    );
    if right.width > 0
        && let Some(&i) = p.matches.get(p.selected)
    {
        definition(frame, right, &codes[i]);
    }
}

fn search(frame: &mut Frame, area: Rect, s: &crate::tui::app::SearchPanel, theme: &Theme) {
    let r = centered(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(2).max(5),
    );
    frame.render_widget(Clear, r);
    let total = s.results.as_ref().map(|r| r.total).unwrap_or(0);
    let room = usize::from(r.width.saturating_sub(4));
    let block = Block::default().borders(Borders::ALL).title(format!(
        " {} ",
        fit(
            &format!(
                "search — {total} {}; Enter opens the hit with the match selected",
                if total == 1 { "turn" } else { "turns" }
            ),
            room
        )
    ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [query, message, list_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(format!("> {}▏", sanitize(&s.query.text))),
        query,
    );
    if let Some(e) = &s.error {
        frame.render_widget(
            Paragraph::new(Span::styled(sanitize(e).into_owned(), theme.error())),
            message,
        );
    }
    let Some(results) = &s.results else { return };
    let width = usize::from(list_area.width);
    let items: Vec<ListItem> = results
        .hits
        .iter()
        .map(|h| {
            let head = Line::from(Span::styled(
                format!(
                    "{} turn {} {}",
                    sanitize(&h.doc),
                    h.turn + 1,
                    sanitize(&h.speaker)
                ),
                theme.dim(),
            ));
            ListItem::new(vec![head, snippet(&h.text, &h.matches, width, theme)])
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(s.selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        list_area,
        &mut state,
    );
}

/// One line of `width` columns around the first match, matches in bold; `…` where the
/// turn's text goes on before or after.
fn snippet(text: &str, matches: &[(usize, usize)], width: usize, theme: &Theme) -> Line<'static> {
    let cols = |a: usize, b: usize| columns(&sanitize(text.get(a..b).unwrap_or_default()));
    let first = matches.first().map_or(0, |m| m.0.min(text.len()));
    // About a third of the line before the match.
    let mut start = motion::snap_to_grapheme(text, first);
    let mut before = 0;
    while start > 0 {
        let prev = motion::prev_grapheme(text, start);
        before += cols(prev, start);
        if before > width / 3 {
            break;
        }
        start = prev;
    }
    let lead = if start > 0 { "…" } else { "" };
    // Then as much as fits, keeping a column for a closing `…`.
    let budget = width.saturating_sub(columns(lead) + 1);
    let mut end = start;
    let mut used = 0;
    while end < text.len() {
        let next = motion::next_grapheme(text, end);
        used += cols(end, next);
        if used > budget {
            break;
        }
        end = next;
    }
    let trail = if end < text.len() { "…" } else { "" };
    let mut spans = vec![Span::styled(lead, theme.dim())];
    let mut at = start;
    for &(a, b) in matches.iter().filter(|m| m.1 > start && m.0 < end) {
        let (a, b) = (a.max(at), b.min(end));
        if a > at {
            spans.push(Span::raw(
                sanitize(text.get(at..a).unwrap_or("")).into_owned(),
            ));
        }
        spans.push(Span::styled(
            sanitize(text.get(a..b).unwrap_or("")).into_owned(),
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        ));
        at = b;
    }
    if at < end {
        spans.push(Span::raw(
            sanitize(text.get(at..end).unwrap_or("")).into_owned(),
        ));
    }
    spans.push(Span::styled(trail, theme.dim()));
    Line::from(spans)
}

/// The instrument form: the record's dimensions and values (● chosen), the highlighted
/// value's definition beside them.
fn form(frame: &mut Frame, area: Rect, app: &App, f: &crate::tui::app::Form, theme: &Theme) {
    let r = centered(area, 110, area.height);
    frame.render_widget(Clear, r);
    let numbers: Vec<String> = f
        .numbers
        .iter()
        .map(|n| {
            if *n == f.draft.number {
                format!("[{n}]")
            } else {
                n.to_string()
            }
        })
        .collect();
    let room = usize::from(r.width.saturating_sub(4));
    let title = format!(
        "record {} of {} — records {} — evidence {}",
        f.draft.number,
        app.doc().map(|d| d.id.as_str()).unwrap_or_default(),
        numbers.join(" "),
        f.draft.evidence.len()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", fit(&title, room)))
        .title_bottom(format!(
            " {} ",
            fit("Space picks  n new  [ ] other  e evidence  Esc saves", room)
        ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [left, right] = if inner.width >= 70 {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner)
    } else {
        [inner, Rect::default()]
    };
    let codes = &app.study.codebook.codes;
    let items: Vec<ListItem> = f
        .rows
        .iter()
        .map(|&(d, v)| match v {
            None => {
                let kind = match codes[d].select {
                    Some(gloss::codebook::Select::Many) => "any of",
                    _ => "one of",
                };
                ListItem::new(Line::from(vec![
                    Span::styled(
                        sanitize(&codes[d].name).into_owned(),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(format!("  ({kind})"), theme.dim()),
                ]))
            }
            Some(v) => {
                let chosen = f
                    .draft
                    .values
                    .get(&codes[d].id)
                    .is_some_and(|vals| vals.contains(&codes[v].id));
                let depth = codes[v].depth.saturating_sub(codes[d].depth);
                ListItem::new(format!(
                    "{}{} {}",
                    "  ".repeat(depth),
                    if chosen { "●" } else { "○" },
                    sanitize(&codes[v].name)
                ))
            }
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(f.cursor));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        left,
        &mut state,
    );
    if right.width > 0
        && let Some(&(_, Some(v))) = f.rows.get(f.cursor)
    {
        definition(frame, right, &codes[v]);
    }
}

/// Every excerpt of a code: document, coder, the quote; the selected one's context.
fn excerpts(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    x: &crate::tui::app::Excerpts,
    theme: &Theme,
) {
    let r = centered(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(2).max(5),
    );
    frame.render_widget(Clear, r);
    let name = app
        .study
        .codebook
        .get(&x.code)
        .map_or(x.code.as_str(), |c| c.name.as_str());
    let room = usize::from(r.width.saturating_sub(4));
    let title = format!(
        "{} excerpts of {} (and its sub-codes), by {}",
        x.items.len(),
        name,
        if x.by_coder { "coder" } else { "document" }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", fit(&title, room)))
        .title_bottom(format!(
            " {} ",
            fit("Enter opens  o sorts  x uncode  r recode  Esc closes", room)
        ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let width = usize::from(inner.width);
    let items: Vec<ListItem> = x
        .items
        .iter()
        .map(|e| {
            let head = Line::from(Span::styled(
                format!(
                    "{} turn {} · {} · {}{}",
                    sanitize(&e.doc),
                    e.start.turn + 1,
                    sanitize(&e.coder),
                    sanitize(&e.code),
                    if e.memo.is_some() { " ✎" } else { "" }
                ),
                theme.dim(),
            ));
            ListItem::new(vec![
                head,
                Line::from(format!("“{}”", fit(&e.quote, width.saturating_sub(2)))),
            ])
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(x.selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        inner,
        &mut state,
    );
}

/// A code's definition (name, description, inclusion and exclusion criteria, example),
/// shown beside the picker and the instrument form.
fn definition(frame: &mut Frame, area: Rect, c: &gloss::codebook::Code) {
    let mut lines = vec![Line::from(Span::styled(
        sanitize(&c.name).into_owned(),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    for (label, value) in [
        ("", &c.description),
        ("include: ", &c.include),
        ("exclude: ", &c.exclude),
        ("example: ", &c.example),
    ] {
        if !value.is_empty() {
            lines.push(Line::from(format!("{label}{}", sanitize(value))));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::LEFT)),
        area,
    );
}
