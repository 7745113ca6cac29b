//! Probe tolerances as chaoslib 1.45.1 evaluates them (`within_tolerance`):
//! bool and str compare with the whole output, int with `output.status`
//! when there is one, a list is membership of `status` (else a 2-item
//! inclusive range, else membership), and the dict forms `regex`,
//! `jsonpath` (`count`, `expect`, `target`), `range` and `probe`.

use super::vars::Vars;
use serde_json::Value;
use std::cmp::Ordering;

/// What a tolerance says about an output.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Met(bool),
    /// A `type: probe` tolerance: run this activity (its `arguments.value`
    /// set to the output); met when it succeeds with a truthy output.
    Probe(Value),
}

/// Validate a tolerance as `chaos validate` does (chaoslib's
/// `ensure_hypothesis_tolerance_is_valid`).
pub fn check(tol: &Value, on_path: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let Value::Object(o) = tol else {
        return match tol {
            Value::Bool(_) | Value::String(_) | Value::Array(_) => Ok(()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            _ => Err("hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries. It can also be a dictionary which is a probe activity definition that takes an argument called `value` with the value of the probe itself to be validated".into()),
        };
    };
    match o.get("type").and_then(Value::as_str) {
        Some("probe") => super::activity_valid(tol, on_path),
        Some("regex") => {
            let Some(p) = o.get("pattern") else {
                return Err("hypothesis regex probe tolerance must have a `pattern` key".into());
            };
            let Some(p) = p.as_str() else {
                return Err(format!(
                    "hypothesis probe tolerance pattern {p} has an invalid type"
                ));
            };
            regex::Regex::new(p)
                .map(|_| ())
                .map_err(|e| format!("hypothesis probe tolerance pattern {p} seems invalid: {e}"))
        }
        Some("jsonpath") => {
            let Some(p) = o.get("path") else {
                return Err("hypothesis jsonpath probe tolerance must have a `path` key".into());
            };
            let Some(p) = p.as_str() else {
                return Err(format!(
                    "hypothesis probe tolerance JSON path {p} has an invalid type"
                ));
            };
            if p.trim().is_empty() {
                return Err("hypothesis probe tolerance JSON path cannot be empty".into());
            }
            serde_json_path::JsonPath::parse(p.trim())
                .map(|_| ())
                .map_err(|_| format!("hypothesis probe tolerance JSON path {p} is invalid"))
        }
        Some("range") => {
            let Some(r) = o.get("range") else {
                return Err("hypothesis range probe tolerance must have a `range` key".into());
            };
            let Some(r) = r.as_array() else {
                return Err("hypothesis range must be a sequence".into());
            };
            if r.len() != 2 {
                return Err("hypothesis range sequence must be made of two values".into());
            }
            if !r[0].is_number() {
                return Err("hypothesis range lower boundary must be a number".into());
            }
            if !r[1].is_number() {
                return Err("hypothesis range upper boundary must be a number".into());
            }
            Ok(())
        }
        other => Err(format!(
            "hypothesis probe tolerance type '{}' is unsupported",
            other.unwrap_or("None")
        )),
    }
}

/// Evaluate `tol` against a probe's `output`. Where chaoslib would raise
/// (a regex against a mapping, a range on text), the tolerance is missed.
pub fn evaluate(tol: &Value, output: &Value, vars: &Vars) -> Check {
    // chaoslib substitutes only string tolerances before the check.
    let tol = match tol {
        Value::String(_) => vars.substitute(tol),
        other => other.clone(),
    };
    Check::Met(match &tol {
        Value::Bool(_) => py_eq(output, &tol),
        Value::String(_) => py_eq(output, &tol),
        Value::Number(_) => match status(output) {
            Some(s) => py_eq(s, &tol),
            None => py_eq(output, &tol),
        },
        Value::Array(list) => {
            if let Some(s) = status(output) {
                list.iter().any(|t| py_eq(s, t))
            } else if list.len() == 2 {
                matches!(
                    py_cmp(&list[0], output),
                    Some(Ordering::Less | Ordering::Equal)
                ) && matches!(
                    py_cmp(output, &list[1]),
                    Some(Ordering::Less | Ordering::Equal)
                )
            } else {
                list.iter().any(|t| py_eq(output, t))
            }
        }
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("probe") => {
                let mut probe = tol.clone();
                if let Some(args) = probe
                    .get_mut("provider")
                    .and_then(|p| p.get_mut("arguments"))
                    .and_then(Value::as_object_mut)
                {
                    args.insert("value".into(), output.clone());
                    return Check::Probe(probe);
                }
                // chaoslib fails with a KeyError without `arguments`.
                false
            }
            Some("regex") => regex_met(o, output, vars),
            Some("jsonpath") => jsonpath_met(o, output, vars),
            Some("range") => range_met(o, output),
            _ => false,
        },
        Value::Null => output.is_null(),
    })
}

fn status(output: &Value) -> Option<&Value> {
    output.as_object().and_then(|o| o.get("status"))
}

/// `value.get(target, value)`.
fn targeted<'a>(o: &serde_json::Map<String, Value>, output: &'a Value) -> &'a Value {
    match o
        .get("target")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        Some(t) => output.get(t).unwrap_or(output),
        None => output,
    }
}

fn regex_met(o: &serde_json::Map<String, Value>, output: &Value, vars: &Vars) -> bool {
    let pattern = o.get("pattern").map(|p| vars.substitute(p));
    let Some(Value::String(pattern)) = pattern else {
        return false;
    };
    let Ok(rx) = regex::Regex::new(&pattern) else {
        return false;
    };
    match targeted(o, output) {
        Value::String(s) => rx.is_match(s),
        _ => false,
    }
}

fn jsonpath_met(o: &serde_json::Map<String, Value>, output: &Value, vars: &Vars) -> bool {
    let path = o.get("path").map(|p| vars.substitute(p));
    let Some(Value::String(path)) = path else {
        return false;
    };
    let Ok(jp) = serde_json_path::JsonPath::parse(path.trim()) else {
        return false;
    };
    let mut value = targeted(o, output).clone();
    if let Value::String(s) = &value
        && let Ok(parsed) = serde_json::from_str::<Value>(s)
    {
        value = parsed;
    }
    let values: Vec<Value> = jp.query(&value).all().into_iter().cloned().collect();
    let mut result = !values.is_empty();
    if let Some(count) = o.get("count").filter(|c| !c.is_null()) {
        result = count.as_u64() == Some(values.len() as u64);
    }
    if let Some(expect) = o.get("expect") {
        let expect = vars.substitute(expect);
        result = match &expect {
            Value::Array(list) => list_eq(&values, list),
            one => list_eq(&values, std::slice::from_ref(one)),
        };
    }
    result
}

fn list_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| py_eq(x, y))
}

fn range_met(o: &serde_json::Map<String, Value>, output: &Value) -> bool {
    let value = match targeted(o, output) {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    };
    let range = o.get("range").and_then(Value::as_array);
    match (value, range) {
        (Some(v), Some(r)) if r.len() == 2 => match (r[0].as_f64(), r[1].as_f64()) {
            (Some(lo), Some(hi)) => lo <= v && v <= hi,
            _ => false,
        },
        _ => false,
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // Python's bool is an int.
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Python's `==` on JSON-shaped values (`1 == 1.0`, `True == 1`).
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => list_eq(x, y),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// Python's ordering where it is defined (numbers, strings).
fn py_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => num(a)?.partial_cmp(&num(b)?),
    }
}

/// Python's truth of a value (`bool(rtn)` of a probe tolerance's output).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
