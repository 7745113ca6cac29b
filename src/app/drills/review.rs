//! Reviewing a drill that ended: its findings, its improvement items and
//! its acceptance, each a `drill.*` row committed before the screen says
//! so, and the improvement items across every drill (the Improvements
//! view). Observers may record and accept (acceptance is the service's
//! criterion, given by whoever signs it off); read-only consoles may not.

use crate::app::form::{Field, Form, Input, Outcome};
use crate::app::{Effect, Level, Mode, State, flow};
use crate::domain::drill::drills::{DrillView, Item};
use crate::domain::drill::payloads::{Accepted, DrillEvent, Finding, Improvement, ItemStatus};
use crate::domain::fault::fault_id;
use crate::domain::sanitize::inert;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;

/// How far ahead a new item is due unless told.
const DUE_IN_DAYS: i64 = 14;

/// What a review popup records.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Finding,
    /// A new item, or an existing one being edited (`Some(id)`).
    Improvement(Option<String>),
    Accept,
}

/// The review popup: a form for one row about `drill`.
#[derive(Debug, Clone)]
pub struct Record {
    pub drill: String,
    pub title: String,
    pub what: What,
    pub form: Form,
}

impl Record {
    /// The labels of the form's fields, in order.
    pub fn labels(&self) -> Vec<&'static str> {
        self.form.fields.iter().map(|f| f.label).collect()
    }
}

/// Why this console may not record a review row, if it may not.
pub fn may_record(state: &State) -> Result<(), String> {
    if state.session.readonly {
        return Err("read-only console: nothing is recorded here".into());
    }
    if let Some(why) = state.recording.refusal() {
        return Err(format!("refused: {why}"));
    }
    Ok(())
}

/// The drill a review key is about: the one shown, once it is over.
fn ended(state: &State) -> Result<DrillView, String> {
    let Some(d) = state.drills.shown() else {
        return Err("no drill to review yet".into());
    };
    if d.is_running() {
        return Err(format!(
            "drill {} is still running: it is reviewed once it ends",
            d.id
        ));
    }
    Ok(d.clone())
}

fn open(state: &mut State, what: What, fields: Vec<Field>) {
    let d = match may_record(state).and_then(|()| ended(state)) {
        Ok(d) => d,
        Err(why) => {
            state.say(Level::Warn, why);
            return;
        }
    };
    state.mode = Mode::Drills(Box::new(Record {
        drill: d.id.clone(),
        title: d.title.clone(),
        what,
        form: Form::new(fields),
    }));
}

/// `n`: a finding on the shown drill.
pub fn open_finding(state: &mut State) {
    open(state, What::Finding, vec![Field::line("finding", "")]);
}

/// `a`: accept the shown drill's result, with a comment.
pub fn open_accept(state: &mut State) {
    if let Some((at, a)) = state.drills.shown().and_then(|d| d.accepted.clone()) {
        state.say(
            Level::Info,
            format!(
                "already accepted by {} at {}; a new acceptance is recorded beside it",
                inert(&a.by),
                at.format("%Y-%m-%d %H:%M")
            ),
        );
    }
    open(state, What::Accept, vec![Field::line("comment", "")]);
}

/// The failure mode a drill's scenario names, if its scenario is loaded.
fn failure_mode_of(state: &State, scenario: &str) -> String {
    state
        .drills
        .catalog
        .scenarios
        .iter()
        .find(|s| s.id == scenario)
        .and_then(|s| s.failure_mode.clone())
        .unwrap_or_default()
}

fn status_field(status: ItemStatus) -> Field {
    let mut f = Field::choice(
        "status",
        ItemStatus::ALL.iter().map(|s| s.as_str()).collect(),
    );
    if let Input::Choice { index, .. } = &mut f.input {
        *index = ItemStatus::ALL
            .iter()
            .position(|s| *s == status)
            .unwrap_or(0);
    }
    f
}

