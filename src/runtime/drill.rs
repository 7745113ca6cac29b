//! `cocpit drill run ID --headless`: a console without a terminal (the
//! embedded demo environment unless live sources are configured) that runs
//! one drill through the same drills room as the console, prints a line
//! per phase and measurement, writes a Chaos Toolkit-style `journal.json`
//! (and JUnit XML with `--junit`), and exits 0 only when the drill passed.
//! Ctrl-C or SIGTERM aborts the drill (every fault recovered, rollbacks
//! run); a second one leaves at once (the watchdog recovers at deadline).

use super::boot::{Booted, Options};
use crate::app::Msg;
use crate::domain::drill::drills::DrillView;
use crate::domain::drill::payloads::{Measure, Verdict};
use crate::domain::sanitize::inert;
use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// What the headless command writes besides its lines.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// The Chaos Toolkit-style journal (`./journal.json` by default).
    pub journal_json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
}

/// Exit codes: 0 passed; 1 failed, aborted or interrupted; 2 not started.
pub async fn run_headless(opts: Options, out: Outputs) -> Result<i32> {
    let scenario = opts.drill.clone().unwrap_or_default();
    let mut booted = Booted::start(&opts)
        .await
        .wrap_err("starting the headless console")?;
    let mut signals = Signals::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut printed = 0usize;
    let mut drill: Option<String> = None;
    let mut stdout = std::io::stdout();
    let mut interrupts = 0;
    let code = loop {
        tokio::select! {
            msg = booted.rx.recv() => match msg {
                Some(m) => booted.feed(m),
                None => break 2,
            },
            _ = tick.tick() => booted.feed(Msg::Tick),
            _ = signals.next() => {
                interrupts += 1;
                if interrupts > 1 {
                    let _ = writeln!(stdout, "second interrupt: leaving now (the watchdog recovers the faults at their deadline)");
                    break 1;
                }
                let _ = writeln!(stdout, "interrupted: aborting the drill (recovering every fault, running the rollbacks)");
                let fx = crate::app::drills::abort_all(&mut booted.state, "interrupted (Ctrl-C / SIGTERM)");
                for e in fx {
                    super::effects::run(e, &booted.executors(), &booted.tx);
                }
            }
        }
        let st = &booted.state.drills;
        if drill.is_none() {
            if let Some(r) = &st.driving {
                drill = Some(r.id.clone());
            } else if let Some(why) = &st.autostart_failed {
                let _ = writeln!(stdout, "drill {scenario} not started: {}", inert(why));
                break 2;
            }
        }
        let Some(id) = &drill else { continue };
        let Some(view) = st.journal.get(id) else {
            continue;
        };
        for (at, line) in view.log.iter().skip(printed) {
            let _ = writeln!(stdout, "{} {}", at.format("%H:%M:%S"), inert(line));
        }
        printed = view.log.len();
        if view.verdict.is_some() && st.driving.is_none() {
            let v = view.clone();
            summary(&mut stdout, &v);
            if let Some(p) = &out.journal_json
                && let Err(e) = std::fs::write(p, chaos_journal(&v))
            {
                let _ = writeln!(stdout, "cannot write {}: {e}", p.display());
            }
            if let Some(p) = &out.junit
                && let Err(e) = std::fs::write(p, junit(&v))
            {
                let _ = writeln!(stdout, "cannot write {}: {e}", p.display());
            }
            break if v.verdict == Some(Verdict::Passed) {
                0
            } else {
                1
            };
        }
    };
    booted.shutdown(true).await;
    Ok(code)
}

fn summary(out: &mut impl Write, v: &DrillView) {
    let clock = |s: Option<u64>| s.map_or("-".to_string(), |s| format!("{s}s"));
    let _ = writeln!(
        out,
        "drill {} {}: MTTD {} MTTA {} MTTR {}",
        v.id,
        v.verdict.map_or("?", Verdict::as_str),
        clock(v.mttd),
        clock(v.mtta),
        clock(v.mttr)
    );
    if !v.reason.is_empty() {
        let _ = writeln!(out, "  {}", inert(&v.reason));
    }
}

