//! `http`: inject and recover are HTTP requests to a service's own fault
//! or admin API. Params: `inject_url`, `inject_method` (POST),
//! `inject_body` (JSON), `recover_url`, `recover_method` (POST),
//! `recover_body`, optional `check_url` (GET: 2xx = in place, 404 = gone),
//! `header.NAME=VALUE`, `expect` (default `2xx`), `recover_expect`
//! (default `2xx,404`: a fault the service no longer knows is recovered),
//! `handle_jsonpath` (from the inject response, then `{handle}`),
//! `timeout` (10s). Placeholders as in `command`: `{id}`, `{tag}`,
//! `{target}`, `{duration}`, every param; percent-encoded in URLs and
//! JSON-escaped in bodies, so a value stays a value.

use super::super::http::{request, status_matches};
use super::super::provider::{Ctx, Health, Provider, data, opt_param, param, record};
use super::{cut, json_path};
use crate::domain::fault::argv::fill;
use crate::domain::fault::{FaultSpec, RecoveryRecord, parse_duration, target_name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Http;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Req {
    method: String,
    url: String,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    recover: Req,
    #[serde(default)]
    check_url: Option<String>,
    headers: Vec<(String, String)>,
    /// Unfilled templates, for when the handle arrives.
    templates: Req,
    vars: BTreeMap<String, String>,
    expect: String,
    timeout: u64,
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
}

fn fill_with(
    t: &str,
    vars: &BTreeMap<String, String>,
    enc: fn(&str) -> String,
) -> Result<String, String> {
    let encoded: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.clone(), enc(v))).collect();
    fill(t, &encoded)
}

fn build(t: &Req, vars: &BTreeMap<String, String>) -> Result<Req, String> {
    Ok(Req {
        method: t.method.clone(),
        url: fill_with(&t.url, vars, url_encode)?,
        body: t
            .body
            .as_deref()
            .map(|b| fill_with(b, vars, json_escape))
            .transpose()?,
    })
}

fn send(
    r: &Req,
    headers: &[(String, String)],
    timeout: u64,
) -> Result<super::super::http::Response, String> {
    request(
        &r.method,
        &r.url,
        headers,
        r.body.as_deref(),
        Duration::from_secs(timeout),
    )
}

fn setup(spec: &FaultSpec, ctx: &Ctx) -> Result<(Req, Rec), String> {
    let mut vars: BTreeMap<String, String> = spec.params.clone();
    vars.insert("target".into(), spec.target.clone());
    vars.insert("target_name".into(), target_name(&spec.target).to_string());
    vars.insert("id".into(), ctx.id.clone());
    vars.insert("tag".into(), ctx.tag());
    vars.insert("duration".into(), spec.duration_secs.to_string());
    let inject = Req {
        method: opt_param(spec, "inject_method")
            .unwrap_or("POST")
            .to_string(),
        url: param(spec, "inject_url")?.to_string(),
        body: opt_param(spec, "inject_body").map(str::to_string),
    };
    let templates = Req {
        method: opt_param(spec, "recover_method")
            .unwrap_or("POST")
            .to_string(),
        url: param(spec, "recover_url")?.to_string(),
        body: opt_param(spec, "recover_body").map(str::to_string),
    };
    let headers = spec
        .params
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("header.")
                .map(|h| (h.to_string(), v.clone()))
        })
        .collect();
    let timeout = match opt_param(spec, "timeout") {
        Some(t) => parse_duration(t)?,
        None => 10,
    };
    let inject = build(&inject, &vars)?;
    let mut probe = vars.clone();
    probe.insert("handle".into(), "HANDLE".into());
    build(&templates, &probe)?;
    let rec = Rec {
        recover: templates.clone(),
        check_url: opt_param(spec, "check_url").map(str::to_string),
        headers,
        templates,
        vars,
        expect: opt_param(spec, "recover_expect")
            .unwrap_or("2xx,404")
            .to_string(),
        timeout,
    };
    Ok((inject, rec))
}

