//! The event loop: owns the terminal, the journal writer and tailer, the
//! source tasks, and the one channel of `Msg` they all talk through. It feeds
//! messages to `app::update`, executes the returned effects, and draws only
//! when something changed (coalesced, at most ~30 frames a second, each frame
//! a synchronized update).

mod effects;
pub mod leader;
pub mod live;
pub mod terminal;

use crate::app::{self, Msg, RunMode, Session, State};
use crate::chaos::console::ConsoleFaults;
use crate::domain::event::{OperatorSession, payload};
use crate::domain::{EventKind, NewEvent};
use crate::journal::{Journal, Tailer, Writer};
use crate::sources::demo::{self, DemoPlan};
use crate::theme::{ColorMode, Theme};
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use effects::Executors;
use futures::StreamExt;
use leader::LeaderLock;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// The smallest gap between two frames: ~30 frames a second.
const FRAME: Duration = Duration::from_millis(33);
/// How many recent journal rows the Log view starts with.
const LOG_PRIME: i64 = 2_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub journal: PathBuf,
    pub operator: String,
    pub readonly: bool,
    pub role: app::Role,
    pub seed: Option<u64>,
    pub scenario_dir: Option<PathBuf>,
    pub theme: Option<String>,
    pub color_mode: ColorMode,
    pub themes: Vec<Theme>,
    /// Problems found before start that the operator should see.
    pub warnings: Vec<String>,
    /// Live sources; when any is configured the demo does not run.
    pub live: crate::sources::config::LiveConfig,
    /// `[faults]`: blast radius, durations, orphan policy.
    pub faults: crate::chaos::limits::FaultsConfig,
}

pub async fn run(opts: Options) -> Result<()> {
    let journal = Journal::open(&opts.journal)
        .wrap_err_with(|| format!("opening journal {}", opts.journal.display()))?;
    // One pass over the journal builds every projection.
    let mut board = crate::domain::AlarmBoard::new();
    let mut ledger = crate::chaos::FaultLedger::new();
    journal
        .for_each(|ev| {
            board.apply(ev);
            ledger.apply(ev);
        })
        .wrap_err("rebuilding the alarm board and fault ledger from the journal")?;
    let last_id = board.last_event_id;
    let recent = journal.read_after((last_id - LOG_PRIME).max(0), LOG_PRIME as usize)?;
    let writer = Writer::spawn(&opts.journal).wrap_err("starting the journal writer")?;

    let mut lock = LeaderLock::new(&opts.journal);
    let leader = lock.try_acquire();
    let is_live = opts.live.is_live();
    let mut plan = if is_live {
        None
    } else {
        Some(
            demo::plan(
                &journal,
                opts.seed,
                opts.scenario_dir.as_deref(),
                leader,
                Utc::now(),
            )
            .wrap_err("preparing the demo environment")?,
        )
    };
    drop(journal);

    let session = Session {
        operator: opts.operator.clone(),
        mode: if is_live {
            RunMode::Live
        } else {
            RunMode::Demo
        },
        readonly: opts.readonly,
        role: opts.role,
        journal_path: opts.journal.display().to_string(),
    };
    let mut state = State::new(session, board, opts.themes.clone(), Utc::now());
    state.color_mode = opts.color_mode;
    let (faults, orphans, sim_rows) = ConsoleFaults::start(
        &mut state,
        plan.as_mut(),
        ledger,
        &writer,
        &opts.journal,
        &opts.faults,
    );
    let mut warnings = opts.warnings.clone();
    if let Some(name) = &opts.theme
        && !state.select_theme(name)
    {
        warnings.push(format!(
            "unknown theme {name:?}; using {}",
            state.theme().name
        ));
    }
    if !warnings.is_empty() {
        state.status = Some(app::Status {
            text: warnings.join("; "),
            level: app::Level::Warn,
            until: Utc::now() + chrono::Duration::seconds(15),
        });
    }
    live::LiveSources::register(&opts.live, &mut state);
    app::update(&mut state, Msg::Events(recent), Utc::now());
    app::update(&mut state, Msg::IngestRole { leader }, Utc::now());

    let (tx, rx) = mpsc::channel::<Msg>(4096);
    let mut tailer = {
        let tx = tx.clone();
        Tailer::spawn(
            &opts.journal,
            last_id,
            Some(writer.subscribe_commits()),
            move |events| {
                sim_rows.forward(&events);
                tx.blocking_send(Msg::Events(events)).is_ok()
            },
        )
        .wrap_err("starting the journal tail")?
    };

    let joined = operator_event(&state, EventKind::OperatorJoined);
    let mut first_effects = Vec::new();
    if let Some(DemoPlan {
        started: Some(ev), ..
    }) = &plan
    {
        first_effects.push(ev.clone());
    }
    first_effects.push(joined);
    effects::commit_now(&writer, first_effects).await;

    let demo_task = plan.map(|plan| demo::spawn(plan, tx.clone()));
    if !orphans.is_empty() {
        let _ = tx
            .send(Msg::Fault(crate::app::faults::FaultMsg::Orphans(orphans)))
            .await;
    }
    let mut live_sources = live::LiveSources::start(&opts.live, &state.board, tx.clone())
        .await
        .wrap_err("starting the live sources")?;
    let leader_task = tokio::spawn(leader_loop(lock, tx.clone()));
    let signals = tokio::spawn(signal_loop(tx.clone()));

    // Whatever happens to the terminal, the cleanup below still runs: the
    // journal gets `operator.left` and everything queued is written.
    let result = match terminal::enter().wrap_err("opening the terminal") {
        Ok(mut term) => {
            let size = term.size().unwrap_or_default();
            let resize = Msg::Resize {
                width: size.width,
                height: size.height,
            };
            app::update(&mut state, resize, Utc::now());
            let executors = Executors {
                writer: &writer,
                live: &live_sources,
                faults: &faults,
            };
            let r = event_loop(&mut term, &mut state, rx, tx, &executors).await;
            terminal::restore();
            r
        }
        Err(e) => {
            terminal::restore();
            Err(e)
        }
    };

    // Normal exit recovers this console's faults (the watchdog covers a crash).
    let (recovered, failures) = faults.finish(&state.faults.ledger).await;
    if recovered > 0 {
        eprintln!("cocpit: recovered {recovered} fault(s) on exit");
    }
    for f in &failures {
        eprintln!("cocpit: fault recovery on exit failed: {f} (the watchdog retries it)");
    }

    if let Some(t) = demo_task {
        t.abort();
    }
    live_sources.stop();
    leader_task.abort();
    signals.abort();
    let left = operator_event(&state, EventKind::OperatorLeft);
    effects::commit_now(&writer, vec![left]).await;
    tailer.stop();
    if let Err(e) = writer.shutdown() {
        tracing::error!("journal shutdown: {e}");
    }
    result
}

