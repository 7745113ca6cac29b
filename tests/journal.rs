//! Integration tests of the journal as consoles use it: through files, several
//! connections and processes, tampering with plain SQLite, and a writer killed
//! mid-write.

use chrono::{TimeZone, Utc};
use cocpit::domain::event::{AlarmAcked, payload};
use cocpit::domain::{Event, EventKind, NewEvent, ObservedAlarm, Severity};
use cocpit::journal::chain::{GENESIS_HASH, RowText, row_hash};
use cocpit::journal::{BreakReason, Journal, JournalError, Tailer, Writer};
use rusqlite::Connection;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

fn observed(fp: &str) -> ObservedAlarm {
    ObservedAlarm {
        fingerprint: fp.into(),
        source: "demo".into(),
        name: "HighLatency".into(),
        severity: Severity::Major,
        labels: [("service".to_string(), "payments".to_string())].into(),
        annotations: [("summary".to_string(), "p99 above 2s".to_string())].into(),
        starts_at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        generator_url: None,
    }
}

fn raised(fp: &str, n: i64) -> NewEvent {
    NewEvent::new(
        Utc.timestamp_opt(1_700_000_000 + n, 123_456_789).unwrap(),
        "demo",
        EventKind::AlarmRaised,
        fp,
        payload(&observed(fp)),
    )
}

fn acked(fp: &str, by: &str) -> NewEvent {
    NewEvent::new(
        Utc.timestamp_opt(1_700_000_100, 0).unwrap(),
        by,
        EventKind::AlarmAcked,
        fp,
        payload(&AlarmAcked {
            comment: Some("on it".into()),
            ..AlarmAcked::default()
        }),
    )
}

fn note(i: i64) -> NewEvent {
    NewEvent::new(
        Utc.timestamp_opt(1_700_000_000 + i, 0).unwrap(),
        "bob@jump",
        EventKind::AlarmNoteAdded,
        format!("fp{}", i % 7),
        json!({ "text": format!("note {i}") }),
    )
}

fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

fn count(path: &Path) -> i64 {
    raw(path)
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

fn all(j: &Journal) -> Vec<Event> {
    let mut v = Vec::new();
    j.for_each(|e| v.push(e.clone())).unwrap();
    v
}

#[test]
fn appended_rows_survive_reopen_and_rebuild_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/journal.db");
    let ids = {
        let j = Journal::open(&path).unwrap();
        let ids = j
            .append(&[
                raised("fp1", 0),
                raised("fp2", 1),
                acked("fp1", "alice@jump"),
            ])
            .unwrap();
        drop(j);
        ids
    };
    assert_eq!(ids, vec![1, 2, 3]);

    let j = Journal::open(&path).unwrap();
    assert_eq!(j.last_id().unwrap(), 3);
    let rows = all(&j);
    assert_eq!(rows.iter().map(|e| e.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(rows[0].kind, "alarm.raised");
    assert_eq!(
        rows[0].ts,
        Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap()
    );
    assert_eq!(rows[2].actor, "alice@jump");
    assert_eq!(rows[2].payload, json!({"comment": "on it"}));
    assert_eq!(rows[0].prev_hash, GENESIS_HASH);
    assert_eq!(rows[1].prev_hash, rows[0].hash);
    assert_eq!(j.read_after(1, 1).unwrap(), vec![rows[1].clone()]);

    let board = j.rebuild_board().unwrap();
    assert_eq!(board.len(), 2);
    assert_eq!(board.last_event_id, 3);
    let a = board.get("fp1").unwrap();
    assert!(a.is_firing());
    let ack = a.ack.as_ref().unwrap();
    assert_eq!(ack.by, "alice@jump");
    assert_eq!(ack.event_id, 3);
    assert_eq!(ack.comment.as_deref(), Some("on it"));
    assert!(!board.get("fp2").unwrap().is_acked());
}

#[test]
fn journal_file_and_its_wal_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let j = Journal::open(&path).unwrap();
    j.append(&[note(1)]).unwrap();
    for p in [path.clone(), dir.path().join("journal.db-wal")] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", p.display());
    }
}

