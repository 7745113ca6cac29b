//! Projection checkpoints: the board, the fault ledger and who is online as
//! they were after row N, so a console replays only what came after. A
//! checkpoint belongs to the chain it was made from: it is used only while
//! row N still has the hash it was made with (and the projection format is
//! this binary's); anything else means a full replay. The chain from N on is
//! verified while it is replayed, so a start checks the journal
//! incrementally; `journal verify` still checks it all. Time travel starts
//! the board of a past moment from the newest checkpoint before it
//! (`timeline::read::board_at`), which is why older ones are kept spaced.

use super::{Journal, JournalError};
use crate::domain::projection::{FORMAT, Projection};
use rusqlite::OptionalExtension;

/// The newest checkpoints kept: a start uses the newest, the one before is
/// there should the newest's row be rewritten.
const KEEP: usize = 2;

/// Older checkpoints kept besides, each at least [`SPACING`] rows before the
/// next one kept. They are for time travel: the newest two usually lie
/// after the moment travelled to, and without these the board of any
/// earlier moment is replayed from the first row (seconds on a million
/// rows). Spaced, not all: a checkpoint is a whole serialized projection,
/// so what this costs is disk (at most `KEEP + SPACED` projections) and,
/// when one is written, reading the few checkpoint ids to thin them.
const SPACED: usize = 4;
const SPACING: i64 = 100_000;

/// Of checkpoint ids newest first, the ones to keep.
fn thinned(ids: &[i64]) -> Vec<i64> {
    let mut keep: Vec<i64> = ids.iter().copied().take(KEEP).collect();
    for &id in ids.iter().skip(KEEP) {
        if keep.len() >= KEEP + SPACED {
            break;
        }
        if keep.last().is_none_or(|&last| id <= last - SPACING) {
            keep.push(id);
        }
    }
    keep
}

/// A checkpoint found in the journal and still valid for its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub event_id: i64,
    pub event_hash: String,
}

/// Where a valid checkpoint stands, without its data: its row's stamp and
/// when it was written, both as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointMark {
    pub checkpoint: Checkpoint,
    pub row_ts: String,
    pub written_at: String,
}

/// A journal of an older schema, opened read-only (so not migrated), has
/// no checkpoint table: that is "no checkpoint", not an error.
fn no_table(e: &rusqlite::Error) -> bool {
    e.to_string().contains("no such table")
}

