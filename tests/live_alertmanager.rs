//! End to end against real servers: Debian's Prometheus 2.42 and
//! Alertmanager 0.25, started on free loopback ports (tests/support/servers.rs),
//! and cocpit's core, journal and live sources without a terminal
//! (`runtime::headless::Headless`), driven with the same keys an operator types.
//! The real binary in a terminal is covered by `tests/live_console.rs`.

mod support;

use chrono::{Duration as CDuration, Utc};
use cocpit::app::State;
use cocpit::journal::Journal;
use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{AlertmanagerConfig, Dur, LiveConfig, WebhookConfig};
use crossterm::event::KeyCode;
use serde_json::{Value, json};
use std::time::Duration;
use support::servers::{Alertmanager, Prometheus};

const OPERATOR: &str = "alice@jump1";

fn am_config(am: &Alertmanager) -> AlertmanagerConfig {
    AlertmanagerConfig {
        poll_interval: Dur(Duration::from_millis(250)),
        ..AlertmanagerConfig::new("am", &am.url())
    }
}

fn live(am: &Alertmanager) -> LiveConfig {
    LiveConfig {
        alertmanagers: vec![am_config(am)],
        ..LiveConfig::default()
    }
}

async fn post_alerts(am: &Alertmanager, alerts: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v2/alerts", am.url()))
        .json(&alerts)
        .send()
        .await
        .expect("POST alerts");
    assert!(r.status().is_success(), "POST alerts: {}", r.status());
}

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

fn firing_named<'a>(s: &'a State, name: &str) -> Option<&'a cocpit::domain::Alarm> {
    s.board.iter().find(|a| a.name() == name && a.is_firing())
}

/// Select the alarm named `name` the way an operator does: filter for it.
fn select(h: &mut Headless, name: &str) {
    h.key(KeyCode::Char('/'));
    h.typed(&format!("alertname={name}"));
    h.key(KeyCode::Enter);
    assert_eq!(h.state.selected_alarm().map(|a| a.name()), Some(name));
}

