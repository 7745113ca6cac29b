//! Configuration of the live sources (`[[alertmanager]]`, `[[prometheus]]`,
//! `[webhook]`, `[spool]` in `config.toml`, or the quick-start flags).
//! Unknown keys are errors, like everywhere else in the config. URLs may
//! carry basic-auth credentials; [`Endpoint`] keeps them apart from the URL
//! so they never reach the journal, the screen or the logs.

use serde::{Deserialize, Deserializer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A duration written `500ms`, `2s`, `1m`, `1h` (or plain seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dur, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => Ok(Dur(Duration::from_secs(s))),
            Raw::Text(t) => crate::domain::silence::parse_duration(&t)
                .and_then(|d| d.to_std().ok())
                .map(Dur)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "bad duration {t:?}: expected e.g. 500ms, 2s, 1m, 1h"
                    ))
                }),
        }
    }
}

fn two_seconds() -> Dur {
    Dur(Duration::from_secs(2))
}
fn fifteen_seconds() -> Dur {
    Dur(Duration::from_secs(15))
}
fn ten_minutes() -> Dur {
    Dur(Duration::from_secs(600))
}
fn one_hour() -> Dur {
    Dur(Duration::from_secs(3600))
}
fn one_day() -> Dur {
    Dur(Duration::from_secs(24 * 3600))
}
fn five_seconds() -> Dur {
    Dur(Duration::from_secs(5))
}
fn ten_seconds() -> Dur {
    Dur(Duration::from_secs(10))
}
fn default_max_response() -> usize {
    32 << 20
}
fn default_max_alarms() -> usize {
    100_000
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    /// Shown in the header and recorded as the source of its alarms.
    pub name: String,
    /// Base URL, e.g. `http://127.0.0.1:9093` (may contain `user:pass@`).
    pub url: String,
    #[serde(default = "two_seconds")]
    pub poll_interval: Dur,
    /// Alertmanagers with the same cluster name are peers: their alerts are
    /// deduplicated by fingerprint and shown as one source named after the
    /// cluster; silences go to whichever peer answers.
    #[serde(default)]
    pub cluster: Option<String>,
    /// How long an ack silence lasts before cocpit extends it (while the
    /// alarm still fires).
    #[serde(default = "one_hour")]
    pub ack_window: Dur,
    /// A bigger answer (alerts, silences, status) is refused: the member is
    /// down with the reason, its alarms stay (stale). 32 MiB by default,
    /// about 80,000 alerts.
    #[serde(default = "default_max_response")]
    pub max_response_bytes: usize,
    /// The basic-auth password, read from this file (first line) rather
    /// than written in `url`, where it would show in `ps` and
    /// `/proc/PID/cmdline` when given on the command line. The user name
    /// stays in the URL (`http://USER@host:9093`).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
}

impl AlertmanagerConfig {
    /// A member with every optional setting at its default.
    pub fn new(name: &str, url: &str) -> AlertmanagerConfig {
        AlertmanagerConfig {
            name: name.to_string(),
            url: url.to_string(),
            poll_interval: two_seconds(),
            cluster: None,
            ack_window: one_hour(),
            max_response_bytes: default_max_response(),
            password_file: None,
        }
    }

    /// The endpoint with its credentials: the URL's, with the password
    /// from `password_file` when there is one.
    pub fn endpoint(&self) -> Result<Endpoint, String> {
        let mut e = Endpoint::parse(&self.url)?;
        if let Some(p) = &self.password_file {
            let pass = read_secret(p).map_err(|e| format!("password_file {}: {e}", p.display()))?;
            match &mut e.basic {
                Some((_, slot)) => *slot = Some(pass),
                None => {
                    return Err(
                        "password_file needs a user name in the URL (http://USER@host:9093)".into(),
                    );
                }
            }
        }
        Ok(e)
    }

