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

/// The key of an alarm's identity in [`AlarmBoard::by_identity`]: FNV-1a,
/// stable across builds because checkpoints store it.
fn identity_key(identity: &str) -> u64 {
    identity.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlarmBoard {
    /// Boxed: the table (sized for growth) holds a key and a pointer, not
    /// a few hundred bytes per slot. The key is interned, shared with the
    /// ingest ledger, the sources and the Alarms view.
    alarms: HashMap<Text, Box<Alarm>>,
    /// A hash of [`identity`](super::alarm::identity) → the fingerprint last
    /// raised with it: how an escalation finds the alarm it continues. A
    /// hash, not the identity string: this map is one entry per alarm.
    by_identity: HashMap<u64, Text>,
    /// What the sources said while the journal could not be written, over
    /// the recorded alarms of the same fingerprint: shown, marked
    /// unrecorded, until the journal has it (or the overlay is cleared).
    #[serde(skip)]
    unrecorded: HashMap<Text, Box<Alarm>>,
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
        let extra = self
            .unrecorded
            .keys()
            .filter(|fp| !self.alarms.contains_key(*fp))
            .count();
        self.alarms.len() + extra
    }

    pub fn is_empty(&self) -> bool {
        self.alarms.is_empty() && self.unrecorded.is_empty()
    }

    /// The alarm as shown: what a source said while unrecorded, else the
    /// journal's.
    pub fn get(&self, fingerprint: &str) -> Option<&Alarm> {
        self.unrecorded
            .get(fingerprint)
            .or_else(|| self.alarms.get(fingerprint))
            .map(|a| &**a)
    }

    /// Every alarm as shown (see [`AlarmBoard::get`]).
    pub fn iter(&self) -> impl Iterator<Item = &Alarm> {
        let shadowed = |fp: &Text| self.unrecorded.contains_key(fp);
        self.alarms
            .iter()
            .filter(move |(fp, _)| !shadowed(fp))
            .map(|(_, a)| &**a)
            .chain(self.unrecorded.values().map(|a| &**a))
    }

    /// Only what the journal says: what ingest diffs against.
    pub fn iter_recorded(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.values().map(|a| &**a)
    }

    /// Show a change a source reported that the journal could not record
    /// (a full disk): over the recorded alarm, marked unrecorded, until the
    /// journal has it.
    pub fn overlay(&mut self, ev: &super::NewEvent) {
        let shown = [
            EventKind::AlarmRaised,
            EventKind::AlarmUpdated,
            EventKind::AlarmResolved,
        ];
        if !shown.iter().any(|k| k.as_str() == ev.kind) {
            return;
        }
        // The same projection as for a row, on a board of this one alarm.
        let mut one = AlarmBoard::default();
        if let Some(a) = self.get(&ev.subject) {
            one.alarms
                .insert(Text::new(&ev.subject), Box::new(a.clone()));
        }
        one.apply(&Event {
            id: 1,
            ts: ev.ts,
            actor: ev.actor.clone(),
            kind: ev.kind.clone(),
            subject: ev.subject.clone(),
            payload: ev.payload.clone(),
            prev_hash: String::new(),
            hash: String::new(),
        });
        if let Some((fp, mut a)) = one.alarms.into_iter().next() {
            a.unrecorded = true;
            a.last_event_id = self.get(&fp).map_or(0, |old| old.last_event_id);
            self.unrecorded.insert(fp, a);
            self.generation += 1;
        }
    }

    /// Drop what was shown unrecorded: the journal is written again and
    /// what it missed is on its way there.
    pub fn clear_unrecorded(&mut self) -> bool {
        if self.unrecorded.is_empty() {
            return false;
        }
        self.unrecorded.clear();
        self.generation += 1;
        true
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for a in self.iter().filter(|a| a.is_firing()) {
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
        // The journal has it now: what was shown unrecorded gives way.
        if !self.unrecorded.is_empty() {
            self.unrecorded.remove(ev.subject.as_str());
        }
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
        let fp = obs.fingerprint.clone();
        let identity = super::alarm::identity(&obs.source, &obs.labels);
        let key = identity_key(&identity);
        let new_occurrence = self.alarms.get(fp.as_str()).is_none_or(|a| !a.is_firing());
        // The same alert at another severity, still firing: this is an
        // escalation (or a step down), and the new alarm takes over its
        // row, its owner and its age.
        let predecessor = new_occurrence
            .then(|| self.by_identity.get(&key))
            .flatten()
            .filter(|p| **p != fp)
            .and_then(|p| self.alarms.get(p.as_str()))
            .filter(|p| {
                p.is_firing()
                    && p.severity() != obs.severity
                    && super::alarm::identity(&p.observed.source, &p.observed.labels) == identity
            })
            .map(|p| {
                (
                    p.fingerprint().to_string(),
                    p.raised_at,
                    p.owner.clone(),
                    p.notes,
                    p.timeline.clone(),
                    p.severity(),
                )
            });
        self.by_identity.insert(key, fp.clone());
        match self.alarms.get_mut(fp.as_str()) {
            Some(a) => {
                if a.state == AlarmState::Resolved {
                    // A new occurrence: what operators did to the old one no longer holds.
                    a.state = AlarmState::Firing;
                    a.raised_at = ev.ts;
                    a.resolved_at = None;
                    a.ack = None;
                    a.owner = None;
                    a.successor = None;
                }
                a.observed = obs;
                a.updated_at = ev.ts;
                a.last_event_id = ev.id;
                push_capped(&mut a.timeline, entry);
            }
            None => {
                self.alarms.insert(
                    fp.clone(),
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
                        successor: None,
                        unrecorded: false,
                    }),
                );
            }
        }
        if let Some((from, raised_at, owner, notes, timeline, from_sev)) = predecessor {
            if let Some(a) = self.alarms.get_mut(fp.as_str()) {
                let to_sev = a.severity();
                let verb = if to_sev > from_sev {
                    "escalated"
                } else {
                    "stepped down"
                };
                a.raised_at = raised_at;
                a.owner = owner;
                a.notes = notes;
                let own = std::mem::replace(&mut a.timeline, timeline);
                push_capped(
                    &mut a.timeline,
                    TimelineEntry::of(ev, &format!("{verb} from {from_sev} to {to_sev}")),
                );
                for e in own {
                    push_capped(&mut a.timeline, e);
                }
            }
            if let Some(p) = self.alarms.get_mut(from.as_str()) {
                p.successor = Some(fp);
            }
        }
        true
    }

    /// The alarm `fingerprint` continues as now: itself, or the alarm it
    /// escalated into (and so on).
    pub fn latest<'a>(&'a self, fingerprint: &'a str) -> &'a str {
        let mut fp = fingerprint;
        // Bounded: a chain longer than the severities is a loop.
        for _ in 0..8 {
            match self.alarms.get(fp).and_then(|a| a.successor.as_deref()) {
                Some(next) if next != fp => fp = next,
                _ => break,
            }
        }
        fp
    }

    fn with_alarm(&mut self, ev: &Event, f: impl FnOnce(&mut Alarm, &Event) -> String) -> bool {
        let Some(a) = self.alarms.get_mut(ev.subject.as_str()) else {
            return false;
        };
        let text = f(a, ev);
        a.last_event_id = ev.id;
        push_capped(&mut a.timeline, TimelineEntry::of(ev, &text));
        true
    }

    /// Forget resolved alarms that ended before `before` (the journal keeps them).
    pub fn prune_resolved(&mut self, before: DateTime<Utc>) -> usize {
        let n = self.alarms.len();
        self.alarms
            .retain(|_, a| a.is_firing() || a.resolved_at.is_none_or(|t| t >= before));
        let alarms = &self.alarms;
        self.by_identity.retain(|_, fp| alarms.contains_key(fp));
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
    fn an_escalation_keeps_the_row_owner_and_age() {
        let mut b = AlarmBoard::new();
        let level = |sev: Severity| {
            let mut o = obs("x");
            o.severity = sev;
            o.labels.insert("alertname", "HighLatency");
            o.labels.insert("severity", sev.as_str());
            o.fingerprint = crate::domain::fingerprint(&o.labels).into();
            o
        };
        let (warn, crit) = (level(Severity::Warning), level(Severity::Critical));
        b.apply(&ev(
            1,
            EventKind::AlarmRaised,
            &warn.fingerprint,
            payload(&warn),
        ));
        b.apply(&ev(
            2,
            EventKind::AlarmOwnerSet,
            &warn.fingerprint,
            json!({"owner": "alice@h"}),
        ));
        b.apply(&ev(3, EventKind::AlarmAcked, &warn.fingerprint, json!({})));
        // The critical level is raised, then the warning resolved (one snapshot).
        b.apply(&ev(
            10,
            EventKind::AlarmRaised,
            &crit.fingerprint,
            payload(&crit),
        ));
        b.apply(&ev(
            11,
            EventKind::AlarmResolved,
            &warn.fingerprint,
            json!({}),
        ));
        let c = b.get(&crit.fingerprint).unwrap();
        assert_eq!(c.owner.as_deref(), Some("alice@h"), "owner kept");
        assert_eq!(
            c.raised_at,
            ev(1, EventKind::AlarmRaised, "", json!({})).ts,
            "age from first raised"
        );
        assert!(c.ack.is_none(), "an escalation must be acked again");
        assert!(
            c.timeline
                .iter()
                .any(|e| e.text.contains("escalated from warning to critical"))
        );
        assert_eq!(b.latest(&warn.fingerprint), crit.fingerprint);
        assert_eq!(b.latest(&crit.fingerprint), crit.fingerprint);
        // A fresh alarm with another identity inherits nothing.
        let mut other = level(Severity::Critical);
        other.labels.insert("service", "other");
        other.fingerprint = crate::domain::fingerprint(&other.labels).into();
        b.apply(&ev(
            12,
            EventKind::AlarmRaised,
            &other.fingerprint,
            payload(&other),
        ));
        assert!(b.get(&other.fingerprint).unwrap().owner.is_none());
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
