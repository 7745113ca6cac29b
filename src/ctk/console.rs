//! An experiment started on the console's Drills view: the same run as
//! `cocpit drill run EXP`, but its `drill.started` is already journaled by
//! the console, it is stopped through a channel instead of by signals (the
//! console owns those), and its progress goes to the log file rather than
//! a terminal the console is drawing on.

use super::cli::{Prepared, prepare_text, run_prepared, shell_activities, verdict, write_outputs};
use crate::domain::drill::payloads::{DrillEvent, Finished, Verdict};
use crate::domain::experiment::RunOptions;
use crate::journal::Writer;
use chrono::Utc;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// One experiment to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub drill: String,
    /// `embedded:NAME` or the file's path (it decides JSON or YAML).
    pub origin: String,
    pub text: String,
    pub options: RunOptions,
    /// The rows' actor.
    pub actor: String,
    /// Where its Chaos Toolkit journal goes.
    pub journal_path: PathBuf,
}

/// How it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    pub verdict: Verdict,
    pub reason: String,
    pub errors: Vec<String>,
}

/// Why it was stopped, set by whoever stops it (read once it ended).
pub type StopReason = Arc<Mutex<Option<String>>>;

/// Run it to the end (blocking: call it on a thread of its own) and
/// journal its end. A stop (`stop` moving on, `why` set) ends the activity
/// in flight; the rollbacks still run.
pub fn run(req: &Request, writer: &Writer, stop: watch::Receiver<u32>, why: &StopReason) -> Ended {
    let record = {
        let writer = writer.clone();
        let actor = req.actor.clone();
        move |ev: DrillEvent| writer.append(vec![ev.to_new_event(Utc::now(), &actor)])
    };
    let ended = match prepare(req) {
        Err(e) => Ended {
            verdict: Verdict::Failed,
            reason: e,
            errors: Vec::new(),
        },
        Ok(p) => {
            for name in shell_activities(&p.experiment) {
                tracing::warn!(
                    drill = %req.drill,
                    "activity '{name}' has string arguments: they run through a shell (/bin/sh -c), as Chaos Toolkit does"
                );
            }
            match super::exec::Real::with_stop(p.env.clone(), stop) {
                Err(e) => Ended {
                    verdict: Verdict::Failed,
                    reason: e,
                    errors: Vec::new(),
                },
                Ok(real) => {
                    let drill = req.drill.clone();
                    let say = move |line: &str| tracing::info!(drill = %drill, "{line}");
                    let journal =
                        run_prepared(&p, &req.drill, real, Rc::new(record.clone()), Rc::new(say));
                    let (mut verdict, mut reason) = verdict(&journal);
                    let stopped = why.lock().ok().and_then(|w| w.clone());
                    if let Some(by) = stopped {
                        // Chaos Toolkit calls a stopped run "interrupted";
                        // an operator's stop is an abort here.
                        verdict = Verdict::Aborted;
                        reason = format!("{by}; Chaos Toolkit status {}", journal.status.as_str());
                    }
                    let junit = req.options.junit.as_ref().map(PathBuf::from);
                    let errors = write_outputs(&journal, &req.journal_path, junit.as_deref());
                    Ended {
                        verdict,
                        reason,
                        errors,
                    }
                }
            }
        }
    };
    record(DrillEvent::Finished(Finished {
        drill: req.drill.clone(),
        verdict: ended.verdict,
        reason: ended.reason.clone(),
        mttd: None,
        mtta: None,
        mttr: None,
    }));
    ended
}

fn prepare(req: &Request) -> Result<Prepared, String> {
    let o = &req.options;
    let var_files: Vec<PathBuf> = o.var_files.iter().map(PathBuf::from).collect();
    prepare_text(&req.origin, &req.text, &o.vars, &var_files, o.strategy)
}
