//! End to end: the real binary in a pseudo-terminal on the demo environment.
//! Start, wait for an alarm, ack it, quit, restart: the ack is still shown,
//! because the screen is a projection of the journal.

mod support;

use cocpit::journal::Journal;
use std::time::Duration;
use support::pty::Console;

const COLS: u16 = 120;
const ROWS: u16 = 40;

/// The status bar says `acked NAME (journal #ID)` once the ack is durable.
fn acked_name(screen: &str) -> Option<String> {
    let at = screen.find("acked ")?;
    let rest = &screen[at + "acked ".len()..];
    let name: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    rest.contains("(journal #").then_some(name)
}

#[test]
fn ack_survives_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    let args = ["--journal", j, "--seed", "42", "--operator", "e2e"];

    let mut c = Console::start(home.path(), &args, COLS, ROWS);
    c.wait_for("the first alarm", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    // The demo's certificate notice fires from tick 2 and never clears, so
    // the ack cannot be lost to the alarm resolving during the test.
    c.send("/alertname=CertificateExpiringSoon\r");
    c.wait_for("the filtered alarm", Duration::from_secs(10), |s| {
        s.contains("CertificateExpiringSoon")
    });
    c.send("a");
    let screen = c.wait_for("ack confirmation", Duration::from_secs(10), |s| {
        acked_name(s).is_some()
    });
    let name = acked_name(&screen).unwrap();
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)), "clean exit");
    let raw = String::from_utf8_lossy(&c.raw_output()).into_owned();
    assert!(raw.contains("\x1b[?1049l"), "alternate screen left on exit");
    drop(c);

    // The journal has the ack with the operator and an intact chain.
    let jr = Journal::open(&journal).unwrap();
    let mut acks = Vec::new();
    jr.for_each(|ev| {
        if ev.kind == "alarm.acked" {
            acks.push(ev.actor.clone());
        }
    })
    .unwrap();
    assert_eq!(acks, vec!["e2e".to_string()]);
    assert!(jr.verify().unwrap().first_broken.is_none());
    drop(jr);

    let mut c = Console::start(home.path(), &args, COLS, ROWS);
    c.wait_for(
        "the acked alarm with its acker after restart",
        Duration::from_secs(15),
        |s| s.lines().any(|l| l.contains(&name) && l.contains("e2e")),
    );
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)));
}

#[test]
fn readonly_console_refuses_to_ack() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    // A read-only console only reads: an operator's console makes the journal.
    let mut w = Console::start(home.path(), &["--journal", j, "--seed", "7"], COLS, ROWS);
    w.wait_for(
        "alarms on the writing console",
        Duration::from_secs(20),
        |s| s.contains("FIRING"),
    );
    let mut c = Console::start(home.path(), &["--journal", j, "--readonly"], COLS, ROWS);
    c.wait_for("READONLY and an alarm", Duration::from_secs(20), |s| {
        s.contains("READONLY") && s.contains("FIRING")
    });
    c.send("a");
    c.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("read-only")
    });
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)));
    w.send("q");
    assert!(w.wait_exit(Duration::from_secs(10)));
    let jr = Journal::open(&journal).unwrap();
    let mut acks = 0;
    jr.for_each(|ev| acks += usize::from(ev.kind == "alarm.acked"))
        .unwrap();
    assert_eq!(acks, 0);
}

#[test]
fn a_second_console_sees_the_first_ones_ack_within_a_second() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    let mut a = Console::start(
        home.path(),
        &["--journal", j, "--seed", "42", "--operator", "alice"],
        COLS,
        ROWS,
    );
    a.wait_for(
        "alarms on the first console",
        Duration::from_secs(20),
        |s| s.contains("FIRING"),
    );
    a.send("/alertname=CertificateExpiringSoon\r");
    a.wait_for("the filtered alarm", Duration::from_secs(10), |s| {
        s.contains("CertificateExpiringSoon")
    });
    let mut b = Console::start(
        home.path(),
        &["--journal", j, "--operator", "bob"],
        COLS,
        ROWS,
    );
    b.wait_for(
        "alarms on the second console",
        Duration::from_secs(20),
        |s| s.contains("FIRING"),
    );

    a.send("a");
    let screen = a.wait_for("ack confirmation", Duration::from_secs(10), |s| {
        acked_name(s).is_some()
    });
    let name = acked_name(&screen).unwrap();
    let confirmed = std::time::Instant::now();
    b.wait_for(
        "alice's ack on bob's console",
        Duration::from_millis(1500),
        |s| s.lines().any(|l| l.contains(&name) && l.contains("alice")),
    );
    assert!(confirmed.elapsed() < Duration::from_millis(1500));

    // Bob's log shows alice joining; after alice quits, her leaving.
    b.send("3");
    b.wait_for("alice joined in bob's log", Duration::from_secs(5), |s| {
        s.lines()
            .any(|l| l.contains("operator.joined") && l.contains("alice"))
    });
    a.send("q");
    assert!(a.wait_exit(Duration::from_secs(10)));
    b.wait_for("alice left in bob's log", Duration::from_secs(5), |s| {
        s.lines()
            .any(|l| l.contains("operator.left") && l.contains("alice"))
    });
    b.send("q");
    assert!(b.wait_exit(Duration::from_secs(10)));
}
