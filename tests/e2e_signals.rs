//! The ways a console ends without `q`, on the real binary in a PTY: a
//! dropped SSH session (the terminal goes away: SIGHUP, and every read and
//! write fails), SIGTERM, SIGINT, SIGQUIT, and the signals that must not end
//! it (SIGUSR1, SIGALRM). Each clean end journals `operator.left`, recovers
//! this console's faults, never panics, and leaves the terminal in cooked
//! mode when it is still there. A console killed outright is noticed by
//! the others: it leaves the operator list and its faults are recovered at
//! once, not at their deadline.

mod support;

use cocpit::journal::Journal;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use support::pty::Console;

const COLS: u16 = 120;
const ROWS: u16 = 40;

fn kinds_for(journal: &Path, subject: &str) -> Vec<String> {
    let jr = Journal::open_readonly(journal).unwrap();
    let mut out = Vec::new();
    jr.for_each(|ev| {
        if ev.subject == subject {
            out.push(ev.kind.clone());
        }
    })
    .unwrap();
    out
}

fn events_of(journal: &Path, kind: &str) -> Vec<cocpit::domain::Event> {
    let jr = Journal::open_readonly(journal).unwrap();
    let mut out = Vec::new();
    jr.for_each(|ev| {
        if ev.kind == kind {
            out.push(ev.clone());
        }
    })
    .unwrap();
    out
}

