//! The headless runner: drives one [`PlanRun`] from a shell (`cocpit plan
//! run`). Every fact the machine records is committed to the journal
//! before the next action starts (so `plan.run_started` is durable before
//! the first child spawns), actions run through [`Jobs`] (and inject /
//! recover through the faults executor, intent first, like `cocpit faults
//! inject`), approvals and remote confirmations arrive as `plan.decided`
//! rows tailed from the journal, and one progress line per step goes to
//! stdout. Ctrl-C or SIGTERM aborts the run (its rollback runs); a second
//! one stops at once and records the run as interrupted.

use super::exec::{ExecSettings, Job, Jobs};
use crate::domain::fault::limits::{self, FaultsConfig};
use crate::domain::fault::{OwnerKind, Trigger, fault_id};
use crate::domain::filter::Filter;
use crate::domain::plan::payloads::{self as p, Decision, Outcome, PlanEvent};
use crate::domain::plan::run::{Action, At, Out, PlanRun, RunState, Section, Start, StepState};
use crate::domain::plan::template::Context;
use crate::domain::plan::{Plan, PlanKind};
use crate::domain::sanitize::inert;
use crate::faults::exec::Executor;
use crate::faults::{proc, provider};
use crate::journal::{Journal, Tailer, Writer};
use chrono::Utc;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// One headless run, as the command line asked for it.
#[derive(Debug, Clone)]
pub struct Headless {
    pub journal: PathBuf,
    pub plan: Plan,
    /// Validated values, defaults and alarm prefills included.
    pub params: BTreeMap<String, String>,
    /// The alarm's labels, annotations and fingerprint (params are set by
    /// the machine).
    pub ctx: Context,
    pub alarm: Option<String>,
    pub operator: String,
    /// `--yes`: confirmations are taken as given; approvals still wait.
    pub yes: bool,
    /// Ask `confirm` / `manual` steps on the terminal.
    pub interactive: bool,
    pub settings: ExecSettings,
    pub faults: FaultsConfig,
    /// Sources whose alarms are Alertmanager's: a journal silence would
    /// not stop their notifications, so `silence` steps refuse them.
    pub alertmanager_sources: Vec<String>,
}

enum Ev {
    Finished {
        at: At,
        attempt: u32,
        outcome: Outcome,
    },
    Decided(p::Decided),
    Answer {
        at: At,
        yes: bool,
    },
}

/// A new run id: short, unique enough across consoles and hosts.
pub fn new_run_id(plan: &str) -> String {
    format!("r{}", fault_id(&format!("{plan}-{}", proc::instance_id())))
}

/// Run the plan to its end; the run's final state.
pub async fn run(h: Headless) -> Result<RunState, String> {
    let writer = Writer::spawn(&h.journal).map_err(|e| e.to_string())?;
    let result = drive(&h, writer.clone()).await;
    let w = writer.clone();
    let _ = tokio::task::spawn_blocking(move || w.shutdown()).await;
    result
}

