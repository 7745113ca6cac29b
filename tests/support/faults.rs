//! Helpers for the fault-injection tests: run the real `cocpit` binary
//! against a private journal, start real target processes, read the fault
//! ledger back, and count what a scenario left behind (stopped processes,
//! burners, fault proxies, fill files, watchdogs) — which must be zero.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Env {
    pub home: tempfile::TempDir,
    pub journal: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let home = tempfile::tempdir().unwrap();
        let journal = home.path().join("journal.db");
        Env { home, journal }
    }

    pub fn j(&self) -> &str {
        self.journal.to_str().unwrap()
    }

    pub fn dir(&self) -> &Path {
        self.home.path()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cocpit"));
        c.args(args)
            .arg("--journal")
            .arg(&self.journal)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("COCPIT_OPERATOR", "tester@test")
            .env_remove("COCPIT_JOURNAL")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run cocpit")
    }

    /// `cocpit faults inject …`; returns the fault id.
    pub fn inject(&self, args: &[&str]) -> String {
        let mut a = vec!["faults", "inject"];
        a.extend_from_slice(args);
        a.push("--yes");
        let out = self.run(&a);
        assert!(
            out.status.success(),
            "inject {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `faults list --json --all` as JSON rows.
    pub fn list(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["faults", "list", "--json", "--all"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap()
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn fault(&self, id: &str) -> serde_json::Value {
        self.list()
            .into_iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no fault {id} in the ledger"))
    }

    pub fn state(&self, id: &str) -> String {
        self.fault(id)["state"].as_str().unwrap_or("").to_string()
    }

    /// Wait for a fault to reach `state`; fail with the ledger shown.
    pub fn wait_state(&self, id: &str, state: &str, timeout: Duration) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let f = self.fault(id);
            if f["state"] == state {
                return f;
            }
            if start.elapsed() > timeout {
                panic!("fault {id} not {state} after {timeout:?}: {f:#}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What this journal's faults left behind: live faults, watchdogs on
    /// this journal, burners and proxies tagged with its fault ids, fill
    /// files under `dirs`.
    pub fn leftovers(&self, dirs: &[&Path]) -> Vec<String> {
        let mut out = Vec::new();
        let faults = self.list();
        for f in &faults {
            let state = f["state"].as_str().unwrap_or("");
            if !["recovered", "failed", "dismissed"].contains(&state) {
                out.push(format!("fault {} is {state}", f["id"]));
            }
            let tag = format!("cocpit-{}", f["id"].as_str().unwrap_or(""));
            for pid in procs_with(&tag) {
                out.push(format!("process {pid} tagged {tag}"));
            }
        }
        for pid in procs_with(self.j()) {
            if cmdline(pid).iter().any(|a| a == "watchdog") {
                out.push(format!("watchdog {pid} still running"));
            }
        }
        for d in dirs {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.contains("cocpit-") && name.ends_with("-fill") {
                    out.push(format!("fill file {}", e.path().display()));
                }
            }
        }
        out
    }

    /// Wait until nothing is left behind (the watchdog exits ~3 s after
    /// the last fault ends).
    pub fn assert_nothing_left(&self, dirs: &[&Path]) {
        let start = Instant::now();
        loop {
            let left = self.leftovers(dirs);
            if left.is_empty() {
                return;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("left behind: {left:#?}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Env {
    /// A test that failed half way must not leave its faults to their
    /// self-expiry: recover whatever is live before the journal goes.
    fn drop(&mut self) {
        if self.journal.exists() {
            let _ = self.cmd(&["faults", "recover", "--all"]).output();
        }
    }
}

pub fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| {
            c.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Live (non-zombie) processes with an argument containing `needle`.
pub fn procs_with(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| state(*pid).is_some_and(|s| s != 'Z'))
        .filter(|pid| cmdline(*pid).iter().any(|a| a.contains(needle)))
        .collect()
}

/// The one-letter state of a process (`S`, `R`, `T` stopped, `Z`).
pub fn state(pid: u32) -> Option<char> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    text[text.rfind(')')? + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// A real target process: `sleep`, killed when dropped.
pub struct Target(pub Child);

impl Target {
    pub fn sleep() -> Target {
        Target(
            Command::new("sleep")
                .arg("300")
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    pub fn state(&self) -> Option<char> {
        state(self.0.id())
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_for(what: &str, timeout: Duration, mut pred: impl FnMut() -> bool) {
    let start = Instant::now();
    while !pred() {
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Read one HTTP/1.1 request from a test server's connection:
/// `(method, path, body)` (the body by Content-Length).
pub fn read_request(s: &std::net::TcpStream) -> (String, String, Vec<u8>) {
    use std::io::{BufRead, BufReader, Read};
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut len = 0;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        if h.trim().is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (method, path, body)
}
