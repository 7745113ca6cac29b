//! `update`: the only place state changes, and only a router: each message
//! goes to the room it belongs to, keys by the mode and the keymap, and
//! answers by their token through the flow table. Rooms do the work.

use super::flow::Step;
use super::keymap::{self, Action, View};
use super::sources::SourceMsg;
use super::{
    Effect, Level, Mode, Msg, State, alarms, faults, log, monitor, prompt, silences, sources,
};
use crate::domain::Event;
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent};

/// Resolved alarms older than this leave the board (the journal keeps them).
const KEEP_RESOLVED: Duration = Duration::hours(24);

pub fn update(state: &mut State, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => {
            on_paste(state, &text);
            Vec::new()
        }
        Msg::Resize { width, height } => {
            state.size = (width, height);
            let page = state.page_rows();
            state.alarms.list.scroll_into_view(page);
            Vec::new()
        }
        Msg::Tick => on_tick(state),
        Msg::Events(events) => on_events(state, &events),
        Msg::Committed { token, result } => on_committed(state, token, result),
        Msg::Fault(m) => faults::on_msg(state, m),
        Msg::Snapshot { source, firing } => alarms::ingest::on_snapshot(state, &source, firing),
        Msg::SourceNote(ev) => alarms::ingest::on_note(state, ev),
        Msg::Metrics(snap) => {
            state.monitor.apply(snap);
            Vec::new()
        }
        Msg::SourceHealth(status) => sources::on_health(state, status),
        Msg::IngestRole { leader } => {
            alarms::ingest::on_role(state, leader);
            Vec::new()
        }
        Msg::Error(text) => {
            state.say(Level::Error, text);
            Vec::new()
        }
        Msg::Shutdown => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Msg::Source(SourceMsg::AmDone { token, result }) => on_answer(state, token, result),
        Msg::Source(SourceMsg::AmState(am)) => silences::on_am_state(state, am),
        Msg::Source(m) => sources::on_msg(state, m),
    }
}

fn on_tick(state: &mut State) -> Vec<Effect> {
    state.shift.refresh(&state.board, state.now);
    if state.status.as_ref().is_some_and(|s| s.until <= state.now) {
        state.status = None;
    }
    if state.board.prune_resolved(state.now - KEEP_RESOLVED) > 0 {
        state.counts = state.board.counts();
        state.alarms.refresh(&state.board);
    }
    faults::on_tick(state)
}

/// Committed journal rows reach every projection, then the rooms that act
/// on what changed.
fn on_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    let mut changed = false;
    for ev in events {
        changed |= state.board.apply(ev);
        state.faults.ledger.apply(ev);
        match ev.kind() {
            Some(crate::domain::EventKind::OperatorJoined) => {
                state
                    .operators
                    .insert(ev.subject.clone(), super::Presence { since: ev.ts });
            }
            Some(crate::domain::EventKind::OperatorLeft) => {
                state.operators.remove(&ev.subject);
            }
            _ => {}
        }
    }
    state.log.push(events);
    if changed {
        state.counts = state.board.counts();
        state.alarms.refresh(&state.board);
    }
    state.shift.refresh(&state.board, state.now);
    faults::after_events(state, events)
}

/// The journal answered a commit: the flow it belongs to goes on.
fn on_committed(state: &mut State, token: u64, result: Result<Vec<i64>, String>) -> Vec<Effect> {
    let Some(flow) = state.flows.take(token) else {
        return Vec::new();
    };
    match flow.step {
        Step::Action => {
            state.confirm(&flow.what, &result);
            Vec::new()
        }
        Step::Silence(step) => silences::on_committed(state, &flow.what, step, &result),
        Step::Fault(step) => {
            let fx = faults::on_committed(state, step, result.is_ok());
            state.confirm(&flow.what, &result);
            fx
        }
    }
}

