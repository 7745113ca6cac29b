//! The core's side of fault injection, driven by messages (no processes):
//! the inject form and typed confirmation, the intent committed before the
//! injection is asked for, deadlines, the panic key, guards, orphans on
//! start (auto and ask), blast radius and read-only.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::faults::{FaultEffect, FaultMsg};
use cocpit::app::{self, Effect, Mode, Msg, RunMode, Session, State, View};
use cocpit::domain::event::payload;
use cocpit::domain::fault::limits::{FaultsConfig, OrphanPolicy};
use cocpit::domain::fault::payloads::{Intended, Recovered, WithRecord};
use cocpit::domain::fault::{FaultSpec, Owner, OwnerKind, RecoveryRecord, Trigger};
use cocpit::domain::{AlarmBoard, EventKind, NewEvent, ObservedAlarm, Severity};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use support::console::{MemJournal, Order, roundtrip};

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + Duration::seconds(s)
}

fn owner(instance: &str) -> Owner {
    Owner {
        kind: OwnerKind::Console,
        actor: "alice@jump1".into(),
        host: "jump1".into(),
        pid: 42,
        start: 7,
        instance: instance.into(),
    }
}

type J = MemJournal;

fn console(readonly: bool, cfg: FaultsConfig) -> (State, J) {
    let session = Session {
        operator: "alice@jump1".into(),
        mode: RunMode::Demo,
        readonly,
        role: Default::default(),
        journal_path: "/tmp/j.db".into(),
    };
    let mut s = State::new(session, AlarmBoard::new(), Vec::new(), t(0));
    s.faults.me = Some(owner("me"));
    s.faults.config = cfg;
    (s, J::default())
}

fn key(s: &mut State, code: KeyCode, at: i64) -> Vec<Effect> {
    app::update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), t(at))
}

fn chars(s: &mut State, text: &str, at: i64) {
    for c in text.chars() {
        key(s, KeyCode::Char(c), at);
    }
}

/// Open the form, replace the sim defaults with `target`/`action`/`params`/`duration`, submit.
fn fill_form(s: &mut State, target: &str, action: &str, params: &str, duration: &str) {
    key(s, KeyCode::Char('4'), 0);
    key(s, KeyCode::Char('i'), 0);
    assert!(matches!(s.mode, Mode::Faults(_)), "form open");
    // The provider follows the target's kind: `sim` is first, `process` second.
    key(s, KeyCode::Up, 0);
    if target.starts_with("pid:") {
        key(s, KeyCode::Right, 0);
    }
    key(s, KeyCode::Tab, 0);
    for (i, v) in [target, action, params, duration].iter().enumerate() {
        if i > 0 {
            key(s, KeyCode::Tab, 0);
        }
        app::update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            t(0),
        );
        chars(s, v, 0);
    }
    // Guard and probe stay empty; Enter on the last field submits.
    key(s, KeyCode::Tab, 0);
    key(s, KeyCode::Tab, 0);
    let fx = key(s, KeyCode::Enter, 0);
    // The runtime's provider finds the target (see
    // `a_target_that_does_not_exist_is_refused_before_anything_is_journaled`).
    answer_check(s, fx, None);
}

/// Answer the provider's target check the form asked for, if it asked.
fn answer_check(s: &mut State, fx: Vec<Effect>, error: Option<&str>) {
    if let [Effect::Fault(FaultEffect::Validate { token, .. })] = fx.as_slice() {
        app::update(
            s,
            Msg::Fault(FaultMsg::Validated {
                token: *token,
                error: error.map(str::to_string),
            }),
            t(0),
        );
    }
}

/// Deliver an intent commit; returns the Inject effect.
fn commit_intent(s: &mut State, j: &mut J, fx: Vec<Effect>) -> (String, FaultSpec) {
    assert!(
        matches!(fx.as_slice(), [Effect::Commit { events, .. }] if events[0].kind == "fault.intended"),
        "intent before anything else, and nothing else: {fx:?}"
    );
    let (_, fx) = roundtrip(s, j, fx, Order::AnswerFirst, t(0));
    match fx.as_slice() {
        [Effect::Fault(FaultEffect::Inject { id, spec, .. })] => (id.clone(), spec.clone()),
        other => panic!("expected the injection after the commit, got {other:?}"),
    }
}

