//! The drills room: chaos drills from scenario files. It owns the loaded
//! scenarios, every drill on the journal (the [`Drills`] projection, the
//! same on every console: the war room watches one drill), and the one
//! drill this console commands (a [`DrillRun`] machine whose outputs
//! become effects).
//!
//! A drill is journal first: `drill.started` and its first phases go out
//! as one commit, and nothing is probed or injected until the journal
//! answered. Faults go in through the faults room (intent first, owned by
//! this console, so the watchdog recovers them if it dies); the
//! contingency plan, the steady-state probes that run outside (`run`,
//! `http`, `promql`) and the rollbacks are plan runs of the plans room.
//! Another console's `Space` (gate) and `A` (abort) are journal rows the
//! commander's console acts on. Chaos Toolkit experiments are listed beside
//! the scenarios and run by the runtime as they are (`experiment`).

mod experiment;
pub mod review;
mod run;

pub use experiment::{DrillEffect, DrillMsg, ExperimentRun, on_msg, start_experiment};

pub use run::{interrupted_rows, may_start, on_quit, preflight, probe_plan, start_scenario};

use super::keymap::Action;
use super::list::List;
use super::{Effect, Level, State};
use crate::domain::Event;
use crate::domain::drill::drills::Drills as Journal;
use crate::domain::drill::payloads::{AbortRequested, DrillEvent, GateState};
use crate::domain::drill::{DrillRun, Scenario};
use crate::domain::experiment::Listed;
use crate::domain::filter::contains_ci;
use crate::domain::sanitize::inert;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The loaded scenarios and experiments and what was wrong with the files
/// that did not load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub scenarios: Vec<Scenario>,
    pub experiments: Vec<Listed>,
    /// `file:line:column: message` per problem.
    pub errors: Vec<String>,
}

/// A row of the list: a cocpit scenario or a Chaos Toolkit experiment.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Scenario(&'a Scenario),
    Experiment(&'a Listed),
}

impl<'a> Row<'a> {
    pub fn id(&self) -> &'a str {
        match *self {
            Row::Scenario(s) => &s.id,
            Row::Experiment(e) => &e.id,
        }
    }

    pub fn title(&self) -> &'a str {
        match *self {
            Row::Scenario(s) => &s.title,
            Row::Experiment(e) => &e.title,
        }
    }

    fn haystack(&self) -> String {
        match self {
            Row::Scenario(s) => s.haystack(),
            Row::Experiment(e) => e.haystack(),
        }
    }
}

/// What the flow table holds for this room's tokens.
#[derive(Debug, Clone)]
pub enum Step {
    /// The drill's start (or an operator's decision) was committed: carry
    /// out what waited for it.
    Held {
        drill: String,
        held: Vec<crate::domain::drill::Out>,
    },
    /// A gate or abort row of a drill another console drives.
    Asked,
    /// A Chaos Toolkit experiment's start was committed: run it.
    Experiment { run: Box<ExperimentRun> },
}

/// Probes of a phase being run: the external ones as a plan run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeWait {
    pub phase: crate::domain::drill::payloads::Phase,
    /// The plan run of the `run` / `http` / `promql` probes.
    pub run: Option<String>,
    /// The in-core (`alarms`) probes are re-checked until this.
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct Drills {
    pub catalog: Catalog,
    /// Every drill on the journal.
    pub journal: Journal,
    /// The drill this console commands.
    pub driving: Option<DrillRun>,
    /// Cursor over the scenario list.
    pub list: List,
    /// The drill shown (`None`: the running one, else the newest).
    pub open: Option<String>,
    /// Start this scenario as soon as the console is ready (`cocpit drill
    /// run ID` opens the console with it).
    pub autostart: Option<String>,
    /// `--rollback-strategy` for the autostarted scenario (a drill started
    /// from the list runs them `always`).
    pub autostart_rollbacks: Option<crate::domain::drill::RollbackStrategy>,
    /// When the autostart began waiting for its sources.
    pub autostart_since: Option<DateTime<Utc>>,
    /// Why the autostart gave up (the headless command exits with it).
    pub autostart_failed: Option<String>,
    /// This console is `cocpit drill run --headless`.
    pub headless: bool,
    /// Gates are passed without waiting (`--yes`).
    pub auto_gates: bool,
    /// The probes of the phase being checked.
    pub probes: Option<ProbeWait>,
    /// Fault id → the drill fault's index.
    pub faults: BTreeMap<String, usize>,
    /// Rollbacks running as this plan run.
    pub rollbacks: Option<String>,
    /// Progress log scroll (lines from the bottom).
    pub scroll: u16,
    /// The Chaos Toolkit experiment this console runs (its drill id).
    pub experiment: Option<String>,
    /// Cursor over the Improvements view's items.
    pub items_list: List,
}

