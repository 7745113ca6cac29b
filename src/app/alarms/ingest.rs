//! Turning source snapshots into journal events: only changes are
//! journaled (raised, updated, resolved). The diff is against what this
//! console last reported, not against the board, so a snapshot that arrives
//! before the previous batch is committed does not raise an alarm twice.
//!
//! The ledger keeps a digest of each alarm's content, not a copy: the board
//! holds the one copy of every alarm.

use crate::domain::alarm::Text;
use crate::domain::event::{AlarmResolved, payload};
use crate::domain::{AlarmBoard, EventKind, NewEvent, ObservedAlarm};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

/// Alarms inherited from an earlier session get this long to be confirmed by
/// the source before they are resolved, so a restart does not clear (and
/// then re-raise, losing its ack) everything that is still firing.
pub const SETTLE: Duration = Duration::seconds(30);

#[derive(Debug, Default, Clone)]
pub struct SourceLedger {
    /// What the journal was last told is firing: fingerprint → content
    /// digest ([`ObservedAlarm::content_hash`]).
    /// (Keys interned: the board holds the same strings.)
    reported: HashMap<Text, u64>,
    /// Fingerprints inherited from the journal and not yet seen again.
    inherited: HashSet<Text>,
    first_snapshot: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Clone)]
pub struct Ingest {
    sources: HashMap<String, SourceLedger>,
    /// `Changes` heard while another console was the ingest leader, by
    /// source and fingerprint (the latest of each): journaled if this
    /// console takes over, as the source will not say them again.
    deferred: HashMap<String, HashMap<String, Deferred>>,
}

/// Most deferred changes kept per source.
const DEFER_CAP: usize = 200_000;

#[derive(Debug, Clone)]
enum Deferred {
    Firing(ObservedAlarm),
    Resolved(String),
}

impl Ingest {
    /// Start from what the journal says is firing.
    pub fn from_board(board: &AlarmBoard) -> Ingest {
        let mut ingest = Ingest::default();
        for a in board.iter_recorded().filter(|a| a.is_firing()) {
            let ledger = ingest.sources.entry(a.observed.source.clone()).or_default();
            let fp = Text::new(a.fingerprint());
            ledger
                .reported
                .insert(fp.clone(), a.observed.content_hash());
            ledger.inherited.insert(fp);
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
        let mut seen: HashSet<String> = HashSet::with_capacity(firing.len());
        for obs in firing {
            ledger.inherited.remove(obs.fingerprint.as_str());
            if let Some(ev) = ledger.observe(&obs, now, actor) {
                out.push(ev);
            }
            seen.insert(obs.fingerprint.to_string());
        }
        let gone: Vec<Text> = ledger
            .reported
            .keys()
            .filter(|fp| {
                !seen.contains(fp.as_str()) && (settled || !ledger.inherited.contains(*fp))
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
                fp.as_str(),
                payload(&reason),
            ));
        }
        out
    }

    /// Changes reported one at a time (webhook, spool): `firing` are new or
    /// possibly changed alarms, `resolved` the fingerprints that ended (with
    /// why). Alarms not mentioned stay as they are, inherited ones included.
    pub fn changes(
        &mut self,
        source: &str,
        firing: Vec<ObservedAlarm>,
        resolved: Vec<(String, String)>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Vec<NewEvent> {
        let ledger = self.sources.entry(source.to_string()).or_default();
        let mut out = Vec::new();
        for obs in firing {
            ledger.inherited.remove(obs.fingerprint.as_str());
            out.extend(ledger.observe(&obs, now, actor));
        }
        for (fp, reason) in resolved {
            ledger.inherited.remove(fp.as_str());
            if ledger.reported.remove(fp.as_str()).is_some() {
                let reason = AlarmResolved {
                    reason: Some(reason),
                };
                out.push(NewEvent::new(
                    now,
                    actor,
                    EventKind::AlarmResolved,
                    &fp,
                    payload(&reason),
                ));
            }
        }
        out
    }
}

impl Ingest {
    /// What the journal has, for the sources that report whole snapshots;
    /// changes kept for later stay kept.
    pub fn resync(&mut self, board: &AlarmBoard) {
        let deferred = std::mem::take(&mut self.deferred);
        *self = Ingest::from_board(board);
        self.deferred = deferred;
    }

