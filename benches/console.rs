//! Whole-console benchmarks on the release binary in a pseudo-terminal:
//! startup to first frame on the demo, and what an idle console costs
//! (CPU and bytes written to the terminal) — what an operator on a slow SSH
//! link pays. Run: `cargo bench --bench console` (idle takes 60 s;
//! `COCPIT_IDLE_SECS` shortens it).

#[path = "../tests/support/pty.rs"]
mod pty;

use pty::Console;
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`, which may itself contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn main() {
    let runs = 15;
    let mut startup = Vec::new();
    for i in 0..runs {
        let home = tempfile::tempdir().unwrap();
        let j = home.path().join("j.db");
        let t = Instant::now();
        let mut c = Console::start(
            home.path(),
            &["--journal", j.to_str().unwrap(), "--seed", &i.to_string()],
            120,
            40,
        );
        c.wait_for("first frame", Duration::from_secs(10), |s| {
            s.contains("Alarms")
        });
        startup.push(t.elapsed().as_secs_f64() * 1000.0);
        c.send("q");
        c.wait_exit(Duration::from_secs(10));
    }
    startup.sort_by(f64::total_cmp);
    println!(
        "startup to first frame (demo, fresh journal, 120x40, {runs} runs): median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        percentile(&startup, 0.5),
        percentile(&startup, 0.9),
        startup[startup.len() - 1]
    );

    let secs: u64 = std::env::var("COCPIT_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let home = tempfile::tempdir().unwrap();
    let j = home.path().join("j.db");
    let c = Console::start(
        home.path(),
        &["--journal", j.to_str().unwrap(), "--seed", "42"],
        120,
        40,
    );
    c.wait_for("alarms", Duration::from_secs(20), |s| s.contains("FIRING"));
    std::thread::sleep(Duration::from_secs(2));
    let pid = c.pid().expect("pid");
    let (b0, t0, w0) = (c.raw_len(), cpu_ticks(pid).unwrap_or(0), Instant::now());
    std::thread::sleep(Duration::from_secs(secs));
    let (b1, t1, el) = (
        c.raw_len(),
        cpu_ticks(pid).unwrap_or(0),
        w0.elapsed().as_secs_f64(),
    );
    let cpu = (t1 - t0) as f64 / clk_tck() / el * 100.0;
    println!(
        "idle over {el:.0} s (Alarms view, demo running): CPU {cpu:.2} %, terminal output {:.0} bytes/s",
        (b1 - b0) as f64 / el
    );
}
