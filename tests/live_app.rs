//! The core's ack = silence logic, driven by messages alone (no servers):
//! the three durable steps of an ack, failures, acks derived from silences
//! made elsewhere (journaled once), extension while firing and expiry on
//! resolve, and the `s` editor.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::sources::{AmRequest, AmState, SourceEffect, SourceMsg};
use cocpit::app::{self, Effect, Mode, Msg, RunMode, Session, State};
use cocpit::domain::event::payload;
use cocpit::domain::silence::{Silence, SilenceState};
use cocpit::domain::{AlarmBoard, EventKind, NewEvent, ObservedAlarm, Severity};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use support::console::{MemJournal, Order, roundtrip, tail};

const ME: &str = "alice@jump1";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

struct Console {
    state: State,
    j: MemJournal,
    fp: String,
}

impl Console {
    fn new(leader: bool) -> Console {
        let session = Session {
            operator: ME.into(),
            mode: RunMode::Live,
            readonly: false,
            role: Default::default(),
            journal_path: "/tmp/j.db".into(),
        };
        let mut state = State::new(session, AlarmBoard::new(), Vec::new(), t0());
        state.silences.register_am("prod", Duration::hours(1));
        app::update(&mut state, Msg::IngestRole { leader }, t0());
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_string(), "DiskFull".to_string());
        labels.insert("instance".to_string(), "db-01".to_string());
        let obs = ObservedAlarm {
            fingerprint: "fp1".into(),
            source: "prod".into(),
            name: "DiskFull".into(),
            severity: Severity::Major,
            labels: labels.into(),
            annotations: Default::default(),
            starts_at: t0(),
            generator_url: None,
        };
        let mut c = Console {
            state,
            j: MemJournal::default(),
            fp: "fp1".into(),
        };
        c.journal(vec![NewEvent::new(
            t0(),
            "source:prod",
            EventKind::AlarmRaised,
            "fp1",
            payload(&obs),
        )]);
        c
    }

    /// Commit rows and feed them back as the tailer would.
    fn journal(&mut self, evs: Vec<NewEvent>) -> Vec<i64> {
        let (rows, _) = tail(&mut self.state, &mut self.j, evs, t0());
        rows.iter().map(|r| r.id).collect()
    }

    fn send(&mut self, msg: Msg) -> Vec<Effect> {
        app::update(&mut self.state, msg, t0())
    }

    fn key(&mut self, c: char) -> Vec<Effect> {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    }

    /// Commit the single Commit effect and answer it.
    fn commit(&mut self, effects: Vec<Effect>) -> (Vec<NewEvent>, Vec<Effect>) {
        roundtrip(
            &mut self.state,
            &mut self.j,
            effects,
            Order::RowsFirst,
            t0(),
        )
    }

    fn silence(&self, id: &str, by: &str, comment: &str, ends_in: Duration) -> Silence {
        Silence {
            id: id.into(),
            state: SilenceState::Active,
            created_by: by.into(),
            comment: comment.into(),
            starts_at: t0() - Duration::minutes(5),
            ends_at: t0() + ends_in,
            matchers: self
                .state
                .board
                .get(&self.fp)
                .unwrap()
                .observed
                .labels
                .clone(),
        }
    }

    fn am_state(&mut self, silences: Vec<Silence>) -> Vec<Effect> {
        let mut silenced_by = HashMap::new();
        let active: Vec<String> = silences
            .iter()
            .filter(|s| s.is_active())
            .map(|s| s.id.clone())
            .collect();
        if !active.is_empty() {
            silenced_by.insert(self.fp.clone(), active);
        }
        self.send(Msg::Source(SourceMsg::AmState(AmState {
            source: "prod".into(),
            silences,
            silenced_by,
            ..AmState::default()
        })))
    }
}

