//! One console per journal runs the sources (the ingest leader); the others
//! follow the journal. Leadership is an advisory lock on `<journal>.lock`,
//! which the kernel releases if the leader dies, so a follower takes over
//! within a retry interval without any cleanup.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub struct LeaderLock {
    path: PathBuf,
    held: Option<File>,
}

impl LeaderLock {
    pub fn new(journal: &Path) -> LeaderLock {
        let mut name = journal.as_os_str().to_owned();
        name.push(".lock");
        LeaderLock {
            path: PathBuf::from(name),
            held: None,
        }
    }

    pub fn is_leader(&self) -> bool {
        self.held.is_some()
    }

    /// Try to become the leader; returns whether this console leads now.
    pub fn try_acquire(&mut self) -> bool {
        if self.held.is_some() {
            return true;
        }
        let file = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&self.path)
        {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("cannot open {}: {e}", self.path.display());
                return false;
            }
        };
        match file.try_lock() {
            Ok(()) => {
                self.held = Some(file);
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leader_per_journal_and_handover_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("j.db");
        let mut a = LeaderLock::new(&j);
        let mut b = LeaderLock::new(&j);
        assert!(a.try_acquire());
        assert!(!b.try_acquire());
        drop(a);
        assert!(b.try_acquire());
        assert!(b.is_leader());
    }
}
