//! Real Prometheus and Alertmanager for the live-source tests: Debian's
//! binaries started on free loopback ports (never fixed ones: other
//! instances may run on the machine), each with its own temporary data
//! directory and config file, waited for on `/-/ready`, killed on drop.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
pub const PROMETHEUS: &str = "/usr/bin/prometheus";
pub const AMTOOL: &str = "/usr/bin/amtool";

/// Whether the servers are installed (`scripts/test` installs them). A
/// test that needs them starts with `if !available("name") { return; }`:
/// skipped with one line without them, a failure under `CI=true`.
pub fn available(test: &str) -> bool {
    super::tools::have_all(&[ALERTMANAGER, PROMETHEUS, AMTOOL], test)
}

/// A test that starts a server without asking [`available`] first fails here.
fn require_servers() {
    for b in [ALERTMANAGER, PROMETHEUS, AMTOOL] {
        assert!(
            Path::new(b).exists(),
            "{b} is missing and the test did not check `available` first (scripts/test installs it)"
        );
    }
}

/// A port nobody listens on right now. The OS picks it; the tiny window
/// before the server binds it is the accepted race of this technique.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// Minimal blocking HTTP GET for readiness checks: (status, body).
pub fn http_get(url_host_port: &str, path: &str) -> Option<(u16, String)> {
    let mut s =
        TcpStream::connect_timeout(&url_host_port.parse().ok()?, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {url_host_port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn wait_ready(addr: &str, child: &mut Child, what: &str, log: &Path) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some((200, _)) = http_get(addr, "/-/ready") {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("{what} exited with {status} before it was ready:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} on {addr} not ready after 30 s:\n{log}");
}

fn spawn_logged(bin: &str, args: &[String], log: &Path) -> Child {
    let out = std::fs::File::create(log).expect("log file");
    let err = out.try_clone().expect("log file");
    Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("start {bin}: {e}"))
}

pub struct Alertmanager {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    webhook: Option<String>,
    /// Gossip flags when it is a peer of a cluster; empty: clustering off.
    cluster_args: Vec<String>,
}

impl Alertmanager {
    /// `n` peers gossiping silences on free loopback ports.
    pub fn start_cluster(n: usize) -> Vec<Alertmanager> {
        require_servers();
        let gossip: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let mut out: Vec<Alertmanager> = (0..n)
            .map(|i| {
                let mut args = vec![
                    format!("--cluster.listen-address=127.0.0.1:{}", gossip[i]),
                    format!("--cluster.advertise-address=127.0.0.1:{}", gossip[i]),
                    "--cluster.settle-timeout=2s".to_string(),
                    "--cluster.pushpull-interval=2s".to_string(),
                ];
                for (j, p) in gossip.iter().enumerate() {
                    if j != i {
                        args.push(format!("--cluster.peer=127.0.0.1:{p}"));
                    }
                }
                Alertmanager {
                    child: None,
                    port: free_port(),
                    dir: tempfile::tempdir().expect("tempdir"),
                    webhook: None,
                    cluster_args: args,
                }
            })
            .collect();
        for am in &mut out {
            am.write_config();
            am.launch();
        }
        out
    }

    /// Start a single-instance Alertmanager (clustering off), routing every
    /// alert to `webhook` when given.
    pub fn start(webhook: Option<&str>) -> Alertmanager {
        require_servers();
        let mut am = Alertmanager {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().expect("tempdir"),
            webhook: webhook.map(str::to_string),
            cluster_args: Vec::new(),
        };
        am.write_config();
        am.launch();
        am
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("alertmanager.yml")
    }

    fn write_config(&self) {
        let receiver = match &self.webhook {
            Some(url) => format!(
                "- name: main\n  webhook_configs:\n  - url: {url}\n    send_resolved: true\n"
            ),
            None => "- name: main\n".to_string(),
        };
        let cfg = format!(
            "route:\n  receiver: main\n  group_by: [alertname, service]\n  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 1h\nreceivers:\n{receiver}"
        );
        std::fs::write(self.config_path(), cfg).expect("write alertmanager.yml");
    }

    fn launch(&mut self) {
        let log = self.dir.path().join("alertmanager.log");
        let mut args = vec![
            format!("--config.file={}", self.config_path().display()),
            format!("--storage.path={}", self.dir.path().join("data").display()),
            format!("--web.listen-address=127.0.0.1:{}", self.port),
            "--log.level=warn".to_string(),
        ];
        if self.cluster_args.is_empty() {
            args.push("--cluster.listen-address=".to_string());
        } else {
            args.extend(self.cluster_args.iter().cloned());
        }
        let mut child = spawn_logged(ALERTMANAGER, &args, &log);
        wait_ready(&self.addr(), &mut child, "alertmanager", &log);
        self.child = Some(child);
    }

    /// Kill it (the data dir stays, like a crashed server's).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// `amtool` against this Alertmanager; returns stdout, panics on failure.
    pub fn amtool(&self, args: &[&str]) -> String {
        let out = Command::new(AMTOOL)
            .arg(format!("--alertmanager.url={}", self.url()))
            .args(args)
            .output()
            .expect("run amtool");
        assert!(
            out.status.success(),
            "amtool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        self.stop();
    }
}

pub struct Prometheus {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Prometheus {
    /// Prometheus evaluating every second an always-firing rule and an
    /// `up == 0` rule (one scrape target is a port nobody listens on),
    /// sending to `am`. Resend delay 5 s: the first notification after
    /// start is dropped until the Alertmanager is discovered.
    pub fn start(am: &Alertmanager) -> Prometheus {
        require_servers();
        let port = free_port();
        let ghost = free_port();
        let dir = tempfile::tempdir().expect("tempdir");
        let rules = dir.path().join("rules.yml");
        std::fs::write(
            &rules,
            r#"groups:
- name: cocpit-test
  interval: 1s
  rules:
  - alert: CocpitAlwaysFiring
    expr: vector(1)
    labels:
      severity: critical
      service: payments
    annotations:
      summary: Always firing (cocpit live test)
      runbook_url: https://runbooks.example.invalid/CocpitAlwaysFiring
  - alert: CocpitTargetDown
    expr: up == 0
    labels:
      severity: major
      service: monitoring
    annotations:
      summary: "Target {{ $labels.instance }} of {{ $labels.job }} is down"
"#,
        )
        .expect("rules");
        let cfg = dir.path().join("prometheus.yml");
        std::fs::write(
            &cfg,
            format!(
                r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [{rules}]
alerting:
  alertmanagers:
  - static_configs:
    - targets: ['{am}']
scrape_configs:
- job_name: prometheus
  static_configs:
  - targets: ['127.0.0.1:{port}']
- job_name: ghost
  static_configs:
  - targets: ['127.0.0.1:{ghost}']
"#,
                rules = rules.display(),
                am = am.addr(),
            ),
        )
        .expect("prometheus.yml");
        let log = dir.path().join("prometheus.log");
        let args = vec![
            format!("--config.file={}", cfg.display()),
            format!("--storage.tsdb.path={}", dir.path().join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--rules.alert.resend-delay=5s".to_string(),
            "--log.level=warn".to_string(),
        ];
        let mut child = spawn_logged(PROMETHEUS, &args, &log);
        wait_ready(&format!("127.0.0.1:{port}"), &mut child, "prometheus", &log);
        Prometheus { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
