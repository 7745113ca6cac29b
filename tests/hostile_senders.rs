//! Hostile and careless senders against a headless console: concurrent
//! POSTs on a large firing set, a full firing set, half-open connections,
//! an Alertmanager answering without end, a huge spool file. Memory is read
//! from `/proc/self/status` (VmRSS, sampled while the test runs); the tests
//! of this file run one at a time (one process, one resident set).

use cocpit::app::State;
use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{AlertmanagerConfig, Dur, LiveConfig, SpoolConfig, WebhookConfig};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Each test has its own runtime; this keeps them from running together.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
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

/// The highest VmRSS seen from `start` to `stop` (sampled every 5 ms).
struct Peak {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Peak {
    fn start() -> Peak {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_kib()));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Peak {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    /// Peak resident set in MiB.
    fn stop(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed).max(rss_kib()) as f64 / 1024.0
    }
}

fn mib_now() -> f64 {
    rss_kib() as f64 / 1024.0
}

/// A webhook v4 notification of `n` firing alerts named `prefix-<i>`.
fn notification(prefix: &str, from: usize, n: usize) -> Vec<u8> {
    let alerts: Vec<_> = (from..from + n)
        .map(|i| {
            json!({
                "status": "firing",
                "labels": {"alertname": format!("{prefix}{}", i % 40), "instance": format!("{prefix}-{i:06}"),
                           "severity": "warning", "job": "node", "team": "noc"},
                "annotations": {"summary": format!("{prefix} alert {i} has been firing for a while now")},
                "startsAt": "2026-11-25T16:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": format!("{prefix}{i:012x}"),
            })
        })
        .collect();
    serde_json::to_vec(
        &json!({"version": "4", "groupKey": format!("{{}}:{{g=\"{prefix}{from}\"}}"),
        "status": "firing", "receiver": "cocpit", "alerts": alerts}),
    )
    .unwrap()
}

fn firing(s: &State) -> usize {
    s.counts.firing
}

async fn webhook_console(dir: &std::path::Path, cfg: WebhookConfig) -> (Headless, String) {
    let live = LiveConfig {
        webhook: Some(cfg),
        ..LiveConfig::default()
    };
    let h = Headless::start(&dir.join("j.db"), "op", live)
        .await
        .unwrap();
    let url = format!("http://{}/alertmanager", h.sources.webhook_addr.unwrap());
    (h, url)
}

/// The issue's 18.5k firing + 200 concurrent small POSTs took 92 MB to
/// 1.31 GB: every POST copied the whole firing set. Now a POST costs its
/// own alerts, whatever the size of the set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_on_a_large_firing_set_stay_small() {
    let _one = alone().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = WebhookConfig {
        max_body_bytes: 4 << 20,
        ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
    };
    let (mut h, url) = webhook_console(dir.path(), cfg).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    const BASE: usize = 20_000;
    for from in (0..BASE).step_by(2_500) {
        let r = client
            .post(&url)
            .body(notification("Base", from, 2_500))
            .send();
        let r = tokio::spawn(r);
        assert!(
            h.until(Duration::from_secs(60), |s| firing(s) >= from + 2_500)
                .await,
            "base load stuck at {}",
            firing(&h.state)
        );
        assert_eq!(r.await.unwrap().unwrap().status(), 200);
    }
    h.pump(Duration::from_secs(1)).await;
    let before = mib_now();
    let peak = Peak::start();
    let mut posts = Vec::new();
    for i in 0..200 {
        let (c, u) = (client.clone(), url.clone());
        posts.push(tokio::spawn(async move {
            // A busy receiver answers 503 with Retry-After: do as Alertmanager does.
            for _ in 0..20 {
                match c.post(&u).body(notification("Small", i, 1)).send().await {
                    Ok(r) if r.status() == 503 => {
                        tokio::time::sleep(Duration::from_millis(200)).await
                    }
                    Ok(r) => return r.status().as_u16(),
                    Err(_) => return 0,
                }
            }
            503
        }));
    }
    assert!(
        h.until(Duration::from_secs(120), |s| firing(s) >= BASE + 200)
            .await,
        "only {} firing",
        firing(&h.state)
    );
    let peak = peak.stop() - before;
    for p in posts {
        assert_eq!(p.await.unwrap(), 200);
    }
    // 200 copies of 20,000 alarms would be gigabytes; a few MiB of bodies
    // and replies are what is left.
    assert!(
        peak < 100.0,
        "resident set grew {peak:.0} MiB for 200 one-alert POSTs"
    );
    h.shutdown();
}

