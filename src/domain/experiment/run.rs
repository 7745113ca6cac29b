//! The run of an experiment as chaoslib 1.45.1 sequences it: steady state
//! before → method → steady state after → rollbacks by strategy, the status
//! and `deviated` words it ends with, and which substitutions each provider
//! gets. Running a provider, pausing and the clock are the [`Exec`]'s; this
//! file decides everything else, so a fake `Exec` tests it all.

use super::journal::{
    ActivityRun, ActivityStatus, CHAOSLIB_VERSION, Journal, RunStatus, SteadyState, SteadyStates,
    secs, ts,
};
use super::tolerance::{self, Check};
use super::vars::Vars;
use crate::domain::drill::RollbackStrategy;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// What running a provider gave: its output, or why it failed (chaoslib's
/// `ActivityFailed`: a timeout, a connection error; never an exit code or
/// an HTTP status).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub output: Value,
    pub error: Option<String>,
}

impl Outcome {
    pub fn ok(output: Value) -> Outcome {
        Outcome {
            output,
            error: None,
        }
    }

    pub fn failed(why: impl Into<String>) -> Outcome {
        Outcome {
            output: Value::Null,
            error: Some(why.into()),
        }
    }
}

/// An activity to run in the background, pauses included (chaoslib pauses
/// inside the background thread).
#[derive(Debug, Clone)]
pub struct Job {
    /// The provider's activity, substituted, for running.
    pub activity: Value,
    pub pause_before: f64,
    pub pause_after: f64,
}

/// A background activity's result with when it ran.
#[derive(Debug, Clone)]
pub struct Timed {
    pub outcome: Outcome,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Before,
    Method,
    After,
    Rollbacks,
}

/// What the run reports as it goes (for the terminal and cocpit's journal).
#[derive(Debug)]
pub enum Progress<'a> {
    Stage(Stage),
    Activity(Stage, &'a ActivityRun),
    SteadyState(Stage, bool),
    /// Rollbacks skipped by the strategy (the reason).
    RollbacksSkipped(&'static str),
}

/// The I/O a run needs.
pub trait Exec {
    fn now(&mut self) -> DateTime<Utc>;
    /// Run the activity's provider (already substituted by [`prepare`]).
    fn execute(&mut self, activity: &Value) -> Outcome;
    /// Sleep `secs`, returning early when interrupted.
    fn pause(&mut self, secs: f64);
    /// Ctrl-C or SIGTERM arrived (and not yet absorbed by the rollbacks).
    fn interrupted(&self) -> bool;
    /// Start `job` in the background under `id`.
    fn spawn(&mut self, id: usize, job: Job);
    /// Wait for every background job started since the last call.
    fn join(&mut self) -> Vec<(usize, Timed)>;
    fn progress(&mut self, _p: Progress<'_>) {}
}

/// Run settings from outside the experiment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub strategy: RollbackStrategy,
    pub platform: String,
    pub node: String,
}

/// The rollback strategy in force: the command line's, else the
/// experiment's `runtime.rollbacks.strategy`, else `fallback`.
pub fn strategy(
    cli: Option<RollbackStrategy>,
    exp: &Value,
    fallback: RollbackStrategy,
) -> Result<RollbackStrategy, String> {
    if let Some(s) = cli {
        return Ok(s);
    }
    match exp
        .get("runtime")
        .and_then(|r| r.get("rollbacks"))
        .and_then(|r| r.get("strategy"))
    {
        None | Some(Value::Null) => Ok(fallback),
        Some(Value::String(s)) => RollbackStrategy::parse(s).ok_or_else(|| {
            format!("runtime.rollbacks.strategy {s:?}: expected always, default, never or deviated")
        }),
        Some(other) => Err(format!(
            "runtime.rollbacks.strategy {other}: expected a string"
        )),
    }
}

/// Whether rollbacks run (chaoslib's `run_rollback`): `default` skips them
/// after a failed or interrupted run.
pub fn play_rollbacks(
    strategy: RollbackStrategy,
    status: Option<RunStatus>,
    deviated: bool,
) -> bool {
    match strategy {
        RollbackStrategy::Always => true,
        RollbackStrategy::Never => false,
        RollbackStrategy::Default => {
            !matches!(status, Some(RunStatus::Failed | RunStatus::Interrupted))
        }
        RollbackStrategy::Deviated => deviated,
    }
}

/// The activity as its provider runs it: chaoslib substitutes a process
/// provider's `arguments` (only when there are configuration or secrets),
/// and an http provider's `url`, `headers`, `timeout` (always) and
/// `arguments` (with configuration or secrets). Nothing else.
pub fn prepare(activity: &Value, vars: &Vars) -> Value {
    let mut a = activity.clone();
    let have_vars = !vars.configuration.is_empty() || !vars.secrets.is_empty();
    let Some(p) = a.get_mut("provider").and_then(Value::as_object_mut) else {
        return a;
    };
    let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
    let keys: &[&str] = match (kind, have_vars) {
        ("process", true) => &["arguments"],
        ("http", true) => &["url", "headers", "timeout", "arguments"],
        ("http", false) => &["url", "headers", "timeout"],
        _ => &[],
    };
    for k in keys {
        if let Some(v) = p.get(*k) {
            let s = vars.substitute(v);
            p.insert((*k).to_string(), s);
        }
    }
    a
}

/// A pause value (number, or `${var}` substituted to one).
fn pause_of(pauses: &Value, key: &str) -> f64 {
    match pauses.get(key) {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0).max(0.0),
        Some(Value::String(s)) => s.trim().parse::<f64>().unwrap_or(0.0).max(0.0),
        _ => 0.0,
    }
}

