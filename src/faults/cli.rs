//! `cocpit faults …` from any shell: inject (returns once the fault is
//! active and leaves its recovery to the watchdog), list, recover one or
//! all, dismiss. Same journal, same ledger, same executor as the console.

use super::exec::Executor;
use super::{proc, provider};
use crate::domain::event::payload;
use crate::domain::fault::ledger::{Fault, FaultLedger, FaultState};
use crate::domain::fault::limits::{self, FaultsConfig};
use crate::domain::fault::payloads::Dismissed;
use crate::domain::fault::{FaultSpec, OwnerKind, Trigger, fault_id, format_duration};
use crate::domain::sanitize::inert;
use crate::domain::{EventKind, NewEvent};
use crate::journal::{Journal, Writer};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum FaultsCmd {
    /// Inject a fault; returns once it is active (the watchdog recovers it)
    Inject {
        /// process, cpu, memory, disk, command, http, network, proxy, toxiproxy, sim
        provider: String,
        /// pid:N, name:NAME, dir:PATH, sim:SERVICE, local, netns:NS, tcp:HOST:PORT … (per provider)
        #[arg(long)]
        target: String,
        /// pause, kill, latency, loss, a recipe name … (per provider)
        #[arg(long, default_value = "")]
        action: String,
        /// Provider parameter, repeatable
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// How long: 30s, 5m, 1h [default: [faults] default_duration]
        #[arg(long)]
        duration: Option<String>,
        /// Recover at once when an alarm matching this filter fires
        #[arg(long, value_name = "FILTER")]
        guard: Option<String>,
        /// Recover at once when this http:// URL fails twice in a row (checked every 2 s)
        #[arg(long, value_name = "URL")]
        probe: Option<String>,
        /// Skip the typed confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Live faults, then recent history
    List {
        #[arg(long)]
        json: bool,
        /// The whole history, not the last 20
        #[arg(long)]
        all: bool,
    },
    /// Recover faults by id, or every live fault with --all
    Recover {
        ids: Vec<String>,
        #[arg(long)]
        all: bool,
    },
    /// Stop retrying a fault whose recovery keeps failing (after fixing it by hand)
    Dismiss {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// Run a `cocpit faults …` command; returns the exit code.
pub fn run(
    cmd: FaultsCmd,
    journal: &Path,
    cfg: &FaultsConfig,
    operator: &str,
    readonly: bool,
    observer: bool,
    sim_services: Option<Vec<String>>,
) -> Result<u8, String> {
    let code = match cmd {
        FaultsCmd::Inject {
            provider,
            target,
            action,
            params,
            duration,
            guard,
            probe,
            yes,
        } => {
            let mut map = std::collections::BTreeMap::new();
            for p in params {
                let Some((k, v)) = p.split_once('=') else {
                    return Err(format!("--param {p:?}: expected KEY=VALUE"));
                };
                map.insert(k.to_string(), v.to_string());
            }
            let duration_secs = match duration {
                Some(d) => crate::domain::fault::parse_duration(&d)?,
                None => cfg.default_duration,
            };
            let spec = FaultSpec {
                provider,
                target,
                action,
                params: map,
                duration_secs,
                guard,
                probe,
            };
            let args = InjectArgs {
                spec,
                yes,
                readonly,
                observer,
                operator: operator.to_string(),
                sim_services,
            };
            inject(journal, cfg, args)?
        }
        FaultsCmd::List { json, all } => list(journal, json, all)?,
        FaultsCmd::Recover { ids, all } => {
            if ids.is_empty() && !all {
                return Err("give fault ids or --all".into());
            }
            recover(journal, &ids, all, readonly, operator)?
        }
        FaultsCmd::Dismiss { id, reason } => dismiss(journal, &id, &reason, readonly, operator)?,
    };
    Ok(u8::try_from(code).unwrap_or(1))
}

/// Recover attempts `faults recover` makes before giving up (the failure
/// stays in the ledger and the watchdog keeps retrying).
const CLI_ATTEMPTS: u32 = 3;

pub fn ledger(journal: &Journal) -> Result<FaultLedger, String> {
    let mut l = FaultLedger::new();
    journal
        .for_each_kind_prefix("fault.", |ev| {
            l.apply(ev);
        })
        .map_err(|e| e.to_string())?;
    Ok(l)
}

pub struct InjectArgs {
    pub spec: FaultSpec,
    pub yes: bool,
    pub readonly: bool,
    /// Observers may recover faults but never inject them.
    pub observer: bool,
    pub operator: String,
    /// The demo's services, when known: a `sim` target must be one of them.
    pub sim_services: Option<Vec<String>>,
}

/// Inject and print the fault id once it is active. Exit code 0 when
/// active, 1 when refused or failed.
pub fn inject(journal_path: &Path, cfg: &FaultsConfig, args: InjectArgs) -> Result<i32, String> {
    if args.readonly {
        eprintln!("cocpit: read-only: faults cannot be injected");
        return Ok(1);
    }
    if args.observer {
        eprintln!("cocpit: observer role: faults cannot be injected (recovering is allowed)");
        return Ok(1);
    }
    if provider::by_name(&args.spec.provider).is_none() {
        eprintln!(
            "cocpit: unknown provider {:?} (known: {})",
            args.spec.provider,
            provider::names().join(", ")
        );
        return Ok(1);
    }
    let journal = Journal::open(journal_path).map_err(|e| e.to_string())?;
    let l = ledger(&journal)?;
    drop(journal);
    if let Some(g) = &args.spec.guard
        && let Err(e) = crate::domain::filter::Filter::parse(g)
    {
        eprintln!("cocpit: --guard {g:?}: {e}");
        return Ok(1);
    }
    if let Some(p) = &args.spec.probe
        && let Err(e) = crate::domain::fault::url::parse_url(p)
    {
        eprintln!("cocpit: --probe: {e}");
        return Ok(1);
    }
    if let Err(e) = limits::check(&args.spec, &l, cfg) {
        eprintln!("cocpit: refused: {e}");
        return Ok(1);
    }
    // The target must exist before anything is journaled.
    if let Err(e) = provider::validate(&args.spec) {
        eprintln!("cocpit: refused: {}", inert(&e));
        return Ok(1);
    }
    if args.spec.provider == "sim"
        && let Some(known) = &args.sim_services
        && !known.iter().any(|s| s == args.spec.target_name())
    {
        eprintln!(
            "cocpit: refused: sim: no service {:?} in the demo (have {})",
            inert(args.spec.target_name()),
            known.join(", ")
        );
        return Ok(1);
    }
    if !args.yes && !confirm(&args.spec)? {
        eprintln!("cocpit: not confirmed; nothing injected");
        return Ok(1);
    }
    let writer = Writer::spawn(journal_path).map_err(|e| e.to_string())?;
    let instance = proc::instance_id();
    let me = proc::me(OwnerKind::Cli, &args.operator, &instance);
    let exec = Executor::new(writer.clone(), me, journal_path);
    let id = fault_id(&format!("{instance}-cli"));
    let deadline = Utc::now() + args.spec.duration();
    exec.commit(vec![exec.intent(&id, &args.spec, deadline)])?;
    let result = exec.inject(&id, &args.spec, deadline);
    let _ = writer.shutdown();
    match result {
        Ok(record) => {
            println!("{id}");
            eprintln!(
                "fault {id} active: {} — recovered at {} by the watchdog (or `cocpit faults recover {id}`)",
                inert(&record.summary),
                deadline.format("%H:%M:%S UTC")
            );
            Ok(0)
        }
        Err(e) => {
            eprintln!("cocpit: fault {id} not injected: {}", inert(&e));
            Ok(1)
        }
    }
}

/// Typed confirmation: the operator types the target's name.
fn confirm(spec: &FaultSpec) -> Result<bool, String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        eprintln!("cocpit: confirm by typing the target's name at a terminal, or pass --yes");
        return Ok(false);
    }
    eprintln!("Inject this fault?");
    for (k, v) in crate::domain::fault::describe(spec) {
        eprintln!("  {k:<9} {}", inert(&v));
    }
    eprint!("Type {:?} to confirm: ", spec.target_name());
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let ok = line.trim() == spec.target_name();
    if !ok {
        eprintln!(
            "cocpit: you typed {:?}, not {:?}",
            inert(line.trim()),
            spec.target_name()
        );
    }
    Ok(ok)
}

fn state_label(f: &Fault) -> String {
    f.state.as_str().to_string()
}

fn left(f: &Fault, now: DateTime<Utc>) -> String {
    if !f.is_live() {
        return "-".into();
    }
    let s = f.left_secs(now);
    if s >= 0 {
        format_duration(s as u64)
    } else {
        format!("-{}", format_duration(s.unsigned_abs()))
    }
}

pub fn list(journal_path: &Path, json: bool, all: bool) -> Result<i32, String> {
    let journal = Journal::open_existing(journal_path).map_err(|e| e.to_string())?;
    let l = ledger(&journal)?;
    let now = Utc::now();
    let mut faults: Vec<&Fault> = l.live().collect();
    let history: Vec<&Fault> = l
        .all()
        .rev()
        .filter(|f| !f.is_live())
        .take(if all { usize::MAX } else { 20 })
        .collect();
    if json {
        faults.extend(history);
        let rows: Vec<serde_json::Value> = faults
            .iter()
            .map(|f| {
                serde_json::json!({
                    "id": f.id,
                    "state": f.state,
                    "provider": f.spec.provider,
                    "target": f.spec.target,
                    "action": f.spec.action,
                    "params": f.spec.params,
                    "owner": f.owner,
                    "intended_at": f.intended_at,
                    "deadline": f.deadline,
                    "ended_at": f.ended_at,
                    "record": f.record,
                    "attempts": f.attempts,
                    "last_error": f.last_error,
                    "retry_at": f.retry_at,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(0);
    }
    print!("{}", list_text(&faults, &history, now));
    Ok(0)
}

/// The text `faults list` prints: live faults under a header, or a line
/// saying there are none; then the recent history under its own header.
fn list_text(live: &[&Fault], history: &[&Fault], now: DateTime<Utc>) -> String {
    let header = format!(
        "{:<9} {:<17} {:<10} {:<28} {:>8}  WHAT\n",
        "ID", "STATE", "PROVIDER", "TARGET", "LEFT"
    );
    let row = |f: &Fault| {
        let what = f
            .last_error
            .as_ref()
            .filter(|_| f.state == FaultState::RecoveryFailing || f.state == FaultState::Failed)
            .cloned()
            .or_else(|| f.record.as_ref().map(|r| r.summary.clone()))
            .unwrap_or_else(|| f.spec.action.clone());
        format!(
            "{:<9} {:<17} {:<10} {:<28} {:>8}  {}\n",
            inert(&f.id),
            state_label(f),
            inert(&f.spec.provider),
            inert(&f.spec.target),
            left(f, now),
            inert(&what)
        )
    };
    let mut out = String::new();
    if live.is_empty() {
        out.push_str("no live faults\n");
    } else {
        out.push_str(&header);
        live.iter().for_each(|f| out.push_str(&row(f)));
    }
    if !history.is_empty() {
        out.push_str("-- history (newest first)\n");
        out.push_str(&header);
        history.iter().for_each(|f| out.push_str(&row(f)));
    }
    out
}

/// Recover `ids` (or every live fault), a few attempts each.
pub fn recover(
    journal_path: &Path,
    ids: &[String],
    all: bool,
    readonly: bool,
    operator: &str,
) -> Result<i32, String> {
    if readonly {
        eprintln!("cocpit: read-only: faults cannot be recovered from here");
        return Ok(1);
    }
    let journal = Journal::open_existing(journal_path).map_err(|e| e.to_string())?;
    let l = ledger(&journal)?;
    let targets: Vec<Fault> = if all {
        l.live().cloned().collect()
    } else {
        let mut v = Vec::new();
        for id in ids {
            match l.get(id) {
                Some(f) => v.push(f.clone()),
                None => {
                    eprintln!("cocpit: no fault {id}");
                    return Ok(1);
                }
            }
        }
        v
    };
    if targets.is_empty() {
        println!("nothing to recover");
        return Ok(0);
    }
    let writer = Writer::spawn(journal_path).map_err(|e| e.to_string())?;
    let me = proc::me(OwnerKind::Cli, operator, &proc::instance_id());
    let exec = Executor::new(writer.clone(), me, journal_path);
    let trigger = if all {
        Trigger::Panic
    } else {
        Trigger::Operator
    };
    let handles: Vec<_> = targets
        .into_iter()
        .map(|f| {
            let exec = exec.clone();
            std::thread::spawn(move || recover_one(&exec, f, trigger))
        })
        .collect();
    let mut failed = 0;
    for h in handles {
        match h.join() {
            Ok(Ok(line)) => println!("{line}"),
            Ok(Err(line)) => {
                eprintln!("{line}");
                failed += 1;
            }
            Err(_) => failed += 1,
        }
    }
    let _ = writer.shutdown();
    Ok(if failed == 0 { 0 } else { 1 })
}

fn recover_one(exec: &Executor, mut f: Fault, trigger: Trigger) -> Result<String, String> {
    if !f.is_live() {
        return Ok(format!("{}: already {}", inert(&f.id), f.state.as_str()));
    }
    let mut last = String::new();
    for attempt in 0..CLI_ATTEMPTS {
        match exec.recover(
            &f,
            if attempt == 0 {
                trigger
            } else {
                Trigger::Retry
            },
        ) {
            Ok(detail) => return Ok(format!("{}: recovered ({})", inert(&f.id), inert(&detail))),
            Err(e) => {
                last = e;
                f.attempts += 1;
                if attempt + 1 < CLI_ATTEMPTS {
                    std::thread::sleep(
                        crate::domain::fault::recovery::backoff(f.attempts)
                            .to_std()
                            .unwrap_or_default(),
                    );
                }
            }
        }
    }
    Err(format!(
        "{}: recovery failed {CLI_ATTEMPTS} times: {} (still shown as failing; retried by the watchdog)",
        inert(&f.id),
        inert(&last)
    ))
}

pub fn dismiss(
    journal_path: &Path,
    id: &str,
    reason: &str,
    readonly: bool,
    operator: &str,
) -> Result<i32, String> {
    if readonly {
        eprintln!("cocpit: read-only");
        return Ok(1);
    }
    let journal = Journal::open_existing(journal_path).map_err(|e| e.to_string())?;
    let l = ledger(&journal)?;
    let Some(f) = l.get(id) else {
        eprintln!("cocpit: no fault {id}");
        return Ok(1);
    };
    if !f.is_live() {
        println!("{id}: already {}", f.state.as_str());
        return Ok(0);
    }
    let writer = Writer::spawn(journal_path).map_err(|e| e.to_string())?;
    let ev = NewEvent::new(
        Utc::now(),
        operator,
        EventKind::FaultDismissed,
        id,
        payload(&Dismissed {
            reason: reason.to_string(),
        }),
    );
    let r = writer.append_confirmed(vec![ev]).blocking_recv();
    let _ = writer.shutdown();
    match r {
        Ok(Ok(_)) => {
            println!("{id}: dismissed");
            Ok(0)
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("journal writer stopped".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fault::ledger::tests::{active, intended};

    #[test]
    fn the_ledger_reads_only_fault_rows_through_the_kind_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let w = Writer::spawn(&path).unwrap();
        let new = |e: crate::domain::Event| NewEvent {
            ts: e.ts,
            actor: e.actor,
            kind: e.kind,
            subject: e.subject,
            payload: e.payload,
        };
        let other =
            |kind: EventKind| NewEvent::new(Utc::now(), "t", kind, "x", serde_json::json!({}));
        w.append(vec![
            new(intended(1, 0, "f1", "c")),
            other(EventKind::AlarmRaised),
            other(EventKind::SimStarted),
            new(active(4, 0, "f1")),
            other(EventKind::OperatorJoined),
        ]);
        w.shutdown().unwrap();
        let j = Journal::open(&path).unwrap();
        let mut kinds = Vec::new();
        let n = j
            .for_each_kind_prefix("fault.", |e| kinds.push((e.id, e.kind.clone())))
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            kinds,
            vec![
                (1, "fault.intended".to_string()),
                (4, "fault.active".to_string())
            ]
        );
        let l = ledger(&j).unwrap();
        assert_eq!(l.get("f1").map(|f| f.state), Some(FaultState::Active));
    }

    #[test]
    fn list_says_when_nothing_is_live_and_shows_the_history() {
        use crate::domain::fault::ledger::tests::ev;
        use crate::domain::fault::payloads::Recovered;
        let recovered = ev(
            3,
            5,
            EventKind::FaultRecovered,
            "f1",
            payload(&Recovered {
                trigger: Trigger::Operator,
                detail: "resumed".into(),
            }),
        );
        let mut l = FaultLedger::new();
        for ev in [intended(1, 0, "f1", "c"), active(2, 0, "f1"), recovered] {
            l.apply(&ev);
        }
        let history: Vec<&Fault> = l.all().collect();
        let text = list_text(&[], &history, Utc::now());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "no live faults", "{text}");
        assert!(lines[1].starts_with("-- history"), "{text}");
        assert!(lines[2].starts_with("ID "), "{text}");
        assert!(
            lines[3].starts_with("f1 ") && lines[3].contains("recovered"),
            "{text}"
        );
        assert_eq!(list_text(&[], &[], Utc::now()), "no live faults\n");
    }
}
