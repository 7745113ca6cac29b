//! Reviewing a drill that ended, driven through `app::update` with an
//! in-memory journal: the acceptance, findings and improvement items are
//! rows committed before the screen confirms them, an observer may accept,
//! a read-only console may not, a running drill is not reviewed yet, a bad
//! due day keeps the form open with the reason, the Improvements view
//! lists every item and `s` moves one on; a second console fed the same
//! rows shows the same review.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::{Effect, Mode, Msg, View};
use cocpit::domain::drill::payloads::{
    DrillEvent, ExpectSpec, Finished, ItemStatus, Measure, Measured, Phase, PhaseEntered, Started,
    Verdict,
};
use cocpit::domain::{NewEvent, Role};
use crossterm::event::KeyCode;
use support::console::Console;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(s)
}

/// The rows of a payments drill that passed at t(52), detected at +6 s.
fn drill_rows(done: bool) -> Vec<NewEvent> {
    let d = "d0a1b2c3".to_string();
    let mut evs = vec![
        (
            0,
            DrillEvent::Started(Started {
                drill: d.clone(),
                scenario: "payments-latency".into(),
                title: "Payments latency regression".into(),
                commander: "ana@jump".into(),
                application: "shop".into(),
                expect: vec![ExpectSpec {
                    name: "slow".into(),
                    filter: "alertname=PaymentsLatencyHigh".into(),
                    within: 20,
                }],
                recovery_within: Some(90),
                ack_within: None,
                groups: 1,
                headless: false,
                owner: None,
                chaostoolkit: false,
            }),
        ),
        (
            2,
            DrillEvent::Phase(PhaseEntered {
                drill: d.clone(),
                phase: Phase::Inject,
                group: Some(0),
            }),
        ),
        (
            8,
            DrillEvent::Measured(Measured {
                drill: d.clone(),
                what: Measure::Detected,
                name: "slow".into(),
                secs: Some(6),
                ok: true,
                detail: String::new(),
            }),
        ),
    ];
    if done {
        evs.push((
            50,
            DrillEvent::Measured(Measured {
                drill: d.clone(),
                what: Measure::Recovered,
                name: "recovery".into(),
                secs: Some(48),
                ok: true,
                detail: String::new(),
            }),
        ));
        evs.push((
            52,
            DrillEvent::Finished(Finished {
                drill: d.clone(),
                verdict: Verdict::Passed,
                reason: "every expectation met".into(),
                mttd: Some(6),
                mtta: None,
                mttr: Some(48),
            }),
        ));
    }
    evs.into_iter()
        .map(|(at, e)| e.to_new_event(t(at), "ana@jump"))
        .collect()
}

fn console(operator: &str, readonly: bool, done: bool) -> Console {
    let mut c = Console::demo(operator, readonly, t(60));
    let rows = c.journal.commit(drill_rows(done));
    c.send(Msg::Events(rows));
    c.key('6');
    c
}

fn said(c: &Console) -> String {
    c.state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn type_text(c: &mut Console, s: &str) {
    for ch in s.chars() {
        c.key(ch);
    }
}

fn rows_of(c: &Console, kind: &str) -> Vec<serde_json::Value> {
    c.journal
        .rows
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.payload.clone())
        .collect()
}

#[test]
fn accepting_is_a_committed_row_and_a_second_console_shows_it() {
    let mut c = console("ana@jump", false, true);
    c.key('a');
    assert!(matches!(c.state.mode, Mode::Drills(_)), "the form opened");
    type_text(&mut c, "met every target");
    let fx = c.code(KeyCode::Enter);
    assert!(matches!(fx.as_slice(), [Effect::Commit { .. }]), "{fx:?}");
    assert!(
        c.state.drills.shown().unwrap().accepted.is_none(),
        "not shown before the journal answered"
    );
    c.perform(fx);
    let acc = rows_of(&c, "drill.accepted");
    assert_eq!(acc.len(), 1);
    assert_eq!(acc[0]["by"], "ana@jump");
    assert_eq!(acc[0]["comment"], "met every target");
    assert!(said(&c).contains("accepted"), "{}", said(&c));
    // Bob's console, fed the same rows.
    let mut b = Console::demo("bob@jump", false, t(70));
    let rows = c.journal.rows.clone();
    b.send(Msg::Events(rows));
    let d = b.state.drills.journal.get("d0a1b2c3").unwrap();
    let (_, a) = d.accepted.as_ref().expect("bob sees the acceptance");
    assert_eq!(a.by, "ana@jump");
}

