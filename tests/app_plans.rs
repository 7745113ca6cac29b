//! The plans room driven by messages (no processes): the parameter form
//! checked as it is typed, the preview with secrets masked, the run's
//! start journaled before anything runs, the operator's keys (confirm,
//! skip, retry, abort), the two-person rule over a shared journal,
//! read-only and observer consoles, changes, inspections on the leader,
//! and a run interrupted by a crash.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::plans::{Catalog, PlanEffect, PlanMsg, Popup};
use cocpit::app::{self, Effect, Init, Mode, Msg, RunMode, Session, State, View};
use cocpit::domain::event::payload;
use cocpit::domain::plan::payloads::Outcome;
use cocpit::domain::plan::run::At;
use cocpit::domain::plan::{Plan, RunState, StepState};
use cocpit::domain::{AlarmBoard, EventKind, NewEvent, ObservedAlarm, Role, Severity};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use support::console::MemJournal;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + Duration::seconds(s)
}

fn plan(yaml: &str) -> Plan {
    cocpit::spec::plans::parse("test.yaml", yaml, &cocpit::app::faults::providers())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn session(operator: &str, readonly: bool, role: Role) -> Session {
    Session {
        operator: operator.into(),
        mode: RunMode::Demo,
        readonly,
        role,
        journal_path: "/tmp/j.db".into(),
    }
}

fn console_with(operator: &str, readonly: bool, role: Role, plans: Vec<Plan>) -> State {
    let mut init = Init::new(session(operator, readonly, role), AlarmBoard::new(), t(0));
    init.plans = Catalog {
        plans,
        errors: Vec::new(),
    };
    State::from_init(init)
}

fn console(plans: Vec<Plan>) -> State {
    console_with("alice@jump1", false, Role::Operator, plans)
}

fn key(s: &mut State, code: KeyCode, at: i64) -> Vec<Effect> {
    app::update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), t(at))
}

fn ch(s: &mut State, c: char, at: i64) -> Vec<Effect> {
    key(s, KeyCode::Char(c), at)
}

fn typed(s: &mut State, text: &str, at: i64) {
    for c in text.chars() {
        ch(s, c, at);
    }
}

/// Answer every journal effect (commits rows first, appends tailed) until
/// none is left; what is left for the runtime is returned.
fn drive(s: &mut State, j: &mut MemJournal, fx: Vec<Effect>, at: i64) -> Vec<Effect> {
    let mut todo = fx;
    let mut rest = Vec::new();
    while !todo.is_empty() {
        let mut next = Vec::new();
        for e in todo {
            match e {
                Effect::Commit { token, events } => {
                    let rows = j.commit(events);
                    let ids = rows.iter().map(|r| r.id).collect();
                    next.extend(app::update(s, Msg::Events(rows), t(at)));
                    next.extend(app::update(
                        s,
                        Msg::Committed {
                            token,
                            result: Ok(ids),
                        },
                        t(at),
                    ));
                }
                Effect::Append(events) => {
                    let rows = j.commit(events);
                    next.extend(app::update(s, Msg::Events(rows), t(at)));
                }
                other => rest.push(other),
            }
        }
        todo = next;
    }
    rest
}

fn execs(fx: &[Effect]) -> Vec<(String, At, u32)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Plan(PlanEffect::Exec {
                run, at, attempt, ..
            }) => Some((run.clone(), *at, *attempt)),
            _ => None,
        })
        .collect()
}

fn finish(
    s: &mut State,
    j: &mut MemJournal,
    exec: &(String, At, u32),
    ok: bool,
    at: i64,
) -> Vec<Effect> {
    let outcome = if ok {
        Outcome::ok("done\n")
    } else {
        Outcome::failed("exit 1")
    };
    let fx = app::update(
        s,
        Msg::Plan(PlanMsg::Finished {
            run: exec.0.clone(),
            at: exec.1,
            attempt: exec.2,
            outcome,
        }),
        t(at),
    );
    drive(s, j, fx, at)
}

fn kinds(j: &MemJournal) -> Vec<String> {
    j.rows.iter().map(|r| r.kind.clone()).collect()
}

