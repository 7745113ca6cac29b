//! The spool directory: JSON alarm files dropped into a directory (by a
//! script, a cron job, another tool) are ingested, then moved to `done/`,
//! or to `failed/` with a `NAME.reason` file saying why. Watched with
//! `notify`, plus a periodic rescan (network filesystems miss events).
//!
//! Two shapes are accepted, one alarm or an array of them per file:
//! - the Alertmanager alert (`labels`, `annotations`, `startsAt`, `endsAt`,
//!   `generatorURL`), resolved by an `endsAt` in the past;
//! - the Huawei Cloud COC custom alarm (`alarmId`, `alarmName`,
//!   `alarmLevel: Critical|Major|Minor|Info`, `alarmStatus: alarm|ok`,
//!   `alarmSource`, `alarmDesc`, `URL`, `additional`), resolved by `ok`.
//!
//! Write files under another name and rename them to `*.json` when
//! complete; a file that does not parse yet and is younger than two seconds
//! is retried rather than failed.

use crate::app::{Msg, SourceStatus};
use crate::domain::alarm::Labels;
use crate::domain::{AlarmBoard, ObservedAlarm, Severity};
use crate::sources::alertmanager::api::observed_from_labels;
use crate::sources::config::SpoolConfig;
use chrono::{DateTime, Utc};
use notify::Watcher;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const SOURCE: &str = "spool";
const YOUNG: Duration = Duration::from_secs(2);

/// What one entry in a spool file says.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Firing {
        alarm: ObservedAlarm,
        ends_at: Option<DateTime<Utc>>,
    },
    Resolved {
        fingerprint: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CocAlarm {
    alarm_id: String,
    alarm_name: String,
    alarm_level: String,
    alarm_status: String,
    #[serde(default)]
    alarm_source: String,
    #[serde(default)]
    alarm_desc: String,
    #[serde(default, rename = "URL")]
    url: Option<String>,
    #[serde(default)]
    additional: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(default)]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
}

/// COC alarms are keyed by their id alone, so `ok` resolves the same alarm
/// whatever else changed.
pub fn coc_fingerprint(alarm_id: &str) -> String {
    let mut l = Labels::new();
    l.insert("coc_alarm_id".into(), alarm_id.to_string());
    crate::domain::fingerprint(&l)
}

fn coc(v: Value, now: DateTime<Utc>) -> Result<Entry, String> {
    let c: CocAlarm = serde_json::from_value(v).map_err(|e| format!("COC alarm: {e}"))?;
    if c.alarm_id.trim().is_empty() {
        return Err("COC alarm: empty alarmId".into());
    }
    let fingerprint = coc_fingerprint(&c.alarm_id);
    let severity = match c.alarm_level.as_str() {
        "Critical" => Severity::Critical,
        "Major" => Severity::Major,
        "Minor" => Severity::Minor,
        "Info" => Severity::Info,
        other => {
            return Err(format!(
                "COC alarm {}: alarmLevel {other:?} is not Critical, Major, Minor or Info",
                c.alarm_id
            ));
        }
    };
    match c.alarm_status.as_str() {
        "ok" => return Ok(Entry::Resolved { fingerprint }),
        "alarm" => {}
        other => {
            return Err(format!(
                "COC alarm {}: alarmStatus {other:?} is not alarm or ok",
                c.alarm_id
            ));
        }
    }
    let mut labels = Labels::new();
    labels.insert("alertname".into(), c.alarm_name.clone());
    labels.insert("severity".into(), severity.as_str().into());
    labels.insert("alarm_id".into(), c.alarm_id.clone());
    if !c.alarm_source.is_empty() {
        labels.insert("service".into(), c.alarm_source.clone());
    }
    let mut annotations = Labels::new();
    if !c.alarm_desc.is_empty() {
        annotations.insert("summary".into(), c.alarm_desc);
    }
    if let Some(Value::Object(extra)) = c.additional {
        for (k, v) in extra {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            annotations.insert(format!("additional.{k}"), v);
        }
    }
    let mut alarm = observed_from_labels(
        SOURCE,
        Some(fingerprint),
        labels,
        annotations,
        now,
        c.url.filter(|u| !u.is_empty()),
    );
    alarm.severity = severity;
    Ok(Entry::Firing {
        alarm,
        ends_at: None,
    })
}

