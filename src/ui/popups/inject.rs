//! The faults room's popups: the inject form (provider ←→, then one line
//! per field, the provider's usage underneath), the typed confirmation and
//! the panic and dismiss questions.

use super::confirm::yes_no;
use crate::app::State;
use crate::app::faults::{FIELD_NAMES, InjectForm, Popup, providers, usage};
use crate::domain::fault::{FaultSpec, describe};
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::{cell, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// The popup for `Mode::Faults`.
pub fn render(frame: &mut Frame, area: Rect, popup: &Popup, state: &State, st: &Styles) {
    match popup {
        Popup::Form(form) => form_popup(frame, area, form, None, st),
        Popup::Checking { form, .. } => form_popup(
            frame,
            area,
            form,
            Some("checking the target with the provider… (Esc back)"),
            st,
        ),
        Popup::Confirm { spec, typed, .. } => {
            confirm_popup(frame, area, spec, typed.line(0), typed.error.as_deref(), st)
        }
        Popup::Panic => {
            let n = state.faults.ledger.counts().live;
            let d = &state.drills;
            let also = match (&d.driving, &d.experiment) {
                (Some(r), _) => format!(" Drill {} aborts.", r.id),
                (None, Some(x)) => format!(" Experiment {x} stops (its rollbacks run)."),
                (None, None) => String::new(),
            };
            yes_no(
                frame,
                area,
                " PANIC ",
                &format!("Recover ALL {n} live fault(s), whoever started them?{also}"),
                "y / Enter: yes, recover everything · any other key: no",
                st.error(),
                st,
            );
        }
        Popup::Dismiss(id) => yes_no(
            frame,
            area,
            " Dismiss ",
            &format!(
                "Dismiss fault {}? cocpit stops recovering it: only if you undid it by hand.",
                cell(id, 16)
            ),
            "y: dismiss · any other key: no",
            st.warning(),
            st,
        ),
    }
}

fn form_popup(frame: &mut Frame, area: Rect, form: &InjectForm, note: Option<&str>, st: &Styles) {
    let r = centered(area, area.width.saturating_sub(4).min(90), 13);
    let block = Block::bordered()
        .border_style(st.accent())
        .style(st.base())
        .title(Line::styled(" Inject a fault ", st.title()))
        .title_bottom(Line::styled(
            " Tab/↑↓ move · ←→ provider · Enter next/submit · Esc cancel ",
            st.dim(),
        ));
    let inner = block.inner(r);
    frame.render_widget(Clear, r);
    frame.render_widget(block, r);
    let focus = |i: usize| {
        if form.form.focus == i {
            st.selected()
        } else {
            st.text()
        }
    };
    let mut lines = Vec::new();
    let n = providers().len();
    let (chosen, provider) = form.provider_choice();
    lines.push(Line::from(vec![
        Span::styled(format!("{:>9} ", "provider"), focus(0)),
        Span::styled("◀ ", st.dim()),
        Span::styled(format!(" {provider} "), st.tab_active()),
        Span::styled(" ▶", st.dim()),
        Span::styled(
            format!("  ({}/{n}, ←→ when selected)", chosen % n.max(1) + 1),
            st.dim(),
        ),
    ]));
    lines.push(Line::styled(
        truncate(usage(provider), inner.width as usize).into_owned(),
        st.dim(),
    ));
    for (i, name) in FIELD_NAMES.iter().enumerate() {
        let text = form.field(i);
        let cursor = if form.form.focus == i + 1 { "▏" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:>9} "), focus(i + 1)),
            Span::raw(inert(text).into_owned()),
            Span::styled(cursor, st.accent()),
        ]));
    }
    lines.push(Line::raw(""));
    match (&form.form.error, note) {
        (_, Some(n)) => lines.push(Line::styled(n.to_string(), st.warning())),
        (Some(e), None) => lines.push(Line::styled(inert(e).into_owned(), st.error())),
        (None, None) => lines.push(Line::styled(
            "guard: alarm filter (severity=critical) · probe: http:// URL; either recovers the fault when it fires/fails",
            st.dim(),
        )),
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn confirm_popup(
    frame: &mut Frame,
    area: Rect,
    spec: &FaultSpec,
    typed: &str,
    error: Option<&str>,
    st: &Styles,
) {
    // Every parameter, so what is confirmed is exactly what is injected.
    let params = describe(spec);
    let r = centered(
        area,
        area.width.saturating_sub(4).min(76),
        params.len() as u16 + 6,
    );
    let block = Block::bordered()
        .border_style(st.warning())
        .style(st.base())
        .title(Line::styled(
            " Confirm injection ",
            st.warning().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    frame.render_widget(Clear, r);
    frame.render_widget(block, r);
    let name = inert(spec.target_name()).into_owned();
    let matches = typed == spec.target_name();
    let mut lines: Vec<Line> = params
        .into_iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:>9} "), st.dim()),
                Span::styled(inert(&v).into_owned(), st.text()),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::raw("Type "),
        Span::styled(name, st.title()),
        Span::raw(" to inject:"),
    ]));
    lines.push(Line::from(vec![
        Span::styled(
            format!("> {}", inert(typed)),
            if matches { st.ok() } else { st.text() },
        ),
        Span::styled("▏", st.accent()),
    ]));
    lines.push(match error {
        Some(e) => Line::styled(inert(e).into_owned(), st.error()),
        None => Line::styled(
            "Enter injects once the name matches · Esc back to the form",
            st.dim(),
        ),
    });
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