fn status(s: &State) -> String {
    s.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

const RESTART: &str = r#"
id: restart-payments
title: Restart the payments service
service: payments
applies_to: 'service=payments'
params:
  - name: instance
    from: alarm.labels.instance
    pattern: '^[a-z0-9.-]+$'
    required: true
  - name: token
    secret: true
    default: hunter2
steps:
  - name: drain
    run: [kubectl, drain, "{{params.instance}}", "--token={{params.token}}"]
    confirm: true
  - name: look
    manual: "Check the dashboard"
  - name: restart
    run: [false]
  - name: healthy
    run: [true]
rollback:
  - name: uncordon
    run: [kubectl, uncordon, "{{params.instance}}"]
"#;

/// Open the first plan's form in the Plans view.
fn open_form(s: &mut State) {
    ch(s, '5', 0);
    assert_eq!(s.view, View::Plans);
    key(s, KeyCode::Enter, 0);
}

/// Form filled with `instance`, preview, Enter: the start's effects.
fn start_restart(s: &mut State, instance: &str) -> Vec<Effect> {
    open_form(s);
    typed(s, instance, 0);
    key(s, KeyCode::Enter, 0); // from instance to token
    key(s, KeyCode::Enter, 0); // submit: preview
    assert!(
        matches!(&s.mode, Mode::Plans(p) if matches!(**p, Popup::Preview(_))),
        "preview expected: {:?} / {}",
        s.mode,
        status(s)
    );
    key(s, KeyCode::Enter, 1)
}

#[test]
fn a_bad_value_is_refused_as_it_is_typed_and_on_submit() {
    let mut s = console(vec![plan(RESTART)]);
    open_form(&mut s);
    typed(&mut s, "db1; rm -rf /", 0);
    let Mode::Plans(p) = &s.mode else {
        panic!("form expected: {:?}", s.mode)
    };
    let Popup::Form(f) = &**p else { panic!() };
    assert!(
        f.errors[0]
            .as_deref()
            .is_some_and(|e| e.contains("does not match")),
        "{:?}",
        f.errors
    );
    key(&mut s, KeyCode::Enter, 0);
    key(&mut s, KeyCode::Enter, 0);
    let Mode::Plans(p) = &s.mode else {
        panic!("still the form")
    };
    let Popup::Form(f) = &**p else {
        panic!("no preview for a bad value")
    };
    assert!(
        f.form
            .error
            .as_deref()
            .is_some_and(|e| e.contains("does not match"))
    );
    assert_eq!(f.form.focus, 0, "the bad field gets the focus");
}

#[test]
fn the_preview_shows_exact_argv_with_secrets_masked() {
    let mut s = console(vec![plan(RESTART)]);
    open_form(&mut s);
    typed(&mut s, "db1", 0);
    key(&mut s, KeyCode::Enter, 0);
    key(&mut s, KeyCode::Enter, 0);
    let Mode::Plans(p) = &s.mode else { panic!() };
    let Popup::Preview(p) = &**p else {
        panic!("preview expected")
    };
    let text: Vec<String> = p
        .lines
        .iter()
        .map(|(_, n, _, w)| format!("{n}: {}", w.clone().unwrap_or_else(|e| e)))
        .collect();
    let all = text.join("\n");
    assert!(
        all.contains("\"kubectl\" \"drain\" \"db1\" \"--token=••••\""),
        "{all}"
    );
    assert!(!all.contains("hunter2"), "{all}");
    assert!(all.contains("uncordon"), "rollback previewed too: {all}");
}

#[test]
fn the_run_is_journaled_before_anything_runs_and_keys_drive_it() {
    let mut s = console(vec![plan(RESTART)]);
    let mut j = MemJournal::default();
    let fx = start_restart(&mut s, "db1");
    // One commit, the start first; no step runs before the journal answers.
    assert!(execs(&fx).is_empty(), "{fx:?}");
    let Some(Effect::Commit { events, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(events[0].kind, EventKind::PlanRunStarted.as_str());
    assert!(
        !events[0].payload.to_string().contains("hunter2"),
        "secrets never journaled"
    );
    let rest = drive(&mut s, &mut j, fx, 1);
    // The first step asks to confirm: nothing runs yet.
    assert!(execs(&rest).is_empty(), "{rest:?}");
    let run = s.plans.open.clone().expect("the execution view is open");
    let view = s.plans.runs.get(&run).expect("on the journal");
    assert_eq!(view.steps[0].state, StepState::WaitingConfirm);

    // c: the confirmation is committed, then the step runs.
    let fx = ch(&mut s, 'c', 2);
    assert!(execs(&fx).is_empty(), "decision first: {fx:?}");
    assert!(matches!(fx.first(), Some(Effect::Commit { .. })));
    let rest = drive(&mut s, &mut j, fx, 2);
    let e = execs(&rest);
    assert_eq!(e.len(), 1, "{rest:?}");
    let rest = finish(&mut s, &mut j, &e[0], true, 3);
    assert!(execs(&rest).is_empty());
    assert_eq!(
        s.plans.runs.get(&run).unwrap().steps[1].state,
        StepState::WaitingOperator
    );
    // c ticks the manual step off; the failing step runs.
    let fx = ch(&mut s, 'c', 4);
    let rest = drive(&mut s, &mut j, fx, 4);
    let e = execs(&rest);
    assert_eq!(e.len(), 1);
    finish(&mut s, &mut j, &e[0], false, 5);
    assert_eq!(s.plans.runs.get(&run).unwrap().state, RunState::Stopped);
    // r: run it again.
    let fx = ch(&mut s, 'r', 6);
    let rest = drive(&mut s, &mut j, fx, 6);
    let e = execs(&rest);
    assert_eq!(e.len(), 1, "{rest:?}");
    finish(&mut s, &mut j, &e[0], false, 7);
    // s: skip it and go on.
    let fx = ch(&mut s, 's', 8);
    let rest = drive(&mut s, &mut j, fx, 8);
    let e = execs(&rest);
    assert_eq!(e.len(), 1);
    finish(&mut s, &mut j, &e[0], true, 9);
    let v = s.plans.runs.get(&run).unwrap();
    assert_eq!(v.state, RunState::Succeeded, "{:?}", v.state);
    assert!(s.plans.driving.is_empty());
    let k = kinds(&j);
    assert_eq!(k.first().map(String::as_str), Some("plan.run_started"));
    assert_eq!(k.last().map(String::as_str), Some("plan.run_finished"));
    assert!(
        k.iter().filter(|k| *k == "plan.decided").count() >= 4,
        "{k:?}"
    );
}

#[test]
fn abort_runs_the_rollback() {
    let mut s = console(vec![plan(RESTART)]);
    let mut j = MemJournal::default();
    let fx = start_restart(&mut s, "db1");
    drive(&mut s, &mut j, fx, 1);
    let run = s.plans.open.clone().unwrap();
    let fx = ch(&mut s, 'A', 2);
    let rest = drive(&mut s, &mut j, fx, 2);
    let e = execs(&rest);
    assert_eq!(e.len(), 1, "the rollback step runs: {rest:?}");
    assert_eq!(e[0].1.section, cocpit::domain::plan::run::Section::Rollback);
    finish(&mut s, &mut j, &e[0], true, 3);
    let v = s.plans.runs.get(&run).unwrap();
    assert!(matches!(v.state, RunState::Aborted { .. }), "{:?}", v.state);
}

const APPROVE: &str = r#"
id: failover-db
title: Fail over the database
steps:
  - name: ok?
    approve: "Fail over the primary"
  - name: go
    run: [true]
"#;

#[test]
fn the_runner_cannot_approve_but_a_second_console_can() {
    let mut alice = console(vec![plan(APPROVE)]);
    let mut bob = console_with("bob@jump2", false, Role::Observer, vec![plan(APPROVE)]);
    let mut j = MemJournal::default();
    ch(&mut alice, '5', 0);
    key(&mut alice, KeyCode::Enter, 0);
    let fx = key(&mut alice, KeyCode::Enter, 0);
    let rest = drive(&mut alice, &mut j, fx, 1);
    assert!(execs(&rest).is_empty());
    let run = alice.plans.open.clone().unwrap();
    // Alice runs it: her own approval is refused (two-person rule).
    let fx = ch(&mut alice, 'a', 2);
    assert!(fx.is_empty());
    assert!(status(&alice).contains("two-person"), "{}", status(&alice));
    // Bob's console sees the run on the journal and approves it.
    app::update(&mut bob, Msg::Events(j.rows.clone()), t(2));
    assert!(
        status(&bob).contains("approval"),
        "bob is told: {}",
        status(&bob)
    );
    assert_eq!(
        bob.plans.runs.get(&run).unwrap().steps[0].state,
        StepState::WaitingApproval
    );
    ch(&mut bob, '5', 2);
    ch(&mut bob, 'w', 2);
    let fx = ch(&mut bob, 'a', 3);
    let Some(Effect::Commit { events, .. }) = fx.first() else {
        panic!("approval committed: {fx:?} {}", status(&bob))
    };
    assert_eq!(events[0].kind, EventKind::PlanDecided.as_str());
    assert_eq!(events[0].actor, "bob@jump2");
    let rows = j.commit(events.clone());
    // Alice's console reads the approval and goes on.
    let fx = app::update(&mut alice, Msg::Events(rows), t(4));
    let rest = drive(&mut alice, &mut j, fx, 4);
    let e = execs(&rest);
    assert_eq!(e.len(), 1, "the next step runs: {rest:?}");
    let step = &alice.plans.runs.get(&run).unwrap().steps[0];
    assert_eq!(step.state, StepState::Ok);
    assert_eq!(step.by.as_deref(), Some("bob@jump2"));
}

#[test]
fn readonly_and_observer_consoles_never_start_a_run() {
    for (ro, role) in [(true, Role::Operator), (false, Role::Observer)] {
        let mut s = console_with("carol@jump3", ro, role, vec![plan(RESTART)]);
        ch(&mut s, '5', 0);
        let fx = key(&mut s, KeyCode::Enter, 0);
        assert!(fx.is_empty());
        assert!(matches!(s.mode, Mode::Normal), "{:?}", s.mode);
        assert!(
            status(&s).contains("read-only") || status(&s).contains("observer"),
            "{}",
            status(&s)
        );
    }
}

fn alarm(name: &str, service: &str, instance: &str, at: i64) -> NewEvent {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_string(), name.to_string());
    labels.insert("service".to_string(), service.to_string());
    labels.insert("instance".to_string(), instance.to_string());
    let a = ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "demo".into(),
        name: name.into(),
        severity: Severity::Critical,
        labels: labels.into(),
        annotations: Default::default(),
        starts_at: t(at),
        generator_url: None,
    };
    NewEvent::new(
        t(at),
        "source:demo",
        EventKind::AlarmRaised,
        &a.fingerprint,
        payload(&a),
    )
}

#[test]
fn p_on_an_alarm_goes_straight_to_the_one_plan_prefilled() {
    let mut s = console(vec![plan(RESTART)]);
    let mut j = MemJournal::default();
    let rows = j.commit(vec![alarm("PaymentsDown", "payments", "pay-1", 0)]);
    app::update(&mut s, Msg::Events(rows), t(0));
    ch(&mut s, 'p', 1);
    assert_eq!(s.view, View::Plans);
    let Mode::Plans(p) = &s.mode else {
        panic!("form expected: {:?} {}", s.mode, status(&s))
    };
    let Popup::Form(f) = &**p else { panic!() };
    assert_eq!(f.value(0), "pay-1", "prefilled from the alarm's label");
}

const CHANGE: &str = r#"
id: patch-payments
title: Patch the payments hosts
kind: change
window: 30m
silences: ['service=payments']
steps:
  - name: patch
    run: [true]
"#;

#[test]
fn a_change_silences_and_marks_alarms_during_its_window() {
    let mut s = console(vec![plan(CHANGE)]);
    let mut j = MemJournal::default();
    let rows = j.commit(vec![alarm("PaymentsSlow", "payments", "pay-1", 0)]);
    app::update(&mut s, Msg::Events(rows), t(0));
    ch(&mut s, '5', 1);
    let fx = key(&mut s, KeyCode::Enter, 1); // no params: the preview
    assert!(fx.is_empty());
    let fx = key(&mut s, KeyCode::Enter, 1);
    let rest = drive(&mut s, &mut j, fx, 1);
    let k = kinds(&j);
    assert!(k.contains(&"change.opened".to_string()), "{k:?}");
    assert!(
        k.contains(&"alarm.silenced".to_string()),
        "journal silence: {k:?}"
    );
    // An alarm raised during the window is marked.
    let rows = j.commit(vec![alarm("PaymentsDown", "payments", "pay-2", 60)]);
    app::update(&mut s, Msg::Events(rows), t(60));
    let fp = j.rows.last().unwrap().subject.clone();
    let a = s.board.get(&fp).unwrap();
    let c = s
        .plans
        .runs
        .change_for(a, t(60))
        .expect("during the change");
    assert!(c.id.starts_with("change-"));
    let parts = cocpit::app::layout::header_parts(&s, true, false, false);
    assert!(
        parts.contains(&cocpit::app::layout::Part::Changes(1)),
        "{parts:?}"
    );
    // The run ends: the change is closed with its outcome.
    let e = execs(&rest);
    assert_eq!(e.len(), 1);
    finish(&mut s, &mut j, &e[0], true, 61);
    let k = kinds(&j);
    assert!(k.contains(&"change.closed".to_string()), "{k:?}");
    assert_eq!(
        k.last().map(String::as_str),
        Some("alarm.unacked"),
        "its silence lifted: {k:?}"
    );
    assert!(s.plans.runs.change_for(a_of(&s, &fp), t(62)).is_none());
}

fn a_of<'a>(s: &'a State, fp: &str) -> &'a cocpit::domain::Alarm {
    s.board.get(fp).unwrap()
}

