//! The drill runner as a pure state machine, driven by messages: the
//! phases in order, expectations met, late and missed, the plan started on
//! detection, groups one after another, gates, guards and aborts (every
//! fault recovered, rollbacks run), a steady state missed before (nothing
//! injected) and after (failed), and the journal projection agreeing with
//! the machine.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::domain::drill::drills::Drills;
use cocpit::domain::drill::payloads::{DrillEvent, Measure, Phase, Verdict};
use cocpit::domain::drill::run::{DrillState, Observation, Out, Start};
use cocpit::domain::drill::{DrillRun, Scenario};
use cocpit::domain::{Event, NewEvent};

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(s)
}

fn scenario(yaml: &str) -> Scenario {
    cocpit::spec::drills::parse("s.yaml", yaml, &["sim", "process"])
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>()))
}

const BASIC: &str = r#"
id: basic
title: Basic
blast_radius: ['sim:payments', 'sim:inventory']
steady_state:
  probes:
    - name: quiet
      alarms: 'service=payments'
groups:
  - name: one
    faults:
      - {provider: sim, target: 'sim:payments', action: latency, params: {ms: '900'}, duration: 30s}
expect:
  alarms:
    - {name: slow, filter: 'alertname=PaymentsLatencyHigh', within: 20s}
  recovery_within: 90s
plan:
  id: rollback-payments
rollbacks:
  - name: note
    run: [echo, done]
"#;

fn drill(yaml: &str) -> DrillRun {
    DrillRun::new(
        scenario(yaml),
        Start {
            drill: "d1".into(),
            commander: "ana@host".into(),
            headless: false,
            owner: None,
        },
        t(0),
    )
}

fn records(outs: &[Out]) -> Vec<DrillEvent> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Record(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn phases(outs: &[Out]) -> Vec<Phase> {
    records(outs)
        .into_iter()
        .filter_map(|r| match r {
            DrillEvent::Phase(p) => Some(p.phase),
            _ => None,
        })
        .collect()
}

fn injects(outs: &[Out]) -> Vec<usize> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Inject { index, .. } => Some(*index),
            _ => None,
        })
        .collect()
}

fn recovers(outs: &[Out]) -> Vec<String> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Recover { fault } => Some(fault.clone()),
            _ => None,
        })
        .collect()
}

fn ok(name: &str) -> (String, bool, String) {
    (name.to_string(), true, String::new())
}

fn quiet() -> Observation {
    Observation {
        expect: vec![None],
        expected_resolved: true,
        ..Observation::default()
    }
}

fn firing(raised: i64) -> Observation {
    Observation {
        expect: vec![Some(("fp1".into(), t(raised)))],
        expected_resolved: false,
        ..Observation::default()
    }
}

/// Runs `d` through steady state and injection; every output collected.
fn to_observe(d: &mut DrillRun, all: &mut Vec<Out>) {
    all.extend(d.start(t(0)));
    all.extend(d.probes_done(Phase::SteadyBefore, &[ok("quiet")], t(1)));
    all.extend(d.injected(0, Ok("f1".into()), "sim latency sim:payments", t(2)));
}

