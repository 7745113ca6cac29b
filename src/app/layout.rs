//! Where things are on screen, in one place for the UI that draws them and
//! the mouse handler that maps a click back to a row or a tab: the header's
//! height and its tabs (which give way to the counts on a narrow terminal),
//! and the body's table regions per view. Pure arithmetic over `State`.

use super::{Mode, State, View};
use crate::domain::Severity;
use crate::domain::sanitize::inert;
use crate::domain::text::{truncate, width};
use std::ops::Range;

/// Below this height the header is one line, to leave room for rows.
pub const TWO_LINE_HEADER_FROM: u16 = 12;
/// From this width the Alarms detail pane sits right of the table.
pub const DETAIL_RIGHT_FROM: u16 = 110;
/// The Faults view shows its detail box from this body height.
pub const FAULT_DETAIL_FROM: u16 = 20;
pub const FAULT_DETAIL_H: u16 = 8;

pub fn header_height(height: u16) -> u16 {
    if height >= TWO_LINE_HEADER_FROM { 2 } else { 1 }
}

/// `percent` of `total`, at least `min` and at most `total`.
pub fn share(total: u16, percent: u16, min: u16) -> u16 {
    ((total as u32 * percent as u32 / 100) as u16)
        .max(min)
        .min(total)
}

/// A piece of the header's right side; the UI styles it by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// `✗ NOT RECORDING: disk full`: the journal cannot be written.
    NotRecording(&'static str),
    /// `✗ JOURNAL CHAIN BROKEN AT #N`
    ChainBroken(i64),
    /// `✗ N RECOVERY FAILING`
    Failing(usize),
    /// `◆ N live faults`
    Live(usize),
    /// `✗ N FAILING`, `◆ N live`: the same on a crowded header.
    FailingShort(usize),
    LiveShort(usize),
    /// `⚑ N changes`: routine changes in their window.
    Changes(usize),
    /// `CRIT 2`
    Count(Severity, usize),
    /// `│ 4 unacked`
    Unacked(usize),
    /// `✗ NAME down` (one-line header)
    Down(String),
    /// Spacing and separators.
    Gap(&'static str),
}

impl Part {
    pub fn text(&self) -> String {
        match self {
            Part::NotRecording(why) => format!(" ✗ NOT RECORDING: {why} "),
            Part::ChainBroken(id) => format!(" ✗ JOURNAL CHAIN BROKEN AT #{id} "),
            Part::Failing(n) => format!(" ✗ {n} RECOVERY FAILING "),
            Part::Live(n) => format!("◆ {n} live fault{} ", if *n == 1 { "" } else { "s" }),
            Part::FailingShort(n) => format!(" ✗ {n} FAILING "),
            Part::LiveShort(n) => format!("◆ {n} live "),
            Part::Changes(n) => format!("⚑ {n} change{} ", if *n == 1 { "" } else { "s" }),
            Part::Count(sev, n) => format!("{} {n}", sev.short()),
            Part::Unacked(n) => format!("│ {n} unacked "),
            Part::Down(name) => format!("✗ {} down", truncate(&inert(name), 16)),
            Part::Gap(g) => g.to_string(),
        }
    }
}

/// The counts (and, on a one-line header, the sources that are down) on
/// the right of the first header line; zero counts are left out when
/// `nonzero_only`.
pub fn header_right(state: &State, nonzero_only: bool, one_line: bool) -> Vec<Part> {
    header_parts(state, nonzero_only, one_line, false)
}

/// [`header_right`], with the fault badges short when `tight`.
pub fn header_parts(state: &State, nonzero_only: bool, one_line: bool, tight: bool) -> Vec<Part> {
    let mut out = Vec::new();
    // What the screen shows is not what the journal will prove: first, loud.
    let r = &state.recording;
    if r.write_error.is_some() {
        out.push(Part::NotRecording(if r.disk_full {
            "disk full"
        } else {
            "write failing"
        }));
        out.push(Part::Gap(" "));
    }
    if let Some((id, _)) = &r.chain_broken {
        out.push(Part::ChainBroken(*id));
        out.push(Part::Gap(" "));
    }
    if one_line {
        for s in state.sources.health.iter().filter(|s| !s.up) {
            out.push(Part::Down(s.name.clone()));
            out.push(Part::Gap(" │ "));
        }
    }
    let changes = state.plans.runs.open_changes(state.now).count();
    if changes > 0 {
        out.push(Part::Changes(changes));
        out.push(Part::Gap("│ "));
    }
    let f = state.faults.ledger.counts();
    if f.failing > 0 {
        out.push(if tight {
            Part::FailingShort(f.failing)
        } else {
            Part::Failing(f.failing)
        });
        out.push(Part::Gap(" "));
    }
    if f.live > f.failing {
        let n = f.live - f.failing;
        out.push(if tight {
            Part::LiveShort(n)
        } else {
            Part::Live(n)
        });
        out.push(Part::Gap("│ "));
    }
    let c = &state.counts;
    for sev in Severity::ALL {
        let n = c.of(sev);
        if nonzero_only && n == 0 {
            continue;
        }
        out.push(Part::Count(sev, n));
        out.push(Part::Gap(" "));
    }
    out.push(Part::Unacked(c.unacked));
    out
}

pub fn parts_width(parts: &[Part]) -> usize {
    parts.iter().map(|p| width(&p.text())).sum()
}

/// How the first header line is laid out at `w` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderLayout {
    /// ` cocpit ` before the tabs.
    pub name: bool,
    /// Tabs other than the current one show only their number.
    pub compact: bool,
    /// Tabs other than the current one without their trailing space (what
    /// lets all eight names fit at 120 columns).
    pub narrow: bool,
    /// Zero counts left out.
    pub nonzero_only: bool,
    /// The new-critical flash is shown (it outranks the name and the
    /// zero counts, not the tabs).
    pub flash: bool,
    /// Fault badges written short (the last resort before cutting).
    pub tight: bool,
}

