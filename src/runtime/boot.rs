//! One boot path for the console and every headless command: open the
//! journal, rebuild the projections, start the writer and the tailer, elect
//! (or assume) the ingest leader, prepare the demo, the fault runner and the
//! live sources, and build the core's `State` from one [`Init`]. Shutting
//! down is here too, in the reverse order. What a console adds on top — the
//! terminal, the leader and signal loops — stays in `runtime::run`.

use super::effects::{self, Executors};
use super::leader::LeaderLock;
use super::sources::{self as source_tasks, SourceTasks};
use crate::app::{self, Init, Msg, RunMode, Session, State};
use crate::domain::event::{OperatorSession, payload};
use crate::domain::fault::limits::FaultsConfig;
use crate::domain::{AlarmBoard, EventKind, NewEvent, Role};
use crate::faults::console::ConsoleFaults;
use crate::journal::{Journal, Tailer, Writer};
use crate::sources::config::LiveConfig;
use crate::sources::demo;
use crate::theme::{ColorMode, Theme};
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use std::path::PathBuf;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How many recent journal rows the Log view starts with.
const LOG_PRIME: i64 = 2_000;
/// Messages waiting for the core; sources block (briefly) past this.
const CHANNEL: usize = 4096;

/// Who runs the sources for this journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leadership {
    /// Take the leader lock if it is free; follow the journal otherwise.
    Elect,
    /// Always ingest (a test or tool with a journal of its own).
    Always,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub journal: PathBuf,
    pub operator: String,
    pub readonly: bool,
    pub role: Role,
    pub seed: Option<u64>,
    pub scenario_dir: Option<PathBuf>,
    pub theme: Option<String>,
    pub color_mode: ColorMode,
    pub themes: Vec<Theme>,
    /// Problems found before start that the operator should see.
    pub warnings: Vec<String>,
    /// Live sources; when any is configured the demo does not run.
    pub live: LiveConfig,
    /// `[faults]`: blast radius, durations, orphan policy.
    pub faults: FaultsConfig,
    pub leadership: Leadership,
    /// Journal `operator.joined` / `operator.left` (an operator's session;
    /// not a test harness).
    pub presence: bool,
}

impl Options {
    /// A headless session on `journal` with these sources: the ingest
    /// leader, no presence rows, default settings otherwise.
    pub fn headless(journal: PathBuf, operator: &str, live: LiveConfig) -> Options {
        Options {
            journal,
            operator: operator.to_string(),
            readonly: false,
            role: Role::Operator,
            seed: None,
            scenario_dir: None,
            theme: None,
            color_mode: ColorMode::Auto,
            themes: Vec::new(),
            warnings: Vec::new(),
            live,
            faults: FaultsConfig::default(),
            leadership: Leadership::Always,
            presence: false,
        }
    }
}

/// Everything a started console runs on.
pub struct Booted {
    pub state: State,
    pub tx: mpsc::Sender<Msg>,
    pub rx: mpsc::Receiver<Msg>,
    pub writer: Writer,
    pub tailer: Tailer,
    pub sources: SourceTasks,
    pub faults: ConsoleFaults,
    /// The leader lock (held or waited for) when leadership is elected.
    pub lock: Option<LeaderLock>,
    demo_task: Option<JoinHandle<()>>,
    presence: bool,
}

