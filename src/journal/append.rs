//! Appending rows: ids assigned explicitly after the current last row and the
//! chain extended, all inside one `BEGIN IMMEDIATE` transaction so several
//! processes appending to one file still produce one gap-free chain.

use super::chain::{GENESIS_HASH, RowText, format_ts, row_hash};
use super::{Journal, JournalError};
use crate::domain::NewEvent;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// An event with the text that will be stored (and hashed) already rendered,
/// packed into one buffer: `ts | actor | kind | subject | payload`.
/// Rendering happens on the caller's thread, before the request is queued,
/// so the writer thread (which holds the write lock) only hashes and
/// inserts, and frees one allocation per row instead of five.
pub(super) struct Staged {
    text: String,
    /// End offsets of ts, actor, kind and subject in `text`.
    ends: [usize; 4],
}

impl Staged {
    pub(super) fn new(ev: NewEvent) -> Staged {
        Staged::borrowed(&ev)
    }

    fn borrowed(ev: &NewEvent) -> Staged {
        let ts = format_ts(&ev.ts);
        let mut buf =
            Vec::with_capacity(ts.len() + ev.actor.len() + ev.kind.len() + ev.subject.len() + 512);
        let mut ends = [0; 4];
        for (end, part) in ends.iter_mut().zip([&ts, &ev.actor, &ev.kind, &ev.subject]) {
            buf.extend_from_slice(part.as_bytes());
            *end = buf.len();
        }
        let fixed = buf.len();
        if serde_json::to_writer(&mut buf, &ev.payload).is_err() {
            // A `Value` always serialises; this only keeps the function total.
            buf.truncate(fixed);
            buf.extend_from_slice(b"null");
        }
        // Every part is a `str` and serde_json writes UTF-8, so this is
        // the `Ok` arm in practice; lossy keeps it total without a panic.
        let text = String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Staged { text, ends }
    }

    fn row(&self, id: i64) -> RowText<'_> {
        let [a, b, c, d] = self.ends;
        RowText {
            id,
            ts: &self.text[..a],
            actor: &self.text[a..b],
            kind: &self.text[b..c],
            subject: &self.text[c..d],
            payload: &self.text[d..],
        }
    }
}

/// Insert `rows` in one transaction. Returns the id of the first one; the
/// others follow consecutively. Nothing is inserted on error.
pub(super) fn insert<'a>(
    conn: &Connection,
    path: &Path,
    rows: impl IntoIterator<Item = &'a Staged>,
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
            let text = row.row(id);
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

/// How hard a commit insists on reaching the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// fsync the WAL at commit (`synchronous=FULL`): survives power loss.
    Full,
    /// Leave the WAL to the next checkpoint or FULL commit
    /// (`synchronous=NORMAL`): survives a crash of the process, may lose the
    /// last batches on power loss, never corrupts.
    Normal,
}

pub(super) fn set_durability(
    conn: &Connection,
    path: &Path,
    d: Durability,
) -> Result<(), JournalError> {
    let level = match d {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", level)
        .map_err(|e| JournalError::sqlite(path, "set synchronous", e))
}

/// Force committed WAL frames to disk without a commit: the file's own
/// fsync covers frames written by earlier NORMAL commits.
pub(super) fn sync_wal(path: &Path) -> Result<(), JournalError> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = Path::new(&wal);
    match std::fs::File::open(wal) {
        Ok(f) => f
            .sync_data()
            .map_err(|e| JournalError::io(wal, "fsync WAL", e)),
        // No WAL: everything is checkpointed into the (synced) main file.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(JournalError::io(wal, "open WAL for fsync", e)),
    }
}

impl Journal {
    /// Append `events` synchronously in one transaction and return their ids.
    /// The console appends through a [`super::Writer`]; this is for tools and tests.
    pub fn append(&self, events: &[NewEvent]) -> Result<Vec<i64>, JournalError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let staged: Vec<Staged> = events.iter().map(Staged::borrowed).collect();
        let first = insert(&self.conn, &self.path, &staged)?;
        Ok((first..first + events.len() as i64).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventKind;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn staged_text_is_exactly_what_gets_stored_and_hashed() {
        let ts = chrono::Utc.timestamp_opt(1_700_000_000, 5).unwrap();
        let payload = json!({"text": "ünïcode \"quoted\"\nline", "n": 1.5});
        let ev = NewEvent::new(
            ts,
            "zoë@jump",
            EventKind::AlarmNoteAdded,
            "fp-1",
            payload.clone(),
        );
        let staged = Staged::new(ev);
        let row = staged.row(42);
        assert_eq!(row.id, 42);
        assert_eq!(row.ts, "2023-11-14T22:13:20.000000005Z");
        assert_eq!(row.actor, "zoë@jump");
        assert_eq!(row.kind, "alarm.note_added");
        assert_eq!(row.subject, "fp-1");
        assert_eq!(row.payload, serde_json::to_string(&payload).unwrap());
    }
}
