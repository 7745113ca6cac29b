//! The core: `State`, `Msg` and `update(state, msg, now) -> Vec<Effect>`.
//! No terminal, network, disk or clock here: time comes in as `now`, I/O goes
//! out as an `Effect` and comes back as a `Msg`, so every behaviour can be
//! tested by feeding messages.

pub mod alarms;
pub mod command;
pub mod faults;
pub mod ingest;
pub mod input;
pub mod keymap;
pub mod live;
pub mod log;
pub mod monitor;
pub mod msg;
mod update;

pub use keymap::View;
pub use msg::{Effect, Msg, SourceStatus};
pub use update::update;

use crate::domain::board::Counts;
use crate::domain::{AlarmBoard, Event, EventKind};
use crate::theme::{ColorMode, Theme};
use alarms::AlarmsView;
use chrono::{DateTime, Utc};
use ingest::Ingest;
use input::{LineInput, NoteEditor};
use log::LogView;
use monitor::Monitor;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Demo,
    Live,
}

pub use crate::domain::Role;

/// Who is at the keyboard and what this console may do; fixed at start.
#[derive(Debug, Clone)]
pub struct Session {
    /// `operator@host`: the actor of every operator action.
    pub operator: String,
    pub mode: RunMode,
    pub readonly: bool,
    pub role: Role,
    pub journal_path: String,
}

impl Session {
    /// Actor recorded for facts a source reported through this console.
    pub fn source_actor(&self, source: &str) -> String {
        format!("source:{source}")
    }

    /// Whether this console may inject faults.
    pub fn may_inject(&self) -> bool {
        !self.readonly && self.role == Role::Operator
    }

    pub fn mode_label(&self) -> &'static str {
        match (self.readonly, self.mode) {
            (true, _) => "READONLY",
            (false, RunMode::Demo) => "DEMO",
            (false, RunMode::Live) => "LIVE",
        }
    }
}

/// What the keyboard is talking to right now.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// `/`: typing a filter; `previous` is restored on Esc.
    Filter {
        input: LineInput,
        previous: String,
        error: Option<String>,
    },
    /// `:`: typing a command; `choice` indexes the completion list.
    Command {
        input: LineInput,
        choice: usize,
        error: Option<String>,
    },
    Note(Box<NoteEditor>),
    /// `s`: duration and comment for a silence.
    Silence(Box<live::SilenceEditor>),
    Help {
        scroll: u16,
    },
    /// The inject form, its typed confirmation, or the panic prompt.
    Faults(Box<faults::Popup>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// The one-line message in the status bar, with when it should fade.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub level: Level,
    pub until: DateTime<Utc>,
}

/// An operator action sent to the journal and not yet confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub fingerprint: String,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub session: Session,
    /// Last time the core heard from the clock; ages and the clock derive from it.
    pub now: DateTime<Utc>,
    pub view: View,
    pub mode: Mode,
    pub board: AlarmBoard,
    /// Header counts, refreshed when the board changes.
    pub counts: Counts,
    pub alarms: AlarmsView,
    pub monitor: Monitor,
    pub log: LogView,
    pub faults: faults::Faults,
    pub ingest: Ingest,
    /// Live sources: silences, stale sources, Prometheus targets.
    pub live: live::Live,
    /// Whether this console runs the sources (one per journal does).
    pub ingest_leader: bool,
    pub sources: Vec<SourceStatus>,
    pub operators: BTreeMap<String, Presence>,
    pub pending: HashMap<u64, Pending>,
    next_token: u64,
    pub status: Option<Status>,
    pub themes: Vec<Theme>,
    pub theme: usize,
    pub color_mode: ColorMode,
    /// Terminal size, for paging.
    pub size: (u16, u16),
    pub quit: bool,
}

impl State {
    /// A console over a board rebuilt from the journal.
    pub fn new(
        session: Session,
        board: AlarmBoard,
        themes: Vec<Theme>,
        now: DateTime<Utc>,
    ) -> State {
        let themes = if themes.is_empty() {
            vec![Theme::default()]
        } else {
            themes
        };
        let mut s = State {
            session,
            now,
            view: View::Alarms,
            mode: Mode::Normal,
            counts: board.counts(),
            ingest: Ingest::from_board(&board),
            live: live::Live::default(),
            board,
            alarms: AlarmsView::default(),
            monitor: Monitor::default(),
            log: LogView::default(),
            faults: faults::Faults::default(),
            ingest_leader: false,
            sources: Vec::new(),
            operators: BTreeMap::new(),
            pending: HashMap::new(),
            next_token: 1,
            status: None,
            themes,
            theme: 0,
            color_mode: ColorMode::Auto,
            size: (80, 24),
            quit: false,
        };
        s.alarms.refresh(&s.board);
        s
    }

    pub fn theme(&self) -> &Theme {
        // `themes` is never empty (see `new`); fall back defensively anyway.
        self.themes
            .get(self.theme)
            .or_else(|| self.themes.first())
            .unwrap_or_else(|| {
                static DEFAULT: std::sync::OnceLock<Theme> = std::sync::OnceLock::new();
                DEFAULT.get_or_init(Theme::default)
            })
    }

    pub fn theme_names(&self) -> Vec<String> {
        self.themes.iter().map(|t| t.name.clone()).collect()
    }

    pub fn select_theme(&mut self, name: &str) -> bool {
        match self.themes.iter().position(|t| t.name == name) {
            Some(i) => {
                self.theme = i;
                true
            }
            None => false,
        }
    }

    pub fn selected_alarm(&self) -> Option<&crate::domain::Alarm> {
        self.alarms
            .selected_fingerprint()
            .and_then(|fp| self.board.get(fp))
    }

    /// Rows of the main table area: the screen minus header, status bar,
    /// table header and borders.
    pub fn page_rows(&self) -> usize {
        (self.size.1 as usize).saturating_sub(6).max(1)
    }

    pub fn is_pending(&self, fingerprint: &str) -> bool {
        self.pending.values().any(|p| p.fingerprint == fingerprint)
    }

    fn token(&mut self) -> u64 {
        let t = self.next_token;
        self.next_token += 1;
        t
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        let secs = if level == Level::Error { 15 } else { 5 };
        self.status = Some(Status {
            text: text.into(),
            level,
            until: self.now + chrono::Duration::seconds(secs),
        });
    }

    /// Apply committed journal rows to every projection.
    fn apply_events(&mut self, events: &[Event]) {
        let mut changed = false;
        for ev in events {
            changed |= self.board.apply(ev);
            self.faults.ledger.apply(ev);
            match ev.kind() {
                Some(EventKind::OperatorJoined) => {
                    self.operators
                        .insert(ev.subject.clone(), Presence { since: ev.ts });
                }
                Some(EventKind::OperatorLeft) => {
                    self.operators.remove(&ev.subject);
                }
                _ => {}
            }
        }
        self.log.push(events);
        if changed {
            self.counts = self.board.counts();
            self.alarms.refresh(&self.board);
        }
    }
}
