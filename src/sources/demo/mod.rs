//! The demo source: runs the simulator on a tokio task, one step a second,
//! on a timeline shared by every console on the journal (`sim.started`
//! records its seed and epoch), so a second console or a restarted one
//! plays the same demo the alarms in the journal came from.

mod schedule;

pub use schedule::{SimRows, SimRowsRx, SimSchedule, sim_rows};

use crate::app::{Msg, SourceStatus};
use crate::domain::event::{SimIncident, SimStarted, payload};
use crate::domain::{EventKind, MetricSnapshot, NewEvent};
use crate::journal::Journal;
use crate::sources::simulator::{Scenario, Simulator};
use chrono::{DateTime, Duration, Utc};
use color_eyre::eyre::{Result, WrapErr};
use std::path::Path;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A timeline older than this is not worth replaying: start a new one.
pub const MAX_CATCH_UP: Duration = Duration::hours(1);
/// Chart history sent after catching up.
const HISTORY_TICKS: u64 = 600;
/// The source name the simulator reports under.
pub use crate::sources::simulator::SOURCE_NAME as SOURCE;

pub struct DemoPlan {
    pub scenario: Scenario,
    pub seed: u64,
    pub epoch: DateTime<Utc>,
    /// The `sim.started` event to journal when this console starts a timeline.
    pub started: Option<NewEvent>,
    /// Faults injected into the demo (the `sim` provider), from the journal.
    pub faults: SimSchedule,
}

/// Which timeline to play: continue the journal's, or start a new one.
/// Returns `(seed, epoch, is_new)`.
pub fn decide(
    latest: Option<&SimStarted>,
    wanted_seed: Option<u64>,
    leader: bool,
    now: DateTime<Utc>,
) -> (u64, DateTime<Utc>, bool) {
    let fresh_seed =
        || wanted_seed.unwrap_or_else(|| now.timestamp_nanos_opt().unwrap_or(0) as u64);
    match latest {
        // A follower never fights the leader's timeline.
        Some(t) if !leader => (t.seed, t.epoch, false),
        Some(t)
            if wanted_seed.is_none_or(|s| s == t.seed)
                && now - t.epoch < MAX_CATCH_UP
                && t.epoch <= now =>
        {
            (t.seed, t.epoch, false)
        }
        _ => (fresh_seed(), now, true),
    }
}

pub fn plan(
    journal: &Journal,
    seed: Option<u64>,
    scenario_dir: Option<&Path>,
    leader: bool,
    now: DateTime<Utc>,
) -> Result<DemoPlan> {
    let scenario = match scenario_dir {
        Some(dir) => {
            Scenario::from_dir(dir).wrap_err_with(|| format!("demo scenario {}", dir.display()))?
        }
        None => Scenario::embedded().wrap_err("embedded demo scenario")?,
    };
    let latest = journal
        .last_of_kind(EventKind::SimStarted.as_str())?
        .and_then(|ev| serde_json::from_value::<SimStarted>(ev.payload).ok());
    let (seed, epoch, new) = decide(latest.as_ref(), seed, leader, now);
    let started = (new && leader).then(|| {
        NewEvent::new(
            now,
            format!("source:{SOURCE}"),
            EventKind::SimStarted,
            SOURCE,
            payload(&SimStarted { seed, epoch }),
        )
    });
    Ok(DemoPlan {
        scenario,
        seed,
        epoch,
        started,
        faults: Default::default(),
    })
}

pub fn spawn(plan: DemoPlan, tx: mpsc::Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = run(plan, tx.clone()).await {
            let _ = tx.send(Msg::Error(format!("demo stopped: {e}"))).await;
        }
    })
}

async fn run(plan: DemoPlan, tx: mpsc::Sender<Msg>) -> Result<(), mpsc::error::SendError<Msg>> {
    let epoch = plan.epoch;
    let mut faults = plan.faults;
    let mut sim = Simulator::new(plan.scenario, plan.seed);
    tx.send(Msg::Metrics(MetricSnapshot {
        catalog: sim.catalog(),
        at: None,
        samples: Vec::new(),
    }))
    .await?;
    let actor = format!("source:{SOURCE}");
    let started = Utc::now();
    loop {
        let now = Utc::now();
        let target = (now - epoch).num_seconds().max(0) as u64;
        let mut firing = None;
        while sim.tick() < target {
            let at = epoch + Duration::seconds(sim.tick() as i64 + 1);
            faults.apply(&mut sim, at);
            let t = sim.step(at);
            if target - sim.tick() < HISTORY_TICKS {
                tx.send(Msg::Metrics(MetricSnapshot {
                    catalog: Vec::new(),
                    at: Some(at),
                    samples: t.samples,
                }))
                .await?;
            }
            // Incidents replayed while catching up happened before this console started.
            if at >= started - Duration::seconds(2) {
                for inc in t.incidents {
                    let kind = if inc.started {
                        EventKind::SimIncidentStarted
                    } else {
                        EventKind::SimIncidentEnded
                    };
                    let p = SimIncident {
                        name: inc.name.clone(),
                        description: inc.description,
                    };
                    tx.send(Msg::SourceNote(NewEvent::new(
                        at,
                        &actor,
                        kind,
                        inc.name,
                        payload(&p),
                    )))
                    .await?;
                }
            }
            firing = Some(t.firing);
            // Catching up a long timeline must not starve the runtime.
            if sim.tick().is_multiple_of(256) {
                tokio::task::yield_now().await;
            }
        }
        if let Some(firing) = firing {
            tx.send(Msg::Snapshot {
                source: SOURCE.to_string(),
                firing,
            })
            .await?;
            let status = SourceStatus {
                name: SOURCE.to_string(),
                up: true,
                last_ok: Some(now),
                latency_ms: None,
                detail: format!("simulator, seed {}", plan.seed),
            };
            tx.send(Msg::SourceHealth(status)).await?;
        }
        let next = epoch + Duration::seconds(target as i64 + 1);
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timelines_are_continued_or_restarted() {
        let now = Utc.timestamp_opt(10_000, 0).unwrap();
        let recent = SimStarted {
            seed: 7,
            epoch: now - Duration::minutes(5),
        };
        let old = SimStarted {
            seed: 7,
            epoch: now - Duration::hours(3),
        };
        assert_eq!(
            decide(Some(&recent), None, true, now),
            (7, recent.epoch, false)
        );
        assert_eq!(
            decide(Some(&recent), Some(7), true, now),
            (7, recent.epoch, false)
        );
        assert_eq!(decide(Some(&recent), Some(8), true, now), (8, now, true));
        assert!(decide(Some(&old), None, true, now).2);
        // followers always play the leader's timeline
        assert_eq!(
            decide(Some(&old), Some(9), false, now),
            (7, old.epoch, false)
        );
        assert_eq!(decide(None, Some(3), true, now), (3, now, true));
    }
}
