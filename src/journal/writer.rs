//! The writer thread: the one place the console appends from. Requests queue
//! on a channel; the thread takes the first, drains what else is waiting (up
//! to [`MAX_BATCH_EVENTS`]) and commits it all in one transaction, then
//! answers confirmations and wakes commit subscribers. Callers never block on
//! SQLite except when they ask to (`flush`, `shutdown`).

use super::append::{Durability, Staged, insert, set_durability, sync_wal};
use super::error::JournalError;
use super::schema::open_connection;
use super::signal::{CommitSignal, WeakSignal};
use crate::domain::NewEvent;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::{oneshot, watch};

/// Stop draining the queue once a batch holds this many events: beyond it the
/// per-commit fsync is already amortised, and a longer write lock would stall
/// the other consoles sharing the file.
pub const MAX_BATCH_EVENTS: usize = 10_000;

/// Whether the writer's last batch was committed. Watched by the console so
/// a journal that cannot be written (a full disk) is on screen at once and
/// for as long as it lasts, not only when someone acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteHealth {
    Ok,
    Failing { reason: String, disk_full: bool },
}

type Confirm = oneshot::Sender<Result<Vec<i64>, JournalError>>;
type Ack = SyncSender<Result<(), JournalError>>;

enum Request {
    Append(Vec<Staged>),
    Confirmed(Vec<Staged>, Confirm),
    Flush(Ack),
    /// Try one small write, outside the chain, to learn whether writes work.
    Probe,
    Shutdown(Option<Ack>),
}

impl Request {
    fn events(&self) -> &[Staged] {
        match self {
            Request::Append(v) | Request::Confirmed(v, _) => v,
            Request::Flush(_) | Request::Probe | Request::Shutdown(_) => &[],
        }
    }

    /// Whoever waits on this request is told "it is on disk".
    fn wants_durability(&self) -> bool {
        !matches!(self, Request::Append(_))
    }
}

/// Handle to the writer thread. Clones share the thread; it stops when the
/// last handle is dropped (after writing everything queued) or on `shutdown`.
#[derive(Clone)]
pub struct Writer {
    shared: Arc<Shared>,
}

struct Shared {
    tx: Sender<Request>,
    health: watch::Receiver<WriteHealth>,
    thread: Mutex<Option<JoinHandle<()>>>,
    subscribers: Arc<Mutex<Vec<WeakSignal>>>,
    path: PathBuf,
}

