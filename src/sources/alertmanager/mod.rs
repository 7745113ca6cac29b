//! The Alertmanager source: one tokio task per cluster (a lone
//! Alertmanager is a cluster of one) polls every member's
//! `/api/v2/alerts`, `/api/v2/silences` and `/api/v2/status`
//! concurrently, merges them by fingerprint — alerts are not gossiped,
//! every Prometheus sends to every peer — and reports:
//!
//! - `Msg::Snapshot` with the complete firing set (the core journals only
//!   the changes),
//! - `SourceMsg::AmState` with the silences and which alerts they mute (acks),
//! - `Msg::SourceHealth` per member, `SourceMsg::Stale` for the cluster.
//!
//! Every request has a timeout; garbage, hangs and 5xx are source errors
//! with the reason. A cluster whose members are all down is retried with
//! capped exponential backoff and its alarms are marked stale, never
//! dropped. Silence requests from the core ([`AmHandle::execute`]) go to the
//! first member that answers (silences gossip between peers).

pub mod api;

use crate::app::sources::{AmRequest, AmState, ClusterInfo, SourceMsg};
use crate::app::{Msg, SourceStatus};
use crate::domain::ObservedAlarm;
use crate::domain::alarm::Text;
use crate::sources::config::{AlertmanagerConfig, Endpoint};
use crate::sources::health::{Backoff, HealthTracker, TOO_LARGE, http_error, read_capped};
use api::{GettableAlert, GettableSilence, PostableSilence, SilenceCreated, Status};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// Per-request timeout: a hung Alertmanager must not hold the poll.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// A restarted Alertmanager has lost its alerts (they live in memory) until
/// Prometheus sends them again (its resend delay is 1 m by default). For
/// this long after its start, alarms it no longer lists are kept firing
/// rather than resolved — resolving them would clear their owners and start
/// new occurrences a minute later. Alerts it lists as resolved still resolve.
pub const RESTART_GRACE: chrono::Duration = chrono::Duration::seconds(90);

