//! The timeline projection: journal events into lanes of spans (a fault in
//! place, an alarm firing, a plan step running, a change open, a drill
//! phase) and markers (operator actions, run and drill milestones) for one
//! time window, in bounded memory. The Timeline view, `cocpit timeline`
//! and the tests all build their lanes here.

use super::board::AlarmBoard;
use super::sanitize::inert;
use super::{Event, EventKind, Severity};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Spans or markers one lane keeps; past it the oldest closed ones go (and
/// are counted in `dropped`), so a huge window cannot exhaust memory.
pub const MAX_ITEMS: usize = 20_000;

/// Labels are cut to this many characters: enough for a name and a service.
const LABEL_CHARS: usize = 120;

/// Resolved alarms older than this had left the live board (the console
/// prunes them after a day), so a board rebuilt for a past moment drops
/// them too.
pub const KEEP_RESOLVED: Duration = Duration::hours(24);

/// The lanes, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneKind {
    Faults,
    Alarms,
    Actions,
    Plans,
    Changes,
    Drills,
}

impl LaneKind {
    pub const ALL: [LaneKind; 6] = [
        LaneKind::Faults,
        LaneKind::Alarms,
        LaneKind::Actions,
        LaneKind::Plans,
        LaneKind::Changes,
        LaneKind::Drills,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LaneKind::Faults => "faults",
            LaneKind::Alarms => "alarms",
            LaneKind::Actions => "actions",
            LaneKind::Plans => "plans",
            LaneKind::Changes => "changes",
            LaneKind::Drills => "drills",
        }
    }

    pub fn index(self) -> usize {
        LaneKind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// What colour a bar is: an alarm's worst severity, or how a fault, step,
/// change or phase is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Info,
    Warning,
    Minor,
    Major,
    Critical,
    /// Still going (a live fault, a running step, an open change).
    Running,
    Ok,
    Failed,
    /// Ended without a verdict (skipped, dismissed, aborted, interrupted).
    Neutral,
}

impl Tone {
    pub fn of(sev: Severity) -> Tone {
        match sev {
            Severity::Info => Tone::Info,
            Severity::Warning => Tone::Warning,
            Severity::Minor => Tone::Minor,
            Severity::Major => Tone::Major,
            Severity::Critical => Tone::Critical,
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            Tone::Info => Some(Severity::Info),
            Tone::Warning => Some(Severity::Warning),
            Tone::Minor => Some(Severity::Minor),
            Tone::Major => Some(Severity::Major),
            Tone::Critical => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Info => "info",
            Tone::Warning => "warning",
            Tone::Minor => "minor",
            Tone::Major => "major",
            Tone::Critical => "critical",
            Tone::Running => "running",
            Tone::Ok => "ok",
            Tone::Failed => "failed",
            Tone::Neutral => "neutral",
        }
    }

    /// From an outcome word (`ok`, `succeeded`, `failed`, …).
    fn of_outcome(word: &str) -> Tone {
        match word {
            "ok" | "succeeded" | "passed" | "recovered" => Tone::Ok,
            "failed" => Tone::Failed,
            _ => Tone::Neutral,
        }
    }
}

/// A bar: something that lasted from `start` to `end` (`None`: still going).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// What it is (alarm fingerprint, fault id, `run/section/index`, change
    /// id, drill id).
    pub key: String,
    /// Inert text for people.
    pub label: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub tone: Tone,
    /// The row that opened it and the one that closed it.
    pub start_id: i64,
    pub end_id: Option<i64>,
}

impl Span {
    /// Whether any of it lies in `[from, to]` (an open span lasts until `to`).
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.start <= to && self.end.is_none_or(|e| e >= from)
    }
}

/// A moment: an operator action or a milestone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marker {
    pub at: DateTime<Utc>,
    pub id: i64,
    /// The journal kind (`alarm.acked`, `plan.decided` …).
    pub kind: String,
    /// Inert text for people.
    pub label: String,
    /// One character for the view (`A` ack, `N` note, `▶` start …).
    #[serde(skip)]
    pub symbol: char,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lane {
    pub lane: LaneKind,
    pub spans: Vec<Span>,
    pub markers: Vec<Marker>,
    /// Spans and markers let go to stay within [`MAX_ITEMS`].
    pub dropped: u64,
    /// Open spans by key: index into `spans`.
    #[serde(skip)]
    open: HashMap<String, usize>,
}