fn journal_kinds(path: &std::path::Path) -> Vec<(String, String, Value)> {
    let j = Journal::open(path).unwrap();
    let mut out = Vec::new();
    j.for_each(|e| out.push((e.kind.clone(), e.actor.clone(), e.payload.clone())))
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_alerts_appear_and_an_ack_is_a_silence_with_the_operator_as_author() {
    if !support::servers::available(
        "rule_alerts_appear_and_an_ack_is_a_silence_with_the_operator_as_author",
    ) {
        return;
    }
    let am = Alertmanager::start(None);
    let prom = Prometheus::start(&am);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let mut h = Headless::start(&jpath, OPERATOR, live(&am)).await.unwrap();

    // Both rules fire in Prometheus, reach the Alertmanager, and cocpit.
    assert!(
        h.until(Duration::from_secs(60), |s| {
            firing_named(s, "CocpitAlwaysFiring").is_some()
                && firing_named(s, "CocpitTargetDown").is_some()
        })
        .await,
        "rule alerts never showed up; prometheus at {}",
        prom.url()
    );
    let a = firing_named(&h.state, "CocpitAlwaysFiring").unwrap();
    assert_eq!(a.severity(), cocpit::domain::Severity::Critical);
    assert_eq!(a.observed.source, "am");
    assert!(
        a.observed
            .annotations
            .get("runbook_url")
            .is_some_and(|u| u.contains("CocpitAlwaysFiring"))
    );
    assert!(
        a.observed
            .generator_url
            .as_deref()
            .is_some_and(|u| u.contains("/graph"))
    );
    let labels = a.observed.labels.clone();

    // `a`: pending until the journal has the silence id, then acked.
    select(&mut h, "CocpitAlwaysFiring");
    h.key(KeyCode::Char('a'));
    assert!(h.state.is_pending(a_fp(&h, "CocpitAlwaysFiring").as_str()));
    assert!(
        h.until(Duration::from_secs(15), |s| {
            firing_named(s, "CocpitAlwaysFiring")
                .and_then(|a| a.ack.as_ref())
                .is_some_and(|k| k.silence_id.is_some())
                && !s.flows.any_pending()
        })
        .await,
        "ack never confirmed; status: {:?}",
        h.state.status
    );
    let ack = firing_named(&h.state, "CocpitAlwaysFiring")
        .unwrap()
        .ack
        .clone()
        .unwrap();
    assert_eq!(ack.by, OPERATOR);
    let sid = ack.silence_id.clone().unwrap();

    // The Alertmanager has it: author, parseable comment, full label set.
    let all = silences(&am).await;
    let s = all
        .iter()
        .find(|s| s["id"] == sid.as_str())
        .expect("silence on the AM");
    assert_eq!(s["createdBy"], OPERATOR);
    assert_eq!(s["status"]["state"], "active");
    let comment = s["comment"].as_str().unwrap();
    assert!(comment.starts_with("cocpit-ack "), "{comment}");
    let matchers = s["matchers"].as_array().unwrap();
    assert_eq!(matchers.len(), labels.len());
    for m in matchers {
        assert_eq!(m["isRegex"], false);
        assert_eq!(m["isEqual"], true);
        assert_eq!(
            labels[m["name"].as_str().unwrap()],
            m["value"].as_str().unwrap()
        );
    }
    // The ack silence lasts about the ack window.
    let ends: chrono::DateTime<Utc> = s["endsAt"].as_str().unwrap().parse().unwrap();
    assert!(ends > Utc::now() + CDuration::minutes(55));

    // Intent, then ack, in the journal; the comment names the intent's id.
    let kinds = journal_kinds(&jpath);
    let intent = kinds
        .iter()
        .position(|(k, _, _)| k == "alarm.ack_requested")
        .unwrap();
    let acked = kinds
        .iter()
        .position(|(k, _, _)| k == "alarm.acked")
        .unwrap();
    assert!(intent < acked);
    assert_eq!(
        cocpit::domain::silence::comment_event_id(comment),
        Some(intent as i64 + 1)
    );
    // Polls that see our own silence do not journal the ack a second time.
    h.pump(Duration::from_secs(1)).await;
    let kinds = journal_kinds(&jpath);
    let acks = kinds.iter().filter(|(k, _, _)| k == "alarm.acked").count();
    assert_eq!(acks, 1, "{kinds:#?}");

    // `u` expires the silence.
    h.key(KeyCode::Char('u'));
    assert!(
        h.until(Duration::from_secs(15), |s| {
            firing_named(s, "CocpitAlwaysFiring").is_some_and(|a| a.ack.is_none())
                && !s.flows.any_pending()
        })
        .await
    );
    let all = silences(&am).await;
    let s = all.iter().find(|s| s["id"] == sid.as_str()).unwrap();
    assert_eq!(s["status"]["state"], "expired");
    h.shutdown();
}

fn a_fp(h: &Headless, name: &str) -> String {
    firing_named(&h.state, name)
        .unwrap()
        .fingerprint()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amtool_silence_shows_up_as_an_ack_by_its_author() {
    if !support::servers::available("an_amtool_silence_shows_up_as_an_ack_by_its_author") {
        return;
    }
    let am = Alertmanager::start(None);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let mut h = Headless::start(&jpath, OPERATOR, live(&am)).await.unwrap();
    post_alerts(
        &am,
        json!([{"labels": {"alertname": "DiskFull", "service": "db", "severity": "major", "instance": "db-01"},
                "annotations": {"summary": "disk 97%"}}]),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(10), |s| firing_named(s, "DiskFull")
            .is_some())
            .await
    );
    am.amtool(&[
        "silence",
        "add",
        "--author=bob@jump2",
        "--duration=1h",
        "--comment=looking at the disk",
        "alertname=DiskFull",
        "instance=db-01",
    ]);
    assert!(
        h.until(Duration::from_secs(10), |s| {
            firing_named(s, "DiskFull")
                .and_then(|a| a.ack.as_ref())
                .is_some_and(|k| k.by == "bob@jump2")
        })
        .await,
        "amtool's silence never became an ack"
    );
    let ack = firing_named(&h.state, "DiskFull")
        .unwrap()
        .ack
        .clone()
        .unwrap();
    assert_eq!(ack.comment.as_deref(), Some("looking at the disk"));
    let id = ack.silence_id.clone().unwrap();

    // Expired elsewhere: the ack goes away, journaled once.
    am.amtool(&["silence", "expire", &id]);
    assert!(
        h.until(Duration::from_secs(10), |s| {
            firing_named(s, "DiskFull").is_some_and(|a| a.ack.is_none())
        })
        .await
    );
    h.pump(Duration::from_millis(800)).await;
    let kinds = journal_kinds(&jpath);
    let acked: Vec<_> = kinds
        .iter()
        .filter(|(k, _, _)| k == "alarm.acked")
        .collect();
    let unacked: Vec<_> = kinds
        .iter()
        .filter(|(k, _, _)| k == "alarm.unacked")
        .collect();
    assert_eq!(acked.len(), 1, "{kinds:?}");
    assert_eq!(acked[0].1, "bob@jump2");
    assert_eq!(acked[0].2["via"], "alertmanager:am");
    assert_eq!(unacked.len(), 1, "{kinds:?}");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_posted_with_ends_at_in_the_past_resolves_and_its_ack_silence_expires() {
    if !support::servers::available(
        "an_alert_posted_with_ends_at_in_the_past_resolves_and_its_ack_silence_expires",
    ) {
        return;
    }
    let am = Alertmanager::start(None);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let mut h = Headless::start(&jpath, OPERATOR, live(&am)).await.unwrap();
    let labels = json!({"alertname": "ManualAlert", "service": "payments", "severity": "critical", "instance": "manual-01"});
    post_alerts(
        &am,
        json!([{"labels": labels, "annotations": {"summary": "posted by hand"}}]),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(10), |s| firing_named(s, "ManualAlert")
            .is_some())
            .await
    );
    // Ack it first: the ack silence must go when the alarm resolves.
    select(&mut h, "ManualAlert");
    h.key(KeyCode::Char('a'));
    assert!(
        h.until(Duration::from_secs(10), |s| {
            firing_named(s, "ManualAlert").is_some_and(|a| a.ack.is_some())
                && !s.flows.any_pending()
        })
        .await
    );
    let sid = firing_named(&h.state, "ManualAlert")
        .and_then(|a| a.ack.as_ref())
        .and_then(|k| k.silence_id.clone())
        .unwrap();
    let ends = (Utc::now() - CDuration::seconds(1)).to_rfc3339();
    post_alerts(&am, json!([{"labels": labels, "endsAt": ends}])).await;
    assert!(
        h.until(Duration::from_secs(10), |s| {
            s.board
                .iter()
                .any(|a| a.name() == "ManualAlert" && !a.is_firing())
        })
        .await,
        "the alarm never resolved"
    );
    // The leader expires cocpit's ack silence of a resolved alarm.
    let mut state = String::new();
    for _ in 0..40 {
        h.pump(Duration::from_millis(250)).await;
        let all = silences(&am).await;
        state = all
            .iter()
            .find(|s| s["id"] == sid.as_str())
            .map(|s| s["status"]["state"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        if state == "expired" {
            break;
        }
    }
    assert_eq!(state, "expired");
    // … and journals it (the row comes back through the tailer).
    assert!(
        h.until(Duration::from_secs(5), |s| {
            s.board.iter().any(|a| {
                a.name() == "ManualAlert" && a.timeline.iter().any(|e| e.kind == "silence.expired")
            })
        })
        .await
    );
    let kinds: Vec<String> = journal_kinds(&jpath).into_iter().map(|k| k.0).collect();
    assert!(kinds.contains(&"silence.expired".to_string()), "{kinds:?}");
    assert!(!kinds.contains(&"alarm.unacked".to_string()), "{kinds:?}");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_alertmanager_is_down_and_recovers_without_a_restart() {
    if !support::servers::available("a_stopped_alertmanager_is_down_and_recovers_without_a_restart")
    {
        return;
    }
    let mut am = Alertmanager::start(None);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let mut h = Headless::start(&jpath, OPERATOR, live(&am)).await.unwrap();
    // Long-lived so it survives the outage in the Alertmanager's own storage.
    let until = (Utc::now() + CDuration::hours(1)).to_rfc3339();
    post_alerts(
        &am,
        json!([{"labels": {"alertname": "Survivor", "severity": "warning"}, "endsAt": until}]),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(10), |s| firing_named(s, "Survivor")
            .is_some())
            .await
    );
    am.stop();
    let up = |s: &State| {
        s.sources
            .health
            .iter()
            .find(|x| x.name == "am")
            .map(|x| x.up)
    };
    assert!(
        h.until(Duration::from_secs(15), |s| up(s) == Some(false))
            .await,
        "never marked down"
    );
    let down = h
        .state
        .sources
        .health
        .iter()
        .find(|x| x.name == "am")
        .unwrap()
        .clone();
    assert!(!down.detail.is_empty(), "a down source says why");
    assert!(down.last_ok.is_some());
    assert!(
        h.state.sources.is_stale("am"),
        "its alarms are marked stale"
    );
    // Stale, not resolved: the outage says nothing about the alarm.
    assert!(firing_named(&h.state, "Survivor").is_some());

    am.restart();
    assert!(
        h.until(Duration::from_secs(40), |s| up(s) == Some(true))
            .await,
        "never recovered"
    );
    // The restarted Alertmanager lost its alerts (they live in memory) until
    // Prometheus sends them again: not a reason to resolve them.
    h.pump(Duration::from_millis(1500)).await;
    assert!(firing_named(&h.state, "Survivor").is_some());
    assert!(
        !journal_kinds(&jpath)
            .iter()
            .any(|(k, _, _)| k == "alarm.resolved"),
        "a restart resolved the alarm"
    );
    // Post again, as Prometheus does on its next evaluation.
    post_alerts(
        &am,
        json!([{"labels": {"alertname": "Survivor", "severity": "warning"}, "endsAt": until}]),
    )
    .await;
    h.pump(Duration::from_millis(800)).await;
    assert!(!h.state.sources.is_stale("am"));
    assert!(firing_named(&h.state, "Survivor").is_some());
    let kinds: Vec<String> = journal_kinds(&jpath).into_iter().map(|k| k.0).collect();
    let down_at = kinds
        .iter()
        .position(|k| k == "source.down")
        .expect("source.down journaled");
    assert!(kinds[down_at..].iter().any(|k| k == "source.up"));
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_webhooks_get_400_and_the_console_keeps_running() {
    if !support::servers::available("malformed_webhooks_get_400_and_the_console_keeps_running") {
        return;
    }
    let am = Alertmanager::start(None);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let mut cfg = live(&am);
    cfg.webhook = Some(WebhookConfig {
        token: Some("s3cret-token".into()),
        max_body_bytes: 64 * 1024,
        ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
    });
    let mut h = Headless::start(&jpath, OPERATOR, cfg).await.unwrap();
    let url = format!("http://{}/alertmanager", h.sources.webhook_addr.unwrap());
    let tx = h.sender();
    let client = reqwest::Client::new();
    let post = |body: Vec<u8>, token: Option<&'static str>| {
        let mut rb = client
            .post(url.clone())
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb.send()
    };
    // Drive the core while the requests are in flight.
    let sent = tokio::spawn({
        let good = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/samples/alertmanager/webhook-v4-firing.json"),
        )
        .unwrap();
        let reqs = vec![
            (b"{not json".to_vec(), Some("s3cret-token")),
            (br#"{"version":"4"}"#.to_vec(), Some("s3cret-token")),
            (vec![b' '; 100 * 1024], Some("s3cret-token")),
            (good.clone(), None),
            (good.clone(), Some("wrong")),
            (good, Some("s3cret-token")),
        ];
        let futs: Vec<_> = reqs.into_iter().map(|(b, t)| post(b, t)).collect();
        async move {
            let mut out = Vec::new();
            for f in futs {
                let r = f.await.expect("webhook request");
                let code = r.status().as_u16();
                out.push((code, r.text().await.unwrap_or_default()));
            }
            drop(tx);
            out
        }
    });
    h.pump(Duration::from_millis(1500)).await;
    let answers = sent.await.unwrap();
    let codes: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(codes, [400, 400, 413, 401, 401, 200], "{answers:?}");
    assert!(answers[0].1.contains("malformed"), "{}", answers[0].1);
    assert!(answers[1].1.contains("groupKey"), "{}", answers[1].1);

    // Still running: a new alert still arrives through the poll.
    post_alerts(&am, json!([{"labels": {"alertname": "AfterGarbage"}}])).await;
    assert!(
        h.until(Duration::from_secs(10), |s| firing_named(s, "AfterGarbage")
            .is_some())
            .await
    );
    let errors: Vec<_> = journal_kinds(&jpath)
        .into_iter()
        .filter(|(k, _, _)| k == "source.error")
        .collect();
    // One row per kind of error (not per reason text): the two malformed
    // bodies are one `malformed`, the oversized one a `too-large`.
    assert_eq!(errors.len(), 2, "one per kind of error: {errors:?}");
    let dump = format!("{errors:?}");
    assert!(
        dump.contains("malformed") && dump.contains("max_body_bytes"),
        "{dump}"
    );
    assert!(errors.iter().all(|(_, actor, _)| actor == "source:webhook"));
    // The token never reaches the journal.
    let dump = format!("{:?}", journal_kinds(&jpath));
    assert!(!dump.contains("s3cret-token"));
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_peers_are_one_source_and_an_ack_on_one_peer_shows_everywhere() {
    if !support::servers::available(
        "cluster_peers_are_one_source_and_an_ack_on_one_peer_shows_everywhere",
    ) {
        return;
    }
    let peers = Alertmanager::start_cluster(2);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let cfg = LiveConfig {
        alertmanagers: peers
            .iter()
            .enumerate()
            .map(|(i, am)| AlertmanagerConfig {
                name: format!("prod-{i}"),
                cluster: Some("prod".into()),
                ..am_config(am)
            })
            .collect(),
        ..LiveConfig::default()
    };
    let mut h = Headless::start(&jpath, OPERATOR, cfg).await.unwrap();
    // Prometheus sends every alert to every peer: so do we.
    let alert =
        json!([{"labels": {"alertname": "Replicated", "severity": "critical", "instance": "x-1"}}]);
    for am in &peers {
        post_alerts(am, alert.clone()).await;
    }
    assert!(
        h.until(Duration::from_secs(15), |s| {
            firing_named(s, "Replicated").is_some()
                && s.silences
                    .am
                    .get("prod")
                    .and_then(|v| v.cluster.as_ref())
                    .is_some_and(|c| c.members_up == 2 && c.peers == 2)
        })
        .await,
        "cluster: {:?}",
        h.state.silences.am.get("prod").map(|v| v.cluster.clone())
    );
    let status = h.state.silences.am["prod"].cluster.clone().unwrap().status;
    assert!(status == "ready" || status == "settling", "{status}");
    let copies = h
        .state
        .board
        .iter()
        .filter(|a| a.name() == "Replicated")
        .count();
    assert_eq!(copies, 1, "deduplicated by fingerprint");
    assert_eq!(
        firing_named(&h.state, "Replicated")
            .unwrap()
            .observed
            .source,
        "prod"
    );
    assert!(
        h.state
            .sources
            .health
            .iter()
            .any(|s| s.name == "prod-0" && s.up)
    );
    assert!(
        h.state
            .sources
            .health
            .iter()
            .any(|s| s.name == "prod-1" && s.up)
    );

    // An ack made with amtool on the second peer gossips to the first and
    // is one ack, by its author.
    peers[1].amtool(&[
        "silence",
        "add",
        "--author=erin@site-b",
        "--duration=1h",
        "--comment=peer ack",
        "alertname=Replicated",
    ]);
    assert!(
        h.until(Duration::from_secs(15), |s| {
            firing_named(s, "Replicated")
                .and_then(|a| a.ack.as_ref())
                .is_some_and(|k| k.by == "erin@site-b")
        })
        .await
    );
    // One peer down: still up as a cluster, not stale.
    let mut peers = peers;
    peers[0].stop();
    assert!(
        h.until(Duration::from_secs(15), |s| {
            s.sources.health.iter().any(|x| x.name == "prod-0" && !x.up)
        })
        .await
    );
    h.pump(Duration::from_millis(600)).await;
    assert!(!h.state.sources.is_stale("prod"));
    assert!(firing_named(&h.state, "Replicated").is_some());
    let acks = journal_kinds(&jpath)
        .iter()
        .filter(|(k, _, _)| k == "alarm.acked")
        .count();
    assert_eq!(acks, 1);
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_silence_is_extended_while_the_alarm_fires() {
    if !support::servers::available("an_ack_silence_is_extended_while_the_alarm_fires") {
        return;
    }
    let am = Alertmanager::start(None);
    let dir = tempfile::tempdir().unwrap();
    let jpath = dir.path().join("j.db");
    let mut cfg = live(&am);
    // A short window so the test sees an extension: cocpit extends when a
    // third of the window is left.
    cfg.alertmanagers[0].ack_window = Dur(Duration::from_secs(6));
    let mut h = Headless::start(&jpath, OPERATOR, cfg).await.unwrap();
    post_alerts(
        &am,
        json!([{"labels": {"alertname": "LongFire", "severity": "major"}}]),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(10), |s| firing_named(s, "LongFire")
            .is_some())
            .await
    );
    select(&mut h, "LongFire");
    h.key(KeyCode::Char('a'));
    assert!(
        h.until(Duration::from_secs(10), |s| {
            firing_named(s, "LongFire").is_some_and(|a| a.ack.is_some()) && !s.flows.any_pending()
        })
        .await
    );
    let first = firing_named(&h.state, "LongFire")
        .unwrap()
        .ack
        .clone()
        .unwrap();
    let first_end = first.until.unwrap();
    // Past the original end, the alarm is still acked, by a silence that
    // still runs on the Alertmanager.
    assert!(
        h.until(Duration::from_secs(15), |s| {
            firing_named(s, "LongFire")
                .is_some_and(|a| a.timeline.iter().any(|e| e.kind == "silence.extended"))
        })
        .await,
        "never extended"
    );
    h.pump(Duration::from_secs(3)).await;
    assert!(Utc::now() > first_end, "waited past the first end");
    let a = firing_named(&h.state, "LongFire").unwrap();
    let ack = a.ack.clone().expect("still acked");
    assert!(ack.until.unwrap() > first_end);
    let sid = ack.silence_id.unwrap();
    let all = silences(&am).await;
    let s = all.iter().find(|s| s["id"] == sid.as_str()).unwrap();
    assert_eq!(s["status"]["state"], "active");
    assert!(
        !journal_kinds(&jpath)
            .iter()
            .any(|(k, _, _)| k == "alarm.unacked"),
        "an extension is not an unack"
    );
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alertmanagers_webhook_makes_cocpit_poll_at_once() {
    if !support::servers::available("the_alertmanagers_webhook_makes_cocpit_poll_at_once") {
        return;
    }
    let hook_port = support::servers::free_port();
    let am = Alertmanager::start(Some(&format!("http://127.0.0.1:{hook_port}/alertmanager")));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = live(&am);
    // Polling alone would take a minute: the webhook must be what brings it.
    cfg.alertmanagers[0].poll_interval = Dur(Duration::from_secs(60));
    cfg.webhook = Some(WebhookConfig::on(
        format!("127.0.0.1:{hook_port}").parse().unwrap(),
    ));
    let mut h = Headless::start(&dir.path().join("j.db"), OPERATOR, cfg)
        .await
        .unwrap();
    // Let the first (immediate) poll pass, empty.
    h.pump(Duration::from_millis(500)).await;
    assert!(h.state.board.is_empty());
    post_alerts(
        &am,
        json!([{"labels": {"alertname": "Pushed", "service": "edge", "severity": "critical"}}]),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(15), |s| firing_named(s, "Pushed")
            .is_some())
            .await,
        "the webhook hint did not trigger a poll"
    );
    let hook = h
        .state
        .sources
        .health
        .iter()
        .find(|s| s.name == "webhook")
        .unwrap();
    assert!(hook.detail.contains("firing"), "{hook:?}");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_on_another_jump_hosts_console_shows_up_with_its_author() {
    if !support::servers::available("an_ack_on_another_jump_hosts_console_shows_up_with_its_author")
    {
        return;
    }
    let am = Alertmanager::start(None);
    // Two consoles with their own journals: two jump hosts, one Alertmanager.
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let mut a = Headless::start(&dir_a.path().join("j.db"), "alice@jump1", live(&am))
        .await
        .unwrap();
    let mut b = Headless::start(&dir_b.path().join("j.db"), "bob@jump2", live(&am))
        .await
        .unwrap();
    post_alerts(
        &am,
        json!([{"labels": {"alertname": "SharedPain", "severity": "critical"}}]),
    )
    .await;
    for h in [&mut a, &mut b] {
        assert!(
            h.until(Duration::from_secs(10), |s| firing_named(s, "SharedPain")
                .is_some())
                .await
        );
    }
    select(&mut a, "SharedPain");
    a.key(KeyCode::Char('a'));
    assert!(
        a.until(Duration::from_secs(10), |s| !s.flows.any_pending()
            && firing_named(s, "SharedPain")
                .is_some_and(|x| x.ack.is_some()))
            .await
    );
    // Bob's console learns it from the Alertmanager (after the grace cocpit
    // gives a young cocpit silence to be journaled by its own console).
    assert!(
        b.until(Duration::from_secs(20), |s| {
            firing_named(s, "SharedPain")
                .and_then(|x| x.ack.as_ref())
                .is_some_and(|k| k.by == "alice@jump1")
        })
        .await,
        "bob never saw alice's ack"
    );
    a.shutdown();
    b.shutdown();
}
