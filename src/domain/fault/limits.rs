//! Blast radius: the `[faults]` section of `config.toml` and the pure
//! check every injection passes first (console form and CLI alike):
//! allowed target patterns, how many faults may be live at once, the
//! longest duration. Refusals say which limit and how to change it.

use super::ledger::FaultLedger;
use super::{FaultSpec, format_duration, parse_duration};
use serde::{Deserialize, Deserializer};

/// What a restarted console does with faults its dead predecessor left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrphanPolicy {
    /// Recover them at once.
    #[default]
    Auto,
    /// Show a banner; one key recovers them.
    Ask,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultsConfig {
    /// Glob patterns (`*` any run, `?` one character) a target must match,
    /// e.g. `["sim:*", "pid:*", "dir:/srv/scratch/*"]`.
    pub allowed_targets: Vec<String>,
    pub max_concurrent: usize,
    #[serde(deserialize_with = "secs")]
    pub max_duration: u64,
    #[serde(deserialize_with = "secs")]
    pub default_duration: u64,
    pub orphans: OrphanPolicy,
}

impl Default for FaultsConfig {
    fn default() -> FaultsConfig {
        FaultsConfig {
            allowed_targets: vec!["*".into()],
            max_concurrent: 10,
            max_duration: 3600,
            default_duration: 120,
            orphans: OrphanPolicy::Auto,
        }
    }
}

/// `"90s"` / `"5m"` or a number of seconds.
fn secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(u64),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::N(0) => Err(serde::de::Error::custom("duration must be more than 0")),
        Raw::N(n) => Ok(n),
        Raw::S(s) => parse_duration(&s).map_err(serde::de::Error::custom),
    }
}

/// Whether `spec` may be injected now, given what is already live.
pub fn check(spec: &FaultSpec, ledger: &FaultLedger, cfg: &FaultsConfig) -> Result<(), String> {
    if spec.duration_secs == 0 {
        return Err("duration must be more than 0".into());
    }
    if spec.duration_secs > cfg.max_duration {
        return Err(format!(
            "blast radius: duration {} is over the maximum {} ([faults] max_duration)",
            format_duration(spec.duration_secs),
            format_duration(cfg.max_duration)
        ));
    }
    if !cfg.allowed_targets.iter().any(|p| glob(p, &spec.target)) {
        return Err(format!(
            "blast radius: target {:?} matches none of the allowed targets {:?} ([faults] allowed_targets)",
            spec.target, cfg.allowed_targets
        ));
    }
    let live = ledger.counts().live;
    if live >= cfg.max_concurrent {
        return Err(format!(
            "blast radius: {live} faults are live, the maximum is {} ([faults] max_concurrent)",
            cfg.max_concurrent
        ));
    }
    Ok(())
}

/// `*` matches any run of characters, `?` one; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with backtracking to the last `*`: linear-ish, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fault::ledger::tests::{active, intended, spec};

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("pid:*", "pid:12"));
        assert!(!glob("pid:*", "name:x"));
        assert!(glob("dir:/tmp/*/x", "dir:/tmp/a/b/x"));
        assert!(glob("sim:pay?ents", "sim:payments"));
        assert!(!glob("sim:payments", "sim:payments2"));
        assert!(glob("", ""));
    }

    #[test]
    fn limits_refuse_with_the_limit_named() {
        let mut cfg = FaultsConfig {
            allowed_targets: vec!["sim:*".into()],
            max_concurrent: 1,
            max_duration: 60,
            ..FaultsConfig::default()
        };
        let l = FaultLedger::new();
        let e = check(&spec(), &l, &cfg).unwrap_err();
        assert!(
            e.contains("allowed_targets") && e.contains("pid:4242"),
            "{e}"
        );
        cfg.allowed_targets.push("pid:*".into());
        assert!(check(&spec(), &l, &cfg).is_ok());
        let long = FaultSpec {
            duration_secs: 61,
            ..spec()
        };
        let e = check(&long, &l, &cfg).unwrap_err();
        assert!(e.contains("max_duration") && e.contains("1m1s"), "{e}");
        let mut l = FaultLedger::new();
        l.apply(&intended(1, 0, "f1", "c"));
        l.apply(&active(2, 0, "f1"));
        let e = check(&spec(), &l, &cfg).unwrap_err();
        assert!(e.contains("max_concurrent"), "{e}");
    }

    #[test]
    fn config_section_parses_durations_and_policy() {
        let c: FaultsConfig = toml::from_str(
            "allowed_targets = [\"sim:*\"]\nmax_duration = \"10m\"\ndefault_duration = 30\norphans = \"ask\"\n",
        )
        .unwrap();
        assert_eq!(c.max_duration, 600);
        assert_eq!(c.default_duration, 30);
        assert_eq!(c.orphans, OrphanPolicy::Ask);
        assert_eq!(c.max_concurrent, 10);
        assert!(toml::from_str::<FaultsConfig>("max_duration = \"0s\"").is_err());
        assert!(toml::from_str::<FaultsConfig>("max_concurent = 3").is_err());
    }
}
