//! The log room: the recent journal tail as display lines, filtered by
//! kind, actor, subject or free text, following the tail unless the
//! operator scrolled away.

use super::list::{List, Sort};
use super::{Level, State};
use crate::domain::fault::FaultLedger;
use crate::domain::filter::{Filter, contains_ci};
use crate::domain::sanitize::inert;
use crate::domain::{AlarmBoard, Event};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;
use std::collections::VecDeque;

/// Columns the log sorts by; with no sort chosen it is in id order.
pub const COLUMNS: &[&str] = &["id", "time", "actor", "kind", "subject", "text"];

/// Enough for a shift's worth of reading; the journal keeps everything.
pub const LOG_CAP: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub id: i64,
    pub ts: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub subject: String,
    /// What the subject is, for a person: `PaymentsLatencyHigh · payments`
    /// for an alarm, `sim:payments` for a fault (empty when unknown).
    pub about: String,
    pub text: String,
    /// The payload as compact JSON, as journaled (not inert: the event
    /// popup makes each line inert when it draws it).
    pub payload: String,
}

impl LogLine {
    pub fn from_event(ev: &Event) -> LogLine {
        LogLine::with_context(ev, &AlarmBoard::new(), &FaultLedger::new())
    }

    /// A line for `ev`, naming its alarm from the board or its fault from
    /// the ledger when the payload does not say (an ack names only the
    /// fingerprint).
    pub fn with_context(ev: &Event, board: &AlarmBoard, ledger: &FaultLedger) -> LogLine {
        let about = about(ev, board, ledger);
        let mut text = summarise(&ev.payload);
        // An observation's summary starts with the alarm's name, which
        // `about` already says.
        if let Some(name) = ev.payload.get("name").and_then(serde_json::Value::as_str)
            && about.starts_with(name)
            && let Some(rest) = text.strip_prefix(name)
        {
            text = rest.trim_start().to_string();
        }
        LogLine {
            id: ev.id,
            ts: ev.ts,
            actor: inert(&ev.actor).into_owned(),
            kind: inert(&ev.kind).into_owned(),
            subject: inert(&ev.subject).into_owned(),
            about: inert(&about).into_owned(),
            text: inert(&text).into_owned(),
            payload: ev.payload.to_string(),
        }
    }

    /// The subject as shown: what it is, or its raw id.
    pub fn shown_subject(&self) -> &str {
        if self.about.is_empty() {
            &self.subject
        } else {
            &self.about
        }
    }
}

