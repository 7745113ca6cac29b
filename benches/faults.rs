//! Fault recovery timing on the release binary with real processes (each
//! fault pauses a real `sleep`; recovery resumes it):
//!
//! 1. watchdog: faults injected CLI-style (the watchdog owns recovery), no
//!    console running; deadline → `fault.recovered` committed.
//! 2. live console: faults injected through the console's inject form in a
//!    pseudo-terminal; the console recovers its own at the deadline.
//! 3. panic key: 50 active faults, `X` `y` in a console; key → all 50
//!    recovered (committed).
//!
//! Run: `cargo bench --bench faults`. Latencies are read from the journal
//! (`fault.recovered` row time minus the fault's deadline).

#[path = "../tests/support/pty.rs"]
mod pty;

use cocpit::domain::fault::FaultLedger;
use cocpit::journal::Journal;
use pty::Console;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_cocpit");

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name}: n={} median {:.1} ms  p99 {:.1} ms  min {:.1} ms  max {:.1} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[0],
        ms[ms.len() - 1]
    );
}

fn sleeper() -> Child {
    Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

fn ledger(journal: &Path) -> FaultLedger {
    let j = Journal::open(journal).unwrap();
    let mut l = FaultLedger::new();
    j.for_each(|ev| {
        l.apply(ev);
    })
    .unwrap();
    l
}

/// Deadline → recovered, in ms, for every recovered fault.
fn latencies(journal: &Path) -> Vec<f64> {
    ledger(journal)
        .all()
        .filter_map(|f| {
            f.ended_at
                .map(|e| (e - f.deadline).num_microseconds().unwrap_or(0) as f64 / 1000.0)
        })
        .collect()
}

fn wait_all_recovered(journal: &Path, n: usize, timeout: Duration) {
    let start = Instant::now();
    loop {
        let l = ledger(journal);
        let done = l
            .all()
            .filter(|f| f.state == cocpit::domain::fault::FaultState::Recovered)
            .count();
        if done >= n {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "{done}/{n} recovered after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `cocpit faults inject process … --yes` from another process (the bench
/// cannot inject itself: its own children are cocpit's process tree).
fn cli_inject(home: &Path, journal: &Path, pid: u32, duration: &str) {
    let out = Command::new(EXE)
        .arg("--config")
        .arg(config(home))
        .args([
            "faults",
            "inject",
            "process",
            "--target",
            &format!("pid:{pid}"),
            "--action",
            "pause",
        ])
        .args(["--duration", duration, "--yes", "--journal"])
        .arg(journal)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn watchdog(n: usize) -> Vec<f64> {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let mut children = Vec::new();
    for _ in 0..n {
        let child = sleeper();
        // Spread deadlines (~100 ms apart) so the watchdog meets them one by one.
        cli_inject(home.path(), &journal, child.id(), "2s");
        std::thread::sleep(Duration::from_millis(60));
        children.push(child);
    }
    wait_all_recovered(&journal, n, Duration::from_secs(30));
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    latencies(&journal)
}

/// A config allowing more live faults than the default blast radius.
fn config(home: &Path) -> std::path::PathBuf {
    let path = home.join("bench.toml");
    std::fs::write(&path, "[faults]\nmax_concurrent = 100\n").unwrap();
    path
}

fn start_console(home: &Path, journal: &Path) -> Console {
    let cfg = config(home);
    let args = [
        "--journal",
        journal.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--seed",
        "1",
        "--operator",
        "bench",
    ];
    let c = Console::start(home, &args, 140, 40);
    c.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("1 Alarms")
    });
    c
}

fn console_deadlines(n: usize) -> Vec<f64> {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let mut c = start_console(home.path(), &journal);
    c.send("4");
    let mut children = Vec::new();
    for _ in 0..n {
        let child = sleeper();
        let pid = child.id().to_string();
        c.send("i");
        c.wait_for("the form", Duration::from_secs(5), |s| {
            s.contains("Inject a fault")
        });
        c.send("\x1b[A\x1b[C");
        for v in [
            format!("pid:{pid}"),
            "pause".into(),
            String::new(),
            "6s".into(),
        ] {
            c.send("\t\x15");
            c.send(&v);
        }
        c.send("\t\t\r");
        c.wait_for("the confirmation", Duration::from_secs(5), |s| {
            s.contains("Confirm injection")
        });
        c.send(&pid);
        c.send("\r");
        c.wait_for("the popup closed", Duration::from_secs(5), |s| {
            !s.contains("Confirm injection")
        });
        children.push(child);
    }
    wait_all_recovered(&journal, n, Duration::from_secs(60));
    c.send("q");
    c.wait_exit(Duration::from_secs(20));
    for mut ch in children {
        let _ = ch.kill();
        let _ = ch.wait();
    }
    let l = ledger(&journal);
    // Only the console's own recoveries count (not a watchdog stepping in).
    assert!(
        l.all().all(|f| f
            .history
            .iter()
            .any(|h| h.actor == "bench" && h.text.starts_with("recovered"))),
        "console recovered all"
    );
    latencies(&journal)
}

fn panic_key(n: usize) -> f64 {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let children: Vec<Child> = (0..n)
        .map(|_| {
            let child = sleeper();
            cli_inject(home.path(), &journal, child.id(), "10m");
            child
        })
        .collect();
    let mut c = start_console(home.path(), &journal);
    c.wait_for("the badge", Duration::from_secs(10), |s| {
        s.contains(&format!("{n} live faults"))
    });
    c.send("X");
    c.wait_for("the panic prompt", Duration::from_secs(5), |s| {
        s.contains("PANIC")
    });
    let pressed = Instant::now();
    c.send("y");
    let j = Journal::open(&journal).unwrap();
    loop {
        let mut done = 0;
        j.for_each(|ev| done += usize::from(ev.kind == "fault.recovered"))
            .unwrap();
        if done >= n {
            break;
        }
        assert!(
            pressed.elapsed() < Duration::from_secs(60),
            "{done}/{n} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = pressed.elapsed().as_secs_f64() * 1000.0;
    for ch in &children {
        let st = std::fs::read_to_string(format!("/proc/{}/stat", ch.id())).unwrap_or_default();
        assert!(!st.contains(") T "), "pid {} still stopped", ch.id());
    }
    c.send("q");
    c.wait_exit(Duration::from_secs(20));
    for mut ch in children {
        let _ = ch.kill();
        let _ = ch.wait();
    }
    took
}

fn main() {
    let n: usize = std::env::var("COCPIT_BENCH_FAULTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    report("watchdog: deadline → recovered", watchdog(n));
    report(
        "live console: deadline → recovered",
        console_deadlines(n.min(20)),
    );
    let rounds: Vec<f64> = (0..5).map(|_| panic_key(50)).collect();
    report("panic key → 50 faults recovered (per round)", rounds);
}
