//! Service-graph dynamics: how faults on one service show up in its own
//! metrics and in its callers'. Noise-free; `noise` is applied on top.
//!
//! Per service, every tick, dependencies first:
//! - latency = own baseline (slowed by CPU pressure) + injected latency +
//!   the latency of each dependency, capped at the caller's timeout
//!   (calls are synchronous, and a timed-out call costs exactly the timeout);
//! - errors = own errors, plus `error_propagation` × each dependency's
//!   errors, plus the share of calls to each dependency that time out;
//! - saturation = baseline × (latency / nominal latency)^gain: by Little's
//!   law, slower requests hold connections and memory longer;
//! - each value moves towards its target with first-order smoothing, so a
//!   fault ramps over a few seconds instead of jumping.

use super::SimFaultKind;
use super::scenario::{Metric, Scenario, Service};
use std::f64::consts::TAU;

const LAT: usize = 0;
const ERR: usize = 1;
const CPU: usize = 2;
const SAT: usize = 3;

/// What the active faults and incident effects do to one service.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Impairment {
    pub(crate) latency_ms: f64,
    /// Fraction of requests failing on their own, 0..=1.
    pub(crate) error_frac: f64,
    pub(crate) cpu: f64,
    pub(crate) killed: bool,
}

impl Impairment {
    pub(crate) fn add(&mut self, kind: &SimFaultKind) {
        let pos = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
        match *kind {
            SimFaultKind::Latency { ms } => self.latency_ms += pos(ms),
            // Independent failure causes: a request survives only if it
            // survives each of them.
            SimFaultKind::Errors { rate } => {
                self.error_frac = 1.0 - (1.0 - self.error_frac) * (1.0 - pos(rate).min(1.0));
            }
            SimFaultKind::Cpu { percent } => self.cpu += pos(percent),
            SimFaultKind::Kill => self.killed = true,
            // Not an impairment: `Simulator::step` reads it to leave out
            // the scripted incidents' effects on the service.
            SimFaultKind::Heal => {}
        }
    }
}

/// The smoothed, noise-free state of every service.
#[derive(Debug, Clone)]
pub(crate) struct Graph {
    state: Vec<[f64; 4]>,
}

impl Graph {
    /// Starts at steady state so the first ticks do not show a warm-up ramp.
    pub(crate) fn new(sc: &Scenario) -> Graph {
        let mut g = Graph {
            state: vec![[0.0; 4]; sc.services.len()],
        };
        let none = vec![Impairment::default(); sc.services.len()];
        g.update(sc, 0, &none, None);
        g
    }

    pub(crate) fn values(&self) -> &[[f64; 4]] {
        &self.state
    }

    pub(crate) fn advance(&mut self, sc: &Scenario, tick: u64, imp: &[Impairment]) {
        let fast = 1.0 - (-1.0 / sc.dynamics.tau_s).exp();
        // Queues fill and drain more slowly than latency moves.
        let slow = 1.0 - (-1.0 / (2.0 * sc.dynamics.tau_s)).exp();
        self.update(sc, tick, imp, Some((fast, slow)));
    }

    /// `alpha = None` jumps straight to the targets.
    fn update(&mut self, sc: &Scenario, tick: u64, imp: &[Impairment], alpha: Option<(f64, f64)>) {
        let (fast, slow) = alpha.unwrap_or((1.0, 1.0));
        let t = tick as f64;
        let daily = sc.dynamics.load_amplitude * (TAU * t / sc.dynamics.load_period_s).sin();
        for &i in &sc.topo {
            let svc = &sc.services[i];
            let imp = imp.get(i).cloned().unwrap_or_default();
            let load = 1.0 + daily * svc.load_sensitivity;
            let wave = waves(svc, t);
            let prev = self.state[i];
            let mut next = [0.0; 4];

            if imp.killed {
                // Nothing runs: no CPU, no queues, every call fails fast.
                next[CPU] = smooth(prev[CPU], 0.5, fast);
                next[LAT] = smooth(prev[LAT], svc.baseline[LAT], fast);
                next[ERR] = smooth(prev[ERR], 100.0, fast);
                next[SAT] = smooth(prev[SAT], 0.0, slow);
                self.state[i] = next;
                continue;
            }

            let cpu_t = svc.baseline[CPU] * load + wave[CPU] + imp.cpu;
            next[CPU] = smooth(prev[CPU], cpu_t.clamp(0.0, 100.0), fast);

            // Latency and saturation swing half as much as traffic does.
            let half_load = 1.0 + (load - 1.0) * 0.5;
            let own = (svc.baseline[LAT] * half_load + wave[LAT]).max(0.0)
                * cpu_slowdown(next[CPU])
                + imp.latency_ms;
            let mut survive = (1.0 - (svc.baseline[ERR] + wave[ERR]).clamp(0.0, 100.0) / 100.0)
                * (1.0 - imp.error_frac);
            let mut lat_t = own;
            for &d in &svc.deps {
                let dep = self.state[d];
                lat_t += dep[LAT].min(svc.timeout_ms);
                survive *= 1.0 - svc.error_propagation * dep[ERR] / 100.0;
                survive *= 1.0 - timeout_share(dep[LAT], svc.timeout_ms);
            }
            next[LAT] = smooth(prev[LAT], lat_t.clamp(0.0, Metric::LatencyP99.max()), fast);
            next[ERR] = smooth(prev[ERR], (100.0 * (1.0 - survive)).clamp(0.0, 100.0), fast);

            let slowdown = if svc.nominal_latency_ms > 0.0 {
                (next[LAT] / svc.nominal_latency_ms).max(0.0)
            } else {
                1.0
            };
            let sat_t =
                (svc.baseline[SAT] * half_load + wave[SAT]) * slowdown.powf(svc.saturation_gain);
            next[SAT] = smooth(prev[SAT], sat_t.clamp(0.0, 100.0), slow);

            self.state[i] = next;
        }
    }
}