#[test]
fn updates_and_deletes_are_refused_by_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    Journal::open(&path).unwrap().append(&[note(1)]).unwrap();
    let c = raw(&path);
    let upd = c.execute("UPDATE events SET payload = '{}' WHERE id = 1", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = c.execute("DELETE FROM events WHERE id = 1", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    assert_eq!(count(&path), 1);
}

fn journal_with_notes(path: &Path, n: i64) -> Journal {
    let j = Journal::open(path).unwrap();
    j.append(&(1..=n).map(note).collect::<Vec<_>>()).unwrap();
    j
}

fn drop_triggers(c: &Connection) {
    c.execute_batch("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;")
        .unwrap();
}

#[test]
fn verify_passes_on_an_intact_journal() {
    let dir = tempfile::tempdir().unwrap();
    let j = journal_with_notes(&dir.path().join("j.db"), 10);
    let report = j.verify().unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_checked, 10);
    assert_eq!(report.last_id, 10);
    assert_eq!(report.broken_rows, 0);
}

#[test]
fn verify_pinpoints_an_altered_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = journal_with_notes(&path, 10);
    let c = raw(&path);
    drop_triggers(&c);
    c.execute(
        r#"UPDATE events SET payload = '{"text":"nothing to see"}' WHERE id = 6"#,
        [],
    )
    .unwrap();
    let report = j.verify().unwrap();
    let broken = report.first_broken.clone().unwrap();
    assert_eq!(broken.id, 6, "{report}");
    assert!(matches!(broken.reason, BreakReason::HashMismatch { .. }));
    assert_eq!(report.broken_rows, 1);
    assert_eq!(report.rows_checked, 10);
    assert!(report.to_string().contains("row 6"));
}

#[test]
fn verify_reports_a_removed_row_at_the_next_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = journal_with_notes(&path, 10);
    let c = raw(&path);
    drop_triggers(&c);
    c.execute("DELETE FROM events WHERE id = 4", []).unwrap();
    let report = j.verify().unwrap();
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.id, 5);
    assert_eq!(broken.reason, BreakReason::IdGap { expected: 4 });
    assert_eq!(report.rows_checked, 9);
}

#[test]
fn verify_catches_a_row_replaced_with_a_self_consistent_forgery() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = journal_with_notes(&path, 5);
    let c = raw(&path);
    drop_triggers(&c);
    // The forger recomputes row 3's own hash but cannot fix row 4's link to it.
    let row = RowText {
        id: 3,
        ts: "2023-11-14T22:13:23.000000000Z",
        actor: "mallory@jump",
        kind: "alarm.note_added",
        subject: "fp3",
        payload: r#"{"text":"forged"}"#,
    };
    let prev: String = c
        .query_row("SELECT hash FROM events WHERE id = 2", [], |r| r.get(0))
        .unwrap();
    let hash = row_hash(&prev, &row);
    c.execute(
        "UPDATE events SET actor = ?1, payload = ?2, ts = ?3, hash = ?4 WHERE id = 3",
        (row.actor, row.payload, row.ts, &hash),
    )
    .unwrap();
    let broken = j.verify().unwrap().first_broken.unwrap();
    assert_eq!(broken.id, 4);
    assert!(matches!(
        broken.reason,
        BreakReason::PrevHashMismatch { .. }
    ));
}

