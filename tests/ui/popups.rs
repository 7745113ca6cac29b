//! Help, the filter and command prompts, and the note editor.

use super::fixtures::*;

#[test]
fn snapshot_help() {
    snap("help", false, |s| keys(s, "?"));
}

#[test]
fn snapshot_help_readonly() {
    snap("help_readonly", true, |s| keys(s, "?"));
    let mut state = state_with(true, 120, 40);
    keys(&mut state, "?");
    let all = text(draw(&state, 120, 40).backend().buffer());
    assert!(!all.contains("acknowledge"), "readonly help lists ack");
    assert!(all.contains("Read-only console"));
    let mut rw = state_with(false, 120, 40);
    // The Alarms keys follow the global ones (nine views since Risks and
    // Improvements).
    keys(&mut rw, "?jjjjj");
    assert!(text(draw(&rw, 120, 40).backend().buffer()).contains("acknowledge alarm"));
}

#[test]
fn observer_help_does_not_offer_injection() {
    let mut op = state_with(false, 120, 40);
    keys(&mut op, "4?j");
    assert!(text(draw(&op, 120, 40).backend().buffer()).contains("inject a fault"));
    let mut obs = state_with(false, 120, 40);
    obs.session.role = cocpit::app::Role::Observer;
    // Scrolled as far as the operator's was: the line would be on screen.
    keys(&mut obs, "4?j");
    let all = text(draw(&obs, 120, 40).backend().buffer());
    assert!(
        !all.contains("inject a fault"),
        "observer help offers injection"
    );
    assert!(all.contains("recover"), "observers may still recover");
}

#[test]
fn snapshot_filter_prompt() {
    snap("filter", false, |s| keys(s, "/cluster=prod-eu-1 pay"));
}

#[test]
fn snapshot_filter_error() {
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "/alertname=~\"(");
    let t = draw(&state, 80, 24);
    snapshot!("filter_error_80x24", t.backend());
}

#[test]
fn snapshot_command_palette() {
    snap("command", false, |s| {
        keys(s, ":");
        key(s, KeyCode::Down);
        key(s, KeyCode::Down);
        key(s, KeyCode::Down);
    });
}

#[test]
fn snapshot_command_error() {
    let mut state = state_with(false, 80, 24);
    keys(&mut state, ":theme neon");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 80, 24);
    snapshot!("command_error_80x24", t.backend());
}

#[test]
fn snapshot_note_editor() {
    snap("note", false, |s| {
        keys(s, "n");
        keys(s, "Rolled back to v1.4.2; p99 recovering.");
        key(s, KeyCode::Enter);
        keys(s, "Next: check connection pool.");
    });
    // Esc on a non-empty note asks before throwing it away.
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "nhalf-written");
    key(&mut state, KeyCode::Esc);
    let t = draw(&state, 80, 24);
    assert!(text(t.backend().buffer()).contains("Esc again to discard"));
    snapshot!("note_discard_80x24", t.backend());
}

#[test]
fn help_commands_never_run_into_their_description() {
    let mut state = state_with(false, 120, 40);
    keys(&mut state, "?");
    for _ in 0..100 {
        key(&mut state, KeyCode::Char('j'));
    }
    let all = text(draw(&state, 120, 40).backend().buffer());
    let line = all
        .lines()
        .find(|l| l.contains(":group "))
        .unwrap_or_else(|| panic!("no :group line in\n{all}"));
    assert!(
        line.contains(":group alertname|service|none  "),
        "command and description run together: {line}"
    );
}

#[test]
fn one_completion_is_one_command() {
    let mut state = state_with(false, 120, 40);
    keys(&mut state, ":mon");
    let all = text(draw(&state, 120, 40).backend().buffer());
    assert!(all.contains(" 1 command "), "{all}");
    assert!(!all.contains("1 commands"), "{all}");
}