impl Writer {
    /// Open the journal at `path` (creating it) and start the writer thread.
    pub fn spawn(path: &Path) -> Result<Writer, JournalError> {
        let conn = open_connection(path)?;
        let (tx, rx) = mpsc::channel();
        let subscribers: Arc<Mutex<Vec<WeakSignal>>> = Arc::default();
        let (health_tx, health) = watch::channel(WriteHealth::Ok);
        let mut worker = Worker {
            health: health_tx,
            conn,
            path: path.to_path_buf(),
            subscribers: Arc::clone(&subscribers),
            lost_events: 0,
            last_error: None,
            durability: Durability::Full,
            unsynced: false,
        };
        let thread = std::thread::Builder::new()
            .name("cocpit-journal-writer".into())
            .spawn(move || worker.run(rx))
            .map_err(|e| JournalError::io(path, "start journal writer thread", e))?;
        Ok(Writer {
            shared: Arc::new(Shared {
                tx,
                health,
                thread: Mutex::new(Some(thread)),
                subscribers,
                path: path.to_path_buf(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Find out whether writes work (after they failed): one small write
    /// outside the chain; its outcome comes through [`Writer::watch_health`].
    pub fn probe(&self) {
        let _ = self.shared.tx.send(Request::Probe);
    }

    /// Changes of [`WriteHealth`]: every failed batch, and the first success after.
    pub fn watch_health(&self) -> watch::Receiver<WriteHealth> {
        self.shared.health.clone()
    }

    /// Queue events for the next batch and return at once; their row text
    /// is rendered here, on the caller's thread. For ingest: committed with
    /// `synchronous=NORMAL`, so a power cut may lose the last batches (a
    /// crash of cocpit does not). Failures are logged and reported by the
    /// next [`Writer::flush`].
    pub fn append(&self, events: Vec<NewEvent>) {
        if events.is_empty() {
            return;
        }
        let rows = events.into_iter().map(Staged::new).collect();
        if let Err(mpsc::SendError(req)) = self.shared.tx.send(Request::Append(rows)) {
            tracing::error!(
                path = %self.shared.path.display(),
                events = req.events().len(),
                "journal writer has stopped; events dropped"
            );
        }
    }

    /// Queue events and learn their ids once they are committed (and fsynced).
    /// The receiver resolves only after COMMIT: an operator action is shown
    /// as done only then.
    pub fn append_confirmed(
        &self,
        events: Vec<NewEvent>,
    ) -> oneshot::Receiver<Result<Vec<i64>, JournalError>> {
        let (done, rx) = oneshot::channel();
        let rows = events.into_iter().map(Staged::new).collect();
        if let Err(mpsc::SendError(req)) = self.shared.tx.send(Request::Confirmed(rows, done))
            && let Request::Confirmed(_, done) = req
        {
            let _ = done.send(Err(self.closed()));
        }
        rx
    }

    /// Block until everything sent before this call is committed and on
    /// disk. Do not call it on an async runtime thread. Reports
    /// fire-and-forget events lost to failed batches since the previous flush
    /// (by any handle).
    pub fn flush(&self) -> Result<(), JournalError> {
        let (ack, done) = mpsc::sync_channel(1);
        self.shared
            .tx
            .send(Request::Flush(ack))
            .map_err(|_| self.closed())?;
        done.recv().map_err(|_| self.closed())?
    }

    /// Write everything queued, stop the thread and wait for it. Other
    /// handles' later appends fail with [`JournalError::WriterClosed`].
    /// Calling it again is a no-op.
    pub fn shutdown(&self) -> Result<(), JournalError> {
        let (ack, done) = mpsc::sync_channel(1);
        let result = match self.shared.tx.send(Request::Shutdown(Some(ack))) {
            Ok(()) => done.recv().unwrap_or(Ok(())),
            Err(_) => Ok(()),
        };
        self.shared.join();
        result
    }

    /// A signal bumped right after each commit that added rows. Each call
    /// registers a new one; dropping it unregisters.
    pub fn subscribe_commits(&self) -> CommitSignal {
        let signal = CommitSignal::new();
        self.shared
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(signal.downgrade());
        signal
    }

    fn closed(&self) -> JournalError {
        JournalError::WriterClosed {
            path: self.shared.path.clone(),
        }
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn join(&self) {
        let handle = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::error!(path = %self.path.display(), "journal writer thread panicked");
        }
    }
}

impl Drop for Shared {
    /// The last handle going away must not lose what is still queued: the
    /// thread writes it all before it sees the shutdown, and we wait for that.
    fn drop(&mut self) {
        let _ = self.tx.send(Request::Shutdown(None));
        self.join();
    }
}

struct Worker {
    health: watch::Sender<WriteHealth>,
    conn: Connection,
    path: PathBuf,
    subscribers: Arc<Mutex<Vec<WeakSignal>>>,
    lost_events: u64,
    last_error: Option<JournalError>,
    /// What the connection is currently set to.
    durability: Durability,
    /// Rows were committed with `Normal` since the last fsync of the WAL.
    unsynced: bool,
}

impl Worker {
    fn run(&mut self, rx: Receiver<Request>) {
        let mut stopping = false;
        let mut shutdown_acks = Vec::new();
        loop {
            // Once asked to stop, keep going only while requests are already queued.
            let first = if stopping {
                rx.try_recv().ok()
            } else {
                rx.recv().ok()
            };
            let Some(first) = first else { break };
            let mut batch = vec![first];
            let mut events = batch[0].events().len();
            while events < MAX_BATCH_EVENTS {
                match rx.try_recv() {
                    Ok(req) => {
                        events += req.events().len();
                        batch.push(req);
                    }
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            for req in self.write(batch) {
                stopping = true;
                shutdown_acks.extend(req);
            }
        }
        let result = self.take_lost();
        for ack in shutdown_acks {
            let _ = ack.send(result.clone());
        }
    }

    /// Commit one batch and answer it. Returns the shutdown requests in it.
    fn write(&mut self, batch: Vec<Request>) -> Vec<Option<Ack>> {
        let has_rows = batch.iter().any(|r| !r.events().is_empty());
        let durable = batch.iter().any(Request::wants_durability);
        let outcome = self.commit(&batch, has_rows, durable);
        match &outcome {
            Ok(_) if has_rows => self.notify_commit(),
            Ok(_) => {}
            Err(e) => tracing::error!(
                path = %self.path.display(),
                error = %e,
                "journal batch failed; its events are not written"
            ),
        }
        if has_rows {
            self.report(outcome.as_ref().map(|_| ()));
        }
        let mut next_id = outcome.as_ref().map(|first| *first).unwrap_or(0);
        let mut shutdowns = Vec::new();
        for req in batch {
            match req {
                Request::Append(events) => match &outcome {
                    Ok(_) => next_id += events.len() as i64,
                    Err(e) => {
                        self.lost_events += events.len() as u64;
                        self.last_error = Some(e.clone());
                    }
                },
                Request::Confirmed(events, done) => {
                    let answer = match &outcome {
                        Ok(_) => {
                            let ids = (next_id..next_id + events.len() as i64).collect();
                            next_id += events.len() as i64;
                            Ok(ids)
                        }
                        Err(e) => Err(e.clone()),
                    };
                    // The caller may have stopped waiting; the rows are committed regardless.
                    let _ = done.send(answer);
                }
                Request::Flush(ack) => {
                    let _ = ack.send(self.take_lost());
                }
                Request::Probe => self.probe(),
                Request::Shutdown(ack) => shutdowns.push(ack),
            }
        }
        shutdowns
    }

    fn probe(&mut self) {
        let at = chrono::Utc::now().to_rfc3339();
        let done = self
            .conn
            .execute(
                "INSERT INTO writable (id, at) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                [at],
            )
            .map_err(|e| JournalError::sqlite(&self.path, "probe writing", e));
        self.report(done.as_ref().map(|_| ()));
    }

    /// Tell the console how the last write went: every failure (it re-sends
    /// what was lost after each one), and the first success after them.
    fn report(&mut self, outcome: Result<(), &JournalError>) {
        match outcome {
            Ok(()) if *self.health.borrow() != WriteHealth::Ok => {
                tracing::info!(path = %self.path.display(), "journal writes succeed again");
                self.health.send_replace(WriteHealth::Ok);
            }
            Ok(()) => {}
            Err(e) => {
                self.health.send_replace(WriteHealth::Failing {
                    reason: e.to_string(),
                    disk_full: e.is_disk_full(),
                });
            }
        }
    }

    /// Ingest-only batches commit with `Normal`; a batch anyone waits on
    /// commits with `Full`, whose fsync also covers the `Normal` batches
    /// before it (the WAL is written in order). So a confirmation or a flush
    /// always means "on disk", while a stream of ingest pays for an fsync
    /// only at checkpoints.
    fn commit(
        &mut self,
        batch: &[Request],
        has_rows: bool,
        durable: bool,
    ) -> Result<i64, JournalError> {
        let want = if durable {
            Durability::Full
        } else {
            Durability::Normal
        };
        if has_rows && want != self.durability {
            set_durability(&self.conn, &self.path, want)?;
            self.durability = want;
        }
        if has_rows {
            let first = insert(
                &self.conn,
                &self.path,
                batch.iter().flat_map(|r| r.events()),
            )?;
            self.unsynced = !durable;
            Ok(first)
        } else {
            if durable && self.unsynced {
                sync_wal(&self.path)?;
                self.unsynced = false;
            }
            Ok(0)
        }
    }

    fn take_lost(&mut self) -> Result<(), JournalError> {
        if self.lost_events == 0 {
            return Ok(());
        }
        let events = std::mem::take(&mut self.lost_events);
        let last_error = self
            .last_error
            .take()
            .map(|e| e.to_string())
            .unwrap_or_default();
        Err(JournalError::WritesLost {
            path: self.path.clone(),
            events,
            last_error,
        })
    }

    fn notify_commit(&self) {
        let mut subs = self
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        subs.retain(|weak| match weak.upgrade() {
            Some(signal) => {
                signal.notify();
                true
            }
            None => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventKind;
    use crate::journal::Journal;
    use chrono::Utc;
    use serde_json::json;
    use std::time::Duration;

    fn ev(i: usize) -> NewEvent {
        NewEvent::new(
            Utc::now(),
            "t@h",
            EventKind::AlarmNoteAdded,
            "fp",
            json!({ "text": format!("n{i}") }),
        )
    }

    fn count(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn confirmations_get_the_ids_of_their_own_events_within_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let w = Writer::spawn(&path).unwrap();
        w.append((0..3).map(ev).collect());
        let a = w.append_confirmed(vec![ev(3), ev(4)]);
        w.append(vec![ev(5)]);
        let b = w.append_confirmed(vec![ev(6)]);
        assert_eq!(a.blocking_recv().unwrap().unwrap(), vec![4, 5]);
        assert_eq!(b.blocking_recv().unwrap().unwrap(), vec![7]);
        let j = Journal::open(&path).unwrap();
        let rows = j.read_after(0, 100).unwrap();
        assert_eq!(rows[4].payload, json!({"text": "n4"}));
        assert_eq!(rows[6].payload, json!({"text": "n6"}));
    }

    #[test]
    fn a_failed_batch_is_reported_and_the_writer_keeps_going() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let w = Writer::spawn(&path).unwrap();
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
        )
        .unwrap();
        w.append(vec![ev(0), ev(1)]);
        let confirmed = w.append_confirmed(vec![ev(2)]);
        let err = confirmed.blocking_recv().unwrap().unwrap_err();
        assert!(err.to_string().contains("disk on fire"), "{err}");
        match w.flush() {
            Err(JournalError::WritesLost { events, .. }) => assert_eq!(events, 2),
            other => panic!("expected WritesLost, got {other:?}"),
        }
        // Reported once: the next flush has nothing new to report.
        w.flush().unwrap();
        raw.execute_batch("DROP TRIGGER refuse").unwrap();
        let ids = w
            .append_confirmed(vec![ev(3)])
            .blocking_recv()
            .unwrap()
            .unwrap();
        assert_eq!(ids, vec![1]);
    }

    #[test]
    fn dropping_the_last_handle_writes_everything_queued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let w = Writer::spawn(&path).unwrap();
        let w2 = w.clone();
        for chunk in 0..30 {
            w.append((0..1000).map(|i| ev(chunk * 1000 + i)).collect());
        }
        drop(w);
        w2.append(vec![ev(0)]);
        drop(w2);
        assert_eq!(count(&path), 30_001);
        assert!(Journal::open(&path).unwrap().verify().unwrap().is_intact());
    }

    #[test]
    fn after_shutdown_appends_fail_with_writer_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let w = Writer::spawn(&path).unwrap();
        let other = w.clone();
        w.append(vec![ev(0)]);
        w.shutdown().unwrap();
        assert_eq!(count(&path), 1);
        let err = other
            .append_confirmed(vec![ev(1)])
            .blocking_recv()
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, JournalError::WriterClosed { .. }), "{err:?}");
        assert!(matches!(
            other.flush(),
            Err(JournalError::WriterClosed { .. })
        ));
        w.shutdown().unwrap();
    }

    fn sync_level(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn only_batches_someone_waits_on_pay_for_an_fsync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let mut w = Worker {
            health: watch::channel(WriteHealth::Ok).0,
            conn: open_connection(&path).unwrap(),
            path: path.clone(),
            subscribers: Arc::default(),
            lost_events: 0,
            last_error: None,
            durability: Durability::Full,
            unsynced: false,
        };
        let rows = |n: usize| (0..n).map(|i| Staged::new(ev(i))).collect::<Vec<_>>();
        w.write(vec![Request::Append(rows(3))]);
        assert_eq!(sync_level(&w.conn), 1, "ingest commits with NORMAL");
        assert!(w.unsynced);
        let (ack, done) = mpsc::sync_channel(1);
        w.write(vec![Request::Flush(ack)]);
        done.recv().unwrap().unwrap();
        assert!(!w.unsynced, "a flush fsyncs what ingest left unsynced");
        let (confirm, answer) = oneshot::channel();
        w.write(vec![
            Request::Append(rows(2)),
            Request::Confirmed(rows(1), confirm),
        ]);
        assert_eq!(answer.blocking_recv().unwrap().unwrap(), vec![6]);
        assert_eq!(
            sync_level(&w.conn),
            2,
            "a confirmed batch commits with FULL"
        );
        assert!(!w.unsynced);
    }

    #[test]
    fn commit_subscribers_are_woken_after_rows_are_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let w = Writer::spawn(&path).unwrap();
        let signal = w.subscribe_commits();
        let seen = signal.seq();
        w.flush().unwrap();
        assert_eq!(signal.seq(), seen, "a flush with no rows is not a commit");
        w.append(vec![ev(0)]);
        let now = signal.wait_past(seen, Duration::from_secs(5));
        assert!(now > seen);
        assert_eq!(count(&path), 1);
    }
}
