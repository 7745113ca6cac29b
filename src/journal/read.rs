//! Reading rows back as [`Event`]s: by id range, streamed over the whole
//! journal, and the alarm-board projection rebuilt from them. Reading is
//! lenient: a damaged row still reads (verify is what flags it).

use super::scan::{RawRow, Scan};
use super::{Journal, JournalError};
use crate::domain::{AlarmBoard, Event};
use rusqlite::Row;
use rusqlite::types::ValueRef;
use serde_json::Value;
use std::borrow::Cow;

pub(super) const SELECT_COLUMNS: &str =
    "SELECT id, ts, actor, kind, subject, payload, prev_hash, hash FROM events";

/// Column text as stored. The schema only ever gets text, so the other arms
/// exist for files edited by hand: they read instead of failing.
pub(super) fn text_at<'r>(row: &'r Row<'_>, idx: usize) -> Cow<'r, str> {
    match row.get_ref(idx) {
        Ok(ValueRef::Text(b)) | Ok(ValueRef::Blob(b)) => String::from_utf8_lossy(b),
        Ok(ValueRef::Integer(i)) => Cow::Owned(i.to_string()),
        Ok(ValueRef::Real(f)) => Cow::Owned(f.to_string()),
        Ok(ValueRef::Null) | Err(_) => Cow::Borrowed(""),
    }
}

pub(super) fn id_at(row: &Row<'_>, path: &std::path::Path) -> Result<i64, JournalError> {
    row.get(0)
        .map_err(|e| JournalError::sqlite(path, "read row id", e))
}

/// A row as stored, from a `SELECT_COLUMNS` query.
pub(super) fn raw_row<'r>(
    row: &'r Row<'_>,
    path: &std::path::Path,
) -> Result<RawRow<'r>, JournalError> {
    Ok(RawRow {
        id: id_at(row, path)?,
        ts: text_at(row, 1),
        actor: text_at(row, 2),
        kind: text_at(row, 3),
        subject: text_at(row, 4),
        payload: text_at(row, 5),
        prev_hash: text_at(row, 6),
        hash: text_at(row, 7),
    })
}

/// Stored payload text as JSON; text that is not JSON is kept as a string
/// so one bad row never stops a rebuild or an export.
pub(super) fn payload_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

impl Journal {
    /// Run one `SELECT_COLUMNS …` query and hand each row, as an event, to `f`.
    /// Returns how many rows were visited. Every reader goes through here so
    /// rows are decoded and errors reported the same way.
    fn stream(
        &self,
        op: &'static str,
        sql: &str,
        params: impl rusqlite::Params,
        mut f: impl FnMut(Event),
    ) -> Result<u64, JournalError> {
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| JournalError::sqlite(path, op, e))?;
        let mut rows = stmt
            .query(params)
            .map_err(|e| JournalError::sqlite(path, op, e))?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(|e| JournalError::sqlite(path, op, e))? {
            f(raw_row(row, path)?.event(path));
            n += 1;
        }
        Ok(n)
    }

    /// Up to `limit` events with id greater than `after_id`, in id order.
    pub fn read_after(&self, after_id: i64, limit: usize) -> Result<Vec<Event>, JournalError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        self.stream(
            "read events",
            &format!("{SELECT_COLUMNS} WHERE id > ?1 ORDER BY id LIMIT ?2"),
            (after_id, limit),
            |ev| out.push(ev),
        )?;
        Ok(out)
    }

    /// Stream every event in id order without holding them all in memory.
    /// Returns how many were visited.
    pub fn for_each(&self, f: impl FnMut(&Event)) -> Result<u64, JournalError> {
        self.scan_events(&Scan::all(), f)
    }

    /// Stream the events whose kind starts with `prefix` (e.g. `fault.`)
    /// in id order, through the kind index: `cocpit faults list` reads its
    /// few rows without replaying every alarm.
    pub fn for_each_kind_prefix(
        &self,
        prefix: &str,
        f: impl FnMut(&Event),
    ) -> Result<u64, JournalError> {
        self.scan_events(&Scan::kinds(prefix), f)
    }

    /// The newest event of one kind, if any (e.g. the demo's `sim.started`).
    pub fn last_of_kind(&self, kind: &str) -> Result<Option<Event>, JournalError> {
        let mut last = None;
        self.stream(
            "read latest event of a kind",
            &format!("{SELECT_COLUMNS} WHERE kind = ?1 ORDER BY id DESC LIMIT 1"),
            [kind],
            |ev| last = Some(ev),
        )?;
        Ok(last)
    }

    /// Highest id in the journal, 0 when it is empty.
    pub fn last_id(&self) -> Result<i64, JournalError> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
            .map_err(|e| JournalError::sqlite(&self.path, "read last id", e))
    }

    /// The alarm board as the journal says it is: every event replayed in order.
    pub fn rebuild_board(&self) -> Result<AlarmBoard, JournalError> {
        let mut board = AlarmBoard::new();
        self.for_each(|ev| {
            board.apply(ev);
        })?;
        Ok(board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payload_text_that_is_not_json_is_kept_verbatim() {
        assert_eq!(payload_value(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(payload_value("{oops"), Value::String("{oops".into()));
        assert_eq!(payload_value(""), Value::String(String::new()));
    }
}
