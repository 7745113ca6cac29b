//! Turning source snapshots into journal events: only changes are
//! journaled (raised, updated, resolved). The diff is against what this
//! console last reported, not against the board, so a snapshot that arrives
//! before the previous batch is committed does not raise an alarm twice.

use crate::domain::event::{AlarmResolved, payload};
use crate::domain::{AlarmBoard, EventKind, NewEvent, ObservedAlarm};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Alarms inherited from an earlier session get this long to be confirmed by
/// the source before they are resolved, so a restart does not clear (and
/// then re-raise, losing its ack) everything that is still firing.
pub const SETTLE: Duration = Duration::seconds(30);

#[derive(Debug, Default, Clone)]
pub struct SourceLedger {
    /// What the journal was last told is firing, by fingerprint.
    reported: HashMap<String, ObservedAlarm>,
    /// Fingerprints inherited from the journal and not yet seen again.
    inherited: HashMap<String, ()>,
    first_snapshot: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Clone)]
pub struct Ingest {
    sources: HashMap<String, SourceLedger>,
}

impl Ingest {
    /// Start from what the journal says is firing.
    pub fn from_board(board: &AlarmBoard) -> Ingest {
        let mut ingest = Ingest::default();
        for a in board.iter().filter(|a| a.is_firing()) {
            let ledger = ingest.sources.entry(a.observed.source.clone()).or_default();
            ledger
                .reported
                .insert(a.fingerprint().to_string(), a.observed.clone());
            ledger.inherited.insert(a.fingerprint().to_string(), ());
        }
        ingest
    }

    /// Diff one complete snapshot of `source` into the events to journal.
    pub fn diff(
        &mut self,
        source: &str,
        firing: Vec<ObservedAlarm>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Vec<NewEvent> {
        let ledger = self.sources.entry(source.to_string()).or_default();
        let first = *ledger.first_snapshot.get_or_insert(now);
        let settled = now - first >= SETTLE;
        let mut out = Vec::new();
        let mut seen = HashMap::with_capacity(firing.len());
        for obs in firing {
            let fp = obs.fingerprint.clone();
            ledger.inherited.remove(&fp);
            match ledger.reported.get(&fp) {
                None => out.push(NewEvent::new(
                    now,
                    actor,
                    EventKind::AlarmRaised,
                    &fp,
                    payload(&obs),
                )),
                Some(prev) if !prev.same_content(&obs) => out.push(NewEvent::new(
                    now,
                    actor,
                    EventKind::AlarmUpdated,
                    &fp,
                    payload(&obs),
                )),
                Some(_) => {}
            }
            ledger.reported.insert(fp.clone(), obs);
            seen.insert(fp, ());
        }
        let gone: Vec<String> = ledger
            .reported
            .keys()
            .filter(|fp| {
                !seen.contains_key(*fp) && (settled || !ledger.inherited.contains_key(*fp))
            })
            .cloned()
            .collect();
        for fp in gone {
            ledger.reported.remove(&fp);
            ledger.inherited.remove(&fp);
            let reason = AlarmResolved {
                reason: Some(format!("no longer reported by {source}")),
            };
            out.push(NewEvent::new(
                now,
                actor,
                EventKind::AlarmResolved,
                &fp,
                payload(&reason),
            ));
        }
        out
    }
}

/// A source's complete firing set: the leader journals what changed.
pub fn on_snapshot(
    state: &mut crate::app::State,
    source: &str,
    firing: Vec<ObservedAlarm>,
) -> Vec<crate::app::Effect> {
    if !state.ingest_leader {
        return Vec::new();
    }
    if state.recording.write_error.is_some() {
        // The journal lost what was last sent: diff against what it has.
        state.ingest = Ingest::from_board(&state.board);
    }
    let actor = state.session.source_actor(source);
    let events = state.ingest.diff(source, firing, state.now, &actor);
    if events.is_empty() {
        Vec::new()
    } else {
        vec![crate::app::Effect::Append(events)]
    }
}

/// Something a source noticed that the leader journals as it is.
pub fn on_note(state: &crate::app::State, ev: NewEvent) -> Vec<crate::app::Effect> {
    if state.ingest_leader {
        vec![crate::app::Effect::Append(vec![ev])]
    } else {
        Vec::new()
    }
}

/// This console became (or stopped being) the one that ingests.
pub fn on_role(state: &mut crate::app::State, leader: bool) {
    if leader && !state.ingest_leader {
        // Taking over from another console: start from what the journal says.
        state.ingest = Ingest::from_board(&state.board);
    }
    state.ingest_leader = leader;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use chrono::TimeZone;

    fn obs(fp: &str, sev: Severity) -> ObservedAlarm {
        ObservedAlarm {
            fingerprint: fp.into(),
            source: "demo".into(),
            name: format!("Alarm{fp}"),
            severity: sev,
            labels: Default::default(),
            annotations: Default::default(),
            starts_at: Utc.timestamp_opt(0, 0).unwrap(),
            generator_url: None,
        }
    }

    fn kinds(evs: &[NewEvent]) -> Vec<&str> {
        evs.iter().map(|e| e.kind.as_str()).collect()
    }

    #[test]
    fn only_changes_are_journaled() {
        let t0 = Utc.timestamp_opt(1000, 0).unwrap();
        let mut ing = Ingest::default();
        let e = ing.diff("demo", vec![obs("a", Severity::Major)], t0, "src");
        assert_eq!(kinds(&e), ["alarm.raised"]);
        assert!(
            ing.diff("demo", vec![obs("a", Severity::Major)], t0, "src")
                .is_empty()
        );
        let e = ing.diff("demo", vec![obs("a", Severity::Critical)], t0, "src");
        assert_eq!(kinds(&e), ["alarm.updated"]);
        let e = ing.diff("demo", vec![], t0, "src");
        assert_eq!(kinds(&e), ["alarm.resolved"]);
        assert_eq!(e[0].subject, "a");
    }
}
