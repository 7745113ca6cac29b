//! The monitor room: a ring of recent points per series (the demo's
//! samples, Prometheus range queries), grouped by service, and which group
//! is selected.

use super::State;
use super::list::List;
use crate::domain::{MetricPoint, MetricSnapshot, SeriesMeta};
use std::collections::{HashMap, VecDeque};

/// Ten minutes at one sample a second: wider than any chart we draw.
pub const HISTORY: usize = 600;

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

#[derive(Debug, Clone, Default)]
pub struct Monitor {
    pub series: Vec<Series>,
    index: HashMap<String, usize>,
    /// Groups (services) in first-seen order.
    pub groups: Vec<String>,
    /// Which group is selected (the charts scroll to it).
    pub list: List,
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

/// The selection moves over services; every chart of one is shown at once.
pub fn move_by(state: &mut State, delta: isize) {
    let m = &mut state.monitor;
    let n = m.groups.len();
    // The charts scroll themselves: no window to keep the cursor in.
    m.list.move_by(delta, n, usize::MAX);
}
