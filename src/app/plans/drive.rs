//! Driving the runs this console started: the machine's outputs become
//! journal rows (commits for the start and for operator decisions, appends
//! for the rest) and effects; what the core does itself (inject, recover,
//! silence, wait for an alarm to resolve) is done here; answers, ticks,
//! approvals seen in the journal and the operator's keys go back into the
//! machine.

use super::{PlanEffect, ResolvedWait, Step, Waiting};
use crate::app::flow;
use crate::app::keymap::Action;
use crate::app::{Effect, Level, State, faults, silences};
use crate::domain::event::{AlarmAcked, SilenceIntent, payload};
use crate::domain::fault::Trigger;
use crate::domain::filter::Filter;
use crate::domain::plan::payloads::{self as p, Decision, Outcome, PlanEvent};
use crate::domain::plan::run::{Action as PlanAction, At, Out, Start};
use crate::domain::plan::schedule::Schedule;
use crate::domain::plan::template::Context;
use crate::domain::plan::{Plan, PlanKind, PlanRun, RunState};
use crate::domain::sanitize::inert;
use crate::domain::{Alarm, Event, EventKind, NewEvent, Role};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Why this console may not start a run, if it may not.
pub fn may_start(state: &State) -> Result<(), String> {
    if state.session.readonly {
        return Err("read-only console: plans cannot be started here".into());
    }
    if state.session.role != Role::Operator {
        return Err("observer role: plans cannot be started here (approving is allowed)".into());
    }
    if let Some(why) = state.recording.refusal() {
        return Err(format!("refused: {why}"));
    }
    Ok(())
}