#[test]
fn a_drill_goes_through_every_phase_and_passes() {
    let mut d = drill(BASIC);
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    assert_eq!(
        phases(&all),
        vec![
            Phase::Preflight,
            Phase::SteadyBefore,
            Phase::Inject,
            Phase::Observe
        ]
    );
    assert_eq!(injects(&all), vec![0]);
    // Detected 6 s after the fault was in (t(2)): the plan starts.
    let outs = d.tick(t(8), &firing(8));
    assert!(outs.contains(&Out::StartPlan), "{outs:?}");
    assert_eq!(d.expects[0].detected, Some(6));
    all.extend(outs);
    all.extend(d.plan_started("run-1", t(8)));
    // Not over a second early.
    let outs = d.tick(t(31), &firing(8));
    assert!(recovers(&outs).is_empty());
    // The group's 30 s are over at t(32): its fault goes out, respond waits
    // for the plan.
    let outs = d.tick(t(32), &firing(8));
    assert_eq!(recovers(&outs), vec!["f1".to_string()]);
    assert_eq!(d.phase, Phase::Respond);
    all.extend(outs);
    all.extend(d.plan_finished("run-1", true, "succeeded", t(40)));
    assert_eq!(d.mitigated, Some(38));
    assert_eq!(d.phase, Phase::Recover);
    all.extend(d.fault_ended("f1", t(41)));
    // Still firing: not recovered yet.
    all.extend(d.tick(t(45), &firing(8)));
    assert!(d.recovered.is_none());
    let outs = d.tick(t(50), &quiet());
    assert_eq!(d.recovered, Some(48));
    assert!(
        outs.contains(&Out::Rollbacks),
        "rollbacks after recovery: {outs:?}"
    );
    all.extend(outs);
    let outs = d.rollbacks_done(true, "", t(51));
    assert!(outs.contains(&Out::Probe(Phase::SteadyAfter)));
    all.extend(outs);
    all.extend(d.probes_done(Phase::SteadyAfter, &[ok("quiet")], t(52)));
    assert_eq!(d.verdict(), Some(Verdict::Passed), "{:?}", d.failures);
    let fin = records(&all)
        .into_iter()
        .find_map(|r| match r {
            DrillEvent::Finished(f) => Some(f),
            _ => None,
        })
        .expect("finished row");
    assert_eq!((fin.mttd, fin.mttr), (Some(6), Some(48)));
    assert_eq!(
        phases(&all),
        Phase::ALL.to_vec(),
        "every phase once, in order"
    );
}

#[test]
fn a_missed_expectation_fails_the_drill_at_its_deadline() {
    let mut d = drill(BASIC);
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    // Nothing at the deadline (in at t(2), 20 s): not yet at t(22).
    let outs = d.tick(t(22), &quiet());
    assert!(!d.expects[0].missed, "{outs:?}");
    let outs = d.tick(t(23), &quiet());
    assert!(d.expects[0].missed);
    let missed = records(&outs)
        .into_iter()
        .any(|r| matches!(r, DrillEvent::Measured(m) if m.what == Measure::Missed && !m.ok));
    assert!(missed, "a drill.measured missed row: {outs:?}");
    // No detection: the plan never auto-starts.
    assert!(!outs.contains(&Out::StartPlan));
    all.extend(outs);
    assert!(
        d.failures
            .iter()
            .any(|f| f.contains("not detected within 20s"))
    );
}

#[test]
fn an_alarm_already_firing_before_the_injection_is_not_a_detection() {
    let mut d = drill(BASIC);
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    // Raised 30 s before the fault went in.
    d.tick(t(5), &firing(-30));
    assert_eq!(d.expects[0].detected, None);
}

#[test]
fn a_late_detection_counts_but_fails() {
    let mut d = drill(BASIC);
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    // Seen only at t(30) although raised at t(25): 23 s after the fault was in.
    let outs = d.tick(t(30), &firing(25));
    assert_eq!(d.expects[0].detected, Some(23));
    assert!(
        d.failures.iter().any(|f| f.contains("after 23s")),
        "{:?}",
        d.failures
    );
    assert!(
        outs.contains(&Out::StartPlan),
        "a late detection still responds"
    );
}

#[test]
fn a_missed_steady_state_before_injects_nothing() {
    let mut d = drill(BASIC);
    let mut all = d.start(t(0));
    let miss = (
        "quiet".to_string(),
        false,
        "firing: PaymentsLatencyHigh".to_string(),
    );
    all.extend(d.probes_done(Phase::SteadyBefore, &[miss], t(5)));
    assert!(injects(&all).is_empty());
    assert_eq!(d.verdict(), Some(Verdict::Failed));
    assert!(!all.contains(&Out::Rollbacks), "nothing to roll back");
}