const INSPECTION: &str = r#"
id: check-disks
title: Check the disks
kind: inspection
schedule: every 1h
steps:
  - name: df
    run: [df, -h]
"#;

#[test]
fn inspections_start_when_due_on_the_leader_only() {
    let mut follower = console(vec![plan(INSPECTION)]);
    let fx = app::update(&mut follower, Msg::Tick, t(1));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Commit { .. })),
        "{fx:?}"
    );
    // `cocpit drill run --headless` leads its journal but is there for its
    // drill only.
    let mut headless = console(vec![plan(INSPECTION)]);
    headless.drills.headless = true;
    app::update(&mut headless, Msg::IngestRole { leader: true }, t(0));
    let fx = app::update(&mut headless, Msg::Tick, t(1));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Commit { .. })),
        "{fx:?}"
    );

    let mut s = console(vec![plan(INSPECTION)]);
    let mut j = MemJournal::default();
    app::update(&mut s, Msg::IngestRole { leader: true }, t(0));
    let fx = app::update(&mut s, Msg::Tick, t(1));
    let Some(Effect::Commit { events, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(events[0].kind, EventKind::PlanRunStarted.as_str());
    assert_eq!(events[0].payload["attended"], false);
    let rest = drive(&mut s, &mut j, fx, 1);
    let e = execs(&rest);
    assert_eq!(e.len(), 1);
    // Running: not started twice.
    let fx = app::update(&mut s, Msg::Tick, t(2));
    assert!(execs(&fx).is_empty() && !fx.iter().any(|e| matches!(e, Effect::Commit { .. })));
    finish(&mut s, &mut j, &e[0], true, 3);
    // Done: not due again before the hour.
    let fx = app::update(&mut s, Msg::Tick, t(60));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Commit { .. })),
        "{fx:?}"
    );
    let fx = app::update(&mut s, Msg::Tick, t(3601));
    assert!(
        matches!(fx.first(), Some(Effect::Commit { .. })),
        "due again: {fx:?}"
    );
}

