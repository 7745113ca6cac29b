//! The plans room: contingency plans, routine changes and inspections.
//! It owns the loaded plan catalog, every run on the journal (the
//! [`Runs`] projection, the same on every console) and the runs this
//! console drives ([`PlanRun`] machines, whose outputs become effects).

use crate::domain::Event;
use crate::domain::plan::runs::Runs;
use crate::domain::plan::{Plan, PlanRun};
use std::collections::BTreeMap;

/// The loaded plans and what was wrong with the files that did not load.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub plans: Vec<Plan>,
    /// `file:line:column: message` per problem.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Plans {
    pub catalog: Catalog,
    /// Every run and change on the journal.
    pub runs: Runs,
    /// The runs this console drives, by run id.
    pub driving: BTreeMap<String, PlanRun>,
}

impl Plans {
    pub fn new(catalog: Catalog, runs: Runs) -> Plans {
        Plans {
            catalog,
            runs,
            driving: BTreeMap::new(),
        }
    }

    pub fn apply(&mut self, events: &[Event]) {
        for ev in events {
            self.runs.apply(ev);
        }
    }
}