impl Drills {
    pub fn new(catalog: Catalog, journal: Journal) -> Drills {
        Drills {
            catalog,
            journal,
            ..Drills::default()
        }
    }

    /// Rows of the scenario list (filtered).
    pub fn rows(&self) -> usize {
        self.visible().len()
    }

    /// The scenarios, then the experiments, the filter lets through.
    pub fn visible(&self) -> Vec<Row<'_>> {
        let f = &self.list.filter;
        let scenarios = self
            .catalog
            .scenarios
            .iter()
            .filter(|s| scenario_matches(f, s))
            .map(Row::Scenario);
        let experiments = self
            .catalog
            .experiments
            .iter()
            .filter(|e| experiment_matches(f, e))
            .map(Row::Experiment);
        scenarios.chain(experiments).collect()
    }

    pub fn selected(&self) -> Option<Row<'_>> {
        self.visible().get(self.list.selected).copied()
    }

    /// The drill the view shows: the chosen one, else this console's, else
    /// any running one, else the newest.
    pub fn shown(&self) -> Option<&crate::domain::drill::drills::DrillView> {
        if let Some(id) = &self.open
            && let Some(d) = self.journal.get(id)
        {
            return Some(d);
        }
        if let Some(r) = &self.driving
            && let Some(d) = self.journal.get(&r.id)
        {
            return Some(d);
        }
        self.journal
            .running()
            .last()
            .or_else(|| self.journal.newest_first().into_iter().next())
    }
}

/// `/` on the scenario list: `id=`, `application=`, `owner=`, `title=`
/// matchers and free text.
pub fn scenario_matches(f: &crate::domain::filter::Filter, s: &Scenario) -> bool {
    if f.is_empty() {
        return true;
    }
    let hay = s.haystack();
    f.matches_with(
        |name| match name {
            "id" => Some(s.id.as_str()),
            "application" => Some(s.application.as_str()),
            "owner" => Some(s.owner.as_str()),
            "title" => Some(s.title.as_str()),
            "failure_mode" => s.failure_mode.as_deref(),
            _ => None,
        },
        |needle| contains_ci(&hay, needle),
    )
}

/// `/` on an experiment row: `id=`, `title=`, `kind=chaostoolkit` and free
/// text.
fn experiment_matches(f: &crate::domain::filter::Filter, e: &Listed) -> bool {
    if f.is_empty() {
        return true;
    }
    let hay = e.haystack();
    f.matches_with(
        |name| match name {
            "id" => Some(e.id.as_str()),
            "title" => Some(e.title.as_str()),
            "kind" => Some("chaostoolkit"),
            _ => None,
        },
        |needle| contains_ci(&hay, needle),
    )
}

pub fn move_by(state: &mut State, delta: isize) {
    let n = state.drills.rows();
    let page = state.page_rows();
    state.drills.list.move_by(delta, n, page);
}

/// `Esc` inside the view: close a drill picked from the history first.
pub fn back(state: &mut State) -> bool {
    state.drills.open.take().is_some()
}

/// Whether row `i` of the scenario list matches the search.
pub fn search_matches(state: &State, i: usize, q: &str) -> bool {
    state
        .drills
        .visible()
        .get(i)
        .is_some_and(|r| contains_ci(&r.haystack(), q))
}

/// The selected row's key (for marks).
pub fn selected_key(state: &State) -> Option<String> {
    state.drills.selected().map(|r| r.id().to_string())
}

/// New journal rows: the projection first, then what the commanded drill
/// makes of them (its faults ending, its plan runs finishing, another
/// console's gate or abort).
pub fn after_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    for ev in events {
        state.drills.journal.apply(ev);
    }
    let mut fx = experiment::after_events(state, events);
    fx.extend(run::after_events(state, events));
    fx
}

