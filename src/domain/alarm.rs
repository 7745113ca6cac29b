//! Alarms: what a source observes (`ObservedAlarm`) and what the board keeps
//! about each one (`Alarm`, the projection of its journal events).

use super::severity::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// One alarm as a source sees it right now. Sources report these; the app
/// diffs them against what it last journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedAlarm {
    /// Stable key: Alertmanager's fingerprint, or [`fingerprint`] of the labels.
    pub fingerprint: String,
    /// Name of the source that reported it (`demo`, `alertmanager:prod` …).
    pub source: String,
    pub name: String,
    pub severity: Severity,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    pub starts_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<String>,
}

impl ObservedAlarm {
    /// The part that, when it changes, is worth an `alarm.updated` event.
    /// `starts_at` is left out: a source restarting its clock is not news.
    pub fn same_content(&self, other: &ObservedAlarm) -> bool {
        self.severity == other.severity
            && self.name == other.name
            && self.labels == other.labels
            && self.annotations == other.annotations
            && self.generator_url == other.generator_url
    }

    pub fn service(&self) -> &str {
        service_of(&self.labels)
    }
}

/// What stays the same when an alert changes severity: its source and its
/// labels without `severity` (severity is a label, so each level is its own
/// alert with its own fingerprint, in Alertmanager and in the demo).
pub fn identity(source: &str, labels: &Labels) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(source);
    for (k, v) in labels.iter().filter(|(k, _)| k.as_str() != "severity") {
        out.push('\u{1f}');
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

fn service_of(labels: &Labels) -> &str {
    labels
        .get("service")
        .or_else(|| labels.get("job"))
        .or_else(|| labels.get("instance"))
        .map(String::as_str)
        .unwrap_or("-")
}

/// Fingerprint of a label set, for sources that do not supply one: SHA-256
/// over the sorted `name=value` pairs, 16 hex digits like Alertmanager's.
pub fn fingerprint(labels: &Labels) -> String {
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update([0xff]);
        h.update(v.as_bytes());
        h.update([0xfe]);
    }
    hex::encode(&h.finalize()[..8])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlarmState {
    Firing,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub by: String,
    pub at: DateTime<Utc>,
    pub event_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The Alertmanager silence that is this ack, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// One line of an alarm's own timeline, straight from a journal event.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub event_id: i64,
    pub ts: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

/// An alarm as the board knows it: the latest observation plus everything
/// operators did to it, all derived from journal events.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub observed: ObservedAlarm,
    pub state: AlarmState,
    /// Journal time of the raise that opened the current occurrence.
    pub raised_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub ack: Option<Ack>,
    pub owner: Option<String>,
    pub notes: usize,
    pub timeline: Vec<TimelineEntry>,
    pub last_event_id: i64,
    /// The alarm this one escalated (or de-escalated) into: the same alert
    /// at another severity, which took over its row, owner and age.
    pub successor: Option<String>,
}

impl Alarm {
    pub fn fingerprint(&self) -> &str {
        &self.observed.fingerprint
    }
    pub fn name(&self) -> &str {
        &self.observed.name
    }
    pub fn severity(&self) -> Severity {
        self.observed.severity
    }
    pub fn service(&self) -> &str {
        self.observed.service()
    }
    pub fn summary(&self) -> &str {
        self.observed
            .annotations
            .get("summary")
            .or_else(|| self.observed.annotations.get("description"))
            .map(String::as_str)
            .unwrap_or("")
    }
    pub fn is_firing(&self) -> bool {
        self.state == AlarmState::Firing
    }
    pub fn is_acked(&self) -> bool {
        self.ack.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_labels_only_and_is_stable() {
        let mut a = Labels::new();
        a.insert("alertname".into(), "X".into());
        a.insert("service".into(), "payments".into());
        let fp = fingerprint(&a);
        assert_eq!(fp.len(), 16);
        assert_eq!(fp, fingerprint(&a.clone()));
        a.insert("service".into(), "checkout".into());
        assert_ne!(fp, fingerprint(&a));
    }
}
