//! Fault injection from the command line with real processes: a paused
//! `sleep`, a CPU burner, a disk fill, a command whose recovery fails until
//! the test lets it succeed. `cocpit faults inject` returns once the fault
//! is active; the detached watchdog recovers it at the deadline with no
//! console running. After every scenario nothing may be left behind.

mod support;

use std::time::{Duration, Instant};
use support::faults::{Env, Target, procs_with, wait_for};

#[test]
fn the_watchdog_resumes_a_paused_process_at_the_deadline() {
    let env = Env::new();
    let target = Target::sleep();
    let pid = target.pid().to_string();
    let started = Instant::now();
    let id = env.inject(&[
        "process",
        "--target",
        &format!("pid:{pid}"),
        "--action",
        "pause",
        "--duration",
        "2s",
    ]);
    assert_eq!(target.state(), Some('T'), "paused once inject returns");
    assert_eq!(env.state(&id), "active");
    wait_for(
        "the watchdog to resume the process",
        Duration::from_secs(10),
        || target.state() != Some('T'),
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "not before the deadline"
    );
    let f = env.wait_state(&id, "recovered", Duration::from_secs(5));
    assert_eq!(f["owner"]["kind"], "cli");
    env.assert_nothing_left(&[]);
}

#[test]
fn a_cpu_burner_is_killed_and_a_disk_fill_removed_at_the_deadline() {
    let env = Env::new();
    let fill_dir = env.dir().join("scratch");
    std::fs::create_dir_all(&fill_dir).unwrap();
    let cpu = env.inject(&[
        "cpu",
        "--target",
        "local",
        "--param",
        "percent=50",
        "--duration",
        "2s",
    ]);
    let disk = env.inject(&[
        "disk",
        "--target",
        &format!("dir:{}", fill_dir.display()),
        "--param",
        "size=8M",
        "--duration",
        "2s",
    ]);
    let tag = format!("cocpit-{cpu}");
    assert_eq!(procs_with(&tag).len(), 1, "one burner running");
    let fill = fill_dir.join(format!(".cocpit-{disk}-fill"));
    let meta = std::fs::metadata(&fill).expect("fill file exists");
    assert_eq!(meta.len(), 8 << 20);
    env.wait_state(&cpu, "recovered", Duration::from_secs(10));
    env.wait_state(&disk, "recovered", Duration::from_secs(10));
    assert!(procs_with(&tag).is_empty(), "burner killed");
    assert!(!fill.exists(), "fill file removed");
    env.assert_nothing_left(&[&fill_dir]);
}

