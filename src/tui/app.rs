//! The workbench's state and how actions change it. No terminal here: the event loop
//! feeds keys in, the views draw from this state, and the background threads save and
//! index what changed.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gloss::coding::anchor::AnchorText;
use gloss::coding::set::Resolved;
use gloss::coding::store::{CoderFile, Op};
use gloss::coding::{
    DocStatus, Entry, Evidence, Memo, MemoTarget, Progress, Record, SpanCoding, coding_key,
    memo_key, record_key, status_key,
};
use gloss::corpus::{Document, Position};
use gloss::search::{Filters, Results, SearchView, prepare_update};
use gloss::study::{DocumentRow, Glance, Study};
use gloss::text::motion;
use gloss::time::now_rfc3339;

use gloss::agree::reconcile::{Choice, Reconciliation};

use super::action::Action;
use super::background::{Background, Loaded, Report};
use super::editor::Editor;
use super::keymap::{Key, Keymap, Lookup, Mode};
use super::reader::ReaderState;

mod reconcile;

/// The panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Documents,
    Reader,
    Codebook,
}

/// A coding as the reader shows it.
#[derive(Debug, Clone)]
pub struct Placed {
    pub id: String,
    pub coder: String,
    pub code: String,
    pub start: Position,
    pub end: Position,
    pub memo: Option<String>,
    pub star: bool,
}

impl Placed {
    /// True when the coding covers position `at`.
    pub fn covers(&self, at: Position) -> bool {
        self.start <= at && at < self.end
    }

    /// How much text the coding spans (turns first, then bytes): the smallest is the
    /// innermost of overlapping codings.
    pub fn extent(&self) -> (usize, usize) {
        (
            self.end.turn - self.start.turn,
            self.end.byte.abs_diff(self.start.byte),
        )
    }
}

/// A line of text being typed (filter, find, command, search, memo).
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub text: String,
}

impl Input {
    /// Applies an editing key; `false` when the key is not an editing key.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        match key.code {
            KeyCode::Char(c) => self.text.push(c),
            KeyCode::Backspace => {
                self.text.pop();
            }
            _ => return false,
        }
        true
    }
}

/// The code picker.
#[derive(Debug, Default)]
pub struct Picker {
    pub query: Input,
    /// Indices into the codebook's codes, best match first.
    pub matches: Vec<usize>,
    pub selected: usize,
    /// Replace the code of this coding instead of coding the selection.
    pub recode: Option<String>,
}

/// The global search panel.
#[derive(Default)]
pub struct SearchPanel {
    pub query: Input,
    pub results: Option<Results>,
    pub error: Option<String>,
    pub selected: usize,
}

/// The multi-line memo editor.
#[derive(Debug, Default)]
pub struct MemoEditor {
    pub editor: Editor,
    pub target: Option<MemoTarget>,
    /// The coding whose memo this is (memos on codings live on the coding).
    pub coding: Option<String>,
}

/// The instrument form: one record of the open document being filled in.
#[derive(Debug)]
pub struct Form {
    /// The record as it will be saved (values, evidence).
    pub draft: Record,
    /// The record as stored, `None` for a new one.
    pub stored: Option<Record>,
    /// Rows of the form: (dimension index, value index) into the codebook's codes; a
    /// `None` value is the dimension's heading.
    pub rows: Vec<(usize, Option<usize>)>,
    /// The highlighted row (always a value row when there is one).
    pub cursor: usize,
    /// The selection in the reader when the form opened (for `e`: evidence).
    pub selection: Option<(Position, Position)>,
    /// Numbers of the document's records, sorted (the draft's included).
    pub numbers: Vec<u32>,
}

/// One coded excerpt in the excerpts view.
#[derive(Debug, Clone)]
pub struct Excerpt {
    pub doc: String,
    pub coder: String,
    pub coding: String,
    pub code: String,
    pub start: Position,
    pub end: Position,
    pub quote: String,
    pub memo: Option<String>,
}

/// Every excerpt of a code and its descendants ("retrieve coded segments").
#[derive(Debug)]
pub struct Excerpts {
    pub code: String,
    pub items: Vec<Excerpt>,
    pub selected: usize,
    /// Sorted by coder first (else by document).
    pub by_coder: bool,
}

/// What is open over the panels.
#[derive(Default)]
pub enum Overlay {
    #[default]
    None,
    /// The key list, scrolled by this many lines.
    Help(usize),
    Picker(Picker),
    /// Waiting for a code's shortcut key.
    CodeKey,
    Search(SearchPanel),
    Memo(MemoEditor),
    Form(Box<Form>),
    Excerpts(Excerpts),
    /// A question to answer with y before a codebook edit goes ahead.
    Confirm(String, gloss::codebook::edit::Op),
    /// A one-line prompt: what it is for, and the text.
    Prompt(PromptKind, Input),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Find,
    Filter,
    Command,
}

/// One undoable change: what was done, and how to take it back.
#[derive(Debug, Clone)]
struct Change {
    label: String,
    doc: String,
    forward: Vec<Op>,
    backward: Vec<Op>,
}

/// One entry of the undo history: a change to this coder's store, or to a codebook
/// file (its text before and after).
#[derive(Debug, Clone)]
enum Undoable {
    Store(Change),
    Codebook {
        path: std::path::PathBuf,
        before: String,
        after: String,
        label: String,
    },
}

/// The new-value chooser of the reconciliation screen: the dimension's values, those
/// marked, and the highlighted row (the last row is "no value").
#[derive(Debug, Clone)]
pub struct ValueChooser {
    /// (value id, name) in codebook order.
    pub values: Vec<(String, String)>,
    pub marked: Vec<bool>,
    pub cursor: usize,
    /// The dimension takes several values (Space marks them).
    pub many: bool,
}

/// The reconciliation screen (`gloss reconcile`): the disagreements, which are settled,
/// the one shown.
pub struct ReconcileScreen {
    pub plan: Reconciliation,
    pub current: usize,
    /// Per disagreement: settled by the consensus coder's entries, or decided here.
    pub settled: Vec<bool>,
    /// Per disagreement: decided by a choice that wrote nothing (a side with no
    /// codings), which the coding file does not show until the document is done;
    /// remembered in `unwritten_file`.
    decided: Vec<bool>,
    /// The decisions of this session, last last: the disagreement, and whether it
    /// wrote entries (an undoable change).
    history: Vec<(usize, bool)>,
    /// The screen is shown (else the reader is, until C-o).
    pub shown: bool,
    /// Where the decisions that wrote nothing are remembered between sessions
    /// (`.gloss/state/<consensus>/reconcile-unwritten.json`).
    unwritten_file: std::path::PathBuf,
    pub chooser: Option<ValueChooser>,
}

impl ReconcileScreen {
    /// How many disagreements are settled.
    pub fn settled_count(&self) -> usize {
        self.settled.iter().filter(|&&s| s).count()
    }
}

/// The state of the search index as the status line shows it.
pub enum IndexState {
    Building,
    Ready(Box<SearchView>),
    Failed(String),
}

/// The whole workbench.
pub struct App {
    pub study: Study,
    pub coder: String,
    pub keymap: Keymap,
    pub focus: Focus,
    pub overlay: Overlay,
    pub rows: Vec<DocumentRow>,
    /// Indices into `rows` that pass the filter.
    pub visible: Vec<usize>,
    pub filter: String,
    pub list_selected: usize,
    pub codebook_selected: usize,
    pub reader: ReaderState,
    pub placed: Vec<Placed>,
    pub find: Option<String>,
    pub message: Option<(String, bool)>,
    pub index: IndexState,
    /// Changes sent to the saver and not yet reported durable.
    pub unsaved: BTreeSet<u64>,
    pub save_error: Option<String>,
    pub recent_codes: Vec<String>,
    /// Codings per code id, all coders (kept up to date as this coder changes things).
    pub code_counts: std::collections::HashMap<String, usize>,
    pub quit: bool,
    undo: Vec<Undoable>,
    redo: Vec<Undoable>,
    pending_keys: Vec<Key>,
    next_seq: u64,
    background: Option<Background>,
    /// A background report changed what is shown.
    redraw: bool,
    /// The study is a first look (see [`Glance`]) until the loader's whole study arrives:
    /// only the open document has its turns, only its entries are there.
    loading: bool,
    /// Blind coding: only this coder's work is kept in the study (and so shown).
    pub blind: bool,
    /// The reconciliation screen, when `gloss reconcile` opened the workbench.
    pub reconcile: Option<ReconcileScreen>,
}

/// Span codings per code id, all coders.
pub fn code_counts(study: &Study) -> std::collections::HashMap<String, usize> {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, c) in study.codings.spans() {
        *counts.entry(c.code.as_str()).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect()
}

