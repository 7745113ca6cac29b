//! One boot path for the console and every headless command: open the
//! journal, rebuild the projections, start the writer and the tailer, elect
//! (or assume) the ingest leader, prepare the demo, the fault runner and the
//! live sources, and build the core's `State` from one [`Init`]. Shutting
//! down is here too, in the reverse order. What a console adds on top — the
//! terminal, the leader and signal loops — stays in `runtime::run`.

use super::effects::{self, Executors};
use super::leader::LeaderLock;
use super::sources::{self as source_tasks, SourceTasks};
use crate::app::recording::Notice;
use crate::app::{self, Init, Msg, RunMode, Session, State};
use crate::domain::event::{OperatorSession, payload};
use crate::domain::fault::limits::FaultsConfig;
use crate::domain::fault::recovery;
use crate::domain::projection::Projection;
use crate::domain::{EventKind, NewEvent, Role};
use crate::faults::console::ConsoleFaults;
use crate::faults::proc;
use crate::journal::{Journal, Replay, Tailer, WriteHealth, Writer};
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
    /// Ring the terminal bell for a new critical alarm.
    pub bell: bool,
    /// Clicks select rows and tabs, the wheel scrolls.
    pub mouse: bool,
    /// Where plans come from (`[plans]`).
    pub plans: crate::config::PlansConfig,
    /// Where drill scenarios come from (`[drills]`).
    pub drills: crate::config::DrillsConfig,
    /// Where failure modes come from (`[risk]`).
    pub risk: crate::config::RiskConfig,
    /// Start this drill scenario once the sources answer (`cocpit drill run`).
    pub drill: Option<String>,
    /// A scenario file named on the command line, loaded with the others.
    pub drill_file: Option<PathBuf>,
    /// A Chaos Toolkit experiment named on the command line, with its
    /// `--var`s and outputs, listed with the others.
    pub experiment: Option<crate::domain::experiment::Listed>,
    /// `--rollback-strategy` for the scenario in `drill`.
    pub drill_rollbacks: Option<crate::domain::drill::RollbackStrategy>,
    /// This console is `cocpit drill run --headless`.
    pub drill_headless: bool,
    /// `--yes`: pass the drill's gates without waiting.
    pub drill_yes: bool,
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
            bell: false,
            mouse: false,
            plans: Default::default(),
            drills: Default::default(),
            risk: Default::default(),
            drill: None,
            drill_file: None,
            experiment: None,
            drill_rollbacks: None,
            drill_headless: false,
            drill_yes: false,
        }
    }
}

/// Everything a started console runs on.
pub struct Booted {
    pub state: State,
    pub tx: mpsc::Sender<Msg>,
    pub rx: mpsc::Receiver<Msg>,
    /// `None` on a read-only console: it writes nothing.
    pub writer: Option<Writer>,
    pub tailer: Tailer,
    pub sources: SourceTasks,
    /// `None` on a read-only console: it neither injects nor recovers.
    pub faults: Option<ConsoleFaults>,
    /// `None` on a read-only console: it runs no plan step.
    pub jobs: Option<crate::plans::Jobs>,
    /// `None` on a read-only console: it runs no experiment.
    pub experiments: Option<super::experiments::Experiments>,
    /// Where `:report` reads scenarios and plans from.
    pub reports: crate::report::cli::Env,
    /// The leader lock (held or waited for) when leadership is elected.
    pub lock: Option<LeaderLock>,
    /// Watching the plan directories (dropped: the watch stops).
    _plan_watch: Option<notify::RecommendedWatcher>,
    demo_task: Option<JoinHandle<()>>,
    /// The journal's write health forwarded to the core, the chain check.
    background: Vec<JoinHandle<()>>,
    presence: bool,
}

/// How long a quitting console waits for its experiments' rollbacks.
const EXPERIMENT_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Rows replayed between two progress reports.
const PROGRESS_EVERY: u64 = 20_000;
/// A start that replayed this many rows past the last checkpoint writes a
/// new one (in the background); a clean exit writes one past [`EXIT_CHECKPOINT`].
const BOOT_CHECKPOINT: u64 = 100_000;
const EXIT_CHECKPOINT: i64 = 10_000;

/// How far a start has got: rows replayed, rows to replay.
pub type Progress = tokio::sync::watch::Sender<(u64, u64)>;

impl Booted {
    pub async fn start(opts: &Options) -> Result<Booted> {
        Booted::start_with(opts, None).await
    }

