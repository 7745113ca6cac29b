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
    Plans,
    Drills,
    Timeline,
    Risks,
    Improvements,
}

impl View {
    pub const ALL: [View; 9] = [
        View::Alarms,
        View::Monitor,
        View::Log,
        View::Faults,
        View::Plans,
        View::Drills,
        View::Timeline,
        View::Risks,
        View::Improvements,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Alarms => "Alarms",
            View::Monitor => "Monitor",
            View::Log => "Log",
            View::Faults => "Faults",
            View::Plans => "Plans",
            View::Drills => "Drills",
            View::Timeline => "Timeline",
            View::Risks => "Risks",
            View::Improvements => "Improvements",
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            View::Alarms => "alarms",
            View::Monitor => "monitor",
            View::Log => "log",
            View::Faults => "faults",
            View::Plans => "plans",
            View::Drills => "drills",
            View::Timeline => "timeline",
            View::Risks => "risks",
            View::Improvements => "improvements",
        }
    }

    /// Names `:NAME` takes for the view, the full one first.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            View::Alarms => &["alarms", "alarm", "a"],
            View::Monitor => &["monitor", "mon", "m"],
            View::Log => &["log", "l"],
            View::Faults => &["faults", "fault", "f"],
            View::Plans => &["plans", "plan", "p", "runs"],
            View::Drills => &["drills", "drill", "d"],
            View::Timeline => &["timeline", "time", "t"],
            View::Risks => &["risks", "risk", "r", "fmea"],
            View::Improvements => &["improvements", "improve", "items"],
        }
    }

    /// What the view shows, for the palette and the help.
    pub fn about(self) -> &'static str {
        match self {
            View::Alarms => "alarms view",
            View::Monitor => "monitoring feeds",
            View::Log => "journal log",
            View::Faults => "injected faults and their recovery",
            View::Plans => "contingency plans, changes, inspections and their runs",
            View::Drills => "chaos drills: scenarios, the running drill, results",
            View::Timeline => "the fault timeline: faults, alarms, actions, runs, drills",
            View::Risks => "failure modes: detection, plan and drill coverage by risk",
            View::Improvements => "improvement items from drill reviews: open, overdue, done",
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
    /// `Space`: mark the row (or the whole group) for a bulk action.
    ToggleMark,
    ReverseSort,
    Search,
    NextMatch,
    PrevMatch,
    ReleaseOwnership,
    /// `Q`: quit without asking, even with faults to recover.
    QuitNow,
    DetailDown,
    DetailUp,
    /// Log: the whole event under the cursor.
    OpenEvent,
    /// Monitor: a wider / narrower time window.
    WiderWindow,
    NarrowerWindow,
    /// Alarms: the plans that apply to the selected alarm.
    PlansForAlarm,
    /// Plans: a plan's parameter form, or a run's execution view.
    PlanOpen,
    /// Plans: switch between the plans and the runs list.
    PlanPane,
    PlanConfirm,
    PlanSkip,
    PlanRetry,
    PlanAbort,
    PlanApprove,
    /// Roll back an interrupted run.
    PlanRollback,
    PlanOutputDown,
    PlanOutputUp,
    DrillStart,
    DrillGate,
    DrillAbort,
    DrillHistory,
    DrillFinding,
    DrillImprove,
    DrillAccept,
    ItemStatus,
    ItemEdit,
    /// Timeline: a narrower / wider window, the cursor back / on (the
    /// window pans with it), jump to now, follow live, the event under the
    /// cursor, the alarm board at the cursor (time travel).
    TimelineZoomIn,
    TimelineZoomOut,
    TimelinePanLeft,
    TimelinePanRight,
    TimelineNow,
    TimelineFollow,
    TimelineOpen,
    TimelineTravel,
    /// Risks: a failure mode's detail, its plan, its drill.
    RiskOpen,
    RiskPlan,
    RiskDrill,
    /// Alarms: tag the alarm with a failure mode (a historical fault).
    RiskTag,
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
    /// One word for the status bar when this is one of the view's main
    /// keys (k9s and htop show those at the bottom); empty: not shown.
    pub hint: &'static str,
}

const fn bind(scope: Scope, keys: &'static [Key], action: Action, desc: &'static str) -> Binding {
    Binding {
        scope,
        keys,
        action,
        desc,
        writes: false,
        hint: "",
    }
}
const fn write(scope: Scope, keys: &'static [Key], action: Action, desc: &'static str) -> Binding {
    Binding {
        scope,
        keys,
        action,
        desc,
        writes: true,
        hint: "",
    }
}

impl Binding {
    /// The same binding, shown on the status bar as `KEY hint`.
    const fn hint(self, hint: &'static str) -> Binding {
        Binding { hint, ..self }
    }