fn record() -> RecoveryRecord {
    RecoveryRecord {
        provider: "process".into(),
        summary: "pause sleep (pid 9)".into(),
        data: serde_json::json!({}),
    }
}

fn activate(s: &mut State, j: &mut J, id: &str, at: i64) {
    let rows = j.commit(vec![NewEvent::new(
        t(at),
        "alice@jump1",
        EventKind::FaultActive,
        id,
        payload(&WithRecord { record: record() }),
    )]);
    app::update(s, Msg::Events(rows), t(at));
    app::update(
        s,
        Msg::Fault(FaultMsg::Done {
            id: id.into(),
            error: None,
        }),
        t(at),
    );
}

fn recovers(fx: &[Effect]) -> Vec<(String, Trigger)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Fault(FaultEffect::Recover { fault, trigger }) => {
                Some((fault.id.clone(), *trigger))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn typed_confirmation_then_intent_then_injection_then_deadline() {
    let (mut s, mut j) = console(false, FaultsConfig::default());
    fill_form(&mut s, "pid:4242", "pause", "", "30s");
    assert!(
        matches!(&s.mode, Mode::Faults(p) if matches!(**p, app::faults::Popup::Confirm { .. }))
    );
    // The wrong name does nothing; the right one commits the intent.
    chars(&mut s, "4243", 0);
    assert!(key(&mut s, KeyCode::Enter, 0).is_empty());
    key(&mut s, KeyCode::Backspace, 0);
    chars(&mut s, "2", 0);
    let fx = key(&mut s, KeyCode::Enter, 0);
    let (id, spec) = commit_intent(&mut s, &mut j, fx);
    assert_eq!(
        (
            spec.provider.as_str(),
            spec.target.as_str(),
            spec.duration_secs
        ),
        ("process", "pid:4242", 30)
    );
    assert_eq!(s.view, View::Faults);

    activate(&mut s, &mut j, &id, 1);
    assert!(recovers(&app::update(&mut s, Msg::Tick, t(29))).is_empty());
    assert_eq!(s.faults.next_wake(t(29)), Some(t(30)));
    let fx = app::update(&mut s, Msg::Tick, t(30));
    assert_eq!(recovers(&fx), vec![(id.clone(), Trigger::Deadline)]);
    // Not again while that recovery runs.
    assert!(recovers(&app::update(&mut s, Msg::Tick, t(31))).is_empty());
}

#[test]
fn panic_recovers_every_live_fault_whoever_owns_it() {
    let (mut s, mut j) = console(false, FaultsConfig::default());
    for (n, inst) in [("a", "me"), ("b", "other"), ("c", "cli")] {
        let spec = FaultSpec {
            provider: "sim".into(),
            target: format!("sim:{n}"),
            action: "kill".into(),
            params: BTreeMap::new(),
            duration_secs: 600,
            guard: None,
            probe: None,
        };
        let rows = j.commit(vec![NewEvent::new(
            t(0),
            "x",
            EventKind::FaultIntended,
            n,
            payload(&Intended {
                spec,
                owner: owner(inst),
                deadline: t(600),
            }),
        )]);
        app::update(&mut s, Msg::Events(rows), t(0));
        activate(&mut s, &mut j, n, 0);
    }
    key(&mut s, KeyCode::Char('X'), 5);
    let fx = key(&mut s, KeyCode::Char('y'), 5);
    let mut got = recovers(&fx);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            ("a".into(), Trigger::Panic),
            ("b".into(), Trigger::Panic),
            ("c".into(), Trigger::Panic)
        ]
    );
    // Any other key cancels the prompt.
    key(&mut s, KeyCode::Char('X'), 5);
    assert!(recovers(&key(&mut s, KeyCode::Char('n'), 5)).is_empty());
    // On exit only this console's own faults are recovered.
    let mine: Vec<String> = s
        .faults
        .exit_recoveries()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(mine, vec!["a".to_string()]);
}

