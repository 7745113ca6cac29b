//! The timeline room: the fault timeline of any window, drill or incident,
//! drawn from the journal, and time travel (the board as it was at the
//! cursor).

use super::State;

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// The chosen lane.
    pub lane: usize,
}

impl Timeline {
    pub fn lanes(&self) -> usize {
        0
    }
}

pub fn move_by(state: &mut State, delta: isize) {
    let n = state.timeline.lanes() as isize;
    let lane = (state.timeline.lane as isize + delta).clamp(0, (n - 1).max(0));
    state.timeline.lane = lane as usize;
}

/// `Esc` inside the view; `false` when there was nothing to close.
pub fn back(_state: &mut State) -> bool {
    false
}
