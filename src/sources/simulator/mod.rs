//! The embedded demo environment: a small simulated service graph whose
//! metrics react to injected faults and scripted incidents, raising and
//! clearing alarms. Pure and deterministic: no clock, no I/O in [`Simulator::step`];
//! the same scenario and seed always produce the same [`SimTick`] sequence.
//! The caller owns time: it calls `step` once per simulated second.

mod incident;
mod model;
mod noise;
mod notices;
mod rules;
mod scenario;

pub use scenario::{Scenario, ScenarioError};

/// The demo's faults are part of the fault model (the `sim` provider makes them).
pub use crate::domain::fault::sim::{SimFault, SimFaultKind};
use crate::domain::{ObservedAlarm, SeriesMeta, Severity};
use chrono::{DateTime, Utc};
use model::{Graph, Impairment};
use noise::NoiseField;
use notices::NoticeState;
use rules::RuleEngine;
use scenario::{MAX_LATENCY_MS, Metric};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Name the simulator reports as its alarm and metric source.
pub const SOURCE_NAME: &str = "demo";

/// A scripted incident starting or ending on this tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentChange {
    pub started: bool,
    pub name: String,
    pub description: String,
}

/// Everything one simulated second produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimTick {
    /// `(series id, value)` for every series in [`Simulator::catalog`], in
    /// catalog order, every tick.
    pub samples: Vec<(String, f64)>,
    /// The complete set of alarms firing after this step; diff it against
    /// the previous set to get raised/updated/resolved.
    pub firing: Vec<ObservedAlarm>,
    pub incidents: Vec<IncidentChange>,
}

/// The demo environment. See the module docs.
#[derive(Debug, Clone)]
pub struct Simulator {
    scenario: Scenario,
    tick: u64,
    graph: Graph,
    noise: NoiseField,
    rules: RuleEngine,
    notices: Vec<NoticeState>,
    faults: BTreeMap<u64, SimFault>,
    next_fault_id: u64,
    series_ids: Vec<String>,
    /// A drill has the environment: the scripted incidents pause, so
    /// what the drill observes is what it injected.
    quiet: bool,
}

impl Simulator {
    pub fn new(scenario: Scenario, seed: u64) -> Simulator {
        let graph = Graph::new(&scenario);
        let noise = NoiseField::new(seed, scenario.services.len());
        let rules = RuleEngine::new(&scenario);
        let notices = scenario
            .notices
            .iter()
            .enumerate()
            .map(|(i, n)| NoticeState::new(n, seed, i as u64))
            .collect();
        let series_ids = scenario
            .services
            .iter()
            .flat_map(|s| Metric::ALL.map(|m| series_id(&s.name, m)))
            .collect();
        Simulator {
            scenario,
            tick: 0,
            graph,
            noise,
            rules,
            notices,
            faults: BTreeMap::new(),
            next_fault_id: 1,
            series_ids,
            quiet: false,
        }
    }

    pub fn source_name(&self) -> &str {
        SOURCE_NAME
    }

    /// One series per service × metric, with warn/crit taken from the
    /// lowest matching rule thresholds so charts can draw the lines.
    pub fn catalog(&self) -> Vec<SeriesMeta> {
        let mut out = Vec::with_capacity(self.series_ids.len());
        for (si, s) in self.scenario.services.iter().enumerate() {
            for m in Metric::ALL {
                let levels = self
                    .scenario
                    .rules
                    .iter()
                    .filter(|r| r.metric == m && r.services.contains(&si))
                    .flat_map(|r| r.levels.iter());
                let mut warn: Option<f64> = None;
                let mut crit: Option<f64> = None;
                for l in levels {
                    let slot = if l.severity == Severity::Critical {
                        &mut crit
                    } else {
                        &mut warn
                    };
                    *slot = Some(slot.map_or(l.threshold, |v| v.min(l.threshold)));
                }
                out.push(SeriesMeta {
                    id: series_id(&s.name, m),
                    group: s.name.clone(),
                    kind: m.kind(),
                    name: format!("{} {}", s.name, m.phrase()),
                    unit: m.unit().to_string(),
                    warn,
                    crit,
                });
            }
        }
        out
    }

