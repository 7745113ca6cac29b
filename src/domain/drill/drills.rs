//! Every drill on the journal, rebuilt from its `drill.*` rows: what each
//! console's Drills view shows (the same on every console, so the war room
//! watches one drill), and what a restarted console finds interrupted.

use super::payloads::{
    Accepted, DrillEvent, ExpectSpec, Finding, GateState, Improvement, Measure, Measured, Phase,
    Verdict,
};
use crate::domain::{Event, EventKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Progress-log lines kept per drill.
const LOG_LINES: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct DrillView {
    pub id: String,
    pub scenario: String,
    pub title: String,
    pub commander: String,
    /// The actor of `drill.started`: the console that drives it.
    pub actor: String,
    pub headless: bool,
    /// A Chaos Toolkit experiment (see `Started::chaostoolkit`).
    pub chaostoolkit: bool,
    pub owner: Option<crate::domain::fault::Owner>,
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    pub phase: Phase,
    pub group: Option<usize>,
    /// Held before this phase, by whom.
    pub held: Option<(Phase, String)>,
    pub expect: Vec<ExpectSpec>,
    pub recovery_within: Option<u64>,
    pub ack_within: Option<u64>,
    /// When the first fault went in.
    pub first_inject: Option<DateTime<Utc>>,
    pub measurements: Vec<(DateTime<Utc>, Measured)>,
    /// How many measurements came before the steady state after began:
    /// probes from there on are the "after" ones.
    pub steady_after_from: Option<usize>,
    pub faults: Vec<String>,
    pub plan_run: Option<String>,
    pub verdict: Option<Verdict>,
    pub reason: String,
    pub mttd: Option<u64>,
    pub mtta: Option<u64>,
    pub mttr: Option<u64>,
    /// Time-stamped lines for the progress log.
    pub log: Vec<(DateTime<Utc>, String)>,
    /// Each phase entered, when.
    pub phases: Vec<(Phase, DateTime<Utc>)>,
    /// What the review found, in order.
    pub findings: Vec<(DateTime<Utc>, Finding)>,
    /// Its improvement items (ids into [`Drills::items`]), in order.
    pub items: Vec<String>,
    /// Who accepted its result, when, and with what comment.
    pub accepted: Option<(DateTime<Utc>, Accepted)>,
}

impl DrillView {
    pub fn is_running(&self) -> bool {
        self.verdict.is_none()
    }

    /// Whether measurement `i` belongs to the steady state after (else
    /// before) — for a probe.
    pub fn is_after(&self, i: usize) -> bool {
        self.steady_after_from.is_some_and(|from| i >= from)
    }

    /// The measurement of an expectation, if it has one yet.
    pub fn expectation(&self, name: &str) -> Option<&Measured> {
        self.measurements
            .iter()
            .map(|(_, m)| m)
            .rfind(|m| m.name == name && matches!(m.what, Measure::Detected | Measure::Missed))
    }

    fn say(&mut self, at: DateTime<Utc>, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.remove(0);
        }
        self.log.push((at, line));
    }
}

/// Every drill, by id, and the last result of each scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drills {
    pub drills: BTreeMap<String, DrillView>,
    /// Scenario id → (verdict, when) of its latest finished drill.
    pub last: BTreeMap<String, (Verdict, DateTime<Utc>)>,
    /// The newest row applied: a row seen twice (replay, then the log's
    /// priming) counts once.
    pub last_id: i64,
    /// Every improvement item, by id: its newest row and when it was
    /// first recorded.
    pub items: BTreeMap<String, Item>,
}

/// An improvement item as it now is.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub now: Improvement,
    pub recorded: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

impl Drills {
    /// The improvement items, open and in progress first (overdue first
    /// among them, then by due day), done last; newest recorded first
    /// otherwise.
    pub fn items_sorted(&self, today: chrono::NaiveDate) -> Vec<&Item> {
        let mut v: Vec<&Item> = self.items.values().collect();
        v.sort_by(|a, b| {
            let key = |x: &Item| {
                (
                    x.now.status == super::payloads::ItemStatus::Done,
                    !x.now.overdue(today),
                    x.now.due.unwrap_or(chrono::NaiveDate::MAX),
                    std::cmp::Reverse(x.recorded),
                )
            };
            key(a).cmp(&key(b))
        });
        v
    }