/// `NAME · SERVICE` for an alarm event, `TARGET` for a fault event.
fn about(ev: &Event, board: &AlarmBoard, ledger: &FaultLedger) -> String {
    use serde_json::Value;
    let p = &ev.payload;
    if ev.kind.starts_with("alarm.") || ev.kind.starts_with("silence.") {
        // The observation itself, else the board's alarm of that fingerprint.
        let own = p.get("name").and_then(Value::as_str).map(|name| {
            let labels = p.get("labels");
            let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
            let service = label("service")
                .or_else(|| label("job"))
                .or_else(|| label("instance"));
            (name.to_string(), service.map(str::to_string))
        });
        let known = own.or_else(|| {
            board
                .get(&ev.subject)
                .map(|a| (a.name().to_string(), Some(a.service().to_string())))
        });
        return match known {
            Some((name, Some(svc))) if svc != "-" => format!("{name} · {svc}"),
            Some((name, _)) => name,
            None => String::new(),
        };
    }
    if ev.kind.starts_with("risk.") {
        // A tag keeps the alarm's name and service as they were.
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
        return match (s("alarm"), s("service")) {
            (name, "") => name.to_string(),
            (name, svc) => format!("{name} · {svc}"),
        };
    }
    if ev.kind.starts_with("fault.") {
        if let Some(t) = p
            .get("spec")
            .and_then(|s| s.get("target"))
            .and_then(Value::as_str)
        {
            return t.to_string();
        }
        return ledger
            .get(&ev.subject)
            .map(|f| f.spec.target.clone())
            .unwrap_or_default();
    }
    String::new()
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
    // Ownership: who, from whom, or released.
    if let Some(owner) = m.get("owner").and_then(Value::as_str) {
        let from = text("previous");
        return match (owner.is_empty(), from) {
            (true, Some(p)) => format!("released (was {p})"),
            (true, None) => "released".to_string(),
            (false, Some(p)) => format!("{owner} (taken from {p})"),
            (false, None) => owner.to_string(),
        };
    }
    // A failure-mode tag (`risk.tagged`); `operator.joined` has a `mode` too.
    if let (Some(mode), Some(_)) = (text("mode"), text("alarm")) {
        return format!("failure mode {mode}");
    }
    ["text", "comment", "reason", "description", "name"]
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
    pub fn push(&mut self, events: &[Event], board: &AlarmBoard, ledger: &FaultLedger) {
        for ev in events {
            self.lines
                .push_back(LogLine::with_context(ev, board, ledger));
        }
        let overflow = self.lines.len().saturating_sub(LOG_CAP);
        self.lines.drain(..overflow);
        self.refilter();
    }

    pub fn refilter(&mut self) {
        let keep = (!self.follow)
            .then(|| self.selected_line().map(|l| l.id))
            .flatten();
        let f = &self.list.filter;
        self.visible = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches(f, l))
            .map(|(i, _)| i)
            .collect();
        if let Some(sort) = self.list.sort {
            let lines = &self.lines;
            List::order(sort, &mut self.visible, |col, a, b| {
                match (lines.get(*a), lines.get(*b)) {
                    (Some(a), Some(b)) => compare(col, a, b),
                    _ => Ordering::Equal,
                }
            });
        }
        let lines = &self.lines;
        let position = |id: i64| {
            self.visible
                .iter()
                .position(|&i| lines.get(i).is_some_and(|l| l.id == id))
        };
        // Following: the newest line, wherever the sort puts it.
        let newest = lines.back().map(|l| l.id);
        let target = if self.follow { newest } else { keep };
        match target.and_then(position) {
            Some(i) => self.list.selected = i,
            None if self.follow => self.list.selected = self.visible.len().saturating_sub(1),
            None => self.list.clamp(self.visible.len()),
        }
    }

    /// Whether the line at visible row `i` matches the `\\` search.
    pub fn search_hit(&self, line: &LogLine) -> bool {
        self.list
            .search
            .as_deref()
            .is_some_and(|q| search_matches(line, q))
    }

    pub fn selected_line(&self) -> Option<&LogLine> {
        self.visible
            .get(self.list.selected)
            .and_then(|&i| self.lines.get(i))
    }
}

/// What the search looks at: what the row shows.
pub fn search_matches(l: &LogLine, needle: &str) -> bool {
    contains_ci(&l.kind, needle)
        || contains_ci(&l.actor, needle)
        || contains_ci(&l.subject, needle)
        || contains_ci(&l.about, needle)
        || contains_ci(&l.text, needle)
}

/// Each column's natural order (ids and times oldest first, text A→Z).
fn compare(column: &str, a: &LogLine, b: &LogLine) -> Ordering {
    let by = match column {
        "time" => a.ts.cmp(&b.ts),
        "actor" => a.actor.cmp(&b.actor),
        "kind" => a.kind.cmp(&b.kind),
        "subject" => a.shown_subject().cmp(b.shown_subject()),
        "text" => a.text.cmp(&b.text),
        _ => Ordering::Equal,
    };
    by.then(a.id.cmp(&b.id))
}

/// Moving off the newest line stops following; moving back onto it resumes.
pub fn move_by(state: &mut State, delta: isize) {
    let page = state.page_rows();
    let log = &mut state.log;
    let n = log.visible.len();
    if log.list.move_by(delta, n, page) {
        let newest = log.lines.back().map(|l| l.id);
        log.follow = log.selected_line().map(|l| l.id) == newest;
    }
}

/// `f`: follow the tail on or off.
pub fn toggle_follow(state: &mut State) {
    let log = &mut state.log;
    log.follow = !log.follow;
    if log.follow {
        log.refilter();
    }
}

