//! The plan run state machine, driven without processes: the order of
//! steps, confirmations, retries, failure handling (attended runs stop and
//! wait, unattended ones roll back), the two-person rule, secrets kept out
//! of what is recorded, and the journal projection agreeing with the
//! machine.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::domain::plan::payloads::{Outcome, PlanEvent};
use cocpit::domain::plan::run::{Action, At, Out, RunState, Section, Start, StepState};
use cocpit::domain::plan::runs::Runs;
use cocpit::domain::plan::{Plan, PlanRun};
use cocpit::domain::{Event, NewEvent};
use std::collections::BTreeMap;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(s)
}

fn plan(yaml: &str) -> Plan {
    cocpit::spec::plans::parse("t.yaml", yaml, &["sim"])
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>()))
}

fn start(attended: bool, params: &[(&str, &str)]) -> Start {
    Start {
        run_id: "run-1".into(),
        operator: "alice".into(),
        alarm: None,
        attended,
        assume_yes: false,
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ctx: Default::default(),
        rollback_of: None,
    }
}

fn execs(outs: &[Out]) -> Vec<(At, u32, Action)> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Exec {
                at,
                attempt,
                action,
                ..
            } => Some((*at, *attempt, action.clone())),
            _ => None,
        })
        .collect()
}

fn records(outs: &[Out]) -> Vec<PlanEvent> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Record(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// A journal row as the tailer gives it.
fn row(id: i64, ne: NewEvent) -> Event {
    Event {
        id,
        ts: ne.ts,
        actor: ne.actor,
        kind: ne.kind,
        subject: ne.subject,
        payload: ne.payload,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

const S0: At = At {
    section: Section::Steps,
    index: 0,
};
const S1: At = At {
    section: Section::Steps,
    index: 1,
};
const R0: At = At {
    section: Section::Rollback,
    index: 0,
};

/// The machine plus a journal of what it recorded, projected as every
/// console sees it.
struct Harness {
    run: PlanRun,
    events: Vec<Event>,
    runs: Runs,
}

impl Harness {
    fn new(yaml: &str, attended: bool, params: &[(&str, &str)]) -> (Harness, Vec<Out>) {
        let mut run = PlanRun::new(plan(yaml), start(attended, params), t(0));
        let outs = run.start(t(0));
        let mut h = Harness {
            run,
            events: Vec::new(),
            runs: Runs::default(),
        };
        h.record(&outs, 0);
        (h, outs)
    }

    fn record(&mut self, outs: &[Out], at: i64) {
        for r in records(outs) {
            let ev = row(self.events.len() as i64 + 1, r.to_new_event(t(at), "alice"));
            self.runs.apply(&ev);
            self.events.push(ev);
        }
    }

    fn finish(&mut self, at: At, attempt: u32, o: Outcome, s: i64) -> Vec<Out> {
        let outs = self.run.finished(at, attempt, o, t(s));
        self.record(&outs, s);
        outs
    }

    fn view_state(&self) -> RunState {
        self.runs.get("run-1").unwrap().state.clone()
    }
}

const TWO_STEPS: &str = "id: p\ntitle: P\nparams:\n  - name: node\nsteps:\n  - name: drain\n    run: [kubectl, drain, '{{params.node}}']\n  - name: check\n    http: {url: 'http://{{params.node}}:8080/health'}\nrollback:\n  - name: uncordon\n    run: [kubectl, uncordon, '{{params.node}}']\n";

#[test]
fn steps_run_in_order_and_the_run_succeeds() {
    let (mut h, outs) = Harness::new(TWO_STEPS, true, &[("node", "n1")]);
    assert!(matches!(records(&outs)[0], PlanEvent::RunStarted(_)));
    let ex = execs(&outs);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].0, S0);
    match &ex[0].2 {
        Action::Run { argv, .. } => assert_eq!(argv, &["kubectl", "drain", "n1"]),
        other => panic!("{other:?}"),
    }
    let outs = h.finish(S0, 1, Outcome::ok("drained"), 1);
    let ex = execs(&outs);
    assert_eq!(ex[0].0, S1);
    assert!(matches!(&ex[0].2, Action::Http(h) if h.url == "http://n1:8080/health"));
    let outs = h.finish(S1, 1, Outcome::ok("200 OK"), 2);
    assert!(execs(&outs).is_empty(), "no rollback after success");
    assert_eq!(h.run.state, RunState::Succeeded);
    assert_eq!(h.view_state(), RunState::Succeeded);
    let v = h.runs.get("run-1").unwrap();
    assert_eq!(v.steps[0].output, "drained");
    assert_eq!(v.rollback[0].state, StepState::Pending);
}

#[test]
fn hostile_parameter_values_stay_one_argument() {
    let nasty = "n1; rm -rf / $(id) `id`\nnext";
    let (_, outs) = Harness::new(TWO_STEPS, true, &[("node", nasty)]);
    match &execs(&outs)[0].2 {
        Action::Run { argv, .. } => assert_eq!(argv, &["kubectl", "drain", nasty]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stale_answer_is_ignored() {
    let (mut h, _) = Harness::new(TWO_STEPS, true, &[("node", "n1")]);
    let outs = h.finish(S0, 7, Outcome::ok(""), 1);
    assert!(outs.is_empty());
    assert!(matches!(
        h.run.steps[0].state,
        StepState::Running { attempt: 1 }
    ));
}

#[test]
fn unattended_failure_rolls_back_and_the_run_fails() {
    let (mut h, _) = Harness::new(TWO_STEPS, false, &[("node", "n1")]);
    let outs = h.finish(S0, 1, Outcome::failed("exit 1 (expected 0)"), 1);
    let ex = execs(&outs);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].0, R0, "the rollback runs");
    assert_eq!(h.run.state, RunState::RollingBack);
    assert!(matches!(h.run.steps[1].state, StepState::Skipped { .. }));
    h.finish(R0, 1, Outcome::ok(""), 2);
    assert!(matches!(&h.run.state, RunState::Failed { reason } if reason.contains("drain")));
    assert!(matches!(h.view_state(), RunState::Failed { .. }));
}

#[test]
fn attended_failure_stops_and_waits_for_retry_skip_or_abort() {
    let (mut h, _) = Harness::new(TWO_STEPS, true, &[("node", "n1")]);
    let outs = h.finish(S0, 1, Outcome::failed("exit 1"), 1);
    assert!(execs(&outs).is_empty());
    assert_eq!(h.run.state, RunState::Stopped);
    assert_eq!(h.view_state(), RunState::Stopped);
    // Retry runs it again, as attempt 1 of a fresh try.
    let outs = h.run.retry("alice", t(2)).unwrap();
    h.record(&outs, 2);
    assert_eq!(execs(&outs)[0].0, S0);
    h.finish(S0, 1, Outcome::failed("exit 1"), 3);
    // Skip goes on with the next step.
    let outs = h.run.skip("alice", t(4)).unwrap();
    h.record(&outs, 4);
    assert_eq!(execs(&outs)[0].0, S1);
    assert!(matches!(h.run.steps[0].state, StepState::Skipped { .. }));
    // Abort mid-step kills it and runs the rollback.
    let outs = h.run.abort("alice", t(5)).unwrap();
    h.record(&outs, 5);
    assert!(
        outs.iter()
            .any(|o| matches!(o, Out::Kill { at } if *at == S1))
    );
    assert_eq!(execs(&outs)[0].0, R0);
    h.finish(R0, 1, Outcome::ok(""), 6);
    assert!(matches!(&h.run.state, RunState::Aborted { reason } if reason.contains("alice")));
    assert!(matches!(h.view_state(), RunState::Aborted { .. }));
}

#[test]
fn retries_wait_their_delay_then_run_again() {
    let yaml = "id: p\ntitle: P\nsteps:\n  - name: flaky\n    run: [x]\n    retry: {count: 2, delay: 5s}\n";
    let (mut h, _) = Harness::new(yaml, false, &[]);
    h.finish(S0, 1, Outcome::failed("no"), 1);
    assert_eq!(h.run.next_wake(), Some(t(6)));
    assert!(execs(&h.run.tick(t(5))).is_empty(), "not before the delay");
    let ex = execs(&h.run.tick(t(6)));
    assert_eq!((ex[0].0, ex[0].1), (S0, 2));
    h.finish(S0, 2, Outcome::failed("no"), 7);
    let ex = execs(&h.run.tick(t(12)));
    assert_eq!(ex[0].1, 3);
    h.finish(S0, 3, Outcome::ok(""), 13);
    assert_eq!(h.run.state, RunState::Succeeded);
}

#[test]
fn on_failure_continue_goes_on_and_the_run_says_what_failed() {
    let yaml = "id: p\ntitle: P\nsteps:\n  - name: optional\n    run: [x]\n    on_failure: continue\n  - name: next\n    run: [y]\n";
    let (mut h, _) = Harness::new(yaml, true, &[]);
    let outs = h.finish(S0, 1, Outcome::failed("no"), 1);
    assert_eq!(execs(&outs)[0].0, S1);
    h.finish(S1, 1, Outcome::ok(""), 2);
    assert!(matches!(&h.run.state, RunState::Failed { reason } if reason.contains("optional")));
}

#[test]
fn confirm_steps_wait_for_the_runner() {
    let yaml = "id: p\ntitle: P\nsteps:\n  - name: dangerous\n    run: [x]\n    confirm: true\n";
    let (mut h, outs) = Harness::new(yaml, true, &[]);
    assert!(execs(&outs).is_empty());
    assert_eq!(h.run.steps[0].state, StepState::WaitingConfirm);
    assert!(
        h.run.confirm("bob", t(1)).is_err(),
        "only the runner confirms"
    );
    let outs = h.run.confirm("alice", t(1)).unwrap();
    h.record(&outs, 1);
    assert_eq!(execs(&outs)[0].0, S0);
    assert_eq!(
        h.runs.get("run-1").unwrap().steps[0].by.as_deref(),
        Some("alice")
    );
}

#[test]
fn manual_steps_record_who_checked_them() {
    let yaml = "id: p\ntitle: P\nsteps:\n  - name: look\n    manual: the dashboard is green\n";
    let (mut h, _) = Harness::new(yaml, true, &[]);
    assert_eq!(h.view_state(), RunState::Running);
    assert_eq!(
        h.runs.get("run-1").unwrap().steps[0].state,
        StepState::WaitingOperator
    );
    let outs = h.run.confirm("bob", t(1)).unwrap();
    h.record(&outs, 1);
    assert_eq!(h.run.state, RunState::Succeeded);
    assert_eq!(
        h.runs.get("run-1").unwrap().steps[0].by.as_deref(),
        Some("bob")
    );
}

#[test]
fn the_runner_cannot_approve_their_own_run() {
    let yaml = "id: p\ntitle: P\nsteps:\n  - name: two people\n    approve: fail over the database\n  - name: go\n    run: [x]\n";
    let (mut h, _) = Harness::new(yaml, true, &[]);
    assert_eq!(h.runs.get("run-1").unwrap().waiting_approval(), Some(S0));
    let refused = h.run.approve(S0, "alice", t(1)).unwrap_err();
    assert!(refused.0.contains("second operator"), "{}", refused.0);
    assert!(h.run.confirm("alice", t(1)).is_err());
    assert!(
        h.run.skip("alice", t(1)).is_err(),
        "an approval is not skipped"
    );
    let outs = h.run.approve(S0, "bob", t(2)).unwrap();
    h.record(&outs, 2);
    assert_eq!(execs(&outs)[0].0, S1);
    assert_eq!(
        h.runs.get("run-1").unwrap().steps[0].by.as_deref(),
        Some("bob")
    );
}

#[test]
fn a_denied_approval_fails_the_step() {
    let yaml = "id: p\ntitle: P\nsteps:\n  - name: two people\n    approve: x\nrollback:\n  - name: undo\n    run: [u]\n";
    let (mut h, _) = Harness::new(yaml, false, &[]);
    let outs = h.run.deny(S0, "bob", t(1)).unwrap();
    assert_eq!(execs(&outs)[0].0, R0);
}

#[test]
fn secrets_never_reach_the_records() {
    let yaml = "id: p\ntitle: P\nparams:\n  - name: token\n    secret: true\nsteps:\n  - name: call\n    http: {url: 'http://x/', headers: {Authorization: 'Bearer {{params.token}}'}}\n  - name: echo\n    run: [echo, '{{params.token}}']\n";
    let (mut h, outs) = Harness::new(yaml, false, &[("token", "hunter2")]);
    // The action itself has the value: the request needs it.
    assert!(
        matches!(&execs(&outs)[0].2, Action::Http(x) if x.headers["Authorization"] == "Bearer hunter2")
    );
    h.finish(S0, 1, Outcome::ok("ok"), 1);
    h.finish(S1, 1, Outcome::ok("hunter2\n"), 2);
    let all: String = h.events.iter().map(|e| e.payload.to_string()).collect();
    assert!(!all.contains("hunter2"), "{all}");
    assert!(
        h.run
            .preview()
            .iter()
            .all(|(_, _, _, w)| !w.as_ref().unwrap().contains("hunter2"))
    );
    assert_eq!(h.run.public_params(), BTreeMap::new());
}

#[test]
fn a_missing_alarm_label_fails_the_step_not_the_console() {
    let yaml =
        "id: p\ntitle: P\nsteps:\n  - name: a\n    run: [echo, '{{alarm.labels.instance}}']\n";
    let (h, outs) = Harness::new(yaml, false, &[]);
    assert!(execs(&outs).is_empty());
    assert!(matches!(&h.run.state, RunState::Failed { reason } if reason.contains("instance")));
}

#[test]
fn an_operator_leaving_mid_run_interrupts_it_and_a_rollback_run_is_linked() {
    let (mut h, _) = Harness::new(TWO_STEPS, true, &[("node", "n1")]);
    let left = Event {
        id: 99,
        ts: t(3),
        actor: "bob".into(),
        kind: "operator.left".into(),
        subject: "alice".into(),
        payload: serde_json::json!({}),
        prev_hash: String::new(),
        hash: String::new(),
    };
    // A headless run of the same operator is not the console's.
    let mut headless = PlanRun::new(
        plan(TWO_STEPS),
        Start {
            run_id: "run-h".into(),
            ..start(false, &[("node", "n")])
        },
        t(0),
    );
    headless.headless = true;
    let outs = headless.start(t(0));
    h.runs
        .apply(&row(50, records(&outs)[0].to_new_event(t(0), "alice")));
    h.runs.apply(&left);
    assert_eq!(h.view_state(), RunState::Interrupted);
    assert_eq!(h.runs.get("run-h").unwrap().state, RunState::Running);
    let v = h.runs.get("run-1").unwrap().clone();
    let mut rb = PlanRun::new(
        v.plan.clone(),
        Start {
            run_id: "run-2".into(),
            rollback_of: Some("run-1".into()),
            params: v.params.clone(),
            ..start(true, &[])
        },
        t(4),
    );
    let outs = rb.start(t(4));
    assert_eq!(execs(&outs)[0].0, R0, "only the rollback runs");
    h.runs
        .apply(&row(100, records(&outs)[0].to_new_event(t(4), "alice")));
    assert_eq!(
        h.runs.get("run-1").unwrap().rolled_back_by.as_deref(),
        Some("run-2")
    );
}

#[test]
fn the_preview_fills_templates_in_manual_and_approval_texts() {
    let yaml = "id: p\ntitle: P\nparams:\n  - name: node\nsteps:\n  - name: look\n    manual: 'check {{params.node}}'\n  - name: ok\n    approve: 'drain {{params.node}}'\n";
    let run = PlanRun::new(plan(yaml), start(true, &[("node", "n7")]), t(0));
    let p = run.preview();
    assert_eq!(p[0].3.as_deref(), Ok("operator checks: check n7"));
    assert_eq!(
        p[1].3.as_deref(),
        Ok("a second operator approves: drain n7")
    );
}