/// Run the experiment (already validated) to its journal.
pub fn run(exp: &Value, vars: &Vars, settings: &Settings, exec: &mut dyn Exec) -> Journal {
    let mut r = Runner { exp, vars, exec };
    let started = r.exec.now();
    let mut status: Option<RunStatus> = None;
    let mut deviated = false;
    let mut before = None;
    let mut after = None;
    let mut method = Vec::new();
    let with_ssh = exp
        .get("steady-state-hypothesis")
        .and_then(|h| h.get("probes"))
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let mut go = true;
    if with_ssh {
        r.exec.progress(Progress::Stage(Stage::Before));
        let ss = r.hypothesis(Stage::Before);
        if r.exec.interrupted() {
            status = Some(RunStatus::Interrupted);
            go = false;
        } else if !ss.steady_state_met {
            // chaoslib: `completed`, or `failed` when a probe itself failed;
            // either way the method is skipped.
            status = Some(missed_status(&ss));
            go = false;
        }
        before = Some(ss);
    }
    if go {
        r.exec.progress(Progress::Stage(Stage::Method));
        let list = exp
            .get("method")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        method = r.activities(&list, Stage::Method);
        if r.exec.interrupted() {
            status = Some(RunStatus::Interrupted);
        } else if with_ssh {
            r.exec.progress(Progress::Stage(Stage::After));
            let ss = r.hypothesis(Stage::After);
            if r.exec.interrupted() {
                status = Some(RunStatus::Interrupted);
            } else if !ss.steady_state_met {
                deviated = true;
                status = Some(missed_status(&ss));
            }
            after = Some(ss);
        }
    }
    let mut rollbacks = Vec::new();
    if play_rollbacks(settings.strategy, status, deviated) {
        r.exec.progress(Progress::Stage(Stage::Rollbacks));
        let list = exp
            .get("rollbacks")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        rollbacks = r.activities(&list, Stage::Rollbacks);
        if r.exec.interrupted() {
            // A second signal stopped the rollbacks themselves.
            status = Some(RunStatus::Interrupted);
        }
    } else {
        r.exec
            .progress(Progress::RollbacksSkipped(match settings.strategy {
                RollbackStrategy::Never => "the rollback strategy is never",
                RollbackStrategy::Deviated => {
                    "the rollback strategy is deviated and the run did not deviate"
                }
                _ => "the rollback strategy is default and the run failed or was interrupted",
            }));
    }
    let end = r.exec.now();
    let mut experiment = exp.clone();
    if let Some(o) = experiment.as_object_mut() {
        o.insert("dry".into(), Value::Null);
    }
    Journal {
        chaoslib_version: CHAOSLIB_VERSION.into(),
        platform: settings.platform.clone(),
        node: settings.node.clone(),
        experiment,
        start: ts(started),
        status: status.unwrap_or(RunStatus::Completed),
        deviated,
        steady_states: SteadyStates {
            before,
            after,
            during: Vec::new(),
        },
        run: method,
        rollbacks,
        end: ts(end),
        duration: secs(started, end),
    }
}

fn missed_status(ss: &SteadyState) -> RunStatus {
    if ss.probes.iter().any(|p| p.status == ActivityStatus::Failed) {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    }
}

struct Runner<'a> {
    exp: &'a Value,
    vars: &'a Vars,
    exec: &'a mut dyn Exec,
}

