//! `update`: the only place state changes. Each message is handled by a
//! small function; operator actions become `Effect::Commit` and are confirmed
//! on screen only when the journal answers.

use super::command::{self, Command};
use super::input::{LineInput, NoteEditor};
use super::keymap::{self, Action, View};
use super::{Effect, Level, Mode, Msg, Pending, SourceStatus, State};
use crate::domain::event::{AlarmAcked, NoteAdded, OwnerSet, SourceHealth, payload};
use crate::domain::filter::Filter;
use crate::domain::sanitize::inert;
use crate::domain::{EventKind, NewEvent};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
            super::alarms::scroll_into_view(&mut state.alarms.offset, state.alarms.selected, page);
            Vec::new()
        }
        Msg::Tick => {
            on_tick(state);
            super::faults::on_tick(state)
        }
        Msg::Events(events) => {
            state.apply_events(&events);
            super::live::refresh_shift(state);
            super::faults::after_events(state, &events)
        }
        Msg::Committed { token, result } => {
            if let Some(effects) = super::live::on_committed(state, token, &result) {
                return effects;
            }
            let fx = super::faults::on_committed(state, token, result.is_ok());
            on_committed(state, token, result);
            fx
        }
        Msg::Fault(m) => super::faults::on_msg(state, m),
        Msg::Snapshot { source, firing } => {
            if !state.ingest_leader {
                return Vec::new();
            }
            let actor = state.session.source_actor(&source);
            let events = state.ingest.diff(&source, firing, now, &actor);
            if events.is_empty() {
                Vec::new()
            } else {
                vec![Effect::Append(events)]
            }
        }
        Msg::Changes {
            source,
            firing,
            resolved,
        } => {
            if !state.ingest_leader {
                state.ingest.defer(&source, firing, resolved);
                return Vec::new();
            }
            let actor = state.session.source_actor(&source);
            let events = state.ingest.changes(&source, firing, resolved, now, &actor);
            if events.is_empty() {
                Vec::new()
            } else {
                vec![Effect::Append(events)]
            }
        }
        Msg::SourceNote(ev) => {
            if state.ingest_leader {
                vec![Effect::Append(vec![ev])]
            } else {
                Vec::new()
            }
        }
        Msg::Metrics(snap) => {
            state.monitor.apply(snap);
            Vec::new()
        }
        Msg::SourceHealth(status) => on_source_health(state, status),
        Msg::IngestRole { leader } => {
            let mut events = Vec::new();
            if leader && !state.ingest_leader {
                // Taking over from another console: start from what the
                // journal says, plus changes heard meanwhile.
                let session = &state.session;
                events = state
                    .ingest
                    .take_over(&state.board, now, |s| session.source_actor(s));
            }
            state.ingest_leader = leader;
            if events.is_empty() {
                Vec::new()
            } else {
                vec![Effect::Append(events)]
            }
        }
        Msg::Error(text) => {
            state.say(Level::Error, text);
            Vec::new()
        }
        Msg::Shutdown => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Msg::Live(m) => super::live::update(state, m),
    }
}

fn on_tick(state: &mut State) {
    super::live::on_tick(state);
    if state.status.as_ref().is_some_and(|s| s.until <= state.now) {
        state.status = None;
    }
    if state.board.prune_resolved(state.now - KEEP_RESOLVED) > 0 {
        state.counts = state.board.counts();
        state.alarms.refresh(&state.board);
    }
}

fn on_committed(state: &mut State, token: u64, result: Result<Vec<i64>, String>) {
    let pending = state.pending.remove(&token);
    let what = pending.map(|p| p.what).unwrap_or_else(|| "action".into());
    match result {
        Ok(ids) => {
            let id = ids
                .first()
                .map(|i| format!(" (journal #{i})"))
                .unwrap_or_default();
            state.say(Level::Info, format!("{what}{id}"));
        }
        Err(e) => state.say(Level::Error, format!("NOT recorded: {what}: {e}")),
    }
}

