//! The Alertmanager webhook receiver (webhook v4), an HTTP/1 server on its
//! own task. Off unless configured; loopback by default; an optional bearer
//! token (401 without it); malformed payloads get 400 with the reason,
//! journaled as a `source.error`.
//!
//! A notification is a *hint*: Alertmanager sends no resolved notification
//! for a silenced alert, so with Alertmanager sources configured the webhook
//! only makes them poll now and the poll confirms the state. Without any,
//! the receiver keeps its own firing set from the notifications (source
//! `webhook`) and sends the core only what changed (`Msg::Changes`).
//!
//! Limits, so a sender — or anyone who can reach the port — cannot run the
//! console out of memory or connections:
//! - at most `max_connections` connections (one more is closed at once);
//!   a connection that has not sent a complete request head within
//!   `header_timeout` (half-open, slow, idle keep-alive) is closed;
//! - at most `max_concurrent` requests are read and applied at once; the
//!   others wait for a turn up to `body_timeout`, then get 503 with
//!   `Retry-After`; a body over `max_body_bytes` gets 413 (before it is
//!   read when it says its length), one not received within
//!   `body_timeout` gets 408;
//! - at most `max_alarms` alarms firing: alerts over it are refused (507,
//!   `source.error` of class `full`, and the source shows down while it is
//!   refusing), the others are applied;
//! - each alarm within [`crate::domain::alarm::bounds`] (an alert over them
//!   is refused with 400, its annotations cut otherwise);
//! - the core gets one coalesced `Msg::Changes` at most every
//!   [`COALESCE`], whatever the number of POSTs: the latest state of each
//!   alarm that changed, never a copy of the whole set.
//!
//! The set is seeded from the journal at start, so a restarted console
//! keeps the webhook's alarms firing until the sender resolves them, their
//! `endsAt` passes, or nothing re-sent them for `expire_after`.

use crate::app::sources::SourceMsg;
use crate::app::{Msg, SourceStatus};
use crate::domain::alarm::{Labels, Text, short};
use crate::domain::{AlarmBoard, ObservedAlarm};
use crate::sources::alertmanager::AmHandle;
use crate::sources::alertmanager::api::observed_from_labels;
use crate::sources::config::WebhookConfig;
use crate::sources::health::mib;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::{JoinHandle, JoinSet};

pub const SOURCE: &str = "webhook";
/// The core hears of changes at most this often (a burst of POSTs is one
/// message).
pub const COALESCE: Duration = Duration::from_millis(200);
/// A source that refused alerts for lack of room shows down this long.
const FULL_FOR: chrono::Duration = chrono::Duration::seconds(60);

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
            short(&n.version, 40)
        ));
    }
    if !matches!(n.status.as_str(), "firing" | "resolved") {
        return Err(format!("unknown status {:?}", short(&n.status, 40)));
    }
    for a in &n.alerts {
        if a.fingerprint.is_empty() {
            return Err("an alert without a fingerprint".into());
        }
        if !matches!(a.status.as_str(), "firing" | "resolved") {
            return Err(format!(
                "alert {}: unknown status {:?}",
                short(&a.fingerprint, 40),
                short(&a.status, 40)
            ));
        }
    }
    Ok(n)
}

/// What the receiver knows of one firing alarm.
#[derive(Debug, Clone, Copy)]
struct Seen {
    /// [`ObservedAlarm::content_hash`] of what the core was last sent.
    hash: u64,
    /// When a notification last named it.
    last: DateTime<Utc>,
    /// The sender's `endsAt`, when it gave one in the future.
    ends_at: Option<DateTime<Utc>>,
}

/// The webhook's firing set and the changes not yet sent to the core.
#[derive(Debug, Default)]
pub struct FiringSet {
    /// Keys interned: the board and the ingest ledger hold the same strings.
    alarms: HashMap<Text, Seen>,
    firing: HashMap<String, ObservedAlarm>,
    resolved: HashMap<String, String>,
    /// Alerts refused for lack of room, ever; and when last.
    pub refused: u64,
    pub refused_at: Option<DateTime<Utc>>,
    pub max_alarms: usize,
}

/// What applying one notification did.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    pub changed: usize,
    /// New alerts refused because the set was full.
    pub full: usize,
    /// Alerts refused for being over the bounds, with the first reason.
    pub too_large: usize,
    pub first_reason: Option<String>,
}

