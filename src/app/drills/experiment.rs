//! Chaos Toolkit experiments on the Drills view. The core only decides and
//! records: `drill.started` is committed first, and only the journal's
//! answer sends [`DrillEffect::Run`]; the runtime runs the experiment as it
//! is (`crate::ctk`), journaling its phases, probe results and the end as
//! the same `drill.*` rows a scenario writes, so every console on the
//! journal watches it. An abort (`A` on any console, the panic key) is a
//! `drill.abort_requested` row the running console turns into
//! [`DrillEffect::Stop`]: the activity in flight is stopped and the
//! rollbacks run, whatever the experiment's own strategy says about
//! interrupted runs (cocpit's `always`).

use super::Step;
use crate::app::{Effect, Level, State, View, flow};
use crate::domain::drill::payloads::{AbortRequested, DrillEvent, Started, Verdict};
use crate::domain::experiment::Listed;
use crate::domain::sanitize::inert;
use crate::domain::{Event, EventKind};

/// What the runtime is asked to do with an experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum DrillEffect {
    /// Run it; its `drill.started` is already in the journal.
    Run(Box<ExperimentRun>),
    /// Stop it: the activity in flight ends, the rollbacks run. Asking
    /// twice is asking once (a second stop must not cut the rollbacks).
    Stop { drill: String, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentRun {
    pub drill: String,
    pub experiment: Listed,
    /// Who started it (the rows' actor).
    pub operator: String,
}

/// The runtime reporting on an experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum DrillMsg {
    /// It ended and its `drill.finished` was written.
    Ended {
        drill: String,
        verdict: Verdict,
        reason: String,
        /// Where its Chaos Toolkit journal went.
        journal: String,
        /// What could not be written (journal.json, JUnit, the event rows).
        errors: Vec<String>,
    },
}

/// Why this console may not start `e` now, if it may not.
fn preflight(state: &State) -> Result<(), String> {
    super::may_start(state)?;
    super::run::nothing_running(state)
}

/// Start `e`: its `drill.started` as one commit; it runs once the journal
/// answered.
pub fn start_experiment(state: &mut State, e: Listed) -> Vec<Effect> {
    if let Err(why) = preflight(state) {
        state.say(
            Level::Warn,
            format!("experiment {} not started: {why}", e.id),
        );
        return Vec::new();
    }
    let drill = super::run::new_id(state, "x", &e.id);
    let me = state.session.operator.clone();
    let started = DrillEvent::Started(Started {
        drill: drill.clone(),
        scenario: e.id.clone(),
        title: e.title.clone(),
        commander: me.clone(),
        application: String::new(),
        expect: Vec::new(),
        recovery_within: None,
        ack_within: None,
        groups: 0,
        headless: state.drills.headless,
        chaostoolkit: true,
        // This console runs it: once it is gone, the next console records
        // the experiment interrupted.
        owner: state.faults.me.clone(),
    })
    .to_new_event(state.now, &me);
    let what = format!("experiment {drill} ({}) started", inert(&e.title));
    let token = state.flows.begin(
        Some(&format!("drill:{drill}")),
        what,
        flow::Step::Drill(Step::Experiment {
            run: Box::new(ExperimentRun {
                drill: drill.clone(),
                experiment: e,
                operator: me,
            }),
        }),
    );
    state.drills.experiment = Some(drill);
    state.drills.open = None;
    state.drills.scroll = 0;
    state.view = View::Drills;
    vec![Effect::Commit {
        token,
        events: vec![started],
    }]
}

/// The journal answered the start: run it, or forget it.
pub fn on_started(
    state: &mut State,
    what: &str,
    run: Box<ExperimentRun>,
    result: &Result<Vec<i64>, String>,
) -> Vec<Effect> {
    if let Err(e) = result {
        state.say(Level::Error, format!("NOT recorded: {what}: {e}"));
        // A start that is not durable does not run at all.
        if state.drills.experiment.as_deref() == Some(run.drill.as_str()) {
            state.drills.experiment = None;
        }
        return Vec::new();
    }
    state.confirm(what, result);
    vec![Effect::Drill(DrillEffect::Run(run))]
}

/// Abort rows for the experiment this console runs stop it.
pub fn after_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    let Some(drill) = state.drills.experiment.clone() else {
        return Vec::new();
    };
    let mut fx = Vec::new();
    for ev in events {
        if ev.kind() == Some(EventKind::DrillAbortRequested)
            && ev.subject == drill
            && let Some(DrillEvent::AbortRequested(a)) =
                DrillEvent::from_event(EventKind::DrillAbortRequested, &ev.payload)
        {
            state.say(
                Level::Warn,
                format!(
                    "experiment {drill}: aborted by {}: stopping it, its rollbacks run",
                    inert(&a.by)
                ),
            );
            fx.push(Effect::Drill(DrillEffect::Stop {
                drill: drill.clone(),
                reason: format!("aborted by {}", a.by),
            }));
        }
    }
    fx
}

/// The panic key: the experiment stops now (its row follows; the stop does
/// not wait for it).
pub fn stop_all(state: &mut State, reason: &str) -> Vec<Effect> {
    let Some(drill) = state.drills.experiment.clone() else {
        return Vec::new();
    };
    let me = state.session.operator.clone();
    let row = DrillEvent::AbortRequested(AbortRequested {
        drill: drill.clone(),
        by: me.clone(),
        reason: reason.to_string(),
    })
    .to_new_event(state.now, &me);
    vec![
        Effect::Drill(DrillEffect::Stop {
            drill,
            reason: reason.to_string(),
        }),
        Effect::Append(vec![row]),
    ]
}

pub fn on_msg(state: &mut State, msg: DrillMsg) -> Vec<Effect> {
    match msg {
        DrillMsg::Ended {
            drill,
            verdict,
            reason,
            journal,
            errors,
        } => {
            if state.drills.experiment.as_deref() == Some(drill.as_str()) {
                state.drills.experiment = None;
            }
            let level = match verdict {
                Verdict::Passed if errors.is_empty() => Level::Info,
                _ => Level::Warn,
            };
            let mut line = format!(
                "experiment {drill}: {} ({}); its Chaos Toolkit journal: {}",
                verdict.as_str(),
                inert(&reason),
                inert(&journal)
            );
            for e in &errors {
                line.push_str(&format!("; {}", inert(e)));
            }
            state.say(level, line);
            Vec::new()
        }
    }
}
