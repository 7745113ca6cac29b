//! The drills room's review form (`Mode::Drills`): a finding, an
//! improvement item or an acceptance for one drill — one line per field,
//! the focused one underlined, choices between arrows, the reason a
//! submit was refused underneath.

use crate::app::drills::review::{Record, What};
use crate::app::form::Input;
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::{cell, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, rec: &Record, st: &Styles) {
    let head = match rec.what {
        What::Finding => "Finding",
        What::Improvement(None) => "Improvement item",
        What::Improvement(Some(_)) => "Edit improvement item",
        What::Accept => "Accept the drill",
    };
    let h = (rec.form.fields.len() as u16 + 6).min(area.height);
    let r = centered(area, area.width.saturating_sub(4).min(80), h);
    frame.render_widget(Clear, r);
    let title = format!(" {head} · {} · {} ", rec.drill, inert(&rec.title));
    let b = Block::bordered()
        .border_style(st.accent())
        .style(st.base())
        .title(Line::styled(
            truncate(&title, r.width.saturating_sub(4) as usize).into_owned(),
            st.title(),
        ));
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let w = inner.width as usize;
    let label_w = rec.labels().iter().map(|l| l.len()).max().unwrap_or(6);
    let mut lines = Vec::new();
    for (i, f) in rec.form.fields.iter().enumerate() {
        let focused = rec.form.focus == i;
        let label_style = if focused { st.accent() } else { st.dim() };
        let value = match &f.input {
            Input::Line(l) => format!("{}{}", inert(&l.text), if focused { "▏" } else { "" }),
            Input::Choice { options, index } => {
                format!("◀ {} ▶", options.get(*index).copied().unwrap_or_default())
            }
            Input::Text(_) => String::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>label_w$} ", f.label), label_style),
            Span::styled(
                truncate(&value, w.saturating_sub(label_w + 1)).into_owned(),
                if focused {
                    st.text().add_modifier(Modifier::UNDERLINED)
                } else {
                    st.text()
                },
            ),
        ]));
    }
    lines.push(Line::raw(""));
    let said = match (&rec.form.error, &rec.what) {
        (Some(e), _) => Line::styled(cell(&format!("✗ {}", inert(e)), w), st.error()),
        (None, What::Accept) => Line::styled(
            cell(
                "Recorded with your name as the drill's acceptance (drill.accepted).",
                w,
            ),
            st.dim(),
        ),
        (None, What::Improvement(_)) => Line::styled(
            cell("due: YYYY-MM-DD · failure mode: an id of the library", w),
            st.dim(),
        ),
        (None, What::Finding) => Line::styled(cell("What the review found.", w), st.dim()),
    };
    lines.push(said);
    lines.push(Line::styled(
        "Tab next field · Enter (last field) or Ctrl-S: record · Esc cancel",
        st.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
