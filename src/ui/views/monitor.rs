//! The Monitor view: service groups listed on the left (worst threshold
//! state marked), an overview with one row of sparklines per group, and
//! a chart per series of the selected group with its warn/crit thresholds
//! drawn as lines. Levels are shown by a marker as well as by colour.

use crate::app::State;
use crate::app::monitor::Series;
use crate::domain::MetricKind;
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::format::{Level, value};
use crate::ui::widgets::spark::spark;
use crate::ui::widgets::text::{cell, truncate, width};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Wrap};

/// Charts shorter than this are drawn as text rows instead.
const MIN_CHART_HEIGHT: u16 = 6;

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let m = &state.monitor;
    if state.sources.show_targets {
        super::targets::render(frame, area, state, st);
        return;
    }
    if m.groups.is_empty() {
        let block = Block::bordered()
            .border_style(st.border())
            .title(Line::styled(" Monitor ", st.title()));
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled("No monitoring feeds yet", st.text()),
                Line::styled(
                    "the demo simulator or a Prometheus source fills this view",
                    st.dim(),
                ),
            ])
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    }
    let longest = m.groups.iter().map(|g| width(g)).max().unwrap_or(0) as u16;
    let list_w = (longest + 6).clamp(12, 26).min(area.width / 3);
    let [list, right] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
    group_list(frame, list, state, st);

    // The overview takes at most half the height; it scrolls with the selection.
    let overview_h = (m.groups.len() as u16 + 2).min(right.height / 2);
    if overview_h >= 3 && right.height >= overview_h + MIN_CHART_HEIGHT {
        let [top, bottom] =
            Layout::vertical([Constraint::Length(overview_h), Constraint::Min(0)]).areas(right);
        overview(frame, top, state, st);
        charts(frame, bottom, state, st);
    } else {
        charts(frame, right, state, st);
    }
}

/// Worst level over the group's series, by their latest values.
fn group_level(state: &State, group: &str) -> Level {
    state
        .monitor
        .in_group(group)
        .filter_map(|s| s.current().map(|v| Level::of(&s.meta, v)))
        .max()
        .unwrap_or(Level::Ok)
}

