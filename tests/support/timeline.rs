//! A journal for the timeline tests: a chaos drill on payments (phases,
//! one fault, the alarm it raised, an ack, a note, a plan run with an
//! approval inside a change) and what else went on: an alarm still firing
//! from before the window, one over before it, a fault outside the drill.
//! Included with `#[path]` by the timeline tests (not through `mod.rs`).

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::domain::{Event, EventKind, NewEvent};
use serde_json::{Value, json};

/// 09:00:00 UTC: the drill starts.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
}

pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

fn alarm(name: &str, fp: &str, severity: &str, service: &str, secs: i64) -> Value {
    json!({
        "fingerprint": fp, "source": "alertmanager:prod", "name": name,
        "severity": severity,
        "labels": {"alertname": name, "service": service},
        "annotations": {"summary": format!("{name} on {service}")},
        "starts_at": at(secs).to_rfc3339(),
    })
}

fn fault_spec(provider: &str, target: &str, action: &str) -> Value {
    json!({
        "spec": {"provider": provider, "target": target, "action": action,
                 "params": {}, "duration_secs": 600},
        "owner": {"kind": "console", "actor": "alice@jump1", "host": "jump1",
                  "pid": 4100, "start": 1, "instance": "c1"},
        "deadline": at(1200).to_rfc3339(),
    })
}

