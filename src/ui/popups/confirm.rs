//! A yes / no question over the screen (panic, dismiss, and next: approvals
//! and quitting with live faults): a bordered box in the question's accent
//! colour, the question and what each key does.

use crate::app::Ask;
use crate::domain::sanitize::inert;
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
    let r = centered(area, area.width.saturating_sub(4).min(72), 8);
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

/// The core's questions ([`Ask`]): what will happen, `y` to go on.
pub fn ask(frame: &mut Frame, area: Rect, ask: &Ask, st: &Styles) {
    match ask {
        Ask::TakeOwnership(list) => {
            let theirs: Vec<String> = list
                .iter()
                .filter(|(_, _, owner)| !owner.is_empty())
                .map(|(_, name, owner)| format!("{} (owner {})", inert(name), inert(owner)))
                .collect();
            let question = match list.len() {
                1 => format!("Take {} from its owner? They are told.", theirs.join(", ")),
                n => format!(
                    "Take {n} alarms? Owned by someone else: {}. They are told.",
                    theirs.join(", ")
                ),
            };
            yes_no(
                frame,
                area,
                " Take ownership ",
                &question,
                "y: take it · any other key: no",
                st.warning(),
                st,
            );
        }
        Ask::Quit { recover, abort } => {
            let mut parts = Vec::new();
            if !recover.is_empty() {
                parts.push(format!(
                    "{} live fault(s) of this console will be recovered: {}",
                    recover.len(),
                    inert(&recover.join(", "))
                ));
            }
            if !abort.is_empty() {
                parts.push(format!(
                    "{} plan run(s) of this console will be aborted: {}",
                    abort.len(),
                    inert(&abort.join(", "))
                ));
            }
            let question = format!("Quit? {}", parts.join("; "));
            yes_no(
                frame,
                area,
                " Quit ",
                &question,
                "y: recover them and quit · Q quits without asking · any other key: stay",
                st.warning(),
                st,
            );
        }
    }
}
