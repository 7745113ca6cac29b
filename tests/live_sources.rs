//! Prometheus feeds and targets from a real Prometheus, the spool
//! directory, and a webhook without Alertmanager sources, each through the
//! headless console (journal, live sources, `app::update`).

mod support;

use cocpit::app::State;
use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{
    Dur, FeedConfig, LiveConfig, PrometheusConfig, SpoolConfig, WebhookConfig,
};
use std::time::Duration;
use support::servers::{Alertmanager, Prometheus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_feeds_and_targets() {
    if !support::servers::available("prometheus_feeds_and_targets") {
        return;
    }
    let am = Alertmanager::start(None);
    let prom = Prometheus::start(&am);
    let dir = tempfile::tempdir().unwrap();
    let feed = |name: &str, query: &str| FeedConfig {
        name: name.into(),
        query: query.into(),
        step: Dur(Duration::from_secs(1)),
        range: Dur(Duration::from_secs(60)),
        unit: "".into(),
        warn: Some(0.5),
        crit: None,
    };
    let cfg = LiveConfig {
        prometheus: vec![PrometheusConfig {
            name: "prom".into(),
            url: prom.url(),
            poll_interval: Dur(Duration::from_millis(500)),
            feed: vec![
                feed("targets up", "sum(up)"),
                feed("per job", "up"),
                // Strings in the API: NaN must not break the view.
                feed("nan", "vector(0) / 0"),
                feed("broken", "sum(("),
            ],
        }],
        ..LiveConfig::default()
    };
    let mut h = Headless::start(&dir.path().join("j.db"), "op", cfg)
        .await
        .unwrap();
    let has_points = |s: &State, name: &str| {
        s.monitor
            .series
            .iter()
            .any(|x| x.meta.name == name && !x.points.is_empty())
    };
    assert!(
        h.until(Duration::from_secs(30), |s| {
            has_points(s, "targets up")
                && has_points(s, "nan")
                && s.monitor
                    .series
                    .iter()
                    .any(|x| x.meta.name.starts_with("per job{"))
        })
        .await,
        "feeds never arrived: {:?}",
        h.state
            .monitor
            .series
            .iter()
            .map(|s| &s.meta.name)
            .collect::<Vec<_>>()
    );
    let nan = h
        .state
        .monitor
        .series
        .iter()
        .find(|s| s.meta.name == "nan")
        .unwrap();
    assert!(nan.current().unwrap().is_nan());
    // `up` per job: one series per label set, all in the source's group.
    assert!(
        h.state
            .monitor
            .series
            .iter()
            .any(|s| s.meta.name.starts_with("per job{")),
        "{:?}",
        h.state
            .monitor
            .series
            .iter()
            .map(|s| (&s.meta.name, s.points.len()))
            .collect::<Vec<_>>()
    );
    assert_eq!(h.state.monitor.groups, ["prom"]);
    // Targets: the ghost target is down with its error, prometheus is up.
    assert!(
        h.until(Duration::from_secs(15), |s| {
            s.sources.targets.get("prom").is_some_and(|t| {
                t.iter()
                    .any(|t| t.job == "ghost" && t.health == "down" && !t.last_error.is_empty())
                    && t.iter().any(|t| t.job == "prometheus" && t.health == "up")
            })
        })
        .await,
        "targets: {:?}",
        h.state.sources.targets
    );
    let src = h
        .state
        .sources
        .health
        .iter()
        .find(|s| s.name == "prom")
        .unwrap();
    assert!(src.up, "a bad feed is not a down server: {src:?}");
    // The console draws the targets panel.
    h.key(crossterm::event::KeyCode::Char('2'));
    h.key(crossterm::event::KeyCode::Char('t'));
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    term.draw(|f| cocpit::ui::render(f, &h.state)).unwrap();
    let screen: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("Targets (1 up, 1 down)"), "{screen}");
    assert!(screen.contains(" Sources "), "{screen}");
    assert!(screen.contains("● up   prom"), "{screen}");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spool_files_are_ingested_and_moved() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let cfg = LiveConfig {
        spool: Some(SpoolConfig {
            rescan: Dur(Duration::from_secs(1)),
            ..SpoolConfig::new(spool.clone())
        }),
        ..LiveConfig::default()
    };
    let mut h = Headless::start(&dir.path().join("j.db"), "op", cfg)
        .await
        .unwrap();
    let drop_file = |name: &str, body: &str| {
        let tmp = spool.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, body).unwrap();
        std::fs::rename(&tmp, spool.join(name)).unwrap();
    };
    drop_file(
        "coc.json",
        r#"{"alarmId":"COC-7","alarmName":"EcsCpuHigh","alarmLevel":"Critical","alarmStatus":"alarm","alarmSource":"ecs","alarmDesc":"cpu 99%","URL":"https://console.example/COC-7","additional":{"region":"cn-north-4"}}"#,
    );
    drop_file(
        "am.json",
        r#"[{"labels":{"alertname":"QueueBacklog","service":"orders","severity":"warning"},"annotations":{"summary":"backlog 10k"}}]"#,
    );
    drop_file(
        "bad.json",
        r#"{"alarmId":"COC-8","alarmName":"X","alarmLevel":"Severe","alarmStatus":"alarm"}"#,
    );
    let firing = |s: &State, n: &str| s.board.iter().any(|a| a.name() == n && a.is_firing());
    assert!(
        h.until(Duration::from_secs(10), |s| firing(s, "EcsCpuHigh")
            && firing(s, "QueueBacklog"))
            .await
    );
    let a = h
        .state
        .board
        .iter()
        .find(|a| a.name() == "EcsCpuHigh")
        .unwrap();
    assert_eq!(a.severity(), cocpit::domain::Severity::Critical);
    assert_eq!(a.service(), "ecs");
    assert!(spool.join("done/coc.json").exists());
    assert!(spool.join("done/am.json").exists());
    // A file that does not parse gets two seconds to be completed, then fails.
    let failed = spool.join("failed/bad.json");
    let f2 = failed.clone();
    h.until(Duration::from_secs(10), move |_| f2.exists()).await;
    assert!(failed.exists());
    let reason = std::fs::read_to_string(spool.join("failed/bad.json.reason")).unwrap();
    assert!(reason.contains("Severe"), "{reason}");

    drop_file(
        "coc-ok.json",
        r#"{"alarmId":"COC-7","alarmName":"EcsCpuHigh","alarmLevel":"Critical","alarmStatus":"ok"}"#,
    );
    assert!(
        h.until(Duration::from_secs(10), |s| !firing(s, "EcsCpuHigh"))
            .await,
        "ok did not resolve the COC alarm"
    );
    assert!(firing(&h.state, "QueueBacklog"));
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_alone_keeps_its_own_firing_set() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LiveConfig {
        webhook: Some(WebhookConfig::on("127.0.0.1:0".parse().unwrap())),
        ..LiveConfig::default()
    };
    let mut h = Headless::start(&dir.path().join("j.db"), "op", cfg)
        .await
        .unwrap();
    let url = format!("http://{}/", h.sources.webhook_addr.unwrap());
    let sample = |n: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/samples/alertmanager")
                .join(n),
        )
        .unwrap()
    };
    let client = reqwest::Client::new();
    let r = client
        .post(&url)
        .body(sample("webhook-v4-firing.json"))
        .send();
    let r = tokio::spawn(r);
    let firing = |s: &State| {
        s.board
            .iter()
            .any(|a| a.name() == "PeerbenchManualAlert" && a.is_firing())
    };
    assert!(h.until(Duration::from_secs(10), firing).await);
    assert_eq!(r.await.unwrap().unwrap().status(), 200);
    let r = tokio::spawn(
        client
            .post(&url)
            .body(sample("webhook-v4-resolved.json"))
            .send(),
    );
    assert!(h.until(Duration::from_secs(10), |s| !firing(s)).await);
    assert_eq!(r.await.unwrap().unwrap().status(), 200);
    h.shutdown();
}

