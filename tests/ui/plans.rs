//! The Plans view (catalog, detail, runs), the parameter form, the
//! dry-run preview and the execution view.

use super::fixtures::*;
use cocpit::app::Effect;
use cocpit::app::plans::{PlanEffect, PlanMsg};
use cocpit::domain::plan::payloads::Outcome;

const PLANS: [&str; 3] = [
    r#"
id: restart-payments
title: Restart the payments service
description: Drain, restart and check the payments pods
service: payments
version: 3
owner: team-payments
expected_recovery: 5m
tags: [payments, restart]
applies_to: 'service=payments'
params:
  - name: instance
    description: the pod to restart
    from: alarm.labels.instance
    pattern: '^[a-z0-9.-]+$'
    required: true
  - name: token
    description: the API token
    secret: true
    default: s3cret
steps:
  - name: drain
    run: [kubectl, drain, "{{params.instance}}", "--token={{params.token}}"]
  - name: check dashboard
    manual: "The payments dashboard is green"
  - name: healthy again
    http: {url: "http://{{params.instance}}:8080/health", expect_status: 200}
    retry: {count: 5, delay: 2s}
rollback:
  - name: uncordon
    run: [kubectl, uncordon, "{{params.instance}}"]
"#,
    r#"
id: patch-payments
title: Patch the payments hosts
kind: change
window: 30m
silences: ['service=payments']
steps:
  - name: patch
    run: [true]
"#,
    r#"
id: check-disks
title: Check the disks
kind: inspection
schedule: every 1h
steps:
  - name: df
    run: [df, -h]
"#,
];

fn with_plans(s: &mut State) {
    s.plans.catalog.plans = PLANS
        .iter()
        .map(|y| {
            cocpit::spec::plans::parse("p.yaml", y, &cocpit::app::faults::providers()).unwrap()
        })
        .collect();
    s.plans.catalog.errors =
        vec!["/etc/cocpit/plans/broken.yaml:4:3: unknown field `stpes`".into()];
}

/// Journal what the core asked for (rows back as the tailer gives them,
/// commits answered); returns what is left for the runtime.
fn journal(s: &mut State, fx: Vec<Effect>) -> Vec<Effect> {
    let mut todo = fx;
    let mut rest = Vec::new();
    while !todo.is_empty() {
        let mut next = Vec::new();
        for e in todo {
            let (token, evs) = match e {
                Effect::Commit { token, events } => (Some(token), events),
                Effect::Append(events) => (None, events),
                other => {
                    rest.push(other);
                    continue;
                }
            };
            let mut id = s.board.last_event_id.max(s.plans.runs.last_event_id);
            let rows: Vec<Event> = evs
                .into_iter()
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
            let ids = rows.iter().map(|r| r.id).collect();
            next.extend(update(s, Msg::Events(rows), now()));
            if let Some(token) = token {
                next.extend(update(
                    s,
                    Msg::Committed {
                        token,
                        result: Ok(ids),
                    },
                    now(),
                ));
            }
        }
        todo = next;
    }
    rest
}

fn finish(s: &mut State, fx: &[Effect], ok: bool, output: &str) -> Vec<Effect> {
    let Some(Effect::Plan(PlanEffect::Exec {
        run, at, attempt, ..
    })) = fx
        .iter()
        .find(|e| matches!(e, Effect::Plan(PlanEffect::Exec { .. })))
    else {
        panic!("no step running: {fx:?}")
    };
    let outcome = if ok {
        Outcome::ok(output)
    } else {
        Outcome {
            output: output.into(),
            exit: Some(1),
            ..Outcome::failed("exit 1")
        }
    };
    let msg = Msg::Plan(PlanMsg::Finished {
        run: run.clone(),
        at: *at,
        attempt: *attempt,
        outcome,
    });
    let fx = update(s, msg, now());
    journal(s, fx)
}

/// A run of restart-payments stopped at its manual step, and a finished
/// inspection.
fn with_runs(s: &mut State) {
    with_plans(s);
    keys(s, "5");
    key(s, KeyCode::Enter); // check-disks: no params, the preview
    let fx = { key_fx(s, KeyCode::Enter) };
    let fx = journal(s, fx);
    finish(
        s,
        &fx,
        true,
        "Filesystem  Size  Used\n/dev/sda1   50G   20G\n",
    );
    key(s, KeyCode::Esc);
    keys(s, "wG");
    key(s, KeyCode::Enter);
    keys(s, "pay-1");
    key(s, KeyCode::Enter);
    key(s, KeyCode::Enter);
    let fx = key_fx(s, KeyCode::Enter);
    let fx = journal(s, fx);
    finish(
        s,
        &fx,
        true,
        "node/pay-1 cordoned\nevicting pod payments-7d9f\n\x1b[31mred\x1b[0m done\n",
    );
}

fn key_fx(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now())
}

#[test]
fn snapshot_plans() {
    snap("plans", false, |s| {
        with_runs(s);
        key(s, KeyCode::Esc);
    });
    snap("plans_form", false, |s| {
        with_plans(s);
        keys(s, "5G");
        key(s, KeyCode::Enter);
        keys(s, "pay 1");
    });
    snap("plans_preview", false, |s| {
        with_plans(s);
        keys(s, "5G");
        key(s, KeyCode::Enter);
        keys(s, "pay-1");
        key(s, KeyCode::Enter);
        key(s, KeyCode::Enter);
    });
    snap("plans_run", false, |s| {
        with_runs(s);
    });
}

