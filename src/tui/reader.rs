//! The reader's model: a document as screen lines (a header per turn, its wrapped text,
//! a blank line), laid out only for the turns that are looked at and cached per width;
//! the cursor and the selection as byte positions in turns; and the motions.

use gloss::corpus::{Document, Position};
use gloss::text::layout::{Row, byte_at, column_of, wrap};
use gloss::text::motion;

/// Columns taken by the text's left indent.
pub const INDENT: u16 = 2;

/// One screen line of the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The turn's speaker line.
    Header(usize),
    /// A row of the turn's text.
    Text(usize, Row),
    /// The blank line after a turn.
    Blank(usize),
}

/// Wrapped rows per turn, computed on demand for one width.
#[derive(Debug, Default)]
pub struct Layout {
    width: u16,
    turns: Vec<Option<Vec<Row>>>,
}

impl Layout {
    /// The rows of a turn at `width` columns of text.
    pub fn rows(&mut self, doc: &Document, turn: usize, width: u16) -> &[Row] {
        if self.width != width || self.turns.len() != doc.turns.len() {
            self.width = width;
            self.turns = vec![None; doc.turns.len()];
        }
        match self.turns.get_mut(turn) {
            Some(slot) => slot.get_or_insert_with(|| {
                doc.turns
                    .get(turn)
                    .map(|t| wrap(&t.text, width))
                    .unwrap_or_default()
            }),
            None => &[],
        }
    }

    /// Forgets every turn (the document or its text changed).
    pub fn clear(&mut self) {
        self.turns.clear();
    }

    /// Lines of a turn: header, rows, blank.
    pub fn line_count(&mut self, doc: &Document, turn: usize, width: u16) -> usize {
        self.rows(doc, turn, width).len() + 2
    }

    /// The `i`th line of a turn.
    pub fn line(&mut self, doc: &Document, turn: usize, i: usize, width: u16) -> Line {
        let rows = self.rows(doc, turn, width);
        if i == 0 {
            Line::Header(turn)
        } else if let Some(row) = rows.get(i - 1) {
            Line::Text(turn, *row)
        } else {
            Line::Blank(turn)
        }
    }
}

/// Where the reader is in its document.
#[derive(Debug, Default)]
pub struct ReaderState {
    pub doc: usize,
    pub cursor: Position,
    /// Where the selection began; `None` when nothing is selected.
    pub anchor: Option<Position>,
    /// The selection covers whole turns.
    pub whole_turns: bool,
    /// The first line in view: (turn, line within the turn).
    pub top: (usize, usize),
    /// Lines in view and columns of text at the last draw.
    pub height: u16,
    pub width: u16,
    /// Where the text was drawn last (x and y of its first cell) and the lines shown,
    /// so a mouse click maps back to a position.
    pub origin: (u16, u16),
    pub shown: Vec<Line>,
    pub layout: Layout,
    /// The column up/down moves try to keep.
    goal: Option<u16>,
}

impl ReaderState {
    /// Opens a document at a position.
    pub fn open(&mut self, doc: usize, at: Position) {
        self.doc = doc;
        self.cursor = at;
        self.anchor = None;
        self.whole_turns = false;
        self.top = (at.turn, 0);
        self.layout.clear();
        self.goal = None;
    }

    /// The selected range, end exclusive (the cursor's character included).
    pub fn selection(&self, doc: &Document) -> Option<(Position, Position)> {
        let anchor = self.anchor?;
        let (a, b) = if anchor <= self.cursor {
            (anchor, self.cursor)
        } else {
            (self.cursor, anchor)
        };
        if self.whole_turns {
            let last = doc.turns.get(b.turn).map_or(0, |t| t.text.len());
            return Some((Position::new(a.turn, 0), Position::new(b.turn, last)));
        }
        let text = doc.turns.get(b.turn).map_or("", |t| t.text.as_str());
        Some((
            a,
            Position::new(b.turn, motion::next_grapheme(text, b.byte)),
        ))
    }

    fn text(doc: &Document, turn: usize) -> &str {
        doc.turns.get(turn).map_or("", |t| t.text.as_str())
    }

    /// The row of the turn's layout that holds `byte`.
    fn row_index(&mut self, doc: &Document, turn: usize, byte: usize) -> usize {
        let width = self.width.max(1);
        let rows = self.layout.rows(doc, turn, width);
        rows.iter()
            .position(|r| byte < r.end || (r.end == r.start && byte == r.start))
            .unwrap_or(rows.len().saturating_sub(1))
    }

    /// The cursor's screen line: (turn, line within the turn).
    pub fn cursor_line(&mut self, doc: &Document) -> (usize, usize) {
        let (turn, byte) = (self.cursor.turn, self.cursor.byte);
        (turn, 1 + self.row_index(doc, turn, byte))
    }

    /// Moves the cursor by `n` text rows (negative: up), keeping the goal column.
    pub fn move_rows(&mut self, doc: &Document, n: isize) {
        let width = self.width.max(1);
        let (mut turn, line) = self.cursor_line(doc);
        let mut row = line - 1;
        let goal = match self.goal {
            Some(g) => g,
            None => {
                let rows = self.layout.rows(doc, turn, width);
                let r = rows.get(row).copied().unwrap_or(Row {
                    start: 0,
                    end: 0,
                    width: 0,
                });
                column_of(Self::text(doc, turn), &r, self.cursor.byte)
            }
        };
        let mut left = n.unsigned_abs();
        while left > 0 {
            if n > 0 {
                let count = self.layout.rows(doc, turn, width).len();
                if row + 1 < count {
                    row += 1;
                } else if turn + 1 < doc.turns.len() {
                    turn += 1;
                    row = 0;
                } else {
                    break;
                }
            } else if row > 0 {
                row -= 1;
            } else if turn > 0 {
                turn -= 1;
                row = self.layout.rows(doc, turn, width).len().saturating_sub(1);
            } else {
                break;
            }
            left -= 1;
        }
        let rows = self.layout.rows(doc, turn, width);
        if let Some(r) = rows.get(row) {
            let byte = byte_at(Self::text(doc, turn), r, goal);
            self.cursor = Position::new(turn, byte);
        }
        self.goal = Some(goal);
    }

