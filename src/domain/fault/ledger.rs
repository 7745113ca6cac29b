//! The fault ledger: the projection of `fault.*` journal events into the
//! faults an operator sees, like the alarm board is for `alarm.*`. Pure:
//! replaying the journal rebuilds it, an event seen twice is ignored, and
//! the console, the CLI and the watchdog all read faults through it.
//!
//! States: intended → injecting → active → recovering → recovered, or
//! failed (injection failed; nothing left in place), recovery failing
//! (retried, shown loudly until it succeeds or an operator dismisses it),
//! orphaned (its console is gone), dismissed.

use super::payloads::{
    Dismissed, Failed, Intended, Orphaned, Phase, Recovered, Recovering, WithRecord,
};
use super::{FaultSpec, Owner, RecoveryRecord, Trigger};
use crate::domain::{Event, EventKind};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A fault's history is short; this only bounds a fault retried for days.
const HISTORY_CAP: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultState {
    Intended,
    Injecting,
    Active,
    Recovering,
    Recovered,
    /// Injection failed and whatever it had done was undone.
    Failed,
    /// A recovery failed: the fault may still be in place.
    RecoveryFailing,
    Orphaned,
    Dismissed,
}

impl FaultState {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultState::Intended => "intended",
            FaultState::Injecting => "injecting",
            FaultState::Active => "active",
            FaultState::Recovering => "recovering",
            FaultState::Recovered => "recovered",
            FaultState::Failed => "failed",
            FaultState::RecoveryFailing => "RECOVERY FAILING",
            FaultState::Orphaned => "orphaned",
            FaultState::Dismissed => "dismissed",
        }
    }

    /// Something may be injected right now (or is about to be): it counts
    /// against the blast radius and somebody must recover it.
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            FaultState::Recovered | FaultState::Failed | FaultState::Dismissed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub id: String,
    pub spec: FaultSpec,
    pub owner: Owner,
    pub deadline: DateTime<Utc>,
    pub intended_at: DateTime<Utc>,
    pub state: FaultState,
    /// The latest record: prepared while injecting, final once active.
    pub record: Option<RecoveryRecord>,
    pub active_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The latest recovery claim: who, why, when.
    pub recovering: Option<(Owner, Trigger, DateTime<Utc>)>,
    /// What ended it (for history).
    pub ended_by: Option<Trigger>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
    pub history: Vec<HistoryEntry>,
}

impl Fault {
    pub fn is_live(&self) -> bool {
        self.state.is_live()
    }

    /// Seconds until the deadline (negative once past).
    pub fn left_secs(&self, now: DateTime<Utc>) -> i64 {
        (self.deadline - now).num_seconds()
    }

    fn note(&mut self, ev: &Event, text: String) {
        if self.history.len() >= HISTORY_CAP {
            self.history.remove(0);
        }
        self.history.push(HistoryEntry {
            at: ev.ts,
            actor: ev.actor.clone(),
            text,
        });
    }
}

/// Counts for the header badge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub live: usize,
    pub failing: usize,
    pub orphaned: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaultLedger {
    faults: HashMap<String, Fault>,
    /// Ids in the order they were intended.
    order: Vec<String>,
    pub last_event_id: i64,
    /// Bumped on every change, so views can cache.
    pub generation: u64,
}

fn lenient<T: DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
    serde_json::from_value(v.clone()).ok()
}

impl FaultLedger {
    pub fn new() -> FaultLedger {
        FaultLedger::default()
    }

    pub fn get(&self, id: &str) -> Option<&Fault> {
        self.faults.get(id)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Every fault, oldest intent first.
    pub fn all(&self) -> impl DoubleEndedIterator<Item = &Fault> {
        self.order.iter().filter_map(|id| self.faults.get(id))
    }

    pub fn live(&self) -> impl Iterator<Item = &Fault> {
        self.all().filter(|f| f.is_live())
    }

    pub fn counts(&self) -> FaultCounts {
        let mut c = FaultCounts::default();
        for f in self.live() {
            c.live += 1;
            match f.state {
                FaultState::RecoveryFailing => c.failing += 1,
                FaultState::Orphaned => c.orphaned += 1,
                _ => {}
            }
        }
        c
    }

    /// The earliest moment after `now` something is due: a live fault's
    /// deadline or a retry. The runtime wakes the core (and the watchdog
    /// wakes) then instead of at the next poll. Moments already past are
    /// skipped: a fault being recovered still has its old deadline.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.live()
            .flat_map(|f| {
                let retry = (f.state == FaultState::RecoveryFailing)
                    .then_some(f.retry_at)
                    .flatten();
                [Some(f.deadline), retry]
            })
            .flatten()
            .filter(|t| *t > now)
            .min()
    }

