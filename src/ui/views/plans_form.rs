//! The plans room's popups: the parameter form (one line per parameter,
//! its description, what is wrong with the value as typed; secrets drawn
//! as dots) and the dry-run preview (exactly what every step would run,
//! secrets masked) before the run starts.

use crate::app::State;
use crate::app::plans::Popup;
use crate::app::plans::form::{ParamForm, Preview};
use crate::domain::plan::run::Section;
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::{cell, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, popup: &Popup, _state: &State, st: &Styles) {
    match popup {
        Popup::Form(f) => form(frame, area, f, st),
        Popup::Preview(p) => preview(frame, area, p, st),
    }
}

fn form(frame: &mut Frame, area: Rect, f: &ParamForm, st: &Styles) {
    let h = (f.plan.params.len() as u16 * 2 + 6).min(area.height);
    let r = centered(area, 76, h);
    frame.render_widget(Clear, r);
    let b = Block::bordered()
        .border_style(st.accent())
        .title(Line::styled(
            truncate(
                &format!(" Run {} ", inert(&f.plan.title)),
                r.width.saturating_sub(4) as usize,
            )
            .into_owned(),
            st.title(),
        ));
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let w = inner.width as usize;
    let label_w = f
        .plan
        .params
        .iter()
        .map(|p| p.name.len() + 1)
        .max()
        .unwrap_or(4)
        .min(20);
    let mut lines = Vec::new();
    for (i, p) in f.plan.params.iter().enumerate() {
        let focused = f.form.focus == i;
        let v = f.value(i);
        let shown = if p.secret {
            "•".repeat(v.chars().count())
        } else {
            inert(v).into_owned()
        };
        let mut name = p.name.clone();
        if p.required {
            name.push('*');
        }
        let label_style = if focused { st.accent() } else { st.dim() };
        let cursor = if focused { "▏" } else { "" };
        let err = f.errors.get(i).cloned().flatten();
        lines.push(Line::from(vec![
            Span::styled(format!("{:label_w$} ", cell(&name, label_w)), label_style),
            Span::styled(
                truncate(&format!("{shown}{cursor}"), w.saturating_sub(label_w + 1)).into_owned(),
                if focused {
                    st.text().add_modifier(Modifier::UNDERLINED)
                } else {
                    st.text()
                },
            ),
        ]));
        let note = match &err {
            Some(e) => Span::styled(cell(&format!("  ✗ {e}"), w), st.error()),
            None => {
                let mut d = p.description.clone();
                if !p.allowed.is_empty() {
                    d.push_str(&format!(" (one of {})", p.allowed.join(", ")));
                }
                if let Some(pat) = &p.pattern {
                    d.push_str(&format!(" (matches {pat})"));
                }
                Span::styled(cell(&format!("  {d}"), w), st.dim())
            }
        };
        lines.push(Line::from(note));
    }
    lines.push(Line::raw(""));
    if let Some(e) = &f.form.error {
        lines.push(Line::styled(cell(&format!("✗ {e}"), w), st.error()));
    }
    lines.push(Line::styled(
        "Tab next field · Enter (last field) or Ctrl-S: preview · Esc cancel",
        st.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn preview(frame: &mut Frame, area: Rect, p: &Preview, st: &Styles) {
    let h = (p.lines.len() as u16 + 8).min(area.height);
    let r = centered(area, 100, h);
    frame.render_widget(Clear, r);
    let b = Block::bordered()
        .border_style(st.warning())
        .title(Line::styled(
            truncate(
                &format!(" Dry run: {} ", inert(&p.run.plan.title)),
                r.width.saturating_sub(4) as usize,
            )
            .into_owned(),
            st.title(),
        ));
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    let params: Vec<String> = p
        .run
        .ctx
        .params
        .iter()
        .map(|(k, v)| {
            if p.run.secrets().contains(k) {
                format!("{k}=••••")
            } else {
                format!("{k}={}", inert(v))
            }
        })
        .collect();
    lines.push(Line::styled(
        cell(
            &format!("run {}  params: {}", p.run.id, params.join(" ")),
            w,
        ),
        st.dim(),
    ));
    let mut section = Section::Steps;
    for (sec, name, ty, what) in &p.lines {
        if *sec != section {
            section = *sec;
            lines.push(Line::styled(
                "rollback (on failure or abort):",
                st.heading(),
            ));
        }
        let (text, style) = match what {
            Ok(t) => (inert(t).into_owned(), st.text()),
            Err(e) => (format!("✗ {}", inert(e)), st.error()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:20} ", cell(name, 20)), st.accent()),
            Span::styled(format!("{:9}", ty.as_str()), st.dim()),
            Span::styled(text, style),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Enter / y: start the run · Esc / n: cancel · j/k scroll",
        st.warning().add_modifier(Modifier::BOLD),
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((p.scroll, 0)),
        inner,
    );
}
