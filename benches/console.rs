//! Whole-console benchmarks on the release binary in a pseudo-terminal:
//! startup to first frame on the demo, startup on a journal of a million
//! alarm events (first frame, and caught up, without and with a
//! checkpoint), and what an idle console costs (CPU and bytes written to the
//! terminal) — what an operator on a slow SSH link pays. Run: `cargo bench
//! --bench console` (idle takes 60 s, `COCPIT_IDLE_SECS` shortens it; the
//! big journal takes a minute to build, `COCPIT_BIG_EVENTS` sizes it).

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

    big_journal();

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

/// A journal of `COCPIT_BIG_EVENTS` (default 1,000,000) alarm events over
/// 20,000 alarms: raises, updates, acks, resolves, as a month of a busy NOC.
fn big_journal() {
    use chrono::{Duration as C, TimeZone, Utc};
    use cocpit::domain::event::{AlarmAcked, payload};
    use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
    let n: usize = std::env::var("COCPIT_BIG_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("big.db");
    let built = Instant::now();
    let w = cocpit::journal::Writer::spawn(&path).unwrap();
    let t0 = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let mut batch = Vec::with_capacity(5000);
    for i in 0..n {
        let a = i % 20_000;
        let mut labels = std::collections::BTreeMap::new();
        labels.insert("alertname".to_string(), format!("Alarm{}", a % 300));
        labels.insert("service".to_string(), format!("svc-{}", a % 40));
        labels.insert("instance".to_string(), format!("host-{a}"));
        let labels: cocpit::domain::alarm::Labels = labels.into();
        let fp = cocpit::domain::fingerprint(&labels);
        let o = ObservedAlarm {
            fingerprint: fp.clone().into(),
            source: "bulk".into(),
            name: format!("Alarm{}", a % 300).into(),
            severity: Severity::ALL[i % 5],
            labels,
            annotations: Default::default(),
            starts_at: t0,
            generator_url: None,
        };
        let at = t0 + C::seconds(i as i64);
        batch.push(match (i / 20_000) % 4 {
            0 => NewEvent::new(at, "source:bulk", EventKind::AlarmRaised, &fp, payload(&o)),
            1 => NewEvent::new(at, "source:bulk", EventKind::AlarmUpdated, &fp, payload(&o)),
            2 => NewEvent::new(
                at,
                "op",
                EventKind::AlarmAcked,
                &fp,
                payload(&AlarmAcked::default()),
            ),
            _ => NewEvent::new(
                at,
                "source:bulk",
                EventKind::AlarmResolved,
                &fp,
                serde_json::json!({}),
            ),
        });
        if batch.len() == 5000 {
            w.append(std::mem::take(&mut batch));
        }
    }
    w.append(batch);
    w.shutdown().unwrap();
    println!(
        "big journal: {n} alarm events over 20,000 alarms built in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    let j = path.to_str().unwrap().to_string();
    for label in ["no checkpoint", "from the checkpoint the last exit left"] {
        let t = Instant::now();
        let mut c = Console::start(
            home.path(),
            &["--journal", &j, "--operator", "bench"],
            120,
            40,
        );
        c.wait_for("first frame", Duration::from_secs(30), |s| {
            s.contains("Alarms")
        });
        let first = t.elapsed().as_secs_f64() * 1000.0;
        c.wait_for("caught up", Duration::from_secs(600), |s| {
            s.contains("FIRING") && !s.contains("catching up")
        });
        let caught = t.elapsed().as_secs_f64();
        c.send("q");
        c.wait_exit(Duration::from_secs(120));
        println!(
            "start on {n} events, {label}: first frame {first:.0} ms, caught up in {caught:.1} s"
        );
    }
}
