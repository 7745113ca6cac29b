//! The risks room: the failure-mode library, the tags operators put on
//! alarms (the `risk.tagged` projection, the same on every console), and
//! the coverage matrix the Risks view draws — computed on demand from the
//! library, the plan and scenario catalogs and the drill and plan-run
//! projections, so it is never stale. Running a mode's plan and starting
//! its drill go through the plans and drills rooms, as from their own views.

pub mod tag;

use super::keymap::Action;
use super::list::{List, Sort};
use super::{Effect, Level, State, drills, plans};
use crate::domain::Event;
use crate::domain::filter::{Filter, contains_ci};
use crate::domain::risk::FailureMode;
use crate::domain::risk::coverage::{self, Coverage, Inputs};
use crate::domain::risk::tags::Tags;
use crate::domain::sanitize::inert;
use std::collections::BTreeSet;

pub use tag::Picker;

/// The loaded failure modes and what was wrong with the files that did not
/// load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub modes: Vec<FailureMode>,
    /// `file:line:column: message` per problem.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Risks {
    pub catalog: Catalog,
    pub tags: Tags,
    pub list: List,
    /// The mode whose detail is open.
    pub open: Option<String>,
    /// Detail scroll, in lines.
    pub scroll: u16,
}

impl Risks {
    pub fn new(catalog: Catalog, tags: Tags) -> Risks {
        Risks {
            catalog,
            tags,
            ..Risks::default()
        }
    }

    pub fn mode(&self, id: &str) -> Option<&FailureMode> {
        self.catalog.modes.iter().find(|m| m.id == id)
    }

    pub fn apply(&mut self, events: &[Event]) {
        for ev in events {
            self.tags.apply(ev);
        }
    }
}

/// The columns `S` / `:sort` take; the natural order is the risk.
pub const COLUMNS: &[&str] = &["rpn", "id", "application", "category", "drilled"];
pub const NATURAL: Sort = Sort {
    column: "rpn",
    reverse: false,
};

/// Every mode's coverage, worst first.
pub fn matrix(state: &State) -> Vec<Coverage> {
    let plans: BTreeSet<String> = state
        .plans
        .catalog
        .plans
        .iter()
        .map(|p| p.id.clone())
        .collect();
    coverage::coverage(&Inputs {
        modes: &state.risks.catalog.modes,
        plans: &plans,
        scenarios: &state.drills.catalog.scenarios,
        drills: &state.drills.journal,
        runs: &state.plans.runs,
        tags: &state.risks.tags,
    })
}

/// The rows on screen: the matrix through the filter, in the list's sort.
pub fn rows(state: &State) -> Vec<Coverage> {
    let modes = &state.risks.catalog.modes;
    let f = &state.risks.list.filter;
    let mut rows: Vec<Coverage> = matrix(state)
        .into_iter()
        .filter(|c| modes.get(c.index).is_some_and(|m| mode_matches(f, m, c)))
        .collect();
    if let Some(sort) = state.risks.list.sort {
        List::order(sort, &mut rows, |col, a, b| compare(modes, col, a, b));
    }
    rows
}

/// Each column's natural order: worst first for the risk, A→Z for names,
/// least recently drilled (never first) for `drilled`.
fn compare(modes: &[FailureMode], column: &str, a: &Coverage, b: &Coverage) -> std::cmp::Ordering {
    let m = |c: &Coverage| modes.get(c.index);
    match column {
        "id" => a.id.cmp(&b.id),
        "application" => m(a)
            .map(|x| &x.application)
            .cmp(&m(b).map(|x| &x.application)),
        "category" => m(a).map(|x| x.category).cmp(&m(b).map(|x| x.category)),
        "drilled" => a
            .last
            .as_ref()
            .map(|l| l.ended)
            .cmp(&b.last.as_ref().map(|l| l.ended)),
        _ => b.rpn.cmp(&a.rpn),
    }
    .then_with(|| a.id.cmp(&b.id))
}

/// `/` on the matrix: `id=`, `application=`, `component=`, `category=`,
/// `plan=`, `gap=` matchers and free text.
pub fn mode_matches(f: &Filter, m: &FailureMode, c: &Coverage) -> bool {
    if f.is_empty() {
        return true;
    }
    let gaps: String = c
        .gaps
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let hay = m.haystack();
    f.matches_with(
        |name| match name {
            "id" => Some(m.id.as_str()),
            "application" | "app" => Some(m.application.as_str()),
            "component" => Some(m.component.as_str()),
            "category" => Some(m.category.as_str()),
            "plan" => m.plan.as_deref(),
            "gap" | "gaps" => Some(gaps.as_str()),
            _ => None,
        },
        |needle| contains_ci(&hay, needle),
    )
}

