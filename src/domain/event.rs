//! Journal events: the facts cocpit records. `NewEvent` is what gets
//! appended; `Event` is a committed row with its id and hash-chain links.
//! Every kind is documented in `docs/JOURNAL.md`.

use super::alarm::ObservedAlarm;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every kind cocpit writes. Rows are stored with the string form so a
/// journal written by a newer cocpit still reads (unknown kinds are shown in
/// the log and otherwise ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    AlarmRaised,
    AlarmUpdated,
    AlarmResolved,
    AlarmAcked,
    AlarmUnacked,
    AlarmNoteAdded,
    AlarmOwnerSet,
    OperatorJoined,
    OperatorLeft,
    SourceUp,
    SourceDown,
    SimStarted,
    SimIncidentStarted,
    SimIncidentEnded,
    AlarmAckRequested,
    AlarmUnackRequested,
    AlarmSilenceRequested,
    AlarmSilenced,
    SilenceExtended,
    SilenceExpired,
    SilenceFailed,
    SourceError,
    FaultIntended,
    FaultInjecting,
    FaultActive,
    FaultRecovering,
    FaultRecovered,
    FaultFailed,
    FaultOrphaned,
    FaultDismissed,
    JournalGap,
    PlanRunStarted,
    PlanStepStarted,
    PlanStepWaiting,
    PlanStepRetrying,
    PlanStepFinished,
    PlanDecided,
    PlanRunStopped,
    PlanRollbackStarted,
    PlanRunFinished,
    PlanInterrupted,
    ChangeOpened,
    ChangeClosed,
    DrillStarted,
    DrillPhase,
    DrillGate,
    DrillMeasured,
    DrillFinished,
    DrillInterrupted,
    DrillAbortRequested,
    /// An operator tagged an alarm with a failure mode (historical fault).
    RiskTagged,
    DrillFinding,
    DrillImprovement,
    DrillAccepted,
}

impl EventKind {
    pub const ALL: [EventKind; 54] = [
        EventKind::AlarmRaised,
        EventKind::AlarmUpdated,
        EventKind::AlarmResolved,
        EventKind::AlarmAcked,
        EventKind::AlarmUnacked,
        EventKind::AlarmNoteAdded,
        EventKind::AlarmOwnerSet,
        EventKind::OperatorJoined,
        EventKind::OperatorLeft,
        EventKind::SourceUp,
        EventKind::SourceDown,
        EventKind::SimStarted,
        EventKind::SimIncidentStarted,
        EventKind::SimIncidentEnded,
        EventKind::AlarmAckRequested,
        EventKind::AlarmUnackRequested,
        EventKind::AlarmSilenceRequested,
        EventKind::AlarmSilenced,
        EventKind::SilenceExtended,
        EventKind::SilenceExpired,
        EventKind::SilenceFailed,
        EventKind::SourceError,
        EventKind::FaultIntended,
        EventKind::FaultInjecting,
        EventKind::FaultActive,
        EventKind::FaultRecovering,
        EventKind::FaultRecovered,
        EventKind::FaultFailed,
        EventKind::FaultOrphaned,
        EventKind::FaultDismissed,
        EventKind::JournalGap,
        EventKind::PlanRunStarted,
        EventKind::PlanStepStarted,
        EventKind::PlanStepWaiting,
        EventKind::PlanStepRetrying,
        EventKind::PlanStepFinished,
        EventKind::PlanDecided,
        EventKind::PlanRunStopped,
        EventKind::PlanRollbackStarted,
        EventKind::PlanRunFinished,
        EventKind::PlanInterrupted,
        EventKind::ChangeOpened,
        EventKind::ChangeClosed,
        EventKind::DrillStarted,
        EventKind::DrillPhase,
        EventKind::DrillGate,
        EventKind::DrillMeasured,
        EventKind::DrillFinished,
        EventKind::DrillInterrupted,
        EventKind::DrillAbortRequested,
        EventKind::RiskTagged,
        EventKind::DrillFinding,
        EventKind::DrillImprovement,
        EventKind::DrillAccepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AlarmRaised => "alarm.raised",
            EventKind::AlarmUpdated => "alarm.updated",
            EventKind::AlarmResolved => "alarm.resolved",
            EventKind::AlarmAcked => "alarm.acked",
            EventKind::AlarmUnacked => "alarm.unacked",
            EventKind::AlarmNoteAdded => "alarm.note_added",
            EventKind::AlarmOwnerSet => "alarm.owner_set",
            EventKind::OperatorJoined => "operator.joined",
            EventKind::OperatorLeft => "operator.left",
            EventKind::JournalGap => "journal.gap",
            EventKind::SourceUp => "source.up",
            EventKind::SourceDown => "source.down",
            EventKind::SimStarted => "sim.started",
            EventKind::SimIncidentStarted => "sim.incident_started",
            EventKind::SimIncidentEnded => "sim.incident_ended",
            EventKind::AlarmAckRequested => "alarm.ack_requested",
            EventKind::AlarmUnackRequested => "alarm.unack_requested",
            EventKind::AlarmSilenceRequested => "alarm.silence_requested",
            EventKind::AlarmSilenced => "alarm.silenced",
            EventKind::SilenceExtended => "silence.extended",
            EventKind::SilenceExpired => "silence.expired",
            EventKind::SilenceFailed => "silence.failed",
            EventKind::SourceError => "source.error",
            EventKind::FaultIntended => "fault.intended",
            EventKind::FaultInjecting => "fault.injecting",
            EventKind::FaultActive => "fault.active",
            EventKind::FaultRecovering => "fault.recovering",
            EventKind::FaultRecovered => "fault.recovered",
            EventKind::FaultFailed => "fault.failed",
            EventKind::FaultOrphaned => "fault.orphaned",
            EventKind::FaultDismissed => "fault.dismissed",
            EventKind::PlanRunStarted => "plan.run_started",
            EventKind::PlanStepStarted => "plan.step_started",
            EventKind::PlanStepWaiting => "plan.step_waiting",
            EventKind::PlanStepRetrying => "plan.step_retrying",
            EventKind::PlanStepFinished => "plan.step_finished",
            EventKind::PlanDecided => "plan.decided",
            EventKind::PlanRunStopped => "plan.run_stopped",
            EventKind::PlanRollbackStarted => "plan.rollback_started",
            EventKind::PlanRunFinished => "plan.run_finished",
            EventKind::PlanInterrupted => "plan.interrupted",
            EventKind::ChangeOpened => "change.opened",
            EventKind::ChangeClosed => "change.closed",
            EventKind::DrillStarted => "drill.started",
            EventKind::DrillPhase => "drill.phase",
            EventKind::DrillGate => "drill.gate",
            EventKind::DrillMeasured => "drill.measured",
            EventKind::DrillFinished => "drill.finished",
            EventKind::DrillInterrupted => "drill.interrupted",
            EventKind::DrillAbortRequested => "drill.abort_requested",
            EventKind::RiskTagged => "risk.tagged",
            EventKind::DrillFinding => "drill.finding",
            EventKind::DrillImprovement => "drill.improvement",
            EventKind::DrillAccepted => "drill.accepted",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Operator actions must be committed before the screen confirms them.
    pub fn is_operator_action(self) -> bool {
        matches!(
            self,
            EventKind::AlarmAcked
                | EventKind::AlarmUnacked
                | EventKind::AlarmNoteAdded
                | EventKind::AlarmOwnerSet
                | EventKind::AlarmAckRequested
                | EventKind::AlarmUnackRequested
                | EventKind::AlarmSilenceRequested
                | EventKind::AlarmSilenced
        )
    }
}

/// An event to append. Time comes from the caller (the core never reads the clock).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub ts: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub subject: String,
    pub payload: Value,
}

