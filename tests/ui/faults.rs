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