async fn drive(h: &Headless, writer: Writer) -> Result<RunState, String> {
    let start_id = {
        let j = Journal::open(&h.journal).map_err(|e| e.to_string())?;
        j.last_id().map_err(|e| e.to_string())?
    };
    let run_id = new_run_id(&h.plan.id);
    let (tx, mut rx) = mpsc::unbounded_channel::<Ev>();
    let mut tailer = {
        let tx = tx.clone();
        let run_id = run_id.clone();
        Tailer::spawn(
            &h.journal,
            start_id,
            Some(writer.subscribe_commits()),
            move |events| {
                for ev in events {
                    if ev.kind == "plan.decided"
                        && ev.subject == run_id
                        && let Ok(d) = serde_json::from_value::<p::Decided>(ev.payload)
                    {
                        let _ = tx.send(Ev::Decided(d));
                    }
                }
                true
            },
        )
        .map_err(|e| e.to_string())?
    };
    let now = Utc::now();
    let mut run = PlanRun::new(
        h.plan.clone(),
        Start {
            run_id,
            operator: h.operator.clone(),
            alarm: h.alarm.clone(),
            attended: false,
            assume_yes: h.yes,
            params: h.params.clone(),
            ctx: h.ctx.clone(),
            rollback_of: None,
        },
        now,
    );
    run.headless = true;
    let instance = proc::instance_id();
    let faults = Executor::new(
        writer.clone(),
        proc::me(OwnerKind::Cli, &h.operator, &instance),
        &h.journal,
    );
    let mut d = Driver {
        run,
        writer,
        jobs: Jobs::new(h.settings.clone()),
        tx,
        faults,
        faults_cfg: h.faults.clone(),
        journal: h.journal.clone(),
        am_sources: h.alertmanager_sources.clone(),
        interactive: h.interactive && !h.yes,
        asked: None,
        started: HashMap::new(),
        change: None,
    };
    let mut first = d.run.start(Utc::now());
    if h.plan.kind == PlanKind::Change {
        // The change record and its silences come right after the run's
        // start, before its first step.
        let head: Vec<Out> = first.drain(..1.min(first.len())).collect();
        d.apply(head).await?;
        d.open_change().await?;
    }
    let result = d.main_loop(first, &mut rx).await;
    if d.change.is_some() {
        let outcome = match &result {
            Ok(state) => state.label().to_string(),
            Err(_) => RunState::Interrupted.label().to_string(),
        };
        d.close_change(&outcome).await?;
    }
    tailer.stop();
    result
}

/// A routine change's record while its run lasts.
struct Change {
    id: String,
    until: chrono::DateTime<Utc>,
    /// Alarms silenced in the journal for the window.
    silenced: Vec<String>,
    /// The window ran out and the run was aborted for it.
    over: bool,
}

struct Driver {
    run: PlanRun,
    writer: Writer,
    jobs: Jobs,
    tx: mpsc::UnboundedSender<Ev>,
    faults: Executor,
    faults_cfg: FaultsConfig,
    journal: PathBuf,
    am_sources: Vec<String>,
    interactive: bool,
    /// The step a terminal question is out for.
    asked: Option<At>,
    started: HashMap<At, Instant>,
    change: Option<Change>,
}

impl Driver {
    /// `change.opened`, then a journal silence on every firing alarm the
    /// change's `silences` match, until the window ends.
    async fn open_change(&mut self) -> Result<(), String> {
        use crate::domain::event::{AlarmAcked, payload};
        use crate::domain::{EventKind, NewEvent};
        let plan = &self.run.plan;
        let now = Utc::now();
        let window = plan.window.map_or(3600, |w| w.0);
        let until = later(now, window);
        let id = format!("c{}", fault_id(&format!("{}-change", self.run.id)));
        let opened = PlanEvent::ChangeOpened(p::ChangeOpened {
            change: id.clone(),
            run: self.run.id.clone(),
            plan: plan.id.clone(),
            title: plan.title.clone(),
            operator: self.run.operator.clone(),
            until,
            silences: plan.silences.clone(),
        });
        let board = Journal::open(&self.journal)
            .and_then(|j| j.rebuild_board())
            .map_err(|e| e.to_string())?;
        let mut silenced = Vec::new();
        let mut from_am = 0;
        for filter in &plan.silences {
            let Ok(f) = Filter::parse(filter) else {
                continue;
            };
            if f.is_empty() {
                continue;
            }
            for a in board.iter().filter(|a| a.is_firing() && f.matches(a)) {
                if self.am_sources.contains(&a.observed.source) {
                    from_am += 1;
                } else if !silenced.iter().any(|s| s == a.fingerprint()) {
                    silenced.push(a.fingerprint().to_string());
                }
            }
        }
        let mut rows = vec![opened.to_new_event(now, &self.run.operator)];
        let comment = format!("change {id}: {}", plan.title);
        rows.extend(silenced.iter().map(|fp| {
            NewEvent::new(
                now,
                &self.run.operator,
                EventKind::AlarmSilenced,
                fp,
                payload(&AlarmAcked {
                    comment: Some(comment.clone()),
                    until: Some(until),
                    ..AlarmAcked::default()
                }),
            )
        }));
        self.commit(rows).await?;
        println!(
            "[change] {id} open until {} ({} alarm(s) silenced)",
            until.format("%H:%M:%S UTC"),
            silenced.len()
        );
        if from_am > 0 {
            println!(
                "[warning] {from_am} matching alarm(s) come from Alertmanager: silence them \
                 from the console (`cocpit plan run` makes journal silences only)"
            );
        }
        self.change = Some(Change {
            id,
            until,
            silenced,
            over: false,
        });
        Ok(())
    }

