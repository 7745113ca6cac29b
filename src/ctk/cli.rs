//! `cocpit drill run EXPERIMENT.json|.yaml`: a Chaos Toolkit experiment
//! from the command line, with `chaos run`'s exit-code rule: load and
//! validate it, resolve configuration and secrets, run it, write
//! `journal.json` (and JUnit XML), and record the run in cocpit's event
//! journal as `drill.*` rows.

use crate::domain::drill::RollbackStrategy;
use crate::domain::drill::payloads::{
    DrillEvent, Finished, Measure, Measured, Phase, PhaseEntered, Started, Verdict,
};
use crate::domain::experiment::journal::{ActivityStatus, Journal, RunStatus, junit};
use crate::domain::experiment::run::{self, Progress, Settings, Stage};
use crate::domain::experiment::vars::{self, Overrides};
use crate::domain::experiment::{self as exp, Format};
use crate::domain::fault::limits::FaultsConfig;
use crate::domain::sanitize::inert;
use crate::journal::Writer;
use chrono::Utc;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Opts {
    pub file: PathBuf,
    /// Where the Chaos Toolkit journal goes (`./journal.json`).
    pub journal_path: PathBuf,
    /// `--rollback-strategy` when given: it wins over the experiment's
    /// `runtime.rollbacks.strategy`, which wins over cocpit's `always`.
    pub rollback_strategy: Option<RollbackStrategy>,
    /// `--var k=v`, in order.
    pub vars: Vec<(String, String)>,
    pub var_files: Vec<PathBuf>,
    pub junit: Option<PathBuf>,
    /// cocpit's event journal (the run is recorded there too).
    pub events: PathBuf,
    pub operator: String,
    pub faults: FaultsConfig,
}

/// Whether `path` holds a Chaos Toolkit experiment (rather than a cocpit
/// drill scenario).
pub fn is_experiment(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| exp::looks_like(&path.to_string_lossy(), &text))
}

fn say(line: &str) {
    eprintln!("{}", inert(line));
}

/// The environment of the run: this process's, `.env` values on top, and
/// cocpit's own `COCPIT_*` settings left out (they are not the
/// experiment's business and may hold secrets).
fn environment(over: &Overrides) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| !k.starts_with("COCPIT_"))
        .collect();
    env.extend(over.env.clone());
    env
}

fn load_overrides(vars: &[(String, String)], var_files: &[PathBuf]) -> Result<Overrides, String> {
    let mut over = Overrides::default();
    for f in var_files {
        let name = f.display();
        let text = std::fs::read_to_string(f).map_err(|e| format!("--var-file {name}: {e}"))?;
        let lower = f.to_string_lossy().to_ascii_lowercase();
        if lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml") {
            if text.trim().is_empty() {
                continue;
            }
            let data = exp::parse(&text, Format::of_path(&lower))
                .map_err(|e| format!("--var-file {name}: {e}"))?;
            over.add_file(&data)
                .map_err(|e| format!("--var-file {name}: {e}"))?;
        } else {
            over.add_dotenv(&text)
                .map_err(|e| format!("--var-file {name}: {e}"))?;
        }
    }
    for (k, v) in vars {
        over.add_var(k, v);
    }
    Ok(over)
}

/// Load, validate and resolve: everything that can fail before the run.
pub struct Prepared {
    pub experiment: Value,
    pub vars: vars::Vars,
    pub env: BTreeMap<String, String>,
    pub strategy: RollbackStrategy,
}

pub fn prepare(opts: &Opts) -> Result<Prepared, String> {
    let name = opts.file.display().to_string();
    let text = std::fs::read_to_string(&opts.file).map_err(|e| format!("{name}: {e}"))?;
    prepare_text(
        &name,
        &text,
        &opts.vars,
        &opts.var_files,
        opts.rollback_strategy,
    )
}

/// [`prepare`] for an experiment's text (`name` says where it came from).
pub fn prepare_text(
    name: &str,
    text: &str,
    vars: &[(String, String)],
    var_files: &[PathBuf],
    rollback_strategy: Option<RollbackStrategy>,
) -> Result<Prepared, String> {
    let experiment = exp::parse(text, Format::of_path(name)).map_err(|e| format!("{name}: {e}"))?;
    let over = load_overrides(vars, var_files)?;
    let env = environment(&over);
    let on_path = |p: &str| super::exec::which(p, &env).is_some();
    exp::validate(&experiment, &on_path).map_err(|e| format!("{name}: invalid experiment: {e}"))?;
    let vars = vars::resolve(&experiment, &env, &over)
        .map_err(|e| format!("{name}: invalid experiment: {e}"))?;
    let strategy = run::strategy(rollback_strategy, &experiment, RollbackStrategy::Always)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(Prepared {
        experiment,
        vars,
        env,
        strategy,
    })
}

