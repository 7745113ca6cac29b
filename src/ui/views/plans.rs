//! The Plans view: the catalog (filtered) beside the selected plan's
//! detail (header fields, parameters, steps with their types, last runs),
//! the files that did not load, and every run on the journal below
//! (active first). `Enter` on a run opens the execution view: every step
//! with its state and time, and the selected step's output. Outside text
//! (plan files, output, actors) is made inert.

use crate::app::plans::Pane;
use crate::app::{State, layout};
use crate::domain::plan::PlanKind;
use crate::domain::plan::run::{At, RunState, Section, StepState};
use crate::domain::plan::runs::{RunView, StepView};
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::format::clock;
use crate::ui::widgets::text::{cell, truncate, who, width};
use crate::ui::widgets::window::window;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Outside text cut to `w` columns and padded to it.
fn pad(s: &str, w: usize) -> String {
    let c = cell(s, w);
    let n = width(&c);
    format!("{c}{}", " ".repeat(w.saturating_sub(n)))
}

/// `1m05s`, `12s`, `2h03m`.
pub fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let s = (to - from).num_seconds().max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn run_style(s: &RunState, st: &Styles) -> Style {
    match s {
        RunState::Succeeded => st.ok(),
        RunState::Failed { .. } => st.error(),
        RunState::Aborted { .. } | RunState::Interrupted => {
            st.warning().add_modifier(Modifier::BOLD)
        }
        RunState::Stopped => st.error().add_modifier(Modifier::BOLD),
        RunState::Running | RunState::RollingBack => st.accent(),
    }
}

fn step_style(s: &StepState, st: &Styles) -> Style {
    match s {
        StepState::Ok => st.ok(),
        StepState::Failed { .. } => st.error(),
        StepState::Skipped { .. } | StepState::Pending => st.dim(),
        StepState::Running { .. } | StepState::RetryWait { .. } => st.accent(),
        StepState::WaitingConfirm | StepState::WaitingOperator | StepState::WaitingApproval => {
            st.warning().add_modifier(Modifier::BOLD)
        }
    }
}

