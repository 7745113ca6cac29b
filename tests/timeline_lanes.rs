//! The timeline projection (`domain::timeline`), pure: lanes from a journal
//! fixture for a window, spans opened before it, spans over before it,
//! the limit to one drill, what is under the cursor, bounded memory, and
//! the board of a past moment.

#[path = "support/timeline.rs"]
mod fixture;

use chrono::Duration;
use cocpit::domain::timeline::{
    DrillSpan, LaneKind, Lanes, MAX_ITEMS, Only, Tone, Window, board_at,
};
use cocpit::domain::{AlarmBoard, Event};
use fixture::{at, events};

fn window(from: i64, to: i64) -> Window {
    Window {
        from: at(from),
        to: Some(at(to)),
    }
}

fn drill_lanes() -> Lanes {
    Lanes::build(window(-60, 900), &events()).sorted()
}

#[test]
fn every_lane_from_the_fixture() {
    let lanes = drill_lanes();

    let faults = &lanes.lane(LaneKind::Faults).spans;
    assert_eq!(faults.len(), 2, "{faults:#?}");
    // The bar is the time in place: from fault.active to fault.recovered.
    assert_eq!(faults[0].key, "f1a2b3c4");
    assert_eq!((faults[0].start, faults[0].end), (at(130), Some(at(525))));
    assert_eq!(faults[0].tone, Tone::Ok);
    assert_eq!(faults[0].label, "sim latency sim:payments (f1a2b3c4)");
    assert_eq!(faults[1].key, "e9e9e9e9");

    let alarms = &lanes.lane(LaneKind::Alarms).spans;
    let names: Vec<&str> = alarms.iter().map(|s| s.label.as_str()).collect();
    // Still firing from before the window: drawn from its start; over
    // before the window: not there; after the window: not there.
    assert_eq!(
        names,
        [
            "CertExpiringSoon · edge-gw",
            "PaymentsHighLatency · payments"
        ]
    );
    assert_eq!(alarms[0].end, None);
    assert_eq!(alarms[0].start, at(-3600));
    // The worst severity it reached colours the bar.
    assert_eq!(alarms[1].tone, Tone::Critical);
    assert_eq!((alarms[1].start, alarms[1].end), (at(180), Some(at(540))));

    let actions: Vec<(char, &str)> = lanes
        .lane(LaneKind::Actions)
        .markers
        .iter()
        .map(|m| (m.symbol, m.label.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ('A', "ack by alice · PaymentsHighLatency · payments"),
            ('D', "approved by bob@jump2 · rollback"),
            // Journal text is inert: the escape sequence shows, never runs.
            (
                'N',
                "note \"rolled back, p99 ␛[31mfalling␛[0m\" by bob · PaymentsHighLatency · payments"
            ),
        ]
    );

    let steps: Vec<(&str, Tone)> = lanes
        .lane(LaneKind::Plans)
        .spans
        .iter()
        .map(|s| (s.label.as_str(), s.tone))
        .collect();
    assert_eq!(steps, [("drain", Tone::Ok), ("rollback", Tone::Ok)]);
    let plan_marks: Vec<&str> = lanes
        .lane(LaneKind::Plans)
        .markers
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    assert_eq!(
        plan_marks,
        ["plan.run_started", "plan.step_waiting", "plan.run_finished"]
    );

    let changes = &lanes.lane(LaneKind::Changes).spans;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].label, "Payments rollback");
    assert_eq!((changes[0].start, changes[0].end), (at(310), Some(at(451))));

    let phases: Vec<(&str, i64)> = lanes
        .lane(LaneKind::Drills)
        .spans
        .iter()
        .map(|s| (s.label.as_str(), (s.end.unwrap() - s.start).num_seconds()))
        .collect();
    assert_eq!(
        phases,
        [
            ("preflight", 30),
            ("steady before", 60),
            ("inject (group 0)", 20),
            ("observe", 160),
            ("respond", 210),
            ("recover", 60),
            ("steady after", 30),
            ("review", 60),
        ]
    );
    let drill_marks: Vec<char> = lanes
        .lane(LaneKind::Drills)
        .markers
        .iter()
        .map(|m| m.symbol)
        .collect();
    assert_eq!(drill_marks, ['▶', '◆', '•', '•', '■']);
}

