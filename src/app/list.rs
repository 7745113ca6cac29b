//! The list every view scrolls: a cursor, the first row drawn, paging and
//! the view's filter. One copy of the arithmetic for the alarm table, the
//! log, the monitor's services and the faults table, so they all move the
//! same way.

use crate::domain::filter::Filter;

#[derive(Debug, Clone, Default)]
pub struct List {
    /// Index of the highlighted row.
    pub selected: usize,
    /// First row drawn; kept so the list does not jump while moving.
    pub offset: usize,
    /// What the view's `/` filter says (empty: everything).
    pub filter: Filter,
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
}
