//! The provider trait: one kind of fault (pause a process, fill a disk,
//! add a toxic …). The contract every provider keeps:
//!
//! - `prepare` says what recovery will need *before* anything is touched
//!   (file path, rule comment, toxic name, the pids to resume), so a crash
//!   in the middle of `inject` still leaves a recoverable record.
//! - `inject` returns the final record, or undoes its own partial work and
//!   fails.
//! - `recover` is idempotent: recovering something already gone succeeds.
//! - `check` says whether the fault is still in place.
//!
//! Providers block (they run children, wait on HTTP): they run on the
//! runtime's blocking threads, in the CLI or in the watchdog, never in `app`.

use crate::domain::fault::{FaultSpec, RecoveryRecord};
use chrono::{DateTime, Utc};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Active,
    Gone,
    Unknown(String),
}

/// What a provider knows about the injection beyond the spec.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub id: String,
    pub deadline: DateTime<Utc>,
    /// The cocpit binary (for `cocpit burn`).
    pub exe: PathBuf,
}

impl Ctx {
    /// The tag every rule, toxic, file and child carries: `cocpit-<id>`.
    pub fn tag(&self) -> String {
        format!("cocpit-{}", self.id)
    }
}

pub trait Provider: Send + Sync {
    fn name(&self) -> &'static str;
    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String>;
    fn inject(
        &self,
        spec: &FaultSpec,
        ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String>;
    /// Ok carries a short detail for the log.
    fn recover(&self, record: &RecoveryRecord) -> Result<String, String>;
    fn check(&self, record: &RecoveryRecord) -> Health;
}

// Records and parameters are part of the pure fault model; providers use
// them from here.
pub use crate::domain::fault::{data, opt_param, param, record};

/// Every provider cocpit ships, in [`catalog`](crate::domain::fault::catalog) order.
pub fn registry() -> Vec<Box<dyn Provider>> {
    use super::providers::*;
    vec![
        // `sim` first: the inject form starts on it, and it only touches the demo.
        Box::new(sim::Sim),
        Box::new(process::Process),
        Box::new(burn::Burn {
            kind: burn::Kind::Cpu,
        }),
        Box::new(burn::Burn {
            kind: burn::Kind::Memory,
        }),
        Box::new(disk::Disk),
        Box::new(command::Command),
        Box::new(http::Http),
        Box::new(network::Network),
        Box::new(proxy::Proxy),
        Box::new(toxiproxy::Toxiproxy),
    ]
}

pub fn by_name(name: &str) -> Option<Box<dyn Provider>> {
    registry().into_iter().find(|p| p.name() == name)
}

/// The providers' names, as the catalog lists them.
pub fn names() -> Vec<&'static str> {
    crate::domain::fault::catalog::names()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registry_is_the_catalog() {
        let built: Vec<&str> = super::registry().iter().map(|p| p.name()).collect();
        assert_eq!(built, crate::domain::fault::catalog::names());
    }
}
