//! `proxy`: latency, jitter, bandwidth, blackhole or connection resets in
//! front of a TCP service through fault-cli (`cargo install fault-cli`, the
//! `fault` binary), a real network-fault proxy. cocpit writes its run file
//! (`cocpit-<id>.json` in the state dir), runs `fault run FILE` as a
//! detached child (it survives the console; the watchdog stops it), waits
//! for `run-started`, and recovers by stopping it (SIGINT, then SIGKILL to
//! its group) and removing the file. Clients must talk to `listen=`.
//!
//! Target: the upstream, `tcp:HOST:PORT`. Actions: `latency` (`ms=`: every
//! read and write delayed, fault's `jitter` at probability 1 — its own
//! `latency` delays only the first traffic of a connection), `jitter`
//! (`min_ms= max_ms= probability=`), `bandwidth` (`bytes_per_second=`),
//! `blackhole`, `reset` (`probability=`). `flow=to-upstream|to-client|both`.

use super::super::proc::{self, running};
use super::super::provider::{Ctx, Health, Provider, data, opt_param, param, record};
use super::{spawn_detached, wait_until, work_dir};
use crate::domain::fault::{FaultSpec, RecoveryRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Proxy;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    run_file: PathBuf,
    listen: String,
    #[serde(default)]
    pid: u32,
    #[serde(default)]
    start: u64,
}

/// `fault` on PATH, else in cargo's bin directory.
pub fn fault_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("fault"))
            .find(|f| f.is_file())
    });
    on_path.or_else(|| {
        let cargo = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        Some(cargo.join("bin").join("fault")).filter(|f| f.is_file())
    })
}

fn num(spec: &FaultSpec, key: &str, default: Option<f64>) -> Result<f64, String> {
    match opt_param(spec, key) {
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| format!("{key}={v:?}: a non-negative number")),
        None => default.ok_or_else(|| format!("proxy {}: {key}=… is required", spec.action)),
    }
}

fn run_doc(spec: &FaultSpec, ctx: &Ctx) -> Result<(serde_json::Value, String), String> {
    let listen = param(spec, "listen")?.to_string();
    listen
        .parse::<std::net::SocketAddr>()
        .map_err(|_| format!("listen={listen:?}: like 127.0.0.1:18080"))?;
    let upstream = spec.target.strip_prefix("tcp:").ok_or_else(|| {
        format!(
            "proxy target {:?}: tcp:HOST:PORT (the service behind the proxy)",
            spec.target
        )
    })?;
    let flow = opt_param(spec, "flow").unwrap_or("both");
    if !["to-upstream", "to-client", "both"].contains(&flow) {
        return Err(format!("flow={flow:?}: to-upstream, to-client or both"));
    }
    let (fault, what) = match spec.action.as_str() {
        "latency" => {
            let ms = num(spec, "ms", None)?;
            (
                json!({"type": "jitter", "flow": flow, "min_delay_ms": ms, "max_delay_ms": ms, "probability": 1.0}),
                format!("+{ms} ms"),
            )
        }
        "jitter" => {
            let min = num(spec, "min_ms", Some(0.0))?;
            let max = num(spec, "max_ms", None)?;
            let p = num(spec, "probability", Some(1.0))?.min(1.0);
            (
                json!({"type": "jitter", "flow": flow, "min_delay_ms": min, "max_delay_ms": max, "probability": p}),
                format!("{min}–{max} ms jitter"),
            )
        }
        "bandwidth" => {
            let bps = num(spec, "bytes_per_second", None)?.max(1.0) as u64;
            (
                json!({"type": "bandwidth", "flow": flow, "bytes_per_second": bps}),
                format!("{bps} B/s"),
            )
        }
        "blackhole" => (
            json!({"type": "blackhole", "flow": flow}),
            "blackhole".to_string(),
        ),
        "reset" => {
            let p = num(spec, "probability", Some(1.0))?.min(1.0);
            (
                json!({"type": "connection-reset", "flow": flow, "probability": p}),
                format!("resets at p={p}"),
            )
        }
        other => {
            return Err(format!(
                "proxy: unknown action {other:?} (latency, jitter, bandwidth, blackhole, reset)"
            ));
        }
    };
    let doc = json!({
        "schema_version": 1,
        "name": ctx.tag(),
        "proxies": [{"name": "svc", "protocol": "tcp", "listen": listen, "upstream": upstream}],
        "phases": [{"name": "fault", "proxies": [{"proxy": "svc", "faults": [fault]}]}],
    });
    Ok((doc, format!("fault proxy {listen} → {upstream}: {what}")))
}

