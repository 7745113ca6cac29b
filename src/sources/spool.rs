//! The spool directory: JSON alarm files dropped into a directory (by a
//! script, a cron job, another tool) are ingested, then moved to `done/`,
//! or to `failed/` with a `NAME.reason` file saying why. Watched with
//! `notify`, plus a periodic rescan (network filesystems miss events).
//!
//! Two shapes are accepted, one alarm or an array of them per file:
//! - the Alertmanager alert (`labels`, `annotations`, `startsAt`, `endsAt`,
//!   `generatorURL`), resolved by an `endsAt` in the past;
//! - the Huawei Cloud COC custom alarm (`alarmId`, `alarmName`,
//!   `alarmLevel: Critical|Major|Minor|Info`, `alarmStatus: alarm|ok`,
//!   `alarmSource`, `alarmDesc`, `URL`, `additional`), resolved by `ok`.
//!
//! Write files under another name and rename them to `*.json` when
//! complete; a file that does not parse yet and is younger than two seconds
//! is retried rather than failed.
//!
//! The spool is written by others, so cocpit trusts no name in it: every
//! file is opened, moved and created relative to directory handles (`openat`,
//! `renameat2`), never through a symbolic link — `done/` and `failed/` are
//! opened with `O_NOFOLLOW`, spool files with `O_NOFOLLOW | O_NONBLOCK`, a
//! `NAME.reason` is created with `O_CREAT | O_EXCL | O_NOFOLLOW`, and moves
//! never replace an existing name. A symbolic link, anything but a regular
//! file, a file over `max_file_bytes` and a name that is not UTF-8 all go
//! to `failed/` with the reason, unread. Each is also a `source.error`.
//!
//! The task keeps only the fingerprints (and `endsAt`) of what the spool
//! has firing and sends the core what changed (`Msg::Changes`), so the
//! alarms themselves are held once, on the board.

use crate::app::sources::SourceMsg;
use crate::app::{Msg, SourceStatus};
use crate::domain::alarm::{Labels, Text, short};
use crate::domain::{AlarmBoard, ObservedAlarm, Severity};
use crate::sources::alertmanager::api::observed_from_labels;
use crate::sources::config::SpoolConfig;
use crate::sources::health::mib;
use chrono::{DateTime, Utc};
use notify::Watcher;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::ffi::{CString, OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const SOURCE: &str = "spool";
const YOUNG: Duration = Duration::from_secs(2);

/// What one entry in a spool file says.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Firing {
        alarm: ObservedAlarm,
        ends_at: Option<DateTime<Utc>>,
    },
    Resolved {
        fingerprint: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CocAlarm {
    alarm_id: String,
    alarm_name: String,
    alarm_level: String,
    alarm_status: String,
    #[serde(default)]
    alarm_source: String,
    #[serde(default)]
    alarm_desc: String,
    #[serde(default, rename = "URL")]
    url: Option<String>,
    #[serde(default)]
    additional: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(default)]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
}

/// COC alarms are keyed by their id alone, so `ok` resolves the same alarm
/// whatever else changed.
pub fn coc_fingerprint(alarm_id: &str) -> String {
    let mut l = Labels::new();
    l.insert("coc_alarm_id", alarm_id.to_string());
    crate::domain::fingerprint(&l)
}

