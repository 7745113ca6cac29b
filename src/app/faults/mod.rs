//! The faults room, the core's side of fault injection (pure, like the rest
//! of `app`): the Faults view's state, the inject form with typed
//! confirmation ([`form`]), `x` (recover one), the panic key `X` (recover
//! everything), deadlines and retries of this console's own faults, guards,
//! orphans found on start, and which faults to recover on a normal exit.
//! The ledger is fed by journal events; injection and recovery go out as
//! [`FaultEffect`]s that the runtime runs on blocking threads.

pub mod form;

pub use form::{FIELD_NAMES, InjectForm, Popup};

use super::keymap::Action;
use super::list::List;
use super::{Effect, Level, State};
use crate::domain::event::payload;
use crate::domain::fault::ledger::{Fault, FaultLedger, FaultState};
use crate::domain::fault::limits::{self, FaultsConfig, OrphanPolicy};
use crate::domain::fault::payloads::Orphaned;
use crate::domain::fault::recovery::{console_due, guard_hits};
use crate::domain::fault::{FaultSpec, Owner, Trigger, fault_id, intent_event};
use crate::domain::sanitize::inert;
use crate::domain::{Event, EventKind, NewEvent};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// Providers offered by the inject form, in registry order (`sim` first:
/// safe in the demo). Naming them touches nothing outside.
pub fn providers() -> Vec<&'static str> {
    crate::domain::fault::catalog::names()
}

/// The form's usage line for a provider: the provider's own.
pub fn usage(provider: &str) -> &'static str {
    crate::domain::fault::catalog::usage(provider)
}

/// What the flow table holds for this room's tokens.
#[derive(Debug, Clone)]
pub enum Step {
    /// The intent was sent to the journal; inject once it is durable.
    Intent {
        id: String,
        spec: FaultSpec,
        deadline: DateTime<Utc>,
    },
    /// The provider is checking the target (the form waits for it).
    Check,
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultEffect {
    /// The intent is committed: inject it.
    Inject {
        id: String,
        spec: FaultSpec,
        deadline: DateTime<Utc>,
    },
    Recover {
        fault: Box<Fault>,
        trigger: Trigger,
    },
    /// Watch a fault's probe until its deadline (see `chaos::probe`).
    Probe {
        id: String,
        url: String,
        until: DateTime<Utc>,
    },
    /// Check with the provider that the spec can be injected (the target
    /// exists …) before anything is journaled; answered with
    /// [`FaultMsg::Validated`].
    Validate {
        token: u64,
        spec: FaultSpec,
    },
}

/// What the runtime tells the core about faults.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultMsg {
    /// An inject or recover run ended; its outcome is in the journal.
    Done { id: String, error: Option<String> },
    /// Live faults whose console is gone, found on start.
    Orphans(Vec<String>),
    /// A probe guard fired.
    ProbeFailed { id: String, reason: String },
    /// The provider's answer to [`FaultEffect::Validate`]: why not, if not.
    Validated { token: u64, error: Option<String> },
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub ledger: FaultLedger,
    pub config: FaultsConfig,
    /// This console as a fault owner; `None` means it cannot inject.
    pub me: Option<Owner>,
    /// Cursor over [`Faults::rows`].
    pub list: List,
    /// Faults with an inject or recover running in this console, and
    /// whether that run has ended (kept until the journal shows its outcome).
    pub busy: HashMap<String, bool>,
    /// Recover these as soon as their injection ends (panic while injecting).
    recover_after_inject: HashSet<String>,
    /// Orphans waiting for the operator (`orphans = "ask"`).
    pub orphans: Vec<String>,
    next: u64,
}

impl Faults {
    /// The room for a console that owns faults as `me` (`None`: it cannot
    /// inject), with the ledger rebuilt from the journal.
    pub fn new(ledger: FaultLedger, config: FaultsConfig, me: Option<Owner>) -> Faults {
        Faults {
            ledger,
            config,
            me,
            ..Faults::default()
        }
    }