/// ` ⚠ NEW CRITICAL NAME ` while the header flashes a new critical alarm.
pub fn flash_text(state: &State) -> Option<String> {
    state
        .flash
        .as_ref()
        .map(|(name, _)| format!(" ⚠ NEW CRITICAL {} ", truncate(&inert(name), 40)))
}

pub const NAME: &str = " cocpit ";

/// ` 1 Alarms `, or ` 1 ` when compact and not the current view, or
/// ` 1 Alarms` when narrow and not the current view.
pub fn tab_label(i: usize, v: View, current: View, compact: bool, narrow: bool) -> String {
    if compact && v != current {
        format!(" {} ", i + 1)
    } else if narrow && v != current {
        format!(" {} {}", i + 1, v.title())
    } else {
        format!(" {} {} ", i + 1, v.title())
    }
}

/// The first variant that fits: everything, then without the name, then
/// without zero counts, then compact tabs (drawn cut if nothing fits).
pub fn header_layout(state: &State, w: u16, one_line: bool) -> HeaderLayout {
    let flash_w = flash_text(state).map_or(0, |t| width(&t) + 1);
    let variants = [
        (true, false, false, false, false),
        (false, false, false, false, false),
        (false, false, true, false, false),
        (false, false, true, false, true),
        (false, true, true, false, false),
        (false, true, true, true, false),
    ];
    let fits = |l: &HeaderLayout| {
        let left = if l.name { width(NAME) } else { 0 }
            + View::ALL
                .iter()
                .enumerate()
                .map(|(i, v)| width(&tab_label(i, *v, state.view, l.compact, l.narrow)))
                .sum::<usize>();
        let flash = if l.flash { flash_w } else { 0 };
        let right = header_parts(state, l.nonzero_only, one_line, l.tight);
        left + 1 + flash + parts_width(&right) <= w as usize
    };
    let all = [flash_w > 0, false].into_iter().flat_map(|flash| {
        variants.into_iter().map(
            move |(name, compact, nonzero_only, tight, narrow)| HeaderLayout {
                name,
                compact,
                narrow,
                nonzero_only,
                flash,
                tight,
            },
        )
    });
    let last = HeaderLayout {
        name: false,
        compact: true,
        narrow: false,
        nonzero_only: true,
        flash: false,
        tight: true,
    };
    all.into_iter().find(fits).unwrap_or(last)
}

/// The columns each tab takes on the first header line.
pub fn tabs(state: &State, w: u16) -> Vec<(View, Range<u16>)> {
    let one_line = header_height(state.size.1) < 2;
    let l = header_layout(state, w, one_line);
    let mut x = if l.name { width(NAME) as u16 } else { 0 };
    View::ALL
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let wd = width(&tab_label(i, *v, state.view, l.compact, l.narrow)) as u16;
            let r = x..x + wd;
            x += wd;
            (*v, r)
        })
        .collect()
}

/// A rectangle on screen (the same shape as ratatui's, without the dependency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Area {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Area {
    pub fn contains(&self, x: u16, y: u16) -> bool {
        x >= self.x && x < self.x + self.width && y >= self.y && y < self.y + self.height
    }
}

/// The body between the header and the status bar (and the prompt rows).
pub fn body(state: &State) -> Area {
    let (w, h) = state.size;
    let header = header_height(h);
    let prompt = match &state.mode {
        Mode::Filter { error, .. } | Mode::Command { error, .. } => 1 + u16::from(error.is_some()),
        Mode::Search { .. } => 1,
        _ => 0,
    };
    Area {
        x: 0,
        y: header,
        width: w,
        height: h.saturating_sub(header + 1 + prompt),
    }
}

