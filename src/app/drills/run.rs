//! Driving the drill this console commands: preflight, the machine's
//! outputs turned into effects (through the faults and plans rooms), what
//! the board shows fed back as observations, and the journal rows of
//! other consoles (gate, abort) acted on.

use super::{ProbeWait, Step};
use crate::app::flow;
use crate::app::{Effect, Level, State, View, faults, plans};
use crate::domain::drill::payloads::{DrillEvent, GateState, Interrupted, Phase, Verdict};
use crate::domain::drill::run::{Observation, Out, Start};
use crate::domain::drill::scenario::Probe;
use crate::domain::drill::validate::rollback_plan;
use crate::domain::drill::{DrillRun, Scenario};
use crate::domain::fault::limits;
use crate::domain::fault::{Owner, Trigger, fault_id};
use crate::domain::filter::Filter;
use crate::domain::plan::run::StepState;
use crate::domain::plan::{
    Codes, OnFailure, Plan, PlanKind, Retry, Secs, Step as PlanStep, WaitFor,
};
use crate::domain::sanitize::inert;
use crate::domain::{Event, EventKind, NewEvent, Role};
use chrono::Duration;
use std::collections::BTreeMap;

/// How often the in-core probes are re-checked while they settle.
const PROBE_EVERY: u64 = 2;
/// How long an autostarted drill waits for its sources before giving up.
const AUTOSTART_WAIT: i64 = 60;

/// Why this console may not start or steer a drill, if it may not.
pub fn may_start(state: &State) -> Result<(), String> {
    if state.session.readonly {
        return Err("read-only console: drills cannot be started or steered here".into());
    }
    if state.session.role != Role::Operator {
        return Err("observer role: drills cannot be started or steered here".into());
    }
    if let Some(why) = state.recording.refusal() {
        return Err(format!("refused: {why}"));
    }
    Ok(())
}

/// Every check before anything is journaled: who may, when, where, and
/// that nothing else is drilling on this journal.
pub fn preflight(state: &State, s: &Scenario) -> Result<(), String> {
    may_start(state)?;
    if state.faults.me.is_none() {
        return Err("this console cannot inject faults (no owner identity)".into());
    }
    nothing_running(state)?;
    if let Some(w) = &s.window
        && !w.allows(state.now)
    {
        return Err(format!(
            "outside the drill window ({} {}–{} UTC)",
            if w.days.is_empty() {
                "every day".to_string()
            } else {
                w.days.join(",")
            },
            w.from.as_deref().unwrap_or("00:00"),
            w.to.as_deref().unwrap_or("24:00")
        ));
    }
    for (_, spec) in s.fault_specs() {
        limits::check(&spec, &state.faults.ledger, &state.faults.config)
            .map_err(|e| format!("{}: {e}", spec.label()))?;
        faults::check_sim(state, &spec)?;
    }
    if let Some(p) = &s.plan
        && !state.plans.catalog.plans.iter().any(|x| x.id == p.id)
    {
        return Err(format!("plan {:?} is not loaded", p.id));
    }
    sources_up(state)
}

fn sources_up(state: &State) -> Result<(), String> {
    for name in &state.expected_sources {
        match state.sources.health.iter().find(|h| &h.name == name) {
            None => return Err(format!("waiting for source {name} to answer")),
            Some(h) if !h.up => return Err(format!("source {name} is down: {}", inert(&h.detail))),
            Some(_) => {}
        }
    }
    if let Some(s) = state.sources.stale.iter().next() {
        return Err(format!("source {s} is stale"));
    }
    Ok(())
}

/// One drill per journal: none commanded here, none running elsewhere (a
/// scenario or an experiment).
pub fn nothing_running(state: &State) -> Result<(), String> {
    if let Some(id) = &state.drills.experiment {
        return Err(format!("experiment {id} is still running here"));
    }
    if let Some(r) = &state.drills.driving {
        return Err(format!("drill {} is still running here", r.id));
    }
    if let Some(d) = state.drills.journal.running().next() {
        return Err(format!(
            "drill {} ({}) is running on this journal, commanded by {}",
            d.id,
            inert(&d.title),
            inert(&d.commander)
        ));
    }
    Ok(())
}

