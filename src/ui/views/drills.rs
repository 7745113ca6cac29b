//! The Drills view: the scenarios with their last result beside (or
//! above) the drill pane — the running drill on every console on the
//! journal, else the latest one: phase bar, expected vs observed alarms
//! with their deadlines counting down, MTTD / MTTA / MTTR clocks against
//! the targets, the drill's faults with their time left, guards, the plan
//! run's progress and the progress log. Outside text is made inert.

use crate::app::drills::Row;
use crate::app::{State, layout};
use crate::domain::drill::drills::DrillView;
use crate::domain::drill::payloads::{Measure, Phase, Verdict};
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::views::plans::elapsed;
use crate::ui::widgets::format::{age, clock};
use crate::ui::widgets::text::{cell, truncate, width};
use crate::ui::widgets::window::window;
use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

fn pad(s: &str, w: usize) -> String {
    let c = cell(s, w);
    let n = width(&c);
    format!("{c}{}", " ".repeat(w.saturating_sub(n)))
}

fn rect(a: layout::Area) -> Rect {
    Rect::new(a.x, a.y, a.width, a.height)
}

fn block<'a>(title: String, area: Rect, st: &Styles) -> Block<'a> {
    Block::bordered()
        .border_style(st.border())
        .title(Line::styled(
            truncate(&title, area.width.saturating_sub(4) as usize).into_owned(),
            st.title(),
        ))
}

