//! Time travel and the timeline's journal reads on a real journal file:
//! the board the runtime rebuilds for a past moment is exactly the board
//! the projection gives for the journal prefix up to it, at many moments;
//! the lanes read from the file are the lanes built from its rows.

#[path = "support/timeline.rs"]
mod fixture;

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

#[test]
fn the_past_board_is_the_prefix_through_the_projection() {
    let (_dir, j) = journal();
    let mut all = Vec::new();
    j.for_each(|ev| all.push(ev.clone())).unwrap();
    for secs in [
        -4000, -3600, -2500, 0, 179, 180, 181, 270, 300, 539, 540, 541, 900, 2000,
    ] {
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