/// A new drill id (`d…` for a scenario, `x…` for an experiment): short,
/// unique across consoles.
pub fn new_id(state: &State, prefix: &str, scenario: &str) -> String {
    let instance = state.faults.me.as_ref().map_or("", |m| m.instance.as_str());
    format!(
        "{prefix}{}",
        fault_id(&format!(
            "{scenario}-{instance}-{}",
            state.now.timestamp_nanos_opt().unwrap_or(0)
        ))
    )
}

/// Start `s`: preflight, then its first rows as one commit; nothing is
/// probed or injected before the journal answered.
pub fn start_scenario(state: &mut State, s: Scenario) -> Vec<Effect> {
    if let Err(why) = preflight(state, &s) {
        state.say(Level::Warn, format!("drill {} not started: {why}", s.id));
        return Vec::new();
    }
    let id = new_id(state, "d", &s.id);
    let mut run = DrillRun::new(
        s,
        Start {
            drill: id.clone(),
            commander: state.session.operator.clone(),
            headless: state.drills.headless,
            owner: state.faults.me.clone(),
        },
        state.now,
    );
    let outs = run.start(state.now);
    let what = format!("drill {id} of {} started", inert(&run.scenario.title));
    state.drills.driving = Some(run);
    state.drills.open = None;
    state.drills.scroll = 0;
    state.view = View::Drills;
    emit(state, outs, Some(what))
}

/// The machine's outputs: rows, then actions; with `commit`, the rows are
/// one commit and the actions wait for its answer.
fn emit(state: &mut State, outs: Vec<Out>, commit: Option<String>) -> Vec<Effect> {
    let Some(drill) = state.drills.driving.as_ref().map(|r| r.id.clone()) else {
        return Vec::new();
    };
    let me = state.session.operator.clone();
    let now = state.now;
    let mut rows: Vec<NewEvent> = Vec::new();
    let mut held = Vec::new();
    for o in outs {
        match o {
            Out::Record(ev) => rows.push(ev.to_new_event(now, &me)),
            other => held.push(other),
        }
    }
    let mut fx = Vec::new();
    match commit {
        Some(what) if !rows.is_empty() => {
            let token = state.flows.begin(
                Some(&format!("drill:{drill}")),
                what,
                flow::Step::Drill(Step::Held { drill, held }),
            );
            fx.push(Effect::Commit {
                token,
                events: rows,
            });
        }
        _ => {
            if !rows.is_empty() {
                fx.push(Effect::Append(rows));
            }
            for o in held {
                fx.extend(dispatch(state, o));
            }
        }
    }
    fx.extend(settle(state));
    fx
}

/// A drill that is over is forgotten (the journal keeps it).
fn settle(state: &mut State) -> Vec<Effect> {
    let Some(v) = state.drills.driving.as_ref().and_then(DrillRun::verdict) else {
        return Vec::new();
    };
    let Some(run) = state.drills.driving.take() else {
        return Vec::new();
    };
    state.drills.probes = None;
    state.drills.faults.clear();
    state.drills.rollbacks = None;
    let level = if v == Verdict::Passed {
        Level::Info
    } else {
        Level::Warn
    };
    state.say(
        level,
        format!(
            "drill {} {}: {}",
            run.id,
            v.as_str(),
            inert(&run.scenario.title)
        ),
    );
    state.drills.open = Some(run.id);
    Vec::new()
}

fn with_run(state: &mut State, f: impl FnOnce(&mut DrillRun) -> Vec<Out>) -> Vec<Effect> {
    let Some(run) = state.drills.driving.as_mut() else {
        return Vec::new();
    };
    let outs = f(run);
    emit(state, outs, None)
}

fn dispatch(state: &mut State, out: Out) -> Vec<Effect> {
    let now = state.now;
    match out {
        Out::Record(_) => Vec::new(),
        Out::Probe(phase) => start_probes(state, phase),
        Out::Inject { index, spec } => {
            let label = spec.label();
            match faults::intend_for(state, spec) {
                Ok((id, fx)) => {
                    state.drills.faults.insert(id, index);
                    fx
                }
                Err(e) => with_run(state, |r| r.injected(index, Err(e), &label, now)),
            }
        }
        Out::Recover { fault } => {
            let Some(f) = state.faults.ledger.get(&fault).cloned() else {
                return Vec::new();
            };
            if !f.is_live() {
                return with_run(state, |r| r.fault_ended(&fault, now));
            }
            faults::recover_effect(state, &f, Trigger::DrillEnd)
                .into_iter()
                .collect()
        }
        Out::StartPlan => start_plan(state),
        Out::Rollbacks => {
            let Some(s) = state.drills.driving.as_ref().map(|r| r.scenario.clone()) else {
                return Vec::new();
            };
            match run_plan(state, rollback_plan(&s), BTreeMap::new(), None) {
                Ok((id, fx)) => {
                    state.drills.rollbacks = Some(id);
                    fx
                }
                Err(e) => with_run(state, |r| r.rollbacks_done(false, &e, now)),
            }
        }
    }
}

