//! Running the real `cocpit` binary as a script would (no terminal), with
//! its XDG directories inside a test's home, and journals to run it on.

#![allow(dead_code)]

use chrono::Utc;
use cocpit::domain::{EventKind, NewEvent};
use cocpit::journal::Writer;
use serde_json::json;
use std::path::Path;
use std::process::Command;

pub fn cocpit(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("COCPIT_JOURNAL")
        .output()
        .expect("run cocpit")
}

/// A journal of `n` notes, written through the writer as a console would.
pub fn journal_with_events(path: &Path, n: usize) {
    let w = Writer::spawn(path).unwrap();
    let events = (0..n)
        .map(|i| {
            NewEvent::new(
                Utc::now(),
                "alice@h",
                EventKind::AlarmNoteAdded,
                format!("fp{i}"),
                json!({"text": i}),
            )
        })
        .collect();
    w.append(events);
    w.shutdown().unwrap();
}
