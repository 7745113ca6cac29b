//! The core: `State`, `Msg` and `update(state, msg, now) -> Vec<Effect>`.
//! No terminal, network, disk or clock here: time comes in as `now`, I/O goes
//! out as an `Effect` and comes back as a `Msg`, so every behaviour can be
//! tested by feeding messages.
//!
//! Each feature is a room: a folder holding its state, its messages and its
//! handlers (`alarms`, `silences`, `sources`, `monitor`, `log`, `faults`,
//! `plans`, `drills`, `timeline`, `risks`).
//! `update` only routes; the flow table (`flow`) holds every multi-step
//! continuation; `list` and `form` are the pieces rooms share.

pub mod alarms;
pub mod command;
pub mod drills;
pub mod faults;
pub mod flow;
pub mod form;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod log;
pub mod monitor;
pub mod mouse;
pub mod msg;
pub mod plans;
pub mod presence;
pub mod prompt;
pub mod recording;
pub mod reports;
pub mod risks;
pub mod silences;
pub mod sources;
pub mod timeline;
mod update;

pub use crate::domain::Role;
pub use keymap::View;
pub use msg::{Effect, Msg, SourceStatus};
pub use sources::ClusterInfo;
pub use update::update;

use crate::domain::board::Counts;
use crate::domain::fault::limits::FaultsConfig;
use crate::domain::fault::{FaultLedger, Owner};
use crate::domain::stats::ShiftCache;
use crate::domain::{AlarmBoard, EventKind, NewEvent};
use crate::theme::{ColorMode, Theme};
use alarms::AlarmsView;
use alarms::ingest::Ingest;
use chrono::{DateTime, Utc};
use flow::{Flows, Step};
use input::LineInput;
use log::LogView;
use monitor::Monitor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Demo,
    Live,
}

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
    /// `:`: typing a command; `choice` indexes the completion list (the
    /// highlighted entry, which Enter runs). While Tab cycles through the
    /// completions, `stem` is what was typed before the first Tab: the list
    /// stays the one for it.
    Command {
        input: LineInput,
        choice: usize,
        error: Option<String>,
        stem: Option<String>,
    },
    /// `n`: the alarms room's note editor.
    Note(Box<alarms::NoteEditor>),
    /// `s` / `A`: the silences room's editor.
    Silence(Box<silences::SilenceEditor>),
    Help {
        scroll: u16,
    },
    /// The faults room's inject form, typed confirmation, or a question.
    Faults(Box<faults::Popup>),
    /// `\\`: typing a search; `previous` is restored on Esc.
    Search {
        input: LineInput,
        previous: Option<String>,
    },
    /// `Enter` in the Log view: one event, whole.
    Event(Box<log::EventView>),
    /// The plans room's parameter form or dry-run preview.
    Plans(Box<plans::Popup>),
    /// `F`: the risks room's failure-mode picker for an alarm.
    Risk(Box<risks::Picker>),
    /// The drills room's review form: a finding, an improvement item, an
    /// acceptance.
    Drills(Box<drills::review::Record>),
    /// A yes / no question before an action (take someone's alarm, quit
    /// with faults to recover).
    Ask(Box<Ask>),
}

/// What a yes / no question is about; `y` goes on with it.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// Take alarms other operators own: `(fingerprint, name, owner)`.
    TakeOwnership(Vec<(String, String, String)>),
    /// Quit although this console's live faults will be recovered and
    /// the plan runs it drives aborted.
    Quit {
        recover: Vec<String>,
        abort: Vec<String>,
    },
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

/// Everything a console starts from, built once by the runtime's boot (or
/// a test): the projections rebuilt from the journal and the settings.
#[derive(Debug, Clone)]
pub struct Init {
    pub session: Session,
    pub board: AlarmBoard,
    pub ledger: FaultLedger,
    pub themes: Vec<Theme>,
    /// A theme asked for by name (config or flag); unknown names warn.
    pub theme: Option<String>,
    pub color_mode: ColorMode,
    pub faults: FaultsConfig,
    /// This console as a fault owner; `None`: it cannot inject.
    pub fault_owner: Option<Owner>,
    /// Alertmanager clusters (source name, ack window): acks on their
    /// alarms are silences.
    pub alertmanagers: Vec<(String, chrono::Duration)>,
    /// Consoles online on the journal (its `operator.joined` rows).
    pub online: std::collections::BTreeMap<String, presence::Presence>,
    /// Problems found before start that the operator should see.
    pub warnings: Vec<String>,
    /// Every source this console runs (`demo`, Alertmanager clusters,
    /// Prometheus servers …): until each has answered once, an empty alarm
    /// table says "waiting for sources", not "all clear".
    pub sources: Vec<String>,
    /// `bell = false` in the config: no terminal bell for a new critical alarm.
    pub bell: bool,
    /// `mouse = false` in the config: no mouse capture.
    pub mouse: bool,
    /// Plans loaded from files, and every run on the journal.
    pub plans: plans::Catalog,
    pub plan_runs: crate::domain::plan::runs::Runs,
    pub now: DateTime<Utc>,
}