/// Over `max_alarms` new alerts are refused with 507 and the source shows
/// down with the reason; what fits is applied; a resolve makes room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_firing_set_refuses_new_alerts_with_a_clear_error() {
    let _one = alone().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = WebhookConfig {
        max_alarms: 100,
        ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
    };
    let (mut h, url) = webhook_console(dir.path(), cfg).await;
    let client = reqwest::Client::new();
    let r = tokio::spawn(client.post(&url).body(notification("Full", 0, 150)).send());
    assert!(h.until(Duration::from_secs(20), |s| firing(s) == 100).await);
    let r = r.await.unwrap().unwrap();
    assert_eq!(r.status(), 507);
    let text = r.text().await.unwrap();
    assert!(text.contains("50 alerts refused"), "{text}");
    let down = |s: &State| {
        s.sources
            .health
            .iter()
            .find(|x| x.name == "webhook" && !x.up)
            .map(|x| x.detail.clone())
    };
    assert!(
        h.until(Duration::from_secs(10), |s| down(s).is_some())
            .await
    );
    assert!(down(&h.state).unwrap().contains("FULL"));
    h.pump(Duration::from_millis(300)).await;
    let journal = cocpit::journal::Journal::open(&dir.path().join("j.db")).unwrap();
    let mut errors = Vec::new();
    journal
        .for_each(|ev| {
            if ev.kind == "source.error" {
                errors.push(ev.payload.to_string());
            }
        })
        .unwrap();
    assert!(
        errors.iter().any(|e| e.contains("firing set full")),
        "{errors:?}"
    );
    h.shutdown();
}

/// 3,000 half-open connections were held after 40 s. Now a connection
/// without a complete request head is closed after `header_timeout`, one
/// over `max_connections` at once, and a real POST still gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_are_closed_and_real_posts_get_through() {
    let _one = alone().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = WebhookConfig {
        header_timeout: Dur(Duration::from_secs(1)),
        max_connections: 40,
        ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
    };
    let (mut h, url) = webhook_console(dir.path(), cfg).await;
    let addr = h.sources.webhook_addr.unwrap();
    let half_open = |n: usize| async move {
        let mut v = Vec::new();
        for _ in 0..n {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Le")
                .await
                .unwrap();
            v.push(s);
        }
        v
    };
    let mut held = half_open(30).await;
    // Under the cap: a real notification is still taken.
    let client = reqwest::Client::new();
    let r = tokio::spawn(client.post(&url).body(notification("Real", 0, 1)).send());
    assert!(h.until(Duration::from_secs(10), |s| firing(s) == 1).await);
    assert_eq!(r.await.unwrap().unwrap().status(), 200);
    // Over the cap: the extra connections are closed at once.
    held.extend(half_open(30).await);
    let mut at_once = 0;
    for s in held.iter_mut().skip(40) {
        if closed(s, Duration::from_millis(500)).await {
            at_once += 1;
        }
    }
    assert!(
        at_once >= 15,
        "only {at_once} of 20 over the cap were closed"
    );
    // After the header timeout every one of them is gone.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut all = 0;
    for s in held.iter_mut() {
        if closed(s, Duration::from_secs(3)).await {
            all += 1;
        }
    }
    assert_eq!(all, held.len(), "half-open connections still held");
    let r = tokio::spawn(client.post(&url).body(notification("Real", 1, 1)).send());
    assert!(h.until(Duration::from_secs(10), |s| firing(s) == 2).await);
    assert_eq!(r.await.unwrap().unwrap().status(), 200);
    h.shutdown();
}