#[test]
fn a_guard_alarm_recovers_the_fault() {
    let (mut s, mut j) = console(false, FaultsConfig::default());
    fill_form(&mut s, "sim:payments", "latency", "ms=900", "5m");
    // Guard field: one more Tab from the duration, typed before submitting.
    if let Mode::Faults(p) = &mut s.mode
        && let app::faults::Popup::Confirm { form, .. } = p.as_mut()
    {
        *form.form.line_mut(5).unwrap() =
            app::input::LineInput::with("service=payments severity=critical");
        let spec = form.spec().unwrap();
        assert_eq!(
            spec.guard.as_deref(),
            Some("service=payments severity=critical")
        );
        let fx = app::faults::intend(&mut s, spec);
        let (id, _) = commit_intent(&mut s, &mut j, fx);
        activate(&mut s, &mut j, &id, 2);
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_string(), "PaymentsDown".to_string());
        labels.insert("service".to_string(), "payments".to_string());
        let alarm = ObservedAlarm {
            fingerprint: cocpit::domain::fingerprint(&labels).into(),
            source: "demo".into(),
            name: "PaymentsDown".into(),
            severity: Severity::Critical,
            labels: labels.into(),
            annotations: Default::default(),
            starts_at: t(3),
            generator_url: None,
        };
        let rows = j.commit(vec![NewEvent::new(
            t(3),
            "source:demo",
            EventKind::AlarmRaised,
            &alarm.fingerprint,
            payload(&alarm),
        )]);
        let fx = app::update(&mut s, Msg::Events(rows), t(3));
        assert_eq!(recovers(&fx), vec![(id, Trigger::Guard)]);
    } else {
        panic!("expected the confirmation popup");
    }
}

#[test]
fn orphans_are_recovered_at_once_or_after_one_key() {
    for policy in [OrphanPolicy::Auto, OrphanPolicy::Ask] {
        let cfg = FaultsConfig {
            orphans: policy,
            ..FaultsConfig::default()
        };
        let (mut s, mut j) = console(false, cfg);
        let rows = j.commit(vec![NewEvent::new(
            t(0),
            "bob@jump1",
            EventKind::FaultIntended,
            "old1",
            payload(&Intended {
                spec: FaultSpec {
                    provider: "process".into(),
                    target: "pid:9".into(),
                    action: "pause".into(),
                    params: BTreeMap::new(),
                    duration_secs: 600,
                    guard: None,
                    probe: None,
                },
                owner: owner("dead"),
                deadline: t(600),
            }),
        )]);
        app::update(&mut s, Msg::Events(rows), t(0));
        activate(&mut s, &mut j, "old1", 0);
        let fx = app::update(
            &mut s,
            Msg::Fault(FaultMsg::Orphans(vec!["old1".into()])),
            t(1),
        );
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::Append(evs) if evs[0].kind == "fault.orphaned")),
            "the orphan is journaled"
        );
        match policy {
            OrphanPolicy::Auto => assert_eq!(recovers(&fx), vec![("old1".into(), Trigger::Orphan)]),
            OrphanPolicy::Ask => {
                assert!(recovers(&fx).is_empty());
                assert_eq!(s.view, View::Faults);
                assert_eq!(s.faults.orphans, vec!["old1".to_string()]);
                let fx = key(&mut s, KeyCode::Char('R'), 2);
                assert_eq!(recovers(&fx), vec![("old1".into(), Trigger::Orphan)]);
                assert!(s.faults.orphans.is_empty());
            }
        }
        // The recovery lands: the fault is history.
        let rows = j.commit(vec![NewEvent::new(
            t(3),
            "alice@jump1",
            EventKind::FaultRecovered,
            "old1",
            payload(&Recovered {
                trigger: Trigger::Orphan,
                detail: String::new(),
            }),
        )]);
        app::update(&mut s, Msg::Events(rows), t(3));
        assert_eq!(s.faults.ledger.counts().live, 0);
    }
}