/// Start a plan run for the drill, unattended (confirmations taken as
/// given; approvals still wait for a second operator).
fn run_plan(
    state: &mut State,
    plan: Plan,
    params: BTreeMap<String, String>,
    alarm: Option<String>,
) -> Result<(String, Vec<Effect>), String> {
    plans::drive::may_start(state)?;
    let run = plans::drive::prepare(state, plan, params, alarm, false, None);
    let id = run.id.clone();
    let fx = plans::drive::start(state, run);
    if fx.is_empty() {
        return Err("the plan run was refused".into());
    }
    Ok((id, fx))
}

/// The parameters of the scenario's plan: given ones, else the alarm's
/// or the default, each checked like the form checks them.
fn plan_params(
    plan: &Plan,
    given: &BTreeMap<String, String>,
    alarm: Option<&crate::domain::Alarm>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for p in &plan.params {
        let v = given
            .get(&p.name)
            .cloned()
            .unwrap_or_else(|| plans::form::prefill(p, alarm));
        if v.is_empty() {
            if p.required {
                return Err(format!("plan parameter {} is required", p.name));
            }
            continue;
        }
        let re = p.pattern.as_deref().and_then(|r| regex::Regex::new(r).ok());
        crate::domain::plan::validate::check_value(p, re.as_ref(), &v)
            .map_err(|e| format!("plan parameter {}: {e}", p.name))?;
        out.insert(p.name.clone(), v);
    }
    Ok(out)
}

fn start_plan(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let Some(run) = state.drills.driving.as_ref() else {
        return Vec::new();
    };
    let Some(pref) = run.scenario.plan.clone() else {
        return Vec::new();
    };
    // The plan is about the first alarm the drill saw.
    let alarm = run.expects.iter().find_map(|e| e.fingerprint.clone());
    let Some(plan) = state
        .plans
        .catalog
        .plans
        .iter()
        .find(|p| p.id == pref.id)
        .cloned()
    else {
        return with_run(state, |r| {
            r.plan_refused(&format!("plan {:?} is not loaded", pref.id), now)
        });
    };
    let a = alarm.as_deref().and_then(|fp| state.board.get(fp)).cloned();
    let params = match plan_params(&plan, &pref.params, a.as_ref()) {
        Ok(p) => p,
        Err(e) => return with_run(state, |r| r.plan_refused(&e, now)),
    };
    match run_plan(state, plan, params, alarm) {
        Ok((id, mut fx)) => {
            fx.extend(with_run(state, |r| r.plan_started(&id, now)));
            fx
        }
        Err(e) => with_run(state, |r| r.plan_refused(&e, now)),
    }
}

/// The `run` / `http` / `promql` probes of a scenario as a plan: one step
/// each, never stopping at a failure, retried while the state settles.
pub fn probe_plan(s: &Scenario, phase: Phase) -> Option<Plan> {
    let settle = s.steady_state.settle.map_or(0, |d| d.0);
    let retry = (settle >= PROBE_EVERY).then_some(Retry {
        count: (settle / PROBE_EVERY) as u32,
        delay: Secs(PROBE_EVERY),
    });
    let steps: Vec<PlanStep> = s
        .steady_state
        .probes
        .iter()
        .filter(|p| !p.in_core())
        .map(|p| probe_step(p, retry, settle))
        .collect();
    if steps.is_empty() {
        return None;
    }
    let which = if phase == Phase::SteadyBefore {
        "before"
    } else {
        "after"
    };
    Some(Plan {
        id: format!("{}-steady-{which}", s.id),
        title: format!("{}: steady state {which}", s.title),
        description: format!("The steady-state probes of drill scenario {}.", s.id),
        kind: PlanKind::Runbook,
        tags: vec!["drill".into()],
        steps,
        ..Plan::default()
    })
}

