//! Short human formats for the screen: ages (`42s`, `5m`), clock times and
//! metric values with units, plus the threshold level a value is at.

use crate::domain::SeriesMeta;
use chrono::{DateTime, Utc};

/// Age from `since` to `now` in the largest whole unit: `42s`, `5m`, `3h`, `2d`.
/// A `since` in the future (another host's clock) counts as `0s`.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - since).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// `HH:MM:SS` in UTC: operators on different sites compare times in UTC.
pub fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

/// `YYYY-MM-DD HH:MM:SS UTC`, for the detail pane.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A metric value with its unit: `412 ms`, `0.42%`, `63%`, `1.5k req/s`.
pub fn value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    let num = if a >= 10_000.0 {
        format!("{:.1}k", v / 1_000.0)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    match unit {
        "" => num,
        "%" => format!("{num}%"),
        u => format!("{num} {u}"),
    }
}

/// Where a value sits against its series' thresholds (higher is worse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Crit,
}

impl Level {
    pub fn of(meta: &SeriesMeta, v: f64) -> Level {
        if meta.crit.is_some_and(|c| v >= c) {
            Level::Crit
        } else if meta.warn.is_some_and(|w| v >= w) {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// A text marker, so the level never depends on colour alone.
    pub fn marker(self) -> &'static str {
        match self {
            Level::Ok => "●",
            Level::Warn => "▲",
            Level::Crit => "✖",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let ago = |s: i64| age(now - chrono::Duration::seconds(s), now);
        assert_eq!(ago(42), "42s");
        assert_eq!(ago(59), "59s");
        assert_eq!(ago(300), "5m");
        assert_eq!(ago(3 * 3600 + 5), "3h");
        assert_eq!(ago(2 * 86_400 + 1), "2d");
        assert_eq!(ago(-30), "0s");
    }

    #[test]
    fn values() {
        assert_eq!(value(412.4, "ms"), "412 ms");
        assert_eq!(value(0.421, "%"), "0.42%");
        assert_eq!(value(63.0, "%"), "63.0%");
        assert_eq!(value(15_300.0, "req/s"), "15.3k req/s");
        assert_eq!(value(f64::NAN, "ms"), "n/a");
    }
}
