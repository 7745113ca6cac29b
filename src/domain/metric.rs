//! Monitoring feeds: series metadata (unit, thresholds) and batches of
//! samples, as produced by the simulator and, later, Prometheus queries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a series measures; drives formatting and default thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    LatencyP99,
    ErrorRate,
    Cpu,
    Saturation,
    Other,
}

impl MetricKind {
    pub fn label(self) -> &'static str {
        match self {
            MetricKind::LatencyP99 => "latency p99",
            MetricKind::ErrorRate => "error rate",
            MetricKind::Cpu => "cpu",
            MetricKind::Saturation => "saturation",
            MetricKind::Other => "value",
        }
    }
}

/// Describes one series once; samples then refer to it by `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesMeta {
    /// Unique, e.g. `payments/latency_p99`.
    pub id: String,
    /// Grouping in the Monitor view, e.g. the service name.
    pub group: String,
    pub kind: MetricKind,
    pub name: String,
    /// Display unit: `ms`, `%`, `req/s` …
    pub unit: String,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricPoint {
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// Whole series from a query (Prometheus `query_range`): the points replace
/// what the Monitor view had for each series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesBatch {
    pub catalog: Vec<SeriesMeta>,
    pub series: Vec<(String, Vec<MetricPoint>)>,
}

/// One collection round: new catalog entries (if any) and one sample per series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSnapshot {
    pub catalog: Vec<SeriesMeta>,
    pub at: Option<DateTime<Utc>>,
    pub samples: Vec<(String, f64)>,
}