#[test]
fn secrets_never_reach_the_screen_and_output_is_inert() {
    let mut s = state_with(false, 120, 40);
    with_plans(&mut s);
    keys(&mut s, "5G");
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "pay-1");
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "x");
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(!all.contains("s3cretx") && all.contains("•••••••"), "{all}");
    key(&mut s, KeyCode::Enter);
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(
        !all.contains("s3cret") && all.contains("--token=••••"),
        "{all}"
    );

    let mut s = state_with(false, 120, 40);
    with_runs(&mut s);
    keys(&mut s, "k");
    assert_eq!(s.plans.step, Some(0), "k chose the first step");
    let buf = draw(&s, 120, 40);
    let all = text(buf.backend().buffer());
    assert!(all.contains("evicting pod payments-7d9f"), "{all}");
    assert!(!all.contains('\x1b'), "escape sequences drawn inert");
}

#[test]
fn the_header_shows_open_changes_and_tab_5_is_plans() {
    let mut s = state_with(false, 120, 40);
    with_plans(&mut s);
    keys(&mut s, "5j");
    key(&mut s, KeyCode::Enter);
    let fx = key_fx(&mut s, KeyCode::Enter);
    journal(&mut s, fx);
    let all = text(draw(&s, 120, 40).backend().buffer());
    let first = all.lines().next().unwrap_or("");
    assert!(
        first.contains("5 Plans") && first.contains("⚑ 1 change"),
        "{first}"
    );
}

#[test]
fn an_alarm_raised_during_a_change_says_so_on_its_row_and_in_the_detail() {
    let mut s = state_with(false, 120, 40);
    with_plans(&mut s);
    keys(&mut s, "5j");
    key(&mut s, KeyCode::Enter);
    let fx = key_fx(&mut s, KeyCode::Enter);
    journal(&mut s, fx);
    let labels = labels(&[("alertname", "PaymentsRestarting"), ("service", "payments")]);
    let a = ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(labels.iter()).into(),
        source: "demo".into(),
        name: "PaymentsRestarting".into(),
        severity: Severity::Warning,
        labels,
        annotations: Default::default(),
        starts_at: now(),
        generator_url: None,
    };
    let ev = cocpit::domain::NewEvent::new(
        now(),
        "source:demo",
        EventKind::AlarmRaised,
        &a.fingerprint,
        payload(&a),
    );
    journal(&mut s, vec![Effect::Append(vec![ev])]);
    keys(&mut s, "1");
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(all.contains("⚑ during change change-"), "{all}");
}

#[test]
fn every_size_draws_the_plans_screens_without_panicking() {
    let mut modes: Vec<State> = Vec::new();
    let mut s = state_with(false, 80, 24);
    with_runs(&mut s);
    modes.push(s.clone());
    key(&mut s, KeyCode::Esc);
    modes.push(s.clone());
    let mut f = state_with(false, 80, 24);
    with_plans(&mut f);
    keys(&mut f, "5G");
    key(&mut f, KeyCode::Enter);
    modes.push(f.clone());
    keys(&mut f, "pay-1");
    key(&mut f, KeyCode::Enter);
    key(&mut f, KeyCode::Enter);
    modes.push(f);
    for state in &modes {
        for w in (1..=130).step_by(7) {
            for h in (1..=45).step_by(4) {
                let mut st = state.clone();
                update(
                    &mut st,
                    Msg::Resize {
                        width: w,
                        height: h,
                    },
                    now(),
                );
                draw(&st, w, h);
            }
        }
    }
}

#[test]
fn a_running_steps_output_shows_live_and_inert() {
    let mut s = state_with(false, 120, 40);
    with_plans(&mut s);
    keys(&mut s, "5G");
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "pay-1");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    let fx = key_fx(&mut s, KeyCode::Enter);
    let fx = journal(&mut s, fx);
    let Some(Effect::Plan(PlanEffect::Exec {
        run, at, attempt, ..
    })) = fx
        .iter()
        .find(|e| matches!(e, Effect::Plan(PlanEffect::Exec { .. })))
        .cloned()
    else {
        panic!("no step running: {fx:?}")
    };
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(!all.contains("cordoning so far"), "{all}");
    update(
        &mut s,
        Msg::Plan(PlanMsg::Output {
            run: run.clone(),
            at,
            text: "cordoning so far\x1b[2J\n".into(),
        }),
        now(),
    );
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(all.contains("cordoning so far"), "{all}");
    assert!(!all.contains('\x1b'), "escape sequences drawn inert");
    update(
        &mut s,
        Msg::Plan(PlanMsg::Finished {
            run,
            at,
            attempt,
            outcome: Outcome::ok("final output"),
        }),
        now(),
    );
    assert!(s.plans.live.is_empty(), "a finished step is not live");
}

#[test]
fn a_reloaded_catalog_replaces_the_plans_and_shows_its_problems() {
    let mut s = state_with(false, 120, 40);
    with_plans(&mut s);
    keys(&mut s, "5");
    let catalog = cocpit::app::plans::Catalog {
        plans: s.plans.catalog.plans[..1].to_vec(),
        errors: vec!["/srv/plans/new.yaml:3:5: unknown field `stpes`".into()],
    };
    update(&mut s, Msg::Plan(PlanMsg::Catalog(catalog)), now());
    assert_eq!(s.plans.catalog.plans.len(), 1);
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(all.contains("new.yaml:3:5"), "{all}");
    assert!(all.contains("plans reloaded"), "{all}");
}
