//! What makes a failure mode wrong beyond its shape: ids, the 1–10
//! scores, detect filters that do not parse, and plan or scenario ids the
//! loaded catalogs do not know. Each problem names the words to find it by.

use super::FailureMode;
use crate::domain::filter::Filter;
use crate::domain::plan::validate::{Problem, valid_id};
use std::collections::BTreeSet;

/// The ids links are checked against; `None`: not known here (a file
/// checked alone), so not checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    pub plans: Option<&'a BTreeSet<String>>,
    pub drills: Option<&'a BTreeSet<String>>,
}

/// Every problem of `m`; empty when it is valid.
pub fn validate(m: &FailureMode, known: Known<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    let id = m.id.as_str();
    let mut bad = |anchors: &[&str], message: String| {
        out.push(Problem {
            anchors: anchors.iter().map(|a| a.to_string()).collect(),
            message,
        })
    };
    if id.is_empty() {
        bad(&[], "a failure mode needs an `id`".into());
    } else if !valid_id(id) {
        bad(
            &[id],
            format!("id {id:?}: use lowercase letters, digits and '-'"),
        );
    }
    if m.application.trim().is_empty() {
        bad(
            &[id],
            format!("failure mode {id:?}: missing field `application`"),
        );
    }
    if m.component.trim().is_empty() {
        bad(
            &[id],
            format!("failure mode {id:?}: missing field `component`"),
        );
    }
    if m.conditions.iter().all(|c| c.trim().is_empty()) {
        bad(
            &[id],
            format!("failure mode {id:?}: say under which `conditions` it happens"),
        );
    }
    if m.symptoms.iter().all(|s| s.trim().is_empty()) {
        bad(
            &[id],
            format!("failure mode {id:?}: say which `symptoms` show it"),
        );
    }
    for (field, v) in [
        ("severity", m.severity),
        ("occurrence", m.occurrence),
        ("detection", m.detection),
    ] {
        if !(1..=10).contains(&v) {
            bad(
                &[id, field],
                format!("failure mode {id:?}: {field} {v} is not between 1 and 10"),
            );
        }
    }
    for d in &m.detect {
        match Filter::parse(d) {
            Ok(f) if f.is_empty() => bad(
                &[id, "detect"],
                format!("failure mode {id:?}: an empty detect filter matches nothing"),
            ),
            Ok(_) => {}
            Err(e) => bad(
                &[id, "detect", d],
                format!("failure mode {id:?}: detect filter {d:?} {e}"),
            ),
        }
    }
    if let (Some(p), Some(plans)) = (&m.plan, known.plans)
        && !plans.contains(p)
    {
        bad(
            &[id, "plan", p],
            format!("failure mode {id:?}: no plan {p:?} is loaded"),
        );
    }
    let mut seen = BTreeSet::new();
    for d in &m.drills {
        if !seen.insert(d) {
            bad(
                &[id, "drills", d],
                format!("failure mode {id:?}: scenario {d:?} is listed twice"),
            );
        } else if known.drills.is_some_and(|k| !k.contains(d)) {
            bad(
                &[id, "drills", d],
                format!("failure mode {id:?}: no drill scenario {d:?} is loaded"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> FailureMode {
        FailureMode {
            id: "redis-oom".into(),
            application: "shop".into(),
            component: "redis".into(),
            conditions: vec!["maxmemory reached".into()],
            symptoms: vec!["evictions".into()],
            severity: 6,
            occurrence: 4,
            detection: 3,
            detect: vec!["alertname=RedisMemoryHigh".into()],
            plan: Some("drain-redis".into()),
            drills: vec!["redis-blind-spot".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_good_mode_has_no_problem() {
        let plans: BTreeSet<String> = ["drain-redis".to_string()].into();
        let drills: BTreeSet<String> = ["redis-blind-spot".to_string()].into();
        let k = Known {
            plans: Some(&plans),
            drills: Some(&drills),
        };
        assert!(validate(&good(), k).is_empty());
    }

    #[test]
    fn every_problem_is_said() {
        let m = FailureMode {
            id: "Bad Id".into(),
            severity: 0,
            occurrence: 11,
            detect: vec!["alertname=~\"(".into(), String::new()],
            plan: Some("nope".into()),
            drills: vec!["x".into(), "x".into()],
            component: String::new(),
            ..good()
        };
        let plans = BTreeSet::new();
        let drills = BTreeSet::new();
        let msgs: Vec<String> = validate(
            &m,
            Known {
                plans: Some(&plans),
                drills: Some(&drills),
            },
        )
        .into_iter()
        .map(|p| p.message)
        .collect();
        let all = msgs.join("\n");
        for want in [
            "use lowercase",
            "`component`",
            "severity 0",
            "occurrence 11",
            "detect filter",
            "empty detect filter",
            "no plan \"nope\"",
            "listed twice",
            "no drill scenario \"x\"",
        ] {
            assert!(all.contains(want), "{want} missing in\n{all}");
        }
    }

    #[test]
    fn unknown_catalogs_are_not_checked() {
        let m = FailureMode {
            plan: Some("elsewhere".into()),
            drills: vec!["elsewhere".into()],
            ..good()
        };
        assert!(validate(&m, Known::default()).is_empty());
    }
}
