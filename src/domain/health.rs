//! Health of a source as the header shows it: up or down, when it last
//! answered, how fast, and why not. Sources build it, the core keeps the
//! latest per source and journals the changes.

use chrono::{DateTime, Utc};

/// Health of one source, as shown in the header.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub name: String,
    pub up: bool,
    pub last_ok: Option<DateTime<Utc>>,
    pub latency_ms: Option<u64>,
    pub detail: String,
}
