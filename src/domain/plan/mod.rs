//! Contingency plans, pure: what a plan file says ([`Plan`]: runbooks,
//! routine changes, inspections), how it is checked ([`validate`]), how its
//! templates are filled without ever building a shell string
//! ([`template`]), when an inspection is due ([`schedule`]), and the run
//! itself as a state machine driven by messages ([`run`]), the same for the
//! console and the headless runner. The file format is `docs/PLANS.md`.

pub mod payloads;
pub mod run;
pub mod runs;
pub mod schedule;
pub mod template;
pub mod validate;

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

pub use run::{PlanRun, RunState, StepState};

/// A duration as written in a plan (`30s`, `5m`, `1h30m`), in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Secs(pub u64);

impl<'de> Deserialize<'de> for Secs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(0) => Err(serde::de::Error::custom("duration must be more than 0")),
            Raw::N(n) => Ok(Secs(n)),
            Raw::S(s) => super::fault::parse_duration(&s)
                .map(Secs)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl std::fmt::Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        if s >= 3600 && s.is_multiple_of(60) {
            let (h, m) = (s / 3600, s % 3600 / 60);
            if m == 0 {
                write!(f, "{h}h")
            } else {
                write!(f, "{h}h{m}m")
            }
        } else if s >= 60 && s.is_multiple_of(60) {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// A contingency plan an operator runs against an alarm.
    #[default]
    Runbook,
    /// A routine change: a window with its alarms silenced.
    Change,
    /// A scheduled, unattended check.
    Inspection,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Runbook => "runbook",
            PlanKind::Change => "change",
            PlanKind::Inspection => "inspection",
        }
    }
}

/// A plan file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: PlanKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_recovery: Option<Secs>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// An alarm filter (the `/` syntax): the plans suggested for an alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<String>,
    /// Changes: the longest the change may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Secs>,
    /// Changes: alarm filters silenced for the window.
    #[serde(default)]
    pub silences: Vec<String>,
    /// Inspections: `every 1h` or a five-field cron expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub rollback: Vec<Step>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub allowed: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Never journaled, masked in previews.
    #[serde(default)]
    pub secret: bool,
    /// `alarm.labels.X` or `alarm.annotations.X`: prefilled from the alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// Exit codes a `run` step accepts: one or several.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Codes {
    One(i32),
    Many(Vec<i32>),
}

impl Codes {
    pub fn accepts(&self, code: i32) -> bool {
        match self {
            Codes::One(c) => *c == code,
            Codes::Many(cs) => cs.contains(&code),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Stop the run, then run the rollback.
    #[default]
    Abort,
    /// Note the failure and go on with the next step.
    Continue,
    /// Same as abort: stop and run the rollback (said explicitly).
    Rollback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    pub count: u32,
    #[serde(default = "one_sec")]
    pub delay: Secs,
}

fn one_sec() -> Secs {
    Secs(1)
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JsonCheck {
    /// A JSONPath (`$.status`, `$.items[0].ready`).
    pub path: String,
    /// The value the path must have (as text); absent: it must exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    #[serde(default = "get")]
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Absent: any 2xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_status: Option<Codes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonCheck>,
}

fn get() -> String {
    "GET".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WaitFor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promql: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_resolved: Option<String>,
    #[serde(default = "two_secs")]
    pub interval: Secs,
}

fn two_secs() -> Secs {
    Secs(2)
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InjectStep {
    pub provider: String,
    pub target: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    pub duration: Secs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceStep {
    pub matchers: String,
    pub duration: Secs,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyStep {
    pub url: String,
    pub message: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// One step as written: a name, exactly one of the step types, and the
/// common controls.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_exit: Option<Codes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<Secs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for: Option<WaitFor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inject: Option<InjectStep>,
    /// The name of an `inject` step of this plan whose fault is recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recover: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence: Option<SilenceStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<NotifyStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Secs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default)]
    pub on_failure: OnFailure,
    #[serde(default)]
    pub confirm: bool,
}

/// What kind of step it is (the one type field that is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepType {
    Run,
    Http,
    Manual,
    Approve,
    Wait,
    WaitFor,
    Inject,
    Recover,
    Silence,
    Notify,
}

impl StepType {
    pub fn as_str(self) -> &'static str {
        match self {
            StepType::Run => "run",
            StepType::Http => "http",
            StepType::Manual => "manual",
            StepType::Approve => "approve",
            StepType::Wait => "wait",
            StepType::WaitFor => "wait_for",
            StepType::Inject => "inject",
            StepType::Recover => "recover",
            StepType::Silence => "silence",
            StepType::Notify => "notify",
        }
    }
}

/// Default bound on a step with no `timeout`.
pub const DEFAULT_TIMEOUT: Secs = Secs(300);

impl Step {
    /// Every type field that is set (a valid step has exactly one).
    pub fn types(&self) -> Vec<StepType> {
        let mut t = Vec::new();
        let mut add = |set: bool, ty| {
            if set {
                t.push(ty)
            }
        };
        add(self.run.is_some(), StepType::Run);
        add(self.http.is_some(), StepType::Http);
        add(self.manual.is_some(), StepType::Manual);
        add(self.approve.is_some(), StepType::Approve);
        add(self.wait.is_some(), StepType::Wait);
        add(self.wait_for.is_some(), StepType::WaitFor);
        add(self.inject.is_some(), StepType::Inject);
        add(self.recover.is_some(), StepType::Recover);
        add(self.silence.is_some(), StepType::Silence);
        add(self.notify.is_some(), StepType::Notify);
        t
    }

    /// The step's type; `Manual` for an invalid step (validation refuses it).
    pub fn step_type(&self) -> StepType {
        self.types().first().copied().unwrap_or(StepType::Manual)
    }

    pub fn timeout(&self) -> Secs {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Steps an operator has to be there for.
    pub fn needs_operator(&self) -> bool {
        self.confirm || matches!(self.step_type(), StepType::Manual | StepType::Approve)
    }
}

impl Plan {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether this plan is suggested for an alarm.
    pub fn applies_to(&self, alarm: &crate::domain::Alarm) -> bool {
        self.applies_to
            .as_deref()
            .and_then(|f| crate::domain::filter::Filter::parse(f).ok())
            .is_some_and(|f| !f.is_empty() && f.matches(alarm))
    }

    /// Whether any step waits for an operator (confirmations, manual
    /// checks, approvals).
    pub fn needs_operator(&self) -> bool {
        self.steps
            .iter()
            .chain(&self.rollback)
            .any(Step::needs_operator)
    }

    /// Text searched by the Plans view's filter.
    pub fn haystack(&self) -> String {
        let mut s = format!(
            "{} {} {} {}",
            self.id,
            self.title,
            self.kind.as_str(),
            self.description
        );
        for part in [
            &self.service,
            &self.application,
            &self.owner,
            &self.applies_to,
        ]
        .into_iter()
        .flatten()
        {
            s.push(' ');
            s.push_str(part);
        }
        for t in &self.tags {
            s.push(' ');
            s.push_str(t);
        }
        s
    }
}
