//! Everything that can happen to the core (`Msg`) and everything the core
//! asks the outside world to do (`Effect`). I/O results come back as `Msg`.

pub use crate::domain::health::SourceStatus;
use crate::domain::{Event, MetricSnapshot, NewEvent, ObservedAlarm};
use crossterm::event::{KeyEvent, MouseEvent};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// A click or the wheel (when the `mouse` option is on).
    Mouse(MouseEvent),
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
    /// What the sources report besides snapshots, metrics and health
    /// (Alertmanager silences, Prometheus series and targets, errors), and
    /// the answers to [`Effect::Source`] calls.
    Source(super::sources::SourceMsg),
    /// Fault injection and recovery runs reporting back.
    Fault(super::faults::FaultMsg),
    /// Plan steps run by the runtime reporting back.
    Plan(super::plans::PlanMsg),
    /// Which consoles and fault owners asked about with
    /// [`Effect::Liveness`] are gone.
    Liveness(super::presence::Liveness),
    /// The journal's writes failing or succeeding again, its chain checked.
    Recording(super::recording::Notice),
    /// Timeline lanes, a past board or one row read for the timeline room.
    Timeline(super::timeline::TimelineMsg),
    /// A Chaos Toolkit experiment run by the runtime reporting back.
    Drill(super::drills::DrillMsg),
    /// A report `:report` asked for, written or not.
    Report(super::reports::ReportMsg),
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
    /// A call to a source (an Alertmanager silence); answered with a
    /// [`Msg::Source`].
    Source(super::sources::SourceEffect),
    /// Inject or recover a fault (blocking work, run off the core).
    Fault(super::faults::FaultEffect),
    /// Run or stop a plan step's action (answered with [`Msg::Plan`]).
    Plan(super::plans::PlanEffect),
    /// Whether these processes on this host still run; answered with
    /// [`Msg::Liveness`].
    Liveness(Vec<super::presence::Process>),
    /// Writes failed: try one small write to learn whether they work again
    /// (answered through [`Msg::Recording`]).
    ProbeJournal,
    /// Read the journal for the timeline (answered with [`Msg::Timeline`]).
    Timeline(super::timeline::TimelineEffect),
    /// Run or stop a Chaos Toolkit experiment (answered with [`Msg::Drill`]).
    Drill(super::drills::DrillEffect),
    /// Build a report from the journal and write it (answered with
    /// [`Msg::Report`]).
    Report(super::reports::ReportEffect),
}
