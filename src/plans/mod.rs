//! Contingency plans' I/O half: the executor that runs a step's action
//! ([`exec`]: child processes by argv in their own process group, HTTP,
//! waits, probes, notifications), the headless runner that drives one
//! [`crate::domain::plan::PlanRun`] against the journal ([`runner`]), and
//! the `cocpit plan` / `cocpit check` commands ([`cli`]). The run itself is
//! the pure machine in `domain::plan::run`; nothing here decides what runs
//! next.

pub mod cli;
pub mod exec;
pub mod runner;

pub use exec::{ExecSettings, Job, Jobs};