fn probe_step(p: &Probe, retry: Option<Retry>, settle: u64) -> PlanStep {
    let mut step = PlanStep {
        name: p.name.clone(),
        timeout: p.timeout,
        on_failure: OnFailure::Continue,
        ..PlanStep::default()
    };
    if let Some(argv) = &p.run {
        step.run = Some(argv.clone());
        step.expect_exit = Some(p.expect_exit.clone().unwrap_or(Codes::One(0)));
        step.retry = retry;
    } else if let Some(h) = &p.http {
        step.http = Some(h.clone());
        step.retry = retry;
    } else if let Some(q) = &p.promql {
        step.wait_for = Some(WaitFor {
            promql: Some(q.clone()),
            http: None,
            alarm_resolved: None,
            interval: Secs(PROBE_EVERY),
        });
        step.timeout = Some(p.timeout.unwrap_or(Secs(settle.max(PROBE_EVERY))));
    }
    step
}

fn start_probes(state: &mut State, phase: Phase) -> Vec<Effect> {
    let Some(s) = state.drills.driving.as_ref().map(|r| r.scenario.clone()) else {
        return Vec::new();
    };
    let settle = s.steady_state.settle.map_or(0, |d| d.0) as i64;
    let mut fx = Vec::new();
    let mut run = None;
    if let Some(plan) = probe_plan(&s, phase) {
        match run_plan(state, plan, BTreeMap::new(), None) {
            Ok((id, f)) => {
                run = Some(id);
                fx = f;
            }
            Err(e) => {
                let now = state.now;
                let results: Vec<(String, bool, String)> = s
                    .steady_state
                    .probes
                    .iter()
                    .filter(|p| !p.in_core())
                    .map(|p| (p.name.clone(), false, e.clone()))
                    .collect();
                return with_run(state, |r| r.probes_done(phase, &results, now));
            }
        }
    }
    state.drills.probes = Some(ProbeWait {
        phase,
        run,
        until: state.now + Duration::seconds(settle),
    });
    fx.extend(check_probes(state));
    fx
}

/// The in-core probes: no firing alarm matches the filter.
fn core_probe(state: &State, p: &Probe) -> (bool, String) {
    let Some(f) = p.alarms.as_deref().and_then(|f| Filter::parse(f).ok()) else {
        return (false, "bad filter".into());
    };
    let firing: Vec<String> = state
        .board
        .iter()
        .filter(|a| a.is_firing() && f.matches(a))
        .map(|a| format!("{} {}", a.name(), a.service()))
        .collect();
    if firing.is_empty() {
        (true, String::new())
    } else {
        (false, format!("firing: {}", inert(&firing.join(", "))))
    }
}

/// Answer the machine once every probe of the phase has a result.
fn check_probes(state: &mut State) -> Vec<Effect> {
    let Some(pw) = state.drills.probes.clone() else {
        return Vec::new();
    };
    let Some(s) = state.drills.driving.as_ref().map(|r| r.scenario.clone()) else {
        return Vec::new();
    };
    let core: Vec<(String, bool, String)> = s
        .steady_state
        .probes
        .iter()
        .filter(|p| p.in_core())
        .map(|p| {
            let (ok, d) = core_probe(state, p);
            (p.name.clone(), ok, d)
        })
        .collect();
    if core.iter().any(|c| !c.1) && state.now < pw.until {
        return Vec::new();
    }
    let mut results = Vec::new();
    if let Some(run) = &pw.run {
        let Some(view) = state.plans.runs.get(run) else {
            return Vec::new();
        };
        if !view.state.is_over() {
            return Vec::new();
        }
        let external: Vec<&Probe> = s
            .steady_state
            .probes
            .iter()
            .filter(|p| !p.in_core())
            .collect();
        for (p, st) in external.iter().zip(&view.steps) {
            let (ok, detail) = match &st.state {
                StepState::Ok => match p.matches.as_deref().map(regex::Regex::new) {
                    Some(Ok(re)) if !re.is_match(&st.output) => (
                        false,
                        format!(
                            "output does not match {:?}",
                            p.matches.as_deref().unwrap_or("")
                        ),
                    ),
                    Some(Err(e)) => (false, format!("bad regex: {e}")),
                    _ => (true, String::new()),
                },
                StepState::Failed { reason } | StepState::Skipped { reason } => {
                    (false, reason.clone())
                }
                other => (false, format!("{other:?}")),
            };
            results.push((p.name.clone(), ok, detail));
        }
    }
    // File order: in-core and external probes as written.
    let mut ordered = Vec::new();
    for p in &s.steady_state.probes {
        let src = if p.in_core() { &core } else { &results };
        if let Some(r) = src.iter().find(|r| r.0 == p.name) {
            ordered.push(r.clone());
        }
    }
    state.drills.probes = None;
    let now = state.now;
    with_run(state, |r| r.probes_done(pw.phase, &ordered, now))
}

