//! The failure-mode picker of `F`: the alarm, the filter being typed and
//! the matching modes (those already tagged marked), Enter to tag.

use crate::app::State;
use crate::app::risks::Picker;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::{cell, width};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, p: &Picker, state: &State, st: &Styles) {
    let choices = p.choices(state);
    let w = area.width.saturating_sub(4).min(76);
    // As tall as the choices (up to ten), the alarm, the input and the keys.
    let h = (choices.len().clamp(1, 10) as u16 + 5).min(area.height.saturating_sub(2));
    let r = centered(area, w, h);
    let block = Block::bordered()
        .border_style(st.accent())
        .style(st.base())
        .title(Line::styled(
            " Tag with a failure mode ",
            st.accent().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    frame.render_widget(Clear, r);
    frame.render_widget(block, r);
    let iw = inner.width as usize;
    let mut lines = vec![
        Line::styled(
            cell(&format!("alarm {} · service {}", p.alarm, p.service), iw),
            st.text(),
        ),
        Line::from(vec![
            Span::styled("mode: ", st.dim()),
            Span::styled(cell(&p.input.text, iw.saturating_sub(7)), st.text()),
            Span::styled("▏", st.accent()),
        ]),
    ];
    let rows = (inner.height as usize).saturating_sub(3);
    if choices.is_empty() {
        lines.push(Line::styled("no failure mode matches", st.dim()));
    }
    let sel = p.choice.min(choices.len().saturating_sub(1));
    for i in window(
        choices.len(),
        sel,
        sel.saturating_sub(rows.saturating_sub(1)),
        rows,
    ) {
        let (id, title) = choices[i];
        let done = p.tagged.iter().any(|t| t == id);
        let mark = if done { "✓ " } else { "  " };
        let id_w = choices
            .iter()
            .map(|(id, _)| width(id))
            .max()
            .unwrap_or(8)
            .min(iw / 2);
        let text = format!(
            "{mark}{:<id_w$} {}",
            cell(id, id_w),
            cell(title, iw.saturating_sub(id_w + 3))
        );
        let style = if i == sel { st.selected() } else { st.text() };
        lines.push(Line::styled(cell(&text, iw), style));
    }
    lines.push(Line::styled(
        "type to filter · ↑↓ choose · Enter tag · Esc cancel",
        st.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
