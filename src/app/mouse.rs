//! The mouse (k9s and htop habits): a click on a tab switches view, a click
//! on a row selects it, the wheel scrolls the list (or the detail pane or
//! popup under it). Where things are comes from [`super::layout`], the same
//! arithmetic the UI draws with. Off with `mouse = false` (the runtime then
//! does not capture the mouse at all).

use super::layout::{self, Area};
use super::{Effect, Mode, State, View};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

/// Rows the wheel moves per notch.
const WHEEL: isize = 3;

pub fn on_mouse(state: &mut State, ev: MouseEvent) -> Vec<Effect> {
    if !state.mouse {
        return Vec::new();
    }
    let (x, y) = (ev.column, ev.row);
    match ev.kind {
        MouseEventKind::ScrollDown => wheel(state, x, y, WHEEL),
        MouseEventKind::ScrollUp => wheel(state, x, y, -WHEEL),
        MouseEventKind::Down(MouseButton::Left) if matches!(state.mode, Mode::Normal) => {
            click(state, x, y)
        }
        _ => {}
    }
    Vec::new()
}

fn wheel(state: &mut State, x: u16, y: u16, by: isize) {
    match &mut state.mode {
        Mode::Help { scroll } => {
            *scroll = step(*scroll, by);
            return;
        }
        Mode::Event(view) => {
            view.scroll = step(view.scroll, by);
            return;
        }
        Mode::Normal => {}
        _ => return,
    }
    if state.view == View::Alarms
        && let (_, Some(detail)) = layout::alarms(state)
        && detail.contains(x, y)
    {
        super::alarms::scroll_detail(state, by as i32);
        return;
    }
    super::update::move_by(state, by);
}

fn step(v: u16, by: isize) -> u16 {
    if by >= 0 {
        v.saturating_add(by as u16)
    } else {
        v.saturating_sub(by.unsigned_abs() as u16)
    }
}

fn click(state: &mut State, x: u16, y: u16) {
    if y == 0 {
        if let Some((v, _)) = layout::tabs(state, state.size.0)
            .into_iter()
            .find(|(_, r)| r.contains(&x))
        {
            state.view = v;
        }
        return;
    }
    let hit = |table: Area, heading: bool, len: usize, list: &super::list::List| {
        table
            .contains(x, y)
            .then(|| layout::table_row(table, heading, len, list.selected, list.offset, y))
            .flatten()
    };
    let row = match state.view {
        View::Alarms => {
            // The rows on screen: the past board's while time travelling.
            let (table, _) = layout::alarms(state);
            let (view, _) = super::alarms::shown(state);
            hit(table, true, view.visible.len(), &view.list)
        }
        View::Log => {
            let table = layout::body(state);
            hit(table, true, state.log.visible.len(), &state.log.list)
        }
        View::Faults => {
            let table = layout::faults_table(state);
            hit(table, true, state.faults.rows().len(), &state.faults.list)
        }
        View::Monitor if !state.sources.show_targets => {
            let list = layout::monitor_list(state);
            hit(list, false, state.monitor.groups.len(), &state.monitor.list)
        }
        View::Plans if state.plans.open.is_none() => {
            let a = layout::plans(state);
            let p = &state.plans;
            if let Some(i) = hit(a.list, true, p.rows().len(), &p.list) {
                state.plans.pane = super::plans::Pane::Plans;
                Some(i)
            } else if let Some(i) = hit(a.runs, true, p.run_rows().len(), &p.runs_list) {
                state.plans.pane = super::plans::Pane::Runs;
                Some(i)
            } else {
                None
            }
        }
        View::Drills => {
            let a = layout::drills(state);
            hit(a.list, true, state.drills.rows(), &state.drills.list)
        }
        View::Risks if state.risks.open.is_none() => {
            let table = layout::body(state);
            hit(
                table,
                true,
                super::risks::rows(state).len(),
                &state.risks.list,
            )
        }
        View::Improvements => {
            let table = layout::body(state);
            let n = super::drills::review::item_rows(state);
            hit(table, true, n, &state.drills.items_list)
        }
        View::Monitor | View::Plans | View::Timeline | View::Risks => None,
    };
    if let Some(i) = row {
        let now = super::update::list_mut(state).selected as isize;
        super::update::move_by(state, i as isize - now);
    }
}