    pub fn apply(&mut self, ev: &Event) {
        if ev.id > 0 && ev.id <= self.last_id {
            return;
        }
        self.last_id = self.last_id.max(ev.id);
        let Some(kind) = EventKind::parse(&ev.kind) else {
            return;
        };
        let Some(d) = DrillEvent::from_event(kind, &ev.payload) else {
            return;
        };
        let ts = ev.ts;
        match d {
            DrillEvent::Started(s) => {
                let mut v = DrillView {
                    id: s.drill.clone(),
                    scenario: s.scenario,
                    title: s.title,
                    commander: s.commander.clone(),
                    actor: ev.actor.clone(),
                    headless: s.headless,
                    chaostoolkit: s.chaostoolkit,
                    owner: s.owner,
                    started: ts,
                    ended: None,
                    phase: Phase::Preflight,
                    group: None,
                    held: None,
                    expect: s.expect,
                    recovery_within: s.recovery_within,
                    ack_within: s.ack_within,
                    first_inject: None,
                    measurements: Vec::new(),
                    steady_after_from: None,
                    faults: Vec::new(),
                    plan_run: None,
                    verdict: None,
                    reason: String::new(),
                    mttd: None,
                    mtta: None,
                    mttr: None,
                    log: Vec::new(),
                    phases: Vec::new(),
                    findings: Vec::new(),
                    items: Vec::new(),
                    accepted: None,
                };
                v.say(ts, format!("drill started by {}", s.commander));
                self.drills.insert(s.drill, v);
            }
            DrillEvent::Phase(p) => {
                if let Some(v) = self.drills.get_mut(&p.drill) {
                    v.phase = p.phase;
                    v.group = p.group;
                    v.held = None;
                    if p.phase == Phase::Inject && v.first_inject.is_none() {
                        v.first_inject = Some(ts);
                    }
                    if v.phases.last().map(|(ph, _)| *ph) != Some(p.phase) {
                        v.phases.push((p.phase, ts));
                    }
                    if p.phase == Phase::SteadyAfter && v.steady_after_from.is_none() {
                        v.steady_after_from = Some(v.measurements.len());
                    }
                    let line = match p.group {
                        Some(g) => format!("phase: {} (group {})", p.phase.as_str(), g + 1),
                        None => format!("phase: {}", p.phase.as_str()),
                    };
                    v.say(ts, line);
                }
            }
            DrillEvent::Gate(g) => {
                if let Some(v) = self.drills.get_mut(&g.drill) {
                    match g.state {
                        GateState::Held => {
                            v.held = Some((g.phase, g.by.clone()));
                            v.say(
                                ts,
                                format!(
                                    "held before {} by {} (Space goes on)",
                                    g.phase.as_str(),
                                    g.by
                                ),
                            );
                        }
                        GateState::Advanced => {
                            v.held = None;
                            v.say(
                                ts,
                                format!("gate before {} passed by {}", g.phase.as_str(), g.by),
                            );
                        }
                    }
                }
            }
            DrillEvent::Measured(m) => {
                if let Some(v) = self.drills.get_mut(&m.drill) {
                    let line = describe(&m);
                    match m.what {
                        Measure::Fault if m.ok => v.faults.push(m.name.clone()),
                        Measure::PlanRun => v.plan_run = Some(m.name.clone()),
                        _ => {}
                    }
                    v.say(ts, line);
                    v.measurements.push((ts, m));
                }
            }
            DrillEvent::Finished(f) => {
                if let Some(v) = self.drills.get_mut(&f.drill) {
                    v.verdict = Some(f.verdict);
                    v.ended = Some(ts);
                    v.held = None;
                    v.mttd = f.mttd;
                    v.mtta = f.mtta;
                    v.mttr = f.mttr;
                    v.reason = f.reason.clone();
                    let why = if f.reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", f.reason)
                    };
                    v.say(ts, format!("drill {}{why}", f.verdict.as_str()));
                    self.last.insert(v.scenario.clone(), (f.verdict, ts));
                }
            }
            DrillEvent::AbortRequested(a) => {
                if let Some(v) = self.drills.get_mut(&a.drill) {
                    v.say(ts, format!("abort asked by {}: {}", a.by, a.reason));
                }
            }
            DrillEvent::Finding(f) => {
                if let Some(v) = self.drills.get_mut(&f.drill) {
                    v.say(ts, format!("finding by {}: {}", f.by, f.text));
                    v.findings.push((ts, f));
                }
            }
            DrillEvent::Improvement(i) => {
                if let Some(v) = self.drills.get_mut(&i.drill)
                    && !v.items.contains(&i.item)
                {
                    v.say(ts, format!("improvement {}: {}", i.item, i.title));
                    v.items.push(i.item.clone());
                }
                let recorded = self.items.get(&i.item).map_or(ts, |x| x.recorded);
                self.items.insert(
                    i.item.clone(),
                    Item {
                        now: i,
                        recorded,
                        updated: ts,
                    },
                );
            }
            DrillEvent::Accepted(a) => {
                if let Some(v) = self.drills.get_mut(&a.drill) {
                    let comment = if a.comment.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", a.comment)
                    };
                    v.say(ts, format!("accepted by {}{comment}", a.by));
                    v.accepted = Some((ts, a));
                }
            }
            DrillEvent::Interrupted(i) => {
                if let Some(v) = self.drills.get_mut(&i.drill)
                    && v.verdict.is_none()
                {
                    v.verdict = Some(Verdict::Interrupted);
                    v.ended = Some(ts);
                    v.held = None;
                    v.reason = format!("its console went away (found by {})", i.by);
                    v.say(ts, format!("drill interrupted: {}", v.reason));
                    self.last
                        .insert(v.scenario.clone(), (Verdict::Interrupted, ts));
                }
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&DrillView> {
        self.drills.get(id)
    }

    /// Drills still running, oldest first.
    pub fn running(&self) -> impl Iterator<Item = &DrillView> {
        self.drills.values().filter(|d| d.is_running())
    }

    /// Every drill, newest first.
    pub fn newest_first(&self) -> Vec<&DrillView> {
        let mut v: Vec<&DrillView> = self.drills.values().collect();
        v.sort_by_key(|d| std::cmp::Reverse(d.started));
        v
    }
}

/// One progress-log line for a measurement.
pub fn describe(m: &Measured) -> String {
    let at = m.secs.map(|s| format!(" at +{s}s")).unwrap_or_default();
    let tail = if m.detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", m.detail)
    };
    match m.what {
        Measure::Detected if m.ok => format!("detected {}{at}", m.name),
        Measure::Detected => format!("detected {} late{at}", m.name),
        Measure::Missed => format!("MISSED {}{tail}", m.name),
        Measure::Acked => format!("first acknowledgement{at}"),
        Measure::Mitigated if m.ok => format!("mitigated: plan run {} succeeded{at}", m.name),
        Measure::Mitigated => format!("plan run {} did not succeed{tail}", m.name),
        Measure::Recovered if m.ok => format!("recovered{at}"),
        Measure::Recovered => format!("NOT recovered{tail}"),
        Measure::Probe if m.ok => format!("probe {} holds", m.name),
        Measure::Probe => format!("probe {} FAILED{tail}", m.name),
        Measure::Guard => format!("guard {} fired{tail}", m.name),
        Measure::Fault if m.ok => format!("fault {} in{tail}", m.name),
        Measure::Fault => format!("fault {} could not be injected{tail}", m.name),
        Measure::PlanRun => format!("plan run {} started{at}", m.name),
        Measure::Activity if m.ok => format!("{} succeeded{tail}", m.name),
        Measure::Activity => format!("{} FAILED{tail}", m.name),
        Measure::Skipped => format!("{} skipped{tail}", m.name),
    }
}