impl Init {
    /// A console over `board` with default settings.
    pub fn new(session: Session, board: AlarmBoard, now: DateTime<Utc>) -> Init {
        Init {
            session,
            board,
            ledger: FaultLedger::new(),
            themes: Vec::new(),
            theme: None,
            color_mode: ColorMode::Auto,
            faults: FaultsConfig::default(),
            fault_owner: None,
            alertmanagers: Vec::new(),
            online: Default::default(),
            warnings: Vec::new(),
            sources: Vec::new(),
            bell: true,
            mouse: true,
            plans: plans::Catalog::default(),
            plan_runs: Default::default(),
            now,
        }
    }
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
    /// The header's MTTA / MTTR over the shift.
    pub shift: ShiftCache,
    pub alarms: AlarmsView,
    pub silences: silences::Silences,
    pub sources: sources::Sources,
    pub monitor: Monitor,
    pub log: LogView,
    pub faults: faults::Faults,
    pub plans: plans::Plans,
    pub drills: drills::Drills,
    /// The failure-mode library, its tags and the Risks view's list.
    pub risks: risks::Risks,
    pub timeline: timeline::Timeline,
    pub ingest: Ingest,
    /// Whether this console runs the sources (one per journal does).
    pub ingest_leader: bool,
    /// Whether the journal records (writes succeed, chain intact).
    pub recording: recording::Recording,
    /// Consoles on this journal (the header's "N operators online").
    pub operators: presence::Operators,
    /// Every continuation waiting on a token (see [`flow`]).
    pub flows: Flows,
    pub status: Option<Status>,
    pub themes: Vec<Theme>,
    pub theme: usize,
    pub color_mode: ColorMode,
    /// Terminal size, for paging.
    pub size: (u16, u16),
    pub quit: bool,
    /// Sources this console expects to hear from (see [`Init::sources`]).
    pub expected_sources: Vec<String>,
    /// Ring the terminal bell for a new critical alarm (`bell` option).
    pub bell_enabled: bool,
    /// Use the mouse (`mouse` option): the runtime captures it when set.
    pub mouse: bool,
    /// How many bells the core asked for so far: the runtime rings once
    /// whenever this grew since its last frame (the core cannot write to
    /// the terminal).
    pub bells: u64,
    /// A new critical alarm: the header flashes its name until then.
    pub flash: Option<(String, DateTime<Utc>)>,
}

impl State {
    /// A console over a board rebuilt from the journal, default settings.
    pub fn new(
        session: Session,
        board: AlarmBoard,
        themes: Vec<Theme>,
        now: DateTime<Utc>,
    ) -> State {
        State::from_init(Init {
            themes,
            ..Init::new(session, board, now)
        })
    }

    pub fn from_init(init: Init) -> State {
        let themes = if init.themes.is_empty() {
            vec![Theme::default()]
        } else {
            init.themes
        };
        let mut silences = silences::Silences::default();
        for (source, window) in &init.alertmanagers {
            silences.register_am(source, *window);
        }
        let faults = faults::Faults::new(init.ledger, init.faults, init.fault_owner);
        let board = init.board;
        let mut s = State {
            session: init.session,
            now: init.now,
            view: View::Alarms,
            mode: Mode::Normal,
            counts: board.counts(),
            shift: ShiftCache::default(),
            ingest: Ingest::from_board(&board),
            silences,
            sources: sources::Sources::default(),
            board,
            alarms: AlarmsView::default(),
            monitor: Monitor::default(),
            log: LogView::default(),
            faults,
            plans: plans::Plans::new(init.plans, init.plan_runs),
            drills: drills::Drills::default(),
            risks: risks::Risks::default(),
            timeline: timeline::Timeline::default(),
            ingest_leader: false,
            operators: presence::Operators::with(init.online),
            recording: recording::Recording::default(),
            flows: Flows::default(),
            status: None,
            themes,
            theme: 0,
            color_mode: init.color_mode,
            size: (80, 24),
            quit: false,
            expected_sources: init.sources,
            bell_enabled: init.bell,
            mouse: init.mouse,
            bells: 0,
            flash: None,
        };
        s.alarms.refresh(&s.board);
        let mut warnings = init.warnings;
        if let Some(name) = &init.theme
            && !s.select_theme(name)
        {
            warnings.push(format!("unknown theme {name:?}; using {}", s.theme().name));
        }
        if !warnings.is_empty() {
            s.status = Some(Status {
                text: warnings.join("; "),
                level: Level::Warn,
                until: s.now + chrono::Duration::seconds(15),
            });
        }
        s
    }

    pub fn theme(&self) -> &Theme {
        // `themes` is never empty (see `from_init`); fall back defensively anyway.
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

    /// Whether an operator action on `subject` (an alarm fingerprint, or
    /// `fault:<id>`) is still on its way to the journal.
    pub fn is_pending(&self, subject: &str) -> bool {
        self.flows.is_pending(subject)
    }

    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        let secs = if level == Level::Error { 15 } else { 5 };
        self.status = Some(Status {
            text: text.into(),
            level,
            until: self.now + chrono::Duration::seconds(secs),
        });
    }

    /// An event by the operator at the keyboard, now.
    pub(crate) fn operator_event(
        &self,
        kind: EventKind,
        subject: &str,
        payload: serde_json::Value,
    ) -> NewEvent {
        NewEvent::new(
            self.now,
            self.session.operator.clone(),
            kind,
            subject,
            payload,
        )
    }

    /// An operator action as one commit, pending on `subject` until the
    /// journal answers; `what` is the confirmation on screen.
    pub(crate) fn commit(&mut self, subject: &str, what: String, ev: NewEvent) -> Vec<Effect> {
        let token = self.flows.begin(Some(subject), what, Step::Action);
        vec![Effect::Commit {
            token,
            events: vec![ev],
        }]
    }

    /// The journal answered an action: say so, with its id or why not.
    pub(crate) fn confirm(&mut self, what: &str, result: &Result<Vec<i64>, String>) {
        match result {
            Ok(ids) => {
                let id = ids
                    .first()
                    .map(|i| format!(" (journal #{i})"))
                    .unwrap_or_default();
                self.say(Level::Info, format!("{what}{id}"));
            }
            Err(e) => self.say(Level::Error, format!("NOT recorded: {what}: {e}")),
        }
    }
}
