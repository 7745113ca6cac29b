//! Plan directories watched while the console runs: a saved, added or
//! removed plan file reloads the catalog within a moment. A file that no
//! longer loads keeps its last good version (an operator mid-edit must not
//! lose the plan they may need next), and its errors are shown in the Plans
//! view.

use crate::app::plans::Catalog;
use crate::domain::plan::Plan;
use notify::{RecursiveMode, Watcher};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// Quiet time after the last change before reloading: editors write a
/// file in several steps.
const SETTLE: Duration = Duration::from_millis(250);

/// The catalog as it was last loaded, by origin, to fall back on.
#[derive(Default)]
pub struct Reloader {
    dirs: Vec<PathBuf>,
    embedded: bool,
    last_good: BTreeMap<String, Plan>,
}

impl Reloader {
    pub fn new(dirs: Vec<PathBuf>, embedded: bool) -> Reloader {
        Reloader {
            dirs,
            embedded,
            last_good: BTreeMap::new(),
        }
    }

    /// Load everything again; broken files keep their last good plan.
    pub fn reload(&mut self) -> Catalog {
        let providers = crate::domain::fault::catalog::names();
        let cat = crate::spec::plans::load_all(&self.dirs, self.embedded, &providers);
        let mut plans: BTreeMap<String, Plan> = BTreeMap::new();
        let mut good = BTreeMap::new();
        for l in cat.plans.values() {
            good.insert(l.origin.clone(), l.plan.clone());
            plans.insert(l.plan.id.clone(), l.plan.clone());
        }
        let mut errors: Vec<String> = Vec::new();
        for e in &cat.errors {
            let file = e.file().to_string();
            if let Some(old) = self.last_good.get(&file)
                && !plans.contains_key(&old.id)
                && std::path::Path::new(&file).exists()
            {
                errors.push(format!("{e} (the last good version of {} is kept)", old.id));
                plans.insert(old.id.clone(), old.clone());
                good.insert(file, old.clone());
            } else {
                errors.push(e.to_string());
            }
        }
        self.last_good = good;
        Catalog {
            plans: plans.into_values().collect(),
            errors,
        }
    }
}

/// Watch the directories; each settled change sends a fresh catalog.
/// Returns the watcher (dropping it stops the watch), `None` when nothing
/// can be watched.
pub fn spawn(
    mut reloader: Reloader,
    to: mpsc::Sender<crate::app::Msg>,
) -> Option<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && !ev.kind.is_access()
        {
            let _ = tx.send(());
        }
    })
    .ok()?;
    let mut watching = 0;
    for d in &reloader.dirs {
        if watcher.watch(d, RecursiveMode::NonRecursive).is_ok() {
            watching += 1;
        }
    }
    if watching == 0 {
        return None;
    }
    // The first load happened at boot; remember it as the last good one.
    let _ = reloader.reload();
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Let the burst of writes settle, then reload once.
            loop {
                match tokio::time::timeout(SETTLE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let cat = tokio::task::spawn_blocking({
                let mut r = std::mem::take(&mut reloader);
                move || {
                    let c = r.reload();
                    (r, c)
                }
            })
            .await;
            let Ok((r, cat)) = cat else {
                return;
            };
            reloader = r;
            let msg = crate::app::Msg::Plan(crate::app::plans::PlanMsg::Catalog(cat));
            if to.send(msg).await.is_err() {
                return;
            }
        }
    });
    Some(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_keeps_its_last_good_version() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.yaml");
        std::fs::write(&f, "id: p\ntitle: P\nsteps:\n  - name: a\n    wait: 1s\n").unwrap();
        let mut r = Reloader::new(vec![dir.path().to_path_buf()], false);
        let c = r.reload();
        assert_eq!(c.plans.len(), 1);
        std::fs::write(&f, "id: p\ntitle: P\nsteps:\n  - name: a\n    wiat: 1s\n").unwrap();
        let c = r.reload();
        assert_eq!(c.plans.len(), 1, "kept");
        assert!(
            c.errors[0].contains("wiat") && c.errors[0].contains("last good"),
            "{:?}",
            c.errors
        );
        std::fs::write(&f, "id: p\ntitle: Q\nsteps:\n  - name: a\n    wait: 1s\n").unwrap();
        let c = r.reload();
        assert_eq!(c.plans[0].title, "Q");
        assert!(c.errors.is_empty());
        std::fs::remove_file(&f).unwrap();
        assert!(r.reload().plans.is_empty(), "a removed file's plan goes");
    }
}
