//! The Alarms view: the table and its detail pane at two sizes, resolved
//! and empty boards, inert outside text, the pending mark, and a 100,000-alarm
//! board drawing only its window.

use super::fixtures::*;

#[test]
fn snapshot_alarms() {
    snap("alarms", false, |_| {});
}

#[test]
fn snapshot_alarms_detail() {
    snap("alarms_detail", false, |s| key(s, KeyCode::Enter));
}

#[test]
fn snapshot_resolved_and_empty() {
    // `r` shows the resolved alarm; a filter matching nothing says so.
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "r");
    let t = draw(&state, 80, 24);
    let all = text(t.backend().buffer());
    assert!(all.contains("RESOLVED"));
    assert!(all.contains("QueueBacklog"));
    keys(&mut state, "/nothing-matches-this");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 80, 24);
    assert!(text(t.backend().buffer()).contains("No alarms match the filter"));

    let empty = State::new(session(false), AlarmBoard::new(), Theme::embedded(), now());
    let t = draw(&empty, 80, 24);
    snapshot!("empty_80x24", t.backend());
}

#[test]
fn outside_text_is_inert() {
    let mut state = state_with(false, 120, 40);
    // Select DiskAlmostFull (third row) and open its detail pane.
    keys(&mut state, "jj");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let all = text(buf);
    assert!(all.contains("disk ␛[31mRED␛[0m"), "{all}");
    assert!(all.contains("runbooks.example.net/db/disk-full"));
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character reached the buffer: {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn pending_ack_shows_an_ellipsis() {
    let state = state_with(false, 120, 40);
    let all = text(draw(&state, 120, 40).backend().buffer());
    let row = all
        .lines()
        .find(|l| l.contains("CheckoutErrorRate"))
        .unwrap();
    assert!(row.contains('…'), "{row}");
    let row = all
        .lines()
        .find(|l| l.contains("PaymentsHighLatency"))
        .unwrap();
    assert!(row.contains("✓ alice"), "{row}");
}

#[test]
fn hundred_thousand_alarms_render_the_right_window() {
    let mut board = AlarmBoard::new();
    let sevs = Severity::ALL;
    for i in 0..100_000i64 {
        let fp = format!("{i:016x}");
        let obs = ObservedAlarm {
            fingerprint: fp.clone().into(),
            source: "bulk".into(),
            name: format!("Synthetic{i:06}").into(),
            severity: sevs[(i % 5) as usize],
            labels: labels(&[("service", &format!("svc-{}", i % 97))]),
            annotations: Default::default(),
            starts_at: now(),
            generator_url: None,
        };
        board.apply(&Event {
            id: i + 1,
            ts: now() - Duration::seconds(i),
            actor: "source:bulk".into(),
            kind: EventKind::AlarmRaised.as_str().into(),
            subject: fp,
            payload: payload(&obs),
            prev_hash: String::new(),
            hash: String::new(),
        });
    }
    let mut state = State::new(session(false), board, Theme::embedded(), now());
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 40,
        },
        now(),
    );
    let all = text(draw(&state, 120, 40).backend().buffer());
    assert!(all.contains("Alarms (100000/100000)"));
    let first = state
        .board
        .get(&state.alarms.visible[0])
        .unwrap()
        .name()
        .to_string();
    assert!(all.lines().nth(4).unwrap().contains(&first), "{all}");

    keys(&mut state, "G");
    let t = draw(&state, 120, 40);
    let all = text(t.backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    // Table rows are screen lines 4..=37 (header 2, border, column names; border, status).
    let rows = &lines[4..38];
    let names: Vec<String> = state.alarms.visible[100_000 - rows.len()..]
        .iter()
        .map(|fp| state.board.get(fp).unwrap().name().to_string())
        .collect();
    for (line, name) in rows.iter().zip(&names) {
        assert!(line.contains(name.as_str()), "expected {name} in {line}");
    }
    assert!(rows.last().unwrap().contains('>'), "last row is selected");
}
