//! The Faults view: a banner when something needs the operator (failing
//! recoveries, orphans), live faults on top (state, provider, target, age,
//! time left, owner, what is in place), history below, and the selected
//! fault's details and timeline at the bottom. Outside text is made inert.
//! The inject form and the questions are popups (`ui::popups::inject`).

use crate::app::State;
use crate::app::layout;
use crate::domain::fault::format_duration;
use crate::domain::fault::ledger::{Fault, FaultState};
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::format::{age, clock};
use crate::ui::widgets::text::{cell, highlight, truncate, who, width};
use crate::ui::widgets::window::window;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

fn state_style(f: &Fault, st: &Styles) -> Style {
    match f.state {
        FaultState::RecoveryFailing => st.error().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        FaultState::Orphaned => st.warning().add_modifier(Modifier::BOLD),
        FaultState::Active | FaultState::Injecting | FaultState::Intended => st.warning(),
        FaultState::Recovering => st.accent(),
        FaultState::Recovered => st.ok(),
        FaultState::Failed | FaultState::Dismissed => st.dim(),
    }
}

/// `1m05s` left, or `-12s` (overdue), or `-` once over.
pub fn left(f: &Fault, now: DateTime<Utc>) -> String {
    if !f.is_live() {
        return "-".into();
    }
    let s = f.left_secs(now);
    if s >= 0 {
        format_duration(s as u64)
    } else {
        format!("-{}", format_duration(s.unsigned_abs()))
    }
}

fn what(f: &Fault) -> String {
    let text = match (&f.state, &f.last_error, &f.record) {
        (FaultState::RecoveryFailing | FaultState::Failed, Some(e), _) => e.clone(),
        (_, _, Some(r)) => r.summary.clone(),
        _ => f.spec.label(),
    };
    inert(&text).into_owned()
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let faults = &state.faults;
    let counts = faults.ledger.counts();
    let mut banner: Vec<Line> = Vec::new();
    // Keys only for a console that may use them (read-only recovers nothing).
    let may_recover = !state.session.readonly;
    if counts.failing > 0 {
        let keys = if may_recover {
            "; fix by hand, x retries now, D once handled"
        } else {
            "; fix by hand (this console is read-only)"
        };
        banner.push(Line::styled(
            format!(
                " ✗ {} fault(s) whose recovery keeps FAILING — retried with backoff{keys} ",
                counts.failing
            ),
            st.chip(st.theme.error),
        ));
    }
    if !faults.orphans.is_empty() {
        let keys = if may_recover {
            "press R to recover them now"
        } else {
            "read-only: not recovering them"
        };
        banner.push(Line::styled(
            format!(
                " ⚠ {} fault(s) left by a console that is gone — {keys} (the watchdog recovers them at their deadline) ",
                faults.orphans.len()
            ),
            st.warning().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    let detail_h = if area.height >= layout::FAULT_DETAIL_FROM {
        layout::FAULT_DETAIL_H
    } else {
        0
    };
    let [banner_area, table_area, detail_area] = Layout::vertical([
        Constraint::Length(banner.len() as u16),
        Constraint::Min(3),
        Constraint::Length(detail_h),
    ])
    .areas(area);
    if !banner.is_empty() {
        frame.render_widget(Paragraph::new(banner), banner_area);
    }

    let rows = faults.rows();
    let live = counts.live;
    let mut extra = String::new();
    if let Some(sort) = faults.list.sort {
        extra.push_str(&format!("  sort: {}", sort.label()));
    }
    if !faults.list.marks.is_empty() {
        extra.push_str(&format!("  {} marked", faults.list.marks.len()));
    }
    if let Some(q) = &faults.list.search {
        extra.push_str(&format!("  search: {}", cell(q, 20)));
    }
    let title = format!(
        " Faults: {live} live, {} in history{extra}{} ",
        rows.len() - live,
        keys_hint(state)
    );
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(
            truncate(&title, area.width.saturating_sub(4) as usize).into_owned(),
            st.title(),
        ));
    let inner = block.inner(table_area);
    frame.render_widget(block, table_area);
    if rows.is_empty() {
        let msg = if state.session.readonly {
            "No faults. (Read-only: injecting is disabled.)"
        } else if !state.session.may_inject() {
            "No faults. (Observer: injecting is disabled; recovering is allowed.)"
        } else {
            "No faults yet. Press i to inject one (sim:payments is safe: it only touches the demo)."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim())).wrap(Wrap { trim: true }),
            inner,
        );
    } else {
        table(frame, inner, &rows, state, st);
    }

    if detail_h > 0 {
        detail(frame, detail_area, state, st);
    }
}

/// The keys the title offers: only what this console may do.
fn keys_hint(state: &State) -> String {
    let s = &state.session;
    let mut keys = Vec::new();
    if s.may_inject() {
        keys.push("i inject");
    }
    if !s.readonly {
        keys.extend(["x recover", "X panic"]);
    }
    if keys.is_empty() {
        String::new()
    } else {
        format!("  {}", keys.join(" · "))
    }
}

const HEADINGS: [&str; 9] = [
    "ID", "STATE", "PROVIDER", "TARGET", "ACTION", "WHEN", "LEFT", "OWNER", "WHAT",
];

