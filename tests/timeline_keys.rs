//! The Timeline room driven by keys through `app::update`, as the console
//! does: entering the view asks the runtime for the window's lanes, `+`/`-`
//! zoom, `h`/`l` pan, `0` jumps to now, `f` follows, `j`/`k` choose a
//! lane, `Enter` opens the event under the cursor, `a` travels to the
//! cursor's moment, where writes are refused until `Esc` and the filter,
//! the search and the mouse act on the past board's rows.

#[path = "support/timeline.rs"]
mod fixture;

use chrono::Duration;
use cocpit::app::timeline::{TimelineEffect, TimelineMsg, ZOOMS};
use cocpit::app::{Effect, Mode, Msg, RunMode, Session, State, View, update};
use cocpit::domain::AlarmBoard;
use cocpit::domain::timeline::{Lanes, Window, board_at};
use cocpit::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
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

/// Travelled to 09:04:30, as the runtime answers it: the Alarms view shows
/// the latency alarm (critical, row 0) and the cert warning (row 1).
fn travelled() -> State {
    let mut s = state();
    let fx = keys(&mut s, "7");
    answer_load(&mut s, &fx);
    keys(&mut s, "++++0");
    let steps = (now() - at(270)).num_seconds() / 5;
    keys(&mut s, &"h".repeat(steps as usize));
    let moment = s.timeline.cursor_at(now());
    keys(&mut s, "a");
    update(
        &mut s,
        Msg::Timeline(TimelineMsg::Board {
            at: moment,
            board: Box::new(board_at(&events(), moment)),
        }),
        now(),
    );
    assert_eq!(s.view, View::Alarms);
    s
}

fn past(s: &State) -> &cocpit::app::alarms::AlarmsView {
    &s.timeline.travel.as_ref().expect("travelling").view
}

fn past_names(s: &State) -> Vec<String> {
    let t = s.timeline.travel.as_ref().expect("travelling");
    t.view
        .visible
        .iter()
        .filter_map(|fp| t.board.get(fp))
        .map(|a| a.name().to_string())
        .collect()
}

fn mouse(s: &mut State, kind: MouseEventKind, column: u16, row: u16) {
    update(
        s,
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
        now(),
    );
}

#[test]
fn while_travelling_filter_search_and_mouse_act_on_the_past_board() {
    let mut s = travelled();
    assert_eq!(past_names(&s), ["PaymentsHighLatency", "CertExpiringSoon"]);
    let live_rows = s.alarms.visible.clone();
    assert_eq!(live_rows.len(), 2, "the cert warning and the later alarm");

    // `\`: the search jumps in the past board's rows, the live list keeps
    // none.
    key(&mut s, KeyCode::Char('\\'));
    keys(&mut s, "cert");
    key(&mut s, KeyCode::Enter);
    assert_eq!(past(&s).list.search.as_deref(), Some("cert"));
    assert_eq!(past(&s).list.selected, 1);
    assert_eq!(s.alarms.list.search, None);
    let status = s
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.starts_with("1 match"), "{status}");
    // `]` finds it again (the only match); `[` too.
    keys(&mut s, "][");
    assert_eq!(past(&s).list.selected, 1);

    // A click on the first row of the past board's table selects it.
    let (table, _) = cocpit::app::layout::alarms(&s);
    let first_row = table.y + 2;
    mouse(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        table.x + 4,
        first_row,
    );
    assert_eq!(past(&s).list.selected, 0);
    assert_eq!(s.alarms.list.selected, 0);
    // The wheel scrolls the past board's rows (two: it stops at the last).
    mouse(&mut s, MouseEventKind::ScrollDown, table.x + 4, first_row);
    assert_eq!(past(&s).list.selected, 1);
    mouse(&mut s, MouseEventKind::ScrollUp, table.x + 4, first_row);
    assert_eq!(past(&s).list.selected, 0);
    // `r` shows the past board's resolved alarms (not the live list's): a
    // third row, which the live list (two rows) does not have, and a
    // click reaches it.
    keys(&mut s, "r");
    assert!(past(&s).show_resolved && !s.alarms.show_resolved);
    assert_eq!(past_names(&s)[2], "OldNoise");
    mouse(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        table.x + 4,
        first_row + 2,
    );
    assert_eq!(past(&s).list.selected, 2);
    keys(&mut s, "r");
    assert!(!past(&s).show_resolved);

    // `/`: the filter narrows the past board; the live list is untouched.
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "service=payments");
    key(&mut s, KeyCode::Enter);
    assert!(matches!(s.mode, Mode::Normal));
    assert_eq!(past_names(&s), ["PaymentsHighLatency"]);
    assert!(s.alarms.list.filter.is_empty());
    assert_eq!(s.alarms.visible, live_rows);
    // Reopened, the prompt holds the past board's filter.
    key(&mut s, KeyCode::Char('/'));
    let Mode::Filter { input, .. } = &s.mode else {
        panic!("no filter prompt");
    };
    assert_eq!(input.text, "service=payments");
    key(&mut s, KeyCode::Esc);
    assert_eq!(past_names(&s), ["PaymentsHighLatency"]);

    // `S` sorts the past board's list too.
    keys(&mut s, "S");
    assert!(past(&s).list.sort.is_some() && s.alarms.list.sort.is_none());

    // Still read-only: a write is refused, nothing goes out.
    let fx = keys(&mut s, "a");
    assert!(fx.is_empty(), "{fx:?}");
    let status = s
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("time travel"), "{status}");

    // Back to now: the live list as it was.
    key(&mut s, KeyCode::Esc);
    assert!(s.timeline.travel.is_none());
    assert!(s.alarms.list.filter.is_empty() && s.alarms.list.search.is_none());
    assert_eq!(s.alarms.visible, live_rows);
}
