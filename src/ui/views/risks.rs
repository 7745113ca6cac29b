//! The Risks view: the coverage matrix of the failure-mode library —
//! per mode its RPN, whether something detects it (and fired in its last
//! drill), whether a plan answers it (and its last run succeeded), when it
//! was last drilled and how — worst first, gaps in the error colour, the
//! summary in the title; `Enter` opens a mode (conditions, symptoms,
//! impact, detect filters, plan, scenarios, tagged incidents). Outside text
//! is made inert.

use crate::app::State;
use crate::app::risks;
use crate::domain::drill::payloads::Verdict;
use crate::domain::risk::FailureMode;
use crate::domain::risk::coverage::{Coverage, Fired, PlanResult, summary};
use crate::ui::style::Styles;
use crate::ui::widgets::format::{age, stamp};
use crate::ui::widgets::text::{cell, highlight, truncate, width};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// From this width the detail opens beside the matrix, else over it.
const DETAIL_BESIDE_FROM: u16 = 110;

fn pad(s: &str, w: usize) -> String {
    let c = cell(s, w);
    let n = width(&c);
    format!("{c}{}", " ".repeat(w.saturating_sub(n)))
}

/// A column `w` wide and the space after it.
fn col(s: &str, w: usize) -> String {
    format!("{} ", pad(s, w))
}

fn block<'a>(title: String, area: Rect, st: &Styles) -> Block<'a> {
    Block::bordered()
        .border_style(st.border())
        .title(Line::styled(
            truncate(&title, area.width.saturating_sub(4) as usize).into_owned(),
            st.title(),
        ))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let rows = risks::rows(state);
    let open = state
        .risks
        .open
        .as_ref()
        .and_then(|id| risks::matrix(state).into_iter().find(|c| &c.id == id));
    match open {
        Some(c) if area.width >= DETAIL_BESIDE_FROM => {
            let lw = area.width / 2;
            matrix(frame, Rect { width: lw, ..area }, state, &rows, st);
            detail(
                frame,
                Rect {
                    x: area.x + lw,
                    width: area.width - lw,
                    ..area
                },
                state,
                &c,
                st,
            );
        }
        Some(c) => detail(frame, area, state, &c, st),
        None => matrix(frame, area, state, &rows, st),
    }
}

fn detect_cell(c: &Coverage, st: &Styles) -> (String, Style) {
    match (c.detect, c.fired) {
        (0, _) => ("✗ none".into(), st.error().add_modifier(Modifier::BOLD)),
        (_, Some(Fired::InTime)) => ("✓ fired".into(), st.ok()),
        (_, Some(Fired::Late)) => ("✓ late".into(), st.warning()),
        (_, Some(Fired::Missed)) => ("✗ missed".into(), st.error().add_modifier(Modifier::BOLD)),
        (n, None) => (
            format!("✓ {n} rule{}", if n == 1 { "" } else { "s" }),
            st.text(),
        ),
    }
}

fn plan_cell(c: &Coverage, st: &Styles) -> (String, Style) {
    match (&c.plan, c.plan_result) {
        (None, _) => ("✗ none".into(), st.error().add_modifier(Modifier::BOLD)),
        (Some((_, false)), _) => ("✗ missing".into(), st.error().add_modifier(Modifier::BOLD)),
        (Some(_), Some(PlanResult::Succeeded)) => ("✓ ok".into(), st.ok()),
        (Some(_), Some(PlanResult::Failed)) => {
            ("✗ failed".into(), st.error().add_modifier(Modifier::BOLD))
        }
        (Some(_), Some(PlanResult::Running)) => ("✓ running".into(), st.accent()),
        (Some(_), None) => ("✓ never run".into(), st.text()),
    }
}

fn verdict_style(v: Verdict, st: &Styles) -> Style {
    match v {
        Verdict::Passed => st.ok(),
        Verdict::Failed => st.error().add_modifier(Modifier::BOLD),
        Verdict::Aborted | Verdict::Interrupted => st.warning().add_modifier(Modifier::BOLD),
    }
}

fn drill_cell(c: &Coverage, state: &State, st: &Styles) -> (String, Style) {
    match &c.last {
        Some(l) => (
            format!("{} {} ago", l.verdict.as_str(), age(l.ended, state.now)),
            verdict_style(l.verdict, st),
        ),
        None if c.scenarios.is_empty() => {
            ("✗ no drill".into(), st.error().add_modifier(Modifier::BOLD))
        }
        None => ("never".into(), st.warning()),
    }
}

fn rpn_style(rpn: u32, st: &Styles) -> Style {
    match rpn {
        300.. => st.error().add_modifier(Modifier::BOLD),
        150..300 => st.warning(),
        _ => st.text(),
    }
}