/// `Enter`: the whole event under the cursor.
pub fn open_event(state: &mut State) {
    match state.log.selected_line() {
        Some(line) => {
            state.mode = super::Mode::Event(Box::new(EventView {
                line: line.clone(),
                scroll: 0,
            }));
        }
        None => state.say(Level::Info, "no event selected"),
    }
}

/// The event popup (`Enter` in the Log view): one journal row whole, its
/// payload pretty-printed, scrolled with j/k, PgUp/PgDn, g/G.
#[derive(Debug, Clone)]
pub struct EventView {
    pub line: LogLine,
    pub scroll: u16,
}

impl EventView {
    /// The payload, pretty-printed (each line made inert when drawn).
    pub fn payload_lines(&self) -> Vec<String> {
        let pretty = serde_json::from_str::<serde_json::Value>(&self.line.payload)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| self.line.payload.clone());
        pretty.lines().map(str::to_string).collect()
    }
}

/// Keys in the event popup: scroll, or close (Esc, Enter, q).
pub fn on_event_key(state: &mut State, key: crossterm::event::KeyEvent) {
    use crossterm::event::KeyCode;
    let page = state.page_rows() as u16;
    let super::Mode::Event(view) = &mut state.mode else {
        return;
    };
    let s = &mut view.scroll;
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => *s = s.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => *s = s.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => *s = s.saturating_add(page),
        KeyCode::PageUp => *s = s.saturating_sub(page),
        KeyCode::Char('g') | KeyCode::Home => *s = 0,
        KeyCode::Char('G') | KeyCode::End => *s = u16::MAX,
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => state.mode = super::Mode::Normal,
        _ => {}
    }
}

/// The log's natural order is the journal's.
pub const NATURAL: Option<Sort> = None;

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
            |needle| search_matches(l, needle),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: i64, kind: &str, subject: &str, payload: serde_json::Value) -> Event {
        Event {
            id,
            ts: chrono::TimeZone::timestamp_opt(&Utc, 1_700_000_000 + id, 0).unwrap(),
            actor: "alice@h".into(),
            kind: kind.into(),
            subject: subject.into(),
            payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn alarm_and_fault_events_say_what_they_are_about() {
        let raised = json!({"fingerprint": "98e0e76420a5e2c4", "source": "demo",
            "name": "PaymentsLatencyHigh", "severity": "critical",
            "labels": {"service": "payments"}, "annotations": {}, "starts_at": "2026-01-01T00:00:00Z"});
        let mut board = AlarmBoard::new();
        let first = ev(1, "alarm.raised", "98e0e76420a5e2c4", raised);
        board.apply(&first);
        let mut ledger = FaultLedger::new();
        let intended = crate::domain::fault::ledger::tests::intended(2, 0, "f1", "c");
        ledger.apply(&intended);
        let mut log = LogView::default();
        log.push(
            &[
                first,
                ev(3, "alarm.acked", "98e0e76420a5e2c4", json!({})),
                intended,
                ev(4, "fault.recovered", "f1", json!({"trigger": "operator"})),
            ],
            &board,
            &ledger,
        );
        let about: Vec<&str> = log.lines.iter().map(|l| l.about.as_str()).collect();
        assert_eq!(
            about,
            [
                "PaymentsLatencyHigh · payments",
                "PaymentsLatencyHigh · payments",
                "pid:4242",
                "pid:4242"
            ]
        );
    }

    #[test]
    fn summaries_say_what_happened() {
        let raised = json!({"name": "DiskFull", "severity": "critical", "annotations": {"summary": "/var 99%"}});
        assert_eq!(summarise(&raised), "DiskFull [critical] /var 99%");
        assert_eq!(summarise(&json!({"text": "rolled back"})), "rolled back");
        assert_eq!(summarise(&json!({"owner": "bob"})), "bob");
        assert_eq!(summarise(&json!(null)), "");
        let tag = json!({"mode": "redis-hot-key", "alarm": "RedisCpuHigh", "service": "redis", "by": "ana"});
        assert_eq!(summarise(&tag), "failure mode redis-hot-key");
        assert_eq!(summarise(&json!({"mode": "demo", "pid": 1})), "");
    }
}
