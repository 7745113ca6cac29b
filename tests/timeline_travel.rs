//! Time travel and the timeline's journal reads on a real journal file:
//! the board the runtime rebuilds for a past moment is exactly the board
//! the projection gives for the journal prefix up to it, at many moments;
//! the lanes read from the file are the lanes built from its rows. With a
//! checkpoint before the moment, the board starts from it and is still the
//! prefix's; one after the moment (or written after it) is not used.

#[path = "support/timeline.rs"]
mod fixture;

use cocpit::domain::Event;
use cocpit::domain::projection::Projection;
use cocpit::domain::timeline::{Lanes, Only, Window, settle_board};
use cocpit::journal::Journal;
use cocpit::timeline::read;
use fixture::{at, new_events};

fn journal() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(&dir.path().join("journal.db")).unwrap();
    j.append(&new_events()).unwrap();
    (dir, j)
}

const MOMENTS: [i64; 14] = [
    -4000, -3600, -2500, 0, 179, 180, 181, 270, 300, 539, 540, 541, 900, 2000,
];

/// The board the projection gives for the rows stamped up to `moment`.
fn prefix(all: &[Event], moment: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    let mut p = Projection::default();
    for ev in all.iter().filter(|e| e.ts <= moment) {
        p.apply(ev);
    }
    settle_board(&mut p.board, moment);
    serde_json::to_value(&p.board).unwrap()
}

fn travelled(j: &Journal, moment: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    serde_json::to_value(read::board_at(j, moment).unwrap()).unwrap()
}

/// The last row stamped at or before `secs`.
fn last_row_by(all: &[Event], secs: i64) -> i64 {
    all.iter()
        .filter(|e| e.ts <= at(secs))
        .map(|e| e.id)
        .max()
        .unwrap()
}

/// The certificate warning's raise (firing all along): a checkpoint left
/// without it shows whether a travel started from that checkpoint.
const CERT: &str = "bbbbbbbbbbbbbbbb";

/// The checkpoint after row `id`, as a console whose last row it was would
/// have written it: the projection of rows 1..=id (less the cert raise
/// when `doctored`), stamped as written `written` (not now: the fixture's
/// rows are in 2025).
fn checkpoint(
    dir: &tempfile::TempDir,
    j: &Journal,
    all: &[Event],
    id: i64,
    doctored: bool,
    written: Option<chrono::DateTime<chrono::Utc>>,
) {
    let mut p = Projection::default();
    for ev in all.iter().filter(|e| e.id <= id) {
        if !(doctored && ev.subject == CERT && ev.kind == "alarm.raised") {
            p.apply(ev);
        }
    }
    assert_eq!(p.last_event_id, id);
    j.write_checkpoint(&p, &j.hash_of(id).unwrap().unwrap())
        .unwrap();
    if let Some(written) = written {
        let db = rusqlite::Connection::open(dir.path().join("journal.db")).unwrap();
        db.execute(
            "UPDATE checkpoints SET written_at = ?1 WHERE event_id = ?2",
            rusqlite::params![written.to_rfc3339(), id],
        )
        .unwrap();
    }
}

fn stamp(all: &[Event], id: i64) -> chrono::DateTime<chrono::Utc> {
    all.iter().find(|e| e.id == id).unwrap().ts
}

#[test]
fn a_checkpoint_before_the_moment_seeds_the_past_board() {
    let (dir, j) = journal();
    let mut all = Vec::new();
    j.for_each(|ev| all.push(ev.clone())).unwrap();
    // After the row of 09:00:00: used from 09:05:00 on (the clock slack).
    let n = last_row_by(&all, 0);
    checkpoint(&dir, &j, &all, n, false, Some(stamp(&all, n)));
    for secs in MOMENTS {
        assert_eq!(
            travelled(&j, at(secs)),
            prefix(&all, at(secs)),
            "at {secs}s"
        );
    }
    // That the checkpoint is what it started from: one without the cert
    // raise loses the cert from the boards after it, not before.
    checkpoint(&dir, &j, &all, n, true, Some(stamp(&all, n)));
    let later = read::board_at(&j, at(900)).unwrap();
    assert!(later.get(CERT).is_none());
    assert!(later.get("aaaaaaaaaaaaaaaa").is_some());
    let before = read::board_at(&j, at(270)).unwrap();
    assert!(before.get(CERT).is_some_and(|a| a.is_firing()));
}

#[test]
fn a_checkpoint_after_the_moment_is_not_used() {
    let (dir, j) = journal();
    let mut all = Vec::new();
    j.for_each(|ev| all.push(ev.clone())).unwrap();
    // The only checkpoint, after the row of 09:10:00 (doctored: a travel
    // started from it would lose the cert): the moments before 09:15:00
    // are the prefix's.
    let n = last_row_by(&all, 600);
    checkpoint(&dir, &j, &all, n, true, Some(stamp(&all, n)));
    for secs in MOMENTS.iter().copied().filter(|&s| s < 900) {
        assert_eq!(
            travelled(&j, at(secs)),
            prefix(&all, at(secs)),
            "at {secs}s"
        );
    }
    assert!(
        read::board_at(&j, at(2000)).unwrap().get(CERT).is_none(),
        "after it, it is used"
    );
    // Nor one whose row is before the moment but which was written after
    // it (now): it may have let go of alarms the moment still held.
    let (dir, j) = journal();
    let n = last_row_by(&all, 0);
    checkpoint(&dir, &j, &all, n, true, None);
    for secs in MOMENTS {
        assert_eq!(
            travelled(&j, at(secs)),
            prefix(&all, at(secs)),
            "at {secs}s"
        );
    }
}

#[test]
fn the_past_board_is_the_prefix_through_the_projection() {
    let (_dir, j) = journal();
    let mut all = Vec::new();
    j.for_each(|ev| all.push(ev.clone())).unwrap();
    for secs in MOMENTS {
        let moment = at(secs);
        let travelled = read::board_at(&j, moment).unwrap();
        let mut p = Projection::default();
        for ev in all.iter().filter(|e| e.ts <= moment) {
            p.apply(ev);
        }
        settle_board(&mut p.board, moment);
        assert_eq!(
            serde_json::to_value(&travelled).unwrap(),
            serde_json::to_value(&p.board).unwrap(),
            "at {secs}s"
        );
    }
    let then = read::board_at(&j, at(270)).unwrap();
    let a = then.get("aaaaaaaaaaaaaaaa").unwrap();
    assert!(a.is_firing() && a.is_acked());
    let after = read::board_at(&j, at(541)).unwrap();
    assert!(!after.get("aaaaaaaaaaaaaaaa").unwrap().is_firing());
}

#[test]
fn lanes_read_from_the_file_match_the_rows() {
    let (_dir, j) = journal();
    let mut all = Vec::new();
    j.for_each(|ev| all.push(ev.clone())).unwrap();
    let window = Window {
        from: at(-60),
        to: Some(at(900)),
    };
    let read = read::lanes(&j, window, Only::default()).unwrap().sorted();
    let built = Lanes::build(window, &all).sorted();
    assert_eq!(read.lanes, built.lanes);
    let d = read::drill(&j, "d-1").unwrap();
    assert_eq!((d.start, d.end), (Some(at(0)), Some(at(660))));
    let ev = read::event(&j, 3).unwrap().unwrap();
    assert_eq!(ev.id, 3);
    assert!(read::event(&j, 10_000).unwrap().is_none());
}
