//! The header: app name, view tabs and firing counts on the first line;
//! source health and operators online on the second. When the terminal is
//! narrow, less important parts give way (the name, zero counts) before the
//! line is cut; on a short terminal the header is one line and only a down
//! source is called out.

use super::style::Styles;
use super::widgets::format::age;
use super::widgets::text::{cell, width};
use crate::app::{State, View};
use crate::domain::Severity;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
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

/// The first variant of (left, right) that fits in `w` columns; the last
/// variant is drawn cut if nothing fits.
fn first_line<'a>(state: &State, st: &Styles, w: usize, one_line: bool) -> Line<'a> {
    let name = || {
        vec![Span::styled(
            " cocpit ",
            st.on_bar(st.theme.accent).add_modifier(Modifier::BOLD),
        )]
    };
    let mut down = Vec::new();
    if one_line {
        down = sources_down(state, st);
    }
    let right = |nonzero: bool| {
        let mut r = down.clone();
        r.extend(counts(state, st, nonzero));
        r
    };
    let mut variants: Vec<(Vec<Span<'a>>, Vec<Span<'a>>)> = vec![
        ([name(), tabs(state, st, false)].concat(), right(false)),
        (tabs(state, st, false), right(false)),
        (tabs(state, st, false), right(true)),
        (tabs(state, st, true), right(true)),
    ];
    let fits = |(l, r): &(Vec<Span>, Vec<Span>)| spans_width(l) + 1 + spans_width(r) <= w;
    let chosen = variants.iter().position(fits).unwrap_or(variants.len() - 1);
    let (left, right) = variants.swap_remove(chosen);
    spread(left, right, w)
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
fn tabs<'a>(state: &State, st: &Styles, compact: bool) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    for (i, v) in View::ALL.iter().enumerate() {
        let current = *v == state.view;
        let label = if compact && !current {
            format!(" {} ", i + 1)
        } else {
            format!(" {} {} ", i + 1, v.title())
        };
        let style = if current {
            st.tab_active()
        } else {
            st.header_bar()
        };
        out.push(Span::styled(label, style));
    }
    out
}

/// `CRIT 2 MAJ 1 MIN 0 WARN 1 INFO 0  3 unacked`; zero counts are dimmed,
/// or left out when `nonzero_only`.
fn counts<'a>(state: &State, st: &Styles, nonzero_only: bool) -> Vec<Span<'a>> {
    let c = &state.counts;
    let mut out = fault_badge(state, st);
    for sev in Severity::ALL {
        let n = c.of(sev);
        if nonzero_only && n == 0 {
            continue;
        }
        // Non-zero counts in the severity's colour (a chip when that colour
        // does not read on the bar); zero counts are plain bar text.
        let style = if n == 0 {
            st.bar_text()
        } else {
            st.on_bar(st.theme_color(sev))
                .add_modifier(st.severity(sev).add_modifier.intersection(Modifier::BOLD))
        };
        out.push(Span::styled(format!("{} {n}", sev.short()), style));
        out.push(Span::raw(" "));
    }
    let unacked_style = if c.unacked > 0 {
        st.on_bar(st.theme.warning).add_modifier(Modifier::BOLD)
    } else {
        st.bar_text()
    };
    out.push(Span::styled(
        format!("│ {} unacked ", c.unacked),
        unacked_style,
    ));
    out
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

/// `✗ 1 RECOVERY FAILING` (red, loud) and `◆ 2 live faults` while faults are
/// live: an operator can always see that something is injected.
fn fault_badge<'a>(state: &State, st: &Styles) -> Vec<Span<'a>> {
    let f = state.faults.ledger.counts();
    let mut out = Vec::new();
    if f.failing > 0 {
        out.push(Span::styled(
            format!(" ✗ {} RECOVERY FAILING ", f.failing),
            st.chip(st.theme.error),
        ));
        out.push(Span::raw(" "));
    }
    if f.live > f.failing {
        out.push(Span::styled(
            format!(
                "◆ {} live fault{} ",
                f.live - f.failing,
                if f.live - f.failing == 1 { "" } else { "s" }
            ),
            st.on_bar(st.theme.warning).add_modifier(Modifier::BOLD),
        ));
        out.push(Span::raw("│ "));
    }
    out
}

/// `✗ name down` for each source that is down (one-line header).
fn sources_down<'a>(state: &State, st: &Styles) -> Vec<Span<'a>> {
    state
        .sources
        .health
        .iter()
        .filter(|s| !s.up)
        .flat_map(|s| {
            [
                Span::styled(
                    format!("✗ {} down", cell(&s.name, 16)),
                    st.chip(st.theme.error),
                ),
                Span::raw(" │ "),
            ]
        })
        .collect()
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
