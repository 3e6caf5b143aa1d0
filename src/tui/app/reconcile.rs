//! The reconciliation screen's actions: taking a side, both or a new value (each
//! decision one undoable change of the consensus coder's entries, saved like any
//! other), moving between disagreements, reading one in the reader.

use crossterm::event::{KeyCode, KeyEvent};
use gloss::agree::Place;
use gloss::coding::store::Op;
use gloss::coding::{DocStatus, Entry, Progress};
use gloss::corpus::Position;
use gloss::time::now_rfc3339;

use super::{App, Change, Choice, ReconcileScreen, Reconciliation, ValueChooser};
use crate::tui::action::Action;

impl App {
    /// Opens the reconciliation screen on a plan (after the whole study is read), at
    /// the first disagreement not yet settled.
    pub fn start_reconcile(&mut self, plan: Reconciliation) {
        self.finish_loading();
        let n = plan.items.len();
        let unwritten_file = self
            .study
            .project
            .state_dir(&self.coder)
            .join("reconcile-unwritten.json");
        let remembered = read_unwritten(&unwritten_file);
        let decided = plan
            .items
            .iter()
            .map(|d| remembered.contains(&unwritten_key(d)))
            .collect();
        self.reconcile = Some(ReconcileScreen {
            plan,
            current: 0,
            settled: vec![false; n],
            decided,
            history: Vec::new(),
            shown: true,
            unwritten_file,
            chooser: None,
        });
        self.refresh_settled();
        if let Some(screen) = &mut self.reconcile {
            screen.current = screen.settled.iter().position(|s| !s).unwrap_or(0);
        }
    }

    /// True when the reconciliation screen is what is shown.
    pub fn reconcile_shown(&self) -> bool {
        self.reconcile.as_ref().is_some_and(|r| r.shown)
    }

    /// Works out again which disagreements are settled, from the consensus coder's
    /// entries and this session's decisions.
    pub(super) fn refresh_settled(&mut self) {
        let Some(screen) = &mut self.reconcile else {
            return;
        };
        for i in 0..screen.settled.len() {
            screen.settled[i] = screen.decided[i] || screen.plan.settled(&self.study, i);
        }
    }

    /// An action on the reconciliation screen; `false` when it is not the screen's
    /// (quit, help, search… act as everywhere).
    pub(super) fn reconcile_action(&mut self, action: Action) -> bool {
        let Some(screen) = &mut self.reconcile else {
            return false;
        };
        let n = screen.plan.items.len();
        match action {
            a if a.side().is_some() => {
                if let Some(k) = a.side() {
                    self.decide(Choice::Side(k));
                }
            }
            Action::TakeBoth => self.decide(Choice::Both),
            Action::NewValue => self.open_chooser(),
            Action::Skip | Action::NextUnsettled => self.step_unsettled(true),
            Action::PrevUnsettled => self.step_unsettled(false),
            Action::Down => screen.current = (screen.current + 1).min(n.saturating_sub(1)),
            Action::Up => screen.current = screen.current.saturating_sub(1),
            Action::Top => screen.current = 0,
            Action::Bottom => screen.current = n.saturating_sub(1),
            Action::Open => self.read_disagreement(),
            Action::AcceptAgreed => self.accept_agreed(),
            Action::Undo => self.undo_decision(),
            // The panels' keys mean nothing here.
            Action::NextPanel | Action::Cancel | Action::Reconcile => {}
            _ => return false,
        }
        true
    }

    /// Moves to the next (or previous) disagreement not settled, wrapping around.
    fn step_unsettled(&mut self, forward: bool) {
        let Some(screen) = &mut self.reconcile else {
            return;
        };
        let n = screen.settled.len();
        let found = (1..=n)
            .map(|step| {
                if forward {
                    (screen.current + step) % n
                } else {
                    (screen.current + n - step % n) % n
                }
            })
            .find(|&i| !screen.settled[i]);
        match found {
            Some(i) => screen.current = i,
            None => {
                self.message = Some((
                    format!("all {n} disagreements are resolved; q quits"),
                    false,
                ))
            }
        }
    }

