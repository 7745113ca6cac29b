//! The `?` help popup, generated from the live keymap (`help_for`, which
//! already leaves out write actions in read-only mode) and the command
//! palette's `commands()`, so it cannot drift from what the keys do.

use crate::app::State;
use crate::app::command::commands;
use crate::app::keymap::{Scope, help_for};
use crate::ui::style::Styles;
use crate::ui::widgets::popup::centered;
use crate::ui::widgets::text::width;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

const KEY_W: usize = 16;

/// Every line of the help for the current view, before scrolling.
pub fn lines<'a>(state: &State, st: &Styles) -> Vec<Line<'a>> {
    let readonly = state.session.readonly;
    let mut out = Vec::new();
    if readonly {
        out.push(Line::styled(
            "Read-only console: actions that change alarms or faults are not available.",
            st.warning(),
        ));
        out.push(Line::raw(""));
    } else if !state.session.may_inject() {
        out.push(Line::styled(
            "Observer: you handle alarms and may recover faults; injecting is not available.",
            st.warning(),
        ));
        out.push(Line::raw(""));
    }
    let sections = [
        ("Global".to_string(), Scope::Global),
        (
            format!("{} view", state.view.title()),
            Scope::In(state.view),
        ),
    ];
    for (title, scope) in sections {
        out.push(Line::styled(title, st.heading()));
        // Only what this console may do (read-only writes nothing,
        // observers never inject).
        for b in help_for(state.view, &state.session).filter(|b| b.scope == scope) {
            let keys = b
                .keys
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(" / ");
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<KEY_W$}"), st.accent()),
                Span::styled(b.desc, st.text()),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        "Commands (type : then Tab to complete)",
        st.heading(),
    ));
    let cmds: Vec<(String, &str)> = commands()
        .into_iter()
        .map(|(name, arg, desc)| {
            let cmd = if arg.is_empty() {
                format!(":{name}")
            } else {
                format!(":{name} {arg}")
            };
            (cmd, desc)
        })
        .collect();
    // As wide as the longest command and two spaces: never run into the text.
    let cmd_w = cmds.iter().map(|(c, _)| width(c)).max().unwrap_or(0) + 2;
    for (cmd, desc) in cmds {
        out.push(Line::from(vec![
            Span::styled(format!("  {cmd:<cmd_w$}"), st.accent()),
            Span::styled(desc, st.text()),
        ]));
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16, st: &Styles) {
    let lines = lines(state, st);
    let popup = centered(
        area,
        area.width.saturating_sub(4).min(84),
        (lines.len() as u16 + 2)
            .min(area.height.saturating_sub(2))
            .max(3),
    );
    let inner_h = popup.height.saturating_sub(2) as usize;
    // `scroll` only grows in the app; stop it at the last page here.
    let max_scroll = lines.len().saturating_sub(inner_h);
    let scroll = (scroll as usize).min(max_scroll);
    let position = if max_scroll > 0 {
        let last = (scroll + inner_h).min(lines.len());
        format!(
            " lines {}–{last} of {} · j/k scroll · any other key closes ",
            scroll + 1,
            lines.len()
        )
    } else {
        " any key closes ".to_string()
    };
    let block = Block::bordered()
        .border_style(st.accent())
        .title(Line::styled(
            format!(" Help · {} ", state.view.title()),
            st.title(),
        ))
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