impl Lane {
    fn new(lane: LaneKind) -> Lane {
        Lane {
            lane,
            spans: Vec::new(),
            markers: Vec::new(),
            dropped: 0,
            open: HashMap::new(),
        }
    }

    fn open_span(&mut self, span: Span) {
        if let Some(&i) = self.open.get(&span.key) {
            // Opened again while open (a repeated row): keep the first.
            if let Some(old) = self.spans.get_mut(i) {
                old.label = span.label;
            }
            return;
        }
        self.open.insert(span.key.clone(), self.spans.len());
        self.spans.push(span);
    }

    fn get_open(&mut self, key: &str) -> Option<&mut Span> {
        let i = *self.open.get(key)?;
        self.spans.get_mut(i)
    }

    /// Close the open span `key` at `ev`; one that ended before `from`
    /// leaves at once (swapped out: constant time, however many there are).
    fn close(&mut self, key: &str, ev: &Event, tone: Option<Tone>, from: DateTime<Utc>) {
        let Some(i) = self.open.remove(key) else {
            return;
        };
        if ev.ts < from {
            if i < self.spans.len() {
                self.spans.swap_remove(i);
                if let Some(moved) = self.spans.get(i)
                    && moved.end.is_none()
                {
                    self.open.insert(moved.key.clone(), i);
                }
            }
            return;
        }
        if let Some(s) = self.spans.get_mut(i) {
            s.end = Some(ev.ts.max(s.start));
            s.end_id = Some(ev.id);
            if let Some(t) = tone {
                s.tone = t;
            }
        }
    }

    /// Let go of what ended before `from`, then of the oldest closed spans
    /// and markers past the cap.
    fn retain_from(&mut self, from: DateTime<Utc>) {
        let before = self.spans.len() + self.markers.len();
        self.spans.retain(|s| s.end.is_none_or(|e| e >= from));
        self.markers.retain(|m| m.at >= from);
        let mut excess = self.spans.len().saturating_sub(MAX_ITEMS);
        if excess > 0 {
            self.spans.retain(|s| {
                let drop = excess > 0 && s.end.is_some();
                if drop {
                    excess -= 1;
                }
                !drop
            });
        }
        let excess = self.markers.len().saturating_sub(MAX_ITEMS);
        self.markers.drain(..excess);
        let after = self.spans.len() + self.markers.len();
        self.dropped += before.saturating_sub(after) as u64;
        self.open = self
            .spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.end.is_none())
            .map(|(i, s)| (s.key.clone(), i))
            .collect();
    }
}

/// The window a timeline is built for: `to = None` is open-ended (live).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// Limits a timeline to one drill: its phases and its faults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Only {
    pub drill: Option<String>,
    /// Fault ids; `None` shows every fault.
    pub faults: Option<HashSet<String>>,
}

/// Every lane for one window, fed event by event in id order.
#[derive(Debug, Clone)]
pub struct Lanes {
    pub window: Window,
    pub lanes: Vec<Lane>,
    /// The last row applied.
    pub last_id: i64,
    pub only: Only,
    /// Alarm names by fingerprint, for action labels (cleared past the cap).
    names: HashMap<String, String>,
    /// Fault labels by id, for a fault in place again after a recovery.
    fault_labels: HashMap<String, String>,
    /// Items since the last trim.
    since_trim: usize,
}

impl Lanes {
    pub fn new(window: Window) -> Lanes {
        Lanes {
            window,
            lanes: LaneKind::ALL.into_iter().map(Lane::new).collect(),
            last_id: 0,
            only: Only::default(),
            names: HashMap::new(),
            fault_labels: HashMap::new(),
            since_trim: 0,
        }
    }

    pub fn only(mut self, only: Only) -> Lanes {
        self.only = only;
        self
    }

