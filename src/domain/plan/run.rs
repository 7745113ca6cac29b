//! One run of a plan as a state machine: inputs (a step finished, the
//! clock, an operator's key, an approval seen in the journal) go in,
//! [`Out`]s come out (run this action, record this event, kill that
//! step). It does no I/O, so the console and the headless runner drive the
//! same machine, and tests drive it without processes.
//!
//! A run goes through `steps` in order. A step may first wait for the
//! runner's confirmation (`confirm: true`); `manual` steps wait for an
//! operator to tick them off, `approve` steps for a second operator. A
//! failure is retried as the step says; then `on_failure: continue` goes
//! on, anything else stops the run: an attended run waits for the
//! operator (retry, skip, abort), an unattended one aborts at once. Abort
//! and failure run the `rollback` steps, best effort, each once.

use super::payloads::{self as p, Outcome};
use super::template::{self, Context};
use super::{Codes, HttpStep, OnFailure, Plan, Secs, Step, StepType};
use crate::domain::fault::FaultSpec;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a step is: the plan's steps or its rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Steps,
    Rollback,
}

/// A step's address in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct At {
    pub section: Section,
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    Pending,
    /// The runner has to say go (`confirm: true`).
    WaitingConfirm,
    /// A `manual` step: an operator ticks it off.
    WaitingOperator,
    /// An `approve` step: a second operator approves.
    WaitingApproval,
    Running {
        attempt: u32,
    },
    /// Failed; retried at `until`.
    RetryWait {
        attempt: u32,
        until: DateTime<Utc>,
    },
    Ok,
    Failed {
        reason: String,
    },
    Skipped {
        reason: String,
    },
}

impl StepState {
    pub fn label(&self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::WaitingConfirm => "confirm?",
            StepState::WaitingOperator => "waiting for operator",
            StepState::WaitingApproval => "waiting for approval",
            StepState::Running { .. } => "running",
            StepState::RetryWait { .. } => "retrying",
            StepState::Ok => "ok",
            StepState::Failed { .. } => "failed",
            StepState::Skipped { .. } => "skipped",
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(
            self,
            StepState::Ok | StepState::Failed { .. } | StepState::Skipped { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunState {
    Running,
    /// A step failed and the run waits for the operator: retry, skip, abort.
    Stopped,
    /// Running the rollback after a failure or an abort.
    RollingBack,
    Succeeded,
    Failed {
        reason: String,
    },
    Aborted {
        reason: String,
    },
    /// Its console died mid-run; nothing resumes it silently.
    Interrupted,
}

impl RunState {
    pub fn label(&self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Stopped => "stopped",
            RunState::RollingBack => "rolling back",
            RunState::Succeeded => "succeeded",
            RunState::Failed { .. } => "failed",
            RunState::Aborted { .. } => "aborted",
            RunState::Interrupted => "interrupted",
        }
    }

    pub fn is_over(&self) -> bool {
        matches!(
            self,
            RunState::Succeeded
                | RunState::Failed { .. }
                | RunState::Aborted { .. }
                | RunState::Interrupted
        )
    }
}

/// What to do for a step, templates filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Run {
        argv: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: Option<String>,
        expect_exit: Codes,
    },
    Http(HttpStep),
    Wait,
    WaitForPromql {
        expr: String,
        interval: Secs,
    },
    WaitForHttp {
        url: String,
        interval: Secs,
    },
    WaitForResolved {
        filter: String,
        interval: Secs,
    },
    Inject(FaultSpec),
    Recover {
        fault_id: String,
    },
    Silence {
        matchers: String,
        duration: Secs,
        comment: String,
    },
    Notify {
        url: String,
        message: String,
        headers: BTreeMap<String, String>,
    },
}

impl Action {
    /// One line saying exactly what will run, for previews and the log.
    pub fn describe(&self) -> String {
        match self {
            Action::Run { argv, cwd, .. } => {
                let mut s = argv
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(c) = cwd {
                    s.push_str(&format!(" (in {c})"));
                }
                s
            }
            Action::Http(h) => {
                let mut s = format!("{} {}", h.method.to_ascii_uppercase(), h.url);
                if let Some(b) = &h.body {
                    s.push_str(&format!(" body {b:?}"));
                }
                s
            }
            Action::Wait => "wait".into(),
            Action::WaitForPromql { expr, .. } => format!("until PromQL {expr:?} is true"),
            Action::WaitForHttp { url, .. } => format!("until GET {url} answers 2xx"),
            Action::WaitForResolved { filter, .. } => {
                format!("until no alarm matching {filter:?} fires")
            }
            Action::Inject(s) => format!(
                "inject {} {} {} for {}s",
                s.provider, s.target, s.action, s.duration_secs
            ),
            Action::Recover { fault_id } => format!("recover fault {fault_id}"),
            Action::Silence {
                matchers, duration, ..
            } => format!("silence {matchers:?} for {duration}"),
            Action::Notify { url, message, .. } => format!("POST {url} {message:?}"),
        }
    }
}

/// What the machine asks of its driver (handed on at once, never stored).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Out {
    /// Run `action` for the step at `at`, bounded by `timeout`; answer with
    /// [`PlanRun::finished`] for the same `attempt`.
    Exec {
        at: At,
        attempt: u32,
        action: Action,
        timeout: Secs,
    },
    /// Stop the step at `at` now (its whole process group).
    Kill { at: At },
    /// A fact for the journal.
    Record(p::PlanEvent),
}