fn am(v: Value, now: DateTime<Utc>) -> Result<Entry, String> {
    let a: AmAlert = serde_json::from_value(v).map_err(|e| format!("Alertmanager alert: {e}"))?;
    if !a.labels.contains_key("alertname") {
        return Err("Alertmanager alert: no alertname label".into());
    }
    let fingerprint = crate::domain::fingerprint(&a.labels);
    if a.ends_at.is_some_and(|e| e.timestamp() > 0 && e <= now) {
        return Ok(Entry::Resolved { fingerprint });
    }
    Ok(Entry::Firing {
        alarm: observed_from_labels(
            SOURCE,
            Some(fingerprint),
            a.labels,
            a.annotations,
            a.starts_at.unwrap_or(now),
            a.generator_url.filter(|u| !u.is_empty()),
        ),
        ends_at: a.ends_at.filter(|e| e.timestamp() > 0),
    })
}

/// Parse a spool file's contents.
pub fn parse(body: &[u8], now: DateTime<Utc>) -> Result<Vec<Entry>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = match v {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => return Err("expected an alarm object or an array of them".into()),
    };
    if items.is_empty() {
        return Err("no alarms in the file".into());
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let r = if item.get("alarmId").is_some() {
                coc(item, now)
            } else if item.get("labels").is_some() {
                am(item, now)
            } else {
                Err("neither a COC alarm (alarmId) nor an Alertmanager alert (labels)".into())
            };
            r.map_err(|e| format!("entry {i}: {e}"))
        })
        .collect()
}

/// The spool's firing set.
#[derive(Debug, Default)]
pub struct SpoolState {
    pub firing: BTreeMap<String, (ObservedAlarm, Option<DateTime<Utc>>)>,
    pub done: u64,
    pub failed: u64,
}

impl SpoolState {
    pub fn apply(&mut self, entries: Vec<Entry>) {
        for e in entries {
            match e {
                Entry::Firing { alarm, ends_at } => {
                    self.firing
                        .insert(alarm.fingerprint.clone(), (alarm, ends_at));
                }
                Entry::Resolved { fingerprint } => {
                    self.firing.remove(&fingerprint);
                }
            }
        }
    }

    /// Drop alarms whose `endsAt` passed. Returns whether any did.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let n = self.firing.len();
        self.firing
            .retain(|_, (_, end)| end.is_none_or(|e| e > now));
        n != self.firing.len()
    }

    pub fn snapshot(&self) -> Vec<ObservedAlarm> {
        self.firing.values().map(|(a, _)| a.clone()).collect()
    }
}

/// A free name in `dir` for `name` (a previous file of the same name stays).
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    if !p.exists() {
        return p;
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3f");
    dir.join(format!("{stamp}-{name}"))
}

/// Ingest every ready `*.json` file in `dir`. Returns whether the firing
/// set changed.
pub fn scan(dir: &Path, st: &mut SpoolState, now: DateTime<Utc>) -> std::io::Result<bool> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    let mut changed = false;
    for path in files {
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let body = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                tracing::warn!("spool {}: {e}", path.display());
                continue;
            }
        };
        match parse(&body, now) {
            Ok(entries) => {
                st.apply(entries);
                changed = true;
                st.done += 1;
                std::fs::rename(&path, free_name(&dir.join("done"), &name))?;
            }
            Err(reason) => {
                let young = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age < YOUNG);
                if young {
                    continue; // probably still being written
                }
                st.failed += 1;
                let dest = free_name(&dir.join("failed"), &name);
                std::fs::rename(&path, &dest)?;
                let mut reason_path = dest.into_os_string();
                reason_path.push(".reason");
                std::fs::write(reason_path, format!("{reason}\n"))?;
            }
        }
    }
    Ok(changed)
}

