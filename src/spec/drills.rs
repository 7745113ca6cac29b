//! Drill scenario files: one scenario per YAML file, many per directory,
//! loaded like plans (every problem as `file:line:column: message`, a
//! broken file never hides the others).

use super::{Doc, SpecError};
use crate::domain::drill::Scenario;
use crate::domain::drill::validate;
use crate::domain::plan::validate::Providers;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The scenarios embedded for the demo (`fixtures/drills/`).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "payments-latency.yaml",
        include_str!("../../fixtures/drills/payments-latency.yaml"),
    ),
    (
        "inventory-crash-loop.yaml",
        include_str!("../../fixtures/drills/inventory-crash-loop.yaml"),
    ),
    (
        "postgres-saturation.yaml",
        include_str!("../../fixtures/drills/postgres-saturation.yaml"),
    ),
    (
        "game-day.yaml",
        include_str!("../../fixtures/drills/game-day.yaml"),
    ),
    (
        "redis-blind-spot.yaml",
        include_str!("../../fixtures/drills/redis-blind-spot.yaml"),
    ),
];

/// A scenario and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    /// `embedded:NAME` or the file's path.
    pub origin: String,
}

/// Parse and validate one scenario file's text; every problem found.
pub fn parse(file: &str, text: &str, providers: Providers<'_>) -> Result<Scenario, Vec<SpecError>> {
    let doc = Doc { file, text };
    if text.trim().is_empty() {
        return Err(vec![doc.invalid(&[], "empty scenario file".into())]);
    }
    let s: Scenario = doc.parse().map_err(|e| vec![e])?;
    let errors = super::locate(&doc, validate::validate(&s, providers));
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(errors)
    }
}

pub fn load_file(path: &Path, providers: Providers<'_>) -> Result<Scenario, Vec<SpecError>> {
    let file = super::read(path, false).map_err(|e| vec![e])?;
    parse(&file.display, file.text.as_deref().unwrap_or(""), providers)
}

/// Every scenario: the embedded ones (when `embedded`), then the
/// directories' files; a later file with an id already taken is refused.
#[derive(Debug, Default)]
pub struct Catalog {
    pub scenarios: BTreeMap<String, Loaded>,
    pub errors: Vec<SpecError>,
}

pub fn load_all(dirs: &[PathBuf], embedded: bool, providers: Providers<'_>) -> Catalog {
    let mut cat = Catalog::default();
    let mut unread = Vec::new();
    super::each_source(
        EMBEDDED,
        embedded,
        dirs,
        &mut unread,
        |origin, text| match parse(origin, text, providers) {
            Ok(s) => cat.add(s, origin.to_string()),
            Err(mut e) => cat.errors.append(&mut e),
        },
    );
    cat.errors.append(&mut unread);
    cat
}

impl Catalog {
    fn add(&mut self, s: Scenario, origin: String) {
        if let Some(first) = self.scenarios.get(&s.id) {
            self.errors.push(SpecError::Invalid {
                file: origin,
                line: 1,
                column: 1,
                message: format!("scenario id {:?} is already used by {}", s.id, first.origin),
            });
            return;
        }
        self.scenarios.insert(
            s.id.clone(),
            Loaded {
                scenario: s,
                origin,
            },
        );
    }

    /// A scenario by id, or by the file it was loaded from.
    pub fn find(&self, key: &str) -> Option<&Loaded> {
        self.scenarios
            .get(key)
            .or_else(|| self.scenarios.values().find(|l| l.origin == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_scenarios_are_valid() {
        let cat = load_all(&[], true, crate::domain::fault::catalog::names().as_slice());
        let errors: Vec<String> = cat.errors.iter().map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(cat.scenarios.len(), EMBEDDED.len());
    }
}
