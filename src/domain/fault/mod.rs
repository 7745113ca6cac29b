//! The fault model, pure: what a fault is ([`FaultSpec`]), who owns it
//! ([`Owner`]), why it is recovered ([`Trigger`]), what recovery needs
//! ([`RecoveryRecord`]), the payloads of the `fault.*` journal events, and
//! the projections and decisions built on them: the [`ledger`], blast-radius
//! [`limits`], [`recovery`] (who recovers what, when), [`argv`] templating,
//! [`url`] parsing, the demo's [`sim`] faults and the provider [`catalog`].
//!
//! The order of every injection is fixed: the intent is committed to the
//! journal (`fault.intended`), then what recovery will need if we die half
//! way (`fault.injecting` with a prepared recovery record), then the
//! provider injects and the final record is committed (`fault.active`).
//! Recovery (`fault.recovering` → `fault.recovered` | `fault.failed`) can be
//! run by the console that owns the fault, by any other console, by the
//! `cocpit faults` CLI or by the detached watchdog, because everything it
//! needs is in the journal. The I/O half (providers, executor, watchdog,
//! CLI) is the `faults` adapter.

pub mod argv;
pub mod catalog;
pub mod ledger;
pub mod limits;
pub mod recovery;
pub mod sim;
pub mod url;

use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub use ledger::{Fault, FaultLedger, FaultState};

/// What to inject: the same shape from the inject form, the CLI and (later)
/// drill scenarios. `params` are provider-specific `key=value` pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    pub provider: String,
    pub target: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    pub duration_secs: u64,
    /// An alarm filter (`service=payments severity=critical`): when a
    /// matching alarm fires, the fault is recovered at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    /// An `http://` URL checked every couple of seconds while the fault is
    /// active: two failures in a row (no answer, or not 2xx) recover it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

impl FaultSpec {
    pub fn duration(&self) -> Duration {
        Duration::seconds(i64::try_from(self.duration_secs).unwrap_or(i64::MAX / 1000))
    }

    /// The part of the target after its `kind:` prefix: what an operator
    /// types to confirm (`pid:4242` → `4242`, `sim:payments` → `payments`).
    pub fn target_name(&self) -> &str {
        target_name(&self.target)
    }

    /// `provider action target`, for the log and the status bar.
    pub fn label(&self) -> String {
        if self.action.is_empty() {
            format!("{} {}", self.provider, self.target)
        } else {
            format!("{} {} {}", self.provider, self.action, self.target)
        }
    }
}

/// Every parameter of a spec as `(what, value)` lines, for a confirmation
/// that shows exactly what will be done.
pub fn describe(spec: &FaultSpec) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("provider", spec.provider.clone()),
        ("target", spec.target.clone()),
    ];
    if !spec.action.is_empty() {
        out.push(("action", spec.action.clone()));
    }
    if !spec.params.is_empty() {
        let params: Vec<String> = spec
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push(("params", params.join(" ")));
    }
    out.push(("duration", format_duration(spec.duration_secs)));
    if let Some(g) = &spec.guard {
        out.push(("guard", g.clone()));
    }
    if let Some(p) = &spec.probe {
        out.push(("probe", p.clone()));
    }
    out
}

pub fn target_name(target: &str) -> &str {
    match target.split_once(':') {
        Some((kind, rest))
            if !rest.is_empty()
                && !rest.starts_with("//")
                && kind.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            rest
        }
        _ => target,
    }
}

/// Who started a fault, or who is recovering it. `start` is the process's
/// start time in clock ticks since boot (`/proc/PID/stat` field 22): with
/// the pid it names one process even after the pid is reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Owner {
    pub kind: OwnerKind,
    /// `operator@host`.
    pub actor: String,
    pub host: String,
    pub pid: u32,
    #[serde(default)]
    pub start: u64,
    /// Random per console run: tells two runs of one pid apart in the log.
    #[serde(default)]
    pub instance: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    /// A console: it recovers its own faults, and when it is gone they are
    /// orphans for the next console (and the watchdog at the deadline).
    Console,
    /// `cocpit faults inject`: returns once the fault is active and leaves
    /// recovery to the watchdog; never an orphan.
    Cli,
    Watchdog,
}

impl Owner {
    pub fn label(&self) -> String {
        let kind = match self.kind {
            OwnerKind::Console => "console",
            OwnerKind::Cli => "cli",
            OwnerKind::Watchdog => "watchdog",
        };
        format!("{} ({kind} pid {})", self.actor, self.pid)
    }
}