/// A TCP server that misbehaves on purpose: answers garbage, a 503, or
/// accepts and never answers. (What a broken proxy in front of an
/// Alertmanager does; the real server does not do this on demand.)
async fn misbehaving(mode: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let reply: &[u8] = match mode {
                "garbage" => b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n<html>oops</ht",
                "503" => {
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 11\r\n\r\nmaintenance"
                }
                _ => {
                    held.push(s);
                    continue;
                }
            };
            let _ = s.write_all(reply).await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_5xx_and_hangs_are_source_errors_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = LiveConfig::default();
    for mode in ["garbage", "503", "hang"] {
        cfg.alertmanagers
            .push(cocpit::sources::config::AlertmanagerConfig {
                poll_interval: Dur(Duration::from_millis(200)),
                ..cocpit::sources::config::AlertmanagerConfig::new(mode, &misbehaving(mode).await)
            });
    }
    // Credentials in a URL must never reach the screen or the journal.
    let closed = support::servers::free_port();
    cfg.alertmanagers
        .push(cocpit::sources::config::AlertmanagerConfig {
            poll_interval: Dur(Duration::from_millis(200)),
            ..cocpit::sources::config::AlertmanagerConfig::new(
                "creds",
                &format!("http://bob:s3cret-pw@127.0.0.1:{closed}"),
            )
        });
    let jpath = dir.path().join("j.db");
    let mut h = Headless::start(&jpath, "op", cfg).await.unwrap();
    let reason = |s: &State, n: &str| {
        s.sources
            .health
            .iter()
            .find(|x| x.name == n && !x.up)
            .map(|x| x.detail.clone())
    };
    let ticks = std::sync::atomic::AtomicUsize::new(0);
    assert!(
        h.until(Duration::from_secs(15), |s| {
            ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            ["garbage", "503", "hang"]
                .iter()
                .all(|n| reason(s, n).is_some())
        })
        .await,
        "{:?}",
        h.state.sources
    );
    let g = reason(&h.state, "garbage").unwrap();
    assert!(g.contains("not the expected JSON"), "{g}");
    assert!(reason(&h.state, "503").unwrap().contains("HTTP 503"));
    assert!(reason(&h.state, "hang").unwrap().contains("timed out"));
    // The core kept handling messages while the hung request waited.
    assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) > 3);
    assert!(h.state.sources.is_stale("hang"));
    let c = reason(&h.state, "creds").unwrap();
    assert!(c.contains("connect"), "{c}");
    h.pump(Duration::from_millis(300)).await;
    h.shutdown();
    let mut dump = String::new();
    cocpit::journal::Journal::open(&jpath)
        .unwrap()
        .for_each(|e| dump.push_str(&format!("{e:?}\n")))
        .unwrap();
    assert!(dump.contains("source.down"), "{dump}");
    assert!(!dump.contains("s3cret-pw"), "{dump}");
}
