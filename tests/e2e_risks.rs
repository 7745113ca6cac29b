//! End to end: the real binary in a pseudo-terminal on the demo. `F` tags
//! an alarm with a failure mode, the status confirms it once journaled, the
//! Risks view shows the tag in the mode's detail, and a restarted console
//! shows it again (the tags are replayed from the journal at start).

mod support;

use cocpit::journal::Journal;
use std::time::Duration;
use support::pty::Console;

const COLS: u16 = 120;
const ROWS: u16 = 40;

fn open_mode(c: &mut Console, id: &str) -> String {
    c.send("8");
    c.wait_for("the Risks view", Duration::from_secs(10), |s| {
        s.contains("Risks: 52 modes")
    });
    c.send(&format!("/id={id}\r"));
    c.wait_for("the filtered matrix", Duration::from_secs(10), |s| {
        s.contains("1 shown")
    });
    c.send("\r");
    c.wait_for("the mode's detail", Duration::from_secs(10), |s| {
        s.contains("Tagged incidents (1)")
    })
}

#[test]
fn a_tag_is_journaled_shown_and_replayed_after_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    let args = ["--journal", j, "--seed", "42", "--operator", "e2e"];

    let mut c = Console::start(home.path(), &args, COLS, ROWS);
    c.wait_for("the first alarm", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    // The certificate notice fires from tick 2 and never clears.
    c.send("/alertname=CertificateExpiringSoon\r");
    c.wait_for("the filtered alarm", Duration::from_secs(10), |s| {
        s.contains("CertificateExpiringSoon")
    });
    c.send("F");
    c.wait_for("the picker", Duration::from_secs(10), |s| {
        s.contains("Tag with a failure mode")
    });
    c.send("elb-certificate\r");
    c.wait_for("the tag confirmed", Duration::from_secs(10), |s| {
        s.contains("tagged as elb-certificate-expired (journal #")
    });
    let screen = open_mode(&mut c, "elb-certificate-expired");
    assert!(screen.contains("CertificateExpiringSoon"), "{screen}");
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)), "clean exit");
    drop(c);

    let jr = Journal::open(&journal).unwrap();
    let mut tags = Vec::new();
    jr.for_each_kind_prefix("risk.", |ev| {
        tags.push((ev.actor.clone(), ev.payload["mode"].clone()));
    })
    .unwrap();
    assert_eq!(
        tags,
        [(
            "e2e".to_string(),
            serde_json::json!("elb-certificate-expired")
        )]
    );
    drop(jr);

    let mut c = Console::start(home.path(), &args, COLS, ROWS);
    c.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("Alarms")
    });
    let screen = open_mode(&mut c, "elb-certificate-expired");
    assert!(screen.contains("by e2e"), "{screen}");
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(10)), "clean exit");
}