fn on_source_health(state: &mut State, status: SourceStatus) -> Vec<Effect> {
    let prev = state.sources.iter().position(|s| s.name == status.name);
    let changed = prev.is_none_or(|i| state.sources[i].up != status.up);
    let event = NewEvent::new(
        state.now,
        state.session.source_actor(&status.name),
        if status.up {
            EventKind::SourceUp
        } else {
            EventKind::SourceDown
        },
        &status.name,
        payload(&SourceHealth {
            reason: (!status.detail.is_empty()).then(|| status.detail.clone()),
        }),
    );
    match prev {
        Some(i) => state.sources[i] = status,
        None => state.sources.push(status),
    }
    if changed && state.ingest_leader {
        vec![Effect::Append(vec![event])]
    } else {
        Vec::new()
    }
}

fn on_paste(state: &mut State, text: &str) {
    match &mut state.mode {
        Mode::Filter { input, .. } => {
            input.insert_str(text);
            live_filter(state);
        }
        Mode::Command { input, .. } => input.insert_str(text),
        Mode::Note(ed) => {
            ed.area.insert_str(text);
        }
        Mode::Silence(ed) if ed.on_duration => ed.duration.insert_str(text),
        Mode::Silence(ed) => {
            ed.comment.insert_str(text);
        }
        Mode::Faults(popup) => match popup.as_mut() {
            super::faults::Popup::Form(f) if f.focus > 0 => f.fields[f.focus - 1].insert_str(text),
            super::faults::Popup::Confirm { typed, .. } => typed.insert_str(text),
            _ => {}
        },
        _ => {}
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.mode {
        Mode::Normal => on_normal_key(state, key),
        Mode::Filter { .. } => {
            on_filter_key(state, key);
            Vec::new()
        }
        Mode::Command { .. } => on_command_key(state, key),
        Mode::Note(_) => on_note_key(state, key),
        Mode::Silence(_) => super::live::on_silence_key(state, key),
        Mode::Help { .. } => {
            on_help_key(state, key);
            Vec::new()
        }
        Mode::Faults(_) => super::faults::on_key(state, key),
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
        Action::NextView => goto(state, View::ALL[(state.view.index() + 1) % View::ALL.len()]),
        Action::PrevView => goto(
            state,
            View::ALL[(state.view.index() + View::ALL.len() - 1) % View::ALL.len()],
        ),
        Action::Goto(v) => goto(state, v),
        Action::Up => move_by(state, -1),
        Action::Down => move_by(state, 1),
        Action::PageUp => move_by(state, -page),
        Action::PageDown => move_by(state, page),
        Action::Top => move_by(state, isize::MIN / 2),
        Action::Bottom => move_by(state, isize::MAX / 2),
        Action::Filter => open_filter(state),
        Action::Command => {
            state.mode = Mode::Command {
                input: LineInput::default(),
                choice: 0,
                error: None,
            }
        }
        Action::Help => state.mode = Mode::Help { scroll: 0 },
        Action::Back => back(state),
        Action::ToggleDetail => state.alarms.detail = !state.alarms.detail,
        Action::ToggleResolved => {
            state.alarms.show_resolved = !state.alarms.show_resolved;
            state.alarms.invalidate();
            state.alarms.refresh(&state.board);
            let shown = if state.alarms.show_resolved {
                "shown"
            } else {
                "hidden"
            };
            state.say(Level::Info, format!("resolved alarms {shown}"));
        }
        Action::CycleSort => set_sort(state, state.alarms.sort.next()),
        Action::ToggleTargets => state.live.show_targets = !state.live.show_targets,
        Action::Follow => {
            state.log.follow = !state.log.follow;
            if state.log.follow {
                state.log.selected = state.log.visible.len().saturating_sub(1);
            }
        }
        Action::Ack
        | Action::Unack
        | Action::Note
        | Action::TakeOwnership
        | Action::Silence
        | Action::AckWithNote => {
            return alarm_action(state, action);
        }
        Action::InjectFault => super::faults::open_form(state),
        Action::RecoverFault => return super::faults::recover_selected(state),
        Action::RecoverOrphans => return super::faults::recover_orphans(state),
        Action::DismissFault => super::faults::open_dismiss(state),
        Action::Panic => super::faults::open_panic(state),
    }
    Vec::new()
}

fn goto(state: &mut State, view: View) {
    state.view = view;
}

fn set_sort(state: &mut State, key: super::alarms::SortKey) {
    state.alarms.sort = key;
    state.alarms.invalidate();
    state.alarms.refresh(&state.board);
    state.say(Level::Info, format!("sorted by {}", key.label()));
}

fn move_by(state: &mut State, delta: isize) {
    let page = state.page_rows();
    match state.view {
        View::Alarms => state.alarms.move_by(delta, page),
        View::Log => {
            let log = &mut state.log;
            let n = log.visible.len();
            if n == 0 {
                return;
            }
            log.selected = (log.selected as isize + delta).clamp(0, n as isize - 1) as usize;
            log.follow = log.selected + 1 == n;
            super::alarms::scroll_into_view(&mut log.offset, log.selected, page);
        }
        View::Faults => super::faults::move_by(state, delta),
        View::Monitor => {
            let m = &mut state.monitor;
            let n = m.groups.len();
            if n == 0 {
                return;
            }
            m.selected = (m.selected as isize + delta).clamp(0, n as isize - 1) as usize;
        }
    }
}

fn back(state: &mut State) {
    match state.view {
        View::Alarms if state.alarms.detail => state.alarms.detail = false,
        View::Alarms if !state.alarms.filter.is_empty() => {
            state.alarms.filter = Filter::default();
            state.alarms.invalidate();
            state.alarms.refresh(&state.board);
            state.say(Level::Info, "filter cleared");
        }
        View::Log if !state.log.filter.is_empty() => {
            state.log.filter = Filter::default();
            state.log.refilter();
            state.say(Level::Info, "filter cleared");
        }
        View::Monitor | View::Log | View::Faults => state.view = View::Alarms,
        _ => {}
    }
}

fn current_filter_text(state: &State) -> String {
    match state.view {
        View::Log => state.log.filter.source.clone(),
        _ => state.alarms.filter.source.clone(),
    }
}

fn open_filter(state: &mut State) {
    if state.view == View::Monitor {
        state.view = View::Alarms;
    }
    let previous = current_filter_text(state);
    state.mode = Mode::Filter {
        input: LineInput::with(&previous),
        previous,
        error: None,
    };
}

/// Apply the filter as it is typed (k9s habit); a half-typed invalid
/// filter keeps the last valid one and says why.
fn live_filter(state: &mut State) {
    let Mode::Filter { input, error, .. } = &mut state.mode else {
        return;
    };
    match Filter::parse(&input.text) {
        Ok(f) => {
            *error = None;
            set_filter(state, f);
        }
        Err(e) => *error = Some(e.to_string()),
    }
}

fn set_filter(state: &mut State, f: Filter) {
    match state.view {
        View::Log => {
            state.log.filter = f;
            state.log.refilter();
        }
        _ => {
            state.alarms.filter = f;
            state.alarms.selected = 0;
            state.alarms.offset = 0;
            state.alarms.invalidate();
            state.alarms.refresh(&state.board);
        }
    }
}

fn on_filter_key(state: &mut State, key: KeyEvent) {
    let Mode::Filter {
        input,
        previous,
        error,
    } = &mut state.mode
    else {
        return;
    };
    match key.code {
        KeyCode::Esc => {
            let prev = std::mem::take(previous);
            state.mode = Mode::Normal;
            if let Ok(f) = Filter::parse(&prev) {
                set_filter(state, f);
            }
            return;
        }
        KeyCode::Enter => {
            if let Some(e) = error.clone() {
                state.say(Level::Error, format!("filter {e}"));
                return;
            }
            state.mode = Mode::Normal;
            return;
        }
        _ => {
            if !edit_line(input, key) {
                return;
            }
        }
    }
    live_filter(state);
}

/// Common line editing keys. Returns whether the text changed.
pub(super) fn edit_line(input: &mut LineInput, key: KeyEvent) -> bool {
    let before = input.text.clone();
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('w') if ctrl => input.delete_word(),
        KeyCode::Char('u') if ctrl => *input = LineInput::default(),
        KeyCode::Char('a') if ctrl => input.home(),
        KeyCode::Char('e') if ctrl => input.end(),
        KeyCode::Char(c) if !ctrl => input.insert(c),
        KeyCode::Backspace => input.backspace(),
        KeyCode::Delete => input.delete(),
        KeyCode::Left => input.left(),
        KeyCode::Right => input.right(),
        KeyCode::Home => input.home(),
        KeyCode::End => input.end(),
        _ => {}
    }
    input.text != before
}