/// Whether the server closed `s` (EOF, reset, or an error reply) within `within`.
async fn closed(s: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    // Anything the server sends (a 408) or a close counts; silence does not.
    tokio::time::timeout(within, s.read(&mut buf)).await.is_ok()
}

/// An "Alertmanager" that answers `/api/v2/alerts` with an endless chunked
/// JSON array (or, with `declared`, announces a huge Content-Length first).
async fn endless_alertmanager(declared: bool) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let small = |body: &str| {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                if head.contains("/api/v2/silences") {
                    let _ = s.write_all(small("[]").as_bytes()).await;
                    return;
                }
                if head.contains("/api/v2/status") {
                    let _ = s
                        .write_all(small(r#"{"cluster":{"status":"disabled"}}"#).as_bytes())
                        .await;
                    return;
                }
                let alert = r#"{"labels":{"alertname":"Endless","instance":"x"},"annotations":{"summary":"and on"},"fingerprint":"0123456789abcdef","startsAt":"2026-01-01T00:00:00Z","status":{"state":"active"}},"#;
                let chunk: String = alert.repeat((1 << 20) / alert.len());
                if declared {
                    let h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\n[";
                    if s.write_all(h.as_bytes()).await.is_err() {
                        return;
                    }
                    for _ in 0..50 {
                        if s.write_all(chunk.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                    return;
                }
                let h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
                if s.write_all(h.as_bytes()).await.is_err() {
                    return;
                }
                let first = "1\r\n[\r\n";
                if s.write_all(first.as_bytes()).await.is_err() {
                    return;
                }
                // 400 MiB unless the client hangs up first.
                for _ in 0..400 {
                    let c = format!("{:x}\r\n{chunk}\r\n", chunk.len());
                    if s.write_all(c.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// A 50 MB answer of 130,890 alerts held 2.97 GB. Now an answer over
/// `max_response_bytes` is refused as it streams: the member is down with
/// the reason, a `source.error` is journaled, and memory stays flat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_alertmanager_answer_is_refused_while_it_streams() {
    let _one = alone().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = LiveConfig::default();
    for (name, declared) in [("endless", false), ("declared", true)] {
        cfg.alertmanagers.push(AlertmanagerConfig {
            poll_interval: Dur(Duration::from_millis(500)),
            max_response_bytes: 4 << 20,
            ..AlertmanagerConfig::new(name, &endless_alertmanager(declared).await)
        });
    }
    let jpath = dir.path().join("j.db");
    let before = mib_now();
    let peak = Peak::start();
    let mut h = Headless::start(&jpath, "op", cfg).await.unwrap();
    let reason = |s: &State, n: &str| {
        s.sources
            .health
            .iter()
            .find(|x| x.name == n && !x.up)
            .map(|x| x.detail.clone())
    };
    assert!(
        h.until(Duration::from_secs(30), |s| reason(s, "endless").is_some()
            && reason(s, "declared").is_some())
            .await,
        "{:?}",
        h.state.sources
    );
    // A few more polls (with backoff) against the same servers.
    h.pump(Duration::from_secs(3)).await;
    let peak = peak.stop() - before;
    for n in ["endless", "declared"] {
        let r = reason(&h.state, n).unwrap();
        assert!(r.contains("answer over 4 MiB"), "{n}: {r}");
    }
    assert!(peak < 64.0, "resident set grew {peak:.0} MiB");
    assert!(h.state.sources.is_stale("endless"));
    h.shutdown();
    let journal = cocpit::journal::Journal::open(&jpath).unwrap();
    let mut errors = 0;
    journal
        .for_each(|ev| {
            if ev.kind == "source.error" && ev.payload.to_string().contains("answer over") {
                errors += 1;
            }
        })
        .unwrap();
    assert!(errors >= 1, "no source.error for the oversized answer");
}

/// A 200 MB valid spool file peaked at 1.42 GB and wrote a 200 MB journal
/// row. Now a file over `max_file_bytes` goes to `failed/` unread, and an
/// alarm under the cap but with a huge annotation is cut to fit: no journal
/// row is larger than the bounds allow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_spool_file_is_refused_unread_and_journal_rows_stay_bounded() {
    let _one = alone().await;
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let cfg = LiveConfig {
        spool: Some(SpoolConfig {
            rescan: Dur(Duration::from_millis(300)),
            ..SpoolConfig::new(spool.clone())
        }),
        ..LiveConfig::default()
    };
    let jpath = dir.path().join("j.db");
    let mut h = Headless::start(&jpath, "op", cfg).await.unwrap();
    let alarm = |name: &str, summary_len: usize| {
        format!(
            r#"[{{"labels":{{"alertname":"{name}","severity":"critical"}},"annotations":{{"summary":"{}"}}}}]"#,
            "s".repeat(summary_len)
        )
    };
    let drop_file = |name: &str, body: &str| {
        let tmp = spool.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, body).unwrap();
        std::fs::rename(&tmp, spool.join(name)).unwrap();
    };
    let huge = alarm("HugeFile", 60 << 20);
    let big = alarm("BigAnnotation", 2 << 20);
    h.pump(Duration::from_millis(500)).await;
    let before = mib_now();
    let peak = Peak::start();
    drop_file("huge.json", &huge);
    drop(huge);
    drop_file("big.json", &big);
    drop(big);
    let failed = spool.join("failed/huge.json");
    let f2 = failed.clone();
    assert!(
        h.until(Duration::from_secs(30), move |s| f2.exists()
            && s.board.iter().any(|a| a.name() == "BigAnnotation"))
            .await
    );
    h.pump(Duration::from_secs(1)).await;
    let peak = peak.stop() - before;
    let reason = std::fs::read_to_string(spool.join("failed/huge.json.reason")).unwrap();
    assert!(reason.contains("max_file_bytes"), "{reason}");
    assert!(!h.state.board.iter().any(|a| a.name() == "HugeFile"));
    let big = h
        .state
        .board
        .iter()
        .find(|a| a.name() == "BigAnnotation")
        .unwrap();
    assert!(big.summary().len() <= 8 * 1024, "{}", big.summary().len());
    assert!(big.observed.annotations.contains_key("cocpit_truncated"));
    // Reading and parsing 60 MiB would show here; the 2 MiB file is all
    // that was read.
    assert!(peak < 48.0, "resident set grew {peak:.0} MiB");
    h.shutdown();
    let journal = cocpit::journal::Journal::open(&jpath).unwrap();
    let mut largest = 0;
    let mut refused = false;
    journal
        .for_each(|ev| {
            largest = largest.max(ev.payload.to_string().len());
            refused |= ev.kind == "source.error" && ev.payload.to_string().contains("huge.json");
        })
        .unwrap();
    assert!(largest < 64 * 1024, "a journal row of {largest} bytes");
    assert!(refused, "no source.error for the refused file");
}

/// 1,000 malformed POSTs whose error sat at a different column each made
/// 1,000 `source.error` rows: the once-per-ten-minutes limit keyed on the
/// reason text. It keys on the source and the kind of error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shifted_malformed_posts_make_one_journal_row() {
    let _one = alone().await;
    let dir = tempfile::tempdir().unwrap();
    let (mut h, url) = webhook_console(
        dir.path(),
        WebhookConfig::on("127.0.0.1:0".parse().unwrap()),
    )
    .await;
    let client = reqwest::Client::new();
    for i in 0..60 {
        let body = format!("{}{{\"version\": 4x}}", " ".repeat(i));
        let r = tokio::spawn(client.post(&url).body(body).send());
        while !r.is_finished() {
            h.pump(Duration::from_millis(20)).await;
        }
        assert_eq!(r.await.unwrap().unwrap().status(), 400);
    }
    h.pump(Duration::from_secs(1)).await;
    h.shutdown();
    let journal = cocpit::journal::Journal::open(&dir.path().join("j.db")).unwrap();
    let mut rows = Vec::new();
    journal
        .for_each(|ev| {
            if ev.kind == "source.error" {
                rows.push(ev.payload.to_string());
            }
        })
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("column"), "{}", rows[0]);
}
