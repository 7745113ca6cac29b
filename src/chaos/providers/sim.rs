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
