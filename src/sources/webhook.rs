//! The Alertmanager webhook receiver (webhook v4), an axum server on its
//! own task. Off unless configured; loopback by default; an optional bearer
//! token (401 without it); a body size limit (413 over it); malformed
//! payloads get 400 with the reason, journaled as a `source.error`.
//!
//! A notification is a *hint*: Alertmanager sends no resolved notification
//! for a silenced alert, so with Alertmanager sources configured the webhook
//! only makes them poll now and the poll confirms the state. Without any,
//! the receiver keeps its own firing set from the notifications (source
//! `webhook`).

use crate::app::sources::SourceMsg;
use crate::app::{Msg, SourceStatus};
use crate::domain::ObservedAlarm;
use crate::domain::alarm::Labels;
use crate::sources::alertmanager::AmHandle;
use crate::sources::alertmanager::api::observed_from_labels;
use crate::sources::config::WebhookConfig;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const SOURCE: &str = "webhook";

/// Webhook v4 body (the parts cocpit reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub version: String,
    pub group_key: String,
    pub status: String,
    #[serde(default)]
    pub receiver: String,
    pub alerts: Vec<WebhookAlert>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    pub status: String,
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    pub fingerprint: String,
}

/// Parse and check a webhook body; the error is the 400's reason.
pub fn parse(body: &[u8]) -> Result<Notification, String> {
    let n: Notification =
        serde_json::from_slice(body).map_err(|e| format!("malformed webhook payload: {e}"))?;
    if n.version != "4" {
        return Err(format!(
            "unsupported webhook version {:?} (expected \"4\")",
            n.version
        ));
    }
    if !matches!(n.status.as_str(), "firing" | "resolved") {
        return Err(format!("unknown status {:?}", n.status));
    }
    for a in &n.alerts {
        if a.fingerprint.is_empty() {
            return Err("an alert without a fingerprint".into());
        }
        if !matches!(a.status.as_str(), "firing" | "resolved") {
            return Err(format!(
                "alert {}: unknown status {:?}",
                a.fingerprint, a.status
            ));
        }
    }
    Ok(n)
}

struct Shared {
    token: Option<String>,
    hints: Vec<AmHandle>,
    tx: mpsc::Sender<Msg>,
    /// Only used without Alertmanager sources.
    firing: Mutex<BTreeMap<String, ObservedAlarm>>,
}

/// Bind and serve. Returns the bound address (the port may be 0 in tests).
pub async fn spawn(
    cfg: &WebhookConfig,
    hints: Vec<AmHandle>,
    tx: mpsc::Sender<Msg>,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let token = cfg
        .resolve_token()
        .map_err(std::io::Error::other)?
        .filter(|t| !t.is_empty());
    // Off the loopback anyone on the network could raise alarms: not
    // without a token.
    if !cfg.listen.ip().is_loopback() && token.is_none() {
        return Err(std::io::Error::other(format!(
            "refusing to listen on {} without a token (set [webhook] token or token_file)",
            cfg.listen
        )));
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        token,
        hints,
        tx: tx.clone(),
        firing: Mutex::new(BTreeMap::new()),
    });
    let app = Router::new()
        .route("/", post(receive))
        .route("/alertmanager", post(receive))
        .route("/webhook", post(receive))
        .route("/-/healthy", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(cfg.max_body_bytes))
        .with_state(shared);
    let _ = tx
        .send(Msg::SourceHealth(SourceStatus {
            name: SOURCE.into(),
            up: true,
            last_ok: Some(Utc::now()),
            latency_ms: None,
            detail: format!("listening on {addr}"),
        }))
        .await;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("webhook receiver stopped: {e}");
            let _ = tx
                .send(Msg::SourceHealth(SourceStatus {
                    name: SOURCE.into(),
                    up: false,
                    last_ok: None,
                    latency_ms: None,
                    detail: format!("stopped: {e}"),
                }))
                .await;
        }
    });
    Ok((addr, task))
}

/// Compare without an early exit, so timing does not leak the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorized(token: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(want) = token else { return true };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|got| same(got.trim().as_bytes(), want.as_bytes()))
}

