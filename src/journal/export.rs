//! JSON Lines export.
//! One JSON object per row, in id order, with the payload as JSON (not a
//! string) and the chain fields, for audits and for other tools.

use super::read::{SELECT_COLUMNS, id_at, payload_value, text_at};
use super::{Journal, JournalError};
use serde::Serialize;
use serde_json::Value;
use std::io::{BufWriter, Write};

/// Field order is part of the format: people read these files.
#[derive(Serialize)]
struct Line<'a> {
    id: i64,
    ts: &'a str,
    actor: &'a str,
    kind: &'a str,
    subject: &'a str,
    payload: Value,
    prev_hash: &'a str,
    hash: &'a str,
}

impl Journal {
    /// Write every row as one JSON line; returns the number of rows.
    /// `ts` is the stored text, so the hash chain can be recomputed from the
    /// export alone for rows cocpit wrote (their payload re-serialises to the
    /// exact stored text).
    pub fn export_jsonl(&self, out: &mut impl Write) -> Result<u64, JournalError> {
        let path = &self.path;
        let op = "export";
        let write_err = |e: std::io::Error| JournalError::io(path, "write export", e);
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT_COLUMNS} ORDER BY id"))
            .map_err(|e| JournalError::sqlite(path, op, e))?;
        let mut rows = stmt
            .query([])
            .map_err(|e| JournalError::sqlite(path, op, e))?;
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        let mut n = 0;
        while let Some(row) = rows.next().map_err(|e| JournalError::sqlite(path, op, e))? {
            let (ts, actor, kind) = (text_at(row, 1), text_at(row, 2), text_at(row, 3));
            let (subject, payload) = (text_at(row, 4), text_at(row, 5));
            let (prev_hash, hash) = (text_at(row, 6), text_at(row, 7));
            let line = Line {
                id: id_at(row, path)?,
                ts: &ts,
                actor: &actor,
                kind: &kind,
                subject: &subject,
                payload: payload_value(&payload),
                prev_hash: &prev_hash,
                hash: &hash,
            };
            serde_json::to_writer(&mut out, &line)
                .map_err(|e| write_err(std::io::Error::other(e)))?;
            out.write_all(b"\n").map_err(write_err)?;
            n += 1;
        }
        out.flush().map_err(write_err)?;
        Ok(n)
    }
}
