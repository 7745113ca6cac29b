//! `command`: inject, recover and check are commands, run as argv (see
//! [`argv`](crate::domain::fault::argv): words are split first and `{placeholders}`
//! filled per word, so no parameter can become shell syntax). A recovery
//! handle can be taken from the inject output with a JSONPath
//! (`handle_jsonpath = "$.result"` for ChaosBlade's
//! `{"code":200,"success":true,"result":"<uid>"}`) or a regex's first group,
//! and is then `{handle}` in the recover and check commands.
//!
//! `--action NAME` loads a recipe: `$XDG_CONFIG_HOME/cocpit/faults/NAME.toml`,
//! else one shipped in `fixtures/faults/`. Without a recipe, the params
//! `inject=…`, `recover=…` (and `check=…`, `handle_jsonpath=…`,
//! `handle_regex=…`) say it all. Placeholders: every param, `{target}`,
//! `{target_name}`, `{id}`, `{tag}`, `{duration}` (seconds), `{handle}`.
//!
//! `ssh` joins its arguments into one string for the remote shell, so when
//! a command starts with `ssh` every value filled in must be plain
//! (letters, digits and `_.:/@%+=,-`).
//!
//! Check commands exit 0 while the fault is in place and non-zero once it
//! is gone.

use super::super::provider::{Ctx, Health, Provider, data, record};
use super::{Output, cut, json_path, run};
use crate::domain::fault::argv;
use crate::domain::fault::{FaultSpec, RecoveryRecord, target_name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Command;

const DEFAULT_TIMEOUT: u64 = 30;

/// Recipes shipped with cocpit.
pub const RECIPES: &[(&str, &str)] = &[
    (
        "chaosblade-cpu",
        include_str!("../../../fixtures/faults/chaosblade-cpu.toml"),
    ),
    (
        "chaosblade-jvm-delay",
        include_str!("../../../fixtures/faults/chaosblade-jvm-delay.toml"),
    ),
    (
        "netem-ssh",
        include_str!("../../../fixtures/faults/netem-ssh.toml"),
    ),
    (
        "kubectl-delete-pod",
        include_str!("../../../fixtures/faults/kubectl-delete-pod.toml"),
    ),
    (
        "stress-ng-ssh",
        include_str!("../../../fixtures/faults/stress-ng-ssh.toml"),
    ),
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    #[serde(default)]
    pub description: String,
    pub inject: String,
    pub recover: String,
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub handle_jsonpath: Option<String>,
    #[serde(default)]
    pub handle_regex: Option<String>,
    /// Seconds each command may take.
    #[serde(default)]
    pub timeout: Option<u64>,
    /// Parameter defaults; `--param` overrides them.
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    recover: String,
    #[serde(default)]
    check: Option<String>,
    vars: BTreeMap<String, String>,
    #[serde(default)]
    handle: Option<String>,
    timeout: u64,
}

pub fn load_recipe(name: &str) -> Result<Recipe, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "recipe name {name:?}: letters, digits, - and _ only"
        ));
    }
    let user = crate::config::default_path().and_then(|p| {
        p.parent()
            .map(|d| d.join("faults").join(format!("{name}.toml")))
    });
    if let Some(path) = user.filter(|p| p.exists()) {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        return toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let (_, text) = RECIPES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let names: Vec<&str> = RECIPES.iter().map(|(n, _)| *n).collect();
        format!("no recipe {name:?} (shipped: {})", names.join(", "))
    })?;
    toml::from_str(text).map_err(|e| format!("recipe {name}: {e}"))
}

