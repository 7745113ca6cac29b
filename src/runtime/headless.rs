//! A console without a terminal: the same boot (journal writer and tailer,
//! live sources, fault runner, plan executor, `app::update`) driven by the caller with keys
//! and messages. The real-server tests and the benchmarks use it; it is
//! always the ingest leader and journals no presence.

use super::boot::{Booted, Options};
use crate::app::{Msg, State};
use crate::sources::config::LiveConfig;
use color_eyre::eyre::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct Headless {
    booted: Booted,
}

/// A headless console is a booted one: `h.state`, `h.sources`, `h.writer`.
impl std::ops::Deref for Headless {
    type Target = Booted;
    fn deref(&self) -> &Booted {
        &self.booted
    }
}

impl std::ops::DerefMut for Headless {
    fn deref_mut(&mut self) -> &mut Booted {
        &mut self.booted
    }
}

impl Headless {
    pub async fn start(journal: &Path, operator: &str, cfg: LiveConfig) -> Result<Headless> {
        let opts = Options::headless(journal.to_path_buf(), operator, cfg);
        Ok(Headless {
            booted: Booted::start(&opts).await?,
        })
    }

    /// A headless console from options built by the caller (plans
    /// directories, role, faults settings …).
    pub async fn start_with(opts: &Options) -> Result<Headless> {
        Ok(Headless {
            booted: Booted::start(opts).await?,
        })
    }

    pub fn sender(&self) -> mpsc::Sender<Msg> {
        self.booted.tx.clone()
    }

    /// Feed one message to the core and execute what it asks for.
    pub fn feed(&mut self, msg: Msg) {
        self.booted.feed(msg);
    }

    pub fn key(&mut self, code: KeyCode) {
        self.feed(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.feed(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Process messages until `pred` holds (true) or `timeout` passes (false).
    pub async fn until(&mut self, timeout: Duration, pred: impl Fn(&State) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if pred(&self.booted.state) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.booted.rx.recv()).await {
                Ok(Some(msg)) => self.feed(msg),
                Ok(None) | Err(_) => return pred(&self.booted.state),
            }
        }
    }

    /// Process messages for `d`.
    pub async fn pump(&mut self, d: Duration) {
        self.until(d, |_| false).await;
    }

    /// Stop; nothing is recovered and no presence is journaled.
    pub fn shutdown(self) {
        self.booted.close();
    }
}