fn verdict_style(v: Option<Verdict>, st: &Styles) -> Style {
    match v {
        Some(Verdict::Passed) => st.ok(),
        Some(Verdict::Failed) => st.error().add_modifier(Modifier::BOLD),
        Some(Verdict::Aborted) | Some(Verdict::Interrupted) => {
            st.warning().add_modifier(Modifier::BOLD)
        }
        None => st.accent(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let a = layout::drills_in(
        layout::Area {
            x: area.x,
            y: area.y,
            width: area.width,
            height: area.height,
        },
        state.drills.rows(),
    );
    scenario_list(frame, rect(a.list), state, st);
    drill_pane(frame, rect(a.drill), state, st);
}

fn scenario_list(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let d = &state.drills;
    let rows = d.visible();
    let experiments = rows
        .iter()
        .filter(|r| matches!(r, Row::Experiment(_)))
        .count();
    let mut title = format!(" Scenarios: {} ", rows.len() - experiments);
    if experiments > 0 {
        title.push_str(&format!("Experiments: {experiments} "));
    }
    if !d.list.filter.is_empty() {
        title.push_str(&format!("filter: {} ", cell(&d.list.filter.source, 20)));
    }
    if !d.catalog.errors.is_empty() {
        title.push_str(&format!("✗ {} file problems ", d.catalog.errors.len()));
    }
    let b = block(title, area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    if rows.is_empty() {
        let msg = match d.catalog.errors.first() {
            Some(e) => format!("✗ {}", inert(e)),
            None if d.catalog.scenarios.is_empty() && d.catalog.experiments.is_empty() => {
                "No drill scenarios. Put scenario files in [drills] dirs.".into()
            }
            None => "No scenario matches the filter.".into(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let w = inner.width as usize;
    let last_w = 10;
    let longest = rows.iter().map(|r| width(r.id())).max().unwrap_or(8);
    let id_w = longest.min(w.saturating_sub(last_w + 2) * 3 / 5).max(8);
    let title_w = w.saturating_sub(id_w + last_w + 2);
    let mut lines = vec![Line::styled(
        format!(
            "{}{}{}",
            pad("ID", id_w + 1),
            pad("LAST", last_w + 1),
            "TITLE"
        ),
        st.heading(),
    )];
    let h = inner.height.saturating_sub(1) as usize;
    let sel = d.list.selected.min(rows.len() - 1);
    for i in window(rows.len(), sel, d.list.offset, h) {
        let s = rows[i];
        let (last, lstyle) = match d.journal.last.get(s.id()) {
            Some((v, at)) => (
                format!("{} {}", v.as_str(), age(*at, state.now)),
                verdict_style(Some(*v), st),
            ),
            None => ("never".into(), st.dim()),
        };
        let running = d.journal.running().any(|r| r.scenario == s.id());
        let (last, lstyle) = if running {
            ("RUNNING".into(), st.accent().add_modifier(Modifier::BOLD))
        } else {
            (last, lstyle)
        };
        let base = if i == sel { st.selected() } else { st.text() };
        let lstyle = if i == sel {
            st.on_selection(lstyle)
        } else {
            lstyle
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", pad(s.id(), id_w)), base),
            Span::styled(format!("{} ", pad(&last, last_w)), lstyle),
            Span::styled(pad(&row_title(&s), title_w), base),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A scenario's clocks, expectations and faults.
fn scenario_lines<'a>(
    lines: &mut Vec<Line<'a>>,
    v: &DrillView,
    state: &State,
    w: usize,
    st: &Styles,
) {
    let now = state.now;
    // Clocks.
    let open = v.verdict.is_none();
    let since = v.first_inject.filter(|_| open);
    let mut clocks = clock_span(
        "MTTD",
        v.mttd.or(first_detect(v)),
        None,
        since.filter(|_| first_detect(v).is_none()),
        now,
        st,
    );
    clocks.extend(clock_span(
        "MTTA",
        v.mtta.or(measure(v, Measure::Acked)),
        v.ack_within,
        since.filter(|_| measure(v, Measure::Acked).is_none()),
        now,
        st,
    ));
    clocks.extend(clock_span(
        "MTTR",
        v.mttr.or(measure(v, Measure::Recovered)),
        v.recovery_within,
        since.filter(|_| measure(v, Measure::Recovered).is_none()),
        now,
        st,
    ));
    lines.push(Line::from(clocks));
    if !open {
        // Over: the review says what was expected against what happened.
        review_checks(lines, v, w, st);
        return;
    }
    // Expectations.
    lines.push(Line::styled("Expected alarms", st.heading()));
    if v.expect.is_empty() {
        lines.push(Line::styled("  none", st.dim()));
    }
    for e in &v.expect {
        let name = if e.name.is_empty() {
            &e.filter
        } else {
            &e.name
        };
        let (mark, text, style) = match v.expectation(name) {
            Some(m) if m.ok => ("✓", format!("detected +{}s", m.secs.unwrap_or(0)), st.ok()),
            Some(m) if m.what == Measure::Missed => ("✗", "MISSED".to_string(), st.error()),
            Some(m) => ("✗", format!("late +{}s", m.secs.unwrap_or(0)), st.error()),
            None => match v.first_inject {
                Some(t) if open => {
                    let left = (t + Duration::seconds(e.within as i64) - now).num_seconds();
                    ("…", format!("T-{}s", left.max(0)), st.accent())
                }
                _ => ("·", "not measured".into(), st.dim()),
            },
        };
        let head = format!("  {mark} {} ", pad(name, (w / 3).clamp(10, 32)));
        let tail = format!(
            "{}  within {}s  {}",
            pad(&text, 14),
            e.within,
            inert(&e.filter)
        );
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::styled(
                truncate(&tail, w.saturating_sub(36)).into_owned(),
                st.text(),
            ),
        ]));
    }
    // Faults.
    lines.push(Line::styled("Faults", st.heading()));
    if v.faults.is_empty() {
        lines.push(Line::styled("  none injected yet", st.dim()));
    }
    for id in &v.faults {
        let line = match state.faults.ledger.get(id) {
            Some(f) => {
                let left = if f.is_live() {
                    format!("{}s left", f.left_secs(now).max(0))
                } else {
                    String::new()
                };
                format!(
                    "  {} {} {} {}",
                    id,
                    pad(f.state.as_str(), 10),
                    pad(&inert(&f.spec.label()), 32),
                    left
                )
            }
            None => format!("  {id}"),
        };
        let style = match state.faults.ledger.get(id) {
            Some(f) if f.is_live() => st.warning(),
            Some(_) => st.ok(),
            None => st.dim(),
        };
        lines.push(Line::styled(truncate(&line, w).into_owned(), style));
    }
}

/// Expected against observed, one line each, and how long each phase took.
fn review_checks<'a>(lines: &mut Vec<Line<'a>>, v: &DrillView, w: usize, st: &Styles) {
    lines.push(Line::styled("Review: expected · observed", st.heading()));
    let checks = crate::domain::drill::review::checks(v);
    if checks.is_empty() {
        lines.push(Line::styled("  nothing was expected", st.dim()));
    }
    let ew = (w * 11 / 20).clamp(16, 56);
    for c in checks {
        let (mark, style) = match c.ok {
            Some(true) => ("✓", st.ok()),
            Some(false) => ("✗", st.error()),
            None => ("·", st.dim()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} "), style),
            Span::styled(format!("{} ", pad(&inert(&c.expected), ew)), st.text()),
            Span::styled(
                truncate(&inert(&c.observed), w.saturating_sub(ew + 5)).into_owned(),
                style,
            ),
        ]));
    }
    let spans = crate::domain::drill::review::phase_spans(v, v.ended.unwrap_or(v.started));
    if !spans.is_empty() {
        let strip: Vec<String> = spans
            .iter()
            .map(|(p, _, secs)| format!("{} {secs}s", short_phase(*p)))
            .collect();
        lines.push(Line::from(vec![
            Span::styled("  phases ", st.dim()),
            Span::styled(
                truncate(&strip.join(" │ "), w.saturating_sub(9)).into_owned(),
                st.text(),
            ),
        ]));
    }
}

fn short_phase(p: Phase) -> &'static str {
    match p {
        Phase::Preflight => "pre",
        Phase::SteadyBefore => "ss-before",
        Phase::Inject => "inject",
        Phase::Observe => "observe",
        Phase::Respond => "respond",
        Phase::Recover => "recover",
        Phase::SteadyAfter => "ss-after",
        Phase::Review => "review",
    }
}

/// What the team recorded about a drill that ended: its acceptance, its
/// findings and its improvement items, with the keys that add them.
fn review_record<'a>(
    lines: &mut Vec<Line<'a>>,
    v: &DrillView,
    state: &State,
    w: usize,
    st: &Styles,
) {
    let accepted = match &v.accepted {
        Some((at, a)) => {
            let comment = if a.comment.is_empty() {
                String::new()
            } else {
                format!(": {}", inert(&a.comment))
            };
            Line::styled(
                truncate(
                    &format!(
                        "ACCEPTED by {} at {}{comment}",
                        inert(crate::ui::widgets::text::who(&a.by)),
                        at.format("%Y-%m-%d %H:%M")
                    ),
                    w,
                )
                .into_owned(),
                st.ok().add_modifier(Modifier::BOLD),
            )
        }
        None => Line::styled(
            "Not accepted yet (a accepts · n finding · i improvement item)",
            st.warning(),
        ),
    };
    lines.push(accepted);
    if !v.findings.is_empty() {
        lines.push(Line::styled(
            format!("Findings ({})", v.findings.len()),
            st.heading(),
        ));
        for (_, f) in v.findings.iter().rev().take(3) {
            let text = format!(
                "  {}: {}",
                inert(crate::ui::widgets::text::who(&f.by)),
                inert(&f.text)
            );
            lines.push(Line::styled(truncate(&text, w).into_owned(), st.text()));
        }
    }
    if !v.items.is_empty() {
        let today = state.now.date_naive();
        lines.push(Line::styled(
            format!("Improvements ({}; 9 lists them all)", v.items.len()),
            st.heading(),
        ));
        for id in v.items.iter().rev().take(3) {
            let Some(item) = state.drills.journal.items.get(id) else {
                continue;
            };
            let i = &item.now;
            let due = i.due.map(|d| format!(" due {d}")).unwrap_or_default();
            let text = format!(
                "  {} {}{due} {}: {}",
                i.item,
                i.status.as_str(),
                inert(crate::ui::widgets::text::who(&i.owner)),
                inert(&i.title)
            );
            let style = if i.overdue(today) {
                st.error()
            } else {
                st.text()
            };
            lines.push(Line::styled(truncate(&text, w).into_owned(), style));
        }
    }
}