fn recipe_for(spec: &FaultSpec) -> Result<Recipe, String> {
    let mut r = if spec.action.is_empty() {
        Recipe::default()
    } else {
        load_recipe(&spec.action)?
    };
    let p = |k: &str| spec.params.get(k).cloned();
    if let Some(v) = p("inject") {
        r.inject = v;
    }
    if let Some(v) = p("recover") {
        r.recover = v;
    }
    if let Some(v) = p("check") {
        r.check = Some(v);
    }
    if let Some(v) = p("handle_jsonpath") {
        r.handle_jsonpath = Some(v);
    }
    if let Some(v) = p("handle_regex") {
        r.handle_regex = Some(v);
    }
    if let Some(v) = p("timeout") {
        r.timeout = Some(crate::domain::fault::parse_duration(&v)?);
    }
    if r.inject.trim().is_empty() || r.recover.trim().is_empty() {
        return Err("command: give --action RECIPE or the params inject=… and recover=…".into());
    }
    Ok(r)
}

const RESERVED: [&str; 6] = [
    "inject",
    "recover",
    "check",
    "handle_jsonpath",
    "handle_regex",
    "timeout",
];

fn vars(spec: &FaultSpec, ctx: &Ctx, recipe: &Recipe) -> BTreeMap<String, String> {
    let mut v = recipe.defaults.clone();
    for (k, val) in &spec.params {
        if !RESERVED.contains(&k.as_str()) {
            v.insert(k.clone(), val.clone());
        }
    }
    v.insert("target".into(), spec.target.clone());
    v.insert("target_name".into(), target_name(&spec.target).to_string());
    v.insert("id".into(), ctx.id.clone());
    v.insert("tag".into(), ctx.tag());
    v.insert("duration".into(), spec.duration_secs.to_string());
    v
}

fn shell_safe(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.:/@%+=,-".contains(c))
}

/// Fill a command line; refuse unsafe values for `ssh`.
fn build(line: &str, vars: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let words = argv::split(line)?;
    let first = words.first().ok_or("empty command")?;
    if first.rsplit('/').next() == Some("ssh") {
        for w in &words {
            for (k, val) in vars {
                if w.contains(&format!("{{{k}}}")) && !shell_safe(val) {
                    return Err(format!(
                        "{k}={val:?} cannot go through ssh (the remote shell would read it): use letters, digits and _.:/@%+=,- only"
                    ));
                }
            }
        }
    }
    words.iter().map(|w| argv::fill(w, vars)).collect()
}

fn exec(line: &str, vars: &BTreeMap<String, String>, timeout: u64) -> Result<Output, String> {
    let argv = build(line, vars)?;
    run(&argv, None, Duration::from_secs(timeout))
}

fn extract(recipe: &Recipe, out: &str) -> Result<Option<String>, String> {
    if let Some(path) = &recipe.handle_jsonpath {
        let v: serde_json::Value = serde_json::from_str(out.trim())
            .map_err(|e| format!("inject output is not JSON ({e}): {}", cut(out.trim(), 200)))?;
        return json_path(&v, path)
            .map(Some)
            .ok_or_else(|| format!("no {path} in the inject output: {}", cut(out.trim(), 200)));
    }
    if let Some(re) = &recipe.handle_regex {
        let re = regex::Regex::new(re).map_err(|e| format!("handle_regex: {e}"))?;
        let caps = re
            .captures(out)
            .ok_or_else(|| format!("handle_regex matched nothing in: {}", cut(out.trim(), 200)))?;
        let m = caps
            .get(1)
            .or_else(|| caps.get(0))
            .map(|m| m.as_str().to_string());
        return Ok(m);
    }
    Ok(None)
}