fn coc(v: &RawValue, now: DateTime<Utc>) -> Result<Entry, String> {
    let c: CocAlarm = serde_json::from_str(v.get()).map_err(|e| format!("COC alarm: {e}"))?;
    if c.alarm_id.trim().is_empty() {
        return Err("COC alarm: empty alarmId".into());
    }
    let fingerprint = coc_fingerprint(&c.alarm_id);
    let severity = match c.alarm_level.as_str() {
        "Critical" => Severity::Critical,
        "Major" => Severity::Major,
        "Minor" => Severity::Minor,
        "Info" => Severity::Info,
        other => {
            return Err(format!(
                "COC alarm {}: alarmLevel {:?} is not Critical, Major, Minor or Info",
                short(&c.alarm_id, 80),
                short(other, 80)
            ));
        }
    };
    match c.alarm_status.as_str() {
        "ok" => return Ok(Entry::Resolved { fingerprint }),
        "alarm" => {}
        other => {
            return Err(format!(
                "COC alarm {}: alarmStatus {:?} is not alarm or ok",
                short(&c.alarm_id, 80),
                short(other, 80)
            ));
        }
    }
    let mut labels = Labels::new();
    labels.insert("alertname", c.alarm_name.clone());
    labels.insert("severity", severity.as_str());
    labels.insert("alarm_id", c.alarm_id.clone());
    if !c.alarm_source.is_empty() {
        labels.insert("service", c.alarm_source.clone());
    }
    let mut annotations = Labels::new();
    if !c.alarm_desc.is_empty() {
        annotations.insert("summary", c.alarm_desc);
    }
    if let Some(Value::Object(extra)) = c.additional {
        for (k, v) in extra {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            annotations.insert(format!("additional.{k}"), v);
        }
    }
    let mut alarm = observed_from_labels(
        SOURCE,
        Some(fingerprint),
        labels,
        annotations,
        now,
        c.url.filter(|u| !u.is_empty()),
    )
    .bounded()?;
    alarm.severity = severity;
    Ok(Entry::Firing {
        alarm,
        ends_at: None,
    })
}

fn am(v: &RawValue, now: DateTime<Utc>) -> Result<Entry, String> {
    let a: AmAlert =
        serde_json::from_str(v.get()).map_err(|e| format!("Alertmanager alert: {e}"))?;
    if !a.labels.contains_key("alertname") {
        return Err("Alertmanager alert: no alertname label".into());
    }
    let fingerprint = crate::domain::fingerprint(&a.labels);
    if a.ends_at.is_some_and(|e| e.timestamp() > 0 && e <= now) {
        return Ok(Entry::Resolved { fingerprint });
    }
    Ok(Entry::Firing {
        alarm: observed_from_labels(
            SOURCE,
            Some(fingerprint),
            a.labels,
            a.annotations,
            a.starts_at.unwrap_or(now),
            a.generator_url.filter(|u| !u.is_empty()),
        )
        .bounded()?,
        ends_at: a.ends_at.filter(|e| e.timestamp() > 0),
    })
}

/// Which shape an entry has, without building it.
#[derive(Deserialize)]
struct Probe {
    #[serde(default, rename = "alarmId")]
    alarm_id: Option<IgnoredAny>,
    #[serde(default)]
    labels: Option<IgnoredAny>,
}

/// Parse a spool file's contents. Entries are parsed straight into alarms
/// (no intermediate JSON tree of the whole file).
pub fn parse(body: &[u8], now: DateTime<Utc>) -> Result<Vec<Entry>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("not JSON: not UTF-8 ({e})"))?;
    let items: Vec<&RawValue> = match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?,
        Some(b'{') => vec![serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?],
        Some(_) => {
            // Valid JSON of another kind, or not JSON at all: say which.
            return match serde_json::from_str::<IgnoredAny>(text) {
                Ok(_) => Err("expected an alarm object or an array of them".into()),
                Err(e) => Err(format!("not JSON: {e}")),
            };
        }
        None => return Err("not JSON: empty file".into()),
    };
    if items.is_empty() {
        return Err("no alarms in the file".into());
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let probe: Probe = serde_json::from_str(item.get())
                .map_err(|_| "expected an alarm object".to_string())
                .map_err(|e| format!("entry {i}: {e}"))?;
            let r = if probe.alarm_id.is_some() {
                coc(item, now)
            } else if probe.labels.is_some() {
                am(item, now)
            } else {
                Err("neither a COC alarm (alarmId) nor an Alertmanager alert (labels)".into())
            };
            r.map_err(|e| format!("entry {i}: {e}"))
        })
        .collect()
}

/// The spool's firing set: fingerprint → its `endsAt`, if any. The alarms
/// themselves are on the board; new and changed ones wait here until the
/// task sends them to the core.
#[derive(Debug)]
pub struct SpoolState {
    /// Keys interned: the board holds the same strings.
    pub firing: HashMap<Text, Option<DateTime<Utc>>>,
    changed: HashMap<String, ObservedAlarm>,
    resolved: HashMap<String, String>,
    pub max_alarms: usize,
    pub done: u64,
    pub failed: u64,
}

