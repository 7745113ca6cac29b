//! The first hour at the console (issue 9), in the core: marks and bulk
//! actions, ownership between operators, escalations keeping their row,
//! the cursor staying on its alarm, the bell, sorting, search, the waiting
//! state, quitting with faults, the detail pane, the mouse and the event
//! popup. Driven through `tests/support/console.rs`.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::{self, Ask, Effect, Mode, Msg, View};
use cocpit::domain::event::payload;
use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use std::collections::BTreeMap;
use support::console::Console;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn observed(name: &str, service: &str, sev: Severity) -> ObservedAlarm {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_string(), name.to_string());
    labels.insert("service".to_string(), service.to_string());
    labels.insert("severity".to_string(), sev.as_str().to_string());
    let mut annotations = BTreeMap::new();
    annotations.insert("summary".to_string(), format!("{service} {name}"));
    let labels: cocpit::domain::alarm::Labels = labels.into();
    ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "demo".into(),
        name: name.into(),
        severity: sev,
        labels,
        annotations: annotations.into(),
        starts_at: t0(),
        generator_url: None,
    }
}

fn raise(c: &mut Console, o: &ObservedAlarm, at: i64) {
    let ev = NewEvent::new(
        t0() + Duration::seconds(at),
        "source:demo",
        EventKind::AlarmRaised,
        &o.fingerprint,
        payload(o),
    );
    c.journal(vec![ev]);
}

fn resolve(c: &mut Console, o: &ObservedAlarm, at: i64) {
    let ev = NewEvent::new(
        t0() + Duration::seconds(at),
        "source:demo",
        EventKind::AlarmResolved,
        &o.fingerprint,
        serde_json::json!({}),
    );
    c.journal(vec![ev]);
}

/// alice's console with four alarms (raised a second apart, oldest first).
fn console() -> (Console, Vec<ObservedAlarm>) {
    let mut c = Console::demo("alice@jump1", false, t0() + Duration::seconds(10));
    let alarms = vec![
        observed("PaymentsLatencyHigh", "payments", Severity::Critical),
        observed("CheckoutErrors", "checkout", Severity::Major),
        observed("CheckoutLatency", "checkout", Severity::Warning),
        observed("RedisSaturation", "redis", Severity::Warning),
    ];
    for (i, a) in alarms.iter().enumerate() {
        raise(&mut c, a, i as i64);
    }
    (c, alarms)
}

fn selected(c: &Console) -> String {
    c.state
        .selected_alarm()
        .map(|a| a.name().to_string())
        .unwrap_or_default()
}

fn commits(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::Commit { .. }))
        .count()
}

#[test]
fn space_marks_and_a_acks_every_marked_alarm_each_journaled() {
    let (mut c, _) = console();
    c.key(' ');
    c.key(' ');
    assert_eq!(
        c.state.alarms.list.marks.len(),
        2,
        "Space marks and moves on"
    );
    let fx = c.key('a');
    assert_eq!(commits(&fx), 2, "one commit per alarm: {fx:?}");
    c.perform(fx);
    assert_eq!(c.count(EventKind::AlarmAcked), 2);
    let acked: Vec<String> = c
        .state
        .board
        .iter()
        .filter(|a| a.is_acked())
        .map(|a| a.name().to_string())
        .collect();
    assert_eq!(acked.len(), 2, "{acked:?}");
    assert!(
        c.state.alarms.list.marks.is_empty(),
        "marks go after the action"
    );
}

#[test]
fn in_group_mode_space_marks_the_whole_group_and_n_notes_them_all() {
    let (mut c, _) = console();
    c.key(':');
    c.typed("group service");
    c.code(KeyCode::Enter);
    // Select a checkout alarm; Space marks both checkout alarms.
    while !selected(&c).starts_with("Checkout") {
        c.key('j');
    }
    c.key(' ');
    assert_eq!(c.state.alarms.list.marks.len(), 2);
    c.key('n');
    assert!(matches!(&c.state.mode, Mode::Note(ed) if ed.also.len() == 1));
    c.typed("looking");
    let fx = c.ctrl('s');
    assert_eq!(commits(&fx), 2);
    c.perform(fx);
    assert_eq!(c.count(EventKind::AlarmNoteAdded), 2);
}

