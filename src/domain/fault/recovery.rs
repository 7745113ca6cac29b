//! Who recovers what, and when: pure decisions over the ledger, shared by
//! the console (its own faults), the watchdog (faults nobody else will
//! recover) and orphan detection on start. Retries back off (1 s, 2 s, 4 s
//! … capped at a minute) and never stop on their own: a fault whose
//! recovery keeps failing stays loud until it is recovered or dismissed.
//!
//! Liveness of other processes is I/O, so it comes in as a function.

use super::ledger::{Fault, FaultLedger, FaultState};
use super::{OwnerKind, Trigger};
use chrono::{DateTime, Duration, Utc};

/// How long the watchdog leaves a live console to recover its own fault
/// after the deadline before stepping in itself.
pub const WATCHDOG_GRACE: Duration = Duration::seconds(5);

/// A recovery claim older than this is considered stuck (providers time
/// out well before it), so somebody else may retry.
pub const CLAIM_TIMEOUT: Duration = Duration::seconds(120);

/// Wait before retry number `attempt + 1`.
pub fn backoff(attempt: u32) -> Duration {
    let secs = 1i64 << attempt.saturating_sub(1).min(6);
    Duration::seconds(secs.min(60))
}

fn retry_due(f: &Fault, now: DateTime<Utc>) -> bool {
    f.retry_at.is_none_or(|t| t <= now)
}

/// Faults this console must act on now: its own past their deadline, and
/// retries of recoveries it (or its faults) had that failed.
pub fn console_due(
    ledger: &FaultLedger,
    instance: &str,
    now: DateTime<Utc>,
) -> Vec<(String, Trigger)> {
    let mine = |f: &Fault| f.owner.instance == instance;
    let last_try_mine = |f: &Fault| {
        f.recovering
            .as_ref()
            .is_some_and(|(by, _, _)| by.instance == instance)
    };
    ledger
        .live()
        .filter_map(|f| match f.state {
            FaultState::Active if mine(f) && f.deadline <= now => {
                Some((f.id.clone(), Trigger::Deadline))
            }
            FaultState::RecoveryFailing if (mine(f) || last_try_mine(f)) && retry_due(f, now) => {
                Some((f.id.clone(), Trigger::Retry))
            }
            _ => None,
        })
        .collect()
}

/// Faults the watchdog must act on now. `alive` says whether a recorded
/// process still runs. The watchdog recovers a fault past its deadline
/// when its owner is gone or a CLI (which always leaves it to the
/// watchdog), or when a live owner has not done it within the grace; and
/// it retries failing recoveries nobody alive is retrying.
pub fn watchdog_due(
    ledger: &FaultLedger,
    now: DateTime<Utc>,
    alive: &dyn Fn(&super::Owner) -> bool,
) -> Vec<(String, Trigger)> {
    ledger
        .live()
        .filter_map(|f| {
            let owner_away = f.owner.kind != OwnerKind::Console || !alive(&f.owner);
            let claim_stale = |f: &Fault| {
                f.recovering
                    .as_ref()
                    .is_none_or(|(by, _, at)| !alive(by) || now - *at > CLAIM_TIMEOUT)
            };
            let past = f.deadline <= now;
            let late = f.deadline + WATCHDOG_GRACE <= now;
            match f.state {
                FaultState::Intended
                | FaultState::Injecting
                | FaultState::Active
                | FaultState::Orphaned
                    if past && (owner_away || late) =>
                {
                    Some((f.id.clone(), Trigger::Deadline))
                }
                FaultState::Recovering if claim_stale(f) => Some((f.id.clone(), Trigger::Retry)),
                // A live console retries its own faults and its own
                // attempts (see `console_due`); everything else is ours.
                FaultState::RecoveryFailing if retry_due(f, now) && !console_retries(f, alive) => {
                    Some((f.id.clone(), Trigger::Retry))
                }
                _ => None,
            }
        })
        .collect()
}

fn console_retries(f: &Fault, alive: &dyn Fn(&super::Owner) -> bool) -> bool {
    let live_console = |o: &super::Owner| o.kind == OwnerKind::Console && alive(o);
    live_console(&f.owner)
        || f.recovering
            .as_ref()
            .is_some_and(|(by, _, _)| live_console(by))
}