#[test]
fn a_journal_from_a_newer_cocpit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    raw(&path)
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let err = match Journal::open(&path) {
        Err(e) => e,
        Ok(_) => panic!("a future schema version must be refused"),
    };
    assert!(
        matches!(err, JournalError::TooNew { found: 99, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("99") && msg.contains("newer cocpit"), "{msg}");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(Writer::spawn(&path).is_err());
}

#[test]
fn malformed_payload_text_does_not_break_rebuild_or_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = Journal::open(&path).unwrap();
    j.append(&[raised("fp1", 0)]).unwrap();
    // A well-chained row whose payload is not JSON (a buggy or foreign writer).
    let c = raw(&path);
    let prev: String = c
        .query_row("SELECT hash FROM events WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    let row = RowText {
        id: 2,
        ts: "2023-11-14T22:13:21.000000000Z",
        actor: "alice@jump",
        kind: "alarm.acked",
        subject: "fp1",
        payload: "{not json",
    };
    c.execute(
        "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        (
            row.id,
            row.ts,
            row.actor,
            row.kind,
            row.subject,
            row.payload,
            &prev,
            row_hash(&prev, &row),
        ),
    )
    .unwrap();
    j.append(&[raised("fp2", 2)]).unwrap();

    let board = j.rebuild_board().unwrap();
    assert_eq!(board.len(), 2, "rows after the bad one are applied");
    // The ack still counts; its unreadable payload just carries no comment.
    assert!(board.get("fp1").unwrap().is_acked());
    assert_eq!(
        j.read_after(1, 1).unwrap()[0].payload,
        Value::String("{not json".into())
    );

    let mut out = Vec::new();
    assert_eq!(j.export_jsonl(&mut out).unwrap(), 3);
    let lines: Vec<Value> = out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines[1]["payload"], json!("{not json"));
    assert!(j.verify().unwrap().is_intact());
}

#[test]
fn export_is_one_object_per_row_and_the_chain_recomputes_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(&dir.path().join("j.db")).unwrap();
    j.append(&[raised("fp1", 0), acked("fp1", "alice@jump"), note(3)])
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(j.export_jsonl(&mut out).unwrap(), 3);
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with('\n'));
    let mut prev = GENESIS_HASH.to_string();
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = vec![
            "actor",
            "hash",
            "id",
            "kind",
            "payload",
            "prev_hash",
            "subject",
            "ts",
        ];
        expected.sort();
        assert_eq!(keys, expected);
        assert_eq!(v["id"], json!(i as i64 + 1));
        assert!(v["payload"].is_object(), "payload is JSON, not a string");
        assert_eq!(v["prev_hash"], json!(prev));
        let payload = serde_json::to_string(&v["payload"]).unwrap();
        let row = RowText {
            id: i as i64 + 1,
            ts: v["ts"].as_str().unwrap(),
            actor: v["actor"].as_str().unwrap(),
            kind: v["kind"].as_str().unwrap(),
            subject: v["subject"].as_str().unwrap(),
            payload: &payload,
        };
        let hash = row_hash(&prev, &row);
        assert_eq!(v["hash"], json!(hash));
        prev = hash;
    }
}

#[test]
fn two_writers_on_one_file_keep_one_valid_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let a = Writer::spawn(&path).unwrap();
    let b = Writer::spawn(&path).unwrap();
    let threads: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, writer)| {
            std::thread::spawn(move || {
                let mut confirmed = Vec::new();
                for round in 0..50i64 {
                    writer.append((0..20).map(|i| note(round * 100 + i)).collect());
                    let rx = writer.append_confirmed(vec![acked(&format!("fp{w}"), "x@y")]);
                    confirmed.extend(rx.blocking_recv().unwrap().unwrap());
                }
                writer.flush().unwrap();
                confirmed
            })
        })
        .collect();
    let mut confirmed: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    a.shutdown().unwrap();
    b.shutdown().unwrap();

    let total = 2 * 50 * 21;
    assert_eq!(count(&path), total);
    let j = Journal::open(&path).unwrap();
    let report = j.verify().unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_checked, total as u64);
    assert_eq!(report.last_id, total);
    // Each confirmation names its own row.
    confirmed.sort();
    confirmed.dedup();
    assert_eq!(confirmed.len(), 100);
    let rows = all(&j);
    for id in confirmed {
        assert_eq!(rows[id as usize - 1].kind, "alarm.acked");
    }
}

