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
        for fault in self.faults.values() {
            if let Some(i) = sc.services.iter().position(|s| s.name == fault.service) {
                impairments[i].add(&fault.kind);
            }
        }
        for (service, kind) in incident::effects_at(sc, t) {
            impairments[service].add(&kind);
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
            incidents: incident::changes_at(sc, t),
        }
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
