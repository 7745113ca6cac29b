//! The Alarms view: the alarm table and, when open, the detail pane (right
//! on wide terminals, below on narrow ones). The table is virtualised: only
//! the rows on screen are looked up and formatted, so 100k alarms cost the
//! same per frame as 50.

use super::alarm_detail;
use crate::app::State;
use crate::app::layout::{DETAIL_RIGHT_FROM, share};
use crate::domain::Alarm;
use crate::ui::style::Styles;
use crate::ui::widgets::format::age;
use crate::ui::widgets::text::{cell, highlight, truncate, who};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

/// The board on screen and its list: the live ones, or, while time
/// travelling, the board of a past moment (read-only) and its own list.
struct Shown<'a> {
    alarms: &'a crate::app::alarms::AlarmsView,
    board: &'a crate::domain::AlarmBoard,
    /// The moment shown (`None`: now) and the clock ages are counted from.
    at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
}

fn shown(state: &State) -> Shown<'_> {
    match &state.timeline.travel {
        Some(t) => Shown {
            alarms: &t.view,
            board: &t.board,
            at: Some(t.at),
            now: t.at,
        },
        None => Shown {
            alarms: &state.alarms,
            board: &state.board,
            at: None,
            now: state.now,
        },
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let sh = shown(state);
    let detail = if state.alarms.detail {
        sh.alarms
            .selected_fingerprint()
            .and_then(|fp| sh.board.get(fp))
    } else {
        None
    };
    let Some(alarm) = detail else {
        table(frame, area, state, st);
        return;
    };
    // The same split a mouse click is mapped with (`app::layout::alarms`).
    let (table_area, detail_area) = if area.width >= DETAIL_RIGHT_FROM {
        let w = share(area.width, 42, 40);
        let [t, d] = Layout::horizontal([Constraint::Min(0), Constraint::Length(w)]).areas(area);
        (t, d)
    } else {
        let h = share(area.height, 50, 6);
        let [t, d] = Layout::vertical([Constraint::Min(0), Constraint::Length(h)]).areas(area);
        (t, d)
    };
    table(frame, table_area, state, st);
    alarm_detail::render(frame, detail_area, alarm, state, st);
}

/// The table's columns, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Mark,
    /// Only when grouping: the group's name and size on its first row.
    Group,
    Severity,
    State,
    Age,
    Service,
    Name,
    Summary,
    Ack,
    Owner,
}

impl Col {
    fn heading(self) -> &'static str {
        match self {
            Col::Mark => "",
            Col::Group => "GROUP",
            Col::Severity => "SEV",
            Col::State => "STATE",
            Col::Age => "AGE",
            Col::Service => "SERVICE",
            Col::Name => "NAME",
            Col::Summary => "SUMMARY",
            Col::Ack => "ACK",
            Col::Owner => "OWNER",
        }
    }

    fn min_width(self) -> u16 {
        match self {
            Col::Mark => 1,
            Col::Group => 14,
            Col::Severity => 4,
            Col::State => 8,
            Col::Age => 4,
            Col::Service => 8,
            Col::Name => 10,
            Col::Summary => 14,
            Col::Ack => 7,
            Col::Owner => 6,
        }
    }
}

