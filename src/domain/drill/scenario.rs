//! A drill scenario as written (`docs/DRILLS.md`): what is injected, in
//! which groups, what must be observed by when, which contingency plan
//! answers it, what stops it, and what must hold before and after.

use crate::domain::fault::FaultSpec;
use crate::domain::plan::{Codes, HttpStep, Secs, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scenario file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub objective: String,
    #[serde(default)]
    pub application: String,
    /// A failure mode of the risk library this drill exercises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_mode: Option<String>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// When the drill may run; absent: any time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Targets this drill may touch (`provider:target` patterns, `*` at
    /// the end matches a prefix); checked against `[faults]` too.
    #[serde(default)]
    pub blast_radius: Vec<String>,
    #[serde(default)]
    pub steady_state: SteadyState,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub expect: Expect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanRef>,
    #[serde(default)]
    pub guards: Vec<Guard>,
    /// `manual`: the commander holds the drill before the first injection
    /// and before recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateKind>,
    /// Phases before which the commander holds the drill (`inject`,
    /// `respond`, `recover`, `steady_after`, `review`).
    #[serde(default)]
    pub gates: Vec<String>,
    /// Steps run after the faults are recovered (and on abort), in the
    /// plan step format.
    #[serde(default)]
    pub rollbacks: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    Manual,
}

/// Days and hours (UTC) a drill may start in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// `mon` … `sun`; empty: every day.
    #[serde(default)]
    pub days: Vec<String>,
    /// `HH:MM`, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SteadyState {
    /// How long the probes may take to hold (re-checked every 2 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle: Option<Secs>,
    #[serde(default)]
    pub probes: Vec<Probe>,
}

/// A steady-state probe: exactly one of `alarms`, `promql`, `http`, `run`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    #[serde(default)]
    pub name: String,
    /// No alarm matching this filter is firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<String>,
    /// A PromQL condition: holds while the query returns a sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promql: Option<String>,
    /// An HTTP check: status (default any 2xx) and a JSONPath value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpStep>,
    /// A command (argv, no shell) and the exit codes that mean "holds".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_exit: Option<Codes>,
    /// A regex the output must match: a `run` probe's stdout and stderr,
    /// an `http` probe's body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Secs>,
}

impl Probe {
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        if self.alarms.is_some() {
            k.push("alarms");
        }
        if self.promql.is_some() {
            k.push("promql");
        }
        if self.http.is_some() {
            k.push("http");
        }
        if self.run.is_some() {
            k.push("run");
        }
        k
    }

    /// Whether the console checks it itself (against the board).
    pub fn in_core(&self) -> bool {
        self.alarms.is_some()
    }
}

/// Faults injected together; groups run one after another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(default)]
    pub name: String,
    /// `manual`: hold before this group is injected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateKind>,
    #[serde(default)]
    pub faults: Vec<DrillFault>,
}

impl Group {
    /// How long the group is in force: its longest fault.
    pub fn hold(&self) -> u64 {
        self.faults.iter().map(|f| f.duration.0).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillFault {
    pub provider: String,
    pub target: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    pub duration: Secs,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub alarms: Vec<ExpectAlarm>,
    /// The first expected alarm acknowledged within this of the first
    /// injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_within: Option<Secs>,
    /// The plan run finished within this of the first injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigate_within: Option<Secs>,
    /// Every fault recovered and every expected alarm resolved within this
    /// of the first injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_within: Option<Secs>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectAlarm {
    #[serde(default)]
    pub name: String,
    /// An alarm filter (the `/` syntax).
    pub filter: String,
    /// Detection deadline, from the injection of `group` (default: the
    /// first group).
    pub within: Secs,
    #[serde(default)]
    pub group: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRef {
    pub id: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Start the plan when the first expected alarm fires (default); with
    /// `false` the drill waits for an operator to run it.
    #[serde(default = "yes")]
    pub auto: bool,
}

fn yes() -> bool {
    true
}

/// A stop condition: an alarm filter (any match firing aborts the drill)
/// or an HTTP URL that must keep answering (watched on every fault).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guard {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

impl Scenario {
    /// Every fault as a spec, by index over all groups in file order
    /// (a probe guard is watched on each).
    pub fn fault_specs(&self) -> Vec<(usize, FaultSpec)> {
        let guard = self.guards.iter().find_map(|g| g.probe.clone());
        self.groups
            .iter()
            .flat_map(|g| &g.faults)
            .enumerate()
            .map(|(i, f)| {
                (
                    i,
                    FaultSpec {
                        provider: f.provider.clone(),
                        target: f.target.clone(),
                        action: f.action.clone(),
                        params: f.params.clone(),
                        duration_secs: f.duration.0,
                        guard: None,
                        probe: guard.clone(),
                    },
                )
            })
            .collect()
    }

    /// Seconds from the first injection until every group is over.
    pub fn faults_span(&self) -> u64 {
        self.groups.iter().map(Group::hold).sum()
    }

    /// Whether the commander holds the drill before `phase`.
    pub fn gated(&self, phase: super::payloads::Phase) -> bool {
        use super::payloads::Phase;
        let name = match phase {
            Phase::Inject => "inject",
            Phase::Respond => "respond",
            Phase::Recover => "recover",
            Phase::SteadyAfter => "steady_after",
            Phase::Review => "review",
            _ => return false,
        };
        self.gates.iter().any(|g| g == name)
            || (self.gate == Some(GateKind::Manual)
                && matches!(phase, Phase::Inject | Phase::Recover))
    }

    /// Text searched by the Drills view's filter.
    pub fn haystack(&self) -> String {
        let mut s = format!(
            "{} {} {} {} {}",
            self.id, self.title, self.application, self.owner, self.objective
        );
        if let Some(f) = &self.failure_mode {
            s.push(' ');
            s.push_str(f);
        }
        for t in &self.tags {
            s.push(' ');
            s.push_str(t);
        }
        s
    }
}

/// Whether `target` (`provider:target`) is inside `pattern`.
pub fn in_radius(pattern: &str, target: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => target.starts_with(prefix),
        None => pattern == target,
    }
}

impl Window {
    /// Whether a drill may start at `now`.
    pub fn allows(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use chrono::{Datelike, Timelike};
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let today = DAYS[now.weekday().num_days_from_monday() as usize];
        if !self.days.is_empty() && !self.days.iter().any(|d| d.eq_ignore_ascii_case(today)) {
            return false;
        }
        let minute = now.hour() * 60 + now.minute();
        let from = self.from.as_deref().and_then(hhmm).unwrap_or(0);
        let to = self.to.as_deref().and_then(hhmm).unwrap_or(24 * 60);
        if from <= to {
            (from..to).contains(&minute)
        } else {
            minute >= from || minute < to
        }
    }
}

/// `HH:MM` as minutes of the day.
pub fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}