#[test]
fn a_guard_aborts_recovers_every_fault_and_runs_the_rollbacks() {
    let mut d = drill(BASIC);
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    let obs = Observation {
        guard: Some((
            "edge".into(),
            "ServiceUnavailable on gateway is firing".into(),
        )),
        ..firing(8)
    };
    let outs = d.tick(t(9), &obs);
    assert_eq!(recovers(&outs), vec!["f1".to_string()], "{outs:?}");
    assert_eq!(d.phase, Phase::Recover);
    assert!(d.aborted.as_deref().is_some_and(|r| r.contains("guard")));
    // The plan is not started by an aborted drill.
    assert!(!outs.contains(&Out::StartPlan));
    let outs = d.fault_ended("f1", t(10));
    assert!(outs.contains(&Out::Rollbacks), "{outs:?}");
    let outs = d.rollbacks_done(true, "", t(11));
    // Aborted drills skip the steady state after and go to review.
    assert!(!outs.contains(&Out::Probe(Phase::SteadyAfter)));
    assert_eq!(d.verdict(), Some(Verdict::Aborted));
}

#[test]
fn an_abort_while_a_fault_goes_in_recovers_it_once_it_is_in() {
    let mut d = drill(BASIC);
    let mut all = d.start(t(0));
    all.extend(d.probes_done(Phase::SteadyBefore, &[ok("quiet")], t(1)));
    assert_eq!(injects(&all), vec![0]);
    let outs = d.abort("the panic key", t(2));
    assert!(recovers(&outs).is_empty(), "nothing is in yet");
    let outs = d.injected(0, Ok("f1".into()), "x", t(3));
    assert_eq!(recovers(&outs), vec!["f1".to_string()]);
    // Asked once only, whatever else happens.
    let outs = d.tick(t(4), &quiet());
    assert!(recovers(&outs).is_empty());
    d.fault_ended("f1", t(5));
    d.rollbacks_done(true, "", t(6));
    assert_eq!(d.verdict(), Some(Verdict::Aborted));
}

#[test]
fn a_failed_injection_aborts_the_drill() {
    let mut d = drill(BASIC);
    d.start(t(0));
    d.probes_done(Phase::SteadyBefore, &[ok("quiet")], t(1));
    let outs = d.injected(
        0,
        Err("target gone".into()),
        "sim latency sim:payments",
        t(2),
    );
    assert!(
        d.aborted
            .as_deref()
            .is_some_and(|r| r.contains("target gone"))
    );
    // Nothing went in: no rollbacks to run, straight to review.
    assert!(!outs.contains(&Out::Rollbacks));
    assert_eq!(d.verdict(), Some(Verdict::Aborted));
}

const TWO_GROUPS_GATED: &str = r#"
id: two
title: Two groups
blast_radius: ['sim:*']
gate: manual
groups:
  - name: first
    faults:
      - {provider: sim, target: 'sim:payments', action: errors, params: {rate: '0.2'}, duration: 10s}
  - name: second
    gate: manual
    faults:
      - {provider: sim, target: 'sim:inventory', action: kill, duration: 10s}
expect:
  alarms:
    - {name: a, filter: 'alertname=ErrorRateHigh', within: 10s, group: 0}
    - {name: b, filter: 'alertname=ServiceUnavailable', within: 10s, group: 1}
"#;