/// What the board shows for the drill's expectations and guards.
fn observe(state: &State, run: &DrillRun) -> Observation {
    let parse = |f: &str| Filter::parse(f).ok().filter(|f| !f.is_empty());
    let expects: Vec<Option<Filter>> = run
        .scenario
        .expect
        .alarms
        .iter()
        .map(|e| parse(&e.filter))
        .collect();
    let mut obs = Observation {
        expected_resolved: true,
        ..Observation::default()
    };
    for (i, f) in expects.iter().enumerate() {
        let since = run
            .group_started
            .get(run.scenario.expect.alarms[i].group)
            .copied()
            .flatten();
        let hit = f.as_ref().zip(since).and_then(|(f, since)| {
            state
                .board
                .iter()
                .filter(|a| f.matches(a) && a.raised_at >= since - Duration::seconds(1))
                .min_by_key(|a| a.raised_at)
                .map(|a| (a.fingerprint().to_string(), a.raised_at))
        });
        obs.expect.push(hit);
    }
    for a in state.board.iter() {
        if !expects.iter().flatten().any(|f| f.matches(a)) {
            continue;
        }
        if a.is_firing() {
            obs.expected_resolved = false;
        }
        if let Some(ack) = &a.ack
            && run.first_inject.is_some_and(|t| ack.at >= t)
        {
            obs.first_ack = Some(obs.first_ack.map_or(ack.at, |x| x.min(ack.at)));
        }
    }
    for g in &run.scenario.guards {
        let Some(f) = g.alarm.as_deref().and_then(parse) else {
            continue;
        };
        if let Some(a) = state
            .board
            .iter()
            .find(|a| a.is_firing() && a.raised_at >= run.started && f.matches(a))
        {
            let name = if g.name.is_empty() {
                g.alarm.clone().unwrap_or_default()
            } else {
                g.name.clone()
            };
            obs.guard = Some((name, format!("{} on {} is firing", a.name(), a.service())));
            break;
        }
    }
    obs
}

/// Every clock tick: the commanded drill looks at the board; an
/// autostart waits for its sources.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    let mut fx = autostart(state);
    if state.drills.auto_gates
        && let Some(r) = &state.drills.driving
        && matches!(r.state, crate::domain::drill::run::DrillState::Held { .. })
    {
        let id = r.id.clone();
        fx.extend(advance(state, &id));
    }
    if let Some(run) = state.drills.driving.as_ref() {
        let obs = observe(state, run);
        let now = state.now;
        fx.extend(with_run(state, |r| r.tick(now, &obs)));
        fx.extend(check_probes(state));
        fx.extend(check_runs(state));
    }
    fx
}

fn autostart(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.drills.autostart.clone() else {
        return Vec::new();
    };
    if let Some(e) = state
        .drills
        .catalog
        .experiments
        .iter()
        .find(|e| e.id == id)
        .cloned()
    {
        // An experiment does not look at the console's sources.
        state.drills.autostart = None;
        let fx = super::start_experiment(state, e);
        if state.drills.experiment.is_none() {
            state.drills.autostart_failed = Some(format!("experiment {id} not started"));
        }
        return fx;
    }
    let Some(s) = state
        .drills
        .catalog
        .scenarios
        .iter()
        .find(|s| s.id == id)
        .cloned()
    else {
        state.drills.autostart = None;
        state.say(Level::Error, format!("drill {id}: no such scenario"));
        state.drills.autostart_failed = Some(format!("no scenario {id:?}"));
        return Vec::new();
    };
    let since = *state.drills.autostart_since.get_or_insert(state.now);
    match preflight(state, &s) {
        Ok(()) => {
            state.drills.autostart = None;
            let strategy = state.drills.autostart_rollbacks.take();
            let fx = start_scenario(state, s);
            if let (Some(r), Some(st)) = (state.drills.driving.as_mut(), strategy) {
                // Nothing has reached the rollbacks yet: the start is only
                // being committed.
                r.rollback_strategy = st;
            }
            fx
        }
        // Sources come up a second or two after the console.
        Err(why)
            if (why.starts_with("waiting for source") || why.starts_with("source "))
                && state.now - since < Duration::seconds(AUTOSTART_WAIT) =>
        {
            Vec::new()
        }
        Err(why) => {
            state.drills.autostart = None;
            state.say(Level::Error, format!("drill {id} not started: {why}"));
            state.drills.autostart_failed = Some(why);
            Vec::new()
        }
    }
}

