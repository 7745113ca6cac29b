//! Timeline benchmarks over a journal of a million events (alarms raised
//! and resolved across 2,000 fingerprints, acks and notes, faults, plan
//! runs, drills): the lanes of the last hour read from the journal (the
//! whole file scanned, as the view's load does), the Timeline view drawn
//! from them at 120×40 (and over a week), and time travel: the board
//! rebuilt for a moment in the middle of the journal, from the first row
//! and then from the checkpoints consoles quitting along the way would have
//! left (one every 200,000 rows).
//! A plain program: `cargo bench --bench timeline`.
//!
//! Environment: `COCPIT_BENCH_EVENTS` (default 1,000,000), `TMPDIR` =
//! where the scratch journal goes.

use chrono::Duration as Span;
use cocpit::app::timeline::{TimelineEffect, TimelineMsg};
use cocpit::app::{Effect, Msg, RunMode, Session, State, update};
use cocpit::domain::projection::Projection;
use cocpit::domain::timeline::{Only, Window};
use cocpit::domain::{AlarmBoard, NewEvent};
use cocpit::journal::{Journal, Scan};
use cocpit::theme::Theme;
use cocpit::timeline::read;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;

#[path = "fixture/mod.rs"]
mod fixture;
use fixture::{event, start};

fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let n: usize = std::env::var("COCPIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("scratch dir");
    let path = dir.path().join("journal.db");
    let j = Journal::open(&path).expect("journal");
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let batch: Vec<NewEvent> = chunk.iter().map(|&i| event(i)).collect();
        j.append(&batch).expect("append");
    }
    println!(
        "journal of {n} events written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let end = start() + Span::seconds(n as i64);

    // The view's load: the last hour, and an hour either side of it.
    let window = Window {
        from: end - Span::hours(3),
        to: None,
    };
    let t = Instant::now();
    let lanes = read::lanes(&j, window, Only::default()).expect("lanes");
    let build = t.elapsed();
    println!(
        "lanes of the last hour (whole journal scanned): {}  ({} spans and markers held)",
        ms(build),
        lanes.items()
    );

    // Drawing: the Timeline view from those lanes, 120×40.
    let session = Session {
        operator: "bench@host".into(),
        mode: RunMode::Demo,
        readonly: true,
        role: Default::default(),
        journal_path: path.display().to_string(),
    };
    let mut state = State::new(session, AlarmBoard::new(), Theme::embedded(), end);
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 40,
        },
        end,
    );
    let fx = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)),
        end,
    );
    let seq = fx
        .iter()
        .find_map(|e| match e {
            Effect::Timeline(TimelineEffect::Load { seq, .. }) => Some(*seq),
            _ => None,
        })
        .expect("a load");
    update(
        &mut state,
        Msg::Timeline(TimelineMsg::Loaded {
            seq,
            lanes: Box::new(lanes),
        }),
        end,
    );
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let frames = 200;
    let t = Instant::now();
    for _ in 0..frames {
        term.draw(|f| cocpit::ui::render(f, &state)).expect("draw");
    }
    println!(
        "render 120x40, 1 h window: {} a frame",
        ms(t.elapsed() / frames)
    );

    // A week on screen: the load covers it, then the frame.
    for _ in 0..6 {
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('-'), KeyModifiers::NONE)),
            end,
        );
    }
    let week = Window {
        from: end - Span::days(14),
        to: None,
    };
    let t = Instant::now();
    let lanes = read::lanes(&j, week, Only::default()).expect("lanes");
    let build_week = t.elapsed();
    let held = lanes.items();
    let seq = state.timeline.loading.unwrap_or(0);
    update(
        &mut state,
        Msg::Timeline(TimelineMsg::Loaded {
            seq,
            lanes: Box::new(lanes),
        }),
        end,
    );
    let t = Instant::now();
    for _ in 0..frames {
        term.draw(|f| cocpit::ui::render(f, &state)).expect("draw");
    }
    println!(
        "lanes of two weeks: {} ({held} held, capped); render 120x40, 7 d window: {} a frame",
        ms(build_week),
        ms(t.elapsed() / frames)
    );

    // Time travel to the middle of the journal: no checkpoint yet, so
    // from the first row.
    let middle = start() + Span::seconds(n as i64 / 2);
    let t = Instant::now();
    let board = read::board_at(&j, middle).expect("board");
    println!(
        "time travel to the middle (row {} of {n}), from the first row: {}  ({} alarms on the board)",
        n / 2,
        ms(t.elapsed()),
        board.len()
    );

    // The same with the checkpoints a console quitting every 200,000 rows
    // would have left (the projection through that row, written as that
    // row was stamped): the travel starts from the one at row 400,000.
    let every = 200_000;
    let t = Instant::now();
    let written = checkpoints(&j, &path, n, every);
    println!(
        "{written} checkpoints written (one every {every} rows) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let seeded = read::board_at(&j, middle).expect("board");
    println!(
        "time travel to the middle, from the checkpoint before it: {}  ({} alarms on the board, {})",
        ms(t.elapsed()),
        seeded.len(),
        if serde_json::to_value(&seeded).ok() == serde_json::to_value(&board).ok() {
            "the same board"
        } else {
            "NOT THE SAME BOARD"
        }
    );
}

/// Checkpoints after rows `every`, `2 * every`, … before the last row, as
/// the consoles that quit there would have written them; how many.
fn checkpoints(j: &Journal, path: &std::path::Path, n: usize, every: usize) -> usize {
    let mut p = Projection::default();
    let mut at_rows: Vec<(Projection, i64, String)> = Vec::new();
    let every = every as i64;
    let last = (n as i64 - 1) / every * every;
    let scan = Scan {
        through: Some(last),
        ..Scan::all()
    };
    j.scan_events(&scan, |ev| {
        p.apply(ev);
        if ev.id % every == 0 {
            at_rows.push((p.clone(), ev.id, ev.ts.to_rfc3339()));
        }
    })
    .expect("scan");
    let db = rusqlite::Connection::open(path).expect("journal");
    for (p, id, ts) in &at_rows {
        let hash = j.hash_of(*id).expect("hash").expect("row");
        j.write_checkpoint(p, &hash).expect("checkpoint");
        db.execute(
            "UPDATE checkpoints SET written_at = ?1 WHERE event_id = ?2",
            rusqlite::params![ts, id],
        )
        .expect("stamp");
    }
    at_rows.len()
}