/// The template context of an alarm.
pub fn context_of(alarm: Option<&Alarm>) -> Context {
    let mut ctx = Context::default();
    if let Some(a) = alarm {
        let own = |l: &crate::domain::alarm::Labels| {
            l.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        ctx.labels = own(&a.observed.labels);
        ctx.annotations = own(&a.observed.annotations);
        ctx.fingerprint = Some(a.fingerprint().to_string());
    }
    ctx
}

/// A run of `plan` as this console would start it (for the preview).
pub fn prepare(
    state: &mut State,
    plan: Plan,
    params: BTreeMap<String, String>,
    alarm: Option<String>,
    attended: bool,
    rollback_of: Option<String>,
) -> PlanRun {
    let operator = state.session.operator.clone();
    let run_id = state.plans.next_run_id(&operator, state.now);
    let ctx = context_of(alarm.as_deref().and_then(|fp| state.board.get(fp)));
    PlanRun::new(
        plan,
        Start {
            run_id,
            operator,
            alarm,
            attended,
            assume_yes: !attended,
            params,
            ctx,
            rollback_of,
        },
        state.now,
    )
}

fn change_id(run: &str) -> String {
    format!("change-{}", run.trim_start_matches("run-"))
}

/// Start a prepared run: its first rows are one commit; nothing runs
/// before the journal answered it.
pub fn start(state: &mut State, mut run: PlanRun) -> Vec<Effect> {
    if let Err(why) = may_start(state) {
        state.say(Level::Warn, why);
        return Vec::new();
    }
    let now = state.now;
    let mut outs = run.start(now);
    let mut then = Vec::new();
    if run.plan.kind == PlanKind::Change && run.rollback_of.is_none() {
        let window = run.plan.window.map_or(3600, |w| w.0) as i64;
        let until = now + Duration::seconds(window);
        let change = change_id(&run.id);
        let opened = Out::Record(PlanEvent::ChangeOpened(p::ChangeOpened {
            change: change.clone(),
            run: run.id.clone(),
            plan: run.plan.id.clone(),
            title: run.plan.title.clone(),
            operator: run.operator.clone(),
            until,
            silences: run.plan.silences.clone(),
        }));
        outs.insert(1.min(outs.len()), opened);
        let comment = format!(
            "cocpit change {change} (run {}): {}",
            run.id,
            inert(&run.plan.title)
        );
        for f in run.plan.silences.clone() {
            let (fx, evs, _) = silence_alarms(state, &f, until, &comment);
            then.extend(fx);
            if !evs.is_empty() {
                then.push(Effect::Append(evs));
            }
        }
    }
    let id = run.id.clone();
    // Unattended runs (inspections) keep the status line for the operator.
    let what = if run.attended {
        format!("run {id} of {} started", inert(&run.plan.title))
    } else {
        String::new()
    };
    state.plans.driving.insert(id.clone(), run);
    let (records, held) = split(outs);
    let events = records
        .iter()
        .map(|r| r.to_new_event(now, &state.session.operator))
        .collect();
    let token = state.flows.begin(
        Some(&format!("run:{id}")),
        what,
        flow::Step::Plan(Step::Held {
            run: id.clone(),
            held,
        }),
    );
    state.plans.starting.insert(id.clone(), token);
    let mut fx = vec![Effect::Commit { token, events }];
    // Silences of a change are their own intent commits, after the start.
    fx.extend(then);
    fx
}

fn split(outs: Vec<Out>) -> (Vec<PlanEvent>, Vec<Out>) {
    let mut records = Vec::new();
    let mut rest = Vec::new();
    for o in outs {
        match o {
            Out::Record(r) => records.push(r),
            other => rest.push(other),
        }
    }
    (records, rest)
}

/// A run's outputs: rows appended, actions started; with `decision`, the
/// rows are one commit and the actions wait for its answer.
fn emit(state: &mut State, run: &str, outs: Vec<Out>, decision: Option<String>) -> Vec<Effect> {
    let (records, held) = split(outs);
    let now = state.now;
    let events: Vec<NewEvent> = records
        .iter()
        .map(|r| r.to_new_event(now, &state.session.operator))
        .collect();
    let mut fx = Vec::new();
    match decision {
        Some(what) if !events.is_empty() => {
            let token = state.flows.begin(
                Some(&format!("run:{run}")),
                what,
                flow::Step::Plan(Step::Held {
                    run: run.to_string(),
                    held,
                }),
            );
            fx.push(Effect::Commit { token, events });
        }
        _ => {
            if !events.is_empty() {
                fx.push(Effect::Append(events));
            }
            for o in held {
                fx.extend(dispatch(state, run, o));
            }
        }
    }
    fx.extend(settle(state, run));
    fx
}

/// A run that is over: close its change, forget it.
fn settle(state: &mut State, run: &str) -> Vec<Effect> {
    let Some(r) = state.plans.driving.get(run) else {
        return Vec::new();
    };
    if !r.state.is_over() {
        return Vec::new();
    }
    let outcome = r.state.label().to_string();
    let quiet = !r.attended && r.state == RunState::Succeeded;
    let is_change = r.plan.kind == PlanKind::Change && r.rollback_of.is_none();
    state.plans.driving.remove(run);
    state.plans.faults.retain(|_, w| w.run != run);
    state.plans.resolved_waits.retain(|w| w.run != run);
    let mut fx = Vec::new();
    if is_change {
        let ev = PlanEvent::ChangeClosed(p::ChangeClosed {
            change: change_id(run),
            outcome: outcome.clone(),
        });
        fx.push(Effect::Append(vec![
            ev.to_new_event(state.now, &state.session.operator),
        ]));
        fx.extend(unsilence_change(state, &change_id(run)));
    }
    if !quiet {
        let level = if outcome == "succeeded" {
            Level::Info
        } else {
            Level::Warn
        };
        state.say(level, format!("run {run} {outcome}"));
    }
    fx
}

/// One action or kill of a run.
fn dispatch(state: &mut State, run: &str, out: Out) -> Vec<Effect> {
    match out {
        Out::Record(_) => Vec::new(),
        Out::Kill { at } => {
            state
                .plans
                .faults
                .retain(|_, w| !(w.run == run && w.at == at));
            let before = state.plans.resolved_waits.len();
            state
                .plans
                .resolved_waits
                .retain(|w| !(w.run == run && w.at == at));
            if before != state.plans.resolved_waits.len() {
                return Vec::new();
            }
            vec![Effect::Plan(PlanEffect::Kill {
                run: run.to_string(),
                at,
            })]
        }
        Out::Exec {
            at,
            attempt,
            action,
            timeout,
        } => match action {
            PlanAction::Inject(spec) => {
                let wait = Waiting {
                    run: run.to_string(),
                    at,
                    attempt,
                };
                match faults::check_sim(state, &spec).and_then(|_| faults::intend_for(state, spec))
                {
                    Ok((id, fx)) => {
                        state.plans.faults.insert(id, wait);
                        fx
                    }
                    Err(e) => finished(state, run, at, attempt, Outcome::failed(e)),
                }
            }
            PlanAction::Recover { fault_id } => {
                let Some(f) = state.faults.ledger.get(&fault_id).cloned() else {
                    return finished(
                        state,
                        run,
                        at,
                        attempt,
                        Outcome::failed(format!("no fault {fault_id}")),
                    );
                };
                if !f.is_live() {
                    let o = Outcome::ok(format!("fault {fault_id} is {}", f.state.as_str()));
                    return finished(state, run, at, attempt, o);
                }
                match faults::recover_effect(state, &f, Trigger::Operator) {
                    Some(e) => {
                        state.plans.faults.insert(
                            fault_id,
                            Waiting {
                                run: run.to_string(),
                                at,
                                attempt,
                            },
                        );
                        vec![e]
                    }
                    None => finished(
                        state,
                        run,
                        at,
                        attempt,
                        Outcome::failed(format!("fault {fault_id} is already being worked on")),
                    ),
                }
            }
            PlanAction::Silence {
                matchers,
                duration,
                comment,
            } => {
                let until = state.now + Duration::seconds(duration.0 as i64);
                let comment = format!("cocpit plan run {run}: {comment}");
                let (mut fx, evs, n) = silence_alarms(state, &matchers, until, &comment);
                let summary = format!("silenced {n} alarm(s) matching {matchers} until {until}");
                if evs.is_empty() {
                    fx.extend(finished(state, run, at, attempt, Outcome::ok(summary)));
                    return fx;
                }
                let token = state.flows.begin(
                    None,
                    String::new(),
                    flow::Step::Plan(Step::Silenced {
                        run: run.to_string(),
                        at,
                        attempt,
                        summary,
                    }),
                );
                fx.insert(0, Effect::Commit { token, events: evs });
                fx
            }
            PlanAction::WaitForResolved { filter, .. } => {
                state.plans.resolved_waits.push(ResolvedWait {
                    run: run.to_string(),
                    at,
                    attempt,
                    filter,
                    until: state.now + Duration::seconds(timeout.0 as i64),
                });
                check_resolved(state)
            }
            action => vec![Effect::Plan(PlanEffect::Exec {
                run: run.to_string(),
                at,
                attempt,
                action,
                timeout,
            })],
        },
    }
}

/// Silence the firing alarms matching `matchers` until `until`: an
/// Alertmanager silence (its intent committed first, the silences room's
/// flow) for Alertmanager alarms, a journal silence (returned, to be
/// committed by the caller) for the others.
fn silence_alarms(
    state: &mut State,
    matchers: &str,
    until: DateTime<Utc>,
    comment: &str,
) -> (Vec<Effect>, Vec<NewEvent>, usize) {
    let Ok(f) = Filter::parse(matchers) else {
        return (Vec::new(), Vec::new(), 0);
    };
    if f.is_empty() {
        return (Vec::new(), Vec::new(), 0);
    }
    let hits: Vec<Alarm> = state
        .board
        .iter()
        .filter(|a| a.is_firing() && !a.is_acked() && f.matches(a))
        .cloned()
        .collect();
    let mut fx = Vec::new();
    let mut evs = Vec::new();
    for a in &hits {
        let fp = a.fingerprint().to_string();
        let source = a.observed.source.clone();
        if state.silences.is_am(&source) {
            let duration = until - state.now;
            let ev = state.operator_event(
                EventKind::AlarmSilenceRequested,
                &fp,
                payload(&SilenceIntent {
                    source: source.clone(),
                    duration_secs: Some(duration.num_seconds()),
                    comment: Some(comment.to_string()),
                    ..SilenceIntent::default()
                }),
            );
            let name = inert(a.name()).into_owned();
            let step = silences::Step::SilenceIntent {
                fp: fp.clone(),
                source,
                name: name.clone(),
                labels: a.observed.labels.clone(),
                duration,
                comment: comment.to_string(),
            };
            let token = state
                .flows
                .begin(Some(&fp), format!("silence of {name} requested"), step);
            fx.push(Effect::Commit {
                token,
                events: vec![ev],
            });
        } else {
            evs.push(state.operator_event(
                EventKind::AlarmSilenced,
                &fp,
                payload(&AlarmAcked {
                    comment: Some(comment.to_string()),
                    until: Some(until),
                    ..AlarmAcked::default()
                }),
            ));
        }
    }
    (fx, evs, hits.len())
}

/// A change is closed: the silences it made end with it (an Alertmanager
/// silence is expired through the unack flow, a journal silence is
/// lifted with `alarm.unacked`).
fn unsilence_change(state: &mut State, change: &str) -> Vec<Effect> {
    let tag = format!("cocpit change {change} ");
    let hits: Vec<Alarm> = state
        .board
        .iter()
        .filter(|a| {
            a.ack
                .as_ref()
                .and_then(|k| k.comment.as_deref())
                .is_some_and(|c| c.contains(&tag))
        })
        .cloned()
        .collect();
    let mut fx = Vec::new();
    let mut lifted = Vec::new();
    for a in &hits {
        let silence = a.ack.as_ref().and_then(|k| k.silence_id.clone());
        match silence {
            Some(id) if state.silences.is_am(&a.observed.source) => {
                fx.extend(silences::start_unack(state, a, &id));
            }
            _ => lifted.push(state.operator_event(
                EventKind::AlarmUnacked,
                a.fingerprint(),
                payload(&AlarmAcked {
                    reason: Some(format!("change {change} closed")),
                    ..AlarmAcked::default()
                }),
            )),
        }
    }
    if !lifted.is_empty() {
        fx.push(Effect::Append(lifted));
    }
    fx
}

/// A step's answer (the runtime's, or the core's own).
pub fn finished(
    state: &mut State,
    run: &str,
    at: At,
    attempt: u32,
    outcome: Outcome,
) -> Vec<Effect> {
    let now = state.now;
    let Some(r) = state.plans.driving.get_mut(run) else {
        return Vec::new();
    };
    let outs = r.finished(at, attempt, outcome, now);
    emit(state, run, outs, None)
}

/// The journal answered one of this room's commits.
pub fn on_committed(
    state: &mut State,
    what: &str,
    step: Step,
    result: &Result<Vec<i64>, String>,
) -> Vec<Effect> {
    match step {
        Step::Held { run, held } => {
            state.plans.starting.remove(&run);
            if let Err(e) = result {
                state.say(Level::Error, format!("NOT recorded: {what}: {e}"));
                // Nothing ran: a start that is not durable does not run at all.
                if state
                    .plans
                    .runs
                    .get(&run)
                    .is_none_or(|r| r.steps.iter().all(|s| s.attempt == 0))
                {
                    state.plans.driving.remove(&run);
                }
                return Vec::new();
            }
            if !what.is_empty() {
                state.confirm(what, result);
            }
            let mut fx = Vec::new();
            for o in held {
                fx.extend(dispatch(state, &run, o));
            }
            fx.extend(settle(state, &run));
            fx
        }
        Step::Silenced {
            run,
            at,
            attempt,
            summary,
        } => {
            let outcome = match result {
                Ok(_) => Outcome::ok(summary),
                Err(e) => Outcome::failed(format!("journal silences not recorded: {e}")),
            };
            finished(state, &run, at, attempt, outcome)
        }
    }
}

/// An inject or recover run of the faults room ended.
pub fn on_fault_done(state: &mut State, id: &str, error: Option<&str>) -> Vec<Effect> {
    let Some(w) = state.plans.faults.remove(id) else {
        return Vec::new();
    };
    let outcome = match error {
        None => Outcome {
            fault_id: Some(id.to_string()),
            ..Outcome::ok(format!("fault {id} done"))
        },
        Some(e) => Outcome {
            fault_id: Some(id.to_string()),
            ..Outcome::failed(format!("fault {id}: {e}"))
        },
    };
    finished(state, &w.run, w.at, w.attempt, outcome)
}

/// `wait_for: {alarm_resolved}`: ok once no firing alarm matches; failed
/// at the step's timeout.
fn check_resolved(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut done = Vec::new();
    state.plans.resolved_waits.retain(|w| {
        let firing = Filter::parse(&w.filter)
            .map(|f| state.board.iter().any(|a| a.is_firing() && f.matches(a)))
            .unwrap_or(false);
        if !firing {
            done.push((
                w.clone(),
                Outcome::ok(format!("no alarm matches {}", w.filter)),
            ));
            false
        } else if w.until <= now {
            done.push((
                w.clone(),
                Outcome::failed(format!("alarms matching {} still fire", w.filter)),
            ));
            false
        } else {
            true
        }
    });
    let mut fx = Vec::new();
    for (w, o) in done {
        fx.extend(finished(state, &w.run, w.at, w.attempt, o));
    }
    fx
}

/// Every tick: retries due, alarm waits, due inspections (the leader).
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut fx = Vec::new();
    let due: Vec<String> = state
        .plans
        .driving
        .iter()
        .filter(|(id, r)| {
            !state.plans.starting.contains_key(*id) && r.next_wake().is_some_and(|t| t <= now)
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in due {
        if let Some(r) = state.plans.driving.get_mut(&id) {
            let outs = r.tick(now);
            fx.extend(emit(state, &id, outs, None));
        }
    }
    fx.extend(check_resolved(state));
    fx.extend(inspections(state));
    fx
}

/// The ingest leader starts inspections that are due, unattended — not
/// `cocpit drill run --headless`, which is there for its drill alone (its
/// journal and output would carry the inspection too).
fn inspections(state: &mut State) -> Vec<Effect> {
    if !state.ingest_leader || state.drills.headless || may_start(state).is_err() {
        return Vec::new();
    }
    let due: Vec<Plan> = state
        .plans
        .catalog
        .plans
        .iter()
        .filter(|p| p.kind == PlanKind::Inspection)
        .filter(|p| {
            let busy = state.plans.driving.values().any(|r| r.plan.id == p.id)
                || state.plans.runs.active().any(|r| r.plan.id == p.id);
            !busy
                && p.schedule
                    .as_deref()
                    .and_then(|s| Schedule::parse(s).ok())
                    .is_some_and(|s| s.is_due(state.plans.runs.last_run_of(&p.id), state.now))
        })
        .cloned()
        .collect();
    let mut fx = Vec::new();
    for plan in due {
        let params = plan
            .params
            .iter()
            .filter_map(|p| p.default.clone().map(|d| (p.name.clone(), d)))
            .collect();
        let run = prepare(state, plan, params, None, false, None);
        fx.extend(start(state, run));
    }
    fx
}

/// Rows from the journal: approvals for runs this console drives.
pub fn after_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    let mut fx = Vec::new();
    for ev in events {
        if ev.kind() == Some(EventKind::PlanStepWaiting) {
            announce_approval(state, &ev.subject);
            continue;
        }
        if ev.kind() != Some(EventKind::PlanDecided) {
            continue;
        }
        let Ok(d) = serde_json::from_value::<p::Decided>(ev.payload.clone()) else {
            continue;
        };
        if d.decision != Decision::Approved && d.decision != Decision::Denied {
            continue;
        }
        let now = state.now;
        let Some(r) = state.plans.driving.get_mut(&d.run) else {
            continue;
        };
        let res = if d.decision == Decision::Approved {
            r.approve(d.at, &d.by, now)
        } else {
            r.deny(d.at, &d.by, now)
        };
        match res {
            Ok(outs) => {
                let who = inert(d.by.split('@').next().unwrap_or(&d.by)).into_owned();
                state.say(
                    Level::Info,
                    format!("{who} approved step {}", inert(&d.name)),
                );
                fx.extend(emit(state, &d.run, outs, None));
            }
            Err(e) => state.say(Level::Warn, e.0),
        }
    }
    if state.plans.resolved_waits.is_empty() {
        return fx;
    }
    fx.extend(check_resolved(state));
    fx
}

/// Another operator's run waits for an approval: say so on the consoles
/// that may give it.
fn announce_approval(state: &mut State, run: &str) {
    let Some(r) = state.plans.runs.get(run) else {
        return;
    };
    if r.operator == state.session.operator || state.session.readonly {
        return;
    }
    let Some(at) = r.waiting_approval() else {
        return;
    };
    let who = inert(r.operator.split('@').next().unwrap_or("")).into_owned();
    let text = format!(
        "{who}'s run {} of {} waits for a second operator's approval at step {} (5, w, a)",
        r.id,
        inert(&r.plan.title),
        inert(&view_step_name(r, at))
    );
    state.say(Level::Warn, text);
}

/// `c`, `s`, `r`, `A`, `a`, `R` on the open (or selected) run.
pub fn on_key(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(view) = state.plans.current_run().cloned() else {
        state.say(Level::Info, "no run selected (Enter on a plan starts one)");
        return Vec::new();
    };
    if let Some(why) = state.recording.refusal() {
        state.say(Level::Error, format!("refused: {why}"));
        return Vec::new();
    }
    let me = state.session.operator.clone();
    let now = state.now;
    match action {
        Action::PlanApprove => {
            let Some(at) = view.waiting_approval() else {
                state.say(Level::Info, "this run is not waiting for an approval");
                return Vec::new();
            };
            if view.operator == me {
                state.say(
                    Level::Warn,
                    "you run this plan: a second operator approves from their console (two-person rule)",
                );
                return Vec::new();
            }
            let name = view
                .step(at)
                .map(|_| view_step_name(&view, at))
                .unwrap_or_default();
            let ev = PlanEvent::Decided(p::Decided {
                run: view.id.clone(),
                at,
                name: name.clone(),
                decision: Decision::Approved,
                by: me.clone(),
            });
            let ev = ev.to_new_event(now, &me);
            state.commit(
                &format!("run:{}", view.id),
                format!("approved step {} of run {}", inert(&name), view.id),
                ev,
            )
        }
        Action::PlanRollback => {
            if view.state != RunState::Interrupted {
                state.say(Level::Info, "R rolls back an interrupted run");
                return Vec::new();
            }
            if let Some(by) = &view.rolled_back_by {
                state.say(Level::Info, format!("already rolled back by run {by}"));
                return Vec::new();
            }
            if view.plan.rollback.is_empty() {
                state.say(Level::Info, "this plan has no rollback steps");
                return Vec::new();
            }
            if let Err(why) = may_start(state) {
                state.say(Level::Warn, why);
                return Vec::new();
            }
            let run = prepare(
                state,
                view.plan.clone(),
                view.params.clone(),
                view.alarm.clone(),
                true,
                Some(view.id.clone()),
            );
            let id = run.id.clone();
            let fx = start(state, run);
            super::open_run(state, &id);
            fx
        }
        _ => {
            if state.plans.starting.contains_key(&view.id) {
                state.say(Level::Info, "the run's start is not recorded yet");
                return Vec::new();
            }
            let Some(r) = state.plans.driving.get_mut(&view.id) else {
                let who = inert(view.operator.split('@').next().unwrap_or("")).into_owned();
                let text = if view.is_over() {
                    format!("run {} is {}", view.id, view.state.label())
                } else {
                    format!("run {} is driven by {who}'s console", view.id)
                };
                state.say(Level::Info, text);
                return Vec::new();
            };
            let (res, verb) = match action {
                Action::PlanConfirm => (r.confirm(&me, now), "confirmed"),
                Action::PlanSkip => (r.skip(&me, now), "skipped"),
                Action::PlanRetry => (r.retry(&me, now), "retried"),
                _ => (r.abort(&me, now), "aborted"),
            };
            match res {
                Ok(outs) => emit(
                    state,
                    &view.id,
                    outs,
                    Some(format!("{verb} (run {})", view.id)),
                ),
                Err(e) => {
                    state.say(Level::Warn, e.0);
                    Vec::new()
                }
            }
        }
    }
}

fn view_step_name(view: &crate::domain::plan::runs::RunView, at: At) -> String {
    let steps = match at.section {
        crate::domain::plan::run::Section::Steps => &view.plan.steps,
        crate::domain::plan::run::Section::Rollback => &view.plan.rollback,
    };
    steps
        .get(at.index)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// At start: runs on the journal that this operator started and that never
/// finished cannot be running (this console just started): journal them
/// as interrupted. Never resumed; `R` offers their rollback.
pub fn interrupted_rows(state: &State) -> Vec<NewEvent> {
    if state.session.readonly {
        return Vec::new();
    }
    let me = &state.session.operator;
    state
        .plans
        .runs
        .active()
        // A `cocpit plan run` of the same operator is not this console's.
        .filter(|r| &r.operator == me && !r.headless)
        .map(|r| {
            PlanEvent::Interrupted(p::Interrupted {
                run: r.id.clone(),
                reason: "its console stopped before the run ended".into(),
            })
            .to_new_event(state.now, me)
        })
        .collect()
}

/// On quit: every driven run is aborted (its rollback is not waited for),
/// and the rows saying so are returned for the journal.
pub fn on_quit(state: &mut State) -> Vec<NewEvent> {
    let me = state.session.operator.clone();
    let now = state.now;
    let ids: Vec<String> = state.plans.driving.keys().cloned().collect();
    let mut rows = Vec::new();
    for id in ids {
        let Some(r) = state.plans.driving.get_mut(&id) else {
            continue;
        };
        let mut outs = r.abort(&me, now).unwrap_or_default();
        // The rollback is not waited for: end the run here.
        if !r.state.is_over() {
            outs.extend(r.abort(&me, now).unwrap_or_default());
        }
        for o in outs {
            if let Out::Record(ev) = o {
                rows.push(ev.to_new_event(now, &me));
            }
        }
        if r.plan.kind == PlanKind::Change && r.rollback_of.is_none() {
            rows.push(
                PlanEvent::ChangeClosed(p::ChangeClosed {
                    change: change_id(&id),
                    outcome: "aborted (console quit)".into(),
                })
                .to_new_event(now, &me),
            );
        }
    }
    state.plans.driving.clear();
    rows
}