#[test]
fn a_tailer_sees_rows_written_by_another_console() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mine = Writer::spawn(&path).unwrap();
    mine.append_confirmed(vec![note(1)])
        .blocking_recv()
        .unwrap()
        .unwrap();
    let (tx, rx) = mpsc::channel::<Vec<Event>>();
    // Subscribed to *our* writer only: the other console's rows must arrive
    // through file events or polling.
    let _tail = Tailer::spawn(&path, 1, Some(mine.subscribe_commits()), move |batch| {
        tx.send(batch).is_ok()
    })
    .unwrap();

    let other = Writer::spawn(&path).unwrap();
    let written = Instant::now();
    let ids = other
        .append_confirmed(vec![acked("fp1", "carol@jump")])
        .blocking_recv()
        .unwrap()
        .unwrap();
    let deadline = written + Duration::from_secs(3);
    let mut seen = Vec::new();
    while !seen.contains(&ids[0]) {
        let left = deadline.saturating_duration_since(Instant::now());
        let batch = rx
            .recv_timeout(left)
            .expect("the other console's row did not arrive within 3 s");
        seen.extend(batch.iter().map(|e| e.id));
    }
    assert_eq!(seen, ids, "only rows after the start id, each once");

    // Our own writer's rows arrive too, right after commit.
    let own = mine
        .append_confirmed(vec![note(2)])
        .blocking_recv()
        .unwrap()
        .unwrap();
    let batch = rx.recv_timeout(Duration::from_secs(3)).unwrap();
    assert_eq!(batch.iter().map(|e| e.id).collect::<Vec<_>>(), own);
}

#[test]
fn a_confirmed_append_is_readable_from_a_fresh_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let w = Writer::spawn(&path).unwrap();
    // Ingest queued ahead of the operator action shares its batch.
    w.append((0..5000).map(note).collect());
    for _ in 0..5 {
        let ids = w
            .append_confirmed(vec![acked("fp1", "alice@jump")])
            .blocking_recv()
            .unwrap()
            .unwrap();
        let c = raw(&path);
        let (actor, kind): (String, String) = c
            .query_row(
                "SELECT actor, kind FROM events WHERE id = ?1",
                [ids[0]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (actor.as_str(), kind.as_str()),
            ("alice@jump", "alarm.acked")
        );
    }
}

const CHILD_ENV: &str = "COCPIT_JOURNAL_TEST_CHILD_DB";

/// Helper process for `killing_a_writer_mid_write_leaves_a_valid_journal`:
/// writes forever until killed. Ignored so it only runs when asked for.
#[test]
#[ignore = "helper process, run by killing_a_writer_mid_write_leaves_a_valid_journal"]
fn child_writes_until_killed() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let w = Writer::spawn(Path::new(&path)).unwrap();
    for round in 0i64.. {
        w.append((0..500).map(|i| raised(&format!("fp{i}"), round)).collect());
        let ids = w
            .append_confirmed(vec![acked("fp1", "child@jump")])
            .blocking_recv()
            .unwrap()
            .unwrap();
        println!("confirmed {}", ids[0]);
    }
}

#[test]
fn killing_a_writer_mid_write_leaves_a_valid_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let exe = std::env::current_exe().unwrap();
    let mut previous_last = 0;
    for round in 0..3 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_writes_until_killed",
                "--ignored",
                "--nocapture",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let confirmed = Arc::new(AtomicI64::new(0));
        let stdout = child.stdout.take().unwrap();
        let reader = {
            let confirmed = Arc::clone(&confirmed);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(id) = line.strip_prefix("confirmed ") {
                        confirmed.fetch_max(id.trim().parse().unwrap_or(0), Ordering::SeqCst);
                    }
                }
            })
        };
        // Kill at a different point each round, but only once it is writing.
        let want = previous_last + 2_000 + round * 3_000;
        let deadline = Instant::now() + Duration::from_secs(30);
        while confirmed.load(Ordering::SeqCst) < want {
            assert!(Instant::now() < deadline, "child wrote nothing in 30 s");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();

        let j = Journal::open(&path).unwrap();
        let report = j.verify().unwrap();
        assert!(report.is_intact(), "round {round}: {report}");
        let last = j.last_id().unwrap();
        assert_eq!(report.rows_checked as i64, last, "no gaps, no extra rows");
        assert_eq!(count(&path), last);
        let acked_before_kill = confirmed.load(Ordering::SeqCst);
        assert!(
            last >= acked_before_kill,
            "row {acked_before_kill} was confirmed but is gone (last id {last})"
        );
        let row = j.read_after(acked_before_kill - 1, 1).unwrap();
        assert_eq!(row[0].actor, "child@jump");
        assert!(last > previous_last);
        previous_last = last;
    }
}
