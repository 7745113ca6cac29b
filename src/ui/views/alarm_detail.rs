//! The detail pane of the selected alarm: identity, who acked and owns it,
//! labels, annotations (the runbook and the generator link called out, since
//! those are what an operator opens next) and the alarm's own timeline,
//! newest first. Every value came from outside and is made inert.

use crate::app::State;
use crate::domain::Alarm;
use crate::domain::sanitize::inert;
use crate::ui::style::Styles;
use crate::ui::widgets::format::{age, clock, stamp};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Annotations shown as links, with the label they get.
const LINKS: [(&str, &str); 3] = [
    ("runbook_url", "runbook"),
    ("runbook", "runbook"),
    ("dashboard_url", "dashboard"),
];

pub fn render(frame: &mut Frame, area: Rect, alarm: &Alarm, state: &State, st: &Styles) {
    let lines = lines(alarm, state, st);
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    // `J` / `K` scroll; the core only bounds the scroll roughly, the last
    // page stops it here (wrapped lines counted).
    let total: usize = lines.iter().map(|l| wrapped(l, inner_w)).sum();
    let para = Paragraph::new(lines).wrap(Wrap { trim: false });
    let max_scroll = total.saturating_sub(inner_h);
    let scroll = (state.alarms.detail_scroll as usize).min(max_scroll);
    let position = if max_scroll > 0 {
        format!(
            " {}–{} of {} · J/K scroll ",
            scroll + 1,
            (scroll + inner_h).min(total),
            total
        )
    } else {
        String::new()
    };
    let block = Block::bordered()
        .border_style(st.border())
        .title(Line::styled(" Detail ", st.title()))
        .title_bottom(Line::styled(position, st.dim()).alignment(Alignment::Right));
    frame.render_widget(para.block(block).scroll((scroll as u16, 0)), area);
}

/// Screen lines `line` takes when word-wrapped to `w` columns.
fn wrapped(line: &Line, w: usize) -> usize {
    use crate::ui::widgets::text::width;
    if w == 0 {
        return 1;
    }
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let (mut rows, mut col) = (1, 0);
    for word in text.split_inclusive(' ') {
        let ww = width(word);
        if col + ww > w && col > 0 {
            rows += 1;
            col = 0;
        }
        rows += ww / w.max(1) * usize::from(ww > w);
        col += if ww > w { ww % w } else { ww };
    }
    rows
}

fn field<'a>(key: &'static str, value: String, style: Style, st: &Styles) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{key:<12}"), st.dim()),
        Span::styled(value, style),
    ])
}

/// `✓ alice@jump1 at 09:20:00 (10m ago): comment`, or that it is pending.
fn ack_line<'a>(alarm: &Alarm, state: &State, st: &Styles) -> Line<'a> {
    if state.is_pending(alarm.fingerprint()) {
        return field("ack", "… being recorded".into(), st.warning(), st);
    }
    match &alarm.ack {
        Some(a) => {
            let mut v = format!(
                "✓ {} at {} ({} ago)",
                inert(&a.by),
                clock(a.at),
                age(a.at, state.now)
            );
            // cocpit's own silence comments carry an event id: show the note.
            let note = a.comment.as_deref().map(crate::domain::silence::note_of);
            if let Some(c) = note.filter(|c| !c.is_empty()) {
                v.push_str(&format!(": {}", inert(c)));
            }
            if let Some(id) = &a.silence_id {
                v.push_str(&format!(
                    " · silence {}",
                    inert(crate::domain::board::short_id(id))
                ));
                if let Some(t) = a.until {
                    v.push_str(&format!(" until {}", clock(t)));
                }
            }
            field("ack", v, st.ok(), st)
        }
        None => field("ack", "not acked".into(), st.warning(), st),
    }
}

fn heading<'a>(text: &'static str, st: &Styles) -> Line<'a> {
    Line::styled(text, st.heading())
}

