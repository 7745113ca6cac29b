//! The coverage matrix: for each failure mode, whether something detects
//! it (and whether that fired in its last drill), whether a plan answers
//! it (and whether its last run succeeded), whether and how it was drilled,
//! and its RPN with the occurrence tagged incidents raise; what is missing
//! is a gap. Rows come worst first: RPN descending, ties by id.

use super::FailureMode;
use super::tags::Tags;
use crate::domain::drill::Scenario;
use crate::domain::drill::drills::Drills;
use crate::domain::drill::payloads::{Measure, Verdict};
use crate::domain::plan::run::RunState;
use crate::domain::plan::runs::Runs;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// Whether the detection fired in the mode's last drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fired {
    InTime,
    Late,
    Missed,
}

/// How the plan's last run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanResult {
    Running,
    Succeeded,
    Failed,
}

/// The mode's latest finished drill.
#[derive(Debug, Clone, PartialEq)]
pub struct LastDrill {
    pub drill: String,
    pub scenario: String,
    pub verdict: Verdict,
    pub ended: DateTime<Utc>,
}

/// What is missing or went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// No `detect` filter.
    NoDetection,
    /// Its last drill missed (or was late for) the expected alarm.
    Undetected,
    /// No `plan`, or one that is not loaded.
    NoPlan,
    /// The plan's last run did not succeed.
    PlanFailed,
    /// No scenario exercises it.
    NoDrill,
    /// Scenarios exist but none was run to the end.
    NeverDrilled,
    /// Its last drill did not pass.
    DrillFailed,
}

impl Gap {
    pub fn as_str(self) -> &'static str {
        match self {
            Gap::NoDetection => "no detection",
            Gap::Undetected => "not detected in drill",
            Gap::NoPlan => "no plan",
            Gap::PlanFailed => "plan failed",
            Gap::NoDrill => "no drill",
            Gap::NeverDrilled => "never drilled",
            Gap::DrillFailed => "drill failed",
        }
    }
}

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// Index in the modes given.
    pub index: usize,
    pub id: String,
    pub detect: usize,
    pub fired: Option<Fired>,
    /// The plan named, and whether it is loaded.
    pub plan: Option<(String, bool)>,
    pub plan_result: Option<PlanResult>,
    /// Scenarios that exercise it: listed under `drills`, or naming it as
    /// their `failure_mode` (loaded ones only).
    pub scenarios: Vec<String>,
    pub last: Option<LastDrill>,
    pub tagged: usize,
    /// With the observed occurrence (see [`FailureMode::observed_rpn`]).
    pub rpn: u32,
    pub gaps: Vec<Gap>,
}

impl Coverage {
    pub fn has(&self, gap: Gap) -> bool {
        self.gaps.contains(&gap)
    }

    pub fn covered(&self) -> bool {
        self.gaps.is_empty()
    }

    pub fn detected(&self) -> bool {
        self.detect > 0
    }

    pub fn planned(&self) -> bool {
        self.plan.as_ref().is_some_and(|(_, loaded)| *loaded)
    }

    pub fn drilled(&self) -> bool {
        self.last.is_some()
    }
}

/// What the matrix is computed from.
pub struct Inputs<'a> {
    pub modes: &'a [FailureMode],
    pub plans: &'a BTreeSet<String>,
    pub scenarios: &'a [Scenario],
    pub drills: &'a Drills,
    pub runs: &'a Runs,
    pub tags: &'a Tags,
}

/// The matrix, worst first.
pub fn coverage(i: &Inputs<'_>) -> Vec<Coverage> {
    let mut rows: Vec<Coverage> = i
        .modes
        .iter()
        .enumerate()
        .map(|(index, m)| row(i, index, m))
        .collect();
    rows.sort_by(|a, b| b.rpn.cmp(&a.rpn).then_with(|| a.id.cmp(&b.id)));
    rows
}

