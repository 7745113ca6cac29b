//! The timeline room: the fault timeline of any window, drill or incident,
//! drawn from the journal, and time travel (the board as it was at the
//! cursor). The lanes come from the runtime (`TimelineEffect::Load`, a
//! journal scan off the loop) and then follow the tail; the past board
//! likewise (`TimelineEffect::Board`). Nothing here reads the journal.

use super::alarms::AlarmsView;
use super::keymap::{Action, View};
use super::log::{EventView, LogLine};
use super::{Effect, Level, Mode, State};
use crate::domain::timeline::{LaneKind, Lanes, Window};
use crate::domain::{AlarmBoard, Event};
use chrono::{DateTime, Duration, Utc};

/// The zoom levels (`+` / `-`), in seconds of window.
pub const ZOOMS: [i64; 11] = [
    60,
    5 * 60,
    15 * 60,
    30 * 60,
    3_600,
    2 * 3_600,
    6 * 3_600,
    12 * 3_600,
    86_400,
    3 * 86_400,
    7 * 86_400,
];

/// One hour at first.
const DEFAULT_ZOOM: usize = 4;

/// `h` / `l` move the cursor by this share of the window.
const STEP_DIVISOR: i32 = 12;

/// Rows that arrive while a load is in flight are kept for it (the scan
/// may have ended before them); past this many the load is asked again.
const MAX_PENDING: usize = 50_000;

/// Columns of the lane labels and borders, left of the time axis.
pub const LABEL_COLUMNS: u16 = 14;

/// What the runtime is asked to read (answered with a [`TimelineMsg`]).
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineEffect {
    /// The lanes of `window` from the whole journal.
    Load {
        journal: String,
        seq: u64,
        window: Window,
    },
    /// The alarm board as it was at `at`.
    Board { journal: String, at: DateTime<Utc> },
    /// One row, for the event popup.
    Event { journal: String, id: i64 },
}

/// The runtime's answers.
#[derive(Debug, Clone)]
pub enum TimelineMsg {
    Loaded {
        seq: u64,
        lanes: Box<Lanes>,
    },
    Board {
        at: DateTime<Utc>,
        board: Box<AlarmBoard>,
    },
    Event(Box<Event>),
    /// A read failed: the load `seq` when it was a load.
    Failed {
        seq: Option<u64>,
        why: String,
    },
}

/// The board of a past moment, shown read-only in the Alarms view.
#[derive(Debug, Clone)]
pub struct Travel {
    pub at: DateTime<Utc>,
    pub board: AlarmBoard,
    /// Its own list (cursor, visible rows), starting with the live view's
    /// filter, sort and grouping; what arranges the list on screen then
    /// arranges this one (`alarms::shown`).
    pub view: AlarmsView,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    /// The chosen lane (index into `LaneKind::ALL`).
    pub lane: usize,
    /// Index into [`ZOOMS`].
    pub zoom: usize,
    /// The window ends now and the cursor sits at now.
    pub follow: bool,
    /// The window's end and the cursor when not following.
    pub end: DateTime<Utc>,
    pub cursor: DateTime<Utc>,
    /// The lanes read from the journal, then kept up with the tail when
    /// open-ended.
    pub lanes: Option<Lanes>,
    /// The load in flight.
    pub loading: Option<u64>,
    seq: u64,
    /// Rows that came while loading.
    pending: Vec<Event>,
    /// Time travel: the board at a past moment.
    pub travel: Option<Travel>,
    /// Asked for the board of this moment, not answered yet.
    pub travelling_to: Option<DateTime<Utc>>,
    /// The last load failed (shown in the view).
    pub error: Option<String>,
}

impl Default for Timeline {
    fn default() -> Timeline {
        Timeline {
            lane: 0,
            zoom: DEFAULT_ZOOM,
            follow: true,
            end: DateTime::<Utc>::UNIX_EPOCH,
            cursor: DateTime::<Utc>::UNIX_EPOCH,
            lanes: None,
            loading: None,
            seq: 0,
            pending: Vec::new(),
            travel: None,
            travelling_to: None,
            error: None,
        }
    }
}

impl Timeline {
    pub fn lanes(&self) -> usize {
        LaneKind::ALL.len()
    }

    pub fn span(&self) -> Duration {
        Duration::seconds(ZOOMS[self.zoom.min(ZOOMS.len() - 1)])
    }

    /// The window on screen.
    pub fn window(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = if self.follow { now } else { self.end };
        (end - self.span(), end)
    }

    pub fn cursor_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        if self.follow { now } else { self.cursor }
    }

    pub fn lane_kind(&self) -> LaneKind {
        LaneKind::ALL[self.lane.min(LaneKind::ALL.len() - 1)]
    }

    fn step(&self) -> Duration {
        self.span() / STEP_DIVISOR
    }

    /// Leave follow mode where it is.
    fn hold(&mut self, now: DateTime<Utc>) {
        if self.follow {
            self.follow = false;
            self.end = now;
            self.cursor = now;
        }
    }
}

