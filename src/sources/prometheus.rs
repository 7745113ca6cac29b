//! The Prometheus source: the feeds of `[[prometheus.feed]]` (named PromQL
//! queries run with `/api/v1/query_range`) become series in the Monitor
//! view, grouped under the source's name; `/api/v1/targets` fills the
//! targets panel. Sample values are strings in the API (`"NaN"`, `"+Inf"`):
//! they parse to the matching floats and the charts skip what is not finite.

use crate::app::Msg;
use crate::app::sources::{SourceMsg, Target};
use crate::domain::metric::SeriesBatch;
use crate::domain::{MetricKind, MetricPoint, SeriesMeta};
use crate::sources::config::{Endpoint, FeedConfig, PrometheusConfig};
use crate::sources::health::{Backoff, HealthTracker, http_error};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const TIMEOUT: Duration = Duration::from_secs(10);
/// A bigger answer (a feed matching far too many series) is refused.
pub const MAX_RESPONSE_BYTES: usize = 32 << 20;

/// The API envelope: `{status, data, errorType?, error?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    pub status: String,
    pub data: Option<T>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixData {
    pub result_type: String,
    pub result: Vec<MatrixSeries>,
}

#[derive(Debug, Deserialize)]
pub struct MatrixSeries {
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    #[serde(default)]
    pub values: Vec<(f64, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetsData {
    #[serde(default)]
    pub active_targets: Vec<ApiTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiTarget {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub last_error: String,
    #[serde(default)]
    pub last_scrape: Option<DateTime<Utc>>,
}

/// A Prometheus sample value: a float, or `NaN`, `+Inf`, `-Inf`.
pub fn sample_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

fn unwrap_envelope<T>(what: &str, body: &[u8]) -> Result<T, String>
where
    T: serde::de::DeserializeOwned,
{
    let env: Envelope<T> = crate::sources::alertmanager::api::parse(what, body)?;
    if env.status != "success" {
        return Err(format!(
            "{what}: {} {}",
            env.error_type.unwrap_or_default(),
            env.error.unwrap_or_default()
        ));
    }
    env.data.ok_or_else(|| format!("{what}: no data"))
}

/// Turn a `query_range` answer into Monitor series for `feed`.
pub fn feed_series(
    source: &str,
    feed: &FeedConfig,
    data: MatrixData,
) -> Result<SeriesBatch, String> {
    if data.result_type != "matrix" {
        return Err(format!(
            "feed {}: expected a matrix, got {}",
            feed.name, data.result_type
        ));
    }
    let mut batch = SeriesBatch::default();
    for s in data.result {
        // Named by their labels (not by how many came back) so a series keeps
        // its id when another one appears.
        let labels: Vec<String> = s
            .metric
            .iter()
            .filter(|(k, _)| k.as_str() != "__name__")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let suffix = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", labels.join(","))
        };
        let id = format!("prom:{source}/{}{suffix}", feed.name);
        batch.catalog.push(SeriesMeta {
            id: id.clone(),
            group: source.to_string(),
            kind: MetricKind::Other,
            name: format!("{}{suffix}", feed.name),
            unit: feed.unit.clone(),
            warn: feed.warn,
            crit: feed.crit,
        });
        let points = s
            .values
            .iter()
            .filter_map(|(t, v)| {
                let at = DateTime::from_timestamp_millis((t * 1000.0) as i64)?;
                Some(MetricPoint {
                    at,
                    value: sample_value(v)?,
                })
            })
            .collect();
        batch.series.push((id, points));
    }
    Ok(batch)
}

pub fn targets(data: TargetsData) -> Vec<Target> {
    data.active_targets
        .into_iter()
        .map(|t| Target {
            job: t.labels.get("job").cloned().unwrap_or_default(),
            instance: t.labels.get("instance").cloned().unwrap_or_default(),
            health: t.health,
            last_error: t.last_error,
            last_scrape: t.last_scrape.filter(|t| t.timestamp() > 0),
        })
        .collect()
}

pub fn spawn(cfg: &PrometheusConfig, tx: mpsc::Sender<Msg>) -> Result<JoinHandle<()>, String> {
    let endpoint = Endpoint::parse(&cfg.url)?;
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(TIMEOUT)
        .no_proxy()
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let cfg = cfg.clone();
    Ok(tokio::spawn(async move {
        run(cfg, endpoint, client, tx).await;
    }))
}

async fn get(
    client: &reqwest::Client,
    ep: &Endpoint,
    path: &str,
    query: &[(&str, String)],
) -> Result<Vec<u8>, String> {
    let mut rb = client.get(ep.join(path)?).query(query);
    if let Some((u, p)) = &ep.basic {
        rb = rb.basic_auth(u, p.as_ref());
    }
    let resp = rb.send().await.map_err(|e| http_error(&e, TIMEOUT))?;
    let status = resp.status();
    let body = crate::sources::health::read_capped(resp, MAX_RESPONSE_BYTES, TIMEOUT).await?;
    // Prometheus answers 4xx/5xx with the JSON envelope; keep its message.
    if !status.is_success() && !body.starts_with(b"{") {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    Ok(body)
}

async fn run(cfg: PrometheusConfig, ep: Endpoint, client: reqwest::Client, tx: mpsc::Sender<Msg>) {
    let mut health = HealthTracker::new(&cfg.name);
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    loop {
        let start = Instant::now();
        let now = Utc::now();
        let mut msgs = Vec::new();
        let mut error = None;
        match get(&client, &ep, "api/v1/targets", &[])
            .await
            .and_then(|b| unwrap_envelope::<TargetsData>("targets", &b))
        {
            Ok(t) => msgs.push(Msg::Source(SourceMsg::Targets {
                source: cfg.name.clone(),
                targets: targets(t),
            })),
            Err(e) => error = Some(e),
        }
        if error.is_none() {
            for feed in &cfg.feed {
                let range = chrono::Duration::from_std(feed.range.0).unwrap_or_default();
                let q = [
                    ("query", feed.query.clone()),
                    (
                        "start",
                        format!("{:.3}", (now - range).timestamp_millis() as f64 / 1000.0),
                    ),
                    (
                        "end",
                        format!("{:.3}", now.timestamp_millis() as f64 / 1000.0),
                    ),
                    ("step", format!("{}", feed.step.0.as_secs_f64().max(0.001))),
                ];
                let r = get(&client, &ep, "api/v1/query_range", &q)
                    .await
                    .and_then(|b| unwrap_envelope::<MatrixData>("query_range", &b))
                    .and_then(|d| feed_series(&cfg.name, feed, d));
                match r {
                    Ok(batch) => msgs.push(Msg::Source(SourceMsg::Series(batch))),
                    Err(e) => {
                        // A bad query is the feed's problem, not the server's.
                        msgs.push(Msg::Source(SourceMsg::SourceError {
                            source: cfg.name.clone(),
                            class: format!("feed {}", feed.name),
                            reason: crate::domain::alarm::short(
                                &format!("feed {}: {e}", feed.name),
                                500,
                            )
                            .into_owned(),
                        }));
                    }
                }
            }
        }
        let status = match &error {
            None => health.ok(now, start.elapsed(), format!("{} feeds", cfg.feed.len())),
            Some(e) => health.failed(e),
        };
        msgs.push(Msg::SourceHealth(status));
        for m in msgs {
            if tx.send(m).await.is_err() {
                return;
            }
        }
        let wait = if error.is_some() {
            backoff.failed()
        } else {
            backoff.succeeded();
            cfg.poll_interval.0.max(Duration::from_millis(200))
        };
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::config::Dur;

    fn feed() -> FeedConfig {
        FeedConfig {
            name: "up".into(),
            query: "up".into(),
            step: Dur(Duration::from_secs(15)),
            range: Dur(Duration::from_secs(600)),
            unit: "".into(),
            warn: Some(0.5),
            crit: None,
        }
    }

    #[test]
    fn values_are_strings_including_nan_and_inf() {
        assert_eq!(sample_value("1.5"), Some(1.5));
        assert!(sample_value("NaN").unwrap().is_nan());
        assert_eq!(sample_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(sample_value("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(sample_value("x"), None);
    }

    #[test]
    fn matrix_becomes_series() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"up","job":"a"},"values":[[1700000000,"1"],[1700000015.5,"NaN"],[1700000030,"+Inf"]]},
            {"metric":{"__name__":"up","job":"b"},"values":[[1700000000,"0"]]}]}}"#;
        let d: MatrixData = unwrap_envelope("q", body).unwrap();
        let b = feed_series("prom", &feed(), d).unwrap();
        assert_eq!(b.catalog.len(), 2);
        assert_eq!(b.catalog[0].name, "up{job=a}");
        assert_eq!(b.catalog[0].group, "prom");
        assert_eq!(b.series[0].1.len(), 3);
        assert!(b.series[0].1[1].value.is_nan());
        assert_eq!(b.series[0].1[1].at.timestamp_millis(), 1_700_000_015_500);
    }

    #[test]
    fn errors_from_the_envelope() {
        let e = unwrap_envelope::<MatrixData>(
            "query_range",
            br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
        )
        .unwrap_err();
        assert!(e.contains("bad_data") && e.contains("parse error"), "{e}");
        let t: TargetsData = unwrap_envelope(
            "targets",
            br#"{"status":"success","data":{"activeTargets":[{"labels":{"job":"am","instance":"x:1"},"health":"down","lastError":"connection refused","lastScrape":"2026-01-01T00:00:00Z"}]}}"#,
        )
        .unwrap();
        let t = targets(t);
        assert_eq!(t[0].health, "down");
        assert_eq!(t[0].last_error, "connection refused");
    }
}
