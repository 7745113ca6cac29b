//! The operator's ack, unack and silence of an Alertmanager alarm, each a
//! chain of steps durable one after the other: intent committed →
//! Alertmanager call → outcome committed (see the room's docs). Also the
//! answers to the leader's upkeep calls (extend, expire).

use super::Step;
use crate::app::sources::{AmRequest, SourceEffect};
use crate::app::{Effect, Level, State};
use crate::domain::alarm::Labels;
use crate::domain::event::{AlarmAcked, SilenceChange, SilenceIntent, payload};
use crate::domain::sanitize::inert;
use crate::domain::silence::{self, SilenceSpec};
use crate::domain::{Alarm, EventKind, NewEvent};
use chrono::{DateTime, Duration, Utc};

fn begin(state: &mut State, fp: &str, what: String, flow: Step) -> u64 {
    state.flows.begin(Some(fp), what, flow)
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
    flow: Step,
    source: String,
    req: AmRequest,
) -> Vec<Effect> {
    let token = begin(state, fp, what, flow);
    vec![Effect::Source(SourceEffect::Am { token, source, req })]
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
    state.silences.own.insert(id.clone(), state.now);
    let source = state
        .board
        .get(fp)
        .map(|a| a.observed.source.clone())
        .unwrap_or_default();
    let ev = state.operator_event(
        kind,
        fp,
        payload(&AlarmAcked {
            comment: Some(comment),
            silence_id: Some(id),
            until: Some(until),
            ..AlarmAcked::default()
        }),
    );
    let mut out = state.commit(fp, what, ev);
    out.push(Effect::Source(SourceEffect::PollNow { source }));
    out
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
    let ev = state.operator_event(
        EventKind::AlarmAckRequested,
        &fp,
        payload(&SilenceIntent {
            source: source.clone(),
            duration_secs: state
                .silences
                .am
                .get(&source)
                .map(|v| v.ack_window.num_seconds()),
            comment: (!note.trim().is_empty()).then(|| note.trim().to_string()),
            ..SilenceIntent::default()
        }),
    );
    let flow = Step::AckIntent {
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
    let ev = state.operator_event(
        EventKind::AlarmUnackRequested,
        &fp,
        payload(&SilenceIntent {
            source: source.clone(),
            silence_id: Some(silence_id.to_string()),
            ..SilenceIntent::default()
        }),
    );
    let flow = Step::UnackIntent {
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

/// The journal answered one of this room's tokens: an intent is durable,
/// so make the Alertmanager call it asked for.
pub fn on_committed(
    state: &mut State,
    what: &str,
    flow: Step,
    result: &Result<Vec<i64>, String>,
) -> Vec<Effect> {
    let ids = match result {
        Ok(ids) => ids,
        Err(e) => {
            state.say(Level::Error, format!("NOT recorded: {what}: {e}"));
            return Vec::new();
        }
    };
    let intent_id = ids.first().copied().unwrap_or(0);
    let now = state.now;
    let me = state.session.operator.clone();
    match flow {
        Step::AckIntent {
            fp,
            source,
            name,
            labels,
            note,
        } => {
            let window = state
                .silences
                .am
                .get(&source)
                .map(|v| v.ack_window)
                .unwrap_or(Duration::hours(1));
            let comment = silence::ack_comment(intent_id, &note);
            let until = now + window;
            let req = create_silence(labels, me, now, until, &comment);
            let what = format!("acking {name}");
            let flow = Step::AckCall {
                fp: fp.clone(),
                name,
                comment,
                until,
            };
            call_am(state, &fp, what, flow, source, req)
        }
        Step::SilenceIntent {
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
            let flow = Step::SilenceCall {
                fp: fp.clone(),
                name,
                comment,
                until,
            };
            call_am(state, &fp, what, flow, source, req)
        }
        Step::UnackIntent {
            fp,
            source,
            name,
            silence_id,
        } => {
            let what = format!("unacking {name}");
            let req = AmRequest::Expire(silence_id.clone());
            let flow = Step::UnackCall {
                fp: fp.clone(),
                name,
                silence_id,
            };
            call_am(state, &fp, what, flow, source, req)
        }
        // Calls and upkeep flows (extend / expire) are answered by the
        // Alertmanager, never by the journal.
        Step::AckCall { .. }
        | Step::SilenceCall { .. }
        | Step::UnackCall { .. }
        | Step::Extend { .. }
        | Step::Expire { .. } => Vec::new(),
    }
}

/// The Alertmanager answered one of this room's calls.
pub fn on_am_done(state: &mut State, flow: Step, result: Result<String, String>) -> Vec<Effect> {
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
            Step::AckCall {
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
            Step::SilenceCall {
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
            Step::UnackCall {
                fp,
                name,
                silence_id,
            },
            Ok(_),
        ) => {
            let source = source_of(state, &fp);
            let ev = state.operator_event(
                EventKind::AlarmUnacked,
                &fp,
                payload(&AlarmAcked {
                    silence_id: Some(silence_id),
                    reason: Some(format!("silence expired by {me}")),
                    ..AlarmAcked::default()
                }),
            );
            state.silences.reported.remove(&fp);
            let mut out = state.commit(&fp, format!("unacked {name}"), ev);
            out.push(Effect::Source(SourceEffect::PollNow { source }));
            out
        }
        (
            Step::Extend {
                fp,
                previous,
                until,
            },
            Ok(id),
        ) => {
            state.silences.in_flight.remove(&previous);
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
        (Step::Expire { fp, silence_id }, Ok(_)) => {
            state.silences.in_flight.remove(&silence_id);
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
        (Step::Extend { fp, previous, .. }, Err(e)) => {
            state.silences.in_flight.remove(&previous);
            failed(
                state,
                &fp,
                Some(previous),
                format!("extending the ack silence: {e}"),
            )
        }
        (Step::Expire { fp, silence_id }, Err(e)) => {
            state.silences.in_flight.remove(&silence_id);
            failed(
                state,
                &fp,
                Some(silence_id),
                format!("expiring the ack silence: {e}"),
            )
        }
        (
            Step::AckCall { fp, name, .. }
            | Step::SilenceCall { fp, name, .. }
            | Step::UnackCall { fp, name, .. },
            Err(e),
        ) => {
            state.say(Level::Error, format!("{name}: Alertmanager refused: {e}"));
            let ev = state.operator_event(
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
        (Step::AckIntent { .. } | Step::UnackIntent { .. } | Step::SilenceIntent { .. }, _) => {
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
