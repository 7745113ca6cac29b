//! Plans against a real Alertmanager (Debian's 0.25, started on a free
//! loopback port by tests/support/servers.rs) through cocpit's core,
//! journal and live sources without a terminal: a routine change silences
//! the alarms its filters match for its window, with the operator as the
//! silence's author and the change named in its comment, and lifts those
//! silences when the change's run ends.

mod support;

use cocpit::runtime::boot::Options;
use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{AlertmanagerConfig, Dur, LiveConfig};
use crossterm::event::KeyCode;
use serde_json::{Value, json};
use std::time::Duration;
use support::servers::Alertmanager;

const OPERATOR: &str = "alice@jump1";

async fn silences(am: &Alertmanager) -> Vec<Value> {
    reqwest::Client::new()
        .get(format!("{}/api/v2/silences", am.url()))
        .send()
        .await
        .expect("GET silences")
        .json()
        .await
        .expect("silences JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_silences_its_alarms_on_the_alertmanager_for_its_window_and_lifts_them() {
    if !support::servers::available(
        "a_change_silences_its_alarms_on_the_alertmanager_for_its_window_and_lifts_them",
    ) {
        return;
    }
    let am = Alertmanager::start(None);
    let r = reqwest::Client::new()
        .post(format!("{}/api/v2/alerts", am.url()))
        .json(&json!([
            {"labels": {"alertname": "CacheEvictions", "service": "redis", "severity": "warning"}},
            {"labels": {"alertname": "CheckoutSlow", "service": "checkout", "severity": "major"}}
        ]))
        .send()
        .await
        .expect("POST alerts");
    assert!(r.status().is_success());

    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    std::fs::write(
        plans.join("drain.yaml"),
        "id: drain-redis\ntitle: Drain a redis node\nkind: change\nwindow: 30m\nsilences: ['service=redis']\nsteps:\n  - name: drain\n    run: [echo, draining]\n  - name: settle\n    wait: 3s\n",
    )
    .unwrap();
    let live = LiveConfig {
        alertmanagers: vec![AlertmanagerConfig {
            poll_interval: Dur(Duration::from_millis(250)),
            ..AlertmanagerConfig::new("am", &am.url())
        }],
        ..LiveConfig::default()
    };
    let mut opts = Options::headless(dir.path().join("j.db"), OPERATOR, live);
    opts.plans.dirs = vec![plans];
    opts.plans.embedded = Some(false);
    let mut h = Headless::start_with(&opts).await.unwrap();
    assert!(
        h.until(Duration::from_secs(20), |s| s
            .board
            .iter()
            .filter(|a| a.is_firing())
            .count()
            == 2)
            .await,
        "the alerts never showed up"
    );

    h.typed("5");
    h.key(KeyCode::Enter); // the form (no parameters)
    h.key(KeyCode::Enter); // the preview
    h.key(KeyCode::Enter); // start
    assert!(
        h.until(Duration::from_secs(15), |s| s.plans.runs.changes.len() == 1)
            .await,
        "no change was opened: {:?}",
        h.state.status
    );
    let change = h.state.plans.runs.changes.values().next().unwrap().clone();

    // The redis alarm is silenced on the Alertmanager, by the operator,
    // for about the window; the checkout alarm is not touched.
    let mut active = Vec::new();
    for _ in 0..60 {
        active = silences(&am)
            .await
            .into_iter()
            .filter(|s| s["status"]["state"] == "active")
            .collect();
        if !active.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(active.len(), 1, "{active:?}");
    let s = &active[0];
    assert_eq!(s["createdBy"], OPERATOR);
    let matchers = s["matchers"].as_array().unwrap();
    assert!(
        matchers
            .iter()
            .any(|m| m["name"] == "service" && m["value"] == "redis"),
        "{matchers:?}"
    );
    assert!(
        !matchers.iter().any(|m| m["value"] == "checkout"),
        "{matchers:?}"
    );
    let comment = s["comment"].as_str().unwrap_or_default();
    assert!(
        comment.contains(&change.id) || comment.contains("drain-redis"),
        "the comment names the change: {comment}"
    );
    let ends: chrono::DateTime<chrono::Utc> = s["endsAt"].as_str().unwrap().parse().unwrap();
    assert!(
        ends > chrono::Utc::now() + chrono::Duration::minutes(25),
        "{ends}"
    );

    // The run ends: the change closes and its silence is expired.
    assert!(
        h.until(Duration::from_secs(20), |s| {
            s.plans.runs.changes.values().all(|c| c.closed.is_some())
        })
        .await,
        "the change never closed"
    );
    let sid = s["id"].as_str().unwrap().to_string();
    let mut state = String::new();
    for _ in 0..60 {
        h.pump(Duration::from_millis(250)).await;
        state = silences(&am)
            .await
            .iter()
            .find(|x| x["id"] == sid.as_str())
            .map(|x| {
                x["status"]["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default();
        if state == "expired" {
            break;
        }
    }
    assert_eq!(state, "expired", "the change's silence was not lifted");
    h.shutdown();
}

/// `wait_for: {promql}` against a real Prometheus (Debian's 2.42): true
/// once the expression has a result, a timeout while it has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_promql_waits_on_a_real_prometheus() {
    use cocpit::domain::plan::Secs;
    use cocpit::domain::plan::run::{Action, At, Section};
    use cocpit::plans::{ExecSettings, Job, Jobs};
    if !support::servers::available("wait_for_promql_waits_on_a_real_prometheus") {
        return;
    }
    let am = Alertmanager::start(None);
    let prom = support::servers::Prometheus::start(&am);
    let jobs = Jobs::new(ExecSettings {
        prometheus: Some(prom.url()),
    });
    let run = |expr: &str, timeout: u64| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        jobs.start(
            Job {
                run: "r".into(),
                at: At {
                    section: Section::Steps,
                    index: 0,
                },
                attempt: 1,
                action: Action::WaitForPromql {
                    expr: expr.into(),
                    interval: Secs(1),
                },
                timeout: Secs(timeout),
            },
            Box::new(move |o| {
                let _ = tx.send(o);
            }),
        );
        rx
    };
    // Prometheus scrapes itself: `up` turns 1 after its first scrape.
    let o = run("up{job=\"prometheus\"} == 1", 60).await.unwrap();
    assert!(o.ok, "{o:?}");
    let o = run("up{job=\"no-such-job\"} == 1", 3).await.unwrap();
    assert!(!o.ok && o.detail.starts_with("timed out"), "{o:?}");
}
