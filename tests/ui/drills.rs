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

/// A Chaos Toolkit experiment of the list, in its method: no clocks,
/// expectations or faults; its probes and activities in the progress log.
fn experiment_running(s: &mut State) {
    use cocpit::domain::drill::payloads::{DrillEvent, Measure, Measured, PhaseEntered, Started};
    let cat = cocpit::spec::drills::load_all(&[], true, &cocpit::app::faults::providers());
    s.drills.catalog.scenarios = cat.scenarios.into_values().map(|l| l.scenario).collect();
    s.drills.catalog.experiments = cat.experiments.into_values().collect();
    let t0 = now() - chrono::Duration::seconds(12);
    let at = |x: i64| t0 + chrono::Duration::seconds(x);
    let drill = "x5c1a9e02".to_string();
    let phase = |p: Phase| {
        Out::Record(DrillEvent::Phase(PhaseEntered {
            drill: drill.clone(),
            phase: p,
            group: None,
        }))
    };
    let measured = |what: Measure, name: &str, detail: &str| {
        Out::Record(DrillEvent::Measured(Measured {
            drill: drill.clone(),
            what,
            name: name.into(),
            secs: None,
            ok: true,
            detail: detail.into(),
        }))
    };
    let started = Out::Record(DrillEvent::Started(Started {
        drill: drill.clone(),
        scenario: "ctk-local-probe".into(),
        title: "Chaos Toolkit experiment: the host keeps answering while a busy process runs"
            .into(),
        commander: "ana@jump".into(),
        application: String::new(),
        expect: Vec::new(),
        recovery_within: None,
        ack_within: None,
        groups: 0,
        headless: false,
        owner: None,
        chaostoolkit: true,
    }));
    feed(s, &[started, phase(Phase::SteadyBefore)], at(0));
    feed(
        s,
        &[
            measured(
                Measure::Probe,
                "the-shell-answers",
                "steady state before: succeeded, tolerance met",
            ),
            measured(
                Measure::Probe,
                "the-kernel-is-named",
                "steady state before: succeeded, tolerance met",
            ),
            phase(Phase::Inject),
        ],
        at(1),
    );
    feed(
        s,
        &[measured(
            Measure::Activity,
            "burn-one-core-for-four-seconds",
            "method, 4.0s",
        )],
        at(5),
    );
    keys(s, "6");
}

#[test]
fn snapshot_drills_experiment() {
    snap("drills_experiment", false, experiment_running);
}

#[test]
fn an_experiment_is_marked_in_the_list_and_its_pane_has_no_clocks() {
    let mut s = state_with(false, 120, 40);
    experiment_running(&mut s);
    let all = text(draw(&s, 120, 40).backend().buffer());
    let row = all
        .lines()
        .find(|l| l.starts_with("│ctk-local-probe"))
        .unwrap_or_default();
    assert!(row.contains("RUNNING"), "{all}");
    assert!(all.contains("[chaostoolkit]"), "{all}");
    assert!(all.contains("Experiments: 1"), "{all}");
    assert!(
        all.contains("Chaos Toolkit experiment ctk-local-probe"),
        "{all}"
    );
    assert!(
        all.contains("burn-one-core-for-four-seconds succeeded"),
        "{all}"
    );
    assert!(!all.contains("MTTD"), "no scenario clocks: {all}");
    assert!(!all.contains("Expected alarms"), "{all}");
}

