//! The alarms room: the Alarms view's state (filter, sort, grouping,
//! selection and the cached list of visible fingerprints, recomputed only
//! when the board or the filter changes so that drawing 100k alarms touches
//! only the rows on screen), the operator's actions on an alarm
//! ([`actions`]: ack, unack, note, ownership) and turning source snapshots
//! into journal rows ([`ingest`]).

pub mod actions;
pub mod ingest;

pub use actions::NoteEditor;

use super::list::List;
use super::{Level, State};
use crate::domain::filter::Filter;
use crate::domain::{Alarm, AlarmBoard};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Severity,
    Age,
    Name,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Severity => SortKey::Age,
            SortKey::Age => SortKey::Name,
            SortKey::Name => SortKey::Severity,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Severity => "severity",
            SortKey::Age => "age",
            SortKey::Name => "name",
        }
    }
}

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
    /// Cursor, scroll and the `/` filter.
    pub list: List,
    pub sort: SortKey,
    pub group: GroupBy,
    /// Visible alarms per group key (when grouping), for the group column.
    pub group_sizes: std::collections::HashMap<String, usize>,
    pub show_resolved: bool,
    pub detail: bool,
    /// Fingerprints in display order (shared with the board's).
    pub visible: Vec<crate::domain::alarm::Text>,
    /// Board generation `visible` was computed from; `None` forces a refresh.
    computed_for: Option<u64>,
}

impl AlarmsView {
    pub fn invalidate(&mut self) {
        self.computed_for = None;
    }

    /// Recompute `visible` if the board changed, keeping the same alarm
    /// selected when it is still visible.
    pub fn refresh(&mut self, board: &AlarmBoard) {
        if self.computed_for == Some(board.generation) {
            return;
        }
        let keep = self.selected_fingerprint().map(str::to_string);
        let mut rows: Vec<&Alarm> = board
            .iter()
            .filter(|a| (self.show_resolved || a.is_firing()) && self.list.filter.matches(a))
            .collect();
        self.group_sizes.clear();
        if self.group == GroupBy::None {
            rows.sort_by(|a, b| compare(self.sort, a, b));
        } else {
            // Worst firing severity per group orders the groups.
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
                worst
                    .get(kb)
                    .cmp(&worst.get(ka))
                    .then(ka.cmp(kb))
                    .then_with(|| compare(self.sort, a, b))
            });
        }
        self.visible = rows
            .iter()
            .map(|a| a.observed.fingerprint.clone())
            .collect();
        self.computed_for = Some(board.generation);
        if let Some(fp) = keep
            && let Some(i) = self.visible.iter().position(|v| *v == fp)
        {
            self.list.selected = i;
        }
        self.list.clamp(self.visible.len());
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

/// `Enter`: the detail pane.
pub fn toggle_detail(state: &mut State) {
    state.alarms.detail = !state.alarms.detail;
}

/// `r`: show or hide resolved alarms.
pub fn toggle_resolved(state: &mut State) {
    state.alarms.show_resolved = !state.alarms.show_resolved;
    state.alarms.recompute(&state.board);
    let shown = if state.alarms.show_resolved {
        "shown"
    } else {
        "hidden"
    };
    state.say(Level::Info, format!("resolved alarms {shown}"));
}

/// `S` or `:sort`.
pub fn set_sort(state: &mut State, key: SortKey) {
    state.alarms.sort = key;
    state.alarms.recompute(&state.board);
    state.say(Level::Info, format!("sorted by {}", key.label()));
}

/// `:group`.
pub fn set_group(state: &mut State, g: GroupBy) {
    state.alarms.group = g;
    state.alarms.recompute(&state.board);
    state.say(Level::Info, format!("grouped by {}", g.label()));
}

/// A new `/` filter: back to the top of what it lets through.
pub fn set_filter(state: &mut State, f: Filter) {
    state.alarms.list.filter = f;
    state.alarms.list.reset();
    state.alarms.recompute(&state.board);
}

/// `Esc`: close the detail pane, else clear the filter. Whether it did.
pub fn back(state: &mut State) -> bool {
    if state.alarms.detail {
        state.alarms.detail = false;
    } else if !state.alarms.list.filter.is_empty() {
        state.alarms.list.filter = Filter::default();
        state.alarms.recompute(&state.board);
        state.say(Level::Info, "filter cleared");
    } else {
        return false;
    }
    true
}

fn compare(key: SortKey, a: &Alarm, b: &Alarm) -> Ordering {
    // Firing before resolved, then the key, then a stable tie-break.
    let firing = b.is_firing().cmp(&a.is_firing());
    let by_key = match key {
        SortKey::Severity => b
            .severity()
            .cmp(&a.severity())
            .then(a.is_acked().cmp(&b.is_acked()))
            .then(b.raised_at.cmp(&a.raised_at)),
        SortKey::Age => a.raised_at.cmp(&b.raised_at),
        SortKey::Name => a.name().cmp(b.name()).then(a.service().cmp(b.service())),
    };
    firing
        .then(by_key)
        .then_with(|| a.fingerprint().cmp(b.fingerprint()))
}
