//! The status bar: run mode (READONLY stands out), operator, ingest role and
//! the UTC clock on the left; the transient message (or, when there is none,
//! a short key hint from the keymap) in the middle; the journal path on the
//! right, cut from the left so the file name stays readable.

use super::header::spans_width;
use super::style::Styles;
use super::widgets::format::clock;
use super::widgets::text::{cell, truncate, truncate_left, width};
use crate::app::keymap::{Action, KEYMAP};
use crate::app::{RunMode, State};
use crate::domain::sanitize::inert;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const SEP: &str = " │ ";

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let w = area.width as usize;
    let left = left_part(state, st, w);
    let rest = w.saturating_sub(spans_width(&left) + width(SEP));
    let mut spans = left;
    spans.push(Span::styled(SEP, st.bar_text()));

    let journal = inert(&state.session.journal_path).into_owned();
    let (middle, middle_style, is_message) = match &state.status {
        Some(s) => (inert(&s.text).into_owned(), st.bar_level(s.level), true),
        None => (key_hint(), st.bar_text(), false),
    };
    // A message outranks the journal path; the path outranks the hint.
    let journal_w = if is_message {
        rest.saturating_sub(width(&middle) + 2)
    } else {
        // Both whole if they fit; else the path gets at least half.
        width(&journal).min(rest.saturating_sub(width(&middle) + 2).max(rest / 2))
    };
    let journal_w = if journal_w >= 8 { journal_w } else { 0 };
    let middle_w = rest.saturating_sub(if journal_w > 0 { journal_w + 2 } else { 0 });
    let middle = if is_message {
        truncate(&middle, middle_w).into_owned()
    } else {
        // Whole hints only: `? help  : cmd` rather than `? help  : c…`.
        fit_items(&middle, middle_w)
    };
    let gap = rest.saturating_sub(width(&middle) + journal_w);
    spans.push(Span::styled(middle, middle_style));
    if journal_w > 0 {
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(
            truncate_left(&journal, journal_w).into_owned(),
            st.bar_text(),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(st.header_bar()),
        area,
    );
}

/// Mode, operator, role and clock; the operator and role give way first on
/// a narrow terminal, the mode (READONLY!) and the clock last.
fn left_part<'a>(state: &State, st: &Styles, w: usize) -> Vec<Span<'a>> {
    let s = &state.session;
    let mode_style = match (s.readonly, s.mode) {
        (true, _) => st
            .warning()
            .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        (false, RunMode::Live) => st.chip(st.theme.error),
        (false, RunMode::Demo) => st.on_bar(st.theme.accent).add_modifier(Modifier::BOLD),
    };
    let mode = Span::styled(format!(" {} ", s.mode_label()), mode_style);
    let operator = Span::styled(cell(&s.operator, 32), st.bar_text());
    let role = Span::styled(
        if state.ingest_leader {
            "leader"
        } else {
            "follower"
        },
        st.bar_text(),
    );
    let time = Span::styled(format!("{} UTC", clock(state.now)), st.bar_text());
    let sep = || Span::styled(SEP, st.bar_text());
    let variants: [Vec<Span<'a>>; 4] = [
        vec![
            mode.clone(),
            operator.clone(),
            sep(),
            role,
            sep(),
            time.clone(),
        ],
        vec![mode.clone(), operator, sep(), time.clone()],
        vec![mode.clone(), time],
        vec![mode],
    ];
    // Leave at least 40% of the bar for the message.
    let budget = w * 3 / 5;
    variants
        .into_iter()
        .map(|mut v| {
            if v.len() > 1 {
                v.insert(1, Span::raw(" "));
            }
            v
        })
        .find(|v| spans_width(v) <= budget)
        .unwrap_or_else(|| vec![Span::styled(format!(" {} ", s.mode_label()), mode_style)])
}

/// The leading `  `-separated items of `hint` that fit in `max` columns.
fn fit_items(hint: &str, max: usize) -> String {
    let mut out = String::new();
    for item in hint.split("  ") {
        let next = if out.is_empty() {
            item.to_string()
        } else {
            format!("{out}  {item}")
        };
        if width(&next) > max {
            break;
        }
        out = next;
    }
    out
}

/// `? help  : cmd  / filter  q quit`, with the keys the keymap really binds.
pub fn key_hint() -> String {
    let key = |action: Action| {
        KEYMAP
            .iter()
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(|k| k.label())
    };
    [
        (Action::Help, "help"),
        (Action::Command, "cmd"),
        (Action::Filter, "filter"),
        (Action::Quit, "quit"),
    ]
    .into_iter()
    .filter_map(|(a, what)| key(a).map(|k| format!("{k} {what}")))
    .collect::<Vec<_>>()
    .join("  ")
}
