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
/// even decoded. It starts from the newest checkpoint that holds only rows
/// of the prefix ([`seed`]), else from the first row.
pub fn board_at(journal: &Journal, at: DateTime<Utc>) -> Result<AlarmBoard, JournalError> {
    let (mut board, after) = seed(journal, at)?.unwrap_or_default();
    let path = journal.path().to_path_buf();
    let end = at + CLOCK_SLACK;
    let scan = Scan {
        after,
        ..Scan::all()
    };
    let r = journal.scan(&scan, |row| {
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

/// What of a checkpoint the board needs; the rest of the projection is
/// not even parsed.
#[derive(serde::Deserialize)]
struct Seed {
    board: AlarmBoard,
    last_event_id: i64,
}

/// The board of the newest checkpoint the board of `at` may start from,
/// and its row. A checkpoint after row N is the board of rows 1..=N, which
/// is the prefix's board through N when every one of those rows is stamped
/// at or before `at`: by the same rule that ends the scan (a row is never
/// stamped more than [`CLOCK_SLACK`] before an earlier one), that holds
/// when row N is stamped by `at - CLOCK_SLACK`. It must also have been
/// written by `at`: a console's exit checkpoint is its live board, which
/// let go of the alarms resolved a day before it was written; written
/// after `at`, it may lack resolved alarms the board of `at` still holds.
/// A checkpoint that does not read is passed over (the next older one, or
/// the first row, is as good, only slower).
fn seed(journal: &Journal, at: DateTime<Utc>) -> Result<Option<(AlarmBoard, i64)>, JournalError> {
    for mark in journal.checkpoint_marks()? {
        let id = mark.checkpoint.event_id;
        let Some(row_ts) = crate::journal::chain::parse_ts(&mark.row_ts) else {
            continue;
        };
        let Ok(written) = DateTime::parse_from_rfc3339(&mark.written_at) else {
            continue;
        };
        if row_ts + CLOCK_SLACK > at || written.with_timezone(&Utc) > at {
            continue;
        }
        let Some(data) = journal.checkpoint_data(id)? else {
            continue;
        };
        match serde_json::from_str::<Seed>(&data) {
            Ok(seed) if seed.last_event_id == id => return Ok(Some((seed.board, id))),
            Ok(_) | Err(_) => {
                tracing::warn!(path = %journal.path().display(), id, "checkpoint unreadable; time travel passes it over");
            }
        }
    }
    Ok(None)
}

/// One row by id.
pub fn event(journal: &Journal, id: i64) -> Result<Option<Event>, JournalError> {
    Ok(journal
        .read_after(id - 1, 1)?
        .into_iter()
        .find(|e| e.id == id))
}
