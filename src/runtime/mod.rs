//! The event loop: owns the terminal, the journal writer and tailer, the
//! source tasks, and the one channel of `Msg` they all talk through. It feeds
//! messages to `app::update`, executes the returned effects, and draws only
//! when something changed (coalesced, at most ~30 frames a second, each frame
//! a synchronized update).

pub mod boot;
pub mod drill;
mod effects;
pub mod experiments;
pub mod headless;
pub mod leader;
pub mod plan_watch;
pub mod sources;
pub mod terminal;
mod timeline;

pub use boot::{Leadership, Options};

use crate::app::{self, Msg, State};
use boot::Booted;
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, KeyEventKind, MouseEventKind};
use effects::Executors;
use leader::LeaderLock;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// The smallest gap between two frames: ~30 frames a second.
const FRAME: Duration = Duration::from_millis(33);

pub async fn run(opts: Options) -> Result<()> {
    let mut term = match terminal::enter(opts.mouse) {
        Ok(t) => t,
        Err(e) => {
            terminal::restore();
            return Err(e).wrap_err("opening the terminal");
        }
    };
    // Signals from the first moment: a raw terminal must never be left by
    // a SIGTERM that arrives while the journal is still being replayed.
    let (sig_tx, mut sig_rx) = mpsc::channel::<Msg>(4);
    let signals = tokio::spawn(signal_loop(sig_tx));

    // One reader of the terminal for the life of the console, on its own
    // thread (see `Input`).
    let mut input = Input::spawn();
    let (mut booted, typed) = match starting(&mut term, &opts, &mut sig_rx, &mut input).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            leave_terminal(term);
            signals.abort();
            return Ok(());
        }
        Err(e) => {
            leave_terminal(term);
            signals.abort();
            return Err(e);
        }
    };
    let forward = {
        let tx = booted.tx.clone();
        tokio::spawn(async move {
            while let Some(m) = sig_rx.recv().await {
                if tx.send(m).await.is_err() {
                    return;
                }
            }
        })
    };
    let leader_task = booted
        .lock
        .take()
        .map(|lock| tokio::spawn(leader_loop(lock, booted.tx.clone())));

    // Whatever happens to the terminal, the cleanup below still runs: the
    // journal gets `operator.left` and everything queued is written.
    let size = term.size().unwrap_or_default();
    let resize = Msg::Resize {
        width: size.width,
        height: size.height,
    };
    app::update(&mut booted.state, resize, Utc::now());
    let b = &mut booted;
    let executors = Executors {
        writer: b.writer.as_ref(),
        sources: &b.sources,
        faults: b.faults.as_ref(),
        plans: b.jobs.as_ref(),
        experiments: b.experiments.as_ref(),
        reports: &b.reports,
    };
    // What was typed while catching up is not lost: it goes to the real console.
    for msg in typed {
        for effect in app::update(&mut b.state, msg, Utc::now()) {
            effects::run(effect, &executors, &b.tx);
        }
    }
    let result = event_loop(
        &mut term,
        &mut input,
        &mut b.state,
        &mut b.rx,
        &b.tx,
        &executors,
    )
    .await;
    // Done with the terminal's input before the cleanup: the reader
    // thread stops at its next look.
    drop(input);
    leave_terminal(term);
    if let Some(t) = leader_task {
        t.abort();
    }
    signals.abort();
    forward.abort();
    booted.shutdown(true).await;
    result
}

/// Terminal input, read on a thread of its own and handed over through a
/// channel. Two reasons: crossterm spins forever inside one read when the
/// terminal is hung up (EIO is neither "would block" nor "interrupted" to
/// it), which on the event loop's thread stalled the console's cleanup
/// after an SSH drop; and one reader for the whole life of the console
/// (replacing an `EventStream` drops its waker's wake-up into the shared
/// poller, which could strand keys typed while catching up).
struct Input(mpsc::Receiver<std::io::Result<TermEvent>>);