#[test]
fn taking_someone_elses_alarm_asks_and_tells_them_and_shift_o_releases() {
    let (mut alice, alarms) = console();
    // bob owns the critical alarm.
    let bob_owns = NewEvent::new(
        t0(),
        "bob@jump2",
        EventKind::AlarmOwnerSet,
        &alarms[0].fingerprint,
        serde_json::json!({"owner": "bob@jump2"}),
    );
    alice.journal(vec![bob_owns.clone()]);
    assert_eq!(selected(&alice), "PaymentsLatencyHigh");
    assert!(alice.key('o').is_empty(), "asks first");
    assert!(matches!(&alice.state.mode, Mode::Ask(a) if matches!(**a, Ask::TakeOwnership(_))));
    // Any other key: nothing.
    assert!(alice.key('n').is_empty());
    assert!(matches!(alice.state.mode, Mode::Normal));
    alice.key('o');
    let fx = alice.key('y');
    let (events, _) = alice.commit(fx);
    assert_eq!(
        events[0].payload,
        serde_json::json!({"owner": "alice@jump1", "previous": "bob@jump2"})
    );
    assert_eq!(
        alice.state.selected_alarm().unwrap().owner.as_deref(),
        Some("alice@jump1")
    );

    // bob's console sees the row and is told.
    let mut bob = Console::demo("bob@jump2", false, t0() + Duration::seconds(10));
    for r in alice.journal.rows.clone() {
        let id = r.id;
        let _ = id;
        bob.send(Msg::Events(vec![r]));
    }
    let said = bob.state.status.clone().expect("bob is told").text;
    assert!(
        said.contains("alice took PaymentsLatencyHigh from you"),
        "{said}"
    );

    // O releases it.
    let fx = alice.key('O');
    let (events, _) = alice.commit(fx);
    assert_eq!(events[0].payload["owner"], "");
    assert!(alice.state.selected_alarm().unwrap().owner.is_none());
}

#[test]
fn an_escalation_keeps_its_row_owner_and_age_under_the_cursor() {
    let mut c = Console::demo("alice@jump1", false, t0() + Duration::seconds(60));
    let warn = observed("CheckoutLatency", "checkout", Severity::Warning);
    let other = observed("RedisSaturation", "redis", Severity::Major);
    raise(&mut c, &warn, 0);
    raise(&mut c, &other, 1);
    while selected(&c) != "CheckoutLatency" {
        c.key('j');
    }
    let fx = c.key('o');
    c.commit(fx);
    // The same alert at critical is raised, its warning resolved.
    let crit = observed("CheckoutLatency", "checkout", Severity::Critical);
    raise(&mut c, &crit, 30);
    resolve(&mut c, &warn, 30);
    let a = c.state.selected_alarm().expect("a selection").clone();
    assert_eq!(a.fingerprint(), crit.fingerprint, "the cursor follows it");
    assert_eq!(a.owner.as_deref(), Some("alice@jump1"));
    assert_eq!(a.raised_at, t0(), "age from first raised");
    assert_eq!(
        c.state
            .alarms
            .visible
            .iter()
            .filter(|fp| c
                .state
                .board
                .get(fp)
                .is_some_and(|x| x.name() == "CheckoutLatency"))
            .count(),
        1,
        "one row"
    );
}

#[test]
fn rows_arriving_above_keep_the_selected_alarm_under_the_cursor() {
    let (mut c, _) = console();
    c.send(Msg::Resize {
        width: 120,
        height: 40,
    });
    c.key('j');
    c.key('j');
    let name = selected(&c);
    let line = c.state.alarms.list.selected - c.state.alarms.list.offset;
    // Two new critical alarms sort above it.
    raise(&mut c, &observed("A", "x", Severity::Critical), 5);
    raise(&mut c, &observed("B", "y", Severity::Critical), 6);
    assert_eq!(selected(&c), name);
    let l = &c.state.alarms.list;
    assert_eq!(l.selected - l.offset, line, "same screen line");
}

#[test]
fn a_new_critical_alarm_rings_the_bell_and_flashes_once() {
    let (mut c, _) = console();
    assert_eq!(c.state.bells, 1, "the first critical rang");
    assert!(c.state.flash.is_some());
    raise(&mut c, &observed("Minor", "m", Severity::Minor), 5);
    assert_eq!(c.state.bells, 1, "not for a minor one");
    let crit = observed("DiskFull", "db", Severity::Critical);
    raise(&mut c, &crit, 6);
    assert_eq!(c.state.bells, 2);
    // An update of a critical alarm that stays critical: no bell.
    let mut again = crit.clone();
    again.annotations.insert("summary", "worse");
    let ev = NewEvent::new(
        t0(),
        "source:demo",
        EventKind::AlarmUpdated,
        &crit.fingerprint,
        payload(&again),
    );
    c.journal(vec![ev]);
    assert_eq!(c.state.bells, 2);
    // Rows replayed at start (already on the board) ring nothing.
    let rows = c.journal.rows.clone();
    c.send(Msg::Events(rows));
    assert_eq!(c.state.bells, 2);
    // The flash fades.
    c.now = t0() + Duration::seconds(60);
    c.send(Msg::Tick);
    assert!(c.state.flash.is_none());
    // `bell = false`: the header still flashes, the bell stays quiet.
    let (mut quiet, _) = console();
    quiet.state.bell_enabled = false;
    raise(&mut quiet, &observed("Down", "z", Severity::Critical), 9);
    assert_eq!(quiet.state.bells, 1, "only the one before the option");
}

