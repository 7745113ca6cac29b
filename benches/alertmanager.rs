//! Alertmanager polling: 10,000 alerts posted to a real Alertmanager (Debian's
//! 0.25 on a free loopback port), then, in one run and interleaved so each
//! sees the same machine state:
//!
//! - cocpit's full cycle: GET /api/v2/alerts + /api/v2/silences +
//!   /api/v2/status (as the poller does, concurrently), parse, merge, and the ingest diff into
//!   journal events (a steady-state cycle: nothing changed);
//! - `amtool alert query -o json` (process start, fetch, parse, print);
//! - `curl -s -o /dev/null` of /api/v2/alerts (a bare HTTP fetch);
//! - a bare in-process fetch of /api/v2/alerts with reqwest (bytes only).
//!
//! Memory: cocpit's resident-set growth for holding the 10,000 parsed
//! alarms (poll + ingest ledger), and each tool's peak RSS (sampled VmHWM).
//! A plain program: `cargo bench --bench alertmanager`.
//! Environment: `COCPIT_BENCH_ALERTS` (default 10,000), `COCPIT_BENCH_CYCLES`
//! (default 20).

#[path = "../tests/support/servers.rs"]
mod servers;
#[path = "../tests/support/tools.rs"]
mod tools;

use chrono::{Duration as CDuration, Utc};
use cocpit::app::alarms::ingest::Ingest;
use cocpit::sources::alertmanager::{self, Member};
use cocpit::sources::config::Endpoint;
use serde_json::json;
use servers::{AMTOOL, Alertmanager};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Run a command to completion: (wall time, peak RSS in KiB). The peak is
/// the child's `VmHWM`, sampled every millisecond while it runs (wait4's
/// `ru_maxrss` would report this process's size for a vfork-spawned child).
fn run_measured(cmd: &mut Command) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_path).ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        }) {
            peak = peak.max(hwm);
        }
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let wall = start.elapsed();
    assert!(status.success(), "{cmd:?} failed");
    (wall, peak)
}

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| ms(v[((v.len() as f64 - 1.0) * q).round() as usize]);
    (p(0.5), p(0.9), ms(v[v.len() - 1]))
}

fn main() {
    let n = env_usize("COCPIT_BENCH_ALERTS", 10_000);
    let cycles = env_usize("COCPIT_BENCH_CYCLES", 20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let am = Alertmanager::start(None);
    let url = am.url();
    println!("alertmanager at {url}, posting {n} alerts");

    let client = alertmanager::client().expect("client");
    rt.block_on(async {
        let ends = (Utc::now() + CDuration::hours(2)).to_rfc3339();
        for chunk in (0..n).collect::<Vec<_>>().chunks(1_000) {
            let batch: Vec<_> = chunk
                .iter()
                .map(|i| {
                    let service = ["payments", "checkout", "search", "auth", "ledger"][i % 5];
                    let severity = ["critical", "warning", "info"][i % 3];
                    json!({
                        "labels": {
                            "alertname": format!("Synthetic{}", i % 50),
                            "service": service,
                            "severity": severity,
                            "instance": format!("host-{i:06}"),
                            "team": format!("team-{}", i % 7),
                        },
                        "annotations": {
                            "summary": format!("synthetic alert {i} for {service}"),
                            "runbook_url": "https://runbooks.example.invalid/synthetic",
                        },
                        "endsAt": ends,
                        "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=synthetic",
                    })
                })
                .collect();
            let r = client
                .post(format!("{url}/api/v2/alerts"))
                .json(&batch)
                .send()
                .await
                .expect("POST alerts");
            assert!(r.status().is_success());
        }
    });

    let member = Member {
        name: "bench".into(),
        endpoint: Endpoint::parse(&url).expect("url"),
        max_response_bytes: usize::MAX,
    };
    // Wait until the Alertmanager serves all of them.
    let start = Instant::now();
    loop {
        let got = rt
            .block_on(member.alerts(&client))
            .map(|a| a.len())
            .unwrap_or(0);
        if got >= n {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {got} alerts"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // cocpit: first cycle (raises everything) and memory.
    let rss0 = rss_kib();
    let mut ingest = Ingest::default();
    let first = Instant::now();
    let events = rt.block_on(async {
        let p = alertmanager::poll_member(&member, &client, true)
            .await
            .expect("poll");
        let (firing, _state) = alertmanager::merge("bench", &[&p], Utc::now());
        ingest.diff("bench", firing, Utc::now(), "source:bench")
    });
    let first = first.elapsed();
    assert_eq!(events.len(), n);
    drop(events);
    let rss1 = rss_kib();

    let mut cocpit = Vec::new();
    let mut amtool = Vec::new();
    let mut curl = Vec::new();
    let mut bare = Vec::new();
    let (mut amtool_rss, mut curl_rss) = (0, 0);
    let mut body_len = 0;
    for _ in 0..cycles {
        let t = Instant::now();
        let changed = rt.block_on(async {
            let p = alertmanager::poll_member(&member, &client, true)
                .await
                .expect("poll");
            let (firing, _state) = alertmanager::merge("bench", &[&p], Utc::now());
            ingest
                .diff("bench", firing, Utc::now(), "source:bench")
                .len()
        });
        cocpit.push(t.elapsed());
        assert_eq!(changed, 0, "steady state: nothing to journal");

        let (d, rss) = run_measured(
            Command::new(AMTOOL)
                .arg(format!("--alertmanager.url={url}"))
                .args(["alert", "query", "-o", "json"]),
        );
        amtool.push(d);
        amtool_rss = amtool_rss.max(rss);

        let (d, rss) = run_measured(Command::new("curl").args([
            "-s",
            "-f",
            "-o",
            "/dev/null",
            &format!("{url}/api/v2/alerts"),
        ]));
        curl.push(d);
        curl_rss = curl_rss.max(rss);

        let t = Instant::now();
        body_len = rt
            .block_on(member.get(&client, "api/v2/alerts"))
            .expect("GET")
            .len();
        bare.push(t.elapsed());
    }

    let c = stats(cocpit);
    let a = stats(amtool);
    let u = stats(curl);
    let b = stats(bare);
    println!(
        "{n} alerts, /api/v2/alerts body {:.1} MiB, {cycles} cycles each (interleaved)",
        body_len as f64 / 1048576.0
    );
    println!("| what | median | p90 | max | peak RSS |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| cocpit cycle: GET alerts + silences + status, parse, merge, diff | {:.1} ms | {:.1} ms | {:.1} ms | +{:.1} MiB held |",
        c.0,
        c.1,
        c.2,
        (rss1.saturating_sub(rss0)) as f64 / 1024.0
    );
    println!(
        "| `amtool alert query -o json` | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MiB |",
        a.0,
        a.1,
        a.2,
        amtool_rss as f64 / 1024.0
    );
    println!(
        "| `curl -s -o /dev/null …/api/v2/alerts` | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MiB |",
        u.0,
        u.1,
        u.2,
        curl_rss as f64 / 1024.0
    );
    println!(
        "| bare GET in-process (reqwest, bytes only) | {:.1} ms | {:.1} ms | {:.1} ms | |",
        b.0, b.1, b.2
    );
    println!(
        "first cycle (raises all {n}): {:.1} ms",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "ratios (medians): cocpit/amtool {:.2}, cocpit/curl {:.2}, cocpit/bare GET {:.2}",
        c.0 / a.0,
        c.0 / u.0,
        c.0 / b.0
    );
}
