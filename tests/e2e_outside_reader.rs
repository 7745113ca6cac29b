//! An ordinary SQLite client reading a live journal must not cost a single
//! confirmed action. Closing any descriptor of a database file drops every
//! POSIX lock the process holds on it; a console that ever opened its journal
//! outside SQLite held none, and the next `sqlite3` reader deleted its WAL:
//! acks confirmed on screen were gone after a `kill -9`, and two consoles on
//! the file stopped seeing each other. Here two real consoles run in PTYs
//! while the `sqlite3` shell and Python's `sqlite3` module read the journal;
//! every action confirmed on screen must be in the journal after both are
//! killed with SIGKILL.

mod support;

use cocpit::journal::Journal;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::pty::Console;
use support::tools;

const COLS: u16 = 120;
const ROWS: u16 = 40;

/// The journal id in the status bar's `… (journal #ID)` confirmation that
/// follows `what`.
fn confirmed_id(screen: &str, what: &str) -> Option<i64> {
    let line = screen
        .lines()
        .find(|l| l.contains(what) && l.contains("(journal #"))?;
    let at = line.find("(journal #")? + "(journal #".len();
    line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .ok()
}

/// Read the journal the way an operator's shell would, and check the reader
/// got an answer.
fn outside_reads(journal: &Path) {
    let out = Command::new("sqlite3")
        .arg(journal)
        .arg("select count(*) from events")
        .output()
        .expect("run sqlite3");
    assert!(out.status.success(), "sqlite3: {out:?}");
    let n: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(n > 0, "sqlite3 saw no events");
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             print(c.execute('select max(id) from events').fetchone()[0])\n\
             c.close()",
        )
        .arg(journal)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "python3 sqlite3: {out:?}");
}

/// The console's descriptors of the journal's `-wal` / `-shm` files: a
/// `(deleted)` one means an outside client removed them under it.
fn deleted_sidecars(pid: u32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|p| p.display().to_string())
        .filter(|p| (p.contains(".db-wal") || p.contains(".db-shm")) && p.ends_with("(deleted)"))
        .collect()
}

fn kill9(c: &Console) {
    let pid = c.pid().expect("console pid");
    let ok = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
}

#[test]
fn outside_readers_never_cost_a_confirmed_action() {
    if !tools::have_all(
        &["sqlite3", "python3"],
        "outside_readers_never_cost_a_confirmed_action",
    ) {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    let mut a = Console::start(
        home.path(),
        &["--journal", j, "--seed", "42", "--operator", "alice"],
        COLS,
        ROWS,
    );
    a.wait_for("alarms on alice's console", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    outside_reads(&journal);
    let pid_a = a.pid().unwrap();
    assert_eq!(deleted_sidecars(pid_a), Vec::<String>::new());

    // The certificate notice never clears: nothing resolves under the test.
    a.send("/alertname=CertificateExpiringSoon\r");
    a.wait_for("the filtered alarm", Duration::from_secs(10), |s| {
        s.contains("CertificateExpiringSoon")
    });
    a.send("a");
    let screen = a.wait_for("ack confirmation", Duration::from_secs(10), |s| {
        confirmed_id(s, "acked ").is_some()
    });
    let ack = confirmed_id(&screen, "acked ").unwrap();
    outside_reads(&journal);

    let mut b = Console::start(
        home.path(),
        &["--journal", j, "--operator", "bob"],
        COLS,
        ROWS,
    );
    b.wait_for("alarms on bob's console", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    outside_reads(&journal);
    b.send("/alertname=CertificateExpiringSoon\r");
    b.wait_for(
        "alice's ack on bob's console",
        Duration::from_secs(5),
        |s| {
            s.lines()
                .any(|l| l.contains("CertificateExpiringSoon") && l.contains("alice"))
        },
    );
    b.send("o");
    let screen = b.wait_for("bob's ownership confirmed", Duration::from_secs(10), |s| {
        confirmed_id(s, "took ownership").is_some()
    });
    let owned = confirmed_id(&screen, "took ownership").unwrap();
    outside_reads(&journal);
    // Both consoles still see each other after the outside reads.
    a.wait_for(
        "bob's ownership on alice's console",
        Duration::from_secs(5),
        |s| {
            s.lines()
                .any(|l| l.contains("CertificateExpiringSoon") && l.contains("bob"))
        },
    );
    a.send("n");
    a.send("written after three outside reads");
    a.send("\x13"); // Ctrl-S saves the note
    let screen = a.wait_for("alice's note confirmed", Duration::from_secs(10), |s| {
        confirmed_id(s, "note added").is_some()
    });
    let note = confirmed_id(&screen, "note added").unwrap();
    assert_eq!(deleted_sidecars(pid_a), Vec::<String>::new());
    assert_eq!(deleted_sidecars(b.pid().unwrap()), Vec::<String>::new());

    kill9(&a);
    kill9(&b);
    assert!(!a.wait_exit(Duration::from_secs(5)));
    assert!(!b.wait_exit(Duration::from_secs(5)));
    drop((a, b));

    let jr = Journal::open(&journal).unwrap();
    let mut seen = std::collections::HashMap::new();
    jr.for_each(|ev| {
        seen.insert(ev.id, (ev.kind.clone(), ev.actor.clone()));
    })
    .unwrap();
    assert_eq!(
        seen.get(&ack),
        Some(&("alarm.acked".into(), "alice".into()))
    );
    assert_eq!(
        seen.get(&owned),
        Some(&("alarm.owner_set".into(), "bob".into()))
    );
    assert_eq!(
        seen.get(&note),
        Some(&("alarm.note_added".into(), "alice".into()))
    );
    assert!(jr.verify().unwrap().first_broken.is_none());
}