/// Activities whose string `arguments` go through a shell.
pub fn shell_activities(experiment: &Value) -> Vec<String> {
    exp::all_activities(experiment)
        .into_iter()
        .filter(|a| {
            a.get("provider")
                .and_then(|p| p.get("type"))
                .and_then(Value::as_str)
                == Some("process")
                && a.get("provider")
                    .and_then(|p| p.get("arguments"))
                    .is_some_and(Value::is_string)
        })
        .map(exp::name_of)
        .collect()
}

fn platform() -> String {
    // SAFETY: uname fills the struct it is given; zeroed is a valid start.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return std::env::consts::OS.to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{}-{}-{}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

/// Run the experiment; the exit code (`0` only when completed and not
/// deviated).
pub fn run(opts: &Opts) -> Result<i32, String> {
    // `chaos run` exits 1 on an invalid experiment, as on a failed run;
    // the reason names the file and what is wrong.
    match run_inner(opts) {
        Ok(code) => Ok(code),
        Err(e) => {
            say(&format!("cocpit drill: {e}"));
            Ok(1)
        }
    }
}

fn run_inner(opts: &Opts) -> Result<i32, String> {
    let p = prepare(opts)?;
    for name in shell_activities(&p.experiment) {
        say(&format!(
            "cocpit drill: warning: activity '{name}' has string arguments: they run through a shell (/bin/sh -c), as Chaos Toolkit does; use a list for an argv"
        ));
    }
    let title = p.experiment.get("title").map(exp::text).unwrap_or_default();
    let drill = format!("ctk-{}", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let writer = Writer::spawn(&opts.events).map_err(|e| {
        format!(
            "{}: cannot open cocpit's journal: {e}",
            opts.events.display()
        )
    })?;
    let actor = opts.operator.clone();
    let record = {
        let writer = writer.clone();
        let actor = actor.clone();
        move |ev: DrillEvent| writer.append(vec![ev.to_new_event(Utc::now(), &actor)])
    };
    record(DrillEvent::Started(Started {
        drill: drill.clone(),
        // The Drills view's id for the file, so its LAST column counts
        // command-line runs too.
        scenario: exp::id_of(&opts.file.to_string_lossy()),
        title: title.clone(),
        commander: actor.clone(),
        application: String::new(),
        expect: Vec::new(),
        recovery_within: None,
        ack_within: None,
        groups: 0,
        headless: true,
        chaostoolkit: true,
        // A killed run is found interrupted by the next console.
        owner: Some(crate::faults::proc::me(
            crate::domain::fault::OwnerKind::Cli,
            &actor,
            &crate::faults::proc::instance_id(),
        )),
    }));
    say(&format!("cocpit drill: running experiment: {title}"));
    say(&format!(
        "cocpit drill: rollback strategy: {}",
        p.strategy.as_str()
    ));
    let real = super::exec::Real::new(p.env.clone())?;
    let journal = run_prepared(&p, &drill, real, Rc::new(record.clone()), Rc::new(say));
    let (verdict, reason) = verdict(&journal);
    record(DrillEvent::Finished(Finished {
        drill: drill.clone(),
        verdict,
        reason: reason.clone(),
        mttd: None,
        mtta: None,
        mttr: None,
    }));
    let mut errors = write_outputs(&journal, &opts.journal_path, opts.junit.as_deref());
    if let Err(e) = writer.shutdown() {
        errors.push(format!("{}: recording the run: {e}", opts.events.display()));
    }
    let shown = if journal.deviated {
        "deviated"
    } else {
        journal.status.as_str()
    };
    say(&format!(
        "cocpit drill: experiment ended with status: {shown} ({reason})"
    ));
    say(&format!(
        "cocpit drill: journal written to {}",
        opts.journal_path.display()
    ));
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok(journal.exit_code())
}

/// The run of a prepared experiment whose `drill.started` is journaled:
/// phases and probe results go to `record` as they happen, progress lines
/// to `say`. Returns its Chaos Toolkit journal.
pub fn run_prepared(
    p: &Prepared,
    drill: &str,
    mut real: super::exec::Real,
    record: Rc<dyn Fn(DrillEvent)>,
    say: Rc<dyn Fn(&str)>,
) -> Journal {
    {
        let drill = drill.to_string();
        real.on_progress = Box::new(move |prog| on_progress(&drill, &*record, &*say, prog));
    }
    let settings = Settings {
        strategy: p.strategy,
        platform: platform(),
        node: gethostname::gethostname().to_string_lossy().into_owned(),
    };
    run::run(&p.experiment, &p.vars, &settings, &mut real)
}

/// Write `journal.json` (and JUnit XML); what could not be written.
pub fn write_outputs(journal: &Journal, path: &Path, junit_path: Option<&Path>) -> Vec<String> {
    let mut errors = Vec::new();
    match serde_json::to_string_pretty(journal) {
        Ok(text) => {
            if let Err(e) = std::fs::write(path, text + "\n") {
                errors.push(format!("{}: cannot write the journal: {e}", path.display()));
            }
        }
        Err(e) => errors.push(format!("cannot render the journal: {e}")),
    }
    if let Some(jp) = junit_path
        && let Err(e) = std::fs::write(jp, junit(journal))
    {
        errors.push(format!("{}: cannot write JUnit XML: {e}", jp.display()));
    }
    errors
}

/// The drill's verdict and why, from the Chaos Toolkit journal.
pub fn verdict(j: &Journal) -> (Verdict, String) {
    match (j.status, j.deviated) {
        (RunStatus::Completed, false) => {
            let skipped = j
                .steady_states
                .before
                .as_ref()
                .is_some_and(|b| !b.steady_state_met);
            if skipped {
                (
                    Verdict::Failed,
                    "steady state not met before the method; method skipped".into(),
                )
            } else {
                (Verdict::Passed, "completed".into())
            }
        }
        (_, true) => (
            Verdict::Failed,
            "steady state deviated after the method".into(),
        ),
        (RunStatus::Failed, _) => (Verdict::Failed, "a steady-state probe failed".into()),
        (RunStatus::Aborted, _) => (Verdict::Aborted, "aborted".into()),
        (RunStatus::Interrupted, _) => (Verdict::Interrupted, "interrupted by a signal".into()),
    }
}

fn on_progress(drill: &str, record: &dyn Fn(DrillEvent), say: &dyn Fn(&str), p: Progress<'_>) {
    let phase = |phase: Phase| {
        record(DrillEvent::Phase(PhaseEntered {
            drill: drill.to_string(),
            phase,
            group: None,
        }))
    };
    match p {
        Progress::Stage(s) => {
            let (ph, what) = match s {
                Stage::Before => (Phase::SteadyBefore, "steady state hypothesis (before)"),
                Stage::Method => (Phase::Inject, "method"),
                Stage::After => (Phase::SteadyAfter, "steady state hypothesis (after)"),
                Stage::Rollbacks => (Phase::Recover, "rollbacks"),
            };
            phase(ph);
            say(&format!("cocpit drill: {what}"));
        }
        Progress::Activity(stage, r) => {
            let name = exp::name_of(&r.activity);
            let status = match r.status {
                ActivityStatus::Succeeded => "succeeded",
                ActivityStatus::Failed => "failed",
            };
            let why = r
                .exception
                .as_ref()
                .map(|e| format!(": {}", e.join(" ").trim()))
                .unwrap_or_default();
            let tol = match r.tolerance_met {
                Some(true) => ", tolerance met",
                Some(false) => ", tolerance NOT met",
                None => "",
            };
            say(&format!(
                "  {name}: {status}{tol}{why} ({:.3}s)",
                r.duration
            ));
            if matches!(stage, Stage::Method | Stage::Rollbacks) && r.tolerance_met.is_none() {
                let when = if stage == Stage::Method {
                    "method"
                } else {
                    "rollback"
                };
                record(DrillEvent::Measured(Measured {
                    drill: drill.to_string(),
                    what: Measure::Activity,
                    name: name.clone(),
                    secs: None,
                    ok: r.status == ActivityStatus::Succeeded,
                    detail: format!(
                        "{when}, {:.1}s{}",
                        r.duration,
                        why.chars().take(200).collect::<String>()
                    ),
                }));
            }
            if let Some(met) = r.tolerance_met {
                let when = if stage == Stage::Before {
                    "before"
                } else {
                    "after"
                };
                record(DrillEvent::Measured(Measured {
                    drill: drill.to_string(),
                    what: Measure::Probe,
                    name: name.clone(),
                    secs: None,
                    ok: met,
                    detail: format!("steady state {when}: {status}{tol}"),
                }));
            }
        }
        Progress::SteadyState(_, met) => {
            say(&format!(
                "cocpit drill: steady state {}",
                if met { "met" } else { "NOT met" }
            ));
        }
        Progress::RollbacksSkipped(why) => say(&format!("cocpit drill: rollbacks skipped: {why}")),
    }
}