fn am_call(effects: &[Effect]) -> (u64, AmRequest) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Source(SourceEffect::Am { token, req, source }) => {
                assert_eq!(source, "prod");
                Some((*token, req.clone()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Alertmanager call in {effects:?}"))
}

fn appended(effects: &[Effect]) -> Vec<NewEvent> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::Append(v) => v.clone(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn ack_is_intent_then_silence_then_ack_each_durable_first() {
    let mut c = Console::new(true);
    let (intent, next) = {
        let e = c.key('a');
        c.commit(e)
    };
    assert_eq!(intent[0].kind, "alarm.ack_requested");
    assert_eq!(intent[0].actor, ME);
    assert!(
        c.state.is_pending("fp1"),
        "shown as … while the AM is asked"
    );
    let (token, req) = am_call(&next);
    let AmRequest::Create(spec) = req else {
        panic!("{req:?}")
    };
    // The comment carries the intent's journal id; matchers are the labels.
    assert_eq!(spec.comment, format!("cocpit-ack {}", c.j.next));
    assert_eq!(spec.created_by, ME);
    assert_eq!(spec.matchers.len(), 2);
    assert_eq!(spec.ends_at - spec.starts_at, Duration::hours(1));
    assert!(c.state.board.get("fp1").unwrap().ack.is_none());

    let after = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Ok("sil-1".into()),
    }));
    assert!(
        c.state.is_pending("fp1"),
        "still … until the ack is committed"
    );
    assert!(
        after
            .iter()
            .any(|e| matches!(e, Effect::Source(SourceEffect::PollNow { .. })))
    );
    let (acked, _) = c.commit(after);
    assert_eq!(acked[0].kind, "alarm.acked");
    assert_eq!(acked[0].payload["silence_id"], "sil-1");
    let ack = c.state.board.get("fp1").unwrap().ack.clone().unwrap();
    assert_eq!(
        (ack.by.as_str(), ack.silence_id.as_deref()),
        (ME, Some("sil-1"))
    );
    assert!(!c.state.is_pending("fp1"));
    assert!(
        c.state
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("acked DiskFull")
    );

    // The poll sees our silence: nothing more to journal.
    let s = c.silence("sil-1", ME, "cocpit-ack 2", Duration::minutes(59));
    assert!(appended(&c.am_state(vec![s])).is_empty());
}

#[test]
fn a_refused_silence_is_reported_and_journaled_not_shown_as_acked() {
    let mut c = Console::new(true);
    // Confirmations arrive, but no row comes back from the journal's tail
    // (it lags under load): the board never sees the intent either.
    let intent = c.key('a');
    let [Effect::Commit { token: t1, .. }] = intent.as_slice() else {
        panic!("{intent:?}")
    };
    let next = c.send(Msg::Committed {
        token: *t1,
        result: Ok(vec![50]),
    });
    let (token, _) = am_call(&next);
    let out = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Err("am: HTTP 400: bad matchers".into()),
    }));
    let evs = appended(&out);
    assert_eq!(evs[0].kind, "silence.failed");
    assert!(!c.state.is_pending("fp1"));
    assert!(c.state.board.get("fp1").unwrap().ack.is_none());
    let status = c.state.status.clone().unwrap();
    assert!(status.text.contains("HTTP 400"), "{}", status.text);
}

#[test]
fn a_silence_made_elsewhere_is_an_ack_by_its_author_journaled_once() {
    let mut c = Console::new(true);
    let bob = c.silence("s-bob", "bob@jump2", "looking", Duration::hours(2));
    let out = c.am_state(vec![bob.clone()]);
    let evs = appended(&out);
    assert_eq!(evs.len(), 1);
    assert_eq!(
        (evs[0].kind.as_str(), evs[0].actor.as_str()),
        ("alarm.acked", "bob@jump2")
    );
    // A second poll before the row comes back must not journal it again.
    assert!(appended(&c.am_state(vec![bob.clone()])).is_empty());
    c.journal(evs);
    assert_eq!(
        c.state.board.get("fp1").unwrap().ack.as_ref().unwrap().by,
        "bob@jump2"
    );
    assert!(appended(&c.am_state(vec![bob.clone()])).is_empty());

    // Expired elsewhere: unacked once.
    let mut gone = bob;
    gone.state = SilenceState::Expired;
    let evs = appended(&c.am_state(vec![gone.clone()]));
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].kind, "alarm.unacked");
    assert!(appended(&c.am_state(vec![gone.clone()])).is_empty());
    c.journal(evs);
    assert!(c.state.board.get("fp1").unwrap().ack.is_none());
    assert!(appended(&c.am_state(vec![gone])).is_empty());
}

