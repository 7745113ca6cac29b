//! Alarms: what a source observes (`ObservedAlarm`) and what the board keeps
//! about each one (`Alarm`, the projection of its journal events).

use super::severity::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};

pub use super::labels::{Labels, Text};

/// Bounds on one alarm from outside, so no journal row (and no alarm in
/// memory) can be made arbitrarily large by a sender. Labels are the
/// alarm's identity (an ack silence matches all of them), so an alarm over
/// the label bounds is refused rather than cut; annotations are free text
/// and are cut to fit.
pub mod bounds {
    /// Longest fingerprint (Alertmanager's are 16 hex digits).
    pub const FINGERPRINT: usize = 128;
    /// Most labels, longest label name and value, all label bytes together.
    pub const LABELS: usize = 64;
    pub const LABEL_NAME: usize = 256;
    pub const LABEL_VALUE: usize = 2048;
    pub const LABEL_BYTES: usize = 16 * 1024;
    /// Most annotations kept, longest value kept whole, all annotation bytes.
    pub const ANNOTATIONS: usize = 64;
    pub const ANNOTATION_VALUE: usize = 8 * 1024;
    pub const ANNOTATION_BYTES: usize = 32 * 1024;
    /// A longer generator URL is dropped.
    pub const URL: usize = 2048;
    /// Annotation added when annotations were cut.
    pub const TRUNCATED: &str = "cocpit_truncated";
}

/// One alarm as a source sees it right now. Sources report these; the app
/// diffs them against what it last journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedAlarm {
    /// Stable key: Alertmanager's fingerprint, or [`fingerprint`] of the labels.
    pub fingerprint: Text,
    /// Name of the source that reported it (`demo`, `alertmanager:prod` …).
    pub source: String,
    pub name: Text,
    pub severity: Severity,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    pub starts_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<Text>,
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

    /// A digest of [`same_content`](Self::same_content)'s fields: the
    /// ingest ledger keeps this instead of a second copy of every alarm.
    /// Stable within a process (not across versions: never stored).
    pub fn content_hash(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.severity.hash(&mut h);
        self.name.hash(&mut h);
        self.labels.hash(&mut h);
        self.annotations.hash(&mut h);
        self.generator_url.hash(&mut h);
        h.finish()
    }

    /// Within [`bounds`]: refused (with the reason) when its fingerprint or
    /// labels are over them, annotations cut to fit (and marked with a
    /// `cocpit_truncated` annotation), an overlong generator URL dropped.
    pub fn bounded(mut self) -> Result<ObservedAlarm, String> {
        use bounds::*;
        let fp = short(&self.fingerprint, 40);
        if self.fingerprint.len() > FINGERPRINT {
            return Err(format!(
                "alert {fp}: fingerprint of {} bytes (at most {FINGERPRINT})",
                self.fingerprint.len()
            ));
        }
        if self.labels.len() > LABELS {
            return Err(format!(
                "alert {fp}: {} labels (at most {LABELS})",
                self.labels.len()
            ));
        }
        let mut label_bytes = 0;
        for (k, v) in &self.labels {
            if k.len() > LABEL_NAME || v.len() > LABEL_VALUE {
                return Err(format!(
                    "alert {fp}: label {} of {} bytes (names at most {LABEL_NAME}, values {LABEL_VALUE})",
                    short(k, 40),
                    k.len() + v.len()
                ));
            }
            label_bytes += k.len() + v.len();
        }
        if label_bytes > LABEL_BYTES {
            return Err(format!(
                "alert {fp}: labels of {label_bytes} bytes (at most {LABEL_BYTES})"
            ));
        }
        if self.name.len() > LABEL_VALUE {
            self.name = Text::new(&short(&self.name, LABEL_VALUE));
        }
        let over = self.annotations.len() > ANNOTATIONS
            || self
                .annotations
                .iter()
                .any(|(k, v)| k.len() > LABEL_NAME || v.len() > ANNOTATION_VALUE)
            || self
                .annotations
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
                > ANNOTATION_BYTES;
        if over {
            let before: usize = self
                .annotations
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum();
            let mut budget = ANNOTATION_BYTES;
            let mut kept = Vec::new();
            for (k, v) in self.annotations.iter() {
                // Room for the name and a useful start of the value, or skip it.
                if kept.len() >= ANNOTATIONS || k.len() > LABEL_NAME || k.len() + 64 > budget {
                    continue;
                }
                let room = (budget - k.len()).min(ANNOTATION_VALUE);
                let v = short(v, room);
                budget -= k.len() + v.len();
                kept.push((k.clone(), Text::new(&v)));
            }
            let mut cut: Labels = kept.into_iter().collect();
            cut.insert(
                TRUNCATED,
                format!("annotations of {before} bytes cut to at most {ANNOTATION_BYTES}"),
            );
            self.annotations = cut;
        }
        if self.generator_url.as_ref().is_some_and(|u| u.len() > URL) {
            self.generator_url = None;
        }
        Ok(self)
    }
}

/// At most `max` bytes of `s`, cut at a character boundary, with `…` when cut.
pub fn short(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &s[..end]))
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
        .map(Text::as_str)
        .unwrap_or("-")
}

/// Fingerprint of a label set, for sources that do not supply one: SHA-256
/// over the sorted `name=value` pairs, 16 hex digits like Alertmanager's.
/// Takes any sorted pairs (a [`Labels`] or a `BTreeMap<String, String>`).
pub fn fingerprint<'a, K, V>(labels: impl IntoIterator<Item = (&'a K, &'a V)>) -> String
where
    K: AsRef<str> + ?Sized + 'a,
    V: AsRef<str> + ?Sized + 'a,
{
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_ref().as_bytes());
        h.update([0xff]);
        h.update(v.as_ref().as_bytes());
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// Its strings are shared ([`Text`]): every alarm's "raised (critical)" by
/// `source:webhook` is one allocation.
pub struct TimelineEntry {
    pub event_id: i64,
    pub ts: DateTime<Utc>,
    pub actor: Text,
    pub kind: Text,
    pub text: Text,
}

impl TimelineEntry {
    /// The line `ev` adds, saying `text`.
    pub fn of(ev: &super::Event, text: &str) -> TimelineEntry {
        TimelineEntry {
            event_id: ev.id,
            ts: ev.ts,
            actor: Text::new(&ev.actor),
            kind: Text::new(&ev.kind),
            text: Text::new(text),
        }
    }
}

/// An alarm as the board knows it: the latest observation plus everything
/// operators did to it, all derived from journal events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub observed: ObservedAlarm,
    pub state: AlarmState,
    /// Journal time of the raise that opened the current occurrence.
    pub raised_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Boxed: most alarms are not acked, and an inline `Ack` is 100+ bytes.
    pub ack: Option<Box<Ack>>,
    pub owner: Option<String>,
    pub notes: usize,
    pub timeline: Vec<TimelineEntry>,
    pub last_event_id: i64,
    /// The alarm this one escalated (or de-escalated) into: the same alert
    /// at another severity, which took over its row, owner and age.
    pub successor: Option<Text>,
    /// What a source says while the journal cannot be written: shown, but
    /// not (yet) on record. Never in a row or a checkpoint.
    #[serde(skip)]
    pub unrecorded: bool,
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
            .map(Text::as_str)
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
        a.insert("alertname", "X");
        a.insert("service", "payments");
        let fp = fingerprint(&a);
        assert_eq!(fp.len(), 16);
        assert_eq!(fp, fingerprint(&a.clone()));
        a.insert("service", "checkout");
        assert_ne!(fp, fingerprint(&a));
    }
}