/// Column widths: ids are never cut (a cut id cannot be given to `cocpit
/// faults recover`); the others shrink, with `…`, before any goes.
fn widths(width: u16, id_w: u16) -> Vec<u16> {
    use crate::ui::widgets::columns::{fit, spec};
    let cols = [
        spec(id_w, id_w),
        spec(16, 10),
        spec(10, 5),
        spec(24, 10),
        spec(10, 6),
        spec(8, 8),
        spec(7, 6),
        spec(14, 6),
        spec(10, 10),
    ];
    // Shrink: owner, target, provider, action, state; then drop what,
    // owner, action, provider, when.
    fit(width, &cols, &[7, 3, 2, 4, 1, 6], &[8, 7, 4, 2, 5], 8)
}

fn table(frame: &mut Frame, inner: Rect, rows: &[&Fault], state: &State, st: &Styles) {
    let faults = &state.faults;
    let height = inner.height.saturating_sub(1) as usize;
    let selected = faults.list.selected.min(rows.len() - 1);
    let range = window(rows.len(), selected, faults.list.offset, height);
    let now = state.now;
    let id_w = rows
        .iter()
        .map(|f| width(&inert(&f.id)))
        .max()
        .unwrap_or(2)
        .max(2) as u16;
    let w = widths(inner.width, id_w);
    let table_rows: Vec<Row> = rows[range.clone()]
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let is_selected = range.start + i == selected;
            let when = if f.is_live() {
                age(f.intended_at, now)
            } else {
                f.ended_at.map(clock).unwrap_or_default()
            };
            let left_style = if f.is_live() && f.left_secs(now) < 10 {
                st.warning()
            } else {
                st.text()
            };
            let base = if f.is_live() { st.text() } else { st.dim() };
            let search = state
                .faults
                .list
                .search
                .as_deref()
                .filter(|q| crate::app::faults::search_matches(f, q));
            let marked = faults.list.is_marked(&f.id);
            let id = if marked {
                format!("{}*", inert(&f.id))
            } else {
                inert(&f.id).into_owned()
            };
            let cells: [(String, Style); 9] = [
                (id, base),
                (f.state.as_str().to_string(), state_style(f, st)),
                (f.spec.provider.clone(), base),
                (f.spec.target.clone(), base),
                (f.spec.action.clone(), base),
                (when, base),
                (left(f, now), left_style),
                (who(&f.owner.actor).to_string(), base),
                (what(f), base),
            ];
            let cells =
                cells
                    .into_iter()
                    .zip(&w)
                    .filter(|(_, w)| **w > 0)
                    .map(|((text, style), w)| {
                        let style = if is_selected {
                            st.on_selection(style)
                        } else {
                            style
                        };
                        highlight(cell(&text, *w as usize), search, style, st.search_hit())
                    });
            let row = Row::new(cells);
            if is_selected {
                row.style(st.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(
        HEADINGS
            .iter()
            .zip(&w)
            .filter(|(_, w)| **w > 0)
            .map(|(h, w)| Line::styled(cell(h, *w as usize), st.heading())),
    );
    let constraints = w.iter().filter(|w| **w > 0).map(|w| Constraint::Length(*w));
    frame.render_widget(
        Table::new(table_rows, constraints)
            .header(header)
            .column_spacing(1),
        inner,
    );
}

fn detail(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let block = Block::bordered().border_style(st.border());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(f) = state.faults.selected_fault() else {
        return;
    };
    let w = inner.width as usize;
    let params: Vec<String> = f
        .spec
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let head = format!("{} ", inert(&f.id));
    let rest = format!(
        "  {}  {}  deadline {}  owner {}",
        inert(&f.spec.label()),
        cell(&params.join(" "), 40),
        clock(f.deadline),
        inert(&f.owner.label())
    );
    let rest_w = w.saturating_sub(width(&head) + width(f.state.as_str()));
    let mut lines = vec![Line::from(vec![
        Span::styled(head, st.title()),
        Span::styled(f.state.as_str(), state_style(f, st)),
        Span::raw(truncate(&rest, rest_w).into_owned()),
    ])];
    if let Some(r) = &f.record {
        // Only a live fault is in place.
        let what = match f.state {
            FaultState::Recovered => "undone",
            FaultState::Failed => "not injected",
            FaultState::Dismissed => "undone by hand",
            _ => "in place",
        };
        lines.push(Line::raw(
            truncate(&format!("{what}: {}", inert(&r.summary)), w).into_owned(),
        ));
    }
    if let Some(e) = &f.last_error {
        lines.push(Line::styled(
            truncate(
                &format!("last error (attempt {}): {}", f.attempts, inert(e)),
                w,
            )
            .into_owned(),
            st.error(),
        ));
    }
    let room = (inner.height as usize).saturating_sub(lines.len());
    for h in f.history.iter().rev().take(room).rev() {
        let text = format!(
            "{}  {}  {}",
            clock(h.at),
            cell(&h.actor, 20),
            inert(&h.text)
        );
        lines.push(Line::styled(truncate(&text, w).into_owned(), st.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
