//! Width-aware text: make outside text inert and cut it to a number of
//! terminal columns with `…`, so wide (CJK, emoji) characters never spill
//! into the next column and escape sequences never reach the terminal.

use crate::domain::sanitize::inert;

pub use crate::domain::text::{truncate, truncate_left, width};

/// Outside text made inert and cut to `max` columns: the one way table cells
/// and labels are built from data a source or another operator supplied.
pub fn cell(s: &str, max: usize) -> String {
    truncate(&inert(s), max).into_owned()
}

/// `text` (already inert and cut to its column) with every case-insensitive
/// occurrence of the lower-case `needle` drawn in `hit`: how search matches
/// show in a table.
pub fn highlight<'a>(
    text: String,
    needle: Option<&str>,
    base: ratatui::style::Style,
    hit: ratatui::style::Style,
) -> ratatui::text::Line<'a> {
    use ratatui::text::{Line, Span};
    let Some(needle) = needle.filter(|n| !n.is_empty()) else {
        return Line::styled(text, base);
    };
    let lower = text.to_lowercase();
    // Only when lower-casing keeps byte offsets (ASCII and most text).
    if lower.len() != text.len() {
        return Line::styled(text, base);
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(needle) {
        let start = at + i;
        let end = start + needle.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        if start > at {
            spans.push(Span::styled(text[at..start].to_string(), base));
        }
        spans.push(Span::styled(text[start..end].to_string(), hit));
        at = end;
    }
    if spans.is_empty() {
        return Line::styled(text, base);
    }
    if at < text.len() {
        spans.push(Span::styled(text[at..].to_string(), base));
    }
    Line::from(spans).style(base)
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
    fn highlights_every_match_ignoring_case() {
        use ratatui::style::{Modifier, Style};
        let hit = Style::new().add_modifier(Modifier::REVERSED);
        let line = highlight("PayPal payments".into(), Some("pay"), Style::new(), hit);
        let parts: Vec<(&str, bool)> = line
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style == hit))
            .collect();
        assert_eq!(
            parts,
            [
                ("Pay", true),
                ("Pal ", false),
                ("pay", true),
                ("ments", false)
            ]
        );
        assert_eq!(
            highlight("x".into(), None, Style::new(), hit).spans.len(),
            1
        );
    }

    #[test]
    fn cells_are_inert() {
        assert_eq!(cell("red \u{1b}[31mX", 20), "red ␛[31mX");
        assert_eq!(who("alice@jump1"), "alice");
        assert_eq!(who("source:demo"), "source:demo");
    }
}