/// A step's run-time record.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    pub state: StepState,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// Bounded output (see [`OUTPUT_LIMIT`]).
    pub output: String,
    pub exit: Option<i32>,
    /// Who confirmed, ticked off or approved it.
    pub by: Option<String>,
    /// The fault an `inject` step started.
    pub fault_id: Option<String>,
}

impl StepRun {
    fn new() -> StepRun {
        StepRun {
            state: StepState::Pending,
            started: None,
            ended: None,
            output: String::new(),
            exit: None,
            by: None,
            fault_id: None,
        }
    }
}

/// Output kept per step, in the journal and on screen: the tail.
pub const OUTPUT_LIMIT: usize = 16 * 1024;

/// Keep the last `OUTPUT_LIMIT` bytes, cut at a character boundary.
pub fn bound_output(s: &str) -> String {
    if s.len() <= OUTPUT_LIMIT {
        return s.to_string();
    }
    let mut cut = s.len() - OUTPUT_LIMIT;
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    format!("[… {cut} bytes cut]\n{}", &s[cut..])
}

/// How a started run is configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    pub run_id: String,
    pub operator: String,
    /// The alarm it runs for.
    pub alarm: Option<String>,
    /// An operator is there to answer (the console); unattended runs
    /// (inspections, `--yes`) abort on failure instead of waiting.
    pub attended: bool,
    /// `--yes`: confirmations are taken as given (approvals never are).
    pub assume_yes: bool,
    pub params: BTreeMap<String, String>,
    pub ctx: Context,
    /// Only the rollback, of this interrupted run.
    pub rollback_of: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PlanRun {
    pub id: String,
    pub plan: Plan,
    pub operator: String,
    pub alarm: Option<String>,
    pub attended: bool,
    pub assume_yes: bool,
    pub ctx: Context,
    secrets: Vec<String>,
    pub state: RunState,
    pub steps: Vec<StepRun>,
    pub rollback: Vec<StepRun>,
    /// The step being worked on.
    pub cursor: Option<At>,
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    /// Why the rollback runs (the failure or abort), for the outcome.
    rollback_reason: Option<RunState>,
    pub rollback_of: Option<String>,
    /// Driven by `cocpit plan run`, not a console: the operator's console
    /// leaving does not interrupt it. Set before [`PlanRun::start`].
    pub headless: bool,
}

