//! The demo plans in `fixtures/plans/` against the demo they are written
//! for: each file is a valid plan, its `applies_to` picks the alarms the
//! demo's incidents really raise, and its `heal` step, played on the
//! simulator in the middle of its incident, clears the alarm its `wait_for`
//! step waits on (so running the plan on a fresh machine works).

use chrono::{Duration, TimeZone, Utc};
use cocpit::domain::fault::{FaultSpec, catalog, sim::sim_fault};
use cocpit::domain::filter::Filter;
use cocpit::domain::plan::template::{Context, render};
use cocpit::domain::plan::validate::validate;
use cocpit::domain::plan::{Plan, PlanKind, Step};
use cocpit::domain::{Alarm, AlarmState, ObservedAlarm};
use cocpit::sources::simulator::{Scenario, SimTick, Simulator};
use std::path::Path;

fn plans() -> Vec<(String, Plan)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plans");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let plan: Plan = serde_norway::from_str(&text)
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let file = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((file, plan));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn plan(id: &str) -> Plan {
    plans()
        .into_iter()
        .map(|(_, p)| p)
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no plan {id}"))
}

fn alarm(o: &ObservedAlarm) -> Alarm {
    let t = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    Alarm {
        observed: o.clone(),
        state: AlarmState::Firing,
        raised_at: t,
        updated_at: t,
        resolved_at: None,
        ack: None,
        owner: None,
        notes: 0,
        timeline: Vec::new(),
        last_event_id: 0,
        successor: None,
        unrecorded: false,
    }
}

fn run(sim: &mut Simulator, ticks: u64) -> Vec<SimTick> {
    let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    (0..ticks)
        .map(|_| {
            let now = t0 + Duration::seconds(sim.tick() as i64 + 1);
            sim.step(now)
        })
        .collect()
}

/// Parameters filled with their defaults: how `cocpit plan run ID` runs
/// a demo plan with no alarm and no `--param`.
fn defaults(plan: &Plan) -> Context {
    let mut ctx = Context {
        run_id: "r1".into(),
        operator: "carol@jump1".into(),
        ..Context::default()
    };
    for p in &plan.params {
        if let Some(d) = &p.default {
            ctx.params.insert(p.name.clone(), d.clone());
        }
    }
    ctx
}

fn inject_steps(plan: &Plan) -> Vec<&Step> {
    plan.steps.iter().filter(|s| s.inject.is_some()).collect()
}

/// The fault each `inject` step asks for, with the plan's defaults.
fn heal_spec(plan: &Plan, step: &Step) -> FaultSpec {
    let i = step.inject.as_ref().unwrap();
    let ctx = defaults(plan);
    FaultSpec {
        provider: i.provider.clone(),
        target: render(&i.target, &ctx).unwrap(),
        action: i.action.clone(),
        params: Default::default(),
        duration_secs: i.duration.0,
        guard: None,
        probe: None,
    }
}

#[test]
fn every_demo_plan_is_valid_and_named_after_its_file() {
    let all = plans();
    assert!(all.len() >= 6, "{}", all.len());
    let providers = catalog::names();
    for (file, plan) in &all {
        assert_eq!(&plan.id, file, "a plan's id is its file name");
        let problems = validate(plan, &providers);
        assert!(problems.is_empty(), "{file}: {problems:?}");
        assert!(plan.version.is_some() && plan.owner.is_some(), "{file}");
        assert!(!plan.tags.is_empty(), "{file}");
        // Runnable with no alarm and no --param: every parameter has a
        // default that its own checks accept.
        for p in &plan.params {
            assert!(p.default.is_some(), "{file}: {} has no default", p.name);
        }
    }
    let kinds: Vec<PlanKind> = all.iter().map(|(_, p)| p.kind).collect();
    assert!(kinds.contains(&PlanKind::Change));
    assert!(kinds.contains(&PlanKind::Inspection));
    assert!(kinds.iter().filter(|k| **k == PlanKind::Runbook).count() >= 4);
}

#[test]
fn every_step_renders_with_the_defaults() {
    for (file, plan) in plans() {
        let ctx = defaults(&plan);
        for s in plan.steps.iter().chain(&plan.rollback) {
            let mut texts: Vec<&str> = Vec::new();
            if let Some(argv) = &s.run {
                texts.extend(argv.iter().map(String::as_str));
                texts.extend(s.env.values().map(String::as_str));
            }
            texts.extend(s.manual.as_deref());
            texts.extend(s.approve.as_deref());
            if let Some(i) = &s.inject {
                texts.push(&i.target);
            }
            if let Some(si) = &s.silence {
                texts.push(&si.comment);
            }
            for t in texts {
                render(t, &ctx).unwrap_or_else(|e| panic!("{file}: step {:?}: {e}", s.name));
            }
        }
    }
}

#[test]
fn every_remedy_is_a_sim_heal_on_a_demo_service() {
    let services = Scenario::embedded().unwrap().service_names();
    for (file, plan) in plans() {
        if plan.kind == PlanKind::Inspection {
            assert!(
                inject_steps(&plan).is_empty(),
                "{file}: inspections touch nothing"
            );
            continue;
        }
        let injects = inject_steps(&plan);
        assert!(!injects.is_empty(), "{file}: no heal step");
        for s in injects {
            let spec = heal_spec(&plan, s);
            let fault = sim_fault(&spec).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(spec.action, "heal", "{file}");
            assert!(
                services.contains(&fault.service),
                "{file}: {}",
                fault.service
            );
            assert!(spec.duration_secs <= 3600, "{file}: over max_duration");
        }
    }
}