    /// Rows of the Faults view: live faults (oldest first), then history
    /// (newest first); or in the order of the sort chosen.
    pub fn rows(&self) -> Vec<&Fault> {
        let mut rows: Vec<&Fault> = self.ledger.live().collect();
        rows.extend(self.ledger.all().rev().filter(|f| !f.is_live()));
        if let Some(sort) = self.list.sort {
            List::order(sort, &mut rows, |col, a, b| compare(col, a, b));
        }
        rows
    }

    pub fn selected_fault(&self) -> Option<&Fault> {
        self.rows().get(self.list.selected).copied()
    }

    fn mine(&self, f: &Fault) -> bool {
        self.me
            .as_ref()
            .is_some_and(|m| m.instance == f.owner.instance)
    }

    /// Faults this console should recover on a normal exit: its own live ones.
    pub fn exit_recoveries(&self) -> Vec<Fault> {
        self.ledger
            .live()
            .filter(|f| self.mine(f))
            .cloned()
            .collect()
    }

    /// When the core next needs a tick for a deadline or retry.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.ledger.next_wake(now)
    }

    /// Forget busy entries whose run ended and whose outcome the journal shows.
    fn settle(&mut self) {
        let ledger = &self.ledger;
        self.busy.retain(|id, done| {
            !*done
                || ledger.get(id).is_some_and(|f| {
                    matches!(
                        f.state,
                        FaultState::Intended | FaultState::Injecting | FaultState::Recovering
                    )
                })
        });
    }
}

/// Columns the Faults table sorts by (with none chosen: live first).
pub const COLUMNS: &[&str] = &[
    "id", "state", "provider", "target", "action", "when", "left", "owner",
];

/// Each column's natural order: A→Z, newest first, least time left first.
fn compare(column: &str, a: &Fault, b: &Fault) -> std::cmp::Ordering {
    let o = match column {
        "state" => a.state.as_str().cmp(b.state.as_str()),
        "provider" => a.spec.provider.cmp(&b.spec.provider),
        "target" => a.spec.target.cmp(&b.spec.target),
        "action" => a.spec.action.cmp(&b.spec.action),
        "when" => b.intended_at.cmp(&a.intended_at),
        "left" => b
            .is_live()
            .cmp(&a.is_live())
            .then(a.deadline.cmp(&b.deadline)),
        "owner" => a.owner.actor.cmp(&b.owner.actor),
        _ => a.id.cmp(&b.id),
    };
    o.then_with(|| a.id.cmp(&b.id))
}

/// What the search looks at: what the row shows.
pub fn search_matches(f: &Fault, needle: &str) -> bool {
    use crate::domain::filter::contains_ci;
    contains_ci(&f.id, needle)
        || contains_ci(f.state.as_str(), needle)
        || contains_ci(&f.spec.provider, needle)
        || contains_ci(&f.spec.target, needle)
        || contains_ci(&f.spec.action, needle)
        || contains_ci(&f.owner.actor, needle)
}

pub(crate) fn recover_effect(state: &mut State, f: &Fault, trigger: Trigger) -> Option<Effect> {
    if state.faults.busy.contains_key(&f.id) {
        return None;
    }
    state.faults.busy.insert(f.id.clone(), false);
    Some(Effect::Fault(FaultEffect::Recover {
        fault: Box::new(f.clone()),
        trigger,
    }))
}

