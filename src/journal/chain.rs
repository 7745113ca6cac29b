//! The hash chain: how a row's hash is computed from its stored text and the
//! previous row's hash, and the timestamp text format that goes into it.
//! Changing anything here breaks every existing journal's verification.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The stored fields that are hashed, exactly as they are (or will be) in the row.
#[derive(Debug, Clone, Copy)]
pub struct RowText<'a> {
    pub id: i64,
    pub ts: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub payload: &'a str,
}

/// `sha256_hex(prev_hash \n id \n ts \n actor \n kind \n subject \n payload)`.
pub fn row_hash(prev_hash: &str, row: &RowText<'_>) -> String {
    let mut h = Sha256::new();
    let id = row.id.to_string();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(id.as_bytes());
    h.update(b"\n");
    h.update(row.ts.as_bytes());
    h.update(b"\n");
    h.update(row.actor.as_bytes());
    h.update(b"\n");
    h.update(row.kind.as_bytes());
    h.update(b"\n");
    h.update(row.subject.as_bytes());
    h.update(b"\n");
    h.update(row.payload.as_bytes());
    to_hex(&h.finalize())
}

/// Lower-case hex, without the per-character iterator of the `hex` crate:
/// this runs once per row on the append path and in verify.
fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// RFC 3339, UTC, always nine fractional digits and `Z`, so that text order
/// is time order (the column is compared as text by SQLite and by reports).
pub fn format_ts(ts: &DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Accepts any RFC 3339 offset, not just `Z`: rows written by other tools
/// (or an older format) still read.
pub fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hash_matches_an_independent_sha256_of_the_documented_formula() {
        // Reference computed outside Rust:
        // printf '%s\n1\n2024-01-02T03:04:05.000000006Z\nalice@h\nalarm.acked\nfp1\n{"comment":"x"}' \
        //   0000…0000 | sha256sum
        let row = RowText {
            id: 1,
            ts: "2024-01-02T03:04:05.000000006Z",
            actor: "alice@h",
            kind: "alarm.acked",
            subject: "fp1",
            payload: r#"{"comment":"x"}"#,
        };
        assert_eq!(row_hash(GENESIS_HASH, &row), REFERENCE);
    }

    const REFERENCE: &str = "5ac6a037558eddf28ce379e0f8a9bb3ec480f32f41d48f6e9bdcaad0441505a3";

    #[test]
    fn hex_is_lower_case_and_matches_the_hex_crate() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(to_hex(&bytes), hex::encode(&bytes));
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let base = RowText {
            id: 7,
            ts: "t",
            actor: "a",
            kind: "k",
            subject: "s",
            payload: "{}",
        };
        let h = row_hash(GENESIS_HASH, &base);
        let variants = [
            RowText { id: 8, ..base },
            RowText { ts: "u", ..base },
            RowText { actor: "b", ..base },
            RowText { kind: "l", ..base },
            RowText {
                subject: "t",
                ..base
            },
            RowText {
                payload: "{ }",
                ..base
            },
        ];
        for v in variants {
            assert_ne!(row_hash(GENESIS_HASH, &v), h, "{v:?}");
        }
        assert_ne!(row_hash(&"1".repeat(64), &base), h);
        // A field boundary shift must change the hash too.
        let shifted = RowText {
            actor: "a\nk",
            kind: "",
            ..base
        };
        assert_ne!(row_hash(GENESIS_HASH, &shifted), h);
    }

    #[test]
    fn timestamps_have_fixed_width_so_text_order_is_time_order() {
        let a = Utc.timestamp_opt(1_700_000_000, 5).unwrap();
        let b = Utc.timestamp_opt(1_700_000_000, 40_000_000).unwrap();
        let c = Utc.timestamp_opt(1_700_000_001, 0).unwrap();
        let (fa, fb, fc) = (format_ts(&a), format_ts(&b), format_ts(&c));
        assert_eq!(fa, "2023-11-14T22:13:20.000000005Z");
        assert!(fa < fb && fb < fc);
        assert_eq!(fa.len(), fc.len());
        assert_eq!(parse_ts(&fa), Some(a));
        assert_eq!(
            parse_ts("2023-11-14T23:13:20+01:00"),
            Some(Utc.timestamp_opt(1_700_000_000, 0).unwrap())
        );
        assert_eq!(parse_ts("yesterday"), None);
    }
}