fn start(home: &Path, journal: &Path, operator: &str) -> Console {
    let j = journal.to_str().unwrap();
    let c = Console::start(
        home,
        &["--journal", j, "--seed", "42", "--operator", operator],
        COLS,
        ROWS,
    );
    c.wait_for("the first alarm", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    c
}

/// A process to pause: `sleep`, killed on drop.
struct Sleeper(Child);

impl Sleeper {
    fn new() -> Sleeper {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new("sleep");
        cmd.arg("600");
        // Tests run side by side: a terminal another test opened this very
        // moment (before its descriptors were marked close-on-exec) must not
        // be held open by this long-lived child, or that test's hang-up
        // never happens.
        // SAFETY: close_range(2) in the child before exec; no allocation.
        unsafe {
            cmd.pre_exec(|| {
                libc::close_range(3, u32::MAX, 0);
                Ok(())
            });
        }
        Sleeper(cmd.spawn().unwrap())
    }
    fn pid(&self) -> u32 {
        self.0.id()
    }
    /// The state letter in /proc/PID/stat: `T` stopped, `S` sleeping.
    fn state(&self) -> char {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        let after = stat.rsplit_once(')').unwrap().1;
        after.trim_start().chars().next().unwrap()
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Inject `process pause pid:N` for 10 minutes from the Faults view.
fn pause_from_the_console(c: &mut Console, pid: u32) {
    c.send("4");
    c.send("i");
    c.wait_for("the inject form", Duration::from_secs(5), |s| {
        s.contains("Inject a fault")
    });
    // Provider: up to the choice, one to the right (`process`), then down.
    c.send("\x1b[A\x1b[C\t");
    for value in [
        format!("pid:{pid}"),
        "pause".into(),
        String::new(),
        "10m".into(),
    ] {
        c.send("\x15"); // Ctrl-U clears the line
        c.send(&value);
        c.send("\t");
    }
    c.send("\t\r"); // over guard and probe; Enter submits
    c.wait_for("the typed confirmation", Duration::from_secs(5), |s| {
        s.contains("Confirm injection")
    });
    c.send(&pid.to_string());
    c.send("\r");
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_dropped_ssh_session_ends_the_console_cleanly_and_recovers_its_faults() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let sleeper = Sleeper::new();
    let mut c = start(home.path(), &journal, "alice");
    pause_from_the_console(&mut c, sleeper.pid());
    wait_until("the process paused", Duration::from_secs(10), || {
        sleeper.state() == 'T'
    });

    let dropped = Instant::now();
    c.hang_up();
    let code = c.exit_code(Duration::from_secs(60));
    if code != Some(0) {
        // What went wrong is in the console's log, not on a terminal.
        let logs = home.path().join("state/cocpit");
        for e in std::fs::read_dir(&logs).into_iter().flatten().flatten() {
            eprintln!("{}", std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    assert_eq!(code, Some(0), "a clean exit, not an abort");
    wait_until("the process resumed", Duration::from_secs(5), || {
        sleeper.state() != 'T'
    });
    wait_until("the recovery on record", Duration::from_secs(10), || {
        !events_of(&journal, "fault.recovered").is_empty()
    });
    assert!(
        dropped.elapsed() < Duration::from_secs(15),
        "recovered on the way out, not at the deadline"
    );
    let kinds = kinds_for(&journal, "alice");
    assert_eq!(
        kinds.iter().filter(|k| *k == "operator.left").count(),
        1,
        "{kinds:?}"
    );
    let recovered = events_of(&journal, "fault.recovered");
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].payload["trigger"], "exit");
}

#[test]
fn sigterm_sigint_sigquit_and_sighup_leave_cleanly_with_the_terminal_restored() {
    for (sig, name) in [
        (libc::SIGTERM, "term"),
        (libc::SIGINT, "int"),
        (libc::SIGQUIT, "quit"),
        (libc::SIGHUP, "hup"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let journal = home.path().join("journal.db");
        let operator = format!("op-{name}");
        let mut c = start(home.path(), &journal, &operator);
        assert_eq!(c.line_modes(), Some((false, false)), "raw while running");
        c.signal(sig);
        assert_eq!(c.exit_code(Duration::from_secs(20)), Some(0), "SIG{name}");
        assert_eq!(
            c.line_modes(),
            Some((true, true)),
            "SIG{name}: ICANON and ECHO back on"
        );
        let raw = String::from_utf8_lossy(&c.raw_output()).into_owned();
        assert!(
            raw.contains("\x1b[?1049l"),
            "SIG{name}: alternate screen left"
        );
        let kinds = kinds_for(&journal, &operator);
        assert!(
            kinds.contains(&"operator.left".to_string()),
            "SIG{name}: {kinds:?}"
        );
    }
}

#[test]
fn sigusr1_and_sigalrm_do_not_end_the_console() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let mut c = start(home.path(), &journal, "alice");
    c.signal(libc::SIGUSR1);
    c.signal(libc::SIGALRM);
    c.send("3");
    c.wait_for(
        "the Log view after the signals",
        Duration::from_secs(5),
        |s| s.contains("Log ("),
    );
    c.send("q");
    assert_eq!(c.exit_code(Duration::from_secs(10)), Some(0));
    assert_eq!(c.line_modes(), Some((true, true)));
}

#[test]
fn a_console_killed_outright_is_noticed_and_its_faults_recovered_at_once() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let sleeper = Sleeper::new();
    let mut a = start(home.path(), &journal, "alice");
    let mut b = start(home.path(), &journal, "bob");
    b.wait_for("two operators online", Duration::from_secs(5), |s| {
        s.contains("2 operators online")
    });
    pause_from_the_console(&mut a, sleeper.pid());
    wait_until("the process paused", Duration::from_secs(10), || {
        sleeper.state() == 'T'
    });
    a.signal(libc::SIGKILL);
    assert_eq!(a.exit_code(Duration::from_secs(5)), None, "killed");
    let killed = Instant::now();
    b.wait_for(
        "alice gone from bob's header",
        Duration::from_secs(15),
        |s| s.contains("1 operator online"),
    );
    wait_until("the orphan resumed", Duration::from_secs(15), || {
        sleeper.state() != 'T'
    });
    assert!(
        killed.elapsed() < Duration::from_secs(20),
        "long before the 10 minute deadline"
    );
    let left = events_of(&journal, "operator.left");
    assert!(
        left.iter()
            .any(|e| e.subject == "alice" && e.payload["reason"] == "process gone"),
        "{left:?}"
    );
    // The process resumes before its recovery is journaled.
    wait_until("the recovery on record", Duration::from_secs(10), || {
        !events_of(&journal, "fault.recovered").is_empty()
    });
    assert_eq!(events_of(&journal, "fault.orphaned").len(), 1);
    let recovered = events_of(&journal, "fault.recovered");
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    assert_eq!(recovered[0].payload["trigger"], "orphan");
    b.send("q");
    assert_eq!(b.exit_code(Duration::from_secs(10)), Some(0));
}