fn smooth(prev: f64, target: f64, alpha: f64) -> f64 {
    prev + alpha * (target - prev)
}

/// Per-metric offsets from the service's periodic waves at time `t`.
fn waves(svc: &Service, t: f64) -> [f64; 4] {
    let mut out = [0.0; 4];
    for w in &svc.waves {
        out[w.metric.idx()] += w.amplitude * (TAU * (t + w.phase_s) / w.period_s).sin();
    }
    out
}

/// Multiplier on a service's own work time as CPU runs hot: nothing below
/// 60 %, then quadratic up to 4× at 100 % (run queues grow).
fn cpu_slowdown(cpu: f64) -> f64 {
    let over = ((cpu / 100.0 - 0.6) / 0.4).clamp(0.0, 1.0);
    1.0 + 3.0 * over * over
}

/// Share of calls exceeding `timeout_ms` when the callee's p99 is `p99_ms`,
/// assuming an exponential tail: 1 % at p99 = timeout, ~8 % at 1.8×, so a
/// caller's errors climb steeply once a dependency's p99 crosses its timeout.
fn timeout_share(p99_ms: f64, timeout_ms: f64) -> f64 {
    if p99_ms <= 0.0 || !p99_ms.is_finite() {
        return 0.0;
    }
    0.01_f64.powf(timeout_ms / p99_ms).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_share_is_one_percent_at_p99() {
        assert!((timeout_share(1000.0, 1000.0) - 0.01).abs() < 1e-12);
        assert!(timeout_share(1800.0, 1000.0) > 0.07);
        assert!(timeout_share(100.0, 1000.0) < 1e-15);
        assert_eq!(timeout_share(0.0, 1000.0), 0.0);
    }

    #[test]
    fn cpu_slowdown_is_flat_then_steep() {
        assert_eq!(cpu_slowdown(40.0), 1.0);
        assert_eq!(cpu_slowdown(100.0), 4.0);
        assert!(cpu_slowdown(80.0) > 1.5 && cpu_slowdown(80.0) < 2.0);
    }

    #[test]
    fn impairments_combine() {
        let mut imp = Impairment::default();
        imp.add(&SimFaultKind::Errors { rate: 0.5 });
        imp.add(&SimFaultKind::Errors { rate: 0.5 });
        imp.add(&SimFaultKind::Latency { ms: 10.0 });
        imp.add(&SimFaultKind::Latency { ms: f64::NAN });
        assert!((imp.error_frac - 0.75).abs() < 1e-12);
        assert_eq!(imp.latency_ms, 10.0);
    }

    #[test]
    fn starts_at_steady_state_and_propagates_latency() {
        let sc = Scenario::embedded().unwrap();
        let mut g = Graph::new(&sc);
        let idx = |n: &str| sc.services.iter().position(|s| s.name == n).unwrap();
        let (pay, chk) = (idx("payments"), idx("checkout"));
        let before = g.values()[chk][LAT];
        let mut imp = vec![Impairment::default(); sc.services.len()];
        imp[pay].latency_ms = 300.0;
        for t in 1..=30 {
            g.advance(&sc, t, &imp);
        }
        let v = g.values();
        assert!(v[pay][LAT] > 350.0, "{}", v[pay][LAT]);
        assert!(
            v[chk][LAT] - before > 250.0,
            "{} -> {}",
            before,
            v[chk][LAT]
        );
    }
}
