//! The providers cocpit ships, one file each, and what they share: running
//! a command as argv with a timeout, starting a detached child that
//! outlives the console, sizes, and a small JSONPath for recovery handles.

pub mod burn;
pub mod command;
pub mod disk;
pub mod http;
pub mod network;
pub mod process;
pub mod proxy;
pub mod sim;
pub mod toxiproxy;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Most a command may say into the journal (per stream).
const OUTPUT_CAP: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// `exit 1: <stderr or stdout>`, cut short, for a failure reason.
    pub fn failure(&self, what: &str) -> String {
        let text = if self.stderr.trim().is_empty() {
            self.stdout.trim()
        } else {
            self.stderr.trim()
        };
        let code = self
            .code
            .map(|c| format!("exit {c}"))
            .unwrap_or_else(|| "killed by a signal".into());
        format!("{what}: {code}: {}", cut(text, 300))
    }
}

pub fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Run `argv` (no shell), feeding `stdin`, killing it after `timeout`.
pub fn run(argv: &[String], stdin: Option<&str>, timeout: Duration) -> Result<Output, String> {
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so a timeout kills whatever it started too.
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {prog}: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        let text = text.to_string();
        // A writer thread: a child that does not read stdin must not block us.
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = super::proc::signal_group(child.id(), libc::SIGKILL);
                let _ = child.wait();
                return Err(format!(
                    "{prog} did not finish within {}s: killed",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("waiting for {prog}: {e}")),
        }
    };
    Ok(Output {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.by_ref().take(1 << 20).read_to_end(&mut buf);
            // Drain the rest so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut p, &mut std::io::sink());
        }
        buf.truncate(OUTPUT_CAP);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Start a child in its own session (so it survives the console, its
/// terminal and the SSH session), stdio to `/dev/null` or `log`. A thread
/// reaps it if it ends while we still run.
pub fn spawn_detached(
    argv: &[String],
    log: Option<&std::path::Path>,
) -> Result<(u32, u64), String> {
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let mut cmd = Command::new(prog);
    cmd.args(args).stdin(Stdio::null());
    match log {
        Some(path) => {
            let f = std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let f2 = f
                .try_clone()
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            cmd.stdout(f).stderr(f2);
        }
        None => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }
    // SAFETY: setsid(2) is async-signal-safe and touches no memory; it is
    // the only call made between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {prog}: {e}"))?;
    let pid = child.id();
    reap(child);
    let start = super::proc::stat(pid).map(|s| s.start).unwrap_or(0);
    Ok((pid, start))
}

fn reap(mut child: Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

/// Wait until `pred` holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if pred() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `512M`, `2G`, `100k`, `4096` (bytes); binary units.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (t, 1u64),
        Some((i, _)) => {
            let unit = t[i..].trim().to_ascii_lowercase();
            let mult = match unit.trim_end_matches("ib").trim_end_matches('b') {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => return Err(format!("size {s:?}: unknown unit (use K, M, G)")),
            };
            (&t[..i], mult)
        }
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("size {s:?}: expected a number like 512M"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// A JSONPath subset for recovery handles: `$.a.b`, `$.a[0].b`, `$['a']`.
/// Strings come back bare, other values as JSON text.
pub fn json_path(v: &serde_json::Value, path: &str) -> Option<String> {
    let mut cur = v;
    let p = path.trim().strip_prefix('$')?;
    let mut rest = p;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let key = &r[..end];
            cur = match key.parse::<usize>() {
                Ok(i) => cur.get(i)?,
                Err(_) => cur.get(key.trim_matches(|c| c == '\'' || c == '"'))?,
            };
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    match cur {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Where providers keep files they write (proxy run files): the state dir.
pub fn work_dir() -> Result<std::path::PathBuf, String> {
    let dir = crate::config::log_dir().join("faults");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("8M"), Ok(8 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert!(parse_size("1x").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn json_paths() {
        let v = json!({"code": 200, "success": true, "result": "7c1f", "a": [{"b": 3}]});
        assert_eq!(json_path(&v, "$.result").as_deref(), Some("7c1f"));
        assert_eq!(json_path(&v, "$.a[0].b").as_deref(), Some("3"));
        assert_eq!(json_path(&v, "$['code']").as_deref(), Some("200"));
        assert_eq!(json_path(&v, "$.nope"), None);
        assert_eq!(json_path(&v, "result"), None);
    }

    #[test]
    fn commands_run_as_argv_with_a_timeout() {
        let argv = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let out = run(
            &argv(&["sh", "-c", "echo out; echo err >&2; exit 3"]),
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "out\n");
        assert!(out.failure("x").contains("exit 3: err"));
        let out = run(&argv(&["cat"]), Some("fed"), Duration::from_secs(5)).unwrap();
        assert_eq!(out.stdout, "fed");
        let e = run(&argv(&["sleep", "5"]), None, Duration::from_millis(200)).unwrap_err();
        assert!(e.contains("killed"), "{e}");
        assert!(run(&argv(&["/nonexistent/x"]), None, Duration::from_secs(1)).is_err());
    }
}