    /// [`Booted::start`], reporting the replay's progress on `progress`.
    pub async fn start_with(opts: &Options, progress: Option<Progress>) -> Result<Booted> {
        // A read-only console reads only: no file is created or changed,
        // it never leads, and it journals nothing (not even its presence).
        if opts.readonly && !opts.journal.exists() {
            color_eyre::eyre::bail!(
                "no journal at {}: a --readonly console only reads an existing journal \
                 (start a console without --readonly to create it)",
                opts.journal.display()
            );
        }
        let journal = if opts.readonly {
            Journal::open_readonly(&opts.journal)
        } else {
            Journal::open(&opts.journal)
        }
        .wrap_err_with(|| format!("opening journal {}", opts.journal.display()))?;
        // One pass over the journal after its latest checkpoint builds every
        // projection and checks the chain of those rows; off the runtime's
        // threads, a million rows take seconds.
        let head = journal.last_id()?;
        let (journal, replay) = tokio::task::spawn_blocking(move || {
            let from = journal
                .latest_checkpoint()
                .ok()
                .flatten()
                .map_or(0, |(cp, _)| cp.event_id);
            let total = (head - from).max(0) as u64;
            if let Some(p) = &progress {
                p.send_replace((0, total));
            }
            let replay = journal.replay(PROGRESS_EVERY, |n| {
                if let Some(p) = &progress {
                    p.send_replace((n, total));
                }
            });
            (journal, replay)
        })
        .await
        .wrap_err("rebuilding the projections")?;
        let replay =
            replay.wrap_err("rebuilding the alarm board and fault ledger from the journal")?;
        let Replay {
            projection,
            replayed,
            last_hash,
            broken,
            ..
        } = replay;
        if replayed >= BOOT_CHECKPOINT && !opts.readonly {
            save_checkpoint(&opts.journal, projection.clone(), last_hash.clone());
        }
        let Projection {
            board,
            ledger,
            online,
            plans: plan_runs,
            ..
        } = projection;
        let last_id = board.last_event_id;
        let recent = journal.read_after((last_id - LOG_PRIME).max(0), LOG_PRIME as usize)?;
        let writer = if opts.readonly {
            None
        } else {
            Some(Writer::spawn(&opts.journal).wrap_err("starting the journal writer")?)
        };

        let (lock, leader) = match opts.leadership {
            _ if opts.readonly => (None, false),
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
        // Drills are few rows: read them through the kind index.
        let mut drill_journal = crate::domain::drill::drills::Drills::default();
        journal
            .for_each_kind_prefix("drill.", |ev| drill_journal.apply(ev))
            .wrap_err("reading the drills from the journal")?;
        let mut risk_tags = crate::domain::risk::tags::Tags::default();
        journal
            .for_each_kind_prefix("risk.", |ev| risk_tags.apply(ev))
            .wrap_err("reading the failure-mode tags from the journal")?;
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
        let faults = writer
            .as_ref()
            .map(|w| ConsoleFaults::start(&session.operator, &ledger, w, &opts.journal));
        let orphans: Vec<String> = match &faults {
            Some(setup) => setup.orphans.clone(),
            None => recovery::orphans(&ledger, &proc::alive)
                .iter()
                .map(|f| f.id.clone())
                .collect(),
        };
        let faults = faults.map(|setup| setup.runner);
        let (sim_rows, sim_rx) = demo::sim_rows();
        // Live consoles have no demo: `sim` rows then have nowhere to go.
        if let Some(plan) = plan.as_mut() {
            plan.faults =
                demo::SimSchedule::new(ledger.clone(), sim_rx).with_drills(&drill_journal);
        }
        let mut state = State::from_init(Init {
            session,
            board,
            ledger,
            themes: opts.themes.clone(),
            theme: opts.theme.clone(),
            color_mode: opts.color_mode,
            faults: opts.faults.clone(),
            fault_owner: faults.as_ref().map(|f| f.me().clone()),
            alertmanagers: source_tasks::alertmanagers(&opts.live),
            online,
            warnings: opts.warnings.clone(),
            sources: source_tasks::names(&opts.live),
            bell: opts.bell,
            mouse: opts.mouse,
            plans: load_plans(opts),
            plan_runs,
            now: Utc::now(),
        });
        state.drills = app::drills::Drills::new(load_drills(opts), drill_journal);
        state.drills.autostart = opts.drill.clone();
        state.drills.autostart_rollbacks = opts.drill_rollbacks;
        state.drills.headless = opts.drill_headless;
        state.drills.auto_gates = opts.drill_yes;
        state.risks = app::risks::Risks::new(
            load_risk(opts, &state.plans.catalog, &state.drills.catalog),
            risk_tags,
        );
        app::update(&mut state, Msg::Events(recent), Utc::now());
        app::update(&mut state, Msg::IngestRole { leader }, Utc::now());

        let (tx, rx) = mpsc::channel::<Msg>(CHANNEL);
        let tailer = {
            let tx = tx.clone();
            let deliver = move |events: Vec<crate::domain::Event>| {
                sim_rows.forward(&events);
                tx.blocking_send(Msg::Events(events)).is_ok()
            };
            match &writer {
                Some(w) => {
                    Tailer::spawn(&opts.journal, last_id, Some(w.subscribe_commits()), deliver)
                }
                None => Tailer::spawn_readonly(&opts.journal, last_id, deliver),
            }
            .wrap_err("starting the journal tail")?
        };

        let mut first = Vec::new();
        if let Some(demo::DemoPlan {
            started: Some(ev), ..
        }) = &plan
        {
            first.push(ev.clone());
        }
        // Runs of this operator left unfinished cannot be running: this
        // console just started. Journaled as interrupted, never resumed —
        // unless another console of the same operator still runs here.
        let twin = state
            .operators
            .online
            .get(&state.session.operator)
            .is_some_and(|p| {
                p.pid != 0
                    && p.pid != std::process::id()
                    && p.host == proc::hostname()
                    && proc::running(p.pid, p.start)
            });
        if !twin {
            first.extend(app::plans::interrupted_rows(&state));
        }
        // Drills whose driving process is gone stop as interrupted, their
        // measurements kept (the watchdog recovers their faults).
        first.extend(app::drills::interrupted_rows(&state, &|o| !proc::alive(o)));
        let jobs = writer.as_ref().map(|_| {
            // `wait_for: {promql}` asks `[plans] prometheus`, else the first
            // configured Prometheus.
            let prometheus = opts
                .plans
                .prometheus
                .clone()
                .or_else(|| opts.live.prometheus.first().map(|p| p.url.clone()));
            crate::plans::Jobs::new(crate::plans::ExecSettings { prometheus })
        });
        let experiments = writer.as_ref().map(|w| {
            super::experiments::Experiments::new(
                w.clone(),
                crate::config::log_dir().join("experiments"),
            )
        });
        let presence = opts.presence && !opts.readonly;
        if presence {
            first.push(operator_event(&state, EventKind::OperatorJoined));
        }
        if let Some(w) = &writer
            && !first.is_empty()
        {
            effects::commit_now(w, first).await;
        }

        let demo_task = plan.map(|plan| demo::spawn(plan, tx.clone()));
        let mut background = Vec::new();
        if let Some(w) = &writer {
            background.push(tokio::spawn(forward_write_health(
                w.watch_health(),
                tx.clone(),
            )));
        }
        let chain = match broken {
            None => Notice::ChainIntact { last_id },
            Some(b) => Notice::ChainBroken {
                id: b.id,
                reason: b.reason.to_string(),
            },
        };
        let _ = tx.send(Msg::Recording(chain)).await;
        if !orphans.is_empty() {
            let _ = tx
                .send(Msg::Fault(app::faults::FaultMsg::Orphans(orphans)))
                .await;
        }
        let sources = SourceTasks::start(&opts.live, &state.board, tx.clone())
            .await
            .wrap_err("starting the live sources")?;
        let plan_watch = super::plan_watch::spawn(
            super::plan_watch::Reloader::new(opts.plans.dirs(), plans_embedded(opts)),
            tx.clone(),
        );
        Ok(Booted {
            state,
            tx,
            rx,
            writer,
            tailer,
            sources,
            faults,
            jobs,
            experiments,
            reports: crate::report::cli::Env {
                journal: opts.journal.clone(),
                drill_dirs: opts.drills.dirs(),
                drills_embedded: opts.drills.embedded.unwrap_or(!opts.live.is_live()),
                plan_dirs: opts.plans.dirs(),
                plans_embedded: plans_embedded(opts),
                risk_dirs: opts.risk.dirs(),
                risk_embedded: opts.risk.embedded.unwrap_or(!opts.live.is_live()),
            },
            lock,
            _plan_watch: plan_watch,
            demo_task,
            background,
            presence,
        })
    }

    /// What runs the core's effects.
    pub fn executors(&self) -> Executors<'_> {
        Executors {
            writer: self.writer.as_ref(),
            sources: &self.sources,
            faults: self.faults.as_ref(),
            plans: self.jobs.as_ref(),
            experiments: self.experiments.as_ref(),
            reports: &self.reports,
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
        self.checkpoint_on_exit().await;
        // Runs this console drives stop with it: aborted (the rollback is
        // not waited for) and their steps killed.
        let mut aborted = app::drills::on_quit(&mut self.state);
        aborted.extend(app::plans::on_quit(&mut self.state));
        if let Some(jobs) = &self.jobs {
            jobs.kill_all();
        }
        // An experiment's rollbacks are its recovery: they are waited for
        // (bounded), and its end is journaled by its own thread.
        if let Some(x) = &self.experiments {
            let left = x.finish("stopped: the console quit", EXPERIMENT_WAIT).await;
            if left > 0 {
                super::terminal::note(&format!(
                    "{left} experiment(s) still running their rollbacks after {}s: left to finish; the next console records them interrupted",
                    EXPERIMENT_WAIT.as_secs()
                ));
            }
        }
        if let Some(w) = &self.writer
            && !aborted.is_empty()
        {
            effects::commit_now(w, aborted).await;
        }
        if recover && let Some(faults) = &self.faults {
            // Normal exit recovers this console's faults (the watchdog covers a crash).
            let (recovered, failures) = faults.finish(&self.state.faults.ledger).await;
            if recovered > 0 {
                tracing::info!("recovered {recovered} fault(s) on exit");
                super::terminal::note(&format!("recovered {recovered} fault(s) on exit"));
            }
            for f in &failures {
                tracing::warn!("fault recovery on exit failed: {f}");
                super::terminal::note(&format!(
                    "fault recovery on exit failed: {f} (the watchdog retries it)"
                ));
            }
        }
        if let Some(t) = self.demo_task.take() {
            t.abort();
        }
        self.sources.stop();
        if self.presence
            && let Some(w) = &self.writer
        {
            let left = operator_event(&self.state, EventKind::OperatorLeft);
            effects::commit_now(w, vec![left]).await;
        }
        self.close();
    }

    /// Leave a checkpoint of what this console rebuilt when it is well past
    /// the last one, so the next start replays little.
    async fn checkpoint_on_exit(&self) {
        if self.writer.is_none() {
            return;
        }
        let s = &self.state;
        let last = s.board.last_event_id.max(s.faults.ledger.last_event_id);
        let path = std::path::PathBuf::from(&s.session.journal_path);
        let projection = Projection {
            board: s.board.clone(),
            ledger: s.faults.ledger.clone(),
            online: s.operators.online.clone(),
            plans: s.plans.runs.clone(),
            last_event_id: last,
        };
        let done = tokio::task::spawn_blocking(move || -> Result<(), String> {
            let j = Journal::open(&path).map_err(|e| e.to_string())?;
            let since = j
                .latest_checkpoint()
                .map_err(|e| e.to_string())?
                .map_or(0, |(cp, _)| cp.event_id);
            if last - since < EXIT_CHECKPOINT {
                return Ok(());
            }
            let hash = j
                .hash_of(last)
                .map_err(|e| e.to_string())?
                .ok_or("the last row is gone")?;
            j.write_checkpoint(&projection, &hash)
                .map_err(|e| e.to_string())
        })
        .await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("no checkpoint on exit: {e}"),
            Err(e) => tracing::warn!("no checkpoint on exit: {e}"),
        }
    }