/// Plan runs of the drill that ended (its plan, its rollbacks).
fn check_runs(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut fx = Vec::new();
    let plan_run = match state.drills.driving.as_ref().map(|r| &r.plan) {
        Some(crate::domain::drill::run::PlanTrack::Running { run }) => Some(run.clone()),
        _ => None,
    };
    if let Some(id) = plan_run
        && let Some(v) = state.plans.runs.get(&id)
        && v.state.is_over()
    {
        let ok = v.state == crate::domain::plan::RunState::Succeeded;
        let detail = v.state.label().to_string();
        fx.extend(with_run(state, |r| r.plan_finished(&id, ok, &detail, now)));
    }
    if let Some(id) = state.drills.rollbacks.clone()
        && let Some(v) = state.plans.runs.get(&id)
        && v.state.is_over()
    {
        state.drills.rollbacks = None;
        let ok = v.state == crate::domain::plan::RunState::Succeeded;
        let detail = v.state.label().to_string();
        fx.extend(with_run(state, |r| r.rollbacks_done(ok, &detail, now)));
    }
    fx
}

/// Journal rows: the drill's faults ending, its runs finishing, another
/// console's gate or abort.
pub fn after_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    let Some(drill) = state.drills.driving.as_ref().map(|r| r.id.clone()) else {
        return Vec::new();
    };
    let now = state.now;
    let me = state.session.operator.clone();
    let mut fx = Vec::new();
    for ev in events {
        match ev.kind() {
            Some(
                EventKind::FaultRecovered | EventKind::FaultFailed | EventKind::FaultDismissed,
            ) if state.drills.faults.contains_key(&ev.subject) => {
                let id = ev.subject.clone();
                fx.extend(with_run(state, |r| r.fault_ended(&id, now)));
            }
            Some(EventKind::DrillGate) if ev.subject == drill => {
                if let Some(DrillEvent::Gate(g)) =
                    DrillEvent::from_event(EventKind::DrillGate, &ev.payload)
                    && g.state == GateState::Advanced
                    && ev.actor != me
                {
                    // Already journaled by the console that let it go.
                    let Some(run) = state.drills.driving.as_mut() else {
                        continue;
                    };
                    let outs: Vec<Out> = run
                        .advance(&g.by, now)
                        .into_iter()
                        .filter(|o| !matches!(o, Out::Record(DrillEvent::Gate(_))))
                        .collect();
                    fx.extend(emit(state, outs, None));
                }
            }
            Some(EventKind::DrillAbortRequested) if ev.subject == drill => {
                if let Some(DrillEvent::AbortRequested(a)) =
                    DrillEvent::from_event(EventKind::DrillAbortRequested, &ev.payload)
                {
                    fx.extend(abort(state, &format!("aborted by {}", inert(&a.by))));
                }
            }
            _ => {}
        }
    }
    fx.extend(check_runs(state));
    fx.extend(check_probes(state));
    fx
}

/// A fault run of the faults room ended.
pub fn on_fault_done(state: &mut State, id: &str, error: Option<&str>) -> Vec<Effect> {
    let Some(&index) = state.drills.faults.get(id) else {
        return Vec::new();
    };
    let injecting = state.drills.driving.as_ref().is_some_and(|r| {
        matches!(
            r.faults.get(index),
            Some((_, crate::domain::drill::run::FaultTrack::Injecting))
        )
    });
    if !injecting {
        return Vec::new();
    }
    let now = state.now;
    let label = state
        .drills
        .driving
        .as_ref()
        .and_then(|r| r.fault_specs().into_iter().find(|(i, _)| *i == index))
        .map_or_else(|| id.to_string(), |(_, spec)| spec.label());
    let result = match error {
        None => Ok(id.to_string()),
        Some(e) => Err(e.to_string()),
    };
    with_run(state, |r| r.injected(index, result, &label, now))
}