    /// `change.closed` with the run's outcome; its journal silences end.
    async fn close_change(&mut self, outcome: &str) -> Result<(), String> {
        use crate::domain::event::{AlarmAcked, payload};
        use crate::domain::{EventKind, NewEvent};
        let Some(c) = self.change.take() else {
            return Ok(());
        };
        let now = Utc::now();
        let closed = PlanEvent::ChangeClosed(p::ChangeClosed {
            change: c.id.clone(),
            outcome: outcome.to_string(),
        });
        let mut rows = vec![closed.to_new_event(now, &self.run.operator)];
        rows.extend(c.silenced.iter().map(|fp| {
            NewEvent::new(
                now,
                &self.run.operator,
                EventKind::AlarmUnacked,
                fp,
                payload(&AlarmAcked {
                    reason: Some(format!("change {} closed", c.id)),
                    ..AlarmAcked::default()
                }),
            )
        }));
        self.commit(rows).await?;
        println!("[change] {} closed: {outcome}", c.id);
        Ok(())
    }

    async fn main_loop(
        &mut self,
        first: Vec<Out>,
        rx: &mut mpsc::UnboundedReceiver<Ev>,
    ) -> Result<RunState, String> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        self.apply(first).await?;
        let mut aborted = false;
        while !self.run.state.is_over() {
            self.ask_if_needed();
            let window_end = self.change.as_ref().filter(|c| !c.over).map(|c| c.until);
            let wake = match (self.run.next_wake(), window_end) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
            .map(|t| {
                let d = (t - Utc::now()).to_std().unwrap_or_default();
                tokio::time::Instant::now() + d
            });
            let sleep = async {
                match wake {
                    Some(w) => tokio::time::sleep_until(w).await,
                    None => std::future::pending::<()>().await,
                }
            };
            let outs = tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => self.on_event(ev),
                    None => Vec::new(),
                },
                _ = sleep => self.on_wake(),
                _ = int.recv() => self.on_signal(&mut aborted).await?,
                _ = term.recv() => self.on_signal(&mut aborted).await?,
            };
            self.apply(outs).await?;
        }
        Ok(self.run.state.clone())
    }

    /// The clock: retries due, or the change window ran out (the run is
    /// aborted and its rollback runs).
    fn on_wake(&mut self) -> Vec<Out> {
        let now = Utc::now();
        let mut outs = self.run.tick(now);
        if let Some(c) = self.change.as_mut()
            && !c.over
            && now >= c.until
        {
            c.over = true;
            println!("[abort] the change window of {} is over", c.id);
            let by = format!("{} (change window over)", self.run.operator);
            outs.extend(self.run.abort(&by, now).unwrap_or_default());
        }
        outs
    }

    async fn on_signal(&mut self, aborted: &mut bool) -> Result<Vec<Out>, String> {
        if !*aborted {
            *aborted = true;
            println!("[abort] signal received: stopping and rolling back (again to stop at once)");
            let by = self.run.operator.clone();
            return Ok(self.run.abort(&by, Utc::now()).unwrap_or_default());
        }
        // Twice: stop here. The journal says the run was cut short.
        self.jobs.kill_all();
        let ev = PlanEvent::Interrupted(p::Interrupted {
            run: self.run.id.clone(),
            reason: "stopped by a second signal during the rollback".into(),
        });
        self.commit(vec![ev.to_new_event(Utc::now(), &self.run.operator)])
            .await?;
        println!("[interrupted] stopped at once; the rollback did not finish");
        self.run.state = RunState::Interrupted;
        Ok(Vec::new())
    }

    fn on_event(&mut self, ev: Ev) -> Vec<Out> {
        let now = Utc::now();
        match ev {
            Ev::Finished {
                at,
                attempt,
                outcome,
            } => self.run.finished(at, attempt, outcome, now),
            Ev::Answer { at, yes } => {
                self.asked = None;
                // Answered elsewhere meanwhile (a `plan.decided` row): the
                // late answer is moot.
                let waiting = matches!(
                    self.run.step_run(at).map(|r| &r.state),
                    Some(StepState::WaitingConfirm | StepState::WaitingOperator)
                );
                if self.run.cursor != Some(at) || !waiting {
                    return Vec::new();
                }
                let by = self.run.operator.clone();
                if yes {
                    self.run.confirm(&by, now).unwrap_or_else(|r| {
                        println!("[refused] {}", inert(&r.0));
                        Vec::new()
                    })
                } else {
                    println!("[abort] not confirmed");
                    self.run.abort(&by, now).unwrap_or_default()
                }
            }
            Ev::Decided(d) => self.on_decided(d, now),
        }
    }

    fn on_decided(&mut self, d: p::Decided, now: chrono::DateTime<Utc>) -> Vec<Out> {
        let state = self.run.step_run(d.at).map(|r| r.state.clone());
        let waiting_here = self.run.cursor == Some(d.at);
        let result = match d.decision {
            Decision::Approved => self.run.approve(d.at, &d.by, now),
            Decision::Denied => self.run.deny(d.at, &d.by, now),
            Decision::Confirmed | Decision::Checked
                if waiting_here
                    && matches!(
                        state,
                        Some(StepState::WaitingConfirm | StepState::WaitingOperator)
                    ) =>
            {
                self.run.confirm(&d.by, now)
            }
            // Our own records (confirmations, skips, aborts) come back too.
            _ => return Vec::new(),
        };
        match result {
            Ok(outs) => {
                let what = match d.decision {
                    Decision::Approved => "approved",
                    Decision::Denied => "denied",
                    Decision::Checked => "checked",
                    _ => "confirmed",
                };
                println!("[{what}] {} by {}", inert(&d.name), inert(&d.by));
                outs
            }
            Err(r) => {
                println!(
                    "[refused] {} by {}: {}",
                    inert(&d.name),
                    inert(&d.by),
                    inert(&r.0)
                );
                Vec::new()
            }
        }
    }

    /// A `confirm` or `manual` step on a terminal: ask once.
    fn ask_if_needed(&mut self) {
        if !self.interactive || self.asked.is_some() {
            return;
        }
        let Some(at) = self.run.cursor else {
            return;
        };
        let Some(state) = self.run.step_run(at).map(|r| r.state.clone()) else {
            return;
        };
        let Some(step) = self.run.step(at) else {
            return;
        };
        let question = match state {
            StepState::WaitingConfirm => format!("Run step {:?}? [y/N] ", step.name),
            StepState::WaitingOperator => format!(
                "{} — done? [y/N] ",
                step.manual.as_deref().unwrap_or(&step.name)
            ),
            _ => return,
        };
        self.asked = Some(at);
        let tx = self.tx.clone();
        let question = inert(&question).into_owned();
        // A plain thread: a blocked read of stdin must not hold up the
        // runtime's shutdown.
        std::thread::spawn(move || {
            let mut err = std::io::stderr();
            let _ = write!(err, "{question}");
            let _ = err.flush();
            let mut line = String::new();
            let yes = std::io::stdin().lock().read_line(&mut line).is_ok()
                && matches!(line.trim(), "y" | "Y" | "yes");
            let _ = tx.send(Ev::Answer { at, yes });
        });
    }

    async fn commit(&self, events: Vec<crate::domain::NewEvent>) -> Result<(), String> {
        if events.is_empty() {
            return Ok(());
        }
        self.writer
            .append_confirmed(events)
            .await
            .map_err(|_| "journal writer stopped".to_string())?
            .map(|_| ())
            .map_err(|e| format!("journal: {e}"))
    }

    /// Carry out the machine's outputs in order: records are committed
    /// before any action after them starts, and printed once durable.
    async fn apply(&mut self, outs: Vec<Out>) -> Result<(), String> {
        let mut batch: Vec<PlanEvent> = Vec::new();
        for o in outs {
            match o {
                Out::Record(ev) => batch.push(ev),
                Out::Exec {
                    at,
                    attempt,
                    action,
                    timeout,
                } => {
                    self.flush(std::mem::take(&mut batch)).await?;
                    self.exec(at, attempt, action, timeout);
                }
                Out::Kill { at } => self.jobs.kill(&self.run.id, at),
            }
        }
        self.flush(batch).await
    }

    async fn flush(&mut self, batch: Vec<PlanEvent>) -> Result<(), String> {
        if batch.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let rows = batch
            .iter()
            .map(|e| e.to_new_event(now, &self.run.operator))
            .collect();
        if let Err(e) = self.commit(rows).await {
            // Nothing runs unrecorded.
            self.jobs.kill_all();
            return Err(e);
        }
        for ev in &batch {
            if let Some(line) = self.progress(ev) {
                println!("{line}");
            }
        }
        let _ = std::io::stdout().flush();
        Ok(())
    }

    fn label(&self, at: At, name: &str) -> String {
        match at.section {
            Section::Steps => inert(name).into_owned(),
            Section::Rollback => format!("rollback {}", inert(name)),
        }
    }

    /// The line a record prints, if any.
    fn progress(&mut self, ev: &PlanEvent) -> Option<String> {
        match ev {
            PlanEvent::RunStarted(r) => Some(format!(
                "[started] {} (run {}, by {})",
                inert(&r.plan.id),
                r.run,
                inert(&r.operator)
            )),
            PlanEvent::StepStarted(s) => {
                if s.attempt == 1 {
                    self.started.insert(s.at, Instant::now());
                }
                None
            }
            PlanEvent::StepFinished(s) => {
                let name = self.label(s.at, &s.name);
                let secs = self
                    .started
                    .get(&s.at)
                    .map(|t| t.elapsed().as_secs_f64())
                    .unwrap_or(0.0);
                Some(match s.outcome.as_str() {
                    "ok" => format!("[ok] {name} ({secs:.1}s)"),
                    other => format!(
                        "[{other}] {name}: {}",
                        inert(s.reason.as_deref().unwrap_or(""))
                    ),
                })
            }
            PlanEvent::StepWaiting(w) => {
                let why = match w.waiting {
                    StepState::WaitingApproval => "waiting for a second operator's approval",
                    StepState::WaitingOperator => "waiting for an operator to check it off",
                    _ => "waiting for confirmation",
                };
                let text = if w.text.is_empty() {
                    String::new()
                } else {
                    format!(": {}", inert(&w.text))
                };
                Some(format!(
                    "[waiting] {}{text} ({why})",
                    self.label(w.at, &w.name)
                ))
            }
            PlanEvent::StepRetrying(r) => Some(format!(
                "[retry] {}: {} (attempt {})",
                self.label(r.at, &r.name),
                inert(&r.reason),
                r.attempt
            )),
            PlanEvent::RollbackStarted(r) => Some(format!("[rollback] {}", inert(&r.reason))),
            PlanEvent::RunFinished(f) => Some(match &f.outcome {
                RunState::Succeeded => "[succeeded]".to_string(),
                RunState::Failed { reason } => format!("[run failed] {}", inert(reason)),
                RunState::Aborted { reason } => format!("[run aborted] {}", inert(reason)),
                other => format!("[{}]", other.label()),
            }),
            _ => None,
        }
    }

    fn finished_by(&self, at: At, attempt: u32) -> impl FnOnce(Outcome) + Send + 'static {
        let tx = self.tx.clone();
        move |outcome| {
            let _ = tx.send(Ev::Finished {
                at,
                attempt,
                outcome,
            });
        }
    }

    fn exec(&mut self, at: At, attempt: u32, action: Action, timeout: crate::domain::plan::Secs) {
        let done = self.finished_by(at, attempt);
        match action {
            Action::Inject(spec) => {
                let exec = self.faults.clone();
                let cfg = self.faults_cfg.clone();
                let journal = self.journal.clone();
                tokio::task::spawn_blocking(move || done(inject(&exec, &cfg, &journal, spec)));
            }
            Action::Recover { fault_id } => {
                let exec = self.faults.clone();
                let journal = self.journal.clone();
                tokio::task::spawn_blocking(move || done(recover(&exec, &journal, &fault_id)));
            }
            Action::Silence {
                matchers,
                duration,
                comment,
            } => {
                let exec = self.faults.clone();
                let journal = self.journal.clone();
                let am = self.am_sources.clone();
                let why = format!("plan run {}: {comment}", self.run.id);
                let by = self.run.operator.clone();
                tokio::task::spawn_blocking(move || {
                    done(silence(
                        &exec, &journal, &am, &matchers, duration.0, &why, &by,
                    ))
                });
            }
            Action::WaitForResolved { filter, interval } => {
                let journal = self.journal.clone();
                tokio::task::spawn_blocking(move || {
                    done(wait_resolved(&journal, &filter, interval.0, timeout.0))
                });
            }
            action => self.jobs.start(
                Job {
                    run: self.run.id.clone(),
                    at,
                    attempt,
                    action,
                    timeout,
                },
                Box::new(done),
            ),
        }
    }
}

