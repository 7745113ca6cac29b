//! Width-aware text: make outside text inert and cut it to a number of
//! terminal columns with `…`, so wide (CJK, emoji) characters never spill
//! into the next column and escape sequences never reach the terminal.

use crate::domain::sanitize::inert;
use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Terminal columns `s` occupies.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `max` columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(max + 3);
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// Cut `s` from the left to at most `max` columns (`…/cocpit/journal.db`):
/// for paths, where the end is the informative part.
pub fn truncate_left(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        tail.push(c);
        used += w;
    }
    let mut out = String::from("…");
    out.extend(tail.into_iter().rev());
    Cow::Owned(out)
}

/// Outside text made inert and cut to `max` columns: the one way table cells
/// and labels are built from data a source or another operator supplied.
pub fn cell(s: &str, max: usize) -> String {
    truncate(&inert(s), max).into_owned()
}

/// The user part of `operator@host`, for narrow columns (the detail pane
/// shows the full actor).
pub fn who(actor: &str) -> &str {
    actor.split('@').next().unwrap_or(actor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_columns_not_chars() {
        assert_eq!(truncate("payments", 8), "payments");
        assert_eq!(truncate("payments", 7), "paymen…");
        assert_eq!(truncate("payments", 1), "…");
        assert_eq!(truncate("payments", 0), "");
        // Each CJK char is two columns; never leave half a character.
        assert_eq!(truncate("支付服务", 5), "支付…");
        assert_eq!(width(&truncate("支付服务", 4)), 3);
    }

    #[test]
    fn truncates_paths_from_the_left() {
        assert_eq!(
            truncate_left("/var/lib/cocpit/journal.db", 14),
            "…it/journal.db"
        );
        assert_eq!(truncate_left("/a.db", 10), "/a.db");
    }

    #[test]
    fn cells_are_inert() {
        assert_eq!(cell("red \u{1b}[31mX", 20), "red ␛[31mX");
        assert_eq!(who("alice@jump1"), "alice");
        assert_eq!(who("source:demo"), "source:demo");
    }
}
