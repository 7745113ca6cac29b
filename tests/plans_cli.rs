//! `cocpit check` and `cocpit plan …` as a script runs them: the real
//! binary, a temp journal, plans in a temp directory. Exit codes, what is
//! printed, what reaches the journal (and what never does), inspections
//! run when due, and the two-person rule across two journal handles.

mod support;

use chrono::{Duration as Age, Utc};
use cocpit::domain::plan::payloads::{self as p, Decision, PlanEvent};
use cocpit::domain::plan::run::{At, Section};
use cocpit::journal::Journal;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Env {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    plans: PathBuf,
    journal: PathBuf,
    config: PathBuf,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().to_path_buf();
    let plans = home.join("plans");
    std::fs::create_dir_all(&plans).unwrap();
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[plans]\ndirs = [{:?}]\nembedded = false\n",
            plans.display().to_string()
        ),
    )
    .unwrap();
    Env {
        journal: home.join("journal.db"),
        _tmp: tmp,
        home,
        plans,
        config,
    }
}

impl Env {
    fn plan(&self, file: &str, yaml: &str) -> PathBuf {
        let p = self.plans.join(file);
        std::fs::write(&p, yaml).unwrap();
        p
    }

    fn args<'a>(&'a self, rest: &[&'a str]) -> Vec<String> {
        let mut v = vec![
            "--config".to_string(),
            self.config.display().to_string(),
            "--journal".to_string(),
            self.journal.display().to_string(),
            "--operator".to_string(),
            "alice@h".to_string(),
        ];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    }

    fn cocpit(&self, rest: &[&str]) -> Output {
        let args = self.args(rest);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::cli::cocpit(&self.home, &args)
    }

    fn kinds(&self) -> Vec<(String, String)> {
        let j = Journal::open(&self.journal).unwrap();
        j.read_after(0, 10_000)
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.payload.to_string()))
            .collect()
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const OK_PLAN: &str = "id: hello\ntitle: Say hello\nservice: demo\nparams:\n  - name: who\n    required: true\n    pattern: '^[a-z]+$'\nsteps:\n  - name: greet\n    run: [echo, 'hello {{params.who}}']\n    timeout: 5s\n";