    /// Steps taken so far; the first `step` produces tick 1.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Advance one simulated second. `now` only stamps `starts_at` of newly
    /// firing alarms; the dynamics depend on the seed and tick count alone.
    pub fn step(&mut self, now: DateTime<Utc>) -> SimTick {
        self.tick += 1;
        let t = self.tick;
        let sc = &self.scenario;

        let mut impairments = vec![Impairment::default(); sc.services.len()];
        // A heal in force on a service suspends the scripted incidents there
        // (the injected faults still apply), so a plan's remedy shows.
        let mut healed = vec![false; sc.services.len()];
        for fault in self.faults.values() {
            if let Some(i) = sc.services.iter().position(|s| s.name == fault.service) {
                if fault.kind == SimFaultKind::Heal {
                    healed[i] = true;
                } else {
                    impairments[i].add(&fault.kind);
                }
            }
        }
        if !self.quiet {
            for (service, kind) in incident::effects_at(sc, t) {
                if !healed[service] {
                    impairments[service].add(&kind);
                }
            }
        }

        self.graph.advance(sc, t, &impairments);
        let values = self.noise.apply(sc, self.graph.values());

        let samples = self
            .series_ids
            .iter()
            .zip(values.iter().flat_map(|v| v.iter()))
            .map(|(id, v)| (id.clone(), *v))
            .collect();

        let mut firing = Vec::new();
        self.rules.evaluate(sc, &values, t, now, &mut firing);
        for (state, notice) in self.notices.iter_mut().zip(&sc.notices) {
            if let Some(alarm) = state.observe(sc, notice, t, now) {
                firing.push(alarm);
            }
        }

        SimTick {
            samples,
            firing,
            incidents: if self.quiet {
                Vec::new()
            } else {
                incident::changes_at(sc, t)
            },
        }
    }

    /// Pause (or resume) the scripted incidents while a drill runs.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// Start a fault; it takes effect from the next `step`. Magnitudes are
    /// clamped to sane ranges. A fault on a service the scenario does not
    /// have is kept (and listed) but affects nothing: check
    /// [`Simulator::services`] first.
    pub fn inject(&mut self, fault: SimFault) -> u64 {
        let id = self.next_fault_id;
        self.next_fault_id += 1;
        let kind = clamp_fault(fault.kind);
        self.faults.insert(
            id,
            SimFault {
                service: fault.service,
                kind,
            },
        );
        id
    }

    /// Stop a fault; `false` if no such fault is active.
    pub fn clear(&mut self, fault_id: u64) -> bool {
        self.faults.remove(&fault_id).is_some()
    }

    /// Active faults in injection order.
    pub fn active_faults(&self) -> Vec<(u64, SimFault)> {
        self.faults.iter().map(|(id, f)| (*id, f.clone())).collect()
    }

    pub fn services(&self) -> Vec<String> {
        self.scenario.service_names()
    }

