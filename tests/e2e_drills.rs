//! End to end on the embedded demo environment, with the real binary:
//! `cocpit drill run ID --headless` passes (exit 0, journal.json, JUnit),
//! the blind-spot scenario fails (exit 1), Ctrl-C aborts a drill and every
//! fault is recovered, a runner killed with SIGKILL leaves its fault to
//! the watchdog and its drill recorded as interrupted, and two consoles on
//! one journal show the same drill while the second one passes its gate
//! and aborts it. Each demo drill takes about a minute of wall time.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::cli::cocpit;
use support::pty::Console;

fn headless(home: &Path, journal: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .arg("--journal")
        .arg(journal)
        .args(["drill", "run"])
        .args(args)
        .arg("--headless")
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("COCPIT_JOURNAL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cocpit drill")
}

/// Lines of the child's stdout, on a thread, into a shared buffer.
fn collect(child: &mut Child) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stdout = child.stdout.take().expect("stdout");
    let o = out.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            o.lock().unwrap().push(line);
        }
    });
    out
}

fn wait_line(lines: &std::sync::Mutex<Vec<String>>, what: &str, timeout: Duration) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if lines.lock().unwrap().iter().any(|l| l.contains(what)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

fn wait_exit(child: &mut Child, timeout: Duration) -> Option<i32> {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if let Ok(Some(s)) = child.try_wait() {
            return s.code();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    None
}

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

fn live_faults(home: &Path, journal: &Path) -> usize {
    let out = cocpit(
        home,
        &[
            "--journal",
            journal.to_str().unwrap(),
            "faults",
            "list",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    // The list has the history too: count what is not over.
    v.as_array().map_or(0, |a| {
        a.iter()
            .filter(|f| {
                !matches!(
                    f["state"].as_str(),
                    Some("recovered" | "failed" | "dismissed")
                )
            })
            .count()
    })
}

/// A small XML well-formedness check: every tag closed in order, one root.
fn well_formed(xml: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        rest = &r[r.find("?>").ok_or("unclosed declaration")? + 2..];
    }
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        if text.contains('&') && !text.split('&').skip(1).all(|t| t.contains(';')) {
            return Err(format!("bare & in {text:?}"));
        }
        let end = rest[i..].find('>').ok_or("unclosed tag")? + i;
        let tag = &rest[i + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("stray </{name}>"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
        } else {
            let name = tag
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches('/');
            if stack.is_empty() {
                roots += 1;
            }
            if !tag.ends_with('/') {
                stack.push(name.to_string());
            }
        }
        rest = &rest[end + 1..];
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} roots"));
    }
    Ok(xml.matches("<testcase").count())
}

#[test]
fn the_payments_drill_passes_headless_with_a_journal_and_junit() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let junit = home.path().join("junit.xml");
    let mut child = headless(
        home.path(),
        &journal,
        &["payments-latency", "--junit", junit.to_str().unwrap()],
    );
    let lines = collect(&mut child);
    let code = wait_exit(&mut child, Duration::from_secs(150));
    let out = lines.lock().unwrap().join("\n");
    assert_eq!(code, Some(0), "{out}");
    for want in [
        "phase: steady state before",
        "detected payments latency alarm",
        "mitigated: plan run",
        "recovered at",
        "drill passed",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    // The Chaos Toolkit-style journal, as `chaos run` leaves it in the cwd.
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("journal.json")).unwrap())
            .unwrap();
    assert_eq!(j["status"], "completed");
    assert_eq!(j["deviated"], false);
    assert_eq!(j["steady_states"]["before"]["steady_state_met"], true);
    let xml = std::fs::read_to_string(&junit).unwrap();
    let cases = well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert!(cases >= 4, "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    // The same probe before and after is two test cases, told apart.
    assert!(
        xml.contains("steady state before: probe: payments quiet")
            && xml.contains("steady state after: probe: payments quiet"),
        "{xml}"
    );
    assert_eq!(
        j["steady_states"]["after"]["probes"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{j}"
    );
    // The event journal has the drill, start to finish, and nothing live.
    let rows = export(home.path(), &journal);
    let kinds: Vec<&str> = rows.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert!(kinds.contains(&"drill.started") && kinds.contains(&"drill.finished"));
    let fin = rows.iter().find(|r| r["kind"] == "drill.finished").unwrap();
    assert_eq!(fin["payload"]["verdict"], "passed");
    assert_eq!(live_faults(home.path(), &journal), 0);
}

#[test]
fn the_blind_spot_drill_fails_with_exit_1() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let mut child = headless(home.path(), &journal, &["redis-blind-spot"]);
    let lines = collect(&mut child);
    let code = wait_exit(&mut child, Duration::from_secs(120));
    let out = lines.lock().unwrap().join("\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("MISSED redis latency alarm"), "{out}");
    assert!(out.contains("drill failed"), "{out}");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("journal.json")).unwrap())
            .unwrap();
    assert_eq!(j["verdict"], "failed");
    assert_eq!(live_faults(home.path(), &journal), 0);
}

#[test]
fn ctrl_c_aborts_the_drill_and_recovers_every_fault() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let mut child = headless(home.path(), &journal, &["inventory-crash-loop"]);
    let lines = collect(&mut child);
    assert!(
        wait_line(&lines, "phase: observe", Duration::from_secs(60)),
        "{:?}",
        lines.lock().unwrap()
    );
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let code = wait_exit(&mut child, Duration::from_secs(60));
    let out = lines.lock().unwrap().join("\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("drill aborted"), "{out}");
    let rows = export(home.path(), &journal);
    let fin = rows.iter().find(|r| r["kind"] == "drill.finished").unwrap();
    assert_eq!(fin["payload"]["verdict"], "aborted");
    assert!(rows.iter().any(|r| r["kind"] == "fault.recovered"));
    assert_eq!(live_faults(home.path(), &journal), 0, "{out}");
}