/// An inject step, as `cocpit faults inject` does it: limits and target
/// checked, intent committed, then the injection (recovered at its
/// deadline by the watchdog if nothing recovers it earlier).
fn inject(
    exec: &Executor,
    cfg: &FaultsConfig,
    journal: &Path,
    spec: crate::domain::fault::FaultSpec,
) -> Outcome {
    let ledger = match Journal::open(journal)
        .map_err(|e| e.to_string())
        .and_then(|j| crate::faults::cli::ledger(&j))
    {
        Ok(l) => l,
        Err(e) => return Outcome::failed(format!("reading the fault ledger: {e}")),
    };
    if let Err(e) = limits::check(&spec, &ledger, cfg) {
        return Outcome::failed(format!("refused: {e}"));
    }
    if let Err(e) = provider::validate(&spec) {
        return Outcome::failed(format!("refused: {e}"));
    }
    let id = fault_id(&format!("{}-plan", proc::instance_id()));
    let deadline = Utc::now() + spec.duration();
    if let Err(e) = exec.commit(vec![exec.intent(&id, &spec, deadline)]) {
        return Outcome::failed(e);
    }
    match exec.inject(&id, &spec, deadline) {
        Ok(record) => Outcome {
            ok: true,
            detail: String::new(),
            exit: None,
            output: format!("fault {id}: {}", record.summary),
            fault_id: Some(id),
        },
        Err(e) => Outcome {
            fault_id: Some(id),
            ..Outcome::failed(e)
        },
    }
}

