//! Every "intent durable → act → outcome durable" continuation in one table,
//! keyed by the token the journal ([`Msg::Committed`](super::Msg)) or an
//! effect's answer comes back with. Each entry says what it belongs to; the
//! router looks the token up and hands the entry to that room, so no room
//! guesses whether a token is its own. A new kind of multi-step work (a plan
//! step, a drill phase, an outbox item) adds a [`Step`] variant, not a map.

use std::collections::HashMap;

/// What an open token is for.
#[derive(Debug, Clone)]
pub enum Step {
    /// A plain operator action: confirm it on screen once durable.
    Action,
    /// Ack = silence flows and silence upkeep (the silences room).
    Silence(super::silences::Step),
    /// A fault intent waiting to be durable before injecting (the faults room).
    Fault(super::faults::Step),
    /// A plan run's rows waiting to be durable before it goes on (the plans room).
    Plan(super::plans::Step),
    /// A drill's rows waiting to be durable before it goes on (the drills room).
    Drill(super::drills::Step),
}

impl From<super::silences::Step> for Step {
    fn from(s: super::silences::Step) -> Step {
        Step::Silence(s)
    }
}

impl From<super::faults::Step> for Step {
    fn from(s: super::faults::Step) -> Step {
        Step::Fault(s)
    }
}

#[derive(Debug, Clone)]
pub struct Flow {
    /// What the flow marks as pending on screen (an alarm fingerprint, or
    /// `fault:<id>`); `None` for upkeep nobody waits on.
    pub subject: Option<String>,
    /// The status line when it is confirmed (or not).
    pub what: String,
    pub step: Step,
}

#[derive(Debug, Clone)]
pub struct Flows {
    next: u64,
    open: HashMap<u64, Flow>,
}

impl Default for Flows {
    fn default() -> Flows {
        Flows {
            next: 1,
            open: HashMap::new(),
        }
    }
}

impl Flows {
    /// Open a flow; its token goes out with the effect.
    pub fn begin(
        &mut self,
        subject: Option<&str>,
        what: impl Into<String>,
        step: impl Into<Step>,
    ) -> u64 {
        let token = self.next;
        self.next += 1;
        self.open.insert(
            token,
            Flow {
                subject: subject.map(str::to_string),
                what: what.into(),
                step: step.into(),
            },
        );
        token
    }

    /// The flow a token belongs to; it is closed by taking it.
    pub fn take(&mut self, token: u64) -> Option<Flow> {
        self.open.remove(&token)
    }

    /// Whether something about `subject` is still on its way.
    pub fn is_pending(&self, subject: &str) -> bool {
        self.open
            .values()
            .any(|f| f.subject.as_deref() == Some(subject))
    }

    /// Whether any operator action is still on its way.
    pub fn any_pending(&self) -> bool {
        self.open.values().any(|f| f.subject.is_some())
    }

    /// Subjects with something on its way.
    pub fn pending_subjects(&self) -> impl Iterator<Item = &str> {
        self.open.values().filter_map(|f| f.subject.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_taken_once() {
        let mut f = Flows::default();
        let a = f.begin(Some("fp"), "acked x", Step::Action);
        let b = f.begin(None, "", Step::Action);
        assert_ne!(a, b);
        assert!(f.is_pending("fp"));
        assert!(f.any_pending());
        assert!(f.take(a).is_some());
        assert!(f.take(a).is_none(), "a token answers once");
        assert!(!f.is_pending("fp"));
        assert!(!f.any_pending(), "upkeep is not an operator action");
    }
}
