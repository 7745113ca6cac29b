//! What an operator does to the selected alarm — or to every marked one
//! (`Space`): acknowledge (`a`, `A`), remove the acknowledgement (`u`),
//! take ownership (`o`, asking first when someone else owns it), release it
//! (`O`), write a note (`n`) and silence it (`s`). Each is a journal commit
//! per alarm, confirmed on screen only once durable; on an Alertmanager
//! alarm ack, unack and silence go through the silences room (ack = silence).

use crate::app::form::{Field, Form, Outcome};
use crate::app::keymap::{Action, View};
use crate::app::{Ask, Effect, Level, Mode, State, silences};
use crate::domain::event::{AlarmAcked, NoteAdded, OwnerSet, payload};
use crate::domain::sanitize::inert;
use crate::domain::{Alarm, EventKind};
use crossterm::event::KeyEvent;

/// The `n` note editor for one alarm (or several marked ones).
#[derive(Debug, Clone)]
pub struct NoteEditor {
    pub fingerprint: String,
    pub alarm_name: String,
    /// Other marked alarms that get the same note: `(fingerprint, name)`.
    pub also: Vec<(String, String)>,
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
            also: Vec::new(),
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

    /// `PaymentsLatencyHigh`, or `PaymentsLatencyHigh +2 more`.
    pub fn title(&self) -> String {
        match self.also.len() {
            0 => self.alarm_name.clone(),
            n => format!("{} +{n} more", self.alarm_name),
        }
    }
}

/// The alarms an action applies to: every marked one still on the board,
/// else the selected one.
fn targets(state: &State) -> Vec<Alarm> {
    let marks = &state.alarms.list.marks;
    if !marks.is_empty() {
        // Visible rows first (in their order), then marks filtered out since.
        let visible = state.alarms.visible.iter().map(|fp| fp.as_str());
        let hidden = marks
            .iter()
            .map(String::as_str)
            .filter(|m| !state.alarms.visible.iter().any(|v| v.as_str() == *m));
        return visible
            .chain(hidden)
            .filter(|fp| marks.contains(*fp))
            .filter_map(|fp| state.board.get(fp))
            .cloned()
            .collect();
    }
    state.selected_alarm().cloned().into_iter().collect()
}

/// An action on the selected or the marked alarms (the Alarms view only).
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.session.readonly {
        state.say(Level::Warn, "read-only console: this action is disabled");
        return Vec::new();
    }
    if state.view != View::Alarms {
        return Vec::new();
    }
    let alarms = targets(state);
    if alarms.is_empty() {
        state.say(Level::Warn, "no alarm selected");
        return Vec::new();
    }
    let bulk = !state.alarms.list.marks.is_empty();
    let n = alarms.len();
    let fx = match action {
        Action::Note => {
            open_note(state, &alarms);
            return Vec::new();
        }
        Action::TakeOwnership => take(state, &alarms, false),
        Action::AckWithNote | Action::Silence if bulk => {
            state.say(
                Level::Warn,
                "A and s act on one alarm: unmark (Space) to use them",
            );
            return Vec::new();
        }
        _ => {
            let mut fx = Vec::new();
            for alarm in &alarms {
                fx.extend(one(state, action, alarm));
            }
            fx
        }
    };
    if bulk && !fx.is_empty() {
        state.alarms.list.marks.clear();
        if !matches!(state.mode, Mode::Ask(_)) {
            let verb = match action {
                Action::Ack => "acking",
                Action::Unack => "unacking",
                Action::TakeOwnership => "taking",
                Action::ReleaseOwnership => "releasing",
                _ => "updating",
            };
            state.say(Level::Info, format!("{verb} {n} marked alarms…"));
        }
    }
    fx
}