pub fn move_by(state: &mut State, delta: isize) {
    let n = state.timeline.lanes() as isize;
    let lane = (state.timeline.lane as isize + delta).clamp(0, (n - 1).max(0));
    state.timeline.lane = lane as usize;
}

/// `Esc` inside the view; `false` when there was nothing to close.
pub fn back(_state: &mut State) -> bool {
    false
}

/// The timeline's keys.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let now = state.now;
    let t = &mut state.timeline;
    match action {
        Action::TimelineZoomIn | Action::TimelineZoomOut => {
            let zoom = match action {
                Action::TimelineZoomIn => t.zoom.saturating_sub(1),
                _ => (t.zoom + 1).min(ZOOMS.len() - 1),
            };
            t.zoom = zoom;
            if !t.follow {
                // Zoom about the cursor, never past now.
                t.end = (t.cursor + t.span() / 2).min(now);
            }
            let span = span_label(t.span());
            state.say(Level::Info, format!("window {span}"));
        }
        Action::TimelinePanLeft => {
            t.hold(now);
            let step = t.step();
            t.cursor -= step;
            if t.cursor < t.end - t.span() {
                t.end -= step;
            }
        }
        Action::TimelinePanRight => {
            t.hold(now);
            let step = t.step();
            t.cursor = (t.cursor + step).min(now);
            if t.cursor > t.end {
                t.end = (t.end + step).min(now).max(t.cursor);
            }
        }
        Action::TimelineNow => {
            t.follow = false;
            t.end = now;
            t.cursor = now;
        }
        Action::TimelineFollow => {
            t.follow = !t.follow;
            if !t.follow {
                t.end = now;
                t.cursor = now;
            }
            let text = if t.follow {
                "following live"
            } else {
                "holding the window"
            };
            state.say(Level::Info, text);
        }
        Action::TimelineOpen => return open_event(state),
        Action::TimelineTravel => return travel(state),
        _ => {}
    }
    ensure_loaded(state)
}

/// Load the lanes when the window on screen is not covered by what is
/// held (and nothing is in flight).
pub fn ensure_loaded(state: &mut State) -> Vec<Effect> {
    if state.view != View::Timeline || state.timeline.loading.is_some() {
        return Vec::new();
    }
    let now = state.now;
    let t = &mut state.timeline;
    let (from, to) = t.window(now);
    if t.lanes.as_ref().is_some_and(|l| l.covers(from, to)) {
        return Vec::new();
    }
    if state.session.journal_path.is_empty() {
        t.error = Some("no journal to read".into());
        return Vec::new();
    }
    // A window's worth either side, so a pan or two needs no new scan; a
    // window reaching now stays open and follows the tail.
    let span = t.span();
    let end = to + span;
    let window = Window {
        from: from - span,
        to: (end < now).then_some(end),
    };
    t.seq += 1;
    t.loading = Some(t.seq);
    t.pending.clear();
    vec![Effect::Timeline(TimelineEffect::Load {
        journal: state.session.journal_path.clone(),
        seq: t.seq,
        window,
    })]
}

/// Committed rows: an open-ended timeline draws them as they come.
pub fn on_events(state: &mut State, events: &[Event]) {
    let t = &mut state.timeline;
    if t.loading.is_some() {
        if t.pending.len() + events.len() > MAX_PENDING {
            // Too much to keep: ask again when this load answers.
            t.pending.clear();
            t.lanes = None;
        } else {
            t.pending
                .extend(events.iter().filter(|e| is_drawn(e)).cloned());
        }
        return;
    }
    if let Some(lanes) = t.lanes.as_mut()
        && lanes.window.to.is_none()
    {
        for ev in events {
            lanes.apply(ev);
        }
    }
}

fn is_drawn(ev: &Event) -> bool {
    ["alarm.", "fault.", "plan.", "change.", "drill."]
        .iter()
        .any(|p| ev.kind.starts_with(p))
}

/// Once a second: a following timeline lets go of what scrolled far off.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let t = &mut state.timeline;
    let keep = now - t.span() * 3;
    let slack = t.span();
    if t.follow
        && let Some(lanes) = t.lanes.as_mut()
        && lanes.window.to.is_none()
        && lanes.window.from < keep - slack
    {
        lanes.retain_from(keep);
    }
    ensure_loaded(state)
}

