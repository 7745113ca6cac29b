//! The `s` editor (a duration line and a comment: silence an Alertmanager
//! alarm for a chosen time) and the `A` editor (only a note: ack with a
//! note), one form each, and what submitting them starts.

use super::Step;
use crate::app::form::{Field, Form, Outcome};
use crate::app::{Effect, Level, Mode, State};
use crate::domain::event::{AlarmAcked, SilenceIntent, payload};
use crate::domain::sanitize::inert;
use crate::domain::silence;
use crate::domain::{Alarm, EventKind};
use crossterm::event::KeyEvent;

/// Field of the duration line in a silence editor.
const DURATION: usize = 0;

#[derive(Debug, Clone)]
pub struct SilenceEditor {
    pub fingerprint: String,
    pub alarm_name: String,
    /// `A`: an ack with a note rather than a silence for a duration.
    pub ack: bool,
    /// Silence: the duration line, then the comment. Ack: the note alone.
    pub form: Form,
}

impl SilenceEditor {
    pub fn new(fingerprint: &str, alarm_name: &str) -> SilenceEditor {
        let mut form = Form::new(vec![
            Field::line("for", "2h"),
            Field::text("comment", "Why? (required) Ctrl-S silences, Esc cancels."),
        ]);
        form.focus = 1;
        SilenceEditor {
            fingerprint: fingerprint.to_string(),
            alarm_name: alarm_name.to_string(),
            ack: false,
            form,
        }
    }

    pub fn for_ack(fingerprint: &str, alarm_name: &str) -> SilenceEditor {
        SilenceEditor {
            fingerprint: fingerprint.to_string(),
            alarm_name: alarm_name.to_string(),
            ack: true,
            form: Form::new(vec![Field::text(
                "note",
                "The ack note. Ctrl-S acks, Esc cancels.",
            )]),
        }
    }

    fn comment_field(&self) -> usize {
        if self.ack { 0 } else { 1 }
    }

    pub fn duration(&self) -> &str {
        if self.ack {
            ""
        } else {
            self.form.line(DURATION)
        }
    }

    /// Whether the duration line (not the comment) has the keyboard.
    pub fn on_duration(&self) -> bool {
        !self.ack && self.form.focus == DURATION
    }

    pub fn comment(&self) -> Option<&ratatui_textarea::TextArea<'static>> {
        self.form.text_area(self.comment_field())
    }

    pub fn comment_text(&self) -> String {
        self.form.text(self.comment_field()).trim().to_string()
    }
}

/// `A`: open the editor for an ack with a note.
pub fn open_ack_editor(state: &mut State, alarm: &Alarm) {
    let name = inert(alarm.name()).into_owned();
    state.mode = Mode::Silence(Box::new(SilenceEditor::for_ack(alarm.fingerprint(), &name)));
}

/// `s`: open the silence editor for the selected Alertmanager alarm.
pub fn open_silence_editor(state: &mut State, alarm: &Alarm) {
    let name = inert(alarm.name()).into_owned();
    state.mode = Mode::Silence(Box::new(SilenceEditor::new(alarm.fingerprint(), &name)));
}

/// Keys in the silence editor: Tab switches fields, Ctrl-S submits.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Silence(ed) = &mut state.mode else {
        return Vec::new();
    };
    match ed.form.on_key(key) {
        Outcome::Cancel => {
            state.mode = Mode::Normal;
            state.say(Level::Info, "silence cancelled");
            Vec::new()
        }
        Outcome::Submit => submit(state),
        Outcome::Edited | Outcome::Other => {
            ed.form.error = None;
            Vec::new()
        }
    }
}

fn submit(state: &mut State) -> Vec<Effect> {
    let Mode::Silence(ed) = &mut state.mode else {
        return Vec::new();
    };
    if ed.ack {
        return submit_ack(state);
    }
    let typed = ed.duration().to_string();
    let Some(duration) = silence::parse_duration(&typed) else {
        ed.form.error = Some(format!("duration {typed:?}: e.g. 30m, 2h, 1d"));
        ed.form.focus = DURATION;
        return Vec::new();
    };
    let comment = ed.comment_text();
    if comment.is_empty() {
        ed.form.error = Some("a silence needs a comment: say why".into());
        ed.form.focus = ed.comment_field();
        return Vec::new();
    }
    let fp = ed.fingerprint.clone();
    state.mode = Mode::Normal;
    let Some(alarm) = state.board.get(&fp).cloned() else {
        state.say(Level::Warn, "the alarm is gone");
        return Vec::new();
    };
    let source = alarm.observed.source.clone();
    let name = inert(alarm.name()).into_owned();
    let ev = state.operator_event(
        EventKind::AlarmSilenceRequested,
        &fp,
        payload(&SilenceIntent {
            source: source.clone(),
            duration_secs: Some(duration.num_seconds()),
            comment: Some(comment.clone()),
            ..SilenceIntent::default()
        }),
    );
    let flow = Step::SilenceIntent {
        fp: fp.clone(),
        source,
        name: name.clone(),
        labels: alarm.observed.labels.clone(),
        duration,
        comment,
    };
    let token = state
        .flows
        .begin(Some(&fp), format!("silence of {name} requested"), flow);
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

/// `A` submitted: the note must say something (plain `a` acks without one).
fn submit_ack(state: &mut State) -> Vec<Effect> {
    let Mode::Silence(ed) = &mut state.mode else {
        return Vec::new();
    };
    let note = ed.comment_text();
    if note.is_empty() {
        ed.form.error = Some("type the note (or Esc and use a)".into());
        return Vec::new();
    }
    let fp = ed.fingerprint.clone();
    state.mode = Mode::Normal;
    let Some(alarm) = state.board.get(&fp).cloned() else {
        state.say(Level::Warn, "the alarm is gone");
        return Vec::new();
    };
    if alarm.ack.is_some() || !alarm.is_firing() || state.is_pending(&fp) {
        state.say(
            Level::Warn,
            format!("{}: nothing to ack", inert(alarm.name())),
        );
        return Vec::new();
    }
    if state.silences.is_am(&alarm.observed.source) {
        return super::start_ack_with_note(state, &alarm, &note);
    }
    // Not an Alertmanager alarm: a journal-only ack with the note.
    let name = inert(alarm.name()).into_owned();
    let ev = state.operator_event(
        EventKind::AlarmAcked,
        &fp,
        payload(&AlarmAcked {
            comment: Some(note),
            ..AlarmAcked::default()
        }),
    );
    state.commit(&fp, format!("acked {name}"), ev)
}
