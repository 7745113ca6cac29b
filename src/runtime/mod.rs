//! The event loop: owns the terminal, the journal writer and tailer, the
//! source tasks, and the one channel of `Msg` they all talk through. It feeds
//! messages to `app::update`, executes the returned effects, and draws only
//! when something changed (coalesced, at most ~30 frames a second, each frame
//! a synchronized update).

pub mod boot;
mod effects;
pub mod headless;
pub mod leader;
pub mod sources;
pub mod terminal;

pub use boot::{Leadership, Options};

use crate::app::{self, Msg, State};
use boot::Booted;
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use effects::Executors;
use futures::StreamExt;
use leader::LeaderLock;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// The smallest gap between two frames: ~30 frames a second.
const FRAME: Duration = Duration::from_millis(33);

pub async fn run(opts: Options) -> Result<()> {
    let mut booted = Booted::start(&opts).await?;
    let leader_task = booted
        .lock
        .take()
        .map(|lock| tokio::spawn(leader_loop(lock, booted.tx.clone())));
    let signals = tokio::spawn(signal_loop(booted.tx.clone()));

    // Whatever happens to the terminal, the cleanup below still runs: the
    // journal gets `operator.left` and everything queued is written.
    let result = match terminal::enter(booted.state.mouse).wrap_err("opening the terminal") {
        Ok(mut term) => {
            let size = term.size().unwrap_or_default();
            let resize = Msg::Resize {
                width: size.width,
                height: size.height,
            };
            app::update(&mut booted.state, resize, Utc::now());
            let b = &mut booted;
            let executors = Executors {
                writer: &b.writer,
                sources: &b.sources,
                faults: &b.faults,
            };
            let r = event_loop(&mut term, &mut b.state, &mut b.rx, &b.tx, &executors).await;
            terminal::restore();
            r
        }
        Err(e) => {
            terminal::restore();
            Err(e)
        }
    };
    if let Some(t) = leader_task {
        t.abort();
    }
    signals.abort();
    booted.shutdown(true).await;
    result
}

async fn event_loop(
    term: &mut terminal::Term,
    state: &mut State,
    rx: &mut mpsc::Receiver<Msg>,
    tx: &mpsc::Sender<Msg>,
    executors: &Executors<'_>,
) -> Result<()> {
    let mut input = EventStream::new();
    let mut clock = tokio::time::interval_at(next_second(), Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    // Bells the core asked for that were rung (see `State::bells`).
    let mut rung = state.bells;

    loop {
        if dirty && last_frame.elapsed() >= FRAME {
            terminal::draw(term, |f| crate::ui::render(f, state))?;
            last_frame = Instant::now();
            dirty = false;
        }
        if state.bells != rung {
            terminal::bell(term)?;
            rung = state.bells;
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
                effects::run(effect, executors, tx);
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
        Msg::Snapshot { .. } | Msg::SourceNote(_) => false,
        Msg::Metrics(_) => state.view == app::View::Monitor,
        Msg::Source(m) => app::sources::changes_screen(state, m),
        Msg::SourceHealth(s) => app::sources::health_changes_screen(state, s),
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
        // Clicks and the wheel; motion and drags change nothing.
        TermEvent::Mouse(m) => match m.kind {
            MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                Some(Msg::Mouse(m))
            }
            _ => None,
        },
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