impl Runner<'_> {
    /// The hypothesis: stops at the first probe that fails or misses.
    fn hypothesis(&mut self, stage: Stage) -> SteadyState {
        let probes = self
            .exp
            .get("steady-state-hypothesis")
            .and_then(|h| h.get("probes"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out = SteadyState {
            steady_state_met: true,
            probes: Vec::new(),
        };
        for probe in &probes {
            let mut run = self.one(probe);
            let met = run.status == ActivityStatus::Succeeded && {
                let tol = super::resolve(self.exp, probe)
                    .ok()
                    .and_then(|a| a.get("tolerance"))
                    .cloned()
                    .unwrap_or(Value::Null);
                self.tolerance_met(&tol, &run.output)
            };
            run.tolerance_met = Some(met);
            self.exec.progress(Progress::Activity(stage, &run));
            out.probes.push(run);
            if !met || self.exec.interrupted() {
                out.steady_state_met = met;
                break;
            }
        }
        self.exec
            .progress(Progress::SteadyState(stage, out.steady_state_met));
        out
    }

    fn tolerance_met(&mut self, tol: &Value, output: &Value) -> bool {
        match tolerance::evaluate(tol, output, self.vars) {
            Check::Met(m) => m,
            Check::Probe(probe) => {
                let o = self.exec.execute(&prepare(&probe, self.vars));
                o.error.is_none() && tolerance::truthy(&o.output)
            }
        }
    }

    /// A list of activities (method or rollbacks), background ones joined
    /// at the end; stops early only when interrupted.
    fn activities(&mut self, list: &[Value], stage: Stage) -> Vec<ActivityRun> {
        let mut slots: Vec<Option<ActivityRun>> = Vec::new();
        let mut pending: Vec<(usize, Value)> = Vec::new();
        for raw in list {
            if self.exec.interrupted() {
                break;
            }
            let activity = match super::resolve(self.exp, raw) {
                Ok(a) => a.clone(),
                Err(e) => {
                    let now = self.exec.now();
                    slots.push(Some(failed_run(raw.clone(), now, now, e)));
                    continue;
                }
            };
            if activity.get("background").and_then(Value::as_bool) == Some(true) {
                let pauses = self
                    .vars
                    .substitute(activity.get("pauses").unwrap_or(&Value::Null));
                let id = slots.len();
                slots.push(None);
                self.exec.spawn(
                    id,
                    Job {
                        activity: prepare(&activity, self.vars),
                        pause_before: pause_of(&pauses, "before"),
                        pause_after: pause_of(&pauses, "after"),
                    },
                );
                pending.push((id, activity));
                continue;
            }
            let run = self.one(&activity);
            self.exec.progress(Progress::Activity(stage, &run));
            slots.push(Some(run));
        }
        if !pending.is_empty() {
            for (id, t) in self.exec.join() {
                let Some(pos) = pending.iter().position(|(i, _)| *i == id) else {
                    continue;
                };
                let (_, activity) = pending.remove(pos);
                let run = timed_run(activity, t);
                self.exec.progress(Progress::Activity(stage, &run));
                if let Some(slot) = slots.get_mut(id) {
                    *slot = Some(run);
                }
            }
        }
        slots.into_iter().flatten().collect()
    }

    /// One activity in the foreground: pause before, run, pause after.
    fn one(&mut self, raw: &Value) -> ActivityRun {
        let activity = match super::resolve(self.exp, raw) {
            Ok(a) => a.clone(),
            Err(e) => {
                let now = self.exec.now();
                return failed_run(raw.clone(), now, now, e);
            }
        };
        let pauses = self
            .vars
            .substitute(activity.get("pauses").unwrap_or(&Value::Null));
        let before = pause_of(&pauses, "before");
        if before > 0.0 {
            self.exec.pause(before);
        }
        let start = self.exec.now();
        let outcome = self.exec.execute(&prepare(&activity, self.vars));
        let end = self.exec.now();
        let run = timed_run(
            activity,
            Timed {
                outcome,
                start,
                end,
            },
        );
        let after = pause_of(&pauses, "after");
        if after > 0.0 && !self.exec.interrupted() {
            self.exec.pause(after);
        }
        run
    }
}

fn failed_run(
    activity: Value,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    why: String,
) -> ActivityRun {
    timed_run(
        activity,
        Timed {
            outcome: Outcome::failed(why),
            start,
            end,
        },
    )
}

fn timed_run(activity: Value, t: Timed) -> ActivityRun {
    let failed = t.outcome.error.is_some();
    ActivityRun {
        activity,
        output: t.outcome.output,
        start: ts(t.start),
        status: if failed {
            ActivityStatus::Failed
        } else {
            ActivityStatus::Succeeded
        },
        end: ts(t.end),
        duration: secs(t.start, t.end),
        exception: t
            .outcome
            .error
            .map(|e| vec![format!("chaoslib.exceptions.ActivityFailed: {e}\n")]),
        tolerance_met: None,
    }
}