    /// Keep `Changes` for later (this console is not the ingest leader).
    pub fn defer(
        &mut self,
        source: &str,
        firing: Vec<ObservedAlarm>,
        resolved: Vec<(String, String)>,
    ) {
        let d = self.deferred.entry(source.to_string()).or_default();
        for obs in firing {
            d.insert(obs.fingerprint.to_string(), Deferred::Firing(obs));
        }
        for (fp, reason) in resolved {
            d.insert(fp, Deferred::Resolved(reason));
        }
        // A follower for days: resolves of alarms long gone are dropped
        // first (the journal has them resolved or never had them).
        if d.len() > DEFER_CAP {
            d.retain(|_, c| matches!(c, Deferred::Firing(_)));
        }
    }

    /// Taking over as the ingest leader: start from what the journal says
    /// (`board`), then journal what was deferred and is not in it yet.
    pub fn take_over(
        &mut self,
        board: &AlarmBoard,
        now: DateTime<Utc>,
        actor: impl Fn(&str) -> String,
    ) -> Vec<NewEvent> {
        let deferred = std::mem::take(&mut self.deferred);
        *self = Ingest::from_board(board);
        let mut out = Vec::new();
        for (source, changes) in deferred {
            let (mut firing, mut resolved) = (Vec::new(), Vec::new());
            for (fp, c) in changes {
                match c {
                    Deferred::Firing(obs) => firing.push(obs),
                    Deferred::Resolved(reason) => resolved.push((fp, reason)),
                }
            }
            out.extend(self.changes(&source, firing, resolved, now, &actor(&source)));
        }
        out
    }
}

impl SourceLedger {
    /// Raise or update `obs` if the journal does not have it as it is.
    fn observe(
        &mut self,
        obs: &ObservedAlarm,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Option<NewEvent> {
        let hash = obs.content_hash();
        let kind = match self.reported.insert(obs.fingerprint.clone(), hash) {
            None => EventKind::AlarmRaised,
            Some(prev) if prev != hash => EventKind::AlarmUpdated,
            Some(_) => return None,
        };
        Some(NewEvent::new(
            now,
            actor,
            kind,
            &obs.fingerprint,
            payload(obs),
        ))
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
        state.ingest.resync(&state.board);
    }
    let actor = state.session.source_actor(source);
    let events = state.ingest.diff(source, firing, state.now, &actor);
    if state.recording.write_error.is_some() {
        show_unrecorded(state, &events);
    }
    append(events)
}

/// While the journal cannot be written, what the sources say is still on
/// the board, marked unrecorded (over what the journal has).
fn show_unrecorded(state: &mut crate::app::State, events: &[NewEvent]) {
    if events.is_empty() {
        return;
    }
    for ev in events {
        state.board.overlay(ev);
    }
    state.counts = state.board.counts();
    state.alarms.refresh(&state.board);
}

/// Changes a source reports one at a time (webhook, spool): the leader
/// journals them; a follower, or a leader whose journal cannot be written,
/// keeps them for when it can ([`Ingest::take_over`]).
pub fn on_changes(
    state: &mut crate::app::State,
    source: &str,
    firing: Vec<ObservedAlarm>,
    resolved: Vec<(String, String)>,
) -> Vec<crate::app::Effect> {
    if state.ingest_leader && state.recording.write_error.is_some() {
        // Kept for when the journal can be written, and shown meanwhile.
        let actor = state.session.source_actor(source);
        let shown: Vec<NewEvent> = firing
            .iter()
            .map(|o| {
                let kind = match state.board.get(o.fingerprint.as_str()) {
                    Some(a) if a.is_firing() => EventKind::AlarmUpdated,
                    _ => EventKind::AlarmRaised,
                };
                NewEvent::new(state.now, &actor, kind, &o.fingerprint, payload(o))
            })
            .chain(resolved.iter().map(|(fp, reason)| {
                NewEvent::new(
                    state.now,
                    &actor,
                    EventKind::AlarmResolved,
                    fp,
                    payload(&AlarmResolved {
                        reason: Some(reason.clone()),
                    }),
                )
            }))
            .collect();
        show_unrecorded(state, &shown);
    }
    if !state.ingest_leader || state.recording.write_error.is_some() {
        state.ingest.defer(source, firing, resolved);
        return Vec::new();
    }
    let actor = state.session.source_actor(source);
    let events = state
        .ingest
        .changes(source, firing, resolved, state.now, &actor);
    append(events)
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
pub fn on_role(state: &mut crate::app::State, leader: bool) -> Vec<crate::app::Effect> {
    let mut events = Vec::new();
    if leader && !state.ingest_leader {
        // Taking over from another console: start from what the journal
        // says, plus changes heard meanwhile.
        events = catch_up(state);
    }
    state.ingest_leader = leader;
    append(events)
}

/// Start again from what the journal has (`state.board`) and journal the
/// changes kept meanwhile: on becoming the leader, and when the journal can
/// be written again after it could not.
pub fn catch_up(state: &mut crate::app::State) -> Vec<NewEvent> {
    let session = &state.session;
    state
        .ingest
        .take_over(&state.board, state.now, |s| session.source_actor(s))
}

fn append(events: Vec<NewEvent>) -> Vec<crate::app::Effect> {
    if events.is_empty() {
        Vec::new()
    } else {
        vec![crate::app::Effect::Append(events)]
    }
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
            name: format!("Alarm{fp}").into(),
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

    #[test]
    fn changes_leave_unmentioned_alarms_alone() {
        let t0 = Utc.timestamp_opt(1000, 0).unwrap();
        let mut ing = Ingest::default();
        let e = ing.changes(
            "webhook",
            vec![obs("a", Severity::Major), obs("b", Severity::Major)],
            vec![],
            t0,
            "src",
        );
        assert_eq!(kinds(&e), ["alarm.raised", "alarm.raised"]);
        // Long after, a change about `a` alone: `b` is not resolved.
        let later = t0 + Duration::hours(5);
        let e = ing.changes(
            "webhook",
            vec![obs("a", Severity::Critical)],
            vec![],
            later,
            "src",
        );
        assert_eq!(kinds(&e), ["alarm.updated"]);
        let e = ing.changes(
            "webhook",
            vec![],
            vec![
                ("b".into(), "resolved by the sender".into()),
                ("zz".into(), "x".into()),
            ],
            later,
            "src",
        );
        assert_eq!(kinds(&e), ["alarm.resolved"]);
        assert_eq!(e[0].subject, "b");
        assert_eq!(e[0].payload["reason"], "resolved by the sender");
    }

    #[test]
    fn a_follower_journals_deferred_changes_when_it_takes_over() {
        let t0 = Utc.timestamp_opt(1000, 0).unwrap();
        let mut ing = Ingest::default();
        ing.defer("webhook", vec![obs("a", Severity::Major)], vec![]);
        ing.defer(
            "webhook",
            vec![obs("a", Severity::Critical), obs("b", Severity::Minor)],
            vec![],
        );
        ing.defer(
            "webhook",
            vec![],
            vec![("b".into(), "resolved by the sender".into())],
        );
        let e = ing.take_over(&AlarmBoard::new(), t0, |s| format!("source:{s}"));
        // Only the latest of each: `a` critical, `b` never journaled so nothing to resolve.
        assert_eq!(kinds(&e), ["alarm.raised"]);
        assert_eq!(e[0].payload["severity"], "critical");
        assert_eq!(e[0].actor, "source:webhook");
        assert!(
            ing.take_over(&AlarmBoard::new(), t0, |s| s.to_string())
                .is_empty()
        );
    }
}