fn row(i: &Inputs<'_>, index: usize, m: &FailureMode) -> Coverage {
    let mut scenarios: Vec<String> = m
        .drills
        .iter()
        .filter(|d| i.scenarios.iter().any(|s| &s.id == *d))
        .cloned()
        .collect();
    for s in i.scenarios {
        if s.failure_mode.as_deref() == Some(m.id.as_str()) && !scenarios.contains(&s.id) {
            scenarios.push(s.id.clone());
        }
    }
    let last = i
        .drills
        .drills
        .values()
        .filter(|d| scenarios.contains(&d.scenario) || m.drills.contains(&d.scenario))
        .filter_map(|d| Some((d, d.verdict?, d.ended?)))
        .max_by_key(|(d, _, ended)| (*ended, d.started))
        .map(|(d, verdict, ended)| LastDrill {
            drill: d.id.clone(),
            scenario: d.scenario.clone(),
            verdict,
            ended,
        });
    let fired = last
        .as_ref()
        .and_then(|l| i.drills.get(&l.drill))
        .and_then(|d| {
            let ms = d.measurements.iter().map(|(_, m)| m);
            let mut seen = None;
            for m in ms {
                match m.what {
                    Measure::Missed => return Some(Fired::Missed),
                    Measure::Detected if !m.ok => seen = Some(Fired::Late),
                    Measure::Detected if seen.is_none() => seen = Some(Fired::InTime),
                    _ => {}
                }
            }
            seen
        });
    let plan = m.plan.as_ref().map(|p| (p.clone(), i.plans.contains(p)));
    let plan_result = m.plan.as_ref().and_then(|p| {
        i.runs
            .runs
            .values()
            .filter(|r| &r.plan.id == p && !r.rollback_only)
            .max_by_key(|r| (r.started, r.event_id))
            .map(|r| match r.state {
                RunState::Succeeded => PlanResult::Succeeded,
                RunState::Running | RunState::Stopped | RunState::RollingBack => {
                    PlanResult::Running
                }
                _ => PlanResult::Failed,
            })
    });
    let tagged = i.tags.count(&m.id);
    let mut gaps = Vec::new();
    if m.detect.is_empty() {
        gaps.push(Gap::NoDetection);
    } else if matches!(fired, Some(Fired::Missed | Fired::Late)) {
        gaps.push(Gap::Undetected);
    }
    match (&plan, plan_result) {
        (None, _) | (Some((_, false)), _) => gaps.push(Gap::NoPlan),
        (_, Some(PlanResult::Failed)) => gaps.push(Gap::PlanFailed),
        _ => {}
    }
    match &last {
        _ if scenarios.is_empty() && last.is_none() => gaps.push(Gap::NoDrill),
        None => gaps.push(Gap::NeverDrilled),
        Some(l) if l.verdict != Verdict::Passed => gaps.push(Gap::DrillFailed),
        Some(_) => {}
    }
    Coverage {
        index,
        id: m.id.clone(),
        detect: m.detect.len(),
        fired,
        plan,
        plan_result,
        scenarios,
        last,
        tagged,
        rpn: m.observed_rpn(tagged),
        gaps,
    }
}

/// The summary line's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub modes: usize,
    /// No gap at all.
    pub covered: usize,
    /// A detect filter is written.
    pub detected: usize,
    /// A loaded plan answers it.
    pub planned: usize,
    /// A drill of it ran to the end.
    pub drilled: usize,
}