/// A payments drill that passed, reviewed: accepted, one finding, two
/// improvement items (one overdue).
fn reviewed(s: &mut State) {
    use cocpit::domain::drill::payloads::{
        Accepted, DrillEvent, ExpectSpec, Finding, Finished, Improvement, ItemStatus, Measure,
        Measured, PhaseEntered, Started, Verdict,
    };
    s.drills.catalog.scenarios = scenarios();
    let t0 = now() - chrono::Duration::minutes(30);
    let at = |x: i64| t0 + chrono::Duration::seconds(x);
    let d = "d7e1c2a9".to_string();
    let rec = |e: DrillEvent| Out::Record(e);
    let phase = |p: Phase| {
        rec(DrillEvent::Phase(PhaseEntered {
            drill: d.clone(),
            phase: p,
            group: None,
        }))
    };
    let m = |what: Measure, name: &str, secs: Option<u64>, ok: bool| {
        rec(DrillEvent::Measured(Measured {
            drill: d.clone(),
            what,
            name: name.into(),
            secs,
            ok,
            detail: String::new(),
        }))
    };
    feed(
        s,
        &[
            rec(DrillEvent::Started(Started {
                drill: d.clone(),
                scenario: "payments-latency".into(),
                title: "Payments latency regression".into(),
                commander: "ana@jump".into(),
                application: "shop".into(),
                expect: vec![ExpectSpec {
                    name: "payments slow".into(),
                    filter: "alertname=PaymentsLatencyHigh".into(),
                    within: 45,
                }],
                recovery_within: Some(120),
                ack_within: None,
                groups: 1,
                headless: false,
                owner: None,
                chaostoolkit: false,
            })),
            phase(Phase::Preflight),
            phase(Phase::SteadyBefore),
            m(Measure::Probe, "payments quiet", None, true),
        ],
        at(0),
    );
    feed(s, &[phase(Phase::Inject), phase(Phase::Observe)], at(2));
    feed(
        s,
        &[m(Measure::Detected, "payments slow", Some(9), true)],
        at(11),
    );
    feed(
        s,
        &[m(Measure::PlanRun, "run-ana-1", Some(9), true)],
        at(11),
    );
    feed(s, &[phase(Phase::Respond)], at(32));
    feed(
        s,
        &[
            m(Measure::Mitigated, "run-ana-1", Some(31), true),
            phase(Phase::Recover),
        ],
        at(33),
    );
    feed(
        s,
        &[
            m(Measure::Recovered, "recovery", Some(58), true),
            phase(Phase::SteadyAfter),
        ],
        at(60),
    );
    feed(
        s,
        &[
            m(Measure::Probe, "payments quiet", None, true),
            phase(Phase::Review),
            rec(DrillEvent::Finished(Finished {
                drill: d.clone(),
                verdict: Verdict::Passed,
                reason: "every expectation met".into(),
                mttd: Some(9),
                mtta: None,
                mttr: Some(58),
            })),
        ],
        at(63),
    );
    let item = |id: &str, title: &str, due: &str, status: ItemStatus| {
        rec(DrillEvent::Improvement(Improvement {
            drill: d.clone(),
            item: id.into(),
            title: title.into(),
            owner: "bob@jump".into(),
            due: chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").ok(),
            status,
            failure_mode: Some("payments-slow-release".into()),
            by: "ana@jump".into(),
        }))
    };
    feed(
        s,
        &[
            rec(DrillEvent::Finding(Finding {
                drill: d.clone(),
                by: "ana@jump".into(),
                text: "the latency alert took 9 s: the rule's for: 5s plus a scrape".into(),
            })),
            item(
                "i1a2b3c4",
                "shorten the latency rule's for: to 2s",
                "2025-01-01",
                ItemStatus::Open,
            ),
            item(
                "i5d6e7f8",
                "add a canary stage to the payments release",
                "2099-06-30",
                ItemStatus::InProgress,
            ),
            rec(DrillEvent::Accepted(Accepted {
                drill: d.clone(),
                by: "carol@jump1".into(),
                comment: "targets met".into(),
            })),
        ],
        at(200),
    );
    keys(s, "6");
}

#[test]
fn snapshot_drills_reviewed() {
    snap("drills_reviewed", false, reviewed);
}

#[test]
fn snapshot_improvements() {
    snap("improvements", false, |s| {
        reviewed(s);
        keys(s, "9");
    });
}

#[test]
fn the_review_shows_expected_against_observed_and_who_accepted() {
    let mut s = state_with(false, 120, 40);
    reviewed(&mut s);
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(
        all.contains("alarm payments slow fires within 45s"),
        "{all}"
    );
    assert!(all.contains("fired at +9s"), "{all}");
    assert!(all.contains("ACCEPTED by carol"), "{all}");
    assert!(all.contains("Findings (1)"), "{all}");
    keys(&mut s, "9");
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(all.contains("2 open, 1 overdue"), "{all}");
    // Overdue first.
    let first = all.find("i1a2b3c4").unwrap_or(usize::MAX);
    let second = all.find("i5d6e7f8").unwrap_or(0);
    assert!(first < second, "{all}");
}
