//! The ingest leader's half of ack = silence: after each poll of an
//! Alertmanager cluster, journal the acks that changed elsewhere (a silence
//! made with amtool, karma, another jump host's console: `alarm.acked` by
//! its author; one that ended: `alarm.unacked`), extend cocpit's own ack
//! silences while their alarm fires, and expire them once it resolved.
//!
//! A poll can race the journal's tail, so derived rows are remembered until
//! the board shows them (`reported`), and silences made by a console on this
//! journal are left for a while to the console that made them.

use super::{OWN_SILENCE_GRACE, REPORTED_TTL, Step};
use crate::app::sources::{AmRequest, SourceEffect};
use crate::app::{Effect, State};
use crate::domain::event::{AlarmAcked, payload};
use crate::domain::silence::{self, Silence, SilenceSpec};
use crate::domain::{Alarm, EventKind, NewEvent};
use std::collections::HashSet;

/// The leader's half: derive acks from silences, extend and expire.
pub(super) fn reconcile(state: &mut State, source: &str) -> Vec<Effect> {
    let now = state.now;
    state
        .silences
        .own
        .retain(|_, at| now - *at < OWN_SILENCE_GRACE);
    let mut appends = Vec::new();
    let mut effects = Vec::new();
    let busy: HashSet<String> = state.flows.pending_subjects().map(str::to_string).collect();
    let Some(view) = state.silences.am.get(source) else {
        return Vec::new();
    };
    let window = view.ack_window;
    let alarms: Vec<&Alarm> = state
        .board
        .iter()
        .filter(|a| a.observed.source == source)
        .collect();
    let mut calls: Vec<(String, Step, AmRequest)> = Vec::new();
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
                && !state.silences.in_flight.contains(id)
            {
                calls.push((
                    fp.to_string(),
                    Step::Expire {
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
        let active = state.silences.silences_for(source, fp);
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
            .silences
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
            let own_and_young = state.silences.own.contains_key(&s.id)
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
            && !state.silences.in_flight.contains(id)
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
                Step::Extend {
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
                state.silences.reported.remove(&fp);
            }
            Some(r) => {
                state.silences.reported.insert(fp, (r, now));
            }
        }
    }
    if !appends.is_empty() {
        effects.push(Effect::Append(appends));
    }
    for (_fp, flow, req) in calls {
        let id = match &flow {
            Step::Extend { previous, .. } => previous.clone(),
            Step::Expire { silence_id, .. } => silence_id.clone(),
            _ => String::new(),
        };
        state.silences.in_flight.insert(id);
        let token = state.flows.begin(None, "", flow);
        effects.push(Effect::Source(SourceEffect::Am {
            token,
            source: source.to_string(),
            req,
        }));
    }
    effects
}