fn operator_event(state: &State, kind: EventKind) -> NewEvent {
    let p = OperatorSession {
        mode: state.session.mode_label().to_string(),
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    NewEvent::new(
        Utc::now(),
        &state.session.operator,
        kind,
        &state.session.operator,
        payload(&p),
    )
}

async fn event_loop(
    term: &mut terminal::Term,
    state: &mut State,
    mut rx: mpsc::Receiver<Msg>,
    tx: mpsc::Sender<Msg>,
    executors: &Executors<'_>,
) -> Result<()> {
    let mut input = EventStream::new();
    let mut clock = tokio::time::interval_at(next_second(), Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;

    loop {
        if dirty && last_frame.elapsed() >= FRAME {
            terminal::draw(term, |f| crate::ui::render(f, state))?;
            last_frame = Instant::now();
            dirty = false;
        }
        let frame_due = last_frame + FRAME;
        // A fault deadline or retry wakes the core on time, not at the next second.
        let fault_wake = state
            .faults
            .next_wake(Utc::now())
            .and_then(|t| (t - Utc::now()).to_std().ok())
            .map(|d| Instant::now() + d);
        let mut msgs = Vec::new();
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => msgs.extend(term_msg(ev)),
                Some(Err(e)) => msgs.push(Msg::Error(format!("terminal input: {e}"))),
                None => break,
            },
            Some(msg) = rx.recv() => msgs.push(msg),
            _ = clock.tick() => msgs.push(Msg::Tick),
            _ = tokio::time::sleep_until(fault_wake.unwrap_or_else(Instant::now)), if fault_wake.is_some() => msgs.push(Msg::Tick),
            _ = tokio::time::sleep_until(frame_due), if dirty => {}
        }
        // Coalesce: take whatever else is already queued before drawing.
        while msgs.len() < 512 {
            match rx.try_recv() {
                Ok(m) => msgs.push(m),
                Err(_) => break,
            }
        }
        for msg in msgs {
            dirty |= changes_screen(state, &msg);
            for effect in app::update(state, msg, Utc::now()) {
                effects::run(effect, executors, &tx);
            }
        }
        if state.quit {
            break;
        }
    }
    Ok(())
}

/// Messages that cannot change what is on screen do not trigger a frame.
fn changes_screen(state: &State, msg: &Msg) -> bool {
    match msg {
        Msg::Snapshot { .. } | Msg::Changes { .. } | Msg::SourceNote(_) => false,
        Msg::Metrics(_) => state.view == app::View::Monitor,
        Msg::Live(m) => app::live::changes_screen(state, m),
        Msg::SourceHealth(s) => state.sources.iter().find(|x| x.name == s.name) != Some(s),
        _ => true,
    }
}

fn term_msg(ev: TermEvent) -> Option<Msg> {
    match ev {
        // Release and repeat events (kitty protocol, Windows) would double keys.
        TermEvent::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        TermEvent::Paste(s) => Some(Msg::Paste(s)),
        TermEvent::Resize(w, h) => Some(Msg::Resize {
            width: w,
            height: h,
        }),
        _ => None,
    }
}

/// The clock ticks on the second so the displayed time is never a second late.
fn next_second() -> Instant {
    let ms = Utc::now().timestamp_subsec_millis() as u64;
    Instant::now() + Duration::from_millis(1000 - ms.min(999))
}

async fn leader_loop(mut lock: LeaderLock, tx: mpsc::Sender<Msg>) {
    let mut was = lock.is_leader();
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = lock.try_acquire();
        if now != was {
            if tx.send(Msg::IngestRole { leader: now }).await.is_err() {
                return;
            }
            was = now;
        }
        if now {
            // Keep the lock (and the loop parked) for the life of the console.
            std::future::pending::<()>().await;
        }
    }
}

/// SIGHUP (SSH link dropped) and SIGTERM end the console cleanly: the
/// journal is flushed and the terminal restored.
async fn signal_loop(tx: mpsc::Sender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut hup), Ok(mut term)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::select! {
        _ = hup.recv() => {}
        _ = term.recv() => {}
    }
    let _ = tx.send(Msg::Shutdown).await;
}
