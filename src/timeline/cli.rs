//! `cocpit timeline --since 2h [--drill ID] [--format text|json]`.

use std::path::Path;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How far back: `90s`, `15m`, `2h`, `1d`
    #[arg(long, default_value = "2h")]
    pub since: String,
    /// Only the window of this drill
    #[arg(long, value_name = "ID")]
    pub drill: Option<String>,
    /// `text` (one line per span and marker) or `json`
    #[arg(long, default_value = "text")]
    pub format: String,
}

pub fn run(_journal: &Path, _args: &Args) -> Result<i32, String> {
    Err("cocpit timeline: not implemented yet".into())
}
