//! Starting the live sources and executing their effects. Every source is
//! a tokio task that talks to the core only through the `Msg` channel;
//! silence requests (`Effect::Live`) run on their own short tasks so a slow
//! Alertmanager never holds the event loop.
//!
//! [`Headless`] is the same machinery without a terminal — journal writer
//! and tailer, live sources, `app::update` — for the end-to-end tests and
//! the benchmark, which drive it with keys and messages.

use super::effects;
use crate::app::live::{LiveEffect, LiveMsg};
use crate::app::{self, Msg, RunMode, Session, State};
use crate::domain::AlarmBoard;
use crate::journal::{Journal, Tailer, Writer};
use crate::sources::alertmanager::{self, AmHandle};
use crate::sources::config::LiveConfig;
use crate::sources::{prometheus, spool, webhook};
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The running live sources of one console.
#[derive(Default)]
pub struct LiveSources {
    am: HashMap<String, AmHandle>,
    tasks: Vec<JoinHandle<()>>,
    /// Where the webhook receiver listens (the port may have been 0).
    pub webhook_addr: Option<SocketAddr>,
}

impl LiveSources {
    /// Start every configured source. `board` seeds the spool's and the
    /// webhook's firing sets (what they were told before a restart is in
    /// the journal, not in the sender).
    pub async fn start(
        cfg: &LiveConfig,
        board: &AlarmBoard,
        tx: mpsc::Sender<Msg>,
    ) -> Result<LiveSources> {
        let mut out = LiveSources::default();
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

    /// Tell the core which sources are Alertmanager clusters (acks on their
    /// alarms are silences) and how long an ack silence lasts.
    pub fn register(cfg: &LiveConfig, state: &mut State) {
        for a in &cfg.alertmanagers {
            let window = chrono::Duration::from_std(a.ack_window.0)
                .unwrap_or_else(|_| chrono::Duration::hours(1));
            state.live.register_am(a.source(), window);
        }
    }

    /// Run a live effect on its own task; the answer comes back as a `Msg`.
    pub fn execute(&self, effect: LiveEffect, tx: &mpsc::Sender<Msg>) {
        match effect {
            LiveEffect::PollNow { source } => {
                if let Some(h) = self.am.get(&source) {
                    h.poll_now();
                }
            }
            LiveEffect::Am { token, source, req } => {
                let tx = tx.clone();
                let Some(h) = self.am.get(&source).cloned() else {
                    tokio::spawn(async move {
                        let result = Err(format!("no Alertmanager source {source:?}"));
                        let _ = tx.send(Msg::Live(LiveMsg::AmDone { token, result })).await;
                    });
                    return;
                };
                tokio::spawn(async move {
                    let result = h.execute(&req).await;
                    if let Err(e) = &result {
                        tracing::warn!("alertmanager {source}: {e}");
                    }
                    let _ = tx.send(Msg::Live(LiveMsg::AmDone { token, result })).await;
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

impl Drop for LiveSources {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A console without a terminal: the journal (writer + tailer), the live
/// sources and `app::update`, driven by the caller. Always the ingest
/// leader (tests give each one its own journal).
pub struct Headless {
    pub state: State,
    rx: mpsc::Receiver<Msg>,
    tx: mpsc::Sender<Msg>,
    writer: Writer,
    tailer: Tailer,
    pub live: LiveSources,
    faults: crate::chaos::console::ConsoleFaults,
}

impl Headless {
    pub async fn start(journal: &Path, operator: &str, cfg: LiveConfig) -> Result<Headless> {
        let j = Journal::open(journal)?;
        let board = j.rebuild_board()?;
        let last_id = board.last_event_id;
        drop(j);
        let writer = Writer::spawn(journal)?;
        let session = Session {
            operator: operator.to_string(),
            mode: RunMode::Live,
            readonly: false,
            role: Default::default(),
            journal_path: journal.display().to_string(),
        };
        let mut state = State::new(session, board.clone(), Vec::new(), Utc::now());
        LiveSources::register(&cfg, &mut state);
        app::update(&mut state, Msg::IngestRole { leader: true }, Utc::now());
        let (tx, rx) = mpsc::channel(4096);
        let t2 = tx.clone();
        let tailer = Tailer::spawn(
            journal,
            last_id,
            Some(writer.subscribe_commits()),
            move |events| t2.blocking_send(Msg::Events(events)).is_ok(),
        )?;
        let live = LiveSources::start(&cfg, &board, tx.clone()).await?;
        let me = crate::chaos::proc::me(
            crate::chaos::OwnerKind::Console,
            operator,
            &crate::chaos::proc::instance_id(),
        );
        let faults = crate::chaos::console::ConsoleFaults::new(writer.clone(), me, journal);
        Ok(Headless {
            state,
            rx,
            tx,
            writer,
            tailer,
            live,
            faults,
        })
    }

    pub fn sender(&self) -> mpsc::Sender<Msg> {
        self.tx.clone()
    }

    /// Feed one message to the core and execute what it asks for.
    pub fn feed(&mut self, msg: Msg) {
        for effect in app::update(&mut self.state, msg, Utc::now()) {
            let ex = effects::Executors {
                writer: &self.writer,
                live: &self.live,
                faults: &self.faults,
            };
            effects::run(effect, &ex, &self.tx);
        }
    }

    pub fn key(&mut self, code: crossterm::event::KeyCode) {
        use crossterm::event::{KeyEvent, KeyModifiers};
        self.feed(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        self.feed(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(crossterm::event::KeyCode::Char(c));
        }
    }

    /// Process messages until `pred` holds (true) or `timeout` passes (false).
    pub async fn until(&mut self, timeout: Duration, pred: impl Fn(&State) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if pred(&self.state) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.feed(msg),
                Ok(None) | Err(_) => return pred(&self.state),
            }
        }
    }

    /// Process messages for `d`.
    pub async fn pump(&mut self, d: Duration) {
        self.until(d, |_| false).await;
    }

    pub fn shutdown(mut self) {
        self.live.stop();
        self.tailer.stop();
        if let Err(e) = self.writer.shutdown() {
            tracing::error!("journal shutdown: {e}");
        }
    }
}