impl Input {
    fn spawn() -> Input {
        let (tx, rx) = mpsc::channel(256);
        let reader = move || {
            loop {
                // A hung-up terminal is never read again: the loop sees the
                // channel close and leaves as on `q`.
                if !terminal::alive() || tx.is_closed() {
                    return;
                }
                match crossterm::event::poll(Duration::from_millis(200)) {
                    Ok(false) => {}
                    Ok(true) => {
                        let ev = crossterm::event::read();
                        let failed = ev.is_err();
                        if tx.blocking_send(ev).is_err() || failed && !terminal::alive() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        if !terminal::alive() {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("cocpit-input".into())
            .spawn(reader)
        {
            tracing::error!("terminal input thread: {e}");
        }
        Input(rx)
    }
}

/// Give the terminal back, or, when it is gone (a hang-up), never write to
/// it again.
fn leave_terminal(term: terminal::Term) {
    if terminal::alive() {
        terminal::restore();
    } else {
        tracing::info!("the terminal is gone (hang-up); leaving without restoring it");
        terminal::detach();
    }
    drop(term);
}

/// The console while its journal is replayed: the first frame at once,
/// then "catching up … N of M journal rows" until the boot is done, with
/// the keys typed meanwhile kept for the real console. `q`, Ctrl-C or a
/// signal leave without waiting (`None`).
async fn starting(
    term: &mut terminal::Term,
    opts: &Options,
    signals: &mut mpsc::Receiver<Msg>,
    input: &mut Input,
) -> Result<Option<(Booted, Vec<Msg>)>> {
    let mut typed = Vec::new();
    let (progress_tx, mut progress) = tokio::sync::watch::channel((0u64, 0u64));
    let boot_opts = opts.clone();
    let mut boot =
        tokio::spawn(async move { Booted::start_with(&boot_opts, Some(progress_tx)).await });
    let mut state = placeholder(opts);
    let size = term.size().unwrap_or_default();
    state.size = (size.width, size.height);
    loop {
        let (done, total) = *progress.borrow_and_update();
        if total > 0 {
            state.status = Some(app::Status {
                text: format!("catching up … {done} of {total} journal rows"),
                level: app::Level::Info,
                until: Utc::now() + chrono::Duration::days(1),
            });
        }
        if terminal::draw(term, |f| crate::ui::render(f, &state)).is_err() {
            boot.abort();
            return Ok(None);
        }
        tokio::select! {
            booted = &mut boot => {
                return match booted {
                    Ok(b) => b.map(|b| Some((b, typed))),
                    Err(e) => Err(color_eyre::eyre::eyre!("starting: {e}")),
                };
            }
            changed = progress.changed() => {
                if changed.is_err() {
                    // The boot finished or failed; its result comes next.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            ev = input.0.recv() => match ev {
                Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                    let ctrl_c = k.code == crossterm::event::KeyCode::Char('c')
                        && k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL);
                    if k.code == crossterm::event::KeyCode::Char('q') || ctrl_c {
                        boot.abort();
                        return Ok(None);
                    }
                    typed.push(Msg::Key(k));
                }
                Some(Ok(TermEvent::Resize(w, h))) => state.size = (w, h),
                Some(Ok(TermEvent::Paste(p))) => typed.push(Msg::Paste(p)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    boot.abort();
                    return Ok(None);
                }
            },
            Some(_) = signals.recv() => {
                boot.abort();
                return Ok(None);
            }
        }
    }
}

/// What is on screen before the journal is replayed: the console's frame,
/// an empty board.
fn placeholder(opts: &Options) -> State {
    let session = app::Session {
        operator: opts.operator.clone(),
        mode: if opts.live.is_live() {
            app::RunMode::Live
        } else {
            app::RunMode::Demo
        },
        readonly: opts.readonly,
        role: opts.role,
        journal_path: opts.journal.display().to_string(),
    };
    State::from_init(app::Init {
        themes: opts.themes.clone(),
        theme: opts.theme.clone(),
        color_mode: opts.color_mode,
        ..app::Init::new(session, crate::domain::AlarmBoard::new(), Utc::now())
    })
}

async fn event_loop(
    term: &mut terminal::Term,
    input: &mut Input,
    state: &mut State,
    rx: &mut mpsc::Receiver<Msg>,
    tx: &mpsc::Sender<Msg>,
    executors: &Executors<'_>,
) -> Result<()> {
    let mut clock = tokio::time::interval_at(next_second(), Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    // Bells the core asked for that were rung (see `State::bells`).
    let mut rung = state.bells;

    // Input errors in a row: a terminal that keeps failing is gone.
    let mut input_errors = 0;
    // How much of each running plan step's output was last shown.
    let mut live_seen = std::collections::HashMap::new();
    loop {
        if dirty && last_frame.elapsed() >= FRAME {
            if let Err(e) = terminal::draw(term, |f| crate::ui::render(f, state)) {
                // EIO and friends: the terminal (an SSH session) is gone.
                // Leave as `q` would: the cleanup journals and recovers.
                tracing::warn!("drawing failed, leaving: {e}");
                break;
            }
            last_frame = Instant::now();
            dirty = false;
        }
        if state.bells != rung {
            // A terminal that cannot ring is found out by the next draw.
            let _ = terminal::bell(term);
            rung = state.bells;
        }
        let frame_due = last_frame + FRAME;
        // A fault deadline or retry wakes the core on time, not at the next second.
        let fault_wake = state
            .faults
            .next_wake(Utc::now())
            .into_iter()
            .chain(state.plans.next_wake())
            .min()
            .and_then(|t| (t - Utc::now()).to_std().ok())
            .map(|d| Instant::now() + d);
        let mut msgs = Vec::new();
        tokio::select! {
            ev = input.0.recv() => match ev {
                Some(Ok(ev)) => {
                    input_errors = 0;
                    msgs.extend(term_msg(ev));
                }
                Some(Err(e)) => {
                    input_errors += 1;
                    if input_errors >= 3 || !terminal::alive() {
                        tracing::warn!("terminal input failed, leaving: {e}");
                        break;
                    }
                    msgs.push(Msg::Error(format!("terminal input: {e}")));
                }
                None => break,
            },
            Some(msg) = rx.recv() => msgs.push(msg),
            _ = clock.tick() => {
                msgs.push(Msg::Tick);
                msgs.extend(live_output(executors, &mut live_seen));
            }
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

/// Running plan steps' output that grew since the last look, for the
/// execution view's live pane (once a second, with the clock).
fn live_output(
    executors: &Executors<'_>,
    seen: &mut std::collections::HashMap<(String, crate::domain::plan::run::At), u64>,
) -> Vec<Msg> {
    let Some(jobs) = executors.plans else {
        return Vec::new();
    };
    let live = jobs.live_output();
    seen.retain(|k, _| live.iter().any(|(r, a, _, _)| (r, a) == (&k.0, &k.1)));
    live.into_iter()
        .filter_map(|(run, at, total, text)| {
            let key = (run.clone(), at);
            (seen.insert(key, total) != Some(total))
                .then_some(Msg::Plan(app::plans::PlanMsg::Output { run, at, text }))
        })
        .collect()
}

/// Messages that cannot change what is on screen do not trigger a frame.
fn changes_screen(state: &State, msg: &Msg) -> bool {
    match msg {
        Msg::Snapshot { .. } | Msg::Changes { .. } | Msg::SourceNote(_) => false,
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

/// SIGHUP (an SSH link dropped), SIGTERM, SIGINT and SIGQUIT end the
/// console cleanly, as `q` does: `operator.left` is journaled, this
/// console's faults are recovered, the terminal is restored if it is still
/// there. SIGUSR1, SIGUSR2 and SIGALRM would kill it with the terminal left
/// raw: they are logged and otherwise ignored.
async fn signal_loop(tx: mpsc::Sender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind: SignalKind| match signal(kind) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("cannot handle signal {}: {e}", kind.as_raw_value());
            None
        }
    };
    let mut hup = listen(SignalKind::hangup());
    let mut term = listen(SignalKind::terminate());
    let mut int = listen(SignalKind::interrupt());
    let mut quit = listen(SignalKind::quit());
    let mut usr1 = listen(SignalKind::user_defined1());
    let mut usr2 = listen(SignalKind::user_defined2());
    let mut alrm = listen(SignalKind::alarm());
    async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    loop {
        let name = tokio::select! {
            _ = next(&mut hup) => "SIGHUP",
            _ = next(&mut term) => "SIGTERM",
            _ = next(&mut int) => "SIGINT",
            _ = next(&mut quit) => "SIGQUIT",
            _ = next(&mut usr1) => { tracing::info!("SIGUSR1 ignored"); continue }
            _ = next(&mut usr2) => { tracing::info!("SIGUSR2 ignored"); continue }
            _ = next(&mut alrm) => { tracing::info!("SIGALRM ignored"); continue }
        };
        tracing::info!("{name}: leaving cleanly");
        let _ = tx.send(Msg::Shutdown).await;
        return;
    }
}
