//! Reading rows back as [`Event`]s: after an id, the latest of a kind,
//! streamed over the whole journal (through [`Journal::scan`]), and the
//! alarm-board projection rebuilt from them.

use super::scan::{SELECT_COLUMNS, Scan, raw_row};
use super::{Journal, JournalError};
use crate::domain::{AlarmBoard, Event};

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
