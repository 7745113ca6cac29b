//! `Enter` on a plan: the parameter form (prefilled from the alarm and the
//! defaults, checked as it is typed, secrets masked), then the dry-run
//! preview of exactly what would run, then the start. `p` on an alarm
//! opens the plans that apply to it.

use super::drive;
use crate::app::form::{Field, Form, Outcome};
use crate::app::{Effect, Level, Mode, State, View};
use crate::domain::Alarm;
use crate::domain::plan::run::Section;
use crate::domain::plan::validate::check_value;
use crate::domain::plan::{Plan, PlanRun, StepType};
use crate::domain::sanitize::inert;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct ParamForm {
    pub plan: Plan,
    /// The alarm the plan runs for (its fingerprint).
    pub alarm: Option<String>,
    /// One line per parameter, in the plan's order.
    pub form: Form,
    /// Why each field's value is not acceptable, as typed.
    pub errors: Vec<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct Preview {
    pub run: Box<PlanRun>,
    /// `(section, step, type, what it does or why it cannot)`.
    pub lines: Vec<(Section, String, StepType, Result<String, String>)>,
    pub scroll: u16,
}

#[derive(Debug, Clone)]
pub enum Popup {
    Form(Box<ParamForm>),
    Preview(Box<Preview>),
}

impl ParamForm {
    pub fn value(&self, i: usize) -> &str {
        self.form.line(i)
    }

    fn check(&mut self) {
        self.errors = self
            .plan
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let v = self.form.line(i);
                if v.is_empty() {
                    return p.required.then(|| format!("{} is required", p.name));
                }
                let re = p.pattern.as_deref().and_then(|r| regex::Regex::new(r).ok());
                check_value(p, re.as_ref(), v).err()
            })
            .collect();
    }
}

/// A parameter's value before anything is typed: from the alarm, else
/// the default.
pub fn prefill(p: &crate::domain::plan::Param, alarm: Option<&Alarm>) -> String {
    let from_alarm = p.from.as_deref().zip(alarm).and_then(|(from, a)| {
        if let Some(k) = from.strip_prefix("alarm.labels.") {
            a.observed.labels.get(k).map(|v| v.to_string())
        } else if let Some(k) = from.strip_prefix("alarm.annotations.") {
            a.observed.annotations.get(k).map(|v| v.to_string())
        } else {
            None
        }
    });
    from_alarm.or_else(|| p.default.clone()).unwrap_or_default()
}

/// Open the form for `plan` (straight to the preview without parameters).
pub fn open_form(state: &mut State, plan: Plan, alarm: Option<String>) {
    if let Err(why) = drive::may_start(state) {
        state.say(Level::Warn, why);
        return;
    }
    state.view = View::Plans;
    let a = alarm.as_deref().and_then(|fp| state.board.get(fp)).cloned();
    let fields = plan
        .params
        .iter()
        .map(|p| Field::line("", &prefill(p, a.as_ref())))
        .collect();
    let mut f = ParamForm {
        plan,
        alarm,
        form: Form::new(fields),
        errors: Vec::new(),
    };
    f.check();
    if f.plan.params.is_empty() {
        to_preview(state, *Box::new(f));
        return;
    }
    state.mode = Mode::Plans(Box::new(Popup::Form(Box::new(f))));
}

/// `p` on an alarm: the plans that apply to it.
pub fn plans_for_alarm(state: &mut State) -> Vec<Effect> {
    let Some(alarm) = state.selected_alarm().cloned() else {
        state.say(Level::Info, "no alarm selected");
        return Vec::new();
    };
    let ids: Vec<String> = state
        .plans
        .catalog
        .plans
        .iter()
        .filter(|p| p.applies_to(&alarm))
        .map(|p| p.id.clone())
        .collect();
    let fp = alarm.fingerprint().to_string();
    match ids.as_slice() {
        [] => state.say(
            Level::Info,
            format!("no plan applies to {}", inert(alarm.name())),
        ),
        [one] => {
            if let Some(plan) = state.plans.plan(one).cloned() {
                state.plans.for_alarm = Some((fp.clone(), ids.clone()));
                state.plans.list.reset();
                state.plans.pane = super::Pane::Plans;
                open_form(state, plan, Some(fp));
                state.view = View::Plans;
            }
        }
        _ => {
            let n = ids.len();
            state.plans.for_alarm = Some((fp, ids));
            state.plans.list.reset();
            state.plans.pane = super::Pane::Plans;
            state.plans.open = None;
            state.view = View::Plans;
            state.say(
                Level::Info,
                format!(
                    "{n} plans apply to {} (Enter runs one, Esc shows all)",
                    inert(alarm.name())
                ),
            );
        }
    }
    Vec::new()
}

fn to_preview(state: &mut State, f: ParamForm) {
    let params: BTreeMap<String, String> = f
        .plan
        .params
        .iter()
        .enumerate()
        .filter(|(i, _)| !f.value(*i).is_empty())
        .map(|(i, p)| (p.name.clone(), f.value(i).to_string()))
        .collect();
    let run = drive::prepare(state, f.plan, params, f.alarm, true, None);
    let lines = run.preview();
    state.mode = Mode::Plans(Box::new(Popup::Preview(Box::new(Preview {
        run: Box::new(run),
        lines,
        scroll: 0,
    }))));
}

/// Keys in the form and the preview.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Plans(popup) = &mut state.mode else {
        return Vec::new();
    };
    match popup.as_mut() {
        Popup::Form(f) => match f.form.on_key(key) {
            Outcome::Cancel => {
                state.mode = Mode::Normal;
                state.say(Level::Info, "plan not started");
            }
            Outcome::Submit => {
                f.check();
                if let Some((i, e)) = f
                    .errors
                    .iter()
                    .enumerate()
                    .find_map(|(i, e)| e.clone().map(|e| (i, e)))
                {
                    f.form.focus = i;
                    f.form.error = Some(inert(&e).into_owned());
                    return Vec::new();
                }
                let Mode::Plans(popup) = std::mem::take(&mut state.mode) else {
                    return Vec::new();
                };
                if let Popup::Form(f) = *popup {
                    to_preview(state, *f);
                }
            }
            Outcome::Edited => {
                f.form.error = None;
                f.check();
            }
            Outcome::Other => {}
        },
        Popup::Preview(p) => match key.code {
            KeyCode::Enter | KeyCode::Char('y') | KeyCode::Char('Y') => {
                let Mode::Plans(popup) = std::mem::take(&mut state.mode) else {
                    return Vec::new();
                };
                let Popup::Preview(p) = *popup else {
                    return Vec::new();
                };
                if p.lines.iter().any(|(_, _, _, w)| w.is_err()) {
                    state.say(
                        Level::Error,
                        "the plan cannot run as filled in (see the preview)",
                    );
                    return Vec::new();
                }
                let id = p.run.id.clone();
                let fx = drive::start(state, *p.run);
                if !fx.is_empty() {
                    state.plans.pane = super::Pane::Runs;
                    super::open_run(state, &id);
                }
                return fx;
            }
            KeyCode::Char('j') | KeyCode::Down => p.scroll = p.scroll.saturating_add(1),
            KeyCode::Char('k') | KeyCode::Up => p.scroll = p.scroll.saturating_sub(1),
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => {
                state.mode = Mode::Normal;
                state.say(Level::Info, "plan not started");
            }
            _ => {}
        },
    }
    Vec::new()
}

pub fn on_paste(popup: &mut Popup, text: &str) {
    if let Popup::Form(f) = popup {
        f.form.on_paste(text);
        f.check();
    }
}