pub fn on_msg(state: &mut State, msg: TimelineMsg) -> Vec<Effect> {
    match msg {
        TimelineMsg::Loaded { seq, lanes } => {
            let t = &mut state.timeline;
            if t.loading != Some(seq) {
                return Vec::new();
            }
            t.loading = None;
            t.error = None;
            let mut lanes = *lanes;
            if lanes.window.to.is_none() {
                for ev in t.pending.drain(..) {
                    lanes.apply(&ev);
                }
            }
            t.pending.clear();
            t.lanes = Some(lanes);
            ensure_loaded(state)
        }
        TimelineMsg::Board { at, board } => {
            if state.timeline.travelling_to != Some(at) {
                return Vec::new();
            }
            state.timeline.travelling_to = None;
            let mut view = state.alarms.clone();
            view.list.selected = 0;
            view.list.offset = 0;
            view.list.marks.clear();
            // Nothing to keep selected from the live list: the top row.
            view.visible.clear();
            view.invalidate();
            view.refresh(&board);
            state.timeline.travel = Some(Travel {
                at,
                board: *board,
                view,
            });
            state.view = View::Alarms;
            state.say(
                Level::Info,
                format!(
                    "the board AT {} (read-only): Esc returns to now",
                    at.format("%H:%M:%S")
                ),
            );
            Vec::new()
        }
        TimelineMsg::Event(ev) => {
            if matches!(state.mode, Mode::Normal) {
                let line = LogLine::with_context(&ev, &state.board, &state.faults.ledger);
                state.mode = Mode::Event(Box::new(EventView { line, scroll: 0 }));
            }
            Vec::new()
        }
        TimelineMsg::Failed { seq, why } => {
            let t = &mut state.timeline;
            match seq {
                Some(seq) if t.loading == Some(seq) => t.loading = None,
                Some(_) => return Vec::new(),
                None => t.travelling_to = None,
            }
            let why = crate::domain::sanitize::inert(&why).into_owned();
            t.error = Some(why.clone());
            state.say(Level::Error, format!("timeline: {why}"));
            Vec::new()
        }
    }
}

/// One column of the axis, for picking what is under the cursor.
fn column(state: &State) -> Duration {
    let cols = state.size.0.saturating_sub(LABEL_COLUMNS).max(1);
    (state.timeline.span() / i32::from(cols)).max(Duration::seconds(1))
}

/// `Enter`: the event of the marker or bar under the cursor.
fn open_event(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let t = &state.timeline;
    let Some(lanes) = t.lanes.as_ref() else {
        state.say(Level::Info, "the timeline is still loading");
        return Vec::new();
    };
    let at = t.cursor_at(now);
    let Some(id) = lanes.pick(t.lane_kind(), at, now, column(state)) else {
        state.say(
            Level::Info,
            format!("nothing on {} at the cursor", t.lane_kind().name()),
        );
        return Vec::new();
    };
    let lines = &state.log.lines;
    // The log holds the newest rows in id order.
    let held = lines
        .binary_search_by_key(&id, |l| l.id)
        .ok()
        .and_then(|i| lines.get(i));
    if let Some(line) = held {
        state.mode = Mode::Event(Box::new(EventView {
            line: line.clone(),
            scroll: 0,
        }));
        return Vec::new();
    }
    vec![Effect::Timeline(TimelineEffect::Event {
        journal: state.session.journal_path.clone(),
        id,
    })]
}

/// `a`: the alarm board as it was at the cursor.
fn travel(state: &mut State) -> Vec<Effect> {
    let at = state.timeline.cursor_at(state.now);
    if state.session.journal_path.is_empty() {
        state.say(Level::Error, "no journal to travel in");
        return Vec::new();
    }
    state.timeline.travelling_to = Some(at);
    state.say(
        Level::Info,
        format!("rebuilding the board at {} …", at.format("%H:%M:%S")),
    );
    vec![Effect::Timeline(TimelineEffect::Board {
        journal: state.session.journal_path.clone(),
        at,
    })]
}

/// `Esc` in the Alarms view while travelling: back to now.
pub fn end_travel(state: &mut State) -> bool {
    if state.timeline.travel.take().is_none() {
        return false;
    }
    state.say(Level::Info, "back to now");
    true
}

/// Why `action` is refused while the board of the past is shown: it would
/// act on an alarm as it was, not as it is. Recovering faults never is.
pub fn refusal(state: &State, action: Action) -> Option<String> {
    let t = state.timeline.travel.as_ref()?;
    let recovers = matches!(
        action,
        Action::RecoverFault | Action::RecoverOrphans | Action::Panic
    );
    (!recovers).then(|| {
        format!(
            "refused: time travel shows the board AT {} (read-only); Esc in the Alarms view returns to now",
            t.at.format("%H:%M:%S")
        )
    })
}

/// `j` / `k` in the Alarms view while travelling move in the past board.
pub fn travel_move(state: &mut State, delta: isize, page: usize) -> bool {
    match state.timeline.travel.as_mut() {
        Some(t) => {
            let n = t.view.visible.len();
            t.view.list.move_by(delta, n, page);
            true
        }
        None => false,
    }
}

/// `1m`, `15m`, `2h`, `3d`: a window's length for people.
pub fn span_label(span: Duration) -> String {
    let s = span.num_seconds();
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
