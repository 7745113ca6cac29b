//! The Timeline view: lanes of faults, alarms, operator actions, plan runs,
//! changes and drill phases on one time axis with labelled ticks, the
//! cursor as a column, and what is under it on the chosen lane in the last
//! line. Bars of a lane are packed into as many rows as the screen spares;
//! what does not fit is counted beside the lane's name.

use crate::app::State;
use crate::app::timeline::{LABEL_COLUMNS, span_label};
use crate::domain::timeline::{Lane, LaneKind, Lanes, Tone};
use crate::ui::style::Styles;
use crate::ui::widgets::format::clock;
use crate::ui::widgets::text::{cell, truncate};
use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span as TextSpan};
use ratatui::widgets::{Block, Paragraph};

/// Tick steps, in seconds: the first that leaves room for its labels.
const STEPS: [i64; 17] = [
    10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400,
    172_800, 604_800,
];

/// What the marks mean, above the last line when there is room.
const LEGEND: &str = "A ack  U unack  N note  O owner  S silence  D decision  ▶ start  ■ end  ‖ waits  ↻ retry  ↩ rollback  ◆ gate  • measured  ! failed  ━▸ still going";

/// The lane names' column (inside the border), the axis starts after it.
const NAME_W: u16 = LABEL_COLUMNS - 2;

pub fn render(frame: &mut Frame, area: Rect, state: &State, st: &Styles) {
    let t = &state.timeline;
    let now = state.now;
    let (from, to) = t.window(now);
    let cursor = t.cursor_at(now);
    let mut title = format!(
        " Timeline  {}  {} – {} UTC  cursor {} ",
        span_label(t.span()),
        clock(from),
        clock(to),
        clock(cursor)
    );
    if t.loading.is_some() {
        title.push_str(" loading … ");
    }
    let follow = if t.follow {
        TextSpan::styled("● following ", st.ok())
    } else {
        TextSpan::styled("○ held (f follows) ", st.warning())
    };
    let max = area.width.saturating_sub(2) as usize;
    let title = Line::from(vec![
        TextSpan::styled(truncate(&title, max).into_owned(), st.title()),
        follow,
    ]);
    let block = Block::bordered().border_style(st.border()).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(lanes) = t.lanes.as_ref() else {
        let text = match &t.error {
            Some(e) => format!("cannot read the journal: {}", cell(e, 200)),
            None => "reading the journal …".to_string(),
        };
        frame.render_widget(Paragraph::new(text).style(st.dim()), inner);
        return;
    };
    // Below this there is no axis to speak of: say so instead.
    if inner.width < NAME_W + 8 || inner.height < 4 {
        frame.render_widget(
            Paragraph::new("too small for the timeline").style(st.dim()),
            inner,
        );
        return;
    }
    let axis = Axis {
        from,
        to,
        x: inner.x + NAME_W,
        width: inner.width - NAME_W,
    };
    let buf = frame.buffer_mut();
    draw_axis(buf, &axis, inner.y, cursor, st);
    let body_h = inner.height - 3;
    // Packed once a frame, into no more rows than the body has.
    let packs: Vec<_> = LaneKind::ALL
        .iter()
        .map(|k| pack(lanes.lane(*k), &axis, now, body_h as usize))
        .collect();
    let rows = allot(&packs, body_h, t.lane);
    let mut y = inner.y + 2;
    let used: u16 = rows.iter().sum();
    for (i, n) in rows.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let kind = LaneKind::ALL[i];
        let selected = i == t.lane;
        // The cursor's column first, so bars and marks draw over it …
        let cx = axis.x + axis.col(cursor);
        for row in 0..*n {
            set(buf, cx, y + row, "│", st.dim());
        }
        let hidden = draw_lane(buf, lanes.lane(kind), &packs[i], &axis, y, *n, now, st);
        let mut name = if selected {
            format!("▸{}", kind.name())
        } else {
            format!(" {}", kind.name())
        };
        if hidden > 0 {
            name = format!("{name:<8}+{hidden}");
        }
        let style = if selected {
            st.selected()
        } else {
            st.heading()
        };
        buf.set_stringn(inner.x, y, &name, NAME_W as usize - 1, style);
        // … and then shows through them as the selection's colours.
        for row in 0..*n {
            if let Some(c) = buf.cell_mut((cx, y + row))
                && c.symbol() != "│"
            {
                c.set_style(st.on_selection(Style::new()));
            }
        }
        y += n;
    }
    let line_y = inner.y + inner.height - 1;
    if used + 1 < body_h {
        buf.set_stringn(inner.x, line_y - 1, LEGEND, inner.width as usize, st.dim());
    }
    let detail = describe(lanes, t.lane_kind(), cursor, now, state);
    buf.set_stringn(inner.x, line_y, detail, inner.width as usize, st.text());
}

