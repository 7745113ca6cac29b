//! The alarm board: the projection of `alarm.*` journal events into the set
//! of alarms on screen. Replaying the journal from the start rebuilds it;
//! applying the same event twice is a no-op, so tailing is idempotent.

use super::alarm::{Ack, Alarm, AlarmState, ObservedAlarm, Text, TimelineEntry};
use super::event::{
    AlarmAcked, AlarmResolved, Event, EventKind, NoteAdded, OwnerSet, SilenceChange, SilenceIntent,
};
use super::severity::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the detail pane shows of an alarm's history (newest first): a
/// flapping alarm would otherwise grow without bound. The journal keeps all.
const TIMELINE_CAP: usize = 64;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlarmBoard {
    /// Boxed: the table (sized for growth) holds a key and a pointer, not
    /// a few hundred bytes per slot. The key is interned, shared with the
    /// ingest ledger, the sources and the Alarms view.
    alarms: HashMap<Text, Box<Alarm>>,
    /// Highest journal id applied; older or repeated events are ignored.
    pub last_event_id: i64,
    /// Bumped whenever the set or an alarm changes, so views can cache.
    pub generation: u64,
}

/// Firing alarms by severity plus how many of them nobody acked yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub by_severity: [usize; 5],
    pub unacked: usize,
    pub firing: usize,
}

impl Counts {
    pub fn of(&self, s: Severity) -> usize {
        self.by_severity[s as usize]
    }
}

impl AlarmBoard {
    pub fn new() -> AlarmBoard {
        AlarmBoard::default()
    }

    pub fn len(&self) -> usize {
        self.alarms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alarms.is_empty()
    }

    pub fn get(&self, fingerprint: &str) -> Option<&Alarm> {
        self.alarms.get(fingerprint).map(|a| &**a)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.values().map(|a| &**a)
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for a in self.alarms.values().filter(|a| a.is_firing()) {
            c.by_severity[a.severity() as usize] += 1;
            c.firing += 1;
            if !a.is_acked() {
                c.unacked += 1;
            }
        }
        c
    }

