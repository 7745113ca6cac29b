//! `--journal` naming a file in a directory that does not exist is most
//! likely a typo: the console would start a private journal nobody else
//! sees. It asks first; `n` (or anything but yes) creates nothing,
//! `--journal-create` skips the question.

mod support;

use std::time::Duration;
use support::pty::Console;

#[test]
fn a_journal_in_a_missing_directory_is_asked_about_first() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("typo/noc/journal.db");
    let j = journal.to_str().unwrap();

    let mut no = Console::start(home.path(), &["--journal", j], 120, 40);
    no.wait_for("the question", Duration::from_secs(10), |s| {
        s.contains("Create it? [y/N]")
    });
    no.send("n\r");
    assert!(!no.wait_exit(Duration::from_secs(10)), "refused");
    assert!(
        String::from_utf8_lossy(&no.raw_output()).contains("--journal-create"),
        "says how to create it"
    );
    assert!(!home.path().join("typo").exists(), "nothing created");
    drop(no);

    let mut yes = Console::start(home.path(), &["--journal", j], 120, 40);
    yes.wait_for("the question", Duration::from_secs(10), |s| {
        s.contains("Create it? [y/N]")
    });
    yes.send("y\r");
    yes.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    yes.send("q");
    assert!(yes.wait_exit(Duration::from_secs(10)));
    assert!(journal.exists());
    drop(yes);

    let other = home.path().join("elsewhere/journal.db");
    let mut flag = Console::start(
        home.path(),
        &["--journal", other.to_str().unwrap(), "--journal-create"],
        120,
        40,
    );
    flag.wait_for("the console, no question", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    flag.send("q");
    assert!(flag.wait_exit(Duration::from_secs(10)));
    assert!(other.exists());
}
