//! The core's side of the live sources: ack = silence flows, acks derived
//! from the Alertmanager's silences, ack-silence upkeep (extend while
//! firing, expire on resolve), stale sources, Prometheus targets.
//!
//! Everything here is pure like the rest of `app`: HTTP goes out as
//! [`LiveEffect`] and its answer comes back as [`LiveMsg`]. An operator's
//! ack of an Alertmanager alarm runs in three steps, each durable before
//! the next:
//!
//! 1. `alarm.ack_requested` is committed (the intent, so a crash between
//!    asking and answering leaves a trace);
//! 2. the silence is POSTed (comment `cocpit-ack <intent-id>: <note>`);
//! 3. `alarm.acked` with the silence id is committed; only then does the
//!    screen say "acked". Until then the alarm shows `…`.
//!
//! Acks made elsewhere (amtool, another console, another peer) are seen as
//! silences covering the alarm and journaled by the ingest leader as
//! `alarm.acked` with the silence's author as the actor.

use super::input::LineInput;
use super::{Effect, Level, Pending, State};
use crate::domain::alarm::Labels;
use crate::domain::event::{AlarmAcked, SilenceChange, SilenceIntent, SourceErrorPayload, payload};
use crate::domain::sanitize::inert;
use crate::domain::silence::{self, Silence, SilenceSpec};
use crate::domain::{Alarm, EventKind, NewEvent};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A silence made by a console on this journal (its comment names an intent
/// in the alarm's timeline) gets this long for that console to journal the
/// ack itself; deriving it too would journal the same ack twice. After it
/// (that console died mid-ack) the ack is derived like any other. Silences
/// from elsewhere — another jump host's console included — count at once.
const OWN_SILENCE_GRACE: Duration = Duration::seconds(30);
/// The same source error is journaled at most once in this long.
const REPEAT_ERROR: Duration = Duration::minutes(10);
/// How long a derived ack / unack is assumed to be on its way to the board.
const REPORTED_TTL: Duration = Duration::seconds(30);

/// What a live source tells the core besides snapshots, metrics and health.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMsg {
    /// One poll of an Alertmanager cluster: its silences and which alerts
    /// they cover.
    AmState(AmState),
    /// The answer to a [`LiveEffect::Am`] request: the silence id on success.
    AmDone {
        token: u64,
        result: Result<String, String>,
    },
    /// Something a source rejected or failed on (journaled as `source.error`,
    /// once per [`REPEAT_ERROR`] for each source and error `class`: a short
    /// stable name such as `malformed` or `too-large`, not the reason text,
    /// which may change with every request).
    SourceError {
        source: String,
        class: String,
        reason: String,
    },
    /// Alarms of `source` are stale (every endpoint behind it is down).
    Stale { source: String, stale: bool },
    /// Prometheus `/api/v1/targets`.
    Targets {
        source: String,
        targets: Vec<Target>,
    },
    /// Prometheus feeds: whole series, replacing what was drawn.
    Series(crate::domain::metric::SeriesBatch),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AmState {
    /// The source name of the cluster (its alarms carry it).
    pub source: String,
    pub silences: Vec<Silence>,
    /// Fingerprint → ids of the silences muting it (`status.silencedBy`).
    pub silenced_by: HashMap<String, Vec<String>>,
    pub cluster: ClusterInfo,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterInfo {
    /// `ready`, `settling`, `disabled` (single instance), or `unknown`.
    pub status: String,
    pub peers: usize,
    pub members_up: usize,
    pub members: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub job: String,
    pub instance: String,
    pub health: String,
    pub last_error: String,
    pub last_scrape: Option<DateTime<Utc>>,
}

/// HTTP the core asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEffect {
    /// A request to the Alertmanager cluster behind `source`; answered
    /// with [`LiveMsg::AmDone`].
    Am {
        token: u64,
        source: String,
        req: AmRequest,
    },
    /// Poll `source` now rather than at the next interval.
    PollNow { source: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum AmRequest {
    /// POST /api/v2/silences (with an id: update).
    Create(SilenceSpec),
    /// DELETE /api/v2/silence/{id}
    Expire(String),
}

/// One Alertmanager cluster as the core knows it.
#[derive(Debug, Clone, Default)]
pub struct AmView {
    pub ack_window: Duration,
    pub cluster: Option<ClusterInfo>,
    pub silences: HashMap<String, Silence>,
    pub silenced_by: HashMap<String, Vec<String>>,
}

/// A multi-step operator action (or upkeep call) waiting on a token.
#[derive(Debug, Clone)]
enum Flow {
    AckIntent {
        fp: String,
        source: String,
        name: String,
        labels: Labels,
        note: String,
    },
    AckCall {
        fp: String,
        name: String,
        comment: String,
        until: DateTime<Utc>,
    },
    UnackIntent {
        fp: String,
        source: String,
        name: String,
        silence_id: String,
    },
    UnackCall {
        fp: String,
        name: String,
        silence_id: String,
    },
    SilenceIntent {
        fp: String,
        source: String,
        name: String,
        labels: Labels,
        duration: Duration,
        comment: String,
    },
    SilenceCall {
        fp: String,
        name: String,
        comment: String,
        until: DateTime<Utc>,
    },
    Extend {
        fp: String,
        previous: String,
        until: DateTime<Utc>,
    },
    Expire {
        fp: String,
        silence_id: String,
    },
}

/// The `s` editor: a duration line and a comment; for `A` (ack with a
/// note) only the note.
#[derive(Debug, Clone)]
pub struct SilenceEditor {
    pub fingerprint: String,
    pub alarm_name: String,
    /// `A`: an ack with a note rather than a silence for a duration.
    pub ack: bool,
    pub duration: LineInput,
    pub comment: TextArea<'static>,
    /// Whether the duration line (not the comment) has the keyboard.
    pub on_duration: bool,
    pub error: Option<String>,
}

impl SilenceEditor {
    pub fn new(fingerprint: &str, alarm_name: &str) -> SilenceEditor {
        let mut comment = TextArea::default();
        comment.set_placeholder_text("Why? (required) Ctrl-S silences, Esc cancels.");
        SilenceEditor {
            fingerprint: fingerprint.to_string(),
            alarm_name: alarm_name.to_string(),
            ack: false,
            duration: LineInput::with("2h"),
            comment,
            on_duration: false,
            error: None,
        }
    }

    pub fn for_ack(fingerprint: &str, alarm_name: &str) -> SilenceEditor {
        let mut ed = SilenceEditor::new(fingerprint, alarm_name);
        ed.ack = true;
        ed.comment
            .set_placeholder_text("The ack note. Ctrl-S acks, Esc cancels.");
        ed
    }

    pub fn comment_text(&self) -> String {
        self.comment.lines().join("\n").trim().to_string()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Live {
    pub am: BTreeMap<String, AmView>,
    /// Sources whose alarms are stale (source down).
    pub stale: BTreeSet<String>,
    /// Prometheus targets by source.
    pub targets: BTreeMap<String, Vec<Target>>,
    pub show_targets: bool,
    flows: HashMap<u64, Flow>,
    /// What the leader last journaled as the ack silence of an alarm (not
    /// yet seen back on the board): `None` = journaled an unack. Entries
    /// older than [`REPORTED_TTL`] are forgotten, so a row lost to a failed
    /// journal write is written again rather than never.
    reported: HashMap<String, (Option<String>, DateTime<Utc>)>,
    /// Silence ids with an extend / expire call out.
    in_flight: HashSet<String>,
    /// Silences this console just created for an ack or a silence, whose
    /// `alarm.acked` / `alarm.silenced` row may not be back from the
    /// journal yet: never derived from (see [`OWN_SILENCE_GRACE`]).
    own: HashMap<String, DateTime<Utc>>,
    /// Source errors journaled recently, by (source, error class).
    errors: HashMap<(String, String), DateTime<Utc>>,
    /// MTTA / MTTR over the alarms raised in the last [`SHIFT`].
    pub shift: crate::domain::stats::ShiftStats,
    /// Board generation and time the shift stats were computed for.
    shift_for: Option<(u64, DateTime<Utc>)>,
}

/// The window the header's MTTA / MTTR cover.
pub const SHIFT: Duration = Duration::hours(8);

/// Refresh the shift statistics when the board changed (at most once a
/// second: a burst of journal rows must not rescan 100k alarms each time)
/// or a minute passed (alarms leave the window).
pub fn refresh_shift(state: &mut State) {
    let due = match state.live.shift_for {
        None => true,
        Some((generation, at)) => {
            let age = state.now - at;
            (generation != state.board.generation && age >= Duration::seconds(1))
                || age >= Duration::minutes(1)
        }
    };
    if due {
        state.live.shift = crate::domain::stats::shift_stats(&state.board, state.now - SHIFT);
        state.live.shift_for = Some((state.board.generation, state.now));
    }
}

pub fn on_tick(state: &mut State) {
    refresh_shift(state);
}

impl Live {
    /// Alarms of `source` are acked with silences on this Alertmanager cluster.
    pub fn register_am(&mut self, source: &str, ack_window: Duration) {
        self.am.insert(
            source.to_string(),
            AmView {
                ack_window,
                ..AmView::default()
            },
        );
    }

    pub fn is_am(&self, source: &str) -> bool {
        self.am.contains_key(source)
    }

    pub fn is_stale(&self, source: &str) -> bool {
        self.stale.contains(source)
    }

    /// Active silences muting `fp` on `source`, oldest first.
    pub fn silences_for(&self, source: &str, fp: &str) -> Vec<&Silence> {
        let Some(v) = self.am.get(source) else {
            return Vec::new();
        };
        let mut out: Vec<&Silence> = v
            .silenced_by
            .get(fp)
            .into_iter()
            .flatten()
            .filter_map(|id| v.silences.get(id))
            .filter(|s| s.is_active())
            .collect();
        out.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.id.cmp(&b.id)));
        out
    }
}

/// Handle a live message.
pub fn update(state: &mut State, msg: LiveMsg) -> Vec<Effect> {
    match msg {
        LiveMsg::AmState(am) => on_am_state(state, am),
        LiveMsg::AmDone { token, result } => on_am_done(state, token, result),
        LiveMsg::SourceError {
            source,
            class,
            reason,
        } => {
            if !state.ingest_leader {
                return Vec::new();
            }
            // A bad feed query or a misconfigured sender repeats the same
            // error every poll: journal it once per REPEAT_ERROR.
            let now = state.now;
            let key = (source.clone(), class);
            if state
                .live
                .errors
                .get(&key)
                .is_some_and(|at| now - *at < REPEAT_ERROR)
            {
                return Vec::new();
            }
            state.live.errors.retain(|_, at| now - *at < REPEAT_ERROR);
            state.live.errors.insert(key, now);
            let ev = NewEvent::new(
                state.now,
                state.session.source_actor(&source),
                EventKind::SourceError,
                &source,
                payload(&SourceErrorPayload { reason }),
            );
            vec![Effect::Append(vec![ev])]
        }
        LiveMsg::Stale { source, stale } => {
            if stale {
                state.live.stale.insert(source);
            } else {
                state.live.stale.remove(&source);
            }
            Vec::new()
        }
        LiveMsg::Targets { source, targets } => {
            state.live.targets.insert(source, targets);
            Vec::new()
        }
        LiveMsg::Series(batch) => {
            state.monitor.apply_series(batch);
            Vec::new()
        }
    }
}

/// Whether a live message can change what is on screen (the runtime draws
/// only then).
pub fn changes_screen(state: &State, msg: &LiveMsg) -> bool {
    match msg {
        LiveMsg::Series(_) => state.view == super::View::Monitor,
        LiveMsg::Targets { .. } => state.live.show_targets,
        LiveMsg::AmState(_) => true,
        LiveMsg::AmDone { .. } => true,
        LiveMsg::SourceError { .. } => false,
        LiveMsg::Stale { source, stale } => state.live.is_stale(source) != *stale,
    }
}

fn begin(state: &mut State, fp: &str, what: String, flow: Flow) -> u64 {
    let token = state.token();
    state.pending.insert(
        token,
        Pending {
            fingerprint: fp.to_string(),
            what,
        },
    );
    state.live.flows.insert(token, flow);
    token
}

/// A new silence matching `labels` exactly, from `now` to `until`.
fn create_silence(
    labels: Labels,
    created_by: String,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    comment: &str,
) -> AmRequest {
    AmRequest::Create(SilenceSpec {
        id: None,
        matchers: labels,
        starts_at: now,
        ends_at: until,
        created_by,
        comment: comment.to_string(),
    })
}

/// Send one Alertmanager call for an intent that is now durable; `flow`
/// says what to journal when it answers.
fn call_am(
    state: &mut State,
    fp: &str,
    what: String,
    flow: Flow,
    source: String,
    req: AmRequest,
) -> Vec<Effect> {
    let token = begin(state, fp, what, flow);
    vec![Effect::Live(LiveEffect::Am { token, source, req })]
}

/// A silence this console asked for now exists: journal the ack (or plain
/// silence) with its id, and poll so the board shows it muted at once.
fn silence_made(
    state: &mut State,
    kind: EventKind,
    fp: &str,
    what: String,
    comment: String,
    id: String,
    until: DateTime<Utc>,
) -> Vec<Effect> {
    state.live.own.insert(id.clone(), state.now);
    let source = state
        .board
        .get(fp)
        .map(|a| a.observed.source.clone())
        .unwrap_or_default();
    let ev = operator_event(
        state,
        kind,
        fp,
        payload(&AlarmAcked {
            comment: Some(comment),
            silence_id: Some(id),
            until: Some(until),
            ..AlarmAcked::default()
        }),
    );
    let mut out = super::update::commit_action(state, fp, what, ev);
    out.push(Effect::Live(LiveEffect::PollNow { source }));
    out
}

fn operator_event(state: &State, kind: EventKind, fp: &str, p: serde_json::Value) -> NewEvent {
    NewEvent::new(state.now, state.session.operator.clone(), kind, fp, p)
}

/// `a` on an Alertmanager alarm: journal the intent first.
pub fn start_ack(state: &mut State, alarm: &Alarm) -> Vec<Effect> {
    start_ack_with_note(state, alarm, "")
}

/// `a` (empty note) or `A` (note typed in the editor): the note goes into the
/// silence comment, `cocpit-ack <intent-id>: <note>`.
pub fn start_ack_with_note(state: &mut State, alarm: &Alarm, note: &str) -> Vec<Effect> {
    let fp = alarm.fingerprint().to_string();
    let source = alarm.observed.source.clone();
    let name = inert(alarm.name()).into_owned();
    let ev = operator_event(
        state,
        EventKind::AlarmAckRequested,
        &fp,
        payload(&SilenceIntent {
            source: source.clone(),
            duration_secs: state
                .live
                .am
                .get(&source)
                .map(|v| v.ack_window.num_seconds()),
            comment: (!note.trim().is_empty()).then(|| note.trim().to_string()),
            ..SilenceIntent::default()
        }),
    );
    let flow = Flow::AckIntent {
        fp: fp.clone(),
        source,
        name: name.clone(),
        labels: alarm.observed.labels.clone(),
        note: note.to_string(),
    };
    let token = begin(state, &fp, format!("ack of {name} requested"), flow);
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

/// `u` on an alarm acked with a silence: journal the intent, then expire it.
pub fn start_unack(state: &mut State, alarm: &Alarm, silence_id: &str) -> Vec<Effect> {
    let fp = alarm.fingerprint().to_string();
    let source = alarm.observed.source.clone();
    let name = inert(alarm.name()).into_owned();
    let ev = operator_event(
        state,
        EventKind::AlarmUnackRequested,
        &fp,
        payload(&SilenceIntent {
            source: source.clone(),
            silence_id: Some(silence_id.to_string()),
            ..SilenceIntent::default()
        }),
    );
    let flow = Flow::UnackIntent {
        fp: fp.clone(),
        source,
        name: name.clone(),
        silence_id: silence_id.to_string(),
    };
    let token = begin(state, &fp, format!("unack of {name} requested"), flow);
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

/// `A`: open the editor for an ack with a note.
pub fn open_ack_editor(state: &mut State, alarm: &Alarm) {
    let name = inert(alarm.name()).into_owned();
    state.mode = super::Mode::Silence(Box::new(SilenceEditor::for_ack(alarm.fingerprint(), &name)));
}

/// `s`: open the silence editor for the selected Alertmanager alarm.
pub fn open_silence_editor(state: &mut State, alarm: &Alarm) {
    let name = inert(alarm.name()).into_owned();
    state.mode = super::Mode::Silence(Box::new(SilenceEditor::new(alarm.fingerprint(), &name)));
}

/// Keys in the silence editor: Tab switches fields, Ctrl-S submits.
pub fn on_silence_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let super::Mode::Silence(ed) = &mut state.mode else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            state.mode = super::Mode::Normal;
            state.say(Level::Info, "silence cancelled");
            Vec::new()
        }
        KeyCode::Tab | KeyCode::BackTab if !ed.ack => {
            ed.on_duration = !ed.on_duration;
            Vec::new()
        }
        KeyCode::Char('s') if ctrl => submit_silence(state),
        _ if ed.on_duration => {
            ed.error = None;
            match key.code {
                KeyCode::Char(c) if !ctrl => ed.duration.insert(c),
                KeyCode::Backspace => ed.duration.backspace(),
                KeyCode::Delete => ed.duration.delete(),
                KeyCode::Left => ed.duration.left(),
                KeyCode::Right => ed.duration.right(),
                KeyCode::Enter => ed.on_duration = false,
                _ => {}
            }
            Vec::new()
        }
        _ => {
            ed.error = None;
            ed.comment.input(key);
            Vec::new()
        }
    }
}

fn submit_silence(state: &mut State) -> Vec<Effect> {
    let super::Mode::Silence(ed) = &mut state.mode else {
        return Vec::new();
    };
    if ed.ack {
        return submit_ack(state);
    }
    let Some(duration) = silence::parse_duration(&ed.duration.text) else {
        ed.error = Some(format!("duration {:?}: e.g. 30m, 2h, 1d", ed.duration.text));
        ed.on_duration = true;
        return Vec::new();
    };
    let comment = ed.comment_text();
    if comment.is_empty() {
        ed.error = Some("a silence needs a comment: say why".into());
        ed.on_duration = false;
        return Vec::new();
    }
    let fp = ed.fingerprint.clone();
    state.mode = super::Mode::Normal;
    let Some(alarm) = state.board.get(&fp).cloned() else {
        state.say(Level::Warn, "the alarm is gone");
        return Vec::new();
    };
    let source = alarm.observed.source.clone();
    let name = inert(alarm.name()).into_owned();
    let ev = operator_event(
        state,
        EventKind::AlarmSilenceRequested,
        &fp,
        payload(&SilenceIntent {
            source: source.clone(),
            duration_secs: Some(duration.num_seconds()),
            comment: Some(comment.clone()),
            ..SilenceIntent::default()
        }),
    );
    let flow = Flow::SilenceIntent {
        fp: fp.clone(),
        source,
        name: name.clone(),
        labels: alarm.observed.labels.clone(),
        duration,
        comment,
    };
    let token = begin(state, &fp, format!("silence of {name} requested"), flow);
    vec![Effect::Commit {
        token,
        events: vec![ev],
    }]
}

/// `A` submitted: the note must say something (plain `a` acks without one).
fn submit_ack(state: &mut State) -> Vec<Effect> {
    let super::Mode::Silence(ed) = &mut state.mode else {
        return Vec::new();
    };
    let note = ed.comment_text();
    if note.is_empty() {
        ed.error = Some("type the note (or Esc and use a)".into());
        return Vec::new();
    }
    let fp = ed.fingerprint.clone();
    state.mode = super::Mode::Normal;
    let Some(alarm) = state.board.get(&fp).cloned() else {
        state.say(Level::Warn, "the alarm is gone");
        return Vec::new();
    };
    if alarm.ack.is_some() || !alarm.is_firing() || state.is_pending(&fp) {
        state.say(
            Level::Warn,
            format!("{}: nothing to ack", inert(alarm.name())),
        );
        return Vec::new();
    }
    if state.live.is_am(&alarm.observed.source) {
        return start_ack_with_note(state, &alarm, &note);
    }
    // Not an Alertmanager alarm: a journal-only ack with the note.
    let name = inert(alarm.name()).into_owned();
    let ev = operator_event(
        state,
        EventKind::AlarmAcked,
        &fp,
        payload(&AlarmAcked {
            comment: Some(note),
            ..AlarmAcked::default()
        }),
    );
    super::update::commit_action(state, &fp, format!("acked {name}"), ev)
}

/// A commit answer for one of our tokens; `None` when the token is not ours.
pub fn on_committed(
    state: &mut State,
    token: u64,
    result: &Result<Vec<i64>, String>,
) -> Option<Vec<Effect>> {
    let flow = state.live.flows.remove(&token)?;
    let pending = state.pending.remove(&token);
    let ids = match result {
        Ok(ids) => ids,
        Err(e) => {
            let what = pending.map(|p| p.what).unwrap_or_else(|| "action".into());
            state.say(Level::Error, format!("NOT recorded: {what}: {e}"));
            return Some(Vec::new());
        }
    };
    let intent_id = ids.first().copied().unwrap_or(0);
    let now = state.now;
    let me = state.session.operator.clone();
    let out = match flow {
        Flow::AckIntent {
            fp,
            source,
            name,
            labels,
            note,
        } => {
            let window = state
                .live
                .am
                .get(&source)
                .map(|v| v.ack_window)
                .unwrap_or(Duration::hours(1));
            let comment = silence::ack_comment(intent_id, &note);
            let until = now + window;
            let req = create_silence(labels, me, now, until, &comment);
            let what = format!("acking {name}");
            let flow = Flow::AckCall {
                fp: fp.clone(),
                name,
                comment,
                until,
            };
            call_am(state, &fp, what, flow, source, req)
        }
        Flow::SilenceIntent {
            fp,
            source,
            name,
            labels,
            duration,
            comment,
        } => {
            let comment = silence::silence_comment(intent_id, &comment);
            let until = now + duration;
            let req = create_silence(labels, me, now, until, &comment);
            let what = format!("silencing {name}");
            let flow = Flow::SilenceCall {
                fp: fp.clone(),
                name,
                comment,
                until,
            };
            call_am(state, &fp, what, flow, source, req)
        }
        Flow::UnackIntent {
            fp,
            source,
            name,
            silence_id,
        } => {
            let what = format!("unacking {name}");
            let req = AmRequest::Expire(silence_id.clone());
            let flow = Flow::UnackCall {
                fp: fp.clone(),
                name,
                silence_id,
            };
            call_am(state, &fp, what, flow, source, req)
        }
        // Calls and upkeep flows (extend / expire) are answered by the
        // Alertmanager, never by the journal.
        Flow::AckCall { .. }
        | Flow::SilenceCall { .. }
        | Flow::UnackCall { .. }
        | Flow::Extend { .. }
        | Flow::Expire { .. } => Vec::new(),
    };
    Some(out)
}

fn on_am_done(state: &mut State, token: u64, result: Result<String, String>) -> Vec<Effect> {
    let Some(flow) = state.live.flows.remove(&token) else {
        return Vec::new();
    };
    state.pending.remove(&token);
    let me = state.session.operator.clone();
    let source_of = |state: &State, fp: &str| {
        state
            .board
            .get(fp)
            .map(|a| a.observed.source.clone())
            .unwrap_or_default()
    };
    match (flow, result) {
        (
            Flow::AckCall {
                fp,
                name,
                comment,
                until,
            },
            Ok(id),
        ) => {
            let what = format!(
                "acked {name} (silence {})",
                crate::domain::board::short_id(&id)
            );
            silence_made(state, EventKind::AlarmAcked, &fp, what, comment, id, until)
        }
        (
            Flow::SilenceCall {
                fp,
                name,
                comment,
                until,
            },
            Ok(id),
        ) => {
            let what = format!("silenced {name} until {}", until.format("%H:%M UTC"));
            silence_made(
                state,
                EventKind::AlarmSilenced,
                &fp,
                what,
                comment,
                id,
                until,
            )
        }
        (
            Flow::UnackCall {
                fp,
                name,
                silence_id,
            },
            Ok(_),
        ) => {
            let source = source_of(state, &fp);
            let ev = operator_event(
                state,
                EventKind::AlarmUnacked,
                &fp,
                payload(&AlarmAcked {
                    silence_id: Some(silence_id),
                    reason: Some(format!("silence expired by {me}")),
                    ..AlarmAcked::default()
                }),
            );
            state.live.reported.remove(&fp);
            let mut out = super::update::commit_action(state, &fp, format!("unacked {name}"), ev);
            out.push(Effect::Live(LiveEffect::PollNow { source }));
            out
        }
        (
            Flow::Extend {
                fp,
                previous,
                until,
            },
            Ok(id),
        ) => {
            state.live.in_flight.remove(&previous);
            let ev = upkeep_event(
                state,
                &fp,
                EventKind::SilenceExtended,
                SilenceChange {
                    silence_id: Some(id),
                    previous: Some(previous),
                    until: Some(until),
                    reason: Some("alarm still firing".into()),
                },
            );
            leader_append(state, ev)
        }
        (Flow::Expire { fp, silence_id }, Ok(_)) => {
            state.live.in_flight.remove(&silence_id);
            let ev = upkeep_event(
                state,
                &fp,
                EventKind::SilenceExpired,
                SilenceChange {
                    silence_id: Some(silence_id),
                    reason: Some("alarm resolved".into()),
                    ..SilenceChange::default()
                },
            );
            leader_append(state, ev)
        }
        (Flow::Extend { fp, previous, .. }, Err(e)) => {
            state.live.in_flight.remove(&previous);
            failed(
                state,
                &fp,
                Some(previous),
                format!("extending the ack silence: {e}"),
            )
        }
        (Flow::Expire { fp, silence_id }, Err(e)) => {
            state.live.in_flight.remove(&silence_id);
            failed(
                state,
                &fp,
                Some(silence_id),
                format!("expiring the ack silence: {e}"),
            )
        }
        (
            Flow::AckCall { fp, name, .. }
            | Flow::SilenceCall { fp, name, .. }
            | Flow::UnackCall { fp, name, .. },
            Err(e),
        ) => {
            state.say(Level::Error, format!("{name}: Alertmanager refused: {e}"));
            let ev = operator_event(
                state,
                EventKind::SilenceFailed,
                &fp,
                payload(&SilenceChange {
                    reason: Some(e),
                    ..SilenceChange::default()
                }),
            );
            vec![Effect::Append(vec![ev])]
        }
        // Intents are answered by the journal, not the Alertmanager.
        (Flow::AckIntent { .. } | Flow::UnackIntent { .. } | Flow::SilenceIntent { .. }, _) => {
            Vec::new()
        }
    }
}

fn upkeep_event(state: &State, fp: &str, kind: EventKind, p: SilenceChange) -> NewEvent {
    let source = state
        .board
        .get(fp)
        .map(|a| a.observed.source.clone())
        .unwrap_or_default();
    NewEvent::new(
        state.now,
        state.session.source_actor(&source),
        kind,
        fp,
        payload(&p),
    )
}

fn leader_append(state: &State, ev: NewEvent) -> Vec<Effect> {
    if state.ingest_leader {
        vec![Effect::Append(vec![ev])]
    } else {
        Vec::new()
    }
}

fn failed(state: &mut State, fp: &str, id: Option<String>, reason: String) -> Vec<Effect> {
    state.say(Level::Warn, reason.clone());
    let ev = upkeep_event(
        state,
        fp,
        EventKind::SilenceFailed,
        SilenceChange {
            silence_id: id,
            reason: Some(reason),
            ..SilenceChange::default()
        },
    );
    leader_append(state, ev)
}

/// A poll of an Alertmanager cluster: remember its silences, then (on the
/// ingest leader) journal acks that changed elsewhere and keep cocpit's ack
/// silences in step with their alarms.
fn on_am_state(state: &mut State, am: AmState) -> Vec<Effect> {
    let source = am.source.clone();
    let view = state
        .live
        .am
        .entry(source.clone())
        .or_insert_with(|| AmView {
            ack_window: Duration::hours(1),
            ..AmView::default()
        });
    view.cluster = Some(am.cluster);
    view.silences = am.silences.into_iter().map(|s| (s.id.clone(), s)).collect();
    view.silenced_by = am.silenced_by;
    if !state.ingest_leader {
        return Vec::new();
    }
    reconcile(state, &source)
}

/// The leader's half: derive acks from silences, extend and expire.
fn reconcile(state: &mut State, source: &str) -> Vec<Effect> {
    let now = state.now;
    state.live.own.retain(|_, at| now - *at < OWN_SILENCE_GRACE);
    let mut appends = Vec::new();
    let mut effects = Vec::new();
    let busy: HashSet<String> = state
        .pending
        .values()
        .map(|p| p.fingerprint.clone())
        .collect();
    let Some(view) = state.live.am.get(source) else {
        return Vec::new();
    };
    let window = view.ack_window;
    let alarms: Vec<&Alarm> = state
        .board
        .iter()
        .filter(|a| a.observed.source == source)
        .collect();
    let mut calls: Vec<(String, Flow, AmRequest)> = Vec::new();
    let mut reported = Vec::new();
    for a in &alarms {
        let fp = a.fingerprint();
        if !a.is_firing() {
            // Expire cocpit's ack silence once its alarm resolved.
            if let Some(ack) = &a.ack
                && let Some(id) = &ack.silence_id
                && let Some(s) = view.silences.get(id)
                && s.is_active()
                && s.is_cocpit_ack()
                && !state.live.in_flight.contains(id)
            {
                calls.push((
                    fp.to_string(),
                    Flow::Expire {
                        fp: fp.to_string(),
                        silence_id: id.clone(),
                    },
                    AmRequest::Expire(id.clone()),
                ));
            }
            continue;
        }
        if busy.contains(fp) {
            continue;
        }
        let active = state.live.silences_for(source, fp);
        let board_sid = a.ack.as_ref().and_then(|k| k.silence_id.clone());
        let acked_locally = a.ack.is_some() && board_sid.is_none();
        // Whether the ack's own silence still runs is the silence's business,
        // not the alert's: an alert that just left the Alertmanager's list
        // (resolving) is muted by nothing, yet its ack silence is still there.
        let ack_silence = board_sid
            .as_ref()
            .and_then(|id| view.silences.get(id))
            .filter(|s| s.is_active());
        let want: Option<&Silence> = match (&board_sid, ack_silence) {
            (Some(_), Some(_)) => None,
            _ => active.first().copied(),
        };
        // Settle the de-duplication memory once the board shows it.
        let reported_now = state
            .live
            .reported
            .get(fp)
            .filter(|(_, at)| now - *at < REPORTED_TTL)
            .map(|(r, _)| r.clone());
        if let Some(r) = &reported_now
            && *r == board_sid
        {
            reported.push((fp.to_string(), None));
        }
        if let Some(s) = want {
            if acked_locally {
                continue;
            }
            let intents = [
                EventKind::AlarmAckRequested.as_str(),
                EventKind::AlarmSilenceRequested.as_str(),
            ];
            // Ours (this console's, or another console's on this journal,
            // known by the intent in the timeline) and still on its way.
            let own_and_young = state.live.own.contains_key(&s.id)
                || (silence::comment_event_id(&s.comment).is_some_and(|id| {
                    a.timeline
                        .iter()
                        .any(|e| e.event_id == id && intents.contains(&e.kind.as_str()))
                }) && now - s.starts_at < OWN_SILENCE_GRACE);
            if own_and_young || reported_now == Some(Some(s.id.clone())) {
                continue;
            }
            appends.push(NewEvent::new(
                now,
                s.created_by.clone(),
                EventKind::AlarmAcked,
                fp,
                payload(&AlarmAcked {
                    comment: Some(s.comment.clone()),
                    silence_id: Some(s.id.clone()),
                    until: Some(s.ends_at),
                    via: Some(format!("alertmanager:{source}")),
                    reason: None,
                }),
            ));
            reported.push((fp.to_string(), Some(Some(s.id.clone()))));
        } else if let Some(id) = &board_sid
            && ack_silence.is_none()
        {
            // The ack's silence ended (expired elsewhere, or ran out).
            if reported_now == Some(None) {
                continue;
            }
            let old = view.silences.get(id);
            let actor = old
                .map(|s| s.created_by.clone())
                .unwrap_or_else(|| state.session.source_actor(source));
            appends.push(NewEvent::new(
                now,
                actor,
                EventKind::AlarmUnacked,
                fp,
                payload(&AlarmAcked {
                    silence_id: Some(id.clone()),
                    via: Some(format!("alertmanager:{source}")),
                    reason: Some("silence expired".into()),
                    ..AlarmAcked::default()
                }),
            ));
            reported.push((fp.to_string(), Some(None)));
        } else if let Some(id) = &board_sid
            && let Some(s) = ack_silence
            && s.is_cocpit_ack()
            && s.ends_at - now < window / 3
            && !state.live.in_flight.contains(id)
        {
            // Still firing and the ack silence is running out: extend it.
            let until = now + window;
            let spec = SilenceSpec {
                id: Some(id.clone()),
                matchers: a.observed.labels.clone(),
                starts_at: s.starts_at,
                ends_at: until,
                created_by: s.created_by.clone(),
                comment: s.comment.clone(),
            };
            calls.push((
                fp.to_string(),
                Flow::Extend {
                    fp: fp.to_string(),
                    previous: id.clone(),
                    until,
                },
                AmRequest::Create(spec),
            ));
        }
    }
    for (fp, r) in reported {
        match r {
            None => {
                state.live.reported.remove(&fp);
            }
            Some(r) => {
                state.live.reported.insert(fp, (r, now));
            }
        }
    }
    if !appends.is_empty() {
        effects.push(Effect::Append(appends));
    }
    for (_fp, flow, req) in calls {
        let id = match &flow {
            Flow::Extend { previous, .. } => previous.clone(),
            Flow::Expire { silence_id, .. } => silence_id.clone(),
            _ => String::new(),
        };
        state.live.in_flight.insert(id);
        let token = state.token();
        state.live.flows.insert(token, flow);
        effects.push(Effect::Live(LiveEffect::Am {
            token,
            source: source.to_string(),
            req,
        }));
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::silence::SilenceState;

    #[test]
    fn silences_for_lists_active_ones_oldest_first() {
        let mut live = Live::default();
        live.register_am("prod", Duration::hours(1));
        let t = |s| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or_default();
        let sil = |id: &str, at, state| Silence {
            id: id.into(),
            state,
            created_by: "x".into(),
            comment: String::new(),
            starts_at: t(at),
            ends_at: t(at + 3600),
            matchers: Labels::new(),
        };
        let v = live.am.get_mut("prod").unwrap();
        for s in [
            sil("b", 20, SilenceState::Active),
            sil("a", 10, SilenceState::Active),
            sil("c", 5, SilenceState::Expired),
        ] {
            v.silences.insert(s.id.clone(), s);
        }
        v.silenced_by
            .insert("fp".into(), vec!["b".into(), "a".into(), "c".into()]);
        let ids: Vec<&str> = live
            .silences_for("prod", "fp")
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(live.silences_for("other", "fp").is_empty());
    }
}
