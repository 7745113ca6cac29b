//! A webhook-only console that restarts keeps the alarms the sender still
//! fires. Alertmanager re-sends a firing group only every `repeat_interval`
//! (4 h by default), so after a restart most groups are silent for hours:
//! their alarms are inherited from the journal and stay firing until the
//! sender resolves them, their `endsAt` passes, or `expire_after` (24 h by
//! default) goes by without a word about them.

use cocpit::app::State;
use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{Dur, LiveConfig, WebhookConfig};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn note(group: &str, alerts: &[(&str, &str)]) -> Vec<u8> {
    let alerts: Vec<_> = alerts
        .iter()
        .map(|(name, status)| {
            json!({"status": status, "labels": {"alertname": name, "severity": "critical"},
                   "startsAt": "2026-11-25T16:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                   "fingerprint": format!("fp-{name}")})
        })
        .collect();
    serde_json::to_vec(
        &json!({"version": "4", "groupKey": group, "status": "firing",
        "receiver": "cocpit", "alerts": alerts}),
    )
    .unwrap()
}

async fn console(journal: &Path, cfg: WebhookConfig) -> (Headless, String) {
    let live = LiveConfig {
        webhook: Some(cfg),
        ..LiveConfig::default()
    };
    let h = Headless::start(journal, "op", live).await.unwrap();
    let url = format!("http://{}/", h.sources.webhook_addr.unwrap());
    (h, url)
}

fn is_firing(s: &State, name: &str) -> bool {
    s.board.iter().any(|a| a.name() == name && a.is_firing())
}

async fn post(h: &mut Headless, url: &str, body: Vec<u8>) {
    let r = tokio::spawn(reqwest::Client::new().post(url).body(body).send());
    // Keep the console turning while the request is answered.
    while !r.is_finished() {
        h.pump(Duration::from_millis(50)).await;
    }
    assert_eq!(r.await.unwrap().unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_webhook_console_keeps_what_the_sender_still_fires() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.db");
    let cfg = || WebhookConfig::on("127.0.0.1:0".parse().unwrap());
    let (mut h, url) = console(&journal, cfg()).await;
    post(&mut h, &url, note("{}:{g=\"a\"}", &[("GroupA", "firing")])).await;
    post(&mut h, &url, note("{}:{g=\"b\"}", &[("GroupB", "firing")])).await;
    assert!(
        h.until(Duration::from_secs(10), |s| is_firing(s, "GroupA")
            && is_firing(s, "GroupB"))
            .await
    );
    h.shutdown();

    // Restarted. The sender goes on with group a (its group_interval);
    // group b is quiet until its repeat_interval, hours away.
    let (mut h, url) = console(&journal, cfg()).await;
    for _ in 0..18 {
        post(&mut h, &url, note("{}:{g=\"a\"}", &[("GroupA", "firing")])).await;
        h.pump(Duration::from_secs(2)).await;
    }
    assert!(is_firing(&h.state, "GroupA"));
    assert!(
        is_firing(&h.state, "GroupB"),
        "an alarm the sender still fires was resolved after the restart"
    );
    // The sender's resolve still reaches the inherited alarm.
    post(
        &mut h,
        &url,
        note("{}:{g=\"b\"}", &[("GroupB", "resolved")]),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(10), |s| !is_firing(s, "GroupB"))
            .await
    );
    let b = h.state.board.iter().find(|a| a.name() == "GroupB").unwrap();
    let last = b.timeline.last().unwrap();
    assert_eq!(last.kind, "alarm.resolved");
    assert!(
        last.text.contains("resolved by the sender"),
        "{}",
        last.text
    );
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_nobody_re_sends_is_resolved_after_expire_after() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = WebhookConfig {
        expire_after: Dur(Duration::from_secs(2)),
        ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
    };
    let (mut h, url) = console(&dir.path().join("j.db"), cfg).await;
    post(&mut h, &url, note("g", &[("Quiet", "firing")])).await;
    assert!(
        h.until(Duration::from_secs(10), |s| is_firing(s, "Quiet"))
            .await
    );
    assert!(
        h.until(Duration::from_secs(10), |s| !is_firing(s, "Quiet"))
            .await
    );
    let a = h.state.board.iter().find(|a| a.name() == "Quiet").unwrap();
    let text = &a.timeline.last().unwrap().text;
    assert!(
        text.contains("not re-sent by the webhook sender for 2"),
        "{text}"
    );
    h.shutdown();
}