impl App {
    /// A workbench for a coder, drawn from a first look at the study; `background`
    /// reads the whole study (which replaces the first look when it arrives), saves and
    /// indexes. Opens the document the first look has whole.
    pub fn new(glance: Glance, coder: String, keymap: Keymap, background: Background) -> App {
        let Glance {
            study,
            open,
            rows,
            code_counts,
        } = glance;
        let mut app = App {
            study,
            coder,
            keymap,
            focus: Focus::Reader,
            overlay: Overlay::None,
            visible: (0..rows.len()).collect(),
            rows,
            filter: String::new(),
            list_selected: 0,
            codebook_selected: 0,
            reader: ReaderState::default(),
            placed: Vec::new(),
            find: None,
            message: None,
            index: IndexState::Building,
            unsaved: BTreeSet::new(),
            save_error: None,
            recent_codes: Vec::new(),
            code_counts,
            quit: false,
            undo: Vec::new(),
            redo: Vec::new(),
            pending_keys: Vec::new(),
            next_seq: 1,
            background: Some(background),
            redraw: false,
            loading: true,
            blind: false,
            reconcile: None,
        };
        match open {
            Some(i) => app.open_document(i, Position::new(0, 0)),
            None => app.focus = Focus::Documents,
        }
        app
    }

    /// Waits for the whole study, if it has not arrived yet: every action but drawing
    /// needs it. (Keys typed meanwhile wait in the terminal's queue.)
    pub fn finish_loading(&mut self) {
        while self.loading {
            let Some(bg) = &self.background else {
                self.loading = false;
                break;
            };
            match bg.reports.recv() {
                Ok(r) => self.on_report(r),
                Err(_) => self.on_report(Report::LoadFailed("the loader stopped".into())),
            }
        }
    }

    /// True when document `index` is held whole (in a first look, only the open one is;
    /// the others have no turns).
    fn is_whole(&self, index: usize) -> bool {
        !self.loading
            || self
                .study
                .corpus
                .docs
                .get(index)
                .is_none_or(|d| !d.turns.is_empty())
    }

    /// The whole study replaces the first look; the open document stays open where it
    /// was.
    fn loaded(&mut self, loaded: Loaded) {
        let open = self.doc().map(|d| d.id.clone());
        self.study = loaded.study;
        self.rows = loaded.rows;
        self.code_counts = loaded.code_counts;
        self.loading = false;
        if self.blind {
            self.study.codings.keep_only(&self.coder);
            self.code_counts = code_counts(&self.study);
        }
        self.refresh_settled();
        self.visible = (0..self.rows.len()).collect();
        if !self.filter.is_empty() {
            self.apply_filter();
        }
        match open.and_then(|id| self.study.corpus.position(&id)) {
            Some(i) if i == self.reader.doc => self.refresh_placed(),
            Some(i) => {
                let at = self.reader.cursor;
                self.open_document(i, at);
            }
            None if self.study.corpus.docs.is_empty() => {
                self.placed.clear();
                self.focus = Focus::Documents;
            }
            None => self.open_document(0, Position::new(0, 0)),
        }
    }

    pub fn doc(&self) -> Option<&Document> {
        self.study.corpus.docs.get(self.reader.doc)
    }

    /// Opens a document at a position.
    pub fn open_document(&mut self, index: usize, at: Position) {
        if !self.is_whole(index) {
            self.finish_loading();
        }
        if index >= self.study.corpus.docs.len() {
            return;
        }
        self.reader.open(index, at);
        self.refresh_placed();
        if let Some(i) = self.rows.iter().position(|r| {
            self.study
                .corpus
                .docs
                .get(index)
                .is_some_and(|d| d.id == r.id)
        }) && let Some(v) = self.visible.iter().position(|&x| x == i)
        {
            self.list_selected = v;
        }
    }

    /// Re-resolves the codings of the open document.
    pub fn refresh_placed(&mut self) {
        let Some(doc) = self.study.corpus.docs.get(self.reader.doc) else {
            self.placed.clear();
            return;
        };
        let mut placed: Vec<Placed> = self
            .study
            .codings
            .resolve_document(&self.study.project, &self.study.corpus, &doc.id)
            .into_iter()
            .filter_map(|r| match r.placement {
                Resolved::Placed { start, end, .. } => Some(Placed {
                    id: r.coding.id.clone(),
                    coder: r.coder.to_string(),
                    code: r.coding.code.clone(),
                    start,
                    end,
                    memo: r.coding.memo.clone(),
                    star: r.coding.star,
                }),
                _ => None,
            })
            .collect();
        placed.sort_by(|a, b| (a.start, a.end, &a.id).cmp(&(b.start, b.end, &b.id)));
        self.placed = placed;
    }

