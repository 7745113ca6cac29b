//! What a new operator meets at 80×24 (issue 9): only the keys this
//! console may use (read-only, observer), the detail pane scrolled to its
//! timeline and labels, the whole event from the Log, search matches
//! highlighted, marks, and the questions asked before taking an alarm.

use super::fixtures::*;

#[test]
fn readonly_and_observer_consoles_offer_only_what_they_may_do() {
    // Read-only: no write key anywhere, and the Faults title offers none.
    let mut ro = state_with(true, 120, 40);
    with_faults(&mut ro);
    keys(&mut ro, "4");
    let all = text(draw(&ro, 120, 40).backend().buffer());
    assert!(!all.contains("i inject"), "{all}");
    assert!(!all.contains("x recover"), "{all}");
    assert!(!all.contains("X panic"), "{all}");
    let status = all.lines().last().unwrap_or_default().to_string();
    assert!(status.contains("READONLY"), "{status}");

    // Observer: recovery yes, injection no; the status bar says OBSERVER.
    let mut obs = state_with(false, 120, 40);
    obs.session.role = cocpit::app::Role::Observer;
    with_faults(&mut obs);
    keys(&mut obs, "4");
    let all = text(draw(&obs, 120, 40).backend().buffer());
    let title = all
        .lines()
        .find(|l| l.contains("Faults:"))
        .unwrap_or_default();
    assert!(!title.contains("inject"), "{title}");
    assert!(title.contains("x recover"), "{title}");
    let status = all.lines().last().unwrap_or_default();
    assert!(status.contains("OBSERVER"), "{status}");
    assert!(!status.contains("i inject"), "{status}");
    let t = draw(&obs, 80, 24);
    snapshot!("faults_observer_80x24", t.backend());
}

#[test]
fn the_status_bar_shows_the_views_main_keys() {
    let mut s = state_with(false, 120, 40);
    let status = |s: &State| {
        text(draw(s, 120, 40).backend().buffer())
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    assert!(status(&s).contains("a ack"), "{}", status(&s));
    keys(&mut s, "3");
    assert!(status(&s).contains("Enter open") && status(&s).contains("f follow"));
    keys(&mut s, "4");
    assert!(status(&s).contains("i inject"));
    keys(&mut s, "2");
    assert!(status(&s).contains("t targets"));
    assert!(status(&s).contains("? help"));
}

#[test]
fn snapshot_detail_pane_scrolled_to_the_timeline_at_80x24() {
    let mut s = state_with(false, 80, 24);
    key(&mut s, KeyCode::Enter);
    let before = text(draw(&s, 80, 24).backend().buffer());
    assert!(
        !before.contains("Labels"),
        "labels are below the fold at 80x24"
    );
    for _ in 0..40 {
        keys(&mut s, "J");
    }
    let t = draw(&s, 80, 24);
    let all = text(t.backend().buffer());
    assert!(
        all.contains("Labels") && all.contains("team=payments-sre"),
        "{all}"
    );
    assert!(all.contains("J/K scroll"), "{all}");
    snapshot!("alarms_detail_scrolled_80x24", t.backend());
}

#[test]
fn snapshot_log_event_at_80x24() {
    let mut s = state_with(false, 80, 24);
    keys(&mut s, "3");
    // The owner_set event (id 9): name and service, and the whole payload.
    for _ in 0..5 {
        keys(&mut s, "k");
    }
    key(&mut s, KeyCode::Enter);
    let t = draw(&s, 80, 24);
    let all = text(t.backend().buffer());
    assert!(all.contains("Event #9"), "{all}");
    assert!(all.contains("PaymentsHighLatency · payments"), "{all}");
    assert!(all.contains("\"owner\": \"alice@jump1\""), "{all}");
    snapshot!("log_event_80x24", t.backend());
}

#[test]
fn search_matches_are_highlighted_and_marks_shown() {
    let mut s = state_with(false, 80, 24);
    s.color_mode = ColorMode::Truecolor;
    keys(&mut s, "\\cache");
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "g ");
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let all = text(buf);
    assert!(all.contains("search: cache"), "{all}");
    assert!(all.contains("1 marked"), "{all}");
    let y = all
        .lines()
        .position(|l| l.contains("CacheHitRatioLow"))
        .unwrap() as u16;
    let cells: Vec<&str> = (0..80).map(|x| buf[(x, y)].symbol()).collect();
    let row = cells.concat();
    // The service cell: `cache` then padding.
    let x = (0..74)
        .find(|&i| cells[i..i + 6].concat() == "cache ")
        .unwrap() as u16;
    let hit = buf[(x, y)].style();
    let plain = buf[(x + 5, y)].style();
    assert_ne!(hit.bg, plain.bg, "the match is highlighted: {row}");
    let first: String = (0..80).map(|x| buf[(x, 4)].symbol()).collect();
    assert!(
        first.starts_with("│*"),
        "the marked row shows its mark: {first}"
    );
    snapshot!("alarms_search_80x24", t.backend());
}

#[test]
fn snapshot_taking_an_alarm_someone_else_owns_asks_first() {
    let mut s = state_with(false, 80, 24);
    s.session.operator = "bob@jump2".into();
    keys(&mut s, "o");
    let t = draw(&s, 80, 24);
    let all = text(t.backend().buffer());
    assert!(
        all.contains("Take ownership") && all.contains("alice@jump1"),
        "{all}"
    );
    snapshot!("ask_take_ownership_80x24", t.backend());
}
