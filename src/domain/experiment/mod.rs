//! Chaos Toolkit experiments as data: parsing an experiment (JSON or YAML),
//! `chaos validate`'s checks and reasons, `${var}` substitution with the
//! configuration and secrets, tolerances, the run's decisions and the
//! Chaos Toolkit-compatible journal. No I/O here: running activities, the
//! clock and pauses come in through [`run::Exec`].
//!
//! The experiment stays a `serde_json::Value` on purpose: Chaos Toolkit
//! echoes the experiment and each activity into its journal as written, with
//! every extension key an experiment may carry, so a typed copy would lose
//! what the journal must show.

pub mod journal;
pub mod run;
pub mod tolerance;
pub mod vars;

use serde_json::Value;

/// An experiment file the Drills view lists beside the scenarios. The text
/// is kept as written: the run parses it again, so what runs is what was
/// validated at load, file and all.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// The file name without its extension (a scenario id may not take it).
    pub id: String,
    pub title: String,
    pub description: String,
    /// `embedded:NAME` or the file's path.
    pub origin: String,
    pub text: String,
    /// What the command line gave for this one (`cocpit drill run EXP`
    /// opening the console); the defaults for a file from `[drills] dirs`.
    pub options: RunOptions,
}

/// How an experiment is run beyond its file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOptions {
    /// `--var k=v`, in order.
    pub vars: Vec<(String, String)>,
    pub var_files: Vec<String>,
    /// `--rollback-strategy`: beats the experiment's own
    /// `runtime.rollbacks.strategy`, which beats cocpit's `always`.
    pub strategy: Option<crate::domain::drill::RollbackStrategy>,
    /// Where its Chaos Toolkit journal goes (`None`: cocpit's state
    /// directory, one file per drill).
    pub journal_path: Option<String>,
    pub junit: Option<String>,
}

impl Listed {
    /// Parse and check an experiment for the list: the same checks as
    /// `chaos validate`, except that a process's program is looked up on
    /// the `PATH` only when it runs.
    pub fn load(origin: &str, text: &str) -> Result<Listed, String> {
        let exp = parse(text, Format::of_path(origin))?;
        validate(&exp, &|_| true).map_err(|e| format!("invalid experiment: {e}"))?;
        Ok(Listed {
            id: id_of(origin),
            title: exp.get("title").map(text_of).unwrap_or_default(),
            description: exp.get("description").map(text_of).unwrap_or_default(),
            origin: origin.to_string(),
            text: text.to_string(),
            options: RunOptions::default(),
        })
    }

    /// What `/` and search look through.
    pub fn haystack(&self) -> String {
        format!(
            "{} {} {} chaostoolkit",
            self.id, self.title, self.description
        )
    }
}

/// An experiment's id: its file name without the extension.
pub fn id_of(origin: &str) -> String {
    let base = origin.rsplit(['/', ':']).next().unwrap_or(origin);
    base.rsplit_once('.')
        .map_or(base, |(stem, _)| stem)
        .to_string()
}

fn text_of(v: &Value) -> String {
    text(v)
}

/// Whether a file holds a Chaos Toolkit experiment rather than a cocpit
/// drill scenario: JSON is always an experiment. YAML is one when it has a
/// top-level key only Chaos Toolkit uses (`method:`, `steady-state-hypothesis:`,
/// `configuration:` …), or when it has neither of a scenario's `id:` and
/// `groups:` (both kinds may have `title:` and `rollbacks:`, so those say
/// nothing; an experiment without a method must still reach `chaos
/// validate`'s reason).
pub fn looks_like(name: &str, text: &str) -> bool {
    if Format::of_path(name) == Format::Json {
        return true;
    }
    if text.trim().is_empty() {
        return false;
    }
    const CTK_ONLY: &[&str] = &[
        "method:",
        "steady-state-hypothesis:",
        "configuration:",
        "secrets:",
        "controls:",
        "contributions:",
        "runtime:",
        "extensions:",
    ];
    let top = |k: &str| text.lines().any(|l| l.starts_with(k));
    CTK_ONLY.iter().any(|k| top(k)) || !(top("id:") || top("groups:"))
}

