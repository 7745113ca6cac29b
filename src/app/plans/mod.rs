//! The plans room: contingency plans, routine changes and inspections.
//! It owns the loaded plan catalog, every run on the journal (the
//! [`Runs`] projection, the same on every console) and the runs this
//! console drives ([`PlanRun`] machines, whose outputs become effects).
//!
//! A run is journal first: its `plan.run_started` row (with the first
//! step's rows) goes out as one commit, and nothing runs until the journal
//! answered it. Operator decisions (confirm, skip, retry, abort, approve)
//! are commits too; what the machine records on its own (a step started,
//! finished, retried) is appended. `inject`, `recover`, `silence` and
//! `wait_for: {alarm_resolved}` are done here, through the faults and
//! silences rooms; everything else goes to the runtime as
//! [`PlanEffect::Exec`]. The parameter form and the preview are in
//! [`form`]; the run driving in [`drive`].

pub mod drive;
pub mod form;

pub use drive::{interrupted_rows, on_quit};
pub use form::Popup;

use super::keymap::Action;
use super::list::List;
use super::{Effect, Level, State};
use crate::domain::Event;
use crate::domain::filter::{Filter, contains_ci};
use crate::domain::plan::payloads::Outcome;
use crate::domain::plan::run::{Action as PlanAction, At, Out};
use crate::domain::plan::runs::{RunView, Runs};
use crate::domain::plan::{Plan, PlanRun, Secs};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The loaded plans and what was wrong with the files that did not load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub plans: Vec<Plan>,
    /// `file:line:column: message` per problem.
    pub errors: Vec<String>,
}

/// Work for the runtime: run a step's action, or stop it.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanEffect {
    Exec {
        run: String,
        at: At,
        attempt: u32,
        action: PlanAction,
        timeout: Secs,
    },
    Kill {
        run: String,
        at: At,
    },
}

/// What the runtime tells the room.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanMsg {
    /// A step's action ended (answer to [`PlanEffect::Exec`]).
    Finished {
        run: String,
        at: At,
        attempt: u32,
        outcome: Outcome,
    },
    /// What a running step has written so far (the live output pane; the
    /// journal gets the bounded tail when it ends).
    Output { run: String, at: At, text: String },
    /// The plan files changed: the catalog as reloaded.
    Catalog(Catalog),
}

/// What the flow table holds for this room's tokens: outputs held back
/// until the rows before them are durable.
#[derive(Debug, Clone)]
pub enum Step {
    /// `plan.run_started` (or a decision) was committed: run `held` now.
    Held { run: String, held: Vec<Out> },
    /// A `silence` step's journal silences were committed.
    Silenced {
        run: String,
        at: At,
        attempt: u32,
        summary: String,
    },
}

/// Which list of the Plans view has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Plans,
    Runs,
}

/// Something done in the core for a step, waiting for its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub run: String,
    pub at: At,
    pub attempt: u32,
}

/// `wait_for: {alarm_resolved}`: checked against the board every tick.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedWait {
    pub run: String,
    pub at: At,
    pub attempt: u32,
    pub filter: String,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct Plans {
    pub catalog: Catalog,
    /// Every run and change on the journal.
    pub runs: Runs,
    /// The runs this console drives, by run id.
    pub driving: BTreeMap<String, PlanRun>,
    /// Cursor over [`Plans::rows`] (the catalog, filtered).
    pub list: List,
    /// Cursor over [`Plans::run_rows`].
    pub runs_list: List,
    pub pane: Pane,
    /// The run shown in the execution view.
    pub open: Option<String>,
    /// The execution view's selected step (`None`: the run's current
    /// one), and its output pane's scroll.
    pub step: Option<usize>,
    pub scroll: u16,
    /// `p` on an alarm: only the plans that apply to it, for it.
    pub for_alarm: Option<(String, Vec<String>)>,
    /// Faults injected or recovered for a step, by fault id.
    pub faults: BTreeMap<String, Waiting>,
    pub resolved_waits: Vec<ResolvedWait>,
    /// Runs whose start is on its way to the journal (nothing runs yet).
    pub starting: BTreeMap<String, u64>,
    /// Output so far of this console's running steps, by run and step.
    pub live: BTreeMap<(String, At), String>,
    seq: u64,
}