/// A Chaos Toolkit experiment has none of a scenario's clocks: what it is
/// and how its run ends; its probes and activities are the progress log.
fn experiment_lines<'a>(lines: &mut Vec<Line<'a>>, v: &DrillView, w: usize, st: &Styles) {
    for text in [
        format!("Chaos Toolkit experiment {}", inert(&v.scenario)),
        "probes and activities run as `chaos run` runs them".to_string(),
        "A stops it; its rollbacks still run".to_string(),
    ] {
        lines.push(Line::styled(truncate(&text, w).into_owned(), st.dim()));
    }
}

/// A row's title; an experiment says it is one (it runs as Chaos Toolkit
/// would, not as a scenario).
fn row_title(r: &Row<'_>) -> String {
    match r {
        Row::Scenario(s) => s.title.clone(),
        Row::Experiment(e) => format!("[chaostoolkit] {}", e.title),
    }
}

/// `PASSED`, `RUNNING observe 0:42`, `HELD before inject by ana`.
fn status(d: &DrillView, now: DateTime<Utc>) -> String {
    match (d.verdict, &d.held) {
        (Some(v), _) => format!(
            "{} after {}",
            v.as_str().to_uppercase(),
            elapsed(d.started, d.ended.unwrap_or(now))
        ),
        (None, Some((p, _))) => format!("HELD before {}", p.as_str()),
        (None, None) => format!("RUNNING {} {}", d.phase.as_str(), elapsed(d.started, now)),
    }
}

