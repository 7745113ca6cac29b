//! Processes on this host, read from `/proc` and signalled with `kill(2)`:
//! who we are ([`me`]), whether a recorded process still runs ([`alive`]:
//! pid *and* start time, so a reused pid is not mistaken for it), which
//! processes must never be targets (pid 1 and cocpit's own tree), and
//! finding targets by exact name.

use crate::domain::fault::{Owner, OwnerKind};
use std::io;
use std::path::Path;

/// Parsed `/proc/PID/stat`: the fields cocpit uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    pub comm: String,
    pub state: char,
    pub ppid: u32,
    pub pgid: u32,
    pub sid: u32,
    /// Start time in clock ticks after boot.
    pub start: u64,
}

/// `/proc/PID/stat`, or `None` when there is no such process.
pub fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// The command name is in parentheses and may itself contain spaces and
/// parentheses, so fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // rest[0] is field 3 (state); field N is rest[N - 3].
    let field = |n: usize| rest.get(n - 3).copied();
    Some(Stat {
        pid,
        comm,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        pgid: field(5)?.parse().ok()?,
        sid: field(6)?.parse().ok()?,
        start: field(22)?.parse().ok()?,
    })
}

/// Whether the process `pid` that started at `start` still runs (a zombie
/// does not count: it holds no CPU, memory or signal state).
pub fn running(pid: u32, start: u64) -> bool {
    stat(pid).is_some_and(|s| s.start == start && s.state != 'Z' && s.state != 'X')
}

pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// This process as a fault owner or recoverer.
pub fn me(kind: OwnerKind, actor: &str, instance: &str) -> Owner {
    let pid = std::process::id();
    Owner {
        kind,
        actor: actor.to_string(),
        host: hostname(),
        pid,
        start: stat(pid).map(|s| s.start).unwrap_or(0),
        instance: instance.to_string(),
    }
}

/// Whether `owner` still runs. An owner on another host cannot be checked
/// from here and is assumed alive (journals are shared on one host).
pub fn alive(owner: &Owner) -> bool {
    if owner.host != hostname() {
        return true;
    }
    running(owner.pid, owner.start)
}

/// A random-enough id for one run of a console or CLI: pid, start time and
/// the clock's nanoseconds, hashed.
pub fn instance_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    crate::domain::fault::fault_id(&format!("{}-{}-{nanos}", std::process::id(), hostname()))
}

fn all_pids() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Running processes whose command name is exactly `name`
/// (`/proc/PID/comm`, the kernel's 15-character name). Zombies do not
/// count: a killed process nobody reaped yet does not "run again".
pub fn find_by_name(name: &str) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim_end_matches('\n') == name)
                && stat(*pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
        })
        .collect()
}

/// `pid`, its parent, grandparent … up to pid 1.
pub fn ancestors(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut cur = pid;
    while cur > 1 && out.len() < 4096 {
        out.push(cur);
        match stat(cur) {
            Some(s) => cur = s.ppid,
            None => break,
        }
    }
    out
}

/// Why `pid` must not be a target, if it must not: pid 1, cocpit itself,
/// anything above it (its shell, sshd: pausing them freezes the operator)
/// and anything it started (the watchdog, burners).
pub fn refuse_target(pid: u32) -> Option<String> {
    let me = std::process::id();
    if pid <= 1 {
        return Some(format!("pid {pid} is init: refused"));
    }
    if ancestors(me).contains(&pid) {
        return Some(format!(
            "pid {pid} is cocpit or one of its parents (its shell, terminal or sshd): refused"
        ));
    }
    if ancestors(pid).contains(&me) {
        return Some(format!("pid {pid} was started by this cocpit: refused"));
    }
    if let (Ok(mine), Ok(theirs)) = (
        std::fs::read_link("/proc/self/exe"),
        std::fs::read_link(format!("/proc/{pid}/exe")),
    ) && mine == theirs
    {
        return Some(format!(
            "pid {pid} is a cocpit process (a console, watchdog or burner): refused"
        ));
    }
    None
}

/// `kill(pid, sig)`; a process that is already gone is `Ok(false)`.
pub fn signal(pid: u32, sig: i32) -> io::Result<bool> {
    send(pid as i32, sig)
}

/// `kill(-pgid, sig)`: every process in the group (stress-ng's workers
/// outlive their parent otherwise).
pub fn signal_group(pgid: u32, sig: i32) -> io::Result<bool> {
    send(-(pgid as i32), sig)
}

fn send(target: i32, sig: i32) -> io::Result<bool> {
    if target == 0 || target == -1 || target == 1 {
        // 0 and -1 mean "my group" and "everyone": never what we want.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to signal {target}"),
        ));
    }
    // SAFETY: kill(2) takes plain integers and has no memory effects.
    let rc = unsafe { libc::kill(target, sig) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) {
        Ok(false)
    } else {
        Err(err)
    }
}

/// Processes in group `pgid` that still run (zombies excluded).
pub fn group_members(pgid: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|pid| stat(*pid).is_some_and(|s| s.pgid == pgid && s.state != 'Z'))
        .collect()
}

/// Processes whose command line contains `needle` as one argument: how
/// burners tagged `--fault ID` are found again.
pub fn with_argument(needle: &str) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == needle.as_bytes()))
                && stat(*pid).is_some_and(|s| s.state != 'Z')
        })
        .collect()
}

/// Read a pid from a pidfile (first token).
pub fn read_pidfile(path: &Path) -> Result<u32, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("pidfile {}: {e}", path.display()))?;
    text.split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| format!("pidfile {}: no pid in it", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parses_names_with_spaces_and_parens() {
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.pid, 4242);
        assert_eq!(s.comm, "my (odd) name");
        assert_eq!((s.state, s.ppid, s.pgid, s.sid), ('S', 1, 4242, 4242));
        assert_eq!(s.start, 987654);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn this_process_is_alive_and_refused() {
        let me = me(OwnerKind::Console, "t", "i");
        assert!(alive(&me));
        let mut stale = me.clone();
        stale.start += 1;
        assert!(!alive(&stale));
        assert!(refuse_target(1).is_some());
        assert!(refuse_target(std::process::id()).is_some());
        assert!(signal(0, 0).is_err());
        assert!(signal_group(1, 0).is_err());
    }
}
