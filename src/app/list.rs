//! The list every view scrolls: a cursor, the first row drawn, paging, the
//! view's filter, and what operators expect of any table (k9s, htop, less):
//! marks (`Space`) for bulk actions, sorting by any column and reversing it
//! (`S`, `I`, `:sort [-]COLUMN`), and a search (`\`) whose matches are
//! highlighted and jumped between (`]`, `[`). One copy of all of it for the
//! alarm table, the log, the monitor's services and the faults table, so
//! they all behave the same way; a view supplies its rows' keys, its column
//! names and how two rows compare on a column.

use crate::domain::filter::Filter;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// A sort: a column of the view and whether it is reversed from that
/// column's natural order (newest first for ages, worst first for
/// severities, A→Z for names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: &'static str,
    pub reverse: bool,
}

impl Sort {
    /// `age`, or `-age` when reversed (what `:sort` takes).
    pub fn label(self) -> String {
        if self.reverse {
            format!("-{}", self.column)
        } else {
            self.column.to_string()
        }
    }

    /// `age` / `-age` against a view's columns.
    pub fn parse(arg: &str, columns: &[&'static str]) -> Result<Sort, String> {
        let (reverse, name) = match arg.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, arg.strip_prefix('+').unwrap_or(arg)),
        };
        match columns.iter().find(|c| **c == name) {
            Some(column) => Ok(Sort { column, reverse }),
            None if columns.is_empty() => Err("this view has nothing to sort".into()),
            None => Err(format!(
                "no column {name:?} here; sort by {} (-COLUMN reverses)",
                columns.join(", ")
            )),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct List {
    /// Index of the highlighted row.
    pub selected: usize,
    /// First row drawn; kept so the list does not jump while moving.
    pub offset: usize,
    /// What the view's `/` filter says (empty: everything).
    pub filter: Filter,
    /// Keys of the marked rows (`Space`): what bulk actions act on.
    pub marks: BTreeSet<String>,
    /// `None`: the view's natural order.
    pub sort: Option<Sort>,
    /// `\`: the text searched for (lower-case); matches are highlighted.
    pub search: Option<String>,
}

impl List {
    /// Move the cursor by `delta` over `len` rows, scrolling a window of
    /// `page` rows. Returns whether there were rows to move over.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) -> bool {
        if len == 0 {
            return false;
        }
        self.selected = (self.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        scroll_into_view(&mut self.offset, self.selected, page);
        true
    }

    /// Keep the cursor on a row after the list shrank.
    pub fn clamp(&mut self, len: usize) {
        if len == 0 {
            self.selected = 0;
        } else if self.selected >= len {
            self.selected = len - 1;
        }
        self.offset = self.offset.min(self.selected);
    }

    /// Back to the first row (a new filter, a new sort).
    pub fn reset(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }

    pub fn scroll_into_view(&mut self, page: usize) {
        scroll_into_view(&mut self.offset, self.selected, page);
    }

    /// The selected row moved from `from` to `to` because rows arrived or
    /// left around it: move the window with it, so the row stays on the
    /// same screen line (under the cursor) while the rest scrolls.
    pub fn follow_row(&mut self, from: usize, to: usize) {
        self.selected = to;
        if to >= from {
            self.offset = self.offset.saturating_add(to - from);
        } else {
            self.offset = self.offset.saturating_sub(from - to);
        }
        self.offset = self.offset.min(self.selected);
    }

    // Marks.

    pub fn is_marked(&self, key: &str) -> bool {
        self.marks.contains(key)
    }

    /// Mark `keys`, or unmark them if every one is marked already (one
    /// row, or a whole group). Returns whether they are marked now.
    pub fn toggle_marks<'a>(&mut self, keys: impl IntoIterator<Item = &'a str> + Clone) -> bool {
        let all = keys.clone().into_iter().all(|k| self.marks.contains(k));
        for k in keys {
            if all {
                self.marks.remove(k);
            } else {
                self.marks.insert(k.to_string());
            }
        }
        !all
    }

    /// Forget marks on rows that are gone.
    pub fn retain_marks(&mut self, alive: impl Fn(&str) -> bool) {
        self.marks.retain(|k| alive(k));
    }

    // Sorting.

    /// The sort in force, `natural` when none was chosen.
    pub fn sort_or(&self, natural: Sort) -> Sort {
        self.sort.unwrap_or(natural)
    }

    /// `S`: the next column, in its natural direction.
    pub fn cycle_sort(&mut self, columns: &[&'static str], natural: Option<Sort>) {
        let current = self.sort.or(natural).map(|s| s.column);
        let i = current
            .and_then(|c| columns.iter().position(|x| *x == c))
            .map_or(0, |i| (i + 1) % columns.len().max(1));
        if let Some(column) = columns.get(i) {
            self.sort = Some(Sort {
                column,
                reverse: false,
            });
            self.reset();
        }
    }

    /// `I`: the same column the other way round.
    pub fn reverse_sort(&mut self, columns: &[&'static str], natural: Option<Sort>) {
        let now = self.sort.or(natural).or_else(|| {
            columns.first().map(|column| Sort {
                column,
                reverse: false,
            })
        });
        if let Some(s) = now {
            self.sort = Some(Sort {
                reverse: !s.reverse,
                ..s
            });
            self.reset();
        }
    }

    /// Order `rows` by `sort` with `cmp(column, a, b)` (each column's
    /// natural order), reversed when asked. Stable: ties keep their order.
    pub fn order<T>(sort: Sort, rows: &mut [T], cmp: impl Fn(&str, &T, &T) -> Ordering) {
        rows.sort_by(|a, b| {
            let o = cmp(sort.column, a, b);
            if sort.reverse { o.reverse() } else { o }
        });
    }

    // Search.

    /// `]` / `[`: select the next (or previous) row after the cursor for
    /// which `matches` holds, wrapping around. Returns the row, if any.
    pub fn find(
        &mut self,
        len: usize,
        forward: bool,
        page: usize,
        matches: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        if len == 0 {
            return None;
        }
        let start = self.selected.min(len - 1);
        let found = (1..=len)
            .map(|step| {
                if forward {
                    (start + step) % len
                } else {
                    (start + len - step % len) % len
                }
            })
            .find(|&i| matches(i))?;
        self.selected = found;
        scroll_into_view(&mut self.offset, found, page);
        Some(found)
    }
}

/// Keep `selected` inside the window `[offset, offset + page)`.
pub fn scroll_into_view(offset: &mut usize, selected: usize, page: usize) {
    let page = page.max(1);
    if selected < *offset {
        *offset = selected;
    } else if selected >= offset.saturating_add(page) {
        *offset = selected + 1 - page;
    }
}

/// Rows `start..end` of a `len`-row list to draw in `height` rows, starting
/// from the list's `offset` and moved just enough to show `selected`. The
/// UI recomputes it every frame (so a stale offset after a resize, a
/// refilter or follow mode never hides the selected row) and a mouse click
/// maps back through it.
pub fn window(len: usize, selected: usize, offset: usize, height: usize) -> std::ops::Range<usize> {
    if len == 0 || height == 0 {
        return 0..0;
    }
    let selected = selected.min(len - 1);
    let mut start = offset.min(selected);
    if selected >= start + height {
        start = selected + 1 - height;
    }
    // Do not leave empty rows at the bottom while earlier rows are hidden.
    start = start.min(len.saturating_sub(height));
    start..(start + height).min(len)
}

/// Whether `hay` contains the lower-case `needle`, ignoring case.
pub fn contains(hay: &str, needle: &str) -> bool {
    crate::domain::filter::contains_ci(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_clamp_and_scroll_a_window() {
        let mut l = List::default();
        assert!(!l.move_by(1, 0, 5), "nothing to move over");
        assert!(l.move_by(7, 10, 5));
        assert_eq!((l.selected, l.offset), (7, 3));
        l.move_by(-100, 10, 5);
        assert_eq!((l.selected, l.offset), (0, 0));
        l.move_by(isize::MAX / 2, 10, 5);
        assert_eq!((l.selected, l.offset), (9, 5));
        l.clamp(4);
        assert_eq!((l.selected, l.offset), (3, 3));
        l.clamp(0);
        assert_eq!((l.selected, l.offset), (0, 0));
    }

    #[test]
    fn marks_toggle_one_row_or_a_group() {
        let mut l = List::default();
        assert!(l.toggle_marks(["a"]));
        assert!(l.is_marked("a"));
        // A group with one marked row: mark them all; again: unmark all.
        assert!(l.toggle_marks(["a", "b", "c"]));
        assert_eq!(l.marks.len(), 3);
        assert!(!l.toggle_marks(["a", "b", "c"]));
        assert!(l.marks.is_empty());
        l.toggle_marks(["x", "y"]);
        l.retain_marks(|k| k == "y");
        assert_eq!(l.marks.iter().collect::<Vec<_>>(), ["y"]);
    }

    #[test]
    fn sorts_by_any_column_and_reverses() {
        const COLS: &[&str] = &["name", "n"];
        let mut rows = vec![("b", 2), ("a", 3), ("c", 1)];
        let cmp = |col: &str, x: &(&str, i32), y: &(&str, i32)| match col {
            "name" => x.0.cmp(y.0),
            _ => x.1.cmp(&y.1),
        };
        let mut l = List::default();
        l.cycle_sort(COLS, None);
        assert_eq!(l.sort.map(Sort::label).as_deref(), Some("name"));
        List::order(l.sort_or(Sort::parse("n", COLS).unwrap()), &mut rows, cmp);
        assert_eq!(rows[0].0, "a");
        l.reverse_sort(COLS, None);
        assert_eq!(l.sort.map(Sort::label).as_deref(), Some("-name"));
        List::order(l.sort_or(Sort::parse("n", COLS).unwrap()), &mut rows, cmp);
        assert_eq!(rows[0].0, "c");
        l.cycle_sort(COLS, None);
        assert_eq!(l.sort.map(Sort::label).as_deref(), Some("n"));
        assert_eq!(
            Sort::parse("-n", COLS),
            Ok(Sort {
                column: "n",
                reverse: true
            })
        );
        assert!(Sort::parse("age", COLS).unwrap_err().contains("name, n"));
    }

    #[test]
    fn search_jumps_to_the_next_and_previous_match_wrapping() {
        let rows = ["alpha", "beta", "alps", "gamma"];
        let m = |i: usize| contains(rows[i], "al");
        let mut l = List::default();
        assert_eq!(l.find(4, true, 10, m), Some(2));
        assert_eq!(l.find(4, true, 10, m), Some(0), "wraps");
        assert_eq!(l.find(4, false, 10, m), Some(2), "backwards wraps");
        assert_eq!(l.find(4, true, 10, |_| false), None);
        assert_eq!(l.selected, 2, "no match: the cursor stays");
    }

    #[test]
    fn the_selected_row_stays_under_the_cursor() {
        let mut l = List {
            selected: 5,
            offset: 3,
            ..List::default()
        };
        // Two rows arrived above it.
        l.follow_row(5, 7);
        assert_eq!((l.selected, l.offset), (7, 5));
        // It moved up past the top of the window: the window follows.
        l.follow_row(7, 1);
        assert_eq!((l.selected, l.offset), (1, 0));
    }

    #[test]
    fn windows_keep_the_selection_visible() {
        assert_eq!(window(0, 0, 0, 10), 0..0);
        assert_eq!(window(5, 0, 0, 0), 0..0);
        assert_eq!(window(5, 4, 0, 10), 0..5);
        assert_eq!(window(100, 50, 0, 10), 41..51);
        assert_eq!(window(100, 50, 45, 10), 45..55);
        assert_eq!(window(100, 50, 60, 10), 50..60);
        assert_eq!(window(100, 99, 200, 10), 90..100);
        assert_eq!(window(100, 95, 95, 10), 90..100);
        assert_eq!(window(3, 9, 0, 2), 1..3);
    }
}
