//! `update`: the only place state changes, and only a router: each message
//! goes to the room it belongs to, keys by the mode and the keymap, and
//! answers by their token through the flow table. Rooms do the work.

use super::flow::Step;
use super::keymap::{self, Action, View};
use super::list::{List, Sort};
use super::sources::SourceMsg;
use super::{
    Ask, Effect, Level, Mode, Msg, State, alarms, drills, faults, log, monitor, mouse, plans,
    presence, prompt, recording, risks, silences, sources, timeline,
};
use crate::domain::sanitize::inert;
use crate::domain::{Event, EventKind, Severity};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent};

/// How long the header flashes a new critical alarm.
const FLASH: Duration = Duration::seconds(10);

/// Resolved alarms older than this leave the board (the journal keeps them).
const KEEP_RESOLVED: Duration = Duration::hours(24);

pub fn update(state: &mut State, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Mouse(ev) => mouse::on_mouse(state, ev),
        Msg::Paste(text) => {
            on_paste(state, &text);
            Vec::new()
        }
        Msg::Resize { width, height } => {
            state.size = (width, height);
            let page = state.page_rows();
            state.alarms.list.scroll_into_view(page);
            if let Some(t) = state.timeline.travel.as_mut() {
                t.view.list.scroll_into_view(page);
            }
            Vec::new()
        }
        Msg::Tick => on_tick(state),
        Msg::Events(events) => on_events(state, &events),
        Msg::Committed { token, result } => on_committed(state, token, result),
        Msg::Fault(m) => {
            let mut fx = Vec::new();
            if let faults::FaultMsg::Done { id, error } = &m {
                fx = plans::drive::on_fault_done(state, id, error.as_deref());
                fx.extend(drills::on_fault_done(state, id, error.as_deref()));
            }
            if let faults::FaultMsg::ProbeFailed { id, reason } = &m {
                fx.extend(drills::on_probe_failed(state, id, reason));
            }
            fx.extend(faults::on_msg(state, m));
            fx
        }
        Msg::Plan(m) => plans::on_msg(state, m),
        Msg::Snapshot { source, firing } => alarms::ingest::on_snapshot(state, &source, firing),
        Msg::Changes {
            source,
            firing,
            resolved,
        } => alarms::ingest::on_changes(state, &source, firing, resolved),
        Msg::SourceNote(ev) => alarms::ingest::on_note(state, ev),
        Msg::Metrics(snap) => {
            state.monitor.apply(snap);
            Vec::new()
        }
        Msg::SourceHealth(status) => sources::on_health(state, status),
        Msg::IngestRole { leader } => alarms::ingest::on_role(state, leader),
        Msg::Error(text) => {
            state.say(Level::Error, text);
            Vec::new()
        }
        Msg::Shutdown => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Msg::Source(SourceMsg::AmDone { token, result }) => on_answer(state, token, result),
        Msg::Source(SourceMsg::AmState(am)) => silences::on_am_state(state, am),
        Msg::Source(m) => sources::on_msg(state, m),
        Msg::Liveness(answer) => presence::on_liveness(state, answer),
        Msg::Recording(notice) => recording::on_notice(state, notice),
        Msg::Timeline(m) => timeline::on_msg(state, m),
        Msg::Drill(m) => drills::on_msg(state, m),
        Msg::Report(m) => super::reports::on_msg(state, m),
    }
}

fn on_tick(state: &mut State) -> Vec<Effect> {
    state.shift.refresh(&state.board, state.now);
    if state
        .flash
        .as_ref()
        .is_some_and(|(_, until)| *until <= state.now)
    {
        state.flash = None;
    }
    if state.status.as_ref().is_some_and(|s| s.until <= state.now) {
        state.status = None;
    }
    if state.board.prune_resolved(state.now - KEEP_RESOLVED) > 0 {
        state.counts = state.board.counts();
        state.alarms.refresh(&state.board);
    }
    let mut fx = faults::on_tick(state);
    fx.extend(presence::on_tick(state));
    fx.extend(recording::on_tick(state));
    fx.extend(plans::drive::on_tick(state));
    fx.extend(drills::on_tick(state));
    fx.extend(timeline::on_tick(state));
    fx
}

