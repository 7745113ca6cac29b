//! cocpit: a terminal console for alarms, monitoring and chaos drills.
//! See `docs/ARCHITECTURE.md` for how the pieces fit.

pub mod domain;
pub mod journal;