/// Active faults (among those `mine` accepts) whose guard matches an alarm
/// that is firing and was raised after the fault became active.
pub fn guard_hits<'a>(
    ledger: &'a FaultLedger,
    board: &crate::domain::AlarmBoard,
    mine: &dyn Fn(&Fault) -> bool,
) -> Vec<&'a Fault> {
    ledger
        .live()
        .filter(|f| f.state == FaultState::Active && mine(f))
        .filter(|f| {
            let (Some(g), Some(since)) = (&f.spec.guard, f.active_at) else {
                return false;
            };
            let Ok(filter) = crate::domain::filter::Filter::parse(g) else {
                return false;
            };
            board
                .iter()
                .any(|a| a.is_firing() && a.raised_at >= since && filter.matches(a))
        })
        .collect()
}

/// Live faults started by a console that is no longer running, and not
/// already being recovered by someone who is.
pub fn orphans<'a>(
    ledger: &'a FaultLedger,
    alive: &dyn Fn(&super::Owner) -> bool,
) -> Vec<&'a Fault> {
    ledger
        .live()
        .filter(|f| f.owner.kind == OwnerKind::Console && !alive(&f.owner))
        .filter(|f| match f.state {
            FaultState::Recovering => f.recovering.as_ref().is_none_or(|(by, _, _)| !alive(by)),
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventKind;
    use crate::domain::event::payload;
    use crate::domain::fault::ledger::tests::{active, intended, t};
    use crate::domain::fault::payloads::{Failed, Phase};

    fn failed(id: i64, retry_at: i64) -> crate::domain::Event {
        crate::domain::fault::ledger::tests::ev(
            id,
            31,
            EventKind::FaultFailed,
            "f1",
            payload(&Failed {
                phase: Phase::Recover,
                reason: "boom".into(),
                attempt: 1,
                retry_at: Some(t(retry_at)),
            }),
        )
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let secs: Vec<i64> = (1..=9).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_console_recovers_its_own_faults_at_the_deadline_and_retries() {
        let mut l = FaultLedger::new();
        l.apply(&intended(1, 0, "f1", "me"));
        l.apply(&active(2, 0, "f1"));
        l.apply(&intended(3, 0, "f2", "other"));
        l.apply(&active(4, 0, "f2"));
        assert!(console_due(&l, "me", t(29)).is_empty());
        assert_eq!(
            console_due(&l, "me", t(30)),
            vec![("f1".to_string(), Trigger::Deadline)]
        );
        l.apply(&failed(5, 33));
        assert!(console_due(&l, "me", t(32)).is_empty());
        assert_eq!(
            console_due(&l, "me", t(33)),
            vec![("f1".to_string(), Trigger::Retry)]
        );
    }

    #[test]
    fn the_watchdog_steps_in_for_dead_owners_at_once_and_for_live_ones_after_grace() {
        let mut l = FaultLedger::new();
        l.apply(&intended(1, 0, "f1", "me"));
        l.apply(&active(2, 0, "f1"));
        let dead = |_: &crate::domain::fault::Owner| false;
        let live = |_: &crate::domain::fault::Owner| true;
        assert!(watchdog_due(&l, t(29), &dead).is_empty());
        assert_eq!(watchdog_due(&l, t(30), &dead).len(), 1);
        assert!(watchdog_due(&l, t(30), &live).is_empty());
        assert_eq!(watchdog_due(&l, t(35), &live).len(), 1);
        // A failing recovery is retried by the watchdog when due.
        l.apply(&failed(3, 40));
        assert!(watchdog_due(&l, t(39), &dead).is_empty());
        assert_eq!(
            watchdog_due(&l, t(40), &dead),
            vec![("f1".to_string(), Trigger::Retry)]
        );
    }

    #[test]
    fn orphans_are_console_faults_whose_console_is_gone() {
        let mut l = FaultLedger::new();
        l.apply(&intended(1, 0, "f1", "gone"));
        l.apply(&active(2, 0, "f1"));
        l.apply(&intended(3, 0, "f2", "here"));
        let alive = |o: &crate::domain::fault::Owner| o.instance == "here";
        let ids: Vec<&str> = orphans(&l, &alive).iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, vec!["f1"]);
    }
}