/// Why an operator's input was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl PlanRun {
    /// A new run; call [`PlanRun::start`] for its first outputs.
    pub fn new(plan: Plan, start: Start, now: DateTime<Utc>) -> PlanRun {
        let secrets = plan
            .params
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.name.clone())
            .collect();
        let mut ctx = start.ctx;
        ctx.params = start.params;
        ctx.run_id = start.run_id.clone();
        ctx.operator = start.operator.clone();
        let steps = plan.steps.iter().map(|_| StepRun::new()).collect();
        let rollback = plan.rollback.iter().map(|_| StepRun::new()).collect();
        let mut run = PlanRun {
            id: start.run_id,
            plan,
            operator: start.operator,
            alarm: start.alarm,
            attended: start.attended,
            assume_yes: start.assume_yes,
            ctx,
            secrets,
            state: RunState::Running,
            steps,
            rollback,
            cursor: None,
            started: now,
            ended: None,
            rollback_reason: None,
            rollback_of: start.rollback_of.clone(),
            headless: false,
        };
        if start.rollback_of.is_some() {
            for s in &mut run.steps {
                s.state = StepState::Skipped {
                    reason: "interrupted run: rollback only".into(),
                };
            }
            run.state = RunState::RollingBack;
            run.rollback_reason = Some(RunState::Aborted {
                reason: "rolled back after an interruption".into(),
            });
        }
        run
    }

    /// Parameters as they may be journaled: secrets left out.
    pub fn public_params(&self) -> BTreeMap<String, String> {
        self.ctx
            .params
            .iter()
            .filter(|(k, _)| !self.secrets.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    pub fn step(&self, at: At) -> Option<&Step> {
        match at.section {
            Section::Steps => self.plan.steps.get(at.index),
            Section::Rollback => self.plan.rollback.get(at.index),
        }
    }

    pub fn step_run(&self, at: At) -> Option<&StepRun> {
        match at.section {
            Section::Steps => self.steps.get(at.index),
            Section::Rollback => self.rollback.get(at.index),
        }
    }

    fn step_run_mut(&mut self, at: At) -> Option<&mut StepRun> {
        match at.section {
            Section::Steps => self.steps.get_mut(at.index),
            Section::Rollback => self.rollback.get_mut(at.index),
        }
    }

    /// The first outputs: `plan.run_started`, then the first step.
    pub fn start(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        // A secret's default is a secret too: never journaled.
        let mut plan = self.plan.clone();
        for prm in plan.params.iter_mut().filter(|p| p.secret) {
            if prm.default.is_some() {
                prm.default = Some(template::MASK.into());
            }
        }
        let mut out = vec![Out::Record(p::PlanEvent::RunStarted(p::RunStarted {
            run: self.id.clone(),
            plan,
            operator: self.operator.clone(),
            alarm: self.alarm.clone(),
            params: self.public_params(),
            attended: self.attended,
            rollback_only: self.rollback_of.is_some(),
            rollback_of: self.rollback_of.clone(),
            headless: self.headless,
        }))];
        self.advance(now, &mut out);
        out
    }

    /// What every step would do, templates filled with secrets masked, for
    /// the dry-run preview: `(section, name, type, what or why not)`.
    pub fn preview(&self) -> Vec<(Section, String, StepType, Result<String, String>)> {
        let mut masked = self.ctx.clone();
        for s in &self.secrets {
            if masked.params.contains_key(s) {
                masked.params.insert(s.clone(), template::MASK.into());
            }
        }
        let mut out = Vec::new();
        for (section, steps) in [
            (Section::Steps, &self.plan.steps),
            (Section::Rollback, &self.plan.rollback),
        ] {
            for s in steps {
                let text = |t: Option<&str>| {
                    let raw = t.unwrap_or("");
                    template::render(raw, &masked).unwrap_or_else(|_| raw.to_string())
                };
                let what = match s.step_type() {
                    StepType::Manual => {
                        Ok(format!("operator checks: {}", text(s.manual.as_deref())))
                    }
                    StepType::Approve => Ok(format!(
                        "a second operator approves: {}",
                        text(s.approve.as_deref())
                    )),
                    StepType::Wait => Ok(format!(
                        "wait {}",
                        s.wait.map(|w| w.to_string()).unwrap_or_default()
                    )),
                    StepType::Recover => Ok(format!(
                        "recover the fault of step {:?}",
                        s.recover.as_deref().unwrap_or("")
                    )),
                    _ => action_for(s, &masked, &BTreeMap::new()).map(|a| a.describe()),
                };
                let what = what.map(|w| {
                    if s.confirm {
                        format!("{w}  [asks to confirm]")
                    } else {
                        w
                    }
                });
                out.push((section, s.name.clone(), s.step_type(), what));
            }
        }
        out
    }

    /// Faults injected by this run's steps, by step name.
    fn faults_by_step(&self) -> BTreeMap<String, String> {
        self.plan
            .steps
            .iter()
            .zip(&self.steps)
            .chain(self.plan.rollback.iter().zip(&self.rollback))
            .filter_map(|(s, r)| r.fault_id.clone().map(|f| (s.name.clone(), f)))
            .collect()
    }

    /// Move on from wherever the run is: start the next pending step, or
    /// finish. Stops at anything that waits.
    fn advance(&mut self, now: DateTime<Utc>, out: &mut Vec<Out>) {
        loop {
            if self.state.is_over() || self.state == RunState::Stopped {
                return;
            }
            let section = if self.state == RunState::RollingBack {
                Section::Rollback
            } else {
                Section::Steps
            };
            let runs = match section {
                Section::Steps => &self.steps,
                Section::Rollback => &self.rollback,
            };
            let Some(index) = runs.iter().position(|r| !r.state.is_done()) else {
                self.finish_section(section, now, out);
                continue;
            };
            let at = At { section, index };
            self.cursor = Some(at);
            let state = runs[index].state.clone();
            match state {
                StepState::Pending => self.begin(at, now, out),
                // Waiting for something outside: done for now.
                _ => return,
            }
            if !self.step_run(at).is_some_and(|r| r.state.is_done()) {
                return;
            }
        }
    }

    fn finish_section(&mut self, section: Section, now: DateTime<Utc>, out: &mut Vec<Out>) {
        let state = match section {
            Section::Steps => {
                let failed: Vec<_> = self
                    .plan
                    .steps
                    .iter()
                    .zip(&self.steps)
                    .filter(|(_, r)| matches!(r.state, StepState::Failed { .. }))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                if failed.is_empty() {
                    RunState::Succeeded
                } else {
                    // Only `on_failure: continue` failures get here.
                    RunState::Failed {
                        reason: format!("failed steps (continued past): {}", failed.join(", ")),
                    }
                }
            }
            Section::Rollback => self.rollback_reason.clone().unwrap_or(RunState::Aborted {
                reason: "rolled back".into(),
            }),
        };
        self.end(state, now, out);
    }

    fn end(&mut self, state: RunState, now: DateTime<Utc>, out: &mut Vec<Out>) {
        self.state = state.clone();
        self.ended = Some(now);
        self.cursor = None;
        out.push(Out::Record(p::PlanEvent::RunFinished(p::RunFinished {
            run: self.id.clone(),
            outcome: state,
        })));
    }

    /// Start the step at `at`: ask first, wait for someone, or run it.
    fn begin(&mut self, at: At, now: DateTime<Utc>, out: &mut Vec<Out>) {
        let Some(step) = self.step(at).cloned() else {
            return;
        };
        let confirmed = self.step_run(at).is_some_and(|r| r.by.is_some());
        let state = if step.confirm && !confirmed && !self.assume_yes {
            StepState::WaitingConfirm
        } else {
            match step.step_type() {
                StepType::Manual if self.assume_yes => {
                    self.complete(at, now, Ok(String::new()), None, Some("--yes".into()), out);
                    return;
                }
                StepType::Manual => StepState::WaitingOperator,
                StepType::Approve => StepState::WaitingApproval,
                _ => {
                    self.exec(at, 1, now, out);
                    return;
                }
            }
        };
        if let Some(r) = self.step_run_mut(at) {
            r.state = state.clone();
        }
        out.push(Out::Record(p::PlanEvent::StepWaiting(p::StepWaiting {
            run: self.id.clone(),
            at,
            name: step.name.clone(),
            waiting: state,
            text: {
                let raw = step
                    .manual
                    .clone()
                    .or(step.approve.clone())
                    .unwrap_or_default();
                template::render_masked(&raw, &self.ctx, &self.secrets).unwrap_or(raw)
            },
        })));
    }

    fn exec(&mut self, at: At, attempt: u32, now: DateTime<Utc>, out: &mut Vec<Out>) {
        let Some(step) = self.step(at).cloned() else {
            return;
        };
        let faults = self.faults_by_step();
        let action = match step.step_type() {
            StepType::Wait => Ok(Action::Wait),
            _ => action_for(&step, &self.ctx, &faults),
        };
        let masked = match step.step_type() {
            StepType::Wait => Ok(format!("wait {}", step.wait.unwrap_or(Secs(1)))),
            _ => self.masked_action(&step, &faults).map(|a| a.describe()),
        };
        let timeout = match step.step_type() {
            StepType::Wait => step.wait.unwrap_or(Secs(1)),
            _ => step.timeout(),
        };
        if let Some(r) = self.step_run_mut(at) {
            r.state = StepState::Running { attempt };
            if attempt == 1 {
                r.started = Some(now);
            }
        }
        out.push(Out::Record(p::PlanEvent::StepStarted(p::StepStarted {
            run: self.id.clone(),
            at,
            name: step.name.clone(),
            attempt,
            what: masked.clone().unwrap_or_else(|e| e),
        })));
        match action {
            Ok(action) => out.push(Out::Exec {
                at,
                attempt,
                action,
                timeout,
            }),
            // A template that cannot be filled fails the step, not the console.
            Err(e) => self.failed_attempt(at, attempt, now, e, None, String::new(), out),
        }
    }

    fn masked_action(
        &self,
        step: &Step,
        faults: &BTreeMap<String, String>,
    ) -> Result<Action, String> {
        let mut masked = self.ctx.clone();
        for s in &self.secrets {
            if masked.params.contains_key(s) {
                masked.params.insert(s.clone(), template::MASK.into());
            }
        }
        action_for(step, &masked, faults)
    }

    /// The driver's answer for an [`Out::Exec`]. Stale answers (an attempt
    /// that was killed or skipped) are ignored.
    pub fn finished(
        &mut self,
        at: At,
        attempt: u32,
        result: Outcome,
        now: DateTime<Utc>,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        let current = matches!(self.step_run(at).map(|r| &r.state), Some(StepState::Running { attempt: a }) if *a == attempt);
        if !current {
            return out;
        }
        let output = self.redact(&result.output);
        if let Some(r) = self.step_run_mut(at) {
            r.exit = result.exit;
            if result.fault_id.is_some() {
                r.fault_id = result.fault_id.clone();
            }
        }
        if result.ok {
            if let Some(r) = self.step_run_mut(at) {
                r.output = bound_output(&output);
            }
            self.complete(at, now, Ok(output), result.exit, None, &mut out);
        } else {
            let reason = self.redact(&result.detail);
            self.failed_attempt(at, attempt, now, reason, result.exit, output, &mut out);
        }
        self.advance(now, &mut out);
        out
    }

    /// Secret values never leave the run: not in output, not in reasons.
    fn redact(&self, s: &str) -> String {
        let mut s = s.to_string();
        for name in &self.secrets {
            if let Some(v) = self.ctx.params.get(name)
                && !v.is_empty()
            {
                s = s.replace(v.as_str(), template::MASK);
            }
        }
        s
    }

    fn complete(
        &mut self,
        at: At,
        now: DateTime<Utc>,
        result: Result<String, String>,
        exit: Option<i32>,
        by: Option<String>,
        out: &mut Vec<Out>,
    ) {
        let name = self.step(at).map(|s| s.name.clone()).unwrap_or_default();
        let (state, outcome) = match &result {
            Ok(_) => (StepState::Ok, "ok".to_string()),
            Err(reason) => (
                StepState::Failed {
                    reason: reason.clone(),
                },
                "failed".to_string(),
            ),
        };
        let fault_id = self.step_run(at).and_then(|r| r.fault_id.clone());
        let output = self
            .step_run(at)
            .map(|r| r.output.clone())
            .unwrap_or_default();
        if let Some(r) = self.step_run_mut(at) {
            r.state = state;
            r.ended = Some(now);
            if r.started.is_none() {
                r.started = Some(now);
            }
            if by.is_some() {
                r.by = by.clone();
            }
        }
        out.push(Out::Record(p::PlanEvent::StepFinished(p::StepFinished {
            run: self.id.clone(),
            at,
            name,
            outcome,
            reason: result.err(),
            exit,
            output,
            by,
            fault_id,
        })));
    }

    #[allow(clippy::too_many_arguments)]
    fn failed_attempt(
        &mut self,
        at: At,
        attempt: u32,
        now: DateTime<Utc>,
        reason: String,
        exit: Option<i32>,
        output: String,
        out: &mut Vec<Out>,
    ) {
        let Some(step) = self.step(at).cloned() else {
            return;
        };
        if let Some(r) = self.step_run_mut(at) {
            r.output = bound_output(&output);
        }
        let retries = step.retry.map_or(0, |r| r.count);
        if attempt <= retries {
            let delay = step.retry.map_or(1, |r| r.delay.0);
            let until = now + Duration::seconds(delay as i64);
            if let Some(r) = self.step_run_mut(at) {
                r.state = StepState::RetryWait {
                    attempt: attempt + 1,
                    until,
                };
            }
            out.push(Out::Record(p::PlanEvent::StepRetrying(p::StepRetrying {
                run: self.id.clone(),
                at,
                name: step.name.clone(),
                attempt: attempt + 1,
                reason,
                until,
            })));
            return;
        }
        self.complete(at, now, Err(reason.clone()), exit, None, out);
        if at.section == Section::Rollback || step.on_failure == OnFailure::Continue {
            // Rollback steps are best effort; `continue` goes on.
            return;
        }
        if self.attended {
            self.state = RunState::Stopped;
            out.push(Out::Record(p::PlanEvent::RunStopped(p::RunStopped {
                run: self.id.clone(),
                at,
                reason,
            })));
        } else {
            self.roll_back(
                RunState::Failed {
                    reason: format!("step {:?} failed: {reason}", step.name),
                },
                now,
                out,
            );
        }
    }

    /// Every unfinished step of `section` is skipped, a running one killed.
    fn stop_section(&mut self, section: Section, reason: &str, out: &mut Vec<Out>) {
        let runs = match section {
            Section::Steps => &mut self.steps,
            Section::Rollback => &mut self.rollback,
        };
        for (index, r) in runs.iter_mut().enumerate() {
            if r.state.is_done() {
                continue;
            }
            if matches!(r.state, StepState::Running { .. }) {
                out.push(Out::Kill {
                    at: At { section, index },
                });
            }
            r.state = StepState::Skipped {
                reason: reason.to_string(),
            };
        }
    }

    /// Stop the main steps and run the rollback; the run ends as `why`.
    fn roll_back(&mut self, why: RunState, now: DateTime<Utc>, out: &mut Vec<Out>) {
        self.stop_section(Section::Steps, "not run: the run stopped", out);
        self.rollback_reason = Some(why.clone());
        if self.plan.rollback.is_empty() {
            self.end(why, now, out);
            return;
        }
        self.state = RunState::RollingBack;
        out.push(Out::Record(p::PlanEvent::RollbackStarted(
            p::RollbackStarted {
                run: self.id.clone(),
                reason: match &why {
                    RunState::Failed { reason } | RunState::Aborted { reason } => reason.clone(),
                    other => other.label().into(),
                },
            },
        )));
        self.advance(now, out);
    }

    /// The clock: retries whose delay is over run again.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        for section in [Section::Steps, Section::Rollback] {
            let n = match section {
                Section::Steps => self.steps.len(),
                Section::Rollback => self.rollback.len(),
            };
            for index in 0..n {
                let at = At { section, index };
                if let Some(StepState::RetryWait { attempt, until }) =
                    self.step_run(at).map(|r| r.state.clone())
                    && until <= now
                {
                    self.exec(at, attempt, now, &mut out);
                }
            }
        }
        self.advance(now, &mut out);
        out
    }

    /// The next moment the run needs [`PlanRun::tick`].
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.steps
            .iter()
            .chain(&self.rollback)
            .filter_map(|r| match r.state {
                StepState::RetryWait { until, .. } => Some(until),
                _ => None,
            })
            .min()
    }

    /// The runner says go for a `confirm: true` step, or an operator ticks
    /// off a `manual` one.
    pub fn confirm(&mut self, by: &str, now: DateTime<Utc>) -> Result<Vec<Out>, Refused> {
        let at = self
            .cursor
            .ok_or_else(|| Refused("nothing to confirm".into()))?;
        let state = self.step_run(at).map(|r| r.state.clone());
        let mut out = Vec::new();
        match state {
            Some(StepState::WaitingConfirm) => {
                if by != self.operator {
                    return Err(Refused(format!(
                        "only {} (who runs it) confirms its steps",
                        self.operator
                    )));
                }
                if let Some(r) = self.step_run_mut(at) {
                    r.by = Some(by.to_string());
                    r.state = StepState::Pending;
                }
                out.push(self.decision(at, p::Decision::Confirmed, by));
                self.begin(at, now, &mut out);
            }
            Some(StepState::WaitingOperator) => {
                out.push(self.decision(at, p::Decision::Checked, by));
                self.complete(
                    at,
                    now,
                    Ok(String::new()),
                    None,
                    Some(by.to_string()),
                    &mut out,
                );
            }
            Some(StepState::WaitingApproval) => {
                return Err(Refused(
                    "this step needs an approval from a second operator (a)".into(),
                ));
            }
            _ => {
                return Err(Refused(
                    "the current step is not waiting for a confirmation".into(),
                ));
            }
        }
        self.advance(now, &mut out);
        Ok(out)
    }

    /// A second operator approves the `approve` step the run waits at. The
    /// runner cannot approve their own run: that is the two-person rule.
    pub fn approve(&mut self, at: At, by: &str, now: DateTime<Utc>) -> Result<Vec<Out>, Refused> {
        if by == self.operator {
            return Err(Refused(format!(
                "{by} runs this plan and cannot approve it: a second operator approves from their console"
            )));
        }
        if !matches!(
            self.step_run(at).map(|r| &r.state),
            Some(StepState::WaitingApproval)
        ) {
            return Err(Refused("that step is not waiting for an approval".into()));
        }
        let mut out = Vec::new();
        self.complete(
            at,
            now,
            Ok(String::new()),
            None,
            Some(by.to_string()),
            &mut out,
        );
        self.advance(now, &mut out);
        Ok(out)
    }

    /// An approval as read from the journal (`plan.decided`, approved), or
    /// a denial: a denied approval fails its step.
    pub fn deny(&mut self, at: At, by: &str, now: DateTime<Utc>) -> Result<Vec<Out>, Refused> {
        if !matches!(
            self.step_run(at).map(|r| &r.state),
            Some(StepState::WaitingApproval)
        ) {
            return Err(Refused("that step is not waiting for an approval".into()));
        }
        let mut out = Vec::new();
        let attempt = 1;
        if let Some(r) = self.step_run_mut(at) {
            r.state = StepState::Running { attempt };
        }
        self.failed_attempt(
            at,
            attempt,
            now,
            format!("denied by {by}"),
            None,
            String::new(),
            &mut out,
        );
        self.advance(now, &mut out);
        Ok(out)
    }

    /// Skip the current step (waiting, running or failed) and go on.
    pub fn skip(&mut self, by: &str, now: DateTime<Utc>) -> Result<Vec<Out>, Refused> {
        let at = self
            .current_or_failed()
            .ok_or_else(|| Refused("nothing to skip".into()))?;
        let name = self.step(at).map(|s| s.name.clone()).unwrap_or_default();
        if self
            .step(at)
            .is_some_and(|s| s.step_type() == StepType::Approve)
        {
            return Err(Refused(
                "an approval cannot be skipped: abort the run instead".into(),
            ));
        }
        let mut out = Vec::new();
        if matches!(
            self.step_run(at).map(|r| &r.state),
            Some(StepState::Running { .. })
        ) {
            out.push(Out::Kill { at });
        }
        let reason = format!("skipped by {by}");
        if let Some(r) = self.step_run_mut(at) {
            r.state = StepState::Skipped {
                reason: reason.clone(),
            };
            r.ended = Some(now);
        }
        out.push(self.decision(at, p::Decision::Skipped, by));
        out.push(Out::Record(p::PlanEvent::StepFinished(p::StepFinished {
            run: self.id.clone(),
            at,
            name,
            outcome: "skipped".into(),
            reason: Some(reason),
            exit: None,
            output: String::new(),
            by: Some(by.to_string()),
            fault_id: None,
        })));
        if self.state == RunState::Stopped {
            self.state = RunState::Running;
        }
        self.advance(now, &mut out);
        Ok(out)
    }

    /// Run a failed step again (the run had stopped on it).
    pub fn retry(&mut self, by: &str, now: DateTime<Utc>) -> Result<Vec<Out>, Refused> {
        if self.state != RunState::Stopped {
            return Err(Refused(
                "retry is for a step that failed and stopped the run".into(),
            ));
        }
        let at = self
            .current_or_failed()
            .ok_or_else(|| Refused("nothing to retry".into()))?;
        let mut out = vec![self.decision(at, p::Decision::Retried, by)];
        self.state = RunState::Running;
        if let Some(r) = self.step_run_mut(at) {
            r.ended = None;
        }
        self.exec(at, 1, now, &mut out);
        self.advance(now, &mut out);
        Ok(out)
    }

    /// Stop the run and run its rollback.
    pub fn abort(&mut self, by: &str, now: DateTime<Utc>) -> Result<Vec<Out>, Refused> {
        if self.state.is_over() {
            return Err(Refused("the run is over".into()));
        }
        let mut out = Vec::new();
        if self.state == RunState::RollingBack {
            // Abort during the rollback: stop it where it is.
            self.stop_section(
                Section::Rollback,
                &format!("rollback aborted by {by}"),
                &mut out,
            );
            let reason = format!("aborted by {by} during the rollback");
            self.end(RunState::Aborted { reason }, now, &mut out);
            return Ok(out);
        }
        if let Some(at) = self.cursor {
            out.push(self.decision(at, p::Decision::Aborted, by));
        }
        let why = match self.state {
            RunState::Stopped => RunState::Failed {
                reason: format!("stopped on a failed step; aborted by {by}"),
            },
            _ => RunState::Aborted {
                reason: format!("aborted by {by}"),
            },
        };
        self.state = RunState::Running;
        self.roll_back(why, now, &mut out);
        Ok(out)
    }

    fn current_or_failed(&self) -> Option<At> {
        self.cursor
    }

    fn decision(&self, at: At, decision: p::Decision, by: &str) -> Out {
        Out::Record(p::PlanEvent::Decided(p::Decided {
            run: self.id.clone(),
            at,
            name: self.step(at).map(|s| s.name.clone()).unwrap_or_default(),
            decision,
            by: by.to_string(),
        }))
    }
}