#[test]
fn a_window_inside_the_incident_keeps_only_what_overlaps() {
    // 09:06–09:07: the first step is over, the fault and the alarm still go.
    let lanes = Lanes::build(window(361, 420), &events()).sorted();
    let steps: Vec<&str> = lanes
        .lane(LaneKind::Plans)
        .spans
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(steps, ["rollback"]);
    assert_eq!(lanes.lane(LaneKind::Faults).spans.len(), 2);
    // The process fault was recovered at 362, after the window's start.
    assert_eq!(lanes.lane(LaneKind::Faults).spans[1].end, Some(at(362)));
    // Markers before the window are not kept.
    let marks: Vec<&str> = lanes
        .lane(LaneKind::Actions)
        .markers
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    assert_eq!(marks, ["plan.decided"]);
}

#[test]
fn a_drill_limits_the_lanes_to_its_phases_and_faults() {
    let evs = events();
    let mut d = DrillSpan::default();
    for ev in &evs {
        d.apply("d-1", ev);
    }
    assert_eq!((d.start, d.end), (Some(at(0)), Some(at(660))));
    assert!(d.faults.contains("f1a2b3c4") && d.faults.len() == 1);
    let only = Only {
        drill: Some("d-1".into()),
        faults: Some(d.faults),
    };
    let mut lanes = Lanes::new(window(-300, 960)).only(only);
    for ev in &evs {
        lanes.apply(ev);
    }
    let faults: Vec<&str> = lanes
        .lane(LaneKind::Faults)
        .spans
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(faults, ["f1a2b3c4"], "the other fault is not the drill's");
}

#[test]
fn the_cursor_picks_a_marker_or_the_bar_under_it() {
    let lanes = drill_lanes();
    let evs = events();
    let id_of = |kind: &str| evs.iter().find(|e| e.kind == kind).unwrap().id;
    let tol = Duration::seconds(5);
    let now = at(900);
    assert_eq!(
        lanes.pick(LaneKind::Actions, at(272), now, tol),
        Some(id_of("alarm.acked"))
    );
    assert_eq!(lanes.pick(LaneKind::Actions, at(300), now, tol), None);
    // On a bar: its opening row, or its closing row near its end.
    let raised = evs
        .iter()
        .find(|e| e.subject == "aaaaaaaaaaaaaaaa" && e.kind == "alarm.raised")
        .unwrap()
        .id;
    assert_eq!(
        lanes.pick(LaneKind::Alarms, at(200), now, tol),
        Some(raised)
    );
    let resolved = evs
        .iter()
        .find(|e| e.subject == "aaaaaaaaaaaaaaaa" && e.kind == "alarm.resolved")
        .unwrap()
        .id;
    assert_eq!(
        lanes.pick(LaneKind::Alarms, at(530), now, tol),
        Some(resolved)
    );
}

#[test]
fn memory_stays_bounded_over_a_huge_window() {
    let base = at(0);
    let mut lanes = Lanes::new(Window {
        from: base,
        to: None,
    });
    let mut id = 0;
    let mut ev = |secs: i64, kind: &str, subject: String, payload: serde_json::Value| {
        id += 1;
        Event {
            id,
            ts: base + Duration::seconds(secs),
            actor: "source:am".into(),
            kind: kind.into(),
            subject,
            payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    };
    let n = 3 * MAX_ITEMS as i64;
    for i in 0..n {
        let fp = format!("{i:016x}");
        let raised = ev(
            i,
            "alarm.raised",
            fp.clone(),
            serde_json::json!({"name": "Flap", "severity": "minor", "labels": {}}),
        );
        lanes.apply(&raised);
        let resolved = ev(i, "alarm.resolved", fp.clone(), serde_json::json!({}));
        lanes.apply(&resolved);
        let ack = ev(i, "alarm.acked", fp, serde_json::json!({}));
        lanes.apply(&ack);
    }
    let alarms = lanes.lane(LaneKind::Alarms);
    assert!(alarms.spans.len() <= MAX_ITEMS, "{}", alarms.spans.len());
    assert!(alarms.dropped > 0);
    assert!(lanes.lane(LaneKind::Actions).markers.len() <= MAX_ITEMS);
    // What is kept is the newest.
    assert_eq!(
        alarms.spans.last().map(|s| s.start),
        Some(base + Duration::seconds(n - 1))
    );
}

#[test]
fn the_board_of_a_past_moment_is_the_prefix_replayed() {
    let evs = events();
    let moment = at(275);
    let past = board_at(&evs, moment);
    let mut direct = AlarmBoard::new();
    for ev in evs.iter().filter(|e| e.ts <= moment) {
        direct.apply(ev);
    }
    assert_eq!(
        serde_json::to_value(&past).unwrap(),
        serde_json::to_value(&direct).unwrap()
    );
    let a = past.get("aaaaaaaaaaaaaaaa").unwrap();
    assert!(a.is_firing() && a.is_acked());
    assert!(past.get("dddddddddddddddd").is_none(), "raised later");
}