fn on_command_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let themes = state.theme_names();
    let Mode::Command {
        input,
        choice,
        error,
    } = &mut state.mode
    else {
        return Vec::new();
    };
    let cands = command::candidates(&input.text, &themes);
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Tab | KeyCode::Down => {
            if let Some(c) = cands.get(*choice % cands.len().max(1)) {
                if key.code == KeyCode::Tab {
                    *input = LineInput::with(c);
                    *choice = 0;
                } else {
                    *choice = (*choice + 1) % cands.len();
                }
            }
        }
        KeyCode::Up => {
            *choice = choice
                .checked_sub(1)
                .unwrap_or(cands.len().saturating_sub(1))
        }
        KeyCode::Enter => {
            let line = input.text.clone();
            match command::parse(&line, &themes) {
                Ok(cmd) => {
                    state.mode = Mode::Normal;
                    return run_command(state, cmd);
                }
                Err(e) => *error = Some(e),
            }
        }
        _ => {
            if edit_line(input, key) {
                *choice = 0;
                *error = None;
            }
        }
    }
    Vec::new()
}

fn run_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Goto(v) => goto(state, v),
        Command::Theme(name) => {
            state.select_theme(&name);
            state.say(Level::Info, format!("theme {name}"));
        }
        Command::Sort(key) => set_sort(state, key),
        Command::Group(g) => {
            state.alarms.group = g;
            state.alarms.invalidate();
            state.alarms.refresh(&state.board);
            state.say(Level::Info, format!("grouped by {}", g.label()));
        }
        Command::Resolved => return perform(state, Action::ToggleResolved),
        Command::Help => state.mode = Mode::Help { scroll: 0 },
        Command::Quit => return perform(state, Action::Quit),
    }
    Vec::new()
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