#[test]
fn gates_hold_until_someone_lets_the_drill_go_on() {
    let mut d = drill(TWO_GROUPS_GATED);
    d.start(t(0));
    let outs = d.probes_done(Phase::SteadyBefore, &[], t(1));
    assert!(injects(&outs).is_empty(), "held before the first injection");
    assert!(matches!(
        d.state,
        DrillState::Held {
            phase: Phase::Inject,
            group: 0
        }
    ));
    let gate = records(&outs);
    assert!(matches!(gate.last(), Some(DrillEvent::Gate(_))), "{gate:?}");
    let outs = d.advance("bob@host", t(5));
    assert_eq!(injects(&outs), vec![0]);
    d.injected(0, Ok("f1".into()), "x", t(6));
    // Group one is over at t(15): the second group's own gate holds.
    let both = Observation {
        expect: vec![Some(("fp".into(), t(8))), None],
        ..Observation::default()
    };
    let outs = d.tick(t(16), &both);
    assert_eq!(recovers(&outs), vec!["f1".to_string()]);
    assert!(matches!(
        d.state,
        DrillState::Held {
            phase: Phase::Inject,
            group: 1
        }
    ));
    let outs = d.advance("ana@host", t(20));
    assert_eq!(injects(&outs), vec![1]);
    d.injected(1, Ok("f2".into()), "y", t(21));
    // The second expectation counts from the second group being in (t(21)).
    let obs = Observation {
        expect: vec![Some(("fp".into(), t(8))), Some(("fp2".into(), t(25)))],
        ..Observation::default()
    };
    d.tick(t(26), &obs);
    assert_eq!(d.expects[1].detected, Some(4));
}

#[test]
fn the_projection_follows_the_rows_the_machine_records() {
    let mut d = drill(BASIC);
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    all.extend(d.tick(t(8), &firing(8)));
    all.extend(d.abort("aborted by ana", t(9)));
    all.extend(d.fault_ended("f1", t(10)));
    all.extend(d.rollbacks_done(true, "", t(11)));
    let mut p = Drills::default();
    for (i, r) in records(&all).iter().enumerate() {
        let ne: NewEvent = r.to_new_event(t(i as i64), "ana@host");
        p.apply(&Event {
            id: i as i64 + 1,
            ts: ne.ts,
            actor: ne.actor,
            kind: ne.kind,
            subject: ne.subject,
            payload: ne.payload,
            prev_hash: String::new(),
            hash: String::new(),
        });
    }
    let v = p.get("d1").expect("the drill");
    assert_eq!(v.verdict, Some(Verdict::Aborted));
    assert_eq!(v.faults, vec!["f1".to_string()]);
    assert!(
        v.expectation("slow")
            .is_some_and(|m| m.ok && m.secs == Some(6))
    );
    assert_eq!(p.last.get("basic").map(|l| l.0), Some(Verdict::Aborted));
    assert!(p.running().next().is_none());
}

