//! Projection checkpoints: the board, the fault ledger and who is online as
//! they were after row N, so a console replays only what came after. A
//! checkpoint belongs to the chain it was made from: it is used only while
//! row N still has the hash it was made with (and the projection format is
//! this binary's); anything else means a full replay. The chain from N on is
//! verified while it is replayed, so a start checks the journal
//! incrementally; `journal verify` still checks it all.

use super::{Journal, JournalError};
use crate::domain::projection::{FORMAT, Projection};
use rusqlite::OptionalExtension;

/// Checkpoints kept; older ones are deleted when a new one is written.
const KEEP: i64 = 2;

/// A checkpoint found in the journal and still valid for its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub event_id: i64,
    pub event_hash: String,
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

    /// Store `projection` as the checkpoint after its last row (whose hash
    /// is `event_hash`) and keep only the newest few.
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
        tx.execute(
            "DELETE FROM checkpoints WHERE event_id NOT IN \
             (SELECT event_id FROM checkpoints ORDER BY event_id DESC LIMIT ?1)",
            [KEEP],
        )
        .map_err(|e| JournalError::sqlite(&self.path, op, e))?;
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
