//! Helpers shared by the integration tests.

pub mod cli;
pub mod console;
pub mod faults;
pub mod pty;
pub mod servers;
pub mod tools;
