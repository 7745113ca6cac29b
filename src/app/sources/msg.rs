//! The messages between the sources and the core, apart from the ones
//! every source sends (`Msg::Snapshot`, `Msg::Metrics`, `Msg::SourceHealth`):
//! what an Alertmanager cluster's poll saw, Prometheus series and targets,
//! errors and staleness, and the Alertmanager calls the core makes (ack =
//! silence) with their answers. Sources depend on this file, not on the core.

use crate::domain::silence::{Silence, SilenceSpec};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What a source tells the core besides snapshots, metrics and health.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceMsg {
    /// One poll of an Alertmanager cluster: its silences and which alerts
    /// they cover.
    AmState(AmState),
    /// The answer to a [`SourceEffect::Am`] request: the silence id on success.
    AmDone {
        token: u64,
        result: Result<String, String>,
    },
    /// Something a source rejected or failed on (journaled as `source.error`,
    /// once per ten minutes for each source and error `class`: a short
    /// stable name such as `malformed` or `too-large`, not the reason text,
    /// which may change with every request).
    SourceError {
        source: String,
        class: String,
        reason: String,
    },
    /// Alarms of `source` are stale (every endpoint behind it is down).
    Stale { source: String, stale: bool },
    /// Prometheus `/api/v1/targets`.
    Targets {
        source: String,
        targets: Vec<Target>,
    },
    /// Prometheus feeds: whole series, replacing what was drawn.
    Series(crate::domain::metric::SeriesBatch),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AmState {
    /// The source name of the cluster (its alarms carry it).
    pub source: String,
    pub silences: Vec<Silence>,
    /// Fingerprint → ids of the silences muting it (`status.silencedBy`).
    pub silenced_by: HashMap<String, Vec<String>>,
    pub cluster: ClusterInfo,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterInfo {
    /// `ready`, `settling`, `disabled` (single instance), or `unknown`.
    pub status: String,
    pub peers: usize,
    pub members_up: usize,
    pub members: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub job: String,
    pub instance: String,
    pub health: String,
    pub last_error: String,
    pub last_scrape: Option<DateTime<Utc>>,
}

/// Calls to a source the core asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEffect {
    /// A request to the Alertmanager cluster behind `source`; answered
    /// with [`SourceMsg::AmDone`].
    Am {
        token: u64,
        source: String,
        req: AmRequest,
    },
    /// Poll `source` now rather than at the next interval.
    PollNow { source: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum AmRequest {
    /// POST /api/v2/silences (with an id: update).
    Create(SilenceSpec),
    /// DELETE /api/v2/silence/{id}
    Expire(String),
}
