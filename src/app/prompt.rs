//! The two prompts every view shares: `/` filter (applied as it is typed,
//! k9s habit) and the `:` command palette with completion.

use super::command::{self, Command};
use super::input::{LineInput, edit_line};
use super::keymap::{Action, View};
use super::{Effect, Level, Mode, State, alarms, log};
use crate::domain::filter::Filter;
use crossterm::event::{KeyCode, KeyEvent};

fn current_filter_text(state: &State) -> String {
    match state.view {
        View::Log => state.log.list.filter.source.clone(),
        _ => state.alarms.list.filter.source.clone(),
    }
}

/// `/`: the Log view filters the log, every other view the alarms.
pub fn open_filter(state: &mut State) {
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

pub fn open_command(state: &mut State) {
    state.mode = Mode::Command {
        input: LineInput::default(),
        choice: 0,
        error: None,
    }
}

/// Apply the filter as it is typed (k9s habit); a half-typed invalid
/// filter keeps the last valid one and says why.
pub fn live_filter(state: &mut State) {
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
        View::Log => log::set_filter(state, f),
        _ => alarms::set_filter(state, f),
    }
}

pub fn on_filter_key(state: &mut State, key: KeyEvent) {
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

pub fn on_command_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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
        Command::Goto(v) => state.view = v,
        Command::Theme(name) => {
            state.select_theme(&name);
            state.say(Level::Info, format!("theme {name}"));
        }
        Command::Sort(key) => alarms::set_sort(state, key),
        Command::Group(g) => alarms::set_group(state, g),
        Command::Resolved => return super::update::perform(state, Action::ToggleResolved),
        Command::Help => state.mode = Mode::Help { scroll: 0 },
        Command::Quit => return super::update::perform(state, Action::Quit),
    }
    Vec::new()
}
