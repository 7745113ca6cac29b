//! The tailer: a thread with its own read connection that delivers rows
//! appended after a given id, whoever wrote them (this process's writer or
//! another console sharing the file). It wakes on the writer's commit signal,
//! on file-change events for the journal and its `-wal`, and on a poll timer
//! as a fallback for filesystems where change events get lost.

use super::Journal;
use super::error::JournalError;
use super::schema::{open_connection, open_readonly_connection};
use super::signal::CommitSignal;
use crate::domain::Event;
use notify::event::{AccessKind, AccessMode, EventKind as FsEventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Rows handed to the callback at most per call.
pub const TAIL_BATCH: usize = 5_000;
/// Upper bound on how stale a tail can get when every wake-up source but the timer fails.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Under a continuous stream of writes, change events arrive for every WAL
/// write; passes closer together than this would only re-read an unchanged tail.
const MIN_PASS_GAP: Duration = Duration::from_millis(15);

#[derive(Debug, Clone, Copy)]
pub(super) struct TailConfig {
    pub watch_files: bool,
    pub poll: Duration,
    /// Read through a read-only connection (a `--readonly` console).
    pub readonly: bool,
}

impl Default for TailConfig {
    fn default() -> TailConfig {
        TailConfig {
            watch_files: true,
            poll: POLL_INTERVAL,
            readonly: false,
        }
    }
}

/// A running tail. Stops on [`Tailer::stop`], on drop, or when the callback
/// returns `false`.
pub struct Tailer {
    stop: Arc<AtomicBool>,
    signal: CommitSignal,
    last_seen: Arc<AtomicI64>,
    thread: Option<JoinHandle<()>>,
}

impl Tailer {
    /// Deliver every row with id > `start_after_id`, now and as they are
    /// committed, to `callback` in id order, in batches of up to
    /// [`TAIL_BATCH`]. Pass the in-process writer's
    /// [`super::Writer::subscribe_commits`] as `commit_signal` so its rows
    /// arrive right after commit; other processes' rows arrive via file
    /// events or, at worst, within [`POLL_INTERVAL`].
    pub fn spawn<F>(
        path: &Path,
        start_after_id: i64,
        commit_signal: Option<CommitSignal>,
        callback: F,
    ) -> Result<Tailer, JournalError>
    where
        F: FnMut(Vec<Event>) -> bool + Send + 'static,
    {
        Tailer::spawn_with(
            path,
            start_after_id,
            commit_signal,
            TailConfig::default(),
            callback,
        )
    }

    /// [`Tailer::spawn`] through a read-only connection: it never creates,
    /// migrates or changes the file.
    pub fn spawn_readonly<F>(
        path: &Path,
        start_after_id: i64,
        callback: F,
    ) -> Result<Tailer, JournalError>
    where
        F: FnMut(Vec<Event>) -> bool + Send + 'static,
    {
        let config = TailConfig {
            readonly: true,
            ..TailConfig::default()
        };
        Tailer::spawn_with(path, start_after_id, None, config, callback)
    }

    pub(super) fn spawn_with<F>(
        path: &Path,
        start_after_id: i64,
        commit_signal: Option<CommitSignal>,
        config: TailConfig,
        callback: F,
    ) -> Result<Tailer, JournalError>
    where
        F: FnMut(Vec<Event>) -> bool + Send + 'static,
    {
        let journal = Journal {
            conn: if config.readonly {
                open_readonly_connection(path)?
            } else {
                open_connection(path)?
            },
            path: path.to_path_buf(),
        };
        let signal = commit_signal.unwrap_or_default();
        let watcher = if config.watch_files {
            watch(path, signal.clone())
        } else {
            None
        };
        let stop = Arc::new(AtomicBool::new(false));
        let last_seen = Arc::new(AtomicI64::new(start_after_id));
        let mut run = Run {
            journal,
            signal: signal.clone(),
            stop: Arc::clone(&stop),
            last_seen: Arc::clone(&last_seen),
            poll: config.poll,
            callback,
        };
        let thread = std::thread::Builder::new()
            .name("cocpit-journal-tail".into())
            .spawn(move || {
                // Dropped with the thread: no file events once the tail has stopped.
                let _watcher = watcher;
                run.run();
            })
            .map_err(|e| JournalError::io(path, "start journal tail thread", e))?;
        Ok(Tailer {
            stop,
            signal,
            last_seen,
            thread: Some(thread),
        })
    }

    /// Highest id delivered to the callback so far.
    pub fn last_seen(&self) -> i64 {
        self.last_seen.load(Ordering::Acquire)
    }

    /// Stop and wait for the thread; no callback runs after this returns.
    /// Calling it from inside the callback is allowed (it does not wait then;
    /// returning `false` is the usual way).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.signal.notify();
        if let Some(t) = self.thread.take() {
            if t.thread().id() == std::thread::current().id() {
                return;
            }
            if t.join().is_err() {
                tracing::error!("journal tail thread panicked");
            }
        }
    }

    /// Whether the thread has ended (stopped, callback returned false, or panicked).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl std::fmt::Debug for Tailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tailer")
            .field("last_seen", &self.last_seen())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl Drop for Tailer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Watch the journal's directory (the `-wal` file comes and goes, so the file
/// itself cannot be watched) and bump `signal` on writes to the db or its WAL.
/// Without a watcher the poll timer still delivers, so failure is only logged.
fn watch(path: &Path, signal: CommitSignal) -> Option<notify::RecommendedWatcher> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name()?.to_os_string();
    let mut wal = name.clone();
    wal.push("-wal");
    let names: [OsString; 2] = [name, wal];
    let handler = move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if is_write(&ev.kind)
            && ev
                .paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| names.iter().any(|w| w == n)))
        {
            signal.notify();
        }
    };
    let result = notify::recommended_watcher(handler)
        .and_then(|mut w| w.watch(&dir, RecursiveMode::NonRecursive).map(|()| w));
    match result {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot watch journal directory; polling only");
            None
        }
    }
}

