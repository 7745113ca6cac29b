//! `cocpit plan list | show | run` and `cocpit check`: plans from any
//! shell. Parameters are validated before anything runs (or is
//! journaled); exit codes are 0 success, 1 the plan failed or was
//! aborted, 2 invalid input (unknown plan, bad or missing parameter,
//! invalid plan file).

use super::exec::ExecSettings;
use super::runner::{self, Headless};
use crate::domain::fault::limits::FaultsConfig;
use crate::domain::plan::run::{PlanRun, RunState, Section, Start};
use crate::domain::plan::runs::Runs;
use crate::domain::plan::schedule::Schedule;
use crate::domain::plan::template::Context;
use crate::domain::plan::validate::check_value;
use crate::domain::plan::{Plan, PlanKind};
use crate::domain::sanitize::inert;
use crate::journal::Journal;
use crate::spec::plans::{self as spec, Catalog};
use clap::Subcommand;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// Every loaded plan: id, kind, title, service, where it came from
    List,
    /// A plan's header, parameters and steps
    Show {
        /// The plan's id (or the file it was loaded from)
        id: String,
    },
    /// Run a plan headless, one progress line per step; exit 0 when it
    /// succeeded, 1 when it failed or was aborted, 2 on invalid input
    Run {
        /// A plan file, or the id of a loaded plan (not with --due)
        #[arg(required_unless_present = "due", conflicts_with = "due")]
        plan: Option<String>,
        /// A parameter value, repeatable. Secret parameters are better
        /// given as $COCPIT_PARAM_<NAME> (the command line shows in `ps`)
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// Run for the alarm with this fingerprint (prefills `from: alarm…`
        /// parameters and fills `{{alarm.…}}` templates)
        #[arg(long, value_name = "FINGERPRINT")]
        alarm: Option<String>,
        /// Print exactly what would run (secrets masked) and touch nothing
        #[arg(long)]
        dry_run: bool,
        /// Take `confirm` and `manual` steps as confirmed (approvals still
        /// wait for a second operator)
        #[arg(long)]
        yes: bool,
        /// Run every inspection whose schedule is due (for cron or a
        /// systemd timer); exit 1 if any failed
        #[arg(long)]
        due: bool,
    },
}

/// What the plan commands need from the config and the command line.
#[derive(Debug, Clone)]
pub struct Env {
    pub journal: PathBuf,
    pub operator: String,
    pub dirs: Vec<PathBuf>,
    pub embedded: bool,
    pub prometheus: Option<String>,
    pub faults: FaultsConfig,
    pub readonly: bool,
    pub observer: bool,
    /// The source names of the configured Alertmanagers.
    pub alertmanager_sources: Vec<String>,
}

/// Exit code for invalid input.
const INVALID: u8 = 2;

fn providers() -> Vec<&'static str> {
    crate::domain::fault::catalog::names()
}

fn catalog(env: &Env) -> Catalog {
    spec::load_all(&env.dirs, env.embedded, &providers())
}

pub fn run(cmd: PlanCmd, env: &Env) -> Result<u8, String> {
    match cmd {
        PlanCmd::List => Ok(list(env)),
        PlanCmd::Show { id } => Ok(show(env, &id)),
        PlanCmd::Run { due: true, .. } => due(env),
        PlanCmd::Run {
            plan,
            params,
            alarm,
            dry_run,
            yes,
            due: false,
        } => {
            let Some(plan) = plan else {
                eprintln!("cocpit: name a plan file or id (or --due)");
                return Ok(INVALID);
            };
            run_one(env, &plan, &params, alarm.as_deref(), dry_run, yes)
        }
    }
}

fn list(env: &Env) -> u8 {
    let cat = catalog(env);
    for e in &cat.errors {
        eprintln!("{e}");
    }
    println!(
        "{:<24} {:<10} {:<40} {:<12} ORIGIN",
        "ID", "KIND", "TITLE", "SERVICE"
    );
    for l in cat.plans.values() {
        let p = &l.plan;
        println!(
            "{:<24} {:<10} {:<40} {:<12} {}",
            inert(&p.id),
            p.kind.as_str(),
            inert(&p.title),
            inert(p.service.as_deref().unwrap_or("-")),
            inert(&l.origin)
        );
    }
    // Broken files are reported, but the listing itself worked.
    0
}

