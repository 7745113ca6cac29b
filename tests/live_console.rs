//! The real binary, in a pseudo-terminal, against a real Alertmanager:
//! `cocpit --alertmanager URL` shows LIVE and the Alertmanager's alert,
//! and `a` on it creates a silence authored by the operator.

mod support;

use std::time::Duration;
use support::pty::Console;
use support::servers::{Alertmanager, http_get};

#[test]
fn quick_start_shows_live_alerts_and_acks_with_a_silence() {
    if !support::servers::available("quick_start_shows_live_alerts_and_acks_with_a_silence") {
        return;
    }
    let am = Alertmanager::start(None);
    let alert = r#"[{"labels":{"alertname":"PtyCheckoutDown","service":"checkout","severity":"critical"},"annotations":{"summary":"checkout returns 503"}}]"#;
    let out = std::process::Command::new("curl")
        .args([
            "-sf",
            "-XPOST",
            "-H",
            "content-type: application/json",
            "--data",
            alert,
        ])
        .arg(format!("{}/api/v2/alerts", am.url()))
        .status();
    // curl may be missing: post with amtool instead (it needs no JSON).
    if !out.is_ok_and(|s| s.success()) {
        am.amtool(&[
            "alert",
            "add",
            "alertname=PtyCheckoutDown",
            "service=checkout",
            "severity=critical",
            "--annotation=summary=checkout returns 503",
        ]);
    }

    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let url = am.url();
    let args = [
        "--journal",
        journal.to_str().unwrap(),
        "--operator",
        "carol@jump3",
        "--alertmanager",
        url.as_str(),
    ];
    let mut c = Console::start(home.path(), &args, 120, 40);
    c.wait_for("LIVE and the alert", Duration::from_secs(20), |s| {
        s.contains("LIVE") && s.contains("PtyCheckoutDown")
    });
    c.wait_for(
        "the source up in the header",
        Duration::from_secs(10),
        |s| s.contains("alertmanager ● up"),
    );
    c.send("/alertname=PtyCheckoutDown\r");
    c.send("a");
    c.wait_for("ack confirmed", Duration::from_secs(15), |s| {
        s.contains("acked PtyCheckoutDown") && s.contains("(journal #")
    });
    let (code, body) = http_get(&am.addr(), "/api/v2/silences").expect("GET silences");
    assert_eq!(code, 200);
    let silences: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ours: Vec<_> = silences
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"]["state"] == "active")
        .collect();
    assert_eq!(ours.len(), 1, "{silences}");
    assert_eq!(ours[0]["createdBy"], "carol@jump3");
    assert!(
        ours[0]["comment"]
            .as_str()
            .unwrap()
            .starts_with("cocpit-ack ")
    );
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)));
}