impl Default for SpoolState {
    fn default() -> SpoolState {
        SpoolState::new(usize::MAX)
    }
}

impl SpoolState {
    pub fn new(max_alarms: usize) -> SpoolState {
        SpoolState {
            firing: HashMap::new(),
            changed: HashMap::new(),
            resolved: HashMap::new(),
            max_alarms,
            done: 0,
            failed: 0,
        }
    }

    /// Apply one file's entries, or none of them when they would take the
    /// set over `max_alarms`.
    pub fn apply(&mut self, entries: Vec<Entry>) -> Result<(), String> {
        let mut new = HashSet::new();
        let mut gone = HashSet::new();
        for e in &entries {
            match e {
                Entry::Firing { alarm, .. } => {
                    gone.remove(alarm.fingerprint.as_str());
                    if !self.firing.contains_key(alarm.fingerprint.as_str()) {
                        new.insert(alarm.fingerprint.as_str());
                    }
                }
                Entry::Resolved { fingerprint } => {
                    new.remove(fingerprint.as_str());
                    if self.firing.contains_key(fingerprint.as_str()) {
                        gone.insert(fingerprint.as_str());
                    }
                }
            }
        }
        let after = self.firing.len() + new.len() - gone.len();
        if !new.is_empty() && after > self.max_alarms {
            return Err(format!(
                "spool full: {} alarms firing, this file adds {} (max_alarms = {})",
                self.firing.len(),
                new.len(),
                self.max_alarms
            ));
        }
        for e in entries {
            match e {
                Entry::Firing { alarm, ends_at } => {
                    self.firing.insert(alarm.fingerprint.clone(), ends_at);
                    self.resolved.remove(alarm.fingerprint.as_str());
                    self.changed.insert(alarm.fingerprint.to_string(), alarm);
                }
                Entry::Resolved { fingerprint } => {
                    if self.firing.remove(fingerprint.as_str()).is_some() {
                        self.changed.remove(&fingerprint);
                        self.resolved
                            .insert(fingerprint, "resolved by a spool file".into());
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolve alarms whose `endsAt` passed. Returns whether any did.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let gone: Vec<Text> = self
            .firing
            .iter()
            .filter(|(_, end)| end.is_some_and(|e| e <= now))
            .map(|(fp, _)| fp.clone())
            .collect();
        for fp in &gone {
            self.firing.remove(fp.as_str());
            self.changed.remove(fp.as_str());
            self.resolved.insert(fp.to_string(), "endsAt passed".into());
        }
        !gone.is_empty()
    }

    /// What changed since the last call, if anything.
    pub fn take_changes(&mut self) -> Option<crate::sources::ChangeSet> {
        if self.changed.is_empty() && self.resolved.is_empty() {
            return None;
        }
        Some((
            std::mem::take(&mut self.changed).into_values().collect(),
            std::mem::take(&mut self.resolved).into_iter().collect(),
        ))
    }
}

fn io_err(what: &str, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn cstr(name: &OsStr) -> std::io::Result<CString> {
    CString::new(name.as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in a file name"))
}

/// A directory held open: everything inside it is reached relative to the
/// handle, so no path is resolved again (and no symlink followed) later.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    pub path: PathBuf,
}

impl Dir {
    /// Open `path` itself (a link in the configured path is the admin's).
    pub fn open(path: &Path) -> std::io::Result<Dir> {
        let c = cstr(path.as_os_str())?;
        // SAFETY: a valid C string; the returned fd is checked and owned.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io_err(
                &path.display().to_string(),
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        Ok(Dir {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            path: path.to_path_buf(),
        })
    }

    /// The subdirectory `name`, created if missing; a symbolic link (or
    /// anything but a directory) there is refused.
    pub fn sub(&self, name: &str) -> std::io::Result<Dir> {
        let c = cstr(OsStr::new(name))?;
        let path = self.path.join(name);
        // SAFETY: valid fd and C string.
        let made = unsafe { libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), 0o750) };
        if made < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(io_err(&path.display().to_string(), e));
            }
        }
        // SAFETY: valid fd and C string; the result is checked and owned.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            let why = if matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::ENOTDIR)) {
                "a symbolic link or not a directory: refused".to_string()
            } else {
                e.to_string()
            };
            return Err(std::io::Error::other(format!("{}: {why}", path.display())));
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        Ok(Dir {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            path,
        })
    }

