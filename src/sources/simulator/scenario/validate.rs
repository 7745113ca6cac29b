//! Semantic checks and name resolution: unknown services, metrics and
//! dependencies, threshold ordering, duplicates, cycles, ranges. The first
//! problem is reported with its file and best-effort line:column.

use super::super::SimFaultKind;
use super::files::*;
use super::{
    Dynamics, EMBEDDED, Effect, INCIDENTS, Incident, Level, MAX_LATENCY_MS, Metric, NOTICES,
    Notice, Pulse, RULES, Rotation, Rule, SERVICES, Scenario, ScenarioError, Service, Wave,
};
use crate::domain::Severity;
use crate::spec::{Doc, SourceFile};

pub(super) fn load(files: &[SourceFile]) -> Result<Scenario, ScenarioError> {
    let doc = |name: &str| {
        files
            .iter()
            .zip(EMBEDDED)
            .find(|(_, (n, _))| *n == name)
            .map(|(f, _)| Doc {
                file: &f.display,
                text: f.text.as_deref().unwrap_or(""),
            })
    };
    let (Some(sdoc), Some(rdoc), Some(ndoc), Some(idoc)) =
        (doc(SERVICES), doc(RULES), doc(NOTICES), doc(INCIDENTS))
    else {
        // Only reachable if EMBEDDED and the callers disagree.
        return Err(ScenarioError::Invalid {
            file: "fixtures/demo".into(),
            line: 0,
            column: 0,
            message: "scenario file list is incomplete".into(),
        });
    };

    let services_file: ServicesFile = sdoc.parse()?;
    let rules_file: RulesFile = rdoc.parse()?;
    let notices_file: NoticesFile = ndoc.parse()?;
    let incidents_file: IncidentsFile = idoc.parse()?;

    let (dynamics, services, topo) = resolve_services(&sdoc, services_file)?;
    let index = |name: &str| services.iter().position(|s| s.name == name);
    let rules = resolve_rules(&rdoc, rules_file, &services, &index)?;
    let notices = resolve_notices(&ndoc, notices_file, &index)?;
    let mut alarm_names: Vec<(&str, &Doc)> = rules.iter().map(|r| (&*r.name, &rdoc)).collect();
    alarm_names.extend(notices.iter().map(|n| (&*n.name, &ndoc)));
    for (i, (name, d)) in alarm_names.iter().enumerate() {
        if alarm_names[..i].iter().any(|(other, _)| other == name) {
            return Err(d.invalid(&[name], format!("duplicate alarm name `{name}`")));
        }
    }
    let (rotation, incidents) = resolve_incidents(&idoc, incidents_file, &index)?;

    Ok(Scenario {
        dynamics,
        services,
        topo,
        rules,
        notices,
        rotation,
        incidents,
    })
}

fn check_finite(d: &Doc, owner: &str, key: &str, v: f64) -> Result<(), ScenarioError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(d.invalid(
            &[owner, key],
            format!("{owner}: `{key}` must be a finite number"),
        ))
    }
}

fn check_range(
    d: &Doc,
    owner: &str,
    key: &str,
    v: f64,
    lo: f64,
    hi: f64,
) -> Result<(), ScenarioError> {
    check_finite(d, owner, key, v)?;
    if v < lo || v > hi {
        return Err(d.invalid(
            &[owner, key],
            format!("{owner}: `{key}` is {v}, expected {lo}..={hi}"),
        ));
    }
    Ok(())
}

fn check_name(d: &Doc, what: &str, name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(d.invalid(
            &[name],
            format!("{what} name `{name}` must be non-empty ASCII letters, digits, `_` or `-`"),
        ))
    }
}

type ServicesResolved = (Dynamics, Vec<Service>, Vec<usize>);

