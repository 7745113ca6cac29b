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

use super::{FaultSpec, RecoveryRecord};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    /// One line for the inject form and `--help`: actions and parameters.
    fn usage(&self) -> &'static str;
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

/// Build a record from a provider's own data type.
pub fn record<T: Serialize>(
    provider: &str,
    summary: impl Into<String>,
    data: &T,
) -> RecoveryRecord {
    RecoveryRecord {
        provider: provider.to_string(),
        summary: summary.into(),
        data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
    }
}

/// Read a provider's own data back out of a record.
pub fn data<T: DeserializeOwned>(record: &RecoveryRecord) -> Result<T, String> {
    serde_json::from_value(record.data.clone())
        .map_err(|e| format!("{} recovery record unreadable: {e}", record.provider))
}

/// A required parameter.
pub fn param<'a>(spec: &'a FaultSpec, key: &str) -> Result<&'a str, String> {
    spec.params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{}: parameter {key}=… is required", spec.provider))
}

pub fn opt_param<'a>(spec: &'a FaultSpec, key: &str) -> Option<&'a str> {
    spec.params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Every provider cocpit ships.
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

pub fn names() -> Vec<&'static str> {
    registry().iter().map(|p| p.name()).collect()
}
