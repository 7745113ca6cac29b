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

    /// Whether the spec can be injected at all — the target exists (a
    /// live process, a directory, a network namespace …) and the action
    /// and parameters make sense — checked before the intent is journaled,
    /// so a fault on a target that does not exist is refused with the
    /// reason instead of reporting itself active. Touches nothing. By
    /// default: what `prepare` checks (it touches nothing either).
    fn validate(&self, spec: &FaultSpec) -> Result<(), String> {
        self.prepare(spec, &Ctx::probe()).map(|_| ())
    }
}

impl Ctx {
    /// A context for [`Provider::validate`]: no fault id yet.
    pub fn probe() -> Ctx {
        Ctx {
            id: "validate".into(),
            deadline: Utc::now() + chrono::Duration::minutes(1),
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cocpit")),
        }
    }
}

/// Validate `spec` with its provider (see [`Provider::validate`]).
pub fn validate(spec: &FaultSpec) -> Result<(), String> {
    match by_name(&spec.provider) {
        Some(p) => p.validate(spec),
        None => Err(format!(
            "unknown provider {:?} (known: {})",
            spec.provider,
            names().join(", ")
        )),
    }
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
    use super::*;

    fn spec(provider: &str, target: &str, action: &str, params: &[(&str, &str)]) -> FaultSpec {
        FaultSpec {
            provider: provider.into(),
            target: target.into(),
            action: action.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            duration_secs: 30,
            guard: None,
            probe: None,
        }
    }

    #[test]
    fn targets_that_do_not_exist_are_refused_with_the_reason() {
        let e = validate(&spec("process", "pid:999999999", "pause", &[])).unwrap_err();
        assert!(e.contains("999999999"), "{e}");
        let e = validate(&spec("disk", "dir:/no/such/dir", "", &[("size", "1M")])).unwrap_err();
        assert!(e.contains("not a directory"), "{e}");
        let e = validate(&spec(
            "network",
            "netns:nosuchns",
            "loss",
            &[("dest", "10.0.0.1")],
        ))
        .unwrap_err();
        assert!(e.contains("nosuchns"), "{e}");
        let e = validate(&spec("cpu", "elsewhere", "", &[])).unwrap_err();
        assert!(e.contains("local"), "{e}");
        assert!(validate(&spec("sim", "sim:", "latency", &[])).is_err());
        assert!(validate(&spec("nope", "x", "", &[])).is_err());
        // What exists is accepted.
        let me = format!("pid:{}", std::process::id());
        let e = validate(&spec("process", &me, "pause", &[])).unwrap_err();
        assert!(
            e.contains("cocpit") || e.contains("own"),
            "its own process is refused: {e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let target = format!("dir:{}", dir.path().display());
        assert_eq!(
            validate(&spec("disk", &target, "", &[("size", "1M")])),
            Ok(())
        );
        assert_eq!(validate(&spec("cpu", "local", "", &[])), Ok(()));
        assert_eq!(
            validate(&spec("sim", "sim:payments", "latency", &[])),
            Ok(())
        );
    }

    #[test]
    fn the_registry_is_the_catalog() {
        let built: Vec<&str> = super::registry().iter().map(|p| p.name()).collect();
        assert_eq!(built, crate::domain::fault::catalog::names());
    }
}
