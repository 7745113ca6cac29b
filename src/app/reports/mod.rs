//! `:report` in the console: a report of what is selected — the drill the
//! Drills view shows (or the scenario's proposal), the selected (or
//! marked) alarms' fault handling — built by the runtime from the journal
//! on a blocking thread and written to a file the status line names.
//! Reading only, so a read-only console makes reports too.

use super::drills::Row;
use super::{Effect, Level, State, View};

/// What the runtime is asked to build.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportEffect {
    pub kind: String,
    pub args: Vec<String>,
    /// `html` or `md`.
    pub format: String,
}

/// The runtime's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportMsg {
    Written { kind: String, path: String },
    Failed { kind: String, why: String },
}

/// `:report [KIND] [FORMAT]`: what it is about comes from the view.
pub fn request(state: &mut State, kind: Option<String>, format: Option<String>) -> Vec<Effect> {
    let format = format.unwrap_or_else(|| "html".into());
    let kind = kind.unwrap_or_else(|| match state.view {
        View::Alarms => "incident".into(),
        View::Drills if state.drills.shown().is_none() => "proposal".into(),
        _ => "drill".into(),
    });
    let args = match kind.as_str() {
        "drill" => state
            .drills
            .shown()
            .map(|d| vec![d.id.clone()])
            .ok_or("no drill on the journal yet: the Drills view shows them"),
        "proposal" => match state.drills.selected() {
            Some(Row::Scenario(s)) => Ok(vec![s.id.clone()]),
            _ => Err("select a scenario in the Drills view for its proposal"),
        },
        "incident" => {
            let marked: Vec<String> = state.alarms.list.marks.iter().cloned().collect();
            if !marked.is_empty() {
                Ok(marked)
            } else {
                state
                    .selected_alarm()
                    .map(|a| vec![a.fingerprint().to_string()])
                    .ok_or("select an alarm (or mark several) in the Alarms view")
            }
        }
        _ => Err("report kinds: drill, proposal, incident"),
    };
    match args {
        Ok(args) => {
            state.say(Level::Info, format!("building the {kind} report…"));
            vec![Effect::Report(ReportEffect { kind, args, format })]
        }
        Err(why) => {
            state.say(Level::Warn, format!("report: {why}"));
            Vec::new()
        }
    }
}

pub fn on_msg(state: &mut State, msg: ReportMsg) -> Vec<Effect> {
    match msg {
        ReportMsg::Written { kind, path } => state.say(
            Level::Info,
            format!(
                "{kind} report written: {}",
                crate::domain::sanitize::inert(&path)
            ),
        ),
        ReportMsg::Failed { kind, why } => state.say(
            Level::Error,
            format!("{kind} report: {}", crate::domain::sanitize::inert(&why)),
        ),
    }
    Vec::new()
}
