//! One drill as a pure state machine, the same for the console and the
//! headless command: facts come in as method calls (`now` given), what to
//! do goes out as [`Out`]s (journal rows, injections, recoveries, probes,
//! the plan run, rollbacks). It never blocks and reads no clock, so every
//! path (a missed expectation, a guard, an abort mid-injection, a gate)
//! is tested by feeding it.
//!
//! Phases: preflight → steady state before → (inject → observe) per group
//! → respond → recover → steady state after → review. An abort at any
//! point recovers every fault and runs the rollbacks, then reviews.

use super::RollbackStrategy;
use super::payloads::{self as p, DrillEvent, ExpectSpec, GateState, Measure, Phase, Verdict};
use super::scenario::Scenario;
use crate::domain::fault::FaultSpec;
use chrono::{DateTime, Duration, Utc};

/// How long the recover phase waits for the expected alarms to resolve
/// when the scenario sets no `recovery_within`.
pub const DEFAULT_RECOVERY_WAIT: u64 = 120;
/// How long respond waits for a plan nobody started, past the faults,
/// when the scenario sets no `mitigate_within`.
pub const DEFAULT_RESPOND_WAIT: u64 = 120;

/// What the drill asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Record(DrillEvent),
    /// Run the steady-state probes; answer with [`DrillRun::probes_done`].
    Probe(Phase),
    /// Inject fault `index` (over all groups, in file order); answer with
    /// [`DrillRun::injected`].
    Inject {
        index: usize,
        spec: FaultSpec,
    },
    /// Recover one of the drill's faults (by fault id).
    Recover {
        fault: String,
    },
    /// Start the scenario's contingency plan; answer with
    /// [`DrillRun::plan_started`] and [`DrillRun::plan_finished`].
    StartPlan,
    /// Run the rollbacks; answer with [`DrillRun::rollbacks_done`].
    Rollbacks,
}

