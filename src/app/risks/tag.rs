//! `F` on an alarm (firing or resolved): a picker of failure-mode ids,
//! filtered as it is typed, whose choice is one `risk.tagged` commit —
//! the alarm pending until the journal answers, the status line confirming
//! only then. The tag reaches every console's projection from the row.

use crate::app::input::{LineInput, edit_line};
use crate::app::{Effect, Level, Mode, State};
use crate::domain::filter::contains_ci;
use crate::domain::risk::tags::Tagged;
use crate::domain::sanitize::inert;
use crossterm::event::{KeyCode, KeyEvent};

/// The picker's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub fingerprint: String,
    pub alarm: String,
    pub service: String,
    pub input: LineInput,
    /// Index into [`Picker::choices`].
    pub choice: usize,
    /// The modes this alarm is tagged with already.
    pub tagged: Vec<String>,
}

impl Picker {
    /// `(id, title)` of the modes the typed text matches (id, title,
    /// component or application), the alarm's service's modes first.
    pub fn choices<'a>(&self, state: &'a State) -> Vec<(&'a str, &'a str)> {
        let q = self.input.text.trim();
        let mut v: Vec<_> = state
            .risks
            .catalog
            .modes
            .iter()
            .filter(|m| {
                q.is_empty()
                    || contains_ci(&m.id, q)
                    || contains_ci(&m.title, q)
                    || contains_ci(&m.component, q)
                    || contains_ci(&m.application, q)
            })
            .collect();
        let service = self.service.as_str();
        v.sort_by_key(|m| (service.is_empty() || m.component != service, m.id.clone()));
        v.into_iter()
            .map(|m| (m.id.as_str(), m.display_title()))
            .collect()
    }
}

/// Open the picker on the selected alarm.
pub fn open(state: &mut State) {
    if let Some(why) = state.recording.refusal() {
        state.say(Level::Error, format!("refused: {why}"));
        return;
    }
    let Some(a) = state.selected_alarm() else {
        state.say(Level::Info, "no alarm selected");
        return;
    };
    if state.risks.catalog.modes.is_empty() {
        state.say(
            Level::Warn,
            "no failure modes loaded: put files in [risk] dirs (docs/RISK.md)",
        );
        return;
    }
    let fp = a.fingerprint().to_string();
    let picker = Picker {
        alarm: a.name().to_string(),
        service: a.service().to_string(),
        tagged: state
            .risks
            .tags
            .modes_of(&fp)
            .into_iter()
            .map(str::to_string)
            .collect(),
        fingerprint: fp,
        input: LineInput::default(),
        choice: 0,
    };
    state.mode = Mode::Risk(Box::new(picker));
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Risk(p) = &mut state.mode else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            state.say(Level::Info, "not tagged");
            Vec::new()
        }
        KeyCode::Down | KeyCode::Tab => {
            p.choice = p.choice.saturating_add(1);
            clamp(state);
            Vec::new()
        }
        KeyCode::Up | KeyCode::BackTab => {
            p.choice = p.choice.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Enter => commit(state),
        _ => {
            if edit_line(&mut p.input, key) {
                p.choice = 0;
            }
            Vec::new()
        }
    }
}

pub fn on_paste(state: &mut State, text: &str) {
    if let Mode::Risk(p) = &mut state.mode {
        p.input.insert_str(text);
        p.choice = 0;
    }
}

fn clamp(state: &mut State) {
    let Mode::Risk(p) = &state.mode else {
        return;
    };
    let n = p.choices(state).len();
    if let Mode::Risk(p) = &mut state.mode {
        p.choice = p.choice.min(n.saturating_sub(1));
    }
}

fn commit(state: &mut State) -> Vec<Effect> {
    let Mode::Risk(p) = std::mem::take(&mut state.mode) else {
        return Vec::new();
    };
    let Some((id, _)) = p.choices(state).get(p.choice).copied() else {
        state.mode = Mode::Risk(p);
        state.say(Level::Warn, "no failure mode matches");
        return Vec::new();
    };
    let id = id.to_string();
    if p.tagged.contains(&id) {
        state.say(
            Level::Info,
            format!("{} is tagged {} already", inert(&p.alarm), inert(&id)),
        );
        return Vec::new();
    }
    let t = Tagged {
        mode: id.clone(),
        alarm: p.alarm.clone(),
        service: p.service.clone(),
        by: state.session.operator.clone(),
    };
    let ev = t.to_new_event(state.now, &p.fingerprint);
    let what = format!("{} tagged as {}", inert(&p.alarm), inert(&id));
    state.commit(&p.fingerprint, what, ev)
}
