//! The Alertmanager API v2 wire format (0.25): alerts, silences, status,
//! and the conversions into cocpit's plain types. Parsing is strict about
//! what cocpit needs (labels, fingerprint, times) and lenient about the
//! rest, so a newer Alertmanager adding fields does not break the console.

use crate::domain::alarm::{Labels, Text};
use crate::domain::silence::{Silence, SilenceSpec, SilenceState};
use crate::domain::{ObservedAlarm, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One alert of `GET /api/v2/alerts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GettableAlert {
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    pub fingerprint: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    #[serde(default)]
    pub status: AlertStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub silenced_by: Vec<String>,
    #[serde(default)]
    pub inhibited_by: Vec<String>,
}

impl GettableAlert {
    /// Still firing at `now`: Alertmanager keeps resolved alerts until they
    /// are garbage-collected, with `endsAt` in the past.
    pub fn is_firing(&self, now: DateTime<Utc>) -> bool {
        self.ends_at.is_none_or(|e| e > now || e.timestamp() <= 0)
    }

    pub fn to_observed(&self, source: &str) -> ObservedAlarm {
        observed_from_labels(
            source,
            Some(self.fingerprint.clone()),
            self.labels.clone(),
            self.annotations.clone(),
            self.starts_at,
            self.generator_url.clone().filter(|u| !u.is_empty()),
        )
    }
}

/// An alarm from Alertmanager-shaped labels: `alertname` names it,
/// `severity` rates it (unknown or missing: warning, so nothing is dropped).
pub fn observed_from_labels(
    source: &str,
    fingerprint: Option<String>,
    labels: Labels,
    annotations: Labels,
    starts_at: DateTime<Utc>,
    generator_url: Option<String>,
) -> ObservedAlarm {
    let name = labels
        .get("alertname")
        .map(|n| n.to_string())
        .unwrap_or_else(|| "(no alertname)".to_string());
    let severity = labels
        .get("severity")
        .map(|s| Severity::parse(s))
        .unwrap_or(Severity::Warning);
    ObservedAlarm {
        fingerprint: Text::new(&fingerprint.unwrap_or_else(|| crate::domain::fingerprint(&labels))),
        source: source.to_string(),
        name: name.into(),
        severity,
        labels,
        annotations,
        starts_at,
        generator_url: generator_url.map(Text::from),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

/// One silence of `GET /api/v2/silences`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GettableSilence {
    pub id: String,
    pub status: SilenceStatus,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub created_by: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub matchers: Vec<Matcher>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SilenceStatus {
    pub state: String,
}

impl GettableSilence {
    pub fn to_silence(&self) -> Silence {
        let state = match self.status.state.as_str() {
            "active" => SilenceState::Active,
            "pending" => SilenceState::Pending,
            _ => SilenceState::Expired,
        };
        Silence {
            id: self.id.clone(),
            state,
            created_by: self.created_by.clone(),
            comment: self.comment.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            matchers: self
                .matchers
                .iter()
                .filter(|m| !m.is_regex && m.is_equal)
                .map(|m| (m.name.clone(), m.value.clone()))
                .collect(),
        }
    }
}

/// The body of `POST /api/v2/silences`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

impl From<&SilenceSpec> for PostableSilence {
    fn from(s: &SilenceSpec) -> PostableSilence {
        PostableSilence {
            id: s.id.clone(),
            // Exact matchers on every label: the silence covers this alarm only.
            matchers: s
                .matchers
                .iter()
                .map(|(k, v)| Matcher {
                    name: k.to_string(),
                    value: v.to_string(),
                    is_regex: false,
                    is_equal: true,
                })
                .collect(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            created_by: s.created_by.clone(),
            comment: s.comment.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceCreated {
    #[serde(rename = "silenceID")]
    pub silence_id: String,
}

/// `GET /api/v2/status` (the parts cocpit shows).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default)]
    pub cluster: Cluster,
    #[serde(default)]
    pub version_info: Option<VersionInfo>,
    /// When this Alertmanager process started.
    #[serde(default)]
    pub uptime: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Cluster {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub peers: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VersionInfo {
    #[serde(default)]
    pub version: String,
}

/// Parse a JSON body, with a short reason instead of serde's long one when
/// the server answered something that is not JSON at all.
pub fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| {
        let head: String = String::from_utf8_lossy(&body[..body.len().min(60)])
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("{what}: not the expected JSON ({e}); body starts {head:?}")
    })
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

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn alerts_response_from_rule_alerts() {
        let alerts: Vec<GettableAlert> =
            parse("alerts", &sample("alerts-response-rule-alerts.json")).unwrap();
        assert_eq!(alerts.len(), 5);
        let crit = alerts
            .iter()
            .find(|a| a.fingerprint == "b54904336cb3c6a0")
            .unwrap();
        let o = crit.to_observed("prod");
        assert_eq!(o.name, "BaselineAlwaysFiringCritical");
        assert_eq!(o.severity, Severity::Critical);
        assert_eq!(o.source, "prod");
        assert_eq!(o.service(), "payments");
        assert_eq!(
            o.annotations["summary"],
            "Always-firing critical test alert"
        );
        assert_eq!(
            o.generator_url.as_deref(),
            Some("http://127.0.0.1:19090/graph?g0.expr=vector%281%29&g0.tab=1")
        );
        assert!(crit.is_firing(at("2026-11-25T15:55:00Z")));
        assert!(!crit.is_firing(at("2026-11-25T15:58:00Z")));
        let info = alerts
            .iter()
            .find(|a| a.labels["severity"] == "info")
            .unwrap();
        assert_eq!(info.to_observed("p").severity, Severity::Info);
    }

    #[test]
    fn silenced_alert_names_its_silence() {
        let a: GettableAlert = parse("alert", &sample("alert-silenced.json")).unwrap();
        assert_eq!(a.status.state, "suppressed");
        assert_eq!(
            a.status.silenced_by,
            ["74b3ba87-79e2-4403-9ed2-807a0b02dfdb"]
        );
        let plain: GettableAlert = parse("alert", &sample("alert.json")).unwrap();
        assert!(plain.status.silenced_by.is_empty());
    }

    #[test]
    fn silences_active_and_expired() {
        let list: Vec<GettableSilence> = parse("silences", &sample("silences-list.json")).unwrap();
        let s = list[0].to_silence();
        assert!(s.is_active());
        assert_eq!(s.created_by, "baseline-operator");
        assert_eq!(s.matchers["instance"], "payments-01");
        assert_eq!(s.matchers.len(), 2);
        let e: GettableSilence = parse("silence", &sample("silence-expired.json")).unwrap();
        assert_eq!(e.to_silence().state, SilenceState::Expired);
    }

    #[test]
    fn silence_post_matches_the_recorded_request() {
        let mut labels = Labels::new();
        labels.insert("alertname", "BaselineAlwaysFiringCritical");
        labels.insert("instance", "payments-01");
        let spec = SilenceSpec {
            id: None,
            matchers: labels,
            starts_at: at("2026-11-25T15:49:38.320Z"),
            ends_at: at("2026-11-25T16:49:38.320Z"),
            created_by: "baseline-operator".into(),
            comment: "ACK: investigating (baseline acknowledge test)".into(),
        };
        let ours = serde_json::to_value(PostableSilence::from(&spec)).unwrap();
        let recorded: serde_json::Value =
            serde_json::from_slice(&sample("silence-post-request.json")).unwrap();
        assert_eq!(ours, recorded);
        let resp: serde_json::Value =
            serde_json::from_slice(&sample("silence-post-response.json")).unwrap();
        let created: SilenceCreated = serde_json::from_value(resp["body"].clone()).unwrap();
        assert_eq!(created.silence_id, "74b3ba87-79e2-4403-9ed2-807a0b02dfdb");
    }

    #[test]
    fn status_of_a_single_instance() {
        let s: Status = parse("status", &sample("status.json")).unwrap();
        assert_eq!(s.cluster.status, "disabled");
        assert_eq!(s.cluster.peers.map(|p| p.len()), Some(0));
        assert_eq!(s.version_info.unwrap().version, "0.25.0");
        assert_eq!(s.uptime, Some(at("2026-11-25T15:48:36.518Z")));
    }

    #[test]
    fn garbage_is_an_error_with_a_reason() {
        let e = parse::<Vec<GettableAlert>>("alerts", b"<html>502 Bad Gateway</html>").unwrap_err();
        assert!(e.contains("alerts") && e.contains("<html>"), "{e}");
        let e = parse::<Vec<GettableAlert>>("alerts", br#"[{"labels":{}}]"#).unwrap_err();
        assert!(e.contains("fingerprint"), "{e}");
        // Extra fields from a newer Alertmanager are fine.
        let ok = parse::<Vec<GettableAlert>>(
            "alerts",
            br#"[{"labels":{"alertname":"X"},"fingerprint":"f","startsAt":"2026-01-01T00:00:00Z","new":1}]"#,
        )
        .unwrap();
        assert_eq!(ok[0].to_observed("s").severity, Severity::Warning);
    }
}
