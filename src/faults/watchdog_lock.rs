//! One watchdog per journal: the advisory lock on `<journal>.watchdog.lock`
//! that it holds while it runs (released by the kernel when it dies), and
//! starting one, detached, when none holds it. Separate from the watchdog's
//! loop so the executor can start one without depending on the loop that
//! uses the executor.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".watchdog.lock");
    PathBuf::from(name)
}

pub(super) fn try_lock(journal: &Path) -> Result<Option<File>, String> {
    let path = lock_path(journal);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(_) => Ok(None),
    }
}

/// Whether a watchdog holds the journal's lock right now.
pub fn is_running(journal: &Path) -> bool {
    matches!(try_lock(journal), Ok(None))
}

/// Start a watchdog for `journal` unless one runs. Call it after the intent
/// is committed: a watchdog about to exit re-reads the journal after
/// releasing its lock, so either it sees the new fault or we see no lock.
pub fn ensure(journal: &Path, exe: &Path) -> Result<bool, String> {
    match try_lock(journal)? {
        None => return Ok(false),
        Some(lock) => drop(lock),
    }
    let mut cmd = Command::new(exe);
    cmd.arg("watchdog")
        .arg("--journal")
        .arg(journal)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid(2) is async-signal-safe and the only call between
    // fork and exec; it detaches the watchdog from our terminal and session.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("start {} watchdog: {e}", exe.display()))?;
    // Reap it should it exit while we still run; otherwise init does.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(true)
}
