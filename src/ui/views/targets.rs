//! Sources and Prometheus targets (`t` in the Monitor view): every source's
//! health (up/down, age of its last success, latency, the reason it is
//! down), then one row per scrape target with its health, last scrape and
//! last error, down ones first.

use crate::app::State;
use crate::ui::style::Styles;
use crate::ui::widgets::format::age;
use crate::ui::widgets::text::cell;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let rows = (state.sources.health.len() as u16 + 2).min(area.height / 2);
    let (top, area) = if rows >= 3 {
        let top = Rect {
            height: rows,
            ..area
        };
        let rest = Rect {
            y: area.y + rows,
            height: area.height - rows,
            ..area
        };
        (Some(top), rest)
    } else {
        (None, area)
    };
    if let Some(top) = top {
        sources(frame, top, state, st);
    }
    targets(frame, area, state, st);
}

fn sources(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(" Sources ", st.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut list: Vec<_> = state.sources.health.iter().collect();
    list.sort_by_key(|s| (s.up, s.name.clone()));
    let w = inner.width as usize;
    let lines: Vec<Line> = list
        .iter()
        .map(|s| {
            let (mark, style) = if s.up {
                ("● up  ", st.ok())
            } else {
                ("✗ DOWN", st.error())
            };
            let last = s
                .last_ok
                .map(|t| format!("ok {} ago", age(t, state.now)))
                .unwrap_or_else(|| "never ok".into());
            let latency = s.latency_ms.map(|l| format!("{l}ms")).unwrap_or_default();
            let lead = format!(
                " {mark} {:<20} {:>12} {:>7}  ",
                cell(&s.name, 20),
                last,
                latency
            );
            let rest = w.saturating_sub(lead.chars().count());
            Line::from(vec![
                Span::styled(lead, style),
                Span::styled(
                    cell(&s.detail, rest),
                    if s.up { st.dim() } else { st.warning() },
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn targets(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let all: Vec<_> = state
        .sources
        .targets
        .iter()
        .flat_map(|(src, ts)| ts.iter().map(move |t| (src, t)))
        .collect();
    let down = all.iter().filter(|(_, t)| t.health != "up").count();
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(
            format!(" Targets ({} up, {down} down) · t hides ", all.len() - down),
            st.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if all.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("No Prometheus targets reported", st.dim())),
            inner,
        );
        return;
    }
    let mut rows = all;
    rows.sort_by_key(|(s, t)| {
        (
            t.health == "up",
            (*s).clone(),
            t.job.clone(),
            t.instance.clone(),
        )
    });
    let w = inner.width as usize;
    let lines: Vec<Line> = rows
        .iter()
        .take(inner.height as usize)
        .map(|(src, t)| {
            let up = t.health == "up";
            let (mark, style) = if up {
                ("● up  ", st.ok())
            } else {
                ("✗ DOWN", st.error())
            };
            let scraped = t
                .last_scrape
                .map(|at| format!("{} ago", age(at, state.now)))
                .unwrap_or_else(|| "never".into());
            let lead = format!(
                " {} {:<16} {:<24} {:>9}  ",
                mark,
                cell(&format!("{src}/{}", t.job), 16),
                cell(&t.instance, 24),
                scraped
            );
            let rest = w.saturating_sub(lead.chars().count());
            Line::from(vec![
                Span::styled(lead, style),
                Span::styled(cell(&t.last_error, rest), st.warning()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
