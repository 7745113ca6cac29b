//! Probe guards: while a fault with `probe = "http://…"` is active, its
//! recoverer (the owning console, or the watchdog for faults nobody else
//! watches) GETs the URL every [`INTERVAL`]; [`FAILURES`] failures in a row
//! (no answer within the timeout, or not 2xx) recover the fault at once.
//! One failure is not enough: a single slow answer must not end a drill.

use super::http::request;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub const INTERVAL: Duration = Duration::from_secs(2);
pub const TIMEOUT: Duration = Duration::from_secs(2);
pub const FAILURES: u32 = 2;

/// One GET: `Ok` on 2xx.
pub fn check(url: &str) -> Result<(), String> {
    let r = request("GET", url, &[], None, TIMEOUT)?;
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(format!("HTTP {}", r.status))
    }
}

/// Counts consecutive failures; says when the guard fires.
#[derive(Debug, Default, Clone)]
pub struct Streak {
    failures: u32,
}

impl Streak {
    /// Record one result; `Some(reason)` once the guard fires.
    pub fn record(&mut self, url: &str, result: Result<(), String>) -> Option<String> {
        match result {
            Ok(()) => {
                self.failures = 0;
                None
            }
            Err(e) => {
                self.failures += 1;
                (self.failures >= FAILURES)
                    .then(|| format!("probe {url} failed {} times in a row: {e}", self.failures))
            }
        }
    }
}

/// Watch `url` on this thread until the guard fires (`Some(reason)`), the
/// deadline passes or `stop` is set (`None`).
pub fn watch(url: &str, until: DateTime<Utc>, stop: &Arc<AtomicBool>) -> Option<String> {
    let mut streak = Streak::default();
    while Utc::now() < until && !stop.load(Ordering::Relaxed) {
        if let Some(reason) = streak.record(url, check(url)) {
            return Some(reason);
        }
        std::thread::sleep(INTERVAL);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_failures_in_a_row_fire() {
        let mut s = Streak::default();
        assert_eq!(s.record("u", Err("x".into())), None);
        assert_eq!(s.record("u", Ok(())), None);
        assert_eq!(s.record("u", Err("x".into())), None);
        let fired = s.record("u", Err("HTTP 503".into())).unwrap();
        assert!(
            fired.contains("2 times") && fired.contains("HTTP 503"),
            "{fired}"
        );
    }
}