pub fn spawn(
    cfg: &SpoolConfig,
    board: &AlarmBoard,
    tx: mpsc::Sender<Msg>,
) -> std::io::Result<JoinHandle<()>> {
    let dir = cfg.dir.clone();
    std::fs::create_dir_all(dir.join("done"))?;
    std::fs::create_dir_all(dir.join("failed"))?;
    let mut st = SpoolState::default();
    // The files are gone once ingested: what is still firing is in the journal.
    for a in board
        .iter()
        .filter(|a| a.is_firing() && a.observed.source == SOURCE)
    {
        st.firing
            .insert(a.fingerprint().to_string(), (a.observed.clone(), None));
    }
    let (wake_tx, mut wake) = mpsc::channel::<()>(1);
    let mut watcher = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = wake_tx.try_send(());
    })
    .map_err(std::io::Error::other)?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(std::io::Error::other)?;
    let rescan = cfg.rescan.0.max(Duration::from_millis(200));
    Ok(tokio::spawn(async move {
        let _keep_watching = watcher;
        let mut first = true;
        loop {
            let now = Utc::now();
            let d = dir.clone();
            let (result, back) = tokio::task::spawn_blocking(move || {
                let r = scan(&d, &mut st, now);
                (r, st)
            })
            .await
            .unwrap_or_else(|e| {
                (
                    Err(std::io::Error::other(e.to_string())),
                    SpoolState::default(),
                )
            });
            st = back;
            let expired = st.expire(now);
            let status = match &result {
                Ok(_) => SourceStatus {
                    name: SOURCE.into(),
                    up: true,
                    last_ok: Some(now),
                    latency_ms: None,
                    detail: format!("{} ingested, {} failed", st.done, st.failed),
                },
                Err(e) => SourceStatus {
                    name: SOURCE.into(),
                    up: false,
                    last_ok: None,
                    latency_ms: None,
                    detail: format!("{}: {e}", dir.display()),
                },
            };
            if first || expired || matches!(result, Ok(true)) {
                let msg = Msg::Snapshot {
                    source: SOURCE.into(),
                    firing: st.snapshot(),
                };
                if tx.send(msg).await.is_err() {
                    return;
                }
            }
            first = false;
            if tx.send(Msg::SourceHealth(status)).await.is_err() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(rescan) => {}
                _ = wake.recv() => {
                    // Let a burst of events (create + write + rename) settle.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-25T16:00:00Z".parse().unwrap()
    }

    #[test]
    fn coc_alarm_and_its_ok() {
        let body = br#"{"alarmId":"A-1","alarmName":"DiskFull","alarmLevel":"Major","alarmStatus":"alarm",
            "alarmSource":"ecs","alarmDesc":"disk 97%","URL":"https://console.example/a1","additional":{"host":"h1","pct":97}}"#;
        let e = parse(body, now()).unwrap();
        let Entry::Firing { alarm, .. } = &e[0] else {
            panic!("{e:?}")
        };
        assert_eq!(alarm.name, "DiskFull");
        assert_eq!(alarm.severity, Severity::Major);
        assert_eq!(alarm.service(), "ecs");
        assert_eq!(alarm.annotations["summary"], "disk 97%");
        assert_eq!(alarm.annotations["additional.pct"], "97");
        assert_eq!(
            alarm.generator_url.as_deref(),
            Some("https://console.example/a1")
        );
        let ok =
            br#"{"alarmId":"A-1","alarmName":"DiskFull","alarmLevel":"Major","alarmStatus":"ok"}"#;
        assert_eq!(
            parse(ok, now()).unwrap(),
            vec![Entry::Resolved {
                fingerprint: alarm.fingerprint.clone()
            }]
        );
        let bad =
            br#"{"alarmId":"A-1","alarmName":"X","alarmLevel":"Severe","alarmStatus":"alarm"}"#;
        assert!(parse(bad, now()).unwrap_err().contains("Severe"));
    }

    #[test]
    fn alertmanager_shape_from_a_real_request() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/samples/alertmanager/post-alerts-synthetic-request.json");
        let body = std::fs::read(p).unwrap();
        let e = parse(&body, now()).unwrap();
        assert_eq!(e.len(), 2);
        assert!(
            matches!(&e[0], Entry::Firing { alarm, .. } if alarm.severity == Severity::Critical)
        );
        let resolved = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/samples/alertmanager/post-alerts-resolve-request.json"),
        )
        .unwrap();
        assert!(matches!(
            parse(&resolved, now()).unwrap()[0],
            Entry::Resolved { .. }
        ));
    }

    #[test]
    fn scan_moves_files_and_explains_failures() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("done")).unwrap();
        std::fs::create_dir_all(d.join("failed")).unwrap();
        std::fs::write(
            d.join("a.json"),
            br#"[{"labels":{"alertname":"X","severity":"critical"}}]"#,
        )
        .unwrap();
        std::fs::write(d.join("b.json"), b"{oops").unwrap();
        std::fs::write(d.join("ignored.tmp"), b"{oops").unwrap();
        // Old enough to be judged complete.
        let old = std::time::SystemTime::now() - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(d.join("b.json"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        let mut st = SpoolState::default();
        assert!(scan(d, &mut st, Utc::now()).unwrap());
        assert_eq!(st.snapshot().len(), 1);
        assert!(d.join("done/a.json").exists());
        assert!(d.join("failed/b.json").exists());
        let reason = std::fs::read_to_string(d.join("failed/b.json.reason")).unwrap();
        assert!(reason.contains("not JSON"), "{reason}");
        assert!(d.join("ignored.tmp").exists());
        assert_eq!((st.done, st.failed), (1, 1));
    }
}
