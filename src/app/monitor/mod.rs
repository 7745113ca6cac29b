//! The monitor room: a ring of recent points per series (the demo's
//! samples, Prometheus range queries), grouped by service, and which group
//! is selected.

use super::State;
use super::list::List;
use crate::domain::{MetricPoint, MetricSnapshot, SeriesMeta};
use std::collections::{HashMap, VecDeque};

/// An hour at one sample a second: the widest window (`+`).
pub const HISTORY: usize = 3600;

#[derive(Debug, Clone)]
pub struct Series {
    pub meta: SeriesMeta,
    pub points: VecDeque<MetricPoint>,
}

impl Series {
    pub fn current(&self) -> Option<f64> {
        self.points.back().map(|p| p.value)
    }
}

/// Time windows `+` / `-` step through, in seconds.
pub const WINDOWS: [u32; 6] = [60, 120, 300, 600, 1800, 3600];
/// The window the charts start with (they never show more than there is).
pub const DEFAULT_WINDOW: u32 = 600;

#[derive(Debug, Clone)]
pub struct Monitor {
    pub series: Vec<Series>,
    index: HashMap<String, usize>,
    /// Groups (services) in first-seen order.
    pub groups: Vec<String>,
    /// Which group is selected (the charts scroll to it).
    pub list: List,
    /// Seconds of history the charts show (`+` / `-`).
    pub window_secs: u32,
}

impl Default for Monitor {
    fn default() -> Monitor {
        Monitor {
            series: Vec::new(),
            index: HashMap::new(),
            groups: Vec::new(),
            list: List::default(),
            window_secs: DEFAULT_WINDOW,
        }
    }
}

impl Monitor {
    pub fn apply(&mut self, snap: MetricSnapshot) {
        for meta in snap.catalog {
            if let Some(&i) = self.index.get(&meta.id) {
                self.series[i].meta = meta;
                continue;
            }
            if !self.groups.contains(&meta.group) {
                self.groups.push(meta.group.clone());
            }
            self.index.insert(meta.id.clone(), self.series.len());
            self.series.push(Series {
                meta,
                points: VecDeque::new(),
            });
        }
        let Some(at) = snap.at else { return };
        for (id, value) in snap.samples {
            if let Some(&i) = self.index.get(&id) {
                let pts = &mut self.series[i].points;
                if pts.len() >= HISTORY {
                    pts.pop_front();
                }
                pts.push_back(MetricPoint { at, value });
            }
        }
    }

    /// Replace whole series (Prometheus range queries), registering new ones.
    pub fn apply_series(&mut self, batch: crate::domain::metric::SeriesBatch) {
        self.apply(MetricSnapshot {
            catalog: batch.catalog,
            at: None,
            samples: Vec::new(),
        });
        for (id, points) in batch.series {
            if let Some(&i) = self.index.get(&id) {
                let skip = points.len().saturating_sub(HISTORY);
                self.series[i].points = points.into_iter().skip(skip).collect();
            }
        }
    }

    pub fn in_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Series> + 'a {
        self.series.iter().filter(move |s| s.meta.group == group)
    }

    pub fn selected_group(&self) -> Option<&str> {
        self.groups.get(self.list.selected).map(String::as_str)
    }
}

/// `+` / `-`: a wider or narrower time window for the charts.
pub fn zoom(state: &mut State, wider: bool) {
    let m = &mut state.monitor;
    let i = WINDOWS
        .iter()
        .position(|w| *w >= m.window_secs)
        .unwrap_or(WINDOWS.len() - 1);
    let next = if wider {
        (i + 1).min(WINDOWS.len() - 1)
    } else {
        i.saturating_sub(1)
    };
    m.window_secs = WINDOWS[next];
    let text = format!("charts: last {}", window_label(m.window_secs));
    state.say(super::Level::Info, text);
}

/// `5m`, `1h`, `90s`.
pub fn window_label(secs: u32) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The selection moves over services; every chart of one is shown at once.
pub fn move_by(state: &mut State, delta: isize) {
    let m = &mut state.monitor;
    let n = m.groups.len();
    // The charts scroll themselves: no window to keep the cursor in.
    m.list.move_by(delta, n, usize::MAX);
}
