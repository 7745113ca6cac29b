//! The `drill.*` journal events (documented in `docs/JOURNAL.md`): what a
//! drill records as it goes, so every console on the journal shows the same
//! drill live, the timeline can draw its phases, and an interrupted drill
//! keeps its measurements.

use crate::domain::EventKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The phases of a drill, in order (COC's execution split into the steps
/// an operator watches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Preflight,
    SteadyBefore,
    Inject,
    Observe,
    Respond,
    Recover,
    SteadyAfter,
    Review,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Preflight,
        Phase::SteadyBefore,
        Phase::Inject,
        Phase::Observe,
        Phase::Respond,
        Phase::Recover,
        Phase::SteadyAfter,
        Phase::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preflight => "preflight",
            Phase::SteadyBefore => "steady state before",
            Phase::Inject => "inject",
            Phase::Observe => "observe",
            Phase::Respond => "respond",
            Phase::Recover => "recover",
            Phase::SteadyAfter => "steady state after",
            Phase::Review => "review",
        }
    }

    pub fn index(self) -> usize {
        Phase::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// How a drill ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every expectation met, steady state held before and after.
    Passed,
    /// It ran to the end, but an expectation or a probe missed.
    Failed,
    /// Stopped by an operator, the panic key or a guard; everything recovered.
    Aborted,
    /// Its console went away mid-drill (recorded by the next console).
    Interrupted,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Aborted => "aborted",
            Verdict::Interrupted => "interrupted",
        }
    }
}

/// One expectation as the drill started with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectSpec {
    pub name: String,
    /// An alarm filter in the `/` syntax.
    pub filter: String,
    /// Seconds from the first injection.
    pub within: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    pub drill: String,
    pub scenario: String,
    pub title: String,
    /// The drill commander (`operator@host`).
    pub commander: String,
    #[serde(default)]
    pub application: String,
    pub expect: Vec<ExpectSpec>,
    /// Seconds from the first injection by which every fault must be
    /// recovered and the expected alarms resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_within: Option<u64>,
    /// Target seconds for acknowledging and mitigating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_within: Option<u64>,
    /// Number of fault groups.
    pub groups: usize,
    /// Run by `cocpit drill run --headless` rather than a console.
    #[serde(default)]
    pub headless: bool,
    /// The process driving it: once it is gone, the drill is interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<crate::domain::fault::Owner>,
    /// A Chaos Toolkit experiment run as it is, not a cocpit scenario (no
    /// expectations, faults or clocks: its activities and probes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chaostoolkit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseEntered {
    pub drill: String,
    pub phase: Phase,
    /// The fault group being injected (inject phase), from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    /// The drill waits before `phase` for the commander.
    Held,
    Advanced,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    pub drill: String,
    /// The phase the gate is in front of.
    pub phase: Phase,
    pub state: GateState,
    /// Who holds it (held) or who let it go (advanced).
    pub by: String,
}

/// What a measurement is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// An expected alarm fired (`secs`: time to detect).
    Detected,
    /// An expected alarm's deadline passed without it.
    Missed,
    /// The first expected alarm was acknowledged (time to acknowledge).
    Acked,
    /// The plan run finished (time to mitigate).
    Mitigated,
    /// Every fault recovered and every expected alarm resolved (time to
    /// recover).
    Recovered,
    /// A steady-state probe's result.
    Probe,
    /// A guard fired.
    Guard,
    /// A fault was injected for the drill (`name`: the fault id).
    Fault,
    /// The drill's contingency plan run started (`name`: the run id).
    PlanRun,
    /// A Chaos Toolkit method or rollback activity ran (`ok`: it
    /// succeeded).
    Activity,
    /// Something the drill left out on purpose (`name`: what; `detail`:
    /// why), e.g. the rollbacks under `--rollback-strategy never`.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub drill: String,
    pub what: Measure,
    /// The expectation, probe, guard or fault it is about.
    pub name: String,
    /// Seconds since the first injection, where that means something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secs: Option<u64>,
    pub ok: bool,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    pub drill: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mttd: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtta: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mttr: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interrupted {
    pub drill: String,
    /// The console that found it (`operator@host`).
    pub by: String,
    #[serde(default)]
    pub phase: Option<Phase>,
}

/// Someone asked a running drill to stop (another console's `A`, the
/// panic key, `cocpit drill abort`); its driver aborts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbortRequested {
    pub drill: String,
    pub by: String,
    #[serde(default)]
    pub reason: String,
}

/// What the team found reviewing a drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub drill: String,
    pub by: String,
    pub text: String,
}

/// Where an improvement item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Open,
    InProgress,
    Done,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 3] = [ItemStatus::Open, ItemStatus::InProgress, ItemStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in progress",
            ItemStatus::Done => "done",
        }
    }

    /// The next status `s` moves an item to (done goes back to open).
    pub fn next(self) -> ItemStatus {
        match self {
            ItemStatus::Open => ItemStatus::InProgress,
            ItemStatus::InProgress => ItemStatus::Done,
            ItemStatus::Done => ItemStatus::Open,
        }
    }
}