/// How an experiment file is written (chaoslib picks by extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// `.yaml` / `.yml` are YAML, everything else JSON, as `chaos run` does.
    pub fn of_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Format::Yaml
        } else {
            Format::Json
        }
    }
}

/// Parse experiment (or var-file) text into a JSON value.
pub fn parse(text: &str, format: Format) -> Result<Value, String> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}")),
        Format::Yaml => {
            serde_norway::from_str::<Value>(text).map_err(|e| format!("not valid YAML: {e}"))
        }
    }
}

/// Every activity of the experiment, in chaoslib's lookup order:
/// hypothesis probes, method, rollbacks.
pub fn all_activities(exp: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    if let Some(probes) = exp
        .get("steady-state-hypothesis")
        .and_then(|h| h.get("probes"))
        .and_then(Value::as_array)
    {
        out.extend(probes);
    }
    for key in ["method", "rollbacks"] {
        if let Some(list) = exp.get(key).and_then(Value::as_array) {
            out.extend(list);
        }
    }
    out
}

/// The activity named `name` (what `{"ref": name}` stands for): the first
/// non-ref activity with that name, as chaoslib's `lookup_activity`.
pub fn lookup<'a>(exp: &'a Value, name: &str) -> Option<&'a Value> {
    all_activities(exp)
        .into_iter()
        .find(|a| a.get("ref").is_none() && a.get("name").and_then(Value::as_str) == Some(name))
}

/// The activity itself, a `ref` followed.
pub fn resolve<'a>(exp: &'a Value, activity: &'a Value) -> Result<&'a Value, String> {
    match activity.get("ref").and_then(Value::as_str) {
        Some(r) => {
            lookup(exp, r).ok_or_else(|| format!("could not find referenced activity '{r}'"))
        }
        None => Ok(activity),
    }
}

/// The activity's name, for messages (a ref shows as `ref:name`).
pub fn name_of(activity: &Value) -> String {
    if let Some(r) = activity.get("ref").and_then(Value::as_str) {
        return format!("ref:{r}");
    }
    activity
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)")
        .to_string()
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
    }
}

/// `chaos validate`'s checks, in its order, with its reasons. `on_path`
/// says whether a process provider's `path` resolves on `PATH` (chaoslib
/// checks that too; the lookup is the caller's I/O). Configuration and
/// secrets are checked by [`vars::resolve`].
pub fn validate(exp: &Value, on_path: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let Some(obj) = exp.as_object() else {
        return Err("an empty experiment is not an experiment".into());
    };
    if obj.is_empty() {
        return Err("an empty experiment is not an experiment".into());
    }
    if !truthy(obj.get("title")) {
        return Err("experiment requires a title".into());
    }
    if !truthy(obj.get("description")) {
        return Err("experiment requires a description".into());
    }
    if let Some(tags) = obj.get("tags").and_then(Value::as_array)
        && tags.iter().any(|t| t.as_str().is_none_or(str::is_empty))
    {
        return Err("experiment tags must be a non-empty string".into());
    }
    if let Some(hypo) = obj.get("steady-state-hypothesis")
        && !hypo.is_null()
    {
        if !truthy(hypo.get("title")) {
            return Err("hypothesis requires a title".into());
        }
        if let Some(probes) = hypo.get("probes").and_then(Value::as_array) {
            for probe in probes {
                activity_valid(probe, on_path)?;
                let Some(tol) = probe.get("tolerance") else {
                    return Err(format!(
                        "hypothesis probe must have a tolerance entry (probe '{}')",
                        name_of(probe)
                    ));
                };
                tolerance::check(tol, on_path)
                    .map_err(|e| format!("{e} (probe '{}')", name_of(probe)))?;
            }
        }
    }
    let Some(method) = obj.get("method").filter(|m| !m.is_null()) else {
        return Err("an experiment requires a method, which can be empty for only checking steady state hypothesis".into());
    };
    let Some(method) = method.as_array() else {
        return Err("the method must be a list of activities".into());
    };
    for activity in method {
        activity_valid(activity, on_path)?;
        if let Some(r) = activity.get("ref").and_then(Value::as_str)
            && lookup(exp, r).is_none()
        {
            return Err(format!(
                "referenced activity '{r}' could not be found in the experiment"
            ));
        }
    }
    if let Some(rollbacks) = obj.get("rollbacks").filter(|r| !r.is_null()) {
        let Some(list) = rollbacks.as_array() else {
            return Err("the rollbacks must be a list of activities".into());
        };
        for activity in list {
            activity_valid(activity, on_path)?;
        }
    }
    Ok(())
}

