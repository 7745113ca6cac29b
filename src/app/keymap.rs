//! The one keymap table: it binds keys to actions and also feeds the `?`
//! help screen, so the help can never drift from what the keys do.
//! Bindings that change anything (`writes`) vanish in `--readonly`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Alarms,
    Monitor,
    Log,
    Faults,
}

impl View {
    pub const ALL: [View; 4] = [View::Alarms, View::Monitor, View::Log, View::Faults];

    pub fn title(self) -> &'static str {
        match self {
            View::Alarms => "Alarms",
            View::Monitor => "Monitor",
            View::Log => "Log",
            View::Faults => "Faults",
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            View::Alarms => "alarms",
            View::Monitor => "monitor",
            View::Log => "log",
            View::Faults => "faults",
        }
    }

    /// Names `:NAME` takes for the view, the full one first.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            View::Alarms => &["alarms", "alarm", "a"],
            View::Monitor => &["monitor", "mon", "m"],
            View::Log => &["log", "l"],
            View::Faults => &["faults", "fault", "f"],
        }
    }

    /// What the view shows, for the palette and the help.
    pub fn about(self) -> &'static str {
        match self {
            View::Alarms => "alarms view",
            View::Monitor => "monitoring feeds",
            View::Log => "journal log",
            View::Faults => "injected faults and their recovery",
        }
    }

    pub fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextView,
    PrevView,
    Goto(View),
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Filter,
    Command,
    Help,
    Back,
    ToggleDetail,
    ToggleResolved,
    CycleSort,
    Ack,
    Unack,
    Note,
    TakeOwnership,
    Follow,
    Silence,
    AckWithNote,
    ToggleTargets,
    InjectFault,
    RecoverFault,
    RecoverOrphans,
    DismissFault,
    Panic,
}

/// Where a binding applies. Global bindings apply in every view unless the
/// view binds the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    In(View),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        // Shifted letters arrive as upper-case chars, sometimes with SHIFT set.
        let mods = ev.modifiers - KeyModifiers::SHIFT;
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                a == b && mods == self.mods - KeyModifiers::SHIFT
            }
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && ev.modifiers == self.mods,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    pub action: Action,
    pub desc: &'static str,
    /// Changes alarms or the journal: refused and hidden in read-only mode.
    pub writes: bool,
}

const fn bind(scope: Scope, keys: &'static [Key], action: Action, desc: &'static str) -> Binding {
    Binding {
        scope,
        keys,
        action,
        desc,
        writes: false,
    }
}
const fn write(scope: Scope, keys: &'static [Key], action: Action, desc: &'static str) -> Binding {
    Binding {
        scope,
        keys,
        action,
        desc,
        writes: true,
    }
}

use Scope::{Global, In};

