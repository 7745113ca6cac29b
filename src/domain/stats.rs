//! MTTA (time to acknowledge) and MTTR (time to resolve), per alarm and
//! over a shift, computed from the board — itself a projection of the
//! journal — so every console shows the same numbers. Pure functions.

use super::alarm::Alarm;
use super::board::AlarmBoard;
use super::event::EventKind;
use chrono::{DateTime, Duration, Utc};

/// The first acknowledgement (or silence) of the current occurrence.
pub fn first_ack(a: &Alarm) -> Option<DateTime<Utc>> {
    let acked = [
        EventKind::AlarmAcked.as_str(),
        EventKind::AlarmSilenced.as_str(),
    ];
    a.timeline
        .iter()
        .filter(|e| e.ts >= a.raised_at && acked.contains(&e.kind.as_str()))
        .map(|e| e.ts)
        .min()
}

/// Time from raise to the first ack, if acked.
pub fn time_to_ack(a: &Alarm) -> Option<Duration> {
    first_ack(a).map(|t| t - a.raised_at)
}

/// Time from raise to resolve, if resolved.
pub fn time_to_resolve(a: &Alarm) -> Option<Duration> {
    a.resolved_at.map(|t| t - a.raised_at)
}

/// Means over the alarms raised in a window (a shift).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShiftStats {
    pub raised: usize,
    pub acked: usize,
    pub resolved: usize,
    pub mtta: Option<Duration>,
    pub mttr: Option<Duration>,
}

/// MTTA and MTTR over alarms raised at or after `since`.
pub fn shift_stats(board: &AlarmBoard, since: DateTime<Utc>) -> ShiftStats {
    let mut s = ShiftStats::default();
    let (mut ack_sum, mut res_sum) = (Duration::zero(), Duration::zero());
    for a in board.iter().filter(|a| a.raised_at >= since) {
        s.raised += 1;
        if let Some(d) = time_to_ack(a) {
            s.acked += 1;
            ack_sum += d;
        }
        if let Some(d) = time_to_resolve(a) {
            s.resolved += 1;
            res_sum += d;
        }
    }
    s.mtta = (s.acked > 0).then(|| ack_sum / s.acked as i32);
    s.mttr = (s.resolved > 0).then(|| res_sum / s.resolved as i32);
    s
}

/// The window the header's MTTA / MTTR cover.
pub const SHIFT: Duration = Duration::hours(8);

/// The header's shift statistics, recomputed when the board changed (at
/// most once a second: a burst of journal rows must not rescan 100k alarms
/// each time) or a minute passed (alarms leave the window).
#[derive(Debug, Clone, Default)]
pub struct ShiftCache {
    pub stats: ShiftStats,
    /// Board generation and time `stats` were computed for.
    computed_for: Option<(u64, DateTime<Utc>)>,
}

impl ShiftCache {
    pub fn refresh(&mut self, board: &AlarmBoard, now: DateTime<Utc>) {
        let due = match self.computed_for {
            None => true,
            Some((generation, at)) => {
                let age = now - at;
                (generation != board.generation && age >= Duration::seconds(1))
                    || age >= Duration::minutes(1)
            }
        };
        if due {
            self.stats = shift_stats(board, now - SHIFT);
            self.computed_for = Some((board.generation, now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{Event, payload};
    use crate::domain::{ObservedAlarm, Severity};
    use chrono::TimeZone;
    use serde_json::json;

    fn ev(id: i64, secs: i64, kind: EventKind, fp: &str) -> Event {
        let obs = ObservedAlarm {
            fingerprint: fp.into(),
            source: "am".into(),
            name: "X".into(),
            severity: Severity::Major,
            labels: Default::default(),
            annotations: Default::default(),
            starts_at: Utc.timestamp_opt(0, 0).unwrap(),
            generator_url: None,
        };
        let p = match kind {
            EventKind::AlarmRaised => payload(&obs),
            _ => json!({}),
        };
        Event {
            id,
            ts: Utc.timestamp_opt(1_000_000 + secs, 0).unwrap(),
            actor: "a".into(),
            kind: kind.as_str().into(),
            subject: fp.into(),
            payload: p,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn per_alarm_and_shift_means() {
        let mut b = AlarmBoard::new();
        b.apply(&ev(1, 0, EventKind::AlarmRaised, "a"));
        b.apply(&ev(2, 60, EventKind::AlarmAcked, "a"));
        b.apply(&ev(3, 70, EventKind::AlarmUnacked, "a"));
        b.apply(&ev(4, 80, EventKind::AlarmAcked, "a"));
        b.apply(&ev(5, 600, EventKind::AlarmResolved, "a"));
        b.apply(&ev(6, 100, EventKind::AlarmRaised, "b"));
        b.apply(&ev(7, 280, EventKind::AlarmSilenced, "b"));
        b.apply(&ev(8, 200, EventKind::AlarmRaised, "c"));
        let a = b.get("a").unwrap();
        assert_eq!(
            time_to_ack(a),
            Some(Duration::seconds(60)),
            "first ack counts"
        );
        assert_eq!(time_to_resolve(a), Some(Duration::seconds(600)));
        assert_eq!(time_to_ack(b.get("c").unwrap()), None);
        let since = Utc.timestamp_opt(1_000_000, 0).unwrap();
        let s = shift_stats(&b, since);
        assert_eq!((s.raised, s.acked, s.resolved), (3, 2, 1));
        assert_eq!(s.mtta, Some(Duration::seconds(120)));
        assert_eq!(s.mttr, Some(Duration::seconds(600)));
        // Alarms raised before the shift do not count.
        let later = shift_stats(&b, since + Duration::seconds(150));
        assert_eq!(later.raised, 1);
        assert_eq!(later.mtta, None);
    }

    #[test]
    fn a_new_occurrence_starts_the_clock_again() {
        let mut b = AlarmBoard::new();
        b.apply(&ev(1, 0, EventKind::AlarmRaised, "a"));
        b.apply(&ev(2, 10, EventKind::AlarmAcked, "a"));
        b.apply(&ev(3, 20, EventKind::AlarmResolved, "a"));
        b.apply(&ev(4, 100, EventKind::AlarmRaised, "a"));
        assert_eq!(time_to_ack(b.get("a").unwrap()), None);
        b.apply(&ev(5, 130, EventKind::AlarmAcked, "a"));
        assert_eq!(
            time_to_ack(b.get("a").unwrap()),
            Some(Duration::seconds(30))
        );
    }
}
