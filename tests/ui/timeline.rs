//! The Timeline view: the lanes of a drill on payments at both sizes, the
//! event popup from the cursor, the Alarms view time travelling, and tiny
//! terminals.

#[path = "../support/timeline.rs"]
mod tl;

use super::fixtures::*;
use cocpit::app::timeline::TimelineMsg;
use cocpit::domain::timeline::{Lanes, Window, board_at};

/// The console a quarter of an hour after the drill started, with its
/// rows in the log and the Timeline view loaded.
fn timeline_state(w: u16, h: u16) -> State {
    let now = tl::at(900);
    let events = tl::events();
    let mut board = AlarmBoard::new();
    for ev in &events {
        board.apply(ev);
    }
    let mut state = State::new(session(false), board, Theme::embedded(), now);
    update(&mut state, Msg::Events(events.clone()), now);
    update(
        &mut state,
        Msg::Resize {
            width: w,
            height: h,
        },
        now,
    );
    let fx = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)),
        now,
    );
    let seq = fx
        .iter()
        .find_map(|e| match e {
            cocpit::app::Effect::Timeline(cocpit::app::timeline::TimelineEffect::Load {
                seq,
                ..
            }) => Some(*seq),
            _ => None,
        })
        .expect("a load");
    let window = Window {
        from: now - Duration::hours(2),
        to: None,
    };
    let lanes = Lanes::build(window, &events);
    update(
        &mut state,
        Msg::Timeline(TimelineMsg::Loaded {
            seq,
            lanes: Box::new(lanes),
        }),
        now,
    );
    state
}

fn press(state: &mut State, s: &str) {
    for c in s.chars() {
        update(
            state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            tl::at(900),
        );
    }
}

fn snap_timeline(name: &str, prepare: impl Fn(&mut State)) {
    for (w, h) in SIZES {
        let mut state = timeline_state(w, h);
        prepare(&mut state);
        let t = draw(&state, w, h);
        snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn snapshot_timeline() {
    // A 15-minute window held at now, the cursor on the alarm lane at
    // 09:05:00 (eight 75 s steps back): the whole drill on screen.
    snap_timeline("timeline", |s| press(s, "++0hhhhhhhhj"));
}

#[test]
fn snapshot_timeline_following_an_hour() {
    snap_timeline("timeline_hour", |_| {});
}

#[test]
fn snapshot_timeline_event_popup() {
    // One-minute window, cursor on the ack at 09:04:30, actions lane.
    snap_timeline("timeline_event", |s| {
        press(s, "++++0");
        press(s, &"h".repeat(126));
        press(s, "jj");
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            tl::at(900),
        );
    });
}

#[test]
fn snapshot_time_travel() {
    snap_timeline("timeline_travel", |s| {
        press(s, "++++0");
        press(s, &"h".repeat(126));
        let at = s.timeline.cursor_at(tl::at(900));
        assert_eq!(at, tl::at(270));
        press(s, "a");
        let board = board_at(&tl::events(), at);
        update(
            s,
            Msg::Timeline(TimelineMsg::Board {
                at,
                board: Box::new(board),
            }),
            tl::at(900),
        );
        // A write is refused, and the status line says why.
        press(s, "a");
    });
}

#[test]
fn tiny_terminals_do_not_panic() {
    for w in [1u16, 5, 10, 19, 20, 21, 25, 30, 40] {
        for h in [1u16, 3, 5, 6, 7, 8, 10, 12] {
            let mut state = timeline_state(w, h);
            press(&mut state, "+h");
            draw(&state, w, h);
            press(&mut state, "-----l");
            draw(&state, w, h);
        }
    }
}