    /// Lanes built from `events` (in id order) for `window`.
    pub fn build<'a>(window: Window, events: impl IntoIterator<Item = &'a Event>) -> Lanes {
        let mut lanes = Lanes::new(window);
        for ev in events {
            lanes.apply(ev);
        }
        lanes
    }

    pub fn lane(&self, kind: LaneKind) -> &Lane {
        // `lanes` always holds every kind, in `LaneKind::ALL` order.
        &self.lanes[kind.index()]
    }

    fn lane_mut(&mut self, kind: LaneKind) -> &mut Lane {
        &mut self.lanes[kind.index()]
    }

    /// Spans and markers in time order, for output (the view does not
    /// need it: it draws what overlaps).
    pub fn sorted(mut self) -> Lanes {
        for lane in &mut self.lanes {
            lane.spans.sort_by_key(|s| (s.start, s.start_id));
            lane.markers.sort_by_key(|m| (m.at, m.id));
            lane.open = lane
                .spans
                .iter()
                .enumerate()
                .filter(|(_, s)| s.end.is_none())
                .map(|(i, s)| (s.key.clone(), i))
                .collect();
        }
        self
    }

    /// Move the window's start on (a live timeline), letting go of what
    /// ended before it.
    pub fn retain_from(&mut self, from: DateTime<Utc>) {
        self.window.from = from;
        for lane in &mut self.lanes {
            lane.retain_from(from);
        }
        self.since_trim = 0;
    }

    /// Whether this timeline holds everything of `[from, to]`.
    pub fn covers(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.window.from <= from && self.window.to.is_none_or(|t| t >= to)
    }

    /// Spans and markers held, in every lane.
    pub fn items(&self) -> usize {
        self.lanes
            .iter()
            .map(|l| l.spans.len() + l.markers.len())
            .sum()
    }

    /// The row under the cursor in `lane`: the nearest marker within
    /// `tolerance` of `at`, else the bar covering `at` that started last
    /// (its opening row, or its closing row when `at` is nearer the end).
    pub fn pick(
        &self,
        lane: LaneKind,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
        tolerance: Duration,
    ) -> Option<i64> {
        let l = self.lane(lane);
        let near = l
            .markers
            .iter()
            .filter(|m| (m.at - at).abs() <= tolerance)
            .min_by_key(|m| ((m.at - at).abs(), -m.id));
        if let Some(m) = near {
            return Some(m.id);
        }
        l.spans
            .iter()
            .filter(|s| s.start - tolerance <= at && s.end.unwrap_or(now) + tolerance >= at)
            .max_by_key(|s| (s.start, s.start_id))
            .map(|s| match (s.end, s.end_id) {
                (Some(end), Some(id)) if (end - at).abs() < (at - s.start).abs() => id,
                _ => s.start_id,
            })
    }

    pub fn apply(&mut self, ev: &Event) {
        if ev.id <= self.last_id {
            return;
        }
        self.last_id = ev.id;
        if self.window.to.is_some_and(|to| ev.ts > to) {
            return;
        }
        let Some(kind) = ev.kind() else {
            return;
        };
        self.apply_kind(kind, ev);
        self.since_trim += 1;
        if self.since_trim >= MAX_ITEMS {
            let from = self.window.from;
            self.retain_from(from);
        }
    }

    fn marker(&mut self, lane: LaneKind, ev: &Event, symbol: char, label: String) {
        if ev.ts < self.window.from {
            return;
        }
        self.lane_mut(lane).markers.push(Marker {
            at: ev.ts,
            id: ev.id,
            kind: inert(&ev.kind).into_owned(),
            label: cut(&label),
            symbol,
        });
    }

    fn open(&mut self, lane: LaneKind, key: String, label: String, tone: Tone, ev: &Event) {
        self.lane_mut(lane).open_span(Span {
            key,
            label: cut(&label),
            start: ev.ts,
            end: None,
            tone,
            start_id: ev.id,
            end_id: None,
        });
    }

    fn close(&mut self, lane: LaneKind, key: &str, ev: &Event, tone: Option<Tone>) {
        let from = self.window.from;
        self.lane_mut(lane).close(key, ev, tone, from);
    }

    fn apply_kind(&mut self, kind: EventKind, ev: &Event) {
        use EventKind as K;
        let p = &ev.payload;
        let who = actor(ev);
        match kind {
            K::AlarmRaised | K::AlarmUpdated => {
                let sev = Severity::parse(str_at(p, &["severity"]).unwrap_or(""));
                let label = alarm_label(p);
                if self.names.len() >= MAX_ITEMS * 5 {
                    self.names.clear();
                }
                self.names.insert(ev.subject.clone(), label.clone());
                let tone = Tone::of(sev);
                let lane = self.lane_mut(LaneKind::Alarms);
                match lane.get_open(&ev.subject) {
                    // The worst it got colours the bar.
                    Some(s) => {
                        if tone.severity() > s.tone.severity() {
                            s.tone = tone;
                        }
                        s.label = cut(&label);
                    }
                    None => self.open(LaneKind::Alarms, ev.subject.clone(), label, tone, ev),
                }
            }
            K::AlarmResolved => self.close(LaneKind::Alarms, &ev.subject, ev, None),
            K::AlarmAcked
            | K::AlarmUnacked
            | K::AlarmNoteAdded
            | K::AlarmOwnerSet
            | K::AlarmSilenced => {
                let name = self
                    .names
                    .get(&ev.subject)
                    .cloned()
                    .unwrap_or_else(|| short(&ev.subject));
                let (symbol, what) = match kind {
                    K::AlarmAcked => ('A', "ack".to_string()),
                    K::AlarmUnacked => ('U', "unack".to_string()),
                    K::AlarmNoteAdded => (
                        'N',
                        format!("note \"{}\"", str_at(p, &["text"]).unwrap_or("")),
                    ),
                    K::AlarmOwnerSet => match str_at(p, &["owner"]) {
                        Some(o) if !o.is_empty() => ('O', format!("owner {o}")),
                        _ => ('O', "owner released".to_string()),
                    },
                    _ => ('S', "silence".to_string()),
                };
                self.marker(
                    LaneKind::Actions,
                    ev,
                    symbol,
                    format!("{what} by {who} · {name}"),
                );
            }
            K::PlanDecided => {
                let decision = str_at(p, &["decision"]).unwrap_or("decided");
                let step = str_at(p, &["name"]).unwrap_or("");
                let by = str_at(p, &["by"]).unwrap_or(&who).to_string();
                self.marker(
                    LaneKind::Actions,
                    ev,
                    'D',
                    format!("{decision} by {by} · {step}"),
                );
            }
            K::FaultIntended => {
                if !self.fault_shown(&ev.subject) {
                    return;
                }
                let spec = |k: &str| str_at(p, &["spec", k]).unwrap_or("");
                let label = format!(
                    "{} {} {} ({})",
                    spec("provider"),
                    spec("action"),
                    spec("target"),
                    ev.subject
                );
                if self.fault_labels.len() >= MAX_ITEMS {
                    self.fault_labels.clear();
                }
                self.fault_labels.insert(ev.subject.clone(), label.clone());
                self.open(
                    LaneKind::Faults,
                    ev.subject.clone(),
                    label,
                    Tone::Running,
                    ev,
                );
            }
            K::FaultActive => {
                if !self.fault_shown(&ev.subject) {
                    return;
                }
                // The bar is the time the fault was in place: from the
                // injection, once it is known to have happened.
                match self.lane_mut(LaneKind::Faults).get_open(&ev.subject) {
                    Some(s) => {
                        s.start = ev.ts;
                        s.start_id = ev.id;
                    }
                    // In place again after a recovery (an injection that
                    // finished after a panic recovery).
                    None => {
                        let label = self
                            .fault_labels
                            .get(&ev.subject)
                            .cloned()
                            .unwrap_or_else(|| ev.subject.clone());
                        self.open(
                            LaneKind::Faults,
                            ev.subject.clone(),
                            label,
                            Tone::Running,
                            ev,
                        );
                    }
                }
            }
            K::FaultRecovered => {
                self.close(LaneKind::Faults, &ev.subject, ev, Some(Tone::Ok));
            }
            K::FaultDismissed => {
                self.close(LaneKind::Faults, &ev.subject, ev, Some(Tone::Neutral));
            }
            K::FaultFailed => {
                if !self.fault_shown(&ev.subject) {
                    return;
                }
                let phase = str_at(p, &["phase"]).unwrap_or("");
                let reason = str_at(p, &["reason"]).unwrap_or("");
                if phase == "inject" {
                    self.close(LaneKind::Faults, &ev.subject, ev, Some(Tone::Failed));
                }
                let label = format!("{phase} failed: {reason} ({})", ev.subject);
                self.marker(LaneKind::Faults, ev, '!', label);
            }
            K::FaultOrphaned if self.fault_shown(&ev.subject) => {
                let label = format!("orphaned ({})", ev.subject);
                self.marker(LaneKind::Faults, ev, '?', label);
            }
            K::PlanStepStarted => {
                let label = str_at(p, &["name"]).unwrap_or("step").to_string();
                let key = step_key(p);
                self.open(LaneKind::Plans, key, label, Tone::Running, ev);
            }
            K::PlanStepFinished => {
                let tone = Tone::of_outcome(str_at(p, &["outcome"]).unwrap_or(""));
                let key = step_key(p);
                self.close(LaneKind::Plans, &key, ev, Some(tone));
            }
            K::PlanRunStarted => {
                let title = str_at(p, &["plan", "title"])
                    .or_else(|| str_at(p, &["plan", "id"]))
                    .unwrap_or("");
                let label = format!("run {} started by {who}: {title}", run_of(p, ev));
                self.marker(LaneKind::Plans, ev, '▶', label);
            }
            K::PlanRunFinished => {
                let outcome = str_at(p, &["outcome", "state"]).unwrap_or("finished");
                self.marker(
                    LaneKind::Plans,
                    ev,
                    '■',
                    format!("run {} {outcome}", run_of(p, ev)),
                );
            }
            K::PlanStepWaiting => {
                let state = str_at(p, &["waiting", "state"]).unwrap_or("waiting");
                let step = str_at(p, &["name"]).unwrap_or("");
                self.marker(LaneKind::Plans, ev, '‖', format!("{step}: {state}"));
            }
            K::PlanStepRetrying => {
                let step = str_at(p, &["name"]).unwrap_or("");
                self.marker(LaneKind::Plans, ev, '↻', format!("{step}: retrying"));
            }
            K::PlanRunStopped => {
                let reason = str_at(p, &["reason"]).unwrap_or("");
                self.marker(LaneKind::Plans, ev, '‖', format!("stopped: {reason}"));
            }
            K::PlanRollbackStarted => {
                let reason = str_at(p, &["reason"]).unwrap_or("");
                self.marker(LaneKind::Plans, ev, '↩', format!("rollback: {reason}"));
            }
            K::PlanInterrupted => {
                let reason = str_at(p, &["reason"]).unwrap_or("");
                self.marker(
                    LaneKind::Plans,
                    ev,
                    '!',
                    format!("run {} interrupted: {reason}", run_of(p, ev)),
                );
            }
            K::ChangeOpened => {
                let title = str_at(p, &["title"]).unwrap_or("change");
                let key = str_at(p, &["change"]).unwrap_or(&ev.subject).to_string();
                self.open(LaneKind::Changes, key, title.to_string(), Tone::Running, ev);
            }
            K::ChangeClosed => {
                let tone = Tone::of_outcome(str_at(p, &["outcome"]).unwrap_or(""));
                let key = str_at(p, &["change"]).unwrap_or(&ev.subject).to_string();
                self.close(LaneKind::Changes, &key, ev, Some(tone));
            }
            K::DrillStarted
            | K::DrillPhase
            | K::DrillGate
            | K::DrillMeasured
            | K::DrillFinished
            | K::DrillInterrupted => self.apply_drill(kind, ev),
            _ => {}
        }
    }

    fn fault_shown(&self, id: &str) -> bool {
        self.only.faults.as_ref().is_none_or(|f| f.contains(id))
    }

    fn apply_drill(&mut self, kind: EventKind, ev: &Event) {
        use EventKind as K;
        if self.only.drill.as_ref().is_some_and(|d| *d != ev.subject) {
            return;
        }
        let p = &ev.payload;
        let drill = &ev.subject;
        match kind {
            K::DrillStarted => {
                let title = str_at(p, &["title"]).unwrap_or("");
                let label = format!("drill {drill} started: {title}");
                self.marker(LaneKind::Drills, ev, '▶', label);
            }
            K::DrillPhase => {
                // One phase at a time: the next one ends the last.
                self.close(LaneKind::Drills, drill, ev, Some(Tone::Ok));
                let phase = str_at(p, &["phase"]).unwrap_or("phase");
                let phase = phase.replace('_', " ");
                let label = match p.get("group").and_then(Value::as_u64) {
                    Some(g) => format!("{phase} (group {g})"),
                    None => phase,
                };
                self.open(LaneKind::Drills, drill.clone(), label, Tone::Running, ev);
            }
            K::DrillGate => {
                let state = str_at(p, &["state"]).unwrap_or("");
                let phase = str_at(p, &["phase"]).unwrap_or("").replace('_', " ");
                let by = str_at(p, &["by"]).unwrap_or("");
                let label = format!("gate before {phase} {state} by {by}");
                self.marker(LaneKind::Drills, ev, '◆', label);
            }
            K::DrillMeasured => {
                let what = str_at(p, &["what"]).unwrap_or("");
                let name = str_at(p, &["name"]).unwrap_or("");
                let secs = p
                    .get("secs")
                    .and_then(Value::as_u64)
                    .map(|s| format!(" {s}s"))
                    .unwrap_or_default();
                let ok = p.get("ok").and_then(Value::as_bool).unwrap_or(true);
                let mark = if ok { '•' } else { '✗' };
                self.marker(LaneKind::Drills, ev, mark, format!("{what} {name}{secs}"));
            }
            K::DrillFinished => {
                let verdict = str_at(p, &["verdict"]).unwrap_or("finished");
                self.close(LaneKind::Drills, drill, ev, Some(Tone::of_outcome(verdict)));
                let label = format!("drill {drill} {verdict}");
                self.marker(LaneKind::Drills, ev, '■', label);
            }
            K::DrillInterrupted => {
                self.close(LaneKind::Drills, drill, ev, Some(Tone::Neutral));
                let label = format!("drill {drill} interrupted");
                self.marker(LaneKind::Drills, ev, '!', label);
            }
            _ => {}
        }
    }
}