fn phase_bar<'a>(d: &DrillView, w: usize, st: &Styles) -> Line<'a> {
    let short = w < 100;
    let mut spans = Vec::new();
    for p in Phase::ALL {
        let name = if short { short_phase(p) } else { p.as_str() };
        let done = p < d.phase || d.verdict.is_some();
        let current = p == d.phase && d.verdict.is_none();
        let (mark, style) = if current {
            (
                "▶",
                st.accent()
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            )
        } else if done {
            ("✓", st.ok())
        } else {
            ("·", st.dim())
        };
        spans.push(Span::styled(format!("{mark}{name}"), style));
        if p != Phase::Review {
            spans.push(Span::styled(" ", st.dim()));
        }
    }
    Line::from(spans)
}

/// A clock against its target: `12s / 30s ✓`, counting while open.
fn clock_span<'a>(
    label: &str,
    measured: Option<u64>,
    target: Option<u64>,
    running_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    st: &Styles,
) -> Vec<Span<'a>> {
    let (text, style) = match (measured, running_since) {
        (Some(s), _) => {
            let ok = target.is_none_or(|t| s <= t);
            (
                format!("{s}s{}", if ok { " ✓" } else { " ✗" }),
                if ok { st.ok() } else { st.error() },
            )
        }
        (None, Some(since)) => {
            let s = (now - since).num_seconds().max(0) as u64;
            let late = target.is_some_and(|t| s > t);
            (
                format!("{s}s…"),
                if late { st.error() } else { st.accent() },
            )
        }
        (None, None) => ("-".into(), st.dim()),
    };
    let target = target.map(|t| format!(" / {t}s")).unwrap_or_default();
    vec![
        Span::styled(format!("{label} "), st.dim()),
        Span::styled(text, style),
        Span::styled(format!("{target}   "), st.dim()),
    ]
}

