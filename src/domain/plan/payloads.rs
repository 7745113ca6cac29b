//! The `plan.*` and `change.*` journal events: what a run records as it
//! goes (documented in `docs/JOURNAL.md`), and the driver's answer for a
//! step ([`Outcome`]).

use super::Plan;
use super::run::{At, RunState, StepState};
use crate::domain::EventKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an executed step went, from the driver.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub ok: bool,
    /// Why it failed (timeout, exit code, status, assertion).
    pub detail: String,
    pub exit: Option<i32>,
    pub output: String,
    /// An `inject` step's fault.
    pub fault_id: Option<String>,
}

impl Outcome {
    pub fn ok(output: impl Into<String>) -> Outcome {
        Outcome {
            ok: true,
            output: output.into(),
            ..Outcome::default()
        }
    }

    pub fn failed(detail: impl Into<String>) -> Outcome {
        Outcome {
            ok: false,
            detail: detail.into(),
            ..Outcome::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The runner said go for a `confirm: true` step.
    Confirmed,
    /// An operator ticked off a `manual` step.
    Checked,
    /// A second operator approved an `approve` step.
    Approved,
    /// … or refused it (the step fails).
    Denied,
    Skipped,
    Retried,
    Aborted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStarted {
    pub run: String,
    /// The plan as it was when the run started (later edits do not change
    /// what a run did, and an interrupted run can still be rolled back).
    pub plan: Plan,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<String>,
    /// Parameter values, secrets left out.
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub attended: bool,
    #[serde(default)]
    pub rollback_only: bool,
    /// The interrupted run this one rolls back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    /// Run by `cocpit plan run` rather than a console.
    #[serde(default)]
    pub headless: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepStarted {
    pub run: String,
    pub at: At,
    pub name: String,
    pub attempt: u32,
    /// What runs, secrets masked.
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepWaiting {
    pub run: String,
    pub at: At,
    pub name: String,
    pub waiting: StepState,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRetrying {
    pub run: String,
    pub at: At,
    pub name: String,
    pub attempt: u32,
    pub reason: String,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepFinished {
    pub run: String,
    pub at: At,
    pub name: String,
    /// `ok`, `failed` or `skipped`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// Bounded (the tail), secrets masked.
    #[serde(default)]
    pub output: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decided {
    pub run: String,
    pub at: At,
    pub name: String,
    pub decision: Decision,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStopped {
    pub run: String,
    pub at: At,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackStarted {
    pub run: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFinished {
    pub run: String,
    pub outcome: RunState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interrupted {
    pub run: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeOpened {
    pub change: String,
    pub run: String,
    pub plan: String,
    pub title: String,
    pub operator: String,
    pub until: DateTime<Utc>,
    pub silences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeClosed {
    pub change: String,
    pub outcome: String,
}

/// Everything a run records. Short-lived (turned into a journal row at
/// once), so the size of the largest variant does not matter.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum PlanEvent {
    RunStarted(RunStarted),
    StepStarted(StepStarted),
    StepWaiting(StepWaiting),
    StepRetrying(StepRetrying),
    StepFinished(StepFinished),
    Decided(Decided),
    RunStopped(RunStopped),
    RollbackStarted(RollbackStarted),
    RunFinished(RunFinished),
    Interrupted(Interrupted),
    ChangeOpened(ChangeOpened),
    ChangeClosed(ChangeClosed),
}

impl PlanEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            PlanEvent::RunStarted(_) => EventKind::PlanRunStarted,
            PlanEvent::StepStarted(_) => EventKind::PlanStepStarted,
            PlanEvent::StepWaiting(_) => EventKind::PlanStepWaiting,
            PlanEvent::StepRetrying(_) => EventKind::PlanStepRetrying,
            PlanEvent::StepFinished(_) => EventKind::PlanStepFinished,
            PlanEvent::Decided(_) => EventKind::PlanDecided,
            PlanEvent::RunStopped(_) => EventKind::PlanRunStopped,
            PlanEvent::RollbackStarted(_) => EventKind::PlanRollbackStarted,
            PlanEvent::RunFinished(_) => EventKind::PlanRunFinished,
            PlanEvent::Interrupted(_) => EventKind::PlanInterrupted,
            PlanEvent::ChangeOpened(_) => EventKind::ChangeOpened,
            PlanEvent::ChangeClosed(_) => EventKind::ChangeClosed,
        }
    }

    /// The journal row's subject: the run (or the change).
    pub fn subject(&self) -> &str {
        match self {
            PlanEvent::RunStarted(p) => &p.run,
            PlanEvent::StepStarted(p) => &p.run,
            PlanEvent::StepWaiting(p) => &p.run,
            PlanEvent::StepRetrying(p) => &p.run,
            PlanEvent::StepFinished(p) => &p.run,
            PlanEvent::Decided(p) => &p.run,
            PlanEvent::RunStopped(p) => &p.run,
            PlanEvent::RollbackStarted(p) => &p.run,
            PlanEvent::RunFinished(p) => &p.run,
            PlanEvent::Interrupted(p) => &p.run,
            PlanEvent::ChangeOpened(p) => &p.change,
            PlanEvent::ChangeClosed(p) => &p.change,
        }
    }

    pub fn payload(&self) -> serde_json::Value {
        use crate::domain::event::payload;
        match self {
            PlanEvent::RunStarted(p) => payload(p),
            PlanEvent::StepStarted(p) => payload(p),
            PlanEvent::StepWaiting(p) => payload(p),
            PlanEvent::StepRetrying(p) => payload(p),
            PlanEvent::StepFinished(p) => payload(p),
            PlanEvent::Decided(p) => payload(p),
            PlanEvent::RunStopped(p) => payload(p),
            PlanEvent::RollbackStarted(p) => payload(p),
            PlanEvent::RunFinished(p) => payload(p),
            PlanEvent::Interrupted(p) => payload(p),
            PlanEvent::ChangeOpened(p) => payload(p),
            PlanEvent::ChangeClosed(p) => payload(p),
        }
    }

    pub fn to_new_event(&self, ts: DateTime<Utc>, actor: &str) -> crate::domain::NewEvent {
        crate::domain::NewEvent::new(ts, actor, self.kind(), self.subject(), self.payload())
    }
}
