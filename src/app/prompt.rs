//! The two prompts every view shares: `/` filter (applied as it is typed,
//! k9s habit) and the `:` command palette with completion.

use super::command::{self, Command};
use super::input::{LineInput, edit_line};
use super::keymap::{Action, View};
use super::list::Sort;
use super::{Effect, Level, Mode, State, alarms, log};
use crate::domain::filter::Filter;
use crossterm::event::{KeyCode, KeyEvent};

fn current_filter_text(state: &State) -> String {
    match state.view {
        View::Log => state.log.list.filter.source.clone(),
        View::Plans => state.plans.list.filter.source.clone(),
        View::Drills => state.drills.list.filter.source.clone(),
        View::Risks => state.risks.list.filter.source.clone(),
        View::Improvements => state.drills.items_list.filter.source.clone(),
        // The alarms on screen: the past board's while time travelling.
        _ => alarms::shown(state).0.list.filter.source.clone(),
    }
}

/// How a refused filter's error starts in the status bar.
const FILTER_ERROR: &str = "filter ";

/// `/`: the Log view filters the log, every other view the alarms (those
/// the Alarms view shows: the past board's while time travelling).
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
        stem: None,
    }
}

/// The palette's completion list and its highlighted entry (what the UI
/// draws and what Enter runs), or `None` outside the palette.
pub fn completions(state: &State) -> Option<(Vec<String>, usize)> {
    let Mode::Command {
        input,
        choice,
        stem,
        ..
    } = &state.mode
    else {
        return None;
    };
    let (columns, _) = super::update::columns(state.view);
    let cands = command::candidates(
        stem.as_deref().unwrap_or(&input.text),
        &state.theme_names(),
        columns,
    );
    let choice = if cands.is_empty() {
        0
    } else {
        choice % cands.len()
    };
    Some((cands, choice))
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
        View::Plans => super::plans::set_filter(state, f),
        View::Drills => super::drills::set_filter(state, f),
        View::Risks => super::risks::set_filter(state, f),
        View::Improvements => super::drills::review::set_items_filter(state, f),
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
            // The refused filter's error goes with it.
            if state
                .status
                .as_ref()
                .is_some_and(|s| s.level == Level::Error && s.text.starts_with(FILTER_ERROR))
            {
                state.status = None;
            }
            if let Ok(f) = Filter::parse(&prev) {
                set_filter(state, f);
            }
            return;
        }
        KeyCode::Enter => {
            if let Some(e) = error.clone() {
                state.say(Level::Error, format!("{FILTER_ERROR}{e}"));
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
    let (cands, highlighted) = completions(state).unwrap_or_default();
    let themes = state.theme_names();
    let Mode::Command {
        input,
        choice,
        error,
        stem,
    } = &mut state.mode
    else {
        return Vec::new();
    };
    let n = cands.len();
    let pick = |input: &mut LineInput, i: usize| {
        if let Some(c) = cands.get(i) {
            *input = LineInput::with(c);
        }
    };
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        // Tab cycles through the completions (S-Tab backwards); the first
        // Tab takes the highlighted one. A lone completion is taken for
        // good, so the next Tab completes its argument.
        KeyCode::Tab | KeyCode::BackTab if n > 0 => {
            *error = None;
            if n == 1 {
                pick(input, 0);
                *stem = None;
                *choice = 0;
            } else {
                let next = match (stem.is_some(), key.code) {
                    (false, _) => highlighted,
                    (true, KeyCode::BackTab) => (highlighted + n - 1) % n,
                    (true, _) => (highlighted + 1) % n,
                };
                if stem.is_none() {
                    *stem = Some(input.text.clone());
                }
                *choice = next;
                pick(input, next);
            }
        }
        KeyCode::Down | KeyCode::Up if n > 0 => {
            *choice = if key.code == KeyCode::Down {
                (highlighted + 1) % n
            } else {
                (highlighted + n - 1) % n
            };
            if stem.is_some() {
                pick(input, *choice);
            }
        }
        KeyCode::Enter => {
            // The highlighted completion is what runs; one that still
            // needs its argument (`theme `) is taken into the line instead.
            let line = match cands.get(highlighted) {
                Some(c) if c.ends_with(' ') => {
                    *input = LineInput::with(c);
                    *stem = None;
                    *choice = 0;
                    return Vec::new();
                }
                Some(c) => c.clone(),
                None => input.text.clone(),
            };
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
                *stem = None;
            }
        }
    }
    Vec::new()
}

/// `\\`: search the current view; matches are highlighted, `]` / `[` jump.
pub fn open_search(state: &mut State) {
    let previous = super::update::list_mut(state).search.clone();
    state.mode = Mode::Search {
        input: LineInput::with(previous.as_deref().unwrap_or("")),
        previous,
    };
}

/// The search as typed: highlight and jump to the first match from the cursor.
pub fn live_search(state: &mut State) {
    let Mode::Search { input, .. } = &state.mode else {
        return;
    };
    let q = input.text.trim().to_lowercase();
    let from = super::update::list_mut(state).selected;
    let found = (!q.is_empty())
        .then(|| super::update::first_match(state, from, &q))
        .flatten();
    let page = state.page_rows();
    let list = super::update::list_mut(state);
    list.search = (!q.is_empty()).then_some(q);
    if let Some(i) = found {
        list.selected = i;
        list.scroll_into_view(page);
    }
}

pub fn on_search_key(state: &mut State, key: KeyEvent) {
    let Mode::Search { input, previous } = &mut state.mode else {
        return;
    };
    match key.code {
        KeyCode::Esc => {
            let prev = previous.take();
            state.mode = Mode::Normal;
            super::update::list_mut(state).search = prev;
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            let q = super::update::list_mut(state).search.clone();
            if let Some(q) = q {
                let n = super::update::match_count(state, &q);
                let text = match n {
                    0 => format!("no match for {:?}", crate::domain::sanitize::inert(&q)),
                    1 => "1 match (] next, [ previous, Esc clears)".to_string(),
                    n => format!("{n} matches (] next, [ previous, Esc clears)"),
                };
                state.say(if n == 0 { Level::Warn } else { Level::Info }, text);
            }
        }
        _ => {
            if edit_line(input, key) {
                live_search(state);
            }
        }
    }
}

fn run_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Goto(v) => state.view = v,
        Command::Theme(name) => {
            state.select_theme(&name);
            state.say(Level::Info, format!("theme {name}"));
        }
        Command::Sort(arg) => {
            let (columns, _) = super::update::columns(state.view);
            match Sort::parse(&arg, columns) {
                Ok(sort) => {
                    let list = super::update::list_mut(state);
                    list.sort = Some(sort);
                    list.reset();
                    super::update::resorted(state);
                }
                Err(e) => state.say(Level::Warn, e),
            }
        }
        Command::Group(g) => alarms::set_group(state, g),
        Command::Resolved => return super::update::perform(state, Action::ToggleResolved),
        Command::Report { kind, format } => return super::reports::request(state, kind, format),
        Command::Help => state.mode = Mode::Help { scroll: 0 },
        Command::Quit => return super::update::perform(state, Action::Quit),
    }
    Vec::new()
}
