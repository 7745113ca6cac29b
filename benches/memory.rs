//! Memory per alarm: N active alarms (default 100,000) posted through the
//! webhook receiver of a headless console (webhook-only mode, so the
//! notifications are the state), in POSTs of 2,500 alerts like a real
//! Alertmanager's grouped notifications, 4 in flight at a time. The alarms
//! go the whole way: webhook → core (ingest diff) → journal writer →
//! tailer → alarm board. When the board shows all N firing and the writer
//! is idle, the process's resident set (`VmRSS`) and its peak (`VmHWM`)
//! are read from `/proc/self/status`.
//!
//! A plain program: `cargo bench --bench memory`.
//! Environment: `COCPIT_BENCH_ALARMS` (default 100,000),
//! `COCPIT_BENCH_BATCH` (alerts per POST, default 2,500).

use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{LiveConfig, WebhookConfig};
use serde_json::json;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One webhook v4 notification of alerts `from..to`: what Alertmanager
/// sends for a group (eight labels, three annotations per alert).
fn notification(from: usize, to: usize) -> Vec<u8> {
    let alerts: Vec<_> = (from..to)
        .map(|i| {
            let service = ["payments", "checkout", "search", "auth", "ledger"][i % 5];
            let severity = ["critical", "warning", "info"][i % 3];
            json!({
                "status": "firing",
                "labels": {
                    "alertname": format!("Synthetic{}", i % 50),
                    "service": service,
                    "severity": severity,
                    "instance": format!("host-{i:06}:9100"),
                    "job": "node",
                    "team": format!("team-{}", i % 7),
                    "env": "prod",
                    "cluster": "eu-west-1",
                },
                "annotations": {
                    "summary": format!("synthetic alert {i} for {service}"),
                    "description": format!("host-{i:06} has been above the threshold for 5 minutes"),
                    "runbook_url": "https://runbooks.example.invalid/synthetic",
                },
                "startsAt": "2026-11-25T16:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.invalid:9090/graph?g0.expr=synthetic",
                "fingerprint": format!("{i:016x}"),
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "version": "4",
        "groupKey": format!("{{}}:{{batch=\"{from}\"}}"),
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "cocpit",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.invalid:9093",
        "alerts": alerts,
    }))
    .unwrap_or_default()
}

fn main() {
    let n = env_usize("COCPIT_BENCH_ALARMS", 100_000);
    let batch = env_usize("COCPIT_BENCH_BATCH", 2_500).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    rt.block_on(async {
        let mut webhook = WebhookConfig::on("127.0.0.1:0".parse().expect("addr"));
        webhook.max_body_bytes = 64 << 20;
        let cfg = LiveConfig {
            webhook: Some(webhook),
            ..LiveConfig::default()
        };
        let mut h = Headless::start(&dir.path().join("j.db"), "bench", cfg)
            .await
            .expect("headless console");
        let url = format!("http://{}/", h.sources.webhook_addr.expect("webhook address"));
        let body_bytes: usize = notification(0, batch.min(n)).len() * n.div_ceil(batch);
        let rss0 = status_kib("VmRSS:");
        let start = Instant::now();
        let client = reqwest::Client::new();
        let sender = tokio::spawn(async move {
            use futures::StreamExt;
            // Each body is built when it is sent, so the figures hold the
            // console's memory, not the benchmark's.
            let statuses: Vec<u16> = futures::stream::iter((0..n).step_by(batch))
                .map(|from| {
                    let c = client.clone();
                    let u = url.clone();
                    let b = notification(from, (from + batch).min(n));
                    async move {
                        match c.post(&u).body(b).send().await {
                            Ok(r) => r.status().as_u16(),
                            Err(_) => 0,
                        }
                    }
                })
                .buffer_unordered(4)
                .collect()
                .await;
            statuses
        });
        let all = h
            .until(Duration::from_secs(600), |s| s.counts.firing >= n)
            .await;
        let ingested = start.elapsed();
        let statuses = sender.await.unwrap_or_default();
        assert!(
            all,
            "only {} of {n} alarms on the board; replies {statuses:?}",
            h.state.counts.firing
        );
        // Let the writer and tailer go idle and the webhook hand back what
        // the burst freed (2 s and 15 s after it), then read the figures.
        h.pump(Duration::from_secs(20)).await;
        let rss = status_kib("VmRSS:");
        let hwm = status_kib("VmHWM:");
        // SAFETY: mallinfo2 only reads the allocator's counters.
        let info = unsafe { libc::mallinfo2() };
        eprintln!(
            "malloc: in use {:.1} MiB, free in arenas {:.1} MiB, mmap {:.1} MiB; interned strings {}",
            info.uordblks as f64 / 1048576.0,
            info.fordblks as f64 / 1048576.0,
            info.hblkhd as f64 / 1048576.0,
            cocpit::domain::labels::pool_len()
        );
        let mib = |k: u64| k as f64 / 1024.0;
        println!(
            "{n} alarms in {} POSTs of {batch} (~{:.1} MiB of JSON), on the board after {:.1} s",
            n.div_ceil(batch),
            body_bytes as f64 / 1048576.0,
            ingested.as_secs_f64()
        );
        println!("| measure | value |");
        println!("|---|---:|");
        println!("| RSS before the first POST | {:.1} MiB |", mib(rss0));
        println!("| RSS with {n} active alarms | {:.1} MiB |", mib(rss));
        println!("| peak RSS (VmHWM) | {:.1} MiB |", mib(hwm));
        println!(
            "| growth per alarm | {:.2} KiB |",
            rss.saturating_sub(rss0) as f64 / n as f64
        );
        h.shutdown();
    });
}