pub const KEYMAP: &[Binding] = &[
    bind(Global, &[code(KeyCode::Tab)], Action::NextView, "next view"),
    bind(
        Global,
        &[code(KeyCode::BackTab)],
        Action::PrevView,
        "previous view",
    ),
    bind(Global, &[k('1')], Action::Goto(View::Alarms), "alarms view"),
    bind(
        Global,
        &[k('2')],
        Action::Goto(View::Monitor),
        "monitor view",
    ),
    bind(Global, &[k('3')], Action::Goto(View::Log), "log view"),
    bind(Global, &[k('4')], Action::Goto(View::Faults), "faults view"),
    bind(
        Global,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "move down",
    ),
    bind(Global, &[k('k'), code(KeyCode::Up)], Action::Up, "move up"),
    bind(
        Global,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "go to top",
    ),
    bind(
        Global,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "go to bottom",
    ),
    bind(
        Global,
        &[code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        "page up",
    ),
    bind(
        Global,
        &[code(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        "page down",
    ),
    bind(
        Global,
        &[k('/')],
        Action::Filter,
        "filter (text, label=value, label=~regex)",
    ),
    bind(Global, &[k(':')], Action::Command, "command palette"),
    bind(Global, &[k('?')], Action::Help, "this help"),
    bind(
        Global,
        &[code(KeyCode::Esc)],
        Action::Back,
        "back / clear filter / close",
    ),
    bind(Global, &[k('q'), ctrl('c')], Action::Quit, "quit"),
    bind(
        In(View::Alarms),
        &[code(KeyCode::Enter)],
        Action::ToggleDetail,
        "show / hide detail pane",
    ),
    bind(
        In(View::Alarms),
        &[k('r')],
        Action::ToggleResolved,
        "show / hide resolved alarms",
    ),
    bind(
        In(View::Alarms),
        &[k('S')],
        Action::CycleSort,
        "sort: severity, age, name",
    ),
    write(
        In(View::Alarms),
        &[k('a')],
        Action::Ack,
        "acknowledge alarm",
    ),
    write(
        In(View::Alarms),
        &[k('u')],
        Action::Unack,
        "remove acknowledgement",
    ),
    write(
        In(View::Alarms),
        &[k('n')],
        Action::Note,
        "add a note (Ctrl-S saves, Esc cancels)",
    ),
    write(
        In(View::Alarms),
        &[k('o')],
        Action::TakeOwnership,
        "take ownership",
    ),
    write(
        In(View::Alarms),
        &[k('A')],
        Action::AckWithNote,
        "acknowledge with a note",
    ),
    write(
        In(View::Alarms),
        &[k('s')],
        Action::Silence,
        "silence for a duration, with a comment (Alertmanager)",
    ),
    bind(
        In(View::Monitor),
        &[k('t')],
        Action::ToggleTargets,
        "show / hide sources and Prometheus targets",
    ),
    bind(
        In(View::Log),
        &[k('f')],
        Action::Follow,
        "follow the tail on / off",
    ),
    write(
        In(View::Faults),
        &[k('i')],
        Action::InjectFault,
        "inject a fault (form, then type the target's name)",
    ),
    write(
        In(View::Faults),
        &[k('x')],
        Action::RecoverFault,
        "recover the selected fault now",
    ),
    write(
        In(View::Faults),
        &[k('R')],
        Action::RecoverOrphans,
        "recover faults left by a console that is gone",
    ),
    write(
        In(View::Faults),
        &[k('D')],
        Action::DismissFault,
        "dismiss a fault you undid by hand (asks; no more retries)",
    ),
    write(
        Global,
        &[k('X')],
        Action::Panic,
        "PANIC: recover every live fault (asks first)",
    ),
];

/// The binding for a key in a view, honouring read-only mode.
pub fn lookup(view: View, ev: &KeyEvent, readonly: bool) -> Option<&'static Binding> {
    let usable = |b: &&Binding| !(readonly && b.writes) && b.keys.iter().any(|key| key.matches(ev));
    KEYMAP
        .iter()
        .filter(|b| b.scope == In(view))
        .find(usable)
        .or_else(|| KEYMAP.iter().filter(|b| b.scope == Global).find(usable))
}

/// Bindings to list in the help for a view, in table order.
pub fn help_for(view: View, readonly: bool) -> impl Iterator<Item = &'static Binding> {
    KEYMAP
        .iter()
        .filter(move |b| (b.scope == Global || b.scope == In(view)) && !(readonly && b.writes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn view_bindings_win_and_readonly_hides_writes() {
        assert_eq!(
            lookup(View::Alarms, &key('a'), false).map(|b| b.action),
            Some(Action::Ack)
        );
        assert!(lookup(View::Alarms, &key('a'), true).is_none());
        assert!(lookup(View::Log, &key('a'), false).is_none());
        assert_eq!(
            lookup(View::Log, &key('j'), true).map(|b| b.action),
            Some(Action::Down)
        );
        assert!(help_for(View::Alarms, true).all(|b| !b.writes));
        assert!(help_for(View::Alarms, false).any(|b| b.action == Action::Ack));
    }

    #[test]
    fn shifted_letters_match() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(View::Alarms, &ev, false).map(|b| b.action),
            Some(Action::Bottom)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            lookup(View::Alarms, &ctrl_c, false).map(|b| b.action),
            Some(Action::Quit)
        );
    }
}
