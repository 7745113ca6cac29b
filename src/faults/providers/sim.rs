//! `sim`: a fault in the demo environment. Target `sim:SERVICE`; action
//! `latency` (`ms=`), `errors` (`rate=` 0..1), `cpu` (`percent=`), `kill`,
//! `heal` (the scripted incidents leave the service alone while it is in
//! force: how the demo plans in `fixtures/plans/` put the demo right).
//! Nothing is touched outside cocpit: the journal *is* the fault. The demo
//! task of every console on the journal applies `fault.active` and ends it
//! at `fault.recovered` (or any end), each at the simulator tick after the
//! event's time plus one second, so every console's simulator agrees.

use super::super::provider::{Ctx, Health, Provider, record};
use crate::domain::fault::sim::{SimRec, sim_fault};
use crate::domain::fault::{FaultSpec, RecoveryRecord};

pub struct Sim;

impl Provider for Sim {
    fn name(&self) -> &'static str {
        "sim"
    }

    /// The target's form; which services the demo simulates is the
    /// console's to check (it sees the demo's services; see
    /// `app::faults::check_sim`).
    fn validate(&self, spec: &FaultSpec) -> Result<(), String> {
        let service = spec.target.strip_prefix("sim:").unwrap_or("");
        if service.is_empty()
            || !service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(format!(
                "sim: target {:?}: use sim:SERVICE (a service of the demo)",
                spec.target
            ));
        }
        sim_fault(spec).map(|_| ())
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
