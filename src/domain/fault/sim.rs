//! The demo environment's faults: what the `sim` provider asks the
//! simulator to do to one service, read from a fault spec and kept in the
//! recovery record, so every console's simulator can apply it from the
//! journal alone.

use super::{FaultSpec, RecoveryRecord, data, opt_param, target_name};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Highest latency the simulator models, in milliseconds.
pub const MAX_LATENCY_MS: f64 = 120_000.0;

/// What an operator (or a scripted incident) does to one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SimFaultKind {
    /// Extra latency added to every request the service handles.
    Latency { ms: f64 },
    /// Fraction of requests failed by the service itself, 0..=1.
    Errors { rate: f64 },
    /// Extra CPU burned, in percentage points.
    Cpu { percent: f64 },
    /// The service is down: every call fails fast.
    Kill,
    /// The scripted demo incidents have no effect on the service while this
    /// is in force, so its metrics move back to baseline (what a demo plan's
    /// remedy does). Other injected faults still apply.
    Heal,
}

impl SimFaultKind {
    /// Why the magnitude is unusable, if it is. [`Simulator::inject`]
    /// clamps instead of refusing; scenario files are rejected.
    pub fn check(&self) -> Result<(), String> {
        let (what, v, max) = match *self {
            SimFaultKind::Latency { ms } => ("latency ms", ms, MAX_LATENCY_MS),
            SimFaultKind::Errors { rate } => ("error rate", rate, 1.0),
            SimFaultKind::Cpu { percent } => ("cpu percent", percent, 100.0),
            SimFaultKind::Kill | SimFaultKind::Heal => return Ok(()),
        };
        if v.is_finite() && (0.0..=max).contains(&v) {
            Ok(())
        } else {
            Err(format!("{what} {v} is outside 0..={max}"))
        }
    }

    /// Same kind with its magnitude scaled by `k` (0..=1), for ramps.
    pub fn scaled(&self, k: f64) -> SimFaultKind {
        match *self {
            SimFaultKind::Latency { ms } => SimFaultKind::Latency { ms: ms * k },
            SimFaultKind::Errors { rate } => SimFaultKind::Errors { rate: rate * k },
            SimFaultKind::Cpu { percent } => SimFaultKind::Cpu {
                percent: percent * k,
            },
            SimFaultKind::Kill => SimFaultKind::Kill,
            SimFaultKind::Heal => SimFaultKind::Heal,
        }
    }
}

impl fmt::Display for SimFaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimFaultKind::Latency { ms } => write!(f, "+{ms} ms latency"),
            SimFaultKind::Errors { rate } => write!(f, "{}% errors", rate * 100.0),
            SimFaultKind::Cpu { percent } => write!(f, "+{percent}% CPU"),
            SimFaultKind::Kill => f.write_str("kill"),
            SimFaultKind::Heal => f.write_str("heal (scripted incidents suspended)"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimFault {
    pub service: String,
    pub kind: SimFaultKind,
}

impl fmt::Display for SimFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.service, self.kind)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SimRec {
    pub fault: SimFault,
}

fn number(spec: &FaultSpec, key: &str, default: f64) -> Result<f64, String> {
    match opt_param(spec, key) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{key}={v:?} is not a number")),
        None => Ok(default),
    }
}

/// The simulator fault a spec asks for.
pub fn sim_fault(spec: &FaultSpec) -> Result<SimFault, String> {
    let kind = match spec.action.as_str() {
        "latency" | "" => SimFaultKind::Latency {
            ms: number(spec, "ms", 800.0)?,
        },
        "errors" => SimFaultKind::Errors {
            rate: number(spec, "rate", 0.3)?,
        },
        "cpu" => SimFaultKind::Cpu {
            percent: number(spec, "percent", 60.0)?,
        },
        "kill" => SimFaultKind::Kill,
        "heal" => SimFaultKind::Heal,
        other => {
            return Err(format!(
                "sim: unknown action {other:?} (latency, errors, cpu, kill, heal)"
            ));
        }
    };
    kind.check()?;
    let service = target_name(&spec.target).to_string();
    if service.is_empty() {
        return Err("sim: target sim:SERVICE".into());
    }
    Ok(SimFault { service, kind })
}

/// The simulator fault in a `sim` record, if it is one.
pub fn from_record(record: &RecoveryRecord) -> Option<SimFault> {
    (record.provider == "sim")
        .then(|| data::<SimRec>(record).ok())
        .flatten()
        .map(|r| r.fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(action: &str) -> FaultSpec {
        FaultSpec {
            provider: "sim".into(),
            target: "sim:payments".into(),
            action: action.into(),
            params: Default::default(),
            duration_secs: 300,
            guard: None,
            probe: None,
        }
    }

    #[test]
    fn heal_is_an_action_with_no_magnitude() {
        let f = sim_fault(&spec("heal")).unwrap();
        assert_eq!(f.service, "payments");
        assert_eq!(f.kind, SimFaultKind::Heal);
        assert_eq!(f.kind.check(), Ok(()));
        assert_eq!(f.kind.scaled(0.5), SimFaultKind::Heal);
        assert_eq!(
            f.to_string(),
            "payments: heal (scripted incidents suspended)"
        );
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"service":"payments","kind":{"type":"heal"}}"#);
        assert_eq!(serde_json::from_str::<SimFault>(&json).unwrap(), f);
        let err = sim_fault(&spec("cure")).unwrap_err();
        assert!(err.contains("heal"), "{err}");
    }
}