#[test]
fn a_crash_interrupted_run_is_shown_interrupted_and_r_rolls_it_back() {
    // A previous console of alice started a run and died.
    let mut before = console(vec![plan(RESTART)]);
    let mut j = MemJournal::default();
    let fx = start_restart(&mut before, "db1");
    drive(&mut before, &mut j, fx, 1);
    let run = before.plans.open.clone().unwrap();

    // The next start: the run is on the journal, unfinished, alice's.
    let mut runs = cocpit::domain::plan::runs::Runs::default();
    for r in &j.rows {
        runs.apply(r);
    }
    let mut init = Init::new(
        session("alice@jump1", false, Role::Operator),
        AlarmBoard::new(),
        t(100),
    );
    init.plans = Catalog {
        plans: vec![plan(RESTART)],
        errors: Vec::new(),
    };
    // A `cocpit plan run` of alice's, still going from a shell, is not
    // the dead console's.
    let mut with_headless = runs.clone();
    let headless = {
        let mut p = plan(RESTART);
        p.id = "headless-one".into();
        let mut r = cocpit::domain::plan::PlanRun::new(
            p,
            cocpit::domain::plan::run::Start {
                run_id: "run-headless".into(),
                operator: "alice@jump1".into(),
                alarm: None,
                attended: false,
                assume_yes: true,
                params: [("host".to_string(), "db1".to_string())].into(),
                ctx: Default::default(),
                rollback_of: None,
            },
            t(50),
        );
        r.headless = true;
        r.start(t(50))
    };
    for o in headless {
        if let cocpit::domain::plan::run::Out::Record(ev) = o {
            let mut ne = ev.to_new_event(t(50), "alice@jump1");
            ne.ts = t(50);
            with_headless.apply(&cocpit::domain::Event {
                id: with_headless.last_event_id + 1,
                ts: ne.ts,
                actor: ne.actor,
                kind: ne.kind,
                subject: ne.subject,
                payload: ne.payload,
                prev_hash: String::new(),
                hash: String::new(),
            });
        }
    }
    let mut both = init.clone();
    both.plan_runs = with_headless;
    let rows = cocpit::app::plans::interrupted_rows(&State::from_init(both));
    assert_eq!(rows.len(), 1, "only the console's run: {rows:?}");
    assert_ne!(rows[0].subject, "run-headless");
    init.plan_runs = runs;
    let mut s = State::from_init(init);
    let rows = cocpit::app::plans::interrupted_rows(&s);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, EventKind::PlanInterrupted.as_str());
    let rows = j.commit(rows);
    app::update(&mut s, Msg::Events(rows), t(100));
    assert_eq!(s.plans.runs.get(&run).unwrap().state, RunState::Interrupted);
    assert!(cocpit::app::plans::interrupted_rows(&s).is_empty(), "once");
    // R: its rollback, with one key.
    ch(&mut s, '5', 101);
    ch(&mut s, 'w', 101);
    let fx = ch(&mut s, 'R', 101);
    let Some(Effect::Commit { events, .. }) = fx.first() else {
        panic!("{fx:?} {}", status(&s))
    };
    assert_eq!(events[0].kind, EventKind::PlanRunStarted.as_str());
    assert_eq!(events[0].payload["rollback_of"], run.as_str());
    let rest = drive(&mut s, &mut j, fx, 102);
    let e = execs(&rest);
    assert_eq!(e.len(), 1, "{rest:?}");
    assert_eq!(e[0].1.section, cocpit::domain::plan::run::Section::Rollback);
    assert!(s.plans.runs.get(&run).unwrap().rolled_back_by.is_some());
}