struct Axis {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    x: u16,
    width: u16,
}

impl Axis {
    /// The column of `t`, clamped to the axis.
    fn col(&self, t: DateTime<Utc>) -> u16 {
        let span = (self.to - self.from).num_milliseconds().max(1);
        let off = (t - self.from).num_milliseconds().clamp(0, span);
        let w = i64::from(self.width.saturating_sub(1));
        (off * w / span) as u16
    }

    fn seconds(&self) -> i64 {
        (self.to - self.from).num_seconds().max(1)
    }
}

/// Tick labels on the first row, the axis line with ticks and the cursor
/// on the second.
fn draw_axis(buf: &mut Buffer, axis: &Axis, y: u16, cursor: DateTime<Utc>, st: &Styles) {
    let span = axis.seconds();
    let label_w = if span > 86_400 { 11 } else { 8 };
    let step = STEPS
        .into_iter()
        .find(|s| s * i64::from(axis.width) >= span * (label_w + 2))
        .unwrap_or(604_800);
    let fmt = match (step, span) {
        (s, _) if s < 60 => "%H:%M:%S",
        (s, _) if s >= 86_400 => "%m-%d",
        (_, sp) if sp > 86_400 => "%m-%d %H:%M",
        _ => "%H:%M",
    };
    for x in 0..axis.width {
        set(buf, axis.x + x, y + 1, "─", st.border());
    }
    // The first tick at or after the window's start.
    let first = -(-axis.from.timestamp()).div_euclid(step) * step;
    let mut tick = first;
    let mut free_from = 0u16;
    while tick <= axis.to.timestamp() {
        let Some(t) = DateTime::<Utc>::from_timestamp(tick, 0) else {
            break;
        };
        let c = axis.col(t);
        set(buf, axis.x + c, y + 1, "┬", st.border());
        let text = t.format(fmt).to_string();
        let w = text.chars().count() as u16;
        if c >= free_from && c + w <= axis.width {
            buf.set_stringn(axis.x + c, y, &text, w as usize, st.dim());
            free_from = c + w + 1;
        }
        tick += step;
    }
    let c = axis.col(cursor);
    set(buf, axis.x + c, y + 1, "▼", st.accent());
}

fn set(buf: &mut Buffer, x: u16, y: u16, symbol: &str, style: Style) {
    if let Some(c) = buf.cell_mut((x, y)) {
        c.set_symbol(symbol).set_style(style);
    }
}

fn tone_style(tone: Tone, st: &Styles) -> Style {
    match tone {
        Tone::Running => st.accent(),
        Tone::Ok => st.ok(),
        Tone::Failed => st.error(),
        Tone::Neutral => st.dim(),
        t => t.severity().map_or(st.text(), |s| st.severity(s)),
    }
}

/// Bars on screen, packed greedily into at most `tracks` rows: `(row,
/// first col, last col, index)` in start order; a bar with no row left
/// gets row `tracks` (counted, not drawn). Bounded work per bar, so a week
/// of flapping alarms costs what a screen can show.
fn pack(
    lane: &Lane,
    axis: &Axis,
    now: DateTime<Utc>,
    tracks: usize,
) -> Vec<(usize, u16, u16, usize)> {
    let mut shown: Vec<(u16, u16, usize)> = lane
        .spans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.overlaps(axis.from, axis.to))
        .map(|(i, s)| {
            let a = axis.col(s.start.max(axis.from));
            let b = axis.col(s.end.unwrap_or(now).min(axis.to)).max(a);
            (a, b, i)
        })
        .collect();
    shown.sort_unstable_by_key(|(a, b, i)| (*a, *b, *i));
    let mut ends: Vec<u16> = Vec::new();
    let mut out = Vec::with_capacity(shown.len());
    for (a, b, i) in shown {
        // A column of space between bars of one row.
        let row = match ends.iter().position(|e| *e + 1 < a) {
            Some(r) => r,
            None if ends.len() < tracks => {
                ends.push(0);
                ends.len() - 1
            }
            None => {
                out.push((tracks, a, b, i));
                continue;
            }
        };
        ends[row] = b;
        out.push((row, a, b, i));
    }
    out
}

