//! Projection checkpoints: a start replays only the rows after the latest
//! checkpoint still tied to the chain, and gets exactly what a full replay
//! gets; it checks the chain of those rows on the way. A checkpoint whose
//! row was changed, or that does not read, is ignored. A console on a large
//! journal draws at once, says it is catching up, and leaves a checkpoint
//! when it quits.

mod support;

use chrono::{Duration, TimeZone, Utc};
use cocpit::domain::event::{AlarmAcked, payload};
use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Severity};
use cocpit::journal::Journal;
use serde_json::json;
use std::path::Path;

fn observed(i: usize) -> ObservedAlarm {
    let mut labels = std::collections::BTreeMap::new();
    labels.insert("alertname".to_string(), format!("Alarm{}", i % 50));
    labels.insert("service".to_string(), format!("svc-{}", i % 7));
    let labels: cocpit::domain::alarm::Labels = labels.into();
    ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "bulk".into(),
        name: format!("Alarm{}", i % 50).into(),
        severity: Severity::ALL[i % 5],
        labels,
        annotations: Default::default(),
        starts_at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        generator_url: None,
    }
}

/// `n` rows of raises, acks, resolves and presence, in batches.
fn fill(j: &Journal, from: usize, n: usize) {
    let t0 = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let mut batch = Vec::new();
    for i in from..from + n {
        let o = observed(i);
        let at = t0 + Duration::seconds(i as i64);
        let ev = match i % 4 {
            0 | 1 => NewEvent::new(
                at,
                "source:bulk",
                EventKind::AlarmRaised,
                &o.fingerprint,
                payload(&o),
            ),
            2 => NewEvent::new(
                at,
                "alice",
                EventKind::AlarmAcked,
                &o.fingerprint,
                payload(&AlarmAcked::default()),
            ),
            _ => NewEvent::new(
                at,
                "source:bulk",
                EventKind::AlarmResolved,
                &o.fingerprint,
                json!({}),
            ),
        };
        batch.push(ev);
        if i % 97 == 0 {
            batch.push(NewEvent::new(
                at,
                "bob",
                EventKind::OperatorJoined,
                "bob",
                json!({"mode": "LIVE", "pid": 7, "version": "0"}),
            ));
        }
        if batch.len() >= 1000 {
            j.append(&batch).unwrap();
            batch.clear();
        }
    }
    j.append(&batch).unwrap();
}

fn as_json(p: &cocpit::domain::projection::Projection) -> serde_json::Value {
    let mut v = serde_json::to_value(p).unwrap();
    // The generation counts changes applied, not what the board holds.
    v["board"]["generation"] = json!(0);
    v["ledger"]["generation"] = json!(0);
    v
}

fn sql(path: &Path, statements: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(statements).unwrap();
}

#[test]
fn a_replay_from_a_checkpoint_equals_a_full_replay_and_checks_the_rows_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = Journal::open(&path).unwrap();
    fill(&j, 0, 3000);
    let first = j.replay(0, |_| {}).unwrap();
    assert_eq!(first.from_checkpoint, None);
    assert!(first.broken.is_none());
    j.write_checkpoint(&first.projection, &first.last_hash)
        .unwrap();
    let at = first.projection.last_event_id;
    fill(&j, 3000, 1500);

    let from_cp = j.replay(0, |_| {}).unwrap();
    assert_eq!(from_cp.from_checkpoint, Some(at));
    assert_eq!(from_cp.replayed as i64, j.last_id().unwrap() - at);
    assert!(from_cp.broken.is_none());
    // The same projection as replaying everything.
    sql(&path, "DELETE FROM checkpoints");
    let full = j.replay(0, |_| {}).unwrap();
    assert_eq!(full.from_checkpoint, None);
    assert_eq!(as_json(&from_cp.projection), as_json(&full.projection));
    assert!(!full.projection.online.is_empty(), "presence is part of it");
}

#[test]
fn a_row_changed_after_the_checkpoint_is_found_and_one_before_it_voids_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = Journal::open(&path).unwrap();
    fill(&j, 0, 2000);
    let r = j.replay(0, |_| {}).unwrap();
    j.write_checkpoint(&r.projection, &r.last_hash).unwrap();
    let at = r.projection.last_event_id;
    fill(&j, 2000, 500);
    drop(j);

    // An edit after the checkpoint, as someone with the file would make it.
    let after = at + 100;
    sql(
        &path,
        &format!(
            "DROP TRIGGER events_no_update; \
             UPDATE events SET payload = '{{\"text\":\"edited\"}}' WHERE id = {after};"
        ),
    );
    let j = Journal::open(&path).unwrap();
    let r = j.replay(0, |_| {}).unwrap();
    assert_eq!(r.from_checkpoint, Some(at));
    assert_eq!(r.broken.as_ref().map(|b| b.id), Some(after));

    // Rewriting the checkpoint's own row (its hash too) ties the checkpoint
    // to a chain that is no longer there: it is ignored.
    sql(
        &path,
        &format!("UPDATE events SET hash = 'f00d' WHERE id = {at};"),
    );
    let r = j.replay(0, |_| {}).unwrap();
    assert_eq!(r.from_checkpoint, None, "checkpoint ignored");
    assert_eq!(r.broken.as_ref().map(|b| b.id), Some(at));
}

#[test]
fn an_unreadable_checkpoint_means_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = Journal::open(&path).unwrap();
    fill(&j, 0, 500);
    let r = j.replay(0, |_| {}).unwrap();
    j.write_checkpoint(&r.projection, &r.last_hash).unwrap();
    sql(&path, "UPDATE checkpoints SET data = '{oops'");
    let again = j.replay(0, |_| {}).unwrap();
    assert_eq!(again.from_checkpoint, None);
    assert_eq!(as_json(&again.projection), as_json(&r.projection));
}

#[test]
fn a_console_on_a_large_journal_draws_at_once_catches_up_and_leaves_a_checkpoint() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("journal.db");
    let j = Journal::open(&path).unwrap();
    fill(&j, 0, 60_000);
    assert!(j.latest_checkpoint().unwrap().is_none());
    drop(j);
    let mut c = support::pty::Console::start(
        home.path(),
        &["--journal", path.to_str().unwrap(), "--operator", "alice"],
        120,
        40,
    );
    // The frame is there before the board is.
    c.wait_for("the frame", std::time::Duration::from_secs(10), |s| {
        s.contains("Alarms")
    });
    c.wait_for(
        "caught up: the board",
        std::time::Duration::from_secs(60),
        |s| s.contains("FIRING"),
    );
    c.send("q");
    assert!(c.wait_exit(std::time::Duration::from_secs(30)));
    let j = Journal::open_readonly(&path).unwrap();
    let (cp, _) = j
        .latest_checkpoint()
        .unwrap()
        .expect("a checkpoint on exit");
    assert!(cp.event_id >= 60_000, "{cp:?}");
}