#[test]
fn invalid_scenarios_say_where_and_why() {
    let bad = r#"
id: Bad_Id
title: x
blast_radius: ['sim:payments']
groups:
  - faults:
      - {provider: sim, target: 'sim:payments', action: kill, duration: 10s}
      - {provider: sim, target: 'sim:payments', action: kill, duration: 10s}
      - {provider: nosuch, target: 'sim:inventory', action: kill, duration: 10s}
expect:
  alarms:
    - {filter: 'alertname=~"("', within: 10s}
steady_state:
  probes:
    - name: shell
      run: [sh, -c, 'echo hi']
"#;
    let errs: Vec<String> = cocpit::spec::drills::parse("bad.yaml", bad, &["sim"])
        .expect_err("invalid")
        .iter()
        .map(|e| e.to_string())
        .collect();
    let all = errs.join("\n");
    for want in [
        "bad.yaml:2:",
        "lowercase",
        "one fault per target per group",
        "unknown provider \"nosuch\"",
        "outside the blast_radius",
        "never a shell command line",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
    assert!(all.contains("filter"), "{all}");
}

/// Through the plan and the fault's end to the moment the rollbacks are
/// due (recovered at t(50)).
fn to_recovered(d: &mut DrillRun, all: &mut Vec<Out>) -> Vec<Out> {
    to_observe(d, all);
    all.extend(d.tick(t(8), &firing(8)));
    all.extend(d.plan_started("run-1", t(8)));
    all.extend(d.tick(t(32), &firing(8)));
    all.extend(d.plan_finished("run-1", true, "succeeded", t(40)));
    all.extend(d.fault_ended("f1", t(41)));
    d.tick(t(50), &quiet())
}

fn skipped(outs: &[Out]) -> Option<String> {
    records(outs).into_iter().find_map(|r| match r {
        DrillEvent::Measured(m) if m.what == Measure::Skipped => Some(m.detail),
        _ => None,
    })
}

#[test]
fn rollback_strategy_never_skips_them_and_says_so() {
    use cocpit::domain::drill::RollbackStrategy;
    let mut d = drill(BASIC);
    d.rollback_strategy = RollbackStrategy::Never;
    let mut all = Vec::new();
    let outs = to_recovered(&mut d, &mut all);
    assert!(!outs.contains(&Out::Rollbacks), "{outs:?}");
    assert_eq!(skipped(&outs).as_deref(), Some("rollback strategy never"));
    // The faults were recovered all the same; the drill goes on.
    assert!(outs.contains(&Out::Probe(Phase::SteadyAfter)), "{outs:?}");
    d.probes_done(Phase::SteadyAfter, &[ok("quiet")], t(52));
    assert_eq!(d.verdict(), Some(Verdict::Passed), "{:?}", d.failures);
}

#[test]
fn rollback_strategy_default_skips_them_after_an_abort_but_not_after_a_pass() {
    use cocpit::domain::drill::RollbackStrategy;
    let mut d = drill(BASIC);
    d.rollback_strategy = RollbackStrategy::Default;
    let mut all = Vec::new();
    let outs = to_recovered(&mut d, &mut all);
    assert!(outs.contains(&Out::Rollbacks), "a clean run rolls back");

    let mut d = drill(BASIC);
    d.rollback_strategy = RollbackStrategy::Default;
    let mut all = Vec::new();
    to_observe(&mut d, &mut all);
    let outs = d.abort("A on the Drills view", t(9));
    assert_eq!(recovers(&outs), vec!["f1".to_string()]);
    let outs = d.fault_ended("f1", t(10));
    assert!(!outs.contains(&Out::Rollbacks), "{outs:?}");
    assert_eq!(skipped(&outs).as_deref(), Some("rollback strategy default"));
    assert_eq!(d.verdict(), Some(Verdict::Aborted));
}

#[test]
fn rollback_strategy_deviated_runs_them_only_after_a_missed_steady_state() {
    use cocpit::domain::drill::RollbackStrategy;
    // Held: the steady state after holds, nothing is rolled back.
    let mut d = drill(BASIC);
    d.rollback_strategy = RollbackStrategy::Deviated;
    let mut all = Vec::new();
    let outs = to_recovered(&mut d, &mut all);
    assert!(!outs.contains(&Out::Rollbacks));
    assert!(outs.contains(&Out::Probe(Phase::SteadyAfter)), "{outs:?}");
    let outs = d.probes_done(Phase::SteadyAfter, &[ok("quiet")], t(52));
    assert!(!outs.contains(&Out::Rollbacks));
    assert_eq!(
        skipped(&outs).as_deref(),
        Some("rollback strategy deviated")
    );
    assert_eq!(d.verdict(), Some(Verdict::Passed), "{:?}", d.failures);

    // Deviated: the rollbacks run after the probes, then the review.
    let mut d = drill(BASIC);
    d.rollback_strategy = RollbackStrategy::Deviated;
    let mut all = Vec::new();
    to_recovered(&mut d, &mut all);
    let missed = ("quiet".to_string(), false, "2 alarms firing".to_string());
    let outs = d.probes_done(Phase::SteadyAfter, &[missed], t(52));
    assert!(outs.contains(&Out::Rollbacks), "{outs:?}");
    assert!(d.verdict().is_none(), "not over before the rollbacks");
    let outs = d.rollbacks_done(true, "", t(55));
    assert!(phases(&outs).contains(&Phase::Review), "{outs:?}");
    assert_eq!(d.verdict(), Some(Verdict::Failed));
}