#[test]
fn only_the_leader_derives_acks() {
    let mut c = Console::new(false);
    let bob = c.silence("s-bob", "bob@jump2", "looking", Duration::hours(2));
    assert!(c.am_state(vec![bob]).is_empty());
}

#[test]
fn ack_silences_are_extended_while_firing_and_expired_on_resolve() {
    let mut c = Console::new(true);
    let ack = NewEvent::new(
        t0(),
        ME,
        EventKind::AlarmAcked,
        "fp1",
        serde_json::json!({"silence_id": "sil-1", "comment": "cocpit-ack 1"}),
    );
    c.journal(vec![ack]);
    // Plenty of time left: nothing to do.
    let s = c.silence("sil-1", ME, "cocpit-ack 1", Duration::minutes(50));
    assert!(c.am_state(vec![s]).is_empty());
    // Running out while still firing: updated in place with a new end.
    let s = c.silence("sil-1", ME, "cocpit-ack 1", Duration::minutes(5));
    let out = c.am_state(vec![s.clone()]);
    let (token, req) = am_call(&out);
    let AmRequest::Create(spec) = req else {
        panic!()
    };
    assert_eq!(spec.id.as_deref(), Some("sil-1"));
    assert_eq!(spec.ends_at, t0() + Duration::hours(1));
    // Not asked twice while the call is out.
    assert!(c.am_state(vec![s]).is_empty());
    let done = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Ok("sil-2".into()),
    }));
    let evs = appended(&done);
    assert_eq!(evs[0].kind, "silence.extended");
    c.journal(evs);
    let a = c.state.board.get("fp1").unwrap();
    assert_eq!(a.ack.as_ref().unwrap().silence_id.as_deref(), Some("sil-2"));

    // The alarm resolves: its ack silence is expired.
    c.journal(vec![NewEvent::new(
        t0(),
        "source:prod",
        EventKind::AlarmResolved,
        "fp1",
        serde_json::json!({}),
    )]);
    let s2 = c.silence("sil-2", ME, "cocpit-ack 1", Duration::minutes(59));
    let out = c.am_state(vec![s2]);
    let (token, req) = am_call(&out);
    assert_eq!(req, AmRequest::Expire("sil-2".into()));
    let done = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Ok("sil-2".into()),
    }));
    assert_eq!(appended(&done)[0].kind, "silence.expired");
}

#[test]
fn silences_made_by_others_are_not_extended_or_expired() {
    let mut c = Console::new(true);
    let bob = c.silence("s-bob", "bob@jump2", "maintenance", Duration::minutes(1));
    let evs = appended(&c.am_state(vec![bob.clone()]));
    c.journal(evs);
    let out = c.am_state(vec![bob]);
    assert!(
        !out.iter()
            .any(|e| matches!(e, Effect::Source(SourceEffect::Am { .. }))),
        "{out:?}"
    );
}

#[test]
fn unack_expires_the_silence() {
    let mut c = Console::new(true);
    c.journal(vec![NewEvent::new(
        t0(),
        "bob@jump2",
        EventKind::AlarmAcked,
        "fp1",
        serde_json::json!({"silence_id": "s-bob"}),
    )]);
    let (intent, next) = {
        let e = c.key('u');
        c.commit(e)
    };
    assert_eq!(intent[0].kind, "alarm.unack_requested");
    let (token, req) = am_call(&next);
    assert_eq!(req, AmRequest::Expire("s-bob".into()));
    let after = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Ok("s-bob".into()),
    }));
    let (unacked, _) = c.commit(after);
    assert_eq!(unacked[0].kind, "alarm.unacked");
    assert!(c.state.board.get("fp1").unwrap().ack.is_none());
}

