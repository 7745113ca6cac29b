//! The sources room: the health of every source (the header), which
//! sources' alarms are stale (their source is down), Prometheus targets
//! (`t` in the Monitor view), and journaling what sources report besides
//! alarms — health changes and errors — on the ingest leader. The messages
//! themselves are in [`msg`], which the source tasks use.

mod msg;

pub use msg::{AmRequest, AmState, ClusterInfo, SourceEffect, SourceMsg, Target};

use super::{Effect, State};
use crate::domain::event::{SourceErrorPayload, SourceHealth, payload};
use crate::domain::health::SourceStatus;
use crate::domain::{EventKind, NewEvent};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The same source error is journaled at most once in this long.
const REPEAT_ERROR: Duration = Duration::minutes(10);

#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Latest health of every source, in first-report order.
    pub health: Vec<SourceStatus>,
    /// Sources whose alarms are stale (source down).
    pub stale: BTreeSet<String>,
    /// Prometheus targets by source.
    pub targets: BTreeMap<String, Vec<Target>>,
    pub show_targets: bool,
    /// Source errors journaled recently, by (source, error class).
    errors: HashMap<(String, String), DateTime<Utc>>,
}

impl Sources {
    pub fn is_stale(&self, source: &str) -> bool {
        self.stale.contains(source)
    }
}

/// A source message other than a call's answer (the router takes those).
pub fn on_msg(state: &mut State, msg: SourceMsg) -> Vec<Effect> {
    match msg {
        // The router hands these to the silences room (polls) and to the
        // flow their token belongs to (answers).
        SourceMsg::AmState(_) | SourceMsg::AmDone { .. } => Vec::new(),
        SourceMsg::SourceError {
            source,
            class,
            reason,
        } => on_error(state, source, class, reason),
        SourceMsg::Stale { source, stale } => {
            if stale {
                state.sources.stale.insert(source);
            } else {
                state.sources.stale.remove(&source);
            }
            Vec::new()
        }
        SourceMsg::Targets { source, targets } => {
            state.sources.targets.insert(source, targets);
            Vec::new()
        }
        SourceMsg::Series(batch) => {
            state.monitor.apply_series(batch);
            Vec::new()
        }
    }
}

fn on_error(state: &mut State, source: String, class: String, reason: String) -> Vec<Effect> {
    if !state.ingest_leader {
        return Vec::new();
    }
    // A bad feed query or a misconfigured sender repeats the same error
    // every poll: journal it once per REPEAT_ERROR.
    let now = state.now;
    let errors = &mut state.sources.errors;
    let key = (source.clone(), class);
    if errors.get(&key).is_some_and(|at| now - *at < REPEAT_ERROR) {
        return Vec::new();
    }
    errors.retain(|_, at| now - *at < REPEAT_ERROR);
    errors.insert(key, now);
    let ev = NewEvent::new(
        now,
        state.session.source_actor(&source),
        EventKind::SourceError,
        &source,
        payload(&SourceErrorPayload { reason }),
    );
    vec![Effect::Append(vec![ev])]
}

/// A source's health: kept for the header; a change is journaled by the leader.
pub fn on_health(state: &mut State, status: SourceStatus) -> Vec<Effect> {
    let health = &mut state.sources.health;
    let prev = health.iter().position(|s| s.name == status.name);
    let changed = prev.is_none_or(|i| health[i].up != status.up);
    let event = NewEvent::new(
        state.now,
        state.session.source_actor(&status.name),
        if status.up {
            EventKind::SourceUp
        } else {
            EventKind::SourceDown
        },
        &status.name,
        payload(&SourceHealth {
            reason: (!status.detail.is_empty()).then(|| status.detail.clone()),
        }),
    );
    match prev {
        Some(i) => health[i] = status,
        None => health.push(status),
    }
    if changed && state.ingest_leader {
        vec![Effect::Append(vec![event])]
    } else {
        Vec::new()
    }
}

/// What an empty alarm table means: all clear only once every source has
/// answered and none is down or stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quiet {
    AllClear,
    /// These sources have not answered yet (empty: none has).
    Waiting(Vec<String>),
    /// These sources are down or stale: their silence proves nothing.
    Unsure(Vec<String>),
}

pub fn quiet(state: &State) -> Quiet {
    let health = &state.sources.health;
    let heard = |name: &str| health.iter().any(|s| s.name == name);
    let waiting: Vec<String> = state
        .expected_sources
        .iter()
        .filter(|n| !heard(n))
        .cloned()
        .collect();
    if !waiting.is_empty() || health.is_empty() {
        return Quiet::Waiting(waiting);
    }
    let mut unsure: Vec<String> = health
        .iter()
        .filter(|s| !s.up)
        .map(|s| s.name.clone())
        .collect();
    for s in &state.sources.stale {
        if !unsure.contains(s) {
            unsure.push(s.clone());
        }
    }
    if unsure.is_empty() {
        Quiet::AllClear
    } else {
        Quiet::Unsure(unsure)
    }
}

/// `t` in the Monitor view.
pub fn toggle_targets(state: &mut State) {
    state.sources.show_targets = !state.sources.show_targets;
}

/// Whether a source message can change what is on screen (the runtime
/// draws only then).
pub fn changes_screen(state: &State, msg: &SourceMsg) -> bool {
    match msg {
        SourceMsg::Series(_) => state.view == super::View::Monitor,
        SourceMsg::Targets { .. } => state.sources.show_targets,
        SourceMsg::AmState(_) => true,
        SourceMsg::AmDone { .. } => true,
        SourceMsg::SourceError { .. } => false,
        SourceMsg::Stale { source, stale } => state.sources.is_stale(source) != *stale,
    }
}

/// Whether a health report can change what is on screen.
pub fn health_changes_screen(state: &State, s: &SourceStatus) -> bool {
    state.sources.health.iter().find(|x| x.name == s.name) != Some(s)
}
