//! The scenario behind the demo: the validated model the simulator runs,
//! and loading it (embedded in the binary or from a user directory).
//! Everything is resolved to indices at load time, so stepping the simulator
//! never looks a name up and cannot fail. File shapes live in `files`,
//! checks in `validate`, error locations in `doc`.

mod files;
mod validate;

use super::SimFaultKind;
use crate::domain::{MetricKind, Severity};
use crate::spec::SourceFile;
use serde::Deserialize;
use std::path::Path;

pub(super) const SERVICES: &str = "services.yaml";
pub(super) const RULES: &str = "rules.yaml";
pub(super) const NOTICES: &str = "notices.yaml";
pub(super) const INCIDENTS: &str = "incidents.yaml";

/// Compiled in so the binary shows the demo from any working directory.
pub(super) const EMBEDDED: [(&str, &str); 4] = [
    (
        SERVICES,
        include_str!("../../../../fixtures/demo/services.yaml"),
    ),
    (RULES, include_str!("../../../../fixtures/demo/rules.yaml")),
    (
        NOTICES,
        include_str!("../../../../fixtures/demo/notices.yaml"),
    ),
    (
        INCIDENTS,
        include_str!("../../../../fixtures/demo/incidents.yaml"),
    ),
];

/// Upper bound for any latency the model produces; keeps a fat-fingered
/// fault (or a hostile file) from pushing values towards infinity.
pub(crate) use crate::domain::fault::sim::MAX_LATENCY_MS;

/// The four series every service exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Metric {
    LatencyP99,
    ErrorRate,
    Cpu,
    Saturation,
}

impl Metric {
    pub(crate) const ALL: [Metric; 4] = [
        Metric::LatencyP99,
        Metric::ErrorRate,
        Metric::Cpu,
        Metric::Saturation,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Metric::LatencyP99 => "latency_p99",
            Metric::ErrorRate => "error_rate",
            Metric::Cpu => "cpu",
            Metric::Saturation => "saturation",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == s)
    }

    /// Position in the per-service `[f64; 4]` arrays.
    pub(crate) fn idx(self) -> usize {
        self as usize
    }

    pub(crate) fn unit(self) -> &'static str {
        match self {
            Metric::LatencyP99 => "ms",
            _ => "%",
        }
    }

    pub(crate) fn kind(self) -> MetricKind {
        match self {
            Metric::LatencyP99 => MetricKind::LatencyP99,
            Metric::ErrorRate => MetricKind::ErrorRate,
            Metric::Cpu => MetricKind::Cpu,
            Metric::Saturation => MetricKind::Saturation,
        }
    }

    /// How the metric reads in a sentence ("payments p99 latency 1.8 s").
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            Metric::LatencyP99 => "p99 latency",
            Metric::ErrorRate => "error rate",
            Metric::Cpu => "CPU",
            Metric::Saturation => "saturation",
        }
    }

    pub(crate) fn max(self) -> f64 {
        match self {
            Metric::LatencyP99 => MAX_LATENCY_MS,
            _ => 100.0,
        }
    }
}

