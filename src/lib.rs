//! cocpit: a terminal console for alarms, monitoring and chaos drills.
//! See `docs/ARCHITECTURE.md` for how the pieces fit.

pub mod app;
pub mod config;
pub mod ctk;
pub mod domain;
pub mod faults;
pub mod journal;
pub mod plans;
pub mod report;
pub mod runtime;
pub mod sources;
pub mod spec;
pub mod theme;
pub mod timeline;
pub mod ui;
