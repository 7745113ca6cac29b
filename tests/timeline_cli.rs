//! `cocpit timeline` run as a binary on a journal fixture: the text lines
//! and the JSON document, a window and a drill's window.

#[path = "support/timeline.rs"]
mod fixture;

use cocpit::journal::Journal;
use fixture::new_events;
use std::process::Command;

fn journal() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    Journal::open(&path).unwrap().append(&new_events()).unwrap();
    (dir, path)
}

fn run(path: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .arg("--journal")
        .arg(path)
        .arg("timeline")
        .args(args)
        .env("XDG_CONFIG_HOME", path.parent().unwrap())
        .env("XDG_STATE_HOME", path.parent().unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_has_one_line_per_span_and_marker() {
    let (_dir, path) = journal();
    let text = run(
        &path,
        &["--since", "16m", "--until", "2025-03-14T09:15:00Z"],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "# window 2025-03-14T08:59:00Z .. 2025-03-14T09:15:00Z"
    );
    let has = |prefix: &str, needle: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(prefix) && l.contains(needle))
    };
    assert!(
        has(
            "faults   span   2025-03-14T09:02:10Z 2025-03-14T09:08:45Z",
            "sim latency sim:payments"
        ),
        "{text}"
    );
    assert!(
        has(
            "alarms   span   2025-03-14T08:00:00Z open",
            "CertExpiringSoon"
        ),
        "{text}"
    );
    assert!(
        has(
            "alarms   span   2025-03-14T09:03:00Z 2025-03-14T09:09:00Z critical",
            "PaymentsHighLatency"
        ),
        "{text}"
    );
    assert!(
        has("actions  marker 2025-03-14T09:04:30Z", "alarm.acked"),
        "{text}"
    );
    assert!(
        has(
            "plans    span   2025-03-14T09:05:11Z 2025-03-14T09:06:00Z ok",
            "drain"
        ),
        "{text}"
    );
    assert!(has("changes  span", "Payments rollback"), "{text}");
    assert!(
        has(
            "drills   span   2025-03-14T09:05:00Z 2025-03-14T09:08:30Z ok",
            "respond"
        ),
        "{text}"
    );
    assert!(
        has("drills   marker 2025-03-14T09:11:00Z", "drill d-1 passed"),
        "{text}"
    );
    assert!(!text.contains("OldNoise"), "over before the window");
    assert!(!text.contains('\u{1b}'), "journal text is inert");
    // Every line: lane, span|marker, a time.
    for l in &lines[1..] {
        let mut w = l.split_whitespace();
        assert!(
            ["faults", "alarms", "actions", "plans", "changes", "drills"]
                .contains(&w.next().unwrap()),
            "{l}"
        );
        assert!(["span", "marker"].contains(&w.next().unwrap()), "{l}");
        assert!(w.next().unwrap().starts_with("2025-03-14T"), "{l}");
    }
}

#[test]
fn json_is_the_documented_shape() {
    let (_dir, path) = journal();
    let text = run(
        &path,
        &[
            "--since",
            "2h",
            "--until",
            "2025-03-14T09:15:00Z",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["from"], "2025-03-14T07:15:00Z");
    assert_eq!(v["to"], "2025-03-14T09:15:00Z");
    assert_eq!(v["drill"], serde_json::Value::Null);
    let lanes = v["lanes"].as_array().unwrap();
    let names: Vec<&str> = lanes.iter().map(|l| l["lane"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["faults", "alarms", "actions", "plans", "changes", "drills"]
    );
    // Over before this window's start (07:15)? No: OldNoise ran 08:10–08:20.
    let alarms = lanes[1]["spans"].as_array().unwrap();
    let span = alarms
        .iter()
        .find(|s| s["label"] == "PaymentsHighLatency · payments")
        .unwrap();
    let mut keys: Vec<&str> = span
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["end", "end_id", "key", "label", "start", "start_id", "tone"]
    );
    assert_eq!(span["tone"], "critical");
    assert_eq!(span["start"], "2025-03-14T09:03:00Z");
    assert_eq!(span["end"], "2025-03-14T09:09:00Z");
    let open = alarms
        .iter()
        .find(|s| s["key"] == "bbbbbbbbbbbbbbbb")
        .unwrap();
    assert_eq!(open["end"], serde_json::Value::Null);
    let marker = &lanes[2]["markers"][0];
    let mut keys: Vec<&str> = marker
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["at", "id", "kind", "label"]);
    assert_eq!(lanes[0]["dropped"], 0);
}

#[test]
fn a_drill_is_its_window_and_its_faults() {
    let (_dir, path) = journal();
    let text = run(&path, &["--drill", "d-1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["drill"], "d-1");
    // drill.started 09:00 .. drill.finished 09:11, five minutes either side.
    assert_eq!(v["from"], "2025-03-14T08:55:00Z");
    assert_eq!(v["to"], "2025-03-14T09:16:00Z");
    let faults: Vec<&str> = v["lanes"][0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(faults, ["f1a2b3c4"]);
    let unknown = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .arg("--journal")
        .arg(&path)
        .args(["timeline", "--drill", "nope"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no drill nope"));
}
