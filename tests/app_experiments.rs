//! Chaos Toolkit experiments on the Drills view, driven through
//! `app::update` with an in-memory journal: the start is one commit and
//! the run is asked for only once it is durable; an abort from any console
//! is a row the running console turns into a stop; the panic key stops it
//! at once; a read-only console and a journal with a drill running refuse;
//! the end clears the console for the next one.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::drills::{DrillEffect, DrillMsg};
use cocpit::app::{Effect, Msg, View};
use cocpit::domain::drill::payloads::Verdict;
use cocpit::domain::experiment::Listed;
use cocpit::domain::fault::{Owner, OwnerKind};
use crossterm::event::KeyCode;
use support::console::Console;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(s)
}

const EXPERIMENT: &str = r#"{
  "title": "the shell answers",
  "description": "a harmless experiment",
  "steady-state-hypothesis": {"title": "ok", "probes": [
    {"type": "probe", "name": "sh", "tolerance": 0, "provider": {"type": "process", "path": "true"}}
  ]},
  "method": [{"type": "action", "name": "wait", "provider": {"type": "process", "path": "sleep", "arguments": ["1"]}}]
}"#;

fn owner(instance: &str) -> Owner {
    Owner {
        kind: OwnerKind::Console,
        actor: "ana@jump".into(),
        host: "jump".into(),
        pid: 42,
        start: 7,
        instance: instance.into(),
    }
}

/// ana's demo console with only the experiment listed, on the Drills view.
fn console(operator: &str, readonly: bool) -> Console {
    let mut c = Console::demo(operator, readonly, t(0));
    c.state.faults.me = Some(owner(operator));
    c.state.drills.catalog.scenarios.clear();
    c.state.drills.catalog.experiments =
        vec![Listed::load("/srv/exp/shell.json", EXPERIMENT).unwrap()];
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

/// Enter on the experiment: the drill id it runs under.
fn started(c: &mut Console) -> String {
    let fx = c.code(KeyCode::Enter);
    assert!(
        matches!(fx.as_slice(), [Effect::Commit { .. }]),
        "the start is one commit and nothing else: {fx:?}"
    );
    let rest = c.perform(fx);
    let run = rest
        .iter()
        .find_map(|e| match e {
            Effect::Drill(DrillEffect::Run(r)) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the run once the start is durable: {rest:?}"));
    assert_eq!(run.experiment.id, "shell");
    assert_eq!(run.experiment.text, EXPERIMENT, "it runs what was listed");
    assert_eq!(c.kinds(), vec!["drill.started"]);
    assert_eq!(c.state.view, View::Drills);
    let d = c.state.drills.shown().unwrap();
    assert!(d.chaostoolkit && d.is_running() && d.scenario == "shell");
    run.drill.clone()
}

#[test]
fn the_run_is_asked_for_only_after_the_start_is_durable() {
    let mut c = console("ana@jump", false);
    let drill = started(&mut c);
    assert_eq!(c.state.drills.experiment.as_deref(), Some(drill.as_str()));
}

#[test]
fn a_start_the_journal_refused_does_not_run() {
    let mut c = console("ana@jump", false);
    let fx = c.code(KeyCode::Enter);
    let Some(Effect::Commit { token, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    let rest = c.send(Msg::Committed {
        token: *token,
        result: Err("disk full".into()),
    });
    assert!(
        !rest.iter().any(|e| matches!(e, Effect::Drill(_))),
        "{rest:?}"
    );
    assert!(c.state.drills.experiment.is_none());
    assert!(said(&c).contains("NOT recorded"), "{}", said(&c));
}

#[test]
fn a_read_only_console_and_a_busy_journal_refuse() {
    let mut ro = console("ana@jump", true);
    assert!(ro.code(KeyCode::Enter).is_empty());
    assert!(said(&ro).contains("read-only"), "{}", said(&ro));

    let mut c = console("ana@jump", false);
    started(&mut c);
    let mut other = console("bob@jump", false);
    let rows = c.journal.rows.clone();
    other.journal = std::mem::take(&mut c.journal);
    other.send(Msg::Events(rows));
    assert!(other.code(KeyCode::Enter).is_empty());
    assert!(
        said(&other).contains("is running on this journal"),
        "{}",
        said(&other)
    );
}

#[test]
fn an_abort_from_another_console_stops_it() {
    let mut c = console("ana@jump", false);
    let drill = started(&mut c);
    // bob presses A on the same drill: a row for ana's console.
    let mut bob = console("bob@jump", false);
    let rows = c.journal.rows.clone();
    bob.journal = std::mem::take(&mut c.journal);
    bob.send(Msg::Events(rows));
    let fx = bob.key('A');
    let rest = bob.perform(fx);
    assert!(
        !rest.iter().any(|e| matches!(e, Effect::Drill(_))),
        "bob does not run it, so he stops nothing himself: {rest:?}"
    );
    let asked: Vec<_> = bob
        .journal
        .rows
        .iter()
        .filter(|r| r.kind == "drill.abort_requested")
        .cloned()
        .collect();
    assert_eq!(asked.len(), 1);
    let fx = c.send(Msg::Events(asked));
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Drill(DrillEffect::Stop { drill: d, reason }) if *d == drill && reason.contains("bob@jump")
        )),
        "{fx:?}"
    );
}

#[test]
fn the_panic_key_stops_it_at_once() {
    let mut c = console("ana@jump", false);
    let drill = started(&mut c);
    c.key('X');
    let fx = c.key('y');
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Drill(DrillEffect::Stop { drill: d, .. }) if *d == drill)),
        "the stop goes out with the panic, not after a commit: {fx:?}"
    );
    c.perform(fx);
    assert!(c.kinds().contains(&"drill.abort_requested".to_string()));
}

#[test]
fn its_end_frees_the_console_and_is_said() {
    let mut c = console("ana@jump", false);
    let drill = started(&mut c);
    c.send(Msg::Drill(DrillMsg::Ended {
        drill: drill.clone(),
        verdict: Verdict::Failed,
        reason: "steady state deviated after the method".into(),
        journal: "/tmp/j.json".into(),
        errors: vec![],
    }));
    assert!(c.state.drills.experiment.is_none());
    let s = said(&c);
    assert!(s.contains("failed") && s.contains("/tmp/j.json"), "{s}");
}
