//! The event popup (`Enter` in the Log view): one journal row whole — id,
//! time, actor, kind, subject and what it is about — and its payload
//! pretty-printed, scrolled with j/k and PgUp/PgDn. Every line came from
//! the journal and is made inert.

use crate::app::log::EventView;
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::format::stamp;
use crate::ui::widgets::popup::centered;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn render(frame: &mut Frame, area: Rect, view: &EventView, st: &Styles) {
    let l = &view.line;
    let field = |k: &'static str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<9}"), st.dim()),
            Span::styled(v, st.text()),
        ])
    };
    let mut lines = vec![
        field("id", l.id.to_string()),
        field("time", stamp(l.ts)),
        field("actor", l.actor.clone()),
        field("kind", l.kind.clone()),
        field("subject", l.subject.clone()),
    ];
    if !l.about.is_empty() {
        lines.push(field("about", l.about.clone()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("payload", st.heading()));
    lines.extend(
        view.payload_lines()
            .into_iter()
            .map(|p| Line::styled(inert(&p).into_owned(), st.text())),
    );
    let popup = centered(
        area,
        area.width.saturating_sub(4).min(100),
        (lines.len() as u16 + 2).min(area.height).max(3),
    );
    let inner_h = popup.height.saturating_sub(2) as usize;
    // The core only grows `scroll`; stop it at the last page here.
    let max_scroll = lines.len().saturating_sub(inner_h);
    let scroll = (view.scroll as usize).min(max_scroll);
    let position = if max_scroll > 0 {
        format!(
            " lines {}–{} of {} · j/k PgUp/PgDn scroll · Esc closes ",
            scroll + 1,
            (scroll + inner_h).min(lines.len()),
            lines.len()
        )
    } else {
        " Esc closes ".to_string()
    };
    let block = Block::bordered()
        .border_style(st.accent())
        .title(Line::styled(format!(" Event #{} ", l.id), st.title()))
        .title_bottom(Line::styled(position, st.dim()).alignment(Alignment::Right));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .style(st.base())
            .block(block)
            .scroll((scroll as u16, 0)),
        popup,
    );
}