fn resolve_services(d: &Doc, file: ServicesFile) -> Result<ServicesResolved, ScenarioError> {
    let dy = file.dynamics;
    check_range(d, "dynamics", "tau_s", dy.tau_s, 0.1, 600.0)?;
    check_range(d, "dynamics", "amplitude", dy.load.amplitude, 0.0, 0.9)?;
    check_range(d, "dynamics", "period_s", dy.load.period_s, 1.0, 1e9)?;
    let dynamics = Dynamics {
        tau_s: dy.tau_s,
        load_amplitude: dy.load.amplitude,
        load_period_s: dy.load.period_s,
    };

    if file.services.is_empty() {
        return Err(d.invalid(&["services"], "no services defined".into()));
    }
    for (i, s) in file.services.iter().enumerate() {
        check_name(d, "service", &s.name)?;
        if file.services[..i].iter().any(|o| o.name == s.name) {
            return Err(d.invalid(
                &[&s.name, &s.name],
                format!("duplicate service `{}`", s.name),
            ));
        }
    }
    let index = |name: &str| file.services.iter().position(|s| s.name == name);

    let mut services = Vec::with_capacity(file.services.len());
    for s in &file.services {
        let n = s.name.as_str();
        let mut deps = Vec::new();
        for dep in &s.depends_on {
            let Some(j) = index(dep) else {
                return Err(d.invalid(
                    &[n, "depends_on", dep],
                    format!("service `{n}` depends on unknown service `{dep}`"),
                ));
            };
            if dep == n {
                return Err(d.invalid(
                    &[n, "depends_on", dep],
                    format!("service `{n}` depends on itself"),
                ));
            }
            if deps.contains(&j) {
                return Err(d.invalid(
                    &[n, "depends_on", dep],
                    format!("service `{n}` lists `{dep}` twice"),
                ));
            }
            deps.push(j);
        }
        check_range(d, n, "timeout_ms", s.timeout_ms, 1.0, MAX_LATENCY_MS)?;
        check_range(d, n, "error_propagation", s.error_propagation, 0.0, 1.0)?;
        check_range(d, n, "saturation_gain", s.saturation_gain, 0.0, 2.0)?;
        check_range(d, n, "load_sensitivity", s.load_sensitivity, 0.0, 1.0)?;
        let b = &s.baseline;
        check_range(d, n, "latency_p99", b.latency_p99, 0.0, MAX_LATENCY_MS)?;
        check_range(d, n, "error_rate", b.error_rate, 0.0, 100.0)?;
        check_range(d, n, "cpu", b.cpu, 0.0, 100.0)?;
        check_range(d, n, "saturation", b.saturation, 0.0, 100.0)?;
        let z = &s.noise;
        for (key, v) in [
            ("latency_p99", z.latency_p99),
            ("error_rate", z.error_rate),
            ("cpu", z.cpu),
            ("saturation", z.saturation),
        ] {
            check_range(d, n, key, v, 0.0, 0.25)?;
        }
        let mut waves = Vec::new();
        for w in &s.waves {
            let Some(metric) = Metric::parse(&w.metric) else {
                return Err(unknown_metric(d, &[n, "waves", &w.metric], &w.metric));
            };
            check_range(d, n, "amplitude", w.amplitude, 0.0, metric.max())?;
            check_range(d, n, "period_s", w.period_s, 1.0, 1e9)?;
            check_finite(d, n, "phase_s", w.phase_s)?;
            waves.push(Wave {
                metric,
                amplitude: w.amplitude,
                period_s: w.period_s,
                phase_s: w.phase_s,
            });
        }
        services.push(Service {
            name: s.name.clone(),
            team: s.team.clone().unwrap_or_else(|| "sre".to_string()),
            deps,
            timeout_ms: s.timeout_ms,
            error_propagation: s.error_propagation,
            saturation_gain: s.saturation_gain,
            load_sensitivity: s.load_sensitivity,
            baseline: [b.latency_p99, b.error_rate, b.cpu, b.saturation],
            noise: [z.latency_p99, z.error_rate, z.cpu, z.saturation],
            waves,
            nominal_latency_ms: 0.0,
        });
    }

    let topo = topo_order(&services).map_err(|cycle_at| {
        let name = &services[cycle_at].name;
        d.invalid(
            &[name],
            format!("dependency cycle through service `{name}`"),
        )
    })?;
    for &i in &topo {
        let dep_latency: f64 = services[i]
            .deps
            .iter()
            .map(|&j| services[j].nominal_latency_ms.min(services[i].timeout_ms))
            .sum();
        services[i].nominal_latency_ms = services[i].baseline[0] + dep_latency;
    }
    Ok((dynamics, services, topo))
}

/// Kahn's algorithm; on a cycle, returns a service on it.
fn topo_order(services: &[Service]) -> Result<Vec<usize>, usize> {
    let n = services.len();
    let mut pending: Vec<usize> = services.iter().map(|s| s.deps.len()).collect();
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    // Deterministic order: always take the lowest index that is ready.
    while let Some(pos) = ready
        .iter()
        .enumerate()
        .min_by_key(|(_, i)| **i)
        .map(|(p, _)| p)
    {
        let i = ready.swap_remove(pos);
        order.push(i);
        for (caller, s) in services.iter().enumerate() {
            if s.deps.contains(&i) {
                pending[caller] -= 1;
                if pending[caller] == 0 {
                    ready.push(caller);
                }
            }
        }
    }
    if order.len() == n {
        Ok(order)
    } else {
        Err((0..n).find(|&i| pending[i] > 0).unwrap_or(0))
    }
}

fn unknown_metric(d: &Doc, anchors: &[&str], metric: &str) -> ScenarioError {
    let known: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
    d.invalid(
        anchors,
        format!("unknown metric `{metric}` (known: {})", known.join(", ")),
    )
}