async fn receive(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if !authorized(s.token.as_deref(), &headers) {
        // Not journaled: an unauthenticated sender must not be able to fill
        // the journal.
        tracing::warn!("webhook: request without the right bearer token");
        return (StatusCode::UNAUTHORIZED, "bearer token required\n".into());
    }
    let n = match parse(&body) {
        Ok(n) => n,
        Err(reason) => {
            let _ =
                s.tx.send(Msg::Source(SourceMsg::SourceError {
                    source: SOURCE.into(),
                    reason: reason.clone(),
                }))
                .await;
            return (StatusCode::BAD_REQUEST, format!("{reason}\n"));
        }
    };
    let now = Utc::now();
    if s.hints.is_empty() {
        let firing: Vec<ObservedAlarm> = {
            let Ok(mut set) = s.firing.lock() else {
                return (StatusCode::INTERNAL_SERVER_ERROR, "state poisoned\n".into());
            };
            for a in n.alerts {
                let resolved = a.status == "resolved"
                    || a.ends_at.is_some_and(|e| e.timestamp() > 0 && e <= now);
                if resolved {
                    set.remove(&a.fingerprint);
                } else {
                    let o = observed_from_labels(
                        SOURCE,
                        Some(a.fingerprint.clone()),
                        a.labels,
                        a.annotations,
                        a.starts_at,
                        a.generator_url.filter(|u| !u.is_empty()),
                    );
                    set.insert(a.fingerprint, o);
                }
            }
            set.values().cloned().collect()
        };
        let _ =
            s.tx.send(Msg::Snapshot {
                source: SOURCE.into(),
                firing,
            })
            .await;
    } else {
        for h in &s.hints {
            h.poll_now();
        }
    }
    let _ =
        s.tx.send(Msg::SourceHealth(SourceStatus {
            name: SOURCE.into(),
            up: true,
            last_ok: Some(now),
            latency_ms: None,
            detail: format!("last: {} for {}", n.status, n.group_key),
        }))
        .await;
    (StatusCode::OK, "ok\n".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/samples/alertmanager")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn real_notifications_parse() {
        let f = parse(&sample("webhook-v4-firing.json")).unwrap();
        assert_eq!(f.status, "firing");
        assert_eq!(f.alerts[0].fingerprint, "8a5d4025de0114e1");
        // Firing alerts carry the zero time as endsAt.
        assert!(f.alerts[0].ends_at.unwrap().timestamp() < 0);
        let r = parse(&sample("webhook-v4-resolved.json")).unwrap();
        assert_eq!(r.alerts[0].status, "resolved");
        let p = parse(&sample("webhook-v4-prometheus-rule.json")).unwrap();
        assert_eq!(
            p.alerts[0].labels["alertname"],
            "BaselineAlwaysFiringCritical"
        );
    }

    #[test]
    fn malformed_bodies_have_reasons() {
        assert!(parse(b"").unwrap_err().contains("malformed"));
        assert!(parse(b"{not json").unwrap_err().contains("malformed"));
        assert!(
            parse(br#"{"version":"4"}"#)
                .unwrap_err()
                .contains("groupKey")
        );
        let v3 = String::from_utf8(sample("webhook-v4-firing.json"))
            .unwrap()
            .replace("\"version\": \"4\"", "\"version\": \"3\"");
        assert!(parse(v3.as_bytes()).unwrap_err().contains("version"));
    }

    #[tokio::test]
    async fn no_open_port_off_loopback_without_a_token() {
        let (tx, _rx) = mpsc::channel(8);
        let cfg = WebhookConfig::on("0.0.0.0:0".parse().unwrap());
        let e = spawn(&cfg, Vec::new(), tx.clone()).await.unwrap_err();
        assert!(e.to_string().contains("without a token"), "{e}");
        let ok = WebhookConfig {
            token: Some("t".into()),
            ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
        };
        let (addr, task) = spawn(&ok, Vec::new(), tx).await.unwrap();
        assert!(addr.ip().is_loopback());
        task.abort();
    }

    #[test]
    fn bearer_token_is_checked() {
        let mut h = HeaderMap::new();
        assert!(authorized(None, &h));
        assert!(!authorized(Some("s3cret"), &h));
        h.insert(header::AUTHORIZATION, "Bearer wrong".parse().unwrap());
        assert!(!authorized(Some("s3cret"), &h));
        h.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(authorized(Some("s3cret"), &h));
    }
}
