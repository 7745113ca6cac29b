//! JSON Lines export.
//! One JSON object per row, in id order, with the payload as JSON (not a
//! string) and the chain fields, for audits and for other tools.

use super::scan::payload_value;
use super::{Journal, JournalError, Scan};
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
        let write_err = |e: std::io::Error| JournalError::io(path, "write export", e);
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        let n = self.scan(&Scan::all(), |row| {
            let line = Line {
                id: row.id,
                ts: &row.ts,
                actor: &row.actor,
                kind: &row.kind,
                subject: &row.subject,
                payload: payload_value(&row.payload),
                prev_hash: &row.prev_hash,
                hash: &row.hash,
            };
            serde_json::to_writer(&mut out, &line)
                .map_err(|e| write_err(std::io::Error::other(e)))?;
            out.write_all(b"\n").map_err(write_err)
        })?;
        out.flush().map_err(write_err)?;
        Ok(n)
    }
}