    /// Apply one committed event. Returns whether the board changed.
    pub fn apply(&mut self, ev: &Event) -> bool {
        if ev.id <= self.last_event_id {
            return false;
        }
        self.last_event_id = ev.id;
        let changed = match ev.kind() {
            Some(EventKind::AlarmRaised) | Some(EventKind::AlarmUpdated) => self.observe(ev),
            Some(EventKind::AlarmResolved) => self.with_alarm(ev, |a, ev| {
                let p: AlarmResolved = lenient(&ev.payload);
                a.state = AlarmState::Resolved;
                a.resolved_at = Some(ev.ts);
                a.updated_at = ev.ts;
                p.reason
                    .map(|r| format!("resolved: {r}"))
                    .unwrap_or_else(|| "resolved".into())
            }),
            Some(EventKind::AlarmAcked) | Some(EventKind::AlarmSilenced) => {
                self.with_alarm(ev, |a, ev| {
                    let p: AlarmAcked = lenient(&ev.payload);
                    let verb = if ev.kind == EventKind::AlarmSilenced.as_str() {
                        "silenced"
                    } else {
                        "acked"
                    };
                    let mut text = match &p.comment {
                        Some(c) if !c.is_empty() => format!("{verb}: {c}"),
                        _ => verb.to_string(),
                    };
                    if let Some(id) = &p.silence_id {
                        text.push_str(&format!(" (silence {})", short_id(id)));
                    }
                    a.ack = Some(Box::new(Ack {
                        by: ev.actor.clone(),
                        at: ev.ts,
                        event_id: ev.id,
                        comment: p.comment,
                        silence_id: p.silence_id,
                        until: p.until,
                    }));
                    text
                })
            }
            Some(EventKind::AlarmUnacked) => self.with_alarm(ev, |a, ev| {
                let p: AlarmAcked = lenient(&ev.payload);
                a.ack = None;
                match p.reason {
                    Some(r) => format!("unacked: {r}"),
                    None => "unacked".to_string(),
                }
            }),
            Some(EventKind::AlarmAckRequested) => {
                self.with_alarm(ev, |_, _| "ack requested (silence)".to_string())
            }
            Some(EventKind::AlarmUnackRequested) => {
                self.with_alarm(ev, |_, _| "unack requested (expire silence)".to_string())
            }
            Some(EventKind::AlarmSilenceRequested) => self.with_alarm(ev, |_, ev| {
                let p: SilenceIntent = lenient(&ev.payload);
                let mins = p.duration_secs.unwrap_or(0) / 60;
                format!("silence requested for {mins}m")
            }),
            Some(EventKind::SilenceExtended) => self.with_alarm(ev, |a, ev| {
                let p: SilenceChange = lenient(&ev.payload);
                if let Some(ack) = &mut a.ack
                    && ack.silence_id.is_some()
                    && ack.silence_id == p.previous
                {
                    ack.silence_id = p.silence_id.clone();
                    ack.until = p.until;
                }
                let until = p
                    .until
                    .map(|t| t.format(" until %H:%M:%S").to_string())
                    .unwrap_or_default();
                format!("ack silence extended{until}")
            }),
            Some(EventKind::SilenceExpired) => self.with_alarm(ev, |_, ev| {
                let p: SilenceChange = lenient(&ev.payload);
                let id = p.silence_id.as_deref().map(short_id).unwrap_or("?");
                match p.reason {
                    Some(r) => format!("silence {id} expired: {r}"),
                    None => format!("silence {id} expired"),
                }
            }),
            Some(EventKind::SilenceFailed) => self.with_alarm(ev, |_, ev| {
                let p: SilenceChange = lenient(&ev.payload);
                format!("silence failed: {}", p.reason.unwrap_or_default())
            }),
            Some(EventKind::AlarmNoteAdded) => self.with_alarm(ev, |a, ev| {
                let p: NoteAdded = lenient(&ev.payload);
                a.notes += 1;
                format!("note: {}", p.text)
            }),
            Some(EventKind::AlarmOwnerSet) => self.with_alarm(ev, |a, ev| {
                let p: OwnerSet = lenient(&ev.payload);
                if p.owner.is_empty() {
                    a.owner = None;
                    "ownership released".to_string()
                } else {
                    let text = format!("owner: {}", p.owner);
                    a.owner = Some(p.owner);
                    text
                }
            }),
            _ => false,
        };
        if changed {
            self.generation += 1;
        }
        changed
    }

    fn observe(&mut self, ev: &Event) -> bool {
        // Deserialise from the borrowed value: no copy of the payload per event.
        let Ok(obs) = ObservedAlarm::deserialize(&ev.payload) else {
            return false;
        };
        let raised = ev.kind.as_str() == EventKind::AlarmRaised.as_str();
        let entry = TimelineEntry {
            event_id: ev.id,
            ts: ev.ts,
            actor: Text::new(&ev.actor),
            kind: Text::new(&ev.kind),
            text: Text::new(&if raised {
                format!("raised ({})", obs.severity)
            } else {
                format!("updated ({})", obs.severity)
            }),
        };
        match self.alarms.get_mut(obs.fingerprint.as_str()) {
            Some(a) => {
                if a.state == AlarmState::Resolved {
                    // A new occurrence: what operators did to the old one no longer holds.
                    a.state = AlarmState::Firing;
                    a.raised_at = ev.ts;
                    a.resolved_at = None;
                    a.ack = None;
                    a.owner = None;
                }
                a.observed = obs;
                a.updated_at = ev.ts;
                a.last_event_id = ev.id;
                push_capped(&mut a.timeline, entry);
            }
            None => {
                let fp = obs.fingerprint.clone();
                self.alarms.insert(
                    fp,
                    Box::new(Alarm {
                        observed: obs,
                        state: AlarmState::Firing,
                        raised_at: ev.ts,
                        updated_at: ev.ts,
                        resolved_at: None,
                        ack: None,
                        owner: None,
                        notes: 0,
                        timeline: vec![entry],
                        last_event_id: ev.id,
                    }),
                );
            }
        }
        true
    }