/// An HTTP client for Alertmanager requests (no proxies from the
/// environment: the monitoring stack is reached directly).
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .no_proxy()
        .user_agent(concat!("cocpit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// One member of a cluster.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub endpoint: Endpoint,
    /// A bigger answer is refused unread (`max_response_bytes`).
    pub max_response_bytes: usize,
}

impl Member {
    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> Result<reqwest::RequestBuilder, String> {
        let url = self.endpoint.join(path)?;
        let mut rb = client.request(method, url);
        if let Some((user, pass)) = &self.endpoint.basic {
            rb = rb.basic_auth(user, pass.as_ref());
        }
        Ok(rb)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Result<Vec<u8>, String> {
        let resp = rb
            .send()
            .await
            .map_err(|e| http_error(&e, REQUEST_TIMEOUT))?;
        let status = resp.status();
        let body = read_capped(resp, self.max_response_bytes, REQUEST_TIMEOUT).await?;
        if !status.is_success() {
            let text: String = String::from_utf8_lossy(&body[..body.len().min(200)])
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            return Err(format!("HTTP {}: {}", status.as_u16(), text.trim()));
        }
        Ok(body)
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> Result<Vec<u8>, String> {
        let rb = self.request(client, reqwest::Method::GET, path)?;
        self.send(rb).await.map_err(|e| {
            if e.starts_with(TOO_LARGE) {
                format!("{path}: {e}")
            } else {
                e
            }
        })
    }

    pub async fn alerts(&self, client: &reqwest::Client) -> Result<Vec<GettableAlert>, String> {
        api::parse("alerts", &self.get(client, "api/v2/alerts").await?)
    }

    pub async fn silences(&self, client: &reqwest::Client) -> Result<Vec<GettableSilence>, String> {
        api::parse("silences", &self.get(client, "api/v2/silences").await?)
    }

    pub async fn status(&self, client: &reqwest::Client) -> Result<Status, String> {
        api::parse("status", &self.get(client, "api/v2/status").await?)
    }

    pub async fn post_silence(
        &self,
        client: &reqwest::Client,
        s: &PostableSilence,
    ) -> Result<String, String> {
        let rb = self
            .request(client, reqwest::Method::POST, "api/v2/silences")?
            .json(s);
        let body = self.send(rb).await?;
        let created: SilenceCreated = api::parse("silence", &body)?;
        Ok(created.silence_id)
    }

    pub async fn expire_silence(&self, client: &reqwest::Client, id: &str) -> Result<(), String> {
        // The id goes into the path: refuse anything that is not a plain id.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("not a silence id: {id:?}"));
        }
        let rb = self.request(
            client,
            reqwest::Method::DELETE,
            &format!("api/v2/silence/{id}"),
        )?;
        self.send(rb).await.map(|_| ())
    }
}

/// What one poll of one member returned.
pub struct MemberPoll {
    pub alerts: Vec<GettableAlert>,
    pub silences: Vec<GettableSilence>,
    pub status: Option<Status>,
    pub latency: Duration,
}

pub async fn poll_member(
    m: &Member,
    client: &reqwest::Client,
    with_status: bool,
) -> Result<MemberPoll, String> {
    let start = Instant::now();
    // Concurrently: a hung member costs one timeout per poll, not three.
    let status = async {
        if with_status {
            m.status(client).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (alerts, silences, status) = tokio::join!(m.alerts(client), m.silences(client), status);
    Ok(MemberPoll {
        alerts: alerts?,
        silences: silences?,
        status: status?,
        latency: start.elapsed(),
    })
}

/// Keep `previous` alarms the Alertmanager does not list at all while
/// every answering member started less than [`RESTART_GRACE`] ago (see
/// there). `present` = every fingerprint listed, firing or not.
pub fn carry_over_restart(
    firing: &mut Vec<ObservedAlarm>,
    previous: &HashMap<Text, ObservedAlarm>,
    present: &std::collections::HashSet<String>,
    uptimes: &[Option<DateTime<Utc>>],
    now: DateTime<Utc>,
) {
    let fresh = !uptimes.is_empty()
        && uptimes
            .iter()
            .all(|u| u.is_some_and(|u| now - u < RESTART_GRACE));
    if !fresh {
        return;
    }
    for (fp, obs) in previous {
        if !present.contains(fp.as_str()) {
            firing.push(obs.clone());
        }
    }
    firing.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
}

/// Merge the members' answers: alerts by fingerprint (firing at `now`),
/// silences by id. Returns the firing alarms and the silence state.
pub fn merge(
    source: &str,
    polls: &[&MemberPoll],
    now: DateTime<Utc>,
) -> (Vec<ObservedAlarm>, AmState) {
    let (firing, state, _) = merge_checked(source, polls, now);
    (firing, state)
}

/// [`merge`], also returning why alerts over the bounds were left out
/// ([`ObservedAlarm::bounded`]).
pub fn merge_checked(
    source: &str,
    polls: &[&MemberPoll],
    now: DateTime<Utc>,
) -> (Vec<ObservedAlarm>, AmState, Vec<String>) {
    let mut refused = Vec::new();
    let mut firing: HashMap<&str, ObservedAlarm> = HashMap::new();
    let mut silenced_by: HashMap<String, Vec<String>> = HashMap::new();
    let mut silences = HashMap::new();
    for p in polls {
        for a in p.alerts.iter().filter(|a| a.is_firing(now)) {
            if !a.status.silenced_by.is_empty() {
                let ids = silenced_by.entry(a.fingerprint.clone()).or_default();
                for id in &a.status.silenced_by {
                    if !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
            }
            if firing.contains_key(a.fingerprint.as_str()) {
                continue;
            }
            match a.to_observed(source).bounded() {
                Ok(o) => {
                    firing.insert(a.fingerprint.as_str(), o);
                }
                Err(e) => refused.push(e),
            }
        }
        for s in &p.silences {
            silences
                .entry(s.id.clone())
                .or_insert_with(|| s.to_silence());
        }
    }
    let mut firing: Vec<ObservedAlarm> = firing.into_values().collect();
    firing.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    let state = AmState {
        source: source.to_string(),
        silences: silences.into_values().collect(),
        silenced_by,
        cluster: ClusterInfo::default(),
    };
    (firing, state, refused)
}

/// The core's way to the cluster: silence requests and "poll now".
#[derive(Clone)]
pub struct AmHandle {
    pub source: String,
    members: Arc<Vec<Member>>,
    client: reqwest::Client,
    poll_now: Arc<Notify>,
}

impl AmHandle {
    pub fn poll_now(&self) {
        self.poll_now.notify_one();
    }

    /// Run a silence request against the first member that answers.
    pub async fn execute(&self, req: &AmRequest) -> Result<String, String> {
        let mut errors = Vec::new();
        for m in self.members.iter() {
            let r = match req {
                AmRequest::Create(spec) => {
                    m.post_silence(&self.client, &PostableSilence::from(spec))
                        .await
                }
                AmRequest::Expire(id) => {
                    m.expire_silence(&self.client, id).await.map(|_| id.clone())
                }
            };
            match r {
                Ok(id) => return Ok(id),
                // A 4xx/5xx answer is the cluster's verdict; only an
                // unreachable member is worth trying the next one for.
                Err(e) if e.starts_with("HTTP ") => return Err(format!("{}: {e}", m.name)),
                Err(e) => errors.push(format!("{}: {e}", m.name)),
            }
        }
        Err(errors.join("; "))
    }
}

/// Start polling one cluster (all members share `cfgs[0]`'s interval).
pub fn spawn(
    cfgs: &[AlertmanagerConfig],
    tx: mpsc::Sender<Msg>,
) -> Result<(AmHandle, JoinHandle<()>), String> {
    let first = cfgs
        .first()
        .ok_or("an Alertmanager cluster with no members")?;
    let source = first.source().to_string();
    let interval = cfgs
        .iter()
        .map(|c| c.poll_interval.0)
        .min()
        .unwrap_or(Duration::from_secs(2))
        .max(Duration::from_millis(100));
    let members: Vec<Member> = cfgs
        .iter()
        .map(|c| {
            Ok(Member {
                name: c.name.clone(),
                endpoint: c.endpoint().map_err(|e| format!("{}: {e}", c.name))?,
                max_response_bytes: c.max_response_bytes,
            })
        })
        .collect::<Result<_, String>>()?;
    let handle = AmHandle {
        source: source.clone(),
        members: Arc::new(members),
        client: client()?,
        poll_now: Arc::new(Notify::new()),
    };
    let h = handle.clone();
    let task = tokio::spawn(async move {
        run(h, interval, tx).await;
    });
    Ok((handle, task))
}

async fn run(h: AmHandle, interval: Duration, tx: mpsc::Sender<Msg>) {
    let mut trackers: Vec<HealthTracker> = h
        .members
        .iter()
        .map(|m| HealthTracker::new(&m.name))
        .collect();
    let mut backoff = Backoff::new(Duration::from_millis(500), BACKOFF_CAP);
    let mut last_status: Vec<Option<Status>> = vec![None; h.members.len()];
    // Members seen to restart (their start time changed) while we watched.
    let mut restarted: Vec<bool> = vec![false; h.members.len()];
    let mut cycle: u32 = 0;
    let mut was_stale = false;
    let mut previous: HashMap<Text, ObservedAlarm> = HashMap::new();
    loop {
        cycle = cycle.wrapping_add(1);
        // The status every time: its `uptime` is how a restart (which empties
        // the Alertmanager's alert list) is told from alerts resolving.
        let polls =
            futures::future::join_all(h.members.iter().map(|m| poll_member(m, &h.client, true)))
                .await;
        let now = Utc::now();
        let mut ok = Vec::new();
        let mut uptimes = Vec::new();
        let mut health: Vec<SourceStatus> = Vec::new();
        let mut errors: Vec<(&str, String)> = Vec::new();
        for (i, r) in polls.iter().enumerate() {
            match r {
                Ok(p) => {
                    if let Some(s) = &p.status {
                        let before = last_status[i].as_ref().and_then(|s| s.uptime);
                        if before.is_some() && before != s.uptime {
                            restarted[i] = true;
                        }
                        last_status[i] = Some(s.clone());
                    }
                    // Only a restart seen while watching earns the grace: a
                    // freshly started Alertmanager at our own start has
                    // nothing we could have lost.
                    uptimes.push(if restarted[i] {
                        last_status[i].as_ref().and_then(|s| s.uptime)
                    } else {
                        None
                    });
                    health.push(trackers[i].ok(now, p.latency, detail(p, last_status[i].as_ref())));
                    ok.push(p);
                }
                Err(e) => {
                    tracing::warn!("alertmanager {}: {e}", h.members[i].name);
                    if e.contains(TOO_LARGE) {
                        errors.push(("too-large", format!("{}: {e}", h.members[i].name)));
                    }
                    health.push(trackers[i].failed(e));
                }
            }
        }
        let stale = ok.is_empty();
        let mut msgs = Vec::new();
        if !stale {
            let (mut firing, mut am, refused) = merge_checked(&h.source, &ok, now);
            if let Some(first) = refused.first() {
                errors.push((
                    "alert-too-large",
                    format!("{} alerts left out: {first}", refused.len()),
                ));
            }
            let present: std::collections::HashSet<String> = ok
                .iter()
                .flat_map(|p| p.alerts.iter().map(|a| a.fingerprint.clone()))
                .collect();
            carry_over_restart(&mut firing, &previous, &present, &uptimes, now);
            previous = firing
                .iter()
                .map(|o| (o.fingerprint.clone(), o.clone()))
                .collect();
            let st = last_status.iter().flatten().next();
            am.cluster = ClusterInfo {
                status: st
                    .map(|s| s.cluster.status.clone())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "unknown".into()),
                peers: st
                    .and_then(|s| s.cluster.peers.as_ref().map(Vec::len))
                    .unwrap_or(0),
                members_up: ok.len(),
                members: h.members.len(),
            };
            msgs.push(Msg::Snapshot {
                source: h.source.clone(),
                firing,
            });
            msgs.push(Msg::Source(SourceMsg::AmState(am)));
        }
        if stale != was_stale || cycle == 1 {
            msgs.push(Msg::Source(SourceMsg::Stale {
                source: h.source.clone(),
                stale,
            }));
            was_stale = stale;
        }
        msgs.extend(health.into_iter().map(Msg::SourceHealth));
        msgs.extend(errors.into_iter().map(|(class, reason)| {
            Msg::Source(SourceMsg::SourceError {
                source: h.source.clone(),
                class: class.into(),
                reason: crate::domain::alarm::short(&reason, 500).into_owned(),
            })
        }));
        for m in msgs {
            if tx.send(m).await.is_err() {
                return;
            }
        }
        let wait = if stale {
            backoff.failed()
        } else {
            backoff.succeeded();
            interval
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = h.poll_now.notified() => {}
        }
    }
}

fn detail(p: &MemberPoll, status: Option<&Status>) -> String {
    let mut d = format!("{} alerts, {} silences", p.alerts.len(), p.silences.len());
    if let Some(s) = status {
        if let Some(v) = &s.version_info {
            d = format!("v{} · {d}", v.version);
        }
        if !s.cluster.status.is_empty() {
            d.push_str(&format!(" · cluster {}", s.cluster.status));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(body: &str) -> MemberPoll {
        MemberPoll {
            alerts: serde_json::from_str(body).unwrap(),
            silences: Vec::new(),
            status: None,
            latency: Duration::ZERO,
        }
    }

    #[test]
    fn a_freshly_restarted_alertmanager_does_not_resolve_what_it_forgot() {
        let now: DateTime<Utc> = "2026-01-01T00:30:00Z".parse().unwrap();
        let (prev, _) = merge(
            "p",
            &[&poll(
                r#"[{"labels":{"alertname":"A"},"fingerprint":"1","startsAt":"2026-01-01T00:00:00Z"},
                    {"labels":{"alertname":"B"},"fingerprint":"2","startsAt":"2026-01-01T00:00:00Z"}]"#,
            )],
            now,
        );
        let previous: HashMap<Text, ObservedAlarm> = prev
            .into_iter()
            .map(|o| (o.fingerprint.clone(), o))
            .collect();
        // After the restart it lists B as resolved and does not know A.
        let after = poll(
            r#"[{"labels":{"alertname":"B"},"fingerprint":"2","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:29:00Z"}]"#,
        );
        let present = ["2".to_string()].into_iter().collect();
        let fresh = Some(now - chrono::Duration::seconds(20));
        let (mut firing, _) = merge("p", &[&after], now);
        carry_over_restart(&mut firing, &previous, &present, &[fresh], now);
        let fps: Vec<&str> = firing.iter().map(|o| o.fingerprint.as_str()).collect();
        assert_eq!(fps, ["1"], "A kept, B resolved");
        // An Alertmanager up for long: what it does not list is gone.
        let old = Some(now - chrono::Duration::minutes(10));
        let (mut firing, _) = merge("p", &[&after], now);
        carry_over_restart(&mut firing, &previous, &present, &[old], now);
        assert!(firing.is_empty());
        // Status unknown: no guessing.
        let (mut firing, _) = merge("p", &[&after], now);
        carry_over_restart(&mut firing, &previous, &present, &[None], now);
        assert!(firing.is_empty());
    }

    #[test]
    fn peers_are_merged_by_fingerprint_and_resolved_ones_dropped() {
        let a = poll(
            r#"[{"labels":{"alertname":"A"},"fingerprint":"1","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","status":{"state":"suppressed","silencedBy":["s1"]}},
                {"labels":{"alertname":"Gone"},"fingerprint":"2","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:10:00Z"}]"#,
        );
        let b = poll(
            r#"[{"labels":{"alertname":"A"},"fingerprint":"1","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","status":{"state":"suppressed","silencedBy":["s2"]}},
                {"labels":{"alertname":"B"},"fingerprint":"3","startsAt":"2026-01-01T00:00:00Z"}]"#,
        );
        let now: DateTime<Utc> = "2026-01-01T00:30:00Z".parse().unwrap();
        let (firing, st) = merge("prod", &[&a, &b], now);
        let fps: Vec<&str> = firing.iter().map(|o| o.fingerprint.as_str()).collect();
        assert_eq!(fps, ["1", "3"]);
        assert!(firing.iter().all(|o| o.source == "prod"));
        assert_eq!(st.silenced_by["1"], ["s1", "s2"]);
    }
}