fn show(env: &Env, id: &str) -> u8 {
    let cat = catalog(env);
    let Some(l) = cat.find(id) else {
        eprintln!("cocpit: no plan {:?} (see `cocpit plan list`)", inert(id));
        return INVALID;
    };
    print!("{}", show_text(&l.plan, &l.origin));
    0
}

/// The text `plan show` prints.
pub fn show_text(p: &Plan, origin: &str) -> String {
    let mut s = String::new();
    let mut field = |k: &str, v: &str| {
        if !v.is_empty() {
            s.push_str(&format!("{k:<18} {}\n", inert(v)));
        }
    };
    field("id", &p.id);
    field("title", &p.title);
    field("kind", p.kind.as_str());
    field("description", &p.description);
    field("service", p.service.as_deref().unwrap_or(""));
    field("application", p.application.as_deref().unwrap_or(""));
    field(
        "version",
        &p.version.map(|v| v.to_string()).unwrap_or_default(),
    );
    field("owner", p.owner.as_deref().unwrap_or(""));
    field(
        "expected_recovery",
        &p.expected_recovery
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    field("tags", &p.tags.join(", "));
    field("applies_to", p.applies_to.as_deref().unwrap_or(""));
    field(
        "window",
        &p.window.map(|d| d.to_string()).unwrap_or_default(),
    );
    field("silences", &p.silences.join(", "));
    field("schedule", p.schedule.as_deref().unwrap_or(""));
    field("origin", origin);
    if !p.params.is_empty() {
        s.push_str("params:\n");
        for q in &p.params {
            let mut bits = Vec::new();
            if q.required {
                bits.push("required".to_string());
            }
            if q.secret {
                bits.push("secret".to_string());
            }
            if let Some(d) = &q.default {
                bits.push(if q.secret {
                    "default ••••".to_string()
                } else {
                    format!("default {d:?}")
                });
            }
            if !q.allowed.is_empty() {
                bits.push(format!("one of {}", q.allowed.join("|")));
            }
            if let Some(pat) = &q.pattern {
                bits.push(format!("pattern {pat}"));
            }
            if let Some(f) = &q.from {
                bits.push(format!("from {f}"));
            }
            s.push_str(&format!(
                "  {:<16} {}{}\n",
                inert(&q.name),
                inert(&bits.join(", ")),
                if q.description.is_empty() {
                    String::new()
                } else {
                    format!("  — {}", inert(&q.description))
                }
            ));
        }
    }
    for (title, steps) in [("steps", &p.steps), ("rollback", &p.rollback)] {
        if steps.is_empty() {
            continue;
        }
        s.push_str(&format!("{title}:\n"));
        for (i, st) in steps.iter().enumerate() {
            let mut extra = Vec::new();
            if let Some(t) = st.timeout {
                extra.push(format!("timeout {t}"));
            }
            if let Some(r) = st.retry {
                extra.push(format!("retry {}×{}", r.count, r.delay));
            }
            if st.confirm {
                extra.push("confirm".into());
            }
            if st.on_failure != crate::domain::plan::OnFailure::Abort {
                extra.push(format!("on_failure {:?}", st.on_failure).to_lowercase());
            }
            s.push_str(&format!(
                "  {:>2}. {:<24} {:<9} {}\n",
                i + 1,
                inert(&st.name),
                st.step_type().as_str(),
                extra.join(", ")
            ));
        }
    }
    s
}

/// A plan by file or id; `Err` is the exit code after the message.
fn find_plan(env: &Env, key: &str) -> Result<(Plan, String), u8> {
    let path = Path::new(key);
    if path.is_file() {
        return match spec::load_file(path, &providers()) {
            Ok(p) => Ok((p, key.to_string())),
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                Err(INVALID)
            }
        };
    }
    let cat = catalog(env);
    match cat.find(key) {
        Some(l) => Ok((l.plan.clone(), l.origin.clone())),
        None => {
            // A broken file may be why it is missing: say so.
            for e in &cat.errors {
                eprintln!("{e}");
            }
            eprintln!(
                "cocpit: no plan {:?} (a file, or an id from `cocpit plan list`)",
                inert(key)
            );
            Err(INVALID)
        }
    }
}

