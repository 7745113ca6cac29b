//! The one-line prompts at the bottom: `/` filter (applied live; a parse
//! error shows under it) and `:` command with its completion list above it.

use crate::app::command::commands;
use crate::app::input::LineInput;
use crate::app::prompt::completions;
use crate::app::{Mode, State};
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::popup::bottom;
use crate::ui::widgets::text::{cell, truncate, width};
use crate::ui::widgets::window::window;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

/// Most completion candidates shown at once.
const MAX_CANDIDATES: u16 = 8;

pub fn filter(frame: &mut Frame, area: Rect, input: &LineInput, error: Option<&str>, st: &Styles) {
    prompt_lines(frame, area, "/", input, "Enter keep · Esc undo", error, st);
}

/// `\\` search: the line, and what the keys do.
pub fn search(frame: &mut Frame, area: Rect, input: &LineInput, _state: &State, st: &Styles) {
    prompt_lines(
        frame,
        area,
        "\\",
        input,
        "Enter keep · Esc clear · ] next · [ previous",
        None,
        st,
    );
}

/// The `:` line and, above it, the completion list with `choice` marked.
pub fn command(frame: &mut Frame, body: Rect, area: Rect, state: &State, st: &Styles) {
    let Mode::Command { input, error, .. } = &state.mode else {
        return;
    };
    prompt_lines(
        frame,
        area,
        ":",
        input,
        "Tab cycle · Enter run highlighted",
        error.as_deref(),
        st,
    );
    let Some((cands, selected)) = completions(state) else {
        return;
    };
    if cands.is_empty() || body.height < 3 {
        return;
    }
    let h = (cands.len() as u16).min(MAX_CANDIDATES) + 2;
    let w = body.width.min(64);
    let popup = Rect {
        width: w,
        ..bottom(body, h)
    };
    let inner_h = popup.height.saturating_sub(2) as usize;
    let range = window(cands.len(), selected, 0, inner_h);
    let text_w = (w as usize).saturating_sub(4);
    let lines: Vec<Line> = cands[range.clone()]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let is_selected = range.start + i == selected;
            let name = c.split_whitespace().next().unwrap_or("");
            let (arg, desc) = commands()
                .iter()
                .find(|(n, _, _)| *n == name)
                .map_or(("", ""), |(_, a, d)| (*a, *d));
            // `theme ` still needs its argument: show what goes there.
            let shown = if c.trim_end() == name && !arg.is_empty() {
                format!("{name} {arg}")
            } else {
                c.clone()
            };
            let cmd = cell(&shown, 24);
            let rest = text_w.saturating_sub(26);
            let (cmd_style, desc_style) = if is_selected {
                (st.selected(), st.selected())
            } else {
                (st.accent(), st.dim())
            };
            let line = Line::from(vec![
                Span::raw(if is_selected { "> " } else { "  " }),
                Span::styled(format!("{cmd:<24}  "), cmd_style),
                Span::styled(truncate(desc, rest).into_owned(), desc_style),
            ]);
            if is_selected {
                line.style(st.selected())
            } else {
                line
            }
        })
        .collect();
    let block = Block::bordered()
        .border_style(st.accent())
        .title(Line::styled(
            match cands.len() {
                1 => " 1 command ".to_string(),
                n => format!(" {n} commands "),
            },
            st.title(),
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).style(st.base()).block(block), popup);
}

fn prompt_lines(
    frame: &mut Frame,
    area: Rect,
    sigil: &'static str,
    input: &LineInput,
    hint: &str,
    error: Option<&str>,
    st: &Styles,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = area.width as usize;
    let hint_w = width(hint) + 2;
    let show_hint = w >= 40 + hint_w;
    let field_w = w.saturating_sub(1 + if show_hint { hint_w } else { 0 });
    let mut spans = vec![Span::styled(sigil, st.title())];
    spans.extend(input_spans(input, field_w, st));
    if show_hint {
        let used = 1 + spans[1..].iter().map(|s| width(&s.content)).sum::<usize>();
        spans.push(Span::raw(" ".repeat(w.saturating_sub(used + hint_w) + 2)));
        spans.push(Span::styled(hint.to_string(), st.dim()));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(st.base()),
        Rect { height: 1, ..area },
    );
    if let Some(e) = error
        && area.height >= 2
    {
        frame.render_widget(
            Paragraph::new(Line::styled(cell(e, w), st.error())).style(st.base()),
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }
}

/// The input text scrolled so the cursor is visible within `avail` columns,
/// with the character under the cursor (or a space at the end) reversed.
fn input_spans<'a>(input: &LineInput, avail: usize, st: &Styles) -> Vec<Span<'a>> {
    if avail == 0 {
        return Vec::new();
    }
    let text = inert(&input.text);
    let chars: Vec<char> = text.chars().collect();
    let cursor = input.cursor.min(chars.len());
    let cw = |c: &char| c.width().unwrap_or(0);
    // Columns from `start` through the cursor cell (a space past the end).
    let need = |start: usize| -> usize {
        chars[start..cursor].iter().map(cw).sum::<usize>() + chars.get(cursor).map_or(1, cw).max(1)
    };
    let mut start = 0;
    while start < cursor && need(start) > avail {
        start += 1;
    }
    let before: String = chars[start..cursor].iter().collect();
    let at: String = chars.get(cursor).map_or(" ".to_string(), |c| c.to_string());
    let after: String = chars
        .get(cursor + 1..)
        .map_or(String::new(), |r| r.iter().collect());
    let rest_w = avail.saturating_sub(width(&before) + width(&at));
    let cursor_style = Style::new().add_modifier(Modifier::REVERSED);
    vec![
        Span::styled(before, st.text()),
        Span::styled(at, cursor_style),
        Span::styled(truncate(&after, rest_w).into_owned(), st.text()),
    ]
}
