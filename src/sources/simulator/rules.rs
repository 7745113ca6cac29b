//! Threshold alarm rules with hysteresis, evaluated on the noisy samples
//! (what the operator sees on the charts).
//!
//! Severity is part of an alarm's labels and therefore of its fingerprint,
//! as in Prometheus/Alertmanager where warning and critical are separate
//! alerts: escalating warning → critical resolves the warning and raises a
//! distinct critical alarm. That keeps the demo's alarms shaped exactly like
//! the real Alertmanager source's, and an ack on the warning does not hide
//! the escalation. Lower levels are inhibited while a higher one fires, so a
//! problem shows as one row. A level that becomes ready one tick before a
//! higher level would waits that tick, so a warning never lives for a single
//! tick on its way to critical; it is never held back longer, so the root
//! cause's alarm is not delayed behind its callers'.

use super::SOURCE_NAME;
use super::scenario::{Level, Metric, Rule, Scenario};
use crate::domain::alarm::Text;
use crate::domain::{ObservedAlarm, alarm::Labels, fingerprint};
use chrono::{DateTime, Utc};

/// State of one rule on one service.
#[derive(Debug, Clone)]
struct Instance {
    rule: usize,
    service: usize,
    /// Index into `rule.levels` of the firing level.
    level: Option<usize>,
    /// Consecutive ticks above each level's threshold.
    above: Vec<u32>,
    /// Consecutive ticks below the firing level's `clear_below`.
    below: u32,
    /// Value last written into the summary; the summary is only rewritten
    /// when the value leaves a dead band around it, because every content
    /// change becomes an `alarm.updated` journal event.
    shown: f64,
    /// Tick of the last summary rewrite.
    shown_at: u64,
    alarm: Option<ObservedAlarm>,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleEngine {
    instances: Vec<Instance>,
}

impl RuleEngine {
    pub(crate) fn new(sc: &Scenario) -> RuleEngine {
        let instances = sc
            .rules
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| {
                r.services.iter().map(move |&service| Instance {
                    rule: ri,
                    service,
                    level: None,
                    above: vec![0; r.levels.len()],
                    below: 0,
                    shown: 0.0,
                    shown_at: 0,
                    alarm: None,
                })
            })
            .collect();
        RuleEngine { instances }
    }

    /// Feed this tick's samples (per service, indexed by metric) and append
    /// every firing alarm to `out`, in rule then service order.
    pub(crate) fn evaluate(
        &mut self,
        sc: &Scenario,
        samples: &[[f64; 4]],
        tick: u64,
        now: DateTime<Utc>,
        out: &mut Vec<ObservedAlarm>,
    ) {
        for inst in &mut self.instances {
            let rule = &sc.rules[inst.rule];
            let Some(v) = samples.get(inst.service).map(|s| s[rule.metric.idx()]) else {
                continue;
            };
            if advance(inst, rule, v) {
                inst.shown = v;
                inst.shown_at = tick;
                inst.alarm = inst
                    .level
                    .map(|l| build(sc, inst.rule, inst.service, l, v, now));
            } else if let (Some(l), Some(alarm)) = (inst.level, &mut inst.alarm) {
                let band = rule.summary_deadband * inst.shown.abs().max(1e-9);
                let due = tick >= inst.shown_at + u64::from(rule.summary_every_s);
                if due && (v - inst.shown).abs() > band {
                    inst.shown = v;
                    inst.shown_at = tick;
                    let fresh = build(sc, inst.rule, inst.service, l, v, alarm.starts_at);
                    alarm.annotations = fresh.annotations;
                }
            }
            if let Some(alarm) = &inst.alarm {
                out.push(alarm.clone());
            }
        }
    }
}

/// Step the hysteresis state machine; `true` if the firing level changed.
fn advance(inst: &mut Instance, rule: &Rule, v: f64) -> bool {
    let levels = &rule.levels;
    for (count, level) in inst.above.iter_mut().zip(levels) {
        *count = if v > level.threshold {
            count.saturating_add(1)
        } else {
            0
        };
    }
    let need_for = rule.for_s.max(1);
    let need_clear = rule.clear_for_s.max(1);

    let ready = (0..levels.len()).rev().find(|&i| inst.above[i] >= need_for);
    let higher_next_tick = ready.is_some_and(|r| {
        inst.above[r + 1..]
            .iter()
            .any(|&c| c > 0 && c + 1 >= need_for)
    });
    if let Some(r) = ready
        && !higher_next_tick
        && inst.level.is_none_or(|cur| r > cur)
    {
        inst.level = Some(r);
        inst.below = 0;
        return true;
    }

    let Some(cur) = inst.level else {
        return false;
    };
    inst.below = if v < levels[cur].clear_below {
        inst.below.saturating_add(1)
    } else {
        0
    };
    if inst.below < need_clear {
        return false;
    }
    // Step down to the highest lower level the value is still inside the
    // hysteresis band of, if any; it has been above its threshold all along.
    inst.level = (0..cur).rev().find(|&i| v >= levels[i].clear_below);
    inst.below = 0;
    true
}

