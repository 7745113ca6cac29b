//! Virtual scrolling: which slice of a long list is on screen. The app
//! keeps an `offset`, but the UI recomputes the window every frame so a
//! stale offset (after a resize, a refilter, or follow mode) can never hide
//! the selected row or leave the list scrolled past its end.

use std::ops::Range;

/// Rows `start..end` of a `len`-row list to draw in `height` rows, starting
/// from the app's `offset` and moved just enough to show `selected`.
pub fn window(len: usize, selected: usize, offset: usize, height: usize) -> Range<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_selection_visible() {
        assert_eq!(window(0, 0, 0, 10), 0..0);
        assert_eq!(window(5, 0, 0, 0), 0..0);
        assert_eq!(window(5, 4, 0, 10), 0..5);
        assert_eq!(window(100, 50, 0, 10), 41..51);
        assert_eq!(window(100, 50, 45, 10), 45..55);
        assert_eq!(window(100, 50, 60, 10), 50..60);
        // A stale offset past the end is pulled back.
        assert_eq!(window(100, 99, 200, 10), 90..100);
        assert_eq!(window(100, 95, 95, 10), 90..100);
        // A selection past the end is clamped.
        assert_eq!(window(3, 9, 0, 2), 1..3);
    }
}