    /// Stop everything without journaling anything more: what is queued is
    /// still written.
    pub fn close(mut self) {
        if let Some(j) = &self.jobs {
            j.kill_all();
        }
        if let Some(t) = self.demo_task.take() {
            t.abort();
        }
        for t in self.background.drain(..) {
            t.abort();
        }
        self.sources.stop();
        self.tailer.stop();
        if let Some(w) = &self.writer
            && let Err(e) = w.shutdown()
        {
            tracing::error!("journal shutdown: {e}");
        }
    }
}

/// Every change of the writer's health, to the core.
async fn forward_write_health(
    mut health: tokio::sync::watch::Receiver<WriteHealth>,
    tx: mpsc::Sender<Msg>,
) {
    while health.changed().await.is_ok() {
        let notice = match health.borrow_and_update().clone() {
            WriteHealth::Ok => Notice::WriteOk,
            WriteHealth::Failing { reason, disk_full } => {
                Notice::WriteFailing { reason, disk_full }
            }
        };
        if tx.send(Msg::Recording(notice)).await.is_err() {
            return;
        }
    }
}

/// Write a checkpoint on a blocking thread of its own, on a connection of
/// its own: the start that replayed the rows does not wait for it.
fn save_checkpoint(journal: &std::path::Path, projection: Projection, hash: String) {
    let path = journal.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let written = Journal::open(&path).and_then(|j| j.write_checkpoint(&projection, &hash));
        match written {
            Ok(()) => tracing::info!(id = projection.last_event_id, "checkpoint written"),
            Err(e) => tracing::warn!("checkpoint not written: {e}"),
        }
    });
}