#[test]
fn recover_all_clears_everything_at_once() {
    let env = Env::new();
    let fill_dir = env.dir().join("scratch");
    std::fs::create_dir_all(&fill_dir).unwrap();
    let a = Target::sleep();
    let b = Target::sleep();
    for t in [&a, &b] {
        env.inject(&[
            "process",
            "--target",
            &format!("pid:{}", t.pid()),
            "--duration",
            "10m",
        ]);
    }
    env.inject(&[
        "cpu",
        "--target",
        "local",
        "--param",
        "percent=20",
        "--duration",
        "10m",
    ]);
    env.inject(&[
        "memory",
        "--target",
        "local",
        "--param",
        "size=16M",
        "--duration",
        "10m",
    ]);
    env.inject(&[
        "disk",
        "--target",
        &format!("dir:{}", fill_dir.display()),
        "--param",
        "size=1M",
        "--duration",
        "10m",
    ]);
    env.inject(&[
        "sim",
        "--target",
        "sim:payments",
        "--action",
        "latency",
        "--param",
        "ms=900",
        "--duration",
        "10m",
    ]);
    assert_eq!((a.state(), b.state()), (Some('T'), Some('T')));
    let all = env.list();
    let live = all.iter().filter(|f| f["state"] == "active").count();
    assert_eq!(live, 6, "{all:#?}");

    let out = env.run(&["faults", "recover", "--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("recovered")
            .count(),
        6
    );
    assert!(a.state() != Some('T') && b.state() != Some('T'));
    assert!(env.list().iter().all(|f| f["state"] == "recovered"));
    env.assert_nothing_left(&[&fill_dir]);
}

#[test]
fn a_failing_recovery_is_retried_and_stays_visible_until_it_succeeds() {
    let env = Env::new();
    let gate = env.dir().join("allow-recovery");
    let recover = format!("test -e {}", gate.display());
    let id = env.inject(&[
        "command",
        "--target",
        "demo-host",
        "--param",
        "inject=true",
        "--param",
        &format!("recover={recover}"),
        "--duration",
        "1s",
    ]);
    // The watchdog tries at the deadline and fails: loudly visible.
    let f = env.wait_state(&id, "recovery_failing", Duration::from_secs(10));
    assert!(
        f["last_error"].as_str().unwrap().contains("exit 1"),
        "{f:#}"
    );
    let out = env.run(&["faults", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("RECOVERY FAILING") && text.contains(&id),
        "{text}"
    );
    // It keeps being retried (attempts grow) while it fails.
    wait_for("a second attempt", Duration::from_secs(10), || {
        env.fault(&id)["attempts"].as_u64().unwrap_or(0) >= 2
    });
    std::fs::write(&gate, "").unwrap();
    let f = env.wait_state(&id, "recovered", Duration::from_secs(15));
    assert!(f["attempts"].as_u64().unwrap() >= 3, "{f:#}");
    env.assert_nothing_left(&[]);
}

#[test]
fn readonly_and_blast_radius_refuse_with_a_clear_message() {
    let env = Env::new();
    let target = Target::sleep();
    let pid = format!("pid:{}", target.pid());
    let out = env.run(&[
        "--readonly",
        "faults",
        "inject",
        "process",
        "--target",
        &pid,
        "--duration",
        "5s",
        "--yes",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
    assert_eq!(target.state().map(|s| s != 'T'), Some(true));

    let out = env.run(&[
        "faults",
        "inject",
        "process",
        "--target",
        &pid,
        "--duration",
        "5s",
        "--yes",
        "--role",
        "observer",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("observer role"));
    assert_eq!(target.state().map(|s| s != 'T'), Some(true), "not paused");

    let cfg = env.dir().join("config.toml");
    std::fs::write(
        &cfg,
        "[faults]\nallowed_targets = [\"sim:*\"]\nmax_duration = \"1m\"\nmax_concurrent = 1\n",
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let refuse = |args: &[&str], needle: &str| {
        let mut a = vec!["--config", c, "faults", "inject"];
        a.extend_from_slice(args);
        a.push("--yes");
        let out = env.run(&a);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success() && err.contains(needle),
            "{args:?}: {err}"
        );
    };
    refuse(
        &["process", "--target", &pid, "--duration", "5s"],
        "allowed_targets",
    );
    refuse(
        &["sim", "--target", "sim:payments", "--duration", "2m"],
        "max_duration",
    );
    let out = env.run(&[
        "--config",
        c,
        "faults",
        "inject",
        "sim",
        "--target",
        "sim:payments",
        "--duration",
        "30s",
        "--yes",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    refuse(
        &["sim", "--target", "sim:checkout", "--duration", "30s"],
        "max_concurrent",
    );
    // Without --yes and without a terminal, nothing is injected.
    let out = env.run(&[
        "faults",
        "inject",
        "sim",
        "--target",
        "sim:payments",
        "--duration",
        "5s",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    // Pid 1 and cocpit's own tree are refused by the provider.
    let out = env.run(&[
        "faults",
        "inject",
        "process",
        "--target",
        "pid:1",
        "--duration",
        "5s",
        "--yes",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("init: refused"));

    assert_eq!(
        env.run(&["faults", "recover", "--all"]).status.code(),
        Some(0)
    );
    env.assert_nothing_left(&[]);
}

#[test]
fn stress_ng_workers_die_with_their_process_group() {
    if !support::tools::have(
        "stress-ng",
        "stress_ng_workers_die_with_their_process_group",
    ) {
        return;
    }
    let env = Env::new();
    let id = env.inject(&[
        "cpu",
        "--target",
        "local",
        "--param",
        "engine=stress-ng",
        "--param",
        "workers=2",
        "--param",
        "percent=20",
        "--duration",
        "1m",
    ]);
    let pgid = env.fault(&id)["record"]["data"]["pgid"].as_u64().unwrap() as u32;
    let group = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
                    let f: Vec<&str> = s[s.rfind(')').unwrap() + 2..].split_whitespace().collect();
                    f[0] != "Z" && f[2] == pgid.to_string()
                })
            })
            .count()
    };
    wait_for("stress-ng's workers", Duration::from_secs(5), || {
        group() >= 3
    });
    let out = env.run(&["faults", "recover", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(group(), 0, "parent and workers gone");
    env.assert_nothing_left(&[]);
}

#[test]
fn the_watchdog_recovers_a_cli_fault_when_its_guard_alarm_fires() {
    use cocpit::domain::event::payload;
    use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
    let env = Env::new();
    let target = Target::sleep();
    let out = env.run(&[
        "faults",
        "inject",
        "process",
        "--target",
        &format!("pid:{}", target.pid()),
        "--duration",
        "10m",
        "--guard",
        "alertname=~\"Boom.*",
        "--yes",
    ]);
    assert!(!out.status.success(), "a bad guard filter is refused");
    let id = env.inject(&[
        "process",
        "--target",
        &format!("pid:{}", target.pid()),
        "--duration",
        "10m",
        "--guard",
        "service=payments severity=critical",
    ]);
    assert_eq!(target.state(), Some('T'));
    // A source (here: the test) journals a matching alarm.
    let mut labels = std::collections::BTreeMap::new();
    labels.insert("alertname".to_string(), "PaymentsDown".to_string());
    labels.insert("service".to_string(), "payments".to_string());
    let alarm = ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "test".into(),
        name: "PaymentsDown".into(),
        severity: Severity::Critical,
        labels: labels.into(),
        annotations: Default::default(),
        starts_at: chrono::Utc::now(),
        generator_url: None,
    };
    let w = cocpit::journal::Writer::spawn(&env.journal).unwrap();
    w.append(vec![NewEvent::new(
        chrono::Utc::now(),
        "source:test",
        EventKind::AlarmRaised,
        &alarm.fingerprint,
        payload(&alarm),
    )]);
    w.shutdown().unwrap();
    wait_for(
        "the guard to resume the process",
        Duration::from_secs(5),
        || target.state() != Some('T'),
    );
    let f = env.wait_state(&id, "recovered", Duration::from_secs(5));
    assert!(
        f.to_string().contains("guard")
            || env
                .run(&["journal", "export"])
                .stdout
                .windows(5)
                .any(|w| w == b"guard")
    );
    env.assert_nothing_left(&[]);
}

#[test]
fn the_watchdog_recovers_a_fault_whose_probe_fails() {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let healthy = Arc::new(AtomicBool::new(true));
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = healthy.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let status = if h.load(Ordering::Relaxed) {
                "200 OK"
            } else {
                "503 Unavailable"
            };
            let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let env = Env::new();
    let target = Target::sleep();
    let out = env.run(&[
        "faults",
        "inject",
        "process",
        "--target",
        &format!("pid:{}", target.pid()),
        "--duration",
        "1m",
        "--probe",
        "https://x/",
        "--yes",
    ]);
    assert!(!out.status.success(), "only http:// probes");
    let id = env.inject(&[
        "process",
        "--target",
        &format!("pid:{}", target.pid()),
        "--duration",
        "10m",
        "--probe",
        &format!("http://127.0.0.1:{port}/health"),
    ]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(target.state(), Some('T'), "a healthy probe keeps the fault");
    healthy.store(false, Ordering::Relaxed);
    wait_for(
        "two failed probes to recover it",
        Duration::from_secs(10),
        || target.state() != Some('T'),
    );
    env.wait_state(&id, "recovered", Duration::from_secs(5));
    env.assert_nothing_left(&[]);
}

#[test]
fn a_killed_process_found_by_name_is_restarted_at_the_deadline() {
    let env = Env::new();
    // A uniquely named copy of sleep, so `name:` matches nothing else here.
    let name = format!("ccs{}", std::process::id() % 100_000);
    let bin = env.dir().join(&name);
    std::fs::copy("/bin/sleep", &bin).unwrap();
    let mut original = std::process::Command::new(&bin).arg("300").spawn().unwrap();
    let restart = format!("{} 300", bin.display());
    let id = env.inject(&[
        "process",
        "--target",
        &format!("name:{name}"),
        "--action",
        "kill",
        "--param",
        &format!("restart={restart}"),
        "--duration",
        "1s",
    ]);
    let status = original.wait().unwrap();
    assert!(!status.success(), "killed");
    let f = env.wait_state(&id, "recovered", Duration::from_secs(10));
    assert_eq!(f["state"], "recovered");
    let again = procs_with(&bin.display().to_string());
    assert_eq!(again.len(), 1, "restarted once by the recovery");
    assert_ne!(again[0], original.id());
    // Recovering again does not start a second one: it runs already.
    let out = env.run(&["faults", "recover", &id]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("already recovered"));
    // SAFETY: the restarted copy belongs to this test.
    unsafe { libc::kill(again[0] as i32, libc::SIGKILL) };
    env.assert_nothing_left(&[]);
}
