//! The header: app name, view tabs and firing counts on the first line;
//! source health and operators online on the second. When the terminal is
//! narrow, less important parts give way (the name, zero counts) before the
//! line is cut; on a short terminal the header is one line and only a down
//! source is called out.

use super::style::Styles;
use super::widgets::format::age;
use super::widgets::text::{cell, width};
use crate::app::layout;
use crate::app::{State, View};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    frame.render_widget(Paragraph::new("").style(st.header_bar()), area);
    let w = area.width as usize;
    let first = first_line(state, st, w, area.height < 2);
    frame.render_widget(
        Paragraph::new(first).style(st.header_bar()),
        Rect { height: 1, ..area },
    );
    if area.height >= 2 {
        // Cluster state and MTTA/MTTR give way to sources that would not fit.
        let second = match sources_line(state, st, w, true) {
            (line, false) => line,
            (_, true) => sources_line(state, st, w, false).0,
        };
        frame.render_widget(
            Paragraph::new(second).style(st.header_bar()),
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }
}

/// Tabs and counts, laid out by [`layout::header_layout`] (the same
/// arithmetic a mouse click on a tab is mapped with); while a new critical
/// alarm flashes, its name leads the counts.
fn first_line<'a>(state: &State, st: &Styles, w: usize, one_line: bool) -> Line<'a> {
    let l = layout::header_layout(state, w as u16, one_line);
    let mut left = Vec::new();
    if l.name {
        left.push(Span::styled(
            layout::NAME,
            st.on_bar(st.theme.accent).add_modifier(Modifier::BOLD),
        ));
    }
    left.extend(tabs(state, st, l.compact, l.narrow));
    let mut right = if l.flash {
        flash(state, st)
    } else {
        Vec::new()
    };
    right.extend(
        layout::header_parts(state, l.nonzero_only, one_line, l.tight)
            .iter()
            .map(|p| part(p, st)),
    );
    spread(left, right, w)
}

/// `⚠ NEW CRITICAL PaymentsLatencyHigh`, blinking with the clock (a chip
/// on even seconds) while the flash lasts.
fn flash<'a>(state: &State, st: &Styles) -> Vec<Span<'a>> {
    let Some(text) = layout::flash_text(state) else {
        return Vec::new();
    };
    let style = if state.now.timestamp() % 2 == 0 {
        st.chip(st.theme.critical)
    } else {
        st.on_bar(st.theme.critical).add_modifier(Modifier::BOLD)
    };
    vec![Span::styled(text, style), Span::raw(" ")]
}

/// One piece of the counts side, styled by what it is.
fn part<'a>(p: &layout::Part, st: &Styles) -> Span<'a> {
    use layout::Part;
    let style = match p {
        Part::NotRecording(_)
        | Part::ChainBroken(_)
        | Part::Failing(_)
        | Part::FailingShort(_)
        | Part::Down(_) => st.chip(st.theme.error),
        Part::Live(_) | Part::LiveShort(_) | Part::Changes(_) => {
            st.on_bar(st.theme.warning).add_modifier(Modifier::BOLD)
        }
        // Non-zero counts in the severity's colour (a chip when that colour
        // does not read on the bar); zero counts are plain bar text.
        Part::Count(_, 0) => st.bar_text(),
        Part::Count(sev, _) => st
            .on_bar(st.theme_color(*sev))
            .add_modifier(st.severity(*sev).add_modifier.intersection(Modifier::BOLD)),
        Part::Unacked(0) => st.bar_text(),
        Part::Unacked(_) => st.on_bar(st.theme.warning).add_modifier(Modifier::BOLD),
        Part::Gap(_) => Style::new(),
    };
    Span::styled(p.text(), style)
}

/// `left` then `right` pushed to the right edge.
pub(super) fn spread<'a>(mut left: Vec<Span<'a>>, right: Vec<Span<'a>>, w: usize) -> Line<'a> {
    let gap = w.saturating_sub(spans_width(&left) + spans_width(&right));
    left.push(Span::raw(" ".repeat(gap.max(1))));
    left.extend(right);
    Line::from(left)
}

pub(super) fn spans_width(spans: &[Span]) -> usize {
    spans.iter().map(|s| width(&s.content)).sum()
}

