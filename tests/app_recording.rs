//! While the journal cannot be written (a full disk), driven by messages:
//! the board keeps showing what the sources say, marked unrecorded; what
//! the journal missed is sent again on every snapshot; operator actions are
//! refused with the reason; once writes work, the gap is journaled, the
//! overlay gives way and the next snapshot is diffed against what the
//! journal really has.

mod support;

use chrono::{TimeZone, Utc};
use cocpit::app::recording::Notice;
use cocpit::app::{Effect, Msg};
use cocpit::domain::event::payload;
use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
use support::console::Console;

fn obs(name: &str) -> ObservedAlarm {
    let mut labels = std::collections::BTreeMap::new();
    labels.insert("alertname".to_string(), name.to_string());
    labels.insert("service".to_string(), "payments".to_string());
    let labels: cocpit::domain::alarm::Labels = labels.into();
    ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "demo".into(),
        name: name.into(),
        severity: Severity::Critical,
        labels,
        annotations: Default::default(),
        starts_at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        generator_url: None,
    }
}

fn appended_kinds(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::Append(evs) => evs.iter().map(|e| e.kind.clone()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_full_disk_keeps_the_board_honest_and_nothing_is_lost() {
    let now = Utc.timestamp_opt(1_700_000_100, 0).unwrap();
    let mut c = Console::demo("alice", false, now);
    c.send(Msg::IngestRole { leader: true });
    let (a, b) = (obs("PaymentsDown"), obs("PaymentsSlow"));
    c.journal(vec![NewEvent::new(
        now,
        "source:demo",
        EventKind::AlarmRaised,
        &a.fingerprint,
        payload(&a),
    )]);

    c.send(Msg::Recording(Notice::WriteFailing {
        reason: "disk full".into(),
        disk_full: true,
    }));
    let snapshot = || Msg::Snapshot {
        source: "demo".into(),
        firing: vec![obs("PaymentsDown"), obs("PaymentsSlow")],
    };
    // B is new: sent to the journal (where it fails) and shown unrecorded.
    let fx = c.send(snapshot());
    assert_eq!(appended_kinds(&fx), ["alarm.raised"]);
    let shown = c.state.board.get(&b.fingerprint).expect("B on the board");
    assert!(shown.unrecorded && shown.is_firing());
    assert!(!c.state.board.get(&a.fingerprint).unwrap().unrecorded);
    assert_eq!(c.state.counts.firing, 2);
    // The next snapshot sends it again: the last batch was lost.
    assert_eq!(appended_kinds(&c.send(snapshot())), ["alarm.raised"]);
    // Actions that would be journaled are refused with the reason.
    assert!(c.key('o').is_empty());
    let said = c.state.status.as_ref().unwrap().text.clone();
    assert!(said.contains("disk full"), "{said}");

    let fx = c.send(Msg::Recording(Notice::WriteOk));
    assert_eq!(appended_kinds(&fx), ["journal.gap"]);
    assert!(
        c.state.board.get(&b.fingerprint).is_none(),
        "the overlay gives way to the journal"
    );
    let fx = c.send(snapshot());
    let rest = c.perform(fx);
    assert!(rest.is_empty());
    let b_now = c.state.board.get(&b.fingerprint).expect("B journaled");
    assert!(!b_now.unrecorded && b_now.is_firing());
    assert_eq!(c.count(EventKind::AlarmRaised), 2);
}
