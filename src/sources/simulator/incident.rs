//! Scripted incidents: a fixed rotation (occurrence `k` starts at
//! `start_at + k × every_s` and plays incident `k mod n`), so the demo tells
//! the same story for every seed and needs no state to know what is on.

use super::scenario::{Effect, Scenario};
use super::{IncidentChange, SimFaultKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Active {
    pub(crate) occurrence: u64,
    pub(crate) incident: usize,
    /// Seconds since this occurrence started (0 on its first tick).
    pub(crate) elapsed: u64,
}

pub(crate) fn active_at(sc: &Scenario, tick: u64) -> Option<Active> {
    let rot = sc.rotation?;
    if sc.incidents.is_empty() || tick < rot.start_at || rot.every_s == 0 {
        return None;
    }
    let since = tick - rot.start_at;
    let occurrence = since / rot.every_s;
    let incident = (occurrence % sc.incidents.len() as u64) as usize;
    let elapsed = since % rot.every_s;
    (elapsed < sc.incidents[incident].duration_s).then_some(Active {
        occurrence,
        incident,
        elapsed,
    })
}

/// Incidents that started or ended exactly on `tick`.
pub(crate) fn changes_at(sc: &Scenario, tick: u64) -> Vec<IncidentChange> {
    let before = tick.checked_sub(1).and_then(|t| active_at(sc, t));
    let now = active_at(sc, tick);
    let mut out = Vec::new();
    let same =
        |a: Option<Active>, b: Option<Active>| a.map(|a| a.occurrence) == b.map(|b| b.occurrence);
    if same(before, now) {
        return out;
    }
    if let Some(b) = before {
        out.push(change(sc, b.incident, false));
    }
    if let Some(n) = now {
        out.push(change(sc, n.incident, true));
    }
    out
}

fn change(sc: &Scenario, incident: usize, started: bool) -> IncidentChange {
    let i = &sc.incidents[incident];
    IncidentChange {
        started,
        name: i.name.clone(),
        description: i.description.clone(),
    }
}

/// The faults the running incident applies on `tick`, magnitudes ramped.
pub(crate) fn effects_at(sc: &Scenario, tick: u64) -> Vec<(usize, SimFaultKind)> {
    let Some(a) = active_at(sc, tick) else {
        return Vec::new();
    };
    let inc = &sc.incidents[a.incident];
    inc.effects
        .iter()
        .filter_map(|e| {
            let k = strength(e, a.elapsed, inc.duration_s);
            (k > 0.0).then(|| (e.service, e.fault.scaled(k)))
        })
        .collect()
}

/// 0..=1: ramps up over `ramp_s` after the start and down over `ramp_s`
/// before the end; zero in the off part of a pulse. A kill has no half
/// measure, so it is simply on for the whole window.
fn strength(e: &Effect, elapsed: u64, duration: u64) -> f64 {
    if let Some(p) = e.pulse
        && elapsed % p.on_s.saturating_add(p.off_s).max(1) >= p.on_s
    {
        return 0.0;
    }
    if e.ramp_s == 0 || e.fault == SimFaultKind::Kill {
        return 1.0;
    }
    let ramp = e.ramp_s as f64;
    let up = (elapsed + 1) as f64 / ramp;
    let down = duration.saturating_sub(elapsed) as f64 / ramp;
    up.min(down).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::simulator::scenario::Pulse;

    #[test]
    fn rotation_plays_each_incident_in_turn() {
        let sc = Scenario::embedded().unwrap();
        let rot = sc.rotation.unwrap();
        assert_eq!(active_at(&sc, rot.start_at - 1), None);
        let first = active_at(&sc, rot.start_at).unwrap();
        assert_eq!((first.incident, first.elapsed), (0, 0));
        let second = active_at(&sc, rot.start_at + rot.every_s).unwrap();
        assert_eq!(second.incident, 1 % sc.incidents.len());
        let n = sc.incidents.len() as u64;
        let wrapped = active_at(&sc, rot.start_at + n * rot.every_s).unwrap();
        assert_eq!((wrapped.incident, wrapped.occurrence), (0, n));
    }

    #[test]
    fn changes_mark_start_and_end_once() {
        let sc = Scenario::embedded().unwrap();
        let rot = sc.rotation.unwrap();
        let dur = sc.incidents[0].duration_s;
        let all: Vec<(u64, IncidentChange)> = (1..=rot.start_at + rot.every_s)
            .flat_map(|t| changes_at(&sc, t).into_iter().map(move |c| (t, c)))
            .collect();
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!((all[0].0, all[0].1.started), (rot.start_at, true));
        assert_eq!((all[1].0, all[1].1.started), (rot.start_at + dur, false));
        assert_eq!(all[0].1.name, all[1].1.name);
        assert!(all[2].1.started);
    }

    #[test]
    fn strength_ramps_and_pulses() {
        let mut e = Effect {
            service: 0,
            fault: SimFaultKind::Latency { ms: 100.0 },
            ramp_s: 10,
            pulse: None,
        };
        assert!((strength(&e, 0, 60) - 0.1).abs() < 1e-12);
        assert_eq!(strength(&e, 30, 60), 1.0);
        assert!((strength(&e, 59, 60) - 0.1).abs() < 1e-12);
        e.fault = SimFaultKind::Kill;
        e.pulse = Some(Pulse { on_s: 5, off_s: 5 });
        assert_eq!(strength(&e, 4, 60), 1.0);
        assert_eq!(strength(&e, 5, 60), 0.0);
        assert_eq!(strength(&e, 10, 60), 1.0);
    }
}
