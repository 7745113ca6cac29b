//! `disk`: fill a directory with one file, `.cocpit-fill-<id>`, of a given
//! size (`size=512M`) or until only so much is free (`free=1G`); recovery
//! removes that file and nothing else. The blocks are really allocated
//! (`posix_fallocate`, else written), so free space really drops.

use super::super::provider::{Ctx, Health, Provider, data, opt_param, record};
use super::parse_size;
use crate::domain::fault::{FaultSpec, RecoveryRecord, target_name};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

pub struct Disk;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rec {
    path: PathBuf,
    bytes: u64,
}

/// Bytes available to an unprivileged writer on the filesystem of `dir`.
pub fn available(dir: &Path) -> Result<u64, String> {
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| "path has a NUL byte".to_string())?;
    // SAFETY: statvfs writes only into the zeroed struct we pass; the path
    // is a valid NUL-terminated string for the duration of the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 {
        return Err(format!(
            "statvfs {}: {}",
            dir.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

fn allocate(f: &std::fs::File, bytes: u64) -> Result<(), String> {
    let len = libc::off_t::try_from(bytes).map_err(|_| "size too large".to_string())?;
    // SAFETY: a plain syscall on a file descriptor we own.
    let rc = unsafe { libc::posix_fallocate(f.as_raw_fd(), 0, len) };
    if rc == 0 {
        return Ok(());
    }
    if rc != libc::EOPNOTSUPP && rc != libc::EINVAL {
        return Err(std::io::Error::from_raw_os_error(rc).to_string());
    }
    // Filesystems without fallocate: write real zeros.
    let chunk = vec![0u8; 1 << 20];
    let mut left = bytes;
    let mut w = std::io::BufWriter::new(f);
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n]).map_err(|e| e.to_string())?;
        left -= n as u64;
    }
    w.flush().map_err(|e| e.to_string())
}

impl Provider for Disk {
    fn name(&self) -> &'static str {
        "disk"
    }

    fn prepare(&self, spec: &FaultSpec, ctx: &Ctx) -> Result<RecoveryRecord, String> {
        let dir = PathBuf::from(target_name(&spec.target));
        if !dir.is_dir() {
            return Err(format!("disk: {} is not a directory", dir.display()));
        }
        let avail = available(&dir)?;
        let bytes = match (opt_param(spec, "size"), opt_param(spec, "free")) {
            (Some(s), None) => parse_size(s)?,
            (None, Some(f)) => avail
                .checked_sub(parse_size(f)?)
                .ok_or_else(|| format!("disk: only {avail} bytes free, less than free={f}"))?,
            _ => return Err("disk: give exactly one of size=… or free=…".into()),
        };
        if bytes > avail {
            return Err(format!("disk: {bytes} bytes wanted, {avail} available"));
        }
        let path = dir.join(format!(".{}-fill", ctx.tag()));
        let summary = format!("{} ({} MiB)", path.display(), bytes >> 20);
        Ok(record(self.name(), summary, &Rec { path, bytes }))
    }

    fn inject(
        &self,
        _spec: &FaultSpec,
        _ctx: &Ctx,
        prepared: &RecoveryRecord,
    ) -> Result<RecoveryRecord, String> {
        let rec: Rec = data(prepared)?;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&rec.path)
            .map_err(|e| format!("create {}: {e}", rec.path.display()))?;
        if let Err(e) = allocate(&f, rec.bytes) {
            drop(f);
            let _ = std::fs::remove_file(&rec.path);
            return Err(format!("fill {}: {e}", rec.path.display()));
        }
        Ok(prepared.clone())
    }

    fn recover(&self, record: &RecoveryRecord) -> Result<String, String> {
        let rec: Rec = data(record)?;
        match std::fs::remove_file(&rec.path) {
            Ok(()) => Ok(format!("removed {}", rec.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok("fill file already gone".into())
            }
            Err(e) => Err(format!("remove {}: {e}", rec.path.display())),
        }
    }

    fn check(&self, record: &RecoveryRecord) -> Health {
        match data::<Rec>(record) {
            Ok(rec) if rec.path.exists() => Health::Active,
            Ok(_) => Health::Gone,
            Err(e) => Health::Unknown(e),
        }
    }
}