#[test]
fn quitting_aborts_the_runs_this_console_drives() {
    let mut s = console(vec![plan(RESTART)]);
    let mut j = MemJournal::default();
    let fx = start_restart(&mut s, "db1");
    drive(&mut s, &mut j, fx, 1);
    // q asks first: the run would be aborted.
    let fx = ch(&mut s, 'q', 2);
    assert!(fx.is_empty() && !s.quit);
    assert!(
        matches!(&s.mode, Mode::Ask(a) if matches!(&**a, app::Ask::Quit { abort, .. } if abort.len() == 1)),
        "{:?}",
        s.mode
    );
    let fx = ch(&mut s, 'y', 2);
    assert!(s.quit && fx.contains(&Effect::Quit));
    let rows = cocpit::app::plans::on_quit(&mut s);
    let k: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert!(k.contains(&"plan.run_finished"), "{k:?}");
    assert!(s.plans.driving.is_empty());
}

/// A real plan through the real runtime (journal writer and tailer, the
/// executor, child processes): form, preview, start, every step, the rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_plan_runs_end_to_end_through_the_headless_runtime() {
    use cocpit::runtime::boot::Options;
    use cocpit::runtime::headless::Headless;
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    std::fs::write(
        plans.join("echo.yaml"),
        r#"
id: echo-twice
title: Echo twice
params:
  - name: msg
    default: "hello; rm -rf /"
steps:
  - name: say
    run: [echo, "{{params.msg}}"]
  - name: pause
    wait: 1s
  - name: again
    run: [sh, -c, "echo again"]
"#,
    )
    .unwrap();
    let journal = dir.path().join("j.db");
    let mut opts = Options::headless(
        journal.clone(),
        "op@test",
        cocpit::sources::config::LiveConfig::default(),
    );
    opts.plans.dirs = vec![plans];
    opts.plans.embedded = Some(false);
    let mut h = Headless::start_with(&opts).await.unwrap();
    assert_eq!(
        h.state.plans.catalog.plans.len(),
        1,
        "{:?}",
        h.state.plans.catalog.errors
    );
    h.typed("5");
    h.key(KeyCode::Enter); // the form, prefilled with the default
    h.key(KeyCode::Enter); // the preview
    h.key(KeyCode::Enter); // start
    let over = h
        .until(std::time::Duration::from_secs(20), |s| {
            s.plans.runs.runs.values().any(|r| r.is_over())
        })
        .await;
    assert!(over, "the run did not end: {:?}", h.state.plans.runs);
    let run = h.state.plans.runs.runs.values().next().unwrap().clone();
    assert_eq!(run.state, RunState::Succeeded, "{run:?}");
    assert_eq!(
        run.steps[0].output, "hello; rm -rf /\n",
        "one literal argument"
    );
    assert_eq!(run.steps[2].output, "again\n");
    h.shutdown();
    let j = cocpit::journal::Journal::open(&journal).unwrap();
    let kinds: Vec<String> = j
        .read_after(0, 10_000)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| k.starts_with("plan."))
        .collect();
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("plan.run_started"),
        "{kinds:?}"
    );
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("plan.run_finished"),
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "plan.step_finished").count(),
        3,
        "{kinds:?}"
    );
}