fn log_of(run_file: &Path) -> PathBuf {
    run_file.with_extension("log")
}

impl Provider for Proxy {
    fn name(&self) -> &'static str {
        "proxy"
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let (_, what) = run_doc(spec, ctx)?;
        if fault_binary().is_none() {
            return Err(
                "the fault binary is not installed (cargo install fault-cli --locked)".into(),
            );
        }
        let run_file = work_dir()?.join(format!("{}.json", ctx.tag()));
        let listen = param(spec, "listen")?.to_string();
        Ok(record(
            self.name(),
            what,
            &Rec {
                run_file,
                listen,
                pid: 0,
                start: 0,
            },
        ))
    }

    fn inject(
        &self,
        spec: &FaultSpec,
        ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let (doc, what) = run_doc(spec, ctx)?;
        let mut rec: Rec = data(prepared)?;
        let bin = fault_binary()
            .ok_or("the fault binary is not installed (cargo install fault-cli --locked)")?;
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(&rec.run_file, text)
            .map_err(|e| format!("write {}: {e}", rec.run_file.display()))?;
        let log = log_of(&rec.run_file);
        let argv = vec![
            bin.display().to_string(),
            "--output".into(),
            "json".into(),
            "--color".into(),
            "never".into(),
            "run".into(),
            rec.run_file.display().to_string(),
        ];
        let (pid, start) = spawn_detached(&argv, Some(&log))?;
        rec.pid = pid;
        rec.start = start;
        let started = wait_until(Duration::from_secs(10), || {
            !running(pid, start)
                || std::fs::read_to_string(&log).is_ok_and(|l| l.contains("\"run-started\""))
        });
        let up = running(pid, start);
        if !started || !up {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let partial = record(self.name(), what, &rec);
            let _ = self.recover(&partial);
            return Err(format!(
                "fault did not start: {}",
                super::cut(tail.trim(), 300)
            ));
        }
        Ok(record(self.name(), format!("{what} (pid {pid})"), &rec))
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        let mut pids: Vec<u32> = proc::with_argument(&rec.run_file.display().to_string());
        if rec.pid > 1 && running(rec.pid, rec.start) && !pids.contains(&rec.pid) {
            pids.push(rec.pid);
        }
        for &pid in &pids {
            // SIGINT: fault stops cleanly and closes its listener.
            let _ = proc::signal(pid, libc::SIGINT);
        }
        let stopped = wait_until(Duration::from_secs(3), || {
            pids.iter()
                .all(|p| proc::stat(*p).is_none_or(|s| s.state == 'Z'))
        });
        if !stopped {
            for &pid in &pids {
                let _ = proc::signal_group(pid, libc::SIGKILL);
                let _ = proc::signal(pid, libc::SIGKILL);
            }
            if !wait_until(Duration::from_secs(2), || {
                pids.iter()
                    .all(|p| proc::stat(*p).is_none_or(|s| s.state == 'Z'))
            }) {
                return Err("fault proxy still running after SIGKILL".into());
            }
        }
        for f in [rec.run_file.clone(), log_of(&rec.run_file)] {
            match std::fs::remove_file(&f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("remove {}: {e}", f.display())),
            }
        }
        Ok(if pids.is_empty() {
            "proxy already stopped".into()
        } else {
            format!("proxy on {} stopped", rec.listen)
        })
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        match data::<Rec>(record) {
            Ok(rec)
                if running(rec.pid, rec.start)
                    || !proc::with_argument(&rec.run_file.display().to_string()).is_empty() =>
            {
                Health::Active
            }
            Ok(_) => Health::Gone,
            Err(e) => Health::Unknown(e),
        }
    }
}
