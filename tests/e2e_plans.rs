//! End to end: the real console in a pseudo-terminal runs a plan from the
//! Plans view — form, dry-run preview, confirm — sees it succeed, quits,
//! and the journal holds the run from `plan.run_started` to
//! `plan.run_finished`.

mod support;

use std::time::Duration;
use support::pty::Console;

#[test]
fn a_plan_runs_from_the_plans_view_and_is_journaled() {
    let home = tempfile::tempdir().unwrap();
    let plans = home.path().join("plans");
    std::fs::create_dir_all(&plans).unwrap();
    std::fs::write(
        plans.join("greet.yaml"),
        r#"
id: e2e-greet
title: Greet the operator
params:
  - name: who
    default: world
    pattern: '^[a-z]+$'
steps:
  - name: greet
    run: [echo, "hello {{params.who}}"]
  - name: pause
    wait: 1s
"#,
    )
    .unwrap();
    let cfg_dir = home.path().join("config").join("cocpit");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "[plans]\ndirs = [{:?}]\nembedded = false\n",
            plans.display().to_string()
        ),
    )
    .unwrap();
    let journal = home.path().join("j.db");
    let j = journal.display().to_string();
    let mut c = Console::start(
        home.path(),
        &["--journal", &j, "--seed", "5", "--operator", "e2e"],
        120,
        40,
    );
    c.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("1 Alarms")
    });
    c.send("5");
    c.wait_for("the Plans view", Duration::from_secs(5), |s| {
        s.contains("Plans: 1") && s.contains("e2e-greet")
    });
    c.send("\r");
    c.wait_for("the form", Duration::from_secs(5), |s| {
        s.contains("Run Greet the operator") && s.contains("world")
    });
    c.send("\x15"); // Ctrl-U: clear the default
    c.send("noc");
    c.send("\r");
    c.wait_for("the preview", Duration::from_secs(5), |s| {
        s.contains("Dry run") && s.contains("\"hello noc\"")
    });
    c.send("\r");
    c.wait_for("the run succeeded", Duration::from_secs(20), |s| {
        s.contains("succeeded")
    });
    let screen = c.screen();
    assert!(
        screen.contains("hello noc") || screen.contains("greet"),
        "{screen}"
    );
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(15)), "clean exit");

    let jr = cocpit::journal::Journal::open(&journal).unwrap();
    let rows = jr.read_after(0, 100_000).unwrap();
    let kinds: Vec<&str> = rows
        .iter()
        .map(|e| e.kind.as_str())
        .filter(|k| k.starts_with("plan."))
        .collect();
    assert_eq!(kinds.first(), Some(&"plan.run_started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"plan.run_finished"), "{kinds:?}");
    let fin = rows
        .iter()
        .rfind(|e| e.kind == "plan.run_finished")
        .unwrap();
    assert_eq!(
        fin.payload["outcome"]["state"], "succeeded",
        "{}",
        fin.payload
    );
    let out = rows
        .iter()
        .find(|e| e.kind == "plan.step_finished")
        .unwrap();
    assert_eq!(out.payload["output"], "hello noc\n");
    assert_eq!(out.actor, "e2e");
}