/// The panic key: the commanded drill aborts and the experiment stops,
/// with everything else.
pub fn abort_all(state: &mut State, reason: &str) -> Vec<Effect> {
    let mut fx = experiment::stop_all(state, reason);
    fx.extend(run::abort_all(state, reason));
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
        Step::Experiment { run } => experiment::on_started(state, what, run, result),
        other => run::on_committed(state, what, other, result),
    }
}

/// The Drills view's keys.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::DrillStart => match state.drills.selected() {
            Some(Row::Scenario(s)) => {
                let s = s.clone();
                start_scenario(state, s)
            }
            Some(Row::Experiment(e)) => {
                let e = e.clone();
                start_experiment(state, e)
            }
            None => {
                state.say(Level::Info, "no scenario selected");
                Vec::new()
            }
        },
        Action::DrillGate => gate(state),
        Action::DrillAbort => abort_shown(state),
        Action::DrillHistory => {
            cycle_history(state);
            Vec::new()
        }
        Action::DrillFinding => {
            review::open_finding(state);
            Vec::new()
        }
        Action::DrillImprove => {
            review::open_improvement(state);
            Vec::new()
        }
        Action::DrillAccept => {
            review::open_accept(state);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// `Tab` through past drills in the drill pane.
fn cycle_history(state: &mut State) {
    let ids: Vec<String> = state
        .drills
        .journal
        .newest_first()
        .iter()
        .map(|d| d.id.clone())
        .collect();
    if ids.is_empty() {
        state.say(Level::Info, "no drill on the journal yet");
        return;
    }
    let next = match &state.drills.open {
        Some(cur) => ids
            .iter()
            .position(|i| i == cur)
            .map_or(0, |p| (p + 1) % ids.len()),
        None => 0,
    };
    state.drills.open = Some(ids[next].clone());
    state.drills.scroll = 0;
}

/// `Space`: let a held drill go on (from any operator console).
fn gate(state: &mut State) -> Vec<Effect> {
    if let Err(why) = may_start(state) {
        state.say(Level::Warn, why);
        return Vec::new();
    }
    let Some(d) = state.drills.shown().cloned() else {
        state.say(Level::Info, "no drill to advance");
        return Vec::new();
    };
    let Some((phase, _)) = d.held.clone() else {
        state.say(Level::Info, format!("drill {} is not held at a gate", d.id));
        return Vec::new();
    };
    if state.drills.driving.as_ref().is_some_and(|r| r.id == d.id) {
        return run::advance(state, &d.id);
    }
    let by = state.session.operator.clone();
    let ev = DrillEvent::Gate(crate::domain::drill::payloads::Gate {
        drill: d.id.clone(),
        phase,
        state: GateState::Advanced,
        by: by.clone(),
    })
    .to_new_event(state.now, &by);
    let what = format!("drill {}: gate before {} passed", d.id, phase.as_str());
    let token = state
        .flows
        .begin(None, what, super::flow::Step::Drill(Step::Asked));
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

/// `A`: abort the shown drill (this console's, or ask its driver).
fn abort_shown(state: &mut State) -> Vec<Effect> {
    if let Err(why) = may_start(state) {
        state.say(Level::Warn, why);
        return Vec::new();
    }
    let Some(d) = state.drills.shown().cloned() else {
        state.say(Level::Info, "no drill to abort");
        return Vec::new();
    };
    if !d.is_running() {
        state.say(Level::Info, format!("drill {} is over", d.id));
        return Vec::new();
    }
    let by = state.session.operator.clone();
    if state.drills.driving.as_ref().is_some_and(|r| r.id == d.id) {
        return run::abort(state, &format!("aborted by {}", inert(&by)));
    }
    let ev = DrillEvent::AbortRequested(AbortRequested {
        drill: d.id.clone(),
        by: by.clone(),
        reason: "A on the Drills view".into(),
    })
    .to_new_event(state.now, &by);
    let what = format!("drill {}: abort asked of its commander", d.id);
    let token = state
        .flows
        .begin(None, what, super::flow::Step::Drill(Step::Asked));
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

/// Set the scenario list's filter.
pub fn set_filter(state: &mut State, f: crate::domain::filter::Filter) {
    state.drills.list.filter = f;
    let n = state.drills.rows();
    state.drills.list.clamp(n);
}

pub use run::{on_fault_done, on_probe_failed, on_tick};