/// One action on one alarm; says why not when it cannot be done.
fn one(state: &mut State, action: Action, alarm: &Alarm) -> Vec<Effect> {
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
                return silences::start_ack(state, alarm);
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
                return silences::start_unack(state, alarm, &id);
            }
            let ev = state.operator_event(
                EventKind::AlarmUnacked,
                &fp,
                payload(&AlarmAcked::default()),
            );
            state.commit(&fp, format!("unacked {name}"), ev)
        }
        Action::ReleaseOwnership => match alarm.owner.as_deref() {
            None => {
                state.say(Level::Info, format!("{name} has no owner"));
                Vec::new()
            }
            Some(o) if o != me => {
                let o = inert(o).into_owned();
                state.say(
                    Level::Warn,
                    format!("{name} is owned by {o}, not you (o takes it)"),
                );
                Vec::new()
            }
            Some(_) => {
                let ev = state.operator_event(
                    EventKind::AlarmOwnerSet,
                    &fp,
                    payload(&OwnerSet {
                        owner: String::new(),
                        previous: Some(me),
                    }),
                );
                state.commit(&fp, format!("released {name}"), ev)
            }
        },
        Action::AckWithNote => {
            if let Some(ack) = &alarm.ack {
                let by = ack.by.clone();
                state.say(Level::Warn, format!("{name} already acked by {by}"));
            } else if !alarm.is_firing() {
                state.say(Level::Warn, format!("{name} is resolved; nothing to ack"));
            } else {
                silences::editor::open_ack_editor(state, alarm);
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
                silences::editor::open_silence_editor(state, alarm);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// `o`: take `alarms`. Taking one someone else owns asks first (their
/// console is told through the journal); `confirmed` is the answer.
pub fn take(state: &mut State, alarms: &[Alarm], confirmed: bool) -> Vec<Effect> {
    let me = state.session.operator.clone();
    let mine = |a: &Alarm| a.owner.as_deref() == Some(me.as_str());
    let theirs: Vec<(String, String, String)> = alarms
        .iter()
        .filter_map(|a| {
            a.owner
                .as_ref()
                .filter(|o| **o != me)
                .map(|o| (a.fingerprint().to_string(), a.name().to_string(), o.clone()))
        })
        .collect();
    if !theirs.is_empty() && !confirmed {
        state.mode = Mode::Ask(Box::new(Ask::TakeOwnership(
            alarms
                .iter()
                .map(|a| {
                    (
                        a.fingerprint().to_string(),
                        a.name().to_string(),
                        a.owner.clone().unwrap_or_default(),
                    )
                })
                .collect(),
        )));
        return Vec::new();
    }
    let mut fx = Vec::new();
    for a in alarms {
        let name = inert(a.name()).into_owned();
        if mine(a) {
            state.say(Level::Info, format!("{name} is already yours"));
            continue;
        }
        let fp = a.fingerprint().to_string();
        if state.is_pending(&fp) {
            state.say(
                Level::Warn,
                format!("{name}: previous action still being recorded"),
            );
            continue;
        }
        let previous = a.owner.clone();
        let what = match &previous {
            Some(p) => format!("took ownership of {name} from {}", inert(p)),
            None => format!("took ownership of {name}"),
        };
        let ev = state.operator_event(
            EventKind::AlarmOwnerSet,
            &fp,
            payload(&OwnerSet {
                owner: me.clone(),
                previous,
            }),
        );
        fx.extend(state.commit(&fp, what, ev));
    }
    fx
}

/// The answer to "take alarms others own?".
pub fn on_take_answer(state: &mut State, fps: &[String], yes: bool) -> Vec<Effect> {
    if !yes {
        state.say(Level::Info, "ownership unchanged");
        return Vec::new();
    }
    let alarms: Vec<Alarm> = fps
        .iter()
        .filter_map(|fp| state.board.get(fp))
        .cloned()
        .collect();
    state.alarms.list.marks.clear();
    take(state, &alarms, true)
}

fn open_note(state: &mut State, alarms: &[Alarm]) {
    let Some((first, rest)) = alarms.split_first() else {
        return;
    };
    let mut ed = NoteEditor::new(first.fingerprint(), &inert(first.name()));
    ed.also = rest
        .iter()
        .map(|a| (a.fingerprint().to_string(), inert(a.name()).into_owned()))
        .collect();
    state.mode = Mode::Note(Box::new(ed));
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
            let mut targets = vec![(ed.fingerprint.clone(), ed.alarm_name.clone())];
            targets.extend(ed.also.iter().cloned());
            state.mode = Mode::Normal;
            if targets.len() > 1 {
                state.alarms.list.marks.clear();
            }
            let mut fx = Vec::new();
            for (fp, name) in targets {
                let ev = state.operator_event(
                    EventKind::AlarmNoteAdded,
                    &fp,
                    payload(&NoteAdded { text: text.clone() }),
                );
                fx.extend(state.commit(&fp, format!("note added to {name}"), ev));
            }
            return fx;
        }
        Outcome::Edited | Outcome::Other => ed.confirm_discard = false,
    }
    Vec::new()
}
