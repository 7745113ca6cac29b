//! `process`: pause a process (SIGSTOP, recovered with SIGCONT) or stop it
//! (SIGTERM / SIGKILL, recovered by an optional restart command). Targets:
//! `pid:N`, `pidfile:PATH`, `name:EXACT` (every process with that name).
//! Pid 1 and cocpit's own process tree are refused. Each pid is recorded
//! with its start time, so recovery never signals a stranger that reused
//! the pid.

use super::super::proc::{self, refuse_target, running};
use super::super::provider::{Ctx, Health, Provider, data, opt_param, record};
use crate::domain::fault::argv;
use crate::domain::fault::{FaultSpec, RecoveryRecord};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub struct Process;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    action: String,
    /// `(pid, start time)`.
    pids: Vec<(u32, u64)>,
    /// The name the processes had, to tell whether a restart is needed.
    name: String,
    #[serde(default)]
    restart: Option<Vec<String>>,
}

fn targets(target: &str) -> Result<Vec<u32>, String> {
    let (kind, value) = target.split_once(':').ok_or_else(|| {
        format!("process target {target:?}: use pid:N, pidfile:PATH or name:NAME")
    })?;
    let pids = match kind {
        "pid" => vec![
            value
                .parse::<u32>()
                .map_err(|_| format!("process target {target:?}: {value:?} is not a pid"))?,
        ],
        "pidfile" => vec![proc::read_pidfile(Path::new(value))?],
        "name" => proc::find_by_name(value),
        _ => {
            return Err(format!(
                "process target {target:?}: use pid:N, pidfile:PATH or name:NAME"
            ));
        }
    };
    if pids.is_empty() {
        return Err(format!("no process matches {target}"));
    }
    Ok(pids)
}

fn signal_of(action: &str) -> Result<i32, String> {
    match action {
        "" | "pause" => Ok(libc::SIGSTOP),
        "term" => Ok(libc::SIGTERM),
        "kill" => Ok(libc::SIGKILL),
        other => Err(format!(
            "process: unknown action {other:?} (pause, term, kill)"
        )),
    }
}

impl Provider for Process {
    fn name(&self) -> &'static str {
        "process"
    }

    fn prepare(&self, spec: &FaultSpec, _ctx: &Ctx) -> Result<RecoveryRecord, String> {
        signal_of(&spec.action)?;
        let mut pids = Vec::new();
        let mut name = String::new();
        for pid in targets(&spec.target)? {
            if let Some(why) = refuse_target(pid) {
                return Err(why);
            }
            let st = proc::stat(pid).ok_or_else(|| format!("no process {pid}"))?;
            name = st.comm;
            pids.push((pid, st.start));
        }
        let restart = match opt_param(spec, "restart") {
            Some(line) => Some(argv::split(line)?),
            None => None,
        };
        let action = if spec.action.is_empty() {
            "pause".to_string()
        } else {
            spec.action.clone()
        };
        let list: Vec<String> = pids.iter().map(|(p, _)| p.to_string()).collect();
        let summary = format!("{action} {name} (pid {})", list.join(", "));
        Ok(record(
            self.name(),
            summary,
            &Rec {
                action,
                pids,
                name,
                restart,
            },
        ))
    }

    fn inject(
        &self,
        _spec: &FaultSpec,
        _ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let rec: Rec = data(prepared)?;
        let sig = signal_of(&rec.action)?;
        let mut done = Vec::new();
        for &(pid, start) in &rec.pids {
            // Re-check right before signalling: the pid must still be ours to hit.
            if !running(pid, start) {
                continue;
            }
            if let Err(e) = proc::signal(pid, sig) {
                // Undo what this call did before failing.
                if sig == libc::SIGSTOP {
                    for p in &done {
                        let _ = proc::signal(*p, libc::SIGCONT);
                    }
                }
                return Err(format!("signal pid {pid}: {e}"));
            }
            done.push(pid);
        }
        if done.is_empty() {
            return Err(format!("{}: the process is gone", prepared.summary));
        }
        Ok(prepared.clone())
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        match rec.action.as_str() {
            "pause" => {
                let mut resumed = 0;
                for &(pid, start) in &rec.pids {
                    if running(pid, start) {
                        proc::signal(pid, libc::SIGCONT)
                            .map_err(|e| format!("SIGCONT {pid}: {e}"))?;
                        resumed += 1;
                    }
                }
                Ok(format!("resumed {resumed} process(es)"))
            }
            _ => match &rec.restart {
                // Idempotent: if something by that name runs again, it was restarted.
                Some(_) if !proc::find_by_name(&rec.name).is_empty() => {
                    Ok(format!("{} runs again; no restart needed", rec.name))
                }
                Some(argv) => {
                    let (pid, _) = super::spawn_detached(argv, None)?;
                    Ok(format!("restarted {} as pid {pid}", rec.name))
                }
                None => Ok("nothing to undo (no restart command)".into()),
            },
        }
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        let Ok(rec) = data::<Rec>(record) else {
            return Health::Unknown("unreadable record".into());
        };
        if rec.action == "pause" {
            let stopped = rec.pids.iter().any(|&(pid, start)| {
                running(pid, start) && proc::stat(pid).is_some_and(|s| s.state == 'T')
            });
            return if stopped {
                Health::Active
            } else {
                Health::Gone
            };
        }
        if proc::find_by_name(&rec.name).is_empty() {
            Health::Active
        } else {
            Health::Gone
        }
    }
}
