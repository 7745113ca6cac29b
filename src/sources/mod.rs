//! Where alarms and metrics come from: the embedded demo simulator, or live
//! sources — Alertmanager (poll + silences), Prometheus (feeds, targets), the
//! Alertmanager webhook receiver and a spool directory. Each runs on its own
//! tokio task and talks to the core only through `Msg`.

pub mod alertmanager;
pub mod config;
pub mod demo;
pub mod health;
pub mod prometheus;
pub mod simulator;
pub mod spool;
pub mod webhook;

use crate::app::Msg;
use crate::domain::ObservedAlarm;
use tokio::sync::mpsc;

/// What a source sends in `Msg::Changes`: alarms new or changed, and the
/// `(fingerprint, why)` of those that ended.
pub type ChangeSet = (Vec<ObservedAlarm>, Vec<(String, String)>);

/// Alarms per `Msg::Changes`: a burst of 100,000 is a hundred messages the
/// core journals one after another, not one batch that holds every alarm's
/// journal row in memory at once.
pub const CHANGES_CHUNK: usize = 1000;

/// Send a source's changes to the core in chunks of [`CHANGES_CHUNK`].
/// Returns false when the core is gone.
pub async fn send_changes(
    tx: &mpsc::Sender<Msg>,
    source: &str,
    mut firing: Vec<ObservedAlarm>,
    mut resolved: Vec<(String, String)>,
) -> bool {
    while !firing.is_empty() || !resolved.is_empty() {
        let f: Vec<ObservedAlarm> = firing
            .drain(firing.len().saturating_sub(CHANGES_CHUNK)..)
            .collect();
        let r: Vec<(String, String)> = resolved
            .drain(
                resolved
                    .len()
                    .saturating_sub(CHANGES_CHUNK.saturating_sub(f.len()))..,
            )
            .collect();
        let msg = Msg::Changes {
            source: source.to_string(),
            firing: f,
            resolved: r,
        };
        if tx.send(msg).await.is_err() {
            return false;
        }
    }
    true
}

/// Hand memory freed after a burst back to the system. glibc keeps freed
/// memory in per-thread arenas; a burst of 100,000 alarms leaves hundreds of
/// MiB there (their journal rows as JSON trees on the core, writer and
/// tailer threads) that RSS would show for the life of the console.
/// `malloc_trim` returns the free pages of every arena. A few milliseconds;
/// the sources call it once after a burst has settled ([`Settle`]).
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// When to call [`release_memory`]: after at least [`Settle::BURST`]
/// alarms changed, once the source has been quiet for [`Settle::QUIET`]
/// and once more after [`Settle::LATER`] (the journal writer and tailer may
/// still be working through the burst at the first).
#[derive(Debug, Default)]
pub struct Settle {
    changed: usize,
    last: Option<std::time::Instant>,
    passes: u8,
}

impl Settle {
    pub const BURST: usize = 10_000;
    pub const QUIET: std::time::Duration = std::time::Duration::from_secs(2);
    pub const LATER: std::time::Duration = std::time::Duration::from_secs(15);

    pub fn changed(&mut self, n: usize) {
        if n > 0 {
            self.changed += n;
            self.last = Some(std::time::Instant::now());
            self.passes = 0;
        }
    }

    /// Whether to release memory now.
    pub fn due(&mut self) -> bool {
        if self.changed < Self::BURST {
            return false;
        }
        let quiet = self.last.map(|t| t.elapsed()).unwrap_or_default();
        let due = match self.passes {
            0 => quiet >= Self::QUIET,
            _ => quiet >= Self::LATER,
        };
        if due {
            self.passes += 1;
            if self.passes >= 2 {
                self.changed = 0;
            }
        }
        due
    }
}