fn on_note_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Note(ed) = &mut state.mode else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc if ed.text().is_empty() || ed.confirm_discard => {
            state.mode = Mode::Normal;
            state.say(Level::Info, "note discarded");
        }
        KeyCode::Esc => {
            ed.confirm_discard = true;
        }
        KeyCode::Char('s') if ctrl => {
            let text = ed.text();
            if text.trim().is_empty() {
                state.say(Level::Warn, "empty note not saved");
                return Vec::new();
            }
            let fp = ed.fingerprint.clone();
            let name = ed.alarm_name.clone();
            state.mode = Mode::Normal;
            let ev = operator_event(
                state,
                EventKind::AlarmNoteAdded,
                &fp,
                payload(&NoteAdded { text }),
            );
            return commit(state, &fp, format!("note added to {name}"), ev);
        }
        _ => {
            ed.confirm_discard = false;
            ed.area.input(key);
        }
    }
    Vec::new()
}

fn operator_event(state: &State, kind: EventKind, subject: &str, p: serde_json::Value) -> NewEvent {
    NewEvent::new(state.now, state.session.operator.clone(), kind, subject, p)
}

/// An operator action as one commit, pending until the journal answers.
pub(crate) fn commit_action(
    state: &mut State,
    fingerprint: &str,
    what: String,
    ev: NewEvent,
) -> Vec<Effect> {
    commit(state, fingerprint, what, ev)
}

