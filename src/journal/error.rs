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
    /// The disk (or the filesystem holding the journal) is full.
    DiskFull { path: PathBuf, op: &'static str },
    /// The file is a database, but not a cocpit journal.
    NotAJournal { path: PathBuf, reason: String },
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
        if disk_full(path, &e) {
            return JournalError::DiskFull {
                path: path.to_path_buf(),
                op,
            };
        }
        JournalError::Sqlite {
            path: path.to_path_buf(),
            op,
            source: Arc::new(e),
        }
    }

    /// Whether this is the disk being full: then the journal cannot record
    /// anything until space returns.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, JournalError::DiskFull { .. })
    }

    pub fn path(&self) -> &Path {
        match self {
            JournalError::Io { path, .. }
            | JournalError::Sqlite { path, .. }
            | JournalError::Setup { path, .. }
            | JournalError::DiskFull { path, .. }
            | JournalError::NotAJournal { path, .. }
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
            JournalError::DiskFull { path, op } => write!(
                f,
                "journal {}: {op}: disk full (free space on its filesystem to go on recording)",
                path.display()
            ),
            JournalError::NotAJournal { path, reason } => write!(
                f,
                "{} is not a cocpit journal ({reason}); refusing to touch it",
                path.display()
            ),
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

/// SQLite says "disk full" outright, or fails an I/O (growing the `-wal`
/// or `-shm`, an fsync: extended code 4874 is a `-shm` that cannot grow)
/// on a filesystem with no space left.
fn disk_full(path: &Path, e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode;
    let rusqlite::Error::SqliteFailure(f, _) = e else {
        return false;
    };
    match f.code {
        ErrorCode::DiskFull => true,
        ErrorCode::SystemIoFailure => no_space_left(path),
        _ => false,
    }
}

/// Less than a page or two left for an unprivileged writer.
fn no_space_left(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs writes only into the zeroed struct we pass; the path
    // is a valid NUL-terminated string for the duration of the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return false;
    }
    (st.f_bavail as u64).saturating_mul(st.f_frsize as u64) < 64 * 1024
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