/// A source answered a call: the flow it belongs to goes on.
fn on_answer(state: &mut State, token: u64, result: Result<String, String>) -> Vec<Effect> {
    match state.flows.take(token) {
        Some(flow) => match flow.step {
            Step::Silence(step) => silences::on_am_done(state, step, result),
            // Only the silences room calls a source.
            Step::Action | Step::Fault(_) => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn on_paste(state: &mut State, text: &str) {
    match &mut state.mode {
        Mode::Filter { input, .. } => {
            input.insert_str(text);
            prompt::live_filter(state);
        }
        Mode::Command { input, stem, .. } => {
            input.insert_str(text);
            *stem = None;
        }
        Mode::Note(ed) => ed.form.on_paste(text),
        Mode::Silence(ed) => ed.form.on_paste(text),
        Mode::Faults(popup) => {
            if let Some(form) = popup.form_mut() {
                form.on_paste(text);
            }
        }
        Mode::Normal | Mode::Help { .. } => {}
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.mode {
        Mode::Normal => on_normal_key(state, key),
        Mode::Filter { .. } => {
            prompt::on_filter_key(state, key);
            Vec::new()
        }
        Mode::Command { .. } => prompt::on_command_key(state, key),
        Mode::Note(_) => alarms::actions::on_note_key(state, key),
        Mode::Silence(_) => silences::editor::on_key(state, key),
        Mode::Help { .. } => {
            on_help_key(state, key);
            Vec::new()
        }
        Mode::Faults(_) => faults::form::on_key(state, key),
    }
}

fn on_normal_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match keymap::lookup(state.view, &key, state.session.readonly) {
        Some(b) => perform(state, b.action),
        None => {
            if state.session.readonly
                && keymap::lookup(state.view, &key, false).is_some_and(|b| b.writes)
            {
                state.say(Level::Warn, "read-only console: this action is disabled");
            }
            Vec::new()
        }
    }
}

/// Run a keymap action in normal mode.
pub(crate) fn perform(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.page_rows() as isize;
    match action {
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::NextView => {
            state.view = View::ALL[(state.view.index() + 1) % View::ALL.len()];
        }
        Action::PrevView => {
            state.view = View::ALL[(state.view.index() + View::ALL.len() - 1) % View::ALL.len()];
        }
        Action::Goto(v) => state.view = v,
        Action::Up => move_by(state, -1),
        Action::Down => move_by(state, 1),
        Action::PageUp => move_by(state, -page),
        Action::PageDown => move_by(state, page),
        Action::Top => move_by(state, isize::MIN / 2),
        Action::Bottom => move_by(state, isize::MAX / 2),
        Action::Filter => prompt::open_filter(state),
        Action::Command => prompt::open_command(state),
        Action::Help => state.mode = Mode::Help { scroll: 0 },
        Action::Back => back(state),
        Action::ToggleDetail => alarms::toggle_detail(state),
        Action::ToggleResolved => alarms::toggle_resolved(state),
        Action::CycleSort => alarms::set_sort(state, state.alarms.sort.next()),
        Action::ToggleTargets => sources::toggle_targets(state),
        Action::Follow => log::toggle_follow(state),
        Action::Ack
        | Action::Unack
        | Action::Note
        | Action::TakeOwnership
        | Action::Silence
        | Action::AckWithNote => return alarms::actions::on_action(state, action),
        Action::InjectFault
        | Action::RecoverFault
        | Action::RecoverOrphans
        | Action::DismissFault
        | Action::Panic => return faults::on_action(state, action),
    }
    Vec::new()
}

fn move_by(state: &mut State, delta: isize) {
    let page = state.page_rows();
    match state.view {
        View::Alarms => state.alarms.move_by(delta, page),
        View::Log => log::move_by(state, delta),
        View::Faults => faults::move_by(state, delta),
        View::Monitor => monitor::move_by(state, delta),
    }
}

/// `Esc`: the view's own back first (close a pane, clear a filter), then
/// back to the Alarms view.
fn back(state: &mut State) {
    let handled = match state.view {
        View::Alarms => alarms::back(state),
        View::Log => log::back(state),
        View::Monitor | View::Faults => false,
    };
    if !handled && state.view != View::Alarms {
        state.view = View::Alarms;
    }
}

fn on_help_key(state: &mut State, key: KeyEvent) {
    let Mode::Help { scroll } = &mut state.mode else {
        return;
    };
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
        KeyCode::PageDown => *scroll = scroll.saturating_add(10),
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        _ => state.mode = Mode::Normal,
    }
}