const IN_CORE: &str = r#"
id: heal-payments
title: Heal payments
steps:
  - name: heal
    inject: {provider: sim, target: "sim:payments", action: heal, duration: 5m}
  - name: quiet
    silence: {matchers: 'service=payments', duration: 30m, comment: "healing"}
  - name: resolved
    wait_for: {alarm_resolved: 'service=payments'}
    timeout: 60s
  - name: unheal
    recover: heal
"#;

#[test]
fn inject_recover_silence_and_alarm_waits_are_done_in_the_core() {
    use cocpit::app::faults::{FaultEffect, FaultMsg};
    use cocpit::domain::fault::payloads::WithRecord;
    use cocpit::domain::fault::{Owner, OwnerKind, RecoveryRecord};
    let mut s = console(vec![plan(IN_CORE)]);
    s.faults.me = Some(Owner {
        kind: OwnerKind::Console,
        actor: "alice@jump1".into(),
        host: "jump1".into(),
        pid: 42,
        start: 7,
        instance: "me".into(),
    });
    let mut j = MemJournal::default();
    let rows = j.commit(vec![alarm("PaymentsDown", "payments", "pay-1", 0)]);
    app::update(&mut s, Msg::Events(rows), t(0));
    let fp = j.rows[0].subject.clone();
    ch(&mut s, '5', 1);
    key(&mut s, KeyCode::Enter, 1);
    let fx = key(&mut s, KeyCode::Enter, 1);
    let rest = drive(&mut s, &mut j, fx, 1);
    // The inject step went through the faults room: intent journaled, then injected.
    assert!(
        kinds(&j).contains(&"fault.intended".to_string()),
        "{:?}",
        kinds(&j)
    );
    let Some(Effect::Fault(FaultEffect::Inject { id, .. })) = rest.first() else {
        panic!("{rest:?}")
    };
    let id = id.clone();
    assert!(
        execs(&rest).is_empty(),
        "nothing for the runtime's executor"
    );
    let rows = j.commit(vec![NewEvent::new(
        t(2),
        "alice@jump1",
        EventKind::FaultActive,
        &id,
        payload(&WithRecord {
            record: RecoveryRecord {
                provider: "sim".into(),
                summary: "heal payments".into(),
                data: serde_json::json!({}),
            },
        }),
    )]);
    app::update(&mut s, Msg::Events(rows), t(2));
    let fx = app::update(
        &mut s,
        Msg::Fault(FaultMsg::Done {
            id: id.clone(),
            error: None,
        }),
        t(2),
    );
    let rest = drive(&mut s, &mut j, fx, 2);
    let run = s.plans.runs.runs.values().next().unwrap().clone();
    assert_eq!(run.steps[0].state, StepState::Ok, "{:?}", run.steps[0]);
    assert_eq!(run.steps[0].fault_id.as_deref(), Some(id.as_str()));
    // The silence step: a journal silence (not an Alertmanager alarm).
    assert_eq!(run.steps[1].state, StepState::Ok, "{:?}", run.steps[1]);
    assert!(s.board.get(&fp).unwrap().is_acked(), "silenced");
    // Waiting for the alarm to resolve: still firing.
    assert!(matches!(run.steps[2].state, StepState::Running { .. }));
    assert!(rest.is_empty(), "{rest:?}");
    let resolved = NewEvent::new(
        t(10),
        "source:demo",
        EventKind::AlarmResolved,
        &fp,
        serde_json::json!({}),
    );
    let rows = j.commit(vec![resolved]);
    let fx = app::update(&mut s, Msg::Events(rows), t(10));
    let rest = drive(&mut s, &mut j, fx, 10);
    // Resolved: the recover step goes to the faults room.
    assert!(
        rest.iter().any(
            |e| matches!(e, Effect::Fault(FaultEffect::Recover { fault, .. }) if fault.id == id)
        ),
        "{rest:?}"
    );
    let fx = app::update(
        &mut s,
        Msg::Fault(FaultMsg::Done {
            id: id.clone(),
            error: None,
        }),
        t(11),
    );
    drive(&mut s, &mut j, fx, 11);
    let run = s.plans.runs.runs.values().next().unwrap();
    assert_eq!(run.state, RunState::Succeeded, "{:?}", run.steps);
}