/// Committed journal rows reach every projection, then the rooms that act
/// on what changed. A new critical alarm rings the bell and flashes the
/// header; an alarm this operator owned taken by someone else is said.
fn on_events(state: &mut State, events: &[Event]) -> Vec<Effect> {
    let mut changed = false;
    let mut new_critical: Option<String> = None;
    let mut taken: Vec<String> = Vec::new();
    for ev in events {
        let fresh = ev.id > state.board.last_event_id;
        let critical = fresh && is_new_critical(state, ev);
        let was_mine = fresh && was_taken_from_me(state, ev);
        let applied = state.board.apply(ev);
        changed |= applied;
        if applied && critical {
            new_critical = state.board.get(&ev.subject).map(|a| a.name().to_string());
        }
        if applied
            && was_mine
            && let Some(a) = state.board.get(&ev.subject)
        {
            taken.push(format!(
                "{} took {} from you",
                inert(ev.actor.split('@').next().unwrap_or(&ev.actor)),
                inert(a.name())
            ));
        }
        state.faults.ledger.apply(ev);
    }
    state.plans.apply(events);
    state.risks.apply(events);
    presence::on_events(state, events);
    state.log.push(events, &state.board, &state.faults.ledger);
    timeline::on_events(state, events);
    if changed {
        state.counts = state.board.counts();
        let page = state.page_rows();
        state.alarms.refresh(&state.board);
        state.alarms.list.scroll_into_view(page);
    }
    state.shift.refresh(&state.board, state.now);
    if let Some(name) = new_critical {
        if state.bell_enabled {
            state.bells += 1;
        }
        state.flash = Some((inert(&name).into_owned(), state.now + FLASH));
    }
    if !taken.is_empty() {
        state.say(Level::Warn, taken.join("; "));
    }
    let mut fx = faults::after_events(state, events);
    fx.extend(plans::drive::after_events(state, events));
    fx.extend(drills::after_events(state, events));
    fx
}

/// `ev` raises an alarm at critical that was not firing at critical.
fn is_new_critical(state: &State, ev: &Event) -> bool {
    let kind = ev.kind();
    if kind != Some(EventKind::AlarmRaised) && kind != Some(EventKind::AlarmUpdated) {
        return false;
    }
    let sev = ev
        .payload
        .get("severity")
        .and_then(|v| v.as_str())
        .map(Severity::parse);
    sev == Some(Severity::Critical)
        && !state
            .board
            .get(&ev.subject)
            .is_some_and(|a| a.is_firing() && a.severity() == Severity::Critical)
}

/// `ev` gives an alarm this operator owns to someone else.
fn was_taken_from_me(state: &State, ev: &Event) -> bool {
    let me = state.session.operator.as_str();
    ev.kind() == Some(EventKind::AlarmOwnerSet)
        && ev.actor != me
        && ev
            .payload
            .get("owner")
            .and_then(|v| v.as_str())
            .is_some_and(|o| !o.is_empty() && o != me)
        && state
            .board
            .get(&ev.subject)
            .is_some_and(|a| a.owner.as_deref() == Some(me))
}

/// The journal answered a commit: the flow it belongs to goes on.
fn on_committed(state: &mut State, token: u64, result: Result<Vec<i64>, String>) -> Vec<Effect> {
    let Some(flow) = state.flows.take(token) else {
        return Vec::new();
    };
    match flow.step {
        Step::Action => {
            state.confirm(&flow.what, &result);
            Vec::new()
        }
        Step::Silence(step) => silences::on_committed(state, &flow.what, step, &result),
        Step::Fault(step) => {
            let fx = faults::on_committed(state, step, result.is_ok());
            state.confirm(&flow.what, &result);
            fx
        }
        Step::Plan(step) => plans::drive::on_committed(state, &flow.what, step, &result),
        Step::Drill(step) => drills::on_committed(state, &flow.what, step, &result),
    }
}

