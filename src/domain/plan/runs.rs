//! Every plan run and change on the journal, as every console sees them:
//! built from the `plan.*` / `change.*` rows alone, so a run started on
//! one console is shown live on all of them, and one whose console died
//! (`operator.left` before `plan.run_finished`) is shown interrupted.

use super::Plan;
use super::payloads as p;
use super::run::{At, RunState, Section, StepState};
use crate::domain::{Event, EventKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepView {
    pub state: StepState,
    pub attempt: u32,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// What ran, secrets masked.
    pub what: String,
    pub exit: Option<i32>,
    pub output: String,
    pub by: Option<String>,
    pub reason: Option<String>,
    pub fault_id: Option<String>,
}

impl StepView {
    fn new() -> StepView {
        StepView {
            state: StepState::Pending,
            attempt: 0,
            started: None,
            ended: None,
            what: String::new(),
            exit: None,
            output: String::new(),
            by: None,
            reason: None,
            fault_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub id: String,
    /// The journal row that started it.
    pub event_id: i64,
    pub plan: Plan,
    pub operator: String,
    pub alarm: Option<String>,
    pub params: BTreeMap<String, String>,
    pub attended: bool,
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    pub state: RunState,
    pub steps: Vec<StepView>,
    pub rollback: Vec<StepView>,
    pub cursor: Option<At>,
    pub change: Option<String>,
    /// Set when this was the rollback of an interrupted run.
    pub rollback_only: bool,
    /// The rollback of this interrupted run was started (by a later run).
    pub rolled_back_by: Option<String>,
    /// Run by `cocpit plan run`: a console of the same operator leaving
    /// does not interrupt it.
    #[serde(default)]
    pub headless: bool,
}

impl RunView {
    pub fn step(&self, at: At) -> Option<&StepView> {
        match at.section {
            Section::Steps => self.steps.get(at.index),
            Section::Rollback => self.rollback.get(at.index),
        }
    }

    fn step_mut(&mut self, at: At) -> Option<&mut StepView> {
        match at.section {
            Section::Steps => self.steps.get_mut(at.index),
            Section::Rollback => self.rollback.get_mut(at.index),
        }
    }

    /// The `approve` step this run waits at, if any.
    pub fn waiting_approval(&self) -> Option<At> {
        let at = self.cursor?;
        matches!(self.step(at)?.state, StepState::WaitingApproval).then_some(at)
    }

    pub fn is_over(&self) -> bool {
        self.state.is_over()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: String,
    pub run: String,
    pub plan: String,
    pub title: String,
    pub operator: String,
    pub opened: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub silences: Vec<String>,
    pub closed: Option<(DateTime<Utc>, String)>,
}

impl ChangeView {
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.closed.is_none() && now < self.until
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Runs {
    /// By run id.
    pub runs: BTreeMap<String, RunView>,
    pub changes: BTreeMap<String, ChangeView>,
    /// The last row applied: rows seen again (a replay overlap) are skipped.
    #[serde(default)]
    pub last_event_id: i64,
}

fn parse<T: serde::de::DeserializeOwned>(ev: &Event) -> Option<T> {
    serde_json::from_value(ev.payload.clone()).ok()
}

impl Runs {
    pub fn get(&self, id: &str) -> Option<&RunView> {
        self.runs.get(id)
    }

    /// Newest first.
    pub fn newest_first(&self) -> Vec<&RunView> {
        let mut v: Vec<_> = self.runs.values().collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.event_id));
        v
    }

    /// Runs still going.
    pub fn active(&self) -> impl Iterator<Item = &RunView> {
        self.runs.values().filter(|r| !r.is_over())
    }

    /// When a plan last started a run.
    pub fn last_run_of(&self, plan: &str) -> Option<DateTime<Utc>> {
        self.runs
            .values()
            .filter(|r| r.plan.id == plan)
            .map(|r| r.started)
            .max()
    }

    /// Changes in force at `now`.
    pub fn open_changes(&self, now: DateTime<Utc>) -> impl Iterator<Item = &ChangeView> {
        self.changes.values().filter(move |c| c.is_open(now))
    }

    /// The open change whose silences match this alarm, for "during change".
    pub fn change_for(
        &self,
        alarm: &crate::domain::Alarm,
        now: DateTime<Utc>,
    ) -> Option<&ChangeView> {
        self.open_changes(now).find(|c| {
            c.silences.iter().any(|f| {
                crate::domain::filter::Filter::parse(f)
                    .ok()
                    .is_some_and(|f| !f.is_empty() && f.matches(alarm))
            })
        })
    }

    pub fn apply(&mut self, ev: &Event) {
        if ev.id != 0 && ev.id <= self.last_event_id {
            return;
        }
        self.last_event_id = self.last_event_id.max(ev.id);
        let Some(kind) = ev.kind() else {
            return;
        };
        match kind {
            EventKind::PlanRunStarted => {
                let Some(s) = parse::<p::RunStarted>(ev) else {
                    return;
                };
                let steps = s.plan.steps.iter().map(|_| StepView::new()).collect();
                let rollback = s.plan.rollback.iter().map(|_| StepView::new()).collect();
                let mut view = RunView {
                    id: s.run.clone(),
                    event_id: ev.id,
                    plan: s.plan,
                    operator: s.operator,
                    alarm: s.alarm,
                    params: s.params,
                    attended: s.attended,
                    started: ev.ts,
                    ended: None,
                    state: if s.rollback_only {
                        RunState::RollingBack
                    } else {
                        RunState::Running
                    },
                    steps,
                    rollback,
                    cursor: None,
                    change: None,
                    rollback_only: s.rollback_only,
                    rolled_back_by: None,
                    headless: s.headless,
                };
                if s.rollback_only {
                    for st in &mut view.steps {
                        st.state = StepState::Skipped {
                            reason: "rollback only".into(),
                        };
                    }
                }
                if let Some(of) = &s.rollback_of {
                    self.note_rollback(of, &s.run);
                }
                self.runs.insert(s.run, view);
            }
            EventKind::PlanStepStarted => {
                let Some(s) = parse::<p::StepStarted>(ev) else {
                    return;
                };
                if let Some(r) = self.runs.get_mut(&s.run) {
                    r.cursor = Some(s.at);
                    if s.at.section == Section::Rollback && r.state == RunState::Running {
                        r.state = RunState::RollingBack;
                    }
                    if let Some(st) = r.step_mut(s.at) {
                        st.state = StepState::Running { attempt: s.attempt };
                        st.attempt = s.attempt;
                        st.started.get_or_insert(ev.ts);
                        st.what = s.what;
                        st.ended = None;
                    }
                }
            }
            EventKind::PlanStepWaiting => {
                let Some(s) = parse::<p::StepWaiting>(ev) else {
                    return;
                };
                if let Some(r) = self.runs.get_mut(&s.run) {
                    r.cursor = Some(s.at);
                    if let Some(st) = r.step_mut(s.at) {
                        st.state = s.waiting;
                        st.started.get_or_insert(ev.ts);
                        if !s.text.is_empty() {
                            st.what = s.text;
                        }
                    }
                }
            }
            EventKind::PlanStepRetrying => {
                let Some(s) = parse::<p::StepRetrying>(ev) else {
                    return;
                };
                if let Some(st) = self.runs.get_mut(&s.run).and_then(|r| r.step_mut(s.at)) {
                    st.state = StepState::RetryWait {
                        attempt: s.attempt,
                        until: s.until,
                    };
                    st.reason = Some(s.reason);
                }
            }
            EventKind::PlanStepFinished => {
                let Some(s) = parse::<p::StepFinished>(ev) else {
                    return;
                };
                if let Some(r) = self.runs.get_mut(&s.run) {
                    if r.state == RunState::Stopped {
                        r.state = RunState::Running;
                    }
                    if let Some(st) = r.step_mut(s.at) {
                        let reason = s.reason.clone().unwrap_or_default();
                        st.state = match s.outcome.as_str() {
                            "ok" => StepState::Ok,
                            "skipped" => StepState::Skipped { reason },
                            _ => StepState::Failed { reason },
                        };
                        st.started.get_or_insert(ev.ts);
                        st.ended = Some(ev.ts);
                        st.exit = s.exit;
                        st.output = s.output;
                        st.by = s.by;
                        st.reason = s.reason;
                        if s.fault_id.is_some() {
                            st.fault_id = s.fault_id;
                        }
                    }
                }
            }
            EventKind::PlanDecided => {
                let Some(s) = parse::<p::Decided>(ev) else {
                    return;
                };
                if let Some(st) = self.runs.get_mut(&s.run).and_then(|r| r.step_mut(s.at))
                    && matches!(s.decision, p::Decision::Confirmed)
                {
                    st.by = Some(s.by);
                }
            }
            EventKind::PlanRunStopped => {
                if let Some(s) = parse::<p::RunStopped>(ev)
                    && let Some(r) = self.runs.get_mut(&s.run)
                {
                    r.state = RunState::Stopped;
                    r.cursor = Some(s.at);
                }
            }
            EventKind::PlanRollbackStarted => {
                if let Some(s) = parse::<p::RollbackStarted>(ev)
                    && let Some(r) = self.runs.get_mut(&s.run)
                {
                    r.state = RunState::RollingBack;
                    for st in &mut r.steps {
                        if !st.state.is_done() {
                            st.state = StepState::Skipped {
                                reason: "not run: the run stopped".into(),
                            };
                        }
                    }
                }
            }
            EventKind::PlanRunFinished => {
                if let Some(s) = parse::<p::RunFinished>(ev)
                    && let Some(r) = self.runs.get_mut(&s.run)
                {
                    r.state = s.outcome;
                    r.ended = Some(ev.ts);
                    r.cursor = None;
                }
            }
            EventKind::PlanInterrupted => {
                if let Some(s) = parse::<p::Interrupted>(ev) {
                    self.interrupt(&s.run, ev.ts);
                }
            }
            EventKind::ChangeOpened => {
                if let Some(c) = parse::<p::ChangeOpened>(ev) {
                    if let Some(r) = self.runs.get_mut(&c.run) {
                        r.change = Some(c.change.clone());
                    }
                    self.changes.insert(
                        c.change.clone(),
                        ChangeView {
                            id: c.change,
                            run: c.run,
                            plan: c.plan,
                            title: c.title,
                            operator: c.operator,
                            opened: ev.ts,
                            until: c.until,
                            silences: c.silences,
                            closed: None,
                        },
                    );
                }
            }
            EventKind::ChangeClosed => {
                if let Some(c) = parse::<p::ChangeClosed>(ev)
                    && let Some(v) = self.changes.get_mut(&c.change)
                {
                    v.closed = Some((ev.ts, c.outcome));
                }
            }
            EventKind::OperatorLeft => {
                // Its console is gone: whatever it was running stopped.
                let gone: Vec<String> = self
                    .runs
                    .values()
                    .filter(|r| !r.is_over() && !r.headless && r.operator == ev.subject)
                    .map(|r| r.id.clone())
                    .collect();
                for id in gone {
                    self.interrupt(&id, ev.ts);
                }
            }
            _ => {}
        }
    }

    fn interrupt(&mut self, run: &str, ts: DateTime<Utc>) {
        if let Some(r) = self.runs.get_mut(run)
            && !r.is_over()
        {
            r.state = RunState::Interrupted;
            r.ended = Some(ts);
            for st in r.steps.iter_mut().chain(r.rollback.iter_mut()) {
                if matches!(st.state, StepState::Running { .. }) {
                    st.state = StepState::Failed {
                        reason: "interrupted".into(),
                    };
                }
            }
        }
    }

    /// Mark that `rollback_run` rolls back the interrupted run `of`.
    pub fn note_rollback(&mut self, of: &str, rollback_run: &str) {
        if let Some(r) = self.runs.get_mut(of) {
            r.rolled_back_by = Some(rollback_run.to_string());
        }
    }
}