/// `i`: a new improvement item for the shown drill.
pub fn open_improvement(state: &mut State) {
    let mode = state
        .drills
        .shown()
        .map(|d| failure_mode_of(state, &d.scenario))
        .unwrap_or_default();
    let due = (state.now.date_naive() + chrono::Duration::days(DUE_IN_DAYS)).to_string();
    let me = state.session.operator.clone();
    open(
        state,
        What::Improvement(None),
        vec![
            Field::line("title", ""),
            Field::line("owner", &me),
            Field::line("due", &due),
            Field::line("failure mode", &mode),
            status_field(ItemStatus::Open),
        ],
    );
}

/// `Enter` on the Improvements view: edit the selected item.
pub fn open_edit(state: &mut State, item: &Item) {
    if let Err(why) = may_record(state) {
        state.say(Level::Warn, why);
        return;
    }
    let i = &item.now;
    let title = state
        .drills
        .journal
        .get(&i.drill)
        .map_or_else(|| i.drill.clone(), |d| d.title.clone());
    state.mode = Mode::Drills(Box::new(Record {
        drill: i.drill.clone(),
        title,
        what: What::Improvement(Some(i.item.clone())),
        form: Form::new(vec![
            Field::line("title", &i.title),
            Field::line("owner", &i.owner),
            Field::line("due", &i.due.map(|d| d.to_string()).unwrap_or_default()),
            Field::line("failure mode", i.failure_mode.as_deref().unwrap_or("")),
            status_field(i.status),
        ]),
    }));
}

/// `s` on the Improvements view: the selected item's next status.
pub fn next_status(state: &mut State, item: &Item) -> Vec<Effect> {
    if let Err(why) = may_record(state) {
        state.say(Level::Warn, why);
        return Vec::new();
    }
    let mut now = item.now.clone();
    now.status = now.status.next();
    now.by = state.session.operator.clone();
    let what = format!("improvement {}: {}", now.item, now.status.as_str());
    commit(state, DrillEvent::Improvement(now), what)
}

fn commit(state: &mut State, ev: DrillEvent, what: String) -> Vec<Effect> {
    let me = state.session.operator.clone();
    let row = ev.to_new_event(state.now, &me);
    let token = state
        .flows
        .begin(None, what, flow::Step::Drill(super::Step::Asked));
    vec![Effect::Commit {
        token,
        events: vec![row],
    }]
}

/// Keys while the review popup is open.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Drills(rec) = &mut state.mode else {
        return Vec::new();
    };
    match rec.form.on_key(key) {
        Outcome::Cancel => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        Outcome::Submit => {
            let Mode::Drills(rec) = std::mem::take(&mut state.mode) else {
                return Vec::new();
            };
            submit(state, *rec)
        }
        Outcome::Edited | Outcome::Other => {
            rec.form.error = None;
            Vec::new()
        }
    }
}

pub fn on_paste(rec: &mut Record, text: &str) {
    rec.form.on_paste(text);
}

/// The form's row, or why not (the popup stays open with the reason).
fn row(state: &State, rec: &Record) -> Result<(DrillEvent, String), String> {
    let me = state.session.operator.clone();
    let line = |i: usize| rec.form.line(i).trim().to_string();
    match &rec.what {
        What::Finding => {
            let text = line(0);
            if text.is_empty() {
                return Err("a finding needs its text".into());
            }
            Ok((
                DrillEvent::Finding(Finding {
                    drill: rec.drill.clone(),
                    by: me,
                    text,
                }),
                format!("finding on drill {}", rec.drill),
            ))
        }
        What::Accept => Ok((
            DrillEvent::Accepted(Accepted {
                drill: rec.drill.clone(),
                by: me.clone(),
                comment: line(0),
            }),
            format!("drill {} accepted by {}", rec.drill, inert(&me)),
        )),
        What::Improvement(existing) => {
            let title = line(0);
            if title.is_empty() {
                return Err("an improvement needs a title".into());
            }
            let due_text = line(2);
            let due = if due_text.is_empty() {
                None
            } else {
                Some(
                    NaiveDate::parse_from_str(&due_text, "%Y-%m-%d")
                        .map_err(|_| format!("due: {due_text:?} is not a day (YYYY-MM-DD)"))?,
                )
            };
            let mode = line(3);
            let status = rec
                .form
                .choice(4)
                .and_then(|(i, _)| ItemStatus::ALL.get(i).copied())
                .unwrap_or(ItemStatus::Open);
            let item = match existing {
                Some(id) => id.clone(),
                None => format!(
                    "i{}",
                    fault_id(&format!(
                        "{}-{me}-{}",
                        rec.drill,
                        state.now.timestamp_nanos_opt().unwrap_or(0)
                    ))
                ),
            };
            let what = match existing {
                Some(_) => format!("improvement {item} updated"),
                None => format!("improvement {item} recorded"),
            };
            Ok((
                DrillEvent::Improvement(Improvement {
                    drill: rec.drill.clone(),
                    item,
                    title,
                    owner: line(1),
                    due,
                    status,
                    failure_mode: (!mode.is_empty()).then_some(mode),
                    by: me,
                }),
                what,
            ))
        }
    }
}