impl Journal {
    /// The newest checkpoint still tied to this chain, with its data (the
    /// serialized projection), if any.
    pub fn latest_checkpoint(&self) -> Result<Option<(Checkpoint, String)>, JournalError> {
        let found = self
            .conn
            .query_row(
                "SELECT c.event_id, c.event_hash, c.data FROM checkpoints c \
                 JOIN events e ON e.id = c.event_id AND e.hash = c.event_hash \
                 WHERE c.format = ?1 ORDER BY c.event_id DESC LIMIT 1",
                [FORMAT],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional();
        match found {
            Ok(found) => Ok(found.map(|(event_id, event_hash, data)| {
                (
                    Checkpoint {
                        event_id,
                        event_hash,
                    },
                    data,
                )
            })),
            Err(e) if no_table(&e) => Ok(None),
            Err(e) => Err(JournalError::sqlite(
                &self.path,
                "read the latest checkpoint",
                e,
            )),
        }
    }

    /// Every checkpoint still tied to this chain and of this binary's
    /// format, newest first, without the data (it can be large).
    pub fn checkpoint_marks(&self) -> Result<Vec<CheckpointMark>, JournalError> {
        let op = "list the checkpoints";
        let mut stmt = match self.conn.prepare(
            "SELECT c.event_id, c.event_hash, e.ts, c.written_at FROM checkpoints c \
             JOIN events e ON e.id = c.event_id AND e.hash = c.event_hash \
             WHERE c.format = ?1 ORDER BY c.event_id DESC",
        ) {
            Ok(stmt) => stmt,
            Err(e) if no_table(&e) => return Ok(Vec::new()),
            Err(e) => return Err(JournalError::sqlite(&self.path, op, e)),
        };
        let rows = stmt
            .query_map([FORMAT], |r| {
                Ok(CheckpointMark {
                    checkpoint: Checkpoint {
                        event_id: r.get(0)?,
                        event_hash: r.get(1)?,
                    },
                    // Leniently: an odd stamp only passes this one over.
                    row_ts: super::scan::text_at(r, 2).into_owned(),
                    written_at: super::scan::text_at(r, 3).into_owned(),
                })
            })
            .map_err(|e| JournalError::sqlite(&self.path, op, e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| JournalError::sqlite(&self.path, op, e))
    }

    /// The data (serialized projection) of the checkpoint after row `id`,
    /// if there is one of this binary's format.
    pub fn checkpoint_data(&self, id: i64) -> Result<Option<String>, JournalError> {
        let found = self
            .conn
            .query_row(
                "SELECT data FROM checkpoints WHERE event_id = ?1 AND format = ?2",
                rusqlite::params![id, FORMAT],
                |r| r.get(0),
            )
            .optional();
        match found {
            Ok(data) => Ok(data),
            Err(e) if no_table(&e) => Ok(None),
            Err(e) => Err(JournalError::sqlite(&self.path, "read a checkpoint", e)),
        }
    }

    /// Store `projection` as the checkpoint after its last row (whose hash
    /// is `event_hash`) and keep only the newest few and a few older ones
    /// spaced out ([`SPACED`]).
    pub fn write_checkpoint(
        &self,
        projection: &Projection,
        event_hash: &str,
    ) -> Result<(), JournalError> {
        let op = "write a checkpoint";
        let data = serde_json::to_string(projection).map_err(|e| JournalError::Setup {
            path: self.path.clone(),
            reason: format!("{op}: {e}"),
        })?;
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )
        .map_err(|e| JournalError::sqlite(&self.path, op, e))?;
        tx.execute(
            "INSERT OR REPLACE INTO checkpoints (event_id, event_hash, format, written_at, data) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                projection.last_event_id,
                event_hash,
                FORMAT,
                chrono::Utc::now().to_rfc3339(),
                data
            ],
        )
        .map_err(|e| JournalError::sqlite(&self.path, op, e))?;
        let ids = {
            let mut stmt = tx
                .prepare("SELECT event_id FROM checkpoints ORDER BY event_id DESC")
                .map_err(|e| JournalError::sqlite(&self.path, op, e))?;
            stmt.query_map([], |r| r.get::<_, i64>(0))
                .map_err(|e| JournalError::sqlite(&self.path, op, e))?
                .collect::<Result<Vec<i64>, _>>()
                .map_err(|e| JournalError::sqlite(&self.path, op, e))?
        };
        let keep = thinned(&ids);
        for id in ids.iter().filter(|id| !keep.contains(id)) {
            tx.execute("DELETE FROM checkpoints WHERE event_id = ?1", [id])
                .map_err(|e| JournalError::sqlite(&self.path, op, e))?;
        }
        tx.commit()
            .map_err(|e| JournalError::sqlite(&self.path, op, e))
    }

    /// The hash of row `id`, if it exists.
    pub fn hash_of(&self, id: i64) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row("SELECT hash FROM events WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| JournalError::sqlite(&self.path, "read a row's hash", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_two_are_kept_and_older_ones_spaced_out() {
        let every_10k: Vec<i64> = (1..=100).rev().map(|k| k * 10_000).collect();
        assert_eq!(
            thinned(&every_10k),
            [1_000_000, 990_000, 890_000, 790_000, 690_000, 590_000]
        );
        assert_eq!(thinned(&[30, 20, 10]), [30, 20]);
        assert_eq!(thinned(&[5]), [5]);
        assert!(thinned(&[]).is_empty());
        // Kept once, a spaced checkpoint stays as newer ones come.
        let mut ids = thinned(&every_10k);
        ids.insert(0, 1_010_000);
        assert_eq!(
            thinned(&ids),
            [1_010_000, 1_000_000, 890_000, 790_000, 690_000, 590_000]
        );
    }
}