/// A validated scenario. Only [`Scenario::embedded`] and
/// [`Scenario::from_dir`] build one, so holding one means it is consistent.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub(crate) dynamics: Dynamics,
    pub(crate) services: Vec<Service>,
    /// Service indices, dependencies before their callers.
    pub(crate) topo: Vec<usize>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) notices: Vec<Notice>,
    pub(crate) rotation: Option<Rotation>,
    pub(crate) incidents: Vec<Incident>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dynamics {
    pub(crate) tau_s: f64,
    pub(crate) load_amplitude: f64,
    pub(crate) load_period_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Service {
    pub(crate) name: String,
    pub(crate) team: String,
    pub(crate) deps: Vec<usize>,
    pub(crate) timeout_ms: f64,
    pub(crate) error_propagation: f64,
    pub(crate) saturation_gain: f64,
    pub(crate) load_sensitivity: f64,
    /// Indexed by [`Metric::idx`].
    pub(crate) baseline: [f64; 4],
    pub(crate) noise: [f64; 4],
    pub(crate) waves: Vec<Wave>,
    /// Steady-state p99 with no load swing and no faults; saturation scales
    /// with latency relative to this.
    pub(crate) nominal_latency_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wave {
    pub(crate) metric: Metric,
    pub(crate) amplitude: f64,
    pub(crate) period_s: f64,
    pub(crate) phase_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) metric: Metric,
    pub(crate) services: Vec<usize>,
    /// Ascending thresholds (validated), at least one.
    pub(crate) levels: Vec<Level>,
    pub(crate) for_s: u32,
    pub(crate) clear_for_s: u32,
    /// The summary is rewritten only when the value moves by more than this
    /// fraction and at most every `summary_every_s`: each rewrite becomes an
    /// `alarm.updated` journal event, and the chart shows the live value.
    pub(crate) summary_deadband: f64,
    pub(crate) summary_every_s: u32,
    pub(crate) summary: String,
    pub(crate) description: String,
    pub(crate) runbook_url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Level {
    pub(crate) severity: Severity,
    pub(crate) threshold: f64,
    pub(crate) clear_below: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Notice {
    pub(crate) name: String,
    pub(crate) service: usize,
    pub(crate) severity: Severity,
    pub(crate) start_at: u64,
    pub(crate) repeat: Option<Repeat>,
    pub(crate) summary: String,
    pub(crate) description: String,
    pub(crate) runbook_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Repeat {
    /// Inclusive range of quiet seconds between two occurrences.
    pub(crate) gap_s: [u64; 2],
    /// Inclusive range of how long one occurrence lasts.
    pub(crate) duration_s: [u64; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rotation {
    pub(crate) start_at: u64,
    pub(crate) every_s: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incident {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) duration_s: u64,
    pub(crate) effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Effect {
    pub(crate) service: usize,
    pub(crate) fault: SimFaultKind,
    pub(crate) ramp_s: u64,
    pub(crate) pulse: Option<Pulse>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pulse {
    pub(crate) on_s: u64,
    pub(crate) off_s: u64,
}

/// Why a scenario could not be loaded: the spec loader's error.
pub use crate::spec::SpecError as ScenarioError;

impl Scenario {
    /// The demo shipped inside the binary (`fixtures/demo/*.yaml`).
    pub fn embedded() -> Result<Scenario, ScenarioError> {
        let files = EMBEDDED
            .iter()
            .map(|(name, text)| SourceFile {
                display: format!("fixtures/demo/{name}"),
                text: Some((*text).to_string()),
            })
            .collect::<Vec<_>>();
        validate::load(&files)
    }

    /// A user's copy of the demo directory. `services.yaml` and `rules.yaml`
    /// are required; `notices.yaml` and `incidents.yaml` may be left out.
    pub fn from_dir(dir: &Path) -> Result<Scenario, ScenarioError> {
        let files = EMBEDDED
            .iter()
            .map(|(name, _)| crate::spec::read(&dir.join(name), optional(name)))
            .collect::<Result<Vec<_>, _>>()?;
        validate::load(&files)
    }

    /// Service names in file order.
    pub fn service_names(&self) -> Vec<String> {
        self.services.iter().map(|s| s.name.clone()).collect()
    }

    /// Alarm names the scenario can raise (rules, then notices).
    pub fn alarm_names(&self) -> Vec<String> {
        self.rules
            .iter()
            .map(|r| r.name.clone())
            .chain(self.notices.iter().map(|n| n.name.clone()))
            .collect()
    }

    /// Scripted incident names in rotation order.
    pub fn incident_names(&self) -> Vec<String> {
        self.incidents.iter().map(|i| i.name.clone()).collect()
    }
}

fn optional(name: &str) -> bool {
    name == NOTICES || name == INCIDENTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_nominal_latency_sums_capped_dependencies() {
        let sc = Scenario::embedded().unwrap();
        for &i in &sc.topo {
            let s = &sc.services[i];
            assert!(s.nominal_latency_ms >= s.baseline[0]);
            for &d in &s.deps {
                let pos = |x| sc.topo.iter().position(|&t| t == x);
                assert!(pos(d) < pos(i), "{} before {}", sc.services[d].name, s.name);
            }
        }
    }
}