    /// Whether a console with `session` may use this binding (read-only
    /// consoles write nothing; observers never inject).
    pub fn offered(&self, session: &super::Session) -> bool {
        // Observers may approve a run, never start or drive one.
        let drives = matches!(
            self.action,
            Action::PlanConfirm
                | Action::PlanSkip
                | Action::PlanRetry
                | Action::PlanAbort
                | Action::PlanRollback
                | Action::RiskPlan
                | Action::RiskDrill
        );
        !(session.readonly && self.writes)
            && (session.may_inject() || (self.action != Action::InjectFault && !drives))
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
    bind(Global, &[k('5')], Action::Goto(View::Plans), "plans view"),
    bind(Global, &[k('6')], Action::Goto(View::Drills), "drills view"),
    bind(
        Global,
        &[k('7')],
        Action::Goto(View::Timeline),
        "timeline view",
    ),
    bind(Global, &[k('8')], Action::Goto(View::Risks), "risks view"),
    bind(
        Global,
        &[k('9')],
        Action::Goto(View::Improvements),
        "improvements view",
    ),
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
    bind(Global, &[k('?')], Action::Help, "this help").hint("help"),
    bind(
        Global,
        &[k('\\')],
        Action::Search,
        "search: highlight matching rows (] next, [ previous)",
    ),
    bind(Global, &[k(']')], Action::NextMatch, "next search match"),
    bind(
        Global,
        &[k('[')],
        Action::PrevMatch,
        "previous search match",
    ),
    bind(
        Global,
        &[k('S')],
        Action::CycleSort,
        "sort by the next column (:sort [-]COLUMN for any)",
    ),
    bind(Global, &[k('I')], Action::ReverseSort, "reverse the sort"),
    bind(
        Global,
        &[k(' ')],
        Action::ToggleMark,
        "mark / unmark the row (a whole group when grouped)",
    ),
    bind(
        Global,
        &[code(KeyCode::Esc)],
        Action::Back,
        "back / clear search, filter / close",
    ),
    bind(
        Global,
        &[k('q'), ctrl('c')],
        Action::Quit,
        "quit (asks first when faults would be recovered)",
    ),
    bind(Global, &[k('Q')], Action::QuitNow, "quit without asking"),
    bind(
        In(View::Alarms),
        &[code(KeyCode::Enter)],
        Action::ToggleDetail,
        "show / hide detail pane",
    )
    .hint("detail"),
    bind(
        In(View::Alarms),
        &[k('J')],
        Action::DetailDown,
        "scroll the detail pane down",
    ),
    bind(
        In(View::Alarms),
        &[k('K')],
        Action::DetailUp,
        "scroll the detail pane up",
    ),
    bind(
        In(View::Alarms),
        &[k('r')],
        Action::ToggleResolved,
        "show / hide resolved alarms",
    ),
    write(
        In(View::Alarms),
        &[k('a')],
        Action::Ack,
        "acknowledge alarm (or every marked one)",
    )
    .hint("ack"),
    write(
        In(View::Alarms),
        &[k('u')],
        Action::Unack,
        "remove acknowledgement (or from every marked one)",
    ),
    write(
        In(View::Alarms),
        &[k('n')],
        Action::Note,
        "add a note, to every marked alarm too (Ctrl-S saves, Esc cancels)",
    )
    .hint("note"),
    write(
        In(View::Alarms),
        &[k('o')],
        Action::TakeOwnership,
        "take ownership (asks when someone else owns it)",
    )
    .hint("own"),
    write(
        In(View::Alarms),
        &[k('O')],
        Action::ReleaseOwnership,
        "release ownership",
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
        In(View::Alarms),
        &[k('p')],
        Action::PlansForAlarm,
        "plans for this alarm (straight to the form when one applies)",
    )
    .hint("plans"),
    write(
        In(View::Alarms),
        &[k('F')],
        Action::RiskTag,
        "tag the alarm (firing or resolved) with a failure mode",
    ),
    bind(
        In(View::Plans),
        &[code(KeyCode::Enter)],
        Action::PlanOpen,
        "run the plan (form, preview, confirm) / open the run",
    )
    .hint("open"),
    bind(
        In(View::Plans),
        &[k('w')],
        Action::PlanPane,
        "switch between the plans and the runs list",
    )
    .hint("runs"),
    write(
        In(View::Plans),
        &[k('c')],
        Action::PlanConfirm,
        "run: confirm the step / tick off a manual step",
    )
    .hint("confirm"),
    write(
        In(View::Plans),
        &[k('s')],
        Action::PlanSkip,
        "run: skip the current step",
    ),
    write(
        In(View::Plans),
        &[k('r')],
        Action::PlanRetry,
        "run: retry the failed step",
    ),
    write(
        In(View::Plans),
        &[k('A')],
        Action::PlanAbort,
        "run: abort (runs the rollback)",
    )
    .hint("abort"),
    write(
        In(View::Plans),
        &[k('a')],
        Action::PlanApprove,
        "run: approve another operator's step (two-person rule)",
    )
    .hint("approve"),
    write(
        In(View::Plans),
        &[k('R')],
        Action::PlanRollback,
        "run: roll back an interrupted run",
    ),
    bind(
        In(View::Plans),
        &[k('J')],
        Action::PlanOutputDown,
        "run: scroll the step's output down",
    ),
    bind(
        In(View::Plans),
        &[k('K')],
        Action::PlanOutputUp,
        "run: scroll the step's output up",
    ),
    write(
        In(View::Drills),
        &[code(KeyCode::Enter)],
        Action::DrillStart,
        "start the selected scenario (preflight first)",
    )
    .hint("start"),
    write(
        In(View::Drills),
        &[k(' ')],
        Action::DrillGate,
        "let a drill held at a gate go on",
    )
    .hint("gate"),
    write(
        In(View::Drills),
        &[k('A')],
        Action::DrillAbort,
        "abort the drill: recover every fault, run the rollbacks",
    )
    .hint("abort"),
    bind(
        In(View::Drills),
        &[k('w')],
        Action::DrillHistory,
        "show the next drill of the history (Esc: the current one)",
    )
    .hint("history"),
    write(
        In(View::Drills),
        &[k('n')],
        Action::DrillFinding,
        "review: record a finding on the drill shown (once it ended)",
    )
    .hint("finding"),
    write(
        In(View::Drills),
        &[k('i')],
        Action::DrillImprove,
        "review: record an improvement item (title, owner, due, failure mode)",
    )
    .hint("improve"),
    write(
        In(View::Drills),
        &[k('a')],
        Action::DrillAccept,
        "review: accept the drill's result, with a comment (observers too)",
    )
    .hint("accept"),
    write(
        In(View::Improvements),
        &[k('s')],
        Action::ItemStatus,
        "the selected item's next status: open → in progress → done",
    )
    .hint("status"),
    write(
        In(View::Improvements),
        &[code(KeyCode::Enter)],
        Action::ItemEdit,
        "edit the selected item",
    )
    .hint("edit"),
    bind(
        In(View::Monitor),
        &[k('t')],
        Action::ToggleTargets,
        "show / hide sources and Prometheus targets",
    )
    .hint("targets"),
    bind(
        In(View::Monitor),
        &[k('+')],
        Action::WiderWindow,
        "charts: a wider time window",
    )
    .hint("wider"),
    bind(
        In(View::Monitor),
        &[k('-')],
        Action::NarrowerWindow,
        "charts: a narrower time window",
    )
    .hint("narrower"),
    bind(
        In(View::Log),
        &[code(KeyCode::Enter)],
        Action::OpenEvent,
        "open the whole event (payload, scrollable)",
    )
    .hint("open"),
    bind(
        In(View::Log),
        &[k('f')],
        Action::Follow,
        "follow the tail on / off",
    )
    .hint("follow"),
    bind(
        In(View::Timeline),
        &[k('+')],
        Action::TimelineZoomIn,
        "zoom in: a narrower window",
    )
    .hint("zoom"),
    bind(
        In(View::Timeline),
        &[k('-')],
        Action::TimelineZoomOut,
        "zoom out: a wider window",
    ),
    bind(
        In(View::Timeline),
        &[k('h'), code(KeyCode::Left)],
        Action::TimelinePanLeft,
        "cursor back in time (the window pans with it)",
    )
    .hint("pan"),
    bind(
        In(View::Timeline),
        &[k('l'), code(KeyCode::Right)],
        Action::TimelinePanRight,
        "cursor on in time (the window pans with it)",
    ),
    bind(
        In(View::Timeline),
        &[k('0')],
        Action::TimelineNow,
        "window and cursor to now (held)",
    ),
    bind(
        In(View::Timeline),
        &[k('f')],
        Action::TimelineFollow,
        "follow live on / off",
    )
    .hint("follow"),
    bind(
        In(View::Timeline),
        &[code(KeyCode::Enter)],
        Action::TimelineOpen,
        "open the event of the marker or bar under the cursor",
    )
    .hint("open"),
    bind(
        In(View::Timeline),
        &[k('a')],
        Action::TimelineTravel,
        "time travel: the alarm board as it was at the cursor (read-only; Esc: now)",
    )
    .hint("board then"),
    bind(
        In(View::Risks),
        &[code(KeyCode::Enter)],
        Action::RiskOpen,
        "open / close the failure mode: conditions, symptoms, plan, drills, incidents",
    )
    .hint("open"),
    write(
        In(View::Risks),
        &[k('p')],
        Action::RiskPlan,
        "run the mode's contingency plan (form, preview, confirm)",
    )
    .hint("plan"),
    write(
        In(View::Risks),
        &[k('d')],
        Action::RiskDrill,
        "start the mode's drill scenario (preflight first)",
    )
    .hint("drill"),
    write(
        In(View::Faults),
        &[k('i')],
        Action::InjectFault,
        "inject a fault (form, then type the target's name)",
    )
    .hint("inject"),
    write(
        In(View::Faults),
        &[k('x')],
        Action::RecoverFault,
        "recover the selected fault now (or every marked one)",
    )
    .hint("recover"),
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

/// `KEY hint` items for the status bar: the view's main keys this
/// console may use, then help.
pub fn hints(view: View, session: &super::Session) -> Vec<String> {
    let item = |b: &Binding| b.keys.first().map(|k| format!("{} {}", k.label(), b.hint));
    // What changes things first (what the view is for), then the rest.
    let main = |writes: bool| {
        KEYMAP.iter().filter(move |b| {
            b.scope == Scope::In(view)
                && !b.hint.is_empty()
                && b.writes == writes
                && b.offered(session)
        })
    };
    let mut out: Vec<String> = main(true).chain(main(false)).filter_map(item).collect();
    out.extend(
        KEYMAP
            .iter()
            .filter(|b| b.scope == Scope::Global && !b.hint.is_empty())
            .filter_map(item),
    );
    out
}

/// The binding for a key in a view, honouring read-only mode.
pub fn lookup(view: View, ev: &KeyEvent, readonly: bool) -> Option<&'static Binding> {
    let usable = |b: &&Binding| !(readonly && b.writes) && b.keys.iter().any(|key| key.matches(ev));
    KEYMAP
        .iter()
        .filter(|b| b.scope == In(view))
        .find(usable)
        .or_else(|| KEYMAP.iter().filter(|b| b.scope == Global).find(usable))
}

/// Bindings to list in the help for a view, in table order: only what a
/// console with `session` may use.
pub fn help_for(view: View, session: &super::Session) -> impl Iterator<Item = &'static Binding> {
    KEYMAP
        .iter()
        .filter(move |b| (b.scope == Global || b.scope == In(view)) && b.offered(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn session(readonly: bool, role: crate::domain::Role) -> super::super::Session {
        super::super::Session {
            operator: "t".into(),
            mode: super::super::RunMode::Demo,
            readonly,
            role,
            journal_path: String::new(),
        }
    }

    #[test]
    fn no_key_collides_within_a_view() {
        for view in View::ALL {
            let mut seen: Vec<(KeyCode, KeyModifiers)> = Vec::new();
            for b in KEYMAP.iter().filter(|b| b.scope == In(view)) {
                for key in b.keys {
                    assert!(
                        !seen.contains(&(key.code, key.mods)),
                        "{view:?}: {key:?} bound twice"
                    );
                    seen.push((key.code, key.mods));
                }
            }
            for b in KEYMAP.iter().filter(|b| b.scope == Global) {
                for key in b.keys {
                    // A view may override a global key on purpose (Enter, Esc);
                    // the search keys must reach every view.
                    if matches!(
                        b.action,
                        Action::Search | Action::NextMatch | Action::PrevMatch
                    ) {
                        assert!(!seen.contains(&(key.code, key.mods)), "{view:?}: {key:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn hints_offer_only_what_the_console_may_do() {
        use crate::domain::Role;
        let op = hints(View::Faults, &session(false, Role::Operator));
        assert!(op.contains(&"i inject".to_string()), "{op:?}");
        let obs = hints(View::Faults, &session(false, Role::Observer));
        assert!(!obs.iter().any(|h| h.contains("inject")), "{obs:?}");
        assert!(obs.contains(&"x recover".to_string()), "{obs:?}");
        let ro = hints(View::Alarms, &session(true, Role::Operator));
        assert!(!ro.iter().any(|h| h.contains("ack")), "{ro:?}");
        assert_eq!(ro.last().map(String::as_str), Some("? help"));
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
        let (ro, rw) = (
            session(true, Default::default()),
            session(false, Default::default()),
        );
        assert!(help_for(View::Alarms, &ro).all(|b| !b.writes));
        assert!(help_for(View::Alarms, &rw).any(|b| b.action == Action::Ack));
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