    /// Settles the disagreement shown with a choice: its entries (and, when it was the
    /// document's last, the document marked done) as one change; then the next
    /// unsettled one.
    fn decide(&mut self, choice: Choice) {
        let Some(screen) = &self.reconcile else {
            return;
        };
        let i = screen.current;
        let Some(item) = screen.plan.items.get(i) else {
            self.message = Some(("nothing to reconcile".into(), false));
            return;
        };
        let mut last = self.my_entries().map_or(0, |f| f.last_id);
        let coder = self.coder.clone();
        let mut next_id = || {
            last += 1;
            format!("{coder}-{last}")
        };
        let now = now_rfc3339();
        let entries = match screen
            .plan
            .decide(&self.study, i, &choice, &mut next_id, &now)
        {
            Ok(entries) => entries,
            Err(e) => {
                self.message = Some((e.to_string(), true));
                return;
            }
        };
        let doc = item.doc.clone();
        let what = match &choice {
            Choice::Side(k) => item.sides.get(*k).map_or(String::new(), |s| {
                let values = if s.labels.is_empty() {
                    "nothing".to_string()
                } else {
                    s.labels.join(", ")
                };
                format!("{values} ({})", s.coder)
            }),
            Choice::Both => "both".into(),
            Choice::Values(v) if v.is_empty() => "no value".into(),
            Choice::Values(v) => v
                .iter()
                .map(|id| self.code_name(id))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let label = format!("{}: {what}", item.subject);
        let complete = screen
            .plan
            .items
            .iter()
            .enumerate()
            .all(|(j, d)| d.doc != doc || j == i || screen.settled[j]);
        let mut forward = Vec::new();
        let mut backward = Vec::new();
        let mut put = |app: &App, entry: Entry| {
            let key = entry.key();
            backward.push(match app.my_entries().and_then(|f| f.get(&key)) {
                Some(old) => Op::Put(old.clone()),
                None => Op::Delete(key),
            });
            forward.push(Op::Put(entry));
        };
        for entry in entries {
            put(self, entry);
        }
        if complete && self.study.codings.progress(&self.coder, &doc) != Progress::Done {
            put(
                self,
                Entry::Status(DocStatus {
                    doc: doc.clone(),
                    progress: Progress::Done,
                    excluded: None,
                    modified: now,
                }),
            );
        }
        let wrote = !forward.is_empty();
        if wrote {
            backward.reverse();
            self.perform(Change {
                label: format!("resolved {label}"),
                doc,
                forward,
                backward,
            });
        }
        if let Some(screen) = &mut self.reconcile {
            // A decision whose entries settle it needs nothing more (undoing them, from
            // anywhere, unsettles it); one they do not (a side that did not code) is
            // remembered.
            let by_entries = screen.plan.settled(&self.study, i);
            if !by_entries {
                remember_unwritten(screen, i, true);
            } else if screen.decided[i] {
                // Decided again, now with entries: nothing left to remember.
                remember_unwritten(screen, i, false);
            }
            screen.decided[i] = !by_entries;
            screen.history.push((i, wrote));
        }
        self.refresh_settled();
        self.step_unsettled(true);
        if let Some(screen) = &self.reconcile {
            let (done, n) = (screen.settled_count(), screen.settled.len());
            let tail = if done == n {
                " — all resolved; q quits"
            } else {
                ""
            };
            self.message = Some((format!("resolved {label}{tail}"), false));
        }
    }

    /// Takes back the last decision of this session.
    fn undo_decision(&mut self) {
        let Some((i, wrote)) = self.reconcile.as_mut().and_then(|s| s.history.pop()) else {
            self.message = Some(("no decision to undo".into(), false));
            return;
        };
        if wrote {
            self.undo();
        } else {
            self.message = Some(("undid the decision".into(), false));
        }
        if let Some(screen) = &mut self.reconcile {
            if screen.decided[i] {
                remember_unwritten(screen, i, false);
            }
            screen.decided[i] = false;
            screen.current = i;
        }
        self.refresh_settled();
    }

    /// Opens the chooser of a new value for a record disagreement.
    fn open_chooser(&mut self) {
        let Some(screen) = &self.reconcile else {
            return;
        };
        let i = screen.current;
        let Some(item) = screen.plan.items.get(i) else {
            return;
        };
        let values: Vec<(String, String)> = screen
            .plan
            .values_for(&self.study, i)
            .into_iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        if matches!(item.place, Place::Text { .. }) {
            self.message = Some((
                format!(
                    "{} is a span code, present or absent: take a coder's side (1–{}) or both (b)",
                    item.subject,
                    item.sides.len()
                ),
                true,
            ));
            return;
        }
        let many = item.kind == gloss::agree::Kind::Value;
        let marked = values
            .iter()
            .map(|(id, _)| item.sides.first().is_some_and(|s| s.values.contains(id)))
            .collect();
        if let Some(screen) = &mut self.reconcile {
            screen.chooser = Some(ValueChooser {
                values,
                marked,
                cursor: 0,
                many,
            });
        }
    }

    /// A key in the new-value chooser: j/k move, Space marks (several values), Enter
    /// saves, Esc closes. `true` when the chooser took the key.
    pub(super) fn chooser_key(&mut self, key: &KeyEvent) -> bool {
        let Some(mut chooser) = self.reconcile.as_mut().and_then(|s| s.chooser.take()) else {
            return false;
        };
        let rows = chooser.values.len() + 1;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return true,
            KeyCode::Char('j') | KeyCode::Down => {
                chooser.cursor = (chooser.cursor + 1).min(rows - 1)
            }
            KeyCode::Char('k') | KeyCode::Up => chooser.cursor = chooser.cursor.saturating_sub(1),
            KeyCode::Char(' ') if chooser.many => {
                if let Some(m) = chooser.marked.get_mut(chooser.cursor) {
                    *m = !*m;
                }
            }
            KeyCode::Enter => {
                let values: Vec<String> = if chooser.cursor == chooser.values.len() {
                    Vec::new()
                } else if chooser.many {
                    chooser
                        .values
                        .iter()
                        .zip(&chooser.marked)
                        .filter(|(_, m)| **m)
                        .map(|((id, _), _)| id.clone())
                        .collect()
                } else {
                    vec![chooser.values[chooser.cursor].0.clone()]
                };
                self.decide(Choice::Values(values));
                return true;
            }
            _ => {}
        }
        if let Some(screen) = &mut self.reconcile {
            screen.chooser = Some(chooser);
        }
        true
    }