pub fn summary(rows: &[Coverage]) -> Summary {
    Summary {
        modes: rows.len(),
        covered: rows.iter().filter(|r| r.covered()).count(),
        detected: rows.iter().filter(|r| r.detected()).count(),
        planned: rows.iter().filter(|r| r.planned()).count(),
        drilled: rows.iter().filter(|r| r.drilled()).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::drill::payloads::{DrillEvent, Finished, Measured, Started};
    use crate::domain::{Event, NewEvent};

    fn mode(id: &str, s: u8, o: u8, d: u8) -> FailureMode {
        FailureMode {
            id: id.into(),
            application: "shop".into(),
            component: "c".into(),
            severity: s,
            occurrence: o,
            detection: d,
            ..Default::default()
        }
    }

    fn ev(id: i64, secs: i64, e: NewEvent) -> Event {
        Event {
            id,
            ts: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(secs),
            actor: e.actor,
            kind: e.kind,
            subject: e.subject,
            payload: e.payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn drill_rows(drills: &mut Drills, first: i64, scenario: &str, what: Measure, v: Verdict) {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        let id = format!("d{first}");
        let started: Started = serde_json::from_value(serde_json::json!({
            "drill": id, "scenario": scenario, "title": scenario, "commander": "ana",
            "application": "shop", "expect": [], "groups": 1, "headless": false
        }))
        .unwrap();
        let rows = [
            DrillEvent::Started(started),
            DrillEvent::Measured(Measured {
                drill: id.clone(),
                what,
                name: "alarm".into(),
                secs: Some(5),
                ok: what == Measure::Detected,
                detail: String::new(),
            }),
            DrillEvent::Finished(Finished {
                drill: id.clone(),
                verdict: v,
                reason: String::new(),
                mttd: None,
                mtta: None,
                mttr: None,
            }),
        ];
        for (k, r) in rows.iter().enumerate() {
            let n = first + k as i64;
            drills.apply(&ev(n, n, r.to_new_event(t, "ana")));
        }
    }

    fn scenario(id: &str, mode: Option<&str>) -> Scenario {
        Scenario {
            id: id.into(),
            failure_mode: mode.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn rows_are_sorted_by_rpn_then_id_with_gaps() {
        let mut a = mode("a-mode", 5, 5, 4); // 100
        a.detect = vec!["alertname=X".into()];
        a.plan = Some("p".into());
        a.drills = vec!["s-a".into()];
        let b = mode("b-mode", 5, 5, 4); // 100, nothing
        let c = mode("c-mode", 9, 9, 9); // 729
        let mut tagged = mode("d-mode", 2, 2, 2); // 8, raised by tags
        tagged.plan = Some("not-loaded".into());
        let modes = vec![a, b, c, tagged];
        let plans: BTreeSet<String> = ["p".to_string()].into();
        let scenarios = vec![scenario("s-a", None), scenario("s-b", Some("b-mode"))];
        let mut drills = Drills::default();
        drill_rows(&mut drills, 1, "s-a", Measure::Detected, Verdict::Passed);
        let mut tags = Tags::default();
        for (n, fp) in ["f1", "f2", "f3"].iter().enumerate() {
            let t = super::super::tags::Tagged {
                mode: "d-mode".into(),
                alarm: "A".into(),
                service: String::new(),
                by: "ana".into(),
            };
            tags.apply(&ev(
                100 + n as i64,
                0,
                t.to_new_event(DateTime::<Utc>::UNIX_EPOCH, fp),
            ));
        }
        let runs = Runs::default();
        let rows = coverage(&Inputs {
            modes: &modes,
            plans: &plans,
            scenarios: &scenarios,
            drills: &drills,
            runs: &runs,
            tags: &tags,
        });
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c-mode", "a-mode", "b-mode", "d-mode"]);
        let a = &rows[1];
        assert!(a.covered(), "{:?}", a.gaps);
        assert_eq!(a.fired, Some(Fired::InTime));
        assert_eq!(a.last.as_ref().map(|l| l.verdict), Some(Verdict::Passed));
        let b = &rows[2];
        assert_eq!(b.scenarios, ["s-b"]);
        assert_eq!(b.gaps, [Gap::NoDetection, Gap::NoPlan, Gap::NeverDrilled]);
        let d = &rows[3];
        assert_eq!((d.tagged, d.rpn), (3, 2 * 5 * 2));
        assert_eq!(d.plan, Some(("not-loaded".into(), false)));
        assert!(d.has(Gap::NoPlan) && d.has(Gap::NoDrill));
        let s = summary(&rows);
        assert_eq!(
            (s.modes, s.covered, s.detected, s.planned, s.drilled),
            (4, 1, 1, 1, 1)
        );
    }

    #[test]
    fn a_missed_alarm_in_the_last_drill_is_a_gap() {
        let mut m = mode("m", 5, 5, 5);
        m.detect = vec!["alertname=X".into()];
        m.drills = vec!["s".into()];
        let modes = vec![m];
        let scenarios = vec![scenario("s", None)];
        let mut drills = Drills::default();
        drill_rows(&mut drills, 1, "s", Measure::Detected, Verdict::Passed);
        drill_rows(&mut drills, 10, "s", Measure::Missed, Verdict::Failed);
        let (plans, runs, tags) = (BTreeSet::new(), Runs::default(), Tags::default());
        let rows = coverage(&Inputs {
            modes: &modes,
            plans: &plans,
            scenarios: &scenarios,
            drills: &drills,
            runs: &runs,
            tags: &tags,
        });
        assert_eq!(rows[0].fired, Some(Fired::Missed));
        assert_eq!(rows[0].last.as_ref().map(|l| l.drill.as_str()), Some("d10"));
        assert!(rows[0].has(Gap::Undetected) && rows[0].has(Gap::DrillFailed));
    }
}
