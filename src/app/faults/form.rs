//! The Faults room's popups: the inject form (provider, target, action,
//! params, duration, guard, probe), its typed confirmation (type the
//! target's name), the panic question and the dismiss question.

use super::{allowed_to_inject, intend, panic_all, providers};
use crate::app::form::{Field, Form, Outcome};
use crate::app::{Effect, Level, Mode, State};
use crate::domain::EventKind;
use crate::domain::event::payload;
use crate::domain::fault::limits;
use crate::domain::fault::{FaultSpec, format_duration, parse_duration};
use crate::domain::filter::Filter;
use crate::domain::sanitize::inert;
use crossterm::event::{KeyCode, KeyEvent};

/// Form fields after the provider choice, in order.
pub const FIELD_NAMES: [&str; 6] = ["target", "action", "params", "duration", "guard", "probe"];

/// The inject form: a provider choice, then one line per [`FIELD_NAMES`].
#[derive(Debug, Clone)]
pub struct InjectForm {
    pub form: Form,
}

impl InjectForm {
    pub fn new(default_duration: u64) -> InjectForm {
        let defaults = [
            "sim:payments",
            "latency",
            "ms=1200",
            &format_duration(default_duration),
            "",
            "",
        ];
        let mut fields = vec![Field::choice("provider", providers())];
        fields.extend(
            FIELD_NAMES
                .iter()
                .zip(defaults)
                .map(|(name, value)| Field::line(name, value)),
        );
        let mut form = Form::new(fields);
        form.focus = 1;
        InjectForm { form }
    }

    /// The provider chosen: (index, name).
    pub fn provider_choice(&self) -> (usize, &'static str) {
        self.form.choice(0).unwrap_or((0, "sim"))
    }

    pub fn provider(&self) -> &'static str {
        self.provider_choice().1
    }

    /// The text of field `name` of [`FIELD_NAMES`].
    pub fn field(&self, i: usize) -> &str {
        self.form.line(i + 1)
    }

    /// The spec the form describes, or why it does not describe one.
    pub fn spec(&self) -> Result<FaultSpec, String> {
        let text = |i: usize| self.field(i).trim().to_string();
        let target = text(0);
        if target.is_empty() {
            return Err("target is empty".into());
        }
        let mut params = std::collections::BTreeMap::new();
        for word in crate::domain::fault::argv::split(self.field(2))? {
            let (k, v) = word
                .split_once('=')
                .ok_or_else(|| format!("param {word:?}: expected key=value"))?;
            params.insert(k.to_string(), v.to_string());
        }
        let guard = Some(text(4)).filter(|g| !g.is_empty());
        if let Some(g) = &guard {
            Filter::parse(g).map_err(|e| format!("guard: {e}"))?;
        }
        let probe = Some(text(5)).filter(|p| !p.is_empty());
        if let Some(p) = &probe {
            crate::domain::fault::url::parse_url(p).map_err(|e| format!("probe: {e}"))?;
        }
        Ok(FaultSpec {
            provider: self.provider().to_string(),
            target,
            action: text(1),
            params,
            duration_secs: parse_duration(&text(3))?,
            guard,
            probe,
        })
    }
}

/// A modal on the Faults side.
#[derive(Debug, Clone)]
pub enum Popup {
    Form(InjectForm),
    /// Typed confirmation: the operator types the target's name.
    Confirm {
        form: InjectForm,
        spec: Box<FaultSpec>,
        /// One line: what the operator typed.
        typed: Form,
    },
    /// The provider is checking the target (`token`); Esc goes back.
    Checking {
        form: InjectForm,
        token: u64,
    },
    /// The panic key: recover every live fault?
    Panic,
    /// Stop tracking a live fault an operator undid by hand?
    Dismiss(String),
}

impl Popup {
    /// The form taking pasted text, if any.
    pub fn form_mut(&mut self) -> Option<&mut Form> {
        match self {
            Popup::Form(f) => Some(&mut f.form),
            Popup::Confirm { typed, .. } => Some(typed),
            Popup::Checking { .. } | Popup::Panic | Popup::Dismiss(_) => None,
        }
    }
}

pub fn open_form(state: &mut State) {
    if !allowed_to_inject(state) {
        return;
    }
    state.mode = Mode::Faults(Box::new(Popup::Form(InjectForm::new(
        state.faults.config.default_duration,
    ))));
}

pub fn open_panic(state: &mut State) {
    // A drill or an experiment run here stops with the panic key too, even
    // before (or without) a fault of its own.
    let running_here = state.drills.driving.is_some() || state.drills.experiment.is_some();
    if state.faults.ledger.counts().live == 0 && !running_here {
        state.say(Level::Info, "no live faults");
        return;
    }
    state.mode = Mode::Faults(Box::new(Popup::Panic));
}

/// `D`: ask before dismissing the selected live fault.
pub fn open_dismiss(state: &mut State) {
    match state.faults.selected_fault() {
        Some(f) if f.is_live() => {
            let id = f.id.clone();
            state.mode = Mode::Faults(Box::new(Popup::Dismiss(id)));
        }
        Some(f) => {
            let text = format!("fault {} is {}", inert(&f.id), f.state.as_str());
            state.say(Level::Info, text);
        }
        None => state.say(Level::Warn, "no fault selected"),
    }
}

