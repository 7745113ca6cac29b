//! The Alarms view's state: filter, sort, selection and the cached list of
//! visible fingerprints, recomputed only when the board or the filter changes
//! so that drawing 100k alarms touches only the rows on screen.

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
    pub filter: Filter,
    pub sort: SortKey,
    pub group: GroupBy,
    /// Visible alarms per group key (when grouping), for the group column.
    pub group_sizes: std::collections::HashMap<String, usize>,
    pub show_resolved: bool,
    pub detail: bool,
    /// Index into `visible` of the highlighted row.
    pub selected: usize,
    /// First row drawn; kept so the list does not jump while moving.
    pub offset: usize,
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
            .filter(|a| (self.show_resolved || a.is_firing()) && self.filter.matches(a))
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
            self.selected = i;
        }
        self.clamp();
    }

    pub fn selected_fingerprint(&self) -> Option<&str> {
        self.visible.get(self.selected).map(|fp| fp.as_str())
    }

    pub fn clamp(&mut self) {
        if self.visible.is_empty() {
            self.selected = 0;
        } else if self.selected >= self.visible.len() {
            self.selected = self.visible.len() - 1;
        }
        self.offset = self.offset.min(self.selected);
    }

    /// Move the selection by `delta` rows, scrolling a window of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let n = self.visible.len();
        if n == 0 {
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, n as isize - 1) as usize;
        self.selected = target;
        scroll_into_view(&mut self.offset, self.selected, page);
    }
}

/// Keep `selected` inside the window `[offset, offset + page)`.
pub fn scroll_into_view(offset: &mut usize, selected: usize, page: usize) {
    let page = page.max(1);
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + page {
        *offset = selected + 1 - page;
    }
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
