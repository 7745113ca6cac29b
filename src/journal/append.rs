//! Appending rows: ids assigned explicitly after the current last row and the
//! chain extended, all inside one `BEGIN IMMEDIATE` transaction so several
//! processes appending to one file still produce one gap-free chain.

use super::chain::{GENESIS_HASH, RowText, format_ts, row_hash};
use super::{Journal, JournalError};
use crate::domain::NewEvent;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// An event with the text that will be stored (and hashed) already rendered,
/// so that the expensive part happens before the write lock is taken.
pub(super) struct Staged<'a> {
    ev: &'a NewEvent,
    ts: String,
    payload: String,
}

pub(super) fn stage<'a>(events: impl IntoIterator<Item = &'a NewEvent>) -> Vec<Staged<'a>> {
    events
        .into_iter()
        .map(|ev| Staged {
            ev,
            ts: format_ts(&ev.ts),
            // A `Value` always serialises; the fallback only keeps this total.
            payload: serde_json::to_string(&ev.payload).unwrap_or_else(|_| "null".into()),
        })
        .collect()
}

/// Insert `rows` in one transaction. Returns the id of the first one; the
/// others follow consecutively. Nothing is inserted on error.
pub(super) fn insert(
    conn: &Connection,
    path: &Path,
    rows: &[Staged<'_>],
) -> Result<i64, JournalError> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .map_err(|e| JournalError::sqlite(path, "begin append", e))?;
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| JournalError::sqlite(path, "read chain head", e))?;
    let (last_id, mut prev) = last.unwrap_or_else(|| (0, GENESIS_HASH.to_string()));
    let first = last_id + 1;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO events (id, ts, actor, kind, subject, payload, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(|e| JournalError::sqlite(path, "prepare append", e))?;
        for (id, row) in (first..).zip(rows) {
            let text = RowText {
                id,
                ts: &row.ts,
                actor: &row.ev.actor,
                kind: &row.ev.kind,
                subject: &row.ev.subject,
                payload: &row.payload,
            };
            let hash = row_hash(&prev, &text);
            stmt.execute((
                id,
                text.ts,
                text.actor,
                text.kind,
                text.subject,
                text.payload,
                &prev,
                &hash,
            ))
            .map_err(|e| JournalError::sqlite(path, "append event", e))?;
            prev = hash;
        }
    }
    tx.commit()
        .map_err(|e| JournalError::sqlite(path, "commit append", e))?;
    Ok(first)
}

impl Journal {
    /// Append `events` synchronously in one transaction and return their ids.
    /// The console appends through a [`super::Writer`]; this is for tools and tests.
    pub fn append(&self, events: &[NewEvent]) -> Result<Vec<i64>, JournalError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let staged = stage(events);
        let first = insert(&self.conn, &self.path, &staged)?;
        Ok((first..first + events.len() as i64).collect())
    }
}
