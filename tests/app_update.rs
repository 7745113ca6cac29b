//! `app::update` driven by messages: operator actions become journal commits
//! and show only once the journal answers; read-only refuses; filters and
//! the palette work; ingest journals only changes.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::{self, Effect, Mode, Msg, RunMode, Session, State, View};
use cocpit::domain::event::payload;
use cocpit::domain::{AlarmBoard, EventKind, NewEvent, ObservedAlarm, Severity};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use std::collections::BTreeMap;
use support::console::{MemJournal, Order, the_commit};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn session(readonly: bool) -> Session {
    Session {
        operator: "alice@jump1".into(),
        mode: RunMode::Demo,
        readonly,
        role: Default::default(),
        journal_path: "/tmp/j.db".into(),
    }
}

fn observed(name: &str, service: &str, sev: Severity) -> ObservedAlarm {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_string(), name.to_string());
    labels.insert("service".to_string(), service.to_string());
    labels.insert("severity".to_string(), sev.as_str().to_string());
    let mut annotations = BTreeMap::new();
    annotations.insert("summary".to_string(), format!("{service} {name}"));
    ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "demo".into(),
        name: name.into(),
        severity: sev,
        labels: labels.into(),
        annotations: annotations.into(),
        starts_at: t0(),
        generator_url: None,
    }
}

/// Plays the journal: turns `NewEvent`s into committed `Event`s with ids.
type Journal = MemJournal;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn typed(state: &mut State, s: &str) {
    for c in s.chars() {
        app::update(state, key(c), t0());
    }
}

/// A console with three firing alarms already journaled.
fn console(readonly: bool) -> (State, Journal) {
    let mut j = Journal::default();
    let mut state = State::new(session(readonly), AlarmBoard::new(), Vec::new(), t0());
    let raised: Vec<NewEvent> = [
        observed("PaymentsLatencyHigh", "payments", Severity::Critical),
        observed("CheckoutErrors", "checkout", Severity::Major),
        observed("RedisSaturation", "redis", Severity::Warning),
    ]
    .iter()
    .map(|o| {
        NewEvent::new(
            t0(),
            "source:demo",
            EventKind::AlarmRaised,
            &o.fingerprint,
            payload(o),
        )
    })
    .collect();
    let evs = j.commit(raised);
    app::update(&mut state, Msg::Events(evs), t0());
    (state, j)
}

/// Commit an action's events and deliver both the confirmation and the rows.
fn roundtrip(state: &mut State, j: &mut Journal, effects: Vec<Effect>) -> Vec<NewEvent> {
    support::console::roundtrip(state, j, effects, Order::AnswerFirst, t0()).0
}

fn single_commit(effects: Vec<Effect>) -> (u64, Vec<NewEvent>) {
    assert_eq!(effects.len(), 1, "one commit: {effects:?}");
    the_commit(&effects)
}

#[test]
fn ack_is_shown_only_after_the_journal_commits_it() {
    let (mut state, mut j) = console(false);
    let sel = state.selected_alarm().unwrap().clone();
    assert_eq!(sel.name(), "PaymentsLatencyHigh", "critical sorts first");

    let (token, events) = single_commit(app::update(&mut state, key('a'), t0()));
    assert_eq!(events[0].kind, "alarm.acked");
    assert_eq!(events[0].actor, "alice@jump1");
    assert_eq!(events[0].subject, sel.fingerprint());
    // Not confirmed yet: pending, not acked.
    assert!(state.is_pending(sel.fingerprint()));
    assert!(!state.selected_alarm().unwrap().is_acked());
    // A second `a` while pending does not send a duplicate.
    assert!(app::update(&mut state, key('a'), t0()).is_empty());

    let committed = j.commit(events);
    let id = committed[0].id;
    app::update(
        &mut state,
        Msg::Committed {
            token,
            result: Ok(vec![id]),
        },
        t0(),
    );
    app::update(&mut state, Msg::Events(committed), t0());
    let a = state.board.get(sel.fingerprint()).unwrap();
    assert_eq!(a.ack.as_ref().unwrap().by, "alice@jump1");
    assert!(!state.is_pending(sel.fingerprint()));
    assert!(
        state
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("acked PaymentsLatencyHigh")
    );
    assert_eq!(state.counts.unacked, 2);

    // Acking again says who already did.
    assert!(app::update(&mut state, key('a'), t0()).is_empty());
    assert!(
        state
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("already acked by alice@jump1")
    );
}

