//! Drill scenario files: one scenario per YAML file, many per directory,
//! loaded like plans (every problem as `file:line:column: message`, a
//! broken file never hides the others). Chaos Toolkit experiments (`*.json`,
//! or YAML with a `method:`) in the same directories are listed beside the
//! scenarios and run as they are.

use super::{Doc, SpecError};
use crate::domain::drill::Scenario;
use crate::domain::drill::validate;
use crate::domain::experiment::{Listed, looks_like};
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
    (
        "ctk-local-probe.json",
        include_str!("../../fixtures/drills/ctk-local-probe.json"),
    ),
];

/// What a drills directory holds: scenarios and experiments.
const EXTS: &[&str] = &["yaml", "yml", "json"];

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

/// Every scenario and experiment: the embedded ones (when `embedded`),
/// then the directories' files; a later file with an id already taken (by
/// either) is refused.
#[derive(Debug, Default)]
pub struct Catalog {
    pub scenarios: BTreeMap<String, Loaded>,
    pub experiments: BTreeMap<String, Listed>,
    pub errors: Vec<SpecError>,
}

/// An experiment's problem, at its first line (JSON errors carry their own
/// line and column in the message).
fn experiment_error(origin: &str, message: String) -> SpecError {
    SpecError::Invalid {
        file: origin.to_string(),
        line: 1,
        column: 1,
        message,
    }
}

/// Load one experiment file for the list.
pub fn load_experiment(path: &Path) -> Result<Listed, SpecError> {
    let file = super::read(path, false)?;
    Listed::load(&file.display, file.text.as_deref().unwrap_or(""))
        .map_err(|e| experiment_error(&file.display, e))
}

pub fn load_all(dirs: &[PathBuf], embedded: bool, providers: Providers<'_>) -> Catalog {
    let mut cat = Catalog::default();
    let mut unread = Vec::new();
    super::each_source(
        EMBEDDED,
        EXTS,
        embedded,
        dirs,
        &mut unread,
        |origin, text| {
            if looks_like(origin, text) {
                match Listed::load(origin, text) {
                    Ok(e) => cat.add_experiment(e),
                    Err(e) => cat.errors.push(experiment_error(origin, e)),
                }
                return;
            }
            match parse(origin, text, providers) {
                Ok(s) => cat.add(s, origin.to_string()),
                Err(mut e) => cat.errors.append(&mut e),
            }
        },
    );
    cat.errors.append(&mut unread);
    cat
}

impl Catalog {
    /// Who already holds `id`, scenario or experiment.
    fn taken(&self, id: &str) -> Option<&str> {
        self.scenarios
            .get(id)
            .map(|l| l.origin.as_str())
            .or_else(|| self.experiments.get(id).map(|e| e.origin.as_str()))
    }

    fn add_experiment(&mut self, e: Listed) {
        if let Some(first) = self.taken(&e.id) {
            let message = format!(
                "experiment {:?} (named after its file) is already used by {first}",
                e.id
            );
            self.errors.push(experiment_error(&e.origin, message));
            return;
        }
        self.experiments.insert(e.id.clone(), e);
    }

    fn add(&mut self, s: Scenario, origin: String) {
        if let Some(first) = self.taken(&s.id) {
            self.errors.push(SpecError::Invalid {
                file: origin,
                line: 1,
                column: 1,
                message: format!("scenario id {:?} is already used by {first}", s.id),
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
        assert_eq!(cat.scenarios.len() + cat.experiments.len(), EMBEDDED.len());
        assert_eq!(cat.experiments.len(), 1);
    }

    #[test]
    fn scenarios_are_never_taken_for_experiments() {
        // Both may have a top-level `rollbacks:`; `cocpit drill run
        // payments-latency.yaml` once went to the Chaos Toolkit runner.
        for (name, text) in EMBEDDED {
            let is_exp = name.ends_with(".json");
            assert_eq!(looks_like(name, text), is_exp, "{name}");
        }
    }

    #[test]
    fn experiments_load_from_a_directory_and_names_are_unique() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("payments-latency.json"),
            include_str!("../../fixtures/drills/ctk-local-probe.json"),
        )
        .unwrap();
        std::fs::write(
            d.path().join("yaml-exp.yaml"),
            "title: t\ndescription: d\nmethod:\n  - type: action\n    name: a\n    provider: {type: process, path: \"true\"}\n",
        )
        .unwrap();
        std::fs::write(d.path().join("broken.json"), "{\"title\": ").unwrap();
        let cat = load_all(
            &[d.path().to_path_buf()],
            true,
            crate::domain::fault::catalog::names().as_slice(),
        );
        assert!(cat.experiments.contains_key("yaml-exp"), "{:?}", cat.errors);
        let errors: Vec<String> = cat.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("broken.json") && errors[0].contains("not valid JSON"));
        assert!(errors[1].contains("is already used by embedded:payments-latency.yaml"));
    }
}