fn recover(exec: &Executor, journal: &Path, id: &str) -> Outcome {
    let ledger = match Journal::open(journal)
        .map_err(|e| e.to_string())
        .and_then(|j| crate::faults::cli::ledger(&j))
    {
        Ok(l) => l,
        Err(e) => return Outcome::failed(format!("reading the fault ledger: {e}")),
    };
    let Some(f) = ledger.get(id) else {
        return Outcome::failed(format!("no fault {id}"));
    };
    if !f.is_live() {
        return Outcome::ok(format!("fault {id} already {}", f.state.as_str()));
    }
    match exec.recover(f, Trigger::Operator) {
        Ok(detail) => Outcome::ok(format!("fault {id} recovered: {detail}")),
        Err(e) => Outcome::failed(e),
    }
}

/// `secs` after `now`, capped at a century (a plan may say anything).
fn later(now: chrono::DateTime<Utc>, secs: u64) -> chrono::DateTime<Utc> {
    let cap = chrono::Duration::days(36_500);
    let d = i64::try_from(secs)
        .ok()
        .and_then(chrono::Duration::try_seconds)
        .map_or(cap, |d| d.min(cap));
    now.checked_add_signed(d).unwrap_or(now + cap)
}

/// A `silence` step headless: a journal silence (`alarm.silenced`, with
/// its end) on every firing alarm matching `matchers`. Alertmanager's
/// alarms need a silence on the Alertmanager, which only the console
/// makes: the step refuses them rather than pretend.
fn silence(
    exec: &Executor,
    journal: &Path,
    am_sources: &[String],
    matchers: &str,
    secs: u64,
    comment: &str,
    by: &str,
) -> Outcome {
    use crate::domain::event::{AlarmAcked, payload};
    use crate::domain::{EventKind, NewEvent};
    let f = match Filter::parse(matchers) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return Outcome::failed("empty matchers would silence every alarm"),
        Err(e) => return Outcome::failed(format!("bad matchers: {e}")),
    };
    let board = match Journal::open(journal).and_then(|j| j.rebuild_board()) {
        Ok(b) => b,
        Err(e) => return Outcome::failed(e.to_string()),
    };
    let matching: Vec<_> = board
        .iter()
        .filter(|a| a.is_firing() && f.matches(a))
        .collect();
    let from_am: Vec<_> = matching
        .iter()
        .filter(|a| am_sources.contains(&a.observed.source))
        .collect();
    if !from_am.is_empty() {
        return Outcome::failed(format!(
            "{} matching alarm(s) come from Alertmanager: their silence is made by the console \
             (`cocpit plan run` makes journal silences only)",
            from_am.len()
        ));
    }
    let now = Utc::now();
    let until = later(now, secs);
    let events: Vec<NewEvent> = matching
        .iter()
        .map(|a| {
            NewEvent::new(
                now,
                by,
                EventKind::AlarmSilenced,
                a.fingerprint(),
                payload(&AlarmAcked {
                    comment: Some(comment.to_string()),
                    until: Some(until),
                    ..AlarmAcked::default()
                }),
            )
        })
        .collect();
    let n = events.len();
    if n > 0
        && let Err(e) = exec.commit(events)
    {
        return Outcome::failed(e);
    }
    Outcome::ok(format!(
        "journal silence on {n} alarm(s) until {}",
        until.format("%H:%M:%S UTC")
    ))
}

