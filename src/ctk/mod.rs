//! Chaos Toolkit experiments, run natively: an experiment file as `chaos
//! run` takes it, its activities (`process`, `http`) run here, and a
//! Chaos Toolkit-compatible `journal.json` written at the end.

pub mod cli;
pub mod console;
pub mod exec;
