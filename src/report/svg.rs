//! Inline SVG charts for reports: a timeline of lanes (bars for spans,
//! ticks for moments) and a bar chart of counts. Integer coordinates and
//! fixed colours, so the same data draws the same bytes; every label is
//! escaped.

use super::doc::esc;
use std::fmt::Write;

/// One lane of a timeline: spans (`start`, `end` in seconds from the
/// chart's origin, a colour, a label) and marks (a moment and a label).
#[derive(Debug, Clone, Default)]
pub struct Lane {
    pub name: String,
    pub bars: Vec<(i64, i64, &'static str, String)>,
    pub marks: Vec<(i64, String)>,
}

pub const GREEN: &str = "#2da44e";
pub const RED: &str = "#cf222e";
pub const AMBER: &str = "#bf8700";
pub const BLUE: &str = "#0969da";
pub const GREY: &str = "#8c959f";

const WIDTH: i64 = 900;
const LABEL: i64 = 120;
const ROW: i64 = 26;

fn x(t: i64, span: i64) -> i64 {
    LABEL + (t.clamp(0, span) * (WIDTH - LABEL - 10)) / span.max(1)
}

/// A timeline over `span` seconds; `tick` labels the axis (`+0s` …).
pub fn timeline(lanes: &[Lane], span: i64, tick: impl Fn(i64) -> String) -> String {
    let h = ROW * lanes.len() as i64 + 30;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {h}\" width=\"{WIDTH}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">"
    );
    for (i, lane) in lanes.iter().enumerate() {
        let y = ROW * i as i64 + 4;
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{}\" fill=\"#1b1f24\">{}</text>",
            y + 14,
            esc(&lane.name)
        );
        let _ = write!(
            s,
            "<line x1=\"{LABEL}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#d0d7de\"/>",
            y + 20,
            WIDTH - 10,
            y + 20
        );
        for (a, b, colour, label) in &lane.bars {
            let (xa, xb) = (x(*a, span), x(*b, span));
            let _ = write!(
                s,
                "<rect x=\"{xa}\" y=\"{}\" width=\"{}\" height=\"14\" fill=\"{colour}\"><title>{}</title></rect>",
                y + 4,
                (xb - xa).max(2),
                esc(label)
            );
        }
        for (t, label) in &lane.marks {
            let xt = x(*t, span);
            let _ = write!(
                s,
                "<line x1=\"{xt}\" y1=\"{}\" x2=\"{xt}\" y2=\"{}\" stroke=\"#1b1f24\" stroke-width=\"2\"><title>{}</title></line>",
                y + 2,
                y + 20,
                esc(label)
            );
        }
    }
    // The axis: five ticks.
    let ay = ROW * lanes.len() as i64 + 8;
    for k in 0..=4 {
        let t = span * k / 4;
        let xt = x(t, span);
        let anchor = if k == 4 { "end" } else { "start" };
        let _ = write!(
            s,
            "<text x=\"{xt}\" y=\"{}\" fill=\"#57606a\" text-anchor=\"{anchor}\">{}</text>",
            ay + 14,
            esc(&tick(t))
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars, one per `(label, value)`, scaled to the largest.
pub fn bars(series: &[(String, u64)], colour: &str) -> String {
    let n = series.len().max(1) as i64;
    let max = series.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as i64;
    let h = 180;
    let bw = ((WIDTH - 40) / n).max(4);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {}\" width=\"{WIDTH}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"10\" role=\"img\">",
        h + 30,
        h + 30
    );
    for (i, (label, v)) in series.iter().enumerate() {
        let bh = (*v as i64 * (h - 20)) / max;
        let x0 = 20 + bw * i as i64;
        let _ = write!(
            s,
            "<rect x=\"{x0}\" y=\"{}\" width=\"{}\" height=\"{bh}\" fill=\"{colour}\"><title>{}: {v}</title></rect>",
            h - bh,
            (bw - 2).max(2),
            esc(label)
        );
        if series.len() <= 31 {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" fill=\"#57606a\" text-anchor=\"middle\">{}</text>",
                x0 + bw / 2,
                h + 14,
                esc(label)
            );
        }
    }
    s.push_str("</svg>");
    s
}