/// The plan catalog: the demo's plans when the demo runs (or `embedded`
/// says so), then the configured directories. Broken files are listed,
/// never fatal.
pub fn load_drills(opts: &Options) -> app::drills::Catalog {
    let embedded = opts.drills.embedded.unwrap_or(!opts.live.is_live());
    let providers = crate::domain::fault::catalog::names();
    let mut cat = crate::spec::drills::load_all(&opts.drills.dirs(), embedded, &providers);
    if let Some(f) = &opts.drill_file {
        match crate::spec::drills::load_file(f, &providers) {
            // The file named on the command line wins over a loaded namesake.
            Ok(s) => {
                cat.scenarios.insert(
                    s.id.clone(),
                    crate::spec::drills::Loaded {
                        scenario: s,
                        origin: f.display().to_string(),
                    },
                );
            }
            Err(mut e) => cat.errors.append(&mut e),
        }
    }
    if let Some(e) = &opts.experiment {
        // Named on the command line: it wins over a namesake, as above.
        cat.scenarios.remove(&e.id);
        cat.experiments.insert(e.id.clone(), e.clone());
    }
    for e in &cat.errors {
        tracing::warn!("drill scenario: {e}");
    }
    app::drills::Catalog {
        experiments: cat.experiments.into_values().collect(),
        scenarios: cat.scenarios.into_values().map(|l| l.scenario).collect(),
        errors: cat.errors.iter().map(|e| e.to_string()).collect(),
    }
}