#[test]
fn sort_by_any_column_reverse_it_and_age_is_newest_first() {
    let (mut c, _) = console();
    c.key(':');
    c.typed("sort age");
    c.code(KeyCode::Enter);
    assert_eq!(
        selected(&c),
        "PaymentsLatencyHigh",
        "the selection stays on its alarm"
    );
    c.key('g');
    assert_eq!(selected(&c), "RedisSaturation", "newest first");
    c.key('g');
    c.key(':');
    c.typed("sort -age");
    c.code(KeyCode::Enter);
    c.key('g');
    assert_eq!(selected(&c), "PaymentsLatencyHigh", "oldest first");
    c.key('I');
    c.key('g');
    assert_eq!(selected(&c), "RedisSaturation");
    c.key(':');
    c.typed("sort service");
    c.code(KeyCode::Enter);
    c.key('g');
    assert_eq!(
        c.state
            .board
            .get(&c.state.alarms.visible[0])
            .unwrap()
            .service(),
        "checkout"
    );
    c.key(':');
    c.typed("sort bogus");
    c.code(KeyCode::Enter);
    assert!(
        c.state
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("sort by severity, state")
    );
    // `S` cycles the columns from wherever it is.
    c.key('S');
    assert_eq!(c.state.alarms.sort().column, "name");
    // The log sorts too.
    c.key('3');
    c.key(':');
    c.typed("sort -id");
    c.code(KeyCode::Enter);
    assert_eq!(
        c.state.log.list.sort.map(|s| s.label()).as_deref(),
        Some("-id")
    );
    c.key('g');
    let first = c.state.log.selected_line().unwrap().id;
    assert_eq!(first, c.state.log.lines.back().unwrap().id, "newest first");
}

#[test]
fn search_highlights_and_jumps_with_brackets() {
    let (mut c, _) = console();
    c.key('\\');
    c.typed("checkout");
    c.code(KeyCode::Enter);
    assert!(selected(&c).starts_with("Checkout"));
    let first = selected(&c);
    c.key(']');
    assert!(selected(&c).starts_with("Checkout") && selected(&c) != first);
    c.key(']');
    assert_eq!(selected(&c), first, "wraps");
    c.key('[');
    assert_ne!(selected(&c), first);
    assert_eq!(c.state.alarms.list.search.as_deref(), Some("checkout"));
    c.code(KeyCode::Esc);
    assert!(
        c.state.alarms.list.search.is_none(),
        "Esc clears the search"
    );
    c.key(']');
    assert!(c.state.status.as_ref().unwrap().text.contains("no search"));
}

#[test]
fn an_empty_table_waits_for_every_source_before_saying_all_clear() {
    use cocpit::app::sources::{Quiet, quiet};
    let mut c = Console::demo("alice@jump1", false, t0());
    c.state.expected_sources = vec!["demo".into(), "prom".into()];
    assert_eq!(
        quiet(&c.state),
        Quiet::Waiting(vec!["demo".into(), "prom".into()])
    );
    let health = |name: &str, up: bool| {
        Msg::SourceHealth(app::SourceStatus {
            name: name.into(),
            up,
            last_ok: None,
            latency_ms: None,
            detail: String::new(),
        })
    };
    c.send(health("demo", true));
    assert_eq!(quiet(&c.state), Quiet::Waiting(vec!["prom".into()]));
    c.send(health("prom", false));
    assert_eq!(quiet(&c.state), Quiet::Unsure(vec!["prom".into()]));
    c.send(health("prom", true));
    assert_eq!(quiet(&c.state), Quiet::AllClear);
    // With no list, the first report is needed.
    let c = Console::demo("alice@jump1", false, t0());
    assert_eq!(quiet(&c.state), Quiet::Waiting(Vec::new()));
}

