//! Reading the timeline out of the journal: the lanes of a window, the
//! window and faults of one drill, the alarm board of a past moment (time
//! travel) and one row by id. Every walk goes through `Journal::scan`; the
//! console runs these on a blocking thread, `cocpit timeline` directly.

use crate::domain::Event;
use crate::domain::board::AlarmBoard;
use crate::domain::timeline::{DrillSpan, Lanes, Only, Window, settle_board};
use crate::journal::{Journal, JournalError, Scan};
use chrono::{DateTime, Duration, Utc};

/// Rows are stamped by the console that writes them, under the writer's
/// lock, so a row more than this later than an earlier one's stamp says
/// every row after it is later than the moment too: the scan stops there.
pub const CLOCK_SLACK: Duration = Duration::minutes(5);

/// Kinds the timeline draws; the others are not decoded at all.
fn drawn(kind: &str) -> bool {
    ["alarm.", "fault.", "plan.", "change.", "drill."]
        .iter()
        .any(|p| kind.starts_with(p))
}

const DONE: &str = "timeline scan done";

/// The error that ends a scan early (not a failure).
fn stop(journal: &Journal) -> JournalError {
    JournalError::Setup {
        path: journal.path().to_path_buf(),
        reason: DONE.into(),
    }
}

/// A scan ended by [`stop`] is a complete one.
fn finished(r: Result<u64, JournalError>) -> Result<(), JournalError> {
    match r {
        Err(JournalError::Setup { reason, .. }) if reason == DONE => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Ok(()),
    }
}

/// The lanes of `window` (limited by `only`), from the whole journal: what
/// opened before the window and is still going is drawn from its start.
pub fn lanes(journal: &Journal, window: Window, only: Only) -> Result<Lanes, JournalError> {
    let mut lanes = Lanes::new(window).only(only);
    let path = journal.path().to_path_buf();
    let end = window.to.map(|t| t + CLOCK_SLACK);
    let r = journal.scan(&Scan::all(), |row| {
        if !drawn(&row.kind) {
            return Ok(());
        }
        let Some(ts) = crate::journal::chain::parse_ts(&row.ts) else {
            return Ok(());
        };
        if end.is_some_and(|end| ts > end) {
            return Err(stop(journal));
        }
        // A marker before the window would be dropped: not even decoded.
        if ts < window.from && marker_only(&row.kind) {
            return Ok(());
        }
        let ev = if needs_payload(&row.kind) {
            row.event(&path)
        } else {
            // Closing a bar needs its subject only: no JSON to parse.
            Event {
                id: row.id,
                ts,
                actor: row.actor.into_owned(),
                kind: row.kind.into_owned(),
                subject: row.subject.into_owned(),
                payload: serde_json::Value::Null,
                prev_hash: String::new(),
                hash: String::new(),
            }
        };
        lanes.apply(&ev);
        Ok(())
    });
    finished(r)?;
    Ok(lanes)
}

/// Kinds drawn only as markers (they open and close nothing).
fn marker_only(kind: &str) -> bool {
    matches!(
        kind,
        "alarm.acked"
            | "alarm.unacked"
            | "alarm.note_added"
            | "alarm.owner_set"
            | "alarm.silenced"
            | "plan.decided"
            | "plan.run_started"
            | "plan.run_finished"
            | "plan.step_waiting"
            | "plan.step_retrying"
            | "plan.run_stopped"
            | "plan.rollback_started"
            | "plan.interrupted"
            | "fault.orphaned"
            | "drill.started"
            | "drill.gate"
            | "drill.measured"
    )
}

/// Kinds the projection reads nothing of but the row's subject and time.
fn needs_payload(kind: &str) -> bool {
    !matches!(
        kind,
        "alarm.resolved"
            | "alarm.acked"
            | "alarm.unacked"
            | "alarm.silenced"
            | "fault.recovered"
            | "fault.dismissed"
            | "fault.injecting"
            | "fault.recovering"
    )
}

/// Where drill `id` started and ended and which faults it injected (its
/// `drill.*` rows only, through the kind index).
pub fn drill(journal: &Journal, id: &str) -> Result<DrillSpan, JournalError> {
    let mut span = DrillSpan::default();
    journal.scan_events(&Scan::kinds("drill."), |ev| span.apply(id, ev))?;
    Ok(span)
}

/// The alarm board exactly as it was at `at`: the rows stamped up to `at`,
/// in id order, through the board's own projection; rows after it are not
/// even decoded.
pub fn board_at(journal: &Journal, at: DateTime<Utc>) -> Result<AlarmBoard, JournalError> {
    let mut board = AlarmBoard::new();
    let path = journal.path().to_path_buf();
    let end = at + CLOCK_SLACK;
    let r = journal.scan(&Scan::all(), |row| {
        let Some(ts) = crate::journal::chain::parse_ts(&row.ts) else {
            return Ok(());
        };
        if ts > end {
            return Err(stop(journal));
        }
        if ts <= at {
            board.apply(&row.event(&path));
        }
        Ok(())
    });
    finished(r)?;
    settle_board(&mut board, at);
    Ok(board)
}

/// One row by id.
pub fn event(journal: &Journal, id: i64) -> Result<Option<Event>, JournalError> {
    Ok(journal
        .read_after(id - 1, 1)?
        .into_iter()
        .find(|e| e.id == id))
}
