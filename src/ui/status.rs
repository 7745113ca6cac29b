//! The status bar: run mode (READONLY stands out), operator, ingest role and
//! the UTC clock on the left; the transient message (or, when there is none,
//! a short key hint from the keymap) in the middle; the journal path on the
//! right, cut from the left so the file name stays readable.

use super::header::spans_width;
use super::style::Styles;
use super::widgets::format::clock;
use super::widgets::text::{cell, truncate, truncate_left, width};
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
        None => (key_hint(state), st.bar_text(), false),
    };
    // A message outranks the journal path; so do the view's keys, but the
    // path keeps its file name (a dozen columns) when it can.
    let journal_w = if is_message {
        rest.saturating_sub(width(&middle) + 2)
    } else {
        let keys = fit_items(&middle, rest.saturating_sub(14));
        width(&journal).min(rest.saturating_sub(width(&keys) + 2))
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
    let mut mode = vec![Span::styled(format!(" {} ", s.mode_label()), mode_style)];
    // An observer sees it at all times: some keys are not theirs.
    if !s.readonly && !s.may_inject() {
        mode.push(Span::styled(
            " OBSERVER ",
            st.warning()
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
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
    let with = |rest: Vec<Span<'a>>| {
        let mut v = mode.clone();
        if !rest.is_empty() {
            v.push(Span::raw(" "));
        }
        v.extend(rest);
        v
    };
    let variants: [Vec<Span<'a>>; 4] = [
        with(vec![operator.clone(), sep(), role, sep(), time.clone()]),
        with(vec![operator, sep(), time.clone()]),
        with(vec![time]),
        with(Vec::new()),
    ];
    // Leave at least 40% of the bar for the message.
    let budget = w * 3 / 5;
    variants
        .into_iter()
        .find(|v| spans_width(v) <= budget)
        .unwrap_or_else(|| mode.clone())
}

/// The `  `-separated items of `hint` that fit in `max` columns: the
/// view's keys in order (one that does not fit is skipped), and the last
/// item (`? help`) kept whenever it fits.
fn fit_items(hint: &str, max: usize) -> String {
    let items: Vec<&str> = hint.split("  ").collect();
    let Some((last, rest)) = items.split_last() else {
        return String::new();
    };
    if width(last) > max {
        return String::new();
    }
    // In order, skipping what does not fit (a shorter one later may).
    let mut out: Vec<&str> = Vec::new();
    for item in rest {
        let mut next = out.clone();
        next.push(item);
        next.push(last);
        if width(&next.join("  ")) <= max {
            out.push(item);
        }
    }
    out.push(last);
    out.join("  ")
}

/// The current view's main keys (k9s and htop habit), only those this
/// console may use, then `? help`.
pub fn key_hint(state: &State) -> String {
    crate::app::keymap::hints(state.view, &state.session).join("  ")
}
