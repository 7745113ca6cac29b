//! Verifying the hash chain: every row's hash recomputed from its stored
//! text, every link to the previous row checked, ids checked for gaps.
//! Streams the table, so a journal of any size verifies in constant memory.

use super::chain::{GENESIS_HASH, row_hash};
use super::{Journal, JournalError, Scan};
use std::fmt;

/// Outcome of [`Journal::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub last_id: i64,
    /// Rows with any fault. Each row is judged against its stored neighbour,
    /// so one altered row counts once instead of breaking everything after it.
    pub broken_rows: u64,
    pub first_broken: Option<Broken>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// The first row where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub id: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The row's contents no longer hash to its stored hash: it was altered.
    HashMismatch { stored: String, computed: String },
    /// Ids skip from `expected - 1` to this row: rows were removed.
    IdGap { expected: i64 },
    /// The row's `prev_hash` is not the previous row's hash: a row was
    /// removed, inserted or replaced before it.
    PrevHashMismatch { expected: String, found: String },
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakReason::HashMismatch { stored, computed } => write!(
                f,
                "hash mismatch, row altered (stored {stored}, contents hash to {computed})"
            ),
            BreakReason::IdGap { expected } => {
                write!(f, "id gap, expected id {expected}: rows removed")
            }
            BreakReason::PrevHashMismatch { expected, found } => write!(
                f,
                "prev_hash does not match the previous row's hash, a row was removed or \
                 inserted (previous row's hash {expected}, prev_hash {found})"
            ),
        }
    }
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.id, self.reason)
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.first_broken {
            None => write!(
                f,
                "journal intact: {} rows, hash chain verified up to id {}",
                self.rows_checked, self.last_id
            ),
            Some(b) => write!(
                f,
                "journal BROKEN: first broken {b}; {} of {} rows broken",
                self.broken_rows, self.rows_checked
            ),
        }
    }
}

impl Journal {
    /// Recompute and check the whole chain. `Err` only when the journal cannot
    /// be read; a broken chain is a successful report with `first_broken` set.
    pub fn verify(&self) -> Result<VerifyReport, JournalError> {
        let mut report = VerifyReport {
            rows_checked: 0,
            last_id: 0,
            broken_rows: 0,
            first_broken: None,
        };
        let mut prev_hash = String::from(GENESIS_HASH);
        let mut expected_id = 1;
        self.scan(&Scan::all(), |row| {
            let id = row.id;
            let computed = row_hash(&row.prev_hash, &row.text());
            let fault = if computed != row.hash {
                Some(BreakReason::HashMismatch {
                    stored: row.hash.to_string(),
                    computed,
                })
            } else if id != expected_id {
                Some(BreakReason::IdGap {
                    expected: expected_id,
                })
            } else if row.prev_hash != prev_hash {
                Some(BreakReason::PrevHashMismatch {
                    expected: prev_hash.clone(),
                    found: row.prev_hash.to_string(),
                })
            } else {
                None
            };
            if let Some(reason) = fault {
                report.broken_rows += 1;
                report.first_broken.get_or_insert(Broken { id, reason });
            }
            report.rows_checked += 1;
            report.last_id = id;
            expected_id = id.saturating_add(1);
            prev_hash.clear();
            prev_hash.push_str(&row.hash);
            Ok(())
        })?;
        Ok(report)
    }
}
