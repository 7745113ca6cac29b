//! The SQLite event journal, cocpit's source of truth: opening and migrating
//! the file, appending hash-chained rows (directly or through the batching
//! [`Writer`] thread), reading and tailing them ([`Tailer`]), rebuilding the
//! alarm board, verifying the chain and exporting JSON Lines.
//! The file format and every event kind are described in `docs/JOURNAL.md`.

mod append;
pub mod chain;
mod error;
mod export;
mod read;
pub mod schema;
mod signal;
mod tail;
mod verify;
mod writer;

pub use error::JournalError;
pub use signal::CommitSignal;
pub use tail::Tailer;
pub use verify::{BreakReason, Broken, VerifyReport};
pub use writer::Writer;

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// One connection to a journal file. Reads see every committed row, including
/// those written by other processes sharing the file.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
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

    pub fn path(&self) -> &Path {
        &self.path
    }
}
