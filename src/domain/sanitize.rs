//! Making outside text inert before it reaches the screen: labels,
//! annotations, notes and command output may carry escape sequences or
//! control characters that would otherwise drive the operator's terminal.

use std::borrow::Cow;

/// Replace control characters with visible stand-ins. ESC becomes `␛`, other
/// C0/C1 controls and DEL become `�`; tabs become a space. Newlines are kept
/// only when `keep_newlines` (multi-line notes), else shown as `⏎`.
pub fn inert_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs = s.chars().any(|c| c.is_control() || is_bidi_override(c));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push('⏎'),
            '\t' => out.push(' '),
            '\u{1b}' => out.push('␛'),
            c if c.is_control() || is_bidi_override(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Single-line inert text (table cells, labels).
pub fn inert(s: &str) -> Cow<'_, str> {
    inert_with(s, false)
}

// Bidirectional overrides can make text render in a different order than it
// is stored (the "Trojan Source" trick); show them instead of obeying them.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible() {
        assert_eq!(inert("a\u{1b}[2Jb"), "a␛[2Jb");
        assert_eq!(inert("x\ny"), "x⏎y");
        assert_eq!(inert_with("x\ny", true), "x\ny");
        assert_eq!(inert("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(inert("c1\u{9b}31m"), "c1\u{fffd}31m");
        assert!(matches!(inert("plain"), Cow::Borrowed(_)));
    }
}
