//! The screen for a terminal too small for the layout: says how big it is
//! and how big it needs to be, centred, cut to whatever fits (down to 1×1).

use crate::ui::style::Styles;
use crate::ui::widgets::text::width;
use crate::ui::{MIN_HEIGHT, MIN_WIDTH};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, st: &Styles) {
    let text = format!(
        "terminal too small ({}×{}, need {MIN_WIDTH}×{MIN_HEIGHT})",
        area.width, area.height
    );
    let est_rows = (width(&text) as u16).div_ceil(area.width.max(1)) + 1;
    let para = Paragraph::new(Line::styled(text, st.warning()))
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true });
    frame.render_widget(Paragraph::new("").style(st.base()), area);
    // Roughly centred vertically (word wrap may take a row more than estimated).
    let y = area.y + area.height.saturating_sub(est_rows) / 2;
    frame.render_widget(
        para,
        Rect {
            y,
            height: area.bottom() - y,
            ..area
        },
    );
}