    /// Applies the list filter: `kind:K`, `status:S`, `code:C`, `coder:C` and words.
    pub fn apply_filter(&mut self) {
        let mut kind = None;
        let mut status = None;
        let mut code = None;
        let mut coder = None;
        let mut words = Vec::new();
        for part in self.filter.split_whitespace() {
            let lower = part.to_lowercase();
            if let Some(v) = lower.strip_prefix("kind:") {
                kind = Some(v.to_string());
            } else if let Some(v) = lower.strip_prefix("status:") {
                status = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("code:") {
                code = self.study.codebook.resolve(v).map(|c| c.id.clone());
                if code.is_none() {
                    code = Some(v.to_string());
                }
            } else if let Some(v) = part.strip_prefix("coder:") {
                coder = Some(v.to_string());
            } else {
                words.push(lower);
            }
        }
        let coded_docs =
            |code: &Option<String>, coder: &Option<String>| -> Option<BTreeSet<String>> {
                if code.is_none() && coder.is_none() {
                    return None;
                }
                let mut set = BTreeSet::new();
                for (who, c) in self.study.codings.spans() {
                    if coder.as_deref().is_some_and(|x| x != who) {
                        continue;
                    }
                    if let Some(code) = code {
                        let own = self
                            .study
                            .codebook
                            .find_id(&c.code)
                            .map_or(c.code.as_str(), |found| found.id.as_str());
                        let lineage = self.study.codebook.ancestors(own);
                        if own != code && !lineage.iter().any(|a| &a.id == code) {
                            continue;
                        }
                    }
                    set.insert(self.study.project.meta.current_id(&c.doc).to_string());
                }
                Some(set)
            };
        let docs_with = coded_docs(&code, &coder);
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                kind.as_deref().is_none_or(|k| r.kind.name().starts_with(k))
                    && status.as_deref().is_none_or(|s| {
                        r.progress
                            .label()
                            .replace(' ', "-")
                            .starts_with(&s.replace(' ', "-"))
                    })
                    && docs_with.as_ref().is_none_or(|set| set.contains(&r.id))
                    && words.iter().all(|w| {
                        r.id.to_lowercase().contains(w) || r.title.to_lowercase().contains(w)
                    })
            })
            .map(|(i, _)| i)
            .collect();
        self.list_selected = self.list_selected.min(self.visible.len().saturating_sub(1));
    }

    fn mode(&self) -> Mode {
        if self.reconcile_shown() {
            return Mode::Reconcile;
        }
        match self.focus {
            Focus::Reader => Mode::Reader,
            Focus::Documents | Focus::Codebook => Mode::List,
        }
    }

    /// Handles one key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        self.finish_loading();
        if self.quit {
            return;
        }
        if self.handle_overlay_key(&key) {
            return;
        }
        if self.chooser_key(&key) {
            return;
        }
        self.pending_keys.push(Key::from_event(&key));
        match self.keymap.lookup(self.mode(), &self.pending_keys) {
            Lookup::Pending => {}
            Lookup::Action(action) => {
                self.pending_keys.clear();
                self.act(action);
            }
            Lookup::Unbound => {
                let keys: Vec<String> = self.pending_keys.iter().map(Key::name).collect();
                self.pending_keys.clear();
                self.message = Some((
                    format!("{} is not bound; ? shows the keys", keys.join(" ")),
                    false,
                ));
            }
        }
    }

    /// Keys typed into an open overlay. `true` when the overlay took the key.
    fn handle_overlay_key(&mut self, key: &KeyEvent) -> bool {
        match std::mem::take(&mut self.overlay) {
            Overlay::None => false,
            Overlay::Help(scroll) => {
                // j/k and the page keys scroll; any other key closes the help.
                let next = match key.code {
                    KeyCode::Char('j') | KeyCode::Down => Some(scroll + 1),
                    KeyCode::Char('k') | KeyCode::Up => Some(scroll.saturating_sub(1)),
                    KeyCode::PageDown | KeyCode::Char(' ') => Some(scroll + 10),
                    KeyCode::PageUp => Some(scroll.saturating_sub(10)),
                    _ => None,
                };
                if let Some(n) = next {
                    self.overlay = Overlay::Help(n.min(help_lines().saturating_sub(1)));
                }
                true
            }
            Overlay::CodeKey => {
                if let KeyCode::Char(c) = key.code {
                    match self
                        .study
                        .codebook
                        .codes
                        .iter()
                        .find(|code| code.key == Some(c))
                    {
                        Some(code) => {
                            let id = code.id.clone();
                            self.code_selection(&id);
                        }
                        None => {
                            self.message = Some((format!("no code has the key {c}"), false));
                        }
                    }
                }
                true
            }
            Overlay::Picker(mut picker) => {
                match key.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => {
                        if let Some(&i) = picker.matches.get(picker.selected) {
                            let id = self.study.codebook.codes[i].id.clone();
                            self.pick(&id, picker.recode.take());
                        }
                    }
                    KeyCode::Down | KeyCode::Tab => {
                        picker.selected =
                            (picker.selected + 1).min(picker.matches.len().saturating_sub(1));
                        self.overlay = Overlay::Picker(picker);
                    }
                    KeyCode::Up | KeyCode::BackTab => {
                        picker.selected = picker.selected.saturating_sub(1);
                        self.overlay = Overlay::Picker(picker);
                    }
                    KeyCode::Char(c @ '1'..='9') if picker.query.text.is_empty() => {
                        let n = (c as usize) - ('1' as usize);
                        if let Some(&i) = picker.matches.get(n) {
                            let id = self.study.codebook.codes[i].id.clone();
                            self.pick(&id, picker.recode.take());
                        } else {
                            self.overlay = Overlay::Picker(picker);
                        }
                    }
                    _ => {
                        if picker.query.edit(key) {
                            picker.matches = self.match_codes(&picker.query.text);
                            picker.selected = 0;
                        }
                        self.overlay = Overlay::Picker(picker);
                    }
                }
                true
            }
            Overlay::Search(mut panel) => {
                match key.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => {
                        self.jump_to_hit(&panel);
                    }
                    KeyCode::Down | KeyCode::Tab => {
                        let n = panel.results.as_ref().map_or(0, |r| r.hits.len());
                        panel.selected = (panel.selected + 1).min(n.saturating_sub(1));
                        self.overlay = Overlay::Search(panel);
                    }
                    KeyCode::Up | KeyCode::BackTab => {
                        panel.selected = panel.selected.saturating_sub(1);
                        self.overlay = Overlay::Search(panel);
                    }
                    _ => {
                        if panel.query.edit(key) {
                            self.run_search(&mut panel);
                        }
                        self.overlay = Overlay::Search(panel);
                    }
                }
                true
            }
            Overlay::Memo(mut memo) => {
                let e = &mut memo.editor;
                match self.keymap.lookup(Mode::Editor, &[Key::from_event(key)]) {
                    Lookup::Action(Action::SaveMemo) => {
                        self.save_memo(memo);
                        return true;
                    }
                    Lookup::Action(action) => match action {
                        Action::Left => e.left(),
                        Action::Right => e.right(),
                        Action::WordPrev => e.word_left(),
                        Action::WordNext => e.word_right(),
                        Action::Up => e.up(),
                        Action::Down => e.down(),
                        Action::LineStart => e.home(),
                        Action::LineEnd => e.end(),
                        Action::DeleteBack => e.backspace(),
                        Action::DeleteForward => e.delete(),
                        Action::NewLine => e.insert("\n"),
                        _ => {}
                    },
                    // Unbound keys type themselves, unless Ctrl or Alt is held (AltGr,
                    // which some terminals send as both, types).
                    _ => {
                        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                        let alt = key.modifiers.contains(KeyModifiers::ALT);
                        if let KeyCode::Char(c) = key.code
                            && ctrl == alt
                        {
                            e.insert(c.encode_utf8(&mut [0; 4]));
                        }
                    }
                }
                self.overlay = Overlay::Memo(memo);
                true
            }
            Overlay::Confirm(_, op) => {
                if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                    self.edit_codebook(op);
                } else {
                    self.message = Some(("not changed".into(), false));
                }
                true
            }
            Overlay::Excerpts(mut view) => {
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') => {}
                    KeyCode::Char('j') | KeyCode::Down => {
                        view.selected = (view.selected + 1).min(view.items.len().saturating_sub(1));
                        self.overlay = Overlay::Excerpts(view);
                    }
                    KeyCode::Char('k') | KeyCode::Up => {
                        view.selected = view.selected.saturating_sub(1);
                        self.overlay = Overlay::Excerpts(view);
                    }
                    KeyCode::Char('o') => {
                        view.by_coder = !view.by_coder;
                        sort_excerpts(&mut view);
                        self.overlay = Overlay::Excerpts(view);
                    }
                    KeyCode::Enter => {
                        if let Some(e) = view.items.get(view.selected).cloned()
                            && let Some(d) = self.study.corpus.position(&e.doc)
                        {
                            self.open_selected(d, e.start, e.end);
                        }
                    }
                    KeyCode::Char('x') | KeyCode::Char('r') => {
                        let Some(e) = view.items.get(view.selected).cloned() else {
                            self.overlay = Overlay::Excerpts(view);
                            return true;
                        };
                        if e.coder != self.coder {
                            self.message = Some((
                                format!(
                                    "this coding is {}'s; only {} can change it",
                                    e.coder, e.coder
                                ),
                                false,
                            ));
                            self.overlay = Overlay::Excerpts(view);
                        } else if key.code == KeyCode::Char('x') {
                            self.uncode(&e.coding);
                            view.items.remove(view.selected);
                            view.selected = view.selected.min(view.items.len().saturating_sub(1));
                            self.overlay = Overlay::Excerpts(view);
                        } else {
                            self.open_picker(Some(e.coding));
                        }
                    }
                    _ => self.overlay = Overlay::Excerpts(view),
                }
                true
            }
            Overlay::Form(mut form) => {
                let close = self.form_key(&mut form, key);
                if close {
                    self.save_form(*form);
                } else {
                    self.overlay = Overlay::Form(form);
                }
                true
            }
            Overlay::Prompt(kind, mut input) => {
                match key.code {
                    KeyCode::Esc => {
                        if kind == PromptKind::Filter {
                            self.filter.clear();
                            self.apply_filter();
                        }
                    }
                    KeyCode::Enter => self.submit_prompt(kind, input.text),
                    _ => {
                        if input.edit(key) && kind == PromptKind::Filter {
                            self.filter = input.text.clone();
                            self.apply_filter();
                        }
                        self.overlay = Overlay::Prompt(kind, input);
                    }
                }
                true
            }
        }
    }

    /// A mouse event: a click places the cursor (and clears the selection), a drag
    /// selects, the wheel scrolls. Only in the reader, with no overlay open.
    pub fn on_mouse(&mut self, event: crossterm::event::MouseEvent) {
        use crossterm::event::{MouseButton, MouseEventKind};
        self.finish_loading();
        if !matches!(self.overlay, Overlay::None) || self.reconcile_shown() {
            return;
        }
        let Some(doc) = self.study.corpus.docs.get(self.reader.doc) else {
            return;
        };
        let at = self.reader.position_at(doc, event.column, event.row);
        match event.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(at) = at {
                    self.focus = Focus::Reader;
                    self.reader.anchor = None;
                    self.reader.whole_turns = false;
                    self.reader.set_cursor(at);
                }
            }
            MouseEventKind::Drag(MouseButton::Left) => {
                if let Some(at) = at {
                    if self.reader.anchor.is_none() {
                        self.reader.anchor = Some(self.reader.cursor);
                    }
                    self.reader.set_cursor(at);
                }
            }
            MouseEventKind::ScrollDown => self.reader.scroll(doc, 3),
            MouseEventKind::ScrollUp => self.reader.scroll(doc, -3),
            _ => {}
        }
        if let Some(doc) = self.study.corpus.docs.get(self.reader.doc) {
            self.reader.scroll_to_cursor(doc);
        }
    }

    /// Text pasted into the terminal (bracketed paste): goes to the open text input.
    pub fn on_paste(&mut self, text: &str) {
        self.finish_loading();
        match &mut self.overlay {
            Overlay::Memo(memo) => memo
                .editor
                .insert(&text.replace("\r\n", "\n").replace('\r', "\n")),
            Overlay::Prompt(_, input) => input.text.push_str(&text.replace(['\r', '\n'], " ")),
            Overlay::Picker(_) => {
                if let Overlay::Picker(mut p) = std::mem::take(&mut self.overlay) {
                    p.query.text.push_str(text.trim());
                    p.matches = self.match_codes(&p.query.text);
                    self.overlay = Overlay::Picker(p);
                }
            }
            Overlay::Search(_) => {
                if let Overlay::Search(mut panel) = std::mem::take(&mut self.overlay) {
                    panel.query.text.push_str(&text.replace(['\r', '\n'], " "));
                    self.run_search(&mut panel);
                    self.overlay = Overlay::Search(panel);
                }
            }
            _ => {}
        }
    }

    /// Performs an action.
    pub fn act(&mut self, action: Action) {
        self.finish_loading();
        self.message = None;
        if self.reconcile_shown() && self.reconcile_action(action) {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            // On the reconciliation screen, the help opens at its keys.
            Action::Help if self.reconcile_shown() => {
                self.overlay = Overlay::Help(Action::ALL.len() + 2 + Action::EDITOR.len())
            }
            Action::Help => self.overlay = Overlay::Help(0),
            Action::NextPanel => {
                self.focus = match self.focus {
                    Focus::Documents => Focus::Reader,
                    Focus::Reader => Focus::Codebook,
                    Focus::Codebook => Focus::Documents,
                }
            }
            Action::Cancel => {
                self.reader.anchor = None;
                self.reader.whole_turns = false;
                if self.focus != Focus::Reader {
                    self.focus = Focus::Reader;
                }
            }
            Action::Command => {
                self.overlay = Overlay::Prompt(PromptKind::Command, Input::default())
            }
            Action::Search => {
                let mut panel = SearchPanel::default();
                if let IndexState::Building = self.index {
                    panel.error = Some(
                        "the search index is being built; results appear when it is ready".into(),
                    );
                }
                self.overlay = Overlay::Search(panel);
            }
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::Reconcile => {
                match &mut self.reconcile {
                    Some(screen) => {
                        screen.shown = true;
                        self.refresh_settled();
                    }
                    None => self.message = Some((
                        "no reconciliation is open: start one with `gloss reconcile --coders A,B`"
                            .into(),
                        false,
                    )),
                }
            }
            _ => match self.focus {
                Focus::Reader => self.reader_action(action),
                Focus::Documents => self.list_action(action),
                Focus::Codebook => self.codebook_action(action),
            },
        }
    }

    fn list_action(&mut self, action: Action) {
        let n = self.visible.len();
        let page = usize::from(self.reader.height.max(2)) - 1;
        match action {
            Action::Down => self.list_selected = (self.list_selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.list_selected = self.list_selected.saturating_sub(1),
            Action::PageDown | Action::HalfPageDown => {
                self.list_selected = (self.list_selected + page).min(n.saturating_sub(1))
            }
            Action::PageUp | Action::HalfPageUp => {
                self.list_selected = self.list_selected.saturating_sub(page)
            }
            Action::Top => self.list_selected = 0,
            Action::Bottom => self.list_selected = n.saturating_sub(1),
            Action::Open => {
                if let Some(&i) = self.visible.get(self.list_selected)
                    && let Some(d) = self.study.corpus.position(&self.rows[i].id)
                {
                    self.open_document(d, Position::new(0, 0));
                    self.focus = Focus::Reader;
                }
            }
            Action::NextUndone => self.next_undone(),
            Action::ToggleDone => {
                if let Some(&i) = self.visible.get(self.list_selected) {
                    let id = self.rows[i].id.clone();
                    self.toggle_done(&id);
                }
            }
            Action::Filter => {
                self.overlay = Overlay::Prompt(
                    PromptKind::Filter,
                    Input {
                        text: self.filter.clone(),
                    },
                )
            }
            _ => {}
        }
    }

    fn codebook_action(&mut self, action: Action) {
        let n = self.study.codebook.codes.len();
        match action {
            Action::Down => {
                self.codebook_selected = (self.codebook_selected + 1).min(n.saturating_sub(1))
            }
            Action::Up => self.codebook_selected = self.codebook_selected.saturating_sub(1),
            Action::Top => self.codebook_selected = 0,
            Action::Bottom => self.codebook_selected = n.saturating_sub(1),
            Action::PageDown | Action::HalfPageDown => {
                self.codebook_selected = (self.codebook_selected + 10).min(n.saturating_sub(1))
            }
            Action::PageUp | Action::HalfPageUp => {
                self.codebook_selected = self.codebook_selected.saturating_sub(10)
            }
            Action::Open => {
                if let Some(code) = self.study.codebook.codes.get(self.codebook_selected) {
                    let id = code.id.clone();
                    if self.reader.anchor.is_some() {
                        self.code_selection(&id);
                        self.focus = Focus::Reader;
                    } else {
                        self.open_excerpts(&id);
                    }
                }
            }
            _ => {}
        }
    }

    fn reader_action(&mut self, action: Action) {
        let Some(doc) = self.study.corpus.docs.get(self.reader.doc) else {
            return;
        };
        let page = self.reader.height.max(2) as isize - 1;
        let r = &mut self.reader;
        match action {
            Action::Down => r.move_rows(doc, 1),
            Action::Up => r.move_rows(doc, -1),
            Action::PageDown => r.move_rows(doc, page),
            Action::PageUp => r.move_rows(doc, -page),
            Action::HalfPageDown => r.move_rows(doc, page / 2),
            Action::HalfPageUp => r.move_rows(doc, -(page / 2)),
            Action::Left => r.motion(doc, false, motion::prev_grapheme),
            Action::Right => r.motion(doc, true, motion::next_grapheme),
            Action::WordNext => r.motion(doc, true, motion::next_word),
            Action::WordPrev => r.motion(doc, false, motion::prev_word),
            Action::WordEnd => {
                let text = doc.turns.get(r.cursor.turn).map_or("", |t| t.text.as_str());
                let end = motion::word_end(text, motion::next_grapheme(text, r.cursor.byte));
                r.set_cursor(Position::new(
                    r.cursor.turn,
                    motion::prev_grapheme(text, end),
                ));
            }
            Action::SentenceNext => r.motion(doc, true, motion::next_sentence),
            Action::SentencePrev => r.motion(doc, false, motion::prev_sentence),
            Action::TurnNext if r.cursor.turn + 1 < doc.turns.len() => {
                r.set_cursor(Position::new(r.cursor.turn + 1, 0));
            }
            Action::TurnPrev => {
                let turn = if r.cursor.byte == 0 {
                    r.cursor.turn.saturating_sub(1)
                } else {
                    r.cursor.turn
                };
                r.set_cursor(Position::new(turn, 0));
            }
            Action::Top => r.set_cursor(Position::new(0, 0)),
            Action::Bottom => r.set_cursor(Position::new(doc.turns.len().saturating_sub(1), 0)),
            Action::LineStart => r.row_edge(doc, false),
            Action::LineEnd => r.row_edge(doc, true),
            Action::Select => {
                if r.anchor.is_some() && !r.whole_turns {
                    r.anchor = None;
                } else {
                    r.anchor = Some(r.cursor);
                    r.whole_turns = false;
                }
            }
            Action::SelectTurns => {
                if r.whole_turns {
                    r.anchor = None;
                    r.whole_turns = false;
                } else {
                    r.anchor = Some(r.anchor.unwrap_or(r.cursor));
                    r.whole_turns = true;
                }
            }
            Action::Code => {
                if self.reader.anchor.is_some() {
                    self.open_picker(None);
                } else if let Some(p) = self.coding_under_cursor() {
                    let id = p.id.clone();
                    self.open_picker(Some(id));
                } else {
                    self.message = Some(("select text first: v, then move".into(), false));
                }
            }
            Action::CodeByKey => {
                if self.reader.anchor.is_some() {
                    self.overlay = Overlay::CodeKey;
                    self.message = Some(("press a code's key".into(), false));
                } else {
                    self.message = Some(("select text first: v, then move".into(), false));
                }
            }
            Action::Recode => match self.own_coding_under_cursor() {
                Ok(id) => self.open_picker(Some(id)),
                Err(m) => self.message = Some((m, false)),
            },
            Action::Uncode => match self.own_coding_under_cursor() {
                Ok(id) => self.uncode(&id),
                Err(m) => self.message = Some((m, false)),
            },
            Action::Star => match self.own_coding_under_cursor() {
                Ok(id) => self.star(&id),
                Err(m) => self.message = Some((m, false)),
            },
            Action::Memo => self.open_memo(),
            Action::Records => {
                let number = self.record_numbers().first().copied().unwrap_or(1);
                self.open_form(number);
            }
            Action::NextCoding | Action::PrevCoding => {
                let cursor = self.reader.cursor;
                let target = if action == Action::NextCoding {
                    self.placed
                        .iter()
                        .map(|p| p.start)
                        .filter(|&s| s > cursor)
                        .min()
                } else {
                    self.placed
                        .iter()
                        .map(|p| p.start)
                        .filter(|&s| s < cursor)
                        .max()
                };
                match target {
                    Some(at) => self.reader.set_cursor(at),
                    None => self.message = Some(("no more codings that way".into(), false)),
                }
            }
            Action::Find => self.overlay = Overlay::Prompt(PromptKind::Find, Input::default()),
            Action::FindNext => self.find_step(true),
            Action::FindPrev => self.find_step(false),
            Action::ToggleDone => {
                let id = doc.id.clone();
                self.toggle_done(&id);
            }
            _ => {}
        }
        if let Some(doc) = self.study.corpus.docs.get(self.reader.doc) {
            self.reader.scroll_to_cursor(doc);
        }
    }

    fn submit_prompt(&mut self, kind: PromptKind, text: String) {
        match kind {
            PromptKind::Find => {
                if !text.is_empty() {
                    self.find = Some(text);
                }
                self.find_step(true);
            }
            PromptKind::Filter => {
                self.filter = text;
                self.apply_filter();
                self.focus = Focus::Documents;
            }
            PromptKind::Command => self.command(text.trim()),
        }
    }

    fn command(&mut self, line: &str) {
        let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match name {
            "q" | "quit" | "wq" | "x" => self.quit = true,
            "w" | "write" => {
                self.message = Some(("every change is saved as you make it".into(), false))
            }
            "done" => {
                if let Some(id) = self.doc().map(|d| d.id.clone()) {
                    self.set_progress(&id, Progress::Done, None);
                }
            }
            "progress" | "started" => {
                if let Some(id) = self.doc().map(|d| d.id.clone()) {
                    self.set_progress(&id, Progress::InProgress, None);
                }
            }
            "exclude" => {
                if rest.is_empty() {
                    self.message = Some(("say why: :exclude REASON".into(), true));
                } else if let Some(id) = self.doc().map(|d| d.id.clone()) {
                    self.set_progress(&id, Progress::Done, Some(rest.to_string()));
                }
            }
            "doc" | "open" | "e" => {
                match self.study.project.find_document(&self.study.corpus, rest) {
                    Ok(i) => {
                        if let Some(screen) = &mut self.reconcile {
                            screen.shown = false;
                        }
                        self.open_document(i, Position::new(0, 0))
                    }
                    Err(e) => self.message = Some((e.to_string(), true)),
                }
            }
            "memo" => self.open_memo(),
            "reconcile" => self.act(Action::Reconcile),
            "add" | "rename" | "move" | "merge" | "retire" | "unretire" => {
                self.codebook_command(name, rest)
            }
            "help" | "h" => self.overlay = Overlay::Help(0),
            "" => {}
            other => {
                self.message = Some((
                    format!(
                        "unknown command :{other} (q, done, progress, exclude REASON, doc ID, memo, help)"
                    ),
                    true,
                ))
            }
        }
    }

    fn find_step(&mut self, forward: bool) {
        let Some(needle) = self.find.clone().filter(|n| !n.is_empty()) else {
            self.message = Some(("nothing to find: / then text".into(), false));
            return;
        };
        let Some(doc) = self.study.corpus.docs.get(self.reader.doc) else {
            return;
        };
        let needle = needle.to_lowercase();
        let mut hits: Vec<Position> = Vec::new();
        for (t, turn) in doc.turns.iter().enumerate() {
            let hay = turn.text.to_lowercase();
            if hay.len() != turn.text.len() {
                // Lower-casing changed byte lengths: search the text as written.
                hits.extend(
                    turn.text
                        .match_indices(&needle)
                        .map(|(i, _)| Position::new(t, i)),
                );
            } else {
                hits.extend(hay.match_indices(&needle).map(|(i, _)| Position::new(t, i)));
            }
        }
        let cursor = self.reader.cursor;
        let next = if forward {
            hits.iter()
                .copied()
                .find(|&p| p > cursor)
                .or(hits.first().copied())
        } else {
            hits.iter()
                .rev()
                .copied()
                .find(|&p| p < cursor)
                .or(hits.last().copied())
        };
        match next {
            Some(at) => {
                self.reader.set_cursor(at);
                self.message = Some((format!("{} matches of {needle:?}", hits.len()), false));
                if let Some(doc) = self.study.corpus.docs.get(self.reader.doc) {
                    self.reader.scroll_to_cursor(doc);
                }
            }
            None => self.message = Some((format!("{needle:?} is not in this document"), false)),
        }
    }

    fn next_undone(&mut self) {
        let n = self.visible.len();
        for step in 1..=n {
            let v = (self.list_selected + step) % n;
            let row = &self.rows[self.visible[v]];
            if row.progress != Progress::Done && row.excluded.is_none() {
                self.list_selected = v;
                return;
            }
        }
        self.message = Some(("every document in the list is done".into(), false));
    }

    /// The codes matching a picker query: recent codes first when the query is empty,
    /// else fuzzy matches on name, id and aliases, best first. Dimensions are left out
    /// (they are coded through records).
    pub fn match_codes(&self, query: &str) -> Vec<usize> {
        let codes = &self.study.codebook.codes;
        let codable = |i: &usize| {
            codes[*i].select.is_none() && codes[*i].dimension.is_none() && !codes[*i].retired
        };
        if query.is_empty() {
            let mut out: Vec<usize> = self
                .recent_codes
                .iter()
                .filter_map(|id| codes.iter().position(|c| &c.id == id))
                .collect();
            let rest: Vec<usize> = (0..codes.len()).filter(|i| !out.contains(i)).collect();
            out.extend(rest);
            out.retain(codable);
            return out;
        }
        let q = query.to_lowercase();
        let mut scored: Vec<(i64, usize)> = (0..codes.len())
            .filter(codable)
            .filter_map(|i| {
                let c = &codes[i];
                std::iter::once(c.name.as_str())
                    .chain(std::iter::once(c.id.as_str()))
                    .chain(c.aliases.iter().map(String::as_str))
                    .filter_map(|label| fuzzy_score(&label.to_lowercase(), &q))
                    .max()
                    .map(|s| (s, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| i).collect()
    }

    fn open_picker(&mut self, recode: Option<String>) {
        let matches = self.match_codes("");
        self.overlay = Overlay::Picker(Picker {
            query: Input::default(),
            matches,
            selected: 0,
            recode,
        });
    }

    fn pick(&mut self, code: &str, recode: Option<String>) {
        match recode {
            Some(id) => self.recode(&id, code),
            None => self.code_selection(code),
        }
    }

    fn remember_code(&mut self, code: &str) {
        self.recent_codes.retain(|c| c != code);
        self.recent_codes.insert(0, code.to_string());
        self.recent_codes.truncate(9);
    }

    /// The coding under the cursor (the shortest one when several overlap).
    pub fn coding_under_cursor(&self) -> Option<&Placed> {
        let c = self.reader.cursor;
        self.placed
            .iter()
            .filter(|p| p.covers(c))
            .min_by_key(|p| p.extent())
    }

    fn own_coding_under_cursor(&self) -> Result<String, String> {
        let c = self.reader.cursor;
        let mine = self
            .placed
            .iter()
            .filter(|p| p.covers(c) && p.coder == self.coder)
            .min_by_key(|p| p.extent());
        match mine {
            Some(p) => Ok(p.id.clone()),
            None => Err(match self.coding_under_cursor() {
                Some(p) => format!(
                    "this coding is {}'s; only {} can change it",
                    p.coder, p.coder
                ),
                None => "no coding under the cursor".into(),
            }),
        }
    }

    fn my_entries(&self) -> Option<&CoderFile> {
        self.study.codings.coder(&self.coder)
    }

    fn new_coding_id(&mut self) -> String {
        let last = self.my_entries().map_or(0, |f| f.last_id);
        format!("{}-{}", self.coder, last + 1)
    }

    /// Codes the selection.
    pub fn code_selection(&mut self, code: &str) {
        let Some(doc) = self.doc() else { return };
        let Some((start, end)) = self.reader.selection(doc) else {
            self.message = Some(("select text first: v, then move".into(), false));
            return;
        };
        let Some(anchor) = AnchorText::new(doc).anchor(start, end) else {
            self.message = Some(("the selection is empty".into(), true));
            return;
        };
        let doc_id = doc.id.clone();
        let now = now_rfc3339();
        let id = self.new_coding_id();
        let coding = SpanCoding {
            id: id.clone(),
            doc: doc_id.clone(),
            start,
            end,
            code: code.to_string(),
            anchor,
            memo: None,
            star: false,
            batch: None,
            created: now.clone(),
            modified: now,
        };
        let mut forward = vec![Op::Put(Entry::Coding(coding))];
        let mut backward = vec![Op::Delete(coding_key(&id))];
        // Coding a document starts it.
        if self.study.codings.progress(&self.coder, &doc_id) == Progress::NotStarted {
            forward.push(Op::Put(Entry::Status(DocStatus {
                doc: doc_id.clone(),
                progress: Progress::InProgress,
                excluded: None,
                modified: now_rfc3339(),
            })));
            backward.push(Op::Delete(status_key(&doc_id)));
        }
        self.remember_code(code);
        self.reader.anchor = None;
        self.reader.whole_turns = false;
        let name = self.code_name(code);
        self.perform(Change {
            label: format!("coded {name}"),
            doc: doc_id,
            forward,
            backward,
        });
    }

    fn code_name(&self, code: &str) -> String {
        self.study
            .codebook
            .resolve(code)
            .map_or_else(|| code.to_string(), |c| c.name.clone())
    }

    fn coding_entry(&self, id: &str) -> Option<SpanCoding> {
        match self.my_entries()?.get(&coding_key(id))? {
            Entry::Coding(c) => Some(c.clone()),
            _ => None,
        }
    }

    fn uncode(&mut self, id: &str) {
        let Some(old) = self.coding_entry(id) else {
            return;
        };
        let name = self.code_name(&old.code);
        self.perform(Change {
            label: format!("removed {name}"),
            doc: self.study.project.meta.current_id(&old.doc).to_string(),
            forward: vec![Op::Delete(coding_key(id))],
            backward: vec![Op::Put(Entry::Coding(old))],
        });
    }

    fn recode(&mut self, id: &str, code: &str) {
        let Some(old) = self.coding_entry(id) else {
            self.message = Some(("only your own codings can be changed".into(), true));
            return;
        };
        let mut new = old.clone();
        new.code = code.to_string();
        new.modified = now_rfc3339();
        self.remember_code(code);
        let name = self.code_name(code);
        self.perform(Change {
            label: format!("recoded as {name}"),
            doc: self.study.project.meta.current_id(&old.doc).to_string(),
            forward: vec![Op::Put(Entry::Coding(new))],
            backward: vec![Op::Put(Entry::Coding(old))],
        });
    }

    fn star(&mut self, id: &str) {
        let Some(old) = self.coding_entry(id) else {
            return;
        };
        let mut new = old.clone();
        new.star = !old.star;
        new.modified = now_rfc3339();
        let label = if new.star { "starred" } else { "unstarred" };
        self.perform(Change {
            label: label.into(),
            doc: self.study.project.meta.current_id(&old.doc).to_string(),
            forward: vec![Op::Put(Entry::Coding(new))],
            backward: vec![Op::Put(Entry::Coding(old))],
        });
    }

    fn open_memo(&mut self) {
        let Some(doc) = self.doc() else { return };
        let doc_id = doc.id.clone();
        let editor = match self.own_coding_under_cursor() {
            Ok(id) => MemoEditor {
                editor: Editor::new(
                    self.coding_entry(&id)
                        .and_then(|c| c.memo)
                        .unwrap_or_default(),
                ),
                target: None,
                coding: Some(id),
            },
            Err(_) => {
                let target = MemoTarget::Document(doc_id);
                let text = self
                    .my_entries()
                    .and_then(|f| f.get(&memo_key(&target)))
                    .and_then(|e| match e {
                        Entry::Memo(m) => Some(m.text.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                MemoEditor {
                    editor: Editor::new(text),
                    target: Some(target),
                    coding: None,
                }
            }
        };
        self.overlay = Overlay::Memo(editor);
    }

    fn save_memo(&mut self, editor: MemoEditor) {
        let text = editor.editor.text().trim_end().to_string();
        if let Some(id) = editor.coding {
            let Some(old) = self.coding_entry(&id) else {
                return;
            };
            if old.memo.as_deref().unwrap_or("") == text {
                return;
            }
            let mut new = old.clone();
            new.memo = (!text.is_empty()).then_some(text);
            new.modified = now_rfc3339();
            self.perform(Change {
                label: "memo saved".into(),
                doc: self.study.project.meta.current_id(&old.doc).to_string(),
                forward: vec![Op::Put(Entry::Coding(new))],
                backward: vec![Op::Put(Entry::Coding(old))],
            });
        } else if let Some(target) = editor.target {
            let key = memo_key(&target);
            let old = self.my_entries().and_then(|f| f.get(&key)).cloned();
            let old_text = match &old {
                Some(Entry::Memo(m)) => m.text.clone(),
                _ => String::new(),
            };
            if old_text == text {
                return;
            }
            let doc = match &target {
                MemoTarget::Document(d) => d.clone(),
                _ => String::new(),
            };
            let forward = if text.is_empty() {
                vec![Op::Delete(key.clone())]
            } else {
                vec![Op::Put(Entry::Memo(Memo {
                    about: target,
                    text,
                    modified: now_rfc3339(),
                }))]
            };
            let backward = match old {
                Some(e) => vec![Op::Put(e)],
                None => vec![Op::Delete(key)],
            };
            self.perform(Change {
                label: "memo saved".into(),
                doc,
                forward,
                backward,
            });
        }
    }

    /// Opens the excerpts of a code and its descendants, across documents and coders.
    pub fn open_excerpts(&mut self, code: &str) {
        let mut ids: Vec<String> = vec![code.to_string()];
        ids.extend(
            self.study
                .codebook
                .descendants(code)
                .into_iter()
                .map(|c| c.id.clone()),
        );
        let items: Vec<Excerpt> = self
            .study
            .codings
            .resolve(&self.study.project, &self.study.corpus)
            .into_iter()
            .filter(|r| ids.contains(&r.coding.code))
            .filter_map(|r| match r.placement {
                Resolved::Placed { start, end, .. } => Some(Excerpt {
                    doc: r.doc.clone(),
                    coder: r.coder.to_string(),
                    coding: r.coding.id.clone(),
                    code: r.coding.code.clone(),
                    start,
                    end,
                    quote: r.coding.anchor.quote.clone(),
                    memo: r.coding.memo.clone(),
                }),
                _ => None,
            })
            .collect();
        let mut view = Excerpts {
            code: code.to_string(),
            items,
            selected: 0,
            by_coder: false,
        };
        sort_excerpts(&mut view);
        self.overlay = Overlay::Excerpts(view);
    }

    /// Numbers of this coder's records on the open document.
    fn record_numbers(&self) -> Vec<u32> {
        let Some(doc) = self.doc() else {
            return Vec::new();
        };
        let Some(file) = self.my_entries() else {
            return Vec::new();
        };
        let mut numbers: Vec<u32> = self
            .study
            .project
            .meta
            .ids_of(&doc.id)
            .into_iter()
            .flat_map(|id| file.of_document(id))
            .filter_map(|e| match e {
                Entry::Record(r) => Some(r.number),
                _ => None,
            })
            .collect();
        numbers.sort_unstable();
        numbers
    }

    /// Opens the instrument form on record `number` of the open document (a new,
    /// empty record when there is none with that number).
    pub fn open_form(&mut self, number: u32) {
        let Some(doc) = self.doc() else { return };
        let dims = self.study.codebook.dimensions();
        if dims.is_empty() {
            self.message = Some((
                "the codebook has no instrument dimensions (codes with select: one|many)".into(),
                true,
            ));
            return;
        }
        let codes = &self.study.codebook.codes;
        let mut rows = Vec::new();
        for dim in dims {
            let Some(d) = self.study.codebook.index(&dim.id) else {
                continue;
            };
            rows.push((d, None));
            for value in self.study.codebook.descendants(&dim.id) {
                if value.id == dim.id {
                    continue;
                }
                if let Some(v) = codes.iter().position(|c| c.id == value.id) {
                    rows.push((d, Some(v)));
                }
            }
        }
        let stored = self
            .my_entries()
            .and_then(|f| f.get(&record_key(&doc.id, number)))
            .and_then(|e| match e {
                Entry::Record(r) => Some(r.clone()),
                _ => None,
            });
        let now = now_rfc3339();
        let draft = stored.clone().unwrap_or_else(|| Record {
            doc: doc.id.clone(),
            number,
            values: Default::default(),
            evidence: Vec::new(),
            memo: None,
            created: now.clone(),
            modified: now,
        });
        let mut numbers = self.record_numbers();
        if !numbers.contains(&number) {
            numbers.push(number);
            numbers.sort_unstable();
        }
        let selection = self.reader.selection(doc);
        let cursor = rows.iter().position(|r| r.1.is_some()).unwrap_or(0);
        self.overlay = Overlay::Form(Box::new(Form {
            draft,
            stored,
            rows,
            cursor,
            selection,
            numbers,
        }));
    }

    /// A key in the form; `true` closes it (saving).
    fn form_key(&mut self, form: &mut Form, key: &KeyEvent) -> bool {
        let value_rows: Vec<usize> = (0..form.rows.len())
            .filter(|&i| form.rows[i].1.is_some())
            .collect();
        let at = value_rows
            .iter()
            .position(|&i| i == form.cursor)
            .unwrap_or(0);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return true,
            KeyCode::Char('j') | KeyCode::Down => {
                form.cursor = value_rows.get(at + 1).copied().unwrap_or(form.cursor)
            }
            KeyCode::Char('k') | KeyCode::Up => {
                form.cursor = value_rows
                    .get(at.saturating_sub(1))
                    .copied()
                    .unwrap_or(form.cursor)
            }
            KeyCode::Char(' ') | KeyCode::Enter => {
                if let Some(&(d, Some(v))) = form.rows.get(form.cursor) {
                    let codes = &self.study.codebook.codes;
                    let (dim, value) = (codes[d].id.clone(), codes[v].id.clone());
                    let many = codes[d].select == Some(gloss::codebook::Select::Many);
                    let chosen = form.draft.values.entry(dim.clone()).or_default();
                    if chosen.contains(&value) {
                        chosen.retain(|x| x != &value);
                    } else if many {
                        chosen.push(value);
                    } else {
                        *chosen = vec![value];
                    }
                    if chosen.is_empty() {
                        form.draft.values.remove(&dim);
                    }
                }
            }
            KeyCode::Char('e') => match (form.selection, self.doc()) {
                (Some((start, end)), Some(doc)) => {
                    if let Some(anchor) = AnchorText::new(doc).anchor(start, end) {
                        form.draft.evidence.push(Evidence { start, end, anchor });
                        form.selection = None;
                        self.message = Some(("evidence attached".into(), false));
                    }
                }
                _ => {
                    self.message = Some((
                        "select the evidence in the reader first (v), then R, then e".into(),
                        false,
                    ))
                }
            },
            KeyCode::Char('n') | KeyCode::Char(']') | KeyCode::Char('[') => {
                let next = match key.code {
                    KeyCode::Char('n') => form.numbers.last().copied().unwrap_or(0) + 1,
                    KeyCode::Char(']') => form
                        .numbers
                        .iter()
                        .copied()
                        .find(|&n| n > form.draft.number)
                        .unwrap_or(form.draft.number),
                    _ => form
                        .numbers
                        .iter()
                        .rev()
                        .copied()
                        .find(|&n| n < form.draft.number)
                        .unwrap_or(form.draft.number),
                };
                if next != form.draft.number {
                    let selection = form.selection;
                    let current = std::mem::replace(
                        form,
                        Form {
                            draft: form.draft.clone(),
                            stored: None,
                            rows: Vec::new(),
                            cursor: 0,
                            selection: None,
                            numbers: Vec::new(),
                        },
                    );
                    self.save_form(current);
                    self.open_form(next);
                    if let Overlay::Form(f) = std::mem::take(&mut self.overlay) {
                        *form = *f;
                        form.selection = selection;
                    }
                }
            }
            _ => {}
        }
        false
    }

    /// Saves the form's record when it changed (an undoable change).
    fn save_form(&mut self, form: Form) {
        let Form {
            mut draft, stored, ..
        } = form;
        if stored.as_ref() == Some(&draft)
            || (stored.is_none() && draft.values.is_empty() && draft.evidence.is_empty())
        {
            return;
        }
        draft.modified = now_rfc3339();
        let key = record_key(&draft.doc, draft.number);
        let doc = draft.doc.clone();
        let label = format!("record {} saved", draft.number);
        self.perform(Change {
            label,
            doc,
            forward: vec![Op::Put(Entry::Record(draft))],
            backward: match stored {
                Some(r) => vec![Op::Put(Entry::Record(r))],
                None => vec![Op::Delete(key)],
            },
        });
    }

    fn toggle_done(&mut self, doc_id: &str) {
        let done = self.study.codings.progress(&self.coder, doc_id) == Progress::Done;
        let next = if done {
            Progress::InProgress
        } else {
            Progress::Done
        };
        self.set_progress(doc_id, next, None);
    }

    fn set_progress(&mut self, doc_id: &str, progress: Progress, excluded: Option<String>) {
        let key = status_key(doc_id);
        let old = self.my_entries().and_then(|f| f.get(&key)).cloned();
        let label = match (&excluded, progress) {
            (Some(_), _) => "document excluded".to_string(),
            (None, p) => format!("marked {}", p.label()),
        };
        self.perform(Change {
            label,
            doc: doc_id.to_string(),
            forward: vec![Op::Put(Entry::Status(DocStatus {
                doc: doc_id.to_string(),
                progress,
                excluded,
                modified: now_rfc3339(),
            }))],
            backward: match old {
                Some(e) => vec![Op::Put(e)],
                None => vec![Op::Delete(key)],
            },
        });
    }

    /// Applies a change in memory, sends it to the saver, and records it for undo.
    fn perform(&mut self, change: Change) {
        self.redo.clear();
        self.apply_ops(&change.doc, change.forward.clone());
        self.message = Some((change.label.clone(), false));
        self.undo.push(Undoable::Store(change));
    }

    fn undo(&mut self) {
        let Some(entry) = self.undo.pop() else {
            self.message = Some(("nothing to undo".into(), false));
            return;
        };
        let label = match &entry {
            Undoable::Store(change) => {
                self.apply_ops(&change.doc, change.backward.clone());
                change.label.clone()
            }
            Undoable::Codebook {
                path,
                before,
                label,
                ..
            } => {
                if let Err(e) = self.write_codebook(path, before) {
                    self.message = Some((format!("cannot undo: {e}"), true));
                    self.undo.push(entry);
                    return;
                }
                label.clone()
            }
        };
        self.message = Some((format!("undid: {label}"), false));
        self.redo.push(entry);
        self.refresh_settled();
    }

    fn redo(&mut self) {
        let Some(entry) = self.redo.pop() else {
            self.message = Some(("nothing to redo".into(), false));
            return;
        };
        let label = match &entry {
            Undoable::Store(change) => {
                self.apply_ops(&change.doc, change.forward.clone());
                change.label.clone()
            }
            Undoable::Codebook {
                path, after, label, ..
            } => {
                if let Err(e) = self.write_codebook(path, after) {
                    self.message = Some((format!("cannot redo: {e}"), true));
                    self.redo.push(entry);
                    return;
                }
                label.clone()
            }
        };
        self.message = Some((format!("redid: {label}"), false));
        self.undo.push(entry);
        self.refresh_settled();
    }

    /// The code highlighted in the codebook panel.
    fn highlighted_code(&self) -> Option<String> {
        self.study
            .codebook
            .codes
            .get(self.codebook_selected)
            .map(|c| c.id.clone())
    }

    /// `:add ID NAME`, `:rename NAME`, `:move PARENT|top`, `:merge INTO`, `:retire`,
    /// `:unretire` on the code highlighted in the codebook panel. Merge and retire ask
    /// first.
    fn codebook_command(&mut self, name: &str, rest: &str) {
        use gloss::codebook::edit::{NewCode, Op as Edit};
        let Some(code) = self.highlighted_code() else {
            self.message = Some((
                "the codebook is empty; :add ID NAME adds a code".into(),
                true,
            ));
            return;
        };
        let need = |what: &str| format!("say {what}: :{name} {what}");
        let op = match name {
            "add" => match rest.split_once(' ') {
                Some((id, title)) if !title.trim().is_empty() => Edit::Add {
                    parent: Some(code),
                    code: NewCode {
                        id: id.to_string(),
                        name: title.trim().to_string(),
                        description: None,
                        key: None,
                        color: None,
                    },
                },
                _ => return self.message = Some((need("ID NAME"), true)),
            },
            "rename" if !rest.is_empty() => Edit::Rename {
                id: code,
                name: rest.to_string(),
            },
            "move" if !rest.is_empty() => Edit::Move {
                id: code,
                to: (rest != "top").then(|| rest.to_string()),
            },
            "merge" if !rest.is_empty() => {
                let question =
                    format!("merge {code} into {rest}? its codings will count for {rest} (y/n)");
                self.overlay = Overlay::Confirm(
                    question,
                    Edit::Merge {
                        from: code,
                        into: rest.to_string(),
                    },
                );
                return;
            }
            "retire" => {
                self.overlay = Overlay::Confirm(
                    format!("retire {code}? its codings stay; it is marked retired (y/n)"),
                    Edit::Retire { id: code },
                );
                return;
            }
            "unretire" => Edit::Unretire { id: code },
            "rename" => return self.message = Some((need("NAME"), true)),
            _ => return self.message = Some((need("PARENT (or top)"), true)),
        };
        self.edit_codebook(op);
    }

    /// Works out, writes (durably) and loads a codebook edit; records it for undo.
    fn edit_codebook(&mut self, op: gloss::codebook::edit::Op) {
        let project = &self.study.project;
        let result = gloss::codebook::edit::lock_codebook(project).and_then(|lock| {
            let planned = gloss::codebook::edit::plan(&project.codebooks_dir(), &op)?;
            let before = std::fs::read_to_string(&planned.path).unwrap_or_default();
            if planned.changed {
                gloss::textio::write_atomic(&planned.path, planned.text.as_bytes())?;
            }
            drop(lock);
            Ok((planned, before))
        });
        match result {
            Ok((planned, before)) => {
                if !planned.changed {
                    self.message = Some((planned.summary, false));
                    return;
                }
                self.reload_codebook();
                self.redo.clear();
                self.undo.push(Undoable::Codebook {
                    path: planned.path,
                    before,
                    after: planned.text,
                    label: planned.summary.clone(),
                });
                self.message = Some((planned.summary, false));
            }
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }

    /// Writes a codebook file back to a known text (undo, redo) and reloads.
    fn write_codebook(&mut self, path: &std::path::Path, text: &str) -> gloss::Result<()> {
        let lock = gloss::codebook::edit::lock_codebook(&self.study.project)?;
        gloss::textio::write_atomic(path, text.as_bytes())?;
        drop(lock);
        self.reload_codebook();
        Ok(())
    }

    fn reload_codebook(&mut self) {
        match gloss::codebook::Codebook::load(&self.study.project.codebooks_dir()) {
            Ok(codebook) => {
                self.study.codebook = codebook;
                self.codebook_selected = self
                    .codebook_selected
                    .min(self.study.codebook.codes.len().saturating_sub(1));
                self.refresh_placed();
            }
            Err(e) => self.message = Some((format!("the codebook no longer loads: {e}"), true)),
        }
    }

    fn apply_ops(&mut self, doc: &str, ops: Vec<Op>) {
        let coder = self.coder.clone();
        let set = &mut self.study.codings;
        if set.coder(&coder).is_none() {
            set.coders.push(CoderFile::new(&coder));
        }
        // The document's row: rows are built in corpus order.
        let row = self
            .study
            .corpus
            .position(doc)
            .filter(|&i| self.rows.get(i).is_some_and(|r| r.id == doc));
        if let Some(file) = set.coders.iter_mut().find(|c| c.coder == coder) {
            for op in &ops {
                // Keep the per-code counts and the document's row in step, from what
                // the change replaces.
                let key = match op {
                    Op::Put(e) => e.key(),
                    Op::Delete(k) => k.clone(),
                };
                let before = file.get(&key);
                match (before, row.and_then(|i| self.rows.get_mut(i))) {
                    (Some(Entry::Coding(old)), row) => {
                        if let Some(n) = self.code_counts.get_mut(&old.code) {
                            *n = n.saturating_sub(1);
                        }
                        if let Some(r) = row {
                            r.codings = r.codings.saturating_sub(1);
                        }
                    }
                    (Some(Entry::Record(_)), Some(r)) => r.records = r.records.saturating_sub(1),
                    (Some(Entry::Status(_)), Some(r)) => {
                        r.progress = Progress::NotStarted;
                        r.excluded = None;
                    }
                    _ => {}
                }
                match (op, row.and_then(|i| self.rows.get_mut(i))) {
                    (Op::Put(Entry::Coding(c)), row) => {
                        *self.code_counts.entry(c.code.clone()).or_insert(0) += 1;
                        if let Some(r) = row {
                            r.codings += 1;
                        }
                    }
                    (Op::Put(Entry::Record(_)), Some(r)) => r.records += 1,
                    (Op::Put(Entry::Status(st)), Some(r)) => {
                        r.progress = st.progress;
                        r.excluded = st.excluded.clone();
                    }
                    _ => {}
                }
                file.apply(op.clone());
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let update = prepare_update(&self.study, &[doc]);
        let sent = self
            .background
            .as_ref()
            .is_some_and(|b| b.save(seq, ops, update));
        if sent {
            self.unsaved.insert(seq);
        } else {
            self.save_error =
                Some("the saver stopped; this change is NOT saved — restart gloss".into());
        }
        self.refresh_placed();
        if !self.filter.is_empty() {
            self.apply_filter();
        }
    }

    /// Runs the search panel's query through the index.
    fn run_search(&self, panel: &mut SearchPanel) {
        if self.blind
            && let Some(field) = blind_field(&panel.query.text)
        {
            panel.results = None;
            panel.error = Some(format!(
                "blind mode hides other coders' work: the query field {field} is not available while coding blind"
            ));
            return;
        }
        let IndexState::Ready(view) = &self.index else {
            return;
        };
        panel.selected = 0;
        if panel.query.text.trim().is_empty() {
            panel.results = None;
            panel.error = None;
            return;
        }
        match view.search(&panel.query.text, &Filters::default(), 50, false) {
            Ok(r) => {
                panel.error = r.warnings.first().cloned();
                panel.results = Some(r);
            }
            Err(e) => {
                panel.error = Some(e.to_string());
                panel.results = None;
            }
        }
    }

    fn jump_to_hit(&mut self, panel: &SearchPanel) {
        let Some(hit) = panel
            .results
            .as_ref()
            .and_then(|r| r.hits.get(panel.selected))
        else {
            return;
        };
        let Some(d) = self.study.corpus.position(&hit.doc) else {
            self.message = Some((format!("{} is not in the project any more", hit.doc), true));
            return;
        };
        let (start, end) = hit.matches.first().copied().unwrap_or((0, 0));
        self.open_selected(
            d,
            Position::new(hit.turn, start),
            Position::new(hit.turn, end),
        );
    }

    /// Opens document `d` with `start..end` selected in the reader (ready to code), or
    /// just at `start` when the range is empty.
    fn open_selected(&mut self, d: usize, start: Position, end: Position) {
        if let Some(screen) = &mut self.reconcile {
            screen.shown = false;
        }
        self.open_document(d, start);
        if end > start
            && let Some(doc) = self.study.corpus.docs.get(d)
        {
            let text = doc.turns.get(end.turn).map_or("", |t| t.text.as_str());
            self.reader.anchor = Some(start);
            self.reader.set_cursor(Position::new(
                end.turn,
                motion::prev_grapheme(text, end.byte),
            ));
            self.reader.scroll_to_cursor(doc);
        }
        self.focus = Focus::Reader;
    }

    /// Takes the background threads' reports (without waiting).
    pub fn poll_background(&mut self) {
        let Some(bg) = &self.background else { return };
        let reports: Vec<Report> = bg.reports.try_iter().collect();
        for r in reports {
            self.on_report(r);
        }
    }

    /// Waits for one background report (tests use this instead of sleeping).
    #[cfg(test)]
    pub fn wait_background(&mut self, timeout: std::time::Duration) -> bool {
        let Some(bg) = &self.background else {
            return false;
        };
        match bg.reports.recv_timeout(timeout) {
            Ok(r) => {
                self.on_report(r);
                true
            }
            Err(_) => false,
        }
    }

    /// True once after a background report changed what is shown.
    pub fn take_redraw(&mut self) -> bool {
        std::mem::take(&mut self.redraw)
    }

    fn on_report(&mut self, report: Report) {
        self.redraw = true;
        match report {
            Report::Loaded(loaded) => self.loaded(*loaded),
            Report::LoadFailed(e) => {
                self.loading = false;
                self.save_error = Some(format!("the project could not be read: {e}"));
                self.quit = true;
            }
            Report::Saved(seq) => {
                self.unsaved.remove(&seq);
            }
            Report::SaveFailed(seq, e) => {
                self.unsaved.remove(&seq);
                self.save_error = Some(format!("NOT SAVED: {e}"));
            }
            Report::IndexReady(view, notices) => {
                self.index = IndexState::Ready(view);
                if let Some(n) = notices.first() {
                    self.message = Some((n.clone(), false));
                }
            }
            Report::IndexFailed(e) => self.index = IndexState::Failed(e),
            Report::Indexed => {}
        }
    }

    /// The count of changes not yet written (for the watchdog).
    pub fn in_flight(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicUsize>> {
        self.background.as_ref().map(Background::in_flight)
    }

    /// Stops the background threads after they have saved everything queued.
    pub fn finish(&mut self) {
        if let Some(mut bg) = self.background.take() {
            bg.finish();
            let reports: Vec<Report> = bg.reports.try_iter().collect();
            for r in reports {
                self.on_report(r);
            }
        }
    }
}

/// Entries of the help screen (what it scrolls by): every action, then a blank line, a
/// heading and the memo editor's keys, then the same for the reconciliation screen.
pub fn help_lines() -> usize {
    Action::ALL.len() + 2 + Action::EDITOR.len() + 2 + Action::RECONCILE.len()
}

/// The first search field of a query that would reach other coders' work (`code:`,
/// `coder:`, `memo:`), if it uses one.
pub fn blind_field(query: &str) -> Option<&'static str> {
    ["code:", "coder:", "memo:"].into_iter().find(|field| {
        query.match_indices(field).any(|(at, _)| {
            !query
                .get(..at)
                .and_then(|before| before.chars().next_back())
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

fn sort_excerpts(view: &mut Excerpts) {
    if view.by_coder {
        view.items
            .sort_by(|a, b| (&a.coder, &a.doc, a.start).cmp(&(&b.coder, &b.doc, b.start)));
    } else {
        view.items
            .sort_by(|a, b| (&a.doc, a.start, &a.coder).cmp(&(&b.doc, b.start, &b.coder)));
    }
}

/// A subsequence match score: consecutive and early matches score higher; `None`
/// when `query` is not a subsequence of `label`.
pub fn fuzzy_score(label: &str, query: &str) -> Option<i64> {
    if label.starts_with(query) {
        return Some(1000 - label.len() as i64);
    }
    if let Some(at) = label.find(query) {
        return Some(500 - at as i64);
    }
    let mut score = 0i64;
    let mut chars = label.char_indices();
    let mut last: Option<usize> = None;
    for q in query.chars() {
        let (i, _) = chars.by_ref().find(|&(_, c)| c == q)?;
        score += match last {
            Some(l) if i == l + 1 => 5,
            _ => 1,
        };
        last = Some(i);
    }
    Some(score)
}