    /// The source name its alarms carry: the cluster, else its own name.
    pub fn source(&self) -> &str {
        self.cluster.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    pub name: String,
    pub url: String,
    #[serde(default = "fifteen_seconds")]
    pub poll_interval: Dur,
    #[serde(default)]
    pub feed: Vec<FeedConfig>,
}

/// A monitoring feed: a named PromQL query drawn in the Monitor view.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub name: String,
    pub query: String,
    #[serde(default = "fifteen_seconds")]
    pub step: Dur,
    #[serde(default = "ten_minutes")]
    pub range: Dur,
    #[serde(default)]
    pub unit: String,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

/// The first line of a secret file, trimmed; an empty one is an error.
pub fn read_secret(p: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
    let line = text.lines().next().unwrap_or("").trim().to_string();
    if line.is_empty() {
        return Err("empty".into());
    }
    Ok(line)
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9095))
}
fn default_max_body() -> usize {
    1 << 20
}
fn default_max_connections() -> usize {
    256
}
fn default_max_concurrent() -> usize {
    8
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Loopback by default: binding elsewhere is an explicit choice.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Bearer token the sender must present (`Authorization: Bearer …`).
    #[serde(default)]
    pub token: Option<String>,
    /// Or read the token from a file (first line), keeping it out of the config.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Connections open at once; one more is closed at once.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Requests read and applied at once; the others wait for a turn (at
    /// most `body_timeout`) and then get 503 with `Retry-After`.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent: usize,
    /// A connection that has not sent a complete request head in this long
    /// (half-open, slow, or idle between requests) is closed.
    #[serde(default = "five_seconds")]
    pub header_timeout: Dur,
    /// A body not received in full in this long gets 408.
    #[serde(default = "ten_seconds")]
    pub body_timeout: Dur,
    /// Most alarms firing at once from the webhook; alerts over it are
    /// refused (507, `source.error`, the source shows down while it refuses).
    #[serde(default = "default_max_alarms")]
    pub max_alarms: usize,
    /// Without Alertmanager sources: an alarm the sender has not mentioned
    /// for this long is resolved. Alertmanager re-sends firing alerts every
    /// `repeat_interval` (4h by default), so keep this above yours; `0`
    /// keeps alarms until the sender resolves them.
    #[serde(default = "one_day")]
    pub expire_after: Dur,
}

impl WebhookConfig {
    pub fn on(listen: SocketAddr) -> WebhookConfig {
        WebhookConfig {
            listen,
            token: None,
            token_file: None,
            max_body_bytes: default_max_body(),
            max_connections: default_max_connections(),
            max_concurrent: default_max_concurrent(),
            header_timeout: five_seconds(),
            body_timeout: ten_seconds(),
            max_alarms: default_max_alarms(),
            expire_after: one_day(),
        }
    }

    /// The token, from the config or its file.
    pub fn resolve_token(&self) -> Result<Option<String>, String> {
        if let Some(t) = &self.token {
            return Ok(Some(t.clone()));
        }
        match &self.token_file {
            None => Ok(None),
            Some(p) => std::fs::read_to_string(p)
                .map(|s| s.lines().next().map(|l| l.trim().to_string()))
                .map_err(|e| format!("webhook token_file {}: {e}", p.display())),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpoolConfig {
    pub dir: PathBuf,
    #[serde(default = "five_seconds")]
    pub rescan: Dur,
    /// A bigger file is not read: it moves to `failed/` with the reason.
    #[serde(default = "default_max_file")]
    pub max_file_bytes: u64,
    /// Most alarms firing at once from the spool; entries over it are
    /// refused (the file moves to `failed/`).
    #[serde(default = "default_max_alarms")]
    pub max_alarms: usize,
}

fn default_max_file() -> u64 {
    8 << 20
}

impl SpoolConfig {
    pub fn new(dir: PathBuf) -> SpoolConfig {
        SpoolConfig {
            dir,
            rescan: five_seconds(),
            max_file_bytes: default_max_file(),
            max_alarms: default_max_alarms(),
        }
    }
}

/// Every live source of one console.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveConfig {
    pub alertmanagers: Vec<AlertmanagerConfig>,
    pub prometheus: Vec<PrometheusConfig>,
    pub webhook: Option<WebhookConfig>,
    pub spool: Option<SpoolConfig>,
}

impl LiveConfig {
    /// Any real source turns the demo off.
    pub fn is_live(&self) -> bool {
        !self.alertmanagers.is_empty()
            || !self.prometheus.is_empty()
            || self.webhook.is_some()
            || self.spool.is_some()
    }

    /// Names must be unique: they key alarms and health in the journal.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        let names = self
            .alertmanagers
            .iter()
            .map(|a| a.name.as_str())
            .chain(self.prometheus.iter().map(|p| p.name.as_str()));
        for n in names {
            if n.trim().is_empty() {
                return Err("a source has an empty name".into());
            }
            if !seen.insert(n) {
                return Err(format!("two sources are named {n:?}"));
            }
        }
        for a in &self.alertmanagers {
            a.endpoint()
                .map_err(|e| format!("alertmanager {:?}: {e}", a.name))?;
        }
        for p in &self.prometheus {
            Endpoint::parse(&p.url).map_err(|e| format!("prometheus {:?}: {e}", p.name))?;
        }
        Ok(())
    }
}

/// A base URL with any credentials taken out of it.
#[derive(Clone, PartialEq)]
pub struct Endpoint {
    /// Without user info: safe to show and log.
    pub url: reqwest::Url,
    pub basic: Option<(String, Option<String>)>,
}

// Never print the password, even in a debug dump.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Endpoint({}{})",
            self.url,
            if self.basic.is_some() { " +auth" } else { "" }
        )
    }
}

