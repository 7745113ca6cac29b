//! The `cocpit` command: parse the command line, load the config, set up
//! logging to a file, then open the console or run a subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use cocpit::config::{self, Config};
use cocpit::journal::Journal;
use cocpit::runtime::{self, Options};
use cocpit::sources::config::LiveConfig;
use cocpit::theme::{self, ColorMode, Theme};
use color_eyre::eyre::{Result, WrapErr, bail};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "cocpit",
    version,
    about = "Terminal console for alarms, monitoring and chaos drills"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(flatten)]
    quick: QuickStart,
    #[command(subcommand)]
    command: Option<Cmd>,
}

/// Options that work before or after a subcommand.
#[derive(Args, Debug, Clone)]
struct Global {
    /// Journal file (SQLite) [default: $XDG_DATA_HOME/cocpit/journal.db]
    #[arg(long, global = true, env = "COCPIT_JOURNAL", value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Config file [default: $XDG_CONFIG_HOME/cocpit/config.toml]
    #[arg(long, global = true, env = "COCPIT_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Seed for the demo environment: the same seed plays the same demo
    #[arg(long, global = true, env = "COCPIT_SEED", value_name = "N")]
    seed: Option<u64>,
    /// Hide and refuse every action that changes anything
    #[arg(long, global = true)]
    readonly: bool,
    /// Create the --journal file even when its directory does not exist
    /// (otherwise the console asks)
    #[arg(long, global = true)]
    journal_create: bool,
    /// operator (default) or observer: observers handle alarms but never inject faults
    #[arg(long, global = true, env = "COCPIT_ROLE", value_name = "ROLE")]
    role: Option<RoleArg>,
    /// Operator name recorded on every action [default: $USER@host]
    #[arg(long, global = true, env = "COCPIT_OPERATOR", value_name = "NAME")]
    operator: Option<String>,
    /// Colour theme (dark, light, high-contrast, colorblind, or a user theme)
    #[arg(long, global = true, env = "COCPIT_THEME", value_name = "NAME")]
    theme: Option<String>,
    /// Colours the terminal gets: auto, truecolor, 256, 16, none
    #[arg(long, global = true, env = "COCPIT_COLOR_MODE", value_name = "MODE")]
    color_mode: Option<String>,
}

