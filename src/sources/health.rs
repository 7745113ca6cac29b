//! Source health shared by every live source: up/down with the reason,
//! last success, latency and the age of the data, and the capped
//! exponential backoff a failing source retries with. A source reports
//! through [`HealthTracker::ok`] / [`HealthTracker::failed`], which give the
//! `SourceStatus` for the header.

use crate::app::SourceStatus;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Retry delay after failures: `base`, doubling per failure, at most `cap`.
#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            failures: 0,
        }
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Record a failure; returns how long to wait before the next try.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let factor = 1u32 << (self.failures - 1).min(16);
        self.base.saturating_mul(factor).min(self.cap)
    }
}

/// Tracks one endpoint's health and builds its `SourceStatus`.
#[derive(Debug, Clone)]
pub struct HealthTracker {
    pub name: String,
    last_ok: Option<DateTime<Utc>>,
}

impl HealthTracker {
    pub fn new(name: &str) -> HealthTracker {
        HealthTracker {
            name: name.to_string(),
            last_ok: None,
        }
    }

    pub fn last_ok(&self) -> Option<DateTime<Utc>> {
        self.last_ok
    }

    pub fn ok(&mut self, now: DateTime<Utc>, latency: Duration, detail: String) -> SourceStatus {
        self.last_ok = Some(now);
        SourceStatus {
            name: self.name.clone(),
            up: true,
            last_ok: Some(now),
            latency_ms: Some(latency.as_millis().min(u64::MAX as u128) as u64),
            detail,
        }
    }

    pub fn failed(&mut self, reason: &str) -> SourceStatus {
        SourceStatus {
            name: self.name.clone(),
            up: false,
            last_ok: self.last_ok,
            latency_ms: None,
            detail: reason.to_string(),
        }
    }
}

/// Start of the reason [`read_capped`] gives for an answer over its cap
/// (its error class is `too-large`).
pub const TOO_LARGE: &str = "answer over";

/// Read a response body, refusing it as soon as it is known to be over
/// `max` bytes (from `Content-Length`, or while streaming): a huge answer
/// is never held in memory.
pub async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let too_big = |n: String| format!("{TOO_LARGE} {} ({n} bytes; max_response_bytes)", mib(max));
    if let Some(len) = resp.content_length()
        && len > max as u64
    {
        return Err(too_big(len.to_string()));
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(max as u64) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| http_error(&e, timeout))? {
        if body.len() + chunk.len() > max {
            return Err(too_big(format!("more than {max}")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `32 MiB`, `512 KiB`, `100 bytes`.
pub fn mib(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// A reqwest error as a short reason an operator can act on (never the
/// URL's credentials: endpoints are stored without them).
pub fn http_error(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("timed out after {}s", timeout.as_secs_f32())
    } else if e.is_connect() {
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        let mut last = String::from("cannot connect");
        while let Some(s) = src {
            last = s.to_string();
            src = s.source();
        }
        format!("cannot connect: {last}")
    } else if e.is_decode() || e.is_body() {
        format!("reading the answer: {}", e.without_url_ref())
    } else {
        e.without_url_ref()
    }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut s = self.to_string();
        if let Some(url) = self.url() {
            s = s.replace(url.as_str(), "");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(8));
        let d: Vec<u128> = (0..7).map(|_| b.failed().as_millis()).collect();
        assert_eq!(d, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        b.succeeded();
        assert_eq!(b.failed(), Duration::from_millis(500));
        for _ in 0..100 {
            b.failed();
        }
        assert_eq!(b.failed(), Duration::from_secs(8));
    }

    #[test]
    fn tracker_keeps_last_success_when_down() {
        let mut h = HealthTracker::new("am");
        let t = Utc::now();
        let up = h.ok(t, Duration::from_millis(12), "ok".into());
        assert!(up.up && up.latency_ms == Some(12));
        let down = h.failed("HTTP 500");
        assert!(!down.up);
        assert_eq!(down.last_ok, Some(t));
        assert_eq!(down.detail, "HTTP 500");
    }
}
