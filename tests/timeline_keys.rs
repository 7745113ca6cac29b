//! The Timeline room driven by keys through `app::update`, as the console
//! does: entering the view asks the runtime for the window's lanes, `+`/`-`
//! zoom, `h`/`l` pan, `0` jumps to now, `f` follows, `j`/`k` choose a
//! lane, `Enter` opens the event under the cursor, `a` travels to the
//! cursor's moment, where writes are refused until `Esc`.

#[path = "support/timeline.rs"]
mod fixture;

use chrono::Duration;
use cocpit::app::timeline::{TimelineEffect, TimelineMsg, ZOOMS};
use cocpit::app::{Effect, Mode, Msg, RunMode, Session, State, View, update};
use cocpit::domain::AlarmBoard;
use cocpit::domain::timeline::{Lanes, Window, board_at};
use cocpit::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixture::{at, events};

fn now() -> chrono::DateTime<chrono::Utc> {
    at(900)
}

fn state() -> State {
    let session = Session {
        operator: "carol@jump1".into(),
        mode: RunMode::Demo,
        readonly: false,
        role: Default::default(),
        journal_path: "/tmp/cocpit-timeline-test.db".into(),
    };
    let mut s = State::new(session, AlarmBoard::new(), Theme::embedded(), now());
    update(&mut s, Msg::Events(events()), now());
    update(
        &mut s,
        Msg::Resize {
            width: 120,
            height: 40,
        },
        now(),
    );
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now())
}

fn keys(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(key(s, KeyCode::Char(c)));
    }
    fx
}

/// The load asked for, answered from the fixture as the runtime would.
fn answer_load(s: &mut State, fx: &[Effect]) {
    let Some((seq, window)) = fx.iter().find_map(|e| match e {
        Effect::Timeline(TimelineEffect::Load { seq, window, .. }) => Some((*seq, *window)),
        _ => None,
    }) else {
        panic!("no load in {fx:?}");
    };
    let lanes = Lanes::build(window, &events());
    update(
        s,
        Msg::Timeline(TimelineMsg::Loaded {
            seq,
            lanes: Box::new(lanes),
        }),
        now(),
    );
}

#[test]
fn entering_the_view_loads_its_window_once() {
    let mut s = state();
    let fx = keys(&mut s, "7");
    assert_eq!(s.view, View::Timeline);
    let Some(Effect::Timeline(TimelineEffect::Load {
        window, journal, ..
    })) = fx.first()
    else {
        panic!("{fx:?}");
    };
    assert_eq!(journal, "/tmp/cocpit-timeline-test.db");
    // An hour on screen, an hour either side; reaching now: open-ended.
    assert_eq!(
        *window,
        Window {
            from: now() - Duration::hours(2),
            to: None
        }
    );
    // Nothing more while it is in flight.
    assert!(update(&mut s, Msg::Tick, now()).is_empty());
    answer_load(&mut s, &fx);
    assert!(s.timeline.lanes.is_some());
    assert!(keys(&mut s, "j").is_empty(), "covered: no new load");
}