#[test]
fn q_asks_when_faults_would_be_recovered_and_shift_q_does_not() {
    use cocpit::domain::fault::{FaultSpec, Owner, OwnerKind, intent_event};
    let mut c = Console::demo("alice@jump1", false, t0());
    let me = Owner {
        kind: OwnerKind::Console,
        actor: "alice@jump1".into(),
        host: "h".into(),
        pid: 1,
        start: 1,
        instance: "me".into(),
    };
    c.state.faults.me = Some(me.clone());
    assert_eq!(c.key('q'), vec![Effect::Quit], "nothing to recover: quits");
    let mut c = Console::demo("alice@jump1", false, t0());
    c.state.faults.me = Some(me.clone());
    let spec = FaultSpec {
        provider: "sim".into(),
        target: "sim:payments".into(),
        action: "kill".into(),
        params: BTreeMap::new(),
        duration_secs: 60,
        guard: None,
        probe: None,
    };
    c.journal(vec![intent_event(
        t0(),
        &me,
        "f1",
        &spec,
        t0() + Duration::seconds(60),
    )]);
    assert!(c.key('q').is_empty());
    assert!(
        matches!(&c.state.mode, Mode::Ask(a) if matches!(&**a, Ask::Quit { recover, .. } if recover[0].contains("f1")))
    );
    assert!(c.key('n').is_empty(), "any other key stays");
    assert!(!c.state.quit);
    c.key('q');
    assert_eq!(c.key('y'), vec![Effect::Quit]);
    let mut c2 = Console::demo("alice@jump1", false, t0());
    c2.state.faults.me = Some(me);
    c2.journal(vec![intent_event(
        t0(),
        c2.state.faults.me.as_ref().unwrap(),
        "f2",
        &spec,
        t0() + Duration::seconds(60),
    )]);
    assert_eq!(c2.key('Q'), vec![Effect::Quit], "Q never asks");
}

#[test]
fn the_detail_pane_scrolls_with_its_own_keys() {
    let (mut c, _) = console();
    c.key('J');
    assert!(c.state.alarms.detail, "J opens the pane");
    c.key('J');
    c.key('J');
    assert_eq!(c.state.alarms.detail_scroll, 2);
    c.key('K');
    assert_eq!(c.state.alarms.detail_scroll, 1);
    for _ in 0..1000 {
        c.key('J');
    }
    assert!(c.state.alarms.detail_scroll < 100, "bounded");
    c.key('j');
    assert_eq!(
        c.state.alarms.detail_scroll, 0,
        "another alarm starts at the top"
    );
}

fn mouse(kind: MouseEventKind, x: u16, y: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn clicks_select_rows_and_tabs_and_the_wheel_scrolls() {
    let (mut c, _) = console();
    c.send(Msg::Resize {
        width: 120,
        height: 40,
    });
    // Rows start on screen line 4 (two header lines, border, headings).
    c.send(mouse(MouseEventKind::Down(MouseButton::Left), 30, 6));
    assert_eq!(c.state.alarms.list.selected, 2);
    c.send(mouse(MouseEventKind::ScrollDown, 30, 10));
    assert_eq!(
        c.state.alarms.list.selected, 3,
        "the wheel moves (to the end)"
    );
    c.send(mouse(MouseEventKind::ScrollUp, 30, 10));
    assert_eq!(c.state.alarms.list.selected, 0);
    // The tabs are where the header draws them (see the UI test
    // `tabs_are_drawn_where_a_click_finds_them`).
    let (_, log) = app::layout::tabs(&c.state, 120)
        .into_iter()
        .find(|(v, _)| *v == View::Log)
        .unwrap();
    c.send(mouse(
        MouseEventKind::Down(MouseButton::Left),
        log.start + 1,
        0,
    ));
    assert_eq!(c.state.view, View::Log);
    // Off: nothing.
    c.state.mouse = false;
    c.send(mouse(MouseEventKind::Down(MouseButton::Left), 10, 0));
    assert_eq!(c.state.view, View::Log);
}

#[test]
fn enter_in_the_log_opens_the_whole_event() {
    let (mut c, _) = console();
    c.key('3');
    c.code(KeyCode::Enter);
    let Mode::Event(view) = &c.state.mode else {
        panic!("{:?}", c.state.mode);
    };
    assert_eq!(view.line.about, "RedisSaturation · redis");
    let payload = view.payload_lines();
    assert!(payload.len() > 5, "pretty-printed: {payload:?}");
    assert!(
        payload
            .iter()
            .any(|l| l.contains("\"alertname\": \"RedisSaturation\""))
    );
    c.key('j');
    assert!(matches!(&c.state.mode, Mode::Event(v) if v.scroll == 1));
    c.code(KeyCode::Esc);
    assert!(matches!(c.state.mode, Mode::Normal));
}