#[test]
fn failed_commit_is_reported_and_nothing_is_shown_as_done() {
    let (mut state, _j) = console(false);
    let (token, _) = single_commit(app::update(&mut state, key('a'), t0()));
    app::update(
        &mut state,
        Msg::Committed {
            token,
            result: Err("disk full".into()),
        },
        t0(),
    );
    let status = state.status.clone().unwrap();
    assert!(
        status.text.contains("NOT recorded") && status.text.contains("disk full"),
        "{status:?}"
    );
    assert!(!state.selected_alarm().unwrap().is_acked());
    assert!(!state.flows.any_pending());
}

#[test]
fn unack_and_ownership() {
    let (mut state, mut j) = console(false);
    // Unack of an alarm nobody acked is refused.
    assert!(app::update(&mut state, key('u'), t0()).is_empty());
    let eff = app::update(&mut state, key('a'), t0());
    roundtrip(&mut state, &mut j, eff);
    let eff = app::update(&mut state, key('u'), t0());
    let evs = roundtrip(&mut state, &mut j, eff);
    assert_eq!(evs[0].kind, "alarm.unacked");
    assert!(!state.selected_alarm().unwrap().is_acked());

    let eff = app::update(&mut state, key('o'), t0());
    let evs = roundtrip(&mut state, &mut j, eff);
    assert_eq!(evs[0].payload, json!({"owner": "alice@jump1"}));
    assert_eq!(
        state.selected_alarm().unwrap().owner.as_deref(),
        Some("alice@jump1")
    );
    assert!(
        app::update(&mut state, key('o'), t0()).is_empty(),
        "already yours"
    );
}

#[test]
fn note_editor_saves_multiline_text_with_ctrl_s() {
    let (mut state, mut j) = console(false);
    assert!(app::update(&mut state, key('n'), t0()).is_empty());
    assert!(matches!(state.mode, Mode::Note(_)));
    typed(&mut state, "rolled back");
    app::update(&mut state, code(KeyCode::Enter), t0());
    typed(&mut state, "deploy 42");
    let save = Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    let (_, evs) = single_commit(app::update(&mut state, save, t0()));
    assert_eq!(evs[0].kind, "alarm.note_added");
    assert_eq!(evs[0].payload, json!({"text": "rolled back\ndeploy 42"}));
    assert!(matches!(state.mode, Mode::Normal));
    let evs = j.commit(evs);
    app::update(&mut state, Msg::Events(evs), t0());
    let a = state.selected_alarm().unwrap();
    assert_eq!(a.notes, 1);
    assert!(a.timeline.last().unwrap().text.contains("rolled back"));
}

#[test]
fn esc_on_a_typed_note_asks_before_discarding() {
    let (mut state, _) = console(false);
    app::update(&mut state, key('n'), t0());
    typed(&mut state, "half a thought");
    app::update(&mut state, code(KeyCode::Esc), t0());
    assert!(matches!(&state.mode, Mode::Note(ed) if ed.confirm_discard));
    app::update(&mut state, code(KeyCode::Esc), t0());
    assert!(matches!(state.mode, Mode::Normal));
}

#[test]
fn readonly_refuses_every_write() {
    let (mut state, _) = console(true);
    for c in ['a', 'u', 'n', 'o'] {
        assert!(
            app::update(&mut state, key(c), t0()).is_empty(),
            "{c} must do nothing"
        );
        assert!(matches!(state.mode, Mode::Normal));
    }
    assert!(state.status.as_ref().unwrap().text.contains("read-only"));
    assert!(!state.selected_alarm().unwrap().is_acked());
}

