//! Rebuilding the projection at start: from the latest checkpoint still
//! tied to this chain (or from nothing), replaying every row after it in id
//! order and checking the hash chain of those rows on the way. One pass, in
//! constant memory beyond the projection itself.

use super::chain::{GENESIS_HASH, row_hash};
use super::verify::{BreakReason, Broken};
use super::{Journal, JournalError, Scan};
use crate::domain::projection::Projection;

/// What a replay found.
#[derive(Debug)]
pub struct Replay {
    pub projection: Projection,
    /// The checkpoint it started from (`None`: the first row).
    pub from_checkpoint: Option<i64>,
    /// Rows replayed after the checkpoint.
    pub replayed: u64,
    /// The hash of the last row (the one a new checkpoint would be tied to).
    pub last_hash: String,
    /// The first row after the checkpoint whose chain does not hold.
    pub broken: Option<Broken>,
}

impl Journal {
    /// Rebuild the projection, calling `progress(rows done)` every
    /// `every` rows. A checkpoint that does not deserialize is ignored.
    pub fn replay(
        &self,
        every: u64,
        mut progress: impl FnMut(u64),
    ) -> Result<Replay, JournalError> {
        let (mut projection, from, mut prev_hash) = match self.latest_checkpoint()? {
            Some((cp, data)) => match serde_json::from_str::<Projection>(&data) {
                Ok(p) if p.last_event_id == cp.event_id => (p, Some(cp.event_id), cp.event_hash),
                Ok(_) | Err(_) => {
                    tracing::warn!(
                        path = %self.path.display(),
                        id = cp.event_id,
                        "checkpoint unreadable; replaying the whole journal"
                    );
                    (Projection::default(), None, GENESIS_HASH.to_string())
                }
            },
            None => (Projection::default(), None, GENESIS_HASH.to_string()),
        };
        let after = from.unwrap_or(0);
        let mut expected = after + 1;
        let mut broken = None;
        let mut n = 0u64;
        let path = self.path.clone();
        let scan = Scan {
            after,
            ..Scan::default()
        };
        self.scan(&scan, |row| {
            if broken.is_none() {
                let computed = row_hash(&row.prev_hash, &row.text());
                let reason = if computed != row.hash {
                    Some(BreakReason::HashMismatch {
                        stored: row.hash.to_string(),
                        computed,
                    })
                } else if row.id != expected {
                    Some(BreakReason::IdGap { expected })
                } else if row.prev_hash != prev_hash {
                    Some(BreakReason::PrevHashMismatch {
                        expected: prev_hash.clone(),
                        found: row.prev_hash.to_string(),
                    })
                } else {
                    None
                };
                broken = reason.map(|reason| Broken { id: row.id, reason });
            }
            expected = row.id.saturating_add(1);
            prev_hash.clear();
            prev_hash.push_str(&row.hash);
            projection.apply(&row.event(&path));
            n += 1;
            if every > 0 && n.is_multiple_of(every) {
                progress(n);
            }
            Ok(())
        })?;
        Ok(Replay {
            projection,
            from_checkpoint: from,
            replayed: n,
            last_hash: prev_hash,
            broken,
        })
    }
}
