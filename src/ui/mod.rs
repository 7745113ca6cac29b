//! Drawing: `render(frame, &State)` is a pure function of the state. It lays
//! the screen out as header / current view / status bar, then draws the
//! overlay for the current mode (filter prompt, command palette, a popup).
//! One file per view under `views/`, one per popup under `popups/`, one
//! function per region; shared pieces live in `widgets/`. Nothing here
//! mutates `State`.
//!
//! Every size must work: below [`MIN_WIDTH`]×[`MIN_HEIGHT`] a "terminal too
//! small" screen is drawn instead, and every overlay is clamped to the frame.

mod header;
mod popups;
mod status;
pub mod style;
mod views;
pub mod widgets;

use crate::app::{Mode, State, View};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;
use style::Styles;

/// Smallest terminal the normal layout is drawn in.
pub const MIN_WIDTH: u16 = 20;
pub const MIN_HEIGHT: u16 = 5;

/// Draw the whole screen for `state`.
pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let st = Styles::new(state);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        views::too_small::render(frame, area, &st);
        return;
    }
    frame.render_widget(Block::new().style(st.base()), area);

    let header_h = crate::app::layout::header_height(area.height);
    // The filter, search and command prompts take rows from the body
    // rather than covering it, so live filtering shows its result.
    let prompt_h = match &state.mode {
        Mode::Filter { error, .. } => 1 + u16::from(error.is_some()),
        Mode::Command { error, .. } => 1 + u16::from(error.is_some()),
        Mode::Search { .. } => 1,
        _ => 0,
    };
    let [header, body, prompt, status] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Min(1),
        Constraint::Length(prompt_h),
        Constraint::Length(1),
    ])
    .areas(area);

    header::render(frame, header, state, &st);
    body_view(frame, body, state, &st);
    status::render(frame, status, state, &st);

    match &state.mode {
        Mode::Normal => {}
        Mode::Filter { input, error, .. } => {
            views::prompt::filter(frame, prompt, input, error.as_deref(), &st);
        }
        Mode::Command { .. } => views::prompt::command(frame, body, prompt, state, &st),
        Mode::Note(editor) => popups::note::render(frame, area, editor, &st),
        Mode::Silence(editor) => popups::silence::render(frame, area, editor, &st),
        Mode::Help { scroll } => popups::help::render(frame, body, state, *scroll, &st),
        Mode::Faults(popup) => popups::inject::render(frame, area, popup, state, &st),
        Mode::Plans(popup) => views::plans_form::render(frame, area, popup, state, &st),
        Mode::Drills(rec) => popups::record::render(frame, area, rec, &st),
        Mode::Search { input, .. } => views::prompt::search(frame, prompt, input, state, &st),
        Mode::Event(view) => popups::event::render(frame, body, view, &st),
        Mode::Ask(ask) => popups::confirm::ask(frame, area, ask, &st),
        Mode::Risk(picker) => popups::tag::render(frame, area, picker, state, &st),
    }
}

fn body_view(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    match state.view {
        View::Alarms => views::alarms::render(frame, area, state, st),
        View::Monitor => views::monitor::render(frame, area, state, st),
        View::Log => views::log::render(frame, area, state, st),
        View::Faults => views::faults::render(frame, area, state, st),
        View::Plans => views::plans::render(frame, area, state, st),
        View::Drills => views::drills::render(frame, area, state, st),
        View::Timeline => views::timeline::render(frame, area, state, st),
        View::Risks => views::risks::render(frame, area, state, st),
        View::Improvements => views::improvements::render(frame, area, state, st),
    }
}
