//! The spool directory is written by others: cocpit must never follow a
//! symbolic link in it (reading or writing), and must not leave a file it
//! cannot name behind forever. Through the headless console.

use cocpit::app::State;
use cocpit::runtime::headless::Headless;
use cocpit::sources::config::{Dur, LiveConfig, SpoolConfig};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

fn config(spool: &Path) -> LiveConfig {
    LiveConfig {
        spool: Some(SpoolConfig {
            rescan: Dur(Duration::from_millis(300)),
            ..SpoolConfig::new(spool.to_path_buf())
        }),
        ..LiveConfig::default()
    }
}

/// Old enough to be judged complete (not still being written).
fn age(p: &Path) {
    let old = std::time::SystemTime::now() - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `ln -s VICTIM spool/failed/g.json.reason` and a bad `g.json` used to
/// overwrite VICTIM with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reason_file_never_writes_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(spool.join("failed")).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, spool.join("failed/g.json.reason")).unwrap();
    std::fs::write(spool.join("g.json"), "{not json").unwrap();
    age(&spool.join("g.json"));
    let mut h = Headless::start(&dir.path().join("j.db"), "op", config(&spool))
        .await
        .unwrap();
    let moved = spool.join("failed");
    let bad = spool.join("g.json");
    assert!(
        h.until(Duration::from_secs(10), move |_| !bad.exists())
            .await
    );
    h.pump(Duration::from_millis(500)).await;
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    // The link is still a link, and the reason is in a file of its own.
    assert!(
        std::fs::symlink_metadata(moved.join("g.json.reason"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let reasons: Vec<String> = names(&moved)
        .into_iter()
        .filter(|n| n.contains(".reason") && n != "g.json.reason")
        .collect();
    assert_eq!(reasons.len(), 1, "{:?}", names(&moved));
    let text = std::fs::read_to_string(moved.join(&reasons[0])).unwrap();
    assert!(text.contains("not JSON"), "{text}");
    h.shutdown();
}

/// A link in the spool to a file cocpit may read but the dropper may not
/// (or to a FIFO, a device) is refused unread and moved to `failed/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_in_the_spool_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let secret = dir.path().join("secret.json");
    std::fs::write(
        &secret,
        r#"{"labels":{"alertname":"StolenSecret","severity":"critical"}}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, spool.join("stolen.json")).unwrap();
    std::fs::write(
        spool.join("honest.json"),
        r#"{"labels":{"alertname":"Honest","severity":"warning"}}"#,
    )
    .unwrap();
    let mut h = Headless::start(&dir.path().join("j.db"), "op", config(&spool))
        .await
        .unwrap();
    let link = spool.join("failed/stolen.json");
    let l2 = link.clone();
    assert!(
        h.until(Duration::from_secs(10), move |s: &State| {
            std::fs::symlink_metadata(&l2).is_ok() && s.board.iter().any(|a| a.name() == "Honest")
        })
        .await,
        "spool: {:?}, failed: {:?}",
        names(&spool),
        names(&spool.join("failed"))
    );
    h.pump(Duration::from_millis(500)).await;
    assert!(!h.state.board.iter().any(|a| a.name() == "StolenSecret"));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let reason = std::fs::read_to_string(spool.join("failed/stolen.json.reason")).unwrap();
    assert!(reason.contains("symbolic link"), "{reason}");
    assert!(secret.exists() && !spool.join("done/stolen.json").exists());
    h.shutdown();
}

/// A file name that is not UTF-8 used to be skipped forever. The reason is
/// read as soon as the file shows in `failed/`: it is written before the
/// move, so a watcher never finds a failed file without it (CI once did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_is_not_utf8_moves_to_failed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.json");
    std::fs::write(
        spool.join(name),
        r#"{"labels":{"alertname":"Latin1","severity":"warning"}}"#,
    )
    .unwrap();
    let mut h = Headless::start(&dir.path().join("j.db"), "op", config(&spool))
        .await
        .unwrap();
    let failed = spool.join("failed").join(name);
    let f2 = failed.clone();
    assert!(
        h.until(Duration::from_secs(10), move |_| f2.exists()).await,
        "still in the spool: {:?}",
        names(&spool)
    );
    let mut reason_name = name.to_os_string();
    reason_name.push(".reason");
    let reason = std::fs::read_to_string(spool.join("failed").join(reason_name)).unwrap();
    assert!(reason.contains("not UTF-8"), "{reason}");
    assert!(!spool.join(name).exists());
    h.shutdown();
}

/// `done/` or `failed/` replaced by a link (to /etc, say) is refused at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_done_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&spool).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, spool.join("done")).unwrap();
    let e = match Headless::start(&dir.path().join("j.db"), "op", config(&spool)).await {
        Ok(h) => {
            h.shutdown();
            panic!("a spool whose done/ is a symlink was accepted")
        }
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("symbolic link"), "{e}");
}
