//! The Timeline view: lanes of faults, alarms, operator actions, plan runs,
//! changes and drill phases on one time axis.

use crate::app::State;
use crate::ui::style::Styles;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, _state: &State, st: &Styles) {
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(" Timeline ", st.title()));
    frame.render_widget(Paragraph::new("nothing on the timeline").block(block), area);
}
