//! Chaos drills: the scenario file model, the pure drill runner and the
//! `drill.*` payloads.

pub mod drills;
pub mod payloads;
pub mod review;
pub mod run;
pub mod scenario;
pub mod validate;

pub use run::{DrillRun, Out};
pub use scenario::Scenario;

use serde::{Deserialize, Serialize};

/// When rollbacks run (`--rollback-strategy`). cocpit's default is
/// `always`; Chaos Toolkit's `default` skips them when the method failed
/// or the run was interrupted, which leaves faults behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackStrategy {
    /// Chaos Toolkit's default: rollbacks run unless the run failed or was
    /// interrupted.
    Default,
    #[default]
    Always,
    Never,
    /// Only when the steady state deviated after the method.
    Deviated,
}

impl RollbackStrategy {
    pub fn parse(s: &str) -> Option<RollbackStrategy> {
        match s {
            "default" => Some(RollbackStrategy::Default),
            "always" => Some(RollbackStrategy::Always),
            "never" => Some(RollbackStrategy::Never),
            "deviated" => Some(RollbackStrategy::Deviated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RollbackStrategy::Default => "default",
            RollbackStrategy::Always => "always",
            RollbackStrategy::Never => "never",
            RollbackStrategy::Deviated => "deviated",
        }
    }
}