    /// Apply one committed event; returns whether anything changed.
    pub fn apply(&mut self, ev: &Event) -> bool {
        if ev.id <= self.last_event_id {
            return false;
        }
        self.last_event_id = ev.id;
        let changed = match ev.kind() {
            Some(EventKind::FaultIntended) => self.intended(ev),
            Some(EventKind::FaultInjecting) => self.with(ev, |f, ev| {
                let p: WithRecord = lenient(&ev.payload)?;
                if matches!(f.state, FaultState::Intended | FaultState::Orphaned) {
                    f.state = FaultState::Injecting;
                }
                f.record = Some(p.record);
                Some("injecting".to_string())
            }),
            // The newest word that it is in place wins, even after a
            // recovery raced it: better recover twice than leave it.
            Some(EventKind::FaultActive) => self.with(ev, |f, ev| {
                let p: WithRecord = lenient(&ev.payload)?;
                let text = format!("active: {}", p.record.summary);
                f.state = FaultState::Active;
                f.record = Some(p.record);
                f.active_at = Some(ev.ts);
                f.ended_at = None;
                Some(text)
            }),
            Some(EventKind::FaultRecovering) => self.with(ev, |f, ev| {
                let p: Recovering = lenient(&ev.payload)?;
                let text = format!("recovering ({}, attempt {})", p.trigger, p.attempt);
                f.state = FaultState::Recovering;
                f.attempts = f.attempts.max(p.attempt);
                f.recovering = Some((p.by, p.trigger, ev.ts));
                Some(text)
            }),
            Some(EventKind::FaultRecovered) => self.with(ev, |f, ev| {
                let p: Recovered = lenient(&ev.payload)?;
                f.state = FaultState::Recovered;
                f.ended_at = Some(ev.ts);
                f.ended_by = Some(p.trigger);
                f.retry_at = None;
                let text = if p.detail.is_empty() {
                    format!("recovered ({})", p.trigger)
                } else {
                    format!("recovered ({}): {}", p.trigger, p.detail)
                };
                Some(text)
            }),
            Some(EventKind::FaultFailed) => self.with(ev, |f, ev| {
                let p: Failed = lenient(&ev.payload)?;
                f.last_error = Some(p.reason.clone());
                match p.phase {
                    Phase::Inject => {
                        f.state = FaultState::Failed;
                        f.ended_at = Some(ev.ts);
                        Some(format!("injection failed: {}", p.reason))
                    }
                    Phase::Recover => {
                        f.state = FaultState::RecoveryFailing;
                        f.attempts = f.attempts.max(p.attempt);
                        f.retry_at = p.retry_at;
                        Some(format!(
                            "recovery attempt {} failed: {}",
                            p.attempt, p.reason
                        ))
                    }
                }
            }),
            Some(EventKind::FaultOrphaned) => self.with(ev, |f, ev| {
                let p: Orphaned = lenient(&ev.payload)?;
                if matches!(
                    f.state,
                    FaultState::Intended | FaultState::Injecting | FaultState::Active
                ) {
                    f.state = FaultState::Orphaned;
                }
                Some(format!("owner gone; noticed by {}", p.by.label()))
            }),
            Some(EventKind::FaultDismissed) => self.with(ev, |f, ev| {
                let p: Dismissed = lenient(&ev.payload).unwrap_or(Dismissed {
                    reason: String::new(),
                });
                if f.state == FaultState::Recovered {
                    return None;
                }
                f.state = FaultState::Dismissed;
                f.ended_at = Some(ev.ts);
                f.retry_at = None;
                Some(format!("dismissed: {}", p.reason))
            }),
            _ => false,
        };
        if changed {
            self.generation += 1;
        }
        changed
    }