#[test]
fn check_prints_every_error_with_its_place_and_exits_1() {
    let e = env();
    let good = e.plan("good.yaml", OK_PLAN);
    // Line 5: an unknown step field; the shell with a template elsewhere.
    e.plan(
        "bad.yaml",
        "id: bad\ntitle: Bad\nsteps:\n  - name: one\n    rnu: [true]\n",
    );
    e.plan(
        "shell.yaml",
        "id: shell\ntitle: Shell\nparams:\n  - name: x\nsteps:\n  - name: s\n    run: [sh, -c, 'echo {{params.x}}']\n",
    );
    let o = e.cocpit(&["check", &good.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o).trim(), "1 plans OK");
    let o = e.cocpit(&["check", &e.plans.display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let text = out(&o);
    let bad = e.plans.join("bad.yaml").display().to_string();
    let shell = e.plans.join("shell.yaml").display().to_string();
    let bad_line = text
        .lines()
        .find(|l| l.starts_with(&bad))
        .unwrap_or_else(|| panic!("no error for bad.yaml in {text}"));
    assert!(bad_line.starts_with(&format!("{bad}:5:5: ")), "{bad_line}");
    assert!(bad_line.contains("rnu"), "{bad_line}");
    let shell_line = text
        .lines()
        .find(|l| l.starts_with(&shell))
        .unwrap_or_else(|| panic!("no error for shell.yaml in {text}"));
    let rest = &shell_line[shell.len()..];
    let mut parts = rest.splitn(4, ':');
    assert_eq!(parts.next(), Some(""));
    assert!(
        parts.next().unwrap().parse::<usize>().unwrap() > 1,
        "{shell_line}"
    );
    assert!(
        parts.next().unwrap().parse::<usize>().is_ok(),
        "{shell_line}"
    );
    let o = e.cocpit(&["check", &e.home.join("nope.yaml").display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn list_and_show_describe_the_plans() {
    let e = env();
    e.plan("good.yaml", OK_PLAN);
    e.plan("broken.yaml", "id: [\n");
    let o = e.cocpit(&["plan", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    let row = text.lines().find(|l| l.starts_with("hello ")).expect(&text);
    assert!(row.contains("runbook") && row.contains("Say hello") && row.contains("demo"));
    assert!(row.contains("good.yaml"), "{row}");
    assert!(err(&o).contains("broken.yaml:"), "{}", err(&o));
    let o = e.cocpit(&["plan", "show", "hello"]);
    assert_eq!(o.status.code(), Some(0));
    let text = out(&o);
    assert!(text.contains("who") && text.contains("required"), "{text}");
    assert!(text.contains("greet") && text.contains("run"), "{text}");
    let o = e.cocpit(&["plan", "show", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_exit_codes_say_success_failure_and_bad_input() {
    let e = env();
    e.plan("good.yaml", OK_PLAN);
    let failing = e.plan(
        "failing.yaml",
        "id: failing\ntitle: F\nsteps:\n  - name: nope\n    run: [sh, -c, 'exit 7']\n",
    );
    let o = e.cocpit(&["plan", "run", "hello", "--param", "who=world"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(
        text.lines().any(|l| l.starts_with("[ok] greet (")),
        "{text}"
    );
    let o = e.cocpit(&["plan", "run", &failing.display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        out(&o).contains("[failed] nope: exit 7 (expected 0)"),
        "{}",
        out(&o)
    );
    let rows = e.kinds().len();
    // Invalid input: nothing runs, nothing is journaled.
    for bad in [
        vec!["plan", "run", "no-such-plan"],
        vec!["plan", "run", "hello"],
        vec!["plan", "run", "hello", "--param", "who=Not Lower"],
        vec![
            "plan", "run", "hello", "--param", "who=x", "--param", "what=y",
        ],
        vec!["plan", "run", "hello", "--param", "who"],
        vec![
            "plan", "run", "hello", "--param", "who=x", "--alarm", "nope",
        ],
    ] {
        let o = e.cocpit(&bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}{}", out(&o), err(&o));
        assert!(!err(&o).is_empty(), "{bad:?} says nothing");
    }
    let invalid = e.home.join("invalid.yaml");
    std::fs::write(&invalid, "id: x\ntitle: t\nsteps: []\n").unwrap();
    let o = e.cocpit(&["plan", "run", &invalid.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("invalid.yaml:"), "{}", err(&o));
    assert_eq!(e.kinds().len(), rows);
}

const SECRET_PLAN: &str = "id: secretive\ntitle: S\nparams:\n  - name: token\n    secret: true\n    required: true\n  - name: host\n    default: db-1\nsteps:\n  - name: use it\n    run: [sh, -c, 'echo \"token is $TOKEN\"; echo to stderr >&2']\n    env: {TOKEN: '{{params.token}}'}\n  - name: call\n    run: [echo, 'host={{params.host}}']\nrollback:\n  - name: undo\n    run: ['true']\n";

#[test]
fn a_dry_run_shows_what_would_run_masked_and_touches_nothing() {
    let e = env();
    e.plan("s.yaml", SECRET_PLAN);
    let o = e.cocpit(&[
        "plan",
        "run",
        "secretive",
        "--param",
        "token=hunter2",
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("\"echo\" \"host=db-1\""), "{text}");
    assert!(text.contains("undo"), "{text}");
    assert!(!e.journal.exists(), "a dry run created the journal");
}

#[test]
fn the_run_is_in_the_journal_without_its_secrets() {
    let e = env();
    e.plan("s.yaml", SECRET_PLAN);
    let o = e.cocpit(&["plan", "run", "secretive", "--param", "token=hunter2"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(!out(&o).contains("hunter2"));
    let rows = e.kinds();
    let kinds: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"plan.run_started"));
    assert_eq!(kinds.last(), Some(&"plan.run_finished"));
    assert_eq!(
        kinds.iter().filter(|k| **k == "plan.step_finished").count(),
        2
    );
    let all: String = rows.iter().map(|(_, p)| p.as_str()).collect();
    assert!(!all.contains("hunter2"), "a secret reached the journal");
    // The output was recorded, the secret in it masked.
    assert!(all.contains("token is ••••"), "{all}");
    assert!(all.contains("host=db-1"), "{all}");
    // And `journal export` agrees.
    let o = e.cocpit(&["journal", "export"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("plan.step_finished") && !out(&o).contains("hunter2"));
}

#[test]
fn parameters_come_from_the_alarm_and_hostile_values_stay_literal() {
    let e = env();
    let dump = e.home.join("args");
    // A script file, not `sh -c`: `check` refuses a shell with templates.
    let script = e.home.join("dump.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\n", dump.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    e.plan(
        "a.yaml",
        &format!(
            "id: for-alarm\ntitle: A\nparams:\n  - name: instance\n    from: alarm.labels.instance\n    required: true\nsteps:\n  - name: dump\n    run: ['{}', '{{{{params.instance}}}}', '{{{{alarm.labels.service}}}}']\n",
            script.display()
        ),
    );
    let j = Journal::open(&e.journal).unwrap();
    let labels: std::collections::BTreeMap<String, String> = [
        ("alertname", "Down"),
        ("service", "pay; rm -rf / `id`"),
        ("instance", "$(touch /tmp/x)"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let alarm = cocpit::domain::ObservedAlarm {
        fingerprint: "fp1".into(),
        source: "test".into(),
        name: "Down".into(),
        severity: cocpit::domain::Severity::Critical,
        labels: labels.into(),
        annotations: Default::default(),
        starts_at: Utc::now(),
        generator_url: None,
    };
    j.append(&[cocpit::domain::NewEvent::new(
        Utc::now(),
        "source:test",
        cocpit::domain::EventKind::AlarmRaised,
        "fp1",
        cocpit::domain::event::payload(&alarm),
    )])
    .unwrap();
    drop(j);
    let o = e.cocpit(&["plan", "run", "for-alarm", "--alarm", "fp1"]);
    if o.status.code() == Some(2) && err(&o).contains("no alarm") {
        panic!("the alarm row did not make an alarm: {}", err(&o));
    }
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert_eq!(
        std::fs::read_to_string(&dump).unwrap(),
        "$(touch /tmp/x)\npay; rm -rf / `id`\n"
    );
}

fn inspection(id: &str, marker: &Path) -> String {
    format!(
        "id: {id}\ntitle: Inspect {id}\nkind: inspection\nschedule: every 1h\nsteps:\n  - name: look\n    run: [touch, '{}']\n",
        marker.display()
    )
}

#[test]
fn due_runs_only_the_inspections_whose_time_has_come() {
    let e = env();
    let (fresh, stale, never) = (
        e.home.join("fresh"),
        e.home.join("stale"),
        e.home.join("never"),
    );
    e.plan("fresh.yaml", &inspection("fresh", &fresh));
    e.plan("stale.yaml", &inspection("stale", &stale));
    e.plan("never.yaml", &inspection("never", &never));
    e.plan("runbook.yaml", OK_PLAN);
    // Earlier runs, as another console journaled them.
    let j = Journal::open(&e.journal).unwrap();
    let started = |id: &str, ago: i64| {
        let plan =
            cocpit::spec::plans::parse("x.yaml", &inspection(id, Path::new("/x")), &[]).unwrap();
        PlanEvent::RunStarted(p::RunStarted {
            run: format!("old-{id}"),
            plan,
            operator: "bob@h".into(),
            alarm: None,
            params: Default::default(),
            attended: false,
            rollback_only: false,
            rollback_of: None,
            headless: false,
        })
        .to_new_event(Utc::now() - Age::minutes(ago), "bob@h")
    };
    j.append(&[started("fresh", 10), started("stale", 120)])
        .unwrap();
    drop(j);
    let o = e.cocpit(&["plan", "run", "--due"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(stale.exists(), "the overdue inspection did not run");
    assert!(never.exists(), "the never-run inspection did not run");
    assert!(!fresh.exists(), "the fresh inspection ran");
    // Now they are all fresh.
    std::fs::remove_file(&stale).unwrap();
    let o = e.cocpit(&["plan", "run", "--due"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("no inspection is due"), "{}", out(&o));
    assert!(!stale.exists());
    // A failing due inspection makes the exit code 1.
    e.plan(
        "broken-check.yaml",
        "id: broken-check\ntitle: B\nkind: inspection\nschedule: every 1h\nsteps:\n  - name: no\n    run: ['false']\n",
    );
    let o = e.cocpit(&["plan", "run", "--due"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
}

/// Rows of a kind for a run, read through another handle.
fn wait_for_row(journal: &Path, kind: &str, limit: Duration) -> Option<cocpit::domain::Event> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if journal.exists()
            && let Ok(j) = Journal::open(journal)
            && let Ok(Some(ev)) = j.last_of_kind(kind)
        {
            return Some(ev);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn decided(run: &str, by: &str, decision: Decision) -> cocpit::domain::NewEvent {
    PlanEvent::Decided(p::Decided {
        run: run.into(),
        at: At {
            section: Section::Steps,
            index: 1,
        },
        name: "second pair of eyes".into(),
        decision,
        by: by.into(),
    })
    .to_new_event(Utc::now(), by)
}

#[test]
fn an_approval_comes_from_a_second_operator_never_the_runner() {
    let e = env();
    let done = e.home.join("done");
    e.plan(
        "approve.yaml",
        &format!(
            "id: two-person\ntitle: T\nsteps:\n  - name: first\n    run: ['true']\n  - name: second pair of eyes\n    approve: Fail over the database\n  - name: act\n    run: [touch, '{}']\n",
            done.display()
        ),
    );
    let args = e.args(&["plan", "run", "two-person", "--yes"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(&args)
        .env("HOME", &e.home)
        .env("XDG_STATE_HOME", e.home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waiting = wait_for_row(&e.journal, "plan.step_waiting", Duration::from_secs(20))
        .expect("the run never waited for the approval");
    let run = waiting.subject.clone();
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the run did not wait");
    assert!(!done.exists());
    // --yes does not approve, and neither may the runner.
    let j = Journal::open(&e.journal).unwrap();
    j.append(&[decided(&run, "alice@h", Decision::Approved)])
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the runner approved itself"
    );
    assert!(!done.exists());
    // A second operator, on another journal handle.
    j.append(&[decided(&run, "bob@h", Decision::Approved)])
        .unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the run never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stdout}");
    assert!(done.exists());
    assert!(
        stdout.contains("[refused] second pair of eyes by alice@h"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[approved] second pair of eyes by bob@h"),
        "{stdout}"
    );
    assert!(stdout.contains("[waiting] second pair of eyes"), "{stdout}");
}

#[test]
fn a_denied_approval_fails_the_run() {
    let e = env();
    e.plan(
        "approve.yaml",
        "id: two-person\ntitle: T\nsteps:\n  - name: first\n    run: ['true']\n  - name: second pair of eyes\n    approve: Fail over\n",
    );
    let args = e.args(&["plan", "run", "two-person"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(&args)
        .env("HOME", &e.home)
        .env("XDG_STATE_HOME", e.home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let waiting = wait_for_row(&e.journal, "plan.step_waiting", Duration::from_secs(20))
        .expect("the run never waited");
    let j = Journal::open(&e.journal).unwrap();
    j.append(&[decided(&waiting.subject, "bob@h", Decision::Denied)])
        .unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the run never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
}

#[test]
fn sigterm_aborts_the_run_and_its_rollback_runs() {
    let e = env();
    let rolled = e.home.join("rolled");
    e.plan(
        "long.yaml",
        &format!(
            "id: long\ntitle: L\nsteps:\n  - name: wait a while\n    run: [sleep, '30']\nrollback:\n  - name: undo\n    run: [touch, '{}']\n",
            rolled.display()
        ),
    );
    let args = e.args(&["plan", "run", "long"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(&args)
        .env("HOME", &e.home)
        .env("XDG_STATE_HOME", e.home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_row(&e.journal, "plan.step_started", Duration::from_secs(20))
        .expect("the step never started");
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    // SAFETY: a signal to our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the run ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(rolled.exists(), "the rollback did not run");
    let finished = wait_for_row(&e.journal, "plan.run_finished", Duration::from_secs(1)).unwrap();
    assert!(
        finished.payload.to_string().contains("aborted"),
        "{}",
        finished.payload
    );
}

#[test]
fn inject_and_recover_steps_go_through_the_fault_ledger_intent_first() {
    let e = env();
    e.plan(
        "heal.yaml",
        "id: heal\ntitle: Heal\nsteps:\n  - name: heal payments\n    inject: {provider: sim, target: 'sim:payments', action: kill, duration: 5m}\n  - name: between\n    run: ['true']\n  - name: undo it\n    recover: heal payments\n",
    );
    let o = e.cocpit(&["plan", "run", "heal"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let kinds: Vec<String> = e.kinds().into_iter().map(|(k, _)| k).collect();
    let pos = |k: &str| {
        kinds
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("no {k} in {kinds:?}"))
    };
    assert!(pos("plan.step_started") < pos("fault.intended"));
    assert!(pos("fault.intended") < pos("fault.active"));
    assert!(pos("fault.active") < pos("fault.recovering"));
    assert!(pos("fault.recovering") < pos("fault.recovered"));
    assert_eq!(kinds.last().map(String::as_str), Some("plan.run_finished"));
    // The ledger agrees: nothing is left live.
    let o = e.cocpit(&["faults", "list"]);
    assert!(out(&o).starts_with("no live faults"), "{}", out(&o));
}

#[test]
fn without_yes_and_a_terminal_a_confirm_step_waits_for_its_runner_in_the_journal() {
    let e = env();
    let done = e.home.join("done");
    e.plan(
        "confirm.yaml",
        &format!(
            "id: careful\ntitle: C\nsteps:\n  - name: first\n    run: ['true']\n  - name: second pair of eyes\n    run: [touch, '{}']\n    confirm: true\n",
            done.display()
        ),
    );
    let args = e.args(&["plan", "run", "careful"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(&args)
        .env("HOME", &e.home)
        .env("XDG_STATE_HOME", e.home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let waiting = wait_for_row(&e.journal, "plan.step_waiting", Duration::from_secs(20))
        .expect("the run never waited for the confirmation");
    let j = Journal::open(&e.journal).unwrap();
    // Someone else cannot confirm the runner's step.
    j.append(&[decided(&waiting.subject, "bob@h", Decision::Confirmed)])
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "bob confirmed alice's step"
    );
    assert!(!done.exists());
    j.append(&[decided(&waiting.subject, "alice@h", Decision::Confirmed)])
        .unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the run never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stdout}");
    assert!(done.exists());
    assert!(
        stdout.contains("[refused] second pair of eyes by bob@h"),
        "{stdout}"
    );
}

#[test]
fn a_secret_can_come_from_the_environment_instead_of_the_command_line() {
    let e = env();
    e.plan("s.yaml", SECRET_PLAN);
    let args = e.args(&["plan", "run", "secretive"]);
    let o = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(&args)
        .env("HOME", &e.home)
        .env("XDG_STATE_HOME", e.home.join("state"))
        .env("COCPIT_PARAM_TOKEN", "from-env-s3cret")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let all: String = e.kinds().iter().map(|(_, p)| p.clone()).collect();
    assert!(all.contains("token is ••••"), "{all}");
    assert!(!all.contains("from-env-s3cret"));
    // Without it the required secret is missing: invalid input.
    let o = e.cocpit(&["plan", "run", "secretive"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn on_a_terminal_a_confirm_step_asks_and_no_means_abort() {
    use support::pty::Console;
    for (answer, code) in [("y", 0), ("n", 1)] {
        let e = env();
        let done = e.home.join("done");
        e.plan(
            "confirm.yaml",
            &format!(
                "id: careful\ntitle: C\nsteps:\n  - name: risky\n    run: [touch, '{}']\n    confirm: true\n",
                done.display()
            ),
        );
        let args = e.args(&["plan", "run", "careful"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut c = Console::start(&e.home, &args, 100, 30);
        c.wait_for("the question", Duration::from_secs(20), |s| {
            s.contains("Run step \"risky\"? [y/N]")
        });
        assert!(!done.exists());
        c.send(&format!("{answer}\r"));
        assert_eq!(
            c.exit_code(Duration::from_secs(20)),
            Some(code),
            "{}",
            c.screen()
        );
        assert_eq!(done.exists(), answer == "y", "{}", c.screen());
    }
}

#[test]
fn steps_do_not_inherit_cocpits_own_settings() {
    let e = env();
    let dump = e.home.join("env");
    e.plan(
        "env.yaml",
        &format!(
            "id: env\ntitle: E\nsteps:\n  - name: dump\n    run: [sh, -c, 'env > \"$1\"', sh, '{}']\n    env: {{COCPIT_MINE: 'set by the step'}}\n",
            dump.display()
        ),
    );
    let args = e.args(&["plan", "run", "env"]);
    let o = Command::new(env!("CARGO_BIN_EXE_cocpit"))
        .args(&args)
        .env("HOME", &e.home)
        .env("XDG_STATE_HOME", e.home.join("state"))
        .env("COCPIT_ALERTMANAGER_PASSWORD", "am-s3cret")
        .env("OTHER_VAR", "kept")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let env = std::fs::read_to_string(&dump).unwrap();
    assert!(!env.contains("am-s3cret"), "{env}");
    assert!(env.contains("OTHER_VAR=kept"), "{env}");
    assert!(env.contains("COCPIT_MINE=set by the step"), "{env}");
}
