//! A full disk under a running console, for real: the journal on a small
//! tmpfs filled by `dd`. The header must say the journal is not recording,
//! in red, for as long as it lasts; operator actions are refused with the
//! reason instead of being confirmed and lost; when space returns the
//! console records again by itself and the gap is on record. A disk that
//! is full before the start is named as such. Needs root for the mount
//! (skipped otherwise, a failure under `CI=true`).

mod support;

use cocpit::journal::Journal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::pty::Console;

struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .unwrap();
        assert!(ok.success(), "mount tmpfs");
        Tmpfs(path.to_path_buf())
    }

    /// Write zeros into `fill` until the filesystem has no room left.
    fn fill(&self) {
        let _ = Command::new("dd")
            .arg("if=/dev/zero")
            .arg(format!("of={}", self.0.join("fill").display()))
            .arg("bs=4096")
            .output()
            .unwrap();
    }

    fn free(&self) {
        std::fs::remove_file(self.0.join("fill")).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn root_or_skip(test: &str) -> bool {
    // SAFETY: geteuid has no side effects.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: needs root under CI to mount a tmpfs"
    );
    eprintln!("SKIPPED {test}: needs root to mount a small tmpfs");
    false
}

#[test]
fn a_full_disk_is_on_screen_refuses_actions_and_recovers_with_the_gap_on_record() {
    if !root_or_skip("a_full_disk_is_on_screen") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(&home.path().join("disk"), "4m");
    let journal = disk.0.join("journal.db");
    let j = journal.to_str().unwrap();
    let mut c = Console::start(
        home.path(),
        &["--journal", j, "--seed", "42", "--operator", "alice"],
        120,
        40,
    );
    c.wait_for("the first alarm", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    c.send("/alertname=CertificateExpiringSoon\r");
    c.wait_for("the filtered alarm", Duration::from_secs(10), |s| {
        s.contains("CertificateExpiringSoon")
    });

    disk.fill();
    // Taking ownership is the first write to fail: not confirmed, and the
    // header says so from then on.
    c.send("o");
    // The header says so; the status line says the action was not
    // recorded or that the journal is not (whichever came last).
    c.wait_for("the failure in red", Duration::from_secs(10), |s| {
        s.contains("NOT RECORDING: disk full")
            && (s.contains("NOT recorded") || s.contains("NOT recording"))
    });
    c.send("a");
    c.wait_for(
        "the ack refused with the reason",
        Duration::from_secs(5),
        |s| s.contains("refused: the journal cannot be written: disk full"),
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        c.screen().contains("NOT RECORDING: disk full"),
        "still said while the disk is full"
    );

    disk.free();
    c.wait_for("recording again", Duration::from_secs(15), |s| {
        !s.contains("NOT RECORDING")
    });
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(15)));

    let jr = Journal::open_readonly(&journal).unwrap();
    let mut kinds = Vec::new();
    jr.for_each(|ev| kinds.push(ev.kind.clone())).unwrap();
    assert!(kinds.iter().any(|k| k == "journal.gap"), "{kinds:?}");
    assert!(
        !kinds
            .iter()
            .any(|k| k == "alarm.owner_set" || k == "alarm.acked"),
        "nothing refused or failed is on record: {kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "operator.left"), "{kinds:?}");
    assert!(jr.verify().unwrap().is_intact());
}

#[test]
fn a_disk_full_at_start_says_disk_full() {
    if !root_or_skip("a_disk_full_at_start_says_disk_full") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(&home.path().join("disk"), "1m");
    disk.fill();
    let journal = disk.0.join("journal.db");
    let mut c = Console::start(
        home.path(),
        &["--journal", journal.to_str().unwrap()],
        120,
        40,
    );
    assert!(!c.wait_exit(Duration::from_secs(10)), "refused");
    let said = String::from_utf8_lossy(&c.raw_output()).into_owned();
    assert!(said.contains("disk full"), "{said}");
    assert!(!said.contains("Error code"), "{said}");
}
