//! The monthly report over a journal of a million events (the timeline
//! bench's journal: 11.6 days of one row a second): the release `cocpit
//! report monthly 2025-03` run as its own process, its wall time and peak
//! resident memory (`getrusage` of the child). Goal: under 5 s and 200 MB.
//! A plain program: `cargo bench --bench report`.
//!
//! Environment: `COCPIT_BENCH_EVENTS` (default 1,000,000), `RUNS`
//! (default 3), `TMPDIR` = where the scratch journal goes.

#[path = "fixture/mod.rs"]
mod fixture;

use cocpit::domain::NewEvent;
use cocpit::journal::Journal;
use std::time::Instant;

fn max_rss_children_kb() -> i64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    u.ru_maxrss
}

fn main() {
    let n: usize = std::env::var("COCPIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("scratch dir");
    let path = dir.path().join("journal.db");
    let j = Journal::open(&path).expect("journal");
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let batch: Vec<NewEvent> = chunk.iter().map(|&i| fixture::event(i)).collect();
        j.append(&batch).expect("append");
    }
    drop(j);
    println!(
        "journal of {n} events written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let out = dir.path().join("monthly.html");
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_cocpit"))
            .arg("--journal")
            .arg(&path)
            .args(["report", "monthly", "2025-03", "--format", "html", "--out"])
            .arg(&out)
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .status()
            .expect("run cocpit report");
        times.push(t.elapsed().as_secs_f64());
        assert!(status.success(), "cocpit report failed");
    }
    times.sort_by(f64::total_cmp);
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "cocpit report monthly over {n} events: median {:.2} s (min {:.2}, max {:.2}, {runs} runs), peak RSS {:.1} MB, report {} KB",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        max_rss_children_kb() as f64 / 1024.0,
        size / 1024
    );
}
