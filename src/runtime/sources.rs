//! Starting the live sources and executing the calls the core makes to
//! them. Every source is a tokio task that talks to the core only through
//! the `Msg` channel; silence requests (`Effect::Source`) run on their own
//! short tasks so a slow Alertmanager never holds the event loop.

use crate::app::Msg;
use crate::app::sources::{SourceEffect, SourceMsg};
use crate::domain::AlarmBoard;
use crate::sources::alertmanager::{self, AmHandle};
use crate::sources::config::LiveConfig;
use crate::sources::{prometheus, spool, webhook};
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The running live sources of one console.
#[derive(Default)]
pub struct SourceTasks {
    am: HashMap<String, AmHandle>,
    tasks: Vec<JoinHandle<()>>,
    /// Where the webhook receiver listens (the port may have been 0).
    pub webhook_addr: Option<SocketAddr>,
}

impl SourceTasks {
    /// Start every configured source. `board` seeds the spool's and the
    /// webhook's firing sets (what they were told before a restart is in
    /// the journal, not in the sender).
    pub async fn start(
        cfg: &LiveConfig,
        board: &AlarmBoard,
        tx: mpsc::Sender<Msg>,
    ) -> Result<SourceTasks> {
        let mut out = SourceTasks::default();
        // Alertmanagers of one cluster are polled together.
        let mut clusters: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for a in &cfg.alertmanagers {
            clusters
                .entry(a.source().to_string())
                .or_default()
                .push(a.clone());
        }
        for (source, members) in clusters {
            let (handle, task) = alertmanager::spawn(&members, tx.clone())
                .map_err(|e| eyre!("alertmanager {source}: {e}"))?;
            out.am.insert(source, handle);
            out.tasks.push(task);
        }
        for p in &cfg.prometheus {
            let task = prometheus::spawn(p, tx.clone())
                .map_err(|e| eyre!("prometheus {}: {e}", p.name))?;
            out.tasks.push(task);
        }
        if let Some(w) = &cfg.webhook {
            let hints: Vec<AmHandle> = out.am.values().cloned().collect();
            let (addr, task) = webhook::spawn(w, hints, board, tx.clone())
                .await
                .wrap_err_with(|| format!("webhook receiver on {}", w.listen))?;
            out.webhook_addr = Some(addr);
            out.tasks.push(task);
        }
        if let Some(s) = &cfg.spool {
            let task = spool::spawn(s, board, tx.clone())
                .wrap_err_with(|| format!("spool directory {}", s.dir.display()))?;
            out.tasks.push(task);
        }
        Ok(out)
    }

    /// Run a call on its own task; the answer comes back as a `Msg`.
    pub fn execute(&self, effect: SourceEffect, tx: &mpsc::Sender<Msg>) {
        match effect {
            SourceEffect::PollNow { source } => {
                if let Some(h) = self.am.get(&source) {
                    h.poll_now();
                }
            }
            SourceEffect::Am { token, source, req } => {
                let tx = tx.clone();
                let Some(h) = self.am.get(&source).cloned() else {
                    tokio::spawn(async move {
                        let result = Err(format!("no Alertmanager source {source:?}"));
                        let _ = tx
                            .send(Msg::Source(SourceMsg::AmDone { token, result }))
                            .await;
                    });
                    return;
                };
                tokio::spawn(async move {
                    let result = h.execute(&req).await;
                    if let Err(e) = &result {
                        tracing::warn!("alertmanager {source}: {e}");
                    }
                    let _ = tx
                        .send(Msg::Source(SourceMsg::AmDone { token, result }))
                        .await;
                });
            }
        }
    }

    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for SourceTasks {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every name a source reports its health under: what the console waits
/// to hear from before it may say "all clear".
pub fn names(cfg: &LiveConfig) -> Vec<String> {
    if !cfg.is_live() {
        return vec![crate::sources::demo::SOURCE.to_string()];
    }
    let mut out: Vec<String> = cfg.alertmanagers.iter().map(|a| a.name.clone()).collect();
    out.extend(cfg.prometheus.iter().map(|p| p.name.clone()));
    if cfg.webhook.is_some() {
        out.push(webhook::SOURCE.to_string());
    }
    if cfg.spool.is_some() {
        out.push(spool::SOURCE.to_string());
    }
    out
}

/// Which sources are Alertmanager clusters (acks on their alarms are
/// silences) and how long an ack silence lasts.
pub fn alertmanagers(cfg: &LiveConfig) -> Vec<(String, chrono::Duration)> {
    cfg.alertmanagers
        .iter()
        .map(|a| {
            let window = chrono::Duration::from_std(a.ack_window.0)
                .unwrap_or_else(|_| chrono::Duration::hours(1));
            (a.source().to_string(), window)
        })
        .collect()
}
