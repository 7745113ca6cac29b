//! The Log view: the journal tail as a table (id, time, actor, kind,
//! subject, text), virtualised like the alarm table, with the follow state
//! and the filter in the title.

use crate::app::State;
use crate::app::log::LogLine;
use crate::ui::style::Styles;
use crate::ui::widgets::format::clock;
use crate::ui::widgets::text::{cell, highlight, truncate};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

/// Column widths for the log table at `width` (inner) columns: selection
/// mark, id, time, actor, kind, subject, text. Narrow terminals lose the
/// subject column (what it is about then leads the text), then the actor
/// (0 = column not drawn).
pub fn columns(width: u16, id_w: u16, time_w: u16) -> [u16; 7] {
    let (mut actor, mut kind, mut subject) = (18u16, 18u16, 30u16);
    let fixed = |a: u16, k: u16, s: u16| 1 + id_w + time_w + a + k + s + 6;
    if fixed(actor, kind, subject) + 16 > width {
        subject = 0;
    }
    if fixed(actor, kind, subject) + 30 > width {
        // Room for the subject in the text: shorter actor and kind first.
        (actor, kind) = (11, 16);
    }
    if fixed(actor, kind, subject) + 16 > width {
        actor = 0;
    }
    let text = width.saturating_sub(fixed(actor, kind, subject));
    [1, id_w, time_w, actor, kind, subject, text]
}

fn title<'a>(state: &State, st: &Styles, max: usize) -> Line<'a> {
    let log = &state.log;
    let mut text = format!(" Log ({}/{})", log.visible.len(), log.lines.len());
    if !log.list.filter.is_empty() {
        text.push_str(&format!("  filter: {}", cell(&log.list.filter.source, 40)));
    }
    if let Some(sort) = log.list.sort {
        text.push_str(&format!("  sort: {}", sort.label()));
    }
    if let Some(q) = &log.list.search {
        text.push_str(&format!("  search: {}", cell(q, 20)));
    }
    text.push_str("  ");
    let follow = if log.follow {
        Span::styled("● following ", st.ok())
    } else {
        Span::styled("○ paused (f follows) ", st.warning())
    };
    let text = truncate(&text, max).into_owned();
    Line::from(vec![Span::styled(text, st.title()), follow])
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let log = &state.log;
    let block = Block::bordered().border_style(st.border()).title(title(
        state,
        st,
        area.width.saturating_sub(24) as usize,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if log.visible.is_empty() {
        let msg = if log.lines.is_empty() {
            "The journal is empty so far"
        } else {
            "No lines match the filter (Esc clears it)"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim()))
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            Rect {
                y: inner.y + inner.height / 2,
                height: inner.height - inner.height / 2,
                ..inner
            },
        );
        return;
    }
    let max_id = log.lines.back().map_or(0, |l| l.id);
    let id_w = (max_id.max(1).to_string().len() as u16).max(2);
    let rows_h = inner.height.saturating_sub(1) as usize;
    let selected = log.list.selected.min(log.visible.len() - 1);
    let range = window(log.visible.len(), selected, log.list.offset, rows_h);
    let shown = || {
        log.visible[range.clone()]
            .iter()
            .filter_map(|&idx| log.lines.get(idx))
    };
    // Lines from another day carry their date; today's only the time.
    let today = state.now.date_naive();
    let dated = shown().any(|l| l.ts.date_naive() != today);
    let widths = columns(inner.width, id_w, if dated { 11 } else { 8 });
    let rows: Vec<Row> = shown()
        .enumerate()
        .map(|(i, line)| {
            let is_selected = range.start + i == selected;
            let row = log_row(line, &widths, dated, today, is_selected, state, st);
            if is_selected {
                row.style(st.selected())
            } else {
                row
            }
        })
        .collect();
    let headings = ["", "ID", "TIME", "ACTOR", "KIND", "SUBJECT", "TEXT"];
    let header = Row::new(
        headings
            .iter()
            .zip(widths)
            .filter(|(_, w)| *w > 0)
            .map(|(h, _)| Line::styled(*h, st.heading())),
    );
    let constraints = widths
        .iter()
        .filter(|w| **w > 0)
        .map(|w| Constraint::Length(*w));
    frame.render_widget(
        Table::new(rows, constraints)
            .header(header)
            .column_spacing(1),
        inner,
    );
}

fn kind_style(kind: &str, st: &Styles) -> Style {
    if kind.starts_with("alarm.raised") || kind.ends_with(".down") {
        st.warning()
    } else if kind.starts_with("alarm.resolved") || kind.ends_with(".up") {
        st.ok()
    } else if kind.starts_with("alarm.") {
        st.accent()
    } else {
        st.dim()
    }
}

fn log_row<'a>(
    line: &LogLine,
    widths: &[u16; 7],
    dated: bool,
    today: chrono::NaiveDate,
    is_selected: bool,
    state: &State,
    st: &Styles,
) -> Row<'a> {
    let log = &state.log;
    let search = log
        .search_hit(line)
        .then_some(log.list.search.as_deref())
        .flatten();
    let marked = log.list.is_marked(&line.id.to_string());
    // LogLine text is already inert (app::log); `cell` re-checks it anyway,
    // which is free for clean text.
    let [_, id_w, _, actor_w, kind_w, subject_w, text_w] = widths.map(|w| w as usize);
    let time = if dated && line.ts.date_naive() != today {
        line.ts.format("%m-%d %H:%M").to_string()
    } else {
        clock(line.ts)
    };
    let mark = match (marked, is_selected) {
        (true, _) => "*",
        (false, true) => ">",
        (false, false) => " ",
    };
    let mut cells = vec![
        Line::styled(mark, st.accent()),
        Line::styled(format!("{:>id_w$}", line.id), st.dim()),
        Line::styled(time, st.dim()),
    ];
    let on = |s: Style| if is_selected { st.on_selection(s) } else { s };
    let hit = st.search_hit();
    if actor_w > 0 {
        cells.push(highlight(
            cell(&line.actor, actor_w),
            search,
            on(st.accent()),
            hit,
        ));
    }
    cells.push(highlight(
        cell(&line.kind, kind_w),
        search,
        on(kind_style(&line.kind, st)),
        hit,
    ));
    // What the event is about: its own column when there is room, else
    // first in the text, so a narrow log still says which alarm or fault.
    let text = if subject_w > 0 {
        cells.push(highlight(
            cell(line.shown_subject(), subject_w),
            search,
            on(st.text()),
            hit,
        ));
        line.text.clone()
    } else if line.about.is_empty() {
        line.text.clone()
    } else if line.text.is_empty() {
        line.about.clone()
    } else {
        format!("{} — {}", line.about, line.text)
    };
    cells.push(highlight(cell(&text, text_w), search, on(st.text()), hit));
    if is_selected {
        for c in cells.iter_mut().take(3) {
            c.style = st.on_selection(c.style);
        }
    }
    Row::new(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit() {
        for w in 0..200u16 {
            let c = columns(w, 4, 11);
            let drawn = c.iter().filter(|w| **w > 0).count() as u16;
            let used: u16 = c.iter().sum::<u16>() + drawn - 1;
            if w >= 70 {
                assert!(used <= w, "{w}: {c:?}");
            }
        }
        assert!(columns(118, 4, 8)[5] > 0);
        assert_eq!(columns(78, 4, 8)[5], 0);
        assert!(columns(78, 4, 8)[3] > 0);
        // At 80 columns the text (which then leads with the subject) keeps
        // room for an alarm's name and service.
        assert!(columns(78, 4, 8)[6] >= 30, "{:?}", columns(78, 4, 8));
    }
}