    fn intended(&mut self, ev: &Event) -> bool {
        if self.faults.contains_key(&ev.subject) {
            return false;
        }
        let Some(p) = lenient::<Intended>(&ev.payload) else {
            tracing::warn!(id = ev.id, "fault.intended with an unreadable payload");
            return false;
        };
        let mut f = Fault {
            id: ev.subject.clone(),
            spec: p.spec,
            owner: p.owner,
            deadline: p.deadline,
            intended_at: ev.ts,
            state: FaultState::Intended,
            record: None,
            active_at: None,
            ended_at: None,
            recovering: None,
            ended_by: None,
            attempts: 0,
            last_error: None,
            retry_at: None,
            history: Vec::new(),
        };
        let text = format!("intended: {} for {}s", f.spec.label(), f.spec.duration_secs);
        f.note(ev, text);
        self.order.push(f.id.clone());
        self.faults.insert(f.id.clone(), f);
        true
    }

    /// Apply `f` to the event's fault; it returns the history line, or
    /// `None` when the event changes nothing (unknown fault, bad payload).
    fn with(&mut self, ev: &Event, f: impl FnOnce(&mut Fault, &Event) -> Option<String>) -> bool {
        let Some(fault) = self.faults.get_mut(&ev.subject) else {
            return false;
        };
        match f(fault, ev) {
            Some(text) => {
                fault.note(ev, text);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::event::payload;
    use crate::domain::fault::OwnerKind;
    use chrono::TimeZone;
    use serde_json::Value;

    pub fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    pub fn owner(instance: &str) -> Owner {
        Owner {
            kind: OwnerKind::Console,
            actor: "alice@h".into(),
            host: "h".into(),
            pid: 100,
            start: 5,
            instance: instance.into(),
        }
    }

    pub fn spec() -> FaultSpec {
        FaultSpec {
            provider: "process".into(),
            target: "pid:4242".into(),
            action: "pause".into(),
            params: Default::default(),
            duration_secs: 30,
            guard: None,
            probe: None,
        }
    }

    pub fn ev(id: i64, at: i64, kind: EventKind, subject: &str, p: Value) -> Event {
        Event {
            id,
            ts: t(at),
            actor: "alice@h".into(),
            kind: kind.as_str().into(),
            subject: subject.into(),
            payload: p,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    pub fn record() -> RecoveryRecord {
        RecoveryRecord {
            provider: "process".into(),
            summary: "pid 4242 stopped".into(),
            data: serde_json::json!({"pids": [[4242, 9]]}),
        }
    }

    pub fn intended(id: i64, at: i64, subject: &str, inst: &str) -> Event {
        ev(
            id,
            at,
            EventKind::FaultIntended,
            subject,
            payload(&Intended {
                spec: spec(),
                owner: owner(inst),
                deadline: t(at + 30),
            }),
        )
    }

    pub fn active(id: i64, at: i64, subject: &str) -> Event {
        ev(
            id,
            at,
            EventKind::FaultActive,
            subject,
            payload(&WithRecord { record: record() }),
        )
    }

    #[test]
    fn a_fault_goes_through_its_states() {
        let mut l = FaultLedger::new();
        assert!(l.apply(&intended(1, 0, "f1", "c1")));
        assert_eq!(l.get("f1").unwrap().state, FaultState::Intended);
        assert!(l.apply(&ev(
            2,
            0,
            EventKind::FaultInjecting,
            "f1",
            payload(&WithRecord { record: record() })
        )));
        assert_eq!(l.get("f1").unwrap().state, FaultState::Injecting);
        assert!(l.get("f1").unwrap().record.is_some());
        assert!(l.apply(&active(3, 1, "f1")));
        assert_eq!(l.counts().live, 1);
        assert_eq!(l.next_wake(t(0)), Some(t(30)));
        assert_eq!(l.next_wake(t(30)), None, "past moments are skipped");
        assert!(l.apply(&ev(
            4,
            30,
            EventKind::FaultRecovering,
            "f1",
            payload(&Recovering {
                trigger: Trigger::Deadline,
                by: owner("c1"),
                attempt: 1
            })
        )));
        assert_eq!(l.get("f1").unwrap().state, FaultState::Recovering);
        assert!(l.apply(&ev(
            5,
            30,
            EventKind::FaultRecovered,
            "f1",
            payload(&Recovered {
                trigger: Trigger::Deadline,
                detail: String::new()
            })
        )));
        let f = l.get("f1").unwrap();
        assert_eq!(f.state, FaultState::Recovered);
        assert_eq!(f.ended_by, Some(Trigger::Deadline));
        assert_eq!(f.history.len(), 5);
        assert_eq!(l.counts().live, 0);
        assert_eq!(l.next_wake(t(0)), None);
        // Replaying an old event changes nothing.
        assert!(!l.apply(&active(3, 1, "f1")));
    }

    #[test]
    fn failing_recovery_stays_live_and_loud_until_recovered_or_dismissed() {
        let mut l = FaultLedger::new();
        l.apply(&intended(1, 0, "f1", "c1"));
        l.apply(&active(2, 1, "f1"));
        let failed = |id, attempt| {
            ev(
                id,
                31,
                EventKind::FaultFailed,
                "f1",
                payload(&Failed {
                    phase: Phase::Recover,
                    reason: "exit status 1".into(),
                    attempt,
                    retry_at: Some(t(33)),
                }),
            )
        };
        assert!(l.apply(&failed(3, 1)));
        let f = l.get("f1").unwrap();
        assert_eq!(f.state, FaultState::RecoveryFailing);
        assert_eq!(f.last_error.as_deref(), Some("exit status 1"));
        assert_eq!(
            l.counts(),
            FaultCounts {
                live: 1,
                failing: 1,
                orphaned: 0
            }
        );
        // Deadline (t30) is earlier than the retry, but both are candidates.
        assert_eq!(l.next_wake(t(0)), Some(t(30)));
        assert_eq!(l.next_wake(t(31)), Some(t(33)), "past moments are skipped");
        assert!(l.apply(&ev(
            4,
            40,
            EventKind::FaultDismissed,
            "f1",
            payload(&Dismissed {
                reason: "removed by hand".into()
            })
        )));
        assert_eq!(l.get("f1").unwrap().state, FaultState::Dismissed);
        assert_eq!(l.counts().live, 0);
    }

    #[test]
    fn injection_failure_ends_the_fault_and_active_after_recovery_reopens_it() {
        let mut l = FaultLedger::new();
        l.apply(&intended(1, 0, "f1", "c1"));
        l.apply(&ev(
            2,
            0,
            EventKind::FaultFailed,
            "f1",
            payload(&Failed {
                phase: Phase::Inject,
                reason: "no such pid".into(),
                attempt: 0,
                retry_at: None,
            }),
        ));
        assert_eq!(l.get("f1").unwrap().state, FaultState::Failed);
        assert!(!l.get("f1").unwrap().is_live());

        l.apply(&intended(3, 0, "f2", "c1"));
        l.apply(&ev(
            4,
            1,
            EventKind::FaultRecovered,
            "f2",
            payload(&Recovered {
                trigger: Trigger::Panic,
                detail: String::new(),
            }),
        ));
        assert!(l.apply(&active(5, 2, "f2")));
        assert_eq!(l.get("f2").unwrap().state, FaultState::Active);
    }

    #[test]
    fn orphans_unknown_faults_and_bad_payloads() {
        let mut l = FaultLedger::new();
        // Events for a fault never intended are ignored.
        assert!(!l.apply(&active(1, 0, "ghost")));
        assert!(!l.apply(&ev(2, 0, EventKind::FaultIntended, "bad", Value::Null)));
        l.apply(&intended(3, 0, "f1", "c1"));
        l.apply(&active(4, 0, "f1"));
        assert!(l.apply(&ev(
            5,
            1,
            EventKind::FaultOrphaned,
            "f1",
            payload(&Orphaned { by: owner("c2") })
        )));
        assert_eq!(l.get("f1").unwrap().state, FaultState::Orphaned);
        assert_eq!(l.counts().orphaned, 1);
        // A second intent with the same id does not overwrite the first.
        assert!(!l.apply(&intended(6, 0, "f1", "c9")));
        assert_eq!(l.get("f1").unwrap().owner.instance, "c1");
        assert_eq!(l.len(), 1);
    }
}