/// Column widths for a table `width` columns wide: columns are dropped in
/// a fixed order (state, summary, service, age, ack, owner — who owns an
/// alarm goes last) until the rest fit; spare room grows service and name
/// a little and summary the most.
pub fn columns(width: u16) -> Vec<(Col, u16)> {
    use Col::*;
    let mut cols = vec![
        Mark, Severity, State, Age, Service, Name, Summary, Ack, Owner,
    ];
    let need = |cols: &[Col]| -> u16 {
        cols.iter().map(|c| c.min_width()).sum::<u16>() + cols.len() as u16 - 1
    };
    for drop in [State, Summary, Service, Age, Ack, Owner] {
        if need(&cols) <= width {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let mut spare = width.saturating_sub(need(&cols));
    let mut out: Vec<(Col, u16)> = cols.iter().map(|c| (*c, c.min_width())).collect();
    let mut grow = |col: Col, by: u16, spare: &mut u16| {
        if let Some((_, w)) = out.iter_mut().find(|(c, _)| *c == col) {
            let add = by.min(*spare);
            *w += add;
            *spare -= add;
        }
    };
    grow(Name, 14, &mut spare);
    grow(Service, 6, &mut spare);
    grow(Ack, 5, &mut spare);
    grow(Owner, 6, &mut spare);
    grow(Summary, 6, &mut spare);
    let sink = if cols.contains(&Summary) {
        Summary
    } else {
        Name
    };
    grow(sink, u16::MAX, &mut spare);
    out
}

fn title<'a>(state: &State, st: &Styles, max: usize) -> Line<'a> {
    let sh = shown(state);
    let a = sh.alarms;
    let mut text = format!(" Alarms ({}/{})", a.visible.len(), sh.board.len());
    if let Some(at) = sh.at {
        text = format!(
            " AT {} (read-only, Esc: now) ·{text}",
            at.format("%H:%M:%S")
        );
    }
    if !a.list.filter.is_empty() {
        text.push_str(&format!("  filter: {}", cell(&a.list.filter.source, 40)));
    }
    text.push_str(&format!("  sort: {}", a.sort().label()));
    if !a.list.marks.is_empty() {
        text.push_str(&format!("  {} marked", a.list.marks.len()));
    }
    if let Some(q) = &a.list.search {
        text.push_str(&format!("  search: {}", cell(q, 20)));
    }
    if a.group != crate::app::alarms::GroupBy::None {
        text.push_str(&format!("  group: {}", a.group.label()));
    }
    if a.show_resolved {
        text.push_str("  +resolved");
    }
    if !state.sources.stale.is_empty() {
        let names: Vec<&str> = state.sources.stale.iter().map(String::as_str).collect();
        text.push_str(&format!("  ⚠ stale (source down): {}", names.join(", ")));
    }
    text.push(' ');
    Line::styled(truncate(&text, max).into_owned(), st.title())
}

fn table(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let block = Block::bordered().border_style(st.border()).title(title(
        state,
        st,
        area.width.saturating_sub(2) as usize,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let sh = shown(state);
    if sh.alarms.visible.is_empty() {
        empty(frame, inner, state, st);
        return;
    }
    let grouped = sh.alarms.group != crate::app::alarms::GroupBy::None;
    let group_w = Col::Group.min_width() + 1;
    let mut cols = columns(
        inner
            .width
            .saturating_sub(if grouped { group_w } else { 0 }),
    );
    if grouped {
        cols.insert(1, (Col::Group, Col::Group.min_width()));
    }
    let rows_h = inner.height.saturating_sub(1) as usize;
    let a = sh.alarms;
    let range = window(a.visible.len(), a.list.selected, a.list.offset, rows_h);
    let selected = a.list.selected.min(a.visible.len() - 1);
    let rows: Vec<Row> = a.visible[range.clone()]
        .iter()
        .enumerate()
        .map(|(i, fp)| {
            let idx = range.start + i;
            let is_selected = idx == selected;
            match sh.board.get(fp) {
                Some(alarm) => {
                    let g = a.group;
                    let first_of_group = grouped
                        && (idx == 0
                            || a.visible
                                .get(idx - 1)
                                .and_then(|p| sh.board.get(p))
                                .map(|p| g.key(p))
                                != Some(g.key(alarm)));
                    alarm_row(alarm, &cols, state, st, is_selected, first_of_group)
                }
                // `visible` lags the board by at most one refresh; draw a gap.
                None => Row::new(vec![Line::raw("")]),
            }
        })
        .collect();
    let header = Row::new(
        cols.iter()
            .map(|(c, _)| Line::styled(c.heading(), st.heading())),
    );
    let widths = cols.iter().map(|(_, w)| Constraint::Length(*w));
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        inner,
    );
}

fn alarm_row<'a>(
    alarm: &Alarm,
    cols: &[(Col, u16)],
    state: &State,
    st: &Styles,
    is_selected: bool,
    first_of_group: bool,
) -> Row<'a> {
    let body = if !alarm.is_firing() {
        st.dim()
    } else if alarm.is_acked() {
        st.acked()
    } else {
        st.text()
    };
    let sh = shown(state);
    let marked = sh.alarms.list.is_marked(alarm.fingerprint());
    let search = sh
        .alarms
        .search_hit(alarm)
        .then_some(sh.alarms.list.search.as_deref())
        .flatten();
    let cells = cols.iter().map(|&(col, w)| {
        let w = w as usize;
        let (text, style): (String, Style) = match col {
            Col::Mark if marked => ("*".into(), st.accent()),
            Col::Mark => (if is_selected { ">" } else { " " }.into(), st.accent()),
            Col::Group if first_of_group => {
                let key = sh.alarms.group.key(alarm).unwrap_or("");
                let n = sh.alarms.group_sizes.get(key).copied().unwrap_or(0);
                let count = format!(" ({n})");
                let name = cell(key, w.saturating_sub(count.chars().count()));
                (format!("{name}{count}"), st.heading())
            }
            Col::Group => (String::new(), body),
            Col::Severity => (
                alarm.severity().short().into(),
                st.severity(alarm.severity()),
            ),
            Col::State if alarm.unrecorded => ("UNREC".into(), st.error()),
            Col::State if alarm.is_firing() && state.sources.is_stale(&alarm.observed.source) => {
                ("STALE".into(), st.warning())
            }
            Col::State if alarm.is_firing() => ("FIRING".into(), body),
            Col::State => ("RESOLVED".into(), st.ok()),
            Col::Age => (age(alarm.raised_at, sh.now), body),
            Col::Service => (cell(alarm.service(), w), body),
            Col::Name => (cell(alarm.name(), w), body),
            Col::Summary => match state
                .plans
                .runs
                .change_for(alarm, sh.now)
                .filter(|c| alarm.is_firing() && alarm.raised_at >= c.opened)
            {
                Some(c) => (
                    cell(
                        &format!("⚑ during change {} · {}", c.id, alarm.summary()),
                        w,
                    ),
                    st.warning(),
                ),
                None => (cell(alarm.summary(), w), body),
            },
            Col::Ack if state.is_pending(alarm.fingerprint()) => ("…".into(), st.warning()),
            Col::Ack => match &alarm.ack {
                Some(ack) => (cell(&format!("✓ {}", who(&ack.by)), w), st.ok()),
                None => (String::new(), body),
            },
            Col::Owner => (
                alarm
                    .owner
                    .as_deref()
                    .map(|o| cell(who(o), w))
                    .unwrap_or_default(),
                body,
            ),
        };
        let style = if is_selected {
            st.on_selection(style)
        } else {
            style
        };
        let searched = matches!(
            col,
            Col::Name | Col::Service | Col::Summary | Col::Owner | Col::Ack
        );
        if searched {
            highlight(text, search, style, st.search_hit())
        } else {
            Line::styled(text, style)
        }
    });
    let row = Row::new(cells);
    if is_selected {
        row.style(st.selected())
    } else {
        row
    }
}

fn empty(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    use crate::app::sources::Quiet;
    let sh = shown(state);
    let firing = match sh.at {
        Some(_) => sh.board.iter().filter(|a| a.is_firing()).count(),
        None => state.counts.firing,
    };
    let hidden_resolved = !sh.alarms.show_resolved && sh.board.len() > firing;
    let lines = if sh.at.is_some() {
        vec![Line::styled("No alarms were firing then", st.text())]
    } else if !sh.alarms.list.filter.is_empty() && !sh.board.is_empty() {
        vec![
            Line::styled("No alarms match the filter", st.text()),
            Line::styled("Esc clears it, / edits it", st.dim()),
        ]
    } else {
        // All clear only when every source has answered and none is down.
        let mut v = match crate::app::sources::quiet(state) {
            Quiet::AllClear => vec![Line::styled("No alarms firing ✓", st.ok())],
            Quiet::Waiting(names) if names.is_empty() => vec![
                Line::styled("Waiting for sources…", st.warning()),
                Line::styled("no source has reported yet", st.dim()),
            ],
            Quiet::Waiting(names) => vec![
                Line::styled("Waiting for sources…", st.warning()),
                Line::styled(
                    format!("not heard from yet: {}", cell(&names.join(", "), 60)),
                    st.dim(),
                ),
            ],
            Quiet::Unsure(names) => vec![
                Line::styled("No alarms from the sources that answer", st.warning()),
                Line::styled(
                    format!(
                        "down or stale, so not all clear: {}",
                        cell(&names.join(", "), 60)
                    ),
                    st.warning(),
                ),
            ],
        };
        if hidden_resolved {
            v.push(Line::styled("r shows resolved alarms", st.dim()));
        }
        v
    };
    let y = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        Rect {
            y,
            height: area.bottom() - y,
            ..area
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_and_drop_in_order() {
        for w in 0..=220u16 {
            let cols = columns(w);
            let total: u16 = cols.iter().map(|(_, w)| *w).sum::<u16>() + cols.len() as u16 - 1;
            if w >= 21 {
                assert!(total <= w, "width {w}: {cols:?}");
            }
            assert!(cols.iter().any(|(c, _)| *c == Col::Name));
            assert!(cols.iter().any(|(c, _)| *c == Col::Severity));
        }
        let names = |w| columns(w).iter().map(|(c, _)| *c).collect::<Vec<_>>();
        assert!(names(118).contains(&Col::Owner));
        // At 80 columns every column stays, who owns an alarm included.
        assert!(names(78).contains(&Col::Owner));
        assert!(names(78).contains(&Col::State));
        assert!(names(78).contains(&Col::Summary));
        assert!(!names(40).contains(&Col::Summary));
        assert!(names(40).contains(&Col::Owner), "owner is the last to go");
    }
}