/// The Alarms view's table and detail pane (when open).
pub fn alarms(state: &State) -> (Area, Option<Area>) {
    let b = body(state);
    // As the view draws it: the pane opens on the alarm selected on screen
    // (the past board's while time travelling).
    if !(state.alarms.detail && super::alarms::shown_selected(state).is_some()) {
        return (b, None);
    }
    if b.width >= DETAIL_RIGHT_FROM {
        let dw = share(b.width, 42, 40);
        let t = Area {
            width: b.width - dw,
            ..b
        };
        let d = Area {
            x: b.x + b.width - dw,
            width: dw,
            ..b
        };
        (t, Some(d))
    } else {
        let dh = share(b.height, 50, 6);
        let t = Area {
            height: b.height - dh,
            ..b
        };
        let d = Area {
            y: b.y + b.height - dh,
            height: dh,
            ..b
        };
        (t, Some(d))
    }
}

/// Banner lines above the Faults table.
pub fn fault_banner(state: &State) -> u16 {
    u16::from(state.faults.ledger.counts().failing > 0)
        + u16::from(!state.faults.orphans.is_empty())
}

/// The Faults view's table (bordered, with a heading row).
pub fn faults_table(state: &State) -> Area {
    let b = body(state);
    let detail = if b.height >= FAULT_DETAIL_FROM {
        FAULT_DETAIL_H
    } else {
        0
    };
    let banner = fault_banner(state);
    Area {
        y: b.y + banner,
        height: b
            .height
            .saturating_sub(banner + detail)
            .max(3.min(b.height)),
        ..b
    }
}

/// The Monitor view's list of services (bordered, no heading row).
pub fn monitor_list(state: &State) -> Area {
    let b = body(state);
    let longest = state
        .monitor
        .groups
        .iter()
        .map(|g| width(g))
        .max()
        .unwrap_or(0) as u16;
    Area {
        width: (longest + 6).clamp(12, 26).min(b.width / 3),
        ..b
    }
}

/// The Plans view's regions: the file-problem banner, the plans list,
/// the plan's detail, the runs list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlansAreas {
    pub banner: Area,
    pub list: Area,
    pub detail: Area,
    pub runs: Area,
}

pub fn plans(state: &State) -> PlansAreas {
    plans_in(body(state), state.plans.catalog.errors.len())
}

/// [`plans`] for a body area and a number of file problems.
pub fn plans_in(b: Area, errors: usize) -> PlansAreas {
    let banner_h = (errors as u16).min(3).min(b.height);
    let rest = b.height - banner_h;
    let runs_h = if rest >= 16 {
        (rest / 3).max(6)
    } else {
        rest / 3
    };
    let top_h = rest - runs_h;
    let dw = (b.width * 45 / 100).max(30).min(b.width);
    let top_y = b.y + banner_h;
    PlansAreas {
        banner: Area {
            height: banner_h,
            ..b
        },
        list: Area {
            y: top_y,
            width: b.width - dw,
            height: top_h,
            ..b
        },
        detail: Area {
            x: b.x + b.width - dw,
            y: top_y,
            width: dw,
            height: top_h,
        },
        runs: Area {
            y: top_y + top_h,
            height: runs_h,
            ..b
        },
    }
}

/// Which row of a bordered table with a heading row a screen line shows:
/// `table` is the table's area (border included), the list has `len`
/// rows, `selected` and `offset` as the list keeps them.
pub fn table_row(
    table: Area,
    heading: bool,
    len: usize,
    selected: usize,
    offset: usize,
    y: u16,
) -> Option<usize> {
    let first = table.y + 1 + u16::from(heading);
    let rows = table.height.saturating_sub(2 + u16::from(heading)) as usize;
    if y < first || (y - first) as usize >= rows {
        return None;
    }
    let range = super::list::window(len, selected, offset, rows);
    let i = range.start + (y - first) as usize;
    range.contains(&i).then_some(i)
}

/// The Drills view: the scenario list and the drill pane (side by side
/// when wide, stacked otherwise); the list's rows are what a click picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrillsAreas {
    pub list: Area,
    pub drill: Area,
}

pub fn drills(state: &State) -> DrillsAreas {
    drills_in(body(state), state.drills.rows())
}

/// [`drills`] for a body area and a number of scenarios.
pub fn drills_in(b: Area, scenarios: usize) -> DrillsAreas {
    if b.width >= 110 {
        let lw = (b.width * 42 / 100).clamp(36, 64);
        return DrillsAreas {
            list: Area { width: lw, ..b },
            drill: Area {
                x: b.x + lw,
                width: b.width - lw,
                ..b
            },
        };
    }
    // Stacked: the list as tall as its rows (heading and borders), at most
    // a third of the body.
    let lh = (scenarios as u16 + 3)
        .min(b.height / 3)
        .max(3.min(b.height));
    DrillsAreas {
        list: Area { height: lh, ..b },
        drill: Area {
            y: b.y + lh,
            height: b.height - lh,
            ..b
        },
    }
}