fn submit(state: &mut State, mut rec: Record) -> Vec<Effect> {
    if let Err(why) = may_record(state) {
        state.say(Level::Warn, why);
        return Vec::new();
    }
    match row(state, &rec) {
        Ok((ev, what)) => commit(state, ev, what),
        Err(why) => {
            rec.form.error = Some(why);
            state.mode = Mode::Drills(Box::new(rec));
            Vec::new()
        }
    }
}

/// The Improvements view's rows: every item, open and overdue first,
/// filtered by `/` (`status=`, `owner=`, `drill=`, `failure_mode=`, free
/// text).
pub fn visible_items(state: &State) -> Vec<&Item> {
    let f = &state.drills.items_list.filter;
    state
        .drills
        .journal
        .items_sorted(state.now.date_naive())
        .into_iter()
        .filter(|i| item_matches(f, i))
        .collect()
}

fn haystack(i: &Item) -> String {
    let n = &i.now;
    format!(
        "{} {} {} {} {} {}",
        n.item,
        n.title,
        n.owner,
        n.drill,
        n.status.as_str(),
        n.failure_mode.as_deref().unwrap_or("")
    )
}

fn item_matches(f: &crate::domain::filter::Filter, i: &Item) -> bool {
    if f.is_empty() {
        return true;
    }
    let hay = haystack(i);
    let n = &i.now;
    f.matches_with(
        |name| match name {
            "id" => Some(n.item.as_str()),
            "status" => Some(n.status.as_str()),
            "owner" => Some(n.owner.as_str()),
            "drill" => Some(n.drill.as_str()),
            "failure_mode" => n.failure_mode.as_deref(),
            "title" => Some(n.title.as_str()),
            _ => None,
        },
        |needle| crate::domain::filter::contains_ci(&hay, needle),
    )
}

pub fn selected_item(state: &State) -> Option<Item> {
    visible_items(state)
        .get(state.drills.items_list.selected)
        .map(|i| (*i).clone())
}

pub fn item_rows(state: &State) -> usize {
    visible_items(state).len()
}

pub fn move_items(state: &mut State, delta: isize) {
    let n = item_rows(state);
    let page = state.page_rows();
    state.drills.items_list.move_by(delta, n, page);
}

pub fn items_search(state: &State, i: usize, q: &str) -> bool {
    visible_items(state)
        .get(i)
        .is_some_and(|x| crate::domain::filter::contains_ci(&haystack(x), q))
}

pub fn set_items_filter(state: &mut State, f: crate::domain::filter::Filter) {
    state.drills.items_list.filter = f;
    let n = item_rows(state);
    state.drills.items_list.clamp(n);
}

/// The Improvements view's keys.
pub fn on_items_action(state: &mut State, action: crate::app::keymap::Action) -> Vec<Effect> {
    use crate::app::keymap::Action;
    let Some(item) = selected_item(state) else {
        state.say(Level::Info, "no improvement item selected");
        return Vec::new();
    };
    match action {
        Action::ItemStatus => next_status(state, &item),
        Action::ItemEdit => {
            open_edit(state, &item);
            Vec::new()
        }
        _ => Vec::new(),
    }
}