    /// Shows the disagreement's document in the reader, at its turn (or its unit of
    /// text selected); C-o comes back.
    fn read_disagreement(&mut self) {
        let Some(screen) = &mut self.reconcile else {
            return;
        };
        let Some(item) = screen.plan.items.get(screen.current) else {
            return;
        };
        let Some(d) = self.study.corpus.position(&item.doc) else {
            self.message = Some((format!("{} is not in the project any more", item.doc), true));
            return;
        };
        let (start, end) = match &item.place {
            Place::Text { start, end, .. } => (*start, *end),
            Place::Record { .. } => {
                let at = Position::new(item.turn.map_or(0, |t| t.saturating_sub(1)), 0);
                (at, at)
            }
        };
        screen.shown = false;
        self.open_selected(d, start, end);
        self.message = Some(("C-o: back to the reconciliation".into(), false));
    }

    /// Copies into the consensus the agreed work of every compared document without
    /// disagreements that the consensus coder has nothing on yet, each marked done.
    fn accept_agreed(&mut self) {
        let Some(screen) = &self.reconcile else {
            return;
        };
        let now = now_rfc3339();
        let mut planned: Vec<(String, Vec<Entry>)> = Vec::new();
        let mut last = self.my_entries().map_or(0, |f| f.last_id);
        let coder = self.coder.clone();
        let mut next_id = || {
            last += 1;
            format!("{coder}-{last}")
        };
        for doc in screen.plan.documents() {
            let disputed = screen.plan.items.iter().any(|d| d.doc == doc);
            if disputed || screen.plan.has_work_on(&self.study, &doc) {
                continue;
            }
            let mut entries = screen.plan.seed(&self.study, &doc, &mut next_id, &now);
            entries.push(Entry::Status(DocStatus {
                doc: doc.clone(),
                progress: Progress::Done,
                excluded: None,
                modified: now.clone(),
            }));
            planned.push((doc, entries));
        }
        if planned.is_empty() {
            self.message = Some((
                "every document without disagreements is already in the consensus".into(),
                false,
            ));
            return;
        }
        let count = planned.len();
        for (doc, entries) in planned {
            let backward = entries.iter().rev().map(|e| Op::Delete(e.key())).collect();
            self.perform(Change {
                label: format!("copied the agreed work on {doc}"),
                doc,
                forward: entries.into_iter().map(Op::Put).collect(),
                backward,
            });
        }
        self.refresh_settled();
        self.message = Some((
            format!(
                "copied the agreed work of {count} document{} into {}",
                if count == 1 { "" } else { "s" },
                self.coder
            ),
            false,
        ));
    }
}

/// What names a disagreement among those remembered: its document, subject and place.
fn unwritten_key(d: &gloss::agree::Disagreement) -> String {
    match &d.place {
        Place::Text { start, end, .. } => format!(
            "{} {} {}:{}-{}:{}",
            d.doc, d.id, start.turn, start.byte, end.turn, end.byte
        ),
        Place::Record { numbers } => format!("{} {} record {numbers:?}", d.doc, d.id),
    }
}

/// The decisions that wrote nothing, as remembered (none when the file is missing or
/// unreadable: it is a convenience, the coding file is the record).
fn read_unwritten(file: &std::path::Path) -> std::collections::BTreeSet<String> {
    std::fs::read(file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Remembers (or forgets) that disagreement `i` was decided without writing anything
/// (best effort).
fn remember_unwritten(screen: &ReconcileScreen, i: usize, decided: bool) {
    let Some(d) = screen.plan.items.get(i) else {
        return;
    };
    let mut keys = read_unwritten(&screen.unwritten_file);
    if decided {
        keys.insert(unwritten_key(d));
    } else {
        keys.remove(&unwritten_key(d));
    }
    if let Ok(bytes) = serde_json::to_vec_pretty(&keys) {
        if let Some(dir) = screen.unwritten_file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = gloss::textio::write_atomic(&screen.unwritten_file, &bytes);
    }
}