/// A source answered a call: the flow it belongs to goes on.
fn on_answer(state: &mut State, token: u64, result: Result<String, String>) -> Vec<Effect> {
    match state.flows.take(token) {
        Some(flow) => match flow.step {
            Step::Silence(step) => silences::on_am_done(state, step, result),
            // Only the silences room calls a source.
            Step::Action | Step::Fault(_) | Step::Plan(_) | Step::Drill(_) => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn on_paste(state: &mut State, text: &str) {
    match &mut state.mode {
        Mode::Filter { input, .. } => {
            input.insert_str(text);
            prompt::live_filter(state);
        }
        Mode::Command { input, stem, .. } => {
            input.insert_str(text);
            *stem = None;
        }
        Mode::Note(ed) => ed.form.on_paste(text),
        Mode::Silence(ed) => ed.form.on_paste(text),
        Mode::Faults(popup) => {
            if let Some(form) = popup.form_mut() {
                form.on_paste(text);
            }
        }
        Mode::Plans(popup) => plans::form::on_paste(popup, text),
        Mode::Risk(_) => risks::tag::on_paste(state, text),
        Mode::Drills(rec) => drills::review::on_paste(rec, text),
        Mode::Search { input, .. } => {
            input.insert_str(text);
            prompt::live_search(state);
        }
        Mode::Normal | Mode::Help { .. } | Mode::Event(_) | Mode::Ask(_) => {}
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.mode {
        Mode::Normal => on_normal_key(state, key),
        Mode::Filter { .. } => {
            prompt::on_filter_key(state, key);
            Vec::new()
        }
        Mode::Command { .. } => prompt::on_command_key(state, key),
        Mode::Note(_) => alarms::actions::on_note_key(state, key),
        Mode::Silence(_) => silences::editor::on_key(state, key),
        Mode::Help { .. } => {
            on_help_key(state, key);
            Vec::new()
        }
        Mode::Faults(_) => faults::form::on_key(state, key),
        Mode::Plans(_) => plans::form::on_key(state, key),
        Mode::Risk(_) => risks::tag::on_key(state, key),
        Mode::Drills(_) => drills::review::on_key(state, key),
        Mode::Search { .. } => {
            prompt::on_search_key(state, key);
            Vec::new()
        }
        Mode::Event(_) => {
            log::on_event_key(state, key);
            Vec::new()
        }
        Mode::Ask(_) => on_ask_key(state, key),
    }
}

/// `y` goes on with what was asked; anything else does not.
fn on_ask_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Ask(ask) = std::mem::take(&mut state.mode) else {
        return Vec::new();
    };
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    match *ask {
        Ask::TakeOwnership(list) => {
            let fps: Vec<String> = list.into_iter().map(|(fp, _, _)| fp).collect();
            alarms::actions::on_take_answer(state, &fps, yes)
        }
        Ask::Quit { .. } if yes => quit(state),
        Ask::Quit { .. } => {
            state.say(Level::Info, "not quitting");
            Vec::new()
        }
    }
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.quit = true;
    vec![Effect::Quit]
}

/// `q`: quit, asking first when quitting recovers this console's faults.
fn ask_quit(state: &mut State) -> Vec<Effect> {
    let recover: Vec<String> = state
        .faults
        .exit_recoveries()
        .iter()
        .map(|f| format!("{} {}", f.id, f.spec.label()))
        .collect();
    let abort: Vec<String> = state
        .plans
        .driving
        .values()
        // Unattended runs (inspections) are aborted without a question.
        .filter(|r| r.attended)
        .map(|r| format!("{} ({})", r.id, inert(&r.plan.title)))
        .collect();
    if recover.is_empty() && abort.is_empty() {
        return quit(state);
    }
    state.mode = Mode::Ask(Box::new(Ask::Quit { recover, abort }));
    Vec::new()
}

fn on_normal_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match keymap::lookup(state.view, &key, state.session.readonly) {
        Some(b)
            if b.writes
                && let Some(why) = timeline::refusal(state, b.action) =>
        {
            state.say(Level::Warn, why);
            Vec::new()
        }
        Some(b) => perform(state, b.action),
        None => {
            if state.session.readonly
                && keymap::lookup(state.view, &key, false).is_some_and(|b| b.writes)
            {
                state.say(Level::Warn, "read-only console: this action is disabled");
            }
            Vec::new()
        }
    }
}

/// Run a keymap action in normal mode.
pub(crate) fn perform(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.page_rows() as isize;
    match action {
        Action::Quit => return ask_quit(state),
        Action::QuitNow => return quit(state),
        Action::NextView => {
            state.view = View::ALL[(state.view.index() + 1) % View::ALL.len()];
        }
        Action::PrevView => {
            state.view = View::ALL[(state.view.index() + View::ALL.len() - 1) % View::ALL.len()];
        }
        Action::Goto(v) => state.view = v,
        Action::Up => move_by(state, -1),
        Action::Down => move_by(state, 1),
        Action::PageUp => move_by(state, -page),
        Action::PageDown => move_by(state, page),
        Action::Top => move_by(state, isize::MIN / 2),
        Action::Bottom => move_by(state, isize::MAX / 2),
        Action::Filter => prompt::open_filter(state),
        Action::Command => prompt::open_command(state),
        Action::Search => prompt::open_search(state),
        Action::NextMatch => find(state, true),
        Action::PrevMatch => find(state, false),
        Action::Help => state.mode = Mode::Help { scroll: 0 },
        Action::Back => back(state),
        Action::ToggleDetail => alarms::toggle_detail(state),
        Action::DetailDown => alarms::scroll_detail(state, 1),
        Action::DetailUp => alarms::scroll_detail(state, -1),
        Action::ToggleResolved => alarms::toggle_resolved(state),
        Action::CycleSort => {
            let (cols, natural) = columns(state.view);
            list_mut(state).cycle_sort(cols, natural);
            resorted(state);
        }
        Action::ReverseSort => {
            let (cols, natural) = columns(state.view);
            list_mut(state).reverse_sort(cols, natural);
            resorted(state);
        }
        Action::ToggleMark => toggle_mark(state),
        Action::ToggleTargets => sources::toggle_targets(state),
        Action::WiderWindow => monitor::zoom(state, true),
        Action::NarrowerWindow => monitor::zoom(state, false),
        Action::Follow => log::toggle_follow(state),
        Action::OpenEvent => log::open_event(state),
        Action::Ack
        | Action::Unack
        | Action::Note
        | Action::TakeOwnership
        | Action::ReleaseOwnership
        | Action::Silence
        | Action::AckWithNote
        | Action::InjectFault
            if let Some(why) = state.recording.refusal() =>
        {
            state.say(Level::Error, format!("refused: {why}"));
        }
        Action::Ack
        | Action::Unack
        | Action::Note
        | Action::TakeOwnership
        | Action::ReleaseOwnership
        | Action::Silence
        | Action::AckWithNote => return alarms::actions::on_action(state, action),
        Action::InjectFault
        | Action::RecoverFault
        | Action::RecoverOrphans
        | Action::DismissFault
        | Action::Panic => return faults::on_action(state, action),
        Action::PlansForAlarm
        | Action::PlanOpen
        | Action::PlanPane
        | Action::PlanConfirm
        | Action::PlanSkip
        | Action::PlanRetry
        | Action::PlanAbort
        | Action::PlanApprove
        | Action::PlanRollback
        | Action::PlanOutputDown
        | Action::PlanOutputUp => return plans::on_action(state, action),
        Action::DrillStart
        | Action::DrillGate
        | Action::DrillAbort
        | Action::DrillHistory
        | Action::DrillFinding
        | Action::DrillImprove
        | Action::DrillAccept => {
            return drills::on_action(state, action);
        }
        Action::ItemStatus | Action::ItemEdit => {
            return drills::review::on_items_action(state, action);
        }
        Action::TimelineZoomIn
        | Action::TimelineZoomOut
        | Action::TimelinePanLeft
        | Action::TimelinePanRight
        | Action::TimelineNow
        | Action::TimelineFollow
        | Action::TimelineOpen
        | Action::TimelineTravel => return timeline::on_action(state, action),
        Action::RiskTag if let Some(why) = state.recording.refusal() => {
            state.say(Level::Error, format!("refused: {why}"));
        }
        Action::RiskOpen | Action::RiskPlan | Action::RiskDrill | Action::RiskTag => {
            return risks::on_action(state, action);
        }
    }
    // Arriving in the Timeline view loads its window.
    timeline::ensure_loaded(state)
}

/// The list of the current view (in the Alarms view, the one on screen:
/// the past board's while time travelling).
pub(crate) fn list_mut(state: &mut State) -> &mut List {
    match state.view {
        View::Alarms => &mut alarms::shown_mut(state).0.list,
        View::Log => &mut state.log.list,
        View::Faults => &mut state.faults.list,
        View::Monitor => &mut state.monitor.list,
        View::Plans if state.plans.pane == plans::Pane::Runs => &mut state.plans.runs_list,
        View::Plans => &mut state.plans.list,
        View::Drills | View::Timeline => &mut state.drills.list,
        View::Risks => &mut state.risks.list,
        View::Improvements => &mut state.drills.items_list,
    }
}

/// The columns a view sorts by, and its order when none was chosen.
pub(crate) fn columns(view: View) -> (&'static [&'static str], Option<Sort>) {
    match view {
        View::Alarms => (alarms::COLUMNS, Some(alarms::NATURAL)),
        View::Log => (log::COLUMNS, log::NATURAL),
        View::Faults => (faults::COLUMNS, None),
        View::Risks => (risks::COLUMNS, Some(risks::NATURAL)),
        View::Monitor | View::Plans | View::Drills | View::Timeline | View::Improvements => {
            (&[], None)
        }
    }
}

/// After the sort changed: the view in its new order.
pub(crate) fn resorted(state: &mut State) {
    match state.view {
        View::Alarms => alarms::resorted(state),
        View::Log => {
            state.log.refilter();
            let label = state.log.list.sort.map_or("id".into(), Sort::label);
            state.say(Level::Info, format!("sorted by {label}"));
        }
        View::Faults => {
            let label = state
                .faults
                .list
                .sort
                .map_or("live first".into(), Sort::label);
            state.say(Level::Info, format!("sorted by {label}"));
        }
        View::Risks => {
            let label = state.risks.list.sort.map_or("risk".into(), Sort::label);
            state.say(Level::Info, format!("sorted by {label}"));
        }
        View::Monitor | View::Plans | View::Drills | View::Timeline | View::Improvements => {
            state.say(Level::Info, "this view has nothing to sort")
        }
    }
}

/// Rows of the current view and, for row `i`, its key (for marks) and
/// whether it matches the search.
fn rows(state: &State) -> usize {
    match state.view {
        View::Alarms => alarms::shown(state).0.visible.len(),
        View::Log => state.log.visible.len(),
        View::Faults => state.faults.rows().len(),
        View::Monitor => state.monitor.groups.len(),
        View::Plans => state.plans.rows().len(),
        View::Drills => state.drills.rows(),
        View::Timeline => 0,
        View::Risks => risks::rows(state).len(),
        View::Improvements => drills::review::item_rows(state),
    }
}

fn row_matches(state: &State, i: usize, q: &str) -> bool {
    match state.view {
        View::Alarms => {
            let (view, board) = alarms::shown(state);
            view.visible
                .get(i)
                .and_then(|fp| board.get(fp))
                .is_some_and(|a| alarms::search_matches(a, q))
        }
        View::Log => state
            .log
            .visible
            .get(i)
            .and_then(|&l| state.log.lines.get(l))
            .is_some_and(|l| log::search_matches(l, q)),
        View::Faults => state
            .faults
            .rows()
            .get(i)
            .is_some_and(|f| faults::search_matches(f, q)),
        View::Monitor => state
            .monitor
            .groups
            .get(i)
            .is_some_and(|g| crate::domain::filter::contains_ci(g, q)),
        View::Plans => state
            .plans
            .rows()
            .get(i)
            .is_some_and(|p| plans::search_matches(p, q)),
        View::Drills => drills::search_matches(state, i, q),
        View::Timeline => false,
        View::Risks => risks::search_matches(state, i, q),
        View::Improvements => drills::review::items_search(state, i, q),
    }
}

/// The first match of `q` at or after row `from` (wrapping), if any.
pub(crate) fn first_match(state: &State, from: usize, q: &str) -> Option<usize> {
    let n = rows(state);
    (0..n)
        .map(|k| (from + k) % n.max(1))
        .find(|&i| row_matches(state, i, q))
}

/// How many rows of the current view match `q`.
pub(crate) fn match_count(state: &State, q: &str) -> usize {
    (0..rows(state))
        .filter(|&i| row_matches(state, i, q))
        .count()
}

/// `]` / `[`: the next or previous match of the search.
fn find(state: &mut State, forward: bool) {
    let Some(q) = list_mut(state).search.clone() else {
        state.say(Level::Info, "no search: \\ searches");
        return;
    };
    let n = rows(state);
    let hits: Vec<bool> = (0..n).map(|i| row_matches(state, i, &q)).collect();
    let page = state.page_rows();
    let found = list_mut(state).find(n, forward, page, |i| hits[i]);
    match found {
        Some(_) => after_move(state),
        None => state.say(Level::Warn, format!("no match for {:?}", inert(&q))),
    }
}

/// `Space`: mark the selected row (in `:group` mode, its whole group).
fn toggle_mark(state: &mut State) {
    let keys: Vec<String> = match state.view {
        View::Alarms => {
            // Marks only choose rows; what would act on them (ack, silence)
            // is refused while travelling.
            let (view, board) = alarms::shown(state);
            if view.group != alarms::GroupBy::None {
                view.selected_group(board)
            } else {
                view.selected_fingerprint()
                    .map(str::to_string)
                    .into_iter()
                    .collect()
            }
        }
        View::Log => state
            .log
            .selected_line()
            .map(|l| l.id.to_string())
            .into_iter()
            .collect(),
        View::Faults => state
            .faults
            .selected_fault()
            .map(|f| f.id.clone())
            .into_iter()
            .collect(),
        View::Monitor => state
            .monitor
            .selected_group()
            .map(str::to_string)
            .into_iter()
            .collect(),
        View::Plans => state
            .plans
            .selected_plan()
            .map(|p| p.id.clone())
            .into_iter()
            .collect(),
        View::Drills => drills::selected_key(state).into_iter().collect(),
        View::Timeline => Vec::new(),
        View::Risks => risks::selected_key(state).into_iter().collect(),
        View::Improvements => drills::review::selected_item(state)
            .map(|i| i.now.item)
            .into_iter()
            .collect(),
    };
    if keys.is_empty() {
        return;
    }
    let list = list_mut(state);
    list.toggle_marks(keys.iter().map(String::as_str));
    let n = list.marks.len();
    // Marking moves on, like k9s: Space Space Space marks three rows.
    if keys.len() == 1 {
        move_by(state, 1);
    }
    let text = match n {
        0 => "no rows marked".to_string(),
        1 => "1 marked (Space again unmarks)".to_string(),
        n => format!("{n} marked"),
    };
    state.say(Level::Info, text);
}

pub(crate) fn move_by(state: &mut State, delta: isize) {
    let page = state.page_rows();
    match state.view {
        View::Alarms => {
            if !timeline::travel_move(state, delta, page) {
                state.alarms.move_by(delta, page);
            }
        }
        View::Log => log::move_by(state, delta),
        View::Faults => faults::move_by(state, delta),
        View::Monitor => monitor::move_by(state, delta),
        View::Plans => plans::move_by(state, delta),
        View::Drills => drills::move_by(state, delta),
        View::Timeline => timeline::move_by(state, delta),
        View::Risks => risks::move_by(state, delta),
        View::Improvements => drills::review::move_items(state, delta),
    }
    after_move(state);
}

/// The selection moved: what hangs on it starts over.
fn after_move(state: &mut State) {
    if state.view == View::Alarms {
        state.alarms.detail_scroll = 0;
    }
}

/// `Esc`: the view's own back first (close a pane, clear a search or a
/// filter), then back to the Alarms view.
fn back(state: &mut State) {
    if state.view == View::Alarms && timeline::end_travel(state) {
        return;
    }
    if list_mut(state).search.take().is_some() {
        state.say(Level::Info, "search cleared");
        return;
    }
    let handled = match state.view {
        View::Alarms => alarms::back(state),
        View::Log => log::back(state),
        View::Plans => plans::back(state),
        View::Drills => drills::back(state),
        View::Timeline => timeline::back(state),
        View::Risks => risks::back(state),
        View::Monitor | View::Faults | View::Improvements => false,
    };
    if !handled && state.view != View::Alarms {
        state.view = View::Alarms;
    }
}

fn on_help_key(state: &mut State, key: KeyEvent) {
    let Mode::Help { scroll } = &mut state.mode else {
        return;
    };
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
        KeyCode::PageDown => *scroll = scroll.saturating_add(10),
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        _ => state.mode = Mode::Normal,
    }
}
