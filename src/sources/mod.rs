//! Where alarms and metrics come from. For now only the embedded demo
//! simulator; Alertmanager, Prometheus, webhook and spool sources join later.

pub mod demo;
pub mod simulator;