impl FiringSet {
    pub fn new(max_alarms: usize) -> FiringSet {
        FiringSet {
            max_alarms,
            ..FiringSet::default()
        }
    }

    pub fn len(&self) -> usize {
        self.alarms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alarms.is_empty()
    }

    /// Alarms the journal says are firing from the webhook (a restart):
    /// known, so that the sender's resolve reaches them and `expire_after`
    /// counts from now.
    pub fn seed(&mut self, board: &AlarmBoard, now: DateTime<Utc>) {
        for a in board
            .iter()
            .filter(|a| a.is_firing() && a.observed.source == SOURCE)
        {
            self.alarms.insert(
                Text::new(a.fingerprint()),
                Seen {
                    hash: a.observed.content_hash(),
                    last: now,
                    ends_at: None,
                },
            );
        }
    }

    fn resolve(&mut self, fp: &str, reason: &str) {
        if self.alarms.remove(fp).is_some() {
            self.firing.remove(fp);
            self.resolved.insert(fp.to_string(), reason.to_string());
        }
    }

    pub fn apply(&mut self, n: Notification, now: DateTime<Utc>) -> Applied {
        let mut out = Applied::default();
        for a in n.alerts {
            let ends_at = a.ends_at.filter(|e| e.timestamp() > 0);
            if a.status == "resolved" || ends_at.is_some_and(|e| e <= now) {
                if self.alarms.contains_key(a.fingerprint.as_str()) {
                    out.changed += 1;
                }
                self.resolve(&a.fingerprint, "resolved by the sender");
                continue;
            }
            let obs = observed_from_labels(
                SOURCE,
                Some(a.fingerprint),
                a.labels,
                a.annotations,
                a.starts_at,
                a.generator_url.filter(|u| !u.is_empty()),
            )
            .bounded();
            let obs = match obs {
                Ok(o) => o,
                Err(reason) => {
                    out.too_large += 1;
                    out.first_reason.get_or_insert(reason);
                    continue;
                }
            };
            let hash = obs.content_hash();
            let room = self.alarms.len() < self.max_alarms;
            match self.alarms.get_mut(obs.fingerprint.as_str()) {
                Some(seen) => {
                    seen.last = now;
                    seen.ends_at = ends_at;
                    if seen.hash == hash {
                        continue;
                    }
                    seen.hash = hash;
                }
                None if !room => {
                    out.full += 1;
                    continue;
                }
                None => {
                    self.alarms.insert(
                        obs.fingerprint.clone(),
                        Seen {
                            hash,
                            last: now,
                            ends_at,
                        },
                    );
                }
            }
            out.changed += 1;
            self.resolved.remove(obs.fingerprint.as_str());
            self.firing.insert(obs.fingerprint.to_string(), obs);
        }
        if out.full > 0 {
            self.refused += out.full as u64;
            self.refused_at = Some(now);
        }
        out
    }

