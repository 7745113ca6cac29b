//! The whole screen: too small, every size in every mode without a panic,
//! colours per colour mode and theme, the header and status bar, and what an
//! idle second redraws.

use super::fixtures::*;

#[test]
fn snapshot_too_small() {
    let state = state_with(false, 19, 6);
    let t = draw(&state, 19, 6);
    snapshot!("too_small_19x6", t.backend());
    assert!(text(t.backend().buffer()).contains("need 20×5"));
}

#[test]
fn no_panic_at_any_size() {
    // Every small size (where layouts break: the 20×5 minimum, one-line
    // header below 12 rows), then the widths and heights where the layout
    // changes (column drops, 60-col chart grid, 110-col detail) up to 130×45.
    // Sampled rather than exhaustive to keep a debug build under ~10 s.
    let small_w = 1..=22u16;
    let large_w = [25, 40, 59, 60, 79, 80, 99, 100, 109, 110, 111, 130];
    let heights = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 17, 24, 33, 45];
    let sizes: Vec<(u16, u16)> = small_w
        .flat_map(|w| heights.map(|h| (w, h)))
        .chain(large_w.iter().flat_map(|&w| heights.map(|h| (w, h))))
        .collect();
    for (name, state) in all_modes() {
        for &(w, h) in &sizes {
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                t.draw(|f| ui::render(f, &state)).map(|_| ())
            }));
            assert!(r.is_ok(), "{name} panicked at {w}x{h}");
        }
    }
}

#[test]
fn critical_colour_per_mode() {
    let mut state = state_with(false, 120, 40);
    // Move the selection off the critical row so its colours are its own.
    keys(&mut state, "j");
    let expect = [
        (ColorMode::Truecolor, Color::Rgb(0xff, 0x5f, 0x5f)),
        (ColorMode::Auto, Color::Rgb(0xff, 0x5f, 0x5f)),
        (ColorMode::Ansi256, Color::Indexed(203)),
        (ColorMode::Ansi16, Color::LightRed),
    ];
    for (mode, colour) in expect {
        state.color_mode = mode;
        let t = draw(&state, 120, 40);
        let buf = t.backend().buffer();
        let (x, y) = crit_cell(buf);
        assert_eq!(buf[(x, y)].fg, colour, "{mode:?}");
        assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    }
    // Another theme, by the command palette as an operator would.
    state.color_mode = ColorMode::Truecolor;
    keys(&mut state, ":theme colorblind");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = crit_cell(buf);
    assert_eq!(buf[(x, y)].fg, Color::Rgb(0xd5, 0x5e, 0x00));
}

#[test]
fn no_colour_mode_uses_modifiers_only() {
    for (name, mut state) in all_modes() {
        state.color_mode = ColorMode::None;
        for (w, h) in SIZES {
            let t = draw(&state, w, h);
            let buf = t.backend().buffer();
            for (i, c) in buf.content().iter().enumerate() {
                for colour in [c.fg, c.bg] {
                    assert!(
                        !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                        "{name} {w}x{h}: cell {i} has {colour:?}"
                    );
                }
            }
        }
    }
    // Selection and critical severity stay visible without colour.
    let mut state = state_with(false, 120, 40);
    state.color_mode = ColorMode::None;
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = crit_cell(buf);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    // The selected row (the critical alarm) is reversed across its name too.
    let row: String = (0..120).map(|x| buf[(x, y)].symbol()).collect();
    let name_x = row.find("PaymentsHighLatency").unwrap() as u16;
    assert!(buf[(name_x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn status_bar_and_header() {
    let state = state_with(false, 120, 40);
    let all = text(draw(&state, 120, 40).backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines[0].contains("1 Alarms") && lines[0].contains("CRIT 1"));
    // Checkout's ack is still pending, so it counts as unacked.
    assert!(lines[0].contains("4 unacked"), "{}", lines[0]);
    assert!(
        lines[1].contains("alertmanager:prod ✗ DOWN stale 2m"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("2 operators online"));
    let status = lines[39];
    assert!(status.contains("DEMO") && status.contains("carol@jump1"));
    assert!(status.contains("leader") && status.contains("09:30:00 UTC"));
    assert!(status.contains("? help"));
    assert!(status.contains("journal.db"));

    let ro = state_with(true, 120, 40);
    let t = draw(&ro, 120, 40);
    let buf = t.backend().buffer();
    let status: String = (0..120).map(|x| buf[(x, 39)].symbol()).collect();
    let x = status.find("READONLY").unwrap() as u16;
    assert_eq!(buf[(x, 39)].fg, Theme::default().warning);
}

#[test]
fn an_idle_second_changes_only_the_clock_and_young_ages() {
    let mut state = state_with(false, 120, 40);
    let before = draw(&state, 120, 40);
    update(&mut state, Msg::Tick, now() + Duration::seconds(1));
    let after = draw(&state, 120, 40);
    let (a, b) = (before.backend().buffer(), after.backend().buffer());
    let changed = a.diff(b);
    assert!(!changed.is_empty());
    let screen = text(b);
    let lines: Vec<&str> = screen.lines().collect();
    for (x, y, _) in changed {
        let line = lines[y as usize];
        // The status bar's clock, or the age of the alarm raised 42 s ago
        // (minutes and older only change once a minute).
        let ok = y == 39 || line.contains("CheckoutErrorRate");
        assert!(ok, "cell {x},{y} changed in {line}");
    }
    assert!(lines[39].contains("09:30:01 UTC"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("CheckoutErrorRate") && l.contains("43s"))
    );
}

#[test]
fn light_theme_paints_its_background() {
    let mut state = state_with(false, 80, 24);
    state.color_mode = ColorMode::Truecolor;
    assert!(state.select_theme("light"));
    let t = draw(&state, 80, 24);
    let buf = t.backend().buffer();
    // An empty table cell and a blank status-bar cell both carry the theme.
    assert_eq!(buf[(60, 15)].bg, Color::Rgb(0xfa, 0xfa, 0xfa));
    assert_eq!(buf[(40, 0)].bg, Color::Rgb(0xda, 0xda, 0xda));
    state.color_mode = ColorMode::Ansi16;
    let t = draw(&state, 80, 24);
    assert_eq!(t.backend().buffer()[(60, 15)].bg, Color::White);
}

#[test]
fn tabs_are_drawn_where_a_click_finds_them() {
    use cocpit::app::{View, layout};
    for (w, h) in [(120, 40), (80, 24), (60, 10), (200, 60)] {
        for flash in [false, true] {
            let mut state = state_with(false, w, h);
            if flash {
                state.flash = Some(("PaymentsHighLatency".into(), now() + Duration::seconds(5)));
            }
            for view in ["1", "2", "3", "4"] {
                keys(&mut state, view);
                let t = draw(&state, w, h);
                let buf = t.backend().buffer();
                for (i, (v, r)) in layout::tabs(&state, w).into_iter().enumerate() {
                    let drawn: String = r
                        .clone()
                        .map(|x| buf[(x, 0)].symbol().to_string())
                        .collect();
                    assert_eq!(
                        drawn,
                        layout::tab_label(
                            i,
                            v,
                            state.view,
                            drawn.trim().len() <= 1,
                            !drawn.ends_with(' ')
                        ),
                        "{w}x{h} flash={flash} {v:?}: {:?}",
                        text(buf).lines().next()
                    );
                    let _ = View::ALL;
                }
            }
        }
    }
}
