//! When an inspection is due: `every 1h` (from its last run) or a
//! five-field cron expression (UTC), parsed by `croner`.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone)]
pub enum Schedule {
    Every(Duration),
    Cron(Box<croner::Cron>),
}

impl Schedule {
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("every ") {
            let secs = crate::domain::fault::parse_duration(rest)?;
            if secs < 60 {
                return Err("inspections run at most once a minute".into());
            }
            return Ok(Schedule::Every(Duration::seconds(secs as i64)));
        }
        if s.split_whitespace().count() != 5 {
            return Err("use `every DURATION` or a cron expression of five fields (minute hour day month weekday)".into());
        }
        croner::parser::CronParser::new()
            .parse(s)
            .map(|c| Schedule::Cron(Box::new(c)))
            .map_err(|e| e.to_string())
    }

    /// When the next run is due, given the last one (`None`: never ran,
    /// due now).
    pub fn next_due(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
        let Some(last) = last else {
            return now;
        };
        match self {
            Schedule::Every(d) => last + *d,
            Schedule::Cron(c) => c
                .find_next_occurrence(&last, false)
                .unwrap_or(now + Duration::days(365)),
        }
    }

    pub fn is_due(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        self.next_due(last, now) <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    #[test]
    fn every_counts_from_the_last_run() {
        let s = Schedule::parse("every 1h").unwrap();
        assert!(s.is_due(None, t(10, 0)));
        assert!(!s.is_due(Some(t(10, 0)), t(10, 59)));
        assert!(s.is_due(Some(t(10, 0)), t(11, 0)));
    }

    #[test]
    fn cron_in_utc() {
        let s = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(s.next_due(Some(t(10, 1)), t(10, 2)), t(10, 15));
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("every 10s").is_err());
        assert!(Schedule::parse("daily").is_err());
    }
}
