//! The Faults view and its popups (inject form, confirmation, panic).

use super::fixtures::*;

#[test]
fn snapshot_faults() {
    snap("faults", false, |s| {
        with_faults(s);
        keys(s, "4");
    });
    snap("faults_form", false, |s| {
        with_faults(s);
        keys(s, "4i");
    });
    snap("faults_panic", false, |s| {
        with_faults(s);
        keys(s, "4X");
    });
    // The header badge shows live and failing faults from any view.
    let mut s = state_with(false, 120, 40);
    with_faults(&mut s);
    let t = draw(&s, 120, 40);
    let first = text(t.backend().buffer())
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(
        first.contains("RECOVERY FAILING") && first.contains("◆ 1 live fault"),
        "{first}"
    );
}

#[test]
fn at_80_columns_ids_are_whole_and_cut_values_end_in_an_ellipsis() {
    let mut s = state_with(false, 80, 24);
    with_faults(&mut s);
    keys(&mut s, "4");
    let all = text(draw(&s, 80, 24).backend().buffer());
    for id in ["a1b2c3d4", "e5f6a7b8", "f3a4b5c6", "c9d0e1f2"] {
        assert!(
            all.lines().any(|l| l.contains(&format!("│{id} "))),
            "fault id {id} cut at 80 columns:\n{all}"
        );
    }
    // A target too long for its column is cut with `…`, never silently.
    let row = all
        .lines()
        .find(|l| l.contains("a1b2c3d4 active"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(row.contains("sim:pay") && row.contains('…'), "{row}");
    assert!(!row.contains("sim:pay "), "cut without an ellipsis: {row}");
}

#[test]
fn a_recovered_fault_is_not_in_place() {
    let mut s = state_with(false, 120, 40);
    with_faults(&mut s);
    // Rows: the two live faults, then history newest first; the recovered one is last.
    keys(&mut s, "4G");
    let all = text(draw(&s, 120, 40).backend().buffer());
    assert!(
        all.contains("c9d0e1f2") && all.contains("undone: pause sleep"),
        "{all}"
    );
    assert!(!all.contains("in place: pause sleep"), "{all}");
}

#[test]
fn snapshot_confirmation_shows_every_parameter() {
    use cocpit::app::faults::{FaultEffect, FaultMsg};
    let mut s = state_with(false, 80, 24);
    with_faults(&mut s);
    keys(&mut s, "4i");
    // Enter through the fields to submit; the provider's check answers.
    let mut fx = Vec::new();
    for _ in 0..6 {
        fx = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            now(),
        );
    }
    let token = match fx.as_slice() {
        [cocpit::app::Effect::Fault(FaultEffect::Validate { token, .. })] => *token,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::Fault(FaultMsg::Validated { token, error: None }),
        now(),
    );
    keys(&mut s, "pay");
    key(&mut s, KeyCode::Enter);
    let t = draw(&s, 80, 24);
    let all = text(t.backend().buffer());
    for want in [
        "provider sim",
        "target sim:payments",
        "action latency",
        "params ms=1200",
        "duration 2m",
    ] {
        let (k, v) = want.split_once(' ').unwrap();
        assert!(
            all.lines().any(|l| l.contains(k) && l.contains(v)),
            "{want} missing:\n{all}"
        );
    }
    assert!(all.contains("you typed \"pay\""), "{all}");
    snapshot!("faults_confirm_80x24", t.backend());
}
