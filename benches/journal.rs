//! Journal benchmarks: append throughput through the `Writer` thread, raw
//! `Journal::append` for comparison (with and without the two secondary
//! indexes, to show what they cost), board rebuild, chain verify and export
//! over the resulting journal. A plain program: `cargo bench --bench journal`.
//!
//! Environment: `COCPIT_BENCH_EVENTS` (default 1,000,000),
//! `COCPIT_BENCH_ALARMS` = distinct fingerprints the events cycle through
//! (default 1,000), `TMPDIR` = where the scratch journals go.

use chrono::{TimeZone, Utc};
use cocpit::domain::event::payload;
use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
use cocpit::journal::{Journal, Writer};
use std::path::Path;
use std::time::{Duration, Instant};

/// Events per `Writer::append` call, as a source delivering a poll's worth.
const BATCH: usize = 1_000;
/// Events per transaction in the raw comparison: the writer's batch cap.
const RAW_TX: usize = 10_000;

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
    ];
    let obs = ObservedAlarm {
        fingerprint: fp.clone().into(),
        source: "alertmanager:prod".into(),
        name: "HighRequestLatency".into(),
        severity: Severity::Major,
        labels: labels.map(|(k, v)| (k.to_string(), v)).into(),
        annotations: [("summary".to_string(), format!("p99 of {service} above 2s"))].into(),
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
        "{:>9.0} events/s ({n} in {:.2} s)",
        n as f64 / d.as_secs_f64(),
        d.as_secs_f64()
    )
}

/// Events are built before the clock starts; rendering them to row text
/// (done by `append` on the caller's thread) and everything after is timed,
/// up to `flush` returning, i.e. all rows committed and fsynced.
fn writer_throughput(path: &Path, n: usize, alarms: usize, without_indexes: bool) -> Duration {
    let batches: Vec<Vec<NewEvent>> = (0..n / BATCH)
        .map(|b| (0..BATCH).map(|i| raised(b * BATCH + i, alarms)).collect())
        .collect();
    let writer = Writer::spawn(path).expect("spawn writer");
    if without_indexes {
        drop_indexes(path);
    }
    let t = Instant::now();
    for b in batches {
        writer.append(b);
    }
    let queued = t.elapsed();
    writer.flush().expect("flush");
    let d = t.elapsed();
    println!(
        "  (caller side of that, rendering rows and queueing: {:.2} s)",
        queued.as_secs_f64()
    );
    writer.shutdown().expect("shutdown");
    d
}

/// One thread, `RAW_TX` events per `BEGIN IMMEDIATE … COMMIT` (fsynced),
/// rendering included.
fn raw_inserts(path: &Path, n: usize, alarms: usize, without_indexes: bool) -> Duration {
    let chunk: Vec<NewEvent> = (0..RAW_TX).map(|i| raised(i, alarms)).collect();
    let j = Journal::open(path).expect("open");
    if without_indexes {
        drop_indexes(path);
    }
    let t = Instant::now();
    for _ in 0..n / RAW_TX {
        j.append(&chunk).expect("append");
    }
    t.elapsed()
}

/// For comparison only: what the two secondary indexes cost.
fn drop_indexes(path: &Path) {
    let c = rusqlite::Connection::open(path).expect("open raw");
    c.execute_batch("DROP INDEX events_kind;")
        .expect("drop indexes");
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env_or("COCPIT_BENCH_EVENTS", 1_000_000);
    let alarms = env_or("COCPIT_BENCH_ALARMS", 1_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = serde_json::to_string(&raised(0, alarms).payload).unwrap_or_default();
    println!(
        "journal: {n} alarm.raised events over {alarms} fingerprints, payload {} bytes, in {}",
        sample.len(),
        dir.path().display()
    );

    let bare = dir.path().join("bare-writer.db");
    let d = writer_throughput(&bare, n, alarms, true);
    println!("Writer, no indexes                  {}", rate(n, d));
    let _ = std::fs::remove_file(&bare);

    let path = dir.path().join("writer.db");
    let d = writer_throughput(&path, n, alarms, false);
    println!("Writer::append x{BATCH} + flush        {}", rate(n, d));

    let raw = dir.path().join("raw.db");
    let d = raw_inserts(&raw, n, alarms, false);
    println!("raw append, {RAW_TX}/tx               {}", rate(n, d));
    let _ = std::fs::remove_file(&raw);

    let bare = dir.path().join("bare.db");
    let d = raw_inserts(&bare, n, alarms, true);
    println!("raw append, {RAW_TX}/tx, no indexes  {}", rate(n, d));
    let _ = std::fs::remove_file(&bare);

    let j = Journal::open(&path).expect("open");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("journal file: {:.0} MiB", size as f64 / (1024.0 * 1024.0));

    let t = Instant::now();
    let board = j.rebuild_board().expect("rebuild");
    let d = t.elapsed();
    println!(
        "rebuild_board                       {} -> {} alarms",
        rate(n, d),
        board.len()
    );

    let t = Instant::now();
    let report = j.verify().expect("verify");
    let d = t.elapsed();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_checked, n as u64);
    println!("verify                              {}", rate(n, d));

    let t = Instant::now();
    let rows = j.export_jsonl(&mut std::io::sink()).expect("export");
    let d = t.elapsed();
    assert_eq!(rows, n as u64);
    println!("export_jsonl (to a sink)            {}", rate(n, d));
}
