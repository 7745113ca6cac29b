//! The drills room driven through `app::update` with an in-memory journal:
//! preflight refusals (read-only, a drill already on the journal, a target
//! outside `[faults]`, sources not up), the start is one commit before any
//! fault, faults go through the faults room's intent flow, a probe guard
//! aborts the whole drill, the panic key aborts it, and a restarted
//! console records a drill whose process is gone as interrupted.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::faults::{FaultEffect, FaultMsg};
use cocpit::app::{Effect, Msg, SourceStatus, View};
use cocpit::domain::drill::Scenario;
use cocpit::domain::fault::{Owner, OwnerKind};
use crossterm::event::KeyCode;
use support::console::Console;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(s)
}

const GUARDED: &str = r#"
id: guarded
title: Guarded payments latency
blast_radius: ['sim:payments']
groups:
  - faults:
      - {provider: sim, target: 'sim:payments', action: latency, params: {ms: '900'}, duration: 60s}
expect:
  alarms:
    - {name: slow, filter: 'alertname=PaymentsLatencyHigh', within: 30s}
guards:
  - name: shop answers
    probe: 'http://127.0.0.1:9/health'
"#;

fn scenario(yaml: &str) -> Scenario {
    cocpit::spec::drills::parse("s.yaml", yaml, &cocpit::app::faults::providers())
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>()))
}

fn owner() -> Owner {
    Owner {
        kind: OwnerKind::Console,
        actor: "ana@jump".into(),
        host: "jump".into(),
        pid: 42,
        start: 7,
        instance: "me".into(),
    }
}

/// A demo console of ana that may inject, with the demo source up and one
/// scenario loaded, on the Drills view.
fn console(readonly: bool) -> Console {
    let mut c = Console::demo("ana@jump", readonly, t(0));
    c.state.faults.me = Some(owner());
    c.state.expected_sources = vec!["demo".into()];
    c.send(Msg::SourceHealth(SourceStatus {
        name: "demo".into(),
        up: true,
        last_ok: Some(t(0)),
        latency_ms: Some(3),
        detail: String::new(),
    }));
    c.state.drills.catalog.scenarios = vec![scenario(GUARDED)];
    c.key('6');
    c
}

fn kinds(c: &Console) -> Vec<String> {
    c.journal.rows.iter().map(|r| r.kind.clone()).collect()
}

/// Start the selected scenario and journal everything up to the
/// injection; the inject effect's fault id.
fn started(c: &mut Console) -> String {
    let fx = c.code(KeyCode::Enter);
    assert!(
        matches!(fx.first(), Some(Effect::Commit { .. })),
        "the start is a commit first: {fx:?}"
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Fault(_))),
        "nothing is injected before the start is durable"
    );
    let rest = c.perform(fx);
    let id = rest
        .iter()
        .find_map(|e| match e {
            Effect::Fault(FaultEffect::Inject { id, spec, .. }) => {
                assert_eq!(spec.probe.as_deref(), Some("http://127.0.0.1:9/health"));
                Some(id.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("an injection after the intent: {rest:?}"));
    let k = kinds(c);
    let started = k.iter().position(|x| x == "drill.started").unwrap();
    let intended = k.iter().position(|x| x == "fault.intended").unwrap();
    assert!(started < intended, "{k:?}");
    id
}

#[test]
fn a_read_only_console_starts_no_drill() {
    let mut c = console(true);
    let fx = c.code(KeyCode::Enter);
    assert!(fx.is_empty());
    assert!(c.state.drills.driving.is_none());
}

#[test]
fn preflight_refuses_targets_outside_the_faults_config_and_sources_down() {
    let mut c = console(false);
    c.state.faults.config.allowed_targets = vec!["pid:*".into()];
    assert!(c.code(KeyCode::Enter).is_empty());
    let said = c
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("allowed_targets"), "{said}");
    let mut c = console(false);
    c.send(Msg::SourceHealth(SourceStatus {
        name: "demo".into(),
        up: false,
        last_ok: Some(t(0)),
        latency_ms: None,
        detail: "simulator stopped".into(),
    }));
    assert!(c.code(KeyCode::Enter).is_empty());
    let said = c
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("source demo is down"), "{said}");
}

#[test]
fn a_second_drill_on_the_same_journal_is_refused() {
    let mut c = console(false);
    started(&mut c);
    // Another console of the same journal (the rows are shared).
    let mut other = Console::demo("bob@jump", false, t(5));
    other.state.faults.me = Some(Owner {
        instance: "bob".into(),
        ..owner()
    });
    other.state.drills.catalog.scenarios = vec![scenario(GUARDED)];
    other.journal = std::mem::take(&mut c.journal);
    let rows = other.journal.rows.clone();
    other.send(Msg::Events(rows));
    other.key('6');
    assert!(other.code(KeyCode::Enter).is_empty());
    let said = other
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("is running on this journal"), "{said}");
    assert_eq!(other.state.view, View::Drills);
    assert!(other.state.drills.shown().is_some_and(|d| d.is_running()));
}

#[test]
fn a_failing_probe_guard_aborts_the_whole_drill() {
    let mut c = console(false);
    let id = started(&mut c);
    c.now = t(3);
    let fx = c.send(Msg::Fault(FaultMsg::Done {
        id: id.clone(),
        error: None,
    }));
    c.perform(fx);
    let fx = c.send(Msg::Fault(FaultMsg::ProbeFailed {
        id: id.clone(),
        reason: "connection refused twice".into(),
    }));
    c.perform(fx);
    let run = c.state.drills.driving.as_ref();
    assert!(
        run.is_some_and(|r| r
            .aborted
            .as_deref()
            .is_some_and(|a| a.contains("probe guard"))),
        "{:?}",
        run.map(|r| &r.aborted)
    );
    let guard = c
        .journal
        .rows
        .iter()
        .any(|r| r.kind == "drill.measured" && r.payload["what"] == "guard");
    assert!(guard, "{:?}", kinds(&c));
}

#[test]
fn the_panic_key_aborts_the_drill_with_every_fault() {
    let mut c = console(false);
    let id = started(&mut c);
    c.now = t(3);
    let fx = c.send(Msg::Fault(FaultMsg::Done {
        id: id.clone(),
        error: None,
    }));
    c.perform(fx);
    // The fault is active on the ledger once its row is in.
    let active = cocpit::domain::NewEvent::new(
        t(3),
        "ana@jump",
        cocpit::domain::EventKind::FaultActive,
        id.clone(),
        serde_json::json!({}),
    );
    let rows = c.journal.commit(vec![active]);
    let fx = c.send(Msg::Events(rows));
    c.perform(fx);
    c.key('X');
    let fx = c.key('y');
    let rest = c.perform(fx);
    assert!(
        rest.iter().any(
            |e| matches!(e, Effect::Fault(FaultEffect::Recover { fault, .. }) if fault.id == id)
        ),
        "{rest:?}"
    );
    assert!(
        c.state
            .drills
            .driving
            .as_ref()
            .is_some_and(|r| r.aborted.as_deref() == Some("the panic key"))
    );
}

#[test]
fn a_drill_whose_process_is_gone_is_recorded_interrupted() {
    let mut c = console(false);
    started(&mut c);
    let rows = c.journal.rows.clone();
    let mut next = Console::demo("ana@jump", false, t(60));
    next.send(Msg::Events(rows));
    let gone = cocpit::app::drills::interrupted_rows(&next.state, &|o| o.instance == "me");
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].kind, "drill.interrupted");
    let alive = cocpit::app::drills::interrupted_rows(&next.state, &|_| false);
    assert!(alive.is_empty());
}