/// A drill fault's probe guard failed: the whole drill stops, as for an
/// alarm guard (the faults room recovers that fault itself).
pub fn on_probe_failed(state: &mut State, id: &str, reason: &str) -> Vec<Effect> {
    if !state.drills.faults.contains_key(id) || state.drills.driving.is_none() {
        return Vec::new();
    }
    let name = state
        .drills
        .driving
        .as_ref()
        .and_then(|r| r.scenario.guards.iter().find(|g| g.probe.is_some()))
        .map_or_else(|| "probe".to_string(), |g| g.name.clone());
    let now = state.now;
    let why = format!("probe guard {name:?}: {}", inert(reason));
    let mut fx = with_run(state, |r| {
        let mut outs = vec![Out::Record(DrillEvent::Measured(
            crate::domain::drill::payloads::Measured {
                drill: r.id.clone(),
                what: crate::domain::drill::payloads::Measure::Guard,
                name: name.clone(),
                secs: None,
                ok: false,
                detail: reason.to_string(),
            },
        ))];
        outs.extend(r.abort(&why, now));
        outs
    });
    fx.extend(settle(state));
    fx
}

/// The journal answered one of this room's commits.
pub fn on_committed(
    state: &mut State,
    what: &str,
    step: Step,
    result: &Result<Vec<i64>, String>,
) -> Vec<Effect> {
    match step {
        Step::Asked | Step::Experiment { .. } => {
            state.confirm(what, result);
            Vec::new()
        }
        Step::Held { drill, held } => {
            if let Err(e) = result {
                state.say(Level::Error, format!("NOT recorded: {what}: {e}"));
                // A start that is not durable does not run at all.
                if state.drills.journal.get(&drill).is_none() {
                    state.drills.driving = None;
                }
                return Vec::new();
            }
            state.confirm(what, result);
            let mut fx = Vec::new();
            for o in held {
                fx.extend(dispatch(state, o));
            }
            fx.extend(settle(state));
            fx
        }
    }
}

/// Let the held drill go on (the commander's `Space`).
pub fn advance(state: &mut State, _drill: &str) -> Vec<Effect> {
    let by = state.session.operator.clone();
    let now = state.now;
    let Some(run) = state.drills.driving.as_mut() else {
        return Vec::new();
    };
    let outs = run.advance(&by, now);
    emit(state, outs, Some("gate passed".into()))
}

/// Abort the commanded drill: every fault recovered, rollbacks run.
pub fn abort(state: &mut State, reason: &str) -> Vec<Effect> {
    let now = state.now;
    let Some(run) = state.drills.driving.as_mut() else {
        return Vec::new();
    };
    let id = run.id.clone();
    let outs = run.abort(reason, now);
    state.say(
        Level::Warn,
        format!("drill {id}: {reason}: recovering its faults"),
    );
    emit(state, outs, None)
}

/// The panic key: the commanded drill aborts with everything else.
pub fn abort_all(state: &mut State, reason: &str) -> Vec<Effect> {
    abort(state, reason)
}

/// Running drills whose driving process is gone (`gone` says, from the
/// runtime): journal them as interrupted, measurements kept.
pub fn interrupted_rows(state: &State, gone: &dyn Fn(&Owner) -> bool) -> Vec<NewEvent> {
    if state.session.readonly {
        return Vec::new();
    }
    let me = &state.session.operator;
    state
        .drills
        .journal
        .running()
        .filter(|d| d.owner.as_ref().is_some_and(gone))
        .map(|d| {
            DrillEvent::Interrupted(Interrupted {
                drill: d.id.clone(),
                by: me.clone(),
                phase: Some(d.phase),
            })
            .to_new_event(state.now, me)
        })
        .collect()
}

/// On quit: the commanded drill ends as aborted (its faults are recovered
/// with the console's own on exit; the rollbacks are not waited for).
pub fn on_quit(state: &mut State) -> Vec<NewEvent> {
    let now = state.now;
    let me = state.session.operator.clone();
    let Some(mut run) = state.drills.driving.take() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    let mut outs = run.abort("the console quit", now);
    // Nothing more will answer (recoveries, rollbacks): review it here.
    outs.extend(run.force_review(now));
    for o in outs {
        if let Out::Record(ev) = o {
            rows.push(ev.to_new_event(now, &me));
        }
    }
    rows
}
