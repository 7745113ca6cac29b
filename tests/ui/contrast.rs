//! Every theme is readable: each cell drawn on every screen (bars, tables,
//! popups, the selection) has a foreground / background contrast of at
//! least WCAG's 4.5:1 for text and 3:1 for graphics (borders, chart lines,
//! bars), in true colour and in the 256-colour fallback. A cell whose
//! background is the terminal's own is checked against a dark terminal
//! (`#121212`) for themes that leave the background to the terminal.

use super::fixtures::*;
use cocpit::theme::{contrast, rgb};
use std::collections::BTreeMap as Map;

/// What a terminal with its own (dark) colours shows for `Reset`.
const TERMINAL_BG: (u8, u8, u8) = (0x12, 0x12, 0x12);
const TERMINAL_FG: (u8, u8, u8) = (0xd0, 0xd0, 0xd0);

/// Box drawing, block elements, braille: lines and bars, not letters.
fn graphic(sym: &str) -> bool {
    sym.chars()
        .all(|c| matches!(c as u32, 0x2500..=0x259F | 0x2800..=0x28FF) || c == '·' || c == '▏')
}

/// Every screen an operator meets, with each status level and mode label.
fn screens() -> Vec<(String, State)> {
    let mut out: Vec<(String, State)> = all_modes()
        .into_iter()
        .map(|(n, s)| (n.to_string(), s))
        .collect();
    let with = |w: u16, h: u16, f: &dyn Fn(&mut State)| {
        let mut s = state_with(false, w, h);
        f(&mut s);
        s
    };
    out.push(("wide".into(), with(120, 40, &|_| {})));
    out.push((
        "wide detail".into(),
        with(120, 40, &|s| key(s, KeyCode::Enter)),
    ));
    out.push(("info message".into(), with(120, 40, &|s| keys(s, "S"))));
    out.push((
        "warn message".into(),
        with(120, 40, &|s| {
            // The critical alarm is acked already.
            keys(s, "a");
        }),
    ));
    out.push((
        "error message".into(),
        with(120, 40, &|s| {
            update(s, Msg::Error("journal: disk full".into()), now());
        }),
    ));
    out.push((
        "live".into(),
        with(120, 40, &|s| s.session.mode = RunMode::Live),
    ));
    out.push(("readonly wide".into(), state_with(true, 120, 40)));
    out.push((
        "faults wide".into(),
        with(120, 40, &|s| {
            with_faults(s);
            keys(s, "4j");
        }),
    ));
    out.push((
        "palette".into(),
        with(120, 40, &|s| {
            keys(s, ":");
            key(s, KeyCode::Down);
        }),
    ));
    out.push(("monitor wide".into(), with(120, 40, &|s| keys(s, "2"))));
    out.push(("log wide".into(), with(120, 40, &|s| keys(s, "3k"))));
    out
}

#[test]
fn every_theme_is_readable_on_every_screen() {
    let mut failures: Map<String, String> = Map::new();
    for theme in Theme::embedded() {
        for mode in [ColorMode::Truecolor, ColorMode::Ansi256] {
            let resolved = theme.resolved(mode);
            let term_bg = rgb(resolved.bg).unwrap_or(TERMINAL_BG);
            let term_fg = rgb(resolved.fg).unwrap_or(TERMINAL_FG);
            for (name, mut state) in screens() {
                assert!(state.select_theme(&theme.name));
                state.color_mode = mode;
                let (w, h) = state.size;
                let t = draw(&state, w, h);
                let buf = t.backend().buffer();
                for y in 0..buf.area.height {
                    for x in 0..buf.area.width {
                        let c = &buf[(x, y)];
                        let sym = c.symbol();
                        if sym.trim().is_empty() {
                            continue;
                        }
                        let fg = rgb(c.fg).unwrap_or(term_fg);
                        let bg = rgb(c.bg).unwrap_or(term_bg);
                        let min = if graphic(sym) { 3.0 } else { 4.5 };
                        let ratio = contrast(fg, bg);
                        if ratio < min {
                            let row: String =
                                (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                            failures
                                .entry(format!(
                                    "{} {mode:?}: {:?} on {:?} ({ratio:.2} < {min})",
                                    theme.name, c.fg, c.bg
                                ))
                                .or_insert_with(|| {
                                    format!("{name} {w}x{h} at {x},{y} {sym:?}: {}", row.trim_end())
                                });
                        }
                    }
                }
            }
        }
    }
    let report: Vec<String> = failures
        .iter()
        .map(|(pair, example)| format!("{pair}\n    e.g. {example}"))
        .collect();
    assert!(
        report.is_empty(),
        "{} unreadable colour pairs:\n{}",
        report.len(),
        report.join("\n")
    );
}