fn title_of(state: &State, shown: usize) -> String {
    let s = summary(&risks::matrix(state));
    let mut t = format!(
        " Risks: {} modes · covered {} · detected {} · planned {} · drilled {} ",
        s.modes, s.covered, s.detected, s.planned, s.drilled
    );
    let r = &state.risks;
    if !r.list.filter.is_empty() {
        t.push_str(&format!(
            "· {shown} shown, filter: {} ",
            cell(&r.list.filter.source, 24)
        ));
    }
    if let Some(sort) = r.list.sort {
        t.push_str(&format!("· sort {} ", sort.label()));
    }
    if !r.catalog.errors.is_empty() {
        t.push_str(&format!("· ✗ {} file problems ", r.catalog.errors.len()));
    }
    t
}

fn matrix(frame: &mut Frame, area: Rect, state: &State, rows: &[Coverage], st: &Styles) {
    let r = &state.risks;
    let b = block(title_of(state, rows.len()), area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    if rows.is_empty() {
        let msg = match r.catalog.errors.first() {
            Some(e) => format!("✗ {}", cell(e, 400)),
            None if r.catalog.modes.is_empty() => {
                "No failure modes. Put failure-mode files in [risk] dirs (docs/RISK.md).".into()
            }
            None => "No failure mode matches the filter.".into(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, st.dim())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let w = inner.width as usize;
    // RPN, ID, DETECT, PLAN, DRILLED always; CATEGORY, APP and GAPS as
    // room allows. Every column but the last is followed by a space.
    let (rpn_w, det_w, plan_w, drill_w) = (4, 9, 11, 15);
    let fixed = rpn_w + det_w + plan_w + drill_w + 4;
    let longest = rows.iter().map(|c| width(&c.id)).max().unwrap_or(8).min(30);
    let cat_w = if w >= fixed + 1 + longest + 1 + 13 {
        12
    } else {
        0
    };
    let app_w = if w >= fixed + 1 + longest + 1 + 13 + 10 + 16 {
        9
    } else {
        0
    };
    let used = |x: usize| if x > 0 { x + 1 } else { 0 };
    let rest = w.saturating_sub(fixed + used(cat_w) + used(app_w));
    let id_w = if rest >= longest + 1 + 16 {
        longest
    } else {
        rest.saturating_sub(1)
    };
    let gaps_w = rest.saturating_sub(id_w + 1);
    let mut heading = format!("{}{}", col("RPN", rpn_w), col("ID", id_w));
    if app_w > 0 {
        heading.push_str(&col("APP", app_w));
    }
    if cat_w > 0 {
        heading.push_str(&col("CATEGORY", cat_w));
    }
    heading.push_str(&col("DETECT", det_w));
    heading.push_str(&col("PLAN", plan_w));
    heading.push_str(&col("DRILLED", drill_w));
    if gaps_w > 0 {
        heading.push_str("GAPS");
    }
    let mut lines = vec![Line::styled(cell(&heading, w), st.heading())];
    let h = inner.height.saturating_sub(1) as usize;
    let sel = r.list.selected.min(rows.len() - 1);
    let needle = r.list.search.as_deref();
    for i in window(rows.len(), sel, r.list.offset, h) {
        let c = &rows[i];
        let Some(m) = r.catalog.modes.get(c.index) else {
            continue;
        };
        let selected = i == sel;
        let on = |s: Style| if selected { st.on_selection(s) } else { s };
        let base = if selected { st.selected() } else { st.text() };
        let marked = r.list.is_marked(&c.id);
        let mut spans = vec![Span::styled(
            pad(&c.rpn.to_string(), rpn_w + 1),
            on(rpn_style(c.rpn, st)),
        )];
        let id = format!("{}{}", if marked { "*" } else { "" }, c.id);
        let idl = highlight(col(&id, id_w), needle, base, on(st.search_hit()));
        spans.extend(idl.spans);
        if app_w > 0 {
            spans.push(Span::styled(col(&m.application, app_w), base));
        }
        if cat_w > 0 {
            spans.push(Span::styled(col(m.category.as_str(), cat_w), base));
        }
        for (text, style, cw) in [
            {
                let (t, s) = detect_cell(c, st);
                (t, s, det_w)
            },
            {
                let (t, s) = plan_cell(c, st);
                (t, s, plan_w)
            },
            {
                let (t, s) = drill_cell(c, state, st);
                (t, s, drill_w)
            },
        ] {
            spans.push(Span::styled(col(&text, cw), on(style)));
        }
        if gaps_w > 0 {
            let gaps = gap_text(c);
            let style = if c.gaps.is_empty() {
                st.ok()
            } else {
                st.error()
            };
            spans.push(Span::styled(pad(&gaps, gaps_w), on(style)));
        }
        lines.push(Line::from(spans).style(base));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn gap_text(c: &Coverage) -> String {
    if c.gaps.is_empty() {
        return "covered".into();
    }
    c.gaps
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn section<'a>(lines: &mut Vec<Line<'a>>, name: &str, st: &Styles) {
    lines.push(Line::raw(""));
    lines.push(Line::styled(name.to_string(), st.heading()));
}

fn detail(frame: &mut Frame, area: Rect, state: &State, c: &Coverage, st: &Styles) {
    let Some(m) = state.risks.catalog.modes.get(c.index) else {
        return;
    };
    let b = block(format!(" {} ", cell(&m.id, 60)), area, st);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let lines = detail_lines(state, m, c, st);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((state.risks.scroll, 0)),
        inner,
    );
}

fn detail_lines<'a>(state: &State, m: &FailureMode, c: &Coverage, st: &Styles) -> Vec<Line<'a>> {
    let mut l = vec![
        Line::styled(
            cell(m.display_title(), 200),
            st.text().add_modifier(Modifier::BOLD),
        ),
        Line::styled(
            cell(
                &format!(
                    "{} · {} · {}",
                    m.application,
                    m.component,
                    m.category.as_str()
                ),
                200,
            ),
            st.dim(),
        ),
        Line::from(vec![
            Span::styled(format!("RPN {} ", c.rpn), rpn_style(c.rpn, st)),
            Span::styled(
                format!(
                    "= severity {} × occurrence {} × detection {}",
                    m.severity,
                    m.observed_occurrence(c.tagged),
                    m.detection
                ),
                st.text(),
            ),
        ]),
    ];
    if c.tagged > 0 {
        l.push(Line::styled(
            format!(
                "occurrence {} as written, +{} from tagged incidents (RPN {} as written)",
                m.occurrence,
                c.tagged,
                m.rpn()
            ),
            st.dim(),
        ));
    }
    let gaps = if c.gaps.is_empty() {
        Line::styled("covered: detected, planned, drilled", st.ok())
    } else {
        Line::styled(
            format!("gaps: {}", gap_text(c)),
            st.error().add_modifier(Modifier::BOLD),
        )
    };
    l.push(gaps);
    section(&mut l, "Detected by", st);
    if m.detect.is_empty() {
        l.push(Line::styled("✗ no alarm rule detects it", st.error()));
    }
    for d in &m.detect {
        l.push(Line::styled(format!("/ {}", cell(d, 200)), st.text()));
    }
    if let Some(f) = c.fired {
        let (text, style) = match f {
            Fired::InTime => ("fired in time in the last drill", st.ok()),
            Fired::Late => ("fired late in the last drill", st.warning()),
            Fired::Missed => ("did NOT fire in the last drill", st.error()),
        };
        l.push(Line::styled(text, style));
    }
    section(&mut l, "Contingency plan", st);
    let may = !state.session.readonly && state.session.may_inject();
    match &c.plan {
        None => l.push(Line::styled("✗ none", st.error())),
        Some((id, loaded)) => {
            let title = state
                .plans
                .plan(id)
                .map(|p| p.title.clone())
                .unwrap_or_default();
            let (last, style) = plan_cell(c, st);
            let mut line = format!("{} {} · {}", cell(id, 60), cell(&title, 80), last);
            if !loaded {
                line = format!("{} (not loaded)", cell(id, 60));
            } else if may {
                line.push_str(" · p runs it");
            }
            l.push(Line::styled(line, style));
        }
    }
    section(&mut l, "Drills", st);
    if c.scenarios.is_empty() {
        l.push(Line::styled("✗ no scenario exercises it", st.error()));
    }
    for (i, s) in c.scenarios.iter().enumerate() {
        let last = state.drills.journal.last.get(s);
        let (text, style) = match last {
            Some((v, at)) => (
                format!(
                    "{} {} ({} ago, {})",
                    cell(s, 60),
                    v.as_str(),
                    age(*at, state.now),
                    stamp(*at)
                ),
                verdict_style(*v, st),
            ),
            None => (format!("{} never run", cell(s, 60)), st.warning()),
        };
        let key = if i == 0 && may { " · d starts it" } else { "" };
        l.push(Line::styled(format!("{text}{key}"), style));
    }
    section(&mut l, &format!("Tagged incidents ({})", c.tagged), st);
    let tags = state.risks.tags.of(&m.id);
    if tags.is_empty() {
        l.push(Line::styled("none yet (F on an alarm tags it)", st.dim()));
    }
    for t in tags.iter().rev() {
        l.push(Line::styled(
            format!(
                "{} {} {} · by {}",
                stamp(t.at),
                cell(&t.alarm, 40),
                cell(&t.service, 30),
                cell(&t.by, 40)
            ),
            st.text(),
        ));
    }
    section(&mut l, "Conditions", st);
    for x in &m.conditions {
        l.push(Line::styled(format!("• {}", cell(x, 400)), st.text()));
    }
    section(&mut l, "Symptoms", st);
    for x in &m.symptoms {
        l.push(Line::styled(format!("• {}", cell(x, 400)), st.text()));
    }
    section(&mut l, "Impact", st);
    l.push(Line::styled(cell(&m.impact, 400), st.text()));
    l
}