    /// Resolve alarms whose `endsAt` passed or that nothing re-sent for
    /// `expire_after` (zero: never).
    pub fn expire(&mut self, now: DateTime<Utc>, expire_after: Duration) {
        let after = chrono::Duration::from_std(expire_after).unwrap_or(chrono::Duration::MAX);
        let quiet = format!(
            "not re-sent by the webhook sender for {}",
            human(expire_after)
        );
        let gone: Vec<(Text, &'static str)> = self
            .alarms
            .iter()
            .filter_map(|(fp, s)| {
                if s.ends_at.is_some_and(|e| e <= now) {
                    Some((fp.clone(), "endsAt passed"))
                } else if !expire_after.is_zero() && now - s.last >= after {
                    Some((fp.clone(), ""))
                } else {
                    None
                }
            })
            .collect();
        for (fp, why) in gone {
            let why = if why.is_empty() { quiet.as_str() } else { why };
            self.resolve(&fp, why);
        }
    }

    /// The changes not yet sent, if any; the set keeps what it knows.
    pub fn take_changes(&mut self) -> Option<crate::sources::ChangeSet> {
        if self.firing.is_empty() && self.resolved.is_empty() {
            return None;
        }
        let firing = std::mem::take(&mut self.firing).into_values().collect();
        let resolved = std::mem::take(&mut self.resolved).into_iter().collect();
        Some((firing, resolved))
    }

    /// Refusing alerts for lack of room (within the last minute).
    pub fn is_full(&self, now: DateTime<Utc>) -> bool {
        self.refused_at.is_some_and(|t| now - t < FULL_FOR)
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

struct Shared {
    token: Option<String>,
    hints: Vec<AmHandle>,
    tx: mpsc::Sender<Msg>,
    max_body: usize,
    body_timeout: Duration,
    /// Requests being read and applied.
    turns: Semaphore,
    /// Only used without Alertmanager sources.
    set: Mutex<FiringSet>,
    /// A change is waiting for the forwarder.
    changed: Notify,
    /// The last notification, for the header.
    last: Mutex<Option<(DateTime<Utc>, String)>>,
    /// When each error class was last sent to the core (it journals one a
    /// class per ten minutes; this keeps a flood off the channel).
    errors: Mutex<HashMap<&'static str, Instant>>,
    /// Connections closed at once for being over `max_connections`.
    pub refused_connections: AtomicU64,
    /// When a request last sent the header line itself.
    health_at: Mutex<Option<Instant>>,
}

impl Shared {
    /// The header line, at once (at most once a second; the forwarder
    /// keeps it current otherwise): sent before anything the notification
    /// causes, so the header never lags the alarms it brought.
    async fn health_now(&self) {
        let due = match self.health_at.lock() {
            Ok(mut at) => {
                let now = Instant::now();
                let due = at.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
                if due {
                    *at = Some(now);
                }
                due
            }
            Err(_) => false,
        };
        if !due {
            return;
        }
        let health = match self.set.lock() {
            Ok(set) => health_of(&set, self, Utc::now()),
            Err(_) => return,
        };
        let _ = self.tx.send(Msg::SourceHealth(health)).await;
    }

    fn error(&self, class: &'static str, reason: &str) {
        if let Ok(mut seen) = self.errors.lock() {
            let now = Instant::now();
            if seen
                .get(class)
                .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(1))
            {
                return;
            }
            seen.insert(class, now);
        }
        // Never wait for room: a flood of bad requests must not hold turns.
        let _ = self.tx.try_send(Msg::Source(SourceMsg::SourceError {
            source: SOURCE.into(),
            class: class.into(),
            reason: short(reason, 500).into_owned(),
        }));
    }
}

/// Bind and serve. Returns the bound address (the port may be 0 in tests).
/// `board` seeds the firing set (webhook-only mode).
pub async fn spawn(
    cfg: &WebhookConfig,
    hints: Vec<AmHandle>,
    board: &AlarmBoard,
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
    let mut set = FiringSet::new(cfg.max_alarms);
    if hints.is_empty() {
        set.seed(board, Utc::now());
    }
    let shared = Arc::new(Shared {
        token,
        hints,
        tx: tx.clone(),
        max_body: cfg.max_body_bytes,
        body_timeout: cfg.body_timeout.0,
        turns: Semaphore::new(cfg.max_concurrent.max(1)),
        set: Mutex::new(set),
        changed: Notify::new(),
        last: Mutex::new(None),
        errors: Mutex::new(HashMap::new()),
        refused_connections: AtomicU64::new(0),
        health_at: Mutex::new(None),
    });
    let app = Router::new()
        .route("/", post(receive))
        .route("/alertmanager", post(receive))
        .route("/webhook", post(receive))
        .route("/-/healthy", get(|| async { "ok" }))
        .with_state(shared.clone());
    let _ = tx
        .send(Msg::SourceHealth(SourceStatus {
            name: SOURCE.into(),
            up: true,
            last_ok: Some(Utc::now()),
            latency_ms: None,
            detail: format!("listening on {addr}"),
        }))
        .await;
    let limits = ConnLimits {
        max_connections: cfg.max_connections.max(1),
        header_timeout: cfg.header_timeout.0.max(Duration::from_millis(100)),
    };
    let expire_after = cfg.expire_after.0;
    let task = tokio::spawn(async move {
        let forward = forwarder(shared.clone(), expire_after);
        let serve = serve(listener, app, limits, shared.clone());
        tokio::select! {
            _ = forward => {}
            r = serve => {
                let e = match r {
                    Ok(()) => "stopped".to_string(),
                    Err(e) => format!("stopped: {e}"),
                };
                tracing::error!("webhook receiver {e}");
                let _ = tx
                    .send(Msg::SourceHealth(SourceStatus {
                        name: SOURCE.into(),
                        up: false,
                        last_ok: None,
                        latency_ms: None,
                        detail: e,
                    }))
                    .await;
            }
        }
    });
    Ok((addr, task))
}

#[derive(Debug, Clone, Copy)]
struct ConnLimits {
    max_connections: usize,
    header_timeout: Duration,
}

/// The accept loop: hyper's HTTP/1 server per connection, with a header
/// read timeout (axum's `serve` has none) and a cap on connections. The
/// connections live in a `JoinSet`, so stopping the receiver closes them.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnLimits,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(64 * 1024);
    let mut conns = JoinSet::new();
    let mut accept_errors = 0u32;
    loop {
        while conns.try_join_next().is_some() {}
        let stream = match listener.accept().await {
            Ok((s, _)) => {
                accept_errors = 0;
                s
            }
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                accept_errors += 1;
                if accept_errors == 1 {
                    tracing::warn!("webhook: accept: {e}");
                }
                if accept_errors > 1000 {
                    return Err(e);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            let n = shared.refused_connections.fetch_add(1, Ordering::Relaxed);
            if n.is_power_of_two() {
                tracing::warn!(
                    "webhook: {} connections refused (max_connections = {})",
                    n + 1,
                    limits.max_connections
                );
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        conns.spawn(async move {
            let _slot = slot;
            if let Err(e) = conn.await {
                tracing::debug!("webhook connection: {e}");
            }
        });
    }
}

/// Sends the core what changed, coalesced; resolves what expired; keeps
/// the header's health line current.
async fn forwarder(s: Arc<Shared>, expire_after: Duration) {
    let mut last_health: Option<SourceStatus> = None;
    let mut settle = crate::sources::Settle::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = s.changed.notified() => {}
            _ = tick.tick() => {}
        }
        let now = Utc::now();
        let (changes, health) = {
            let Ok(mut set) = s.set.lock() else { return };
            if s.hints.is_empty() {
                set.expire(now, expire_after);
            }
            let changes = set.take_changes();
            (changes, health_of(&set, &s, now))
        };
        if let Some((firing, resolved)) = changes {
            settle.changed(firing.len() + resolved.len());
            if !crate::sources::send_changes(&s.tx, SOURCE, firing, resolved).await {
                return;
            }
        }
        if settle.due() {
            let _ = tokio::task::spawn_blocking(crate::sources::release_memory).await;
        }
        // Health only when it says something new (at most once a second
        // for the "last notification" line).
        let worth = match &last_health {
            None => true,
            Some(h) => {
                h.up != health.up || (h.detail != health.detail && h.last_ok != health.last_ok)
            }
        };
        if worth {
            if s.tx.send(Msg::SourceHealth(health.clone())).await.is_err() {
                return;
            }
            last_health = Some(health);
        }
        tokio::time::sleep(COALESCE).await;
    }
}

fn health_of(set: &FiringSet, s: &Shared, now: DateTime<Utc>) -> SourceStatus {
    let last = s.last.lock().ok().and_then(|l| l.clone());
    let last_ok = last.as_ref().map(|(t, _)| *t);
    let last_text = last
        .map(|(t, what)| format!("last {what} at {}", t.format("%H:%M:%S")))
        .unwrap_or_else(|| "no notification yet".into());
    if s.hints.is_empty() && set.is_full(now) {
        return SourceStatus {
            name: SOURCE.into(),
            up: false,
            last_ok,
            latency_ms: None,
            detail: format!(
                "FULL: {} alarms firing (max_alarms), {} alerts refused · {last_text}",
                set.len(),
                set.refused
            ),
        };
    }
    let count = if s.hints.is_empty() {
        format!("{} firing · ", set.len())
    } else {
        String::new()
    };
    SourceStatus {
        name: SOURCE.into(),
        up: true,
        last_ok,
        latency_ms: None,
        detail: format!("{count}{last_text}"),
    }
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

fn reply(status: StatusCode, text: impl Into<String>) -> Response {
    let mut text = text.into();
    text.push('\n');
    (status, text).into_response()
}

/// The largest refused body still read to its end (then dropped), so its
/// sender gets the 413 rather than a reset connection.
const DRAIN_MAX: u64 = 4 << 20;

/// Read and drop a body, within `timeout`.
async fn drain(body: Body, timeout: Duration) {
    let read = async {
        let mut stream = body.into_data_stream();
        while let Some(Ok(_)) = stream.next().await {}
    };
    let _ = tokio::time::timeout(timeout, read).await;
}

/// Read the body, at most `max` bytes, within `timeout`.
async fn read_body(body: Body, max: usize, timeout: Duration) -> Result<Vec<u8>, Response> {
    let read = async {
        let mut stream = body.into_data_stream();
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .map_err(|e| reply(StatusCode::BAD_REQUEST, format!("reading the body: {e}")))?;
            if out.len() + chunk.len() > max {
                return Err(reply(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("body over {} (max_body_bytes)", mib(max)),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(r) => r,
        Err(_) => Err(reply(
            StatusCode::REQUEST_TIMEOUT,
            format!("body not received within {}", human(timeout)),
        )),
    }
}

async fn receive(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if !authorized(s.token.as_deref(), &parts.headers) {
        // Not journaled: an unauthenticated sender must not be able to fill
        // the journal.
        tracing::warn!("webhook: request without the right bearer token");
        return reply(StatusCode::UNAUTHORIZED, "bearer token required");
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > s.max_body as u64) {
        s.error(
            "too-large",
            &format!("a body over {} (max_body_bytes) refused", mib(s.max_body)),
        );
        // A sender still writing its body gets a reset instead of the 413
        // when the connection closes with the body unread; read (and drop)
        // a body of a plausible size first so it gets the answer.
        if n <= DRAIN_MAX {
            drain(body, s.body_timeout).await;
        }
        return reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body over {} (max_body_bytes)", mib(s.max_body)),
        );
    }
    // One turn per request being read and applied: memory is bounded by
    // max_concurrent bodies, whatever the number of senders.
    let turn = match tokio::time::timeout(s.body_timeout, s.turns.acquire()).await {
        Ok(Ok(t)) => t,
        _ => {
            let mut r = reply(StatusCode::SERVICE_UNAVAILABLE, "busy, try again");
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
    };
    let body = match read_body(body, s.max_body, s.body_timeout).await {
        Ok(b) => b,
        Err(r) => {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                s.error("too-large", "a body over max_body_bytes refused");
            }
            return r;
        }
    };
    let n = match parse(&body) {
        Ok(n) => n,
        Err(reason) => {
            s.error("malformed", &reason);
            return reply(StatusCode::BAD_REQUEST, reason);
        }
    };
    drop(body);
    let now = Utc::now();
    let what = format!("{} for {}", n.status, short(&n.group_key, 80));
    if let Ok(mut last) = s.last.lock() {
        *last = Some((now, what));
    }
    if !s.hints.is_empty() {
        drop(turn);
        s.health_now().await;
        for h in &s.hints {
            h.poll_now();
        }
        return reply(StatusCode::OK, "ok");
    }
    let applied = match s.set.lock() {
        Ok(mut set) => set.apply(n, now),
        Err(_) => return reply(StatusCode::INTERNAL_SERVER_ERROR, "state poisoned"),
    };
    drop(turn);
    s.health_now().await;
    if applied.changed > 0 || applied.full > 0 {
        s.changed.notify_one();
    }
    if let Some(reason) = &applied.first_reason {
        let text = format!("{} alerts refused: {reason}", applied.too_large);
        s.error("alert-too-large", &text);
        return reply(StatusCode::BAD_REQUEST, text);
    }
    if applied.full > 0 {
        let text = format!(
            "firing set full: {} alerts refused (max_alarms reached); the rest applied",
            applied.full
        );
        s.error("full", &text);
        return reply(StatusCode::INSUFFICIENT_STORAGE, text);
    }
    reply(StatusCode::OK, "ok")
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

    fn note(alerts: &[(&str, &str, &str)]) -> Notification {
        let alerts: Vec<serde_json::Value> = alerts
            .iter()
            .map(|(fp, status, name)| {
                serde_json::json!({"status": status, "labels": {"alertname": name},
                    "startsAt": "2026-01-01T00:00:00Z", "fingerprint": fp})
            })
            .collect();
        let body = serde_json::json!({"version": "4", "groupKey": "g", "status": "firing", "alerts": alerts});
        parse(&serde_json::to_vec(&body).unwrap()).unwrap()
    }

    #[test]
    fn the_set_sends_only_what_changed_and_caps_the_firing_set() {
        let now: DateTime<Utc> = "2026-01-01T00:10:00Z".parse().unwrap();
        let mut set = FiringSet::new(2);
        let a = set.apply(note(&[("a", "firing", "A"), ("b", "firing", "B")]), now);
        assert_eq!((a.changed, a.full), (2, 0));
        let (firing, resolved) = set.take_changes().unwrap();
        assert_eq!((firing.len(), resolved.len()), (2, 0));
        // The same alerts again: nothing to send.
        set.apply(note(&[("a", "firing", "A"), ("b", "firing", "B")]), now);
        assert!(set.take_changes().is_none());
        // Full: a third alarm is refused, a change to a known one is not.
        let a = set.apply(note(&[("c", "firing", "C"), ("a", "firing", "A2")]), now);
        assert_eq!((a.changed, a.full), (1, 1));
        assert!(set.is_full(now));
        assert_eq!(set.len(), 2);
        let (firing, _) = set.take_changes().unwrap();
        assert_eq!(firing[0].name, "A2");
        // A resolve makes room.
        set.apply(note(&[("b", "resolved", "B")]), now);
        let (_, resolved) = set.take_changes().unwrap();
        assert_eq!(
            resolved,
            [("b".to_string(), "resolved by the sender".to_string())]
        );
        assert_eq!(set.apply(note(&[("c", "firing", "C")]), now).full, 0);
        // An unknown resolve is not forwarded.
        set.apply(note(&[("zz", "resolved", "Z")]), now);
        let (_, resolved) = set.take_changes().unwrap();
        assert!(resolved.is_empty());
    }

    #[test]
    fn alerts_over_the_bounds_are_refused_with_the_reason() {
        let now: DateTime<Utc> = "2026-01-01T00:10:00Z".parse().unwrap();
        let big = "v".repeat(crate::domain::alarm::bounds::LABEL_VALUE + 1);
        let body = serde_json::json!({"version": "4", "groupKey": "g", "status": "firing",
            "alerts": [{"status": "firing", "labels": {"alertname": "Big", "instance": big},
                        "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "big"},
                       {"status": "firing", "labels": {"alertname": "Fine"},
                        "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "fine"}]});
        let mut set = FiringSet::new(10);
        let a = set.apply(parse(&serde_json::to_vec(&body).unwrap()).unwrap(), now);
        assert_eq!((a.changed, a.too_large), (1, 1));
        assert!(a.first_reason.unwrap().contains("label instance"));
        let (firing, _) = set.take_changes().unwrap();
        assert_eq!(firing[0].name, "Fine");
    }

    #[test]
    fn quiet_alarms_expire_and_end_times_are_kept() {
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut set = FiringSet::new(10);
        set.apply(note(&[("a", "firing", "A")]), t0);
        let body = serde_json::json!({"version": "4", "groupKey": "g", "status": "firing",
            "alerts": [{"status": "firing", "labels": {"alertname": "E"}, "startsAt": "2026-01-01T00:00:00Z",
                        "endsAt": "2026-01-01T00:05:00Z", "fingerprint": "e"}]});
        set.apply(parse(&serde_json::to_vec(&body).unwrap()).unwrap(), t0);
        set.take_changes();
        let hour = Duration::from_secs(3600);
        set.expire(t0 + chrono::Duration::minutes(6), hour);
        let (_, resolved) = set.take_changes().unwrap();
        assert_eq!(resolved, [("e".to_string(), "endsAt passed".to_string())]);
        set.expire(t0 + chrono::Duration::minutes(59), hour);
        assert!(set.take_changes().is_none());
        // Zero: never expires.
        set.expire(t0 + chrono::Duration::days(30), Duration::ZERO);
        assert!(set.take_changes().is_none());
        set.expire(t0 + chrono::Duration::minutes(61), hour);
        let (_, resolved) = set.take_changes().unwrap();
        assert_eq!(resolved[0].1, "not re-sent by the webhook sender for 1h");
    }

    #[tokio::test]
    async fn no_open_port_off_loopback_without_a_token() {
        let (tx, _rx) = mpsc::channel(8);
        let board = AlarmBoard::new();
        let cfg = WebhookConfig::on("0.0.0.0:0".parse().unwrap());
        let e = spawn(&cfg, Vec::new(), &board, tx.clone())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("without a token"), "{e}");
        let ok = WebhookConfig {
            token: Some("t".into()),
            ..WebhookConfig::on("127.0.0.1:0".parse().unwrap())
        };
        let (addr, task) = spawn(&ok, Vec::new(), &board, tx).await.unwrap();
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
