//! The Improvements view: every improvement item from every drill's
//! review, open and overdue first — status, due day (overdue in red),
//! owner, drill, failure mode, title. Outside text is made inert.

use crate::app::State;
use crate::app::drills::review::visible_items;
use crate::domain::drill::payloads::ItemStatus;
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::text::{cell, truncate, width};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

fn pad(s: &str, w: usize) -> String {
    let c = cell(s, w);
    let n = width(&c);
    format!("{c}{}", " ".repeat(w.saturating_sub(n)))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let d = &state.drills;
    let today = state.now.date_naive();
    let items = visible_items(state);
    let all = d.journal.items.len();
    let open = d
        .journal
        .items
        .values()
        .filter(|i| i.now.status != ItemStatus::Done)
        .count();
    let overdue = d
        .journal
        .items
        .values()
        .filter(|i| i.now.overdue(today))
        .count();
    let mut title = format!(" Improvements: {open} open, {overdue} overdue, {all} in all ");
    if !d.items_list.filter.is_empty() {
        title.push_str(&format!(
            "filter: {} ",
            cell(&d.items_list.filter.source, 30)
        ));
    }
    if let Some(q) = &d.items_list.search {
        title.push_str(&format!("search: {} ", cell(q, 20)));
    }
    let b = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(
            truncate(&title, area.width.saturating_sub(4) as usize).into_owned(),
            st.title(),
        ));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    if items.is_empty() {
        let msg = if all == 0 {
            "No improvement items yet. In the Drills view, i on a drill that ended records one (n a finding, a the acceptance)."
        } else {
            "No item matches the filter."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let w = inner.width as usize;
    // id, status, due, owner, drill, failure mode, title; the narrow
    // screen loses the drill and the failure mode first.
    let (id_w, status_w, due_w) = (9, 11, 10);
    let wide = w >= 110;
    let (owner_w, drill_w, mode_w) = if wide { (18, 10, 22) } else { (12, 0, 0) };
    let fixed = id_w + status_w + due_w + owner_w + drill_w + mode_w + 6;
    let title_w = w.saturating_sub(fixed).max(8);
    let mut head = format!(
        "{} {} {} {} ",
        pad("ID", id_w),
        pad("STATUS", status_w),
        pad("DUE", due_w),
        pad("OWNER", owner_w)
    );
    if wide {
        head.push_str(&format!(
            "{} {} ",
            pad("DRILL", drill_w),
            pad("FAILURE MODE", mode_w)
        ));
    }
    head.push_str("TITLE");
    let mut lines = vec![Line::styled(head, st.heading())];
    let h = inner.height.saturating_sub(1) as usize;
    let sel = d.items_list.selected.min(items.len() - 1);
    for i in window(items.len(), sel, d.items_list.offset, h) {
        let it = &items[i].now;
        let base = if i == sel { st.selected() } else { st.text() };
        let on = |s: ratatui::style::Style| if i == sel { st.on_selection(s) } else { s };
        let status_style = match it.status {
            ItemStatus::Done => on(st.ok()),
            ItemStatus::InProgress => on(st.accent()),
            ItemStatus::Open => base,
        };
        let (due, due_style) = match it.due {
            Some(day) if it.overdue(today) => {
                (day.to_string(), on(st.error().add_modifier(Modifier::BOLD)))
            }
            Some(day) => (day.to_string(), base),
            None => ("-".into(), on(st.dim())),
        };
        let who = crate::ui::widgets::text::who(&it.owner);
        let mut spans = vec![
            Span::styled(format!("{} ", pad(&it.item, id_w)), base),
            Span::styled(
                format!("{} ", pad(it.status.as_str(), status_w)),
                status_style,
            ),
            Span::styled(format!("{} ", pad(&due, due_w)), due_style),
            Span::styled(format!("{} ", pad(&inert(who), owner_w)), base),
        ];
        if wide {
            spans.push(Span::styled(format!("{} ", pad(&it.drill, drill_w)), base));
            spans.push(Span::styled(
                format!(
                    "{} ",
                    pad(&inert(it.failure_mode.as_deref().unwrap_or("-")), mode_w)
                ),
                base,
            ));
        }
        spans.push(Span::styled(pad(&inert(&it.title), title_w), base));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