/// Where a fault of the drill is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTrack {
    Pending,
    Injecting,
    Active {
        id: String,
    },
    /// Recovered, failed or dismissed (the ledger says which).
    Ended {
        id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanTrack {
    None,
    Starting,
    Running { run: String },
    Done { run: String, ok: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrillState {
    Running,
    /// Waiting before `phase` (group `group` for an inject gate) for the
    /// commander.
    Held {
        phase: Phase,
        group: usize,
    },
    Done(Verdict),
}

/// What the console saw since the last tick, for the expectations and
/// the guards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Per expectation: the first matching alarm raised after its group's
    /// injection (fingerprint, raised at).
    pub expect: Vec<Option<(String, DateTime<Utc>)>>,
    /// When an alarm matching an expectation was first acknowledged.
    pub first_ack: Option<DateTime<Utc>>,
    /// No alarm matching any expectation is firing.
    pub expected_resolved: bool,
    /// A guard whose condition holds: its name and why.
    pub guard: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectTrack {
    pub detected: Option<u64>,
    pub fingerprint: Option<String>,
    pub missed: bool,
}

#[derive(Debug, Clone)]
pub struct Start {
    pub drill: String,
    pub commander: String,
    pub headless: bool,
    pub owner: Option<crate::domain::fault::Owner>,
}

#[derive(Debug, Clone)]
pub struct DrillRun {
    pub id: String,
    pub scenario: Scenario,
    pub commander: String,
    pub headless: bool,
    pub owner: Option<crate::domain::fault::Owner>,
    pub state: DrillState,
    pub phase: Phase,
    /// The group being injected or observed.
    pub group: usize,
    pub started: DateTime<Utc>,
    pub first_inject: Option<DateTime<Utc>>,
    /// When each group's faults went in.
    pub group_started: Vec<Option<DateTime<Utc>>>,
    /// Every fault, over all groups in file order.
    pub faults: Vec<(usize, FaultTrack)>,
    pub expects: Vec<ExpectTrack>,
    pub acked: Option<u64>,
    pub mitigated: Option<u64>,
    pub recovered: Option<u64>,
    pub plan: PlanTrack,
    pub failures: Vec<String>,
    pub aborted: Option<String>,
    /// When the scenario's rollbacks run (`--rollback-strategy`; cocpit's
    /// `always` unless told). Faults are recovered whatever it says: the
    /// rollbacks are the scenario's own clean-up on top.
    pub rollback_strategy: RollbackStrategy,
    /// Gates passed, as (phase, group).
    passed: Vec<(Phase, usize)>,
    /// When the current phase began.
    pub phase_started: DateTime<Utc>,
    rollbacks_started: bool,
    rollbacks_finished: bool,
    /// Faults asked to recover (each is asked once).
    recovering: std::collections::BTreeSet<String>,
}

fn secs(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    (to - from).num_seconds().max(0) as u64
}

impl DrillRun {
    pub fn new(scenario: Scenario, start: Start, now: DateTime<Utc>) -> DrillRun {
        let faults = scenario
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, grp)| grp.faults.iter().map(move |_| (g, FaultTrack::Pending)))
            .collect();
        let expects = scenario
            .expect
            .alarms
            .iter()
            .map(|_| ExpectTrack {
                detected: None,
                fingerprint: None,
                missed: false,
            })
            .collect();
        DrillRun {
            id: start.drill,
            commander: start.commander,
            headless: start.headless,
            owner: start.owner,
            state: DrillState::Running,
            phase: Phase::Preflight,
            group: 0,
            started: now,
            first_inject: None,
            group_started: vec![None; scenario.groups.len()],
            faults,
            expects,
            acked: None,
            mitigated: None,
            recovered: None,
            plan: PlanTrack::None,
            failures: Vec::new(),
            aborted: None,
            passed: Vec::new(),
            phase_started: now,
            rollbacks_started: false,
            rollbacks_finished: false,
            rollback_strategy: RollbackStrategy::Always,
            recovering: Default::default(),
            scenario,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, DrillState::Done(_))
    }

    fn record(&self, out: &mut Vec<Out>, ev: DrillEvent) {
        out.push(Out::Record(ev));
    }

    fn measured(
        &self,
        out: &mut Vec<Out>,
        what: Measure,
        name: &str,
        secs: Option<u64>,
        ok: bool,
        detail: String,
    ) {
        self.record(
            out,
            DrillEvent::Measured(p::Measured {
                drill: self.id.clone(),
                what,
                name: name.to_string(),
                secs,
                ok,
                detail,
            }),
        );
    }

    /// The `drill.started` row and the first phases.
    pub fn start(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        let s = &self.scenario;
        self.record(
            &mut out,
            DrillEvent::Started(p::Started {
                drill: self.id.clone(),
                scenario: s.id.clone(),
                title: s.title.clone(),
                commander: self.commander.clone(),
                application: s.application.clone(),
                expect: s
                    .expect
                    .alarms
                    .iter()
                    .map(|e| ExpectSpec {
                        name: e.name.clone(),
                        filter: e.filter.clone(),
                        within: e.within.0,
                    })
                    .collect(),
                recovery_within: s.expect.recovery_within.map(|d| d.0),
                ack_within: s.expect.ack_within.map(|d| d.0),
                groups: s.groups.len(),
                headless: self.headless,
                owner: self.owner.clone(),
                chaostoolkit: false,
            }),
        );
        self.enter(Phase::Preflight, 0, now, &mut out);
        self.enter(Phase::SteadyBefore, 0, now, &mut out);
        out
    }

    /// Move to `phase` (holding first where the scenario gates it).
    fn enter(&mut self, phase: Phase, group: usize, now: DateTime<Utc>, out: &mut Vec<Out>) {
        let gated = self.aborted.is_none()
            && (self.scenario.gated(phase) && (phase != Phase::Inject || group == 0)
                || (phase == Phase::Inject
                    && self
                        .scenario
                        .groups
                        .get(group)
                        .is_some_and(|g| g.gate.is_some())));
        if gated && !self.passed.contains(&(phase, group)) {
            self.state = DrillState::Held { phase, group };
            self.record(
                out,
                DrillEvent::Gate(p::Gate {
                    drill: self.id.clone(),
                    phase,
                    state: GateState::Held,
                    by: self.commander.clone(),
                }),
            );
            return;
        }
        self.phase = phase;
        self.group = group;
        self.phase_started = now;
        self.record(
            out,
            DrillEvent::Phase(p::PhaseEntered {
                drill: self.id.clone(),
                phase,
                group: matches!(phase, Phase::Inject | Phase::Observe).then_some(group),
            }),
        );
        match phase {
            Phase::Preflight => {}
            // The clocks start once the group's faults are all in: the
            // time to detect is from the fault being in force.
            Phase::Observe => {
                self.group_started[group] = Some(now);
                self.first_inject.get_or_insert(now);
            }
            Phase::SteadyBefore | Phase::SteadyAfter => out.push(Out::Probe(phase)),
            Phase::Inject => {
                let specs: Vec<(usize, FaultSpec)> = self
                    .fault_specs()
                    .into_iter()
                    .filter(|(i, _)| self.faults[*i].0 == group)
                    .collect();
                for (index, spec) in specs {
                    self.faults[index].1 = FaultTrack::Injecting;
                    out.push(Out::Inject { index, spec });
                }
            }
            Phase::Respond => {
                if self.plan == PlanTrack::None
                    && self.scenario.plan.as_ref().is_some_and(|p| p.auto)
                    && self.aborted.is_none()
                    && self.expects.is_empty()
                {
                    // Nothing to wait for: respond at once.
                    self.plan = PlanTrack::Starting;
                    out.push(Out::StartPlan);
                }
            }
            Phase::Recover => {
                for id in self.live_faults() {
                    self.recover(&id, out);
                }
            }
            Phase::Review => self.finish(now, out),
        }
        // A phase with nothing to wait for moves on at once.
        self.settle(now, out);
    }

    /// Ask for a fault's recovery, once.
    fn recover(&mut self, id: &str, out: &mut Vec<Out>) {
        if self.recovering.insert(id.to_string()) {
            out.push(Out::Recover {
                fault: id.to_string(),
            });
        }
    }

    /// Every fault of the scenario as a spec, by index.
    pub fn fault_specs(&self) -> Vec<(usize, FaultSpec)> {
        self.scenario.fault_specs()
    }

    /// The commander (or anyone, from their console) lets a held drill go on.
    pub fn advance(&mut self, by: &str, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        let DrillState::Held { phase, group } = self.state.clone() else {
            return out;
        };
        self.passed.push((phase, group));
        self.state = DrillState::Running;
        self.record(
            &mut out,
            DrillEvent::Gate(p::Gate {
                drill: self.id.clone(),
                phase,
                state: GateState::Advanced,
                by: by.to_string(),
            }),
        );
        self.enter(phase, group, now, &mut out);
        out
    }

    /// The probes of `phase` ran: `(name, ok, detail)` each.
    pub fn probes_done(
        &mut self,
        phase: Phase,
        results: &[(String, bool, String)],
        now: DateTime<Utc>,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        if self.phase != phase || self.is_done() || self.state != DrillState::Running {
            return out;
        }
        for (name, ok, detail) in results {
            self.measured(&mut out, Measure::Probe, name, None, *ok, detail.clone());
        }
        let missed: Vec<&str> = results
            .iter()
            .filter(|r| !r.1)
            .map(|r| r.0.as_str())
            .collect();
        match phase {
            Phase::SteadyBefore if !missed.is_empty() => {
                self.failures.push(format!(
                    "steady state before not met ({}): nothing injected",
                    missed.join(", ")
                ));
                self.enter(Phase::Review, 0, now, &mut out);
            }
            Phase::SteadyBefore if self.scenario.groups.is_empty() => {
                self.enter(Phase::Respond, 0, now, &mut out)
            }
            Phase::SteadyBefore => self.enter(Phase::Inject, 0, now, &mut out),
            Phase::SteadyAfter => {
                if !missed.is_empty() {
                    self.failures.push(format!(
                        "steady state after not met ({}): the system deviated",
                        missed.join(", ")
                    ));
                }
                if self.has_rollbacks() && !self.rollbacks_started {
                    // Only `deviated` leaves them until now.
                    if missed.is_empty() {
                        self.skip_rollbacks(&mut out);
                    } else {
                        self.rollbacks_started = true;
                        out.push(Out::Rollbacks);
                        return out;
                    }
                }
                self.enter(Phase::Review, 0, now, &mut out);
            }
            _ => {}
        }
        out
    }

    /// An injection ended: the fault id, or why it failed.
    pub fn injected(
        &mut self,
        index: usize,
        result: Result<String, String>,
        label: &str,
        now: DateTime<Utc>,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        let Some((_, track)) = self.faults.get_mut(index) else {
            return out;
        };
        match result {
            Ok(id) => {
                let ended = matches!(track, FaultTrack::Ended { .. });
                if !ended {
                    *track = FaultTrack::Active { id: id.clone() };
                }
                self.measured(&mut out, Measure::Fault, &id, None, true, label.to_string());
                if self.aborted.is_some() || self.phase >= Phase::Recover {
                    // Aborted while it was going in: out again at once.
                    self.recover(&id, &mut out);
                }
            }
            Err(why) => {
                *track = FaultTrack::Ended { id: None };
                self.measured(&mut out, Measure::Fault, label, None, false, why.clone());
                out.extend(self.abort(&format!("injection failed: {label}: {why}"), now));
                return out;
            }
        }
        self.settle(now, &mut out);
        out
    }

    /// A fault of the drill was recovered (or failed, or dismissed).
    pub fn fault_ended(&mut self, fault: &str, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        for (_, t) in &mut self.faults {
            if matches!(t, FaultTrack::Active { id } if id == fault) {
                *t = FaultTrack::Ended {
                    id: Some(fault.to_string()),
                };
            }
        }
        self.settle(now, &mut out);
        out
    }

    /// The drill's fault ids (those that went in).
    pub fn fault_ids(&self) -> Vec<String> {
        self.faults
            .iter()
            .filter_map(|(_, t)| match t {
                FaultTrack::Active { id } => Some(id.clone()),
                FaultTrack::Ended { id } => id.clone(),
                _ => None,
            })
            .collect()
    }

    pub fn live_faults(&self) -> Vec<String> {
        self.faults
            .iter()
            .filter_map(|(_, t)| match t {
                FaultTrack::Active { id } => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn plan_started(&mut self, run: &str, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        self.plan = PlanTrack::Running {
            run: run.to_string(),
        };
        let at = self.first_inject.map(|t| secs(t, now));
        self.measured(&mut out, Measure::PlanRun, run, at, true, String::new());
        out
    }

    /// The plan could not be started (refused, unknown plan …).
    pub fn plan_refused(&mut self, why: &str, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        self.plan = PlanTrack::Done {
            run: String::new(),
            ok: false,
        };
        self.failures
            .push(format!("contingency plan not started: {why}"));
        self.measured(
            &mut out,
            Measure::Mitigated,
            "plan",
            None,
            false,
            why.to_string(),
        );
        self.settle(now, &mut out);
        out
    }

    pub fn plan_finished(
        &mut self,
        run: &str,
        ok: bool,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        if matches!(&self.plan, PlanTrack::Done { .. }) {
            return out;
        }
        self.plan = PlanTrack::Done {
            run: run.to_string(),
            ok,
        };
        let at = self.first_inject.map(|t| secs(t, now));
        if ok {
            self.mitigated = at;
        } else {
            self.failures.push(format!(
                "contingency plan run {run} did not succeed: {detail}"
            ));
        }
        if let (Some(limit), Some(at)) = (self.scenario.expect.mitigate_within, at)
            && ok
            && at > limit.0
        {
            self.failures
                .push(format!("mitigated after {at}s, the target is {}", limit));
        }
        self.measured(
            &mut out,
            Measure::Mitigated,
            run,
            at,
            ok,
            detail.to_string(),
        );
        self.settle(now, &mut out);
        out
    }

    pub fn rollbacks_done(&mut self, ok: bool, detail: &str, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        if !ok {
            self.failures.push(format!("rollbacks failed: {detail}"));
        }
        self.rollbacks_started = true;
        self.rollbacks_finished = true;
        if self.phase == Phase::SteadyAfter && self.state == DrillState::Running {
            // `deviated`: they ran after the steady state; the drill is over.
            self.enter(Phase::Review, 0, now, &mut out);
            return out;
        }
        self.settle(now, &mut out);
        out
    }

    /// Abort: recover every fault, run the rollbacks, then review.
    pub fn abort(&mut self, reason: &str, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        if self.is_done() || self.aborted.is_some() {
            return out;
        }
        self.aborted = Some(reason.to_string());
        self.state = DrillState::Running;
        if self.phase < Phase::Recover {
            self.enter(Phase::Recover, 0, now, &mut out);
        } else {
            for id in self.live_faults() {
                self.recover(&id, &mut out);
            }
            self.settle(now, &mut out);
        }
        out
    }

    /// The clock moved on, with what the board shows.
    pub fn tick(&mut self, now: DateTime<Utc>, obs: &Observation) -> Vec<Out> {
        let mut out = Vec::new();
        if self.is_done() {
            return out;
        }
        let injecting = self.first_inject.is_some() && self.phase < Phase::Recover;
        if injecting
            && self.aborted.is_none()
            && let Some((name, why)) = &obs.guard
        {
            self.measured(&mut out, Measure::Guard, name, None, false, why.clone());
            out.extend(self.abort(&format!("guard {name:?}: {why}"), now));
            return out;
        }
        self.watch_expectations(now, obs, &mut out);
        if self.acked.is_none()
            && let (Some(t), Some(first)) = (obs.first_ack, self.first_inject)
            && t >= first
        {
            let s = secs(first, t);
            self.acked = Some(s);
            self.measured(
                &mut out,
                Measure::Acked,
                "first ack",
                Some(s),
                true,
                String::new(),
            );
        }
        if self.phase == Phase::Recover
            && self.recovered.is_none()
            && self.live_faults().is_empty()
            && !self.injecting()
            && obs.expected_resolved
            && let Some(first) = self.first_inject
        {
            let s = secs(first, now);
            self.recovered = Some(s);
            self.measured(
                &mut out,
                Measure::Recovered,
                "recovery",
                Some(s),
                true,
                String::new(),
            );
        }
        self.settle(now, &mut out);
        out
    }

    fn injecting(&self) -> bool {
        self.faults
            .iter()
            .any(|(_, t)| matches!(t, FaultTrack::Injecting))
    }

    fn watch_expectations(&mut self, now: DateTime<Utc>, obs: &Observation, out: &mut Vec<Out>) {
        let mut detected_now = false;
        for i in 0..self.expects.len() {
            let e = self.scenario.expect.alarms[i].clone();
            let Some(Some(since)) = self.group_started.get(e.group).copied() else {
                continue;
            };
            let t = &self.expects[i];
            if t.detected.is_some() || t.missed {
                continue;
            }
            let name = if e.name.is_empty() {
                e.filter.clone()
            } else {
                e.name.clone()
            };
            match obs.expect.get(i).cloned().flatten() {
                Some((fp, raised)) if raised >= since - Duration::seconds(1) => {
                    let s = secs(since, raised);
                    let late = s > e.within.0;
                    self.expects[i].detected = Some(s);
                    self.expects[i].fingerprint = Some(fp.clone());
                    if late {
                        self.expects[i].missed = true;
                        self.failures.push(format!(
                            "{name}: detected after {s}s, the deadline is {}",
                            e.within
                        ));
                    }
                    self.measured(out, Measure::Detected, &name, Some(s), !late, fp);
                    detected_now = true;
                }
                _ if now > since + Duration::seconds(e.within.0 as i64) => {
                    self.expects[i].missed = true;
                    self.failures
                        .push(format!("{name}: not detected within {}", e.within));
                    self.measured(
                        out,
                        Measure::Missed,
                        &name,
                        Some(e.within.0),
                        false,
                        format!("no alarm matching {} within {}", e.filter, e.within),
                    );
                }
                _ => {}
            }
        }
        if detected_now
            && self.plan == PlanTrack::None
            && self.aborted.is_none()
            && self.scenario.plan.as_ref().is_some_and(|p| p.auto)
        {
            self.plan = PlanTrack::Starting;
            out.push(Out::StartPlan);
        }
    }

    fn expectations_settled(&self) -> bool {
        self.expects
            .iter()
            .all(|e| e.detected.is_some() || e.missed)
    }

    fn plan_settled(&self, now: DateTime<Utc>) -> bool {
        match (&self.plan, &self.scenario.plan) {
            (_, None) | (PlanTrack::Done { .. }, _) => true,
            (PlanTrack::None, Some(_)) => {
                // Nobody started it: wait until the respond deadline.
                let limit = self
                    .scenario
                    .expect
                    .mitigate_within
                    .map(|d| d.0)
                    .unwrap_or(self.scenario.faults_span() + DEFAULT_RESPOND_WAIT);
                self.first_inject
                    .is_none_or(|t| now >= t + Duration::seconds(limit as i64))
            }
            _ => false,
        }
    }

    /// Move on when the current phase has nothing left to wait for.
    fn settle(&mut self, now: DateTime<Utc>, out: &mut Vec<Out>) {
        if self.state != DrillState::Running {
            return;
        }
        match self.phase {
            Phase::Inject => {
                let group_in = self
                    .faults
                    .iter()
                    .filter(|(g, _)| *g == self.group)
                    .all(|(_, t)| !matches!(t, FaultTrack::Injecting | FaultTrack::Pending));
                if group_in && self.aborted.is_none() {
                    let g = self.group;
                    self.enter(Phase::Observe, g, now, out);
                }
            }
            Phase::Observe => {
                let g = self.group;
                let hold = self.scenario.groups.get(g).map_or(0, |x| x.hold());
                let since = self.group_started.get(g).copied().flatten().unwrap_or(now);
                if now >= since + Duration::seconds(hold as i64) {
                    // The group is over: its faults out, then the next group.
                    let over: Vec<String> = self
                        .faults
                        .iter()
                        .filter(|(grp, _)| *grp == g)
                        .filter_map(|(_, t)| match t {
                            FaultTrack::Active { id } => Some(id.clone()),
                            _ => None,
                        })
                        .collect();
                    for id in over {
                        self.recover(&id, out);
                    }
                    if g + 1 < self.scenario.groups.len() {
                        self.enter(Phase::Inject, g + 1, now, out);
                    } else {
                        self.enter(Phase::Respond, 0, now, out);
                    }
                }
            }
            Phase::Respond => {
                if self.expectations_settled() && self.plan_settled(now) {
                    if let (PlanTrack::None, Some(_)) = (&self.plan, &self.scenario.plan) {
                        self.failures
                            .push("the contingency plan was never run".to_string());
                    }
                    self.enter(Phase::Recover, 0, now, out);
                }
            }
            Phase::Recover => {
                let faults_out = self.live_faults().is_empty() && !self.injecting();
                let limit = self
                    .scenario
                    .expect
                    .recovery_within
                    .map(|d| d.0)
                    .unwrap_or(self.scenario.faults_span() + DEFAULT_RECOVERY_WAIT);
                let deadline = self
                    .first_inject
                    .map(|t| t + Duration::seconds(limit as i64))
                    .unwrap_or(now)
                    .max(self.phase_started + Duration::seconds(10));
                let recovered = self.recovered.is_some() || self.first_inject.is_none();
                let aborted = self.aborted.is_some();
                let plan_done =
                    !matches!(self.plan, PlanTrack::Starting | PlanTrack::Running { .. })
                        || aborted;
                // An aborted drill does not wait for the alarms to clear.
                if faults_out && plan_done && (recovered || aborted || now >= deadline) {
                    if !recovered && !aborted {
                        self.failures.push(format!(
                            "not recovered within {limit}s: expected alarms still firing"
                        ));
                        self.measured(
                            out,
                            Measure::Recovered,
                            "recovery",
                            None,
                            false,
                            "expected alarms still firing".into(),
                        );
                    } else if let (Some(r), Some(limit)) =
                        (self.recovered, self.scenario.expect.recovery_within)
                        && r > limit.0
                    {
                        self.failures
                            .push(format!("recovered after {r}s, the target is {limit}"));
                    }
                    self.after_recovery(now, out);
                }
            }
            Phase::Preflight | Phase::SteadyBefore | Phase::SteadyAfter | Phase::Review => {}
        }
    }

    /// Whether the rollbacks are due once the faults are out, as the
    /// strategy says (`deviated` decides after the steady state, later).
    fn rollbacks_now(&self) -> bool {
        match self.rollback_strategy {
            RollbackStrategy::Always => true,
            RollbackStrategy::Never | RollbackStrategy::Deviated => false,
            // Chaos Toolkit's: not after a failed or interrupted run.
            RollbackStrategy::Default => self.aborted.is_none() && self.failures.is_empty(),
        }
    }

    fn has_rollbacks(&self) -> bool {
        !self.scenario.rollbacks.is_empty() && !self.fault_ids().is_empty()
    }

    fn skip_rollbacks(&mut self, out: &mut Vec<Out>) {
        self.rollbacks_started = true;
        self.rollbacks_finished = true;
        let why = format!("rollback strategy {}", self.rollback_strategy.as_str());
        self.measured(out, Measure::Skipped, "rollbacks", None, true, why);
    }

    fn after_recovery(&mut self, now: DateTime<Utc>, out: &mut Vec<Out>) {
        if self.has_rollbacks() && !self.rollbacks_started && !self.rollbacks_now() {
            // `deviated` may still run them after the steady state.
            if self.rollback_strategy != RollbackStrategy::Deviated || self.aborted.is_some() {
                self.skip_rollbacks(out);
            }
        } else if self.has_rollbacks() {
            if !self.rollbacks_started {
                self.rollbacks_started = true;
                out.push(Out::Rollbacks);
                return;
            }
            if !self.rollbacks_finished {
                return;
            }
        }
        if self.aborted.is_some() {
            self.enter(Phase::Review, 0, now, out);
        } else {
            self.enter(Phase::SteadyAfter, 0, now, out);
        }
    }

    fn finish(&mut self, _now: DateTime<Utc>, out: &mut Vec<Out>) {
        if self.scenario.expect.ack_within.is_some()
            && let Some(limit) = self.scenario.expect.ack_within
        {
            match self.acked {
                None => self
                    .failures
                    .push(format!("no expected alarm acknowledged (target {limit})")),
                Some(a) if a > limit.0 => self
                    .failures
                    .push(format!("acknowledged after {a}s, the target is {limit}")),
                _ => {}
            }
        }
        let verdict = if self.aborted.is_some() {
            Verdict::Aborted
        } else if self.failures.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Failed
        };
        let reason = match &self.aborted {
            Some(r) => r.clone(),
            None => self.failures.join("; "),
        };
        let mttd = self.expects.iter().filter_map(|e| e.detected).min();
        self.state = DrillState::Done(verdict);
        self.record(
            out,
            DrillEvent::Finished(p::Finished {
                drill: self.id.clone(),
                verdict,
                reason,
                mttd,
                mtta: self.acked,
                mttr: self.recovered,
            }),
        );
    }

    /// End now, whatever is still open (the console is going away).
    pub fn force_review(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        let mut out = Vec::new();
        if !self.is_done() {
            self.state = DrillState::Running;
            self.enter(Phase::Review, 0, now, &mut out);
        }
        out
    }

    pub fn verdict(&self) -> Option<Verdict> {
        match self.state {
            DrillState::Done(v) => Some(v),
            _ => None,
        }
    }
}