impl Provider for Command {
    fn name(&self) -> &'static str {
        "command"
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let recipe = recipe_for(spec)?;
        let vars = vars(spec, ctx, &recipe);
        // Fill everything now so a typo fails before anything runs.
        let inject = build(&recipe.inject, &vars)?;
        let mut with_handle = vars.clone();
        with_handle.insert("handle".into(), "HANDLE".into());
        build(&recipe.recover, &with_handle)?;
        if let Some(c) = &recipe.check {
            build(c, &with_handle)?;
        }
        let summary = cut(&inject.join(" "), 120);
        Ok(record(
            self.name(),
            summary,
            &Rec {
                recover: recipe.recover.clone(),
                check: recipe.check.clone(),
                vars,
                handle: None,
                timeout: recipe.timeout.unwrap_or(DEFAULT_TIMEOUT),
            },
        ))
    }

    fn inject(
        &self,
        spec: &FaultSpec,
        _ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let recipe = recipe_for(spec)?;
        let mut rec: Rec = data(prepared)?;
        let out = exec(&recipe.inject, &rec.vars, rec.timeout)?;
        if !out.success() {
            return Err(out.failure("inject command"));
        }
        rec.handle = extract(&recipe, &out.stdout)?;
        let summary = match &rec.handle {
            Some(h) => format!("{} → handle {}", prepared.summary, cut(h, 64)),
            None => prepared.summary.clone(),
        };
        Ok(record(self.name(), summary, &rec))
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        let mut vars = rec.vars.clone();
        let needs_handle = rec.recover.contains("{handle}");
        match &rec.handle {
            Some(h) => {
                vars.insert("handle".into(), h.clone());
            }
            None if needs_handle => {
                return Err("no recovery handle was recorded (the inject output had none): recover by hand, then dismiss".into());
            }
            None => {}
        }
        let out = exec(&rec.recover, &vars, rec.timeout)?;
        if out.success() {
            Ok(cut(out.stdout.trim(), 200))
        } else {
            Err(out.failure("recover command"))
        }
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        let Ok(rec) = data::<Rec>(record) else {
            return Health::Unknown("unreadable record".into());
        };
        let Some(check) = &rec.check else {
            return Health::Unknown("no check command".into());
        };
        let mut vars = rec.vars.clone();
        if let Some(h) = &rec.handle {
            vars.insert("handle".into(), h.clone());
        }
        match exec(check, &vars, rec.timeout) {
            Ok(out) if out.success() => Health::Active,
            Ok(_) => Health::Gone,
            Err(e) => Health::Unknown(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_recipes_parse_and_fill() {
        for (name, _) in RECIPES {
            let r = load_recipe(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!r.description.is_empty(), "{name} has a description");
        }
        assert!(load_recipe("../etc/passwd").is_err());
        assert!(load_recipe("nope").unwrap_err().contains("chaosblade-cpu"));
    }

    #[test]
    fn ssh_refuses_values_the_remote_shell_would_read() {
        let mut v = BTreeMap::new();
        v.insert("target_name".to_string(), "web1".to_string());
        v.insert("dev".to_string(), "eth0; reboot".to_string());
        assert!(build("ssh {target_name} tc qdisc del dev {dev} root", &v).is_err());
        v.insert("dev".to_string(), "eth0".to_string());
        assert_eq!(
            build("ssh {target_name} tc qdisc del dev {dev} root", &v).unwrap(),
            vec!["ssh", "web1", "tc", "qdisc", "del", "dev", "eth0", "root"]
        );
        // Without ssh the value stays one argument, whatever it holds.
        v.insert("dev".to_string(), "eth0; reboot".to_string());
        assert_eq!(
            build("echo {dev}", &v).unwrap(),
            vec!["echo", "eth0; reboot"]
        );
    }

    #[test]
    fn handles_come_from_jsonpath_or_regex() {
        let blade = Recipe {
            handle_jsonpath: Some("$.result".into()),
            ..Recipe::default()
        };
        assert_eq!(
            extract(&blade, r#"{"code":200,"success":true,"result":"7c1f2a"}"#).unwrap(),
            Some("7c1f2a".into())
        );
        assert!(extract(&blade, "not json").is_err());
        let re = Recipe {
            handle_regex: Some(r"uid=(\w+)".into()),
            ..Recipe::default()
        };
        assert_eq!(extract(&re, "ok uid=abc9\n").unwrap(), Some("abc9".into()));
    }
}