/// Every alarm the embedded demo raises over its first three incidents.
fn demo_alarms() -> Vec<Alarm> {
    let mut sim = Simulator::new(Scenario::embedded().unwrap(), 1);
    let mut seen = std::collections::BTreeMap::new();
    for t in run(&mut sim, 3 * 240 + 30) {
        for a in &t.firing {
            seen.entry(a.fingerprint.to_string())
                .or_insert_with(|| alarm(a));
        }
    }
    seen.into_values().collect()
}

#[test]
fn applies_to_picks_the_alarms_the_demo_raises() {
    let alarms = demo_alarms();
    let suggested = |id: &str| -> Vec<(String, String)> {
        let p = plan(id);
        alarms
            .iter()
            .filter(|a| p.applies_to(a))
            .map(|a| (a.name().to_string(), a.service().to_string()))
            .collect()
    };
    let has = |id: &str, name: &str, service: &str| {
        let s = suggested(id);
        assert!(
            s.iter().any(|(n, sv)| n == name && sv == service),
            "{id} is not suggested for {name} on {service}: {s:?}"
        );
    };
    has("restart-inventory", "ServiceUnavailable", "inventory");
    has("shed-load", "Gateway5xxHigh", "gateway");
    has("shed-load", "ErrorRateHigh", "checkout");
    has("failover-postgres", "PostgresPoolSaturated", "postgres");
    has("failover-postgres", "PostgresLatencyHigh", "postgres");
    has("rollback-payments", "PaymentsLatencyHigh", "payments");
    // Not for the info notice about a rollout, nor for other services.
    for (n, s) in suggested("restart-inventory") {
        assert!(
            n != "DeploymentInProgress" && s == "inventory",
            "{n} on {s}"
        );
    }
    for (_, s) in suggested("rollback-payments") {
        assert_eq!(s, "payments");
    }
    // A change and an inspection are not suggested for alarms.
    assert!(suggested("drain-redis").is_empty());
    assert!(suggested("inspect-demo").is_empty());
    // What the change silences exists in the demo (the flapping warning).
    let drain = plan("drain-redis");
    let f = Filter::parse(&drain.silences[0]).unwrap();
    assert!(
        alarms
            .iter()
            .any(|a| f.matches(a) && a.name() == "RedisMemoryHigh")
    );
}

/// The filter of the plan's `wait_for: {alarm_resolved}` step.
fn awaited(plan: &Plan) -> Filter {
    let f = plan
        .steps
        .iter()
        .find_map(|s| s.wait_for.as_ref()?.alarm_resolved.clone())
        .unwrap();
    Filter::parse(&f).unwrap()
}

fn firing_matching(tick: &SimTick, f: &Filter) -> Vec<String> {
    tick.firing
        .iter()
        .map(alarm)
        .filter(|a| f.matches(a))
        .map(|a| format!("{} {}", a.name(), a.service()))
        .collect()
}

/// Play `id`'s heal at `at` (inside its incident) and check the alarm its
/// `wait_for` waits on resolves within its timeout, while a run without
/// the plan still has it firing.
fn heal_clears(id: &str, at: u64) {
    let p = plan(id);
    let f = awaited(&p);
    let mut sim = Simulator::new(Scenario::embedded().unwrap(), 5);
    let before = run(&mut sim, at);
    assert!(
        !firing_matching(before.last().unwrap(), &f).is_empty(),
        "{id}: nothing to wait for at tick {at}"
    );
    let mut untouched = sim.clone();
    for s in inject_steps(&p) {
        sim.inject(sim_fault(&heal_spec(&p, s)).unwrap());
    }
    let timeout = p
        .steps
        .iter()
        .find(|s| s.wait_for.is_some())
        .and_then(|s| s.timeout)
        .unwrap()
        .0;
    // The plan's `wait` steps before it count, but 60 s is well inside
    // every timeout: the alarm must be gone by then.
    assert!(timeout >= 60, "{id}");
    let healed = run(&mut sim, 60);
    let still = firing_matching(healed.last().unwrap(), &f);
    assert!(still.is_empty(), "{id}: still firing {still:?}");
    let left = run(&mut untouched, 20);
    assert!(
        !firing_matching(left.last().unwrap(), &f).is_empty(),
        "{id}: resolved on its own, the heal proves nothing"
    );
}

// Incidents of the embedded rotation: payments from tick 25 (90 s),
// inventory from 265 (80 s), postgres from 505 (100 s).

#[test]
fn rolling_back_payments_clears_its_latency_alarm() {
    heal_clears("rollback-payments", 60);
}

#[test]
fn shedding_load_clears_the_gateway_errors() {
    heal_clears("shed-load", 60);
}

#[test]
fn restarting_inventory_ends_the_crash_loop() {
    heal_clears("restart-inventory", 280);
}

#[test]
fn failing_over_postgres_drains_the_pool() {
    heal_clears("failover-postgres", 550);
}