/// An improvement item coming out of a drill's review. Each row holds the
/// whole item as it now is: recording it and every change write one, and
/// the newest row of an item wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Improvement {
    pub drill: String,
    /// The item's id (`i…`), unique per journal.
    pub item: String,
    pub title: String,
    #[serde(default)]
    pub owner: String,
    /// The day it is due (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<chrono::NaiveDate>,
    pub status: ItemStatus,
    /// The failure mode it addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_mode: Option<String>,
    /// Who wrote this row.
    pub by: String,
}

impl Improvement {
    /// Still to do and past its day.
    pub fn overdue(&self, today: chrono::NaiveDate) -> bool {
        self.status != ItemStatus::Done && self.due.is_some_and(|d| d < today)
    }
}

/// The drill's acceptance, the service's acceptance criterion: a named
/// operator (or observer) accepts its result, with a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub drill: String,
    pub by: String,
    #[serde(default)]
    pub comment: String,
}

/// Everything a drill records.
#[derive(Debug, Clone, PartialEq)]
pub enum DrillEvent {
    Started(Started),
    Phase(PhaseEntered),
    Gate(Gate),
    Measured(Measured),
    Finished(Finished),
    Interrupted(Interrupted),
    AbortRequested(AbortRequested),
    Finding(Finding),
    Improvement(Improvement),
    Accepted(Accepted),
}

impl DrillEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            DrillEvent::Started(_) => EventKind::DrillStarted,
            DrillEvent::Phase(_) => EventKind::DrillPhase,
            DrillEvent::Gate(_) => EventKind::DrillGate,
            DrillEvent::Measured(_) => EventKind::DrillMeasured,
            DrillEvent::Finished(_) => EventKind::DrillFinished,
            DrillEvent::Interrupted(_) => EventKind::DrillInterrupted,
            DrillEvent::AbortRequested(_) => EventKind::DrillAbortRequested,
            DrillEvent::Finding(_) => EventKind::DrillFinding,
            DrillEvent::Improvement(_) => EventKind::DrillImprovement,
            DrillEvent::Accepted(_) => EventKind::DrillAccepted,
        }
    }

    /// The journal row's subject: the drill id.
    pub fn subject(&self) -> &str {
        match self {
            DrillEvent::Started(p) => &p.drill,
            DrillEvent::Phase(p) => &p.drill,
            DrillEvent::Gate(p) => &p.drill,
            DrillEvent::Measured(p) => &p.drill,
            DrillEvent::Finished(p) => &p.drill,
            DrillEvent::Interrupted(p) => &p.drill,
            DrillEvent::AbortRequested(p) => &p.drill,
            DrillEvent::Finding(p) => &p.drill,
            DrillEvent::Improvement(p) => &p.drill,
            DrillEvent::Accepted(p) => &p.drill,
        }
    }

    pub fn payload(&self) -> serde_json::Value {
        use crate::domain::event::payload;
        match self {
            DrillEvent::Started(p) => payload(p),
            DrillEvent::Phase(p) => payload(p),
            DrillEvent::Gate(p) => payload(p),
            DrillEvent::Measured(p) => payload(p),
            DrillEvent::Finished(p) => payload(p),
            DrillEvent::Interrupted(p) => payload(p),
            DrillEvent::AbortRequested(p) => payload(p),
            DrillEvent::Finding(p) => payload(p),
            DrillEvent::Improvement(p) => payload(p),
            DrillEvent::Accepted(p) => payload(p),
        }
    }

    pub fn to_new_event(&self, ts: DateTime<Utc>, actor: &str) -> crate::domain::NewEvent {
        crate::domain::NewEvent::new(ts, actor, self.kind(), self.subject(), self.payload())
    }

    /// Read a journal row back (`None`: not a drill row, or unreadable).
    pub fn from_event(kind: EventKind, payload: &serde_json::Value) -> Option<DrillEvent> {
        let v = payload.clone();
        Some(match kind {
            EventKind::DrillStarted => DrillEvent::Started(serde_json::from_value(v).ok()?),
            EventKind::DrillPhase => DrillEvent::Phase(serde_json::from_value(v).ok()?),
            EventKind::DrillGate => DrillEvent::Gate(serde_json::from_value(v).ok()?),
            EventKind::DrillMeasured => DrillEvent::Measured(serde_json::from_value(v).ok()?),
            EventKind::DrillFinished => DrillEvent::Finished(serde_json::from_value(v).ok()?),
            EventKind::DrillInterrupted => DrillEvent::Interrupted(serde_json::from_value(v).ok()?),
            EventKind::DrillAbortRequested => {
                DrillEvent::AbortRequested(serde_json::from_value(v).ok()?)
            }
            EventKind::DrillFinding => DrillEvent::Finding(serde_json::from_value(v).ok()?),
            EventKind::DrillImprovement => DrillEvent::Improvement(serde_json::from_value(v).ok()?),
            EventKind::DrillAccepted => DrillEvent::Accepted(serde_json::from_value(v).ok()?),
            _ => return None,
        })
    }
}