    /// Name of the scripted incident in progress at the current tick.
    pub fn current_incident(&self) -> Option<String> {
        incident::active_at(&self.scenario, self.tick)
            .map(|a| self.scenario.incidents[a.incident].name.clone())
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

fn series_id(service: &str, metric: Metric) -> String {
    format!("{service}/{}", metric.key())
}

fn clamp_fault(kind: SimFaultKind) -> SimFaultKind {
    let clamp = |v: f64, max: f64| {
        if v.is_finite() {
            v.clamp(0.0, max)
        } else {
            0.0
        }
    };
    match kind {
        SimFaultKind::Latency { ms } => SimFaultKind::Latency {
            ms: clamp(ms, MAX_LATENCY_MS),
        },
        SimFaultKind::Errors { rate } => SimFaultKind::Errors {
            rate: clamp(rate, 1.0),
        },
        SimFaultKind::Cpu { percent } => SimFaultKind::Cpu {
            percent: clamp(percent, 100.0),
        },
        SimFaultKind::Kill => SimFaultKind::Kill,
        SimFaultKind::Heal => SimFaultKind::Heal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_kinds_round_trip_through_json_with_a_type_tag() {
        let f = SimFault {
            service: "payments".into(),
            kind: SimFaultKind::Latency { ms: 1500.0 },
        };
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(
            json,
            r#"{"service":"payments","kind":{"type":"latency","ms":1500.0}}"#
        );
        assert_eq!(serde_json::from_str::<SimFault>(&json).unwrap(), f);
        assert_eq!(f.to_string(), "payments: +1500 ms latency");
    }

    #[test]
    fn inject_clamps_nonsense_magnitudes() {
        let mut sim = Simulator::new(Scenario::embedded().unwrap(), 1);
        let id = sim.inject(SimFault {
            service: "payments".into(),
            kind: SimFaultKind::Errors { rate: f64::NAN },
        });
        let id2 = sim.inject(SimFault {
            service: "payments".into(),
            kind: SimFaultKind::Cpu { percent: 1e9 },
        });
        assert_eq!(
            sim.active_faults(),
            vec![
                (
                    id,
                    SimFault {
                        service: "payments".into(),
                        kind: SimFaultKind::Errors { rate: 0.0 }
                    }
                ),
                (
                    id2,
                    SimFault {
                        service: "payments".into(),
                        kind: SimFaultKind::Cpu { percent: 100.0 }
                    }
                )
            ]
        );
        assert!(sim.clear(id));
        assert!(!sim.clear(id));
    }

    /// p99 latency of `service` in a tick's samples.
    fn latency(tick: &SimTick, service: &str) -> f64 {
        let id = format!("{service}/latency_p99");
        tick.samples.iter().find(|(s, _)| *s == id).unwrap().1
    }

    fn run(sim: &mut Simulator, ticks: u64) -> Vec<SimTick> {
        let t0 = DateTime::<Utc>::from_timestamp(1_740_819_600, 0).unwrap();
        (0..ticks)
            .map(|_| {
                let now = t0 + chrono::Duration::seconds(sim.tick() as i64 + 1);
                sim.step(now)
            })
            .collect()
    }

    fn heal(service: &str) -> SimFault {
        SimFault {
            service: service.into(),
            kind: SimFaultKind::Heal,
        }
    }

    fn payments_alarm(tick: &SimTick) -> bool {
        tick.firing
            .iter()
            .any(|a| a.name == "PaymentsLatencyHigh" && a.service() == "payments")
    }

    /// Tick 60 is inside the payments latency regression (ticks 25..115 of
    /// the embedded rotation, at full strength from 45).
    fn in_payments_incident() -> Simulator {
        let mut sim = Simulator::new(Scenario::embedded().unwrap(), 3);
        let ticks = run(&mut sim, 60);
        assert_eq!(
            sim.current_incident().as_deref(),
            Some("payments latency regression")
        );
        let last = ticks.last().unwrap();
        assert!(
            latency(last, "payments") > 1500.0,
            "{}",
            latency(last, "payments")
        );
        assert!(payments_alarm(last));
        sim
    }

    #[test]
    fn heal_suspends_the_scripted_incident_on_its_service() {
        let mut unhealed = in_payments_incident();
        let mut healed = unhealed.clone();
        let id = healed.inject(heal("payments"));
        let baseline = 110.0 + 12.0;

        let h = run(&mut healed, 30);
        let u = run(&mut unhealed, 30);
        // Back near baseline within a few smoothing constants (tau 3 s).
        let back = h
            .iter()
            .position(|t| latency(t, "payments") < 2.0 * baseline)
            .expect("payments never came back");
        assert!(back < 20, "payments back only after {} ticks", back + 1);
        for t in &h[20..] {
            assert!(
                latency(t, "payments") < 2.0 * baseline,
                "{}",
                latency(t, "payments")
            );
        }
        // Its alarm clears (below 90 % of the warning for `clear_for`).
        assert!(!payments_alarm(h.last().unwrap()));
        // The incident itself is still on: the unhealed run stays high.
        assert_eq!(
            healed.current_incident().as_deref(),
            Some("payments latency regression")
        );
        for t in &u {
            assert!(
                latency(t, "payments") > 1500.0,
                "{}",
                latency(t, "payments")
            );
        }
        assert!(payments_alarm(u.last().unwrap()));

        // Ending the heal while the incident lasts (it ramps down from
        // tick 95 to 115) brings it back.
        assert!(healed.clear(id));
        let again = run(&mut healed, 10);
        assert!(latency(again.last().unwrap(), "payments") > 1000.0);
    }

    #[test]
    fn heal_leaves_injected_faults_and_other_services_alone() {
        let mut sim = in_payments_incident();
        let mut other = sim.clone();
        sim.inject(heal("payments"));
        sim.inject(SimFault {
            service: "payments".into(),
            kind: SimFaultKind::Latency { ms: 1000.0 },
        });
        // Healing another service does nothing for payments.
        other.inject(heal("inventory"));
        let h = run(&mut sim, 30);
        let o = run(&mut other, 30);
        let l = latency(h.last().unwrap(), "payments");
        assert!((900.0..1500.0).contains(&l), "healed + 1000 ms fault: {l}");
        let l = latency(o.last().unwrap(), "payments");
        assert!(l > 1500.0, "inventory healed, payments: {l}");
    }

    #[test]
    fn catalog_has_every_series_with_rule_thresholds() {
        let sim = Simulator::new(Scenario::embedded().unwrap(), 1);
        let cat = sim.catalog();
        assert_eq!(cat.len(), sim.services().len() * 4);
        let p = cat.iter().find(|m| m.id == "payments/latency_p99").unwrap();
        assert_eq!((p.group.as_str(), p.unit.as_str()), ("payments", "ms"));
        assert!(p.warn.is_some() && p.crit.is_some() && p.warn < p.crit);
    }
}