impl Plans {
    pub fn new(catalog: Catalog, runs: Runs) -> Plans {
        Plans {
            catalog,
            runs,
            ..Plans::default()
        }
    }

    pub fn apply(&mut self, events: &[Event]) {
        for ev in events {
            self.runs.apply(ev);
        }
    }

    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.catalog.plans.iter().find(|p| p.id == id)
    }

    /// The Plans view's rows: the catalog by id, filtered (and only the
    /// plans for the alarm after `p`).
    pub fn rows(&self) -> Vec<&Plan> {
        let mut rows: Vec<&Plan> = self
            .catalog
            .plans
            .iter()
            .filter(|p| {
                self.for_alarm
                    .as_ref()
                    .is_none_or(|(_, ids)| ids.contains(&p.id))
            })
            .filter(|p| plan_matches(&self.list.filter, p))
            .collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        rows
    }

    pub fn selected_plan(&self) -> Option<&Plan> {
        self.rows().get(self.list.selected).copied()
    }

    /// Every run: active first (oldest first), then the rest newest first.
    pub fn run_rows(&self) -> Vec<&RunView> {
        let mut active: Vec<&RunView> = self.runs.active().collect();
        active.sort_by_key(|r| r.event_id);
        active.extend(self.runs.newest_first().into_iter().filter(|r| r.is_over()));
        active
    }

    pub fn selected_run(&self) -> Option<&RunView> {
        self.run_rows().get(self.runs_list.selected).copied()
    }

    /// The run the keys act on: the open one, else the selected one.
    pub fn current_run(&self) -> Option<&RunView> {
        match &self.open {
            Some(id) => self.runs.get(id),
            None => self.selected_run(),
        }
    }

    /// The last runs of a plan, newest first.
    pub fn runs_of(&self, plan: &str) -> Vec<&RunView> {
        self.runs
            .newest_first()
            .into_iter()
            .filter(|r| r.plan.id == plan)
            .collect()
    }

    /// A new run id: `run-<operator>-<ms>`, unique on this console.
    pub fn next_run_id(&mut self, operator: &str, now: DateTime<Utc>) -> String {
        let who: String = operator
            .split('@')
            .next()
            .unwrap_or("op")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(24)
            .collect();
        let base = format!("run-{who}-{}", now.timestamp_millis());
        let mut id = base.clone();
        while self.runs.get(&id).is_some()
            || self.driving.contains_key(&id)
            || self.starting.contains_key(&id)
        {
            self.seq += 1;
            id = format!("{base}-{}", self.seq);
        }
        id
    }

    /// The execution view's step: the one chosen, else the run's current.
    pub fn shown_step(&self) -> usize {
        if let Some(i) = self.step {
            return i;
        }
        let Some(r) = self.open.as_deref().and_then(|id| self.runs.get(id)) else {
            return 0;
        };
        match r.cursor {
            Some(at) if at.section == crate::domain::plan::run::Section::Rollback => {
                r.steps.len() + at.index
            }
            Some(at) => at.index,
            None => 0,
        }
    }

    /// When the core next needs a tick for a driven run.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        let runs = self.driving.values().filter_map(PlanRun::next_wake);
        let waits = self.resolved_waits.iter().map(|w| w.until);
        runs.chain(waits).min()
    }
}

/// Whether the `/` filter keeps a plan: `name=value` terms look at the
/// header fields, free text at [`Plan::haystack`].
pub fn plan_matches(f: &Filter, p: &Plan) -> bool {
    if f.is_empty() {
        return true;
    }
    let hay = p.haystack();
    f.matches_with(
        |name| match name {
            "id" => Some(p.id.as_str()),
            "kind" => Some(p.kind.as_str()),
            "service" => p.service.as_deref(),
            "application" => p.application.as_deref(),
            "owner" => p.owner.as_deref(),
            "title" => Some(p.title.as_str()),
            _ => None,
        },
        |needle| contains_ci(&hay, needle),
    )
}

/// What the `\` search looks at in the Plans view.
pub fn search_matches(p: &Plan, needle: &str) -> bool {
    contains_ci(&p.haystack(), needle)
}

