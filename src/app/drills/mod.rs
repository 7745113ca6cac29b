//! The drills room: chaos drills from scenario files, the drill this
//! console commands and every drill on the journal (the same on every
//! console: the war room).

use super::State;
use super::list::List;

#[derive(Debug, Clone, Default)]
pub struct Drills {
    /// Cursor over the scenario list.
    pub list: List,
    /// The drill shown in the running-drill pane.
    pub open: Option<String>,
}

impl Drills {
    /// Rows of the scenario list.
    pub fn rows(&self) -> usize {
        0
    }
}

pub fn move_by(state: &mut State, delta: isize) {
    let n = state.drills.rows();
    let page = state.page_rows();
    state.drills.list.move_by(delta, n, page);
}

/// `Esc` inside the view; `false` when there was nothing to close.
pub fn back(_state: &mut State) -> bool {
    false
}

/// Whether row `i` of the scenario list matches the search.
pub fn search_matches(_state: &State, _i: usize, _q: &str) -> bool {
    false
}

/// The selected row's key (for marks).
pub fn selected_key(_state: &State) -> Option<String> {
    None
}
