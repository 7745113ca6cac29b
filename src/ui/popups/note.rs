//! The note editor popup: the `TextArea` of `Mode::Note` in a bordered box
//! titled with the alarm's name, with the save / discard keys underneath and
//! the "Esc again to discard" warning after a first Esc on a non-empty note.

use crate::app::alarms::NoteEditor;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::cell;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear};

pub fn render(frame: &mut Frame, area: Rect, editor: &NoteEditor, st: &Styles) {
    let popup = centered(
        area,
        area.width.saturating_sub(4).min(76),
        area.height.saturating_sub(4).clamp(3, 14),
    );
    let name_w = (popup.width as usize).saturating_sub(12);
    let footer = if editor.confirm_discard {
        Line::styled(
            " Esc again to discard · any other key keeps editing ",
            st.warning().add_modifier(Modifier::BOLD),
        )
    } else {
        Line::styled(" Ctrl-S save · Esc cancel ", st.dim())
    };
    let block = Block::bordered()
        .border_style(st.accent())
        .style(st.base())
        .title(Line::styled(
            format!(" Note · {} ", cell(&editor.alarm_name, name_w)),
            st.title(),
        ))
        .title_bottom(footer.alignment(Alignment::Right));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if let Some(area) = editor.area() {
        frame.render_widget(area, inner);
    }
    restyle(frame, inner, st);
}

/// The text area comes with its own default styles (a dark-grey
/// placeholder) that `ui` cannot change without mutating the editor; map
/// them onto the theme after drawing, and drop colour entirely when the
/// terminal has none.
fn restyle(frame: &mut Frame, area: Rect, st: &Styles) {
    let buf = frame.buffer_mut();
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let Some(c) = buf.cell_mut((x, y)) else {
                continue;
            };
            if st.mono {
                c.set_fg(Color::Reset).set_bg(Color::Reset);
            } else if c.fg == Color::DarkGray {
                c.set_fg(st.theme.dim);
            } else if c.fg == Color::Reset {
                c.set_fg(st.theme.fg);
            }
        }
    }
}