#[test]
fn blast_radius_and_readonly_refuse() {
    let cfg = FaultsConfig {
        allowed_targets: vec!["sim:*".into()],
        max_duration: 60,
        ..FaultsConfig::default()
    };
    let (mut s, _) = console(false, cfg);
    fill_form(&mut s, "pid:1", "pause", "", "30s");
    match &s.mode {
        Mode::Faults(p) => match p.as_ref() {
            app::faults::Popup::Form(f) => assert!(
                f.form
                    .error
                    .as_deref()
                    .unwrap_or("")
                    .contains("allowed_targets"),
                "{:?}",
                f.form.error
            ),
            other => panic!("form stays open with the refusal, got {other:?}"),
        },
        other => panic!("{other:?}"),
    }
    key(&mut s, KeyCode::Esc, 0);
    fill_form(&mut s, "sim:payments", "latency", "ms=100", "2m");
    let Mode::Faults(p) = &s.mode else { panic!() };
    let app::faults::Popup::Form(f) = p.as_ref() else {
        panic!()
    };
    assert!(
        f.form
            .error
            .as_deref()
            .unwrap_or("")
            .contains("max_duration")
    );

    let (mut s, _) = console(true, FaultsConfig::default());
    key(&mut s, KeyCode::Char('4'), 0);
    assert!(key(&mut s, KeyCode::Char('i'), 0).is_empty());
    assert!(matches!(s.mode, Mode::Normal));
    assert!(key(&mut s, KeyCode::Char('X'), 0).is_empty());
    assert!(matches!(s.mode, Mode::Normal));
    assert!(s.status.as_ref().unwrap().text.contains("read-only"));
    // Even a spec handed straight to the core is refused.
    let spec = FaultSpec {
        provider: "sim".into(),
        target: "sim:payments".into(),
        action: "kill".into(),
        params: BTreeMap::new(),
        duration_secs: 10,
        guard: None,
        probe: None,
    };
    assert!(app::faults::intend(&mut s, spec).is_empty());
}

#[test]
fn observers_handle_alarms_but_never_inject() {
    let (mut s, _) = console(false, FaultsConfig::default());
    s.session.role = app::Role::Observer;
    key(&mut s, KeyCode::Char('4'), 0);
    assert!(key(&mut s, KeyCode::Char('i'), 0).is_empty());
    assert!(
        matches!(s.mode, Mode::Normal),
        "no inject form for an observer"
    );
    assert!(s.status.as_ref().unwrap().text.contains("observer"));
    let spec = FaultSpec {
        provider: "sim".into(),
        target: "sim:payments".into(),
        action: "kill".into(),
        params: BTreeMap::new(),
        duration_secs: 10,
        guard: None,
        probe: None,
    };
    assert!(app::faults::intend(&mut s, spec).is_empty());
    assert!(!s.session.may_inject());
}

#[test]
fn a_failed_probe_recovers_the_fault() {
    let (mut s, mut j) = console(false, FaultsConfig::default());
    let spec = FaultSpec {
        provider: "sim".into(),
        target: "sim:payments".into(),
        action: "kill".into(),
        params: BTreeMap::new(),
        duration_secs: 600,
        guard: None,
        probe: Some("http://127.0.0.1:9/health".into()),
    };
    let fx = app::faults::intend(&mut s, spec);
    let (id, _) = commit_intent(&mut s, &mut j, fx);
    let rows = j.commit(vec![NewEvent::new(
        t(1),
        "alice@jump1",
        EventKind::FaultActive,
        &id,
        payload(&WithRecord { record: record() }),
    )]);
    let fx = app::update(&mut s, Msg::Events(rows), t(1));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Fault(FaultEffect::Probe { id: pid, until, .. }) if *pid == id && *until == t(600))),
        "watching the probe until the deadline: {fx:?}"
    );
    app::update(
        &mut s,
        Msg::Fault(FaultMsg::Done {
            id: id.clone(),
            error: None,
        }),
        t(1),
    );
    let fx = app::update(
        &mut s,
        Msg::Fault(FaultMsg::ProbeFailed {
            id: id.clone(),
            reason: "HTTP 503".into(),
        }),
        t(5),
    );
    assert_eq!(recovers(&fx), vec![(id, Trigger::Guard)]);
}

