//! `config.toml`: where it lives, what it may say, and how command-line
//! flags and `COCPIT_*` variables override it. Errors name the file, line
//! and key so a typo never silently falls back to defaults.

use crate::theme::ColorMode;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who is at the keyboard; default `$USER@host`.
    pub operator: Option<String>,
    /// Journal file; default `$XDG_DATA_HOME/cocpit/journal.db`.
    pub journal: Option<PathBuf>,
    /// Colour theme name (`dark`, `light`, `high-contrast`, `colorblind`, or a
    /// user theme in `$XDG_CONFIG_HOME/cocpit/themes/`).
    pub theme: Option<String>,
    /// `operator` (default) or `observer` (handles alarms, never injects faults).
    #[serde(default)]
    pub role: crate::domain::Role,
    #[serde(default)]
    pub color_mode: ColorMode,
    /// Ring the terminal bell for a new critical alarm (default true).
    pub bell: Option<bool>,
    /// Mouse: click selects rows and tabs, the wheel scrolls (default true).
    pub mouse: Option<bool>,
    #[serde(default)]
    pub demo: DemoConfig,
    /// Live sources (see `sources::config`); any of them turns the demo off.
    #[serde(default)]
    pub alertmanager: Vec<crate::sources::config::AlertmanagerConfig>,
    #[serde(default)]
    pub prometheus: Vec<crate::sources::config::PrometheusConfig>,
    #[serde(default)]
    pub webhook: Option<crate::sources::config::WebhookConfig>,
    #[serde(default)]
    pub spool: Option<crate::sources::config::SpoolConfig>,
    /// Fault injection: blast-radius limits, durations, orphan policy.
    #[serde(default)]
    pub faults: crate::domain::fault::limits::FaultsConfig,
    /// Contingency plans, changes and inspections (`docs/PLANS.md`).
    #[serde(default)]
    pub plans: PlansConfig,
    /// Chaos drill scenarios (`docs/DRILLS.md`).
    #[serde(default)]
    pub drills: DrillsConfig,
    /// The failure-mode library (`docs/RISK.md`).
    #[serde(default)]
    pub risk: RiskConfig,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RiskConfig {
    /// Directories of failure-mode files; default
    /// `$XDG_CONFIG_HOME/cocpit/failure-modes/`.
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
    /// Load the starter library (`fixtures/failure-modes/`) too; default:
    /// only when the demo runs.
    pub embedded: Option<bool>,
}

impl RiskConfig {
    /// The directories to load, the default one when none is configured.
    pub fn dirs(&self) -> Vec<PathBuf> {
        if !self.dirs.is_empty() {
            return self.dirs.clone();
        }
        dirs()
            .map(|d| vec![d.config_dir().join("failure-modes")])
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DrillsConfig {
    /// Directories of scenario files; default `$XDG_CONFIG_HOME/cocpit/drills/`.
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
    /// Load the demo's scenarios (`fixtures/drills/`) too; default: only
    /// when the demo runs.
    pub embedded: Option<bool>,
}

impl DrillsConfig {
    /// The directories to load, the default one when none is configured.
    pub fn dirs(&self) -> Vec<PathBuf> {
        if !self.dirs.is_empty() {
            return self.dirs.clone();
        }
        dirs()
            .map(|d| vec![d.config_dir().join("drills")])
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlansConfig {
    /// Directories of plan files; default `$XDG_CONFIG_HOME/cocpit/plans/`.
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
    /// Load the demo's plans (`fixtures/plans/`) too; default: only when
    /// the demo runs.
    pub embedded: Option<bool>,
    /// Prometheus for `wait_for: {promql}`; default the first `[[prometheus]]`.
    pub prometheus: Option<String>,
}

impl PlansConfig {
    /// The directories to load, the default one when none is configured.
    pub fn dirs(&self) -> Vec<PathBuf> {
        if !self.dirs.is_empty() {
            return self.dirs.clone();
        }
        dirs()
            .map(|d| vec![d.config_dir().join("plans")])
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Seed for the simulator; the same seed plays the same demo.
    pub seed: Option<u64>,
    /// A directory with a user copy of `fixtures/demo/*.yaml`.
    pub scenario: Option<PathBuf>,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(format!("{}: {e}", origin.display())))
    }

    /// Load `path` if given (it must exist), else the default location if it
    /// exists, else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError(format!("{}: cannot read: {e}", path.display()))),
        }
    }
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "cocpit")
}

pub fn default_path() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("config.toml"))
}

pub fn themes_dir() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("themes"))
}

pub fn default_journal() -> PathBuf {
    dirs()
        .map(|d| d.data_dir().join("journal.db"))
        .unwrap_or_else(|| PathBuf::from("cocpit-journal.db"))
}

pub fn log_dir() -> PathBuf {
    dirs()
        .map(|d| {
            d.state_dir()
                .unwrap_or_else(|| d.data_local_dir())
                .to_path_buf()
        })
        .unwrap_or_else(std::env::temp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_where() {
        let c = Config::parse(
            "theme = \"light\"\ncolor_mode = \"256\"\n[demo]\nseed = 7\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.color_mode, ColorMode::Ansi256);
        assert_eq!(c.demo.seed, Some(7));
        let e = Config::parse("theme = \"x\"\ncolour = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(e.0.contains("c.toml") && e.0.contains("line 2"), "{}", e.0);
    }

    #[test]
    fn risk_section() {
        let c = Config::parse(
            "[risk]\ndirs = [\"/srv/fm\"]\nembedded = true\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.risk.dirs(), vec![PathBuf::from("/srv/fm")]);
        assert_eq!(c.risk.embedded, Some(true));
        assert!(Config::parse("[risk]\ndir = 1\n", Path::new("c.toml")).is_err());
        assert!(
            Config::default()
                .risk
                .dirs()
                .iter()
                .all(|d| d.ends_with("failure-modes"))
        );
    }

    #[test]
    fn live_sources() {
        let c = Config::parse(
            r#"
[[alertmanager]]
name = "prod-a"
url = "http://127.0.0.1:9093"
cluster = "prod"
[[alertmanager]]
name = "prod-b"
url = "http://127.0.0.1:9094"
cluster = "prod"
poll_interval = "500ms"
[[prometheus]]
name = "prom"
url = "http://127.0.0.1:9090"
[[prometheus.feed]]
name = "cpu"
query = "sum(rate(x[1m]))"
step = "30s"
unit = "%"
warn = 70
crit = 90.5
[webhook]
token_file = "/run/secrets/t"
[spool]
dir = "/var/spool/cocpit"
"#,
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.alertmanager.len(), 2);
        assert_eq!(c.alertmanager[0].poll_interval.0.as_secs(), 2);
        assert_eq!(c.alertmanager[1].poll_interval.0.as_millis(), 500);
        assert_eq!(c.alertmanager[1].source(), "prod");
        assert_eq!(c.prometheus[0].feed[0].step.0.as_secs(), 30);
        assert_eq!(c.prometheus[0].feed[0].crit, Some(90.5));
        let w = c.webhook.unwrap();
        assert_eq!(w.listen.to_string(), "127.0.0.1:9095");
        assert_eq!(w.max_body_bytes, 1 << 20);
        let e = Config::parse(
            "[[alertmanager]]\nname=\"a\"\nurl=\"http://x\"\nbogus=1\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(e.0.contains("bogus"), "{}", e.0);
        let e = Config::parse(
            "[[alertmanager]]\nname=\"a\"\nurl=\"http://x\"\npoll_interval=\"fast\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(e.0.contains("bad duration"), "{}", e.0);
    }
}
