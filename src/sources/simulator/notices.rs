//! Informational alarms that do not come from a metric: a persistent one
//! (an expiring certificate) and recurring ones at seeded random intervals
//! (deployments), so the board always has some low-severity background.

use super::SOURCE_NAME;
use super::noise::{NOTICE_STREAM_BASE, between, rng};
use super::rules::render;
use super::scenario::{Notice, Scenario};
use crate::domain::alarm::Text;
use crate::domain::{ObservedAlarm, alarm::Labels, fingerprint};
use chrono::{DateTime, Utc};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
pub(crate) struct NoticeState {
    rng: ChaCha8Rng,
    /// Current or next occurrence: `[start, end)` in ticks, and its number
    /// (1-based, shown as `{n}` in templates).
    window: (u64, u64, u64),
    alarm: Option<ObservedAlarm>,
}

impl NoticeState {
    pub(crate) fn new(notice: &Notice, seed: u64, index: u64) -> NoticeState {
        let mut rng = rng(seed, NOTICE_STREAM_BASE + index);
        let end = match notice.repeat {
            Some(r) => {
                notice
                    .start_at
                    .saturating_add(between(&mut rng, r.duration_s[0], r.duration_s[1]))
            }
            None => u64::MAX,
        };
        NoticeState {
            rng,
            window: (notice.start_at, end, 1),
            alarm: None,
        }
    }

    /// The alarm if the notice is on at `tick`; `now` stamps a new occurrence.
    pub(crate) fn observe(
        &mut self,
        sc: &Scenario,
        notice: &Notice,
        tick: u64,
        now: DateTime<Utc>,
    ) -> Option<ObservedAlarm> {
        if let Some(r) = notice.repeat {
            while tick >= self.window.1 && self.window.1 < u64::MAX {
                // Saturating: huge values from a user file park the notice
                // in the far future instead of overflowing.
                let start =
                    self.window
                        .1
                        .saturating_add(between(&mut self.rng, r.gap_s[0], r.gap_s[1]));
                let end =
                    start.saturating_add(between(&mut self.rng, r.duration_s[0], r.duration_s[1]));
                self.window = (start, end, self.window.2.saturating_add(1));
                self.alarm = None;
            }
        }
        if tick < self.window.0 {
            self.alarm = None;
            return None;
        }
        if self.alarm.is_none() {
            self.alarm = Some(build(sc, notice, self.window.2, now));
        }
        self.alarm.clone()
    }
}

fn build(sc: &Scenario, notice: &Notice, n: u64, now: DateTime<Utc>) -> ObservedAlarm {
    let svc = &sc.services[notice.service];
    let n = n.to_string();
    let vars = [
        ("service", svc.name.as_str()),
        ("alertname", notice.name.as_str()),
        ("n", n.as_str()),
    ];
    let mut labels = Labels::new();
    labels.insert("alertname", notice.name.clone());
    labels.insert("service", svc.name.clone());
    labels.insert("severity", notice.severity.as_str());
    labels.insert("env", "demo");
    labels.insert("team", svc.team.clone());
    let mut annotations = Labels::new();
    annotations.insert("summary", render(&notice.summary, &vars));
    if !notice.description.is_empty() {
        annotations.insert("description", render(&notice.description, &vars));
    }
    annotations.insert("runbook_url", render(&notice.runbook_url, &vars));
    ObservedAlarm {
        fingerprint: fingerprint(&labels).into(),
        source: SOURCE_NAME.into(),
        name: Text::new(&notice.name),
        severity: notice.severity,
        labels,
        annotations,
        starts_at: now,
        generator_url: None,
    }
}