/// The window of one drill from its rows: `drill.started` to
/// `drill.finished` (or `drill.interrupted`; still open: `None`), and the
/// faults it injected (its `drill.measured` rows of `what: fault`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrillSpan {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub faults: HashSet<String>,
}

impl DrillSpan {
    pub fn apply(&mut self, drill: &str, ev: &Event) {
        if ev.subject != drill {
            return;
        }
        match ev.kind() {
            Some(EventKind::DrillStarted) => {
                self.start.get_or_insert(ev.ts);
            }
            Some(EventKind::DrillFinished | EventKind::DrillInterrupted) => {
                self.end = Some(ev.ts);
            }
            Some(EventKind::DrillMeasured) if str_at(&ev.payload, &["what"]) == Some("fault") => {
                if let Some(id) = str_at(&ev.payload, &["name"]) {
                    self.faults.insert(id.to_string());
                }
            }
            _ => {}
        }
    }
}

/// Whether a row belongs to the journal prefix "up to `at`": rows are
/// replayed in id order and those stamped after the moment are left out.
pub fn in_prefix(ev: &Event, at: DateTime<Utc>) -> bool {
    ev.ts <= at
}

/// The alarm board as it was at `at`: every row of the prefix replayed with
/// the board's own projection, then the resolved alarms the console had
/// already let go of by then pruned, as the live board does.
pub fn board_at<'a>(events: impl IntoIterator<Item = &'a Event>, at: DateTime<Utc>) -> AlarmBoard {
    let mut board = AlarmBoard::new();
    for ev in events {
        if in_prefix(ev, at) {
            board.apply(ev);
        }
    }
    settle_board(&mut board, at);
    board
}