#[test]
fn a_killed_runner_leaves_its_fault_to_the_watchdog_and_its_drill_interrupted() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.db");
    let mut child = headless(home.path(), &journal, &["redis-blind-spot"]);
    let lines = collect(&mut child);
    assert!(wait_line(&lines, "phase: observe", Duration::from_secs(60)));
    child.kill().unwrap();
    let _ = child.wait();
    let j = journal.to_str().unwrap();
    let list = cocpit(home.path(), &["--journal", j, "drill", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = v["running"][0]["id"]
        .as_str()
        .expect("a running drill")
        .to_string();
    let abort = cocpit(home.path(), &["--journal", j, "drill", "abort", &id]);
    let said = String::from_utf8_lossy(&abort.stdout);
    assert!(said.contains("recorded as interrupted"), "{said}");
    let rows = export(home.path(), &journal);
    assert!(rows.iter().any(|r| r["kind"] == "drill.interrupted"));
    // The 25 s fault is the watchdog's: gone by its deadline.
    let end = Instant::now() + Duration::from_secs(60);
    while live_faults(home.path(), &journal) > 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_secs(1));
    }
    assert_eq!(
        live_faults(home.path(), &journal),
        0,
        "the watchdog recovered it"
    );
}

#[test]
fn two_consoles_watch_one_drill_and_the_second_passes_its_gate_and_aborts_it() {
    let home = tempfile::tempdir().unwrap();
    let drills = home.path().join("drills");
    std::fs::create_dir_all(&drills).unwrap();
    std::fs::write(
        drills.join("gated.yaml"),
        r#"
id: gated
title: Gated payments errors
blast_radius: ['sim:payments']
gate: manual
groups:
  - faults:
      - {provider: sim, target: 'sim:payments', action: errors, params: {rate: '0.2'}, duration: 60s}
expect:
  alarms:
    - {name: errors, filter: 'alertname=ErrorRateHigh service=payments', within: 30s}
"#,
    )
    .unwrap();
    let cfg = home.path().join("config").join("cocpit");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        format!("[drills]\ndirs = [{:?}]\n", drills.display().to_string()),
    )
    .unwrap();
    let journal = home.path().join("j.db");
    let j = journal.to_str().unwrap();
    let mut a = Console::start(
        home.path(),
        &["--journal", j, "--operator", "ana", "drill", "run", "gated"],
        120,
        40,
    );
    a.wait_for("a holds the gate", Duration::from_secs(60), |s| {
        s.contains("HELD before inject")
    });
    let mut b = Console::start(home.path(), &["--journal", j, "--operator", "bob"], 120, 40);
    b.wait_for("b sees the demo", Duration::from_secs(30), |s| {
        s.contains("Alarms")
    });
    b.send("6");
    b.wait_for("b sees the held drill", Duration::from_secs(10), |s| {
        s.contains("HELD before inject by ana")
    });
    // Bob lets it go on; Ana's console injects.
    b.send(" ");
    a.wait_for("a injects", Duration::from_secs(15), |s| {
        s.contains("▶observe") && s.contains("active")
    });
    b.wait_for("b follows", Duration::from_secs(5), |s| {
        s.contains("▶observe")
    });
    // Bob aborts; Ana's console recovers the fault and ends the drill.
    b.send("A");
    a.wait_for("a aborted", Duration::from_secs(30), |s| {
        s.contains("ABORTED")
    });
    b.wait_for("b aborted", Duration::from_secs(5), |s| {
        s.contains("ABORTED")
    });
    a.send("q");
    b.send("q");
    a.wait_exit(Duration::from_secs(20));
    b.wait_exit(Duration::from_secs(20));
    let rows = export(home.path(), &journal);
    let gate = rows
        .iter()
        .find(|r| r["kind"] == "drill.gate" && r["payload"]["state"] == "advanced")
        .expect("the gate row");
    assert!(gate["actor"].as_str().unwrap().starts_with("bob"));
    assert!(rows.iter().any(|r| r["kind"] == "drill.abort_requested"));
    let fin = rows.iter().find(|r| r["kind"] == "drill.finished").unwrap();
    assert_eq!(fin["payload"]["verdict"], "aborted");
    assert_eq!(live_faults(home.path(), &journal), 0);
}

#[test]
fn a_steady_state_probe_whose_output_does_not_match_stops_the_drill_before_any_fault() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("probe.yaml");
    std::fs::write(
        &file,
        r#"
id: probe-check
title: Probe output check
blast_radius: ['sim:payments']
steady_state:
  probes:
    - name: greets
      run: [echo, hello]
      matches: 'hel+o'
    - name: says bye
      run: [echo, hello]
      matches: '^bye'
groups:
  - faults:
      - {provider: sim, target: 'sim:payments', action: kill, duration: 20s}
"#,
    )
    .unwrap();
    let journal = home.path().join("j.db");
    let mut child = headless(home.path(), &journal, &[file.to_str().unwrap()]);
    let lines = collect(&mut child);
    let code = wait_exit(&mut child, Duration::from_secs(60));
    let out = lines.lock().unwrap().join("\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("probe greets holds"), "{out}");
    assert!(out.contains("probe says bye FAILED"), "{out}");
    assert!(out.contains("nothing injected"), "{out}");
    let rows = export(home.path(), &journal);
    assert!(
        !rows.iter().any(|r| r["kind"] == "fault.intended"),
        "no fault"
    );
}