impl Booted {
    pub async fn start(opts: &Options) -> Result<Booted> {
        let journal = Journal::open(&opts.journal)
            .wrap_err_with(|| format!("opening journal {}", opts.journal.display()))?;
        // One pass over the journal builds every projection.
        let mut board = AlarmBoard::new();
        let mut ledger = crate::domain::fault::FaultLedger::new();
        journal
            .for_each(|ev| {
                board.apply(ev);
                ledger.apply(ev);
            })
            .wrap_err("rebuilding the alarm board and fault ledger from the journal")?;
        let last_id = board.last_event_id;
        let recent = journal.read_after((last_id - LOG_PRIME).max(0), LOG_PRIME as usize)?;
        let writer = Writer::spawn(&opts.journal).wrap_err("starting the journal writer")?;

        let (lock, leader) = match opts.leadership {
            Leadership::Elect => {
                let mut lock = LeaderLock::new(&opts.journal);
                let leader = lock.try_acquire();
                (Some(lock), leader)
            }
            Leadership::Always => (None, true),
        };
        let is_live = opts.live.is_live();
        let mut plan = if is_live {
            None
        } else {
            Some(
                demo::plan(
                    &journal,
                    opts.seed,
                    opts.scenario_dir.as_deref(),
                    leader,
                    Utc::now(),
                )
                .wrap_err("preparing the demo environment")?,
            )
        };
        drop(journal);

        let session = Session {
            operator: opts.operator.clone(),
            mode: if is_live {
                RunMode::Live
            } else {
                RunMode::Demo
            },
            readonly: opts.readonly,
            role: opts.role,
            journal_path: opts.journal.display().to_string(),
        };
        let setup = ConsoleFaults::start(&session.operator, &ledger, &writer, &opts.journal);
        // Live consoles have no demo: `sim` rows then have nowhere to go.
        if let Some(plan) = plan.as_mut() {
            plan.faults = demo::SimSchedule::new(ledger.clone(), setup.sim_rx);
        }
        let mut state = State::from_init(Init {
            session,
            board,
            ledger,
            themes: opts.themes.clone(),
            theme: opts.theme.clone(),
            color_mode: opts.color_mode,
            faults: opts.faults.clone(),
            fault_owner: Some(setup.runner.me().clone()),
            alertmanagers: source_tasks::alertmanagers(&opts.live),
            warnings: opts.warnings.clone(),
            // Fed from the options by the lead's boot work (issue 9): the
            // source names, `bell` and `mouse` from config.toml.
            sources: Vec::new(),
            bell: true,
            mouse: true,
            now: Utc::now(),
        });
        app::update(&mut state, Msg::Events(recent), Utc::now());
        app::update(&mut state, Msg::IngestRole { leader }, Utc::now());

        let (tx, rx) = mpsc::channel::<Msg>(CHANNEL);
        let tailer = {
            let tx = tx.clone();
            let sim_rows = setup.sim_rows;
            Tailer::spawn(
                &opts.journal,
                last_id,
                Some(writer.subscribe_commits()),
                move |events| {
                    sim_rows.forward(&events);
                    tx.blocking_send(Msg::Events(events)).is_ok()
                },
            )
            .wrap_err("starting the journal tail")?
        };

        let mut first = Vec::new();
        if let Some(demo::DemoPlan {
            started: Some(ev), ..
        }) = &plan
        {
            first.push(ev.clone());
        }
        if opts.presence {
            first.push(operator_event(&state, EventKind::OperatorJoined));
        }
        if !first.is_empty() {
            effects::commit_now(&writer, first).await;
        }

        let demo_task = plan.map(|plan| demo::spawn(plan, tx.clone()));
        if !setup.orphans.is_empty() {
            let _ = tx
                .send(Msg::Fault(app::faults::FaultMsg::Orphans(setup.orphans)))
                .await;
        }
        let sources = SourceTasks::start(&opts.live, &state.board, tx.clone())
            .await
            .wrap_err("starting the live sources")?;
        Ok(Booted {
            state,
            tx,
            rx,
            writer,
            tailer,
            sources,
            faults: setup.runner,
            lock,
            demo_task,
            presence: opts.presence,
        })
    }

    /// What runs the core's effects.
    pub fn executors(&self) -> Executors<'_> {
        Executors {
            writer: &self.writer,
            sources: &self.sources,
            faults: &self.faults,
        }
    }

    /// Feed one message to the core and run what it asks for.
    pub fn feed(&mut self, msg: Msg) {
        for effect in app::update(&mut self.state, msg, Utc::now()) {
            effects::run(effect, &self.executors(), &self.tx);
        }
    }

    /// Leave: recover this console's own live faults (when `recover`), stop
    /// the sources, journal `operator.left`, and flush the journal.
    pub async fn shutdown(mut self, recover: bool) {
        if recover {
            // Normal exit recovers this console's faults (the watchdog covers a crash).
            let (recovered, failures) = self.faults.finish(&self.state.faults.ledger).await;
            if recovered > 0 {
                eprintln!("cocpit: recovered {recovered} fault(s) on exit");
            }
            for f in &failures {
                eprintln!("cocpit: fault recovery on exit failed: {f} (the watchdog retries it)");
            }
        }
        if let Some(t) = self.demo_task.take() {
            t.abort();
        }
        self.sources.stop();
        if self.presence {
            let left = operator_event(&self.state, EventKind::OperatorLeft);
            effects::commit_now(&self.writer, vec![left]).await;
        }
        self.close();
    }

    /// Stop everything without journaling anything more: what is queued is
    /// still written.
    pub fn close(mut self) {
        if let Some(t) = self.demo_task.take() {
            t.abort();
        }
        self.sources.stop();
        self.tailer.stop();
        if let Err(e) = self.writer.shutdown() {
            tracing::error!("journal shutdown: {e}");
        }
    }
}

fn operator_event(state: &State, kind: EventKind) -> NewEvent {
    let p = OperatorSession {
        mode: state.session.mode_label().to_string(),
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    NewEvent::new(
        Utc::now(),
        &state.session.operator,
        kind,
        &state.session.operator,
        payload(&p),
    )
}