/// ` 1 Alarms  2 Monitor  3 Log `, the current one highlighted; `compact`
/// keeps only the numbers (and the current view's name).
fn tabs<'a>(state: &State, st: &Styles, compact: bool, narrow: bool) -> Vec<Span<'a>> {
    View::ALL
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let style = if *v == state.view {
                st.tab_active()
            } else {
                st.header_bar()
            };
            Span::styled(layout::tab_label(i, *v, state.view, compact, narrow), style)
        })
        .collect()
}

/// Alertmanager cluster state (`prod cluster ready 3 peers`; single
/// instances report `disabled` and are left out) and the shift's MTTA /
/// MTTR, each followed by a separator.
fn live_summary<'a>(state: &State, st: &Styles) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    for (source, v) in &state.silences.am {
        let Some(c) = &v.cluster else { continue };
        if c.status == "disabled" && c.members <= 1 {
            continue;
        }
        let style = if c.status == "ready" && c.members_up == c.members {
            st.on_bar(st.theme.ok)
        } else {
            st.on_bar(st.theme.warning)
        };
        let mut text = format!("{} cluster {}", cell(source, 16), c.status);
        if c.peers > 0 {
            text.push_str(&format!(" {}p", c.peers));
        }
        if c.members > 1 {
            text.push_str(&format!(" {}/{} up", c.members_up, c.members));
        }
        out.push(Span::styled(text, style));
        out.push(Span::raw(" │ "));
    }
    let s = &state.shift.stats;
    if s.mtta.is_some() || s.mttr.is_some() {
        let fmt = |d: Option<chrono::Duration>| {
            d.map(|d| age(state.now - d, state.now))
                .unwrap_or_else(|| "—".into())
        };
        out.push(Span::styled(
            format!("MTTA {} MTTR {}", fmt(s.mtta), fmt(s.mttr)),
            st.bar_text(),
        ));
        out.push(Span::raw(" │ "));
    }
    out
}

/// `sources: demo ● up 12ms  prom ✗ DOWN stale 2m … │ 2 operators online`.
/// Sources that do not fit are counted (`+3 more`), down ones first so a
/// failing source is never the one left out.
/// Also returns whether some sources were left out.
fn sources_line<'a>(state: &State, st: &Styles, w: usize, summary: bool) -> (Line<'a>, bool) {
    let n = state.operators.len();
    let ops = if n == 1 { "operator" } else { "operators" };
    let online = Span::styled(format!("{n} {ops} online "), st.header_bar());
    let mut right = if summary {
        live_summary(state, st)
    } else {
        Vec::new()
    };
    right.push(online);
    let mut cut = false;
    let budget = w.saturating_sub(spans_width(&right) + 1);

    let mut left = vec![Span::styled(" sources: ", st.header_bar())];
    if state.sources.health.is_empty() {
        left.push(Span::styled("none reporting yet", st.bar_text()));
    }
    let mut ordered: Vec<_> = state.sources.health.iter().collect();
    ordered.sort_by_key(|s| s.up);
    for (i, s) in ordered.iter().enumerate() {
        let name = cell(&s.name, 24);
        let mut item = Vec::new();
        if i > 0 {
            item.push(Span::raw("  "));
        }
        if s.up {
            item.push(Span::styled(format!("{name} ● up"), st.on_bar(st.theme.ok)));
            if let Some(ms) = s.latency_ms {
                item.push(Span::styled(format!(" {ms}ms"), st.bar_text()));
            }
        } else {
            item.push(Span::styled(
                format!("{name} ✗ DOWN"),
                st.chip(st.theme.error),
            ));
            let stale = match s.last_ok {
                Some(t) => format!(" stale {}", age(t, state.now)),
                None => " never up".to_string(),
            };
            item.push(Span::styled(stale, st.on_bar(st.theme.warning)));
        }
        // Room for "  +N more" unless this is the last source.
        let reserve = if i + 1 < ordered.len() { 10 } else { 0 };
        if spans_width(&left) + spans_width(&item) + reserve > budget {
            let more = ordered.len() - i;
            left.push(Span::styled(format!("  +{more} more"), st.bar_text()));
            cut = true;
            break;
        }
        left.extend(item);
    }
    (spread(left, right, w), cut)
}