/// SIGINT, SIGTERM and SIGHUP, as one stream.
struct Signals {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
            hup: signal(SignalKind::hangup()).ok(),
        }
    }

    async fn next(&mut self) {
        async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = one(&mut self.int) => {}
            _ = one(&mut self.term) => {}
            _ = one(&mut self.hup) => {}
        }
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The drill as a Chaos Toolkit journal: `status`, `deviated`, the steady
/// states before and after, the faults as the method's actions.
pub fn chaos_journal(v: &DrillView) -> String {
    let status = match v.verdict {
        Some(Verdict::Passed) | Some(Verdict::Failed) => "completed",
        Some(Verdict::Aborted) => "aborted",
        Some(Verdict::Interrupted) => "interrupted",
        None => "running",
    };
    let end = v.ended.unwrap_or(v.started);
    let probes = |after: bool| -> Vec<serde_json::Value> {
        v.measurements
            .iter()
            .enumerate()
            .filter(|(i, (_, m))| m.what == Measure::Probe && v.is_after(*i) == after)
            .map(|(_, (at, m))| {
                serde_json::json!({
                    "activity": {"type": "probe", "name": m.name},
                    "output": m.detail,
                    "status": "succeeded",
                    "start": ts(*at),
                    "end": ts(*at),
                    "duration": 0.0,
                    "tolerance_met": m.ok,
                })
            })
            .collect()
    };
    let before = probes(false);
    let after = probes(true);
    let met = |p: &[serde_json::Value]| p.iter().all(|x| x["tolerance_met"] == true);
    let steady_met_after = met(&after);
    let run: Vec<serde_json::Value> = v
        .measurements
        .iter()
        .filter(|(_, m)| matches!(m.what, Measure::Fault | Measure::PlanRun))
        .map(|(at, m)| {
            serde_json::json!({
                "activity": {"type": "action", "name": m.name, "detail": m.detail},
                "output": null,
                "status": if m.ok { "succeeded" } else { "failed" },
                "start": ts(*at),
                "end": ts(*at),
                "duration": 0.0,
            })
        })
        .collect();
    let j = serde_json::json!({
        "chaoslib-version": null,
        "cocpit-version": env!("CARGO_PKG_VERSION"),
        "experiment": {"title": v.title, "id": v.scenario, "drill": v.id},
        "start": ts(v.started),
        "end": ts(end),
        "duration": (end - v.started).num_milliseconds() as f64 / 1000.0,
        "status": status,
        "deviated": !after.is_empty() && !steady_met_after,
        "steady_states": {
            "before": {"steady_state_met": met(&before), "probes": before},
            "after": if after.is_empty() { serde_json::Value::Null } else {
                serde_json::json!({"steady_state_met": steady_met_after, "probes": after})
            },
            "during": [],
        },
        "run": run,
        "rollbacks": [],
        "verdict": v.verdict.map(Verdict::as_str),
        "reason": v.reason,
        "measurements": {"mttd": v.mttd, "mtta": v.mtta, "mttr": v.mttr},
    });
    serde_json::to_string_pretty(&j).unwrap_or_default()
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one test case per expectation and per probe.
pub fn junit(v: &DrillView) -> String {
    let mut cases = Vec::new();
    for e in &v.expect {
        let name = if e.name.is_empty() {
            &e.filter
        } else {
            &e.name
        };
        let failure = match v.expectation(name) {
            Some(m) if m.ok => None,
            Some(m) => Some(format!(
                "{}: {}",
                if m.what == Measure::Missed {
                    "missed"
                } else {
                    "late"
                },
                m.detail
            )),
            None => Some("no measurement (the drill ended first)".into()),
        };
        let secs = v.expectation(name).and_then(|m| m.secs).unwrap_or(0);
        cases.push((format!("expect: {name}"), secs, failure));
    }
    for (i, (_, m)) in v.measurements.iter().enumerate() {
        if matches!(
            m.what,
            Measure::Probe | Measure::Recovered | Measure::Mitigated
        ) {
            // The same probe runs before and after: the phase tells the
            // two test cases apart.
            let what = match m.what {
                Measure::Probe if v.is_after(i) => "steady state after: probe",
                Measure::Probe => "steady state before: probe",
                Measure::Recovered => "recovery",
                _ => "plan",
            };
            let failure = (!m.ok).then(|| m.detail.clone());
            cases.push((format!("{what}: {}", m.name), m.secs.unwrap_or(0), failure));
        }
    }
    let failures = cases.iter().filter(|c| c.2.is_some()).count();
    let total = v
        .ended
        .map_or(0.0, |e| (e - v.started).num_milliseconds() as f64 / 1000.0);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"cocpit drills\" tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">\n",
        cases.len()
    ));
    s.push_str(&format!(
        "  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{failures}\" timestamp=\"{}\" time=\"{total:.3}\">\n",
        xml(&v.scenario),
        xml(&v.id),
        cases.len(),
        v.started.format("%Y-%m-%dT%H:%M:%S")
    ));
    for (name, secs, failure) in &cases {
        s.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{secs}\"",
            xml(&v.scenario),
            xml(name)
        ));
        match failure {
            None => s.push_str("/>\n"),
            Some(f) => s.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                xml(f),
                xml(f)
            )),
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

