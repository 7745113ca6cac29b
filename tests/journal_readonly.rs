//! Reading a journal must never change it: `journal verify` and `journal
//! export` open read-only (archived evidence on read-only media can be
//! checked), a database that is not a cocpit journal is refused as such and
//! left byte for byte as it was, and a `--readonly` console writes nothing
//! at all — no presence, no ingest, never the leader.

mod support;

use cocpit::journal::Journal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::cli::{cocpit, journal_with_events};
use support::pty::Console;

/// Every file in `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let p = e.path();
            let meta = std::fs::metadata(&p).unwrap();
            (
                p.clone(),
                std::fs::read(&p).unwrap(),
                meta.modified().unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn is_root() -> bool {
    // SAFETY: geteuid has no side effects.
    unsafe { libc::geteuid() == 0 }
}

/// A directory the process cannot write: a read-only tmpfs as root (root
/// ignores file modes), a 0555 directory otherwise. Undone on drop.
struct ReadOnlyDir {
    path: PathBuf,
    mounted: bool,
}

impl ReadOnlyDir {
    /// Fill `path` with `fill`, then make it read-only.
    fn new(path: &Path, fill: impl FnOnce(&Path)) -> ReadOnlyDir {
        std::fs::create_dir_all(path).unwrap();
        let mounted = is_root();
        if mounted {
            let ok = Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
                .arg(path)
                .status()
                .unwrap();
            assert!(ok.success(), "mount a tmpfs");
        }
        fill(path);
        if mounted {
            let ok = Command::new("mount")
                .args(["-o", "remount,ro"])
                .arg(path)
                .status()
                .unwrap();
            assert!(ok.success(), "remount read-only");
        } else {
            use std::os::unix::fs::PermissionsExt;
            for e in std::fs::read_dir(path).unwrap().flatten() {
                std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o444)).unwrap();
            }
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        ReadOnlyDir {
            path: path.to_path_buf(),
            mounted,
        }
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg(&self.path).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn verify_and_export_work_on_read_only_media_and_change_nothing() {
    let home = tempfile::tempdir().unwrap();
    let media = home.path().join("media");
    let ro = ReadOnlyDir::new(&media, |dir| journal_with_events(&dir.join("j.db"), 40));
    let j = ro.path.join("j.db");
    let before = snapshot(&ro.path);
    assert_eq!(before.len(), 1, "a cleanly closed journal is one file");

    let out = cocpit(
        home.path(),
        &["journal", "verify", "--journal", j.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("40 events, hash chain intact"), "{stdout}");
    let out = cocpit(
        home.path(),
        &["journal", "export", "--journal", j.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 40);
    assert_eq!(snapshot(&ro.path), before, "nothing created or changed");
}

#[test]
fn verify_refuses_another_applications_database_and_leaves_it_alone() {
    if !support::tools::have("sqlite3", "verify_refuses_another_applications_database") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("other");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("app.db");
    let ok = Command::new("sqlite3")
        .arg(&db)
        .arg("create table users(id integer primary key, name text); insert into users values (1, 'ann');")
        .status()
        .unwrap();
    assert!(ok.success());
    let before = snapshot(&dir);
    for sub in ["verify", "export"] {
        let out = cocpit(
            home.path(),
            &["journal", sub, "--journal", db.to_str().unwrap()],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{sub}: {out:?}");
        assert!(
            stderr.contains("is not a cocpit journal"),
            "{sub}: {stderr}"
        );
    }
    // The console refuses it too, rather than migrating it into a journal.
    let err = Journal::open(&db).unwrap_err().to_string();
    assert!(err.contains("not a cocpit journal"), "{err}");
    assert_eq!(snapshot(&dir), before, "not a byte changed, no -wal added");
    let mode = Command::new("sqlite3")
        .arg(&db)
        .arg("pragma journal_mode")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&mode.stdout).trim(), "delete");
}

#[test]
fn a_readonly_console_never_writes_and_never_leads() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("journal.db");
    let j = journal.to_str().unwrap();
    // A read-only console on a journal that does not exist creates nothing.
    let missing = home.path().join("nope.db");
    let mut m = Console::start(
        home.path(),
        &["--readonly", "--journal", missing.to_str().unwrap()],
        120,
        40,
    );
    assert!(!m.wait_exit(Duration::from_secs(10)), "refused");
    let said = String::from_utf8_lossy(&m.raw_output()).into_owned();
    assert!(said.contains("nope.db"), "{said}");
    assert!(!missing.exists(), "nothing created");
    drop(m);

    let mut a = Console::start(
        home.path(),
        &["--journal", j, "--seed", "42", "--operator", "alice"],
        120,
        40,
    );
    a.wait_for("alarms on alice's console", Duration::from_secs(20), |s| {
        s.contains("FIRING")
    });
    let mut b = Console::start(
        home.path(),
        &["--journal", j, "--readonly", "--operator", "reader"],
        120,
        40,
    );
    b.wait_for(
        "alarms on the read-only console",
        Duration::from_secs(20),
        |s| s.contains("READONLY") && s.contains("FIRING"),
    );
    a.send("q");
    assert!(a.wait_exit(Duration::from_secs(10)));
    let last = Journal::open_readonly(&journal).unwrap().last_id().unwrap();
    // The leader lock is retried every 2 s: a writing follower would have
    // taken over and ingested by now.
    std::thread::sleep(Duration::from_secs(5));
    b.send("q");
    assert!(b.wait_exit(Duration::from_secs(10)));
    let jr = Journal::open_readonly(&journal).unwrap();
    assert_eq!(
        jr.last_id().unwrap(),
        last,
        "nothing written after alice left"
    );
    let mut by_reader = 0;
    jr.for_each(|ev| by_reader += usize::from(ev.actor == "reader" || ev.subject == "reader"))
        .unwrap();
    assert_eq!(
        by_reader, 0,
        "no presence rows or actions by the read-only console"
    );
}
