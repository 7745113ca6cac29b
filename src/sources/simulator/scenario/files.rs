//! The YAML shapes of the four scenario files, as written by users. Unknown
//! fields are errors so a typo never silently falls back to a default.

use super::super::SimFaultKind;
use super::{Repeat, Rotation};
use crate::domain::Severity;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServicesFile {
    #[serde(default)]
    pub(super) dynamics: DynamicsRaw,
    #[serde(default)]
    pub(super) services: Vec<ServiceRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct DynamicsRaw {
    pub(super) tau_s: f64,
    pub(super) load: LoadRaw,
}

impl Default for DynamicsRaw {
    fn default() -> Self {
        DynamicsRaw {
            tau_s: 3.0,
            load: LoadRaw::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct LoadRaw {
    pub(super) amplitude: f64,
    pub(super) period_s: f64,
}

impl Default for LoadRaw {
    fn default() -> Self {
        LoadRaw {
            amplitude: 0.1,
            period_s: 1200.0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServiceRaw {
    pub(super) name: String,
    #[serde(default)]
    pub(super) team: Option<String>,
    #[serde(default)]
    pub(super) depends_on: Vec<String>,
    #[serde(default = "default_timeout")]
    pub(super) timeout_ms: f64,
    #[serde(default = "default_propagation")]
    pub(super) error_propagation: f64,
    #[serde(default = "default_saturation_gain")]
    pub(super) saturation_gain: f64,
    #[serde(default = "one")]
    pub(super) load_sensitivity: f64,
    pub(super) baseline: BaselineRaw,
    #[serde(default)]
    pub(super) noise: NoiseRaw,
    #[serde(default)]
    pub(super) waves: Vec<WaveRaw>,
}

fn default_timeout() -> f64 {
    1000.0
}
fn default_propagation() -> f64 {
    0.8
}
fn default_saturation_gain() -> f64 {
    0.3
}
fn one() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BaselineRaw {
    pub(super) latency_p99: f64,
    pub(super) error_rate: f64,
    pub(super) cpu: f64,
    pub(super) saturation: f64,
}

/// Noise standard deviation as a fraction of the value (latency) or of the
/// distance to the nearer of 0 and 100 (percentages).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct NoiseRaw {
    pub(super) latency_p99: f64,
    pub(super) error_rate: f64,
    pub(super) cpu: f64,
    pub(super) saturation: f64,
}

impl Default for NoiseRaw {
    fn default() -> Self {
        NoiseRaw {
            latency_p99: 0.04,
            error_rate: 0.15,
            cpu: 0.02,
            saturation: 0.01,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WaveRaw {
    pub(super) metric: String,
    pub(super) amplitude: f64,
    pub(super) period_s: f64,
    #[serde(default)]
    pub(super) phase_s: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RulesFile {
    #[serde(default)]
    pub(super) defaults: RuleDefaults,
    #[serde(default)]
    pub(super) rules: Vec<RuleRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RuleDefaults {
    #[serde(rename = "for")]
    pub(super) for_s: u32,
    pub(super) clear_for: u32,
    /// `clear_below` for levels that do not set one, as a fraction of the
    /// threshold.
    pub(super) clear_ratio: f64,
    pub(super) summary_deadband: f64,
    pub(super) summary_every_s: u32,
}

impl Default for RuleDefaults {
    fn default() -> Self {
        RuleDefaults {
            for_s: 5,
            clear_for: 10,
            clear_ratio: 0.9,
            summary_deadband: 0.1,
            summary_every_s: 15,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleRaw {
    pub(super) name: String,
    pub(super) metric: String,
    pub(super) services: ServiceSelection,
    #[serde(default = "greater")]
    pub(super) operator: String,
    #[serde(default)]
    pub(super) warn: Option<f64>,
    #[serde(default)]
    pub(super) major: Option<f64>,
    #[serde(default)]
    pub(super) crit: Option<f64>,
    /// Per level (`warn`, `major`, `crit`): the value must drop below this
    /// before the alarm may clear.
    #[serde(default)]
    pub(super) clear_below: BTreeMap<String, f64>,
    #[serde(rename = "for", default)]
    pub(super) for_s: Option<u32>,
    #[serde(default)]
    pub(super) clear_for: Option<u32>,
    #[serde(default)]
    pub(super) summary: Option<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) runbook_url: Option<String>,
}

fn greater() -> String {
    ">".to_string()
}

/// `services: all` or `services: [a, b]`. Hand-written rather than
/// `untagged` so a mistake gets a precise message instead of "did not match
/// any variant".
#[derive(Debug)]
pub(super) enum ServiceSelection {
    All,
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for ServiceSelection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ServiceSelection;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`all` or a list of service names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "all" {
                    Ok(ServiceSelection::All)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(ServiceSelection::List(names))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticesFile {
    #[serde(default)]
    pub(super) notices: Vec<NoticeRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticeRaw {
    pub(super) name: String,
    pub(super) service: String,
    #[serde(default = "info")]
    pub(super) severity: Severity,
    #[serde(default)]
    pub(super) start_at: u64,
    #[serde(default)]
    pub(super) repeat: Option<Repeat>,
    pub(super) summary: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) runbook_url: Option<String>,
}

fn info() -> Severity {
    Severity::Info
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IncidentsFile {
    #[serde(default)]
    pub(super) rotation: Option<Rotation>,
    #[serde(default)]
    pub(super) incidents: Vec<IncidentRaw>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IncidentRaw {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    pub(super) duration_s: u64,
    pub(super) effects: Vec<EffectRaw>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EffectRaw {
    pub(super) service: String,
    pub(super) fault: SimFaultKind,
    #[serde(default)]
    pub(super) ramp_s: u64,
    #[serde(default)]
    pub(super) pulse: Option<PulseRaw>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PulseRaw {
    pub(super) on_s: u64,
    pub(super) off_s: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_accept_all_or_list_only() {
        let ok: RuleRaw =
            serde_norway::from_str("name: X\nmetric: cpu\nservices: all\nwarn: 1\n").unwrap();
        assert!(matches!(ok.services, ServiceSelection::All));
        let err = serde_norway::from_str::<RuleRaw>("name: X\nmetric: cpu\nservices: some\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`all` or a list"), "{err}");
    }
}
