//! One harness for the app-level tests: `app::update` driven by messages,
//! with an in-memory journal standing in for the writer and the tailer. It
//! turns `Effect::Commit` / `Effect::Append` into rows (ids in order, as the
//! writer gives them) and feeds back what the runtime would: the rows as
//! `Msg::Events` (the tailer) and the answer as `Msg::Committed` (the
//! writer's confirmation). Every effect the journal does not take is handed
//! back to the test.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use cocpit::app::{self, Effect, Msg, RunMode, Session, State};
use cocpit::domain::{AlarmBoard, Event, EventKind, NewEvent};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The journal's side: rows get consecutive ids.
#[derive(Debug, Default)]
pub struct MemJournal {
    pub next: i64,
    /// Every row committed so far, in id order.
    pub rows: Vec<Event>,
}

impl MemJournal {
    /// Commit `evs` and return the rows as the tailer reads them.
    pub fn commit(&mut self, evs: Vec<NewEvent>) -> Vec<Event> {
        let rows: Vec<Event> = evs
            .into_iter()
            .map(|e| {
                self.next += 1;
                Event {
                    id: self.next,
                    ts: e.ts,
                    actor: e.actor,
                    kind: e.kind,
                    subject: e.subject,
                    payload: e.payload,
                    prev_hash: String::new(),
                    hash: String::new(),
                }
            })
            .collect();
        self.rows.extend(rows.iter().cloned());
        rows
    }
}

/// Which the core hears first after a commit: the writer's answer or the
/// tailer's rows. Both orders happen in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    RowsFirst,
    AnswerFirst,
}

/// The one `Commit` among `effects`, or a panic saying what came instead.
pub fn the_commit(effects: &[Effect]) -> (u64, Vec<NewEvent>) {
    match effects {
        [Effect::Commit { token, events }, ..] => (*token, events.clone()),
        other => panic!("expected a commit first, got {other:?}"),
    }
}

/// Commit the first effect (a `Commit`) into `j`, feed the rows and the
/// answer back in `order`; returns what was committed and what the core
/// asked for next.
pub fn roundtrip(
    state: &mut State,
    j: &mut MemJournal,
    effects: Vec<Effect>,
    order: Order,
    now: DateTime<Utc>,
) -> (Vec<NewEvent>, Vec<Effect>) {
    let (token, events) = the_commit(&effects);
    let rows = j.commit(events.clone());
    let ids = rows.iter().map(|e| e.id).collect();
    let answer = Msg::Committed {
        token,
        result: Ok(ids),
    };
    let mut next = Vec::new();
    match order {
        Order::RowsFirst => {
            next.extend(app::update(state, Msg::Events(rows), now));
            next.extend(app::update(state, answer, now));
        }
        Order::AnswerFirst => {
            next.extend(app::update(state, answer, now));
            next.extend(app::update(state, Msg::Events(rows), now));
        }
    }
    (events, next)
}

/// Journal `evs` as a source would and feed the rows back.
pub fn tail(
    state: &mut State,
    j: &mut MemJournal,
    evs: Vec<NewEvent>,
    now: DateTime<Utc>,
) -> (Vec<Event>, Vec<Effect>) {
    let rows = j.commit(evs);
    let fx = app::update(state, Msg::Events(rows.clone()), now);
    (rows, fx)
}

/// A console in a test: its state, its journal and its clock.
pub struct Console {
    pub state: State,
    pub journal: MemJournal,
    pub now: DateTime<Utc>,
}

impl Console {
    pub fn new(session: Session, now: DateTime<Utc>) -> Console {
        Console {
            state: State::new(session, AlarmBoard::new(), Vec::new(), now),
            journal: MemJournal::default(),
            now,
        }
    }

    /// A demo console of `operator`, read-only or not.
    pub fn demo(operator: &str, readonly: bool, now: DateTime<Utc>) -> Console {
        Console::new(
            Session {
                operator: operator.into(),
                mode: RunMode::Demo,
                readonly,
                role: Default::default(),
                journal_path: "/tmp/j.db".into(),
            },
            now,
        )
    }

    pub fn send(&mut self, msg: Msg) -> Vec<Effect> {
        app::update(&mut self.state, msg, self.now)
    }

    pub fn code(&mut self, code: KeyCode) -> Vec<Effect> {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    pub fn key(&mut self, c: char) -> Vec<Effect> {
        self.code(KeyCode::Char(c))
    }

    pub fn ctrl(&mut self, c: char) -> Vec<Effect> {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )))
    }

    pub fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(c);
        }
    }

    /// Rows a source (or another console) journaled, fed back.
    pub fn journal(&mut self, evs: Vec<NewEvent>) -> Vec<Event> {
        tail(&mut self.state, &mut self.journal, evs, self.now).0
    }

    /// Commit the first effect and answer it, rows first.
    pub fn commit(&mut self, effects: Vec<Effect>) -> (Vec<NewEvent>, Vec<Effect>) {
        roundtrip(
            &mut self.state,
            &mut self.journal,
            effects,
            Order::RowsFirst,
            self.now,
        )
    }

    /// Run every journal effect (commits answered, appends tailed) until
    /// none is left; returns the effects for everything else.
    pub fn perform(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut todo = effects;
        let mut rest = Vec::new();
        while !todo.is_empty() {
            let mut next = Vec::new();
            for effect in todo {
                match effect {
                    Effect::Append(evs) => next.extend(self.journal_fx(evs)),
                    Effect::Commit { .. } => next.extend(self.commit(vec![effect]).1),
                    other => rest.push(other),
                }
            }
            todo = next;
        }
        rest
    }

    fn journal_fx(&mut self, evs: Vec<NewEvent>) -> Vec<Effect> {
        tail(&mut self.state, &mut self.journal, evs, self.now).1
    }

    /// Kinds of every row journaled so far, in order.
    pub fn kinds(&self) -> Vec<String> {
        self.journal.rows.iter().map(|r| r.kind.clone()).collect()
    }

    /// How many rows of `kind` were journaled.
    pub fn count(&self, kind: EventKind) -> usize {
        self.journal
            .rows
            .iter()
            .filter(|r| r.kind == kind.as_str())
            .count()
    }
}
