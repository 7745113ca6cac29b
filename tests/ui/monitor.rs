//! The Monitor view: charts per service, and a crowded header and monitor
//! keeping what matters.

use super::fixtures::*;

#[test]
fn snapshot_monitor() {
    snap("monitor", false, |s| keys(s, "2"));
}

#[test]
fn crowded_header_and_monitor_keep_what_matters() {
    let mut state = state_with(false, 80, 24);
    for i in 0..8 {
        update(
            &mut state,
            Msg::SourceHealth(SourceStatus {
                name: format!("prometheus-{i}"),
                up: i != 5,
                last_ok: Some(now() - Duration::seconds(30)),
                latency_ms: Some(20 + i),
                detail: String::new(),
            }),
            now(),
        );
    }
    // Forty services: the overview and the list scroll with the selection.
    let catalog = (0..40)
        .map(|i| {
            series(
                &format!("svc-{i:02}"),
                MetricKind::Cpu,
                "cpu",
                "%",
                70.0,
                90.0,
            )
        })
        .collect();
    state.monitor.apply(MetricSnapshot {
        catalog,
        at: Some(now()),
        samples: Vec::new(),
    });
    keys(&mut state, "2G");
    let all = text(draw(&state, 80, 24).backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    // Down sources come first, the rest are counted, operators stay visible.
    assert!(
        lines[1].contains("alertmanager:prod ✗ DOWN"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("+9 more") && lines[1].contains("2 operators online"));
    let wide = text(draw(&state, 120, 40).backend().buffer());
    let header = wide.lines().nth(1).unwrap_or_default().to_string();
    assert!(header.contains("prometheus-5 ✗ DOWN"), "{header}");
    // The last service is selected and on screen in the list and the overview.
    assert!(all.contains(">● svc-39"), "{all}");
    assert_eq!(all.matches("svc-39").count(), 2, "list and overview\n{all}");
}

/// The chart of `name` in the selected group: its lines, top border first.
fn chart_lines(all: &str, name: &str) -> Vec<String> {
    let lines: Vec<&str> = all.lines().collect();
    let top = lines
        .iter()
        .position(|l| l.contains(&format!("┌ {name}")))
        .unwrap_or_else(|| panic!("no chart {name}:\n{all}"));
    lines[top..]
        .iter()
        .take_while(|l| !l.contains('└') || l.contains('│'))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn charts_label_the_y_axis_with_its_unit_and_three_ticks() {
    let mut state = state_with(false, 120, 40);
    keys(&mut state, "2");
    let all = text(draw(&state, 120, 40).backend().buffer());
    let chart = chart_lines(&all, "latency p99");
    let ticks = chart
        .iter()
        .filter(|l| l.contains(" ms │") || l.contains(" ms│"))
        .count();
    assert!(ticks >= 3, "y ticks with their unit:\n{}", chart.join("\n"));
}

#[test]
fn chart_titles_keep_their_thresholds_at_80_columns() {
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "2");
    let all = text(draw(&state, 80, 24).backend().buffer());
    let titles: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("┐┌") && l.contains(" · "))
        .collect();
    assert_eq!(titles.len(), 2, "two rows of charts:\n{all}");
    let warn = regex::Regex::new(r"(warn |w)[0-9]").unwrap();
    let crit = regex::Regex::new(r"(crit |c)[0-9]").unwrap();
    for t in titles {
        for half in t.split("┐┌") {
            assert!(
                warn.is_match(half) && crit.is_match(half),
                "thresholds cut from the title: {half}"
            );
        }
    }
}

#[test]
fn thresholds_are_dotted_under_a_solid_series() {
    let mut state = state_with(false, 120, 40);
    state.color_mode = ColorMode::Truecolor;
    keys(&mut state, "2");
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let theme = Theme::default();
    let mut threshold_cells = 0;
    for c in buf.content() {
        let braille = c
            .symbol()
            .chars()
            .all(|ch| ('\u{2800}'..='\u{28ff}').contains(&ch));
        if c.fg == theme.warning && !c.symbol().trim().is_empty() && c.symbol() != "▲" {
            threshold_cells += usize::from(c.symbol() == "•");
            assert!(
                !braille,
                "a threshold drawn like the data: {:?}",
                c.symbol()
            );
        }
        if c.fg == theme.accent && braille {
            assert_ne!(c.symbol(), "•");
        }
    }
    assert!(threshold_cells > 0, "no threshold drawn");
}

#[test]
fn a_flat_series_is_a_line_not_a_block() {
    let mut state = state_with(false, 120, 40);
    let meta = series("flat", MetricKind::ErrorRate, "error rate", "%", 1.0, 5.0);
    state.monitor.apply(MetricSnapshot {
        catalog: vec![meta],
        at: None,
        samples: Vec::new(),
    });
    for i in 0..60 {
        state.monitor.apply(MetricSnapshot {
            catalog: Vec::new(),
            at: Some(now() - Duration::seconds(59 - i)),
            samples: vec![("flat/error rate".into(), 2.27)],
        });
    }
    keys(&mut state, "2");
    let all = text(draw(&state, 120, 40).backend().buffer());
    let row = all
        .lines()
        .find(|l| l.contains("││flat"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(
        !row.contains("████"),
        "a flat series drawn as a block: {row}"
    );
    assert!(row.contains("▔▔▔▔"), "{row}");
}

#[test]
fn plus_and_minus_change_the_time_window() {
    let mut state = state_with(false, 120, 40);
    keys(&mut state, "2");
    let x_label = |state: &State| {
        let all = text(draw(state, 120, 40).backend().buffer());
        let chart = chart_lines(&all, "latency p99");
        chart
            .iter()
            .find(|l| l.contains("now"))
            .cloned()
            .unwrap_or_default()
    };
    let wide = x_label(&state);
    assert!(wide.contains("-1m59s"), "all two minutes shown: {wide}");
    for _ in 0..5 {
        keys(&mut state, "-");
    }
    assert_eq!(state.monitor.window_secs, 60);
    let narrow = x_label(&state);
    assert!(
        narrow.contains("-1m ") || narrow.contains("-1m"),
        "{narrow}"
    );
    assert!(!narrow.contains("-1m59s"), "{narrow}");
    keys(&mut state, "+");
    assert_eq!(state.monitor.window_secs, 120);
    assert!(state.status.as_ref().unwrap().text.contains("2m"));
}
