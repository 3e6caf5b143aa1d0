//! The workbench's vocabulary: every action a key can trigger. One serde-named enum is
//! the keymap file's schema, the help screen's list and the tests' driver.

use serde::{Deserialize, Serialize};

/// Something the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    /// Move focus to the next panel (documents → reader → codebook).
    NextPanel,
    Cancel,
    // Movement (reader and lists).
    Down,
    Up,
    Left,
    Right,
    WordNext,
    WordPrev,
    WordEnd,
    SentenceNext,
    SentencePrev,
    TurnNext,
    TurnPrev,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Top,
    Bottom,
    LineStart,
    LineEnd,
    // Selection and coding.
    Select,
    SelectTurns,
    /// Open the code picker for the selection (or recode the coding under the cursor).
    Code,
    /// Wait for a code's shortcut key and apply that code to the selection.
    CodeByKey,
    Uncode,
    Recode,
    Memo,
    Star,
    /// Open the instrument form: the document's records, one per defect.
    Records,
    Undo,
    Redo,
    NextCoding,
    PrevCoding,
    // Finding.
    Find,
    FindNext,
    FindPrev,
    Search,
    // Documents.
    Open,
    NextUndone,
    ToggleDone,
    Filter,
    Command,
    // The memo editor (its other motions are the reader's: left, right, word-prev,
    // word-next, up, down, line-start, line-end).
    DeleteBack,
    DeleteForward,
    NewLine,
    SaveMemo,
    // The reconciliation screen (`gloss reconcile`).
    /// Take the side of the first (second, …) coder compared.
    #[serde(rename = "take-1")]
    Take1,
    #[serde(rename = "take-2")]
    Take2,
    #[serde(rename = "take-3")]
    Take3,
    #[serde(rename = "take-4")]
    Take4,
    #[serde(rename = "take-5")]
    Take5,
    #[serde(rename = "take-6")]
    Take6,
    /// Take every side: the union of the values, or every coder's codings.
    TakeBoth,
    /// Choose a new value of the dimension.
    NewValue,
    /// Leave this disagreement for later: on to the next unsettled one.
    Skip,
    NextUnsettled,
    PrevUnsettled,
    /// Copy the agreed work of documents the consensus coder has nothing on yet.
    AcceptAgreed,
    /// Back to the reconciliation screen (from the reader).
    Reconcile,
}

