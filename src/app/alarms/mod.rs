//! The alarms room: the Alarms view's state (filter, sort, grouping,
//! selection and the cached list of visible fingerprints, recomputed only
//! when the board or the filter changes so that drawing 100k alarms touches
//! only the rows on screen), the operator's actions on an alarm
//! ([`actions`]: ack, unack, note, ownership) and turning source snapshots
//! into journal rows ([`ingest`]).

pub mod actions;
pub mod ingest;

pub use actions::NoteEditor;

use super::list::{List, Sort};
use super::{Level, State};
use crate::domain::filter::Filter;
use crate::domain::{Alarm, AlarmBoard};
use std::cmp::Ordering;

/// Columns the table sorts by (`S` cycles, `I` reverses, `:sort [-]NAME`).
pub const COLUMNS: &[&str] = &[
    "severity", "state", "age", "service", "name", "summary", "ack", "owner",
];

/// The order with no sort chosen: worst first.
pub const NATURAL: Sort = Sort {
    column: "severity",
    reverse: false,
};

/// `:group`: alarms of one group are listed together, groups ordered by
/// their worst firing severity, then name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    #[default]
    None,
    Alertname,
    Service,
}

impl GroupBy {
    pub fn label(self) -> &'static str {
        match self {
            GroupBy::None => "none",
            GroupBy::Alertname => "alertname",
            GroupBy::Service => "service",
        }
    }

    /// The group an alarm belongs to (`None` when not grouping).
    pub fn key(self, a: &Alarm) -> Option<&str> {
        match self {
            GroupBy::None => None,
            GroupBy::Alertname => Some(a.name()),
            GroupBy::Service => Some(a.service()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AlarmsView {
    /// Cursor, scroll, the `/` filter, marks, sort and search.
    pub list: List,
    pub group: GroupBy,
    /// Visible alarms per group key (when grouping), for the group column.
    pub group_sizes: std::collections::HashMap<String, usize>,
    pub show_resolved: bool,
    pub detail: bool,
    /// Lines scrolled off the top of the detail pane (`J` / `K`); the UI
    /// stops it at the last page.
    pub detail_scroll: u16,
    /// Fingerprints in display order (shared with the board's).
    pub visible: Vec<crate::domain::alarm::Text>,
    /// Board generation `visible` was computed from; `None` forces a refresh.
    computed_for: Option<u64>,
}

impl AlarmsView {
    pub fn invalidate(&mut self) {
        self.computed_for = None;
    }

    /// The sort in force.
    pub fn sort(&self) -> Sort {
        self.list.sort_or(NATURAL)
    }

    /// Recompute `visible` if the board changed, keeping the same alarm
    /// selected when it is still visible (or the alarm it escalated into)
    /// on the same screen line: rows arriving above it scroll the rest,
    /// not the cursor.
    pub fn refresh(&mut self, board: &AlarmBoard) {
        if self.computed_for == Some(board.generation) {
            return;
        }
        let was = self.list.selected;
        let keep = self.selected_fingerprint().map(str::to_string);
        let mut rows: Vec<&Alarm> = board
            .iter()
            // A resolved alarm that escalated lives on in its successor's row.
            .filter(|a| {
                (a.is_firing() || (self.show_resolved && a.successor.is_none()))
                    && self.list.filter.matches(a)
            })
            .collect();
        let sort = self.sort();
        List::order(sort, &mut rows, |col, a, b| compare(col, a, b));
        // Firing before resolved, whatever the sort (stable: keeps it).
        rows.sort_by_key(|a| !a.is_firing());
        self.group_sizes.clear();
        if self.group != GroupBy::None {
            // Worst firing severity per group orders the groups; the sort
            // orders alarms inside a group (a stable sort keeps it).
            let mut worst: std::collections::HashMap<&str, crate::domain::Severity> =
                std::collections::HashMap::new();
            for a in &rows {
                let k = self.group.key(a).unwrap_or("");
                *self.group_sizes.entry(k.to_string()).or_default() += 1;
                if a.is_firing() {
                    let w = worst.entry(k).or_insert(a.severity());
                    *w = (*w).max(a.severity());
                }
            }
            let g = self.group;
            rows.sort_by(|a, b| {
                let (ka, kb) = (g.key(a).unwrap_or(""), g.key(b).unwrap_or(""));
                worst.get(kb).cmp(&worst.get(ka)).then(ka.cmp(kb))
            });
        }
        self.visible = rows
            .iter()
            .map(|a| a.observed.fingerprint.clone())
            .collect();
        self.computed_for = Some(board.generation);
        self.list.retain_marks(|fp| board.get(fp).is_some());
        // The selected alarm, or the one it escalated into.
        let target = keep.map(|fp| board.latest(&fp).to_string());
        if let Some(fp) = target
            && let Some(i) = self.visible.iter().position(|v| *v == fp)
        {
            self.list.follow_row(was, i);
        }
        self.list.clamp(self.visible.len());
    }

    /// Fingerprints of the rows in the selected alarm's group (`:group`), or
    /// just the selected alarm.
    pub fn selected_group(&self, board: &AlarmBoard) -> Vec<String> {
        let Some(fp) = self.selected_fingerprint() else {
            return Vec::new();
        };
        let key = board.get(fp).and_then(|a| self.group.key(a));
        match key {
            Some(k) => self
                .visible
                .iter()
                .filter(|v| board.get(v).and_then(|a| self.group.key(a)) == Some(k))
                .map(|v| v.to_string())
                .collect(),
            None => vec![fp.to_string()],
        }
    }

    /// Whether the alarm matches the `\` search.
    pub fn search_hit(&self, a: &Alarm) -> bool {
        self.list
            .search
            .as_deref()
            .is_some_and(|q| search_matches(a, q))
    }

    pub fn selected_fingerprint(&self) -> Option<&str> {
        self.visible.get(self.list.selected).map(|fp| fp.as_str())
    }

    /// Move the selection by `delta` rows, scrolling a window of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        self.list.move_by(delta, self.visible.len(), page);
    }

    /// Recompute from `board` now (the filter, sort or grouping changed).
    pub fn recompute(&mut self, board: &AlarmBoard) {
        self.invalidate();
        self.refresh(board);
    }
}

/// The Alarms list on screen and the board it lists: while time
/// travelling, the past board's own list (what the view draws), else the
/// live one. Every key and click that reads or arranges the list (`/`, `\`,
/// sort, grouping, `r`, marks, the mouse) goes through here, so it acts on
/// the rows the operator sees; writes are refused before they get here.
pub fn shown(state: &State) -> (&AlarmsView, &AlarmBoard) {
    match &state.timeline.travel {
        Some(t) => (&t.view, &t.board),
        None => (&state.alarms, &state.board),
    }
}

/// [`shown`], the list mutable.
pub fn shown_mut(state: &mut State) -> (&mut AlarmsView, &AlarmBoard) {
    match &mut state.timeline.travel {
        Some(t) => (&mut t.view, &t.board),
        None => (&mut state.alarms, &state.board),
    }
}

/// The alarm selected in the list on screen (the past board's while
/// travelling).
pub fn shown_selected(state: &State) -> Option<&Alarm> {
    let (view, board) = shown(state);
    view.selected_fingerprint().and_then(|fp| board.get(fp))
}

/// `Enter`: the detail pane.
pub fn toggle_detail(state: &mut State) {
    state.alarms.detail = !state.alarms.detail;
    state.alarms.detail_scroll = 0;
}

/// `J` / `K`: scroll the detail pane (opening it if it is closed).
pub fn scroll_detail(state: &mut State, by: i32) {
    if !state.alarms.detail {
        state.alarms.detail = true;
        state.alarms.detail_scroll = 0;
        return;
    }
    // The pane's length is the UI's business (it wraps and stops at the
    // last page); here a bound from what the pane lists keeps `K` from
    // having to climb back from far past the end.
    let bound = shown_selected(state)
        .map_or(0, |al| {
            20 + al.observed.labels.len()
                + 2 * al.observed.annotations.len()
                + al.timeline.len()
                + state
                    .silences
                    .silences_for(&al.observed.source, al.fingerprint())
                    .len()
        })
        .min(u16::MAX as usize) as u16;
    let a = &mut state.alarms;
    a.detail_scroll = if by >= 0 {
        a.detail_scroll.saturating_add(by as u16).min(bound)
    } else {
        a.detail_scroll.saturating_sub(by.unsigned_abs() as u16)
    };
}

/// `r`: show or hide resolved alarms.
pub fn toggle_resolved(state: &mut State) {
    let (view, board) = shown_mut(state);
    view.show_resolved = !view.show_resolved;
    view.recompute(board);
    let shown = if view.show_resolved {
        "shown"
    } else {
        "hidden"
    };
    state.say(Level::Info, format!("resolved alarms {shown}"));
}

/// After `S`, `I` or `:sort`: the table in the new order.
pub fn resorted(state: &mut State) {
    let (view, board) = shown_mut(state);
    view.recompute(board);
    let label = view.sort().label();
    state.say(Level::Info, format!("sorted by {label}"));
}

/// What the `\` search looks at: what the row shows.
pub fn search_matches(a: &Alarm, needle: &str) -> bool {
    use crate::domain::filter::contains_ci;
    contains_ci(a.name(), needle)
        || contains_ci(a.service(), needle)
        || contains_ci(a.summary(), needle)
        || a.owner.as_deref().is_some_and(|o| contains_ci(o, needle))
        || a.ack.as_ref().is_some_and(|k| contains_ci(&k.by, needle))
}

/// `:group`.
pub fn set_group(state: &mut State, g: GroupBy) {
    let (view, board) = shown_mut(state);
    view.group = g;
    view.recompute(board);
    state.say(Level::Info, format!("grouped by {}", g.label()));
}

/// A new `/` filter: back to the top of what it lets through.
pub fn set_filter(state: &mut State, f: Filter) {
    let (view, board) = shown_mut(state);
    view.list.filter = f;
    view.list.reset();
    view.recompute(board);
}

/// `Esc`: close the detail pane, else clear the filter. Whether it did.
pub fn back(state: &mut State) -> bool {
    if state.alarms.detail {
        state.alarms.detail = false;
    } else if !shown(state).0.list.filter.is_empty() {
        let (view, board) = shown_mut(state);
        view.list.filter = Filter::default();
        view.recompute(board);
        state.say(Level::Info, "filter cleared");
    } else {
        return false;
    }
    true
}

/// Each column's natural order: worst severity first, newest first for
/// age, A→Z for text, nobody last; ties by severity, then fingerprint.
fn compare(column: &str, a: &Alarm, b: &Alarm) -> Ordering {
    let text = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let by_severity = || {
        b.severity()
            .cmp(&a.severity())
            .then(a.is_acked().cmp(&b.is_acked()))
            .then(b.raised_at.cmp(&a.raised_at))
    };
    let by_key = match column {
        "state" => Ordering::Equal,
        "age" => b.raised_at.cmp(&a.raised_at),
        "service" => a.service().cmp(b.service()),
        "name" => a.name().cmp(b.name()).then(a.service().cmp(b.service())),
        "summary" => a.summary().cmp(b.summary()),
        "ack" => text(
            a.ack.as_ref().map(|k| k.by.as_str()),
            b.ack.as_ref().map(|k| k.by.as_str()),
        ),
        "owner" => text(a.owner.as_deref(), b.owner.as_deref()),
        _ => by_severity(),
    };
    by_key
        .then_with(by_severity)
        .then_with(|| a.fingerprint().cmp(b.fingerprint()))
}
