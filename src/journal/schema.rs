//! Opening a journal file: creating it private (0600), connection pragmas
//! (WAL, synchronous=FULL, busy timeout) and the versioned schema migrations
//! tracked in `PRAGMA user_version`.

use super::error::JournalError;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::fs::{self, DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only:
/// a released step is never edited, because journals in the field already ran it.
pub const MIGRATIONS: &[&str] = &[
    // 1: the append-only, hash-chained event table.
    "CREATE TABLE events (
        id        INTEGER PRIMARY KEY,
        ts        TEXT NOT NULL,
        actor     TEXT NOT NULL,
        kind      TEXT NOT NULL,
        subject   TEXT NOT NULL,
        payload   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX events_kind ON events(kind);
    -- No index on subject: fingerprints are random, so such an index
    -- scatters every batch over the whole tree and costs over a third of
    -- append throughput (BENCHMARKS.md). Per-alarm history is served from
    -- the in-memory projection.
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'cocpit journal is append-only: UPDATE refused'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'cocpit journal is append-only: DELETE refused'); END;",
    // 2: one row the writer rewrites to find out whether the disk has room
    // again after writes failed; not part of the hash chain.
    "CREATE TABLE writable (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at TEXT NOT NULL
    );",
    // 3: projection checkpoints, so a start replays only the rows after the
    // latest one. Not part of the chain: each is tied to the id and hash of
    // the last row it includes, and ignored unless that row still has it.
    "CREATE TABLE checkpoints (
        event_id   INTEGER PRIMARY KEY,
        event_hash TEXT NOT NULL,
        format     INTEGER NOT NULL,
        written_at TEXT NOT NULL,
        data       TEXT NOT NULL
    );",
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Long enough to ride out another console's biggest batch commit, short
/// enough that a wedged peer surfaces as an error instead of a frozen screen.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Page size of new journals, in bytes.
pub const PAGE_SIZE: i64 = 16_384;

/// Open (creating if needed) a journal connection, ready for reads and appends.
pub fn open_connection(path: &Path) -> Result<Connection, JournalError> {
    create_private(path)?;
    refuse_foreign(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| JournalError::sqlite(path, "open", e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| JournalError::sqlite(path, "set busy_timeout", e))?;
    // Only takes effect on a new, empty file (before WAL is switched on).
    // Bigger pages mean fewer index pages dirtied per batch by the subject
    // index, whose inserts land all over the tree (see BENCHMARKS.md).
    conn.pragma_update(None, "page_size", PAGE_SIZE)
        .map_err(|e| JournalError::sqlite(path, "set page_size", e))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(|e| JournalError::sqlite(path, "switch to WAL", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(JournalError::Setup {
            path: path.to_path_buf(),
            reason: format!(
                "cannot switch to WAL (journal_mode is {mode}); consoles could not share it"
            ),
        });
    }
    // FULL by default: in WAL mode NORMAL only survives a process crash, and
    // an operator's ack must also survive the host losing power right after
    // the screen said so. The writer relaxes this for pure-ingest batches.
    // A checkpoint every ~32 MiB of WAL instead of SQLite's 4 MiB: fewer
    // fsyncs, and index pages rewritten by many batches are copied back once.
    let pragmas = "PRAGMA synchronous = FULL;
                   PRAGMA foreign_keys = ON;
                   PRAGMA cache_size = -32768;
                   PRAGMA wal_autocheckpoint = 2048;
                   PRAGMA journal_size_limit = 67108864;";
    conn.execute_batch(pragmas)
        .map_err(|e| JournalError::sqlite(path, "set pragmas", e))?;
    migrate(&conn, path)?;
    tighten_sidecars(path);
    Ok(conn)
}

/// Open an existing journal for reading only: nothing is created, migrated
/// or switched (no WAL pragma, no chmod), so archived evidence on read-only
/// media can be verified and exported, and a read-only console changes
/// nothing. A file that is not a cocpit journal is refused as such.
pub fn open_readonly_connection(path: &Path) -> Result<Connection, JournalError> {
    std::fs::metadata(path).map_err(|e| JournalError::io(path, "open journal", e))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let open = |immutable: bool| -> Result<Connection, rusqlite::Error> {
        let mut uri = format!("file:{}?mode=ro", uri_path(path));
        if immutable {
            uri.push_str("&immutable=1");
        }
        let conn = Connection::open_with_flags(&uri, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Opening is lazy: the first read is what finds a WAL it cannot map.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(conn)
    };
    let conn = match open(false) {
        Ok(conn) => conn,
        // A WAL journal on read-only media without its `-shm` cannot be
        // opened normally. With no `-wal` either, every row is in the main
        // file and `immutable` reads it exactly; with a `-wal`, immutable
        // would silently skip its rows, so say so instead.
        Err(first) => {
            if sidecar(path, "-wal").exists() {
                return Err(JournalError::Setup {
                    path: path.to_path_buf(),
                    reason: format!(
                        "cannot open read-only ({first}); its -wal holds rows that need a \
                         -shm next to it: copy the journal with its -wal to writable storage"
                    ),
                });
            }
            open(true).map_err(|_| JournalError::sqlite(path, "open read-only", first))?
        }
    };
    check_journal(&conn, path)?;
    Ok(conn)
}

/// `path` as the path part of a `file:` URI: everything but plain ASCII
/// and `/` percent-encoded, so `?`, `#` and `%` in a name stay a name.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut side = path.as_os_str().to_owned();
    side.push(suffix);
    std::path::PathBuf::from(side)
}

/// The columns of cocpit's `events` table, in order.
const EVENT_COLUMNS: [&str; 8] = [
    "id",
    "ts",
    "actor",
    "kind",
    "subject",
    "payload",
    "prev_hash",
    "hash",
];

/// Whether `conn` is a cocpit journal this binary can read.
fn check_journal(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    let version = user_version(conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(JournalError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    let columns = event_columns(conn, path)?;
    if version == 0 || columns != EVENT_COLUMNS {
        let what = if columns.is_empty() {
            "it has no events table".to_string()
        } else if version == 0 {
            "its schema version is 0".to_string()
        } else {
            format!("its events table has columns {columns:?}")
        };
        return Err(JournalError::NotAJournal {
            path: path.to_path_buf(),
            reason: what,
        });
    }
    Ok(())
}

fn event_columns(conn: &Connection, path: &Path) -> Result<Vec<String>, JournalError> {
    let op = "read the events table";
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info('events') ORDER BY cid")
        .map_err(|e| JournalError::sqlite(path, op, e))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| JournalError::sqlite(path, op, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| JournalError::sqlite(path, op, e))?;
    Ok(names)
}

/// An existing database that is not a journal (another application's
/// file) is never migrated into one. An empty file, or one cocpit made,
/// is fine. Read without opening a descriptor outside SQLite.
fn refuse_foreign(path: &Path) -> Result<(), JournalError> {
    if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(());
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| JournalError::sqlite(path, "open", e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| JournalError::sqlite(path, "set busy_timeout", e))?;
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| JournalError::sqlite(path, "read the schema", e))?;
    if tables == 0 {
        return Ok(());
    }
    check_journal(&conn, path)
}

/// Serialises file creation inside this process: see [`create_private`].
static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Create parent directories (0700) and the file itself (0600) before SQLite
/// sees it: SQLite would create it with the umask's mode, and it copies the
/// main file's mode onto the `-wal` and `-shm` files it creates later.
///
/// An existing file is never opened here, only stat'ed and chmod'ed by path.
/// On Linux, closing *any* descriptor of a file drops every POSIX lock this
/// process holds on it, SQLite's included; the next client (an outside
/// `sqlite3` reader) then believes it is alone and deletes the WAL under a
/// running console (SQLite's "How To Corrupt", §2.2). A new file is created
/// with `O_EXCL` under a process-wide lock: no connection of this process can
/// be on an inode that did not exist a moment ago.
fn create_private(path: &Path) -> Result<(), JournalError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| JournalError::io(dir, "create directory", e))?;
    }
    let _one_at_a_time = CREATING.lock().unwrap_or_else(|p| p.into_inner());
    match fs::metadata(path) {
        Ok(meta) => {
            if meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| {
                    JournalError::io(path, "make journal file private (chmod 0600)", e)
                })?;
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
            {
                // Dropped at once: nothing else can hold a lock on a new inode.
                Ok(_new) => Ok(()),
                // Another process created it first: it is theirs to have made private.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(JournalError::io(path, "create journal file", e)),
            }
        }
        Err(e) => Err(JournalError::io(path, "stat journal file", e)),
    }
}

