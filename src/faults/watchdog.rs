//! The watchdog: `cocpit watchdog --journal PATH`, started detached (its
//! own session, stdio on /dev/null) by the first injection, so it outlives
//! the console, its terminal and the SSH session. It follows the journal
//! and recovers faults past their deadline that nobody else recovers (see
//! [`recovery::watchdog_due`](crate::domain::fault::recovery::watchdog_due)), retries
//! failing recoveries, and exits once nothing has been live for a while.
//! At most one per journal: it holds an advisory lock on
//! `<journal>.watchdog.lock`, released by the kernel when it dies.

use super::exec::Executor;
use super::proc;
use super::watchdog_lock::try_lock;
use crate::domain::fault::FaultState;
use crate::domain::fault::ledger::FaultLedger;
use crate::domain::fault::recovery::{guard_hits, watchdog_due};
use crate::domain::fault::{OwnerKind, Trigger};
use crate::journal::{Journal, Writer};
use chrono::Utc;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the journal is read for new events.
const POLL: Duration = Duration::from_millis(100);
/// Nothing live for this long: the watchdog exits.
const IDLE_EXIT: Duration = Duration::from_secs(3);

/// The watchdog's main loop. Returns when nothing is live (or another
/// watchdog owns the journal).
pub fn run(journal_path: &Path) -> Result<(), String> {
    let Some(mut lock) = try_lock(journal_path)? else {
        tracing::info!("another watchdog watches {}", journal_path.display());
        return Ok(());
    };
    // SIGHUP would end us when the terminal that started the console goes.
    // SAFETY: setting a signal disposition to SIG_IGN has no memory effects.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    let journal = Journal::open_existing(journal_path).map_err(|e| e.to_string())?;
    let writer = Writer::spawn(journal_path).map_err(|e| e.to_string())?;
    let me = proc::me(
        OwnerKind::Watchdog,
        &format!("watchdog@{}", proc::hostname()),
        &proc::instance_id(),
    );
    tracing::info!(
        pid = me.pid,
        "watchdog started on {}",
        journal_path.display()
    );
    let exec = Executor::new(writer.clone(), me, journal_path);
    let mut ledger = FaultLedger::new();
    // Alarms too, for the guards of faults nobody else watches (CLI faults).
    let mut board = crate::domain::AlarmBoard::new();
    let mut running: HashMap<String, JoinHandle<()>> = HashMap::new();
    // Probe guards of faults nobody else watches: a thread each.
    type ProbeRun = (Arc<AtomicBool>, JoinHandle<Option<String>>);
    let mut probes: HashMap<String, ProbeRun> = HashMap::new();
    let mut idle_since: Option<Instant> = None;
    loop {
        running.retain(|_, h| !h.is_finished());
        // A journal deleted under us (its directory removed) has no
        // faults anyone can see or recover any more: do not linger on it.
        if !journal_path.exists() {
            tracing::warn!(
                "journal {} is gone; watchdog exiting",
                journal_path.display()
            );
            break;
        }
        loop {
            let events = journal
                .read_after(ledger.last_event_id, 10_000)
                .map_err(|e| e.to_string())?;
            if events.is_empty() {
                break;
            }
            for ev in &events {
                ledger.apply(ev);
                board.apply(ev);
            }
        }
        let now = Utc::now();
        let unwatched = |f: &crate::domain::fault::Fault| {
            f.owner.kind != OwnerKind::Console || !proc::alive(&f.owner)
        };
        probes.retain(|id, (stop, _)| {
            let still = ledger
                .get(id)
                .is_some_and(|f| f.state == FaultState::Active && unwatched(f));
            if !still {
                stop.store(true, Ordering::Relaxed);
            }
            still
        });
        let finished: Vec<String> = probes
            .iter()
            .filter(|(_, (_, h))| h.is_finished())
            .map(|(id, _)| id.clone())
            .collect();
        let mut probe_hits = Vec::new();
        for id in finished {
            if let Some((_, handle)) = probes.remove(&id)
                && let Ok(Some(reason)) = handle.join()
            {
                tracing::info!(fault = %id, "{reason}");
                probe_hits.push(id);
            }
        }
        for f in ledger.live() {
            if let Some(url) = &f.spec.probe
                && f.state == FaultState::Active
                && unwatched(f)
                && !probes.contains_key(&f.id)
                && !probe_hits.contains(&f.id)
            {
                let stop = Arc::new(AtomicBool::new(false));
                let (url, until, s) = (url.clone(), f.deadline, stop.clone());
                let handle = std::thread::spawn(move || super::probe::watch(&url, until, &s));
                probes.insert(f.id.clone(), (stop, handle));
            }
        }
        let guarded = guard_hits(&ledger, &board, &unwatched)
            .into_iter()
            .map(|f| (f.id.clone(), Trigger::Guard))
            .chain(probe_hits.into_iter().map(|id| (id, Trigger::Guard)));
        let due: Vec<(String, Trigger)> = guarded
            .chain(watchdog_due(&ledger, now, &proc::alive))
            .collect();
        for (id, trigger) in due {
            if running.contains_key(&id) {
                continue;
            }
            let Some(fault) = ledger.get(&id).cloned() else {
                continue;
            };
            let exec = exec.clone();
            tracing::info!(fault = %id, %trigger, "watchdog recovering");
            let handle = std::thread::spawn(move || {
                if let Err(e) = exec.recover(&fault, trigger) {
                    tracing::warn!(fault = %fault.id, "watchdog recovery failed: {e}");
                }
            });
            running.insert(id, handle);
        }
        if ledger.counts().live == 0 && running.is_empty() {
            let since = *idle_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= IDLE_EXIT {
                // Release first, then look once more: a console that just
                // committed an intent either sees no lock or is seen here.
                drop(lock);
                let late = journal
                    .read_after(ledger.last_event_id, 10_000)
                    .map_err(|e| e.to_string())?;
                if late.is_empty() {
                    break;
                }
                match try_lock(journal_path)? {
                    Some(l) => lock = l,
                    None => break,
                }
                idle_since = None;
                continue;
            }
        } else {
            idle_since = None;
        }
        let wake = ledger
            .next_wake(Utc::now())
            .and_then(|t| (t - Utc::now()).to_std().ok())
            .unwrap_or(POLL)
            .min(POLL);
        std::thread::sleep(wake);
    }
    let _ = writer.shutdown();
    tracing::info!("watchdog: nothing live; exiting");
    Ok(())
}