impl Action {
    /// Every action, in the order the help screen lists them.
    pub const ALL: &'static [Action] = &[
        Action::Down,
        Action::Up,
        Action::Left,
        Action::Right,
        Action::WordNext,
        Action::WordPrev,
        Action::WordEnd,
        Action::SentenceNext,
        Action::SentencePrev,
        Action::TurnNext,
        Action::TurnPrev,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::Top,
        Action::Bottom,
        Action::LineStart,
        Action::LineEnd,
        Action::Select,
        Action::SelectTurns,
        Action::Code,
        Action::CodeByKey,
        Action::Uncode,
        Action::Recode,
        Action::Memo,
        Action::Star,
        Action::Records,
        Action::Undo,
        Action::Redo,
        Action::NextCoding,
        Action::PrevCoding,
        Action::Find,
        Action::FindNext,
        Action::FindPrev,
        Action::Search,
        Action::Open,
        Action::NextUndone,
        Action::ToggleDone,
        Action::Filter,
        Action::NextPanel,
        Action::Command,
        Action::Reconcile,
        Action::Help,
        Action::Cancel,
        Action::Quit,
    ];

    /// The actions of the memo editor, in the order the help screen lists them.
    pub const EDITOR: &'static [Action] = &[
        Action::Left,
        Action::Right,
        Action::WordPrev,
        Action::WordNext,
        Action::Up,
        Action::Down,
        Action::LineStart,
        Action::LineEnd,
        Action::DeleteBack,
        Action::DeleteForward,
        Action::NewLine,
        Action::SaveMemo,
    ];

    /// The actions of the reconciliation screen, in the order the help screen lists them.
    pub const RECONCILE: &'static [Action] = &[
        Action::Take1,
        Action::Take2,
        Action::Take3,
        Action::Take4,
        Action::Take5,
        Action::Take6,
        Action::TakeBoth,
        Action::NewValue,
        Action::Skip,
        Action::NextUnsettled,
        Action::PrevUnsettled,
        Action::Down,
        Action::Up,
        Action::Open,
        Action::AcceptAgreed,
        Action::Undo,
    ];

    /// The side a `take-N` action takes (from 0).
    pub fn side(self) -> Option<usize> {
        match self {
            Action::Take1 => Some(0),
            Action::Take2 => Some(1),
            Action::Take3 => Some(2),
            Action::Take4 => Some(3),
            Action::Take5 => Some(4),
            Action::Take6 => Some(5),
            _ => None,
        }
    }

    /// What the action does on the reconciliation screen, where some keys of the
    /// panels mean something else.
    pub fn describe_reconcile(self) -> &'static str {
        match self {
            Action::Take1 => "take the first coder's side",
            Action::Take2 => "take the second coder's side",
            Action::Take3 => "take the third coder's side",
            Action::Take4 => "take the fourth coder's side",
            Action::Take5 => "take the fifth coder's side",
            Action::Take6 => "take the sixth coder's side",
            Action::TakeBoth => "take both: every value (several-valued dimensions), every coding",
            Action::NewValue => "choose another value (Space marks, Enter saves)",
            Action::Skip => "skip: leave it for later, on to the next unsettled",
            Action::NextUnsettled => "next unsettled disagreement",
            Action::PrevUnsettled => "previous unsettled disagreement",
            Action::Down => "next disagreement (settled or not)",
            Action::Up => "previous disagreement",
            Action::Open => "read it in the reader at its turn (C-o comes back)",
            Action::AcceptAgreed => {
                "copy the agreed work of documents without disagreements into the consensus"
            }
            Action::Undo => "undo the last decision",
            other => other.describe(),
        }
    }

    /// What the action does, for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit (waits for saves to finish)",
            Action::Help => "this help",
            Action::NextPanel => "next panel: documents, reader, codebook",
            Action::Cancel => "cancel: clear the selection, close a panel",
            Action::Down => "down a line",
            Action::Up => "up a line",
            Action::Left => "left a character",
            Action::Right => "right a character",
            Action::WordNext => "next word",
            Action::WordPrev => "previous word",
            Action::WordEnd => "end of word",
            Action::SentenceNext => "next sentence",
            Action::SentencePrev => "previous sentence",
            Action::TurnNext => "next turn",
            Action::TurnPrev => "previous turn",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::Top => "top of the document",
            Action::Bottom => "bottom of the document",
            Action::LineStart => "start of the line",
            Action::LineEnd => "end of the line",
            Action::Select => "start or end a selection (motions extend it)",
            Action::SelectTurns => "select whole turns",
            Action::Code => "code the selection: pick a code",
            Action::CodeByKey => "code the selection with a code's shortcut key",
            Action::Uncode => "remove the coding under the cursor",
            Action::Recode => "change the code of the coding under the cursor",
            Action::Memo => "memo on the coding under the cursor (else the document)",
            Action::Star => "star the coding under the cursor as an exemplar",
            Action::Records => {
                "instrument form: this document's records (j/k, Space picks, n new, [ ] other record, e evidence from the selection, Esc saves)"
            }
            Action::Undo => "undo the last coding action",
            Action::Redo => "redo",
            Action::NextCoding => "next coding",
            Action::PrevCoding => "previous coding",
            Action::Find => "find in this document",
            Action::FindNext => "next match",
            Action::FindPrev => "previous match",
            Action::Search => "search every document",
            Action::Open => "open / choose",
            Action::NextUndone => "next document not done",
            Action::ToggleDone => "mark the document done (or not)",
            Action::Filter => "filter the document list (kind:, status:, code:, coder:, words)",
            Action::Command => "command line (:q, :done, :doc ID, :exclude REASON, :memo)",
            Action::DeleteBack => "delete the character before the cursor",
            Action::DeleteForward => "delete the character at the cursor",
            Action::NewLine => "new line",
            Action::SaveMemo => "save the memo and close the editor",
            Action::Take1
            | Action::Take2
            | Action::Take3
            | Action::Take4
            | Action::Take5
            | Action::Take6
            | Action::TakeBoth
            | Action::NewValue
            | Action::Skip
            | Action::NextUnsettled
            | Action::PrevUnsettled
            | Action::AcceptAgreed => self.describe_reconcile(),
            Action::Reconcile => "back to the reconciliation screen (gloss reconcile)",
        }
    }
}
