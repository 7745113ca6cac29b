//! Fault injection's I/O half: the providers that touch processes, files,
//! networks and APIs ([`provider`], [`providers`]), the executor that runs
//! inject and recover with journaling ([`exec`]), the console's runner
//! ([`console`]), the detached [`watchdog`], probes, the burner child and
//! the `cocpit faults` CLI. Everything pure (spec, ledger, limits, recovery
//! decisions, the provider catalog) is in [`crate::domain::fault`].

pub mod burn;
pub mod cli;
pub mod console;
pub mod exec;
pub mod http;
pub mod probe;
pub mod proc;
pub mod provider;
pub mod providers;
pub mod watchdog;
pub mod watchdog_lock;
