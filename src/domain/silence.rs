//! Alertmanager silences as plain data: what cocpit asks for (`SilenceSpec`)
//! and what an Alertmanager reports (`Silence`). An ack in cocpit *is* a
//! silence on the Alertmanager, so other consoles, `amtool` users and other
//! peers of the cluster all see the same acks; these types carry them
//! between the pure core and the HTTP tasks.

use super::alarm::Labels;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Prefix of the comment on silences cocpit creates for an ack
/// (`cocpit-ack <event-id>: <note>`). Only these are extended while the
/// alarm fires and expired when it resolves; silences made with `s` or
/// elsewhere keep the end their author chose.
pub const ACK_PREFIX: &str = "cocpit-ack";
/// Prefix of silences made with `s` (`cocpit-silence <event-id>: <comment>`).
pub const SILENCE_PREFIX: &str = "cocpit-silence";

/// A silence to create (or, with `id`, to update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilenceSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Exact `name=value` matchers: the alarm's full label set, so the
    /// silence covers this alarm and nothing else.
    pub matchers: Labels,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

/// A silence as an Alertmanager reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub state: SilenceState,
    pub created_by: String,
    pub comment: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Its exact (`=`) matchers; regex and negative ones are left out.
    #[serde(default)]
    pub matchers: Labels,
}

impl Silence {
    pub fn is_active(&self) -> bool {
        self.state == SilenceState::Active
    }

    /// Made by cocpit's `a` (and so extended / expired by cocpit).
    pub fn is_cocpit_ack(&self) -> bool {
        is_cocpit_ack(&self.comment)
    }
}

pub fn is_cocpit_ack(comment: &str) -> bool {
    comment.starts_with(ACK_PREFIX)
}

/// `cocpit-ack 42: looking at it` (the note may be empty).
pub fn ack_comment(intent_id: i64, note: &str) -> String {
    let note = note.trim();
    if note.is_empty() {
        format!("{ACK_PREFIX} {intent_id}")
    } else {
        format!("{ACK_PREFIX} {intent_id}: {note}")
    }
}

pub fn silence_comment(intent_id: i64, comment: &str) -> String {
    format!("{SILENCE_PREFIX} {intent_id}: {}", comment.trim())
}

/// The journal event id in a cocpit comment, if it is one.
pub fn comment_event_id(comment: &str) -> Option<i64> {
    let rest = comment
        .strip_prefix(ACK_PREFIX)
        .or_else(|| comment.strip_prefix(SILENCE_PREFIX))?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// What a person wrote in a silence comment: the note after
/// `cocpit-ack N: ` (empty for a bare `cocpit-ack N`), else all of it.
pub fn note_of(comment: &str) -> &str {
    if comment_event_id(comment).is_none() {
        return comment;
    }
    comment.split_once(": ").map(|(_, n)| n).unwrap_or("")
}

/// Parse `30s`, `15m`, `2h`, `1d`, `1h30m` (what `s` asks for). Plain
/// digits are minutes, the unit an operator means when silencing.
pub fn parse_duration(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(m) = s.parse::<i64>() {
        return (m > 0).then(|| chrono::Duration::minutes(m));
    }
    let mut total = chrono::Duration::zero();
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let part = match c {
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                chrono::Duration::milliseconds(n)
            }
            's' => chrono::Duration::seconds(n),
            'm' => chrono::Duration::minutes(n),
            'h' => chrono::Duration::hours(n),
            'd' => chrono::Duration::days(n),
            'w' => chrono::Duration::weeks(n),
            _ => return None,
        };
        total = total.checked_add(&part)?;
    }
    if !num.is_empty() {
        return None;
    }
    (total > chrono::Duration::zero()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_round_trip_the_event_id() {
        assert_eq!(ack_comment(42, ""), "cocpit-ack 42");
        assert_eq!(ack_comment(42, " on it "), "cocpit-ack 42: on it");
        assert_eq!(comment_event_id("cocpit-ack 42: on it"), Some(42));
        assert_eq!(comment_event_id(&silence_comment(7, "maint")), Some(7));
        assert_eq!(comment_event_id("ACK! karma"), None);
        assert!(is_cocpit_ack("cocpit-ack 1"));
        assert!(!is_cocpit_ack("cocpit-silence 1: x"));
        assert_eq!(note_of("cocpit-ack 42: on it"), "on it");
        assert_eq!(note_of("cocpit-ack 42"), "");
        assert_eq!(note_of("cocpit-silence 7: db: maint"), "db: maint");
        assert_eq!(note_of("ACK! karma: x"), "ACK! karma: x");
    }

    #[test]
    fn durations() {
        use chrono::Duration as D;
        assert_eq!(parse_duration("30"), Some(D::minutes(30)));
        assert_eq!(parse_duration("2h"), Some(D::hours(2)));
        assert_eq!(parse_duration("1h30m"), Some(D::minutes(90)));
        assert_eq!(parse_duration("500ms"), Some(D::milliseconds(500)));
        assert_eq!(parse_duration("1d"), Some(D::days(1)));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("2x"), None);
        assert_eq!(parse_duration("2h5"), None);
        assert_eq!(parse_duration(""), None);
    }
}