/// Sidecars left by an older, looser version of the file are tightened too;
/// failure is only logged since the main file's mode already guards new ones.
fn tighten_sidecars(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = Path::new(&side);
        if let Ok(meta) = fs::metadata(side)
            && meta.permissions().mode() & 0o077 != 0
            && let Err(e) = fs::set_permissions(side, fs::Permissions::from_mode(0o600))
        {
            tracing::warn!(path = %side.display(), error = %e, "cannot make journal sidecar private");
        }
    }
}

fn user_version(conn: &Connection, path: &Path) -> Result<i64, JournalError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| JournalError::sqlite(path, "read schema version", e))
}

fn migrate(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    let found = user_version(conn, path)?;
    if found > SCHEMA_VERSION {
        return Err(JournalError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE, and the version re-read inside: two consoles starting at once
    // on a fresh file must not both run step 1.
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .map_err(|e| JournalError::sqlite(path, "begin migration", e))?;
    let current = user_version(&tx, path)?;
    if current > SCHEMA_VERSION {
        return Err(JournalError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let op = "apply schema migration";
        tx.execute_batch(step)
            .map_err(|e| JournalError::sqlite(path, op, e))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(|e| JournalError::sqlite(path, op, e))?;
    }
    tx.commit()
        .map_err(|e| JournalError::sqlite(path, "commit migration", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_reopen_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/j.db");
        let conn = open_connection(&path).unwrap();
        assert_eq!(user_version(&conn, &path).unwrap(), SCHEMA_VERSION);
        drop(conn);
        let conn = open_connection(&path).unwrap();
        assert_eq!(user_version(&conn, &path).unwrap(), SCHEMA_VERSION);
        let triggers: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(triggers, 2);
        let dir_mode = fs::metadata(dir.path().join("nested/dir"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn connection_uses_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let conn = open_connection(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous must be FULL");
    }

    #[test]
    fn a_loose_existing_file_is_tightened_to_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        fs::write(&path, b"").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        open_connection(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
