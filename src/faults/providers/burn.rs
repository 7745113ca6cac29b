//! `cpu` and `memory`: a burner child, `cocpit burn …` (always there) or
//! `stress-ng` (`engine=stress-ng`, when installed). It runs in its own
//! session and process group, so it survives the console and recovery kills
//! the whole group (stress-ng's workers outlive their parent otherwise).
//! Both expire on their own a little after the deadline, should every
//! recoverer be gone.

use super::super::proc::{self, running};
use super::super::provider::{Ctx, Health, Provider, data, opt_param, record};
use super::{parse_size, spawn_detached, wait_until};
use crate::domain::fault::{FaultSpec, RecoveryRecord};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long past its deadline a burner keeps going with nobody to stop it.
pub const SELF_EXPIRY_MARGIN_SECS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cpu,
    Memory,
}

pub struct Burn {
    pub kind: Kind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    /// `cocpit-<id>`: the burner's `--fault` argument, to find it again.
    tag: String,
    #[serde(default)]
    pid: u32,
    #[serde(default)]
    start: u64,
    #[serde(default)]
    pgid: u32,
}

impl Burn {
    fn argv(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<(Vec<String>, String), String> {
        let engine = opt_param(spec, "engine").unwrap_or("cocpit");
        let left = (ctx.deadline - Utc::now()).num_seconds().max(1) + SELF_EXPIRY_MARGIN_SECS;
        let s = |x: &str| x.to_string();
        match (self.kind, engine) {
            (Kind::Cpu, _) => {
                let workers: u32 = opt_param(spec, "workers")
                    .unwrap_or("1")
                    .parse()
                    .map_err(|_| "cpu: workers=N must be a number".to_string())?;
                let percent: u32 = opt_param(spec, "percent")
                    .unwrap_or("100")
                    .parse()
                    .map_err(|_| "cpu: percent=P must be a number".to_string())?;
                if workers == 0 || workers > 256 || !(1..=100).contains(&percent) {
                    return Err("cpu: workers 1..=256, percent 1..=100".into());
                }
                let what = format!("{workers} cpu worker(s) at {percent}%");
                match engine {
                    "stress-ng" => Ok((
                        vec![
                            s("stress-ng"),
                            s("--cpu"),
                            workers.to_string(),
                            s("--cpu-load"),
                            percent.to_string(),
                            s("--timeout"),
                            format!("{left}s"),
                        ],
                        format!("stress-ng {what}"),
                    )),
                    "cocpit" => Ok((
                        vec![
                            ctx.exe.display().to_string(),
                            s("burn"),
                            s("--cpu"),
                            workers.to_string(),
                            s("--percent"),
                            percent.to_string(),
                            s("--for-secs"),
                            left.to_string(),
                            s("--fault"),
                            ctx.tag(),
                        ],
                        what,
                    )),
                    other => Err(format!("unknown engine {other:?} (cocpit, stress-ng)")),
                }
            }
            (Kind::Memory, _) => {
                let size =
                    opt_param(spec, "size").ok_or("memory: size=SIZE is required (e.g. 256M)")?;
                let bytes = parse_size(size)?;
                let what = format!("{size} of memory held");
                match engine {
                    "stress-ng" => Ok((
                        vec![
                            s("stress-ng"),
                            s("--vm"),
                            s("1"),
                            s("--vm-bytes"),
                            bytes.to_string(),
                            s("--vm-keep"),
                            s("--timeout"),
                            format!("{left}s"),
                        ],
                        format!("stress-ng {what}"),
                    )),
                    "cocpit" => Ok((
                        vec![
                            ctx.exe.display().to_string(),
                            s("burn"),
                            s("--memory"),
                            bytes.to_string(),
                            s("--for-secs"),
                            left.to_string(),
                            s("--fault"),
                            ctx.tag(),
                        ],
                        what,
                    )),
                    other => Err(format!("unknown engine {other:?} (cocpit, stress-ng)")),
                }
            }
        }
    }
}

impl Provider for Burn {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Cpu => "cpu",
            Kind::Memory => "memory",
        }
    }

    fn validate(&self, spec: &FaultSpec) -> Result<(), String> {
        if spec.target != "local" {
            return Err(format!(
                "{}: target must be local (this host), not {:?}",
                self.name(),
                spec.target
            ));
        }
        self.prepare(spec, &Ctx::probe()).map(|_| ())
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let (_, what) = self.argv(spec, ctx)?;
        Ok(record(
            self.name(),
            what,
            &Rec {
                tag: ctx.tag(),
                pid: 0,
                start: 0,
                pgid: 0,
            },
        ))
    }

    fn inject(
        &self,
        spec: &FaultSpec,
        ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let (argv, what) = self.argv(spec, ctx)?;
        let (pid, start) = spawn_detached(&argv, None)?;
        let rec = Rec {
            tag: ctx.tag(),
            pid,
            start,
            // setsid made it the leader of its own session and group.
            pgid: pid,
        };
        // A burner that dies at once (bad argument, no stress-ng) is a failure.
        std::thread::sleep(Duration::from_millis(50));
        if !running(pid, start) {
            return Err(format!("{} exited at once", argv[0]));
        }
        let _ = prepared;
        Ok(record(self.name(), format!("{what} (pid {pid})"), &rec))
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        let mut killed = 0;
        if rec.pgid > 1 && !proc::group_members(rec.pgid).is_empty() {
            proc::signal_group(rec.pgid, libc::SIGKILL)
                .map_err(|e| format!("kill group {}: {e}", rec.pgid))?;
            killed += 1;
        }
        // A burner started by a console that died before `active` was
        // journaled is found by its `--fault` tag.
        for pid in proc::with_argument(&rec.tag) {
            let _ = proc::signal(pid, libc::SIGKILL);
            killed += 1;
        }
        let gone = wait_until(Duration::from_secs(3), || {
            (rec.pgid <= 1 || proc::group_members(rec.pgid).is_empty())
                && proc::with_argument(&rec.tag).is_empty()
        });
        if !gone {
            return Err("burner still running after SIGKILL".into());
        }
        Ok(if killed > 0 {
            "burner killed".into()
        } else {
            "burner already gone".into()
        })
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        let Ok(rec) = data::<Rec>(record) else {
            return Health::Unknown("unreadable record".into());
        };
        let group = rec.pgid > 1 && !proc::group_members(rec.pgid).is_empty();
        if group || !proc::with_argument(&rec.tag).is_empty() {
            Health::Active
        } else {
            Health::Gone
        }
    }
}