fn group_list(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let m = &state.monitor;
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(" Services ", st.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let selected = m.list.selected.min(m.groups.len().saturating_sub(1));
    let range = window(
        m.groups.len(),
        selected,
        m.list.offset,
        inner.height as usize,
    );
    let name_w = (inner.width as usize).saturating_sub(4);
    let lines: Vec<Line> = m.groups[range.clone()]
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let is_selected = range.start + i == selected;
            let level = group_level(state, g);
            let marker = if is_selected {
                st.on_selection(st.threshold(level))
            } else {
                st.threshold(level)
            };
            let line = Line::from(vec![
                Span::raw(if is_selected { ">" } else { " " }),
                Span::styled(level.marker(), marker),
                Span::raw(" "),
                Span::raw(cell(g, name_w)),
            ]);
            if is_selected {
                line.style(st.selected())
            } else {
                line.style(st.text())
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn short_label(s: &Series) -> String {
    match s.meta.kind {
        MetricKind::LatencyP99 => "p99".into(),
        MetricKind::ErrorRate => "err".into(),
        MetricKind::Cpu => "cpu".into(),
        MetricKind::Saturation => "sat".into(),
        MetricKind::Other => cell(&s.meta.name, 3),
    }
}

/// `value` and its style, or a dim dash when the series has no sample yet.
fn current(s: &Series, st: &Styles) -> (String, Style) {
    match s.current() {
        Some(v) => {
            let level = Level::of(&s.meta, v);
            let marker = if level == Level::Ok {
                String::new()
            } else {
                format!("{} ", level.marker())
            };
            (
                format!("{marker}{}", value(v, &inert(&s.meta.unit))),
                st.threshold(level),
            )
        }
        None => ("—".into(), st.dim()),
    }
}

/// The sparkline ceiling: the warn threshold, so a healthy series stays low.
fn ceiling(s: &Series) -> f64 {
    s.meta.warn.or(s.meta.crit).unwrap_or(0.0)
}

fn overview(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let m = &state.monitor;
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(" Overview ", st.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let name_w = m
        .groups
        .iter()
        .map(|g| width(g))
        .max()
        .unwrap_or(0)
        .clamp(6, 16);
    let per_group = m
        .groups
        .iter()
        .map(|g| m.in_group(g).count())
        .max()
        .unwrap_or(1)
        .max(1);
    let slot = (inner.width as usize).saturating_sub(name_w + 1) / per_group;
    // Each series: [label ][sparkline ]value, as much as the slot allows;
    // values are written tight (`✖764ms`) so they fit narrow slots whole.
    const VALUE_W: usize = 8;
    let label_w = if slot >= 12 { 4 } else { 0 };
    let value_w = slot.saturating_sub(label_w + 1).min(VALUE_W);
    let spark_w = slot.saturating_sub(label_w + value_w + 2);
    let selected = m.list.selected.min(m.groups.len().saturating_sub(1));
    let range = window(
        m.groups.len(),
        selected,
        m.list.offset,
        inner.height as usize,
    );
    let lines: Vec<Line> = m.groups[range.clone()]
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let i = range.start + i;
            let mut spans = vec![Span::styled(
                format!("{:<name_w$} ", cell(g, name_w)),
                if i == selected {
                    st.selected()
                } else {
                    st.text()
                },
            )];
            for s in m.in_group(g) {
                let (val, style) = current(s, st);
                let val = val.replace(' ', "");
                if label_w > 0 {
                    spans.push(Span::styled(format!("{} ", short_label(s)), st.dim()));
                }
                if spark_w >= 3 {
                    let sp = spark(s.points.iter().map(|p| p.value), spark_w, ceiling(s));
                    spans.push(Span::styled(format!("{sp} "), style));
                }
                let val = truncate(&val, value_w).into_owned();
                spans.push(Span::styled(format!("{val:>value_w$} "), style));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn charts(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let m = &state.monitor;
    let Some(group) = m
        .groups
        .get(m.list.selected.min(m.groups.len().saturating_sub(1)))
    else {
        return;
    };
    let series: Vec<&Series> = m.in_group(group).collect();
    if series.is_empty() {
        return;
    }
    let cols: u16 = if area.width >= 60 && series.len() > 1 {
        2
    } else {
        1
    };
    let rows = (series.len() as u16).div_ceil(cols);
    let chart_h = area.height / rows.max(1);
    if chart_h < MIN_CHART_HEIGHT {
        compact(frame, area, group, &series, st);
        return;
    }
    let row_areas =
        Layout::vertical(vec![Constraint::Ratio(1, rows as u32); rows as usize]).split(area);
    for (r, row_area) in row_areas.iter().enumerate() {
        let cells = Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols as usize])
            .split(*row_area);
        for (c, cell_area) in cells.iter().enumerate() {
            if let Some(s) = series.get(r * cols as usize + c) {
                chart(frame, *cell_area, s, state.monitor.window_secs, st);
            }
        }
    }
}

/// Text rows instead of charts when there is no room for them.
fn compact(frame: &mut Frame, area: Rect, group: &str, series: &[&Series], st: &Styles) {
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(format!(" {} ", cell(group, 30)), st.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let name_w = 12;
    let val_w = 11;
    let spark_w = (inner.width as usize).saturating_sub(name_w + val_w + 2);
    let lines: Vec<Line> = series
        .iter()
        .map(|s| {
            let (val, style) = current(s, st);
            Line::from(vec![
                Span::styled(
                    format!("{:<name_w$} ", cell(&s.meta.name, name_w)),
                    st.text(),
                ),
                Span::styled(
                    spark(s.points.iter().map(|p| p.value), spark_w, ceiling(s)),
                    style,
                ),
                Span::styled(format!(" {val:>val_w$}"), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Seconds before the newest point, for the x axis (`-10m`, `-45s`).
fn span_label(secs: f64) -> String {
    let s = secs.abs().round() as i64;
    match (s / 60, s % 60) {
        (0, s) => format!("-{s}s"),
        (m, 0) => format!("-{m}m"),
        (m, s) if m < 10 => format!("-{m}m{s:02}s"),
        (m, _) => format!("-{m}m"),
    }
}

/// The chart's title: name, current value and thresholds; on a narrow
/// chart the name is shortened first, then the thresholds are written
/// tight (`w 300 c 500 ms`), so they are never cut off.
fn chart_title<'a>(s: &Series, st: &Styles, max: usize) -> Line<'a> {
    let (val, val_style) = current(s, st);
    let unit = inert(&s.meta.unit).into_owned();
    let full: Vec<String> = [("warn", s.meta.warn), ("crit", s.meta.crit)]
        .into_iter()
        .filter_map(|(k, t)| t.map(|t| format!("{k} {}", value(t, &unit))))
        .collect();
    let tight = {
        let t: Vec<String> = [("w", s.meta.warn), ("c", s.meta.crit)]
            .into_iter()
            .filter_map(|(k, t)| {
                let u = if unit == "%" { "%" } else { "" };
                t.map(|t| format!("{k}{}", value(t, u)))
            })
            .collect();
        if t.is_empty() || unit.is_empty() || unit == "%" {
            t.join(" ")
        } else {
            format!("{} {unit}", t.join(" "))
        }
    };
    let name = inert(&s.meta.name).into_owned();
    let build = |name_w: usize, thresholds: &str| {
        // Tight thresholds come with a tight value (`✖764ms`).
        let val = if thresholds == tight {
            val.replace(' ', "")
        } else {
            val.clone()
        };
        let mut spans = vec![
            Span::styled(format!(" {} ", truncate(&name, name_w)), st.title()),
            Span::styled(format!("{val} "), val_style),
        ];
        if !thresholds.is_empty() {
            spans.push(Span::styled(format!("· {thresholds} "), st.dim()));
        }
        spans
    };
    let fits = |spans: &[Span]| spans.iter().map(|x| width(&x.content)).sum::<usize>() <= max;
    let full = full.join(" · ");
    for thresholds in [full.as_str(), tight.as_str()] {
        for name_w in [30, 16, 12, 10, 8, 6, 4] {
            let spans = build(name_w, thresholds);
            if fits(&spans) {
                return Line::from(spans);
            }
        }
    }
    Line::from(build(1, &tight))
}

fn chart(frame: &mut Frame, area: Rect, s: &Series, window_secs: u32, st: &Styles) {
    let unit = inert(&s.meta.unit).into_owned();
    let block = Block::bordered()
        .border_style(st.border())
        .title(chart_title(s, st, area.width.saturating_sub(2) as usize));

    let newest = s.points.back().map(|p| p.at);
    let window = -f64::from(window_secs);
    let data: Vec<(f64, f64)> = match newest {
        Some(newest) => s
            .points
            .iter()
            .filter(|p| p.value.is_finite())
            .map(|p| ((p.at - newest).num_milliseconds() as f64 / 1000.0, p.value))
            .filter(|p| p.0 >= window)
            .collect(),
        None => Vec::new(),
    };
    // The window (`+` / `-`), but never wider than the data (a minute at least).
    let x_min = data.first().map_or(-60.0, |p| p.0).min(-60.0).max(window);
    let y_lo = data.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    let y_hi = data
        .iter()
        .map(|p| p.1)
        .chain(s.meta.warn)
        .chain(s.meta.crit)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let y_hi = if y_hi > y_lo { y_hi * 1.15 } else { y_lo + 1.0 };
    // Thresholds dashed (a dot every other column) and drawn first: the
    // series is its own layer on top, so a threshold never covers it, and
    // the two never look alike.
    let dashes = |t: f64| -> Vec<(f64, f64)> {
        let n = (area.width.max(4) as usize) / 2;
        (0..=n)
            .filter(|i| i % 2 == 0)
            .map(|i| (x_min - x_min * i as f64 / n as f64, t))
            .collect()
    };
    let warn_line = s.meta.warn.map(dashes);
    let crit_line = s.meta.crit.map(dashes);

    let mut datasets = Vec::new();
    if let Some(line) = &warn_line {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(st.warning())
                .data(line),
        );
    }
    if let Some(line) = &crit_line {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(st.threshold(Level::Crit))
                .data(line),
        );
    }
    // The series last, so it is drawn over its threshold lines.
    datasets.push(
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(st.accent())
            .data(&data),
    );
    // Three ticks at least, with the unit: 0, the middle, the top.
    let y_labels = [y_lo, (y_lo + y_hi) / 2.0, y_hi].map(|v| value(v, &unit));
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .style(st.dim())
                .bounds([x_min, 0.0])
                .labels([span_label(x_min), "now".to_string()]),
        )
        .y_axis(
            Axis::default()
                .style(st.dim())
                .bounds([y_lo, y_hi])
                .labels(y_labels),
        );
    frame.render_widget(chart, area);
}
