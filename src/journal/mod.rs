//! The SQLite event journal, cocpit's source of truth: opening and migrating
//! the file, appending hash-chained rows (directly or through the batching
//! [`Writer`] thread), reading and tailing them ([`Tailer`]), rebuilding the
//! alarm board, verifying the chain and exporting JSON Lines. Every full
//! walk of the table goes through [`Journal::scan`].
//! The file format and every event kind are described in `docs/JOURNAL.md`.

mod append;
pub mod chain;
mod checkpoint;
mod error;
mod export;
mod read;
mod replay;
mod scan;
pub mod schema;
mod signal;
mod tail;
mod verify;
mod writer;

pub use checkpoint::{Checkpoint, CheckpointMark};
pub use error::JournalError;
pub use replay::Replay;
pub use scan::{RawRow, Scan};
pub use signal::CommitSignal;
pub use tail::{POLL_INTERVAL, TAIL_BATCH, Tailer};
pub use verify::{BreakReason, Broken, VerifyReport};
pub use writer::{MAX_BATCH_EVENTS, WriteHealth, Writer};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// One connection to a journal file. Reads see every committed row, including
/// those written by other processes sharing the file.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Open or create the journal at `path` (parent directories included),
    /// private to the user (0600), in WAL mode, migrated to the current schema.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let conn = schema::open_connection(path)?;
        Ok(Journal {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Like [`Journal::open`], but a missing file is an error instead of a new
    /// empty journal: for `cocpit journal verify` / `export`, where creating
    /// one would hide a wrong path.
    pub fn open_existing(path: &Path) -> Result<Journal, JournalError> {
        std::fs::metadata(path).map_err(|e| JournalError::io(path, "open journal", e))?;
        Journal::open(path)
    }

    /// Open an existing journal for reading only: nothing is created,
    /// migrated or changed, read-only media work, and a database that is
    /// not a cocpit journal is refused. For `journal verify` / `export` and
    /// `--readonly` consoles.
    pub fn open_readonly(path: &Path) -> Result<Journal, JournalError> {
        Ok(Journal {
            conn: schema::open_readonly_connection(path)?,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_existing_refuses_a_missing_file_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.db");
        let err = Journal::open_existing(&path).err().unwrap();
        assert!(err.to_string().contains("nope.db"), "{err}");
        assert!(!path.exists());
        Journal::open(&path).unwrap();
        assert!(Journal::open_existing(&path).is_ok());
    }
}