/// After journal rows were applied: settle runs, fire guards.
pub fn after_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    let mut fx = Vec::new();
    for ev in events {
        // One of ours is in place: start watching its probe.
        if ev.kind() == Some(EventKind::FaultActive)
            && let Some(f) = state.faults.ledger.get(&ev.subject)
            && state.faults.mine(f)
            && let Some(url) = &f.spec.probe
        {
            fx.push(Effect::Fault(FaultEffect::Probe {
                id: f.id.clone(),
                url: url.clone(),
                until: f.deadline,
            }));
        }
        if ev.kind() == Some(EventKind::FaultActive)
            && state.faults.recover_after_inject.remove(&ev.subject)
            && let Some(f) = state.faults.ledger.get(&ev.subject).cloned()
        {
            state.faults.busy.remove(&f.id);
            fx.extend(recover_effect(state, &f, Trigger::Panic));
        }
    }
    state.faults.settle();
    fx.extend(guards(state));
    let n = state.faults.rows().len();
    if state.faults.list.selected >= n {
        state.faults.list.selected = n.saturating_sub(1);
    }
    fx
}

/// A guard fires when an alarm matching it is firing and started after the
/// fault became active.
fn guards(state: &mut State) -> Vec<Effect> {
    let faults = &state.faults;
    let hits: Vec<Fault> = guard_hits(&faults.ledger, &state.board, &|f| faults.mine(f))
        .into_iter()
        .cloned()
        .collect();
    let mut fx = Vec::new();
    for f in hits {
        if let Some(e) = recover_effect(state, &f, Trigger::Guard) {
            state.say(
                Level::Warn,
                format!("guard fired: recovering fault {}", f.id),
            );
            fx.push(e);
        }
    }
    fx
}

/// Every tick (and at deadlines): this console's due recoveries.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    state.faults.settle();
    let Some(me) = state.faults.me.clone() else {
        return Vec::new();
    };
    let due = console_due(&state.faults.ledger, &me.instance, state.now);
    let mut fx = Vec::new();
    for (id, trigger) in due {
        if let Some(f) = state.faults.ledger.get(&id).cloned() {
            fx.extend(recover_effect(state, &f, trigger));
        }
    }
    fx
}

pub fn on_msg(state: &mut State, msg: FaultMsg) -> Vec<Effect> {
    match msg {
        FaultMsg::Done { id, error } => {
            if let Some(done) = state.faults.busy.get_mut(&id) {
                *done = true;
            }
            if let Some(e) = error {
                state.say(Level::Error, format!("fault {id}: {}", inert(&e)));
            }
            let mut fx = Vec::new();
            // A panic during injection: recover as soon as the inject run ended.
            if state.faults.recover_after_inject.contains(&id)
                && let Some(f) = state.faults.ledger.get(&id).cloned()
                && f.state != FaultState::Injecting
                && f.state != FaultState::Intended
            {
                state.faults.recover_after_inject.remove(&id);
                state.faults.busy.remove(&id);
                fx.extend(recover_effect(state, &f, Trigger::Panic));
            }
            state.faults.settle();
            fx
        }
        FaultMsg::Orphans(ids) => on_orphans(state, ids),
        FaultMsg::Validated { token, error } => {
            form::on_validated(state, token, error);
            Vec::new()
        }
        FaultMsg::ProbeFailed { id, reason } => {
            let Some(f) = state
                .faults
                .ledger
                .get(&id)
                .cloned()
                .filter(|f| f.state == FaultState::Active)
            else {
                return Vec::new();
            };
            state.say(
                Level::Warn,
                format!("fault {id}: {}; recovering", inert(&reason)),
            );
            recover_effect(state, &f, Trigger::Guard)
                .into_iter()
                .collect()
        }
    }
}

