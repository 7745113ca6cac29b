//! Whether what happens is being recorded. The journal is the source of
//! truth, so two things about it must be on screen the moment they are
//! known and for as long as they last: its writes failing (a full disk),
//! and its hash chain broken (rows edited or removed behind cocpit's back).
//!
//! While writes fail, the ingest re-sends everything the journal does not
//! have on every snapshot (so nothing a source said is lost when space
//! returns), and operator actions that would be journaled are refused with
//! the reason rather than confirmed and lost. Recovering faults is never
//! refused: it is how faults are not left behind.

use super::{Effect, Level, State};
use crate::domain::event::{JournalGap, payload};
use crate::domain::{EventKind, NewEvent};
use chrono::{DateTime, Duration, Utc};

/// While writes fail, the writer tries a small write this often, so the
/// console finds out when space returns even if nothing else is written.
const PROBE_EVERY: Duration = Duration::seconds(5);

#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// A batch could not be committed; `disk_full` when that is why.
    WriteFailing { reason: String, disk_full: bool },
    /// The first batch committed after failures.
    WriteOk,
    /// The start-up check of the hash chain found row `id` broken.
    ChainBroken { id: i64, reason: String },
    /// The chain checked out, up to `last_id`.
    ChainIntact { last_id: i64 },
}

#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// Why the journal cannot be written right now.
    pub write_error: Option<String>,
    pub disk_full: bool,
    /// The first broken row and why, if the check found one.
    pub chain_broken: Option<(i64, String)>,
    /// Whether the chain check finished (intact or not).
    pub chain_checked: bool,
    /// When writes started failing, and when the gap row was last tried.
    failing_since: Option<DateTime<Utc>>,
    probed_at: Option<DateTime<Utc>>,
}

impl Recording {
    /// Why an action that would be journaled must be refused, if it must.
    pub fn refusal(&self) -> Option<String> {
        self.write_error.as_ref().map(|e| {
            if self.disk_full {
                "the journal cannot be written: disk full".to_string()
            } else {
                format!("the journal cannot be written: {e}")
            }
        })
    }
}

pub fn on_notice(state: &mut State, notice: Notice) -> Vec<Effect> {
    match notice {
        Notice::WriteFailing { reason, disk_full } => {
            if state.recording.write_error.is_none() {
                state.say(Level::Error, format!("journal NOT recording: {reason}"));
                state.recording.failing_since = Some(state.now);
            }
            state.recording.write_error = Some(reason);
            state.recording.disk_full = disk_full;
        }
        Notice::WriteOk => {
            let r = &mut state.recording;
            if let (Some(reason), Some(since)) = (r.write_error.take(), r.failing_since.take()) {
                r.disk_full = false;
                r.probed_at = None;
                state.say(Level::Info, "journal recording again");
                if state.board.clear_unrecorded() {
                    state.counts = state.board.counts();
                    state.alarms.refresh(&state.board);
                }
                // The gap is itself on record, then what the journal missed:
                // the next snapshot is diffed against what it really has,
                // and changes kept meanwhile are written now.
                let mut events = vec![NewEvent::new(
                    state.now,
                    state.session.operator.clone(),
                    EventKind::JournalGap,
                    &state.session.operator,
                    payload(&JournalGap { since, reason }),
                )];
                if state.ingest_leader {
                    events.extend(super::alarms::ingest::catch_up(state));
                }
                return vec![Effect::Append(events)];
            }
        }
        Notice::ChainBroken { id, reason } => {
            state.recording.chain_broken = Some((id, reason));
            state.recording.chain_checked = true;
        }
        Notice::ChainIntact { .. } => state.recording.chain_checked = true,
    }
    Vec::new()
}

/// While writes fail: have the writer try a small write now and then.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    let r = &mut state.recording;
    if r.write_error.is_none()
        || state.session.readonly
        || r.probed_at.is_some_and(|at| state.now - at < PROBE_EVERY)
    {
        return Vec::new();
    }
    r.probed_at = Some(state.now);
    vec![Effect::ProbeJournal]
}
