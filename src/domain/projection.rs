//! Everything the console rebuilds from the journal at start, as one value:
//! the alarm board, the fault ledger, who is online and the plan runs. Applying the events
//! in id order from an empty projection, or from a checkpoint of it, gives
//! the same result; a checkpoint is this value serialized, tied to the id
//! and hash of the last row it includes.

use super::board::AlarmBoard;
use super::event::OperatorSession;
use super::fault::FaultLedger;
use super::{Event, EventKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever the serialized shape of a projection changes: a
/// checkpoint of another format is ignored and the journal replayed.
pub const FORMAT: u32 = 2;

/// A console on the journal, from its `operator.joined` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub since: DateTime<Utc>,
    /// The console's process, for the liveness check (pid 0: unknown).
    pub host: String,
    pub pid: u32,
    pub start: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Projection {
    pub board: AlarmBoard,
    pub ledger: FaultLedger,
    pub online: BTreeMap<String, Presence>,
    /// Plan runs and changes.
    #[serde(default)]
    pub plans: super::plan::runs::Runs,
    /// The last row applied.
    pub last_event_id: i64,
}

impl Projection {
    pub fn apply(&mut self, ev: &Event) {
        self.board.apply(ev);
        self.ledger.apply(ev);
        apply_presence(&mut self.online, ev);
        self.plans.apply(ev);
        self.last_event_id = self.last_event_id.max(ev.id);
    }
}

/// `operator.joined` / `operator.left` rows into the list of who is online.
pub fn apply_presence(online: &mut BTreeMap<String, Presence>, ev: &Event) {
    match ev.kind() {
        Some(EventKind::OperatorJoined) => {
            let p: OperatorSession = serde_json::from_value(ev.payload.clone()).unwrap_or_default();
            online.insert(
                ev.subject.clone(),
                Presence {
                    since: ev.ts,
                    host: p.host,
                    pid: p.pid,
                    start: p.start,
                },
            );
        }
        Some(EventKind::OperatorLeft) => {
            online.remove(&ev.subject);
        }
        _ => {}
    }
}