/// Live faults whose owning console is gone (found on start, or when a
/// console's process disappears): journal them as orphans, then recover
/// them (`orphans = "auto"`) or ask (`"ask"`).
pub fn on_orphans(state: &mut State, ids: Vec<String>) -> Vec<Effect> {
    if ids.is_empty() || state.session.readonly {
        if !ids.is_empty() {
            state.say(
                Level::Warn,
                format!(
                    "{} faults left by a console that is gone (read-only: not recovering)",
                    ids.len()
                ),
            );
        }
        return Vec::new();
    }
    let Some(me) = state.faults.me.clone() else {
        return Vec::new();
    };
    let notes: Vec<NewEvent> = ids
        .iter()
        .map(|id| {
            NewEvent::new(
                state.now,
                state.session.operator.clone(),
                EventKind::FaultOrphaned,
                id,
                payload(&Orphaned { by: me.clone() }),
            )
        })
        .collect();
    let mut fx = vec![Effect::Append(notes)];
    match state.faults.config.orphans {
        OrphanPolicy::Auto => {
            state.say(
                Level::Warn,
                format!(
                    "recovering {} faults left by a console that is gone",
                    ids.len()
                ),
            );
            for id in &ids {
                if let Some(f) = state.faults.ledger.get(id).cloned() {
                    fx.extend(recover_effect(state, &f, Trigger::Orphan));
                }
            }
        }
        OrphanPolicy::Ask => {
            state.faults.orphans = ids;
            state.view = super::View::Faults;
        }
    }
    fx
}

/// `R`: recover the orphans the banner shows.
pub fn recover_orphans(state: &mut State) -> Vec<Effect> {
    let ids = std::mem::take(&mut state.faults.orphans);
    let mut fx = Vec::new();
    for id in ids {
        if let Some(f) = state
            .faults
            .ledger
            .get(&id)
            .cloned()
            .filter(|f| f.is_live())
        {
            fx.extend(recover_effect(state, &f, Trigger::Orphan));
        }
    }
    if fx.is_empty() {
        state.say(Level::Info, "no orphaned faults to recover");
    }
    fx
}

/// `x` with faults marked: recover every marked live one.
fn recover_marked(state: &mut State) -> Vec<Effect> {
    let marked: Vec<Fault> = std::mem::take(&mut state.faults.list.marks)
        .iter()
        .filter_map(|id| state.faults.ledger.get(id))
        .filter(|f| f.is_live())
        .cloned()
        .collect();
    let mut fx = Vec::new();
    for f in &marked {
        fx.extend(recover_effect(state, f, Trigger::Operator));
    }
    state.say(
        Level::Info,
        format!("recovering {} marked faults", fx.len()),
    );
    fx
}

/// `x`: recover the selected fault now.
pub fn recover_selected(state: &mut State) -> Vec<Effect> {
    if !state.faults.list.marks.is_empty() {
        return recover_marked(state);
    }
    let Some(f) = state.faults.selected_fault().cloned() else {
        state.say(Level::Warn, "no fault selected");
        return Vec::new();
    };
    if !f.is_live() {
        state.say(
            Level::Info,
            format!("fault {} is {}", f.id, f.state.as_str()),
        );
        return Vec::new();
    }
    match recover_effect(state, &f, Trigger::Operator) {
        Some(e) => {
            state.say(Level::Info, format!("recovering fault {}", f.id));
            vec![e]
        }
        None => {
            state.say(
                Level::Warn,
                format!("fault {} is already being worked on", f.id),
            );
            Vec::new()
        }
    }
}

/// The panic key, confirmed: recover every live fault, whoever owns it.
pub fn panic_all(state: &mut State) -> Vec<Effect> {
    // A drill stops with its faults: it records why and runs its rollbacks.
    let mut fx = super::drills::abort_all(state, "the panic key");
    let live: Vec<Fault> = state.faults.ledger.live().cloned().collect();
    let mut later = 0;
    for f in &live {
        let injecting_here = matches!(f.state, FaultState::Intended | FaultState::Injecting)
            && state.faults.busy.get(&f.id) == Some(&false);
        if injecting_here {
            state.faults.recover_after_inject.insert(f.id.clone());
            later += 1;
            continue;
        }
        // A retry already running stays; everything else goes now.
        if state.faults.busy.get(&f.id) == Some(&true) {
            state.faults.busy.remove(&f.id);
        }
        fx.extend(recover_effect(state, f, Trigger::Panic));
    }
    let text = if later > 0 {
        format!(
            "PANIC: recovering {} faults ({later} once their injection ends)",
            live.len() - later
        )
    } else {
        format!("PANIC: recovering all {} live faults", live.len())
    };
    state.say(Level::Warn, text);
    fx
}