    /// The names in this directory (of the directory held, via /proc).
    fn names(&self) -> std::io::Result<Vec<(OsString, std::fs::FileType)>> {
        let via_fd = PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()));
        let list = std::fs::read_dir(&via_fd).or_else(|_| std::fs::read_dir(&self.path))?;
        Ok(list
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_type().ok().map(|t| (e.file_name(), t)))
            .collect())
    }

    fn exists(&self, name: &OsStr) -> bool {
        let Ok(c) = cstr(name) else { return false };
        // SAFETY: valid fd, C string and stat buffer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        unsafe {
            libc::fstatat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            ) == 0
        }
    }

    /// Open a regular file for reading, never through a link, never
    /// blocking on a FIFO. Returns the file and its metadata.
    fn open_file(&self, name: &OsStr) -> Result<(std::fs::File, libc::stat), Refusal> {
        let c = cstr(name).map_err(|e| Refusal::Io(e.to_string()))?;
        // SAFETY: valid fd and C string; the result is checked and owned.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY
                    | libc::O_NOFOLLOW
                    | libc::O_NONBLOCK
                    | libc::O_NOCTTY
                    | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) => Refusal::Symlink,
                Some(libc::ENOENT) => Refusal::Gone,
                _ => Refusal::Io(e.to_string()),
            });
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        // SAFETY: valid fd and stat buffer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(file.as_raw_fd(), &mut st) } != 0 {
            return Err(Refusal::Io(std::io::Error::last_os_error().to_string()));
        }
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(Refusal::NotRegular);
        }
        Ok((file, st))
    }

    /// Move `name` into `to` under a name not in use there (`name`, else
    /// `<stamp>-name`), never replacing anything. `side` is a companion
    /// (suffix, text) written next to it *before* the move (`.reason`), so
    /// whoever watches `to` never sees the file without it. Returns the
    /// name used.
    fn move_to(
        &self,
        name: &OsStr,
        to: &Dir,
        side: Option<(&str, &str)>,
    ) -> std::io::Result<OsString> {
        let from = cstr(name)?;
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3f");
        for attempt in 0..100 {
            let candidate: OsString = match attempt {
                0 => name.to_os_string(),
                1 => {
                    let mut n = OsString::from(format!("{stamp}-"));
                    n.push(name);
                    n
                }
                k => {
                    let mut n = OsString::from(format!("{stamp}-{k}-"));
                    n.push(name);
                    n
                }
            };
            let mut side_name = None;
            if let Some((suffix, text)) = side {
                let mut n = candidate.clone();
                n.push(suffix);
                if !to.create_exact(&n, text)? {
                    continue;
                }
                side_name = Some(n);
            }
            match self.rename_into(&from, to, &candidate) {
                Ok(true) => return Ok(candidate),
                Ok(false) => {}
                Err(e) => {
                    if let Some(n) = &side_name {
                        to.remove(n);
                    }
                    return Err(e);
                }
            }
            if let Some(n) = &side_name {
                to.remove(n);
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "no free name",
        ))
    }

    /// Rename `from` here to `candidate` in `to` without replacing
    /// anything: `Ok(false)` when the name is taken.
    fn rename_into(&self, from: &CString, to: &Dir, candidate: &OsStr) -> std::io::Result<bool> {
        let dest = cstr(candidate)?;
        // SAFETY: valid fds and C strings.
        let r = unsafe {
            libc::renameat2(
                self.fd.as_raw_fd(),
                from.as_ptr(),
                to.fd.as_raw_fd(),
                dest.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if r == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EEXIST) => Ok(false),
            // A filesystem without RENAME_NOREPLACE: check, then rename
            // (rename replaces a name, it never writes through a link).
            Some(libc::EINVAL) | Some(libc::ENOSYS) => {
                if to.exists(candidate) {
                    return Ok(false);
                }
                // SAFETY: valid fds and C strings.
                let r = unsafe {
                    libc::renameat(
                        self.fd.as_raw_fd(),
                        from.as_ptr(),
                        to.fd.as_raw_fd(),
                        dest.as_ptr(),
                    )
                };
                if r == 0 {
                    Ok(true)
                } else {
                    Err(std::io::Error::last_os_error())
                }
            }
            _ => Err(e),
        }
    }

    /// Create `name` (it must not exist: never through a link) and write
    /// `text`: `Ok(false)` when the name is taken.
    fn create_exact(&self, name: &OsStr, text: &str) -> std::io::Result<bool> {
        use std::io::Write;
        let c = cstr(name)?;
        // SAFETY: valid fd and C string; the result is checked and owned.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o640 as libc::c_uint,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return Ok(false);
            }
            return Err(e);
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
        if let Err(e) = f.write_all(text.as_bytes()) {
            drop(f);
            self.remove(name);
            return Err(e);
        }
        Ok(true)
    }

    /// Remove a file this process created (best effort: it is only ever a
    /// companion whose main file did not move).
    fn remove(&self, name: &OsStr) {
        if let Ok(c) = cstr(name) {
            // SAFETY: valid fd and C string.
            unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) };
        }
    }
}

