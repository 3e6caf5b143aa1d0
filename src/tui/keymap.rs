//! Keys to actions, per mode. The default map is `keymap.yaml` (embedded); a user's
//! `~/.config/gloss/keymap.yaml` changes the keys it lists. Keys may be sequences
//! (`] c`), so lookup can answer "wait for the next key" — except in the memo editor,
//! where every key is one key and unbound ones type themselves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

const DEFAULT: &str = include_str!("keymap.yaml");

/// Where a key is looked up: the reader, a list (documents, codebook, results), or the
/// memo editor (which has no global keys: `q` there is a letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Reader,
    List,
    Editor,
    /// The reconciliation screen.
    Reconcile,
}

/// One key press, as the keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        // Shifted letters arrive as upper-case characters; SHIFT itself is dropped.
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses `j`, `C-d`, `A-x`, `PageDown`, `Space`…
    pub fn parse(s: &str) -> Option<Key> {
        let (mut ctrl, mut alt, mut rest) = (false, false, s);
        loop {
            if let Some(r) = rest.strip_prefix("C-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("A-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Backspace" => KeyCode::Backspace,
            "Delete" => KeyCode::Delete,
            "Space" => KeyCode::Char(' '),
            other => {
                let mut chars = other.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Key { code, ctrl, alt })
    }

    /// The key as the keymap and the help screen write it.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Up => "Up".to_string(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PageUp".into(),
            KeyCode::PageDown => "PageDown".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "BackTab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        format!(
            "{}{}{base}",
            if self.ctrl { "C-" } else { "" },
            if self.alt { "A-" } else { "" }
        )
    }
}

/// What the keys typed so far mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// A prefix of a longer binding: wait for the next key.
    Pending,
    Unbound,
}

/// The bindings of every mode.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// (mode, key sequence) → action; `global` bindings are stored under both modes
    /// after the mode's own (a mode's binding wins).
    bindings: BTreeMap<(Mode, Vec<String>), Action>,
}

/// The keymap file: section → key → action name.
type KeymapFile = BTreeMap<String, BTreeMap<String, Action>>;

impl Keymap {
    /// The default keys, with the user's file applied when there is one. A broken user
    /// file is reported (file and line) and the defaults are used.
    pub fn load() -> (Keymap, Option<String>) {
        let mut map = Keymap::default_keys();
        let Some(path) = user_keymap_path() else {
            return (map, None);
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            return (map, None);
        };
        match Keymap::from_yaml(&text) {
            Ok(user) => {
                map.bindings.extend(user.bindings);
                (map, None)
            }
            Err(e) => (
                map,
                Some(format!("{}: {e}; using the default keys", path.display())),
            ),
        }
    }

    /// The embedded default keymap alone.
    pub fn default_keys() -> Keymap {
        Keymap::from_yaml(DEFAULT).unwrap_or(Keymap {
            bindings: BTreeMap::new(),
        })
    }

    fn from_yaml(text: &str) -> Result<Keymap, String> {
        let file: KeymapFile = serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(l) => format!("line {}: {e}", l.line()),
            None => e.to_string(),
        })?;
        let mut bindings = BTreeMap::new();
        for (section, keys) in &file {
            let modes: &[Mode] = match section.as_str() {
                "global" => &[Mode::Reader, Mode::List, Mode::Reconcile],
                "reader" => &[Mode::Reader],
                "list" => &[Mode::List],
                "editor" => &[Mode::Editor],
                "reconcile" => &[Mode::Reconcile],
                other => {
                    return Err(format!(
                        "unknown section {other:?} (global, reader, list, editor, reconcile)"
                    ));
                }
            };
            for (keys_text, action) in keys {
                let seq: Option<Vec<String>> = keys_text
                    .split(' ')
                    .map(|k| Key::parse(k).map(|k| k.name()))
                    .collect();
                let seq = seq
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| format!("{section}: cannot read the key {keys_text:?}"))?;
                if section == "editor" && seq.len() > 1 {
                    return Err(format!(
                        "editor: {keys_text:?} is a sequence; editor keys are single keys"
                    ));
                }
                for &mode in modes {
                    // A mode's own binding wins over a global one.
                    if section == "global" {
                        bindings.entry((mode, seq.clone())).or_insert(*action);
                    } else {
                        bindings.insert((mode, seq.clone()), *action);
                    }
                }
            }
        }
        Ok(Keymap { bindings })
    }

    /// What `keys` (typed in this order) mean in `mode`.
    pub fn lookup(&self, mode: Mode, keys: &[Key]) -> Lookup {
        let names: Vec<String> = keys.iter().map(Key::name).collect();
        if let Some(&a) = self.bindings.get(&(mode, names.clone())) {
            return Lookup::Action(a);
        }
        let prefix = self
            .bindings
            .range((mode, names.clone())..)
            .next()
            .is_some_and(|((m, seq), _)| *m == mode && seq.starts_with(&names));
        if prefix {
            Lookup::Pending
        } else {
            Lookup::Unbound
        }
    }

    /// The keys bound to `action` in `mode`, as written in the keymap.
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|((m, _), a)| *m == mode && **a == action)
            .map(|((_, seq), _)| seq.join(" "))
            .collect()
    }
}

