//! What an operator does to the selected alarm: acknowledge (`a`, `A`),
//! remove the acknowledgement (`u`), take ownership (`o`), write a note
//! (`n`) and silence it (`s`). Each is one journal commit, confirmed on
//! screen only once durable; on an Alertmanager alarm ack, unack and
//! silence go through the silences room (ack = silence).

use crate::app::form::{Field, Form, Outcome};
use crate::app::keymap::{Action, View};
use crate::app::{Effect, Level, Mode, State, silences};
use crate::domain::EventKind;
use crate::domain::event::{AlarmAcked, NoteAdded, OwnerSet, payload};
use crate::domain::sanitize::inert;
use crossterm::event::KeyEvent;

/// The `n` note editor for one alarm.
#[derive(Debug, Clone)]
pub struct NoteEditor {
    pub fingerprint: String,
    pub alarm_name: String,
    /// The note, one multi-line field.
    pub form: Form,
    /// Esc on a non-empty note asks once before throwing the text away.
    pub confirm_discard: bool,
}

impl NoteEditor {
    pub fn new(fingerprint: &str, alarm_name: &str) -> NoteEditor {
        NoteEditor {
            fingerprint: fingerprint.to_string(),
            alarm_name: alarm_name.to_string(),
            form: Form::new(vec![Field::text(
                "note",
                "Type the note. Ctrl-S saves, Esc cancels.",
            )]),
            confirm_discard: false,
        }
    }

    pub fn text(&self) -> String {
        self.form.text(0).trim_end().to_string()
    }

    pub fn area(&self) -> Option<&ratatui_textarea::TextArea<'static>> {
        self.form.text_area(0)
    }
}

/// An action on the selected alarm (the Alarms view only).
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
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
            if state.silences.is_am(&alarm.observed.source) {
                let alarm = alarm.clone();
                return silences::start_ack(state, &alarm);
            }
            let ev =
                state.operator_event(EventKind::AlarmAcked, &fp, payload(&AlarmAcked::default()));
            state.commit(&fp, format!("acked {name}"), ev)
        }
        Action::Unack => {
            if alarm.ack.is_none() {
                state.say(Level::Warn, format!("{name} is not acked"));
                return Vec::new();
            }
            if state.silences.is_am(&alarm.observed.source)
                && let Some(id) = alarm.ack.as_ref().and_then(|a| a.silence_id.clone())
            {
                let alarm = alarm.clone();
                return silences::start_unack(state, &alarm, &id);
            }
            let ev = state.operator_event(
                EventKind::AlarmUnacked,
                &fp,
                payload(&AlarmAcked::default()),
            );
            state.commit(&fp, format!("unacked {name}"), ev)
        }
        Action::TakeOwnership => {
            if alarm.owner.as_deref() == Some(me.as_str()) {
                state.say(Level::Info, format!("{name} is already yours"));
                return Vec::new();
            }
            let ev = state.operator_event(
                EventKind::AlarmOwnerSet,
                &fp,
                payload(&OwnerSet { owner: me }),
            );
            state.commit(&fp, format!("took ownership of {name}"), ev)
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
                silences::editor::open_ack_editor(state, &alarm);
            }
            Vec::new()
        }
        Action::Silence => {
            if !state.silences.is_am(&alarm.observed.source) {
                state.say(
                    Level::Warn,
                    format!("{name}: only Alertmanager alarms can be silenced"),
                );
            } else if !alarm.is_firing() {
                state.say(Level::Warn, format!("{name} is resolved"));
            } else {
                let alarm = alarm.clone();
                silences::editor::open_silence_editor(state, &alarm);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Keys in the note editor: Ctrl-S saves; Esc on a non-empty note asks once.
pub fn on_note_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Note(ed) = &mut state.mode else {
        return Vec::new();
    };
    match ed.form.on_key(key) {
        Outcome::Cancel if ed.text().is_empty() || ed.confirm_discard => {
            state.mode = Mode::Normal;
            state.say(Level::Info, "note discarded");
        }
        Outcome::Cancel => ed.confirm_discard = true,
        Outcome::Submit => {
            let text = ed.text();
            if text.trim().is_empty() {
                state.say(Level::Warn, "empty note not saved");
                return Vec::new();
            }
            let fp = ed.fingerprint.clone();
            let name = ed.alarm_name.clone();
            state.mode = Mode::Normal;
            let ev =
                state.operator_event(EventKind::AlarmNoteAdded, &fp, payload(&NoteAdded { text }));
            return state.commit(&fp, format!("note added to {name}"), ev);
        }
        Outcome::Edited | Outcome::Other => ed.confirm_discard = false,
    }
    Vec::new()
}