/// Why a file was not read.
#[derive(Debug)]
enum Refusal {
    Symlink,
    NotRegular,
    Gone,
    Io(String),
}

/// The spool directory and its `done/` and `failed/`, held open.
#[derive(Debug)]
pub struct Spool {
    pub dir: Dir,
    done: Dir,
    failed: Dir,
    max_file_bytes: u64,
}

impl Spool {
    /// Open (and create) the spool; refuses `done` or `failed` that are
    /// symbolic links.
    pub fn open(dir: &Path, max_file_bytes: u64) -> std::io::Result<Spool> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(&dir.display().to_string(), e))?;
        let d = Dir::open(dir)?;
        let done = d.sub("done")?;
        let failed = d.sub("failed")?;
        Ok(Spool {
            dir: d,
            done,
            failed,
            max_file_bytes,
        })
    }

    /// Move a file to `failed/` next to `NAME.reason` (written first).
    fn fail(&self, name: &OsStr, reason: &str) -> std::io::Result<()> {
        let text = format!("{reason}\n");
        self.dir
            .move_to(name, &self.failed, Some((".reason", &text)))?;
        Ok(())
    }
}

/// What one scan did.
#[derive(Debug, Default)]
pub struct Scan {
    /// The firing set changed.
    pub changed: bool,
    /// Files moved to `failed/`: (error class, reason with the file name).
    pub failures: Vec<(&'static str, String)>,
}

/// What became of one file.
enum Outcome {
    Ingested,
    /// Not ready (still being written, or gone): left for the next scan.
    Later,
    /// To `failed/`: the error class and the reason.
    Failed(&'static str, String),
}

const SYMLINK: &str = "a symbolic link: refused (the spool takes regular files only)";

/// Ingest every ready `*.json` file in the spool.
pub fn scan(sp: &Spool, st: &mut SpoolState, now: DateTime<Utc>) -> std::io::Result<Scan> {
    let mut files: Vec<(OsString, std::fs::FileType)> = sp
        .dir
        .names()?
        .into_iter()
        .filter(|(n, _)| {
            let b = n.as_bytes();
            b.ends_with(b".json") && !b.starts_with(b".")
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Scan::default();
    for (name, kind) in files {
        match ingest_one(sp, st, &name, kind, now) {
            Outcome::Ingested => {
                out.changed = true;
                st.done += 1;
                sp.dir.move_to(&name, &sp.done, None)?;
            }
            Outcome::Later => {}
            Outcome::Failed(class, reason) => {
                st.failed += 1;
                sp.fail(&name, &reason)?;
                let shown = short(&name.to_string_lossy(), 120).into_owned();
                out.failures.push((class, format!("{shown}: {reason}")));
            }
        }
    }
    Ok(out)
}

fn ingest_one(
    sp: &Spool,
    st: &mut SpoolState,
    name: &OsStr,
    kind: std::fs::FileType,
    now: DateTime<Utc>,
) -> Outcome {
    let shown = short(&name.to_string_lossy(), 120).into_owned();
    if name.to_str().is_none() {
        return Outcome::Failed("name", "the file name is not UTF-8".into());
    }
    if kind.is_symlink() {
        return Outcome::Failed("symlink", SYMLINK.into());
    }
    let (file, meta) = match sp.dir.open_file(name) {
        Ok(f) => f,
        Err(Refusal::Gone) => return Outcome::Later,
        Err(Refusal::Symlink) => return Outcome::Failed("symlink", SYMLINK.into()),
        Err(Refusal::NotRegular) => {
            return Outcome::Failed("not-a-file", "not a regular file: refused".into());
        }
        Err(Refusal::Io(e)) => {
            tracing::warn!("spool {shown}: {e}");
            return Outcome::Later;
        }
    };
    let cap = mib(sp.max_file_bytes as usize);
    let size = meta.st_size.max(0) as u64;
    if size > sp.max_file_bytes {
        return Outcome::Failed(
            "too-large",
            format!("{size} bytes, over {cap} (max_file_bytes): not read"),
        );
    }
    let mut body = Vec::with_capacity(size as usize);
    // One byte more than the cap: a file still growing is caught too.
    if let Err(e) = file.take(sp.max_file_bytes + 1).read_to_end(&mut body) {
        tracing::warn!("spool {shown}: {e}");
        return Outcome::Later;
    }
    if body.len() as u64 > sp.max_file_bytes {
        return Outcome::Failed(
            "too-large",
            format!("over {cap} (max_file_bytes): not read"),
        );
    }
    let entries = match parse(&body, now) {
        Ok(e) => e,
        Err(reason) => {
            let modified = DateTime::<Utc>::from_timestamp(meta.st_mtime, 0);
            let young =
                modified.is_some_and(|m| m > now || (now - m).to_std().is_ok_and(|a| a < YOUNG));
            if young {
                return Outcome::Later; // probably still being written
            }
            return Outcome::Failed("malformed", reason);
        }
    };
    match st.apply(entries) {
        Ok(()) => Outcome::Ingested,
        Err(reason) => Outcome::Failed("full", format!("refused: {reason}")),
    }
}

pub fn spawn(
    cfg: &SpoolConfig,
    board: &AlarmBoard,
    tx: mpsc::Sender<Msg>,
) -> std::io::Result<JoinHandle<()>> {
    let spool = Spool::open(&cfg.dir, cfg.max_file_bytes)?;
    let dir = cfg.dir.clone();
    let mut st = SpoolState::new(cfg.max_alarms);
    // The files are gone once ingested: what is still firing is in the journal.
    for a in board
        .iter()
        .filter(|a| a.is_firing() && a.observed.source == SOURCE)
    {
        st.firing.insert(Text::new(a.fingerprint()), None);
    }
    let (wake_tx, mut wake) = mpsc::channel::<()>(1);
    let mut watcher = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = wake_tx.try_send(());
    })
    .map_err(std::io::Error::other)?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(std::io::Error::other)?;
    let rescan = cfg.rescan.0.max(Duration::from_millis(200));
    let spool = std::sync::Arc::new(spool);
    Ok(tokio::spawn(async move {
        let _keep_watching = watcher;
        let mut settle = crate::sources::Settle::default();
        loop {
            let now = Utc::now();
            let sp = spool.clone();
            let (result, back) = tokio::task::spawn_blocking(move || {
                let r = scan(&sp, &mut st, now);
                (r, st)
            })
            .await
            .unwrap_or_else(|e| {
                (
                    Err(std::io::Error::other(e.to_string())),
                    SpoolState::default(),
                )
            });
            st = back;
            st.expire(now);
            let status = match &result {
                Ok(_) => SourceStatus {
                    name: SOURCE.into(),
                    up: true,
                    last_ok: Some(now),
                    latency_ms: None,
                    detail: format!(
                        "{} firing · {} ingested, {} failed",
                        st.firing.len(),
                        st.done,
                        st.failed
                    ),
                },
                Err(e) => SourceStatus {
                    name: SOURCE.into(),
                    up: false,
                    last_ok: None,
                    latency_ms: None,
                    detail: format!("{}: {e}", dir.display()),
                },
            };
            if let Some((firing, resolved)) = st.take_changes() {
                settle.changed(firing.len() + resolved.len());
                if !crate::sources::send_changes(&tx, SOURCE, firing, resolved).await {
                    return;
                }
            }
            if settle.due() {
                let _ = tokio::task::spawn_blocking(crate::sources::release_memory).await;
            }
            let mut msgs = Vec::new();
            if let Ok(scan) = result {
                for (class, reason) in scan.failures {
                    msgs.push(Msg::Source(SourceMsg::SourceError {
                        source: SOURCE.into(),
                        class: class.into(),
                        reason: short(&reason, 500).into_owned(),
                    }));
                }
            }
            msgs.push(Msg::SourceHealth(status));
            for m in msgs {
                if tx.send(m).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(rescan) => {}
                _ = wake.recv() => {
                    // Let a burst of events (create + write + rename) settle.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-25T16:00:00Z".parse().unwrap()
    }

    #[test]
    fn coc_alarm_and_its_ok() {
        let body = br#"{"alarmId":"A-1","alarmName":"DiskFull","alarmLevel":"Major","alarmStatus":"alarm",
            "alarmSource":"ecs","alarmDesc":"disk 97%","URL":"https://console.example/a1","additional":{"host":"h1","pct":97}}"#;
        let e = parse(body, now()).unwrap();
        let Entry::Firing { alarm, .. } = &e[0] else {
            panic!("{e:?}")
        };
        assert_eq!(alarm.name, "DiskFull");
        assert_eq!(alarm.severity, Severity::Major);
        assert_eq!(alarm.service(), "ecs");
        assert_eq!(alarm.annotations["summary"], "disk 97%");
        assert_eq!(alarm.annotations["additional.pct"], "97");
        assert_eq!(
            alarm.generator_url.as_deref(),
            Some("https://console.example/a1")
        );
        let ok =
            br#"{"alarmId":"A-1","alarmName":"DiskFull","alarmLevel":"Major","alarmStatus":"ok"}"#;
        assert_eq!(
            parse(ok, now()).unwrap(),
            vec![Entry::Resolved {
                fingerprint: alarm.fingerprint.to_string()
            }]
        );
        let bad =
            br#"{"alarmId":"A-1","alarmName":"X","alarmLevel":"Severe","alarmStatus":"alarm"}"#;
        assert!(parse(bad, now()).unwrap_err().contains("Severe"));
    }

    #[test]
    fn alertmanager_shape_from_a_real_request() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/samples/alertmanager/post-alerts-synthetic-request.json");
        let body = std::fs::read(p).unwrap();
        let e = parse(&body, now()).unwrap();
        assert_eq!(e.len(), 2);
        assert!(
            matches!(&e[0], Entry::Firing { alarm, .. } if alarm.severity == Severity::Critical)
        );
        let resolved = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/samples/alertmanager/post-alerts-resolve-request.json"),
        )
        .unwrap();
        assert!(matches!(
            parse(&resolved, now()).unwrap()[0],
            Entry::Resolved { .. }
        ));
    }

    fn spool() -> (tempfile::TempDir, Spool) {
        let dir = tempfile::tempdir().unwrap();
        let sp = Spool::open(dir.path(), 1 << 20).unwrap();
        (dir, sp)
    }

    fn age(p: &Path) {
        // Old enough to be judged complete.
        let old = std::time::SystemTime::now() - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }

    #[test]
    fn scan_moves_files_and_explains_failures() {
        let (dir, sp) = spool();
        let d = dir.path();
        std::fs::write(
            d.join("a.json"),
            br#"[{"labels":{"alertname":"X","severity":"critical"}}]"#,
        )
        .unwrap();
        std::fs::write(d.join("b.json"), b"{oops").unwrap();
        std::fs::write(d.join("ignored.tmp"), b"{oops").unwrap();
        age(&d.join("b.json"));
        let mut st = SpoolState::default();
        let scan1 = scan(&sp, &mut st, Utc::now()).unwrap();
        assert!(scan1.changed);
        let (firing, resolved) = st.take_changes().unwrap();
        assert_eq!((firing.len(), resolved.len()), (1, 0));
        assert!(d.join("done/a.json").exists());
        assert!(d.join("failed/b.json").exists());
        let reason = std::fs::read_to_string(d.join("failed/b.json.reason")).unwrap();
        assert!(reason.contains("not JSON"), "{reason}");
        assert_eq!(scan1.failures[0].0, "malformed");
        assert!(d.join("ignored.tmp").exists());
        assert_eq!((st.done, st.failed), (1, 1));
        // A second file of the same name does not replace the first.
        std::fs::write(d.join("b.json"), b"{oops again").unwrap();
        age(&d.join("b.json"));
        scan(&sp, &mut st, Utc::now()).unwrap();
        assert_eq!(std::fs::read(d.join("failed/b.json")).unwrap(), b"{oops");
        let failed: Vec<String> = std::fs::read_dir(d.join("failed"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(failed.len(), 4, "{failed:?}");
    }

    #[test]
    fn resolves_and_end_times_become_changes() {
        let now = now();
        let mut st = SpoolState::new(10);
        let fire = parse(
            br#"[{"labels":{"alertname":"A"},"endsAt":"2026-11-25T16:05:00Z"},{"labels":{"alertname":"B"}}]"#,
            now,
        )
        .unwrap();
        st.apply(fire).unwrap();
        assert_eq!(st.take_changes().unwrap().0.len(), 2);
        assert!(st.take_changes().is_none());
        assert!(st.expire(now + chrono::Duration::minutes(6)));
        let (_, resolved) = st.take_changes().unwrap();
        assert_eq!(resolved[0].1, "endsAt passed");
        let ok = parse(
            br#"[{"labels":{"alertname":"B"},"endsAt":"2026-11-25T15:00:00Z"}]"#,
            now,
        )
        .unwrap();
        st.apply(ok).unwrap();
        let (_, resolved) = st.take_changes().unwrap();
        assert_eq!(resolved[0].1, "resolved by a spool file");
        assert!(st.firing.is_empty());
    }

    #[test]
    fn a_full_spool_refuses_the_whole_file() {
        let now = now();
        let mut st = SpoolState::new(2);
        let three = parse(
            br#"[{"labels":{"alertname":"A"}},{"labels":{"alertname":"B"}},{"labels":{"alertname":"C"}}]"#,
            now,
        )
        .unwrap();
        let e = st.apply(three).unwrap_err();
        assert!(e.contains("max_alarms = 2"), "{e}");
        assert!(st.firing.is_empty() && st.take_changes().is_none());
        let two = parse(
            br#"[{"labels":{"alertname":"A"}},{"labels":{"alertname":"B"}}]"#,
            now,
        )
        .unwrap();
        st.apply(two).unwrap();
        // Resolving one and adding one in the same file fits.
        let swap = parse(
            br#"[{"labels":{"alertname":"A"},"endsAt":"2026-11-25T15:00:00Z"},{"labels":{"alertname":"C"}}]"#,
            now,
        )
        .unwrap();
        st.apply(swap).unwrap();
        assert_eq!(st.firing.len(), 2);
    }

    #[test]
    fn oversized_entries_are_refused_or_cut() {
        let big = "x".repeat(crate::domain::alarm::bounds::LABEL_VALUE + 1);
        let body = format!(r#"{{"labels":{{"alertname":"A","instance":"{big}"}}}}"#);
        let e = parse(body.as_bytes(), now()).unwrap_err();
        assert!(e.contains("label instance"), "{e}");
        let long = "y".repeat(100_000);
        let body =
            format!(r#"{{"labels":{{"alertname":"A"}},"annotations":{{"summary":"{long}"}}}}"#);
        let e = parse(body.as_bytes(), now()).unwrap();
        let Entry::Firing { alarm, .. } = &e[0] else {
            panic!()
        };
        assert!(
            alarm.annotations["summary"].len() <= crate::domain::alarm::bounds::ANNOTATION_VALUE
        );
        assert!(alarm.annotations.contains_key("cocpit_truncated"));
        let json = serde_json::to_vec(alarm).unwrap();
        assert!(json.len() < 64 * 1024, "{}", json.len());
    }
}
