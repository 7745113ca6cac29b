//! `cocpit drill run|list|abort` for drill scenarios: a headless console
//! (the embedded demo environment unless live sources are configured)
//! that runs one drill to its end and prints a line per phase.

use std::path::PathBuf;

/// A scenario run as the command line asked for it.
#[derive(Debug, Clone)]
pub struct RunOpts {
    /// A scenario id or file.
    pub target: String,
    pub headless: bool,
    pub journal: PathBuf,
    pub operator: String,
    pub junit: Option<PathBuf>,
}

/// Run a drill scenario; the exit code (0: passed).
pub fn run(opts: &RunOpts) -> Result<i32, String> {
    Err(format!("drill {}: not implemented yet", opts.target))
}