#[test]
fn filter_with_text_and_label_matchers() {
    let (mut state, _) = console(false);
    assert_eq!(state.alarms.visible.len(), 3);
    app::update(&mut state, key('/'), t0());
    typed(&mut state, "service=checkout");
    assert_eq!(state.alarms.visible.len(), 1, "filter applies while typing");
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert!(matches!(state.mode, Mode::Normal));
    assert_eq!(state.selected_alarm().unwrap().name(), "CheckoutErrors");

    app::update(&mut state, key('/'), t0());
    for _ in 0..20 {
        app::update(&mut state, code(KeyCode::Backspace), t0());
    }
    typed(&mut state, r#"severity!="critical" redis"#);
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert_eq!(
        state.alarms.list.filter.source,
        r#"severity!="critical" redis"#
    );
    assert_eq!(state.alarms.visible.len(), 1);
    assert_eq!(state.selected_alarm().unwrap().name(), "RedisSaturation");

    // An invalid regex keeps the last good filter and says where.
    app::update(&mut state, key('/'), t0());
    typed(&mut state, " alertname=~\"(\"");
    assert!(matches!(&state.mode, Mode::Filter { error: Some(e), .. } if e.contains("column")));
    // Enter on an invalid filter is refused: the prompt stays open.
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert!(matches!(state.mode, Mode::Filter { .. }));
    assert!(state.status.as_ref().unwrap().text.contains("bad regex"));
    // Esc restores the filter from before the prompt; a second Esc clears it.
    app::update(&mut state, code(KeyCode::Esc), t0());
    assert_eq!(state.alarms.visible.len(), 1);
    app::update(&mut state, code(KeyCode::Esc), t0());
    assert_eq!(state.alarms.visible.len(), 3);
}

#[test]
fn palette_switches_views_and_completes() {
    let (mut state, _) = console(false);
    app::update(&mut state, key(':'), t0());
    typed(&mut state, "mon");
    app::update(&mut state, code(KeyCode::Tab), t0());
    assert!(matches!(&state.mode, Mode::Command { input, .. } if input.text == "monitor"));
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert_eq!(state.view, View::Monitor);
    app::update(&mut state, key(':'), t0());
    typed(&mut state, "bogus");
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert!(matches!(&state.mode, Mode::Command { error: Some(_), .. }));
    app::update(&mut state, code(KeyCode::Esc), t0());
    app::update(&mut state, key(':'), t0());
    typed(&mut state, "q");
    assert_eq!(
        app::update(&mut state, code(KeyCode::Enter), t0()),
        vec![Effect::Quit]
    );
    assert!(state.quit);
}

#[test]
fn ingest_journals_changes_only_and_only_on_the_leader() {
    let mut state = State::new(session(false), AlarmBoard::new(), Vec::new(), t0());
    let firing = vec![observed("A", "payments", Severity::Major)];
    let snap = |f: Vec<ObservedAlarm>| Msg::Snapshot {
        source: "demo".into(),
        firing: f,
    };
    assert!(
        app::update(&mut state, snap(firing.clone()), t0()).is_empty(),
        "followers do not ingest"
    );
    app::update(&mut state, Msg::IngestRole { leader: true }, t0());
    let eff = app::update(&mut state, snap(firing.clone()), t0());
    assert!(
        matches!(&eff[..], [Effect::Append(e)] if e[0].kind == "alarm.raised" && e[0].actor == "source:demo")
    );
    assert!(app::update(&mut state, snap(firing.clone()), t0()).is_empty());
    let eff = app::update(&mut state, snap(vec![]), t0());
    assert!(matches!(&eff[..], [Effect::Append(e)] if e[0].kind == "alarm.resolved"));
}

#[test]
fn alarms_inherited_from_the_journal_get_a_grace_period() {
    let (mut state, _) = console(false);
    app::update(&mut state, Msg::IngestRole { leader: true }, t0());
    let snap = Msg::Snapshot {
        source: "demo".into(),
        firing: vec![],
    };
    assert!(
        app::update(&mut state, snap.clone(), t0()).is_empty(),
        "not resolved at once after a restart"
    );
    let later = t0() + Duration::seconds(31);
    let eff = app::update(&mut state, snap, later);
    assert!(
        matches!(&eff[..], [Effect::Append(e)] if e.len() == 3 && e.iter().all(|x| x.kind == "alarm.resolved"))
    );
}

#[test]
fn another_consoles_ack_shows_up_through_the_journal() {
    let (mut state, mut j) = console(false);
    let fp = state.alarms.visible[1].clone();
    let evs = j.commit(vec![NewEvent::new(
        t0(),
        "bob@jump2",
        EventKind::AlarmAcked,
        &fp,
        json!({}),
    )]);
    app::update(&mut state, Msg::Events(evs), t0());
    assert_eq!(
        state.board.get(&fp).unwrap().ack.as_ref().unwrap().by,
        "bob@jump2"
    );
    assert_eq!(state.log.lines.back().unwrap().actor, "bob@jump2");
}

#[test]
fn operators_joining_and_leaving_are_tracked() {
    let (mut state, mut j) = console(false);
    let joined = j.commit(vec![NewEvent::new(
        t0(),
        "bob@jump2",
        EventKind::OperatorJoined,
        "bob@jump2",
        json!({}),
    )]);
    app::update(&mut state, Msg::Events(joined), t0());
    assert!(state.operators.online.contains_key("bob@jump2"));
    let left = j.commit(vec![NewEvent::new(
        t0(),
        "bob@jump2",
        EventKind::OperatorLeft,
        "bob@jump2",
        json!({}),
    )]);
    app::update(&mut state, Msg::Events(left), t0());
    assert!(!state.operators.online.contains_key("bob@jump2"));
}

#[test]
fn palette_enter_runs_the_highlighted_completion() {
    let (mut state, _) = console(false);
    // Down twice from the top of the list: alarms, monitor, log.
    app::update(&mut state, key(':'), t0());
    app::update(&mut state, code(KeyCode::Down), t0());
    app::update(&mut state, code(KeyCode::Down), t0());
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert!(matches!(state.mode, Mode::Normal), "{:?}", state.mode);
    assert_eq!(state.view, View::Log);
    // A completion that needs an argument is taken into the line instead.
    app::update(&mut state, key(':'), t0());
    typed(&mut state, "the");
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert!(
        matches!(&state.mode, Mode::Command { input, error: None, .. } if input.text == "theme "),
        "{:?}",
        state.mode
    );
}

#[test]
fn palette_tab_cycles_through_completions() {
    let (mut state, _) = console(false);
    app::update(&mut state, key(':'), t0());
    let line = |s: &State| match &s.mode {
        Mode::Command { input, .. } => input.text.clone(),
        other => panic!("{other:?}"),
    };
    app::update(&mut state, code(KeyCode::Tab), t0());
    assert_eq!(line(&state), "alarms");
    app::update(&mut state, code(KeyCode::Tab), t0());
    assert_eq!(line(&state), "monitor");
    app::update(&mut state, code(KeyCode::Tab), t0());
    assert_eq!(line(&state), "log");
    app::update(&mut state, code(KeyCode::BackTab), t0());
    assert_eq!(line(&state), "monitor");
    app::update(&mut state, code(KeyCode::Enter), t0());
    assert_eq!(state.view, View::Monitor);
    // Typing ends the cycle: completions follow the new text.
    app::update(&mut state, key(':'), t0());
    typed(&mut state, "so");
    app::update(&mut state, code(KeyCode::Tab), t0());
    assert_eq!(line(&state), "sort ");
    app::update(&mut state, code(KeyCode::Tab), t0());
    assert!(line(&state).starts_with("sort "), "{}", line(&state));
}

#[test]
fn a_bad_regex_is_one_line_at_its_column_and_esc_clears_it() {
    let (mut state, _) = console(false);
    app::update(&mut state, key('/'), t0());
    typed(&mut state, "alertname=~\"(\"");
    let Mode::Filter { error: Some(e), .. } = &state.mode else {
        panic!("{:?}", state.mode);
    };
    assert!(!e.contains('\n'), "one line: {e:?}");
    // `alertname=~"(` : the `(` is column 13.
    assert!(e.starts_with("at column 13:"), "{e}");
    app::update(&mut state, code(KeyCode::Enter), t0());
    let status = state.status.clone().expect("the refusal is said");
    assert!(!status.text.contains('\n'), "{:?}", status.text);
    app::update(&mut state, code(KeyCode::Esc), t0());
    assert!(matches!(state.mode, Mode::Normal));
    assert!(
        state.status.is_none(),
        "the error stays after Esc: {:?}",
        state.status
    );
}
