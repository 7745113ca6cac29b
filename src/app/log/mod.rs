//! The log room: the recent journal tail as display lines, filtered by
//! kind, actor, subject or free text, following the tail unless the
//! operator scrolled away.

use super::list::List;
use super::{Level, State};
use crate::domain::Event;
use crate::domain::filter::{Filter, contains_ci};
use crate::domain::sanitize::inert;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// Enough for a shift's worth of reading; the journal keeps everything.
pub const LOG_CAP: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub id: i64,
    pub ts: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub subject: String,
    pub text: String,
}

impl LogLine {
    pub fn from_event(ev: &Event) -> LogLine {
        LogLine {
            id: ev.id,
            ts: ev.ts,
            actor: inert(&ev.actor).into_owned(),
            kind: inert(&ev.kind).into_owned(),
            subject: inert(&ev.subject).into_owned(),
            text: inert(&summarise(&ev.payload)).into_owned(),
        }
    }
}

/// One short line out of any payload: the fields that say what happened.
fn summarise(p: &serde_json::Value) -> String {
    use serde_json::Value;
    let Value::Object(m) = p else {
        return match p {
            Value::Null => String::new(),
            other => other.to_string(),
        };
    };
    let text = |key: &str| match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    // An alarm observation: name, severity and its summary.
    if let (Some(name), Some(Value::Object(ann))) = (text("name"), m.get("annotations")) {
        let sev = text("severity").unwrap_or_default();
        return match ann.get("summary") {
            Some(Value::String(s)) => format!("{name} [{sev}] {s}"),
            _ => format!("{name} [{sev}]"),
        };
    }
    // Fault events: the spec, what is in place, or how the recovery went.
    if let Some(spec) = m.get("spec") {
        let s = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or("");
        return format!("{} {} {}", s("provider"), s("action"), s("target"));
    }
    if let Some(summary) = m
        .get("record")
        .and_then(|r| r.get("summary"))
        .and_then(Value::as_str)
    {
        return summary.to_string();
    }
    if let Some(trigger) = text("trigger") {
        let detail = text("detail").map(|d| format!(": {d}")).unwrap_or_default();
        return format!("{trigger}{detail}");
    }
    ["text", "comment", "owner", "reason", "description", "name"]
        .into_iter()
        .find_map(text)
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct LogView {
    pub lines: VecDeque<LogLine>,
    /// Indexes into `lines` that pass the filter, oldest first.
    pub visible: Vec<usize>,
    /// Cursor, scroll and the `/` filter.
    pub list: List,
    /// Keep the newest line selected as rows arrive.
    pub follow: bool,
}

impl Default for LogView {
    fn default() -> LogView {
        LogView {
            lines: VecDeque::new(),
            visible: Vec::new(),
            list: List::default(),
            follow: true,
        }
    }
}

impl LogView {
    pub fn push(&mut self, events: &[Event]) {
        for ev in events {
            self.lines.push_back(LogLine::from_event(ev));
        }
        let overflow = self.lines.len().saturating_sub(LOG_CAP);
        self.lines.drain(..overflow);
        self.refilter();
    }

    pub fn refilter(&mut self) {
        let f = &self.list.filter;
        self.visible = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches(f, l))
            .map(|(i, _)| i)
            .collect();
        if self.follow || self.list.selected >= self.visible.len() {
            self.list.selected = self.visible.len().saturating_sub(1);
        }
    }

    pub fn selected_line(&self) -> Option<&LogLine> {
        self.visible
            .get(self.list.selected)
            .and_then(|&i| self.lines.get(i))
    }
}

/// Moving off the newest line stops following; moving back onto it resumes.
pub fn move_by(state: &mut State, delta: isize) {
    let page = state.page_rows();
    let log = &mut state.log;
    let n = log.visible.len();
    if log.list.move_by(delta, n, page) {
        log.follow = log.list.selected + 1 == n;
    }
}

/// `f`: follow the tail on or off.
pub fn toggle_follow(state: &mut State) {
    let log = &mut state.log;
    log.follow = !log.follow;
    if log.follow {
        log.list.selected = log.visible.len().saturating_sub(1);
    }
}

pub fn set_filter(state: &mut State, f: Filter) {
    state.log.list.filter = f;
    state.log.refilter();
}

/// `Esc`: clear the filter. Whether there was one.
pub fn back(state: &mut State) -> bool {
    if state.log.list.filter.is_empty() {
        return false;
    }
    set_filter(state, Filter::default());
    state.say(Level::Info, "filter cleared");
    true
}

fn matches(f: &Filter, l: &LogLine) -> bool {
    f.is_empty()
        || f.matches_with(
            |name| match name {
                "kind" => Some(l.kind.as_str()),
                "actor" => Some(l.actor.as_str()),
                "subject" => Some(l.subject.as_str()),
                _ => None,
            },
            |needle| {
                contains_ci(&l.kind, needle)
                    || contains_ci(&l.actor, needle)
                    || contains_ci(&l.subject, needle)
                    || contains_ci(&l.text, needle)
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summaries_say_what_happened() {
        let raised = json!({"name": "DiskFull", "severity": "critical", "annotations": {"summary": "/var 99%"}});
        assert_eq!(summarise(&raised), "DiskFull [critical] /var 99%");
        assert_eq!(summarise(&json!({"text": "rolled back"})), "rolled back");
        assert_eq!(summarise(&json!({"owner": "bob"})), "bob");
        assert_eq!(summarise(&json!(null)), "");
    }
}