/// Until no firing alarm on the journal's board matches `filter`.
fn wait_resolved(journal: &Path, filter: &str, interval: u64, timeout: u64) -> Outcome {
    let f = match Filter::parse(filter) {
        Ok(f) => f,
        Err(e) => return Outcome::failed(format!("bad filter: {e}")),
    };
    let j = match Journal::open(journal) {
        Ok(j) => j,
        Err(e) => return Outcome::failed(e.to_string()),
    };
    let mut board = match j.rebuild_board() {
        Ok(b) => b,
        Err(e) => return Outcome::failed(e.to_string()),
    };
    let mut last = j.last_id().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(timeout.clamp(1, 10 * 366 * 24 * 3600));
    loop {
        let firing = board
            .iter()
            .filter(|a| a.is_firing() && f.matches(a))
            .count();
        if firing == 0 {
            return Outcome::ok(format!("no alarm matching {filter:?} fires"));
        }
        if Instant::now() >= deadline {
            return Outcome::failed(format!(
                "timed out after {timeout}s: {firing} alarm(s) matching {filter:?} still fire"
            ));
        }
        std::thread::sleep(Duration::from_secs(interval.max(1)).min(deadline - Instant::now()));
        loop {
            match j.read_after(last, crate::journal::TAIL_BATCH) {
                Ok(evs) if !evs.is_empty() => {
                    for ev in &evs {
                        board.apply(ev);
                        last = last.max(ev.id);
                    }
                }
                _ => break,
            }
        }
    }
}
