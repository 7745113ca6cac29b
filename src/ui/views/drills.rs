//! The Drills view: scenarios with their last result, and the running
//! drill (phase bar, expectations against their deadlines, MTTD / MTTA /
//! MTTR clocks, faults, guards, the plan run and the progress log).

use crate::app::State;
use crate::ui::style::Styles;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, _state: &State, st: &Styles) {
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(" Drills ", st.title()));
    frame.render_widget(Paragraph::new("no drill scenarios").block(block), area);
}