pub fn load_plans(opts: &Options) -> app::plans::Catalog {
    let embedded = plans_embedded(opts);
    let providers = crate::domain::fault::catalog::names();
    let cat = crate::spec::plans::load_all(&opts.plans.dirs(), embedded, &providers);
    for e in &cat.errors {
        tracing::warn!("plan: {e}");
    }
    app::plans::Catalog {
        plans: cat.plans.into_values().map(|l| l.plan).collect(),
        errors: cat.errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// The failure-mode library: the starter library when the demo runs (or
/// `embedded` says so), then the configured directories; plan and scenario
/// links checked against what is loaded. Broken files are listed, never
/// fatal.
pub fn load_risk(
    opts: &Options,
    plans: &app::plans::Catalog,
    drills: &app::drills::Catalog,
) -> app::risks::Catalog {
    let embedded = opts.risk.embedded.unwrap_or(!opts.live.is_live());
    let plan_ids = plans.plans.iter().map(|p| p.id.clone()).collect();
    let drill_ids = drills
        .scenarios
        .iter()
        .map(|s| s.id.clone())
        .chain(drills.experiments.iter().map(|e| e.id.clone()))
        .collect();
    let known = crate::domain::risk::validate::Known {
        plans: Some(&plan_ids),
        drills: Some(&drill_ids),
    };
    let cat = crate::spec::risk::load_all(&opts.risk.dirs(), embedded, known);
    for e in &cat.errors {
        tracing::warn!("failure mode: {e}");
    }
    app::risks::Catalog {
        modes: cat.modes.into_values().map(|l| l.mode).collect(),
        errors: cat.errors.iter().map(|e| e.to_string()).collect(),
    }
}

fn plans_embedded(opts: &Options) -> bool {
    opts.plans.embedded.unwrap_or(!opts.live.is_live())
}

fn operator_event(state: &State, kind: EventKind) -> NewEvent {
    let pid = std::process::id();
    let p = OperatorSession {
        mode: state.session.mode_label().to_string(),
        pid,
        version: env!("CARGO_PKG_VERSION").to_string(),
        host: proc::hostname(),
        start: proc::stat(pid).map(|s| s.start).unwrap_or(0),
        reason: None,
    };
    NewEvent::new(
        Utc::now(),
        &state.session.operator,
        kind,
        &state.session.operator,
        payload(&p),
    )
}