#[test]
fn the_silence_editor_needs_a_duration_and_a_reason() {
    let mut c = Console::new(true);
    assert!(c.key('s').is_empty());
    assert!(matches!(c.state.mode, Mode::Silence(_)));
    let ctrl_s = Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    // No comment yet.
    assert!(c.send(ctrl_s.clone()).is_empty());
    let Mode::Silence(ed) = &c.state.mode else {
        panic!()
    };
    assert!(ed.form.error.as_deref().unwrap().contains("comment"));
    for ch in "db maintenance".chars() {
        c.key(ch);
    }
    // A bad duration.
    c.send(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    for _ in 0..2 {
        c.send(Msg::Key(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
    c.key('x');
    assert!(c.send(ctrl_s.clone()).is_empty());
    let Mode::Silence(ed) = &c.state.mode else {
        panic!()
    };
    assert!(ed.form.error.as_deref().unwrap().contains("duration"));
    c.send(Msg::Key(KeyEvent::new(
        KeyCode::Backspace,
        KeyModifiers::NONE,
    )));
    c.key('9');
    c.key('0');
    c.key('m');
    let (intent, next) = {
        let e = c.send(ctrl_s);
        c.commit(e)
    };
    assert_eq!(intent[0].kind, "alarm.silence_requested");
    assert_eq!(intent[0].payload["duration_secs"], 5400);
    let (token, req) = am_call(&next);
    let AmRequest::Create(spec) = req else {
        panic!()
    };
    assert!(
        spec.comment.ends_with(": db maintenance"),
        "{}",
        spec.comment
    );
    assert_eq!(spec.ends_at - spec.starts_at, Duration::minutes(90));
    let after = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Ok("s-9".into()),
    }));
    let (silenced, _) = c.commit(after);
    assert_eq!(silenced[0].kind, "alarm.silenced");
    let a = c.state.board.get("fp1").unwrap();
    assert_eq!(a.ack.as_ref().unwrap().silence_id.as_deref(), Some("s-9"));
}

#[test]
fn non_alertmanager_alarms_keep_journal_only_acks() {
    let mut c = Console::new(true);
    c.state.silences = Default::default();
    let (evs, next) = {
        let e = c.key('a');
        c.commit(e)
    };
    assert_eq!(evs[0].kind, "alarm.acked");
    assert!(next.is_empty());
    assert!(c.key('s').is_empty());
    assert!(matches!(c.state.mode, Mode::Normal));
}

#[test]
fn group_by_service_lists_groups_worst_first_and_draws_group_rows() {
    let mut c = Console::new(true);
    let mk = |name: &str, service: &str, sev: Severity| {
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_string(), name.to_string());
        labels.insert("service".to_string(), service.to_string());
        let o = ObservedAlarm {
            fingerprint: cocpit::domain::fingerprint(&labels).into(),
            source: "prod".into(),
            name: name.into(),
            severity: sev,
            labels: labels.into(),
            annotations: Default::default(),
            starts_at: t0(),
            generator_url: None,
        };
        NewEvent::new(
            t0(),
            "source:prod",
            EventKind::AlarmRaised,
            o.fingerprint.clone(),
            payload(&o),
        )
    };
    c.journal(vec![
        mk("LatencyHigh", "checkout", Severity::Warning),
        mk("ErrorsHigh", "checkout", Severity::Critical),
        mk("QueueFull", "billing", Severity::Minor),
    ]);
    c.key(':');
    for ch in "group service".chars() {
        c.key(ch);
    }
    c.send(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let names: Vec<String> = c
        .state
        .alarms
        .visible
        .iter()
        .map(|fp| c.state.board.get(fp).unwrap().service().to_string())
        .collect();
    // checkout (has a critical) first, then the db alarm (major; no service
    // label: falls back to instance), then billing (minor).
    assert_eq!(names, ["checkout", "checkout", "db-01", "billing"]);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 20)).unwrap();
    term.draw(|f| cocpit::ui::render(f, &c.state)).unwrap();
    let rows: Vec<String> = (0..20)
        .map(|y| {
            (0..120)
                .map(|x| term.backend().buffer()[(x, y)].symbol().to_string())
                .collect()
        })
        .collect();
    let screen = rows.join("\n");
    assert!(screen.contains("group: service"), "{screen}");
    assert!(screen.contains("checkout (2)"), "{screen}");
    assert_eq!(
        screen.matches("checkout (2)").count(),
        1,
        "only on the group's first row"
    );
}