pub fn selected(state: &State) -> Option<Coverage> {
    rows(state).into_iter().nth(state.risks.list.selected)
}

/// The mode the detail shows, else the one under the cursor.
pub fn current(state: &State) -> Option<Coverage> {
    match &state.risks.open {
        Some(id) => matrix(state).into_iter().find(|c| &c.id == id),
        None => selected(state),
    }
}

pub fn move_by(state: &mut State, delta: isize) {
    if state.risks.open.is_some() {
        state.risks.scroll = if delta < 0 {
            state
                .risks
                .scroll
                .saturating_sub(delta.unsigned_abs() as u16)
        } else {
            state.risks.scroll.saturating_add(delta.min(1000) as u16)
        };
        return;
    }
    let n = rows(state).len();
    let page = state.page_rows();
    state.risks.list.move_by(delta, n, page);
}

/// `Esc` inside the view: close the detail first.
pub fn back(state: &mut State) -> bool {
    if state.risks.open.take().is_some() {
        state.risks.scroll = 0;
        return true;
    }
    if !state.risks.list.filter.is_empty() {
        state.risks.list.filter = Filter::default();
        state.say(Level::Info, "filter cleared");
        return true;
    }
    false
}

pub fn set_filter(state: &mut State, f: Filter) {
    state.risks.list.filter = f;
    let n = rows(state).len();
    state.risks.list.clamp(n);
}

pub fn search_matches(state: &State, i: usize, q: &str) -> bool {
    let rows = rows(state);
    rows.get(i)
        .and_then(|c| state.risks.catalog.modes.get(c.index))
        .is_some_and(|m| contains_ci(&m.haystack(), q))
}

pub fn selected_key(state: &State) -> Option<String> {
    selected(state).map(|c| c.id)
}

/// The Risks view's keys, and `F` on the Alarms view.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::RiskOpen => {
            match (&state.risks.open, selected(state)) {
                (Some(_), _) => state.risks.open = None,
                (None, Some(c)) => state.risks.open = Some(c.id),
                (None, None) => state.say(Level::Info, "no failure mode selected"),
            }
            state.risks.scroll = 0;
            Vec::new()
        }
        Action::RiskPlan => run_plan(state),
        Action::RiskDrill => start_drill(state),
        Action::RiskTag => {
            tag::open(state);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// `p`: the mode's plan, through the plans room's form and preview, as
/// `Enter` on it in the Plans view.
fn run_plan(state: &mut State) -> Vec<Effect> {
    let Some(c) = current(state) else {
        state.say(Level::Info, "no failure mode selected");
        return Vec::new();
    };
    let Some((id, _)) = c.plan else {
        state.say(
            Level::Warn,
            format!("{}: no contingency plan (a gap)", inert(&c.id)),
        );
        return Vec::new();
    };
    let Some(plan) = state.plans.plan(&id).cloned() else {
        state.say(Level::Warn, format!("plan {} is not loaded", inert(&id)));
        return Vec::new();
    };
    plans::form::open_form(state, plan, None);
    Vec::new()
}

/// `d`: the mode's first scenario, through the drills room (preflight
/// first), as `Enter` on it in the Drills view.
fn start_drill(state: &mut State) -> Vec<Effect> {
    let Some(c) = current(state) else {
        state.say(Level::Info, "no failure mode selected");
        return Vec::new();
    };
    let Some(first) = c.scenarios.first() else {
        state.say(
            Level::Warn,
            format!("{}: no drill scenario exercises it (a gap)", inert(&c.id)),
        );
        return Vec::new();
    };
    let Some(s) = state
        .drills
        .catalog
        .scenarios
        .iter()
        .find(|s| &s.id == first)
        .cloned()
    else {
        return Vec::new();
    };
    let others = c.scenarios.len() - 1;
    let fx = drills::start_scenario(state, s);
    // The drills room shows the drill on its view once started.
    if !fx.is_empty() && others > 0 {
        state.say(
            Level::Info,
            format!(
                "starting drill {} ({others} more scenario(s) in the Drills view)",
                inert(first)
            ),
        );
    }
    fx
}
