//! A drill's review, computed from its journal rows alone: each thing the
//! scenario expected against what was observed (expected alarms fired
//! within their deadlines, the plan succeeded, recovery within its target,
//! the steady state restored), and how long each phase took. Every console
//! and every report computes the same review from the same rows.

use super::drills::DrillView;
use super::payloads::{Measure, Phase};
use chrono::{DateTime, Utc};

/// One line of the review: what was expected, what happened, and whether
/// that meets it (`None`: not measured, e.g. the drill stopped first).
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub expected: String,
    pub observed: String,
    pub ok: Option<bool>,
}

fn check(expected: String, observed: String, ok: Option<bool>) -> Check {
    Check {
        expected,
        observed,
        ok,
    }
}

fn measured(v: &DrillView, what: Measure) -> Option<&super::payloads::Measured> {
    v.measurements
        .iter()
        .map(|(_, m)| m)
        .rfind(|m| m.what == what)
}

/// Expected vs observed, in the order a reviewer reads them.
pub fn checks(v: &DrillView) -> Vec<Check> {
    let mut out = Vec::new();
    for e in &v.expect {
        let name = if e.name.is_empty() {
            &e.filter
        } else {
            &e.name
        };
        let expected = format!("alarm {name} fires within {}s", e.within);
        let c = match v.expectation(name) {
            Some(m) if m.ok => check(
                expected,
                format!("fired at +{}s", m.secs.unwrap_or(0)),
                Some(true),
            ),
            Some(m) if m.what == Measure::Missed => {
                check(expected, "never fired".into(), Some(false))
            }
            Some(m) => check(
                expected,
                format!("fired late, at +{}s", m.secs.unwrap_or(0)),
                Some(false),
            ),
            None => check(expected, "not measured".into(), None),
        };
        out.push(c);
    }
    if let Some(run) = measured(v, Measure::PlanRun) {
        let expected = format!("the contingency plan succeeds (run {})", run.name);
        let c = match measured(v, Measure::Mitigated) {
            Some(m) if m.ok => check(
                expected,
                format!("succeeded at +{}s", m.secs.or(v.mtta).unwrap_or(0)),
                Some(true),
            ),
            Some(m) => check(
                expected,
                format!("did not succeed: {}", m.detail),
                Some(false),
            ),
            None => check(expected, "not finished".into(), None),
        };
        out.push(c);
    }
    if let Some(limit) = v.ack_within {
        let expected = format!("acknowledged within {limit}s");
        out.push(
            match v.mtta.or(measured(v, Measure::Acked).and_then(|m| m.secs)) {
                Some(s) => check(expected, format!("at +{s}s"), Some(s <= limit)),
                None => check(expected, "never acknowledged".into(), Some(false)),
            },
        );
    }
    if !v.faults.is_empty() || v.recovery_within.is_some() {
        let expected = match v.recovery_within {
            Some(limit) => format!("recovered within {limit}s"),
            None => "recovered".to_string(),
        };
        out.push(match measured(v, Measure::Recovered) {
            Some(m) if m.ok => {
                let s = m.secs.or(v.mttr).unwrap_or(0);
                let within = v.recovery_within.is_none_or(|l| s <= l);
                check(expected, format!("at +{s}s"), Some(within))
            }
            Some(m) => check(
                expected,
                format!("not recovered: {}", m.detail),
                Some(false),
            ),
            None => check(expected, "not measured".into(), None),
        });
    }
    let probes = |after: bool| {
        v.measurements
            .iter()
            .enumerate()
            .filter(|(i, (_, m))| m.what == Measure::Probe && v.is_after(*i) == after)
            .map(|(_, (_, m))| m)
            .collect::<Vec<_>>()
    };
    for (after, expected) in [
        (false, "the steady state holds before"),
        (true, "the steady state is restored after"),
    ] {
        let p = probes(after);
        if p.is_empty() {
            continue;
        }
        let missed: Vec<&str> = p
            .iter()
            .filter(|m| !m.ok)
            .map(|m| m.name.as_str())
            .collect();
        out.push(if missed.is_empty() {
            check(
                expected.into(),
                format!("{} probe(s) hold", p.len()),
                Some(true),
            )
        } else {
            check(
                expected.into(),
                format!("missed: {}", missed.join(", ")),
                Some(false),
            )
        });
    }
    out
}

/// Each phase with when it began and how long it lasted (to the next
/// phase, the end, or `now` while it runs).
pub fn phase_spans(v: &DrillView, now: DateTime<Utc>) -> Vec<(Phase, DateTime<Utc>, i64)> {
    let end = v.ended.unwrap_or(now);
    v.phases
        .iter()
        .enumerate()
        .map(|(i, (p, at))| {
            let until = v.phases.get(i + 1).map_or(end, |(_, t)| *t);
            (*p, *at, (until - *at).num_seconds().max(0))
        })
        .collect()
}
