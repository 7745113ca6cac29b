//! The Chaos Toolkit journal (`journal.json`) as chaoslib 1.45.1 writes
//! it: same keys, same order, same status words, so tools that read
//! `chaos run` journals read cocpit's.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The chaoslib version whose journal this imitates.
pub const CHAOSLIB_VERSION: &str = "1.45.1";

/// How the whole run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Completed,
    Failed,
    Aborted,
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    Succeeded,
    Failed,
}

/// One activity as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRun {
    /// The activity as written in the experiment (before substitution).
    pub activity: Value,
    pub output: Value,
    pub start: String,
    pub status: ActivityStatus,
    pub end: String,
    pub duration: f64,
    /// Why it failed, as lines (chaoslib puts a traceback here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<Vec<String>>,
    /// Probes of a steady-state hypothesis only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance_met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteadyState {
    pub steady_state_met: bool,
    pub probes: Vec<ActivityRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteadyStates {
    pub before: Option<SteadyState>,
    pub after: Option<SteadyState>,
    pub during: Vec<SteadyState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    #[serde(rename = "chaoslib-version")]
    pub chaoslib_version: String,
    pub platform: String,
    pub node: String,
    /// The experiment as loaded, with chaos run's `dry: null`.
    pub experiment: Value,
    pub start: String,
    pub status: RunStatus,
    pub deviated: bool,
    pub steady_states: SteadyStates,
    pub run: Vec<ActivityRun>,
    pub rollbacks: Vec<ActivityRun>,
    pub end: String,
    pub duration: f64,
}

impl Journal {
    /// `chaos run`'s exit code: 0 only when completed and not deviated.
    pub fn exit_code(&self) -> i32 {
        if self.status == RunStatus::Completed && !self.deviated {
            0
        } else {
            1
        }
    }
}

/// A timestamp as chaoslib writes it (`isoformat()` of an aware UTC time).
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Seconds between two instants, as a float.
pub fn secs(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    (end - start)
        .num_microseconds()
        .map(|us| us as f64 / 1e6)
        .unwrap_or(0.0)
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters, even escaped.
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML of a run: one test suite, a test case per probe of each
/// hypothesis and per method and rollback activity; a missed tolerance or
/// a failed activity is a `<failure>`.
pub fn junit(j: &Journal) -> String {
    let title = j
        .experiment
        .get("title")
        .map(super::text)
        .unwrap_or_default();
    let mut cases = Vec::new();
    let mut push = |class: &str, r: &ActivityRun| {
        let name = super::name_of(&r.activity);
        let failure = if r.status == ActivityStatus::Failed {
            Some(format!(
                "activity failed: {}",
                r.exception.as_deref().unwrap_or_default().join(" ")
            ))
        } else if r.tolerance_met == Some(false) {
            Some(format!("tolerance not met; output: {}", r.output))
        } else {
            None
        };
        cases.push((class.to_string(), name, r.duration, failure));
    };
    for (class, ss) in [
        ("steady-state-before", &j.steady_states.before),
        ("steady-state-after", &j.steady_states.after),
    ] {
        if let Some(ss) = ss {
            ss.probes.iter().for_each(|r| push(class, r));
        }
    }
    j.run.iter().for_each(|r| push("method", r));
    j.rollbacks.iter().for_each(|r| push("rollbacks", r));
    let failures = cases.iter().filter(|c| c.3.is_some()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.6}\">\n",
        esc(&title),
        cases.len(),
        failures,
        j.duration
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.6}\" timestamp=\"{}\">\n",
        esc(&title),
        cases.len(),
        failures,
        j.duration,
        esc(&j.start)
    ));
    xml.push_str(&format!(
        "    <properties>\n      <property name=\"status\" value=\"{}\"/>\n      <property name=\"deviated\" value=\"{}\"/>\n    </properties>\n",
        j.status.as_str(),
        j.deviated
    ));
    for (class, name, time, failure) in &cases {
        match failure {
            None => xml.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6}\"/>\n",
                esc(class),
                esc(name),
                time
            )),
            Some(f) => xml.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6}\">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                esc(class),
                esc(name),
                time,
                esc(f)
            )),
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}
