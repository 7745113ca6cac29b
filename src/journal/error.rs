//! `JournalError`: every way the journal can fail, each saying where (file,
//! row id) and why. Errors are `Clone` because one failed commit has to be
//! reported to every caller waiting on that batch.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum JournalError {
    /// A filesystem operation on the journal (or its directory) failed.
    Io {
        path: PathBuf,
        op: &'static str,
        source: Arc<io::Error>,
    },
    /// SQLite refused an operation.
    Sqlite {
        path: PathBuf,
        op: &'static str,
        source: Arc<rusqlite::Error>,
    },
    /// The file cannot be used as a journal (e.g. the filesystem refuses WAL).
    Setup { path: PathBuf, reason: String },
    /// The journal was written by a newer cocpit whose schema this one does not know.
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// A stored row cannot be turned into an event.
    BadRow {
        path: PathBuf,
        id: i64,
        reason: String,
    },
    /// The writer thread is gone (shut down, or it panicked).
    WriterClosed { path: PathBuf },
    /// Fire-and-forget appends that were dropped because their batch failed.
    WritesLost {
        path: PathBuf,
        events: u64,
        last_error: String,
    },
}

impl JournalError {
    pub(crate) fn io(path: &Path, op: &'static str, e: io::Error) -> JournalError {
        JournalError::Io {
            path: path.to_path_buf(),
            op,
            source: Arc::new(e),
        }
    }

    pub(crate) fn sqlite(path: &Path, op: &'static str, e: rusqlite::Error) -> JournalError {
        JournalError::Sqlite {
            path: path.to_path_buf(),
            op,
            source: Arc::new(e),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            JournalError::Io { path, .. }
            | JournalError::Sqlite { path, .. }
            | JournalError::Setup { path, .. }
            | JournalError::TooNew { path, .. }
            | JournalError::BadRow { path, .. }
            | JournalError::WriterClosed { path }
            | JournalError::WritesLost { path, .. } => path,
        }
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Io { path, op, source } => {
                write!(f, "journal {}: {op}: {source}", path.display())
            }
            JournalError::Sqlite { path, op, source } => {
                write!(f, "journal {}: {op}: {source}", path.display())
            }
            JournalError::Setup { path, reason } => {
                write!(f, "journal {}: {reason}", path.display())
            }
            JournalError::TooNew { path, found, known } => write!(
                f,
                "journal {} has schema version {found} but this cocpit only knows versions up to \
                 {known}; it was written by a newer cocpit, refusing to open it (upgrade cocpit)",
                path.display()
            ),
            JournalError::BadRow { path, id, reason } => {
                write!(f, "journal {}, row {id}: {reason}", path.display())
            }
            JournalError::WriterClosed { path } => {
                write!(f, "journal {}: the writer has stopped", path.display())
            }
            JournalError::WritesLost {
                path,
                events,
                last_error,
            } => write!(
                f,
                "journal {}: {events} event(s) could not be written: {last_error}",
                path.display()
            ),
        }
    }
}

// The cause is already part of the message (`journal P: op: cause`), so it
// is not also returned as `source()`: an error report walks the chain and
// would print the OS error twice (`… (os error 2): … (os error 2)`).
impl std::error::Error for JournalError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_report_names_the_cause_once() {
        let e = JournalError::io(
            Path::new("/nope/j.db"),
            "create directory",
            io::Error::from_raw_os_error(2),
        );
        let mut report = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            report.push_str(&format!(": {c}"));
            cause = c.source();
        }
        assert_eq!(report.matches("os error 2").count(), 1, "{report}");
        assert!(report.starts_with("journal /nope/j.db: create directory: "));
    }
}
