//! The demo's alarm summaries never contradict themselves (issue 9): a
//! summary must not claim `value > threshold` for a value that is not above
//! it (an alarm keeps firing inside its hysteresis band, and a level it
//! stepped down to has another threshold), and it names the rule of the
//! alarm's own severity. Played over every scripted incident.

use chrono::{Duration, TimeZone, Utc};
use cocpit::sources::simulator::{Scenario, Simulator};

/// `2.2%`, `764 ms`, `1.5 s` as milliseconds or percent (the unit's scale).
fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = t.strip_suffix('%') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    num.trim().parse::<f64>().ok().map(|v| v * scale)
}

/// Every `A > B` a summary states, as numbers.
fn comparisons(summary: &str) -> Vec<(f64, f64, String)> {
    let re = regex::Regex::new(r"([0-9][0-9.]*\s*(?:ms|s|%)?)\s*>\s*([0-9][0-9.]*\s*(?:ms|s|%)?)")
        .unwrap();
    re.captures_iter(summary)
        .filter_map(|c| Some((number(&c[1])?, number(&c[2])?, c[0].to_string())))
        .collect()
}

#[test]
fn summaries_state_nothing_false_and_name_their_own_rule() {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut checked = 0;
    for seed in [1, 7, 42] {
        let mut sim = Simulator::new(Scenario::embedded().unwrap(), seed);
        // Every incident of the rotation plays within this (four-minute rotation).
        for _ in 0..1_000 {
            let now = t0 + Duration::seconds(sim.tick() as i64 + 1);
            let tick = sim.step(now);
            for a in &tick.firing {
                let summary = &a.annotations["summary"];
                for (value, threshold, text) in comparisons(summary) {
                    assert!(
                        value > threshold,
                        "seed {seed}: {} ({}) says {text:?}: {summary:?}",
                        a.name,
                        a.severity
                    );
                }
                if a.labels.contains_key("metric") && a.severity.as_str() != "info" {
                    assert!(
                        summary.contains(a.severity.as_str()),
                        "seed {seed}: {} at {} does not name its rule: {summary:?}",
                        a.name,
                        a.severity
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked} summaries checked");
}
