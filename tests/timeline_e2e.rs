//! The Timeline view and time travel in the real console on a pty: the
//! lanes come back from the runtime's journal scan, `a` rebuilds the board
//! of the cursor's moment (the Alarms view says AT …), writes are refused
//! while travelling, `Esc` returns to now.

mod support;

use std::time::Duration;
use support::pty::Console;

#[test]
fn the_timeline_loads_and_time_travel_round_trips() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    let mut c = Console::start(home.path(), &["--journal", j, "--seed", "7"], 120, 40);
    c.wait_for("alarms", Duration::from_secs(20), |s| s.contains("FIRING"));
    c.send("7");
    c.wait_for("the lanes from the journal", Duration::from_secs(20), |s| {
        s.contains("▸faults") && s.contains("alarms ") && !s.contains("reading the journal")
    });
    // A minute back, then the board as it was then.
    c.send("hha");
    let screen = c.wait_for("the board of the past", Duration::from_secs(20), |s| {
        s.contains("AT ") && s.contains("read-only, Esc: now")
    });
    assert!(screen.contains("Alarms ("), "{screen}");
    c.send("a");
    c.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("refused: time travel")
    });
    c.send("\x1b");
    c.wait_for("back to now", Duration::from_secs(5), |s| {
        !s.contains("read-only, Esc: now") && s.contains("FIRING")
    });
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)));
}