/// The alarm's context for templates and prefills, from the journal's
/// board (read-only: a dry run changes nothing).
fn alarm_context(journal: &Path, fingerprint: &str) -> Result<Context, String> {
    if !journal.exists() {
        return Err(format!("no journal at {}", journal.display()));
    }
    let j = Journal::open_readonly(journal).map_err(|e| e.to_string())?;
    let board = j.rebuild_board().map_err(|e| e.to_string())?;
    let a = board
        .get(fingerprint)
        .ok_or_else(|| format!("no alarm {fingerprint:?} on the journal's board"))?;
    Ok(Context {
        labels: (&a.observed.labels).into(),
        annotations: (&a.observed.annotations).into(),
        fingerprint: Some(a.fingerprint().to_string()),
        ..Context::default()
    })
}

/// Every parameter's value: given, else from the alarm, else the default;
/// each checked against its rules. `Err` lists what is wrong.
pub fn resolve_params(
    plan: &Plan,
    given: &[String],
    ctx: &Context,
) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut errors = Vec::new();
    let mut values = BTreeMap::new();
    for g in given {
        match g.split_once('=') {
            Some((k, v)) if plan.param(k).is_some() => {
                values.insert(k.to_string(), v.to_string());
            }
            Some((k, _)) => errors.push(format!(
                "--param {k}: plan {} has no parameter {k:?}",
                plan.id
            )),
            None => errors.push(format!("--param {g:?}: expected KEY=VALUE")),
        }
    }
    for q in &plan.params {
        if !values.contains_key(&q.name) {
            let prefill = q.from.as_deref().and_then(|f| {
                if let Some(l) = f.strip_prefix("alarm.labels.") {
                    ctx.labels.get(l).cloned()
                } else if let Some(a) = f.strip_prefix("alarm.annotations.") {
                    ctx.annotations.get(a).cloned()
                } else {
                    None
                }
            });
            if let Some(v) = prefill.or_else(|| q.default.clone()) {
                values.insert(q.name.clone(), v);
            }
        }
        match values.get(&q.name) {
            None if q.required => errors.push(format!(
                "parameter {:?} is required (--param {}=VALUE)",
                q.name, q.name
            )),
            None => {}
            Some(v) => {
                let re = match q.pattern.as_deref().map(regex::Regex::new).transpose() {
                    Ok(re) => re,
                    Err(e) => {
                        errors.push(format!("parameter {:?}: bad pattern: {e}", q.name));
                        continue;
                    }
                };
                if let Err(e) = check_value(q, re.as_ref(), v) {
                    // A secret's value is never echoed.
                    let e = if q.secret {
                        "the value does not fit its pattern or allowed values".to_string()
                    } else {
                        e
                    };
                    errors.push(format!("parameter {:?}: {e}", q.name));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Secret parameters not given with `--param` (where every user would
/// see them in `ps`), from `COCPIT_PARAM_<NAME>` in the environment.
fn secrets_from_env(plan: &Plan, given: &[String]) -> Vec<String> {
    plan.params
        .iter()
        .filter(|q| q.secret)
        .filter(|q| {
            !given
                .iter()
                .any(|g| g.split_once('=').is_some_and(|(k, _)| k == q.name))
        })
        .filter_map(|q| {
            let var = format!("COCPIT_PARAM_{}", q.name.to_ascii_uppercase());
            std::env::var(var).ok().map(|v| format!("{}={v}", q.name))
        })
        .collect()
}

fn refuse_changes(env: &Env) -> Option<u8> {
    if env.readonly {
        eprintln!("cocpit: read-only: plans cannot be run");
        return Some(1);
    }
    if env.observer {
        eprintln!("cocpit: observer role: plans cannot be run (observers watch and approve)");
        return Some(1);
    }
    None
}

fn run_one(
    env: &Env,
    key: &str,
    given: &[String],
    alarm: Option<&str>,
    dry_run: bool,
    yes: bool,
) -> Result<u8, String> {
    let (plan, _origin) = match find_plan(env, key) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let ctx = match alarm {
        Some(fp) => match alarm_context(&env.journal, fp) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cocpit: --alarm: {}", inert(&e));
                return Ok(INVALID);
            }
        },
        None => Context::default(),
    };
    let mut given = given.to_vec();
    given.extend(secrets_from_env(&plan, &given));
    let params = match resolve_params(&plan, &given, &ctx) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("cocpit: {}", inert(&e));
            }
            return Ok(INVALID);
        }
    };
    if dry_run {
        return Ok(preview(&plan, params, ctx, env, alarm));
    }
    if let Some(code) = refuse_changes(env) {
        return Ok(code);
    }
    let h = Headless {
        journal: env.journal.clone(),
        plan,
        params,
        ctx,
        alarm: alarm.map(str::to_string),
        operator: env.operator.clone(),
        yes,
        interactive: std::io::stdin().is_terminal(),
        settings: ExecSettings {
            prometheus: env.prometheus.clone(),
        },
        faults: env.faults.clone(),
        alertmanager_sources: env.alertmanager_sources.clone(),
    };
    match block_on(runner::run(h))? {
        Ok(RunState::Succeeded) => Ok(0),
        Ok(_) => Ok(1),
        Err(e) => {
            // The run could not be recorded: it stopped (nothing runs
            // unrecorded).
            eprintln!("cocpit: {}", inert(&e));
            Ok(1)
        }
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> Result<T, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let out = rt.block_on(f);
    // Threads blocked on a terminal question must not hold the exit.
    rt.shutdown_background();
    Ok(out)
}

/// The dry run: what every step would do, secrets masked. Touches nothing.
fn preview(
    plan: &Plan,
    params: BTreeMap<String, String>,
    ctx: Context,
    env: &Env,
    alarm: Option<&str>,
) -> u8 {
    let run = PlanRun::new(
        plan.clone(),
        Start {
            run_id: "dry-run".into(),
            operator: env.operator.clone(),
            alarm: alarm.map(str::to_string),
            attended: false,
            assume_yes: false,
            params,
            ctx,
            rollback_of: None,
        },
        chrono::Utc::now(),
    );
    println!("dry run of {} — nothing runs", inert(&plan.id));
    let public = run.public_params();
    for q in &plan.params {
        match (public.get(&q.name), q.secret) {
            (_, true) => println!("  param {} = ••••", inert(&q.name)),
            (Some(v), _) => println!("  param {} = {}", inert(&q.name), inert(v)),
            (None, _) => println!("  param {} (no value)", inert(&q.name)),
        }
    }
    let mut bad = false;
    let mut section = None;
    for (i, (sec, name, ty, what)) in run.preview().into_iter().enumerate() {
        if section != Some(sec) {
            section = Some(sec);
            println!(
                "{}:",
                match sec {
                    Section::Steps => "steps",
                    Section::Rollback => "rollback",
                }
            );
        }
        let n = match sec {
            Section::Steps => i + 1,
            Section::Rollback => i + 1 - plan.steps.len(),
        };
        match what {
            Ok(w) => println!("  {n:>2}. {} [{}] {}", inert(&name), ty.as_str(), inert(&w)),
            Err(e) => {
                bad = true;
                println!(
                    "  {n:>2}. {} [{}] ✗ {}",
                    inert(&name),
                    ty.as_str(),
                    inert(&e)
                );
            }
        }
    }
    if bad { INVALID } else { 0 }
}

/// `plan run --due`: every inspection whose schedule says it is due, by
/// the journal's record of its last run.
fn due(env: &Env) -> Result<u8, String> {
    if let Some(code) = refuse_changes(env) {
        return Ok(code);
    }
    let cat = catalog(env);
    for e in &cat.errors {
        eprintln!("{e}");
    }
    let mut runs = Runs::default();
    if env.journal.exists() {
        let j = Journal::open_readonly(&env.journal).map_err(|e| e.to_string())?;
        j.for_each_kind_prefix("plan.", |ev| runs.apply(ev))
            .map_err(|e| e.to_string())?;
    }
    let now = chrono::Utc::now();
    let mut failed = 0;
    let mut ran = 0;
    for l in cat.plans.values() {
        let p = &l.plan;
        if p.kind != PlanKind::Inspection {
            continue;
        }
        let Some(Ok(schedule)) = p.schedule.as_deref().map(Schedule::parse) else {
            continue;
        };
        if !schedule.is_due(runs.last_run_of(&p.id), now) {
            continue;
        }
        ran += 1;
        let params = match resolve_params(p, &[], &Context::default()) {
            Ok(v) => v,
            Err(errors) => {
                for e in errors {
                    eprintln!("cocpit: {}: {}", inert(&p.id), inert(&e));
                }
                failed += 1;
                continue;
            }
        };
        let h = Headless {
            journal: env.journal.clone(),
            plan: p.clone(),
            params,
            ctx: Context::default(),
            alarm: None,
            operator: env.operator.clone(),
            yes: true,
            interactive: false,
            settings: ExecSettings {
                prometheus: env.prometheus.clone(),
            },
            faults: env.faults.clone(),
            alertmanager_sources: env.alertmanager_sources.clone(),
        };
        match block_on(runner::run(h))? {
            Ok(RunState::Succeeded) => {}
            Ok(_) => failed += 1,
            Err(e) => {
                eprintln!("cocpit: {}: {}", inert(&p.id), inert(&e));
                failed += 1;
            }
        }
    }
    if ran == 0 {
        println!("no inspection is due");
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The failure-mode files among the checked ones: their plan links are
/// checked when plan files were checked too (against those and the demo's
/// plans), their scenario links likewise; ids must be unique across files.
/// Returns how many modes are valid.
fn check_modes(
    files: &[&PathBuf],
    plans: &BTreeMap<String, String>,
    with_scenarios: bool,
    scenarios: &std::collections::BTreeSet<String>,
    errors: &mut Vec<String>,
) -> usize {
    use crate::domain::risk::validate::Known;
    let demo = providers();
    let mut plan_ids: std::collections::BTreeSet<String> = plans.keys().cloned().collect();
    plan_ids.extend(spec::load_all(&[], true, &demo).plans.into_keys());
    let mut drill_ids = scenarios.clone();
    drill_ids.extend(
        crate::spec::drills::load_all(&[], true, &demo)
            .scenarios
            .into_keys(),
    );
    let known = Known {
        plans: (!plans.is_empty()).then_some(&plan_ids),
        drills: with_scenarios.then_some(&drill_ids),
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut ok = 0;
    for f in files {
        match crate::spec::risk::load_file(f, known) {
            Ok(modes) => {
                for m in modes {
                    if let Some(first) = seen.get(&m.id) {
                        errors.push(format!(
                            "{}: failure mode id {:?} is already used by {first}",
                            f.display(),
                            m.id
                        ));
                    } else {
                        seen.insert(m.id.clone(), f.display().to_string());
                        ok += 1;
                    }
                }
            }
            Err(es) => errors.extend(es.iter().map(|e| e.to_string())),
        }
    }
    ok
}

/// `cocpit check PATH...`: every error as `file:line:column: message`;
/// exit 1 on any error, 0 when every plan file is valid.
pub fn check(paths: &[PathBuf]) -> u8 {
    let providers = providers();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            match spec::files_in(p) {
                Ok(f) => files.extend(f),
                Err(e) => errors.push(e.to_string()),
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            errors.push(format!("{}: no such file or directory", p.display()));
        }
    }
    let mut ok = 0;
    let mut scenarios = 0;
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut scenario_ids = std::collections::BTreeSet::new();
    // Failure modes link plans and scenarios: checked once those are known.
    let mut mode_files = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if crate::spec::risk::looks_like(&text) {
            mode_files.push(f);
            continue;
        }
        // Drill scenarios live beside plans: a top-level `groups:` says so.
        if text.lines().any(|l| l.trim_end() == "groups:") {
            match crate::spec::drills::load_file(f, &providers) {
                Ok(s) => {
                    scenario_ids.insert(s.id);
                    scenarios += 1;
                }
                Err(es) => errors.extend(es.iter().map(|e| e.to_string())),
            }
            continue;
        }
        match spec::load_file(f, &providers) {
            Ok(plan) => {
                if let Some(first) = ids.get(&plan.id) {
                    errors.push(format!(
                        "{}: plan id {:?} is already used by {first}",
                        f.display(),
                        plan.id
                    ));
                } else {
                    ids.insert(plan.id.clone(), f.display().to_string());
                    ok += 1;
                }
            }
            Err(es) => errors.extend(es.iter().map(|e| e.to_string())),
        }
    }
    let modes = check_modes(&mode_files, &ids, scenarios > 0, &scenario_ids, &mut errors);
    for e in &errors {
        println!("{}", inert(e));
    }
    if errors.is_empty() {
        let mut said = format!("{ok} plans OK");
        if scenarios > 0 {
            said.push_str(&format!(", {scenarios} drill scenarios OK"));
        }
        if !mode_files.is_empty() {
            said.push_str(&format!(", {modes} failure modes OK"));
        }
        println!("{said}");
        0
    } else {
        eprintln!(
            "{} error(s); {ok} of {} plans OK",
            errors.len(),
            files.len()
        );
        1
    }
}
