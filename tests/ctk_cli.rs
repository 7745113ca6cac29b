//! `cocpit drill run EXPERIMENT` as an operator runs it: the real binary
//! in a temp directory. Ctrl-C / SIGTERM mid-method (interrupted, and with
//! `always` the rollbacks still run), the `drill.*` rows in cocpit's
//! journal, the JUnit file, the shell warning for string arguments, a
//! python provider refused by name, var files (JSON, YAML, .env), and
//! outside text made inert before it reaches the terminal.

use cocpit::journal::Journal;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
    fn write(&self, name: &str, v: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, v).expect("write");
        p
    }
    fn cmd(&self, exp: &Path, extra: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cocpit"));
        c.arg("--journal")
            .arg(self.path("events.db"))
            .args(["drill", "run"])
            .arg(exp)
            .arg("--journal-path")
            .arg(self.path("journal.json"))
            .args(extra)
            .current_dir(self.tmp.path());
        c
    }
    fn run(&self, exp: &Path, extra: &[&str]) -> Output {
        self.cmd(exp, extra).output().expect("run cocpit")
    }
    fn journal(&self) -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(self.path("journal.json")).expect("journal.json"),
        )
        .expect("journal is JSON")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn long_method() -> String {
    json!({
        "title": "long", "description": "a method that waits",
        "steady-state-hypothesis": {"title": "h", "probes": [
            {"type": "probe", "name": "ok", "tolerance": 0, "provider": {"type": "process", "path": "true"}}
        ]},
        "method": [
            {"type": "action", "name": "started", "provider": {"type": "process", "path": "touch", "arguments": ["started"]}},
            {"type": "action", "name": "wait", "provider": {"type": "process", "path": "sleep", "arguments": ["30"]}},
            {"type": "action", "name": "never", "provider": {"type": "process", "path": "touch", "arguments": ["never"]}}
        ],
        "rollbacks": [
            {"type": "action", "name": "undo", "provider": {"type": "process", "path": "touch", "arguments": ["rolled-back"]}}
        ]
    })
    .to_string()
}

fn interrupt(sig: i32, strategy: &str) -> (Dir, Output, Duration) {
    let d = Dir::new();
    let exp = d.write("exp.json", &long_method());
    let mut child = d
        .cmd(&exp, &["--rollback-strategy", strategy])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !d.path("started").exists() {
        assert!(Instant::now() < deadline, "the method never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    // SAFETY: kill only sends a signal to our own child.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
    let _ = &mut child;
    let out = child.wait_with_output().expect("wait");
    (d, out, t.elapsed())
}

#[test]
fn ctrl_c_mid_method_is_interrupted_and_always_still_rolls_back() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let (d, out, took) = interrupt(sig, "always");
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(took < Duration::from_secs(10), "stopped in {took:?}");
        let j = d.journal();
        assert_eq!(j["status"], "interrupted");
        assert_eq!(
            j["run"].as_array().unwrap().len(),
            2,
            "the waiting action is the last"
        );
        assert_eq!(j["run"][1]["status"], "failed");
        assert!(j["steady_states"]["after"].is_null());
        assert_eq!(j["rollbacks"][0]["activity"]["name"], "undo");
        assert!(d.path("rolled-back").exists());
        assert!(!d.path("never").exists());
    }
    // Chaos Toolkit's default skips them after an interruption.
    let (d, out, _) = interrupt(libc::SIGINT, "default");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(d.journal()["status"], "interrupted");
    assert!(!d.path("rolled-back").exists());
    assert!(stderr(&out).contains("rollbacks skipped"));
}

#[test]
fn the_run_is_recorded_as_drill_rows_and_junit() {
    let d = Dir::new();
    let exp = d.write(
        "exp.json",
        &json!({
            "title": "recorded", "description": "d",
            "steady-state-hypothesis": {"title": "h", "probes": [
                {"type": "probe", "name": "p", "tolerance": 0, "provider": {"type": "process", "path": "true"}}
            ]},
            "method": [{"type": "action", "name": "a", "provider": {"type": "process", "path": "echo", "arguments": "via shell"}}]
        })
        .to_string(),
    );
    let out = d.run(&exp, &["--junit", d.path("junit.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("activity 'a' has string arguments: they run through a shell"),
        "{err}"
    );
    assert_eq!(d.journal()["run"][0]["output"]["stdout"], "via shell\n");
    let xml = std::fs::read_to_string(d.path("junit.xml")).expect("junit.xml");
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testcase classname=\"method\" name=\"a\""),
        "{xml}"
    );
    let j = Journal::open_readonly(&d.path("events.db")).expect("events journal");
    let mut kinds = Vec::new();
    let mut payloads = Vec::new();
    j.for_each(|e| {
        kinds.push(e.kind.clone());
        payloads.push(e.payload.clone());
    })
    .expect("read");
    let drill: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| k.starts_with("drill."))
        .collect();
    assert_eq!(drill.first(), Some(&"drill.started"));
    assert_eq!(drill.last(), Some(&"drill.finished"));
    assert!(
        drill.contains(&"drill.phase") && drill.contains(&"drill.measured"),
        "{drill:?}"
    );
    let fin = payloads.last().unwrap();
    assert_eq!(fin["verdict"], "passed");
}

#[test]
fn a_python_provider_is_refused_by_name_before_the_run() {
    let d = Dir::new();
    let exp = d.write(
        "exp.json",
        &json!({"title": "t", "description": "d", "method": [
            {"type": "action", "name": "kill-pods", "provider": {"type": "python", "module": "chaosk8s.pod.actions", "func": "terminate_pods"}}
        ]})
        .to_string(),
    );
    let out = d.run(&exp, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("'kill-pods'") && err.contains("python providers are not supported"),
        "{err}"
    );
    assert!(!d.path("journal.json").exists(), "the run never started");
}

#[test]
fn var_files_json_yaml_and_dotenv() {
    let d = Dir::new();
    let exp = d.write(
        "exp.yaml",
        "title: vars\ndescription: d\nconfiguration:\n  a: unset\n  b: unset\n  c: {type: env, key: CTK_C}\n  d: unset\nmethod:\n  - type: action\n    name: w\n    provider:\n      type: process\n      path: sh\n      arguments: ['-c', 'echo ${a} ${b} ${c} ${d} > out.txt']\n",
    );
    let json_file = d.write("v.json", r#"{"configuration": {"a": "from-json"}}"#);
    let yaml_file = d.write("v.yaml", "configuration:\n  b: from-yaml\n");
    let env_file = d.write("v.env", "# env\nCTK_C=from-env\n");
    let out = d.run(
        &exp,
        &[
            "--var-file",
            json_file.to_str().unwrap(),
            "--var-file",
            yaml_file.to_str().unwrap(),
            "--var-file",
            env_file.to_str().unwrap(),
            "--var",
            "d=from-var",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(d.path("out.txt")).unwrap(),
        "from-json from-yaml from-env from-var\n"
    );
    let bad = d.write("bad.json", "{");
    let out = d.run(&exp, &["--var-file", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.json"), "{}", stderr(&out));
}

#[test]
fn escape_sequences_in_names_do_not_reach_the_terminal() {
    let d = Dir::new();
    let exp = d.write(
        "exp.json",
        &json!({"title": "t\u{1b}]0;owned\u{7}", "description": "d", "method": [
            {"type": "action", "name": "evil\u{1b}[2J", "provider": {"type": "process", "path": "true"}}
        ]})
        .to_string(),
    );
    let out = d.run(&exp, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\u{1b}'), "{:?}", stderr(&out));
}
