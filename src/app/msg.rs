//! Everything that can happen to the core (`Msg`) and everything the core
//! asks the outside world to do (`Effect`). I/O results come back as `Msg`.

use crate::domain::{Event, MetricSnapshot, NewEvent, ObservedAlarm};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock moved on (about once a second).
    Tick,
    /// Committed journal rows, in id order, from this or another console.
    Events(Vec<Event>),
    /// The journal answered an operator action sent with [`Effect::Commit`].
    Committed {
        token: u64,
        result: Result<Vec<i64>, String>,
    },
    /// A source's complete current set of firing alarms.
    Snapshot {
        source: String,
        firing: Vec<ObservedAlarm>,
    },
    /// Changes to a source's firing set, from sources that hear of alarms
    /// one notification at a time (webhook, spool): `firing` are new or
    /// possibly changed alarms, `resolved` the `(fingerprint, why)` of those
    /// that ended. Unlike a `Snapshot`, alarms not mentioned stay as they
    /// are, so a restarted console never resolves what it was not told about.
    Changes {
        source: String,
        firing: Vec<ObservedAlarm>,
        resolved: Vec<(String, String)>,
    },
    /// Something a source noticed that belongs in the journal as it is
    /// (e.g. a scripted demo incident starting).
    SourceNote(NewEvent),
    Metrics(MetricSnapshot),
    SourceHealth(SourceStatus),
    /// Whether this console runs the sources for its journal (one console
    /// per journal ingests; the others follow the journal).
    IngestRole {
        leader: bool,
    },
    /// Something in the runtime failed in a way the operator should see.
    Error(String),
    /// SIGTERM / SIGHUP: leave cleanly, whatever the keyboard was doing.
    Shutdown,
    /// Live sources (Alertmanager silences, Prometheus, webhook, spool).
    Live(super::live::LiveMsg),
    /// Fault injection and recovery runs reporting back.
    Fault(super::faults::FaultMsg),
}

/// Health of one source, as shown in the header.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub name: String,
    pub up: bool,
    pub last_ok: Option<DateTime<Utc>>,
    pub latency_ms: Option<u64>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Ingested facts: batched by the journal writer, no confirmation.
    Append(Vec<NewEvent>),
    /// An operator action: the journal answers with [`Msg::Committed`] once
    /// the rows are durable, and only then does the screen confirm it.
    Commit {
        token: u64,
        events: Vec<NewEvent>,
    },
    Quit,
    /// HTTP to a live source; answered with a [`Msg::Live`].
    Live(super::live::LiveEffect),
    /// Inject or recover a fault (blocking work, run off the core).
    Fault(super::faults::FaultEffect),
}