fn build(
    sc: &Scenario,
    rule: usize,
    service: usize,
    level: usize,
    v: f64,
    starts_at: DateTime<Utc>,
) -> ObservedAlarm {
    let rule = &sc.rules[rule];
    let svc = &sc.services[service];
    let Level {
        severity,
        threshold,
        ..
    } = rule.levels[level];
    let mut value = format_value(rule.metric, v, 2);
    let threshold = format_value(rule.metric, threshold, 3);
    if value == threshold {
        // "75% > 75%" reads like a bug; one more digit shows the excess.
        value = format_value(rule.metric, v, 3);
    }
    let vars = [
        ("service", svc.name.as_str()),
        ("alertname", rule.name.as_str()),
        ("metric", rule.metric.phrase()),
        ("value", value.as_str()),
        ("threshold", threshold.as_str()),
        ("severity", severity.as_str()),
    ];
    let mut labels = Labels::new();
    labels.insert("alertname", rule.name.clone());
    labels.insert("service", svc.name.clone());
    labels.insert("severity", severity.as_str());
    labels.insert("metric", rule.metric.key());
    labels.insert("env", "demo");
    labels.insert("team", svc.team.clone());
    let mut annotations = Labels::new();
    annotations.insert("summary", render(&rule.summary, &vars));
    annotations.insert("description", render(&rule.description, &vars));
    annotations.insert("runbook_url", render(&rule.runbook_url, &vars));
    ObservedAlarm {
        fingerprint: fingerprint(&labels).into(),
        source: SOURCE_NAME.into(),
        name: Text::new(&rule.name),
        severity,
        labels,
        annotations,
        starts_at,
        generator_url: None,
    }
}

/// Replace `{key}` placeholders; unknown ones are left as written.
pub(crate) fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// `digits` significant digits with the metric's unit: "1.8 s", "850 ms",
/// "7.7%". Two digits in summaries keep them from changing on noise.
pub(crate) fn format_value(metric: Metric, v: f64, digits: i32) -> String {
    match metric {
        Metric::LatencyP99 if v >= 1000.0 => format!("{} s", significant(v / 1000.0, digits)),
        Metric::LatencyP99 => format!("{} ms", significant(v, digits)),
        _ => format!("{}%", significant(v, digits)),
    }
}

fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let step = 10f64.powi(magnitude + 1 - digits);
    let rounded = (v / step).round() * step;
    let s = format!("{rounded:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;

    fn rule(for_s: u32, clear_for_s: u32) -> Rule {
        Rule {
            name: "X".into(),
            metric: Metric::Cpu,
            services: vec![0],
            levels: vec![
                Level {
                    severity: Severity::Warning,
                    threshold: 50.0,
                    clear_below: 45.0,
                },
                Level {
                    severity: Severity::Critical,
                    threshold: 80.0,
                    clear_below: 72.0,
                },
            ],
            for_s,
            clear_for_s,
            summary_deadband: 0.1,
            summary_every_s: 15,
            summary: String::new(),
            description: String::new(),
            runbook_url: String::new(),
        }
    }

    fn run(rule: &Rule, values: &[f64]) -> Vec<Option<usize>> {
        let mut inst = Instance {
            rule: 0,
            service: 0,
            level: None,
            above: vec![0; rule.levels.len()],
            below: 0,
            shown: 0.0,
            shown_at: 0,
            alarm: None,
        };
        values
            .iter()
            .map(|&v| {
                advance(&mut inst, rule, v);
                inst.level
            })
            .collect()
    }

    #[test]
    fn fires_after_for_and_clears_after_clear_for_below_band() {
        let r = rule(3, 2);
        let got = run(&r, &[60.0, 60.0, 60.0, 48.0, 48.0, 44.0, 44.0]);
        assert_eq!(
            got,
            vec![None, None, Some(0), Some(0), Some(0), Some(0), None]
        );
    }

    #[test]
    fn jump_goes_straight_to_critical() {
        let r = rule(3, 2);
        // Warning's condition is met one tick before critical's, so warning
        // waits that tick rather than living for one.
        let got = run(&r, &[60.0, 90.0, 90.0, 90.0]);
        assert_eq!(got, vec![None, None, None, Some(1)]);
    }

    #[test]
    fn warning_fires_when_critical_is_further_off() {
        let r = rule(3, 2);
        let got = run(&r, &[60.0, 60.0, 90.0, 90.0, 90.0]);
        assert_eq!(got, vec![None, None, Some(0), Some(0), Some(1)]);
    }

    #[test]
    fn critical_steps_down_to_warning_inside_its_band() {
        let r = rule(1, 2);
        let got = run(&r, &[90.0, 60.0, 60.0, 40.0, 40.0]);
        assert_eq!(got, vec![Some(1), Some(1), Some(0), Some(0), None]);
    }

    #[test]
    fn values_format_to_two_significant_digits() {
        assert_eq!(format_value(Metric::LatencyP99, 1834.0, 2), "1.8 s");
        assert_eq!(format_value(Metric::LatencyP99, 1000.0, 2), "1 s");
        assert_eq!(format_value(Metric::LatencyP99, 847.0, 2), "850 ms");
        assert_eq!(format_value(Metric::LatencyP99, 12.34, 2), "12 ms");
        assert_eq!(format_value(Metric::LatencyP99, 1.5, 2), "1.5 ms");
        assert_eq!(format_value(Metric::ErrorRate, 7.74, 2), "7.7%");
        assert_eq!(format_value(Metric::ErrorRate, 0.523, 2), "0.52%");
        assert_eq!(format_value(Metric::Cpu, 99.6, 2), "100%");
        assert_eq!(format_value(Metric::Cpu, 0.0, 2), "0%");
        assert_eq!(format_value(Metric::Cpu, 75.34, 3), "75.3%");
        assert_eq!(format_value(Metric::LatencyP99, 1500.0, 3), "1.5 s");
    }

    #[test]
    fn render_fills_known_placeholders_only() {
        assert_eq!(
            render(
                "{service} is {value} {x}",
                &[("service", "a"), ("value", "1")]
            ),
            "a is 1 {x}"
        );
    }
}
