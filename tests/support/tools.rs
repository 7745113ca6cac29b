//! Outside tools some tests need (servers, `sqlite3`, `nft`, fault-cli).
//! Without one, plain `cargo test` skips exactly the tests that need it and
//! says so in one line; `scripts/test` installs them all, and under `CI=true`
//! a missing tool fails the test instead of skipping it.

#![allow(dead_code)]

use std::path::Path;

/// Whether `tool` (a name looked up on `PATH`, or an absolute path) is
/// there. When it is not: panics under `CI`, else prints one `SKIPPED` line
/// naming the tool and how to get it, and the caller returns.
pub fn have(tool: &str, test: &str) -> bool {
    if found(tool) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {tool} is missing under CI=true (scripts/test installs it)");
    }
    eprintln!("SKIPPED {test}: {tool} is not installed (scripts/test installs it)");
    false
}

/// Every tool of `tools`, each reported as [`have`] does.
pub fn have_all(tools: &[&str], test: &str) -> bool {
    let mut all = true;
    for t in tools {
        // No short cut: every missing tool gets its line.
        all &= have(t, test);
    }
    all
}

pub fn found(tool: &str) -> bool {
    if tool.contains('/') {
        return Path::new(tool).exists();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}
