//! Executing effects: journal appends (ingest, fire-and-forget) and commits
//! (operator actions, answered with `Msg::Committed` once durable), calls
//! to sources (silences), answered with `Msg::Source`, and fault runs.

use crate::app::plans::{PlanEffect, PlanMsg};
use crate::app::{Effect, Msg};
use crate::domain::NewEvent;
use crate::faults::console::ConsoleFaults;
use crate::journal::Writer;
use crate::runtime::sources::SourceTasks;
use std::time::Duration;
use tokio::sync::mpsc;

/// What runs effects: the journal writer, live-source HTTP, fault runs.
pub struct Executors<'a> {
    /// `None` on a read-only console: nothing is written.
    pub writer: Option<&'a Writer>,
    pub sources: &'a SourceTasks,
    /// `None` on a read-only console: no fault is touched.
    pub faults: Option<&'a ConsoleFaults>,
    /// `None` on a read-only console: no plan step runs.
    pub plans: Option<&'a crate::plans::Jobs>,
    /// `None` on a read-only console: no experiment runs.
    pub experiments: Option<&'a super::experiments::Experiments>,
    /// Where reports read from (a read-only console makes them too).
    pub reports: &'a crate::report::cli::Env,
}

/// Why a read-only console does not do what it was asked.
const READ_ONLY: &str = "read-only console: nothing is written";

pub fn run(effect: Effect, ex: &Executors<'_>, tx: &mpsc::Sender<Msg>) {
    match effect {
        Effect::Append(events) => match ex.writer {
            Some(w) => w.append(events),
            None => tracing::warn!("{READ_ONLY}: {} event(s) dropped", events.len()),
        },
        Effect::Commit { token, events } => {
            let Some(writer) = ex.writer else {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let result = Err(READ_ONLY.to_string());
                    let _ = tx.send(Msg::Committed { token, result }).await;
                });
                return;
            };
            let confirmed = writer.append_confirmed(events);
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = match confirmed.await {
                    Ok(Ok(ids)) => Ok(ids),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("journal writer stopped".to_string()),
                };
                if let Err(e) = &result {
                    tracing::error!("operator action not recorded: {e}");
                }
                let _ = tx.send(Msg::Committed { token, result }).await;
            });
        }
        Effect::Quit => {}
        Effect::Source(e) => ex.sources.execute(e, tx),
        Effect::ProbeJournal => {
            if let Some(w) = ex.writer {
                w.probe();
            }
        }
        Effect::Liveness(asked) => {
            // A handful of /proc reads: cheap enough for the loop itself.
            use crate::app::presence::{Liveness, Of};
            let mut answer = Liveness::default();
            for p in asked {
                if crate::faults::proc::alive(&p.owner) {
                    continue;
                }
                match p.of {
                    Of::Console => answer.consoles_gone.push(p.key),
                    Of::Fault => answer.fault_owners_gone.push(p.key),
                }
            }
            if !answer.consoles_gone.is_empty() || !answer.fault_owners_gone.is_empty() {
                let _ = tx.try_send(Msg::Liveness(answer));
            }
        }
        Effect::Plan(p) => run_plan(p, ex, tx),
        Effect::Fault(f) => match ex.faults {
            Some(faults) => faults.run(f, tx),
            None => tracing::warn!("{READ_ONLY}: fault run refused"),
        },
        // Reads only: a read-only console travels and draws timelines too.
        Effect::Timeline(t) => crate::runtime::timeline::run(t, tx),
        Effect::Report(r) => run_report(r, ex.reports.clone(), tx),
        Effect::Drill(d) => match ex.experiments {
            Some(x) => x.run(d, tx),
            None => tracing::warn!("{READ_ONLY}: experiment refused"),
        },
    }
}

/// A plan step's action to the executor; its outcome comes back as
/// `Msg::Plan(Finished)` on the console's channel.
fn run_plan(effect: PlanEffect, ex: &Executors<'_>, tx: &mpsc::Sender<Msg>) {
    let Some(jobs) = ex.plans else {
        tracing::warn!("{READ_ONLY}: plan step refused");
        return;
    };
    match effect {
        PlanEffect::Exec {
            run,
            at,
            attempt,
            action,
            timeout,
        } => {
            let tx = tx.clone();
            let answer = run.clone();
            let done = Box::new(move |outcome| {
                let msg = Msg::Plan(PlanMsg::Finished {
                    run: answer,
                    at,
                    attempt,
                    outcome,
                });
                match tokio::runtime::Handle::try_current() {
                    Ok(h) => {
                        h.spawn(async move {
                            let _ = tx.send(msg).await;
                        });
                    }
                    Err(_) => {
                        let _ = tx.blocking_send(msg);
                    }
                }
            });
            let job = crate::plans::Job {
                run,
                at,
                attempt,
                action,
                timeout,
            };
            jobs.start(job, done);
        }
        PlanEffect::Kill { run, at } => jobs.kill(&run, at),
    }
}

/// Commit and wait (bounded): for the console's own join/leave records.
pub async fn commit_now(writer: &Writer, events: Vec<NewEvent>) {
    let confirmed = writer.append_confirmed(events);
    match tokio::time::timeout(Duration::from_secs(5), confirmed).await {
        Ok(Ok(Ok(_))) => {}
        Ok(Ok(Err(e))) => tracing::error!("journal: {e}"),
        Ok(Err(_)) => tracing::error!("journal writer stopped"),
        Err(_) => tracing::error!("journal commit timed out"),
    }
}

/// Build a report on a blocking thread and write it under the state
/// directory's `reports/` (named after its kind and subject).
fn run_report(
    r: crate::app::reports::ReportEffect,
    env: crate::report::cli::Env,
    tx: &mpsc::Sender<Msg>,
) {
    use crate::app::reports::ReportMsg;
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let kind = r.kind.clone();
        let answer = (|| -> Result<String, String> {
            let format = crate::report::doc::Format::parse(&r.format)
                .ok_or_else(|| format!("format {:?}: html or md", r.format))?;
            let d = crate::report::cli::build(&env, &r.kind, &r.args, None)?;
            let dir = crate::config::log_dir().join("reports");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let subject: String = r
                .args
                .first()
                .map(|a| {
                    a.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .take(40)
                        .collect()
                })
                .unwrap_or_default();
            let path = dir.join(format!("{}-{subject}.{}", r.kind, format.as_str()));
            std::fs::write(&path, crate::report::doc::render(&d, format))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(path.display().to_string())
        })();
        let msg = match answer {
            Ok(path) => ReportMsg::Written { kind, path },
            Err(why) => ReportMsg::Failed { kind, why },
        };
        let _ = tx.blocking_send(Msg::Report(msg));
    });
}
