//! `cocpit drill run EXPERIMENT.json|.yaml`: a Chaos Toolkit experiment
//! from the command line, with `chaos run`'s exit-code rule.

use crate::domain::drill::RollbackStrategy;
use crate::domain::fault::limits::FaultsConfig;
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Opts {
    pub file: PathBuf,
    /// Where the Chaos Toolkit journal goes (`./journal.json`).
    pub journal_path: PathBuf,
    pub rollback_strategy: RollbackStrategy,
    /// `--var k=v`, in order.
    pub vars: Vec<(String, String)>,
    pub var_files: Vec<PathBuf>,
    pub junit: Option<PathBuf>,
    /// cocpit's event journal (the run is recorded there too).
    pub events: PathBuf,
    pub operator: String,
    pub faults: FaultsConfig,
}

/// Whether `path` holds a Chaos Toolkit experiment (rather than a cocpit
/// drill scenario).
pub fn is_experiment(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let json = path.extension().is_some_and(|e| e == "json");
    json || text.contains("steady-state-hypothesis")
        || text.lines().any(|l| l.starts_with("method:"))
}

/// Run the experiment; the exit code (`0` only when completed and not
/// deviated).
pub fn run(opts: &Opts) -> Result<i32, String> {
    Err(format!(
        "{}: Chaos Toolkit experiments are not supported yet",
        opts.file.display()
    ))
}
