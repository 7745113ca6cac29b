//! Where alarms and metrics come from: the embedded demo simulator, or live
//! sources — Alertmanager (poll + silences), Prometheus (feeds, targets), the
//! Alertmanager webhook receiver and a spool directory. Each runs on its own
//! tokio task and talks to the core only through `Msg`.

pub mod alertmanager;
pub mod config;
pub mod demo;
pub mod health;
pub mod prometheus;
pub mod simulator;
pub mod spool;
pub mod webhook;