impl Endpoint {
    pub fn parse(s: &str) -> Result<Endpoint, String> {
        let mut url = reqwest::Url::parse(s.trim()).map_err(|e| format!("bad URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "URL scheme {:?}: expected http or https",
                url.scheme()
            ));
        }
        let basic = if url.username().is_empty() {
            None
        } else {
            Some((
                url.username().to_string(),
                url.password().map(str::to_string),
            ))
        };
        // Both always succeed on http(s) URLs; ignore the unit errors.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(Endpoint { url, basic })
    }

    /// `base` + `path` (relative, e.g. `api/v2/alerts`).
    pub fn join(&self, path: &str) -> Result<reqwest::Url, String> {
        self.url
            .join(path)
            .map_err(|e| format!("bad path {path}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url() {
        let e = Endpoint::parse("http://bob:s3cret@127.0.0.1:9093/am").unwrap();
        assert_eq!(e.url.as_str(), "http://127.0.0.1:9093/am/");
        assert_eq!(e.basic, Some(("bob".into(), Some("s3cret".into()))));
        assert!(!format!("{e:?}").contains("s3cret"));
        assert_eq!(
            e.join("api/v2/alerts").unwrap().as_str(),
            "http://127.0.0.1:9093/am/api/v2/alerts"
        );
        assert!(Endpoint::parse("ftp://x").is_err());
        assert!(Endpoint::parse("not a url").is_err());
    }

    #[test]
    fn the_password_comes_from_its_file_not_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("am.pass");
        std::fs::write(&f, "s3cret-from-file\nignored\n").unwrap();
        let mut am = AlertmanagerConfig::new("a", "http://noc@127.0.0.1:9093");
        am.password_file = Some(f.clone());
        let e = am.endpoint().unwrap();
        assert_eq!(
            e.basic,
            Some(("noc".into(), Some("s3cret-from-file".into())))
        );
        assert!(!format!("{e:?}").contains("s3cret"));
        // A password needs a user to go with it.
        am.url = "http://127.0.0.1:9093".into();
        assert!(am.endpoint().unwrap_err().contains("user name"));
        // A missing or empty file is an error at start, not a silent 401 later.
        am.url = "http://noc@127.0.0.1:9093".into();
        std::fs::write(&f, "\n").unwrap();
        assert!(am.endpoint().unwrap_err().contains("empty"));
        am.password_file = Some(dir.path().join("missing"));
        let c = LiveConfig {
            alertmanagers: vec![am],
            ..LiveConfig::default()
        };
        assert!(c.validate().unwrap_err().contains("password_file"));
    }

    #[test]
    fn names_are_unique() {
        let am = |n: &str| AlertmanagerConfig::new(n, "http://127.0.0.1:1");
        let mut c = LiveConfig {
            alertmanagers: vec![am("a"), am("b")],
            ..LiveConfig::default()
        };
        assert!(c.validate().is_ok() && c.is_live());
        c.alertmanagers.push(am("a"));
        assert!(c.validate().unwrap_err().contains("\"a\""));
        assert!(!LiveConfig::default().is_live());
    }
}