/// The action for a step, templates filled from `ctx`; `faults` names the
/// faults earlier `inject` steps started.
pub fn action_for(
    step: &Step,
    ctx: &Context,
    faults: &BTreeMap<String, String>,
) -> Result<Action, String> {
    let r = |s: &str| template::render(s, ctx);
    let map = |m: &BTreeMap<String, String>| -> Result<BTreeMap<String, String>, String> {
        m.iter().map(|(k, v)| Ok((k.clone(), r(v)?))).collect()
    };
    if let Some(argv) = &step.run {
        return Ok(Action::Run {
            argv: argv.iter().map(|a| r(a)).collect::<Result<_, _>>()?,
            env: map(&step.env)?,
            cwd: step.cwd.as_deref().map(r).transpose()?,
            expect_exit: step.expect_exit.clone().unwrap_or(Codes::One(0)),
        });
    }
    if let Some(h) = &step.http {
        return Ok(Action::Http(HttpStep {
            method: h.method.to_ascii_uppercase(),
            url: r(&h.url)?,
            headers: map(&h.headers)?,
            body: h.body.as_deref().map(r).transpose()?,
            expect_status: h.expect_status.clone(),
            json: h.json.clone(),
        }));
    }
    if let Some(w) = &step.wait_for {
        if let Some(e) = &w.promql {
            return Ok(Action::WaitForPromql {
                expr: r(e)?,
                interval: w.interval,
            });
        }
        if let Some(u) = &w.http {
            return Ok(Action::WaitForHttp {
                url: r(u)?,
                interval: w.interval,
            });
        }
        if let Some(f) = &w.alarm_resolved {
            return Ok(Action::WaitForResolved {
                filter: r(f)?,
                interval: w.interval,
            });
        }
    }
    if let Some(i) = &step.inject {
        return Ok(Action::Inject(FaultSpec {
            provider: i.provider.clone(),
            target: r(&i.target)?,
            action: i.action.clone(),
            params: map(&i.params)?,
            duration_secs: i.duration.0,
            guard: i.guard.as_deref().map(r).transpose()?,
            probe: i.probe.as_deref().map(r).transpose()?,
        }));
    }
    if let Some(name) = &step.recover {
        let fault_id = faults
            .get(name)
            .cloned()
            .ok_or_else(|| format!("step {name:?} injected no fault in this run"))?;
        return Ok(Action::Recover { fault_id });
    }
    if let Some(s) = &step.silence {
        return Ok(Action::Silence {
            matchers: r(&s.matchers)?,
            duration: s.duration,
            comment: r(&s.comment)?,
        });
    }
    if let Some(n) = &step.notify {
        return Ok(Action::Notify {
            url: r(&n.url)?,
            message: r(&n.message)?,
            headers: map(&n.headers)?,
        });
    }
    if step.wait.is_some() {
        return Ok(Action::Wait);
    }
    Err(format!("step {:?} has nothing to run", step.name))
}