/// The rows, in time order (ids follow).
pub fn new_events() -> Vec<NewEvent> {
    let mut v: Vec<(i64, &str, EventKind, &str, Value)> = vec![
        (
            -3600,
            "alice@jump1",
            EventKind::OperatorJoined,
            "alice@jump1",
            json!({"mode": "live", "pid": 1, "version": "t"}),
        ),
        (
            -3600,
            "source:am",
            EventKind::AlarmRaised,
            "bbbbbbbbbbbbbbbb",
            alarm(
                "CertExpiringSoon",
                "bbbbbbbbbbbbbbbb",
                "warning",
                "edge-gw",
                -3600,
            ),
        ),
        (
            -3000,
            "source:am",
            EventKind::AlarmRaised,
            "cccccccccccccccc",
            alarm("OldNoise", "cccccccccccccccc", "minor", "batch", -3000),
        ),
        (
            -2400,
            "source:am",
            EventKind::AlarmResolved,
            "cccccccccccccccc",
            json!({}),
        ),
        (
            0,
            "alice@jump1",
            EventKind::DrillStarted,
            "d-1",
            json!({"drill": "d-1", "scenario": "payments-latency", "title": "Payments latency drill", "commander": "alice@jump1", "expect": [], "groups": 1}),
        ),
        (
            30,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "preflight"}),
        ),
        (
            60,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "steady_before"}),
        ),
        (
            115,
            "alice@jump1",
            EventKind::DrillGate,
            "d-1",
            json!({"drill": "d-1", "phase": "inject", "state": "advanced", "by": "alice@jump1"}),
        ),
        (
            120,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "inject", "group": 0}),
        ),
        (
            125,
            "alice@jump1",
            EventKind::FaultIntended,
            "f1a2b3c4",
            fault_spec("sim", "sim:payments", "latency"),
        ),
        (
            130,
            "alice@jump1",
            EventKind::FaultActive,
            "f1a2b3c4",
            json!({"record": {"provider": "sim", "summary": "payments +1200ms", "data": null}}),
        ),
        (
            131,
            "alice@jump1",
            EventKind::DrillMeasured,
            "d-1",
            json!({"drill": "d-1", "what": "fault", "name": "f1a2b3c4", "ok": true}),
        ),
        (
            140,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "observe"}),
        ),
        (
            180,
            "source:am",
            EventKind::AlarmRaised,
            "aaaaaaaaaaaaaaaa",
            alarm(
                "PaymentsHighLatency",
                "aaaaaaaaaaaaaaaa",
                "major",
                "payments",
                180,
            ),
        ),
        (
            210,
            "alice@jump1",
            EventKind::DrillMeasured,
            "d-1",
            json!({"drill": "d-1", "what": "detected", "name": "latency alarm", "secs": 80, "ok": true}),
        ),
        (
            240,
            "bob@jump2",
            EventKind::FaultIntended,
            "e9e9e9e9",
            fault_spec("process", "pid:777", "pause"),
        ),
        (
            241,
            "bob@jump2",
            EventKind::FaultActive,
            "e9e9e9e9",
            json!({"record": {"provider": "process", "summary": "paused", "data": null}}),
        ),
        (
            240,
            "source:am",
            EventKind::AlarmUpdated,
            "aaaaaaaaaaaaaaaa",
            alarm(
                "PaymentsHighLatency",
                "aaaaaaaaaaaaaaaa",
                "critical",
                "payments",
                180,
            ),
        ),
        (
            270,
            "alice@jump1",
            EventKind::AlarmAcked,
            "aaaaaaaaaaaaaaaa",
            json!({"comment": "drill"}),
        ),
        (
            300,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "respond"}),
        ),
        (
            310,
            "alice@jump1",
            EventKind::PlanRunStarted,
            "run-1",
            json!({"run": "run-1", "plan": {"id": "rollback-payments", "title": "Roll back payments"}, "operator": "alice@jump1", "params": {}, "attended": true, "rollback_only": false}),
        ),
        (
            310,
            "alice@jump1",
            EventKind::ChangeOpened,
            "chg-1",
            json!({"change": "chg-1", "run": "run-1", "plan": "rollback-payments", "title": "Payments rollback", "operator": "alice@jump1", "until": at(1800).to_rfc3339(), "silences": []}),
        ),
        (
            311,
            "alice@jump1",
            EventKind::PlanStepStarted,
            "run-1",
            json!({"run": "run-1", "at": {"section": "steps", "index": 0}, "name": "drain", "attempt": 1, "what": "kubectl drain"}),
        ),
        (
            360,
            "alice@jump1",
            EventKind::PlanStepFinished,
            "run-1",
            json!({"run": "run-1", "at": {"section": "steps", "index": 0}, "name": "drain", "outcome": "ok", "output": ""}),
        ),
        (
            361,
            "alice@jump1",
            EventKind::PlanStepStarted,
            "run-1",
            json!({"run": "run-1", "at": {"section": "steps", "index": 1}, "name": "rollback", "attempt": 1, "what": "helm rollback"}),
        ),
        (
            362,
            "bob@jump2",
            EventKind::FaultRecovered,
            "e9e9e9e9",
            json!({"trigger": "operator", "detail": "resumed"}),
        ),
        (
            390,
            "alice@jump1",
            EventKind::PlanStepWaiting,
            "run-1",
            json!({"run": "run-1", "at": {"section": "steps", "index": 1}, "name": "rollback", "waiting": {"state": "waiting_approval"}, "text": "approve"}),
        ),
        (
            420,
            "bob@jump2",
            EventKind::PlanDecided,
            "run-1",
            json!({"run": "run-1", "at": {"section": "steps", "index": 1}, "name": "rollback", "decision": "approved", "by": "bob@jump2"}),
        ),
        (
            450,
            "alice@jump1",
            EventKind::PlanStepFinished,
            "run-1",
            json!({"run": "run-1", "at": {"section": "steps", "index": 1}, "name": "rollback", "outcome": "ok", "output": ""}),
        ),
        (
            451,
            "alice@jump1",
            EventKind::PlanRunFinished,
            "run-1",
            json!({"run": "run-1", "outcome": {"state": "succeeded"}}),
        ),
        (
            451,
            "alice@jump1",
            EventKind::ChangeClosed,
            "chg-1",
            json!({"change": "chg-1", "outcome": "succeeded"}),
        ),
        (
            480,
            "bob@jump2",
            EventKind::AlarmNoteAdded,
            "aaaaaaaaaaaaaaaa",
            json!({"text": "rolled back, p99 \u{1b}[31mfalling\u{1b}[0m"}),
        ),
        (
            510,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "recover"}),
        ),
        (
            520,
            "alice@jump1",
            EventKind::FaultRecovering,
            "f1a2b3c4",
            json!({"trigger": "drill_end", "by": {}, "attempt": 1}),
        ),
        (
            525,
            "alice@jump1",
            EventKind::FaultRecovered,
            "f1a2b3c4",
            json!({"trigger": "drill_end", "detail": "latency removed"}),
        ),
        (
            540,
            "source:am",
            EventKind::AlarmResolved,
            "aaaaaaaaaaaaaaaa",
            json!({}),
        ),
        (
            570,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "steady_after"}),
        ),
        (
            600,
            "alice@jump1",
            EventKind::DrillPhase,
            "d-1",
            json!({"drill": "d-1", "phase": "review"}),
        ),
        (
            660,
            "alice@jump1",
            EventKind::DrillFinished,
            "d-1",
            json!({"drill": "d-1", "verdict": "passed", "mttd": 80, "mtta": 140}),
        ),
        (
            1500,
            "source:am",
            EventKind::AlarmRaised,
            "dddddddddddddddd",
            alarm("LaterAlarm", "dddddddddddddddd", "info", "late", 1500),
        ),
    ];
    // Ids follow time, as a journal written by one console has them.
    v.sort_by_key(|e| e.0);
    v.into_iter()
        .map(|(secs, actor, kind, subject, payload)| {
            NewEvent::new(at(secs), actor, kind, subject, payload)
        })
        .collect()
}

/// The same rows as committed events, ids from 1.
pub fn events() -> Vec<Event> {
    new_events()
        .into_iter()
        .enumerate()
        .map(|(i, e)| Event {
            id: i as i64 + 1,
            ts: e.ts,
            actor: e.actor,
            kind: e.kind,
            subject: e.subject,
            payload: e.payload,
            prev_hash: String::new(),
            hash: String::new(),
        })
        .collect()
}