    fn with_alarm(&mut self, ev: &Event, f: impl FnOnce(&mut Alarm, &Event) -> String) -> bool {
        let Some(a) = self.alarms.get_mut(ev.subject.as_str()) else {
            return false;
        };
        let text = f(a, ev);
        a.last_event_id = ev.id;
        push_capped(
            &mut a.timeline,
            TimelineEntry {
                event_id: ev.id,
                ts: ev.ts,
                actor: Text::new(&ev.actor),
                kind: Text::new(&ev.kind),
                text: Text::new(&text),
            },
        );
        true
    }

    /// Forget resolved alarms that ended before `before` (the journal keeps them).
    pub fn prune_resolved(&mut self, before: DateTime<Utc>) -> usize {
        let n = self.alarms.len();
        self.alarms
            .retain(|_, a| a.is_firing() || a.resolved_at.is_none_or(|t| t >= before));
        let removed = n - self.alarms.len();
        if removed > 0 {
            self.generation += 1;
        }
        removed
    }
}

/// Silence ids are UUIDs; the first block is enough to tell them apart on screen.
pub fn short_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

fn push_capped(v: &mut Vec<TimelineEntry>, e: TimelineEntry) {
    if v.len() >= TIMELINE_CAP {
        v.remove(0);
    }
    v.push(e);
}

fn lenient<T: serde::de::DeserializeOwned + Default>(v: &serde_json::Value) -> T {
    T::deserialize(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::payload;
    use crate::domain::severity::Severity;
    use chrono::TimeZone;
    use serde_json::json;

    fn ev(id: i64, kind: EventKind, subject: &str, p: serde_json::Value) -> Event {
        Event {
            id,
            ts: Utc.timestamp_opt(1_700_000_000 + id, 0).unwrap(),
            actor: "alice@host".into(),
            kind: kind.as_str().into(),
            subject: subject.into(),
            payload: p,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn obs(fp: &str) -> ObservedAlarm {
        ObservedAlarm {
            fingerprint: fp.into(),
            source: "demo".into(),
            name: "HighLatency".into(),
            severity: Severity::Major,
            labels: Default::default(),
            annotations: Default::default(),
            starts_at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            generator_url: None,
        }
    }

    #[test]
    fn raise_ack_resolve_reraise() {
        let mut b = AlarmBoard::new();
        assert!(b.apply(&ev(1, EventKind::AlarmRaised, "fp1", payload(&obs("fp1")))));
        assert!(b.apply(&ev(
            2,
            EventKind::AlarmAcked,
            "fp1",
            json!({"comment": "on it"})
        )));
        assert_eq!(b.get("fp1").unwrap().ack.as_ref().unwrap().by, "alice@host");
        assert_eq!(b.counts().unacked, 0);
        // replay of an old id is ignored
        assert!(!b.apply(&ev(2, EventKind::AlarmUnacked, "fp1", json!({}))));
        assert!(b.get("fp1").unwrap().is_acked());
        assert!(b.apply(&ev(3, EventKind::AlarmResolved, "fp1", json!({}))));
        assert!(!b.get("fp1").unwrap().is_firing());
        assert!(b.apply(&ev(4, EventKind::AlarmRaised, "fp1", payload(&obs("fp1")))));
        let a = b.get("fp1").unwrap();
        assert!(a.is_firing() && a.ack.is_none());
        assert_eq!(a.timeline.len(), 4);
    }

    #[test]
    fn actions_on_unknown_alarms_and_bad_payloads_are_ignored() {
        let mut b = AlarmBoard::new();
        assert!(!b.apply(&ev(1, EventKind::AlarmAcked, "nope", json!({}))));
        assert!(!b.apply(&ev(
            2,
            EventKind::AlarmRaised,
            "x",
            json!({"garbage": true})
        )));
        assert!(b.is_empty());
        assert_eq!(b.last_event_id, 2);
    }
}