/// The step state as the execution view says it.
pub fn step_label(s: &StepState) -> &'static str {
    match s {
        StepState::WaitingConfirm => "waiting for operator",
        other => other.label(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    if let Some(id) = &state.plans.open {
        execution(frame, area, state, id, st);
        return;
    }
    let errors = &state.plans.catalog.errors;
    // The same arithmetic the mouse maps clicks back through.
    let a = layout::plans_in(
        layout::Area {
            x: area.x,
            y: area.y,
            width: area.width,
            height: area.height,
        },
        errors.len(),
    );
    let rect = |a: layout::Area| Rect::new(a.x, a.y, a.width, a.height);
    let (banner, list, detail, runs) = (rect(a.banner), rect(a.list), rect(a.detail), rect(a.runs));
    let banner_h = banner.height;
    if banner_h > 0 {
        let mut lines: Vec<Line> = errors
            .iter()
            .take(banner_h as usize)
            .map(|e| {
                Line::styled(
                    truncate(&format!(" ✗ {}", inert(e)), banner.width as usize).into_owned(),
                    st.error(),
                )
            })
            .collect();
        if errors.len() > banner_h as usize
            && let Some(last) = lines.last_mut()
        {
            *last = Line::styled(
                format!(" ✗ … {} plan file problems (cocpit check)", errors.len()),
                st.error(),
            );
        }
        frame.render_widget(Paragraph::new(lines), banner);
    }
    plan_list(frame, list, state, st);
    plan_detail(frame, detail, state, st);
    run_list(frame, runs, state, st);
}

fn block<'a>(title: String, focused: bool, area: Rect, st: &Styles) -> Block<'a> {
    let style = if focused { st.accent() } else { st.border() };
    Block::bordered().border_style(style).title(Line::styled(
        truncate(&title, area.width.saturating_sub(4) as usize).into_owned(),
        st.title(),
    ))
}

fn plan_list(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let p = &state.plans;
    let rows = p.rows();
    let mut title = format!(" Plans: {} ", rows.len());
    if !p.list.filter.is_empty() {
        title.push_str(&format!("filter: {} ", cell(&p.list.filter.source, 20)));
    }
    if p.for_alarm.is_some() {
        title.push_str("for the alarm (Esc: all) ");
    }
    let b = block(title, p.pane == Pane::Plans, area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if rows.is_empty() {
        let msg = if p.catalog.plans.is_empty() {
            "No plans loaded. Put plan files in [plans] dirs (cocpit check validates them)."
        } else {
            "No plan matches the filter."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let w = inner.width as usize;
    let kind_w = 10;
    let id_w = (w / 3).clamp(8, 26);
    let title_w = w.saturating_sub(id_w + kind_w + 2);
    let mut lines = vec![Line::styled(
        format!(
            "{}{}{}",
            pad("ID", id_w + 1),
            pad("KIND", kind_w + 1),
            "TITLE"
        ),
        st.heading(),
    )];
    let h = inner.height.saturating_sub(1) as usize;
    let sel = p.list.selected.min(rows.len() - 1);
    let range = window(rows.len(), sel, p.list.offset, h);
    for i in range {
        let plan = rows[i];
        let text = format!(
            "{} {} {}",
            pad(&plan.id, id_w),
            pad(plan.kind.as_str(), kind_w),
            pad(&plan.title, title_w)
        );
        let style = if i == sel && p.pane == Pane::Plans {
            st.selected()
        } else {
            st.text()
        };
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn field<'a>(name: &str, value: String, st: &Styles) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name}: "), st.dim()),
        Span::styled(value, st.text()),
    ])
}

/// The selected plan, whole.
fn plan_detail(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let b = block(" Plan ".into(), false, area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(plan) = state.plans.selected_plan() else {
        return;
    };
    let w = inner.width as usize;
    let mut lines = vec![Line::styled(cell(&plan.title, w), st.title())];
    if !plan.description.is_empty() {
        lines.push(Line::styled(cell(&plan.description, w), st.dim()));
    }
    let mut head = vec![format!("{} {}", plan.id, plan.kind.as_str())];
    if let Some(v) = plan.version {
        head.push(format!("v{v}"));
    }
    for s in [&plan.service, &plan.application, &plan.owner]
        .into_iter()
        .flatten()
    {
        head.push(s.clone());
    }
    if let Some(r) = plan.expected_recovery {
        head.push(format!("recovers in {r}"));
    }
    lines.push(Line::styled(cell(&head.join(" · "), w), st.text()));
    if let Some(a) = &plan.applies_to {
        lines.push(field("applies to", cell(a, w.saturating_sub(12)), st));
    }
    if plan.kind == PlanKind::Change {
        let window = plan.window.map(|w| w.to_string()).unwrap_or_default();
        lines.push(field(
            "change",
            cell(
                &format!("window {window}, silences {}", plan.silences.join(", ")),
                w,
            ),
            st,
        ));
    }
    if let Some(s) = &plan.schedule {
        lines.push(field("schedule", cell(s, w), st));
    }
    if !plan.tags.is_empty() {
        lines.push(field("tags", cell(&plan.tags.join(", "), w), st));
    }
    for prm in &plan.params {
        let mut t = prm.name.clone();
        if prm.required {
            t.push('*');
        }
        if let Some(d) = &prm.default {
            t.push_str(&format!(" = {}", if prm.secret { "••••" } else { d }));
        }
        if let Some(f) = &prm.from {
            t.push_str(&format!(" ← {f}"));
        }
        if prm.secret {
            t.push_str(" (secret)");
        }
        lines.push(field("param", cell(&t, w.saturating_sub(7)), st));
    }
    lines.push(Line::styled("steps", st.heading()));
    for (i, s) in plan.steps.iter().enumerate() {
        lines.push(step_line(i + 1, s, w, st));
    }
    if !plan.rollback.is_empty() {
        lines.push(Line::styled("rollback", st.heading()));
        for (i, s) in plan.rollback.iter().enumerate() {
            lines.push(step_line(i + 1, s, w, st));
        }
    }
    let runs = state.plans.runs_of(&plan.id);
    if !runs.is_empty() {
        lines.push(Line::styled("last runs", st.heading()));
        for r in runs.iter().take(3) {
            lines.push(Line::from(vec![
                Span::styled(format!(" {} ", clock(r.started)), st.dim()),
                Span::styled(r.state.label().to_string(), run_style(&r.state, st)),
                Span::styled(format!(" {}", cell(who(&r.operator), 16)), st.dim()),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn step_line<'a>(n: usize, s: &crate::domain::plan::Step, w: usize, st: &Styles) -> Line<'a> {
    let mut t = format!(" {n}. {}", inert(&s.name));
    let ty = s.step_type().as_str();
    let extra = if s.confirm { " (confirm)" } else { "" };
    t = truncate(&t, w.saturating_sub(ty.len() + extra.len() + 2)).into_owned();
    Line::from(vec![
        Span::styled(t, st.text()),
        Span::styled(format!("  {ty}{extra}"), st.dim()),
    ])
}

fn run_list(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let p = &state.plans;
    let rows = p.run_rows();
    let active = p.runs.active().count();
    let title = format!(
        " Runs: {active} active, {} done  (w: switch list, Enter: open) ",
        rows.len() - active
    );
    let b = block(title, p.pane == Pane::Runs, area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "No runs yet. Enter on a plan runs it (form, preview, confirm).",
                st.dim(),
            )),
            inner,
        );
        return;
    }
    let w = inner.width as usize;
    let (plan_w, op_w, state_w, start_w, el_w) = (22, 12, 14, 8, 8);
    let id_w = w.saturating_sub(plan_w + op_w + state_w + start_w + el_w + 6);
    let mut lines = vec![Line::styled(
        format!(
            "{} {} {} {} {} {}",
            pad("PLAN", plan_w),
            pad("OPERATOR", op_w),
            pad("STATE", state_w),
            pad("STARTED", start_w),
            pad("ELAPSED", el_w),
            pad("RUN", id_w)
        ),
        st.heading(),
    )];
    let h = inner.height.saturating_sub(1) as usize;
    let sel = p.runs_list.selected.min(rows.len() - 1);
    for i in window(rows.len(), sel, p.runs_list.offset, h) {
        let r = rows[i];
        let end = r.ended.unwrap_or(state.now);
        let selected = i == sel && p.pane == Pane::Runs;
        let base = if selected { st.selected() } else { st.text() };
        let state_style = if selected {
            st.on_selection(run_style(&r.state, st))
        } else {
            run_style(&r.state, st)
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{} {} ",
                    pad(&r.plan.id, plan_w),
                    pad(who(&r.operator), op_w)
                ),
                base,
            ),
            Span::styled(pad(r.state.label(), state_w), state_style),
            Span::styled(
                format!(
                    " {} {} {}",
                    pad(&clock(r.started), start_w),
                    pad(&elapsed(r.started, end), el_w),
                    pad(&r.id, id_w)
                ),
                base,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Steps then rollback steps, with their address.
fn all_steps(r: &RunView) -> Vec<(At, &crate::domain::plan::Step, &StepView)> {
    let mut v = Vec::new();
    for (i, (s, sv)) in r.plan.steps.iter().zip(&r.steps).enumerate() {
        v.push((
            At {
                section: Section::Steps,
                index: i,
            },
            s,
            sv,
        ));
    }
    for (i, (s, sv)) in r.plan.rollback.iter().zip(&r.rollback).enumerate() {
        v.push((
            At {
                section: Section::Rollback,
                index: i,
            },
            s,
            sv,
        ));
    }
    v
}

/// The execution view of one run.
fn execution(frame: &mut Frame, area: Rect, state: &State, id: &str, st: &Styles) {
    let Some(r) = state.plans.runs.get(id) else {
        let b = block(format!(" Run {id} "), true, area, st);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        frame.render_widget(
            Paragraph::new(Line::styled(
                "starting… (waiting for the journal)",
                st.dim(),
            )),
            inner,
        );
        return;
    };
    let end = r.ended.unwrap_or(state.now);
    let mut head = vec![
        Span::styled(format!(" {} ", cell(&r.plan.title, 40)), st.title()),
        Span::styled(
            format!(" {} ", r.state.label()),
            run_style(&r.state, st).add_modifier(Modifier::REVERSED),
        ),
        Span::styled(
            format!(
                "  by {}  started {}  {}",
                cell(who(&r.operator), 16),
                clock(r.started),
                elapsed(r.started, end)
            ),
            st.text(),
        ),
    ];
    if let Some(c) = &r.change {
        head.push(Span::styled(
            format!("  change {}", cell(c, 30)),
            st.warning(),
        ));
    }
    if r.rollback_only {
        head.push(Span::styled("  rollback only", st.warning()));
    }
    if let Some(by) = &r.rolled_back_by {
        head.push(Span::styled(
            format!("  rolled back by {}", cell(by, 30)),
            st.dim(),
        ));
    }
    let reason = match &r.state {
        RunState::Failed { reason } | RunState::Aborted { reason } => Some(reason.clone()),
        RunState::Interrupted => Some(if state.session.readonly {
            "interrupted: its console stopped mid-run".to_string()
        } else {
            "interrupted: its console stopped mid-run — R runs its rollback".to_string()
        }),
        _ => None,
    };
    let [top, reason_area, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(reason.is_some())),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(head)), top);
    if let Some(t) = reason {
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&format!(" {}", inert(&t)), area.width as usize).into_owned(),
                run_style(&r.state, st),
            )),
            reason_area,
        );
    }
    let steps = all_steps(r);
    let sel = state.plans.shown_step().min(steps.len().saturating_sub(1));
    let (list_area, out_area) = if body.width >= 100 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(body);
        (a, b)
    } else {
        let [a, b] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        (a, b)
    };
    let b = block(
        format!(
            " Run {}  (c confirm · s skip · r retry · A abort · a approve · Esc back) ",
            r.id
        ),
        true,
        list_area,
        st,
    );
    let inner = b.inner(list_area);
    frame.render_widget(b, list_area);
    let w = inner.width as usize;
    let (state_w, el_w, ty_w) = (20, 7, 8);
    let name_w = w.saturating_sub(state_w + el_w + ty_w + 6);
    let mut lines = Vec::new();
    let h = inner.height as usize;
    for i in window(steps.len(), sel, 0, h) {
        let (at, s, sv) = steps[i];
        let mark = if r.cursor == Some(at) { "▶" } else { " " };
        let prefix = if at.section == Section::Rollback {
            "↩ "
        } else {
            ""
        };
        let el = match sv.started {
            Some(t) => elapsed(t, sv.ended.unwrap_or(end)),
            None => String::new(),
        };
        let base = if i == sel { st.selected() } else { st.text() };
        let ss = if i == sel {
            st.on_selection(step_style(&sv.state, st))
        } else {
            step_style(&sv.state, st)
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{mark} {} {} ",
                    pad(&format!("{prefix}{}", s.name), name_w),
                    pad(s.step_type().as_str(), ty_w)
                ),
                base,
            ),
            Span::styled(pad(step_label(&sv.state), state_w), ss),
            Span::styled(format!(" {}", pad(&el, el_w)), base),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    let live = steps
        .get(sel)
        .filter(|(_, _, v)| matches!(v.state, StepState::Running { .. }))
        .and_then(|(at, _, _)| state.plans.live.get(&(r.id.clone(), *at)))
        .map(String::as_str);
    output(
        frame,
        out_area,
        state,
        steps.get(sel).map(|(_, s, v)| (*s, *v)),
        live,
        st,
    );
}

/// The selected step: what ran, who decided, its output (bounded, inert).
fn output(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    step: Option<(&crate::domain::plan::Step, &StepView)>,
    live: Option<&str>,
    st: &Styles,
) {
    let title = step.map_or(" Output ".to_string(), |(s, _)| {
        format!(" {} (J/K scroll) ", inert(&s.name))
    });
    let b = block(title, false, area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some((_, v)) = step else {
        return;
    };
    let mut lines = Vec::new();
    if !v.what.is_empty() {
        lines.push(Line::styled(inert(&v.what).into_owned(), st.accent()));
    }
    let mut facts = Vec::new();
    if v.attempt > 1 {
        facts.push(format!("attempt {}", v.attempt));
    }
    if let Some(e) = v.exit {
        facts.push(format!("exit {e}"));
    }
    if let Some(by) = &v.by {
        facts.push(format!("by {}", inert(by)));
    }
    if let Some(f) = &v.fault_id {
        facts.push(format!("fault {}", inert(f)));
    }
    if !facts.is_empty() {
        lines.push(Line::styled(facts.join(" · "), st.dim()));
    }
    if let Some(reason) = v.reason.as_ref().or(match &v.state {
        StepState::Failed { reason } | StepState::Skipped { reason } => Some(reason),
        _ => None,
    }) {
        lines.push(Line::styled(inert(reason).into_owned(), st.warning()));
    }
    // A running step shows what it has written so far.
    for l in live.unwrap_or(&v.output).lines() {
        lines.push(Line::styled(inert(l).into_owned(), st.text()));
    }
    if lines.is_empty() {
        lines.push(Line::styled("no output yet", st.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((state.plans.scroll, 0)),
        inner,
    );
}
