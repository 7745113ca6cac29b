//! Journal benchmarks: append throughput through the `Writer` thread and raw
//! single-transaction inserts for comparison, board rebuild and chain verify
//! over a large journal. A plain program: `cargo bench --bench journal`.
//! `COCPIT_BENCH_EVENTS` overrides the event count (default 1,000,000).

use chrono::{TimeZone, Utc};
use cocpit::domain::event::payload;
use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
use cocpit::journal::{Journal, Writer};
use std::path::Path;
use std::time::{Duration, Instant};

const BATCH: usize = 1_000;

/// An `alarm.raised` as the Alertmanager source produces it (~300 bytes of JSON).
fn raised(i: usize, alarms: usize) -> NewEvent {
    let fp = format!("{:016x}", (i % alarms) as u64 * 0x9e37_79b9_7f4a_7c15);
    let service = ["payments", "checkout", "search", "auth", "ledger"][i % 5];
    let labels = [
        ("alertname", "HighRequestLatency".to_string()),
        ("service", service.to_string()),
        (
            "instance",
            format!("{service}-{}.prod.internal:9100", i % 40),
        ),
        ("severity", "major".to_string()),
        ("team", "sre-core".to_string()),
    ];
    let annotations = [("summary", format!("p99 of {service} above 2s"))];
    let obs = ObservedAlarm {
        fingerprint: fp.clone(),
        source: "alertmanager:prod".into(),
        name: "HighRequestLatency".into(),
        severity: Severity::Major,
        labels: labels.map(|(k, v)| (k.to_string(), v)).into(),
        annotations: annotations.map(|(k, v)| (k.to_string(), v)).into(),
        starts_at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        generator_url: None,
    };
    NewEvent::new(
        Utc.timestamp_opt(1_700_000_000 + i as i64, (i % 1_000_000_000) as u32)
            .unwrap(),
        "alertmanager:prod",
        EventKind::AlarmRaised,
        fp,
        payload(&obs),
    )
}

fn rate(n: usize, d: Duration) -> String {
    format!(
        "{:>10.0} events/s  ({n} events in {:.2} s)",
        n as f64 / d.as_secs_f64(),
        d.as_secs_f64()
    )
}

fn writer_throughput(path: &Path, n: usize, alarms: usize) -> Duration {
    let t = Instant::now();
    let batches: Vec<Vec<NewEvent>> = (0..n / BATCH)
        .map(|b| (0..BATCH).map(|i| raised(b * BATCH + i, alarms)).collect())
        .collect();
    println!(
        "  (building {n} events in memory took {:.2} s, not counted)",
        t.elapsed().as_secs_f64()
    );
    let writer = Writer::spawn(path).expect("spawn writer");
    let t = Instant::now();
    for b in batches {
        writer.append(b);
    }
    let queued = t.elapsed();
    writer.flush().expect("flush");
    println!(
        "  (the producer's share, rendering and queueing: {:.2} s)",
        queued.as_secs_f64()
    );
    let d = t.elapsed();
    writer.shutdown().expect("shutdown");
    d
}

fn raw_inserts(path: &Path, n: usize, alarms: usize) -> Duration {
    let chunk: Vec<NewEvent> = (0..10_000).map(|i| raised(i, alarms)).collect();
    let j = Journal::open(path).expect("open");
    let t = Instant::now();
    for _ in 0..n / chunk.len() {
        j.append(&chunk).expect("append");
    }
    t.elapsed()
}

fn main() {
    let n: usize = std::env::var("COCPIT_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let alarms: usize = std::env::var("COCPIT_BENCH_ALARMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = serde_json::to_string(&raised(0, alarms).payload).unwrap_or_default();
    println!(
        "journal benchmarks: {n} alarm.raised events, payload {} bytes",
        sample.len()
    );

    let path = dir.path().join("writer.db");
    let d = writer_throughput(&path, n, alarms);
    println!(
        "append via Writer (batches of {BATCH}, then flush): {}",
        rate(n, d)
    );

    let raw_path = dir.path().join("raw.db");
    let d = raw_inserts(&raw_path, n, alarms);
    println!(
        "raw Journal::append, 10,000 per transaction:      {}",
        rate(n, d)
    );

    let j = Journal::open(&path).expect("open");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("journal file: {:.0} MiB", size as f64 / (1024.0 * 1024.0));

    let t = Instant::now();
    let board = j.rebuild_board().expect("rebuild");
    let d = t.elapsed();
    println!(
        "rebuild_board:  {:.2} s ({} alarms, last id {})  {}",
        d.as_secs_f64(),
        board.len(),
        board.last_event_id,
        rate(n, d)
    );

    let t = Instant::now();
    let report = j.verify().expect("verify");
    let d = t.elapsed();
    assert!(report.is_intact(), "{report}");
    println!(
        "verify:         {:.2} s ({} rows)  {}",
        d.as_secs_f64(),
        report.rows_checked,
        rate(n, d)
    );

    let t = Instant::now();
    let rows = j.export_jsonl(&mut std::io::sink()).expect("export");
    let d = t.elapsed();
    println!(
        "export_jsonl:   {:.2} s ({rows} rows)  {}",
        d.as_secs_f64(),
        rate(n, d)
    );
}