/// `/` in the Plans view.
pub fn set_filter(state: &mut State, f: Filter) {
    state.plans.list.filter = f;
    let n = state.plans.rows().len();
    state.plans.list.clamp(n);
}

pub fn move_by(state: &mut State, delta: isize) {
    let page = state.page_rows();
    let p = &mut state.plans;
    if let Some(id) = &p.open {
        let n = p
            .runs
            .get(id)
            .map_or(0, |r| r.steps.len() + r.rollback.len());
        let from = p.shown_step() as isize;
        let next = (from + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
        p.step = Some(next);
        p.scroll = 0;
        return;
    }
    match p.pane {
        Pane::Plans => {
            let n = p.rows().len();
            p.list.move_by(delta, n, page);
        }
        Pane::Runs => {
            let n = p.run_rows().len();
            p.runs_list.move_by(delta, n, page);
        }
    }
}

/// `Esc`: close the execution view, then the alarm's plan list.
pub fn back(state: &mut State) -> bool {
    let p = &mut state.plans;
    if p.open.take().is_some() {
        return true;
    }
    if p.for_alarm.take().is_some() {
        p.list.reset();
        state.say(Level::Info, "all plans");
        return true;
    }
    if !p.list.filter.is_empty() {
        p.list.filter = Filter::default();
        state.say(Level::Info, "filter cleared");
        return true;
    }
    false
}

/// The Plans view's keys (and `p` in the Alarms view).
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::PlansForAlarm => form::plans_for_alarm(state),
        Action::PlanOpen => open(state),
        Action::PlanPane => {
            let p = &mut state.plans;
            p.pane = match p.pane {
                Pane::Plans => Pane::Runs,
                Pane::Runs => Pane::Plans,
            };
            Vec::new()
        }
        Action::PlanOutputDown => {
            state.plans.scroll = state.plans.scroll.saturating_add(3);
            Vec::new()
        }
        Action::PlanOutputUp => {
            state.plans.scroll = state.plans.scroll.saturating_sub(3);
            Vec::new()
        }
        Action::PlanConfirm
        | Action::PlanSkip
        | Action::PlanRetry
        | Action::PlanAbort
        | Action::PlanApprove
        | Action::PlanRollback => drive::on_key(state, action),
        _ => Vec::new(),
    }
}

/// `Enter`: a plan's form, or a run's execution view.
fn open(state: &mut State) -> Vec<Effect> {
    if state.plans.open.is_some() {
        return Vec::new();
    }
    match state.plans.pane {
        Pane::Plans => {
            let Some(plan) = state.plans.selected_plan().cloned() else {
                state.say(Level::Info, "no plan selected");
                return Vec::new();
            };
            let alarm = state.plans.for_alarm.as_ref().map(|(fp, _)| fp.clone());
            form::open_form(state, plan, alarm);
        }
        Pane::Runs => {
            if let Some(id) = state.plans.selected_run().map(|r| r.id.clone()) {
                open_run(state, &id);
            }
        }
    }
    Vec::new()
}

/// Show a run in the execution view, its current step selected.
pub fn open_run(state: &mut State, id: &str) {
    let p = &mut state.plans;
    p.open = Some(id.to_string());
    p.scroll = 0;
    p.step = None;
    state.view = super::View::Plans;
}

pub fn on_msg(state: &mut State, msg: PlanMsg) -> Vec<Effect> {
    match msg {
        PlanMsg::Finished {
            run,
            at,
            attempt,
            outcome,
        } => {
            state.plans.live.remove(&(run.clone(), at));
            drive::finished(state, &run, at, attempt, outcome)
        }
        PlanMsg::Output { run, at, text } => {
            state.plans.live.insert((run, at), text);
            Vec::new()
        }
        PlanMsg::Catalog(catalog) => {
            let n = catalog.plans.len();
            let broken = catalog.errors.len();
            state.plans.catalog = catalog;
            let len = state.plans.rows().len();
            state.plans.list.clamp(len);
            if broken > 0 {
                state.say(
                    Level::Warn,
                    format!("plans reloaded: {n} loaded, {broken} problems (5 Plans shows them)"),
                );
            } else {
                state.say(Level::Info, format!("plans reloaded: {n} loaded"));
            }
            Vec::new()
        }
    }
}