#[test]
fn an_operator_dismisses_a_fault_undone_by_hand_after_a_question() {
    let (mut s, mut j) = console(false, FaultsConfig::default());
    fill_form(&mut s, "pid:4242", "pause", "", "30s");
    chars(&mut s, "4242", 0);
    let fx = key(&mut s, KeyCode::Enter, 0);
    let (id, _) = commit_intent(&mut s, &mut j, fx);
    activate(&mut s, &mut j, &id, 1);
    key(&mut s, KeyCode::Char('D'), 2);
    assert!(
        key(&mut s, KeyCode::Char('n'), 2).is_empty(),
        "any other key keeps it"
    );
    key(&mut s, KeyCode::Char('D'), 2);
    let fx = key(&mut s, KeyCode::Char('y'), 2);
    let [Effect::Commit { events, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (events[0].kind.as_str(), events[0].subject.as_str()),
        ("fault.dismissed", id.as_str())
    );
    let rows = j.commit(events.clone());
    app::update(&mut s, Msg::Events(rows), t(2));
    assert_eq!(s.faults.ledger.counts().live, 0);
}

#[test]
fn a_target_that_does_not_exist_is_refused_before_anything_is_journaled() {
    let (mut s, _) = console(false, FaultsConfig::default());
    key(&mut s, KeyCode::Char('4'), 0);
    key(&mut s, KeyCode::Char('i'), 0);
    key(&mut s, KeyCode::Up, 0);
    key(&mut s, KeyCode::Right, 0);
    key(&mut s, KeyCode::Tab, 0);
    app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        t(0),
    );
    chars(&mut s, "pid:999999", 0);
    // Submit: the first thing out is the provider's check, not an intent.
    let fx = app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        t(0),
    );
    let spec = match fx.as_slice() {
        [Effect::Fault(FaultEffect::Validate { spec, .. })] => spec.clone(),
        other => panic!("the target is checked first, got {other:?}"),
    };
    assert_eq!(spec.target, "pid:999999");
    answer_check(&mut s, fx, Some("no process 999999"));
    match &s.mode {
        Mode::Faults(p) => match p.as_ref() {
            app::faults::Popup::Form(f) => assert!(
                f.form
                    .error
                    .as_deref()
                    .unwrap_or("")
                    .contains("no process 999999"),
                "{:?}",
                f.form.error
            ),
            other => panic!("back to the form with the reason, got {other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(s.faults.ledger.all().next().is_none(), "nothing journaled");
}

#[test]
fn a_sim_fault_needs_a_service_of_the_demo_and_the_demo() {
    let (mut s, _) = console(false, FaultsConfig::default());
    s.monitor.apply(cocpit::domain::MetricSnapshot {
        catalog: vec![cocpit::domain::SeriesMeta {
            id: "payments/cpu".into(),
            group: "payments".into(),
            kind: cocpit::domain::MetricKind::Cpu,
            name: "cpu".into(),
            unit: "%".into(),
            warn: None,
            crit: None,
        }],
        at: None,
        samples: Vec::new(),
    });
    let spec = |target: &str| FaultSpec {
        provider: "sim".into(),
        target: target.into(),
        action: "errors".into(),
        params: BTreeMap::new(),
        duration_secs: 30,
        guard: None,
        probe: None,
    };
    let e = app::faults::check_sim(&s, &spec("sim:nosuch")).unwrap_err();
    assert!(e.contains("nosuch") && e.contains("payments"), "{e}");
    assert_eq!(app::faults::check_sim(&s, &spec("sim:payments")), Ok(()));
    s.session.mode = app::RunMode::Live;
    assert!(app::faults::check_sim(&s, &spec("sim:payments")).is_err());
}

#[test]
fn a_wrong_typed_confirmation_says_so_and_the_confirmation_shows_every_parameter() {
    let (mut s, _) = console(false, FaultsConfig::default());
    fill_form(&mut s, "pid:4242", "pause", "restart=true", "30s");
    chars(&mut s, "4243", 0);
    assert!(key(&mut s, KeyCode::Enter, 0).is_empty());
    let Mode::Faults(p) = &s.mode else { panic!() };
    let app::faults::Popup::Confirm { typed, spec, .. } = p.as_ref() else {
        panic!("{p:?}")
    };
    let e = typed.error.as_deref().unwrap_or("");
    assert!(e.contains("4243") && e.contains("4242"), "{e}");
    let all: Vec<String> = cocpit::domain::fault::describe(spec)
        .into_iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    assert_eq!(
        all,
        [
            "provider process",
            "target pid:4242",
            "action pause",
            "params restart=true",
            "duration 30s"
        ]
    );
}