fn commit(state: &mut State, fingerprint: &str, what: String, ev: NewEvent) -> Vec<Effect> {
    let token = state.token();
    state.pending.insert(
        token,
        Pending {
            fingerprint: fingerprint.to_string(),
            what,
        },
    );
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

fn alarm_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.session.readonly {
        state.say(Level::Warn, "read-only console: this action is disabled");
        return Vec::new();
    }
    if state.view != View::Alarms {
        return Vec::new();
    }
    let Some(alarm) = state.selected_alarm() else {
        state.say(Level::Warn, "no alarm selected");
        return Vec::new();
    };
    let fp = alarm.fingerprint().to_string();
    let name = inert(alarm.name()).into_owned();
    let me = state.session.operator.clone();
    if state.is_pending(&fp) {
        state.say(
            Level::Warn,
            format!("{name}: previous action still being recorded"),
        );
        return Vec::new();
    }
    match action {
        Action::Ack => {
            if let Some(ack) = &alarm.ack {
                let by = ack.by.clone();
                state.say(Level::Warn, format!("{name} already acked by {by}"));
                return Vec::new();
            }
            if !alarm.is_firing() {
                state.say(Level::Warn, format!("{name} is resolved; nothing to ack"));
                return Vec::new();
            }
            // An Alertmanager alarm is acked with a silence (shared with
            // every other console and amtool user).
            if state.live.is_am(&alarm.observed.source) {
                let alarm = alarm.clone();
                return super::live::start_ack(state, &alarm);
            }
            let ev = operator_event(
                state,
                EventKind::AlarmAcked,
                &fp,
                payload(&AlarmAcked::default()),
            );
            commit(state, &fp, format!("acked {name}"), ev)
        }
        Action::Unack => {
            if alarm.ack.is_none() {
                state.say(Level::Warn, format!("{name} is not acked"));
                return Vec::new();
            }
            if state.live.is_am(&alarm.observed.source)
                && let Some(id) = alarm.ack.as_ref().and_then(|a| a.silence_id.clone())
            {
                let alarm = alarm.clone();
                return super::live::start_unack(state, &alarm, &id);
            }
            let ev = operator_event(
                state,
                EventKind::AlarmUnacked,
                &fp,
                payload(&AlarmAcked::default()),
            );
            commit(state, &fp, format!("unacked {name}"), ev)
        }
        Action::TakeOwnership => {
            if alarm.owner.as_deref() == Some(me.as_str()) {
                state.say(Level::Info, format!("{name} is already yours"));
                return Vec::new();
            }
            let ev = operator_event(
                state,
                EventKind::AlarmOwnerSet,
                &fp,
                payload(&OwnerSet { owner: me }),
            );
            commit(state, &fp, format!("took ownership of {name}"), ev)
        }
        Action::Note => {
            state.mode = Mode::Note(Box::new(NoteEditor::new(&fp, &name)));
            Vec::new()
        }
        Action::AckWithNote => {
            if let Some(ack) = &alarm.ack {
                let by = ack.by.clone();
                state.say(Level::Warn, format!("{name} already acked by {by}"));
            } else if !alarm.is_firing() {
                state.say(Level::Warn, format!("{name} is resolved; nothing to ack"));
            } else {
                let alarm = alarm.clone();
                super::live::open_ack_editor(state, &alarm);
            }
            Vec::new()
        }
        Action::Silence => {
            if !state.live.is_am(&alarm.observed.source) {
                state.say(
                    Level::Warn,
                    format!("{name}: only Alertmanager alarms can be silenced"),
                );
            } else if !alarm.is_firing() {
                state.say(Level::Warn, format!("{name} is resolved"));
            } else {
                let alarm = alarm.clone();
                super::live::open_silence_editor(state, &alarm);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
