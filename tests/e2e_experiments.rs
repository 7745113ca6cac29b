//! Chaos Toolkit experiments in the console, with the real binary in a
//! pseudo-terminal: `cocpit drill run EXP.json` without `--headless` opens
//! the Drills view with the experiment running and writes its journal
//! where `--journal-path` says; a console that quits mid-experiment stops
//! it and waits for its rollbacks; `A` on a second console stops the first
//! one's experiment and its rollback runs.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::cli::cocpit;
use support::pty::Console;

fn export(home: &Path, journal: &Path) -> Vec<serde_json::Value> {
    let out = cocpit(
        home,
        &["--journal", journal.to_str().unwrap(), "journal", "export"],
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// An experiment whose method sleeps `secs` and whose rollback leaves a
/// file `marker` behind (so a test sees that it ran).
fn experiment(dir: &Path, name: &str, secs: u32, marker: &Path) -> std::path::PathBuf {
    let path = dir.join(name);
    let text = serde_json::json!({
        "title": format!("sleeps {secs}s"),
        "description": "a harmless experiment for the console tests",
        "steady-state-hypothesis": {"title": "true works", "probes": [
            {"type": "probe", "name": "true-exits-0", "tolerance": 0,
             "provider": {"type": "process", "path": "true"}}
        ]},
        "method": [
            {"type": "action", "name": "sleep-a-while",
             "provider": {"type": "process", "path": "sleep", "arguments": [secs.to_string()]}}
        ],
        "rollbacks": [
            {"type": "action", "name": "leave-a-marker",
             "provider": {"type": "process", "path": "touch", "arguments": [marker.to_str().unwrap()]}}
        ]
    });
    std::fs::write(&path, serde_json::to_string_pretty(&text).unwrap()).unwrap();
    path
}

fn finished(rows: &[serde_json::Value]) -> Option<&serde_json::Value> {
    rows.iter().find(|r| r["kind"] == "drill.finished")
}

fn wait_file(p: &Path, timeout: Duration) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if p.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `cocpit drill run EXP --journal-path OUT` as ana, in a 120×40 console.
fn drill_run(home: &Path, journal: &Path, exp: &Path, out: &Path) -> Console {
    Console::start(
        home,
        &[
            "--journal",
            journal.to_str().unwrap(),
            "--operator",
            "ana",
            "drill",
            "run",
            exp.to_str().unwrap(),
            "--journal-path",
            out.to_str().unwrap(),
        ],
        120,
        40,
    )
}

#[test]
fn drill_run_of_an_experiment_opens_the_console_with_it_running() {
    let home = tempfile::tempdir().unwrap();
    let marker = home.path().join("rolled-back");
    let exp = experiment(home.path(), "short.json", 2, &marker);
    let journal = home.path().join("j.db");
    let out = home.path().join("ctk-journal.json");
    let mut c = drill_run(home.path(), &journal, &exp, &out);
    c.wait_for("the Drills view runs it", Duration::from_secs(30), |s| {
        s.contains("Chaos Toolkit experiment short") && s.contains("RUNNING")
    });
    c.wait_for("it passes", Duration::from_secs(30), |s| {
        s.contains("PASSED") && s.contains("leave-a-marker succeeded")
    });
    assert!(wait_file(&out, Duration::from_secs(5)), "its journal.json");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(j["status"], "completed");
    assert_eq!(j["deviated"], false);
    assert!(marker.exists(), "the rollback ran (cocpit's `always`)");
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(20)));
    let rows = export(home.path(), &journal);
    let started = rows
        .iter()
        .find(|r| r["kind"] == "drill.started")
        .expect("drill.started");
    assert_eq!(started["payload"]["chaostoolkit"], true);
    assert_eq!(started["payload"]["scenario"], "short");
    assert!(started["actor"].as_str().unwrap().starts_with("ana"));
    assert_eq!(finished(&rows).unwrap()["payload"]["verdict"], "passed");
}

#[test]
fn a_console_that_quits_mid_experiment_waits_for_its_rollbacks() {
    let home = tempfile::tempdir().unwrap();
    let marker = home.path().join("rolled-back");
    let exp = experiment(home.path(), "long.json", 300, &marker);
    let journal = home.path().join("j.db");
    let out = home.path().join("ctk-journal.json");
    let mut c = drill_run(home.path(), &journal, &exp, &out);
    c.wait_for("the method runs", Duration::from_secs(30), |s| {
        s.contains("phase: inject")
    });
    let t0 = Instant::now();
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(30)), "the console left");
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "the 300 s method was stopped, not waited for: {:?}",
        t0.elapsed()
    );
    assert!(marker.exists(), "the rollback ran before the console left");
    let rows = export(home.path(), &journal);
    let fin = finished(&rows).expect("its end is journaled");
    assert_eq!(fin["payload"]["verdict"], "aborted");
    assert!(
        fin["payload"]["reason"]
            .as_str()
            .unwrap()
            .contains("the console quit"),
        "{fin}"
    );
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(j["status"], "interrupted");
    assert_eq!(j["rollbacks"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_second_console_stops_the_first_ones_experiment_and_its_rollback_runs() {
    let home = tempfile::tempdir().unwrap();
    let drills = home.path().join("drills");
    std::fs::create_dir_all(&drills).unwrap();
    let marker = home.path().join("rolled-back");
    experiment(&drills, "long.json", 300, &marker);
    let cfg = home.path().join("config").join("cocpit");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        format!("[drills]\ndirs = [{:?}]\n", drills.display().to_string()),
    )
    .unwrap();
    let journal = home.path().join("j.db");
    let j = journal.to_str().unwrap();
    // Ana starts it from the list (the last row: after the demo scenarios).
    let mut a = Console::start(home.path(), &["--journal", j, "--operator", "ana"], 120, 40);
    a.wait_for("a is up", Duration::from_secs(30), |s| s.contains("Alarms"));
    a.send("6");
    a.wait_for("a lists it", Duration::from_secs(10), |s| {
        s.contains("│long ") && s.contains("Experiments: 2")
    });
    a.send("G");
    a.send("\r");
    a.wait_for("a runs it", Duration::from_secs(15), |s| {
        s.contains("phase: inject")
    });
    let mut b = Console::start(home.path(), &["--journal", j, "--operator", "bob"], 120, 40);
    b.wait_for("b is up", Duration::from_secs(30), |s| s.contains("Alarms"));
    b.send("6");
    b.wait_for("b sees it running", Duration::from_secs(10), |s| {
        s.contains("Chaos Toolkit experiment long") && s.contains("RUNNING")
    });
    b.send("A");
    a.wait_for("a stops it", Duration::from_secs(20), |s| {
        s.contains("ABORTED") && s.contains("leave-a-marker succeeded")
    });
    b.wait_for("b sees the end", Duration::from_secs(5), |s| {
        s.contains("ABORTED")
    });
    assert!(marker.exists(), "the rollback ran");
    a.send("q");
    b.send("q");
    assert!(a.wait_exit(Duration::from_secs(20)));
    assert!(b.wait_exit(Duration::from_secs(20)));
    let rows = export(home.path(), &journal);
    let asked = rows
        .iter()
        .find(|r| r["kind"] == "drill.abort_requested")
        .expect("bob's abort row");
    assert!(asked["actor"].as_str().unwrap().starts_with("bob"));
    let fin = finished(&rows).unwrap();
    assert_eq!(fin["payload"]["verdict"], "aborted");
    assert!(fin["payload"]["reason"].as_str().unwrap().contains("bob"));
    // Started and finished by ana's console, stopped at bob's word.
    assert!(fin["actor"].as_str().unwrap().starts_with("ana"));
}
