//! `Journal::scan`: every reader that walks the table — export, verify, the
//! projections' rebuild, and next reports and the timeline — streams rows
//! through here, in id order, in constant memory, from one read snapshot (a
//! single statement), optionally narrowed to a kind prefix and an id range.
//! Rows come as stored text, so verify can rehash them exactly; `event()`
//! decodes one when a reader wants an [`Event`].

use super::chain::parse_ts;
use super::{Journal, JournalError};
use crate::domain::Event;
use chrono::{DateTime, Utc};
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

/// Which rows a scan visits.
#[derive(Debug, Clone, Default)]
pub struct Scan<'a> {
    /// Only kinds starting with this (`fault.`, `alarm.`), through the kind index.
    pub kind_prefix: Option<&'a str>,
    /// Rows with an id greater than this.
    pub after: i64,
    /// Rows with an id up to and including this; `None`: to the end.
    pub through: Option<i64>,
}

impl<'a> Scan<'a> {
    /// Every row.
    pub fn all() -> Scan<'a> {
        Scan::default()
    }

    pub fn kinds(prefix: &'a str) -> Scan<'a> {
        Scan {
            kind_prefix: Some(prefix),
            ..Scan::default()
        }
    }
}

/// One row as stored.
#[derive(Debug)]
pub struct RawRow<'r> {
    pub id: i64,
    pub ts: Cow<'r, str>,
    pub actor: Cow<'r, str>,
    pub kind: Cow<'r, str>,
    pub subject: Cow<'r, str>,
    pub payload: Cow<'r, str>,
    pub prev_hash: Cow<'r, str>,
    pub hash: Cow<'r, str>,
}

impl RawRow<'_> {
    /// The stored text the row's hash is computed over.
    pub fn text(&self) -> super::chain::RowText<'_> {
        super::chain::RowText {
            id: self.id,
            ts: &self.ts,
            actor: &self.actor,
            kind: &self.kind,
            subject: &self.subject,
            payload: &self.payload,
        }
    }

    /// The row as an event. Lenient: a damaged row still reads (verify is
    /// what flags it), with the epoch for a timestamp it cannot parse.
    pub fn event(&self, journal: &std::path::Path) -> Event {
        let ts: DateTime<Utc> = parse_ts(&self.ts).unwrap_or_else(|| {
            tracing::warn!(path = %journal.display(), id = self.id, ts = %self.ts, "journal row has an unreadable timestamp");
            DateTime::<Utc>::UNIX_EPOCH
        });
        Event {
            id: self.id,
            ts,
            actor: self.actor.clone().into_owned(),
            kind: self.kind.clone().into_owned(),
            subject: self.subject.clone().into_owned(),
            payload: payload_value(&self.payload),
            prev_hash: self.prev_hash.clone().into_owned(),
            hash: self.hash.clone().into_owned(),
        }
    }
}

impl Journal {
    /// Hand every row `scan` selects to `f`, in id order; `f` may stop the
    /// scan with an error. Returns how many rows were visited.
    pub fn scan(
        &self,
        scan: &Scan<'_>,
        mut f: impl FnMut(RawRow<'_>) -> Result<(), JournalError>,
    ) -> Result<u64, JournalError> {
        let path = &self.path;
        let op = "scan events";
        let through = scan.through.unwrap_or(i64::MAX);
        // Every kind that starts with `prefix` sorts in [prefix, prefix + U+10FFFF).
        let (sql, kinds) = match scan.kind_prefix {
            Some(prefix) => (
                format!(
                    "{SELECT_COLUMNS} WHERE id > ?1 AND id <= ?2 AND kind >= ?3 AND kind < ?4 ORDER BY id"
                ),
                Some((prefix.to_string(), format!("{prefix}\u{10ffff}"))),
            ),
            None => (
                format!("{SELECT_COLUMNS} WHERE id > ?1 AND id <= ?2 ORDER BY id"),
                None,
            ),
        };
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| JournalError::sqlite(path, op, e))?;
        let mut rows = match &kinds {
            Some((lo, hi)) => stmt.query((scan.after, through, lo.as_str(), hi.as_str())),
            None => stmt.query((scan.after, through)),
        }
        .map_err(|e| JournalError::sqlite(path, op, e))?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(|e| JournalError::sqlite(path, op, e))? {
            f(raw_row(row, path)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// [`Journal::scan`], each row decoded as an event.
    pub fn scan_events(
        &self,
        scan: &Scan<'_>,
        mut f: impl FnMut(&Event),
    ) -> Result<u64, JournalError> {
        let path = self.path.clone();
        self.scan(scan, |row| {
            f(&row.event(&path));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, NewEvent};
    use serde_json::json;

    #[test]
    fn payload_text_that_is_not_json_is_kept_verbatim() {
        assert_eq!(payload_value(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(payload_value("{oops"), Value::String("{oops".into()));
        assert_eq!(payload_value(""), Value::String(String::new()));
    }

    #[test]
    fn scans_narrow_by_kind_and_range_in_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("j.db")).unwrap();
        let now = chrono::Utc::now();
        let ev = |kind| NewEvent::new(now, "t", kind, "s", json!({}));
        j.append(&[
            ev(EventKind::AlarmRaised),
            ev(EventKind::FaultIntended),
            ev(EventKind::AlarmAcked),
            ev(EventKind::FaultActive),
        ])
        .unwrap();
        let ids = |scan: Scan| {
            let mut out = Vec::new();
            j.scan(&scan, |r| {
                out.push((r.id, r.kind.into_owned()));
                Ok(())
            })
            .unwrap();
            out
        };
        assert_eq!(ids(Scan::all()).len(), 4);
        assert_eq!(
            ids(Scan::kinds("fault.")),
            [(2, "fault.intended".into()), (4, "fault.active".into())]
        );
        let middle = Scan {
            after: 1,
            through: Some(3),
            ..Scan::default()
        };
        assert_eq!(ids(middle).iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3]);
        let stop = j.scan(&Scan::all(), |r| {
            if r.id == 2 {
                Err(JournalError::Setup {
                    path: "x".into(),
                    reason: "stop".into(),
                })
            } else {
                Ok(())
            }
        });
        assert!(stop.is_err(), "the callback stops the scan");
    }
}
