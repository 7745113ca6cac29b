//! Who else is at a console on this journal: `operator.joined` / `left`
//! rows, and noticing a console whose process is gone without leaving (a
//! `kill -9`, a crashed jump host session). Every few seconds the core asks
//! the runtime whether the consoles it knows of on this host still run, and
//! whether the owners of live faults do; a gone console is taken off the
//! list (the ingest leader journals its `operator.left`), and its faults are
//! orphans at once rather than at their deadline.

use super::{Effect, State};
use crate::domain::event::{OperatorSession, payload};
use crate::domain::fault::{Owner, OwnerKind};
use crate::domain::projection::apply_presence;
use crate::domain::{Event, EventKind, NewEvent};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// How often the consoles on this host are checked.
pub const CHECK_EVERY: Duration = Duration::seconds(5);

pub use crate::domain::projection::Presence;

#[derive(Debug, Clone, Default)]
pub struct Operators {
    pub online: BTreeMap<String, Presence>,
    checked_at: Option<DateTime<Utc>>,
}

impl Operators {
    pub fn with(online: BTreeMap<String, Presence>) -> Operators {
        Operators {
            online,
            checked_at: None,
        }
    }

    pub fn len(&self) -> usize {
        self.online.len()
    }

    pub fn is_empty(&self) -> bool {
        self.online.is_empty()
    }
}

/// A process the runtime should look for.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    /// An operator's name (a console), or a fault id (its owner).
    pub key: String,
    pub of: Of,
    pub owner: Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Console,
    Fault,
}

/// Which of the processes asked about are gone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Liveness {
    pub consoles_gone: Vec<String>,
    pub fault_owners_gone: Vec<String>,
}

pub fn on_events(state: &mut State, events: &[Event]) {
    for ev in events {
        apply_presence(&mut state.operators.online, ev);
    }
}

/// Every [`CHECK_EVERY`]: ask whether the consoles and fault owners still run.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    if state
        .operators
        .checked_at
        .is_some_and(|at| state.now - at < CHECK_EVERY)
    {
        return Vec::new();
    }
    state.operators.checked_at = Some(state.now);
    let me = &state.session.operator;
    let consoles = state
        .operators
        .online
        .iter()
        .filter(|(name, p)| *name != me && p.pid != 0 && !p.host.is_empty())
        .map(|(name, p)| Process {
            key: name.clone(),
            of: Of::Console,
            owner: Owner {
                kind: OwnerKind::Console,
                actor: name.clone(),
                host: p.host.clone(),
                pid: p.pid,
                start: p.start,
                instance: String::new(),
            },
        });
    let mine = state.faults.me.as_ref().map(|m| m.instance.clone());
    let owners = state
        .faults
        .ledger
        .live()
        .filter(|f| f.owner.kind == OwnerKind::Console && Some(&f.owner.instance) != mine.as_ref())
        .filter(|f| f.state != crate::domain::fault::FaultState::Orphaned)
        .map(|f| Process {
            key: f.id.clone(),
            of: Of::Fault,
            owner: f.owner.clone(),
        });
    let mut ask: Vec<Process> = consoles.collect();
    let faults: Vec<Process> = owners.collect();
    if ask.is_empty() && faults.is_empty() {
        return Vec::new();
    }
    ask.extend(faults);
    vec![Effect::Liveness(ask)]
}

/// The runtime's answer. The ingest leader journals each gone console's
/// `operator.left` (every console then drops it, as for any row) and treats
/// the faults of gone owners as orphans now. Other consoles wait for the
/// leader's rows — the header is a projection of the journal like the
/// board — except a read-only one, which can never lead: it drops the
/// console from its own list.
pub fn on_liveness(state: &mut State, answer: Liveness) -> Vec<Effect> {
    if !state.ingest_leader {
        if state.session.readonly {
            for name in &answer.consoles_gone {
                state.operators.online.remove(name);
            }
        }
        return Vec::new();
    }
    let mut fx = Vec::new();
    let left: Vec<NewEvent> = answer
        .consoles_gone
        .iter()
        .filter_map(|name| {
            let p = state.operators.online.get(name)?;
            Some(NewEvent::new(
                state.now,
                state.session.operator.clone(),
                EventKind::OperatorLeft,
                name,
                payload(&OperatorSession {
                    mode: String::new(),
                    pid: p.pid,
                    version: String::new(),
                    host: p.host.clone(),
                    start: p.start,
                    reason: Some("process gone".into()),
                }),
            ))
        })
        .collect();
    if !left.is_empty() {
        fx.push(Effect::Append(left));
    }
    fx.extend(super::faults::on_orphans(state, answer.fault_owners_gone));
    fx
}