/// Live sources without a config file; any of them turns the demo off.
#[derive(Args, Debug, Clone, Default)]
struct QuickStart {
    /// Poll this Alertmanager (repeatable). For basic auth put only the user
    /// in the URL (`http://USER@host:9093`) and the password in
    /// --alertmanager-password-file or $COCPIT_ALERTMANAGER_PASSWORD: a
    /// password in the URL shows in `ps` and /proc/PID/cmdline
    #[arg(long = "alertmanager", value_name = "URL")]
    alertmanager: Vec<String>,
    /// The basic-auth password for the --alertmanager URLs, from this file
    /// (first line)
    #[arg(long, value_name = "PATH")]
    alertmanager_password_file: Option<PathBuf>,
    /// Draw `up` from this Prometheus and list its targets
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// Receive Alertmanager webhooks on this address (e.g. 127.0.0.1:9095)
    #[arg(long, value_name = "ADDR")]
    webhook_listen: Option<std::net::SocketAddr>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Inspect the journal
    Journal {
        #[command(subcommand)]
        action: JournalCmd,
    },
    /// Inject, list and recover faults (see README "Fault injection")
    Faults {
        #[command(subcommand)]
        action: cocpit::faults::cli::FaultsCmd,
    },
    /// List, show and run contingency plans (runbooks, changes, inspections)
    Plan {
        #[command(subcommand)]
        action: cocpit::plans::cli::PlanCmd,
    },
    /// Run chaos drills (scenario ids or files) and Chaos Toolkit
    /// experiments; list scenarios; abort a running drill
    Drill {
        #[command(subcommand)]
        action: DrillCmd,
    },
    /// Print the fault timeline of a window or a drill
    Timeline(cocpit::timeline::cli::Args),
    /// Write a report from the journal alone: `proposal SCENARIO`, `drill
    /// ID`, `incident FINGERPRINT…`; `verify FILE` says whether a report
    /// was edited
    Report {
        /// proposal, drill, incident or verify
        kind: String,
        /// The scenario, drill id, alarm fingerprints, or the file to verify
        args: Vec<String>,
        /// md or html (one self-contained file)
        #[arg(long, default_value = "md")]
        format: String,
        /// Write to this file instead of standard output
        #[arg(long, short, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Validate plan and drill scenario files (or directories of them): every error as
    /// file:line:column; exit 1 on any error, 0 when all are valid
    Check {
        /// Plan files or directories of them
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Recover faults past their deadline until none is live (started
    /// detached by the first injection; one per journal)
    #[command(hide = true)]
    Watchdog,
    /// The burner the cpu and memory providers start
    #[command(hide = true)]
    Burn {
        #[arg(long)]
        cpu: Option<u32>,
        #[arg(long, default_value_t = 100)]
        percent: u32,
        /// Bytes to allocate and hold
        #[arg(long)]
        memory: Option<u64>,
        #[arg(long, default_value_t = 60)]
        for_secs: u64,
        /// `cocpit-<id>`: lets recovery find this burner by its arguments
        #[arg(long)]
        fault: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum DrillCmd {
    /// Run a drill scenario (id or file) or a Chaos Toolkit experiment
    /// (.json / .yaml); exit 0 only when it completed and did not deviate
    Run(DrillRunArgs),
    /// The scenarios with their last result, and the drills running
    List {
        #[arg(long)]
        json: bool,
    },
    /// Ask a running drill's console to abort it (recover every fault, run
    /// the rollbacks)
    Abort {
        /// The drill id (`cocpit drill list` shows running drills)
        id: String,
    },
}

#[derive(Args, Debug)]
struct DrillRunArgs {
    /// A scenario id, a scenario file, or a Chaos Toolkit experiment file
    target: String,
    /// Run without the console, printing a line per phase (an experiment
    /// also runs so when there is no terminal, as `chaos run` does)
    #[arg(long)]
    headless: bool,
    /// Where the Chaos Toolkit-compatible journal goes
    #[arg(long, value_name = "PATH", default_value = "journal.json")]
    journal_path: PathBuf,
    /// When rollbacks run: always (cocpit's default, unless the experiment
    /// sets its own), default (Chaos Toolkit's: not after a failed or
    /// interrupted run), never, deviated
    #[arg(long, value_name = "S")]
    rollback_strategy: Option<String>,
    /// A configuration value, `key=value` (repeatable)
    #[arg(long = "var", value_name = "K=V")]
    vars: Vec<String>,
    /// A JSON, YAML or .env file of configuration values (repeatable)
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Also write JUnit XML: a test case per expectation and per probe
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Pass `gate: manual` holds without waiting (headless)
    #[arg(long)]
    yes: bool,
}

#[derive(Subcommand, Debug)]
enum JournalCmd {
    /// Check the hash chain; exit 0 only when every row is intact
    Verify,
    /// Write every event, one JSON object a line
    Export {
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write to a file instead of standard output
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Operator,
    Observer,
}

fn role(g: &Global, cfg: &Config) -> cocpit::app::Role {
    match g.role {
        Some(RoleArg::Operator) => cocpit::app::Role::Operator,
        Some(RoleArg::Observer) => cocpit::app::Role::Observer,
        None => cfg.role,
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Jsonl,
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            // The chain of causes, not a backtrace: operators read this.
            // Never panics: the terminal may be gone (an SSH session dropped).
            cocpit::runtime::terminal::note(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode> {
    color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install()?;
    let cli = Cli::parse();
    let cfg = Config::load(cli.global.config.as_deref())?;
    // A journal someone named (flag, environment, config) in a directory
    // that does not exist is most likely a typo: the console would start a
    // private journal nobody else sees. The default location is made quietly.
    let named = cli.global.journal.clone().or_else(|| cfg.journal.clone());
    let journal = named.clone().unwrap_or_else(config::default_journal);
    let _log_guard = init_logging();

    match cli.command {
        Some(Cmd::Journal { action }) => journal_cmd(&journal, action),
        Some(Cmd::Faults { action }) => {
            let operator = (cli.global.operator.clone())
                .or_else(|| cfg.operator.clone())
                .unwrap_or_else(default_operator);
            let code = cocpit::faults::cli::run(
                action,
                &journal,
                &cfg.faults,
                &operator,
                cli.global.readonly,
                role(&cli.global, &cfg) == cocpit::app::Role::Observer,
                demo_services(&cfg),
            )
            .map_err(color_eyre::eyre::Report::msg)?;
            Ok(ExitCode::from(code))
        }
        Some(Cmd::Plan { action }) => {
            let env = plans_env(&cli.global, &cfg, journal);
            let code =
                cocpit::plans::cli::run(action, &env).map_err(color_eyre::eyre::Report::msg)?;
            Ok(ExitCode::from(code))
        }
        Some(Cmd::Drill { action }) => {
            let operator = (cli.global.operator.clone())
                .or_else(|| cfg.operator.clone())
                .unwrap_or_else(default_operator);
            let mut opts = console_options(&cli.global, &cfg, journal.clone())?;
            opts.live = live_config(&cli.quick, &cfg)?;
            let code = drill_cmd(action, &cfg, opts, operator)?;
            Ok(ExitCode::from(code))
        }
        Some(Cmd::Timeline(args)) => {
            let code = cocpit::timeline::cli::run(&journal, &args)
                .map_err(color_eyre::eyre::Report::msg)?;
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
        Some(Cmd::Check { paths }) => Ok(ExitCode::from(cocpit::plans::cli::check(&paths))),
        Some(Cmd::Report {
            kind,
            args,
            format,
            out,
        }) => {
            let live = !cfg.alertmanager.is_empty()
                || !cfg.prometheus.is_empty()
                || cfg.webhook.is_some()
                || cfg.spool.is_some();
            let env = cocpit::report::cli::Env {
                journal: journal.clone(),
                drill_dirs: cfg.drills.dirs(),
                drills_embedded: cfg.drills.embedded.unwrap_or(!live),
                plan_dirs: cfg.plans.dirs(),
                plans_embedded: cfg.plans.embedded.unwrap_or(!live),
                risk_dirs: cfg.risk.dirs(),
                risk_embedded: cfg.risk.embedded.unwrap_or(!live),
            };
            if kind == "verify" {
                let Some(file) = args.first() else {
                    bail!("cocpit report verify FILE: which file?");
                };
                return Ok(ExitCode::from(cocpit::report::cli::verify(
                    &env,
                    std::path::Path::new(file),
                )));
            }
            let Some(format) = cocpit::report::doc::Format::parse(&format) else {
                bail!("--format {format:?}: expected md or html");
            };
            Ok(ExitCode::from(cocpit::report::cli::run(
                &env,
                &kind,
                &args,
                format,
                out.as_deref(),
            )))
        }
        Some(Cmd::Watchdog) => {
            cocpit::faults::watchdog::run(&journal).map_err(color_eyre::eyre::Report::msg)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Burn {
            cpu,
            percent,
            memory,
            for_secs,
            fault: _,
        }) => {
            cocpit::faults::burn::run(&cocpit::faults::burn::BurnArgs {
                cpu,
                percent,
                memory,
                for_secs,
            });
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let mut opts = console_options(&cli.global, &cfg, journal)?;
            opts.live = live_config(&cli.quick, &cfg)?;
            if cli.quick.alertmanager.iter().any(|u| {
                cocpit::sources::config::Endpoint::parse(u)
                    .is_ok_and(|e| e.basic.is_some_and(|(_, p)| p.is_some()))
            }) {
                opts.warnings.push(
                    "the --alertmanager password is visible to every user in ps and \
                     /proc/PID/cmdline: use --alertmanager-password-file or \
                     $COCPIT_ALERTMANAGER_PASSWORD"
                        .into(),
                );
            }
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                bail!(
                    "the console needs a terminal (stdin and stdout); for scripts use \
                     `cocpit journal export` or `cocpit journal verify`"
                );
            }
            if named.is_some() && !cli.global.readonly && !cli.global.journal_create {
                confirm_new_journal_dir(&opts.journal)?;
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(runtime::run(opts))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--journal` names a file in a directory that does not exist: ask before
/// creating it (a new, private journal), or say how to.
fn confirm_new_journal_dir(journal: &std::path::Path) -> Result<()> {
    let Some(dir) = journal.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if journal.exists() || dir.exists() {
        return Ok(());
    }
    let mut out = std::io::stderr();
    let _ = write!(
        out,
        "cocpit: {} does not exist, so {} would be a new journal no other console uses.\n\
         Create it? [y/N] ",
        dir.display(),
        journal.display()
    );
    let _ = out.flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        return Ok(());
    }
    bail!(
        "not creating {}: check --journal (or pass --journal-create to create it)",
        journal.display()
    )
}

fn console_options(g: &Global, cfg: &Config, journal: PathBuf) -> Result<Options> {
    let color_mode = match g.color_mode.as_deref() {
        Some(s) => parse_color_mode(s)?,
        None => cfg.color_mode,
    };
    let color_mode = match color_mode {
        ColorMode::Auto => theme::detect(
            std::env::var("NO_COLOR").ok().as_deref(),
            std::env::var("COLORTERM").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        ),
        m => m,
    };
    let (themes, warnings) = match config::themes_dir() {
        Some(dir) => theme::load_dir(&dir),
        None => (Theme::embedded(), Vec::new()),
    };
    for w in &warnings {
        tracing::warn!("theme: {w}");
    }
    Ok(Options {
        journal,
        operator: g
            .operator
            .clone()
            .or_else(|| cfg.operator.clone())
            .unwrap_or_else(default_operator),
        readonly: g.readonly,
        role: role(g, cfg),
        seed: g.seed.or(cfg.demo.seed),
        scenario_dir: cfg.demo.scenario.clone(),
        theme: g.theme.clone().or_else(|| cfg.theme.clone()),
        color_mode,
        themes,
        warnings: warnings
            .into_iter()
            .map(|w| format!("theme skipped: {w}"))
            .collect(),
        live: Default::default(),
        faults: cfg.faults.clone(),
        leadership: runtime::Leadership::Elect,
        presence: true,
        bell: cfg.bell.unwrap_or(true),
        mouse: cfg.mouse.unwrap_or(true),
        plans: cfg.plans.clone(),
        drills: cfg.drills.clone(),
        risk: cfg.risk.clone(),
        drill: None,
        drill_file: None,
        experiment: None,
        drill_rollbacks: None,
        drill_headless: false,
        drill_yes: false,
    })
}

/// What `cocpit plan …` needs: the journal, who runs, where plans live.
fn drill_cmd(action: DrillCmd, cfg: &Config, opts: Options, operator: String) -> Result<u8> {
    let journal = opts.journal.clone();
    match action {
        DrillCmd::List { json } => {
            let code = runtime::drill::list(&opts, json).map_err(color_eyre::eyre::Report::msg)?;
            Ok(code.clamp(0, 255) as u8)
        }
        DrillCmd::Abort { id } => {
            let code = runtime::drill::abort(&journal, &operator, &id)
                .map_err(color_eyre::eyre::Report::msg)?;
            Ok(code.clamp(0, 255) as u8)
        }
        DrillCmd::Run(a) => {
            let strategy = match &a.rollback_strategy {
                None => None,
                Some(s) => Some(
                    cocpit::domain::drill::RollbackStrategy::parse(s).ok_or_else(|| {
                        color_eyre::eyre::eyre!(
                            "--rollback-strategy {s:?}: expected always, default, never or deviated"
                        )
                    })?,
                ),
            };
            let path = PathBuf::from(&a.target);
            if !(path.is_file() && cocpit::ctk::cli::is_experiment(&path)) {
                return drill_scenario(a, strategy, opts);
            }
            let mut vars = Vec::new();
            for v in &a.vars {
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| color_eyre::eyre::eyre!("--var {v:?}: expected key=value"))?;
                vars.push((k.to_string(), val.to_string()));
            }
            // In a terminal the console opens with it; from a script (no
            // terminal) it runs as `chaos run` would, so pipelines that
            // called `chaos run EXP` need no `--headless`.
            let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
            if !a.headless && terminal {
                return experiment_console(a, path, vars, strategy, opts);
            }
            let code = cocpit::ctk::cli::run(&cocpit::ctk::cli::Opts {
                file: path,
                journal_path: a.journal_path,
                // Only an explicit flag beats the experiment's own
                // `runtime.rollbacks.strategy`.
                rollback_strategy: strategy,
                vars,
                var_files: a.var_files,
                junit: a.junit,
                events: journal,
                operator,
                faults: cfg.faults.clone(),
            })
            .map_err(color_eyre::eyre::Report::msg)?;
            Ok(code.clamp(0, 255) as u8)
        }
    }
}

/// `cocpit drill run EXPERIMENT` without `--headless`: the console opens
/// on the Drills view with the experiment running (its outputs where the
/// command line says).
fn experiment_console(
    a: DrillRunArgs,
    path: PathBuf,
    vars: Vec<(String, String)>,
    strategy: Option<cocpit::domain::drill::RollbackStrategy>,
    mut opts: Options,
) -> Result<u8> {
    let mut listed = match cocpit::spec::drills::load_experiment(&path) {
        Ok(l) => l,
        Err(e) => {
            // As `chaos validate`: the reason, exit 1.
            eprintln!("cocpit drill: {e}");
            return Ok(1);
        }
    };
    let abs = |p: &PathBuf| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    };
    listed.options = cocpit::domain::experiment::RunOptions {
        vars,
        var_files: a.var_files.iter().map(abs).collect(),
        strategy,
        journal_path: Some(abs(&a.journal_path)),
        junit: a.junit.as_ref().map(abs),
    };
    opts.drill = Some(listed.id.clone());
    opts.experiment = Some(listed);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(runtime::run(opts))?;
    Ok(0)
}

/// `cocpit drill run SCENARIO`: headless, or the console with the drill
/// started on the Drills view.
fn drill_scenario(
    a: DrillRunArgs,
    strategy: Option<cocpit::domain::drill::RollbackStrategy>,
    mut opts: Options,
) -> Result<u8> {
    opts.drill_rollbacks = strategy;
    let path = PathBuf::from(&a.target);
    let id = if path.is_file() {
        let providers = cocpit::domain::fault::catalog::names();
        match cocpit::spec::drills::load_file(&path, &providers) {
            Ok(s) => {
                opts.drill_file = Some(path);
                s.id
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                return Ok(2);
            }
        }
    } else {
        a.target.clone()
    };
    opts.drill = Some(id);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if a.headless {
        opts.drill_headless = true;
        opts.presence = false;
        let out = runtime::drill::Outputs {
            journal_json: Some(a.journal_path),
            junit: a.junit,
        };
        opts.drill_yes = a.yes;
        let code = rt.block_on(runtime::drill::run_headless(opts, out))?;
        return Ok(code.clamp(0, 255) as u8);
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the console needs a terminal; run the drill with --headless from scripts");
    }
    rt.block_on(runtime::run(opts))?;
    Ok(0)
}

fn plans_env(g: &Global, cfg: &Config, journal: PathBuf) -> cocpit::plans::cli::Env {
    // The demo's plans are there when the demo would run: no live source.
    let live = !cfg.alertmanager.is_empty()
        || !cfg.prometheus.is_empty()
        || cfg.webhook.is_some()
        || cfg.spool.is_some();
    cocpit::plans::cli::Env {
        journal,
        operator: g
            .operator
            .clone()
            .or_else(|| cfg.operator.clone())
            .unwrap_or_else(default_operator),
        dirs: cfg.plans.dirs(),
        embedded: cfg.plans.embedded.unwrap_or(!live),
        prometheus: cfg
            .plans
            .prometheus
            .clone()
            .or_else(|| cfg.prometheus.first().map(|p| p.url.clone())),
        faults: cfg.faults.clone(),
        readonly: g.readonly,
        observer: role(g, cfg) == cocpit::app::Role::Observer,
        alertmanager_sources: cfg
            .alertmanager
            .iter()
            .map(|a| a.source().to_string())
            .collect(),
    }
}

/// Live sources from the config plus the quick-start flags.
fn live_config(q: &QuickStart, cfg: &Config) -> Result<LiveConfig> {
    use cocpit::sources::config::{
        AlertmanagerConfig, Dur, FeedConfig, PrometheusConfig, WebhookConfig,
    };
    use std::time::Duration;
    let mut live = LiveConfig {
        alertmanagers: cfg.alertmanager.clone(),
        prometheus: cfg.prometheus.clone(),
        webhook: cfg.webhook.clone(),
        spool: cfg.spool.clone(),
    };
    // Kept out of the command line, where every user could read it.
    let env_password = std::env::var("COCPIT_ALERTMANAGER_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    for (i, url) in q.alertmanager.iter().enumerate() {
        let name = if q.alertmanager.len() == 1 {
            "alertmanager".into()
        } else {
            format!("alertmanager-{}", i + 1)
        };
        let mut am = AlertmanagerConfig::new(&name, &with_password(url, env_password.as_deref()));
        // Several URLs on the command line are peers of one cluster.
        am.cluster = (q.alertmanager.len() > 1).then(|| "alertmanager".into());
        am.password_file = q.alertmanager_password_file.clone();
        live.alertmanagers.push(am);
    }
    if let Some(url) = &q.prometheus {
        live.prometheus.push(PrometheusConfig {
            name: "prometheus".into(),
            url: url.clone(),
            poll_interval: Dur(Duration::from_secs(15)),
            feed: vec![FeedConfig {
                name: "targets up".into(),
                query: "sum(up)".into(),
                step: Dur(Duration::from_secs(15)),
                range: Dur(Duration::from_secs(600)),
                unit: String::new(),
                warn: None,
                crit: None,
            }],
        });
    }
    if let Some(addr) = q.webhook_listen {
        live.webhook = Some(WebhookConfig::on(addr));
    }
    live.validate()
        .map_err(|e| color_eyre::eyre::eyre!("live sources: {e}"))?;
    Ok(live)
}

/// `url` with `password` for its user, when it names a user without one.
fn with_password(url: &str, password: Option<&str>) -> String {
    let Some(password) = password else {
        return url.to_string();
    };
    match reqwest::Url::parse(url.trim()) {
        Ok(mut u) if !u.username().is_empty() && u.password().is_none() => {
            if u.set_password(Some(password)).is_ok() {
                u.to_string()
            } else {
                url.to_string()
            }
        }
        _ => url.to_string(),
    }
}

/// The demo's services, so `faults inject sim --target sim:NAME` refuses a
/// service the demo does not have; `None` when the scenario does not load.
fn demo_services(cfg: &Config) -> Option<Vec<String>> {
    use cocpit::sources::simulator::Scenario;
    let scenario = match &cfg.demo.scenario {
        Some(dir) => Scenario::from_dir(dir),
        None => Scenario::embedded(),
    };
    scenario.ok().map(|s| s.service_names())
}

fn parse_color_mode(s: &str) -> Result<ColorMode> {
    Ok(match s {
        "auto" => ColorMode::Auto,
        "truecolor" | "24bit" => ColorMode::Truecolor,
        "256" => ColorMode::Ansi256,
        "16" => ColorMode::Ansi16,
        "none" => ColorMode::None,
        other => bail!("--color-mode {other:?}: expected auto, truecolor, 256, 16 or none"),
    })
}

fn default_operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    format!("{user}@{host}")
}

/// Log lines queued for the log file at most.
const LOG_QUEUE: usize = 4096;

/// Logs go to a daily file in the XDG state dir, never to the screen.
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = config::log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::daily(&dir, "cocpit.log");
    // The default queue holds 128,000 lines, and its slots are written when
    // it is made: ~4 MB resident before the first line. cocpit logs a few
    // lines a second; past this many queued, lines are dropped (and
    // counted) rather than the console waiting on the disk.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE)
        .lossy(true)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("COCPIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

fn journal_cmd(path: &std::path::Path, action: JournalCmd) -> Result<ExitCode> {
    if !path.exists() {
        bail!("no journal at {}", path.display());
    }
    let journal =
        Journal::open_readonly(path).wrap_err_with(|| format!("opening {}", path.display()))?;
    match action {
        JournalCmd::Verify => {
            let report = journal.verify()?;
            match report.first_broken {
                None => {
                    println!(
                        "{}: {} events, hash chain intact",
                        path.display(),
                        report.rows_checked
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "{}: chain broken at event {}: {}",
                        path.display(),
                        b.id,
                        b.reason
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        JournalCmd::Export {
            format: Format::Jsonl,
            output,
        } => {
            let n = match output {
                Some(file) => {
                    let f = std::fs::File::create(&file)
                        .wrap_err_with(|| format!("creating {}", file.display()))?;
                    let mut w = std::io::BufWriter::new(f);
                    let n = journal.export_jsonl(&mut w)?;
                    w.flush()?;
                    n
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    let n = journal.export_jsonl(&mut w)?;
                    w.flush()?;
                    n
                }
            };
            tracing::info!("exported {n} events");
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_password_joins_a_url_with_only_a_user() {
        let with = |u: &str| with_password(u, Some("s3cret"));
        let e = cocpit::sources::config::Endpoint::parse(&with("http://noc@am:9093")).unwrap();
        assert_eq!(e.basic, Some(("noc".into(), Some("s3cret".into()))));
        // A password already in the URL, or no user at all: left alone.
        assert_eq!(with("http://noc:other@am:9093"), "http://noc:other@am:9093");
        assert_eq!(with("http://am:9093"), "http://am:9093");
        assert_eq!(
            with_password("http://noc@am:9093", None),
            "http://noc@am:9093"
        );
    }

    #[test]
    fn the_password_file_flag_reaches_every_command_line_alertmanager() {
        let cli = Cli::try_parse_from([
            "cocpit",
            "--alertmanager",
            "http://noc@a:9093",
            "--alertmanager",
            "http://noc@b:9093",
            "--alertmanager-password-file",
            "/run/secrets/am",
        ])
        .unwrap();
        let live = live_config(&cli.quick, &Config::default());
        // The file does not exist: the error names it (and no password).
        let e = format!("{:#}", live.unwrap_err());
        assert!(e.contains("password_file /run/secrets/am"), "{e}");
    }
}
