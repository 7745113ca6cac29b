//! The Risks view: the coverage matrix of the starter library over the
//! demo's plans and scenarios, with one drill passed, one failed (its
//! alarm missed), a plan run that failed and a tagged incident; the
//! detail of a mode; and the `F` picker over the Alarms view.

use super::fixtures::*;
use cocpit::domain::drill::payloads::{DrillEvent, Finished, Measure, Measured, Started, Verdict};
use cocpit::domain::risk::tags::Tagged;

fn catalogs(s: &mut State) {
    let providers = cocpit::app::faults::providers();
    let plans = cocpit::spec::plans::load_all(&[], true, &providers);
    s.plans.catalog.plans = plans.plans.into_values().map(|l| l.plan).collect();
    let drills = cocpit::spec::drills::load_all(&[], true, &providers);
    s.drills.catalog.scenarios = drills.scenarios.into_values().map(|l| l.scenario).collect();
    let modes = cocpit::spec::risk::load_all(&[], true, Default::default());
    assert!(modes.errors.is_empty());
    s.risks.catalog.modes = modes.modes.into_values().map(|l| l.mode).collect();
}

fn row(id: i64, ago: i64, e: cocpit::domain::NewEvent) -> Event {
    Event {
        id,
        ts: now() - Duration::seconds(ago),
        actor: e.actor,
        kind: e.kind,
        subject: e.subject,
        payload: e.payload,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// A finished drill of `scenario`, `ago` seconds ago.
fn drill(first: i64, ago: i64, scenario: &str, what: Measure, verdict: Verdict) -> Vec<Event> {
    let id = format!("d{first}");
    let started: Started = serde_json::from_value(serde_json::json!({
        "drill": id, "scenario": scenario, "title": scenario, "commander": "alice@jump1",
        "application": "shop", "expect": [], "groups": 1, "headless": false
    }))
    .unwrap();
    [
        DrillEvent::Started(started),
        DrillEvent::Measured(Measured {
            drill: id.clone(),
            what,
            name: "expected alarm".into(),
            secs: Some(6),
            ok: what == Measure::Detected,
            detail: String::new(),
        }),
        DrillEvent::Finished(Finished {
            drill: id.clone(),
            verdict,
            reason: String::new(),
            mttd: Some(6),
            mtta: None,
            mttr: Some(60),
        }),
    ]
    .iter()
    .enumerate()
    .map(|(k, d)| row(first + k as i64, ago, d.to_new_event(now(), "alice@jump1")))
    .collect()
}

/// The library with history: drills, a tag.
fn with_history(s: &mut State) {
    catalogs(s);
    let base = s.board.last_event_id + 1000;
    let mut rows = drill(
        base,
        3 * 86_400,
        "inventory-crash-loop",
        Measure::Detected,
        Verdict::Passed,
    );
    rows.extend(drill(
        base + 10,
        2 * 3600,
        "redis-blind-spot",
        Measure::Missed,
        Verdict::Failed,
    ));
    let t = Tagged {
        mode: "payments-slow-release".into(),
        alarm: "PaymentsLatencyHigh".into(),
        service: "payments".into(),
        by: "bob@jump2".into(),
    };
    rows.push(row(base + 20, 1800, t.to_new_event(now(), "fp-payments")));
    update(s, Msg::Events(rows), now());
    keys(s, "8");
}

#[test]
fn risks_matrix() {
    snap("risks", false, with_history);
}

#[test]
fn risks_detail() {
    snap("risks_detail", false, |s| {
        with_history(s);
        keys(s, "/id=payments-slow-release");
        key(s, KeyCode::Enter);
        key(s, KeyCode::Enter);
    });
}

#[test]
fn risks_filtered_readonly() {
    // Read-only: no `p` / `d` hints, the filter in the title.
    snap("risks_readonly", true, |s| {
        with_history(s);
        keys(s, "/category=middleware");
        key(s, KeyCode::Enter);
    });
}

#[test]
fn risks_tag_picker() {
    snap("risks_tag_picker", false, |s| {
        catalogs(s);
        keys(s, "Fredis");
    });
}

#[test]
fn risks_empty_library() {
    snap("risks_empty", false, |s| keys(s, "8"));
}