/// What the live board would have pruned by `at`.
pub fn settle_board(board: &mut AlarmBoard, at: DateTime<Utc>) {
    board.prune_resolved(at - KEEP_RESOLVED);
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
}

fn cut(s: &str) -> String {
    let s = inert(s);
    match s.char_indices().nth(LABEL_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.into_owned(),
    }
}

fn short(fp: &str) -> String {
    fp.chars().take(8).collect()
}

/// `operator` of `operator@host`.
fn actor(ev: &Event) -> String {
    ev.actor.split('@').next().unwrap_or(&ev.actor).to_string()
}

fn alarm_label(p: &Value) -> String {
    let name = str_at(p, &["name"]).unwrap_or("alarm");
    let label = |k: &str| str_at(p, &["labels", k]);
    match label("service").or_else(|| label("job")) {
        Some(svc) => format!("{name} · {svc}"),
        None => name.to_string(),
    }
}

fn run_of(p: &Value, ev: &Event) -> String {
    str_at(p, &["run"]).unwrap_or(&ev.subject).to_string()
}

/// One open step per run and address.
fn step_key(p: &Value) -> String {
    let run = str_at(p, &["run"]).unwrap_or("");
    let section = str_at(p, &["at", "section"]).unwrap_or("steps");
    let index = p
        .get("at")
        .and_then(|a| a.get("index"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    format!("{run}/{section}/{index}")
}