#[test]
fn zoom_pan_now_and_follow() {
    let mut s = state();
    let fx = keys(&mut s, "7");
    answer_load(&mut s, &fx);
    let t = &s.timeline;
    assert!(t.follow);
    assert_eq!(t.window(now()), (now() - Duration::hours(1), now()));

    keys(&mut s, "+");
    assert_eq!(s.timeline.span(), Duration::seconds(ZOOMS[3]));
    keys(&mut s, "--");
    assert_eq!(s.timeline.span(), Duration::hours(2));
    assert!(s.timeline.follow, "zooming keeps following");

    // h: the cursor goes back a twelfth of the window, following stops.
    keys(&mut s, "h");
    assert!(!s.timeline.follow);
    assert_eq!(s.timeline.cursor_at(now()), now() - Duration::minutes(10));
    assert_eq!(s.timeline.window(now()).1, now());
    // Past the window's start the window pans with the cursor.
    keys(&mut s, &"h".repeat(13));
    let (from, to) = s.timeline.window(now());
    assert_eq!(s.timeline.cursor_at(now()), now() - Duration::minutes(140));
    assert!(from <= s.timeline.cursor_at(now()) && to < now());
    // l never goes past now.
    keys(&mut s, &"l".repeat(40));
    assert_eq!(s.timeline.cursor_at(now()), now());

    keys(&mut s, "hh0");
    assert!(!s.timeline.follow);
    assert_eq!(s.timeline.cursor_at(now()), now());
    keys(&mut s, "f");
    assert!(s.timeline.follow);
    keys(&mut s, "f");
    assert!(!s.timeline.follow);

    // j / k choose a lane, clamped.
    keys(&mut s, "jjjjjjjjj");
    assert_eq!(s.timeline.lane, 5);
    keys(&mut s, "k");
    assert_eq!(s.timeline.lane, 4);
}

#[test]
fn enter_opens_the_event_under_the_cursor() {
    let mut s = state();
    let fx = keys(&mut s, "7");
    answer_load(&mut s, &fx);
    // A one-minute window (5 s steps), the cursor on the ack at 09:04:30,
    // the actions lane.
    keys(&mut s, "++++0");
    let steps = (now() - at(270)).num_seconds() / 5;
    keys(&mut s, &"h".repeat(steps as usize));
    keys(&mut s, "jj");
    assert_eq!(s.timeline.cursor_at(now()), at(270));
    key(&mut s, KeyCode::Enter);
    let Mode::Event(view) = &s.mode else {
        panic!("no event popup: {:?}", s.status.as_ref().map(|s| &s.text));
    };
    assert_eq!(view.line.kind, "alarm.acked");
    key(&mut s, KeyCode::Esc);
    assert!(matches!(s.mode, Mode::Normal));
}

#[test]
fn time_travel_shows_the_past_board_read_only() {
    let mut s = state();
    let fx = keys(&mut s, "7");
    answer_load(&mut s, &fx);
    // The cursor at 09:04:30 (a one-minute window, 5 s steps).
    keys(&mut s, "++++0");
    let steps = (now() - at(270)).num_seconds() / 5;
    keys(&mut s, &"h".repeat(steps as usize));
    let moment = s.timeline.cursor_at(now());
    assert_eq!(moment, at(270));
    let fx = keys(&mut s, "a");
    let Some(Effect::Timeline(TimelineEffect::Board { at: asked, .. })) = fx.first() else {
        panic!("{fx:?}");
    };
    assert_eq!(*asked, moment);
    let board = board_at(&events(), moment);
    update(
        &mut s,
        Msg::Timeline(TimelineMsg::Board {
            at: moment,
            board: Box::new(board),
        }),
        now(),
    );
    assert_eq!(s.view, View::Alarms);
    let travel = s.timeline.travel.as_ref().expect("travelling");
    // Then: the latency alarm fired and the cert warning; not the later one.
    assert_eq!(travel.view.visible.len(), 2);
    assert!(travel.board.get("dddddddddddddddd").is_none());
    // Writes are refused, and say why.
    let fx = keys(&mut s, "a");
    assert!(fx.is_empty(), "{fx:?}");
    let status = s
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains("time travel") && status.contains("AT 09:04:30"),
        "{status}"
    );
    // j moves in the past board's list, not the live one.
    keys(&mut s, "j");
    assert_eq!(s.timeline.travel.as_ref().unwrap().view.list.selected, 1);
    assert_eq!(s.alarms.list.selected, 0);
    key(&mut s, KeyCode::Esc);
    assert!(s.timeline.travel.is_none());
    assert_eq!(s.view, View::Alarms);
    // Live again: the ack goes out as a commit.
    let fx = keys(&mut s, "a");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Commit { .. })),
        "{fx:?}"
    );
}