fn user_keymap_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("gloss/keymap.yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn default_keys_parse_and_cover_every_action() {
        let map = Keymap::from_yaml(DEFAULT).unwrap();
        for &action in Action::ALL {
            let bound =
                map.keys_for(Mode::Reader, action).len() + map.keys_for(Mode::List, action).len();
            assert!(bound > 0, "{action:?} has no key");
        }
        for &action in Action::EDITOR {
            assert!(
                !map.keys_for(Mode::Editor, action).is_empty(),
                "{action:?} has no key in the editor"
            );
        }
        for &action in Action::RECONCILE {
            assert!(
                !map.keys_for(Mode::Reconcile, action).is_empty(),
                "{action:?} has no key on the reconciliation screen"
            );
        }
    }

    #[test]
    fn the_editor_has_its_own_keys_and_no_global_ones() {
        let map = Keymap::default_keys();
        for (k, action) in [
            ("C-Left", Action::WordPrev),
            ("A-f", Action::WordNext),
            ("C-e", Action::LineEnd),
            ("Delete", Action::DeleteForward),
            ("Esc", Action::SaveMemo),
        ] {
            assert_eq!(
                map.lookup(Mode::Editor, &[key(k)]),
                Lookup::Action(action),
                "{k}"
            );
        }
        // Letters type themselves: q does not quit, s does not search.
        for k in ["q", "s", "?", ":"] {
            assert_eq!(map.lookup(Mode::Editor, &[key(k)]), Lookup::Unbound, "{k}");
        }
        assert_eq!(key("Delete").name(), "Delete");
        assert!(Keymap::from_yaml("editor:\n  \"C-x C-s\": save-memo\n").is_err());
    }

    #[test]
    fn sequences_wait_for_their_second_key_and_modes_win_over_global() {
        let map = Keymap::default_keys();
        assert_eq!(map.lookup(Mode::Reader, &[key("]")]), Lookup::Pending);
        assert_eq!(
            map.lookup(Mode::Reader, &[key("]"), key("c")]),
            Lookup::Action(Action::NextCoding)
        );
        assert_eq!(
            map.lookup(Mode::Reader, &[key("]"), key("x")]),
            Lookup::Unbound
        );
        assert_eq!(
            map.lookup(Mode::Reader, &[key("C-d")]),
            Lookup::Action(Action::HalfPageDown)
        );
        assert_eq!(
            map.lookup(Mode::List, &[key("n")]),
            Lookup::Action(Action::NextUndone)
        );
        assert_eq!(
            map.lookup(Mode::Reader, &[key("n")]),
            Lookup::Action(Action::FindNext)
        );
        assert_eq!(
            map.lookup(Mode::List, &[key("q")]),
            Lookup::Action(Action::Quit)
        );
    }

    #[test]
    fn a_user_file_changes_only_what_it_lists_and_bad_files_say_where() {
        let mut map = Keymap::default_keys();
        let user = Keymap::from_yaml("reader:\n  t: down\n").unwrap();
        map.bindings.extend(user.bindings);
        assert_eq!(
            map.lookup(Mode::Reader, &[key("t")]),
            Lookup::Action(Action::Down)
        );
        assert_eq!(
            map.lookup(Mode::Reader, &[key("j")]),
            Lookup::Action(Action::Down)
        );
        let err = Keymap::from_yaml("reader:\n  j: fly\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(Keymap::from_yaml("reader:\n  Ctrl+j: down\n").is_err());
    }
}
