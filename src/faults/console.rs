//! The console's fault runner (runtime side): runs the core's
//! [`FaultEffect`]s on blocking threads through the shared [`Executor`],
//! reports back with [`FaultMsg::Done`], and on a normal exit waits for
//! running work and recovers this console's own live faults.

use super::exec::Executor;
use crate::app::Msg;
use crate::app::faults::{FaultEffect, FaultMsg};
use crate::domain::fault::ledger::FaultLedger;
use crate::domain::fault::{Fault, Owner, Trigger};
use crate::journal::{Journal, Writer};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a quitting console waits for injections and recoveries.
const EXIT_WAIT: Duration = Duration::from_secs(20);

/// What [`ConsoleFaults::start`] hands the boot.
pub struct Setup {
    pub runner: ConsoleFaults,
    /// Live faults whose console is gone.
    pub orphans: Vec<String>,
}

#[derive(Clone)]
pub struct ConsoleFaults {
    exec: Executor,
    journal: PathBuf,
    running: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl ConsoleFaults {
    /// Set up fault handling for a starting console: its owner identity, a
    /// watchdog if faults are live, and the orphans (live faults of consoles
    /// that are gone) for the core to handle.
    pub fn start(operator: &str, ledger: &FaultLedger, writer: &Writer, journal: &Path) -> Setup {
        let me = super::proc::me(
            crate::domain::fault::OwnerKind::Console,
            operator,
            &super::proc::instance_id(),
        );
        let runner = ConsoleFaults::new(writer.clone(), me, journal);
        let orphans = crate::domain::fault::recovery::orphans(ledger, &super::proc::alive)
            .iter()
            .map(|f| f.id.clone())
            .collect();
        if ledger.counts().live > 0 {
            runner.ensure_watchdog();
        }
        Setup { runner, orphans }
    }

    pub fn new(writer: Writer, me: Owner, journal: &Path) -> ConsoleFaults {
        ConsoleFaults {
            exec: Executor::new(writer, me, journal),
            journal: journal.to_path_buf(),
            running: Arc::default(),
        }
    }

    pub fn me(&self) -> &Owner {
        self.exec.me()
    }

    pub fn run(&self, effect: FaultEffect, tx: &mpsc::Sender<Msg>) {
        if let FaultEffect::Probe { id, url, until } = effect {
            // An async loop (cancelled with the runtime), one blocking GET at a time.
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut streak = super::probe::Streak::default();
                while Utc::now() < until {
                    let u = url.clone();
                    let result = tokio::task::spawn_blocking(move || super::probe::check(&u))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                    if let Some(reason) = streak.record(&url, result) {
                        let _ = tx
                            .send(Msg::Fault(FaultMsg::ProbeFailed { id, reason }))
                            .await;
                        return;
                    }
                    tokio::time::sleep(super::probe::INTERVAL).await;
                }
            });
            return;
        }
        if let FaultEffect::Validate { token, spec } = effect {
            // Touches nothing: no journal, no watchdog; just the answer.
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let error = super::provider::validate(&spec).err();
                let _ = tx.blocking_send(Msg::Fault(FaultMsg::Validated { token, error }));
            });
            return;
        }
        let exec = self.exec.clone();
        let tx = tx.clone();
        let handle = tokio::task::spawn_blocking(move || {
            let (id, result) = match effect {
                FaultEffect::Inject { id, spec, deadline } => {
                    let r = exec.inject(&id, &spec, deadline).map(|_| ());
                    (id, r)
                }
                FaultEffect::Recover { fault, trigger } => {
                    (fault.id.clone(), exec.recover(&fault, trigger).map(|_| ()))
                }
                // Handled above.
                FaultEffect::Probe { id, .. } => (id, Ok(())),
                FaultEffect::Validate { .. } => return,
            };
            if let Err(e) = &result {
                tracing::warn!(fault = %id, "fault run failed: {e}");
            }
            let _ = tx.blocking_send(Msg::Fault(FaultMsg::Done {
                id,
                error: result.err(),
            }));
        });
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        running.retain(|h| !h.is_finished());
        running.push(handle);
    }

    /// Start a watchdog if faults are live (a console may start after one died).
    pub fn ensure_watchdog(&self) {
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cocpit"));
        if let Err(e) = super::watchdog_lock::ensure(&self.journal, &exe) {
            tracing::warn!("watchdog not started: {e}");
        }
    }

    /// Normal exit: let running injections and recoveries end, bring the
    /// ledger up to date, then recover every live fault this console owns.
    /// Returns `(recovered, failures)`.
    pub async fn finish(&self, ledger: &FaultLedger) -> (usize, Vec<String>) {
        let handles: Vec<_> =
            std::mem::take(&mut *self.running.lock().unwrap_or_else(PoisonError::into_inner));
        let _ = tokio::time::timeout(EXIT_WAIT, futures::future::join_all(handles)).await;
        let mut ledger = ledger.clone();
        let path = self.journal.clone();
        let caught_up = tokio::task::spawn_blocking(move || -> Result<FaultLedger, String> {
            let j = Journal::open_existing(&path).map_err(|e| e.to_string())?;
            loop {
                let events = j
                    .read_after(ledger.last_event_id, 10_000)
                    .map_err(|e| e.to_string())?;
                if events.is_empty() {
                    return Ok(ledger);
                }
                for ev in &events {
                    ledger.apply(ev);
                }
            }
        })
        .await;
        let ledger = match caught_up {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => return (0, vec![format!("reading the journal: {e}")]),
            Err(e) => return (0, vec![format!("reading the journal: {e}")]),
        };
        let mine: Vec<Fault> = ledger
            .live()
            .filter(|f| f.owner.instance == self.me().instance)
            .cloned()
            .collect();
        let tasks: Vec<_> = mine
            .into_iter()
            .map(|f| {
                let exec = self.exec.clone();
                tokio::task::spawn_blocking(move || {
                    exec.recover(&f, Trigger::Exit)
                        .map_err(|e| format!("{}: {e}", f.id))
                })
            })
            .collect();
        let mut ok = 0;
        let mut failures = Vec::new();
        match tokio::time::timeout(EXIT_WAIT, futures::future::join_all(tasks)).await {
            Ok(results) => {
                for r in results {
                    match r {
                        Ok(Ok(_)) => ok += 1,
                        Ok(Err(e)) => failures.push(e),
                        Err(e) => failures.push(e.to_string()),
                    }
                }
            }
            Err(_) => {
                failures.push("recoveries did not finish in time; the watchdog takes over".into())
            }
        }
        (ok, failures)
    }
}