/// What the core can tell about a `sim` target without asking anyone: the
/// demo must be running here, and the service must be one it simulates.
pub fn check_sim(state: &State, spec: &FaultSpec) -> Result<(), String> {
    if spec.provider != "sim" {
        return Ok(());
    }
    if state.session.mode != super::RunMode::Demo {
        return Err("sim: faults in the demo environment, and this console is LIVE".into());
    }
    let service = spec.target_name();
    let known = &state.monitor.groups;
    if !known.is_empty() && !known.iter().any(|g| g == service) {
        return Err(format!(
            "sim: no service {:?} in the demo (have {})",
            inert(service),
            known.join(", ")
        ));
    }
    Ok(())
}

/// Whether this console may inject; says why not when it may not.
pub(super) fn allowed_to_inject(state: &mut State) -> bool {
    if state.session.readonly {
        state.say(Level::Warn, "read-only console: faults cannot be injected");
        false
    } else if !state.session.may_inject() {
        state.say(Level::Warn, "observer role: faults cannot be injected");
        false
    } else {
        true
    }
}

/// Commit the intent; the injection starts once it is durable.
pub fn intend(state: &mut State, spec: FaultSpec) -> Vec<Effect> {
    if !allowed_to_inject(state) {
        return Vec::new();
    }
    match intend_for(state, spec) {
        Ok((_, fx)) => {
            state.view = super::View::Faults;
            fx
        }
        Err(e) => {
            state.say(Level::Error, e);
            Vec::new()
        }
    }
}

/// The same intent for a plan's `inject` step: the fault's id and the
/// commit, or why not (limits, no owner identity). The view stays where
/// it is.
pub fn intend_for(state: &mut State, spec: FaultSpec) -> Result<(String, Vec<Effect>), String> {
    if !state.session.may_inject() {
        return Err("this console may not inject faults".into());
    }
    if let Err(e) = limits::check(&spec, &state.faults.ledger, &state.faults.config) {
        return Err(format!("refused: {e}"));
    }
    let Some(me) = state.faults.me.clone() else {
        return Err("this console cannot inject (no owner identity)".into());
    };
    state.faults.next += 1;
    let id = fault_id(&format!("{}-{}", me.instance, state.faults.next));
    let deadline = state.now + spec.duration();
    let ev = intent_event(state.now, &me, &id, &spec, deadline);
    let what = format!("fault {id} intended: {}", inert(&spec.label()));
    let subject = format!("fault:{id}");
    state.faults.busy.insert(id.clone(), false);
    let step = Step::Intent {
        id: id.clone(),
        spec,
        deadline,
    };
    let token = state.flows.begin(Some(&subject), what, step);
    Ok((
        id,
        vec![Effect::Commit {
            token,
            events: vec![ev],
        }],
    ))
}

/// An intent is durable: now inject.
pub fn on_committed(state: &mut State, step: Step, ok: bool) -> Vec<Effect> {
    let Step::Intent { id, spec, deadline } = step else {
        // Only intents are committed.
        return Vec::new();
    };
    if !ok {
        state.faults.busy.remove(&id);
        return Vec::new();
    }
    vec![Effect::Fault(FaultEffect::Inject { id, spec, deadline })]
}

pub fn move_by(state: &mut State, delta: isize) {
    let n = state.faults.rows().len();
    // The table is short: the view draws the window around the cursor.
    state.faults.list.move_by(delta, n, usize::MAX);
}

/// The Faults view's keys (and the panic key, from anywhere).
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::InjectFault => form::open_form(state),
        Action::RecoverFault => return recover_selected(state),
        Action::RecoverOrphans => return recover_orphans(state),
        Action::DismissFault => form::open_dismiss(state),
        Action::Panic => form::open_panic(state),
        _ => {}
    }
    Vec::new()
}