#[test]
fn a_derived_ack_lost_on_the_way_to_the_journal_is_written_again_later() {
    let mut c = Console::new(true);
    let bob = c.silence("s-bob", "bob@jump2", "looking", Duration::hours(2));
    assert_eq!(appended(&c.am_state(vec![bob.clone()])).len(), 1);
    // The row never arrives (its batch failed). Soon after: not repeated.
    assert!(appended(&c.am_state(vec![bob.clone()])).is_empty());
    // Half a minute later it is written again.
    let later = t0() + Duration::seconds(31);
    let mut silenced_by = HashMap::new();
    silenced_by.insert("fp1".to_string(), vec!["s-bob".to_string()]);
    let out = app::update(
        &mut c.state,
        Msg::Source(SourceMsg::AmState(AmState {
            source: "prod".into(),
            silences: vec![bob],
            silenced_by,
            ..AmState::default()
        })),
        later,
    );
    assert_eq!(appended(&out).len(), 1);
}

fn screen(state: &State, w: u16, h: u16) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| cocpit::ui::render(f, state)).unwrap();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| term.backend().buffer()[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn detail_shows_silences_and_a_stale_source() {
    let mut c = Console::new(false);
    let bob = c.silence(
        "5e1f-aa",
        "bob@jump2",
        "disk swap \u{1b}[2J",
        Duration::hours(2),
    );
    c.am_state(vec![bob]);
    c.send(Msg::Source(SourceMsg::Stale {
        source: "prod".into(),
        stale: true,
    }));
    c.send(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let s = screen(&c.state, 140, 40);
    assert!(s.contains("Silences"), "{s}");
    assert!(s.contains("5e1f by bob@jump2"), "{s}");
    assert!(s.contains("␛[2J"), "outside text is inert: {s}");
    assert!(s.contains("⚠ STALE: prod is down"), "{s}");
    assert!(s.contains("STALE "), "the table marks it too: {s}");
    assert!(s.contains("stale (source down): prod"), "{s}");
}

#[test]
fn an_alert_leaving_the_list_does_not_unack_while_its_silence_runs() {
    let mut c = Console::new(true);
    c.journal(vec![NewEvent::new(
        t0(),
        ME,
        EventKind::AlarmAcked,
        "fp1",
        serde_json::json!({"silence_id": "sil-1", "comment": "cocpit-ack 1"}),
    )]);
    let s = c.silence("sil-1", ME, "cocpit-ack 1", Duration::minutes(50));
    // The alert resolved on the Alertmanager: nothing is muted any more,
    // but the silence is still active.
    let out = c.send(Msg::Source(SourceMsg::AmState(AmState {
        source: "prod".into(),
        silences: vec![s],
        silenced_by: HashMap::new(),
        ..AmState::default()
    })));
    assert!(appended(&out).is_empty(), "{out:?}");
}

#[test]
fn a_repeating_source_error_is_journaled_once_per_ten_minutes() {
    let mut c = Console::new(true);
    let err = |class: &str, reason: &str| {
        Msg::Source(SourceMsg::SourceError {
            source: "prom".into(),
            class: class.into(),
            reason: reason.into(),
        })
    };
    assert_eq!(
        appended(&c.send(err("feed cpu", "feed cpu: bad_data"))).len(),
        1
    );
    assert!(appended(&c.send(err("feed cpu", "feed cpu: bad_data"))).is_empty());
    assert_eq!(
        appended(&c.send(err("feed mem", "feed mem: bad_data"))).len(),
        1
    );
    // The reason text changes with every request (a column number, a
    // length): the same class is still the same error.
    for col in 1..100 {
        let reason = format!("malformed webhook payload: expected value at line 1 column {col}");
        let out = c.send(Msg::Source(SourceMsg::SourceError {
            source: "webhook".into(),
            class: "malformed".into(),
            reason,
        }));
        assert_eq!(appended(&out).len(), usize::from(col == 1), "column {col}");
    }
    let later = t0() + Duration::minutes(11);
    let out = app::update(&mut c.state, err("feed cpu", "feed cpu: bad_data"), later);
    assert_eq!(appended(&out).len(), 1);
    assert_eq!(appended(&out)[0].kind, "source.error");
}

#[test]
fn shift_a_acks_with_a_note_in_the_silence_comment() {
    let mut c = Console::new(true);
    assert!(c.key('A').is_empty());
    let ctrl_s = Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(
        c.send(ctrl_s.clone()).is_empty(),
        "an empty note is refused"
    );
    for ch in "failing over the db".chars() {
        c.key(ch);
    }
    let (intent, next) = {
        let e = c.send(ctrl_s);
        c.commit(e)
    };
    assert_eq!(intent[0].kind, "alarm.ack_requested");
    let (_, req) = am_call(&next);
    let AmRequest::Create(spec) = req else {
        panic!()
    };
    assert_eq!(
        spec.comment,
        format!("cocpit-ack {}: failing over the db", c.j.next)
    );

    // Not an Alertmanager alarm: a journal-only ack carrying the note.
    let mut c = Console::new(true);
    c.state.silences = Default::default();
    c.key('A');
    for ch in "on it".chars() {
        c.key(ch);
    }
    let (evs, _) = {
        let e = c.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )));
        c.commit(e)
    };
    assert_eq!(evs[0].kind, "alarm.acked");
    assert_eq!(evs[0].payload["comment"], "on it");
    assert!(c.state.board.get("fp1").unwrap().ack.is_some());
}

