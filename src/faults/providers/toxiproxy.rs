//! `toxiproxy`: a toxic on a Toxiproxy proxy through its REST API
//! (`POST /proxies/{proxy}/toxics`, `DELETE /proxies/{proxy}/toxics/{name}`).
//! Target: the proxy's name (`toxiproxy:NAME` or `NAME`). Action: the toxic
//! type (`latency`, `bandwidth`, `timeout`, `reset_peer`, `slow_close`,
//! `limit_data`, `slicer`); attributes from params (`latency=`, `jitter=`,
//! `rate=`, `timeout=`, `delay=`, `bytes=`, `average_size=`,
//! `size_variation=`); `stream=downstream|upstream`, `toxicity=0..1`,
//! `api=` (default `http://127.0.0.1:8474`). The toxic is named
//! `cocpit-<id>`, so recovery deletes exactly it; a toxic already gone
//! (404) is recovered. `reset_on_failure=true` allows `POST /reset`
//! (removes *every* toxic on the server) as a last resort when the delete
//! fails.

use super::super::http::request;
use super::super::provider::{Ctx, Health, Provider, data, opt_param, record};
use super::cut;
use crate::domain::fault::{FaultSpec, RecoveryRecord, target_name};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::time::Duration;

pub struct Toxiproxy;

const TIMEOUT: Duration = Duration::from_secs(10);
const TYPES: [&str; 7] = [
    "latency",
    "bandwidth",
    "timeout",
    "reset_peer",
    "slow_close",
    "limit_data",
    "slicer",
];
const ATTRS: [&str; 8] = [
    "latency",
    "jitter",
    "rate",
    "timeout",
    "delay",
    "bytes",
    "average_size",
    "size_variation",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    api: String,
    proxy: String,
    toxic: String,
    #[serde(default)]
    reset_on_failure: bool,
}

fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn toxic_url(rec: &Rec) -> String {
    format!(
        "{}/proxies/{}/toxics/{}",
        rec.api.trim_end_matches('/'),
        rec.proxy,
        rec.toxic
    )
}

impl Provider for Toxiproxy {
    fn name(&self) -> &'static str {
        "toxiproxy"
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let proxy = target_name(&spec.target).to_string();
        if !plain(&proxy) {
            return Err(format!(
                "toxiproxy proxy name {proxy:?}: letters, digits, _ . - only"
            ));
        }
        if !TYPES.contains(&spec.action.as_str()) {
            return Err(format!(
                "toxiproxy: action must be one of {}",
                TYPES.join(", ")
            ));
        }
        let api = opt_param(spec, "api")
            .unwrap_or("http://127.0.0.1:8474")
            .to_string();
        crate::domain::fault::url::parse_url(&api)?;
        let rec = Rec {
            api,
            proxy,
            toxic: ctx.tag(),
            reset_on_failure: opt_param(spec, "reset_on_failure") == Some("true"),
        };
        Ok(record(
            self.name(),
            format!(
                "toxic {} ({}) on proxy {}",
                rec.toxic, spec.action, rec.proxy
            ),
            &rec,
        ))
    }

    fn inject(
        &self,
        spec: &FaultSpec,
        _ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let rec: Rec = data(prepared)?;
        let mut attrs = Map::new();
        for key in ATTRS {
            if let Some(v) = opt_param(spec, key) {
                let n: u64 = v
                    .parse()
                    .map_err(|_| format!("{key}={v:?}: a whole number"))?;
                attrs.insert(key.to_string(), json!(n));
            }
        }
        let stream = opt_param(spec, "stream").unwrap_or("downstream");
        if stream != "downstream" && stream != "upstream" {
            return Err(format!("stream={stream:?}: downstream or upstream"));
        }
        let toxicity: f64 = opt_param(spec, "toxicity")
            .unwrap_or("1.0")
            .parse()
            .map_err(|_| "toxicity: 0..1".to_string())?;
        let body = json!({
            "name": rec.toxic,
            "type": spec.action,
            "stream": stream,
            "toxicity": toxicity.clamp(0.0, 1.0),
            "attributes": Value::Object(attrs),
        });
        let url = format!(
            "{}/proxies/{}/toxics",
            rec.api.trim_end_matches('/'),
            rec.proxy
        );
        let resp = request("POST", &url, &[], Some(&body.to_string()), TIMEOUT)?;
        if !(200..300).contains(&resp.status) {
            return Err(format!(
                "toxiproxy: HTTP {}: {}",
                resp.status,
                cut(resp.body.trim(), 200)
            ));
        }
        Ok(prepared.clone())
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        let failure = match request("DELETE", &toxic_url(&rec), &[], None, TIMEOUT) {
            Ok(r) if (200..300).contains(&r.status) => {
                return Ok(format!("deleted toxic {}", rec.toxic));
            }
            Ok(r) if r.status == 404 => return Ok(format!("toxic {} already gone", rec.toxic)),
            Ok(r) => format!("HTTP {}: {}", r.status, cut(r.body.trim(), 200)),
            Err(e) => e,
        };
        if rec.reset_on_failure {
            let url = format!("{}/reset", rec.api.trim_end_matches('/'));
            if let Ok(r) = request("POST", &url, &[], None, TIMEOUT)
                && (200..300).contains(&r.status)
            {
                return Ok(format!(
                    "delete failed ({failure}); POST /reset removed every toxic"
                ));
            }
        }
        Err(format!("delete toxic {}: {failure}", rec.toxic))
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        let Ok(rec) = data::<Rec>(record) else {
            return Health::Unknown("unreadable record".into());
        };
        match request("GET", &toxic_url(&rec), &[], None, TIMEOUT) {
            Ok(r) if (200..300).contains(&r.status) => Health::Active,
            Ok(r) if r.status == 404 => Health::Gone,
            Ok(r) => Health::Unknown(format!("HTTP {}", r.status)),
            Err(e) => Health::Unknown(e),
        }
    }
}
