//! The Chaos Toolkit experiments a console runs (`Effect::Drill`): each on
//! a thread of its own (the run blocks, and builds its own small runtime),
//! answering with `Msg::Drill` when it ended. A console that quits stops
//! them and waits for their rollbacks, so quitting never leaves an
//! experiment's changes behind.

use crate::app::Msg;
use crate::app::drills::{DrillEffect, DrillMsg, ExperimentRun};
use crate::ctk::console::{Request, StopReason, run};
use crate::journal::Writer;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

struct Running {
    stop: watch::Sender<u32>,
    why: StopReason,
    done: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Stop it once: the first reason stays, a second stop would cut the
    /// rollbacks short, so there is none.
    fn stop(&self, reason: &str) {
        if let Ok(mut w) = self.why.lock()
            && w.is_none()
        {
            *w = Some(reason.to_string());
            self.stop.send_modify(|n| *n = n.saturating_add(1));
        }
    }
}

pub struct Experiments {
    writer: Writer,
    /// Where an experiment's Chaos Toolkit journal goes unless its options
    /// say (one file per drill).
    dir: PathBuf,
    running: Arc<Mutex<BTreeMap<String, Running>>>,
}

impl Experiments {
    pub fn new(writer: Writer, dir: PathBuf) -> Experiments {
        Experiments {
            writer,
            dir,
            running: Arc::default(),
        }
    }

    pub fn run(&self, effect: DrillEffect, tx: &mpsc::Sender<Msg>) {
        match effect {
            DrillEffect::Run(r) => self.start(*r, tx),
            DrillEffect::Stop { drill, reason } => self.stop(&drill, &reason),
        }
    }

    fn start(&self, r: ExperimentRun, tx: &mpsc::Sender<Msg>) {
        let journal_path = match &r.experiment.options.journal_path {
            Some(p) => PathBuf::from(p),
            None => {
                if let Err(e) = std::fs::create_dir_all(&self.dir) {
                    tracing::warn!("{}: {e}", self.dir.display());
                }
                self.dir.join(format!("{}.json", r.drill))
            }
        };
        let req = Request {
            drill: r.drill.clone(),
            origin: r.experiment.origin.clone(),
            text: r.experiment.text.clone(),
            options: r.experiment.options.clone(),
            actor: r.operator.clone(),
            journal_path: journal_path.clone(),
        };
        let (stop, stop_rx) = watch::channel(0u32);
        let why: StopReason = Arc::default();
        let writer = self.writer.clone();
        let answer = tx.clone();
        let why2 = Arc::clone(&why);
        let running = Arc::clone(&self.running);
        // Held until the run is registered: a run that ends at once must
        // not unregister before it was registered.
        let mut registry = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let spawned = std::thread::Builder::new()
            .name(format!("experiment-{}", r.drill))
            .spawn(move || {
                let ended = run(&req, &writer, stop_rx, &why2);
                running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&req.drill);
                // The console may be gone (it waited for this run's end).
                let _ = answer.blocking_send(Msg::Drill(DrillMsg::Ended {
                    drill: req.drill.clone(),
                    verdict: ended.verdict,
                    reason: ended.reason,
                    journal: journal_path.display().to_string(),
                    errors: ended.errors,
                }));
            });
        match spawned {
            Ok(handle) => {
                registry.insert(
                    r.drill,
                    Running {
                        stop,
                        why,
                        done: Some(handle),
                    },
                );
            }
            Err(e) => {
                tracing::error!("experiment {}: cannot start a thread: {e}", r.drill);
                let _ = tx.try_send(Msg::Error(format!(
                    "experiment {} did not start: {e}",
                    r.drill
                )));
            }
        }
    }

    /// Stop one run once: the activity in flight ends, the rollbacks run
    /// (a second stop would cut them short, so there is none).
    fn stop(&self, drill: &str, reason: &str) {
        let m = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = m.get(drill) {
            r.stop(reason);
        }
    }

    /// Stop every run and wait (at most `wait`) for their rollbacks and
    /// their `drill.finished`; how many were still running after it.
    pub async fn finish(&self, reason: &str, wait: Duration) -> usize {
        let handles: Vec<std::thread::JoinHandle<()>> = {
            let mut m = self.running.lock().unwrap_or_else(|e| e.into_inner());
            for r in m.values() {
                r.stop(reason);
            }
            m.values_mut().filter_map(|r| r.done.take()).collect()
        };
        if handles.is_empty() {
            return 0;
        }
        let n = handles.len();
        super::terminal::note(&format!(
            "stopping {n} Chaos Toolkit experiment(s): waiting for their rollbacks"
        ));
        let joined = tokio::task::spawn_blocking(move || {
            for h in handles {
                let _ = h.join();
            }
        });
        match tokio::time::timeout(wait, joined).await {
            Ok(_) => 0,
            Err(_) => n,
        }
    }
}