impl Provider for Http {
    fn name(&self) -> &'static str {
        "http"
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let (inject, rec) = setup(spec, ctx)?;
        let summary = format!("{} {}", inject.method, cut(&inject.url, 100));
        let mut rec = rec;
        // Without a handle the recover request is final already (or waits for one).
        if !rec.templates.url.contains("{handle}")
            && !rec
                .templates
                .body
                .as_deref()
                .unwrap_or("")
                .contains("{handle}")
        {
            rec.recover = build(&rec.templates, &rec.vars)?;
        }
        Ok(record(self.name(), summary, &rec))
    }

    fn inject(
        &self,
        spec: &FaultSpec,
        ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let (inject, _) = setup(spec, ctx)?;
        let mut rec: Rec = data(prepared)?;
        let resp = send(&inject, &rec.headers, rec.timeout)?;
        let expect = opt_param(spec, "expect").unwrap_or("2xx");
        if !status_matches(expect, resp.status) {
            return Err(format!(
                "inject: HTTP {} (expected {expect}): {}",
                resp.status,
                cut(resp.body.trim(), 200)
            ));
        }
        if let Some(path) = opt_param(spec, "handle_jsonpath") {
            let v: serde_json::Value = serde_json::from_str(&resp.body)
                .map_err(|e| format!("inject response is not JSON: {e}"))?;
            let h =
                json_path(&v, path).ok_or_else(|| format!("no {path} in the inject response"))?;
            rec.vars.insert("handle".into(), h);
        }
        rec.recover = build(&rec.templates, &rec.vars)?;
        let summary = format!("{} (HTTP {})", prepared.summary, resp.status);
        Ok(record(self.name(), summary, &rec))
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        if rec.recover.url.contains("{handle}") {
            return Err("no recovery handle was recorded: recover by hand, then dismiss".into());
        }
        let resp = send(&rec.recover, &rec.headers, rec.timeout)?;
        if status_matches(&rec.expect, resp.status) {
            Ok(format!(
                "{} {} → HTTP {}",
                rec.recover.method,
                cut(&rec.recover.url, 80),
                resp.status
            ))
        } else {
            Err(format!(
                "recover: HTTP {} (expected {}): {}",
                resp.status,
                rec.expect,
                cut(resp.body.trim(), 200)
            ))
        }
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        let Ok(rec) = data::<Rec>(record) else {
            return Health::Unknown("unreadable record".into());
        };
        let Some(url) = &rec.check_url else {
            return Health::Unknown("no check_url".into());
        };
        let req = match build(
            &Req {
                method: "GET".into(),
                url: url.clone(),
                body: None,
            },
            &rec.vars,
        ) {
            Ok(r) => r,
            Err(e) => return Health::Unknown(e),
        };
        match send(&req, &rec.headers, rec.timeout) {
            Ok(r) if status_matches("2xx", r.status) => Health::Active,
            Ok(r) if r.status == 404 => Health::Gone,
            Ok(r) => Health::Unknown(format!("HTTP {}", r.status)),
            Err(e) => Health::Unknown(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_values_in_urls_and_bodies() {
        assert_eq!(url_encode("a b/../c"), "a%20b%2F..%2Fc");
        assert_eq!(json_escape("x\"}, \"evil\": 1"), "x\\\"}, \\\"evil\\\": 1");
        let mut v = BTreeMap::new();
        v.insert("id".to_string(), "../admin".to_string());
        let r = build(
            &Req {
                method: "DELETE".into(),
                url: "http://h/faults/{id}".into(),
                body: Some("{\"id\": \"{id}\"}".into()),
            },
            &v,
        )
        .unwrap();
        assert_eq!(r.url, "http://h/faults/..%2Fadmin");
        assert_eq!(r.body.as_deref(), Some("{\"id\": \"../admin\"}"));
    }
}