fn drill_pane(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let d = &state.drills;
    let Some(v) = d.shown() else {
        let b = block(" Drill ".into(), area, st);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let lines = vec![
            Line::styled("No drill on this journal yet.", st.dim()),
            Line::styled(
                "Enter starts the selected scenario: preflight, steady state, inject, observe,",
                st.dim(),
            ),
            Line::styled(
                "respond, recover, steady state again, review. A aborts (every fault recovered).",
                st.dim(),
            ),
            Line::styled(
                "[chaostoolkit] rows are Chaos Toolkit experiments, run as they are.",
                st.dim(),
            ),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    };
    let now = state.now;
    let here = d.driving.as_ref().is_some_and(|r| r.id == v.id)
        || d.experiment.as_deref() == Some(v.id.as_str());
    let title = format!(
        " Drill {} · {} · {}{} ",
        v.id,
        inert(&v.title),
        status(v, now),
        if here { " · commanded here" } else { "" }
    );
    let b = Block::bordered()
        .border_style(if v.is_running() {
            st.accent()
        } else {
            st.border()
        })
        .title(Line::styled(
            truncate(&title, area.width.saturating_sub(4) as usize).into_owned(),
            verdict_style(v.verdict, st),
        ));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    lines.push(phase_bar(v, w, st));
    // Who holds the drill, in the body: the title may be cut on a narrow pane.
    if let (None, Some((p, by))) = (v.verdict, &v.held) {
        lines.push(Line::styled(
            truncate(
                &format!(
                    "HELD before {} by {}: Space on any operator console goes on",
                    p.as_str(),
                    inert(crate::ui::widgets::text::who(by))
                ),
                w,
            )
            .into_owned(),
            st.warning().add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::from(vec![
        Span::styled("commander ", st.dim()),
        Span::styled(
            cell(crate::ui::widgets::text::who(&v.commander), 24),
            st.text(),
        ),
        Span::styled(format!("  started {}", clock(v.started)), st.dim()),
        Span::styled(
            if v.headless { "  (headless)" } else { "" }.to_string(),
            st.dim(),
        ),
    ]));
    if v.chaostoolkit {
        experiment_lines(&mut lines, v, w, st);
    } else {
        scenario_lines(&mut lines, v, state, w, st);
    }
    // Guards and the plan run.
    if let Some(g) = v
        .measurements
        .iter()
        .find(|(_, m)| m.what == Measure::Guard)
    {
        lines.push(Line::styled(
            truncate(
                &format!("Guard {} fired: {}", inert(&g.1.name), inert(&g.1.detail)),
                w,
            )
            .into_owned(),
            st.error().add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(run) = &v.plan_run {
        let text = match state.plans.runs.get(run) {
            Some(r) => {
                let done = r
                    .steps
                    .iter()
                    .filter(|s| {
                        matches!(
                            s.state,
                            crate::domain::plan::StepState::Ok
                                | crate::domain::plan::StepState::Skipped { .. }
                        )
                    })
                    .count();
                format!(
                    "Plan {} run {}: {} ({done}/{} steps)",
                    inert(&r.plan.id),
                    run,
                    r.state.label(),
                    r.steps.len()
                )
            }
            None => format!("Plan run {run}"),
        };
        lines.push(Line::styled(truncate(&text, w).into_owned(), st.text()));
    }
    if !v.reason.is_empty() {
        lines.push(Line::styled(
            truncate(&inert(&v.reason), w).into_owned(),
            verdict_style(v.verdict, st),
        ));
    }
    if v.verdict.is_some() {
        review_record(&mut lines, v, state, w, st);
    }
    // The progress log fills the rest, newest at the bottom.
    let used = lines.len() as u16 + 1;
    let room = inner.height.saturating_sub(used) as usize;
    if room > 0 {
        lines.push(Line::styled("Progress", st.heading()));
        let skip = (d.scroll as usize).min(v.log.len());
        let end = v.log.len() - skip;
        let start = end.saturating_sub(room);
        for (at, text) in &v.log[start..end] {
            lines.push(Line::from(vec![
                Span::styled(format!("  {} ", clock(*at)), st.dim()),
                Span::styled(
                    truncate(&inert(text), w.saturating_sub(12)).into_owned(),
                    st.text(),
                ),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn measure(v: &DrillView, what: Measure) -> Option<u64> {
    v.measurements
        .iter()
        .find(|(_, m)| m.what == what && m.ok)
        .and_then(|(_, m)| m.secs)
}

fn first_detect(v: &DrillView) -> Option<u64> {
    v.measurements
        .iter()
        .filter(|(_, m)| m.what == Measure::Detected)
        .filter_map(|(_, m)| m.secs)
        .min()
}