fn is_pattern(s: &str) -> bool {
    s.starts_with("${") && s.ends_with('}')
}

/// chaoslib's `ensure_activity_is_valid`, naming the activity where it can.
pub fn activity_valid(activity: &Value, on_path: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let Some(obj) = activity.as_object().filter(|o| !o.is_empty()) else {
        return Err("empty activity is no activity".into());
    };
    if let Some(r) = obj.get("ref") {
        return match r.as_str() {
            Some(s) if !s.is_empty() => Ok(()),
            _ => Err("reference to activity must be non-empty strings".into()),
        };
    }
    let name = name_of(activity);
    let Some(kind) = obj.get("type").filter(|t| truthy(Some(t))) else {
        return Err(format!("an activity must have a type (activity '{name}')"));
    };
    if !matches!(kind.as_str(), Some("probe" | "action")) {
        return Err(format!("'{}' is not a supported activity type", text(kind)));
    }
    if !obj.contains_key("name") {
        return Err("an activity must have a name".into());
    }
    let Some(provider) = obj.get("provider").filter(|p| truthy(Some(p))) else {
        return Err(format!(
            "an activity requires a provider (activity '{name}')"
        ));
    };
    let Some(ptype) = provider.get("type").filter(|t| truthy(Some(t))) else {
        return Err(format!("a provider must have a type (activity '{name}')"));
    };
    let ptype = ptype.as_str().unwrap_or_default();
    if !matches!(ptype, "python" | "process" | "http") {
        return Err(format!(
            "unknown provider type '{ptype}' (activity '{name}')"
        ));
    }
    if !truthy(obj.get("name")) {
        return Err("activity must have a name (cannot be empty)".into());
    }
    if let Some(t) = obj.get("timeout")
        && !t.is_null()
        && !t.is_number()
    {
        return Err(format!(
            "activity timeout must be a number (activity '{name}')"
        ));
    }
    if let Some(pauses) = obj.get("pauses").filter(|p| !p.is_null()) {
        for (key, word) in [("before", "before"), ("after", "after")] {
            if let Some(Value::String(s)) = pauses.get(key)
                && !is_pattern(s)
            {
                return Err(format!(
                    "activity {word} pause must be a number or a pattern to a variable from the configuration or secrets (activity '{name}')"
                ));
            }
        }
    }
    if let Some(b) = obj.get("background")
        && !b.is_boolean()
    {
        return Err(format!(
            "activity background must be a boolean (activity '{name}')"
        ));
    }
    match ptype {
        "python" => Err(format!(
            "activity '{name}': python providers are not supported by cocpit (module {}); use a process or http provider",
            provider.get("module").map(text).unwrap_or_default()
        )),
        "process" => {
            let path = provider.get("path").filter(|p| truthy(Some(p)));
            let Some(path) = path else {
                return Err(format!(
                    "a process activity must have a path (activity '{name}')"
                ));
            };
            let path = text(path);
            if !on_path(&path) {
                return Err(format!(
                    "path '{path}' cannot be found, in activity '{name}'"
                ));
            }
            Ok(())
        }
        _ => {
            if !truthy(provider.get("url")) {
                return Err(format!(
                    "a HTTP activity must have a URL (activity '{name}')"
                ));
            }
            if let Some(h) = provider.get("headers")
                && truthy(Some(h))
                && !h.is_object()
            {
                return Err(format!(
                    "a HTTP activities expect headers as a mapping (activity '{name}')"
                ));
            }
            Ok(())
        }
    }
}

/// A JSON value as Python's `str()` would show a scalar: strings bare.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
