//! Running injections and recoveries with every step journaled: the one
//! implementation the console (on blocking threads), the CLI and the
//! watchdog share. Each step is committed (durable) before the next
//! begins, so whatever happens to this process, the journal says what may
//! be in place and how to undo it.

use super::provider::{self, Ctx};
use crate::domain::event::payload;
use crate::domain::fault::payloads::{Failed, Phase, Recovered, Recovering, WithRecord};
use crate::domain::fault::recovery::backoff;
use crate::domain::fault::{Fault, FaultSpec, Owner, RecoveryRecord, Trigger, intent_event};
use crate::domain::{EventKind, NewEvent};
use crate::journal::Writer;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct Executor {
    writer: Writer,
    me: Owner,
    journal: PathBuf,
    exe: PathBuf,
}

impl Executor {
    pub fn new(writer: Writer, me: Owner, journal: &Path) -> Executor {
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cocpit"));
        Executor {
            writer,
            me,
            journal: journal.to_path_buf(),
            exe,
        }
    }

    /// Use another cocpit binary for `cocpit burn` and the watchdog.
    pub fn with_exe(mut self, exe: PathBuf) -> Executor {
        self.exe = exe;
        self
    }

    pub fn me(&self) -> &Owner {
        &self.me
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Commit and wait until it is durable.
    pub fn commit(&self, events: Vec<NewEvent>) -> Result<(), String> {
        self.writer
            .append_confirmed(events)
            .blocking_recv()
            .map_err(|_| "journal writer stopped".to_string())?
            .map(|_| ())
            .map_err(|e| format!("journal: {e}"))
    }

    fn event(&self, kind: EventKind, id: &str, p: serde_json::Value) -> NewEvent {
        NewEvent::new(Utc::now(), self.me.actor.clone(), kind, id, p)
    }

    /// The `fault.intended` event for a new fault owned by this process.
    pub fn intent(&self, id: &str, spec: &FaultSpec, deadline: DateTime<Utc>) -> NewEvent {
        intent_event(Utc::now(), &self.me, id, spec, deadline)
    }

    /// Inject a fault whose intent is already committed: start the
    /// watchdog, journal the prepared record, inject, journal the outcome.
    /// On failure whatever was prepared is undone (and a failed undo is
    /// journaled as a failing recovery, so it stays visible).
    pub fn inject(
        &self,
        id: &str,
        spec: &FaultSpec,
        deadline: DateTime<Utc>,
    ) -> Result<RecoveryRecord, String> {
        if let Err(e) = super::watchdog_lock::ensure(&self.journal, &self.exe) {
            tracing::warn!("watchdog not started: {e}");
        }
        let ctx = Ctx {
            id: id.to_string(),
            deadline,
            exe: self.exe.clone(),
        };
        let fail = |reason: String| -> Result<RecoveryRecord, String> {
            let p = Failed {
                phase: Phase::Inject,
                reason: reason.clone(),
                attempt: 0,
                retry_at: None,
            };
            self.commit(vec![self.event(EventKind::FaultFailed, id, payload(&p))])?;
            Err(reason)
        };
        let Some(p) = provider::by_name(&spec.provider) else {
            return fail(format!(
                "unknown provider {:?} (known: {})",
                spec.provider,
                provider::names().join(", ")
            ));
        };
        let prepared = match p.prepare(spec, &ctx) {
            Ok(r) => r,
            Err(e) => return fail(e),
        };
        self.commit(vec![self.event(
            EventKind::FaultInjecting,
            id,
            payload(&WithRecord {
                record: prepared.clone(),
            }),
        )])?;
        match p.inject(spec, &ctx, &prepared) {
            Ok(record) => {
                self.commit(vec![self.event(
                    EventKind::FaultActive,
                    id,
                    payload(&WithRecord {
                        record: record.clone(),
                    }),
                )])?;
                Ok(record)
            }
            Err(reason) => match p.recover(&prepared) {
                Ok(_) => fail(reason),
                Err(undo) => {
                    let p = Failed {
                        phase: Phase::Recover,
                        reason: format!(
                            "injection failed ({reason}) and undoing it failed: {undo}"
                        ),
                        attempt: 1,
                        retry_at: Some(Utc::now() + backoff(1)),
                    };
                    self.commit(vec![self.event(EventKind::FaultFailed, id, payload(&p))])?;
                    Err(reason)
                }
            },
        }
    }

    /// One recovery attempt, journaled: `fault.recovering`, then
    /// `fault.recovered` or `fault.failed` with the next retry time.
    pub fn recover(&self, fault: &Fault, trigger: Trigger) -> Result<String, String> {
        let attempt = fault.attempts + 1;
        self.commit(vec![self.event(
            EventKind::FaultRecovering,
            &fault.id,
            payload(&Recovering {
                trigger,
                by: self.me.clone(),
                attempt,
            }),
        )])?;
        let outcome = match &fault.record {
            None => Ok("nothing had been injected".to_string()),
            Some(record) => match provider::by_name(&record.provider) {
                Some(p) => p.recover(record),
                None => Err(format!("unknown provider {:?}", record.provider)),
            },
        };
        match outcome {
            Ok(detail) => {
                self.commit(vec![self.event(
                    EventKind::FaultRecovered,
                    &fault.id,
                    payload(&Recovered {
                        trigger,
                        detail: detail.clone(),
                    }),
                )])?;
                Ok(detail)
            }
            Err(reason) => {
                let p = Failed {
                    phase: Phase::Recover,
                    reason: reason.clone(),
                    attempt,
                    retry_at: Some(Utc::now() + backoff(attempt)),
                };
                self.commit(vec![self.event(
                    EventKind::FaultFailed,
                    &fault.id,
                    payload(&p),
                )])?;
                Err(reason)
            }
        }
    }
}
