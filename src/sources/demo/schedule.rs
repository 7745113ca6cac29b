//! Which `sim` faults are in force at each simulated second, from the fault
//! ledger: the demo task's side of the `sim` provider.

use crate::domain::Event;
use crate::domain::fault::sim::from_record;
use tokio::sync::mpsc;

/// The tailer's end: hands the demo task the `fault.*` rows it reads, so
/// the demo applies `sim` faults from the same journal as everyone else.
pub struct SimRows(mpsc::UnboundedSender<Vec<Event>>);

impl SimRows {
    pub fn forward(&self, events: &[Event]) {
        let rows: Vec<_> = events
            .iter()
            .filter(|e| e.kind.starts_with("fault.") || e.kind.starts_with("drill."))
            .cloned()
            .collect();
        if !rows.is_empty() {
            let _ = self.0.send(rows);
        }
    }
}

/// The demo task's end of [`SimRows`].
pub type SimRowsRx = mpsc::UnboundedReceiver<Vec<Event>>;

/// A channel from the tailer to the demo's schedule.
pub fn sim_rows() -> (SimRows, SimRowsRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    (SimRows(tx), rx)
}

/// The demo task's side: which `sim` faults are in force at a simulated
/// moment, from the fault ledger (replayed at start, then fed the journal
/// rows the console tails). A fault is in force from one second after its
/// `fault.active` until one second after it ended: every console sees the
/// rows well within that second, so all of them apply it at the same tick.
#[derive(Default)]
pub struct SimSchedule {
    ledger: crate::domain::fault::FaultLedger,
    rx: Option<tokio::sync::mpsc::UnboundedReceiver<Vec<crate::domain::Event>>>,
    /// Fault id → the simulator's id for it.
    applied: std::collections::HashMap<String, u64>,
    /// Drill id → (started, ended): the scripted incidents pause while a
    /// drill runs.
    drills: std::collections::BTreeMap<String, DrillWindow>,
}

type DrillWindow = (
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
);

impl SimSchedule {
    pub fn new(
        ledger: crate::domain::fault::FaultLedger,
        rx: tokio::sync::mpsc::UnboundedReceiver<Vec<crate::domain::Event>>,
    ) -> SimSchedule {
        SimSchedule {
            ledger,
            rx: Some(rx),
            applied: Default::default(),
            drills: Default::default(),
        }
    }

    /// The drills already on the journal (replayed at start).
    pub fn with_drills(mut self, drills: &crate::domain::drill::drills::Drills) -> SimSchedule {
        for d in drills.drills.values() {
            self.drills.insert(d.id.clone(), (d.started, d.ended));
        }
        self
    }

    fn drill_row(drills: &mut std::collections::BTreeMap<String, DrillWindow>, ev: &Event) {
        match ev.kind.as_str() {
            "drill.started" => {
                drills.insert(ev.subject.clone(), (ev.ts, None));
            }
            "drill.finished" | "drill.interrupted" => {
                if let Some(w) = drills.get_mut(&ev.subject) {
                    w.1.get_or_insert(ev.ts);
                }
            }
            _ => {}
        }
    }

    /// Bring `sim`'s faults in line with the schedule before the step at `at`.
    pub fn apply(
        &mut self,
        sim: &mut crate::sources::simulator::Simulator,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        use crate::domain::fault::FaultState;
        if let Some(rx) = &mut self.rx {
            while let Ok(events) = rx.try_recv() {
                for ev in &events {
                    if ev.kind.starts_with("drill.") {
                        Self::drill_row(&mut self.drills, ev);
                    } else {
                        self.ledger.apply(ev);
                    }
                }
            }
        }
        let margin = chrono::Duration::seconds(1);
        sim.set_quiet(
            self.drills
                .values()
                .any(|(s, e)| *s + margin <= at && e.is_none_or(|e| at < e + margin)),
        );
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
    use crate::domain::EventKind;
    use crate::domain::event::payload;
    use crate::domain::fault::ledger::tests::{ev, intended, t};
    use crate::domain::fault::payloads::{Recovered, WithRecord};
    use crate::domain::fault::sim::{SimFault, SimFaultKind, SimRec};
    use crate::domain::fault::{FaultLedger, Trigger, record};
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