    /// Moves within the text (any motion other than up/down forgets the goal column).
    pub fn set_cursor(&mut self, at: Position) {
        self.cursor = at;
        self.goal = None;
    }

    /// Start or end of the cursor's screen row.
    pub fn row_edge(&mut self, doc: &Document, end: bool) {
        let width = self.width.max(1);
        let turn = self.cursor.turn;
        let i = self.row_index(doc, turn, self.cursor.byte);
        let text = Self::text(doc, turn);
        if let Some(r) = self.layout.rows(doc, turn, width).get(i).copied() {
            let byte = if end {
                motion::prev_grapheme(text, r.end.max(r.start + 1)).max(r.start)
            } else {
                r.start
            };
            self.set_cursor(Position::new(turn, byte));
        }
    }

    /// Applies a motion within the turn text, crossing into the next or previous turn
    /// at its ends.
    pub fn motion(&mut self, doc: &Document, forward: bool, step: fn(&str, usize) -> usize) {
        let Position { turn, byte } = self.cursor;
        let text = Self::text(doc, turn);
        let at = if forward {
            let next = step(text, byte);
            if next < text.len() {
                Position::new(turn, next)
            } else if turn + 1 < doc.turns.len() {
                Position::new(turn + 1, 0)
            } else {
                Position::new(turn, motion::prev_grapheme(text, text.len()))
            }
        } else if byte == 0 && turn > 0 {
            let prev = Self::text(doc, turn - 1);
            Position::new(turn - 1, step(prev, prev.len()))
        } else {
            Position::new(turn, step(text, byte))
        };
        self.set_cursor(at);
    }

    /// Scrolls so the cursor's line is in view.
    pub fn scroll_to_cursor(&mut self, doc: &Document) {
        let width = self.width.max(1);
        let height = usize::from(self.height.max(1));
        let cursor = self.cursor_line(doc);
        // Show the turn's header when the cursor is on its first row.
        let wanted_top = if cursor.1 == 1 { (cursor.0, 0) } else { cursor };
        if wanted_top < self.top {
            self.top = wanted_top;
            return;
        }
        // Count lines from the top to the cursor, stopping once past the height.
        let mut lines = 0;
        let (mut turn, mut line) = self.top;
        while (turn, line) < cursor {
            lines += 1;
            line += 1;
            if line >= self.layout.line_count(doc, turn, width) {
                turn += 1;
                line = 0;
            }
            if lines > height * 4 {
                break;
            }
        }
        if lines >= height {
            // Walk the top down until the cursor is on the last line in view.
            let mut excess = lines + 1 - height;
            if lines > height * 4 {
                self.top = (cursor.0, cursor.1.saturating_sub(height - 1));
                return;
            }
            while excess > 0 {
                let (t, l) = self.top;
                if l + 1 < self.layout.line_count(doc, t, width) {
                    self.top = (t, l + 1);
                } else {
                    self.top = (t + 1, 0);
                }
                excess -= 1;
            }
        }
    }

    /// The lines in view, from the top.
    pub fn visible_lines(&mut self, doc: &Document) -> Vec<Line> {
        let width = self.width.max(1);
        let mut out = Vec::with_capacity(usize::from(self.height));
        let (mut turn, mut line) = self.top;
        while out.len() < usize::from(self.height) && turn < doc.turns.len() {
            let count = self.layout.line_count(doc, turn, width);
            if line >= count {
                turn += 1;
                line = 0;
                continue;
            }
            out.push(self.layout.line(doc, turn, line, width));
            line += 1;
        }
        out
    }
}

impl ReaderState {
    /// The screen row the cursor was drawn on at the last draw, if it was in view.
    pub fn cursor_screen_row(&self) -> Option<u16> {
        let Position { turn, byte } = self.cursor;
        let i = self.shown.iter().position(|line| match *line {
            Line::Text(t, r) => t == turn && r.start <= byte && (byte < r.end || r.start == r.end),
            _ => false,
        });
        // Past the end of the turn's last row: that row.
        let i = i.or_else(|| {
            self.shown
                .iter()
                .rposition(|line| matches!(*line, Line::Text(t, r) if t == turn && r.end == byte))
        })?;
        Some(self.origin.1 + u16::try_from(i).ok()?)
    }

    /// The position drawn at screen cell (x, y), if a text row is there.
    pub fn position_at(&self, doc: &Document, x: u16, y: u16) -> Option<Position> {
        let row = usize::from(y.checked_sub(self.origin.1)?);
        let Line::Text(turn, r) = *self.shown.get(row)? else {
            return None;
        };
        let col = x.saturating_sub(self.origin.0 + INDENT);
        let text = Self::text(doc, turn);
        Some(Position::new(turn, byte_at(text, &r, col)))
    }

    /// Scrolls the view by `n` lines (negative: up) without moving the cursor's text.
    pub fn scroll(&mut self, doc: &Document, n: isize) {
        self.move_rows(doc, n);
    }
}

/// The text width for a reader of `area_width` columns with a label margin.
pub fn text_width(area_width: u16, margin: u16) -> u16 {
    area_width.saturating_sub(INDENT + margin + 1).max(1)
}