impl NewEvent {
    pub fn new(
        ts: DateTime<Utc>,
        actor: impl Into<String>,
        kind: EventKind,
        subject: impl Into<String>,
        payload: Value,
    ) -> NewEvent {
        NewEvent {
            ts,
            actor: actor.into(),
            kind: kind.as_str().to_string(),
            subject: subject.into(),
            payload,
        }
    }
}

/// A committed journal row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub ts: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub subject: String,
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    pub fn kind(&self) -> Option<EventKind> {
        EventKind::parse(&self.kind)
    }
}

// Typed payloads. Serialised into `payload`; read back leniently.

/// `alarm.raised` / `alarm.updated`: the full observation.
pub type AlarmObserved = ObservedAlarm;

/// `alarm.resolved`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlarmResolved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `alarm.acked` / `alarm.unacked` / `alarm.silenced`. An ack of an
/// Alertmanager alarm is a silence: its id and end come along.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlarmAcked {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Where the ack was seen when cocpit did not make it (`alertmanager:NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `alarm.ack_requested` / `alarm.unack_requested` /
/// `alarm.silence_requested`: the operator's intent, journaled before the
/// Alertmanager is asked, so a crash in between still leaves a record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SilenceIntent {
    /// Alertmanager cluster (source name) asked.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `silence.extended` / `silence.expired` / `silence.failed` (subject: the
/// alarm's fingerprint).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SilenceChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_id: Option<String>,
    /// The id before an update (Alertmanager may hand out a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `source.error`: what went wrong talking to a source (never a secret).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceErrorPayload {
    pub reason: String,
}

/// `alarm.note_added`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoteAdded {
    pub text: String,
}

/// `alarm.owner_set` (an empty `owner` releases it)
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnerSet {
    pub owner: String,
    /// Who owned it before, when someone did: their console tells them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// `operator.joined` / `operator.left`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperatorSession {
    pub mode: String,
    pub pid: u32,
    pub version: String,
    /// Where the console runs and its process start time (clock ticks since
    /// boot): with the pid, other consoles on the host tell a live console
    /// from one whose process is gone. Absent in rows of older versions.
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub start: u64,
    /// Why a console left: absent for a console's own `operator.left`;
    /// "process gone" when another console found it dead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `journal.gap`: the journal could not be written from `since` (a full
/// disk); written by the console as soon as it can be again, so the gap in
/// the record is itself on record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalGap {
    pub since: DateTime<Utc>,
    pub reason: String,
}

/// `source.up` / `source.down`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `sim.started`: the demo timeline every console on this journal plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimStarted {
    pub seed: u64,
    pub epoch: DateTime<Utc>,
}

/// `sim.incident_started` / `sim.incident_ended`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimIncident {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Serialise a payload struct; these are plain data, so failure would be a bug.
pub fn payload<T: Serialize>(p: &T) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}
