//! The `s` silence popup: a duration line (`2h`, `30m`, `1d`) above the
//! comment editor, Tab between them, Ctrl-S to silence, Esc to cancel; the
//! reason a submit was refused shows in the bottom border. `A` (ack with a
//! note) uses the same popup without the duration.

use crate::app::silences::SilenceEditor;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::cell;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, ed: &SilenceEditor, st: &Styles) {
    let popup = centered(
        area,
        area.width.saturating_sub(4).min(76),
        area.height.saturating_sub(4).clamp(4, 14),
    );
    let name_w = (popup.width as usize).saturating_sub(16);
    let footer = match &ed.form.error {
        Some(e) => Line::styled(
            format!(" {} ", cell(e, popup.width.saturating_sub(4) as usize)),
            st.error().add_modifier(Modifier::BOLD),
        ),
        None if ed.ack => Line::styled(" Ctrl-S ack · Esc cancel ", st.dim()),
        None => Line::styled(" Tab field · Ctrl-S silence · Esc cancel ", st.dim()),
    };
    let what = if ed.ack { "Ack" } else { "Silence" };
    let block = Block::bordered()
        .border_style(st.accent())
        .style(st.base())
        .title(Line::styled(
            format!(" {what} · {} ", cell(&ed.alarm_name, name_w)),
            st.title(),
        ))
        .title_bottom(footer.alignment(Alignment::Right));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if inner.height == 0 {
        return;
    }
    if ed.ack {
        if let Some(comment) = ed.comment() {
            frame.render_widget(comment, inner);
        }
        return;
    }
    let focus = |on: bool| if on { st.selected() } else { st.text() };
    let dur = Line::from(vec![
        Span::styled("for ", st.dim()),
        Span::styled(
            format!(" {} ", cell(ed.duration(), 20)),
            focus(ed.on_duration()),
        ),
        Span::styled("  e.g. 30m, 2h, 1d", st.dim()),
    ]);
    frame.render_widget(Paragraph::new(dur), Rect { height: 1, ..inner });
    if inner.height > 2 {
        let comment = Rect {
            y: inner.y + 2,
            height: inner.height - 2,
            ..inner
        };
        if let Some(area) = ed.comment() {
            frame.render_widget(area, comment);
        }
    }
}
