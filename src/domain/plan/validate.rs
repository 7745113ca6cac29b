//! What makes a plan file wrong beyond its shape: names, step types,
//! templates that could reach a shell, parameters, kind-specific rules.
//! Each problem names the words to find it by (`anchors`), so the loader
//! can point at `file:line:column`.

use super::template::{self, Ref};
use super::{Plan, PlanKind, Step, StepType};
use crate::domain::filter::Filter;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Words leading to the place in the file, outermost first.
    pub anchors: Vec<String>,
    pub message: String,
}

/// Shells that turn an argument into a command line.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "mksh",
    "fish",
    "ash",
    "busybox",
    "csh",
    "tcsh",
    "pwsh",
    "powershell",
    "cmd",
    "cmd.exe",
];

/// Whether `argv` runs a shell on a command string (`sh -c …`).
pub fn is_shell_command(argv: &[String]) -> bool {
    let Some(first) = argv.first() else {
        return false;
    };
    let base = first.rsplit('/').next().unwrap_or(first);
    let mut args = &argv[1..];
    // `env sh -c`, `busybox sh -c`.
    if (base == "env" || base == "busybox") && !args.is_empty() {
        return is_shell_command(args);
    }
    if !SHELLS.contains(&base) {
        return false;
    }
    while let Some((a, rest)) = args.split_first() {
        if a == "-c"
            || a == "/c"
            || a == "-Command"
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
        {
            return true;
        }
        args = rest;
    }
    false
}

pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn valid_param_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Inject providers the console knows, for `inject` steps.
pub type Providers<'a> = &'a [&'a str];

/// Every problem in `plan`; empty when it is valid.
pub fn validate(plan: &Plan, providers: Providers<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut bad = |anchors: &[&str], message: String| {
        out.push(Problem {
            anchors: anchors.iter().map(|s| s.to_string()).collect(),
            message,
        })
    };
    if plan.id.is_empty() {
        bad(&[], "missing field `id`".into());
    } else if !valid_id(&plan.id) {
        bad(
            &["id", &plan.id],
            format!("id {:?}: use lowercase letters, digits and '-'", plan.id),
        );
    }
    if plan.title.trim().is_empty() {
        bad(&[], "missing field `title`".into());
    }
    if plan.steps.is_empty() {
        bad(&["steps"], "a plan needs at least one step".into());
    }
    if let Some(f) = &plan.applies_to
        && let Err(e) = Filter::parse(f)
    {
        bad(&["applies_to"], format!("applies_to: {e}"));
    }
    for f in &plan.silences {
        if let Err(e) = Filter::parse(f) {
            bad(&["silences"], format!("silences {f:?}: {e}"));
        } else if f.trim().is_empty() {
            bad(
                &["silences"],
                "silences: an empty filter would silence everything".into(),
            );
        }
    }
    match plan.kind {
        PlanKind::Change => {
            if plan.window.is_none() {
                bad(
                    &["kind"],
                    "a change needs a `window` (its longest duration)".into(),
                );
            }
        }
        PlanKind::Inspection => {
            match &plan.schedule {
                None => bad(
                    &["kind"],
                    "an inspection needs a `schedule` (`every 1h` or cron)".into(),
                ),
                Some(s) => {
                    if let Err(e) = super::schedule::Schedule::parse(s) {
                        bad(&["schedule"], format!("schedule {s:?}: {e}"));
                    }
                }
            }
            for s in plan.steps.iter().chain(&plan.rollback) {
                if s.needs_operator() {
                    bad(
                        &["steps", &s.name],
                        format!(
                            "step {:?}: inspections run unattended, so no manual, approve or confirm steps",
                            s.name
                        ),
                    );
                }
            }
        }
        PlanKind::Runbook => {}
    }
    if plan.kind != PlanKind::Change && (plan.window.is_some() || !plan.silences.is_empty()) {
        bad(
            &["window"],
            "`window` and `silences` are for `kind: change`".into(),
        );
    }
    if plan.kind != PlanKind::Inspection && plan.schedule.is_some() {
        bad(&["schedule"], "`schedule` is for `kind: inspection`".into());
    }

    let mut names = BTreeSet::new();
    for p in &plan.params {
        if !valid_param_name(&p.name) {
            bad(
                &["params", &p.name],
                format!(
                    "parameter {:?}: use lowercase letters, digits and '_'",
                    p.name
                ),
            );
        }
        if !names.insert(p.name.as_str()) {
            bad(
                &["params", &p.name],
                format!("parameter {:?} is declared twice", p.name),
            );
        }
        let re = match &p.pattern {
            Some(pat) => match regex::Regex::new(pat) {
                Ok(r) => Some(r),
                Err(e) => {
                    let first = e.to_string();
                    let line = first.lines().last().unwrap_or("").trim().to_string();
                    bad(
                        &["params", &p.name, "pattern"],
                        format!("parameter {:?}: bad pattern: {line}", p.name),
                    );
                    None
                }
            },
            None => None,
        };
        if let Some(d) = &p.default
            && let Err(e) = check_value(p, re.as_ref(), d)
        {
            bad(
                &["params", &p.name, "default"],
                format!("parameter {:?}: default {e}", p.name),
            );
        }
        if let Some(from) = &p.from {
            let ok = from
                .strip_prefix("alarm.labels.")
                .or_else(|| from.strip_prefix("alarm.annotations."))
                .is_some_and(|n| !n.is_empty());
            if !ok {
                bad(
                    &["params", &p.name, "from"],
                    format!(
                        "parameter {:?}: from {from:?}: use alarm.labels.NAME or alarm.annotations.NAME",
                        p.name
                    ),
                );
            }
        }
    }

    let mut step_names = BTreeSet::new();
    let mut injects = BTreeSet::new();
    for (section, steps) in [("steps", &plan.steps), ("rollback", &plan.rollback)] {
        for s in steps.iter() {
            check_step(
                plan,
                section,
                s,
                &mut step_names,
                &mut injects,
                providers,
                &mut bad,
            );
        }
    }
    out
}

/// Why `value` is not acceptable for `p` (allowed values, pattern).
pub fn check_value(p: &super::Param, re: Option<&regex::Regex>, value: &str) -> Result<(), String> {
    if !p.allowed.is_empty() && !p.allowed.iter().any(|a| a == value) {
        return Err(format!("{value:?} is not one of {}", p.allowed.join(", ")));
    }
    if let Some(re) = re
        && !re.is_match(value)
    {
        return Err(format!(
            "{value:?} does not match {}",
            p.pattern.as_deref().unwrap_or("")
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check_step(
    plan: &Plan,
    section: &str,
    s: &Step,
    names: &mut BTreeSet<String>,
    injects: &mut BTreeSet<String>,
    providers: Providers<'_>,
    bad: &mut impl FnMut(&[&str], String),
) {
    let at: &[&str] = &[section, &s.name];
    if s.name.trim().is_empty() {
        bad(&[section], format!("{section}: every step needs a `name`"));
    } else if !names.insert(s.name.clone()) {
        // The second occurrence of the name is the duplicate.
        bad(
            &[section, &s.name, &s.name],
            format!("step {:?}: another step has that name", s.name),
        );
    }
    let types = s.types();
    match types.len() {
        0 => bad(
            at,
            format!(
                "step {:?}: say what it does: run, http, manual, approve, wait, wait_for, inject, recover, silence or notify",
                s.name
            ),
        ),
        1 => {}
        _ => bad(
            at,
            format!(
                "step {:?}: one step does one thing, not {}",
                s.name,
                types
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ),
    }
    let ty = s.step_type();
    if ty != StepType::Run && (!s.env.is_empty() || s.cwd.is_some() || s.expect_exit.is_some()) {
        bad(
            at,
            format!(
                "step {:?}: env, cwd and expect_exit are for `run` steps",
                s.name
            ),
        );
    }
    if let Some(r) = &s.retry
        && r.count > 100
    {
        bad(
            at,
            format!(
                "step {:?}: retry count {} is more than 100",
                s.name, r.count
            ),
        );
    }
    let mut texts: Vec<&str> = Vec::new();
    if let Some(argv) = &s.run {
        if argv.is_empty() || argv[0].trim().is_empty() {
            bad(
                at,
                format!("step {:?}: run needs a program: [program, arg, …]", s.name),
            );
        }
        if is_shell_command(argv) && argv.iter().any(|a| template::has_template(a)) {
            bad(
                &[section, &s.name, "run"],
                format!(
                    "step {:?}: a template inside a shell command line (`{} -c`) would let alarm text run as commands; call the program with its arguments instead",
                    s.name, argv[0]
                ),
            );
        }
        texts.extend(argv.iter().map(String::as_str));
        texts.extend(s.env.values().map(String::as_str));
        texts.extend(s.cwd.as_deref());
    }
    if let Some(h) = &s.http {
        let m = h.method.to_ascii_uppercase();
        if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(&m.as_str()) {
            bad(
                at,
                format!("step {:?}: unknown HTTP method {:?}", s.name, h.method),
            );
        }
        if !h.url.starts_with("http://")
            && !h.url.starts_with("https://")
            && !h.url.starts_with("{{")
        {
            bad(
                &[section, &s.name, "url"],
                format!("step {:?}: url must start with http:// or https://", s.name),
            );
        }
        texts.push(&h.url);
        texts.extend(h.headers.values().map(String::as_str));
        texts.extend(h.body.as_deref());
    }
    if let Some(w) = &s.wait_for {
        let n = [
            w.promql.is_some(),
            w.http.is_some(),
            w.alarm_resolved.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if n != 1 {
            bad(
                at,
                format!(
                    "step {:?}: wait_for needs exactly one of promql, http, alarm_resolved",
                    s.name
                ),
            );
        }
        if let Some(f) = &w.alarm_resolved
            && let Err(e) = Filter::parse(f)
        {
            bad(at, format!("step {:?}: alarm_resolved: {e}", s.name));
        }
        texts.extend(w.promql.as_deref());
        texts.extend(w.http.as_deref());
    }
    if let Some(i) = &s.inject {
        if !providers.is_empty() && !providers.contains(&i.provider.as_str()) {
            bad(
                &[section, &s.name, "provider"],
                format!(
                    "step {:?}: unknown provider {:?} ({})",
                    s.name,
                    i.provider,
                    providers.join(", ")
                ),
            );
        }
        injects.insert(s.name.clone());
        texts.push(&i.target);
        texts.extend(i.params.values().map(String::as_str));
    }
    if let Some(r) = &s.recover
        && !injects.contains(r)
    {
        bad(
            &[section, &s.name, "recover"],
            format!(
                "step {:?}: recover {r:?}: no inject step of that name comes before it",
                s.name
            ),
        );
    }
    if let Some(si) = &s.silence {
        match Filter::parse(&si.matchers) {
            Err(e) => bad(at, format!("step {:?}: silence matchers: {e}", s.name)),
            Ok(f) if f.matchers.is_empty() => bad(
                at,
                format!(
                    "step {:?}: silence needs label matchers (name=value), or it would silence everything",
                    s.name
                ),
            ),
            Ok(_) => {}
        }
        texts.push(&si.comment);
    }
    if let Some(n) = &s.notify {
        texts.push(&n.url);
        texts.push(&n.message);
    }
    texts.extend(s.manual.as_deref());
    texts.extend(s.approve.as_deref());
    for t in texts {
        match template::refs(t) {
            Err(e) => bad(at, format!("step {:?}: {e}", s.name)),
            Ok(refs) => {
                for r in refs {
                    if let Ref::Param(p) = r
                        && plan.param(&p).is_none()
                    {
                        bad(
                            at,
                            format!("step {:?}: {{{{params.{p}}}}} names no parameter", s.name),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn shells_with_a_command_string_are_recognised() {
        assert!(is_shell_command(&argv(&["sh", "-c", "x"])));
        assert!(is_shell_command(&argv(&["/bin/bash", "-ec", "x"])));
        assert!(is_shell_command(&argv(&["env", "zsh", "-c", "x"])));
        assert!(!is_shell_command(&argv(&["kubectl", "-c", "x"])));
        assert!(!is_shell_command(&argv(&["bash", "script.sh"])));
    }

    #[test]
    fn ids_and_names() {
        assert!(valid_id("restart-payments"));
        assert!(!valid_id("Restart"));
        assert!(!valid_id("-x"));
        assert!(valid_param_name("instance_1"));
        assert!(!valid_param_name("1x"));
    }
}