/// Opens and reads (ours included) are reported too; waking on them would
/// make every read trigger another read.
fn is_write(kind: &FsEventKind) -> bool {
    match kind {
        FsEventKind::Create(_) | FsEventKind::Any => true,
        FsEventKind::Modify(ModifyKind::Metadata(_)) => false,
        FsEventKind::Modify(_) => true,
        FsEventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        _ => false,
    }
}

struct Run<F> {
    journal: Journal,
    signal: CommitSignal,
    stop: Arc<AtomicBool>,
    last_seen: Arc<AtomicI64>,
    poll: Duration,
    callback: F,
}

impl<F: FnMut(Vec<Event>) -> bool> Run<F> {
    fn run(&mut self) {
        let mut seen = self.signal.seq();
        loop {
            let started = Instant::now();
            if self.stopped() || !self.pass() {
                return;
            }
            seen = self.signal.wait_past(seen, self.poll);
            let gap = started.elapsed();
            if gap < MIN_PASS_GAP {
                std::thread::sleep(MIN_PASS_GAP - gap);
            }
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Read until caught up. Returns false when the callback asked to stop.
    fn pass(&mut self) -> bool {
        loop {
            let after = self.last_seen.load(Ordering::Acquire);
            let batch = match self.journal.read_after(after, TAIL_BATCH) {
                Ok(b) => b,
                Err(e) => {
                    // Typically transient (a peer holding a lock); the next wake retries.
                    tracing::error!(error = %e, "journal tail read failed");
                    return true;
                }
            };
            let Some(last) = batch.last().map(|e| e.id) else {
                return true;
            };
            if self.stopped() {
                return false;
            }
            let more = batch.len() == TAIL_BATCH;
            let keep_going = (self.callback)(batch);
            self.last_seen.store(last, Ordering::Release);
            if !keep_going {
                return false;
            }
            if !more {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, NewEvent};
    use chrono::Utc;
    use serde_json::json;
    use std::sync::mpsc;

    fn ev(i: i64) -> NewEvent {
        NewEvent::new(
            Utc::now(),
            "t@h",
            EventKind::SourceUp,
            format!("s{i}"),
            json!({}),
        )
    }

    #[test]
    fn poll_alone_delivers_rows_from_another_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let journal = Journal::open(&path).unwrap();
        journal.append(&[ev(1)]).unwrap();
        let (tx, rx) = mpsc::channel();
        let config = TailConfig {
            watch_files: false,
            poll: Duration::from_millis(100),
            readonly: false,
        };
        let mut tail = Tailer::spawn_with(&path, 0, None, config, move |b| {
            tx.send(b.iter().map(|e| e.id).collect::<Vec<_>>()).is_ok()
        })
        .unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(3)).unwrap(), vec![1]);
        journal.append(&[ev(2), ev(3)]).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(3)).unwrap(), vec![2, 3]);
        tail.stop();
        assert!(tail.is_finished());
        assert_eq!(tail.last_seen(), 3);
    }

    #[test]
    fn large_backlogs_arrive_in_bounded_batches_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let journal = Journal::open(&path).unwrap();
        let events: Vec<_> = (0..(TAIL_BATCH as i64 + 10)).map(ev).collect();
        journal.append(&events).unwrap();
        let (tx, rx) = mpsc::channel();
        let _tail = Tailer::spawn(&path, 0, None, move |b| tx.send(b).is_ok()).unwrap();
        let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let second = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first.len(), TAIL_BATCH);
        assert_eq!(first[0].id, 1);
        assert_eq!(second.len(), 10);
        assert_eq!(second[0].id, TAIL_BATCH as i64 + 1);
    }

    #[test]
    fn returning_false_ends_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let journal = Journal::open(&path).unwrap();
        journal.append(&[ev(1)]).unwrap();
        let tail = Tailer::spawn(&path, 0, None, |_| false).unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        while !tail.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(tail.is_finished());
    }

    #[test]
    fn only_writes_wake_the_tail() {
        use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind};
        assert!(is_write(&FsEventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(is_write(&FsEventKind::Create(CreateKind::File)));
        assert!(!is_write(&FsEventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_write(&FsEventKind::Modify(ModifyKind::Metadata(
            MetadataKind::Any
        ))));
    }
}