/// Why a recovery started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Deadline,
    /// `x` on a fault, or `cocpit faults recover ID`.
    Operator,
    /// The panic key or `cocpit faults recover --all`.
    Panic,
    /// A guard alarm fired.
    Guard,
    /// The owning console quit normally.
    Exit,
    /// The owner is gone; found on a console's start.
    Orphan,
    /// A previous recovery failed; this is a retry.
    Retry,
    /// Cleaning up after an injection that failed half way.
    InjectFailed,
    DrillEnd,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Deadline => "deadline",
            Trigger::Operator => "operator",
            Trigger::Panic => "panic",
            Trigger::Guard => "guard",
            Trigger::Exit => "exit",
            Trigger::Orphan => "orphan",
            Trigger::Retry => "retry",
            Trigger::InjectFailed => "inject failed",
            Trigger::DrillEnd => "drill end",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything recovery needs, written by the provider that injected.
/// `data` is the provider's own record (pids, file path, toxic name, uid…);
/// `summary` is one line for people (`pid 4242 stopped`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryRecord {
    pub provider: String,
    pub summary: String,
    #[serde(default)]
    pub data: serde_json::Value,
}

/// Payloads of the `fault.*` journal events (subject = fault id).
pub mod payloads {
    use super::*;

    /// `fault.intended`: committed before anything is touched.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Intended {
        pub spec: FaultSpec,
        pub owner: Owner,
        pub deadline: DateTime<Utc>,
    }

    /// `fault.injecting` (the prepared record: what to undo if we die while
    /// injecting) and `fault.active` (the final record).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct WithRecord {
        pub record: RecoveryRecord,
    }

    /// `fault.recovering`
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Recovering {
        pub trigger: Trigger,
        pub by: Owner,
        pub attempt: u32,
    }

    /// `fault.recovered`
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Recovered {
        pub trigger: Trigger,
        #[serde(default)]
        pub detail: String,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Phase {
        /// Nothing (left) injected: the fault is over.
        Inject,
        /// Recovery failed: the fault may still be in place; retried at
        /// `retry_at`, shown loudly until it succeeds or is dismissed.
        Recover,
    }

    /// `fault.failed`
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Failed {
        pub phase: Phase,
        pub reason: String,
        #[serde(default)]
        pub attempt: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub retry_at: Option<DateTime<Utc>>,
    }

    /// `fault.orphaned`: its owning console is gone.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Orphaned {
        pub by: Owner,
    }

    /// `fault.dismissed`: an operator says it is dealt with by hand; no
    /// more retries.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Dismissed {
        #[serde(default)]
        pub reason: String,
    }
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

/// The `fault.intended` event: committed before anything is touched.
pub fn intent_event(
    now: DateTime<Utc>,
    owner: &Owner,
    id: &str,
    spec: &FaultSpec,
    deadline: DateTime<Utc>,
) -> crate::domain::NewEvent {
    crate::domain::NewEvent::new(
        now,
        owner.actor.clone(),
        crate::domain::EventKind::FaultIntended,
        id,
        crate::domain::event::payload(&payloads::Intended {
            spec: spec.clone(),
            owner: owner.clone(),
            deadline,
        }),
    )
}

/// `30s`, `5m`, `1h30m`, `90` (seconds). Refuses zero and garbage.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(n) = s.parse::<u64>() {
        return if n == 0 {
            Err("duration must be more than 0".into())
        } else {
            Ok(n)
        };
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => {
                return Err(format!(
                    "duration {s:?}: unknown unit {c:?} (use s, m, h, d)"
                ));
            }
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("duration {s:?}: a number must come before {c:?}"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        num.clear();
    }
    if !num.is_empty() {
        return Err(format!("duration {s:?}: {num} has no unit"));
    }
    if total == 0 {
        return Err("duration must be more than 0".into());
    }
    Ok(total)
}

/// `90` → `1m30s`.
pub fn format_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// A short fault id from a unique seed (instance id + counter): eight
/// lower-case hex digits, short enough to type in `faults recover ID`.
pub fn fault_id(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    hex::encode(&digest[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_format() {
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2m5s"), Ok(125));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5m3").is_err());
        assert_eq!(format_duration(90), "1m30s");
        assert_eq!(format_duration(3600), "1h");
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn target_names_drop_the_kind() {
        assert_eq!(target_name("pid:4242"), "4242");
        assert_eq!(target_name("sim:payments"), "payments");
        assert_eq!(target_name("dir:/tmp/x"), "/tmp/x");
        assert_eq!(target_name("/tmp/x"), "/tmp/x");
        assert_eq!(target_name("http://a:1/x"), "http://a:1/x");
        assert_eq!(fault_id("abc-1").len(), 8);
        assert_ne!(fault_id("abc-1"), fault_id("abc-2"));
    }
}