/// Rows for each lane: one each (as many lanes as fit, around the chosen
/// one), then the rest to lanes with bars left over, in turn.
fn allot(packs: &[Vec<(usize, u16, u16, usize)>], height: u16, chosen: usize) -> Vec<u16> {
    let n = LaneKind::ALL.len();
    let mut rows = vec![0u16; n];
    if (height as usize) < n {
        let h = height as usize;
        let first = chosen.saturating_sub(h.saturating_sub(1)).min(n - h.min(n));
        for r in rows.iter_mut().skip(first).take(h) {
            *r = 1;
        }
        return rows;
    }
    let need: Vec<u16> = packs
        .iter()
        .map(|p| {
            let tracks = p.iter().map(|p| p.0 + 1).max().unwrap_or(1);
            u16::try_from(tracks).unwrap_or(u16::MAX).max(1)
        })
        .collect();
    rows.iter_mut().for_each(|r| *r = 1);
    let mut spare = height - n as u16;
    while spare > 0 {
        let mut gave = false;
        for i in 0..n {
            if spare > 0 && rows[i] < need[i] {
                rows[i] += 1;
                spare -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    rows
}

/// One lane in `rows` rows from `y`; how many bars had no row.
#[allow(clippy::too_many_arguments)]
fn draw_lane(
    buf: &mut Buffer,
    lane: &Lane,
    packed: &[(usize, u16, u16, usize)],
    axis: &Axis,
    y: u16,
    rows: u16,
    now: DateTime<Utc>,
    st: &Styles,
) -> usize {
    let mut hidden = 0;
    for &(row, a, b, i) in packed {
        let Some(s) = lane.spans.get(i) else { continue };
        if row >= rows as usize {
            hidden += 1;
            continue;
        }
        let cy = y + row as u16;
        let style = tone_style(s.tone, st);
        for c in a..=b {
            set(buf, axis.x + c, cy, "━", style);
        }
        if s.end.is_none() && s.start <= axis.to && now <= axis.to {
            set(buf, axis.x + b, cy, "▸", style);
        }
        // The label inside the bar when there is room, else after it.
        let len = (b - a + 1) as usize;
        if len >= 4 {
            let text = truncate(&s.label, len - 2).into_owned();
            buf.set_stringn(axis.x + a + 1, cy, &text, len - 2, style.reversed());
        }
    }
    for m in &lane.markers {
        if m.at < axis.from || m.at > axis.to {
            continue;
        }
        let style = match m.symbol {
            '!' | '✗' => st.error(),
            _ => st.accent(),
        };
        let mut sym = [0u8; 4];
        set(
            buf,
            axis.x + axis.col(m.at),
            y,
            m.symbol.encode_utf8(&mut sym),
            style,
        );
    }
    hidden
}

/// The last line: what the cursor is on in the chosen lane.
fn describe(
    lanes: &Lanes,
    kind: LaneKind,
    cursor: DateTime<Utc>,
    now: DateTime<Utc>,
    state: &State,
) -> String {
    let cols = state.size.0.saturating_sub(LABEL_COLUMNS).max(1);
    let tolerance = (state.timeline.span() / i32::from(cols)).max(Duration::seconds(1));
    let lane = lanes.lane(kind);
    let found = lanes.pick(kind, cursor, now, tolerance).and_then(|id| {
        if let Some(m) = lane.markers.iter().find(|m| m.id == id) {
            return Some(format!(
                "{} {}  {}  #{}",
                clock(m.at),
                m.kind,
                m.label,
                m.id
            ));
        }
        lane.spans
            .iter()
            .find(|s| s.start_id == id || s.end_id == Some(id))
            .map(|s| {
                let end = s.end.map_or("now".to_string(), clock);
                format!(
                    "{} → {}  {}  {}  #{}",
                    clock(s.start),
                    end,
                    s.tone.as_str(),
                    s.label,
                    id
                )
            })
    });
    match found {
        Some(text) => format!("{}: {}", kind.name(), cell(&text, 400)),
        None => format!(
            "{}: nothing at {}  (h/l move, +/- zoom, Enter event, a board then)",
            kind.name(),
            clock(cursor)
        ),
    }
}
