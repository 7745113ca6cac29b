//! The Faults view: a banner when something needs the operator (failing
//! recoveries, orphans), live faults on top (state, provider, target, age,
//! time left, owner, what is in place), history below, and the selected
//! fault's details and timeline at the bottom. Outside text is made inert.
//! The inject form and the questions are popups (`ui::popups::inject`).

use crate::app::State;
use crate::domain::fault::format_duration;
use crate::domain::fault::ledger::{Fault, FaultState};
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::format::{age, clock};
use crate::ui::widgets::text::{cell, truncate};
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
    if counts.failing > 0 {
        banner.push(Line::styled(
            format!(
                " ✗ {} fault(s) whose recovery keeps FAILING — retried with backoff; fix by hand, x retries now, D once handled ",
                counts.failing
            ),
            st.error().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    if !faults.orphans.is_empty() {
        banner.push(Line::styled(
            format!(
                " ⚠ {} fault(s) left by a console that is gone — press R to recover them now (the watchdog recovers them at their deadline) ",
                faults.orphans.len()
            ),
            st.warning().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    let detail_h = if area.height >= 20 { 8 } else { 0 };
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
    let title = format!(
        " Faults: {live} live, {} in history  i inject · x recover · X panic ",
        rows.len() - live
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
        } else {
            "No faults yet. Press i to inject one (sim:payments is safe: it only touches the demo)."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim())).wrap(Wrap { trim: true }),
            inner,
        );
    } else {
        let height = inner.height.saturating_sub(1) as usize;
        let selected = faults.list.selected.min(rows.len() - 1);
        let range = window(rows.len(), selected, faults.list.offset, height);
        let now = state.now;
        let table_rows: Vec<Row> = rows[range.clone()]
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let when = if f.is_live() {
                    age(f.intended_at, now)
                } else {
                    f.ended_at.map(clock).unwrap_or_default()
                };
                let row = Row::new(vec![
                    Span::raw(cell(&f.id, 8)),
                    Span::styled(f.state.as_str(), state_style(f, st)),
                    Span::raw(cell(&f.spec.provider, 10)),
                    Span::raw(cell(&f.spec.target, 24)),
                    Span::raw(cell(&f.spec.action, 10)),
                    Span::raw(when),
                    Span::styled(
                        left(f, now),
                        if f.is_live() && f.left_secs(now) < 10 {
                            st.warning()
                        } else {
                            st.text()
                        },
                    ),
                    Span::raw(cell(crate::ui::widgets::text::who(&f.owner.actor), 14)),
                    Span::raw(what(f)),
                ]);
                if range.start + i == selected {
                    row.style(st.selected())
                } else if !f.is_live() {
                    row.style(st.dim())
                } else {
                    row
                }
            })
            .collect();
        let header = Row::new(
            [
                "ID",
                "STATE",
                "PROVIDER",
                "TARGET",
                "ACTION",
                "AGE/ENDED",
                "LEFT",
                "OWNER",
                "WHAT",
            ]
            .map(|h| Line::styled(h, st.heading())),
        );
        let widths = [
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(10),
            Constraint::Length(24),
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Length(14),
            Constraint::Min(10),
        ];
        frame.render_widget(
            Table::new(table_rows, widths)
                .header(header)
                .column_spacing(1),
            inner,
        );
    }

    if detail_h > 0 {
        detail(frame, detail_area, state, st);
    }
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
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", cell(&f.id, 16)), st.title()),
        Span::styled(f.state.as_str(), state_style(f, st)),
        Span::raw(format!(
            "  {}  {}  deadline {}  owner {}",
            inert(&f.spec.label()),
            cell(&params.join(" "), 40),
            clock(f.deadline),
            inert(&f.owner.label())
        )),
    ])];
    if let Some(r) = &f.record {
        lines.push(Line::raw(
            truncate(&format!("in place: {}", inert(&r.summary)), w).into_owned(),
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