#[test]
fn a_click_selects_a_plan_or_a_run() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut s = console(vec![plan(RESTART), plan(APPROVE)]);
    app::update(
        &mut s,
        Msg::Resize {
            width: 120,
            height: 40,
        },
        t(0),
    );
    ch(&mut s, '5', 0);
    let a = cocpit::app::layout::plans(&s);
    let click = |x: u16, y: u16| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Rows by id: failover-db, restart-payments; the second one.
    app::update(&mut s, click(a.list.x + 3, a.list.y + 3), t(0));
    assert_eq!(
        s.plans.selected_plan().map(|p| p.id.as_str()),
        Some("restart-payments")
    );
    assert_eq!(s.plans.pane, cocpit::app::plans::Pane::Plans);
}

/// The console watches its plan directories: a new file appears in the
/// catalog, a broken edit keeps the last good version and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_files_are_reloaded_while_the_console_runs() {
    use cocpit::runtime::boot::Options;
    use cocpit::runtime::headless::Headless;
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir_all(&plans).unwrap();
    let file = plans.join("a.yaml");
    std::fs::write(
        &file,
        "id: a\ntitle: First\nsteps:\n  - name: s\n    wait: 1s\n",
    )
    .unwrap();
    let mut opts = Options::headless(
        dir.path().join("j.db"),
        "op@test",
        cocpit::sources::config::LiveConfig::default(),
    );
    opts.plans.dirs = vec![plans.clone()];
    opts.plans.embedded = Some(false);
    let mut h = Headless::start_with(&opts).await.unwrap();
    assert_eq!(h.state.plans.catalog.plans.len(), 1);
    std::fs::write(
        plans.join("b.yaml"),
        "id: b\ntitle: Second\nsteps:\n  - name: s\n    wait: 1s\n",
    )
    .unwrap();
    let d = std::time::Duration::from_secs(10);
    assert!(
        h.until(d, |s| s.plans.catalog.plans.len() == 2).await,
        "the new plan was not loaded: {:?}",
        h.state.plans.catalog
    );
    std::fs::write(&file, "id: a\ntitle: First\nstpes: []\n").unwrap();
    assert!(
        h.until(d, |s| !s.plans.catalog.errors.is_empty()).await,
        "the broken edit was not noticed"
    );
    let c = &h.state.plans.catalog;
    assert_eq!(c.plans.len(), 2, "the last good version of a is kept");
    assert!(
        c.errors[0].contains("a.yaml") && c.errors[0].contains("stpes"),
        "{:?}",
        c.errors
    );
    h.shutdown();
}
