//! What makes a scenario file wrong beyond its shape. Each problem names
//! the words to find it by, so the loader points at `file:line:column`.

use super::scenario::{Scenario, hhmm, in_radius};
use crate::domain::filter::Filter;
use crate::domain::plan::validate::{Problem, Providers, is_shell_command, valid_id};
use crate::domain::plan::{Plan, PlanKind};
use std::collections::BTreeSet;

const GATES: &[&str] = &["inject", "respond", "recover", "steady_after", "review"];
const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Every problem in `s`; empty when it is valid.
pub fn validate(s: &Scenario, providers: Providers<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut bad = |anchors: &[&str], message: String| {
        out.push(Problem {
            anchors: anchors.iter().map(|a| a.to_string()).collect(),
            message,
        })
    };
    if s.id.is_empty() {
        bad(&[], "missing field `id`".into());
    } else if !valid_id(&s.id) {
        bad(
            &["id", &s.id],
            format!("id {:?}: use lowercase letters, digits and '-'", s.id),
        );
    }
    if s.title.trim().is_empty() {
        bad(&[], "missing field `title`".into());
    }
    if s.groups.is_empty() || s.groups.iter().all(|g| g.faults.is_empty()) {
        bad(
            &["groups"],
            "a drill needs at least one group with a fault".into(),
        );
    }
    if s.blast_radius.is_empty() && !s.groups.is_empty() {
        bad(
            &["groups"],
            "blast_radius: list the targets this drill may touch".into(),
        );
    }
    if let Some(w) = &s.window {
        for d in &w.days {
            if !DAYS.contains(&d.to_ascii_lowercase().as_str()) {
                bad(
                    &["window", d],
                    format!("window: day {d:?}: use mon, tue, wed, thu, fri, sat or sun"),
                );
            }
        }
        for t in [&w.from, &w.to].into_iter().flatten() {
            if hhmm(t).is_none() {
                bad(&["window", t], format!("window: {t:?} is not HH:MM"));
            }
        }
    }
    for g in &s.gates {
        if !GATES.contains(&g.as_str()) {
            bad(
                &["gates", g],
                format!("gates: {g:?}: use {}", GATES.join(", ")),
            );
        }
    }
    for (gi, g) in s.groups.iter().enumerate() {
        let label = if g.name.is_empty() {
            format!("group {}", gi + 1)
        } else {
            format!("group {:?}", g.name)
        };
        let mut targets = BTreeSet::new();
        for f in &g.faults {
            if !providers.contains(&f.provider.as_str()) {
                bad(
                    &["groups", &f.provider],
                    format!(
                        "{label}: unknown provider {:?} (have {})",
                        f.provider,
                        providers.join(", ")
                    ),
                );
            }
            if !targets.insert(f.target.clone()) {
                bad(
                    &["groups", &f.target],
                    format!(
                        "{label}: {:?} twice: one fault per target per group",
                        f.target
                    ),
                );
            }
            let full = if f.target.contains(':') {
                f.target.clone()
            } else {
                format!("{}:{}", f.provider, f.target)
            };
            if !s.blast_radius.is_empty() && !s.blast_radius.iter().any(|p| in_radius(p, &full)) {
                bad(
                    &["groups", &f.target],
                    format!("{label}: {:?} is outside the blast_radius", f.target),
                );
            }
        }
    }
    for (i, e) in s.expect.alarms.iter().enumerate() {
        let name = if e.name.is_empty() {
            format!("expectation {}", i + 1)
        } else {
            format!("expectation {:?}", e.name)
        };
        match Filter::parse(&e.filter) {
            Err(err) => bad(&["expect", &e.filter], format!("{name}: filter: {err}")),
            Ok(f) if f.is_empty() => bad(
                &["expect", &e.filter],
                format!("{name}: an empty filter matches every alarm"),
            ),
            Ok(_) => {}
        }
        if e.group >= s.groups.len().max(1) {
            bad(
                &["expect", &e.filter],
                format!(
                    "{name}: group {} does not exist (groups count from 0)",
                    e.group
                ),
            );
        }
    }
    let mut probe_names = BTreeSet::new();
    for p in &s.steady_state.probes {
        let kinds = p.kinds();
        if p.name.trim().is_empty() {
            bad(&["steady_state"], "a probe needs a `name`".into());
        } else if !probe_names.insert(p.name.clone()) {
            bad(
                &["steady_state", &p.name],
                format!("probe {:?}: the name is used twice", p.name),
            );
        }
        if kinds.len() != 1 {
            bad(
                &["steady_state", &p.name],
                format!(
                    "probe {:?}: needs exactly one of alarms, promql, http, run",
                    p.name
                ),
            );
        }
        if let Some(f) = &p.alarms
            && let Err(e) = Filter::parse(f)
        {
            bad(
                &["steady_state", &p.name],
                format!("probe {:?}: {e}", p.name),
            );
        }
        if let Some(re) = &p.matches {
            if p.run.is_none() && p.http.is_none() {
                bad(
                    &["steady_state", &p.name],
                    format!("probe {:?}: `matches` is for run and http probes", p.name),
                );
            } else if let Err(e) = regex::Regex::new(re) {
                bad(
                    &["steady_state", &p.name],
                    format!("probe {:?}: bad regex {re:?}: {e}", p.name),
                );
            }
        }
        if let Some(argv) = &p.run {
            if argv.is_empty() {
                bad(
                    &["steady_state", &p.name],
                    format!("probe {:?}: run needs a command", p.name),
                );
            } else if is_shell_command(argv) {
                bad(
                    &["steady_state", &p.name],
                    format!(
                        "probe {:?}: run is argv, never a shell command line",
                        p.name
                    ),
                );
            }
        }
    }
    for g in &s.guards {
        let n = usize::from(g.alarm.is_some()) + usize::from(g.probe.is_some());
        if n != 1 {
            bad(
                &["guards"],
                format!("guard {:?}: needs exactly one of alarm, probe", g.name),
            );
        }
        if let Some(f) = &g.alarm {
            match Filter::parse(f) {
                Err(e) => bad(&["guards", f], format!("guard {:?}: {e}", g.name)),
                Ok(f) if f.is_empty() => bad(
                    &["guards"],
                    format!("guard {:?}: an empty filter matches every alarm", g.name),
                ),
                Ok(_) => {}
            }
        }
        if let Some(u) = &g.probe
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            bad(
                &["guards", u],
                format!("guard {:?}: probe must be an http:// URL", g.name),
            );
        }
    }
    if let Some(p) = &s.plan
        && !valid_id(&p.id)
    {
        bad(&["plan"], format!("plan {:?}: not a plan id", p.id));
    }
    if !s.rollbacks.is_empty() {
        let plan = rollback_plan(s);
        for p in crate::domain::plan::validate::validate(&plan, providers) {
            let mut anchors = vec!["rollbacks".to_string()];
            anchors.extend(p.anchors);
            out.push(Problem {
                anchors,
                message: format!("rollbacks: {}", p.message),
            });
        }
    }
    out
}

/// The scenario's rollbacks as a plan the plans room runs.
pub fn rollback_plan(s: &Scenario) -> Plan {
    Plan {
        id: format!("{}-rollbacks", s.id),
        title: format!("{}: rollbacks", s.title),
        description: format!("The rollbacks of drill scenario {}.", s.id),
        kind: PlanKind::Runbook,
        tags: vec!["drill".into()],
        steps: s.rollbacks.clone(),
        ..Plan::default()
    }
}
