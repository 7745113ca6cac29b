//! Historical faults: the `risk.tagged` rows (an operator's `F` on an
//! alarm) rebuilt into, per failure mode, the incidents it was seen in.
//! Every console replays the same rows, so a tag made on one shows on all.

use crate::domain::{Event, EventKind, NewEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The payload of `risk.tagged`; its subject is the alarm's fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tagged {
    /// The failure mode id.
    pub mode: String,
    /// The alarm's name and its `service` label, as they were.
    pub alarm: String,
    #[serde(default)]
    pub service: String,
    /// Who tagged it (also the row's actor).
    pub by: String,
}

impl Tagged {
    pub fn to_new_event(&self, ts: DateTime<Utc>, fingerprint: &str) -> NewEvent {
        NewEvent::new(
            ts,
            self.by.clone(),
            EventKind::RiskTagged,
            fingerprint,
            serde_json::to_value(self).unwrap_or_default(),
        )
    }
}

/// One tagged incident, for a mode's detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub event_id: i64,
    pub at: DateTime<Utc>,
    pub fingerprint: String,
    pub alarm: String,
    pub service: String,
    pub by: String,
}

/// Mode id → its tagged incidents, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub by_mode: BTreeMap<String, Vec<Tag>>,
    /// The newest row applied: a row seen twice counts once.
    pub last_id: i64,
}

impl Tags {
    pub fn apply(&mut self, ev: &Event) {
        if ev.kind() != Some(EventKind::RiskTagged) {
            return;
        }
        if ev.id > 0 && ev.id <= self.last_id {
            return;
        }
        self.last_id = self.last_id.max(ev.id);
        let Ok(t) = serde_json::from_value::<Tagged>(ev.payload.clone()) else {
            return;
        };
        let list = self.by_mode.entry(t.mode).or_default();
        // The same alarm tagged again with the same mode is one incident.
        if list.iter().any(|x| x.fingerprint == ev.subject) {
            return;
        }
        list.push(Tag {
            event_id: ev.id,
            at: ev.ts,
            fingerprint: ev.subject.clone(),
            alarm: t.alarm,
            service: t.service,
            by: t.by,
        });
    }

    /// The incidents tagged with `mode`.
    pub fn of(&self, mode: &str) -> &[Tag] {
        self.by_mode.get(mode).map_or(&[], Vec::as_slice)
    }

    /// How many incidents `mode` was seen in.
    pub fn count(&self, mode: &str) -> usize {
        self.of(mode).len()
    }

    /// The modes an alarm was tagged with.
    pub fn modes_of(&self, fingerprint: &str) -> Vec<&str> {
        self.by_mode
            .iter()
            .filter(|(_, v)| v.iter().any(|t| t.fingerprint == fingerprint))
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, fp: &str, mode: &str) -> Event {
        let t = Tagged {
            mode: mode.into(),
            alarm: "ServiceUnavailable".into(),
            service: "inventory".into(),
            by: "ana@jump".into(),
        };
        let e = t.to_new_event(DateTime::<Utc>::UNIX_EPOCH, fp);
        Event {
            id,
            ts: e.ts,
            actor: e.actor,
            kind: e.kind,
            subject: e.subject,
            payload: e.payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn tags_count_once_per_alarm_and_row() {
        let mut t = Tags::default();
        t.apply(&row(1, "fp1", "inventory-crash-loop"));
        t.apply(&row(1, "fp1", "inventory-crash-loop"));
        t.apply(&row(2, "fp1", "inventory-crash-loop"));
        t.apply(&row(3, "fp2", "inventory-crash-loop"));
        t.apply(&row(4, "fp2", "redis-oom"));
        assert_eq!(t.count("inventory-crash-loop"), 2);
        assert_eq!(t.modes_of("fp2"), vec!["inventory-crash-loop", "redis-oom"]);
        let mut junk = row(5, "fp3", "x");
        junk.payload = serde_json::json!({"mode": 7});
        t.apply(&junk);
        assert_eq!(t.count("x"), 0);
    }
}
