//! Configuration and secrets as `chaos run` resolves them (values, `{type:
//! env, key, default, env_var_type}`, `--var` and var-file overrides), and
//! `${name}` substitution with them: configuration first, then each
//! secrets scope. The environment is given as a map, so this stays pure.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What substitution looks names up in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    pub configuration: Map<String, Value>,
    /// Scope name → its secrets.
    pub secrets: Map<String, Value>,
}

/// What `--var` and `--var-file` bring: configuration values, secrets
/// scopes, and (from `.env` files) environment variables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub configuration: Map<String, Value>,
    pub secrets: Map<String, Value>,
    pub env: BTreeMap<String, String>,
}

impl Overrides {
    /// A var file's content: JSON or YAML with top-level `configuration`
    /// and `secrets`. Later files override earlier ones, as in chaoslib.
    pub fn add_file(&mut self, data: &Value) -> Result<(), String> {
        let Some(obj) = data.as_object() else {
            return Err("expected a mapping with `configuration` and/or `secrets`".into());
        };
        for (key, target) in [
            ("configuration", &mut self.configuration),
            ("secrets", &mut self.secrets),
        ] {
            match obj.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Object(m)) => {
                    target.extend(m.clone());
                }
                Some(_) => return Err(format!("`{key}` must be a mapping")),
            }
        }
        Ok(())
    }

    /// A `.env` file: `KEY=value` lines (`#` comments), set in the
    /// environment of the run as chaoslib does.
    pub fn add_dotenv(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(format!("line {}: expected KEY=value", n + 1));
            };
            self.env.insert(k.trim().to_string(), v.to_string());
        }
        Ok(())
    }

    /// `--var k=v`: a configuration value, always a string (as `chaos run`
    /// passes it).
    pub fn add_var(&mut self, key: &str, value: &str) {
        self.configuration
            .insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// Resolve the experiment's `configuration` and `secrets` against `env`
/// (the process environment with the `.env` files' values on top).
pub fn resolve(
    exp: &Value,
    env: &BTreeMap<String, String>,
    over: &Overrides,
) -> Result<Vars, String> {
    let mut configuration = Map::new();
    let empty = Map::new();
    let declared = exp
        .get("configuration")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (key, value) in declared {
        let value = over.configuration.get(key).unwrap_or(value);
        let resolved = match value {
            Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("env") => {
                let env_key = o.get("key").map(super::text).unwrap_or_default();
                match env.get(&env_key) {
                    Some(v) => convert(o.get("env_var_type"), v)
                        .map_err(|e| format!("configuration {key:?}: {e}"))?,
                    None => match o.get("default") {
                        Some(d) => d.clone(),
                        None => {
                            return Err(format!(
                                "Configuration makes reference to an environment key that does not exist: {env_key}"
                            ));
                        }
                    },
                }
            }
            other => other.clone(),
        };
        configuration.insert(key.clone(), resolved);
    }
    // `--var` and var-file values override declared keys only: chaoslib
    // drops the others (a `${name}` of an undeclared var stays as written).
    let mut secrets = Map::new();
    let declared = exp
        .get("secrets")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (scope, value) in declared {
        if let Some(v) = over.secrets.get(scope).filter(|v| !v.is_null()) {
            secrets.insert(scope.clone(), v.clone());
            continue;
        }
        let Value::Object(items) = value else {
            secrets.insert(scope.clone(), value.clone());
            continue;
        };
        let mut out = Map::new();
        for (name, item) in items {
            let v = match item {
                Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("env") => {
                    let env_key = o.get("key").map(super::text).unwrap_or_default();
                    match env.get(&env_key) {
                        Some(v) => Value::String(v.clone()),
                        None => {
                            return Err(format!(
                                "Secrets make reference to an environment key that does not exist: {env_key}"
                            ));
                        }
                    }
                }
                Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("vault") => {
                    return Err(format!(
                        "secret {scope}.{name}: vault secrets are not supported by cocpit"
                    ));
                }
                other => other.clone(),
            };
            out.insert(name.clone(), v);
        }
        secrets.insert(scope.clone(), Value::Object(out));
    }
    Ok(Vars {
        configuration,
        secrets,
    })
}

/// `env_var_type`: chaoslib's `convert_to_type` (str, int, float, bytes).
fn convert(kind: Option<&Value>, v: &str) -> Result<Value, String> {
    match kind.and_then(Value::as_str) {
        None | Some("str") | Some("bytes") => Ok(Value::String(v.to_string())),
        Some("int") => v
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{v:?} is not an int")),
        Some("float") => v
            .trim()
            .parse::<f64>()
            .map(Value::from)
            .map_err(|_| format!("{v:?} is not a float")),
        Some(other) => Err(format!("unknown env_var_type {other:?}")),
    }
}

impl Vars {
    fn get(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.configuration.get(name) {
            return Some(v);
        }
        self.secrets
            .values()
            .filter_map(Value::as_object)
            .find_map(|scope| scope.get(name))
    }

    /// Replace every `${name}` in `data` (recursively in lists and maps).
    /// A string that is exactly one `${name}` takes the value's own type;
    /// unknown names stay as written, as Python's `safe_substitute` leaves
    /// them.
    pub fn substitute(&self, data: &Value) -> Value {
        match data {
            Value::String(s) => self.substitute_str(s),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.substitute(v)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), self.substitute(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn substitute_str(&self, s: &str) -> Value {
        if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
            && is_ident(name)
            && let Some(v) = self.get(name)
        {
            return v.clone();
        }
        Value::String(self.template(s))
    }

    /// Python's `string.Template.safe_substitute`: `$$` is `$`, `$name`
    /// and `${name}` are looked up, anything else stays.
    fn template(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(a) = after.strip_prefix('$') {
                out.push('$');
                rest = a;
            } else if let Some(inner) = after.strip_prefix('{')
                && let Some(end) = inner.find('}')
                && is_ident(&inner[..end])
            {
                let name = &inner[..end];
                match self.get(name) {
                    Some(v) => out.push_str(&py_str(v)),
                    None => out.push_str(&rest[i..i + 3 + end]),
                }
                rest = &inner[end + 1..];
            } else {
                let len = after
                    .char_indices()
                    .take_while(|(n, c)| c.is_ascii_alphanumeric() || *c == '_' && *n < usize::MAX)
                    .count();
                let name = &after[..len];
                if is_ident(name)
                    && let Some(v) = self.get(name)
                {
                    out.push_str(&py_str(v));
                    rest = &after[len..];
                } else {
                    out.push('$');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value spliced into a longer string, as Python's `str()` shows it.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}