#[test]
fn an_observer_may_accept_and_a_read_only_console_may_not() {
    let mut obs = console("olga@jump", false, true);
    obs.state.session.role = Role::Observer;
    obs.key('a');
    let fx = obs.code(KeyCode::Enter);
    obs.perform(fx);
    assert_eq!(rows_of(&obs, "drill.accepted").len(), 1, "{}", said(&obs));

    let mut ro = console("rita@jump", true, true);
    ro.key('a');
    assert!(matches!(ro.state.mode, Mode::Normal));
    assert!(rows_of(&ro, "drill.accepted").is_empty());
}

#[test]
fn a_running_drill_is_reviewed_only_once_it_ends() {
    let mut c = console("ana@jump", false, false);
    c.key('n');
    assert!(matches!(c.state.mode, Mode::Normal));
    assert!(said(&c).contains("still running"), "{}", said(&c));
}

#[test]
fn findings_and_improvement_items_round_trip_and_the_list_moves_them_on() {
    let mut c = console("ana@jump", false, true);
    c.key('n');
    type_text(&mut c, "the on-call ack took a page to reach");
    let fx = c.code(KeyCode::Enter);
    c.perform(fx);
    assert_eq!(rows_of(&c, "drill.finding").len(), 1);

    c.key('i');
    // Title, then a due day that is not one: the form stays, with why.
    type_text(&mut c, "page the payments on-call directly");
    c.code(KeyCode::Tab);
    c.code(KeyCode::Tab);
    for _ in 0..12 {
        c.code(KeyCode::Backspace);
    }
    type_text(&mut c, "next week");
    let fx = c.ctrl('s');
    assert!(fx.is_empty(), "{fx:?}");
    let Mode::Drills(rec) = &c.state.mode else {
        panic!("the form stays open")
    };
    assert!(
        rec.form
            .error
            .as_deref()
            .unwrap_or("")
            .contains("YYYY-MM-DD")
    );
    for _ in 0..9 {
        c.code(KeyCode::Backspace);
    }
    type_text(&mut c, "2026-11-20");
    let fx = c.ctrl('s');
    c.perform(fx);
    let items = rows_of(&c, "drill.improvement");
    assert_eq!(items.len(), 1, "{}", said(&c));
    assert_eq!(items[0]["status"], "open");
    assert_eq!(items[0]["due"], "2026-11-20");
    assert_eq!(items[0]["owner"], "ana@jump");

    // The Improvements view: overdue (due before today, 2026-12-01).
    c.key('9');
    assert_eq!(c.state.view, View::Improvements);
    let item = cocpit::app::drills::review::selected_item(&c.state).unwrap();
    assert!(item.now.overdue(c.state.now.date_naive()));
    let fx = c.key('s');
    c.perform(fx);
    let item = cocpit::app::drills::review::selected_item(&c.state).unwrap();
    assert_eq!(item.now.status, ItemStatus::InProgress);
    assert_eq!(
        rows_of(&c, "drill.improvement").len(),
        2,
        "each change is a row"
    );

    // A second console rebuilds the same item from the rows.
    let mut b = Console::demo("bob@jump", false, t(70));
    let rows = c.journal.rows.clone();
    b.send(Msg::Events(rows));
    let it = b.state.drills.journal.items.values().next().unwrap();
    assert_eq!(it.now.status, ItemStatus::InProgress);
    assert_eq!(it.now.title, "page the payments on-call directly");
    let d = b.state.drills.journal.get("d0a1b2c3").unwrap();
    assert_eq!(d.findings.len(), 1);
    assert_eq!(d.items, vec![it.now.item.clone()]);
}

#[test]
fn the_review_checks_expected_against_observed() {
    let c = console("ana@jump", false, true);
    let d = c.state.drills.journal.get("d0a1b2c3").unwrap();
    let checks = cocpit::domain::drill::review::checks(d);
    let texts: Vec<(String, String, Option<bool>)> = checks
        .into_iter()
        .map(|c| (c.expected, c.observed, c.ok))
        .collect();
    assert_eq!(
        texts,
        vec![
            (
                "alarm slow fires within 20s".to_string(),
                "fired at +6s".to_string(),
                Some(true)
            ),
            (
                "recovered within 90s".to_string(),
                "at +48s".to_string(),
                Some(true)
            ),
        ]
    );
}

#[test]
fn report_on_the_drills_view_asks_for_the_shown_drills_report() {
    use cocpit::app::reports::ReportEffect;
    let mut c = console("ana@jump", true, true);
    c.key(':');
    type_text(&mut c, "report");
    let fx = c.code(KeyCode::Enter);
    assert_eq!(
        fx,
        vec![Effect::Report(ReportEffect {
            kind: "drill".into(),
            args: vec!["d0a1b2c3".into()],
            format: "html".into(),
        })],
        "a read-only console makes reports too"
    );
    c.key(':');
    type_text(&mut c, "report md weekly");
    assert!(c.code(KeyCode::Enter).is_empty());
}