fn resolve_rules(
    d: &Doc,
    file: RulesFile,
    services: &[Service],
    index: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Rule>, ScenarioError> {
    let defaults = file.defaults;
    check_range(d, "defaults", "clear_ratio", defaults.clear_ratio, 0.0, 1.0)?;
    check_range(
        d,
        "defaults",
        "summary_deadband",
        defaults.summary_deadband,
        0.0,
        10.0,
    )?;
    let mut rules = Vec::with_capacity(file.rules.len());
    for r in file.rules {
        let n = r.name.as_str();
        check_name(d, "rule", n)?;
        let Some(metric) = Metric::parse(&r.metric) else {
            return Err(unknown_metric(d, &[n, "metric", &r.metric], &r.metric));
        };
        if r.operator != ">" {
            return Err(d.invalid(
                &[n, "operator"],
                format!(
                    "rule `{n}`: operator `{}` is not supported (only `>`)",
                    r.operator
                ),
            ));
        }
        let targets = match &r.services {
            ServiceSelection::All => (0..services.len()).collect(),
            ServiceSelection::List(names) => {
                let mut v = Vec::new();
                for name in names {
                    let Some(i) = index(name) else {
                        return Err(d.invalid(
                            &[n, "services", name],
                            format!("rule `{n}` names unknown service `{name}`"),
                        ));
                    };
                    if !v.contains(&i) {
                        v.push(i);
                    }
                }
                v
            }
        };
        if targets.is_empty() {
            return Err(d.invalid(&[n, "services"], format!("rule `{n}` covers no service")));
        }
        for key in r.clear_below.keys() {
            if !["warn", "major", "crit"].contains(&key.as_str()) {
                return Err(d.invalid(
                    &[n, "clear_below", key],
                    format!("rule `{n}`: clear_below key `{key}` is not warn, major or crit"),
                ));
            }
        }
        let mut levels: Vec<Level> = Vec::new();
        for (key, threshold, severity) in [
            ("warn", r.warn, Severity::Warning),
            ("major", r.major, Severity::Major),
            ("crit", r.crit, Severity::Critical),
        ] {
            let Some(threshold) = threshold else {
                if r.clear_below.contains_key(key) {
                    return Err(d.invalid(
                        &[n, "clear_below", key],
                        format!("rule `{n}`: clear_below.{key} without a `{key}` threshold"),
                    ));
                }
                continue;
            };
            check_range(d, n, key, threshold, 0.0, metric.max())?;
            if let Some(prev) = levels.last()
                && threshold <= prev.threshold
            {
                return Err(d.invalid(
                    &[n, key],
                    format!(
                        "rule `{n}`: {key} threshold {threshold} must be above the {} threshold {}",
                        prev.severity, prev.threshold
                    ),
                ));
            }
            let clear_below = match r.clear_below.get(key) {
                Some(&c) => {
                    check_finite(d, n, key, c)?;
                    if c > threshold || c < 0.0 {
                        return Err(d.invalid(
                            &[n, "clear_below", key],
                            format!(
                                "rule `{n}`: clear_below.{key} {c} must be between 0 and the threshold {threshold}"
                            ),
                        ));
                    }
                    c
                }
                None => threshold * defaults.clear_ratio,
            };
            levels.push(Level {
                severity,
                threshold,
                clear_below,
            });
        }
        if levels.is_empty() {
            return Err(d.invalid(
                &[n],
                format!("rule `{n}` needs at least one of warn, major, crit"),
            ));
        }
        let slug = n.to_ascii_lowercase();
        rules.push(Rule {
            name: r.name.clone(),
            metric,
            services: targets,
            levels,
            for_s: r.for_s.unwrap_or(defaults.for_s),
            clear_for_s: r.clear_for.unwrap_or(defaults.clear_for),
            summary_deadband: defaults.summary_deadband,
            summary_every_s: defaults.summary_every_s,
            summary: r.summary.unwrap_or_else(|| {
                "{service} {metric} {value} · {severity} above {threshold}".into()
            }),
            description: r.description.unwrap_or_else(|| {
                "{service} {metric} is above its {severity} threshold of {threshold}.".into()
            }),
            runbook_url: r
                .runbook_url
                .unwrap_or_else(|| format!("https://runbooks.example/{slug}")),
        });
    }
    for (i, r) in rules.iter().enumerate() {
        if rules[..i].iter().any(|o| o.name == r.name) {
            return Err(d.invalid(
                &[&r.name, &r.name],
                format!("duplicate rule name `{}`", r.name),
            ));
        }
    }
    Ok(rules)
}

fn resolve_notices(
    d: &Doc,
    file: NoticesFile,
    index: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Notice>, ScenarioError> {
    let mut notices = Vec::with_capacity(file.notices.len());
    for x in file.notices {
        let n = x.name.as_str();
        check_name(d, "notice", n)?;
        let Some(service) = index(&x.service) else {
            return Err(d.invalid(
                &[n, "service", &x.service],
                format!("notice `{n}` names unknown service `{}`", x.service),
            ));
        };
        if let Some(rep) = &x.repeat {
            for (key, [lo, hi]) in [("gap_s", rep.gap_s), ("duration_s", rep.duration_s)] {
                if lo == 0 || lo > hi {
                    return Err(d.invalid(
                        &[n, key],
                        format!("notice `{n}`: {key} must be [min, max] with 0 < min <= max"),
                    ));
                }
            }
        }
        let slug = n.to_ascii_lowercase();
        notices.push(Notice {
            name: x.name.clone(),
            service,
            severity: x.severity,
            start_at: x.start_at,
            repeat: x.repeat,
            summary: x.summary,
            description: x.description.unwrap_or_default(),
            runbook_url: x
                .runbook_url
                .unwrap_or_else(|| format!("https://runbooks.example/{slug}")),
        });
    }
    Ok(notices)
}

type IncidentsResolved = (Option<Rotation>, Vec<Incident>);

fn resolve_incidents(
    d: &Doc,
    file: IncidentsFile,
    index: &dyn Fn(&str) -> Option<usize>,
) -> Result<IncidentsResolved, ScenarioError> {
    if file.incidents.is_empty() {
        return Ok((file.rotation, Vec::new()));
    }
    let Some(rotation) = file.rotation else {
        return Err(d.invalid(
            &["incidents"],
            "incidents need a `rotation: { start_at, every_s }`".into(),
        ));
    };
    if rotation.every_s == 0 {
        return Err(d.invalid(
            &["rotation", "every_s"],
            "rotation.every_s must be positive".into(),
        ));
    }
    let mut incidents = Vec::with_capacity(file.incidents.len());
    for (i, x) in file.incidents.into_iter().enumerate() {
        let n = x.name.as_str();
        if n.trim().is_empty() {
            return Err(d.invalid(&["incidents"], format!("incident #{} has no name", i + 1)));
        }
        if incidents.iter().any(|o: &Incident| o.name == x.name) {
            return Err(d.invalid(&[n, n], format!("duplicate incident `{n}`")));
        }
        // One occurrence at a time keeps the schedule a simple division.
        if x.duration_s == 0 || x.duration_s > rotation.every_s {
            return Err(d.invalid(
                &[n, "duration_s"],
                format!(
                    "incident `{n}`: duration_s must be between 1 and rotation.every_s ({})",
                    rotation.every_s
                ),
            ));
        }
        if x.effects.is_empty() {
            return Err(d.invalid(&[n], format!("incident `{n}` has no effects")));
        }
        let mut effects = Vec::with_capacity(x.effects.len());
        for e in x.effects {
            let Some(service) = index(&e.service) else {
                return Err(d.invalid(
                    &[n, "service", &e.service],
                    format!("incident `{n}` names unknown service `{}`", e.service),
                ));
            };
            if let Err(why) = e.fault.check() {
                return Err(d.invalid(&[n, &e.service, "fault"], format!("incident `{n}`: {why}")));
            }
            if e.fault == SimFaultKind::Heal {
                return Err(d.invalid(
                    &[n, &e.service, "fault"],
                    format!("incident `{n}`: heal is a remedy, not an incident effect"),
                ));
            }
            if e.ramp_s > x.duration_s / 2 {
                return Err(d.invalid(
                    &[n, "ramp_s"],
                    format!("incident `{n}`: ramp_s must be at most half of duration_s"),
                ));
            }
            let pulse = match e.pulse {
                Some(p) if p.on_s == 0 => {
                    return Err(d.invalid(
                        &[n, "pulse"],
                        format!("incident `{n}`: pulse.on_s must be positive"),
                    ));
                }
                Some(p) => Some(Pulse {
                    on_s: p.on_s,
                    off_s: p.off_s,
                }),
                None => None,
            };
            effects.push(Effect {
                service,
                fault: e.fault,
                ramp_s: e.ramp_s,
                pulse,
            });
        }
        incidents.push(Incident {
            name: x.name,
            description: x.description,
            duration_s: x.duration_s,
            effects,
        });
    }
    Ok((Some(rotation), incidents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_rejected() {
        let text = "services:\n  - name: a\n    depends_on: [b]\n    baseline: {latency_p99: 1, error_rate: 0, cpu: 1, saturation: 1}\n  - name: b\n    depends_on: [a]\n    baseline: {latency_p99: 1, error_rate: 0, cpu: 1, saturation: 1}\n";
        let d = Doc {
            file: "x.yaml",
            text,
        };
        let file: ServicesFile = d.parse().unwrap();
        let err = resolve_services(&d, file).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
    }
}
