//! A multi-line text being edited (the memo editor), without a terminal: insertion and
//! deletion at a cursor, and motions by grapheme, word, wrapped row and row edge.
//!
//! The cursor is a byte offset on a grapheme boundary, in `0..=text.len()`. Graphemes
//! and words come from `gloss::text::motion`; rows and columns from
//! `gloss::text::layout` (the text wrapped at [`Editor::width`], line breaks ending rows,
//! wide characters taking two columns), so the editor moves over exactly what the view
//! draws. Backspace and Delete remove a whole grapheme (`e` + a combining accent goes in
//! one press).

use gloss::text::layout::{Row, byte_at, column_of, wrap};
use gloss::text::motion;

/// The text, the cursor, and what up/down and the view need to remember.
#[derive(Debug, Clone)]
pub struct Editor {
    text: String,
    cursor: usize,
    /// Columns the text is wrapped to: the view sets it at each draw. Up, down, start
    /// and end of line work on the rows of this wrapping.
    pub width: u16,
    /// The first row in view (the view keeps the cursor's row in view).
    pub scroll: usize,
    /// The column up/down moves try to keep.
    goal: Option<u16>,
}

impl Default for Editor {
    fn default() -> Editor {
        Editor::new(String::new())
    }
}

impl Editor {
    /// An editor on `text` with the cursor at its end.
    pub fn new(text: String) -> Editor {
        Editor {
            cursor: text.len(),
            text,
            width: u16::MAX,
            scroll: 0,
            goal: None,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor's byte offset.
    #[cfg(test)]
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Puts the cursor at `byte` (moved to the start of the grapheme it is in).
    pub fn set_cursor(&mut self, byte: usize) {
        self.cursor = motion::snap_to_grapheme(&self.text, byte);
        self.goal = None;
    }

    /// Inserts `s` at the cursor and puts the cursor after it (after the whole grapheme
    /// when `s` joins the text that follows, as a base character before a combining mark
    /// does).
    pub fn insert(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        let after = self.cursor + s.len();
        let start = motion::snap_to_grapheme(&self.text, after);
        self.cursor = if start == after {
            after
        } else {
            motion::next_grapheme(&self.text, start)
        };
        self.goal = None;
    }

    /// Removes the grapheme before the cursor.
    pub fn backspace(&mut self) {
        let start = motion::prev_grapheme(&self.text, self.cursor);
        self.remove(start, self.cursor);
    }

    /// Removes the grapheme at the cursor.
    pub fn delete(&mut self) {
        let end = motion::next_grapheme(&self.text, self.cursor);
        self.remove(self.cursor, end);
    }

    fn remove(&mut self, start: usize, end: usize) {
        if start < end {
            self.text.replace_range(start..end, "");
        }
        // What is left on either side may now form one grapheme (two halves of a flag).
        self.set_cursor(start);
    }

    pub fn left(&mut self) {
        self.set_cursor(motion::prev_grapheme(&self.text, self.cursor));
    }

    pub fn right(&mut self) {
        self.set_cursor(motion::next_grapheme(&self.text, self.cursor));
    }

    /// To the start of the word before the cursor (or of the word it is in).
    pub fn word_left(&mut self) {
        self.set_cursor(motion::prev_word(&self.text, self.cursor));
    }

    /// To the start of the next word (the end of the text after the last word).
    pub fn word_right(&mut self) {
        self.set_cursor(motion::next_word(&self.text, self.cursor));
    }

    /// The text's rows at [`Editor::width`]: every row starts where the previous one
    /// ends; a row ending in a line break holds it; the last row ends at the text's end.
    pub fn rows(&self) -> Vec<Row> {
        wrap(&self.text, self.width)
    }

    /// The cursor's row (an index into `rows`) and column.
    pub fn cursor_cell(&self, rows: &[Row]) -> (usize, u16) {
        let i = self.row_of(rows);
        let col = rows
            .get(i)
            .map_or(0, |r| column_of(&self.text, r, self.cursor));
        (i, col)
    }

    fn row_of(&self, rows: &[Row]) -> usize {
        rows.iter()
            .position(|r| self.cursor < r.end)
            .unwrap_or(rows.len().saturating_sub(1))
    }

    /// Up a row, keeping the column (a wide character under it is landed on at its
    /// start). On the first row: to the start of the text.
    pub fn up(&mut self) {
        self.vertical(false);
    }

    /// Down a row, keeping the column. On the last row: to the end of the text.
    pub fn down(&mut self) {
        self.vertical(true);
    }

    fn vertical(&mut self, down: bool) {
        let rows = self.rows();
        let (i, col) = self.cursor_cell(&rows);
        let goal = self.goal.unwrap_or(col);
        let target = if down {
            Some(i + 1).filter(|&j| j < rows.len())
        } else {
            i.checked_sub(1)
        };
        let Some(j) = target else {
            self.set_cursor(if down { self.text.len() } else { 0 });
            return;
        };
        self.cursor = self.row_point(&rows, j, goal);
        self.goal = Some(goal);
    }

    /// The byte at column `col` of row `j`; past the row's text, its end (the line break,
    /// or the end of the text on the last row).
    fn row_point(&self, rows: &[Row], j: usize, col: u16) -> usize {
        let Some(row) = rows.get(j) else {
            return self.text.len();
        };
        if j + 1 == rows.len() && col >= row.width {
            self.text.len()
        } else {
            byte_at(&self.text, row, col)
        }
    }

    /// To the start of the cursor's row.
    pub fn home(&mut self) {
        let rows = self.rows();
        let start = rows.get(self.row_of(&rows)).map_or(0, |r| r.start);
        self.set_cursor(start);
    }

    /// To the end of the cursor's row: before its line break, after the text on the last
    /// row, on the last character of a row that wraps.
    pub fn end(&mut self) {
        let rows = self.rows();
        let end = self.row_point(&rows, self.row_of(&rows), u16::MAX);
        self.set_cursor(end);
    }

    /// Scrolls so that the cursor's row is among `height` rows in view.
    pub fn keep_in_view(&mut self, cursor_row: usize, height: usize) {
        let height = height.max(1);
        if cursor_row < self.scroll {
            self.scroll = cursor_row;
        } else if cursor_row >= self.scroll + height {
            self.scroll = cursor_row + 1 - height;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An editor on `text` with the cursor where `|` is (the `|` removed).
    fn at(text: &str) -> Editor {
        let cursor = text.find('|').expect("a | in the text");
        let mut e = Editor::new(text.replacen('|', "", 1));
        e.set_cursor(cursor);
        e
    }

    /// The text with `|` at the cursor.
    fn shown(e: &Editor) -> String {
        let mut s = e.text().to_string();
        s.insert(e.cursor(), '|');
        s
    }

    #[test]
    fn typing_goes_in_at_the_cursor_and_the_cursor_follows() {
        let mut e = at("memo| text");
        e.insert("s");
        e.insert("!");
        assert_eq!(shown(&e), "memos!| text");
        e.set_cursor(0);
        e.insert("我");
        assert_eq!(shown(&e), "我|memos! text");
        let mut e = Editor::new("ends here".into());
        assert_eq!(e.cursor(), 9);
        e.insert("\nnext");
        assert_eq!(shown(&e), "ends here\nnext|");
    }

    #[test]
    fn left_and_right_step_over_whole_graphemes() {
        // é as e + combining acute, a family emoji (ZWJ sequence), a flag, CJK.
        let mut e = at("|e\u{301}👩‍👩‍👧🇫🇷我");
        let mut stops = vec![e.cursor()];
        for _ in 0..6 {
            e.right();
            stops.push(e.cursor());
        }
        let family = "👩‍👩‍👧".len();
        assert_eq!(
            stops,
            vec![
                0,
                3,
                3 + family,
                3 + family + 8,
                3 + family + 11,
                3 + family + 11,
                3 + family + 11
            ]
        );
        for expected in [3 + family + 8, 3 + family, 3, 0, 0] {
            e.left();
            assert_eq!(e.cursor(), expected);
        }
    }

    #[test]
    fn backspace_and_delete_remove_one_grapheme_at_the_cursor() {
        let mut e = at("cafe\u{301}|!");
        e.backspace();
        assert_eq!(shown(&e), "caf|!");
        let mut e = at("a|🇫🇷b");
        e.delete();
        assert_eq!(shown(&e), "a|b");
        let mut e = at("|x");
        e.backspace();
        assert_eq!(shown(&e), "|x");
        let mut e = at("x|");
        e.delete();
        assert_eq!(shown(&e), "x|");
        // Across a line break.
        let mut e = at("one\n|two");
        e.backspace();
        assert_eq!(shown(&e), "one|two");
        let mut e = at("a\r\n|b");
        e.backspace();
        assert_eq!(shown(&e), "a|b");
    }

    #[test]
    fn a_combining_mark_typed_after_a_letter_joins_it_and_the_cursor_stays_on_a_boundary() {
        let mut e = at("e|x");
        e.insert("\u{301}");
        assert_eq!(shown(&e), "e\u{301}|x");
        // A base letter typed before a lone mark forms one grapheme: the cursor goes after it.
        let mut e = at("|\u{301}x");
        e.insert("e");
        assert_eq!(shown(&e), "e\u{301}|x");
        // Half a flag typed before the other half.
        let mut e = at("|🇷");
        e.insert("🇫");
        assert_eq!(shown(&e), "🇫🇷|");
    }

    #[test]
    fn words_move_by_word_starts_across_lines_and_cjk() {
        let mut e = at("|Loss went to NaN.\n我们 tried it's fix");
        let mut stops = Vec::new();
        for _ in 0..9 {
            e.word_right();
            stops.push(shown(&e).find('|').unwrap());
        }
        let text = e.text().to_string();
        let starts: Vec<usize> = ["went", "to", "NaN", "我", "们", "tried", "it's", "fix"]
            .iter()
            .map(|w| text.find(w).unwrap())
            .chain([text.len()])
            .collect();
        assert_eq!(stops, starts);
        e.word_left();
        assert_eq!(e.cursor(), text.find("fix").unwrap());
        e.word_left();
        e.word_left();
        assert_eq!(e.cursor(), text.find("tried").unwrap());
        let mut e = at("word|s");
        e.word_left();
        assert_eq!(e.cursor(), 0);
    }

    #[test]
    fn up_and_down_keep_the_column_over_wide_characters_and_short_lines() {
        // Columns: "abcdef" 0..6; "我们好" two columns each; "xy" short; "0123456789".
        let mut e = at("abcd|ef\n我们好\nxy\n0123456789");
        e.down();
        // Column 4 is the start of 好 (columns 4-5).
        assert_eq!(shown(&e), "abcdef\n我们|好\nxy\n0123456789");
        e.down();
        // The short line: its end, before the line break.
        assert_eq!(shown(&e), "abcdef\n我们好\nxy|\n0123456789");
        e.down();
        // The goal column comes back on a long enough line.
        assert_eq!(shown(&e), "abcdef\n我们好\nxy\n0123|456789");
        e.down();
        assert_eq!(e.cursor(), e.text().len(), "down on the last row: the end");
        e.up();
        e.up();
        // From the end (column 10): past "我们好" (6 columns) is its end.
        assert_eq!(shown(&e), "abcdef\n我们好|\nxy\n0123456789");
        // Column 3 falls inside 们 (columns 2-3): the cursor lands on its start.
        let mut e = at("abc|def\n我们好");
        e.down();
        assert_eq!(shown(&e), "abcdef\n我|们好");
        e.up();
        assert_eq!(shown(&e), "abc|def\n我们好", "the goal column is kept");
        e.up();
        assert_eq!(e.cursor(), 0, "up on the first row: the start");
    }

    #[test]
    fn up_and_down_follow_wrapped_rows() {
        let mut e = at("|one two three four");
        e.width = 9;
        // Rows: "one two " | "three " | "four".
        let rows = e.rows();
        assert_eq!(rows.len(), 3, "{rows:?}");
        e.right();
        e.down();
        assert_eq!(shown(&e), "one two t|hree four");
        assert_eq!(e.cursor_cell(&e.rows()), (1, 1));
        e.down();
        assert_eq!(shown(&e), "one two three f|our");
        e.end();
        assert_eq!(shown(&e), "one two three four|");
        assert_eq!(e.cursor_cell(&e.rows()), (2, 4));
        e.home();
        assert_eq!(shown(&e), "one two three |four");
    }

    #[test]
    fn home_and_end_go_to_the_edges_of_the_line() {
        let mut e = at("first\nsec|ond\n");
        e.end();
        assert_eq!(shown(&e), "first\nsecond|\n");
        e.home();
        assert_eq!(shown(&e), "first\n|second\n");
        e.set_cursor(e.text().len());
        // The empty row after the last line break.
        assert_eq!(e.cursor_cell(&e.rows()), (2, 0));
        e.home();
        e.end();
        assert_eq!(e.cursor(), e.text().len());
        let mut e = at("a\r\nb|");
        e.home();
        e.left();
        assert_eq!(shown(&e), "a|\r\nb");
    }

    #[test]
    fn the_cursor_cell_counts_wide_and_combining_characters_by_column() {
        // 我 takes two columns, e + ◌́ one, 👍 two.
        let e = at("我e\u{301}👍|x");
        assert_eq!(e.cursor_cell(&e.rows()), (0, 5));
        let e = at("我e\u{301}|👍x");
        assert_eq!(e.cursor_cell(&e.rows()), (0, 3));
        let e = at("line\n|");
        assert_eq!(e.cursor_cell(&e.rows()), (1, 0));
        let e = at("line|\n");
        assert_eq!(e.cursor_cell(&e.rows()), (0, 4));
    }

    #[test]
    fn the_view_scrolls_to_keep_the_cursor_row_in_view() {
        let mut e = Editor::default();
        e.keep_in_view(12, 10);
        assert_eq!(e.scroll, 3);
        e.keep_in_view(5, 10);
        assert_eq!(e.scroll, 3);
        e.keep_in_view(1, 10);
        assert_eq!(e.scroll, 1);
    }
}
