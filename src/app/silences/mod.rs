//! The silences room: acknowledging an Alertmanager alarm with a silence
//! (ack = silence), un-acking by expiring it, silencing for a chosen time,
//! and keeping acks in step with the Alertmanager cluster's silences.
//!
//! Everything here is pure like the rest of `app`: HTTP goes out as
//! [`SourceEffect`] and its answer comes back as [`SourceMsg::AmDone`]. An
//! operator's ack of an Alertmanager alarm runs in three steps, each
//! durable before the next (see [`flows`]):
//!
//! 1. `alarm.ack_requested` is committed (the intent, so a crash between
//!    asking and answering leaves a trace);
//! 2. the silence is POSTed (comment `cocpit-ack <intent-id>: <note>`);
//! 3. `alarm.acked` with the silence id is committed; only then does the
//!    screen say "acked". Until then the alarm shows `…`.
//!
//! Acks made elsewhere (amtool, another console, another peer) are seen as
//! silences covering the alarm and journaled by the ingest leader as
//! `alarm.acked` with the silence's author as the actor ([`reconcile`]).
//! The `s` / `A` editor is in [`editor`].
//!
//! [`SourceMsg::AmDone`]: super::sources::SourceMsg::AmDone

pub mod editor;
mod flows;
mod reconcile;

pub use editor::SilenceEditor;
pub use flows::{on_am_done, on_committed, start_ack, start_ack_with_note, start_unack};

use super::sources::{AmState, ClusterInfo};
use super::{Effect, State};
use crate::domain::alarm::Labels;
use crate::domain::silence::Silence;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A silence made by a console on this journal (its comment names an intent
/// in the alarm's timeline) gets this long for that console to journal the
/// ack itself; deriving it too would journal the same ack twice. After it
/// (that console died mid-ack) the ack is derived like any other. Silences
/// from elsewhere — another jump host's console included — count at once.
const OWN_SILENCE_GRACE: Duration = Duration::seconds(30);
/// How long a derived ack / unack is assumed to be on its way to the board.
const REPORTED_TTL: Duration = Duration::seconds(30);

#[derive(Debug, Clone, Default)]
pub struct AmView {
    pub ack_window: Duration,
    pub cluster: Option<ClusterInfo>,
    pub silences: HashMap<String, Silence>,
    pub silenced_by: HashMap<String, Vec<String>>,
}

/// Where an ack, unack or silence (or an upkeep call) stands: what the
/// flow table holds for its token.
#[derive(Debug, Clone)]
pub enum Step {
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

#[derive(Debug, Clone, Default)]
pub struct Silences {
    pub am: BTreeMap<String, AmView>,
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
}

impl Silences {
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

pub fn on_am_state(state: &mut State, am: AmState) -> Vec<Effect> {
    let source = am.source.clone();
    let view = state
        .silences
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
    reconcile::reconcile(state, &source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::silence::SilenceState;

    #[test]
    fn silences_for_lists_active_ones_oldest_first() {
        let mut live = Silences::default();
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