#[test]
fn a_poll_racing_our_own_ack_row_does_not_derive_a_second_ack() {
    let mut c = Console::new(true);
    // Confirmations arrive, but no row comes back from the journal's tail
    // (it lags under load): the board never sees the intent either.
    let intent = c.key('a');
    let [Effect::Commit { token: t1, .. }] = intent.as_slice() else {
        panic!("{intent:?}")
    };
    let next = c.send(Msg::Committed {
        token: *t1,
        result: Ok(vec![50]),
    });
    let (token, _) = am_call(&next);
    let after = c.send(Msg::Source(SourceMsg::AmDone {
        token,
        result: Ok("sil-1".into()),
    }));
    let (token3, events) = match after.as_slice() {
        [Effect::Commit { token, events }, ..] => (*token, events.clone()),
        other => panic!("{other:?}"),
    };
    let s = c.silence("sil-1", ME, "cocpit-ack 50", Duration::minutes(59));
    assert!(appended(&c.am_state(vec![s.clone()])).is_empty());
    c.send(Msg::Committed {
        token: token3,
        result: Ok(vec![51]),
    });
    assert!(!c.state.flows.any_pending());
    assert!(appended(&c.am_state(vec![s.clone()])).is_empty());
    c.journal(events);
    assert!(appended(&c.am_state(vec![s])).is_empty());
    assert_eq!(
        c.state
            .board
            .get("fp1")
            .unwrap()
            .ack
            .as_ref()
            .unwrap()
            .silence_id
            .as_deref(),
        Some("sil-1")
    );
}

#[test]
fn live_popups_and_panels_draw_at_every_size() {
    let mut c = Console::new(true);
    c.send(Msg::Source(SourceMsg::Targets {
        source: "prom".into(),
        targets: vec![cocpit::app::sources::Target {
            job: "ghost".into(),
            instance: "127.0.0.1:1".into(),
            health: "down".into(),
            last_error: "connection refused \u{1b}[31m".into(),
            last_scrape: Some(t0()),
        }],
    }));
    for mode in ["silence", "ack", "targets"] {
        let mut c2 = Console::new(true);
        c2.state.silences = c.state.silences.clone();
        c2.state.sources = c.state.sources.clone();
        match mode {
            "silence" => {
                c2.key('s');
            }
            "ack" => {
                c2.key('A');
            }
            _ => {
                c2.key('2');
                c2.key('t');
            }
        }
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (80, 24), (200, 60)] {
            let s = screen(&c2.state, w, h);
            if (w, h) == (80, 24) {
                let want = match mode {
                    "silence" => "Silence · DiskFull",
                    "ack" => "Ack · DiskFull",
                    _ => "Targets (0 up, 1 down)",
                };
                assert!(s.contains(want), "{mode}: {s}");
                assert!(!s.contains('\u{1b}'));
            }
        }
    }
}