fn lines<'a>(alarm: &Alarm, state: &State, st: &Styles) -> Vec<Line<'a>> {
    let now = state.now;
    let text = st.text();
    let mut out = vec![Line::from(vec![
        Span::styled(
            inert(alarm.name()).into_owned(),
            text.add_modifier(Modifier::BOLD),
        ),
        Span::raw("  "),
        Span::styled(
            format!("{} ({})", alarm.severity().short(), alarm.severity()),
            st.severity(alarm.severity()),
        ),
        Span::raw("  "),
        if alarm.is_firing() {
            Span::styled("FIRING", text.add_modifier(Modifier::BOLD))
        } else {
            Span::styled("RESOLVED", st.ok())
        },
    ])];
    let summary = alarm.summary();
    if !summary.is_empty() {
        out.push(Line::styled(inert(summary).into_owned(), text));
    }
    if alarm.unrecorded {
        out.push(Line::styled(
            "✗ UNRECORDED: what the source says now; the journal cannot be written",
            st.error().add_modifier(Modifier::BOLD),
        ));
    }
    if alarm.is_firing() && state.sources.is_stale(&alarm.observed.source) {
        out.push(Line::styled(
            format!(
                "⚠ STALE: {} is down; this is its last known state",
                inert(&alarm.observed.source)
            ),
            st.warning().add_modifier(Modifier::BOLD),
        ));
    }
    if alarm.is_firing()
        && let Some(c) = state.plans.runs.change_for(alarm, now)
        && alarm.raised_at >= c.opened
    {
        out.push(Line::styled(
            format!(
                "⚑ during change {}: {} (by {}, until {})",
                inert(&c.id),
                inert(&c.title),
                inert(&c.operator),
                c.until.format("%H:%M UTC")
            ),
            st.warning().add_modifier(Modifier::BOLD),
        ));
    }
    out.push(Line::raw(""));
    out.push(ack_line(alarm, state, st));
    out.push(field(
        "owner",
        alarm
            .owner
            .as_deref()
            .map(|o| inert(o).into_owned())
            .unwrap_or_else(|| "—".into()),
        text,
        st,
    ));
    out.push(field("notes", alarm.notes.to_string(), text, st));
    let modes = state.risks.tags.modes_of(alarm.fingerprint());
    if !modes.is_empty() {
        out.push(field(
            "failure modes",
            inert(&modes.join(", ")).into_owned(),
            text,
            st,
        ));
    }
    out.push(field(
        "started",
        format!(
            "{} ({} ago)",
            stamp(alarm.raised_at),
            age(alarm.raised_at, now)
        ),
        text,
        st,
    ));
    if let Some(t) = alarm.resolved_at {
        out.push(field("resolved", stamp(t), st.ok(), st));
    }
    let dur =
        |d: Option<chrono::Duration>| d.map(|d| age(now - d, now)).unwrap_or_else(|| "—".into());
    out.push(field(
        "MTTA / MTTR",
        format!(
            "{} / {}",
            dur(crate::domain::stats::time_to_ack(alarm)),
            dur(crate::domain::stats::time_to_resolve(alarm))
        ),
        text,
        st,
    ));
    out.push(field(
        "source",
        inert(&alarm.observed.source).into_owned(),
        text,
        st,
    ));
    out.push(field(
        "service",
        inert(alarm.service()).into_owned(),
        text,
        st,
    ));
    out.push(field(
        "fingerprint",
        inert(alarm.fingerprint()).into_owned(),
        text,
        st,
    ));

    // Every silence muting it on its Alertmanager, whoever made it.
    let silences = state
        .silences
        .silences_for(&alarm.observed.source, alarm.fingerprint());
    if !silences.is_empty() {
        out.push(Line::raw(""));
        out.push(heading("Silences", st));
        for s in silences {
            let mut v = format!(
                "▸ {} by {} until {}",
                inert(crate::domain::board::short_id(&s.id)),
                inert(&s.created_by),
                stamp(s.ends_at)
            );
            if !s.comment.is_empty() {
                v.push_str(&format!(": {}", inert(&s.comment)));
            }
            out.push(Line::styled(v, text));
        }
    }

    // Links first: the runbook is what an operator opens next.
    out.push(Line::raw(""));
    out.push(heading("Annotations", st));
    let link = st.accent().add_modifier(Modifier::UNDERLINED);
    for (key, label) in LINKS {
        if let Some(url) = alarm.observed.annotations.get(key) {
            out.push(Line::from(vec![
                Span::styled(format!("▸ {label}: "), st.accent()),
                Span::styled(inert(url).into_owned(), link),
            ]));
        }
    }
    if let Some(url) = &alarm.observed.generator_url {
        out.push(Line::from(vec![
            Span::styled("▸ generator: ", st.accent()),
            Span::styled(inert(url).into_owned(), link),
        ]));
    }
    for (k, v) in &alarm.observed.annotations {
        // The summary is already under the name.
        if k == "summary" || LINKS.iter().any(|(l, _)| l == k) {
            continue;
        }
        out.push(Line::from(vec![
            Span::styled(format!("{}: ", inert(k)), st.dim()),
            Span::styled(inert(v).into_owned(), text),
        ]));
    }

    out.push(Line::raw(""));
    out.push(heading("Timeline (newest first)", st));
    for e in alarm.timeline.iter().rev() {
        out.push(Line::from(vec![
            Span::styled(format!("{} ", clock(e.ts)), st.dim()),
            Span::styled(format!("{} ", inert(&e.actor)), st.accent()),
            Span::styled(inert(&e.text).into_owned(), text),
        ]));
    }

    out.push(Line::raw(""));
    out.push(heading("Labels", st));
    for (k, v) in &alarm.observed.labels {
        out.push(Line::from(vec![
            Span::styled(inert(k).into_owned(), st.dim()),
            Span::styled(format!("={}", inert(v)), text),
        ]));
    }
    out
}