/// The drills on a journal, read through the kind index.
fn drills_on(journal: &std::path::Path) -> Result<crate::domain::drill::drills::Drills, String> {
    let j = crate::journal::Journal::open_readonly(journal)
        .map_err(|e| format!("opening journal {}: {e}", journal.display()))?;
    let mut d = crate::domain::drill::drills::Drills::default();
    j.for_each_kind_prefix("drill.", |ev| d.apply(ev))
        .map_err(|e| format!("reading drills: {e}"))?;
    Ok(d)
}

/// `cocpit drill list`: every scenario with its last result, then the
/// drills still running on the journal.
pub fn list(opts: &Options, json: bool) -> Result<i32, String> {
    let cat = super::boot::load_drills(opts);
    let drills = if opts.journal.exists() {
        drills_on(&opts.journal)?
    } else {
        Default::default()
    };
    let mut out = std::io::stdout();
    if json {
        let rows: Vec<serde_json::Value> = cat
            .scenarios
            .iter()
            .map(|s| {
                let last = drills.last.get(&s.id);
                serde_json::json!({
                    "id": s.id,
                    "title": s.title,
                    "application": s.application,
                    "groups": s.groups.len(),
                    "faults": s.groups.iter().map(|g| g.faults.len()).sum::<usize>(),
                    "expectations": s.expect.alarms.len(),
                    "plan": s.plan.as_ref().map(|p| p.id.clone()),
                    "last": last.map(|(v, at)| serde_json::json!({"verdict": v.as_str(), "at": at})),
                })
            })
            .collect();
        let running: Vec<serde_json::Value> = drills
            .running()
            .map(|d| serde_json::json!({"id": d.id, "scenario": d.scenario, "phase": d.phase.as_str(), "commander": d.commander}))
            .collect();
        let v = serde_json::json!({"scenarios": rows, "running": running, "errors": cat.errors});
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
        return Ok(0);
    }
    let _ = writeln!(out, "{:<24} {:<8} {:<22} TITLE", "ID", "FAULTS", "LAST");
    for s in &cat.scenarios {
        let last = drills
            .last
            .get(&s.id)
            .map_or("never".to_string(), |(v, at)| {
                format!("{} {}", v.as_str(), at.format("%m-%d %H:%M"))
            });
        let faults: usize = s.groups.iter().map(|g| g.faults.len()).sum();
        let _ = writeln!(
            out,
            "{:<24} {:<8} {:<22} {}",
            inert(&s.id),
            faults,
            last,
            inert(&s.title)
        );
    }
    for d in drills.running() {
        let _ = writeln!(
            out,
            "running: {} ({}) phase {} commanded by {}",
            d.id,
            inert(&d.scenario),
            d.phase.as_str(),
            inert(&d.commander)
        );
    }
    for e in &cat.errors {
        let _ = writeln!(out, "error: {e}");
    }
    Ok(if cat.errors.is_empty() { 0 } else { 1 })
}

/// `cocpit drill abort ID`: ask the drill's commanding console to abort
/// it (it recovers every fault and runs the rollbacks). A drill whose
/// console is gone is recorded as interrupted instead; its faults are the
/// watchdog's (or `cocpit faults recover --all`).
pub fn abort(journal: &std::path::Path, operator: &str, id: &str) -> Result<i32, String> {
    use crate::domain::drill::payloads::{AbortRequested, DrillEvent, Interrupted};
    let drills = drills_on(journal)?;
    let Some(d) = drills.get(id) else {
        return Err(format!("no drill {id:?} on {}", journal.display()));
    };
    if !d.is_running() {
        println!(
            "drill {id} is over ({})",
            d.verdict.map_or("?", Verdict::as_str)
        );
        return Ok(0);
    }
    let gone = d
        .owner
        .as_ref()
        .is_some_and(|o| !crate::faults::proc::alive(o));
    let ev = if gone {
        DrillEvent::Interrupted(Interrupted {
            drill: id.to_string(),
            by: operator.to_string(),
            phase: Some(d.phase),
        })
    } else {
        DrillEvent::AbortRequested(AbortRequested {
            drill: id.to_string(),
            by: operator.to_string(),
            reason: "cocpit drill abort".into(),
        })
    };
    let w = crate::journal::Writer::spawn(journal).map_err(|e| e.to_string())?;
    w.append(vec![ev.to_new_event(Utc::now(), operator)]);
    w.shutdown().map_err(|e| e.to_string())?;
    if gone {
        println!(
            "drill {id}: its console is gone; recorded as interrupted (its faults: `cocpit faults list`)"
        );
    } else {
        println!(
            "drill {id}: abort asked of {} (it recovers every fault and runs the rollbacks)",
            inert(&d.commander)
        );
    }
    Ok(0)
}