/// Keys while a fault popup is open.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Mode::Faults(popup) = std::mem::take(&mut state.mode) else {
        return Vec::new();
    };
    match *popup {
        Popup::Panic => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter | KeyCode::Char('X') => {
                panic_all(state)
            }
            _ => {
                state.say(Level::Info, "panic cancelled");
                Vec::new()
            }
        },
        Popup::Dismiss(id) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => dismiss(state, &id),
            _ => {
                state.say(Level::Info, "dismiss cancelled");
                Vec::new()
            }
        },
        Popup::Form(form) => form_key(state, form, key),
        Popup::Checking { form, token } => {
            if key.code == KeyCode::Esc {
                // The answer, when it comes, finds nothing waiting.
                state.flows.take(token);
                state.mode = Mode::Faults(Box::new(Popup::Form(form)));
            } else {
                state.mode = Mode::Faults(Box::new(Popup::Checking { form, token }));
            }
            Vec::new()
        }
        Popup::Confirm { form, spec, typed } => confirm_key(state, form, spec, typed, key),
    }
}

fn dismiss(state: &mut State, id: &str) -> Vec<Effect> {
    let ev = state.operator_event(
        EventKind::FaultDismissed,
        id,
        payload(&crate::domain::fault::payloads::Dismissed {
            reason: "dismissed at the console: undone by hand".into(),
        }),
    );
    state.commit(
        &format!("fault:{id}"),
        format!("fault {} dismissed", inert(id)),
        ev,
    )
}

fn form_key(state: &mut State, mut form: InjectForm, key: KeyEvent) -> Vec<Effect> {
    match form.form.on_key(key) {
        Outcome::Cancel => return Vec::new(),
        Outcome::Submit => {
            match form.spec().and_then(|spec| {
                limits::check(&spec, &state.faults.ledger, &state.faults.config)?;
                super::check_sim(state, &spec)?;
                Ok(spec)
            }) {
                Ok(spec) => {
                    // The provider checks the target before the confirmation
                    // (and long before anything is journaled).
                    let token = state.flows.begin(None, "", super::Step::Check);
                    state.mode = Mode::Faults(Box::new(Popup::Checking { form, token }));
                    return vec![Effect::Fault(super::FaultEffect::Validate { token, spec })];
                }
                Err(e) => form.form.error = Some(e),
            }
        }
        Outcome::Edited => form.form.error = None,
        Outcome::Other => {}
    }
    state.mode = Mode::Faults(Box::new(Popup::Form(form)));
    Vec::new()
}

/// The provider's answer on the target: on to the typed confirmation, or
/// back to the form with the reason.
pub fn on_validated(state: &mut State, token: u64, error: Option<String>) {
    if state.flows.take(token).is_none() {
        return;
    }
    let waiting = matches!(&state.mode, Mode::Faults(p) if matches!(p.as_ref(), Popup::Checking { token: t, .. } if *t == token));
    if !waiting {
        return;
    }
    let Mode::Faults(popup) = std::mem::take(&mut state.mode) else {
        return;
    };
    let Popup::Checking { mut form, .. } = *popup else {
        return;
    };
    match (error, form.spec()) {
        (None, Ok(spec)) => {
            state.mode = Mode::Faults(Box::new(Popup::Confirm {
                form,
                spec: Box::new(spec),
                typed: Form::new(vec![Field::line("name", "")]),
            }));
        }
        (Some(e), _) | (None, Err(e)) => {
            let e = format!("refused: {}", inert(&e));
            form.form.error = Some(e.clone());
            state.say(Level::Warn, e);
            state.mode = Mode::Faults(Box::new(Popup::Form(form)));
        }
    }
}

fn confirm_key(
    state: &mut State,
    form: InjectForm,
    spec: Box<FaultSpec>,
    mut typed: Form,
    key: KeyEvent,
) -> Vec<Effect> {
    match typed.on_key(key) {
        Outcome::Cancel => {
            state.mode = Mode::Faults(Box::new(Popup::Form(form)));
            Vec::new()
        }
        Outcome::Submit if typed.line(0) == spec.target_name() => intend(state, *spec),
        Outcome::Submit => {
            // Say so: a silent refusal reads as a hung console.
            typed.error = Some(format!(
                "you typed {:?}, not {:?}: nothing injected (Esc back to the form)",
                inert(typed.line(0)),
                inert(spec.target_name())
            ));
            state.mode = Mode::Faults(Box::new(Popup::Confirm { form, spec, typed }));
            Vec::new()
        }
        Outcome::Edited => {
            typed.error = None;
            state.mode = Mode::Faults(Box::new(Popup::Confirm { form, spec, typed }));
            Vec::new()
        }
        Outcome::Other => {
            state.mode = Mode::Faults(Box::new(Popup::Confirm { form, spec, typed }));
            Vec::new()
        }
    }
}
