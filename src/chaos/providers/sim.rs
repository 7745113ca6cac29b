//! `sim`: a fault in the demo environment. Target `sim:SERVICE`; action
//! `latency` (`ms=`), `errors` (`rate=` 0..1), `cpu` (`percent=`), `kill`.
//! Nothing is touched outside cocpit: the journal *is* the fault. The demo
//! task of every console on the journal applies `fault.active` and ends it
//! at `fault.recovered` (or any end), each at the simulator tick after the
//! event's time plus one second, so every console's simulator agrees.

use super::super::provider::{Ctx, Health, Provider, data, opt_param, record};
use super::super::{FaultSpec, RecoveryRecord, target_name};
use crate::sources::simulator::{SimFault, SimFaultKind};
use serde::{Deserialize, Serialize};

pub struct Sim;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SimRec {
    pub fault: SimFault,
}

fn number(spec: &FaultSpec, key: &str, default: f64) -> Result<f64, String> {
    match opt_param(spec, key) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{key}={v:?} is not a number")),
        None => Ok(default),
    }
}

/// The simulator fault a spec asks for.
pub fn sim_fault(spec: &FaultSpec) -> Result<SimFault, String> {
    let kind = match spec.action.as_str() {
        "latency" | "" => SimFaultKind::Latency {
            ms: number(spec, "ms", 800.0)?,
        },
        "errors" => SimFaultKind::Errors {
            rate: number(spec, "rate", 0.3)?,
        },
        "cpu" => SimFaultKind::Cpu {
            percent: number(spec, "percent", 60.0)?,
        },
        "kill" => SimFaultKind::Kill,
        other => {
            return Err(format!(
                "sim: unknown action {other:?} (latency, errors, cpu, kill)"
            ));
        }
    };
    kind.check()?;
    let service = target_name(&spec.target).to_string();
    if service.is_empty() {
        return Err("sim: target sim:SERVICE".into());
    }
    Ok(SimFault { service, kind })
}

/// The simulator fault in a `sim` record, if it is one.
pub fn from_record(record: &RecoveryRecord) -> Option<SimFault> {
    (record.provider == "sim")
        .then(|| data::<SimRec>(record).ok())
        .flatten()
        .map(|r| r.fault)
}

impl Provider for Sim {
    fn name(&self) -> &'static str {
        "sim"
    }

    fn usage(&self) -> &'static str {
        "target sim:SERVICE; action latency (ms=) | errors (rate=) | cpu (percent=) | kill"
    }

    fn prepare(&self, spec: &FaultSpec, _ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let fault = sim_fault(spec)?;
        Ok(record(self.name(), fault.to_string(), &SimRec { fault }))
    }

    fn inject(
        &self,
        _spec: &FaultSpec,
        _ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        Ok(prepared.clone())
    }

    fn recover(&self, _record: &RecoveryRecord) -> Result<String, String> {
        Ok("the demo simulator drops it at the next tick".into())
    }

    fn check(&self, _record: &RecoveryRecord) -> Health {
        Health::Unknown("held by the demo simulator".into())
    }
}

/// The demo task's side: which `sim` faults are in force at a simulated
/// moment, from the fault ledger (replayed at start, then fed the journal
/// rows the console tails). A fault is in force from one second after its
/// `fault.active` until one second after it ended: every console sees the
/// rows well within that second, so all of them apply it at the same tick.
#[derive(Default)]
pub struct SimSchedule {
    ledger: crate::chaos::FaultLedger,
    rx: Option<tokio::sync::mpsc::UnboundedReceiver<Vec<crate::domain::Event>>>,
    /// Fault id → the simulator's id for it.
    applied: std::collections::HashMap<String, u64>,
}

impl SimSchedule {
    pub fn new(
        ledger: crate::chaos::FaultLedger,
        rx: tokio::sync::mpsc::UnboundedReceiver<Vec<crate::domain::Event>>,
    ) -> SimSchedule {
        SimSchedule {
            ledger,
            rx: Some(rx),
            applied: Default::default(),
        }
    }

    /// Bring `sim`'s faults in line with the schedule before the step at `at`.
    pub fn apply(
        &mut self,
        sim: &mut crate::sources::simulator::Simulator,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        use crate::chaos::FaultState;
        if let Some(rx) = &mut self.rx {
            while let Ok(events) = rx.try_recv() {
                for ev in &events {
                    self.ledger.apply(ev);
                }
            }
        }
        let margin = chrono::Duration::seconds(1);
        let mut wanted = std::collections::HashMap::new();
        for f in self.ledger.all() {
            let (Some(rec), Some(since)) = (&f.record, f.active_at) else {
                continue;
            };
            let Some(fault) = from_record(rec) else {
                continue;
            };
            let end = match f.state {
                FaultState::Recovered | FaultState::Failed | FaultState::Dismissed => f.ended_at,
                _ => None,
            };
            if since + margin <= at && end.is_none_or(|e| at < e + margin) {
                wanted.insert(f.id.clone(), fault);
            }
        }
        self.applied.retain(|id, sim_id| {
            let keep = wanted.contains_key(id);
            if !keep {
                sim.clear(*sim_id);
            }
            keep
        });
        for (id, fault) in wanted {
            self.applied.entry(id).or_insert_with(|| sim.inject(fault));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::ledger::tests::{ev, intended, t};
    use crate::chaos::payloads::{Recovered, WithRecord};
    use crate::chaos::{FaultLedger, Trigger};
    use crate::domain::EventKind;
    use crate::domain::event::payload;
    use crate::sources::simulator::{Scenario, Simulator};

    #[test]
    fn a_sim_fault_is_in_force_one_second_after_active_until_one_after_its_end() {
        let fault = SimFault {
            service: "payments".into(),
            kind: SimFaultKind::Kill,
        };
        let rec = record(
            "sim",
            "payments: kill",
            &SimRec {
                fault: fault.clone(),
            },
        );
        let mut ledger = FaultLedger::new();
        ledger.apply(&intended(1, 0, "f1", "c"));
        ledger.apply(&ev(
            2,
            10,
            EventKind::FaultActive,
            "f1",
            payload(&WithRecord { record: rec }),
        ));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut sched = SimSchedule::new(ledger, rx);
        let mut sim = Simulator::new(Scenario::embedded().unwrap(), 1);
        sched.apply(&mut sim, t(10));
        assert!(
            sim.active_faults().is_empty(),
            "not at the event's own second"
        );
        sched.apply(&mut sim, t(11));
        assert_eq!(sim.active_faults().len(), 1);
        assert_eq!(sim.active_faults()[0].1, fault);
        // The end arrives through the channel, as the tailer sends it.
        tx.send(vec![ev(
            3,
            20,
            EventKind::FaultRecovered,
            "f1",
            payload(&Recovered {
                trigger: Trigger::Operator,
                detail: String::new(),
            }),
        )])
        .unwrap();
        sched.apply(&mut sim, t(20));
        assert_eq!(
            sim.active_faults().len(),
            1,
            "still in force at the end's own second"
        );
        sched.apply(&mut sim, t(21));
        assert!(sim.active_faults().is_empty());
    }
}
