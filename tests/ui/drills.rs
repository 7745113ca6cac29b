//! The Drills view: the scenario list with last results and the drill
//! pane of a running drill (phase bar, expectations, clocks, faults,
//! progress log), rebuilt from `drill.*` journal rows as every console on
//! the journal rebuilds it; and a finished drill.

use super::fixtures::*;
use cocpit::app::{Msg, update};
use cocpit::domain::Event;
use cocpit::domain::drill::payloads::Phase;
use cocpit::domain::drill::run::{Observation, Out, Start};
use cocpit::domain::drill::{DrillRun, Scenario};

fn scenarios() -> Vec<Scenario> {
    let cat = cocpit::spec::drills::load_all(&[], true, &cocpit::app::faults::providers());
    assert!(cat.errors.is_empty());
    cat.scenarios.into_values().map(|l| l.scenario).collect()
}

/// Journal the machine's rows into the state, as the tailer would.
fn feed(s: &mut State, outs: &[Out], at: chrono::DateTime<chrono::Utc>) {
    let mut id = s.board.last_event_id.max(s.drills.journal.last_id);
    let rows: Vec<Event> = outs
        .iter()
        .filter_map(|o| match o {
            Out::Record(r) => Some(r.to_new_event(at, "ana@jump")),
            _ => None,
        })
        .map(|e| {
            id += 1;
            Event {
                id,
                ts: e.ts,
                actor: e.actor,
                kind: e.kind,
                subject: e.subject,
                payload: e.payload,
                prev_hash: String::new(),
                hash: String::new(),
            }
        })
        .collect();
    update(s, Msg::Events(rows), now());
}

/// A payments-latency drill 20 s into observing, detected at +6 s.
fn running(s: &mut State) {
    s.drills.catalog.scenarios = scenarios();
    let sc = s
        .drills
        .catalog
        .scenarios
        .iter()
        .find(|x| x.id == "payments-latency")
        .cloned()
        .unwrap();
    let t0 = now() - chrono::Duration::seconds(30);
    let at = |x: i64| t0 + chrono::Duration::seconds(x);
    let mut d = DrillRun::new(
        sc,
        Start {
            drill: "d7e1c2a9".into(),
            commander: "ana@jump".into(),
            headless: false,
            owner: None,
        },
        t0,
    );
    let outs = d.start(at(0));
    feed(s, &outs, at(0));
    let ok = |n: &str| (n.to_string(), true, String::new());
    let outs = d.probes_done(
        Phase::SteadyBefore,
        &[ok("payments quiet"), ok("scratch space writable")],
        at(1),
    );
    feed(s, &outs, at(1));
    let outs = d.injected(0, Ok("5e676d7d".into()), "sim latency sim:payments", at(2));
    feed(s, &outs, at(2));
    let obs = Observation {
        expect: vec![Some(("fp".into(), at(8)))],
        ..Observation::default()
    };
    let outs = d.tick(at(8), &obs);
    feed(s, &outs, at(8));
    let outs = d.plan_started("run-ana-1", at(8));
    feed(s, &outs, at(8));
    keys(s, "6");
}

#[test]
fn snapshot_drills_running() {
    snap("drills_running", false, running);
}

#[test]
fn snapshot_drills_none_yet() {
    snap("drills_empty", false, |s| {
        s.drills.catalog.scenarios = scenarios();
        keys(s, "6");
    });
}

#[test]
fn the_pane_shows_the_phase_the_detection_and_the_countdown() {
    let mut s = state_with(false, 120, 40);
    running(&mut s);
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(all.contains("▶observe"), "{all}");
    assert!(all.contains("detected +6s"), "{all}");
    assert!(all.contains("RUNNING"), "{all}");
    assert!(all.contains("payments-latency"), "{all}");
    // The scenario list marks the one running.
    let row = all
        .lines()
        .find(|l| l.contains("payments-latency"))
        .unwrap_or_default();
    assert!(row.contains("RUNNING"), "{row}");
}

#[test]
fn a_readonly_console_offers_no_drill_keys() {
    let mut s = state_with(true, 120, 40);
    s.drills.catalog.scenarios = scenarios();
    keys(&mut s, "6");
    key(&mut s, crossterm::event::KeyCode::Enter);
    assert!(
        s.drills.driving.is_none(),
        "read-only consoles start nothing"
    );
    keys(&mut s, "?");
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(!all.contains("start the selected scenario"), "{all}");
}

#[test]
fn the_filter_narrows_the_scenario_list() {
    let mut s = state_with(false, 120, 40);
    s.drills.catalog.scenarios = scenarios();
    keys(&mut s, "6/application=shop redis");
    key(&mut s, crossterm::event::KeyCode::Enter);
    assert_eq!(s.view, cocpit::app::View::Drills);
    assert_eq!(s.drills.rows(), 1);
    assert_eq!(
        s.drills.selected().map(|x| x.id()),
        Some("redis-blind-spot")
    );
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(all.contains("Scenarios: 1"), "{all}");
}
