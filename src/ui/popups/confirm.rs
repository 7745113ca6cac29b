//! A yes / no question over the screen (panic, dismiss, and next: approvals
//! and quitting with live faults): a bordered box in the question's accent
//! colour, the question and what each key does.

use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn yes_no(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    question: &str,
    hint: &str,
    accent: Style,
    st: &Styles,
) {
    let r = centered(area, area.width.saturating_sub(4).min(64), 6);
    let block = Block::bordered()
        .border_style(accent)
        .style(st.base())
        .title(Line::styled(
            title.to_string(),
            accent.add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    frame.render_widget(Clear, r);
    frame.render_widget(block, r);
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(question.to_string(), st.text()),
            Line::styled(hint.to_string(), st.dim()),
        ])
        .wrap(Wrap { trim: true }),
        inner,
    );
}
